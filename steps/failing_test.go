package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
)

// These tests run World actions and checks against a target that
// misbehaves in one way, switched on after the scenario is set up, and
// assert that the right check fails with a message naming what was
// wanted and what came back, and that no message holds a secret.

// carValues are the values of Alice's car in these tests.
var carValues = []SlotValue{
	{"model_make", "Tesla Model 3"},
	{"licence_plate", "ABC-123"},
	{"vin", "5YJ3E1EA7KF317000"},
}

// misbehave is a middleware that is off until switched on.
type misbehave struct {
	on atomic.Bool
}

// rewrite edits the JSON body of 2xx answers to matching requests while
// switched on.
func (m *misbehave) rewrite(method string, path *regexp.Regexp, edit func(doc map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !m.on.Load() || r.Method != method || !path.MatchString(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if rec.Code/100 == 2 {
				var doc map[string]any
				if json.Unmarshal(body, &doc) == nil {
					edit(doc)
					body, _ = json.Marshal(doc)
				}
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			w.Write(body)
		})
	}
}

// answer replaces the answer to matching requests while switched on.
func (m *misbehave) answer(method string, path *regexp.Regexp, when func(*http.Request) bool, status int, body string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !m.on.Load() || r.Method != method || !path.MatchString(r.URL.Path) || (when != nil && !when(r)) {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		})
	}
}

// fixture is a World against one (possibly misbehaving) fake Vault.
type fixture struct {
	t   *testing.T
	ctx context.Context
	w   *World
}

func newFixture(t *testing.T, wrap func(http.Handler) http.Handler) *fixture {
	t.Helper()
	w, err := NewWorld(newConfig(t, wrap))
	if err != nil {
		t.Fatalf("NewWorld: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &fixture{t: t, ctx: ctx, w: w}
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("setup: %v", err)
	}
}

// sharedCar sets up the access-control background: Alice, Bob and Carol,
// Alice connected to Bob, Alice's car shared with Bob.
func (f *fixture) sharedCar() {
	f.t.Helper()
	f.must(f.w.RegisterUsers(f.ctx, []string{"Alice", "Bob", "Carol"}))
	f.must(f.w.Connect(f.ctx, "Alice", "Bob"))
	f.must(f.w.CreateItem(f.ctx, "Alice", "vehicle", "My Car", carValues))
	f.must(f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{}))
}

// secrets lists everything of the World that must never be printed.
func (f *fixture) secrets() []string { return worldSecrets(f.w) }

func worldSecrets(w *World) []string {
	var out []string
	for _, u := range w.users {
		out = append(out, u.password)
		for _, a := range []*client.AuthData{u.auth, u.registered, u.loggedOut, u.dead, u.short} {
			if a == nil {
				continue
			}
			sec := a.Secret.Reveal()
			out = append(out, sec, sec[strings.LastIndexByte(sec, '.')+1:], a.VaultToken.Reveal(), a.KeystoreToken.Reveal())
			for _, k := range []cryppo.SymmetricKey{a.PDK, a.KEK, a.DEK} {
				for _, form := range keyForms(k.Bytes()) {
					out = append(out, string(form))
				}
			}
			if a.LoginKey != nil {
				out = append(out, a.LoginKey.PEM())
			}
		}
	}
	for _, kp := range w.keypairs {
		out = append(out, kp.priv.PEM())
	}
	for _, it := range w.items {
		out = append(out, it.history...)
	}
	return out
}

