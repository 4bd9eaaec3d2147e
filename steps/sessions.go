package steps

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// Sessions of both services: tokens that end with their valid_for, that
// work at their own service only, and the Vault token sealed to the login
// key. Time-based checks use the protocol's own knob (valid_for) and wait
// on the target's answer, never on a clock of the fake.

// maxWait bounds every wait of a step for a time-based rule.
const maxWait = 3 * time.Second

// OpenShortSessions opens a Keystore session (SRP login with valid_for)
// and a Vault session (POST /session with valid_for) for the user, each
// valid for the given number of seconds, beside her current ones.
func (w *World) OpenShortSessions(ctx context.Context, name string, seconds int) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	if seconds < 1 || time.Duration(seconds)*time.Second >= maxWait {
		return scenarioErrorf("sessions valid for %d seconds: want at least 1 and less than the %v a step may wait for their end", seconds, maxWait)
	}
	vf := int64(seconds)
	return w.act(ctx, fmt.Sprintf("%s opens sessions valid for %d s", name, seconds), func() error {
		short := *u.auth
		opened := time.Now()
		sess, _, err := w.srpLogin(ctx, u, vaultkeys.DeriveSRPPassword(u.password, u.auth.Secret), &vf, nil)
		if err != nil {
			return err
		}
		short.KeystoreToken = client.NewToken(sess.SessionAuthenticationString)
		var out meeco.VaultSessionResponse
		if _, _, err := w.call(ctx, u, client.Call{Op: "open vault session", Method: "POST", Path: meeco.VSession, Headers: client.HLogin,
			Body: meeco.VaultSessionRequest{PublicKey: u.auth.LoginPublicKey, ValidFor: &vf}}, &out); err != nil {
			return err
		}
		tok, err := cryppo.DecryptRSA(u.auth.LoginKey, out.Session.EncryptedSessionAuthenticationString)
		if err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("%s's Vault session of %d s: want a token that opens with their login key, got %v", name, seconds, err), Exchanges: w.lastExchange()}
		}
		w.ledger.DecryptRSA(name, "vault session token (valid for "+fmt.Sprint(seconds)+" s)", u.auth.LoginKey, "keypair auth", out.Session.EncryptedSessionAuthenticationString, tok)
		short.VaultToken = client.NewToken(string(tok))
		u.short = &short
		st := w.identity()
		st.shortOpened[u], st.shortFor[u] = opened, time.Duration(seconds)*time.Second
		return w.checkValidTill(u, sess, seconds)
	})
}

// checkValidTill checks the Keystore's account of a session opened with
// valid_for: valid_till is valid_from plus valid_for, by the Keystore's
// own clock (so that no clock skew matters).
func (w *World) checkValidTill(u *user, sess *meeco.KeystoreSession, seconds int) error {
	exs := w.lastOf(meeco.KSSRPSession)
	from, err1 := meeco.ParseTime(sess.ValidFrom)
	till, err2 := meeco.ParseTime(sess.ValidTill)
	if err1 != nil || err2 != nil {
		return &TargetFailure{Msg: fmt.Sprintf("%s's Keystore session: want valid_from and valid_till as ISO-8601 times, got %q and %q", u.name, sess.ValidFrom, sess.ValidTill), Exchanges: exs}
	}
	want := time.Duration(seconds) * time.Second
	if d := till.Sub(from); d < want-time.Second || d > want+time.Second {
		return &TargetFailure{Msg: fmt.Sprintf("%s's Keystore session with valid_for %d: want valid_till %v after valid_from, got %v", u.name, seconds, want, d), Exchanges: exs}
	}
	return nil
}

// lastOf is the latest redacted exchange of the current step whose path
// ends with suffix.
func (w *World) lastOf(suffix string) []redact.Exchange {
	exs := w.log.Since(w.stepMark)
	for i := len(exs) - 1; i >= 0; i-- {
		if strings.HasSuffix(exs[i].Path, suffix) {
			return exs[i : i+1]
		}
	}
	return nil
}

// probeSessions reads the user's profile (Vault) and KEK (Keystore) with
// the tokens of auth and returns each call's outcome.
func (w *World) probeSessions(ctx context.Context, auth *client.AuthData) (vault, keystore probe) {
	_, vault.exs, vault.err = w.callAs(ctx, auth, client.Call{Op: "get user", Method: "GET", Path: meeco.VMe}, nil)
	_, keystore.exs, keystore.err = w.callAs(ctx, auth, client.Call{Op: "get key encryption key", Service: client.Keystore,
		Method: "GET", Path: meeco.KSKeyEncryptionKey, Headers: client.HKEK}, nil)
	return vault, keystore
}

// probe is the outcome of one request of a check.
type probe struct {
	err error
	exs []redact.Exchange
}

