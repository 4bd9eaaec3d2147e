package steps

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"net/http/httptest"
)

// faultyConfig is a Config over a fake Vault with the given faults.
func faultyConfig(t *testing.T, faults ...fakevault.Fault) Config {
	t.Helper()
	srv := httptest.NewServer(fakevault.New(fakevault.WithFaults(faults...)))
	t.Cleanup(srv.Close)
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: keySeed.Add(1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keys.Close() })
	return Config{VaultURL: srv.URL + meeco.VaultPrefix, KeystoreURL: srv.URL + meeco.KeystorePrefix, Keys: keys, HTTPClient: &http.Client{}}
}

// TestRefusalShowsTheExchangeAtFault: a Keystore that takes any SRP proof
// lets a wrong password log in; the failure of "the request is refused"
// shows the POST /keystore/srp/session that wrongly succeeded, not the
// last request of the login (a GET of the Vault profile).
func TestRefusalShowsTheExchangeAtFault(t *testing.T) {
	w, err := NewWorld(faultyConfig(t, fakevault.FaultSRPProofUnchecked))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.RegisterUser(ctx, "Alice", ""); err != nil {
		t.Fatal(err)
	}
	steps := []*messages.PickleStep{
		{Id: "1", Text: `Alice logs in with the wrong password "nope"`, Type: messages.PickleStepType_ACTION},
		{Id: "2", Text: "the request is refused with status 401", Type: messages.PickleStepType_OUTCOME},
	}
	w.pickle = &messages.Pickle{Steps: steps}
	w.BeginStep(steps[0])
	if err := w.LoginWithPassword(ctx, "Alice", "nope"); err != nil {
		t.Fatalf("the action itself passes: its refusal is checked next: %v", err)
	}
	if exs := w.log.Since(w.stepMark); len(exs) < 3 || exs[len(exs)-1].Method != "GET" {
		t.Fatalf("the login's last request is not a GET: the test shows nothing")
	}
	w.BeginStep(steps[1])
	err = w.CheckRefused(401)
	var tf *TargetFailure
	if !errors.As(err, &tf) || len(tf.Exchanges) != 1 {
		t.Fatalf("want a failure with one exchange, got %v", err)
	}
	if ex := tf.Exchanges[0]; ex.Method != "POST" || ex.Path != meeco.KeystorePrefix+meeco.KSSRPSession {
		t.Errorf("the exchange shown is %s %s, want POST %s", ex.Method, ex.Path, meeco.KeystorePrefix+meeco.KSSRPSession)
	}
	// The client then fails to open the KEK with the wrong password's key:
	// the message says so, and the exchange shown is still the one at fault.
	if !strings.Contains(err.Error(), "Alice logs in with a wrong password: want a refusal with status 401, got ") {
		t.Errorf("message: %v", err)
	}
}

// TestNonCanonicalNamesThePart: a Vault that re-encodes a Cryppo string is
// told which part of it differs from what cryppo-js writes.
func TestNonCanonicalNamesThePart(t *testing.T) {
	for _, c := range []struct {
		fault fakevault.Fault
		want  string
	}{
		{fakevault.FaultKEKArtifactsReordered, "its artifact key order differs (ad, at, iv, want iv, at, ad)"},
		{fakevault.FaultShareDEKStdAlphabet, "its alphabet differs (ciphertext uses the standard base64 alphabet"},
		{fakevault.FaultDEKVersionByte, "want a Cryppo string, got cryppo: invalid artifacts in artifacts: version byte 0x4b, want 'A'"},
	} {
		t.Run(c.fault.String(), func(t *testing.T) {
			w := tamperSetup(t, faultyConfig(t, c.fault))
			err := w.CheckEncryptedFieldsCanonical(context.Background(), []string{"Alice", "Bob"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want a failure naming %q, got %v", c.want, err)
			}
		})
	}
}

// tamperSetup: Alice shares her car with Bob.
func tamperSetup(t *testing.T, cfg Config) *World {
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
			return w.CreateItem(ctx, "Alice", "vehicle", "My Car", []SlotValue{{"vin", blindVIN}})
		},
		func() error { return w.Share(ctx, "Alice", "My Car", "Bob", ShareOptions{}) },
	} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// TestKeyNamedByItsOwner: a share that names the sender's keypair is
// reported as naming Alice's keypair, not as a keypair of Bob's that does
// not open.
func TestKeyNamedByItsOwner(t *testing.T) {
	w := tamperSetupNoShare(t, faultyConfig(t, fakevault.FaultShareKeypairIDSender))
	err := w.Share(context.Background(), "Alice", "My Car", "Bob", ShareOptions{})
	if err == nil {
		err = w.CheckSharedItem(context.Background(), "Bob", "My Car", "Alice", []SlotValue{{"vin", blindVIN}})
	}
	if err == nil || !strings.Contains(err.Error(), "is Alice's, not Bob's") {
		t.Errorf("want the keypair named as Alice's, got %v", err)
	}
}

func tamperSetupNoShare(t *testing.T, cfg Config) *World {
	t.Helper()
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := w.RegisterUsers(ctx, []string{"Alice", "Bob"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Connect(ctx, "Alice", "Bob"); err != nil {
		t.Fatal(err)
	}
	if err := w.CreateItem(ctx, "Alice", "vehicle", "My Car", []SlotValue{{"vin", blindVIN}}); err != nil {
		t.Fatal(err)
	}
	return w
}
