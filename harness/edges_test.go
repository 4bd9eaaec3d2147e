package harness

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/vaultcheck/vaultcheck/steps"
)

// junitDoc is the part of a JUnit report the tests read.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Skipped  int `xml:"skipped,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Status  string `xml:"status,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Errors []struct {
				Type string `xml:"type,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("junit report does not parse: %v\n%s", err, data)
	}
	return doc
}

func writeFeature(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "t.feature")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReportWriteErrors(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/dev/full is Linux's")
	}
	// godog would write its JUnit report into /dev/full, ignore the
	// error and exit 0: a full disk must fail the run with exit 5.
	code, err, _, _ := run(t, Options{Paths: []string{td("pass")}, Format: "progress,junit:/dev/full"})
	if code != ExitReport || !errors.Is(err, ErrReport) ||
		!strings.Contains(err.Error(), "cannot write report /dev/full: no space left on device") {
		t.Fatalf("code=%d err=%v, want 5 and the report's write error", code, err)
	}
	// The same for every file format, and before a target failure.
	for _, format := range []string{"cucumber:/dev/full", "events:/dev/full", "progress:/dev/full", "pretty:/dev/full"} {
		code, err, _, _ := run(t, Options{Paths: []string{td("fail")}, Format: format})
		if code != ExitReport || !errors.Is(err, ErrReport) {
			t.Errorf("%s: code=%d err=%v, want 5", format, code, err)
		}
	}
}

type failingWriter struct{ err error }

func (f failingWriter) Write([]byte) (int, error) { return 0, f.err }

func TestConsoleWriteError(t *testing.T) {
	code, err, _, _ := run(t, Options{Paths: []string{td("pass")}, Output: failingWriter{errors.New("broken pipe")}})
	if code != ExitReport || !errors.Is(err, ErrReport) || !strings.Contains(err.Error(), "cannot write report to the console: broken pipe") {
		t.Fatalf("code=%d err=%v, want 5 and the console's error", code, err)
	}
}

func TestReportInReadOnlyFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into read-only folders; TestRunReportFileUnwritable covers a path that cannot be created")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	report := filepath.Join(dir, "junit.xml")
	code, err, _, _ := run(t, Options{Paths: []string{td("pass")}, Format: "junit:" + report})
	if code != ExitReport || !errors.Is(err, ErrReport) || !strings.Contains(err.Error(), "cannot write report "+report+": permission denied") {
		t.Fatalf("code=%d err=%v, want 5 and permission denied", code, err)
	}
}

func TestIncompleteReportIsRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junit.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("<?xml"); err != nil {
		t.Fatal(err)
	}
	rw := &reportWriter{name: path, w: failingWriter{errors.New("no space left on device")}, file: f}
	if _, err := rw.Write([]byte("<testsuites>")); err == nil {
		t.Fatal("Write passed the error on as nil")
	}
	if _, err := rw.Write([]byte("more")); err == nil {
		t.Fatal("a later Write succeeded after a failed one")
	}
	err = rw.close()
	if !errors.Is(err, ErrReport) || !strings.Contains(err.Error(), "no space left on device (the incomplete file was removed)") {
		t.Fatalf("close: %v, want the write error and the removal", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the incomplete report is still there: %v", err)
	}
}

func TestInterruptBetweenScenarios(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &probe{wait: time.Millisecond}
	init := func(cfg steps.Config) func(*godog.ScenarioContext) {
		inner := p.init(cfg)
		return func(sc *godog.ScenarioContext) {
			inner(sc)
			// Ctrl-C after the first scenario.
			sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
				cancel()
				return ctx, nil
			})
		}
	}
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var out bytes.Buffer
	code, err := Run(ctx, Options{Paths: []string{td("pass")}, Initializer: init, Handler: http.NotFoundHandler(),
		Output: &out, Log: io.Discard, KeySource: testKeys{mode: "test"}, Concurrency: 1, Format: "progress,junit:" + junit})
	t.Logf("code %d err %v\n%s", code, err, out.String())
	if code != ExitHarness || !errors.Is(err, ErrHarness) || !strings.Contains(err.Error(), "3 of 4 scenarios did not run to the end") {
		t.Fatalf("code=%d err=%v, want 3 and how many did not run", code, err)
	}
	if got := p.sumsRun(); !slices.Equal(got, []string{"1 plus 2 is 3"}) {
		t.Fatalf("steps ran %q, want only the first scenario's", got)
	}
	if !strings.HasPrefix(out.String(), ".. 2\n") {
		t.Errorf("progress shows steps of scenarios that never ran:\n%s", out.String())
	}
	for _, want := range []string{"4 scenarios (1 passed, 3 not run)", "Did not run to the end (3):",
		"arith.feature:13: Adding larger numbers (the run was interrupted before it started)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	doc := readJUnit(t, junit)
	if doc.Tests != 4 || doc.Skipped != 3 || doc.Failures != 0 || doc.Errors != 0 {
		t.Fatalf("junit tests=%d skipped=%d failures=%d errors=%d, want 4, 3 skipped, none failed", doc.Tests, doc.Skipped, doc.Failures, doc.Errors)
	}
	for _, c := range doc.Suites[0].Cases[1:] {
		if c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "not run: ") || len(c.Errors) != 0 || c.Failure != nil {
			t.Errorf("junit case %q: %+v, want <skipped> only", c.Name, c)
		}
	}
}

func TestInterruptInsideAScenario(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	file := writeFeature(t, `Feature: Interrupted
  Scenario: Cut short
    Given Ctrl-C arrives
    Then 1 plus 1 is 2

  Scenario: Never started
    Then 2 plus 2 is 4
