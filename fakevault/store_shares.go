package fakevault

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Shares. The rules, as the Vault's API documentation states them
// (protocol.md §3.5):
//
//   - POST /items/{id}/shares makes, per share, a share record and a copy of
//     the item and its slots owned by the recipient (own false, original_id
//     the owner's item, share_id the share), slot values taken from
//     slot_values, encrypted under the share's DEK.
//   - Only the owner may permit on-sharing; a non-owner's on-share is forced
//     to onsharing_permitted false, which bounds the chain at
//     owner → recipient → recipient. On-sharing a share that does not permit
//     it is forbidden.
//   - A slot value needs its encrypted verification key and, from the owner,
//     its verification hash; a non-owner must send the hash as null and the
//     Vault keeps the owner's hash on the new copy.
//   - encrypted_dek is null while the share waits for acceptance.
//   - Sharing an item to a recipient who already holds a copy of it makes no
//     new copy: the new share points at the share that holds it
//     (item_shared_via_another_share_id).
//   - Deleting a share removes the recipient's copy and the on-shares made
//     from it; deleting a received item deletes its share.
//   - Turning onsharing_permitted from true to false deletes the on-shares.
//
// share.item_id is always the owner's item id, also on an on-share, so the
// owner can list and re-key every share of the item, however far it went.
//
// One copy, several shares. The API fixes only that a second share of the
// same item to the same recipient makes no new item and that
// item_shared_via_another_share_id names the share holding the copy; the
// SDK (getSharedItem) then refetches GET /incoming_shares/{via}/item and
// decrypts what it gets with the DEK of the share in THAT response. How
// the real Vault keeps the values of the second share is not documented;
// the fake's model, chosen so that the SDK never loses or misreads a value:
//
//   - Each share keeps its own values (share.vals): exactly the slots it
//     grants, with what it was sent, under its own DEK. A copy slot holds
//     no value; the copy's slots are the union of the slots its shares
//     deliver, and go when no share delivers them any more.
//   - GET /incoming_shares/{id}/item renders the copy through share id:
//     the slots that share delivers, with its values, each slot's share_id
//     naming it. Every response is thus decryptable with the DEK of the
//     share it carries.
//   - The copy is held by the share granting the most: a readable share
//     (accepted or not requiring acceptance) before one waiting for
//     acceptance, then a full share before a slot share, then the oldest.
//     The holder is chosen again whenever a share of the copy is made,
//     accepted or deleted, so a full share arriving after a slot share takes
//     the copy over, and deleting the holder hands the copy to the best
//     remaining share. item.share_id names the holder, and GET /items (and
//     GET /items/{id}) render the copy through it, which is what the SDK
//     decrypts with the DEK of GET /incoming_shares/{item.share_id}.
//   - item_shared_via_another_share_id names the holder only when following
//     it loses nothing: the holder is live and delivers every slot the read
//     share delivers. Two slot shares of different slots each read as their
//     own slot, with a null via.

// expired reports whether sh has passed its expiry. An expired share is
// gone for its recipient (404) and stays listed for its sender.
func (s *Store) expired(sh *share) bool {
	return !sh.expiresAt.IsZero() && !s.now().Before(sh.expiresAt)
}

// checkedShare is a PostShare after the checks that need no state.
type checkedShare struct {
	in         meeco.PostShare
	acceptance meeco.AcceptanceState
	expiresAt  time.Time
	values     map[string]meeco.SlotValue // sender's slot id → values
}

// checkSlotValue checks one slot value. owner tells whether the sender owns
// the item: only the owner sends a verification hash. f holds the faults
// that loosen the hash rules.
func checkSlotValue(v meeco.SlotValue, owner bool, f FaultSet) error {
	if err := need("slot_values[].slot_id", v.SlotID); err != nil {
		return err
	}
	hasValue := v.EncryptedValue != nil && *v.EncryptedValue != ""
	hasKey := v.EncryptedValueVerificationKey != nil && *v.EncryptedValueVerificationKey != ""
	hasHash := v.ValueVerificationHash != nil && *v.ValueVerificationHash != ""
	if !hasValue {
		if hasKey || hasHash {
			return errInvalid("slot_values[]", "has verification fields but no encrypted_value")
		}
		return nil
	}
	if err := checkAES("slot_values[].encrypted_value", *v.EncryptedValue); err != nil {
		return err
	}
	if !hasKey {
		return errMissing("slot_values[].encrypted_value_verification_key")
	}
	if err := checkAES("slot_values[].encrypted_value_verification_key", *v.EncryptedValueVerificationKey); err != nil {
		return err
	}
	switch {
	case owner && !hasHash && f.Has(FaultShareHashOptional):
		return nil
	case owner && !hasHash:
		return errMissing("slot_values[].value_verification_hash")
	case owner:
		return checkHash("slot_values[].value_verification_hash", *v.ValueVerificationHash)
	case hasHash && f.Has(FaultOnShareNonOwnerHash):
		return checkHash("slot_values[].value_verification_hash", *v.ValueVerificationHash)
	case hasHash:
		return errInvalid("slot_values[].value_verification_hash", "must be null when the sender is not the item's owner")
	}
	return nil
}

