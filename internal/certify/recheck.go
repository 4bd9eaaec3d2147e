package certify

import (
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
)

// LedgerCheck is the offline re-check of one scenario's crypto ledger,
// done from the recorded material alone: none of the ledger's own code
// (its re-check closures) runs.
type LedgerCheck struct {
	// Entries is how many entries the ledger has; ByOp counts them by
	// operation, as results.json's summary does.
	Entries int            `json:"entries"`
	ByOp    map[string]int `json:"by_op"`
	// Checked entries were re-done and matched; NotCheckable could not be
	// re-done (a key derived from a password nobody keeps, a refusal
	// whose check is not a decryption).
	Checked      int `json:"checked"`
	NotCheckable int `json:"not_checkable"`
	// Errors are entries whose re-check did not match, and broken
	// material (a key filed under another key's fingerprint).
	Errors []string `json:"errors,omitempty"`
	// ShareKeys counts the share DEK wraps tried against every other
	// private key of the scenario; Exclusive is how many opened with no
	// other. OtherKeys are wraps that did open with another key.
	ShareKeys int      `json:"share_keys"`
	Exclusive int      `json:"exclusive"`
	OtherKeys []string `json:"other_keys,omitempty"`
	// Canonical counts the Cryppo strings found canonical; NonCanonical
	// are those that are not (what a byte-exact client would refuse).
	Canonical    int      `json:"canonical"`
	NonCanonical []string `json:"non_canonical,omitempty"`
}

// Clean reports whether the check found nothing wrong at all.
func (c *LedgerCheck) Clean() bool {
	return len(c.Errors) == 0 && len(c.OtherKeys) == 0 && len(c.NonCanonical) == 0
}

// RecheckLedgers re-checks every scenario's ledger, several at once.
func RecheckLedgers(rec *LedgerRecord) map[string]*LedgerCheck {
	ids := sortedKeys(rec.Scenarios)
	out := make(map[string]*LedgerCheck, len(ids))
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				c := RecheckLedger(rec.Scenarios[id])
				mu.Lock()
				out[id] = c
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	return out
}

// material is a ledger's keys, checked against the fingerprints they are
// filed under.
type material struct {
	sym   map[string][]byte
	privs map[string]*cryppo.PrivateKey
	names map[string]string // private key fingerprint -> what the ledger calls it
	salt  []byte
}

// RecheckLedger re-does every entry of one scenario's ledger from the
// evidence: each wrap and encryption decrypts with the recorded key to
// the recorded digest, each value verification hash recomputes over the
// value its ciphertext decrypts to, each refusal is still refused, each
// share DEK opens with the recipient's key and with no other private key
// of the scenario, and every Cryppo string is canonical.
func RecheckLedger(ev *ledger.Evidence) *LedgerCheck {
	c := &LedgerCheck{ByOp: map[string]int{}}
	if ev == nil {
		c.Errors = append(c.Errors, "no ledger recorded")
		return c
	}
	m := c.material(ev)
	plain := map[string][]byte{} // data digest -> plaintext, from the decryptions
	var hashes []ledger.EvidenceEntry
	rsaSeen := map[string]bool{}
	for _, e := range ev.Entries {
		c.Entries++
		c.ByOp[string(e.Op)]++
		if e.Op != ledger.OpRefuse {
			c.canonical(e)
		}
		if e.Op == ledger.OpHash || e.Op == ledger.OpCheck {
			hashes = append(hashes, e) // after the values they are over are known
			continue
		}
		ok, err := c.recheck(e, m, plain)
		c.count(e, ok, err)
		if (ok || err != nil) && isRSA(e.Format) && e.Plain == ledger.PlainKey && !rsaSeen[e.Output] {
			rsaSeen[e.Output] = true
			c.exclusive(e, m, err == nil)
		}
	}
	for _, e := range hashes {
		ok, err := c.recheckHash(e, m, plain)
		c.count(e, ok, err)
	}
	return c
}

func (c *LedgerCheck) count(e ledger.EvidenceEntry, ok bool, err error) {
	switch {
	case err != nil:
		c.Errors = append(c.Errors, fmt.Sprintf("ledger #%d %s %s%s: %v", e.Seq, e.Op, e.Subject, by(e), err))
	case ok:
		c.Checked++
	default:
		c.NotCheckable++
	}
}

func by(e ledger.EvidenceEntry) string {
	s := ""
	if e.Actor != "" {
		s += " by " + e.Actor
	}
	if e.Key != "" {
		s += " with " + strings.TrimSpace(e.KeyName+" "+e.Key)
	}
	return s
}

