package steps

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Items' slots: adding and removing them, refused updates that must change
// nothing, values kept byte for byte, deleted items, template order, and
// the received copy a recipient cannot change.

// ownSlot reads an own item and finds one of its slots by name.
func (w *World) ownSlot(ctx context.Context, u *user, it *item, slot string) (*client.Item, *client.Slot, error) {
	cur, err := w.client.GetItem(ctx, u.auth, it.id)
	if err != nil {
		return nil, nil, err
	}
	s := cur.Slot(slot)
	if s == nil {
		return nil, nil, scenarioErrorf("item %q has no slot %q", it.label, slot)
	}
	return cur, s, nil
}

// AddSlot adds a slot to an own item with PUT /items/{id}: a slot
// attribute without an id, its value encrypted with the owner's DEK (the
// CLI's items:update with a new slot name).
func (w *World) AddSlot(ctx context.Context, owner, slot, label, value string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	if _, has := it.values[slot]; has {
		return scenarioErrorf("item %q has a slot %q already", label, slot)
	}
	it.history = append(it.history, value)
	return w.act(ctx, fmt.Sprintf("%s adds slot %q to %q", owner, slot, label), func() error {
		v := value
		if _, err := w.client.UpdateItem(ctx, u.auth, client.ItemUpdate{ID: it.id, Slots: []client.SlotUpdate{{Name: slot, Value: &v}}}); err != nil {
			return err
		}
		it.values[slot] = value
		return nil
	})
}

// RemoveSlot removes a slot of an own item with PUT /items/{id} and the
// slot's _destroy flag (the CLI's items:update).
func (w *World) RemoveSlot(ctx context.Context, owner, slot, label string) error {
	return w.removeSlot(ctx, owner, slot, label, true)
}

// DeleteSlot removes a slot of an own item with DELETE /slots/{id} (the
// CLI's items:remove-slot).
func (w *World) DeleteSlot(ctx context.Context, owner, slot, label string) error {
	return w.removeSlot(ctx, owner, slot, label, false)
}

func (w *World) removeSlot(ctx context.Context, owner, slot, label string, destroy bool) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	how := "deletes"
	if destroy {
		how = "removes"
	}
	return w.act(ctx, fmt.Sprintf("%s %s slot %q of %q", owner, how, slot, label), func() error {
		_, s, err := w.ownSlot(ctx, u, it, slot)
		if err != nil {
			return err
		}
		if destroy {
			_, err = w.client.UpdateItem(ctx, u.auth, client.ItemUpdate{ID: it.id, Slots: []client.SlotUpdate{{ID: s.ID, Name: slot, Destroy: true}}})
		} else {
			err = w.client.RemoveSlot(ctx, u.auth, s.ID)
		}
		if err != nil {
			return err
		}
		delete(it.values, slot)
		st := w.identity()
		st.removedSlots[label] = append(st.removedSlots[label], s.ID)
		return nil
	})
}

// CheckNoSlots checks that an own item has none of the named slots, and
// that the slots removed from it answer 404.
func (w *World) CheckNoSlots(ctx context.Context, owner, label string, slots []string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	out, _, exs, err := w.rawItem(ctx, u, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q", owner, label), err)
	}
	if err := verify(exs, func(g gomega.Gomega) {
		for _, s := range slotsOf(out.Item, out.Slots) {
			g.Expect(slices.Contains(slots, s.Name)).To(gomega.BeFalse(), "item %q of %s: want no slot %q, got it (id %s) in the item's slot_ids", label, owner, s.Name, s.ID)
		}
	}); err != nil {
		return err
	}
	for _, id := range w.identity().removedSlots[label] {
		_, exs, err := w.call(ctx, u, client.Call{Op: "get slot", Method: "GET", Path: client.Path(meeco.VSlot, id)}, nil)
		if e := want404(fmt.Sprintf("%s reads slot %s removed from %q", owner, id, label), exs, err); e != nil {
			return e
		}
	}
	return nil
}

