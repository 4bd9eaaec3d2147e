package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	tampering "github.com/vaultcheck/vaultcheck/internal/tamper"
)

// Config says where the target is and where keys come from. The harness
// fills it once per run; every scenario's World shares it.
type Config struct {
	// VaultURL and KeystoreURL are the services' base URLs.
	VaultURL, KeystoreURL string
	// SubscriptionKey is sent as Meeco-Subscription-Key to both services.
	SubscriptionKey string
	// Keys supplies the RSA keypairs of every user and connection.
	Keys keysource.Source
	// HTTPClient is the base client of every World; nil means one with a
	// 60 s timeout.
	HTTPClient *http.Client
	// Server, when set, lets the server-blindness check look inside the
	// services (their store and log): the harness sets it for the
	// in-process fake Vault. Against a URL it is nil, and the check looks
	// at what the client sent.
	Server ServerView
	// Reader is how the client opens envelopes in the tamper matrix
	// ("every tampered variant of … is rejected"); nil means
	// tampering.Strict, the reader of a conformant client. Tests plug in a
	// faulty one to show the matrix catches it.
	Reader tampering.Reader
}

// worldKey keys the World in a scenario's context.
type worldKey struct{}

// WorldFrom returns the World of the scenario whose context ctx is, or nil
// outside a scenario.
func WorldFrom(ctx context.Context) *World {
	w, _ := ctx.Value(worldKey{}).(*World)
	return w
}

// World is the state of one scenario: its users, items, connections and
// shares, the outcome of its last action, its crypto ledger and exchange
// log. Its exported methods are the actions and checks the steps bind to.
// A World belongs to one scenario and is used from one goroutine at a
// time, as godog runs a scenario's steps in order.
type World struct {
	cfg    Config
	client *client.Client
	ledger *ledger.Ledger
	log    *redact.Log

	users      map[string]*user
	items      map[string]*item // by label
	conns      map[string]*connection
	pending    map[string]*meeco.Invitation // by inviter→invitee
	shares     []*share
	keypairs   map[keypairKey]*keypairInfo
	lastAgain  *connectAgain
	last       *outcome
	pickle     *godog.Scenario
	stepType   messages.PickleStepType
	stepMark   int
	expectFail bool
	verified   *ledger.Report // the ledger's re-check by Finish

	// idt is the state of the identity-side steps (sessions, invitations,
	// Keystore keys, items' slots), made on first use.
	idt        *identityState
	serverMark int          // cfg.Server's log position when the scenario began
	deliberate map[int]bool // raw exchanges that sent a secret in clear on purpose
	blindFrom  int          // raw exchanges up to this Seq were checked for blindness (Checkpoint)
	canaries   *canaryCache // the blindness check's canaries, made once
	connNames  []string     // the names users gave connections, sent only encrypted
}

// NewWorld makes the World of one scenario: its own client, crypto ledger
// and exchange log (which keeps the raw exchanges for the checks too) over
// cfg's HTTP client.
func NewWorld(cfg Config) (*World, error) {
	w, err := newWorld(cfg)
	if err != nil {
		return nil, err
	}
	w.ledger = ledger.New()
	w.log = &redact.Log{KeepRaw: true}
	if w.client, err = w.newClient(); err != nil {
		return nil, err
	}
	return w, nil
}

// newWorld makes a World without its ledger, log and client.
func newWorld(cfg Config) (*World, error) {
	if cfg.Keys == nil {
		return nil, &HarnessError{Msg: "steps.Config has no key source"}
	}
	w := &World{
		cfg:      cfg,
		users:    map[string]*user{},
		items:    map[string]*item{},
		conns:    map[string]*connection{},
		pending:  map[string]*meeco.Invitation{},
		keypairs: map[keypairKey]*keypairInfo{},
		canaries: newCanaryCache(nil),
	}
	if cfg.Server != nil {
		w.serverMark = cfg.Server.Mark()
	}
	return w, nil
}

