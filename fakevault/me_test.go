package fakevault

import (
	"encoding/json"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TestMeJSONFollowsTheUser: the GET /me body encoded at each change is
// what encoding GetMe gives, after creation, after PUT /me, and for a
// record made without either.
func TestMeJSONFollowsTheUser(t *testing.T) {
	f := newFixture(t)
	check := func(uid, when string) {
		t.Helper()
		me, err := f.st.GetMe(uid)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(me)
		got, err := f.st.MeJSON(uid)
		if err != nil || string(got) != string(want) {
			t.Fatalf("%s: MeJSON %s, want %s (err %v)", when, got, want, err)
		}
	}
	uid := f.user()
	check(uid, "after POST /me")
	if _, err := f.st.UpdateMe(uid, meeco.UpdateMeRequest{User: meeco.UpdateMeUser{PrivateDEKExternalID: ptr("dek-1"), FullName: ptr("Alice")}}); err != nil {
		t.Fatal(err)
	}
	check(uid, "after PUT /me")
	check(f.quickUser(), "a record made directly")
	if _, err := f.st.MeJSON(newID()); err == nil {
		t.Fatal("MeJSON of an unknown user succeeded")
	}
}
