package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Shares: sharing, on-sharing, accepting, deleting and re-keying, and the
// checks of what sender and recipient see and can open.

// ShareOptions are the variants of Share.
type ShareOptions struct {
	// Slot shares one slot, by name; empty shares the whole item.
	Slot string
	// Terms make the share wait for the recipient's acceptance.
	Terms string
	// Onsharing lets the recipient share the item on.
	Onsharing bool
	// Expires, when set, is the share's expiry (expires_at).
	Expires time.Time
	// Again says the item is already shared with the recipient and is
	// shared a second time (the scenario must say so: shares are named by
	// item and recipient).
	Again bool
}

// Share shares an own item with a connected user, as the SDK's shareItem
// does: a fresh share DEK, the slot values re-encrypted under it with
// value verification keys and hashes, the DEK wrapped to the recipient's
// connection public key.
func (w *World) Share(ctx context.Context, sender, label, recipient string, o ShareOptions) error {
	su, err := w.activeUser(sender)
	if err != nil {
		return err
	}
	ru, err := w.user(recipient)
	if err != nil {
		return err
	}
	it, err := w.item(label)
	if err != nil {
		return err
	}
	if it.owner != su {
		return scenarioErrorf("%s does not own %q (%s does); a received item is shared on with \"%s shares the %q … received from …\"", sender, label, it.owner.name, sender, label)
	}
	if su == ru {
		return scenarioErrorf("%s cannot share with %s", sender, recipient)
	}
	c, err := w.connection(su, ru)
	if err != nil {
		return err
	}
	side, err := c.side(su)
	if err != nil {
		return err
	}
	if err := w.checkAgain(label, ru, o.Again); err != nil {
		return err
	}
	what := fmt.Sprintf("%s shares %q with %s", sender, label, recipient)
	if o.Slot != "" {
		what = fmt.Sprintf("%s shares slot %q of %q with %s", sender, o.Slot, label, recipient)
	}
	return w.act(ctx, what, func() error {
		shs, err := w.client.Share(ctx, su.auth, side.Own.ID, it.id, client.ShareOptions{SlotName: o.Slot, Terms: o.Terms, OnsharingPermitted: o.Onsharing, ExpiresAt: o.Expires})
		if errors.Is(err, client.ErrSlotNotFound) {
			return scenarioErrorf("item %q has no slot %q", label, o.Slot)
		}
		if err != nil {
			return err
		}
		w.addShare(&share{label: label, item: it, sender: su, recipient: ru, slot: o.Slot, terms: o.Terms, onsharing: o.Onsharing, expires: o.Expires}, shs)
		return nil
	})
}

// checkAgain insists that a second share of an item to the same recipient
// says "again", and that "again" follows a first one.
func (w *World) checkAgain(label string, ru *user, again bool) error {
	prior := 0
	for _, s := range w.shares {
		if s.label == label && s.recipient == ru && !s.deleted {
			prior++
		}
	}
	switch {
	case prior > 0 && !again:
		return scenarioErrorf("%q is already shared with %s; to share it a second time say \"again\"", label, ru.name)
	case prior == 0 && again:
		return scenarioErrorf("%q has not been shared with %s before, so it cannot be shared \"again\"", label, ru.name)
	}
	return nil
}

// addShare records a share the Vault created. Its first encrypted DEK is
// the one the sender sent (the Vault hides it while the share waits for
// acceptance); one the Vault answered with, if different, comes after it.
func (w *World) addShare(s *share, shared *client.Shared) {
	rec := shared.Shares[0]
	s.id, s.record = rec.ID, rec
	if sent := shared.Sent.EncryptedDEK; sent != "" {
		s.deks = append(s.deks, sent)
	}
	if rec.EncryptedDEK != nil && *rec.EncryptedDEK != "" && !slices.Contains(s.deks, *rec.EncryptedDEK) {
		s.deks = append(s.deks, *rec.EncryptedDEK)
	}
	w.shares = append(w.shares, s)
}

// OnShare shares an item a user received from another on to a third (the
// SDK's shareItem on a received item: the values re-encrypted under a new
// DEK, the owner's verification keys passed on, no hash of its own).
func (w *World) OnShare(ctx context.Context, sender, label, from, recipient string) error {
	return w.OnShareWith(ctx, sender, label, from, recipient, OnShareOptions{})
}

