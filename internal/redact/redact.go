// Package redact records HTTP exchanges with their secrets removed, so that
// a failing check can show the request and response that made it fail.
//
// Transport is an http.RoundTripper that appends one Exchange per request
// to a Log: method, URL, status, headers and the JSON bodies, each rewritten
// by the rules of this package. Secrets are replaced by "[redacted]": the
// Authorization and subscription-key headers, fields that hold tokens,
// passwords, secrets, SRP values, admission tokens, raw key material and
// plaintext slot values. Cryppo strings and PEM public keys are not secret
// but are long, so they are shortened to their strategy, a prefix and their
// length. URLs keep their ids and words but lose random-looking path
// segments (an invitation token) and secret query values. String, URL,
// Header and JSON apply the same rules to text destined for error messages.
package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Redacted replaces a secret value.
const Redacted = "[redacted]"

// SecretHeader reports whether a header's value must never be recorded.
func SecretHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie", "meeco-srt", "authorizationoidc2":
		return true
	}
	return strings.Contains(n, "token") || strings.Contains(n, "secret") ||
		strings.Contains(n, "subscription") || strings.Contains(n, "api-key") || strings.Contains(n, "password")
}

// Header returns a copy of h with secret header values replaced. An empty
// secret header stays empty, so a report can tell "sent empty" from
// "sent a value".
func Header(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			switch {
			case SecretHeader(k) && v != "":
				cp[i] = Redacted
			default:
				cp[i] = String(v)
			}
		}
		out[k] = cp
	}
	return out
}

// FieldClass says how a JSON field is treated.
type FieldClass int

const (
	// Keep leaves the value as is (strings still pass through String).
	Keep FieldClass = iota
	// Secret replaces the value with Redacted (null stays null).
	Secret
	// KeyMaterial replaces the value unless it is a Cryppo ciphertext,
	// which is shortened: a wrapped key may be shown, a raw one never.
	KeyMaterial
	// Identifier keeps the value verbatim: record ids ("id", "*_id",
	// "*_ids") are what a reader needs to follow an exchange, and the
	// generic token rule of String would hide ids that are not UUIDs.
	Identifier
)

// Field classifies a JSON object key.
func Field(name string) FieldClass {
	n := strings.ToLower(name)
	switch n {
	case "value", "values", "password", "passphrase", "secret", "token", "session_authentication_string",
		"private_key", "dek", "data_encryption_key", "key_encryption_key", "passphrase_derived_key",
		"value_verification_key", "challenge_salt", "challenge_b", "captcha_token":
		if n == "dek" || n == "private_key" {
			return KeyMaterial
		}
		return Secret
	}
	switch {
	case strings.HasPrefix(n, "srp_"),
		strings.HasSuffix(n, "_token"),
		strings.HasSuffix(n, "_access_token"),
		strings.Contains(n, "admission"),
		strings.Contains(n, "password"),
		strings.Contains(n, "secret"):
		return Secret
	case strings.HasPrefix(n, "serialized_"), strings.HasPrefix(n, "encrypted_serialized_"),
		strings.Contains(n, "private_key"), strings.HasSuffix(n, "_dek"):
		return KeyMaterial
	case n == "id", strings.HasSuffix(n, "_id"), strings.HasSuffix(n, "_ids"), n == "next_page_after",
		n == "current_cursor", n == "username", n == "user_name":
		return Identifier
	}
	return Keep
}

// cryppoRE matches a serialized Cryppo value: a known strategy name and at
// least two more base64url parts.
var cryppoRE = regexp.MustCompile(`\b(?:Aes256Gcm|Aes128Gcm|Aes192Gcm|Aes256Ofb|Rsa\d{3,5}|Sign\.Rsa\d{3,5})\.[A-Za-z0-9_\-+/=]+(?:\.[A-Za-z0-9_\-+/=]*)+`)

