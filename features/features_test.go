package features_test

import (
	"bytes"
	"context"
	"io/fs"
	"path"
	"strings"
	"testing"
	"unicode"

	"github.com/vaultcheck/vaultcheck/features"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/steps"
)

// TestFeatures runs every embedded feature against a fresh in-process fake
// Vault, one subtest per feature file named after it in CamelCase
// (sharing.feature -> Sharing, share_lifecycle.feature -> ShareLifecycle),
// and under it one subtest per scenario, named by godog after the scenario
// (outline rows by their substituted title). So
//
//	go test ./features -run 'TestFeatures/Sharing'
//	go test ./features -run 'TestFeatures/Sharing/Alice_shares_her_car'
//
// run one feature or one scenario. Features run one after another (godog
// keeps process-wide state); the scenarios of each run four at a time.
func TestFeatures(t *testing.T) {
	files, err := fs.Glob(features.FS, "*.feature")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no embedded features")
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
				FS:          features.FS,
				Paths:       []string{file},
				Concurrency: 4,
				Keys:        "fast",
				Format:      "progress",
				Output:      &out,
				Log:         &log,
				TestingT:    t,
				Initializer: steps.Initializer,
			})
			if code != harness.ExitPassed {
				t.Errorf("%s: exit %d: %v\n%s%s", file, code, err, log.String(), out.String())
			}
		})
	}
}

// subtestName turns "share_lifecycle.feature" into "ShareLifecycle".
func subtestName(file string) string {
	base := strings.TrimSuffix(path.Base(file), ".feature")
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
