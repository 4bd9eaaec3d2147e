package steps

import (
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
)

// What the harness's reports read of a World once its scenario ended.

// LedgerReport returns the re-check of the crypto ledger that Finish did,
// and false when Finish has not run (the scenario did not end).
func (w *World) LedgerReport() (ledger.Report, bool) {
	if w.verified == nil {
		return ledger.Report{}, false
	}
	return *w.verified, true
}

// Scrubber returns a function that replaces, in a text, every secret and
// plaintext the World knows (passwords, secrets, tokens, raw keys, slot
// values), as Seal does in the messages of target failures. Reports pass
// the redacted exchanges they keep through it, in case the target echoed
// a value the redaction could not recognise.
func (w *World) Scrubber() func(string) string { return w.scrubber() }

// Secrets lists every secret the World holds, for tests that check that
// no report leaks one: passwords, secret keys (whole and their key part),
// tokens, the raw forms of derived keys, KEKs and DEKs, and the PEM of
// every private key. It never goes into a report.
func (w *World) Secrets() []string {
	var out []string
	for _, u := range w.users {
		out = append(out, u.password)
		for _, a := range []*client.AuthData{u.auth, u.registered, u.loggedOut, u.dead} {
			if a == nil {
				continue
			}
			sec := a.Secret.Reveal()
			out = append(out, sec, sec[strings.LastIndexByte(sec, '.')+1:], a.VaultToken.Reveal(), a.KeystoreToken.Reveal())
			for _, k := range []cryppo.SymmetricKey{a.PDK, a.KEK, a.DEK} {
				if k.IsZero() {
					continue
				}
				for _, form := range keyForms(k.Bytes()) {
					out = append(out, string(form))
				}
			}
			if a.LoginKey != nil {
				out = append(out, a.LoginKey.PEM())
			}
		}
	}
	for _, kp := range w.keypairs {
		out = append(out, kp.priv.PEM())
	}
	return out
}

// Plaintexts lists every slot value the scenario's items held, for tests
// that check that no report shows one outside the scenario's own text
// (where the feature itself wrote it).
func (w *World) Plaintexts() []string {
	var out []string
	for _, it := range w.items {
		out = append(out, it.history...)
	}
	return out
}
