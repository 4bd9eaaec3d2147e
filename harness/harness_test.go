package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cucumber/godog"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/steps"
)

// probe is the fake step library of these tests: a few trivial steps that
// record what ran, so the tests check the harness without the real steps.
type probe struct {
	mu      sync.Mutex
	ran     []string // scenario names, in start order (Before hooks run even for scenarios that are not run)
	sums    []string // the "a plus b is c" steps that ran
	cfgs    []steps.Config
	bodies  []string // what "the target answers" got from the Vault URL
	running atomic.Int32
	peak    atomic.Int32
	wait    time.Duration
}

type scenarioMistake struct{}

func (scenarioMistake) Error() string       { return "no user named Zed in this scenario" }
func (scenarioMistake) ScenarioError() bool { return true }

type harnessBreakdown struct{}

func (harnessBreakdown) Error() string      { return "key source broke" }
func (harnessBreakdown) HarnessError() bool { return true }

// testKeys is a key source for tests that need none: the probe's steps
// never ask for a key, and the real sources either cost RSA-4096
// generation or depend on the committed key set.
type testKeys struct{ mode string }

func (k testKeys) Key(context.Context) (*cryppo.PrivateKey, error) {
	return nil, errors.New("testKeys: no keys in harness tests")
}
func (testKeys) Close() error   { return nil }
func (k testKeys) Mode() string { return k.mode }

func (p *probe) init(cfg steps.Config) func(*godog.ScenarioContext) {
	p.mu.Lock()
	p.cfgs = append(p.cfgs, cfg)
	p.mu.Unlock()
	return func(sc *godog.ScenarioContext) {
		sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
			p.mu.Lock()
			p.ran = append(p.ran, s.Name)
			p.mu.Unlock()
			return ctx, nil
		})
		sc.Step(`^the target answers$`, func(ctx context.Context) error {
			for _, u := range []string{cfg.VaultURL, cfg.KeystoreURL} {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
				if err != nil {
					return err
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return err
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				resp.Body.Close()
				if u == cfg.VaultURL {
					p.mu.Lock()
					p.bodies = append(p.bodies, string(body))
					p.mu.Unlock()
				}
			}
			return nil
		})
		sc.Step(`^(\d+) plus (\d+) is (\d+)$`, func(a, b, sum int) error {
			p.mu.Lock()
			p.sums = append(p.sums, fmt.Sprintf("%d plus %d is %d", a, b, sum))
			p.mu.Unlock()
			if a+b != sum {
				return fmt.Errorf("want %d, got %d", sum, a+b)
			}
			return nil
		})
		sc.Step(`^a scenario mistake$`, func() error { return fmt.Errorf("step: %w", scenarioMistake{}) })
		sc.Step(`^a harness breakdown$`, func() error { return harnessBreakdown{} })
		sc.Step(`^a short wait$`, func() {
			n := p.running.Add(1)
			for {
				old := p.peak.Load()
				if n <= old || p.peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(p.wait)
			p.running.Add(-1)
		})
	}
}

func (p *probe) scenarios() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ran)
}

func (p *probe) sumsRun() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.sums)
}

// run runs the harness with the probe and captured output, filling in what
// every test needs.
func run(t *testing.T, opts Options) (int, error, *probe, string) {
	t.Helper()
	return runWith(t, opts, false)
}

// runWith is run, with the real fake Vault behind inproc when realFake.
func runWith(t *testing.T, opts Options, realFake bool) (int, error, *probe, string) {
	t.Helper()
	p := &probe{wait: 20 * time.Millisecond}
	var out, log bytes.Buffer
	if opts.Output == nil {
		opts.Output = &out
	}
	opts.Log = &log
	if opts.Initializer == nil {
		opts.Initializer = p.init
	}
	if opts.KeySource == nil && opts.Keys == "" {
		opts.KeySource = testKeys{mode: "test"}
	}
	if opts.Handler == nil && (opts.Target == "" || opts.Target == TargetInproc) && !realFake {
		opts.Handler = http.NotFoundHandler()
	}
	code, err := Run(context.Background(), opts)
	t.Logf("code %d err %v\n--- output:\n%s--- log:\n%s", code, err, out.String(), log.String())
	return code, err, p, out.String() + log.String()
}

