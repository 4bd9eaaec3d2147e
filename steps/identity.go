package steps

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// The state and helpers shared by the identity side's steps: sessions,
// SRP, Keystore keys, invitations, slots and pages (srp.go, sessions.go,
// keystore.go, invitations.go, slots.go, pagination.go, errshape.go,
// cryppo_forms.go).

// identityState is what those steps remember beyond the World's users,
// items, connections and shares.
type identityState struct {
	// shortOpened is when each user's short sessions were opened, and
	// shortFor their valid_for.
	shortOpened map[*user]time.Time
	shortFor    map[*user]time.Duration
	// loginKeypair is each user's login keypair id in her Keystore.
	loginKeypair map[*user]string
	// invites are the invitations the invitation steps made, by
	// inviteKey(inviter, invitee); they stay after being used.
	invites map[string]*sentInvitation
	// removedSlots are the ids of slots removed from an item, by label.
	removedSlots map[string][]string
	// deletedItems are items deleted by their owner, with the slot ids
	// they had.
	deletedItems map[string]*deletedItem
}

// sentInvitation is an invitation a step made, with what the checks
// after it need.
type sentInvitation struct {
	inviter, invitee *user
	inv              meeco.Invitation
	// expires is when the invitation expires, by the local clock: the
	// moment of its answer plus expires_in.
	expires   time.Time
	withdrawn bool
}

type deletedItem struct {
	it    *item
	slots []string
}

// identity returns the identity-side state, made on first use.
func (w *World) identity() *identityState {
	if w.idt == nil {
		w.idt = &identityState{
			shortOpened:  map[*user]time.Time{},
			shortFor:     map[*user]time.Duration{},
			loginKeypair: map[*user]string{},
			invites:      map[string]*sentInvitation{},
			removedSlots: map[string][]string{},
			deletedItems: map[string]*deletedItem{},
		}
	}
	return w.idt
}

// callAs makes one raw request with the tokens of auth (which may be
// another session of u than her current one) and decodes a 2xx body into
// out. It returns the exchanges it made.
func (w *World) callAs(ctx context.Context, auth *client.AuthData, c client.Call, out any) (*client.Response, []redact.Exchange, error) {
	mark := w.log.Len()
	resp, err := w.client.Do(ctx, auth, c, out)
	return resp, w.log.Since(mark), err
}

// loginKeypairID is the Keystore id of u's login ("auth") keypair, read
// once from her Keystore.
func (w *World) loginKeypairID(ctx context.Context, u *user) (string, error) {
	st := w.identity()
	if id := st.loginKeypair[u]; id != "" {
		return id, nil
	}
	kp, exs, err := w.getKeypair(ctx, u, meeco.KeypairAuthExternalID, true)
	if err != nil {
		return "", err
	}
	if kp.PublicKey != u.registered.LoginPublicKey {
		return "", &TargetFailure{Msg: fmt.Sprintf("%s's keypair by external id %q: want their own login key %s, got %s", u.name, meeco.KeypairAuthExternalID,
			u.registered.LoginKey.Fingerprint(), pemFingerprint(kp.PublicKey)), Exchanges: exs}
	}
	st.loginKeypair[u] = kp.ID
	return kp.ID, nil
}

// rawOf lists the scenario's raw exchanges of actor u (every actor when u
// is nil) whose method is method and whose path ends with suffix.
func (w *World) rawOf(u *user, method, suffix string) []redact.Raw {
	var out []redact.Raw
	for _, r := range w.raw() {
		if (u == nil || r.Actor == u.name) && r.Method == method && strings.HasSuffix(r.Path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// ok2xx reports whether a raw exchange succeeded.
func ok2xx(r redact.Raw) bool { return r.Status >= 200 && r.Status <= 299 }
