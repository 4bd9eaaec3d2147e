package tamper

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
)

func keys(t *testing.T, n int) []*cryppo.PrivateKey {
	t.Helper()
	src, err := keysource.NewFast(keysource.FastOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var out []*cryppo.PrivateKey
	for range n {
		k, err := src.Key(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// TestStrictRejectsEveryVariant: the conformant reader rejects every
// variant of every kind of envelope with the error its variant wants.
func TestStrictRejectsEveryVariant(t *testing.T) {
	key := cryppo.GenerateSymmetricKey()
	s, _ := cryppo.EncryptAES(key, []byte("5YJ3E1EA7KF317000"))
	other, _ := cryppo.EncryptAES(key, []byte("Tesla Model 3"))
	aesVs, err := AES(key, s, other)
	if err != nil {
		t.Fatal(err)
	}
	ks := keys(t, 2)
	dek := cryppo.GenerateSymmetricKey()
	wrap, _ := cryppo.EncryptRSA(ks[0].Public(), dek.Bytes())
	rsaVs, err := RSA(ks[0], wrap, ks[1].Public())
	if err != nil {
		t.Fatal(err)
	}
	vvk := []byte(strings.Repeat("k", 64))
	hashVs := Hash(vvk, "5YJ3E1EA7KF317000", cryppo.HMACSHA256Hex(vvk, "5YJ3E1EA7KF317000"))
	newDEK := cryppo.GenerateSymmetricKey()
	val, _ := cryppo.EncryptAES(newDEK, []byte("1HGCM82633A004352"))
	all := append(append(append(aesVs, rsaVs...), hashVs...), Replayed(ks[0], wrap, val))
	if len(aesVs) < 18 || len(rsaVs) < 9 {
		t.Errorf("%d AES and %d RSA variants", len(aesVs), len(rsaVs))
	}
	for _, v := range all {
		if err := v.Try(Strict); !errors.Is(err, v.Want) {
			t.Errorf("%s: want %q, got %v", v.Name, v.Want, err)
		}
	}
	if slips := Check(Strict, all); len(slips) != 0 {
		t.Errorf("slipped: %v", slips)
	}
	// The untampered envelopes open.
	if _, err := Strict.OpenAES(key, s); err != nil {
		t.Error(err)
	}
	if _, err := Strict.OpenRSA(ks[0], wrap); err != nil {
		t.Error(err)
	}
}

// lenient is a client that does not authenticate: it opens AES-GCM
// without checking the tag (as AES-CTR would), reads any Cryppo string
// cryppo-js reads, and takes any hash.
type lenient struct{}

func (lenient) OpenAES(key cryppo.SymmetricKey, s string) ([]byte, error) {
	e, err := cryppo.Parse(s)
	if err != nil {
		return nil, err
	}
	if len(e.Artifacts.IV) != 12 {
		return nil, errors.New("bad iv")
	}
	block, _ := aes.NewCipher(key.Bytes())
	ctr := make([]byte, 16)
	copy(ctr, e.Artifacts.IV)
	ctr[15] = 2 // GCM's first counter block for the data
	out := make([]byte, len(e.Ciphertext))
	cipher.NewCTR(block, ctr).XORKeyStream(out, e.Ciphertext)
	return out, nil
}

func (lenient) OpenRSA(priv *cryppo.PrivateKey, s string) ([]byte, error) {
	return cryppo.DecryptRSA(priv, s)
}

func (lenient) VerifyHash([]byte, string, string) error { return nil }

// TestLenientReaderIsCaught: a reader that skips the GCM tag, the
// canonical form and the hash lets variants through, and Check names them.
func TestLenientReaderIsCaught(t *testing.T) {
	key := cryppo.GenerateSymmetricKey()
	s, _ := cryppo.EncryptAES(key, []byte("5YJ3E1EA7KF317000"))
	if pt, err := (lenient{}).OpenAES(key, s); err != nil || string(pt) != "5YJ3E1EA7KF317000" {
		t.Fatalf("the lenient reader does not even open the untampered value: %q %v", pt, err)
	}
	vs, _ := AES(key, s)
	vvk := []byte(strings.Repeat("k", 64))
	vs = append(vs, Hash(vvk, "v", cryppo.HMACSHA256Hex(vvk, "v"))...)
	slips := Check(lenient{}, vs)
	names := map[string]bool{}
	for _, sl := range slips {
		names[sl.Variant.Name] = true
	}
	for _, want := range []string{"tag: first bit flipped", "ciphertext: last byte flipped", "AAD changed", "artifacts in the order at, iv, ad", "hash: first hex digit changed"} {
		if !names[want] {
			t.Errorf("%q slipped through the lenient reader but Check does not say so: %v", want, slips)
		}
	}
	if names["tag cut to 15 bytes"] {
		t.Error("a cut tag does not parse, even for the lenient reader")
	}
	if got := slips[0].String(); !strings.Contains(got, `want "decryption failed", got accepted`) {
		t.Errorf("slip: %s", got)
	}
	ks := keys(t, 1)
	oldDEK, newDEK := cryppo.GenerateSymmetricKey(), cryppo.GenerateSymmetricKey()
	old, _ := cryppo.EncryptRSA(ks[0].Public(), oldDEK.Bytes())
	val, _ := cryppo.EncryptAES(newDEK, []byte("1HGCM82633A004352"))
	if slips := Check(lenient{}, []Variant{Replayed(ks[0], old, val)}); len(slips) != 1 {
		t.Error("a reader that does not authenticate reads new values with an older DEK, and Check does not say so")
	}
	if got := Replayed(ks[0], old, val).Try(Strict); !errors.Is(got, cryppo.ErrDecrypt) {
		t.Errorf("replayed DEK: %v", got)
	}
	_ = client.ErrHashMismatch
}
