package client

import (
	"context"
	"fmt"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// This file holds the crypto steps shared by the flows. Each one does the
// operation as the SDK's models do it (SymmetricKey.encryptKey over raw key
// bytes, encryptString over UTF-8, the private key as its PEM text) and
// records it in the ledger with the key that was actually used.

// Key names used in the ledger.
const (
	keyPDK = "PDK"
	keyKEK = "KEK"
	keyDEK = "DEK"
)

func shareDEKName(shareID string) string { return "share DEK for share " + shareID }
func keypairName(id string) string       { return "keypair " + id }

// wrapKey AES-encrypts raw key bytes under wrapping.
func (c *Client) wrapKey(auth *AuthData, subject string, wrapping cryppo.SymmetricKey, wrappingName string, key []byte) (string, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoAESEncrypt)
	out, err := cryppo.EncryptAES(wrapping, key)
	t.Done(err)
	if err != nil {
		return "", fmt.Errorf("wrapping %s: %w", subject, err)
	}
	c.cfg.Ledger.WrapKey(auth.Actor(), subject, wrapping, wrappingName, key, out)
	return out, nil
}

// unwrapKey decrypts key bytes wrapped under wrapping.
func (c *Client) unwrapKey(auth *AuthData, subject string, wrapping cryppo.SymmetricKey, wrappingName, s string) ([]byte, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoAESDecrypt)
	key, err := cryppo.DecryptAES(wrapping, s)
	t.Done(err)
	if err != nil {
		return nil, fmt.Errorf("unwrapping %s with %s: %w", subject, wrappingName, err)
	}
	c.cfg.Ledger.UnwrapKey(auth.Actor(), subject, wrapping, wrappingName, s, key)
	return key, nil
}

// unwrapSymmetric unwraps a 32-byte key.
func (c *Client) unwrapSymmetric(auth *AuthData, subject string, wrapping cryppo.SymmetricKey, wrappingName, s string) (cryppo.SymmetricKey, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoAESDecrypt)
	k, err := vaultkeys.UnwrapKey(wrapping, s)
	t.Done(err)
	if err != nil {
		return cryppo.SymmetricKey{}, fmt.Errorf("unwrapping %s with %s: %w", subject, wrappingName, err)
	}
	c.cfg.Ledger.UnwrapKey(auth.Actor(), subject, wrapping, wrappingName, s, k.Bytes())
	return k, nil
}

// encryptString AES-encrypts UTF-8 text; "" yields "" (cryppo-js null).
func (c *Client) encryptString(auth *AuthData, subject string, key cryppo.SymmetricKey, keyName, text string) (string, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoAESEncrypt)
	out, err := cryppo.EncryptAES(key, []byte(text))
	t.Done(err)
	if err != nil {
		return "", fmt.Errorf("encrypting %s: %w", subject, err)
	}
	c.cfg.Ledger.EncryptData(auth.Actor(), subject, key, keyName, []byte(text), out)
	return out, nil
}

// decryptString decrypts UTF-8 text. An empty ciphertext part decrypts to
// no value, as cryppo-js returns null.
func (c *Client) decryptString(auth *AuthData, subject string, key cryppo.SymmetricKey, keyName, s string) (Value, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoAESDecrypt)
	pt, err := cryppo.DecryptAES(key, s)
	t.Done(err)
	if err != nil {
		return Value{}, fmt.Errorf("decrypting %s with %s: %w", subject, keyName, err)
	}
	c.cfg.Ledger.DecryptData(auth.Actor(), subject, key, keyName, s, pt)
	if pt == nil {
		return Value{}, nil
	}
	return NewValue(string(pt)), nil
}

// newKeypair takes a keypair from the key source.
func (c *Client) newKeypair(ctx context.Context) (*cryppo.PrivateKey, error) {
	if c.cfg.Keys == nil {
		return nil, fmt.Errorf("%w: no key source for keypairs", ErrConfig)
	}
	return c.cfg.Keys.Key(ctx)
}