// wantFailure checks that err is a *TargetFailure whose text holds every
// fragment and none of the World's secrets.
func (f *fixture) wantFailure(err error, fragments ...string) string {
	f.t.Helper()
	if err == nil {
		f.t.Fatalf("check passed against a misbehaving target, want a failure")
	}
	err = f.w.Seal(err)
	var tf *TargetFailure
	if !errors.As(err, &tf) {
		f.t.Fatalf("error %T (%v), want *TargetFailure", err, err)
	}
	msg := err.Error()
	for _, frag := range fragments {
		if !strings.Contains(msg, frag) {
			f.t.Errorf("failure message lacks %q:\n%s", frag, msg)
		}
	}
	first, _, _ := strings.Cut(msg, "\n")
	if !strings.Contains(first, "want") || !strings.Contains(first, "got") {
		f.t.Errorf("first line %q does not read \"want X, got Y\"", first)
	}
	for _, s := range f.secrets() {
		if s != "" && strings.Contains(msg, s) {
			f.t.Errorf("failure message holds a secret or plaintext (%d bytes):\n%s", len(s), msg)
		}
	}
	return msg
}

var (
	reIncomingShare     = regexp.MustCompile(`^/vault/incoming_shares/[^/]+$`)
	reIncomingShareItem = regexp.MustCompile(`^/vault/incoming_shares/[^/]+/item$`)
	reItem              = regexp.MustCompile(`^/vault/items/[^/]+$`)
	reItemShares        = regexp.MustCompile(`^/vault/items/[^/]+/shares$`)
	reShare             = regexp.MustCompile(`^/vault/shares/[^/]+$`)
	reKEK               = regexp.MustCompile(`^/keystore/key_encryption_key$`)
)

// obj and list walk a decoded JSON document.
func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }

// flipField replaces a Cryppo string field with a tampered copy.
func flipField(t *testing.T, m map[string]any, key, part string) {
	s, _ := m[key].(string)
	if s == "" {
		t.Errorf("no %s to tamper with", key)
		return
	}
	x, err := tamper(s, part)
	if err != nil {
		t.Errorf("tamper %s: %v", key, err)
		return
	}
	m[key] = x
}

// slotNamed finds a slot of a decoded item response.
func slotNamed(doc map[string]any, name string) map[string]any {
	for _, s := range list(doc["slots"]) {
		if m := obj(s); m["name"] == name {
			return m
		}
	}
	return nil
}

func TestCheckFailsOnCorruptedShareKey(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.rewrite("GET", reIncomingShare, func(doc map[string]any) {
		flipField(t, obj(doc["share"]), "encrypted_dek", "ciphertext")
	}))
	f.sharedCar()
	m.on.Store(true)
	err := f.w.CheckShareKeyOnly(f.ctx, "My Car", "Bob", "Bob")
	f.wantFailure(err, `share of "My Car" to Bob: want the encrypted DEK to open with Bob's keypair`, "got cryppo: decryption failed",
		"GET http://", "/vault/incoming_shares/")
}

func TestCheckFailsOnDroppedSlotValue(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.rewrite("GET", reIncomingShareItem, func(doc map[string]any) {
		delete(slotNamed(doc, "vin"), "encrypted_value")
	}))
	f.sharedCar()
	m.on.Store(true)
	err := f.w.CheckSharedItem(f.ctx, "Bob", "My Car", "Alice", carValues)
	f.wantFailure(err, `slot "vin": want a value of 17 bytes d:`, "got no value", "/item")
}

func TestCheckFailsOnSwappedValues(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.rewrite("GET", reItem, func(doc map[string]any) {
		a, b := slotNamed(doc, "model_make"), slotNamed(doc, "vin")
		a["encrypted_value"], b["encrypted_value"] = b["encrypted_value"], a["encrypted_value"]
	}))
	f.sharedCar()
	m.on.Store(true)
	err := f.w.CheckItem(f.ctx, "Alice", "My Car", carValues)
	f.wantFailure(err, `slot "model_make": decrypted value differs (want 13 bytes d:`, "got 17 bytes d:")
	err = f.w.CheckStoredEncrypted(f.ctx, "My Car", "Alice")
	f.wantFailure(err, "decrypted value differs")
}

