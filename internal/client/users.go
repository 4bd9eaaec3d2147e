package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	"github.com/vaultcheck/vaultcheck/internal/srp"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// GenerateUsername asks the Keystore for a fresh username
// (POST /srp/username), the first step of the CLI's users:create.
func (c *Client) GenerateUsername(ctx context.Context) (string, error) {
	const op = "generate username"
	var out meeco.SRPUsernameResponse
	if _, err := c.call(ctx, nil, op, Keystore, HLogin, "POST", meeco.KSSRPUsername, nil, meeco.SRPUsernameRequest{}, &out); err != nil {
		return "", err
	}
	if out.Username == "" {
		return "", opError(op, badResponse("POST %s: empty username", meeco.KSSRPUsername))
	}
	return out.Username, nil
}

// Signup does what the CLI's users:create does: a username from the
// Keystore, a fresh secret for it, then CreateUser. name labels the user
// in the ledger ("" for the username).
func (c *Client) Signup(ctx context.Context, name, password string) (*AuthData, error) {
	if name != "" {
		ctx = redact.WithActor(ctx, name)
	}
	username, err := c.GenerateUsername(ctx)
	if err != nil {
		return nil, err
	}
	secret, err := vaultkeys.GenerateSecret(username, c.cfg.Rand)
	if err != nil {
		return nil, opError("create user", err)
	}
	return c.CreateUser(ctx, name, password, secret)
}

// CreateUser registers a user in the SDK's order (UserService.create): SRP
// registration, SRP login, admission token, KEK, login keypair, Vault user
// (POST /me), DEK and PUT /me. A 400 username_taken from POST /srp/users
// is tolerated, as the SDK does, and the flow goes on to log in.
func (c *Client) CreateUser(ctx context.Context, name, password string, secret vaultkeys.Secret) (*AuthData, error) {
	const op = "create user"
	ctx = actingAs(ctx, name, secret)
	if c.cfg.Keys == nil {
		// Checked first: without it the flow would stop half-way, with a
		// registered but unusable user.
		return nil, &Error{Op: op, Err: fmt.Errorf("%w: no key source for the login keypair", ErrConfig)}
	}
	auth := &AuthData{Name: name, Secret: secret}
	username := secret.Username()

	// 1. SRP registration.
	t := c.cfg.Ledger.Start(ledger.CryptoPBKDF2)
	srpPassword := vaultkeys.DeriveSRPPassword(password, secret)
	t.Done(nil)
	c.cfg.Ledger.DeriveKey(auth.Actor(), "SRP password", srpPassword, "salt: secret key reversed")
	t = c.cfg.Ledger.Start(ledger.CryptoSRP)
	salt, verifier, err := srp.Register(username, srpPassword, c.cfg.Rand)
	t.Done(err)
	if err != nil {
		return nil, opError(op, err)
	}
	var reg meeco.SRPUserResponse
	_, err = c.call(ctx, nil, "register", Keystore, HLogin, "POST", meeco.KSSRPUsers, nil,
		meeco.SRPUserRequest{Username: username, SRPSalt: salt, SRPVerifier: verifier}, &reg)
	auth.KeystoreUserID = reg.User.ID
	if err != nil && !(errors.Is(err, meeco.UsernameTaken) && statusOf(err) == http.StatusBadRequest) {
		return nil, opError(op, err)
	}

	// 2. SRP login.
	if err := c.srpLogin(ctx, auth, srpPassword); err != nil {
		return nil, opError(op, err)
	}

	// 3. Admission token.
	var adm meeco.ExternalAdmissionTokenResponse
	if _, err := c.call(ctx, auth, "get admission token", Keystore, HAdmission, "GET", meeco.KSExternalAdmissionTokens, nil, nil, &adm); err != nil {
		return nil, opError(op, err)
	}

	// 4. PDK and KEK.
	t = c.cfg.Ledger.Start(ledger.CryptoPBKDF2)
	pdk, err := vaultkeys.PDK(password, secret)
	t.Done(err)
	if err != nil {
		return nil, opError(op, err)
	}
	auth.PDK = pdk
	c.cfg.Ledger.DeriveKey(auth.Actor(), keyPDK, pdk.Bytes(), "salt: secret key")
	auth.KEK = cryppo.GenerateSymmetricKey()
	c.cfg.Ledger.GenerateKey(auth.Actor(), keyKEK, auth.KEK)
	wrappedKEK, err := c.wrapKey(auth, keyKEK, auth.PDK, keyPDK, auth.KEK.Bytes())
	if err != nil {
		return nil, opError(op, err)
	}
	if _, err := c.call(ctx, auth, "store KEK", Keystore, HKEK, "POST", meeco.KSKeyEncryptionKey, nil,
		meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: wrappedKEK}, nil); err != nil {
		return nil, opError(op, err)
	}

	// 5. Login keypair.
	login, err := c.newKeypair(ctx)
	if err != nil {
		return nil, opError(op, err)
	}
	kp, err := c.storeKeypair(ctx, auth, "store login keypair", login, meeco.KeypairAuthExternalID, nil, []string{meeco.KeypairAuthExternalID})
	if err != nil {
		return nil, opError(op, err)
	}
	auth.LoginKey = login
	auth.LoginPublicKey = kp.PublicKey

	// 6. Vault user.
	var me meeco.CreateMeResponse
	if _, err := c.call(ctx, nil, "create vault user", Vault, HLogin, "POST", meeco.VMe, nil,
		meeco.CreateMeRequest{PublicKey: auth.LoginPublicKey, AdmissionToken: adm.ExternalAdmissionToken.VaultAPIAdmissionToken}, &me); err != nil {
		return nil, opError(op, err)
	}
	token, err := c.decryptToken(auth, me.EncryptedSessionAuthenticationString)
	if err != nil {
		return nil, opError(op, err)
	}
	auth.VaultToken = token
	auth.UserID = me.User.ID

	// 7. DEK.
	auth.DEK = cryppo.GenerateSymmetricKey()
	c.cfg.Ledger.GenerateKey(auth.Actor(), keyDEK, auth.DEK)
	wrappedDEK, err := c.wrapKey(auth, keyDEK, auth.KEK, keyKEK, auth.DEK.Bytes())
	if err != nil {
		return nil, opError(op, err)
	}
	var dek meeco.DataEncryptionKeyResponse
	if _, err := c.call(ctx, auth, "store DEK", Keystore, HFull, "POST", meeco.KSDataEncryptionKeys, nil,
		meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: wrappedDEK}, &dek); err != nil {
		return nil, opError(op, err)
	}
	if dek.DataEncryptionKey.ID == "" {
		return nil, opError(op, badResponse("POST %s: data encryption key without id", meeco.KSDataEncryptionKeys))
	}
	auth.DEKID = dek.DataEncryptionKey.ID
	id := auth.DEKID
	if _, err := c.call(ctx, auth, "set private DEK", Vault, HFull, "PUT", meeco.VMe, nil,
		meeco.UpdateMeRequest{User: meeco.UpdateMeUser{PrivateDEKExternalID: &id}}, nil); err != nil {
		return nil, opError(op, err)
	}
	return auth, nil
}

