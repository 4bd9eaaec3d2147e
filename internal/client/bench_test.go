package client

import (
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// The benchmarks measure the client side of the flows against the
// in-process fake with fast (pre-generated) RSA keys, so they time the
// PBKDF2 derivations, SRP, AES/RSA and HTTP round trips, not key
// generation. The fake's share of the work (SRP server side, bookkeeping)
// is included.

func BenchmarkCreateUser(b *testing.B) {
	e := newEnv(b)
	e.c.cfg.Ledger = nil
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.c.Signup(e.ctx, "", "benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLogin(b *testing.B) {
	e := newEnv(b)
	e.c.cfg.Ledger = nil
	a, err := e.c.Signup(e.ctx, "", "benchmark password")
	if err != nil {
		b.Fatal(err)
	}
	secret, _ := vaultkeys.ParseSecret(a.Secret.Reveal())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.c.Login(e.ctx, "", "benchmark password", secret); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShareAndRead shares a five-slot item and reads it as the
// recipient (POST shares, then GET item, keypair, RSA and AES decrypts and
// HMAC checks).
func BenchmarkShareAndRead(b *testing.B) {
	e := newEnv(b)
	e.c.cfg.Ledger = nil
	alice, bob := e.user("Alice"), e.user("Bob")
	it := e.vehicle(alice, "v")
	conn := e.connect(alice, bob)
	b.ReportAllocs()
	for b.Loop() {
		shared, err := e.c.Share(e.ctx, alice, conn.FromConnection.Own.ID, it.ID, ShareOptions{})
		if err != nil {
			b.Fatal(err)
		}
		got, err := e.c.ReadShare(e.ctx, bob, shared.Shares[0].ID)
		if err != nil {
			b.Fatal(err)
		}
		if !got.Item.Slot("vin").Value.Equal(vehicleValues["vin"]) {
			b.Fatal("wrong value")
		}
		// Keep one share, so every iteration creates a copy afresh.
		if err := e.c.DeleteShare(e.ctx, alice, shared.Shares[0].ID); err != nil {
			b.Fatal(err)
		}
	}
}