// copyOf finds the recipient's copy of a shared item by reading the share
// as the recipient.
func (w *World) copyOf(ctx context.Context, s *share) (string, error) {
	if s.copyID != "" {
		return s.copyID, nil
	}
	res, err := w.client.ReadShare(ctx, s.recipient.auth, s.id)
	if err != nil {
		return "", w.fail(fmt.Sprintf("%s reads the share of %q from %s", s.recipient.name, s.label, s.sender.name), err)
	}
	s.copyID = res.Item.ID
	return s.copyID, nil
}

// Accept accepts a share that waits for acceptance, as the CLI's
// shares:accept does: read the share (whose terms the user is shown), then
// accept it.
func (w *World) Accept(ctx context.Context, recipient, label, sender string) error {
	ru, err := w.activeUser(recipient)
	if err != nil {
		return err
	}
	fu, err := w.user(sender)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, fu)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s accepts the share of %q from %s", recipient, label, sender), func() error {
		in, err := w.client.GetIncomingShare(ctx, ru.auth, s.id)
		if err != nil {
			return err
		}
		terms := ""
		if in.Terms != nil {
			terms = *in.Terms
		}
		var out meeco.ShareResponse
		if _, err := w.client.Do(ctx, ru.auth, client.Call{Op: "accept share", Method: "PUT", Path: client.Path(meeco.VIncomingShareAccept, s.id)}, &out); err != nil {
			return err
		}
		s.shown = &terms
		return nil
	})
}

// DeleteShare deletes a share as the given user (sender, owner or
// recipient may).
func (w *World) DeleteShare(ctx context.Context, by, label, recipient string) error {
	bu, err := w.activeUser(by)
	if err != nil {
		return err
	}
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s deletes the share of %q to %s", by, label, recipient), func() error {
		if err := w.client.DeleteShare(ctx, bu.auth, s.id); err != nil {
			return err
		}
		s.deleted = true
		return nil
	})
}

// UpdateShares re-keys every share of an own item: by running the Vault's
// update_item_shares client tasks for the item when there are any (as the
// SDK's task queue does), otherwise directly.
func (w *World) UpdateShares(ctx context.Context, owner, label string) error {
	return w.UpdateSharesWith(ctx, owner, label, client.UpdateSharesOptions{})
}

// UpdateSharesWith is UpdateShares with the client's re-key options
// (EverySlot: every slot to every share, as Meeco's SDK sends them).
func (w *World) UpdateSharesWith(ctx context.Context, owner, label string, o client.UpdateSharesOptions) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s updates the shares of %q", owner, label), func() error {
		tasks, err := w.client.ListClientTasks(ctx, u.auth, client.TaskQuery{TargetID: it.id})
		if err != nil {
			return err
		}
		var mine []meeco.ClientTask
		for _, t := range tasks.ClientTasks {
			if t.WorkType == meeco.WorkUpdateItemShares && t.TargetID == it.id {
				mine = append(mine, t)
			}
		}
		if len(mine) > 0 {
			run, err := w.client.RunClientTasksWith(ctx, u.auth, mine, o)
			if err != nil {
				return err
			}
			if len(run.Failed) > 0 {
				return run.Failed[0].Err
			}
			return nil
		}
		shs, err := w.client.UpdateSharesWith(ctx, u.auth, it.id, o)
		if err != nil {
			return err
		}
		for _, rec := range shs {
			for _, s := range w.shares {
				if s.id == rec.ID && rec.EncryptedDEK != nil && *rec.EncryptedDEK != "" {
					s.deks = append(s.deks, *rec.EncryptedDEK)
				}
			}
		}
		return nil
	})
}

// ---- reading shares as their parties ----

// getShare reads a share as u: incoming (recipient) or outgoing (sender).
func (w *World) getShare(ctx context.Context, u *user, id string, incoming bool) (*meeco.Share, []redact.Exchange, error) {
	path := client.Path(meeco.VOutgoingShare, id)
	if incoming {
		path = client.Path(meeco.VIncomingShare, id)
	}
	var out meeco.ShareResponse
	_, exs, err := w.call(ctx, u, client.Call{Op: "get share", Method: "GET", Path: path}, &out)
	return &out.Share, exs, err
}

