package vaultkeys

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// pemWrappedByKEK is the meeco-crypto.json case in which cryppo-js wrapped
// an RSA private key PEM with a KEK, as the SDK stores keypairs.
func pemWrappedByKEK(t *testing.T) (kek cryppo.SymmetricKey, serialized, pemText string) {
	t.Helper()
	data, err := os.ReadFile(vectorsPath(t))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases struct {
			AES []struct {
				Note, Serialized string
				Key              string `json:"key_b64url"`
				Plaintext        string `json:"plaintext_utf8"`
			} `json:"aes256gcm"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cases.AES {
		if strings.Contains(c.Plaintext, "BEGIN RSA PRIVATE KEY") {
			k, err := cryppo.SymmetricKeyFromBase64(c.Key)
			if err != nil {
				t.Fatal(err)
			}
			return k, c.Serialized, c.Plaintext
		}
	}
	t.Fatal("no wrapped private key PEM case in the vectors")
	return
}

func TestUnwrapPrivateKeyWrappedByCryppoJS(t *testing.T) {
	kek, serialized, pemText := pemWrappedByKEK(t)
	k, err := UnwrapPrivateKey(kek, serialized)
	if err != nil {
		t.Fatal(err)
	}
	if k.PEM() != pemText {
		t.Fatal("re-encoded PEM differs from the one cryppo-js wrapped")
	}
	again, err := WrapPrivateKey(kek, k)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnwrapPrivateKey(kek, again)
	if err != nil || !back.Public().Equal(k.Public()) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := UnwrapPrivateKey(cryppo.GenerateSymmetricKey(), serialized); !errors.Is(err, cryppo.ErrDecrypt) {
		t.Fatalf("wrong KEK: err = %v, want ErrDecrypt", err)
	}
}

func TestWrapKeyHierarchy(t *testing.T) {
	s, err := ParseSecret("1.alice_username.52Y2w7-NXvFk4-zUsVGX-aq3ai8-xBVNV8-FX7aME-2Vpz2t-H")
	if err != nil {
		t.Fatal(err)
	}
	pdk, err := PDK("supersecretpassword", s)
	if err != nil {
		t.Fatal(err)
	}
	if got := pdk.Base64(); got != "yYYyv97EUih2W5ztZOnrdfOTMePGOKxDCyCOhdO8r7Q=" {
		t.Fatalf("PDK = %s, want the protocol.md 2.2 vector", pdk)
	}
	kek, dek := cryppo.GenerateSymmetricKey(), cryppo.GenerateSymmetricKey()
	wrappedKEK, err := WrapKey(pdk, kek)
	if err != nil {
		t.Fatal(err)
	}
	wrappedDEK, err := WrapKey(kek, dek)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{wrappedKEK, wrappedDEK} {
		if !strings.HasPrefix(w, "Aes256Gcm.") {
			t.Fatalf("wrapped key %q is not an Aes256Gcm Cryppo string", w)
		}
	}
	if got, err := UnwrapKey(pdk, wrappedKEK); err != nil || !got.Equal(kek) {
		t.Fatalf("unwrap KEK: %v", err)
	}
	if got, err := UnwrapKey(kek, wrappedDEK); err != nil || !got.Equal(dek) {
		t.Fatalf("unwrap DEK: %v", err)
	}
	if _, err := UnwrapKey(dek, wrappedDEK); !errors.Is(err, cryppo.ErrDecrypt) {
		t.Fatalf("unwrap under the wrong key: err = %v, want ErrDecrypt", err)
	}
	notAKey, _ := cryppo.EncryptAES(kek, []byte("sixteen byte str"))
	if _, err := UnwrapKey(kek, notAKey); !errors.Is(err, cryppo.ErrKeySize) {
		t.Fatalf("unwrap of a 16-byte plaintext: err = %v, want ErrKeySize", err)
	}
}