// material reads the key tables, refusing keys filed under a fingerprint
// that is not theirs: the entries name keys by fingerprint only.
func (c *LedgerCheck) material(ev *ledger.Evidence) *material {
	m := &material{sym: map[string][]byte{}, privs: map[string]*cryppo.PrivateKey{}, names: map[string]string{}}
	var err error
	if m.salt, err = hex.DecodeString(ev.Salt); err != nil || len(m.salt) == 0 {
		c.Errors = append(c.Errors, "the digest salt is not hex")
	}
	for _, fp := range sortedKeys(ev.SymmetricKeys) {
		b, err := cryppo.DecodeBase64(ev.SymmetricKeys[fp])
		switch {
		case err != nil:
			c.Errors = append(c.Errors, fmt.Sprintf("symmetric key %s: not base64", fp))
		case cryppo.Fingerprint(b) != fp:
			c.Errors = append(c.Errors, fmt.Sprintf("symmetric key filed under %s is %s", fp, cryppo.Fingerprint(b)))
		default:
			m.sym[fp] = b
		}
	}
	for _, fp := range sortedKeys(ev.PrivateKeys) {
		k, err := cryppo.ParsePrivateKeyPEM(ev.PrivateKeys[fp])
		switch {
		case err != nil:
			c.Errors = append(c.Errors, fmt.Sprintf("private key %s: %v", fp, err))
		case k.Fingerprint() != fp:
			c.Errors = append(c.Errors, fmt.Sprintf("private key filed under %s is %s", fp, k.Fingerprint()))
		default:
			m.privs[fp] = k
		}
	}
	for _, e := range ev.Entries {
		if e.Op == ledger.OpGenerate && strings.HasPrefix(e.Format, "RSA-") {
			if _, named := m.names[e.Output]; !named {
				m.names[e.Output] = strings.TrimSpace(e.Subject + " of " + e.Actor)
			}
		}
	}
	return m
}

func (m *material) keyName(fp string) string {
	if n := m.names[fp]; n != "" {
		return n + " (" + fp + ")"
	}
	return fp
}

func isRSA(format string) bool { return cryppo.Strategy(format).IsRSA() }
func isAES(format string) bool { return cryppo.Strategy(format).IsAES() }

var randomFormat = regexp.MustCompile(`^random (\d+) bytes$`)
var rsaFormat = regexp.MustCompile(`^RSA-(\d+) keypair$`)

// recheck re-does one entry; ok is false (with a nil error) for an entry
// that cannot be re-done from the material.
func (c *LedgerCheck) recheck(e ledger.EvidenceEntry, m *material, plain map[string][]byte) (bool, error) {
	switch e.Op {
	case ledger.OpGenerate:
		if r := randomFormat.FindStringSubmatch(e.Format); r != nil {
			k, ok := m.sym[e.Output]
			if !ok {
				return false, nil
			}
			if n, _ := strconv.Atoi(r[1]); len(k) != n {
				return false, fmt.Errorf("the key has %d bytes, want %d", len(k), n)
			}
			return true, nil
		}
		if r := rsaFormat.FindStringSubmatch(e.Format); r != nil {
			k, ok := m.privs[e.Output]
			if !ok {
				return false, nil
			}
			if n, _ := strconv.Atoi(r[1]); k.Public().Bits() != n {
				return false, fmt.Errorf("the keypair has %d bits, want %d", k.Public().Bits(), n)
			}
			if err := k.RSA().Validate(); err != nil {
				return false, fmt.Errorf("the keypair does not validate")
			}
			return true, nil
		}
		return false, nil
	case ledger.OpDerive:
		return false, nil // the password is kept nowhere
	case ledger.OpWrap, ledger.OpUnwrap, ledger.OpEncrypt, ledger.OpDecrypt:
		pt, ok, err := m.open(e)
		if !ok || err != nil {
			return ok, err
		}
		if err := m.matches(e, pt); err != nil {
			return false, err
		}
		if e.Plain == ledger.PlainData {
			plain[e.Digest] = pt
		}
		return true, nil
	case ledger.OpRefuse:
		switch {
		case isAES(e.Format) && m.sym[e.Key] != nil:
			k, err := cryppo.NewSymmetricKey(m.sym[e.Key])
			if err != nil {
				return false, err
			}
			if _, err := cryppo.DecryptAES(k, e.Output); err == nil {
				return false, fmt.Errorf("the decryption that was refused succeeds")
			}
			return true, nil
		case isRSA(e.Format) && m.privs[e.Key] != nil:
			if _, err := cryppo.DecryptRSA(m.privs[e.Key], e.Output); err == nil {
				return false, fmt.Errorf("the decryption that was refused succeeds")
			}
			return true, nil
		}
		return false, nil
	}
	return false, nil
}

// open decrypts an entry's output with its key.
func (m *material) open(e ledger.EvidenceEntry) ([]byte, bool, error) {
	switch {
	case e.Output == "" && e.Plain == ledger.PlainData:
		return nil, true, nil // an empty value serializes to "" (cryppo-js: null)
	case isAES(e.Format):
		b, ok := m.sym[e.Key]
		if !ok {
			return nil, false, nil
		}
		k, err := cryppo.NewSymmetricKey(b)
		if err != nil {
			return nil, false, err
		}
		pt, err := cryppo.DecryptAES(k, e.Output)
		if err != nil {
			return nil, false, fmt.Errorf("does not decrypt: %v", err)
		}
		return pt, true, nil
	case isRSA(e.Format):
		k, ok := m.privs[e.Key]
		if !ok {
			return nil, false, nil
		}
		pt, err := cryppo.DecryptRSA(k, e.Output)
		if err != nil {
			return nil, false, fmt.Errorf("does not decrypt with %s: %v", m.keyName(e.Key), err)
		}
		return pt, true, nil
	}
	return nil, false, nil
}

