package fakevault

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Tests of one item shared more than once to the same recipient: one copy,
// several shares, each with its own DEK and its own slot values.

// sent maps share id → owner slot id → the values that share was sent:
// what the recipient must get back when reading that share.
type sent map[string]map[string]meeco.SlotValue

func (w sent) record(sh meeco.Share, values []meeco.SlotValue) {
	m := map[string]meeco.SlotValue{}
	for _, v := range values {
		v.ShareID = ""
		m[v.SlotID] = v
	}
	w[sh.ID] = m
}

func eqPtr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// wantSlots checks that slots are exactly the slots of want (by owner slot
// id) with want's values, each naming shareID as the share that delivered
// it, and that slotIDs lists them.
func wantSlots(t *testing.T, what string, slots []meeco.Slot, slotIDs []string, shareID string, want map[string]meeco.SlotValue) {
	t.Helper()
	got := map[string]bool{}
	var ids []string
	for _, sl := range slots {
		ids = append(ids, sl.ID)
		if sl.OriginalID == nil {
			t.Fatalf("%s: slot %s without original_id", what, sl.Name)
		}
		w, ok := want[*sl.OriginalID]
		if !ok {
			t.Fatalf("%s: slot %s is not granted by share %s", what, sl.Name, shareID)
		}
		if got[*sl.OriginalID] {
			t.Fatalf("%s: slot %s twice", what, sl.Name)
		}
		got[*sl.OriginalID] = true
		if sl.ShareID == nil || *sl.ShareID != shareID {
			t.Fatalf("%s: slot %s not delivered by share %s", what, sl.Name, shareID)
		}
		if !eqPtr(sl.EncryptedValue, w.EncryptedValue) || !eqPtr(sl.EncryptedValueVerificationKey, w.EncryptedValueVerificationKey) ||
			!eqPtr(sl.ValueVerificationHash, w.ValueVerificationHash) {
			t.Fatalf("%s: slot %s does not carry the values share %s was sent", what, sl.Name, shareID)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d slots, want the %d share %s grants", what, len(got), len(want), shareID)
	}
	if !slices.Equal(ids, slotIDs) {
		t.Fatalf("%s: item.slot_ids %v do not list the slots given %v", what, slotIDs, ids)
	}
}

// checkRecipientView checks everything uid can read of the item the live
// shares in want deliver:
//   - GET /incoming_shares/{id}/item gives exactly the share's slots with
//     the share's values;
//   - following item_shared_via_another_share_id as the SDK does (one
//     refetch, then decrypt with the DEK of the share in that response)
//     loses no slot the share grants, and gives the values of the share
//     in the response;
//   - GET /items/{copy} renders the copy through the share named by
//     item.share_id, which grants at least as much as any readable share.
func checkRecipientView(t *testing.T, f *fixture, uid string, want sent) {
	t.Helper()
	var copyID string
	for id, vals := range want {
		r, err := f.st.GetIncomingItem(uid, id)
		if err != nil {
			t.Fatalf("GetIncomingItem(%s): %v", id, err)
		}
		if r.Share.ID != id {
			t.Fatalf("GetIncomingItem(%s) renders share %s", id, r.Share.ID)
		}
		if copyID == "" {
			copyID = r.Item.ID
		} else if r.Item.ID != copyID {
			t.Fatalf("the shares of one item render different copies")
		}
		wantSlots(t, "share "+id, r.Slots, r.Item.SlotIDs, id, vals)
		final := r
		if via := r.ItemSharedViaAnotherShareID; via != nil {
			if *via == id {
				t.Fatalf("share %s is shared via itself", id)
			}
			if want[*via] == nil {
				t.Fatalf("share %s is shared via %s, not a live share", id, *via)
			}
			r2, err := f.st.GetIncomingItem(uid, *via)
			if err != nil {
				t.Fatalf("refetch via %s: %v", *via, err)
			}
			if r2.ItemSharedViaAnotherShareID != nil {
				t.Fatalf("share %s: the via share %s names another via share", id, *via)
			}
			wantSlots(t, "via share "+*via, r2.Slots, r2.Item.SlotIDs, *via, want[*via])
			final = r2
		}
		for orig := range vals {
			if !slices.ContainsFunc(final.Slots, func(sl meeco.Slot) bool { return *sl.OriginalID == orig }) {
				t.Fatalf("reading share %s as the SDK does loses slot %s", id, orig)
			}
		}
	}
	items, err := f.st.ListItems(uid, ItemFilter{}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		if len(items.Items) != 0 {
			t.Fatalf("recipient keeps %d items with no share left", len(items.Items))
		}
		return
	}
	if len(items.Items) != 1 || items.Items[0].ID != copyID {
		t.Fatalf("recipient holds %d items, want the one copy", len(items.Items))
	}
	got, err := f.st.GetItem(uid, copyID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Item.ShareID == nil || want[*got.Item.ShareID] == nil {
		t.Fatalf("copy held by %v, not a live share", got.Item.ShareID)
	}
	holder := *got.Item.ShareID
	wantSlots(t, "GET /items/{copy}", got.Slots, got.Item.SlotIDs, holder, want[holder])
	in, _ := f.st.GetIncoming(uid, holder)
	for id, vals := range want {
		x, _ := f.st.GetIncoming(uid, id)
		if x.Share.AcceptanceRequired.Readable() && in.Share.AcceptanceRequired.Readable() && len(vals) > len(want[holder]) {
			t.Fatalf("copy held by share %s granting %d slots while share %s grants %d", holder, len(want[holder]), id, len(vals))
		}
		if x.Share.AcceptanceRequired.Readable() && !in.Share.AcceptanceRequired.Readable() {
			t.Fatalf("copy held by a share waiting for acceptance while share %s is readable", id)
		}
	}
	checkInvariants(t, f.st)
}

// TestSameItemSharedTwice covers problems 1 and 2 of a recipient holding
// one copy through several shares of different scope: each share reads as
// exactly what it grants, the SDK's via refetch loses nothing, and deleting
// any share (the one holding the copy included) leaves the others serving
// their own slots with their own values.
func TestSameItemSharedTwice(t *testing.T) {
	type step struct {
		slot    string // "" full share, else the slot name shared
		pending bool   // acceptance required
		del     int    // >0: delete the share made at step del-1 instead
		accept  int    // >0: accept the share made at step accept-1 instead
		byBob   bool   // the recipient deletes (else the owner)
	}
	share := func(slot string) step { return step{slot: slot} }
	cases := []struct {
		name  string
		steps []step
	}{
		{"slot then full", []step{share("vin"), share("")}},
		{"full then slot", []step{share(""), share("vin")}},
		{"two slots", []step{share("vin"), share("model_make")}},
		{"same slot twice", []step{share("vin"), share("vin")}},
		{"two full", []step{share(""), share("")}},
		{"slot then full, delete the slot share", []step{share("vin"), share(""), {del: 1}}},
		{"slot then full, recipient deletes the full share", []step{share("vin"), share(""), {del: 2, byBob: true}}},
		{"full then slot, delete the full share", []step{share(""), share("vin"), {del: 1}}},
		{"slot holds while the full share waits, then is deleted", []step{share("vin"), {pending: true}, {del: 1}, {accept: 2}}},
		{"full share accepted after a slot share", []step{share("vin"), {pending: true}, {accept: 2}}},
		{"two slots, delete the first", []step{share("vin"), share("model_make"), {del: 1}}},
		{"slot, full, slot, delete the full share", []step{share("vin"), share(""), share("type"), {del: 2}}},
		{"slot, full, slot, delete both slot shares", []step{share("vin"), share(""), share("type"), {del: 1}, {del: 3}}},
		{"delete everything", []step{share("vin"), share(""), {del: 2}, {del: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			alice, bob := f.user(), f.user()
			f.connect(alice, bob)
			it := f.vehicle(alice)
			slotID := func(name string) string {
				for _, sl := range it.Slots {
					if sl.Name == name {
						return sl.ID
					}
				}
				t.Fatalf("no slot %s", name)
				return ""
			}
			want := sent{}
			made := map[int]meeco.Share{}
			for i, st := range c.steps {
				switch {
				case st.del > 0:
					actor := alice
					if st.byBob {
						actor = bob
					}
					if err := f.st.DeleteShare(actor, made[st.del-1].ID); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					delete(want, made[st.del-1].ID)
				case st.accept > 0:
					if _, err := f.st.AcceptShare(bob, made[st.accept-1].ID); err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
				default:
					req := f.shareReq(alice, it, bob, func(ps *meeco.PostShare) {
						if st.slot != "" {
							ps.SlotID = ptr(slotID(st.slot))
						}
						if st.pending {
							needsAcceptance(ps)
						}
					})
					resp, err := f.st.CreateShares(alice, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{req}})
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
					made[i] = resp.Shares[0]
					want.record(resp.Shares[0], req.SlotValues)
				}
				t.Run(fmt.Sprintf("after step %d", i), func(t *testing.T) { checkRecipientView(t, f, bob, want) })
			}
		})
	}
}

// TestSameItemOnShareScope: an on-share made from a copy held through a
// slot share carries that slot only, and a later re-key by the owner that
// sends every slot for it (as the SDK does) does not widen it.
func TestSameItemOnShareScope(t *testing.T) {
	f := newFixture(t)
	alice, bob, jane := f.user(), f.user(), f.user()
	f.connect(alice, bob)
	f.connect(bob, jane)
	it := f.vehicle(alice)
	vin := it.Slots[2]
	ab := f.share(alice, it, bob, onshare, func(ps *meeco.PostShare) { ps.SlotID = ptr(vin.ID) })
	bc := f.received(bob, ab.ID)
	if len(bc.Slots) != 1 {
		t.Fatalf("bob's copy %v", slotNames(bc.Slots))
	}
	bj := f.share(bob, bc, jane) // a "full" on-share of what bob holds
	if got := f.received(jane, bj.ID); len(got.Slots) != 1 || *got.Slots[0].OriginalID != vin.ID {
		t.Fatalf("jane's copy %v, want [vin]", slotNames(got.Slots))
	}
	if _, err := f.st.UpdateItemShares(alice, it.Item.ID, sdkRekey(t, f, alice, it.Item.ID)); err != nil {
		t.Fatalf("SDK-shaped re-key: %v", err)
	}
	if got := f.received(jane, bj.ID); len(got.Slots) != 1 || *got.Slots[0].OriginalID != vin.ID {
		t.Fatalf("after re-key jane's copy %v, want [vin]", slotNames(got.Slots))
	}
	checkInvariants(t, f.st)
}

// TestSameItemOnSharePermission: the permission to on-share stays with
// the share that gave it when a share without it takes the copy over.
func TestSameItemOnSharePermission(t *testing.T) {
	f := newFixture(t)
	alice, bob, jane := f.user(), f.user(), f.user()
	f.connect(alice, bob)
	f.connect(bob, jane)
	it := f.vehicle(alice)
	vin := it.Slots[2]
	slotShare := f.share(alice, it, bob, onshare, func(ps *meeco.PostShare) { ps.SlotID = ptr(vin.ID) })
	full := f.share(alice, it, bob) // no on-sharing; takes the copy over
	// Bob's SDK reads the copy through GET /items: the full share's view.
	copyID := f.received(bob, full.ID).Item.ID
	bc := f.mustItem(bob, copyID)
	if *bc.Item.ShareID != full.ID || len(bc.Slots) != 5 {
		t.Fatalf("bob's copy held by %s with %d slots, want the full share with 5", *bc.Item.ShareID, len(bc.Slots))
	}
	var bobVin meeco.Slot
	for _, sl := range bc.Slots {
		if *sl.OriginalID == vin.ID {
			bobVin = sl
		}
	}
	// All of it: the full share forbids, the slot share does not grant it.
	_, err := f.st.CreateShares(bob, copyID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{f.shareReq(bob, bc, jane)}})
	wantKind(t, err, meeco.Forbidden)
	// The vin slot: permitted through the slot share.
	resp, err := f.st.CreateShares(bob, copyID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{
		f.shareReq(bob, bc, jane, func(ps *meeco.PostShare) { ps.SlotID = ptr(bobVin.ID) })}})
	if err != nil {
		t.Fatalf("on-share of the slot the slot share permits: %v", err)
	}
	bj := resp.Shares[0]
	jc := f.received(jane, bj.ID)
	fullVals := f.st.shares[full.ID].vals[vin.ID]
	if len(jc.Slots) != 1 || *jc.Slots[0].OriginalID != vin.ID || !eqPtr(jc.Slots[0].ValueVerificationHash, fullVals.hash) {
		t.Fatalf("jane's copy %v: want vin with the hash of the values bob read", slotNames(jc.Slots))
	}
	if f.st.shares[bj.ID].parentID != slotShare.ID {
		t.Fatal("the on-share does not hang on the share that permitted it")
	}
	// Deleting the permitting share takes the on-share with it: the
	// remaining share does not permit on-sharing.
	if err := f.st.DeleteShare(alice, slotShare.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.st.GetIncoming(jane, bj.ID)
	wantKind(t, err, meeco.NotFound)
	checkRecipientView(t, f, bob, sent{full.ID: f.sentOf(full.ID)})
}

// sentOf returns what the store keeps for a share, as a sent map entry.
func (f *fixture) sentOf(shareID string) map[string]meeco.SlotValue {
	out := map[string]meeco.SlotValue{}
	for orig, v := range f.st.shares[shareID].vals {
		out[orig] = meeco.SlotValue{SlotID: orig, EncryptedValue: copyPtr(v.value), EncryptedValueVerificationKey: copyPtr(v.key), ValueVerificationHash: copyPtr(v.hash)}
	}
	return out
}

// sdkRekey builds PUT /items/{id}/shares as the Meeco SDK does
// (createPutItemSharesRequestBody): every share of the item gets a value
// for EVERY slot of the item, whatever the share's slot_id.
func sdkRekey(t *testing.T, f *fixture, owner, itemID string) meeco.UpdateItemSharesRequest {
	t.Helper()
	cur := f.mustItem(owner, itemID)
	list, err := f.st.GetItemShares(owner, itemID)
	if err != nil {
		t.Fatal(err)
	}
	var req meeco.UpdateItemSharesRequest
	for _, sh := range list.Shares {
		req.ShareDEKs = append(req.ShareDEKs, meeco.ShareDEK{ShareID: sh.ID, DEK: rsaStr(t, 2)})
		for _, sl := range cur.Slots {
			v := meeco.SlotValue{ShareID: sh.ID, SlotID: sl.ID}
			if sl.EncryptedValue != nil {
				v.EncryptedValue, v.EncryptedValueVerificationKey, v.ValueVerificationHash = ptr(aesStr(t)), ptr(aesStr(t)), ptr(hashStr())
			}
			req.SlotValues = append(req.SlotValues, v)
		}
	}
	return req
}

// TestRekeyAsTheSDKDoes covers problem 3: the SDK's re-key sends values of
// every slot for every share. The Vault must accept it, keep for each share
// only the slots it grants, and never hand a slot share's recipient the
// others.
func TestRekeyAsTheSDKDoes(t *testing.T) {
	cases := []struct {
		name   string
		shares []string // per share to bob: "" full, else slot name
		carol  string   // a share to carol too: "" none, else slot name or "*" full
		addNew bool     // the owner adds a slot before the re-key
	}{
		{"one slot share", []string{"vin"}, "", false},
		{"slot share and a slot added", []string{"vin"}, "", true},
		{"slot share riding on a full share", []string{"", "vin"}, "", false},
		{"full share riding on a slot share", []string{"vin", ""}, "", true},
		{"two slot shares", []string{"vin", "type"}, "type", false},
		{"full and slot to two users", []string{""}, "vin", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			alice, bob, carol := f.user(), f.user(), f.user()
			f.connect(alice, bob)
			f.connect(alice, carol)
			it := f.vehicle(alice)
			byName := map[string]string{}
			for _, sl := range it.Slots {
				byName[sl.Name] = sl.ID
			}
			grants := map[string]string{} // share id → "" or owner slot id
			recips := map[string]string{}
			mk := func(to, slot string) {
				sh := f.share(alice, it, to, func(ps *meeco.PostShare) {
					if slot != "" {
						ps.SlotID = ptr(byName[slot])
					}
				})
				grants[sh.ID] = ""
				if slot != "" {
					grants[sh.ID] = byName[slot]
				}
				recips[sh.ID] = to
			}
			for _, s := range c.shares {
				mk(bob, s)
			}
			switch c.carol {
			case "":
			case "*":
				mk(carol, "")
			default:
				mk(carol, c.carol)
			}
			if c.addNew {
				if _, err := f.st.UpdateItem(alice, it.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{
					SlotsAttributes: []meeco.SlotAttributes{{Name: "colour", EncryptedValue: ptr(aesStr(t))}}}}); err != nil {
					t.Fatal(err)
				}
			}
			req := sdkRekey(t, f, alice, it.Item.ID)
			if _, err := f.st.UpdateItemShares(alice, it.Item.ID, req); err != nil {
				t.Fatalf("the SDK's re-key is refused: %v", err)
			}
			// What each share must now serve: the re-key's values of the
			// slots it grants, nothing else.
			want := map[string]sent{bob: {}, carol: {}}
			for _, v := range req.SlotValues {
				g := grants[v.ShareID]
				if g != "" && v.SlotID != g {
					continue
				}
				w := want[recips[v.ShareID]]
				if w[v.ShareID] == nil {
					w[v.ShareID] = map[string]meeco.SlotValue{}
				}
				vv := v
				vv.ShareID = ""
				w[v.ShareID][v.SlotID] = vv
			}
			for _, u := range []string{bob, carol} {
				checkRecipientView(t, f, u, want[u])
			}
			// No share keeps a value of a slot it does not grant, and no
			// response to a recipient carries one.
			dropped := map[string]bool{}
			for _, v := range req.SlotValues {
				if g := grants[v.ShareID]; g != "" && v.SlotID != g && v.EncryptedValue != nil {
					dropped[*v.EncryptedValue] = true
				}
			}
			for id, sh := range f.st.shares {
				for orig, v := range sh.vals {
					if sh.grant != "" && orig != sh.grant {
						t.Fatalf("share %s stores slot %s it does not grant", id, orig)
					}
					if v.value != nil && dropped[*v.value] {
						t.Fatal("a dropped value was stored")
					}
				}
			}
			for _, u := range []string{bob, carol} {
				for id := range want[u] {
					r, _ := f.st.GetIncomingItem(u, id)
					for _, sl := range r.Slots {
						if sl.EncryptedValue != nil && dropped[*sl.EncryptedValue] {
							t.Fatalf("recipient of share %s received a slot it was not granted", id)
						}
					}
				}
				items, _ := f.st.ListItems(u, ItemFilter{}, Page{})
				for _, sl := range items.Slots {
					if sl.EncryptedValue != nil && dropped[*sl.EncryptedValue] {
						t.Fatal("a dropped value is listed among the recipient's items")
					}
					one, err := f.st.GetSlot(u, sl.ID)
					if err != nil || (one.Slot.EncryptedValue != nil && dropped[*one.Slot.EncryptedValue]) {
						t.Fatalf("GET /slots/{id}: %v", err)
					}
				}
			}
		})
	}
	// The entries are still checked: a slot of another item, or a share of
	// another item, is refused even when the share would drop it.
	f := newFixture(t)
	alice, bob := f.user(), f.user()
	f.connect(alice, bob)
	it, other := f.vehicle(alice), f.vehicle(alice)
	sh := f.share(alice, it, bob, func(ps *meeco.PostShare) { ps.SlotID = ptr(it.Slots[2].ID) })
	for _, bad := range []meeco.SlotValue{
		{ShareID: sh.ID, SlotID: other.Slots[0].ID},
		{ShareID: sh.ID, SlotID: it.Slots[0].ID, EncryptedValue: ptr("plaintext"), EncryptedValueVerificationKey: ptr(aesStr(t)), ValueVerificationHash: ptr(hashStr())},
		{ShareID: sh.ID, SlotID: it.Slots[0].ID, EncryptedValue: ptr(aesStr(t)), EncryptedValueVerificationKey: ptr(aesStr(t))},
	} {
		_, err := f.st.UpdateItemShares(alice, it.Item.ID, meeco.UpdateItemSharesRequest{SlotValues: []meeco.SlotValue{bad}})
		if err == nil {
			t.Fatalf("a bad entry for a slot the share does not grant was accepted")
		}
	}
}
