package steps

import (
	"context"
	"fmt"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Access control: what a user must not read or change, and requests with
// tokens that must not work. Objects of other users must answer 404, as if
// they did not exist, so that their existence does not leak.

// CheckCannotAccessItem checks that a user who does not own an item cannot
// act on it: "read" (GET /items/{id}, its slots, the item in her list),
// "update" (PUT /items/{id}) or "delete" (DELETE /items/{id}) answer 404,
// and the owner's item is unchanged afterwards.
func (w *World) CheckCannotAccessItem(ctx context.Context, actor, verb, owner, label string) error {
	u, err := w.activeUser(actor)
	if err != nil {
		return err
	}
	ou, err := w.user(owner)
	if err != nil {
		return err
	}
	it, err := w.ownItem(ou, label)
	if err != nil {
		return err
	}
	if u == ou {
		return scenarioErrorf("%s owns %q, so %s can %s it", actor, label, actor, verb)
	}
	before, err := w.client.GetItem(ctx, ou.auth, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q", owner, label), err)
	}
	what := fmt.Sprintf("%s %ss %s's item %q", actor, verb, owner, label)
	switch verb {
	case "read":
		_, _, exs, err := w.rawItem(ctx, u, it.id)
		if e := want404(what, exs, err); e != nil {
			return e
		}
		for _, sl := range before.Slots {
			_, exs, err := w.call(ctx, u, client.Call{Op: "get slot", Method: "GET", Path: client.Path(meeco.VSlot, sl.ID)}, nil)
			if e := want404(fmt.Sprintf("%s reads slot %q of %s's item %q", actor, sl.Name, owner, label), exs, err); e != nil {
				return e
			}
		}
		items, exs, err := w.listItems(ctx, u)
		if err != nil {
			return err
		}
		for _, x := range items {
			if x.ID == it.id {
				return &TargetFailure{Msg: fmt.Sprintf("%s's items: want %s's item %q absent, got it listed", actor, owner, label), Exchanges: exs[len(exs)-1:]}
			}
		}
		return nil
	case "update":
		slots, err := foreignSlots(u, before)
		if err != nil {
			return &HarnessError{Msg: fmt.Sprintf("encrypting the values %s would overwrite %q with", actor, label), Err: err}
		}
		body := map[string]any{"item": map[string]any{"label": "changed by " + actor, "slots_attributes": slots}}
		_, exs, err := w.call(ctx, u, client.Call{Op: "update item", Method: "PUT", Path: client.Path(meeco.VItem, it.id), Body: body}, nil)
		if e := want404(what, exs, err); e != nil {
			return e
		}
	case "delete":
		_, exs, err := w.call(ctx, u, client.Call{Op: "delete item", Method: "DELETE", Path: client.Path(meeco.VItem, it.id)}, nil)
		if e := want404(what, exs, err); e != nil {
			return e
		}
	default:
		return scenarioErrorf("unknown action %q on an item (read, update or delete)", verb)
	}
	return w.unchanged(ctx, it, before)
}

// foreignSlots builds slot attributes that would overwrite every slot of
// an item with a value encrypted under u's own DEK. Every slot gets one:
// a slot left out would make the check weaker than it says.
func foreignSlots(u *user, it *client.Item) ([]map[string]any, error) {
	var out []map[string]any
	for _, sl := range it.Slots {
		enc, err := cryppo.EncryptAES(u.auth.DEK, []byte("overwritten by "+u.name))
		if err != nil {
			return nil, err
		}
		out = append(out, map[string]any{"id": sl.ID, "name": sl.Name, "encrypted_value": enc})
	}
	return out, nil
}

// unchanged checks that the owner's item still holds its label and values.
func (w *World) unchanged(ctx context.Context, it *item, before *client.Item) error {
	mark := w.log.Len()
	after, err := w.client.GetItem(ctx, it.owner.auth, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q afterwards", it.owner.name, it.label), err)
	}
	return verify(w.log.Since(mark), func(g gomega.Gomega) {
		g.Expect(after.Label).To(gomega.Equal(before.Label), "%s's item %q afterwards: want label %q, got %q", it.owner.name, it.label, before.Label, after.Label)
		var want []SlotValue
		for k, v := range it.values {
			if v != "" {
				want = append(want, SlotValue{k, v})
			}
		}
		w.expectSlots(g, fmt.Sprintf("%s's item %q afterwards", it.owner.name, it.label), after, want)
	})
}

// CheckCannotAccessShare checks that a user who is neither sender nor
// recipient of a share cannot "read" it (GET incoming, outgoing and its
// item answer 404, her lists do not hold it) or "delete" it (DELETE
// /shares/{id} answers 404 and the share still exists).
func (w *World) CheckCannotAccessShare(ctx context.Context, actor, verb, label, recipient string) error {
	u, err := w.activeUser(actor)
	if err != nil {
		return err
	}
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	if u == s.recipient || u == s.sender {
		return scenarioErrorf("%s is a party to the share of %q to %s, so %s can %s it", actor, label, recipient, actor, verb)
	}
	what := fmt.Sprintf("%s %ss the share of %q to %s", actor, verb, label, recipient)
	switch verb {
	case "read":
		for _, p := range []struct{ path, side string }{
			{client.Path(meeco.VIncomingShare, s.id), "incoming"},
			{client.Path(meeco.VIncomingShareItem, s.id), "incoming item"},
			{client.Path(meeco.VOutgoingShare, s.id), "outgoing"},
		} {
			_, exs, err := w.call(ctx, u, client.Call{Op: "get share", Method: "GET", Path: p.path}, nil)
			if e := want404(what+" ("+p.side+")", exs, err); e != nil {
				return e
			}
		}
		for _, incoming := range []bool{true, false} {
			list, exs, err := w.listShares(ctx, u, incoming)
			if err != nil {
				return err
			}
			for _, x := range list {
				if x.ID == s.id {
					return &TargetFailure{Msg: fmt.Sprintf("%s's shares: want the share of %q to %s absent, got it listed", actor, label, recipient), Exchanges: exs[len(exs)-1:]}
				}
			}
		}
		return nil
	case "delete":
		_, exs, err := w.call(ctx, u, client.Call{Op: "delete share", Method: "DELETE", Path: client.Path(meeco.VShare, s.id)}, nil)
		if e := want404(what, exs, err); e != nil {
			return e
		}
		_, exs, err = w.getShare(ctx, s.sender, s.id, false)
		if err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("after %s: want the share still there for %s, got %s", what, s.sender.name, gotOf(err)), Exchanges: exs, Err: err}
		}
		return nil
	}
	return scenarioErrorf("unknown action %q on a share (read or delete)", verb)
}