func TestCheckFailsOnStoredPlaintext(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.rewrite("GET", reItem, func(doc map[string]any) {
		obj(doc["item"])["note"] = "made by Tesla Model 3 works"
	}))
	f.sharedCar()
	m.on.Store(true)
	err := f.w.CheckNoPlaintext(f.ctx, "My Car")
	msg := f.wantFailure(err, `want no plaintext of "My Car", got the value of 13 bytes d:`, "in the raw body")
	if !strings.Contains(msg, "[value 13 bytes d:") {
		t.Errorf("the echoed plaintext in the attached exchange is not scrubbed:\n%s", msg)
	}
}

func TestCheckFailsWhenUnauthenticatedReadSucceeds(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.answer("GET", reItem, func(r *http.Request) bool { return r.Header.Get("Authorization") == "" },
		200, `{"item":{"id":"x"},"slots":[]}`))
	f.sharedCar()
	m.on.Store(true)
	err := f.w.CheckItemRefusedWith(f.ctx, "Alice", "My Car", NoToken, 401)
	f.wantFailure(err, `reading Alice's item "My Car" with no token: want refused with status 401, got success`, "< 200 OK")
	if err := f.w.CheckItemRefusedWith(f.ctx, "Alice", "My Car", MalformedToken, 401); err != nil {
		t.Errorf("malformed token against the honest part of the target: %v", err)
	}
}

func TestCheckFailsWhenStrangerDeletes(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.answer("DELETE", reShare, nil, 204, ""))
	f.sharedCar()
	m.on.Store(true)
	err := f.w.CheckCannotAccessShare(f.ctx, "Carol", "delete", "My Car", "Bob")
	f.wantFailure(err, `Carol deletes the share of "My Car" to Bob: want 404 Not Found, got success`, "DELETE http://", "/vault/shares/")
}

func TestCheckFailsOnCorruptedKEK(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.rewrite("GET", reKEK, func(doc map[string]any) {
		flipField(t, obj(doc["key_encryption_key"]), "serialized_key_encryption_key", "tag")
	}))
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	if err := f.w.CheckKEKStored(f.ctx, "Alice"); err != nil {
		t.Fatalf("honest target: %v", err)
	}
	m.on.Store(true)
	err := f.w.CheckKEKStored(f.ctx, "Alice")
	f.wantFailure(err, "Alice's key encryption key: want it to open with Alice's passphrase-derived key", "decryption failed", "/keystore/key_encryption_key")
}

func TestCheckFailsOnWrongStrategy(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.rewrite("GET", reItem, func(doc map[string]any) {
		s := slotNamed(doc, "vin")
		s["encrypted_value"] = strings.Replace(s["encrypted_value"].(string), "Aes256Gcm.", "Aes128Gcm.", 1)
	}))
	f.sharedCar()
	m.on.Store(true)
	// The client still decrypts (cryppo ignores the digits, as cryppo-js
	// does), so only the format check can notice.
	if err := f.w.CheckItem(f.ctx, "Alice", "My Car", carValues); err != nil {
		t.Fatalf("reading the item: %v", err)
	}
	err := f.w.CheckSymmetricCiphertexts(meecoAES)
	f.wantFailure(err, `encrypted_value in GET /vault/items/`, `want a canonical Aes256Gcm string (12-byte IV, 16-byte tag, AAD "none"), got strategy "Aes128Gcm"`)
}

func TestCheckFailsOnReusedShareKey(t *testing.T) {
	// A Vault that ignores the re-key keeps serving the old encrypted DEK.
	m := &misbehave{}
	var first atomic.Value
	f := newFixture(t, m.rewrite("GET", reIncomingShare, func(doc map[string]any) {
		if old, ok := first.Load().(string); ok {
			obj(doc["share"])["encrypted_dek"] = old
		}
	}))
	f.sharedCar()
	s, _ := f.w.liveShare("My Car", f.w.users["Bob"], nil)
	first.Store(s.deks[0])
	f.must(f.w.ChangeSlot(f.ctx, "Alice", "vin", "My Car", "1HGCM82633A004352"))
	f.must(f.w.UpdateShares(f.ctx, "Alice", "My Car"))
	if err := f.w.CheckNewEncryptedDEK(f.ctx, "My Car", "Bob"); err != nil {
		t.Fatalf("honest target: %v", err)
	}
	m.on.Store(true)
	err := f.w.CheckNewEncryptedDEK(f.ctx, "My Car", "Bob")
	f.wantFailure(err, `share of "My Car" to Bob: want a new encrypted_dek, got the one it was created with`)
}

