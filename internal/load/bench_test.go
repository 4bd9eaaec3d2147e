package load

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/internal/load/plan"
	"github.com/vaultcheck/vaultcheck/internal/load/probe"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/steps"

	gherkin "github.com/cucumber/gherkin/go/v42"
)

const profileFeature = `Feature: profile
  Scenario: Alice reads her profile
    Given Alice is a registered user
    Then Alice can read her own profile
`

// replayTransport serves requests from a fake Vault in the same goroutine
// (no network) while recording, and then answers every GET /vault/me from
// the last answer it recorded, without the server: what is left of an
// iteration is the generator's own work.
type replayTransport struct {
	h http.Handler

	mu     sync.Mutex
	replay bool
	status int
	header http.Header
	body   []byte
}

func (t *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	replay := t.replay && req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, meeco.VaultPrefix+meeco.VMe)
	status, header, body := t.status, t.header, t.body
	t.mu.Unlock()
	if replay {
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	res := rec.Result()
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, meeco.VaultPrefix+meeco.VMe) {
		b, _ := io.ReadAll(res.Body)
		t.mu.Lock()
		t.status, t.header, t.body = res.StatusCode, res.Header.Clone(), b
		t.mu.Unlock()
		res.Body = io.NopCloser(bytes.NewReader(b))
	}
	res.Request = req
	return res, nil
}

// BenchmarkGeneratorPerRequest is the load generator's own cost per
// request: one iteration of "Alice can read her own profile" (one GET
// /vault/me, no client-side crypto) on a VU set up once, with every
// instrument of a run on (route, step and crypto metrics, the exchange
// log, the fork of the set-up, Finish with the ledger and blindness
// checks), and the server's answer replayed from memory: neither the
// server nor the network is in it.
func BenchmarkGeneratorPerRequest(b *testing.B) {
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(profileFeature), ids.NewId)
	if err != nil {
		b.Fatal(err)
	}
	p := gherkin.Pickles(*doc, "profile.feature", ids.NewId)[0]
	c, err := steps.Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer keys.Close()
	const base = "http://vault.test"
	rt := &replayTransport{h: fakevault.New(fakevault.Options{Quiet: true})}
	reg := metrics.NewRegistry()
	hc := &http.Client{Transport: &probe.Transport{Base: rt, Router: probe.NewRouter(base+"/vault", base+"/keystore"), Reg: reg}}
	cfg := steps.Config{VaultURL: base + "/vault", KeystoreURL: base + "/keystore", Keys: &probe.Keys{Source: keys, Wait: reg.Get(metrics.KeySupplyWait)}, HTTPClient: hc}
	blk := &block{l: plan.Load{Name: "bench", Fixture: plan.FixtureVU},
		scenarios: []*scenario{{name: "profile.feature:2: Alice reads her profile", compiled: c, setupLen: leadingGivens(p)}}}
	fails := newFailureLog()
	v, err := newVUFunc(blk, cfg, reg, fails)(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	v.Iterate(ctx) // records the answer to replay
	rt.mu.Lock()
	rt.replay = true
	rt.mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v.Iterate(ctx)
	}
	b.StopTimer()
	if f := fails.list(); len(f) > 0 {
		b.Fatalf("iterations failed: %+v", f)
	}
	snap := reg.Snapshot()
	a, _ := metrics.Aggregate(metrics.Counter, snap.Select(metrics.HTTPReqs, map[string]string{metrics.TagRoute: "GET /vault/me"}))
	if a.Count < int64(b.N) {
		b.Fatalf("%d requests measured for %d iterations", a.Count, b.N)
	}
}
