package vaultcheck_test

import (
	"bytes"
	"context"
	"io/fs"
	"path"
	"strings"
	"testing"
	"unicode"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
)

// TestFeatures runs every embedded feature against a fresh in-process fake
// Vault, one subtest per feature file named after it in CamelCase
// (sharing.feature -> Sharing, share_lifecycle.feature -> ShareLifecycle),
// and under it one subtest per scenario, named by godog after the scenario
// (outline rows by their substituted title). So
//
//	go test . -run 'TestFeatures/Sharing'
//	go test . -run 'TestFeatures/Sharing/Alice_shares_her_car'
//
// run one feature or one scenario. Files run one after another (godog keeps
// process-wide state); the scenarios of each run four at a time.
func TestFeatures(t *testing.T) { runSuite(t, "features/*.feature") }

// TestScenarios does the same for the HCL scenarios, compiled to Gherkin
// and run through the same steps: go test . -run 'TestScenarios/Onsharing'.
func TestScenarios(t *testing.T) { runSuite(t, "scenarios/*.hcl") }

func runSuite(t *testing.T, pattern string) {
	files, err := fs.Glob(vaultcheck.Suite, pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no embedded files match %s", pattern)
	}
	seen := map[string]string{}
	for _, file := range files {
		name := subtestName(file)
		if other, dup := seen[name]; dup {
			t.Fatalf("%s and %s both make subtest %q", other, file, name)
		}
		seen[name] = file
		t.Run(name, func(t *testing.T) {
			var out, log bytes.Buffer
			code, err := harness.Run(context.Background(), harness.Options{
				FS:          vaultcheck.Suite,
				Paths:       []string{file},
				SourceLine:  hclscenario.SourceLine,
				Concurrency: 4,
				Keys:        "fast",
				Format:      "progress",
				Output:      &out,
				Log:         &log,
				TestingT:    t,
			})
			if code != harness.ExitPassed {
				t.Errorf("%s: exit %d: %v\n%s%s", file, code, err, log.String(), out.String())
			}
		})
	}
}

// subtestName turns "features/share_lifecycle.feature" into "ShareLifecycle".
func subtestName(file string) string {
	base := strings.TrimSuffix(path.Base(file), path.Ext(file))
	var b strings.Builder
	upper := true
	for _, r := range base {
		if r == '_' || r == '-' || r == ' ' || r == '.' {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
