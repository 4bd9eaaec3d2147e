package steps

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Checks of the sharing rules: what a one-slot share delivers, what a
// share carries when nothing was set, who may accept, on-sharing flags and
// hashes, the owner hidden from on-share recipients, the shares an owner
// lists for re-keying, and a share gone once it expires.

// slotNames lists the names of the slots an item response renders.
func slotNames(it meeco.Item, slots []meeco.Slot) []string {
	var out []string
	for _, sl := range slotsOf(it, slots) {
		out = append(out, sl.Name)
	}
	slices.Sort(out)
	return out
}

// CheckOnlySlots checks that the recipient's copy of a shared item has
// exactly the named slots, no other slot even without a value, both as
// GET /incoming_shares/{id}/item renders it and as GET /items/{id} does.
func (w *World) CheckOnlySlots(ctx context.Context, recipient, label string, want []string) error {
	ru, err := w.activeUser(recipient)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, nil)
	if err != nil {
		return err
	}
	want = slices.Sorted(slices.Values(want))
	sr, err := w.readShared(ctx, s)
	if err != nil {
		return err
	}
	if err := verify(pick(sr.exs, "/item"), func(g gomega.Gomega) {
		got := slotNames(sr.resp.Item, sr.resp.Slots)
		g.Expect(got).To(gomega.Equal(want), "%s's copy of %q as the share renders it: want only slots %q, got %q", recipient, label, want, got)
	}); err != nil {
		return err
	}
	res, _, exs, err := w.rawItem(ctx, ru, sr.resp.Item.ID)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads the copy of %q", recipient, label), err)
	}
	return verify(exs, func(g gomega.Gomega) {
		got := slotNames(res.Item, res.Slots)
		g.Expect(got).To(gomega.Equal(want), "%s's copy of %q at GET /items/{id}: want only slots %q, got %q", recipient, label, want, got)
	})
}

