package fakevault

import (
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

func onshare(ps *meeco.PostShare) { ps.OnsharingPermitted = ptr(true) }
func needsAcceptance(ps *meeco.PostShare) {
	ps.AcceptanceRequired = ptr(meeco.AcceptanceRequired)
	ps.Terms = ptr("be nice")
}

func TestShareCreatesRecipientCopy(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user(), f.user()
	ca, _ := f.connect(alice, bob)
	it := f.vehicle(alice)
	req := f.shareReq(alice, it, bob)
	resp, err := f.st.CreateShares(alice, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{req}})
	if err != nil {
		t.Fatal(err)
	}
	sh := resp.Shares[0]
	if sh.OwnerID != alice || sh.SenderID != alice || sh.RecipientID != bob || sh.ItemID != it.Item.ID ||
		sh.SlotID != nil || sh.OnsharingPermitted || sh.AcceptanceRequired != meeco.AcceptanceNotRequired ||
		sh.EncryptedDEK == nil || *sh.EncryptedDEK != req.EncryptedDEK || sh.PublicKey != req.PublicKey ||
		sh.KeypairExternalID != ca.TheOtherUser.UserKeypairExternalID || sh.ExpiresAt != nil || sh.Terms != nil {
		t.Fatalf("share %+v", sh)
	}
	got := f.received(bob, sh.ID)
	c := got.Item
	if c.Own || c.ID == it.Item.ID || *c.OriginalID != it.Item.ID || *c.ShareID != sh.ID || *c.OwnerID != alice || c.Label != "My Vehicle" {
		t.Fatalf("copy %+v", c)
	}
	if len(got.Slots) != 5 {
		t.Fatalf("copy has %d slots, want 5", len(got.Slots))
	}
	for i, sl := range got.Slots {
		v := req.SlotValues[i]
		if sl.Own || *sl.OriginalID != it.Slots[i].ID || *sl.ShareID != sh.ID || *sl.ItemID != c.ID ||
			*sl.EncryptedValue != *v.EncryptedValue || *sl.EncryptedValueVerificationKey != *v.EncryptedValueVerificationKey ||
			*sl.ValueVerificationHash != *v.ValueVerificationHash || sl.Name != it.Slots[i].Name {
			t.Fatalf("copy slot %d %+v does not mirror the share", i, sl)
		}
	}
	// The copy is Bob's item; Alice's item is untouched.
	if _, err := f.st.GetItem(bob, c.ID); err != nil {
		t.Fatal(err)
	}
	orig, _ := f.st.GetItem(alice, it.Item.ID)
	if *orig.Slots[2].EncryptedValue != *it.Slots[2].EncryptedValue {
		t.Fatal("sharing changed the owner's slot")
	}
	is, _ := f.st.GetItemShares(alice, it.Item.ID)
	if len(is.Shares) != 1 || is.Shares[0].ID != sh.ID || is.Shares[0].PublicKey != req.PublicKey {
		t.Fatalf("item shares %+v", is.Shares)
	}
	// A slot share copies the one slot.
	single := f.share(alice, f.vehicle(alice), bob, func(ps *meeco.PostShare) { ps.SlotID = ptr(f.lastItem(alice).Slots[2].ID) })
	if g := f.received(bob, single.ID); len(g.Slots) != 1 || g.Slots[0].Name != "vin" || *single.SlotID != *g.Slots[0].OriginalID {
		t.Fatalf("slot share copy %v", slotNames(g.Slots))
	}
}

// lastItem returns uid's newest item.
func (f *fixture) lastItem(uid string) *meeco.ItemResponse {
	l, _ := f.st.ListItems(uid, ItemFilter{}, Page{Order: "desc", PerPage: 1})
	return f.mustItem(uid, l.Items[0].ID)
}

