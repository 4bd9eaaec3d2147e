package steps

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// The Keystore's keys: what a user may read of another's (nothing), a KEK
// that is never replaced, and keys returned byte for byte as stored.

// CheckCannotReadKeys checks that actor cannot read owner's keys from the
// Keystore: owner's DEK and keypairs by id answer 404 (while owner reads
// them), and actor's lookups that name no id (GET /key_encryption_key,
// GET /keypairs/external_id/auth) return actor's own keys, never owner's.
func (w *World) CheckCannotReadKeys(ctx context.Context, actor, owner string) error {
	a, o, err := w.activePair(actor, owner)
	if err != nil {
		return err
	}
	if a == o {
		return scenarioErrorf("%s can read their own keys", actor)
	}
	loginID, err := w.loginKeypairID(ctx, o)
	if err != nil {
		return err
	}
	type obj struct{ what, path string }
	objs := []obj{
		{fmt.Sprintf("%s's data encryption key %s", owner, o.auth.DEKID), client.Path(meeco.KSDataEncryptionKey, o.auth.DEKID)},
		{fmt.Sprintf("%s's login keypair %s", owner, loginID), client.Path(meeco.KSKeypair, loginID)},
	}
	for _, c := range w.conns {
		if rec, ok := c.rec[owner]; ok && !c.deleted[owner] {
			id := rec.Own.UserKeypairExternalID
			objs = append(objs, obj{fmt.Sprintf("%s's connection keypair %s", owner, id), client.Path(meeco.KSKeypair, id)})
		}
	}
	for _, x := range objs {
		if _, exs, err := w.call(ctx, o, client.Call{Op: "get key", Service: client.Keystore, Method: "GET", Path: x.path}, nil); err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("%s reads %s: want it, got %s", owner, x.what, gotOf(err)), Exchanges: exs, Err: err}
		}
		_, exs, err := w.call(ctx, a, client.Call{Op: "get key", Service: client.Keystore, Method: "GET", Path: x.path}, nil)
		if e := want404(fmt.Sprintf("%s reads %s", actor, x.what), exs, err); e != nil {
			return e
		}
	}
	kp, exs, err := w.getKeypair(ctx, a, meeco.KeypairAuthExternalID, true)
	if err != nil {
		return err
	}
	if err := verify(exs, func(g gomega.Gomega) {
		g.Expect(kp.PublicKey).NotTo(gomega.Equal(o.registered.LoginPublicKey), "%s's keypair by external id %q: want their own, got %s's login keypair", actor, meeco.KeypairAuthExternalID, owner)
		g.Expect(kp.PublicKey).To(gomega.Equal(a.registered.LoginPublicKey), "%s's keypair by external id %q: want their own login key %s, got %s", actor, meeco.KeypairAuthExternalID, a.registered.LoginKey.Fingerprint(), pemFingerprint(kp.PublicKey))
	}); err != nil {
		return err
	}
	wrapped, exs, err := w.getKEK(ctx, a)
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		kek, err := cryppo.DecryptAES(a.auth.PDK, wrapped)
		if err == nil {
			w.ledger.UnwrapKey(actor, "KEK (as stored)", a.auth.PDK, "PDK", wrapped, kek)
		}
		_, errOwner := cryppo.DecryptAES(o.auth.PDK, wrapped)
		g.Expect(errOwner).To(gomega.HaveOccurred(), "%s's key encryption key: want their own, got one that opens with %s's passphrase-derived key", actor, owner)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's key encryption key: want it to open with their passphrase-derived key %s, got %v", actor, a.auth.PDK.Fingerprint(), err)
		g.Expect(cryppo.Fingerprint(kek)).To(gomega.Equal(a.registered.KEK.Fingerprint()), "%s's key encryption key: want hers (%s), got %s", actor, a.registered.KEK.Fingerprint(), cryppo.Fingerprint(kek))
	})
}

