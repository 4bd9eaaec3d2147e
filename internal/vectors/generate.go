package vectors

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/srp"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// KeySource supplies RSA keys for the RSA, signature and PEM groups
// (keysource.Source satisfies it).
type KeySource interface {
	Key(ctx context.Context) (*cryppo.PrivateKey, error)
}

// Generator names vaultcheck as the producer in files it writes.
const Generator = "vaultcheck vectors generate (internal/cryppo, internal/srp, internal/vaultkeys)"

// Sample texts for generated cases: ASCII, Latin-1, other scripts, astral
// characters, so that other implementations meet every UTF-8/UTF-16 path.
var sampleTexts = []struct{ note, text string }{
	{"short ASCII", "vaultcheck harbor token"},
	{"Latin-1 accents", "crème brûlée Ærøskøbing"},
	{"CJK/Cyrillic/Arabic mixed", "ключ 鍵 مفتاح κλειδί"},
	{"emoji incl. surrogate pairs and ZWJ", "🔐 👨‍👩‍👧 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"},
	{"whitespace and control characters incl. NUL", "tab\there\r\nnul\x00end"},
}

// Generate produces a meeco-crypto.json file whose every case comes from
// vaultcheck's own implementation with fresh random keys and inputs. Groups
// vaultcheck never writes (legacy YAML artifacts) are left empty.
func Generate(ctx context.Context, keys KeySource) (*MeecoFile, error) {
	g := &generator{}
	f := &MeecoFile{
		Generator:   Generator,
		Label:       "public",
		GeneratedAt: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		Conventions: map[string]string{
			"base64":                "all *_b64url fields and serialized parts: RFC 4648 URL-safe alphabet WITH = padding",
			"strings":               "plaintext_utf8 / passphrase / password / message are strings; encryption and derivation use their UTF-8 bytes",
			"hmac_sha256":           "message bytes as node-forge forms them from a JS string (UTF-16 code units packed with getInt32), not UTF-8; see meeco-crypto.json from Meeco's libraries for the full rule",
			"aes256gcm":             "random IV unless deterministic:true (then iv_b64url is given and serialized must be reproduced byte-for-byte); AAD is \"none\"",
			"aes256gcm_binary":      "raw keys wrapped; compare plaintext_b64url",
			"aes256gcm_legacy_yaml": "empty: vaultcheck reads legacy YAML artifacts but never writes them",
			"rsa4096_oaep":          "RSA-OAEP, SHA-1 + MGF1-SHA-1, empty label; keypair_index groups cases sharing a key",
			"srp":                   "jsrp 0.2.4 semantics, 2048-bit RFC 5054 group, SHA-256; A/B/verifier/S padded to 256 bytes; k/u minimal even-length hex; M1 = H(A|B|K), M2 = H(A|M1|K)",
			"meeco_secret":          "pdk = PBKDF2-SHA256(password UTF-8, salt = secret key without dashes, 100000, 32); srp_derived = same with salt reversed; srp_password_hex = UTF-8 of the Latin-1 string of srp_derived",
		},
	}
	c := &f.Cases
	var err error
	if c.AES256GCM, err = g.aes(); err != nil {
		return nil, err
	}
	if c.AES256GCMBinary, err = g.aesBinary(); err != nil {
		return nil, err
	}
	c.AES256GCMLegacyYAML = []AESCase{}
	if c.PBKDF2, err = g.pbkdf2(); err != nil {
		return nil, err
	}
	if c.PassphraseEncrypted, err = g.passphrase(); err != nil {
		return nil, err
	}
	c.HMACSHA256 = g.hmac()
	if c.MeecoSecret, err = g.secrets(); err != nil {
		return nil, err
	}
	if c.SRP, err = g.srp(); err != nil {
		return nil, err
	}
	var rsaKeys []*cryppo.PrivateKey
	for range 2 {
		k, err := keys.Key(ctx)
		if err != nil {
			return nil, fmt.Errorf("rsa key: %w", err)
		}
		rsaKeys = append(rsaKeys, k)
	}
	if c.RSA4096OAEP, err = g.rsa(rsaKeys); err != nil {
		return nil, err
	}
	if c.SignRSA4096, err = g.sign(rsaKeys); err != nil {
		return nil, err
	}
	for _, k := range rsaKeys {
		c.PEMFormat = append(c.PEMFormat, PEMCase{
			Note: "vaultcheck PEM: PKCS#1 private / SPKI public, CRLF, 64-char lines (node-forge layout)",
			Bits: k.Public().Bits(), PrivateKeyPEM: k.PEM(), PublicKeyPEM: k.Public().PEM(),
		})
	}
	return f, nil
}

