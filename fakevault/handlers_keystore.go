package fakevault

import (
	"net/http"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Keystore handlers: SRP, admission tokens, KEK, DEKs, keypairs.

func (s *Server) handleSRPUsername(c *call) (int, any, error) {
	// The body ({captcha_token?}) is optional and unchecked.
	resp, err := s.store.ReserveUsername()
	return http.StatusOK, resp, err
}

func (s *Server) handleSRPUserCreate(c *call) (int, any, error) {
	var req meeco.SRPUserRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.RegisterSRPUser(req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleSRPChallenge(c *call) (int, any, error) {
	var req meeco.SRPChallengeRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateChallenge(req)
	return http.StatusOK, resp, err
}

func (s *Server) handleSRPSession(c *call) (int, any, error) {
	var req meeco.SRPSessionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateKeystoreSession(req)
	return http.StatusOK, resp, err
}

func (s *Server) handleKeystoreLogout(c *call) (int, any, error) {
	return http.StatusNoContent, nil, s.store.DeleteKeystoreSession(c.token)
}

func (s *Server) handleAdmissionTokens(c *call) (int, any, error) {
	resp, err := s.store.IssueAdmissionTokens(c.uid)
	return http.StatusOK, resp, err
}

func (s *Server) handleKEKCreate(c *call) (int, any, error) {
	var req meeco.KeyEncryptionKeyRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateKEK(c.uid, req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleKEKGet(c *call) (int, any, error) {
	resp, err := s.store.GetKEK(c.uid)
	return http.StatusOK, resp, err
}

func (s *Server) handleDEKCreate(c *call) (int, any, error) {
	var req meeco.DataEncryptionKeyRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateDEK(c.uid, req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleDEKGet(c *call) (int, any, error) {
	resp, err := s.store.GetDEK(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleKeypairCreate(c *call) (int, any, error) {
	var req meeco.KeypairRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateKeypair(c.uid, req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleKeypairGet(c *call) (int, any, error) {
	resp, err := s.store.GetKeypair(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleKeypairByExternalID(c *call) (int, any, error) {
	resp, err := s.store.GetKeypairByExternalID(c.uid, c.path("external_id"))
	return http.StatusOK, resp, err
}