func (w *World) shortOf(name string) (*user, error) {
	u, err := w.user(name)
	if err != nil {
		return nil, err
	}
	if u.short == nil {
		return nil, scenarioErrorf("%s opened no short sessions in this scenario", name)
	}
	return u, nil
}

// CheckShortSessionsWork checks that the user's short sessions work at
// once: the Vault token reads her profile, the Keystore token her KEK.
func (w *World) CheckShortSessionsWork(ctx context.Context, name string) error {
	u, err := w.shortOf(name)
	if err != nil {
		return err
	}
	v, k := w.probeSessions(ctx, u.short)
	for _, p := range []struct {
		what string
		probe
	}{{"the Vault", v}, {"the Keystore", k}} {
		if p.err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("%s's session at %s, %v after it was opened for %v: want it to work, got %s",
				name, p.what, time.Since(w.identity().shortOpened[u]).Round(time.Millisecond), w.identity().shortFor[u], gotOf(p.err)), Exchanges: p.exs, Err: p.err}
		}
	}
	return nil
}

// CheckShortSessionsEnd waits, up to the given number of seconds, for both
// of the user's short sessions to be refused with status.
func (w *World) CheckShortSessionsEnd(ctx context.Context, name string, status, within int) error {
	u, err := w.shortOf(name)
	if err != nil {
		return err
	}
	st := w.identity()
	wait := time.Duration(within) * time.Second
	if wait > maxWait {
		return scenarioErrorf("a step waits at most %v, not %d seconds", maxWait, within)
	}
	if wait <= st.shortFor[u] {
		return scenarioErrorf("sessions valid for %v cannot be seen to end within %v", st.shortFor[u], wait)
	}
	deadline := time.Now().Add(wait)
	ended := map[string]bool{}
	var last map[string]probe
	for {
		v, k := w.probeSessions(ctx, u.short)
		last = map[string]probe{"Vault": v, "Keystore": k}
		for svc, p := range last {
			if statusOf(p.err) == status {
				ended[svc] = true
			}
		}
		if ended["Vault"] && ended["Keystore"] {
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctxErr(ctx)
		case <-time.After(100 * time.Millisecond):
		}
	}
	for _, svc := range []string{"Vault", "Keystore"} {
		if !ended[svc] {
			p := last[svc]
			return &TargetFailure{Msg: fmt.Sprintf("%s's %s session with valid_for %v: want refused with status %d within %v, got %s %v after it was opened",
				name, svc, st.shortFor[u], status, wait, gotOf(p.err), time.Since(st.shortOpened[u]).Round(100*time.Millisecond)), Exchanges: p.exs, Err: p.err}
		}
	}
	return nil
}

// CheckTokensScoped checks that the user's Vault token works at the Vault
// and is refused (401) by the Keystore, and the other way round.
func (w *World) CheckTokensScoped(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	v, k := w.probeSessions(ctx, u.auth)
	if v.err != nil {
		return w.fail(name+" reads their profile with their Vault token", v.err)
	}
	if k.err != nil {
		return w.fail(name+" reads their key encryption key with their Keystore token", k.err)
	}
	swapped := *u.auth
	swapped.VaultToken, swapped.KeystoreToken = u.auth.KeystoreToken, u.auth.VaultToken
	v, k = w.probeSessions(ctx, &swapped)
	for _, p := range []struct {
		what string
		probe
	}{{"the Vault given " + name + "'s Keystore token", v}, {"the Keystore given " + name + "'s Vault token", k}} {
		if statusOf(p.err) != 401 {
			return &TargetFailure{Msg: fmt.Sprintf("%s: want refused with status 401, got %s", p.what, gotOf(p.err)), Exchanges: p.exs, Err: p.err}
		}
	}
	return nil
}

