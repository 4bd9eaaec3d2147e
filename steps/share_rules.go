package steps

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// The rules of sharing a Vault must enforce, driven the way a careless or
// malicious client would break them: shares without verification fields,
// to strangers or of slots the item lacks; on-shares with the on-sharer's
// own hashes; on-sharing allowed or withdrawn with PUT /shares; items and
// copies deleted under their shares; re-keys by someone other than the
// owner, and re-keys sent as Meeco's SDK sends them (every slot to every
// share). Each action records its outcome, so that a refusal is checked by
// "the request is refused" as for any other action.

// valueMode says how a hand-built share carries the verification fields
// of each value.
type valueMode int

const (
	// ownerValues: a fresh 64-byte verification key per value and its
	// HMAC hash, as the owner's client sends them.
	ownerValues valueMode = iota
	// noHashes leaves value_verification_hash out.
	noHashes
	// noKeys leaves encrypted_value_verification_key out.
	noKeys
)

// handShare is a share request built by the steps rather than by the
// client's Share, to send what the client never would.
type handShare struct {
	sender      *user
	itemID      string // the item the share is posted to (an own item or a received copy)
	slots       []client.Slot
	recipientID string
	publicKey   string
	keypairID   string
	mode        valueMode
	onsharing   bool
	// extraSlotID adds a value for a slot id the item does not have.
	extraSlotID string
}

// post encrypts the values under a new share DEK as h says and sends
// POST /items/{id}/shares. It returns the shares the Vault made.
func (w *World) postShare(ctx context.Context, h handShare) ([]meeco.Share, error) {
	pub, err := cryppo.ParsePublicKeyPEM(h.publicKey)
	if err != nil {
		return nil, &HarnessError{Msg: "the recipient's public key the scenario holds does not parse", Err: err}
	}
	dek := cryppo.GenerateSymmetricKey()
	encDEK, err := cryppo.EncryptRSA(pub, dek.Bytes())
	if err != nil {
		return nil, &HarnessError{Msg: "wrapping a share DEK", Err: err}
	}
	values := []meeco.SlotValue{}
	for _, sl := range h.slots {
		if !sl.Value.IsSet() || sl.Value.Reveal() == "" {
			continue
		}
		sv, err := handValue(sl.ID, sl.Value.Reveal(), dek, h.mode)
		if err != nil {
			return nil, err
		}
		values = append(values, sv)
	}
	if h.extraSlotID != "" {
		sv, err := handValue(h.extraSlotID, "a value for a slot the item lacks", dek, h.mode)
		if err != nil {
			return nil, err
		}
		values = append(values, sv)
	}
	acceptance := meeco.AcceptanceNotRequired
	onsharing := h.onsharing
	ps := meeco.PostShare{RecipientID: h.recipientID, PublicKey: h.publicKey, KeypairExternalID: h.keypairID,
		EncryptedDEK: encDEK, OnsharingPermitted: &onsharing, AcceptanceRequired: &acceptance, SlotValues: values}
	var out meeco.SharesResponse
	_, _, err = w.call(ctx, h.sender, client.Call{Op: "share item", Method: "POST", Path: client.Path(meeco.VItemShares, h.itemID),
		Body: meeco.CreateSharesRequest{Shares: []meeco.PostShare{ps}}}, &out)
	return out.Shares, err
}

// handValue encrypts one value under dek with a fresh verification key and
// its hash, leaving out what mode says.
func handValue(slotID, value string, dek cryppo.SymmetricKey, mode valueMode) (meeco.SlotValue, error) {
	sv := meeco.SlotValue{SlotID: slotID}
	enc, err := cryppo.EncryptAES(dek, []byte(value))
	if err != nil {
		return sv, &HarnessError{Msg: "encrypting a value under a share DEK", Err: err}
	}
	sv.EncryptedValue = &enc
	vvk := make([]byte, client.ValueVerificationKeySize)
	if _, err := rand.Read(vvk); err != nil {
		return sv, &HarnessError{Msg: "making a verification key", Err: err}
	}
	if mode != noKeys {
		ek, err := cryppo.EncryptAES(dek, vvk)
		if err != nil {
			return sv, &HarnessError{Msg: "encrypting a verification key", Err: err}
		}
		sv.EncryptedValueVerificationKey = &ek
	}
	if mode != noHashes {
		h := cryppo.HMACSHA256Hex(vvk, value)
		sv.ValueVerificationHash = &h
	}
	return sv, nil
}