// StoreAnotherDEK stores a second data encryption key for the user, a
// random key wrapped with her KEK, as the SDK stores any DEK.
func (w *World) StoreAnotherDEK(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	return w.act(ctx, name+" stores another data encryption key", func() error {
		k := cryppo.GenerateSymmetricKey()
		w.ledger.GenerateKey(name, "another DEK", k)
		wrapped, err := vaultkeys.WrapKey(u.auth.KEK, k)
		if err != nil {
			return &HarnessError{Msg: "wrapping a DEK", Err: err}
		}
		w.ledger.WrapKey(name, "another DEK", u.auth.KEK, "KEK", k.Bytes(), wrapped)
		_, _, err = w.call(ctx, u, client.Call{Op: "store DEK", Service: client.Keystore, Method: "POST", Path: meeco.KSDataEncryptionKeys,
			Body: meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: wrapped}}, nil)
		return err
	})
}

// CheckKeysByteForByte reads back every key the user stored in the
// Keystore in this scenario (the KEK she stored first, each DEK and each
// keypair, by the ids the Keystore gave them) and compares each with what
// she sent: the same string, byte for byte, under its own id.
func (w *World) CheckKeysByteForByte(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	type stored struct {
		what, path, field, sent string
		get                     func(body []byte) string
	}
	var all []stored
	for _, r := range w.rawOf(u, "POST", meeco.KSKeyEncryptionKey) {
		var req meeco.KeyEncryptionKeyRequest
		if ok2xx(r) && json.Unmarshal(r.Request, &req) == nil {
			all = append(all, stored{what: name + "'s key encryption key", path: meeco.KSKeyEncryptionKey, field: "serialized_key_encryption_key",
				sent: req.SerializedKeyEncryptionKey, get: func(b []byte) string {
					var out meeco.KeyEncryptionKeyResponse
					_ = json.Unmarshal(b, &out)
					return out.KeyEncryptionKey.SerializedKeyEncryptionKey
				}})
			break // a KEK is stored once; a second POST must have been refused
		}
	}
	for _, r := range w.rawOf(u, "POST", meeco.KSDataEncryptionKeys) {
		var req meeco.DataEncryptionKeyRequest
		var resp meeco.DataEncryptionKeyResponse
		if ok2xx(r) && json.Unmarshal(r.Request, &req) == nil && json.Unmarshal(r.Response, &resp) == nil {
			id := resp.DataEncryptionKey.ID
			all = append(all, stored{what: fmt.Sprintf("%s's data encryption key %s", name, id), path: client.Path(meeco.KSDataEncryptionKey, id),
				field: "serialized_data_encryption_key", sent: req.SerializedDataEncryptionKey, get: func(b []byte) string {
					var out meeco.DataEncryptionKeyResponse
					_ = json.Unmarshal(b, &out)
					return out.DataEncryptionKey.SerializedDataEncryptionKey
				}})
		}
	}
	for _, r := range w.rawOf(u, "POST", meeco.KSKeypairs) {
		var req meeco.KeypairRequest
		var resp meeco.KeypairResponse
		if ok2xx(r) && json.Unmarshal(r.Request, &req) == nil && json.Unmarshal(r.Response, &resp) == nil {
			id := resp.Keypair.ID
			path := client.Path(meeco.KSKeypair, id)
			all = append(all,
				stored{what: fmt.Sprintf("%s's keypair %s", name, id), path: path, field: "encrypted_serialized_key", sent: req.EncryptedSerializedKey,
					get: func(b []byte) string {
						var out meeco.KeypairResponse
						_ = json.Unmarshal(b, &out)
						return out.Keypair.EncryptedSerializedKey
					}},
				stored{what: fmt.Sprintf("%s's keypair %s", name, id), path: path, field: "public_key", sent: req.PublicKey,
					get: func(b []byte) string {
						var out meeco.KeypairResponse
						_ = json.Unmarshal(b, &out)
						return out.Keypair.PublicKey
					}})
		}
	}
	if len(all) == 0 {
		return scenarioErrorf("%s stored no key in this scenario", name)
	}
	for _, s := range all {
		resp, exs, err := w.call(ctx, u, client.Call{Op: "get key", Service: client.Keystore, Method: "GET", Path: s.path, Headers: keyHeaders(s.path)}, nil)
		if err != nil {
			return w.fail(fmt.Sprintf("%s reads %s", name, s.what), err)
		}
		got := s.get(resp.Body)
		if got != s.sent {
			return &TargetFailure{Msg: fmt.Sprintf("%s: %s: want the string she stored, byte for byte (%d characters), got %s", s.what, s.field, len(s.sent), differs(s.sent, got)), Exchanges: exs}
		}
	}
	return nil
}

