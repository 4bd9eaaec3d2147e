// Package ledger records every cryptographic operation a vaultcheck client
// performs, so that a scenario can show and re-check what happened to each
// key and value.
//
// An Entry says what was done (Op), to what (Subject, e.g. "KEK", "share DEK
// for share <id>", "slot vin of item <id>"), by whom (Actor), with which key
// (by fingerprint only), in which format (the Cryppo strategy), what came
// out (the serialized ciphertext, which is not secret) and a digest of the
// plaintext. Key material is digested with cryppo.Fingerprint, so the same
// key has the same name in every entry (the DEK wrapped under the KEK shows
// the fingerprint of the "generate DEK" entry). Data plaintexts are
// digested with an HMAC under a random per-ledger salt instead: slot values
// are often short and guessable ("yes", a VIN), and a plain hash in a
// report would give them away.
//
// Entries keep an unexported closure holding the key they used, so that
// Verify can re-do each operation at the end of a scenario: decrypt the
// recorded string and compare the digest, recompute an HMAC, confirm that a
// refused decryption is still refused. RSA wraps can only be re-checked
// with the matching private key; the ledger holds every private key it saw
// generated or unwrapped and skips (and counts) the rest.
//
// A Ledger never prints a key, a token or a plaintext: String shows
// fingerprints, digests and shortened ciphertexts. All methods are safe for
// concurrent use, and all are no-ops on a nil *Ledger, so code can record
// unconditionally.
package ledger

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// Op is the kind of a recorded operation.
type Op string

// The operations a ledger records. Wrap and Unwrap encrypt and decrypt key
// material (digest = key fingerprint); Encrypt and Decrypt handle data
// (digest = salted HMAC). Hash computes an HMAC value-verification hash and
// Check verifies one. Refuse records a negative check: an operation that
// must fail, and did.
const (
	OpGenerate Op = "generate"
	OpDerive   Op = "derive"
	OpWrap     Op = "wrap"
	OpUnwrap   Op = "unwrap"
	OpEncrypt  Op = "encrypt"
	OpDecrypt  Op = "decrypt"
	OpHash     Op = "hash"
	OpCheck    Op = "check"
	OpRefuse   Op = "refuse"
)

// Formats recorded in Entry.Format for operations that are not a Cryppo
// strategy.
const (
	FormatRandom32   = "random 32 bytes"
	FormatRandom64   = "random 64 bytes"
	FormatRSA4096    = "RSA-4096 keypair"
	FormatPBKDF2     = "PBKDF2-HMAC-SHA256"
	FormatHMACSHA256 = "HMAC-SHA256 (forge bytes)"
)

// ErrMismatch reports a re-checked operation whose result differs from the
// recorded one.
var ErrMismatch = errors.New("ledger: re-check does not match the record")

// errSkip marks a check that could not run (no private key for an RSA wrap).
var errSkip = errors.New("ledger: not re-checkable")

// Entry is one recorded operation. All fields are safe to print.
type Entry struct {
	Seq     int    // 1-based position in the ledger
	Actor   string // who did it (a user name), "" if unknown
	Op      Op
	Subject string // what was operated on
	Key     string // fingerprint of the key used; "" when none
	KeyName string // what that key is ("KEK", "DEK", "keypair auth")
	Format  string // Cryppo strategy or one of the Format* constants
	Output  string // serialized output: ciphertext, hash, or a generated key's fingerprint
	Digest  string // digest of the plaintext (a key fingerprint for key material)
	Note    string // anything else worth showing, e.g. why an op was refused

	check func() error
	// plain says what the entry's plaintext is, for Evidence: PlainKey,
	// PlainPrivateKey or PlainData; "" when it has none.
	plain string
}

// Checkable reports whether Verify can re-do this entry.
func (e Entry) Checkable() bool { return e.check != nil }

// VerifyError is a failed re-check of one entry.
type VerifyError struct {
	Entry Entry
	Err   error
}

