package srp

import (
	"bytes"
	"testing"
)

func BenchmarkRegister(b *testing.B) {
	pw := []byte("benchmark password")
	for b.Loop() {
		if _, _, err := Register("bench", pw, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSetup returns a registered user's record and a client whose A the
// server has answered.
func benchSetup(b *testing.B) (c *Client, saltHex, verifierHex string, s *Server) {
	b.Helper()
	pw := []byte("benchmark password")
	saltHex, verifierHex, err := Register("bench", pw, nil)
	if err != nil {
		b.Fatal(err)
	}
	c, err = NewClient("bench", pw, nil)
	if err != nil {
		b.Fatal(err)
	}
	s, err = NewServer("bench", saltHex, verifierHex, c.AHex(), nil)
	if err != nil {
		b.Fatal(err)
	}
	return c, saltHex, verifierHex, s
}

// BenchmarkNewClient is the client's first step: a and A = g^a.
func BenchmarkNewClient(b *testing.B) {
	pw := []byte("benchmark password")
	for b.Loop() {
		if _, err := NewClient("bench", pw, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientProof is the client's second step: x, u, S, K and M1.
func BenchmarkClientProof(b *testing.B) {
	c, saltHex, _, s := benchSetup(b)
	bHex := s.BHex()
	for b.Loop() {
		if _, err := c.Proof(saltHex, bHex); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewServer is where the server does its modular arithmetic
// (B, u, S, K and the expected proofs).
func BenchmarkNewServer(b *testing.B) {
	c, saltHex, verifierHex, _ := benchSetup(b)
	aHex := c.AHex()
	for b.Loop() {
		if _, err := NewServer("bench", saltHex, verifierHex, aHex, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerVerify is the constant-time check of M1 alone.
func BenchmarkServerVerify(b *testing.B) {
	c, saltHex, _, s := benchSetup(b)
	m1, err := c.Proof(saltHex, s.BHex())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Verify(m1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerLogin is a whole server-side login: NewServer + Verify.
func BenchmarkServerLogin(b *testing.B) {
	c, saltHex, verifierHex, _ := benchSetup(b)
	aHex := c.AHex()
	bPriv := bytes.Repeat([]byte{0x22}, 32)
	s, _ := NewServer("bench", saltHex, verifierHex, aHex, bPriv)
	m1, _ := c.Proof(saltHex, s.BHex())
	for b.Loop() {
		s, err := NewServer("bench", saltHex, verifierHex, aHex, bPriv)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Verify(m1); err != nil {
			b.Fatal(err)
		}
	}
}
