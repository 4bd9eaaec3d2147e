package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	"github.com/vaultcheck/vaultcheck/internal/srp"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// SRP at the Keystore: usernames, registering a taken one, replayed and
// forged login exchanges, and the wire format of jsrp's group. Every call
// here is one the SDK makes (POST /srp/username, /srp/users,
// /srp/challenges, /srp/session), sent with the login routes' headers.

// srpCall is a call to one of the Keystore's SRP routes.
func srpCall(op, path string, body any) client.Call {
	return client.Call{Op: op, Service: client.Keystore, Method: "POST", Path: path, Headers: client.HLogin, Body: body}
}

// srpLogin runs one SRP login exchange for u's username with the given SRP
// password (POST /srp/challenges, then /srp/session with valid_for when
// given). forge, when set, changes the proof before it is sent. The
// session is returned when the Keystore opened one.
func (w *World) srpLogin(ctx context.Context, u *user, srpPassword []byte, validFor *int64, forge func(string) string) (*meeco.KeystoreSession, []redact.Exchange, error) {
	username := u.auth.Username()
	sc, err := srp.NewClient(username, srpPassword, nil)
	if err != nil {
		return nil, nil, &HarnessError{Msg: "starting an SRP exchange", Err: err}
	}
	a := sc.AHex()
	var ch meeco.SRPChallengeResponse
	_, exs, err := w.call(ctx, u, srpCall("SRP challenge", meeco.KSSRPChallenges, meeco.SRPChallengeRequest{Username: username, SRPA: a}), &ch)
	if err != nil {
		return nil, exs, err
	}
	m1, err := sc.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
	if err != nil {
		return nil, exs, &TargetFailure{Msg: fmt.Sprintf("%s's SRP challenge: want a salt and B the client can use, got %v", u.name, err), Exchanges: exs, Err: err}
	}
	if forge != nil {
		m1 = forge(m1)
	}
	var sess meeco.SRPSessionResponse
	_, exs2, err := w.call(ctx, u, srpCall("SRP session", meeco.KSSRPSession, meeco.SRPSessionRequest{Username: username, SRPA: a, SRPM: m1, ValidFor: validFor}), &sess)
	exs = append(exs, exs2...)
	if err != nil {
		return nil, exs, err
	}
	return &sess.Session, exs, nil
}

// RegisterUsernameAgain registers the user's Keystore username a second
// time, with a verifier made from another password, as a second device or
// an attacker who learnt the username would. The Keystore must refuse it
// (400 username_taken) and keep the first verifier.
func (w *World) RegisterUsernameAgain(ctx context.Context, name, password string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	if password == u.password {
		return scenarioErrorf("the password given for registering %s's username again is %s's own", name, name)
	}
	return w.act(ctx, name+"'s username is registered again", func() error {
		salt, verifier, err := srp.Register(u.auth.Username(), vaultkeys.DeriveSRPPassword(password, u.auth.Secret), nil)
		if err != nil {
			return &HarnessError{Msg: "making an SRP verifier", Err: err}
		}
		_, _, err = w.call(ctx, u, srpCall("register", meeco.KSSRPUsers,
			meeco.SRPUserRequest{Username: u.auth.Username(), SRPSalt: salt, SRPVerifier: verifier}), nil)
		return err
	})
}

// CheckRefusedWithError checks the outcome of the last action as
// CheckRefused does, and that the error body names the given error kind
// (errors[0].error), as the SDK reads username_taken.
func (w *World) CheckRefusedWithError(status int, kind string) error {
	if err := w.CheckRefused(status); err != nil {
		return err
	}
	o := w.last
	var ae *meeco.APIError
	got := "no Meeco error body"
	if errors.As(o.err, &ae) {
		got = fmt.Sprintf("error %q", ae.Kind)
		if string(ae.Kind) == kind {
			return nil
		}
	}
	if n := len(o.exchanges); n > 0 {
		if p := errorShape(statusOf(o.err), []byte(o.exchanges[n-1].Detail().ResponseBody)); p != "" {
			got = "a body with " + p
		}
	}
	return &TargetFailure{Msg: fmt.Sprintf("%s: want error %q in the body of the refusal, got %s", o.what, kind, got), Exchanges: o.exchanges, Err: o.err}
}

