package fakevault

import (
	"slices"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

func slotNames(slots []meeco.Slot) []string {
	var out []string
	for _, s := range slots {
		out = append(out, s.Name)
	}
	return out
}

func TestTemplatesSeeded(t *testing.T) {
	f := newFixture(t)
	uid := f.user()
	list, err := f.st.ListTemplates(uid, TemplateFilter{}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tm := range list.ItemTemplates {
		names = append(names, tm.Name)
	}
	for _, want := range []string{"vehicle", "password", "custom", "food", "drink", "activities"} {
		if !slices.Contains(names, want) {
			t.Errorf("templates %v lack %s", names, want)
		}
	}
	veh := f.st.tmplByName["vehicle"]
	got, err := f.st.GetTemplate(uid, veh.id)
	if err != nil {
		t.Fatal(err)
	}
	if n := slotNames(got.Slots); !slices.Equal(n, []string{"model_make", "licence_plate", "vin", "type", "purchase_date"}) {
		t.Fatalf("vehicle slots %v", n)
	}
	if got.Slots[4].SlotTypeName != meeco.SlotDate || got.Slots[0].SlotTypeName != meeco.SlotKeyValue {
		t.Fatalf("vehicle slot types %s, %s", got.Slots[0].SlotTypeName, got.Slots[4].SlotTypeName)
	}
	if got.ItemTemplate.ID != stableID("template", "vehicle") {
		t.Fatal("template ids must be stable across runs")
	}
	// Filters.
	for _, c := range []struct {
		f    TemplateFilter
		want []string
	}{
		{TemplateFilter{Like: "VEHIC"}, []string{"vehicle"}},
		{TemplateFilter{Scheme: "esafe", NodeName: "passwords"}, []string{"password"}},
		{TemplateFilter{NodeName: "lifestyle"}, []string{"food", "drink", "activities"}},
		{TemplateFilter{Scheme: "nope"}, nil},
	} {
		l, _ := f.st.ListTemplates(uid, c.f, Page{})
		var n []string
		for _, tm := range l.ItemTemplates {
			n = append(n, tm.Name)
		}
		if !slices.Equal(n, c.want) {
			t.Errorf("filter %+v: %v, want %v", c.f, n, c.want)
		}
	}
	_, err = f.st.GetTemplate(uid, newID())
	wantKind(t, err, meeco.NotFound)
}

func TestCreateItemRules(t *testing.T) {
	f := newFixture(t)
	uid := f.user()
	v := func() *string { return ptr(aesStr(t)) }
	cases := []struct {
		name      string
		req       meeco.CreateItemRequest
		want      meeco.ErrorKind
		wantSlots []string
	}{
		{"template slots in order, extra slot appended", meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "Car",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: v()}, {Label: "Colour", EncryptedValue: v()}}}}, "",
			[]string{"model_make", "licence_plate", "vin", "type", "purchase_date", "colour"}},
		{"skip empty template slots", meeco.CreateItemRequest{TemplateName: "vehicle", SkipEmptyTemplateSlots: ptr(true), Item: meeco.NewItemAttributes{Label: "Car",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: v()}}}}, "", []string{"vin"}},
		{"custom with own slots", meeco.CreateItemRequest{TemplateName: "custom", Item: meeco.NewItemAttributes{Label: "Note",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "pin", SlotTypeName: meeco.SlotPassword, EncryptedValue: v()}}}}, "", []string{"pin"}},
		{"no label", meeco.CreateItemRequest{TemplateName: "vehicle"}, meeco.MissingParameter, nil},
		{"no template", meeco.CreateItemRequest{Item: meeco.NewItemAttributes{Label: "x"}}, meeco.MissingParameter, nil},
		{"unknown template", meeco.CreateItemRequest{TemplateName: "spaceship", Item: meeco.NewItemAttributes{Label: "x"}}, meeco.InvalidParameter, nil},
		{"slot named twice", meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "x",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin"}, {Label: "VIN"}}}}, meeco.InvalidParameter, nil},
		{"slot without name or label", meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "x",
			SlotsAttributes: []meeco.SlotAttributes{{EncryptedValue: v()}}}}, meeco.MissingParameter, nil},
		{"bad slot type", meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "x",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "x", SlotTypeName: "hologram"}}}}, meeco.InvalidParameter, nil},
		{"plaintext value", meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "x",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: ptr("WVW123")}}}}, meeco.InvalidCryppoString, nil},
		{"rsa value", meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "x",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: ptr(rsaStr(t, 0))}}}}, meeco.InvalidCryppoString, nil},
		{"bad hash", meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "x",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: v(), ValueVerificationHash: ptr("ABC")}}}}, meeco.InvalidParameter, nil},
		{"unknown node id", meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "x",
			ClassificationNodesAttributes: []meeco.ClassificationNodeAttributes{{ID: ptr(newID())}}}}, meeco.InvalidParameter, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := f.st.CreateItem(uid, c.req)
			wantKind(t, err, c.want)
			if err != nil {
				return
			}
			if got := slotNames(resp.Slots); !slices.Equal(got, c.wantSlots) {
				t.Fatalf("slots %v, want %v", got, c.wantSlots)
			}
			it := resp.Item
			if !it.Own || it.OriginalID != nil || it.ShareID != nil || len(it.SlotIDs) != len(resp.Slots) {
				t.Fatalf("item %+v: want own, no original/share, slot_ids matching slots", it)
			}
			for i, sl := range resp.Slots {
				if sl.ID != it.SlotIDs[i] || *sl.ItemID != it.ID || !sl.Own {
					t.Fatalf("slot %d %+v does not belong to the item", i, sl)
				}
			}
		})
	}
}

