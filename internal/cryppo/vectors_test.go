package cryppo

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/vaultcheck/vaultcheck/internal/testvectors"
)

// The vector files live in the repository's testdata/vectors; tests fail,
// not skip, without them.
func loadVectors(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(testvectors.Path(t, name))
	if err != nil {
		t.Fatalf("vector file missing: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

type meecoVectors struct {
	Conventions map[string]string `json:"conventions"`
	Cases       struct {
		AES []struct {
			Note          string `json:"note"`
			Deterministic bool   `json:"deterministic"`
			Key           string `json:"key_b64url"`
			IV            string `json:"iv_b64url"`
			PlaintextUTF8 string `json:"plaintext_utf8"`
			Plaintext     string `json:"plaintext_b64url"`
			Serialized    string `json:"serialized"`
		} `json:"aes256gcm"`
		AESBinary []struct {
			Note       string `json:"note"`
			Key        string `json:"key_b64url"`
			Plaintext  string `json:"plaintext_b64url"`
			Serialized string `json:"serialized"`
		} `json:"aes256gcm_binary"`
		AESLegacy []struct {
			Note          string `json:"note"`
			Key           string `json:"key_b64url"`
			PlaintextUTF8 string `json:"plaintext_utf8"`
			Plaintext     string `json:"plaintext_b64url"`
			Serialized    string `json:"serialized"`
		} `json:"aes256gcm_legacy_yaml"`
		RSA []struct {
			Note           string `json:"note"`
			KeypairIndex   int    `json:"keypair_index"`
			ArtifactFormat string `json:"artifact_format"`
			PrivateKeyPEM  string `json:"private_key_pem"`
			PublicKeyPEM   string `json:"public_key_pem"`
			Plaintext      string `json:"plaintext_b64url"`
			Serialized     string `json:"serialized"`
		} `json:"rsa4096_oaep"`
		PBKDF2 []struct {
			Note       string `json:"note"`
			Passphrase string `json:"passphrase_utf8"`
			Salt       string `json:"salt_b64url"`
			Iterations int    `json:"iterations"`
			Length     int    `json:"length"`
			Hash       string `json:"hash"`
			Key        string `json:"key_b64url"`
			Derivation string `json:"derivation_serialized"`
		} `json:"pbkdf2"`
		Passphrase []struct {
			Note           string `json:"note"`
			ArtifactFormat string `json:"artifact_format"`
			Passphrase     string `json:"passphrase"`
			PlaintextUTF8  string `json:"plaintext_utf8"`
			Serialized     string `json:"serialized"`
		} `json:"passphrase_encrypted"`
		HMAC []struct {
			Note    string `json:"note"`
			Key     string `json:"key_b64url"`
			Message string `json:"message"`
			Hex     string `json:"hex"`
		} `json:"hmac_sha256"`
		Sign []struct {
			Note         string `json:"note"`
			KeypairIndex int    `json:"keypair_index"`
			PublicKeyPEM string `json:"public_key_pem"`
			Data         string `json:"data_b64url"`
			Serialized   string `json:"serialized"`
		} `json:"sign_rsa4096"`
		PEM []struct {
			Note          string `json:"note"`
			Bits          int    `json:"bits"`
			PrivateKeyPEM string `json:"private_key_pem"`
			PublicKeyPEM  string `json:"public_key_pem"`
		} `json:"pem_format"`
	} `json:"cases"`
}

type compatVectors struct {
	WithKey []struct {
		Strategy   string `json:"encryption_strategy"`
		Expected   string `json:"expected_decryption_result"`
		Format     string `json:"format"`
		Key        string `json:"key"`
		Serialized string `json:"serialized"`
	} `json:"encryption_with_key"`
	WithDerivedKey []struct {
		DerivationStrategy string `json:"derivation_strategy"`
		Strategy           string `json:"encryption_strategy"`
		Expected           string `json:"expected_decryption_result"`
		Format             string `json:"format"`
		Passphrase         string `json:"passphrase"`
		Serialized         string `json:"serialized"`
	} `json:"encryption_with_derived_key"`
	Signatures []struct {
		PublicPEM  string `json:"public_pem"`
		Serialized string `json:"serialized_signature"`
	} `json:"signatures"`
}

var (
	meecoOnce sync.Once
	meecoVec  meecoVectors
	compatVec compatVectors
)

func meeco(t testing.TB) *meecoVectors {
	t.Helper()
	loadOnce(t)
	return &meecoVec
}

func compat(t testing.TB) *compatVectors {
	t.Helper()
	loadOnce(t)
	return &compatVec
}

func loadOnce(t testing.TB) {
	t.Helper()
	meecoOnce.Do(func() {
		loadVectors(t, "meeco-crypto.json", &meecoVec)
		loadVectors(t, "cryppo-compat.json", &compatVec)
	})
	if len(meecoVec.Cases.AES) == 0 || len(compatVec.WithKey) == 0 {
		t.Fatalf("vector files not loaded (see earlier failure)")
	}
}

// privateKeys caches parsed private keys across tests: parsing validates
// the key, which costs a few milliseconds per 4096-bit key.
var privateKeys sync.Map

func mustPrivateKey(t testing.TB, pemText string) *PrivateKey {
	t.Helper()
	if k, ok := privateKeys.Load(pemText); ok {
		return k.(*PrivateKey)
	}
	k, err := ParsePrivateKeyPEM(pemText)
	if err != nil {
		t.Fatalf("ParsePrivateKeyPEM: %v", err)
	}
	privateKeys.Store(pemText, k)
	return k
}

func mustB64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := DecodeBase64(s)
	if err != nil {
		t.Fatalf("DecodeBase64(%q): %v", s, err)
	}
	return b
}

func mustKey(t testing.TB, s string) SymmetricKey {
	t.Helper()
	k, err := SymmetricKeyFromBase64(s)
	if err != nil {
		t.Fatalf("SymmetricKeyFromBase64: %v", err)
	}
	return k
}

// checkCanonical asserts that a canonical string survives Parse/String.
func checkCanonical(t *testing.T, s string) *Encrypted {
	t.Helper()
	e, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := e.String(); got != s {
		t.Errorf("Parse(x).String() != x\n got %s\nwant %s", got, s)
	}
	return e
}

func TestVectorsAES256GCM(t *testing.T) {
	v := meeco(t)
	deterministic := 0
	for i, c := range v.Cases.AES {
		t.Run(fmt.Sprintf("%d_%s", i, c.Note), func(t *testing.T) {
			key := mustKey(t, c.Key)
			want := mustB64(t, c.Plaintext)
			if string(want) != c.PlaintextUTF8 {
				t.Fatalf("vector inconsistent: plaintext_b64url is not the UTF-8 of plaintext_utf8")
			}
			got, err := DecryptAES(key, c.Serialized)
			if err != nil {
				t.Fatalf("DecryptAES: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("plaintext mismatch: got %d bytes, want %d", len(got), len(want))
			}
			e := checkCanonical(t, c.Serialized)
			if e.Format != FormatBSON || e.Strategy != AES256GCM || string(e.Artifacts.AAD) != "none" {
				t.Errorf("parsed = %v %v ad=%q, want bson Aes256Gcm none", e.Format, e.Strategy, e.Artifacts.AAD)
			}
			// Every case, random IV or not, is reproduced from its own IV:
			// that checks ciphertext, tag and the artifact bytes together.
			iv := e.Artifacts.IV
			if c.Deterministic {
				deterministic++
				iv = mustB64(t, c.IV)
				if !bytes.Equal(iv, e.Artifacts.IV) {
					t.Fatalf("iv_b64url differs from the serialized iv")
				}
			}
			again, err := EncryptAESWithIV(key, iv, want)
			if err != nil {
				t.Fatalf("EncryptAESWithIV: %v", err)
			}
			if again != c.Serialized {
				t.Errorf("re-encryption differs\n got %s\nwant %s", again, c.Serialized)
			}
		})
	}
	if deterministic == 0 {
		t.Errorf("no deterministic case in aes256gcm")
	}
}

func TestVectorsAES256GCMBinary(t *testing.T) {
	for i, c := range meeco(t).Cases.AESBinary {
		t.Run(fmt.Sprintf("%d_%s", i, c.Note), func(t *testing.T) {
			key := mustKey(t, c.Key)
			want := mustB64(t, c.Plaintext)
			got, err := DecryptAES(key, c.Serialized)
			if err != nil {
				t.Fatalf("DecryptAES: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("plaintext mismatch")
			}
			e := checkCanonical(t, c.Serialized)
			again, err := EncryptAESWithIV(key, e.Artifacts.IV, want)
			if err != nil || again != c.Serialized {
				t.Errorf("re-encryption: err=%v\n got %s\nwant %s", err, again, c.Serialized)
			}
		})
	}
}

func TestVectorsAESLegacyYAML(t *testing.T) {
	for i, c := range meeco(t).Cases.AESLegacy {
		t.Run(fmt.Sprintf("%d_%s", i, c.Note), func(t *testing.T) {
			key := mustKey(t, c.Key)
			got, err := DecryptAES(key, c.Serialized)
			if err != nil {
				t.Fatalf("DecryptAES: %v", err)
			}
			if !bytes.Equal(got, mustB64(t, c.Plaintext)) || string(got) != c.PlaintextUTF8 {
				t.Fatalf("plaintext mismatch")
			}
			e, err := Parse(c.Serialized)
			if err != nil {
				t.Fatal(err)
			}
			if e.Format != FormatLegacyYAML {
				t.Errorf("Format = %v, want legacy_yaml", e.Format)
			}
			// Written back as BSON, it must still decrypt, and be what a
			// fresh encryption with the same IV gives.
			bsonForm := e.String()
			if again, err := EncryptAESWithIV(key, e.Artifacts.IV, got); err != nil || again != bsonForm {
				t.Errorf("BSON re-serialization differs from re-encryption: %v", err)
			}
			if pt, err := DecryptAES(key, bsonForm); err != nil || !bytes.Equal(pt, got) {
				t.Errorf("BSON form does not decrypt: %v", err)
			}
		})
	}
}

func TestVectorsRSA4096OAEP(t *testing.T) {
	sawLegacy := false
	for i, c := range meeco(t).Cases.RSA {
		t.Run(fmt.Sprintf("%d_%s", i, c.Note), func(t *testing.T) {
			priv := mustPrivateKey(t, c.PrivateKeyPEM)
			if got := priv.Public().PEM(); got != c.PublicKeyPEM {
				t.Errorf("public PEM differs from the vector's\n got %q\nwant %q", got, c.PublicKeyPEM)
			}
			if got := priv.PEM(); got != c.PrivateKeyPEM {
				t.Errorf("private PEM does not re-emit byte for byte")
			}
			want := mustB64(t, c.Plaintext)
			got, err := DecryptRSA(priv, c.Serialized)
			if err != nil {
				t.Fatalf("DecryptRSA: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("plaintext mismatch")
			}
			e, err := Parse(c.Serialized)
			if err != nil {
				t.Fatal(err)
			}
			switch c.ArtifactFormat {
			case "bson":
				checkCanonical(t, c.Serialized)
				if e.Format != FormatBSON {
					t.Errorf("Format = %v", e.Format)
				}
			case "legacy_yaml":
				sawLegacy = true
				if e.Format != FormatLegacyYAML {
					t.Errorf("Format = %v", e.Format)
				}
			default:
				t.Fatalf("unknown artifact_format %q", c.ArtifactFormat)
			}
			// Our own encryption to the same key must come back.
			pub, err := ParsePublicKeyPEM(c.PublicKeyPEM)
			if err != nil {
				t.Fatal(err)
			}
			s, err := EncryptRSA(pub, want)
			if err != nil {
				t.Fatalf("EncryptRSA: %v", err)
			}
			if back, err := DecryptRSA(priv, s); err != nil || !bytes.Equal(back, want) {
				t.Errorf("round trip: %v", err)
			}
		})
	}
	if !sawLegacy {
		t.Errorf("no legacy_yaml case in rsa4096_oaep")
	}
}

func TestVectorsPBKDF2(t *testing.T) {
	for i, c := range meeco(t).Cases.PBKDF2 {
		t.Run(fmt.Sprintf("%d_%s", i, c.Note), func(t *testing.T) {
			salt := mustB64(t, c.Salt)
			got := DeriveKey(c.Passphrase, salt, c.Iterations, c.Length)
			if EncodeBase64(got) != c.Key {
				t.Errorf("key = %s, want %s", EncodeBase64(got), c.Key)
			}
			d := &DerivationArtifacts{Strategy: PBKDF2HMAC, Salt: salt, Iterations: c.Iterations, Length: c.Length, Hash: c.Hash}
			if s := d.String(); s != c.Derivation {
				t.Errorf("derivation suffix\n got %s\nwant %s", s, c.Derivation)
			}
		})
	}
}

func TestVectorsPassphraseEncrypted(t *testing.T) {
	for i, c := range meeco(t).Cases.Passphrase {
		t.Run(fmt.Sprintf("%d_%s", i, c.Note), func(t *testing.T) {
			got, err := DecryptWithPassphrase(c.Passphrase, c.Serialized)
			if err != nil {
				t.Fatalf("DecryptWithPassphrase: %v", err)
			}
			if string(got) != c.PlaintextUTF8 {
				t.Fatalf("plaintext mismatch")
			}
			e, err := Parse(c.Serialized)
			if err != nil {
				t.Fatal(err)
			}
			wantFormat := map[string]ArtifactFormat{"bson": FormatBSON, "legacy_yaml": FormatLegacyYAML}[c.ArtifactFormat]
			if e.Format != wantFormat || e.Derivation.Format != wantFormat {
				t.Errorf("formats = %v/%v, want %v", e.Format, e.Derivation.Format, wantFormat)
			}
			// Reproduce the string from its own salt, iterations and IV.
			again, err := EncryptWithPassphraseParams(c.Passphrase, e.Derivation.Salt, e.Derivation.Iterations, e.Artifacts.IV, got)
			if err != nil {
				t.Fatalf("EncryptWithPassphraseParams: %v", err)
			}
			if c.ArtifactFormat == "bson" {
				checkCanonical(t, c.Serialized)
				if again != c.Serialized {
					t.Errorf("re-encryption differs\n got %s\nwant %s", again, c.Serialized)
				}
			} else if again != e.String() {
				t.Errorf("re-encryption differs from the BSON form of the legacy string")
			}
		})
	}
}

func TestVectorsHMACSHA256(t *testing.T) {
	for i, c := range meeco(t).Cases.HMAC {
		t.Run(fmt.Sprintf("%d_%s", i, c.Note), func(t *testing.T) {
			if got := HMACSHA256Hex(mustB64(t, c.Key), c.Message); got != c.Hex {
				t.Errorf("got %s, want %s", got, c.Hex)
			}
		})
	}
}

func TestVectorsSignRSA4096(t *testing.T) {
	// Private halves of the signing keys, where the rsa4096_oaep cases hold
	// them, make the deterministic PKCS#1 v1.5 signature reproducible.
	privByPub := map[string]*PrivateKey{}
	for _, c := range meeco(t).Cases.RSA {
		privByPub[c.PublicKeyPEM] = mustPrivateKey(t, c.PrivateKeyPEM)
	}
	resigned := 0
	for i, c := range meeco(t).Cases.Sign {
		t.Run(fmt.Sprintf("%d_%s", i, c.Note), func(t *testing.T) {
			pub, err := ParsePublicKeyPEM(c.PublicKeyPEM)
			if err != nil {
				t.Fatal(err)
			}
			if pub.PEM() != c.PublicKeyPEM {
				t.Errorf("public PEM does not re-emit byte for byte")
			}
			data, err := VerifySignature(pub, c.Serialized)
			if err != nil {
				t.Fatalf("VerifySignature: %v", err)
			}
			if !bytes.Equal(data, mustB64(t, c.Data)) {
				t.Errorf("signed data mismatch")
			}
			s, err := ParseSignature(c.Serialized)
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != c.Serialized || s.Bits != 4096 {
				t.Errorf("re-serialization differs (bits %d)", s.Bits)
			}
			if priv := privByPub[c.PublicKeyPEM]; priv != nil {
				resigned++
				again, err := Sign(priv, data)
				if err != nil || again != c.Serialized {
					t.Errorf("re-signing differs: %v", err)
				}
			}
		})
	}
	if resigned == 0 {
		t.Logf("no signing key found among rsa4096_oaep keys; signatures verified only")
	}
}

func TestVectorsPEMFormat(t *testing.T) {
	for i, c := range meeco(t).Cases.PEM {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			priv := mustPrivateKey(t, c.PrivateKeyPEM)
			if priv.Public().Bits() != c.Bits {
				t.Errorf("bits = %d, want %d", priv.Public().Bits(), c.Bits)
			}
			if got := priv.PEM(); got != c.PrivateKeyPEM {
				t.Errorf("private PEM\n got %q\nwant %q", got, c.PrivateKeyPEM)
			}
			if got := priv.Public().PEM(); got != c.PublicKeyPEM {
				t.Errorf("public PEM\n got %q\nwant %q", got, c.PublicKeyPEM)
			}
			pub, err := ParsePublicKeyPEM(c.PublicKeyPEM)
			if err != nil || !pub.Equal(priv.Public()) {
				t.Errorf("public PEM does not parse to the private key's public half: %v", err)
			}
		})
	}
}

// How the compat vectors are compared. cryppo-js's own compatibility test
// (test/compatibility/compatibility.test.ts at f73a434) compares
//
//   - AES results as bytesToUtf8(bytes): forge decodeUtf8, i.e.
//     decodeURIComponent(escape(s)), a strict UTF-8 decoder that throws on
//     invalid sequences and on encoded surrogates. The expected strings hold
//     no lone surrogates (the JSON decodes to well-formed UTF-16, so Go's
//     decoder reproduces them exactly, U+FFFD included as a real character),
//     so the JS check is equivalent to: the plaintext is valid UTF-8 and its
//     bytes equal the UTF-8 encoding of the expected string.
//   - RSA results as the raw binary string forge returns, one char per byte
//     (Latin-1), compared to the expected string directly. So in Go: map each
//     plaintext byte to the rune of the same value and compare. (All RSA
//     expectations are ASCII, where both rules agree; the Latin-1 rule is the
//     one JS applies.)
func compatEqual(strategy string, plaintext []byte, expected string) bool {
	if Strategy(strategy).IsRSA() {
		r := make([]rune, len(plaintext))
		for i, b := range plaintext {
			r[i] = rune(b)
		}
		return string(r) == expected
	}
	return utf8.Valid(plaintext) && string(plaintext) == expected
}

func compatFormat(t *testing.T, format string) ArtifactFormat {
	t.Helper()
	switch format {
	case "latest_version":
		return FormatBSON
	case "legacy":
		return FormatLegacyYAML
	}
	t.Fatalf("unknown format %q", format)
	return 0
}

func TestCompatEncryptionWithKey(t *testing.T) {
	var aes, rsa int
	for i, c := range compat(t).WithKey {
		t.Run(fmt.Sprintf("%d_%s_%s", i, c.Strategy, c.Format), func(t *testing.T) {
			var got []byte
			var err error
			switch Strategy(c.Strategy) {
			case AES256GCM:
				aes++
				got, err = DecryptAES(mustKey(t, c.Key), c.Serialized)
			case RSA4096:
				rsa++
				got, err = DecryptRSA(mustPrivateKey(t, c.Key), c.Serialized)
			default:
				t.Fatalf("unexpected strategy %q", c.Strategy)
			}
			if err != nil {
				t.Fatalf("decrypt: %v", err)
			}
			if !compatEqual(c.Strategy, got, c.Expected) {
				t.Fatalf("plaintext differs from expected_decryption_result")
			}
			e, err := Parse(c.Serialized)
			if err != nil {
				t.Fatal(err)
			}
			if e.Format != compatFormat(t, c.Format) || e.StandardAlphabet {
				t.Errorf("Format = %v, StandardAlphabet = %v", e.Format, e.StandardAlphabet)
			}
		})
	}
	if aes == 0 || rsa == 0 {
		t.Errorf("cases: %d AES, %d RSA", aes, rsa)
	}
}

func TestCompatEncryptionWithDerivedKey(t *testing.T) {
	for i, c := range compat(t).WithDerivedKey {
		t.Run(fmt.Sprintf("%d_%s", i, c.Format), func(t *testing.T) {
			if c.DerivationStrategy != string(PBKDF2HMAC) {
				t.Fatalf("derivation strategy %q", c.DerivationStrategy)
			}
			got, err := DecryptWithPassphrase(c.Passphrase, c.Serialized)
			if err != nil {
				t.Fatalf("DecryptWithPassphrase: %v", err)
			}
			if !compatEqual(c.Strategy, got, c.Expected) {
				t.Fatalf("plaintext differs from expected_decryption_result")
			}
			e, err := Parse(c.Serialized)
			if err != nil {
				t.Fatal(err)
			}
			f := compatFormat(t, c.Format)
			if e.Format != f || e.Derivation.Format != f {
				t.Errorf("formats %v/%v, want %v", e.Format, e.Derivation.Format, f)
			}
		})
	}
}

func TestCompatSignatures(t *testing.T) {
	for i, c := range compat(t).Signatures {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			pub, err := ParsePublicKeyPEM(c.PublicPEM)
			if err != nil {
				t.Fatalf("ParsePublicKeyPEM: %v", err)
			}
			if _, err := VerifySignature(pub, c.Serialized); err != nil {
				t.Fatalf("VerifySignature: %v", err)
			}
			s, err := ParseSignature(c.Serialized)
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != c.Serialized {
				t.Errorf("re-serialization differs")
			}
		})
	}
}

// TestBSONWriterMatchesMarshal checks that the bsoncore builders used by
// String write exactly what bson.Marshal(bson.D{...}) writes.
func TestBSONWriterMatchesMarshal(t *testing.T) {
	a := Artifacts{IV: bytes.Repeat([]byte{1}, 12), AuthTag: bytes.Repeat([]byte{2}, 16), AAD: []byte("none")}
	want, err := bson.Marshal(bson.D{
		{Key: "iv", Value: bson.Binary{Subtype: 0, Data: a.IV}},
		{Key: "at", Value: bson.Binary{Subtype: 0, Data: a.AuthTag}},
		{Key: "ad", Value: "none"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeAESArtifacts(a); !bytes.Equal(got[1:], want) || got[0] != 'A' || len(got) != 65 {
		t.Errorf("AES artifacts\n got %s\nwant 41%s", hex.EncodeToString(got), hex.EncodeToString(want))
	}
	d := &DerivationArtifacts{Salt: []byte("SALTSALTSALTSALTSALT"), Iterations: 100000, Length: 32, Hash: "SHA256"}
	want, err = bson.Marshal(bson.D{
		{Key: "iv", Value: bson.Binary{Subtype: 0, Data: d.Salt}},
		{Key: "i", Value: int32(d.Iterations)},
		{Key: "l", Value: int32(d.Length)},
		{Key: "hash", Value: d.Hash},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := encodeDerivationArtifacts(d); !bytes.Equal(got[1:], want) || got[0] != 'K' {
		t.Errorf("derivation artifacts\n got %s\nwant 4b%s", hex.EncodeToString(got), hex.EncodeToString(want))
	}
	if got := EncodeBase64(encodeEmptyArtifacts()); got != "QQUAAAAA" {
		t.Errorf("empty artifacts = %s, want QQUAAAAA", got)
	}
}