// keyHeaders is the SDK's header set for a Keystore key route.
func keyHeaders(path string) client.Headers {
	if path == meeco.KSKeyEncryptionKey {
		return client.HKEK
	}
	return client.HFull
}

// differs says how got differs from want without showing either.
func differs(want, got string) string {
	if got == "" {
		return "none"
	}
	n := min(len(want), len(got))
	i := 0
	for i < n && want[i] == got[i] {
		i++
	}
	return fmt.Sprintf("a string of %d characters that differs from character %d on", len(got), i+1)
}

// CheckKEKNotReplaced posts a second KEK for the user (a new random key
// wrapped with her passphrase-derived key): the Keystore must refuse it
// and keep returning the first, which opens to the KEK she registered.
func (w *World) CheckKEKNotReplaced(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	k := cryppo.GenerateSymmetricKey()
	wrapped, err := vaultkeys.WrapKey(u.auth.PDK, k)
	if err != nil {
		return &HarnessError{Msg: "wrapping a KEK", Err: err}
	}
	w.ledger.WrapKey(name, "a second KEK", u.auth.PDK, "PDK", k.Bytes(), wrapped)
	_, exs, err := w.call(ctx, u, client.Call{Op: "store KEK", Service: client.Keystore, Method: "POST", Path: meeco.KSKeyEncryptionKey, Headers: client.HKEK,
		Body: meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: wrapped}}, nil)
	if st := statusOf(err); err == nil || st < 400 || st > 499 {
		return &TargetFailure{Msg: fmt.Sprintf("%s stores a second key encryption key: want refused (4xx), got %s", name, gotOf(err)), Exchanges: exs, Err: err}
	}
	got, exs, err := w.getKEK(ctx, u)
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		kek, err := cryppo.DecryptAES(u.auth.PDK, got)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's key encryption key after a second was refused: want the first, opening with their passphrase-derived key, got %v", name, err)
		w.ledger.UnwrapKey(name, "KEK (as stored)", u.auth.PDK, "PDK", got, kek)
		g.Expect(cryppo.Fingerprint(kek)).To(gomega.Equal(u.registered.KEK.Fingerprint()), "%s's key encryption key after a second was refused: want the first (%s), got %s", name, u.registered.KEK.Fingerprint(), cryppo.Fingerprint(kek))
	})
}

// CheckWrappedKeysForeign checks that the user's wrapped keys, as her
// Keystore returns them, open with none of another user's keys: her KEK
// not with his passphrase-derived key, her DEK and her login private key
// not with his KEK.
func (w *World) CheckWrappedKeysForeign(ctx context.Context, name, other string) error {
	u, o, err := w.activePair(name, other)
	if err != nil {
		return err
	}
	kek, exs, err := w.getKEK(ctx, u)
	if err != nil {
		return err
	}
	_, dek, exs2, err := w.getDEK(ctx, u)
	if err != nil {
		return err
	}
	kp, exs3, err := w.getKeypair(ctx, u, meeco.KeypairAuthExternalID, true)
	if err != nil {
		return err
	}
	all := append(append(append([]redact.Exchange{}, exs...), exs2...), exs3...)
	return verify(all, func(g gomega.Gomega) {
		w.refuseAES(g, name, name+"'s key encryption key", o.auth.PDK, other+"'s passphrase-derived key", kek)
		w.refuseAES(g, name, name+"'s data encryption key", o.auth.KEK, other+"'s key encryption key", dek)
		w.refuseAES(g, name, name+"'s login private key", o.auth.KEK, other+"'s key encryption key", kp.EncryptedSerializedKey)
		w.refuseAES(g, name, name+"'s data encryption key", o.auth.DEK, other+"'s data encryption key", dek)
	})
}
