package steps

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	tampering "github.com/vaultcheck/vaultcheck/internal/tamper"
)

// tamperScenario: Alice shares her car with Bob, changes a value and
// re-keys the share, and Bob logs in again.
func tamperScenario(t *testing.T, cfg Config) *World {
	t.Helper()
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, f := range []func() error{
		func() error { return w.RegisterUsers(ctx, []string{"Alice", "Bob"}) },
		func() error { return w.Connect(ctx, "Alice", "Bob") },
		func() error {
			return w.CreateItem(ctx, "Alice", "vehicle", "My Car", []SlotValue{{"vin", blindVIN}, {"model_make", "Tesla Model 3"}})
		},
		func() error { return w.Share(ctx, "Alice", "My Car", "Bob", ShareOptions{}) },
		func() error { return w.ChangeSlot(ctx, "Alice", "vin", "My Car", "1HGCM82633A004352") },
		func() error { return w.UpdateShares(ctx, "Alice", "My Car") },
		func() error { return w.Login(ctx, "Bob") },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestTamperMatrixPasses(t *testing.T) {
	w := tamperScenario(t, newConfig(t, nil))
	ctx := context.Background()
	if err := w.CheckTamperMatrixShare(ctx, "My Car", "Bob"); err != nil {
		t.Error(err)
	}
	for _, k := range []TamperedKey{TamperKEK, TamperDEK, TamperPrivateKeys, TamperSessionToken} {
		if err := w.CheckTamperMatrixKey(ctx, "Alice", k); err != nil && k != TamperSessionToken {
			t.Errorf("%s: %v", k, err)
		}
		if err := w.CheckTamperMatrixKey(ctx, "Bob", k); err != nil {
			t.Errorf("Bob's %s: %v", k, err)
		}
	}
}

// skipsHMAC is a client option that skips the value verification hash.
type skipsHMAC struct{ tampering.Reader }

func (skipsHMAC) VerifyHash([]byte, string, string) error { return nil }

// noTag opens AES-GCM without authenticating it (AES-CTR from the GCM
// counter), and takes any strategy name and alphabet.
type noTag struct{ tampering.Reader }

func (noTag) OpenAES(key cryppo.SymmetricKey, s string) ([]byte, error) {
	e, err := cryppo.Parse(s)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key.Bytes())
	if err != nil || len(e.Artifacts.IV) != 12 {
		return nil, errors.New("cannot")
	}
	ctr := make([]byte, 16)
	copy(ctr, e.Artifacts.IV)
	ctr[15] = 2
	out := make([]byte, len(e.Ciphertext))
	cipher.NewCTR(block, ctr).XORKeyStream(out, e.Ciphertext)
	return out, nil
}

// TestTamperMatrixCatchesFaultyClients: a client that skips the hash, and
// one that does not authenticate AES-GCM, fail the matrix with the
// variants that slipped through, under the requirement they break.
func TestTamperMatrixCatchesFaultyClients(t *testing.T) {
	cfg := newConfig(t, nil)
	cfg.Reader = skipsHMAC{tampering.Strict}
	w := tamperScenario(t, cfg)
	err := w.Seal(w.CheckTamperMatrixShare(context.Background(), "My Car", "Bob"))
	var tf *TargetFailure
	if !errors.As(err, &tf) || tf.Requirement() != "CRYPPO-HMAC-01" {
		t.Fatalf("a client that skips the hash: %v", err)
	}
	for _, want := range []string{`tampered verification hash of slot "`, `(hash: first hex digit changed): want "client: value verification hash mismatch", got accepted`,
		"tampered variants slipped through:\n", "hash of another value"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("failure lacks %q:\n%s", want, err)
		}
	}
	for _, s := range worldSecrets(w) {
		if len(s) >= minScrub && strings.Contains(err.Error(), s) {
			t.Errorf("the failure shows a secret")
		}
	}

	w.cfg.Reader = noTag{tampering.Strict}
	err = w.CheckTamperMatrixKey(context.Background(), "Alice", TamperKEK)
	if !errors.As(err, &tf) || tf.Requirement() != "CRYPPO-ART-01" || !strings.Contains(err.Error(), `tampered Alice's key encryption key (ciphertext: first bit flipped): want "decryption failed", got accepted`) {
		t.Fatalf("a client that does not authenticate: %v", err)
	}
	err = w.CheckTamperMatrixShare(context.Background(), "My Car", "Bob")
	if !errors.As(err, &tf) || tf.Requirement() != "CRYPPO-ART-01" || !strings.Contains(err.Error(), `tampered value of slot "model_make" of the share of "My Car" to Bob (ciphertext: first bit flipped)`) {
		t.Fatalf("share: %v", err)
	}
}
