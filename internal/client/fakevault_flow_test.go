package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// These tests drive every flow of protocol.md §3.4 against the in-process
// fake Vault, decrypt what each recipient receives and compare it with
// what the owner wrote, and re-verify the crypto ledger.

func TestFlowCreateUserAndLogin(t *testing.T) {
	e := newEnv(t)
	mark := e.c.Exchanges().Len()
	alice := e.user("Alice")
	wantCalls(t, e.calls(mark),
		"POST /keystore/srp/username",
		"POST /keystore/srp/users",
		"POST /keystore/srp/challenges",
		"POST /keystore/srp/session",
		"GET /keystore/external_admission_tokens",
		"POST /keystore/key_encryption_key",
		"POST /keystore/keypairs",
		"POST /vault/me",
		"POST /keystore/data_encryption_keys",
		"PUT /vault/me",
	)
	if alice.UserID == "" || alice.DEKID == "" || alice.VaultToken.IsZero() || alice.KeystoreToken.IsZero() || alice.LoginKey == nil {
		t.Fatalf("incomplete auth data: %v", alice)
	}
	if got := alice.LoginPublicKey; !strings.HasPrefix(got, "-----BEGIN PUBLIC KEY-----\r\n") {
		t.Errorf("login public key is not node-forge CRLF SPKI PEM")
	}

	me, err := e.c.GetMe(e.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if me.User.ID != alice.UserID || me.User.PrivateDEKExternalID == nil || *me.User.PrivateDEKExternalID != alice.DEKID {
		t.Errorf("GET /me user %s dek %v, want %s dek %s", me.User.ID, me.User.PrivateDEKExternalID, alice.UserID, alice.DEKID)
	}

	mark = e.c.Exchanges().Len()
	again, err := e.c.Login(e.ctx, "Alice", "Alice password ✓", alice.Secret)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	wantCalls(t, e.calls(mark),
		"POST /keystore/srp/challenges",
		"POST /keystore/srp/session",
		"GET /keystore/key_encryption_key",
		"GET /keystore/keypairs/external_id/auth",
		"POST /vault/session",
		"GET /vault/me",
		"GET /keystore/data_encryption_keys/{id}",
	)
	if !again.KEK.Equal(alice.KEK) || !again.DEK.Equal(alice.DEK) || !again.PDK.Equal(alice.PDK) {
		t.Errorf("login recovered other keys: %v, want %v", again, alice)
	}
	if again.LoginKey.Fingerprint() != alice.LoginKey.Fingerprint() || again.UserID != alice.UserID {
		t.Errorf("login keypair/user differ")
	}
	if again.VaultToken.Reveal() == alice.VaultToken.Reveal() {
		t.Errorf("login returned the same vault token as sign-up; want a new session")
	}
	// Both sessions work.
	for _, a := range []*AuthData{alice, again} {
		if _, err := e.c.GetMe(e.ctx, a); err != nil {
			t.Errorf("GET /me with %v: %v", a.VaultToken, err)
		}
	}

	_, err = e.c.Login(e.ctx, "Alice", "wrong password", alice.Secret)
	if !errors.Is(err, ErrLoginFailed) || !errors.Is(err, meeco.AuthenticationFailed) {
		t.Errorf("login with a wrong password: %v, want ErrLoginFailed and authentication_failed", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong password") {
		t.Errorf("error leaks the password: %v", err)
	}

	// Logout ends both sessions.
	if err := e.c.Logout(e.ctx, again); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if _, err := e.c.GetMe(e.ctx, again); !errors.Is(err, meeco.Unauthorized) || statusOf(err) != 401 {
		t.Errorf("GET /me after logout: %v, want 401 unauthorized", err)
	}
	if _, err := e.c.GetMe(e.ctx, alice); err != nil {
		t.Errorf("the sign-up session must survive another session's logout: %v", err)
	}
	e.verifyLedger()
}

func TestFlowCreateUserTwiceToleratesUsernameTaken(t *testing.T) {
	e := newEnv(t)
	alice := e.user("Alice")
	// The SDK treats 400 username_taken as "already registered, log in".
	again, err := e.c.CreateUser(e.ctx, "Alice", "Alice password ✓", alice.Secret)
	if err == nil {
		// The second POST /keystore/key_encryption_key must be refused:
		// one KEK per Keystore user.
		t.Fatalf("second create went through: %v", again)
	}
	if !errors.Is(err, meeco.AlreadyExists) {
		t.Errorf("second create: %v, want already_exists from the KEK (username_taken tolerated)", err)
	}
	if !strings.HasPrefix(err.Error(), "create user: store KEK: POST /keystore/key_encryption_key: 409 already_exists") {
		t.Errorf("error text = %q", err.Error())
	}
}

func TestFlowItems(t *testing.T) {
	e := newEnv(t)
	alice := e.user("Alice")
	bob := e.user("Bob")

	mark := e.c.Exchanges().Len()
	it := e.vehicle(alice, "My Vehicle")
	wantCalls(t, e.calls(mark), "POST /vault/items")
	checkValues(t, "created", it, vehicleValues)
	if !it.Own || it.Received() || it.KeyName != "DEK" {
		t.Errorf("own item: own=%v received=%v key=%q", it.Own, it.Received(), it.KeyName)
	}
	// The Vault holds only ciphertext, and it decrypts with the DEK.
	vin := it.Slot("vin")
	if vin == nil || vin.EncryptedValue == nil || !strings.HasPrefix(*vin.EncryptedValue, "Aes256Gcm.") {
		t.Fatalf("vin slot not stored as an Aes256Gcm string: %+v", vin)
	}
	if v, err := e.c.DecryptValue(alice, "stored vin", alice.DEK, "DEK", *vin.EncryptedValue); err != nil || !v.Equal(vehicleValues["vin"]) {
		t.Errorf("stored vin does not decrypt to the written value: %v %v", v, err)
	}
	if err := e.c.RefuteAES(bob, "Alice's vin", bob.DEK, "DEK of Bob", *vin.EncryptedValue); err != nil {
		t.Errorf("Bob's DEK opens Alice's slot: %v", err)
	}
	if typ := it.Slot("type"); typ == nil || typ.Value.IsSet() {
		t.Errorf("template slot without value: %+v", typ)
	}

	got, err := e.c.GetItem(e.ctx, alice, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, "get", got, vehicleValues)

	// Update one value by slot id.
	upd := got.Update(map[string]string{"vin": "VIN00000000"})
	label := "Renamed"
	upd.Label = &label
	after, err := e.c.UpdateItem(e.ctx, alice, upd)
	if err != nil {
		t.Fatal(err)
	}
	want := copyMap(vehicleValues)
	want["vin"] = "VIN00000000"
	checkValues(t, "updated", after, want)
	if after.Label != "Renamed" {
		t.Errorf("label = %q", after.Label)
	}

	list, err := e.c.ListItems(e.ctx, alice, ItemQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 || list.Items[0].ID != it.ID {
		t.Errorf("list items: %d items", len(list.Items))
	}
	// Another user cannot see it.
	if _, err := e.c.GetItem(e.ctx, bob, it.ID); !errors.Is(err, meeco.NotFound) {
		t.Errorf("Bob reading Alice's item: %v, want not_found", err)
	}
	tmpl, slots, err := e.c.TemplateByName(e.ctx, alice, "vehicle")
	if err != nil || tmpl.Name != "vehicle" || len(slots) != 5 {
		t.Errorf("template vehicle: %v, %d slots, %v", tmpl, len(slots), err)
	}
	if err := e.c.DeleteItem(e.ctx, alice, it.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.GetItem(e.ctx, alice, it.ID); !errors.Is(err, meeco.NotFound) {
		t.Errorf("deleted item: %v, want not_found", err)
	}
	e.verifyLedger()
}

func TestFlowConnectAndShare(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.user("Alice"), e.user("Bob")
	it := e.vehicle(alice, "My Vehicle")

	mark := e.c.Exchanges().Len()
	conn := e.connect(alice, bob)
	wantCalls(t, e.calls(mark),
		"GET /vault/connections", // Alice has none: the SDK stops there
		"POST /keystore/keypairs",
		"POST /vault/invitations",
		"POST /keystore/keypairs",
		"POST /vault/connections",
		"GET /vault/connections",
		"GET /vault/connections",
	)
	ab, ba := conn.FromConnection, conn.ToConnection
	if ab.TheOtherUser.UserID != bob.UserID || ba.TheOtherUser.UserID != alice.UserID {
		t.Fatalf("connection pairs users %s/%s", ab.TheOtherUser.UserID, ba.TheOtherUser.UserID)
	}
	if ab.Own.UserPublicKey != ba.TheOtherUser.UserPublicKey || ba.Own.UserPublicKey != ab.TheOtherUser.UserPublicKey {
		t.Errorf("connection records do not cross-reference public keys")
	}
	if ab.Own.UserKeypairExternalID != deref(conn.Invitation.KeypairExternalID) {
		t.Errorf("inviter's keypair id %s, invitation says %s", ab.Own.UserKeypairExternalID, deref(conn.Invitation.KeypairExternalID))
	}
	// Names are encrypted with each side's own DEK.
	conns, _, err := e.c.ListConnections(e.ctx, alice, PageQuery{})
	if err != nil || len(conns) != 1 || !conns[0].Name.Equal("Bob") {
		t.Errorf("Alice's connection name: %v %v", conns, err)
	}
	conns, _, err = e.c.ListConnections(e.ctx, bob, PageQuery{})
	if err != nil || len(conns) != 1 || !conns[0].Name.Equal("Alice") {
		t.Errorf("Bob's connection name: %v %v", conns, err)
	}
	if _, err := e.c.Connect(e.ctx, alice, bob, ConnectOptions{}); !errors.Is(err, ErrAlreadyConnected) {
		t.Errorf("second connect: %v, want ErrAlreadyConnected", err)
	}

	mark = e.c.Exchanges().Len()
	shareID := e.share(alice, ab.Own.ID, it.ID, ShareOptions{})
	wantCalls(t, e.calls(mark),
		"GET /vault/connections/{id}",
		"GET /vault/items/{id}",
		"POST /vault/items/{id}/shares",
	)
	out, err := e.c.GetOutgoingShare(e.ctx, alice, shareID)
	if err != nil {
		t.Fatal(err)
	}
	if out.RecipientID != bob.UserID || out.KeypairExternalID != ab.TheOtherUser.UserKeypairExternalID ||
		out.PublicKey != ab.TheOtherUser.UserPublicKey || out.AcceptanceRequired != meeco.AcceptanceNotRequired || out.OnsharingPermitted {
		t.Errorf("outgoing share %+v", out)
	}
	if out.EncryptedDEK == nil || !strings.HasPrefix(*out.EncryptedDEK, "Rsa4096.") || !strings.HasSuffix(*out.EncryptedDEK, ".QQUAAAAA") {
		t.Errorf("encrypted_dek is not an Rsa4096 Cryppo string")
	}

	mark = e.c.Exchanges().Len()
	got, err := e.c.ReadShare(e.ctx, bob, shareID)
	if err != nil {
		t.Fatalf("Bob reads the share: %v", err)
	}
	wantCalls(t, e.calls(mark),
		"GET /vault/incoming_shares/{id}/item",
		"GET /keystore/keypairs/{id}",
	)
	checkValues(t, "Bob via share", got.Item, vehicleValues)
	if got.Item.Own || got.Item.ID == it.ID || got.Item.OriginalID == nil || *got.Item.OriginalID != it.ID {
		t.Errorf("recipient copy: own=%v id=%s original=%v", got.Item.Own, got.Item.ID, got.Item.OriginalID)
	}
	if got.Item.KeyName != "share DEK for share "+shareID {
		t.Errorf("decrypted with %q", got.Item.KeyName)
	}
	// Every received slot with a value carried the owner's hash, and the
	// client checked it.
	checks := e.led.Find(func(en ledger.Entry) bool { return en.Op == ledger.OpCheck && en.Actor == "Bob" })
	if len(checks) != len(vehicleValues) {
		t.Errorf("Bob made %d hash checks, want %d", len(checks), len(vehicleValues))
	}
	// The recipient's copy through GET /items/{id} decrypts the same way.
	mark = e.c.Exchanges().Len()
	copyItem, err := e.c.GetItem(e.ctx, bob, got.Item.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls(t, e.calls(mark),
		"GET /vault/items/{id}",
		"GET /vault/incoming_shares/{id}",
		"GET /keystore/keypairs/{id}",
	)
	checkValues(t, "Bob via items", copyItem, vehicleValues)
	// Only Bob's connection key opens the share DEK.
	if err := e.c.RefuteRSA(alice, "share DEK of "+shareID, alice.LoginKey, "Alice login key", *out.EncryptedDEK); err != nil {
		t.Error(err)
	}

	// The owner's share DEK and the recipient's unwrapped one are the same
	// key; the ledger shows it by fingerprint.
	gen := e.led.Find(func(en ledger.Entry) bool {
		return en.Op == ledger.OpGenerate && en.Subject == "share DEK for share "+shareID
	})
	unw := e.led.Find(func(en ledger.Entry) bool {
		return en.Op == ledger.OpUnwrap && en.Subject == "share DEK for share "+shareID && en.Actor == "Bob"
	})
	if len(gen) != 1 || len(unw) == 0 || gen[0].Digest != unw[0].Digest {
		t.Errorf("share DEK: generated %v, unwrapped by Bob %v", gen, unw)
	}

	in, err := e.c.ListIncomingShares(e.ctx, bob, IncomingShareQuery{})
	if err != nil || len(in.Shares) != 1 || in.Shares[0].ID != shareID {
		t.Errorf("Bob's incoming shares: %v %v", in, err)
	}
	outs, err := e.c.ListOutgoingShares(e.ctx, alice, OutgoingShareQuery{ItemIDs: []string{it.ID}})
	if err != nil || len(outs.Shares) != 1 || outs.Shares[0].ID != shareID {
		t.Errorf("Alice's outgoing shares: %v %v", outs, err)
	}
	sh, oit, err := e.c.ReadOutgoingShare(e.ctx, alice, shareID)
	if err != nil || sh.ID != shareID || oit.ID != it.ID {
		t.Errorf("read outgoing share: %v %v", sh, err)
	}
	invs, err := e.c.ListInvitations(e.ctx, alice, meeco.InvitationAccepted)
	if err != nil || len(invs.Invitations) != 1 || invs.Invitations[0].Token != conn.Invitation.Token {
		t.Errorf("Alice's accepted invitations: %v %v", invs, err)
	}
	if err := e.c.DeleteConnection(e.ctx, bob, ba.Own.ID); err != nil {
		t.Fatalf("delete connection: %v", err)
	}
	if conns, _, err := e.c.ListConnections(e.ctx, bob, PageQuery{}); err != nil || len(conns) != 0 {
		t.Errorf("Bob's connections after deleting: %d %v", len(conns), err)
	}
	if _, _, err := e.c.FindConnectionBetween(e.ctx, alice, bob); !errors.Is(err, ErrNotConnected) {
		t.Errorf("find connection after deletion: %v, want ErrNotConnected", err)
	}
	e.verifyLedger()
	if t.Failed() {
		t.Logf("ledger:\n%s", e.led)
	}
}

func TestFlowSingleSlotShareAndTerms(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.user("Alice"), e.user("Bob")
	it := e.vehicle(alice, "My Vehicle")
	conn := e.connect(alice, bob)

	// One slot, by name, with terms: acceptance required.
	shareID := e.share(alice, conn.FromConnection.Own.ID, it.ID, ShareOptions{
		SlotName: "vin", Terms: "Don't tell Mum!", ExpiresAt: time.Now().Add(48 * time.Hour),
	})
	pending, err := e.c.GetIncomingShare(e.ctx, bob, shareID)
	if err != nil {
		t.Fatal(err)
	}
	if pending.AcceptanceRequired != meeco.AcceptanceRequired || pending.Terms == nil || *pending.Terms != "Don't tell Mum!" {
		t.Errorf("pending share: acceptance %s terms %v", pending.AcceptanceRequired, pending.Terms)
	}
	if pending.EncryptedDEK != nil {
		t.Errorf("encrypted_dek visible before acceptance")
	}
	if pending.SlotID == nil || *pending.SlotID != it.Slot("vin").ID {
		t.Errorf("share slot_id = %v, want vin's id", pending.SlotID)
	}
	if pending.ExpiresAt == nil {
		t.Errorf("expires_at not stored")
	}
	unaccepted, err := e.c.ListIncomingShares(e.ctx, bob, IncomingShareQuery{AcceptanceRequired: meeco.AcceptanceRequired})
	if err != nil || len(unaccepted.Shares) != 1 {
		t.Errorf("incoming shares needing acceptance: %v %v", unaccepted, err)
	}

	// The SDK refuses to decrypt before acceptance, after one call.
	mark := e.c.Exchanges().Len()
	_, err = e.c.ReadShare(e.ctx, bob, shareID)
	var se *ShareStateError
	if !errors.Is(err, ErrShareNotAccepted) || !errors.As(err, &se) || se.State != meeco.AcceptanceRequired {
		t.Fatalf("read before accept: %v, want ErrShareNotAccepted", err)
	}
	wantCalls(t, e.calls(mark), "GET /vault/incoming_shares/{id}/item")

	// Alice cannot accept her own share.
	if _, err := e.c.AcceptShare(e.ctx, alice, shareID); err == nil {
		t.Errorf("the sender accepted her own share")
	}
	mark = e.c.Exchanges().Len()
	acc, err := e.c.AcceptShare(e.ctx, bob, shareID)
	if err != nil {
		t.Fatal(err)
	}
	wantCalls(t, e.calls(mark), "GET /vault/incoming_shares/{id}", "PUT /vault/incoming_shares/{id}/accept")
	if acc.AcceptanceRequired != meeco.Accepted || acc.EncryptedDEK == nil {
		t.Errorf("accepted share: %s, dek present %v", acc.AcceptanceRequired, acc.EncryptedDEK != nil)
	}
	got, err := e.c.ReadShare(e.ctx, bob, shareID)
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, "single slot", got.Item, map[string]string{"vin": vehicleValues["vin"]})
	e.verifyLedger()
}

func TestFlowOnShareThreeUsers(t *testing.T) {
	e := newEnv(t)
	alice, bob, jane := e.user("Alice"), e.user("Bob"), e.user("Jane")
	it := e.vehicle(alice, "My Vehicle")
	ab := e.connect(alice, bob)
	bj := e.connect(bob, jane)

	// Without permission, Bob cannot on-share.
	noShare := e.share(alice, ab.FromConnection.Own.ID, it.ID, ShareOptions{})
	bobCopy, err := e.c.ReadShare(e.ctx, bob, noShare)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.Share(e.ctx, bob, bj.FromConnection.Own.ID, bobCopy.Item.ID, ShareOptions{})
	if !errors.Is(err, meeco.Forbidden) {
		t.Errorf("on-share without permission: %v, want forbidden", err)
	}

	// A second share of the same item with on-sharing permitted.
	shareAB := e.share(alice, ab.FromConnection.Own.ID, it.ID, ShareOptions{OnsharingPermitted: true})
	viaAB, err := e.c.ReadShare(e.ctx, bob, shareAB)
	if err != nil {
		t.Fatal(err)
	}
	// The same item shared twice: the second share points at the first
	// one's copy, and the client follows it.
	if viaAB.ViaShareID != noShare || viaAB.Share.ID != noShare || viaAB.Requested.ID != shareAB {
		t.Errorf("second share of the same item: via %q share %s requested %s, want via %s", viaAB.ViaShareID, viaAB.Share.ID, viaAB.Requested.ID, noShare)
	}
	// Bob deletes the first share; the second inherits his copy, and with
	// it the permission to on-share.
	if err := e.c.DeleteShare(e.ctx, bob, noShare); err != nil {
		t.Fatalf("recipient deletes a share: %v", err)
	}
	viaAB, err = e.c.ReadShare(e.ctx, bob, shareAB)
	if err != nil {
		t.Fatal(err)
	}
	if viaAB.ViaShareID != "" || viaAB.Share.ID != shareAB || viaAB.Item.ShareID == nil || *viaAB.Item.ShareID != shareAB {
		t.Errorf("after deleting the first share: via %q, share %s, want the copy held by %s", viaAB.ViaShareID, viaAB.Share.ID, shareAB)
	}
	checkValues(t, "Bob", viaAB.Item, vehicleValues)

	// Bob on-shares his received copy to Jane.
	mark := e.c.Exchanges().Len()
	shareBJ := e.share(bob, bj.FromConnection.Own.ID, viaAB.Item.ID, ShareOptions{OnsharingPermitted: true})
	wantCalls(t, e.calls(mark),
		"GET /vault/connections/{id}",
		"GET /vault/items/{id}",
		"GET /vault/incoming_shares/{id}",
		"GET /keystore/keypairs/{id}",
		"POST /vault/items/{id}/shares",
	)
	// The on-share carried a null hash for every slot.
	last, _ := e.c.Exchanges().Last()
	if body := last.Detail().RequestBody; !strings.Contains(body, `"slot_values"`) || strings.Contains(body, `value_verification_hash":"`) {
		t.Errorf("on-share body must carry slot values without hashes: %s", body)
	}
	onShare, err := e.c.GetOutgoingShare(e.ctx, bob, shareBJ)
	if err != nil {
		t.Fatal(err)
	}
	if onShare.OnsharingPermitted || onShare.OwnerID != alice.UserID || onShare.SenderID != bob.UserID {
		t.Errorf("on-share: onsharing %v owner %s sender %s", onShare.OnsharingPermitted, onShare.OwnerID, onShare.SenderID)
	}
	janeItem, err := e.c.ReadShare(e.ctx, jane, shareBJ)
	if err != nil {
		t.Fatalf("Jane reads: %v", err)
	}
	checkValues(t, "Jane", janeItem.Item, vehicleValues)
	// Jane's copy keeps the owner's hash and Bob's re-encrypted key: her
	// client verified every value against Alice's hash.
	janeChecks := e.led.Find(func(en ledger.Entry) bool { return en.Op == ledger.OpCheck && en.Actor == "Jane" && en.Note == "match" })
	if len(janeChecks) != len(vehicleValues) {
		t.Errorf("Jane verified %d values, want %d", len(janeChecks), len(vehicleValues))
	}

	// Jane cannot read Bob's incoming share, nor Alice's item.
	if _, err := e.c.ReadShare(e.ctx, jane, shareAB); !errors.Is(err, meeco.NotFound) {
		t.Errorf("Jane reading Bob's share: %v, want not_found", err)
	}
	if _, err := e.c.GetItem(e.ctx, jane, it.ID); !errors.Is(err, meeco.NotFound) {
		t.Errorf("Jane reading Alice's item: %v, want not_found", err)
	}
	// Jane may not on-share further (depth limit).
	jb := bj.ToConnection.Own.ID
	if _, err := e.c.Share(e.ctx, jane, jb, janeItem.Item.ID, ShareOptions{}); !errors.Is(err, meeco.Forbidden) {
		t.Errorf("Jane on-sharing further: %v, want forbidden", err)
	}

	// The sender deletes the on-share; Jane loses access.
	if err := e.c.DeleteShare(e.ctx, bob, shareBJ); err != nil {
		t.Fatalf("sender deletes: %v", err)
	}
	if _, err := e.c.ReadShare(e.ctx, jane, shareBJ); !errors.Is(err, meeco.NotFound) {
		t.Errorf("Jane after deletion: %v, want not_found", err)
	}
	// The owner deletes the share to Bob.
	if err := e.c.DeleteShare(e.ctx, alice, shareAB); err != nil {
		t.Fatalf("owner deletes: %v", err)
	}
	if _, err := e.c.ReadShare(e.ctx, bob, shareAB); !errors.Is(err, meeco.NotFound) {
		t.Errorf("Bob after owner's deletion: %v, want not_found", err)
	}
	outs, err := e.c.ListOutgoingShares(e.ctx, alice, OutgoingShareQuery{})
	if err != nil || len(outs.Shares) != 0 {
		t.Errorf("Alice's outgoing shares after deletions: %v %v", outs, err)
	}
	e.verifyLedger()
}

func TestFlowUpdateSharesReKey(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Log = &redact.Log{KeepRaw: true} })
	alice, bob, jane := e.user("Alice"), e.user("Bob"), e.user("Jane")
	it := e.vehicle(alice, "My Vehicle")
	ab := e.connect(alice, bob)
	aj := e.connect(alice, jane)
	toBob := e.share(alice, ab.FromConnection.Own.ID, it.ID, ShareOptions{})
	toJane := e.share(alice, aj.FromConnection.Own.ID, it.ID, ShareOptions{SlotName: "vin"})
	before, err := e.c.GetOutgoingShare(e.ctx, alice, toBob)
	if err != nil {
		t.Fatal(err)
	}

	// Alice changes the item: the Vault queues an update_item_shares task.
	cur, err := e.c.GetItem(e.ctx, alice, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	newValues := map[string]string{"vin": "VIN00000000", "model_make": "Toyota Yaris"}
	if _, err := e.c.UpdateItem(e.ctx, alice, cur.Update(newValues)); err != nil {
		t.Fatal(err)
	}
	tasks, err := e.c.ListClientTasks(e.ctx, alice, TaskQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks.ClientTasks) != 1 || tasks.ClientTasks[0].WorkType != meeco.WorkUpdateItemShares || tasks.ClientTasks[0].TargetID != it.ID {
		t.Fatalf("client tasks after update: %+v", tasks.ClientTasks)
	}
	// Until re-keyed, Bob still sees the old values.
	old, err := e.c.ReadShare(e.ctx, bob, toBob)
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, "Bob before re-key", old.Item, vehicleValues)

	mark := e.c.Exchanges().Len()
	run, err := e.c.RunClientTasks(e.ctx, alice, tasks.ClientTasks)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Completed) != 1 || len(run.Failed) != 0 {
		t.Fatalf("task run: %d done, %d failed (%v)", len(run.Completed), len(run.Failed), run.Failed)
	}
	wantCalls(t, e.calls(mark),
		"PUT /vault/client_task_queue",
		"GET /vault/items/{id}",
		"GET /vault/items/{id}/shares",
		"PUT /vault/items/{id}/shares",
		"PUT /vault/client_task_queue",
	)
	left, err := e.c.ListClientTasks(e.ctx, alice, TaskQuery{States: []meeco.ClientTaskState{meeco.TaskTodo, meeco.TaskInProgress}})
	if err != nil || len(left.ClientTasks) != 0 {
		t.Errorf("tasks left: %v %v", left, err)
	}
	after, err := e.c.GetOutgoingShare(e.ctx, alice, toBob)
	if err != nil {
		t.Fatal(err)
	}
	if after.EncryptedDEK == nil || *after.EncryptedDEK == *before.EncryptedDEK {
		t.Errorf("share DEK not replaced by the re-key")
	}
	want := copyMap(vehicleValues)
	for k, v := range newValues {
		want[k] = v
	}
	got, err := e.c.ReadShare(e.ctx, bob, toBob)
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, "Bob after re-key", got.Item, want)
	gotJ, err := e.c.ReadShare(e.ctx, jane, toJane)
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, "Jane after re-key", gotJ.Item, map[string]string{"vin": "VIN00000000"})

	// As Meeco's SDK re-keys: every slot to every share. Jane's one-slot
	// share is sent them all, and still gets only her slot.
	if _, err := e.c.UpdateSharesWith(e.ctx, alice, it.ID, UpdateSharesOptions{EverySlot: true}); err != nil {
		t.Fatal(err)
	}
	raws := e.c.Exchanges().Raw()
	var put meeco.UpdateItemSharesRequest
	if last := raws[len(raws)-1]; last.Method != "PUT" || json.Unmarshal(last.Request, &put) != nil {
		t.Fatalf("last exchange %s %s: want the PUT /items/{id}/shares body", last.Method, last.Path)
	}
	toJaneSlots := 0
	for _, v := range put.SlotValues {
		if v.ShareID == toJane {
			toJaneSlots++
		}
	}
	if toJaneSlots != len(cur.Slots) {
		t.Errorf("EverySlot: %d slot values for the one-slot share, want every slot (%d)", toJaneSlots, len(cur.Slots))
	}
	gotJ, err = e.c.ReadShare(e.ctx, jane, toJane)
	if err != nil {
		t.Fatal(err)
	}
	if len(gotJ.Item.Slots) != 1 {
		t.Errorf("one-slot share after an every-slot re-key: %d slots, want 1", len(gotJ.Item.Slots))
	}

	// Only the owner re-keys.
	if _, err := e.c.UpdateShares(e.ctx, bob, got.Item.ID); !errors.Is(err, ErrNotOwner) {
		t.Errorf("recipient re-keying: %v, want ErrNotOwner", err)
	}
	// Deleting a received item deletes its share.
	if err := e.c.DeleteItem(e.ctx, jane, gotJ.Item.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.GetOutgoingShare(e.ctx, alice, toJane); !errors.Is(err, meeco.NotFound) {
		t.Errorf("share after the recipient deleted the item: %v, want not_found", err)
	}
	e.verifyLedger()
}

