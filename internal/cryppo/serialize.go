package cryppo

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxSerializedLen bounds every serialized string this package reads. Longer
// input fails with ErrTooLarge before any decoding, so hostile input cannot
// make a parser allocate without limit. 16 MiB is far above any Meeco field.
const MaxSerializedLen = 16 << 20

// Strategy is the first part of a Cryppo string (or the fourth, for the
// derivation strategy). Encrypted.Strategy keeps the name exactly as it was
// read, so String reproduces it; the constants are the names Meeco writes.
type Strategy string

// Strategy names written on the wire by Meeco's SDKs.
const (
	AES256GCM  Strategy = "Aes256Gcm"
	RSA4096    Strategy = "Rsa4096"
	PBKDF2HMAC Strategy = "Pbkdf2Hmac"
)

// IsAES reports whether s names AES-GCM: "Aes", decimal digits, "Gcm".
// cryppo-js ignores the digits when decrypting (it maps every such name to
// forge's "AES-GCM" and lets the key length choose AES-128/192/256), so this
// package does the same.
func (s Strategy) IsAES() bool {
	d, ok := strings.CutPrefix(string(s), "Aes")
	if !ok {
		return false
	}
	d, ok = strings.CutSuffix(d, "Gcm")
	return ok && isDigits(d)
}

// IsRSA reports whether s names RSA-OAEP: "Rsa" and decimal digits (the
// modulus size the encrypter had; decrypters ignore it).
func (s Strategy) IsRSA() bool {
	d, ok := strings.CutPrefix(string(s), "Rsa")
	return ok && isDigits(d)
}

// RSABits returns the modulus size an RSA strategy name announces
// ("Rsa4096" gives 4096), or 0 if s is not an RSA name.
func (s Strategy) RSABits() int {
	if !s.IsRSA() {
		return 0
	}
	n, _ := strconv.Atoi(string(s[len("Rsa"):])) // 1 to 5 digits: cannot fail
	return n
}

