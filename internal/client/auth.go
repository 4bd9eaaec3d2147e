package client

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// sealed holds a secret where fmt cannot reach it: fmt prints an
// unexported struct field by reflection, bypassing String and Format, but a
// func value only ever prints as an address.
type sealed[T any] func() T

func seal[T any](v T) sealed[T] { return func() T { return v } }

func (s sealed[T]) get() T {
	var zero T
	if s == nil {
		return zero
	}
	return s()
}

// Token is a session token of the Vault or the Keystore. It prints as
// "Token(sha256:…)" so tokens can be compared in logs without being shown;
// Reveal returns the raw string for the Authorization header or an auth
// file.
type Token struct {
	s sealed[string]
}

// NewToken wraps a raw token string.
func NewToken(raw string) Token { return Token{s: seal(raw)} }

// Reveal returns the raw token.
func (t Token) Reveal() string { return t.s.get() }

// IsZero reports an empty token.
func (t Token) IsZero() bool { return t.Reveal() == "" }

// Fingerprint names the token without revealing it.
func (t Token) Fingerprint() string {
	if t.IsZero() {
		return "none"
	}
	return cryppo.Fingerprint([]byte(t.Reveal()))
}

// String redacts the token.
func (t Token) String() string { return "Token(" + t.Fingerprint() + ")" }

// GoString redacts the token for %#v.
func (t Token) GoString() string { return t.String() }

// Format redacts the token for every verb.
func (t Token) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

// MarshalText refuses implicit serialization; use Reveal.
func (t Token) MarshalText() ([]byte, error) {
	return nil, fmt.Errorf("client: refusing to marshal a Token implicitly; use Reveal()")
}

// AuthData is everything a client needs to act for one user: the SDK's
// AuthData (secret, both tokens, PDK, KEK, DEK) plus what the flows learn on
// the way (login key, Vault user id, DEK id). It never prints a secret:
// String and every fmt verb show fingerprints. Fields are exported so that
// a check can deliberately mix them (another user's Vault token with one's
// own keys).
type AuthData struct {
	// Name labels the user in the ledger and in reports ("Alice"); it
	// defaults to the Keystore username. Not secret.
	Name string

	Secret        vaultkeys.Secret
	KeystoreToken Token
	VaultToken    Token
	PDK           cryppo.SymmetricKey // passphrase-derived key, wraps the KEK
	KEK           cryppo.SymmetricKey // key encryption key
	DEK           cryppo.SymmetricKey // the user's private data encryption key

	// LoginKey is the Vault login ("auth") keypair; nil after an import
	// from auth-file metadata, which does not carry it.
	LoginKey *cryppo.PrivateKey
	// LoginPublicKey is the public key PEM exactly as registered at
	// POST /me and stored in the Keystore.
	LoginPublicKey string
	// UserID is the Vault user id, DEKID the Keystore id of the DEK
	// (private_dek_external_id); empty after an import.
	UserID string
	DEKID  string
	// KeystoreUserID is the Keystore SRP user id when known.
	KeystoreUserID string
	// DelegationID is sent as Meeco-Delegation-Id (empty unless acting for
	// a delegation).
	DelegationID string
}

// Username is the Keystore username from the secret.
func (a *AuthData) Username() string {
	if a == nil {
		return ""
	}
	return a.Secret.Username()
}

// Actor is the name the ledger records for this user.
func (a *AuthData) Actor() string {
	if a == nil {
		return ""
	}
	if a.Name != "" {
		return a.Name
	}
	return a.Username()
}

// Clone returns a shallow copy (keys and tokens are immutable values), for
// building deliberately altered credentials.
func (a *AuthData) Clone() *AuthData {
	if a == nil {
		return nil
	}
	cp := *a
	return &cp
}

