package fakevault

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Templates, classification nodes, items and slots.

// TemplateFilter holds the query of GET /item_templates.
type TemplateFilter struct {
	Scheme, NodeName, Like string
}

// ListTemplates answers GET /item_templates.
func (s *Store) ListTemplates(uid string, f TemplateFilter, p Page) (*meeco.ItemTemplatesResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*template
	for _, t := range s.templates {
		if f.Like != "" && !strings.Contains(strings.ToLower(t.name+" "+t.label), strings.ToLower(f.Like)) {
			continue
		}
		if f.Scheme != "" || f.NodeName != "" {
			match := false
			for _, nid := range t.nodeIDs {
				n := s.nodes[nid]
				if n != nil && (f.Scheme == "" || n.scheme == f.Scheme) && (f.NodeName == "" || n.name == f.NodeName) {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		recs = append(recs, t)
	}
	page, meta, next, err := paginate(s.f, recs, func(t *template) uint64 { return t.seq }, p)
	if err != nil {
		return nil, err
	}
	out := &meeco.ItemTemplatesResponse{ItemTemplates: []meeco.ItemTemplate{}, Slots: []meeco.Slot{},
		ClassificationNodes: []meeco.ClassificationNode{}, Attachments: []meeco.Attachment{},
		Thumbnails: []meeco.Thumbnail{}, Meta: meta, NextPageAfter: next}
	seen := map[string]bool{}
	for _, t := range page {
		out.ItemTemplates = append(out.ItemTemplates, s.templateView(uid, t))
		out.Slots = append(out.Slots, s.templateSlotViews(t)...)
		for _, nid := range t.nodeIDs {
			if !seen[nid] && s.nodes[nid] != nil {
				seen[nid] = true
				out.ClassificationNodes = append(out.ClassificationNodes, s.nodeView(s.nodes[nid], uid))
			}
		}
	}
	return out, nil
}

// GetTemplate answers GET /item_templates/{id}.
func (s *Store) GetTemplate(uid, id string) (*meeco.ItemTemplateResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.tmplByID[id]
	if t == nil {
		return nil, errNotFound("item template")
	}
	out := &meeco.ItemTemplateResponse{ItemTemplate: s.templateView(uid, t), Slots: []meeco.Slot{},
		ClassificationNodes: []meeco.ClassificationNode{}, Attachments: []meeco.Attachment{}, Thumbnails: []meeco.Thumbnail{}}
	out.Slots = append(out.Slots, s.templateSlotViews(t)...)
	for _, nid := range t.nodeIDs {
		if n := s.nodes[nid]; n != nil {
			out.ClassificationNodes = append(out.ClassificationNodes, s.nodeView(n, uid))
		}
	}
	return out, nil
}

// NodeFilter holds the query of GET /classification_nodes.
type NodeFilter struct {
	Scheme, Name string
	Own          *bool
}

// visibleNode reports whether uid may see n: system nodes and their own.
func visibleNode(n *classNode, uid string) bool { return n.userID == "" || n.userID == uid }

// ListNodes answers GET /classification_nodes.
func (s *Store) ListNodes(uid string, f NodeFilter, p Page) (*meeco.ClassificationNodesResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*classNode
	for _, n := range s.nodes {
		if !visibleNode(n, uid) || (f.Scheme != "" && n.scheme != f.Scheme) || (f.Name != "" && n.name != f.Name) {
			continue
		}
		if f.Own != nil && *f.Own != (n.userID == uid) {
			continue
		}
		recs = append(recs, n)
	}
	page, meta, next, err := paginate(s.f, recs, func(n *classNode) uint64 { return n.seq }, p)
	if err != nil {
		return nil, err
	}
	out := &meeco.ClassificationNodesResponse{ClassificationNodes: []meeco.ClassificationNode{}, Meta: meta, NextPageAfter: next}
	for _, n := range page {
		out.ClassificationNodes = append(out.ClassificationNodes, s.nodeView(n, uid))
	}
	return out, nil
}

// CreateNode answers POST /classification_nodes: a node of the caller's.
// A node with the same scheme and name already visible is returned as is.
func (s *Store) CreateNode(uid string, req meeco.CreateClassificationNodeRequest) (*meeco.ClassificationNodeResponse, error) {
	in := req.ClassificationNode
	if err := need("classification_node.classification_scheme_name", in.ClassificationSchemeName); err != nil {
		return nil, err
	}
	if err := need("classification_node.name", in.Name); err != nil {
		return nil, err
	}
	if err := checkText("classification_node.label", in.Label, maxShortField); err != nil {
		return nil, err
	}
	if in.Description != nil {
		if err := checkText("classification_node.description", *in.Description, maxTextField); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.findOrCreateNode(uid, in.ClassificationSchemeName, in.Name, in.Label)
	if in.Description != nil && n.userID == uid {
		n.description = copyPtr(in.Description)
	}
	return &meeco.ClassificationNodeResponse{ClassificationNode: s.nodeView(n, uid)}, nil
}

func (s *Store) findOrCreateNode(uid, scheme, name, label string) *classNode {
	for _, n := range s.nodes {
		if visibleNode(n, uid) && n.scheme == scheme && n.name == name {
			return n
		}
	}
	if label == "" {
		label = name
	}
	n := &classNode{id: newID(), userID: uid, scheme: scheme, name: name, label: label, seq: s.nextSeq()}
	s.nodes[n.id] = n
	return n
}

// checkNodeAttrs checks classification_nodes_attributes. It creates
// nothing: creation happens in applyNodes, after every other check passed.
func (s *Store) checkNodeAttrs(uid string, attrs []meeco.ClassificationNodeAttributes) error {
	if len(attrs) > 100 {
		return errInvalid("classification_nodes_attributes", "may hold at most 100 nodes")
	}
	for _, a := range attrs {
		if a.ID != nil {
			n := s.nodes[*a.ID]
			if n == nil || !visibleNode(n, uid) {
				return errInvalid("classification_nodes_attributes[].id", "does not name a classification node")
			}
			continue
		}
		scheme := a.Scheme
		if scheme == "" {
			scheme = a.ClassificationSchemeName
		}
		if err := need("classification_nodes_attributes[].scheme", scheme); err != nil {
			return err
		}
		if err := need("classification_nodes_attributes[].name", a.Name); err != nil {
			return err
		}
		if err := checkText("classification_nodes_attributes[].label", a.Label, maxShortField); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) applyNodes(uid string, ids []string, attrs []meeco.ClassificationNodeAttributes) []string {
	for _, a := range attrs {
		var id string
		if a.ID != nil {
			id = *a.ID
		} else {
			scheme := a.Scheme
			if scheme == "" {
				scheme = a.ClassificationSchemeName
			}
			id = s.findOrCreateNode(uid, scheme, a.Name, a.Label).id
		}
		if a.Destroy {
			ids = slices.DeleteFunc(ids, func(x string) bool { return x == id })
		} else if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// parameterize turns a label into a slot or item name the way Rails'
// parameterize(separator: "_") does for ASCII: lowercase, runs of other
// characters become one underscore.
func parameterize(label string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(label) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		} else {
			under = true
		}
	}
	return b.String()
}

// slotKey is the name a slot attribute addresses: its name, or its label
// parameterized (the CLI lets item configs give either).
func slotKey(a meeco.SlotAttributes) string {
	if a.Name != "" {
		return a.Name
	}
	return parameterize(a.Label)
}

// valueFields are the three value fields of a slot as a request sets them.
type valueFields struct {
	value, key, hash *string
}

// checkOwnValue checks the value fields of a slot attribute on an item the
// caller owns: Cryppo strings for the value and verification key, hex for
// the hash. An empty encrypted_value means "no value" (the SDK turns empty
// plaintext into null). lax is FaultSlotValueUnchecked: any value passes.
func checkOwnValue(prefix string, value, key, hash *string, lax bool) (valueFields, error) {
	var f valueFields
	if value != nil && *value != "" {
		if err := checkAES(prefix+"encrypted_value", *value); err != nil && !lax {
			return f, err
		}
		f.value = copyPtr(value)
	}
	if key != nil && *key != "" {
		if err := checkAES(prefix+"encrypted_value_verification_key", *key); err != nil {
			return f, err
		}
		f.key = copyPtr(key)
	}
	if hash != nil && *hash != "" {
		if err := checkHash(prefix+"value_verification_hash", *hash); err != nil {
			return f, err
		}
		f.hash = copyPtr(hash)
	}
	return f, nil
}

// checkSlotAttr checks the non-value fields of a slot attribute.
func checkSlotAttr(a meeco.SlotAttributes) error {
	if err := checkText("slots_attributes[].name", a.Name, maxShortField); err != nil {
		return err
	}
	if err := checkText("slots_attributes[].label", a.Label, maxShortField); err != nil {
		return err
	}
	if a.Description != nil {
		if err := checkText("slots_attributes[].description", *a.Description, maxTextField); err != nil {
			return err
		}
	}
	if a.SlotTypeName != "" && !a.SlotTypeName.Valid() {
		return errInvalid("slots_attributes[].slot_type_name", "is not a slot type")
	}
	return nil
}

// CreateItem answers POST /items: the template's slots in template order,
// filled from slots_attributes by name, then any extra slots the request
// adds. skip_empty_template_slots drops template slots left without a value.
func (s *Store) CreateItem(uid string, req meeco.CreateItemRequest) (*meeco.ItemResponse, error) {
	in := req.Item
	if err := need("template_name", req.TemplateName); err != nil {
		return nil, err
	}
	if err := need("item.label", in.Label); err != nil {
		return nil, err
	}
	if err := checkText("item.name", in.Name, maxShortField); err != nil {
		return nil, err
	}
	if in.Description != nil {
		if err := checkText("item.description", *in.Description, maxTextField); err != nil {
			return nil, err
		}
	}
	if len(in.SlotsAttributes) > maxSlotsPerItem {
		return nil, errInvalid("item.slots_attributes", fmt.Sprintf("may hold at most %d slots", maxSlotsPerItem))
	}
	type want struct {
		attr meeco.SlotAttributes
		vals valueFields
	}
	byKey := map[string]*want{}
	var order []string
	for _, a := range in.SlotsAttributes {
		if err := checkSlotAttr(a); err != nil {
			return nil, err
		}
		key := slotKey(a)
		if key == "" {
			return nil, errMissing("slots_attributes[].name or label")
		}
		if byKey[key] != nil {
			return nil, errInvalid("slots_attributes", "names a slot twice")
		}
		vals, err := checkOwnValue("slots_attributes[].", a.EncryptedValue, a.EncryptedValueVerificationKey, a.ValueVerificationHash,
			s.has(FaultSlotValueUnchecked))
		if err != nil {
			return nil, err
		}
		byKey[key] = &want{attr: a, vals: vals}
		order = append(order, key)
	}
	skipEmpty := req.SkipEmptyTemplateSlots != nil && *req.SkipEmptyTemplateSlots

	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tmplByName[req.TemplateName]
	if t == nil {
		return nil, errInvalid("template_name", "does not name an item template")
	}
	if err := s.checkNodeAttrs(uid, in.ClassificationNodesAttributes); err != nil {
		return nil, err
	}
	now := s.clock()
	it := &item{id: newID(), userID: uid, own: true, name: in.Name, label: in.Label, description: copyPtr(in.Description),
		templateID: ptr(t.id), templateLabel: ptr(t.label), createdAt: now, updatedAt: now, seq: s.nextSeq(), ownerID: uid}
	if it.name == "" {
		it.name = parameterize(in.Label)
		if it.name == "" {
			it.name = t.name
		}
	}
	newSlot := func(name, label string, typ meeco.SlotType, required bool, creator string, w *want) {
		sl := &slot{id: newID(), itemID: it.id, own: true, name: name, label: label, slotType: typ,
			required: required, visible: true, creator: creator, createdAt: now, updatedAt: now, ownerID: uid,
			ordinal: len(it.slotIDs) + 1}
		if w != nil {
			sl.value, sl.valueKey, sl.valueHash = w.vals.value, w.vals.key, w.vals.hash
			if w.attr.Label != "" {
				sl.label = w.attr.Label
			}
			if w.attr.Description != nil {
				sl.description = copyPtr(w.attr.Description)
			}
			if w.attr.Required != nil {
				sl.required = *w.attr.Required
			}
		}
		s.slots[sl.id] = sl
		it.slotIDs = append(it.slotIDs, sl.id)
	}
	for _, ts := range t.slots {
		w := byKey[ts.name]
		if skipEmpty && (w == nil || w.vals.value == nil) {
			delete(byKey, ts.name)
			continue
		}
		newSlot(ts.name, ts.label, ts.slotType, ts.required, "system", w)
		delete(byKey, ts.name)
	}
	for _, key := range order {
		w := byKey[key]
		if w == nil {
			continue
		}
		typ := w.attr.SlotTypeName
		if typ == "" {
			typ = meeco.SlotKeyValue
		}
		label := w.attr.Label
		if label == "" {
			label = key
		}
		newSlot(key, label, typ, false, "user", w)
	}
	it.nodeIDs = s.applyNodes(uid, slices.Clone(t.nodeIDs), in.ClassificationNodesAttributes)
	s.items[it.id] = it
	addTo(s.userItems, uid, it.id, it)
	return s.itemResponse(uid, it), nil
}

// ItemFilter holds the query of GET /items.
type ItemFilter struct {
	TemplateIDs []string
	Name        string
	Scheme      string
	NodeNames   []string
	SharedWith  string
	OwnerID     string
	Own         *bool
	ItemIDs     []string
}

func (s *Store) itemMatches(uid string, it *item, f ItemFilter) bool {
	if len(f.TemplateIDs) > 0 && (it.templateID == nil || !slices.Contains(f.TemplateIDs, *it.templateID)) {
		return false
	}
	if f.Name != "" && it.name != f.Name {
		return false
	}
	if f.Scheme != "" || len(f.NodeNames) > 0 {
		match := false
		for _, nid := range it.nodeIDs {
			n := s.nodes[nid]
			if n != nil && (f.Scheme == "" || n.scheme == f.Scheme) && (len(f.NodeNames) == 0 || slices.Contains(f.NodeNames, n.name)) {
				match = true
			}
		}
		if !match {
			return false
		}
	}
	if f.OwnerID != "" && (it.ownerID != f.OwnerID || s.hideOwner(it)) {
		return false
	}
	if f.Own != nil && it.own != *f.Own {
		return false
	}
	if len(f.ItemIDs) > 0 && !slices.Contains(f.ItemIDs, it.id) {
		return false
	}
	if f.SharedWith != "" {
		shared := false
		for _, sh := range s.outgoing[uid] {
			if sh.senderItemID == it.id && sh.recipientID == f.SharedWith {
				shared = true
				break
			}
		}
		if !shared {
			return false
		}
	}
	return true
}

// ListItems answers GET /items: the caller's items, own and received.
func (s *Store) ListItems(uid string, f ItemFilter, p Page) (*meeco.ItemsResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var recs []*item
	for _, it := range s.userItems[uid] {
		if s.itemMatches(uid, it, f) && !s.copyExpired(it) {
			recs = append(recs, it)
		}
	}
	page, meta, next, err := paginate(s.f, recs, func(it *item) uint64 { return it.seq }, p)
	if err != nil {
		return nil, err
	}
	items, slots, nodes := s.itemParts(uid, page)
	return &meeco.ItemsResponse{Items: items, Slots: slots, ClassificationNodes: nodes,
		Attachments: []meeco.Attachment{}, Thumbnails: []meeco.Thumbnail{}, Meta: meta, NextPageAfter: next}, nil
}

// heldItem returns the item if uid holds it; anyone else's is not found.
func (s *Store) heldItem(uid, id string) (*item, error) {
	it := s.items[id]
	if it == nil || it.userID != uid || s.copyExpired(it) {
		return nil, errNotFound("item")
	}
	return it, nil
}

// copyExpired reports whether it is a recipient's copy whose every share
// has expired: the copy is then gone for its recipient as the shares are
// (404, not listed), though the store keeps it. Hiding only the shares
// would leave the ciphertext readable by a recipient who kept the DEK.
func (s *Store) copyExpired(it *item) bool {
	if it.own || s.has(FaultShareNeverExpires) {
		return false
	}
	delivered := false
	for _, sh := range s.itemShares[it.originalID] {
		if sh.recipientID != it.userID {
			continue
		}
		if !s.expired(sh) {
			return false
		}
		delivered = true
	}
	return delivered
}

// GetItem answers GET /items/{id}.
func (s *Store) GetItem(uid, id string) (*meeco.ItemResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	it, err := s.heldItem(uid, id)
	if err != nil && s.has(FaultItemCrossUserRead) && s.items[id] != nil {
		it, err = s.items[id], nil
	}
	if err != nil {
		return nil, err
	}
	return s.itemResponse(uid, it), nil
}

// UpdateItem answers PUT /items/{id}. Only the owner changes an item;
// recipients hold read-only copies (they re-encrypt with POST
// /items/{id}/encrypt). A slot attribute with an id changes or destroys that
// slot; without an id it addresses the slot of that name, or creates one
// (the CLI sends names only). Label, name and description changes reach the
// recipients' copies at once, since they are not encrypted; slot changes of
// a shared item queue an update_item_shares client task for the owner, who
// re-encrypts for each share with PUT /items/{id}/shares.
//
// Every attribute is checked and resolved to a slot before anything
// changes (planItemUpdate), so that a bad one leaves the item as it was.
func (s *Store) UpdateItem(uid, id string, req meeco.UpdateItemRequest) (*meeco.ItemResponse, error) {
	vals, err := checkItemUpdate(req.Item, s.has(FaultSlotValueUnchecked))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.planItemUpdate(uid, id, req.Item, vals)
	if err != nil {
		if p != nil && s.has(FaultItemUpdatePartial) {
			for _, o := range p.ops {
				s.applySlotOp(uid, p.it, o, s.clock())
			}
		}
		return nil, err
	}
	s.applyItemUpdate(uid, p, req.Item)
	return s.itemResponse(uid, p.it), nil
}

// checkItemUpdate runs the checks that need no state and returns the value
// fields of each slot attribute.
func checkItemUpdate(in meeco.UpdateItemAttributes, lax bool) ([]valueFields, error) {
	if in.Label != nil {
		if err := need("item.label", *in.Label); err != nil {
			return nil, err
		}
	}
	if in.Name != nil {
		if err := need("item.name", *in.Name); err != nil {
			return nil, err
		}
	}
	if in.Description != nil {
		if err := checkText("item.description", *in.Description, maxTextField); err != nil {
			return nil, err
		}
	}
	if len(in.SlotsAttributes) > maxSlotsPerItem {
		return nil, errInvalid("item.slots_attributes", fmt.Sprintf("may hold at most %d slots", maxSlotsPerItem))
	}
	vals := make([]valueFields, len(in.SlotsAttributes))
	for i, a := range in.SlotsAttributes {
		if err := checkSlotAttr(a); err != nil {
			return nil, err
		}
		v, err := checkOwnValue("slots_attributes[].", a.EncryptedValue, a.EncryptedValueVerificationKey, a.ValueVerificationHash, lax)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return vals, nil
}

// slotOp is one slot attribute of an update, resolved: the slot it changes
// or destroys, or nil to create one.
type slotOp struct {
	sl      *slot
	destroy bool
	a       meeco.SlotAttributes
	v       valueFields
}

// itemUpdatePlan is a PUT /items/{id} checked against the store.
type itemUpdatePlan struct {
	it  *item
	ops []slotOp
}

// planItemUpdate resolves every slot attribute against the item. It
// changes nothing. On an error after the item was found, the plan so far
// comes back too (only FaultItemUpdatePartial uses it).
func (s *Store) planItemUpdate(uid, id string, in meeco.UpdateItemAttributes, vals []valueFields) (*itemUpdatePlan, error) {
	it, err := s.heldItem(uid, id)
	if err != nil {
		return nil, err
	}
	if !it.own && !s.has(FaultCopyEditable) {
		return nil, errForbidden("a received item cannot be changed")
	}
	if err := s.checkNodeAttrs(uid, in.ClassificationNodesAttributes); err != nil {
		return nil, err
	}
	byName := map[string]*slot{}
	for _, sid := range it.slotIDs {
		byName[s.slots[sid].name] = s.slots[sid]
	}
	p := &itemUpdatePlan{it: it}
	touched := map[string]bool{}
	for i, a := range in.SlotsAttributes {
		sl, err := s.resolveSlotAttr(it, byName, a)
		if err != nil {
			return p, err
		}
		k := "new:" + slotKey(a)
		if sl != nil {
			k = sl.id
		}
		if touched[k] {
			return p, errInvalid("slots_attributes", "names a slot twice")
		}
		touched[k] = true
		if sl != nil && a.Name != "" && a.Name != sl.name && byName[a.Name] != nil {
			return p, errInvalid("slots_attributes[].name", "is already the name of another slot")
		}
		p.ops = append(p.ops, slotOp{sl: sl, destroy: a.Destroy, a: a, v: vals[i]})
	}
	if n := len(it.slotIDs) + len(p.ops); n > maxSlotsPerItem {
		return nil, errInvalid("item.slots_attributes", fmt.Sprintf("an item may hold at most %d slots", maxSlotsPerItem))
	}
	return p, nil
}

// resolveSlotAttr finds the slot an attribute addresses: by id, else by
// name (nil: a slot to create).
func (s *Store) resolveSlotAttr(it *item, byName map[string]*slot, a meeco.SlotAttributes) (*slot, error) {
	if a.ID != nil {
		sl := s.slots[*a.ID]
		if sl == nil || sl.itemID != it.id {
			return nil, errInvalid("slots_attributes[].id", "does not name a slot of this item")
		}
		return sl, nil
	}
	key := slotKey(a)
	if key == "" {
		return nil, errMissing("slots_attributes[].id, name or label")
	}
	sl := byName[key]
	if sl == nil && a.Destroy {
		return nil, errInvalid("slots_attributes[]._destroy", "names no slot of this item")
	}
	return sl, nil
}

// applyItemUpdate makes a planned update.
func (s *Store) applyItemUpdate(uid string, p *itemUpdatePlan, in meeco.UpdateItemAttributes) {
	it, now := p.it, s.clock()
	slotsChanged := false
	for _, o := range p.ops {
		if s.applySlotOp(uid, it, o, now) {
			slotsChanged = true
		}
	}
	if in.Label != nil {
		it.label = *in.Label
	}
	if in.Name != nil {
		it.name = *in.Name
	}
	if in.Description != nil {
		it.description = copyPtr(in.Description)
	}
	it.nodeIDs = s.applyNodes(uid, it.nodeIDs, in.ClassificationNodesAttributes)
	it.updatedAt = now
	s.propagatePlainFields(it)
	if slotsChanged && len(s.itemShares[it.id]) > 0 {
		s.queueTask(uid, meeco.WorkUpdateItemShares, it.id)
	}
}

// applySlotOp destroys, creates or changes one slot and reports whether a
// slot or a value changed (the shares then need re-keying).
func (s *Store) applySlotOp(uid string, it *item, o slotOp, now time.Time) bool {
	switch {
	case o.destroy && s.has(FaultItemUpdateIgnoresDestroy), o.sl == nil && s.has(FaultItemUpdateDropsNewSlot):
		return false
	case o.destroy:
		s.destroySlot(it, o.sl)
		return true
	case o.sl == nil:
		typ := o.a.SlotTypeName
		if typ == "" {
			typ = meeco.SlotKeyValue
		}
		key := slotKey(o.a)
		label := o.a.Label
		if label == "" {
			label = key
		}
		sl := &slot{id: newID(), itemID: it.id, own: true, name: key, label: label, slotType: typ, visible: true,
			creator: "user", createdAt: now, updatedAt: now, ownerID: uid, ordinal: len(it.slotIDs) + 1,
			description: copyPtr(o.a.Description), value: o.v.value, valueKey: o.v.key, valueHash: o.v.hash}
		s.slots[sl.id] = sl
		it.slotIDs = append(it.slotIDs, sl.id)
		return true
	}
	sl, a := o.sl, o.a
	if a.Name != "" {
		sl.name = a.Name
	}
	if a.Label != "" {
		sl.label = a.Label
	}
	if a.Description != nil {
		sl.description = copyPtr(a.Description)
	}
	if a.SlotTypeName != "" {
		sl.slotType = a.SlotTypeName
	}
	if a.Required != nil {
		sl.required = *a.Required
	}
	sl.updatedAt = now
	switch {
	case a.EncryptedValue != nil && s.has(FaultItemUpdateValueIgnored):
		return false
	case a.EncryptedValue != nil:
		// "" clears the value; the verification fields go with it unless
		// the request sets them too.
		sl.value, sl.valueKey, sl.valueHash = o.v.value, o.v.key, o.v.hash
		return true
	case o.v.key != nil || o.v.hash != nil:
		sl.valueKey, sl.valueHash = o.v.key, o.v.hash
		return true
	}
	return false
}

// propagatePlainFields copies an owner's unencrypted item fields to every
// copy recipients hold.
func (s *Store) propagatePlainFields(it *item) {
	for _, sh := range s.itemShares[it.id] {
		if c := s.items[sh.copyID]; c != nil {
			c.label, c.name, c.description, c.updatedAt = it.label, it.name, copyPtr(it.description), it.updatedAt
		}
	}
}

// destroySlot removes an owner's slot, its copies in every recipient's
// copy of the item and the values every share keeps for it.
func (s *Store) destroySlot(it *item, sl *slot) {
	it.slotIDs = slices.DeleteFunc(it.slotIDs, func(x string) bool { return x == sl.id })
	delete(s.slots, sl.id)
	if !it.own {
		return
	}
	for _, sh := range s.itemShares[it.id] {
		delete(sh.vals, sl.id)
		c := s.items[sh.copyID]
		if c == nil {
			continue
		}
		c.slotIDs = slices.DeleteFunc(c.slotIDs, func(x string) bool {
			if cs := s.slots[x]; cs != nil && cs.originalID == sl.id {
				delete(s.slots, x)
				return true
			}
			return false
		})
	}
}

// DeleteItem answers DELETE /items/{id}. An owner's item takes every share
// of it (on-shares included) and every recipient copy with it. A received
// copy takes the shares that delivered it, and the on-shares its holder
// made from it.
func (s *Store) DeleteItem(uid, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.heldItem(uid, id)
	if err != nil {
		return err
	}
	if it.own {
		if !s.has(FaultItemDeleteKeepsShares) {
			for _, sh := range s.sharesOf(it.id, func(*share) bool { return true }) {
				s.removeShare(sh)
			}
		}
	} else {
		// The shares that deliver this copy: the one holding it and those
		// riding on it (one copy per recipient and item).
		for _, sh := range s.recipientShares(uid, it.originalID) {
			s.removeShare(sh)
		}
	}
	s.dropItem(it)
	return nil
}

// dropItem deletes an item record and its slots (no share bookkeeping).
func (s *Store) dropItem(it *item) {
	if s.items[it.id] == nil {
		return
	}
	for _, sid := range it.slotIDs {
		delete(s.slots, sid)
	}
	delete(s.items, it.id)
	delFrom(s.userItems, it.userID, it.id)
}

// heldSlot returns a slot of an item uid holds.
func (s *Store) heldSlot(uid, id string) (*slot, *item, error) {
	sl := s.slots[id]
	if sl == nil {
		return nil, nil, errNotFound("slot")
	}
	it := s.items[sl.itemID]
	if it == nil || it.userID != uid || s.copyExpired(it) {
		return nil, nil, errNotFound("slot")
	}
	return sl, it, nil
}

// GetSlot answers GET /slots/{id}.
func (s *Store) GetSlot(uid, id string) (*meeco.SlotResponse, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sl, it, err := s.heldSlot(uid, id)
	if err != nil {
		return nil, err
	}
	if it.own {
		return &meeco.SlotResponse{Slot: s.slotView(sl, s.hideOwner(it))}, nil
	}
	// A copy's slot is rendered through the holder when it delivers the
	// slot, else through the oldest share that does.
	var through *share
	for _, sh := range append([]*share{s.shares[it.shareID]}, s.recipientShares(uid, it.originalID)...) {
		if sh == nil {
			continue
		}
		if _, ok := sh.vals[sl.originalID]; ok {
			through = sh
			break
		}
	}
	return &meeco.SlotResponse{Slot: s.copySlotView(sl, through, s.hideOwner(it))}, nil
}

// DeleteSlot answers DELETE /slots/{id}; like _destroy in PUT /items, and
// forbidden on received copies.
func (s *Store) DeleteSlot(uid, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sl, it, err := s.heldSlot(uid, id)
	if err != nil {
		return err
	}
	if !it.own {
		return errForbidden("a slot of a received item cannot be removed")
	}
	s.destroySlot(it, sl)
	it.updatedAt = s.clock()
	if len(s.itemShares[it.id]) > 0 {
		s.queueTask(uid, meeco.WorkUpdateItemShares, it.id)
	}
	return nil
}

// EncryptItem answers POST /items/{id}/encrypt: the recipient of a copy
// re-encrypts its slots (as GET /items shows them: the holding share's)
// under its own DEK. Every slot that holds a value must be re-encrypted in
// the same request, so that the whole copy is under one key; from then on
// the holding share's encrypted_dek is null for the recipient, which tells
// the SDK to use the private DEK. A later re-key by the owner
// (PUT /items/{id}/shares) puts the copy back under a share DEK.
func (s *Store) EncryptItem(uid, id string, req meeco.EncryptItemRequest) (*meeco.ItemResponse, error) {
	if len(req.Slots) == 0 {
		return nil, errMissing("slots")
	}
	if len(req.Slots) > maxSlotsPerItem {
		return nil, errInvalid("slots", fmt.Sprintf("may hold at most %d slots", maxSlotsPerItem))
	}
	for _, v := range req.Slots {
		if err := need("slots[].id", v.ID); err != nil {
			return nil, err
		}
		if v.EncryptedValue == nil || *v.EncryptedValue == "" {
			return nil, errMissing("slots[].encrypted_value")
		}
		if err := checkAES("slots[].encrypted_value", *v.EncryptedValue); err != nil {
			return nil, err
		}
		if v.EncryptedValueVerificationKey != nil && *v.EncryptedValueVerificationKey != "" {
			if err := checkAES("slots[].encrypted_value_verification_key", *v.EncryptedValueVerificationKey); err != nil {
				return nil, err
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, err := s.heldItem(uid, id)
	if err != nil {
		return nil, err
	}
	if it.own {
		return nil, errForbidden("only received items are re-encrypted; own items are already under the user's key")
	}
	holder := s.shares[it.shareID]
	if holder == nil {
		return nil, errNotFound("item")
	}
	shown := map[string]*slot{}
	for _, sl := range s.deliveredSlots(it, holder) {
		shown[sl.id] = sl
	}
	given := map[string]meeco.EncryptSlot{}
	for _, v := range req.Slots {
		if shown[v.ID] == nil {
			return nil, errInvalid("slots[].id", "does not name a slot of this item")
		}
		if _, dup := given[v.ID]; dup {
			return nil, errInvalid("slots", "names a slot twice")
		}
		given[v.ID] = v
	}
	for sid, sl := range shown {
		if holder.vals[sl.originalID].value != nil {
			if _, ok := given[sid]; !ok {
				return nil, errInvalid("slots", "must re-encrypt every slot that holds a value")
			}
		}
	}
	now := s.clock()
	for sid, v := range given {
		sl := shown[sid]
		vf := holder.vals[sl.originalID]
		vf.value = copyPtr(v.EncryptedValue)
		if v.EncryptedValueVerificationKey != nil && *v.EncryptedValueVerificationKey != "" {
			vf.key = copyPtr(v.EncryptedValueVerificationKey)
		}
		holder.vals[sl.originalID] = vf
		sl.updatedAt = now
	}
	holder.reencrypted = true
	it.updatedAt = now
	return s.itemResponse(uid, it), nil
}
