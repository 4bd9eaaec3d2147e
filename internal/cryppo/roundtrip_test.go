package cryppo

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestAESRoundTrip(t *testing.T) {
	key := GenerateSymmetricKey()
	for _, n := range []int{1, 15, 16, 17, 1000, 70000} {
		pt := bytes.Repeat([]byte{0xa5, 0x00, 'x'}, n)[:n]
		s, err := EncryptAES(key, pt)
		if err != nil {
			t.Fatalf("EncryptAES(%d bytes): %v", n, err)
		}
		if !strings.HasPrefix(s, "Aes256Gcm.") || !strings.Contains(s, ".QUAAAAA") {
			t.Errorf("shape of %.30s...", s)
		}
		got, err := DecryptAES(key, s)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("DecryptAES(%d bytes): %v", n, err)
		}
		checkCanonical(t, s)
	}
}

func TestEncryptAESUsesFreshIVs(t *testing.T) {
	key := GenerateSymmetricKey()
	a, _ := EncryptAES(key, []byte("same"))
	b, _ := EncryptAES(key, []byte("same"))
	if a == b {
		t.Fatalf("two encryptions gave the same string: IV reused")
	}
}

func TestEmptyPlaintextAndCiphertext(t *testing.T) {
	key := katKey(t)
	if s, err := EncryptAES(key, nil); s != "" || err != nil {
		t.Errorf("EncryptAES(empty) = %q, %v; want \"\", nil (cryppo-js serialized: null)", s, err)
	}
	if s, err := EncryptWithPassphrase("p", []byte{}); s != "" || err != nil {
		t.Errorf("EncryptWithPassphrase(empty) = %q, %v", s, err)
	}
	_, _, art := katParts()
	empty := "Aes256Gcm.." + art
	if pt, err := DecryptAES(key, empty); pt != nil || err != nil {
		t.Errorf("DecryptAES(empty ct) = %v, %v; want nil, nil", pt, err)
	}
	checkCanonical(t, empty)
	// Even with an empty ciphertext the artifacts must be valid.
	if _, err := DecryptAES(key, "Aes256Gcm..QQUAAAAA"); !errors.Is(err, ErrArtifacts) {
		t.Errorf("empty ct with RSA-style artifacts: %v", err)
	}
	deriv := EncodeBase64(encodeDerivationArtifacts(&DerivationArtifacts{Salt: seq(20), Iterations: MaxIterations, Length: 32}))
	if pt, err := DecryptWithPassphrase("p", empty+".Pbkdf2Hmac."+deriv); pt != nil || err != nil {
		t.Errorf("DecryptWithPassphrase(empty ct) = %v, %v", pt, err)
	}
}

func TestStrategyNumberIgnoredWhenDecrypting(t *testing.T) {
	key := katKey(t)
	for _, name := range []string{"Aes128Gcm", "Aes0Gcm", "Aes99999Gcm"} {
		s := strings.Replace(katAES, "Aes256Gcm", name, 1)
		pt, err := DecryptAES(key, s)
		if err != nil || string(pt) != "Hello 😀" {
			t.Errorf("%s: %q, %v", name, pt, err)
		}
		checkCanonical(t, s) // the name is kept as read
	}
}

func TestStandardAlphabetAccepted(t *testing.T) {
	c := meeco(t).Cases.AES[0]
	key := mustKey(t, c.Key)
	std := strings.NewReplacer("-", "+", "_", "/").Replace(c.Serialized)
	if std == c.Serialized {
		t.Fatal("vector has no URL-safe-only characters; pick another")
	}
	e, err := Parse(std)
	if err != nil {
		t.Fatal(err)
	}
	if !e.StandardAlphabet || e.String() != c.Serialized {
		t.Errorf("StandardAlphabet=%v, String=%s", e.StandardAlphabet, e.String())
	}
	if pt, err := DecryptAES(key, std); err != nil || string(pt) != c.PlaintextUTF8 {
		t.Errorf("DecryptAES(std alphabet): %v", err)
	}
	if e, _ := Parse(c.Serialized); e.StandardAlphabet {
		t.Errorf("StandardAlphabet set for URL-safe input")
	}
}

func TestPassphraseRoundTrip(t *testing.T) {
	for _, pass := range []string{"", "ascii pass", "pässword 鍵 🔑"} {
		s, err := EncryptWithPassphrase(pass, []byte("payload"))
		if err != nil {
			t.Fatal(err)
		}
		e, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		d := e.Derivation
		if d == nil || len(d.Salt) != DefaultSaltSize || d.Iterations < MinIterations || d.Iterations >= MinIterations+IterationVariance ||
			d.Length != 32 || d.Hash != "SHA256" || d.Strategy != PBKDF2HMAC {
			t.Fatalf("derivation defaults: %+v", d)
		}
		got, err := DecryptWithPassphrase(pass, s)
		if err != nil || string(got) != "payload" {
			t.Errorf("%q: %q, %v", pass, got, err)
		}
		checkCanonical(t, s)
	}
}

