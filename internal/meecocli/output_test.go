package meecocli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// keys lists the keys of a mapping node in order.
func keys(t *testing.T, n *yaml.Node) []string {
	t.Helper()
	if n == nil || n.Kind != yaml.MappingNode {
		t.Fatalf("not a mapping: %v", n)
	}
	var out []string
	for i := 0; i < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

func get(t *testing.T, n *yaml.Node, key string) *yaml.Node {
	t.Helper()
	v := lookup(n, key)
	if v == nil {
		t.Fatalf("no key %q in %v", key, keys(t, n))
	}
	return v
}

func wantKeys(t *testing.T, what string, n *yaml.Node, want ...string) {
	t.Helper()
	if got := keys(t, n); !slices.Equal(got, want) {
		t.Errorf("%s keys\n  %v\nwant\n  %v", what, got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// apiItemKeys are the item fields in the order the API sends them.
var apiItemKeys = []string{"id", "own", "name", "label", "description", "created_at", "updated_at", "item_template_id",
	"item_template_label", "ordinal", "visible", "image", "item_image", "classification_node_ids", "slot_ids",
	"original_id", "owner_id", "share_id"}

// decryptedSlotKeys are a decrypted slot's keys: the API's without the two
// encrypted fields, then what decryption adds.
var decryptedSlotKeys = []string{"id", "own", "share_id", "name", "label", "description", "ordinal", "visible",
	"classification_node_ids", "attachment_id", "attachments_folder_id", "item_id", "required", "created_at",
	"updated_at", "slot_type_name", "creator", "value_verification_hash", "original_id", "owner_id",
	"encrypted", "value"}

func testItem() *client.Item {
	it := &client.Item{
		Item: meeco.Item{ID: "item-1", Own: false, Name: "my_vehicle", Label: "My Vehicle", SlotIDs: []string{"s1", "s2"},
			ClassificationNodeIDs: []string{"n1"}, OriginalID: ptr("orig-1"), ShareID: ptr("share-1")},
		Slots: []client.Slot{
			{Slot: meeco.Slot{ID: "s1", Name: "vin", EncryptedValue: ptr("Aes256Gcm.x.y"), ValueVerificationHash: ptr("ab12")}, Value: client.NewValue("VIN3322112223")},
			{Slot: meeco.Slot{ID: "s2", Name: "type"}},
		},
		ClassificationNodes: []meeco.ClassificationNode{{ID: "n1", Name: "vehicles"}, {ID: "n2", Name: "slot_node"}},
	}
	return it
}

func TestItemFileShape(t *testing.T) {
	n, err := ItemFile(testItem())
	if err != nil {
		t.Fatal(err)
	}
	wantKeys(t, "item file", n, "kind", "spec")
	spec := get(t, n, "spec")
	wantKeys(t, "spec", spec, append(slices.Clone(apiItemKeys), "slots", "classification_nodes")...)
	slots := get(t, spec, "slots")
	if len(slots.Content) != 2 {
		t.Fatalf("%d slots, want 2", len(slots.Content))
	}
	wantKeys(t, "slot", slots.Content[0], append(slices.Clone(decryptedSlotKeys), "value_verification_key")...)
	if v := get(t, slots.Content[0], "value"); v.Value != "VIN3322112223" || v.Tag != "!!str" {
		t.Errorf("slot value %s %q", v.Tag, v.Value)
	}
	if v := get(t, slots.Content[1], "value"); v.Tag != "!!null" {
		t.Errorf("slot without value: %s %q, want null", v.Tag, v.Value)
	}
	if v := get(t, slots.Content[0], "encrypted"); v.Value != "false" || v.Tag != "!!bool" {
		t.Errorf("encrypted %s %q, want false", v.Tag, v.Value)
	}
	// Only the item's own classification nodes, as DecryptedItem keeps.
	nodes := get(t, spec, "classification_nodes")
	if len(nodes.Content) != 1 || get(t, nodes.Content[0], "id").Value != "n1" {
		t.Errorf("classification nodes %v", encode(t, nodes))
	}
	out := encode(t, n)
	if strings.Contains(out, "encrypted_value") {
		t.Errorf("decrypted item keeps encrypted_value:\n%s", out)
	}
}

func TestSharedItemFileShape(t *testing.T) {
	it := testItem()
	si := &client.SharedItem{
		Item: it,
		Response: meeco.ShareWithItemResponse{
			Share:       meeco.Share{ID: "share-1", AcceptanceRequired: meeco.AcceptanceNotRequired},
			Item:        it.Item,
			Slots:       []meeco.Slot{it.Slots[0].Slot, it.Slots[1].Slot},
			Attachments: []meeco.Attachment{},
		},
	}
	n, err := SharedItemFile(si)
	if err != nil {
		t.Fatal(err)
	}
	wantKeys(t, "shared item", n, "share", "item", "slots", "classification_nodes", "attachments", "thumbnails", "item_shared_via_another_share_id")
	item := get(t, n, "item")
	wantKeys(t, "decrypted item", item, "slots", "item", "id", "own", "name", "label", "description", "original_id",
		"owner_id", "share_id", "allClassificationNodes", "classification_nodes", "attachments", "thumbnails")
	wantKeys(t, "raw item", get(t, item, "item"), apiItemKeys...)
	// shares:get-incoming drops the value verification key from the slots.
	wantKeys(t, "decrypted slot", get(t, item, "slots").Content[0], decryptedSlotKeys...)
	if get(t, item, "original_id").Value != "orig-1" || get(t, item, "owner_id").Tag != "!!null" {
		t.Errorf("forwarded ids wrong:\n%s", encode(t, item))
	}
	if got := len(get(t, item, "allClassificationNodes").Content); got != 2 {
		t.Errorf("allClassificationNodes has %d, want 2", got)
	}
	// The raw slots keep their ciphertext; the decrypted ones have values.
	raw := get(t, n, "slots").Content[0]
	if get(t, raw, "encrypted_value").Value != "Aes256Gcm.x.y" || lookup(raw, "value") != nil {
		t.Errorf("raw slot changed:\n%s", encode(t, raw))
	}
	if get(t, n, "attachments").Kind != yaml.SequenceNode || get(t, n, "item_shared_via_another_share_id").Tag != "!!null" {
		t.Errorf("response fields wrong:\n%s", encode(t, n))
	}
	if _, err := SharedItemFile(&client.SharedItem{}); err == nil {
		t.Error("SharedItemFile without a decrypted item: no error")
	}
}

func TestItemConfigFile(t *testing.T) {
	tm := &meeco.ItemTemplate{Name: "vehicle", SlotIDs: []string{"a", "img", "b", "node"}}
	slots := []meeco.Slot{
		{ID: "b", Name: "vin", SlotTypeName: meeco.SlotKeyValue},
		{ID: "other", Name: "not_in_template", SlotTypeName: meeco.SlotKeyValue},
		{ID: "img", Name: "image", SlotTypeName: meeco.SlotImage},
		{ID: "a", Name: "model_make", SlotTypeName: meeco.SlotKeyValue},
		{ID: "node", Name: "tag", SlotTypeName: meeco.SlotClassificationNode},
	}
	want := `kind: Item
metadata:
  template_name: vehicle
spec:
  label: ""
  slots:
    - name: vin
      value: ""
    - name: model_make
      value: ""
`
	if got := encode(t, ItemConfigFile(tm, slots)); got != want {
		t.Errorf("item config:\n%s\nwant:\n%s", got, want)
	}
}

// TestAuthFileRoundTrip writes an auth file, reads it back, and checks
// every key survives, also a delegation id, which is written but, as in
// Meeco's CLI, not applied on reading.
func TestAuthFileRoundTrip(t *testing.T) {
	dir, _ := interop(t)
	a, err := ReadAuth(filepath.Join(dir, "alice.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	a.DelegationID = "d-1"
	out := encode(t, AuthFile(a))
	md := get(t, mustParse(t, out).root, "metadata")
	wantKeys(t, "metadata", md, "data_encryption_key", "delegation_id", "identity_network_access_token", "key_encryption_key",
		"keystore_access_token", "passphrase_derived_key", "secret", "vault_access_token", "vc_access_token")
	if get(t, md, "delegation_id").Value != "d-1" {
		t.Errorf("delegation id not written:\n%s", out)
	}
	p := filepath.Join(dir, "again.yaml")
	if err := os.WriteFile(p, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := ReadAuth(p)
	if err != nil {
		t.Fatal(err)
	}
	if !b.DEK.Equal(a.DEK) || !b.KEK.Equal(a.KEK) || !b.PDK.Equal(a.PDK) || !b.Secret.Equal(a.Secret) ||
		b.VaultToken.Reveal() != a.VaultToken.Reveal() || b.KeystoreToken.Reveal() != a.KeystoreToken.Reveal() {
		t.Errorf("round trip changed the auth data")
	}
	if b.DelegationID != "" {
		t.Errorf("delegation id applied on reading: %q", b.DelegationID)
	}
	wantKeys(t, "auth config", AuthConfigNode(a), "data_encryption_key", "key_encryption_key", "keystore_access_token",
		"passphrase_derived_key", "secret", "vault_access_token", "delegation_id", "loaded_delegations")
}

func mustParse(t *testing.T, s string) *Doc {
	t.Helper()
	d, err := Parse("out.yaml", []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestEncodeRoundTrip checks that API values survive Encode and a YAML
// parser unchanged: CRLF PEM keys, strings that look like other types,
// empty lists and nulls.
func TestEncodeRoundTrip(t *testing.T) {
	priv, err := cryppo.GeneratePrivateKey(1024)
	if err != nil {
		t.Fatal(err)
	}
	pem := priv.Public().PEM()
	if !strings.Contains(pem, "\r\n") {
		t.Fatalf("test wants a CRLF PEM")
	}
	share := meeco.Share{ID: "123", PublicKey: pem, Terms: ptr("null"), CreatedAt: "2020-09-24T07:15:03.315Z",
		AcceptanceRequired: meeco.AcceptanceRequired, EncryptedDEK: ptr("Rsa4096.abc=.QQUAAAAA")}
	n, err := ToNode(meeco.SharesResponse{Shares: []meeco.Share{share}})
	if err != nil {
		t.Fatal(err)
	}
	out := encode(t, n)
	if !strings.HasPrefix(out, "shares:\n  - id: \"123\"\n    owner_id: \"\"\n") {
		t.Errorf("unexpected layout:\n%s", out)
	}
	var back meeco.SharesResponse
	if err := yaml.Unmarshal([]byte(out), &back); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Shares []map[string]any `yaml:"shares"`
	}
	if err := yaml.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	got := raw.Shares[0]
	for k, want := range map[string]any{"id": "123", "public_key": pem, "terms": "null", "created_at": "2020-09-24T07:15:03.315Z",
		"encrypted_dek": "Rsa4096.abc=.QQUAAAAA", "slot_id": nil, "onsharing_permitted": false} {
		if got[k] != want {
			t.Errorf("%s read back as %#v, want %#v", k, got[k], want)
		}
	}
	empty, err := Kinded(KindShares, []meeco.Share{})
	if err != nil {
		t.Fatal(err)
	}
	if got := encode(t, empty); got != "kind: Shares\nspec: []\n" {
		t.Errorf("empty list: %q", got)
	}
}

func TestTemplateAndConnectionsFiles(t *testing.T) {
	tms := []meeco.ItemTemplate{{ID: "t1", Name: "vehicle", SlotIDs: []string{"a"}}}
	one, err := TemplateFile(tms, [][]meeco.Slot{{{ID: "a", Name: "vin"}}})
	if err != nil {
		t.Fatal(err)
	}
	if get(t, one, "kind").Value != KindTemplate {
		t.Errorf("one template: kind %q", get(t, one, "kind").Value)
	}
	if keys(t, get(t, one, "spec"))[0] != "id" || len(get(t, get(t, one, "spec"), "slots").Content) != 1 {
		t.Errorf("template spec:\n%s", encode(t, one))
	}
	two, err := TemplateFile(append(tms, meeco.ItemTemplate{ID: "t2", Name: "vehicle"}), [][]meeco.Slot{nil, nil})
	if err != nil {
		t.Fatal(err)
	}
	if get(t, two, "kind").Value != KindTemplates || len(get(t, two, "spec").Content) != 2 {
		t.Errorf("two templates:\n%s", encode(t, two))
	}
	if got := encode(t, TemplateNames(tms)); got != "kind: Templates\nspec:\n  - vehicle\n" {
		t.Errorf("template names: %q", got)
	}

	conns := []client.Connection{{Connection: meeco.Connection{Own: meeco.OwnConnection{ID: "c1"}}, Name: client.NewValue("Bob")}, {}}
	page, err := ConnectionsFile(conns, &meeco.ConnectionsResponse{})
	if err != nil {
		t.Fatal(err)
	}
	wantKeys(t, "connections page", page, "connections", "meta", "next_page_after")
	list := get(t, page, "connections")
	wantKeys(t, "connection", list.Content[0], "recipient_name", "connection")
	if get(t, list.Content[0], "recipient_name").Value != "Bob" || get(t, list.Content[1], "recipient_name").Tag != "!!null" {
		t.Errorf("recipient names:\n%s", encode(t, page))
	}
	all, err := ConnectionsFile(conns, nil)
	if err != nil {
		t.Fatal(err)
	}
	if all.Kind != yaml.SequenceNode || len(all.Content) != 2 {
		t.Errorf("--all output is not the bare list:\n%s", encode(t, all))
	}
	ud := encode(t, UserDataFile(meeco.User{ID: "u1", PrivateDEKExternalID: ptr("d1"), UserType: meeco.UserHuman}))
	if ud != "kind: UserData\nspec:\n  id: u1\n  private_dek_external_id: d1\n  user_type: human\n" {
		t.Errorf("user data: %q", ud)
	}
}