// TestFlowHashMismatch tampers with the hash on the way to the recipient:
// the client must refuse the value with a typed error.
func TestFlowHashMismatch(t *testing.T) {
	var tamper atomic.Bool
	e := newEnv(t, func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err != nil || !tamper.Load() || !strings.HasSuffix(r.URL.Path, "/item") {
				return resp, err
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var doc map[string]any
			if json.Unmarshal(body, &doc) == nil {
				for _, s := range doc["slots"].([]any) {
					slot := s.(map[string]any)
					if h, ok := slot["value_verification_hash"].(string); ok {
						slot["value_verification_hash"] = strings.Repeat("0", len(h))
					}
				}
				body, _ = json.Marshal(doc)
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Del("Content-Length")
			return resp, nil
		})}
	})
	alice, bob := e.user("Alice"), e.user("Bob")
	it := e.vehicle(alice, "My Vehicle")
	conn := e.connect(alice, bob)
	shareID := e.share(alice, conn.FromConnection.Own.ID, it.ID, ShareOptions{})
	tamper.Store(true)
	_, err := e.c.ReadShare(e.ctx, bob, shareID)
	var hm *HashMismatchError
	if !errors.Is(err, ErrHashMismatch) || !errors.As(err, &hm) || hm.ItemID == "" {
		t.Fatalf("tampered hash: %v, want *HashMismatchError", err)
	}
	for _, v := range vehicleValues {
		if strings.Contains(err.Error(), v) {
			t.Errorf("error leaks a slot value: %v", err)
		}
	}
	// The mismatch is in the ledger, and re-checks as a mismatch.
	bad := e.led.Find(func(en ledger.Entry) bool { return en.Op == ledger.OpCheck && en.Note == "MISMATCH" })
	if len(bad) != 1 {
		t.Errorf("ledger has %d mismatch entries, want 1", len(bad))
	}
	e.verifyLedger()
}

