package fakevault

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Vault users and sessions. A Vault session token is never returned in
// clear: it is RSA-OAEP encrypted to the login public key, so only the
// holder of the private key (kept in the Keystore, wrapped with the KEK) can
// use it.

// encryptToken wraps a session token for the holder of pemKey.
func encryptToken(pemKey, token string) (string, error) {
	pub, err := cryppo.ParsePublicKeyPEM(pemKey)
	if err != nil {
		return "", errInvalid("public_key", "is not an RSA public key PEM")
	}
	return cryppo.EncryptRSA(pub, []byte(token))
}

// wrapToken wraps a session token for user u, who logged in with pemKey:
// encryptToken, unless a fault of the token wrap is on. It runs outside
// the lock; others is a snapshot of the other users' login keys, newest
// first, taken only when a fault needs it.
func (s *Store) wrapToken(pemKey, token string, others []string) (string, error) {
	switch {
	case s.has(FaultSessionTokenClear):
		return token, nil
	case s.has(FaultSessionTokenWrongKey) && len(others) > 0:
		return encryptToken(others[0], token)
	case s.has(FaultSessionTokenOAEPSHA256):
		pub, err := cryppo.ParsePublicKeyPEM(pemKey)
		if err != nil {
			return "", errInvalid("public_key", "is not an RSA public key PEM")
		}
		ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub.RSA(), []byte(token), nil)
		if err != nil {
			return "", err
		}
		return (&cryppo.Encrypted{Strategy: cryppo.Strategy("Rsa" + strconv.Itoa(pub.Bits())), Ciphertext: ct}).String(), nil
	}
	return encryptToken(pemKey, token)
}

// otherLoginKeys lists the login keys of users other than u, newest first:
// what FaultSessionTokenWrongKey encrypts to.
func (s *Store) otherLoginKeys(u *vUser) []string {
	if !s.has(FaultSessionTokenWrongKey) {
		return nil
	}
	var best *vUser
	for _, o := range s.users {
		if o.publicKey != u.publicKey && (best == nil || o.seq > best.seq) {
			best = o
		}
	}
	if best == nil {
		return nil
	}
	return []string{best.publicKey}
}

// userByKeyPrefix is FaultSessionKeyPrefixMatch: the newest user whose login
// key starts like pemKey, as a lookup on a truncated index column finds.
func (s *Store) userByKeyPrefix(pemKey string) *vUser {
	const n = 64
	prefix := pemKey[:min(n, len(pemKey))]
	var best *vUser
	for _, u := range s.users {
		if strings.HasPrefix(u.publicKey, prefix) && (best == nil || u.seq > best.seq) {
			best = u
		}
	}
	return best
}

// CreateUser answers POST /me: it consumes a one-time admission token from
// the Keystore, registers the login public key exactly as sent, and opens a
// first session.
func (s *Store) CreateUser(req meeco.CreateMeRequest) (*meeco.CreateMeResponse, error) {
	if err := checkPEM("public_key", req.PublicKey); err != nil {
		return nil, err
	}
	if req.AdmissionToken == "" {
		return nil, errMissing("admission_token")
	}
	s.mu.Lock()
	adm := s.admissions[req.AdmissionToken]
	if adm == nil || s.now().After(adm.expires) {
		s.mu.Unlock()
		return nil, meeco.NewError(meeco.AuthenticationFailed, "admission token is invalid, expired or used")
	}
	if !s.has(FaultAdmissionReusable) {
		delete(s.admissions, req.AdmissionToken)
	}
	now := s.clock()
	u := &vUser{id: newID(), ksUserID: adm.ksUserID, publicKey: req.PublicKey, joinedAt: now, joined: meeco.FormatTime(now), seq: s.nextSeq()}
	if s.has(FaultMeLoginKeyLF) {
		u.publicKey = pemLF(u.publicKey)
	}
	s.encodeMe(u)
	s.users[u.id] = u
	// The most recent registration of a key wins at POST /session: test
	// key sets are small and fixed, so the same key can be registered by
	// several users over the life of a long-running fake (one per test run);
	// the newest is the one the current run just created.
	s.usersByKey[u.publicKey] = u
	tok := newToken()
	s.vSessions[tok] = &session{id: newID(), userID: u.id, from: now, expires: now.Add(s.ttl)}
	view := userView(u)
	others := s.otherLoginKeys(u)
	s.mu.Unlock()
	enc, err := s.wrapToken(req.PublicKey, tok, others)
	if err != nil {
		return nil, err
	}
	return &meeco.CreateMeResponse{EncryptedSessionAuthenticationString: enc, User: view}, nil
}

// CreateVaultSession answers POST /session: the user is found by the exact
// public key string registered at POST /me (no PEM normalisation; the SDK
// sends the same string it registered).
func (s *Store) CreateVaultSession(req meeco.VaultSessionRequest) (*meeco.VaultSessionResponse, error) {
	if req.PublicKey == "" {
		return nil, errMissing("public_key")
	}
	life, err := s.validFor(req.ValidFor)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.sweep()
	u := s.usersByKey[req.PublicKey]
	if u == nil && s.has(FaultSessionKeyPrefixMatch) {
		u = s.userByKeyPrefix(req.PublicKey)
	}
	if u == nil {
		s.mu.Unlock()
		return nil, errLogin
	}
	now := s.clock()
	tok := newToken()
	s.vSessions[tok] = &session{id: newID(), userID: u.id, from: now, expires: now.Add(life)}
	others := s.otherLoginKeys(u)
	s.mu.Unlock()
	enc, err := s.wrapToken(req.PublicKey, tok, others)
	if err != nil {
		return nil, err
	}
	return &meeco.VaultSessionResponse{Session: meeco.VaultSession{EncryptedSessionAuthenticationString: enc}}, nil
}

