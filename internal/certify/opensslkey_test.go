package certify

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestOpenSSLKeys loads keys as the docs tell vendors to make them:
// openssl genpkey -algorithm ed25519, and openssl pkey -pubout.
func TestOpenSSLKeys(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl")
	}
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "vendor.pem"), filepath.Join(dir, "vendor.pub")
	for _, args := range [][]string{{"genpkey", "-algorithm", "ed25519", "-out", priv}, {"pkey", "-in", priv, "-pubout", "-out", pub}} {
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Skipf("openssl %v: %v %s", args, err, out)
		}
	}
	rawPriv, _ := os.ReadFile(priv)
	rawPub, _ := os.ReadFile(pub)
	s, err := LoadSigner(rawPriv)
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPublicKey(rawPub)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Equal(s.Public()) {
		t.Error("openssl's public key is not the private key's")
	}
}
