package vectors

import (
	"bytes"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/srp"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// Verify checks every case of a loaded file with vaultcheck's own
// implementation. Reasons name what differed, never the secret values.
func Verify(f *File) *Report {
	r := &Report{Path: f.Path}
	if m := f.Meeco; m != nil {
		c := m.Cases
		aesNote := func(c AESCase) string { return c.Note }
		r.Groups = append(r.Groups,
			check("aes256gcm", c.AES256GCM, aesNote, verifyAES),
			check("aes256gcm_binary", c.AES256GCMBinary, aesNote, verifyAES),
			check("aes256gcm_legacy_yaml", c.AES256GCMLegacyYAML, aesNote, verifyAES),
			check("rsa4096_oaep", c.RSA4096OAEP, func(c RSACase) string { return c.Note }, verifyRSA),
			check("pbkdf2", c.PBKDF2, func(c PBKDF2Case) string { return c.Note }, verifyPBKDF2),
			check("passphrase_encrypted", c.PassphraseEncrypted, func(c PassphraseCase) string { return c.Note }, verifyPassphrase),
			check("hmac_sha256", c.HMACSHA256, func(c HMACCase) string { return c.Note }, verifyHMAC),
			check("meeco_secret", c.MeecoSecret, func(c SecretCase) string { return c.Note }, verifySecret),
			check("srp", c.SRP, func(c SRPCase) string { return c.Note }, verifySRP),
			check("sign_rsa4096", c.SignRSA4096, func(c SignCase) string { return c.Note }, verifySign),
			check("pem_format", c.PEMFormat, func(c PEMCase) string { return c.Note }, verifyPEM),
		)
	}
	if c := f.Compat; c != nil {
		r.Groups = append(r.Groups,
			check("encryption_with_key", c.EncryptionWithKey, func(c CompatKeyCase) string { return c.EncryptionStrategy + " " + c.Format }, verifyCompatKey),
			check("encryption_with_derived_key", c.EncryptionWithDerivedKey, func(c CompatDerivedCase) string { return c.Format }, verifyCompatDerived),
			check("signatures", c.Signatures, func(CompatSignCase) string { return "" }, verifyCompatSign),
		)
	}
	return r
}

// errMismatch reports a computed value that differs from the vector's.
var errMismatch = errors.New("mismatch")

func mismatch(what string) error { return fmt.Errorf("%s: %w", what, errMismatch) }

func b64(field, s string) ([]byte, error) {
	b, err := cryppo.DecodeBase64(s)
	if err != nil {
		return nil, fmt.Errorf("vector field %s: %w", field, err)
	}
	return b, nil
}

func key(field, s string) (cryppo.SymmetricKey, error) {
	b, err := b64(field, s)
	if err != nil {
		return cryppo.SymmetricKey{}, err
	}
	return cryppo.NewSymmetricKey(b)
}

// canonical checks that our serializer writes back exactly what we parsed:
// the artifacts' key order, BSON types and base64 padding all match JS.
func canonical(s string) error {
	e, err := cryppo.Parse(s)
	if err != nil {
		return fmt.Errorf("parse: %w", err)
	}
	if e.Format != cryppo.FormatBSON {
		return nil // legacy YAML is read-only: we never write it
	}
	if got := e.String(); got != s {
		return mismatch("re-serialization differs from the vector (key order, types or padding)")
	}
	return nil
}

func verifyAES(c AESCase) error {
	k, err := key("key_b64url", c.KeyB64)
	if err != nil {
		return err
	}
	want, err := b64("plaintext_b64url", c.PlaintextB64)
	if err != nil {
		return err
	}
	if c.PlaintextUTF8 != nil && !bytes.Equal([]byte(*c.PlaintextUTF8), want) {
		return fmt.Errorf("vector inconsistent: plaintext_utf8 is not plaintext_b64url")
	}
	got, err := cryppo.DecryptAES(k, c.Serialized)
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	if !bytes.Equal(got, want) {
		return mismatch(fmt.Sprintf("decrypted plaintext (%d bytes, want %d)", len(got), len(want)))
	}
	if err := canonical(c.Serialized); err != nil {
		return err
	}
	if c.Deterministic {
		iv, err := b64("iv_b64url", c.IVB64)
		if err != nil {
			return err
		}
		s, err := cryppo.EncryptAESWithIV(k, iv, want)
		if err != nil {
			return fmt.Errorf("encrypt: %w", err)
		}
		if s != c.Serialized {
			return mismatch("deterministic encryption")
		}
	}
	return nil
}

func verifyRSA(c RSACase) error {
	priv, err := cryppo.ParsePrivateKeyPEM(c.PrivateKeyPEM)
	if err != nil {
		return fmt.Errorf("private_key_pem: %w", err)
	}
	if got := priv.Public().PEM(); got != c.PublicKeyPEM {
		return mismatch("public key PEM written from the private key")
	}
	want, err := b64("plaintext_b64url", c.PlaintextB64)
	if err != nil {
		return err
	}
	got, err := cryppo.DecryptRSA(priv, c.Serialized)
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	if !bytes.Equal(got, want) {
		return mismatch("decrypted plaintext")
	}
	if err := canonical(c.Serialized); err != nil {
		return err
	}
	// OAEP is randomized: the best we can do is a round trip through our
	// encryptor with the vector's key.
	s, err := cryppo.EncryptRSA(priv.Public(), want)
	if err != nil {
		return fmt.Errorf("encrypt: %w", err)
	}
	back, err := cryppo.DecryptRSA(priv, s)
	if err != nil || !bytes.Equal(back, want) {
		return fmt.Errorf("round trip through our encryptor failed: %v", err)
	}
	return nil
}

func verifyPBKDF2(c PBKDF2Case) error {
	salt, err := b64("salt_b64url", c.SaltB64)
	if err != nil {
		return err
	}
	want, err := b64("key_b64url", c.KeyB64)
	if err != nil {
		return err
	}
	if c.Hash != "" && c.Hash != "SHA256" {
		return fmt.Errorf("hash %q: %w", c.Hash, cryppo.ErrUnknownStrategy)
	}
	got := cryppo.DeriveKey(c.PassphraseUTF8, salt, c.Iterations, c.Length)
	if !bytes.Equal(got, want) {
		return mismatch("derived key")
	}
	d := &cryppo.DerivationArtifacts{Strategy: cryppo.PBKDF2HMAC, Salt: salt, Iterations: c.Iterations, Length: c.Length, Hash: c.Hash}
	if s := d.String(); s != c.DerivationSerialized {
		return mismatch("derivation artifacts serialization")
	}
	return nil
}

func verifyPassphrase(c PassphraseCase) error {
	got, err := cryppo.DecryptWithPassphrase(c.Passphrase, c.Serialized)
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	if string(got) != c.PlaintextUTF8 {
		return mismatch("decrypted plaintext")
	}
	if c.ArtifactFormat == "bson" {
		return canonical(c.Serialized)
	}
	return nil
}

func verifyHMAC(c HMACCase) error {
	k, err := b64("key_b64url", c.KeyB64)
	if err != nil {
		return err
	}
	if got := cryppo.HMACSHA256Hex(k, c.Message); got != c.Hex {
		return mismatch("hmac")
	}
	return nil
}

func verifySecret(c SecretCase) error {
	kb, err := b64("secret_key_bytes_b64url", c.SecretKeyBytes)
	if err != nil {
		return err
	}
	s, err := vaultkeys.SecretFromBytes(c.Username, kb)
	if err != nil {
		return err
	}
	if s.Reveal() != c.Secret {
		return mismatch("secret text formatted from the key bytes")
	}
	parsed, err := vaultkeys.ParseSecret(c.Secret)
	if err != nil {
		return fmt.Errorf("parse secret: %w", err)
	}
	if pk, err := parsed.KeyBytes(); err != nil || !bytes.Equal(pk, kb) {
		return mismatch("key bytes parsed from the secret")
	}
	pdk, err := b64("pdk_b64url", c.PDKB64)
	if err != nil {
		return err
	}
	if !bytes.Equal(vaultkeys.DerivePDK(c.Password, parsed), pdk) {
		return mismatch("passphrase-derived key")
	}
	srpDerived, err := b64("srp_derived_b64url", c.SRPDerivedB64)
	if err != nil {
		return err
	}
	password := vaultkeys.DeriveSRPPassword(c.Password, parsed)
	if hex.EncodeToString(password) != c.SRPPasswordHex {
		return mismatch("SRP password bytes")
	}
	if !bytes.Equal(latin1ToUTF8(srpDerived), password) {
		return mismatch("SRP password is not the UTF-8 of the Latin-1 string of srp_derived")
	}
	return nil
}

// latin1ToUTF8 is the vector's own definition of the SRP password: each
// derived byte read as a Latin-1 character, encoded as UTF-8.
func latin1ToUTF8(b []byte) []byte {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return []byte(sb.String())
}

func verifySRP(c SRPCase) error {
	password, err := hex.DecodeString(c.PasswordHex)
	if err != nil {
		return fmt.Errorf("vector field password_hex: %v", err)
	}
	if c.SourceSecret != "" {
		s, err := vaultkeys.ParseSecret(c.SourceSecret)
		if err != nil {
			return fmt.Errorf("source_secret: %w", err)
		}
		if !bytes.Equal(vaultkeys.DeriveSRPPassword(c.SourcePassword, s), password) {
			return mismatch("SRP password derived from source_password and source_secret")
		}
	}
	salt, err := hex.DecodeString(c.SaltHex)
	if err != nil {
		return fmt.Errorf("vector field salt_hex: %v", err)
	}
	if got := hex.EncodeToString(srp.Verifier(c.Username, password, salt)); got != c.VerifierHex {
		return mismatch("verifier")
	}
	a, err := hex.DecodeString(c.AHexSecret)
	if err != nil {
		return fmt.Errorf("vector field a_hex: %v", err)
	}
	b, err := hex.DecodeString(c.BHexSecret)
	if err != nil {
		return fmt.Errorf("vector field b_hex: %v", err)
	}
	client, err := srp.NewClient(c.Username, password, a)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if client.AHex() != c.AHex {
		return mismatch("A")
	}
	server, err := srp.NewServer(c.Username, c.SaltHex, c.VerifierHex, c.AHex, b)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if server.BHex() != c.BHex {
		return mismatch("B")
	}
	m1, err := client.Proof(c.SaltHex, c.BHex)
	if err != nil {
		return fmt.Errorf("client proof: %w", err)
	}
	if m1 != c.M1Hex {
		return mismatch("M1")
	}
	if hex.EncodeToString(client.SessionKey()) != c.SessionKeyHex {
		return mismatch("client session key K")
	}
	m2, err := server.Verify(m1)
	if err != nil {
		return fmt.Errorf("server verify: %w", err)
	}
	if m2 != c.M2Hex {
		return mismatch("M2")
	}
	if subtle.ConstantTimeCompare(server.SessionKey(), client.SessionKey()) != 1 {
		return mismatch("server and client session keys")
	}
	return nil
}

func verifySign(c SignCase) error {
	pub, err := cryppo.ParsePublicKeyPEM(c.PublicKeyPEM)
	if err != nil {
		return fmt.Errorf("public_key_pem: %w", err)
	}
	if pub.PEM() != c.PublicKeyPEM {
		return mismatch("public key PEM re-encoding")
	}
	want, err := b64("data_b64url", c.DataB64)
	if err != nil {
		return err
	}
	data, err := cryppo.VerifySignature(pub, c.Serialized)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if !bytes.Equal(data, want) {
		return mismatch("signed data")
	}
	sig, err := cryppo.ParseSignature(c.Serialized)
	if err != nil {
		return err
	}
	if sig.String() != c.Serialized {
		return mismatch("signature re-serialization")
	}
	return nil
}

func verifyPEM(c PEMCase) error {
	priv, err := cryppo.ParsePrivateKeyPEM(c.PrivateKeyPEM)
	if err != nil {
		return fmt.Errorf("private_key_pem: %w", err)
	}
	if got := priv.Public().Bits(); got != c.Bits {
		return mismatch(fmt.Sprintf("modulus size %d bits, want %d", got, c.Bits))
	}
	if priv.PEM() != c.PrivateKeyPEM {
		return mismatch("private key PEM as node-forge writes it")
	}
	if priv.Public().PEM() != c.PublicKeyPEM {
		return mismatch("public key PEM as node-forge writes it")
	}
	pub, err := cryppo.ParsePublicKeyPEM(c.PublicKeyPEM)
	if err != nil {
		return fmt.Errorf("public_key_pem: %w", err)
	}
	if !pub.Equal(priv.Public()) {
		return mismatch("public key does not belong to the private key")
	}
	return nil
}

func verifyCompatKey(c CompatKeyCase) error {
	var (
		got []byte
		err error
	)
	switch c.EncryptionStrategy {
	case string(cryppo.AES256GCM):
		k, kerr := key("key", c.Key)
		if kerr != nil {
			return kerr
		}
		got, err = cryppo.DecryptAES(k, c.Serialized)
	case string(cryppo.RSA4096):
		priv, kerr := cryppo.ParsePrivateKeyPEM(c.Key)
		if kerr != nil {
			return fmt.Errorf("key: %w", kerr)
		}
		got, err = cryppo.DecryptRSA(priv, c.Serialized)
	default:
		return fmt.Errorf("encryption_strategy %q: %w", c.EncryptionStrategy, cryppo.ErrUnknownStrategy)
	}
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	if string(got) != c.Expected {
		return mismatch("decrypted plaintext")
	}
	return nil
}

func verifyCompatDerived(c CompatDerivedCase) error {
	got, err := cryppo.DecryptWithPassphrase(c.Passphrase, c.Serialized)
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	if string(got) != c.Expected {
		return mismatch("decrypted plaintext")
	}
	return nil
}

func verifyCompatSign(c CompatSignCase) error {
	pub, err := cryppo.ParsePublicKeyPEM(c.PublicPEM)
	if err != nil {
		return fmt.Errorf("public_pem: %w", err)
	}
	if _, err := cryppo.VerifySignature(pub, c.SerializedSignature); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	return nil
}
