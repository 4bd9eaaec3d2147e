package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/certify"
)

const cliDeclaration = `product {
  name    = "vaultcheck serve"
  version = "devel"
  vendor  = "vaultcheck"
  contact = "https://vaultcheck.example/conformance"
}
profiles = ["core", "extended"]
`

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCertifyUsage(t *testing.T) {
	dir := t.TempDir()
	decl := writeFile(t, dir, "vendor.hcl", cliDeclaration)
	bad := writeFile(t, dir, "bad.hcl", cliDeclaration+"known_failure \"SHARE-DEK-01\" {\n  reason = \"r\"\n  tracking = \"https://t.example/1\"\n}\n")
	taken := filepath.Join(dir, "taken")
	if err := os.MkdirAll(filepath.Join(taken, "bundle"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"certify", "--target", "inproc"}, "--declaration is required"},
		{[]string{"certify", "--declaration", decl}, "--target is required"},
		{[]string{"certify", "--declaration", decl, "--target", "inproc", "--tags", "@smoke"}, "--tags is not allowed"},
		{[]string{"certify", "--declaration", decl, "--target", "inproc", "--fail-fast"}, "--fail-fast is not allowed"},
		{[]string{"certify", "--declaration", decl, "--target", "inproc", "--shard", "1/2"}, "--shard is not allowed"},
		{[]string{"certify", "--declaration", decl, "--target", "inproc", "features/"}, "takes no paths"},
		{[]string{"certify", "--declaration", bad, "--target", "inproc"}, "bad.hcl:8:15: Certification refused: SHARE-DEK-01 is a MUST"},
		{[]string{"certify", "--declaration", decl, "--target", "http://127.0.0.1:1", "--keys", "fast", "--out", filepath.Join(dir, "o1")}, "only the built-in fake"},
		{[]string{"certify", "--declaration", decl, "--target", "inproc", "--out", taken}, "already exists"},
		{[]string{"certify", "--declaration", decl, "--target", "inproc", "--signing-key", decl, "--out", filepath.Join(dir, "o2")}, "--signing-key"},
		{[]string{"certify", "verify", filepath.Join(dir, "nothing")}, "bad bundle"},
		{[]string{"certify", "verify", dir, "--key", decl}, "--key"},
		{[]string{"certify", "profiles", "--format", "yaml"}, "want text or json"},
	} {
		code, _, stderr := runMain(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.says) {
			t.Errorf("vaultcheck %s: exit %d, want 2 saying %q; stderr:\n%s", strings.Join(c.args, " "), code, c.says, stderr)
		}
	}
}

func TestCertifyProfilesCmd(t *testing.T) {
	code, out, _ := runMain(t, "certify", "profiles")
	if code != 0 || !strings.Contains(out, "core: ") || !strings.Contains(out, "extended: ") || !strings.Contains(out, "claimed together with: core") ||
		!strings.Contains(out, "SHARE-DEK-01") || !strings.Contains(out, "optional") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = runMain(t, "certify", "profiles", "--format", "json")
	var set certify.ProfileSet
	if code != 0 || json.Unmarshal([]byte(out), &set) != nil || len(set.Profiles) != 2 {
		t.Errorf("json: exit %d:\n%s", code, out)
	}
}

// TestCertifyCommand certifies the built-in fake with the embedded suite
// through the command line, then verifies the bundle: the verdict derives
// again (whatever it is while the suite's requirement tags are incomplete),
// a changed file is named, and the signer is unverified without --key.
func TestCertifyCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	dir := t.TempDir()
	decl := writeFile(t, dir, "vendor.hcl", cliDeclaration)
	key, err := certify.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := writeFile(t, dir, "vendor.pem", string(key.PrivatePEM()))
	out := filepath.Join(dir, "cert")
	code, stdout, _ := runMain(t, "certify", "--declaration", decl, "--target", "inproc", "--keys", "fast", "--out", out, "--signing-key", keyFile)
	if code != 0 && code != 1 {
		t.Fatalf("certify: exit %d", code)
	}
	fp := certify.Fingerprint(key.Public())
	if !strings.Contains(stdout, "certification: ") || !strings.Contains(stdout, "signed with the key of --signing-key, "+fp) {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, f := range []string{"bundle/results.json", "bundle/statement.dsse.json", "bundle.tar.gz", "signer.pub", "signer.fingerprint"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	pub := filepath.Join(out, "signer.pub")

	vcode, vout, _ := runMain(t, "certify", "verify", filepath.Join(out, "bundle.tar.gz"), "--key", pub)
	if vcode != code || !strings.Contains(vout, "verdict: derived again") || !strings.Contains(vout, "signature: valid, made with the key given ("+fp+")") {
		t.Errorf("verify: exit %d, want %d (certify's):\n%s", vcode, code, vout)
	}
	vcode, vout, _ = runMain(t, "certify", "verify", filepath.Join(out, "bundle"))
	if vcode != code || !strings.Contains(vout, "signer: UNVERIFIED ("+fp+")") {
		t.Errorf("verify without --key: exit %d:\n%s", vcode, vout)
	}

	results := filepath.Join(out, "bundle", "results.json")
	raw, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	if err := os.WriteFile(results, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	vcode, vout, _ = runMain(t, "certify", "verify", filepath.Join(out, "bundle"), "--key", pub)
	if vcode != certify.VerifyDigest || !strings.Contains(vout, "FAIL digest: results.json: changed") || !strings.Contains(vout, "DIGEST MISMATCH") {
		t.Errorf("a changed results.json: exit %d:\n%s", vcode, vout)
	}
	other, _ := certify.NewSigner()
	otherPub := writeFile(t, dir, "other.pub", string(certify.PublicKeyPEM(other.Public())))
	vcode, vout, _ = runMain(t, "certify", "verify", filepath.Join(out, "bundle.tar.gz"), "--key", otherPub)
	if vcode != certify.VerifyBadSignature || !strings.Contains(vout, "BAD SIGNATURE") {
		t.Errorf("another key: exit %d:\n%s", vcode, vout)
	}
}
