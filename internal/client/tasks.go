package client

import (
	"context"
	"fmt"
	"strconv"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TaskQuery filters GET /client_task_queue. States defaults to [todo], as
// the SDK's list does; ChangeState asks the Vault to move the listed tasks
// to in_progress.
type TaskQuery struct {
	States      []meeco.ClientTaskState
	TargetID    string
	ChangeState bool
	Page        PageQuery
}

// ListClientTasks lists the user's client tasks (GET /client_task_queue).
func (c *Client) ListClientTasks(ctx context.Context, auth *AuthData, q TaskQuery) (*meeco.ClientTasksResponse, error) {
	v := q.Page.values()
	states := q.States
	if len(states) == 0 {
		states = []meeco.ClientTaskState{meeco.TaskTodo}
	}
	// An array parameter is repeated (state=todo&state=failed), as the
	// generated client's querystring writes arrays.
	for _, st := range states {
		v.Add("state", string(st))
	}
	v.Set("change_state", strconv.FormatBool(q.ChangeState))
	setNonEmpty(v, "target_id", q.TargetID)
	var out meeco.ClientTasksResponse
	if _, err := c.call(ctx, auth, "list client tasks", Vault, HFull, "GET", meeco.VClientTaskQueue, v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateClientTasks sets the state (and report) of client tasks
// (PUT /client_task_queue).
func (c *Client) UpdateClientTasks(ctx context.Context, auth *AuthData, updates []meeco.ClientTaskUpdate) (*meeco.ClientTasksResponse, error) {
	var out meeco.ClientTasksResponse
	if _, err := c.call(ctx, auth, "update client tasks", Vault, HFull, "PUT", meeco.VClientTaskQueue, nil,
		meeco.UpdateClientTasksRequest{ClientTasks: updates}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TaskRun is the outcome of RunClientTasks.
type TaskRun struct {
	Completed []meeco.ClientTask
	Failed    []FailedTask
}

// FailedTask is a task whose work failed, with the cause.
type FailedTask struct {
	Task meeco.ClientTask
	Err  error
}

// RunClientTasks executes client tasks as ClientTaskQueueService.execute
// does: every task must be update_item_shares (the only kind vaultcheck
// runs; ErrUnknownTask otherwise) in state todo or failed; all are set to
// in_progress (PUT), each runs UpdateShares on its target item, and the
// final states go back in one PUT.
func (c *Client) RunClientTasks(ctx context.Context, auth *AuthData, tasks []meeco.ClientTask) (*TaskRun, error) {
	return c.RunClientTasksWith(ctx, auth, tasks, UpdateSharesOptions{})
}

// RunClientTasksWith is RunClientTasks re-keying with the given options.
func (c *Client) RunClientTasksWith(ctx context.Context, auth *AuthData, tasks []meeco.ClientTask, o UpdateSharesOptions) (*TaskRun, error) {
	const op = "run client tasks"
	for _, t := range tasks {
		if t.WorkType != meeco.WorkUpdateItemShares {
			return nil, &Error{Op: op, Err: fmt.Errorf("%w: %s (task %s)", ErrUnknownTask, t.WorkType, t.ID)}
		}
		if t.State == meeco.TaskInProgress || t.State == meeco.TaskDone {
			return nil, &Error{Op: op, Err: fmt.Errorf("%w: task %s is already %s", meeco.InvalidState, t.ID, t.State)}
		}
	}
	start := make([]meeco.ClientTaskUpdate, len(tasks))
	for i, t := range tasks {
		start[i] = meeco.ClientTaskUpdate{ID: t.ID, State: meeco.TaskInProgress}
	}
	if _, err := c.UpdateClientTasks(ctx, auth, start); err != nil {
		return nil, opError(op, err)
	}
	run := &TaskRun{}
	for _, t := range tasks {
		if _, err := c.UpdateSharesWith(ctx, auth, t.TargetID, o); err != nil {
			t.State = meeco.TaskFailed
			run.Failed = append(run.Failed, FailedTask{Task: t, Err: err})
			continue
		}
		t.State = meeco.TaskDone
		run.Completed = append(run.Completed, t)
	}
	var final []meeco.ClientTaskUpdate
	for _, t := range run.Completed {
		final = append(final, meeco.ClientTaskUpdate{ID: t.ID, State: t.State, Report: t.Report})
	}
	for _, f := range run.Failed {
		final = append(final, meeco.ClientTaskUpdate{ID: f.Task.ID, State: f.Task.State, Report: f.Task.Report})
	}
	if len(final) > 0 {
		if _, err := c.UpdateClientTasks(ctx, auth, final); err != nil {
			return run, opError(op, err)
		}
	}
	return run, nil
}
