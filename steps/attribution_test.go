package steps

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TestExchangesAttributedToTheirUser runs a scenario in which one step
// acts for two users (connecting lists both users' connections) and checks
// that every recorded exchange is attributed to the user it acted for:
// each connection record and share a response holds belongs to the actor
// of its exchange.
func TestExchangesAttributedToTheirUser(t *testing.T) {
	f := newFixture(t, nil)
	f.sharedCar()
	f.must(f.w.CheckSharedItem(f.ctx, "Bob", "My Car", "Alice", carValues[:1]))
	f.must(f.w.CheckShareCount(f.ctx, "Alice", 1, false))
	f.must(f.w.CheckConnectionCount(f.ctx, "Alice", 1))
	f.must(f.w.CheckConnectionCount(f.ctx, "Bob", 1))
	ids := map[string]string{}
	for name, u := range f.w.users {
		ids[name] = u.auth.UserID
	}
	checked := 0
	for _, r := range f.w.raw() {
		ex, _ := f.w.log.Exchange(r.Seq)
		if r.Actor == "" || ex.Actor != r.Actor {
			t.Errorf("%s: actor %q, its exchange's %q", r, r.Actor, ex.Actor)
			continue
		}
		owner := func(field, got string) {
			checked++
			if got != ids[r.Actor] {
				t.Errorf("%s attributed to %s, but its %s is another user's", r, r.Actor, field)
			}
		}
		switch {
		case r.Method == "GET" && strings.HasSuffix(r.Path, meeco.VConnections):
			var out meeco.ConnectionsResponse
			json.Unmarshal(r.Response, &out)
			for _, c := range out.Connections {
				owner("own.user_id", c.Own.UserID)
			}
		case r.Method == "GET" && strings.Contains(r.Path, "/incoming_shares/"):
			var out meeco.ShareResponse
			if json.Unmarshal(r.Response, &out) == nil && out.Share.RecipientID != "" {
				owner("recipient_id", out.Share.RecipientID)
			}
		case r.Method == "GET" && strings.HasSuffix(r.Path, meeco.VOutgoingShares):
			var out meeco.SharesListResponse
			json.Unmarshal(r.Response, &out)
			for _, s := range out.Shares {
				owner("sender_id", s.SenderID)
			}
		}
	}
	if checked < 6 {
		t.Errorf("only %d records checked", checked)
	}
}

// TestWrongOwnerKeypairNamed checks that a share naming another user's
// keypair is reported as that user's keypair, not opened with a key the
// World cached for the other user under the same id.
func TestWrongOwnerKeypairNamed(t *testing.T) {
	var m misbehave
	var aliceSide string
	f := newFixture(t, m.rewrite("GET", reIncomingShare, func(doc map[string]any) {
		obj(doc["share"])["keypair_external_id"] = aliceSide
	}))
	f.sharedCar()
	// Load both sides' connection keypairs, as the checks of a scenario do.
	f.must(f.w.CheckConnectionKeypairs(f.ctx, "Alice", "Bob"))
	alice, bob := f.w.users["Alice"], f.w.users["Bob"]
	c, err := f.w.connection(alice, bob)
	if err != nil {
		t.Fatal(err)
	}
	aliceSide = c.rec["Alice"].Own.UserKeypairExternalID
	m.on.Store(true)
	f.wantFailure(f.w.CheckShareKeyOnly(f.ctx, "My Car", "Bob", "Bob"),
		"want keypair_external_id to name a keypair of Bob, got "+aliceSide+", Alice's keypair")
}
