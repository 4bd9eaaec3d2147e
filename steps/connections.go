package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Connections: invitations, connecting, and the checks of what each side
// holds.

func inviteKey(from, to string) string { return from + "\x00" + to }

// Invite makes an invitation from one user to another (a new keypair in
// the inviter's Keystore, the name she gives the invitee encrypted with
// her DEK). The invitee accepts it with AcceptInvitation.
func (w *World) Invite(ctx context.Context, from, to, name string) error {
	f, err := w.activeUser(from)
	if err != nil {
		return err
	}
	if _, err := w.user(to); err != nil {
		return err
	}
	if from == to {
		return scenarioErrorf("%s cannot invite %s", from, to)
	}
	return w.act(ctx, fmt.Sprintf("%s invites %s", from, to), func() error {
		w.connNames = append(w.connNames, name)
		inv, err := w.client.CreateInvitation(ctx, f.auth, name)
		if err != nil {
			return err
		}
		w.pending[inviteKey(from, to)] = inv
		return nil
	})
}

// AcceptInvitation accepts the pending invitation of inviter (a new keypair
// in the invitee's Keystore, the name encrypted with the invitee's DEK),
// then pairs the two connection records as the SDK does.
func (w *World) AcceptInvitation(ctx context.Context, invitee, inviter, name string) error {
	t, err := w.activeUser(invitee)
	if err != nil {
		return err
	}
	f, err := w.user(inviter)
	if err != nil {
		return err
	}
	inv := w.pending[inviteKey(inviter, invitee)]
	if inv == nil {
		return scenarioErrorf("%s has not invited %s in this scenario", inviter, invitee)
	}
	return w.act(ctx, fmt.Sprintf("%s accepts %s's invitation", invitee, inviter), func() error {
		w.connNames = append(w.connNames, name)
		if _, err := w.client.AcceptInvitation(ctx, t.auth, name, inv.Token); err != nil {
			return err
		}
		delete(w.pending, inviteKey(inviter, invitee))
		return w.record(ctx, f, t)
	})
}

// record pairs the connection records of inviter and invitee and keeps
// them.
func (w *World) record(ctx context.Context, inviter, invitee *user) error {
	fr, tr, err := w.client.FindConnectionBetween(ctx, inviter.auth, invitee.auth)
	if err != nil {
		return err
	}
	w.conns[pairKey(inviter.name, invitee.name)] = &connection{inviter: inviter, invitee: invitee,
		rec: map[string]meeco.Connection{inviter.name: *fr, invitee.name: *tr}, deleted: map[string]bool{}}
	return nil
}

// Connect makes two users connected, as the SDK's createConnection does:
// look for an existing connection, invite as a (naming b by his display
// name), accept as b (naming a by hers), pair the records. A connection
// the scenario made already is left as it is.
func (w *World) Connect(ctx context.Context, a, b string) error {
	ua, ub, err := w.activePair(a, b)
	if err != nil {
		return err
	}
	if a == b {
		return scenarioErrorf("%s cannot connect to %s", a, b)
	}
	if c := w.conns[pairKey(a, b)]; c != nil && !c.deleted[a] && !c.deleted[b] {
		return nil
	}
	return w.act(ctx, fmt.Sprintf("%s and %s connect", a, b), func() error {
		_, _, err := w.client.FindConnectionBetween(ctx, ua.auth, ub.auth)
		switch {
		case err == nil:
			return w.record(ctx, ua, ub)
		case !errors.Is(err, client.ErrNotConnected):
			return err
		}
		inv, err := w.client.CreateInvitation(ctx, ua.auth, b)
		if err != nil {
			return err
		}
		if _, err := w.client.AcceptInvitation(ctx, ub.auth, a, inv.Token); err != nil {
			return err
		}
		return w.record(ctx, ua, ub)
	})
}

// ConnectAgain has two connected users go through invitation and
// acceptance once more, past the SDK's own "already connected" check, so
// that the Vault must answer for the existing connection.
func (w *World) ConnectAgain(ctx context.Context, a, b string) error {
	ua, ub, err := w.activePair(a, b)
	if err != nil {
		return err
	}
	if _, err := w.connection(ua, ub); err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s and %s connect again", a, b), func() error {
		inv, err := w.client.CreateInvitation(ctx, ua.auth, b)
		if err != nil {
			return err
		}
		resp, err := w.client.AcceptInvitation(ctx, ub.auth, a, inv.Token)
		if err != nil {
			return err
		}
		w.lastAgain = &connectAgain{a: ua, b: ub, resp: *resp}
		return nil
	})
}