`)
	p := &probe{}
	init := func(cfg steps.Config) func(*godog.ScenarioContext) {
		inner := p.init(cfg)
		return func(sc *godog.ScenarioContext) {
			inner(sc)
			sc.Step(`^Ctrl-C arrives$`, func(ctx context.Context) error {
				cancel()
				<-ctx.Done()
				return ctx.Err() // what a request in flight returns
			})
		}
	}
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var out bytes.Buffer
	code, err := Run(ctx, Options{Paths: []string{file}, Initializer: init, Handler: http.NotFoundHandler(),
		Output: &out, Log: io.Discard, KeySource: testKeys{mode: "test"}, Concurrency: 1, Format: "progress,junit:" + junit})
	t.Logf("code %d err %v\n%s", code, err, out.String())
	if code != ExitHarness || !errors.Is(err, ErrHarness) {
		t.Fatalf("code=%d err=%v, want 3", code, err)
	}
	if strings.Contains(out.String(), "failed") || strings.Contains(out.String(), "Failed steps") {
		t.Fatalf("the interrupted scenario is reported as failed:\n%s", out.String())
	}
	for _, want := range []string{"2 scenarios (1 interrupted, 1 not run)", "1 steps (1 interrupted)", "Cut short (interrupted in: Ctrl-C arrives)", "Never started (the run was interrupted before it started)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if doc := readJUnit(t, junit); doc.Skipped != 2 || doc.Failures != 0 || doc.Errors != 0 {
		t.Fatalf("junit skipped=%d failures=%d errors=%d, want 2 skipped and nothing failed", doc.Skipped, doc.Failures, doc.Errors)
	}
}

func TestJUnitReport(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, err, _, _ := run(t, Options{Paths: []string{td("mixed.feature"), td("pass")}, Format: "junit:" + junit})
	if code != ExitUsage {
		t.Fatalf("code=%d err=%v, want 2", code, err)
	}
	doc := readJUnit(t, junit)
	var got []string
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			kind := c.Status
			if c.Failure != nil {
				kind += " failure " + c.Failure.Message
			}
			for _, e := range c.Errors {
				kind += " error " + e.Type
			}
			got = append(got, s.Name+"/"+c.Name+": "+kind)
		}
	}
	want := []string{
		"A failure and a mistake/The target fails: failed failure Step 1 plus 1 is 3: want 3, got 2",
		"A failure and a mistake/The scenario is wrong: error error scenario error",
		"Arithmetic/Adding small numbers: passed",
		"Arithmetic/Adding larger numbers: passed",
		"Arithmetic/Adding 2 and 2: passed",
		"Arithmetic/Adding 3 and 4: passed",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("junit cases:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if doc.Tests != 6 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 0 {
		t.Fatalf("junit totals tests=%d failures=%d errors=%d skipped=%d", doc.Tests, doc.Failures, doc.Errors, doc.Skipped)
	}
}

func TestPrettyShowsWhereStepsAreWritten(t *testing.T) {
	code, err, _, out := run(t, Options{Paths: []string{td("pass")}, Format: "pretty", Concurrency: 1})
	if code != ExitPassed {
		t.Fatalf("code=%d err=%v", code, err)
	}
	arith := filepath.Join("testdata", "pass", "arith.feature")
	for _, want := range []string{
		"Feature: Arithmetic",
		"Scenario: Adding small numbers",
		"# " + arith + ":9\n",
		"Given the target answers",
		"# " + arith + ":6 (step: the target answers)\n",
		"Then 1 plus 2 is 3",
		"# " + arith + `:10 (step: (\d+) plus (\d+) is (\d+))`,
		"Scenario Outline: Adding 3 and 4",
		"# " + arith + ":23\n", // the Examples row
		"4 scenarios (4 passed)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("pretty output lacks %q", want)
		}
	}
	if regexp.MustCompile(`\.go:\d+`).MatchString(out) {
		t.Errorf("pretty output names Go source lines:\n%s", out)
	}
}

func TestPrettyNotRun(t *testing.T) {
	code, _, _, out := run(t, Options{Paths: []string{td("fail")}, Format: "pretty", FailFast: true})
	if code != ExitFailed {
		t.Fatalf("code=%d, want 1", code)
	}
	fail := filepath.Join("testdata", "fail", "fail.feature")
	if !regexp.MustCompile(`Then 1 plus 1 is 3 +# ` + regexp.QuoteMeta(fail) + `:4 `).MatchString(out) {
		t.Errorf("pretty output lacks the failing step and its line")
	}
	for _, want := range []string{
		"Error: want 3, got 2",
		"Scenario: A right sum # " + fail + ":6 not run: fail-fast: an earlier scenario did not pass",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("pretty output lacks %q", want)
		}
	}
	if strings.Contains(out, "1 plus 1 is 2") {
		t.Errorf("pretty shows the steps of a scenario that never ran:\n%s", out)
	}
}

