package vaultkeys

import (
	"fmt"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// PDK returns the passphrase-derived key as a cryppo key: the AES key that
// wraps the KEK.
func PDK(password string, s Secret) (cryppo.SymmetricKey, error) {
	b := DerivePDK(password, s)
	if b == nil {
		return cryppo.SymmetricKey{}, fmt.Errorf("vaultkeys: deriving the passphrase-derived key failed")
	}
	return cryppo.NewSymmetricKey(b)
}

// WrapKey encrypts a symmetric key's raw bytes under another, as the SDK's
// encryptKey does: the KEK under the PDK, a DEK under the KEK. The result is
// an Aes256Gcm Cryppo string.
func WrapKey(wrapping, key cryppo.SymmetricKey) (string, error) {
	return cryppo.EncryptAES(wrapping, key.Bytes())
}

// UnwrapKey reverses WrapKey. A string that decrypts to anything but 32
// bytes is cryppo.ErrKeySize: it was not a wrapped key.
func UnwrapKey(wrapping cryppo.SymmetricKey, serialized string) (cryppo.SymmetricKey, error) {
	b, err := cryppo.DecryptAES(wrapping, serialized)
	if err != nil {
		return cryppo.SymmetricKey{}, err
	}
	return cryppo.NewSymmetricKey(b)
}

// WrapPrivateKey encrypts a keypair's private half for the Keystore's
// encrypted_serialized_key: AES-GCM under the KEK over the UTF-8 text of the
// PKCS#1 PEM, exactly as node-forge writes it (CRLF), because that text is
// what the SDK encrypts.
func WrapPrivateKey(kek cryppo.SymmetricKey, k *cryppo.PrivateKey) (string, error) {
	return cryppo.EncryptAES(kek, []byte(k.PEM()))
}

// UnwrapPrivateKey reverses WrapPrivateKey.
func UnwrapPrivateKey(kek cryppo.SymmetricKey, serialized string) (*cryppo.PrivateKey, error) {
	pemText, err := cryppo.DecryptAES(kek, serialized)
	if err != nil {
		return nil, err
	}
	return cryppo.ParsePrivateKeyPEM(string(pemText))
}
