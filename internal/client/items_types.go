package client

import (
	"crypto/subtle"
	"fmt"
	"io"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Value is a decrypted slot value (or connection name). It prints as its
// length and fingerprint, never its text, so results can be logged; Reveal
// returns the text. The zero Value is "no value" (the API's null).
type Value struct {
	s sealed[*string]
}

// NewValue wraps a plaintext.
func NewValue(s string) Value { return Value{s: seal(&s)} }

// IsSet reports whether there is a value (JSON null and an absent
// encrypted_value are not set; an empty string is).
func (v Value) IsSet() bool { return v.s.get() != nil }

// Reveal returns the plaintext ("" when not set).
func (v Value) Reveal() string {
	if p := v.s.get(); p != nil {
		return *p
	}
	return ""
}

// Equal compares the value with want in constant time; an unset value
// equals nothing.
func (v Value) Equal(want string) bool {
	p := v.s.get()
	return p != nil && subtle.ConstantTimeCompare([]byte(*p), []byte(want)) == 1
}

// String redacts the value.
func (v Value) String() string {
	p := v.s.get()
	if p == nil {
		return "Value(none)"
	}
	return fmt.Sprintf("Value(%d bytes %s)", len(*p), cryppo.Fingerprint([]byte(*p)))
}

// GoString redacts for %#v.
func (v Value) GoString() string { return v.String() }

// Format redacts for every verb.
func (v Value) Format(f fmt.State, _ rune) { io.WriteString(f, v.String()) }

// MarshalText refuses implicit serialization; use Reveal.
func (v Value) MarshalText() ([]byte, error) {
	return nil, fmt.Errorf("client: refusing to marshal a Value implicitly; use Reveal()")
}

// Slot is a slot as the Vault returned it (encrypted fields kept) with its
// decrypted value and value verification key.
type Slot struct {
	meeco.Slot
	// Value is the decrypted encrypted_value.
	Value Value
	vvk   sealed[[]byte]
}

// VerificationKey returns a copy of the decrypted 64-byte value
// verification key, nil if the slot has none.
func (s *Slot) VerificationKey() []byte {
	k := s.vvk.get()
	if k == nil {
		return nil
	}
	return append([]byte(nil), k...)
}

// Item is an item with its slots decrypted.
type Item struct {
	meeco.Item
	// Slots are the item's slots in the response's order, filtered to the
	// item's slot_ids as the SDK's DecryptedItem does.
	Slots               []Slot
	ClassificationNodes []meeco.ClassificationNode
	// Share is the incoming share whose DEK decrypted a received item
	// (nil for an own item).
	Share *meeco.Share
	// KeyName says which key decrypted the slots: "DEK" or "share DEK for
	// share <id>".
	KeyName string
}

// Slot returns the slot with the given name, or nil.
func (it *Item) Slot(name string) *Slot {
	for i := range it.Slots {
		if it.Slots[i].Name == name {
			return &it.Slots[i]
		}
	}
	return nil
}

// SlotByID returns the slot with the given id, or nil.
func (it *Item) SlotByID(id string) *Slot {
	for i := range it.Slots {
		if it.Slots[i].ID == id {
			return &it.Slots[i]
		}
	}
	return nil
}

// Received reports whether the item reached the user by a share (the
// SDK's ItemService.itemIsFromShare).
func (it *Item) Received() bool { return !it.Own || it.ShareID != nil }

// Update builds an ItemUpdate that sets the named slots to new values, by
// slot id (the Vault creates a new slot for an entry without id). Unknown
// names become new slots.
func (it *Item) Update(values map[string]string) ItemUpdate {
	u := ItemUpdate{ID: it.ID}
	for _, s := range it.Slots {
		if v, ok := values[s.Name]; ok {
			u.Slots = append(u.Slots, SlotUpdate{ID: s.ID, Name: s.Name, Value: &v})
		}
	}
	for name, v := range values {
		if it.Slot(name) == nil {
			u.Slots = append(u.Slots, SlotUpdate{Name: name, Value: &v})
		}
	}
	return u
}

// NewSlot is a slot of a new item. An empty Value is not sent (the SDK
// drops slots without a value from POST /items).
type NewSlot struct {
	Name  string
	Label string
	Type  meeco.SlotType
	Value string
}

// NewItem is the input of CreateItem: POST /items with the template given
// by name.
type NewItem struct {
	Template            string
	Label               string
	Name                string
	Slots               []NewSlot
	ClassificationNodes []meeco.ClassificationNodeAttributes
}

// SlotUpdate is one slot of ItemUpdate: ID selects an existing slot (none
// creates one), Value nil leaves the value alone, Destroy removes the slot.
type SlotUpdate struct {
	ID      string
	Name    string
	Label   string
	Type    meeco.SlotType
	Value   *string
	Destroy bool
}

// ItemUpdate is the input of UpdateItem (PUT /items/{id}).
type ItemUpdate struct {
	ID    string
	Label *string
	Slots []SlotUpdate
}