// CheckShareHasNo checks that a share set up without terms (or without an
// expiry date) carries none, as its recipient and its sender read it: the
// Vault must not make up what the sender never wrote.
func (w *World) CheckShareHasNo(ctx context.Context, label, recipient, field string) error {
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	switch {
	case field == "terms" && s.terms != "":
		return scenarioErrorf("the share of %q to %s was made with terms", label, recipient)
	case field == "expiry date" && !s.expires.IsZero():
		return scenarioErrorf("the share of %q to %s was made with an expiry date", label, recipient)
	}
	return w.checkBothSides(ctx, s, func(g gomega.Gomega, reader *user, rec meeco.Share) {
		what := fmt.Sprintf("share of %q to %s as %s reads it", label, recipient, reader.name)
		if field == "terms" {
			g.Expect(rec.Terms).To(beEmptyString(), "%s: want no terms, got %d bytes of terms", what, len(deref(rec.Terms)))
			return
		}
		g.Expect(rec.ExpiresAt).To(beEmptyString(), "%s: want no expires_at, got %s", what, deref(rec.ExpiresAt))
	})
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// CheckOnsharing checks a share's onsharing_permitted as its recipient and
// its sender read it.
func (w *World) CheckOnsharing(ctx context.Context, label, recipient, permits string) error {
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	want := permits == "permits"
	return w.checkBothSides(ctx, s, func(g gomega.Gomega, reader *user, rec meeco.Share) {
		g.Expect(rec.OnsharingPermitted).To(gomega.Equal(want), "share of %q to %s as %s reads it: want onsharing_permitted %t, got %t", label, recipient, reader.name, want, rec.OnsharingPermitted)
	})
}

// CheckOwnerHashes checks that an on-share carries the verification hashes
// the owner made: every value of the on-share's copy has the hash that the
// copy of the owner's own share (the first hop) holds for that slot, not
// one the on-sharer made.
func (w *World) CheckOwnerHashes(ctx context.Context, label, recipient, owner string) error {
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	if s.item.owner.name != owner {
		return scenarioErrorf("%q belongs to %s, not %s", label, s.item.owner.name, owner)
	}
	if s.parent == nil {
		return scenarioErrorf("the share of %q to %s is %s's own share, not an on-share", label, recipient, owner)
	}
	root := s.parent
	for root.parent != nil {
		root = root.parent
	}
	first, err := w.readShared(ctx, root)
	if err != nil {
		return err
	}
	made := map[string]string{}
	for _, sl := range slotsOf(first.resp.Item, first.resp.Slots) {
		if sl.ValueVerificationHash != nil {
			made[sl.Name] = *sl.ValueVerificationHash
		}
	}
	sr, err := w.readShared(ctx, s)
	if err != nil {
		return err
	}
	return verify(pick(sr.exs, "/item"), func(g gomega.Gomega) {
		n := 0
		for _, sl := range slotsOf(sr.resp.Item, sr.resp.Slots) {
			if sl.EncryptedValue == nil || *sl.EncryptedValue == "" {
				continue
			}
			n++
			what := fmt.Sprintf("%s's copy of %q: slot %q", recipient, label, sl.Name)
			want, ok := made[sl.Name]
			g.Expect(ok).To(gomega.BeTrue(), "%s: want a slot %s's share delivered with a hash, got one %s's copy of it lacks", what, owner, root.recipient.name)
			g.Expect(sl.ValueVerificationHash).NotTo(gomega.BeNil(), "%s: want the value_verification_hash %s made, got null", what, owner)
			g.Expect(*sl.ValueVerificationHash).To(gomega.Equal(want), "%s: want the value_verification_hash %s made (as %s's copy holds it), got another", what, owner, root.recipient.name)
		}
		g.Expect(n).To(gomega.BeNumerically(">", 0), "%s's copy of %q: want values with hashes, got no values", recipient, label)
	})
}

// CheckCopyHidesOwner checks that a copy received through an on-share
// does not name the item's owner: owner_id of the item and of every slot,
// as GET /incoming_shares/{id}/item and GET /items/{id} render them, is
// not the owner's user id.
func (w *World) CheckCopyHidesOwner(ctx context.Context, recipient, label, owner string) error {
	ru, err := w.activeUser(recipient)
	if err != nil {
		return err
	}
	ou, err := w.user(owner)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, nil)
	if err != nil {
		return err
	}
	if s.item.owner != ou {
		return scenarioErrorf("%q belongs to %s, not %s", label, s.item.owner.name, owner)
	}
	if s.parent == nil {
		return scenarioErrorf("%s received %q from its owner, not through an on-share", recipient, label)
	}
	sr, err := w.readShared(ctx, s)
	if err != nil {
		return err
	}
	res, _, exs, err := w.rawItem(ctx, ru, sr.resp.Item.ID)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads the copy of %q", recipient, label), err)
	}
	for _, v := range []struct {
		where string
		item  meeco.Item
		slots []meeco.Slot
		exs   []redact.Exchange
	}{{"GET /incoming_shares/{id}/item", sr.resp.Item, sr.resp.Slots, pick(sr.exs, "/item")}, {"GET /items/{id}", res.Item, res.Slots, exs}} {
		if err := verify(v.exs, func(g gomega.Gomega) {
			what := fmt.Sprintf("%s's copy of %q at %s", recipient, label, v.where)
			g.Expect(deref(v.item.OwnerID)).NotTo(gomega.Equal(ou.auth.UserID), "%s: want owner_id hidden from an on-share's recipient, got %s's id %s", what, owner, ou.auth.UserID)
			for _, sl := range slotsOf(v.item, v.slots) {
				g.Expect(deref(sl.OwnerID)).NotTo(gomega.Equal(ou.auth.UserID), "%s: slot %q: want owner_id hidden, got %s's id %s", what, sl.Name, owner, ou.auth.UserID)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// CheckItemSharesListed checks the owner's GET /items/{id}/shares, which
// the owner's client re-keys from: it lists the share to each named user
// (on-shares included) with the owner's item id and the public key of the
// recipient's side of the connection the share went over.
func (w *World) CheckItemSharesListed(ctx context.Context, owner, label string, names []string) error {
	ou, err := w.activeUser(owner)
	if err != nil {
		return err
	}
	it, err := w.ownItem(ou, label)
	if err != nil {
		return err
	}
	type want struct {
		s   *share
		key string
	}
	var wants []want
	for _, n := range names {
		ru, err := w.user(n)
		if err != nil {
			return err
		}
		s, err := w.liveShare(label, ru, nil)
		if err != nil {
			return err
		}
		c, err := w.connection(s.sender, ru)
		if err != nil {
			return err
		}
		side, err := c.side(ru)
		if err != nil {
			return err
		}
		wants = append(wants, want{s, side.Own.UserPublicKey})
	}
	mark := w.log.Len()
	list, err := w.client.ItemShares(ctx, ou.auth, it.id)
	exs := w.log.Since(mark)
	if err != nil {
		return w.fail(fmt.Sprintf("%s lists the shares of %q", owner, label), err)
	}
	return verify(exs, func(g gomega.Gomega) {
		for _, x := range wants {
			what := fmt.Sprintf("%s's shares of %q: the share to %s (from %s)", owner, label, x.s.recipient.name, x.s.sender.name)
			i := slices.IndexFunc(list, func(e meeco.ItemShare) bool { return e.ID == x.s.id })
			g.Expect(i).To(gomega.BeNumerically(">=", 0), "%s: want share %s listed, got %d shares without it", what, x.s.id, len(list))
			e := list[i]
			g.Expect(e.ItemID).To(gomega.Equal(it.id), "%s: want item_id %s (the owner's item), got %s", what, it.id, e.ItemID)
			g.Expect(e.PublicKey == x.key).To(gomega.BeTrue(), "%s: want public_key %s (%s's side of the connection), got %s",
				what, pemFingerprint(x.key), x.s.recipient.name, pemFingerprint(e.PublicKey))
		}
	})
}

// CheckItemSharesDenied checks that a user who does not own an item cannot
// list its shares: GET /items/{id}/shares answers 404.
func (w *World) CheckItemSharesDenied(ctx context.Context, actor, owner, label string) error {
	au, err := w.activeUser(actor)
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
	if au == ou {
		return scenarioErrorf("%s owns %q, so %s can list its shares", actor, label, actor)
	}
	_, exs, err := w.call(ctx, au, client.Call{Op: "list item shares", Method: "GET", Path: client.Path(meeco.VItemShares, it.id)}, nil)
	return want404(fmt.Sprintf("%s lists the shares of %s's item %q", actor, owner, label), exs, err)
}

// CheckCannotAccept checks that a user other than a share's recipient
// cannot accept it: PUT /incoming_shares/{id}/accept is refused (4xx) and
// the recipient still reads the share in the state it had.
func (w *World) CheckCannotAccept(ctx context.Context, actor, label, recipient string) error {
	au, err := w.activeUser(actor)
	if err != nil {
		return err
	}
	ru, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	if au == ru {
		return scenarioErrorf("%s is the recipient of the share of %q, so %s can accept it", actor, label, actor)
	}
	before, exs, err := w.getShare(ctx, ru, s.id, true)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads the share of %q", recipient, label), err)
	}
	state := before.AcceptanceRequired
	_, exs, err = w.call(ctx, au, client.Call{Op: "accept share", Method: "PUT", Path: client.Path(meeco.VIncomingShareAccept, s.id)}, nil)
	if st := statusOf(err); err == nil || st < 400 || st > 499 {
		return &TargetFailure{Msg: fmt.Sprintf("%s accepts the share of %q to %s: want a refusal (HTTP 4xx), got %s", actor, label, recipient, gotOf(err)), Exchanges: exs, Err: err}
	}
	after, exs, err := w.getShare(ctx, ru, s.id, true)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads the share of %q afterwards", recipient, label), err)
	}
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(after.AcceptanceRequired).To(gomega.Equal(state), "share of %q to %s after %s tried to accept it: want acceptance_required %q, got %q", label, recipient, actor, state, after.AcceptanceRequired)
	})
}