func TestItemNameAndNodes(t *testing.T) {
	f := newFixture(t)
	uid := f.user()
	resp, err := f.st.CreateItem(uid, meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "My Vehicle!",
		ClassificationNodesAttributes: []meeco.ClassificationNodeAttributes{{Scheme: "mine", Name: "garage", Label: "Garage"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Item.Name != "my_vehicle" {
		t.Fatalf("name=%q, want my_vehicle", resp.Item.Name)
	}
	var own, system int
	for _, n := range resp.ClassificationNodes {
		if n.Own {
			own++
		} else {
			system++
		}
	}
	if own != 1 || system != 2 {
		t.Fatalf("nodes %+v: want the template's 2 and one own", resp.ClassificationNodes)
	}
	other := f.user()
	nodes, _ := f.st.ListNodes(other, NodeFilter{Scheme: "mine"}, Page{})
	if len(nodes.ClassificationNodes) != 0 {
		t.Fatal("another user sees a private classification node")
	}
	list, _ := f.st.ListItems(uid, ItemFilter{Scheme: "mine", NodeNames: []string{"garage"}}, Page{})
	if len(list.Items) != 1 {
		t.Fatalf("filter by own node: %d items, want 1", len(list.Items))
	}
}

func TestUpdateItem(t *testing.T) {
	f := newFixture(t)
	uid := f.user()
	it := f.vehicle(uid)
	vin := it.Slots[2]
	newVal := aesStr(t)
	resp, err := f.st.UpdateItem(uid, it.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{
		Label: ptr("Renamed"),
		SlotsAttributes: []meeco.SlotAttributes{
			{Name: "vin", EncryptedValue: &newVal},           // by name, as the CLI sends it
			{Name: "colour", EncryptedValue: ptr(aesStr(t))}, // new slot
			{ID: ptr(it.Slots[0].ID), Destroy: true},         // by id
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Item.Label != "Renamed" {
		t.Fatal("label not updated")
	}
	if got := slotNames(resp.Slots); !slices.Equal(got, []string{"licence_plate", "vin", "type", "purchase_date", "colour"}) {
		t.Fatalf("slots %v", got)
	}
	for _, sl := range resp.Slots {
		if sl.Name == "vin" && (sl.ID != vin.ID || *sl.EncryptedValue != newVal) {
			t.Fatal("vin not updated in place")
		}
	}
	for _, c := range []struct {
		name string
		req  meeco.UpdateItemAttributes
		want meeco.ErrorKind
	}{
		{"empty label", meeco.UpdateItemAttributes{Label: ptr("")}, meeco.MissingParameter},
		{"slot of another item", meeco.UpdateItemAttributes{SlotsAttributes: []meeco.SlotAttributes{{ID: ptr(newID())}}}, meeco.InvalidParameter},
		{"destroy unknown name", meeco.UpdateItemAttributes{SlotsAttributes: []meeco.SlotAttributes{{Name: "nope", Destroy: true}}}, meeco.InvalidParameter},
		{"rename onto another slot", meeco.UpdateItemAttributes{SlotsAttributes: []meeco.SlotAttributes{{ID: ptr(vin.ID), Name: "type"}}}, meeco.InvalidParameter},
		{"same slot twice", meeco.UpdateItemAttributes{SlotsAttributes: []meeco.SlotAttributes{{Name: "vin"}, {ID: ptr(vin.ID)}}}, meeco.InvalidParameter},
		{"bad value", meeco.UpdateItemAttributes{SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: ptr("Aes256Gcm.x.y")}}}, meeco.InvalidCryppoString},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.st.UpdateItem(uid, it.Item.ID, meeco.UpdateItemRequest{Item: c.req})
			wantKind(t, err, c.want)
		})
	}
	// A failed update changes nothing.
	after, _ := f.st.GetItem(uid, it.Item.ID)
	if len(after.Slots) != 5 || after.Item.Label != "Renamed" {
		t.Fatalf("failed updates changed the item: %v", slotNames(after.Slots))
	}
	// Not shared: no client task.
	tasks, _ := f.st.ListTasks(uid, TaskFilter{}, Page{})
	if len(tasks.ClientTasks) != 0 {
		t.Fatal("an unshared item got a client task")
	}
}

func TestItemAccessAndDelete(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user(), f.user()
	it := f.vehicle(alice)
	_, err := f.st.GetItem(bob, it.Item.ID)
	wantKind(t, err, meeco.NotFound)
	_, err = f.st.UpdateItem(bob, it.Item.ID, meeco.UpdateItemRequest{Item: meeco.UpdateItemAttributes{Label: ptr("x")}})
	wantKind(t, err, meeco.NotFound)
	wantKind(t, f.st.DeleteItem(bob, it.Item.ID), meeco.NotFound)
	_, err = f.st.GetSlot(bob, it.Slots[0].ID)
	wantKind(t, err, meeco.NotFound)
	wantKind(t, f.st.DeleteSlot(bob, it.Slots[0].ID), meeco.NotFound)

	if _, err := f.st.GetSlot(alice, it.Slots[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := f.st.DeleteSlot(alice, it.Slots[0].ID); err != nil {
		t.Fatal(err)
	}
	got, _ := f.st.GetItem(alice, it.Item.ID)
	if len(got.Slots) != 4 || len(got.Item.SlotIDs) != 4 {
		t.Fatal("slot not removed")
	}
	if err := f.st.DeleteItem(alice, it.Item.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.st.GetItem(alice, it.Item.ID)
	wantKind(t, err, meeco.NotFound)
	if _, ok := f.st.slots[it.Slots[1].ID]; ok {
		t.Fatal("slots of a deleted item remain")
	}
}

func TestListItemsFiltersAndPaging(t *testing.T) {
	f := newFixture(t)
	alice, bob := f.user(), f.user()
	f.connect(alice, bob)
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, f.vehicle(alice).Item.ID)
	}
	pw, _ := f.st.CreateItem(alice, meeco.CreateItemRequest{TemplateName: "password", Item: meeco.NewItemAttributes{Label: "Bank"}})
	shared := f.st.items[ids[1]]
	f.share(alice, f.mustItem(alice, shared.id), bob)

	count := func(fl ItemFilter) int {
		l, err := f.st.ListItems(alice, fl, Page{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Items)
	}
	veh := stableID("template", "vehicle")
	for _, c := range []struct {
		name string
		f    ItemFilter
		want int
	}{
		{"all", ItemFilter{}, 6},
		{"template", ItemFilter{TemplateIDs: []string{veh}}, 5},
		{"two templates", ItemFilter{TemplateIDs: []string{veh, stableID("template", "password")}}, 6},
		{"item ids", ItemFilter{ItemIDs: []string{ids[0], pw.Item.ID, newID()}}, 2},
		{"shared with bob", ItemFilter{SharedWith: bob}, 1},
		{"own", ItemFilter{Own: ptr(true)}, 6},
		{"not own", ItemFilter{Own: ptr(false)}, 0},
		{"owner", ItemFilter{OwnerID: alice}, 6},
		{"scheme+node", ItemFilter{Scheme: "esafe", NodeNames: []string{"passwords"}}, 1},
		{"name", ItemFilter{Name: "bank"}, 1},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("%s: %d items, want %d", c.name, got, c.want)
		}
	}
	// Bob's list holds his copy only.
	bl, _ := f.st.ListItems(bob, ItemFilter{}, Page{})
	if len(bl.Items) != 1 || bl.Items[0].Own || *bl.Items[0].OriginalID != shared.id {
		t.Fatalf("bob's items %+v", bl.Items)
	}

	// Paging walks every item exactly once, in creation order.
	var walked []string
	p := Page{PerPage: 2}
	for pages := 0; ; pages++ {
		l, err := f.st.ListItems(alice, ItemFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range l.Items {
			walked = append(walked, it.ID)
		}
		if l.Meta.RecordsCount != 6 || l.Meta.PerPage != 2 || l.Meta.PageCount != 3 || l.Meta.Page != pages+1 {
			t.Fatalf("meta %+v on page %d", l.Meta, pages+1)
		}
		if l.NextPageAfter == nil {
			if l.Meta.NextPageExists {
				t.Fatal("next_page_exists without next_page_after")
			}
			break
		}
		p.After = *l.NextPageAfter
	}
	if want := append(slices.Clone(ids), pw.Item.ID); !slices.Equal(walked, want) {
		t.Fatalf("paging walked %v, want %v", walked, want)
	}
	desc, _ := f.st.ListItems(alice, ItemFilter{}, Page{Order: "desc", PerPage: 1})
	if desc.Items[0].ID != pw.Item.ID {
		t.Fatal("order=desc does not start with the newest")
	}
	_, err := f.st.ListItems(alice, ItemFilter{}, Page{After: "bogus"})
	wantKind(t, err, meeco.InvalidParameter)
	_, err = f.st.ListItems(alice, ItemFilter{}, Page{Order: "sideways"})
	wantKind(t, err, meeco.InvalidParameter)
	// A cursor stays valid when its record is deleted.
	l1, _ := f.st.ListItems(alice, ItemFilter{}, Page{PerPage: 2})
	_ = f.st.DeleteItem(alice, ids[1])
	l2, err := f.st.ListItems(alice, ItemFilter{}, Page{PerPage: 2, After: *l1.NextPageAfter})
	if err != nil || l2.Items[0].ID != ids[2] {
		t.Fatalf("after deleting the cursor's record: %v, %v", l2, err)
	}
}

func (f *fixture) mustItem(uid, id string) *meeco.ItemResponse {
	f.t.Helper()
	r, err := f.st.GetItem(uid, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}
