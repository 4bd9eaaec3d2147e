package fakevault

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/srp"
)

// probe is a request sequence made for one fault. It runs against a fresh
// fake (with the fault, or clean) and returns what a client observes, with
// nothing random in it, so that the two runs can be compared.
type probe func(e *probeEnv) string

// probeEnv is a fake reached both through its store and over HTTP, with a
// movable clock and a captured log.
type probeEnv struct {
	t   *testing.T
	f   *fixture
	ts  *TestServer
	st  *Store
	log *syncBuffer
}

func newProbeEnv(t *testing.T, faults FaultSet) *probeEnv {
	f := &fixture{t: t, now: time.Date(2024, 10, 9, 12, 0, 0, 0, time.UTC)}
	log := &syncBuffer{}
	ts := NewTestServer(t, Options{Now: f.clock, Faults: faults, Logger: slog.New(slog.NewJSONHandler(log, nil))})
	f.st = ts.Store()
	return &probeEnv{t: t, f: f, ts: ts, st: f.st, log: log}
}

// as returns an HTTP client holding a Vault session of uid.
func (e *probeEnv) as(uid string) *client {
	return &client{t: e.t, base: e.ts.URL(), token: e.f.sessionFor(uid)}
}

// k names the outcome of a store call: "ok" or the error's kind.
func k(err error) string {
	var ae *meeco.APIError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ae):
		return string(ae.Kind)
	}
	return "error"
}

func same(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// connected returns two connected users.
func (e *probeEnv) pair() (a, b string) {
	a, b = e.f.user(), e.f.user()
	e.f.connect(a, b)
	return a, b
}

// shareErr shares it from sender to recipient and returns the share (zero
// on error) and the outcome.
func (e *probeEnv) shareErr(sender string, it *meeco.ItemResponse, recipient string, mods ...func(*meeco.PostShare)) (meeco.Share, string) {
	resp, err := e.st.CreateShares(sender, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{e.f.shareReq(sender, it, recipient, mods...)}})
	if err != nil {
		return meeco.Share{}, k(err)
	}
	return resp.Shares[0], "ok"
}

func (e *probeEnv) slotNamed(it *meeco.ItemResponse, name string) meeco.Slot {
	for _, sl := range it.Slots {
		if sl.Name == name {
			return sl
		}
	}
	e.t.Fatalf("no slot %s", name)
	return meeco.Slot{}
}

func (e *probeEnv) update(uid, id string, attrs ...meeco.SlotAttributes) string {
	_, err := e.st.UpdateItem(uid, id, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{SlotsAttributes: attrs}})
	return k(err)
}

// rekeyAll re-keys every share of the owner's item as the SDK does: one
// new DEK, a value for every slot of the item for every share.
func (e *probeEnv) rekeyAll(owner, itemID string, dek string) (map[string]string, string) {
	cur := e.f.mustItem(owner, itemID)
	shares, err := e.st.GetItemShares(owner, itemID)
	if err != nil {
		return nil, k(err)
	}
	sent := map[string]string{}
	req := meeco.UpdateItemSharesRequest{}
	for _, sh := range shares.Shares {
		req.ShareDEKs = append(req.ShareDEKs, meeco.ShareDEK{ShareID: sh.ID, DEK: dek})
		for _, sl := range cur.Slots {
			v := aesStr(e.t)
			sent[sh.ID+"/"+sl.ID] = v
			req.SlotValues = append(req.SlotValues, meeco.SlotValue{ShareID: sh.ID, SlotID: sl.ID, EncryptedValue: &v,
				EncryptedValueVerificationKey: ptr(aesStr(e.t)), ValueVerificationHash: ptr(hashStr())})
		}
	}
	_, err = e.st.UpdateItemShares(owner, itemID, req)
	return sent, k(err)
}

func slotP(id string) func(*meeco.PostShare) {
	return func(ps *meeco.PostShare) { ps.SlotID = ptr(id) }
}