// Login logs in as the SDK's getAuthData does: PDK, SRP login, KEK, login
// keypair, Vault session, GET /me, DEK. A 401 from POST /srp/session
// matches ErrLoginFailed.
func (c *Client) Login(ctx context.Context, name, password string, secret vaultkeys.Secret) (*AuthData, error) {
	const op = "log in"
	ctx = actingAs(ctx, name, secret)
	auth := &AuthData{Name: name, Secret: secret}
	t := c.cfg.Ledger.Start(ledger.CryptoPBKDF2)
	pdk, err := vaultkeys.PDK(password, secret)
	t.Done(err)
	if err != nil {
		return nil, opError(op, err)
	}
	auth.PDK = pdk
	c.cfg.Ledger.DeriveKey(auth.Actor(), keyPDK, pdk.Bytes(), "salt: secret key")
	t = c.cfg.Ledger.Start(ledger.CryptoPBKDF2)
	srpPassword := vaultkeys.DeriveSRPPassword(password, secret)
	t.Done(nil)
	c.cfg.Ledger.DeriveKey(auth.Actor(), "SRP password", srpPassword, "salt: secret key reversed")
	if err := c.srpLogin(ctx, auth, srpPassword); err != nil {
		return nil, opError(op, err)
	}

	var kek meeco.KeyEncryptionKeyResponse
	if _, err := c.call(ctx, auth, "get KEK", Keystore, HKEK, "GET", meeco.KSKeyEncryptionKey, nil, nil, &kek); err != nil {
		return nil, opError(op, err)
	}
	if auth.KEK, err = c.unwrapSymmetric(auth, keyKEK, auth.PDK, keyPDK, kek.KeyEncryptionKey.SerializedKeyEncryptionKey); err != nil {
		return nil, opError(op, err)
	}

	var kp meeco.KeypairResponse
	if _, err := c.call(ctx, auth, "get login keypair", Keystore, HFull, "GET",
		Path(meeco.KSKeypairByExternalID, meeco.KeypairAuthExternalID), nil, nil, &kp); err != nil {
		return nil, opError(op, err)
	}
	login, err := c.unwrapPrivateKey(auth, keypairName(kp.Keypair.ID)+" ("+meeco.KeypairAuthExternalID+")", kp.Keypair.EncryptedSerializedKey)
	if err != nil {
		return nil, opError(op, err)
	}
	auth.LoginKey = login
	auth.LoginPublicKey = kp.Keypair.PublicKey

	if err := c.vaultSession(ctx, auth); err != nil {
		return nil, opError(op, err)
	}
	me, err := c.GetMe(ctx, auth)
	if err != nil {
		return nil, opError(op, err)
	}
	auth.UserID = me.User.ID
	if me.User.PrivateDEKExternalID == nil || *me.User.PrivateDEKExternalID == "" {
		return nil, opError(op, badResponse("GET %s: user has no private_dek_external_id", meeco.VMe))
	}
	auth.DEKID = *me.User.PrivateDEKExternalID
	var dek meeco.DataEncryptionKeyResponse
	if _, err := c.call(ctx, auth, "get DEK", Keystore, HFull, "GET", Path(meeco.KSDataEncryptionKey, auth.DEKID), nil, nil, &dek); err != nil {
		return nil, opError(op, err)
	}
	if auth.DEK, err = c.unwrapSymmetric(auth, keyDEK, auth.KEK, keyKEK, dek.DataEncryptionKey.SerializedDataEncryptionKey); err != nil {
		return nil, opError(op, err)
	}
	return auth, nil
}