func checkPostShare(in meeco.PostShare) (*checkedShare, error) {
	if err := need("recipient_id", in.RecipientID); err != nil {
		return nil, err
	}
	if err := checkPEM("public_key", in.PublicKey); err != nil {
		return nil, err
	}
	if in.EncryptedDEK == "" {
		return nil, errMissing("encrypted_dek")
	}
	if err := checkRSA("encrypted_dek", in.EncryptedDEK); err != nil {
		return nil, err
	}
	if err := checkText("keypair_external_id", in.KeypairExternalID, maxShortField); err != nil {
		return nil, err
	}
	if in.Terms != nil {
		if err := checkText("terms", *in.Terms, maxTextField); err != nil {
			return nil, err
		}
	}
	cs := &checkedShare{in: in, acceptance: meeco.AcceptanceNotRequired, values: map[string]meeco.SlotValue{}}
	if in.AcceptanceRequired != nil {
		switch *in.AcceptanceRequired {
		case meeco.AcceptanceRequired, meeco.AcceptanceNotRequired:
			cs.acceptance = *in.AcceptanceRequired
		default:
			return nil, errInvalid("acceptance_required", "must be acceptance_required or acceptance_not_required")
		}
	}
	if in.ExpiresAt != nil && *in.ExpiresAt != "" {
		t, err := meeco.ParseTime(*in.ExpiresAt)
		if err != nil {
			return nil, errInvalid("expires_at", "is not an ISO-8601 time")
		}
		cs.expiresAt = t
	}
	if len(in.SlotValues) > maxSlotsPerItem {
		return nil, errInvalid("slot_values", fmt.Sprintf("may hold at most %d slots", maxSlotsPerItem))
	}
	for _, v := range in.SlotValues {
		if _, dup := cs.values[v.SlotID]; dup {
			return nil, errInvalid("slot_values", "names a slot twice")
		}
		cs.values[v.SlotID] = v
	}
	return cs, nil
}

// CreateShares answers POST /items/{id}/shares. It works in two phases:
// planShares checks every share of the request against the store and
// settles what each will be, changing nothing; applyShares then makes them
// all. A request with one bad share makes none.
func (s *Store) CreateShares(uid, itemID string, req meeco.CreateSharesRequest) (*meeco.SharesResponse, error) {
	checked, err := checkCreateShares(req)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planShares(uid, itemID, checked)
	if err != nil {
		return nil, err
	}
	return s.applyShares(p), nil
}

// checkCreateShares runs the checks that need no state on every share.
func checkCreateShares(req meeco.CreateSharesRequest) ([]*checkedShare, error) {
	if len(req.Shares) == 0 {
		return nil, errMissing("shares")
	}
	if len(req.Shares) > maxSharesPerPost {
		return nil, errInvalid("shares", fmt.Sprintf("may hold at most %d shares", maxSharesPerPost))
	}
	checked := make([]*checkedShare, len(req.Shares))
	for i, in := range req.Shares {
		cs, err := checkPostShare(in)
		if err != nil {
			return nil, err
		}
		checked[i] = cs
	}
	return checked, nil
}

// sharePlan is a POST /items/{id}/shares checked against the store: the
// sender's item as the sender sees it, and each share to make.
type sharePlan struct {
	uid           string
	it            *item
	owner, origID string // the item's owner and the owner's item id
	holder        *share // the share holding the sender's copy; nil for an own item
	// The sender can share what it sees: every slot of its own item, or
	// the slots of its copy that the holding share delivers (what GET
	// /items shows it, under that share's DEK).
	visible     []*slot
	senderSlots map[string]*slot // visible, by the sender's slot id
	shares      []plannedShare
	now         time.Time
	faults      FaultSet
}

// plannedShare is one share of a plan: the checked request, the share an
// on-share is made through, and the recipient's keypair id.
type plannedShare struct {
	*checkedShare
	parent    *share
	keypairID string
}

// origSlotID is the owner's id of a slot the sender sees.
func (p *sharePlan) origSlotID(sl *slot) string {
	if p.it.own {
		return sl.id
	}
	return sl.originalID
}

// sharedSlot returns the sender's slot a share is limited to, or nil.
func (p *sharePlan) sharedSlot(in meeco.PostShare) *slot {
	if in.SlotID == nil || *in.SlotID == "" {
		return nil
	}
	return p.senderSlots[*in.SlotID]
}

// planShares checks each share against the store. It changes nothing.
func (s *Store) planShares(uid, itemID string, checked []*checkedShare) (*sharePlan, error) {
	it, err := s.heldItem(uid, itemID)
	if err != nil {
		return nil, err
	}
	p := &sharePlan{uid: uid, it: it, owner: uid, origID: it.id, now: s.clock(), faults: s.f}
	if !it.own {
		if p.holder = s.shares[it.shareID]; p.holder == nil {
			return nil, errNotFound("item")
		}
		p.owner, p.origID = it.ownerID, it.originalID
	}
	p.visible = s.visibleSlots(it)
	p.senderSlots = make(map[string]*slot, len(p.visible))
	for _, sl := range p.visible {
		p.senderSlots[sl.id] = sl
	}
	for _, cs := range checked {
		ps, err := s.planShare(p, cs)
		if err != nil {
			return nil, err
		}
		p.shares = append(p.shares, ps)
	}
	return p, nil
}

// planShare checks one share: the right to on-share, the recipient, the
// slots, the expiry, and the recipient's keypair id.
func (s *Store) planShare(p *sharePlan, cs *checkedShare) (plannedShare, error) {
	in := cs.in
	ps := plannedShare{checkedShare: cs, keypairID: in.KeypairExternalID}
	if p.holder != nil {
		slot := ""
		if sl := p.sharedSlot(in); sl != nil {
			slot = p.origSlotID(sl)
		}
		parent, err := s.onShareParent(p.it, p.holder, slot, p.visible)
		if err != nil {
			return ps, err
		}
		ps.parent = parent
	}
	if err := s.checkRecipient(p.uid, p.owner, in.RecipientID); err != nil {
		return ps, err
	}
	if err := p.checkSlots(cs); err != nil {
		return ps, err
	}
	if err := checkShareExpiry(cs.expiresAt, ps.parent, p.now); err != nil {
		return ps, err
	}
	if ps.keypairID == "" {
		// The SDK omits keypair_external_id when the connection has none;
		// the Vault knows it from the connection.
		var peer *connection
		if c := s.connectionBetween(p.uid, in.RecipientID); c != nil {
			peer = s.conns[c.peerID]
		}
		if peer == nil || peer.publicKey != in.PublicKey {
			return ps, errMissing("keypair_external_id")
		}
		ps.keypairID = peer.keypairID
	}
	return ps, nil
}

