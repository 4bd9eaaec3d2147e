package steps

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// Users: registration, login and logout, and the checks of the key
// hierarchy a registration leaves in the Keystore and the Vault.

// newPassword makes a password for a user the scenario does not give one:
// random, so that no two scenarios (or runs) share it.
func newPassword() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic("steps: crypto/rand failed: " + err.Error())
	}
	return "vc-" + base64.RawURLEncoding.EncodeToString(b)
}

// RegisterUser signs a user up as the CLI's users:create does (a username
// from the Keystore, a fresh secret, the SDK's registration flow) with the
// given password; an empty password means a random one.
func (w *World) RegisterUser(ctx context.Context, name, password string) error {
	if !nameRe.MatchString(name) {
		return scenarioErrorf("%q is not a display name: one capitalized word of ASCII letters and digits", name)
	}
	if w.users[name] != nil {
		return scenarioErrorf("%s is registered twice in this scenario", name)
	}
	if password == "" {
		password = newPassword()
	}
	return w.act(ctx, name+" registers", func() error {
		auth, err := w.client.Signup(ctx, name, password)
		if err != nil {
			return err
		}
		w.users[name] = &user{name: name, password: password, auth: auth, registered: auth}
		return nil
	})
}

// RegisterUsers registers each named user with a random password.
func (w *World) RegisterUsers(ctx context.Context, names []string) error {
	for _, n := range names {
		if err := w.RegisterUser(ctx, n, ""); err != nil {
			return err
		}
	}
	return nil
}

// Login logs a registered user in again (the SDK's getAuthData) with her
// password and secret; the new session replaces the old one.
func (w *World) Login(ctx context.Context, name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	return w.act(ctx, name+" logs in", func() error {
		auth, err := w.client.Login(ctx, name, u.password, u.auth.Secret)
		if err != nil {
			return err
		}
		u.auth, u.loggedOut = auth, nil
		return nil
	})
}

// LoginWithPassword tries to log a registered user in with a password that
// is not hers; the Keystore must refuse the SRP proof.
func (w *World) LoginWithPassword(ctx context.Context, name, password string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	if password == u.password {
		return scenarioErrorf("the wrong password given for %s is %s's password", name, name)
	}
	// The Keystore must refuse the proof: that is the exchange to show
	// when it does not, not the Vault requests that follow it.
	srpSession := func(ex redact.Exchange) bool { return strings.HasSuffix(ex.Path, meeco.KSSRPSession) }
	return w.actJudged(ctx, name+" logs in with a wrong password", srpSession, func() error {
		_, err := w.client.Login(ctx, name, password, u.auth.Secret)
		return err
	})
}

// Logout ends the user's sessions with both services. The ended session's
// tokens are kept for "her old token" checks.
func (w *World) Logout(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	return w.act(ctx, name+" logs out", func() error {
		if err := w.client.Logout(ctx, u.auth); err != nil {
			return err
		}
		u.loggedOut = u.auth
		return nil
	})
}

// call makes one raw request as u (its tokens, unless c.Token overrides
// them) and decodes a 2xx JSON body into out. It returns the exchanges it
// made.
func (w *World) call(ctx context.Context, u *user, c client.Call, out any) (*client.Response, []redact.Exchange, error) {
	var auth *client.AuthData
	if u != nil {
		auth = u.auth
	}
	mark := w.log.Len()
	resp, err := w.client.Do(ctx, auth, c, out)
	return resp, w.log.Since(mark), err
}

// getKEK reads u's wrapped KEK from the Keystore.
func (w *World) getKEK(ctx context.Context, u *user) (string, []redact.Exchange, error) {
	var out meeco.KeyEncryptionKeyResponse
	_, exs, err := w.call(ctx, u, client.Call{Op: "get key encryption key", Service: client.Keystore, Method: "GET",
		Path: meeco.KSKeyEncryptionKey, Headers: client.HKEK}, &out)
	if err != nil {
		return "", exs, w.fail(u.name+" reads the key encryption key", err)
	}
	return out.KeyEncryptionKey.SerializedKeyEncryptionKey, exs, nil
}

