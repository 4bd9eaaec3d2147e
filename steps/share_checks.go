package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Checks of shares: what sender and recipient see and can open.

// CheckEncryptedDEKForm checks a share's encrypted DEK against a form such
// as "Rsa4096.<...>.QQUAAAAA": the literal parts around "<...>" and, in
// between, padded URL-safe base64 of as many bytes as the RSA modulus the
// strategy names; the string must be canonical.
func (w *World) CheckEncryptedDEKForm(ctx context.Context, label, recipient, form string) error {
	prefix, suffix, ok := strings.Cut(form, "<...>")
	if !ok || strings.Contains(suffix, "<...>") {
		return scenarioErrorf("the form %q must hold \"<...>\" exactly once, where the ciphertext goes", form)
	}
	ru, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	rec, exs, err := w.getShare(ctx, ru, s.id, true)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads the share of %q", recipient, label), err)
	}
	enc := ""
	switch {
	case rec.EncryptedDEK != nil && *rec.EncryptedDEK != "":
		enc = *rec.EncryptedDEK
	case !rec.AcceptanceRequired.Readable() && len(s.deks) > 0:
		enc = s.deks[0] // hidden until accepted: judge the one the sender sent
	default:
		return &TargetFailure{Msg: fmt.Sprintf("share of %q to %s (%s): want an encrypted_dek, got null", label, recipient, rec.AcceptanceRequired), Exchanges: exs}
	}
	return verify(exs, func(g gomega.Gomega) {
		what := fmt.Sprintf("encrypted DEK of the share of %q to %s", label, recipient)
		g.Expect(enc).To(gomega.HavePrefix(prefix), "%s: want it to start with %q, got %s", what, prefix, redact.ShortenCryppo(enc))
		g.Expect(enc).To(gomega.HaveSuffix(suffix), "%s: want it to end with %q, got %s", what, suffix, redact.ShortenCryppo(enc))
		mid := strings.TrimSuffix(strings.TrimPrefix(enc, prefix), suffix)
		g.Expect(mid).NotTo(gomega.BeEmpty(), "%s: want a ciphertext between %q and %q, got none", what, prefix, suffix)
		ct, err := cryppo.DecodeBase64(mid)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want padded URL-safe base64 ciphertext, got %v", what, err)
		if bits := cryppo.Strategy(strings.TrimSuffix(prefix, ".")).RSABits(); bits > 0 {
			g.Expect(ct).To(gomega.HaveLen(bits/8), "%s: want a %d-byte ciphertext (RSA-%d), got %d bytes", what, bits/8, bits, len(ct))
		}
		_, err = cryppo.Parse(enc)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want a Cryppo string, got %v", what, err)
		g.Expect(nonCanonical(enc)).To(gomega.BeEmpty(), "%s: want a canonical Cryppo string, got %s", what, nonCanonical(enc))
	})
}

// CheckShareState checks a share's acceptance state as both its sender
// (outgoing) and its recipient (incoming) read it.
func (w *World) CheckShareState(ctx context.Context, label, recipient, state string) error {
	st := meeco.AcceptanceState(state)
	if !st.Valid() {
		return scenarioErrorf("%q is not a share state (acceptance_not_required, acceptance_required, accepted, rejected)", state)
	}
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	return w.checkBothSides(ctx, s, func(g gomega.Gomega, reader *user, rec meeco.Share) {
		g.Expect(rec.AcceptanceRequired).To(gomega.Equal(st), "share of %q to %s as %s reads it: want acceptance_required %q, got %q", label, recipient, reader.name, st, rec.AcceptanceRequired)
	})
}

