package srp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"testing/iotest"
)

// login runs a full exchange and returns both sides.
func login(t *testing.T, username string, regPassword, loginPassword []byte) (*Client, *Server, string, error) {
	t.Helper()
	saltHex, verifierHex, err := Register(username, regPassword, nil)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	c, err := NewClient(username, loginPassword, nil)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	s, err := NewServer(username, saltHex, verifierHex, c.AHex(), nil)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	m1, err := c.Proof(s.SaltHex(), s.BHex())
	if err != nil {
		t.Fatalf("Proof: %v", err)
	}
	m2, err := s.Verify(m1)
	return c, s, m2, err
}

func TestAgreementRandom(t *testing.T) {
	for i := range 4 {
		pw := make([]byte, 1+i*20)
		rand.Read(pw)
		user := fmt.Sprintf("user-%d-é", i)
		c, s, m2, err := login(t, user, pw, pw)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if len(c.AHex()) != 2*PadLen || len(s.BHex()) != 2*PadLen {
			t.Fatalf("len(A)=%d len(B)=%d, want %d", len(c.AHex()), len(s.BHex()), 2*PadLen)
		}
		if len(m2) != 64 {
			t.Fatalf("len(M2)=%d, want 64", len(m2))
		}
		ck, sk := c.SessionKey(), s.SessionKey()
		if len(ck) != 32 || !bytes.Equal(ck, sk) {
			t.Fatalf("session keys differ or wrong size: %d vs %d bytes", len(ck), len(sk))
		}
		if err := c.VerifyServer(m2); err != nil {
			t.Fatalf("VerifyServer: %v", err)
		}
		// SessionKey hands out copies.
		ck[0] ^= 1
		if bytes.Equal(ck, c.SessionKey()) {
			t.Fatalf("SessionKey returned internal storage")
		}
	}
}

func TestRegisterShape(t *testing.T) {
	saltHex, verifierHex, err := Register("bob", []byte("pw"), nil)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if len(saltHex) != 64 || len(verifierHex) != 512 {
		t.Fatalf("len(salt)=%d len(verifier)=%d, want 64, 512", len(saltHex), len(verifierHex))
	}
	if strings.ToLower(verifierHex) != verifierHex {
		t.Fatalf("verifier not lowercase hex")
	}
	salt, _ := hex.DecodeString(saltHex)
	if got := hex.EncodeToString(Verifier("bob", []byte("pw"), salt)); got != verifierHex {
		t.Fatalf("Verifier disagrees with Register")
	}
	saltHex2, _, _ := Register("bob", []byte("pw"), nil)
	if saltHex2 == saltHex {
		t.Fatalf("two registrations drew the same salt")
	}
	if _, _, err := Register("bob", []byte("pw"), iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Fatalf("Register with a failing reader succeeded")
	}
	if _, _, err := Register("bob", []byte("pw"), bytes.NewReader(make([]byte, 31))); err == nil {
		t.Fatalf("Register with a short reader succeeded")
	}
}

func TestWrongPassword(t *testing.T) {
	c, s, m2, err := login(t, "alice", []byte("right"), []byte("wrong"))
	if !errors.Is(err, ErrBadProof) {
		t.Fatalf("err=%v, want ErrBadProof", err)
	}
	if m2 != "" {
		t.Fatalf("M2=%q on failure, want empty", m2)
	}
	if s.SessionKey() != nil {
		t.Fatalf("server released a session key after a failed proof")
	}
	if c.SessionKey() == nil {
		t.Fatalf("client has no key after Proof")
	}
}

// TestServerLocksAfterFailure: one challenge buys one guess, so even the
// right proof is refused after a wrong one.
func TestServerLocksAfterFailure(t *testing.T) {
	saltHex, verifierHex, _ := Register("alice", []byte("pw"), nil)
	c, _ := NewClient("alice", []byte("pw"), nil)
	s, err := NewServer("alice", saltHex, verifierHex, c.AHex(), nil)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if s.SessionKey() != nil {
		t.Fatalf("server key available before Verify")
	}
	m1, _ := c.Proof(saltHex, s.BHex())
	if _, err := s.Verify(strings.Repeat("00", 32)); !errors.Is(err, ErrBadProof) {
		t.Fatalf("wrong M1: err=%v, want ErrBadProof", err)
	}
	if _, err := s.Verify(m1); !errors.Is(err, ErrBadProof) {
		t.Fatalf("right M1 after failure: err=%v, want ErrBadProof", err)
	}
	if s.SessionKey() != nil {
		t.Fatalf("key released after failure")
	}
}