// AuthVault resolves a Vault token to its user id.
func (s *Store) AuthVault(token string) (string, error) {
	if !validToken(token) {
		return "", errUnauthorized
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sess := s.vSessions[token]
	if sess == nil && s.has(FaultTokensCrossService) {
		if ks := s.ksSessions[token]; ks != nil {
			if u := s.userOfKS(ks.userID); u != nil {
				return u.id, nil
			}
		}
	}
	if sess == nil || (s.now().After(sess.expires) && !s.has(FaultVaultSessionNeverExpires)) || s.users[sess.userID] == nil {
		return "", errUnauthorized
	}
	return sess.userID, nil
}

// DeleteVaultSession answers DELETE /vault/session (logout).
func (s *Store) DeleteVaultSession(token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vSessions[token] == nil {
		return errUnauthorized
	}
	if !s.has(FaultVaultLogoutIgnored) {
		delete(s.vSessions, token)
	}
	return nil
}

// userView renders a user. GET /vault/me is the route a load test hits
// most, so the join time is formatted once, when the user is made.
func userView(u *vUser) meeco.User {
	// u.joined is written once, before the record is shared: pointing at
	// it is safe after the lock is released.
	joined := &u.joined
	if u.joined == "" { // a record made without CreateUser (tests)
		joined = ptr(meeco.FormatTime(u.joinedAt))
	}
	return meeco.User{
		ID: u.id, FullName: copyPtr(u.fullName), Email: copyPtr(u.email), Country: copyPtr(u.country),
		JoinedAt: *joined, OnboardedAt: joined,
		Timezone: copyPtr(u.timezone), PrivateDEKExternalID: copyPtr(u.privateDEK), DID: copyPtr(u.did),
		AcceptedTerms: true, UserType: meeco.UserHuman,
	}
}

// GetMe answers GET /me.
func (s *Store) GetMe(uid string) (*meeco.MeResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[uid]
	if u == nil {
		return nil, errUnauthorized
	}
	return &meeco.MeResponse{User: userView(u)}, nil
}

// MeJSON is GetMe already encoded: GET /vault/me is the plain
// authenticated route load tests hammer, and its answer changes only when
// the user does, so it is encoded at each change (encodeMe) instead of at
// each read.
func (s *Store) MeJSON(uid string) (json.RawMessage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.users[uid]
	if u == nil {
		return nil, errUnauthorized
	}
	if u.me != nil {
		return u.me, nil // never written in place: encodeMe replaces it
	}
	return json.Marshal(meeco.MeResponse{User: userView(u)})
}

// encodeMe refreshes the user's encoded GET /me answer; the caller holds
// the write lock.
func (s *Store) encodeMe(u *vUser) {
	b, err := json.Marshal(meeco.MeResponse{User: userView(u)})
	if err != nil {
		u.me = nil // MeJSON encodes on each read instead
		return
	}
	u.me = b
}

// UpdateMe answers PUT /me. private_dek_external_id is an id in the
// Keystore, a separate service: the Vault stores it without checking it.
func (s *Store) UpdateMe(uid string, req meeco.UpdateMeRequest) (*meeco.MeResponse, error) {
	in := req.User
	for _, f := range []struct {
		name string
		v    *string
	}{{"user.private_dek_external_id", in.PrivateDEKExternalID}, {"user.full_name", in.FullName},
		{"user.email", in.Email}, {"user.country", in.Country}, {"user.timezone", in.Timezone}, {"user.did", in.DID}} {
		if f.v != nil {
			if err := checkText(f.name, *f.v, maxShortField); err != nil {
				return nil, err
			}
		}
	}
	if in.PrivateDEKExternalID != nil && *in.PrivateDEKExternalID == "" {
		return nil, errInvalid("user.private_dek_external_id", "must not be empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[uid]
	if u == nil {
		return nil, errUnauthorized
	}
	set := func(dst **string, v *string) {
		if v != nil {
			*dst = copyPtr(v)
		}
	}
	if !s.has(FaultMeDropsPrivateDEK) {
		set(&u.privateDEK, in.PrivateDEKExternalID)
	}
	set(&u.fullName, in.FullName)
	set(&u.email, in.Email)
	set(&u.country, in.Country)
	set(&u.timezone, in.Timezone)
	set(&u.did, in.DID)
	s.encodeMe(u)
	return &meeco.MeResponse{User: userView(u)}, nil
}

// userOfKS returns the Vault user of a Keystore user (FaultTokensCrossService).
func (s *Store) userOfKS(ksUID string) *vUser {
	for _, u := range s.users {
		if u.ksUserID == ksUID {
			return u
		}
	}
	return nil
}
