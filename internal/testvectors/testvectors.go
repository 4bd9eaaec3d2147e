// Package testvectors finds, for tests, the crypto vector files made with
// Meeco's own libraries: byte-for-byte copies kept in the repository's
// testdata/vectors, so that a clone passes its tests with nothing beside it.
package testvectors

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the path of the named vector file (for example
// "meeco-crypto.json") in testdata/vectors of the module the test runs in,
// found from the test's working directory upwards. A missing file fails
// the test: vectors are never optional.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("vector file %s is missing from testdata/vectors: %v", name, err)
	}
	return p
}

// Dir returns the repository's testdata/vectors folder.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "vectors")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
