package ledger

import (
	"bytes"
	"encoding/hex"
	"maps"
	"slices"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// What an entry's plaintext is, as Evidence records it: the kind of
// comparison a re-check makes with its Digest.
const (
	// PlainKey: symmetric key material; Digest is its Fingerprint.
	PlainKey = "key"
	// PlainPrivateKey: a private key's PKCS#1 PEM; Digest is the
	// Fingerprint of its public key.
	PlainPrivateKey = "private-key"
	// PlainData: a value (slot value, connection name, session token, the
	// value an HMAC is over); Digest is DataDigest of it.
	PlainData = "data"
)

// Evidence is a ledger written out with the material needed to re-check
// every entry without the ledger's closures: the digest salt, the
// symmetric keys and the private keys the entries used. It exists for
// certification bundles, whose test users are thrown away after the run:
// it is secret material and must never reach a log or a report.
type Evidence struct {
	// Salt is the hex of the salt of the ledger's data digests.
	Salt string `json:"salt"`
	// Entries are the ledger's entries in order.
	Entries []EvidenceEntry `json:"entries"`
	// SymmetricKeys are the raw AES keys and HMAC verification keys the
	// entries used or generated, as padded URL-safe base64, by their
	// Fingerprint.
	SymmetricKeys map[string]string `json:"symmetric_keys"`
	// PrivateKeys are the RSA private keys the ledger knew, as PKCS#1
	// PEM, by the Fingerprint of their public key.
	PrivateKeys map[string]string `json:"private_keys"`
}

// EvidenceEntry is an Entry as Evidence records it.
type EvidenceEntry struct {
	Seq     int    `json:"seq"`
	Actor   string `json:"actor,omitempty"`
	Op      Op     `json:"op"`
	Subject string `json:"subject"`
	Key     string `json:"key,omitempty"`
	KeyName string `json:"key_name,omitempty"`
	Format  string `json:"format,omitempty"`
	Output  string `json:"output,omitempty"`
	Digest  string `json:"digest,omitempty"`
	Note    string `json:"note,omitempty"`
	// Plain is PlainKey, PlainPrivateKey, PlainData or "".
	Plain string `json:"plain,omitempty"`
	// Checkable says the ledger itself could re-check the entry; an entry
	// that is not (a key derived from a password the ledger never keeps)
	// cannot be re-checked from the evidence either.
	Checkable bool `json:"checkable"`
}

// Evidence exports the ledger with its key material. A nil ledger has
// none.
func (l *Ledger) Evidence() *Evidence {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := &Evidence{Salt: hex.EncodeToString(l.salt), Entries: make([]EvidenceEntry, 0, len(l.entries)),
		SymmetricKeys: make(map[string]string, len(l.keys)), PrivateKeys: make(map[string]string, len(l.privs))}
	for _, e := range l.entries {
		ev.Entries = append(ev.Entries, EvidenceEntry{Seq: e.Seq, Actor: e.Actor, Op: e.Op, Subject: e.Subject,
			Key: e.Key, KeyName: e.KeyName, Format: e.Format, Output: e.Output, Digest: e.Digest, Note: e.Note,
			Plain: e.plain, Checkable: e.check != nil})
	}
	for _, fp := range slices.Sorted(maps.Keys(l.keys)) {
		ev.SymmetricKeys[fp] = cryppo.EncodeBase64(l.keys[fp])
	}
	for fp, k := range l.privs {
		ev.PrivateKeys[fp] = k.PEM()
	}
	return ev
}

// DataDigestWithSalt is DataDigest under the salt of an Evidence (its hex
// Salt decoded), for re-checking data entries away from their ledger.
func DataDigestWithSalt(salt, plaintext []byte) string {
	l := &Ledger{salt: salt}
	return l.DataDigest(plaintext)
}

// keepKey notes symmetric key material for Evidence.
func (l *Ledger) keepKey(b []byte) {
	if l == nil || len(b) == 0 {
		return
	}
	fp := cryppo.Fingerprint(b)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.keys[fp]; !ok {
		l.keys[fp] = bytes.Clone(b)
	}
}
