package fakevault

import (
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TestClientTaskRunBatchAsTheSDK replays Meeco's client-task-queue:run-batch
// over HTTP: list todo tasks with change_state=true (the SDK refuses to run
// any task it sees in_progress or done), set them in_progress, re-key the
// item, set them done.
func TestClientTaskRunBatchAsTheSDK(t *testing.T) {
	f := &fixture{t: t, now: time.Date(2024, 10, 9, 12, 0, 0, 0, time.UTC)}
	ts := NewTestServer(t, Options{Now: f.clock})
	f.st = ts.Store()
	alice, bob := f.user(), f.user()
	f.connect(alice, bob)
	it := f.vehicle(alice)
	sh := f.share(alice, it, bob)
	for _, name := range []string{"vin", "type"} {
		if _, err := f.st.UpdateItem(alice, it.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{
			SlotsAttributes: []meeco.SlotAttributes{{Name: name, EncryptedValue: ptr(aesStr(t))}}}}); err != nil {
			t.Fatal(err)
		}
	}
	c := &client{t: t, base: ts.URL(), token: f.sessionFor(alice)}

	// 1. ClientTaskQueueService.list(auth, change_state=true, [todo]).
	var listed meeco.ClientTasksResponse
	c.do("GET", "/vault/client_task_queue?change_state=true&state=todo", nil).into(t, 200, &listed)
	if len(listed.ClientTasks) != 1 {
		t.Fatalf("listed %d tasks, want 1", len(listed.ClientTasks))
	}
	task := listed.ClientTasks[0]
	if task.State != meeco.TaskTodo || task.TargetID != it.Item.ID {
		t.Fatalf("listed task state=%s target=%s, want todo for the item (the SDK runs only what it sees in todo)", task.State, task.TargetID)
	}
	// The listing moved it: a second run-batch must not pick it up again.
	var again meeco.ClientTasksResponse
	c.do("GET", "/vault/client_task_queue?change_state=true&state=todo", nil).into(t, 200, &again)
	if len(again.ClientTasks) != 0 {
		t.Fatalf("todo after change_state: %d tasks, want 0", len(again.ClientTasks))
	}
	var inProgress meeco.ClientTasksResponse
	c.do("GET", "/vault/client_task_queue?state=in_progress", nil).into(t, 200, &inProgress)
	if len(inProgress.ClientTasks) != 1 || inProgress.ClientTasks[0].State != meeco.TaskInProgress {
		t.Fatalf("in_progress list %+v, want the task", inProgress.ClientTasks)
	}

	// 2. execute: PUT in_progress, updateSharedItem (PUT /items/{id}/shares), PUT done.
	c.do("PUT", "/vault/client_task_queue", meeco.UpdateClientTasksRequest{ClientTasks: []meeco.ClientTaskUpdate{
		{ID: task.ID, State: meeco.TaskInProgress}}}).into(t, 200, nil)
	cur := f.mustItem(alice, it.Item.ID)
	up := meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: sh.ID, DEK: rsaStr(t, 2)}}}
	for _, sl := range cur.Slots {
		up.SlotValues = append(up.SlotValues, meeco.SlotValue{ShareID: sh.ID, SlotID: sl.ID, EncryptedValue: ptr(aesStr(t)),
			EncryptedValueVerificationKey: ptr(aesStr(t)), ValueVerificationHash: ptr(hashStr())})
	}
	c.do("PUT", "/vault/items/"+it.Item.ID+"/shares", up).into(t, 200, nil)
	var done meeco.ClientTasksResponse
	c.do("PUT", "/vault/client_task_queue", meeco.UpdateClientTasksRequest{ClientTasks: []meeco.ClientTaskUpdate{
		{ID: task.ID, State: meeco.TaskDone, Report: map[string]any{"ok": true}}}}).into(t, 200, &done)
	if done.ClientTasks[0].State != meeco.TaskDone {
		t.Fatalf("state after PUT done: %s", done.ClientTasks[0].State)
	}

	// countOutstandingTasks lists todo and in_progress, in the repeated
	// form the generated client writes and in the comma form.
	for _, q := range []string{"state=todo&state=in_progress", "state=todo,in_progress", "state=done"} {
		var got meeco.ClientTasksResponse
		c.do("GET", "/vault/client_task_queue?"+q, nil).into(t, 200, &got)
		want := 0
		if q == "state=done" {
			want = 1
		}
		if len(got.ClientTasks) != want {
			t.Errorf("%s: %d tasks, want %d", q, len(got.ClientTasks), want)
		}
	}
}
