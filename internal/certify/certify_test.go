package certify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/results"
)

// The fixture suite (testdata/suite) checks these requirements; the tests
// restrict the profiles to them.
var fixtureProfiles = only("ITEM-VALUE-01", "CONN-EXISTS-01", "ONSHARE-PERMIT-01")

const fixtureDeclaration = `product {
  name    = "vaultcheck serve"
  version = "test"
  vendor  = "vaultcheck"
  contact = "https://vaultcheck.example/conformance"
}
`

const knownConnExists = `known_failure "CONN-EXISTS-01" {
  reason   = "connecting twice makes a second connection until 2.0"
  tracking = "https://tracker.example/VAULT-7"
}
`

// certifyFixture certifies the in-process fake (handler nil: a clean
// one) with the fixture suite.
func certifyFixture(t testing.TB, declSrc string, handler http.Handler, signer *Signer) *Outcome {
	t.Helper()
	d, err := ParseDeclaration("vendor.hcl", []byte(fixtureDeclaration+declSrc))
	if err != nil {
		t.Fatal(err)
	}
	if handler == nil {
		handler = fakevault.New()
	}
	var log bytes.Buffer
	oc, err := Run(context.Background(), Options{Declaration: d, Target: harness.TargetInproc, Keys: "fast",
		Suite: os.DirFS("testdata/suite"), Handler: handler, Profiles: &fixtureProfiles, Signer: signer, Log: &log})
	if err != nil {
		t.Fatalf("certify: %v\n%s", err, log.String())
	}
	return oc
}

func verifyFixture(b *Bundle, key []byte) *Report {
	o := VerifyOptions{Suite: os.DirFS("testdata/suite"), Profiles: &fixtureProfiles}
	if key != nil {
		o.Key, _ = LoadPublicKey(key)
	}
	return Verify(context.Background(), b, o)
}

