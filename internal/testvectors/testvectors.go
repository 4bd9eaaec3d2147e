// Package testvectors finds the crypto vector files made with Meeco's own
// libraries for tests: they live in ../shared/vectors beside the repository
// and are never copied into it.
package testvectors

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the path of the named vector file (for example
// "meeco-crypto.json"), found from the module root above the test's working
// directory. A missing file fails the test: vectors are never optional.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above %s", dir)
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "vectors", name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("vector file %s is missing (the repository expects ../shared/vectors beside it): %v", name, err)
	}
	return p
}