// ShareWithoutVerification shares an own item with a connected user as the
// client does, but with every value lacking its verification hash
// ("hashes") or its encrypted verification key ("keys"): the Vault must
// refuse an owner's value without either.
func (w *World) ShareWithoutVerification(ctx context.Context, sender, label, recipient, part string) error {
	su, ru, it, side, err := w.shareParties(sender, label, recipient)
	if err != nil {
		return err
	}
	mode := noHashes
	if part == "keys" {
		mode = noKeys
	}
	return w.act(ctx, fmt.Sprintf("%s shares %q with %s without value verification %s", sender, label, recipient, part), func() error {
		own, err := w.client.GetItem(ctx, su.auth, it.id)
		if err != nil {
			return err
		}
		shs, err := w.postShare(ctx, handShare{sender: su, itemID: it.id, slots: own.Slots, recipientID: ru.auth.UserID,
			publicKey: side.TheOtherUser.UserPublicKey, keypairID: side.TheOtherUser.UserKeypairExternalID, mode: mode})
		return w.keepHandShare(err, shs, &share{label: label, item: it, sender: su, recipient: ru})
	})
}

// ShareWithUnknownSlot shares an own item with a connected user as the
// client does, plus a value for a slot id the item does not have: the
// recipient's copy could not carry exactly the values sent, so the Vault
// must refuse the share (and make none).
func (w *World) ShareWithUnknownSlot(ctx context.Context, sender, label, recipient string) error {
	su, ru, it, side, err := w.shareParties(sender, label, recipient)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s shares %q with %s with a value for a slot the item does not have", sender, label, recipient), func() error {
		own, err := w.client.GetItem(ctx, su.auth, it.id)
		if err != nil {
			return err
		}
		shs, err := w.postShare(ctx, handShare{sender: su, itemID: it.id, slots: own.Slots, recipientID: ru.auth.UserID,
			publicKey: side.TheOtherUser.UserPublicKey, keypairID: side.TheOtherUser.UserKeypairExternalID,
			extraSlotID: unknownSlotID()})
		return w.keepHandShare(err, shs, &share{label: label, item: it, sender: su, recipient: ru})
	})
}

// ShareToStranger shares an own item with a registered user the sender is
// not connected to: the request names the stranger's user id, her login
// public key and the Keystore id of her login keypair, so that only the
// missing connection makes it wrong (and a Vault that takes it hands her
// a key she can open).
func (w *World) ShareToStranger(ctx context.Context, sender, label, recipient string) error {
	su, err := w.activeUser(sender)
	if err != nil {
		return err
	}
	ru, err := w.user(recipient)
	if err != nil {
		return err
	}
	it, err := w.ownItem(su, label)
	if err != nil {
		return err
	}
	if su == ru {
		return scenarioErrorf("%s cannot share with %s", sender, recipient)
	}
	if c := w.conns[pairKey(su.name, ru.name)]; c != nil && !c.deleted[su.name] {
		return scenarioErrorf("%s and %s are connected in this scenario, so %s is no stranger to %s", sender, recipient, recipient, sender)
	}
	kp, _, err := w.getKeypair(ctx, ru, "auth", true)
	if err != nil {
		return w.fail(recipient+" reads the login keypair", err)
	}
	return w.act(ctx, fmt.Sprintf("%s shares %q with %s, a user not connected to %s", sender, label, recipient, sender), func() error {
		own, err := w.client.GetItem(ctx, su.auth, it.id)
		if err != nil {
			return err
		}
		shs, err := w.postShare(ctx, handShare{sender: su, itemID: it.id, slots: own.Slots, recipientID: ru.auth.UserID,
			publicKey: kp.PublicKey, keypairID: kp.ID})
		return w.keepHandShare(err, shs, &share{label: label, item: it, sender: su, recipient: ru})
	})
}

