package fakevault

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Store holds the state of the fake Keystore and Vault and enforces every
// API rule. It knows nothing of HTTP: each method takes the caller's
// identity (a Keystore or Vault user id resolved from a token) and a request
// body from internal/meeco, and returns a response body or an
// *meeco.APIError. One mutex guards everything; handlers never touch
// records directly.
//
// The store holds only ciphertext, public keys, wrapped keys and SRP
// verifiers. It can encrypt to a public key (the Vault session token) and
// run the SRP server side, and it parses Cryppo strings to check their
// shape, but it never decrypts anything.
type Store struct {
	mu  sync.RWMutex
	f   FaultSet // the faults this store has; see faults.go
	now func() time.Time
	ttl time.Duration
	seq uint64

	// Keystore.
	ksUsers    map[string]*ksUser
	ksByName   map[string]*ksUser
	reserved   *reservations // usernames handed out by POST /srp/username
	challenges map[string]*ksChallenge
	ksSessions map[string]*session
	admissions map[string]*admission
	deks       map[string]*wrappedKey
	keypairs   map[string]*keypair
	ksKeypairs map[string][]*keypair // by Keystore user, creation order

	// Vault.
	users      map[string]*vUser
	usersByKey map[string]*vUser // login public key → most recent user
	vSessions  map[string]*session
	items      map[string]*item
	userItems  map[string]map[string]*item
	slots      map[string]*slot
	shares     map[string]*share
	incoming   map[string]map[string]*share // recipient → shares
	outgoing   map[string]map[string]*share // sender → shares
	itemShares map[string]map[string]*share // owner's item id → every share of it, on-shares included
	invites    map[string]*invitation
	invByToken map[string]*invitation
	conns      map[string]*connection
	userConns  map[string]map[string]*connection
	tasks      map[string]*clientTask
	userTasks  map[string]map[string]*clientTask
	templates  []*template
	tmplByID   map[string]*template
	tmplByName map[string]*template
	nodes      map[string]*classNode
	tmplSlots  map[string]*templateSlot

	sweepCount int
}

// Limits that keep one client from growing the store without bound in ways
// the real service would refuse too.
const (
	maxShortField      = 255      // names, labels, usernames, ids sent by clients
	maxTextField       = 64 << 10 // terms, descriptions
	maxPendingPerUser  = 16       // concurrent SRP challenges per user
	maxSharesPerPost   = 100
	maxSlotsPerItem    = 500
	maxPerPage         = 1000
	challengeTTL       = 5 * time.Minute
	usernameTTL        = time.Hour
	maxSessionValidFor = 30 * 24 * time.Hour
)

// NewStore returns an empty store with the seeded item templates. Only Now,
// TokenTTL and Faults of the options are used.
func NewStore(opts ...Option) *Store {
	o := collect(opts)
	s := &Store{
		now: o.Now, ttl: o.TokenTTL, f: o.Faults,
		ksUsers: map[string]*ksUser{}, ksByName: map[string]*ksUser{}, reserved: newReservations(),
		challenges: map[string]*ksChallenge{}, ksSessions: map[string]*session{},
		admissions: map[string]*admission{}, deks: map[string]*wrappedKey{},
		keypairs: map[string]*keypair{}, ksKeypairs: map[string][]*keypair{},
		users: map[string]*vUser{}, usersByKey: map[string]*vUser{}, vSessions: map[string]*session{},
		items: map[string]*item{}, userItems: map[string]map[string]*item{}, slots: map[string]*slot{},
		shares: map[string]*share{}, incoming: map[string]map[string]*share{},
		outgoing: map[string]map[string]*share{}, itemShares: map[string]map[string]*share{},
		invites: map[string]*invitation{}, invByToken: map[string]*invitation{},
		conns: map[string]*connection{}, userConns: map[string]map[string]*connection{},
		tasks: map[string]*clientTask{}, userTasks: map[string]map[string]*clientTask{},
		tmplByID: map[string]*template{}, tmplByName: map[string]*template{},
		nodes: map[string]*classNode{}, tmplSlots: map[string]*templateSlot{},
	}
	s.seedTemplates()
	return s
}

// clock returns the current time at the millisecond resolution the API
// reports, so that a stored time and its rendering agree.
func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

func (s *Store) nextSeq() uint64 { s.seq++; return s.seq }

// has reports whether the store was told to have fault f.
func (s *Store) has(f Fault) bool { return s.f.Has(f) }