// getDEK reads u's Vault profile for the DEK id and the wrapped DEK from
// the Keystore.
func (w *World) getDEK(ctx context.Context, u *user) (id, wrapped string, exs []redact.Exchange, err error) {
	var me meeco.MeResponse
	_, exs, err = w.call(ctx, u, client.Call{Op: "get user", Method: "GET", Path: meeco.VMe}, &me)
	if err != nil {
		return "", "", exs, w.fail(u.name+" reads the Vault profile", err)
	}
	if me.User.PrivateDEKExternalID == nil || *me.User.PrivateDEKExternalID == "" {
		return "", "", exs, &TargetFailure{Msg: fmt.Sprintf("%s's Vault profile: want a private_dek_external_id, got none", u.name), Exchanges: exs}
	}
	id = *me.User.PrivateDEKExternalID
	var dek meeco.DataEncryptionKeyResponse
	_, exs2, err := w.call(ctx, u, client.Call{Op: "get data encryption key", Service: client.Keystore, Method: "GET",
		Path: client.Path(meeco.KSDataEncryptionKey, id)}, &dek)
	exs = append(exs, exs2...)
	if err != nil {
		return "", "", exs, w.fail(u.name+" reads the data encryption key", err)
	}
	return id, dek.DataEncryptionKey.SerializedDataEncryptionKey, exs, nil
}

// getKeypair reads a keypair from u's Keystore, by id or (byExternal) by
// external id.
func (w *World) getKeypair(ctx context.Context, u *user, id string, byExternal bool) (*meeco.Keypair, []redact.Exchange, error) {
	path := client.Path(meeco.KSKeypair, id)
	if byExternal {
		path = client.Path(meeco.KSKeypairByExternalID, id)
	}
	var out meeco.KeypairResponse
	_, exs, err := w.call(ctx, u, client.Call{Op: "get keypair", Service: client.Keystore, Method: "GET", Path: path}, &out)
	if err != nil {
		return nil, exs, w.fail(fmt.Sprintf("%s reads keypair %s from the Keystore", u.name, id), err)
	}
	return &out.Keypair, exs, nil
}

var secretRe = regexp.MustCompile(`^1\.([^.]+)\.([1-9A-HJ-NP-Za-km-z]{6}(?:-[1-9A-HJ-NP-Za-km-z]{6})*(?:-[1-9A-HJ-NP-Za-km-z]{1,5})?)$`)

// CheckSecretWellFormed checks the user's secret: "1.<username>.<base58
// of 32 bytes in dash-separated groups of six>", and that neither the
// secret nor its key ever went over the wire.
func (w *World) CheckSecretWellFormed(name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	s := u.auth.Secret.Reveal()
	return verify(nil, func(g gomega.Gomega) {
		m := secretRe.FindStringSubmatch(s)
		g.Expect(m).NotTo(gomega.BeNil(), "%s's secret: want 1.<username>.<base58 in groups of 6>, got %s", name, secretShape(s))
		g.Expect(m[1]).To(gomega.Equal(u.auth.Username()), "%s's secret: want the username the Keystore issued, got another", name)
		parsed, err := vaultkeys.ParseSecret(s)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's secret: want it to parse, got %v", name, err)
		raw, err := parsed.KeyBytes()
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's secret key: want base58 of %d bytes, got %v", name, vaultkeys.SecretKeySize, err)
		g.Expect(raw).To(gomega.HaveLen(vaultkeys.SecretKeySize), "%s's secret key: want %d bytes, got %d", name, vaultkeys.SecretKeySize, len(raw))
		key := strings.ReplaceAll(m[2], "-", "")
		for _, form := range []string{s, m[2], key} {
			g.Expect(w.sentBytes([]byte(form))).To(gomega.BeFalse(), "%s's secret: want it never sent, got it in a request body", name)
		}
	})
}

// secretShape describes a malformed secret without showing it.
func secretShape(s string) string {
	parts := strings.Split(s, ".")
	return fmt.Sprintf("a string of %d characters in %d dot-separated parts", len(s), len(parts))
}

