package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersionFlag(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		code, out, _ := runMain(t, flag)
		if code != exitOK || !strings.HasPrefix(out, "vaultcheck devel, ") ||
			!strings.Contains(out, runtime.Version()) || !strings.Contains(out, "commit") {
			t.Fatalf("vaultcheck %s: exit %d, stdout %q; want 0 and the version, commit and Go version", flag, code, out)
		}
	}
}
