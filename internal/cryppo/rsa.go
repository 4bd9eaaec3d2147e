package cryppo

import (
	"crypto/rand"
	"crypto/rsa"
	// OAEP with SHA-1 is the wire format (node-forge's 'RSA-OAEP' default),
	// not a choice made here.
	"crypto/sha1"
	"fmt"
	"strconv"
)

// Bounds on RSA modulus sizes this package works with. Meeco uses 4096 bits;
// the upper bound keeps hostile keys from costing unbounded time.
const (
	minRSABits = 1024
	maxRSABits = 16384
)

// oaepCapacity is the largest OAEP-SHA-1 plaintext for a k-byte modulus:
// k - 2*20 - 2 (470 bytes for RSA-4096).
func oaepCapacity(k int) int { return k - 2*sha1.Size - 2 }

// EncryptRSA encrypts plaintext to pub with RSAES-OAEP, SHA-1 for both the
// OAEP hash and MGF1, empty label (node-forge 'RSA-OAEP'; Ruby
// PKCS1_OAEP_PADDING), and returns "Rsa<bits>.<ct>.QQUAAAAA": the name
// carries the modulus size as cryppo-js writes it, the artifacts are the
// empty BSON document. Plaintext over the OAEP capacity is ErrTooLarge.
func EncryptRSA(pub *PublicKey, plaintext []byte) (string, error) {
	if pub == nil || pub.k == nil {
		return "", newError(ErrKey, "public key", "no key")
	}
	if err := checkRSABits(pub.Bits(), "public key"); err != nil {
		return "", err
	}
	k := pub.k.Size()
	if len(plaintext) > oaepCapacity(k) {
		return "", newError(ErrTooLarge, "plaintext", fmt.Sprintf("%d bytes, OAEP-SHA1 capacity of a %d-bit key is %d", len(plaintext), pub.Bits(), oaepCapacity(k)))
	}
	ct, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, pub.k, plaintext, nil)
	if err != nil {
		return "", newError(ErrKey, "public key", "RSA-OAEP encryption refused the key")
	}
	e := &Encrypted{Strategy: Strategy("Rsa" + strconv.Itoa(pub.Bits())), Ciphertext: ct}
	return e.String(), nil
}

// DecryptRSA decrypts an "Rsa<bits>.<ct>.<artifacts>" string with priv. As
// in cryppo-js the string must have exactly 3 parts and decodable artifacts
// (BSON or legacy YAML), whose content is ignored; the number in the name is
// ignored too. The ciphertext must be exactly the modulus size (forge checks
// the same). Any failure to decrypt is ErrDecrypt.
func DecryptRSA(priv *PrivateKey, serialized string) ([]byte, error) {
	if priv == nil || priv.k == nil {
		return nil, newError(ErrKey, "private key", "no key")
	}
	e, err := Parse(serialized)
	if err != nil {
		return nil, err
	}
	if !e.Strategy.IsRSA() {
		return nil, newError(ErrStrategyMismatch, "strategy", fmt.Sprintf("%s is not RSA", e.Strategy))
	}
	k := priv.k.Size()
	if len(e.Ciphertext) != k {
		return nil, newError(ErrDecrypt, "ciphertext", fmt.Sprintf("%d bytes, the key's modulus is %d bytes", len(e.Ciphertext), k))
	}
	pt, err := rsa.DecryptOAEP(sha1.New(), nil, priv.k, e.Ciphertext, nil)
	if err != nil {
		return nil, newError(ErrDecrypt, "ciphertext", "RSA-OAEP decryption failed (wrong key or tampered data)")
	}
	return pt, nil
}

func checkRSABits(bits int, part string) error {
	if bits < minRSABits || bits > maxRSABits {
		return newError(ErrKeySize, part, fmt.Sprintf("%d-bit modulus, want %d to %d", bits, minRSABits, maxRSABits))
	}
	return nil
}
