package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/onsi/gomega"
	gomegatypes "github.com/onsi/gomega/types"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Crypto: the wire formats Meeco's libraries write and accept, checked on
// everything that went over the wire, and the tamper and ledger checks.

// AESForm is the shape required of a symmetric Cryppo string: its
// strategy name, IV and tag sizes and AAD, canonical serialization.
type AESForm struct {
	Strategy string
	IV, Tag  int
	AAD      string
}

// meecoAES is what cryppo-js writes: Aes256Gcm, a 12-byte IV, a 16-byte
// tag and the AAD "none", BSON artifacts, URL-safe padded base64.
var meecoAES = AESForm{Strategy: string(cryppo.AES256GCM), IV: 12, Tag: 16, AAD: "none"}

func (f AESForm) String() string {
	return fmt.Sprintf("a canonical %s string (%d-byte IV, %d-byte tag, AAD %q)", f.Strategy, f.IV, f.Tag, f.AAD)
}

// problem says how s differs from the form; "" when it matches.
func (f AESForm) problem(s string) string {
	e, err := cryppo.Parse(s)
	if err != nil {
		return "a string that does not parse (" + err.Error() + ")"
	}
	switch {
	case string(e.Strategy) != f.Strategy:
		return fmt.Sprintf("strategy %s", strategyName(e.Strategy))
	case e.Derivation != nil:
		return "a passphrase-encrypted (5-part) string"
	case e.Format != cryppo.FormatBSON:
		return "legacy YAML artifacts"
	case e.StandardAlphabet:
		return "the standard base64 alphabet (want URL-safe)"
	case len(e.Ciphertext) == 0:
		return "an empty ciphertext"
	case len(e.Artifacts.IV) != f.IV:
		return fmt.Sprintf("a %d-byte IV", len(e.Artifacts.IV))
	case len(e.Artifacts.AuthTag) != f.Tag:
		return fmt.Sprintf("a %d-byte tag", len(e.Artifacts.AuthTag))
	case string(e.Artifacts.AAD) != f.AAD:
		return fmt.Sprintf("AAD of %d bytes other than %q", len(e.Artifacts.AAD), f.AAD)
	case e.String() != s:
		return nonCanonical(s)
	}
	return ""
}

// RSAForm is the shape required of a wrapped share key: its strategy
// name, its artifacts part exactly, a ciphertext as long as the modulus
// the name announces, canonical serialization.
type RSAForm struct {
	Strategy  string
	Artifacts string
}

// meecoRSA is what cryppo-js writes for a key wrapped to an RSA-4096
// public key: Rsa4096, a 512-byte ciphertext, the empty BSON artifacts.
var meecoRSA = RSAForm{Strategy: string(cryppo.RSA4096), Artifacts: "QQUAAAAA"}

func (f RSAForm) String() string {
	return fmt.Sprintf("a canonical %s string with artifacts %q", f.Strategy, f.Artifacts)
}

func (f RSAForm) problem(s string) string {
	e, err := cryppo.Parse(s)
	if err != nil {
		return "a string that does not parse (" + err.Error() + ")"
	}
	parts := strings.Split(s, ".")
	bits := cryppo.Strategy(f.Strategy).RSABits()
	switch {
	case string(e.Strategy) != f.Strategy:
		return fmt.Sprintf("strategy %s", strategyName(e.Strategy))
	case len(parts) != 3 || parts[2] != f.Artifacts:
		return fmt.Sprintf("artifacts other than %q", f.Artifacts)
	case e.StandardAlphabet:
		return "the standard base64 alphabet (want URL-safe)"
	case bits > 0 && len(e.Ciphertext) != bits/8:
		return fmt.Sprintf("a %d-byte ciphertext (want %d for RSA-%d)", len(e.Ciphertext), bits/8, bits)
	case e.String() != s:
		return nonCanonical(s)
	}
	return ""
}

// nonCanonical says which part of s differs from what cryppo-js writes
// (cryppo.CheckCanonical: alphabet, padding, artifact key order, version
// byte, strategy name, artifacts), "" when s is canonical.
func nonCanonical(s string) string {
	err := cryppo.CheckCanonical(s)
	if err == nil {
		return ""
	}
	var ce *cryppo.Error
	if errors.As(err, &ce) && ce.Part != "" {
		return fmt.Sprintf("a non-canonical serialization: its %s differs (%s)", ce.Part, ce.Detail)
	}
	return "a non-canonical serialization (" + err.Error() + ")"
}

// strategyName quotes a strategy for a message, only if it looks like one.
func strategyName(s cryppo.Strategy) string {
	if s.IsAES() || s.IsRSA() {
		return fmt.Sprintf("%q", string(s))
	}
	return "(not shown)"
}

