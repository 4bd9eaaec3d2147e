package vaultcheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
)

// sharingFaultAreas are the fake's endpoint families of the sharing side.
var sharingFaultAreas = []string{"shares", "share lists", "accept", "on-sharing", "expiry", "deletion", "re-key", "client tasks"}

// TestSharingFaultsKilled runs the whole embedded suite against the fake
// once per fault of the sharing side and requires each run to fail a
// scenario with a target failure (exit 1), printing for each fault the
// first scenario that failed and its message. It takes minutes, so it runs
// only when VAULTCHECK_FAULT_KILLS is "sharing" (the sharing side's
// faults), "all" (every fault) or a comma-separated list of fault names.
// VAULTCHECK_FAULT_PATHS (comma-separated) runs those features or
// folders only, instead of the whole embedded suite. `vaultcheck
// selfcheck` is the permanent form of this check.
//
//	VAULTCHECK_FAULT_KILLS=sharing go test . -run TestSharingFaultsKilled -v -timeout 30m
func TestSharingFaultsKilled(t *testing.T) {
	which := os.Getenv("VAULTCHECK_FAULT_KILLS")
	if which == "" {
		t.Skip("set VAULTCHECK_FAULT_KILLS=sharing|all|NAME,NAME to run the suite once per fault")
	}
	var faults []fakevault.FaultInfo
	for _, f := range fakevault.Faults() {
		switch {
		case which == "all",
			which == "sharing" && slices.Contains(sharingFaultAreas, f.Area),
			slices.Contains(strings.Split(which, ","), f.Name):
			faults = append(faults, f)
		}
	}
	if len(faults) == 0 {
		t.Fatalf("VAULTCHECK_FAULT_KILLS=%q selects no fault", which)
	}
	var paths []string
	if p := os.Getenv("VAULTCHECK_FAULT_PATHS"); p != "" {
		paths = strings.Split(p, ",")
	}
	for _, f := range faults {
		var out, log bytes.Buffer
		code, err := harness.Run(context.Background(), harness.Options{
			Paths:       paths,
			Handler:     fakevault.New(fakevault.WithFaults(f.Fault)),
			SourceLine:  hclscenario.SourceLine,
			Concurrency: 4,
			Keys:        "fast",
			Format:      "cucumber",
			Output:      &out,
			Log:         &log,
		})
		killers, perr := failedScenarios(out.Bytes())
		switch {
		case perr != nil:
			t.Errorf("%s: cannot read the cucumber report: %v", f.Name, perr)
		case code == harness.ExitPassed:
			t.Errorf("%-30s SURVIVED (requirements %s)", f.Name, strings.Join(f.Requirements, ", "))
		case code != harness.ExitFailed:
			t.Errorf("%-30s exit %d, want 1 (a target failure): %v\n%s", f.Name, code, err, log.String())
		default:
			t.Logf("%-30s killed by %d scenarios; %s", f.Name, len(killers), bestKiller(killers, f.Requirements))
		}
	}
}

// killer is a scenario that failed against a fault.
type killer struct {
	where, step, msg string
	reqs             []string
}

func (k killer) String() string {
	return fmt.Sprintf("%s [%s]: %s: %s", k.where, strings.Join(k.reqs, " "), k.step, k.msg)
}

// bestKiller picks the failed scenario that checks one of the fault's
// requirements (the scenario made for it), else the first.
func bestKiller(killers []killer, reqs []string) string {
	for _, k := range killers {
		for _, r := range k.reqs {
			if slices.Contains(reqs, strings.TrimSuffix(r, ":neg")) {
				return k.String()
			}
		}
	}
	return "first: " + killers[0].String()
}

// cucumberFeature is the part of godog's cucumber JSON report this test
// reads.
type cucumberFeature struct {
	URI      string `json:"uri"`
	Elements []struct {
		Name  string                  `json:"name"`
		Tags  []struct{ Name string } `json:"tags"`
		Steps []struct {
			Name   string `json:"name"`
			Result struct {
				Status string `json:"status"`
				Error  string `json:"error_message"`
			} `json:"result"`
		} `json:"steps"`
	} `json:"elements"`
}

// failedScenarios lists the failed scenarios of a cucumber report with
// their @req tags, first failed step and the first line of its error.
func failedScenarios(report []byte) ([]killer, error) {
	var features []cucumberFeature
	if err := json.Unmarshal(report, &features); err != nil {
		return nil, err
	}
	var out []killer
	for _, f := range features {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				if s.Result.Status != "failed" {
					continue
				}
				k := killer{where: f.URI + ": " + e.Name, step: s.Name}
				k.msg, _, _ = strings.Cut(s.Result.Error, "\n")
				for _, tg := range e.Tags {
					if r, ok := strings.CutPrefix(tg.Name, "@req:"); ok {
						k.reqs = append(k.reqs, r)
					}
				}
				out = append(out, k)
				break
			}
		}
	}
	return out, nil
}