// newID returns a random UUID v4, the id format of both services.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("fakevault: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// newToken returns an opaque 256-bit token, URL-safe base64 without
// padding (43 characters), so it never needs quoting in a header or a path.
func newToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("fakevault: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validToken reports whether t could be a token this store issued: the
// check that makes a garbage Authorization header a 401 before any lookup.
func validToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// mustHex decodes hex already checked by checkHex.
func mustHex(v string) []byte {
	b, _ := hex.DecodeString(v)
	return b
}

func ptr[T any](v T) *T { return &v }

// strOrNil turns "" into a JSON null.
func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// copyPtr copies an optional string so that responses never alias records.
func copyPtr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Error constructors. Messages name fields and rules, never values.

func errMissing(field string) error {
	return meeco.NewError(meeco.MissingParameter, "%s is required", field)
}

func errInvalid(field, why string) error {
	return meeco.NewError(meeco.InvalidParameter, "%s %s", field, why)
}

func errNotFound(what string) error {
	return meeco.NewError(meeco.NotFound, "%s not found", what)
}

func errForbidden(format string, args ...any) error {
	return meeco.NewError(meeco.Forbidden, format, args...)
}

func errState(format string, args ...any) error {
	return meeco.NewError(meeco.InvalidState, format, args...)
}

// checkText requires a valid UTF-8 string of at most max bytes; empty is
// allowed (use need for required fields).
func checkText(field, v string, max int) error {
	if len(v) > max {
		return errInvalid(field, fmt.Sprintf("is longer than %d bytes", max))
	}
	if !utf8.ValidString(v) {
		return errInvalid(field, "is not valid UTF-8")
	}
	return nil
}

// need requires a non-empty short string.
func need(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return errMissing(field)
	}
	return checkText(field, v, maxShortField)
}

// checkAES requires a 3-part Aes256Gcm Cryppo string: what every wrapped
// key, slot value and encrypted name is. Nothing is decrypted.
func checkAES(field, v string) error {
	e, err := cryppo.Parse(v)
	if err != nil {
		return meeco.NewError(meeco.InvalidCryppoString, "%s is not a Cryppo string (%s)", field, cryppoReason(err))
	}
	if e.Derivation != nil || e.Strategy != cryppo.AES256GCM {
		return meeco.NewError(meeco.InvalidCryppoString, "%s must be an Aes256Gcm string encrypted with a key", field)
	}
	return nil
}

// checkRSA requires a 3-part Rsa<bits> Cryppo string whose ciphertext is as
// long as the modulus the name announces: the shape of an encrypted_dek.
func checkRSA(field, v string) error {
	e, err := cryppo.Parse(v)
	if err != nil {
		return meeco.NewError(meeco.InvalidCryppoString, "%s is not a Cryppo string (%s)", field, cryppoReason(err))
	}
	if e.Derivation != nil || !e.Strategy.IsRSA() {
		return meeco.NewError(meeco.InvalidCryppoString, "%s must be an Rsa4096 string", field)
	}
	bits, _ := strconv.Atoi(strings.TrimPrefix(string(e.Strategy), "Rsa"))
	if bits < 2048 || len(e.Ciphertext)*8 != bits {
		return meeco.NewError(meeco.InvalidCryppoString, "%s: ciphertext length does not match %s", field, e.Strategy)
	}
	return nil
}

// cryppoReason names the kind of a cryppo error without its detail, which
// could quote a fragment of the input.
func cryppoReason(err error) string {
	if ce, ok := err.(*cryppo.Error); ok && ce.Kind != nil {
		return ce.Kind.Error()
	}
	return "unreadable"
}

// minRSABits is the smallest login or connection key the fake accepts. The
// real Vault takes any RSA public key PEM; Meeco's SDK makes 4096-bit keys.
// 2048 lets tests use cheap keys without admitting toy ones.
const minRSABits = 2048

// checkPEM requires an RSA public key PEM of at least minRSABits.
func checkPEM(field, v string) error {
	if v == "" {
		return errMissing(field)
	}
	pub, err := cryppo.ParsePublicKeyPEM(v)
	if err != nil {
		return errInvalid(field, "is not an RSA public key PEM ("+cryppoReason(err)+")")
	}
	if pub.Bits() < minRSABits {
		return errInvalid(field, fmt.Sprintf("is a %d-bit key, want at least %d", pub.Bits(), minRSABits))
	}
	return nil
}

// checkHash requires a lowercase hex HMAC-SHA256 (64 characters).
func checkHash(field, v string) error {
	if len(v) != 64 {
		return errInvalid(field, "must be 64 lowercase hex characters")
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return errInvalid(field, "must be 64 lowercase hex characters")
		}
	}
	return nil
}

