package meecocli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Encode writes n as one YAML document: two-space indentation, block
// sequences indented under their key, strings quoted only where YAML needs
// it (PEM keys with their CRLFs as double-quoted escapes, so they read back
// byte for byte).
func Encode(w io.Writer, n *yaml.Node) error {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(n); err != nil {
		return fmt.Errorf("meecocli: encoding YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("meecocli: encoding YAML: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// ToNode converts an API value to a YAML node through its JSON encoding,
// so that mappings keep the order of the struct's fields (the order the API
// sends them) and null fields stay present as null.
func ToNode(v any) (*yaml.Node, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("meecocli: %w", err)
	}
	var doc yaml.Node
	// JSON is YAML, and yaml.v3 keeps mapping order in a Node.
	if err := yaml.Unmarshal(b.Bytes(), &doc); err != nil {
		return nil, fmt.Errorf("meecocli: %w", err)
	}
	if len(doc.Content) != 1 {
		return nil, fmt.Errorf("meecocli: value encodes to %d YAML nodes", len(doc.Content))
	}
	n := doc.Content[0]
	plain(n)
	return n, nil
}

// plain drops the flow and quoting styles a JSON source gives every node,
// leaving the encoder to quote only what needs it.
func plain(n *yaml.Node) {
	n.Style = 0
	n.Line, n.Column = 0, 0
	for _, c := range n.Content {
		plain(c)
	}
}

// copyNode deep-copies n with plain styles.
func copyNode(n *yaml.Node) *yaml.Node {
	cp := *n
	cp.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		cp.Content[i] = copyNode(c)
	}
	cp.Style = 0
	cp.Line, cp.Column = 0, 0
	cp.HeadComment, cp.LineComment, cp.FootComment = "", "", ""
	return &cp
}

// Node constructors.

func strNode(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
func nullNode() *yaml.Node        { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"} }
func boolNode(b bool) *yaml.Node {
	v := "false"
	if b {
		v = "true"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}
}
func strOrNull(s *string) *yaml.Node {
	if s == nil {
		return nullNode()
	}
	return strNode(*s)
}
func strOrEmptyNull(s string) *yaml.Node {
	if s == "" {
		return nullNode()
	}
	return strNode(s)
}
func emptyMap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"} }
func seqNode(items ...*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
}

// mapNode builds a mapping from alternating keys (string) and values
// (*yaml.Node).
func mapNode(kv ...any) *yaml.Node {
	m := emptyMap()
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, strNode(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return m
}

// set replaces the value of key in mapping m, keeping its position, or
// appends the pair.
func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, strNode(key), v)
}

// del removes key from mapping m.
func del(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return
		}
	}
}

// Kinded wraps an API value as {kind, spec} (items:list, shares:list).
func Kinded(kind string, spec any) (*yaml.Node, error) {
	n, err := ToNode(spec)
	if err != nil {
		return nil, err
	}
	return mapNode("kind", strNode(kind), "spec", n), nil
}

// AuthFile is the output of users:create and users:login: kind
// Authentication with the SDK's AuthData as metadata, keys sorted
// alphabetically as Meeco's CLI sorts them, and an empty spec. The
// identity-network and VC tokens (empty for SRP users) and delegation_id
// (null unless set) are written as the current SDK writes them. This is
// the one place secrets are serialized: write it only to the user's file.
func AuthFile(a *client.AuthData) *yaml.Node {
	m := a.Metadata()
	md := emptyMap()
	keys := client.MetadataKeys(m)
	keys = append(keys, client.MetaIdentityNetworkAccess, client.MetaVCAccessToken)
	if _, ok := m[client.MetaDelegationID]; !ok {
		keys = append(keys, client.MetaDelegationID)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, ok := m[k]
		switch {
		case ok:
			set(md, k, strNode(v))
		case k == client.MetaDelegationID:
			set(md, k, nullNode())
		default:
			set(md, k, strNode(""))
		}
	}
	return mapNode("kind", strNode(KindAuthentication), "metadata", md, "spec", emptyMap())
}

// AuthConfigNode is a user's auth data as Meeco's CLI embeds it in
// connection and share configs (its AuthConfig.toJSON order, with
// delegation_id null and no loaded delegations).
func AuthConfigNode(a *client.AuthData) *yaml.Node {
	m := a.Metadata()
	return mapNode(
		client.MetaDataEncryptionKey, strNode(m[client.MetaDataEncryptionKey]),
		client.MetaKeyEncryptionKey, strNode(m[client.MetaKeyEncryptionKey]),
		client.MetaKeystoreAccessToken, strNode(m[client.MetaKeystoreAccessToken]),
		client.MetaPassphraseDerivedKey, strNode(m[client.MetaPassphraseDerivedKey]),
		client.MetaSecret, strNode(m[client.MetaSecret]),
		client.MetaVaultAccessToken, strNode(m[client.MetaVaultAccessToken]),
		client.MetaDelegationID, nullNode(),
		"loaded_delegations", emptyMap(),
	)
}