// matches compares a decrypted plaintext with the entry's digest, as its
// kind says.
func (m *material) matches(e ledger.EvidenceEntry, pt []byte) error {
	var got string
	switch e.Plain {
	case ledger.PlainKey:
		got = cryppo.Fingerprint(pt)
	case ledger.PlainPrivateKey:
		k, err := cryppo.ParsePrivateKeyPEM(string(pt))
		if err != nil {
			return fmt.Errorf("decrypts to no private key: %v", err)
		}
		got = k.Fingerprint()
	case ledger.PlainData:
		got = ledger.DataDigestWithSalt(m.salt, pt)
	default:
		return fmt.Errorf("the entry does not say what its plaintext is")
	}
	if got != e.Digest {
		return fmt.Errorf("decrypts to %s, recorded %s", got, e.Digest)
	}
	return nil
}

// recheckHash recomputes a value verification hash over the value that a
// data entry of the same digest decrypted to.
func (c *LedgerCheck) recheckHash(e ledger.EvidenceEntry, m *material, plain map[string][]byte) (bool, error) {
	key, okKey := m.sym[e.Key]
	value, okValue := plain[e.Digest]
	if !okKey || !okValue {
		return false, nil
	}
	got := cryppo.HMACSHA256Hex(key, string(value))
	same := subtle.ConstantTimeCompare([]byte(got), []byte(e.Output)) == 1
	if e.Op == ledger.OpHash {
		if !same {
			return false, fmt.Errorf("the hash recomputes to another value")
		}
		return true, nil
	}
	if want := e.Note == "match"; same != want {
		return false, fmt.Errorf("the hash check gives %v, recorded %v", same, want)
	}
	return true, nil
}

// exclusive tries a share key wrap with every other private key of the
// scenario: it must open with the recipient's key only.
func (c *LedgerCheck) exclusive(e ledger.EvidenceEntry, m *material, opensForRecipient bool) {
	c.ShareKeys++
	var others []string
	for _, fp := range sortedKeys(m.privs) {
		if fp == e.Key {
			continue
		}
		if _, err := cryppo.DecryptRSA(m.privs[fp], e.Output); err == nil {
			others = append(others, m.keyName(fp))
		}
	}
	if len(others) == 0 {
		c.Exclusive++
		return
	}
	how := "also opens with"
	if !opensForRecipient {
		how = "opens instead with"
	}
	c.OtherKeys = append(c.OtherKeys, fmt.Sprintf("ledger #%d %s (for %s) %s %s", e.Seq, e.Subject, m.keyName(e.Key), how, strings.Join(others, ", ")))
}

// canonical checks that a Cryppo string of an entry is written as
// Meeco's libraries write it: it survives parsing and writing unchanged.
func (c *LedgerCheck) canonical(e ledger.EvidenceEntry) {
	if e.Output == "" || !(isAES(e.Format) || isRSA(e.Format)) {
		return
	}
	if why := nonCanonical(e.Output); why != "" {
		c.NonCanonical = append(c.NonCanonical, fmt.Sprintf("ledger #%d %s %s: %s: %s", e.Seq, e.Op, e.Subject, ledger.Shorten(e.Output), why))
		return
	}
	c.Canonical++
}

// nonCanonical says how a Cryppo string differs from the form Meeco's
// libraries write ("" when it does not): it must parse, and write back
// unchanged. A legacy YAML artifact block (the pre-2020 form, which the
// libraries still read and a client may still hold) cannot be written
// back, so for it every base64 part must be the padded URL-safe encoding
// of its bytes, which is what a re-encoding server would change.
func nonCanonical(s string) string {
	p, err := cryppo.Parse(s)
	switch {
	case err != nil:
		return err.Error()
	case p.Format != cryppo.FormatLegacyYAML && p.String() != s:
		return "it is written differently from Meeco's libraries (alphabet, padding, artifact order or version byte)"
	case p.Format == cryppo.FormatLegacyYAML:
		parts := strings.Split(s, ".")
		for i, part := range parts {
			if i == 0 || (len(parts) == 5 && i == 3) {
				continue // the strategy names
			}
			b, err := cryppo.DecodeBase64(part)
			if err != nil || cryppo.EncodeBase64(b) != part {
				return fmt.Sprintf("part %d is not padded URL-safe base64", i+1)
			}
		}
	}
	return ""
}

// problems returns everything the check found wrong, for messages.
func (c *LedgerCheck) problems() []string {
	return slices.Concat(c.Errors, c.OtherKeys, c.NonCanonical)
}
