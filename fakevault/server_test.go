package fakevault

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/srp"
)

// decryptToken plays the client: it opens the RSA-encrypted Vault session
// token with the test key's private half. Only tests do this; the fake
// itself never decrypts.
func decryptToken(t testing.TB, keyIndex int, enc string) string {
	t.Helper()
	priv, err := cryppo.ParsePrivateKeyPEM(testKeys(t)[keyIndex].Private)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cryppo.DecryptRSA(priv, enc)
	if err != nil {
		t.Fatalf("session token does not decrypt with the login key: %v", err)
	}
	return string(tok)
}

// signUp runs the SDK's user-create flow over HTTP and returns Vault and
// Keystore clients holding the tokens.
func signUp(t *testing.T, ts *TestServer, keyIndex int) (vault, ks *client, uid string) {
	t.Helper()
	anon := &client{t: t, base: ts.URL()}
	var un meeco.SRPUsernameResponse
	anon.do("POST", "/keystore/srp/username", map[string]any{}).into(t, 200, &un)
	pw := []byte("supersecretpassword")
	salt, verifier, _ := srp.Register(un.Username, pw, nil)
	anon.do("POST", "/keystore/srp/users", meeco.SRPUserRequest{Username: un.Username, SRPSalt: salt, SRPVerifier: verifier}).into(t, 201, nil)
	anon.do("POST", "/keystore/srp/users", meeco.SRPUserRequest{Username: un.Username, SRPSalt: salt, SRPVerifier: verifier}).wantError(t, meeco.UsernameTaken)
	c, _ := srp.NewClient(un.Username, pw, nil)
	var ch meeco.SRPChallengeResponse
	anon.do("POST", "/keystore/srp/challenges", meeco.SRPChallengeRequest{Username: un.Username, SRPA: c.AHex()}).into(t, 200, &ch)
	if len(ch.Challenge.ChallengeB) != 512 {
		t.Fatalf("challenge_b has %d hex characters, want 512", len(ch.Challenge.ChallengeB))
	}
	m1, _ := c.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
	var sess meeco.SRPSessionResponse
	anon.do("POST", "/keystore/srp/session", meeco.SRPSessionRequest{Username: un.Username, SRPA: c.AHex(), SRPM: m1}).into(t, 200, &sess)
	ks = &client{t: t, base: ts.URL(), token: sess.Session.SessionAuthenticationString}

	var adm meeco.ExternalAdmissionTokenResponse
	ks.do("GET", "/keystore/external_admission_tokens", nil).into(t, 200, &adm)
	ks.do("POST", "/keystore/key_encryption_key", meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: aesStr(t)}).into(t, 201, nil)
	key := pubKey(t, keyIndex)
	ks.do("POST", "/keystore/keypairs", meeco.KeypairRequest{PublicKey: key, EncryptedSerializedKey: aesStr(t),
		ExternalIdentifiers: []string{"auth"}}).into(t, 201, nil)
	var me meeco.CreateMeResponse
	anon.do("POST", "/vault/me", meeco.CreateMeRequest{PublicKey: key, AdmissionToken: adm.ExternalAdmissionToken.VaultAPIAdmissionToken}).into(t, 201, &me)
	vault = &client{t: t, base: ts.URL(), token: decryptToken(t, keyIndex, me.EncryptedSessionAuthenticationString)}
	var dek meeco.DataEncryptionKeyResponse
	ks.do("POST", "/keystore/data_encryption_keys", meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: aesStr(t)}).into(t, 201, &dek)
	vault.do("PUT", "/vault/me", meeco.UpdateMeRequest{User: meeco.UpdateMeUser{PrivateDEKExternalID: &dek.DataEncryptionKey.ID}}).into(t, 200, nil)
	return vault, ks, me.User.ID
}

