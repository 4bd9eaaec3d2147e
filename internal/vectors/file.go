// Package vectors reads, checks and writes crypto test-vector files in the
// two schemas vaultcheck knows: meeco-crypto.json (made with Meeco's own
// JavaScript libraries; vaultcheck also writes it so others can check us) and
// cryppo-compat.json (the cross-port vectors cryppo-js tests against).
package vectors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// MeecoFile is the meeco-crypto.json schema.
type MeecoFile struct {
	Generator   string            `json:"generator"`
	SelfChecked bool              `json:"self_checked,omitempty"`
	SelfCheck   string            `json:"self_check,omitempty"`
	Label       string            `json:"label,omitempty"`
	GeneratedAt string            `json:"generated_at"`
	Conventions map[string]string `json:"conventions"`
	Cases       MeecoCases        `json:"cases"`
}

// MeecoCases holds one array per group, in the order the file lists them.
type MeecoCases struct {
	AES256GCM           []AESCase        `json:"aes256gcm"`
	AES256GCMBinary     []AESCase        `json:"aes256gcm_binary"`
	AES256GCMLegacyYAML []AESCase        `json:"aes256gcm_legacy_yaml"`
	RSA4096OAEP         []RSACase        `json:"rsa4096_oaep"`
	PBKDF2              []PBKDF2Case     `json:"pbkdf2"`
	PassphraseEncrypted []PassphraseCase `json:"passphrase_encrypted"`
	HMACSHA256          []HMACCase       `json:"hmac_sha256"`
	MeecoSecret         []SecretCase     `json:"meeco_secret"`
	SRP                 []SRPCase        `json:"srp"`
	SignRSA4096         []SignCase       `json:"sign_rsa4096"`
	PEMFormat           []PEMCase        `json:"pem_format"`
}

// AESCase is a case of the aes256gcm, aes256gcm_binary and
// aes256gcm_legacy_yaml groups.
type AESCase struct {
	Note          string  `json:"note"`
	Deterministic bool    `json:"deterministic,omitempty"`
	KeyB64        string  `json:"key_b64url"`
	IVB64         string  `json:"iv_b64url,omitempty"`
	PlaintextUTF8 *string `json:"plaintext_utf8,omitempty"`
	PlaintextB64  string  `json:"plaintext_b64url"`
	Serialized    string  `json:"serialized"`
}

// RSACase is a case of rsa4096_oaep.
type RSACase struct {
	Note           string `json:"note"`
	KeypairIndex   int    `json:"keypair_index"`
	ArtifactFormat string `json:"artifact_format"`
	PrivateKeyPEM  string `json:"private_key_pem"`
	PublicKeyPEM   string `json:"public_key_pem"`
	PlaintextB64   string `json:"plaintext_b64url"`
	Serialized     string `json:"serialized"`
}

// PBKDF2Case is a case of pbkdf2.
type PBKDF2Case struct {
	Note                 string `json:"note"`
	PassphraseUTF8       string `json:"passphrase_utf8"`
	SaltB64              string `json:"salt_b64url"`
	Iterations           int    `json:"iterations"`
	Length               int    `json:"length"`
	Hash                 string `json:"hash"`
	KeyB64               string `json:"key_b64url"`
	DerivationSerialized string `json:"derivation_serialized"`
}

// PassphraseCase is a case of passphrase_encrypted.
type PassphraseCase struct {
	Note           string `json:"note"`
	ArtifactFormat string `json:"artifact_format"`
	Passphrase     string `json:"passphrase"`
	PlaintextUTF8  string `json:"plaintext_utf8"`
	Serialized     string `json:"serialized"`
}

// HMACCase is a case of hmac_sha256. Message is a JS string; the hash is
// over node-forge's byte model of it, not its UTF-8.
type HMACCase struct {
	Note    string `json:"note"`
	KeyB64  string `json:"key_b64url"`
	Message string `json:"message"`
	Hex     string `json:"hex"`
}

// SecretCase is a case of meeco_secret.
type SecretCase struct {
	Note           string `json:"note"`
	Username       string `json:"username"`
	Password       string `json:"password"`
	Secret         string `json:"secret"`
	SecretKeyBytes string `json:"secret_key_bytes_b64url"`
	PDKB64         string `json:"pdk_b64url"`
	SRPDerivedB64  string `json:"srp_derived_b64url"`
	SRPPasswordHex string `json:"srp_password_hex"`
}

