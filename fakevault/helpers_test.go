package fakevault

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Test keys: the five distinct 4096-bit keypairs of the shared vectors
// (never generated here: RSA-4096 generation costs about a second).

type vectorKey struct {
	Public, Private string
}

var (
	keysOnce sync.Once
	keys     []vectorKey
	keysErr  error
)

func vectorsPath() string {
	// Tests run in <repo>/fakevault; the vectors are in <repo>/testdata.
	return filepath.Join("..", "testdata", "vectors", "meeco-crypto.json")
}

func testKeys(tb testing.TB) []vectorKey {
	tb.Helper()
	keysOnce.Do(func() {
		data, err := os.ReadFile(vectorsPath())
		if err != nil {
			keysErr = err
			return
		}
		var doc struct {
			Cases map[string][]struct {
				PublicKeyPEM  string `json:"public_key_pem"`
				PrivateKeyPEM string `json:"private_key_pem"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			keysErr = err
			return
		}
		seen := map[string]bool{}
		for _, c := range append(doc.Cases["pem_format"], doc.Cases["rsa4096_oaep"]...) {
			if c.PublicKeyPEM != "" && !seen[c.PublicKeyPEM] {
				seen[c.PublicKeyPEM] = true
				keys = append(keys, vectorKey{Public: c.PublicKeyPEM, Private: c.PrivateKeyPEM})
			}
		}
		if len(keys) < 3 {
			keysErr = errors.New("fewer than 3 distinct keys in the vectors")
		}
	})
	if keysErr != nil {
		tb.Fatalf("test keys from %s: %v", vectorsPath(), keysErr)
	}
	return keys
}

func pubKey(tb testing.TB, i int) string {
	ks := testKeys(tb)
	return ks[i%len(ks)].Public
}

// smallKeyPEM returns a 1024-bit public key PEM (below the fake's minimum).
var smallKeyPEM = sync.OnceValue(func() string {
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		panic(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
})

// aesStr is a real Aes256Gcm Cryppo string under a throwaway key.
func aesStr(tb testing.TB) string {
	tb.Helper()
	s, err := cryppo.EncryptAES(cryppo.GenerateSymmetricKey(), []byte("value"))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// rsaStr is a real Rsa4096 Cryppo string: a random 32-byte DEK encrypted
// to test key i.
func rsaStr(tb testing.TB, i int) string {
	tb.Helper()
	pub, err := cryppo.ParsePublicKeyPEM(pubKey(tb, i))
	if err != nil {
		tb.Fatal(err)
	}
	dek := make([]byte, 32)
	_, _ = rand.Read(dek)
	s, err := cryppo.EncryptRSA(pub, dek)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func hashStr() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// wantKind fails unless err is an *meeco.APIError of kind k.
func wantKind(tb testing.TB, err error, k meeco.ErrorKind) {
	tb.Helper()
	if k == "" {
		if err != nil {
			tb.Fatalf("err=%v, want nil", err)
		}
		return
	}
	var ae *meeco.APIError
	if !errors.As(err, &ae) || !errors.Is(err, k) {
		tb.Fatalf("err=%v, want kind %s", err, k)
	}
	if ae.Status != k.Status() {
		tb.Fatalf("status=%d, want %d", ae.Status, k.Status())
	}
}

// fixture is a store with a movable clock and helpers that build users,
// connections, items and shares through the store's own methods.
type fixture struct {
	t     testing.TB
	st    *Store
	mu    sync.Mutex
	now   time.Time
	nKeys int
}

func newFixture(t testing.TB) *fixture {
	f := &fixture{t: t, now: time.Date(2024, 10, 9, 12, 0, 0, 0, time.UTC)}
	f.st = NewStore(Options{Now: f.clock})
	return f
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// user creates a Vault user (through an admission token, as POST /me does)
// with the next test key as login key, and returns its id.
func (f *fixture) user() string {
	f.t.Helper()
	adm, err := f.st.IssueAdmissionTokens(newID())
	if err != nil {
		f.t.Fatal(err)
	}
	key := pubKey(f.t, f.nKeys)
	f.nKeys++
	resp, err := f.st.CreateUser(meeco.CreateMeRequest{PublicKey: key, AdmissionToken: adm.ExternalAdmissionToken.VaultAPIAdmissionToken})
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.User.ID
}

// connect connects a (inviter) and b, each with its own connection key,
// and returns both sides' records.
func (f *fixture) connect(a, b string) (ca, cb meeco.Connection) {
	f.t.Helper()
	inv, err := f.st.CreateInvitation(a, meeco.CreateInvitationRequest{
		PublicKey:  meeco.PublicKeyRef{KeypairExternalID: "kp-" + a, PublicKey: pubKey(f.t, 1)},
		Invitation: meeco.NewInvitation{EncryptedRecipientName: aesStr(f.t), MultistepWorkflow: "false"},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	resp, err := f.st.CreateConnection(b, meeco.CreateConnectionRequest{
		PublicKey:  meeco.PublicKeyRef{KeypairExternalID: "kp-" + b, PublicKey: pubKey(f.t, 2)},
		Connection: meeco.NewConnection{EncryptedRecipientName: aesStr(f.t), InvitationToken: inv.Invitation.Token},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	cb = resp.Connection
	got, err := f.st.GetConnection(a, cb.TheOtherUser.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return got.Connection, cb
}

// vehicle creates a vehicle item with all five slots filled.
func (f *fixture) vehicle(uid string) *meeco.ItemResponse {
	f.t.Helper()
	var attrs []meeco.SlotAttributes
	for _, n := range []string{"model_make", "licence_plate", "vin", "type", "purchase_date"} {
		attrs = append(attrs, meeco.SlotAttributes{Name: n, EncryptedValue: ptr(aesStr(f.t))})
	}
	resp, err := f.st.CreateItem(uid, meeco.CreateItemRequest{TemplateName: "vehicle",
		Item: meeco.NewItemAttributes{Label: "My Vehicle", SlotsAttributes: attrs}})
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

// shareReq builds the PostShare the SDK would send from sender's item (as
// sender sees it) to recipient: values for every slot with a value (or the
// one slot), verification key always, hash only from the owner.
func (f *fixture) shareReq(sender string, it *meeco.ItemResponse, recipient string, mods ...func(*meeco.PostShare)) meeco.PostShare {
	f.t.Helper()
	conn := f.connTo(sender, recipient)
	ps := meeco.PostShare{RecipientID: recipient, PublicKey: conn.TheOtherUser.UserPublicKey,
		KeypairExternalID: conn.TheOtherUser.UserKeypairExternalID, EncryptedDEK: rsaStr(f.t, 2)}
	for _, m := range mods {
		m(&ps)
	}
	for _, sl := range it.Slots {
		if sl.EncryptedValue == nil || (ps.SlotID != nil && *ps.SlotID != sl.ID) {
			continue
		}
		v := meeco.SlotValue{SlotID: sl.ID, EncryptedValue: ptr(aesStr(f.t)), EncryptedValueVerificationKey: ptr(aesStr(f.t))}
		if it.Item.Own {
			v.ValueVerificationHash = ptr(hashStr())
		}
		ps.SlotValues = append(ps.SlotValues, v)
	}
	return ps
}

func (f *fixture) connTo(a, b string) meeco.Connection {
	f.t.Helper()
	list, err := f.st.ListConnections(a, Page{})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, c := range list.Connections {
		if c.TheOtherUser.UserID == b {
			return c
		}
	}
	f.t.Fatalf("no connection between the users")
	return meeco.Connection{}
}

// share shares it from sender to recipient and returns the share.
func (f *fixture) share(sender string, it *meeco.ItemResponse, recipient string, mods ...func(*meeco.PostShare)) meeco.Share {
	f.t.Helper()
	resp, err := f.st.CreateShares(sender, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{f.shareReq(sender, it, recipient, mods...)}})
	if err != nil {
		f.t.Fatalf("CreateShares: %v", err)
	}
	return resp.Shares[0]
}

// received returns the recipient's copy for a share.
func (f *fixture) received(uid, shareID string) *meeco.ItemResponse {
	f.t.Helper()
	r, err := f.st.GetIncomingItem(uid, shareID)
	if err != nil {
		f.t.Fatalf("GetIncomingItem: %v", err)
	}
	return &meeco.ItemResponse{Item: r.Item, Slots: r.Slots}
}

// HTTP helpers.

type client struct {
	t     testing.TB
	base  string
	token string
	hdr   map[string]string
}

type reply struct {
	status int
	body   []byte
	header http.Header
}

func (c *client) do(method, path string, body any) reply {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, body: data, header: resp.Header}
}

// into decodes a successful reply.
func (r reply) into(tb testing.TB, want int, v any) {
	tb.Helper()
	if r.status != want {
		tb.Fatalf("status=%d, want %d; body %s", r.status, want, clip(string(r.body), 400))
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			tb.Fatalf("decode %s: %v", clip(string(r.body), 200), err)
		}
	}
}

// wantError checks a Meeco error reply: status, body shape and kind.
func (r reply) wantError(tb testing.TB, k meeco.ErrorKind) {
	tb.Helper()
	if r.status != k.Status() {
		tb.Fatalf("status=%d, want %d (%s); body %s", r.status, k.Status(), k, clip(string(r.body), 400))
	}
	checkErrorBody(tb, r.status, r.body, k)
}

func checkErrorBody(tb testing.TB, status int, body []byte, k meeco.ErrorKind) {
	tb.Helper()
	var raw map[string][]map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || len(raw["errors"]) != 1 {
		tb.Fatalf("error body %s is not {\"errors\":[one]}", clip(string(body), 300))
	}
	e := raw["errors"][0]
	for _, f := range []string{"error", "http_code", "message", "requested_language", "message_in_requested_language", "extra_info"} {
		if _, ok := e[f]; !ok {
			tb.Fatalf("error body %s lacks %s", body, f)
		}
	}
	ae := meeco.ParseError(status, body)
	if k != "" && ae.Kind != k {
		tb.Fatalf("error kind=%s, want %s", ae.Kind, k)
	}
	var code int
	_ = json.Unmarshal(e["http_code"], &code)
	if code != status {
		tb.Fatalf("http_code=%d, want %d", code, status)
	}
}

// quickUser inserts a Vault user straight into the store, skipping the RSA
// encryption of a first session token (a millisecond each), for tests that
// make many users and use sessionFor for tokens.
func (f *fixture) quickUser() string {
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	u := &vUser{id: newID(), ksUserID: newID(), publicKey: pubKey(f.t, f.nKeys), joinedAt: f.st.clock(), seq: f.st.nextSeq()}
	f.nKeys++
	f.st.users[u.id] = u
	f.st.usersByKey[u.publicKey] = u
	return u.id
}