func TestFlowsOverHTTP(t *testing.T) {
	ts := NewTestServer(t)
	alice, aliceKS, aliceID := signUp(t, ts, 0)
	bob, bobKS, bobID := signUp(t, ts, 1)

	// Login: KEK, auth keypair, POST /session by key, GET /me, DEK.
	aliceKS.do("GET", "/keystore/key_encryption_key", nil).into(t, 200, nil)
	var kp meeco.KeypairResponse
	aliceKS.do("GET", "/keystore/keypairs/external_id/auth", nil).into(t, 200, &kp)
	anon := &client{t: t, base: ts.URL()}
	var sess meeco.VaultSessionResponse
	anon.do("POST", "/vault/session", meeco.VaultSessionRequest{PublicKey: kp.Keypair.PublicKey}).into(t, 200, &sess)
	relogin := &client{t: t, base: ts.URL(), token: "Bearer " + decryptToken(t, 0, sess.Session.EncryptedSessionAuthenticationString)}
	var me meeco.MeResponse
	relogin.do("GET", "/vault/me", nil).into(t, 200, &me)
	if me.User.ID != aliceID || me.User.PrivateDEKExternalID == nil {
		t.Fatalf("GET /me after login: %+v", me.User)
	}
	aliceKS.do("GET", "/keystore/data_encryption_keys/"+*me.User.PrivateDEKExternalID, nil).into(t, 200, nil)

	// Item from a template.
	var tl meeco.ItemTemplatesResponse
	alice.do("GET", "/vault/item_templates?like=vehicle", nil).into(t, 200, &tl)
	if len(tl.ItemTemplates) != 1 {
		t.Fatalf("templates like vehicle: %d", len(tl.ItemTemplates))
	}
	var item meeco.ItemResponse
	alice.do("POST", "/vault/items", map[string]any{"template_name": "vehicle", "item": map[string]any{"label": "My Car",
		"slots_attributes": []map[string]any{
			// The SDK spreads whole template slots into slots_attributes.
			{"name": "vin", "encrypted_value": aesStr(t), "encrypted": true, "own": true, "ordinal": 3, "created_at": "2020-01-01T00:00:00.000Z", "classification_node_ids": []string{}},
		}}}).into(t, 201, &item)

	// Connection: alice invites, bob accepts by token.
	var inv meeco.InvitationResponse
	alice.do("POST", "/vault/invitations", meeco.CreateInvitationRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "kp-a", PublicKey: pubKey(t, 2)},
		Invitation: meeco.NewInvitation{EncryptedRecipientName: aesStr(t), MultistepWorkflow: "false"}}).into(t, 201, &inv)
	var byToken meeco.InvitationResponse
	bob.do("GET", "/vault/invitations/"+inv.Invitation.Token, nil).into(t, 200, &byToken)
	if byToken.Invitation.ID != nil || byToken.Invitation.KeypairExternalID != nil {
		t.Fatal("the invitee sees the invitation's id or keypair")
	}
	var conn meeco.CreateConnectionResponse
	connReq := meeco.CreateConnectionRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "kp-b", PublicKey: pubKey(t, 3)},
		Connection: meeco.NewConnection{EncryptedRecipientName: aesStr(t), InvitationToken: inv.Invitation.Token}}
	bob.do("POST", "/vault/connections", connReq).into(t, 201, &conn)
	if conn.ConnectionExistedAlready || conn.Connection.Own.UserPublicKey != pubKey(t, 3) || conn.Connection.TheOtherUser.UserKeypairExternalID != "kp-a" {
		t.Fatalf("connection %+v", conn)
	}
	var again meeco.CreateConnectionResponse
	bob.do("POST", "/vault/connections", connReq).into(t, 200, &again)
	if !again.ConnectionExistedAlready || again.Connection.Own.ID != conn.Connection.Own.ID {
		t.Fatal("second connection attempt did not return the existing connection")
	}
	var ac meeco.ConnectionResponse
	alice.do("GET", "/vault/connections/"+conn.Connection.TheOtherUser.ID, nil).into(t, 200, &ac)
	if ac.Connection.Own.UserKeypairExternalID != "kp-a" || ac.Connection.TheOtherUser.UserPublicKey != pubKey(t, 3) {
		t.Fatalf("alice's side %+v", ac.Connection)
	}

	// Share with acceptance, accept, read.
	vin := item.Slots[2]
	var shares meeco.SharesResponse
	alice.do("POST", "/vault/items/"+item.Item.ID+"/shares", meeco.CreateSharesRequest{Shares: []meeco.PostShare{{
		RecipientID: bobID, PublicKey: ac.Connection.TheOtherUser.UserPublicKey, KeypairExternalID: "kp-b",
		EncryptedDEK: rsaStr(t, 3), AcceptanceRequired: ptr(meeco.AcceptanceRequired), Terms: ptr("terms"),
		SlotValues: []meeco.SlotValue{{SlotID: vin.ID, EncryptedValue: ptr(aesStr(t)), EncryptedValueVerificationKey: ptr(aesStr(t)), ValueVerificationHash: ptr(hashStr())}},
	}}}).into(t, 201, &shares)
	raw := bob.do("GET", "/vault/incoming_shares/"+shares.Shares[0].ID, nil)
	if !bytes.Contains(raw.body, []byte(`"encrypted_dek":null`)) {
		t.Fatalf("pending share body lacks encrypted_dek:null: %s", raw.body)
	}
	var accepted meeco.ShareResponse
	bob.do("PUT", "/vault/incoming_shares/"+shares.Shares[0].ID+"/accept", nil).into(t, 200, &accepted)
	if accepted.Share.EncryptedDEK == nil {
		t.Fatal("accept did not reveal encrypted_dek")
	}
	var got meeco.ShareWithItemResponse
	bob.do("GET", "/vault/incoming_shares/"+shares.Shares[0].ID+"/item", nil).into(t, 200, &got)
	if got.Item.Own || len(got.Slots) != 5 {
		t.Fatalf("received item own=%v slots=%d", got.Item.Own, len(got.Slots))
	}
	var bobItems meeco.ItemsResponse
	bob.do("GET", "/vault/items", nil).into(t, 200, &bobItems)
	if len(bobItems.Items) != 1 || bobItems.NextPageAfter != nil || bobItems.Meta.RecordsCount != 1 {
		t.Fatalf("bob's items %+v", bobItems)
	}
	bob.do("DELETE", "/vault/shares/"+shares.Shares[0].ID, nil).into(t, 204, nil)

	// Logout on both services ends the tokens.
	bob.do("DELETE", "/vault/session", nil).into(t, 204, nil)
	bob.do("GET", "/vault/me", nil).wantError(t, meeco.Unauthorized)
	bobKS.do("DELETE", "/keystore/session", nil).into(t, 204, nil)
	bobKS.do("GET", "/keystore/key_encryption_key", nil).wantError(t, meeco.Unauthorized)
	_ = alice
}

