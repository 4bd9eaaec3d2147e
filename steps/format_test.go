package steps

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
)

// The format predicates the crypto checks rest on, each shown to reject
// what it must.

func testKey(t *testing.T) cryppo.SymmetricKey {
	t.Helper()
	k, err := cryppo.NewSymmetricKey([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestAESFormProblems(t *testing.T) {
	k := testKey(t)
	good, err := cryppo.EncryptAES(k, []byte("Tesla Model 3"))
	if err != nil {
		t.Fatal(err)
	}
	if p := meecoAES.problem(good); p != "" {
		t.Fatalf("canonical string: %s", p)
	}
	e, _ := cryppo.Parse(good)
	withAAD := *e
	withAAD.Artifacts.AAD = []byte("nonf")
	std := ""
	for i := 0; i < 200 && std == ""; i++ {
		s, _ := cryppo.EncryptAES(k, []byte("value"))
		parts := strings.Split(s, ".")
		if strings.ContainsAny(parts[1], "-_") {
			std = parts[0] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[1]) + "." + parts[2]
		}
	}
	pass, err := cryppo.EncryptWithPassphrase("pw", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, s, want string
	}{
		{"other strategy name", strings.Replace(good, "Aes256Gcm", "Aes128Gcm", 1), `strategy "Aes128Gcm"`},
		{"other AAD", withAAD.String(), "AAD of 4 bytes"},
		{"standard alphabet", std, "standard base64 alphabet"},
		{"passphrase string", pass, "passphrase-encrypted"},
		{"garbage", "not a cryppo string", "does not parse"},
		{"empty ciphertext", "Aes256Gcm.." + strings.Split(good, ".")[2], "empty ciphertext"},
	} {
		if p := meecoAES.problem(tc.s); !strings.Contains(p, tc.want) {
			t.Errorf("%s: problem %q, want %q", tc.name, p, tc.want)
		}
	}
}

func TestRSAFormAndTamper(t *testing.T) {
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	priv, err := keys.Key(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	other, err := keys.Key(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dek := testKey(t)
	enc, err := cryppo.EncryptRSA(priv.Public(), dek.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if p := meecoRSA.problem(enc); p != "" {
		t.Fatalf("canonical RSA string: %s", p)
	}
	parts := strings.Split(enc, ".")
	yaml := parts[0] + "." + parts[1] + "." + base64.URLEncoding.EncodeToString([]byte("--- {}\n"))
	if p := meecoRSA.problem(yaml); !strings.Contains(p, `artifacts other than "QQUAAAAA"`) {
		t.Errorf("YAML artifacts: problem %q", p)
	}
	short := parts[0] + "." + base64.URLEncoding.EncodeToString([]byte("short")) + "." + parts[2]
	if p := meecoRSA.problem(short); !strings.Contains(p, "a 5-byte ciphertext (want 512") {
		t.Errorf("short ciphertext: problem %q", p)
	}
	if p := (RSAForm{Strategy: "Rsa2048", Artifacts: "QQUAAAAA"}).problem(enc); !strings.Contains(p, `strategy "Rsa4096"`) {
		t.Errorf("other strategy: problem %q", p)
	}

	bad, err := tamper(enc, "ciphertext")
	if err != nil || bad == enc {
		t.Fatalf("tamper: %v", err)
	}
	if _, err := cryppo.DecryptRSA(priv, bad); err == nil {
		t.Errorf("tampered RSA ciphertext opens")
	}
	if _, err := cryppo.DecryptRSA(other, enc); err == nil {
		t.Errorf("another key opens the share key")
	}
	aes, _ := cryppo.EncryptAES(dek, []byte("5YJ3E1EA7KF317000"))
	for _, part := range []string{"ciphertext", "tag", "iv"} {
		x, err := tamper(aes, part)
		if err != nil {
			t.Fatalf("tamper %s: %v", part, err)
		}
		if x == aes || meecoAES.problem(x) != "" {
			t.Errorf("tamper %s: want a different canonical string", part)
		}
		if _, err := cryppo.DecryptAES(dek, x); err == nil {
			t.Errorf("tampered %s opens", part)
		}
	}
	if _, err := tamper(aes, "nonce"); err == nil {
		t.Errorf("tamper accepted an unknown part")
	}
}

func TestPEMProblems(t *testing.T) {
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: 98})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	priv, err := keys.Key(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.Public().PEM()
	if p := pemProblem(pub, "PUBLIC KEY"); p != "" {
		t.Fatalf("forge PEM: %s", p)
	}
	if p := pemProblem(priv.PEM(), "RSA PRIVATE KEY"); p != "" {
		t.Fatalf("forge private PEM: %s", p)
	}
	body := strings.Split(strings.TrimSuffix(pub, "\r\n"), "\r\n")
	joined := strings.Join(body[1:len(body)-1], "")
	var wide strings.Builder
	wide.WriteString(body[0] + "\r\n")
	for len(joined) > 76 {
		wide.WriteString(joined[:76] + "\r\n")
		joined = joined[76:]
	}
	wide.WriteString(joined + "\r\n" + body[len(body)-1] + "\r\n")
	for _, tc := range []struct {
		name, s, want string
	}{
		{"LF endings", strings.ReplaceAll(pub, "\r\n", "\n"), "CRLF"},
		{"no final CRLF", strings.TrimSuffix(pub, "\r\n"), "does not end with CRLF"},
		{"76-character lines", wide.String(), "has 76 characters, want 64"},
		{"PKCS#1 public type", strings.ReplaceAll(pub, "PUBLIC KEY", "RSA PUBLIC KEY"), "another BEGIN line"},
		{"mixed endings", strings.Replace(pub, "\r\n", "\n", 2), "line ends other than CRLF"},
	} {
		if p := pemProblem(tc.s, "PUBLIC KEY"); !strings.Contains(p, tc.want) {
			t.Errorf("%s: problem %q, want %q", tc.name, p, tc.want)
		}
	}
}

func TestPlaintextIn(t *testing.T) {
	k := testKey(t)
	enc, _ := cryppo.EncryptAES(k, []byte("Ford"))
	for _, tc := range []struct {
		body, value, want string
	}{
		{`{"note":"a Tesla Model 3 here"}`, "Tesla Model 3", "the raw body"},
		{`{"note":"{\"make\": \"Ford\", \"year\": 1967}"}`, `{"make": "Ford", "year": 1967}`, "JSON-escaped"},
		{`{"note":"Ford"}`, "Ford", `field "note"`},
		{`{"Ford":1}`, "Ford", "a JSON key"},
		{`{"v":"yes"}`, "yes", `field "v"`},
		{`{"v":"eyes"}`, "yes", ""},
		{`{"encrypted_value":"` + enc + `"}`, "Ford", ""},
		{`{"public_key":"-----BEGIN PUBLIC KEY-----\r\nFordFord\r\n"}`, "Ford", ""},
		{`{"v":"nothing"}`, "Tesla Model 3", ""},
	} {
		if got := plaintextIn([]byte(tc.body), tc.value); !strings.Contains(got, tc.want) || (tc.want == "" && got != "") {
			t.Errorf("plaintextIn(%s, %q) = %q, want %q", tc.body, tc.value, got, tc.want)
		}
	}
}

func TestListParsing(t *testing.T) {
	if got := strings.Join(splitNames("Alice, Bob and Jane"), "|"); got != "Alice|Bob|Jane" {
		t.Errorf("splitNames: %s", got)
	}
	if got := strings.Join(splitNames("Alice"), "|"); got != "Alice" {
		t.Errorf("splitNames: %s", got)
	}
	if got := strings.Join(splitQuoted(`slots "model_make", "vin" and "licence_plate"`), "|"); got != "model_make|vin|licence_plate" {
		t.Errorf("splitQuoted: %s", got)
	}
	for _, s := range []string{"no token", "a malformed token", "a logged-out token", "her old token", "their old token"} {
		if _, err := ParseTokenKind(s); err != nil {
			t.Errorf("ParseTokenKind(%q): %v", s, err)
		}
	}
	if _, err := ParseTokenKind("a token"); err == nil {
		t.Errorf("ParseTokenKind accepted an unknown token")
	}
}

func TestCompactJSONOnlyRemoves(t *testing.T) {
	in := `{"item":{"id":"x","created_at":"t","image":null,"slot_ids":[]},"slots":[{"encrypted_value":"[redacted]","name":"vin"}],"attachments":[]}`
	got := compactJSON(in)
	if got != `{"item":{"id":"x"},"slots":[{"encrypted_value":"[redacted]","name":"vin"}]}` {
		t.Errorf("compactJSON = %s", got)
	}
	if compactJSON("[12 bytes, not JSON]") != "[12 bytes, not JSON]" {
		t.Errorf("compactJSON changed a non-JSON summary")
	}
}
