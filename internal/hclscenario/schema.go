package hclscenario

import (
	"slices"

	"github.com/hashicorp/hcl/v2"
)

// valueType is the kind of value an attribute takes. It decides how the
// attribute is evaluated and checked, and how the README describes it.
type valueType int

const (
	tString     valueType = iota // one line of text; it ends up inside "..." in a step
	tText                        // free text, several lines allowed (descriptions)
	tName                        // a display name: one word
	tBool                        // an option: true or false
	tTrue                        // a check that is requested with true (false has no step)
	tCount                       // a whole number
	tStringMap                   // { slot = "value", ... }
	tStringList                  // [ "a", "b" ]
	tEnum                        // one of attrSpec.Enum
	tRef                         // exactly one reference, kind.name
	tRefs                        // one reference or a list of them
	tAny                         // any value (variable defaults)
)

func (t valueType) String() string {
	switch t {
	case tString:
		return "string"
	case tText:
		return "text"
	case tName:
		return "name"
	case tBool:
		return "bool"
	case tTrue:
		return "true"
	case tCount:
		return "number"
	case tStringMap:
		return "map of strings"
	case tStringList:
		return "list of strings"
	case tEnum:
		return "one of"
	case tRef:
		return "reference"
	case tRefs:
		return "references"
	case tAny:
		return "any value"
	}
	return "?"
}

// attrSpec describes one attribute of a block.
type attrSpec struct {
	Name     string
	Type     valueType
	Kinds    []string // reference kinds, for tRef and tRefs
	Enum     []string // allowed values, for tEnum
	Required bool
	Doc      string
	// Steps are the IDs of the steps of the step table it compiles to;
	// the reference shows their phrases.
	Steps []string
	// Compiles says what it compiles to when that is not a step.
	Compiles string
}

// blockSpec describes one block type of the language. The table below is
// the only description of the language: the decoder builds its hcl schemas
// from it and the README's reference is generated from it, so the two
// cannot drift apart.
type blockSpec struct {
	Kind     string
	Labels   []string
	Doc      string
	TopLevel bool // may appear outside a scenario (shared by every scenario of the file)
	Attrs    []attrSpec
	Blocks   []string // nested block kinds
	// Steps are the IDs of the steps the block itself compiles to.
	Steps   []string
	Example string
}

// Block kinds.
const (
	kVariable   = "variable"
	kScenario   = "scenario"
	kUser       = "user"
	kItem       = "item"
	kConnection = "connection"
	kShare      = "share"
	kAccept     = "accept"
	kUpdate     = "update"
	kDelete     = "delete"
	kExpect     = "expect"
)

// stepKinds are the blocks a scenario may hold, in the order the reference
// lists them.
var stepKinds = []string{kUser, kItem, kConnection, kShare, kAccept, kUpdate, kDelete, kExpect}

// orderable are the kinds an `after` may name: every kind that compiles to
// a step at its own place in the order (users are all registered first).
var orderable = []string{kItem, kConnection, kShare, kAccept, kUpdate, kDelete, kExpect}

var afterAttr = attrSpec{Name: "after", Type: tRefs, Kinds: orderable,
	Doc: "Blocks that must run before this one, besides those it references. Orders only; compiles to no step."}

// fileAttrs are the attributes allowed at the top of a file.
var fileAttrs = []attrSpec{
	{Name: "description", Type: tText, Doc: "The Feature's description, shown in reports."},
	{Name: "tags", Type: tStringList, Doc: "Tags of every scenario of the file (the Feature's tags), without or with the `@`.", Compiles: "`@tag` on the Feature line"},
}

