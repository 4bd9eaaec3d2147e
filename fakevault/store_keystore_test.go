package fakevault

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/srp"
)

// srpLogin runs the client side of an SRP login against the store and
// returns the Keystore session (or the error of the failing step).
func srpLogin(st *Store, username string, password []byte) (*meeco.SRPSessionResponse, error) {
	c, err := srp.NewClient(username, password, nil)
	if err != nil {
		return nil, err
	}
	ch, err := st.CreateChallenge(meeco.SRPChallengeRequest{Username: username, SRPA: c.AHex()})
	if err != nil {
		return nil, err
	}
	m1, err := c.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
	if err != nil {
		return nil, err
	}
	return st.CreateKeystoreSession(meeco.SRPSessionRequest{Username: username, SRPA: c.AHex(), SRPM: m1})
}

func registerSRP(t testing.TB, st *Store, username string, password []byte) string {
	t.Helper()
	salt, verifier, err := srp.Register(username, password, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := st.RegisterSRPUser(meeco.SRPUserRequest{Username: username, SRPSalt: salt, SRPVerifier: verifier})
	if err != nil {
		t.Fatal(err)
	}
	return resp.User.ID
}

func TestSRPRegistrationRules(t *testing.T) {
	f := newFixture(t)
	salt, verifier, _ := srp.Register("alice", []byte("pw"), nil)
	cases := []struct {
		name string
		req  meeco.SRPUserRequest
		want meeco.ErrorKind
	}{
		{"ok", meeco.SRPUserRequest{Username: "alice", SRPSalt: salt, SRPVerifier: verifier}, ""},
		{"taken", meeco.SRPUserRequest{Username: "alice", SRPSalt: salt, SRPVerifier: verifier}, meeco.UsernameTaken},
		{"no username", meeco.SRPUserRequest{Username: "", SRPSalt: salt, SRPVerifier: verifier}, meeco.MissingParameter},
		{"dot in username", meeco.SRPUserRequest{Username: "a.b", SRPSalt: salt, SRPVerifier: verifier}, meeco.InvalidParameter},
		{"space in username", meeco.SRPUserRequest{Username: "a b", SRPSalt: salt, SRPVerifier: verifier}, meeco.InvalidParameter},
		{"salt not hex", meeco.SRPUserRequest{Username: "bob", SRPSalt: "zz", SRPVerifier: verifier}, meeco.InvalidParameter},
		{"no verifier", meeco.SRPUserRequest{Username: "bob", SRPSalt: salt, SRPVerifier: ""}, meeco.MissingParameter},
		{"verifier too long", meeco.SRPUserRequest{Username: "bob", SRPSalt: salt, SRPVerifier: verifier + "00"}, meeco.InvalidParameter},
		{"zero verifier", meeco.SRPUserRequest{Username: "bob", SRPSalt: salt, SRPVerifier: strings.Repeat("0", 512)}, meeco.InvalidParameter},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.st.RegisterSRPUser(c.req)
			wantKind(t, err, c.want)
		})
	}
}

func TestSRPLogin(t *testing.T) {
	f := newFixture(t)
	pw := []byte("correct horse")
	uid := registerSRP(t, f.st, "alice", pw)

	sess, err := srpLogin(f.st, "alice", pw)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if got, err := f.st.AuthKeystore(sess.Session.SessionAuthenticationString); err != nil || got != uid {
		t.Fatalf("AuthKeystore=%q,%v, want %q", got, err, uid)
	}
	if sess.Session.Username != "alice" || sess.Session.ValidTill != meeco.FormatTime(f.now.Add(24*time.Hour)) {
		t.Fatalf("session %+v: want username alice, valid 24h", sess.Session)
	}

	_, err = srpLogin(f.st, "alice", []byte("wrong"))
	wantKind(t, err, meeco.AuthenticationFailed)
	_, err = srpLogin(f.st, "nobody", pw)
	wantKind(t, err, meeco.AuthenticationFailed)

	// A challenge is used once, pass or fail: replaying a good proof fails.
	c, _ := srp.NewClient("alice", pw, nil)
	ch, err := f.st.CreateChallenge(meeco.SRPChallengeRequest{Username: "alice", SRPA: c.AHex()})
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := c.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
	req := meeco.SRPSessionRequest{Username: "alice", SRPA: c.AHex(), SRPM: m1}
	if _, err := f.st.CreateKeystoreSession(req); err != nil {
		t.Fatal(err)
	}
	_, err = f.st.CreateKeystoreSession(req)
	wantKind(t, err, meeco.AuthenticationFailed)

	// An expired challenge fails.
	c2, _ := srp.NewClient("alice", pw, nil)
	ch2, _ := f.st.CreateChallenge(meeco.SRPChallengeRequest{Username: "alice", SRPA: c2.AHex()})
	m1b, _ := c2.Proof(ch2.Challenge.ChallengeSalt, ch2.Challenge.ChallengeB)
	f.advance(challengeTTL + time.Second)
	_, err = f.st.CreateKeystoreSession(meeco.SRPSessionRequest{Username: "alice", SRPA: c2.AHex(), SRPM: m1b})
	wantKind(t, err, meeco.AuthenticationFailed)

	// A = 0 mod N is refused before any computation.
	_, err = f.st.CreateChallenge(meeco.SRPChallengeRequest{Username: "alice", SRPA: strings.Repeat("0", 512)})
	wantKind(t, err, meeco.InvalidParameter)

	// valid_for bounds.
	v := int64(60)
	sess2, err := func() (*meeco.SRPSessionResponse, error) {
		c, _ := srp.NewClient("alice", pw, nil)
		ch, _ := f.st.CreateChallenge(meeco.SRPChallengeRequest{Username: "alice", SRPA: c.AHex()})
		m1, _ := c.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
		return f.st.CreateKeystoreSession(meeco.SRPSessionRequest{Username: "alice", SRPA: c.AHex(), SRPM: m1, ValidFor: &v})
	}()
	if err != nil {
		t.Fatal(err)
	}
	f.advance(61 * time.Second)
	_, err = f.st.AuthKeystore(sess2.Session.SessionAuthenticationString)
	wantKind(t, err, meeco.Unauthorized)
}

