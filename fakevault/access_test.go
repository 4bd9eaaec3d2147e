package fakevault

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// world is alice's and bob's data, seen by eve, who shares nothing with
// them.
type world struct {
	f                *fixture
	ts               *TestServer
	alice, bob, eve  string
	aliceKS, eveKS   string
	item             *meeco.ItemResponse
	aliceToBob       meeco.Share
	bobToAlice       meeco.Share
	conn             meeco.Connection
	invitation       meeco.Invitation
	dekID, keypairID string
	markers          []string // strings of alice and bob that eve must never see
}

// ksSession opens a Keystore session directly in the store.
func (f *fixture) ksSession(ksUID string) string {
	f.st.mu.Lock()
	defer f.st.mu.Unlock()
	tok := newToken()
	now := f.st.clock()
	f.st.ksSessions[tok] = &session{id: newID(), userID: ksUID, from: now, expires: now.Add(f.st.ttl)}
	return tok
}

func buildWorld(t *testing.T) *world {
	f := &fixture{t: t, now: time.Date(2024, 10, 9, 12, 0, 0, 0, time.UTC)}
	ts := NewTestServer(t, Options{Now: f.clock})
	f.st = ts.Store()
	w := &world{f: f, ts: ts}
	w.alice, w.bob, w.eve = f.user(), f.user(), f.user()
	w.aliceKS = f.st.users[w.alice].ksUserID
	w.eveKS = f.st.users[w.eve].ksUserID
	w.conn, _ = f.connect(w.alice, w.bob)
	w.item = f.vehicle(w.alice)
	w.aliceToBob = f.share(w.alice, w.item, w.bob, onshare)
	w.bobToAlice = f.share(w.bob, f.vehicle(w.bob), w.alice, needsAcceptance)
	inv, err := f.st.CreateInvitation(w.alice, meeco.CreateInvitationRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "kp-pending", PublicKey: pubKey(t, 3)},
		Invitation: meeco.NewInvitation{EncryptedRecipientName: aesStr(t)}})
	if err != nil {
		t.Fatal(err)
	}
	w.invitation = inv.Invitation
	if _, err := f.st.UpdateItem(w.alice, w.item.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{
		SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: ptr(aesStr(t))}}}}); err != nil {
		t.Fatal(err) // queues a client task for alice
	}
	if _, err := f.st.CreateKEK(w.aliceKS, meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: aesStr(t)}); err != nil && !strings.Contains(err.Error(), "unauthorized") {
		t.Fatal(err)
	}
	dek, _ := f.st.CreateDEK(w.aliceKS, meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: aesStr(t)})
	w.dekID = dek.DataEncryptionKey.ID
	kp, _ := f.st.CreateKeypair(w.aliceKS, meeco.KeypairRequest{PublicKey: pubKey(t, 4), EncryptedSerializedKey: aesStr(t), ExternalIdentifiers: []string{"alice-only"}})
	w.keypairID = kp.Keypair.ID

	// Every id and ciphertext of alice's and bob's is a marker.
	for _, uid := range []string{w.alice, w.bob} {
		for _, it := range f.st.userItems[uid] {
			w.markers = append(w.markers, it.id)
			for _, sid := range it.slotIDs {
				sl := f.st.slots[sid]
				w.markers = append(w.markers, sl.id)
				if sl.value != nil {
					w.markers = append(w.markers, *sl.value)
				}
			}
		}
		for _, c := range f.st.userConns[uid] {
			w.markers = append(w.markers, c.id, c.encryptedName)
		}
		for _, tk := range f.st.userTasks[uid] {
			w.markers = append(w.markers, tk.id)
		}
	}
	for _, sh := range f.st.shares {
		w.markers = append(w.markers, sh.id, sh.encryptedDEK)
		for _, v := range sh.vals { // a recipient copy's values live on its shares
			if v.value != nil {
				w.markers = append(w.markers, *v.value)
			}
		}
	}
	w.markers = append(w.markers, w.alice, w.bob, w.invitation.Token, *w.invitation.ID, w.dekID, w.keypairID,
		dek.DataEncryptionKey.SerializedDataEncryptionKey, kp.Keypair.EncryptedSerializedKey)
	return w
}

// snapshot renders everything alice and bob can see, to show that eve's
// requests changed nothing.
func (w *world) snapshot() string {
	st := w.f.st
	var parts []any
	for _, uid := range []string{w.alice, w.bob} {
		items, _ := st.ListItems(uid, ItemFilter{}, Page{})
		in, _ := st.ListIncoming(uid, IncomingFilter{}, Page{})
		out, _ := st.ListOutgoing(uid, OutgoingFilter{}, Page{})
		conns, _ := st.ListConnections(uid, Page{})
		invs, _ := st.ListInvitations(uid, "", Page{})
		tasks, _ := st.ListTasks(uid, TaskFilter{States: []string{"todo", "in_progress", "done", "failed"}}, Page{})
		me, _ := st.GetMe(uid)
		parts = append(parts, items, in, out, conns, invs, tasks, me)
	}
	kek, _ := st.GetKEK(w.aliceKS)
	dek, _ := st.GetDEK(w.aliceKS, w.dekID)
	kp, _ := st.GetKeypair(w.aliceKS, w.keypairID)
	parts = append(parts, kek, dek, kp)
	b, _ := json.Marshal(parts)
	return string(b)
}