func TestHTTPErrorShapes(t *testing.T) {
	ts := NewTestServer(t, Options{MaxBodyBytes: 4096})
	f := &fixture{t: t, st: ts.Store()}
	uid := f.user()
	c := &client{t: t, base: ts.URL(), token: f.sessionFor(uid)}
	big := `{"template_name":"vehicle","item":{"label":"` + strings.Repeat("a", 5000) + `"}}`
	cases := []struct {
		name, method, path string
		body               any
		want               meeco.ErrorKind
	}{
		{"unknown route", "GET", "/vault/nothing", nil, meeco.RouteNotFound},
		{"outside both services", "GET", "/", nil, meeco.RouteNotFound},
		{"wrong method", "PATCH", "/vault/me", nil, meeco.MethodNotAllowed},
		{"malformed JSON", "POST", "/vault/items", `{"template_name":`, meeco.BadRequest},
		{"not an object", "POST", "/vault/items", `[1,2]`, meeco.BadRequest},
		{"wrong type", "POST", "/vault/items", `{"template_name":5}`, meeco.BadRequest},
		{"wrong nested type", "POST", "/vault/items", `{"template_name":"vehicle","item":{"label":"x","slots_attributes":{}}}`, meeco.BadRequest},
		{"trailing data", "POST", "/vault/items", `{}{}`, meeco.BadRequest},
		{"empty body", "POST", "/vault/items", ``, meeco.BadRequest},
		{"null body", "POST", "/vault/items", `null`, meeco.MissingParameter},
		{"too large", "POST", "/vault/items", big, meeco.PayloadTooLarge},
		{"not cryppo", "POST", "/vault/items", `{"template_name":"vehicle","item":{"label":"x","slots_attributes":[{"name":"vin","encrypted_value":"WVW1"}]}}`, meeco.InvalidCryppoString},
		{"other user's item", "GET", "/vault/items/" + newID(), nil, meeco.NotFound},
		{"bad per_page", "GET", "/vault/items?per_page=abc", nil, meeco.BadRequest},
		{"bad own", "GET", "/vault/items?own=maybe", nil, meeco.BadRequest},
		{"bad cursor", "GET", "/vault/items?next_page_after=zzz", nil, meeco.InvalidParameter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, tc.body)
			r.wantError(t, tc.want)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
	if r := c.do("PATCH", "/vault/items/"+newID(), nil); r.header.Get("Allow") != "GET, PUT, DELETE" {
		t.Fatalf("Allow=%q", r.header.Get("Allow"))
	}
	// A body over the cap without Content-Length (chunked) is cut too.
	req, _ := http.NewRequest("POST", ts.URL()+"/vault/items", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Authorization", c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("chunked oversized body: status %d", resp.StatusCode)
	}
	checkErrorBody(t, resp.StatusCode, body, meeco.PayloadTooLarge)
}

func TestHeaders(t *testing.T) {
	ts := NewTestServer(t, Options{SubscriptionKey: "sub-key"})
	f := &fixture{t: t, st: ts.Store()}
	tok := f.sessionFor(f.user())
	for _, c := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"no subscription key", map[string]string{"Authorization": tok}, 401},
		{"wrong subscription key", map[string]string{"Authorization": tok, "Meeco-Subscription-Key": "nope"}, 401},
		{"raw token", map[string]string{"Authorization": tok, "Meeco-Subscription-Key": "sub-key"}, 200},
		{"bearer token", map[string]string{"Authorization": "Bearer " + tok, "Meeco-Subscription-Key": "sub-key"}, 200},
		{"SDK's empty and undefined headers", map[string]string{"Authorization": tok, "Meeco-Subscription-Key": "sub-key",
			"Meeco-Delegation-Id": "", "Meeco-Organisation-Id": "", "Meeco-Srt": "", "AuthorizationOIDC2": "undefined"}, 200},
		{"no token", map[string]string{"Meeco-Subscription-Key": "sub-key"}, 401},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := (&client{t: t, base: ts.URL(), hdr: c.hdr}).do("GET", "/vault/me", nil)
			if r.status != c.want {
				t.Fatalf("status=%d, want %d", r.status, c.want)
			}
			if c.want == 401 {
				k := meeco.Unauthorized
				if c.hdr["Meeco-Subscription-Key"] != "sub-key" {
					k = meeco.SubscriptionKeyInvalid
				}
				r.wantError(t, k)
			}
		})
	}
	// Without a configured key, any value or none is accepted.
	open := NewTestServer(t)
	of := &fixture{t: t, st: open.Store()}
	r := (&client{t: t, base: open.URL(), token: of.sessionFor(of.user()), hdr: map[string]string{"Meeco-Subscription-Key": "whatever"}}).do("GET", "/vault/me", nil)
	if r.status != 200 {
		t.Fatalf("status=%d with an unconfigured subscription key", r.status)
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRequestLog(t *testing.T) {
	var buf syncBuffer
	ts := NewTestServer(t, Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	f := &fixture{t: t, st: ts.Store()}
	alice := f.user()
	tok := f.sessionFor(alice)
	c := &client{t: t, base: ts.URL(), token: tok}
	var inv meeco.InvitationResponse
	secretName := aesStr(t)
	c.do("POST", "/vault/invitations", meeco.CreateInvitationRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "kp", PublicKey: pubKey(t, 0)},
		Invitation: meeco.NewInvitation{EncryptedRecipientName: secretName}}).into(t, 201, &inv)
	c.do("GET", "/vault/invitations/"+inv.Invitation.Token, nil).into(t, 200, nil)
	c.do("GET", "/vault/invitations/"+*inv.Invitation.ID, nil).into(t, 200, nil)
	c.do("GET", "/vault/items/"+newID(), nil)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d log lines for 4 requests:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"method", "path", "status", "duration"} {
			if _, ok := rec[k]; !ok {
				t.Fatalf("log line %s lacks %s", l, k)
			}
		}
	}
	log := buf.String()
	for _, secret := range []string{tok, inv.Invitation.Token, secretName, pubKey(t, 0)[30:60]} {
		if strings.Contains(log, secret) {
			t.Fatal("the request log holds a token, body or header value")
		}
	}
	if !strings.Contains(log, "/vault/invitations/REDACTED") || !strings.Contains(log, "/vault/invitations/"+*inv.Invitation.ID) {
		t.Fatalf("path redaction: want token redacted and id kept:\n%s", log)
	}
	if !strings.Contains(log, `"status":404`) {
		t.Fatal("status missing from the log")
	}
}