func (e *VerifyError) Error() string {
	s := fmt.Sprintf("ledger #%d %s %s", e.Entry.Seq, e.Entry.Op, e.Entry.Subject)
	if e.Entry.Actor != "" {
		s += " by " + e.Entry.Actor
	}
	if e.Entry.Key != "" {
		s += " with " + e.Entry.KeyName + " " + e.Entry.Key
	}
	return s + ": " + e.Err.Error()
}

func (e *VerifyError) Unwrap() error { return e.Err }

// Report is the outcome of VerifyAll.
type Report struct {
	Checked int     // entries re-done successfully
	Skipped int     // entries that could not be re-done (no check, or no private key)
	Errors  []error // *VerifyError for each entry whose re-check failed
}

// Ledger is an append-only record of crypto operations. Create it with New;
// a nil *Ledger records nothing.
type Ledger struct {
	mu      sync.Mutex
	salt    []byte
	entries []Entry
	privs   map[string]*cryppo.PrivateKey // by public-key fingerprint
	secrets []Secret
	// keys are the symmetric keys (AES keys, HMAC verification keys) the
	// entries used or made, by Fingerprint, for Evidence.
	keys map[string][]byte

	observer observerField // see timing.go
}

// Secret is raw key material the client made or opened, kept so that the
// server-blindness check can look for it where it must never be: in what
// was sent to the services and in what they hold.
type Secret struct {
	Actor, Subject string
	Bytes          []byte
}

// keep notes raw key material for Secrets.
func (l *Ledger) keep(actor, subject string, b []byte) {
	if l == nil || len(b) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.secrets = append(l.secrets, Secret{Actor: actor, Subject: subject, Bytes: bytes.Clone(b)})
}

// Secrets returns the raw key material the ledger saw generated, wrapped
// or unwrapped (KEKs, DEKs, share DEKs, value verification keys), in
// order. They are secrets: never print them.
func (l *Ledger) Secrets() []Secret {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.secrets)
	for i := range out {
		out[i].Bytes = bytes.Clone(out[i].Bytes)
	}
	return out
}

// SecretsFrom returns the secrets after the first n, as Secrets does: the
// blindness check of a scenario run many times over makes canaries of the
// new ones only.
func (l *Ledger) SecretsFrom(n int) []Secret {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n >= len(l.secrets) {
		return nil
	}
	out := slices.Clone(l.secrets[max(n, 0):])
	for i := range out {
		out[i].Bytes = bytes.Clone(out[i].Bytes)
	}
	return out
}

// PrivateKeys returns the private keys the ledger knows (AddPrivateKey).
func (l *Ledger) PrivateKeys() []*cryppo.PrivateKey {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*cryppo.PrivateKey, 0, len(l.privs))
	for _, k := range l.privs {
		out = append(out, k)
	}
	return out
}

// New returns an empty ledger with a fresh digest salt.
func New() *Ledger {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		// crypto/rand never fails on supported platforms; a fixed salt
		// would only weaken the digests, never the protocol.
		salt = []byte("vaultcheck ledger fallback salt!")
	}
	return &Ledger{salt: salt, privs: map[string]*cryppo.PrivateKey{}, keys: map[string][]byte{}}
}

// Fork returns a new ledger that continues l for a copy of its scenario
// (a load run's iteration on a forked World): the same digest salt, the
// private keys and secrets l knows, and none of its entries, which the
// caller has verified already. Later records and keys of either ledger do
// not show in the other. The observer is not carried over.
func (l *Ledger) Fork() *Ledger {
	if l == nil {
		return New()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// The secrets slice is shared up to its length only: the first append
	// of either ledger copies it.
	return &Ledger{salt: l.salt, privs: maps.Clone(l.privs), secrets: slices.Clip(l.secrets), keys: map[string][]byte{}}
}

// DataDigest returns the digest the ledger shows for a data plaintext: the
// first 8 bytes of HMAC-SHA256 under the ledger's salt, as "d:<hex>". Equal
// plaintexts have equal digests within one ledger, and only there.
func (l *Ledger) DataDigest(plaintext []byte) string {
	if l == nil {
		return ""
	}
	m := hmac.New(sha256.New, l.salt)
	m.Write(plaintext)
	return "d:" + hex.EncodeToString(m.Sum(nil)[:8])
}

// Record appends e (its Seq is assigned) with an optional re-check. check
// must return nil when the operation still gives the recorded result; for
// OpRefuse entries, when the operation is still refused. It returns the
// entry's Seq.
func (l *Ledger) Record(e Entry, check func() error) int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Seq = len(l.entries) + 1
	e.check = check
	l.entries = append(l.entries, e)
	return e.Seq
}