// CheckSharedItem reads a share as its recipient, as the SDK's
// getSharedItem does (the DEK from the recipient's keypair, every value
// decrypted and its hash verified), and checks the listed values and the
// sender.
func (w *World) CheckSharedItem(ctx context.Context, recipient, label, sender string, want []SlotValue) error {
	ru, err := w.activeUser(recipient)
	if err != nil {
		return err
	}
	su, err := w.user(sender)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, su)
	if err != nil {
		return err
	}
	mark := w.log.Len()
	res, err := w.client.ReadShare(ctx, ru.auth, s.id)
	exs := w.log.Since(mark)
	if err != nil {
		if errors.Is(err, client.ErrHashMismatch) {
			return &TargetFailure{Msg: fmt.Sprintf("%s reads the share of %q from %s: want every value to match its verification hash, got %s", recipient, label, sender, describeErr(err)), Exchanges: exs, Err: err}
		}
		f := w.fail(fmt.Sprintf("%s reads the share of %q from %s", recipient, label, sender), err)
		var tf *TargetFailure
		if note := w.keyOwnerNote(exs, ru); note != "" && errors.As(f, &tf) {
			tf.Msg += "; " + note
		}
		return f
	}
	s.copyID = res.Item.ID
	return verify(pick(exs, "/incoming_shares/"), func(g gomega.Gomega) {
		g.Expect(res.Requested.SenderID).To(gomega.Equal(su.auth.UserID), "share of %q to %s: want sender_id %s (%s), got %s", label, recipient, su.auth.UserID, sender, res.Requested.SenderID)
		g.Expect(res.Item.Received()).To(gomega.BeTrue(), "%s's copy of %q: want a received item (own: false), got own: true", recipient, label)
		w.expectSlots(g, fmt.Sprintf("%s's copy of %q from %s", recipient, label, sender), res.Item, want)
	})
}

// keyOwnerNote names the real owner of a keypair that reader failed to
// read from the Keystore (the last exchange of exs, GET /keypairs/{id}),
// when it is another user's of the scenario: a share naming the sender's
// keypair fails at the recipient's Keystore with 404, and the reader of
// the failure must learn whose key the share named.
func (w *World) keyOwnerNote(exs []redact.Exchange, reader *user) string {
	if len(exs) == 0 {
		return ""
	}
	ex := exs[len(exs)-1]
	prefix := strings.TrimSuffix(strings.TrimSuffix(meeco.KeystorePrefix+meeco.KSKeypair, "{id}"), "/") + "/"
	id, ok := strings.CutPrefix(ex.Path, prefix)
	if !ok || ex.Method != "GET" || strings.Contains(id, "/") {
		return ""
	}
	if o := w.keypairOwner(id); o != nil && o != reader {
		return fmt.Sprintf("the keypair the share names, %s, is %s's, not %s's", id, o.name, reader.name)
	}
	return ""
}

// CheckShareCount checks how many incoming or outgoing shares a user has.
func (w *World) CheckShareCount(ctx context.Context, name string, n int, incoming bool) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	shares, exs, err := w.listShares(ctx, u, incoming)
	if err != nil {
		return err
	}
	dir := "outgoing"
	if incoming {
		dir = "incoming"
	}
	return verify(exs[len(exs)-1:], func(g gomega.Gomega) {
		g.Expect(shares).To(gomega.HaveLen(n), "%s's %s shares: want %d, got %d", name, dir, n, len(shares))
	})
}

// CheckReceivedItems checks how many items a user holds that came from
// another by share: each received share of one item leaves one copy.
func (w *World) CheckReceivedItems(ctx context.Context, name string, n int, from string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	fu, err := w.user(from)
	if err != nil {
		return err
	}
	items, exs, err := w.listItems(ctx, u)
	if err != nil {
		return err
	}
	shares, exs2, err := w.listShares(ctx, u, true)
	if err != nil {
		return err
	}
	sender := map[string]string{}
	for _, s := range shares {
		sender[s.ID] = s.SenderID
	}
	got := 0
	for _, it := range items {
		if it.Own && it.ShareID == nil {
			continue
		}
		switch {
		case it.ShareID != nil && sender[*it.ShareID] != "":
			if sender[*it.ShareID] == fu.auth.UserID {
				got++
			}
		case it.OwnerID != nil && *it.OwnerID == fu.auth.UserID:
			got++
		}
	}
	return verify(append(exs, exs2...), func(g gomega.Gomega) {
		g.Expect(got).To(gomega.Equal(n), "%s's items received from %s: want %d, got %d", name, from, n, got)
	})
}