// checkRecipient requires a user the sender is connected to, other than
// the sender and the item's owner.
func (s *Store) checkRecipient(uid, owner, recipient string) error {
	switch {
	case recipient == uid:
		return errInvalid("recipient_id", "is the sender")
	case recipient == owner:
		return errInvalid("recipient_id", "already owns the item")
	case s.users[recipient] == nil:
		return errInvalid("recipient_id", "is not a user you are connected to")
	case s.connectionBetween(uid, recipient) == nil && !s.has(FaultShareToStranger):
		return errInvalid("recipient_id", "is not a user you are connected to")
	}
	return nil
}

// checkSlots requires slot_id and every slot value to name a slot the
// sender sees, and each value to be complete.
func (p *sharePlan) checkSlots(cs *checkedShare) error {
	in := cs.in
	limited := in.SlotID != nil && *in.SlotID != ""
	if limited && p.senderSlots[*in.SlotID] == nil {
		return errInvalid("slot_id", "does not name a slot of this item")
	}
	for sid, v := range cs.values {
		if p.senderSlots[sid] == nil {
			return errInvalid("slot_values[].slot_id", "does not name a slot of this item")
		}
		// The SDK sends only the shared slot here (it filters by slot_id
		// before encrypting), so anything else is a client bug.
		if limited && sid != *in.SlotID {
			return errInvalid("slot_values[].slot_id", "is not the shared slot")
		}
		if err := checkSlotValue(v, p.it.own, p.faults); err != nil {
			return err
		}
	}
	return nil
}

// checkShareExpiry requires a future expiry, no later than the expiry of
// the share an on-share is made through.
func checkShareExpiry(exp time.Time, parent *share, now time.Time) error {
	if exp.IsZero() {
		return nil
	}
	if !exp.After(now) {
		return errInvalid("expires_at", "must be in the future")
	}
	if parent != nil && !parent.expiresAt.IsZero() && exp.After(parent.expiresAt) {
		return errInvalid("expires_at", "must not be later than the expiry of the share the item was received by")
	}
	return nil
}

// applyShares makes the planned shares, each with the recipient's copy
// (or riding on the copy the recipient already holds).
func (s *Store) applyShares(p *sharePlan) *meeco.SharesResponse {
	out := &meeco.SharesResponse{Shares: make([]meeco.Share, 0, len(p.shares))}
	for _, ps := range p.shares {
		sh := s.newShare(p, ps)
		if c := s.copyFor(sh.recipientID, p.origID); c != nil {
			sh.viaShareID = c.shareID
			s.indexShare(sh)
			s.addCopySlots(c, sh, p.visible, p.origSlotID, p.now)
			s.rehome(c)
		} else {
			s.makeCopy(sh, p.it, p.visible, p.origSlotID, p.now)
			s.indexShare(sh)
		}
		out.Shares = append(out.Shares, s.shareView(sh))
	}
	return out
}

// newShare builds the record of a planned share, with what it delivers.
func (s *Store) newShare(p *sharePlan, ps plannedShare) *share {
	in := ps.in
	sh := &share{id: newID(), ownerID: p.owner, senderID: p.uid, recipientID: in.RecipientID, itemID: p.origID,
		senderItemID: p.it.id, publicKey: in.PublicKey, keypairExternalID: ps.keypairID,
		encryptedDEK: in.EncryptedDEK, onsharing: p.it.own && in.OnsharingPermitted != nil && *in.OnsharingPermitted,
		acceptance: ps.acceptance, terms: copyPtr(in.Terms), createdAt: p.now, expiresAt: ps.expiresAt, seq: s.nextSeq()}
	if sl := p.sharedSlot(in); sl != nil {
		sh.slotID = p.origSlotID(sl)
		if !s.has(FaultSlotShareShowsAllSlots) {
			sh.grant = sh.slotID
		}
	}
	s.damageNewShare(sh, in)
	if ps.parent != nil {
		sh.parentID = ps.parent.id
		if sh.grant == "" {
			// A full on-share carries what the sender holds, no more: the
			// owner's later re-key must not widen it.
			sh.grant = ps.parent.grant
		}
	}
	// What the share delivers, by the owner's slot id: every slot the
	// sender sees that the share grants, with its value if it was sent
	// one. A non-owner's share keeps the owner's hash of the value: the
	// holder's, whose verification key the sender read and re-sent.
	sh.vals = map[string]valueFields{}
	for _, ss := range p.visible {
		o := p.origSlotID(ss)
		if !sh.grants(o) {
			continue
		}
		var vf valueFields
		if v := ps.values[ss.id]; v.EncryptedValue != nil && *v.EncryptedValue != "" {
			vf = valueFields{value: copyPtr(v.EncryptedValue), key: copyPtr(v.EncryptedValueVerificationKey), hash: copyPtr(v.ValueVerificationHash)}
			if !p.it.own && !(s.has(FaultOnShareNonOwnerHash) && vf.hash != nil) {
				vf.hash = copyPtr(p.holder.vals[o].hash)
			}
		}
		sh.vals[o] = vf
	}
	return sh
}

