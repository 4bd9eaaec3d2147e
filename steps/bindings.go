package steps

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"
)

// The Gherkin bindings: one table of phrase templates → World methods.
// Initializer registers it with godog; Definitions, Lookup and Render give
// it to `vaultcheck vet`, the HCL front end and the catalog, so every
// consumer sees the same phrases.

// StepKind says what a step does.
type StepKind string

// Step kinds.
const (
	// KindAction does something and records its outcome (see the package
	// comment for when its failure fails the step).
	KindAction StepKind = "action"
	// KindCheck asserts something about the target.
	KindCheck StepKind = "check"
	// KindState states a situation: as a Given or When it makes it so, as
	// a Then it checks it.
	KindState StepKind = "state"
)

// Definition is one step definition: a stable ID, the phrase template it
// is written as, the godog pattern built from it, what it does (Doc) and
// its kind. Render and Match turn its typed parameters into step text and
// back; godog calls its handler with the pattern's groups.
type Definition struct {
	// ID names the step for front ends and tools: "share.item". It never
	// changes when the phrase's wording does.
	ID string
	// Template is the phrase with its parameters (see the syntax above
	// parseTemplate).
	Template string
	// Pattern is the anchored regexp godog matches step text against;
	// its groups are the captured parameters, in order.
	Pattern *regexp.Regexp
	Doc     string
	Kind    StepKind
	// Params are the phrase's parameters in the order they appear.
	Params []Param
	// Table is the header of the data table the step takes ("slot",
	// "value"), nil for a step without one.
	Table []string
	// DocString says the step takes a doc string: its handler's last
	// argument, Args[DocStringKey] for Render.
	DocString bool

	handler any
	parts   []part
	match   *regexp.Regexp
	groups  []int // match group of each parameter
}

// Definitions returns the step table Initializer registers, in order.
func Definitions() []Definition { return slices.Clone(table) }

// Lookup returns the definition with the given ID.
func Lookup(id string) (Definition, bool) {
	if i, ok := byID[id]; ok {
		return table[i], true
	}
	return Definition{}, false
}

// Render renders the step with the given ID; see Definition.Render.
func Render(id string, args Args) (Step, error) {
	d, ok := Lookup(id)
	if !ok {
		return Step{}, &RenderError{Step: id, Problem: "is not a step of the table"}
	}
	return d.Render(args)
}

// Matching returns the definitions whose pattern matches a step's text:
// exactly one for a step that godog can run.
func Matching(text string) []Definition {
	var out []Definition
	for _, d := range table {
		if d.Pattern.MatchString(text) {
			out = append(out, d)
		}
	}
	return out
}

// Initializer returns the godog scenario initializer of the step library:
// for each scenario a fresh World (Before hook), the step bookkeeping
// (before-step hook), the end-of-scenario checks (After hook: unchecked
// failures, the crypto ledger) and every step of the table.
func Initializer(cfg Config) func(*godog.ScenarioContext) {
	return func(sc *godog.ScenarioContext) {
		sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
			w, err := NewWorld(cfg)
			if err != nil {
				return ctx, err
			}
			w.pickle = p
			return context.WithValue(ctx, worldKey{}, w), nil
		})
		sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
			if w := WorldFrom(ctx); w != nil {
				w.BeginStep(st)
			}
			return ctx, nil
		})
		sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
			if w := WorldFrom(ctx); w != nil {
				return ctx, w.Finish()
			}
			return ctx, nil
		})
		for _, d := range table {
			sc.Step(d.Pattern, d.handler)
		}
	}
}

// refusalIDs are the refusal assertions, which the World looks ahead for.
var refusalIDs = []string{"outcome.refused", "outcome.refused_status", "outcome.refused_error"}

// isRefusalStep reports whether a step's text is a refusal assertion.
func isRefusalStep(text string) bool {
	for _, id := range refusalIDs {
		if d, ok := Lookup(id); ok && d.Pattern.MatchString(text) {
			return true
		}
	}
	return false
}

// splitNames reads a name list: "Alice", "Alice and Bob", "A, B and C".
func splitNames(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ", ") {
		out = append(out, strings.Split(part, " and ")...)
	}
	return out
}

var quotedRe = regexp.MustCompile(`"([^"]*)"`)

