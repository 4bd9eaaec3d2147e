package cryppo

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
)

// maxPEMLen bounds PEM input: a 16384-bit private key is about 12 KiB of PEM.
const maxPEMLen = 64 << 10

// PEM block types, as node-forge writes them (and the SDK's RSAPublicKey /
// RSAPrivateKey wrappers require at the start of the text).
const (
	pemPublicSPKI   = "PUBLIC KEY"
	pemPublicPKCS1  = "RSA PUBLIC KEY"
	pemPrivatePKCS1 = "RSA PRIVATE KEY"
	pemPrivatePKCS8 = "PRIVATE KEY"
)

// PEM returns the key as node-forge's privateKeyToPem writes it: PKCS#1
// "-----BEGIN RSA PRIVATE KEY-----", 64-character base64 lines, CRLF line
// endings and a trailing CRLF. The SDK encrypts exactly this text (as UTF-8)
// under the KEK, so byte equality matters.
func (k *PrivateKey) PEM() string {
	return forgePEM(pemPrivatePKCS1, x509.MarshalPKCS1PrivateKey(k.k))
}

// PEM returns the key as node-forge's publicKeyToPem writes it: SPKI
// "-----BEGIN PUBLIC KEY-----", 64-character lines, CRLF. Vault and Keystore
// records compare public-key PEM strings byte for byte.
func (k *PublicKey) PEM() string {
	der, err := x509.MarshalPKIXPublicKey(k.k)
	if err != nil {
		// Only unsupported key types fail; *rsa.PublicKey never does.
		return ""
	}
	return forgePEM(pemPublicSPKI, der)
}

// forgePEM formats der the way node-forge's pem.encode does (no headers).
func forgePEM(typ string, der []byte) string {
	b64 := base64.StdEncoding.EncodeToString(der)
	var b strings.Builder
	b.Grow(len(b64) + len(b64)/32 + 2*len(typ) + 40)
	b.WriteString("-----BEGIN " + typ + "-----\r\n")
	for len(b64) > 64 {
		b.WriteString(b64[:64] + "\r\n")
		b64 = b64[64:]
	}
	if b64 != "" {
		b.WriteString(b64 + "\r\n")
	}
	b.WriteString("-----END " + typ + "-----\r\n")
	return b.String()
}

// ParsePrivateKeyPEM reads an RSA private key from PEM: PKCS#1 ("RSA
// PRIVATE KEY", what node-forge writes) or PKCS#8 ("PRIVATE KEY"), with LF
// or CRLF line endings. Encrypted PEM, trailing non-whitespace text, other
// key types and inconsistent keys fail with ErrKey; moduli outside 1024 to
// 16384 bits with ErrKeySize. Error messages never quote the text.
func ParsePrivateKeyPEM(s string) (*PrivateKey, error) {
	block, err := decodeOnePEM(s, "private key")
	if err != nil {
		return nil, err
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case pemPrivatePKCS1:
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, newError(ErrKey, "private key", "invalid PKCS#1 RSA private key")
		}
	case pemPrivatePKCS8:
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, newError(ErrKey, "private key", "invalid PKCS#8 private key")
		}
		var ok bool
		if key, ok = k.(*rsa.PrivateKey); !ok {
			return nil, newError(ErrKey, "private key", fmt.Sprintf("PKCS#8 holds a %T, want RSA", k))
		}
	default:
		return nil, newError(ErrKey, "private key", fmt.Sprintf("PEM type %q, want %q or %q", clip(block.Type), pemPrivatePKCS1, pemPrivatePKCS8))
	}
	if err := checkRSABits(key.N.BitLen(), "private key"); err != nil {
		return nil, err
	}
	return NewPrivateKey(key)
}

// ParsePublicKeyPEM reads an RSA public key from PEM: SPKI ("PUBLIC KEY",
// what node-forge writes) or PKCS#1 ("RSA PUBLIC KEY", used by some Ruby
// vectors), with LF or CRLF line endings.
func ParsePublicKeyPEM(s string) (*PublicKey, error) {
	block, err := decodeOnePEM(s, "public key")
	if err != nil {
		return nil, err
	}
	var key *rsa.PublicKey
	switch block.Type {
	case pemPublicSPKI:
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, newError(ErrKey, "public key", "invalid SPKI public key")
		}
		var ok bool
		if key, ok = k.(*rsa.PublicKey); !ok {
			return nil, newError(ErrKey, "public key", fmt.Sprintf("SPKI holds a %T, want RSA", k))
		}
	case pemPublicPKCS1:
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, newError(ErrKey, "public key", "invalid PKCS#1 RSA public key")
		}
	default:
		return nil, newError(ErrKey, "public key", fmt.Sprintf("PEM type %q, want %q or %q", clip(block.Type), pemPublicSPKI, pemPublicPKCS1))
	}
	if err := checkRSABits(key.N.BitLen(), "public key"); err != nil {
		return nil, err
	}
	return NewPublicKey(key)
}

// decodeOnePEM decodes the single PEM block s must hold.
func decodeOnePEM(s, part string) (*pem.Block, error) {
	if len(s) > maxPEMLen {
		return nil, newError(ErrTooLarge, part, fmt.Sprintf("%d bytes of PEM, limit %d", len(s), maxPEMLen))
	}
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, newError(ErrKey, part, "no PEM block found")
	}
	if len(block.Headers) != 0 {
		return nil, newError(ErrKey, part, "PEM has headers (encrypted keys are not supported)")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, newError(ErrKey, part, "text after the PEM block")
	}
	return block, nil
}
