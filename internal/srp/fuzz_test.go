package srp

import (
	"encoding/hex"
	"errors"
	"testing"
)

// FuzzServer feeds arbitrary registration records, client values and
// proofs to the server side. It must never panic, must fail only with the
// package's typed errors, and must never accept a proof it did not expect.
// The committed seed corpus (testdata/fuzz/FuzzServer) holds the jsrp
// vector exchanges, so the fuzzer starts from the success path.
func FuzzServer(f *testing.F) {
	f.Add("alice", "ab", "02", "03", []byte{1}, "00")
	f.Add("", "", "", "", []byte(nil), "")
	f.Fuzz(func(t *testing.T, username, saltHex, verifierHex, aHex string, b []byte, m1Hex string) {
		s, err := NewServer(username, saltHex, verifierHex, aHex, b)
		if err != nil {
			if !errors.Is(err, ErrBadInput) && !errors.Is(err, ErrBadPublicValue) {
				t.Fatalf("NewServer: untyped error %v", err)
			}
			if s != nil {
				t.Fatalf("NewServer returned a server with an error")
			}
			return
		}
		if got := len(s.BHex()); got != 2*PadLen {
			t.Fatalf("len(BHex)=%d, want %d", got, 2*PadLen)
		}
		if s.SessionKey() != nil {
			t.Fatalf("key before Verify")
		}
		m2, err := s.Verify(m1Hex)
		if err != nil {
			if !errors.Is(err, ErrBadProof) {
				t.Fatalf("Verify: error %v does not wrap ErrBadProof", err)
			}
			if m2 != "" || s.SessionKey() != nil {
				t.Fatalf("Verify failed but released M2 or K")
			}
			return
		}
		// Accepted: the proof must be the one the server computed.
		got, _ := hex.DecodeString(m1Hex)
		if hex.EncodeToString(got) != hex.EncodeToString(s.sec().m1) {
			t.Fatalf("accepted a proof that differs from the expected M1")
		}
		if len(m2) != 64 || len(s.SessionKey()) != 32 {
			t.Fatalf("accepted but len(M2)=%d len(K)=%d", len(m2), len(s.SessionKey()))
		}
	})
}

// FuzzClientProof feeds arbitrary challenges to the client side: no panic,
// only typed errors, and a successful Proof always yields a 32-byte key.
func FuzzClientProof(f *testing.F) {
	f.Add([]byte{0x11}, "ab", "02")
	f.Add([]byte{0x11}, "", "")
	f.Fuzz(func(t *testing.T, a []byte, saltHex, bHex string) {
		c, err := NewClient("fuzz", []byte("pw"), a)
		if err != nil {
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("NewClient: untyped error %v", err)
			}
			return
		}
		m1, err := c.Proof(saltHex, bHex)
		if err != nil {
			if !errors.Is(err, ErrBadInput) && !errors.Is(err, ErrBadPublicValue) {
				t.Fatalf("Proof: untyped error %v", err)
			}
			if c.SessionKey() != nil {
				t.Fatalf("key kept after a failed Proof")
			}
			return
		}
		if len(m1) != 64 || len(c.SessionKey()) != 32 {
			t.Fatalf("len(M1)=%d len(K)=%d", len(m1), len(c.SessionKey()))
		}
	})
}
