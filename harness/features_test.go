package harness

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRunChecksStepsBeforeTheTarget checks that an undefined step is a
// scenario error found by the same check as vet's, at its line, with the
// closest phrases of the catalog, before any request reaches the target.
func TestRunChecksStepsBeforeTheTarget(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "typo.feature")
	src := "Feature: f\n\n  Scenario: s\n    Given users Alice and Bob are registered\n    When Alice sharez \"My Car\" with Bob\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	code, err := Run(context.Background(), Options{Paths: []string{file}, Target: srv.URL, Keys: "fast", Output: &out, Log: &out})
	if code != ExitUsage || !errors.Is(err, ErrScenario) {
		t.Fatalf("code %d, err %v; want 2 and a scenario error", code, err)
	}
	msg := err.Error()
	for _, want := range []string{
		"before contacting the target",
		file + `:5:10: undefined step: "Alice sharez \"My Car\" with Bob" matches no step of the step table`,
		"share.item (action): <Sender> shares",
		"steps/CATALOG.md",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg+out.String(), "InitializeScenario") {
		t.Errorf("godog's Go snippet shown:\n%s%s", msg, out.String())
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the target got %d requests", n)
	}
}

// TestRunRefusesUnreadableFiles checks that a line of 64 KiB, which makes
// Gherkin (in godog too) panic, is a parse error at its line.
func TestRunRefusesUnreadableFiles(t *testing.T) {
	file := filepath.Join(t.TempDir(), "long.feature")
	src := "Feature: f\n  Scenario: s\n    Given x \"" + strings.Repeat("y", 1<<16) + "\"\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, err, _, _ := run(t, Options{Paths: []string{file}})
	if code != ExitUsage || !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), file+":3:1: line too long") {
		t.Fatalf("code %d, err %v", code, err)
	}
}

// TestRunInterruptedWhileLoading checks that a cancelled context stops the
// load and the run is an interrupted one (exit 3), not a parse error.
func TestRunInterruptedWhileLoading(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	code, err := Run(ctx, Options{Paths: []string{td("pass")}, Initializer: (&probe{}).init, Log: &strings.Builder{}, Output: &strings.Builder{}})
	if code != ExitHarness || !errors.Is(err, ErrHarness) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("code %d, err %v", code, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}