func TestShareValidation(t *testing.T) {
	f := newFixture(t)
	alice, bob, stranger := f.user(), f.user(), f.user()
	f.connect(alice, bob)
	it := f.vehicle(alice)
	other := f.vehicle(bob)
	shortRSA := func() string { // an Rsa4096 name over a 2048-bit-long ciphertext
		e, _ := cryppo.Parse(rsaStr(t, 0))
		e.Ciphertext = e.Ciphertext[:256]
		return e.String()
	}()
	cases := []struct {
		name string
		mod  func(*meeco.PostShare)
		want meeco.ErrorKind
	}{
		{"ok", func(*meeco.PostShare) {}, ""},
		{"to self", func(p *meeco.PostShare) { p.RecipientID = alice }, meeco.InvalidParameter},
		{"not connected", func(p *meeco.PostShare) { p.RecipientID = stranger }, meeco.InvalidParameter},
		{"no such user", func(p *meeco.PostShare) { p.RecipientID = newID() }, meeco.InvalidParameter},
		{"no recipient", func(p *meeco.PostShare) { p.RecipientID = "" }, meeco.MissingParameter},
		{"no public key", func(p *meeco.PostShare) { p.PublicKey = "" }, meeco.MissingParameter},
		{"bad public key", func(p *meeco.PostShare) { p.PublicKey = smallKeyPEM() }, meeco.InvalidParameter},
		{"no dek", func(p *meeco.PostShare) { p.EncryptedDEK = "" }, meeco.MissingParameter},
		{"aes dek", func(p *meeco.PostShare) { p.EncryptedDEK = aesStr(t) }, meeco.InvalidCryppoString},
		{"dek length", func(p *meeco.PostShare) { p.EncryptedDEK = shortRSA }, meeco.InvalidCryppoString},
		{"dek plaintext", func(p *meeco.PostShare) { p.EncryptedDEK = "c2VjcmV0" }, meeco.InvalidCryppoString},
		{"slot of another item", func(p *meeco.PostShare) { p.SlotID = ptr(other.Slots[0].ID) }, meeco.InvalidParameter},
		{"value for a foreign slot", func(p *meeco.PostShare) { p.SlotValues[0].SlotID = other.Slots[0].ID }, meeco.InvalidParameter},
		{"value outside the shared slot", func(p *meeco.PostShare) { p.SlotID = ptr(it.Slots[4].ID) }, meeco.InvalidParameter},
		{"slot twice", func(p *meeco.PostShare) { p.SlotValues[1].SlotID = p.SlotValues[0].SlotID }, meeco.InvalidParameter},
		{"value without key", func(p *meeco.PostShare) { p.SlotValues[0].EncryptedValueVerificationKey = nil }, meeco.MissingParameter},
		{"owner without hash", func(p *meeco.PostShare) { p.SlotValues[0].ValueVerificationHash = nil }, meeco.MissingParameter},
		{"hash not hex", func(p *meeco.PostShare) { p.SlotValues[0].ValueVerificationHash = ptr(strings.Repeat("Z", 64)) }, meeco.InvalidParameter},
		{"key without value", func(p *meeco.PostShare) { p.SlotValues[0].EncryptedValue = nil }, meeco.InvalidParameter},
		{"plaintext value", func(p *meeco.PostShare) { p.SlotValues[0].EncryptedValue = ptr("Mazda") }, meeco.InvalidCryppoString},
		{"rsa value", func(p *meeco.PostShare) { p.SlotValues[0].EncryptedValue = ptr(rsaStr(t, 1)) }, meeco.InvalidCryppoString},
		{"bad acceptance", func(p *meeco.PostShare) { p.AcceptanceRequired = ptr(meeco.Accepted) }, meeco.InvalidParameter},
		{"expiry in the past", func(p *meeco.PostShare) { p.ExpiresAt = ptr("2020-01-01T00:00:00.000Z") }, meeco.InvalidParameter},
		{"expiry not a date", func(p *meeco.PostShare) { p.ExpiresAt = ptr("tomorrow") }, meeco.InvalidParameter},
		{"expiry as date", func(p *meeco.PostShare) { p.ExpiresAt = ptr("2099-01-01") }, ""},
		{"keypair id derived from the connection", func(p *meeco.PostShare) { p.KeypairExternalID = "" }, ""},
		{"keypair id missing, key not the connection's", func(p *meeco.PostShare) { p.KeypairExternalID = ""; p.PublicKey = pubKey(t, 3) }, meeco.MissingParameter},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := f.shareReq(alice, it, bob)
			c.mod(&ps)
			before := len(f.st.shares)
			resp, err := f.st.CreateShares(alice, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{ps}})
			wantKind(t, err, c.want)
			if err != nil && len(f.st.shares) != before {
				t.Fatal("a refused share left a record")
			}
			if err == nil && c.name == "keypair id derived from the connection" && resp.Shares[0].KeypairExternalID != "kp-"+bob {
				t.Fatalf("keypair_external_id=%q, want the recipient's connection keypair", resp.Shares[0].KeypairExternalID)
			}
		})
	}
	// Whole-request checks.
	_, err := f.st.CreateShares(alice, it.Item.ID, meeco.CreateSharesRequest{})
	wantKind(t, err, meeco.MissingParameter)
	_, err = f.st.CreateShares(bob, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{f.shareReq(alice, it, bob)}})
	wantKind(t, err, meeco.NotFound)
	// One bad share in a batch leaves no share at all.
	good, bad := f.shareReq(alice, it, bob), f.shareReq(alice, it, bob)
	bad.RecipientID = stranger
	before := len(f.st.shares)
	_, err = f.st.CreateShares(alice, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{good, bad}})
	wantKind(t, err, meeco.InvalidParameter)
	if len(f.st.shares) != before {
		t.Fatal("a refused batch created shares")
	}
}

