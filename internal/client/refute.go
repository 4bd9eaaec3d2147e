package client

import (
	"fmt"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// Crypto checks for steps: decrypt a stored ciphertext with a chosen key
// (what a server keeps must decrypt to what the owner wrote), and the
// negative form (a key that must not open it does not). Both go into the
// ledger like the flows' own operations.

// DecryptValue AES-decrypts a Cryppo string with key, recording it for
// auth under subject and keyName.
func (c *Client) DecryptValue(auth *AuthData, subject string, key cryppo.SymmetricKey, keyName, ciphertext string) (Value, error) {
	return c.decryptString(auth, subject, key, keyName, ciphertext)
}

// RefuteAES checks that key does not decrypt ciphertext: nil (and a
// ledger "refuse" entry) when decryption fails, ErrNotRefused when it
// succeeds.
func (c *Client) RefuteAES(auth *AuthData, subject string, key cryppo.SymmetricKey, keyName, ciphertext string) error {
	_, err := cryppo.DecryptAES(key, ciphertext)
	if err == nil {
		return fmt.Errorf("%w: %s decrypts with %s %s", ErrNotRefused, subject, keyName, key.Fingerprint())
	}
	c.cfg.Ledger.RefusedAES(auth.Actor(), subject, key, keyName, ciphertext, err)
	return nil
}

// RefuteRSA checks that priv does not decrypt an RSA ciphertext (a share
// DEK meant for someone else).
func (c *Client) RefuteRSA(auth *AuthData, subject string, priv *cryppo.PrivateKey, keyName, ciphertext string) error {
	if priv == nil {
		return fmt.Errorf("%w: no private key", ErrConfig)
	}
	_, err := cryppo.DecryptRSA(priv, ciphertext)
	if err == nil {
		return fmt.Errorf("%w: %s decrypts with %s %s", ErrNotRefused, subject, keyName, priv.Fingerprint())
	}
	c.cfg.Ledger.RefusedRSA(auth.Actor(), subject, priv, keyName, ciphertext, err)
	return nil
}