// DeleteConnection deletes the user's side of a connection.
func (w *World) DeleteConnection(ctx context.Context, by, other string) error {
	u, err := w.activeUser(by)
	if err != nil {
		return err
	}
	o, err := w.user(other)
	if err != nil {
		return err
	}
	c, err := w.connection(u, o)
	if err != nil {
		return err
	}
	rec, err := c.side(u)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s deletes the connection to %s", by, other), func() error {
		if err := w.client.DeleteConnection(ctx, u.auth, rec.Own.ID); err != nil {
			return err
		}
		c.deleted[by] = true
		return nil
	})
}

// CheckConnected checks that the Vault pairs the two users' connection
// records (each side's own key is the other's peer key) and that each
// record names the other user.
func (w *World) CheckConnected(ctx context.Context, a, b string) error {
	ua, ub, err := w.activePair(a, b)
	if err != nil {
		return err
	}
	mark := w.log.Len()
	fr, tr, err := w.client.FindConnectionBetween(ctx, ua.auth, ub.auth)
	exs := w.log.Since(mark)
	if err != nil {
		if errors.Is(err, client.ErrNotConnected) {
			return &TargetFailure{Msg: fmt.Sprintf("%s and %s: want connection records that pair up, got none (%s)", a, b, describeErr(err)), Exchanges: exs, Err: err}
		}
		return w.fail(fmt.Sprintf("%s and %s list their connections", a, b), err)
	}
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(fr.TheOtherUser.UserID).To(gomega.Equal(ub.auth.UserID), "%s's connection: want the_other_user.user_id %s (%s), got %s", a, ub.auth.UserID, b, fr.TheOtherUser.UserID)
		g.Expect(tr.TheOtherUser.UserID).To(gomega.Equal(ua.auth.UserID), "%s's connection: want the_other_user.user_id %s (%s), got %s", b, ua.auth.UserID, a, tr.TheOtherUser.UserID)
		g.Expect(fr.Own.UserID).To(gomega.Equal(ua.auth.UserID), "%s's connection: want own.user_id %s, got %s", a, ua.auth.UserID, fr.Own.UserID)
		g.Expect(tr.Own.UserID).To(gomega.Equal(ub.auth.UserID), "%s's connection: want own.user_id %s, got %s", b, ub.auth.UserID, tr.Own.UserID)
	})
}

// listConnections lists u's connection records.
func (w *World) listConnections(ctx context.Context, u *user) ([]client.Connection, []redact.Exchange, error) {
	mark := w.log.Len()
	conns, _, err := w.client.ListConnections(ctx, u.auth, client.PageQuery{})
	exs := w.log.Since(mark)
	if err != nil {
		return nil, exs, w.fail(u.name+" lists connections", err)
	}
	return conns, exs, nil
}

// recordFor finds u's record of the connection to other.
func recordFor(conns []client.Connection, other *user) *client.Connection {
	for i := range conns {
		if conns[i].TheOtherUser.UserID == other.auth.UserID {
			return &conns[i]
		}
	}
	return nil
}

