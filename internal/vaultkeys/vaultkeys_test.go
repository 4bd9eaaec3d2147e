package vaultkeys

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mr-tron/base58"
	"github.com/vaultcheck/vaultcheck/internal/testvectors"
)

func vectorsPath(t testing.TB) string {
	t.Helper()
	return testvectors.Path(t, "meeco-crypto.json")
}

type secretVector struct {
	Note           string `json:"note"`
	Username       string `json:"username"`
	Password       string `json:"password"`
	Secret         string `json:"secret"`
	KeyB64         string `json:"secret_key_bytes_b64url"`
	PDKB64         string `json:"pdk_b64url"`
	SRPDerivedB64  string `json:"srp_derived_b64url"`
	SRPPasswordHex string `json:"srp_password_hex"`
}

type srpVector struct {
	Note           string `json:"note"`
	Username       string `json:"username"`
	SourcePassword string `json:"source_password"`
	SourceSecret   string `json:"source_secret"`
	PasswordHex    string `json:"password_hex"`
	SaltHex        string `json:"salt_hex"`
	APrivHex       string `json:"a_hex"`
	BPrivHex       string `json:"b_hex"`
	VerifierHex    string `json:"verifier_hex"`
	AHex           string `json:"A_hex"`
	BHex           string `json:"B_hex"`
	KHex           string `json:"K_hex"`
	M1Hex          string `json:"M1_hex"`
	M2Hex          string `json:"M2_hex"`
}