func TestVerifyMalformedProof(t *testing.T) {
	saltHex, verifierHex, _ := Register("alice", []byte("pw"), nil)
	c, _ := NewClient("alice", []byte("pw"), nil)
	for _, m1 := range []string{"", "zz", "abc", strings.Repeat("ab", 31), strings.Repeat("ab", 33)} {
		s, err := NewServer("alice", saltHex, verifierHex, c.AHex(), nil)
		if err != nil {
			t.Fatalf("NewServer: %v", err)
		}
		_, err = s.Verify(m1)
		if !errors.Is(err, ErrBadProof) {
			t.Fatalf("Verify(%q): err=%v, want ErrBadProof", m1, err)
		}
	}
	s, _ := NewServer("alice", saltHex, verifierHex, c.AHex(), nil)
	if _, err := s.Verify("xyz"); !errors.Is(err, ErrBadInput) {
		t.Fatalf("Verify(bad hex): err=%v, want ErrBadInput too", err)
	}
}

func TestClientVerifyServer(t *testing.T) {
	c, _ := NewClient("alice", []byte("pw"), nil)
	if err := c.VerifyServer(strings.Repeat("00", 32)); !errors.Is(err, ErrBadInput) {
		t.Fatalf("before Proof: err=%v, want ErrBadInput", err)
	}
	saltHex, verifierHex, _ := Register("alice", []byte("pw"), nil)
	s, _ := NewServer("alice", saltHex, verifierHex, c.AHex(), nil)
	m1, _ := c.Proof(saltHex, s.BHex())
	m2, err := s.Verify(m1)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	flipped := []byte(m2)
	flipped[0] = '0'
	if m2[0] == '0' {
		flipped[0] = '1'
	}
	if err := c.VerifyServer(string(flipped)); !errors.Is(err, ErrBadProof) {
		t.Fatalf("tampered M2: err=%v, want ErrBadProof", err)
	}
	if err := c.VerifyServer("not hex"); !errors.Is(err, ErrBadProof) || !errors.Is(err, ErrBadInput) {
		t.Fatalf("bad-hex M2: err=%v, want ErrBadProof and ErrBadInput", err)
	}
	if err := c.VerifyServer(m2); err != nil {
		t.Fatalf("VerifyServer: %v", err)
	}
}

func TestBadInputs(t *testing.T) {
	saltHex, verifierHex, _ := Register("alice", []byte("pw"), nil)
	c, _ := NewClient("alice", []byte("pw"), nil)
	aHex := c.AHex()
	nHex := hex.EncodeToString(pad(groupN))
	over := "01" + strings.Repeat("00", PadLen) // 257 bytes

	serverCases := []struct {
		name              string
		salt, verifier, a string
		b                 []byte
		want              error
	}{
		{"salt odd length", "abc", verifierHex, aHex, nil, ErrBadInput},
		{"salt not hex", "zz", verifierHex, aHex, nil, ErrBadInput},
		{"verifier not hex", saltHex, "g0", aHex, nil, ErrBadInput},
		{"verifier zero", saltHex, strings.Repeat("00", PadLen), aHex, nil, ErrBadInput},
		{"verifier empty", saltHex, "", aHex, nil, ErrBadInput},
		{"verifier equals N", saltHex, nHex, aHex, nil, ErrBadInput},
		{"verifier too long", saltHex, over, aHex, nil, ErrBadInput},
		{"A not hex", saltHex, verifierHex, "0x12", nil, ErrBadInput},
		{"A odd length", saltHex, verifierHex, aHex[1:], nil, ErrBadInput},
		{"A empty", saltHex, verifierHex, "", nil, ErrBadPublicValue},
		{"A zero", saltHex, verifierHex, strings.Repeat("00", PadLen), nil, ErrBadPublicValue},
		{"A equals N", saltHex, verifierHex, nHex, nil, ErrBadPublicValue},
		{"A too long", saltHex, verifierHex, over, nil, ErrBadPublicValue},
		{"b zero", saltHex, verifierHex, aHex, make([]byte, 32), ErrBadInput},
		{"b empty", saltHex, verifierHex, aHex, []byte{}, ErrBadInput},
		{"b too long", saltHex, verifierHex, aHex, make([]byte, PadLen+1), ErrBadInput},
	}
	for _, tc := range serverCases {
		s, err := NewServer("alice", tc.salt, tc.verifier, tc.a, tc.b)
		if !errors.Is(err, tc.want) {
			t.Errorf("NewServer %s: err=%v, want %v", tc.name, err, tc.want)
		}
		if s != nil {
			t.Errorf("NewServer %s: non-nil server with error", tc.name)
		}
	}

	_, err := NewClient("alice", []byte("pw"), make([]byte, 32))
	if !errors.Is(err, ErrBadInput) {
		t.Errorf("NewClient zero a: err=%v, want ErrBadInput", err)
	}
	_, err = NewClient("alice", []byte("pw"), make([]byte, PadLen+1))
	if !errors.Is(err, ErrBadInput) {
		t.Errorf("NewClient long a: err=%v, want ErrBadInput", err)
	}

	s, _ := NewServer("alice", saltHex, verifierHex, aHex, nil)
	clientCases := []struct {
		name, salt, b string
		want          error
	}{
		{"salt not hex", "q", s.BHex(), ErrBadInput},
		{"B not hex", saltHex, "xx", ErrBadInput},
		{"B odd length", saltHex, s.BHex()[1:], ErrBadInput},
		{"B empty", saltHex, "", ErrBadPublicValue},
		{"B zero", saltHex, strings.Repeat("00", PadLen), ErrBadPublicValue},
		{"B equals N", saltHex, nHex, ErrBadPublicValue},
		{"B too long", saltHex, over, ErrBadPublicValue},
	}
	for _, tc := range clientCases {
		m1, err := c.Proof(tc.salt, tc.b)
		if !errors.Is(err, tc.want) {
			t.Errorf("Proof %s: err=%v, want %v", tc.name, err, tc.want)
		}
		if m1 != "" || c.SessionKey() != nil {
			t.Errorf("Proof %s: left a proof or key behind after failure", tc.name)
		}
	}
}