// IsCryppo reports whether s is (only) a serialized Cryppo value: what
// cryppoRE matches from its first to its last byte. It is checked by hand,
// part by part, because it runs on every string of every recorded body and
// most of those are long ciphertexts; a test holds it to the pattern.
func IsCryppo(s string) bool {
	parts := strings.Split(s, ".")
	switch {
	case parts[0] == "Sign":
		if len(parts) < 2 || !isRSAName(parts[1]) {
			return false
		}
		parts = parts[2:]
	case isRSAName(parts[0]), slices.Contains(cipherNames, parts[0]):
		parts = parts[1:]
	default:
		return false
	}
	if len(parts) < 2 || parts[0] == "" {
		return false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			if !isCryppoPartByte(p[i]) {
				return false
			}
		}
	}
	return true
}

var cipherNames = []string{"Aes256Gcm", "Aes128Gcm", "Aes192Gcm", "Aes256Ofb"}

// isRSAName is Rsa followed by 3 to 5 digits.
func isRSAName(s string) bool {
	digits, ok := strings.CutPrefix(s, "Rsa")
	if !ok || len(digits) < 3 || len(digits) > 5 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

func isCryppoPartByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '+' || c == '/' || c == '='
}

var (
	privatePEMRE = regexp.MustCompile(`(?s)-----BEGIN ([A-Z ]*PRIVATE KEY)-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`)
	publicPEMRE  = regexp.MustCompile(`(?s)-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----(?:\r?\n)?`)
	// longRunRE finds long runs of token-like characters. Bearer tokens,
	// hex SRP values and base64 keys all look like this.
	longRunRE = regexp.MustCompile(`[A-Za-z0-9_\-+/=.]{24,}`)
	uuidRE    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// ShortenCryppo abbreviates a serialized Cryppo value: strategy, the first
// 8 characters of the ciphertext part and the total length.
func ShortenCryppo(s string) string {
	i := strings.IndexByte(s, '.')
	if i < 0 {
		return s
	}
	head := s[:i]
	rest := s[i+1:]
	if strings.HasPrefix(s, "Sign.") {
		j := strings.IndexByte(rest, '.')
		if j < 0 {
			return s
		}
		head, rest = s[:i+1+j], rest[j+1:]
	}
	if j := strings.IndexByte(rest, '.'); j >= 0 {
		rest = rest[:j]
	}
	if len(rest) > 8 {
		rest = rest[:8]
	}
	return fmt.Sprintf("%s.%s…(%d chars)", head, rest, len(s))
}

// String makes free text safe for an error message or a log: private-key
// PEM blocks are removed, public-key PEM blocks and Cryppo values are
// shortened, and any other run of 24 or more token-like characters (a
// bearer token, a hex SRP value, a base64 key) is replaced. Runs are judged
// per '/'-separated piece, so URLs and paths keep their words and UUIDs and
// lose only their random-looking segments.
func String(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	// The guards only skip regexps that cannot match.
	if strings.Contains(s, "-----BEGIN ") {
		s = privatePEMRE.ReplaceAllString(s, "[redacted private key]")
		s = publicPEMRE.ReplaceAllStringFunc(s, func(p string) string {
			return fmt.Sprintf("[public key %d chars]", len(p))
		})
	}
	// Shorten Cryppo values first, so that the generic rule below does not
	// blank them.
	if strings.Contains(s, "Aes") || strings.Contains(s, "Rsa") {
		s = cryppoRE.ReplaceAllStringFunc(s, ShortenCryppo)
	}
	return longRunRE.ReplaceAllStringFunc(s, func(run string) string {
		if IsCryppoShort(run) || uuidRE.MatchString(run) {
			return run
		}
		pieces := strings.Split(run, "/")
		for i, p := range pieces {
			pieces[i] = Segment(p)
		}
		return strings.Join(pieces, "/")
	})
}

// Segment redacts one path segment or token-like word: kept when shorter
// than 12 characters, a UUID, the prefix ShortenCryppo leaves, or made of
// words; replaced by "[redacted N chars]" otherwise.
func Segment(p string) string {
	if len(p) < 12 || uuidRE.MatchString(p) || IsCryppoShort(p) || looksLikeWords(p) {
		return p
	}
	return fmt.Sprintf("[redacted %d chars]", len(p))
}

// URL renders u for a log: scheme and host, each path segment through
// Segment (an invitation token in a path goes, ids stay), and query values
// by the field rules of their names.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	out := *u
	out.User = nil
	out.Path = Path(u.Path)
	out.RawPath = ""
	out.Fragment, out.RawFragment = "", ""
	if u.RawQuery != "" {
		q := u.Query()
		for k, vs := range q {
			for i, v := range vs {
				switch Field(k) {
				case Secret, KeyMaterial:
					if v != "" {
						vs[i] = Redacted
					}
				case Identifier:
				default:
					vs[i] = String(v)
				}
			}
		}
		out.RawQuery = q.Encode()
	}
	// Unescape so that "[redacted 43 chars]" reads as written.
	if s, err := url.PathUnescape(out.String()); err == nil {
		return s
	}
	return out.String()
}

