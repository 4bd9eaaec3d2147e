package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	tampering "github.com/vaultcheck/vaultcheck/internal/tamper"
)

// The generated tamper matrix: for an envelope the services returned (a
// share's wrapped DEK, its slot values, verification keys and hashes; a
// user's KEK, DEK, wrapped private keys and session token), every variant
// internal/tamper derives is put to the client's reader (Config.Reader,
// tampering.Strict by default), which must reject each with the error kind
// the variant wants. A variant that slips through fails the step under
// the requirement it breaks, with the list of every one that slipped.

// maxSlips bounds the slipped variants a failure lists.
const maxSlips = 12

// reader is the client's reader of envelopes.
func (w *World) reader() tampering.Reader {
	if w.cfg.Reader != nil {
		return w.cfg.Reader
	}
	return tampering.Strict
}

// envelope is a named set of variants.
type envelope struct {
	what string
	vs   []tampering.Variant
	exs  []redact.Exchange
}

// judge puts every envelope's variants to the reader.
func (w *World) judge(envs []envelope) error {
	var lines []string
	var first *TargetFailure
	total, n := 0, 0
	for _, e := range envs {
		total += len(e.vs)
		for _, s := range tampering.Check(w.reader(), e.vs) {
			n++
			if first == nil {
				first = &TargetFailure{Req: s.Variant.Req, Exchanges: e.exs,
					Msg: fmt.Sprintf("tampered %s (%s): want %q, got %s", e.what, s.Variant.Name, s.Variant.Want, slipGot(s))}
			}
			if len(lines) < maxSlips {
				lines = append(lines, fmt.Sprintf("%s: %s (%s)", e.what, s.String(), s.Variant.Req))
			}
		}
	}
	if total == 0 {
		return &HarnessError{Msg: "the tamper matrix derived no variant"}
	}
	if first == nil {
		return nil
	}
	first.Detail = fmt.Sprintf("%d of %d tampered variants slipped through:\n%s", n, total, strings.Join(lines, "\n"))
	if n > len(lines) {
		first.Detail += fmt.Sprintf("\n… and %d more", n-len(lines))
	}
	return first
}

func slipGot(s tampering.Slip) string {
	if s.Got == nil {
		return "accepted"
	}
	return "refused with " + s.Got.Error()
}

// CheckTamperMatrixShare derives the variants of everything the recipient
// reads of a share: the wrapped DEK (and the same DEK wrapped to another
// user's key, and an older DEK of the share when it was re-keyed), and each
// slot's value, verification key and hash.
func (w *World) CheckTamperMatrixShare(ctx context.Context, label, recipient string) error {
	_, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	sr, err := w.readShared(ctx, s)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("share of %q to %s", label, recipient)
	dek := *sr.sk.rec.EncryptedDEK
	vs, err := tampering.RSA(sr.sk.kp.priv, dek, w.otherPublicKey(sr.sk.kp))
	if err != nil {
		return &TargetFailure{Msg: fmt.Sprintf("encrypted DEK of the %s: want an RSA Cryppo string, got %v", what, err), Exchanges: sr.exs}
	}
	envs := []envelope{{"encrypted DEK of the " + what, vs, sr.exs}}
	var values []string
	slots := slotsOf(sr.resp.Item, sr.resp.Slots)
	for _, sl := range slots {
		if sl.EncryptedValue != nil && *sl.EncryptedValue != "" {
			values = append(values, *sl.EncryptedValue)
		}
	}
	r := w.reader()
	for _, sl := range slots {
		if sl.EncryptedValue == nil || *sl.EncryptedValue == "" {
			continue
		}
		slotWhat := fmt.Sprintf("slot %q of the %s", sl.Name, what)
		vs, err := tampering.AES(sr.key, *sl.EncryptedValue, values...)
		if err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("value of %s: want an AES-GCM Cryppo string, got %v", slotWhat, err), Exchanges: sr.exs}
		}
		envs = append(envs, envelope{"value of " + slotWhat, vs, sr.exs})
		if len(s.deks) > 1 && s.deks[0] != dek {
			envs = append(envs, envelope{"DEK of the " + what, []tampering.Variant{tampering.Replayed(sr.sk.kp.priv, s.deks[0], *sl.EncryptedValue)}, sr.exs})
		}
		if sl.EncryptedValueVerificationKey == nil || sl.ValueVerificationHash == nil {
			continue
		}
		vs, err = tampering.AES(sr.key, *sl.EncryptedValueVerificationKey)
		if err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("verification key of %s: want an AES-GCM Cryppo string, got %v", slotWhat, err), Exchanges: sr.exs}
		}
		envs = append(envs, envelope{"verification key of " + slotWhat, vs, sr.exs})
		pt, err := r.OpenAES(sr.key, *sl.EncryptedValue)
		if err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("value of %s: want it to open with the share's key, got %v", slotWhat, err), Exchanges: sr.exs}
		}
		vvk, err := r.OpenAES(sr.key, *sl.EncryptedValueVerificationKey)
		if err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("verification key of %s: want it to open with the share's key, got %v", slotWhat, err), Exchanges: sr.exs}
		}
		envs = append(envs, envelope{"verification hash of " + slotWhat, tampering.Hash(vvk, string(pt), *sl.ValueVerificationHash), sr.exs})
	}
	return w.judge(envs)
}

