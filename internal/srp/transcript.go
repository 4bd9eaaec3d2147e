package srp

import (
	"encoding/hex"
	"fmt"
	"math/big"
)

// Transcript is every value of one SRP exchange in the shapes the
// meeco-crypto.json vectors use: A, B, the verifier and S padded to 256
// bytes; k and u as minimal even-length hex (jsrp's bigInt toHex). It holds
// the private exponents and the session key, so it exists only to write test
// vectors and must never be logged.
type Transcript struct {
	SaltHex, SmallAHex, SmallBHex             string
	VerifierHex, AHex, BHex, KHex, UHex, SHex string
	SessionKeyHex, M1Hex, M2Hex               string
}

// Exchange runs a whole login between a Client and a Server with the given
// salt and private exponents and returns its transcript, after checking that
// both sides agree (proofs and session keys).
func Exchange(username string, password, salt, a, b []byte) (*Transcript, error) {
	saltHex := hex.EncodeToString(salt)
	verifier := Verifier(username, password, salt)
	c, err := NewClient(username, password, a)
	if err != nil {
		return nil, err
	}
	s, err := NewServer(username, saltHex, hex.EncodeToString(verifier), c.AHex(), b)
	if err != nil {
		return nil, err
	}
	m1, err := c.Proof(saltHex, s.BHex())
	if err != nil {
		return nil, err
	}
	m2, err := s.Verify(m1)
	if err != nil {
		return nil, err
	}
	if err := c.VerifyServer(m2); err != nil {
		return nil, err
	}
	u, err := computeU(c.pubA, s.pubB)
	if err != nil {
		return nil, err
	}
	aInt := new(big.Int).SetBytes(c.pubA)
	bInt := new(big.Int).SetBytes(b)
	v := new(big.Int).SetBytes(verifier)
	sValue := pad(serverS(aInt, v, u, bInt))
	if hex.EncodeToString(hashBytes(sValue)) != hex.EncodeToString(c.SessionKey()) {
		return nil, fmt.Errorf("srp: transcript S does not give the session key: %w", ErrBadInput)
	}
	return &Transcript{
		SaltHex: saltHex, SmallAHex: hex.EncodeToString(a), SmallBHex: hex.EncodeToString(b),
		VerifierHex: hex.EncodeToString(verifier), AHex: c.AHex(), BHex: s.BHex(),
		KHex: minimalHex(groupK), UHex: minimalHex(u), SHex: hex.EncodeToString(sValue),
		SessionKeyHex: hex.EncodeToString(c.SessionKey()), M1Hex: m1, M2Hex: m2,
	}, nil
}