// newClient makes the World's Meeco client over its ledger and log.
func (w *World) newClient() (*client.Client, error) {
	hc := w.cfg.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient
	}
	c, err := client.New(client.Config{
		VaultURL:                w.cfg.VaultURL,
		KeystoreURL:             w.cfg.KeystoreURL,
		VaultSubscriptionKey:    w.cfg.SubscriptionKey,
		KeystoreSubscriptionKey: w.cfg.SubscriptionKey,
		Keys:                    w.cfg.Keys,
		Ledger:                  w.ledger,
		Log:                     w.log,
		HTTPClient:              hc,
	})
	if err != nil {
		return nil, &HarnessError{Msg: "cannot configure the Meeco client", Err: err}
	}
	return c, nil
}

// defaultHTTPClient is the base client of Worlds whose Config has none.
var defaultHTTPClient = &http.Client{Timeout: 60 * time.Second}

// Ledger is the scenario's crypto ledger.
func (w *World) Ledger() *ledger.Ledger { return w.ledger }

// Exchanges is the scenario's log of redacted HTTP exchanges.
func (w *World) Exchanges() *redact.Log { return w.log }

// BeginStep prepares the World for a step of its scenario: it marks the
// exchange log, notes the step's type (Context, Action or Outcome) and
// looks at the following step to learn whether this one may fail (see the
// package comment). godog's before-step hook calls it.
func (w *World) BeginStep(st *godog.Step) {
	w.stepMark = w.log.Len()
	w.stepType = st.Type
	w.expectFail = false
	if w.pickle == nil {
		return
	}
	for i, s := range w.pickle.Steps {
		if s.Id == st.Id {
			if i+1 < len(w.pickle.Steps) {
				w.expectFail = isRefusalStep(w.pickle.Steps[i+1].Text)
			}
			break
		}
	}
}

// Finish ends the scenario: a recorded failure no step checked fails it,
// the crypto ledger must re-verify, and no secret of the scenario may be
// found in clear outside the client (CheckBlindness). godog's after-scenario hook calls
// it.
func (w *World) Finish() error {
	var errs []error
	if o := w.last; o != nil && o.err != nil && !o.checked {
		o.checked = true
		errs = append(errs, &TargetFailure{
			Msg:       fmt.Sprintf("%s: want its failure checked by a later step, got no step checking it (the failure: %s)", o.what, describeErr(o.err)),
			Exchanges: o.exchanges, Err: o.err,
		})
	}
	if err := w.verifyLedger(); err != nil {
		errs = append(errs, err)
	}
	if err := w.CheckBlindness(context.Background()); err != nil {
		errs = append(errs, err)
	}
	for i, e := range errs {
		errs[i] = w.Seal(e)
	}
	return errors.Join(errs...)
}

// Seal prepares an error of a World method for leaving the step library:
// a *TargetFailure in its chain gets the scenario's scrubber, which keeps
// every secret and plaintext the scenario knows out of its text even if
// the target echoed one in a response, and a failure caused by a target
// that could not be exercised (no answer, a 5xx, a body that is not JSON)
// becomes a *TargetError. The Gherkin bindings seal every error; front
// ends that call World methods directly should too. It returns the sealed
// error.
func (w *World) Seal(err error) error {
	var tf *TargetFailure
	if errors.As(err, &tf) && tf.scrub == nil {
		tf.scrub = w.scrubber()
	}
	return asTargetError(err)
}

// minScrub is the shortest secret or value the scrubber replaces: shorter
// strings would hit ordinary words of a message.
const minScrub = 4

