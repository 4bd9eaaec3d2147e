package steps

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Server blindness (requirements BLIND-PLAIN-01, BLIND-KEYS-01,
// BLIND-LOG-01): the Vault and the Keystore must never see a scenario's
// plaintexts, passwords, raw keys or tokens in clear. Every one of them is
// a canary. When a scenario ends, the World looks for its canaries, in
// the forms a leak would take (raw, JSON-escaped, URL-escaped, base64 in
// both alphabets with and without padding, hex), in every request the
// scenario sent (URL and body: what any Vault, live or fake, would
// receive) and, when the harness runs the services itself and gives the
// World a ServerView, in the services' store and log. A hit fails the
// scenario under the BLIND requirement it breaks, naming where the canary
// was found and whose secret it is, never the secret.
//
// False alarms are kept out by what is looked for: raw and escaped forms
// only of canaries of at least minRawSearch bytes that are not also text
// the scenario sends in clear on purpose (an item label, a slot name,
// terms); encoded forms only when at least minEncoded characters long; a
// shorter plaintext only as a whole JSON string or stored field. Tokens are
// looked for in the services' log only: a service holds its own tokens.

// ServerView lets the blindness check look inside the services under
// test, which only a harness that runs them can do (the in-process fake
// Vault). Implementations must be safe for concurrent use.
type ServerView interface {
	// Mark is the position of the services' log now; the World takes it
	// when its scenario starts.
	Mark() int
	// Scan calls visit for every string the services hold for the given
	// users (Keystore and Vault user ids) and for every line their log
	// wrote since mark. where names the place without its content ("the
	// fake Vault's store: vault slot 3f2…: label"); whole says data is one
	// stored field, so that a short plaintext equal to it is a hit.
	Scan(mark int, users []string, visit func(where string, data []byte, whole bool))
}

// minEncoded is the shortest encoded form (base64, hex) searched for:
// shorter ones turn up by chance in ciphertexts, hashes and SRP values.
const minEncoded = 16

// maxBlindHits bounds the places a failure lists.
const maxBlindHits = 5

// canary is one secret of the scenario and the forms it is looked for in.
type canary struct {
	what  string   // whose and what, never the value: "Alice's KEK"
	req   string   // the requirement a leak breaks
	value string   // the plaintext, for whole-field matches ("" for keys)
	forms [][]byte // substrings that show the canary
	form  []string // the name of each form
	token bool     // looked for in the services' log only
}

func (c *canary) add(name string, b []byte, minLen int) {
	if len(b) < minLen {
		return
	}
	for _, f := range c.forms {
		if bytes.Equal(f, b) {
			return
		}
	}
	c.forms = append(c.forms, b)
	c.form = append(c.form, name)
}

// encoded adds the encodings of raw bytes. Unpadded base64 is a prefix
// of the padded form, so it finds both.
func (c *canary) encoded(b []byte) {
	c.add("base64", []byte(base64.RawStdEncoding.EncodeToString(b)), minEncoded)
	c.add("URL-safe base64", []byte(base64.RawURLEncoding.EncodeToString(b)), minEncoded)
	c.add("hex", []byte(hex.EncodeToString(b)), minEncoded)
	c.add("hex", []byte(strings.ToUpper(hex.EncodeToString(b))), minEncoded)
}

// canaryCache keeps the canaries a World made, for the forks of a load
// run: every iteration looks for the set-up's secrets again, and making
// their forms (encodings, a private key's PEM) costs more than the search.
// A fork reads its parent's cache and adds what it makes to its own, so
// that what one iteration makes never outlives it. Canaries are never
// changed once made.
type canaryCache struct {
	parent *canaryCache

	mu    sync.Mutex
	m     map[canaryKey]*canary
	keys  map[*cryppo.PrivateKey]*canary
	users map[userKey][]*canary
	// ledger are the canaries of the ledger's secrets, in its order: a
	// fork's ledger goes on from its parent's, and so does this list.
	ledger []*canary
}

// canaryKey is everything a canary is made from.
type canaryKey struct {
	kind      byte // 't' text, 'k' key bytes, 's' secret key, 'o' token
	what, req string
	value     string
	onPurpose bool // a text canary's value is text sent in clear on purpose
}

func newCanaryCache(parent *canaryCache) *canaryCache {
	cc := &canaryCache{parent: parent}
	if parent != nil {
		parent.mu.Lock()
		cc.ledger = slices.Clip(parent.ledger)
		parent.mu.Unlock()
	}
	return cc
}

func (cc *canaryCache) lookupUser(k userKey) ([]*canary, bool) {
	if cc == nil {
		return nil, false
	}
	cc.mu.Lock()
	cs, ok := cc.users[k]
	cc.mu.Unlock()
	if !ok {
		return cc.parent.lookupUser(k)
	}
	return cs, true
}

func (cc *canaryCache) storeUser(k userKey, cs []*canary) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.users == nil {
		cc.users = map[userKey][]*canary{}
	}
	cc.users[k] = slices.Clip(cs)
}

