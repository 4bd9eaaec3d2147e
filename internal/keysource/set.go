package keysource

import (
	"bytes"
	"compress/gzip"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"sync"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/keysource/testkeys"
)

// pemType is the only PEM block type a Set accepts: PKCS#1, the form
// node-forge and cryppo write private keys in.
const pemType = "RSA PRIVATE KEY"

// Set is an ordered collection of pre-generated private keys. It keeps each
// key as DER and parses it only when asked for (Key), because parsing and
// validating an RSA-4096 key costs far more than splitting the PEM, and a
// short run uses only a few of the keys. A Set is immutable and safe for
// concurrent use.
type Set struct {
	der [][]byte
}

// NewSet splits concatenated PKCS#1 "RSA PRIVATE KEY" PEM blocks into a Set
// without parsing the keys. It fails with ErrBadSet if data holds no block,
// a block of another type, an encrypted block, or trailing non-PEM text.
func NewSet(data []byte) (*Set, error) {
	s := &Set{}
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != pemType {
			return nil, fmt.Errorf("%w: block %d is %q, want %q", ErrBadSet, len(s.der), b.Type, pemType)
		}
		if len(b.Headers) != 0 {
			return nil, fmt.Errorf("%w: block %d has PEM headers (encrypted keys are not supported)", ErrBadSet, len(s.der))
		}
		s.der = append(s.der, b.Bytes)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: %d bytes of non-PEM data after block %d", ErrBadSet, len(bytes.TrimSpace(rest)), len(s.der))
	}
	if len(s.der) == 0 {
		return nil, fmt.Errorf("%w: no PEM blocks", ErrBadSet)
	}
	return s, nil
}

// NewGzipSet is NewSet for gzipped data, the form the committed set is
// stored in.
func NewGzipSet(gz []byte) (*Set, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrBadSet, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%w: gzip: %v", ErrBadSet, err)
	}
	return NewSet(data)
}

var embedded = sync.OnceValues(func() (*Set, error) {
	return NewGzipSet(testkeys.Gzipped())
})

// EmbeddedSet returns the committed set of testkeys.Count publicly known
// RSA-4096 test keys. It is decompressed once per process and shared; the
// keys are parsed only as they are handed out.
func EmbeddedSet() (*Set, error) { return embedded() }

// Len is the number of keys in s.
func (s *Set) Len() int { return len(s.der) }

// Key parses key i and checks it: it must be a valid PKCS#1 RSA key of
// exactly bits bits with e = 65537, else the error wraps ErrBadKey. Each
// call returns a new *cryppo.PrivateKey.
func (s *Set) Key(i, bits int) (*cryppo.PrivateKey, error) {
	if i < 0 || i >= len(s.der) {
		return nil, fmt.Errorf("%w: index %d out of range [0,%d)", ErrBadKey, i, len(s.der))
	}
	rk, err := x509.ParsePKCS1PrivateKey(s.der[i])
	if err != nil {
		return nil, fmt.Errorf("%w: key %d: %v", ErrBadKey, i, err)
	}
	if got := rk.N.BitLen(); got != bits {
		return nil, fmt.Errorf("%w: key %d: modulus has %d bits, want %d", ErrBadKey, i, got, bits)
	}
	if rk.E != 65537 {
		return nil, fmt.Errorf("%w: key %d: public exponent %d, want 65537", ErrBadKey, i, rk.E)
	}
	k, err := cryppo.NewPrivateKey(rk)
	if err != nil {
		return nil, fmt.Errorf("%w: key %d: %v", ErrBadKey, i, err)
	}
	return k, nil
}
