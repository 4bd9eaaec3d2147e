package vaultkeys

import (
	"encoding/hex"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/srp"
)

// TestSRPVectorsFromSecret chains this package into srp the way the SDK
// does: the srp vectors' P (password_hex) must come out of
// DeriveSRPPassword(source_password, source_secret), and that P must
// reproduce the vectors' verifier and client proof.
func TestSRPVectorsFromSecret(t *testing.T) {
	_, vectors := loadVectors(t)
	for _, v := range vectors {
		t.Run(v.Note, func(t *testing.T) {
			s, err := ParseSecret(v.SourceSecret)
			if err != nil {
				t.Fatalf("ParseSecret: %v", err)
			}
			p := DeriveSRPPassword(v.SourcePassword, s)
			if got := hex.EncodeToString(p); got != v.PasswordHex {
				t.Fatalf("P=%s, want %s", got, v.PasswordHex)
			}
			salt, err := hex.DecodeString(v.SaltHex)
			if err != nil {
				t.Fatalf("bad salt in test data: %v", err)
			}
			if got := hex.EncodeToString(srp.Verifier(v.Username, p, salt)); got != v.VerifierHex {
				t.Fatalf("verifier=%s, want %s", got, v.VerifierHex)
			}
			a, _ := hex.DecodeString(v.APrivHex)
			c, err := srp.NewClient(v.Username, p, a)
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			m1, err := c.Proof(v.SaltHex, v.BHex)
			if err != nil {
				t.Fatalf("Proof: %v", err)
			}
			if m1 != v.M1Hex {
				t.Fatalf("M1=%s, want %s", m1, v.M1Hex)
			}
			if got := hex.EncodeToString(c.SessionKey()); got != v.KHex {
				t.Fatalf("K=%s, want %s", got, v.KHex)
			}
		})
	}
}