// TestErrorsCarryNoValues: an error names the field, never its content.
func TestErrorsCarryNoValues(t *testing.T) {
	secretish := strings.Repeat("c0ffee", 10) + "zz"
	_, err := NewServer("alice", secretish, secretish, secretish, nil)
	if err == nil || strings.Contains(err.Error(), "c0ffee") {
		t.Fatalf("error %q leaks its input", err)
	}
	c, _ := NewClient("alice", []byte("pw"), nil)
	_, err = c.Proof("00", secretish)
	if err == nil || strings.Contains(err.Error(), "c0ffee") {
		t.Fatalf("error %q leaks its input", err)
	}
}

func TestUZeroRejected(t *testing.T) {
	if err := checkU(new(big.Int)); !errors.Is(err, ErrBadPublicValue) {
		t.Fatalf("checkU(0)=%v, want ErrBadPublicValue", err)
	}
	if err := checkU(groupG); err != nil {
		t.Fatalf("checkU(2)=%v, want nil", err)
	}
}

// TestClientUsesBAsReceived: jsrp hashes B's bytes as sent. A server that
// drops B's leading zero byte gets a different (but still jsrp-correct)
// proof, which an honest padded server would reject.
func TestClientUsesBAsReceived(t *testing.T) {
	var v srpVector
	for _, x := range loadSRPVectors(t) {
		if strings.HasPrefix(x.BHex, "00") {
			v = x
		}
	}
	if v.BHex == "" {
		t.Fatalf("no vector with a leading zero byte in B")
	}
	c, err := NewClient(v.Username, mustHex(t, v.PasswordHex), mustHex(t, v.APrivHex))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	short := strings.TrimPrefix(v.BHex, "00")
	m1Short, err := c.Proof(v.SaltHex, short)
	if err != nil {
		t.Fatalf("Proof(short B): %v", err)
	}
	if m1Short == v.M1Hex {
		t.Fatalf("unpadded B gave the padded proof; B was re-padded")
	}
	// S does not depend on B's encoding, so K is unchanged; only u and M1 are.
	if hex.EncodeToString(c.SessionKey()) == v.KHex {
		t.Fatalf("K unchanged although u changed")
	}
	m1Upper, err := c.Proof(v.SaltHex, strings.ToUpper(v.BHex))
	if err != nil {
		t.Fatalf("Proof(upper-case B): %v", err)
	}
	if m1Upper != v.M1Hex {
		t.Fatalf("upper-case hex B: M1=%s, want %s", m1Upper, v.M1Hex)
	}
}

func TestRedaction(t *testing.T) {
	password := []byte("hunter2-password")
	a := bytes.Repeat([]byte{0x5a}, 32)
	b := bytes.Repeat([]byte{0x6b}, 32)
	saltHex, verifierHex, _ := Register("carol", password, nil)
	c, _ := NewClient("carol", password, a)
	s, _ := NewServer("carol", saltHex, verifierHex, c.AHex(), b)
	m1, _ := c.Proof(saltHex, s.BHex())
	if _, err := s.Verify(m1); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	key := c.SessionKey()
	forbidden := []string{
		string(password), hex.EncodeToString(password),
		hex.EncodeToString(a), hex.EncodeToString(b),
		hex.EncodeToString(key), hex.EncodeToString(identityHash("carol", password)),
		"5a5a5a", "6b6b6b", "90 90 90", // a, b as %d bytes
		fmt.Sprint(key[:4]), fmt.Sprint(c.sec().a),
	}
	// fmt cannot call Format through an unexported field; nothing may
	// leak that way either.
	type hidden struct {
		c *Client
		s *Server
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		for _, val := range []any{c, *c, s, *s, hidden{c, s}, &hidden{c, s}} {
			out := fmt.Sprintf(verb, val)
			_, h1 := val.(hidden)
			_, h2 := val.(*hidden)
			if !h1 && !h2 && !strings.Contains(out, "redacted") {
				t.Errorf("%s of %T = %q, want a redacted summary", verb, val, out)
			}
			for _, f := range forbidden {
				if strings.Contains(out, f) {
					t.Errorf("%s of %T leaks a secret: %q", verb, val, out)
				}
			}
		}
	}
}
