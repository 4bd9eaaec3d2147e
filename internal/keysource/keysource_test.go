package keysource

import (
	"errors"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	small := FreshOptions{Bits: 1024, Workers: 1, Depth: 1}
	for _, tc := range []struct{ mode, want string }{
		{"fresh", ModeFresh},
		{"", ModeFresh}, // unset means the safe default, never the public keys
		{"fast", ModeFast},
	} {
		s, err := New(tc.mode, Options{Fresh: small})
		if err != nil {
			t.Fatalf("New(%q): %v", tc.mode, err)
		}
		if s.Mode() != tc.want {
			t.Errorf("New(%q).Mode()=%q, want %q", tc.mode, s.Mode(), tc.want)
		}
		s.Close()
	}
	for _, mode := range []string{"Fast", "FRESH", "fast ", "quick", "test"} {
		s, err := New(mode, Options{Fresh: small})
		if !errors.Is(err, ErrUnknownMode) || s != nil {
			t.Fatalf("New(%q): source=%v err=%v, want ErrUnknownMode", mode, s, err)
		}
		if !strings.Contains(err.Error(), `"fresh"`) || !strings.Contains(err.Error(), `"fast"`) {
			t.Errorf("error %q does not list the valid modes", err)
		}
	}
}

func TestNewFastPassesOptions(t *testing.T) {
	set, _ := smallSet(t, 2)
	s, err := New(ModeFast, Options{Seed: 3, Set: set, Fresh: FreshOptions{Bits: 1024, Workers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := s.(*Fast)
	if f.SetSize() != 2 || f.fresh.Bits != 1024 {
		t.Fatalf("options not passed: set %d keys, bits %d", f.SetSize(), f.fresh.Bits)
	}
}