// CheckConnectionKeys checks that each side's record carries the other
// side's connection public key and keypair id, and that the key is the one
// the other side holds in its Keystore.
func (w *World) CheckConnectionKeys(ctx context.Context, a, b string) error {
	ua, ub, err := w.activePair(a, b)
	if err != nil {
		return err
	}
	ca, exA, err := w.listConnections(ctx, ua)
	if err != nil {
		return err
	}
	cb, exB, err := w.listConnections(ctx, ub)
	if err != nil {
		return err
	}
	ra, rb := recordFor(ca, ub), recordFor(cb, ua)
	if err := verify(append(exA, exB...), func(g gomega.Gomega) {
		g.Expect(ra).NotTo(gomega.BeNil(), "%s's connections: want one to %s, got none of %d", a, b, len(ca))
		g.Expect(rb).NotTo(gomega.BeNil(), "%s's connections: want one to %s, got none of %d", b, a, len(cb))
		for _, p := range []struct {
			viewer, owner string
			seen, own     *client.Connection
		}{{a, b, ra, rb}, {b, a, rb, ra}} {
			g.Expect(p.seen.TheOtherUser.UserPublicKey).To(gomega.Equal(p.own.Own.UserPublicKey),
				"%s's connection: want %s's connection public key (%s), got %s", p.viewer, p.owner, pemFingerprint(p.own.Own.UserPublicKey), pemGot(p.own.Own.UserPublicKey, p.seen.TheOtherUser.UserPublicKey))
			g.Expect(p.seen.TheOtherUser.UserKeypairExternalID).To(gomega.Equal(p.own.Own.UserKeypairExternalID),
				"%s's connection: want %s's keypair id %s, got %s", p.viewer, p.owner, p.own.Own.UserKeypairExternalID, p.seen.TheOtherUser.UserKeypairExternalID)
		}
	}); err != nil {
		return err
	}
	for _, p := range []struct {
		u   *user
		rec *client.Connection
	}{{ua, ra}, {ub, rb}} {
		kp, exs, err := w.getKeypair(ctx, p.u, p.rec.Own.UserKeypairExternalID, false)
		if err != nil {
			return err
		}
		if err := verify(exs, func(g gomega.Gomega) {
			g.Expect(kp.PublicKey).To(gomega.Equal(p.rec.Own.UserPublicKey), "%s's connection keypair %s: want the public key of the connection record (%s), got %s",
				p.u.name, kp.ID, pemFingerprint(p.rec.Own.UserPublicKey), pemGot(p.rec.Own.UserPublicKey, kp.PublicKey))
		}); err != nil {
			return err
		}
	}
	return nil
}

// pemGot names the PEM a check got instead of want: by fingerprint, and
// when it is the same key written differently, says so (the SDK compares
// the strings, so a re-encoded PEM breaks it as surely as another key).
func pemGot(want, got string) string {
	f := pemFingerprint(got)
	if got != want && f == pemFingerprint(want) {
		if strings.ReplaceAll(got, "\r\n", "\n") == strings.ReplaceAll(want, "\r\n", "\n") {
			return f + ", the same key with other line ends"
		}
		return f + ", the same key written differently"
	}
	return f
}

// pemFingerprint names a public key PEM by fingerprint.
func pemFingerprint(s string) string {
	pub, err := cryppo.ParsePublicKeyPEM(s)
	if err != nil {
		return fmt.Sprintf("a string of %d characters that is no public key", len(s))
	}
	return pub.Fingerprint()
}

// CheckConnectionKeypairs checks that each side of a connection has a
// keypair of its own in its own Keystore: RSA-4096 with exponent 65537,
// stored wrapped under that side's KEK, matching the public key of its
// record, different from the other side's and from every login key, and
// not readable from the other side's Keystore.
func (w *World) CheckConnectionKeypairs(ctx context.Context, a, b string) error {
	ua, ub, err := w.activePair(a, b)
	if err != nil {
		return err
	}
	c, err := w.connection(ua, ub)
	if err != nil {
		return err
	}
	ids := map[string]string{}
	for _, u := range []*user{ua, ub} {
		rec, err := c.side(u)
		if err != nil {
			return err
		}
		id := rec.Own.UserKeypairExternalID
		ids[u.name] = id
		kp, exs, err := w.getKeypair(ctx, u, id, false)
		if err != nil {
			return err
		}
		if err := verify(exs, func(g gomega.Gomega) {
			what := fmt.Sprintf("%s's connection keypair %s", u.name, id)
			w.checkStoredKeypair(g, u, kp, what)
			pub := w.keypairs[keypairKey{u, id}].priv.Public()
			g.Expect(pub.Bits()).To(gomega.Equal(cryppo.RSAKeyBits), "%s: want RSA-%d, got RSA-%d", what, cryppo.RSAKeyBits, pub.Bits())
			g.Expect(pub.Exponent()).To(gomega.Equal(65537), "%s: want public exponent 65537, got %d", what, pub.Exponent())
			g.Expect(kp.PublicKey).To(gomega.Equal(rec.Own.UserPublicKey), "%s: want the public key of %s's connection record (%s), got %s", what, u.name, pemFingerprint(rec.Own.UserPublicKey), pub.Fingerprint())
			for _, other := range w.sortedUsers() {
				g.Expect(pub.Fingerprint()).NotTo(gomega.Equal(other.auth.LoginKey.Fingerprint()), "%s: want a key of its own, got %s's login key", what, other.name)
			}
		}); err != nil {
			return err
		}
	}
	ka, kb := w.keypairs[keypairKey{ua, ids[a]}], w.keypairs[keypairKey{ub, ids[b]}]
	if ka.priv.Public().Equal(kb.priv.Public()) {
		return &TargetFailure{Msg: fmt.Sprintf("connection between %s and %s: want a keypair per side, got one key %s on both", a, b, ka.priv.Fingerprint())}
	}
	for _, p := range []struct {
		reader *user
		id     string
		owner  string
	}{{ua, ids[b], b}, {ub, ids[a], a}} {
		_, exs, err := w.call(ctx, p.reader, client.Call{Op: "get keypair", Service: client.Keystore, Method: "GET", Path: client.Path(meeco.KSKeypair, p.id)}, nil)
		if st := statusOf(err); err == nil || st < 400 || st > 499 {
			return &TargetFailure{Msg: fmt.Sprintf("%s reads %s's connection keypair %s from the own Keystore: want a refusal (4xx), got %s", p.reader.name, p.owner, p.id, describeErr(err)), Exchanges: exs, Err: err}
		}
	}
	return nil
}

