package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Items: creating and changing items, and the checks of what the Vault
// keeps of them.

// SlotValue is one row of a "| slot | value |" table.
type SlotValue struct {
	Slot  string
	Value string
}

// CreateItem creates an item of the named template with the given slot
// values, encrypted with the owner's DEK as the SDK does. Items are named
// by label in a scenario, so a label may be used once.
func (w *World) CreateItem(ctx context.Context, owner, template, label string, slots []SlotValue) error {
	u, err := w.activeUser(owner)
	if err != nil {
		return err
	}
	if w.items[label] != nil {
		return scenarioErrorf("an item %q exists already in this scenario (items are named by label)", label)
	}
	ni := client.NewItem{Template: template, Label: label}
	values := map[string]string{}
	for _, s := range slots {
		ni.Slots = append(ni.Slots, client.NewSlot{Name: s.Slot, Value: s.Value})
		values[s.Slot] = s.Value
	}
	return w.act(ctx, fmt.Sprintf("%s creates a %q item %q", owner, template, label), func() error {
		it, err := w.client.CreateItem(ctx, u.auth, ni)
		if err != nil {
			return err
		}
		rec := &item{label: label, template: template, owner: u, id: it.ID, values: values}
		for _, s := range slots {
			rec.history = append(rec.history, s.Value)
		}
		w.items[label] = rec
		return nil
	})
}

// ChangeSlot sets one slot of an own item to a new value (PUT /items/{id},
// the value encrypted with the owner's DEK).
func (w *World) ChangeSlot(ctx context.Context, owner, slot, label, value string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	return w.act(ctx, fmt.Sprintf("%s changes slot %q of %q", owner, slot, label), func() error {
		cur, err := w.client.GetItem(ctx, u.auth, it.id)
		if err != nil {
			return err
		}
		if cur.Slot(slot) == nil {
			return scenarioErrorf("item %q has no slot %q", label, slot)
		}
		if _, err := w.client.UpdateItem(ctx, u.auth, cur.Update(map[string]string{slot: value})); err != nil {
			return err
		}
		it.values[slot] = value
		it.history = append(it.history, value)
		return nil
	})
}

// CheckItem reads an own item (GET /items/{id}, decrypted with the owner's
// DEK) and checks the listed slot values.
func (w *World) CheckItem(ctx context.Context, owner, label string, want []SlotValue) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	mark := w.log.Len()
	got, err := w.client.GetItem(ctx, u.auth, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q", owner, label), err)
	}
	return verify(pick(w.log.Since(mark), "/items/"), func(g gomega.Gomega) {
		g.Expect(got.Own).To(gomega.BeTrue(), "item %q of %s: want own: true, got own: false", label, owner)
		w.expectSlots(g, fmt.Sprintf("item %q of %s", label, owner), got, want)
	})
}

// expectSlots compares decrypted slots with a table, by digest.
func (w *World) expectSlots(g gomega.Gomega, what string, got *client.Item, want []SlotValue) {
	for _, sv := range want {
		s := got.Slot(sv.Slot)
		g.Expect(s).NotTo(gomega.BeNil(), "%s: slot %q: want a value of %s, got no such slot", what, sv.Slot, w.digest(sv.Value))
		g.Expect(s.Value.IsSet()).To(gomega.BeTrue(), "%s: slot %q: want a value of %s, got no value", what, sv.Slot, w.digest(sv.Value))
		// Plaintexts are compared here, by digest in the message, never
		// handed to a matcher that would keep them in its own.
		g.Expect(s.Value.Equal(sv.Value)).To(gomega.BeTrue(), "%s: slot %q: decrypted value differs (want %s, got %s)", what, sv.Slot, w.digest(sv.Value), w.digestValue(s.Value))
	}
}

// rawItem reads GET /items/{id} as u without decrypting.
func (w *World) rawItem(ctx context.Context, u *user, id string) (*meeco.ItemResponse, *client.Response, []redact.Exchange, error) {
	var out meeco.ItemResponse
	resp, exs, err := w.call(ctx, u, client.Call{Op: "get item", Method: "GET", Path: client.Path(meeco.VItem, id)}, &out)
	return &out, resp, exs, err
}