// AddPrivateKey lets the ledger re-check RSA operations made with k's
// public key.
func (l *Ledger) AddPrivateKey(k *cryppo.PrivateKey) {
	if l == nil || k == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.privs[k.Fingerprint()] = k
}

func (l *Ledger) privateKey(fp string) *cryppo.PrivateKey {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.privs[fp]
}

// Entries returns a copy of all entries in order.
func (l *Ledger) Entries() []Entry {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.entries...)
}

// Len is the number of entries.
func (l *Ledger) Len() int {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// Since returns the entries recorded after the first n (use Len as a mark
// before a step and Since after it).
func (l *Ledger) Since(n int) []Entry {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n < 0 {
		n = 0
	}
	if n >= len(l.entries) {
		return nil
	}
	return append([]Entry(nil), l.entries[n:]...)
}

// Find returns the entries for which match is true.
func (l *Ledger) Find(match func(Entry) bool) []Entry {
	var out []Entry
	for _, e := range l.Entries() {
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

// Verify re-does every checkable entry and returns one *VerifyError per
// failure; nil means every re-check passed. Entries that cannot be checked
// are skipped; see VerifyAll for counts.
func (l *Ledger) Verify() []error { return l.VerifyAll().Errors }

// VerifyAll re-does every checkable entry and reports counts and failures.
func (l *Ledger) VerifyAll() Report {
	var r Report
	for _, e := range l.Entries() {
		if e.check == nil {
			r.Skipped++
			continue
		}
		err := safeCheck(e.check)
		switch {
		case err == nil:
			r.Checked++
		case errors.Is(err, errSkip):
			r.Skipped++
		default:
			r.Errors = append(r.Errors, &VerifyError{Entry: e, Err: err})
		}
	}
	return r
}

// safeCheck turns a panicking check into an error: a check that breaks
// must fail the ledger, not the harness.
func safeCheck(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("check panicked: %v", p)
		}
	}()
	return f()
}

// String renders the ledger as an aligned table. It shows fingerprints,
// digests and shortened outputs only.
func (l *Ledger) String() string {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "#\tactor\top\tsubject\tkey\tformat\toutput\tdigest\tnote")
	for _, e := range l.Entries() {
		key := e.Key
		if e.KeyName != "" {
			key = e.KeyName + " " + e.Key
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, dash(e.Actor), e.Op, e.Subject,
			dash(strings.TrimSpace(key)), dash(e.Format), dash(Shorten(e.Output)), dash(e.Digest), e.Note)
	}
	w.Flush()
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Shorten abbreviates a serialized Cryppo string for display: strategy,
// the first characters of the ciphertext and the total length. Other
// strings longer than 48 characters are cut the same way.
func Shorten(s string) string {
	const keep = 10
	if len(s) <= 48 {
		return s
	}
	if i := strings.IndexByte(s, '.'); i > 0 && i < 20 {
		rest := s[i+1:]
		if len(rest) > keep {
			rest = rest[:keep]
		}
		return strings.ToValidUTF8(fmt.Sprintf("%s.%s…(%d)", s[:i], rest, len(s)), "")
	}
	return strings.ToValidUTF8(fmt.Sprintf("%s…(%d)", s[:24], len(s)), "")
}