func TestAcceptance(t *testing.T) {
	f := newFixture(t)
	alice, bob, eve := f.user(), f.user(), f.user()
	f.connect(alice, bob)
	sh := f.share(alice, f.vehicle(alice), bob, needsAcceptance)
	if sh.EncryptedDEK != nil || sh.AcceptanceRequired != meeco.AcceptanceRequired || *sh.Terms != "be nice" {
		t.Fatalf("pending share %+v: encrypted_dek must be null", sh)
	}
	in, _ := f.st.GetIncoming(bob, sh.ID)
	out, _ := f.st.GetOutgoing(alice, sh.ID)
	item, _ := f.st.GetIncomingItem(bob, sh.ID)
	for _, v := range []meeco.Share{in.Share, out.Share, item.Share} {
		if v.EncryptedDEK != nil {
			t.Fatal("encrypted_dek revealed before acceptance")
		}
	}
	_, err := f.st.AcceptShare(alice, sh.ID) // the sender cannot accept
	wantKind(t, err, meeco.NotFound)
	_, err = f.st.AcceptShare(eve, sh.ID)
	wantKind(t, err, meeco.NotFound)
	acc, err := f.st.AcceptShare(bob, sh.ID)
	if err != nil || acc.Share.AcceptanceRequired != meeco.Accepted || acc.Share.EncryptedDEK == nil {
		t.Fatalf("accept=%+v,%v", acc, err)
	}
	again, err := f.st.AcceptShare(bob, sh.ID)
	if err != nil || again.Share.AcceptanceRequired != meeco.Accepted {
		t.Fatal("accepting twice must be harmless")
	}
	out, _ = f.st.GetOutgoing(alice, sh.ID)
	if out.Share.EncryptedDEK == nil {
		t.Fatal("encrypted_dek hidden after acceptance")
	}
	f.st.shares[sh.ID].acceptance = meeco.Rejected
	_, err = f.st.AcceptShare(bob, sh.ID)
	wantKind(t, err, meeco.InvalidState)
}

// chain sets up alice → bob (on-sharing permitted) → jane.
func chain(t *testing.T, f *fixture) (alice, bob, jane string, it *meeco.ItemResponse, ab, bj meeco.Share) {
	alice, bob, jane = f.user(), f.user(), f.user()
	f.connect(alice, bob)
	f.connect(bob, jane)
	it = f.vehicle(alice)
	ab = f.share(alice, it, bob, onshare)
	bobCopy := f.received(bob, ab.ID)
	bj = f.share(bob, bobCopy, jane, onshare)
	return
}

func TestOnSharing(t *testing.T) {
	f := newFixture(t)
	alice, bob, jane, it, ab, bj := chain(t, f)
	if !ab.OnsharingPermitted {
		t.Fatal("the owner's onsharing_permitted=true was dropped")
	}
	if bj.OnsharingPermitted {
		t.Fatal("a non-owner's on-share permits on-sharing")
	}
	if bj.OwnerID != alice || bj.SenderID != bob || bj.ItemID != it.Item.ID {
		t.Fatalf("on-share %+v: want owner alice, sender bob, item_id alice's item", bj)
	}
	jc := f.received(jane, bj.ID)
	if jc.Item.OwnerID != nil || *jc.Item.OriginalID != it.Item.ID {
		t.Fatalf("on-share copy %+v: owner hidden, original_id the owner's item", jc.Item)
	}
	bobCopy := f.received(bob, ab.ID)
	for i, sl := range jc.Slots {
		if *sl.ValueVerificationHash != *bobCopy.Slots[i].ValueVerificationHash || *sl.OriginalID != it.Slots[i].ID {
			t.Fatalf("on-share slot %d: want the owner's hash and slot id", i)
		}
	}
	// A non-owner must send the hash as null.
	withHash := f.shareReq(bob, bobCopy, jane)
	withHash.SlotValues[0].ValueVerificationHash = ptr(hashStr())
	_, err := f.st.CreateShares(bob, bobCopy.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{withHash}})
	wantKind(t, err, meeco.InvalidParameter)
	// Depth: jane's on-share does not permit on-sharing.
	carol := f.user()
	f.connect(jane, carol)
	_, err = f.st.CreateShares(jane, jc.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{f.shareReq(jane, jc, carol)}})
	wantKind(t, err, meeco.Forbidden)
	// Bob may not on-share back to the owner.
	_, err = f.st.CreateShares(bob, bobCopy.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{f.shareReq(bob, bobCopy, alice)}})
	wantKind(t, err, meeco.InvalidParameter)
	// The owner sees every share of the item; bob sees the one he sent.
	all, _ := f.st.GetItemShares(alice, it.Item.ID)
	mine, _ := f.st.GetItemShares(bob, bobCopy.Item.ID)
	if len(all.Shares) != 2 || len(mine.Shares) != 1 || mine.Shares[0].ID != bj.ID {
		t.Fatalf("item shares: owner %d (want 2), bob %d (want 1)", len(all.Shares), len(mine.Shares))
	}

	// Without permission, or before acceptance, no on-share.
	f2 := newFixture(t)
	a, b, j := f2.user(), f2.user(), f2.user()
	f2.connect(a, b)
	f2.connect(b, j)
	plain := f2.share(a, f2.vehicle(a), b)
	pc := f2.received(b, plain.ID)
	_, err = f2.st.CreateShares(b, pc.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{f2.shareReq(b, pc, j)}})
	wantKind(t, err, meeco.Forbidden)
	pending := f2.share(a, f2.vehicle(a), b, onshare, needsAcceptance)
	pp := f2.received(b, pending.ID)
	_, err = f2.st.CreateShares(b, pp.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{f2.shareReq(b, pp, j)}})
	wantKind(t, err, meeco.Forbidden)
	if _, err := f2.st.AcceptShare(b, pending.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f2.st.CreateShares(b, pp.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{f2.shareReq(b, pp, j)}}); err != nil {
		t.Fatalf("on-share after acceptance: %v", err)
	}
}

