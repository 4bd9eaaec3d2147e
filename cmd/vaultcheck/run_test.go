package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cucumber/godog"

	"github.com/vaultcheck/vaultcheck/steps"
)

// runTestdata is the harness's placeholder features, written for the
// trivial steps below.
var runTestdata = filepath.Join("..", "..", "harness", "testdata")

// withTrivialSteps makes `vaultcheck run` use a few trivial steps instead
// of the step library, and records the Config each run got.
func withTrivialSteps(t *testing.T) *[]steps.Config {
	t.Helper()
	var mu sync.Mutex
	var cfgs []steps.Config
	runInitializer = func(cfg steps.Config) func(*godog.ScenarioContext) {
		mu.Lock()
		cfgs = append(cfgs, cfg)
		mu.Unlock()
		return func(sc *godog.ScenarioContext) {
			sc.Step(`^the target answers$`, func() {})
			sc.Step(`^(\d+) plus (\d+) is (\d+)$`, func(a, b, sum int) error {
				if a+b != sum {
					return fmt.Errorf("want %d, got %d", sum, a+b)
				}
				return nil
			})
		}
	}
	t.Cleanup(func() { runInitializer = nil })
	return &cfgs
}

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	t.Logf("vaultcheck %s -> %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out.String(), errb.String())
	return code, out.String(), errb.String()
}

func TestRunCmdExitCodes(t *testing.T) {
	withTrivialSteps(t)
	unreachable := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return "http://" + ln.Addr().String()
	}()
	tests := []struct {
		args       []string
		want       int
		wantStderr string
	}{
		{[]string{"run", filepath.Join(runTestdata, "pass")}, 0, ""},
		{[]string{"run", filepath.Join(runTestdata, "fail")}, 1, ""},
		{[]string{"run", filepath.Join(runTestdata, "undefined.feature")}, 2, "undefined step"},
		{[]string{"run", "--tags", "@smoke and", filepath.Join(runTestdata, "pass")}, 2, "bad tag expression"},
		{[]string{"run", "--tags", "@nothing", filepath.Join(runTestdata, "pass")}, 2, "no scenario matches"},
		{[]string{"run", "--format", "fancy", filepath.Join(runTestdata, "pass")}, 2, "unknown formatter"},
		{[]string{"run", "--concurrency", "-2", filepath.Join(runTestdata, "pass")}, 2, "concurrency -2"},
		{[]string{"run", "--keys", "slow", filepath.Join(runTestdata, "pass")}, 2, `keys "slow"`},
		{[]string{"run", filepath.Join(runTestdata, "missing.feature")}, 2, "missing.feature"},
		{[]string{"run", "--target", unreachable, filepath.Join(runTestdata, "pass")}, 4, unreachable + "/vault"},
		{[]string{"run", "--no-such-flag"}, 2, "unknown flag"},
	}
	for _, tt := range tests {
		code, _, stderr := runMain(t, tt.args...)
		if code != tt.want {
			t.Errorf("vaultcheck %q: exit %d, want %d", tt.args, code, tt.want)
		}
		if tt.wantStderr != "" && !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("vaultcheck %q: stderr lacks %q:\n%s", tt.args, tt.wantStderr, stderr)
		}
	}
}

func TestRunCmdOutputsAndFlags(t *testing.T) {
	cfgs := withTrivialSteps(t)
	dir := t.TempDir()
	junit := filepath.Join(dir, "out", "junit.xml")
	t.Setenv(subscriptionKeyEnv, "key-from-env")
	code, stdout, stderr := runMain(t, "run", "--format", "progress,junit:"+junit, "--seed", "7",
		"--concurrency", "2", filepath.Join(runTestdata, "pass", "arith.feature"))
	if code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	if !strings.Contains(stdout, "4 scenarios (4 passed)") {
		t.Fatalf("stdout lacks the progress summary:\n%s", stdout)
	}
	if !strings.Contains(stderr, "concurrency 2") || !strings.Contains(stderr, "seed 7") {
		t.Fatalf("stderr lacks the run notes:\n%s", stderr)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests int `xml:"tests,attr"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil || suites.Tests != 4 {
		t.Fatalf("junit: tests=%d err=%v, want 4 tests", suites.Tests, err)
	}
	if got := (*cfgs)[0].SubscriptionKey; got != "key-from-env" {
		t.Fatalf("subscription key %q, want the one from $%s", got, subscriptionKeyEnv)
	}
	if strings.Contains(stdout+stderr, "key-from-env") {
		t.Fatalf("the subscription key appears in the output")
	}

	// The flag wins over the environment.
	runMain(t, "run", "--subscription-key", "key-from-flag", filepath.Join(runTestdata, "pass", "arith.feature")+":9")
	if got := (*cfgs)[1].SubscriptionKey; got != "key-from-flag" {
		t.Fatalf("subscription key %q, want the flag's", got)
	}
}

func TestRunCmdHelp(t *testing.T) {
	code, stdout, _ := runMain(t, "run", "--help")
	if code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	for _, want := range []string{"--target", "--tags", "--format", "--concurrency", "--seed", "--fail-fast",
		"--keys", "--subscription-key", "--vault-url", "--keystore-url", "Examples:", "Exit status"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestRunCmdInterruptible(t *testing.T) {
	// A cancelled context (as after Ctrl-C) ends the run with exit 3.
	withTrivialSteps(t)
	root := newRootCmd()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	root.SetArgs([]string{"run", filepath.Join(runTestdata, "pass")})
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(ctx)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitHarness {
		t.Fatalf("err=%v, want exit %d", err, exitHarness)
	}
}

// TestRunCmdSafeEdges checks run's answers at its edges: reports that
// cannot be written exit 5, credentials in a target URL are refused without
// being echoed, the help documents every exit code.
func TestRunCmdSafeEdges(t *testing.T) {
	withTrivialSteps(t)
	pass := filepath.Join(runTestdata, "pass")
	if _, err := os.Stat("/dev/full"); err == nil {
		code, _, stderr := runMain(t, "run", "--format", "progress,junit:/dev/full", pass)
		if code != exitReport || !strings.Contains(stderr, "cannot write report /dev/full: no space left on device") {
			t.Errorf("junit to /dev/full: exit %d, want %d and the write error\n%s", code, exitReport, stderr)
		}
	}
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runMain(t, "run", "--format", "cucumber:"+filepath.Join(blocked, "c.json"), pass)
	if code != exitReport || !strings.Contains(stderr, "cannot write report") {
		t.Errorf("report under a file: exit %d, want %d\n%s", code, exitReport, stderr)
	}

	code, stdout, stderr := runMain(t, "run", "--target", "http://admin:hunter2@127.0.0.1:1", pass)
	if code != exitUsage || !strings.Contains(stderr, "credentials in the URL are not allowed") {
		t.Errorf("credentials in --target: exit %d, want 2\n%s", code, stderr)
	}
	if strings.Contains(stdout+stderr, "hunter2") || strings.Contains(stdout+stderr, "admin") {
		t.Errorf("the credentials are echoed:\n%s", stderr)
	}

	_, help, _ := runMain(t, "run", "--help")
	for _, line := range []string{"0  every scenario passed", "1  the target failed", "2  bad usage", "3  the harness broke",
		"4  the target could not be exercised", "5  a report could not be written"} {
		if !strings.Contains(help, line) {
			t.Errorf("run --help lacks the exit code line %q", line)
		}
	}
}