// ---- JSON walking ----

// walkJSON calls onString for every string in v with the key it sits
// under (the enclosing key for array elements), and onKey for every
// object key.
func walkJSON(v any, key string, onString func(key, s string), onKey func(key string)) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if onKey != nil {
				onKey(k)
			}
			walkJSON(x[k], k, onString, onKey)
		}
	case []any:
		for _, e := range x {
			walkJSON(e, key, onString, onKey)
		}
	case string:
		if onString != nil {
			onString(key, x)
		}
	}
}

// jsonFields returns the non-empty string fields of a JSON body whose key
// matches, as key/value pairs in document order (keys sorted per object).
func jsonFields(body []byte, match func(key string) bool) [][2]string {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return nil
	}
	var out [][2]string
	walkJSON(doc, "", func(k, s string) {
		if s != "" && match(k) {
			out = append(out, [2]string{k, s})
		}
	}, nil)
	return out
}

// jsonStrings is jsonFields without the keys.
func jsonStrings(body []byte, match func(key string) bool) []string {
	var out []string
	for _, f := range jsonFields(body, match) {
		out = append(out, f[1])
	}
	return out
}

// encryptedField reports fields that carry Cryppo strings in Meeco's APIs.
func encryptedField(k string) bool {
	return strings.HasPrefix(k, "encrypted_") || strings.HasPrefix(k, "serialized_") || k == "dek"
}

// rsaField reports the encrypted fields that are RSA-OAEP (wrapped share
// keys and the Vault's session token); every other one is AES-GCM.
func rsaField(k string) bool {
	return k == "encrypted_dek" || k == "dek" || k == "encrypted_session_authentication_string"
}

// shareKeyField reports the fields that carry wrapped share keys.
func shareKeyField(k string) bool { return k == "encrypted_dek" || k == "dek" }

// ---- sweeping: make the target return everything it stores ----

// sweep reads, as u, everything that carries encrypted fields: the KEK,
// the DEK, the login keypair and every keypair u stored, the items (and
// each one alone), connections, incoming shares with their items and
// outgoing shares. The wire recorder keeps the answers for the format
// checks.
func (w *World) sweep(ctx context.Context, u *user) error {
	if _, _, err := w.getKEK(ctx, u); err != nil {
		return err
	}
	if _, _, _, err := w.getDEK(ctx, u); err != nil {
		return err
	}
	for _, id := range w.keypairIDs(u) {
		if _, _, err := w.getKeypair(ctx, u, id, false); err != nil {
			return err
		}
	}
	var items meeco.ItemsResponse
	if _, _, err := w.call(ctx, u, client.Call{Op: "list items", Method: "GET", Path: meeco.VItems}, &items); err != nil {
		return w.fail(u.name+" lists items", err)
	}
	for _, it := range items.Items {
		if _, _, _, err := w.rawItem(ctx, u, it.ID); err != nil {
			return w.fail(u.name+" reads an item", err)
		}
	}
	if _, _, err := w.call(ctx, u, client.Call{Op: "list connections", Method: "GET", Path: meeco.VConnections}, nil); err != nil {
		return w.fail(u.name+" lists connections", err)
	}
	var in meeco.SharesListResponse
	if _, _, err := w.call(ctx, u, client.Call{Op: "list incoming shares", Method: "GET", Path: meeco.VIncomingShares}, &in); err != nil {
		return w.fail(u.name+" lists incoming shares", err)
	}
	for _, s := range in.Shares {
		if !s.AcceptanceRequired.Readable() {
			continue
		}
		if _, _, err := w.call(ctx, u, client.Call{Op: "get shared item", Method: "GET", Path: client.Path(meeco.VIncomingShareItem, s.ID)}, nil); err != nil {
			return w.fail(u.name+" reads a shared item", err)
		}
	}
	if _, _, err := w.call(ctx, u, client.Call{Op: "list outgoing shares", Method: "GET", Path: meeco.VOutgoingShares}, nil); err != nil {
		return w.fail(u.name+" lists outgoing shares", err)
	}
	return nil
}

// keypairIDs lists the Keystore ids of every keypair u stored in this
// scenario, from the answers to u's POST /keypairs.
func (w *World) keypairIDs(u *user) []string {
	var ids []string
	for _, r := range w.raw() {
		if r.Actor != u.name || w.toVault(r) || r.Method != "POST" || !strings.HasSuffix(r.Path, meeco.KSKeypairs) || r.Status/100 != 2 {
			continue
		}
		var out meeco.KeypairResponse
		if json.Unmarshal(r.Response, &out) == nil && out.Keypair.ID != "" && !slices.Contains(ids, out.Keypair.ID) {
			ids = append(ids, out.Keypair.ID)
		}
	}
	return ids
}

