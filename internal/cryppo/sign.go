package cryppo

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
)

// Signature is a parsed "Sign.Rsa<bits>.<b64url(sig)>.<b64url(data)>"
// string: the signed data travels with the signature.
type Signature struct {
	Bits      int
	Sig, Data []byte
}

// ParseSignature reads a signature string. The second part must be "Rsa"
// and 1 to 4 digits (the pattern cryppo-js checks); an encrypted-value
// string is ErrStrategyMismatch. Ruby cryppo accepts only Rsa4096 and data
// up to 512 bytes; cryppo-js has neither limit, and neither has this parser.
func ParseSignature(s string) (*Signature, error) {
	parts, err := splitParts(s)
	if err != nil {
		return nil, err
	}
	if parts[0] != "Sign" {
		if st := Strategy(parts[0]); st.IsAES() || st.IsRSA() {
			return nil, newError(ErrStrategyMismatch, "strategy", "an encrypted value, not a signature")
		}
		return nil, newError(ErrMalformed, "", "a signature starts with \"Sign.\"")
	}
	if len(parts) != 4 {
		return nil, newError(ErrMalformed, "", fmt.Sprintf("want 4 dot-separated parts, got %d", len(parts)))
	}
	digits, ok := strings.CutPrefix(parts[1], "Rsa")
	if !ok || len(digits) > 4 || !isDigits(digits) {
		return nil, newError(ErrUnknownStrategy, "signature strategy", nameForError(parts[1])+", want Rsa<bits>")
	}
	bits, _ := strconv.Atoi(digits) // 1 to 4 digits: cannot fail
	sig, _, err := decodeBase64(parts[2], "signature")
	if err != nil {
		return nil, err
	}
	data, _, err := decodeBase64(parts[3], "signed data")
	if err != nil {
		return nil, err
	}
	return &Signature{Bits: bits, Sig: sig, Data: data}, nil
}

// String writes the signature in its canonical form.
func (s *Signature) String() string {
	return "Sign.Rsa" + strconv.Itoa(s.Bits) + "." + EncodeBase64(s.Sig) + "." + EncodeBase64(s.Data)
}

// Sign signs data with RSASSA-PKCS1-v1_5 over SHA-256 (node-forge
// key.sign(md.sha256); Ruby PKey#sign(SHA256)) and returns
// "Sign.Rsa<bits>.<sig>.<data>". PKCS#1 v1.5 is deterministic, so the same
// key and data always give the same string.
func Sign(priv *PrivateKey, data []byte) (string, error) {
	if priv == nil || priv.k == nil {
		return "", newError(ErrKey, "private key", "no key")
	}
	bits := priv.k.N.BitLen()
	if err := checkRSABits(bits, "private key"); err != nil {
		return "", err
	}
	if len(data) > (MaxSerializedLen-4096)/4*3 {
		return "", newError(ErrTooLarge, "signed data", fmt.Sprintf("%d bytes would exceed MaxSerializedLen once serialized", len(data)))
	}
	digest := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(nil, priv.k, crypto.SHA256, digest[:])
	if err != nil {
		return "", newError(ErrKey, "private key", "RSA signing refused the key")
	}
	s := &Signature{Bits: bits, Sig: sig, Data: append([]byte(nil), data...)}
	return s.String(), nil
}

// VerifySignature checks a signature string against pub and returns the
// signed data it carries. A bad signature is ErrSignature. A string naming
// another modulus size than pub has is ErrKeySize: cryppo-js ignores the
// number, but such a string was not made by this key.
func VerifySignature(pub *PublicKey, serialized string) ([]byte, error) {
	if pub == nil || pub.k == nil {
		return nil, newError(ErrKey, "public key", "no key")
	}
	s, err := ParseSignature(serialized)
	if err != nil {
		return nil, err
	}
	if s.Bits != pub.Bits() {
		return nil, newError(ErrKeySize, "signature strategy", fmt.Sprintf("Rsa%d signature, the key has %d bits", s.Bits, pub.Bits()))
	}
	digest := sha256.Sum256(s.Data)
	if err := rsa.VerifyPKCS1v15(pub.k, crypto.SHA256, digest[:], s.Sig); err != nil {
		return nil, newError(ErrSignature, "signature", "RSASSA-PKCS1-v1_5 SHA-256 verification failed")
	}
	return s.Data, nil
}