// target gives, per route, the path with alice's (or bob's) objects in it
// and a body that would succeed for their owner, so that only access
// control can stop eve.
func (w *world) target(t *testing.T, rt route) (path string, body any, foreign bool) {
	t.Helper()
	item, slot := w.item.Item.ID, w.item.Slots[0].ID
	vals := []meeco.SlotValue{{SlotID: slot, EncryptedValue: ptr(aesStr(t)), EncryptedValueVerificationKey: ptr(aesStr(t)), ValueVerificationHash: ptr(hashStr())}}
	subst := map[string]struct {
		id   string
		body any
	}{
		"DELETE /keystore/session":                         {},
		"GET /keystore/external_admission_tokens":          {},
		"POST /keystore/key_encryption_key":                {body: meeco.KeyEncryptionKeyRequest{SerializedKeyEncryptionKey: aesStr(t)}},
		"GET /keystore/key_encryption_key":                 {},
		"POST /keystore/data_encryption_keys":              {body: meeco.DataEncryptionKeyRequest{SerializedDataEncryptionKey: aesStr(t)}},
		"GET /keystore/data_encryption_keys/{id}":          {id: w.dekID},
		"POST /keystore/keypairs":                          {body: meeco.KeypairRequest{PublicKey: pubKey(t, 0), EncryptedSerializedKey: aesStr(t)}},
		"GET /keystore/keypairs/{id}":                      {id: w.keypairID},
		"GET /keystore/keypairs/external_id/{external_id}": {id: "alice-only"},
		"GET /vault/me":                                    {},
		"PUT /vault/me":                                    {body: meeco.UpdateMeRequest{User: meeco.UpdateMeUser{FullName: ptr("Eve")}}},
		"DELETE /vault/session":                            {},
		"GET /vault/item_templates":                        {},
		"GET /vault/item_templates/{id}":                   {id: stableID("template", "vehicle")},
		"GET /vault/classification_nodes":                  {},
		"POST /vault/classification_nodes":                 {body: meeco.CreateClassificationNodeRequest{ClassificationNode: meeco.NewClassificationNode{ClassificationSchemeName: "s", Name: "n", Label: "N"}}},
		"POST /vault/items":                                {body: meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "Eve's"}}},
		"GET /vault/items":                                 {},
		"GET /vault/items/{id}":                            {id: item},
		"PUT /vault/items/{id}":                            {id: item, body: meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{Label: ptr("pwned")}}},
		"DELETE /vault/items/{id}":                         {id: item},
		"POST /vault/items/{id}/encrypt":                   {id: w.f.st.shares[w.aliceToBob.ID].copyID, body: meeco.EncryptItemRequest{Slots: []meeco.EncryptSlot{{ID: slot, EncryptedValue: ptr(aesStr(t))}}}},
		"GET /vault/slots/{id}":                            {id: slot},
		"DELETE /vault/slots/{id}":                         {id: slot},
		"POST /vault/invitations":                          {body: meeco.CreateInvitationRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "k", PublicKey: pubKey(t, 0)}, Invitation: meeco.NewInvitation{EncryptedRecipientName: aesStr(t)}}},
		"GET /vault/invitations":                           {},
		"GET /vault/invitations/{id}":                      {id: *w.invitation.ID},
		"DELETE /vault/invitations/{id}":                   {id: *w.invitation.ID},
		"POST /vault/connections":                          {body: meeco.CreateConnectionRequest{PublicKey: meeco.PublicKeyRef{KeypairExternalID: "k", PublicKey: pubKey(t, 0)}, Connection: meeco.NewConnection{EncryptedRecipientName: aesStr(t), InvitationToken: newToken()}}},
		"GET /vault/connections":                           {},
		"GET /vault/connections/{id}":                      {id: w.conn.Own.ID},
		"DELETE /vault/connections/{id}":                   {id: w.conn.Own.ID},
		"POST /vault/items/{id}/shares":                    {id: item, body: meeco.CreateSharesRequest{Shares: []meeco.PostShare{{RecipientID: w.eve, PublicKey: pubKey(t, 0), KeypairExternalID: "k", EncryptedDEK: rsaStr(t, 0), SlotValues: vals}}}},
		"GET /vault/items/{id}/shares":                     {id: item},
		"PUT /vault/items/{id}/shares":                     {id: item, body: meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: w.aliceToBob.ID, DEK: rsaStr(t, 0)}}}},
		"GET /vault/incoming_shares":                       {},
		"GET /vault/incoming_shares/{id}":                  {id: w.bobToAlice.ID},
		"GET /vault/incoming_shares/{id}/item":             {id: w.bobToAlice.ID},
		"PUT /vault/incoming_shares/{id}/accept":           {id: w.bobToAlice.ID},
		"GET /vault/outgoing_shares":                       {},
		"GET /vault/outgoing_shares/{id}":                  {id: w.aliceToBob.ID},
		"DELETE /vault/shares/{id}":                        {id: w.aliceToBob.ID},
		"PUT /vault/shares":                                {body: meeco.ReconfigureSharesRequest{Shares: []meeco.ReconfigureShare{{ShareID: w.aliceToBob.ID, OnsharingPermitted: ptr(false)}}}},
		"GET /vault/client_task_queue":                     {},
		"PUT /vault/client_task_queue":                     {body: meeco.UpdateClientTasksRequest{ClientTasks: []meeco.ClientTaskUpdate{{ID: w.taskID(), State: meeco.TaskDone}}}},
	}
	key := rt.method + " " + rt.path
	s, ok := subst[key]
	if !ok {
		t.Fatalf("route %s has no entry in the access matrix: add one", key)
	}
	path = rt.path
	if i := strings.Index(path, "{"); i >= 0 {
		j := strings.Index(path, "}")
		path = path[:i] + s.id + path[j+1:]
		foreign = !strings.Contains(key, "item_templates")
	}
	return path, s.body, foreign
}