// CheckConnectionName checks the name a user gave a connection: stored as
// a canonical Aes256Gcm string that opens with her DEK (and not with the
// other side's) to the expected name.
func (w *World) CheckConnectionName(ctx context.Context, owner, other, name string) error {
	u, err := w.activeUser(owner)
	if err != nil {
		return err
	}
	o, err := w.user(other)
	if err != nil {
		return err
	}
	conns, exs, err := w.listConnections(ctx, u)
	if err != nil {
		return err
	}
	rec := recordFor(conns, o)
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(rec).NotTo(gomega.BeNil(), "%s's connections: want one to %s, got none of %d", owner, other, len(conns))
		enc := rec.Own.EncryptedRecipientName
		g.Expect(enc).NotTo(gomega.BeNil(), "%s's connection to %s: want an encrypted_recipient_name, got null", owner, other)
		p := meecoAES.problem(*enc)
		g.Expect(p).To(gomega.BeEmpty(), "%s's connection to %s: encrypted_recipient_name: want %s, got %s", owner, other, meecoAES, p)
		// A plaintext is compared by the Value itself, never handed to a
		// matcher that would keep it in its message.
		g.Expect(rec.Name.Equal(name)).To(gomega.BeTrue(), "%s's name for the connection to %s: decrypted name differs (want %s, got %s)", owner, other, w.digest(name), w.digestValue(rec.Name))
		w.refuseAES(g, owner, fmt.Sprintf("%s's name for the connection to %s", owner, other), o.auth.DEK, other+"'s DEK", *enc)
	})
}

// CheckConnectionExisted checks the Vault's answer to ConnectAgain: the
// flag connection_existed_already and the existing connection.
func (w *World) CheckConnectionExisted() error {
	ag := w.lastAgain
	if ag == nil {
		return scenarioErrorf("no earlier step connected two connected users again")
	}
	c, err := w.connection(ag.a, ag.b)
	if err != nil {
		return err
	}
	want := c.rec[ag.b.name].Own.ID
	return verify(w.lastExchange(), func(g gomega.Gomega) {
		g.Expect(ag.resp.ConnectionExistedAlready).To(gomega.BeTrue(), "%s and %s connecting again: want connection_existed_already: true, got false", ag.a.name, ag.b.name)
		g.Expect(ag.resp.Connection.Own.ID).To(gomega.Equal(want), "%s and %s connecting again: want the existing connection %s, got %s", ag.a.name, ag.b.name, want, ag.resp.Connection.Own.ID)
	})
}

// CheckConnectionCount checks how many connections a user has.
func (w *World) CheckConnectionCount(ctx context.Context, name string, n int) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	conns, exs, err := w.listConnections(ctx, u)
	if err != nil {
		return err
	}
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(conns).To(gomega.HaveLen(n), "%s's connections: want %d, got %d", name, n, len(conns))
	})
}
