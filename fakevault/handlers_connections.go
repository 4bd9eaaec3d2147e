package fakevault

import (
	"net/http"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Invitation and connection handlers.

func (s *Server) handleInvitationCreate(c *call) (int, any, error) {
	var req meeco.CreateInvitationRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateInvitation(c.uid, req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleInvitationList(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	resp, err := s.store.ListInvitations(c.uid, c.query("state"), p)
	return http.StatusOK, resp, err
}

func (s *Server) handleInvitationGet(c *call) (int, any, error) {
	resp, err := s.store.GetInvitation(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleInvitationDelete(c *call) (int, any, error) {
	return http.StatusNoContent, nil, s.store.DeleteInvitation(c.uid, c.path("id"))
}

func (s *Server) handleConnectionCreate(c *call) (int, any, error) {
	var req meeco.CreateConnectionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateConnection(c.uid, req)
	if err == nil && resp.ConnectionExistedAlready {
		return http.StatusOK, resp, nil
	}
	return http.StatusCreated, resp, err
}

func (s *Server) handleConnectionList(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	resp, err := s.store.ListConnections(c.uid, p)
	return http.StatusOK, resp, err
}

func (s *Server) handleConnectionGet(c *call) (int, any, error) {
	resp, err := s.store.GetConnection(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleConnectionDelete(c *call) (int, any, error) {
	return http.StatusNoContent, nil, s.store.DeleteConnection(c.uid, c.path("id"))
}
