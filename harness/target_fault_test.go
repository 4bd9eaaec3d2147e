package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
)

// faultFeature has three scenarios of real steps, each of which registers
// a user (POST requests) and reads the profile.
const faultFeature = `Feature: Faults of the target

  Scenario: Alice registers
    Given Alice is a registered user
    Then Alice can read her own profile

  Scenario: Carol registers
    Given Carol is a registered user
    Then Carol can read her own profile

  Scenario: Dora registers
    Given Dora is a registered user
    Then Dora can read her own profile
`

// faultyTarget is the fake Vault on a real loopback listener, made to fail
// every POST in one way once mode is set (the reachability check's GETs
// still answer).
type faultyTarget struct {
	base  string
	srv   *http.Server
	mode  atomic.Value
	posts atomic.Int32
	once  sync.Once
}

func newFaultyTarget(t *testing.T, mode string) *faultyTarget {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ft := &faultyTarget{base: "http://" + ln.Addr().String()}
	ft.mode.Store(mode)
	fake := fakevault.New(fakevault.Options{})
	ft.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			fake.ServeHTTP(w, r)
			return
		}
		n := ft.posts.Add(1)
		switch ft.mode.Load().(string) {
		case "reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			}
		case "hang":
			// Answers only when the client gives up; reading the body
			// lets the server notice that.
			io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		case "500":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"errors":[{"error":"internal_error","http_code":500,"message":"database down"}]}`))
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!doctype html><title>Maintenance</title>"))
		case "kill":
			// The target dies on its third POST, mid-scenario: every
			// connection and the listener go.
			if n >= 3 {
				// Hijacked first, so that Close (which does not wait for
				// handlers) has closed the listener before the client
				// sees its connection go.
				conn, _, err := w.(http.Hijacker).Hijack()
				ft.once.Do(func() { ft.srv.Close() })
				if err == nil {
					conn.Close()
				}
				return
			}
			fake.ServeHTTP(w, r)
		default:
			fake.ServeHTTP(w, r)
		}
	})}
	if mode == "refused" {
		ln.Close() // nothing listens there any more
		return ft
	}
	go ft.srv.Serve(ln)
	t.Cleanup(func() { ft.srv.Close() })
	return ft
}

// faultRun runs faultFeature against base with real steps and fast keys,
// writing JUnit and cucumber reports into a temporary folder.
type faultRun struct {
	code           int
	err            error
	out, log       string
	junit          junitSuites
	cucumber       []any
	elapsed        time.Duration
	junitPath, dir string
}

func runFaulty(t *testing.T, base string, opts Options) *faultRun {
	t.Helper()
	dir := t.TempDir()
	fr := &faultRun{dir: dir, junitPath: filepath.Join(dir, "out", "junit.xml")}
	opts.FS = fstest.MapFS{"faults.feature": {Data: []byte(faultFeature)}}
	opts.Target = base
	opts.Keys = "fast"
	opts.Format = "progress,junit:" + fr.junitPath + ",cucumber:" + filepath.Join(dir, "out", "cucumber.json")
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 500 * time.Millisecond
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = 1
	}
	var out, log bytes.Buffer
	opts.Output, opts.Log = &out, &log
	started := time.Now()
	fr.code, fr.err = Run(context.Background(), opts)
	fr.elapsed = time.Since(started)
	fr.out, fr.log = out.String(), log.String()
	t.Logf("code %d err %v in %v\n--- output:\n%s--- log:\n%s", fr.code, fr.err, fr.elapsed, fr.out, fr.log)

	data, err := os.ReadFile(fr.junitPath)
	if err != nil {
		t.Fatalf("JUnit report not written: %v", err)
	}
	if err := xml.Unmarshal(data, &fr.junit); err != nil {
		t.Fatalf("JUnit report does not parse: %v\n%s", err, data)
	}
	data, err = os.ReadFile(filepath.Join(dir, "out", "cucumber.json"))
	if err != nil {
		t.Fatalf("cucumber report not written: %v", err)
	}
	if err := json.Unmarshal(data, &fr.cucumber); err != nil {
		t.Fatalf("cucumber report does not parse: %v\n%s", err, data)
	}
	return fr
}

// junitCases lists every test case of the report.
func (fr *faultRun) junitCases() []*junitCase {
	var out []*junitCase
	for _, s := range fr.junit.Suites {
		out = append(out, s.Cases...)
	}
	return out
}

// TestTargetFaultsExitUnexercised runs real steps against a target that
// refuses, resets, hangs, breaks with 500, answers HTML where JSON is due,
// or dies mid-run: each run ends with exit 4 within the timeouts, the
// scenarios it reached are errors of type "target error" (never failures)
// in the JUnit report, the rest not run, and every report is written.
func TestTargetFaultsExitUnexercised(t *testing.T) {
	tests := []struct {
		mode   string
		reason string // in the error and the JUnit message
		errors int    // scenarios that are target errors
		notRun int    // scenarios that did not run
	}{
		// Nothing listens: the reachability check fails, no scenario runs,
		// each is reported as a target error.
		{"refused", "connection refused", 3, 0},
		// The target answers GETs but fails every POST; after the first
		// scenario's error the target still answers (the probe is a GET),
		// so every scenario runs and errs.
		{"reset", "connection reset", 3, 0},
		{"hang", "no answer within the request timeout", 3, 0},
		{"500", "HTTP 500 Internal Server Error", 3, 0},
		{"html", "a body that is not JSON where JSON is due", 3, 0},
		// Dies mid-run: the scenario in progress errs, the probe finds the
		// target gone, and the rest are not run.
		{"kill", "", 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			ft := newFaultyTarget(t, tt.mode)
			fr := runFaulty(t, ft.base, Options{})
			if fr.code != ExitUnexercised || !errors.Is(fr.err, ErrUnexercised) {
				t.Fatalf("code=%d err=%v, want %d and ErrUnexercised", fr.code, fr.err, ExitUnexercised)
			}
			if tt.reason != "" && !strings.Contains(fr.err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", fr.err, tt.reason)
			}
			// Each scenario costs at most a request timeout (0.5 s) per
			// request, a few requests; the refusal none.
			if fr.elapsed > 20*time.Second {
				t.Errorf("run took %v, want it bounded by the request timeout", fr.elapsed)
			}
			var errs, notRun, failures int
			for _, c := range fr.junitCases() {
				switch {
				case c.Error != nil:
					errs++
					if c.Error.Type != "target error" {
						t.Errorf("case %q: error type %q, want \"target error\"", c.Name, c.Error.Type)
					}
					if tt.reason != "" && !strings.Contains(c.Error.Message, tt.reason) {
						t.Errorf("case %q: message %q does not say %q", c.Name, c.Error.Message, tt.reason)
					}
				case c.Skipped != nil:
					notRun++
				case c.Failure != nil:
					failures++
				}
			}
			if errs != tt.errors || notRun != tt.notRun || failures != 0 {
				t.Errorf("JUnit: %d errors, %d skipped, %d failures; want %d, %d, 0", errs, notRun, failures, tt.errors, tt.notRun)
			}
			if fr.junit.Errors != tt.errors {
				t.Errorf("JUnit errors attribute %d, want %d", fr.junit.Errors, tt.errors)
			}
			if !strings.Contains(fr.out, "with target errors") {
				t.Errorf("the summary does not count target errors:\n%s", fr.out)
			}
			if len(fr.cucumber) != 1 {
				t.Errorf("cucumber report has %d features, want 1", len(fr.cucumber))
			}
		})
	}
}

// TestRunDeadline checks --timeout: a target that never answers, with a
// request timeout longer than the run's deadline, ends the run at the
// deadline with exit 4, the scenario in progress cut short, the rest not
// run, and the reports written.
func TestRunDeadline(t *testing.T) {
	ft := newFaultyTarget(t, "hang")
	fr := runFaulty(t, ft.base, Options{RequestTimeout: time.Minute, Timeout: 1500 * time.Millisecond})
	if fr.code != ExitUnexercised || !errors.Is(fr.err, ErrUnexercised) || !strings.Contains(fr.err.Error(), "run deadline") {
		t.Fatalf("code=%d err=%v, want %d and the run deadline", fr.code, fr.err, ExitUnexercised)
	}
	if fr.elapsed > 10*time.Second {
		t.Errorf("run took %v, want it to end at the 1.5s deadline", fr.elapsed)
	}
	var skipped int
	for _, c := range fr.junitCases() {
		if c.Skipped == nil {
			t.Errorf("case %q is %q, want skipped (cut short or not run)", c.Name, c.Status)
			continue
		}
		skipped++
		if !strings.Contains(c.Skipped.Message, "run deadline") {
			t.Errorf("case %q: %q does not name the deadline", c.Name, c.Skipped.Message)
		}
	}
	if skipped != 3 {
		t.Errorf("%d skipped, want 3", skipped)
	}
}

// TestRunTimeoutOptions checks the new options' ranges.
func TestRunTimeoutOptions(t *testing.T) {
	for _, opts := range []Options{
		{Paths: []string{td("pass")}, Timeout: -time.Second},
		{Paths: []string{td("pass")}, RequestTimeout: -time.Second},
		{Paths: []string{td("pass")}, Target: "docker:img", DockerWait: -time.Second},
		{Paths: []string{td("pass")}, Target: "docker:img", DockerEnv: []string{"1BAD=x"}},
		{Paths: []string{td("pass")}, Target: "docker:img", DockerEnv: []string{AddrEnv + "=0.0.0.0:1"}},
		{Paths: []string{td("pass")}, Target: "docker:img", DockerEnv: []string{"VAULTCHECK_SURELY_UNSET_VARIABLE"}},
	} {
		code, err, _, _ := run(t, opts)
		if code != ExitUsage || !errors.Is(err, ErrUsage) {
			t.Errorf("%+v: code=%d err=%v, want 2 and ErrUsage", opts, code, err)
		}
	}
	for _, target := range []string{"docker:", "docker:-rm", "docker:img name", "docker:a;b"} {
		code, err, _, _ := run(t, Options{Paths: []string{td("pass")}, Target: target})
		if code != ExitUsage || !errors.Is(err, ErrBadTarget) {
			t.Errorf("%q: code=%d err=%v, want 2 and ErrBadTarget", target, code, err)
		}
	}
	code, err, _, _ := run(t, Options{Paths: []string{td("pass")}, Target: "docker:img", VaultURL: "http://h/vault", KeystoreURL: "http://h/keystore"})
	if code != ExitUsage || !errors.Is(err, ErrBadTarget) {
		t.Errorf("docker with URL overrides: code=%d err=%v, want 2 and ErrBadTarget", code, err)
	}
}

// junitSuites is the part of a JUnit report these tests read.
type junitSuites struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Cases []*junitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

type junitCase struct {
	Name    string        `xml:"name,attr"`
	Status  string        `xml:"status,attr"`
	Failure *junitProblem `xml:"failure"`
	Error   *junitProblem `xml:"error"`
	Skipped *junitProblem `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}