func td(parts ...string) string { return filepath.Join(append([]string{"testdata"}, parts...)...) }

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		want    int
		wantErr error
	}{
		{"pass", Options{Paths: []string{td("pass")}}, ExitPassed, nil},
		{"fail", Options{Paths: []string{td("fail")}}, ExitFailed, nil},
		{"undefined step", Options{Paths: []string{td("undefined.feature")}}, ExitUsage, ErrScenario},
		{"scenario mistake", Options{Paths: []string{td("mistake.feature")}}, ExitUsage, ErrScenario},
		{"mistake beats failure", Options{Paths: []string{td("mixed.feature")}}, ExitUsage, ErrScenario},
		{"harness breakdown", Options{Paths: []string{td("broken.feature")}}, ExitHarness, ErrHarness},
		{"events alone still fails", Options{Paths: []string{td("fail")}, Format: "events"}, ExitFailed, nil},
		{"bad tags cucumber", Options{Paths: []string{td("pass")}, Tags: "@a and"}, ExitUsage, ErrBadTags},
		{"bad tags godog", Options{Paths: []string{td("pass")}, Tags: "@a&&"}, ExitUsage, ErrBadTags},
		{"tags match nothing", Options{Paths: []string{td("pass")}, Tags: "@nope"}, ExitUsage, ErrNoScenarios},
		{"unknown format", Options{Paths: []string{td("pass")}, Format: "progress,fancy"}, ExitUsage, ErrBadFormat},
		{"two console formats", Options{Paths: []string{td("pass")}, Format: "progress,pretty"}, ExitUsage, ErrBadFormat},
		{"format without file", Options{Paths: []string{td("pass")}, Format: "junit:"}, ExitUsage, ErrBadFormat},
		{"missing path", Options{Paths: []string{td("nope.feature")}}, ExitUsage, ErrBadPath},
		{"not a feature file", Options{Paths: []string{"harness.go"}}, ExitUsage, ErrBadPath},
		{"parse error", Options{Paths: []string{td("parse.feature")}}, ExitUsage, ErrParse},
		{"line with no scenario", Options{Paths: []string{td("pass", "arith.feature") + ":2"}}, ExitUsage, ErrBadPath},
		{"line past the end", Options{Paths: []string{td("pass", "arith.feature") + ":999"}}, ExitUsage, ErrBadPath},
		{"negative concurrency", Options{Paths: []string{td("pass")}, Concurrency: -1}, ExitUsage, ErrUsage},
		{"bad seed", Options{Paths: []string{td("pass")}, Seed: -2}, ExitUsage, ErrUsage},
		{"bad keys", Options{Paths: []string{td("pass")}, Keys: "Fast"}, ExitUsage, ErrUsage},
		{"bad target", Options{Paths: []string{td("pass")}, Target: "ftp://example.com"}, ExitUsage, ErrBadTarget},
		{"vault URL alone", Options{Paths: []string{td("pass")}, VaultURL: "http://127.0.0.1:1/vault"}, ExitUsage, ErrBadTarget},
		{"credentials in URL", Options{Paths: []string{td("pass")}, Target: "http://u:p@127.0.0.1:1"}, ExitUsage, ErrBadTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err, _, _ := run(t, tt.opts)
			if code != tt.want {
				t.Fatalf("code=%d, want %d (err %v)", code, tt.want, err)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("err=%v, want nil", err)
				}
			} else if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err=%v, want errors.Is %v", err, tt.wantErr)
			}
		})
	}
}

func TestRunPassRunsEveryScenario(t *testing.T) {
	code, err, p, _ := run(t, Options{Paths: []string{td("pass")}, Concurrency: 1})
	if code != ExitPassed || err != nil {
		t.Fatalf("code=%d err=%v, want 0", code, err)
	}
	want := []string{"Adding small numbers", "Adding larger numbers", "Adding 2 and 2", "Adding 3 and 4"}
	if got := p.scenarios(); !slices.Equal(got, want) {
		t.Fatalf("ran %q, want %q", got, want)
	}
	if len(p.cfgs) != 1 {
		t.Fatalf("initializer called %d times, want once per run", len(p.cfgs))
	}
	cfg := p.cfgs[0]
	if !strings.HasPrefix(cfg.VaultURL, "http://127.0.0.1:") || !strings.HasSuffix(cfg.VaultURL, "/vault") ||
		strings.TrimSuffix(cfg.VaultURL, "/vault") != strings.TrimSuffix(cfg.KeystoreURL, "/keystore") {
		t.Fatalf("inproc URLs %q, %q, want one loopback base with /vault and /keystore", cfg.VaultURL, cfg.KeystoreURL)
	}
	if cfg.Keys == nil || cfg.Keys.Mode() != "test" {
		t.Fatalf("keys %v, want the KeySource given", cfg.Keys)
	}
	// The fake is shut down after the run.
	if resp, err := http.Get(cfg.VaultURL); err == nil {
		resp.Body.Close()
		t.Fatalf("fake Vault still answers after Run returned")
	}
}