// splitQuoted reads the quoted values of a list such as
// `slots "a", "b" and "c"`.
func splitQuoted(s string) []string {
	var out []string
	for _, m := range quotedRe.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// slotHeader is the header of the slot tables.
var slotHeader = []string{"slot", "value"}

// slotTable reads a "| slot | value |" table.
func slotTable(t *godog.Table) ([]SlotValue, error) {
	if t == nil || len(t.Rows) == 0 {
		return nil, scenarioErrorf("the step needs a table with the columns | slot | value |")
	}
	head := t.Rows[0].Cells
	if len(head) != 2 || strings.TrimSpace(head[0].Value) != "slot" || strings.TrimSpace(head[1].Value) != "value" {
		return nil, scenarioErrorf("the table's header must be | slot | value |, got %d columns", len(head))
	}
	var out []SlotValue
	seen := map[string]bool{}
	for i, r := range t.Rows[1:] {
		if len(r.Cells) != 2 {
			return nil, scenarioErrorf("table row %d has %d cells, want 2", i+1, len(r.Cells))
		}
		name := strings.TrimSpace(r.Cells[0].Value)
		if name == "" {
			return nil, scenarioErrorf("table row %d has no slot name", i+1)
		}
		if seen[name] {
			return nil, scenarioErrorf("table row %d names slot %q a second time", i+1, name)
		}
		seen[name] = true
		out = append(out, SlotValue{Slot: name, Value: r.Cells[1].Value})
	}
	if len(out) == 0 {
		return nil, scenarioErrorf("the table has no rows under its header")
	}
	return out, nil
}

// world returns the scenario's World; without one the Before hook failed
// and the harness is broken.
func world(ctx context.Context) (*World, error) {
	if w := WorldFrom(ctx); w != nil {
		return w, nil
	}
	return nil, &HarnessError{Msg: "the scenario has no World (its Before hook did not run)"}
}

// Adapters from World methods to the concrete function types godog
// reflects on.

func a0(f func(context.Context, *World) error) func(context.Context) error {
	return func(ctx context.Context) error {
		w, err := world(ctx)
		if err != nil {
			return err
		}
		return w.Seal(f(ctx, w))
	}
}

func a1[A any](f func(context.Context, *World, A) error) func(context.Context, A) error {
	return func(ctx context.Context, a A) error {
		w, err := world(ctx)
		if err != nil {
			return err
		}
		return w.Seal(f(ctx, w, a))
	}
}

func a2[A, B any](f func(context.Context, *World, A, B) error) func(context.Context, A, B) error {
	return func(ctx context.Context, a A, b B) error {
		w, err := world(ctx)
		if err != nil {
			return err
		}
		return w.Seal(f(ctx, w, a, b))
	}
}

func a3[A, B, C any](f func(context.Context, *World, A, B, C) error) func(context.Context, A, B, C) error {
	return func(ctx context.Context, a A, b B, c C) error {
		w, err := world(ctx)
		if err != nil {
			return err
		}
		return w.Seal(f(ctx, w, a, b, c))
	}
}

func a4[A, B, C, D any](f func(context.Context, *World, A, B, C, D) error) func(context.Context, A, B, C, D) error {
	return func(ctx context.Context, a A, b B, c C, d D) error {
		w, err := world(ctx)
		if err != nil {
			return err
		}
		return w.Seal(f(ctx, w, a, b, c, d))
	}
}

func a5[A, B, C, D, E any](f func(context.Context, *World, A, B, C, D, E) error) func(context.Context, A, B, C, D, E) error {
	return func(ctx context.Context, a A, b B, c C, d D, e E) error {
		w, err := world(ctx)
		if err != nil {
			return err
		}
		return w.Seal(f(ctx, w, a, b, c, d, e))
	}
}

func a7[A, B, C, D, E, F, G any](f func(context.Context, *World, A, B, C, D, E, F, G) error) func(context.Context, A, B, C, D, E, F, G) error {
	return func(ctx context.Context, a A, b B, c C, d D, e E, f2 F, g G) error {
		w, err := world(ctx)
		if err != nil {
			return err
		}
		return w.Seal(f(ctx, w, a, b, c, d, e, f2, g))
	}
}

// def makes a definition of a step without a data table.
func def(kind StepKind, id, template, doc string, handler any) Definition {
	return Definition{ID: id, Kind: kind, Template: template, Doc: doc, handler: handler}
}

// withSlots gives a definition the | slot | value | table.
func withSlots(d Definition) Definition {
	d.Table = slotHeader
	return d
}

// withDocString makes a definition take a doc string.
func withDocString(d Definition) Definition {
	d.DocString = true
	return d
}

// table is the step library: compiled once, never changed.
var table = compileTable(rawTable)

// byID indexes table by Definition.ID.
var byID = func() map[string]int {
	m := make(map[string]int, len(table))
	for i, d := range table {
		if _, dup := m[d.ID]; dup {
			panic(fmt.Sprintf("steps: two definitions with ID %s", d.ID))
		}
		m[d.ID] = i
	}
	return m
}()

func compileTable(raw []Definition) []Definition {
	out := make([]Definition, len(raw))
	for i, d := range raw {
		out[i] = compileDefinition(d)
	}
	return out
}

// rawTable is the step library as written: templates, docs, handlers.
var rawTable = []Definition{
	// ---- users ----
	def(KindAction, "user.registers_with_password", `{user:name} registers with password {password:text}`,
		"Signs the user up as the CLI's users:create does (username from the Keystore, a fresh secret, SRP registration, KEK, login keypair, Vault user, DEK) with this password.",
		a2(func(ctx context.Context, w *World, name, pw string) error { return w.RegisterUser(ctx, name, pw) })),
	def(KindAction, "user.registered", `{user:name} is a registered user`,
		"Signs the user up with a random password.",
		a1(func(ctx context.Context, w *World, name string) error { return w.RegisterUser(ctx, name, "") })),
	def(KindAction, "users.registered", `users {users:names} are registered`,
		"Signs each user up with a random password.",
		a1(func(ctx context.Context, w *World, names string) error {
			return w.RegisterUsers(ctx, splitNames(names))
		})),
	def(KindAction, "user.logs_in", `{user:name} logs in`,
		"Logs the user in again (SRP, KEK, login keypair, Vault session, DEK); the new session replaces the old.",
		a1(func(ctx context.Context, w *World, name string) error { return w.Login(ctx, name) })),
	def(KindAction, "user.logs_in_wrong_password", `{user:name} logs in with the wrong password {password:text*}`,
		"Tries to log the user in with a password that is not hers; follow it with a refusal check.",
		a2(func(ctx context.Context, w *World, name, pw string) error { return w.LoginWithPassword(ctx, name, pw) })),
	def(KindAction, "user.logs_out", `{user:name} logs out`,
		"Ends the user's Vault and Keystore sessions; the old tokens are kept for \"her old token\" checks.",
		a1(func(ctx context.Context, w *World, name string) error { return w.Logout(ctx, name) })),
	def(KindCheck, "user.secret_well_formed", `{user:name}'s secret key is well formed`,
		"The secret reads 1.<username>.<base58 of 32 bytes in groups of six> and never went over the wire.",
		a1(func(_ context.Context, w *World, name string) error { return w.CheckSecretWellFormed(name) })),
	def(KindCheck, "user.kek_stored", `{user:name}'s key encryption key is stored wrapped with {pronoun:possessive} passphrase-derived key`,
		"The Keystore's KEK is canonical Aes256Gcm, opens with the PDK derived again from password and secret, equals the registered KEK; no raw KEK or PDK was sent.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckKEKStored(ctx, name) })),
	def(KindCheck, "user.dek_stored", `{user:name}'s data encryption key is stored wrapped with {pronoun:possessive} key encryption key`,
		"The Vault profile names the DEK; the Keystore's DEK is canonical Aes256Gcm and opens with the KEK to the registered DEK; no raw DEK was sent.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckDEKStored(ctx, name) })),
	def(KindCheck, "user.login_keypair", `{user:name}'s login keypair is an RSA-{bits:number} key with public exponent {exponent:number}`,
		"The Keystore's \"auth\" keypair has this modulus size and exponent and is the registered key, its PEM exactly as registered at the Vault.",
		a3(func(ctx context.Context, w *World, name string, bits, e int) error {
			return w.CheckLoginKeypair(ctx, name, bits, e)
		})),
	def(KindCheck, "user.login_keypair_stored", `{user:name}'s login keypair is stored with its private key wrapped with {pronoun:possessive} key encryption key`,
		"The login private key is canonical Aes256Gcm under the KEK, PKCS#1 PEM as node-forge writes it, and matches the public key.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckLoginKeypairStored(ctx, name) })),
	def(KindCheck, "users.public_keys_pem", `the public keys {users:names} sent are PEM as node-forge writes them`,
		"Every public_key in the users' requests is SPKI PEM with 64-character lines and CRLF, exactly what node-forge (and cryppo's writer) produce.",
		a1(func(_ context.Context, w *World, names string) error { return w.CheckPublicKeysPEM(splitNames(names)) })),
	def(KindCheck, "user.reads_profile", `{user:name} can read {pronoun:possessive} own profile`,
		"GET /me answers with the user's id and DEK id.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckProfile(ctx, name) })),
	def(KindCheck, "user.logged_in_with_registered_keys", `{user:name} is logged in with the keys {pronoun:pronoun} registered`,
		"After a login the PDK, KEK, DEK, login key, user id and DEK id are those of registration.",
		a1(func(_ context.Context, w *World, name string) error { return w.CheckLoggedInWithRegisteredKeys(name) })),
	def(KindCheck, "users.distinct_keys", `{users:names} have different keys at every level of the hierarchy`,
		"No two users share a secret, PDK, KEK, DEK, login keypair, token, user id or DEK id.",
		a1(func(_ context.Context, w *World, names string) error { return w.CheckDistinctKeys(splitNames(names)) })),

	// ---- items ----
	withSlots(def(KindAction, "item.create", `{owner:name} {:has|creates} a {template:text} item {label:text} with:`,
		"Creates an item of the template with the table's slot values (| slot | value |), each encrypted with the owner's DEK. Items are named by label.",
		a4(func(ctx context.Context, w *World, owner, tmpl, label string, t *godog.Table) error {
			rows, err := slotTable(t)
			if err != nil {
				return err
			}
			return w.CreateItem(ctx, owner, tmpl, label, rows)
		}))),
	def(KindAction, "item.change_slot", `{owner:name} changes slot {slot:text} of {label:text} to {value:text*}`,
		"Sets one slot of an own item to a new value (PUT /items/{id}).",
		a4(func(ctx context.Context, w *World, owner, slot, label, value string) error {
			return w.ChangeSlot(ctx, owner, slot, label, value)
		})),
	withDocString(def(KindAction, "item.change_slot_text", `{owner:name} changes slot {slot:text} of {label:text} to:`,
		"Sets one slot of an own item to the text of the doc string under the step, line breaks and all (PUT /items/{id}): for values a quoted phrase cannot carry, such as notes.",
		a4(func(ctx context.Context, w *World, owner, slot, label string, text *godog.DocString) error {
			if text == nil {
				return scenarioErrorf("the step needs a doc string (the text between two \"\"\" lines) under it")
			}
			return w.ChangeSlot(ctx, owner, slot, label, text.Content)
		}))),
	withSlots(def(KindCheck, "item.owner_sees", `{owner:name} sees {pronoun:possessive} item {label:text} with:`,
		"GET /items/{id} decrypts with the owner's DEK to the table's values (compared by digest, never printed).",
		a3(func(ctx context.Context, w *World, owner, label string, t *godog.Table) error {
			rows, err := slotTable(t)
			if err != nil {
				return err
			}
			return w.CheckItem(ctx, owner, label, rows)
		}))),
	def(KindCheck, "item.stored_encrypted", `every slot value of {label:text} is stored encrypted with {owner:name}'s data encryption key`,
		"Every slot with a value holds canonical Aes256Gcm that opens with the owner's DEK to the current value; slots without one hold none.",
		a2(func(ctx context.Context, w *World, label, owner string) error {
			return w.CheckStoredEncrypted(ctx, label, owner)
		})),
	def(KindCheck, "item.no_plaintext", `the Vault holds no plaintext of {label:text}`,
		"No value the item ever held appears in the raw JSON of GET /items/{id} or GET /items, for its owner and recipients.",
		a1(func(ctx context.Context, w *World, label string) error { return w.CheckNoPlaintext(ctx, label) })),

	// ---- connections ----
	def(KindAction, "connection.invite", `{inviter:name} invites {invitee:name} to connect as {as:text}`,
		"The inviter makes a connection keypair and an invitation, naming the invitee (the name encrypted with her DEK).",
		a3(func(ctx context.Context, w *World, from, to, name string) error { return w.Invite(ctx, from, to, name) })),
	def(KindAction, "connection.accept_invitation", `{invitee:name} accepts {inviter:name}'s invitation as {as:text}`,
		"The invitee makes a keypair of his own and creates the connection with the invitation token.",
		a3(func(ctx context.Context, w *World, to, from, name string) error {
			return w.AcceptInvitation(ctx, to, from, name)
		})),
	def(KindState, "connection.connected", `{user:name} and {other:name} are connected`,
		"Given/When: connects the two as the SDK's createConnection does (each names the other by display name). Then: the Vault pairs their connection records.",
		a2(func(ctx context.Context, w *World, a, b string) error {
			if w.isOutcome() {
				return w.CheckConnected(ctx, a, b)
			}
			return w.Connect(ctx, a, b)
		})),
	def(KindAction, "connection.again", `{user:name} and {other:name} connect again`,
		"Two connected users go through invitation and acceptance again; the Vault must answer for the existing connection.",
		a2(func(ctx context.Context, w *World, a, b string) error { return w.ConnectAgain(ctx, a, b) })),
	def(KindAction, "connection.delete", `{user:name} deletes {pronoun:possessive} connection to {other:name}`,
		"Deletes the user's side of the connection.",
		a2(func(ctx context.Context, w *World, by, other string) error { return w.DeleteConnection(ctx, by, other) })),
	def(KindCheck, "connection.keys", `{user:name} sees {other:name}'s connection public key and {other:name} sees {user:name}'s`,
		"Each side's record carries the other's connection public key and keypair id, the key the other holds in its Keystore.",
		a4(func(ctx context.Context, w *World, a, b, b2, a2 string) error {
			if a != a2 || b != b2 {
				return scenarioErrorf("the phrase must name the same two users both ways (%s/%s, %s/%s)", a, a2, b, b2)
			}
			return w.CheckConnectionKeys(ctx, a, b)
		})),
	def(KindCheck, "connection.own_keypairs", `each side of the connection between {user:name} and {other:name} has its own keypair`,
		"Each side's keypair is in its own Keystore, RSA-4096/65537, wrapped under its KEK, distinct from the other's and from login keys, unreadable by the other side.",
		a2(func(ctx context.Context, w *World, a, b string) error { return w.CheckConnectionKeypairs(ctx, a, b) })),
	def(KindCheck, "connection.name", `{owner:name}'s name for the connection to {other:name} decrypts to {as:text}`,
		"The record's encrypted_recipient_name is canonical Aes256Gcm, opens with the user's DEK to the name, and not with the other side's DEK.",
		a3(func(ctx context.Context, w *World, owner, other, name string) error {
			return w.CheckConnectionName(ctx, owner, other, name)
		})),
	def(KindCheck, "connection.existed", `the Vault reports that the connection existed already`,
		"The answer to connecting again has connection_existed_already: true and the existing connection.",
		a0(func(_ context.Context, w *World) error { return w.CheckConnectionExisted() })),
	def(KindCheck, "connection.count", `{user:name} has {count:number} connection{count:s}`,
		"GET /connections lists this many connections.",
		a2(func(ctx context.Context, w *World, name string, n int) error {
			return w.CheckConnectionCount(ctx, name, n)
		})),

	// ---- shares ----
	def(KindAction, "share.item", `{sender:name} shares [slot {slot:text} of ]{label:text} with {recipient:name}[{again:flag} again][ with terms {terms:text}][{onsharing:flag} allowing on-sharing]`,
		"Shares an own item (or one slot of it) with a connected user: a fresh share DEK wrapped to the recipient's connection key, values re-encrypted with verification hashes. \"with terms\" makes the recipient accept first; \"allowing on-sharing\" lets him share it on; \"again\" marks a second share to the same recipient.",
		a7(func(ctx context.Context, w *World, sender, slot, label, recipient, again, terms, onsharing string) error {
			return w.Share(ctx, sender, label, recipient, ShareOptions{Slot: slot, Terms: terms, Onsharing: onsharing != "", Again: again != ""})
		})),
	def(KindAction, "share.until", `{sender:name} shares {label:text} with {recipient:name} until {until:text}`,
		"Shares an own item with a connected user until a date (yyyy-MM-dd, midnight UTC) or an RFC 3339 time, sent as expires_at.",
		a4(func(ctx context.Context, w *World, sender, label, recipient, until string) error {
			return w.ShareUntil(ctx, sender, label, recipient, until)
		})),
	def(KindCheck, "share.expires_at", `the share of {label:text} to {recipient:name} expires at {until:text}`,
		"Both the recipient and the sender read the share's expires_at as that instant, written as JS toISOString writes it.",
		a3(func(ctx context.Context, w *World, label, recipient, until string) error {
			return w.CheckShareExpiry(ctx, label, recipient, until)
		})),
	def(KindAction, "share.onshare", `{sender:name} shares the {label:text} {pronoun:pronoun} received from {from:name} with {recipient:name}[{onsharing:flag} allowing on-sharing]`,
		"On-shares a received item: the values re-encrypted under a new DEK, the owner's verification keys passed on, no hash of the sender's own. \"allowing on-sharing\" asks for what only the owner may grant: the Vault must force it off.",
		a5(func(ctx context.Context, w *World, sender, label, from, recipient, onsharing string) error {
			return w.OnShareWith(ctx, sender, label, from, recipient, OnShareOptions{Onsharing: onsharing != ""})
		})),
	def(KindAction, "share.accept", `{recipient:name} accepts the share of {label:text} from {sender:name}`,
		"Reads the share (its terms are shown) and accepts it.",
		a3(func(ctx context.Context, w *World, recipient, label, sender string) error {
			return w.Accept(ctx, recipient, label, sender)
		})),
	def(KindAction, "share.delete", `{user:name} deletes the share of {label:text} to {recipient:name}`,
		"Deletes the share (its sender, owner or recipient may).",
		a3(func(ctx context.Context, w *World, by, label, recipient string) error {
			return w.DeleteShare(ctx, by, label, recipient)
		})),
	def(KindAction, "share.update", `{owner:name} updates the shares of {label:text}[{sdk:flag} sending every slot to every share]`,
		"Re-keys every share of the item (one new DEK for all, slots re-encrypted), by running the Vault's update_item_shares tasks. \"sending every slot to every share\" does as Meeco's SDK does: a one-slot share is sent the other slots' values too, which the Vault must not deliver.",
		a3(func(ctx context.Context, w *World, owner, label, sdk string) error {
			return w.UpdateSharesWith(ctx, owner, label, rekeyOptions(sdk))
		})),
	def(KindCheck, "share.dek_form", `the share of {label:text} to {recipient:name} has an encrypted DEK of the form {form:text}`,
		"The encrypted DEK matches the form around \"<...>\", the ciphertext as long as the named RSA modulus, canonical.",
		a3(func(ctx context.Context, w *World, label, recipient, form string) error {
			return w.CheckEncryptedDEKForm(ctx, label, recipient, form)
		})),
	def(KindCheck, "share.state", `the share of {label:text} to {recipient:name} is {state:text}`,
		"Sender and recipient both read this acceptance_required state.",
		a3(func(ctx context.Context, w *World, label, recipient, state string) error {
			return w.CheckShareState(ctx, label, recipient, state)
		})),
	withSlots(def(KindCheck, "share.recipient_sees", `{recipient:name} sees the share of {label:text} from {sender:name} with:`,
		"The recipient reads the share as the SDK does (DEK from his keypair, values decrypted, hashes verified) and gets the table's values.",
		a4(func(ctx context.Context, w *World, recipient, label, sender string, t *godog.Table) error {
			rows, err := slotTable(t)
			if err != nil {
				return err
			}
			return w.CheckSharedItem(ctx, recipient, label, sender, rows)
		}))),
	def(KindCheck, "share.incoming_count", `{user:name} has {count:number} incoming share{count:s}`,
		"GET /incoming_shares lists this many shares.",
		a2(func(ctx context.Context, w *World, name string, n int) error {
			return w.CheckShareCount(ctx, name, n, true)
		})),
	def(KindCheck, "share.outgoing_count", `{user:name} has {count:number} outgoing share{count:s}`,
		"GET /outgoing_shares lists this many shares.",
		a2(func(ctx context.Context, w *World, name string, n int) error {
			return w.CheckShareCount(ctx, name, n, false)
		})),
	def(KindCheck, "share.received_items", `{user:name} has {count:number} item{count:s} received from {from:name}`,
		"GET /items holds this many items that came by a share from that sender.",
		a3(func(ctx context.Context, w *World, name string, n int, from string) error {
			return w.CheckReceivedItems(ctx, name, n, from)
		})),
	def(KindCheck, "share.gone", `the share of {label:text} to {recipient:name} is gone for {users:names}`,
		"For each party: GET of the share (and, for the recipient, its item and copy) answers 404 and no list holds it.",
		a3(func(ctx context.Context, w *World, label, recipient, names string) error {
			return w.CheckShareGone(ctx, label, recipient, splitNames(names))
		})),
	def(KindCheck, "share.key_opens_only_for", `the encrypted DEK of the share of {label:text} to {recipient:name} opens with {keyOwner:name}'s connection key only`,
		"The share's keypair_external_id is the recipient's side of the connection, its key opens the DEK, and every other private key of the scenario fails with ErrDecrypt.",
		a3(func(ctx context.Context, w *World, label, recipient, keyOwner string) error {
			return w.CheckShareKeyOnly(ctx, label, recipient, keyOwner)
		})),
	def(KindCheck, "share.values_share_key_only", `the slot values of the share of {label:text} to {recipient:name} decrypt with the share's key only`,
		"Every value of the recipient's copy is canonical Aes256Gcm that opens with the share DEK to the owner's value and with no user's DEK, KEK or PDK.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckSlotsShareKeyOnly(ctx, label, recipient)
		})),
	def(KindCheck, "share.no_value_for", `{recipient:name}'s copy of {label:text} holds no value for {slots:slots}`,
		"The recipient's copy has no value or verification key for these slots, and their plaintexts never reached him.",
		a3(func(ctx context.Context, w *World, recipient, label, slots string) error {
			return w.CheckNoValueFor(ctx, recipient, label, splitQuoted(slots))
		})),
	def(KindCheck, "share.hashes_verify", `every slot of the share of {label:text} to {recipient:name} has a value verification hash that verifies`,
		"Every shared value has a 64-byte verification key (under the share DEK) and a lowercase hex HMAC-SHA256 hash that matches.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckVerificationHashes(ctx, label, recipient)
		})),
	def(KindCheck, "share.tamper_rejected", `a tampered copy of the share of {label:text} to {recipient:name} is rejected`,
		"Flipped bytes in a value's ciphertext, tag or IV, in a verification key, or in the wrapped DEK fail to decrypt; a changed hash or value fails the HMAC check.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckTamperedShare(ctx, label, recipient)
		})),
	def(KindCheck, "share.locked_until_accepted", `{recipient:name} cannot read the share of {label:text} before accepting it`,
		"While the share waits for acceptance its encrypted DEK is null in the share and its item, and the recipient's client cannot read it.",
		a2(func(ctx context.Context, w *World, recipient, label string) error {
			return w.CheckCannotReadBeforeAccepting(ctx, recipient, label)
		})),
	def(KindCheck, "share.terms_shown", `{recipient:name} was shown the terms {terms:text}`,
		"The share the user accepted carried these terms.",
		a2(func(_ context.Context, w *World, recipient, terms string) error {
			return w.CheckShownTerms(recipient, terms)
		})),
	def(KindCheck, "share.rekey_task", `{owner:name} has a task to update the shares of {label:text}`,
		"The owner's client task queue holds an update_item_shares task for the item, in state todo.",
		a2(func(ctx context.Context, w *World, owner, label string) error { return w.CheckTask(ctx, owner, label) })),
	def(KindCheck, "share.new_dek", `the share of {label:text} to {recipient:name} has a new encrypted DEK`,
		"The recipient reads another encrypted DEK than the share was created with, opening to another key.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckNewEncryptedDEK(ctx, label, recipient)
		})),
	def(KindCheck, "share.owner_and_sender", `the share of {label:text} to {recipient:name} has owner {owner:name} and sender {sender:name}`,
		"Recipient and sender read these owner_id and sender_id (and the recipient_id).",
		a4(func(ctx context.Context, w *World, label, recipient, owner, sender string) error {
			return w.CheckOwnerSender(ctx, label, recipient, owner, sender)
		})),

	// ---- outcomes ----
	def(KindCheck, "outcome.refused", `the request is refused`,
		"The previous action was refused by the target with a 4xx status.",
		a0(func(_ context.Context, w *World) error { return w.CheckRefused(0) })),
	def(KindCheck, "outcome.refused_status", `the request is refused with status {status:number}`,
		"The previous action was refused by the target with this status.",
		a1(func(_ context.Context, w *World, status int) error { return w.CheckRefused(status) })),

	// ---- crypto ----
	def(KindCheck, "crypto.canonical_cryppo", `every encrypted field the Vault returned to {users:names} is a canonical Cryppo string`,
		"After reading back everything they hold, every encrypted field ever returned to the users parses and re-serializes to itself; RSA where keys are wrapped to a public key, AES-GCM elsewhere.",
		a1(func(ctx context.Context, w *World, names string) error {
			return w.CheckEncryptedFieldsCanonical(ctx, splitNames(names))
		})),
	def(KindCheck, "crypto.symmetric_form", `every symmetric ciphertext is {strategy:text} with a {iv:number}-byte IV, a {tag:number}-byte tag and AAD {aad:text}`,
		"Every AES field sent or returned is canonical, of this strategy, IV and tag size and AAD.",
		a4(func(_ context.Context, w *World, strategy string, iv, tag int, aad string) error {
			return w.CheckSymmetricCiphertexts(AESForm{Strategy: strategy, IV: iv, Tag: tag, AAD: aad})
		})),
	def(KindCheck, "crypto.wrapped_key_form", `every wrapped share key is {strategy:text} with the empty artifacts {artifacts:text}`,
		"Every encrypted_dek and dek sent or returned is canonical, of this strategy, with exactly these artifacts and a ciphertext as long as the modulus.",
		a2(func(_ context.Context, w *World, strategy, artifacts string) error {
			return w.CheckWrappedShareKeys(RSAForm{Strategy: strategy, Artifacts: artifacts})
		})),
	def(KindCheck, "crypto.keypairs", `every keypair {users:names} made is RSA-{bits:number} with public exponent {exponent:number}`,
		"Every keypair the users stored in their Keystores has this size and exponent, its private key wrapped under the owner's KEK as node-forge PEM.",
		a3(func(ctx context.Context, w *World, names string, bits, e int) error {
			return w.CheckAllKeypairs(ctx, splitNames(names), bits, e)
		})),
	def(KindCheck, "crypto.key_sizes", `every key encryption key, data encryption key and share key is {size:number} bytes`,
		"Every stored KEK and DEK and every share key a recipient can open unwraps to this many bytes.",
		a1(func(ctx context.Context, w *World, n int) error { return w.CheckKeySizes(ctx, n) })),
	def(KindCheck, "crypto.kek_tamper_rejected", `a tampered copy of {user:name}'s wrapped key encryption key is rejected`,
		"The stored KEK opens with the PDK; copies with a flipped ciphertext, tag or IV byte fail with ErrDecrypt.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckTamperedKEK(ctx, name) })),
	def(KindCheck, "crypto.ledger_share_key", `the crypto ledger records a share key generated by {sender:name} and opened by {recipient:name}`,
		"The ledger holds one share key generated and RSA-wrapped by the sender and unwrapped by the recipient, with one fingerprint.",
		a2(func(_ context.Context, w *World, sender, recipient string) error {
			return w.CheckLedgerShareKey(sender, recipient)
		})),
	def(KindCheck, "crypto.ledger_reverifies", `the crypto ledger re-verifies`,
		"Every crypto operation recorded so far is re-done and gives the recorded result (every scenario also does this when it ends).",
		a0(func(_ context.Context, w *World) error { return w.CheckLedger() })),

	// ---- access control ----
	def(KindCheck, "access.item_denied", `{actor:name} cannot {verb:read|update|delete} {owner:name}'s item {label:text}`,
		"A user who does not own the item gets 404 for it (its slots and list too, when reading), and the owner's item is unchanged.",
		a4(func(ctx context.Context, w *World, actor, verb, owner, label string) error {
			return w.CheckCannotAccessItem(ctx, actor, verb, owner, label)
		})),
	def(KindCheck, "access.share_denied", `{actor:name} cannot {verb:read|delete} the share of {label:text} to {recipient:name}`,
		"A user who is neither sender nor recipient gets 404 for the share, its item and from DELETE, and the share stays.",
		a4(func(ctx context.Context, w *World, actor, verb, label, recipient string) error {
			return w.CheckCannotAccessShare(ctx, actor, verb, label, recipient)
		})),
	def(KindCheck, "access.item_bad_token", `reading {owner:name}'s item {label:text} with {token:token} is refused with status {status:number}`,
		"GET /items/{id} with no token, a malformed one, the token of an ended session or the old token after logging out is refused with this status.",
		a4(func(ctx context.Context, w *World, owner, label, token string, status int) error {
			k, err := ParseTokenKind(token)
			if err != nil {
				return err
			}
			return w.CheckItemRefusedWith(ctx, owner, label, k, status)
		})),
	def(KindCheck, "access.share_bad_token", `reading the share of {label:text} as {reader:name} with {token:token} is refused with status {status:number}`,
		"GET of the share, as one of its parties but with a bad token, is refused with this status.",
		a4(func(ctx context.Context, w *World, label, reader, token string, status int) error {
			k, err := ParseTokenKind(token)
			if err != nil {
				return err
			}
			return w.CheckShareRefusedWith(ctx, label, reader, k, status)
		})),
	def(KindCheck, "access.kek_bad_token", `reading {owner:name}'s key encryption key with {token:token} is refused with status {status:number}`,
		"Keystore GET /key_encryption_key with a bad token is refused with this status.",
		a3(func(ctx context.Context, w *World, owner, token string, status int) error {
			k, err := ParseTokenKind(token)
			if err != nil {
				return err
			}
			return w.CheckKEKRefusedWith(ctx, owner, k, status)
		})),

	// ---- identity side: SRP, sessions, Keystore keys, users, slots, pages, invitations, errors (H5a) ----
	def(KindAction, "srp.register_again", `{user:name}'s username is registered again with the password {password:text}`,
		"POST /srp/users for the user's username with a verifier of another password, as a second device or an intruder would; follow it with a refusal check.",
		a2(func(ctx context.Context, w *World, name, pw string) error {
			return w.RegisterUsernameAgain(ctx, name, pw)
		})),
	def(KindCheck, "outcome.refused_error", `the request is refused with status {status:number} and error {error:text}`,
		"The previous action was refused by the target with this status and this error kind in errors[0].error (as the SDK reads username_taken).",
		a2(func(_ context.Context, w *World, status int, kind string) error {
			return w.CheckRefusedWithError(status, kind)
		})),
	def(KindCheck, "srp.replay_refused", `replaying {user:name}'s last SRP login is refused with status {status:number}`,
		"The body of the user's last successful POST /srp/session (the same A and M1) sent again is refused: its challenge was spent.",
		a2(func(ctx context.Context, w *World, name string, status int) error {
			return w.CheckSRPReplayRefused(ctx, name, status)
		})),
	def(KindCheck, "srp.forged_proof_refused", `an SRP login of {user:name} with a forged proof is refused with status {status:number}`,
		"A fresh SRP exchange with the user's real password whose proof M1 has one hex digit changed is refused.",
		a2(func(ctx context.Context, w *World, name string, status int) error {
			return w.CheckSRPForgedProofRefused(ctx, name, status)
		})),
	def(KindCheck, "srp.unknown_user_refused", `an SRP login as a username nobody registered is refused with status {status:number}`,
		"An SRP login for an unregistered username is refused, at the challenge or at the proof, with this status (as a wrong password is).",
		a1(func(ctx context.Context, w *World, status int) error {
			return w.CheckSRPUnknownUserRefused(ctx, status)
		})),
	def(KindCheck, "srp.wire_format", `{user:name}'s SRP exchanges carry A and B as 512 lowercase hex digits and the salt {pronoun:pronoun} registered`,
		"Every SRP challenge of the user in the scenario sent A and got B as PAD() of the 2048-bit group in lowercase hex, and the salt of her registration.",
		a1(func(_ context.Context, w *World, name string) error { return w.CheckSRPWireFormat(name) })),
	def(KindCheck, "srp.zero_a_refused", `SRP challenges for {user:name} with A = 0 or A = N are refused`,
		"POST /srp/challenges with A ≡ 0 (mod N), which would let anyone log in without the password, is refused (4xx).",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckSRPZeroARefused(ctx, name) })),
	def(KindCheck, "srp.fresh_usernames", `the Keystore hands out usernames that nobody holds`,
		"Two POST /srp/username answers differ, name no user of the scenario, and each registers (no username_taken).",
		a0(func(ctx context.Context, w *World) error { return w.CheckFreshUsernames(ctx) })),
	def(KindAction, "session.open_short", `{user:name} opens sessions valid for {count:number} second{count:s}`,
		"An SRP login and a POST /vault/session, each with valid_for, beside the user's current sessions; the Keystore's valid_till must be valid_from plus valid_for.",
		a2(func(ctx context.Context, w *World, name string, n int) error {
			return w.OpenShortSessions(ctx, name, n)
		})),
	def(KindCheck, "session.short_work", `{user:name}'s short sessions work`,
		"The short Vault token reads the user's profile and the short Keystore token her KEK.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckShortSessionsWork(ctx, name) })),
	def(KindCheck, "session.short_end", `{user:name}'s short sessions are refused with status {status:number} within {count:number} second{count:s}`,
		"Polling both short tokens, each is refused with this status before the time is up (at most 3 s).",
		a3(func(ctx context.Context, w *World, name string, status, n int) error {
			return w.CheckShortSessionsEnd(ctx, name, status, n)
		})),
	def(KindCheck, "session.scoped", `{user:name}'s tokens work at their own service only`,
		"The Vault token works at the Vault and the Keystore token at the Keystore; each service refuses the other's with 401.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckTokensScoped(ctx, name) })),
	def(KindCheck, "session.sealed", `every Vault token {user:name} received opens with {pronoun:possessive} login key only`,
		"Each encrypted_session_authentication_string of the scenario is canonical Rsa4096, opens with the login key by OAEP SHA-1 and not SHA-256, with no other key, and the token never travelled in clear.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckVaultTokensSealed(ctx, name) })),
	def(KindCheck, "session.unknown_key_refused", `a Vault session for a key like {user:name}'s that nobody registered is refused with status {status:number}`,
		"POST /vault/session with the user's login key changed in one base64 digit of its modulus (same first lines, another key) is refused.",
		a2(func(ctx context.Context, w *World, name string, status int) error {
			return w.CheckUnknownKeySessionRefused(ctx, name, status)
		})),
	def(KindCheck, "session.profile_bad_token", `reading {owner:name}'s profile with {token:token} is refused with status {status:number}`,
		"GET /vault/me with no token, a malformed one, an ended session's or the old token after logging out is refused with this status.",
		a3(func(ctx context.Context, w *World, owner, token string, status int) error {
			k, err := ParseTokenKind(token)
			if err != nil {
				return err
			}
			return w.CheckProfileRefusedWith(ctx, owner, k, status)
		})),
	def(KindCheck, "keystore.cannot_read", `{actor:name} cannot read {owner:name}'s keys in the Keystore`,
		"The owner's DEK and keypairs by id answer 404 to the actor (and are read by the owner); the actor's KEK and keypair by external id \"auth\" are her own.",
		a2(func(ctx context.Context, w *World, actor, owner string) error {
			return w.CheckCannotReadKeys(ctx, actor, owner)
		})),
	def(KindAction, "keystore.store_dek", `{user:name} stores another data encryption key`,
		"POST /data_encryption_keys with a new random key wrapped with the user's KEK.",
		a1(func(ctx context.Context, w *World, name string) error { return w.StoreAnotherDEK(ctx, name) })),
	def(KindCheck, "keystore.byte_for_byte", `the Keystore returns every key {user:name} stored byte for byte`,
		"The first KEK, every DEK and keypair the user posted in the scenario read back, by their ids, as exactly the strings she sent.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckKeysByteForByte(ctx, name) })),
	def(KindCheck, "keystore.kek_not_replaced", `{user:name} cannot replace {pronoun:possessive} key encryption key`,
		"A second POST /key_encryption_key is refused (4xx) and GET still returns the first KEK.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckKEKNotReplaced(ctx, name) })),
	def(KindCheck, "keystore.keys_foreign", `{user:name}'s wrapped keys open with none of {other:name}'s keys`,
		"The user's stored KEK, DEK and login private key fail with ErrDecrypt under the other's PDK, KEK and DEK.",
		a2(func(ctx context.Context, w *World, name, other string) error {
			return w.CheckWrappedKeysForeign(ctx, name, other)
		})),
	def(KindCheck, "user.used_admission_refused", `{user:name}'s used admission token is refused with status {status:number}`,
		"POST /vault/me again with the admission token the user's registration consumed is refused.",
		a2(func(ctx context.Context, w *World, name string, status int) error {
			return w.CheckUsedAdmissionTokenRefused(ctx, name, status)
		})),
	def(KindCheck, "user.unissued_admission_refused", `an admission token the Keystore never issued is refused with status {status:number}`,
		"POST /vault/me with a made-up admission token is refused.",
		a1(func(ctx context.Context, w *World, status int) error {
			return w.CheckUnissuedAdmissionTokenRefused(ctx, status)
		})),
	def(KindAction, "user.change_full_name", `{user:name} changes {pronoun:possessive} profile's full name`,
		"PUT /vault/me with a full_name and no private_dek_external_id.",
		a1(func(ctx context.Context, w *World, name string) error { return w.ChangeFullName(ctx, name) })),
	def(KindCheck, "user.profile_names_dek", `{user:name}'s profile still names {pronoun:possessive} data encryption key`,
		"GET /vault/me names the DEK the user stored at registration.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckProfileNamesDEK(ctx, name) })),
	def(KindAction, "user.logs_in_other_secret", `{user:name} logs in with another secret key`,
		"Tries to log the user in with her password and a fresh secret key of her username; follow it with a refusal check.",
		a1(func(ctx context.Context, w *World, name string) error { return w.LoginWithAnotherSecret(ctx, name) })),
	def(KindCheck, "user.malformed_secrets_refused", `{user:name}'s secret key, altered out of shape, is refused by the client`,
		"The user's secret without version or username, with a character outside base58, or a key cut short or made longer is refused by the client (ErrBadSecret) before anything is sent.",
		a1(func(_ context.Context, w *World, name string) error { return w.CheckMalformedSecretsRefused(name) })),
	def(KindAction, "item.add_slot", `{owner:name} adds a slot {slot:text} to {label:text} with value {value:text}`,
		"PUT /items/{id} with a slot attribute without id, its value encrypted with the owner's DEK.",
		a4(func(ctx context.Context, w *World, owner, slot, label, value string) error {
			return w.AddSlot(ctx, owner, slot, label, value)
		})),
	def(KindAction, "item.remove_slot", `{owner:name} removes slot {slot:text} from {label:text}`,
		"PUT /items/{id} with the slot's id and _destroy (the CLI's items:update).",
		a3(func(ctx context.Context, w *World, owner, slot, label string) error {
			return w.RemoveSlot(ctx, owner, slot, label)
		})),
	def(KindAction, "item.delete_slot", `{owner:name} deletes slot {slot:text} of {label:text}`,
		"DELETE /slots/{id} (the CLI's items:remove-slot).",
		a3(func(ctx context.Context, w *World, owner, slot, label string) error {
			return w.DeleteSlot(ctx, owner, slot, label)
		})),
	def(KindCheck, "item.no_slots", `{owner:name}'s item {label:text} has no {slots:slots}`,
		"The item's slot_ids hold none of these slots, and every slot removed from it answers 404.",
		a3(func(ctx context.Context, w *World, owner, label, slots string) error {
			return w.CheckNoSlots(ctx, owner, label, splitQuoted(slots))
		})),
	def(KindCheck, "item.gone", `{owner:name}'s item {label:text} is gone with its slots`,
		"The deleted item and each of its slots answer 404 to the owner, and her list of items does not hold it.",
		a2(func(ctx context.Context, w *World, owner, label string) error {
			return w.CheckItemGone(ctx, owner, label)
		})),
	def(KindCheck, "item.byte_for_byte", `every slot value of {label:text} comes back byte for byte as {owner:name} sent it`,
		"Each slot's encrypted_value in GET /items/{id} is the string the owner last sent for it in an accepted POST or PUT.",
		a2(func(ctx context.Context, w *World, label, owner string) error {
			return w.CheckValuesByteForByte(ctx, label, owner)
		})),
	def(KindAction, "item.change_with_stranger", `{owner:name} changes slot {slot:text} of {label:text} to {value:text*} along with a slot the item does not have`,
		"One PUT /items/{id} that changes the slot and names a slot id of no item; follow it with a refusal check.",
		a4(func(ctx context.Context, w *World, owner, slot, label, value string) error {
			return w.ChangeSlotWithStranger(ctx, owner, slot, label, value)
		})),
	def(KindAction, "item.plaintext_value", `{owner:name} stores a plaintext value in slot {slot:text} of {label:text}`,
		"PUT /items/{id} with an encrypted_value that is not a Cryppo string; follow it with a refusal check.",
		a3(func(ctx context.Context, w *World, owner, slot, label string) error {
			return w.StorePlaintextValue(ctx, owner, slot, label)
		})),
	def(KindAction, "item.change_legacy", `{owner:name} changes slot {slot:text} of {label:text} to {value:text*} in the legacy format`,
		"Sets the slot to an Aes256Gcm string with the legacy YAML artifacts cryppo-js writes on request.",
		a4(func(ctx context.Context, w *World, owner, slot, label, value string) error {
			return w.ChangeSlotLegacy(ctx, owner, slot, label, value)
		})),
	def(KindCheck, "item.template_order", `{owner:name}'s item {label:text} holds the slots of the {template:text} template in template order`,
		"The item's slots that come from the template are in the template's order, before any slot the item added.",
		a3(func(ctx context.Context, w *World, owner, label, tmpl string) error {
			return w.CheckTemplateOrder(ctx, owner, label, tmpl)
		})),
	def(KindCheck, "item.copy_read_only", `{recipient:name} cannot change {pronoun:possessive} copy of {label:text}`,
		"PUT /items/{id} on the recipient's copy that changes a value, adds a slot or destroys one is refused (4xx), and the copy reads as before.",
		a2(func(ctx context.Context, w *World, recipient, label string) error {
			return w.CheckCopyReadOnly(ctx, recipient, label)
		})),
	def(KindCheck, "item.copy_marked", `{recipient:name}'s copy of {label:text} is marked as received from {owner:name}`,
		"The owner's item has own true and no original_id or share_id; the copy has own false, original_id the owner's item and share_id its share.",
		a3(func(ctx context.Context, w *World, recipient, label, owner string) error {
			return w.CheckCopyMarkedReceived(ctx, recipient, label, owner)
		})),
	def(KindAction, "page.create_items", `{owner:name} has {count:number} {template:text} item{count:s}`,
		"Creates this many items of the template, labelled \"Item 1\", \"Item 2\"…, without slot values.",
		a3(func(ctx context.Context, w *World, owner string, n int, tmpl string) error {
			return w.CreateItems(ctx, owner, n, tmpl)
		})),
	def(KindCheck, "page.pages", `{owner:name}'s items, {per:number} per page, come in {pages:number} page{pages:s} holding each item once`,
		"Following next_page_after from the first page: at most per_page items a page, this many pages, every item once, next_page_after and next_page_exists on every page but the last, neither on the last.",
		a3(func(ctx context.Context, w *World, owner string, per, pages int) error {
			return w.CheckPages(ctx, owner, per, pages)
		})),
	def(KindCheck, "page.after_deletion", `{owner:name}'s items, {per:number} per page, still come each once when the first page's items are deleted`,
		"Reads the first page, deletes its items, follows next_page_after: every other item once, the last page without a next one.",
		a2(func(ctx context.Context, w *World, owner string, per int) error {
			return w.CheckPagesAfterDeletion(ctx, owner, per)
		})),
	def(KindCheck, "connection.record_denied", `{actor:name} cannot read {owner:name}'s record of the connection to {other:name}`,
		"GET /connections/{id} of the owner's record answers the owner and 404 to the actor.",
		a3(func(ctx context.Context, w *World, actor, owner, other string) error {
			return w.CheckCannotReadConnection(ctx, actor, owner, other)
		})),
	def(KindAction, "invitation.invite_for", `{inviter:name} invites {invitee:name} to connect as {as:text}, valid for {count:number} {unit:second|seconds|minute|minutes|hour|hours|day|days}`,
		"POST /invitations with expires_in and the inviter's login keypair (the SDK takes a keypair id); the invitee accepts it like any invitation.",
		a5(func(ctx context.Context, w *World, from, to, name string, n int, unit string) error {
			return w.InviteFor(ctx, from, to, name, n, unit)
		})),
	def(KindAction, "invitation.use", `{user:name} uses {inviter:name}'s invitation to {invitee:name}[{late:flag} after it expired]`,
		"POST /connections with the invitation's token and the user's login keypair; \"after it expired\" first waits for its expiry (at most 3 s). Follow it with a refusal check.",
		a4(func(ctx context.Context, w *World, name, inviter, invitee, late string) error {
			return w.UseInvitation(ctx, name, inviter, invitee, late)
		})),
	def(KindAction, "invitation.withdraw", `{inviter:name} withdraws {pronoun:possessive} invitation to {invitee:name}`,
		"DELETE /invitations/{id} by its sender.",
		a2(func(ctx context.Context, w *World, inviter, invitee string) error {
			return w.WithdrawInvitation(ctx, inviter, invitee)
		})),
	def(KindCheck, "invitation.view", `only {inviter:name} sees the id of {pronoun:possessive} invitation to {invitee:name}`,
		"The sender reads the invitation by id with its id and keypair_external_id; the invitee, reading it by token, sees neither.",
		a2(func(ctx context.Context, w *World, inviter, invitee string) error {
			return w.CheckInvitationView(ctx, inviter, invitee)
		})),
	def(KindCheck, "error.refusal_bodies", `every refusal in this scenario is a Meeco error body that quotes nothing the request carried`,
		"Every 4xx answer of the scenario is {\"errors\":[{error, http_code, message}]} with http_code the status, and quotes no string of 16 or more characters of its request.",
		a0(func(_ context.Context, w *World) error { return w.CheckRefusalBodies() })),
	def(KindCheck, "error.not_json", `{user:name}'s requests with a body that is not JSON are refused with status {status:number} and a Meeco error body`,
		"PUT /vault/me and POST /keystore/data_encryption_keys with a broken JSON body are refused with this status and a Meeco error body.",
		a2(func(ctx context.Context, w *World, name string, status int) error {
			return w.CheckNotJSONRefused(ctx, name, status)
		})),
	def(KindCheck, "crypto.form_variants_rejected", `copies of {user:name}'s wrapped keys that break Meeco's Cryppo form are rejected`,
		"Variants of the user's stored KEK, DEK and private key without padding, with version byte 'K' or another AAD are refused by the client; in the standard alphabet or another artifact order flagged; an OAEP SHA-256 wrap to her login key does not open; her PEM with LF is flagged.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckFormVariantsRejected(ctx, name) })),
	// ---- server blindness (H5b) ----
	def(KindCheck, "blind.nothing_in_clear", `no secret of this scenario is found in clear outside the client`,
		"Looks for every password, secret key, raw key, share key, private key, token and slot value of the scenario "+
			"in what its users sent (URLs and bodies) and, against the in-process fake, in the fake's store and log. "+
			"Every scenario does this when it ends; this step does it at its place.",
		a0(func(ctx context.Context, w *World) error { return w.CheckBlindness(ctx) })),
	def(KindAction, "blind.send_value_in_clear", `{owner:name} sends the value of slot {slot:text} of {label:text} in clear`,
		"A client breaking server blindness on purpose: PUT /items/{id} with the slot's plaintext as its encrypted_value. "+
			"Follow it with a refusal check.",
		a3(func(ctx context.Context, w *World, owner, slot, label string) error {
			return w.SendValueInClear(ctx, owner, slot, label)
		})),
	def(KindAction, "blind.send_key_in_clear", `{user:name} stores a data encryption key in clear`,
		"A client breaking server blindness on purpose: POST /data_encryption_keys with a raw key instead of a Cryppo string under the KEK. "+
			"Follow it with a refusal check.",
		a1(func(ctx context.Context, w *World, name string) error { return w.SendKeyInClear(ctx, name) })),

	// ---- tamper matrix (H5b) ----
	def(KindCheck, "tamper.share", `every tampered variant of the share of {label:text} to {recipient:name} is rejected`,
		"Derives every tampered variant of the share's wrapped DEK (bit flips, truncation, alphabet, padding, artifacts, "+
			"another recipient's wrap, an older DEK after a re-key) and of each slot's value, verification key and hash, "+
			"and checks the client rejects each with the error kind it must.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckTamperMatrixShare(ctx, label, recipient)
		})),
	def(KindCheck, "tamper.key", `every tampered variant of {user:name}'s {envelope:key encryption key|data encryption key|wrapped private keys|session token} is rejected`,
		"Derives every tampered variant of one of the user's envelopes as the services return it (the KEK, the DEK, "+
			"each wrapped private key, the Vault session token) and checks the client rejects each with the error kind it must.",
		a2(func(ctx context.Context, w *World, name, which string) error {
			return w.CheckTamperMatrixKey(ctx, name, TamperedKey(which))
		})),

	// ---- sharing rules (H5c) ----
	def(KindAction, "share.for_seconds", `{sender:name} shares {label:text} with {recipient:name} for {seconds:number} second{seconds:s}`,
		"Shares an own item with a connected user with expires_at this many seconds from now, to see it expire.",
		a4(func(ctx context.Context, w *World, sender, label, recipient string, n int) error {
			return w.ShareFor(ctx, sender, label, recipient, n)
		})),
	def(KindAction, "share.without_verification", `{sender:name} shares {label:text} with {recipient:name} without value verification {part:hashes|keys}`,
		"Shares an own item as the client does but with every value lacking its verification hash (or its encrypted verification key), which the Vault must refuse from an owner; follow it with a refusal check.",
		a4(func(ctx context.Context, w *World, sender, label, recipient, part string) error {
			return w.ShareWithoutVerification(ctx, sender, label, recipient, part)
		})),
	def(KindAction, "share.unknown_slot", `{sender:name} shares {label:text} with {recipient:name} with a value for a slot the item does not have`,
		"Shares an own item as the client does plus a value for a slot id the item lacks, which the Vault must refuse (and make no share); follow it with a refusal check.",
		a3(func(ctx context.Context, w *World, sender, label, recipient string) error {
			return w.ShareWithUnknownSlot(ctx, sender, label, recipient)
		})),
	def(KindAction, "share.stranger", `{sender:name} shares {label:text} with {recipient:name} although they are not connected`,
		"Shares an own item with a registered user the sender has no connection to (her login public key and keypair id), which the Vault must refuse; follow it with a refusal check.",
		a3(func(ctx context.Context, w *World, sender, label, recipient string) error {
			return w.ShareToStranger(ctx, sender, label, recipient)
		})),
	def(KindAction, "share.onshare_own_hashes", `{sender:name} shares the {label:text} {pronoun:pronoun} received from {from:name} with {recipient:name} vouching for its values with hashes of {pronoun:possessive} own`,
		"On-shares a received item with new verification keys and hashes the on-sharer made, which only the owner may send: the Vault must refuse them; follow it with a refusal check.",
		a4(func(ctx context.Context, w *World, sender, label, from, recipient string) error {
			return w.OnShareWith(ctx, sender, label, from, recipient, OnShareOptions{OwnHashes: true})
		})),
	def(KindAction, "share.onsharing_change", `{user:name} {change:allows|withdraws} on-sharing of the share of {label:text} to {recipient:name}`,
		"Sets the share's onsharing_permitted with PUT /shares. Only the item's owner may allow it; withdrawing it deletes the on-shares made from the share.",
		a4(func(ctx context.Context, w *World, by, change, label, recipient string) error {
			return w.ChangeOnsharing(ctx, by, change, label, recipient)
		})),
	def(KindCheck, "share.onsharing", `the share of {label:text} to {recipient:name} {permits:permits|does not permit} on-sharing`,
		"Sender and recipient both read this onsharing_permitted.",
		a3(func(ctx context.Context, w *World, label, recipient, permits string) error {
			return w.CheckOnsharing(ctx, label, recipient, permits)
		})),
	def(KindCheck, "share.owner_hashes", `the share of {label:text} to {recipient:name} carries the verification hashes {owner:name} made`,
		"Every value of the on-share's copy has the value_verification_hash that the owner's own share delivered for that slot, not one the on-sharer made.",
		a3(func(ctx context.Context, w *World, label, recipient, owner string) error {
			return w.CheckOwnerHashes(ctx, label, recipient, owner)
		})),
	def(KindCheck, "share.copy_hides_owner", `{recipient:name}'s copy of {label:text} does not reveal {owner:name} as its owner`,
		"A copy received through an on-share has no owner_id of the owner, on the item or any slot, at GET /incoming_shares/{id}/item and GET /items/{id}.",
		a3(func(ctx context.Context, w *World, recipient, label, owner string) error {
			return w.CheckCopyHidesOwner(ctx, recipient, label, owner)
		})),
	def(KindCheck, "share.only_slots", `{recipient:name}'s copy of {label:text} has only {slots:slots}`,
		"The recipient's copy has exactly these slots, no other even without a value, at GET /incoming_shares/{id}/item and GET /items/{id}.",
		a3(func(ctx context.Context, w *World, recipient, label, slots string) error {
			return w.CheckOnlySlots(ctx, recipient, label, splitQuoted(slots))
		})),
	def(KindCheck, "share.has_none", `the share of {label:text} to {recipient:name} has no {field:terms|expiry date}`,
		"A share made without terms (or without an expiry date) carries none, as sender and recipient read it.",
		a3(func(ctx context.Context, w *World, label, recipient, field string) error {
			return w.CheckShareHasNo(ctx, label, recipient, field)
		})),
	def(KindCheck, "share.accept_denied", `{actor:name} cannot accept the share of {label:text} to {recipient:name}`,
		"PUT /incoming_shares/{id}/accept by anyone but the recipient is refused (4xx), and the share keeps its acceptance state.",
		a3(func(ctx context.Context, w *World, actor, label, recipient string) error {
			return w.CheckCannotAccept(ctx, actor, label, recipient)
		})),
	def(KindCheck, "share.lost_on_expiry", `{recipient:name} loses the share of {label:text} when it expires`,
		"Waits for the share's expires_at (plus a few seconds' grace); then the share and its item answer 404 to the recipient, no list holds them, and the copy is neither readable nor listed.",
		a2(func(ctx context.Context, w *World, recipient, label string) error {
			return w.CheckLostOnExpiry(ctx, recipient, label)
		})),
	def(KindAction, "item.delete", `{owner:name} deletes {pronoun:possessive} item {label:text}`,
		"Deletes an own item (DELETE /items/{id}); its slots, its shares and on-shares, and every recipient's copy, must go with it.",
		a2(func(ctx context.Context, w *World, owner, label string) error { return w.DeleteItem(ctx, owner, label) })),
	def(KindAction, "share.delete_copy", `{user:name} deletes the {label:text} {pronoun:pronoun} received from {from:name}`,
		"Deletes the user's copy of a received item (DELETE /items/{id} of the copy); the share that delivered it must go with it.",
		a3(func(ctx context.Context, w *World, name, label, from string) error {
			return w.DeleteReceived(ctx, name, label, from)
		})),
	def(KindAction, "share.rekey_foreign", `{user:name} re-keys the share of {label:text} to {recipient:name}`,
		"A user who holds a copy of the item but does not own it re-keys a share of it with values of its own (PUT /items/{id}/shares on the copy), which only the owner may; follow it with a refusal check.",
		a3(func(ctx context.Context, w *World, actor, label, recipient string) error {
			return w.RekeyAsNonOwner(ctx, actor, label, recipient)
		})),
	def(KindCheck, "share.item_shares", `{owner:name}'s item {label:text} lists the shares to {users:names}`,
		"The owner's GET /items/{id}/shares lists the share to each user, on-shares included, with the owner's item id and the recipient's connection public key (what the owner re-keys from).",
		a3(func(ctx context.Context, w *World, owner, label, names string) error {
			return w.CheckItemSharesListed(ctx, owner, label, splitNames(names))
		})),
	def(KindCheck, "share.item_shares_denied", `{actor:name} cannot list the shares of {owner:name}'s item {label:text}`,
		"GET /items/{id}/shares of another user's item answers 404.",
		a3(func(ctx context.Context, w *World, actor, owner, label string) error {
			return w.CheckItemSharesDenied(ctx, actor, owner, label)
		})),
	def(KindAction, "task.take", `{user:name} takes {pronoun:possessive} client tasks`,
		"Takes the user's todo tasks as Meeco's task runner does: GET /client_task_queue?state=todo&change_state=true.",
		a1(func(ctx context.Context, w *World, name string) error { return w.TakeTasks(ctx, name) })),
	def(KindCheck, "task.took", `{user:name} took {count:number} task{count:s} to update the shares of {label:text}[ in state {state:text}]`,
		"The last \"takes … client tasks\" answered this many update_item_shares tasks for the item, each in this state.",
		a4(func(_ context.Context, w *World, name string, n int, label, state string) error {
			return w.CheckTookTasks(name, n, label, state)
		})),
	def(KindCheck, "task.state", `{owner:name}'s task to update the shares of {label:text} is {state:text}`,
		"The owner's one update_item_shares task for the item is listed under this state's filter (and no other) in this state.",
		a3(func(ctx context.Context, w *World, owner, label, state string) error {
			return w.CheckTaskState(ctx, owner, label, state)
		})),
	def(KindAction, "task.mark", `{owner:name} marks {pronoun:possessive} task to update the shares of {label:text} {state:text}`,
		"Sets the state of the owner's task for the item with PUT /client_task_queue.",
		a3(func(ctx context.Context, w *World, owner, label, state string) error {
			return w.MarkTask(ctx, owner, label, state)
		})),
	def(KindCheck, "task.denied", `{actor:name} cannot {verb:see|change} {owner:name}'s task to update the shares of {label:text}`,
		"Another user's lists, in every state, do not hold the task; PUT /client_task_queue naming it is refused and it keeps its state.",
		a4(func(ctx context.Context, w *World, actor, verb, owner, label string) error {
			return w.CheckTaskDenied(ctx, actor, verb, owner, label)
		})),
	def(KindCheck, "task.none", `{user:name} has no task to update the shares of {label:text}`,
		"The user's client task queue, in every state, holds no update_item_shares task for the item or the user's copy of it.",
		a2(func(ctx context.Context, w *World, name, label string) error {
			return w.CheckNoShareTask(ctx, name, label)
		})),
}
