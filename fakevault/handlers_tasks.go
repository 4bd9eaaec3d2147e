package fakevault

import (
	"net/http"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Client task queue handlers.

func (s *Server) handleTaskList(c *call) (int, any, error) {
	p, err := c.page()
	if err != nil {
		return 0, nil, err
	}
	change, err := c.boolQuery("change_state")
	if err != nil {
		return 0, nil, err
	}
	// state is an array: the SDK's generated client repeats it
	// (state=todo&state=failed), others join it with commas.
	var states []string
	for _, v := range c.r.URL.Query()["state"] {
		states = append(states, splitList(v)...)
	}
	f := TaskFilter{States: states, WorkType: c.query("work_type"), TargetID: c.query("target_id"),
		ChangeState: change != nil && *change}
	resp, err := s.store.ListTasks(c.uid, f, p)
	return http.StatusOK, resp, err
}

func (s *Server) handleTaskUpdate(c *call) (int, any, error) {
	var req meeco.UpdateClientTasksRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	resp, err := s.store.UpdateTasks(c.uid, req)
	return http.StatusOK, resp, err
}