func TestRunInprocServesFakeVault(t *testing.T) {
	code, err, p, _ := runWith(t, Options{Paths: []string{td("pass", "arith.feature") + ":9"}}, true)
	if code != ExitPassed {
		t.Fatalf("code=%d err=%v, want 0", code, err)
	}
	// The fake Vault answered: a Meeco-shaped error from its catch-all
	// route, not the bare 404 of an empty mux.
	if len(p.bodies) != 1 || !strings.Contains(p.bodies[0], `"errors"`) {
		t.Fatalf("Vault answered %q, want a Meeco error body", p.bodies)
	}
}

func TestRunFailureReportsLocation(t *testing.T) {
	code, _, _, out := run(t, Options{Paths: []string{td("mixed.feature")}})
	if code != ExitUsage {
		t.Fatalf("code=%d, want %d", code, ExitUsage)
	}
	_, err, _, _ := run(t, Options{Paths: []string{td("mixed.feature")}})
	want := filepath.Join("testdata", "mixed.feature") + `:7: scenario "The scenario is wrong": step "a scenario mistake": step: no user named Zed in this scenario`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err=%v, want it to contain %q", err, want)
	}
	if !strings.Contains(out, "want 3, got 2") {
		t.Fatalf("output lacks the target failure:\n%s", out)
	}
	_, err, _, _ = run(t, Options{Paths: []string{td("undefined.feature")}})
	want = filepath.Join("testdata", "undefined.feature") + `:5: scenario "A step nobody wrote": step "the moon turns green": undefined step`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err=%v, want it to contain %q", err, want)
	}
}

func TestRunParseErrorHasLine(t *testing.T) {
	_, err, _, _ := run(t, Options{Paths: []string{td("parse.feature")}})
	want := filepath.Join("testdata", "parse.feature") + ":5:"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err=%v, want it to contain %q", err, want)
	}
}

func TestRunSelectsByLine(t *testing.T) {
	tests := []struct {
		line int
		want []string
	}{
		{9, []string{"Adding small numbers"}},              // the Scenario line
		{10, []string{"Adding small numbers"}},             // a step inside it
		{14, []string{"Adding larger numbers"}},            // the next scenario's step
		{22, []string{"Adding 2 and 2", "Adding 3 and 4"}}, // an Examples row: the whole outline
		{17, []string{"Adding 2 and 2", "Adding 3 and 4"}}, // the outline's line
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.line), func(t *testing.T) {
			code, err, p, _ := run(t, Options{Paths: []string{fmt.Sprintf("%s:%d", td("pass", "arith.feature"), tt.line)}, Concurrency: 1})
			if code != ExitPassed {
				t.Fatalf("code=%d err=%v, want 0", code, err)
			}
			if got := p.scenarios(); !slices.Equal(got, tt.want) {
				t.Fatalf("ran %q, want %q", got, tt.want)
			}
		})
	}
	// The whole file and a line of it: each scenario runs once.
	_, _, p, _ := run(t, Options{Paths: []string{td("pass", "arith.feature") + ":9", td("pass")}, Concurrency: 1})
	if got := p.scenarios(); len(got) != 4 {
		t.Fatalf("ran %q, want the 4 scenarios once each", got)
	}
}