func TestSameItemTwice(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user(), f.user()
	f.connect(alice, bob)
	it := f.vehicle(alice)
	first := f.share(alice, it, bob)
	secondReq := f.shareReq(alice, it, bob)
	resp, err := f.st.CreateShares(alice, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{secondReq}})
	if err != nil {
		t.Fatal(err)
	}
	second := resp.Shares[0]
	items, _ := f.st.ListItems(bob, ItemFilter{}, Page{})
	if len(items.Items) != 1 {
		t.Fatalf("bob holds %d items, want 1", len(items.Items))
	}
	r, err := f.st.GetIncomingItem(bob, second.ID)
	if err != nil || r.ItemSharedViaAnotherShareID == nil || *r.ItemSharedViaAnotherShareID != first.ID || *r.Item.ShareID != first.ID {
		t.Fatalf("second share item: via=%v err=%v", r.ItemSharedViaAnotherShareID, err)
	}
	r1, _ := f.st.GetIncomingItem(bob, first.ID)
	if r1.ItemSharedViaAnotherShareID != nil {
		t.Fatal("the first share names a via share")
	}
	// Deleting the first share hands the copy to the second, with its values.
	if err := f.st.DeleteShare(alice, first.ID); err != nil {
		t.Fatal(err)
	}
	r2, err := f.st.GetIncomingItem(bob, second.ID)
	if err != nil || r2.ItemSharedViaAnotherShareID != nil || *r2.Item.ShareID != second.ID {
		t.Fatalf("after deleting the first share: %+v, %v", r2, err)
	}
	if *r2.Slots[0].EncryptedValue != *secondReq.SlotValues[0].EncryptedValue || *r2.Slots[0].ShareID != second.ID {
		t.Fatal("the copy does not carry the second share's values")
	}
	if err := f.st.DeleteShare(bob, second.ID); err != nil {
		t.Fatal(err)
	}
	items, _ = f.st.ListItems(bob, ItemFilter{}, Page{})
	if len(items.Items) != 0 {
		t.Fatal("copy remains after its last share was deleted")
	}

	// A slot share that inherits a full copy keeps only its slot; deleting
	// the received item takes every share that delivered it.
	it2 := f.vehicle(alice)
	full := f.share(alice, it2, bob)
	slotShare := f.share(alice, it2, bob, func(p *meeco.PostShare) { p.SlotID = ptr(it2.Slots[2].ID) })
	if err := f.st.DeleteShare(alice, full.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.received(bob, slotShare.ID); len(got.Slots) != 1 || got.Slots[0].Name != "vin" {
		t.Fatalf("slot share heir holds %v, want [vin]", slotNames(got.Slots))
	}
	it3 := f.vehicle(alice)
	a1, a2 := f.share(alice, it3, bob), f.share(alice, it3, bob)
	if err := f.st.DeleteItem(bob, f.received(bob, a1.ID).Item.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a1.ID, a2.ID} {
		_, err := f.st.GetOutgoing(alice, id)
		wantKind(t, err, meeco.NotFound)
	}
	checkInvariants(t, f.st)

	// The e2e script's case: carol receives bob's on-share, then alice's
	// own share of the same item, which rides on the first.
	f3 := newFixture(t)
	a, b, _, it3, _, bj := chain(t, f3)
	carol := f3.st.shares[bj.ID].recipientID
	f3.connect(a, carol)
	direct := f3.share(a, it3, carol, onshare)
	r3, err := f3.st.GetIncomingItem(carol, direct.ID)
	if err != nil || r3.ItemSharedViaAnotherShareID == nil || *r3.ItemSharedViaAnotherShareID != bj.ID {
		t.Fatalf("direct share after on-share: %v", err)
	}
	_ = b
}

