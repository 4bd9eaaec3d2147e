package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/results"
	"github.com/vaultcheck/vaultcheck/steps"
)

// realRun is one run of real features and an HCL scenario file against a
// fake Vault that misbehaves twice: it answers a read without a token, so
// that a refusal check fails with the exchange that shows it, and it
// echoes a plaintext value of "My Car" in a field no redaction knows, so
// that only the scrubber can keep it out of the reports. Every format is
// written; the secrets and plaintexts of every scenario are collected.
type realRun struct {
	code       int
	err        error
	dir        string
	console    string
	doc        *results.Document
	files      map[string][]byte // format -> report
	secrets    []string
	plaintexts map[string][]string // by "file: scenario name"
	hclSource  []string            // lines of scenarios/sharing.hcl
	echoed     bool
}

// reportFormats are the formats the shared run writes, into reportFiles.
var (
	reportFormats = []string{"json", "html", "message", "junit", "cucumber"}
	reportFiles   = map[string]string{"json": "results.json", "html": "report.html", "message": "run.ndjson", "junit": "junit.xml", "cucumber": "cucumber.json"}
)

var (
	realOnce sync.Once
	realRes  *realRun
)

func theRealRun(t *testing.T) *realRun {
	t.Helper()
	if testing.Short() {
		t.Skip("runs real features against the fake Vault")
	}
	realOnce.Do(func() { realRes = doRealRun(t) })
	if realRes == nil || realRes.doc == nil {
		t.Fatal("the shared run failed (see the first test that ran it)")
	}
	return realRes
}