// CheckVaultTokensSealed checks every Vault session token the user
// received in the scenario (POST /me, POST /session): a canonical Rsa4096
// string with the empty artifacts, that opens with her login key by
// RSA-OAEP with SHA-1 (node-forge's), not with SHA-256, with no other
// private key of the scenario, and whose token never travelled in clear.
func (w *World) CheckVaultTokensSealed(ctx context.Context, name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	others, err := w.privateKeys(ctx)
	if err != nil {
		return err
	}
	type sealed struct {
		s   string
		raw redact.Raw
	}
	var tokens []sealed
	for _, r := range append(w.rawOf(u, "POST", meeco.VMe), w.rawOf(u, "POST", meeco.VSession)...) {
		if !ok2xx(r) || !w.toVault(r) {
			continue
		}
		var me meeco.CreateMeResponse
		var sess meeco.VaultSessionResponse
		s := ""
		if strings.HasSuffix(r.Path, meeco.VMe) && json.Unmarshal(r.Response, &me) == nil {
			s = me.EncryptedSessionAuthenticationString
		} else if json.Unmarshal(r.Response, &sess) == nil {
			s = sess.Session.EncryptedSessionAuthenticationString
		}
		tokens = append(tokens, sealed{s, r})
	}
	if len(tokens) == 0 {
		return scenarioErrorf("%s received no Vault session token in this scenario", name)
	}
	for _, t := range tokens {
		what := fmt.Sprintf("%s's Vault token from %s %s", name, t.raw.Method, redact.Path(t.raw.Path))
		if err := verify(w.exchangeFor(t.raw), func(g gomega.Gomega) {
			p := meecoRSA.problem(t.s)
			g.Expect(p).To(gomega.BeEmpty(), "%s: want %s, got %s", what, meecoRSA, p)
			tok, err := cryppo.DecryptRSA(u.registered.LoginKey, t.s)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want it to open with their login key %s by RSA-OAEP with SHA-1, got %v", what, u.registered.LoginKey.Fingerprint(), err)
			w.ledger.DecryptRSA(name, "vault session token (as received)", u.registered.LoginKey, "keypair auth", t.s, tok)
			e, _ := cryppo.Parse(t.s)
			_, err = rsa.DecryptOAEP(sha256.New(), nil, u.registered.LoginKey.RSA(), e.Ciphertext, nil)
			g.Expect(err).To(gomega.HaveOccurred(), "%s: want RSA-OAEP with SHA-1 only, got a wrap that also opens with SHA-256", what)
			for _, o := range others {
				if o.priv.Public().Equal(u.registered.LoginKey.Public()) {
					continue
				}
				w.refuseRSA(g, name, what, o.priv, o.name, t.s)
			}
			for _, r := range w.raw() {
				g.Expect(strings.Contains(string(r.Response), string(tok))).To(gomega.BeFalse(),
					"%s: want the token never in clear, got it in the body of %s %s", what, r.Method, redact.Path(r.Path))
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// CheckUnknownKeySessionRefused asks the Vault for a session for a public
// key nobody registered: the user's login key with one base64 digit of
// its modulus changed, so that it shares its first lines with every
// RSA-4096 key. The Vault must find users by the whole key and refuse.
func (w *World) CheckUnknownKeySessionRefused(ctx context.Context, name string, status int) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	pub, err := cryppo.ParsePublicKeyPEM(u.registered.LoginPublicKey)
	if err != nil {
		return &TargetFailure{Msg: fmt.Sprintf("%s's login public key as their Keystore returned it: want an RSA public key PEM, got %v", name, err)}
	}
	other, err := alterPEM(pub)
	if err != nil {
		return &HarnessError{Msg: "making a public key nobody registered", Err: err}
	}
	var out meeco.VaultSessionResponse
	_, exs, err := w.call(ctx, nil, client.Call{Op: "open vault session", Method: "POST", Path: meeco.VSession, Headers: client.HLogin,
		Body: meeco.VaultSessionRequest{PublicKey: other}}, &out)
	if err == nil {
		return &TargetFailure{Msg: fmt.Sprintf("a Vault session for a public key nobody registered (%s, which starts like %s's): want refused with status %d, got a session", pemFingerprint(other), name, status), Exchanges: exs}
	}
	if st := statusOf(err); st != status {
		return &TargetFailure{Msg: fmt.Sprintf("a Vault session for a public key nobody registered: want refused with status %d, got %s", status, gotOf(err)), Exchanges: exs, Err: err}
	}
	return nil
}

// alterPEM changes one base64 digit in the middle of the modulus of a
// public key's PEM, as node-forge writes it, and returns the PEM of that
// other key.
func alterPEM(orig *cryppo.PublicKey) (string, error) {
	lines := strings.Split(orig.PEM(), "\r\n")
	if len(lines) < 6 {
		return "", fmt.Errorf("a PEM of %d lines is too short", len(lines))
	}
	for _, li := range []int{len(lines) / 2, len(lines)/2 + 1, 3} {
		for _, pos := range []int{20, 30, 40} {
			l := []byte(lines[li])
			if pos >= len(l) {
				continue
			}
			if l[pos] == 'A' {
				l[pos] = 'B'
			} else {
				l[pos] = 'A'
			}
			cp := append([]string(nil), lines...)
			cp[li] = string(l)
			out := strings.Join(cp, "\r\n")
			if pub, err := cryppo.ParsePublicKeyPEM(out); err == nil && !pub.Equal(orig) {
				return out, nil
			}
		}
	}
	return "", fmt.Errorf("no single-digit change of the key parses as another key")
}

// CheckProfileRefusedWith reads the user's Vault profile with a bad
// token; the Vault must refuse with the given status.
func (w *World) CheckProfileRefusedWith(ctx context.Context, owner string, k TokenKind, status int) error {
	u, err := w.user(owner)
	if err != nil {
		return err
	}
	c := client.Call{Op: "get user", Method: "GET", Path: meeco.VMe}
	return w.checkRefusedWith(ctx, u, c, k, client.HFull, status, fmt.Sprintf("reading %s's profile", owner))
}
