package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the server's log writer and the
// test reading it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `vaultcheck serve` on a free loopback port until the test
// ends and returns its base URL, read from the .environment.yaml it prints.
func startServe(t *testing.T, args ...string) (base string, log *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	log = &lockedBuffer{}
	root := newRootCmd()
	root.SetArgs(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...))
	root.SetOut(pw)
	root.SetErr(log)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx); pw.Close() }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("serve did not stop after its context was cancelled")
		}
	})
	urlRe := regexp.MustCompile(`url: (http://127\.0\.0\.1:\d+)/vault`)
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if m := urlRe.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		t.Fatalf("serve printed no vault URL; log:\n%s", log.String())
	}
	return base, log
}

// TestServeAndRunByURL runs the whole embedded suite (features and HCL
// scenarios) against `vaultcheck serve` reached by URL, as a vendor runs it
// against a live Vault.
func TestServeAndRunByURL(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	base, log := startServe(t, "--subscription-key", "serve-test-key")
	code, out, errOut := runMain(t, "run", "--target", base, "--keys", "fast", "--subscription-key", "serve-test-key")
	if code != exitOK {
		t.Fatalf("run --target %s: exit %d\n%s%s", base, code, out, errOut)
	}
	m := regexp.MustCompile(`(\d+) scenarios \((\d+) passed\)`).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("want every scenario passed, got summary %q", m)
	}
	logs := log.String()
	if !strings.Contains(logs, "status=201") || !strings.Contains(logs, "/vault/items") {
		t.Errorf("serve logged no requests:\n%.2000s", logs)
	}
	for _, secret := range []string{"serve-test-key", "Aes256Gcm.", "Rsa4096.", "BEGIN RSA PRIVATE KEY", "srp_"} {
		if strings.Contains(logs, secret) {
			t.Errorf("serve's log contains %q", secret)
		}
	}
}

// TestServeRequiresSubscriptionKey checks that a configured key is enforced:
// a run with a wrong key or none stops before any scenario with a
// configuration error (exit 2) and a hint, never echoing a key; with the
// right key the @smoke scenarios pass by URL (the race run's smaller form
// of TestServeAndRunByURL).
func TestServeRequiresSubscriptionKey(t *testing.T) {
	base, _ := startServe(t, "--subscription-key", "the-right-key")
	for _, key := range []string{"a-wrong-key", ""} {
		code, out, errOut := runMain(t, "run", "--target", base, "--keys", "fast", "--subscription-key", key, "--tags", "@smoke")
		if code != exitUsage || !strings.Contains(errOut, "subscription key refused") || !strings.Contains(errOut, "--subscription-key or $"+subscriptionKeyEnv) {
			t.Fatalf("run with subscription key %q: exit %d, want 2 with a hint\n%s%s", key, code, out, errOut)
		}
		if strings.Contains(out+errOut, "the-right-key") || (key != "" && strings.Contains(out+errOut, key)) {
			t.Fatalf("a subscription key is echoed:\n%s%s", out, errOut)
		}
		if strings.Contains(out, "scenarios (") {
			t.Fatalf("scenarios ran with a refused key:\n%s", out)
		}
	}
	code, out, errOut := runMain(t, "run", "--target", base, "--keys", "fast", "--subscription-key", "the-right-key", "--tags", "@smoke")
	m := regexp.MustCompile(`(\d+) scenarios \((\d+) passed\)`).FindStringSubmatch(out)
	if code != exitOK || m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("run with the right key: exit %d, want 0 and the @smoke scenarios passed\n%s%s", code, out, errOut)
	}
}

func TestServeBadAddress(t *testing.T) {
	code, _, errOut := runMain(t, "serve", "--addr", "256.0.0.1:99999")
	if code != exitUsage || !strings.Contains(errOut, "serve:") {
		t.Fatalf("exit %d, stderr %q; want 2 and a serve: message", code, errOut)
	}
}

func TestStepsPrintsTheCatalog(t *testing.T) {
	code, out, _ := runMain(t, "steps")
	if code != exitOK || !strings.HasPrefix(out, "# Step catalog") || !strings.Contains(out, "`<User> is a registered user`") {
		t.Fatalf("exit %d, output %.300q", code, out)
	}
}

// TestRunHCLWithVar runs an HCL scenario whose variable has no default: it
// is a scenario error without --var and passes with it.
func TestRunHCLWithVar(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a scenario against the fake")
	}
	path := filepath.Join(t.TempDir(), "var.hcl")
	src := `variable "vin" {}

user "alice" {}

item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots    = { vin = var.vin }
}

scenario "A value from --var" {
  expect "alice_reads" {
    item   = item.car
    values = { vin = var.vin }
  }
}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runMain(t, "run", path); code != exitUsage || !strings.Contains(errOut, "vin") {
		t.Fatalf("without --var: exit %d, want 2 naming the variable\n%s", code, errOut)
	}
	code, out, _ := runMain(t, "run", "--var", "vin=5YJ3E1EA7KF317000", path)
	if code != exitOK || !strings.Contains(out, "1 scenarios (1 passed)") {
		t.Fatalf("with --var: exit %d\n%s", code, out)
	}
	if code, _, _ := runMain(t, "run", "--var", "novalue", path); code != exitUsage {
		t.Fatalf("bad --var: exit %d, want 2", code)
	}
}
