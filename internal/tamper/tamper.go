// Package tamper derives the tampered variants of Meeco's crypto envelopes
// (AES-GCM Cryppo strings: slot values, verification keys, KEKs, DEKs,
// wrapped private keys; RSA-OAEP ones: share DEK wraps, session tokens;
// value verification hashes) and checks that a client's reader rejects
// every one with the error kind it must: a flipped bit in ciphertext, tag
// or IV, a changed AAD, a cut or lengthened ciphertext, swapped artifacts
// or ciphertexts, another recipient's wrap and an older DEK replayed must
// fail to decrypt (cryppo.ErrDecrypt, or client.ErrHashMismatch for a
// hash); a cut tag or IV, a wrong version byte or missing artifacts must
// not parse (cryppo.ErrArtifacts, ErrMalformed, ErrBase64, ErrUnpadded);
// the standard base64 alphabet, another artifact order or another strategy
// name decrypt but are not what Meeco writes (cryppo.ErrNonCanonical).
//
// A variant that does not apply to an envelope (no padding to drop, no
// URL-safe character to swap) is left out. The reader is an interface so
// that a test can show that a lenient client — one that skips the GCM tag
// or the hash — is caught.
package tamper

import (
	"bytes"
	"crypto/hmac"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// Reader is the client side of the envelopes: how a client opens what the
// services return.
type Reader interface {
	// OpenAES opens an AES-GCM Cryppo string with key.
	OpenAES(key cryppo.SymmetricKey, s string) ([]byte, error)
	// OpenRSA opens an RSA-OAEP Cryppo string with priv.
	OpenRSA(priv *cryppo.PrivateKey, s string) ([]byte, error)
	// VerifyHash checks a value verification hash (client.ErrHashMismatch).
	VerifyHash(key []byte, value, hash string) error
}

// Strict is the reader of a conformant client: it decrypts, and then
// refuses a string that is not canonical (cryppo.CheckCanonical); it
// compares hashes exactly, as the SDK compares the hex strings.
var Strict Reader = strict{}

type strict struct{}

func (strict) OpenAES(key cryppo.SymmetricKey, s string) ([]byte, error) {
	pt, err := cryppo.DecryptAES(key, s)
	if err != nil {
		return nil, err
	}
	return pt, cryppo.CheckCanonical(s)
}

func (strict) OpenRSA(priv *cryppo.PrivateKey, s string) ([]byte, error) {
	pt, err := cryppo.DecryptRSA(priv, s)
	if err != nil {
		return nil, err
	}
	return pt, cryppo.CheckCanonical(s)
}

func (strict) VerifyHash(key []byte, value, hash string) error {
	if !hmac.Equal([]byte(cryppo.HMACSHA256Hex(key, value)), []byte(hash)) {
		return client.ErrHashMismatch
	}
	return nil
}

// Variant is one tampered form of an envelope: what was done to it, the
// error kind a reader must fail with, the requirement a reader that
// accepts it breaks, and how to put it to a reader.
type Variant struct {
	Name string
	Want error
	Req  string
	try  func(Reader) error
}

// Try puts the variant to r and returns what r answered (nil: accepted).
func (v Variant) Try(r Reader) error { return v.try(r) }

// Slip is a variant a reader did not reject as it must.
type Slip struct {
	Variant Variant
	Got     error // nil: the reader accepted it
}

func (s Slip) String() string {
	got := "accepted"
	if s.Got != nil {
		got = "refused with " + s.Got.Error()
	}
	return fmt.Sprintf("%s: want %q, got %s", s.Variant.Name, s.Variant.Want, got)
}

// Check puts every variant to r and returns those it did not reject with
// the error its variant wants.
func Check(r Reader, vs []Variant) []Slip {
	var out []Slip
	for _, v := range vs {
		if err := v.Try(r); err == nil || !errors.Is(err, v.Want) {
			out = append(out, Slip{Variant: v, Got: err})
		}
	}
	return out
}

// parts splits a Cryppo string; the variants rebuild it from these.
func parts(s string) []string { return strings.Split(s, ".") }

// encoded rebuilds an envelope from a parsed one with f applied.
func encoded(e *cryppo.Encrypted, f func(*cryppo.Encrypted)) string {
	c := *e
	c.Ciphertext = bytes.Clone(e.Ciphertext)
	c.Artifacts.IV = bytes.Clone(e.Artifacts.IV)
	c.Artifacts.AuthTag = bytes.Clone(e.Artifacts.AuthTag)
	c.Artifacts.AAD = bytes.Clone(e.Artifacts.AAD)
	f(&c)
	return c.String()
}

func flip(b []byte, i int) {
	if len(b) > 0 {
		b[(i%len(b)+len(b))%len(b)] ^= 0x01
	}
}

// syntactic are the variants of the string itself, the same for every
// strategy: alphabet, padding, truncation, missing artifacts, version byte.
func syntactic(s string, try func(string) func(Reader) error) []Variant {
	var vs []Variant
	p := parts(s)
	if strings.ContainsAny(p[1]+p[2], "-_") {
		std := p[0] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(strings.Join(p[1:], "."))
		vs = append(vs, Variant{"the standard base64 alphabet", cryppo.ErrNonCanonical, "CRYPPO-B64-02", try(std)})
	}
	for i := 1; i < len(p); i++ {
		if strings.HasSuffix(p[i], "=") {
			q := append([]string(nil), p...)
			q[i] = strings.TrimRight(q[i], "=")
			vs = append(vs, Variant{"padding dropped", cryppo.ErrUnpadded, "CRYPPO-B64-01", try(strings.Join(q, "."))})
			break
		}
	}
	vs = append(vs,
		Variant{"the string cut short by two characters", cryppo.ErrBase64, "CRYPPO-B64-01", try(s[:len(s)-2])},
		Variant{"the artifacts missing", cryppo.ErrMalformed, "CRYPPO-ART-01", try(p[0] + "." + p[1])},
		Variant{"empty artifacts", cryppo.ErrArtifacts, "CRYPPO-ART-01", try(p[0] + "." + p[1] + ".")},
	)
	if raw, err := cryppo.DecodeBase64(p[2]); err == nil && len(raw) > 0 {
		raw[0] = 'K'
		q := append([]string(nil), p...)
		q[2] = cryppo.EncodeBase64(raw)
		vs = append(vs, Variant{"version byte 'K' in the artifacts", cryppo.ErrArtifacts, "CRYPPO-VERSION-01", try(strings.Join(q, "."))})
	}
	return vs
}

// AES returns the variants of s, an AES-GCM string that key opens. others
// are other envelopes under the same key (another slot's value), whose
// artifacts and ciphertext are swapped in.
func AES(key cryppo.SymmetricKey, s string, others ...string) ([]Variant, error) {
	e, err := cryppo.Parse(s)
	if err != nil {
		return nil, err
	}
	if !e.Strategy.IsAES() || e.Derivation != nil {
		return nil, fmt.Errorf("tamper: %s is not a key-encrypted AES-GCM string", e.Strategy)
	}
	try := func(t string) func(Reader) error {
		return func(r Reader) error { _, err := r.OpenAES(key, t); return err }
	}
	mut := func(name string, want error, req string, f func(*cryppo.Encrypted)) Variant {
		return Variant{name, want, req, try(encoded(e, f))}
	}
	vs := []Variant{
		mut("ciphertext: first bit flipped", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { flip(c.Ciphertext, 0) }),
		mut("ciphertext: last byte flipped", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { flip(c.Ciphertext, -1) }),
		mut("tag: first bit flipped", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { flip(c.Artifacts.AuthTag, 0) }),
		mut("tag: last byte flipped", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { flip(c.Artifacts.AuthTag, -1) }),
		mut("IV: first bit flipped", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { flip(c.Artifacts.IV, 0) }),
		mut("IV: last byte flipped", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { flip(c.Artifacts.IV, -1) }),
		mut("AAD changed", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { c.Artifacts.AAD = []byte("nonf") }),
		mut("ciphertext cut by one byte", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { c.Ciphertext = c.Ciphertext[:len(c.Ciphertext)-1] }),
		mut("ciphertext lengthened by one byte", cryppo.ErrDecrypt, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { c.Ciphertext = append(c.Ciphertext, 0) }),
		mut("tag cut to 15 bytes", cryppo.ErrArtifacts, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { c.Artifacts.AuthTag = c.Artifacts.AuthTag[:15] }),
		mut("IV cut to 11 bytes", cryppo.ErrArtifacts, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { c.Artifacts.IV = c.Artifacts.IV[:11] }),
		mut("strategy named Aes128Gcm", cryppo.ErrNonCanonical, "CRYPPO-ART-01", func(c *cryppo.Encrypted) { c.Strategy = "Aes128Gcm" }),
	}
	if len(e.Ciphertext) == 0 {
		vs = vs[2:] // no ciphertext to flip or cut: an empty value
	}
	p := parts(s)
	reordered := artifacts("at", e.Artifacts.AuthTag, "iv", e.Artifacts.IV, string(e.Artifacts.AAD))
	vs = append(vs, Variant{"artifacts in the order at, iv, ad", cryppo.ErrNonCanonical, "CRYPPO-ART-01",
		try(p[0] + "." + p[1] + "." + cryppo.EncodeBase64(reordered))})
	for i, o := range others {
		q := parts(o)
		if len(q) != 3 || o == s {
			continue
		}
		vs = append(vs,
			Variant{fmt.Sprintf("the artifacts of envelope %d of the same key", i+1), cryppo.ErrDecrypt, "CRYPPO-ART-01", try(p[0] + "." + p[1] + "." + q[2])},
			Variant{fmt.Sprintf("the ciphertext of envelope %d of the same key", i+1), cryppo.ErrDecrypt, "CRYPPO-ART-01", try(p[0] + "." + q[1] + "." + p[2])},
		)
	}
	return append(vs, syntactic(s, try)...), nil
}

// RSA returns the variants of s, an RSA-OAEP string that priv opens. other
// is the public key of someone else (another recipient), to whom the same
// plaintext is wrapped for the "another recipient's wrap" variant; nil
// leaves it out.
func RSA(priv *cryppo.PrivateKey, s string, other *cryppo.PublicKey) ([]Variant, error) {
	e, err := cryppo.Parse(s)
	if err != nil {
		return nil, err
	}
	if !e.Strategy.IsRSA() {
		return nil, fmt.Errorf("tamper: %s is not an RSA string", e.Strategy)
	}
	try := func(t string) func(Reader) error {
		return func(r Reader) error { _, err := r.OpenRSA(priv, t); return err }
	}
	mut := func(name string, want error, req string, f func(*cryppo.Encrypted)) Variant {
		return Variant{name, want, req, try(encoded(e, f))}
	}
	p := parts(s)
	vs := []Variant{
		mut("ciphertext: first bit flipped", cryppo.ErrDecrypt, "CRYPPO-OAEP-01", func(c *cryppo.Encrypted) { flip(c.Ciphertext, 0) }),
		mut("ciphertext: middle byte flipped", cryppo.ErrDecrypt, "CRYPPO-OAEP-01", func(c *cryppo.Encrypted) { flip(c.Ciphertext, len(c.Ciphertext)/2) }),
		mut("ciphertext: last byte flipped", cryppo.ErrDecrypt, "CRYPPO-OAEP-01", func(c *cryppo.Encrypted) { flip(c.Ciphertext, -1) }),
		mut("ciphertext cut by one byte", cryppo.ErrDecrypt, "CRYPPO-OAEP-01", func(c *cryppo.Encrypted) { c.Ciphertext = c.Ciphertext[:len(c.Ciphertext)-1] }),
		mut("strategy named Rsa2048", cryppo.ErrNonCanonical, "CRYPPO-OAEP-01", func(c *cryppo.Encrypted) { c.Strategy = "Rsa2048" }),
		{"AES artifacts on an RSA string", cryppo.ErrNonCanonical, "CRYPPO-OAEP-01",
			try(p[0] + "." + p[1] + "." + cryppo.EncodeBase64(artifacts("iv", make([]byte, 12), "at", make([]byte, 16), "none")))},
	}
	if other != nil {
		if pt, err := cryppo.DecryptRSA(priv, s); err == nil {
			if w, err := cryppo.EncryptRSA(other, pt); err == nil {
				vs = append(vs, Variant{"wrapped to another recipient's key", cryppo.ErrDecrypt, "SHARE-KEY-01", try(w)})
			}
		}
	}
	return append(vs, syntactic(s, try)...), nil
}

// artifacts is an AES artifact block with two binary fields in the given
// order, then ad.
func artifacts(k1 string, v1 []byte, k2 string, v2 []byte, ad string) []byte {
	return append([]byte{'A'}, bsoncore.BuildDocument(nil,
		bsoncore.AppendBinaryElement(nil, k1, 0x00, v1),
		bsoncore.AppendBinaryElement(nil, k2, 0x00, v2),
		bsoncore.AppendStringElement(nil, "ad", ad),
	)...)
}

// Hash returns the variants of a value verification hash: the hash of
// value under key, which the reader must refuse once changed.
func Hash(key []byte, value, hash string) []Variant {
	try := func(v, h string) func(Reader) error {
		return func(r Reader) error { return r.VerifyHash(key, v, h) }
	}
	changed := []byte(hash)
	if len(changed) > 0 {
		if changed[0] == '0' {
			changed[0] = '1'
		} else {
			changed[0] = '0'
		}
	}
	return []Variant{
		{"hash: first hex digit changed", client.ErrHashMismatch, "CRYPPO-HMAC-01", try(value, string(changed))},
		{"hash: upper-case hex", client.ErrHashMismatch, "CRYPPO-HMAC-01", try(value, strings.ToUpper(hash))},
		{"hash: cut by one digit", client.ErrHashMismatch, "CRYPPO-HMAC-01", try(value, hash[:max(0, len(hash)-1)])},
		{"hash: empty", client.ErrHashMismatch, "CRYPPO-HMAC-01", try(value, "")},
		{"hash of another value", client.ErrHashMismatch, "CRYPPO-HMAC-01", try(value+"\x00", hash)},
	}
}

// Replayed is the variant of a share whose current values are read with an
// older DEK of the same share (an encrypted_dek from before a re-key, which
// still opens with the recipient's key): the values must not open.
// value is a current slot value of the share; old the older wrap.
func Replayed(priv *cryppo.PrivateKey, old, value string) Variant {
	return Variant{"an older DEK of the share replayed", cryppo.ErrDecrypt, "REKEY-PUT-01", func(r Reader) error {
		raw, err := r.OpenRSA(priv, old)
		if err != nil {
			return fmt.Errorf("the older wrap does not open (%w), so it proves nothing", err)
		}
		k, err := cryppo.NewSymmetricKey(raw)
		if err != nil {
			return err
		}
		_, err = r.OpenAES(k, value)
		return err
	}}
}