func doRealRun(t *testing.T) *realRun {
	r := &realRun{files: map[string][]byte{}, plaintexts: map[string][]string{}}
	dir, err := os.MkdirTemp("", "vaultcheck-reports-")
	if err != nil {
		t.Fatal(err)
	}
	r.dir = dir
	fake := fakevault.New(fakevault.Options{})
	var echoMu sync.Mutex
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		isItem := req.Method == http.MethodGet && regexp.MustCompile(`^/vault/items/[^/]+$`).MatchString(req.URL.Path)
		if isItem && req.Header.Get("Authorization") == "" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"item":{"id":"x"},"slots":[]}`)
			return
		}
		if !isItem {
			fake.ServeHTTP(w, req)
			return
		}
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		var doc map[string]any
		if rec.Code == 200 && json.Unmarshal(body, &doc) == nil {
			if it, ok := doc["item"].(map[string]any); ok && it["label"] == "My Car" {
				it["vendor_note"] = "Tesla Model 3"
				body, _ = json.Marshal(doc)
				echoMu.Lock()
				r.echoed = true
				echoMu.Unlock()
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
	var mu sync.Mutex
	collect := func(cfg steps.Config) func(*godog.ScenarioContext) {
		init := steps.Initializer(cfg)
		return func(sc *godog.ScenarioContext) {
			init(sc)
			sc.After(func(ctx context.Context, p *godog.Scenario, _ error) (context.Context, error) {
				if w := steps.WorldFrom(ctx); w != nil {
					mu.Lock()
					r.secrets = append(r.secrets, w.Secrets()...)
					key := p.Uri + ": " + p.Name
					r.plaintexts[key] = append(r.plaintexts[key], w.Plaintexts()...)
					mu.Unlock()
				}
				return ctx, nil
			})
		}
	}
	list := "progress"
	for _, f := range reportFormats {
		list += "," + f + ":" + filepath.Join(dir, reportFiles[f])
	}
	var out, log bytes.Buffer
	r.code, r.err = Run(context.Background(), Options{
		FS: vaultcheck.Suite, Paths: []string{"features/access_control.feature", "features/sharing.feature", "scenarios/sharing.hcl"},
		Handler: handler, Keys: "fast", Initializer: collect, Format: list, Concurrency: 4,
		Output: &out, Log: &log,
	})
	r.console = out.String() + log.String()
	for _, f := range reportFormats {
		b, err := os.ReadFile(filepath.Join(dir, reportFiles[f]))
		if err != nil {
			t.Errorf("report %s: %v", f, err)
			return r
		}
		r.files[f] = b
	}
	src, _ := vaultcheck.Suite.ReadFile("scenarios/sharing.hcl")
	r.hclSource = strings.Split(string(src), "\n")
	doc, err := results.Parse(r.files["json"], "results.json")
	if err != nil {
		t.Errorf("results.json: %v", err)
		return r
	}
	r.doc = doc
	return r
}

func TestRunResultsDocument(t *testing.T) {
	r := theRealRun(t)
	if r.code != ExitFailed || r.err != nil {
		t.Fatalf("code %d err %v, want 1 (the target answered a read without a token)\n%s", r.code, r.err, r.console)
	}
	d := r.doc
	if d.Run.ExitCode != ExitFailed || d.ExitCode() != ExitFailed || d.Run.Keys != "fast" || d.Run.Target != TargetInproc ||
		!strings.HasPrefix(d.Run.SuiteDigest, "sha256:") || d.Run.Tool.Name != "vaultcheck" || d.Run.Finished.Before(d.Run.Started) {
		t.Fatalf("run metadata %+v", d.Run)
	}
	if n := d.Totals.Scenarios[results.Passed] + d.Totals.Scenarios[results.Failed]; n != len(d.Scenarios) || d.Totals.Scenarios[results.Failed] != 1 {
		t.Fatalf("totals %v of %d scenarios, want all passed but one failed", d.Totals.Scenarios, len(d.Scenarios))
	}
	failed := 0
	for _, sc := range d.Scenarios {
		seq := 0
		for _, st := range sc.Steps {
			if st.Phrase == "" {
				t.Errorf("%s: step %q has no phrase of the step table", sc.ID, st.Text)
			}
			for _, ex := range st.Exchanges {
				if ex.Seq <= seq {
					t.Errorf("%s: step %q: exchange %d after %d: exchanges attributed to the wrong step", sc.ID, st.Text, ex.Seq, seq)
				}
				seq = ex.Seq
			}
			if st.Status == results.Failed {
				failed++
				if !strings.Contains(st.Text, "with no token is refused") || len(st.Exchanges) == 0 ||
					st.Exchanges[len(st.Exchanges)-1].Status != 200 || st.Exchanges[len(st.Exchanges)-1].Method != "GET" {
					t.Errorf("failed step %q with exchanges %v, want the no-token read answered 200", st.Text, st.Exchanges)
				}
			}
		}
		if sc.Ledger == nil || sc.Ledger.Entries == 0 || !sc.Ledger.Verified || sc.Ledger.ByOp["generate"] == 0 {
			t.Errorf("%s: ledger %+v, want a verified ledger with generated keys", sc.ID, sc.Ledger)
		}
		if sc.Started == nil || sc.DurationNS <= 0 {
			t.Errorf("%s: no start or duration", sc.ID)
		}
	}
	if failed != 1 {
		t.Fatalf("%d failed steps, want 1", failed)
	}
}

// hclScenarios returns the scenarios of scenarios/sharing.hcl, checking
// that each is at the line of its scenario block.
func hclScenarios(t *testing.T, r *realRun) []results.Scenario {
	var out []results.Scenario
	for _, sc := range r.doc.Scenarios {
		if sc.Feature != "scenarios/sharing.hcl" {
			continue
		}
		if sc.File != "scenarios/sharing.hcl" || sc.Line < 1 || !strings.Contains(r.hclSource[sc.Line-1], `scenario "`+sc.Name+`"`) {
			t.Fatalf("HCL scenario %q at %s:%d, want the line of its scenario block", sc.Name, sc.File, sc.Line)
		}
		out = append(out, sc)
	}
	if len(out) != 4 {
		t.Fatalf("%d HCL scenarios, want 4", len(out))
	}
	return out
}

func TestHCLLinesInEveryFormat(t *testing.T) {
	r := theRealRun(t)
	scs := hclScenarios(t, r)
	sc := scs[0]
	where := "scenarios/sharing.hcl:" + strconv.Itoa(sc.Line)

	var junit struct {
		Suites []struct {
			Cases []struct {
				Name string `xml:"name,attr"`
				File string `xml:"file,attr"`
				Line int    `xml:"line,attr"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(r.files["junit"], &junit); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range junit.Suites {
		for _, c := range s.Cases {
			found = found || (c.Name == sc.Name && c.File == "scenarios/sharing.hcl" && c.Line == sc.Line)
		}
	}
	if !found {
		t.Errorf("junit has no case %q at %s", sc.Name, where)
	}

	var cuke []struct {
		URI      string `json:"uri"`
		Elements []struct {
			Name string `json:"name"`
			Line int    `json:"line"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(r.files["cucumber"], &cuke); err != nil {
		t.Fatal(err)
	}
	found = false
	for _, f := range cuke {
		for _, e := range f.Elements {
			found = found || (f.URI == "scenarios/sharing.hcl" && e.Name == sc.Name && e.Line == sc.Line)
		}
	}
	if !found {
		t.Errorf("cucumber JSON has no element %q at %s", sc.Name, where)
	}

	found = false
	for _, line := range bytes.Split(bytes.TrimSpace(r.files["message"]), []byte("\n")) {
		var e messages.Envelope
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		if p := e.Pickle; p != nil && p.Name == sc.Name {
			found = p.Uri == "scenarios/sharing.hcl" && p.Location != nil && int(p.Location.Line) == sc.Line
		}
	}
	if !found {
		t.Errorf("messages have no pickle %q at %s", sc.Name, where)
	}
	if !bytes.Contains(r.files["html"], []byte(where)) {
		t.Errorf("the HTML report does not show %s", where)
	}
	for _, st := range sc.Steps {
		if st.File != "scenarios/sharing.hcl" || st.Line < 1 || st.Line > len(r.hclSource) {
			t.Errorf("HCL step %q at %s:%d", st.Text, st.File, st.Line)
		}
	}
}

// TestReportsLeakNoSecret checks every report of the run for every secret
// its scenarios held, and the exchanges and messages for every plaintext
// value (which the features' own text may show, and nothing else).
func TestReportsLeakNoSecret(t *testing.T) {
	r := theRealRun(t)
	if !r.echoed {
		t.Fatal("the fake never echoed the plaintext: the test checks nothing")
	}
	// A secret the features' own text holds (a password a scenario
	// gives) may appear where that text is shown; no other may appear.
	var sources strings.Builder
	for _, f := range r.doc.Features {
		sources.WriteString(f.Gherkin)
	}
	var hidden []string
	for _, s := range r.secrets {
		if len(s) >= 8 && !strings.Contains(sources.String(), s) {
			hidden = append(hidden, s)
		}
	}
	if len(hidden) < 50 {
		t.Fatalf("collected %d secrets, want many", len(hidden))
	}
	outputs := map[string]string{"console": r.console}
	for f, b := range r.files {
		outputs[f] = string(b)
		outputs[f+" (unescaped)"] = html.UnescapeString(string(b))
	}
	for name, text := range outputs {
		for _, s := range hidden {
			if strings.Contains(text, s) || strings.Contains(text, jsonEscape(s)) {
				t.Errorf("%s holds a secret (%d bytes)", name, len(s))
				if os.Getenv("LEAK_DEBUG") != "" {
					i := strings.Index(text, s)
					if i < 0 {
						i = strings.Index(text, jsonEscape(s))
					}
					t.Logf("%q ... %q", s, text[max(0, i-200):min(len(text), i+100)])
				}
			}
		}
		if strings.Contains(text, "PRIVATE KEY") {
			t.Errorf("%s holds a PEM private key", name)
		}
	}
	// Plaintexts: never in an exchange or a message of the scenario
	// that held them.
	var shown strings.Builder
	checked := 0
	for _, sc := range r.doc.Scenarios {
		var own strings.Builder
		own.WriteString(sc.Message)
		for _, st := range sc.Steps {
			own.WriteString(st.Message)
			for _, ex := range st.Exchanges {
				own.WriteString(ex.Text())
			}
		}
		shown.WriteString(own.String())
		for _, p := range r.plaintexts[sc.Feature+": "+sc.Name] {
			checked++
			if len(p) >= 4 && strings.Contains(own.String(), p) {
				t.Errorf("%s: an exchange or message shows a plaintext value of %d bytes", sc.ID, len(p))
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d plaintexts, want many", checked)
	}
	if !strings.Contains(shown.String(), `"vendor_note":"[value 13 bytes d:`) {
		t.Error("the echoed plaintext was not replaced by the scrubber in the exchange")
	}
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

type targetFault struct{}

func (targetFault) Error() string     { return "dial tcp 127.0.0.1:1: connection refused" }
func (targetFault) TargetError() bool { return true }

func TestTargetErrorIsError(t *testing.T) {
	dir := t.TempDir()
	f := writeFeature(t, "Feature: faults\n\n  Scenario: fine\n    Then 1 plus 2 is 3\n\n  Scenario: unreachable\n    Then the target is unreachable\n    And 1 plus 1 is 2\n\n  Scenario: wrong\n    Then 1 plus 1 is 3\n")
	p := &probe{}
	init := func(cfg steps.Config) func(*godog.ScenarioContext) {
		base := p.init(cfg)
		return func(sc *godog.ScenarioContext) {
			base(sc)
			sc.Step(`^the target is unreachable$`, func() error { return &targetFaultWrap{targetFault{}} })
		}
	}
	js := filepath.Join(dir, "r.json")
	junit := filepath.Join(dir, "j.xml")
	code, err, _, out := run(t, Options{Paths: []string{f}, Initializer: init, Format: "progress,json:" + js + ",junit:" + junit})
	if code != ExitUnexercised || !errors.Is(err, ErrUnexercised) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("code %d err %v, want 4 naming the fault", code, err)
	}
	if !strings.Contains(out, "1 with target errors") {
		t.Errorf("the summary does not count the target error:\n%s", out)
	}
	doc := readResultsFile(t, js)
	sc := doc.Scenarios[1]
	if sc.Status != results.Error || sc.ErrorKind != results.ErrorTarget || sc.Steps[0].Status != results.Error ||
		sc.Steps[0].ErrorKind != results.ErrorTarget || sc.Steps[1].Status != results.Skipped {
		t.Fatalf("scenario %+v, want error (target) at its first step and the next skipped", sc)
	}
	if doc.Scenarios[2].Status != results.Failed || doc.Run.ExitCode != ExitUnexercised {
		t.Fatalf("the wrong sum is %s, run exit %d; want failed and 4", doc.Scenarios[2].Status, doc.Run.ExitCode)
	}
	j := readJUnit(t, junit)
	if j.Errors != 1 || j.Failures != 1 {
		t.Fatalf("junit errors %d failures %d, want 1 and 1", j.Errors, j.Failures)
	}
}