type generator struct{}

func random(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return b
}

func (generator) aes() ([]AESCase, error) {
	var out []AESCase
	add := func(note string, pt []byte, deterministic bool) error {
		k := cryppo.GenerateSymmetricKey()
		c := AESCase{Note: note, KeyB64: k.Base64(), PlaintextB64: cryppo.EncodeBase64(pt)}
		s := string(pt)
		c.PlaintextUTF8 = &s
		var err error
		if deterministic {
			iv := random(12)
			c.Deterministic, c.IVB64 = true, cryppo.EncodeBase64(iv)
			c.Serialized, err = cryppo.EncryptAESWithIV(k, iv, pt)
		} else {
			c.Serialized, err = cryppo.EncryptAES(k, pt)
		}
		out = append(out, c)
		return err
	}
	for _, t := range sampleTexts {
		if err := add(t.note, []byte(t.text), false); err != nil {
			return nil, err
		}
	}
	for _, t := range sampleTexts[:3] {
		if err := add("deterministic, "+t.note, []byte(t.text), true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (generator) aesBinary() ([]AESCase, error) {
	var out []AESCase
	for _, n := range []int{32, 32, 64} {
		k := cryppo.GenerateSymmetricKey()
		pt := random(n)
		s, err := cryppo.EncryptAES(k, pt)
		if err != nil {
			return nil, err
		}
		out = append(out, AESCase{Note: fmt.Sprintf("random %d-byte key wrapped", n), KeyB64: k.Base64(), PlaintextB64: cryppo.EncodeBase64(pt), Serialized: s})
	}
	return out, nil
}

func randomInt(n int64) int {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return int(v.Int64())
}

func (generator) pbkdf2() ([]PBKDF2Case, error) {
	var out []PBKDF2Case
	params := []struct {
		note       string
		iterations int
	}{
		{"cryppo defaults (20 B salt, 20000-21999 iterations, 32 B)", 20000 + randomInt(2000)},
		{"Meeco secret-key derivation parameters (100000 iterations)", 100000},
	}
	for i, p := range params {
		salt := random(20)
		pass := sampleTexts[i%len(sampleTexts)].text
		d := &cryppo.DerivationArtifacts{Strategy: cryppo.PBKDF2HMAC, Salt: salt, Iterations: p.iterations, Length: 32, Hash: "SHA256"}
		out = append(out, PBKDF2Case{
			Note: p.note, PassphraseUTF8: pass, SaltB64: cryppo.EncodeBase64(salt), Iterations: p.iterations, Length: 32, Hash: "SHA256",
			KeyB64: cryppo.EncodeBase64(cryppo.DeriveKey(pass, salt, p.iterations, 32)), DerivationSerialized: d.String(),
		})
	}
	return out, nil
}

func (generator) passphrase() ([]PassphraseCase, error) {
	var out []PassphraseCase
	for i, t := range sampleTexts[:3] {
		pass := sampleTexts[(i+1)%len(sampleTexts)].text
		s, err := cryppo.EncryptWithPassphrase(pass, []byte(t.text))
		if err != nil {
			return nil, err
		}
		out = append(out, PassphraseCase{Note: "passphrase: " + sampleTexts[(i+1)%len(sampleTexts)].note + ", plaintext: " + t.note, ArtifactFormat: "bson", Passphrase: pass, PlaintextUTF8: t.text, Serialized: s})
	}
	return out, nil
}

func (generator) hmac() []HMACCase {
	var out []HMACCase
	for _, t := range append(sampleTexts, struct{ note, text string }{"non-Latin-1 after Latin-1 within a 4-unit group", "ab鍵c鍵鍵"}) {
		k := random(64)
		out = append(out, HMACCase{Note: t.note, KeyB64: cryppo.EncodeBase64(k), Message: t.text, Hex: cryppo.HMACSHA256Hex(k, t.text)})
	}
	return out
}

// usernameAlphabet matches the shape of Keystore usernames (M9znjHbD5Xi).
const usernameAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ123456789"

func randomUsername() string {
	b := make([]byte, 11)
	for i := range b {
		b[i] = usernameAlphabet[randomInt(int64(len(usernameAlphabet)))]
	}
	return string(b)
}

func (generator) secrets() ([]SecretCase, error) {
	var out []SecretCase
	for _, t := range sampleTexts[:3] {
		user := randomUsername()
		kb := random(32)
		s, err := vaultkeys.SecretFromBytes(user, kb)
		if err != nil {
			return nil, err
		}
		derived := vaultkeys.DeriveSRPKey(t.text, s)
		out = append(out, SecretCase{
			Note: "password: " + t.note, Username: user, Password: t.text, Secret: s.Reveal(),
			SecretKeyBytes: cryppo.EncodeBase64(kb),
			PDKB64:         cryppo.EncodeBase64(vaultkeys.DerivePDK(t.text, s)),
			SRPDerivedB64:  cryppo.EncodeBase64(derived),
			SRPPasswordHex: hex.EncodeToString(vaultkeys.DeriveSRPPassword(t.text, s)),
		})
	}
	return out, nil
}

func (generator) srp() ([]SRPCase, error) {
	var out []SRPCase
	for _, t := range sampleTexts[:2] {
		user := randomUsername()
		sec, err := vaultkeys.GenerateSecret(user, rand.Reader)
		if err != nil {
			return nil, err
		}
		password := vaultkeys.DeriveSRPPassword(t.text, sec)
		tr, err := srp.Exchange(user, password, random(32), random(32), random(32))
		if err != nil {
			return nil, err
		}
		out = append(out, SRPCase{
			Note: "P derived from a Meeco secret + password (" + t.note + ")", Username: user,
			SourcePassword: t.text, SourceSecret: sec.Reveal(), PasswordHex: hex.EncodeToString(password),
			SaltHex: tr.SaltHex, AHexSecret: tr.SmallAHex, BHexSecret: tr.SmallBHex, VerifierHex: tr.VerifierHex,
			AHex: tr.AHex, BHex: tr.BHex, KHex: tr.KHex, UHex: tr.UHex, SHex: tr.SHex,
			SessionKeyHex: tr.SessionKeyHex, M1Hex: tr.M1Hex, M2Hex: tr.M2Hex,
		})
	}
	return out, nil
}

func (generator) rsa(keys []*cryppo.PrivateKey) ([]RSACase, error) {
	var out []RSACase
	inputs := []struct {
		note string
		pt   []byte
	}{
		{"share DEK (32 B)", random(32)},
		{"vault session token (ASCII)", []byte(cryppo.EncodeBase64(random(15)))},
		{"UTF-8 text", []byte(sampleTexts[2].text)},
	}
	for i, k := range keys {
		for _, in := range inputs {
			s, err := cryppo.EncryptRSA(k.Public(), in.pt)
			if err != nil {
				return nil, err
			}
			out = append(out, RSACase{Note: in.note, KeypairIndex: i, ArtifactFormat: "bson", PrivateKeyPEM: k.PEM(), PublicKeyPEM: k.Public().PEM(), PlaintextB64: cryppo.EncodeBase64(in.pt), Serialized: s})
		}
	}
	return out, nil
}

func (generator) sign(keys []*cryppo.PrivateKey) ([]SignCase, error) {
	var out []SignCase
	for i, k := range keys {
		for _, data := range [][]byte{[]byte(sampleTexts[0].text), random(256)} {
			s, err := cryppo.Sign(k, data)
			if err != nil {
				return nil, err
			}
			out = append(out, SignCase{Note: fmt.Sprintf("%d bytes of data", len(data)), KeypairIndex: i, PublicKeyPEM: k.Public().PEM(), DataB64: cryppo.EncodeBase64(data), Serialized: s})
		}
	}
	return out, nil
}