// CheckShareGone checks that a deleted share is gone for each named party:
// the sender's GET /outgoing_shares/{id} and the recipient's
// GET /incoming_shares/{id} (and its item) answer 404, neither list holds
// it, and the recipient no longer holds a copy of the item through it.
func (w *World) CheckShareGone(ctx context.Context, label, recipient string, names []string) error {
	ru, err := w.user(recipient)
	if err != nil {
		return err
	}
	s, err := w.shareTo(label, ru, nil)
	if err != nil {
		return err
	}
	us, err := w.usersNamed(names)
	if err != nil {
		return err
	}
	for _, u := range us {
		var err error
		switch u {
		case s.recipient:
			err = w.goneForRecipient(ctx, s)
		case s.sender, s.item.owner:
			err = w.goneForSender(ctx, s, u)
		default:
			return scenarioErrorf("%s is not a party to the share of %q to %s (sender %s, recipient %s)", u.name, label, recipient, s.sender.name, recipient)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *World) goneForSender(ctx context.Context, s *share, u *user) error {
	_, exs, err := w.getShare(ctx, u, s.id, false)
	if e := want404(fmt.Sprintf("%s reads the deleted share of %q to %s (outgoing)", u.name, s.label, s.recipient.name), exs, err); e != nil {
		return e
	}
	out, exs, err := w.listShares(ctx, u, false)
	if err != nil {
		return err
	}
	for _, x := range out {
		if x.ID == s.id {
			return &TargetFailure{Msg: fmt.Sprintf("%s's outgoing shares: want the deleted share %s gone, got it listed", u.name, s.id), Exchanges: exs[len(exs)-1:]}
		}
	}
	return nil
}

func (w *World) goneForRecipient(ctx context.Context, s *share) error {
	u := s.recipient
	_, exs, err := w.getShare(ctx, u, s.id, true)
	if e := want404(fmt.Sprintf("%s reads the deleted share of %q (incoming)", u.name, s.label), exs, err); e != nil {
		return e
	}
	_, exs, err = w.call(ctx, u, client.Call{Op: "get shared item", Method: "GET", Path: client.Path(meeco.VIncomingShareItem, s.id)}, nil)
	if e := want404(fmt.Sprintf("%s reads the item of the deleted share of %q", u.name, s.label), exs, err); e != nil {
		return e
	}
	in, exs, err := w.listShares(ctx, u, true)
	if err != nil {
		return err
	}
	for _, x := range in {
		if x.ID == s.id {
			return &TargetFailure{Msg: fmt.Sprintf("%s's incoming shares: want the deleted share %s gone, got it listed", u.name, s.id), Exchanges: exs[len(exs)-1:]}
		}
	}
	if s.copyID != "" {
		_, _, exs, err := w.rawItem(ctx, u, s.copyID)
		if e := want404(fmt.Sprintf("%s reads the copy of %q after the share was deleted", u.name, s.label), exs, err); e != nil {
			return e
		}
	}
	items, exs, err := w.listItems(ctx, u)
	if err != nil {
		return err
	}
	for _, it := range items {
		if (it.ShareID != nil && *it.ShareID == s.id) || (s.copyID != "" && it.ID == s.copyID) {
			return &TargetFailure{Msg: fmt.Sprintf("%s's items: want no copy of %q after the share was deleted, got item %s", u.name, s.label, it.ID), Exchanges: exs[len(exs)-1:]}
		}
	}
	return nil
}

// CheckShareKeyOnly checks that a share's encrypted DEK opens with the
// recipient's connection key (the keypair named by keypair_external_id,
// which must be the recipient's side of the connection to the sender) and
// with no other private key of the scenario.
func (w *World) CheckShareKeyOnly(ctx context.Context, label, recipient, keyOwner string) error {
	ru, err := w.user(recipient)
	if err != nil {
		return err
	}
	if keyOwner != recipient {
		return scenarioErrorf("the share of %q to %s opens with %s's key, not %s's", label, recipient, recipient, keyOwner)
	}
	s, err := w.liveShare(label, ru, nil)
	if err != nil {
		return err
	}
	sk, err := w.openShare(ctx, s)
	if err != nil {
		return err
	}
	if _, err := sk.key(); err != nil {
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
	others, err := w.privateKeys(ctx)
	if err != nil {
		return err
	}
	enc := *sk.rec.EncryptedDEK
	return verify(sk.exs, func(g gomega.Gomega) {
		what := fmt.Sprintf("encrypted DEK of the share of %q to %s", label, recipient)
		g.Expect(sk.rec.KeypairExternalID).To(gomega.Equal(side.Own.UserKeypairExternalID), "%s: want keypair_external_id %s (%s's side of the connection to %s), got %s",
			what, side.Own.UserKeypairExternalID, recipient, s.sender.name, sk.rec.KeypairExternalID)
		n := 0
		for _, o := range others {
			if o.priv.Fingerprint() == sk.kp.priv.Fingerprint() {
				continue
			}
			n++
			w.refuseRSA(g, recipient, what, o.priv, o.name, enc)
		}
		g.Expect(n).To(gomega.BeNumerically(">", 0), "%s: want other keys to try, got none", what)
	})
}

// CheckSlotsShareKeyOnly checks the recipient's copy of a shared item as
// the Vault returns it: every value a canonical Aes256Gcm string that
// opens with the share's DEK to the owner's value, and with no other key
// of the scenario (the owner's DEK above all).
func (w *World) CheckSlotsShareKeyOnly(ctx context.Context, label, recipient string) error {
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	sr, err := w.readShared(ctx, s)
	if err != nil {
		return err
	}
	want := s.expected()
	return verify(pick(sr.exs, "/item"), func(g gomega.Gomega) {
		n := 0
		for _, sl := range slotsOf(sr.resp.Item, sr.resp.Slots) {
			if sl.EncryptedValue == nil || *sl.EncryptedValue == "" {
				continue
			}
			n++
			what := fmt.Sprintf("%s's copy of %q: slot %q", recipient, label, sl.Name)
			p := meecoAES.problem(*sl.EncryptedValue)
			g.Expect(p).To(gomega.BeEmpty(), "%s: encrypted_value: want %s, got %s", what, meecoAES, p)
			pt, err := cryppo.DecryptAES(sr.key, *sl.EncryptedValue)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want it to open with the share's key %s, got %v", what, sr.key.Fingerprint(), err)
			w.ledger.DecryptData(recipient, "slot "+sl.Name+" of item "+sr.resp.Item.ID+" (as shared)", sr.key, "share DEK for share "+sr.resp.Share.ID, *sl.EncryptedValue, pt)
			if v, ok := want[sl.Name]; ok {
				g.Expect(string(pt) == v).To(gomega.BeTrue(), "%s: decrypted value differs (want %s, got %s)", what, w.digest(v), w.digest(string(pt)))
			}
			for _, k := range w.symmetricKeys() {
				w.refuseAES(g, recipient, what, k.key, k.name, *sl.EncryptedValue)
			}
		}
		g.Expect(n).To(gomega.BeNumerically(">", 0), "%s's copy of %q: want encrypted values, got none", recipient, label)
	})
}

// CheckNoValueFor checks that the recipient's copy of a shared item holds
// no value (and no verification key) for the named slots, and that their
// plaintexts appear nowhere in what the recipient was sent.
func (w *World) CheckNoValueFor(ctx context.Context, recipient, label string, slots []string) error {
	ru, err := w.activeUser(recipient)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, nil)
	if err != nil {
		return err
	}
	for _, n := range slots {
		if _, ok := s.item.values[n]; !ok {
			return scenarioErrorf("item %q has no slot %q with a value in this scenario", label, n)
		}
	}
	sr, err := w.readShared(ctx, s)
	if err != nil {
		return err
	}
	return verify(pick(sr.exs, "/item"), func(g gomega.Gomega) {
		for _, n := range slots {
			for _, sl := range sr.resp.Slots {
				if sl.Name != n {
					continue
				}
				g.Expect(sl.EncryptedValue).To(beEmptyString(), "%s's copy of %q: slot %q: want no value, got an encrypted_value", recipient, label, n)
				g.Expect(sl.EncryptedValueVerificationKey).To(beEmptyString(), "%s's copy of %q: slot %q: want no verification key, got one", recipient, label, n)
			}
			v := s.item.values[n]
			for _, r := range w.raw() {
				if r.Actor != recipient {
					continue
				}
				where := plaintextIn(r.Response, v)
				g.Expect(where).To(gomega.BeEmpty(), "%s: want no plaintext of slot %q of %q, got its value (%s) in %s of %s %s", recipient, n, label, w.digest(v), where, r.Method, redact.Path(r.Path))
			}
		}
	})
}

// CheckVerificationHashes checks every value of a share's copy: a value
// verification key that opens with the share's DEK to 64 bytes, and a
// lowercase hex HMAC-SHA256 hash under that key that matches the value.
func (w *World) CheckVerificationHashes(ctx context.Context, label, recipient string) error {
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	sr, err := w.readShared(ctx, s)
	if err != nil {
		return err
	}
	shareName := "share DEK for share " + sr.resp.Share.ID
	return verify(pick(sr.exs, "/item"), func(g gomega.Gomega) {
		n := 0
		for _, sl := range slotsOf(sr.resp.Item, sr.resp.Slots) {
			if sl.EncryptedValue == nil || *sl.EncryptedValue == "" {
				continue
			}
			n++
			what := fmt.Sprintf("%s's copy of %q: slot %q", recipient, label, sl.Name)
			pt, err := cryppo.DecryptAES(sr.key, *sl.EncryptedValue)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want the value to open with the share's key, got %v", what, err)
			g.Expect(sl.EncryptedValueVerificationKey).NotTo(gomega.BeNil(), "%s: want an encrypted_value_verification_key, got null", what)
			p := meecoAES.problem(*sl.EncryptedValueVerificationKey)
			g.Expect(p).To(gomega.BeEmpty(), "%s: encrypted_value_verification_key: want %s, got %s", what, meecoAES, p)
			vvk, err := cryppo.DecryptAES(sr.key, *sl.EncryptedValueVerificationKey)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want the verification key to open with the share's key, got %v", what, err)
			w.ledger.UnwrapKey(recipient, "verification key of slot "+sl.Name+" of item "+sr.resp.Item.ID, sr.key, shareName, *sl.EncryptedValueVerificationKey, vvk)
			g.Expect(vvk).To(gomega.HaveLen(client.ValueVerificationKeySize), "%s: want a %d-byte verification key, got %d bytes", what, client.ValueVerificationKeySize, len(vvk))
			g.Expect(sl.ValueVerificationHash).NotTo(gomega.BeNil(), "%s: want a value_verification_hash, got null", what)
			h := *sl.ValueVerificationHash
			g.Expect(h).To(gomega.MatchRegexp(`^[0-9a-f]{64}$`), "%s: value_verification_hash: want 64 lowercase hex digits, got %d characters", what, len(h))
			mac := cryppo.HMACSHA256Hex(vvk, string(pt))
			w.ledger.CheckHash(recipient, "hash of slot "+sl.Name+" of item "+sr.resp.Item.ID, vvk, "verification key of slot "+sl.Name, string(pt), h, mac == h)
			g.Expect(mac).To(gomega.Equal(h), "%s: want the HMAC-SHA256 of the value under its verification key to equal value_verification_hash, got a mismatch", what)
		}
		g.Expect(n).To(gomega.BeNumerically(">", 0), "%s's copy of %q: want values with verification hashes, got no values", recipient, label)
	})
}

// CheckTamperedShare checks that tampering with a share is detected: a
// flipped byte in the ciphertext, tag or IV of a value or of its
// verification key fails AES-GCM (cryppo.ErrDecrypt), a flipped byte of
// the wrapped DEK fails RSA-OAEP, and a changed hash or value fails the
// HMAC check.
func (w *World) CheckTamperedShare(ctx context.Context, label, recipient string) error {
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	sr, err := w.readShared(ctx, s)
	if err != nil {
		return err
	}
	shareName := "share DEK for share " + sr.resp.Share.ID
	return verify(pick(sr.exs, "/item"), func(g gomega.Gomega) {
		enc := *sr.sk.rec.EncryptedDEK
		t, err := tamper(enc, "ciphertext")
		g.Expect(err).NotTo(gomega.HaveOccurred(), "encrypted DEK of the share of %q to %s: want a ciphertext to tamper with, got %v", label, recipient, err)
		w.refuseRSA(g, recipient, fmt.Sprintf("encrypted DEK of the share of %q to %s with a flipped byte", label, recipient), sr.sk.kp.priv, "keypair "+sr.sk.rec.KeypairExternalID, t)
		n := 0
		for _, sl := range slotsOf(sr.resp.Item, sr.resp.Slots) {
			if sl.EncryptedValue == nil || *sl.EncryptedValue == "" {
				continue
			}
			n++
			what := fmt.Sprintf("%s's copy of %q: slot %q", recipient, label, sl.Name)
			w.refuseTamperedAES(g, recipient, what+" value", sr.key, shareName, *sl.EncryptedValue)
			if sl.EncryptedValueVerificationKey == nil || sl.ValueVerificationHash == nil {
				continue
			}
			w.refuseTamperedAES(g, recipient, what+" verification key", sr.key, shareName, *sl.EncryptedValueVerificationKey)
			pt, err := cryppo.DecryptAES(sr.key, *sl.EncryptedValue)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want the value to open with the share's key, got %v", what, err)
			vvk, err := cryppo.DecryptAES(sr.key, *sl.EncryptedValueVerificationKey)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want the verification key to open with the share's key, got %v", what, err)
			h := *sl.ValueVerificationHash
			bad := flipHex(h)
			mac := cryppo.HMACSHA256Hex(vvk, string(pt))
			w.ledger.CheckHash(recipient, what+" (tampered hash)", vvk, "verification key of slot "+sl.Name, string(pt), bad, mac == bad)
			g.Expect(mac).NotTo(gomega.Equal(bad), "%s with a changed hash: want the HMAC check to fail, got a match", what)
			changed := string(pt) + "\u0000"
			changedMAC := cryppo.HMACSHA256Hex(vvk, changed)
			w.ledger.CheckHash(recipient, what+" (tampered value)", vvk, "verification key of slot "+sl.Name, changed, h, changedMAC == h)
			g.Expect(changedMAC).NotTo(gomega.Equal(h), "%s with a changed value: want the HMAC check to fail, got a match", what)
		}
		g.Expect(n).To(gomega.BeNumerically(">", 0), "%s's copy of %q: want values to tamper with, got none", recipient, label)
	})
}

// flipHex changes the last hex digit of h.
func flipHex(h string) string {
	if h == "" {
		return "0"
	}
	last := h[len(h)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return h[:len(h)-1] + string(repl)
}

// CheckCannotReadBeforeAccepting checks a share that waits for acceptance:
// its state says so and its encrypted DEK is hidden from the recipient in
// the share and in its item, so the recipient's client cannot read it.
func (w *World) CheckCannotReadBeforeAccepting(ctx context.Context, recipient, label string) error {
	ru, err := w.activeUser(recipient)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, nil)
	if err != nil {
		return err
	}
	rec, exs, err := w.getShare(ctx, ru, s.id, true)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads the share of %q", recipient, label), err)
	}
	if err := verify(exs, func(g gomega.Gomega) {
		g.Expect(rec.AcceptanceRequired).To(gomega.Equal(meeco.AcceptanceRequired), "share of %q to %s: want acceptance_required %q, got %q", label, recipient, meeco.AcceptanceRequired, rec.AcceptanceRequired)
		g.Expect(rec.EncryptedDEK).To(beEmptyString(), "share of %q to %s before acceptance: want encrypted_dek null, got a key", label, recipient)
	}); err != nil {
		return err
	}
	var out meeco.ShareWithItemResponse
	_, exs, err = w.call(ctx, ru, client.Call{Op: "get shared item", Method: "GET", Path: client.Path(meeco.VIncomingShareItem, s.id)}, &out)
	switch st := statusOf(err); {
	case err == nil:
		if out.Share.EncryptedDEK != nil && *out.Share.EncryptedDEK != "" {
			return &TargetFailure{Msg: fmt.Sprintf("item of the share of %q to %s before acceptance: want encrypted_dek null, got a key", label, recipient), Exchanges: exs}
		}
	case st >= 400 && st <= 499:
		// Refusing the item outright hides the key too.
	default:
		return w.fail(fmt.Sprintf("%s reads the item of the share of %q", recipient, label), err)
	}
	mark := w.log.Len()
	_, err = w.client.ReadShare(ctx, ru.auth, s.id)
	if err == nil {
		return &TargetFailure{Msg: fmt.Sprintf("%s reads the share of %q before accepting it: want it unreadable, got its values", recipient, label), Exchanges: w.log.Since(mark)}
	}
	return nil
}

// CheckShownTerms checks the terms the recipient was shown when accepting.
func (w *World) CheckShownTerms(recipient, terms string) error {
	ru, err := w.user(recipient)
	if err != nil {
		return err
	}
	var shown *string
	for _, s := range w.shares {
		if s.recipient == ru && s.shown != nil {
			shown = s.shown
		}
	}
	if shown == nil {
		return scenarioErrorf("%s accepted no share in this scenario", recipient)
	}
	return verify(nil, func(g gomega.Gomega) {
		g.Expect(*shown).To(gomega.Equal(terms), "terms shown to %s: want %q, got %q", recipient, terms, *shown)
	})
}

// CheckTask checks that the Vault queued an update_item_shares task for
// the owner's item.
func (w *World) CheckTask(ctx context.Context, owner, label string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	mark := w.log.Len()
	tasks, err := w.client.ListClientTasks(ctx, u.auth, client.TaskQuery{})
	if err != nil {
		return w.fail(owner+" lists client tasks", err)
	}
	return verify(w.log.Since(mark), func(g gomega.Gomega) {
		var kinds []string
		for _, t := range tasks.ClientTasks {
			kinds = append(kinds, fmt.Sprintf("%s for %s (%s)", t.WorkType, t.TargetID, t.State))
		}
		g.Expect(tasks.ClientTasks).To(gomega.ContainElement(gomega.Satisfy(func(t meeco.ClientTask) bool {
			return t.WorkType == meeco.WorkUpdateItemShares && t.TargetID == it.id && t.State == meeco.TaskTodo
		})), "%s's client tasks: want a %s task for item %s (%q) in state todo, got %d tasks %v", owner, meeco.WorkUpdateItemShares, it.id, label, len(tasks.ClientTasks), kinds)
	})
}

// CheckNewEncryptedDEK checks that a share was re-keyed: the recipient
// reads an encrypted DEK other than the one the share was created with,
// and it opens (with the recipient's key) to another DEK.
func (w *World) CheckNewEncryptedDEK(ctx context.Context, label, recipient string) error {
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	if len(s.deks) == 0 {
		return &HarnessError{Msg: fmt.Sprintf("the encrypted DEK the share of %q to %s was created with was not recorded", label, recipient)}
	}
	sk, err := w.openShare(ctx, s)
	if err != nil {
		return err
	}
	dek, err := sk.key()
	if err != nil {
		return err
	}
	old, err := cryppo.DecryptRSA(sk.kp.priv, s.deks[0])
	if err != nil {
		return &HarnessError{Msg: fmt.Sprintf("the original encrypted DEK of the share of %q to %s no longer opens with %s's keypair", label, recipient, recipient), Err: err}
	}
	return verify(sk.exs, func(g gomega.Gomega) {
		g.Expect(*sk.rec.EncryptedDEK).NotTo(gomega.Equal(s.deks[0]), "share of %q to %s: want a new encrypted_dek, got the one it was created with", label, recipient)
		g.Expect(dek.Fingerprint()).NotTo(gomega.Equal(cryppo.Fingerprint(old)), "share of %q to %s: want a new share key, got the old one %s wrapped again", label, recipient, cryppo.Fingerprint(old))
	})
}

// CheckOwnerSender checks the owner_id, sender_id and recipient_id of a
// share, as its recipient and its sender read it.
func (w *World) CheckOwnerSender(ctx context.Context, label, recipient, owner, sender string) error {
	ru, err := w.user(recipient)
	if err != nil {
		return err
	}
	ou, err := w.user(owner)
	if err != nil {
		return err
	}
	su, err := w.user(sender)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, su)
	if err != nil {
		return err
	}
	return w.checkBothSides(ctx, s, func(g gomega.Gomega, reader *user, rec meeco.Share) {
		what := fmt.Sprintf("share of %q to %s as %s reads it", label, recipient, reader.name)
		g.Expect(rec.OwnerID).To(gomega.Equal(ou.auth.UserID), "%s: want owner_id %s (%s), got %s", what, ou.auth.UserID, owner, rec.OwnerID)
		g.Expect(rec.SenderID).To(gomega.Equal(su.auth.UserID), "%s: want sender_id %s (%s), got %s", what, su.auth.UserID, sender, rec.SenderID)
		g.Expect(rec.RecipientID).To(gomega.Equal(ru.auth.UserID), "%s: want recipient_id %s (%s), got %s", what, ru.auth.UserID, recipient, rec.RecipientID)
	})
}

// checkBothSides reads a share as its recipient does (incoming) and as its
// sender does (outgoing) and runs check on each record, with the exchange
// that fetched it attached to a failure.
func (w *World) checkBothSides(ctx context.Context, s *share, check func(g gomega.Gomega, reader *user, rec meeco.Share)) error {
	for _, p := range []struct {
		u        *user
		incoming bool
	}{{s.recipient, true}, {s.sender, false}} {
		rec, exs, err := w.getShare(ctx, p.u, s.id, p.incoming)
		if err != nil {
			return w.fail(fmt.Sprintf("%s reads the share of %q to %s", p.u.name, s.label, s.recipient.name), err)
		}
		if err := verify(exs, func(g gomega.Gomega) { check(g, p.u, *rec) }); err != nil {
			return err
		}
	}
	return nil
}
