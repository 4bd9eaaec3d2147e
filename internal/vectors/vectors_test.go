package vectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/testvectors"
)

// sharedVectors is the path of a vector file made with Meeco's libraries
// (the repository's testdata/vectors).
func sharedVectors(t *testing.T, name string) string {
	t.Helper()
	return testvectors.Path(t, name)
}

func TestVerifySharedVectors(t *testing.T) {
	wantGroups := map[string]map[string]int{
		"meeco-crypto.json": {"aes256gcm": 13, "aes256gcm_binary": 5, "aes256gcm_legacy_yaml": 3, "rsa4096_oaep": 10,
			"pbkdf2": 10, "passphrase_encrypted": 10, "hmac_sha256": 10, "meeco_secret": 5, "srp": 5, "sign_rsa4096": 3, "pem_format": 2},
		"cryppo-compat.json": {"encryption_with_key": 126, "encryption_with_derived_key": 64, "signatures": 32},
	}
	for name, groups := range wantGroups {
		t.Run(name, func(t *testing.T) {
			f, err := Load(sharedVectors(t, name))
			if err != nil {
				t.Fatal(err)
			}
			r := Verify(f)
			if len(r.Groups) != len(groups) {
				t.Errorf("groups = %d, want %d", len(r.Groups), len(groups))
			}
			for _, g := range r.Groups {
				if g.Total != groups[g.Name] {
					t.Errorf("%s: %d cases, want %d (every case must be read)", g.Name, g.Total, groups[g.Name])
				}
				for _, fl := range g.Failures {
					t.Errorf("%s[%d] (%s): %v", fl.Group, fl.Index, fl.Note, fl.Reason)
				}
			}
		})
	}
}

// TestVerifyDetectsTampering makes sure Verify can fail: a flipped character
// in each group's first case must be reported for that case.
func TestVerifyDetectsTampering(t *testing.T) {
	f, err := Load(sharedVectors(t, "meeco-crypto.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := &f.Meeco.Cases
	flip := func(s string, at int) string {
		b := []byte(s)
		if b[at] == 'A' {
			b[at] = 'B'
		} else {
			b[at] = 'A'
		}
		return string(b)
	}
	c.AES256GCM[0].Serialized = flip(c.AES256GCM[0].Serialized, len("Aes256Gcm.")+1)
	c.RSA4096OAEP[0].Serialized = flip(c.RSA4096OAEP[0].Serialized, len("Rsa4096.")+10)
	c.PBKDF2[0].KeyB64 = flip(c.PBKDF2[0].KeyB64, 3)
	c.PassphraseEncrypted[0].PlaintextUTF8 += "!"
	c.HMACSHA256[0].Message += "x"
	c.MeecoSecret[0].Password += "x"
	c.SRP[0].M1Hex = strings.Repeat("0", 64)
	c.SignRSA4096[0].DataB64 = flip(c.SignRSA4096[0].DataB64, 2)
	c.PEMFormat[0].PublicKeyPEM = strings.ReplaceAll(c.PEMFormat[0].PublicKeyPEM, "\r\n", "\n")
	r := Verify(f)
	for _, g := range r.Groups {
		if g.Name == "aes256gcm_binary" || g.Name == "aes256gcm_legacy_yaml" {
			continue
		}
		if len(g.Failures) != 1 || g.Failures[0].Index != 0 {
			t.Errorf("%s: failures %v, want exactly case 0", g.Name, g.Failures)
		}
	}
}

func TestDecodeRejectsMalformedFiles(t *testing.T) {
	for name, data := range map[string]string{
		"not json":       "{",
		"unknown schema": `{"hello": []}`,
		"wrong types":    `{"cases": {"aes256gcm": "nope"}}`,
		"array":          `[1,2]`,
	} {
		if _, err := Decode(name, []byte(data)); !errors.Is(err, ErrMalformedFile) {
			t.Errorf("%s: err = %v, want ErrMalformedFile", name, err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); err == nil || errors.Is(err, ErrMalformedFile) {
		t.Errorf("missing file: err = %v, want a read error", err)
	}
}

// TestCompatExpectedHasNoLoneSurrogates backs the comparison of decrypted
// UTF-8 with Go strings: encoding/json would turn a lone surrogate escape into
// U+FFFD, so there must be none.
func TestCompatExpectedHasNoLoneSurrogates(t *testing.T) {
	data, err := os.ReadFile(sharedVectors(t, "cryppo-compat.json"))
	if err != nil {
		t.Fatal(err)
	}
	pair := regexp.MustCompile(`(?i)\\ud[89ab][0-9a-f]{2}\\ud[c-f][0-9a-f]{2}`)
	rest := pair.ReplaceAll(data, nil)
	if lone := regexp.MustCompile(`(?i)\\ud[89a-f][0-9a-f]{2}`).Find(rest); lone != nil {
		t.Fatalf("lone surrogate escape %s: compare as UTF-16 instead", lone)
	}
}

func TestGenerateRoundTrip(t *testing.T) {
	keys, err := keysource.NewFast(keysource.FastOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	m, err := Generate(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Decode("generated.json", data)
	if err != nil {
		t.Fatal(err)
	}
	r := Verify(f)
	passed, failed := r.Counts()
	if failed != 0 || passed == 0 {
		var buf bytes.Buffer
		r.Write(&buf)
		t.Fatalf("generated file: %d passed, %d failed\n%s", passed, failed, buf.String())
	}
	for _, g := range r.Groups {
		if g.Total == 0 && g.Name != "aes256gcm_legacy_yaml" {
			t.Errorf("group %s is empty", g.Name)
		}
	}
}