func TestPanicGuard(t *testing.T) {
	var buf syncBuffer
	s := New(Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	s.mux.HandleFunc("GET /vault/boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/vault/boom", nil))
	if rec.Code != 500 {
		t.Fatalf("status=%d, want 500", rec.Code)
	}
	checkErrorBody(t, rec.Code, rec.Body.Bytes(), meeco.InternalError)
	if !strings.Contains(buf.String(), "handler panic") || !strings.Contains(buf.String(), `"status":500`) {
		t.Fatalf("panic not logged:\n%s", buf.String())
	}
}

func TestEnvironmentYAML(t *testing.T) {
	ts := NewTestServer(t)
	out := EnvironmentYAML(ts.URL(), "key: with colon")
	var env struct {
		Vault, Keystore struct {
			URL             string `yaml:"url"`
			SubscriptionKey string `yaml:"subscription_key"`
		}
	}
	if err := yaml.Unmarshal([]byte(out), &env); err != nil {
		t.Fatal(err)
	}
	if env.Vault.URL != ts.VaultURL() || env.Keystore.URL != ts.KeystoreURL() || env.Vault.SubscriptionKey != "key: with colon" || env.Keystore.SubscriptionKey != "key: with colon" {
		t.Fatalf("environment %+v from\n%s", env, out)
	}
	if !strings.HasSuffix(ts.VaultURL(), "/vault") || !strings.HasPrefix(ts.URL(), "http://127.0.0.1:") {
		t.Fatalf("URLs %s %s", ts.URL(), ts.VaultURL())
	}
}