// TokenKind is a kind of credential a request is made with.
type TokenKind int

// Token kinds of the access-control phrases.
const (
	// NoToken sends no Authorization header.
	NoToken TokenKind = iota + 1
	// MalformedToken sends a value that is no token at all.
	MalformedToken
	// LoggedOutToken sends the token of a session that was opened and
	// ended for the check.
	LoggedOutToken
	// OldToken sends the token of the session the scenario's "logs out"
	// step ended.
	OldToken
)

// malformedToken is sent as a token that cannot be valid: not the shape of
// any token either service issues.
const malformedToken = "!!malformed token!!"

// ParseTokenKind reads the token phrase of a step.
func ParseTokenKind(s string) (TokenKind, error) {
	switch s {
	case "no token":
		return NoToken, nil
	case "a malformed token":
		return MalformedToken, nil
	case "a logged-out token":
		return LoggedOutToken, nil
	case "her old token", "his old token", "their old token":
		return OldToken, nil
	}
	return 0, scenarioErrorf("unknown token %q (no token, a malformed token, a logged-out token, her old token)", s)
}

func (k TokenKind) String() string {
	switch k {
	case NoToken:
		return "no token"
	case MalformedToken:
		return "a malformed token"
	case LoggedOutToken:
		return "a logged-out token"
	case OldToken:
		return "the old token"
	}
	return "a token"
}

// deadSession opens and ends a second session for u, once per scenario.
func (w *World) deadSession(ctx context.Context, u *user) (*client.AuthData, error) {
	if u.dead != nil {
		return u.dead, nil
	}
	a, err := w.client.Login(ctx, u.name, u.password, u.auth.Secret)
	if err != nil {
		return nil, w.fail(u.name+" logs in for a session to end", err)
	}
	if err := w.client.Logout(ctx, a); err != nil {
		return nil, w.fail(u.name+" logs out of that session", err)
	}
	u.dead = a
	return a, nil
}

