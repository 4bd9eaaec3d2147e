package steps

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"
)

// The Gherkin bindings: one table of phrase → World method. Initializer
// registers it with godog; Definitions returns it for `vaultcheck vet` and
// other front ends, so every consumer sees the same phrases.

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

// Definition is one step definition: the pattern godog matches step text
// against, its source (Text), what it does (Doc) and its kind.
type Definition struct {
	Pattern *regexp.Regexp
	Text    string
	Doc     string
	Kind    StepKind
	handler any
}

// Definitions returns the step table Initializer registers, in order.
func Definitions() []Definition { return slices.Clone(table) }

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

// Pattern fragments. A display name is one capitalized word; lists read
// "Alice", "Alice and Bob", "Alice, Bob and Jane"; pronouns and
// possessives may be she/her, he/his or they/their.
const (
	reName   = `(` + namePattern + `)`
	reNames  = `(` + namePattern + `(?:(?:, ` + namePattern + `)* and ` + namePattern + `)?)`
	reQuoted = `"([^"]*)"`
	rePoss   = `(?:her|his|their)`
	rePron   = `(?:she|he|they)`
	reToken  = `(no token|a malformed token|a logged-out token|` + rePoss + ` old token)`
	reSlots  = `(slots? "[^"]*"(?:(?:, "[^"]*")* and "[^"]*")?)`
)

// The refusal assertions, which the World looks ahead for.
const (
	patRefused       = `^the request is refused$`
	patRefusedStatus = `^the request is refused with status (\d+)$`
)

var refusalRes = []*regexp.Regexp{regexp.MustCompile(patRefused), regexp.MustCompile(patRefusedStatus)}

