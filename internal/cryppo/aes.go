package cryppo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"strconv"
)

// aadNone is the additional authenticated data every Meeco SDK feeds to
// AES-GCM, and stores as the "ad" artifact.
var aadNone = []byte("none")

// EncryptAES encrypts plaintext with AES-256-GCM under key, with a fresh
// random 12-byte IV and the AAD "none", and returns the 3-part string
// "Aes256Gcm.<ct>.<artifacts>".
//
// Empty plaintext yields ("", nil): cryppo-js encryptWithKey returns
// serialized: null for it and the SDK then sends no value, so there is no
// string to produce. DecryptAES maps an empty ciphertext part back to nil.
func EncryptAES(key SymmetricKey, plaintext []byte) (string, error) {
	iv := make([]byte, gcmIVSize)
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	return EncryptAESWithIV(key, iv, plaintext)
}

// EncryptAESWithIV is EncryptAES with a caller-chosen IV, for reproducing
// vectors byte for byte. Reusing an IV under one key breaks GCM; never use
// it for real data. The IV must be 12 bytes (ErrArtifacts).
func EncryptAESWithIV(key SymmetricKey, iv, plaintext []byte) (string, error) {
	if key.IsZero() {
		return "", newError(ErrKeySize, "key", "no key")
	}
	e, err := sealAES(key.b, iv, plaintext)
	if err != nil || e == nil {
		return "", err
	}
	return e.String(), nil
}

// DecryptAES decrypts a 3-part AES-GCM string with key, feeding the "ad"
// artifact as AAD. It reads BSON and legacy YAML artifacts. An empty
// ciphertext part decrypts to nil (cryppo-js returns null). The number in
// the strategy name is ignored, as cryppo-js ignores it. A passphrase (5-part)
// or RSA string is ErrStrategyMismatch; a wrong key or any tampering is
// ErrDecrypt.
func DecryptAES(key SymmetricKey, serialized string) ([]byte, error) {
	if key.IsZero() {
		return nil, newError(ErrKeySize, "key", "no key")
	}
	e, err := Parse(serialized)
	if err != nil {
		return nil, err
	}
	if !e.Strategy.IsAES() {
		return nil, newError(ErrStrategyMismatch, "strategy", fmt.Sprintf("%s is not AES-GCM", e.Strategy))
	}
	if e.Derivation != nil {
		return nil, newError(ErrStrategyMismatch, "derivation strategy", "passphrase-encrypted value; use DecryptWithPassphrase")
	}
	return openAES(key.b, e)
}

// aesStrategyName builds the name cryppo-js writes: "Aes" + key bits + "Gcm".
func aesStrategyName(keyLen int) Strategy {
	return Strategy("Aes" + strconv.Itoa(keyLen*8) + "Gcm")
}

// newGCM checks the key length (AES-128/192/256, chosen by the key as
// forge does) and returns a standard 12-byte-nonce, 16-byte-tag GCM.
func newGCM(key []byte) (cipher.AEAD, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, newError(ErrKeySize, "key", fmt.Sprintf("%d bytes is not an AES key size", len(key)))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, newError(ErrKeySize, "key", "rejected by crypto/aes")
	}
	return cipher.NewGCM(block)
}

// sealAES encrypts plaintext into an Encrypted value. It returns (nil, nil)
// for empty plaintext (see EncryptAES).
func sealAES(key, iv, plaintext []byte) (*Encrypted, error) {
	if len(iv) != gcmIVSize {
		return nil, newError(ErrArtifacts, "iv", fmt.Sprintf("%d bytes, want %d", len(iv), gcmIVSize))
	}
	if len(plaintext) == 0 {
		return nil, nil
	}
	// The result must stay parseable: base64 grows data by 4/3, and the
	// strategy and artifacts take about a hundred bytes.
	if len(plaintext) > (MaxSerializedLen-256)/4*3 {
		return nil, newError(ErrTooLarge, "plaintext", fmt.Sprintf("%d bytes would exceed MaxSerializedLen once serialized", len(plaintext)))
	}
	g, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	sealed := g.Seal(nil, iv, plaintext, aadNone)
	n := len(sealed) - gcmTagSize
	return &Encrypted{
		Strategy:   aesStrategyName(len(key)),
		Ciphertext: sealed[:n:n],
		Artifacts: Artifacts{
			IV:      append([]byte(nil), iv...),
			AuthTag: sealed[n:],
			AAD:     append([]byte(nil), aadNone...),
		},
	}, nil
}

// openAES decrypts a parsed AES value with raw key bytes.
func openAES(key []byte, e *Encrypted) ([]byte, error) {
	if len(e.Ciphertext) == 0 {
		return nil, nil
	}
	g, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	// Parse has checked the IV and tag sizes; check again so that a
	// hand-built Encrypted cannot make crypto/cipher panic.
	if len(e.Artifacts.IV) != gcmIVSize || len(e.Artifacts.AuthTag) != gcmTagSize {
		return nil, newError(ErrArtifacts, "artifacts", "iv must be 12 bytes and tag 16 bytes")
	}
	sealed := make([]byte, 0, len(e.Ciphertext)+gcmTagSize)
	sealed = append(append(sealed, e.Ciphertext...), e.Artifacts.AuthTag...)
	pt, err := g.Open(sealed[:0], e.Artifacts.IV, sealed, e.Artifacts.AAD)
	if err != nil {
		return nil, newError(ErrDecrypt, "ciphertext", "AES-GCM authentication failed (wrong key or tampered data)")
	}
	return pt, nil
}
