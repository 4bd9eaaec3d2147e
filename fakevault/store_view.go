package fakevault

import (
	"slices"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Conversions from stored records to wire shapes. Each returns fresh values
// (slices and pointers copied), so a response never aliases the store and
// can be encoded after the lock is released.

// hideOwner reports whether a recipient's copy came through an on-share:
// the Vault hides the original owner's id from on-share recipients
// (Vault v32); share.owner_id still names them.
func (s *Store) hideOwner(it *item) bool {
	if it.own || it.shareID == "" || s.has(FaultOnShareShowsOwner) {
		return false
	}
	sh := s.shares[it.shareID]
	return sh != nil && sh.senderID != sh.ownerID
}

// itemView renders an item whose rendered slots are slotIDs.
func (s *Store) itemView(it *item, slotIDs []string) meeco.Item {
	v := meeco.Item{
		ID: it.id, Own: it.own, Name: it.name, Label: it.label, Description: copyPtr(it.description),
		CreatedAt: meeco.FormatTime(it.createdAt), UpdatedAt: meeco.FormatTime(it.updatedAt),
		ItemTemplateID: copyPtr(it.templateID), ItemTemplateLabel: copyPtr(it.templateLabel),
		Visible: true, ClassificationNodeIDs: nonNil(slices.Clone(it.nodeIDs)), SlotIDs: nonNil(slotIDs),
		OriginalID: strOrNil(it.originalID), OwnerID: strOrNil(it.ownerID), ShareID: strOrNil(it.shareID),
	}
	if s.hideOwner(it) {
		v.OwnerID = nil
	}
	return v
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Store) slotView(sl *slot, hideOwner bool) meeco.Slot {
	v := meeco.Slot{
		ID: sl.id, Own: sl.own, ShareID: strOrNil(sl.shareID), Name: sl.name, Label: sl.label,
		Description: copyPtr(sl.description), Ordinal: sl.ordinal, Visible: sl.visible,
		ClassificationNodeIDs: []string{}, ItemID: ptr(sl.itemID), Required: sl.required,
		CreatedAt: meeco.FormatTime(sl.createdAt), UpdatedAt: meeco.FormatTime(sl.updatedAt),
		SlotTypeName: sl.slotType, Creator: sl.creator, EncryptedValue: copyPtr(sl.value),
		EncryptedValueVerificationKey: copyPtr(sl.valueKey), ValueVerificationHash: copyPtr(sl.valueHash),
		OriginalID: strOrNil(sl.originalID), OwnerID: strOrNil(sl.ownerID),
	}
	if hideOwner {
		v.OwnerID = nil
	}
	s.damageValues(&v)
	return v
}

// damageValues applies the faults that re-encode a slot's Cryppo strings
// on the way out.
func (s *Store) damageValues(v *meeco.Slot) {
	if s.has(FaultSlotValueUnpadded) {
		v.EncryptedValue = reencodePtr(v.EncryptedValue, reencodeUnpadded)
	}
	if s.has(FaultVerificationKeyReordered) {
		v.EncryptedValueVerificationKey = reencodePtr(v.EncryptedValueVerificationKey, reencodeReversedArtifacts)
	}
}

// copySlotView renders a slot of a recipient's copy through share sh: its
// values are the ones sh delivers, and share_id names sh, whose DEK they
// are under.
func (s *Store) copySlotView(sl *slot, sh *share, hideOwner bool) meeco.Slot {
	v := s.slotView(sl, hideOwner)
	if sh == nil {
		return v
	}
	vf := sh.vals[sl.originalID]
	v.ShareID = ptr(sh.id)
	v.EncryptedValue, v.EncryptedValueVerificationKey, v.ValueVerificationHash = copyPtr(vf.value), copyPtr(vf.key), copyPtr(vf.hash)
	if s.has(FaultShareDropsVerificationHash) {
		v.ValueVerificationHash = nil
	}
	if s.has(FaultShareDropsVerificationKey) {
		v.EncryptedValueVerificationKey = nil
	}
	s.damageValues(&v)
	return v
}

// renderItem renders an item and its slots. An own item shows every slot;
// a copy shows the slots share through delivers, with its values (through
// nil: the holder, as GET /items shows a copy).
func (s *Store) renderItem(it *item, through *share) (meeco.Item, []meeco.Slot) {
	hide := s.hideOwner(it)
	slots := []meeco.Slot{}
	var ids []string
	if it.own {
		for _, sl := range s.visibleSlots(it) {
			slots = append(slots, s.slotView(sl, hide))
			ids = append(ids, sl.id)
		}
		return s.itemView(it, ids), slots
	}
	if through == nil {
		through = s.shares[it.shareID]
	}
	for _, sl := range s.deliveredSlots(it, through) {
		slots = append(slots, s.copySlotView(sl, through, hide))
		ids = append(ids, sl.id)
	}
	return s.itemView(it, ids), slots
}

// nodeViews renders the classification nodes of it.
func (s *Store) nodeViews(uid string, it *item) []meeco.ClassificationNode {
	nodes := []meeco.ClassificationNode{}
	for _, nid := range it.nodeIDs {
		if n := s.nodes[nid]; n != nil {
			nodes = append(nodes, s.nodeView(n, uid))
		}
	}
	return nodes
}

func (s *Store) nodeView(n *classNode, uid string) meeco.ClassificationNode {
	return meeco.ClassificationNode{ID: n.id, Own: n.userID != "" && n.userID == uid, Name: n.name, Label: n.label,
		Description: copyPtr(n.description), Ordinal: n.ordinal, Scheme: n.scheme}
}

// itemParts renders items with their slots and the union of their
// classification nodes, as every item response carries them.
func (s *Store) itemParts(uid string, its []*item) ([]meeco.Item, []meeco.Slot, []meeco.ClassificationNode) {
	items := make([]meeco.Item, 0, len(its))
	slots := []meeco.Slot{}
	nodes := []meeco.ClassificationNode{}
	seen := map[string]bool{}
	for _, it := range its {
		v, sl := s.renderItem(it, nil)
		items = append(items, v)
		slots = append(slots, sl...)
		for _, nid := range it.nodeIDs {
			if n := s.nodes[nid]; n != nil && !seen[nid] {
				seen[nid] = true
				nodes = append(nodes, s.nodeView(n, uid))
			}
		}
	}
	return items, slots, nodes
}

func (s *Store) itemResponse(uid string, it *item) *meeco.ItemResponse {
	items, slots, nodes := s.itemParts(uid, []*item{it})
	return &meeco.ItemResponse{Item: items[0], Slots: slots, ClassificationNodes: nodes,
		Attachments: []meeco.Attachment{}, Thumbnails: []meeco.Thumbnail{}}
}

// shareView renders a share. While the share waits for acceptance (or was
// rejected) its encrypted_dek is null for everyone; after acceptance, or
// once the recipient re-encrypted the copy with its own DEK (then the DEK
// no longer applies), the rule of each case decides.
func (s *Store) shareView(sh *share) meeco.Share {
	v := meeco.Share{
		ID: sh.id, OwnerID: sh.ownerID, SenderID: sh.senderID, RecipientID: sh.recipientID,
		AcceptanceRequired: sh.acceptance, ItemID: sh.itemID, SlotID: strOrNil(sh.slotID),
		PublicKey: sh.publicKey, OnsharingPermitted: sh.onsharing, KeypairExternalID: sh.keypairExternalID,
		Terms: copyPtr(sh.terms), CreatedAt: meeco.FormatTime(sh.createdAt),
	}
	if !sh.expiresAt.IsZero() {
		v.ExpiresAt = ptr(meeco.FormatTime(sh.expiresAt))
	}
	if (sh.acceptance.Readable() || s.has(FaultAcceptanceDEKEarly)) && !sh.reencrypted {
		v.EncryptedDEK = ptr(sh.encryptedDEK)
		if s.has(FaultShareDEKSwapped) {
			v.EncryptedDEK = ptr(s.previousShareDEK(sh))
		}
		if s.has(FaultShareDEKStdAlphabet) {
			v.EncryptedDEK = ptr(reencodeStdAlphabet(*v.EncryptedDEK))
		}
	}
	return v
}

// previousShareDEK is FaultShareDEKSwapped: the encrypted_dek of the share
// of the same item made just before sh (sh's own if it is the first).
func (s *Store) previousShareDEK(sh *share) string {
	var prev *share
	for _, o := range s.itemShares[sh.itemID] {
		if o.seq < sh.seq && (prev == nil || o.seq > prev.seq) {
			prev = o
		}
	}
	if prev == nil {
		return sh.encryptedDEK
	}
	return prev.encryptedDEK
}

func (s *Store) templateView(uid string, t *template) meeco.ItemTemplate {
	v := meeco.ItemTemplate{ID: t.id, Name: t.name, Label: t.label, Description: copyPtr(t.description),
		Ordinal: t.ordinal, Visible: true, UpdatedAt: meeco.FormatTime(t.updatedAt),
		ClassificationNodeIDs: nonNil(slices.Clone(t.nodeIDs)), SlotIDs: []string{}}
	for _, i := range s.templateSlotOrder(t) {
		v.SlotIDs = append(v.SlotIDs, t.slots[i].id)
	}
	for _, it := range s.userItems[uid] {
		if it.templateID != nil && *it.templateID == t.id {
			v.ItemsCount++
		}
	}
	return v
}

// templateSlotOrder lists the indices of t's slots in the order the
// template shows them (reversed under FaultTemplateSlotsReversed).
func (s *Store) templateSlotOrder(t *template) []int {
	order := make([]int, len(t.slots))
	for i := range order {
		order[i] = i
	}
	if s.has(FaultTemplateSlotsReversed) {
		slices.Reverse(order)
	}
	return order
}

// templateSlotViews renders t's slots in template order, numbered from 1.
func (s *Store) templateSlotViews(t *template) []meeco.Slot {
	out := make([]meeco.Slot, 0, len(t.slots))
	for pos, i := range s.templateSlotOrder(t) {
		sl := t.slots[i]
		out = append(out, meeco.Slot{ID: sl.id, Name: sl.name, Label: sl.label, Ordinal: pos + 1, Visible: true,
			ClassificationNodeIDs: []string{}, Required: sl.required, CreatedAt: meeco.FormatTime(t.updatedAt),
			UpdatedAt: meeco.FormatTime(t.updatedAt), SlotTypeName: sl.slotType, Creator: "system"})
	}
	return out
}

func (s *Store) connView(c *connection) meeco.Connection {
	peer := s.conns[c.peerID]
	v := meeco.Connection{Own: meeco.OwnConnection{
		ID: c.id, EncryptedRecipientName: strOrNil(c.encryptedName), UserID: c.userID, UserType: meeco.UserHuman,
		UserPublicKey: c.publicKey, UserKeypairExternalID: c.keypairID, ConnectionType: meeco.NullEnum,
		DelegationRole: meeco.NullEnum, IntegrationData: map[string]any{}, CreatedAt: meeco.FormatTime(c.createdAt),
	}}
	if peer != nil {
		v.TheOtherUser = meeco.OtherConnectedUser{ID: peer.id, UserID: peer.userID, UserType: meeco.UserHuman,
			UserPublicKey: peer.publicKey, UserKeypairExternalID: peer.keypairID, ConnectionType: meeco.NullEnum,
			DelegationRole: meeco.NullEnum, IntegrationData: map[string]any{}}
		if s.has(FaultConnectionPeerIsSelf) {
			v.TheOtherUser.UserPublicKey, v.TheOtherUser.UserKeypairExternalID = c.publicKey, c.keypairID
		}
	}
	if s.has(FaultConnectionKeyLF) {
		v.Own.UserPublicKey, v.TheOtherUser.UserPublicKey = pemLF(v.Own.UserPublicKey), pemLF(v.TheOtherUser.UserPublicKey)
	}
	return v
}

// invitationView renders an invitation for viewer: only the sender sees its
// id and keypair_external_id, as in the real API.
func invitationView(inv *invitation, viewer string) meeco.Invitation {
	sender := inv.senderID == viewer
	v := meeco.Invitation{
		Token: inv.token, State: inv.state, EncryptedRecipientName: strOrNil(inv.encryptedName),
		SenderPublicKey: ptr(inv.publicKey), UserPublicKey: inv.publicKey, Outgoing: sender,
		CreatedAt: meeco.FormatTime(inv.createdAt), ConnectionType: meeco.NullEnum, DelegationRole: meeco.NullEnum,
		SharesToBeCreated: []any{}, IntegrationData: map[string]any{}, RecipientToSenderData: map[string]any{},
		SenderToRecipientData: inv.senderData, MultistepWorkflow: inv.multistep,
	}
	if v.SenderToRecipientData == nil {
		v.SenderToRecipientData = map[string]any{}
	}
	if !inv.expiresAt.IsZero() {
		v.ExpireAt = ptr(meeco.FormatTime(inv.expiresAt))
	}
	if sender {
		v.ID = ptr(inv.id)
		v.KeypairExternalID = ptr(inv.keypairID)
	}
	return v
}

func taskView(t *clientTask) meeco.ClientTask {
	rep := t.report
	if rep == nil {
		rep = map[string]any{}
	}
	return meeco.ClientTask{ID: t.id, State: t.state, WorkType: t.workType, TargetID: t.targetID,
		AdditionalOptions: map[string]any{}, LastStateTransitionAt: meeco.FormatTime(t.transitionAt),
		Report: rep, CreatedAt: meeco.FormatTime(t.createdAt)}
}