func TestChallengesPerUserBounded(t *testing.T) {
	f := newFixture(t)
	registerSRP(t, f.st, "alice", []byte("pw"))
	for i := 0; i < 3*maxPendingPerUser; i++ {
		c, _ := srp.NewClient("alice", []byte("pw"), nil)
		if _, err := f.st.CreateChallenge(meeco.SRPChallengeRequest{Username: "alice", SRPA: c.AHex()}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.st.challenges); n != maxPendingPerUser {
		t.Fatalf("pending challenges=%d, want %d", n, maxPendingPerUser)
	}
}

func TestReserveUsername(t *testing.T) {
	f := newFixture(t)
	a, err := f.st.ReserveUsername()
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Username) != 11 || strings.ContainsAny(a.Username, "0OIl.") {
		t.Fatalf("username %q: want 11 base58 characters", a.Username)
	}
	b, _ := f.st.ReserveUsername()
	if a.Username == b.Username {
		t.Fatal("two reservations returned the same username")
	}
}

func TestKeystoreKeys(t *testing.T) {
	f := newFixture(t)
	alice := registerSRP(t, f.st, "alice", []byte("pw"))
	bob := registerSRP(t, f.st, "bob", []byte("pw"))
	aes := aesStr(t)

	// KEK: one per user.
	_, err := f.st.GetKEK(alice)
	wantKind(t, err, meeco.NotFound)
	kek, err := f.st.CreateKEK(alice, meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: aes})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.st.CreateKEK(alice, meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: aesStr(t)})
	wantKind(t, err, meeco.AlreadyExists)
	got, err := f.st.GetKEK(alice)
	if err != nil || got.KeyEncryptionKey != kek.KeyEncryptionKey {
		t.Fatalf("GetKEK=%+v,%v, want %+v", got, err, kek)
	}

	// DEKs: 404 for anyone else's.
	dek, err := f.st.CreateDEK(alice, meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: aes})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.st.GetDEK(bob, dek.DataEncryptionKey.ID)
	wantKind(t, err, meeco.NotFound)
	if _, err := f.st.GetDEK(alice, dek.DataEncryptionKey.ID); err != nil {
		t.Fatal(err)
	}

	badKeys := []struct {
		name string
		v    string
		want meeco.ErrorKind
	}{
		{"empty", "", meeco.MissingParameter},
		{"rsa instead of aes", rsaStr(t, 0), meeco.InvalidCryppoString},
		{"garbage", "hello", meeco.InvalidCryppoString},
		{"unpadded", strings.TrimRight(strings.SplitN(aes, ".", 3)[0]+"."+strings.SplitN(aes, ".", 3)[1], "=") + "." + strings.SplitN(aes, ".", 3)[2], meeco.InvalidCryppoString},
		{"passphrase form", aes + ".Pbkdf2Hmac.S0EAAAAFaXYAFAAAAABTQUxUU0FMVFNBTFRTQUxUU0FMVBBpAKCGAQAQbAAgAAAAAmhhc2gABwAAAFNIQTI1NgAA", meeco.InvalidCryppoString},
	}
	for _, c := range badKeys {
		t.Run("dek "+c.name, func(t *testing.T) {
			_, err := f.st.CreateDEK(alice, meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: c.v})
			wantKind(t, err, c.want)
		})
	}

	// Keypairs.
	kpReq := func(pub string, ext ...string) meeco.KeypairRequest {
		return meeco.KeypairRequest{PublicKey: pub, EncryptedSerializedKey: aes, ExternalIdentifiers: ext}
	}
	first, err := f.st.CreateKeypair(alice, kpReq(pubKey(t, 0), "auth"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Keypair.Metadata == nil || first.Keypair.ExternalIdentifiers[0] != "auth" {
		t.Fatalf("keypair %+v: want metadata {} and [auth]", first.Keypair)
	}
	second, _ := f.st.CreateKeypair(alice, kpReq(pubKey(t, 1), "auth"))
	byExt, err := f.st.GetKeypairByExternalID(alice, "auth")
	if err != nil || byExt.Keypair.ID != second.Keypair.ID {
		t.Fatalf("by external id: got %v,%v, want the most recent keypair", byExt, err)
	}
	_, err = f.st.GetKeypairByExternalID(bob, "auth")
	wantKind(t, err, meeco.NotFound)
	_, err = f.st.GetKeypair(bob, first.Keypair.ID)
	wantKind(t, err, meeco.NotFound)
	for _, c := range []struct {
		name string
		req  meeco.KeypairRequest
		want meeco.ErrorKind
	}{
		{"no public key", kpReq(""), meeco.MissingParameter},
		{"not a PEM", kpReq("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), meeco.InvalidParameter},
		{"1024-bit", kpReq(smallKeyPEM()), meeco.InvalidParameter},
		{"private key wrapped with RSA", meeco.KeypairRequest{PublicKey: pubKey(t, 0), EncryptedSerializedKey: rsaStr(t, 0)}, meeco.InvalidCryppoString},
		{"empty external id", kpReq(pubKey(t, 0), ""), meeco.MissingParameter},
	} {
		t.Run("keypair "+c.name, func(t *testing.T) {
			_, err := f.st.CreateKeypair(alice, c.req)
			wantKind(t, err, c.want)
		})
	}
}

func TestKeystoreLogout(t *testing.T) {
	f := newFixture(t)
	registerSRP(t, f.st, "alice", []byte("pw"))
	sess, err := srpLogin(f.st, "alice", []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	tok := sess.Session.SessionAuthenticationString
	if err := f.st.DeleteKeystoreSession(tok); err != nil {
		t.Fatal(err)
	}
	_, err = f.st.AuthKeystore(tok)
	wantKind(t, err, meeco.Unauthorized)
	wantKind(t, f.st.DeleteKeystoreSession(tok), meeco.Unauthorized)
}

// TestReservationsBounded floods POST /srp/username past the cap: the store
// keeps maxReservations, the newest ones, and still registers a user whose
// reservation was dropped.
func TestReservationsBounded(t *testing.T) {
	f := newFixture(t)
	var names []string
	for i := 0; i < maxReservations+50; i++ {
		r, err := f.st.ReserveUsername()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, r.Username)
	}
	if n := f.st.reserved.len(); n != maxReservations {
		t.Fatalf("reservations=%d, want the cap %d", n, maxReservations)
	}
	if f.st.reserved.has(names[0]) || !f.st.reserved.has(names[len(names)-1]) {
		t.Fatal("want the oldest reservation dropped and the newest kept")
	}
	registerSRP(t, f.st, names[0], []byte("pw"))
	// An hour later every reservation has expired and the next call sweeps
	// them all.
	f.advance(usernameTTL + time.Second)
	if _, err := f.st.ReserveUsername(); err != nil {
		t.Fatal(err)
	}
	if n := f.st.reserved.len(); n != 1 {
		t.Fatalf("reservations after expiry=%d, want 1", n)
	}
}

func TestReservationsQueue(t *testing.T) {
	r := newReservations()
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3000; i++ {
		r.add(strconv.Itoa(i), t0.Add(time.Duration(i)*time.Second), 100)
	}
	if r.len() != 100 || !r.has("2999") || r.has("2899") || !r.has("2900") {
		t.Fatalf("len=%d: want the newest 100 of 3000", r.len())
	}
	if len(r.order)-r.head != 100 {
		t.Fatalf("queue holds %d live entries, want 100", len(r.order)-r.head)
	}
	r.release("2950")
	r.expire(t0.Add(2960 * time.Second))
	if r.len() != 40 || r.has("2959") || !r.has("2960") {
		t.Fatalf("after expiry len=%d, want 40 (2960..2999)", r.len())
	}
}