// sentBytes reports whether any request body of the scenario contains b.
func (w *World) sentBytes(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, r := range w.raw() {
		if strings.Contains(string(r.Request), string(b)) {
			return true
		}
	}
	return false
}

// keyForms are the ways a raw key could travel in a JSON body.
func keyForms(k []byte) [][]byte {
	return [][]byte{
		[]byte(base64.StdEncoding.EncodeToString(k)),
		[]byte(base64.URLEncoding.EncodeToString(k)),
		[]byte(base64.RawStdEncoding.EncodeToString(k)),
		[]byte(base64.RawURLEncoding.EncodeToString(k)),
		[]byte(fmt.Sprintf("%x", k)),
	}
}

// keyNeverSent checks that a raw key left the client only wrapped.
func (w *World) keyNeverSent(g gomega.Gomega, what string, k cryppo.SymmetricKey) {
	for _, f := range keyForms(k.Bytes()) {
		g.Expect(w.sentBytes(f)).To(gomega.BeFalse(), "%s %s: want it sent only wrapped, got it unwrapped in a request body", what, k.Fingerprint())
	}
}

// CheckKEKStored checks that the Keystore holds the user's KEK as a
// canonical Aes256Gcm string that opens with the passphrase-derived key
// (derived here again from password and secret) to the KEK the client
// registered, and that no raw KEK or PDK was ever sent.
func (w *World) CheckKEKStored(ctx context.Context, name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	wrapped, exs, err := w.getKEK(ctx, u)
	if err != nil {
		return err
	}
	pdk, err := vaultkeys.PDK(u.password, u.auth.Secret)
	if err != nil {
		return &HarnessError{Msg: "deriving the passphrase-derived key", Err: err}
	}
	if !pdk.Equal(u.registered.PDK) {
		return &HarnessError{Msg: fmt.Sprintf("the client's passphrase-derived key of %s (%s) differs from the derivation (%s)", name, u.registered.PDK.Fingerprint(), pdk.Fingerprint())}
	}
	return verify(exs, func(g gomega.Gomega) {
		p := meecoAES.problem(wrapped)
		g.Expect(p).To(gomega.BeEmpty(), "%s's serialized_key_encryption_key: want %s, got %s", name, meecoAES, p)
		kek, err := cryppo.DecryptAES(pdk, wrapped)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's key encryption key: want it to open with %s's passphrase-derived key %s, got %v", name, name, pdk.Fingerprint(), err)
		w.ledger.UnwrapKey(name, "KEK (as stored)", pdk, "PDK", wrapped, kek)
		g.Expect(kek).To(gomega.HaveLen(cryppo.SymmetricKeySize), "%s's key encryption key: want %d bytes, got %d", name, cryppo.SymmetricKeySize, len(kek))
		g.Expect(cryppo.Fingerprint(kek)).To(gomega.Equal(u.registered.KEK.Fingerprint()), "%s's key encryption key: want the one she registered (%s), got %s", name, u.registered.KEK.Fingerprint(), cryppo.Fingerprint(kek))
		w.keyNeverSent(g, name+"'s key encryption key", u.registered.KEK)
		w.keyNeverSent(g, name+"'s passphrase-derived key", pdk)
	})
}

// CheckDEKStored checks that the Vault profile names the user's DEK and
// the Keystore holds it as a canonical Aes256Gcm string that opens with
// the KEK to the DEK the client registered.
func (w *World) CheckDEKStored(ctx context.Context, name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	id, wrapped, exs, err := w.getDEK(ctx, u)
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(id).To(gomega.Equal(u.registered.DEKID), "%s's private_dek_external_id: want %s (the DEK she stored), got %s", name, u.registered.DEKID, id)
		p := meecoAES.problem(wrapped)
		g.Expect(p).To(gomega.BeEmpty(), "%s's serialized_data_encryption_key: want %s, got %s", name, meecoAES, p)
		dek, err := cryppo.DecryptAES(u.auth.KEK, wrapped)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's data encryption key: want it to open with %s's KEK %s, got %v", name, name, u.auth.KEK.Fingerprint(), err)
		w.ledger.UnwrapKey(name, "DEK (as stored)", u.auth.KEK, "KEK", wrapped, dek)
		g.Expect(dek).To(gomega.HaveLen(cryppo.SymmetricKeySize), "%s's data encryption key: want %d bytes, got %d", name, cryppo.SymmetricKeySize, len(dek))
		g.Expect(cryppo.Fingerprint(dek)).To(gomega.Equal(u.registered.DEK.Fingerprint()), "%s's data encryption key: want the one she registered (%s), got %s", name, u.registered.DEK.Fingerprint(), cryppo.Fingerprint(dek))
		w.keyNeverSent(g, name+"'s data encryption key", u.registered.DEK)
	})
}

