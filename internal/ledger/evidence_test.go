package ledger

import (
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

func TestEvidence(t *testing.T) {
	l := New()
	kek, dek := cryppo.GenerateSymmetricKey(), cryppo.GenerateSymmetricKey()
	l.GenerateKey("Alice", "KEK", kek)
	l.WrapKey("Alice", "DEK", kek, "KEK", dek.Bytes(), mustAES(t, kek, dek.Bytes()))
	priv := rsaKey(t)
	l.WrapPrivateKey("Alice", "private key of keypair 1", kek, "KEK", priv, mustAES(t, kek, []byte(priv.PEM())))
	l.EncryptData("Alice", "slot vin", dek, "DEK", []byte("VIN"), mustAES(t, dek, []byte("VIN")))
	l.DeriveKey("Alice", "PDK", cryppo.GenerateSymmetricKey().Bytes(), "")

	ev := l.Evidence()
	if len(ev.Entries) != 5 || len(ev.Salt) != 64 {
		t.Fatalf("%d entries, salt %q", len(ev.Entries), ev.Salt)
	}
	for i, want := range []struct {
		plain     string
		checkable bool
	}{{"", true}, {PlainKey, true}, {PlainPrivateKey, true}, {PlainData, true}, {"", false}} {
		if e := ev.Entries[i]; e.Plain != want.plain || e.Checkable != want.checkable || e.Seq != i+1 {
			t.Errorf("entry %d: %+v, want plain %q checkable %v", i+1, e, want.plain, want.checkable)
		}
	}
	// Every key an entry names is there, under its own fingerprint.
	for _, k := range []cryppo.SymmetricKey{kek, dek} {
		b64, ok := ev.SymmetricKeys[k.Fingerprint()]
		if !ok || b64 != k.Base64() {
			t.Errorf("key %s missing or wrong", k.Fingerprint())
		}
	}
	if pem, ok := ev.PrivateKeys[priv.Fingerprint()]; !ok || pem != priv.PEM() {
		t.Error("the private key is missing")
	}
	if DataDigestWithSalt(l.salt, []byte("VIN")) != ev.Entries[3].Digest {
		t.Error("DataDigestWithSalt differs from the ledger's digest")
	}
	var nl *Ledger
	if nl.Evidence() != nil {
		t.Error("a nil ledger has evidence")
	}
}
