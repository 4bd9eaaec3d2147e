package cryppo

import "errors"

// Error kinds. Every error returned by this package wraps exactly one of
// them, so callers can branch with errors.Is without parsing messages.
var (
	// ErrMalformed reports a serialized string of the wrong shape: wrong
	// number of parts, empty parts where data is required, or a non-ASCII
	// byte.
	ErrMalformed = errors.New("malformed cryppo string")
	// ErrBase64 reports a part that is not valid base64.
	ErrBase64 = errors.New("invalid base64")
	// ErrUnpadded reports base64 without its '=' padding. cryppo-js cannot
	// decode such parts (node-forge appends a spurious zero byte), so they
	// are refused. It wraps ErrBase64.
	ErrUnpadded = errors.New("unpadded base64")
	// ErrUnknownStrategy reports an encryption, derivation or signature
	// strategy this package does not implement.
	ErrUnknownStrategy = errors.New("unknown strategy")
	// ErrStrategyMismatch reports a well-formed string of another strategy
	// than the operation needs (an Rsa4096 string given to DecryptAES).
	ErrStrategyMismatch = errors.New("strategy mismatch")
	// ErrArtifacts reports an artifact block that cannot be read: a bad
	// version byte, truncated or malformed BSON or YAML, a missing or
	// mistyped field.
	ErrArtifacts = errors.New("invalid artifacts")
	// ErrKeySize reports a key of the wrong length or modulus size.
	ErrKeySize = errors.New("wrong key size")
	// ErrKey reports a key that cannot be parsed (bad PEM, bad DER).
	ErrKey = errors.New("invalid key")
	// ErrDecrypt reports ciphertext that does not authenticate or decrypt
	// under the given key: a wrong key or tampered data.
	ErrDecrypt = errors.New("decryption failed")
	// ErrSignature reports a signature that does not verify.
	ErrSignature = errors.New("signature verification failed")
	// ErrTooLarge reports input over the size limits (MaxSerializedLen,
	// RSA plaintext capacity).
	ErrTooLarge = errors.New("input too large")
)

// Error is the error type of this package. Kind is one of the Err*
// sentinels; Part names what was being read ("ciphertext", "artifacts",
// "iv", "derivation artifacts", ...); Detail explains. Neither Part nor
// Detail ever carries key material or plaintext.
type Error struct {
	Kind   error
	Part   string
	Detail string
}

func (e *Error) Error() string {
	msg := "cryppo: " + e.Kind.Error()
	if e.Part != "" {
		msg += " in " + e.Part
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap lets errors.Is match the Kind. ErrUnpadded also matches ErrBase64.
func (e *Error) Unwrap() []error {
	if e.Kind == ErrUnpadded {
		return []error{ErrUnpadded, ErrBase64}
	}
	return []error{e.Kind}
}

func newError(kind error, part, detail string) error {
	return &Error{Kind: kind, Part: part, Detail: detail}
}