func TestPrettyBlocksUnderConcurrency(t *testing.T) {
	code, err, p, out := run(t, Options{Paths: []string{td("many")}, Format: "pretty", Concurrency: 4})
	if code != ExitPassed {
		t.Fatalf("code=%d err=%v", code, err)
	}
	if peak := p.peak.Load(); peak < 2 {
		t.Fatalf("peak concurrency %d: pretty no longer needs scenarios one at a time", peak)
	}
	// Every scenario header is followed by its own step, never another
	// scenario's output.
	lines := strings.Split(out, "\n")
	headers := 0
	for i, l := range lines {
		if strings.Contains(l, "Scenario: Sleep") {
			headers++
			if i+1 >= len(lines) || !strings.Contains(lines[i+1], "Given a short wait") {
				t.Fatalf("scenario block interleaved at line %d:\n%s", i, out)
			}
		}
	}
	if headers != 8 {
		t.Fatalf("%d scenario headers, want 8", headers)
	}
}

func TestPhraseOfStepLibrary(t *testing.T) {
	defs := steps.Definitions()
	if len(defs) == 0 {
		t.Fatal("no step definitions")
	}
	for _, d := range defs[:3] {
		if got := phraseOf(d.Pattern.String()); got != d.Phrase() {
			t.Errorf("phraseOf(%q) = %q, want %q", d.Pattern, got, d.Phrase())
		}
	}
	if got := phraseOf(`^a step of (\d+)$`); got != `a step of (\d+)` {
		t.Errorf("phraseOf of an unknown pattern = %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{16287474452 * time.Nanosecond, "16.29s"},
		{1500 * time.Millisecond, "1.5s"},
		{532123 * time.Nanosecond, "532µs"},
		{12345678 * time.Nanosecond, "12ms"},
		{125 * time.Second, "2m5s"},
		{0, "0s"},
	} {
		if got := FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	// The summary prints the time taken rounded.
	_, _, _, out := run(t, Options{Paths: []string{td("many")}})
	if !regexp.MustCompile(`(?m)^\d+(\.\d{1,2})?(s|ms|µs)$`).MatchString(out) {
		t.Fatalf("no rounded time in the summary:\n%s", out)
	}
}