// ConnectionConfigFile is the output of connections:create-config: empty
// names for the user to fill in and both users' auth data.
func ConnectionConfigFile(from, to *client.AuthData) *yaml.Node {
	return mapNode(
		"kind", strNode(KindConnection),
		"metadata", mapNode("fromName", strNode(""), "toName", strNode("")),
		"spec", mapNode("from", AuthConfigNode(from), "to", AuthConfigNode(to)),
	)
}

// CreatedConnectionFile is the output of connections:create: the
// invitation and both connection ids, and the config's metadata copied
// (spec before metadata, as Meeco's CLI writes it).
func CreatedConnectionFile(res *client.ConnectResult, metadata *yaml.Node) *yaml.Node {
	md := emptyMap()
	if metadata != nil {
		md = copyNode(metadata)
	}
	return mapNode(
		"kind", strNode(KindConnection),
		"spec", mapNode(
			"invitation_id", strOrNull(res.Invitation.ID),
			"from_user_connection_id", strNode(res.FromConnection.Own.ID),
			"to_user_connection_id", strNode(res.ToConnection.Own.ID),
		),
		"metadata", md,
	)
}

// ShareConfigFile is the output of shares:create-config; slotID "" shares
// the whole item and is left out.
func ShareConfigFile(from *client.AuthData, connectionID, itemID, slotID string) *yaml.Node {
	spec := mapNode("item_id", strNode(itemID))
	if slotID != "" {
		set(spec, "slot_id", strNode(slotID))
	}
	set(spec, "connection_id", strNode(connectionID))
	set(spec, "from", AuthConfigNode(from))
	return mapNode("kind", strNode(KindShare), "metadata", emptyMap(), "spec", spec)
}

// skippedSlotTypes are the template slot types items:create-config leaves
// out of the scaffold (boilerplate the Vault fills itself).
var skippedSlotTypes = []meeco.SlotType{meeco.SlotImage, meeco.SlotClassificationNode}

// ItemConfigFile is the output of items:create-config: the template's
// slots (those listed in its slot_ids, in the order of slots) with empty
// values and an empty label to fill in.
func ItemConfigFile(t *meeco.ItemTemplate, slots []meeco.Slot) *yaml.Node {
	list := seqNode()
	for _, s := range slots {
		if !slices.Contains(t.SlotIDs, s.ID) || slices.Contains(skippedSlotTypes, s.SlotTypeName) {
			continue
		}
		list.Content = append(list.Content, mapNode("name", strNode(s.Name), "value", strNode("")))
	}
	return mapNode(
		"kind", strNode(KindItem),
		"metadata", mapNode("template_name", strNode(t.Name)),
		"spec", mapNode("label", strNode(""), "slots", list),
	)
}

// TemplateFile is the output of templates:info: one template as kind
// Template, several (same name in different schemes) as kind Templates,
// each with its slots.
func TemplateFile(templates []meeco.ItemTemplate, slots [][]meeco.Slot) (*yaml.Node, error) {
	specs := seqNode()
	for i := range templates {
		n, err := ToNode(templates[i])
		if err != nil {
			return nil, err
		}
		sl, err := ToNode(nonNil(slots[i]))
		if err != nil {
			return nil, err
		}
		set(n, "slots", sl)
		specs.Content = append(specs.Content, n)
	}
	if len(specs.Content) == 1 {
		return mapNode("kind", strNode(KindTemplate), "spec", specs.Content[0]), nil
	}
	return mapNode("kind", strNode(KindTemplates), "spec", specs), nil
}

// TemplateNames is the output of templates:list: the templates' names.
func TemplateNames(templates []meeco.ItemTemplate) *yaml.Node {
	list := seqNode()
	for _, t := range templates {
		list.Content = append(list.Content, strNode(t.Name))
	}
	return mapNode("kind", strNode(KindTemplates), "spec", list)
}

// UserDataFile is the output of users:get.
func UserDataFile(u meeco.User) *yaml.Node {
	return mapNode("kind", strNode(KindUserData), "spec", mapNode(
		"id", strNode(u.ID),
		"private_dek_external_id", strOrNull(u.PrivateDEKExternalID),
		"user_type", strOrEmptyNull(string(u.UserType)),
	))
}

// DecryptedSlot is a slot as the SDK decrypts it: the API fields without
// encrypted_value and encrypted_value_verification_key, then encrypted
// (false after decryption), value (null when the slot has none) and, when
// withKey, value_verification_key (padded URL-safe base64, or null).
func DecryptedSlot(s *client.Slot, withKey bool) (*yaml.Node, error) {
	n, err := ToNode(s.Slot)
	if err != nil {
		return nil, err
	}
	del(n, "encrypted_value")
	del(n, "encrypted_value_verification_key")
	set(n, "encrypted", boolNode(false))
	if s.Value.IsSet() {
		set(n, "value", strNode(s.Value.Reveal()))
	} else {
		set(n, "value", nullNode())
	}
	if withKey {
		if k := s.VerificationKey(); k != nil {
			set(n, "value_verification_key", strNode(cryppo.EncodeBase64(k)))
		} else {
			set(n, "value_verification_key", nullNode())
		}
	}
	return n, nil
}

