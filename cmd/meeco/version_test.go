package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestVersionFlag(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		var out, errb bytes.Buffer
		code := Main([]string{flag}, &out, &errb)
		got := out.String()
		if code != exitOK || !strings.HasPrefix(got, "meeco (vaultcheck's build) devel, ") ||
			!strings.Contains(got, runtime.Version()) || !strings.Contains(got, "commit") {
			t.Fatalf("meeco %s: exit %d, stdout %q, stderr %q; want 0 and the version, commit and Go version", flag, code, got, errb.String())
		}
	}
}
