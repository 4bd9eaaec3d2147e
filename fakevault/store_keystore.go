package fakevault

import (
	"cmp"
	"crypto/rand"
	"errors"
	"math/big"
	"slices"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/srp"
)

// The Keystore half of the store: SRP users and sessions, admission tokens,
// the KEK, DEKs and keypairs. Keystore identities (ksUser ids) and Vault
// identities (vUser ids) are separate, as in the real services.

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// ReserveUsername answers POST /srp/username: a fresh 11-character base58
// username (the shape the real Keystore hands out), unused and reserved for
// an hour (at most maxReservations at once, oldest dropped first).
func (s *Store) ReserveUsername() (*meeco.SRPUsernameResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	s.reserved.expire(s.now())
	if s.has(FaultSRPUsernameReissued) {
		if u := s.newestKSUser(); u != nil {
			return &meeco.SRPUsernameResponse{Username: u.username, ExpiresAt: meeco.FormatTime(s.clock().Add(usernameTTL))}, nil
		}
	}
	for {
		b := make([]byte, 11)
		for i := range b {
			n, err := rand.Int(rand.Reader, big.NewInt(int64(len(base58Alphabet))))
			if err != nil {
				return nil, err
			}
			b[i] = base58Alphabet[n.Int64()]
		}
		name := string(b)
		if _, taken := s.ksByName[name]; taken {
			continue
		}
		if s.reserved.has(name) {
			continue
		}
		exp := s.clock().Add(usernameTTL)
		s.reserved.add(name, exp, maxReservations)
		return &meeco.SRPUsernameResponse{Username: name, ExpiresAt: meeco.FormatTime(exp)}, nil
	}
}

// checkUsername allows printable ASCII without '.' or spaces: the username
// is the middle part of a dot-separated secret ("1.<username>.<key>").
func checkUsername(u string) error {
	if err := need("username", u); err != nil {
		return err
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c >= 0x7f || c == '.' {
			return errInvalid("username", "may only hold printable ASCII without dots or spaces")
		}
	}
	return nil
}

