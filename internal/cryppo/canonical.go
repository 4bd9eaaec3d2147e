package cryppo

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ErrNonCanonical reports a string that parses and may even decrypt, but is
// not the string Meeco's libraries write: cryppo-js accepts the standard
// base64 alphabet and any artifact key order, Ruby cryppo does not, and a
// service that re-encodes a Cryppo string breaks byte-for-byte checks (a
// value verification, a PEM pairing). CheckCanonical reports it.
var ErrNonCanonical = errors.New("non-canonical cryppo string")

// The parts CheckCanonical names in its errors.
const (
	PartAlphabet    = "alphabet"
	PartPadding     = "padding"
	PartKeyOrder    = "artifact key order"
	PartVersionByte = "version byte"
	PartStrategy    = "strategy name"
	PartArtifacts   = "artifacts"
	PartCiphertext  = "ciphertext encoding"
	PartDerivation  = "derivation artifacts"
)

// partNames are the dot-separated parts of a Cryppo string, by index.
var partNames = []string{"strategy", "ciphertext", "artifacts", "derivation strategy", "derivation artifacts"}

// CheckCanonical returns nil when s is exactly what cryppo-js writes for
// its content (String of its Parse), and otherwise an *Error that says
// which part differs, so that a failure can name it:
//
//   - Part PartPadding, kind ErrUnpadded: a part lost its '=' padding;
//   - Part PartAlphabet: a part uses '+' or '/' (the standard alphabet);
//   - Part PartVersionByte, kind ErrArtifacts: the artifact block does not
//     start with 'A' ('K' for derivation artifacts);
//   - Part PartStrategy: a strategy name Meeco does not write for this
//     content (AES is "Aes256Gcm"; RSA is "Rsa" and the bits of its
//     ciphertext, "Rsa4096");
//   - Part PartKeyOrder: the artifacts hold iv, at and ad in another order;
//   - Part PartArtifacts: other artifacts (extra or missing keys, legacy
//     YAML, RSA artifacts other than the empty document "QQUAAAAA");
//   - Part PartCiphertext or PartDerivation: any other difference there.
//
// Errors of Parse (a string that is not a Cryppo string at all) come back
// as Parse returns them, but for padding and version byte, whose Part is
// set as above.
func CheckCanonical(s string) error {
	e, err := Parse(s)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			switch {
			case ce.Kind == ErrUnpadded:
				return &Error{Kind: ErrUnpadded, Part: PartPadding, Detail: ce.Part + " is base64 without its '=' padding"}
			case ce.Kind == ErrArtifacts && strings.HasPrefix(ce.Detail, "version byte"):
				return &Error{Kind: ErrArtifacts, Part: PartVersionByte, Detail: ce.Part + ": " + ce.Detail}
			}
		}
		return err
	}
	parts := strings.Split(s, ".")
	if e.StandardAlphabet {
		for i, p := range parts {
			if i != 0 && i != 3 && strings.ContainsAny(p, "+/") {
				return newError(ErrNonCanonical, PartAlphabet, partNames[i]+" uses the standard base64 alphabet ('+' or '/'), want the URL-safe one ('-' and '_')")
			}
		}
	}
	switch {
	case e.Strategy.IsAES() && e.Strategy != AES256GCM:
		return newError(ErrNonCanonical, PartStrategy, fmt.Sprintf("%s, want %q (Meeco encrypts with 256-bit keys only)", nameForError(string(e.Strategy)), AES256GCM))
	case e.Strategy.IsRSA() && e.Strategy.RSABits() != len(e.Ciphertext)*8:
		return newError(ErrNonCanonical, PartStrategy, fmt.Sprintf("%s for a %d-byte ciphertext, want \"Rsa%d\"", nameForError(string(e.Strategy)), len(e.Ciphertext), len(e.Ciphertext)*8))
	}
	want := strings.Split(e.String(), ".")
	if len(want) != len(parts) {
		return newError(ErrNonCanonical, PartArtifacts, fmt.Sprintf("%d parts, want %d", len(parts), len(want)))
	}
	for i := range parts {
		if parts[i] == want[i] {
			continue
		}
		switch i {
		case 1:
			return newError(ErrNonCanonical, PartCiphertext, "the ciphertext is not encoded as cryppo-js encodes it")
		case 2:
			return artifactDifference(e, parts[2])
		default:
			return newError(ErrNonCanonical, PartDerivation, "the derivation artifacts differ from what cryppo-js writes (order, fields or encoding)")
		}
	}
	return nil
}

// artifactDifference explains artifacts that parse but differ from the
// canonical ones.
func artifactDifference(e *Encrypted, part string) error {
	if e.Strategy.IsRSA() {
		return newError(ErrNonCanonical, PartArtifacts, "RSA artifacts other than the empty document \"QQUAAAAA\"")
	}
	if e.Format == FormatLegacyYAML {
		return newError(ErrNonCanonical, PartArtifacts, "legacy YAML artifacts, want BSON")
	}
	raw, _, err := decodeBase64(part, "artifacts")
	if err != nil || len(raw) < 2 {
		return newError(ErrNonCanonical, PartArtifacts, "the artifacts differ from what cryppo-js writes")
	}
	elems, err := bson.Raw(raw[1:]).Elements()
	if err != nil {
		return newError(ErrNonCanonical, PartArtifacts, "the artifacts differ from what cryppo-js writes")
	}
	var keys []string
	for _, el := range elems {
		keys = append(keys, el.Key())
	}
	canon := []string{"iv", "at", "ad"}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	canonSorted := slices.Clone(canon)
	slices.Sort(canonSorted)
	switch {
	case slices.Equal(keys, canon):
		return newError(ErrNonCanonical, PartArtifacts, "the artifact values are not encoded as cryppo-js encodes them (BSON types or subtypes)")
	case slices.Equal(sorted, canonSorted):
		return newError(ErrNonCanonical, PartKeyOrder, fmt.Sprintf("%s, want iv, at, ad", strings.Join(keys, ", ")))
	}
	return newError(ErrNonCanonical, PartArtifacts, fmt.Sprintf("%d artifact keys, want iv, at and ad", len(keys)))
}
