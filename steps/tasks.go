package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Client tasks: the work the Vault queues for a client because it holds no
// keys (update_item_shares after an owner changes a shared item). A client
// takes its todo tasks with change_state=true, which must answer them as
// they were and move them to in_progress, and settles them with
// PUT /client_task_queue. Nobody else may see or change them.

// taskStates are the states of a client task, each listed on its own so
// that a check also sees what the state filter does.
var taskStates = []meeco.ClientTaskState{meeco.TaskTodo, meeco.TaskInProgress, meeco.TaskDone, meeco.TaskFailed}

// isShareTask reports whether t is an update_item_shares task for one of
// the targets.
func isShareTask(t meeco.ClientTask, targets []string) bool {
	return t.WorkType == meeco.WorkUpdateItemShares && slices.Contains(targets, t.TargetID)
}

// listedTask is a task and the state filter it was listed under.
type listedTask struct {
	task  meeco.ClientTask
	under meeco.ClientTaskState
}

// shareTasks lists u's update_item_shares tasks for the targets, one
// GET /client_task_queue?state=S per state, with the state each was
// listed under.
func (w *World) shareTasks(ctx context.Context, u *user, targets []string) ([]listedTask, []redact.Exchange, error) {
	mark := w.log.Len()
	var out []listedTask
	for _, st := range taskStates {
		res, err := w.client.ListClientTasks(ctx, u.auth, client.TaskQuery{States: []meeco.ClientTaskState{st}})
		if err != nil {
			return nil, w.log.Since(mark), w.fail(fmt.Sprintf("%s lists client tasks in state %s", u.name, st), err)
		}
		for _, t := range res.ClientTasks {
			if isShareTask(t, targets) {
				out = append(out, listedTask{t, st})
			}
		}
	}
	return out, w.log.Since(mark), nil
}

// ownTask finds the owner's one update_item_shares task for an own item.
func (w *World) ownTask(ctx context.Context, owner, label string) (*user, *item, meeco.ClientTask, []redact.Exchange, error) {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return nil, nil, meeco.ClientTask{}, nil, err
	}
	tasks, exs, err := w.shareTasks(ctx, u, []string{it.id})
	if err != nil {
		return nil, nil, meeco.ClientTask{}, exs, err
	}
	if len(tasks) != 1 {
		return nil, nil, meeco.ClientTask{}, exs, &TargetFailure{Msg: fmt.Sprintf("%s's client tasks: want one %s task for %q (item %s) over all states, got %d",
			owner, meeco.WorkUpdateItemShares, label, it.id, len(tasks)), Exchanges: exs}
	}
	return u, it, tasks[0].task, exs, nil
}

// TakeTasks takes the user's todo tasks as Meeco's client task runner
// does: GET /client_task_queue?state=todo&change_state=true. The answer is
// kept for "took" checks.
func (w *World) TakeTasks(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	return w.act(ctx, name+" takes the client tasks", func() error {
		res, err := w.client.ListClientTasks(ctx, u.auth, client.TaskQuery{ChangeState: true})
		if err != nil {
			return err
		}
		u.taken = append([]meeco.ClientTask{}, res.ClientTasks...)
		return nil
	})
}

// CheckTookTasks checks what the user's last TakeTasks was handed: how many
// update_item_shares tasks for the item, and, when state is given, that
// each was answered in that state (the state it was taken in, todo, since
// the client refuses to run a task it is shown in_progress).
func (w *World) CheckTookTasks(name string, n int, label, state string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	it, err := w.ownItem(u, label)
	if err != nil {
		return err
	}
	if u.taken == nil {
		return scenarioErrorf("%s has not taken the client tasks in this scenario", name)
	}
	if state != "" && !meeco.ClientTaskState(state).Valid() {
		return scenarioErrorf("%q is not a client task state (todo, in_progress, done, failed)", state)
	}
	var got []meeco.ClientTask
	for _, t := range u.taken {
		if isShareTask(t, []string{it.id}) {
			got = append(got, t)
		}
	}
	return verify(nil, func(g gomega.Gomega) {
		g.Expect(got).To(gomega.HaveLen(n), "%s took %s tasks for %q: want %d, got %d", name, meeco.WorkUpdateItemShares, label, n, len(got))
		for _, t := range got {
			if state != "" {
				g.Expect(string(t.State)).To(gomega.Equal(state), "%s took the task %s for %q: want it answered in state %s, got %s", name, t.ID, label, state, t.State)
			}
		}
	})
}

