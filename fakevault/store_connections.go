package fakevault

import (
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Invitations and connections.

const maxInvitationLife = 365 * 24 * time.Hour

func checkKeyRef(prefix string, k meeco.PublicKeyRef) error {
	if err := need(prefix+"keypair_external_id", k.KeypairExternalID); err != nil {
		return err
	}
	return checkPEM(prefix+"public_key", k.PublicKey)
}

// CreateInvitation answers POST /invitations. The token is the secret the
// inviter passes to the invitee out of band.
func (s *Store) CreateInvitation(uid string, req meeco.CreateInvitationRequest) (*meeco.InvitationResponse, error) {
	if err := checkKeyRef("public_key.", req.PublicKey); err != nil {
		return nil, err
	}
	if req.Invitation.EncryptedRecipientName == "" {
		return nil, errMissing("invitation.encrypted_recipient_name")
	}
	if err := checkAES("invitation.encrypted_recipient_name", req.Invitation.EncryptedRecipientName); err != nil {
		return nil, err
	}
	multistep := false
	switch req.Invitation.MultistepWorkflow {
	case "", "false", "0":
	case "true", "1":
		multistep = true
	default:
		return nil, errInvalid("invitation.multistep_workflow", `must be "true" or "false"`)
	}
	var life time.Duration
	if req.ExpiresIn != nil {
		life = time.Duration(*req.ExpiresIn) * time.Second
		if *req.ExpiresIn <= 0 || life > maxInvitationLife {
			return nil, errInvalid("expires_in", "must be between 1 second and a year")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	inv := &invitation{id: newID(), token: newToken(), senderID: uid, state: meeco.InvitationNew,
		encryptedName: req.Invitation.EncryptedRecipientName, publicKey: req.PublicKey.PublicKey,
		keypairID: req.PublicKey.KeypairExternalID, multistep: multistep,
		senderData: req.Invitation.SenderToRecipientData, createdAt: now, seq: s.nextSeq()}
	if life > 0 {
		inv.expiresAt = now.Add(life)
	}
	s.invites[inv.id] = inv
	s.invByToken[inv.token] = inv
	return &meeco.InvitationResponse{Invitation: invitationView(inv, uid)}, nil
}

// expireInvitation marks a new invitation past its expiry as expired.
func (s *Store) expireInvitation(inv *invitation) {
	if s.has(FaultInvitationNeverExpires) {
		return
	}
	if inv.state == meeco.InvitationNew && !inv.expiresAt.IsZero() && s.now().After(inv.expiresAt) {
		inv.state = meeco.InvitationExpired
	}
}

// ListInvitations answers GET /invitations: the caller's own (sent)
// invitations, optionally of one state.
func (s *Store) ListInvitations(uid, state string, p Page) (*meeco.InvitationsResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var recs []*invitation
	for _, inv := range s.invites {
		if inv.senderID != uid {
			continue
		}
		s.expireInvitation(inv)
		if state != "" && string(inv.state) != state {
			continue
		}
		recs = append(recs, inv)
	}
	page, meta, next, err := paginate(s.f, recs, func(i *invitation) uint64 { return i.seq }, p)
	if err != nil {
		return nil, err
	}
	out := &meeco.InvitationsResponse{Invitations: []meeco.Invitation{}, Meta: meta, NextPageAfter: next}
	for _, inv := range page {
		out.Invitations = append(out.Invitations, invitationView(inv, uid))
	}
	return out, nil
}

// GetInvitation answers GET /invitations/{id-or-token}: by id for its
// sender only, by token for anyone holding the token (that is how the
// invitee reads it).
func (s *Store) GetInvitation(uid, idOrToken string) (*meeco.InvitationResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invites[idOrToken]
	if inv == nil || inv.senderID != uid {
		inv = s.invByToken[idOrToken]
	}
	if inv == nil {
		return nil, errNotFound("invitation")
	}
	s.expireInvitation(inv)
	return &meeco.InvitationResponse{Invitation: invitationView(inv, uid), ShareIntents: []any{}}, nil
}

// DeleteInvitation answers DELETE /invitations/{id}: the sender withdraws
// it. Connections made from it stay.
func (s *Store) DeleteInvitation(uid, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invites[id]
	if inv == nil || inv.senderID != uid {
		return errNotFound("invitation")
	}
	delete(s.invites, id)
	delete(s.invByToken, inv.token)
	return nil
}

// connectionBetween returns a's record of a connection with b, if any.
func (s *Store) connectionBetween(a, b string) *connection {
	for _, c := range s.userConns[a] {
		if p := s.conns[c.peerID]; p != nil && p.userID == b {
			return c
		}
	}
	return nil
}

// CreateConnection answers POST /connections: the invitee accepts an
// invitation by its token. Two records are made, one per side: each side's
// own part holds that side's public key, Keystore keypair id and the name
// it gave the other; the_other_user shows the peer's. If the two users are
// already connected, the existing record comes back with
// connection_existed_already true and nothing changes.
func (s *Store) CreateConnection(uid string, req meeco.CreateConnectionRequest) (*meeco.CreateConnectionResponse, error) {
	if err := checkKeyRef("public_key.", req.PublicKey); err != nil {
		return nil, err
	}
	if req.Connection.EncryptedRecipientName == "" {
		return nil, errMissing("connection.encrypted_recipient_name")
	}
	if err := checkAES("connection.encrypted_recipient_name", req.Connection.EncryptedRecipientName); err != nil {
		return nil, err
	}
	if req.Connection.InvitationToken == "" {
		return nil, errMissing("connection.invitation_token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := s.invByToken[req.Connection.InvitationToken]
	if inv == nil {
		return nil, errNotFound("invitation")
	}
	s.expireInvitation(inv)
	if inv.senderID == uid && !s.has(FaultInvitationSelfAccept) {
		return nil, errState("an invitation cannot be accepted by its sender")
	}
	if existing := s.connectionBetween(uid, inv.senderID); existing != nil {
		return &meeco.CreateConnectionResponse{ConnectionExistedAlready: true, Connection: s.connView(existing),
			CreatedSharesReport: []meeco.ShareBrief{}}, nil
	}
	if inv.state != meeco.InvitationNew && !(inv.state == meeco.InvitationAccepted && s.has(FaultInvitationReusable)) {
		return nil, errState("invitation is %s", inv.state)
	}
	if s.users[inv.senderID] == nil {
		return nil, errState("the inviting user no longer exists")
	}
	now := s.clock()
	mine := &connection{id: newID(), userID: uid, encryptedName: req.Connection.EncryptedRecipientName,
		publicKey: req.PublicKey.PublicKey, keypairID: req.PublicKey.KeypairExternalID, invitationID: inv.id,
		createdAt: now, seq: s.nextSeq()}
	theirs := &connection{id: newID(), userID: inv.senderID, encryptedName: inv.encryptedName,
		publicKey: inv.publicKey, keypairID: inv.keypairID, invitationID: inv.id, createdAt: now, seq: s.nextSeq()}
	mine.peerID, theirs.peerID = theirs.id, mine.id
	for _, c := range []*connection{mine, theirs} {
		s.conns[c.id] = c
		addTo(s.userConns, c.userID, c.id, c)
	}
	inv.state = meeco.InvitationAccepted
	return &meeco.CreateConnectionResponse{Connection: s.connView(mine), CreatedSharesReport: []meeco.ShareBrief{}}, nil
}

// ListConnections answers GET /connections.
func (s *Store) ListConnections(uid string, p Page) (*meeco.ConnectionsResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*connection
	for _, c := range s.userConns[uid] {
		recs = append(recs, c)
	}
	page, meta, next, err := paginate(s.f, recs, func(c *connection) uint64 { return c.seq }, p)
	if err != nil {
		return nil, err
	}
	out := &meeco.ConnectionsResponse{Connections: []meeco.Connection{}, Meta: meta, NextPageAfter: next}
	for _, c := range page {
		out.Connections = append(out.Connections, s.connView(c))
	}
	return out, nil
}

func (s *Store) ownConnection(uid, id string) (*connection, error) {
	c := s.conns[id]
	if c == nil || c.userID != uid {
		return nil, errNotFound("connection")
	}
	return c, nil
}

// GetConnection answers GET /connections/{id}.
func (s *Store) GetConnection(uid, id string) (*meeco.ConnectionResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, err := s.ownConnection(uid, id)
	if err != nil {
		return nil, err
	}
	return &meeco.ConnectionResponse{Connection: s.connView(c)}, nil
}

// DeleteConnection answers DELETE /connections/{id}: the connection ends
// for both sides. Shares already made stay (they name users, not
// connections); new ones need a new connection.
func (s *Store) DeleteConnection(uid, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.ownConnection(uid, id)
	if err != nil {
		return err
	}
	sides := []*connection{c, s.conns[c.peerID]}
	if s.has(FaultConnectionDeleteOneSided) {
		sides = sides[:1]
	}
	for _, x := range sides {
		if x != nil {
			delete(s.conns, x.id)
			delFrom(s.userConns, x.userID, x.id)
		}
	}
	return nil
}
