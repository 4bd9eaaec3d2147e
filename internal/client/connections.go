package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// defaultConnectionName is what the SDK encrypts when a name is empty.
const defaultConnectionName = "New Connection"

// Connection is a connection record with its name decrypted.
type Connection struct {
	meeco.Connection
	// Name is own.encrypted_recipient_name decrypted with the user's DEK
	// (unset when the record has none).
	Name Value
}

// CreateInvitation invites a connection (InvitationService.create): a new
// keypair stored in the Keystore (metadata {}, external_identifiers []),
// the name encrypted with the inviter's DEK, POST /invitations with
// keypair_external_id = the Keystore keypair id. Use the returned token
// with AcceptInvitation.
func (c *Client) CreateInvitation(ctx context.Context, auth *AuthData, name string) (*meeco.Invitation, error) {
	const op = "create invitation"
	priv, err := c.newKeypair(ctx)
	if err != nil {
		return nil, opError(op, err)
	}
	kp, err := c.storeKeypair(ctx, auth, "store invitation keypair", priv, "invitation", map[string]any{}, []string{})
	if err != nil {
		return nil, opError(op, err)
	}
	if name == "" {
		name = defaultConnectionName
	}
	encName, err := c.encryptString(auth, "connection name (invitation, keypair "+kp.ID+")", auth.DEK, keyDEK, name)
	if err != nil {
		return nil, opError(op, err)
	}
	req := meeco.CreateInvitationRequest{
		PublicKey:  meeco.PublicKeyRef{KeypairExternalID: kp.ID, PublicKey: kp.PublicKey},
		Invitation: meeco.NewInvitation{EncryptedRecipientName: encName, MultistepWorkflow: "false"},
	}
	var out meeco.InvitationResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "POST", meeco.VInvitations, nil, req, &out); err != nil {
		return nil, err
	}
	if out.Invitation.Token == "" {
		return nil, opError(op, badResponse("POST %s: invitation without token", meeco.VInvitations))
	}
	return &out.Invitation, nil
}

