package meeco

// Keystore request and response bodies (protocol.md §3.1), in the order of
// the sign-up flow.

// SRPUsernameRequest is the body of POST /srp/username.
type SRPUsernameRequest struct {
	CaptchaToken string `json:"captcha_token,omitempty"`
}

// SRPUsernameResponse answers POST /srp/username with a fresh username.
type SRPUsernameResponse struct {
	Username  string `json:"username"`
	ExpiresAt string `json:"expires_at"`
}

// SRPUserRequest is the body of POST /srp/users (hex salt and verifier).
type SRPUserRequest struct {
	Username    string `json:"username"`
	SRPSalt     string `json:"srp_salt"`
	SRPVerifier string `json:"srp_verifier"`
}

// KeystoreUser is a Keystore SRP user.
type KeystoreUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// SRPUserResponse answers POST /srp/users.
type SRPUserResponse struct {
	User KeystoreUser `json:"user"`
}

// SRPChallengeRequest is the body of POST /srp/challenges.
type SRPChallengeRequest struct {
	Username string `json:"username"`
	SRPA     string `json:"srp_a"`
}

// SRPChallenge is the server's half of an SRP exchange.
type SRPChallenge struct {
	ChallengeSalt string `json:"challenge_salt"`
	ChallengeB    string `json:"challenge_b"`
}

// SRPChallengeResponse answers POST /srp/challenges.
type SRPChallengeResponse struct {
	Challenge SRPChallenge `json:"challenge"`
}

// SRPSessionRequest is the body of POST /srp/session. ValidFor is in
// seconds.
type SRPSessionRequest struct {
	Username string `json:"username"`
	SRPA     string `json:"srp_a"`
	SRPM     string `json:"srp_m"`
	ValidFor *int64 `json:"valid_for,omitempty"`
}

// KeystoreSession is a Keystore session; SessionAuthenticationString is the
// Keystore token, in clear.
type KeystoreSession struct {
	ID                          string `json:"id"`
	SessionAuthenticationString string `json:"session_authentication_string"`
	ValidFrom                   string `json:"valid_from"`
	ValidTill                   string `json:"valid_till"`
	Username                    string `json:"username"`
}

// SRPSessionResponse answers POST /srp/session.
type SRPSessionResponse struct {
	Session KeystoreSession `json:"session"`
}

// ExternalAdmissionToken holds one-time tokens for the other services; the
// Vault one is consumed by POST /vault/me.
type ExternalAdmissionToken struct {
	VaultAPIAdmissionToken        string `json:"vault_api_admission_token"`
	PassphraseStoreAdmissionToken string `json:"passphrase_store_admission_token"`
}

// ExternalAdmissionTokenResponse answers GET /external_admission_tokens.
type ExternalAdmissionTokenResponse struct {
	ExternalAdmissionToken ExternalAdmissionToken `json:"external_admission_token"`
}

// KeyEncryptionKeyRequest is the body of POST /key_encryption_key: the KEK
// wrapped with the passphrase-derived key (Aes256Gcm).
type KeyEncryptionKeyRequest struct {
	SerializedKeyEncryptionKey string `json:"serialized_key_encryption_key"`
}

// KeyEncryptionKey is a stored, wrapped KEK.
type KeyEncryptionKey struct {
	ID                         string `json:"id"`
	SerializedKeyEncryptionKey string `json:"serialized_key_encryption_key"`
}

// KeyEncryptionKeyResponse answers POST and GET /key_encryption_key.
type KeyEncryptionKeyResponse struct {
	KeyEncryptionKey KeyEncryptionKey `json:"key_encryption_key"`
}

// DataEncryptionKeyRequest is the body of POST /data_encryption_keys: a DEK
// wrapped with the KEK (Aes256Gcm).
type DataEncryptionKeyRequest struct {
	SerializedDataEncryptionKey string `json:"serialized_data_encryption_key"`
}

// DataEncryptionKey is a stored, wrapped DEK.
type DataEncryptionKey struct {
	ID                          string `json:"id"`
	SerializedDataEncryptionKey string `json:"serialized_data_encryption_key"`
}

// DataEncryptionKeyResponse answers POST /data_encryption_keys and
// GET /data_encryption_keys/{id}.
type DataEncryptionKeyResponse struct {
	DataEncryptionKey DataEncryptionKey `json:"data_encryption_key"`
}

// KeypairRequest is the body of POST /keypairs: a public key PEM and the
// private key PEM wrapped with the KEK.
type KeypairRequest struct {
	PublicKey              string         `json:"public_key"`
	EncryptedSerializedKey string         `json:"encrypted_serialized_key"`
	Metadata               map[string]any `json:"metadata,omitempty"`
	ExternalIdentifiers    []string       `json:"external_identifiers,omitempty"`
}

// Keypair is a stored keypair. Its ID is what Vault records call
// keypair_external_id.
type Keypair struct {
	ID                     string         `json:"id"`
	PublicKey              string         `json:"public_key"`
	EncryptedSerializedKey string         `json:"encrypted_serialized_key"`
	Metadata               map[string]any `json:"metadata"`
	ExternalIdentifiers    []string       `json:"external_identifiers"`
}

// KeypairResponse answers POST /keypairs and both keypair GETs.
type KeypairResponse struct {
	Keypair Keypair `json:"keypair"`
}