// CheckLoginKeypair checks the Keystore's "auth" keypair of the user: an
// RSA key of the given size and public exponent, the public key exactly as
// registered at the Vault, tagged with the external id "auth".
func (w *World) CheckLoginKeypair(ctx context.Context, name string, bits, exponent int) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	kp, exs, err := w.getKeypair(ctx, u, meeco.KeypairAuthExternalID, true)
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		pub, err := cryppo.ParsePublicKeyPEM(kp.PublicKey)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "%s's login public key: want an RSA public key PEM, got %v", name, err)
		g.Expect(pub.Bits()).To(gomega.Equal(bits), "%s's login keypair: want RSA-%d, got RSA-%d", name, bits, pub.Bits())
		g.Expect(pub.Exponent()).To(gomega.Equal(exponent), "%s's login keypair: want public exponent %d, got %d", name, exponent, pub.Exponent())
		g.Expect(pub.Fingerprint()).To(gomega.Equal(u.registered.LoginKey.Fingerprint()), "%s's login keypair: want the key she registered (%s), got %s", name, u.registered.LoginKey.Fingerprint(), pub.Fingerprint())
		g.Expect(kp.PublicKey).To(gomega.Equal(u.registered.LoginPublicKey), "%s's login public key: want the PEM exactly as registered at the Vault, got a different string for the same key", name)
		g.Expect(kp.ExternalIdentifiers).To(gomega.ContainElement(meeco.KeypairAuthExternalID), "%s's login keypair: want external identifier %q, got %q", name, meeco.KeypairAuthExternalID, kp.ExternalIdentifiers)
	})
}

// CheckLoginKeypairStored checks that the login keypair's private key is
// stored as a canonical Aes256Gcm string that opens with the user's KEK to
// the PKCS#1 PEM node-forge writes, matching the public key.
func (w *World) CheckLoginKeypairStored(ctx context.Context, name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	kp, exs, err := w.getKeypair(ctx, u, meeco.KeypairAuthExternalID, true)
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		w.checkStoredKeypair(g, u, kp, name+"'s login keypair")
		got := w.keypairs[keypairKey{u, kp.ID}].priv.Fingerprint()
		g.Expect(got).To(gomega.Equal(u.registered.LoginKey.Fingerprint()),
			"%s's login keypair: want the private key she registered (%s), got %s", name, u.registered.LoginKey.Fingerprint(), got)
	})
}

// checkStoredKeypair checks a Keystore keypair record of u: the private
// key wrapped as canonical Aes256Gcm under u's KEK, its PEM as node-forge
// writes it, and the pair consistent. The unwrapped key is kept.
func (w *World) checkStoredKeypair(g gomega.Gomega, u *user, kp *meeco.Keypair, what string) {
	p := meecoAES.problem(kp.EncryptedSerializedKey)
	g.Expect(p).To(gomega.BeEmpty(), "%s: encrypted_serialized_key: want %s, got %s", what, meecoAES, p)
	pemText, err := cryppo.DecryptAES(u.auth.KEK, kp.EncryptedSerializedKey)
	g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want the private key to open with %s's KEK %s, got %v", what, u.name, u.auth.KEK.Fingerprint(), err)
	p = pemProblem(string(pemText), "RSA PRIVATE KEY")
	g.Expect(p).To(gomega.BeEmpty(), "%s: private key: want PKCS#1 PEM as node-forge writes it, got %s", what, p)
	priv, err := cryppo.ParsePrivateKeyPEM(string(pemText))
	g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: private key: want a PKCS#1 RSA key, got %v", what, err)
	// The PEM is a private key: compared here, never given to a matcher.
	g.Expect(priv.PEM() == string(pemText)).To(gomega.BeTrue(), "%s: private key: want the PEM node-forge writes for it, got other text", what)
	w.ledger.UnwrapPrivateKey(u.name, "private key of keypair "+kp.ID, u.auth.KEK, "KEK", kp.EncryptedSerializedKey, priv)
	pub, err := cryppo.ParsePublicKeyPEM(kp.PublicKey)
	g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: public_key: want an RSA public key PEM, got %v", what, err)
	g.Expect(priv.Public().Fingerprint()).To(gomega.Equal(pub.Fingerprint()), "%s: want the private key to match public_key %s, got the private key of %s", what, pub.Fingerprint(), priv.Fingerprint())
	w.keypairs[keypairKey{u, kp.ID}] = &keypairInfo{owner: u, id: kp.ID, priv: priv, pub: kp.PublicKey}
}