// loadKeypair returns a keypair of u's Keystore with its private key
// unwrapped under u's KEK (cached per scenario, by owner and id).
func (w *World) loadKeypair(ctx context.Context, u *user, id string) (*keypairInfo, error) {
	if k := w.keypairs[keypairKey{u, id}]; k != nil {
		return k, nil
	}
	kp, exs, err := w.getKeypair(ctx, u, id, false)
	if err != nil {
		return nil, err
	}
	priv, err := cryppo.DecryptAES(u.auth.KEK, kp.EncryptedSerializedKey)
	var key *cryppo.PrivateKey
	if err == nil {
		key, err = cryppo.ParsePrivateKeyPEM(string(priv))
	}
	if err != nil {
		return nil, &TargetFailure{Msg: fmt.Sprintf("%s's keypair %s: want a private key that opens with %s's KEK %s, got %v", u.name, id, u.name, u.auth.KEK.Fingerprint(), err), Exchanges: exs}
	}
	w.ledger.UnwrapPrivateKey(u.name, "private key of keypair "+id, u.auth.KEK, "KEK", kp.EncryptedSerializedKey, key)
	k := &keypairInfo{owner: u, id: id, priv: key, pub: kp.PublicKey}
	w.keypairs[keypairKey{u, id}] = k
	return k, nil
}

// keypairOwner is the user a keypair id of the scenario belongs to: a
// keypair loaded from a Keystore, or a side of a connection. nil when the
// id is not known.
func (w *World) keypairOwner(id string) *user {
	for k := range w.keypairs {
		if k.id == id {
			return k.owner
		}
	}
	for _, c := range w.conns {
		for name, rec := range c.rec {
			if rec.Own.UserKeypairExternalID == id {
				return w.users[name]
			}
		}
	}
	return nil
}

// shareKey is a share as its recipient reads it, with its key opened.
type shareKey struct {
	rec  meeco.Share
	kp   *keypairInfo // the recipient keypair named by keypair_external_id
	raw  []byte       // the unwrapped DEK bytes; nil while the share waits for acceptance
	exs  []redact.Exchange
	what string
}

// key is the share DEK, or a failure when it is not a 32-byte key.
func (k *shareKey) key() (cryppo.SymmetricKey, error) {
	if k.raw == nil {
		return cryppo.SymmetricKey{}, &TargetFailure{Msg: k.what + ": want an encrypted_dek, got null", Exchanges: k.exs}
	}
	dek, err := cryppo.NewSymmetricKey(k.raw)
	if err != nil {
		return cryppo.SymmetricKey{}, &TargetFailure{Msg: fmt.Sprintf("%s: want a %d-byte share key, got %d bytes", k.what, cryppo.SymmetricKeySize, len(k.raw)), Exchanges: k.exs}
	}
	return dek, nil
}

// openShare reads a share as its recipient (GET /incoming_shares/{id}) and
// opens its encrypted DEK with the keypair its keypair_external_id names
// in the recipient's Keystore.
func (w *World) openShare(ctx context.Context, s *share) (*shareKey, error) {
	rec, exs, err := w.getShare(ctx, s.recipient, s.id, true)
	if err != nil {
		return nil, w.fail(fmt.Sprintf("%s reads the share of %q", s.recipient.name, s.label), err)
	}
	return w.openShareRecord(ctx, s.recipient, *rec, exs, fmt.Sprintf("share of %q to %s", s.label, s.recipient.name))
}

// openShareRecord opens the encrypted DEK of a share record as recipient u.
func (w *World) openShareRecord(ctx context.Context, u *user, rec meeco.Share, exs []redact.Exchange, what string) (*shareKey, error) {
	sk := &shareKey{rec: rec, exs: exs, what: what}
	if rec.EncryptedDEK == nil || *rec.EncryptedDEK == "" {
		return sk, nil
	}
	if o := w.keypairOwner(rec.KeypairExternalID); o != nil && o != u {
		return nil, &TargetFailure{Msg: fmt.Sprintf("%s: want keypair_external_id to name a keypair of %s, got %s, %s's keypair", what, u.name, rec.KeypairExternalID, o.name), Exchanges: exs}
	}
	kp, err := w.loadKeypair(ctx, u, rec.KeypairExternalID)
	if err != nil {
		return nil, err
	}
	sk.kp = kp
	raw, err := cryppo.DecryptRSA(kp.priv, *rec.EncryptedDEK)
	if err != nil {
		return nil, &TargetFailure{Msg: fmt.Sprintf("%s: want the encrypted DEK to open with %s's keypair %s, got %v", what, u.name, rec.KeypairExternalID, err), Exchanges: exs}
	}
	w.ledger.UnwrapKeyRSA(u.name, "share DEK for share "+rec.ID, kp.priv, "keypair "+rec.KeypairExternalID, *rec.EncryptedDEK, raw)
	sk.raw = raw
	return sk, nil
}