// unknownSlotID is a slot id no Vault has handed out: random, in the shape
// of the Vault's ids.
func unknownSlotID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// shareParties resolves the parties of a share of an own item to a
// connected user.
func (w *World) shareParties(sender, label, recipient string) (*user, *user, *item, meeco.Connection, error) {
	su, err := w.activeUser(sender)
	if err != nil {
		return nil, nil, nil, meeco.Connection{}, err
	}
	ru, err := w.user(recipient)
	if err != nil {
		return nil, nil, nil, meeco.Connection{}, err
	}
	it, err := w.ownItem(su, label)
	if err != nil {
		return nil, nil, nil, meeco.Connection{}, err
	}
	c, err := w.connection(su, ru)
	if err != nil {
		return nil, nil, nil, meeco.Connection{}, err
	}
	side, err := c.side(su)
	if err != nil {
		return nil, nil, nil, meeco.Connection{}, err
	}
	if err := w.checkAgain(label, ru, false); err != nil {
		return nil, nil, nil, meeco.Connection{}, err
	}
	return su, ru, it, side, nil
}

// keepHandShare records a share a hand-built request made (when a Vault
// wrongly took it), so that later steps see it, and passes err on.
func (w *World) keepHandShare(err error, shs []meeco.Share, s *share) error {
	if err != nil || len(shs) == 0 {
		return err
	}
	s.id, s.record = shs[0].ID, shs[0]
	w.shares = append(w.shares, s)
	return nil
}

// OnShareOptions are the variants of OnShareWith.
type OnShareOptions struct {
	// Onsharing asks for onsharing_permitted true, which only the owner
	// may set: the Vault must force it to false.
	Onsharing bool
	// OwnHashes sends the on-sharer's own verification keys and hashes
	// (as if it vouched for the values): the Vault must refuse them.
	OwnHashes bool
}

// OnShareWith is OnShare with options.
func (w *World) OnShareWith(ctx context.Context, sender, label, from, recipient string, o OnShareOptions) error {
	su, err := w.activeUser(sender)
	if err != nil {
		return err
	}
	fu, err := w.user(from)
	if err != nil {
		return err
	}
	ru, err := w.user(recipient)
	if err != nil {
		return err
	}
	parent, err := w.liveShare(label, su, fu)
	if err != nil {
		return err
	}
	c, err := w.connection(su, ru)
	if err != nil {
		return err
	}
	side, err := c.side(su)
	if err != nil {
		return err
	}
	if err := w.checkAgain(label, ru, false); err != nil {
		return err
	}
	copyID, err := w.copyOf(ctx, parent)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s shares the %q received from %s with %s", sender, label, from, recipient)
	switch {
	case o.OwnHashes:
		what += " with verification hashes of its own"
	case o.Onsharing:
		what += " allowing on-sharing"
	}
	return w.act(ctx, what, func() error {
		s := &share{label: label, item: parent.item, sender: su, recipient: ru, parent: parent, slot: parent.slot}
		if o.OwnHashes {
			got, err := w.client.ReadShare(ctx, su.auth, parent.id)
			if err != nil {
				return err
			}
			shs, err := w.postShare(ctx, handShare{sender: su, itemID: copyID, slots: got.Item.Slots, recipientID: ru.auth.UserID,
				publicKey: side.TheOtherUser.UserPublicKey, keypairID: side.TheOtherUser.UserKeypairExternalID, onsharing: o.Onsharing})
			return w.keepHandShare(err, shs, s)
		}
		shs, err := w.client.Share(ctx, su.auth, side.Own.ID, copyID, client.ShareOptions{OnsharingPermitted: o.Onsharing})
		if err != nil {
			return err
		}
		w.addShare(s, shs)
		return nil
	})
}

// ChangeOnsharing allows or withdraws on-sharing of a share with
// PUT /shares, as its sender. Withdrawing deletes the on-shares made from
// it (the scenario forgets them; the checks ask the Vault).
func (w *World) ChangeOnsharing(ctx context.Context, by, change, label, recipient string) error {
	bu, err := w.activeUser(by)
	if err != nil {
		return err
	}
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	allow := change == "allows"
	return w.act(ctx, fmt.Sprintf("%s %s on-sharing of the share of %q to %s", by, change, label, recipient), func() error {
		body := meeco.ReconfigureSharesRequest{Shares: []meeco.ReconfigureShare{{ShareID: s.id, OnsharingPermitted: &allow}}}
		if _, _, err := w.call(ctx, bu, client.Call{Op: "reconfigure shares", Method: "PUT", Path: meeco.VShares, Body: body}, nil); err != nil {
			return err
		}
		if s.onsharing && !allow {
			w.forgetOnShares(s)
		}
		s.onsharing = allow
		return nil
	})
}