// probes has one request sequence per fault.
var probes = map[Fault]probe{
	FaultSRPUsernameReissued: func(e *probeEnv) string {
		registerSRP(e.t, e.st, "alice_user", []byte("pw"))
		r, _ := e.st.ReserveUsername()
		return fmt.Sprint(r.Username == "alice_user")
	},
	FaultSRPRegisterOverwrites: func(e *probeEnv) string {
		registerSRP(e.t, e.st, "alice_user", []byte("pw1"))
		salt, ver, _ := srp.Register("alice_user", []byte("pw2"), nil)
		_, err := e.st.RegisterSRPUser(meeco.SRPUserRequest{Username: "alice_user", SRPSalt: salt, SRPVerifier: ver})
		_, loginErr := srpLogin(e.st, "alice_user", []byte("pw1"))
		return k(err) + " " + k(loginErr)
	},
	FaultSRPProofUnchecked: func(e *probeEnv) string {
		registerSRP(e.t, e.st, "alice_user", []byte("pw"))
		c, _ := srp.NewClient("alice_user", []byte("not the password"), nil)
		ch, _ := e.st.CreateChallenge(meeco.SRPChallengeRequest{Username: "alice_user", SRPA: c.AHex()})
		m1, _ := c.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
		_, err := e.st.CreateKeystoreSession(meeco.SRPSessionRequest{Username: "alice_user", SRPA: c.AHex(), SRPM: m1})
		return k(err)
	},
	FaultSRPChallengeReplay: func(e *probeEnv) string {
		registerSRP(e.t, e.st, "alice_user", []byte("pw"))
		c, _ := srp.NewClient("alice_user", []byte("pw"), nil)
		ch, _ := e.st.CreateChallenge(meeco.SRPChallengeRequest{Username: "alice_user", SRPA: c.AHex()})
		m1, _ := c.Proof(ch.Challenge.ChallengeSalt, ch.Challenge.ChallengeB)
		req := meeco.SRPSessionRequest{Username: "alice_user", SRPA: c.AHex(), SRPM: m1}
		_, first := e.st.CreateKeystoreSession(req)
		_, replay := e.st.CreateKeystoreSession(req)
		return k(first) + " " + k(replay)
	},
	FaultSRPWrongSalt: func(e *probeEnv) string {
		registerSRP(e.t, e.st, "alice_user", []byte("pw"))
		_, err := srpLogin(e.st, "alice_user", []byte("pw"))
		return k(err)
	},

	FaultSessionTokenOAEPSHA256: func(e *probeEnv) string { return e.loginTokenOpens(0) },
	FaultSessionTokenWrongKey: func(e *probeEnv) string {
		e.f.user() // another user, key 0
		e.f.user() // key 1
		return e.loginTokenOpens(1)
	},
	FaultSessionTokenClear: func(e *probeEnv) string {
		e.f.user()
		r, _ := e.st.CreateVaultSession(meeco.VaultSessionRequest{PublicKey: pubKey(e.t, 0)})
		return fmt.Sprint(strings.HasPrefix(r.Session.EncryptedSessionAuthenticationString, "Rsa4096."))
	},
	FaultSessionKeyPrefixMatch: func(e *probeEnv) string {
		e.f.user() // key 0
		_, err := e.st.CreateVaultSession(meeco.VaultSessionRequest{PublicKey: pubKey(e.t, 3)})
		return k(err)
	},
	FaultVaultSessionNeverExpires: func(e *probeEnv) string {
		tok := e.f.sessionFor(e.f.user())
		e.f.advance(25 * time.Hour)
		_, err := e.st.AuthVault(tok)
		return k(err)
	},
	FaultKeystoreSessionNeverExpires: func(e *probeEnv) string {
		tok := e.f.ksSession(newID())
		e.f.advance(25 * time.Hour)
		_, err := e.st.AuthKeystore(tok)
		return k(err)
	},
	FaultVaultLogoutIgnored: func(e *probeEnv) string {
		c := e.as(e.f.user())
		c.do("DELETE", "/vault/session", nil).into(e.t, 204, nil)
		return fmt.Sprint(c.do("GET", "/vault/me", nil).status)
	},
	FaultTokensCrossService: func(e *probeEnv) string {
		uid := e.f.user()
		ks := e.f.ksSession(e.st.users[uid].ksUserID)
		c := &client{t: e.t, base: e.ts.URL(), token: ks}
		return fmt.Sprint(c.do("GET", "/vault/me", nil).status)
	},
	FaultAdmissionReusable: func(e *probeEnv) string {
		adm, _ := e.st.IssueAdmissionTokens(newID())
		tok := adm.ExternalAdmissionToken.VaultAPIAdmissionToken
		_, first := e.st.CreateUser(meeco.CreateMeRequest{PublicKey: pubKey(e.t, 0), AdmissionToken: tok})
		_, second := e.st.CreateUser(meeco.CreateMeRequest{PublicKey: pubKey(e.t, 1), AdmissionToken: tok})
		return k(first) + " " + k(second)
	},

	FaultKEKOverwrite: func(e *probeEnv) string {
		ks, first := e.ksUser("a"), aesStr(e.t)
		_, _ = e.st.CreateKEK(ks, meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: first})
		_, err := e.st.CreateKEK(ks, meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: aesStr(e.t)})
		got, _ := e.st.GetKEK(ks)
		return k(err) + " " + fmt.Sprint(got.KeyEncryptionKey.SerializedKeyEncryptionKey == first)
	},
	FaultKEKOfAnotherUser: func(e *probeEnv) string {
		a, b := e.ksUser("a"), e.ksUser("b")
		mine := aesStr(e.t)
		_, _ = e.st.CreateKEK(a, meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: mine})
		_, _ = e.st.CreateKEK(b, meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: aesStr(e.t)})
		got, _ := e.st.GetKEK(a)
		return fmt.Sprint(got.KeyEncryptionKey.SerializedKeyEncryptionKey == mine)
	},
	FaultDEKCrossUser: func(e *probeEnv) string {
		d, _ := e.st.CreateDEK(e.ksUser("a"), meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: aesStr(e.t)})
		_, err := e.st.GetDEK(e.ksUser("eve"), d.DataEncryptionKey.ID)
		return k(err)
	},
	FaultKeypairCrossUser: func(e *probeEnv) string {
		kp, _ := e.st.CreateKeypair(e.ksUser("a"), meeco.KeypairRequest{PublicKey: pubKey(e.t, 0), EncryptedSerializedKey: aesStr(e.t)})
		_, err := e.st.GetKeypair(e.ksUser("eve"), kp.Keypair.ID)
		return k(err)
	},
	FaultKeypairExternalIDAnyUser: func(e *probeEnv) string {
		_, _ = e.st.CreateKeypair(e.ksUser("a"), meeco.KeypairRequest{PublicKey: pubKey(e.t, 0), EncryptedSerializedKey: aesStr(e.t), ExternalIdentifiers: []string{"auth"}})
		_, err := e.st.GetKeypairByExternalID(e.ksUser("eve"), "auth")
		return k(err)
	},
	FaultKeypairPEMLF: func(e *probeEnv) string {
		ks := e.ksUser("a")
		kp, _ := e.st.CreateKeypair(ks, meeco.KeypairRequest{PublicKey: pubKey(e.t, 0), EncryptedSerializedKey: aesStr(e.t)})
		got, _ := e.st.GetKeypair(ks, kp.Keypair.ID)
		return fmt.Sprint(got.Keypair.PublicKey == pubKey(e.t, 0))
	},
	FaultWrappedKeyTruncated: func(e *probeEnv) string {
		ks := e.ksUser("a")
		wrapped, _ := cryppo.EncryptAES(cryppo.GenerateSymmetricKey(), []byte(strings.Repeat("P", 3300))) // a private PEM's size
		kp, _ := e.st.CreateKeypair(ks, meeco.KeypairRequest{PublicKey: pubKey(e.t, 0), EncryptedSerializedKey: wrapped})
		got, _ := e.st.GetKeypair(ks, kp.Keypair.ID)
		return fmt.Sprint(got.Keypair.EncryptedSerializedKey == wrapped)
	},
	FaultDEKVersionByte: func(e *probeEnv) string {
		ks, v := e.ksUser("a"), aesStr(e.t)
		d, _ := e.st.CreateDEK(ks, meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: v})
		got, _ := e.st.GetDEK(ks, d.DataEncryptionKey.ID)
		return fmt.Sprint(got.DataEncryptionKey.SerializedDataEncryptionKey == v)
	},
	FaultKEKArtifactsReordered: func(e *probeEnv) string {
		ks, v := e.ksUser("a"), aesStr(e.t)
		_, _ = e.st.CreateKEK(ks, meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: v})
		got, _ := e.st.GetKEK(ks)
		return fmt.Sprint(got.KeyEncryptionKey.SerializedKeyEncryptionKey == v)
	},

	FaultMeDropsPrivateDEK: func(e *probeEnv) string {
		uid := e.f.user()
		_, _ = e.st.UpdateMe(uid, meeco.UpdateMeRequest{User: meeco.UpdateMeUser{PrivateDEKExternalID: ptr("dek-1")}})
		me, _ := e.st.GetMe(uid)
		return fmt.Sprint(same(me.User.PrivateDEKExternalID, ptr("dek-1")))
	},
	FaultMeLoginKeyLF: func(e *probeEnv) string {
		e.f.user()
		_, err := e.st.CreateVaultSession(meeco.VaultSessionRequest{PublicKey: pubKey(e.t, 0)})
		return k(err)
	},

	FaultSlotValueUnpadded: func(e *probeEnv) string {
		uid := e.f.user()
		v := aesStr(e.t)
		it, _ := e.st.CreateItem(uid, meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "car",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: &v}}}})
		return fmt.Sprint(same(e.slotNamed(it, "vin").EncryptedValue, &v))
	},
	FaultSlotValueUnchecked: func(e *probeEnv) string {
		_, err := e.st.CreateItem(e.f.user(), meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "car",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: ptr("5YJ3E1EA7KF317000")}}}})
		return k(err)
	},
	FaultItemUpdateDropsNewSlot: func(e *probeEnv) string {
		uid := e.f.user()
		it := e.f.vehicle(uid)
		res := e.update(uid, it.Item.ID, meeco.SlotAttributes{Name: "colour", EncryptedValue: ptr(aesStr(e.t))})
		return res + " " + fmt.Sprint(len(e.f.mustItem(uid, it.Item.ID).Slots))
	},
	FaultItemUpdateIgnoresDestroy: func(e *probeEnv) string {
		uid := e.f.user()
		it := e.f.vehicle(uid)
		res := e.update(uid, it.Item.ID, meeco.SlotAttributes{Name: "vin", Destroy: true})
		return res + " " + fmt.Sprint(len(e.f.mustItem(uid, it.Item.ID).Slots))
	},
	FaultItemUpdatePartial: func(e *probeEnv) string {
		uid := e.f.user()
		it := e.f.vehicle(uid)
		vin := e.slotNamed(it, "vin")
		res := e.update(uid, it.Item.ID, meeco.SlotAttributes{ID: &vin.ID, EncryptedValue: ptr(aesStr(e.t))},
			meeco.SlotAttributes{Name: "no_such_slot", Destroy: true})
		after := e.slotNamed(e.f.mustItem(uid, it.Item.ID), "vin")
		return res + " " + fmt.Sprint(same(after.EncryptedValue, vin.EncryptedValue))
	},
	FaultItemUpdateValueIgnored: func(e *probeEnv) string {
		uid := e.f.user()
		it := e.f.vehicle(uid)
		vin, v := e.slotNamed(it, "vin"), aesStr(e.t)
		e.update(uid, it.Item.ID, meeco.SlotAttributes{ID: &vin.ID, EncryptedValue: &v})
		return fmt.Sprint(same(e.slotNamed(e.f.mustItem(uid, it.Item.ID), "vin").EncryptedValue, &v))
	},
	FaultItemCrossUserRead: func(e *probeEnv) string {
		it := e.f.vehicle(e.f.user())
		_, err := e.st.GetItem(e.f.user(), it.Item.ID)
		return k(err)
	},
	FaultCopyEditable: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b)
		cp := e.f.received(b, sh.ID)
		return e.update(b, cp.Item.ID, meeco.SlotAttributes{Name: "vin", Label: "Mine now"})
	},
	FaultTemplateSlotsReversed: func(e *probeEnv) string {
		tl, _ := e.st.ListTemplates(e.f.user(), TemplateFilter{Like: "vehicle"}, Page{})
		return tl.Slots[0].Name
	},

	FaultInvitationReusable: func(e *probeEnv) string {
		a, b, c := e.f.user(), e.f.user(), e.f.user()
		inv := e.invite(a)
		return e.accept(b, inv) + " " + e.accept(c, inv)
	},
	FaultInvitationNeverExpires: func(e *probeEnv) string {
		a, b := e.f.user(), e.f.user()
		inv, _ := e.st.CreateInvitation(a, meeco.CreateInvitationRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "kp", PublicKey: pubKey(e.t, 1)},
			Invitation: meeco.NewInvitation{EncryptedRecipientName: aesStr(e.t)}, ExpiresIn: ptr(int64(60))})
		e.f.advance(time.Hour)
		return e.accept(b, inv.Invitation.Token)
	},
	FaultInvitationSelfAccept: func(e *probeEnv) string {
		a := e.f.user()
		return e.accept(a, e.invite(a))
	},

	FaultConnectionKeyLF: func(e *probeEnv) string {
		a, b := e.pair()
		c := e.f.connTo(a, b)
		return fmt.Sprint(c.Own.UserPublicKey == pubKey(e.t, 1), c.TheOtherUser.UserPublicKey == pubKey(e.t, 2))
	},
	FaultConnectionDeleteOneSided: func(e *probeEnv) string {
		a, b := e.pair()
		_ = e.st.DeleteConnection(a, e.f.connTo(a, b).Own.ID)
		l, _ := e.st.ListConnections(b, Page{})
		return fmt.Sprint(len(l.Connections))
	},
	FaultConnectionPeerIsSelf: func(e *probeEnv) string {
		a, b := e.pair()
		c := e.f.connTo(a, b)
		return fmt.Sprint(c.TheOtherUser.UserPublicKey == pubKey(e.t, 2), c.TheOtherUser.UserKeypairExternalID == "kp-"+b)
	},

	FaultShareDEKSwapped: func(e *probeEnv) string {
		a, b := e.pair()
		c := e.f.user()
		e.f.connect(a, c)
		it := e.f.vehicle(a)
		e.f.share(a, it, b)
		req := e.f.shareReq(a, it, c)
		resp, _ := e.st.CreateShares(a, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{req}})
		got, _ := e.st.GetIncoming(c, resp.Shares[0].ID)
		return fmt.Sprint(same(got.Share.EncryptedDEK, &req.EncryptedDEK))
	},
	FaultShareDEKStdAlphabet: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		req := e.f.shareReq(a, it, b)
		resp, _ := e.st.CreateShares(a, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{req}})
		return fmt.Sprint(same(resp.Shares[0].EncryptedDEK, &req.EncryptedDEK))
	},
	FaultShareDropsVerificationHash: func(e *probeEnv) string {
		a, b := e.pair()
		cp := e.f.received(b, e.f.share(a, e.f.vehicle(a), b).ID)
		return fmt.Sprint(e.slotNamed(cp, "vin").ValueVerificationHash != nil)
	},
	FaultShareDropsVerificationKey: func(e *probeEnv) string {
		a, b := e.pair()
		cp := e.f.received(b, e.f.share(a, e.f.vehicle(a), b).ID)
		return fmt.Sprint(e.slotNamed(cp, "vin").EncryptedValueVerificationKey != nil)
	},
	FaultShareHashOptional: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		req := e.f.shareReq(a, it, b)
		for i := range req.SlotValues {
			req.SlotValues[i].ValueVerificationHash = nil
		}
		_, err := e.st.CreateShares(a, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{req}})
		return k(err)
	},
	FaultShareToStranger: func(e *probeEnv) string {
		a, stranger := e.f.user(), e.f.user()
		it := e.f.vehicle(a)
		req := meeco.PostShare{RecipientID: stranger, PublicKey: pubKey(e.t, 2), KeypairExternalID: "kp", EncryptedDEK: rsaStr(e.t, 2)}
		_, err := e.st.CreateShares(a, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{req}})
		return k(err)
	},
	FaultSlotShareShowsAllSlots: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		sh := e.f.share(a, it, b, slotP(e.slotNamed(it, "vin").ID))
		return fmt.Sprint(len(e.f.received(b, sh.ID).Slots))
	},
	FaultShareKeypairIDSender: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b)
		got, _ := e.st.GetIncoming(b, sh.ID)
		return fmt.Sprint(got.Share.KeypairExternalID == "kp-"+b)
	},
	FaultVerificationKeyReordered: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		req := e.f.shareReq(a, it, b)
		resp, _ := e.st.CreateShares(a, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{req}})
		cp := e.f.received(b, resp.Shares[0].ID)
		for _, sl := range cp.Slots {
			for _, v := range req.SlotValues {
				if *sl.OriginalID == v.SlotID && !same(sl.EncryptedValueVerificationKey, v.EncryptedValueVerificationKey) {
					return "re-encoded"
				}
			}
		}
		return "verbatim"
	},

	FaultIncomingShareAnyUser: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b)
		_, err := e.st.GetIncomingItem(e.f.user(), sh.ID)
		return k(err)
	},
	FaultOutgoingListsReceived: func(e *probeEnv) string {
		a, b := e.pair()
		e.f.share(a, e.f.vehicle(a), b)
		out, _ := e.st.ListOutgoing(b, OutgoingFilter{}, Page{})
		return fmt.Sprint(len(out.Shares))
	},
	FaultOnShareShowsOwner: func(e *probeEnv) string {
		_, _, jane, _, _, bj := chain(e.t, e.f)
		return fmt.Sprint(e.f.received(jane, bj.ID).Item.OwnerID != nil)
	},

	FaultAcceptanceDEKEarly: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b, needsAcceptance)
		got, _ := e.st.GetIncoming(b, sh.ID)
		return fmt.Sprint(got.Share.EncryptedDEK != nil)
	},
	FaultAcceptBySender: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b, needsAcceptance)
		_, err := e.st.AcceptShare(a, sh.ID)
		return k(err)
	},
	FaultTermsDropped: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b, needsAcceptance)
		got, _ := e.st.GetIncoming(b, sh.ID)
		return fmt.Sprint(got.Share.Terms != nil)
	},

	FaultOnShareUnpermitted: func(e *probeEnv) string {
		a, b := e.pair()
		c := e.f.user()
		e.f.connect(b, c)
		cp := e.f.received(b, e.f.share(a, e.f.vehicle(a), b).ID)
		_, res := e.shareErr(b, cp, c)
		return res
	},
	FaultOnShareDepthUnbounded: func(e *probeEnv) string {
		_, _, jane, _, _, bj := chain(e.t, e.f)
		got, _ := e.st.GetIncoming(jane, bj.ID)
		return fmt.Sprint(got.Share.OnsharingPermitted)
	},
	FaultOnShareNonOwnerHash: func(e *probeEnv) string {
		a, b := e.pair()
		c := e.f.user()
		e.f.connect(b, c)
		cp := e.f.received(b, e.f.share(a, e.f.vehicle(a), b, onshare).ID)
		req := e.f.shareReq(b, cp, c)
		for i := range req.SlotValues {
			req.SlotValues[i].ValueVerificationHash = ptr(hashStr())
		}
		_, err := e.st.CreateShares(b, cp.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{req}})
		return k(err)
	},
	FaultOnShareRevokeKeeps: func(e *probeEnv) string {
		alice, _, jane, _, ab, _ := chain(e.t, e.f)
		_, _ = e.st.ReconfigureShares(alice, meeco.ReconfigureSharesRequest{Shares: []meeco.ReconfigureShare{{ShareID: ab.ID, OnsharingPermitted: ptr(false)}}})
		in, _ := e.st.ListIncoming(jane, IncomingFilter{}, Page{})
		return fmt.Sprint(len(in.Shares))
	},

	FaultShareNeverExpires: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b, expiresIn(e, time.Hour))
		e.f.advance(2 * time.Hour)
		_, err := e.st.GetIncomingItem(b, sh.ID)
		return k(err)
	},
	FaultExpiredShareListed: func(e *probeEnv) string {
		a, b := e.pair()
		e.f.share(a, e.f.vehicle(a), b, expiresIn(e, time.Hour))
		e.f.advance(2 * time.Hour)
		in, _ := e.st.ListIncoming(b, IncomingFilter{}, Page{})
		return fmt.Sprint(len(in.Shares))
	},
	FaultShareExpiryDropped: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b, expiresIn(e, time.Hour))
		return fmt.Sprint(sh.ExpiresAt != nil)
	},

	FaultShareDeleteKeepsCopy: func(e *probeEnv) string {
		a, b := e.pair()
		sh := e.f.share(a, e.f.vehicle(a), b)
		_ = e.st.DeleteShare(a, sh.ID)
		items, _ := e.st.ListItems(b, ItemFilter{}, Page{})
		return fmt.Sprint(len(items.Items))
	},
	FaultItemDeleteKeepsShares: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		sh := e.f.share(a, it, b)
		_ = e.st.DeleteItem(a, it.Item.ID)
		_, err := e.st.GetIncoming(b, sh.ID)
		return k(err)
	},
	FaultShareDeleteKeepsOnShares: func(e *probeEnv) string {
		alice, _, jane, _, ab, _ := chain(e.t, e.f)
		_ = e.st.DeleteShare(alice, ab.ID)
		in, _ := e.st.ListIncoming(jane, IncomingFilter{}, Page{})
		return fmt.Sprint(len(in.Shares))
	},

	FaultRekeyKeepsOldDEK: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		sh := e.f.share(a, it, b)
		dek := rsaStr(e.t, 2)
		e.rekeyAll(a, it.Item.ID, dek)
		got, _ := e.st.GetIncoming(b, sh.ID)
		return fmt.Sprint(same(got.Share.EncryptedDEK, &dek))
	},
	FaultRekeyDropsNewSlot: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		sh := e.f.share(a, it, b)
		e.update(a, it.Item.ID, meeco.SlotAttributes{Name: "colour", EncryptedValue: ptr(aesStr(e.t))})
		e.rekeyAll(a, it.Item.ID, rsaStr(e.t, 2))
		return fmt.Sprint(len(e.f.received(b, sh.ID).Slots))
	},
	FaultRekeyWidensSlotShare: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		sh := e.f.share(a, it, b, slotP(e.slotNamed(it, "vin").ID))
		e.rekeyAll(a, it.Item.ID, rsaStr(e.t, 2))
		return fmt.Sprint(len(e.f.received(b, sh.ID).Slots))
	},
	FaultRekeyByRecipient: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		sh := e.f.share(a, it, b)
		cp := e.f.received(b, sh.ID)
		_, err := e.st.UpdateItemShares(b, cp.Item.ID, meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: sh.ID, DEK: rsaStr(e.t, 2)}}})
		return k(err)
	},
	FaultItemSharesOmitOnShares: func(e *probeEnv) string {
		alice, _, _, it, _, _ := chain(e.t, e.f)
		l, _ := e.st.GetItemShares(alice, it.Item.ID)
		return fmt.Sprint(len(l.Shares))
	},
	FaultTaskNotQueued: func(e *probeEnv) string {
		a, b := e.pair()
		it := e.f.vehicle(a)
		e.f.share(a, it, b)
		e.update(a, it.Item.ID, meeco.SlotAttributes{Name: "vin", EncryptedValue: ptr(aesStr(e.t))})
		l, _ := e.st.ListTasks(a, TaskFilter{}, Page{})
		return fmt.Sprint(len(l.ClientTasks))
	},
	FaultTaskListShowsInProgress: func(e *probeEnv) string {
		a := e.taskOwner()
		l, _ := e.st.ListTasks(a, TaskFilter{ChangeState: true}, Page{})
		return string(l.ClientTasks[0].State)
	},
	FaultTaskUpdateIgnored: func(e *probeEnv) string {
		a := e.taskOwner()
		l, _ := e.st.ListTasks(a, TaskFilter{}, Page{})
		_, _ = e.st.UpdateTasks(a, meeco.UpdateClientTasksRequest{ClientTasks: []meeco.ClientTaskUpdate{{ID: l.ClientTasks[0].ID, State: meeco.TaskDone}}})
		done, _ := e.st.ListTasks(a, TaskFilter{States: []string{"done"}}, Page{})
		return fmt.Sprint(len(done.ClientTasks))
	},

	FaultPageCursorSkips: func(e *probeEnv) string { return e.pageWalk(2) },
	FaultPagePerPageIgnored: func(e *probeEnv) string {
		uid := e.f.user()
		for i := 0; i < 3; i++ {
			e.f.vehicle(uid)
		}
		l, _ := e.st.ListItems(uid, ItemFilter{}, Page{PerPage: 2})
		return fmt.Sprint(len(l.Items))
	},
	FaultPageNextOnLast: func(e *probeEnv) string {
		uid := e.f.user()
		e.f.vehicle(uid)
		l, _ := e.st.ListItems(uid, ItemFilter{}, Page{PerPage: 2})
		return fmt.Sprint(l.NextPageAfter != nil, l.Meta.NextPageExists)
	},

	FaultErrorShapeFlat: func(e *probeEnv) string {
		r := e.as(e.f.user()).do("GET", "/vault/items/"+newID(), nil)
		var body map[string]any
		_ = json.Unmarshal(r.body, &body)
		_, ok := body["errors"]
		return fmt.Sprint(r.status, ok)
	},
	FaultErrorEchoesInput: func(e *probeEnv) string {
		r := e.as(e.f.user()).do("POST", "/vault/items", `{"template_name":"vehicle","item":{"label":"x","slots_attributes":[{"name":"vin","encrypted_value":"SECRET-PLAINTEXT"}]}}`)
		return fmt.Sprint(r.status, strings.Contains(string(r.body), "SECRET-PLAINTEXT"))
	},
	FaultLoginFailure500: func(e *probeEnv) string {
		anon := &client{t: e.t, base: e.ts.URL()}
		return fmt.Sprint(anon.do("POST", "/vault/session", meeco.VaultSessionRequest{PublicKey: pubKey(e.t, 0)}).status)
	},
	FaultLogSecrets: func(e *probeEnv) string {
		c := e.as(e.f.user())
		c.do("GET", "/vault/me", nil)
		return fmt.Sprint(strings.Contains(e.log.String(), c.token))
	},
}

