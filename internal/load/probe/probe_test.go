package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/steps"
)

func TestRouterFoldsIDs(t *testing.T) {
	for _, base := range []string{"http://h:1", "https://gw.example.com/api/v2"} {
		rt := NewRouter(base+"/vault", base+"/keystore")
		for path, want := range map[string]string{
			"GET /vault/me":                           "GET /vault/me",
			"GET /vault/items/8f2a":                   "GET /vault/items/{id}",
			"POST /vault/items/8f2a/shares":           "POST /vault/items/{id}/shares",
			"PUT /vault/incoming_shares/x/accept":     "PUT /vault/incoming_shares/{id}/accept",
			"GET /vault/incoming_shares/x/item":       "GET /vault/incoming_shares/{id}/item",
			"GET /keystore/keypairs/external_id/auth": "GET /keystore/keypairs/external_id/{external_id}",
			"GET /keystore/keypairs/k1":               "GET /keystore/keypairs/{id}",
			"GET /vault/items/a/b/c":                  "GET /vault/(other)",
			"PATCH /vault/me":                         "PATCH /vault/(other)",
			"GET /elsewhere":                          "GET (other)",
			"GET /vaultx/me":                          "GET (other)",
		} {
			method, p, _ := strings.Cut(path, " ")
			u, _ := url.Parse(base + p)
			if got := rt.Route(method, u); got != want {
				t.Errorf("%s %s: route %q, want %q", method, u, got, want)
			}
		}
	}
}

// TestRoutesAreServed checks every route name against the fake Vault: each
// must reach a handler (any answer but "no route" or "method not
// allowed"), so the table cannot drift from the API.
func TestRoutesAreServed(t *testing.T) {
	srv := httptest.NewServer(fakevault.New(fakevault.Options{}))
	defer srv.Close()
	for _, r := range Routes() {
		method, path, _ := strings.Cut(r, " ")
		path = strings.NewReplacer("{id}", "x1", "{external_id}", "auth").Replace(path)
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "no route") || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s: the fake answers %d %s", r, resp.StatusCode, body)
		}
	}
}

func TestTransportMeasuresOnlyMeasuredRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/vault/items/abc" {
			w.WriteHeader(404)
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	reg := metrics.NewRegistry()
	tr := &Transport{Router: NewRouter(srv.URL+"/vault", srv.URL+"/keystore"), Reg: reg}
	c := &http.Client{Transport: tr}
	get := func(ctx context.Context, p string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+p, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get(context.Background(), "/vault/me") // setup: not measured
	m := Measured(context.Background())
	get(m, "/vault/me")
	get(m, "/vault/me")
	get(m, "/vault/items/abc")
	snap := reg.Snapshot()
	a, _ := metrics.Aggregate(metrics.Counter, snap.Select(metrics.HTTPReqs, map[string]string{metrics.TagRoute: "GET /vault/me"}))
	if a.Count != 2 {
		t.Fatalf("GET /vault/me counted %d times, want 2 (setup is not measured)", a.Count)
	}
	f, _ := metrics.Aggregate(metrics.Rate, snap.Select(metrics.HTTPReqFailed, nil))
	if f.Count != 3 || f.Trues != 1 {
		t.Fatalf("http_req_failed %d of %d, want 1 of 3", f.Trues, f.Count)
	}
	d, _ := metrics.Aggregate(metrics.Trend, snap.Select(metrics.HTTPReqDuration, map[string]string{metrics.TagStatus: "404"}))
	if d.Count != 1 {
		t.Fatalf("404 durations: %d, want 1", d.Count)
	}
}

func definition(t *testing.T, text string) *steps.Definition {
	t.Helper()
	var found []steps.Definition
	for _, d := range steps.Definitions() {
		if d.Pattern.MatchString(text) {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%q matches %d definitions", text, len(found))
	}
	return &found[0]
}

func TestCorrectnessChecksNameSteps(t *testing.T) {
	for _, id := range append(slices.Clone(isolationChecks), hashChecks...) {
		d, ok := steps.Lookup(id)
		if !ok || d.Kind != steps.KindCheck {
			t.Errorf("%s names no check of the step table any more", id)
		}
	}
}

func TestCorrectness(t *testing.T) {
	leak := definition(t, `Bob cannot read Alice's item "My Car"`)
	profile := definition(t, "Alice can read her own profile")
	refusal := definition(t, "the request is refused with status 404")
	hash := definition(t, `every slot of the share of "My Car" to Bob has a value verification hash that verifies`)

	apiErr := &client.Error{Op: "get user", Status: 503, Err: errors.New("unavailable")}
	for _, tc := range []struct {
		name string
		d    *steps.Definition
		err  error
		want string
	}{
		{"isolation", leak, &steps.TargetFailure{Msg: "want 404, got 200"}, "cross_user_leaks"},
		{"status", profile, &steps.TargetFailure{Msg: "x", Err: apiErr}, "unexpected_statuses:503"},
		{"decrypt", profile, &steps.TargetFailure{Msg: "x", Err: fmt.Errorf("decrypting: %w", cryppo.ErrDecrypt)}, "decrypt_failures"},
		{"hash check", hash, &steps.TargetFailure{Msg: "mismatch"}, "verification_hash_failures"},
		{"hash in client", profile, &steps.TargetFailure{Msg: "x", Err: &client.HashMismatchError{}}, "verification_hash_failures"},
		{"refusal got success", refusal, &steps.TargetFailure{Msg: "want refusal, got success", Exchanges: nil}, ""},
		{"plain", profile, &steps.TargetFailure{Msg: "want id X, got Y"}, ""},
	} {
		var got []string
		for _, v := range Correctness(tc.d, tc.err) {
			s := v.Metric
			if v.Status != "" {
				s += ":" + v.Status
			}
			got = append(got, s)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s: violations %v, want %q", tc.name, got, tc.want)
		}
	}
}

func TestIterationCountsOnce(t *testing.T) {
	reg := metrics.NewRegistry()
	it := NewInstruments(reg).Iteration(true)
	d := definition(t, "Alice can read her own profile")
	// The client saw the decryption fail, then the step failed for it:
	// one failure, not two.
	it.ObserveCrypto(ledger.CryptoAESDecrypt, time.Millisecond, cryppo.ErrDecrypt)
	it.Options().Step(0, d, time.Millisecond, &steps.TargetFailure{Msg: "x", Err: cryppo.ErrDecrypt})
	snap := reg.Snapshot()
	a, _ := metrics.Aggregate(metrics.Counter, snap.Select(metrics.DecryptFailures, nil))
	if a.Count != 1 {
		t.Fatalf("decrypt_failures = %d, want 1", a.Count)
	}
	setup := NewInstruments(reg).Iteration(false)
	setup.ObserveCrypto(ledger.CryptoRSAUnwrap, time.Second, nil)
	snap = reg.Snapshot()
	r, _ := metrics.Aggregate(metrics.Trend, snap.Select(metrics.CryptoDuration, map[string]string{metrics.TagOp: "rsa_unwrap"}))
	if r.Count != 0 {
		t.Fatalf("setup crypto was timed (%d samples); setup is not part of the run", r.Count)
	}
}