func decryptedSlots(it *client.Item, withKey bool) (*yaml.Node, error) {
	list := seqNode()
	for i := range it.Slots {
		n, err := DecryptedSlot(&it.Slots[i], withKey)
		if err != nil {
			return nil, err
		}
		list.Content = append(list.Content, n)
	}
	return list, nil
}

// itemNodes returns the item's own classification nodes (those in its
// classification_node_ids, as DecryptedItem keeps them) and all of them.
func itemNodes(it *client.Item) (own, all *yaml.Node, err error) {
	var mine []meeco.ClassificationNode
	for _, c := range it.ClassificationNodes {
		if slices.Contains(it.ClassificationNodeIDs, c.ID) {
			mine = append(mine, c)
		}
	}
	if own, err = ToNode(nonNil(mine)); err != nil {
		return nil, nil, err
	}
	if all, err = ToNode(nonNil(it.ClassificationNodes)); err != nil {
		return nil, nil, err
	}
	return own, all, nil
}

// ItemFile is the output of items:create and items:get: kind Item, spec
// the API's item fields followed by the decrypted slots and the item's
// classification nodes.
func ItemFile(it *client.Item) (*yaml.Node, error) {
	spec, err := ToNode(it.Item)
	if err != nil {
		return nil, err
	}
	slots, err := decryptedSlots(it, true)
	if err != nil {
		return nil, err
	}
	own, _, err := itemNodes(it)
	if err != nil {
		return nil, err
	}
	set(spec, "slots", slots)
	set(spec, "classification_nodes", own)
	return mapNode("kind", strNode(KindItem), "spec", spec), nil
}

// decryptedItemNode is the SDK's DecryptedItem object as the YAML printer
// sees it: its properties in the order its constructor creates them, the
// slots without their value verification keys (as shares:get-incoming
// prints them).
func decryptedItemNode(it *client.Item, attachments, thumbnails []map[string]any) (*yaml.Node, error) {
	slots, err := decryptedSlots(it, false)
	if err != nil {
		return nil, err
	}
	raw, err := ToNode(it.Item)
	if err != nil {
		return nil, err
	}
	own, all, err := itemNodes(it)
	if err != nil {
		return nil, err
	}
	att, err := ToNode(nonNil(attachments))
	if err != nil {
		return nil, err
	}
	th, err := ToNode(nonNil(thumbnails))
	if err != nil {
		return nil, err
	}
	return mapNode(
		"slots", slots,
		"item", raw,
		"id", strNode(it.ID),
		"own", boolNode(it.Own),
		"name", strNode(it.Name),
		"label", strNode(it.Label),
		"description", strOrNull(it.Description),
		"original_id", strOrNull(it.OriginalID),
		"owner_id", strOrNull(it.OwnerID),
		"share_id", strOrNull(it.ShareID),
		"allClassificationNodes", all,
		"classification_nodes", own,
		"attachments", att,
		"thumbnails", th,
	), nil
}

// SharedItemFile is the output of shares:get-incoming: the API's
// share-with-item response with item replaced by the decrypted item.
func SharedItemFile(si *client.SharedItem) (*yaml.Node, error) {
	if si.Item == nil {
		return nil, fmt.Errorf("meecocli: shared item was not decrypted")
	}
	n, err := ToNode(si.Response)
	if err != nil {
		return nil, err
	}
	item, err := decryptedItemNode(si.Item, si.Response.Attachments, si.Response.Thumbnails)
	if err != nil {
		return nil, err
	}
	set(n, "item", item)
	return n, nil
}

// ConnectionsFile is the output of connections:list: each connection with
// its decrypted name (recipient_name, null when none). With resp (one
// page) it is {connections, meta, next_page_after}; without (--all) the
// bare list, as Meeco's CLI prints them.
func ConnectionsFile(conns []client.Connection, resp *meeco.ConnectionsResponse) (*yaml.Node, error) {
	list := seqNode()
	for _, c := range conns {
		cn, err := ToNode(c.Connection)
		if err != nil {
			return nil, err
		}
		name := nullNode()
		if c.Name.IsSet() {
			name = strNode(c.Name.Reveal())
		}
		list.Content = append(list.Content, mapNode("recipient_name", name, "connection", cn))
	}
	if resp == nil {
		return list, nil
	}
	meta, err := ToNode(resp.Meta)
	if err != nil {
		return nil, err
	}
	return mapNode("connections", list, "meta", meta, "next_page_after", strOrNull(resp.NextPageAfter)), nil
}

// nonNil turns a nil slice into an empty one, so it prints as [] rather
// than null, as the API sends it.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