// Path redacts a URL path segment by segment.
func Path(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = Segment(s)
	}
	return strings.Join(segs, "/")
}

// IsCryppoShort reports whether run is the prefix that ShortenCryppo
// leaves.
func IsCryppoShort(run string) bool {
	i := strings.IndexByte(run, '.')
	if i <= 0 {
		return false
	}
	head := run[:i]
	return (strings.HasPrefix(head, "Aes") || strings.HasPrefix(head, "Rsa") || head == "Sign") && len(run)-i-1 <= 8+len("Rsa4096.")
}

// looksLikeWords keeps identifiers such as "item_shared_via_another_share_id"
// or "sandbox.meeco.me": every part between separators is at most 20
// characters, lower case or a capitalized word, with at most two digits.
// Tokens have long parts, many digits or mixed case.
func looksLikeWords(run string) bool {
	segs := strings.FieldsFunc(run, func(r rune) bool {
		return r == '_' || r == '-' || r == '.' || r == '=' || r == ':'
	})
	if len(segs) == 0 {
		return false
	}
	for _, seg := range segs {
		if len(seg) > 20 {
			return false
		}
		digits, upper := 0, 0
		for i, r := range seg {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r >= 'A' && r <= 'Z' && i > 0:
				upper++
			case r == '+':
				return false
			}
		}
		if digits > 2 || upper > 0 {
			return false
		}
	}
	return true
}

// JSON rewrites a JSON document by the field rules. Input that is not JSON
// is summarized instead of shown ("[N bytes, not JSON]"), since it cannot
// be redacted field by field.
func JSON(body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return fmt.Sprintf("[%d bytes, not JSON]", len(body))
	}
	v = redactValue(v, Keep)
	out, err := marshal(v)
	if err != nil {
		return fmt.Sprintf("[%d bytes of JSON]", len(body))
	}
	return out
}

func redactValue(v any, class FieldClass) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = redactValue(val, Field(k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = redactValue(val, class)
		}
		return out
	case nil:
		return nil
	case string:
		switch class {
		case Secret:
			if x == "" {
				return ""
			}
			return Redacted
		case KeyMaterial:
			if IsCryppo(x) {
				return ShortenCryppo(x)
			}
			if x == "" {
				return ""
			}
			return Redacted
		case Identifier:
			if privatePEMRE.MatchString(x) {
				return String(x)
			}
			return x
		}
		return String(x)
	default:
		// Numbers and booleans: only a secret field hides them.
		if class == Secret || class == KeyMaterial {
			return Redacted
		}
		return x
	}
}

// marshal writes v compactly with sorted keys and without HTML escaping.
func marshal(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

// sortedKeys lists a header's names in order, for stable output.
func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
