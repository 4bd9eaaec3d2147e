package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/harness"
)

// syncBuffer is a buffer written by the watch and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const watchFeature = `Feature: watched
  Scenario: Alice registers
    Given Alice is a registered user
    Then Alice can read her own profile

  Scenario: Bob registers
    Given Bob is a registered user
    Then Bob can read his own profile
`

// startWatch runs the watch on dir with the real steps against the fake,
// reporting each finished run on the returned channel.
func startWatch(t testing.TB, dir string) (out, log *syncBuffer, runs <-chan int, stop func() error) {
	t.Helper()
	out, log = &syncBuffer{}, &syncBuffer{}
	w, err := newWatcher(harness.Options{Output: out, Log: log, Concurrency: 1}, []string{dir}, out, log)
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan int, 16)
	w.ran = func(code int) { ch <- code }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		defer w.fs.Close()
		done <- w.loop(ctx)
	}()
	return out, log, ch, func() error { cancel(); return <-done }
}

// nextRun waits for the next run and returns its exit code.
func nextRun(t testing.TB, runs <-chan int, out *syncBuffer) int {
	t.Helper()
	select {
	case code := <-runs:
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("no run within 30s; output so far:\n%s", out.String())
		return -1
	}
}

// section is the output of run n: from its separator to its end line.
func section(out string, n int) string {
	start := strings.Index(out, fmt.Sprintf("── run %d · ", n))
	if start < 0 {
		return ""
	}
	rest := out[start:]
	end := strings.Index(rest[1:], fmt.Sprintf("── run %d ", n)) + 1
	if end == 0 {
		return rest
	}
	if nl := strings.IndexByte(rest[end:], '\n'); nl >= 0 {
		return rest[:end+nl+1]
	}
	return rest
}

// TestWatchRerunsWhatChanged edits files in a real folder while the watch
// runs, and checks each run: the first runs everything, an edit runs the
// scenario it changed, a new file runs, a misspelt step is shown and the
// watch goes on, and the fix runs.
func TestWatchRerunsWhatChanged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scenarios against the fake")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "watched.feature")
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(file, watchFeature)
	out, _, runs, stop := startWatch(t, dir)

	if code := nextRun(t, runs, out); code != exitOK || !strings.Contains(section(out.String(), 1), "2 scenarios (2 passed)") {
		t.Fatalf("run 1: exit %d\n%s", code, out.String())
	}

	// Only Bob's scenario changes.
	write(file, strings.Replace(watchFeature, "Then Bob can read his own profile", "Then Bob can read his own profile\n    And Bob's secret key is well formed", 1))
	s := ""
	if code := nextRun(t, runs, out); code != exitOK {
		t.Fatalf("run 2: exit %d\n%s", code, out.String())
	}
	if s = section(out.String(), 2); !strings.Contains(s, "1 scenarios (1 passed)") || !strings.Contains(s, file+" changed") {
		t.Fatalf("run 2 did not run the one changed scenario:\n%s", s)
	}

	// A misspelt step: shown at its line, nothing runs, the watch goes on.
	write(file, strings.Replace(watchFeature, "Alice can read", "Alice can reed", 1))
	if code := nextRun(t, runs, out); code != exitUsage {
		t.Fatalf("run 3: exit %d, want 2\n%s", code, out.String())
	}
	if s = section(out.String(), 3); !strings.Contains(s, file+`:4:10: undefined step: "Alice can reed her own profile"`) ||
		!strings.Contains(s, "user.reads_profile (check)") || strings.Contains(s, "scenarios (") {
		t.Fatalf("run 3 did not show the undefined step, or ran:\n%s", s)
	}

	// The fix runs the scenario it touched; a new file runs whole.
	write(file, watchFeature)
	if code := nextRun(t, runs, out); code != exitOK || !strings.Contains(section(out.String(), 4), "1 scenarios (1 passed)") {
		t.Fatalf("run 4: exit %d\n%s", code, section(out.String(), 4))
	}
	other := filepath.Join(dir, "sub", "other.feature")
	os.Mkdir(filepath.Dir(other), 0o755)
	time.Sleep(2 * watchDebounce) // the new folder is watched once its event is seen
	write(other, strings.ReplaceAll(watchFeature, "watched", "other"))
	if code := nextRun(t, runs, out); code != exitOK || !strings.Contains(section(out.String(), 5), "2 scenarios (2 passed)") {
		t.Fatalf("run 5 (a new file in a new folder): exit %d\n%s", code, section(out.String(), 5))
	}

	// A file that is not a scenario file changes nothing.
	write(filepath.Join(dir, "notes.txt"), "x")
	select {
	case code := <-runs:
		t.Fatalf("a .txt file made a run (exit %d)", code)
	case <-time.After(5 * watchDebounce):
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestWatchNeedsPaths checks that --watch without a path is a usage error.
func TestWatchNeedsPaths(t *testing.T) {
	if code, _, stderr := runMain(t, "run", "--watch"); code != exitUsage || !strings.Contains(stderr, "name the files or folders") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runMain(t, "run", "--watch", filepath.Join(t.TempDir(), "missing")); code != exitUsage {
		t.Fatalf("a missing path: exit %d, want 2", code)
	}
}

// TestWatchStopsOnCtrlC runs the built binary with --watch and sends it
// SIGINT, as Ctrl-C does: it must stop at once with exit 0.
func TestWatchStopsOnCtrlC(t *testing.T) {
	bin := vaultcheckBinary(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "w.feature"), []byte(watchFeature), 0o644)
	cmd := exec.Command(bin, "run", "--watch", dir)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "── run 1 passed") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no first run:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after Ctrl-C: %v\n%s", err, out.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the watch did not stop on Ctrl-C:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "watch stopped after 1 run") {
		t.Errorf("no goodbye:\n%s", out.String())
	}
}

// BenchmarkWatchRerun measures the time from saving a feature to the end
// of its run (the debounce, vet, the run of one scenario against a fresh
// in-process fake with fast keys, the report): the watch's feedback time.
func BenchmarkWatchRerun(b *testing.B) {
	dir := b.TempDir()
	file := filepath.Join(dir, "bench.feature")
	one := "Feature: bench\n  Scenario: one\n    Given Alice is a registered user\n    Then Alice can read her own profile\n"
	os.WriteFile(file, []byte(one), 0o644)
	out, _, runs, stop := startWatch(b, dir)
	defer stop()
	nextRun(b, runs, out)
	b.ResetTimer()
	for i := range b.N {
		// Each save changes the scenario, so that it runs again.
		os.WriteFile(file, []byte(one+strings.Repeat("    And Alice logs in\n", i%2+1)), 0o644)
		if code := nextRun(b, runs, out); code != exitOK {
			b.Fatalf("exit %d\n%s", code, out.String())
		}
	}
	b.StopTimer()
	io.Discard.Write([]byte(out.String()))
}
