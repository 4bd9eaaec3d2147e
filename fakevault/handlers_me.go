package fakevault

import (
	"net/http"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Vault user and session handlers.

func (s *Server) handleMeCreate(c *call) (int, any, error) {
	var req meeco.CreateMeRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateUser(req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleMeGet(c *call) (int, any, error) {
	resp, err := s.store.MeJSON(c.uid)
	return http.StatusOK, resp, err
}

func (s *Server) handleMeUpdate(c *call) (int, any, error) {
	var req meeco.UpdateMeRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.UpdateMe(c.uid, req)
	return http.StatusOK, resp, err
}

func (s *Server) handleVaultLogin(c *call) (int, any, error) {
	var req meeco.VaultSessionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateVaultSession(req)
	return http.StatusOK, resp, err
}

func (s *Server) handleVaultLogout(c *call) (int, any, error) {
	return http.StatusNoContent, nil, s.store.DeleteVaultSession(c.token)
}