func TestDeleteShareCascades(t *testing.T) {
	for _, who := range []string{"owner", "recipient"} {
		t.Run("by "+who, func(t *testing.T) {
			f := newFixture(t)
			alice, bob, jane, _, ab, bj := chain(t, f)
			eve := f.user()
			wantKind(t, f.st.DeleteShare(eve, ab.ID), meeco.NotFound)
			actor := alice
			if who == "recipient" {
				actor = bob
			}
			if err := f.st.DeleteShare(actor, ab.ID); err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{bob, jane} {
				l, _ := f.st.ListItems(u, ItemFilter{}, Page{})
				if len(l.Items) != 0 {
					t.Fatalf("a copy remains after its share chain was deleted")
				}
			}
			_, err := f.st.GetIncoming(jane, bj.ID)
			wantKind(t, err, meeco.NotFound)
			if len(f.st.shares) != 0 || len(f.st.incoming) != 0 || len(f.st.outgoing) != 0 || len(f.st.itemShares) != 0 {
				t.Fatal("share indexes not emptied")
			}
			checkInvariants(t, f.st)
		})
	}
	t.Run("on-share by its recipient", func(t *testing.T) {
		f := newFixture(t)
		_, bob, jane, _, ab, bj := chain(t, f)
		if err := f.st.DeleteShare(jane, bj.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.GetIncoming(bob, ab.ID); err != nil {
			t.Fatal("deleting the on-share removed its parent")
		}
		l, _ := f.st.ListItems(jane, ItemFilter{}, Page{})
		if len(l.Items) != 0 {
			t.Fatal("jane's copy remains")
		}
	})
	t.Run("recipient deletes the received item", func(t *testing.T) {
		f := newFixture(t)
		alice, bob, jane, _, ab, _ := chain(t, f)
		bc := f.received(bob, ab.ID)
		if err := f.st.DeleteItem(bob, bc.Item.ID); err != nil {
			t.Fatal(err)
		}
		out, _ := f.st.ListOutgoing(alice, OutgoingFilter{}, Page{})
		in, _ := f.st.ListIncoming(jane, IncomingFilter{}, Page{})
		if len(out.Shares) != 0 || len(in.Shares) != 0 {
			t.Fatal("deleting a received item kept its share or the on-shares")
		}
	})
	t.Run("owner deletes the item", func(t *testing.T) {
		f := newFixture(t)
		alice, _, _, it, _, _ := chain(t, f)
		if err := f.st.DeleteItem(alice, it.Item.ID); err != nil {
			t.Fatal(err)
		}
		if len(f.st.shares) != 0 || len(f.st.items) != 0 || len(f.st.slots) != 0 {
			t.Fatalf("left %d shares, %d items, %d slots", len(f.st.shares), len(f.st.items), len(f.st.slots))
		}
	})
}

func TestReconfigureShares(t *testing.T) {
	f := newFixture(t)
	alice, bob, jane, _, ab, bj := chain(t, f)
	eve := f.user()
	_, err := f.st.ReconfigureShares(eve, meeco.ReconfigureSharesRequest{Shares: []meeco.ReconfigureShare{{ShareID: ab.ID, OnsharingPermitted: ptr(false)}}})
	wantKind(t, err, meeco.NotFound)
	_, err = f.st.ReconfigureShares(jane, meeco.ReconfigureSharesRequest{Shares: []meeco.ReconfigureShare{{ShareID: ab.ID, OnsharingPermitted: ptr(false)}}})
	wantKind(t, err, meeco.NotFound) // the recipient of an on-share is neither sender nor owner of ab
	_, err = f.st.ReconfigureShares(bob, meeco.ReconfigureSharesRequest{Shares: []meeco.ReconfigureShare{{ShareID: bj.ID, OnsharingPermitted: ptr(true)}}})
	wantKind(t, err, meeco.Forbidden)
	_, err = f.st.ReconfigureShares(alice, meeco.ReconfigureSharesRequest{Shares: []meeco.ReconfigureShare{{ShareID: ab.ID, ExpiresAt: ptr("2001-01-01T00:00:00Z")}}})
	wantKind(t, err, meeco.InvalidParameter)

	resp, err := f.st.ReconfigureShares(alice, meeco.ReconfigureSharesRequest{Shares: []meeco.ReconfigureShare{{ShareID: ab.ID, OnsharingPermitted: ptr(false), ExpiresAt: ptr("2099-01-01T00:00:00.000Z")}}})
	if err != nil || resp.Shares[0].OnsharingPermitted || *resp.Shares[0].ExpiresAt != "2099-01-01T00:00:00.000Z" {
		t.Fatalf("reconfigure=%+v,%v", resp, err)
	}
	_, err = f.st.GetIncoming(jane, bj.ID)
	wantKind(t, err, meeco.NotFound) // true → false deleted the on-share
	if _, err := f.st.GetIncoming(bob, ab.ID); err != nil {
		t.Fatal("withdrawing on-sharing deleted the share itself")
	}
	checkInvariants(t, f.st)
}

func TestUpdateSharedItemAndRekey(t *testing.T) {
	f := newFixture(t)
	alice, bob, jane, it, ab, bj := chain(t, f)
	up := func(name string) {
		if _, err := f.st.UpdateItem(alice, it.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{
			SlotsAttributes: []meeco.SlotAttributes{{Name: name, EncryptedValue: ptr(aesStr(t))}}}}); err != nil {
			t.Fatal(err)
		}
	}
	up("vin")
	up("type")
	tasks, _ := f.st.ListTasks(alice, TaskFilter{}, Page{})
	if len(tasks.ClientTasks) != 1 || tasks.ClientTasks[0].WorkType != meeco.WorkUpdateItemShares || tasks.ClientTasks[0].TargetID != it.Item.ID {
		t.Fatalf("tasks %+v: want one update_item_shares for the item", tasks.ClientTasks)
	}
	task := tasks.ClientTasks[0]
	// A label change reaches the copies at once.
	if _, err := f.st.UpdateItem(alice, it.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{Label: ptr("Blue car")}}); err != nil {
		t.Fatal(err)
	}
	if c := f.received(jane, bj.ID); c.Item.Label != "Blue car" {
		t.Fatal("label not propagated to an on-share copy")
	}
	// Alice adds a slot, then re-keys both shares, the new slot included.
	if _, err := f.st.UpdateItem(alice, it.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{
		SlotsAttributes: []meeco.SlotAttributes{{Name: "colour", EncryptedValue: ptr(aesStr(t))}}}}); err != nil {
		t.Fatal(err)
	}
	cur := f.mustItem(alice, it.Item.ID)
	req := meeco.UpdateItemSharesRequest{ClientTasks: []meeco.ClientTaskUpdate{{ID: task.ID, State: meeco.TaskDone}}}
	values := map[string]string{}
	for _, sh := range []meeco.Share{ab, bj} {
		req.ShareDEKs = append(req.ShareDEKs, meeco.ShareDEK{ShareID: sh.ID, DEK: rsaStr(t, 2)})
		for _, sl := range cur.Slots {
			v := aesStr(t)
			values[sh.ID+sl.ID] = v
			req.SlotValues = append(req.SlotValues, meeco.SlotValue{ShareID: sh.ID, SlotID: sl.ID, EncryptedValue: &v,
				EncryptedValueVerificationKey: ptr(aesStr(t)), ValueVerificationHash: ptr(hashStr())})
		}
	}
	resp, err := f.st.UpdateItemShares(alice, it.Item.ID, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Shares) != 2 || *resp.Shares[0].EncryptedDEK != req.ShareDEKs[0].DEK {
		t.Fatalf("re-key response %+v", resp.Shares)
	}
	for _, c := range []struct {
		uid string
		sh  meeco.Share
	}{{bob, ab}, {jane, bj}} {
		got := f.received(c.uid, c.sh.ID)
		if len(got.Slots) != 6 {
			t.Fatalf("copy has %d slots after re-key, want 6 (new slot added)", len(got.Slots))
		}
		for _, sl := range got.Slots {
			if *sl.EncryptedValue != values[c.sh.ID+*sl.OriginalID] {
				t.Fatalf("copy slot %s not re-keyed", sl.Name)
			}
		}
	}
	done, _ := f.st.ListTasks(alice, TaskFilter{States: []string{"done"}}, Page{})
	if len(done.ClientTasks) != 1 {
		t.Fatal("client task not settled by PUT /items/{id}/shares")
	}
	// Rules of the re-key.
	bc := f.received(bob, ab.ID)
	other := f.vehicle(alice)
	for _, c := range []struct {
		name string
		uid  string
		item string
		req  meeco.UpdateItemSharesRequest
		want meeco.ErrorKind
	}{
		{"recipient", bob, bc.Item.ID, meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: bj.ID, DEK: rsaStr(t, 0)}}}, meeco.Forbidden},
		{"stranger", jane, it.Item.ID, meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: ab.ID, DEK: rsaStr(t, 0)}}}, meeco.NotFound},
		{"share of another item", alice, other.Item.ID, meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: ab.ID, DEK: rsaStr(t, 0)}}}, meeco.InvalidParameter},
		{"slot of another item", alice, it.Item.ID, meeco.UpdateItemSharesRequest{SlotValues: []meeco.SlotValue{{ShareID: ab.ID, SlotID: other.Slots[0].ID}}}, meeco.InvalidParameter},
		{"aes dek", alice, it.Item.ID, meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: ab.ID, DEK: aesStr(t)}}}, meeco.InvalidCryppoString},
		{"value without hash", alice, it.Item.ID, meeco.UpdateItemSharesRequest{SlotValues: []meeco.SlotValue{{ShareID: ab.ID, SlotID: cur.Slots[0].ID,
			EncryptedValue: ptr(aesStr(t)), EncryptedValueVerificationKey: ptr(aesStr(t))}}}, meeco.MissingParameter},
		{"someone else's task", alice, it.Item.ID, meeco.UpdateItemSharesRequest{ClientTasks: []meeco.ClientTaskUpdate{{ID: newID(), State: meeco.TaskDone}}}, meeco.InvalidParameter},
		{"empty", alice, it.Item.ID, meeco.UpdateItemSharesRequest{}, meeco.MissingParameter},
		{"value-less slot", alice, it.Item.ID, meeco.UpdateItemSharesRequest{SlotValues: []meeco.SlotValue{{ShareID: ab.ID, SlotID: cur.Slots[0].ID}}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.st.UpdateItemShares(c.uid, c.item, c.req)
			wantKind(t, err, c.want)
		})
	}
	// Removing a slot of a shared item removes it from the copies.
	colour := cur.Slots[len(cur.Slots)-1]
	if err := f.st.DeleteSlot(alice, colour.ID); err != nil {
		t.Fatal(err)
	}
	if got := f.received(jane, bj.ID); len(got.Slots) != 5 {
		t.Fatalf("copy keeps a slot the owner removed: %v", slotNames(got.Slots))
	}
	// Recipients may not change their copy, nor remove its slots.
	_, err = f.st.UpdateItem(bob, bc.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{Label: ptr("mine now")}})
	wantKind(t, err, meeco.Forbidden)
	wantKind(t, f.st.DeleteSlot(bob, bc.Slots[0].ID), meeco.Forbidden)
	checkInvariants(t, f.st)
}

