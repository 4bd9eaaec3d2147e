package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
)

// hangingPosts is the fake Vault, except that POSTs never answer.
func hangingPosts(t *testing.T) string {
	t.Helper()
	fake := fakevault.New(fakevault.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			// Reading the body lets the server notice the client
			// hanging up (httptest's Close waits for every handler).
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
			return
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRunTimeoutFlags checks that --request-timeout and --timeout reach
// the harness: a target that never answers a POST ends the run with exit 4
// after the request timeout, or at the run deadline.
func TestRunTimeoutFlags(t *testing.T) {
	feature := filepath.Join(t.TempDir(), "register.feature")
	if err := os.WriteFile(feature, []byte("Feature: Registering\n  Scenario: Alice registers\n    Given Alice is a registered user\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--request-timeout", "300ms"}, "no answer within the request timeout"},
		{[]string{"--request-timeout", "1m", "--timeout", "1s"}, "run deadline (--timeout 1s) passed"},
	} {
		base := hangingPosts(t)
		started := time.Now()
		args := append([]string{"run", "--target", base, "--keys", "fast", feature}, tt.flags...)
		code, _, stderr := runMain(t, args...)
		if code != 4 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, want 4 with %q", tt.flags, code, tt.want)
		}
		if took := time.Since(started); took > 15*time.Second {
			t.Errorf("%v: took %v", tt.flags, took)
		}
	}
}

// TestRunDockerFlagsChecked checks the docker flags before anything runs.
func TestRunDockerFlagsChecked(t *testing.T) {
	pass := filepath.Join(runTestdata, "pass")
	for _, args := range [][]string{
		{"run", "--target", "docker:img", "--docker-env", "1BAD=x", pass},
		{"run", "--target", "docker:img", "--docker-env", "VAULTCHECK_ADDR=0.0.0.0:1", pass},
		{"run", "--target", "docker:img", "--docker-wait", "-1s", pass},
		{"run", "--target", "docker:has space", pass},
		{"run", "--timeout", "-1s", pass},
		{"run", "--request-timeout", "-1s", pass},
	} {
		if code, _, _ := runMain(t, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	code, _, stderr := runMain(t, "run", "--target", "docker:img", "--docker-env", "DB_PASSWORD=hunter2-secret", "--docker-wait", "-1s", pass)
	if code != exitUsage || strings.Contains(stderr, "hunter2-secret") {
		t.Errorf("exit %d, stderr %q: want 2 and no docker env value", code, stderr)
	}
}

// TestServeAddrFromEnv checks that serve's --addr defaults to
// VAULTCHECK_ADDR (the contract of a docker target's image), and to
// loopback without it.
func TestServeAddrFromEnv(t *testing.T) {
	addrDefault := func() string {
		cmd, _, err := newRootCmd().Find([]string{"serve"})
		if err != nil {
			t.Fatal(err)
		}
		return cmd.Flags().Lookup("addr").DefValue
	}
	t.Setenv("VAULTCHECK_ADDR", "")
	if got := addrDefault(); got != "127.0.0.1:8080" {
		t.Errorf("--addr default %q without VAULTCHECK_ADDR, want 127.0.0.1:8080", got)
	}
	t.Setenv("VAULTCHECK_ADDR", "127.0.0.1:41999")
	if got := addrDefault(); got != "127.0.0.1:41999" {
		t.Errorf("--addr default %q, want VAULTCHECK_ADDR's 127.0.0.1:41999", got)
	}
}