func TestRunTags(t *testing.T) {
	tests := []struct {
		tags string
		want []string
	}{
		{"@smoke", []string{"Adding small numbers", "Adding 2 and 2", "Adding 3 and 4"}},
		{"not @smoke", []string{"Adding larger numbers"}},
		{"@smoke and not @outline", []string{"Adding small numbers"}},
		{"~@outline", []string{"Adding small numbers", "Adding larger numbers"}},
		{"@slow or (@smoke and not @outline)", []string{"Adding small numbers", "Adding larger numbers"}},
		{"@slow,@outline", []string{"Adding larger numbers", "Adding 2 and 2", "Adding 3 and 4"}},
	}
	for _, tt := range tests {
		t.Run(tt.tags, func(t *testing.T) {
			code, err, p, _ := run(t, Options{Paths: []string{td("pass")}, Tags: tt.tags, Concurrency: 1})
			if code != ExitPassed {
				t.Fatalf("code=%d err=%v, want 0", code, err)
			}
			if got := p.scenarios(); !slices.Equal(got, tt.want) {
				t.Fatalf("ran %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRunReports(t *testing.T) {
	dir := t.TempDir()
	junit := filepath.Join(dir, "a", "b", "junit.xml")
	cucumber := filepath.Join(dir, "c", "cucumber.json")
	code, err, _, out := run(t, Options{
		Paths:  []string{td("fail")},
		Format: "progress,junit:" + junit + ",cucumber:" + cucumber,
	})
	if code != ExitFailed {
		t.Fatalf("code=%d err=%v, want 1", code, err)
	}
	if !strings.Contains(out, "2 scenarios (1 passed, 1 failed)") {
		t.Fatalf("progress output lacks the summary:\n%s", out)
	}

	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("junit report does not parse: %v\n%s", err, data)
	}
	if suites.Tests != 2 || suites.Failures != 1 || len(suites.Suites) != 1 || len(suites.Suites[0].Cases) != 2 {
		t.Fatalf("junit: tests=%d failures=%d suites=%+v, want 2 tests, 1 failure in one suite", suites.Tests, suites.Failures, suites.Suites)
	}

	var features []struct {
		URI      string `json:"uri"`
		Name     string `json:"name"`
		Elements []struct {
			Name  string `json:"name"`
			Steps []struct {
				Result struct {
					Status string `json:"status"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	data, err = os.ReadFile(cucumber)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &features); err != nil {
		t.Fatalf("cucumber report does not parse: %v\n%s", err, data)
	}
	if len(features) != 1 || features[0].Name != "Failing arithmetic" || len(features[0].Elements) != 2 {
		t.Fatalf("cucumber: %+v, want one feature with 2 scenarios", features)
	}
	var statuses []string
	for _, e := range features[0].Elements {
		for _, s := range e.Steps {
			statuses = append(statuses, s.Result.Status)
		}
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []string{"failed", "passed"}) {
		t.Fatalf("cucumber step statuses %q, want one failed and one passed", statuses)
	}
}

func TestRunReportFileUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, err, p, _ := run(t, Options{Paths: []string{td("pass")}, Format: "junit:" + filepath.Join(blocker, "junit.xml")})
	if code != ExitReport || !errors.Is(err, ErrReport) || !strings.Contains(err.Error(), "cannot write report "+filepath.Join(blocker, "junit.xml")) {
		t.Fatalf("code=%d err=%v, want 5 and ErrReport naming the file", code, err)
	}
	if len(p.scenarios()) != 0 {
		t.Fatalf("scenarios ran although the report could not be created")
	}
}

func TestRunConcurrency(t *testing.T) {
	code, err, p, _ := run(t, Options{Paths: []string{td("many")}, Concurrency: 4})
	if code != ExitPassed {
		t.Fatalf("code=%d err=%v, want 0", code, err)
	}
	if n := len(p.scenarios()); n != 8 {
		t.Fatalf("ran %d scenarios, want 8", n)
	}
	if peak := p.peak.Load(); peak < 2 || peak > 4 {
		t.Fatalf("peak concurrency %d, want 2..4 with Concurrency 4", peak)
	}
}

func TestRunForcesConcurrencyOne(t *testing.T) {
	for _, o := range []Options{
		{Paths: []string{td("many")}, Concurrency: 4, FailFast: true},
	} {
		code, err, p, out := run(t, o)
		if code != ExitPassed {
			t.Fatalf("code=%d err=%v, want 0", code, err)
		}
		if peak := p.peak.Load(); peak != 1 {
			t.Fatalf("peak concurrency %d, want 1", peak)
		}
		if !strings.Contains(out, "concurrency 4 -> 1") {
			t.Fatalf("no warning about forced concurrency:\n%s", out)
		}
	}
}

func TestRunFailFastStops(t *testing.T) {
	code, _, p, out := run(t, Options{Paths: []string{td("fail")}, FailFast: true})
	if code != ExitFailed {
		t.Fatalf("code=%d, want 1", code)
	}
	if got := p.sumsRun(); !slices.Equal(got, []string{"1 plus 1 is 3"}) {
		t.Fatalf("ran steps %q, want only the first, failing scenario's", got)
	}
	// The scenario that never ran is counted and named as not run, and
	// the run says how many never ran.
	for _, want := range []string{
		"2 scenarios (1 failed, 1 not run)",
		filepath.Join("testdata", "fail", "fail.feature") + ":6: A right sum (fail-fast: an earlier scenario did not pass)",
		"fail-fast: stopped after a scenario that did not pass; 1 scenario never ran",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestRunRandomSeed(t *testing.T) {
	code, err, p, out := run(t, Options{Paths: []string{td("many")}, Seed: -1, Concurrency: 1})
	if code != ExitPassed || len(p.scenarios()) != 8 {
		t.Fatalf("code=%d err=%v ran %d, want 0 and 8", code, err, len(p.scenarios()))
	}
	if !strings.Contains(out, "randomized with seed ") {
		t.Fatalf("seed not reported:\n%s", out)
	}
	// A fixed seed gives the same order twice.
	_, _, p1, _ := run(t, Options{Paths: []string{td("many")}, Seed: 42, Concurrency: 1})
	_, _, p2, _ := run(t, Options{Paths: []string{td("many")}, Seed: 42, Concurrency: 1})
	if !slices.Equal(p1.scenarios(), p2.scenarios()) {
		t.Fatalf("seed 42 gave %q then %q", p1.scenarios(), p2.scenarios())
	}
}

func TestRunURLTarget(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	code, err, p, out := run(t, Options{Paths: []string{td("pass", "arith.feature") + ":9"}, Target: srv.URL + "/", KeySource: testKeys{mode: "fast"}})
	if code != ExitPassed {
		t.Fatalf("code=%d err=%v, want 0", code, err)
	}
	cfg := p.cfgs[0]
	if cfg.VaultURL != srv.URL+"/vault" || cfg.KeystoreURL != srv.URL+"/keystore" {
		t.Fatalf("URLs %q, %q, want %s/vault and %s/keystore", cfg.VaultURL, cfg.KeystoreURL, srv.URL, srv.URL)
	}
	if hits.Load() < 4 { // 2 reachability checks + 2 requests of the step
		t.Fatalf("target saw %d requests, want at least 4", hits.Load())
	}
	if !strings.Contains(out, "publicly known test keys") {
		t.Fatalf("no warning about fast keys against a URL:\n%s", out)
	}

	// Separate overrides win over the derived URLs.
	_, _, p, _ = run(t, Options{Paths: []string{td("pass", "arith.feature") + ":9"}, Target: srv.URL, KeySource: testKeys{mode: "fast"},
		KeystoreURL: srv.URL + "/ks"})
	if got := p.cfgs[0].KeystoreURL; got != srv.URL+"/ks" {
		t.Fatalf("KeystoreURL %q, want the override", got)
	}
}

func TestRunURLTargetUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ln.Close()
	start := time.Now()
	code, err, p, _ := run(t, Options{Paths: []string{td("pass")}, Target: base})
	if code != ExitUnexercised || !errors.Is(err, ErrUnreachable) || !errors.Is(err, ErrUnexercised) {
		t.Fatalf("code=%d err=%v, want 4 and ErrUnreachable", code, err)
	}
	if !strings.Contains(err.Error(), base+"/vault") {
		t.Fatalf("err=%v, want it to name %s/vault", err, base)
	}
	if sums := p.sumsRun(); len(sums) != 0 {
		t.Fatalf("steps ran against an unreachable target: %q", sums)
	}
	if d := time.Since(start); d > reachTimeout+time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestRunEmbeddedFeaturesByDefault(t *testing.T) {
	// With no paths the features built into the binary run. The probe
	// defines none of their steps, so every scenario is a scenario error
	// located in an embedded file.
	code, err, _, _ := run(t, Options{})
	if code != ExitUsage || !errors.Is(err, ErrScenario) {
		t.Fatalf("code=%d err=%v, want 2 and ErrScenario", code, err)
	}
	if !strings.Contains(err.Error(), ".feature:") || !strings.Contains(err.Error(), "undefined step") {
		t.Fatalf("err=%v, want undefined steps located in embedded features", err)
	}
}

func TestRunFS(t *testing.T) {
	fsys := fstest.MapFS{
		"a/one.feature": {Data: []byte("Feature: One\n  Scenario: First\n    Then 1 plus 1 is 2\n")},
		"b/two.feature": {Data: []byte("Feature: Two\n  Scenario: Second\n    Then 2 plus 2 is 4\n")},
	}
	_, _, p, _ := run(t, Options{FS: fsys, Concurrency: 1})
	if got := p.scenarios(); !slices.Equal(got, []string{"First", "Second"}) {
		t.Fatalf("ran %q, want both features of FS", got)
	}
	_, _, p, _ = run(t, Options{FS: fsys, Paths: []string{"b"}})
	if got := p.scenarios(); !slices.Equal(got, []string{"Second"}) {
		t.Fatalf("ran %q, want only b/", got)
	}
}

func TestRunFrontEnd(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sums.txt")
	if err := os.WriteFile(file, []byte("3 4 7\n5 5 11\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A toy front end: each line "a b sum" becomes a scenario.
	front := func(path string, src []byte) ([]godog.Feature, error) {
		var b strings.Builder
		b.WriteString("Feature: Sums from " + filepath.Base(path) + "\n")
		for i, l := range strings.Split(strings.TrimSpace(string(src)), "\n") {
			f := strings.Fields(l)
			if len(f) != 3 {
				return nil, fmt.Errorf("%s:%d: want three numbers", path, i+1)
			}
			fmt.Fprintf(&b, "  Scenario: line %d\n    Then %s plus %s is %s\n", i+1, f[0], f[1], f[2])
		}
		return []godog.Feature{{Name: path, Contents: []byte(b.String())}}, nil
	}
	fronts := map[string]FrontEnd{".txt": front}
	code, err, p, _ := run(t, Options{Paths: []string{dir}, FrontEnds: fronts, Concurrency: 1})
	if code != ExitFailed || err != nil {
		t.Fatalf("code=%d err=%v, want 1 (5+5 is not 11)", code, err)
	}
	if got := p.scenarios(); !slices.Equal(got, []string{"line 1", "line 2"}) {
		t.Fatalf("ran %q", got)
	}
	if err := os.WriteFile(file, []byte("3 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, err, _, _ = run(t, Options{Paths: []string{file}, FrontEnds: fronts})
	if code != ExitUsage || !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), file+":1: want three numbers") {
		t.Fatalf("code=%d err=%v, want 2, ErrParse and the front end's message", code, err)
	}
	// Without the front end the file is not a scenario file.
	code, err, _, _ = run(t, Options{Paths: []string{file}})
	if code != ExitUsage || !errors.Is(err, ErrBadPath) {
		t.Fatalf("code=%d err=%v, want 2 and ErrBadPath", code, err)
	}
}

func TestRunEmptyFolder(t *testing.T) {
	code, err, _, _ := run(t, Options{Paths: []string{t.TempDir()}})
	if code != ExitUsage || !errors.Is(err, ErrNoScenarios) {
		t.Fatalf("code=%d err=%v, want 2 and ErrNoScenarios", code, err)
	}
}

func TestRunScenarioWithoutSteps(t *testing.T) {
	file := filepath.Join(t.TempDir(), "empty.feature")
	if err := os.WriteFile(file, []byte("Feature: E\n  Scenario: Nothing here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, err, _, _ := run(t, Options{Paths: []string{file}})
	if code != ExitUsage || !errors.Is(err, ErrScenario) || !strings.Contains(err.Error(), file+`:2: scenario "Nothing here": has no steps`) {
		t.Fatalf("code=%d err=%v, want 2, ErrScenario and the location", code, err)
	}
}

func TestRunInitializerPanics(t *testing.T) {
	bad := func(steps.Config) func(*godog.ScenarioContext) {
		return func(sc *godog.ScenarioContext) {
			sc.Step(`^the target answers$`, func() (int, string) { return 0, "" }) // godog panics: bad return types
		}
	}
	for _, c := range []int{1, 4} {
		code, err, _, _ := run(t, Options{Paths: []string{td("pass")}, Initializer: bad, Concurrency: c})
		if code != ExitHarness || !errors.Is(err, ErrHarness) {
			t.Fatalf("concurrency %d: code=%d err=%v, want 3 and ErrHarness", c, code, err)
		}
	}
}

func TestRunAmbiguousAndPendingAreScenarioErrors(t *testing.T) {
	tests := []struct {
		name string
		add  func(sc *godog.ScenarioContext)
		want string
	}{
		{"ambiguous", func(sc *godog.ScenarioContext) {
			sc.Step(`^1 plus 1 is (\d+)$`, func(int) {})
		}, "ambiguous step"},
		{"pending", func(sc *godog.ScenarioContext) {
			sc.Step(`^the moon turns green$`, func() error { return godog.ErrPending })
		}, "pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &probe{}
			init := func(cfg steps.Config) func(*godog.ScenarioContext) {
				inner := p.init(cfg)
				return func(sc *godog.ScenarioContext) {
					tt.add(sc)
					inner(sc)
				}
			}
			paths := []string{td("fail")}
			if tt.name == "pending" {
				paths = []string{td("undefined.feature")}
			}
			code, err, _, _ := run(t, Options{Paths: paths, Initializer: init})
			if code != ExitUsage || !errors.Is(err, ErrScenario) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("code=%d err=%v, want 2, ErrScenario and %q", code, err, tt.want)
			}
		})
	}
}

func TestRunStepPanicIsHarnessError(t *testing.T) {
	init := func(steps.Config) func(*godog.ScenarioContext) {
		return func(sc *godog.ScenarioContext) {
			sc.Step(`^a scenario mistake$`, func() error {
				var m map[string]int
				m["boom"]++ // a bug in a step: a nil map write
				return nil
			})
		}
	}
	code, err, _, _ := run(t, Options{Paths: []string{td("mistake.feature")}, Initializer: init})
	if code != ExitHarness || !errors.Is(err, ErrHarness) || !strings.Contains(err.Error(), "the step panicked: assignment to entry in nil map") {
		t.Fatalf("code=%d err=%v, want 3 and the panic", code, err)
	}
}

func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &probe{wait: time.Millisecond}
	init := func(cfg steps.Config) func(*godog.ScenarioContext) {
		inner := p.init(cfg)
		return func(sc *godog.ScenarioContext) {
			inner(sc)
			// Ctrl-C after the first scenario: the rest see a dead ctx.
			sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
				cancel()
				return ctx, nil
			})
		}
	}
	code, err := Run(ctx, Options{Paths: []string{td("pass")}, Initializer: init, Handler: http.NotFoundHandler(),
		Output: io.Discard, Log: io.Discard, KeySource: testKeys{mode: "test"}, Concurrency: 1})
	if code != ExitHarness || !errors.Is(err, ErrHarness) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("code=%d err=%v, want 3 and an interrupted error", code, err)
	}
}

func TestRunTestingT(t *testing.T) {
	// Every scenario becomes a subtest of t; the run passes, so they pass.
	var ran []string
	init := func(steps.Config) func(*godog.ScenarioContext) {
		return func(sc *godog.ScenarioContext) {
			sc.Step(`^the target answers$`, func(ctx context.Context) { ran = append(ran, godog.T(ctx).Name()) })
			sc.Step(`^(\d+) plus (\d+) is (\d+)$`, func(a, b, c int) {})
		}
	}
	code, err := Run(context.Background(), Options{Paths: []string{td("pass")}, Initializer: init, TestingT: t,
		Handler: http.NotFoundHandler(), Output: io.Discard, Log: io.Discard, KeySource: testKeys{mode: "test"}, Concurrency: 1})
	if code != ExitPassed {
		t.Fatalf("code=%d err=%v, want 0", code, err)
	}
	want := []string{"TestRunTestingT/Adding_small_numbers", "TestRunTestingT/Adding_larger_numbers",
		"TestRunTestingT/Adding_2_and_2", "TestRunTestingT/Adding_3_and_4"}
	if !slices.Equal(ran, want) {
		t.Fatalf("subtests %q, want %q", ran, want)
	}
}

func TestRunSerialised(t *testing.T) {
	// Two runs from two goroutines: the second waits for the first (the
	// race detector checks godog's process-wide state is not shared).
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &probe{wait: 5 * time.Millisecond}
			codes[i], _ = Run(context.Background(), Options{Paths: []string{td("many")}, Initializer: p.init,
				Handler: http.NotFoundHandler(), Output: io.Discard, Log: io.Discard, KeySource: testKeys{mode: "test"}, Concurrency: 4})
		}()
	}
	wg.Wait()
	if codes[0] != 0 || codes[1] != 0 {
		t.Fatalf("codes %v, want 0 0", codes)
	}
}

func TestPlanKeyModes(t *testing.T) {
	tests := []struct {
		target, keys, want string
	}{
		{"", "", "fast"},
		{"inproc", "", "fast"},
		{"http://vault.example", "", "fresh"},
		{"http://vault.example", "fast", "fast"},
		{"", "fresh", "fresh"},
	}
	for _, tt := range tests {
		p, err := preparePlan(context.Background(), &Options{Paths: []string{td("pass")}, Target: tt.target, Keys: tt.keys, Log: io.Discard, Initializer: (&probe{}).init})
		if err != nil {
			t.Fatal(err)
		}
		if p.keys != tt.want {
			t.Errorf("target %q keys %q: mode %q, want %q", tt.target, tt.keys, p.keys, tt.want)
		}
	}
}

func TestRunDefaultKeySource(t *testing.T) {
	// Without KeySource the run makes its own: fast for inproc, and every
	// scenario can draw a key from it.
	var mu sync.Mutex
	var modes []string
	init := func(cfg steps.Config) func(*godog.ScenarioContext) {
		return func(sc *godog.ScenarioContext) {
			sc.Step(`^the target answers$`, func(ctx context.Context) error {
				k, err := cfg.Keys.Key(ctx)
				if err != nil {
					return err
				}
				if k == nil {
					return errors.New("nil key")
				}
				mu.Lock()
				modes = append(modes, cfg.Keys.Mode())
				mu.Unlock()
				return nil
			})
			sc.Step(`^(\d+) plus (\d+) is (\d+)$`, func(a, b, c int) {})
		}
	}
	code, err, _, _ := run(t, Options{Paths: []string{td("pass")}, Keys: "fast", Initializer: init})
	if code != ExitPassed {
		t.Fatalf("code=%d err=%v, want 0", code, err)
	}
	if len(modes) != 4 || modes[0] != "fast" {
		t.Fatalf("modes %q, want 4 draws from a fast source", modes)
	}
}

// TestRunMixesGherkinAndFrontEnds guards against godog's separate pickle
// counters for Paths and FeatureContents: with both in one run, every
// scenario must run once and be reported, and failures in generated
// features are shown at their source lines.
func TestRunMixesGherkinAndFrontEnds(t *testing.T) {
	dir := t.TempDir()
	src := "# sums.txt:1\n3 4 7\n# sums.txt:2\n5 5 11\n"
	front := func(path string, b []byte) ([]godog.Feature, error) {
		var out strings.Builder
		out.WriteString("Feature: Generated\n")
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		for i := 0; i+1 < len(lines); i += 2 {
			f := strings.Fields(lines[i+1])
			fmt.Fprintf(&out, "  %s\n  Scenario: generated %d\n    Then %s plus %s is %s\n", strings.Replace(lines[i], "sums.txt", path, 1), i/2+1, f[0], f[1], f[2])
		}
		return []godog.Feature{{Name: path, Contents: []byte(out.String())}}, nil
	}
	file := filepath.Join(dir, "sums.txt")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	sourceLine := func(contents []byte, line int) (string, int, bool) {
		ls := strings.Split(string(contents), "\n")
		for i := line - 1; i >= 0 && i < len(ls); i-- {
			var f string
			var n int
			if _, err := fmt.Sscanf(strings.TrimSpace(ls[i]), "# %s", &f); err == nil {
				if k := strings.LastIndex(f, ":"); k > 0 {
					fmt.Sscan(f[k+1:], &n)
					return f[:k], n, true
				}
			}
		}
		return "", 0, false
	}
	reports := filepath.Join(dir, "junit.xml")
	code, err, p, out := run(t, Options{
		Paths: []string{td("pass"), td("fail"), file}, FrontEnds: map[string]FrontEnd{".txt": front},
		SourceLine: sourceLine, Format: "progress,junit:" + reports, Concurrency: 4,
	})
	if code != ExitFailed || err != nil {
		t.Fatalf("code=%d err=%v, want 1", code, err)
	}
	// godog's console output names the failing generated scenario at the
	// source line its "# file:line" comment gives, not the Gherkin line.
	if !strings.Contains(out, file+":2\n") || strings.Contains(out, file+":6") {
		t.Errorf("console output does not locate the failure at %s:2:\n%s", file, out)
	}
	got := p.scenarios()
	slices.Sort(got)
	want := []string{"A right sum", "A wrong sum", "generated 1", "generated 2"}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Fatalf("ran %q, want all of %q", got, want)
		}
	}
	data, err := os.ReadFile(reports)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "<testcase "); n < len(want)+1 {
		t.Fatalf("junit report has %d test cases, want every scenario:\n%s", n, data)
	}
	// Selecting by line cannot be combined with generated features.
	code, err, _, _ = run(t, Options{Paths: []string{td("fail", "fail.feature") + ":4", file}, FrontEnds: map[string]FrontEnd{".txt": front}})
	if code != ExitUsage || !errors.Is(err, ErrBadPath) {
		t.Fatalf("code=%d err=%v, want 2 and ErrBadPath", code, err)
	}
}