// checkHex requires non-empty hex of at most max characters.
func checkHex(field, v string, max int) error {
	if v == "" {
		return errMissing(field)
	}
	if len(v) > max {
		return errInvalid(field, fmt.Sprintf("is longer than %d hex characters", max))
	}
	if _, err := hex.DecodeString(v); err != nil {
		return errInvalid(field, "is not hex")
	}
	return nil
}

// Page selects one page of a list: After is the next_page_after cursor of
// the previous page, PerPage the page size (0: meeco.DefaultPerPage), Order
// "asc" (oldest first, the default) or "desc".
type Page struct {
	After   string
	PerPage int
	Order   string
}

// cursor is an opaque position in a list: the creation sequence number of
// the last record returned. Using seq rather than an id keeps a cursor valid
// when that record is deleted between two pages.
func cursorOf(seq uint64) string { return "c" + strconv.FormatUint(seq, 10) }

func parseCursor(c string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimPrefix(c, "c"), 10, 64)
	if err != nil || !strings.HasPrefix(c, "c") {
		return 0, errInvalid("next_page_after", "is not a cursor this server issued")
	}
	return n, nil
}

// paginate sorts recs by seq in the page's order and cuts the page after
// the cursor.
func paginate[T any](faults FaultSet, recs []T, seqOf func(T) uint64, p Page) ([]T, meeco.Meta, *string, error) {
	per := p.PerPage
	if per == 0 {
		per = meeco.DefaultPerPage
	}
	if per < 0 {
		return nil, meeco.Meta{}, nil, errInvalid("per_page", "must be positive")
	}
	per = min(per, maxPerPage)
	if faults.Has(FaultPagePerPageIgnored) {
		per = max(len(recs), 1)
	}
	desc := false
	switch p.Order {
	case "", "asc", "ASC":
	case "desc", "DESC":
		desc = true
	default:
		return nil, meeco.Meta{}, nil, errInvalid("order", "must be asc or desc")
	}
	slices.SortFunc(recs, func(a, b T) int {
		x, y := seqOf(a), seqOf(b)
		if desc {
			x, y = y, x
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	start := 0
	if p.After != "" {
		after, err := parseCursor(p.After)
		if err != nil {
			return nil, meeco.Meta{}, nil, err
		}
		start = len(recs)
		for i, r := range recs {
			if q := seqOf(r); (!desc && q > after) || (desc && q < after) {
				start = i
				break
			}
		}
	}
	end := min(start+per, len(recs))
	page := recs[start:end]
	meta := meeco.Meta{
		OrderBy: "created_at", Order: "asc", PerPage: per, CurrentCursor: strOrNil(p.After),
		RecordsCount: len(recs), Page: start/per + 1,
		PageCount: int(math.Ceil(float64(len(recs)) / float64(per))),
	}
	if desc {
		meta.Order = "desc"
	}
	var next *string
	switch {
	case end < len(recs) && len(page) > 0 && faults.Has(FaultPageCursorSkips):
		meta.NextPageExists = true
		next = ptr(cursorOf(seqOf(recs[end])))
	case end < len(recs) && len(page) > 0, len(page) > 0 && faults.Has(FaultPageNextOnLast):
		meta.NextPageExists = true
		next = ptr(cursorOf(seqOf(page[len(page)-1])))
	}
	return page, meta, next, nil
}

// splitList reads a comma-joined query list (the SDK joins arrays with
// commas), dropping empty elements.
func splitList(v string) []string {
	if v == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// sweep drops expired sessions, challenges, admissions and reservations.
// It runs from write paths every 256 calls so that an idle store costs
// nothing and a busy one stays bounded.
func (s *Store) sweep() {
	s.sweepCount++
	if s.sweepCount%256 != 0 {
		return
	}
	now := s.now()
	for k, v := range s.ksSessions {
		if now.After(v.expires) {
			delete(s.ksSessions, k)
		}
	}
	for k, v := range s.vSessions {
		if now.After(v.expires) {
			delete(s.vSessions, k)
		}
	}
	for k, v := range s.challenges {
		if now.After(v.expires) {
			delete(s.challenges, k)
		}
	}
	for k, v := range s.admissions {
		if now.After(v.expires) {
			delete(s.admissions, k)
		}
	}
	s.reserved.expire(now)
}

// addTo inserts v under two keys of a nested index.
func addTo[V any](m map[string]map[string]V, outer, inner string, v V) {
	in := m[outer]
	if in == nil {
		in = map[string]V{}
		m[outer] = in
	}
	in[inner] = v
}

// delFrom removes inner from a nested index, dropping empty maps.
func delFrom[V any](m map[string]map[string]V, outer, inner string) {
	if in := m[outer]; in != nil {
		delete(in, inner)
		if len(in) == 0 {
			delete(m, outer)
		}
	}
}