func loadVectors(t testing.TB) (secrets []secretVector, srps []srpVector) {
	t.Helper()
	path := vectorsPath(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("test vectors missing: %v", err)
	}
	var doc struct {
		Cases struct {
			MeecoSecret []secretVector `json:"meeco_secret"`
			SRP         []srpVector    `json:"srp"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	if len(doc.Cases.MeecoSecret) == 0 || len(doc.Cases.SRP) == 0 {
		t.Fatalf("%s: meeco_secret or srp cases missing", path)
	}
	return doc.Cases.MeecoSecret, doc.Cases.SRP
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("bad base64 in test data: %v", err)
	}
	return b
}

func TestSecretVectors(t *testing.T) {
	vectors, _ := loadVectors(t)
	for _, v := range vectors {
		t.Run(v.Note, func(t *testing.T) {
			key := b64(t, v.KeyB64)
			made, err := SecretFromBytes(v.Username, key)
			if err != nil {
				t.Fatalf("SecretFromBytes: %v", err)
			}
			if got := made.Reveal(); got != v.Secret {
				t.Fatalf("secret=%s, want %s", got, v.Secret)
			}
			parsed, err := ParseSecret(v.Secret)
			if err != nil {
				t.Fatalf("ParseSecret: %v", err)
			}
			if parsed.Username() != v.Username {
				t.Fatalf("username=%q, want %q", parsed.Username(), v.Username)
			}
			if parsed.Reveal() != v.Secret {
				t.Fatalf("Reveal of parsed secret changed it")
			}
			kb, err := parsed.KeyBytes()
			if err != nil || !bytes.Equal(kb, key) {
				t.Fatalf("KeyBytes=%x, %v; want %x", kb, err, key)
			}
			for name, s := range map[string]Secret{"made": made, "parsed": parsed} {
				if got, want := DerivePDK(v.Password, s), b64(t, v.PDKB64); !bytes.Equal(got, want) {
					t.Fatalf("%s: PDK=%x, want %x", name, got, want)
				}
				if got, want := DeriveSRPKey(v.Password, s), b64(t, v.SRPDerivedB64); !bytes.Equal(got, want) {
					t.Fatalf("%s: srp_derived=%x, want %x", name, got, want)
				}
				if got := hex.EncodeToString(DeriveSRPPassword(v.Password, s)); got != v.SRPPasswordHex {
					t.Fatalf("%s: SRP P=%s, want %s", name, got, v.SRPPasswordHex)
				}
			}
		})
	}
}

// TestProtocolVector is the worked example of protocol.md §2.2.
func TestProtocolVector(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i*7 + 1)
	}
	s, err := SecretFromBytes("alice_username", key)
	if err != nil {
		t.Fatalf("SecretFromBytes: %v", err)
	}
	if got, want := s.Reveal(), "1.alice_username.52Y2w7-NXvFk4-zUsVGX-aq3ai8-xBVNV8-FX7aME-2Vpz2t-H"; got != want {
		t.Fatalf("secret=%s, want %s", got, want)
	}
	const password = "supersecretpassword"
	if got, want := base64.URLEncoding.EncodeToString(DerivePDK(password, s)), "yYYyv97EUih2W5ztZOnrdfOTMePGOKxDCyCOhdO8r7Q="; got != want {
		t.Fatalf("PDK=%s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(DeriveSRPKey(password, s)), "9705ad76fe567e981b1c595b9ecb52ef4484c6a45993a1f12c0fe0b1c2074dce"; got != want {
		t.Fatalf("SRP derived=%s, want %s", got, want)
	}
	p := DeriveSRPPassword(password, s)
	if got, want := hex.EncodeToString(p), "c29705c2ad76c3be567ec2981b1c595bc29ec38b52c3af44c284c386c2a459c293c2a1c3b12c0fc3a0c2b1c382074dc38e"; got != want {
		t.Fatalf("SRP P=%s, want %s", got, want)
	}
	if len(p) != 49 {
		t.Fatalf("len(P)=%d, want 49", len(p))
	}
}

func TestBase58Alphabet(t *testing.T) {
	if got, want := base58.Encode([]byte("Hello World!")), "2NEpo7TZRRrLZSi2U"; got != want {
		t.Fatalf("base58(Hello World!)=%s, want %s", got, want)
	}
	// The alphabet constant used for validation is the library's.
	all := make([]byte, 0, 58)
	for i := range 58 {
		all = append(all, byte(i))
	}
	enc := base58.Encode(append([]byte{1}, all...)) // leading 1 keeps zero digits
	for i := 0; i < len(enc); i++ {
		if !strings.ContainsRune(base58Alphabet, rune(enc[i])) {
			t.Fatalf("library emitted %q, not in base58Alphabet", enc[i])
		}
	}
	if len(base58Alphabet) != 58 {
		t.Fatalf("alphabet has %d characters", len(base58Alphabet))
	}
}

func TestLatin1ToUTF8(t *testing.T) {
	got := latin1ToUTF8([]byte{0x00, 0x41, 0x7f, 0x80, 0xc3, 0xff})
	want := []byte{0x00, 0x41, 0x7f, 0xc2, 0x80, 0xc3, 0x83, 0xc3, 0xbf}
	if !bytes.Equal(got, want) {
		t.Fatalf("latin1ToUTF8=%x, want %x", got, want)
	}
}

var secretShape = regexp.MustCompile(`^1\.[A-Za-z0-9_]+\.([1-9A-HJ-NP-Za-km-z]{6}-)*[1-9A-HJ-NP-Za-km-z]{1,6}$`)

func TestGenerateSecret(t *testing.T) {
	s, err := GenerateSecret("M9znjHbD5Xi", nil)
	if err != nil {
		t.Fatalf("GenerateSecret: %v", err)
	}
	if !secretShape.MatchString(s.Reveal()) {
		t.Fatalf("generated secret has the wrong shape (length %d)", len(s.Reveal()))
	}
	back, err := ParseSecret(s.Reveal())
	if err != nil {
		t.Fatalf("ParseSecret(generated): %v", err)
	}
	k1, _ := s.KeyBytes()
	k2, _ := back.KeyBytes()
	if len(k1) != 32 || !bytes.Equal(k1, k2) {
		t.Fatalf("round trip lost the key")
	}
	other, _ := GenerateSecret("M9znjHbD5Xi", nil)
	if other.Reveal() == s.Reveal() {
		t.Fatalf("two generated secrets are equal")
	}

	// The reader is the only source of randomness.
	fixed := bytes.Repeat([]byte{0x42}, 32)
	g, err := GenerateSecret("bob", bytes.NewReader(fixed))
	if err != nil {
		t.Fatalf("GenerateSecret(fixed): %v", err)
	}
	f, _ := SecretFromBytes("bob", fixed)
	if g.Reveal() != f.Reveal() {
		t.Fatalf("GenerateSecret did not use its reader")
	}
	if _, err := GenerateSecret("bob", iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Fatalf("GenerateSecret with a failing reader succeeded")
	}
	if _, err := GenerateSecret("", nil); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("empty username: err=%v, want ErrBadSecret", err)
	}
	if _, err := GenerateSecret("a.b", nil); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("dotted username: err=%v, want ErrBadSecret", err)
	}
	if _, err := SecretFromBytes("bob", make([]byte, 31)); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("31-byte key: err=%v, want ErrBadSecret", err)
	}
}

func TestReadableGrouping(t *testing.T) {
	cases := map[string]string{
		"":              "",
		"abc":           "abc",
		"abcdef":        "abcdef",
		"abcdefg":       "abcdef-g",
		"abcdefghijkl":  "abcdef-ghijkl",
		"abcdefghijklm": "abcdef-ghijkl-m",
	}
	for in, want := range cases {
		if got := readable(in); got != want {
			t.Errorf("readable(%q)=%q, want %q", in, got, want)
		}
	}
	// All-zero key: 32 '1's, a length divisible by neither 6 nor 0.
	s, err := SecretFromBytes("z", make([]byte, 32))
	if err != nil {
		t.Fatalf("SecretFromBytes: %v", err)
	}
	if want := "1.z.111111-111111-111111-111111-111111-11"; s.Reveal() != want {
		t.Fatalf("zero key secret=%s, want %s", s.Reveal(), want)
	}
}

func TestParseSecretErrors(t *testing.T) {
	valid := "1.PtdKMuf3ivs.5iZrNy-6Zy7b7-MctG8U-YjL9HM-vqpgra-9QyXTo-RGBXnJ-Lj"
	cases := map[string]string{
		"empty":              "",
		"one part":           "5iZrNy6Zy7b7",
		"two parts":          "1.PtdKMuf3ivs",
		"four parts":         valid + ".x",
		"empty version":      strings.TrimPrefix(valid, "1"),
		"empty username":     "1..5iZrNy-6Zy7b7-MctG8U-YjL9HM-vqpgra-9QyXTo-RGBXnJ-Lj",
		"empty key":          "1.PtdKMuf3ivs.",
		"only dashes":        "1.PtdKMuf3ivs.---",
		"zero (0) char":      strings.Replace(valid, "5iZrNy", "5iZr0y", 1),
		"capital O char":     strings.Replace(valid, "5iZrNy", "5iZrOy", 1),
		"capital I char":     strings.Replace(valid, "5iZrNy", "5iZrIy", 1),
		"lower l char":       strings.Replace(valid, "5iZrNy", "5iZrly", 1),
		"space":              valid + " ",
		"non-ASCII":          strings.Replace(valid, "5iZrNy", "5iZré", 1),
		"too short (1 byte)": "1.PtdKMuf3ivs.2",
		"too long":           valid + "5iZrNy",
	}
	for name, in := range cases {
		_, err := ParseSecret(in)
		if !errors.Is(err, ErrBadSecret) {
			t.Errorf("%s: err=%v, want ErrBadSecret", name, err)
			continue
		}
		// The message must not quote the key or any fragment of it.
		if strings.Contains(err.Error(), "5iZr") {
			t.Errorf("%s: error %q leaks the secret key", name, err)
		}
	}
	// Dashes anywhere are ignored; the version is not checked (as the SDK).
	for _, in := range []string{
		"1.PtdKMuf3ivs.5iZrNy6Zy7b7MctG8UYjL9HMvqpgra9QyXToRGBXnJLj",
		"1.PtdKMuf3ivs.-5i-ZrNy6Zy7b7MctG8UYjL9HMvqpgra9QyXToRGBXnJLj-",
		"2.PtdKMuf3ivs.5iZrNy-6Zy7b7-MctG8U-YjL9HM-vqpgra-9QyXTo-RGBXnJ-Lj",
	} {
		s, err := ParseSecret(in)
		if err != nil {
			t.Errorf("ParseSecret(variant): %v", err)
			continue
		}
		ref, _ := ParseSecret(valid)
		if !bytes.Equal(DerivePDK("pw", s), DerivePDK("pw", ref)) {
			t.Errorf("variant derives a different PDK")
		}
		if s.Reveal() != in {
			t.Errorf("Reveal changed a parsed secret")
		}
	}
}

func TestZeroSecret(t *testing.T) {
	var s Secret
	if _, err := s.KeyBytes(); !errors.Is(err, ErrBadSecret) {
		t.Fatalf("zero KeyBytes: err=%v, want ErrBadSecret", err)
	}
	if s.String() != "<no secret>" || s.Reveal() != "" || s.Username() != "" {
		t.Fatalf("zero Secret: String=%q Reveal=%q", s.String(), s.Reveal())
	}
}

func TestRedaction(t *testing.T) {
	s, err := ParseSecret("1.PtdKMuf3ivs.5iZrNy-6Zy7b7-MctG8U-YjL9HM-vqpgra-9QyXTo-RGBXnJ-Lj")
	if err != nil {
		t.Fatalf("ParseSecret: %v", err)
	}
	fragments := []string{"5iZrNy", "RGBXnJ", "vqpgra", "Lj\"", "5iZrNy6Zy7b7", "jLnJXBGR"}
	type wrapper struct{ S Secret }
	// fmt cannot call methods through unexported fields; the Secret must
	// still not leak when held in one.
	type hidden struct{ s Secret }
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		for _, val := range []any{s, &s, wrapper{s}, &wrapper{s}, []Secret{s}, map[string]Secret{"k": s}, hidden{s}, &hidden{s}} {
			out := fmt.Sprintf(verb, val)
			for _, f := range fragments {
				if strings.Contains(out, f) {
					t.Errorf("Sprintf(%s, %T)=%q leaks the secret key", verb, val, out)
				}
			}
			_, h1 := val.(hidden)
			_, h2 := val.(*hidden)
			if !h1 && !h2 && (verb == "%v" || verb == "%s") {
				if !strings.Contains(out, "1.PtdKMuf3ivs.<redacted>") {
					t.Errorf("Sprintf(%s, %T)=%q, want the redacted form", verb, val, out)
				}
			}
		}
	}
	other, _ := ParseSecret(s.Reveal())
	if !s.Equal(other) || s.Equal(Secret{}) {
		t.Fatalf("Equal is wrong")
	}
	if got, want := s.String(), "1.PtdKMuf3ivs.<redacted>"; got != want {
		t.Fatalf("String=%q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%q", s), `"1.PtdKMuf3ivs.<redacted>"`; got != want {
		t.Fatalf("%%q=%s, want %s", got, want)
	}
}

func BenchmarkDerivePDK(b *testing.B) {
	s, err := ParseSecret("1.PtdKMuf3ivs.5iZrNy-6Zy7b7-MctG8U-YjL9HM-vqpgra-9QyXTo-RGBXnJ-Lj")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if len(DerivePDK("yonder-fjord-harbor92", s)) != DerivedKeySize {
			b.Fatal("wrong size")
		}
	}
}

func BenchmarkDeriveSRPPassword(b *testing.B) {
	s, err := ParseSecret("1.PtdKMuf3ivs.5iZrNy-6Zy7b7-MctG8U-YjL9HM-vqpgra-9QyXTo-RGBXnJ-Lj")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if len(DeriveSRPPassword("yonder-fjord-harbor92", s)) < DerivedKeySize {
			b.Fatal("wrong size")
		}
	}
}
