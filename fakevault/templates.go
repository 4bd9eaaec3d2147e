package fakevault

import (
	"crypto/sha1"
	"encoding/hex"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// The seeded item templates and classification nodes. Names, labels and
// slot order follow what Meeco's SDK fixtures and CLI scripts show for the
// sandbox: the vehicle template's slots come in the order model_make,
// licence_plate, vin, type, purchase_date (the e2e scripts fill
// slots[0..4] in that order), with the labels of the SDK's item fixtures;
// food/drink/activities are the templates the CLI's template fixtures list
// (drink with the yoghurt, water and beer slots).

type seedNode struct{ scheme, name, label string }

type seedTemplate struct {
	name, label, description string
	nodes                    []string // node names, scheme esafe or meeco
	slots                    []templateSlot
}

var seedNodes = []seedNode{
	{"esafe", "esafe_templates", "eSafe Templates"},
	{"esafe", "vehicles", "Vehicles"},
	{"esafe", "passwords", "Passwords"},
	{"esafe", "custom", "Custom"},
	{"meeco", "lifestyle", "Lifestyle"},
}

func kv(name, label string) templateSlot {
	return templateSlot{name: name, label: label, slotType: meeco.SlotKeyValue}
}

var seedTemplates = []seedTemplate{
	{name: "vehicle", label: "Vehicle", description: "A car, motorbike or other vehicle",
		nodes: []string{"esafe_templates", "vehicles"},
		slots: []templateSlot{
			kv("model_make", "Make or model"),
			kv("licence_plate", "Vehicle registration number"),
			kv("vin", "VIN"),
			kv("type", "Type"),
			{name: "purchase_date", label: "Date purchased", slotType: meeco.SlotDate},
		}},
	{name: "password", label: "Password", description: "A login for a website or service",
		nodes: []string{"esafe_templates", "passwords"},
		slots: []templateSlot{
			kv("username", "Username"),
			{name: "password", label: "Password", slotType: meeco.SlotPassword},
			{name: "website", label: "Website", slotType: meeco.SlotURL},
			{name: "notes", label: "Notes", slotType: meeco.SlotNoteText},
		}},
	{name: "custom", label: "Custom", description: "An item with slots of your choosing",
		nodes: []string{"esafe_templates", "custom"}},
	{name: "food", label: "Food", nodes: []string{"lifestyle"},
		slots: []templateSlot{kv("favourite_food", "Favourite food"), kv("cuisine", "Cuisine"), kv("allergies", "Allergies")}},
	{name: "drink", label: "Drink", nodes: []string{"lifestyle"},
		slots: []templateSlot{kv("yoghurt", "Yoghurt"), kv("water", "Water"), kv("beer", "Beer")}},
	{name: "activities", label: "Activities", nodes: []string{"lifestyle"},
		slots: []templateSlot{kv("activity", "Activity"), {name: "date", label: "Date", slotType: meeco.SlotDate}, kv("location", "Location")}},
}

// stableID derives a UUID-shaped id from a name (SHA-1, version 5 bits), so
// that seeded templates keep their ids across runs and fixtures can name
// them.
func stableID(kind, name string) string {
	sum := sha1.Sum([]byte("vaultcheck/fakevault/" + kind + "/" + name))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// seedEpoch is the updated_at of every seeded template.
var seedEpoch = time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC)

func (s *Store) seedTemplates() {
	byName := map[string]string{}
	for i, n := range seedNodes {
		id := stableID("node", n.scheme+"/"+n.name)
		s.nodes[id] = &classNode{id: id, scheme: n.scheme, name: n.name, label: n.label, ordinal: i + 1, seq: s.nextSeq()}
		byName[n.name] = id
	}
	for i, st := range seedTemplates {
		t := &template{id: stableID("template", st.name), name: st.name, label: st.label, ordinal: i + 1,
			updatedAt: seedEpoch, seq: s.nextSeq()}
		if st.description != "" {
			t.description = ptr(st.description)
		}
		for _, n := range st.nodes {
			t.nodeIDs = append(t.nodeIDs, byName[n])
		}
		for _, sl := range st.slots {
			sl.id = stableID("template_slot", st.name+"/"+sl.name)
			t.slots = append(t.slots, sl)
		}
		for j := range t.slots {
			s.tmplSlots[t.slots[j].id] = &t.slots[j]
		}
		s.templates = append(s.templates, t)
		s.tmplByID[t.id] = t
		s.tmplByName[t.name] = t
	}
}
