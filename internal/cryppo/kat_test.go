package cryppo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Known answers from protocol.md §1.9 (all verified there against the JS
// libraries), from cryppo-js's own backwards-compatibility tests, and
// legacy-derivation answers computed with node-forge 0.10.0.

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

const (
	katAES       = "Aes256Gcm.D2e6d6rFMoQVwQ==.QUAAAAAFaXYADAAAAAAAAQIDBAUGBwgJCgsFYXQAEAAAAADe2XTvNoBES8DtMQBKc6E3AmFkAAUAAABub25lAAA="
	katAESLegacy = "Aes256Gcm.D2e6d6rFMoQVwQ==.LS0tCml2OiAhYmluYXJ5IHwtCiAgQUFFQ0F3UUZCZ2NJQ1FvTAphdDogIWJpbmFyeSB8LQogIDN0bDA3emFBUkV2QTdURUFTbk9oTnc9PQphZDogbm9uZQo="
)

func katKey(t testing.TB) SymmetricKey {
	t.Helper()
	k, err := NewSymmetricKey(seq(32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKATAES(t *testing.T) {
	key := katKey(t)
	if key.Base64() != "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" {
		t.Fatalf("key base64 = %s", key.Base64())
	}
	got, err := EncryptAESWithIV(key, seq(12), []byte("Hello 😀"))
	if err != nil || got != katAES {
		t.Fatalf("EncryptAESWithIV = %s, %v\nwant %s", got, err, katAES)
	}
	e := checkCanonical(t, katAES)
	if hex.EncodeToString(e.Artifacts.AuthTag) != "ded974ef3680444bc0ed31004a73a137" {
		t.Errorf("tag = %x", e.Artifacts.AuthTag)
	}
	for _, s := range []string{katAES, katAESLegacy} {
		pt, err := DecryptAES(key, s)
		if err != nil || string(pt) != "Hello 😀" {
			t.Errorf("DecryptAES(%.40s...) = %q, %v", s, pt, err)
		}
	}
	legacy, err := Parse(katAESLegacy)
	if err != nil {
		t.Fatal(err)
	}
	if legacy.Format != FormatLegacyYAML || legacy.String() != katAES {
		t.Errorf("legacy KAT: format %v, BSON form %s", legacy.Format, legacy.String())
	}
}

func TestKATPBKDF2(t *testing.T) {
	salt := []byte("SALTSALTSALTSALTSALT")
	if got := EncodeBase64(DeriveKey("pässword", salt, 100000, 32)); got != "mWCrHmv2EsVEMRNXehhiBSTz3oriX4NoMSTSGvhX86Y=" {
		t.Errorf("DeriveKey = %s", got)
	}
	d := &DerivationArtifacts{Salt: salt, Iterations: 100000, Length: 32, Hash: "SHA256"}
	const want = "Pbkdf2Hmac.S0EAAAAFaXYAFAAAAABTQUxUU0FMVFNBTFRTQUxUU0FMVBBpAKCGAQAQbAAgAAAAAmhhc2gABwAAAFNIQTI1NgAA"
	if got := d.String(); got != want {
		t.Errorf("suffix\n got %s\nwant %s", got, want)
	}
}

func TestKATRubyDerivationArtifacts(t *testing.T) {
	// Ruby writes i, iv, l and no hash. Parse reads it; String writes the
	// cryppo-js order (iv, i, l), still without hash.
	const ruby = "SzAAAAAQaQA-TgAABWl2ABQAAAAAfpc0yPy0psETSKUSYE8pw53TTyMQbAAgAAAAAA=="
	s := "Aes256Gcm.AA==." + EncodeBase64(encodeAESArtifacts(Artifacts{IV: seq(12), AuthTag: seq(16), AAD: []byte("none")})) + ".Pbkdf2Hmac." + ruby
	e, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	d := e.Derivation
	if d.Iterations != 20030 || d.Length != 32 || len(d.Salt) != 20 || d.Hash != "" || d.Format != FormatBSON {
		t.Errorf("derivation = %+v", d)
	}
	if strings.HasSuffix(e.String(), ruby) {
		t.Errorf("String kept the Ruby key order; want cryppo-js order")
	}
	back, err := Parse(e.String())
	if err != nil || back.Derivation.Iterations != 20030 || back.Derivation.Hash != "" || !bytes.Equal(back.Derivation.Salt, d.Salt) {
		t.Errorf("re-parse: %+v, %v", back.Derivation, err)
	}
}

func TestKATHMAC(t *testing.T) {
	key := seq(64)
	cases := []struct{ msg, prefix, suffix string }{
		{"hello", "417c5d8a5eb080406c14cf7783f0d823899728aa94cd79b14af92cd0a3f8a2ed", ""},
		{"héllo", "4f683a36", "295f5ae1f"},
		{"鍵", "c8784a7e32487fb46b0d07d149904df28cf62356c21a808ac70893a5fb1ed2a4", ""},
		{"鍵鍵", "193b4afe", "eb4e"},
	}
	for _, c := range cases {
		got := HMACSHA256Hex(key, c.msg)
		if len(got) != 64 || !strings.HasPrefix(got, c.prefix) || !strings.HasSuffix(got, c.suffix) {
			t.Errorf("HMACSHA256Hex(%q) = %s, want %s…%s", c.msg, got, c.prefix, c.suffix)
		}
	}
	// The UTF-8 model gives another answer (protocol.md: 1ca4b3d5…), which
	// is what makes the forge byte model necessary.
	m := hmac.New(sha256.New, key)
	m.Write([]byte("héllo"))
	if got := hex.EncodeToString(m.Sum(nil)); !strings.HasPrefix(got, "1ca4b3d5") {
		t.Errorf("UTF-8 HMAC of héllo = %s, want 1ca4b3d5…", got)
	}
}

func TestForgeMessageBytes(t *testing.T) {
	cases := []struct {
		in   string
		want []byte
	}{
		{"", []byte{}},
		{"abc", []byte("abc")},
		{"héllo", []byte{'h', 0xe9, 'l', 'l', 'o'}},
		// 鍵 is U+9375: alone, only its low byte survives (group start).
		{"鍵", []byte{0x75}},
		// In "a鍵": byte 0 = 'a' ^ 0x93.
		{"a鍵", []byte{'a' ^ 0x93, 0x75}},
		// Unit 4 starts a new group: its high byte is dropped, not XOR-ed
		// into byte 3.
		{"abcd鍵", []byte{'a', 'b', 'c', 'd', 0x75}},
		// Surrogate pair D83D DE00 (😀).
		{"Hello 😀", []byte("Hello\xf8\xe3\x00")},
	}
	for _, c := range cases {
		if got := ForgeMessageBytes(c.in); !bytes.Equal(got, c.want) {
			t.Errorf("ForgeMessageBytes(%q) = %x, want %x", c.in, got, c.want)
		}
	}
}

// TestKATOlderCryppoJS reproduces cryppo-js's "Backwards and forwards
// compatibility" tests: strings encrypted by cryppo-js ~0.11, which fed raw
// JS strings to forge. "Hello 😀" came out as the bytes "Hello\xf8\xe3\x00",
// exactly ForgeMessageBytes("Hello 😀"): forge packed the UTF-16 units the
// same way it does for HMAC input.
func TestKATOlderCryppoJS(t *testing.T) {
	key := mustKey(t, "W0NldJtd-ducHL4o02MBaFYYWQI9GB4XdK5BikAMxQs=")
	pt, err := DecryptAES(key, "Aes256Gcm.z7pHi08eMhcGt2s=.QUAAAAAFaXYADAAAAAAWKhi96ZRIZk9TW3sFYXQAEAAAAACn54Pe46ITLaXbtS6iKN03AmFkAAUAAABub25lAAA=")
	if err != nil || string(pt) != "Hello World" {
		t.Errorf("plain string: %q, %v", pt, err)
	}
	pt, err = DecryptAES(key, "Aes256Gcm.m6_M6fxxHJM=.QUAAAAAFaXYADAAAAADsX9sHdgtXsRSQM_AFYXQAEAAAAADFEdyvfEQG_jc2V92qRzmtAmFkAAUAAABub25lAAA=")
	if err != nil {
		t.Fatal(err)
	}
	if want := mustB64(t, "SGVsbG_44wA="); !bytes.Equal(pt, want) || !bytes.Equal(pt, ForgeMessageBytes("Hello 😀")) {
		t.Errorf("garbled string = %x, want %x", pt, want)
	}
}

// Legacy (cryppo-js 1.x, pre mid-2020) derivations: node-forge 0.10.0's
// pkcs5.pbkdf2 handed the raw JS string, computed with node (see
// DecryptWithPassphrase). The keys equal PBKDF2 over ForgeMessageBytes.
var legacyDerivations = []struct {
	pass, salt string
	iter       int
	legacy     string
	utf8       string
}{
	{"pässword", "SALTSALTSALTSALTSALT", 1000,
		"d83afc17e8b40d3c05dcd3ed7ae41d566bd7105c95e741b158f38183750243cb",
		"d390b1037284b70dc4d7847c7abdad04c68ca6493145b8928843442608d000d5"},
	{"鍵鍵 key 🔑 ünïcödé", "0123456789abcdefghij", 1000,
		"f870b7ea762916ff619bdb588913e25dfff7e78ccfe0badbf95ed033e2f0802c",
		"82600bbb489a647f4eee977fd87521146aa41a42487246d795ca44a88af018f1"},
	// Over 64 code units: the HMAC key is hashed first, in both models.
	{strings.Repeat("x", 70) + "鍵", "salt", 10,
		"2e39df3461057b8682c0879d396764ca3b68194f5e385ffdb8daf1af9c1bd05b",
		"7f08ac3d8046386613b8eec913b4ac3ab2637337c5002b6e2a2959e038651eb9"},
	{strings.Repeat("鍵", 64), "salt", 10,
		"8e231275f6545d81e1b4c906f12d143f980a024ce1405603c86101ba9e5de342",
		"fdab5652e217eca3fb65bfc6e70085979189a187c2d71d21f0c460a1a68a03b4"},
	{"a鍵b鍵c鍵d", "salt", 2,
		"1daa5ddd52dd9185504f194cc007711e5fb726d66a5cb848c6ef8a05d76c42aa",
		"f9e0816fd11b5078e86bcd7932540e0b869d06b3a73c42947a40fa2d857afb36"},
}

func TestKATLegacyDerivation(t *testing.T) {
	for _, c := range legacyDerivations {
		if got := hex.EncodeToString(DeriveKey(c.pass, []byte(c.salt), c.iter, 32)); got != c.utf8 {
			t.Errorf("UTF-8 DeriveKey(%q) = %s, want %s", c.pass, got, c.utf8)
		}
		if got := hex.EncodeToString(deriveKeyBytes(ForgeMessageBytes(c.pass), []byte(c.salt), c.iter, 32)); got != c.legacy {
			t.Errorf("legacy derivation of %q = %s, want %s", c.pass, got, c.legacy)
		}
	}
}

// legacyPassphraseString builds a 5-part string whose key was derived the
// pre-2020 way, from forge's own answer.
func legacyPassphraseString(t *testing.T, i int, plaintext []byte) string {
	t.Helper()
	c := legacyDerivations[i]
	key, _ := hex.DecodeString(c.legacy)
	e, err := sealAES(key, seq(12), plaintext)
	if err != nil {
		t.Fatal(err)
	}
	e.Derivation = &DerivationArtifacts{Strategy: PBKDF2HMAC, Salt: []byte(c.salt), Iterations: c.iter, Length: 32, Hash: "SHA256"}
	return e.String()
}

func TestDecryptWithPassphraseLegacyRetry(t *testing.T) {
	for i, c := range legacyDerivations {
		s := legacyPassphraseString(t, i, []byte("old secret"))
		pt, err := DecryptWithPassphrase(c.pass, s)
		if err != nil || string(pt) != "old secret" {
			t.Errorf("%q: %q, %v", c.pass, pt, err)
		}
		if _, err := DecryptWithPassphrase(c.pass+"x", s); !errors.Is(err, ErrDecrypt) {
			t.Errorf("wrong passphrase: err = %v, want ErrDecrypt", err)
		}
	}
}