// isRefusalStep reports whether a step's text is a refusal assertion.
func isRefusalStep(text string) bool {
	for _, re := range refusalRes {
		if re.MatchString(text) {
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

func a7[A, B, C, D, E, F, G any](f func(context.Context, *World, A, B, C, D, E, F, G) error) func(context.Context, A, B, C, D, E, F, G) error {
	return func(ctx context.Context, a A, b B, c C, d D, e E, f2 F, g G) error {
		w, err := world(ctx)
		if err != nil {
			return err
		}
		return w.Seal(f(ctx, w, a, b, c, d, e, f2, g))
	}
}

func def(kind StepKind, pattern, doc string, handler any) Definition {
	return Definition{Pattern: regexp.MustCompile(pattern), Text: pattern, Doc: doc, Kind: kind, handler: handler}
}

// table is the step library. It is built once and never changed.
var table = []Definition{
	// ---- users ----
	def(KindAction, `^`+reName+` registers with password `+reQuoted+`$`,
		"Signs the user up as the CLI's users:create does (username from the Keystore, a fresh secret, SRP registration, KEK, login keypair, Vault user, DEK) with this password.",
		a2(func(ctx context.Context, w *World, name, pw string) error { return w.RegisterUser(ctx, name, pw) })),
	def(KindAction, `^`+reName+` is a registered user$`,
		"Signs the user up with a random password.",
		a1(func(ctx context.Context, w *World, name string) error { return w.RegisterUser(ctx, name, "") })),
	def(KindAction, `^users `+reNames+` are registered$`,
		"Signs each user up with a random password.",
		a1(func(ctx context.Context, w *World, names string) error {
			return w.RegisterUsers(ctx, splitNames(names))
		})),
	def(KindAction, `^`+reName+` logs in$`,
		"Logs the user in again (SRP, KEK, login keypair, Vault session, DEK); the new session replaces the old.",
		a1(func(ctx context.Context, w *World, name string) error { return w.Login(ctx, name) })),
	def(KindAction, `^`+reName+` logs in with the wrong password `+reQuoted+`$`,
		"Tries to log the user in with a password that is not hers; follow it with a refusal check.",
		a2(func(ctx context.Context, w *World, name, pw string) error { return w.LoginWithPassword(ctx, name, pw) })),
	def(KindAction, `^`+reName+` logs out$`,
		"Ends the user's Vault and Keystore sessions; the old tokens are kept for \"her old token\" checks.",
		a1(func(ctx context.Context, w *World, name string) error { return w.Logout(ctx, name) })),
	def(KindCheck, `^`+reName+`'s secret key is well formed$`,
		"The secret reads 1.<username>.<base58 of 32 bytes in groups of six> and never went over the wire.",
		a1(func(_ context.Context, w *World, name string) error { return w.CheckSecretWellFormed(name) })),
	def(KindCheck, `^`+reName+`'s key encryption key is stored wrapped with `+rePoss+` passphrase-derived key$`,
		"The Keystore's KEK is canonical Aes256Gcm, opens with the PDK derived again from password and secret, equals the registered KEK; no raw KEK or PDK was sent.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckKEKStored(ctx, name) })),
	def(KindCheck, `^`+reName+`'s data encryption key is stored wrapped with `+rePoss+` key encryption key$`,
		"The Vault profile names the DEK; the Keystore's DEK is canonical Aes256Gcm and opens with the KEK to the registered DEK; no raw DEK was sent.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckDEKStored(ctx, name) })),
	def(KindCheck, `^`+reName+`'s login keypair is an RSA-(\d+) key with public exponent (\d+)$`,
		"The Keystore's \"auth\" keypair has this modulus size and exponent and is the registered key, its PEM exactly as registered at the Vault.",
		a3(func(ctx context.Context, w *World, name string, bits, e int) error {
			return w.CheckLoginKeypair(ctx, name, bits, e)
		})),
	def(KindCheck, `^`+reName+`'s login keypair is stored with its private key wrapped with `+rePoss+` key encryption key$`,
		"The login private key is canonical Aes256Gcm under the KEK, PKCS#1 PEM as node-forge writes it, and matches the public key.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckLoginKeypairStored(ctx, name) })),
	def(KindCheck, `^the public keys `+reNames+` sent are PEM as node-forge writes them$`,
		"Every public_key in the users' requests is SPKI PEM with 64-character lines and CRLF, exactly what node-forge (and cryppo's writer) produce.",
		a1(func(_ context.Context, w *World, names string) error { return w.CheckPublicKeysPEM(splitNames(names)) })),
	def(KindCheck, `^`+reName+` can read `+rePoss+` own profile$`,
		"GET /me answers with the user's id and DEK id.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckProfile(ctx, name) })),
	def(KindCheck, `^`+reName+` is logged in with the keys `+rePron+` registered$`,
		"After a login the PDK, KEK, DEK, login key, user id and DEK id are those of registration.",
		a1(func(_ context.Context, w *World, name string) error { return w.CheckLoggedInWithRegisteredKeys(name) })),
	def(KindCheck, `^`+reNames+` have different keys at every level of the hierarchy$`,
		"No two users share a secret, PDK, KEK, DEK, login keypair, token, user id or DEK id.",
		a1(func(_ context.Context, w *World, names string) error { return w.CheckDistinctKeys(splitNames(names)) })),

	// ---- items ----
	def(KindAction, `^`+reName+` (?:creates|has) a `+reQuoted+` item `+reQuoted+` with:$`,
		"Creates an item of the template with the table's slot values (| slot | value |), each encrypted with the owner's DEK. Items are named by label.",
		a4(func(ctx context.Context, w *World, owner, tmpl, label string, t *godog.Table) error {
			rows, err := slotTable(t)
			if err != nil {
				return err
			}
			return w.CreateItem(ctx, owner, tmpl, label, rows)
		})),
	def(KindAction, `^`+reName+` changes slot `+reQuoted+` of `+reQuoted+` to `+reQuoted+`$`,
		"Sets one slot of an own item to a new value (PUT /items/{id}).",
		a4(func(ctx context.Context, w *World, owner, slot, label, value string) error {
			return w.ChangeSlot(ctx, owner, slot, label, value)
		})),
	def(KindCheck, `^`+reName+` sees `+rePoss+` item `+reQuoted+` with:$`,
		"GET /items/{id} decrypts with the owner's DEK to the table's values (compared by digest, never printed).",
		a3(func(ctx context.Context, w *World, owner, label string, t *godog.Table) error {
			rows, err := slotTable(t)
			if err != nil {
				return err
			}
			return w.CheckItem(ctx, owner, label, rows)
		})),
	def(KindCheck, `^every slot value of `+reQuoted+` is stored encrypted with `+reName+`'s data encryption key$`,
		"Every slot with a value holds canonical Aes256Gcm that opens with the owner's DEK to the current value; slots without one hold none.",
		a2(func(ctx context.Context, w *World, label, owner string) error {
			return w.CheckStoredEncrypted(ctx, label, owner)
		})),
	def(KindCheck, `^the Vault holds no plaintext of `+reQuoted+`$`,
		"No value the item ever held appears in the raw JSON of GET /items/{id} or GET /items, for its owner and recipients.",
		a1(func(ctx context.Context, w *World, label string) error { return w.CheckNoPlaintext(ctx, label) })),

	// ---- connections ----
	def(KindAction, `^`+reName+` invites `+reName+` to connect as `+reQuoted+`$`,
		"The inviter makes a connection keypair and an invitation, naming the invitee (the name encrypted with her DEK).",
		a3(func(ctx context.Context, w *World, from, to, name string) error { return w.Invite(ctx, from, to, name) })),
	def(KindAction, `^`+reName+` accepts `+reName+`'s invitation as `+reQuoted+`$`,
		"The invitee makes a keypair of his own and creates the connection with the invitation token.",
		a3(func(ctx context.Context, w *World, to, from, name string) error {
			return w.AcceptInvitation(ctx, to, from, name)
		})),
	def(KindState, `^`+reName+` and `+reName+` are connected$`,
		"Given/When: connects the two as the SDK's createConnection does (each names the other by display name). Then: the Vault pairs their connection records.",
		a2(func(ctx context.Context, w *World, a, b string) error {
			if w.isOutcome() {
				return w.CheckConnected(ctx, a, b)
			}
			return w.Connect(ctx, a, b)
		})),
	def(KindAction, `^`+reName+` and `+reName+` connect again$`,
		"Two connected users go through invitation and acceptance again; the Vault must answer for the existing connection.",
		a2(func(ctx context.Context, w *World, a, b string) error { return w.ConnectAgain(ctx, a, b) })),
	def(KindAction, `^`+reName+` deletes `+rePoss+` connection to `+reName+`$`,
		"Deletes the user's side of the connection.",
		a2(func(ctx context.Context, w *World, by, other string) error { return w.DeleteConnection(ctx, by, other) })),
	def(KindCheck, `^`+reName+` sees `+reName+`'s connection public key and `+reName+` sees `+reName+`'s$`,
		"Each side's record carries the other's connection public key and keypair id, the key the other holds in its Keystore.",
		a4(func(ctx context.Context, w *World, a, b, b2, a2 string) error {
			if a != a2 || b != b2 {
				return scenarioErrorf("the phrase must name the same two users both ways (%s/%s, %s/%s)", a, a2, b, b2)
			}
			return w.CheckConnectionKeys(ctx, a, b)
		})),
	def(KindCheck, `^each side of the connection between `+reName+` and `+reName+` has its own keypair$`,
		"Each side's keypair is in its own Keystore, RSA-4096/65537, wrapped under its KEK, distinct from the other's and from login keys, unreadable by the other side.",
		a2(func(ctx context.Context, w *World, a, b string) error { return w.CheckConnectionKeypairs(ctx, a, b) })),
	def(KindCheck, `^`+reName+`'s name for the connection to `+reName+` decrypts to `+reQuoted+`$`,
		"The record's encrypted_recipient_name is canonical Aes256Gcm, opens with the user's DEK to the name, and not with the other side's DEK.",
		a3(func(ctx context.Context, w *World, owner, other, name string) error {
			return w.CheckConnectionName(ctx, owner, other, name)
		})),
	def(KindCheck, `^the Vault reports that the connection existed already$`,
		"The answer to connecting again has connection_existed_already: true and the existing connection.",
		a0(func(_ context.Context, w *World) error { return w.CheckConnectionExisted() })),
	def(KindCheck, `^`+reName+` has (\d+) connections?$`,
		"GET /connections lists this many connections.",
		a2(func(ctx context.Context, w *World, name string, n int) error {
			return w.CheckConnectionCount(ctx, name, n)
		})),

	// ---- shares ----
	def(KindAction, `^`+reName+` shares (?:slot `+reQuoted+` of )?`+reQuoted+` with `+reName+`( again)?(?: with terms `+reQuoted+`)?( allowing on-sharing)?$`,
		"Shares an own item (or one slot of it) with a connected user: a fresh share DEK wrapped to the recipient's connection key, values re-encrypted with verification hashes. \"with terms\" makes the recipient accept first; \"allowing on-sharing\" lets him share it on; \"again\" marks a second share to the same recipient.",
		a7(func(ctx context.Context, w *World, sender, slot, label, recipient, again, terms, onsharing string) error {
			return w.Share(ctx, sender, label, recipient, ShareOptions{Slot: slot, Terms: terms, Onsharing: onsharing != "", Again: again != ""})
		})),
	def(KindAction, `^`+reName+` shares `+reQuoted+` with `+reName+` until `+reQuoted+`$`,
		"Shares an own item with a connected user until a date (yyyy-MM-dd, midnight UTC) or an RFC 3339 time, sent as expires_at.",
		a4(func(ctx context.Context, w *World, sender, label, recipient, until string) error {
			return w.ShareUntil(ctx, sender, label, recipient, until)
		})),
	def(KindCheck, `^the share of `+reQuoted+` to `+reName+` expires at `+reQuoted+`$`,
		"Both the recipient and the sender read the share's expires_at as that instant, written as JS toISOString writes it.",
		a3(func(ctx context.Context, w *World, label, recipient, until string) error {
			return w.CheckShareExpiry(ctx, label, recipient, until)
		})),
	def(KindAction, `^`+reName+` shares the `+reQuoted+` `+rePron+` received from `+reName+` with `+reName+`$`,
		"On-shares a received item: the values re-encrypted under a new DEK, the owner's verification keys passed on, no hash of the sender's own.",
		a4(func(ctx context.Context, w *World, sender, label, from, recipient string) error {
			return w.OnShare(ctx, sender, label, from, recipient)
		})),
	def(KindAction, `^`+reName+` accepts the share of `+reQuoted+` from `+reName+`$`,
		"Reads the share (its terms are shown) and accepts it.",
		a3(func(ctx context.Context, w *World, recipient, label, sender string) error {
			return w.Accept(ctx, recipient, label, sender)
		})),
	def(KindAction, `^`+reName+` deletes the share of `+reQuoted+` to `+reName+`$`,
		"Deletes the share (its sender, owner or recipient may).",
		a3(func(ctx context.Context, w *World, by, label, recipient string) error {
			return w.DeleteShare(ctx, by, label, recipient)
		})),
	def(KindAction, `^`+reName+` updates the shares of `+reQuoted+`$`,
		"Re-keys every share of the item (one new DEK for all, slots re-encrypted), by running the Vault's update_item_shares tasks.",
		a2(func(ctx context.Context, w *World, owner, label string) error {
			return w.UpdateShares(ctx, owner, label)
		})),
	def(KindCheck, `^the share of `+reQuoted+` to `+reName+` has an encrypted DEK of the form `+reQuoted+`$`,
		"The encrypted DEK matches the form around \"<...>\", the ciphertext as long as the named RSA modulus, canonical.",
		a3(func(ctx context.Context, w *World, label, recipient, form string) error {
			return w.CheckEncryptedDEKForm(ctx, label, recipient, form)
		})),
	def(KindCheck, `^the share of `+reQuoted+` to `+reName+` is `+reQuoted+`$`,
		"Sender and recipient both read this acceptance_required state.",
		a3(func(ctx context.Context, w *World, label, recipient, state string) error {
			return w.CheckShareState(ctx, label, recipient, state)
		})),
	def(KindCheck, `^`+reName+` sees the share of `+reQuoted+` from `+reName+` with:$`,
		"The recipient reads the share as the SDK does (DEK from his keypair, values decrypted, hashes verified) and gets the table's values.",
		a4(func(ctx context.Context, w *World, recipient, label, sender string, t *godog.Table) error {
			rows, err := slotTable(t)
			if err != nil {
				return err
			}
			return w.CheckSharedItem(ctx, recipient, label, sender, rows)
		})),
	def(KindCheck, `^`+reName+` has (\d+) incoming shares?$`,
		"GET /incoming_shares lists this many shares.",
		a2(func(ctx context.Context, w *World, name string, n int) error {
			return w.CheckShareCount(ctx, name, n, true)
		})),
	def(KindCheck, `^`+reName+` has (\d+) outgoing shares?$`,
		"GET /outgoing_shares lists this many shares.",
		a2(func(ctx context.Context, w *World, name string, n int) error {
			return w.CheckShareCount(ctx, name, n, false)
		})),
	def(KindCheck, `^`+reName+` has (\d+) items? received from `+reName+`$`,
		"GET /items holds this many items that came by a share from that sender.",
		a3(func(ctx context.Context, w *World, name string, n int, from string) error {
			return w.CheckReceivedItems(ctx, name, n, from)
		})),
	def(KindCheck, `^the share of `+reQuoted+` to `+reName+` is gone for `+reNames+`$`,
		"For each party: GET of the share (and, for the recipient, its item and copy) answers 404 and no list holds it.",
		a3(func(ctx context.Context, w *World, label, recipient, names string) error {
			return w.CheckShareGone(ctx, label, recipient, splitNames(names))
		})),
	def(KindCheck, `^the encrypted DEK of the share of `+reQuoted+` to `+reName+` opens with `+reName+`'s connection key only$`,
		"The share's keypair_external_id is the recipient's side of the connection, its key opens the DEK, and every other private key of the scenario fails with ErrDecrypt.",
		a3(func(ctx context.Context, w *World, label, recipient, keyOwner string) error {
			return w.CheckShareKeyOnly(ctx, label, recipient, keyOwner)
		})),
	def(KindCheck, `^the slot values of the share of `+reQuoted+` to `+reName+` decrypt with the share's key only$`,
		"Every value of the recipient's copy is canonical Aes256Gcm that opens with the share DEK to the owner's value and with no user's DEK, KEK or PDK.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckSlotsShareKeyOnly(ctx, label, recipient)
		})),
	def(KindCheck, `^`+reName+`'s copy of `+reQuoted+` holds no value for `+reSlots+`$`,
		"The recipient's copy has no value or verification key for these slots, and their plaintexts never reached him.",
		a3(func(ctx context.Context, w *World, recipient, label, slots string) error {
			return w.CheckNoValueFor(ctx, recipient, label, splitQuoted(slots))
		})),
	def(KindCheck, `^every slot of the share of `+reQuoted+` to `+reName+` has a value verification hash that verifies$`,
		"Every shared value has a 64-byte verification key (under the share DEK) and a lowercase hex HMAC-SHA256 hash that matches.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckVerificationHashes(ctx, label, recipient)
		})),
	def(KindCheck, `^a tampered copy of the share of `+reQuoted+` to `+reName+` is rejected$`,
		"Flipped bytes in a value's ciphertext, tag or IV, in a verification key, or in the wrapped DEK fail to decrypt; a changed hash or value fails the HMAC check.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckTamperedShare(ctx, label, recipient)
		})),
	def(KindCheck, `^`+reName+` cannot read the share of `+reQuoted+` before accepting it$`,
		"While the share waits for acceptance its encrypted DEK is null in the share and its item, and the recipient's client cannot read it.",
		a2(func(ctx context.Context, w *World, recipient, label string) error {
			return w.CheckCannotReadBeforeAccepting(ctx, recipient, label)
		})),
	def(KindCheck, `^`+reName+` was shown the terms `+reQuoted+`$`,
		"The share the user accepted carried these terms.",
		a2(func(_ context.Context, w *World, recipient, terms string) error {
			return w.CheckShownTerms(recipient, terms)
		})),
	def(KindCheck, `^`+reName+` has a task to update the shares of `+reQuoted+`$`,
		"The owner's client task queue holds an update_item_shares task for the item, in state todo.",
		a2(func(ctx context.Context, w *World, owner, label string) error { return w.CheckTask(ctx, owner, label) })),
	def(KindCheck, `^the share of `+reQuoted+` to `+reName+` has a new encrypted DEK$`,
		"The recipient reads another encrypted DEK than the share was created with, opening to another key.",
		a2(func(ctx context.Context, w *World, label, recipient string) error {
			return w.CheckNewEncryptedDEK(ctx, label, recipient)
		})),
	def(KindCheck, `^the share of `+reQuoted+` to `+reName+` has owner `+reName+` and sender `+reName+`$`,
		"Recipient and sender read these owner_id and sender_id (and the recipient_id).",
		a4(func(ctx context.Context, w *World, label, recipient, owner, sender string) error {
			return w.CheckOwnerSender(ctx, label, recipient, owner, sender)
		})),

	// ---- outcomes ----
	def(KindCheck, patRefused,
		"The previous action was refused by the target with a 4xx status.",
		a0(func(_ context.Context, w *World) error { return w.CheckRefused(0) })),
	def(KindCheck, patRefusedStatus,
		"The previous action was refused by the target with this status.",
		a1(func(_ context.Context, w *World, status int) error { return w.CheckRefused(status) })),

	// ---- crypto ----
	def(KindCheck, `^every encrypted field the Vault returned to `+reNames+` is a canonical Cryppo string$`,
		"After reading back everything they hold, every encrypted field ever returned to the users parses and re-serializes to itself; RSA where keys are wrapped to a public key, AES-GCM elsewhere.",
		a1(func(ctx context.Context, w *World, names string) error {
			return w.CheckEncryptedFieldsCanonical(ctx, splitNames(names))
		})),
	def(KindCheck, `^every symmetric ciphertext is `+reQuoted+` with a (\d+)-byte IV, a (\d+)-byte tag and AAD `+reQuoted+`$`,
		"Every AES field sent or returned is canonical, of this strategy, IV and tag size and AAD.",
		a4(func(_ context.Context, w *World, strategy string, iv, tag int, aad string) error {
			return w.CheckSymmetricCiphertexts(AESForm{Strategy: strategy, IV: iv, Tag: tag, AAD: aad})
		})),
	def(KindCheck, `^every wrapped share key is `+reQuoted+` with the empty artifacts `+reQuoted+`$`,
		"Every encrypted_dek and dek sent or returned is canonical, of this strategy, with exactly these artifacts and a ciphertext as long as the modulus.",
		a2(func(_ context.Context, w *World, strategy, artifacts string) error {
			return w.CheckWrappedShareKeys(RSAForm{Strategy: strategy, Artifacts: artifacts})
		})),
	def(KindCheck, `^every keypair `+reNames+` made is RSA-(\d+) with public exponent (\d+)$`,
		"Every keypair the users stored in their Keystores has this size and exponent, its private key wrapped under the owner's KEK as node-forge PEM.",
		a3(func(ctx context.Context, w *World, names string, bits, e int) error {
			return w.CheckAllKeypairs(ctx, splitNames(names), bits, e)
		})),
	def(KindCheck, `^every key encryption key, data encryption key and share key is (\d+) bytes$`,
		"Every stored KEK and DEK and every share key a recipient can open unwraps to this many bytes.",
		a1(func(ctx context.Context, w *World, n int) error { return w.CheckKeySizes(ctx, n) })),
	def(KindCheck, `^a tampered copy of `+reName+`'s wrapped key encryption key is rejected$`,
		"The stored KEK opens with the PDK; copies with a flipped ciphertext, tag or IV byte fail with ErrDecrypt.",
		a1(func(ctx context.Context, w *World, name string) error { return w.CheckTamperedKEK(ctx, name) })),
	def(KindCheck, `^the crypto ledger records a share key generated by `+reName+` and opened by `+reName+`$`,
		"The ledger holds one share key generated and RSA-wrapped by the sender and unwrapped by the recipient, with one fingerprint.",
		a2(func(_ context.Context, w *World, sender, recipient string) error {
			return w.CheckLedgerShareKey(sender, recipient)
		})),
	def(KindCheck, `^the crypto ledger re-verifies$`,
		"Every crypto operation recorded so far is re-done and gives the recorded result (every scenario also does this when it ends).",
		a0(func(_ context.Context, w *World) error { return w.CheckLedger() })),

	// ---- access control ----
	def(KindCheck, `^`+reName+` cannot (read|update|delete) `+reName+`'s item `+reQuoted+`$`,
		"A user who does not own the item gets 404 for it (its slots and list too, when reading), and the owner's item is unchanged.",
		a4(func(ctx context.Context, w *World, actor, verb, owner, label string) error {
			return w.CheckCannotAccessItem(ctx, actor, verb, owner, label)
		})),
	def(KindCheck, `^`+reName+` cannot (read|delete) the share of `+reQuoted+` to `+reName+`$`,
		"A user who is neither sender nor recipient gets 404 for the share, its item and from DELETE, and the share stays.",
		a4(func(ctx context.Context, w *World, actor, verb, label, recipient string) error {
			return w.CheckCannotAccessShare(ctx, actor, verb, label, recipient)
		})),
	def(KindCheck, `^reading `+reName+`'s item `+reQuoted+` with `+reToken+` is refused with status (\d+)$`,
		"GET /items/{id} with no token, a malformed one, the token of an ended session or the old token after logging out is refused with this status.",
		a4(func(ctx context.Context, w *World, owner, label, token string, status int) error {
			k, err := ParseTokenKind(token)
			if err != nil {
				return err
			}
			return w.CheckItemRefusedWith(ctx, owner, label, k, status)
		})),
	def(KindCheck, `^reading the share of `+reQuoted+` as `+reName+` with `+reToken+` is refused with status (\d+)$`,
		"GET of the share, as one of its parties but with a bad token, is refused with this status.",
		a4(func(ctx context.Context, w *World, label, reader, token string, status int) error {
			k, err := ParseTokenKind(token)
			if err != nil {
				return err
			}
			return w.CheckShareRefusedWith(ctx, label, reader, k, status)
		})),
	def(KindCheck, `^reading `+reName+`'s key encryption key with `+reToken+` is refused with status (\d+)$`,
		"Keystore GET /key_encryption_key with a bad token is refused with this status.",
		a3(func(ctx context.Context, w *World, owner, token string, status int) error {
			k, err := ParseTokenKind(token)
			if err != nil {
				return err
			}
			return w.CheckKEKRefusedWith(ctx, owner, k, status)
		})),
}