// forgetOnShares marks the on-shares made from s, and theirs, deleted.
func (w *World) forgetOnShares(s *share) {
	for _, o := range w.shares {
		if o.parent == s && !o.deleted {
			o.deleted = true
			w.forgetOnShares(o)
		}
	}
}

// DeleteReceived deletes a recipient's copy of an item (DELETE /items/{id}
// of the copy); the shares that delivered it, and the on-shares made from
// them, go with it.
func (w *World) DeleteReceived(ctx context.Context, name, label, from string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	fu, err := w.user(from)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, u, fu)
	if err != nil {
		return err
	}
	copyID, err := w.copyOf(ctx, s)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s deletes the %q received from %s", name, label, from), func() error {
		if err := w.client.DeleteItem(ctx, u.auth, copyID); err != nil {
			return err
		}
		for _, o := range w.shares {
			if o.item == s.item && o.recipient == u && !o.deleted {
				o.deleted = true
				w.forgetOnShares(o)
			}
		}
		return nil
	})
}

// RekeyAsNonOwner re-keys a share of an item the actor does not own, as a
// recipient would to push values of its own: PUT /items/{id}/shares on the
// actor's copy, naming the share, with a new DEK wrapped to the share's
// public key and every value replaced by one the actor made (under the
// owner's slot ids, as a re-key names them). Only the owner may re-key.
func (w *World) RekeyAsNonOwner(ctx context.Context, actor, label, recipient string) error {
	au, err := w.activeUser(actor)
	if err != nil {
		return err
	}
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	if s.item.owner == au {
		return scenarioErrorf("%s owns %q; an owner re-keys with \"%s updates the shares of %q\"", actor, label, actor, label)
	}
	var held *share
	for _, o := range w.shares {
		if o.item == s.item && o.recipient == au && !o.deleted {
			held = o
			break
		}
	}
	if held == nil {
		return scenarioErrorf("%s holds no copy of %q in this scenario, so has no item to re-key its shares through", actor, label)
	}
	return w.act(ctx, fmt.Sprintf("%s re-keys the share of %q to %s", actor, label, recipient), func() error {
		got, err := w.client.ReadShare(ctx, au.auth, held.id)
		if err != nil {
			return err
		}
		pub, err := cryppo.ParsePublicKeyPEM(s.record.PublicKey)
		if err != nil {
			return &HarnessError{Msg: "the share's public key does not parse", Err: err}
		}
		dek := cryppo.GenerateSymmetricKey()
		encDEK, err := cryppo.EncryptRSA(pub, dek.Bytes())
		if err != nil {
			return &HarnessError{Msg: "wrapping a share DEK", Err: err}
		}
		req := meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: s.id, DEK: encDEK}}, SlotValues: []meeco.SlotValue{}}
		for _, sl := range got.Item.Slots {
			if !sl.Value.IsSet() || sl.Value.Reveal() == "" {
				continue
			}
			slotID := sl.ID
			if sl.OriginalID != nil && *sl.OriginalID != "" {
				slotID = *sl.OriginalID
			}
			sv, err := handValue(slotID, "re-keyed by "+actor, dek, ownerValues)
			if err != nil {
				return err
			}
			sv.ShareID = s.id
			req.SlotValues = append(req.SlotValues, sv)
		}
		_, _, err = w.call(ctx, au, client.Call{Op: "update shares", Method: "PUT", Path: client.Path(meeco.VItemShares, got.Item.ID), Body: req}, nil)
		return err
	})
}

// rekeyOptions turns the "as Meeco's SDK does" flag into client options.
func rekeyOptions(sdk string) client.UpdateSharesOptions {
	return client.UpdateSharesOptions{EverySlot: sdk != ""}
}

// liveSharesOf lists the live shares of an item the scenario knows.
func (w *World) liveSharesOf(it *item) []*share {
	return slices.DeleteFunc(slices.Clone(w.shares), func(s *share) bool { return s.item != it || s.deleted })
}

// ShareFor shares a whole own item with an expiry n seconds from now, for
// scenarios that watch a share expire. The expiry is taken when the step
// starts, a moment before the request is sent.
func (w *World) ShareFor(ctx context.Context, sender, label, recipient string, n int) error {
	if n < 1 || n > 10 {
		return scenarioErrorf("a share for %d seconds: want 1 to 10 seconds (the check waits for it)", n)
	}
	return w.Share(ctx, sender, label, recipient, ShareOptions{Expires: time.Now().Add(time.Duration(n) * time.Second).UTC()})
}
