package fakevault

import (
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

func TestCreateUserAdmission(t *testing.T) {
	f := newFixture(t)
	adm, _ := f.st.IssueAdmissionTokens(newID())
	tok := adm.ExternalAdmissionToken.VaultAPIAdmissionToken
	cases := []struct {
		name string
		req  meeco.CreateMeRequest
		want meeco.ErrorKind
	}{
		{"no key", meeco.CreateMeRequest{AdmissionToken: tok}, meeco.MissingParameter},
		{"bad key", meeco.CreateMeRequest{PublicKey: "x", AdmissionToken: tok}, meeco.InvalidParameter},
		{"no token", meeco.CreateMeRequest{PublicKey: pubKey(t, 0)}, meeco.MissingParameter},
		{"unknown token", meeco.CreateMeRequest{PublicKey: pubKey(t, 0), AdmissionToken: newToken()}, meeco.AuthenticationFailed},
		{"ok", meeco.CreateMeRequest{PublicKey: pubKey(t, 0), AdmissionToken: tok}, ""},
		{"token used twice", meeco.CreateMeRequest{PublicKey: pubKey(t, 0), AdmissionToken: tok}, meeco.AuthenticationFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := f.st.CreateUser(c.req)
			wantKind(t, err, c.want)
			if err == nil {
				e, perr := cryppo.Parse(resp.EncryptedSessionAuthenticationString)
				if perr != nil || e.Strategy != cryppo.RSA4096 {
					t.Fatalf("session string is not an Rsa4096 Cryppo string: %v", perr)
				}
				if strings.Contains(resp.EncryptedSessionAuthenticationString, "\n") {
					t.Fatal("session string has a newline")
				}
			}
		})
	}
	// An admission token expires.
	adm2, _ := f.st.IssueAdmissionTokens(newID())
	f.advance(25 * time.Hour)
	_, err := f.st.CreateUser(meeco.CreateMeRequest{PublicKey: pubKey(t, 0), AdmissionToken: adm2.ExternalAdmissionToken.VaultAPIAdmissionToken})
	wantKind(t, err, meeco.AuthenticationFailed)
}

func TestVaultSessionByKey(t *testing.T) {
	f := newFixture(t)
	older := f.user() // key 0
	f.nKeys = 0       // the next user registers the same key
	newer := f.user() // key 0 again
	_, err := f.st.CreateVaultSession(meeco.VaultSessionRequest{PublicKey: pubKey(t, 4)})
	wantKind(t, err, meeco.AuthenticationFailed) // never registered
	_, err = f.st.CreateVaultSession(meeco.VaultSessionRequest{PublicKey: strings.ReplaceAll(pubKey(t, 0), "\r\n", "\n")})
	wantKind(t, err, meeco.AuthenticationFailed) // not the exact string
	_, err = f.st.CreateVaultSession(meeco.VaultSessionRequest{PublicKey: pubKey(t, 0), ValidFor: ptr(int64(-1))})
	wantKind(t, err, meeco.InvalidParameter)

	// The most recent registration of a key wins; the session token is
	// opaque, so check the user through a session the store resolves.
	if _, err := f.st.CreateVaultSession(meeco.VaultSessionRequest{PublicKey: pubKey(t, 0)}); err != nil {
		t.Fatal(err)
	}
	var owners []string
	for _, sess := range f.st.vSessions {
		owners = append(owners, sess.userID)
	}
	count := map[string]int{}
	for _, o := range owners {
		count[o]++
	}
	if count[newer] != 2 || count[older] != 1 {
		t.Fatalf("sessions per user %v: want the newer user to get the login session", count)
	}
}

func TestVaultAuthAndLogout(t *testing.T) {
	f := newFixture(t)
	uid := f.user()
	tok := f.sessionFor(uid)
	if got, err := f.st.AuthVault(tok); err != nil || got != uid {
		t.Fatalf("AuthVault=%q,%v", got, err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 43), tok + "a", "Bearer " + tok, strings.Repeat("é", 22)} {
		_, err := f.st.AuthVault(bad)
		wantKind(t, err, meeco.Unauthorized)
	}
	if err := f.st.DeleteVaultSession(tok); err != nil {
		t.Fatal(err)
	}
	_, err := f.st.AuthVault(tok)
	wantKind(t, err, meeco.Unauthorized)

	tok2 := f.sessionFor(uid)
	f.advance(24*time.Hour + time.Millisecond)
	_, err = f.st.AuthVault(tok2)
	wantKind(t, err, meeco.Unauthorized)
}

// sessionFor opens a Vault session for uid directly in the store (the
// token would otherwise travel RSA-encrypted).
func (f *fixture) sessionFor(uid string) string {
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	tok := newToken()
	now := f.st.clock()
	f.st.vSessions[tok] = &session{id: newID(), userID: uid, from: now, expires: now.Add(f.st.ttl)}
	return tok
}

func TestUpdateMe(t *testing.T) {
	f := newFixture(t)
	uid := f.user()
	me, err := f.st.GetMe(uid)
	if err != nil || me.User.PrivateDEKExternalID != nil {
		t.Fatalf("GetMe=%+v,%v: want no private DEK yet", me, err)
	}
	dek := newID()
	up, err := f.st.UpdateMe(uid, meeco.UpdateMeRequest{User: meeco.UpdateMeUser{PrivateDEKExternalID: &dek}})
	if err != nil || up.User.PrivateDEKExternalID == nil || *up.User.PrivateDEKExternalID != dek {
		t.Fatalf("UpdateMe=%+v,%v", up, err)
	}
	name := "Alice"
	if _, err := f.st.UpdateMe(uid, meeco.UpdateMeRequest{User: meeco.UpdateMeUser{FullName: &name}}); err != nil {
		t.Fatal(err)
	}
	me, _ = f.st.GetMe(uid)
	if *me.User.PrivateDEKExternalID != dek || *me.User.FullName != "Alice" {
		t.Fatalf("user %+v: an update must keep the fields it does not name", me.User)
	}
	_, err = f.st.UpdateMe(uid, meeco.UpdateMeRequest{User: meeco.UpdateMeUser{PrivateDEKExternalID: ptr("")}})
	wantKind(t, err, meeco.InvalidParameter)
	_, err = f.st.UpdateMe(uid, meeco.UpdateMeRequest{User: meeco.UpdateMeUser{Email: ptr(strings.Repeat("a", 300))}})
	wantKind(t, err, meeco.InvalidParameter)
}
