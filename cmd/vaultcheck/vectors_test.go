package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// meecoVectors holds the vector files made with Meeco's libraries.
var meecoVectors = filepath.Join("..", "..", "testdata", "vectors")

func TestVectorsVerifySharedFiles(t *testing.T) {
	files := []string{filepath.Join(meecoVectors, "meeco-crypto.json"), filepath.Join(meecoVectors, "cryppo-compat.json")}
	code, out, _ := runMain(t, append([]string{"vectors", "verify"}, files...)...)
	if code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	for _, line := range []string{"aes256gcm: 13/13", "srp: 5/5", "encryption_with_key: 126/126", "signatures: 32/32"} {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("output lacks the group line %q", line)
		}
	}
	if !strings.HasSuffix(out, "298 passed, 0 failed\n") {
		t.Errorf("output does not end with the totals line")
	}
}

func TestVectorsVerifyReportsFailures(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(meecoVectors, "meeco-crypto.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Break the HMAC of the first hmac_sha256 case.
	bad := regexp.MustCompile(`("hex": ")[0-9a-f]{64}`).ReplaceAll(data, []byte(`${1}`+strings.Repeat("0", 64)))
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := runMain(t, "vectors", "verify", path)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(out, "hmac_sha256: 0/10") || !strings.Contains(out, "FAIL hmac_sha256[0]") || !strings.Contains(out, "66 passed, 10 failed") {
		t.Errorf("output does not name the failing cases and totals:\n%s", out)
	}
}

func TestVectorsVerifyBadFiles(t *testing.T) {
	malformed := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(malformed, []byte(`{"hello": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"vectors", "verify", filepath.Join(t.TempDir(), "missing.json")},
		{"vectors", "verify", malformed},
		{"vectors", "verify"},
		{"vectors", "generate"},
	} {
		if code, _, _ := runMain(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestVectorsGenerateRoundTrip writes a file with fresh keys and checks it
// with verify, as another implementation would check us.
func TestVectorsGenerateRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("generates RSA-4096 keys")
	}
	path := filepath.Join(t.TempDir(), "out", "generated.json")
	if code, _, _ := runMain(t, "vectors", "generate", "--out", path); code != exitOK {
		t.Fatalf("generate: exit %d", code)
	}
	code, out, _ := runMain(t, "vectors", "verify", path)
	if code != exitOK || !strings.Contains(out, " passed, 0 failed") {
		t.Fatalf("verify of the generated file: exit %d\n%s", code, out)
	}
}
