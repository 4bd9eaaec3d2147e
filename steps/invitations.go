package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Invitations and connection records: an invitation that expires, is
// withdrawn, or was used; a record of a connection that only its side may
// read. The invitation steps pass the user's login keypair id instead of
// making a new keypair, which the SDK allows (InvitationService.create
// and accept take a keypair id), so that they cost no RSA key.

// unitSeconds are the units of an invitation's validity.
var unitSeconds = map[string]int64{"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}

// encryptName encrypts a connection name with u's DEK, as the SDK does,
// and records it in the ledger.
func (w *World) encryptName(u *user, subject, name string) (string, error) {
	enc, err := cryppo.EncryptAES(u.auth.DEK, []byte(name))
	if err != nil {
		return "", &HarnessError{Msg: "encrypting a connection name", Err: err}
	}
	w.ledger.EncryptData(u.name, subject, u.auth.DEK, "DEK", []byte(name), enc)
	return enc, nil
}

// InviteFor makes an invitation from one user to another that expires
// after count units (expires_in), naming the invitee as given.
func (w *World) InviteFor(ctx context.Context, from, to, name string, count int, unit string) error {
	f, err := w.activeUser(from)
	if err != nil {
		return err
	}
	t, err := w.user(to)
	if err != nil {
		return err
	}
	if f == t {
		return scenarioErrorf("%s cannot invite %s", from, to)
	}
	per, ok := unitSeconds[unit]
	if !ok || count < 1 {
		return scenarioErrorf("an invitation valid for %d %s: want a positive number of seconds, minutes, hours or days", count, unit)
	}
	secs := int64(count) * per
	return w.act(ctx, fmt.Sprintf("%s invites %s for %d %s", from, to, count, unit), func() error {
		kp, err := w.loginKeypairID(ctx, f)
		if err != nil {
			return err
		}
		enc, err := w.encryptName(f, "connection name (invitation to "+to+")", name)
		if err != nil {
			return err
		}
		var out meeco.InvitationResponse
		if _, _, err := w.call(ctx, f, client.Call{Op: "create invitation", Method: "POST", Path: meeco.VInvitations,
			Body: meeco.CreateInvitationRequest{
				PublicKey:  meeco.PublicKeyRef{KeypairExternalID: kp, PublicKey: f.auth.LoginPublicKey},
				Invitation: meeco.NewInvitation{EncryptedRecipientName: enc, MultistepWorkflow: "false"},
				ExpiresIn:  &secs,
			}}, &out); err != nil {
			return err
		}
		if out.Invitation.Token == "" {
			return &TargetFailure{Msg: fmt.Sprintf("%s's invitation to %s: want a token, got none", from, to), Exchanges: w.lastExchange()}
		}
		inv := out.Invitation
		w.identity().invites[inviteKey(from, to)] = &sentInvitation{inviter: f, invitee: t, inv: inv, expires: time.Now().Add(time.Duration(secs) * time.Second)}
		w.pending[inviteKey(from, to)] = &inv
		return nil
	})
}

// UseInvitation has a user accept the invitation one user sent another,
// with her login keypair; with late, once the invitation has expired (it
// waits for that, at most maxWait).
func (w *World) UseInvitation(ctx context.Context, name, inviter, invitee, late string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	sent := w.identity().invites[inviteKey(inviter, invitee)]
	token := ""
	switch {
	case sent != nil:
		token = sent.inv.Token
	case w.pending[inviteKey(inviter, invitee)] != nil:
		token = w.pending[inviteKey(inviter, invitee)].Token
	default:
		return scenarioErrorf("%s has not invited %s in this scenario", inviter, invitee)
	}
	if late != "" {
		if sent == nil {
			return scenarioErrorf("%s's invitation to %s has no expiry this scenario knows", inviter, invitee)
		}
		wait := time.Until(sent.expires.Add(500 * time.Millisecond))
		if wait > maxWait {
			return scenarioErrorf("%s's invitation to %s expires in %v, later than a step may wait (%v)", inviter, invitee, wait.Round(time.Second), maxWait)
		}
		select {
		case <-ctx.Done():
			return ctxErr(ctx)
		case <-time.After(wait):
		}
	}
	what := fmt.Sprintf("%s uses %s's invitation to %s", name, inviter, invitee)
	if late != "" {
		what += " after it expired"
	}
	return w.act(ctx, what, func() error {
		kp, err := w.loginKeypairID(ctx, u)
		if err != nil {
			return err
		}
		enc, err := w.encryptName(u, "connection name (acceptance of "+inviter+"'s invitation)", inviter)
		if err != nil {
			return err
		}
		_, _, err = w.call(ctx, u, client.Call{Op: "accept invitation", Method: "POST", Path: meeco.VConnections,
			Body: meeco.CreateConnectionRequest{
				PublicKey:  meeco.PublicKeyRef{KeypairExternalID: kp, PublicKey: u.auth.LoginPublicKey},
				Connection: meeco.NewConnection{EncryptedRecipientName: enc, InvitationToken: token},
			}}, nil)
		return err
	})
}

// WithdrawInvitation has the inviter delete her invitation
// (DELETE /invitations/{id}).
func (w *World) WithdrawInvitation(ctx context.Context, inviter, invitee string) error {
	f, err := w.activeUser(inviter)
	if err != nil {
		return err
	}
	sent := w.identity().invites[inviteKey(inviter, invitee)]
	if sent == nil {
		return scenarioErrorf("%s has not invited %s in this scenario (with an invitation step that keeps its id)", inviter, invitee)
	}
	if sent.inv.ID == nil || *sent.inv.ID == "" {
		return &TargetFailure{Msg: fmt.Sprintf("%s's invitation to %s: want its id shown to its sender, got none", inviter, invitee)}
	}
	return w.act(ctx, fmt.Sprintf("%s withdraws their invitation to %s", inviter, invitee), func() error {
		_, _, err := w.call(ctx, f, client.Call{Op: "delete invitation", Method: "DELETE", Path: client.Path(meeco.VInvitation, *sent.inv.ID)}, nil)
		if err == nil {
			sent.withdrawn = true
			delete(w.pending, inviteKey(inviter, invitee))
		}
		return err
	})
}

// CheckCannotReadConnection checks that a user cannot read another's
// record of a connection by its id (404), while its owner can.
func (w *World) CheckCannotReadConnection(ctx context.Context, actor, owner, other string) error {
	a, err := w.activeUser(actor)
	if err != nil {
		return err
	}
	o, p, err := w.activePair(owner, other)
	if err != nil {
		return err
	}
	if a == o {
		return scenarioErrorf("%s can read their own record of the connection", actor)
	}
	c, err := w.connection(o, p)
	if err != nil {
		return err
	}
	rec, err := c.side(o)
	if err != nil {
		return err
	}
	var got meeco.ConnectionResponse
	_, exs, err := w.call(ctx, o, client.Call{Op: "get connection", Method: "GET", Path: client.Path(meeco.VConnection, rec.Own.ID)}, &got)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads their record of the connection to %s", owner, other), err)
	}
	if got.Connection.Own.ID != rec.Own.ID {
		return &TargetFailure{Msg: fmt.Sprintf("%s reads connection %s: want that record, got %s", owner, rec.Own.ID, got.Connection.Own.ID), Exchanges: exs}
	}
	_, exs, err = w.call(ctx, a, client.Call{Op: "get connection", Method: "GET", Path: client.Path(meeco.VConnection, rec.Own.ID)}, nil)
	return want404(fmt.Sprintf("%s reads %s's record of the connection to %s", actor, owner, other), exs, err)
}