// otherPublicKey is the public key of a keypair of the scenario other than
// kp (another recipient), for the "wrapped to another recipient" variant.
func (w *World) otherPublicKey(kp *keypairInfo) *cryppo.PublicKey {
	for _, o := range w.keypairs {
		if o != kp && o.priv != nil && o.owner != kp.owner {
			return o.priv.Public()
		}
	}
	for _, o := range w.keypairs {
		if o != kp && o.priv != nil {
			return o.priv.Public()
		}
	}
	return nil
}

// TamperedKey names a user's envelope of the tamper matrix.
type TamperedKey string

// The user envelopes.
const (
	TamperKEK          TamperedKey = "key encryption key"
	TamperDEK          TamperedKey = "data encryption key"
	TamperPrivateKeys  TamperedKey = "wrapped private keys"
	TamperSessionToken TamperedKey = "session token"
)

// CheckTamperMatrixKey derives the variants of one of a user's envelopes
// as the services return it: the KEK (under the passphrase-derived key),
// the DEK and every wrapped private key (under the KEK), or the Vault
// session token of the user's last login (RSA to the login key).
func (w *World) CheckTamperMatrixKey(ctx context.Context, name string, which TamperedKey) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s's %s", name, which)
	aes := func(key cryppo.SymmetricKey, s, what string, exs []redact.Exchange) (envelope, error) {
		vs, err := tampering.AES(key, s)
		if err != nil {
			return envelope{}, &TargetFailure{Msg: fmt.Sprintf("%s: want an AES-GCM Cryppo string, got %v", what, err), Exchanges: exs}
		}
		return envelope{what, vs, exs}, nil
	}
	var envs []envelope
	switch which {
	case TamperKEK:
		wrapped, exs, err := w.getKEK(ctx, u)
		if err != nil {
			return err
		}
		e, err := aes(u.auth.PDK, wrapped, what, exs)
		if err != nil {
			return err
		}
		envs = append(envs, e)
	case TamperDEK:
		_, wrapped, exs, err := w.getDEK(ctx, u)
		if err != nil {
			return err
		}
		e, err := aes(u.auth.KEK, wrapped, what, exs)
		if err != nil {
			return err
		}
		envs = append(envs, e)
	case TamperPrivateKeys:
		for _, id := range w.keypairIDs(u) {
			kp, exs, err := w.getKeypair(ctx, u, id, false)
			if err != nil {
				return err
			}
			e, err := aes(u.auth.KEK, kp.EncryptedSerializedKey, fmt.Sprintf("%s's wrapped private key of keypair %s", name, id), exs)
			if err != nil {
				return err
			}
			envs = append(envs, e)
		}
		if len(envs) == 0 {
			return &TargetFailure{Msg: fmt.Sprintf("%s: want the keypairs %s stored, got none", what, name)}
		}
	case TamperSessionToken:
		s, exs := w.lastSessionToken(u)
		if s == "" || u.auth.LoginKey == nil {
			return scenarioErrorf("no encrypted Vault session token was returned to %s in this scenario", name)
		}
		var other *cryppo.PublicKey
		for _, o := range w.sortedUsers() {
			if o != u && o.auth != nil && o.auth.LoginKey != nil {
				other = o.auth.LoginKey.Public()
				break
			}
		}
		vs, err := tampering.RSA(u.auth.LoginKey, s, other)
		if err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("%s: want an RSA Cryppo string, got %v", what, err), Exchanges: exs}
		}
		envs = append(envs, envelope{what, vs, exs})
	default:
		return scenarioErrorf("no envelope %q of a user (want %s, %s, %s or %s)", which, TamperKEK, TamperDEK, TamperPrivateKeys, TamperSessionToken)
	}
	return w.judge(envs)
}

// lastSessionToken is the encrypted Vault token of u's latest successful
// POST /vault/session or POST /vault/me.
func (w *World) lastSessionToken(u *user) (string, []redact.Exchange) {
	raws := w.raw()
	for i := len(raws) - 1; i >= 0; i-- {
		r := raws[i]
		if r.Actor != u.name || !w.toVault(r) || r.Method != "POST" || r.Status/100 != 2 ||
			!(strings.HasSuffix(r.Path, meeco.VSession) || strings.HasSuffix(r.Path, meeco.VMe)) {
			continue
		}
		var out struct {
			S       string             `json:"encrypted_session_authentication_string"`
			Session meeco.VaultSession `json:"session"`
		}
		if json.Unmarshal(r.Response, &out) != nil {
			continue
		}
		if out.S == "" {
			out.S = out.Session.EncryptedSessionAuthenticationString
		}
		if out.S != "" {
			return out.S, w.exchangeFor(r)
		}
	}
	return "", nil
}