// expiryGrace is how long after a share's expires_at the check waits for
// the Vault to take it away: slack for the clocks of the harness and the
// Vault, and for the request that set it.
const expiryGrace = 3 * time.Second

// CheckLostOnExpiry waits for a share's expires_at and checks that it is
// then gone for its recipient: GET /incoming_shares/{id} and its item
// answer 404, GET /incoming_shares does not list it, and the copy it
// delivered is neither readable at GET /items/{id} nor listed at
// GET /items.
func (w *World) CheckLostOnExpiry(ctx context.Context, recipient, label string) error {
	ru, err := w.activeUser(recipient)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, nil)
	if err != nil {
		return err
	}
	if s.expires.IsZero() {
		return scenarioErrorf("the share of %q to %s has no expiry date in this scenario", label, recipient)
	}
	if d := time.Until(s.expires); d > time.Minute {
		return scenarioErrorf("the share of %q to %s expires in %s; a check waits a few seconds at most", label, recipient, d.Round(time.Second))
	}
	what := fmt.Sprintf("share of %q to %s", label, recipient)
	var exs []redact.Exchange
	var last error
	wait := gomega.NewGomega(func(string, ...int) {})
	gone := wait.Eventually(ctx, func() int {
		_, exs, last = w.getShare(ctx, ru, s.id, true)
		return statusOf(last)
	}).WithTimeout(time.Until(s.expires) + expiryGrace).WithPolling(100 * time.Millisecond).Should(gomega.Equal(404))
	if e := ctxErr(ctx); e != nil {
		return e
	}
	if !gone {
		return &TargetFailure{Msg: fmt.Sprintf("%s read by %s %s after its expires_at: want 404 Not Found, got %s", what, recipient, expiryGrace, gotOf(last)), Exchanges: exs, Err: last}
	}
	_, exs, err = w.call(ctx, ru, client.Call{Op: "get shared item", Method: "GET", Path: client.Path(meeco.VIncomingShareItem, s.id)}, nil)
	if e := want404(fmt.Sprintf("%s reads the item of the expired %s", recipient, what), exs, err); e != nil {
		return e
	}
	in, exs, err := w.listShares(ctx, ru, true)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(in, func(x meeco.Share) bool { return x.ID == s.id }) {
		return &TargetFailure{Msg: fmt.Sprintf("%s's incoming shares: want the expired share %s gone, got it listed", recipient, s.id), Exchanges: exs[len(exs)-1:]}
	}
	if s.copyID != "" {
		_, _, exs, err := w.rawItem(ctx, ru, s.copyID)
		if e := want404(fmt.Sprintf("%s reads the copy of %q after the share expired", recipient, label), exs, err); e != nil {
			return e
		}
	}
	// Another live share of the item to the recipient keeps the copy.
	others := slices.ContainsFunc(w.liveSharesOf(s.item), func(o *share) bool { return o != s && o.recipient == ru && o.expires.IsZero() })
	items, exs, err := w.listItems(ctx, ru)
	if err != nil {
		return err
	}
	for _, it := range items {
		if deref(it.ShareID) == s.id || (!others && deref(it.OriginalID) == s.item.id) || (s.copyID != "" && it.ID == s.copyID) {
			return &TargetFailure{Msg: fmt.Sprintf("%s's items: want no copy of %q after the share expired, got item %s", recipient, label, it.ID), Exchanges: exs[len(exs)-1:]}
		}
	}
	return nil
}