// scrubber returns a function that replaces every secret and plaintext
// the World knows (passwords, secrets, tokens, raw keys, slot values) in a
// text, longest first.
func (w *World) scrubber() func(string) string {
	type rep struct{ old, new string }
	var reps []rep
	add := func(s, r string) {
		if len(s) >= minScrub {
			reps = append(reps, rep{s, r})
		}
	}
	for _, u := range w.users {
		add(u.password, "[password]")
		for _, a := range []*client.AuthData{u.auth, u.registered, u.loggedOut, u.dead, u.short} {
			if a == nil {
				continue
			}
			sec := a.Secret.Reveal()
			add(sec, "[secret]")
			if i := strings.LastIndexByte(sec, '.'); i >= 0 {
				add(sec[i+1:], "[secret]")
				add(strings.ReplaceAll(sec[i+1:], "-", ""), "[secret]")
			}
			add(a.VaultToken.Reveal(), "[token]")
			add(a.KeystoreToken.Reveal(), "[token]")
			for _, k := range []cryppo.SymmetricKey{a.PDK, a.KEK, a.DEK} {
				if k.IsZero() {
					continue
				}
				for _, f := range keyForms(k.Bytes()) {
					add(string(f), "[key]")
				}
			}
		}
	}
	for _, it := range w.items {
		for _, v := range it.history {
			r := "[value " + w.digest(v) + "]"
			add(v, r)
			if esc, err := json.Marshal(v); err == nil {
				add(string(esc[1:len(esc)-1]), r)
			}
		}
	}
	slices.SortFunc(reps, func(a, b rep) int { return len(b.old) - len(a.old) })
	return func(s string) string {
		for _, r := range reps {
			s = strings.ReplaceAll(s, r.old, r.new)
		}
		return s
	}
}

// verifyLedger re-does every recorded crypto operation. The ledger only
// re-checks what vaultcheck's own client did with strings it kept, so a
// failure is a bug of vaultcheck, not of the target.
func (w *World) verifyLedger() error {
	rep := w.ledger.VerifyAll()
	w.verified = &rep
	if len(rep.Errors) == 0 {
		return nil
	}
	var b strings.Builder
	for i, e := range rep.Errors {
		if i == 5 {
			fmt.Fprintf(&b, "\n… and %d more", len(rep.Errors)-5)
			break
		}
		b.WriteString("\n" + e.Error())
	}
	return &HarnessError{Msg: fmt.Sprintf("the crypto ledger does not re-verify (%d of %d entries):%s",
		len(rep.Errors), w.ledger.Len(), b.String())}
}

// ---- users, items, connections and shares of a scenario ----

// namePattern is a display name: one capitalized ASCII word (HCL users
// declared with count get digits: Guest1).
const namePattern = `[A-Z][A-Za-z0-9]*`

var nameRe = regexp.MustCompile(`^` + namePattern + `$`)

type user struct {
	name     string
	password string
	auth     *client.AuthData // the current session
	// registered is the AuthData of registration, for "logged in with the
	// keys she registered".
	registered *client.AuthData
	// loggedOut is the session "logs out" ended; auth is unusable then.
	loggedOut *client.AuthData
	// dead is a second session opened and ended for "a logged-out token".
	dead *client.AuthData
	// short is the session "opens sessions valid for" opened with a short
	// valid_for, on both services.
	short *client.AuthData
	// taken are the client tasks the user last took with change_state
	// (nil before "takes … client tasks").
	taken []meeco.ClientTask
}

func (w *World) user(name string) (*user, error) {
	if u := w.users[name]; u != nil {
		return u, nil
	}
	return nil, scenarioErrorf("no user %s in this scenario (registered: %s)", name, w.userList())
}

// activeUser is user for an action: a user who logged out must log in
// again before acting.
func (w *World) activeUser(name string) (*user, error) {
	u, err := w.user(name)
	if err != nil {
		return nil, err
	}
	if u.loggedOut != nil {
		return nil, scenarioErrorf("%s logged out earlier in this scenario; log %s in again before acting", name, name)
	}
	return u, nil
}

func (w *World) userList() string {
	if len(w.users) == 0 {
		return "none"
	}
	names := make([]string, 0, len(w.users))
	for n := range w.users {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// sortedUsers lists the scenario's users by name.
func (w *World) sortedUsers() []*user {
	out := make([]*user, 0, len(w.users))
	for _, u := range w.users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *user) int { return strings.Compare(a.name, b.name) })
	return out
}

