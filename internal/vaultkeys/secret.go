package vaultkeys

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mr-tron/base58"
)

// ErrBadSecret reports a secret that cannot be used: the wrong number of
// parts, an empty version or username, a character outside base58, or a
// secret key that does not encode 32 bytes. Messages never contain the
// secret key or any of its characters.
var ErrBadSecret = errors.New("vaultkeys: bad secret")

const (
	// SecretVersion is the version field the SDK writes into new secrets.
	SecretVersion = "1"
	// SecretKeySize is the number of random bytes behind a secret key.
	SecretKeySize = 32
	// groupLen is the size of the dash-separated groups of the readable
	// form (the SDK's /(.{1,6})/g).
	groupLen = 6
	// base58Alphabet is the Bitcoin alphabet that the SDK (base-x) and
	// github.com/mr-tron/base58 both use.
	base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
)

// Secret is a user's Meeco secret, "<version>.<username>.<readable>". Its
// zero value is not a usable secret. It never prints its readable part; see
// Reveal.
//
// Secrets are not comparable with == (the fields sit behind a function
// value); use Equal.
type Secret struct {
	// A closure rather than fields or a pointer: where fmt cannot call
	// Format (a Secret in an unexported struct field) it would print fields
	// and even follow a pointer (%s of a pointer prints "%!s(*T=&{...})"),
	// but it prints a func as its address under every verb.
	p func() *secretData
}

type secretData struct {
	version  string
	username string
	key      string // the base58 secret key, dashes removed: the PBKDF2 salt
	text     string // the secret exactly as written, for Reveal
}

// data returns the fields, or empty ones for the zero Secret.
func (s Secret) data() *secretData {
	if s.p == nil {
		return &secretData{}
	}
	return s.p()
}

func seal(d *secretData) Secret {
	return Secret{p: func() *secretData { return d }}
}

// Equal reports whether two Secrets have the same text.
func (s Secret) Equal(other Secret) bool {
	return s.data().text == other.data().text
}

// GenerateSecret makes a new version-1 secret for username from 32 bytes of
// rand (nil means crypto/rand), as the SDK's Secrets.generateSecret does.
func GenerateSecret(username string, rand io.Reader) (Secret, error) {
	if rand == nil {
		rand = crand.Reader
	}
	if err := checkUsername(username); err != nil {
		return Secret{}, err
	}
	key := make([]byte, SecretKeySize)
	if _, err := io.ReadFull(rand, key); err != nil {
		return Secret{}, fmt.Errorf("vaultkeys: reading random secret key: %w", err)
	}
	return SecretFromBytes(username, key)
}

// SecretFromBytes makes the version-1 secret for username whose secret key
// is the base58 encoding of key, which must be 32 bytes. It is
// deterministic, for test vectors; real secrets come from GenerateSecret.
func SecretFromBytes(username string, key []byte) (Secret, error) {
	if err := checkUsername(username); err != nil {
		return Secret{}, err
	}
	if len(key) != SecretKeySize {
		return Secret{}, fmt.Errorf("%w: secret key is %d bytes, want %d", ErrBadSecret, len(key), SecretKeySize)
	}
	enc := base58.Encode(key)
	return seal(&secretData{
		version:  SecretVersion,
		username: username,
		key:      enc,
		text:     SecretVersion + "." + username + "." + readable(enc),
	}), nil
}

// readable splits a base58 string into dash-joined groups of six, the last
// one shorter if need be and never empty.
func readable(enc string) string {
	var b strings.Builder
	for i := 0; i < len(enc); i += groupLen {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(enc[i:min(i+groupLen, len(enc))])
	}
	return b.String()
}

func checkUsername(username string) error {
	if username == "" {
		return fmt.Errorf("%w: empty username", ErrBadSecret)
	}
	if strings.Contains(username, ".") {
		// A dot would make the secret unparseable.
		return fmt.Errorf("%w: username contains '.'", ErrBadSecret)
	}
	return nil
}

// ParseSecret reads a secret as the SDK's destructureSecret does: split on
// '.' (here into exactly three parts; the SDK silently ignores a fourth),
// version and username non-empty, every '-' removed from the secret key.
// The version's value is not checked, as in the SDK. Beyond the SDK, the
// secret key must be base58 and decode to 32 bytes, so a mistyped secret
// fails here rather than as a mysterious login failure. Reveal returns s
// unchanged.
func ParseSecret(s string) (Secret, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Secret{}, fmt.Errorf("%w: want 3 dot-separated parts, got %d", ErrBadSecret, len(parts))
	}
	version, username, key := parts[0], parts[1], strings.ReplaceAll(parts[2], "-", "")
	if version == "" {
		return Secret{}, fmt.Errorf("%w: empty version", ErrBadSecret)
	}
	if username == "" {
		return Secret{}, fmt.Errorf("%w: empty username", ErrBadSecret)
	}
	if key == "" {
		return Secret{}, fmt.Errorf("%w: empty secret key", ErrBadSecret)
	}
	// Checked here rather than left to the decoder, whose errors quote the
	// offending character.
	for i := 0; i < len(key); i++ {
		if strings.IndexByte(base58Alphabet, key[i]) < 0 {
			return Secret{}, fmt.Errorf("%w: secret key character %d (dashes removed) is not base58", ErrBadSecret, i+1)
		}
	}
	raw, err := base58.Decode(key)
	if err != nil {
		return Secret{}, fmt.Errorf("%w: secret key is not base58", ErrBadSecret)
	}
	if len(raw) != SecretKeySize {
		return Secret{}, fmt.Errorf("%w: secret key decodes to %d bytes, want %d", ErrBadSecret, len(raw), SecretKeySize)
	}
	return seal(&secretData{version: version, username: username, key: key, text: s}), nil
}

// Username returns the Keystore SRP username the secret was issued for.
func (s Secret) Username() string { return s.data().username }

// Reveal returns the full secret text. It is the only way the readable part
// leaves a Secret; use it for auth files, never for logs.
func (s Secret) Reveal() string { return s.data().text }

// KeyBytes returns the 32 bytes the secret key encodes, the inverse of
// SecretFromBytes. The derivations do not use them: they salt with the
// key's characters.
func (s Secret) KeyBytes() ([]byte, error) {
	d := s.data()
	if d.key == "" {
		return nil, fmt.Errorf("%w: zero Secret", ErrBadSecret)
	}
	raw, err := base58.Decode(d.key)
	if err != nil || len(raw) != SecretKeySize {
		return nil, fmt.Errorf("%w: secret key does not decode to %d bytes", ErrBadSecret, SecretKeySize)
	}
	return raw, nil
}

// String returns the secret with its readable part redacted:
// "1.<username>.<redacted>".
func (s Secret) String() string {
	d := s.data()
	if d.text == "" {
		return "<no secret>"
	}
	return d.version + "." + d.username + ".<redacted>"
}

// GoString is String, so %#v cannot reveal the secret either.
func (s Secret) GoString() string { return s.String() }

// Format makes every fmt verb print String (quoted for %q), since fmt's
// reflection would otherwise print the unexported fields.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, strconv.Quote(s.String()))
		return
	}
	_, _ = io.WriteString(f, s.String())
}
