package cryppo

import (
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// TestCheckCanonicalNamesThePart: each way a string can differ from what
// cryppo-js writes is reported with the part that differs.
func TestCheckCanonicalNamesThePart(t *testing.T) {
	key := GenerateSymmetricKey()
	var s string
	for { // a ciphertext with a URL-safe character, for the alphabet case
		s, _ = EncryptAES(key, []byte("5YJ3E1EA7KF317000 Tesla Model 3"))
		if strings.ContainsAny(strings.Split(s, ".")[1], "-_") {
			break
		}
	}
	if err := CheckCanonical(s); err != nil {
		t.Fatalf("canonical: %v", err)
	}
	p := strings.Split(s, ".")
	e, _ := Parse(s)
	reordered := append([]byte{'A'}, bsoncore.BuildDocument(nil,
		bsoncore.AppendStringElement(nil, "ad", "none"),
		bsoncore.AppendBinaryElement(nil, "at", 0x00, e.Artifacts.AuthTag),
		bsoncore.AppendBinaryElement(nil, "iv", 0x00, e.Artifacts.IV))...)
	extra := append([]byte{'A'}, bsoncore.BuildDocument(nil,
		bsoncore.AppendBinaryElement(nil, "iv", 0x00, e.Artifacts.IV),
		bsoncore.AppendBinaryElement(nil, "at", 0x00, e.Artifacts.AuthTag),
		bsoncore.AppendStringElement(nil, "ad", "none"),
		bsoncore.AppendStringElement(nil, "x", "y"))...)
	version, _ := DecodeBase64(p[2])
	version[0] = 'K'
	for _, c := range []struct {
		name, s, part string
		kind          error
		detail        string
	}{
		{"alphabet", p[0] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(p[1]) + "." + p[2], PartAlphabet, ErrNonCanonical, "ciphertext uses the standard base64 alphabet"},
		{"padding", p[0] + "." + p[1] + "." + strings.TrimRight(p[2], "="), PartPadding, ErrUnpadded, "artifacts is base64 without its '=' padding"},
		{"key order", p[0] + "." + p[1] + "." + EncodeBase64(reordered), PartKeyOrder, ErrNonCanonical, "ad, at, iv, want iv, at, ad"},
		{"extra key", p[0] + "." + p[1] + "." + EncodeBase64(extra), PartArtifacts, ErrNonCanonical, "4 artifact keys"},
		{"version byte", p[0] + "." + p[1] + "." + EncodeBase64(version), PartVersionByte, ErrArtifacts, "version byte 0x4b"},
		{"strategy", "Aes128Gcm." + p[1] + "." + p[2], PartStrategy, ErrNonCanonical, `"Aes128Gcm", want "Aes256Gcm"`},
	} {
		err := CheckCanonical(c.s)
		var ce *Error
		if !errors.As(err, &ce) || ce.Part != c.part || !errors.Is(err, c.kind) || !strings.Contains(ce.Detail, c.detail) {
			t.Errorf("%s: got %v, want part %q, kind %v, detail with %q", c.name, err, c.part, c.kind, c.detail)
		}
	}
	priv, err := GeneratePrivateKey(2048)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := EncryptRSA(priv.Public(), key.Bytes())
	q := strings.Split(w, ".")
	if err := CheckCanonical(w); err != nil {
		t.Fatalf("RSA canonical: %v", err)
	}
	for _, c := range []struct{ s, part string }{
		{"Rsa4096." + q[1] + "." + q[2], PartStrategy},
		{q[0] + "." + q[1] + "." + p[2], PartArtifacts},
	} {
		var ce *Error
		if err := CheckCanonical(c.s); !errors.As(err, &ce) || ce.Part != c.part {
			t.Errorf("RSA %s: %v", c.part, err)
		}
	}
}
