package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestStepsSearch checks steps --search: ranked phrases with kind, ID,
// doc and a real example at its file:line, from the built-in features or
// from --in.
func TestStepsSearch(t *testing.T) {
	code, out, _ := runMain(t, "steps", "--search", "incoming", "shares")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	first := strings.SplitN(out, "\n\n", 2)[0]
	for _, want := range []string{`<User> has <count> incoming share(s)  (check, share.incoming_count)`,
		"GET /incoming_shares lists this many shares.", "e.g. features/"} {
		if !strings.Contains(first, want) {
			t.Errorf("the first hit lacks %q:\n%s", want, first)
		}
	}
	// The example is a real step of that file, at that line.
	eg := first[strings.Index(first, "e.g. ")+len("e.g. "):]
	file, rest, _ := strings.Cut(eg, ":")
	lineStr, text, _ := strings.Cut(rest, ": ")
	line, err := strconv.Atoi(lineStr)
	if err != nil {
		t.Fatalf("example %q has no line", eg)
	}
	src, err := os.ReadFile(filepath.Join("..", "..", file))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(strings.Split(string(src), "\n")[line-1]); got != strings.TrimSpace(text) {
		t.Errorf("%s:%d holds %q, the example says %q", file, line, got, text)
	}

	// Examples from the writer's own features.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.feature"), []byte("Feature: mine\n  Scenario: s\n    Given Zed is a registered user\n    Then Zed has 7 incoming shares\n"), 0o644)
	code, out, _ = runMain(t, "steps", "--search", "incoming", "--in", dir)
	if code != exitOK || !strings.Contains(out, "e.g. "+filepath.Join(dir, "mine.feature")+":4: Then Zed has 7 incoming shares") {
		t.Fatalf("--in: exit %d\n%s", code, out)
	}
	if code, out, _ = runMain(t, "steps", "--search", "registered", "--in", dir, "--limit", "0"); !strings.Contains(out, "no feature uses it yet") {
		t.Errorf("a phrase without example is not said so:\n%s", out)
	}

	if code, out, _ = runMain(t, "steps", "--search", "xyzzy"); code != exitFailed || !strings.Contains(out, `no step phrase matches "xyzzy"`) {
		t.Errorf("no match: exit %d, %q", code, out)
	}
	if code, _, _ = runMain(t, "steps", "incoming"); code != exitUsage {
		t.Errorf("words without --search: exit %d, want 2", code)
	}
	if code, _, _ = runMain(t, "steps", "--search", "x", "--in", filepath.Join(dir, "missing")); code != exitUsage {
		t.Errorf("--in a missing path: exit %d, want 2", code)
	}
}