func (cc *canaryCache) lookup(k canaryKey) *canary {
	if cc == nil {
		return nil
	}
	cc.mu.Lock()
	c := cc.m[k]
	cc.mu.Unlock()
	if c == nil {
		return cc.parent.lookup(k)
	}
	return c
}

func (cc *canaryCache) lookupKey(k *cryppo.PrivateKey) *canary {
	if cc == nil {
		return nil
	}
	cc.mu.Lock()
	c := cc.keys[k]
	cc.mu.Unlock()
	if c == nil {
		return cc.parent.lookupKey(k)
	}
	return c
}

// get returns the canary of k, made by make the first time.
func (cc *canaryCache) get(k canaryKey, make func() *canary) *canary {
	if c := cc.lookup(k); c != nil {
		return c
	}
	c := make()
	cc.mu.Lock()
	if cc.m == nil {
		cc.m = map[canaryKey]*canary{}
	}
	cc.m[k] = c
	cc.mu.Unlock()
	return c
}

// privateKey returns the canary of a private key, made the first time.
func (cc *canaryCache) privateKey(k *cryppo.PrivateKey) *canary {
	if c := cc.lookupKey(k); c != nil {
		return c
	}
	c := privateKeyCanary("the private key "+k.Fingerprint(), k)
	cc.mu.Lock()
	if cc.keys == nil {
		cc.keys = map[*cryppo.PrivateKey]*canary{}
	}
	cc.keys[k] = c
	cc.mu.Unlock()
	return c
}

// textCanary is a cached canary for a plaintext string: see makeTextCanary.
func (w *World) textCanary(what, req, v string, clear []string) *canary {
	onPurpose := inClear(v, clear)
	return w.canaries.get(canaryKey{kind: 't', what: what, req: req, value: v, onPurpose: onPurpose},
		func() *canary { return makeTextCanary(what, req, v, onPurpose) })
}

// keyCanary is a cached canary for raw key bytes.
func (w *World) keyCanary(what, req string, b []byte) *canary {
	return w.canaries.get(canaryKey{kind: 'k', what: what, req: req, value: string(b)}, func() *canary { return keyCanary(what, req, b) })
}

// makeTextCanary is a canary for a plaintext string: raw and escaped
// forms when the text is long enough and not sent in clear on purpose,
// and its encodings.
func makeTextCanary(what, req, v string, onPurpose bool) *canary {
	c := &canary{what: what, req: req}
	c.encoded([]byte(v))
	if len(v) >= minRawSearch && !onPurpose {
		c.value = v
		c.add("clear", []byte(v), minRawSearch)
		if esc, err := json.Marshal(v); err == nil {
			c.add("clear (JSON-escaped)", esc[1:len(esc)-1], minRawSearch)
		}
		c.add("clear (URL-escaped)", []byte(url.QueryEscape(v)), minRawSearch)
		c.add("clear (URL-escaped)", []byte(url.PathEscape(v)), minRawSearch)
	} else if len(v) > 0 && !onPurpose {
		c.value = v // short: only a whole field or JSON string counts
	}
	return c
}

// inClear reports whether v is, or is part of, text the scenario sends in
// clear on purpose, or the other way round: such a value in a request is
// no evidence of a leak.
func inClear(v string, clear []string) bool {
	for _, s := range clear {
		if s != "" && (strings.Contains(s, v) || (len(s) >= minContains && strings.Contains(v, s))) {
			return true
		}
	}
	return false
}

// keyCanary is a canary for raw key bytes.
func keyCanary(what, req string, b []byte) *canary {
	c := &canary{what: what, req: req}
	c.encoded(b)
	return c
}

