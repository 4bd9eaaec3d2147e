package srp

import (
	"encoding/hex"
	"testing"
)

// TestExchangeReproducesVectors checks Exchange against the jsrp-made
// vectors: every transcript field must match for the same inputs.
func TestExchangeReproducesVectors(t *testing.T) {
	for _, c := range loadSRPVectors(t) {
		password, _ := hex.DecodeString(c.PasswordHex)
		salt, _ := hex.DecodeString(c.SaltHex)
		a, _ := hex.DecodeString(c.APrivHex)
		b, _ := hex.DecodeString(c.BPrivHex)
		tr, err := Exchange(c.Username, password, salt, a, b)
		if err != nil {
			t.Fatalf("%s: %v", c.Note, err)
		}
		for _, f := range []struct{ name, got, want string }{
			{"verifier", tr.VerifierHex, c.VerifierHex}, {"A", tr.AHex, c.AHex}, {"B", tr.BHex, c.BHex},
			{"k", tr.KHex, c.KMultHex}, {"u", tr.UHex, c.UHex}, {"S", tr.SHex, c.SHex},
			{"K", tr.SessionKeyHex, c.KHex}, {"M1", tr.M1Hex, c.M1Hex}, {"M2", tr.M2Hex, c.M2Hex},
		} {
			if f.got != f.want {
				t.Errorf("%s: %s = %.16s…, want %.16s…", c.Note, f.name, f.got, f.want)
			}
		}
	}
}