// ksUser makes a Keystore user directly in the store and returns its id.
func (e *probeEnv) ksUser(name string) string {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	u := &ksUser{id: newID(), username: name + "-" + newID()[:8], seq: e.st.nextSeq()}
	e.st.ksUsers[u.id] = u
	e.st.ksByName[u.username] = u
	return u.id
}

// loginTokenOpens logs in the user of test key i (registered by f.user)
// and reports whether the token opens with that key's private half.
func (e *probeEnv) loginTokenOpens(i int) string {
	if i == 0 {
		e.f.user()
	}
	r, err := e.st.CreateVaultSession(meeco.VaultSessionRequest{PublicKey: pubKey(e.t, i)})
	if err != nil {
		return k(err)
	}
	priv, err := cryppo.ParsePrivateKeyPEM(testKeys(e.t)[i].Private)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = cryppo.DecryptRSA(priv, r.Session.EncryptedSessionAuthenticationString)
	return fmt.Sprint(err == nil)
}

func (e *probeEnv) invite(uid string) string {
	inv, err := e.st.CreateInvitation(uid, meeco.CreateInvitationRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "kp", PublicKey: pubKey(e.t, 1)},
		Invitation: meeco.NewInvitation{EncryptedRecipientName: aesStr(e.t)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return inv.Invitation.Token
}

func (e *probeEnv) accept(uid, token string) string {
	_, err := e.st.CreateConnection(uid, meeco.CreateConnectionRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "kp2", PublicKey: pubKey(e.t, 2)},
		Connection: meeco.NewConnection{EncryptedRecipientName: aesStr(e.t), InvitationToken: token}})
	return k(err)
}

// taskOwner returns a user with one todo client task.
func (e *probeEnv) taskOwner() string {
	a, b := e.pair()
	it := e.f.vehicle(a)
	e.f.share(a, it, b)
	e.update(a, it.Item.ID, meeco.SlotAttributes{Name: "vin", EncryptedValue: ptr(aesStr(e.t))})
	return a
}

// pageWalk lists five items per pages of per and counts what it saw.
func (e *probeEnv) pageWalk(per int) string {
	uid := e.f.user()
	for i := 0; i < 5; i++ {
		e.f.vehicle(uid)
	}
	seen, after := 0, ""
	for range 10 {
		l, err := e.st.ListItems(uid, ItemFilter{}, Page{PerPage: per, After: after})
		if err != nil {
			return k(err)
		}
		seen += len(l.Items)
		if l.NextPageAfter == nil {
			break
		}
		after = *l.NextPageAfter
	}
	return fmt.Sprint(seen)
}

func expiresIn(e *probeEnv, d time.Duration) func(*meeco.PostShare) {
	return func(ps *meeco.PostShare) { ps.ExpiresAt = ptr(meeco.FormatTime(e.f.clock().Add(d))) }
}
