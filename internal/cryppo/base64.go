package cryppo

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// EncodeBase64 encodes b with the RFC 4648 URL-safe alphabet and keeps the
// '=' padding, as Ruby's Base64.urlsafe_encode64 and cryppo-js encodeSafe64
// do. Every part of a Cryppo string and every serialized key uses it.
func EncodeBase64(b []byte) string { return base64.URLEncoding.EncodeToString(b) }

// DecodeBase64 decodes padded base64 in the URL-safe alphabet. Like cryppo-js
// it also accepts the standard alphabet ('+' and '/'), even mixed with the
// URL-safe one; Ruby cryppo >= 0.6 would refuse those (see
// Encrypted.StandardAlphabet).
//
// Input without its '=' padding fails with ErrUnpadded (which also matches
// ErrBase64): node-forge decodes it to a spurious trailing zero byte, so a
// JS peer could never read such a part. Anything else that is not canonical
// base64 (other characters, line breaks, misplaced padding, non-zero unused
// bits) fails with ErrBase64; being strict keeps decode/encode a bijection,
// which is what makes Parse(x).String() == x hold.
func DecodeBase64(s string) ([]byte, error) {
	b, _, err := decodeBase64(s, "")
	return b, err
}

// decodeBase64 is DecodeBase64 that also reports whether the standard
// alphabet was used, and names the part in its errors.
func decodeBase64(s, part string) (b []byte, standard bool, err error) {
	padded := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '+', c == '/':
			standard = true
		case c == '=':
			padded = true
		default:
			return nil, false, newError(ErrBase64, part, fmt.Sprintf("invalid character at offset %d", i))
		}
	}
	if len(s)%4 != 0 {
		// A length of 2 or 3 mod 4 without any '=' is exactly what dropping
		// the padding produces; 1 mod 4 can never be valid base64.
		if !padded && len(s)%4 != 1 {
			return nil, false, newError(ErrUnpadded, part, fmt.Sprintf("length %d is not a multiple of 4", len(s)))
		}
		return nil, false, newError(ErrBase64, part, fmt.Sprintf("length %d is not a multiple of 4", len(s)))
	}
	if standard {
		s = strings.NewReplacer("+", "-", "/", "_").Replace(s)
	}
	b, err = base64.URLEncoding.Strict().DecodeString(s)
	if err != nil {
		// The error of encoding/base64 only names an offset; no data leaks.
		return nil, false, newError(ErrBase64, part, err.Error())
	}
	return b, standard, nil
}