// TestFlowRefusals makes deliberately wrong calls through Do.
func TestFlowRefusals(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.user("Alice"), e.user("Bob")
	it := e.vehicle(alice, "My Vehicle")

	// No token.
	resp, err := e.c.Do(e.ctx, nil, Call{Op: "get item without token", Method: "GET", Path: Path(meeco.VItem, it.ID)}, nil)
	if !errors.Is(err, meeco.Unauthorized) || resp == nil || resp.Status != 401 {
		t.Errorf("no token: %v %v, want 401", resp, err)
	}
	if !strings.HasPrefix(err.Error(), "get item without token: GET /vault/items/"+it.ID+": 401 unauthorized") {
		t.Errorf("error text %q", err.Error())
	}
	// Alice's Keystore token at the Vault.
	ks := alice.KeystoreToken
	_, err = e.c.Do(e.ctx, alice, Call{Op: "keystore token at vault", Method: "GET", Path: meeco.VMe, Token: &ks}, nil)
	if !errors.Is(err, meeco.Unauthorized) {
		t.Errorf("keystore token at the vault: %v, want unauthorized", err)
	}
	// Bob's token for Alice's item.
	_, err = e.c.Do(e.ctx, bob, Call{Op: "foreign item", Method: "GET", Path: Path(meeco.VItem, it.ID)}, nil)
	if !errors.Is(err, meeco.NotFound) {
		t.Errorf("Bob's token on Alice's item: %v, want not_found", err)
	}
	// A malformed body.
	_, err = e.c.Do(e.ctx, alice, Call{Op: "bad body", Method: "POST", Path: meeco.VItems, Body: []byte(`{"item":`)}, nil)
	if statusOf(err) != 400 {
		t.Errorf("malformed body: %v, want 400", err)
	}
	// A Bearer prefix is accepted too (docs' curl examples).
	bearer := NewToken("Bearer " + alice.VaultToken.Reveal())
	var me meeco.MeResponse
	if _, err := e.c.Do(e.ctx, alice, Call{Op: "bearer", Method: "GET", Path: meeco.VMe, Token: &bearer}, &me); err != nil || me.User.ID != alice.UserID {
		t.Errorf("Bearer token: %v", err)
	}
	// The raw response of a success is available.
	resp, err = e.c.Do(e.ctx, alice, Call{Op: "raw", Method: "GET", Path: Path(meeco.VItem, it.ID)}, nil)
	if err != nil || resp.Status != 200 || !bytes.Contains(resp.Body, []byte(`"encrypted_value":"Aes256Gcm.`)) {
		t.Errorf("raw response: %v %v", resp, err)
	}
	// Nothing in the exchange log leaks a token or a plaintext.
	for _, ex := range e.c.Exchanges().Exchanges() {
		s := ex.String()
		for _, secret := range []string{alice.VaultToken.Reveal(), alice.KeystoreToken.Reveal(), bob.VaultToken.Reveal(), vehicleValues["vin"], alice.Secret.Reveal()} {
			if strings.Contains(s, secret) {
				t.Fatalf("exchange %d leaks a secret:\n%s", ex.Seq, s)
			}
		}
	}
}