// RegisterSRPUser answers POST /srp/users. A username that already has a
// verifier is username_taken (400), which the SDK treats as success.
func (s *Store) RegisterSRPUser(req meeco.SRPUserRequest) (*meeco.SRPUserResponse, error) {
	if err := checkUsername(req.Username); err != nil {
		return nil, err
	}
	if err := checkHex("srp_salt", req.SRPSalt, 1024); err != nil {
		return nil, err
	}
	if err := checkHex("srp_verifier", req.SRPVerifier, 2*srp.PadLen); err != nil {
		return nil, err
	}
	if new(big.Int).SetBytes(mustHex(req.SRPVerifier)).Sign() == 0 {
		return nil, errInvalid("srp_verifier", "must not be zero")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, taken := s.ksByName[req.Username]; taken {
		if !s.has(FaultSRPRegisterOverwrites) {
			return nil, meeco.NewError(meeco.UsernameTaken, "username is already taken")
		}
		u.saltHex, u.verifierHex = req.SRPSalt, req.SRPVerifier
		return &meeco.SRPUserResponse{User: meeco.KeystoreUser{ID: u.id, Username: u.username}}, nil
	}
	u := &ksUser{id: newID(), username: req.Username, saltHex: req.SRPSalt, verifierHex: req.SRPVerifier,
		createdAt: s.clock(), seq: s.nextSeq()}
	s.ksUsers[u.id] = u
	s.ksByName[u.username] = u
	s.reserved.release(u.username)
	return &meeco.SRPUserResponse{User: meeco.KeystoreUser{ID: u.id, Username: u.username}}, nil
}

// errLogin is the one answer to every failed login step, so that a client
// cannot tell an unknown user from a wrong password.
var errLogin = meeco.NewError(meeco.AuthenticationFailed, "login failed")

func challengeKey(username, a string) string { return username + "\x00" + a }

// CreateChallenge answers POST /srp/challenges: the server's B for the
// client's A, kept until the proof arrives (at most maxPendingPerUser per
// user, oldest dropped first). An unknown user fails like a wrong password.
func (s *Store) CreateChallenge(req meeco.SRPChallengeRequest) (*meeco.SRPChallengeResponse, error) {
	if err := checkUsername(req.Username); err != nil {
		return nil, err
	}
	if err := checkHex("srp_a", req.SRPA, 2*srp.PadLen); err != nil {
		return nil, err
	}
	s.mu.RLock()
	u := s.ksByName[req.Username]
	var salt, verifier string
	if u != nil {
		salt, verifier = u.saltHex, u.verifierHex
	}
	s.mu.RUnlock()
	if u == nil {
		return nil, errLogin
	}
	// The modular exponentiation runs outside the lock: it is the one
	// expensive step of a login.
	srv, err := srp.NewServer(req.Username, salt, verifier, req.SRPA, nil)
	switch {
	case errors.Is(err, srp.ErrBadPublicValue):
		return nil, errInvalid("srp_a", "is not an acceptable SRP public value")
	case err != nil:
		return nil, errInvalid("srp_a", "could not be used")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	now := s.clock()
	var mine []string
	for k, c := range s.challenges {
		if c.userID == u.id {
			mine = append(mine, k)
		}
	}
	if len(mine) >= maxPendingPerUser {
		slices.SortFunc(mine, func(a, b string) int { return cmp.Compare(s.challenges[a].seq, s.challenges[b].seq) })
		for _, k := range mine[:len(mine)-maxPendingPerUser+1] {
			delete(s.challenges, k)
		}
	}
	s.challenges[challengeKey(req.Username, req.SRPA)] = &ksChallenge{srv: srv, userID: u.id,
		username: u.username, expires: now.Add(challengeTTL), seq: s.nextSeq()}
	if s.has(FaultSRPWrongSalt) {
		salt = reverseString(salt)
	}
	return &meeco.SRPChallengeResponse{Challenge: meeco.SRPChallenge{ChallengeSalt: salt, ChallengeB: srv.BHex()}}, nil
}

// validFor turns an optional valid_for (seconds) into a session lifetime.
func (s *Store) validFor(v *int64) (time.Duration, error) {
	if v == nil {
		return s.ttl, nil
	}
	d := time.Duration(*v) * time.Second
	if *v <= 0 || d > maxSessionValidFor {
		return 0, errInvalid("valid_for", "must be between 1 second and 30 days")
	}
	return d, nil
}

// CreateKeystoreSession answers POST /srp/session: it checks the proof M1
// against the pending challenge for (username, A) and opens a session whose
// token is returned in clear. A challenge is used once, pass or fail.
func (s *Store) CreateKeystoreSession(req meeco.SRPSessionRequest) (*meeco.SRPSessionResponse, error) {
	if err := checkUsername(req.Username); err != nil {
		return nil, err
	}
	if err := checkHex("srp_a", req.SRPA, 2*srp.PadLen); err != nil {
		return nil, err
	}
	if err := checkHex("srp_m", req.SRPM, 128); err != nil {
		return nil, err
	}
	life, err := s.validFor(req.ValidFor)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := challengeKey(req.Username, req.SRPA)
	c := s.challenges[key]
	if c == nil || s.now().After(c.expires) {
		delete(s.challenges, key)
		return nil, errLogin
	}
	delete(s.challenges, key)
	if _, err := c.srv.Verify(req.SRPM); err != nil && !s.has(FaultSRPProofUnchecked) {
		return nil, errLogin
	}
	if s.has(FaultSRPChallengeReplay) {
		s.challenges[key] = c
	}
	now := s.clock()
	sess := &session{id: newID(), userID: c.userID, from: now, expires: now.Add(life)}
	tok := newToken()
	s.ksSessions[tok] = sess
	return &meeco.SRPSessionResponse{Session: meeco.KeystoreSession{
		ID: sess.id, SessionAuthenticationString: tok, ValidFrom: meeco.FormatTime(now),
		ValidTill: meeco.FormatTime(sess.expires), Username: c.username,
	}}, nil
}

var errUnauthorized = meeco.NewError(meeco.Unauthorized, "missing, invalid or expired access token")

// AuthKeystore resolves a Keystore token to its user id. A malformed,
// unknown, expired or logged-out token is unauthorized.
func (s *Store) AuthKeystore(token string) (string, error) {
	if !validToken(token) {
		return "", errUnauthorized
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess := s.ksSessions[token]
	if sess == nil && s.has(FaultTokensCrossService) {
		if vs := s.vSessions[token]; vs != nil && s.users[vs.userID] != nil {
			return s.users[vs.userID].ksUserID, nil
		}
	}
	if sess == nil || (s.now().After(sess.expires) && !s.has(FaultKeystoreSessionNeverExpires)) {
		return "", errUnauthorized
	}
	return sess.userID, nil
}

// DeleteKeystoreSession answers DELETE /keystore/session (logout).
func (s *Store) DeleteKeystoreSession(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ksSessions[token] == nil {
		return errUnauthorized
	}
	delete(s.ksSessions, token)
	return nil
}

// IssueAdmissionTokens answers GET /external_admission_tokens: a fresh
// one-time Vault admission token for this Keystore user (consumed by
// POST /vault/me), and a passphrase-store token the fake never checks.
func (s *Store) IssueAdmissionTokens(ksUID string) (*meeco.ExternalAdmissionTokenResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	tok := newToken()
	s.admissions[tok] = &admission{ksUserID: ksUID, expires: s.clock().Add(s.ttl)}
	return &meeco.ExternalAdmissionTokenResponse{ExternalAdmissionToken: meeco.ExternalAdmissionToken{
		VaultAPIAdmissionToken: tok, PassphraseStoreAdmissionToken: newToken(),
	}}, nil
}

// CreateKEK answers POST /key_encryption_key. A Keystore user has exactly
// one KEK: a second one is already_exists (409), because replacing it would
// orphan every DEK and keypair wrapped with the first.
func (s *Store) CreateKEK(ksUID string, req meeco.KeyEncryptionKeyRequest) (*meeco.KeyEncryptionKeyResponse, error) {
	if req.SerializedKeyEncryptionKey == "" {
		return nil, errMissing("serialized_key_encryption_key")
	}
	if err := checkAES("serialized_key_encryption_key", req.SerializedKeyEncryptionKey); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.ksUsers[ksUID]
	if u == nil {
		return nil, errUnauthorized
	}
	if u.kek != nil && !s.has(FaultKEKOverwrite) {
		return nil, meeco.NewError(meeco.AlreadyExists, "key encryption key already exists")
	}
	u.kek = &wrappedKey{id: newID(), ksUserID: ksUID, serialized: req.SerializedKeyEncryptionKey, seq: s.nextSeq()}
	return s.kekResponse(u.kek), nil
}

func (s *Store) kekResponse(k *wrappedKey) *meeco.KeyEncryptionKeyResponse {
	ser := k.serialized
	if s.has(FaultKEKArtifactsReordered) {
		ser = reencodeReversedArtifacts(ser)
	}
	return &meeco.KeyEncryptionKeyResponse{KeyEncryptionKey: meeco.KeyEncryptionKey{ID: k.id, SerializedKeyEncryptionKey: ser}}
}

// GetKEK answers GET /key_encryption_key; 404 before one was posted.
func (s *Store) GetKEK(ksUID string) (*meeco.KeyEncryptionKeyResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.ksUsers[ksUID]
	if s.has(FaultKEKOfAnotherUser) {
		u = s.newestKEKHolder()
	}
	if u == nil || u.kek == nil {
		return nil, errNotFound("key encryption key")
	}
	return s.kekResponse(u.kek), nil
}

// CreateDEK answers POST /data_encryption_keys.
func (s *Store) CreateDEK(ksUID string, req meeco.DataEncryptionKeyRequest) (*meeco.DataEncryptionKeyResponse, error) {
	if req.SerializedDataEncryptionKey == "" {
		return nil, errMissing("serialized_data_encryption_key")
	}
	if err := checkAES("serialized_data_encryption_key", req.SerializedDataEncryptionKey); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := &wrappedKey{id: newID(), ksUserID: ksUID, serialized: req.SerializedDataEncryptionKey, seq: s.nextSeq()}
	s.deks[k.id] = k
	return s.dekResponse(k), nil
}

func (s *Store) dekResponse(k *wrappedKey) *meeco.DataEncryptionKeyResponse {
	ser := k.serialized
	if s.has(FaultDEKVersionByte) {
		ser = reencodeVersion(ser, 'K')
	}
	return &meeco.DataEncryptionKeyResponse{DataEncryptionKey: meeco.DataEncryptionKey{ID: k.id, SerializedDataEncryptionKey: ser}}
}

// GetDEK answers GET /data_encryption_keys/{id}; another user's DEK is 404.
func (s *Store) GetDEK(ksUID, id string) (*meeco.DataEncryptionKeyResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k := s.deks[id]
	if k == nil || (k.ksUserID != ksUID && !s.has(FaultDEKCrossUser)) {
		return nil, errNotFound("data encryption key")
	}
	return s.dekResponse(k), nil
}

// CreateKeypair answers POST /keypairs. external_identifiers need not be
// unique: GET by external id returns the most recent keypair carrying it.
func (s *Store) CreateKeypair(ksUID string, req meeco.KeypairRequest) (*meeco.KeypairResponse, error) {
	if err := checkPEM("public_key", req.PublicKey); err != nil {
		return nil, err
	}
	if req.EncryptedSerializedKey == "" {
		return nil, errMissing("encrypted_serialized_key")
	}
	if err := checkAES("encrypted_serialized_key", req.EncryptedSerializedKey); err != nil {
		return nil, err
	}
	if len(req.ExternalIdentifiers) > 16 {
		return nil, errInvalid("external_identifiers", "may hold at most 16 identifiers")
	}
	ext := make([]string, 0, len(req.ExternalIdentifiers))
	for _, e := range req.ExternalIdentifiers {
		if err := need("external_identifiers[]", e); err != nil {
			return nil, err
		}
		ext = append(ext, e)
	}
	meta := req.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kp := &keypair{id: newID(), ksUserID: ksUID, publicKey: req.PublicKey, wrappedPriv: req.EncryptedSerializedKey,
		metadata: meta, externalIDs: ext, seq: s.nextSeq()}
	if s.has(FaultWrappedKeyTruncated) && len(kp.wrappedPriv) > 4096 {
		kp.wrappedPriv = kp.wrappedPriv[:4096]
	}
	s.keypairs[kp.id] = kp
	s.ksKeypairs[ksUID] = append(s.ksKeypairs[ksUID], kp)
	return s.keypairResponse(kp), nil
}

func (s *Store) keypairResponse(kp *keypair) *meeco.KeypairResponse {
	pub := kp.publicKey
	if s.has(FaultKeypairPEMLF) {
		pub = pemLF(pub)
	}
	return &meeco.KeypairResponse{Keypair: meeco.Keypair{ID: kp.id, PublicKey: pub,
		EncryptedSerializedKey: kp.wrappedPriv, Metadata: kp.metadata, ExternalIdentifiers: slices.Clone(kp.externalIDs)}}
}

// GetKeypair answers GET /keypairs/{id}; another user's keypair is 404.
func (s *Store) GetKeypair(ksUID, id string) (*meeco.KeypairResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	kp := s.keypairs[id]
	if kp == nil || (kp.ksUserID != ksUID && !s.has(FaultKeypairCrossUser)) {
		return nil, errNotFound("keypair")
	}
	return s.keypairResponse(kp), nil
}

// GetKeypairByExternalID answers GET /keypairs/external_id/{external_id}.
func (s *Store) GetKeypairByExternalID(ksUID, ext string) (*meeco.KeypairResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.ksKeypairs[ksUID]
	if s.has(FaultKeypairExternalIDAnyUser) {
		list = s.allKeypairs()
	}
	for i := len(list) - 1; i >= 0; i-- {
		if slices.Contains(list[i].externalIDs, ext) {
			return s.keypairResponse(list[i]), nil
		}
	}
	return nil, errNotFound("keypair")
}

// Helpers of the faults, used only when one is on.

func reverseString(v string) string {
	b := []byte(v)
	slices.Reverse(b)
	return string(b)
}

func (s *Store) newestKSUser() *ksUser {
	var best *ksUser
	for _, u := range s.ksUsers {
		if best == nil || u.seq > best.seq {
			best = u
		}
	}
	return best
}

func (s *Store) newestKEKHolder() *ksUser {
	var best *ksUser
	for _, u := range s.ksUsers {
		if u.kek != nil && (best == nil || u.kek.seq > best.kek.seq) {
			best = u
		}
	}
	return best
}

// allKeypairs returns every user's keypairs, oldest first.
func (s *Store) allKeypairs() []*keypair {
	out := make([]*keypair, 0, len(s.keypairs))
	for _, kp := range s.keypairs {
		out = append(out, kp)
	}
	slices.SortFunc(out, func(a, b *keypair) int { return cmp.Compare(a.seq, b.seq) })
	return out
}