// onShareParent picks the share through which the holder of copy it may
// on-share slot (an owner slot id; "" for all it sees): the share holding
// the copy if it allows that, else the oldest other share delivering the
// copy that is live, readable, permits on-sharing and grants all that is
// on-shared (so a full share without on-sharing taking the copy over from
// a slot share with it does not take the permission away). When none
// does, the holding share's refusal is the error.
func (s *Store) onShareParent(it *item, holder *share, slot string, visible []*slot) (*share, error) {
	allows := func(p *share) bool {
		if s.expired(p) || !p.acceptance.Readable() || (!p.onsharing && !s.has(FaultOnShareUnpermitted)) {
			return false
		}
		if slot != "" {
			return p.grants(slot)
		}
		for _, sl := range visible {
			if !p.grants(sl.originalID) {
				return false
			}
		}
		return true
	}
	if allows(holder) {
		return holder, nil
	}
	for _, p := range s.recipientShares(it.userID, it.originalID) {
		if p != holder && allows(p) {
			return p, nil
		}
	}
	switch {
	case s.expired(holder):
		return nil, errForbidden("the share this item was received by has expired")
	case !holder.acceptance.Readable():
		return nil, errForbidden("the share this item was received by must be accepted before on-sharing")
	}
	return nil, errForbidden("the share this item was received by does not permit on-sharing")
}

// grants reports whether sh may deliver the owner's slot orig.
func (sh *share) grants(orig string) bool { return sh.grant == "" || sh.grant == orig }

// outranks reports whether a should hold a recipient's copy rather than b:
// readable before waiting for acceptance (the copy must stay readable
// through GET /items), a full share before a slot share (the copy shows
// the most), then the older.
func outranks(a, b *share) bool {
	if ra, rb := a.acceptance.Readable(), b.acceptance.Readable(); ra != rb {
		return ra
	}
	if fa, fb := a.grant == "", b.grant == ""; fa != fb {
		return fa
	}
	return a.seq < b.seq
}

// covers reports whether h delivers every slot x delivers.
func covers(h, x *share) bool {
	for o := range x.vals {
		if _, ok := h.vals[o]; !ok {
			return false
		}
	}
	return true
}

// copyOf returns the copy sh delivers: its own, or its holder's.
func (s *Store) copyOf(sh *share) *item {
	id := sh.copyID
	if id == "" {
		if h := s.shares[sh.viaShareID]; h != nil {
			id = h.copyID
		}
	}
	if id == "" {
		return nil
	}
	return s.items[id]
}

// copyFor returns recipient's copy of the owner's item origID, if any.
func (s *Store) copyFor(recipient, origID string) *item {
	for _, sh := range s.itemShares[origID] {
		if sh.recipientID == recipient && sh.copyID != "" {
			return s.items[sh.copyID]
		}
	}
	return nil
}

// recipientShares returns every share of the owner's item origID to
// recipient, oldest first: the shares that deliver its one copy.
func (s *Store) recipientShares(recipient, origID string) []*share {
	return s.sharesOf(origID, func(o *share) bool { return o.recipientID == recipient })
}

// rehome makes the best of the shares delivering copy c hold it, and the
// others ride on it.
func (s *Store) rehome(c *item) {
	list := s.recipientShares(c.userID, c.originalID)
	if len(list) == 0 {
		return
	}
	best := list[0]
	for _, o := range list[1:] {
		if outranks(o, best) {
			best = o
		}
	}
	for _, o := range list {
		o.copyID, o.viaShareID = "", best.id
	}
	best.copyID, best.viaShareID = c.id, ""
	c.shareID = best.id
}

// deliveredSlots returns the slots of copy c that sh delivers, in the
// copy's order.
func (s *Store) deliveredSlots(c *item, sh *share) []*slot {
	var out []*slot
	if sh == nil {
		return out
	}
	for _, sid := range c.slotIDs {
		if sl := s.slots[sid]; sl != nil {
			if _, ok := sh.vals[sl.originalID]; ok {
				out = append(out, sl)
			}
		}
	}
	return out
}

// visibleSlots returns the slots the holder of it sees: all of an own
// item, and of a copy those its holding share delivers.
func (s *Store) visibleSlots(it *item) []*slot {
	if !it.own {
		return s.deliveredSlots(it, s.shares[it.shareID])
	}
	out := make([]*slot, 0, len(it.slotIDs))
	for _, sid := range it.slotIDs {
		if sl := s.slots[sid]; sl != nil {
			out = append(out, sl)
		}
	}
	return out
}

// makeCopy creates the recipient's copy of the sender's item src for sh,
// with a slot for every slot sh delivers.
func (s *Store) makeCopy(sh *share, src *item, visible []*slot, origSlotID func(*slot) string, now time.Time) {
	c := &item{id: newID(), userID: sh.recipientID, own: false, name: src.name, label: src.label,
		description: copyPtr(src.description), templateID: copyPtr(src.templateID), templateLabel: copyPtr(src.templateLabel),
		createdAt: now, updatedAt: now, seq: s.nextSeq(), originalID: sh.itemID, ownerID: sh.ownerID, shareID: sh.id}
	for _, nid := range src.nodeIDs {
		// The owner's private classification nodes mean nothing to the
		// recipient, who cannot see them.
		if n := s.nodes[nid]; n != nil && n.userID == "" {
			c.nodeIDs = append(c.nodeIDs, nid)
		}
	}
	sh.copyID = c.id
	s.items[c.id] = c
	addTo(s.userItems, c.userID, c.id, c)
	s.addCopySlots(c, sh, visible, origSlotID, now)
}