// TestFlowHeaders checks the headers of each kind of call against the SDK's
// generated clients.
func TestFlowHeaders(t *testing.T) {
	type seen struct {
		method, path string
		h            http.Header
	}
	var mu = make(chan struct{}, 1)
	var got []seen
	e := newEnv(t, func(cfg *Config) {
		cfg.VaultSubscriptionKey = "vault-sub"
		cfg.KeystoreSubscriptionKey = "ks-sub"
		cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu <- struct{}{}
			got = append(got, seen{r.Method, r.URL.Path, r.Header.Clone()})
			<-mu
			return http.DefaultTransport.RoundTrip(r)
		})}
	})
	alice := e.user("Alice")
	e.vehicle(alice, "v")
	present := func(h http.Header, k string) bool { _, ok := h[k]; return ok }
	for _, s := range got {
		key := s.method + " " + s.path
		sub := s.h.Get("Meeco-Subscription-Key")
		wantSub := "ks-sub"
		if strings.HasPrefix(s.path, "/vault") {
			wantSub = "vault-sub"
		}
		if sub != wantSub {
			t.Errorf("%s: subscription key %q, want %q", key, sub, wantSub)
		}
		login := strings.Contains(s.path, "/srp/") || key == "POST /vault/me" || key == "POST /vault/session"
		if login {
			if present(s.h, "Authorization") || present(s.h, "Meeco-Delegation-Id") {
				t.Errorf("%s: login route sends %v, want only the subscription key", key, s.h)
			}
			continue
		}
		auth := s.h.Get("Authorization")
		if auth == "" || strings.HasPrefix(auth, "Bearer") {
			t.Errorf("%s: Authorization must be the raw token", key)
		}
		switch {
		case strings.HasSuffix(s.path, "/key_encryption_key"):
			if present(s.h, "Meeco-Delegation-Id") || !present(s.h, "Meeco-Organisation-Id") || !present(s.h, "Meeco-Srt") {
				t.Errorf("%s: headers %v", key, s.h)
			}
		case strings.HasSuffix(s.path, "/external_admission_tokens"):
			if !present(s.h, "Meeco-Delegation-Id") || present(s.h, "Meeco-Organisation-Id") || present(s.h, "Meeco-Srt") {
				t.Errorf("%s: headers %v", key, s.h)
			}
		default:
			for _, k := range []string{"Meeco-Delegation-Id", "Meeco-Organisation-Id", "Meeco-Srt"} {
				if !present(s.h, k) || s.h.Get(k) != "" {
					t.Errorf("%s: %s = %q present %v, want sent empty", key, k, s.h.Get(k), present(s.h, k))
				}
			}
		}
		if (s.method == "POST" || s.method == "PUT") && s.h.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", key, s.h.Get("Content-Type"))
		}
	}
	if len(got) < 10 {
		t.Errorf("saw %d requests", len(got))
	}
}