// CheckSRPReplayRefused sends the body of the user's last successful
// POST /srp/session again, byte for byte: the same A and proof M1. The
// challenge was spent by the first, so the Keystore must refuse it.
func (w *World) CheckSRPReplayRefused(ctx context.Context, name string, status int) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	var last *redact.Raw
	for _, r := range w.rawOf(u, "POST", meeco.KSSRPSession) {
		if ok2xx(r) && !r.Truncated {
			last = &r
		}
	}
	if last == nil {
		return scenarioErrorf("%s made no successful SRP login in this scenario whose exchange could be replayed", name)
	}
	var sess meeco.SRPSessionResponse
	_, exs, err := w.call(ctx, u, srpCall("SRP session (replayed)", meeco.KSSRPSession, json.RawMessage(last.Request)), &sess)
	if err == nil {
		return &TargetFailure{Msg: fmt.Sprintf("replaying %s's SRP login (the same A and M1 as an exchange already used): want refused with status %d, got a Keystore session", name, status), Exchanges: exs}
	}
	if st := statusOf(err); st != status {
		return &TargetFailure{Msg: fmt.Sprintf("replaying %s's SRP login: want refused with status %d, got %s", name, status, gotOf(err)), Exchanges: exs, Err: err}
	}
	return nil
}

// CheckSRPForgedProofRefused runs an SRP login for the user with her real
// password but one hex digit of the proof M1 changed: the Keystore must
// refuse it.
func (w *World) CheckSRPForgedProofRefused(ctx context.Context, name string, status int) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	forge := func(m1 string) string {
		b := []byte(m1)
		if b[0] == '0' {
			b[0] = '1'
		} else {
			b[0] = '0'
		}
		return string(b)
	}
	_, exs, err := w.srpLogin(ctx, u, vaultkeys.DeriveSRPPassword(u.password, u.auth.Secret), nil, forge)
	if passThrough(err) {
		return err
	}
	if err == nil {
		return &TargetFailure{Msg: fmt.Sprintf("%s's SRP login with a forged proof M1: want refused with status %d, got a Keystore session", name, status), Exchanges: exs}
	}
	if st := statusOf(err); st != status {
		return &TargetFailure{Msg: fmt.Sprintf("%s's SRP login with a forged proof M1: want refused with status %d, got %s", name, status, gotOf(err)), Exchanges: exs[len(exs)-1:], Err: err}
	}
	return nil
}

// CheckSRPUnknownUserRefused logs in as a username nobody registered. The
// Keystore may refuse at the challenge or answer one (so as not to reveal
// which usernames exist) and refuse the proof; either way with status.
func (w *World) CheckSRPUnknownUserRefused(ctx context.Context, status int) error {
	username := "vcNobody" + randomHex(8)
	sc, err := srp.NewClient(username, []byte(newPassword()), nil)
	if err != nil {
		return &HarnessError{Msg: "starting an SRP exchange", Err: err}
	}
	var ch meeco.SRPChallengeResponse
	_, exs, err := w.call(ctx, nil, srpCall("SRP challenge", meeco.KSSRPChallenges, meeco.SRPChallengeRequest{Username: username, SRPA: sc.AHex()}), &ch)
	if err == nil {
		m1, perr := sc.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
		if perr != nil {
			// A challenge the client cannot use is a refusal too, if not
			// the one the SDK can tell from a wrong password.
			return &TargetFailure{Msg: fmt.Sprintf("SRP login as a username nobody registered: want refused with status %d, got a challenge the client cannot use (%v)", status, perr), Exchanges: exs}
		}
		var exs2 []redact.Exchange
		_, exs2, err = w.call(ctx, nil, srpCall("SRP session", meeco.KSSRPSession, meeco.SRPSessionRequest{Username: username, SRPA: sc.AHex(), SRPM: m1}), nil)
		exs = exs2
		if err == nil {
			return &TargetFailure{Msg: "SRP login as a username nobody registered: want refused, got a Keystore session", Exchanges: exs}
		}
	}
	if st := statusOf(err); st != status {
		return &TargetFailure{Msg: fmt.Sprintf("SRP login as a username nobody registered: want refused with status %d, got %s", status, gotOf(err)), Exchanges: exs, Err: err}
	}
	return nil
}

// hex512 is a public value as jsrp sends it: PAD(x) in lowercase hex.
var hex512 = regexp.MustCompile(`^[0-9a-f]{512}$`)