// addCopySlots gives copy c a slot, mirroring the sender's slot, for each
// slot sh delivers that c lacks, keeping c's slots in the owner's order.
func (s *Store) addCopySlots(c *item, sh *share, visible []*slot, origSlotID func(*slot) string, now time.Time) {
	added := false
	for _, ss := range visible {
		o := origSlotID(ss)
		if _, ok := sh.vals[o]; ok && s.copySlot(c, o) == nil {
			s.addCopySlot(c, ss, o, now)
			added = true
		}
	}
	if added {
		s.sortCopySlots(c)
	}
}

// copySlot returns the slot of copy c mirroring the owner's slot orig.
func (s *Store) copySlot(c *item, orig string) *slot {
	for _, sid := range c.slotIDs {
		if sl := s.slots[sid]; sl != nil && sl.originalID == orig {
			return sl
		}
	}
	return nil
}

// addCopySlot appends to copy c a slot mirroring ss (whose owner's slot id
// is orig). It holds no value: the shares do.
func (s *Store) addCopySlot(c *item, ss *slot, orig string, now time.Time) *slot {
	cs := &slot{id: newID(), itemID: c.id, own: false, name: ss.name, label: ss.label, description: copyPtr(ss.description),
		slotType: ss.slotType, ordinal: ss.ordinal, required: ss.required, visible: ss.visible, creator: ss.creator,
		createdAt: now, updatedAt: now, originalID: orig, ownerID: c.ownerID, shareID: c.shareID}
	s.slots[cs.id] = cs
	c.slotIDs = append(c.slotIDs, cs.id)
	return cs
}

// sortCopySlots orders the slots of copy c as the owner's item orders
// them, whatever order the shares delivering them came in.
func (s *Store) sortCopySlots(c *item) {
	pos := map[string]int{}
	if o := s.items[c.originalID]; o != nil {
		for i, sid := range o.slotIDs {
			pos[sid] = i
		}
	}
	at := func(sid string) int {
		if p, ok := pos[s.slots[sid].originalID]; ok {
			return p
		}
		return len(pos)
	}
	slices.SortStableFunc(c.slotIDs, func(a, b string) int { return cmp.Compare(at(a), at(b)) })
}

// pruneCopy drops the slots of copy c that no share delivers any more.
func (s *Store) pruneCopy(c *item) {
	list := s.recipientShares(c.userID, c.originalID)
	c.slotIDs = slices.DeleteFunc(c.slotIDs, func(sid string) bool {
		o := s.slots[sid].originalID
		for _, sh := range list {
			if _, ok := sh.vals[o]; ok {
				return false
			}
		}
		delete(s.slots, sid)
		return true
	})
}

func (s *Store) indexShare(sh *share) {
	s.shares[sh.id] = sh
	addTo(s.incoming, sh.recipientID, sh.id, sh)
	addTo(s.outgoing, sh.senderID, sh.id, sh)
	addTo(s.itemShares, sh.itemID, sh.id, sh)
}

func (s *Store) unindexShare(sh *share) {
	delete(s.shares, sh.id)
	delFrom(s.incoming, sh.recipientID, sh.id)
	delFrom(s.outgoing, sh.senderID, sh.id)
	delFrom(s.itemShares, sh.itemID, sh.id)
}

