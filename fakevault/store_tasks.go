package fakevault

import (
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// The client task queue: work the Vault cannot do itself because it holds
// no keys. The one kind the fake queues is update_item_shares, after an
// owner changes the slots of a shared item.

// queueTask adds a todo task unless one of the same kind for the same
// target is already waiting: ten edits need one re-key.
func (s *Store) queueTask(uid string, wt meeco.ClientTaskWorkType, target string) {
	if s.has(FaultTaskNotQueued) {
		return
	}
	for _, t := range s.userTasks[uid] {
		if t.workType == wt && t.targetID == target && t.state == meeco.TaskTodo {
			return
		}
	}
	now := s.clock()
	t := &clientTask{id: newID(), userID: uid, state: meeco.TaskTodo, workType: wt, targetID: target,
		createdAt: now, transitionAt: now, seq: s.nextSeq()}
	s.tasks[t.id] = t
	addTo(s.userTasks, uid, t.id, t)
}

// TaskFilter holds the query of GET /client_task_queue. States empty means
// todo, the SDK's default. ChangeState moves the returned tasks to
// in_progress, as the SDK's change_state=true asks; the answer still shows
// them in the state they were listed in.
type TaskFilter struct {
	States      []string
	WorkType    string
	TargetID    string
	ChangeState bool
}

// ListTasks answers GET /client_task_queue.
func (s *Store) ListTasks(uid string, f TaskFilter, p Page) (*meeco.ClientTasksResponse, error) {
	states := f.States
	if len(states) == 0 {
		states = []string{string(meeco.TaskTodo)}
	}
	want := map[meeco.ClientTaskState]bool{}
	for _, st := range states {
		if !meeco.ClientTaskState(st).Valid() {
			return nil, errInvalid("state", "is not a client task state")
		}
		want[meeco.ClientTaskState(st)] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []*clientTask
	for _, t := range s.userTasks[uid] {
		if want[t.state] && (f.WorkType == "" || string(t.workType) == f.WorkType) && (f.TargetID == "" || t.targetID == f.TargetID) {
			recs = append(recs, t)
		}
	}
	page, meta, next, err := paginate(s.f, recs, func(t *clientTask) uint64 { return t.seq }, p)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	out := &meeco.ClientTasksResponse{ClientTasks: []meeco.ClientTask{}, Meta: meta, NextPageAfter: next}
	for _, t := range page {
		// The answer shows each task as it was found: Meeco's SDK
		// (client-task-queue:run-batch) lists with change_state=true and
		// then refuses to execute any task it sees in_progress.
		if s.has(FaultTaskListShowsInProgress) && f.ChangeState {
			t.state, t.transitionAt = meeco.TaskInProgress, now
		}
		out.ClientTasks = append(out.ClientTasks, taskView(t))
		if f.ChangeState && t.state != meeco.TaskInProgress {
			t.state, t.transitionAt = meeco.TaskInProgress, now
		}
	}
	return out, nil
}

func checkTaskUpdates(ups []meeco.ClientTaskUpdate) error {
	seen := map[string]bool{}
	for _, u := range ups {
		if err := need("client_tasks[].id", u.ID); err != nil {
			return err
		}
		if !u.State.Valid() {
			return errInvalid("client_tasks[].state", "is not a client task state")
		}
		if seen[u.ID] {
			return errInvalid("client_tasks", "names a task twice")
		}
		seen[u.ID] = true
	}
	return nil
}

func (s *Store) checkTaskOwner(uid string, ups []meeco.ClientTaskUpdate) error {
	for _, u := range ups {
		if t := s.tasks[u.ID]; t == nil || t.userID != uid {
			return errInvalid("client_tasks[].id", "does not name one of your client tasks")
		}
	}
	return nil
}

func (s *Store) applyTaskUpdates(ups []meeco.ClientTaskUpdate, now time.Time) []*clientTask {
	out := make([]*clientTask, 0, len(ups))
	for _, u := range ups {
		t := s.tasks[u.ID]
		if t.state != u.State {
			t.state, t.transitionAt = u.State, now
		}
		if u.Report != nil {
			t.report = u.Report
		}
		out = append(out, t)
	}
	return out
}

// UpdateTasks answers PUT /client_task_queue.
func (s *Store) UpdateTasks(uid string, req meeco.UpdateClientTasksRequest) (*meeco.ClientTasksResponse, error) {
	if len(req.ClientTasks) == 0 {
		return nil, errMissing("client_tasks")
	}
	if len(req.ClientTasks) > maxPerPage {
		return nil, errInvalid("client_tasks", "holds too many entries")
	}
	if err := checkTaskUpdates(req.ClientTasks); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkTaskOwner(uid, req.ClientTasks); err != nil {
		return nil, err
	}
	var updated []*clientTask
	if s.has(FaultTaskUpdateIgnored) {
		for _, u := range req.ClientTasks {
			updated = append(updated, s.tasks[u.ID])
		}
	} else {
		updated = s.applyTaskUpdates(req.ClientTasks, s.clock())
	}
	out := &meeco.ClientTasksResponse{ClientTasks: []meeco.ClientTask{}, Meta: meeco.Meta{OrderBy: "created_at",
		Order: "asc", PerPage: len(updated), RecordsCount: len(updated), Page: 1, PageCount: 1}}
	for _, t := range updated {
		out.ClientTasks = append(out.ClientTasks, taskView(t))
	}
	return out, nil
}