func (w *world) taskID() string {
	for _, tk := range w.f.st.userTasks[w.alice] {
		return tk.id
	}
	return ""
}

func TestAccessMatrix(t *testing.T) {
	w := buildWorld(t)
	f := w.f
	before := w.snapshot()

	// Tokens that must all fail.
	aliceVault := f.sessionFor(w.alice)
	aliceKSTok := f.ksSession(w.aliceKS)
	loggedOutVault, loggedOutKS := f.sessionFor(w.alice), f.ksSession(w.aliceKS)
	if err := f.st.DeleteVaultSession(loggedOutVault); err != nil {
		t.Fatal(err)
	}
	if err := f.st.DeleteKeystoreSession(loggedOutKS); err != nil {
		t.Fatal(err)
	}
	f.st.mu.Lock()
	f.st.ttl = time.Minute
	f.st.mu.Unlock()
	expiringVault, expiringKS := f.sessionFor(w.alice), f.ksSession(w.aliceKS)
	f.st.mu.Lock()
	f.st.ttl = 24 * time.Hour
	f.st.mu.Unlock()
	f.advance(2 * time.Minute)

	routes := routeTable()
	authed := 0
	for _, rt := range routes {
		if rt.auth == authNone {
			continue
		}
		authed++
		rt := rt
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			path, body, foreign := w.target(t, rt)
			wrongService := aliceKSTok
			loggedOut, expired := loggedOutVault, expiringVault
			if rt.auth == authKeystore {
				wrongService, loggedOut, expired = aliceVault, loggedOutKS, expiringKS
			}
			for _, bad := range []struct{ name, header string }{
				{"no token", ""},
				{"garbage", "not a token"},
				{"bearer garbage", "Bearer " + strings.Repeat("x", 43)},
				{"unknown", newToken()},
				{"logged out", loggedOut},
				{"expired", expired},
				{"other service's token", wrongService},
				{"overlong", strings.Repeat("a", 4096)},
			} {
				r := (&client{t: t, base: w.ts.URL(), token: bad.header}).do(rt.method, path, body)
				if r.status != 401 {
					t.Fatalf("%s: status=%d, want 401", bad.name, r.status)
				}
				r.wantError(t, meeco.Unauthorized)
			}
			// Eve, with fresh valid tokens of her own.
			tok := f.sessionFor(w.eve)
			if rt.auth == authKeystore {
				tok = f.ksSession(w.eveKS)
			}
			r := (&client{t: t, base: w.ts.URL(), token: tok}).do(rt.method, path, body)
			if foreign && r.status != 404 {
				t.Fatalf("eve on alice's object: status=%d, want 404; body %s", r.status, clip(string(r.body), 300))
			}
			if r.status >= 500 {
				t.Fatalf("status %d", r.status)
			}
			for _, m := range w.markers {
				if m != "" && strings.Contains(string(r.body), m) {
					t.Fatalf("eve's response holds alice's or bob's data: %s", clip(string(r.body), 300))
				}
			}
		})
	}
	if authed < 40 {
		t.Fatalf("only %d authenticated routes in the table", authed)
	}
	if after := w.snapshot(); after != before {
		t.Fatal("eve's requests changed alice's or bob's data")
	}
}