// pemProblem says how s differs from a PEM block of type typ as node-forge
// writes it: the BEGIN line, 64-character base64 lines, a shorter last
// line, the END line, every line ended by CRLF. "" when it matches.
func pemProblem(s, typ string) string {
	if !strings.HasSuffix(s, "\r\n") {
		return "text that does not end with CRLF"
	}
	if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		return "line ends other than CRLF"
	}
	lines := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	if len(lines) < 3 {
		return fmt.Sprintf("%d lines", len(lines))
	}
	if lines[0] != "-----BEGIN "+typ+"-----" {
		return "another BEGIN line (want -----BEGIN " + typ + "-----)"
	}
	if lines[len(lines)-1] != "-----END "+typ+"-----" {
		return "another END line (want -----END " + typ + "-----)"
	}
	body := lines[1 : len(lines)-1]
	for i, l := range body {
		if strings.Trim(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != "" {
			return fmt.Sprintf("line %d is not standard base64", i+2)
		}
		if i < len(body)-1 && len(l) != 64 {
			return fmt.Sprintf("line %d has %d characters, want 64", i+2, len(l))
		}
		if i == len(body)-1 && (len(l) == 0 || len(l) > 64) {
			return fmt.Sprintf("last base64 line has %d characters, want 1 to 64", len(l))
		}
	}
	return ""
}

// CheckPublicKeysPEM checks every public key the named users sent in any
// request of the scenario: SPKI PEM exactly as node-forge (and cryppo's PEM
// writer) writes it.
func (w *World) CheckPublicKeysPEM(names []string) error {
	for _, n := range names {
		if _, err := w.user(n); err != nil {
			return err
		}
	}
	return verify(nil, func(g gomega.Gomega) {
		for _, n := range names {
			seen := 0
			for _, r := range w.raw() {
				if r.Actor != n || len(r.Request) == 0 {
					continue
				}
				for _, pk := range jsonStrings(r.Request, func(k string) bool { return k == "public_key" }) {
					seen++
					where := fmt.Sprintf("public key %s sent in %s %s", n, r.Method, redact.Path(r.Path))
					p := pemProblem(pk, "PUBLIC KEY")
					g.Expect(p).To(gomega.BeEmpty(), "%s: want SPKI PEM as node-forge writes it, got %s", where, p)
					pub, err := cryppo.ParsePublicKeyPEM(pk)
					g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want an RSA public key, got %v", where, err)
					g.Expect(pk).To(gomega.Equal(pub.PEM()), "%s: want the PEM node-forge writes for %s, got other text", where, pub.Fingerprint())
				}
			}
			g.Expect(seen).To(gomega.BeNumerically(">", 0), "%s: want public keys sent in this scenario, got none", n)
		}
	})
}