type item struct {
	label    string
	template string
	owner    *user
	id       string
	values   map[string]string // slot name → current value
	history  []string          // every value the item ever held
}

func (w *World) item(label string) (*item, error) {
	if it := w.items[label]; it != nil {
		return it, nil
	}
	labels := make([]string, 0, len(w.items))
	for l := range w.items {
		labels = append(labels, fmt.Sprintf("%q", l))
	}
	sort.Strings(labels)
	have := strings.Join(labels, ", ")
	if have == "" {
		have = "none"
	}
	return nil, scenarioErrorf("no item %q in this scenario (items: %s)", label, have)
}

// ownItem is item for a step that names its owner.
func (w *World) ownItem(owner *user, label string) (*item, error) {
	it, err := w.item(label)
	if err != nil {
		return nil, err
	}
	if it.owner != owner {
		return nil, scenarioErrorf("item %q belongs to %s, not %s", label, it.owner.name, owner.name)
	}
	return it, nil
}

// activeOwnItem is the signed-in owner and her item of that label: what a
// step that acts on an own item starts from.
func (w *World) activeOwnItem(owner, label string) (*user, *item, error) {
	u, err := w.activeUser(owner)
	if err != nil {
		return nil, nil, err
	}
	it, err := w.ownItem(u, label)
	if err != nil {
		return nil, nil, err
	}
	return u, it, nil
}

type connection struct {
	inviter, invitee *user
	// rec is each side's connection record, by user name.
	rec     map[string]meeco.Connection
	deleted map[string]bool
}

func pairKey(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "\x00" + b
}

func (w *World) connection(a, b *user) (*connection, error) {
	if c := w.conns[pairKey(a.name, b.name)]; c != nil {
		return c, nil
	}
	return nil, scenarioErrorf("%s and %s are not connected in this scenario", a.name, b.name)
}

// side is u's record of the connection.
func (c *connection) side(u *user) (meeco.Connection, error) {
	r, ok := c.rec[u.name]
	if !ok {
		return meeco.Connection{}, scenarioErrorf("%s has no record of the connection between %s and %s", u.name, c.inviter.name, c.invitee.name)
	}
	if c.deleted[u.name] {
		return meeco.Connection{}, scenarioErrorf("%s deleted the connection between %s and %s earlier in this scenario", u.name, c.inviter.name, c.invitee.name)
	}
	return r, nil
}

type share struct {
	label     string
	item      *item // the owner's item
	sender    *user
	recipient *user
	parent    *share // the share by which an on-sharer received the item
	slot      string
	terms     string
	onsharing bool
	expires   time.Time // expires_at as sent; zero for none
	id        string
	record    meeco.Share
	copyID    string   // the recipient's copy, once known
	deks      []string // encrypted DEKs seen: at creation, after each re-key
	shown     *string  // the terms the recipient saw when accepting
	deleted   bool
}

// shareTo finds the share of label to recipient (optionally from sender).
// A live share is preferred to a deleted one; two live ones cannot be told
// apart and are a scenario error.
func (w *World) shareTo(label string, recipient *user, sender *user) (*share, error) {
	var live, gone []*share
	for _, s := range w.shares {
		if s.label != label || s.recipient != recipient || (sender != nil && s.sender != sender) {
			continue
		}
		if s.deleted {
			gone = append(gone, s)
		} else {
			live = append(live, s)
		}
	}
	from := ""
	if sender != nil {
		from = " from " + sender.name
	}
	switch {
	case len(live) == 1:
		return live[0], nil
	case len(live) > 1:
		return nil, scenarioErrorf("%d shares of %q to %s%s: a share is named by item and recipient, so these cannot be told apart", len(live), label, recipient.name, from)
	case len(gone) > 0:
		return gone[len(gone)-1], nil
	}
	return nil, scenarioErrorf("no share of %q to %s%s in this scenario", label, recipient.name, from)
}