// CheckEncryptedFieldsCanonical sweeps what the named users can read and
// checks every encrypted field the target ever returned to them: a Cryppo
// string that re-serializes to itself, RSA where the protocol wraps to a
// public key, AES-GCM everywhere else.
func (w *World) CheckEncryptedFieldsCanonical(ctx context.Context, names []string) error {
	us, err := w.usersNamed(names)
	if err != nil {
		return err
	}
	for _, u := range us {
		if err := w.sweep(ctx, u); err != nil {
			return err
		}
	}
	for _, u := range us {
		n := 0
		for _, r := range w.raw() {
			if r.Actor != u.name || len(r.Response) == 0 || r.Status/100 != 2 {
				continue
			}
			for _, f := range jsonFields(r.Response, encryptedField) {
				n++
				where := fmt.Sprintf("%s of %s %s returned to %s", f[0], r.Method, redact.Path(r.Path), u.name)
				if err := verify(w.exchangeFor(r), func(g gomega.Gomega) {
					e, err := cryppo.Parse(f[1])
					g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want a Cryppo string, got %v", where, err)
					g.Expect(nonCanonical(f[1])).To(gomega.BeEmpty(), "%s: want a canonical Cryppo string, got %s", where, nonCanonical(f[1]))
					if rsaField(f[0]) {
						g.Expect(e.Strategy).To(gomega.Satisfy(cryppo.Strategy.IsRSA), "%s: want an RSA-OAEP string, got strategy %s", where, strategyName(e.Strategy))
					} else {
						g.Expect(e.Strategy).To(gomega.Satisfy(cryppo.Strategy.IsAES), "%s: want an AES-GCM string, got strategy %s", where, strategyName(e.Strategy))
						g.Expect(e.Derivation).To(gomega.BeNil(), "%s: want an AES-GCM string, got a passphrase-encrypted one", where)
					}
				}); err != nil {
					return err
				}
			}
		}
		if n == 0 {
			return &TargetFailure{Msg: fmt.Sprintf("encrypted fields returned to %s: want some, got none", u.name)}
		}
	}
	return nil
}

// CheckSymmetricCiphertexts checks every AES field sent or returned in the
// scenario against the given form.
func (w *World) CheckSymmetricCiphertexts(f AESForm) error {
	n := 0
	for _, r := range w.raw() {
		for _, body := range [][]byte{r.Request, r.Response} {
			for _, fld := range jsonFields(body, func(k string) bool { return encryptedField(k) && !rsaField(k) }) {
				n++
				where := fmt.Sprintf("%s in %s %s", fld[0], r.Method, redact.Path(r.Path))
				if p := f.problem(fld[1]); p != "" {
					return &TargetFailure{Msg: fmt.Sprintf("%s: want %s, got %s", where, f, p), Exchanges: w.exchangeFor(r)}
				}
			}
		}
	}
	if n == 0 {
		return &TargetFailure{Msg: "symmetric ciphertexts on the wire: want some, got none"}
	}
	return nil
}

// CheckWrappedShareKeys checks every wrapped share key sent or returned in
// the scenario against the given form.
func (w *World) CheckWrappedShareKeys(f RSAForm) error {
	if len(w.shares) == 0 {
		return scenarioErrorf("nothing was shared in this scenario, so no share key went over the wire")
	}
	n := 0
	for _, r := range w.raw() {
		for _, body := range [][]byte{r.Request, r.Response} {
			for _, fld := range jsonFields(body, shareKeyField) {
				n++
				where := fmt.Sprintf("%s in %s %s", fld[0], r.Method, redact.Path(r.Path))
				if p := f.problem(fld[1]); p != "" {
					return &TargetFailure{Msg: fmt.Sprintf("%s: want %s, got %s", where, f, p), Exchanges: w.exchangeFor(r)}
				}
			}
		}
	}
	if n == 0 {
		return &TargetFailure{Msg: "wrapped share keys on the wire: want some, got none"}
	}
	return nil
}

