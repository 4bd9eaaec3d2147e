package cryppo

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// Fuzz targets: nothing may panic, every failure must be a typed *Error,
// and whatever parses must serialize to a canonical form that parses back
// to itself. Seeds: testdata/fuzz/<Name>/ plus the vector strings.

// checkTyped fails unless err is nil or a *Error with a Kind.
func checkTyped(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind == nil {
		t.Fatalf("untyped error %T: %v", err, err)
	}
}

func addVectorStrings(f *testing.F) {
	v := meeco(f)
	for _, c := range v.Cases.AES {
		f.Add(c.Serialized)
	}
	for _, c := range v.Cases.AESLegacy {
		f.Add(c.Serialized)
	}
	for _, c := range v.Cases.RSA {
		f.Add(c.Serialized)
	}
	for _, c := range v.Cases.Passphrase {
		f.Add(c.Serialized)
	}
	for _, c := range v.Cases.Sign {
		f.Add(c.Serialized)
	}
	cv := compat(f)
	for _, c := range cv.WithKey[:8] {
		f.Add(c.Serialized)
	}
	for _, c := range cv.WithDerivedKey[:4] {
		f.Add(c.Serialized)
	}
	f.Add(katAES)
	f.Add(katAESLegacy)
}

func FuzzParse(f *testing.F) {
	addVectorStrings(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		checkTyped(t, err)
		if err != nil {
			return
		}
		canon := e.String()
		e2, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical form %q does not parse: %v", canon, err)
		}
		if again := e2.String(); again != canon {
			t.Fatalf("canonical form not stable:\n%s\n%s", canon, again)
		}
		if e2.StandardAlphabet {
			t.Fatalf("canonical form uses the standard alphabet")
		}
	})
}

func FuzzParseSignature(f *testing.F) {
	addVectorStrings(f)
	for _, c := range compat(f).Signatures[:4] {
		f.Add(c.Serialized)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := ParseSignature(s)
		checkTyped(t, err)
		if err != nil {
			return
		}
		canon := sig.String()
		sig2, err := ParseSignature(canon)
		if err != nil || sig2.String() != canon || sig2.Bits != sig.Bits ||
			!bytes.Equal(sig2.Sig, sig.Sig) || !bytes.Equal(sig2.Data, sig.Data) {
			t.Fatalf("canonical form %q does not round-trip: %v", canon, err)
		}
	})
}

func FuzzDecryptAES(f *testing.F) {
	addVectorStrings(f)
	key := katKey(f)
	f.Fuzz(func(t *testing.T, s string) {
		pt, err := DecryptAES(key, s)
		checkTyped(t, err)
		if err != nil {
			return
		}
		// Whatever decrypts must re-encrypt to the canonical form.
		e, perr := Parse(s)
		if perr != nil {
			t.Fatalf("decrypted but does not parse: %v", perr)
		}
		if len(pt) == 0 {
			return
		}
		if !bytes.Equal(e.Artifacts.AAD, aadNone) {
			return // foreign AAD: EncryptAESWithIV always writes "none"
		}
		again, err := EncryptAESWithIV(key, e.Artifacts.IV, pt)
		if err != nil || (e.Strategy == AES256GCM && again != e.String()) {
			t.Fatalf("re-encryption differs: %v", err)
		}
	})
}

func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"", "AA==", "AAA=", "AAAA", "-_8=", "+/8=", "AA", "A===", "AB==", "QQUAAAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeBase64(s)
		checkTyped(t, err)
		if err != nil {
			if errors.Is(err, ErrUnpadded) && !errors.Is(err, ErrBase64) {
				t.Fatalf("ErrUnpadded must also match ErrBase64")
			}
			return
		}
		urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(s)
		if got := EncodeBase64(b); got != urlSafe {
			t.Fatalf("decode/encode not a bijection: %q -> %x -> %q", s, b, got)
		}
	})
}

func FuzzParsePEM(f *testing.F) {
	v := meeco(f)
	f.Add(v.Cases.PEM[0].PublicKeyPEM)
	f.Add(v.Cases.Sign[0].PublicKeyPEM)
	f.Add(compat(f).Signatures[1].PublicPEM)
	f.Add(v.Cases.PEM[1].PrivateKeyPEM)
	f.Add(strings.ReplaceAll(v.Cases.RSA[0].PrivateKeyPEM, "\r\n", "\n"))
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := ParsePublicKeyPEM(s)
		checkTyped(t, err)
		if err == nil {
			back, err := ParsePublicKeyPEM(pub.PEM())
			if err != nil || !back.Equal(pub) {
				t.Fatalf("public PEM does not round-trip: %v", err)
			}
		}
		priv, err := ParsePrivateKeyPEM(s)
		checkTyped(t, err)
		if err == nil {
			back, err := ParsePrivateKeyPEM(priv.PEM())
			if err != nil || !back.Public().Equal(priv.Public()) {
				t.Fatalf("private PEM does not round-trip: %v", err)
			}
		}
	})
}

// FuzzArtifactBlock feeds raw bytes straight to the artifact readers, so the
// BSON and YAML paths are explored without the base64 layer in the way.
func FuzzArtifactBlock(f *testing.F) {
	for _, s := range []string{katAES, katAESLegacy, meeco(f).Cases.Passphrase[0].Serialized, compat(f).WithDerivedKey[1].Serialized} {
		for _, p := range strings.Split(s, ".") {
			if b, err := DecodeBase64(p); err == nil && len(b) > 0 && (b[0] == 'A' || b[0] == 'K' || b[0] == '-') {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("---\n'ad': ''\n'at': ''\n'iv': ''\n"))
	f.Add([]byte("---\n{}\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, v := range []byte{versionEncryption, versionDerivation} {
			b, err := readArtifactBlock(raw, v, "artifacts")
			checkTyped(t, err)
			if err != nil {
				continue
			}
			if a, err := aesArtifacts(b); err == nil {
				if len(a.IV) != gcmIVSize || len(a.AuthTag) != gcmTagSize {
					t.Fatalf("aesArtifacts accepted iv %d / tag %d bytes", len(a.IV), len(a.AuthTag))
				}
				back, err := readArtifactBlock(encodeAESArtifacts(a), versionEncryption, "artifacts")
				if err != nil {
					t.Fatalf("re-encoded AES artifacts do not read: %v", err)
				}
				if a2, err := aesArtifacts(back); err != nil || !bytes.Equal(a2.IV, a.IV) || !bytes.Equal(a2.AuthTag, a.AuthTag) || !bytes.Equal(a2.AAD, a.AAD) {
					t.Fatalf("AES artifacts do not round-trip: %v", err)
				}
			} else {
				checkTyped(t, err)
			}
			if d, err := derivationArtifacts(b); err == nil {
				back, err := readArtifactBlock(encodeDerivationArtifacts(d), versionDerivation, "derivation artifacts")
				if err != nil {
					t.Fatalf("re-encoded derivation artifacts do not read: %v", err)
				}
				d2, err := derivationArtifacts(back)
				if err != nil || d2.Iterations != d.Iterations || d2.Length != d.Length || d2.Hash != d.Hash || !bytes.Equal(d2.Salt, d.Salt) {
					t.Fatalf("derivation artifacts do not round-trip: %v", err)
				}
			} else {
				checkTyped(t, err)
			}
		}
	})
}
