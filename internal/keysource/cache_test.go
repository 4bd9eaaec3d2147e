package keysource

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

func TestCachedReusesKeysAcrossSources(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	gens := 0
	opts := CacheOptions{Dir: dir, Target: "http://127.0.0.1:8080", Fresh: FreshOptions{Bits: 1024, Workers: 1, Depth: 1,
		Generate: func(bits int) (*cryppo.PrivateKey, error) { gens++; return cryppo.GeneratePrivateKey(bits) }}}
	c1, err := NewCached(opts)
	if err != nil {
		t.Fatal(err)
	}
	var first []string
	for range 3 {
		k, err := c1.Key(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		first = append(first, k.Fingerprint())
	}
	c1.Close()
	if s := c1.Stats(); s.Generated != 3 || s.FromSet != 0 {
		t.Fatalf("first run stats %+v, want 3 generated", s)
	}
	for _, p := range []string{c1.Path(), filepath.Dir(c1.Path()), dir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o700)
		if !fi.IsDir() {
			want = 0o600
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}

	c2, err := NewCached(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if c2.Cached() != 3 {
		t.Fatalf("second run finds %d cached keys, want 3", c2.Cached())
	}
	seen := map[string]bool{}
	for range 3 {
		k, err := c2.Key(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		seen[k.Fingerprint()] = true
	}
	for _, fp := range first {
		if !seen[fp] {
			t.Fatalf("the second run did not reuse key %s", fp)
		}
	}
	if s := c2.Stats(); s.FromSet != 3 || s.Generated != 0 {
		t.Fatalf("second run stats %+v, want 3 from the cache", s)
	}

	other, err := NewCached(CacheOptions{Dir: dir, Target: "https://elsewhere", Fresh: opts.Fresh})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.Cached() != 0 || other.Path() == c1.Path() {
		t.Fatalf("another target shares the cache (%d keys, %s)", other.Cached(), other.Path())
	}
}