// privateKeyCanary is a canary for a private key: a 64-character run of
// the base64 of its DER, which is a line of its PEM whatever the line
// endings, and part of the one-line base64 form too.
func privateKeyCanary(what string, k *cryppo.PrivateKey) *canary {
	c := &canary{what: what, req: "BLIND-KEYS-01"}
	pem := k.PEM()
	var body []string
	for _, l := range strings.Split(strings.ReplaceAll(pem, "\r\n", "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "-----") {
			body = append(body, l)
		}
	}
	if len(body) > 2 {
		c.add("PEM", []byte(body[1]), minEncoded)
	}
	return c
}

// clearText lists the text the scenario sends in clear on purpose: item
// labels, template and slot names, share terms, user names.
func (w *World) clearText() []string {
	var out []string
	for _, u := range w.users {
		out = append(out, u.name)
	}
	for label, it := range w.items {
		out = append(out, label, it.template)
		for slot := range it.values {
			out = append(out, slot)
		}
	}
	for _, s := range w.shares {
		out = append(out, s.terms)
	}
	return out
}

// secrets lists the scenario's secrets as canaries.
func (w *World) secrets() []*canary {
	var out []*canary
	for _, u := range w.sortedUsers() {
		out = append(out, w.userCanaries(u)...)
	}
	out = append(out, w.ledgerCanaries()...)
	for _, k := range w.ledger.PrivateKeys() {
		out = append(out, w.canaries.privateKey(k))
	}
	if len(w.connNames) == 0 && len(w.items) == 0 {
		return out
	}
	clear := w.clearText()
	for i, n := range w.connNames {
		out = append(out, w.textCanary(fmt.Sprintf("connection name %d (%s)", i+1, w.digest(n)), "BLIND-PLAIN-01", n, clear))
	}
	for _, label := range sortedKeys(w.items) {
		it := w.items[label]
		for i, v := range it.history {
			out = append(out, w.textCanary(fmt.Sprintf("value %d of %q (%s)", i+1, label, w.digest(v)), "BLIND-PLAIN-01", v, clear))
		}
	}
	return out
}

// userKey names what a user's canaries are made from: her name and
// password and a hash of her sessions' secrets, so that a session that
// changes (a login, a new token) makes new canaries.
type userKey struct {
	name, password string
	sessions       uint64
}

var userKeySeed = maphash.MakeSeed()

func keyOfUser(u *user) userKey {
	var h maphash.Hash
	h.SetSeed(userKeySeed)
	for _, a := range []*client.AuthData{u.registered, u.auth, u.loggedOut, u.dead} {
		if a == nil {
			h.WriteByte(0)
			continue
		}
		h.WriteByte(1)
		for _, v := range []string{a.Secret.Reveal(), a.VaultToken.Reveal(), a.KeystoreToken.Reveal()} {
			h.WriteString(v)
			h.WriteByte(0)
		}
		for _, k := range []cryppo.SymmetricKey{a.PDK, a.KEK, a.DEK} {
			if !k.IsZero() {
				h.Write(k.Bytes())
			}
			h.WriteByte(0)
		}
	}
	return userKey{name: u.name, password: u.password, sessions: h.Sum64()}
}