// AcceptInvitation accepts an invitation token (InvitationService.accept):
// a new keypair stored in the invitee's Keystore, the name encrypted with
// the invitee's DEK, POST /connections.
func (c *Client) AcceptInvitation(ctx context.Context, auth *AuthData, name, token string) (*meeco.CreateConnectionResponse, error) {
	const op = "accept invitation"
	priv, err := c.newKeypair(ctx)
	if err != nil {
		return nil, opError(op, err)
	}
	kp, err := c.storeKeypair(ctx, auth, "store connection keypair", priv, "connection", map[string]any{}, []string{})
	if err != nil {
		return nil, opError(op, err)
	}
	if name == "" {
		name = defaultConnectionName
	}
	encName, err := c.encryptString(auth, "connection name (acceptance, keypair "+kp.ID+")", auth.DEK, keyDEK, name)
	if err != nil {
		return nil, opError(op, err)
	}
	req := meeco.CreateConnectionRequest{
		PublicKey:  meeco.PublicKeyRef{KeypairExternalID: kp.ID, PublicKey: kp.PublicKey},
		Connection: meeco.NewConnection{EncryptedRecipientName: encName, InvitationToken: token},
	}
	var out meeco.CreateConnectionResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "POST", meeco.VConnections, nil, req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ConnectOptions names the connection on both sides. FromName is the name
// the invitee gives the inviter, ToName the name the inviter gives the
// invitee (the CLI's fromName/toName).
type ConnectOptions struct {
	FromName string
	ToName   string
}

// ConnectResult is the outcome of Connect.
type ConnectResult struct {
	Invitation     meeco.Invitation
	Accepted       meeco.CreateConnectionResponse
	FromConnection meeco.Connection // the inviter's record
	ToConnection   meeco.Connection // the invitee's record
}

// Connect connects two users for whom the caller holds both AuthData, in
// the SDK's order (ConnectionService.createConnection): look for an
// existing connection (failures ignored; ErrAlreadyConnected if found),
// invite as from, accept as to, then re-list both sides and pair the
// records whose public keys match exactly.
func (c *Client) Connect(ctx context.Context, from, to *AuthData, opts ConnectOptions) (*ConnectResult, error) {
	const op = "connect"
	if f, t, err := c.FindConnectionBetween(ctx, from, to); err == nil && f != nil && t != nil {
		return nil, &Error{Op: op, Err: ErrAlreadyConnected}
	}
	inv, err := c.CreateInvitation(ctx, from, opts.ToName)
	if err != nil {
		return nil, opError(op, err)
	}
	acc, err := c.AcceptInvitation(ctx, to, opts.FromName, inv.Token)
	if err != nil {
		return nil, opError(op, err)
	}
	f, t, err := c.FindConnectionBetween(ctx, from, to)
	if err != nil {
		return nil, opError(op, err)
	}
	return &ConnectResult{Invitation: *inv, Accepted: *acc, FromConnection: *f, ToConnection: *t}, nil
}

// FindConnectionBetween pairs the connection records of two users as the
// SDK does: GET /connections for from (none: ErrNotConnected, without
// asking for to's), then for to, and the first from-record whose
// own.user_public_key equals a to-record's the_other_user.user_public_key,
// compared as exact strings.
func (c *Client) FindConnectionBetween(ctx context.Context, from, to *AuthData) (*meeco.Connection, *meeco.Connection, error) {
	const op = "find connection"
	var fromList meeco.ConnectionsResponse
	if _, err := c.call(ctx, from, "list connections", Vault, HFull, "GET", meeco.VConnections, nil, nil, &fromList); err != nil {
		return nil, nil, opError(op, err)
	}
	if len(fromList.Connections) == 0 {
		return nil, nil, &Error{Op: op, Err: ErrNotConnected}
	}
	var toList meeco.ConnectionsResponse
	if _, err := c.call(ctx, to, "list connections", Vault, HFull, "GET", meeco.VConnections, nil, nil, &toList); err != nil {
		return nil, nil, opError(op, err)
	}
	for i := range fromList.Connections {
		f := &fromList.Connections[i]
		for j := range toList.Connections {
			t := &toList.Connections[j]
			if f.Own.UserPublicKey == t.TheOtherUser.UserPublicKey {
				return f, t, nil
			}
		}
	}
	return nil, nil, &Error{Op: op, Err: ErrNotConnected}
}

// PageQuery is the paging of list calls; zero fields are not sent.
type PageQuery struct {
	NextPageAfter string
	PerPage       int
	Page          int
}

func (p PageQuery) values() url.Values {
	v := url.Values{}
	if p.NextPageAfter != "" {
		v.Set("next_page_after", p.NextPageAfter)
	}
	if p.PerPage > 0 {
		v.Set("per_page", strconv.Itoa(p.PerPage))
	}
	if p.Page > 0 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	return v
}

// ListConnections lists the user's connections (GET /connections) and
// decrypts their names with the DEK, as ConnectionService.list does.
func (c *Client) ListConnections(ctx context.Context, auth *AuthData, page PageQuery) ([]Connection, *meeco.ConnectionsResponse, error) {
	const op = "list connections"
	var out meeco.ConnectionsResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "GET", meeco.VConnections, page.values(), nil, &out); err != nil {
		return nil, nil, err
	}
	conns := make([]Connection, 0, len(out.Connections))
	for _, conn := range out.Connections {
		dc := Connection{Connection: conn}
		if n := conn.Own.EncryptedRecipientName; n != nil && *n != "" {
			v, err := c.decryptString(auth, "name of connection "+conn.Own.ID, auth.DEK, keyDEK, *n)
			if err != nil {
				return nil, &out, opError(op, err)
			}
			dc.Name = v
		}
		conns = append(conns, dc)
	}
	return conns, &out, nil
}

// GetConnection reads one connection (GET /connections/{id}); a record
// without own.id is refused as the SDK does.
func (c *Client) GetConnection(ctx context.Context, auth *AuthData, id string) (*meeco.Connection, error) {
	const op = "get connection"
	var out meeco.ConnectionResponse
	if _, err := c.call(ctx, auth, op, Vault, HFull, "GET", Path(meeco.VConnection, id), nil, nil, &out); err != nil {
		return nil, err
	}
	if out.Connection.Own.ID == "" {
		return nil, opError(op, badResponse("GET %s: connection without own.id", meeco.VConnection))
	}
	return &out.Connection, nil
}

// DeleteConnection deletes a connection (DELETE /connections/{id}).
func (c *Client) DeleteConnection(ctx context.Context, auth *AuthData, id string) error {
	_, err := c.call(ctx, auth, "delete connection", Vault, HFull, "DELETE", Path(meeco.VConnection, id), nil, nil, nil)
	return err
}

// ListInvitations lists the user's invitations (GET /invitations), by
// state when given.
func (c *Client) ListInvitations(ctx context.Context, auth *AuthData, state meeco.InvitationState) (*meeco.InvitationsResponse, error) {
	v := url.Values{}
	if state != "" {
		v.Set("state", string(state))
	}
	var out meeco.InvitationsResponse
	if _, err := c.call(ctx, auth, "list invitations", Vault, HFull, "GET", meeco.VInvitations, v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