// CheckAllKeypairs checks every keypair the named users stored in their
// Keystores: RSA of the given size and exponent, the private key wrapped
// under the owner's KEK as node-forge PEM, matching the public key.
func (w *World) CheckAllKeypairs(ctx context.Context, names []string, bits, exponent int) error {
	us, err := w.usersNamed(names)
	if err != nil {
		return err
	}
	for _, u := range us {
		ids := w.keypairIDs(u)
		if len(ids) == 0 {
			return &TargetFailure{Msg: fmt.Sprintf("keypairs of %s: want the ones %s stored, got no stored keypair", u.name, u.name)}
		}
		for _, id := range ids {
			kp, exs, err := w.getKeypair(ctx, u, id, false)
			if err != nil {
				return err
			}
			if err := verify(exs, func(g gomega.Gomega) {
				what := fmt.Sprintf("keypair %s of %s", id, u.name)
				w.checkStoredKeypair(g, u, kp, what)
				pub := w.keypairs[keypairKey{u, id}].priv.Public()
				g.Expect(pub.Bits()).To(gomega.Equal(bits), "%s: want RSA-%d, got RSA-%d", what, bits, pub.Bits())
				g.Expect(pub.Exponent()).To(gomega.Equal(exponent), "%s: want public exponent %d, got %d", what, exponent, pub.Exponent())
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckKeySizes checks that every KEK and DEK the users' Keystores hold,
// and every share key a scenario user can open, unwraps to size bytes.
func (w *World) CheckKeySizes(ctx context.Context, size int) error {
	for _, u := range w.sortedUsers() {
		kek, exs, err := w.getKEK(ctx, u)
		if err != nil {
			return err
		}
		if err := verify(exs, func(g gomega.Gomega) {
			raw, err := cryppo.DecryptAES(u.auth.PDK, kek)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's key encryption key: want it to open with the passphrase-derived key, got %v", u.name, err)
			w.ledger.UnwrapKey(u.name, "KEK (as stored)", u.auth.PDK, "PDK", kek, raw)
			g.Expect(raw).To(gomega.HaveLen(size), "%s's key encryption key: want %d bytes, got %d", u.name, size, len(raw))
		}); err != nil {
			return err
		}
		_, dek, exs, err := w.getDEK(ctx, u)
		if err != nil {
			return err
		}
		if err := verify(exs, func(g gomega.Gomega) {
			raw, err := cryppo.DecryptAES(u.auth.KEK, dek)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's data encryption key: want it to open with the KEK, got %v", u.name, err)
			w.ledger.UnwrapKey(u.name, "DEK (as stored)", u.auth.KEK, "KEK", dek, raw)
			g.Expect(raw).To(gomega.HaveLen(size), "%s's data encryption key: want %d bytes, got %d", u.name, size, len(raw))
		}); err != nil {
			return err
		}
	}
	for _, s := range w.shares {
		if s.deleted || s.recipient.loggedOut != nil {
			continue
		}
		sk, err := w.openShare(ctx, s)
		if err != nil {
			return err
		}
		if sk.rec.EncryptedDEK == nil {
			continue // waiting for acceptance: the recipient cannot open it yet
		}
		if err := verify(sk.exs, func(g gomega.Gomega) {
			g.Expect(sk.raw).To(gomega.HaveLen(size), "share key of %q to %s: want %d bytes, got %d", s.label, s.recipient.name, size, len(sk.raw))
		}); err != nil {
			return err
		}
	}
	return nil
}

// beEmptyString matches a missing or empty optional string of a record.
// It makes a new matcher each time: gomega's WithTransform keeps the value
// it transformed in the matcher, so one matcher shared by scenarios that
// run at once is a data race.
func beEmptyString() gomegatypes.GomegaMatcher {
	return gomega.WithTransform(func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}, gomega.BeEmpty())
}

// tamper returns s with one byte of the named part flipped: "ciphertext",
// "tag" or "iv". The result is re-serialized canonically, so only the
// flipped byte differs in meaning.
func tamper(s, part string) (string, error) {
	e, err := cryppo.Parse(s)
	if err != nil {
		return "", err
	}
	var b []byte
	switch part {
	case "ciphertext":
		b = bytes.Clone(e.Ciphertext)
		e.Ciphertext = b
	case "tag":
		b = bytes.Clone(e.Artifacts.AuthTag)
		e.Artifacts.AuthTag = b
	case "iv":
		b = bytes.Clone(e.Artifacts.IV)
		e.Artifacts.IV = b
	default:
		return "", fmt.Errorf("tamper: unknown part %q", part)
	}
	if len(b) == 0 {
		return "", fmt.Errorf("tamper: empty %s", part)
	}
	b[len(b)/2] ^= 0x01
	return e.String(), nil
}

// refuseTamperedAES checks that key opens s but no tampered copy of it
// (ciphertext, tag, IV), each failing with cryppo.ErrDecrypt.
func (w *World) refuseTamperedAES(g gomega.Gomega, actor, what string, key cryppo.SymmetricKey, keyName, s string) {
	_, err := cryppo.DecryptAES(key, s)
	g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want the untampered copy to open with %s %s, got %v", what, keyName, key.Fingerprint(), err)
	for _, part := range []string{"ciphertext", "tag", "iv"} {
		t, err := tamper(s, part)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want a %s to tamper with, got %v", what, part, err)
		_, err = cryppo.DecryptAES(key, t)
		g.Expect(err).To(gomega.MatchError(cryppo.ErrDecrypt), "%s with a flipped %s byte: want decryption to fail with %q, got %s", what, part, cryppo.ErrDecrypt, errText(err))
		w.ledger.RefusedAES(actor, what+" (tampered "+part+")", key, keyName, t, err)
	}
}

// refuseRSA checks that priv does not open s (cryppo.ErrDecrypt).
func (w *World) refuseRSA(g gomega.Gomega, actor, what string, priv *cryppo.PrivateKey, keyName, s string) {
	_, err := cryppo.DecryptRSA(priv, s)
	g.Expect(err).To(gomega.MatchError(cryppo.ErrDecrypt), "%s: want it not to open with %s %s (%q), got %s", what, keyName, priv.Fingerprint(), cryppo.ErrDecrypt, errText(err))
	w.ledger.RefusedRSA(actor, what, priv, keyName, s, err)
}

// refuseAES checks that key does not open s (cryppo.ErrDecrypt).
func (w *World) refuseAES(g gomega.Gomega, actor, what string, key cryppo.SymmetricKey, keyName, s string) {
	_, err := cryppo.DecryptAES(key, s)
	g.Expect(err).To(gomega.MatchError(cryppo.ErrDecrypt), "%s: want it not to open with %s %s (%q), got %s", what, keyName, key.Fingerprint(), cryppo.ErrDecrypt, errText(err))
	w.ledger.RefusedAES(actor, what, key, keyName, s, err)
}

func errText(err error) string {
	if err == nil {
		return "success"
	}
	return err.Error()
}

// CheckTamperedKEK checks that the user's wrapped KEK, as the Keystore
// returns it, opens with her PDK and that tampered copies do not.
func (w *World) CheckTamperedKEK(ctx context.Context, name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	wrapped, exs, err := w.getKEK(ctx, u)
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		w.refuseTamperedAES(g, name, name+"'s wrapped key encryption key", u.auth.PDK, "PDK", wrapped)
	})
}

// CheckLedgerShareKey checks that the ledger records, for one share, a
// share key generated by sender, wrapped by sender to an RSA key and
// unwrapped by recipient, all with the same key fingerprint.
func (w *World) CheckLedgerShareKey(sender, recipient string) error {
	if _, err := w.usersNamed([]string{sender, recipient}); err != nil {
		return err
	}
	const prefix = "share DEK for share "
	entries := w.ledger.Entries()
	gen := map[string]string{} // share id → key digest
	for _, e := range entries {
		if e.Op == ledger.OpGenerate && e.Actor == sender && strings.HasPrefix(e.Subject, prefix) {
			gen[strings.TrimPrefix(e.Subject, prefix)] = e.Digest
		}
	}
	for id, d := range gen {
		wrapped, opened := false, false
		for _, e := range entries {
			if e.Subject != prefix+id || e.Digest != d {
				continue
			}
			switch {
			case e.Op == ledger.OpWrap && e.Actor == sender && strings.HasPrefix(e.Format, "Rsa"):
				wrapped = true
			case e.Op == ledger.OpUnwrap && e.Actor == recipient:
				opened = true
			}
		}
		if wrapped && opened {
			return nil
		}
	}
	return &TargetFailure{Msg: fmt.Sprintf("crypto ledger: want a share key generated and RSA-wrapped by %s and opened by %s, got %d share keys generated by %s and none opened by %s",
		sender, recipient, len(gen), sender, recipient), Detail: w.ledger.String()}
}

// CheckLedger re-verifies the crypto ledger now.
func (w *World) CheckLedger() error {
	if w.ledger.Len() == 0 {
		return scenarioErrorf("the crypto ledger is empty: nothing in this scenario did any crypto")
	}
	if err := w.verifyLedger(); err != nil {
		return err
	}
	if rep := w.ledger.VerifyAll(); rep.Checked == 0 {
		return &HarnessError{Msg: fmt.Sprintf("the crypto ledger re-checked none of its %d entries", w.ledger.Len())}
	}
	return nil
}

// usersNamed resolves a list of names.
func (w *World) usersNamed(names []string) ([]*user, error) {
	var us []*user
	for _, n := range names {
		u, err := w.user(n)
		if err != nil {
			return nil, err
		}
		us = append(us, u)
	}
	return us, nil
}