var specs = []blockSpec{
	{
		Kind: kVariable, Labels: []string{"name"}, TopLevel: true,
		Doc: "A value used as `var.<name>` anywhere in the file. `vaultcheck vet --var name=value` " +
			"overrides the default (the run command does not take --var yet).",
		Attrs: []attrSpec{
			{Name: "default", Type: tAny, Doc: "The value when no override is given. A variable without default must be given one."},
			{Name: "description", Type: tText, Doc: "What the variable is for."},
		},
		Example: `variable "password" { default = "supersecretpassword" }`,
	},
	{
		Kind: kScenario, Labels: []string{"name"}, TopLevel: true,
		Doc: "One scenario: the name is the Scenario's name in reports. Its blocks run after the blocks " +
			"outside any scenario (which become the Feature's Background).",
		Attrs: []attrSpec{
			{Name: "description", Type: tText, Doc: "Shown under the scenario's name."},
			{Name: "tags", Type: tStringList, Doc: "Tags for `--tags` selection, without or with the `@`.", Compiles: "`@tag` above the Scenario"},
			{Name: "requirements", Type: tStringList, Doc: "The requirements the scenario checks, by ID of internal/requirements/CATALOGUE.md: `\"ID\"` when it checks that what the rule requires happens, `\"ID:neg\"` when it checks that what the rule forbids is refused or rejected.", Compiles: "`@req:ID` and `@req:ID:neg` above the Scenario"},
		},
		Blocks:  stepKinds,
		Example: "scenario \"Alice shares her car with Bob\" {\n  tags         = [\"smoke\"]\n  requirements = [\"SHARE-CREATE-01\", \"READ-ACCESS-01:neg\"]\n  # user, item, connection, share, accept, update, delete and expect blocks\n}",
	},
	{
		Kind: kUser, Labels: []string{"name"}, TopLevel: true,
		Doc:   "A registered user. Every user of a scenario is registered before its first other step.",
		Steps: []string{"user.registered", "users.registered"},
		Attrs: []attrSpec{
			{Name: "name", Type: tName, Doc: "The display name used in the steps: one word of ASCII letters and digits starting with a capital. Default: the label title-cased (`jane_doe` → `JaneDoe`)."},
			{Name: "password", Type: tString, Doc: "Register with this password instead of the step library's default.", Steps: []string{"user.registers_with_password"}},
			{Name: "count", Type: tCount, Doc: "Declares this many users, named `<name>1` … `<name>N`. `user.<label>` then means all of them, `user.<label>[0]` the first."},
			{Name: "pronoun", Type: tEnum, Enum: []string{"she", "he", "they"}, Doc: "Used in steps that need one (`he received`, `her item`, `his connection`). Default: `they`."},
		},
		Example: "user \"bob\" {\n  password = var.password\n  pronoun  = \"he\"\n}\nuser \"guest\" { count = 3 }",
	},
	{
		Kind: kItem, Labels: []string{"name"}, TopLevel: true,
		Doc: "An item in its owner's Vault, made from a template.",
		Attrs: []attrSpec{
			{Name: "owner", Type: tRef, Kinds: []string{kUser}, Required: true, Doc: "The user who owns it."},
			{Name: "template", Type: tString, Required: true, Doc: "The item template, e.g. `\"vehicle\"`."},
			{Name: "label", Type: tString, Doc: "The item's label, which steps use to name it; unique in a scenario. Default: the block label title-cased (`my_car` → `My Car`)."},
			{Name: "slots", Type: tStringMap, Required: true, Doc: "Slot names and values, in the order written.", Steps: []string{"item.create"}},
			afterAttr,
		},
		Example: "item \"car\" {\n  owner    = user.alice\n  template = \"vehicle\"\n  label    = \"My Car\"\n  slots = {\n    model_make = \"Tesla Model 3\"\n    vin        = \"5YJ3E1EA7KF317000\"\n  }\n}",
	},
	{
		Kind: kConnection, Labels: []string{"name"}, TopLevel: true,
		Doc: "Connects two users (either direction allows sharing both ways).",
		Attrs: []attrSpec{
			{Name: "from", Type: tRef, Kinds: []string{kUser}, Required: true, Doc: "The inviting user."},
			{Name: "to", Type: tRefs, Kinds: []string{kUser}, Required: true, Doc: "The invited user, or a list (one connection each).", Steps: []string{"connection.connected"}},
			{Name: "invite", Type: tBool, Doc: "Connect step by step through an invitation, each naming the other by display name.", Steps: []string{"connection.invite", "connection.accept_invitation"}},
			afterAttr,
		},
		Example: "connection \"alice_bob\" {\n  from = user.alice\n  to   = [user.bob, user.jane]\n}",
	},
	{
		Kind: kShare, Labels: []string{"name"}, TopLevel: true,
		Doc: "Shares an item (or on-shares a received share) with one or more users. The sharer (the " +
			"item's owner, or the recipient of `from_share`) must be connected to every recipient. " +
			"`slot`, `terms` and `onsharing` may be combined; they apply to `item` shares only (an on-share passes on what its sender received). " +
			"`expires` goes with a whole-item share alone.",
		Attrs: []attrSpec{
			{Name: "item", Type: tRef, Kinds: []string{kItem}, Doc: "The item to share. Exactly one of `item` and `from_share`.", Steps: []string{"share.item"}},
			{Name: "from_share", Type: tRef, Kinds: []string{kShare}, Doc: "On-share: its recipient shares what they received.", Steps: []string{"share.onshare"}},
			{Name: "to", Type: tRefs, Kinds: []string{kUser}, Required: true, Doc: "The recipient, or a list (one share each)."},
			{Name: "slot", Type: tString, Doc: "Share this slot only; must be one of the item's slots.", Steps: []string{"share.item"}},
			{Name: "terms", Type: tString, Doc: "Terms the recipient must accept before reading.", Steps: []string{"share.item"}},
			{Name: "accept", Type: tBool, Doc: "The recipients accept the terms right away (needs `terms`; use an `accept` block to check the share before acceptance).", Steps: []string{"share.accept"}},
			{Name: "onsharing", Type: tBool, Doc: "The owner allows the recipients to share it on.", Steps: []string{"share.item"}},
			{Name: "expires", Type: tString, Doc: "The share's expiry: a date (2099-12-31, midnight UTC) or an RFC 3339 time in the future; only for a whole-item share without `slot`, `terms` or `onsharing`.", Steps: []string{"share.until"}},
			{Name: "refused", Type: tBool, Doc: "The Vault must refuse this share (on-sharing without permission, or an on-share of an on-share). A refused share cannot be referenced except by `after`.", Steps: []string{"outcome.refused"}},
			afterAttr,
		},
		Example: "share \"car_to_bob\" {\n  item      = item.car\n  to        = user.bob\n  onsharing = true\n}\nshare \"car_to_jane\" {\n  from_share = share.car_to_bob\n  to         = user.jane\n}",
	},
	{
		Kind: kAccept, Labels: []string{"name"}, TopLevel: true,
		Doc: "Recipients accept the terms of a share. Use it instead of `accept = true` to check the share in between.",
		Attrs: []attrSpec{
			{Name: "share", Type: tRef, Kinds: []string{kShare}, Required: true, Doc: "A share with `terms`.", Steps: []string{"share.accept"}},
			{Name: "user", Type: tRefs, Kinds: []string{kUser}, Doc: "Which recipients accept. Default: all of them."},
			afterAttr,
		},
		Example: "accept \"bob_agrees\" { share = share.insurance }",
	},
	{
		Kind: kUpdate, Labels: []string{"name"},
		Doc: "The owner changes slots of an item, and optionally re-keys the item's shares.",
		Attrs: []attrSpec{
			{Name: "item", Type: tRef, Kinds: []string{kItem}, Required: true, Doc: "The item to change."},
			{Name: "slots", Type: tStringMap, Doc: "New values of existing slots. An update needs `slots`, `rekey = true` or both.", Steps: []string{"item.change_slot"}},
			{Name: "rekey", Type: tBool, Doc: "Then update the item's shares (one new DEK for all of them). The item must have shares.", Steps: []string{"share.update"}},
			afterAttr,
		},
		Example: "update \"new_vin\" {\n  item  = item.car\n  slots = { vin = \"1HGCM82633A004352\" }\n  rekey = true\n}",
	},
	{
		Kind: kDelete, Labels: []string{"name"},
		Doc: "Deletes a share (by its sender or recipient) or a connection (by either side).",
		Attrs: []attrSpec{
			{Name: "share", Type: tRef, Kinds: []string{kShare}, Doc: "The share to delete. Exactly one of `share` and `connection`.", Steps: []string{"share.delete"}},
			{Name: "connection", Type: tRef, Kinds: []string{kConnection}, Doc: "The connection to delete.", Steps: []string{"connection.delete"}},
			{Name: "by", Type: tRef, Kinds: []string{kUser}, Required: true, Doc: "Who deletes. For a share sent to several users, the sender deletes every copy and a recipient their own."},
			afterAttr,
		},
		Example: "delete \"bob_removes\" {\n  share = share.car_to_bob\n  by    = user.bob\n}",
	},
	{
		Kind: kExpect, Labels: []string{"name"},
		Doc: "Checks, each compiling to one `Then` step (per user or recipient). `user` is who looks: " +
			"for share checks it selects recipients (default: every recipient), for item checks it must " +
			"be the owner (the default), and the user checks need it (crypto checks default to every user of the scenario). " +
			"Checks run in the order written.",
		Attrs: []attrSpec{
			{Name: "user", Type: tRefs, Kinds: []string{kUser}, Doc: "Who looks (see above)."},
			{Name: "share", Type: tRef, Kinds: []string{kShare}, Doc: "The share the share checks look at."},
			{Name: "item", Type: tRef, Kinds: []string{kItem}, Doc: "The item the item checks look at."},
			afterAttr,
			{Name: "values", Type: tStringMap, Doc: "With `share`: what the recipient decrypts (slots must be shared); with `item`: what the owner reads.", Steps: []string{"share.recipient_sees", "item.owner_sees"}},
			{Name: "status", Type: tEnum, Enum: []string{"acceptance_required", "accepted", "acceptance_not_required"}, Doc: "Share check: its acceptance status.", Steps: []string{"share.state"}},
			{Name: "locked_until_accepted", Type: tTrue, Doc: "Share check: the recipient cannot read it yet (before the share's `accept`).", Steps: []string{"share.locked_until_accepted"}},
			{Name: "terms_shown", Type: tTrue, Doc: "Share check: the recipient was shown the share's terms (after accepting).", Steps: []string{"share.terms_shown"}},
			{Name: "expires_at", Type: tTrue, Doc: "Share check: recipient and sender read back the share's `expires`.", Steps: []string{"share.expires_at"}},
			{Name: "owner_and_sender", Type: tTrue, Doc: "Share check: the Vault records the item's owner and the sharer.", Steps: []string{"share.owner_and_sender"}},
			{Name: "dek_form", Type: tString, Doc: "Share check: the wrapped key's Cryppo form.", Steps: []string{"share.dek_form"}},
			{Name: "new_dek", Type: tTrue, Doc: "Share check: re-keyed since shared (after an `update` with `rekey`); for shares without terms, whose first key the Vault returns.", Steps: []string{"share.new_dek"}},
			{Name: "key_opens_only_for_recipient", Type: tTrue, Doc: "Share check.", Steps: []string{"share.key_opens_only_for"}},
			{Name: "values_decrypt_only_with_share_key", Type: tTrue, Doc: "Share check.", Steps: []string{"share.values_share_key_only"}},
			{Name: "hashes_verify", Type: tTrue, Doc: "Share check.", Steps: []string{"share.hashes_verify"}},
			{Name: "tamper_rejected", Type: tTrue, Doc: "Share check.", Steps: []string{"share.tamper_rejected"}},
			{Name: "no_values_for", Type: tStringList, Doc: "Share check: slots of the item that the share does not carry.", Steps: []string{"share.no_value_for"}},
			{Name: "ledger_records_share_key", Type: tTrue, Doc: "Share check: the crypto ledger saw the share key made by the sharer and opened by the recipient.", Steps: []string{"crypto.ledger_share_key"}},
			{Name: "gone", Type: tRef, Kinds: []string{kShare}, Doc: "The share was deleted (by a `delete` before this check); `user` selects recipients.", Steps: []string{"share.gone"}},
			{Name: "stored_encrypted", Type: tTrue, Doc: "Item check.", Steps: []string{"item.stored_encrypted"}},
			{Name: "no_plaintext_in_vault", Type: tTrue, Doc: "Item check.", Steps: []string{"item.no_plaintext"}},
			{Name: "rekey_task", Type: tTrue, Doc: "Item check: the Vault asks the owner to re-key the item's shares (after an `update`).", Steps: []string{"share.rekey_task"}},
			{Name: "cannot_read", Type: tRef, Kinds: []string{kShare, kItem}, Doc: "User check: `user` (required) cannot read this share or item.", Steps: []string{"access.share_denied", "access.item_denied"}},
			{Name: "cannot_delete", Type: tRef, Kinds: []string{kShare, kItem}, Doc: "User check.", Steps: []string{"access.share_denied", "access.item_denied"}},
			{Name: "cannot_update", Type: tRef, Kinds: []string{kItem}, Doc: "User check.", Steps: []string{"access.item_denied"}},
			{Name: "incoming_shares", Type: tCount, Doc: "User check.", Steps: []string{"share.incoming_count"}},
			{Name: "outgoing_shares", Type: tCount, Doc: "User check.", Steps: []string{"share.outgoing_count"}},
			{Name: "connections", Type: tCount, Doc: "User check.", Steps: []string{"connection.count"}},
			{Name: "canonical_cryppo", Type: tTrue, Doc: "Crypto check over the users together.", Steps: []string{"crypto.canonical_cryppo"}},
			{Name: "keypairs_rsa4096", Type: tTrue, Doc: "Crypto check over the users together.", Steps: []string{"crypto.keypairs"}},
			{Name: "public_keys_pem", Type: tTrue, Doc: "Crypto check over the users together.", Steps: []string{"users.public_keys_pem"}},
			{Name: "kek_tamper_rejected", Type: tTrue, Doc: "Crypto check per user.", Steps: []string{"crypto.kek_tamper_rejected"}},
			{Name: "symmetric_format", Type: tTrue, Doc: "Crypto check of the whole scenario.", Steps: []string{"crypto.symmetric_form"}},
			{Name: "wrapped_key_format", Type: tTrue, Doc: "Crypto check of the whole scenario.", Steps: []string{"crypto.wrapped_key_form"}},
			{Name: "key_sizes", Type: tTrue, Doc: "Crypto check of the whole scenario.", Steps: []string{"crypto.key_sizes"}},
			{Name: "ledger_reverifies", Type: tTrue, Doc: "Crypto check of the whole scenario.", Steps: []string{"crypto.ledger_reverifies"}},
		},
		Example: "expect \"bob_reads\" {\n  share  = share.car_to_bob\n  values = { vin = \"5YJ3E1EA7KF317000\" }\n}\nexpect \"carol_locked_out\" {\n  user            = user.carol\n  cannot_read     = share.car_to_bob\n  incoming_shares = 0\n}",
	},
}

