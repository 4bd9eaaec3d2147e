package vaultcheck_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
)

// TestKillMatrix runs the whole suite against the fake once per fault named
// in $VAULTCHECK_KILL (comma-separated fault names, or "all") and logs, per
// fault, the scenarios that failed and the first line of each failure:
// the working tool of the requirement-coverage work until `vaultcheck
// selfcheck` is the permanent one. A fault no scenario fails is an error.
// Without the variable the test is skipped: it costs a suite run per fault.
//
//	VAULTCHECK_KILL=srp-challenge-replay,kek-overwrite go test . -run KillMatrix -v
//
// $VAULTCHECK_KILL_PATHS (comma-separated) runs only those features.
func TestKillMatrix(t *testing.T) {
	names := os.Getenv("VAULTCHECK_KILL")
	if names == "" {
		t.Skip("set VAULTCHECK_KILL to a comma-separated list of fault names, or all")
	}
	var faults []fakevault.Fault
	if names == "all" {
		for _, fi := range fakevault.Faults() {
			faults = append(faults, fi.Fault)
		}
	} else {
		for _, n := range strings.Split(names, ",") {
			f, err := fakevault.ParseFault(strings.TrimSpace(n))
			if err != nil {
				t.Fatal(err)
			}
			faults = append(faults, f)
		}
	}
	var survivors []string
	for _, f := range faults {
		failed := runAgainst(t, f)
		if len(failed) == 0 {
			survivors = append(survivors, f.String())
			t.Logf("%s: SURVIVED", f)
			continue
		}
		t.Logf("%s: killed by %d scenario(s)", f, len(failed))
		for _, s := range failed {
			t.Logf("    %s", s)
		}
	}
	if len(survivors) > 0 {
		t.Errorf("%d fault(s) survived: %s", len(survivors), strings.Join(survivors, ", "))
	}
}

// runAgainst runs the suite against a fake with fault f and returns one
// line per failed scenario: its file:line, name and the failure's first
// line.
func runAgainst(t *testing.T, f fakevault.Fault) []string {
	t.Helper()
	report := filepath.Join(t.TempDir(), "cucumber.json")
	var paths []string
	if p := os.Getenv("VAULTCHECK_KILL_PATHS"); p != "" {
		paths = strings.Split(p, ",")
	}
	code, err := harness.Run(context.Background(), harness.Options{
		Paths:      paths,
		Handler:    fakevault.New(fakevault.WithFaults(f)),
		SourceLine: hclscenario.SourceLine,
		Keys:       "fast",
		Format:     "cucumber:" + report,
		Output:     io.Discard,
		Log:        io.Discard,
	})
	if code != harness.ExitPassed && code != harness.ExitFailed {
		t.Errorf("%s: exit %d: %v", f, code, err)
	}
	data, rerr := os.ReadFile(report)
	if rerr != nil {
		t.Fatalf("%s: %v", f, rerr)
	}
	var features []struct {
		URI      string `json:"uri"`
		Elements []struct {
			Name  string `json:"name"`
			Line  int    `json:"line"`
			Steps []struct {
				Result struct {
					Status string `json:"status"`
					Error  string `json:"error_message"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(data, &features); err != nil {
		t.Fatalf("%s: cucumber report: %v", f, err)
	}
	var out []string
	for _, ft := range features {
		for _, sc := range ft.Elements {
			for _, st := range sc.Steps {
				if st.Result.Status == "failed" {
					msg, _, _ := strings.Cut(strings.TrimSpace(st.Result.Error), "\n")
					out = append(out, fmt.Sprintf("%s:%d %s: %s", ft.URI, sc.Line, sc.Name, clipTo(msg, 240)))
					break
				}
			}
		}
	}
	return out
}

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// TestSuiteKeyUsage runs the clean suite with a fast key source and logs
// how many keys it drew from the committed set of 320 (and had to generate
// beyond it): a suite that outgrows the set pays a second of CPU per key.
// Set VAULTCHECK_KEYUSAGE=1 to run it.
func TestSuiteKeyUsage(t *testing.T) {
	if os.Getenv("VAULTCHECK_KEYUSAGE") == "" {
		t.Skip("set VAULTCHECK_KEYUSAGE=1")
	}
	src, err := keysource.NewFast(keysource.FastOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	code, err := harness.Run(context.Background(), harness.Options{
		KeySource:  src,
		SourceLine: hclscenario.SourceLine,
		Format:     "progress",
		Output:     io.Discard,
		Log:        io.Discard,
	})
	if code != harness.ExitPassed {
		t.Fatalf("exit %d: %v", code, err)
	}
	st := src.Stats()
	t.Logf("keys served %d: %d from the set, %d generated", st.Served, st.FromSet, st.Generated)
}