// sharedRaw is the item of a share as its recipient reads it, undecrypted,
// with the key of the share that holds the copy.
type sharedRaw struct {
	resp meeco.ShareWithItemResponse
	key  cryppo.SymmetricKey
	sk   *shareKey
	exs  []redact.Exchange
}

// readShared reads GET /incoming_shares/{id}/item as the recipient,
// following item_shared_via_another_share_id, and opens the DEK of the
// share that holds the item.
func (w *World) readShared(ctx context.Context, s *share) (*sharedRaw, error) {
	what := fmt.Sprintf("share of %q to %s", s.label, s.recipient.name)
	var out meeco.ShareWithItemResponse
	_, exs, err := w.call(ctx, s.recipient, client.Call{Op: "get shared item", Method: "GET", Path: client.Path(meeco.VIncomingShareItem, s.id)}, &out)
	if err != nil {
		return nil, w.fail(fmt.Sprintf("%s reads the item of the %s", s.recipient.name, what), err)
	}
	if via := out.ItemSharedViaAnotherShareID; via != nil && *via != "" {
		var second meeco.ShareWithItemResponse
		_, exs2, err := w.call(ctx, s.recipient, client.Call{Op: "get shared item", Method: "GET", Path: client.Path(meeco.VIncomingShareItem, *via)}, &second)
		exs = append(exs, exs2...)
		if err != nil {
			return nil, w.fail(fmt.Sprintf("%s reads the item of the %s (via share %s)", s.recipient.name, what, *via), err)
		}
		out = second
	}
	sk, err := w.openShareRecord(ctx, s.recipient, out.Share, exs, what)
	if err != nil {
		return nil, err
	}
	key, err := sk.key()
	if err != nil {
		return nil, err
	}
	return &sharedRaw{resp: out, key: key, sk: sk, exs: exs}, nil
}

// expected is the value a share should carry for each shared slot.
func (s *share) expected() map[string]string {
	out := map[string]string{}
	for k, v := range s.item.values {
		if v != "" && (s.slot == "" || s.slot == k) {
			out[k] = v
		}
	}
	return out
}

// ---- helpers of the share checks ----

// listShares lists all of u's incoming or outgoing shares, page by page.
func (w *World) listShares(ctx context.Context, u *user, incoming bool) ([]meeco.Share, []redact.Exchange, error) {
	mark := w.log.Len()
	var all []meeco.Share
	var page client.PageQuery
	for range 100 {
		var out *meeco.SharesListResponse
		var err error
		if incoming {
			out, err = w.client.ListIncomingShares(ctx, u.auth, client.IncomingShareQuery{Page: page})
		} else {
			out, err = w.client.ListOutgoingShares(ctx, u.auth, client.OutgoingShareQuery{Page: page})
		}
		if err != nil {
			return nil, w.log.Since(mark), w.fail(u.name+" lists shares", err)
		}
		all = append(all, out.Shares...)
		if out.NextPageAfter == nil || *out.NextPageAfter == "" || len(out.Shares) == 0 {
			break
		}
		page.NextPageAfter = *out.NextPageAfter
	}
	return all, w.log.Since(mark), nil
}

// listItems lists all of u's items, page by page.
func (w *World) listItems(ctx context.Context, u *user) ([]meeco.Item, []redact.Exchange, error) {
	mark := w.log.Len()
	var all []meeco.Item
	q := client.ItemQuery{}
	for range 100 {
		out, err := w.client.ListItems(ctx, u.auth, q)
		if err != nil {
			return nil, w.log.Since(mark), w.fail(u.name+" lists items", err)
		}
		all = append(all, out.Items...)
		if out.NextPageAfter == nil || *out.NextPageAfter == "" || len(out.Items) == 0 {
			break
		}
		q.NextPageAfter = *out.NextPageAfter
	}
	return all, w.log.Since(mark), nil
}