// TestFlowAuthMetadata exports auth data as the CLI's auth file and works
// with the import.
func TestFlowAuthMetadata(t *testing.T) {
	e := newEnv(t)
	alice := e.user("Alice")
	it := e.vehicle(alice, "v")
	m := alice.Metadata()
	keys := MetadataKeys(m)
	if strings.Join(keys, ",") != "data_encryption_key,key_encryption_key,keystore_access_token,passphrase_derived_key,secret,vault_access_token" {
		t.Errorf("metadata keys %v", keys)
	}
	for _, k := range []string{MetaDataEncryptionKey, MetaKeyEncryptionKey, MetaPassphraseDerivedKey} {
		if len(m[k]) != 44 || !strings.HasSuffix(m[k], "=") || strings.ContainsAny(m[k], "+/") {
			t.Errorf("%s is not padded URL-safe base64 of 32 bytes", k)
		}
	}
	imported, err := AuthDataFromMetadata(m)
	if err != nil {
		t.Fatal(err)
	}
	imported.Name = "Alice (imported)"
	got, err := e.c.GetItem(e.ctx, imported, it.ID)
	if err != nil {
		t.Fatalf("imported auth: %v", err)
	}
	checkValues(t, "imported", got, vehicleValues)

	// Printing auth data never shows secrets.
	s := alice.String() + " " + fmtAll(alice) + fmtAll(*alice)
	for _, secret := range []string{m[MetaDataEncryptionKey], m[MetaKeyEncryptionKey], m[MetaVaultAccessToken], m[MetaKeystoreAccessToken], m[MetaSecret]} {
		if strings.Contains(s, secret) {
			t.Errorf("AuthData formatting leaks a secret: %s", s)
		}
	}
	// Bad metadata is refused, naming the field.
	bad := copyMap(m)
	bad[MetaKeyEncryptionKey] = "not base64!"
	if _, err := AuthDataFromMetadata(bad); !errors.Is(err, ErrBadAuthData) || !strings.Contains(err.Error(), MetaKeyEncryptionKey) || strings.Contains(err.Error(), "not base64!") {
		t.Errorf("bad key: %v", err)
	}
	delete(bad, MetaSecret)
	if _, err := AuthDataFromMetadata(bad); !errors.Is(err, ErrBadAuthData) {
		t.Errorf("missing secret: %v", err)
	}
	// A key that is not 32 bytes.
	bad = copyMap(m)
	bad[MetaDataEncryptionKey] = cryppo.EncodeBase64(make([]byte, 16))
	if _, err := AuthDataFromMetadata(bad); !errors.Is(err, ErrBadAuthData) {
		t.Errorf("short key: %v", err)
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