func TestActionFailureFailsItsStep(t *testing.T) {
	m := &misbehave{}
	f := newFixture(t, m.answer("POST", reItemShares, nil, 500, `{"errors":[{"error":"internal_error","http_code":500,"message":"boom"}]}`))
	f.must(f.w.RegisterUsers(f.ctx, []string{"Alice", "Bob"}))
	f.must(f.w.Connect(f.ctx, "Alice", "Bob"))
	f.must(f.w.CreateItem(f.ctx, "Alice", "vehicle", "My Car", carValues))
	m.on.Store(true)

	err := f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{})
	f.wantFailure(err, `Alice shares "My Car" with Bob: want success, got`, "500 internal_error", "POST http://", "/shares")
	if f.w.Finish() != nil {
		t.Errorf("a failure reported by its own step is reported again at the end")
	}

	// With a refusal check next, the failure is the expected outcome.
	f.w.expectFail = true
	if err := f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{}); err != nil {
		t.Fatalf("action before a refusal check failed its own step: %v", err)
	}
	f.wantFailure(f.w.CheckRefused(0), "want a refusal (HTTP 4xx), got", "500")
	if err := f.w.CheckRefused(500); err != nil {
		t.Errorf("refused with status 500: %v", err)
	}
	if err := f.w.CheckRefused(403); err == nil || !strings.Contains(err.Error(), "want a refusal with status 403") {
		t.Errorf("want status 403, got %v", err)
	}

	// Unchecked, it fails the scenario at its end.
	if err := f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{}); err != nil {
		t.Fatal(err)
	}
	f.wantFailure(f.w.Finish(), "want its failure checked by a later step, got no step checking it")

	// A success where a refusal was expected fails the check.
	m.on.Store(false)
	f.w.expectFail = true
	f.must(f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{}))
	f.wantFailure(f.w.CheckRefused(403), `Alice shares "My Car" with Bob: want a refusal with status 403, got success`)
}