func TestExpiredShare(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user(), f.user()
	f.connect(alice, bob)
	exp := meeco.FormatTime(f.now.Add(time.Hour))
	sh := f.share(alice, f.vehicle(alice), bob, func(p *meeco.PostShare) { p.ExpiresAt = &exp })
	if *sh.ExpiresAt != exp {
		t.Fatalf("expires_at=%s, want %s", *sh.ExpiresAt, exp)
	}
	if _, err := f.st.GetIncoming(bob, sh.ID); err != nil {
		t.Fatal(err)
	}
	cp := f.received(bob, sh.ID)
	f.advance(2 * time.Hour)
	// The copy goes with the share: not readable, not listed, nor its slots.
	_, err := f.st.GetItem(bob, cp.Item.ID)
	wantKind(t, err, meeco.NotFound)
	_, err = f.st.GetSlot(bob, cp.Slots[0].ID)
	wantKind(t, err, meeco.NotFound)
	if items, _ := f.st.ListItems(bob, ItemFilter{}, Page{}); len(items.Items) != 0 {
		t.Fatalf("expired share: Bob lists %d items, want 0", len(items.Items))
	}
	_, err = f.st.GetIncoming(bob, sh.ID)
	wantKind(t, err, meeco.NotFound)
	_, err = f.st.GetIncomingItem(bob, sh.ID)
	wantKind(t, err, meeco.NotFound)
	in, _ := f.st.ListIncoming(bob, IncomingFilter{}, Page{})
	out, _ := f.st.ListOutgoing(alice, OutgoingFilter{}, Page{})
	if len(in.Shares) != 0 || len(out.Shares) != 1 {
		t.Fatalf("expired share: incoming %d (want 0), outgoing %d (want 1)", len(in.Shares), len(out.Shares))
	}
}