// DeleteItem deletes an own item (DELETE /items/{id}); its shares,
// on-shares included, and every recipient's copy must go with it.
func (w *World) DeleteItem(ctx context.Context, owner, label string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s deletes item %q", owner, label), func() error {
		out, _, _, err := w.rawItem(ctx, u, it.id)
		if err != nil {
			return err
		}
		if err := w.client.DeleteItem(ctx, u.auth, it.id); err != nil {
			return err
		}
		w.identity().deletedItems[label] = &deletedItem{it: it, slots: slices.Clone(out.Item.SlotIDs)}
		for _, s := range w.shares {
			if s.item == it {
				s.deleted = true
			}
		}
		return nil
	})
}

// CheckItemGone checks that a deleted item answers 404 to its owner, as
// do its slots, and that her list of items no longer holds it.
func (w *World) CheckItemGone(ctx context.Context, owner, label string) error {
	u, err := w.activeUser(owner)
	if err != nil {
		return err
	}
	d := w.identity().deletedItems[label]
	if d == nil || d.it.owner != u {
		return scenarioErrorf("%s did not delete an item %q in this scenario", owner, label)
	}
	_, _, exs, err := w.rawItem(ctx, u, d.it.id)
	if e := want404(fmt.Sprintf("%s reads their deleted item %q", owner, label), exs, err); e != nil {
		return e
	}
	for _, id := range d.slots {
		_, exs, err := w.call(ctx, u, client.Call{Op: "get slot", Method: "GET", Path: client.Path(meeco.VSlot, id)}, nil)
		if e := want404(fmt.Sprintf("%s reads slot %s of their deleted item %q", owner, id, label), exs, err); e != nil {
			return e
		}
	}
	items, exs, err := w.listItems(ctx, u)
	if err != nil {
		return err
	}
	for _, x := range items {
		if x.ID == d.it.id {
			return &TargetFailure{Msg: fmt.Sprintf("%s's items: want their deleted item %q gone, got it listed", owner, label), Exchanges: exs[len(exs)-1:]}
		}
	}
	return nil
}

// sentValues collects, from what went over the wire, the last
// encrypted_value the owner sent for each slot of an item (by slot id)
// in requests the Vault accepted: POST /items and PUT /items/{id}.
func (w *World) sentValues(u *user, it *item) map[string]string {
	sent := map[string]string{}
	for _, r := range w.raw() {
		if r.Actor != u.name || !ok2xx(r) || !w.toVault(r) {
			continue
		}
		var body struct {
			Item struct {
				SlotsAttributes []meeco.SlotAttributes `json:"slots_attributes"`
			} `json:"item"`
		}
		var resp meeco.ItemResponse
		create := r.Method == "POST" && strings.HasSuffix(r.Path, meeco.VItems)
		update := r.Method == "PUT" && strings.HasSuffix(r.Path, "/items/"+it.id)
		if !create && !update || json.Unmarshal(r.Request, &body) != nil || json.Unmarshal(r.Response, &resp) != nil || resp.Item.ID != it.id {
			continue
		}
		byName := map[string]string{}
		for _, s := range resp.Slots {
			byName[s.Name] = s.ID
		}
		for _, a := range body.Item.SlotsAttributes {
			if a.EncryptedValue == nil {
				continue
			}
			id := byName[a.Name]
			if a.ID != nil {
				id = *a.ID
			}
			if id != "" {
				sent[id] = *a.EncryptedValue
			}
		}
	}
	return sent
}

// CheckValuesByteForByte checks that the Vault returns every slot value of
// an own item exactly as the owner last sent it: no value re-encoded, none
// changed that she did not change.
func (w *World) CheckValuesByteForByte(ctx context.Context, label, owner string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	sent := w.sentValues(u, it)
	if len(sent) == 0 {
		return scenarioErrorf("%s sent no value of %q in this scenario", owner, label)
	}
	out, _, exs, err := w.rawItem(ctx, u, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q", owner, label), err)
	}
	return verify(exs, func(g gomega.Gomega) {
		for _, s := range slotsOf(out.Item, out.Slots) {
			want, ok := sent[s.ID]
			if !ok {
				continue
			}
			got := ""
			if s.EncryptedValue != nil {
				got = *s.EncryptedValue
			}
			g.Expect(got == want).To(gomega.BeTrue(), "item %q: slot %q: want encrypted_value byte for byte as %s sent it (%d characters), got %s", label, s.Name, owner, len(want), differs(want, got))
		}
	})
}