// SRPCase is a case of srp: a full jsrp exchange with fixed a, b and salt.
type SRPCase struct {
	Note           string `json:"note"`
	Username       string `json:"username"`
	SourcePassword string `json:"source_password,omitempty"`
	SourceSecret   string `json:"source_secret,omitempty"`
	PasswordHex    string `json:"password_hex"`
	SaltHex        string `json:"salt_hex"`
	AHexSecret     string `json:"a_hex"`
	BHexSecret     string `json:"b_hex"`
	VerifierHex    string `json:"verifier_hex"`
	AHex           string `json:"A_hex"`
	BHex           string `json:"B_hex"`
	KHex           string `json:"k_hex"`
	UHex           string `json:"u_hex"`
	SHex           string `json:"S_hex"`
	SessionKeyHex  string `json:"K_hex"`
	M1Hex          string `json:"M1_hex"`
	M2Hex          string `json:"M2_hex"`
}

// SignCase is a case of sign_rsa4096.
type SignCase struct {
	Note         string `json:"note"`
	KeypairIndex int    `json:"keypair_index"`
	PublicKeyPEM string `json:"public_key_pem"`
	DataB64      string `json:"data_b64url"`
	Serialized   string `json:"serialized"`
}

// PEMCase is a case of pem_format.
type PEMCase struct {
	Note          string `json:"note"`
	Bits          int    `json:"bits"`
	PrivateKeyPEM string `json:"private_key_pem"`
	PublicKeyPEM  string `json:"public_key_pem"`
}

// CompatFile is the cryppo-compat.json schema.
type CompatFile struct {
	EncryptionWithKey        []CompatKeyCase     `json:"encryption_with_key"`
	EncryptionWithDerivedKey []CompatDerivedCase `json:"encryption_with_derived_key"`
	Signatures               []CompatSignCase    `json:"signatures"`
}

// CompatKeyCase is a case of encryption_with_key. Key is base64 for AES and
// a PEM private key for RSA. Expected holds no lone UTF-16 surrogates (a
// test checks), so a Go string compares it exactly.
type CompatKeyCase struct {
	EncryptionStrategy string `json:"encryption_strategy"`
	Expected           string `json:"expected_decryption_result"`
	Format             string `json:"format"`
	Key                string `json:"key"`
	Serialized         string `json:"serialized"`
}

// CompatDerivedCase is a case of encryption_with_derived_key.
type CompatDerivedCase struct {
	DerivationStrategy string `json:"derivation_strategy"`
	EncryptionStrategy string `json:"encryption_strategy"`
	Expected           string `json:"expected_decryption_result"`
	Format             string `json:"format"`
	Passphrase         string `json:"passphrase"`
	Serialized         string `json:"serialized"`
}

// CompatSignCase is a case of signatures.
type CompatSignCase struct {
	PublicPEM           string `json:"public_pem"`
	SerializedSignature string `json:"serialized_signature"`
}

// ErrMalformedFile reports a vector file that is not JSON of a known schema.
var ErrMalformedFile = errors.New("malformed vector file")

// File is a loaded vector file of either schema.
type File struct {
	Path   string
	Meeco  *MeecoFile  // set for the meeco-crypto schema
	Compat *CompatFile // set for the cryppo-compat schema
}

// Load reads a vector file and detects its schema by its top-level keys.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, data)
}

// Decode parses vector-file bytes; path only names the file in errors.
func Decode(path string, data []byte) (*File, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrMalformedFile, err)
	}
	strict := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("%s: %w: %v", path, ErrMalformedFile, err)
		}
		return nil
	}
	switch {
	case top["cases"] != nil:
		var m MeecoFile
		if err := strict(&m); err != nil {
			return nil, err
		}
		return &File{Path: path, Meeco: &m}, nil
	case top["encryption_with_key"] != nil || top["encryption_with_derived_key"] != nil || top["signatures"] != nil:
		var c CompatFile
		if err := strict(&c); err != nil {
			return nil, err
		}
		return &File{Path: path, Compat: &c}, nil
	}
	return nil, fmt.Errorf("%s: %w: neither a meeco-crypto file (\"cases\") nor a cryppo-compat file (\"encryption_with_key\")", path, ErrMalformedFile)
}