// sharesOf snapshots the shares of an owner's item matching keep, oldest
// first, so callers can remove shares while walking the result.
func (s *Store) sharesOf(origID string, keep func(*share) bool) []*share {
	var out []*share
	for _, sh := range s.itemShares[origID] {
		if keep(sh) {
			out = append(out, sh)
		}
	}
	slices.SortFunc(out, func(a, b *share) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

// removeShare deletes a share and what hangs on it. When other shares
// deliver the same copy, the copy stays: the best of them holds it (if sh
// held it), and it loses the slots only sh delivered; each remaining share
// keeps serving its own slots with its own values. The on-shares made
// through sh move to the holder when it permits on-sharing and grants all
// they carry; otherwise they go too. With no share left, the copy goes, and
// so do the on-shares.
func (s *Store) removeShare(sh *share) {
	if s.shares[sh.id] == nil {
		return
	}
	c := s.copyOf(sh)
	s.unindexShare(sh)
	onShares := s.sharesOf(sh.itemID, func(o *share) bool { return o.parentID == sh.id })
	if s.has(FaultShareDeleteKeepsOnShares) {
		onShares = nil
	}
	if c == nil || len(s.recipientShares(c.userID, c.originalID)) == 0 {
		for _, o := range onShares {
			s.removeShare(o)
		}
		if c != nil {
			s.dropItem(c)
		}
		return
	}
	s.rehome(c)
	s.pruneCopy(c)
	holder := s.shares[c.shareID]
	for _, o := range onShares {
		if holder.onsharing && (holder.grant == "" || holder.grant == o.grant) {
			o.parentID = holder.id
		} else {
			s.removeShare(o)
		}
	}
}

// DeleteShare answers DELETE /shares/{id}: its sender, the item's owner
// or its recipient may delete it.
func (s *Store) DeleteShare(uid, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh := s.shares[id]
	if sh == nil || (sh.senderID != uid && sh.ownerID != uid && sh.recipientID != uid) {
		return errNotFound("share")
	}
	if s.has(FaultShareDeleteKeepsCopy) {
		s.unindexShare(sh)
		return nil
	}
	s.removeShare(sh)
	return nil
}

// ReconfigureShares answers PUT /shares: the sender (or the owner) changes
// expiry and on-sharing. Only the owner of the item, on a share it sent
// itself, may permit on-sharing; withdrawing the permission deletes the
// on-shares already made.
func (s *Store) ReconfigureShares(uid string, req meeco.ReconfigureSharesRequest) (*meeco.SharesResponse, error) {
	if len(req.Shares) == 0 {
		return nil, errMissing("shares")
	}
	if len(req.Shares) > maxSharesPerPost {
		return nil, errInvalid("shares", fmt.Sprintf("may hold at most %d shares", maxSharesPerPost))
	}
	exp := make([]*time.Time, len(req.Shares))
	for i, r := range req.Shares {
		if err := need("shares[].share_id", r.ShareID); err != nil {
			return nil, err
		}
		if r.ExpiresAt != nil {
			t := time.Time{}
			if *r.ExpiresAt != "" {
				var err error
				if t, err = meeco.ParseTime(*r.ExpiresAt); err != nil {
					return nil, errInvalid("shares[].expires_at", "is not an ISO-8601 time")
				}
			}
			exp[i] = &t
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	list := make([]*share, len(req.Shares))
	for i, r := range req.Shares {
		sh := s.shares[r.ShareID]
		if sh == nil || (sh.senderID != uid && sh.ownerID != uid) {
			return nil, errNotFound("share")
		}
		if r.OnsharingPermitted != nil && *r.OnsharingPermitted && !(sh.ownerID == uid && sh.senderID == uid) {
			return nil, errForbidden("only the owner of the item may permit on-sharing")
		}
		if exp[i] != nil && !exp[i].IsZero() && !exp[i].After(now) {
			return nil, errInvalid("shares[].expires_at", "must be in the future")
		}
		list[i] = sh
	}
	out := &meeco.SharesResponse{Shares: []meeco.Share{}}
	for i, r := range req.Shares {
		sh := list[i]
		if s.shares[sh.id] == nil {
			continue // removed by an earlier entry's cascade
		}
		if exp[i] != nil {
			sh.expiresAt = *exp[i]
		}
		if r.OnsharingPermitted != nil {
			if sh.onsharing && !*r.OnsharingPermitted && !s.has(FaultOnShareRevokeKeeps) {
				for _, o := range s.sharesOf(sh.itemID, func(o *share) bool { return o.parentID == sh.id }) {
					s.removeShare(o)
				}
			}
			sh.onsharing = *r.OnsharingPermitted
		}
		out.Shares = append(out.Shares, s.shareView(sh))
	}
	return out, nil
}

// GetItemShares answers GET /items/{id}/shares: for the owner every share
// of the item, on-shares included (the owner re-keys them all); for a
// recipient holding a copy, the on-shares it made from it.
func (s *Store) GetItemShares(uid, itemID string) (*meeco.ItemSharesResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, err := s.heldItem(uid, itemID)
	if err != nil {
		return nil, err
	}
	var list []*share
	if it.own {
		list = s.sharesOf(it.id, func(o *share) bool { return o.senderID == uid || !s.has(FaultItemSharesOmitOnShares) })
	} else {
		list = s.sharesOf(it.originalID, func(o *share) bool { return o.senderID == uid && o.senderItemID == it.id })
	}
	out := &meeco.ItemSharesResponse{Shares: []meeco.ItemShare{}}
	for _, sh := range list {
		out.Shares = append(out.Shares, meeco.ItemShare{ID: sh.id, PublicKey: sh.publicKey, ItemID: sh.itemID, SlotID: strOrNil(sh.slotID)})
	}
	return out, nil
}

// UpdateItemShares answers PUT /items/{id}/shares: the owner re-keys shares
// of the item (on-shares included) with new DEKs and slot values under
// them, and may settle client tasks in the same call. Slot ids are the
// owner's; a value for an owner's slot the copy does not have yet (a slot
// added after sharing) adds it to the copy.
//
// The Meeco SDK (createPutItemSharesRequestBody) sends, for every share,
// a value for EVERY slot of the item: it does not filter by the share's
// slot_id. The fake accepts such entries (after the same checks as any
// other) and drops the values of slots the share does not grant: they are
// never stored, so the recipient never receives a slot it was not granted.
// UNCONFIRMED server behaviour: the Vault's documentation does not say what
// it does with them; accepting is what lets the real SDK's shares:update
// (and the update_item_shares client task) work at all, and dropping is the
// only choice that keeps a slot share to its slot.
func (s *Store) UpdateItemShares(uid, itemID string, req meeco.UpdateItemSharesRequest) (*meeco.SharesResponse, error) {
	deks, err := checkRekeyRequest(req)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.checkRekeyTargets(uid, itemID, req, deks)
	if err != nil {
		return nil, err
	}
	return s.applyRekey(it, req, deks), nil
}

// checkRekeyRequest runs the checks of PUT /items/{id}/shares that need no
// state and returns the new DEKs by share id.
func checkRekeyRequest(req meeco.UpdateItemSharesRequest) (map[string]string, error) {
	if len(req.ShareDEKs) == 0 && len(req.SlotValues) == 0 && len(req.ClientTasks) == 0 {
		return nil, errMissing("share_deks or slot_values")
	}
	if len(req.ShareDEKs) > 10*maxSharesPerPost || len(req.SlotValues) > 10*maxSlotsPerItem || len(req.ClientTasks) > maxPerPage {
		return nil, errInvalid("body", "holds too many entries")
	}
	deks := map[string]string{}
	for _, d := range req.ShareDEKs {
		if err := need("share_deks[].share_id", d.ShareID); err != nil {
			return nil, err
		}
		if d.DEK == "" {
			return nil, errMissing("share_deks[].dek")
		}
		if err := checkRSA("share_deks[].dek", d.DEK); err != nil {
			return nil, err
		}
		if _, dup := deks[d.ShareID]; dup {
			return nil, errInvalid("share_deks", "names a share twice")
		}
		deks[d.ShareID] = d.DEK
	}
	type key struct{ share, slot string }
	seen := map[key]bool{}
	for _, v := range req.SlotValues {
		if err := need("slot_values[].share_id", v.ShareID); err != nil {
			return nil, err
		}
		if err := checkSlotValue(v, true, FaultSet{}); err != nil {
			return nil, err
		}
		k := key{v.ShareID, v.SlotID}
		if seen[k] {
			return nil, errInvalid("slot_values", "names a slot of a share twice")
		}
		seen[k] = true
	}
	return deks, checkTaskUpdates(req.ClientTasks)
}

// checkRekeyTargets requires the caller to own the item and every share,
// slot and client task the request names. It changes nothing.
func (s *Store) checkRekeyTargets(uid, itemID string, req meeco.UpdateItemSharesRequest, deks map[string]string) (*item, error) {
	it, err := s.heldItem(uid, itemID)
	if err != nil {
		return nil, err
	}
	origID := it.id
	switch {
	case !it.own && s.has(FaultRekeyByRecipient):
		origID = it.originalID
	case !it.own:
		return nil, errForbidden("only the owner of an item re-keys its shares")
	}
	ofItem := func(id string) error {
		if sh := s.shares[id]; sh == nil || sh.itemID != origID {
			return errInvalid("share_id", "is not a share of this item")
		}
		return nil
	}
	for id := range deks {
		if err := ofItem(id); err != nil {
			return nil, err
		}
	}
	for _, v := range req.SlotValues {
		if err := ofItem(v.ShareID); err != nil {
			return nil, err
		}
		if sl := s.slots[v.SlotID]; sl == nil || sl.itemID != origID {
			return nil, errInvalid("slot_values[].slot_id", "does not name a slot of this item")
		}
	}
	return it, s.checkTaskOwner(uid, req.ClientTasks)
}

// applyRekey makes a checked re-key and answers with the shares it
// touched, oldest first.
func (s *Store) applyRekey(it *item, req meeco.UpdateItemSharesRequest, deks map[string]string) *meeco.SharesResponse {
	now := s.clock()
	touched := map[string]*share{}
	for id, dek := range deks {
		sh := s.shares[id]
		if !s.has(FaultRekeyKeepsOldDEK) {
			sh.encryptedDEK, sh.reencrypted = dek, false
		}
		touched[id] = sh
	}
	for _, v := range req.SlotValues {
		sh := s.shares[v.ShareID]
		touched[sh.id] = sh
		s.rekeySlot(sh, v, now)
	}
	s.applyTaskUpdates(req.ClientTasks, now)
	list := make([]*share, 0, len(touched))
	for _, sh := range touched {
		list = append(list, sh)
	}
	slices.SortFunc(list, func(a, b *share) int { return cmp.Compare(a.seq, b.seq) })
	out := &meeco.SharesResponse{Shares: make([]meeco.Share, 0, len(list))}
	for _, sh := range list {
		out.Shares = append(out.Shares, s.shareView(sh))
	}
	return out
}

// rekeySlot stores one re-keyed value on sh, adding the slot to the
// recipient's copy if it lacks it. A value for a slot sh does not grant is
// accepted and dropped (see UpdateItemShares).
func (s *Store) rekeySlot(sh *share, v meeco.SlotValue, now time.Time) {
	if !sh.grants(v.SlotID) && !s.has(FaultRekeyWidensSlotShare) {
		return
	}
	var vf valueFields
	if v.EncryptedValue != nil && *v.EncryptedValue != "" {
		vf = valueFields{value: copyPtr(v.EncryptedValue), key: copyPtr(v.EncryptedValueVerificationKey), hash: copyPtr(v.ValueVerificationHash)}
	}
	sh.vals[v.SlotID] = vf
	c := s.copyOf(sh)
	if c == nil {
		return
	}
	cs := s.copySlot(c, v.SlotID)
	if cs == nil && s.has(FaultRekeyDropsNewSlot) {
		return
	}
	if cs == nil {
		cs = s.addCopySlot(c, s.slots[v.SlotID], v.SlotID, now)
		s.sortCopySlots(c)
	}
	cs.updatedAt, c.updatedAt = now, now
}

// IncomingFilter holds the query of GET /incoming_shares.
type IncomingFilter struct {
	Acceptance      string
	ShareIDs        []string
	OwnConnectionID string
}

// OutgoingFilter holds the query of GET /outgoing_shares.
type OutgoingFilter struct {
	ItemIDs         []string
	OwnConnectionID string
}

// peerOf resolves own_connection_id to the user at the other end.
func (s *Store) peerOf(uid, connID string) (string, error) {
	c := s.conns[connID]
	if c == nil || c.userID != uid {
		return "", errInvalid("own_connection_id", "does not name one of your connections")
	}
	if p := s.conns[c.peerID]; p != nil {
		return p.userID, nil
	}
	return "", nil
}

func (s *Store) shareList(recs []*share, p Page) (*meeco.SharesListResponse, error) {
	page, meta, next, err := paginate(s.f, recs, func(sh *share) uint64 { return sh.seq }, p)
	if err != nil {
		return nil, err
	}
	out := &meeco.SharesListResponse{Shares: []meeco.Share{}, Meta: meta, NextPageAfter: next}
	for _, sh := range page {
		out.Shares = append(out.Shares, s.shareView(sh))
	}
	return out, nil
}

// ListIncoming answers GET /incoming_shares (expired shares excluded).
func (s *Store) ListIncoming(uid string, f IncomingFilter, p Page) (*meeco.SharesListResponse, error) {
	if f.Acceptance != "" && !meeco.AcceptanceState(f.Acceptance).Valid() {
		return nil, errInvalid("acceptance_required", "is not an acceptance state")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	peer := ""
	if f.OwnConnectionID != "" {
		var err error
		if peer, err = s.peerOf(uid, f.OwnConnectionID); err != nil {
			return nil, err
		}
	}
	var recs []*share
	for _, sh := range s.incoming[uid] {
		if (s.expired(sh) && !s.has(FaultExpiredShareListed)) || (f.Acceptance != "" && string(sh.acceptance) != f.Acceptance) ||
			(len(f.ShareIDs) > 0 && !slices.Contains(f.ShareIDs, sh.id)) || (f.OwnConnectionID != "" && sh.senderID != peer) {
			continue
		}
		recs = append(recs, sh)
	}
	return s.shareList(recs, p)
}

// ListOutgoing answers GET /outgoing_shares. item_ids matches the owner's
// item id or, for on-shares, the sender's copy.
func (s *Store) ListOutgoing(uid string, f OutgoingFilter, p Page) (*meeco.SharesListResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	peer := ""
	if f.OwnConnectionID != "" {
		var err error
		if peer, err = s.peerOf(uid, f.OwnConnectionID); err != nil {
			return nil, err
		}
	}
	var recs []*share
	if s.has(FaultOutgoingListsReceived) {
		for _, sh := range s.incoming[uid] {
			recs = append(recs, sh)
		}
	}
	for _, sh := range s.outgoing[uid] {
		if (len(f.ItemIDs) > 0 && !slices.Contains(f.ItemIDs, sh.itemID) && !slices.Contains(f.ItemIDs, sh.senderItemID)) ||
			(f.OwnConnectionID != "" && sh.recipientID != peer) {
			continue
		}
		recs = append(recs, sh)
	}
	return s.shareList(recs, p)
}

// incomingShare returns a live share addressed to uid.
func (s *Store) incomingShare(uid, id string) (*share, error) {
	sh := s.shares[id]
	if sh == nil || (sh.recipientID != uid && !s.has(FaultIncomingShareAnyUser)) || (s.expired(sh) && !s.has(FaultShareNeverExpires)) {
		return nil, errNotFound("share")
	}
	return sh, nil
}

// GetIncoming answers GET /incoming_shares/{id}.
func (s *Store) GetIncoming(uid, id string) (*meeco.ShareResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh, err := s.incomingShare(uid, id)
	if err != nil {
		return nil, err
	}
	return &meeco.ShareResponse{Share: s.shareView(sh)}, nil
}

// GetOutgoing answers GET /outgoing_shares/{id}: the sender's view.
func (s *Store) GetOutgoing(uid, id string) (*meeco.ShareResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh := s.shares[id]
	if sh == nil || sh.senderID != uid {
		return nil, errNotFound("share")
	}
	return &meeco.ShareResponse{Share: s.shareView(sh)}, nil
}

// GetIncomingItem answers GET /incoming_shares/{id}/item: the share and
// the recipient's copy rendered through it (its slots, its values). When
// another share holds the copy, item.share_id and, if following it loses
// nothing, item_shared_via_another_share_id name it (see the model above).
// The response is given whatever the acceptance state: the slots are
// encrypted under a DEK the recipient cannot read before accepting, and the
// SDK refuses client-side.
func (s *Store) GetIncomingItem(uid, id string) (*meeco.ShareWithItemResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sh, err := s.incomingShare(uid, id)
	if err != nil {
		return nil, err
	}
	c := s.copyOf(sh)
	if c == nil {
		return nil, errNotFound("share")
	}
	// The SDK follows via and decrypts with the holder's DEK: name the
	// holder only when that gives at least what this share delivers.
	var via *string
	if h := s.shares[c.shareID]; h != nil && h != sh && !s.expired(h) && covers(h, sh) {
		via = ptr(h.id)
	}
	it, slots := s.renderItem(c, sh)
	return &meeco.ShareWithItemResponse{Share: s.shareView(sh), Item: it, Slots: slots, ClassificationNodes: s.nodeViews(uid, c),
		Attachments: []meeco.Attachment{}, Thumbnails: []meeco.Thumbnail{}, ItemSharedViaAnotherShareID: via}, nil
}

// AcceptShare answers PUT /incoming_shares/{id}/accept. Accepting a share
// that needs no acceptance, or twice, changes nothing.
func (s *Store) AcceptShare(uid, id string) (*meeco.ShareResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, err := s.incomingShare(uid, id)
	if err != nil && s.has(FaultAcceptBySender) && s.shares[id] != nil && s.shares[id].senderID == uid {
		sh, err = s.shares[id], nil
	}
	if err != nil {
		return nil, err
	}
	switch sh.acceptance {
	case meeco.AcceptanceRequired:
		sh.acceptance = meeco.Accepted
		if c := s.copyOf(sh); c != nil {
			s.rehome(c) // a readable share may now outrank the holder
		}
	case meeco.Rejected:
		return nil, errState("a rejected share cannot be accepted")
	}
	return &meeco.ShareResponse{Share: s.shareView(sh)}, nil
}

// damageNewShare applies the faults that change a share as it is made.
func (s *Store) damageNewShare(sh *share, in meeco.PostShare) {
	if s.has(FaultOnShareDepthUnbounded) && in.OnsharingPermitted != nil {
		sh.onsharing = *in.OnsharingPermitted
	}
	if s.has(FaultShareKeypairIDSender) {
		if c := s.connectionBetween(sh.senderID, sh.recipientID); c != nil {
			sh.keypairExternalID = c.keypairID
		}
	}
	if s.has(FaultTermsDropped) {
		sh.terms = nil
	}
	if s.has(FaultShareExpiryDropped) {
		sh.expiresAt = time.Time{}
	}
}