// putSlots sends PUT /items/{id} with the slot attributes as they are,
// for the steps that send what the client would not (a plaintext, a
// stranger's slot, legacy artifacts).
func (w *World) putSlots(ctx context.Context, u *user, itemID string, attrs ...meeco.SlotAttributes) error {
	_, _, err := w.call(ctx, u, client.Call{Op: "update item", Method: "PUT", Path: client.Path(meeco.VItem, itemID),
		Body: meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{SlotsAttributes: attrs}}}, nil)
	return err
}

// ChangeSlotWithStranger sends one PUT /items/{id} that changes a slot's
// value and names a slot id that is not the item's: the Vault must refuse
// the whole request and change nothing.
func (w *World) ChangeSlotWithStranger(ctx context.Context, owner, slot, label, value string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	it.history = append(it.history, value)
	return w.act(ctx, fmt.Sprintf("%s changes slot %q of %q along with a slot the item does not have", owner, slot, label), func() error {
		_, s, err := w.ownSlot(ctx, u, it, slot)
		if err != nil {
			return err
		}
		attrs, err := w.encryptedAttrs(u, it, []slotChange{{id: s.ID, name: slot, value: value}, {id: newUUID(), name: "no_such_slot", value: value}})
		if err != nil {
			return err
		}
		return w.putSlots(ctx, u, it.id, attrs...)
	})
}

type slotChange struct{ id, name, value string }

// encryptedAttrs makes slot attributes with values encrypted with u's DEK,
// recorded in the ledger as the client records its own.
func (w *World) encryptedAttrs(u *user, it *item, changes []slotChange) ([]meeco.SlotAttributes, error) {
	var out []meeco.SlotAttributes
	for _, c := range changes {
		enc, err := cryppo.EncryptAES(u.auth.DEK, []byte(c.value))
		if err != nil {
			return nil, &HarnessError{Msg: "encrypting a slot value", Err: err}
		}
		w.ledger.EncryptData(u.name, "slot "+c.name+" of item "+it.id, u.auth.DEK, "DEK", []byte(c.value), enc)
		id := c.id
		out = append(out, meeco.SlotAttributes{ID: &id, Name: c.name, EncryptedValue: &enc})
	}
	return out, nil
}

// newUUID is a random version-4 UUID: an id no object of any Vault has.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("steps: crypto/rand failed: " + err.Error())
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// plaintextValue is what StorePlaintextValue sends as an encrypted_value.
const plaintextValue = "a plaintext value, not a Cryppo string"

// StorePlaintextValue puts a plaintext in a slot's encrypted_value, as a
// client that skipped encryption would: the Vault must refuse it (400).
func (w *World) StorePlaintextValue(ctx context.Context, owner, slot, label string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s stores a plaintext in slot %q of %q", owner, slot, label), func() error {
		_, s, err := w.ownSlot(ctx, u, it, slot)
		if err != nil {
			return err
		}
		v, id := plaintextValue, s.ID
		return w.putSlots(ctx, u, it.id, meeco.SlotAttributes{ID: &id, Name: slot, EncryptedValue: &v})
	})
}

// ChangeSlotLegacy sets a slot's value to a Cryppo string with the legacy
// YAML artifacts cryppo-js still writes on request ("legacy") and every
// Meeco client still reads: a Vault must keep it as it came, not re-encode
// it.
func (w *World) ChangeSlotLegacy(ctx context.Context, owner, slot, label, value string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	it.history = append(it.history, value)
	return w.act(ctx, fmt.Sprintf("%s changes slot %q of %q in the legacy format", owner, slot, label), func() error {
		_, s, err := w.ownSlot(ctx, u, it, slot)
		if err != nil {
			return err
		}
		enc, err := legacyAES(u.auth.DEK, []byte(value))
		if err != nil {
			return &HarnessError{Msg: "encrypting a value with legacy artifacts", Err: err}
		}
		w.ledger.EncryptData(owner, "slot "+slot+" of item "+it.id+" (legacy YAML artifacts)", u.auth.DEK, "DEK", []byte(value), enc)
		id := s.ID
		if err := w.putSlots(ctx, u, it.id, meeco.SlotAttributes{ID: &id, Name: slot, EncryptedValue: &enc}); err != nil {
			return err
		}
		it.values[slot] = value
		return nil
	})
}

