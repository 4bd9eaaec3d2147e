package ledger

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

func mustAES(t *testing.T, k cryppo.SymmetricKey, pt []byte) string {
	t.Helper()
	s, err := cryppo.EncryptAES(k, pt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rsaKey(t *testing.T) *cryppo.PrivateKey {
	t.Helper()
	k, err := cryppo.GeneratePrivateKey(1024)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVerifyGoodEntries(t *testing.T) {
	l := New()
	pdk, kek, dek := cryppo.GenerateSymmetricKey(), cryppo.GenerateSymmetricKey(), cryppo.GenerateSymmetricKey()
	l.DeriveKey("Alice", "PDK", pdk.Bytes(), "salt: secret key")
	l.GenerateKey("Alice", "KEK", kek)
	l.WrapKey("Alice", "KEK", pdk, "PDK", kek.Bytes(), mustAES(t, pdk, kek.Bytes()))
	wrappedDEK := mustAES(t, kek, dek.Bytes())
	l.WrapKey("Alice", "DEK", kek, "KEK", dek.Bytes(), wrappedDEK)
	l.UnwrapKey("Alice", "DEK", kek, "KEK", wrappedDEK, dek.Bytes())
	ct := mustAES(t, dek, []byte("VIN3322112223"))
	l.EncryptData("Alice", "slot vin of item 1", dek, "DEK", []byte("VIN3322112223"), ct)
	l.DecryptData("Alice", "slot vin of item 1", dek, "DEK", ct, []byte("VIN3322112223"))
	l.EncryptData("Alice", "slot type of item 1", dek, "DEK", nil, "")

	priv := rsaKey(t)
	l.GenerateKeypair("Alice", "keypair 1", priv)
	l.WrapPrivateKey("Alice", "private key of keypair 1", kek, "KEK", priv, mustAES(t, kek, []byte(priv.PEM())))
	shareDEK := cryppo.GenerateSymmetricKey()
	enc, err := cryppo.EncryptRSA(priv.Public(), shareDEK.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	l.WrapKeyRSA("Alice", "share DEK for share s", priv.Public(), "keypair 1", shareDEK.Bytes(), enc)
	l.UnwrapKeyRSA("Bob", "share DEK for share s", priv, "keypair 1", enc, shareDEK.Bytes())
	token, _ := cryppo.EncryptRSA(priv.Public(), []byte("session-token"))
	l.DecryptRSA("Alice", "vault session token", priv, "keypair auth", token, []byte("session-token"))

	vvk := make([]byte, 64)
	for i := range vvk {
		vvk[i] = byte(i)
	}
	h := cryppo.HMACSHA256Hex(vvk, "hello")
	if h != "417c5d8a5eb080406c14cf7783f0d823899728aa94cd79b14af92cd0a3f8a2ed" {
		t.Fatalf("HMAC KAT = %s", h)
	}
	l.GenerateBytes("Alice", "verification key", vvk)
	l.Hash("Alice", "hash of slot", vvk, "verification key", "hello", h)
	l.CheckHash("Bob", "hash of slot", vvk, "verification key", "hello", h, true)
	l.CheckHash("Bob", "hash of tampered slot", vvk, "verification key", "hellO", h, false)

	other := cryppo.GenerateSymmetricKey()
	_, derr := cryppo.DecryptAES(other, ct)
	l.RefusedAES("Bob", "Alice's vin", other, "Bob's DEK", ct, derr)
	otherPriv := rsaKey(t)
	_, rerr := cryppo.DecryptRSA(otherPriv, enc)
	l.RefusedRSA("Jane", "Bob's share DEK", otherPriv, "Jane's keypair", enc, rerr)

	rep := l.VerifyAll()
	if len(rep.Errors) != 0 {
		t.Fatalf("errors: %v", rep.Errors)
	}
	// Not checkable: the derivation and the 64-byte key generation.
	if rep.Skipped != 2 {
		t.Errorf("skipped = %d, want 2", rep.Skipped)
	}
	if rep.Checked != l.Len()-2 {
		t.Errorf("checked = %d of %d", rep.Checked, l.Len())
	}
	if errs := l.Verify(); errs != nil {
		t.Errorf("Verify() = %v", errs)
	}

	// Digests tie entries together: the wrapped DEK is the generated DEK.
	wraps := l.Find(func(e Entry) bool { return e.Op == OpWrap && e.Subject == "DEK" })
	if len(wraps) != 1 || wraps[0].Digest != dek.Fingerprint() || wraps[0].Key != kek.Fingerprint() || wraps[0].Format != "Aes256Gcm" {
		t.Errorf("DEK wrap entry %+v", wraps)
	}
	encs := l.Find(func(e Entry) bool { return e.Op == OpEncrypt && e.Subject == "slot vin of item 1" })
	decs := l.Find(func(e Entry) bool { return e.Op == OpDecrypt && e.Subject == "slot vin of item 1" })
	if encs[0].Digest != decs[0].Digest || !strings.HasPrefix(encs[0].Digest, "d:") {
		t.Errorf("data digests %q / %q", encs[0].Digest, decs[0].Digest)
	}
}

func TestVerifyCatchesWrongRecords(t *testing.T) {
	k, other := cryppo.GenerateSymmetricKey(), cryppo.GenerateSymmetricKey()
	ct := mustAES(t, k, []byte("one"))
	priv, otherPriv := rsaKey(t), rsaKey(t)
	rsaCT, _ := cryppo.EncryptRSA(priv.Public(), []byte("0123456789abcdef0123456789abcdef"))
	tests := []struct {
		name   string
		record func(l *Ledger)
		want   error
	}{
		{"wrong plaintext", func(l *Ledger) { l.EncryptData("A", "x", k, "K", []byte("two"), ct) }, ErrMismatch},
		{"wrong key", func(l *Ledger) { l.DecryptData("A", "x", other, "K", ct, []byte("one")) }, cryppo.ErrDecrypt},
		{"wrong wrapped key", func(l *Ledger) { l.WrapKey("A", "x", k, "K", []byte("zzz"), ct) }, ErrMismatch},
		{"empty output for data", func(l *Ledger) { l.EncryptData("A", "x", k, "K", []byte("one"), "") }, ErrMismatch},
		{"wrong hash", func(l *Ledger) { l.Hash("A", "x", []byte("key"), "K", "v", strings.Repeat("0", 64)) }, ErrMismatch},
		{"wrong check outcome", func(l *Ledger) {
			l.CheckHash("A", "x", []byte("key"), "K", "v", cryppo.HMACSHA256Hex([]byte("key"), "v"), false)
		}, ErrMismatch},
		{"refusal that is not one", func(l *Ledger) { l.RefusedAES("A", "x", k, "K", ct, nil) }, ErrMismatch},
		{"rsa wrong key material", func(l *Ledger) {
			l.AddPrivateKey(priv)
			l.WrapKeyRSA("A", "x", priv.Public(), "K", []byte("other"), rsaCT)
		}, ErrMismatch},
		{"rsa refusal that is not one", func(l *Ledger) { l.RefusedRSA("A", "x", priv, "K", rsaCT, nil) }, ErrMismatch},
		{"rsa decrypt wrong key", func(l *Ledger) { l.UnwrapKeyRSA("A", "x", otherPriv, "K", rsaCT, []byte("k")) }, cryppo.ErrDecrypt},
		{"panicking check", func(l *Ledger) { l.Record(Entry{Op: OpCheck, Subject: "x"}, func() error { panic("boom") }) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New()
			tt.record(l)
			errs := l.Verify()
			if len(errs) != 1 {
				t.Fatalf("Verify() = %v, want 1 error", errs)
			}
			var ve *VerifyError
			if !errors.As(errs[0], &ve) || ve.Entry.Seq != l.Len() {
				t.Errorf("error %v is not a *VerifyError of the entry", errs[0])
			}
			if tt.want != nil && !errors.Is(errs[0], tt.want) {
				t.Errorf("error %v, want %v", errs[0], tt.want)
			}
		})
	}
}

func TestRSAWithoutPrivateKeyIsSkipped(t *testing.T) {
	l := New()
	priv := rsaKey(t)
	ct, _ := cryppo.EncryptRSA(priv.Public(), []byte("k"))
	l.WrapKeyRSA("A", "share DEK", priv.Public(), "their key", []byte("k"), ct)
	rep := l.VerifyAll()
	if rep.Skipped != 1 || rep.Checked != 0 || len(rep.Errors) != 0 {
		t.Errorf("report %+v, want 1 skipped", rep)
	}
	l.AddPrivateKey(priv)
	rep = l.VerifyAll()
	if rep.Checked != 1 || rep.Skipped != 0 {
		t.Errorf("with the private key: %+v, want 1 checked", rep)
	}
}

func TestStringShowsNoSecrets(t *testing.T) {
	l := New()
	k := cryppo.GenerateSymmetricKey()
	plain := "the secret plaintext"
	ct := mustAES(t, k, []byte(plain))
	l.EncryptData("Alice", "slot notes", k, "DEK", []byte(plain), ct)
	l.GenerateKey("Alice", "DEK", k)
	out := l.String()
	for _, leak := range []string{plain, k.Base64(), fmt.Sprintf("%x", k.Bytes()), ct} {
		if strings.Contains(out, leak) {
			t.Errorf("String leaks %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{"Alice", "encrypt", "slot notes", k.Fingerprint(), "Aes256Gcm.", "…("} {
		if !strings.Contains(out, want) {
			t.Errorf("String lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 3 {
		t.Errorf("String has %d lines, want header + 2", lines)
	}
}

func TestNilLedger(t *testing.T) {
	var l *Ledger
	k := cryppo.GenerateSymmetricKey()
	l.GenerateKey("A", "x", k)
	l.EncryptData("A", "x", k, "K", []byte("p"), "")
	l.AddPrivateKey(nil)
	if l.Len() != 0 || l.Entries() != nil || l.Verify() != nil || l.DataDigest([]byte("x")) != "" {
		t.Errorf("nil ledger is not inert")
	}
	if s := l.String(); !strings.HasPrefix(s, "#") {
		t.Errorf("nil String = %q", s)
	}
}

func TestSinceAndConcurrency(t *testing.T) {
	l := New()
	k := cryppo.GenerateSymmetricKey()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				l.GenerateKey(fmt.Sprint("g", g), "key", k)
				_ = l.Len()
			}
		}()
	}
	wg.Wait()
	if l.Len() != 400 {
		t.Fatalf("Len = %d", l.Len())
	}
	for i, e := range l.Entries() {
		if e.Seq != i+1 {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
	}
	if got := l.Since(398); len(got) != 2 || got[0].Seq != 399 {
		t.Errorf("Since(398) = %v", got)
	}
	if l.Since(400) != nil || len(l.Since(-1)) != 400 {
		t.Errorf("Since bounds")
	}
	if errs := l.Verify(); errs != nil {
		t.Errorf("Verify: %v", errs)
	}
}

func TestShorten(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", "short"},
		{"Aes256Gcm.D2e6d6rFMoQVwQ==.QUAAAAAFaXYADAAAAAAAAQIDBAUGBwgJCgsFYXQAEAAAAADe2XTvNoBES8DtMQBKc6E3AmFkAAUAAABub25lAAA=", "Aes256Gcm.D2e6d6rFMo…(115)"},
		{strings.Repeat("ab", 40), strings.Repeat("ab", 12) + "…(80)"},
	}
	for _, tt := range tests {
		if got := Shorten(tt.in); got != tt.want {
			t.Errorf("Shorten(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSecrets(t *testing.T) {
	l := New()
	k := cryppo.GenerateSymmetricKey()
	l.GenerateKey("Alice", "KEK", k)
	l.GenerateBytes("Alice", "verification key", []byte("0123456789abcdef"))
	got := l.Secrets()
	if len(got) != 2 || got[0].Subject != "KEK" || !bytes.Equal(got[0].Bytes, k.Bytes()) || got[1].Actor != "Alice" {
		t.Fatalf("Secrets() = %d entries", len(got))
	}
	got[0].Bytes[0] ^= 1
	if bytes.Equal(l.Secrets()[0].Bytes, got[0].Bytes) {
		t.Error("Secrets shares its bytes with the ledger")
	}
	var nl *Ledger
	if nl.Secrets() != nil || nl.PrivateKeys() != nil {
		t.Error("a nil ledger has secrets")
	}
}