// userCanaries are the canaries of a user's password and of her sessions'
// secret key, keys and tokens, made once per set of them.
func (w *World) userCanaries(u *user) []*canary {
	k := keyOfUser(u)
	if cs, ok := w.canaries.lookupUser(k); ok {
		return cs
	}
	var out []*canary
	if u.password != "" {
		out = append(out, w.textCanary(u.name+"'s password", "BLIND-KEYS-01", u.password, nil))
	}
	seen := map[string]bool{}
	for _, a := range []*client.AuthData{u.registered, u.auth, u.loggedOut, u.dead} {
		if a == nil {
			continue
		}
		if sec := a.Secret.Reveal(); sec != "" && !seen[sec] {
			seen[sec] = true
			c := makeTextCanary(u.name+"'s secret key", "BLIND-KEYS-01", sec, false)
			if i := strings.LastIndexByte(sec, '.'); i >= 0 {
				c.add("clear", []byte(sec[i+1:]), minRawSearch)
				c.add("clear", []byte(strings.ReplaceAll(sec[i+1:], "-", "")), minRawSearch)
			}
			out = append(out, c)
		}
		for _, k := range []struct {
			name string
			key  cryppo.SymmetricKey
		}{{"passphrase-derived key", a.PDK}, {"KEK", a.KEK}, {"private DEK", a.DEK}} {
			if !k.key.IsZero() && !seen[string(k.key.Bytes())] {
				seen[string(k.key.Bytes())] = true
				out = append(out, w.keyCanary(u.name+"'s "+k.name, "BLIND-KEYS-01", k.key.Bytes()))
			}
		}
		for _, t := range []client.Token{a.VaultToken, a.KeystoreToken} {
			if v := t.Reveal(); len(v) >= minRawSearch && !seen[v] {
				seen[v] = true
				c := &canary{what: u.name + "'s session token", req: "BLIND-LOG-01", token: true}
				c.add("clear", []byte(v), minRawSearch)
				out = append(out, c)
			}
		}
	}
	w.canaries.storeUser(k, out)
	return out
}

// ledgerCanaries are the canaries of the raw keys the ledger kept, in its
// order; those of a fork's parent are made once.
func (w *World) ledgerCanaries() []*canary {
	cc := w.canaries
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for _, s := range w.ledger.SecretsFrom(len(cc.ledger)) {
		req, what := "BLIND-KEYS-01", fmt.Sprintf("%s's %s", s.Actor, s.Subject)
		if strings.Contains(s.Subject, "share DEK") {
			req = "BLIND-PLAIN-01"
		}
		cc.ledger = append(cc.ledger, keyCanary(what, req, s.Bytes))
	}
	return slices.Clip(cc.ledger)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// blindHit is one canary found somewhere.
type blindHit struct {
	c     *canary
	form  string
	where string
	ex    []redact.Exchange
}

// CheckBlindness looks for the scenario's canaries in what it sent and,
// with a ServerView, in the services' store and log; see the top of this
// file. It returns a *TargetFailure under the requirement of the first
// hit, listing up to maxBlindHits places.
func (w *World) CheckBlindness(ctx context.Context) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	cs := w.secrets()
	if len(cs) == 0 {
		return nil
	}
	var hits []blindHit
	found := map[*canary]bool{}
	note := func(c *canary, form, where string, ex []redact.Exchange) {
		if !found[c] {
			found[c] = true
			hits = append(hits, blindHit{c, form, where, ex})
		}
	}
	// Exchanges up to blindFrom were checked by Checkpoint, for canaries
	// that all existed then: a secret made later cannot be in what was
	// sent before it.
	for _, r := range w.rawAfter(w.blindFrom) {
		if w.deliberate[r.Seq] {
			continue
		}
		place := func() string {
			return fmt.Sprintf("%s %s sent by %s", r.Method, redact.Path(r.Path), orSomeone(r.Actor))
		}
		rawURL := []byte(r.URL)
		for _, c := range cs {
			if c.token || found[c] {
				continue
			}
			if f := c.match(rawURL, false); f != "" {
				note(c, f, "the URL of "+place(), w.exchangeFor(r))
				continue
			}
			if f := c.matchJSON(r.Request); f != "" {
				note(c, f, "the body of "+place(), w.exchangeFor(r))
			}
		}
	}
	if w.cfg.Server != nil {
		w.cfg.Server.Scan(w.serverMark, w.userIDs(), func(where string, data []byte, whole bool) {
			for _, c := range cs {
				if found[c] {
					continue
				}
				if f := c.match(data, whole); f != "" {
					note(c, f, where, nil)
				}
			}
		})
	}
	if len(hits) == 0 {
		return nil
	}
	first := hits[0]
	tf := &TargetFailure{
		Msg: fmt.Sprintf("server blindness (%s): want %s never in clear outside the client, got it (%s) in %s",
			first.c.req, first.c.what, first.form, first.where),
		Exchanges: first.ex,
		Req:       first.c.req,
	}
	var more []string
	for _, h := range hits[1:] {
		if len(more) == maxBlindHits-1 {
			more = append(more, fmt.Sprintf("… and %d more", len(hits)-maxBlindHits))
			break
		}
		more = append(more, fmt.Sprintf("%s: %s (%s) in %s", h.c.req, h.c.what, h.form, h.where))
	}
	tf.Detail = strings.Join(more, "\n")
	return tf
}