// legacyAES encrypts as cryppo-js does with the 'legacy' serialization:
// AES-256-GCM with the AAD "none", the artifacts a YAML document with
// Ruby's !binary tag over standard base64 (protocol §1.3, §1.9).
func legacyAES(key cryppo.SymmetricKey, plaintext []byte) (string, error) {
	block, err := aes.NewCipher(key.Bytes())
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	iv := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	sealed := gcm.Seal(nil, iv, plaintext, []byte("none"))
	ct, tag := sealed[:len(plaintext)], sealed[len(plaintext):]
	yaml := "---\niv: !binary |-\n  " + base64.StdEncoding.EncodeToString(iv) +
		"\nat: !binary |-\n  " + base64.StdEncoding.EncodeToString(tag) + "\nad: none\n"
	out := string(cryppo.AES256GCM) + "." + cryppo.EncodeBase64(ct) + "." + cryppo.EncodeBase64([]byte(yaml))
	if got, err := cryppo.DecryptAES(key, out); err != nil || string(got) != string(plaintext) {
		return "", fmt.Errorf("the legacy string does not decrypt back (%v)", err)
	}
	return out, nil
}

// CheckTemplateOrder checks that an own item made from a template holds
// the template's slots in the order the template lists them, before any
// slot the item added.
func (w *World) CheckTemplateOrder(ctx context.Context, owner, label, template string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	mark := w.log.Len()
	_, tslots, err := w.client.TemplateByName(ctx, u.auth, template)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads template %q", owner, template), err)
	}
	out, _, _, err := w.rawItem(ctx, u, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q", owner, label), err)
	}
	exs := w.log.Since(mark)
	pos := map[string]int{}
	var tnames []string
	for i, s := range tslots {
		pos[s.Name] = i
		tnames = append(tnames, s.Name)
	}
	var inames []string
	for _, s := range slotsOf(out.Item, out.Slots) {
		inames = append(inames, s.Name)
	}
	return verify(exs, func(g gomega.Gomega) {
		g.Expect(tnames).NotTo(gomega.BeEmpty(), "template %q: want slots, got none", template)
		last, added := -1, ""
		for _, n := range inames {
			p, ok := pos[n]
			if !ok {
				added = n
				continue
			}
			g.Expect(added).To(gomega.BeEmpty(), "item %q: want the template's slots first, got slot %q (added) before template slot %q", label, added, n)
			g.Expect(p).To(gomega.BeNumerically(">", last), "item %q: want its slots in the order of template %q (%s), got %s", label, template, strings.Join(tnames, ", "), strings.Join(inames, ", "))
			last = p
		}
		g.Expect(last).To(gomega.BeNumerically(">=", 0), "item %q: want the slots of template %q, got none of them (%s)", label, template, strings.Join(inames, ", "))
	})
}