// CheckInvitationView checks who sees an invitation's id and
// keypair_external_id: its sender (reading it by id) does; the invitee,
// reading it by its token, does not.
func (w *World) CheckInvitationView(ctx context.Context, inviter, invitee string) error {
	f, t, err := w.activePair(inviter, invitee)
	if err != nil {
		return err
	}
	sent := w.identity().invites[inviteKey(inviter, invitee)]
	if sent == nil || sent.inv.ID == nil {
		return scenarioErrorf("%s has not invited %s in this scenario (with an invitation step that keeps its id)", inviter, invitee)
	}
	var mine, theirs meeco.InvitationResponse
	_, exs, err := w.call(ctx, f, client.Call{Op: "get invitation", Method: "GET", Path: client.Path(meeco.VInvitation, *sent.inv.ID)}, &mine)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads their invitation to %s", inviter, invitee), err)
	}
	if mine.Invitation.ID == nil || mine.Invitation.KeypairExternalID == nil {
		return &TargetFailure{Msg: fmt.Sprintf("%s's invitation to %s, read by its sender: want its id and keypair_external_id, got %s", inviter, invitee, nullOrSet(mine.Invitation.ID, mine.Invitation.KeypairExternalID)), Exchanges: exs}
	}
	_, exs, err = w.call(ctx, t, client.Call{Op: "get invitation", Method: "GET", Path: client.Path(meeco.VInvitation, sent.inv.Token)}, &theirs)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads %s's invitation by its token", invitee, inviter), err)
	}
	if theirs.Invitation.ID != nil || theirs.Invitation.KeypairExternalID != nil {
		return &TargetFailure{Msg: fmt.Sprintf("%s's invitation to %s, read by %s: want no id and no keypair_external_id, got %s", inviter, invitee, invitee, nullOrSet(theirs.Invitation.ID, theirs.Invitation.KeypairExternalID)), Exchanges: exs}
	}
	return nil
}

// nullOrSet says which of an invitation's id and keypair_external_id are
// set.
func nullOrSet(id, kp *string) string {
	s := func(p *string) string {
		if p == nil {
			return "null"
		}
		return "set"
	}
	return fmt.Sprintf("id %s and keypair_external_id %s", s(id), s(kp))
}
