package keysource

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// smallKeys is a process-wide pool of 1024-bit PKCS#1 PEM blocks for tests
// that need a set but not 4096-bit keys.
var smallKeys = sync.OnceValues(func() ([][]byte, error) {
	var out [][]byte
	for range 8 {
		k, err := cryppo.GeneratePrivateKey(1024)
		if err != nil {
			return nil, err
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: x509.MarshalPKCS1PrivateKey(k.RSA())}))
	}
	return out, nil
})

// smallSet returns a Set of n (at most 8) 1024-bit keys and their PEM.
func smallSet(t testing.TB, n int) (*Set, []byte) {
	t.Helper()
	blocks, err := smallKeys()
	if err != nil {
		t.Fatalf("generating test keys: %v", err)
	}
	if n > len(blocks) {
		t.Fatalf("smallSet: at most %d keys", len(blocks))
	}
	var data []byte
	for _, b := range blocks[:n] {
		data = append(data, b...)
	}
	s, err := NewSet(data)
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	return s, data
}

// pkcs1 is the ASN.1 shape of a PKCS#1 RSAPrivateKey, read without the cost
// of validating the key.
type pkcs1 struct {
	Version int
	N       *big.Int
	E       int
	D       *big.Int
	P       *big.Int
	Q       *big.Int
	Dp      *big.Int
	Dq      *big.Int
	Qinv    *big.Int
	Extra   []asn1.RawValue `asn1:"optional"`
}

// modulusKey returns a comparable form of k's modulus.
func modulusKey(k *cryppo.PrivateKey) string { return string(k.RSA().N.Bytes()) }

// checkDistinct asserts keys are pairwise distinct by modulus and have bits bits.
func checkDistinct(t *testing.T, keys []*cryppo.PrivateKey, bits int) {
	t.Helper()
	seen := make(map[string]int, len(keys))
	for i, k := range keys {
		if k == nil {
			t.Fatalf("key %d is nil", i)
		}
		if got := k.Public().Bits(); got != bits {
			t.Fatalf("key %d: bits=%d, want %d", i, got, bits)
		}
		m := modulusKey(k)
		if j, dup := seen[m]; dup {
			t.Fatalf("keys %d and %d are the same key %v", j, i, k)
		}
		seen[m] = i
	}
}