// isDigits accepts 1 to 5 ASCII digits: enough for any key size, and short
// enough that a strategy name stays a name.
func isDigits(s string) bool {
	if len(s) == 0 || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ArtifactFormat tells how an artifact block was encoded.
type ArtifactFormat int

const (
	// FormatBSON is the current ("latest_version") format: a version byte
	// ('A' for encryption, 'K' for derivation artifacts) and a BSON document.
	FormatBSON ArtifactFormat = iota
	// FormatLegacyYAML is the pre-2020 format: a YAML document starting with
	// "---", in the cryppo-js flavour (iv: !binary) or the Ruby flavour
	// ('iv': !!binary). It is read, never written.
	FormatLegacyYAML
)

func (f ArtifactFormat) String() string {
	switch f {
	case FormatBSON:
		return "bson"
	case FormatLegacyYAML:
		return "legacy_yaml"
	}
	return fmt.Sprintf("ArtifactFormat(%d)", int(f))
}

// Artifacts are the AES-GCM parameters stored beside the ciphertext: the
// 12-byte IV ("iv"), the 16-byte tag ("at") and the additional authenticated
// data ("ad", always "none" from Meeco's SDKs). They are empty for RSA.
type Artifacts struct {
	IV, AuthTag, AAD []byte
}

// DerivationArtifacts are the PBKDF2 parameters of a passphrase-encrypted
// string: salt ("iv"), iterations ("i"), key length in bytes ("l") and hash
// name ("hash"; cryppo-js writes "SHA256", Ruby omits it, giving "").
type DerivationArtifacts struct {
	Strategy   Strategy
	Salt       []byte
	Iterations int
	Length     int
	Hash       string
	Format     ArtifactFormat
}

// Encrypted is a parsed key- or passphrase-encrypted Cryppo string.
type Encrypted struct {
	Strategy   Strategy
	Ciphertext []byte
	Artifacts  Artifacts
	Format     ArtifactFormat
	// Derivation is non-nil for the 5-part passphrase form.
	Derivation *DerivationArtifacts
	// StandardAlphabet records that some part used '+' or '/'. cryppo-js
	// accepts that; Ruby cryppo >= 0.6 rejects it. String always writes the
	// URL-safe alphabet.
	StandardAlphabet bool
}

// Parse reads a 3-part (<Strategy>.<ct>.<artifacts>) or 5-part
// (... .Pbkdf2Hmac.<derivation artifacts>) Cryppo string. The strategy must
// be AES-GCM or RSA (ErrUnknownStrategy otherwise); a signature string is
// ErrStrategyMismatch. Artifacts are read strictly: for AES, iv and at must
// be binary of 12 and 16 bytes and ad a string; for RSA they must decode but
// their content is ignored, as every decrypter ignores it. An empty
// ciphertext part is allowed for AES (it means "no value", see DecryptAES).
func Parse(s string) (*Encrypted, error) {
	parts, err := splitParts(s)
	if err != nil {
		return nil, err
	}
	if len(parts) == 4 && parts[0] == "Sign" {
		return nil, newError(ErrStrategyMismatch, "strategy", "a signature string, not an encrypted value")
	}
	if len(parts) != 3 && len(parts) != 5 {
		return nil, newError(ErrMalformed, "", fmt.Sprintf("want 3 or 5 dot-separated parts, got %d", len(parts)))
	}
	e := &Encrypted{Strategy: Strategy(parts[0])}
	if parts[0] == "" {
		return nil, newError(ErrMalformed, "strategy", "empty")
	}
	if !e.Strategy.IsAES() && !e.Strategy.IsRSA() {
		return nil, newError(ErrUnknownStrategy, "strategy", nameForError(parts[0])+" is not an encryption strategy this package implements")
	}
	var std bool
	if e.Ciphertext, std, err = decodeBase64(parts[1], "ciphertext"); err != nil {
		return nil, err
	}
	e.StandardAlphabet = std
	raw, std, err := decodeBase64(parts[2], "artifacts")
	if err != nil {
		return nil, err
	}
	e.StandardAlphabet = e.StandardAlphabet || std
	block, err := readArtifactBlock(raw, versionEncryption, "artifacts")
	if err != nil {
		return nil, err
	}
	e.Format = block.format
	if e.Strategy.IsAES() {
		if e.Artifacts, err = aesArtifacts(block); err != nil {
			return nil, err
		}
	}
	if len(parts) == 5 {
		if !e.Strategy.IsAES() {
			return nil, newError(ErrMalformed, "derivation strategy", "key derivation is only defined for AES strategies")
		}
		if Strategy(parts[3]) != PBKDF2HMAC {
			return nil, newError(ErrUnknownStrategy, "derivation strategy", nameForError(parts[3])+" is not a derivation strategy this package implements")
		}
		raw, std, err := decodeBase64(parts[4], "derivation artifacts")
		if err != nil {
			return nil, err
		}
		e.StandardAlphabet = e.StandardAlphabet || std
		block, err := readArtifactBlock(raw, versionDerivation, "derivation artifacts")
		if err != nil {
			return nil, err
		}
		if e.Derivation, err = derivationArtifacts(block); err != nil {
			return nil, err
		}
		e.Derivation.Strategy = PBKDF2HMAC
	}
	return e, nil
}

// String writes the canonical serialization: padded URL-safe base64 and
// BSON artifacts in cryppo-js key order (AES: iv, at, ad; derivation: iv, i,
// l, hash, with hash left out when empty as Ruby does; RSA: the empty
// document, ".QQUAAAAA"). Legacy YAML input is written back as BSON, and the
// key order of other ports is not kept, so only canonical strings survive
// Parse(x).String() unchanged.
func (e *Encrypted) String() string {
	var b strings.Builder
	b.WriteString(string(e.Strategy))
	b.WriteByte('.')
	b.WriteString(EncodeBase64(e.Ciphertext))
	b.WriteByte('.')
	if e.Strategy.IsAES() {
		b.WriteString(EncodeBase64(encodeAESArtifacts(e.Artifacts)))
	} else {
		b.WriteString(EncodeBase64(encodeEmptyArtifacts()))
	}
	if e.Derivation != nil {
		b.WriteByte('.')
		b.WriteString(e.Derivation.String())
	}
	return b.String()
}

// String writes the derivation suffix "Pbkdf2Hmac.<b64url('K' + BSON)>", the
// last two parts of a passphrase-encrypted string.
func (d *DerivationArtifacts) String() string {
	s := d.Strategy
	if s == "" {
		s = PBKDF2HMAC
	}
	return string(s) + "." + EncodeBase64(encodeDerivationArtifacts(d))
}

// splitParts applies the checks every serialized form shares: the size
// limit, printable ASCII only, then splits on '.'.
func splitParts(s string) ([]string, error) {
	if len(s) > MaxSerializedLen {
		return nil, newError(ErrTooLarge, "", fmt.Sprintf("%d bytes, limit %d", len(s), MaxSerializedLen))
	}
	if s == "" {
		return nil, newError(ErrMalformed, "", "empty string")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return nil, newError(ErrMalformed, "", fmt.Sprintf("byte 0x%02x at offset %d is not printable ASCII", s[i], i))
		}
	}
	return strings.Split(s, "."), nil
}

// clip shortens a value echoed in an error message. Only public things are
// echoed (artifact keys and tags, hash and PEM type names).
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// nameForError quotes an unknown strategy name for an error message only if
// it looks like one (CamelCase letters and digits, at most 16 bytes, e.g.
// "Aes256Ofb"). Anything else might be a token or other secret handed to
// the wrong function, so it is not shown.
func nameForError(s string) string {
	ok := len(s) > 0 && len(s) <= 16 && s[0] >= 'A' && s[0] <= 'Z'
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if !ok {
		return "the name (not shown)"
	}
	return strconv.Quote(s)
}
