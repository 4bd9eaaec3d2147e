package vaultkeys

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"unicode/utf8"
)

const (
	// PBKDF2Iterations is the SDK's fixed iteration count for both
	// derivations (minIterations 100000, iterationVariance 0).
	PBKDF2Iterations = 100000
	// DerivedKeySize is the length of both derived keys.
	DerivedKeySize = 32
)

// DerivePDK returns the passphrase-derived key that wraps the user's KEK:
// PBKDF2-HMAC-SHA256 over the UTF-8 password, salted with the ASCII
// characters of the secret key without dashes, 100000 iterations, 32
// bytes. It returns nil only for a zero Secret when Go runs in FIPS
// 140-only mode, which refuses salts under 16 bytes; a parsed or generated
// secret key is always at least 32 characters.
func DerivePDK(password string, s Secret) []byte {
	return derive(password, s.data().key)
}

// DeriveSRPPassword returns the exact bytes jsrp hashes as the SRP password
// P. The SDK derives 32 bytes as DerivePDK does but with the secret key's
// characters reversed, hands them to jsrp as a JS "binary" string, and jsrp
// UTF-8-encodes that string: so P is the UTF-8 encoding of the 32 bytes read
// as Latin-1, 32 to 64 bytes long. Returns nil in the case DerivePDK does.
func DeriveSRPPassword(password string, s Secret) []byte {
	raw := DeriveSRPKey(password, s)
	if raw == nil {
		return nil
	}
	return latin1ToUTF8(raw)
}

// DeriveSRPKey is the 32-byte PBKDF2 output behind the SRP password, before
// the Latin-1 to UTF-8 step (the vectors' srp_derived).
func DeriveSRPKey(password string, s Secret) []byte {
	return derive(password, reverse(s.data().key))
}

func derive(password, salt string) []byte {
	// Go strings are the UTF-8 bytes the SDK's TextEncoder produces for the
	// same text. The error is only FIPS 140-only mode refusing a short salt.
	key, err := pbkdf2.Key(sha256.New, password, []byte(salt), PBKDF2Iterations, DerivedKeySize)
	if err != nil {
		return nil
	}
	return key
}

// reverse reverses a string byte by byte; the secret key is ASCII, so this
// is JS's split("").reverse().join("").
func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// latin1ToUTF8 reads each byte as the code point U+0000..U+00FF and encodes
// the result as UTF-8: bytes below 0x80 stay, the rest become two bytes.
func latin1ToUTF8(b []byte) []byte {
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}