// CheckProfile checks that the user can read her Vault profile and that it
// is hers: her user id and her DEK's id.
func (w *World) CheckProfile(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	var me meeco.MeResponse
	_, exs, err := w.call(ctx, u, client.Call{Op: "get user", Method: "GET", Path: meeco.VMe}, &me)
	if err != nil {
		return w.fail(name+" reads the Vault profile", err)
	}
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(me.User.ID).To(gomega.Equal(u.auth.UserID), "%s's profile: want user id %s, got %s", name, u.auth.UserID, me.User.ID)
		dek := ""
		if me.User.PrivateDEKExternalID != nil {
			dek = *me.User.PrivateDEKExternalID
		}
		g.Expect(dek).To(gomega.Equal(u.auth.DEKID), "%s's profile: want private_dek_external_id %s, got %q", name, u.auth.DEKID, dek)
	})
}

// CheckLoggedInWithRegisteredKeys checks that a login recovered the keys
// of registration: the same PDK, KEK, DEK, login key, user and DEK ids.
func (w *World) CheckLoggedInWithRegisteredKeys(name string) error {
	u, err := w.user(name)
	if err != nil {
		return err
	}
	if u.auth == u.registered {
		return scenarioErrorf("%s has not logged in since registering", name)
	}
	a, r := u.auth, u.registered
	return verify(nil, func(g gomega.Gomega) {
		for _, k := range []struct {
			what      string
			got, want cryppo.SymmetricKey
		}{{"passphrase-derived key", a.PDK, r.PDK}, {"key encryption key", a.KEK, r.KEK}, {"data encryption key", a.DEK, r.DEK}} {
			g.Expect(k.got.Fingerprint()).To(gomega.Equal(k.want.Fingerprint()), "%s's %s after login: want the registered %s, got %s", name, k.what, k.want.Fingerprint(), k.got.Fingerprint())
		}
		g.Expect(a.LoginKey.Fingerprint()).To(gomega.Equal(r.LoginKey.Fingerprint()), "%s's login key after login: want the registered %s, got %s", name, r.LoginKey.Fingerprint(), a.LoginKey.Fingerprint())
		g.Expect(a.UserID).To(gomega.Equal(r.UserID), "%s's user id after login: want %s, got %s", name, r.UserID, a.UserID)
		g.Expect(a.DEKID).To(gomega.Equal(r.DEKID), "%s's DEK id after login: want %s, got %s", name, r.DEKID, a.DEKID)
		g.Expect(a.VaultToken.IsZero() || a.KeystoreToken.IsZero()).To(gomega.BeFalse(), "%s after login: want a Vault and a Keystore token, got %v and %v", name, a.VaultToken, a.KeystoreToken)
	})
}

// CheckDistinctKeys checks that no two of the named users share a key or
// credential at any level: secret, PDK, KEK, DEK, login keypair, tokens,
// user and DEK ids.
func (w *World) CheckDistinctKeys(names []string) error {
	var us []*user
	for _, n := range names {
		u, err := w.user(n)
		if err != nil {
			return err
		}
		us = append(us, u)
	}
	return verify(nil, func(g gomega.Gomega) {
		for i := range us {
			for j := i + 1; j < len(us); j++ {
				a, b := us[i].auth, us[j].auth
				pair := us[i].name + " and " + us[j].name
				same := func(what string, eq bool, shown string) {
					g.Expect(eq).To(gomega.BeFalse(), "%s: want different %s, got the same (%s)", pair, what, shown)
				}
				same("secrets", a.Secret.Equal(b.Secret), "secret of "+a.Username())
				same("usernames", a.Username() == b.Username(), a.Username())
				same("passphrase-derived keys", a.PDK.Equal(b.PDK), a.PDK.Fingerprint())
				same("key encryption keys", a.KEK.Equal(b.KEK), a.KEK.Fingerprint())
				same("data encryption keys", a.DEK.Equal(b.DEK), a.DEK.Fingerprint())
				same("login keypairs", a.LoginKey.Fingerprint() == b.LoginKey.Fingerprint(), a.LoginKey.Fingerprint())
				same("Vault tokens", a.VaultToken.Reveal() == b.VaultToken.Reveal(), a.VaultToken.Fingerprint())
				same("Keystore tokens", a.KeystoreToken.Reveal() == b.KeystoreToken.Reveal(), a.KeystoreToken.Fingerprint())
				same("Vault user ids", a.UserID == b.UserID, a.UserID)
				same("DEK ids", a.DEKID == b.DEKID, a.DEKID)
			}
		}
	})
}
