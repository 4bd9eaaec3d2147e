package steps

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/serverview"
)

// blindConfig is a Config over a fake Vault with the given faults whose
// store and log the World can see, as the harness makes it; rt, when set,
// wraps the HTTP transport under the client (what the services receive,
// not what the client recorded).
func blindConfig(t *testing.T, rt func(http.RoundTripper) http.RoundTripper, faults ...fakevault.Fault) Config {
	t.Helper()
	view := serverview.New()
	srv := httptest.NewServer(view.NewFake(fakevault.WithFaults(faults...)))
	t.Cleanup(srv.Close)
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: keySeed.Add(1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	hc := &http.Client{}
	if rt != nil {
		hc.Transport = rt(http.DefaultTransport)
	}
	return Config{VaultURL: srv.URL + meeco.VaultPrefix, KeystoreURL: srv.URL + meeco.KeystorePrefix, Keys: keys, HTTPClient: hc, Server: view}
}

const blindVIN = "5YJ3E1EA7KF317000"

// blindScenario registers Alice, who stores a car and logs in again.
func blindScenario(t *testing.T, cfg Config) *World {
	t.Helper()
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.RegisterUser(ctx, "Alice", ""); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateItem(ctx, "Alice", "vehicle", "My Car", []SlotValue{{"vin", blindVIN}, {"model_make", "Tesla"}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// wantBlindFailure checks that the blindness check fails under req with
// every fragment, and that the failure shows no secret of the scenario.
func wantBlindFailure(t *testing.T, w *World, req string, fragments ...string) {
	t.Helper()
	err := w.Seal(w.CheckBlindness(context.Background()))
	var tf *TargetFailure
	if !errors.As(err, &tf) || tf.Requirement() != req {
		t.Fatalf("want a target failure under %s, got %v", req, err)
	}
	msg := err.Error()
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("failure lacks %q:\n%s", f, msg)
		}
	}
	for _, s := range worldSecrets(w) {
		if len(s) >= minScrub && strings.Contains(msg, s) {
			t.Errorf("failure shows a secret of %d bytes:\n%s", len(s), msg)
		}
	}
}

func TestBlindnessCleanScenarioPasses(t *testing.T) {
	w := blindScenario(t, blindConfig(t, nil))
	if err := w.Finish(); err != nil {
		t.Fatalf("a correct client and Vault: %v", err)
	}
	if n := len(w.secrets()); n < 8 {
		t.Errorf("%d canaries, want the password, secret, keys, private key and values", n)
	}
}

// TestBlindnessLogSecrets: the fake's log-secrets fault writes each
// request's Authorization header to its log.
func TestBlindnessLogSecrets(t *testing.T) {
	w := blindScenario(t, blindConfig(t, nil, fakevault.FaultLogSecrets))
	wantBlindFailure(t, w, "BLIND-LOG-01", "server blindness (BLIND-LOG-01): want Alice's session token never in clear outside the client, got it (clear) in the fake Vault's log, line ")
}

// TestBlindnessClientSendsValueInLabel is a client-side fault: a client
// that puts a slot value in clear into an item's label. The request scan
// finds it, with or without a view of the server.
func TestBlindnessClientSendsValueInLabel(t *testing.T) {
	for _, view := range []bool{true, false} {
		cfg := blindConfig(t, nil)
		if !view {
			cfg.Server = nil
		}
		w := blindScenario(t, cfg)
		u := w.users["Alice"]
		body := map[string]any{"template_name": "vehicle", "item": map[string]any{"label": "car " + blindVIN}}
		if _, _, err := w.call(context.Background(), u, client.Call{Op: "create item", Method: "POST", Path: meeco.VItems, Body: body}, nil); err != nil {
			t.Fatal(err)
		}
		wantBlindFailure(t, w, "BLIND-PLAIN-01", `want value 1 of "My Car" (17 bytes d:`, "got it (clear) in the body of POST /vault/items sent by Alice", "exchange:")
	}
}

// TestBlindnessValueInURL: a short plaintext base64'd into a query.
func TestBlindnessValueInURL(t *testing.T) {
	w := blindScenario(t, blindConfig(t, nil))
	u := w.users["Alice"]
	q := map[string][]string{"filter": {"VGVzbGE"}} // base64 of the 5-byte "Tesla", too short to look for
	w.call(context.Background(), u, client.Call{Op: "list items", Method: "GET", Path: meeco.VItems, Query: q}, nil)
	if err := w.CheckBlindness(context.Background()); err != nil {
		t.Fatalf("a 7-character base64 form is looked for: %v", err)
	}
	q = map[string][]string{"filter": {"NVlKM0UxRUE3S0YzMTcwMDA"}} // base64 of the VIN
	w.call(context.Background(), u, client.Call{Op: "list items", Method: "GET", Path: meeco.VItems, Query: q}, nil)
	wantBlindFailure(t, w, "BLIND-PLAIN-01", "got it (base64) in the URL of GET /vault/items sent by Alice")
}

// TestBlindnessStoreOnly: something between the client and the Vault (a
// broken proxy, an SDK shim) writes the password into the label: only the
// fake's store shows it, not what the client recorded.
func TestBlindnessStoreOnly(t *testing.T) {
	var password string
	leak := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.Method == "POST" && strings.HasSuffix(r.URL.Path, meeco.VItems) && password != "" {
				b, _ := io.ReadAll(r.Body)
				b = bytes.Replace(b, []byte(`"label":"My Car"`), []byte(`"label":"My Car `+password+`"`), 1)
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			}
			return next.RoundTrip(r)
		})
	}
	cfg := blindConfig(t, leak)
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.RegisterUser(ctx, "Alice", ""); err != nil {
		t.Fatal(err)
	}
	password = w.users["Alice"].password
	if err := w.CreateItem(ctx, "Alice", "vehicle", "My Car", []SlotValue{{"vin", blindVIN}}); err != nil {
		t.Fatal(err)
	}
	wantBlindFailure(t, w, "BLIND-KEYS-01", "want Alice's password never in clear outside the client, got it (clear) in the fake Vault's store: vault item ")
	cfg.Server = nil
	w.cfg = cfg
	if err := w.CheckBlindness(ctx); err != nil {
		t.Errorf("without a view of the server, what the client sent is clean: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