// connExistsBroken is a Vault that makes a second connection when two
// users connect again (CONN-EXISTS-01, a SHOULD): the fake, with
// connection_existed_already always false.
func connExistsBroken() http.Handler {
	fake := fakevault.New()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != meeco.VaultPrefix+meeco.VConnections {
			fake.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, r)
		body := bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"connection_existed_already":true`), []byte(`"connection_existed_already":false`))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

var (
	cleanOnce    sync.Once
	cleanOutcome *Outcome
	cleanSigner  *Signer
)

// clean is one certification of the clean fake claiming core, shared by
// the tests that tamper with its bundle.
func clean(t testing.TB) (*Outcome, *Signer) {
	t.Helper()
	cleanOnce.Do(func() {
		cleanSigner, _ = NewSigner()
		cleanOutcome = certifyFixture(t, `profiles = ["core"]`, nil, cleanSigner)
	})
	if cleanOutcome == nil {
		t.Fatal("the clean certification failed")
	}
	return cleanOutcome, cleanSigner
}

func copyBundle(b *Bundle) *Bundle {
	out := &Bundle{Files: map[string][]byte{}}
	for k, v := range b.Files {
		out.Files[k] = bytes.Clone(v)
	}
	return out
}

func TestCertifyAndVerify(t *testing.T) {
	oc, signer := clean(t)
	v := oc.Verdict
	if v.Result != Certified || oc.ExitCode() != 0 || oc.RunCode != 0 {
		t.Fatalf("verdict %s (exit %d, run %d), reasons %q", v.Result, oc.ExitCode(), oc.RunCode, v.Reasons)
	}
	if v.Totals[OutcomePass] != 2 || len(v.Requirements) != 2 || len(v.Unassigned) != 1 {
		t.Errorf("requirements %+v, unassigned %+v", v.Requirements, v.Unassigned)
	}
	doc, err := results.Parse(oc.Bundle.Files[ResultsFile], ResultsFile)
	if err != nil {
		t.Fatal(err)
	}
	onshare, ok := doc.Scenario("features/fixture.feature: Without permission Bob cannot share it on")
	if !ok || onshare.Status != results.Disabled || !strings.Contains(onshare.Reason, "ONSHARE-PERMIT-01 (extended)") {
		t.Errorf("the extended scenario of a core claim: %+v", onshare)
	}
	if doc.Run.Tags != "" || doc.Run.FailFast || doc.Run.Keys != "fast" || doc.Run.Target != "inproc" {
		t.Errorf("run %+v", doc.Run)
	}
	for _, name := range bundleFiles {
		if len(oc.Bundle.Files[name]) == 0 {
			t.Errorf("the bundle has no %s", name)
		}
	}
	// The slot values are in the scenarios as written (public), never in
	// what the exchanges show: those are redacted as in every report.
	exchanges := 0
	for _, sc := range doc.Scenarios {
		for _, st := range sc.Steps {
			for _, ex := range st.Exchanges {
				exchanges++
				if strings.Contains(ex.RequestBody+ex.ResponseBody+ex.URL, "5YJ3E1EA7KF317000") {
					t.Errorf("an exchange of %q shows a slot value", sc.ID)
				}
			}
		}
	}
	if exchanges < 50 {
		t.Errorf("results.json has %d exchanges: every exchange of the run belongs in the bundle", exchanges)
	}

	rep := verifyFixture(oc.Bundle, PublicKeyPEM(signer.Public()))
	if rep.ExitCode() != VerifyCertified || len(rep.Problems) > 0 || !rep.SignerVerified {
		t.Fatalf("verify: exit %d, problems %v\n%s", rep.ExitCode(), rep.Problems, strings.Join(rep.Notes, "\n"))
	}
	notes := strings.Join(rep.Notes, "\n")
	for _, want := range []string{"signature: valid, made with the key given", "files: the sha256 of all 7 signed files match",
		"share keys open with the recipient's key and no other", "verdict: derived again", "suite: the run's 4 scenarios"} {
		if !strings.Contains(notes, want) {
			t.Errorf("verify does not say %q:\n%s", want, notes)
		}
	}
	unverified := verifyFixture(oc.Bundle, nil)
	if unverified.ExitCode() != VerifyCertified || unverified.SignerVerified || unverified.Signer != Fingerprint(signer.Public()) ||
		!strings.Contains(strings.Join(unverified.Notes, "\n"), "UNVERIFIED") {
		t.Errorf("without a key: exit %d, verified %v, signer %s", unverified.ExitCode(), unverified.SignerVerified, unverified.Signer)
	}

	// The tar.gz reads back to the same bundle, which verifies.
	var tgz bytes.Buffer
	if err := oc.Bundle.WriteTarGz(&tgz); err != nil {
		t.Fatal(err)
	}
	back, err := readTarGz(&tgz, "bundle.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	if rep := verifyFixture(back, PublicKeyPEM(signer.Public())); rep.ExitCode() != VerifyCertified {
		t.Errorf("from the tar.gz: %v", rep.Problems)
	}
}

// TestTamperedBundles changes one byte of every file in turn, removes and
// adds files, and re-signs with another key: each is caught and named.
func TestTamperedBundles(t *testing.T) {
	oc, signer := clean(t)
	pub := PublicKeyPEM(signer.Public())
	for _, name := range sortedKeys(oc.Bundle.Files) {
		for _, at := range []string{"start", "middle", "end"} {
			t.Run(name+"/"+at, func(t *testing.T) {
				b := copyBundle(oc.Bundle)
				body := b.Files[name]
				i := map[string]int{"start": 0, "middle": len(body) / 2, "end": len(body) - 1}[at]
				body[i] ^= 0x01
				rep := verifyFixture(b, pub)
				want := VerifyDigest
				if name == EnvelopeFile {
					want = VerifyBadSignature
				}
				if rep.ExitCode() != want {
					t.Fatalf("a byte changed in %s: exit %d, want %d; problems %v", name, rep.ExitCode(), want, rep.Problems)
				}
				if want == VerifyDigest && !slices.ContainsFunc(rep.Problems, func(p Problem) bool { return p.File == name && strings.Contains(p.Msg, "changed") }) {
					t.Errorf("the problems do not name %s: %v", name, rep.Problems)
				}
				// Without --key, a changed signer.pub no longer checks the signature.
				if name == SignerFile {
					if rep := verifyFixture(b, nil); rep.ExitCode() != VerifyBadSignature {
						t.Errorf("a changed embedded key without --key: exit %d", rep.ExitCode())
					}
				}
			})
		}
	}
	t.Run("missing file", func(t *testing.T) {
		b := copyBundle(oc.Bundle)
		delete(b.Files, LedgerFile)
		rep := verifyFixture(b, pub)
		if rep.ExitCode() != VerifyDigest || !slices.ContainsFunc(rep.Problems, func(p Problem) bool { return p.File == LedgerFile && strings.Contains(p.Msg, "missing") }) {
			t.Errorf("exit %d, problems %v", rep.ExitCode(), rep.Problems)
		}
	})
	t.Run("added file", func(t *testing.T) {
		b := copyBundle(oc.Bundle)
		b.Files["waiver.txt"] = []byte("ignore the failures")
		rep := verifyFixture(b, pub)
		if rep.ExitCode() != VerifyDigest || !slices.ContainsFunc(rep.Problems, func(p Problem) bool { return p.File == "waiver.txt" && strings.Contains(p.Msg, "not signed") }) {
			t.Errorf("exit %d, problems %v", rep.ExitCode(), rep.Problems)
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		b := copyBundle(oc.Bundle)
		delete(b.Files, EnvelopeFile)
		if rep := verifyFixture(b, pub); rep.ExitCode() != VerifyBadSignature {
			t.Errorf("exit %d", rep.ExitCode())
		}
	})
	t.Run("re-signed with another key", func(t *testing.T) {
		other, _ := NewSigner()
		b := copyBundle(oc.Bundle)
		b.Files[SignerFile] = PublicKeyPEM(other.Public())
		resign(t, b, other, nil)
		rep := verifyFixture(b, pub)
		if rep.ExitCode() != VerifyBadSignature || !strings.Contains(rep.Problems[0].Msg, "does not verify with key "+Fingerprint(signer.Public())) {
			t.Errorf("with the vendor's key: exit %d, problems %v", rep.ExitCode(), rep.Problems)
		}
		// Without --key the bundle holds together, but the signer is not
		// the vendor, and verify says so by fingerprint.
		rep = verifyFixture(b, nil)
		if rep.ExitCode() != VerifyCertified || rep.SignerVerified || rep.Signer != Fingerprint(other.Public()) {
			t.Errorf("without a key: exit %d, signer %s verified %v", rep.ExitCode(), rep.Signer, rep.SignerVerified)
		}
	})
}

// resign signs the bundle's files again with s, after edit changed them
// (a forger who holds the signing key: only the re-derivation can catch
// what it changed).
func resign(t *testing.T, b *Bundle, s *Signer, edit func(p *Predicate)) {
	t.Helper()
	pub, err := LoadPublicKey(b.Files[SignerFile])
	if err != nil {
		pub = s.Public()
	}
	var pred Predicate
	if o, err := OpenEnvelope(context.Background(), b.Files[EnvelopeFile], pub); err == nil {
		pred = o.Predicate
	} else if o, err := OpenEnvelope(context.Background(), b.Files[EnvelopeFile], cleanSigner.Public()); err == nil {
		pred = o.Predicate
	} else {
		t.Fatalf("cannot open the envelope to re-sign it: %v", err)
	}
	if edit != nil {
		edit(&pred)
	}
	files := map[string][]byte{}
	for k, v := range b.Files {
		if k != EnvelopeFile {
			files[k] = v
		}
	}
	st, err := Statement(files, pred)
	if err != nil {
		t.Fatal(err)
	}
	if b.Files[EnvelopeFile], err = s.Sign(context.Background(), st); err != nil {
		t.Fatal(err)
	}
}

// TestForgedBundlesDoNotRederive changes what a bundle says and signs it
// again with the same key: the signature and digests hold, and the
// re-derivation catches the lie.
func TestForgedBundlesDoNotRederive(t *testing.T) {
	oc, signer := clean(t)
	pub := PublicKeyPEM(signer.Public())
	replace := func(name, old, new string) func(b *Bundle) {
		return func(b *Bundle) {
			if !bytes.Contains(b.Files[name], []byte(old)) {
				t.Fatalf("%s has no %q", name, old)
			}
			b.Files[name] = bytes.Replace(b.Files[name], []byte(old), []byte(new), 1)
		}
	}
	cases := []struct {
		name string
		edit func(b *Bundle)
		pred func(p *Predicate)
		says string
	}{
		{"a scenario's status", replace(ResultsFile, `"status": "passed"`, `"status": "failed"`), nil, "mismatch: results.json"},
		{"the verdict", replace(VerdictFile, `"result": "certified"`, `"result": "refused"`), nil, "recorded refused, derived certified"},
		{"the predicate", nil, func(p *Predicate) { p.Reasons = []string{"nothing"} }, "the signed predicate does not say what the files say"},
		{"a ledger ciphertext", func(b *Bundle) {
			var ev LedgerRecord
			if err := unmarshalStrict(LedgerFile, b.Files[LedgerFile], &ev); err != nil {
				t.Fatal(err)
			}
			for _, e := range ev.Scenarios {
				for i := range e.Entries {
					if e.Entries[i].Op == "encrypt" && strings.HasPrefix(e.Entries[i].Output, "Aes256Gcm.") {
						parts := strings.Split(e.Entries[i].Output, ".")
						parts[1] = "AAAA" + parts[1][4:]
						e.Entries[i].Output = strings.Join(parts, ".")
						raw, _ := marshal(&ev)
						b.Files[LedgerFile] = raw
						return
					}
				}
			}
			t.Fatal("no encryption in the ledger")
		}, nil, "its ledger re-verified in the run, but not offline"},
		{"a step that failed in a scenario that passed", func(b *Bundle) {
			doc, err := results.Parse(b.Files[ResultsFile], ResultsFile)
			if err != nil {
				t.Fatal(err)
			}
			st := &doc.Scenarios[0].Steps[len(doc.Scenarios[0].Steps)-1]
			st.Status, st.Result, st.Message = results.Failed, results.ResultFailed, "want 1, got 2"
			doc.Totals = results.Count(doc.Scenarios)
			if b.Files[ResultsFile], err = results.Marshal(doc); err != nil {
				t.Fatal(err)
			}
		}, nil, "passed, but a step is failed"},
		{"a step that never ran in a scenario that passed", func(b *Bundle) {
			doc, err := results.Parse(b.Files[ResultsFile], ResultsFile)
			if err != nil {
				t.Fatal(err)
			}
			st := &doc.Scenarios[0].Steps[len(doc.Scenarios[0].Steps)-1]
			st.Status, st.Result = results.Skipped, results.ResultSkipped
			doc.Totals = results.Count(doc.Scenarios)
			if b.Files[ResultsFile], err = results.Marshal(doc); err != nil {
				t.Fatal(err)
			}
		}, nil, "steps did not pass"},
		{"a requirement dropped from a scenario", replace(ResultsFile, `"id": "CONN-EXISTS-01"`, `"id": "ITEM-VALUE-01"`), nil, "names requirements"},
		{"the keys", replace(RunFile, `"keys": "fast"`, `"keys": "fresh"`), nil, `keys "fresh", results.json says "fast"`},
		{"the declaration", replace(DeclarationFile, `profiles = ["core"]`, `profiles = ["core", "extended"]`), nil, "verdict.json"},
		{"the profiles", replace(ProfilesFile, `"level": "SHOULD"`, `"level": "MUST"`), nil, "the bundle's profiles are not this vaultcheck's"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := copyBundle(oc.Bundle)
			if c.edit != nil {
				c.edit(b)
			}
			resign(t, b, signer, c.pred)
			rep := verifyFixture(b, pub)
			if rep.ExitCode() != VerifyMismatch {
				t.Fatalf("exit %d, want %d; problems %v", rep.ExitCode(), VerifyMismatch, rep.Problems)
			}
			all := ""
			for _, p := range rep.Problems {
				all += p.String() + "\n"
			}
			if !strings.Contains(all, c.says) {
				t.Errorf("the problems do not say %q:\n%s", c.says, all)
			}
		})
	}
}

func TestKnownFailureAndUnexpectedPass(t *testing.T) {
	t.Run("declared known failure", func(t *testing.T) {
		oc := certifyFixture(t, `profiles = ["core"]`+"\n"+knownConnExists, connExistsBroken(), nil)
		v := oc.Verdict
		if v.Result != Certified || oc.ExitCode() != 0 || v.Totals[OutcomeKnownFailure] != 1 {
			t.Fatalf("verdict %s, totals %v, reasons %q", v.Result, v.Totals, v.Reasons)
		}
		if oc.RunCode != harness.ExitFailed {
			t.Errorf("the run's own exit code is %d, want 1 (a scenario failed)", oc.RunCode)
		}
		if rep := verifyFixture(oc.Bundle, nil); rep.ExitCode() != VerifyCertified {
			t.Errorf("verify: exit %d, %v", rep.ExitCode(), rep.Problems)
		}
	})
	t.Run("undeclared optional failure", func(t *testing.T) {
		oc := certifyFixture(t, `profiles = ["core"]`, connExistsBroken(), nil)
		if oc.Verdict.Result != Refused || oc.ExitCode() != 1 || len(oc.Verdict.Reasons) != 1 ||
			!strings.Contains(oc.Verdict.Reasons[0], "CONN-EXISTS-01 (SHOULD, core) failed") {
			t.Fatalf("verdict %s, reasons %q", oc.Verdict.Result, oc.Verdict.Reasons)
		}
		if rep := verifyFixture(oc.Bundle, nil); rep.ExitCode() != VerifyRefused {
			t.Errorf("verify: exit %d, %v", rep.ExitCode(), rep.Problems)
		}
	})
	t.Run("unexpected pass", func(t *testing.T) {
		oc := certifyFixture(t, `profiles = ["core"]`+"\n"+knownConnExists, nil, nil)
		v := oc.Verdict
		if v.Result != Refused || oc.ExitCode() != 1 || len(v.Reasons) != 1 || !strings.Contains(v.Reasons[0], "unexpected pass") {
			t.Fatalf("verdict %s, reasons %q", v.Result, v.Reasons)
		}
		if oc.RunCode != 0 {
			t.Errorf("every scenario passed, yet the run exits %d", oc.RunCode)
		}
		if rep := verifyFixture(oc.Bundle, nil); rep.ExitCode() != VerifyRefused {
			t.Errorf("verify: exit %d, %v", rep.ExitCode(), rep.Problems)
		}
	})
	t.Run("required failure", func(t *testing.T) {
		oc := certifyFixture(t, `profiles = ["core"]`, fakevault.New(fakevault.WithFaults(fakevault.FaultSlotValueUnpadded)), nil)
		v := oc.Verdict
		if v.Result != Refused || !slices.ContainsFunc(v.Reasons, func(r string) bool { return strings.HasPrefix(r, "ITEM-VALUE-01 (MUST, core) failed") }) {
			t.Fatalf("verdict %s, reasons %q", v.Result, v.Reasons)
		}
		if rep := verifyFixture(oc.Bundle, nil); rep.ExitCode() != VerifyRefused {
			t.Errorf("verify: exit %d, %v", rep.ExitCode(), rep.Problems)
		}
	})
	t.Run("extended runs its scenarios", func(t *testing.T) {
		oc := certifyFixture(t, `profiles = ["core", "extended"]`, nil, nil)
		if oc.Verdict.Result != Certified || oc.Verdict.Totals[OutcomePass] != 3 {
			t.Fatalf("verdict %s, totals %v, reasons %q", oc.Verdict.Result, oc.Verdict.Totals, oc.Verdict.Reasons)
		}
	})
}

func TestHonestRunsOnly(t *testing.T) {
	d, err := ParseDeclaration("vendor.hcl", []byte(fixtureDeclaration+`profiles = ["core"]`))
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"http://127.0.0.1:1", "docker:vaultcheck-fake"} {
		_, err := Run(context.Background(), Options{Declaration: d, Target: target, Keys: "fast", Log: io.Discard})
		if !errors.Is(err, ErrDishonest) || !strings.Contains(err.Error(), "only the built-in fake") {
			t.Errorf("--keys fast against %s: %v", target, err)
		}
	}
	_, err = Run(context.Background(), Options{Declaration: d, VaultURL: "http://127.0.0.1:1/vault", KeystoreURL: "http://127.0.0.1:1/keystore", Keys: "fast", Log: io.Discard})
	if !errors.Is(err, ErrDishonest) {
		t.Errorf("--keys fast against services by URL: %v", err)
	}
	if _, err := Run(context.Background(), Options{Declaration: d, Target: "inproc", Keys: "slow"}); !errors.Is(err, harness.ErrUsage) {
		t.Errorf("keys slow: %v", err)
	}
}

// TestRunCutShort certifies a Vault so slow that the run's deadline
// passes: the certification is refused, its bundle is written all the
// same, and it verifies as refused.
func TestRunCutShort(t *testing.T) {
	d, err := ParseDeclaration("vendor.hcl", []byte(fixtureDeclaration+`profiles = ["core"]`))
	if err != nil {
		t.Fatal(err)
	}
	fake := fakevault.New()
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == meeco.VaultPrefix+meeco.VConnections {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
		fake.ServeHTTP(w, r)
	})
	oc, err := Run(context.Background(), Options{Declaration: d, Target: harness.TargetInproc, Keys: "fast",
		Suite: os.DirFS("testdata/suite"), Handler: slow, Profiles: &fixtureProfiles, Timeout: 2 * time.Second, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if oc.Verdict.Result != Refused || oc.ExitCode() != harness.ExitUnexercised || oc.RunErr == nil {
		t.Fatalf("verdict %s, exit %d, run error %v; reasons %q", oc.Verdict.Result, oc.ExitCode(), oc.RunErr, oc.Verdict.Reasons)
	}
	if rep := verifyFixture(oc.Bundle, nil); rep.ExitCode() != VerifyRefused {
		t.Errorf("verify: exit %d, %v", rep.ExitCode(), rep.Problems)
	}
}
