package steps

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
)

// The checks of the sharing rules that no fault of the fake breaks, each
// run against a target that breaks its rule (and, for the on-share hashes,
// against the fake's fault whose scenario is refused before this check).

var reClientTaskQueue = regexp.MustCompile(`^/vault/client_task_queue$`)

// tokenOf returns a "request is made by u" test for misbehave, once the
// token is stored.
func tokenOf(tok *atomic.Value) func(*http.Request) bool {
	return func(r *http.Request) bool {
		t, _ := tok.Load().(string)
		return t != "" && r.Header.Get("Authorization") == t
	}
}

func TestShareHasNoFailsOnInventedTermsAndExpiry(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.rewrite("GET", reIncomingShare, func(doc map[string]any) {
		obj(doc["share"])["terms"] = "made-up terms"
		obj(doc["share"])["expires_at"] = "2099-12-31T00:00:00.000Z"
	}))
	f.sharedCar()
	if err := f.w.CheckShareHasNo(f.ctx, "My Car", "Bob", "terms"); err != nil {
		t.Fatalf("honest target: %v", err)
	}
	m.on.Store(true)
	err := f.w.CheckShareHasNo(f.ctx, "My Car", "Bob", "terms")
	f.wantFailure(err, `share of "My Car" to Bob as Bob reads it: want no terms, got 13 bytes of terms`, "/vault/incoming_shares/")
	err = f.w.CheckShareHasNo(f.ctx, "My Car", "Bob", "expiry date")
	f.wantFailure(err, `share of "My Car" to Bob as Bob reads it: want no expires_at, got 2099-12-31T00:00:00.000Z`)
}

func TestItemSharesDeniedFailsWhenListedToOthers(t *testing.T) {
	m := &misbehave{}
	var bob atomic.Value
	f := newFixture(t, m.answer("GET", reItemShares, tokenOf(&bob), 200, `{"shares":[]}`))
	f.sharedCar()
	bob.Store(f.w.users["Bob"].auth.VaultToken.Reveal())
	if err := f.w.CheckItemSharesDenied(f.ctx, "Bob", "Alice", "My Car"); err != nil {
		t.Fatalf("honest target: %v", err)
	}
	m.on.Store(true)
	err := f.w.CheckItemSharesDenied(f.ctx, "Bob", "Alice", "My Car")
	f.wantFailure(err, `Bob lists the shares of Alice's item "My Car": want 404 Not Found, got success`, "/shares")
}

func TestTaskChecksFailOnAnotherUsersTask(t *testing.T) {
	// leak shows Bob Alice's task; change answers Bob's PUT as done.
	var leak, change atomic.Bool
	var bob, taskID, itemID atomic.Value
	isBob := tokenOf(&bob)
	f := newFixture(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case leak.Load() && r.Method == "GET" && reClientTaskQueue.MatchString(r.URL.Path) && isBob(r):
				w.Header().Set("Content-Type", "application/json")
				json.NewEncoder(w).Encode(map[string]any{"client_tasks": []any{map[string]any{"id": taskID.Load(), "state": r.URL.Query().Get("state"),
					"work_type": "update_item_shares", "target_id": itemID.Load()}}, "meta": map[string]any{}, "next_page_after": nil})
			case change.Load() && r.Method == "PUT" && reClientTaskQueue.MatchString(r.URL.Path) && isBob(r):
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"client_tasks":[]}`))
			default:
				h.ServeHTTP(w, r)
			}
		})
	})
	f.sharedCar()
	f.must(f.w.ChangeSlot(f.ctx, "Alice", "vin", "My Car", "1HGCM82633A004352"))
	_, it, task, _, err := f.w.ownTask(f.ctx, "Alice", "My Car")
	f.must(err)
	bob.Store(f.w.users["Bob"].auth.VaultToken.Reveal())
	taskID.Store(task.ID)
	itemID.Store(it.id)
	for _, verb := range []string{"see", "change"} {
		if err := f.w.CheckTaskDenied(f.ctx, "Bob", verb, "Alice", "My Car"); err != nil {
			t.Fatalf("honest target, %s: %v", verb, err)
		}
	}
	if err := f.w.CheckNoShareTask(f.ctx, "Bob", "My Car"); err != nil {
		t.Fatalf("honest target: %v", err)
	}
	change.Store(true)
	err = f.w.CheckTaskDenied(f.ctx, "Bob", "change", "Alice", "My Car")
	f.wantFailure(err, `Bob sets Alice's task `+task.ID+` for "My Car" to done: want a refusal (HTTP 4xx), got success`, "PUT http://")
	change.Store(false)
	leak.Store(true)
	err = f.w.CheckTaskDenied(f.ctx, "Bob", "see", "Alice", "My Car")
	f.wantFailure(err, `Bob's client tasks (state=todo): want none of Alice's, got Alice's task `+task.ID)
	err = f.w.CheckNoShareTask(f.ctx, "Bob", "My Car")
	f.wantFailure(err, `Bob's client tasks: want no update_item_shares task for "My Car", got 4`)
}

func TestShareGoneFailsWhenDeletingTheCopyKeepsTheShare(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.answer("DELETE", reItem, nil, 204, ""))
	f.sharedCar()
	m.on.Store(true)
	f.must(f.w.DeleteReceived(f.ctx, "Bob", "My Car", "Alice"))
	err := f.w.CheckShareGone(f.ctx, "My Car", "Bob", []string{"Alice", "Bob"})
	f.wantFailure(err, `Alice reads the deleted share of "My Car" to Bob (outgoing): want 404 Not Found, got success`)
}

func TestRefusalsFailWhenRuleBreakingSharesAreTaken(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.answer("POST", reItemShares, nil, 201, `{"shares":[{"id":"made-anyway"}]}`))
	f.sharedCar()
	f.must(f.w.CreateItem(f.ctx, "Alice", "vehicle", "Her Van", carValues[:1]))
	m.on.Store(true)
	f.must(f.w.ShareWithUnknownSlot(f.ctx, "Alice", "Her Van", "Bob"))
	f.wantFailure(f.w.CheckRefused(0), `Alice shares "Her Van" with Bob with a value for a slot the item does not have: want a refusal (HTTP 4xx), got success`)
}

func TestOwnerHashesFailsOnAnOnSharersHash(t *testing.T) {
	// The fake's fault takes an on-sharer's own hash; the scenario that
	// sends one stops at its refusal check, so this check is shown here.
	faulty := fakevault.New(fakevault.WithFaults(fakevault.FaultOnShareNonOwnerHash))
	f := newFixture(t, func(http.Handler) http.Handler { return faulty })
	f.must(f.w.RegisterUsers(f.ctx, []string{"Alice", "Bob", "Jane"}))
	f.must(f.w.Connect(f.ctx, "Alice", "Bob"))
	f.must(f.w.Connect(f.ctx, "Bob", "Jane"))
	f.must(f.w.CreateItem(f.ctx, "Alice", "vehicle", "My Car", carValues))
	f.must(f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{Onsharing: true}))
	f.must(f.w.OnShareWith(f.ctx, "Bob", "My Car", "Alice", "Jane", OnShareOptions{OwnHashes: true}))
	err := f.w.CheckOwnerHashes(f.ctx, "My Car", "Jane", "Alice")
	f.wantFailure(err, `Jane's copy of "My Car": slot "model_make": want the value_verification_hash Alice made (as Bob's copy holds it), got another`)
}
