package fakevault

import (
	"net/http"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Share handlers.

func (s *Server) handleShareCreate(c *call) (int, any, error) {
	var req meeco.CreateSharesRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateShares(c.uid, c.path("id"), req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleItemSharesGet(c *call) (int, any, error) {
	resp, err := s.store.GetItemShares(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleItemSharesUpdate(c *call) (int, any, error) {
	var req meeco.UpdateItemSharesRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.UpdateItemShares(c.uid, c.path("id"), req)
	return http.StatusOK, resp, err
}

func (s *Server) handleIncomingList(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	f := IncomingFilter{Acceptance: c.query("acceptance_required"), ShareIDs: splitList(c.query("share_ids")),
		OwnConnectionID: c.query("own_connection_id")}
	resp, err := s.store.ListIncoming(c.uid, f, p)
	return http.StatusOK, resp, err
}

func (s *Server) handleIncomingGet(c *call) (int, any, error) {
	resp, err := s.store.GetIncoming(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleIncomingItem(c *call) (int, any, error) {
	resp, err := s.store.GetIncomingItem(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleShareAccept(c *call) (int, any, error) {
	// PUT …/accept has no body; whatever is sent is ignored.
	resp, err := s.store.AcceptShare(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleOutgoingList(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	f := OutgoingFilter{ItemIDs: splitList(c.query("item_ids")), OwnConnectionID: c.query("own_connection_id")}
	resp, err := s.store.ListOutgoing(c.uid, f, p)
	return http.StatusOK, resp, err
}

func (s *Server) handleOutgoingGet(c *call) (int, any, error) {
	resp, err := s.store.GetOutgoing(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleShareDelete(c *call) (int, any, error) {
	return http.StatusNoContent, nil, s.store.DeleteShare(c.uid, c.path("id"))
}

func (s *Server) handleSharesReconfigure(c *call) (int, any, error) {
	var req meeco.ReconfigureSharesRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.ReconfigureShares(c.uid, req)
	return http.StatusOK, resp, err
}