// srpLogin runs POST /srp/challenges and POST /srp/session and sets the
// Keystore token.
func (c *Client) srpLogin(ctx context.Context, auth *AuthData, srpPassword []byte) error {
	username := auth.Username()
	t := c.cfg.Ledger.Start(ledger.CryptoSRP)
	sc, err := srp.NewClient(username, srpPassword, nil)
	t.Done(err)
	if err != nil {
		return err
	}
	a := sc.AHex()
	var ch meeco.SRPChallengeResponse
	if _, err := c.call(ctx, nil, "SRP challenge", Keystore, HLogin, "POST", meeco.KSSRPChallenges, nil,
		meeco.SRPChallengeRequest{Username: username, SRPA: a}, &ch); err != nil {
		return err
	}
	t = c.cfg.Ledger.Start(ledger.CryptoSRP)
	m1, err := sc.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
	t.Done(err)
	if err != nil {
		return &Error{Op: "SRP proof", Err: err}
	}
	var sess meeco.SRPSessionResponse
	if _, err := c.call(ctx, nil, "SRP session", Keystore, HLogin, "POST", meeco.KSSRPSession, nil,
		meeco.SRPSessionRequest{Username: username, SRPA: a, SRPM: m1}, &sess); err != nil {
		if statusOf(err) == http.StatusUnauthorized {
			var e *Error
			errors.As(err, &e)
			cp := *e
			cp.Err = errors.Join(ErrLoginFailed, e.Err)
			return &cp
		}
		return err
	}
	if sess.Session.SessionAuthenticationString == "" {
		return badResponse("POST %s: empty session_authentication_string", meeco.KSSRPSession)
	}
	auth.KeystoreToken = NewToken(sess.Session.SessionAuthenticationString)
	return nil
}

// vaultSession opens a Vault session with the login key (POST /session,
// no Authorization) and sets the Vault token.
func (c *Client) vaultSession(ctx context.Context, auth *AuthData) error {
	var out meeco.VaultSessionResponse
	if _, err := c.call(ctx, nil, "open vault session", Vault, HLogin, "POST", meeco.VSession, nil,
		meeco.VaultSessionRequest{PublicKey: auth.LoginPublicKey}, &out); err != nil {
		return err
	}
	token, err := c.decryptToken(auth, out.Session.EncryptedSessionAuthenticationString)
	if err != nil {
		return err
	}
	auth.VaultToken = token
	return nil
}

// decryptToken RSA-decrypts a Vault session token with the login key; the
// token's bytes are taken as a string, as the SDK's decryptToken does.
func (c *Client) decryptToken(auth *AuthData, s string) (Token, error) {
	t := c.cfg.Ledger.Start(ledger.CryptoRSAUnwrap)
	b, err := cryppo.DecryptRSA(auth.LoginKey, s)
	t.Done(err)
	if err != nil {
		return Token{}, &Error{Op: "decrypt vault session token", Err: err}
	}
	c.cfg.Ledger.DecryptRSA(auth.Actor(), "vault session token", auth.LoginKey, "keypair auth", s, b)
	if len(b) == 0 {
		return Token{}, badResponse("empty vault session token")
	}
	return NewToken(string(b)), nil
}

// GetMe reads the Vault user (GET /me).
func (c *Client) GetMe(ctx context.Context, auth *AuthData) (*meeco.MeResponse, error) {
	var out meeco.MeResponse
	if _, err := c.call(ctx, auth, "get user", Vault, HFull, "GET", meeco.VMe, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Logout ends both sessions as the SDK's deleteSessionTokens does (Vault
// DELETE /session, Keystore DELETE /session), skipping empty tokens.
func (c *Client) Logout(ctx context.Context, auth *AuthData) error {
	var errs []error
	if !auth.VaultToken.IsZero() {
		if _, err := c.call(ctx, auth, "log out of vault", Vault, HFull, "DELETE", meeco.VSession, nil, nil, nil); err != nil {
			errs = append(errs, err)
		}
	}
	if !auth.KeystoreToken.IsZero() {
		if _, err := c.call(ctx, auth, "log out of keystore", Keystore, HKeystoreSession, "DELETE", meeco.KSSession, nil, nil, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// statusOf returns the HTTP status of an *Error, 0 otherwise.
func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// actingAs attributes the requests of a flow that starts before the user
// has an AuthData (registration, login) to that user: name, or the
// secret's username.
func actingAs(ctx context.Context, name string, secret vaultkeys.Secret) context.Context {
	if name == "" {
		name = secret.Username()
	}
	return redact.WithActor(ctx, name)
}