// liveShare is shareTo for steps that need the share to exist still.
func (w *World) liveShare(label string, recipient, sender *user) (*share, error) {
	s, err := w.shareTo(label, recipient, sender)
	if err != nil {
		return nil, err
	}
	if s.deleted {
		return nil, scenarioErrorf("the share of %q to %s was deleted earlier in this scenario", label, recipient.name)
	}
	return s, nil
}

// activePair looks up two users named in a step, both of whom must be
// registered.
func (w *World) activePair(a, b string) (*user, *user, error) {
	ua, err := w.activeUser(a)
	if err != nil {
		return nil, nil, err
	}
	ub, err := w.activeUser(b)
	if err != nil {
		return nil, nil, err
	}
	return ua, ub, nil
}

// liveShareTo is liveShare for a recipient named in a step: the share of
// the item labelled label to that user, from any sender.
func (w *World) liveShareTo(label, recipient string) (*user, *share, error) {
	ru, err := w.user(recipient)
	if err != nil {
		return nil, nil, err
	}
	s, err := w.liveShare(label, ru, nil)
	if err != nil {
		return nil, nil, err
	}
	return ru, s, nil
}

// keypairKey names a keypair by owner and Keystore id: an id names a
// keypair in its owner's Keystore only, so a share that names another
// user's keypair must not find that user's key here.
type keypairKey struct {
	owner *user
	id    string
}

type keypairInfo struct {
	owner *user
	id    string
	role  string
	priv  *cryppo.PrivateKey
	pub   string // the public key PEM as the Keystore holds it
}

type connectAgain struct {
	a, b *user
	resp meeco.CreateConnectionResponse
}

// ---- outcomes ----

// outcome is what the last action did.
type outcome struct {
	what      string // the action, without values: "Bob shares "My Car" with Jane"
	err       error
	exchanges []redact.Exchange
	checked   bool
}

// act runs an action and records its outcome. A failure fails the step
// (as a *TargetFailure with the failing exchange, or a *HarnessError when
// vaultcheck's own machinery broke) unless the next step checks for a
// refusal; then it is kept for that step.
func (w *World) act(ctx context.Context, what string, f func() error) error {
	return w.actJudged(ctx, what, nil, f)
}

// actJudged is act for an action whose refusal is judged on one exchange
// of several (a login makes five requests; the POST /srp/session must be
// refused): when the action succeeds, the exchange kept for "the request
// is refused" is the first that judge picks, or without judge the last
// request of the step that was not a GET (the write that should have been
// refused), not the last one the action made. When it fails with an error
// answer, it is the exchange that failed.
func (w *World) actJudged(ctx context.Context, what string, judge func(redact.Exchange) bool, f func() error) error {
	err := f()
	exs := w.lastExchange()
	if err == nil || (judge != nil && statusOf(err) == 0) {
		// Nothing refused it: the request that should have been refused
		// is the one at fault, even when the client failed later on what
		// it let through (a KEK that a wrong password cannot open).
		exs = w.judgedExchange(judge)
	}
	o := &outcome{what: what, err: err, exchanges: exs}
	w.last = o
	if err == nil {
		return nil
	}
	if e := ctxErr(ctx); e != nil {
		o.checked = true
		return e
	}
	if isHarnessCause(err) {
		o.checked = true
		return &HarnessError{Msg: what, Err: err}
	}
	var se *ScenarioError
	if errors.As(err, &se) {
		o.checked = true
		return err
	}
	if w.expectFail {
		return nil
	}
	o.checked = true
	var tf *TargetFailure
	if errors.As(err, &tf) {
		return err
	}
	return &TargetFailure{Msg: fmt.Sprintf("%s: want success, got %s", what, describeErr(err)), Exchanges: o.exchanges, Err: err}
}

// fail wraps a failed call made by a check (not an action) with the
// exchange it made.
func (w *World) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	if passThrough(err) {
		return err
	}
	if isHarnessCause(err) {
		return &HarnessError{Msg: what, Err: err}
	}
	return &TargetFailure{Msg: fmt.Sprintf("%s: want success, got %s", what, describeErr(err)), Exchanges: w.lastExchange(), Err: err}
}