// CheckSRPWireFormat checks every SRP exchange of the user in the
// scenario: A sent and B received as 512 lowercase hex digits (jsrp's
// PAD to the 2048-bit group), and the challenge's salt the one she
// registered with.
func (w *World) CheckSRPWireFormat(name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	var salt string
	for _, r := range w.rawOf(u, "POST", meeco.KSSRPUsers) {
		if ok2xx(r) {
			var req meeco.SRPUserRequest
			if json.Unmarshal(r.Request, &req) == nil {
				salt = req.SRPSalt
			}
			break
		}
	}
	if salt == "" {
		return scenarioErrorf("%s did not register in this scenario, so their SRP salt is not known", name)
	}
	challenges := w.rawOf(u, "POST", meeco.KSSRPChallenges)
	n := 0
	for _, r := range challenges {
		if !ok2xx(r) {
			continue
		}
		n++
		var req meeco.SRPChallengeRequest
		var resp meeco.SRPChallengeResponse
		if json.Unmarshal(r.Request, &req) != nil || json.Unmarshal(r.Response, &resp) != nil {
			return &TargetFailure{Msg: fmt.Sprintf("%s's SRP challenge: want JSON bodies, got ones that do not decode", name), Exchanges: w.exchangeFor(r)}
		}
		if err := verify(w.exchangeFor(r), func(g gomega.Gomega) {
			g.Expect(hex512.MatchString(req.SRPA)).To(gomega.BeTrue(), "%s's SRP challenge: want srp_a sent as 512 lowercase hex digits, got %d characters", name, len(req.SRPA))
			b := resp.Challenge.ChallengeB
			g.Expect(hex512.MatchString(b)).To(gomega.BeTrue(), "%s's SRP challenge: want challenge_b as 512 lowercase hex digits (PAD(B) in the 2048-bit group), got %s", name, hexShape(b))
			g.Expect(resp.Challenge.ChallengeSalt).To(gomega.Equal(salt), "%s's SRP challenge: want the salt she registered (%d hex digits), got another (%d hex digits)", name, len(salt), len(resp.Challenge.ChallengeSalt))
		}); err != nil {
			return err
		}
	}
	if n == 0 {
		return scenarioErrorf("%s ran no SRP challenge in this scenario", name)
	}
	return nil
}

// hexShape describes a string that should be hex without showing it.
func hexShape(s string) string {
	if _, err := hex.DecodeString(s); err != nil {
		return fmt.Sprintf("%d characters that are not all hex digits", len(s))
	}
	if s != toLowerASCII(s) {
		return fmt.Sprintf("%d hex digits, some upper case", len(s))
	}
	return fmt.Sprintf("%d hex digits", len(s))
}

func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// CheckSRPZeroARefused sends POST /srp/challenges for the user with A = 0
// and A = N: a server that accepts A ≡ 0 (mod N) computes S = 0 and lets
// anyone log in without the password (SRP-6a's one check on A).
func (w *World) CheckSRPZeroARefused(ctx context.Context, name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	zero := make([]byte, srp.PadLen)
	for _, v := range []struct {
		what string
		a    []byte
	}{{"A = 0", zero}, {"A = N", srp.N().FillBytes(make([]byte, srp.PadLen))}} {
		_, exs, err := w.call(ctx, u, srpCall("SRP challenge", meeco.KSSRPChallenges,
			meeco.SRPChallengeRequest{Username: u.auth.Username(), SRPA: hex.EncodeToString(v.a)}), nil)
		if st := statusOf(err); err == nil || st < 400 || st > 499 {
			return &TargetFailure{Msg: fmt.Sprintf("SRP challenge for %s with %s: want refused (4xx), got %s", name, v.what, gotOf(err)), Exchanges: exs, Err: err}
		}
	}
	return nil
}

// CheckFreshUsernames asks the Keystore for two usernames: each must be
// new (no user of the scenario holds it, the two differ) and free, so
// that registering it succeeds where a taken one answers username_taken.
func (w *World) CheckFreshUsernames(ctx context.Context) error {
	seen := map[string]bool{}
	for _, u := range w.users {
		seen[u.auth.Username()] = true
	}
	for i := range 2 {
		var out meeco.SRPUsernameResponse
		_, exs, err := w.call(ctx, nil, srpCall("generate username", meeco.KSSRPUsername, meeco.SRPUsernameRequest{}), &out)
		if err != nil {
			return w.fail("asking the Keystore for a username", err)
		}
		if err := verify(exs, func(g gomega.Gomega) {
			g.Expect(out.Username).NotTo(gomega.BeEmpty(), "POST /srp/username: want a username, got none")
			g.Expect(seen[out.Username]).To(gomega.BeFalse(), "POST /srp/username (%d of 2): want a username nobody holds, got %s, which is taken", i+1, out.Username)
		}); err != nil {
			return err
		}
		seen[out.Username] = true
		salt, verifier, err := srp.Register(out.Username, []byte(newPassword()), nil)
		if err != nil {
			return &HarnessError{Msg: "making an SRP verifier", Err: err}
		}
		_, exs, err = w.call(ctx, nil, srpCall("register", meeco.KSSRPUsers, meeco.SRPUserRequest{Username: out.Username, SRPSalt: salt, SRPVerifier: verifier}), nil)
		if err != nil {
			return &TargetFailure{Msg: fmt.Sprintf("registering the username POST /srp/username handed out: want it free, got %s", gotOf(err)), Exchanges: exs, Err: err}
		}
	}
	return nil
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("steps: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}