func TestEncryptReceivedItem(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user(), f.user()
	f.connect(alice, bob)
	it := f.vehicle(alice)
	sh := f.share(alice, it, bob)
	bc := f.received(bob, sh.ID)
	all := func() []meeco.EncryptSlot {
		var out []meeco.EncryptSlot
		for _, sl := range bc.Slots {
			out = append(out, meeco.EncryptSlot{ID: sl.ID, EncryptedValue: ptr(aesStr(t))})
		}
		return out
	}
	_, err := f.st.EncryptItem(bob, bc.Item.ID, meeco.EncryptItemRequest{Slots: all()[:2]})
	wantKind(t, err, meeco.InvalidParameter) // every valued slot at once
	_, err = f.st.EncryptItem(alice, it.Item.ID, meeco.EncryptItemRequest{Slots: []meeco.EncryptSlot{{ID: it.Slots[0].ID, EncryptedValue: ptr(aesStr(t))}}})
	wantKind(t, err, meeco.Forbidden) // own item
	_, err = f.st.EncryptItem(alice, bc.Item.ID, meeco.EncryptItemRequest{Slots: all()})
	wantKind(t, err, meeco.NotFound)
	_, err = f.st.EncryptItem(bob, bc.Item.ID, meeco.EncryptItemRequest{Slots: []meeco.EncryptSlot{{ID: bc.Slots[0].ID, EncryptedValue: ptr("plain")}}})
	wantKind(t, err, meeco.InvalidCryppoString)
	slots := all()
	resp, err := f.st.EncryptItem(bob, bc.Item.ID, meeco.EncryptItemRequest{Slots: slots})
	if err != nil {
		t.Fatal(err)
	}
	if *resp.Slots[0].EncryptedValue != *slots[0].EncryptedValue {
		t.Fatal("slot not re-encrypted")
	}
	in, _ := f.st.GetIncoming(bob, sh.ID)
	if in.Share.EncryptedDEK != nil {
		t.Fatal("encrypted_dek still given after the recipient re-encrypted with its own DEK")
	}
	// The owner's re-key puts the copy back under a share DEK.
	dek := rsaStr(t, 2)
	if _, err := f.st.UpdateItemShares(alice, it.Item.ID, meeco.UpdateItemSharesRequest{ShareDEKs: []meeco.ShareDEK{{ShareID: sh.ID, DEK: dek}}}); err != nil {
		t.Fatal(err)
	}
	in, _ = f.st.GetIncoming(bob, sh.ID)
	if in.Share.EncryptedDEK == nil || *in.Share.EncryptedDEK != dek {
		t.Fatal("re-key did not restore encrypted_dek")
	}
}