// CheckCopyReadOnly checks that a recipient cannot change his copy of a
// received item: changing a value, adding a slot and destroying a slot
// (PUT /items/{id} on the copy) are each refused, and the copy reads as
// before.
func (w *World) CheckCopyReadOnly(ctx context.Context, recipient, label string) error {
	ru, s, err := w.liveShareTo(label, recipient)
	if err != nil {
		return err
	}
	copyID, err := w.copyOf(ctx, s)
	if err != nil {
		return err
	}
	before, err := w.client.ReadShare(ctx, ru.auth, s.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads the share of %q", recipient, label), err)
	}
	var first *client.Slot
	for i := range before.Item.Slots {
		if before.Item.Slots[i].Value.IsSet() {
			first = &before.Item.Slots[i]
			break
		}
	}
	if first == nil {
		return scenarioErrorf("%s's copy of %q has no slot with a value to try to change", recipient, label)
	}
	enc, err := cryppo.EncryptAES(ru.auth.DEK, []byte("changed by "+recipient))
	if err != nil {
		return &HarnessError{Msg: "encrypting a value", Err: err}
	}
	w.ledger.EncryptData(recipient, "a value for his copy of "+label, ru.auth.DEK, "DEK", []byte("changed by "+recipient), enc)
	id := first.ID
	for _, try := range []struct {
		what string
		attr meeco.SlotAttributes
	}{
		{"changes slot " + first.Name + " of", meeco.SlotAttributes{ID: &id, Name: first.Name, EncryptedValue: &enc}},
		{"adds a slot to", meeco.SlotAttributes{Name: "added_by_recipient", EncryptedValue: &enc}},
		{"destroys slot " + first.Name + " of", meeco.SlotAttributes{ID: &id, Destroy: true}},
	} {
		_, exs, err := w.call(ctx, ru, client.Call{Op: "update item", Method: "PUT", Path: client.Path(meeco.VItem, copyID),
			Body: meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{SlotsAttributes: []meeco.SlotAttributes{try.attr}}}}, nil)
		if st := statusOf(err); err == nil || st < 400 || st > 499 {
			return &TargetFailure{Msg: fmt.Sprintf("%s %s his copy of %q: want refused (4xx), got %s", recipient, try.what, label, gotOf(err)), Exchanges: exs, Err: err}
		}
	}
	mark := w.log.Len()
	after, err := w.client.ReadShare(ctx, ru.auth, s.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads the share of %q afterwards", recipient, label), err)
	}
	return verify(w.log.Since(mark), func(g gomega.Gomega) {
		g.Expect(len(after.Item.Slots)).To(gomega.Equal(len(before.Item.Slots)), "%s's copy of %q afterwards: want its %d slots, got %d", recipient, label, len(before.Item.Slots), len(after.Item.Slots))
		for _, b := range before.Item.Slots {
			a := after.Item.SlotByID(b.ID)
			g.Expect(a).NotTo(gomega.BeNil(), "%s's copy of %q afterwards: want slot %q, got none", recipient, label, b.Name)
			g.Expect(a.Value.Equal(b.Value.Reveal()) || !a.Value.IsSet() && !b.Value.IsSet()).To(gomega.BeTrue(),
				"%s's copy of %q afterwards: slot %q: want its value unchanged (%s), got %s", recipient, label, b.Name, w.digestValue(b.Value), w.digestValue(a.Value))
		}
	})
}

// CheckCopyMarkedReceived checks how the Vault marks an owner's item and a
// recipient's copy of it: the owner's is own, with no original_id or
// share_id; the copy is not own, its original_id the owner's item and its
// share_id the share that delivered it.
func (w *World) CheckCopyMarkedReceived(ctx context.Context, recipient, label, owner string) error {
	ou, err := w.user(owner)
	if err != nil {
		return err
	}
	it, err := w.ownItem(ou, label)
	if err != nil {
		return err
	}
	ru, err := w.user(recipient)
	if err != nil {
		return err
	}
	s, err := w.liveShare(label, ru, nil)
	if err != nil {
		return err
	}
	copyID, err := w.copyOf(ctx, s)
	if err != nil {
		return err
	}
	mine, _, exs, err := w.rawItem(ctx, ou, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q", owner, label), err)
	}
	theirs, _, exs2, err := w.rawItem(ctx, ru, copyID)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads his copy of %q", recipient, label), err)
	}
	str := func(p *string) string {
		if p == nil {
			return "null"
		}
		return *p
	}
	return verify(append(append([]redact.Exchange{}, exs...), exs2...), func(g gomega.Gomega) {
		g.Expect(mine.Item.Own).To(gomega.BeTrue(), "%s's item %q: want own true, got false", owner, label)
		g.Expect(str(mine.Item.OriginalID)).To(gomega.Or(gomega.Equal("null"), gomega.Equal("")), "%s's item %q: want original_id null, got %s", owner, label, str(mine.Item.OriginalID))
		g.Expect(str(mine.Item.ShareID)).To(gomega.Or(gomega.Equal("null"), gomega.Equal("")), "%s's item %q: want share_id null, got %s", owner, label, str(mine.Item.ShareID))
		g.Expect(theirs.Item.Own).To(gomega.BeFalse(), "%s's copy of %q: want own false, got true", recipient, label)
		g.Expect(str(theirs.Item.OriginalID)).To(gomega.Equal(it.id), "%s's copy of %q: want original_id %s (%s's item), got %s", recipient, label, it.id, owner, str(theirs.Item.OriginalID))
		g.Expect(str(theirs.Item.ShareID)).To(gomega.Equal(s.id), "%s's copy of %q: want share_id %s, got %s", recipient, label, s.id, str(theirs.Item.ShareID))
		g.Expect(theirs.Item.ID).NotTo(gomega.Equal(it.id), "%s's copy of %q: want an item id of its own, got the owner's %s", recipient, label, it.id)
	})
}