// CheckTaskState checks the state of the owner's task to update the
// shares of an item: listed under that state's filter, and under no other.
func (w *World) CheckTaskState(ctx context.Context, owner, label, state string) error {
	if !meeco.ClientTaskState(state).Valid() {
		return scenarioErrorf("%q is not a client task state (todo, in_progress, done, failed)", state)
	}
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	tasks, exs, err := w.shareTasks(ctx, u, []string{it.id})
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(tasks).To(gomega.HaveLen(1), "%s's %s tasks for %q over all states: want 1, got %d", owner, meeco.WorkUpdateItemShares, label, len(tasks))
		t := tasks[0]
		g.Expect(string(t.under)).To(gomega.Equal(state), "%s's task %s for %q: want it listed under state=%s, got it under state=%s", owner, t.task.ID, label, state, t.under)
		g.Expect(string(t.task.State)).To(gomega.Equal(state), "%s's task %s for %q: want state %s, got %s", owner, t.task.ID, label, state, t.task.State)
	})
}

// MarkTask sets the state of the owner's task to update the shares of an
// item with PUT /client_task_queue.
func (w *World) MarkTask(ctx context.Context, owner, label, state string) error {
	if !meeco.ClientTaskState(state).Valid() {
		return scenarioErrorf("%q is not a client task state (todo, in_progress, done, failed)", state)
	}
	u, _, t, _, err := w.ownTask(ctx, owner, label)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s marks the task to update the shares of %q %s", owner, label, state), func() error {
		_, err := w.client.UpdateClientTasks(ctx, u.auth, []meeco.ClientTaskUpdate{{ID: t.ID, State: meeco.ClientTaskState(state)}})
		return err
	})
}

// CheckTaskDenied checks that a user cannot see ("see": her lists, in
// every state, do not hold it) or change ("change": PUT /client_task_queue
// naming it is refused, and it keeps its state) another user's task.
func (w *World) CheckTaskDenied(ctx context.Context, actor, verb, owner, label string) error {
	au, err := w.activeUser(actor)
	if err != nil {
		return err
	}
	ou, it, t, _, err := w.ownTask(ctx, owner, label)
	if err != nil {
		return err
	}
	if au == ou {
		return scenarioErrorf("the task is %s's own", actor)
	}
	switch verb {
	case "see":
		mark := w.log.Len()
		for _, st := range taskStates {
			res, err := w.client.ListClientTasks(ctx, au.auth, client.TaskQuery{States: []meeco.ClientTaskState{st}})
			if err != nil {
				return w.fail(fmt.Sprintf("%s lists client tasks in state %s", actor, st), err)
			}
			if slices.ContainsFunc(res.ClientTasks, func(x meeco.ClientTask) bool { return x.ID == t.ID || x.TargetID == it.id }) {
				return &TargetFailure{Msg: fmt.Sprintf("%s's client tasks (state=%s): want none of %s's, got %s's task %s for %q", actor, st, owner, owner, t.ID, label), Exchanges: w.log.Since(mark)}
			}
		}
		return nil
	case "change":
		to := meeco.TaskDone
		if t.State == meeco.TaskDone {
			to = meeco.TaskFailed
		}
		_, exs, err := w.call(ctx, au, client.Call{Op: "update client tasks", Method: "PUT", Path: meeco.VClientTaskQueue,
			Body: meeco.UpdateClientTasksRequest{ClientTasks: []meeco.ClientTaskUpdate{{ID: t.ID, State: to}}}}, nil)
		if st := statusOf(err); err == nil || st < 400 || st > 499 {
			return &TargetFailure{Msg: fmt.Sprintf("%s sets %s's task %s for %q to %s: want a refusal (HTTP 4xx), got %s", actor, owner, t.ID, label, to, gotOf(err)), Exchanges: exs, Err: err}
		}
		tasks, exs, err := w.shareTasks(ctx, ou, []string{it.id})
		if err != nil {
			return err
		}
		return verify(exs, func(g gomega.Gomega) {
			g.Expect(tasks).To(gomega.HaveLen(1), "%s's tasks for %q after %s tried to change one: want 1, got %d", owner, label, actor, len(tasks))
			g.Expect(tasks[0].task.State).To(gomega.Equal(t.State), "%s's task %s for %q after %s tried to set it to %s: want state %s, got %s", owner, t.ID, label, actor, to, t.State, tasks[0].task.State)
		})
	}
	return scenarioErrorf("unknown action %q on a task (see or change)", verb)
}

// CheckNoShareTask checks that a user has no task to update the shares of
// an item, in any state: for an item of someone else's, neither for the
// owner's item nor for the user's copies of it.
func (w *World) CheckNoShareTask(ctx context.Context, name, label string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	it, err := w.item(label)
	if err != nil {
		return err
	}
	targets := []string{it.id}
	for _, s := range w.shares {
		if s.item == it && s.recipient == u && s.copyID != "" {
			targets = append(targets, s.copyID)
		}
	}
	tasks, exs, err := w.shareTasks(ctx, u, targets)
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(tasks).To(gomega.BeEmpty(), "%s's client tasks: want no %s task for %q, got %d", name, meeco.WorkUpdateItemShares, label, len(tasks))
	})
}