func orSomeone(actor string) string {
	if actor == "" {
		return "the client"
	}
	return actor
}

// match returns the name of the canary's form found in data, "" for none;
// whole also matches a short plaintext equal to data.
func (c *canary) match(data []byte, whole bool) string {
	for i, f := range c.forms {
		if bytes.Contains(data, f) {
			return c.form[i]
		}
	}
	if whole && c.value != "" && string(data) == c.value {
		return "clear"
	}
	return ""
}

// matchJSON is match for a JSON request body: a short plaintext also
// counts as a whole JSON string or key that is not a Cryppo string.
func (c *canary) matchJSON(body []byte) string {
	if f := c.match(body, false); f != "" || c.value == "" || len(c.value) >= minRawSearch {
		return f
	}
	if plaintextIn(body, c.value) != "" {
		return "clear"
	}
	return ""
}

// userIDs are the Keystore and Vault user ids of the scenario's users.
func (w *World) userIDs() []string {
	var ids []string
	for _, u := range w.users {
		for _, a := range []*client.AuthData{u.registered, u.auth, u.loggedOut, u.dead} {
			if a == nil {
				continue
			}
			for _, id := range []string{a.UserID, a.KeystoreUserID} {
				if id != "" && !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
		}
	}
	return ids
}

// onPurpose marks the raw exchanges since n as sent in clear on purpose
// (a step that checks the Vault refuses plaintext): the request scan
// leaves them out. What the services keep of them is still scanned.
func (w *World) onPurpose(n int) {
	if w.deliberate == nil {
		w.deliberate = map[int]bool{}
	}
	for _, r := range w.raw()[n:] {
		w.deliberate[r.Seq] = true
	}
}

// SendValueInClear is a client that breaks BLIND-PLAIN-01 on purpose: the
// owner puts a slot's current plaintext value into PUT /items/{id} as its
// encrypted_value. The Vault must refuse it (it validates encrypted_value
// as a Cryppo string, protocol.md §3.5); the outcome is recorded for "the
// request is refused". Should the Vault keep it, the blindness check finds
// the plaintext in its store.
func (w *World) SendValueInClear(ctx context.Context, owner, slot, label string) error {
	u, it, err := w.activeOwnItem(owner, label)
	if err != nil {
		return err
	}
	v, ok := it.values[slot]
	if !ok || v == "" {
		return scenarioErrorf("item %q has no value in slot %q to send", label, slot)
	}
	cur, _, _, err := w.rawItem(ctx, u, it.id)
	if err != nil {
		return w.fail(fmt.Sprintf("%s reads item %q", owner, label), err)
	}
	var slotID string
	for _, s := range cur.Slots {
		if s.Name == slot {
			slotID = s.ID
		}
	}
	if slotID == "" {
		return &TargetFailure{Msg: fmt.Sprintf("item %q of %s: want its slot %q, got no such slot", label, owner, slot)}
	}
	n := len(w.raw())
	defer w.onPurpose(n)
	return w.act(ctx, fmt.Sprintf("%s sends the value of slot %q of %q in clear", owner, slot, label), func() error {
		return w.putSlots(ctx, u, it.id, meeco.SlotAttributes{ID: &slotID, EncryptedValue: &v})
	})
}

// SendKeyInClear is a client that breaks BLIND-KEYS-01 on purpose: it
// posts a fresh data encryption key to the Keystore unwrapped, as its
// URL-safe base64, where a Cryppo string under the KEK belongs. The
// Keystore must refuse it (UNCONFIRMED for Meeco's Keystore, which
// protocol.md does not say validates serialized keys; the fake does).
func (w *World) SendKeyInClear(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	k := cryppo.GenerateSymmetricKey()
	raw := cryppo.EncodeBase64(k.Bytes())
	n := len(w.raw())
	defer w.onPurpose(n)
	body := map[string]string{"serialized_data_encryption_key": raw}
	return w.act(ctx, fmt.Sprintf("%s stores a data encryption key in clear", name), func() error {
		_, _, err := w.call(ctx, u, client.Call{Op: "store DEK", Service: client.Keystore, Method: "POST", Path: meeco.KSDataEncryptionKeys, Body: body}, nil)
		return err
	})
}