func TestShareListFilters(t *testing.T) {
	f := newFixture(t)
	alice, bob, carol := f.user(), f.user(), f.user()
	ab, _ := f.connect(alice, bob)
	f.connect(carol, bob)
	it1, it2 := f.vehicle(alice), f.vehicle(alice)
	s1 := f.share(alice, it1, bob, needsAcceptance)
	s2 := f.share(alice, it2, bob)
	s3 := f.share(carol, f.vehicle(carol), bob)
	bobSideOfAlice := ab.TheOtherUser.ID
	count := func(fl IncomingFilter) int {
		l, err := f.st.ListIncoming(bob, fl, Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Shares)
	}
	for _, c := range []struct {
		name string
		f    IncomingFilter
		want int
	}{
		{"all", IncomingFilter{}, 3},
		{"acceptance_required", IncomingFilter{Acceptance: "acceptance_required"}, 1},
		{"share ids", IncomingFilter{ShareIDs: []string{s1.ID, s3.ID}}, 2},
		{"from alice", IncomingFilter{OwnConnectionID: bobSideOfAlice}, 2},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("incoming %s: %d, want %d", c.name, got, c.want)
		}
	}
	_, err := f.st.ListIncoming(bob, IncomingFilter{Acceptance: "maybe"}, Page{})
	wantKind(t, err, meeco.InvalidParameter)
	_, err = f.st.ListIncoming(bob, IncomingFilter{OwnConnectionID: ab.Own.ID}, Page{}) // alice's record, not bob's
	wantKind(t, err, meeco.InvalidParameter)
	out, _ := f.st.ListOutgoing(alice, OutgoingFilter{ItemIDs: []string{it2.Item.ID}}, Page{})
	if len(out.Shares) != 1 || out.Shares[0].ID != s2.ID {
		t.Fatalf("outgoing by item: %+v", out.Shares)
	}
	_, err = f.st.GetOutgoing(bob, s2.ID) // the recipient has no outgoing view
	wantKind(t, err, meeco.NotFound)
}