// storeKeypair wraps priv's PEM under the KEK and posts it to the Keystore
// (POST /keypairs), recording the generation and the wrap under the
// keypair's Keystore id. metadata nil is omitted, as the SDK's login
// keypair does; connection keypairs send {} and [].
func (c *Client) storeKeypair(ctx context.Context, auth *AuthData, op string, priv *cryppo.PrivateKey, role string, metadata map[string]any, externalIDs []string) (*meeco.Keypair, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoAESEncrypt)
	wrapped, err := vaultkeys.WrapPrivateKey(auth.KEK, priv)
	t.Done(err)
	if err != nil {
		return nil, fmt.Errorf("wrapping private key: %w", err)
	}
	req := meeco.KeypairRequest{
		PublicKey:              priv.Public().PEM(),
		EncryptedSerializedKey: wrapped,
		Metadata:               metadata,
		ExternalIdentifiers:    externalIDs,
	}
	var out meeco.KeypairResponse
	_, err = c.call(ctx, auth, op, Keystore, HFull, "POST", meeco.KSKeypairs, nil, keypairBody(req), &out)
	subject := "keypair (" + role + ", not stored)"
	if err == nil {
		subject = keypairName(out.Keypair.ID) + " (" + role + ")"
	}
	c.cfg.Ledger.GenerateKeypair(auth.Actor(), subject, priv)
	c.cfg.Ledger.WrapPrivateKey(auth.Actor(), "private key of "+subject, auth.KEK, keyKEK, priv, wrapped)
	if err != nil {
		return nil, err
	}
	if out.Keypair.ID == "" {
		return nil, opError(op, badResponse("POST %s: keypair without id", meeco.KSKeypairs))
	}
	return &out.Keypair, nil
}

// keypairBody keeps an explicitly empty metadata object and
// external_identifiers array, which meeco.KeypairRequest's omitempty would
// drop: the SDK sends {} and [] for connection keypairs ("API will 500
// without").
func keypairBody(req meeco.KeypairRequest) any {
	if req.Metadata == nil && req.ExternalIdentifiers == nil {
		return req
	}
	body := map[string]any{
		"public_key":               req.PublicKey,
		"encrypted_serialized_key": req.EncryptedSerializedKey,
	}
	if req.Metadata != nil {
		body["metadata"] = req.Metadata
	}
	if req.ExternalIdentifiers != nil {
		body["external_identifiers"] = req.ExternalIdentifiers
	}
	return body
}

// fetchKeypair reads a keypair from the Keystore by id and decrypts its
// private key with the KEK (DecryptedKeypair.fromAPI).
func (c *Client) fetchKeypair(ctx context.Context, auth *AuthData, op, id string) (*cryppo.PrivateKey, *meeco.Keypair, error) {
	var out meeco.KeypairResponse
	if _, err := c.call(ctx, auth, op, Keystore, HFull, "GET", Path(meeco.KSKeypair, id), nil, nil, &out); err != nil {
		return nil, nil, err
	}
	priv, err := c.unwrapPrivateKey(auth, keypairName(id), out.Keypair.EncryptedSerializedKey)
	if err != nil {
		return nil, nil, opError(op, err)
	}
	return priv, &out.Keypair, nil
}

// unwrapPrivateKey decrypts a PEM private key wrapped under the KEK.
func (c *Client) unwrapPrivateKey(auth *AuthData, subject, wrapped string) (*cryppo.PrivateKey, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoAESDecrypt)
	priv, err := vaultkeys.UnwrapPrivateKey(auth.KEK, wrapped)
	t.Done(err)
	if err != nil {
		return nil, fmt.Errorf("unwrapping private key of %s with KEK: %w", subject, err)
	}
	c.cfg.Ledger.UnwrapPrivateKey(auth.Actor(), "private key of "+subject, auth.KEK, keyKEK, wrapped, priv)
	return priv, nil
}

// rsaDecryptKey RSA-decrypts a wrapped key (a share DEK).
func (c *Client) rsaDecryptKey(auth *AuthData, subject string, priv *cryppo.PrivateKey, privName, s string) (cryppo.SymmetricKey, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoRSAUnwrap)
	b, err := cryppo.DecryptRSA(priv, s)
	t.Done(err)
	if err != nil {
		return cryppo.SymmetricKey{}, fmt.Errorf("decrypting %s with %s: %w", subject, privName, err)
	}
	c.cfg.Ledger.UnwrapKeyRSA(auth.Actor(), subject, priv, privName, s, b)
	k, err := cryppo.NewSymmetricKey(b)
	if err != nil {
		return cryppo.SymmetricKey{}, fmt.Errorf("%s: %w", subject, err)
	}
	return k, nil
}
