package cryppo

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
)

// SymmetricKeySize is the size in bytes of every AES key Meeco uses (KEK,
// DEKs, share DEKs, the passphrase-derived key).
const SymmetricKeySize = 32

// Fingerprint returns a short, stable, non-reversible name for key material
// or any other byte string: "sha256:" and the first 8 bytes of its SHA-256
// in hex. It is what logs, ledgers and errors show instead of a key.
func Fingerprint(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// SymmetricKey is a 32-byte AES-256 key. Its zero value is invalid. It never
// prints its bytes: every fmt verb shows its fingerprint only. Use Bytes or
// Base64 where the raw key must deliberately leave the program (an auth
// file, a wrap).
type SymmetricKey struct {
	b []byte
}

// NewSymmetricKey copies b into a key. It fails with ErrKeySize unless b is
// exactly 32 bytes.
func NewSymmetricKey(b []byte) (SymmetricKey, error) {
	if len(b) != SymmetricKeySize {
		return SymmetricKey{}, newError(ErrKeySize, "symmetric key", fmt.Sprintf("want %d bytes, got %d", SymmetricKeySize, len(b)))
	}
	return SymmetricKey{b: append([]byte(nil), b...)}, nil
}

// GenerateSymmetricKey returns a fresh random key from crypto/rand.
func GenerateSymmetricKey() SymmetricKey {
	k, err := ReadSymmetricKey(rand.Reader)
	if err != nil {
		panic("cryppo: crypto/rand failed: " + err.Error())
	}
	return k
}

// ReadSymmetricKey reads a key's 32 bytes from r (a deterministic source in
// tests, crypto/rand otherwise).
func ReadSymmetricKey(r io.Reader) (SymmetricKey, error) {
	b := make([]byte, SymmetricKeySize)
	if _, err := io.ReadFull(r, b); err != nil {
		return SymmetricKey{}, err
	}
	return SymmetricKey{b: b}, nil
}

// SymmetricKeyFromBase64 decodes a key written as padded URL-safe base64, the
// form auth files and SymmetricKey.toJSON in the SDK use.
func SymmetricKeyFromBase64(s string) (SymmetricKey, error) {
	b, err := DecodeBase64(s)
	if err != nil {
		return SymmetricKey{}, err
	}
	return NewSymmetricKey(b)
}

// IsZero reports whether k holds no key.
func (k SymmetricKey) IsZero() bool { return len(k.b) == 0 }

// Bytes returns a copy of the raw key bytes.
func (k SymmetricKey) Bytes() []byte { return append([]byte(nil), k.b...) }

// Base64 returns the key as padded URL-safe base64 (44 characters).
func (k SymmetricKey) Base64() string { return EncodeBase64(k.b) }

// Fingerprint names the key without revealing it.
func (k SymmetricKey) Fingerprint() string { return Fingerprint(k.b) }

// Equal reports whether two keys hold the same bytes, in constant time.
func (k SymmetricKey) Equal(o SymmetricKey) bool {
	return len(k.b) == len(o.b) && subtle.ConstantTimeCompare(k.b, o.b) == 1
}

// String redacts the key.
func (k SymmetricKey) String() string {
	if k.IsZero() {
		return "SymmetricKey(none)"
	}
	return "SymmetricKey(" + k.Fingerprint() + ")"
}

// GoString redacts the key for %#v.
func (k SymmetricKey) GoString() string { return k.String() }

// Format redacts the key for every verb, %x and %d included.
func (k SymmetricKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// MarshalText refuses, so that a key inside a struct never ends up in JSON or
// YAML by accident; encode it explicitly with Base64.
func (k SymmetricKey) MarshalText() ([]byte, error) {
	return nil, fmt.Errorf("cryppo: refusing to marshal a SymmetricKey implicitly; use Base64()")
}

// RSAKeyBits is the modulus size of every Meeco keypair.
const RSAKeyBits = 4096

// PrivateKey is an RSA private key. Like SymmetricKey it never prints its
// contents; PEM and RSA reveal it deliberately.
type PrivateKey struct {
	k *rsa.PrivateKey
}

// NewPrivateKey wraps an *rsa.PrivateKey after checking it. Any modulus size
// is accepted (strings name the actual size, as cryppo-js does); callers that
// need 4096 bits check Public().Bits().
func NewPrivateKey(k *rsa.PrivateKey) (*PrivateKey, error) {
	if k == nil || k.N == nil {
		return nil, newError(ErrKey, "private key", "nil key")
	}
	if err := k.Validate(); err != nil {
		return nil, newError(ErrKey, "private key", err.Error())
	}
	k.Precompute()
	return &PrivateKey{k: k}, nil
}

// GeneratePrivateKey makes a fresh RSA key of the given size with e = 65537.
// A 4096-bit key takes about a second; prefer a keysource.Source.
func GeneratePrivateKey(bits int) (*PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{k: k}, nil
}

// RSA returns the underlying key.
func (k *PrivateKey) RSA() *rsa.PrivateKey { return k.k }

// Public returns the public half.
func (k *PrivateKey) Public() *PublicKey { return &PublicKey{k: &k.k.PublicKey} }

// Fingerprint names the keypair by its public key.
func (k *PrivateKey) Fingerprint() string { return k.Public().Fingerprint() }

// String redacts the key.
func (k *PrivateKey) String() string {
	if k == nil || k.k == nil {
		return "PrivateKey(none)"
	}
	return fmt.Sprintf("PrivateKey(rsa-%d %s)", k.k.N.BitLen(), k.Fingerprint())
}

// GoString redacts the key for %#v.
func (k *PrivateKey) GoString() string { return k.String() }

// Format redacts the key for every verb.
func (k *PrivateKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// MarshalText refuses implicit serialization; use PEM.
func (k *PrivateKey) MarshalText() ([]byte, error) {
	return nil, fmt.Errorf("cryppo: refusing to marshal a PrivateKey implicitly; use PEM()")
}

// PublicKey is an RSA public key. Public keys are not secret, but print as
// their fingerprint to keep logs short.
type PublicKey struct {
	k *rsa.PublicKey
}

// NewPublicKey wraps an *rsa.PublicKey.
func NewPublicKey(k *rsa.PublicKey) (*PublicKey, error) {
	if k == nil || k.N == nil {
		return nil, newError(ErrKey, "public key", "nil key")
	}
	return &PublicKey{k: k}, nil
}

// RSA returns the underlying key.
func (k *PublicKey) RSA() *rsa.PublicKey { return k.k }

// Bits is the modulus size.
func (k *PublicKey) Bits() int { return k.k.N.BitLen() }

// Exponent is the public exponent.
func (k *PublicKey) Exponent() int { return k.k.E }

// Fingerprint is the Fingerprint of the key's SPKI DER encoding, so the same
// key has the same name whatever PEM flavour carried it.
func (k *PublicKey) Fingerprint() string {
	der, err := x509.MarshalPKIXPublicKey(k.k)
	if err != nil {
		return "sha256:invalid"
	}
	return Fingerprint(der)
}

// Equal reports whether both keys have the same modulus and exponent.
func (k *PublicKey) Equal(o *PublicKey) bool { return o != nil && k.k.Equal(o.k) }

// String names the key by size and fingerprint.
func (k *PublicKey) String() string {
	if k == nil || k.k == nil {
		return "PublicKey(none)"
	}
	return fmt.Sprintf("PublicKey(rsa-%d %s)", k.Bits(), k.Fingerprint())
}