// Groups of expect checks, by what they look at.
var (
	shareChecks = []string{"status", "locked_until_accepted", "terms_shown", "expires_at", "owner_and_sender", "dek_form",
		"new_dek", "key_opens_only_for_recipient", "values_decrypt_only_with_share_key", "hashes_verify",
		"tamper_rejected", "no_values_for", "ledger_records_share_key"}
	itemChecks     = []string{"stored_encrypted", "no_plaintext_in_vault", "rekey_task"}
	actorChecks    = []string{"cannot_read", "cannot_delete", "cannot_update", "incoming_shares", "outgoing_shares", "connections"}
	allUserChecks  = []string{"canonical_cryppo", "keypairs_rsa4096", "public_keys_pem", "kek_tamper_rejected"}
	scenarioChecks = []string{"symmetric_format", "wrapped_key_format", "key_sizes", "ledger_reverifies"}
)

func specOf(kind string) *blockSpec {
	for i := range specs {
		if specs[i].Kind == kind {
			return &specs[i]
		}
	}
	return nil
}

func (b *blockSpec) attr(name string) *attrSpec {
	for i := range b.Attrs {
		if b.Attrs[i].Name == name {
			return &b.Attrs[i]
		}
	}
	return nil
}

// hclSchema is the hcl schema of a block's body. Required attributes are
// left optional here and checked by the decoder, which words the message
// for our users.
func (b *blockSpec) hclSchema() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, a := range b.Attrs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.Name})
	}
	for _, k := range b.Blocks {
		s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: k, LabelNames: specOf(k).Labels})
	}
	return s
}

// fileSchema is the schema of a file's top level.
func fileSchema() *hcl.BodySchema {
	s := &hcl.BodySchema{}
	for _, a := range fileAttrs {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.Name})
	}
	for _, b := range specs {
		if b.TopLevel {
			s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: b.Kind, LabelNames: b.Labels})
		}
	}
	return s
}

func topLevelKinds() []string {
	var ks []string
	for _, b := range specs {
		if b.TopLevel && b.Kind != kVariable && b.Kind != kScenario {
			ks = append(ks, b.Kind)
		}
	}
	return ks
}

func isKind(name string) bool {
	return slices.ContainsFunc(specs, func(b blockSpec) bool { return b.Kind == name && b.Kind != kScenario })
}