type targetFaultWrap struct{ err error }

func (w *targetFaultWrap) Error() string { return "reading the item: " + w.err.Error() }
func (w *targetFaultWrap) Unwrap() error { return w.err }

func readResultsFile(t *testing.T, path string) *results.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := results.Read(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestShardsMergeToTheWholeRun runs the probe features whole and in three
// shards, with a tag filter that disables some scenarios, and merges.
func TestShardsMergeToTheWholeRun(t *testing.T) {
	dir := t.TempDir()
	paths := []string{td("pass"), td("many")}
	whole := filepath.Join(dir, "whole.json")
	if code, err, _, _ := run(t, Options{Paths: paths, Tags: "not @slow", Format: "json:" + whole}); code != ExitPassed {
		t.Fatalf("whole run: code %d err %v", code, err)
	}
	var parts []*results.Document
	for i := 1; i <= 3; i++ {
		f := filepath.Join(dir, "shard"+strconv.Itoa(i)+".json")
		code, err, p, _ := run(t, Options{Paths: paths, Tags: "not @slow", Format: "json:" + f, Shard: strconv.Itoa(i) + "/3"})
		if code != ExitPassed {
			t.Fatalf("shard %d: code %d err %v", i, code, err)
		}
		doc := readResultsFile(t, f)
		ran := 0
		for _, sc := range doc.Scenarios {
			if sc.Status == results.Passed {
				ran++
			}
		}
		if len(p.sumsRun()) == 0 && ran > 0 {
			t.Fatalf("shard %d: steps of other shards ran or none of its own", i)
		}
		parts = append(parts, doc)
	}
	merged, err := results.Merge(parts...)
	if err != nil {
		t.Fatal(err)
	}
	w := readResultsFile(t, whole)
	if len(w.Scenarios) != len(merged.Scenarios) || w.Totals.Scenarios[results.Disabled] == 0 {
		t.Fatalf("whole %d scenarios (%v), merged %d", len(w.Scenarios), w.Totals.Scenarios, len(merged.Scenarios))
	}
	for i := range w.Scenarios {
		a, b := w.Scenarios[i], merged.Scenarios[i]
		if a.ID != b.ID || a.Status != b.Status || a.Line != b.Line || len(a.Steps) != len(b.Steps) {
			t.Errorf("scenario %d: whole %s %s, merged %s %s", i, a.ID, a.Status, b.ID, b.Status)
		}
	}
	if merged.Run.SuiteDigest != w.Run.SuiteDigest || !mapsEq(merged.Totals.Steps, w.Totals.Steps) {
		t.Fatalf("merged digest or step totals differ: %v vs %v", merged.Totals.Steps, w.Totals.Steps)
	}
}

func mapsEq(a, b map[results.Status]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestShardOptions(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Paths: []string{td("pass")}, Shard: "4/3"}, "bad shard"},
		{Options{Paths: []string{td("pass")}, Shard: "x"}, "want I/N"},
		{Options{Paths: []string{td("pass")}, Durations: &results.Document{}}, "give --shard"},
		{Options{Paths: []string{td("pass")}, Progress: "fancy"}, "progress"},
	} {
		code, err, _, _ := run(t, c.opts)
		if code != ExitUsage || !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: code %d err %v, want 2 with %q", c.opts, code, err, c.want)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	code, err, _, _ := run(t, Options{Paths: []string{td("fail")}, Progress: ProgressBar, Output: &out})
	if code != ExitFailed {
		t.Fatalf("code %d err %v", code, err)
	}
	s := out.String()
	if !strings.Contains(s, "1 failed") || !regexp.MustCompile(`\d+/\d+`).MatchString(s) || strings.Contains(s, "..F") {
		t.Fatalf("the bar shows no count and failures, or step characters:\n%q", s)
	}
	if !strings.Contains(s, "scenarios (") {
		t.Fatalf("no summary after the bar:\n%s", s)
	}
	var plain bytes.Buffer
	run(t, Options{Paths: []string{td("fail")}, Progress: ProgressPlain, Output: &plain})
	if strings.Contains(plain.String(), "\r") || !strings.Contains(plain.String(), "F") {
		t.Fatalf("plain progress:\n%q", plain.String())
	}
}

// TestShardConsoleShowsOnlyItsScenarios checks that the console formats
// of a shard say nothing of the other shards' scenarios.
func TestShardConsoleShowsOnlyItsScenarios(t *testing.T) {
	for _, format := range []string{"pretty", "progress"} {
		var out bytes.Buffer
		code, err, p, _ := run(t, Options{Paths: []string{td("pass")}, Format: format, Shard: "1/2", Output: &out, Concurrency: 1})
		if code != ExitPassed {
			t.Fatalf("%s: code %d err %v", format, code, err)
		}
		s := out.String()
		if strings.Contains(s, "not run") || strings.Contains(s, "another shard") || strings.Contains(s, "-") && format == "progress" {
			t.Errorf("%s shows the other shard's scenarios:\n%s", format, s)
		}
		if !strings.Contains(s, "2 scenarios (2 passed)") || len(p.sumsRun()) != 2 {
			t.Errorf("%s: want this shard's 2 scenarios, ran %q:\n%s", format, p.sumsRun(), s)
		}
	}
}
