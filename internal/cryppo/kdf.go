package cryppo

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Generic key-derivation defaults of cryppo-js and Ruby cryppo. Meeco's own
// secret-key derivations override them (100000 iterations, no variance).
const (
	DefaultSaltSize      = 20
	MinIterations        = 20000
	IterationVariance    = 2000 // 10 % of MinIterations: iterations are 20000 + [0, 2000)
	DefaultDerivedKeyLen = 32
	// MaxIterations caps the iteration count a serialized string may ask
	// for, so that hostile input cannot pin a CPU (ErrTooLarge).
	MaxIterations = 10_000_000
)

// DeriveKey is PBKDF2-HMAC-SHA256 over the UTF-8 bytes of passphrase (what
// cryppo-js >= mid-2020 and Ruby use). An iteration count below 1 counts as
// 1, as in node-forge. It returns nil if length is not positive.
func DeriveKey(passphrase string, salt []byte, iterations, length int) []byte {
	return deriveKeyBytes([]byte(passphrase), salt, iterations, length)
}

func deriveKeyBytes(password, salt []byte, iterations, length int) []byte {
	k, err := pbkdf2.Key(sha256.New, string(password), salt, iterations, length)
	if err != nil {
		return nil
	}
	return k
}

// EncryptWithPassphrase derives a key from passphrase with the generic
// cryppo defaults (20-byte random salt, 20000 + rand[0, 2000) iterations,
// 32-byte key, hash "SHA256"), encrypts plaintext with AES-256-GCM and
// returns the 5-part string "Aes256Gcm.<ct>.<artifacts>.Pbkdf2Hmac.<deriv>".
// Empty plaintext yields ("", nil), as in EncryptAES.
func EncryptWithPassphrase(passphrase string, plaintext []byte) (string, error) {
	salt := make([]byte, DefaultSaltSize)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	v, err := rand.Int(rand.Reader, big.NewInt(IterationVariance))
	if err != nil {
		return "", err
	}
	iv := make([]byte, gcmIVSize)
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	return EncryptWithPassphraseParams(passphrase, salt, MinIterations+int(v.Int64()), iv, plaintext)
}

// EncryptWithPassphraseParams is EncryptWithPassphrase with every random
// input given, for reproducing vectors. Iterations must be 1 to
// MaxIterations.
func EncryptWithPassphraseParams(passphrase string, salt []byte, iterations int, iv, plaintext []byte) (string, error) {
	if iterations < 1 {
		return "", newError(ErrArtifacts, "iterations", fmt.Sprintf("%d, want at least 1", iterations))
	}
	if iterations > MaxIterations {
		return "", newError(ErrTooLarge, "iterations", fmt.Sprintf("%d, limit %d", iterations, MaxIterations))
	}
	if len(iv) != gcmIVSize {
		return "", newError(ErrArtifacts, "iv", fmt.Sprintf("%d bytes, want %d", len(iv), gcmIVSize))
	}
	if len(plaintext) == 0 {
		// cryppo-js would produce the string "null.Pbkdf2Hmac...", which
		// nothing can read; there is no value to send.
		return "", nil
	}
	key := DeriveKey(passphrase, salt, iterations, DefaultDerivedKeyLen)
	e, err := sealAES(key, iv, plaintext)
	if err != nil {
		return "", err
	}
	e.Derivation = &DerivationArtifacts{
		Strategy:   PBKDF2HMAC,
		Salt:       append([]byte(nil), salt...),
		Iterations: iterations,
		Length:     DefaultDerivedKeyLen,
		Hash:       "SHA256",
	}
	return e.String(), nil
}

// DecryptWithPassphrase decrypts a 5-part passphrase-encrypted string. The
// key is derived with the parameters in the derivation artifacts (hash must
// be absent, as Ruby writes it, or SHA256 in any case; length 16, 24 or 32
// selects AES-128/192/256 as forge does) from the UTF-8 bytes of passphrase.
//
// If that key does not authenticate and the passphrase is not plain ASCII,
// it retries once with the pre-mid-2020 encoding: cryppo-js 1.x handed the
// JS string itself to node-forge's PBKDF2, whose HMAC reads it as UTF-16
// code units packed into 32-bit words, so the password bytes were
// ForgeMessageBytes(passphrase) (the same model as HMACSHA256Hex). cryppo-js
// 2.0.2 still carries this retry, but since 2.0.0 it is unreachable (the
// 5-part string is cut to 3 parts before the check, and it would re-derive
// from the derived key); this package implements the 1.x behaviour, which
// accepts everything 2.0.2 accepts and old data as well.
//
// Iterations over MaxIterations fail with ErrTooLarge before any work.
func DecryptWithPassphrase(passphrase string, serialized string) ([]byte, error) {
	e, err := Parse(serialized)
	if err != nil {
		return nil, err
	}
	d := e.Derivation
	if d == nil {
		return nil, newError(ErrStrategyMismatch, "derivation strategy", "not passphrase-encrypted (3 parts); use DecryptAES or DecryptRSA")
	}
	if d.Iterations > MaxIterations {
		return nil, newError(ErrTooLarge, "derivation artifacts", fmt.Sprintf("%d iterations, limit %d", d.Iterations, MaxIterations))
	}
	if d.Hash != "" && !strings.EqualFold(d.Hash, "SHA256") {
		return nil, newError(ErrUnknownStrategy, "derivation artifacts", fmt.Sprintf("hash %q, only SHA256 is implemented", clip(d.Hash)))
	}
	switch d.Length {
	case 16, 24, 32:
	default:
		return nil, newError(ErrKeySize, "derivation artifacts", fmt.Sprintf("derived key length %d is not an AES key size", d.Length))
	}
	if len(e.Ciphertext) == 0 {
		return nil, nil
	}
	utf8Pass := []byte(passphrase)
	pt, err := openAES(deriveKeyBytes(utf8Pass, d.Salt, d.Iterations, d.Length), e)
	if err == nil || !errors.Is(err, ErrDecrypt) {
		return pt, err
	}
	legacy := ForgeMessageBytes(passphrase)
	if bytes.Equal(legacy, utf8Pass) {
		return nil, err
	}
	return openAES(deriveKeyBytes(legacy, d.Salt, d.Iterations, d.Length), e)
}