// String summarizes the auth data with fingerprints only.
func (a *AuthData) String() string {
	if a == nil {
		return "AuthData(nil)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "AuthData(%s user=%s secret=%s vault=%s keystore=%s kek=%s dek=%s",
		a.Actor(), a.UserID, a.Secret, a.VaultToken.Fingerprint(), a.KeystoreToken.Fingerprint(),
		a.KEK.Fingerprint(), a.DEK.Fingerprint())
	if a.LoginKey != nil {
		fmt.Fprintf(&b, " login=%s", a.LoginKey.Fingerprint())
	}
	b.WriteString(")")
	return b.String()
}

// GoString redacts for %#v.
func (a *AuthData) GoString() string { return a.String() }

// Format redacts for every verb.
func (a *AuthData) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }

// Auth-file metadata keys (protocol.md §4), sorted as the CLI writes them.
const (
	MetaDataEncryptionKey     = "data_encryption_key"
	MetaKeyEncryptionKey      = "key_encryption_key"
	MetaKeystoreAccessToken   = "keystore_access_token"
	MetaPassphraseDerivedKey  = "passphrase_derived_key"
	MetaSecret                = "secret"
	MetaVaultAccessToken      = "vault_access_token"
	MetaDelegationID          = "delegation_id"
	MetaIdentityNetworkAccess = "identity_network_access_token"
	MetaVCAccessToken         = "vc_access_token"
)

// Metadata exports the auth data as the CLI's auth-file metadata map:
// keys as padded URL-safe base64, tokens and the secret in clear. This is
// the one deliberate way secrets leave an AuthData; the map must only be
// written to the user's auth file.
func (a *AuthData) Metadata() map[string]string {
	m := map[string]string{
		MetaDataEncryptionKey:    a.DEK.Base64(),
		MetaKeyEncryptionKey:     a.KEK.Base64(),
		MetaKeystoreAccessToken:  a.KeystoreToken.Reveal(),
		MetaPassphraseDerivedKey: a.PDK.Base64(),
		MetaSecret:               a.Secret.Reveal(),
		MetaVaultAccessToken:     a.VaultToken.Reveal(),
	}
	if a.DelegationID != "" {
		m[MetaDelegationID] = a.DelegationID
	}
	return m
}

// MetadataKeys lists the keys of m in the CLI's (alphabetical) order.
func MetadataKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// AuthDataFromMetadata imports an auth file's metadata map. The six SDK
// fields are required; delegation_id is optional and the identity-network
// and VC tokens (empty for SRP users) are ignored. Errors match
// ErrBadAuthData and name the field, never its value.
func AuthDataFromMetadata(m map[string]string) (*AuthData, error) {
	for _, k := range []string{MetaDataEncryptionKey, MetaKeyEncryptionKey, MetaKeystoreAccessToken,
		MetaPassphraseDerivedKey, MetaSecret, MetaVaultAccessToken} {
		if _, ok := m[k]; !ok {
			return nil, fmt.Errorf("%w: missing %s", ErrBadAuthData, k)
		}
	}
	key := func(field string) (cryppo.SymmetricKey, error) {
		k, err := cryppo.SymmetricKeyFromBase64(m[field])
		if err != nil {
			return cryppo.SymmetricKey{}, fmt.Errorf("%w: %s is not a padded URL-safe base64 32-byte key", ErrBadAuthData, field)
		}
		return k, nil
	}
	var a AuthData
	var err error
	if a.DEK, err = key(MetaDataEncryptionKey); err != nil {
		return nil, err
	}
	if a.KEK, err = key(MetaKeyEncryptionKey); err != nil {
		return nil, err
	}
	if a.PDK, err = key(MetaPassphraseDerivedKey); err != nil {
		return nil, err
	}
	if a.Secret, err = vaultkeys.ParseSecret(m[MetaSecret]); err != nil {
		return nil, fmt.Errorf("%w: secret: %w", ErrBadAuthData, err)
	}
	a.KeystoreToken = NewToken(m[MetaKeystoreAccessToken])
	a.VaultToken = NewToken(m[MetaVaultAccessToken])
	a.DelegationID = m[MetaDelegationID]
	return &a, nil
}