// CheckStoredEncrypted checks every slot of an item as the Vault stores it:
// a slot with a value holds a canonical Aes256Gcm string that opens with
// the named user's DEK to the current value; a slot without one holds no
// encrypted value.
func (w *World) CheckStoredEncrypted(ctx context.Context, label, keyOwner string) error {
	it, err := w.item(label)
	if err != nil {
		return err
	}
	ku, err := w.user(keyOwner)
	if err != nil {
		return err
	}
	if ku != it.owner {
		return scenarioErrorf("item %q belongs to %s; its values are encrypted with %s's DEK, not %s's", label, it.owner.name, it.owner.name, keyOwner)
	}
	out, _, exs, err := w.rawItem(ctx, it.owner, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q", it.owner.name, label), err)
	}
	return verify(exs, func(g gomega.Gomega) {
		seen := map[string]bool{}
		for _, s := range slotsOf(out.Item, out.Slots) {
			seen[s.Name] = true
			what := fmt.Sprintf("item %q: slot %q", label, s.Name)
			want, has := it.values[s.Name]
			if !has || want == "" {
				g.Expect(s.EncryptedValue).To(beEmptyString(), "%s: want no encrypted_value (the slot has no value), got one", what)
				continue
			}
			g.Expect(s.EncryptedValue).NotTo(gomega.BeNil(), "%s: want an encrypted_value, got null", what)
			p := meecoAES.problem(*s.EncryptedValue)
			g.Expect(p).To(gomega.BeEmpty(), "%s: encrypted_value: want %s, got %s", what, meecoAES, p)
			pt, err := cryppo.DecryptAES(it.owner.auth.DEK, *s.EncryptedValue)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want it to open with %s's DEK %s, got %v", what, keyOwner, it.owner.auth.DEK.Fingerprint(), err)
			w.ledger.DecryptData(keyOwner, "slot "+s.Name+" of item "+it.id+" (as stored)", it.owner.auth.DEK, "DEK", *s.EncryptedValue, pt)
			g.Expect(string(pt) == want).To(gomega.BeTrue(), "%s: decrypted value differs (want %s, got %s)", what, w.digest(want), w.digest(string(pt)))
		}
		for name, v := range it.values {
			if v != "" {
				g.Expect(seen).To(gomega.HaveKey(name), "item %q: want a slot %q, got none in the item's slot_ids", label, name)
			}
		}
	})
}

// slotsOf returns the slots of a response that belong to the item, in the
// item's slot_ids order (responses may carry other slots).
func slotsOf(it meeco.Item, slots []meeco.Slot) []meeco.Slot {
	var out []meeco.Slot
	for _, id := range it.SlotIDs {
		for _, s := range slots {
			if s.ID == id {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// CheckNoPlaintext checks that no value the item ever held appears in
// what the Vault returns for it: the raw JSON of GET /items/{id} and of
// GET /items, for the owner and for every recipient of a live share.
func (w *World) CheckNoPlaintext(ctx context.Context, label string) error {
	it, err := w.item(label)
	if err != nil {
		return err
	}
	readers := []*user{it.owner}
	ids := map[*user]string{it.owner: it.id}
	for _, s := range w.shares {
		if s.item == it && !s.deleted && s.copyID != "" {
			readers = append(readers, s.recipient)
			ids[s.recipient] = s.copyID
		}
	}
	var bodies []rawBody
	for _, u := range readers {
		_, resp, exs, err := w.rawItem(ctx, u, ids[u])
		if err != nil {
			return w.fail(fmt.Sprintf("%s reads item %q", u.name, label), err)
		}
		bodies = append(bodies, rawBody{fmt.Sprintf("GET item as %s", u.name), resp.Body, exs})
		resp, exs, err = w.call(ctx, u, client.Call{Op: "list items", Method: "GET", Path: meeco.VItems}, nil)
		if err != nil {
			return w.fail(fmt.Sprintf("%s lists items", u.name), err)
		}
		bodies = append(bodies, rawBody{fmt.Sprintf("GET items as %s", u.name), resp.Body, exs})
	}
	for _, b := range bodies {
		if err := verify(b.exs, func(g gomega.Gomega) {
			for _, v := range it.history {
				where := plaintextIn(b.body, v)
				g.Expect(where).To(gomega.BeEmpty(), "%s: want no plaintext of %q, got the value of %s in %s", b.what, label, w.digest(v), where)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

type rawBody struct {
	what string
	body []byte
	exs  []redact.Exchange
}

// minRawSearch is the shortest value searched for in raw bytes: shorter
// ones turn up by chance inside base64 ciphertexts. Shorter values are
// still looked for in every JSON string that is not a Cryppo string.
const minRawSearch = 8

// plaintextIn says where the plaintext v occurs in a JSON body, "" when it
// does not: in the raw bytes (also JSON-escaped), or inside any JSON key
// or string that is not itself a Cryppo string.
func plaintextIn(body []byte, v string) string {
	if v == "" {
		return ""
	}
	if len(v) >= minRawSearch {
		if bytes.Contains(body, []byte(v)) {
			return "the raw body"
		}
		esc, _ := json.Marshal(v)
		if inner := esc[1 : len(esc)-1]; bytes.Contains(body, inner) {
			return "the raw body (JSON-escaped)"
		}
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return ""
	}
	// A short value is only matched whole: as a substring it would match
	// field names and ids.
	has := func(s string) bool { return s == v || (len(v) >= minContains && strings.Contains(s, v)) }
	found := ""
	walkJSON(doc, "", func(key, s string) {
		if found != "" {
			return
		}
		// Ciphertexts and PEM keys are random-looking text in which a
		// short value can turn up by chance; a plaintext hidden in one
		// would be encoded anyway.
		if _, err := cryppo.Parse(s); err == nil || strings.Contains(s, "-----BEGIN ") {
			return
		}
		if has(s) {
			found = fmt.Sprintf("field %q", key)
		}
	}, func(key string) {
		if found == "" && has(key) {
			found = "a JSON key"
		}
	})
	return found
}

// minContains is the shortest value looked for inside JSON strings rather
// than as a whole string.
const minContains = 4
