package fakevault

import (
	"net/http"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Item template, classification node, item and slot handlers.

func (s *Server) handleTemplateList(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	f := TemplateFilter{Scheme: c.query("by_classification[scheme]"), NodeName: c.query("by_classification[name]"), Like: c.query("like")}
	resp, err := s.store.ListTemplates(c.uid, f, p)
	return http.StatusOK, resp, err
}

func (s *Server) handleTemplateGet(c *call) (int, any, error) {
	resp, err := s.store.GetTemplate(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleNodeList(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	own, err := c.boolQuery("own")
	if err != nil {
		return 0, nil, err
	}
	resp, err := s.store.ListNodes(c.uid, NodeFilter{Scheme: c.query("scheme_name"), Name: c.query("name"), Own: own}, p)
	return http.StatusOK, resp, err
}

func (s *Server) handleNodeCreate(c *call) (int, any, error) {
	var req meeco.CreateClassificationNodeRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateNode(c.uid, req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleItemCreate(c *call) (int, any, error) {
	var req meeco.CreateItemRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.CreateItem(c.uid, req)
	return http.StatusCreated, resp, err
}

func (s *Server) handleItemList(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	own, err := c.boolQuery("own")
	if err != nil {
		return 0, nil, err
	}
	names := splitList(c.query("classification_node_names"))
	if n := c.query("classification_node_name"); n != "" {
		names = append(names, n)
	}
	f := ItemFilter{TemplateIDs: splitList(c.query("template_ids")), Name: c.query("name"),
		Scheme: c.query("classification_scheme_name"), NodeNames: names, SharedWith: c.query("shared_with"),
		OwnerID: c.query("owner_id"), Own: own, ItemIDs: splitList(c.query("item_ids"))}
	resp, err := s.store.ListItems(c.uid, f, p)
	return http.StatusOK, resp, err
}

func (s *Server) handleItemGet(c *call) (int, any, error) {
	resp, err := s.store.GetItem(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleItemUpdate(c *call) (int, any, error) {
	var req meeco.UpdateItemRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.UpdateItem(c.uid, c.path("id"), req)
	return http.StatusOK, resp, err
}

func (s *Server) handleItemDelete(c *call) (int, any, error) {
	return http.StatusNoContent, nil, s.store.DeleteItem(c.uid, c.path("id"))
}

func (s *Server) handleItemEncrypt(c *call) (int, any, error) {
	var req meeco.EncryptItemRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.EncryptItem(c.uid, c.path("id"), req)
	return http.StatusOK, resp, err
}

func (s *Server) handleSlotGet(c *call) (int, any, error) {
	resp, err := s.store.GetSlot(c.uid, c.path("id"))
	return http.StatusOK, resp, err
}

func (s *Server) handleSlotDelete(c *call) (int, any, error) {
	return http.StatusNoContent, nil, s.store.DeleteSlot(c.uid, c.path("id"))
}