// withToken adjusts a call of u's to carry the given kind of token.
func (w *World) withToken(ctx context.Context, u *user, c client.Call, k TokenKind, hs client.Headers) (client.Call, error) {
	c.Headers = hs
	switch k {
	case NoToken:
		c.Headers = hs &^ client.HAuthorization
	case MalformedToken:
		t := client.NewToken(malformedToken)
		c.Token = &t
	case LoggedOutToken, OldToken:
		a := u.loggedOut
		if k == LoggedOutToken {
			var err error
			if a, err = w.deadSession(ctx, u); err != nil {
				return c, err
			}
		} else if a == nil {
			return c, scenarioErrorf("%s has not logged out in this scenario, so has no old token", u.name)
		}
		t := a.VaultToken
		if c.Service == client.Keystore {
			t = a.KeystoreToken
		}
		c.Token = &t
	default:
		return c, scenarioErrorf("unknown token kind")
	}
	return c, nil
}

// checkRefusedWith makes a call with a bad token and checks the status.
func (w *World) checkRefusedWith(ctx context.Context, u *user, c client.Call, k TokenKind, hs client.Headers, status int, what string) error {
	c, err := w.withToken(ctx, u, c, k, hs)
	if err != nil {
		return err
	}
	_, exs, err := w.call(ctx, u, c, nil)
	if got := statusOf(err); err == nil || got != status {
		return &TargetFailure{Msg: fmt.Sprintf("%s with %s: want refused with status %d, got %s", what, k, status, gotOf(err)), Exchanges: exs, Err: err}
	}
	return nil
}

// CheckItemRefusedWith reads an owner's item with a bad token; the Vault
// must refuse with the given status.
func (w *World) CheckItemRefusedWith(ctx context.Context, owner, label string, k TokenKind, status int) error {
	u, err := w.user(owner)
	if err != nil {
		return err
	}
	it, err := w.ownItem(u, label)
	if err != nil {
		return err
	}
	c := client.Call{Op: "get item", Method: "GET", Path: client.Path(meeco.VItem, it.id)}
	return w.checkRefusedWith(ctx, u, c, k, client.HFull, status, fmt.Sprintf("reading %s's item %q", owner, label))
}

// CheckShareRefusedWith reads a share as the given user with a bad token;
// the Vault must refuse with the given status.
func (w *World) CheckShareRefusedWith(ctx context.Context, label, reader string, k TokenKind, status int) error {
	u, err := w.user(reader)
	if err != nil {
		return err
	}
	s, err := w.shareFor(label, u)
	if err != nil {
		return err
	}
	path := client.Path(meeco.VOutgoingShare, s.id)
	if s.recipient == u {
		path = client.Path(meeco.VIncomingShare, s.id)
	}
	c := client.Call{Op: "get share", Method: "GET", Path: path}
	return w.checkRefusedWith(ctx, u, c, k, client.HFull, status, fmt.Sprintf("reading the share of %q as %s", label, reader))
}

// shareFor finds the one live share of label that u is a party to.
func (w *World) shareFor(label string, u *user) (*share, error) {
	var found []*share
	for _, s := range w.shares {
		if s.label == label && !s.deleted && (s.recipient == u || s.sender == u) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return nil, scenarioErrorf("%s is party to no share of %q in this scenario", u.name, label)
	}
	return nil, scenarioErrorf("%s is party to %d shares of %q; they cannot be told apart", u.name, len(found), label)
}

// CheckKEKRefusedWith reads a user's KEK from the Keystore with a bad
// token; the Keystore must refuse with the given status.
func (w *World) CheckKEKRefusedWith(ctx context.Context, owner string, k TokenKind, status int) error {
	u, err := w.user(owner)
	if err != nil {
		return err
	}
	c := client.Call{Op: "get key encryption key", Service: client.Keystore, Method: "GET", Path: meeco.KSKeyEncryptionKey}
	return w.checkRefusedWith(ctx, u, c, k, client.HKEK, status, fmt.Sprintf("reading %s's key encryption key", owner))
}