// TestDerivedAES128 follows cryppo-js: a derivation length of 16 gives an
// AES-128 key even under the name Aes256Gcm.
func TestDerivedAES128(t *testing.T) {
	key := DeriveKey("pw", seq(20), 3, 16)
	e, err := sealAES(key, seq(12), []byte("short key"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Strategy != "Aes128Gcm" {
		t.Errorf("strategy = %s, want Aes128Gcm (named from the key length)", e.Strategy)
	}
	e.Strategy = AES256GCM
	e.Derivation = &DerivationArtifacts{Strategy: PBKDF2HMAC, Salt: seq(20), Iterations: 3, Length: 16}
	got, err := DecryptWithPassphrase("pw", e.String())
	if err != nil || string(got) != "short key" {
		t.Errorf("%q, %v", got, err)
	}
}

func TestRSARoundTripAndCapacity(t *testing.T) {
	c := meeco(t).Cases.RSA[0]
	priv := mustPrivateKey(t, c.PrivateKeyPEM)
	for _, n := range []int{0, 1, 32, 470} {
		pt := bytes.Repeat([]byte{7}, n)
		s, err := EncryptRSA(priv.Public(), pt)
		if err != nil {
			t.Fatalf("EncryptRSA(%d): %v", n, err)
		}
		if !strings.HasPrefix(s, "Rsa4096.") || !strings.HasSuffix(s, ".QQUAAAAA") || len(strings.Split(s, ".")[1]) != 684 {
			t.Errorf("shape of %d-byte encryption: %.20s...%s", n, s, s[len(s)-10:])
		}
		got, err := DecryptRSA(priv, s)
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("DecryptRSA(%d): %v", n, err)
		}
	}
}

func TestRSALegacyArtifactsAccepted(t *testing.T) {
	c := meeco(t).Cases.RSA[0]
	priv := mustPrivateKey(t, c.PrivateKeyPEM)
	ct := strings.Split(c.Serialized, ".")[1]
	for _, art := range []string{"---\n{}\n", "---\n'ad': ''\n'at': ''\n'iv': ''\n"} {
		s := "Rsa4096." + ct + "." + EncodeBase64([]byte(art))
		if _, err := DecryptRSA(priv, s); err != nil {
			t.Errorf("artifacts %q: %v", art, err)
		}
	}
	if _, err := DecryptRSA(priv, "Rsa4096."+ct); !errors.Is(err, ErrMalformed) {
		t.Errorf("2-part RSA string: %v, want ErrMalformed (JS requires 3 parts)", err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	priv := mustPrivateKey(t, meeco(t).Cases.PEM[0].PrivateKeyPEM)
	for _, data := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte{0xff}, 2000)} {
		s, err := Sign(priv, data)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s, "Sign.Rsa4096.") {
			t.Errorf("prefix of %.20s", s)
		}
		again, _ := Sign(priv, data)
		if again != s {
			t.Errorf("PKCS#1 v1.5 signature is not deterministic")
		}
		got, err := VerifySignature(priv.Public(), s)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("VerifySignature(%d bytes): %v", len(data), err)
		}
	}
}

func TestPEMParsing(t *testing.T) {
	c := meeco(t).Cases.PEM[0]
	priv := mustPrivateKey(t, c.PrivateKeyPEM)
	lf := strings.ReplaceAll(c.PrivateKeyPEM, "\r\n", "\n")
	k, err := ParsePrivateKeyPEM(lf)
	if err != nil || k.PEM() != c.PrivateKeyPEM {
		t.Errorf("LF PEM: %v", err)
	}
	pkcs8 := pkcs8PEM(t, priv)
	k, err = ParsePrivateKeyPEM(pkcs8)
	if err != nil || !k.Public().Equal(priv.Public()) {
		t.Errorf("PKCS#8 PEM: %v", err)
	}
	pkcs1pub := forgePEM(pemPublicPKCS1, pkcs1PublicDER(priv.Public()))
	pub, err := ParsePublicKeyPEM(pkcs1pub)
	if err != nil || pub.PEM() != c.PublicKeyPEM {
		t.Errorf("PKCS#1 public PEM: %v", err)
	}
	out := priv.PEM()
	if !strings.HasSuffix(out, "\r\n-----END RSA PRIVATE KEY-----\r\n") || strings.Count(out, "\n") != strings.Count(out, "\r\n") {
		t.Errorf("not CRLF throughout with a trailing CRLF")
	}
	lines := strings.Split(out, "\r\n")
	for _, l := range lines[1 : len(lines)-3] {
		if len(l) != 64 {
			t.Errorf("inner line of %d chars, want 64", len(l))
		}
	}
}

func TestNameForError(t *testing.T) {
	for in, want := range map[string]string{
		"Aes256Ofb":            `"Aes256Ofb"`,
		"Foo":                  `"Foo"`,
		"eyJhbGciOiJIUzI1NiJ9": "the name (not shown)",
		"secret_token":         "the name (not shown)",
		"lowercase":            "the name (not shown)",
	} {
		if got := nameForError(in); got != want {
			t.Errorf("nameForError(%q) = %s, want %s", in, got, want)
		}
	}
	_, err := Parse("tok3nS3cretValueXYZ123.abc.def")
	if err == nil || strings.Contains(err.Error(), "tok3n") {
		t.Errorf("token echoed: %v", err)
	}
	_, err = Parse("Aes256Ofb.AA==.QQUAAAAA")
	if !errors.Is(err, ErrUnknownStrategy) || !strings.Contains(err.Error(), "Aes256Ofb") {
		t.Errorf("strategy name not shown: %v", err)
	}
}

func TestStrategyKinds(t *testing.T) {
	cases := []struct {
		s        Strategy
		aes, rsa bool
		bits     int
	}{
		{AES256GCM, true, false, 0},
		{"Aes128Gcm", true, false, 0},
		{RSA4096, false, true, 4096},
		{"Rsa2048", false, true, 2048},
		{"Rsa", false, false, 0},
		{"Rsa123456", false, false, 0},
		{"Aes256Ofb", false, false, 0},
		{PBKDF2HMAC, false, false, 0},
		{"Sign", false, false, 0},
	}
	for _, c := range cases {
		if c.s.IsAES() != c.aes || c.s.IsRSA() != c.rsa || c.s.RSABits() != c.bits {
			t.Errorf("%s: IsAES=%v IsRSA=%v RSABits=%d", c.s, c.s.IsAES(), c.s.IsRSA(), c.s.RSABits())
		}
	}
}