// want404 checks that a request answered 404.
func want404(what string, exs []redact.Exchange, err error) error {
	if st := statusOf(err); err == nil || st != 404 {
		return &TargetFailure{Msg: fmt.Sprintf("%s: want 404 Not Found, got %s", what, gotOf(err)), Exchanges: exs, Err: err}
	}
	return nil
}

// gotOf renders the outcome of a call for a "got" clause.
func gotOf(err error) string {
	if err == nil {
		return "success"
	}
	if st := statusOf(err); st != 0 {
		return describeStatus(st) + " (" + describeErr(err) + ")"
	}
	return describeErr(err)
}

// otherKey is a key the scenario holds that must not open someone else's
// ciphertext.
type otherKey struct {
	name string
	priv *cryppo.PrivateKey
}

// privateKeys lists every RSA private key of the scenario: each user's
// login key and each side's connection keypair.
func (w *World) privateKeys(ctx context.Context) ([]otherKey, error) {
	var out []otherKey
	for _, u := range w.sortedUsers() {
		if u.auth.LoginKey != nil {
			out = append(out, otherKey{u.name + "'s login key", u.auth.LoginKey})
		}
	}
	for _, c := range w.conns {
		for name, rec := range c.rec {
			u := w.users[name]
			id := rec.Own.UserKeypairExternalID
			kp, err := w.loadKeypair(ctx, u, id)
			if err != nil {
				return nil, err
			}
			out = append(out, otherKey{fmt.Sprintf("%s's connection keypair %s", name, id), kp.priv})
		}
	}
	return out, nil
}

// namedKey is an AES key the scenario holds, with whose it is.
type namedKey struct {
	name string
	key  cryppo.SymmetricKey
}

// symmetricKeys lists every AES key the scenario's users hold: DEK, KEK
// and passphrase-derived key.
func (w *World) symmetricKeys() []namedKey {
	var out []namedKey
	for _, u := range w.sortedUsers() {
		out = append(out,
			namedKey{u.name + "'s DEK", u.auth.DEK},
			namedKey{u.name + "'s KEK", u.auth.KEK},
			namedKey{u.name + "'s PDK", u.auth.PDK})
	}
	return out
}

// pick keeps the exchanges whose path holds part (all of them when none
// does), so that a failure shows the response it is about.
func pick(exs []redact.Exchange, part string) []redact.Exchange {
	var out []redact.Exchange
	for _, e := range exs {
		if strings.Contains(e.Path, part) {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return exs
	}
	return out
}

// parseExpiry reads a share expiry as the meeco CLI's -d flag does: a date
// (yyyy-MM-dd, midnight UTC) or an RFC 3339 time. It must lie in the future.
func parseExpiry(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return time.Time{}, scenarioErrorf("expiry %q: want a date like 2030-01-31 or an RFC 3339 time", s)
		}
	}
	if !t.After(time.Now()) {
		return time.Time{}, scenarioErrorf("expiry %q is not in the future", s)
	}
	return t.UTC(), nil
}

// ShareUntil shares a whole own item with an expiry.
func (w *World) ShareUntil(ctx context.Context, sender, label, recipient, until string) error {
	t, err := parseExpiry(until)
	if err != nil {
		return err
	}
	return w.Share(ctx, sender, label, recipient, ShareOptions{Expires: t})
}

// CheckShareExpiry checks the share's expires_at as its recipient and its
// sender read it: the instant asked for, written as JS toISOString writes it.
func (w *World) CheckShareExpiry(ctx context.Context, label, recipient, until string) error {
	t, err := parseExpiry(until)
	if err != nil {
		return err
	}
	want := meeco.FormatTime(t)
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	return w.checkBothSides(ctx, s, func(g gomega.Gomega, reader *user, rec meeco.Share) {
		got := "null"
		if rec.ExpiresAt != nil {
			got = *rec.ExpiresAt
		}
		g.Expect(got).To(gomega.Equal(want), "share of %q to %s as %s reads it: want expires_at %s, got %s", label, recipient, reader.name, want, got)
	})
}