func TestScenarioMistakesAreScenarioErrors(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.w.CheckRefused(401); err == nil {
		t.Errorf("a refusal check with no action before it passed")
	} else if _, ok := err.(*ScenarioError); !ok {
		t.Errorf("a refusal check with no action before it: %T, want *ScenarioError", err)
	}
	f.must(f.w.RegisterUsers(f.ctx, []string{"Alice", "Bob"}))
	f.must(f.w.CreateItem(f.ctx, "Alice", "vehicle", "My Car", carValues[:1]))
	isScenario := func(what string, err error) {
		t.Helper()
		var se interface{ ScenarioError() bool }
		if !errors.As(err, &se) || !se.ScenarioError() {
			t.Errorf("%s: %v (%T), want a scenario error", what, err, err)
		}
		var tf *TargetFailure
		if errors.As(err, &tf) {
			t.Errorf("%s: a scenario error is also a target failure", what)
		}
	}
	isScenario("unknown user", f.w.CheckProfile(f.ctx, "Zed"))
	isScenario("unknown item", f.w.CheckItem(f.ctx, "Alice", "No Car", nil))
	isScenario("someone else's item", f.w.CheckItem(f.ctx, "Bob", "My Car", nil))
	isScenario("not connected", f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{}))
	isScenario("no share", f.w.CheckShareState(f.ctx, "My Car", "Bob", "accepted"))
	isScenario("bad state", f.w.CheckShareState(f.ctx, "My Car", "Bob", "maybe"))
	isScenario("registered twice", f.w.RegisterUser(f.ctx, "Alice", ""))
	isScenario("bad name", f.w.RegisterUser(f.ctx, "alice", ""))
	isScenario("no invitation", f.w.AcceptInvitation(f.ctx, "Bob", "Alice", "Alice"))
	isScenario("again without a first share", f.w.ConnectAgain(f.ctx, "Alice", "Bob"))
	f.must(f.w.Connect(f.ctx, "Alice", "Bob"))
	isScenario("unknown slot", f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{Slot: "wings"}))
	isScenario("again first", f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{Again: true}))
	isScenario("old token before logout", f.w.CheckItemRefusedWith(f.ctx, "Alice", "My Car", OldToken, 401))
	isScenario("bad form", f.w.CheckEncryptedDEKForm(f.ctx, "My Car", "Bob", "Rsa4096"))
	for _, tc := range []struct {
		name string
		rows [][]string
	}{
		{"no header", nil},
		{"wrong header", [][]string{{"name", "value"}, {"vin", "x"}}},
		{"three columns", [][]string{{"slot", "value", "x"}}},
		{"short row", [][]string{{"slot", "value"}, {"vin"}}},
		{"empty slot", [][]string{{"slot", "value"}, {"", "x"}}},
		{"duplicate slot", [][]string{{"slot", "value"}, {"vin", "x"}, {"vin", "y"}}},
		{"header only", [][]string{{"slot", "value"}}},
	} {
		_, err := slotTable(table2(tc.rows))
		isScenario("table "+tc.name, err)
	}
	if f.w.Finish() != nil {
		t.Errorf("scenario errors left an unchecked outcome: %v", f.w.Finish())
	}
}

// table2 builds a godog table from rows.
func table2(rows [][]string) *godog.Table {
	t := &godog.Table{}
	for _, r := range rows {
		row := &messages.PickleTableRow{}
		for _, c := range r {
			row.Cells = append(row.Cells, &messages.PickleTableCell{Value: c})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func TestBrokenLedgerIsHarnessError(t *testing.T) {
	f := newFixture(t, nil)
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	if err := f.w.CheckLedger(); err != nil {
		t.Fatalf("fresh ledger: %v", err)
	}
	f.w.Ledger().Record(ledger.Entry{Actor: "Alice", Op: ledger.OpDecrypt, Subject: "planted"}, func() error { return ledger.ErrMismatch })
	err := f.w.Finish()
	var he interface{ HarnessError() bool }
	if !errors.As(err, &he) || !he.HarnessError() {
		t.Fatalf("Finish with a broken ledger: %v, want a harness error", err)
	}
	if !strings.Contains(err.Error(), "planted") || !strings.Contains(err.Error(), "does not re-verify") {
		t.Errorf("message does not name the entry: %v", err)
	}
}

func TestMissingKeySourceIsHarnessError(t *testing.T) {
	_, err := NewWorld(Config{VaultURL: "http://127.0.0.1:1/vault", KeystoreURL: "http://127.0.0.1:1/keystore"})
	var he interface{ HarnessError() bool }
	if !errors.As(err, &he) {
		t.Fatalf("NewWorld without keys: %v, want a harness error", err)
	}
}

func TestFailureTextIsClipped(t *testing.T) {
	long := strings.Repeat("x", 5000)
	got := clipLines("a\n"+long+"\nb", 100)
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || len(lines[1]) > 130 || !strings.Contains(lines[1], "(5000 bytes)") {
		t.Fatalf("clipLines: %q", got)
	}
	if firstLine("\n\n  want a, got b \nmore") != "want a, got b" {
		t.Fatalf("firstLine")
	}
	var buf bytes.Buffer
	buf.WriteString(indent("a\n\nb", "  "))
	if buf.String() != "  a\n\n  b" {
		t.Fatalf("indent: %q", buf.String())
	}
}
