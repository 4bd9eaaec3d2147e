package client

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
)

// env is one fake Vault+Keystore and a client against it.
type env struct {
	tb  testing.TB
	ctx context.Context
	srv *fakevault.TestServer
	c   *Client
	led *ledger.Ledger
}

var envSeed atomic.Uint64

// newEnv starts a fake and a client with fast (committed) test keys.
// configure may adjust the Config (e.g. an intercepting transport).
func newEnv(tb testing.TB, configure ...func(*Config)) *env {
	tb.Helper()
	srv := fakevault.NewTestServer(tb)
	keys, err := keysource.New(keysource.ModeFast, keysource.Options{Seed: envSeed.Add(1)})
	if err != nil {
		tb.Fatalf("keysource: %v", err)
	}
	tb.Cleanup(func() { keys.Close() })
	led := ledger.New()
	cfg := Config{
		VaultURL:    srv.VaultURL(),
		KeystoreURL: srv.KeystoreURL(),
		Keys:        keys,
		Ledger:      led,
	}
	for _, f := range configure {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	tb.Cleanup(cancel)
	return &env{tb: tb, ctx: ctx, srv: srv, c: c, led: led}
}

// user signs a user up (the CLI's users:create).
func (e *env) user(name string) *AuthData {
	e.tb.Helper()
	a, err := e.c.Signup(e.ctx, name, name+" password ✓")
	if err != nil {
		e.tb.Fatalf("signup %s: %v", name, err)
	}
	return a
}

var vehicleValues = map[string]string{
	"model_make":    "Mazda Familia",
	"licence_plate": "ABC123",
	"vin":           "VIN3322112223",
	"purchase_date": "2000-01-01",
}

// vehicle creates a vehicle item with vehicleValues (and an empty "type").
func (e *env) vehicle(a *AuthData, label string) *Item {
	e.tb.Helper()
	ni := NewItem{Template: "vehicle", Label: label}
	for _, name := range []string{"model_make", "licence_plate", "vin", "type", "purchase_date"} {
		ni.Slots = append(ni.Slots, NewSlot{Name: name, Value: vehicleValues[name]})
	}
	it, err := e.c.CreateItem(e.ctx, a, ni)
	if err != nil {
		e.tb.Fatalf("create item: %v", err)
	}
	return it
}

func (e *env) connect(a, b *AuthData) *ConnectResult {
	e.tb.Helper()
	res, err := e.c.Connect(e.ctx, a, b, ConnectOptions{FromName: a.Name, ToName: b.Name})
	if err != nil {
		e.tb.Fatalf("connect %s-%s: %v", a.Name, b.Name, err)
	}
	return res
}

func (e *env) share(a *AuthData, connID, itemID string, opts ShareOptions) string {
	e.tb.Helper()
	shared, err := e.c.Share(e.ctx, a, connID, itemID, opts)
	if err != nil {
		e.tb.Fatalf("share: %v", err)
	}
	if len(shared.Shares) != 1 {
		e.tb.Fatalf("share returned %d shares, want 1", len(shared.Shares))
	}
	if shared.Sent.EncryptedDEK == "" || shared.Sent.RecipientID != shared.Shares[0].RecipientID {
		e.tb.Fatalf("share did not return what it sent: %+v", shared.Sent.RecipientID)
	}
	return shared.Shares[0].ID
}

// verifyLedger re-does every recorded operation.
func (e *env) verifyLedger() {
	e.tb.Helper()
	rep := e.led.VerifyAll()
	for _, err := range rep.Errors {
		e.tb.Errorf("ledger: %v", err)
	}
	if rep.Checked == 0 {
		e.tb.Errorf("ledger re-checked nothing")
	}
}

// calls returns "METHOD /path" of the exchanges since mark, ids replaced by
// {id}.
func (e *env) calls(mark int) []string {
	var out []string
	for _, ex := range e.c.Exchanges().Since(mark) {
		s := ex.Summary()
		s = s[:strings.LastIndex(s, " -> ")]
		s = uuidRE.ReplaceAllString(s, "{id}")
		out = append(out, s)
	}
	return out
}

var uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func wantCalls(tb testing.TB, got []string, want ...string) {
	tb.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		tb.Errorf("calls:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// checkValues compares an item's decrypted values with want (slots absent
// from want must have no value).
func checkValues(tb testing.TB, who string, it *Item, want map[string]string) {
	tb.Helper()
	seen := map[string]bool{}
	for _, s := range it.Slots {
		w, ok := want[s.Name]
		switch {
		case ok && !s.Value.Equal(w):
			tb.Errorf("%s: slot %s = %v, want the value the owner wrote (%d bytes)", who, s.Name, s.Value, len(w))
		case !ok && s.Value.IsSet():
			tb.Errorf("%s: slot %s has a value %v, want none", who, s.Name, s.Value)
		}
		seen[s.Name] = true
	}
	for name := range want {
		if !seen[name] {
			tb.Errorf("%s: slot %s missing", who, name)
		}
	}
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// fmtAll formats v with every common verb.
func fmtAll(v any) string {
	return fmt.Sprintf("%v %+v %#v %s %q %x", v, v, v, v, v, v)
}