// judgedExchange is the exchange of the current step that a refusal
// check judges: the first one judge picks, else the last that was not a
// GET, else the last.
func (w *World) judgedExchange(judge func(redact.Exchange) bool) []redact.Exchange {
	exs := w.log.Since(w.stepMark)
	if judge != nil {
		for _, ex := range exs {
			if judge(ex) {
				return []redact.Exchange{ex}
			}
		}
	}
	for i := len(exs) - 1; i >= 0; i-- {
		if exs[i].Method != "GET" {
			return exs[i : i+1]
		}
	}
	return w.lastExchange()
}

// lastExchange is the latest exchange of the current step, if any.
func (w *World) lastExchange() []redact.Exchange {
	exs := w.log.Since(w.stepMark)
	if len(exs) == 0 {
		return nil
	}
	return exs[len(exs)-1:]
}

// CheckRefused checks the outcome of the last action: it must have been
// refused by the target with the given HTTP status, or with any 4xx status
// when status is 0.
func (w *World) CheckRefused(status int) error {
	o := w.last
	if o == nil {
		return scenarioErrorf("no earlier step of this scenario made a request whose refusal could be checked")
	}
	o.checked = true
	want := "a refusal (HTTP 4xx)"
	if status != 0 {
		want = fmt.Sprintf("a refusal with status %d", status)
	}
	if o.err == nil {
		return &TargetFailure{Msg: fmt.Sprintf("%s: want %s, got success", o.what, want), Exchanges: o.exchanges}
	}
	got := statusOf(o.err)
	switch {
	case got == 0:
		return &TargetFailure{Msg: fmt.Sprintf("%s: want %s, got a failure without an HTTP error status: %s", o.what, want, describeErr(o.err)), Exchanges: o.exchanges, Err: o.err}
	case status != 0 && got != status:
		return &TargetFailure{Msg: fmt.Sprintf("%s: want %s, got %s", o.what, want, describeErr(o.err)), Exchanges: o.exchanges, Err: o.err}
	case status == 0 && (got < 400 || got > 499):
		return &TargetFailure{Msg: fmt.Sprintf("%s: want %s, got %s", o.what, want, describeErr(o.err)), Exchanges: o.exchanges, Err: o.err}
	}
	return nil
}

// isOutcome reports whether the current step is a Then (or an And/But
// after one): a phrase that states a situation is checked, not made.
func (w *World) isOutcome() bool { return w.stepType == messages.PickleStepType_OUTCOME }

// digest shows a plaintext value in a message: its length and the
// ledger's salted digest, which identifies it within this scenario only
// and cannot be used to confirm a guess from outside it.
func (w *World) digest(v string) string {
	return fmt.Sprintf("%d bytes %s", len(v), w.ledger.DataDigest([]byte(v)))
}

// digestValue is digest for a decrypted client.Value.
func (w *World) digestValue(v client.Value) string {
	if !v.IsSet() {
		return "no value"
	}
	return w.digest(v.Reveal())
}

// ---- what went over the wire ----

// raw lists every exchange of the scenario as it went over the wire,
// bodies unredacted: kept in memory by the exchange log for the checks of
// what was sent and returned, never printed.
func (w *World) raw() []redact.Raw { return w.log.Raw() }

// rawAfter is raw without the exchanges up to Seq seq.
func (w *World) rawAfter(seq int) []redact.Raw { return w.log.RawAfter(seq) }

// toVault reports whether a raw exchange went to the Vault (not the
// Keystore).
func (w *World) toVault(r redact.Raw) bool {
	return strings.HasPrefix(r.URL, strings.TrimRight(w.cfg.VaultURL, "/"))
}

// exchangeFor is the redacted exchange of a raw one, for a failure.
func (w *World) exchangeFor(r redact.Raw) []redact.Exchange {
	if ex, ok := w.log.Exchange(r.Seq); ok {
		return []redact.Exchange{ex}
	}
	return nil
}
