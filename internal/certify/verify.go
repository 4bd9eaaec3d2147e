package certify

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/internal/suite"
	"github.com/vaultcheck/vaultcheck/results"
)

// Exit codes of certify verify. A bundle whose every check agrees exits 0
// when its verdict is certified and 1 when it is refused, so that a
// script that trusts exit 0 never accepts a refused product; the others
// say what failed, the first of bad signature, digest mismatch and verdict
// mismatch winning.
const (
	VerifyCertified    = 0
	VerifyRefused      = 1
	VerifyUsage        = 2
	VerifyBadSignature = 6
	VerifyDigest       = 7
	VerifyMismatch     = 8
)

// The kinds of a verify problem, in the order their exit codes win.
const (
	KindSignature = "signature"
	KindDigest    = "digest"
	KindMismatch  = "mismatch"
)

// Problem is one way a bundle fails verification.
type Problem struct {
	Kind string
	// File is the bundle file concerned ("" for the bundle as a whole).
	File string
	Msg  string
}

func (p Problem) String() string {
	if p.File != "" {
		return fmt.Sprintf("%s: %s: %s", p.Kind, p.File, p.Msg)
	}
	return p.Kind + ": " + p.Msg
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Key is the signer's public key; nil checks the signature with the
	// key embedded in the bundle, which proves integrity but not who
	// signed (Report.SignerVerified is false).
	Key ed25519.PublicKey
	// Suite is the suite the bundle's run must have used; nil means the
	// one embedded in this vaultcheck. For tests.
	Suite fs.FS
	// Profiles are the profiles the bundle must have used; nil means
	// CurrentProfiles. For tests.
	Profiles *ProfileSet
}

// Report is what Verify found.
type Report struct {
	// Signer is the fingerprint of the key the signature verified with;
	// SignerVerified says it was the key given, not the embedded one.
	Signer         string
	SignerVerified bool
	// Problems are every check that failed.
	Problems []Problem
	// Notes say what was checked, one line each, in order.
	Notes []string
	// Recorded is the bundle's verdict; Rederived the one derived again
	// (nil when the files could not be trusted or read).
	Recorded, Rederived *Verdict
	Product             Product
}

func (r *Report) notef(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func (r *Report) fail(kind, file, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Kind: kind, File: file, Msg: fmt.Sprintf(format, args...)})
}

func (r *Report) has(kind string) bool {
	return slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Kind == kind })
}

// ExitCode is the verification's exit code.
func (r *Report) ExitCode() int {
	switch {
	case r.has(KindSignature):
		return VerifyBadSignature
	case r.has(KindDigest):
		return VerifyDigest
	case r.has(KindMismatch) || r.Rederived == nil:
		return VerifyMismatch
	case r.Rederived.Result == Certified:
		return VerifyCertified
	}
	return VerifyRefused
}

// Verify checks a bundle offline: the DSSE signature of its Statement,
// the SHA-256 of every file against the Statement's subjects (a file
// changed, missing or added is named), then, from the signed files alone,
// re-derives the verdict: the profiles and the suite must be this
// vaultcheck's, every scenario ledger is re-checked from its material
// (RecheckLedger) and must agree with the run's results, and Decide over
// the recorded results and declaration must give the recorded verdict,
// which the Statement's predicate must repeat.
func Verify(ctx context.Context, b *Bundle, o VerifyOptions) *Report {
	r := &Report{}
	opened := r.checkSignature(ctx, b, o)
	if opened == nil {
		r.notef("not re-derived: the signature does not hold, so nothing in the bundle can be trusted")
		return r
	}
	if !r.checkDigests(b, opened) {
		r.notef("not re-derived: the files are not those that were signed")
		return r
	}
	r.rederive(ctx, b, opened, o)
	return r
}

func (r *Report) checkSignature(ctx context.Context, b *Bundle, o VerifyOptions) *Opened {
	env, ok := b.Files[EnvelopeFile]
	if !ok {
		r.fail(KindSignature, EnvelopeFile, "missing: the bundle is not signed")
		return nil
	}
	key := o.Key
	if key == nil {
		raw, ok := b.Files[SignerFile]
		if !ok {
			r.fail(KindSignature, SignerFile, "missing, and no --key given: nothing to check the signature with")
			return nil
		}
		k, err := LoadPublicKey(raw)
		if err != nil {
			r.fail(KindSignature, SignerFile, "%v", err)
			return nil
		}
		key = k
	}
	opened, err := OpenEnvelope(ctx, env, key)
	if err != nil {
		r.fail(KindSignature, EnvelopeFile, "%v", strings.TrimPrefix(err.Error(), ErrSignature.Error()+": "))
		return nil
	}
	r.Signer, r.SignerVerified = Fingerprint(key), o.Key != nil
	if o.Key != nil {
		r.notef("signature: valid, made with the key given (%s)", r.Signer)
		if raw, ok := b.Files[SignerFile]; ok {
			if k, err := LoadPublicKey(raw); err == nil && !k.Equal(o.Key) {
				r.notef("note: the bundle's own %s is another key (%s); the key given is the one that counts", SignerFile, Fingerprint(k))
			}
		}
	} else {
		r.notef("signature: valid for the key in the bundle (%s), but the signer is UNVERIFIED: anyone can sign with a key of their own; give --key with the vendor's published key", r.Signer)
	}
	return opened
}

func (r *Report) checkDigests(b *Bundle, opened *Opened) bool {
	good := true
	for _, name := range sortedKeys(opened.Subjects) {
		body, ok := b.Files[name]
		switch {
		case name == EnvelopeFile:
			r.fail(KindDigest, name, "the envelope cannot sign itself")
			good = false
		case !ok:
			r.fail(KindDigest, name, "missing: the signed Statement lists it")
			good = false
		case sha256Hex(body) != opened.Subjects[name]:
			r.fail(KindDigest, name, "changed: sha256 %s, signed %s", sha256Hex(body), opened.Subjects[name])
			good = false
		}
	}
	for _, name := range sortedKeys(b.Files) {
		if _, signed := opened.Subjects[name]; !signed && name != EnvelopeFile {
			r.fail(KindDigest, name, "not signed: a file the Statement does not list")
			good = false
		}
	}
	for _, name := range bundleFiles {
		if _, signed := opened.Subjects[name]; !signed && name != EnvelopeFile {
			r.fail(KindDigest, name, "not among the signed files: a bundle has it")
			good = false
		}
	}
	if good {
		r.notef("files: the sha256 of all %d signed files match", len(opened.Subjects))
	}
	return good
}

// recorded are a bundle's files, read.
type recorded struct {
	decl     *Declaration
	doc      *results.Document
	profiles ProfileSet
	verdict  Verdict
	ledger   LedgerRecord
	run      RunRecord
}

func (r *Report) read(b *Bundle) (*recorded, bool) {
	var rec recorded
	ok := true
	var err error
	if rec.decl, err = ParseDeclaration(DeclarationFile, b.Files[DeclarationFile]); err != nil {
		r.fail(KindMismatch, DeclarationFile, "does not parse with this vaultcheck: %v", err)
		ok = false
	}
	if rec.doc, err = results.Parse(b.Files[ResultsFile], ResultsFile); err != nil {
		r.fail(KindMismatch, ResultsFile, "%v", err)
		ok = false
	}
	for name, v := range map[string]any{ProfilesFile: &rec.profiles, VerdictFile: &rec.verdict, LedgerFile: &rec.ledger, RunFile: &rec.run} {
		if err := unmarshalStrict(name, b.Files[name], v); err != nil {
			r.fail(KindMismatch, name, "unreadable: %v", strings.TrimPrefix(err.Error(), name+": "))
			ok = false
		}
	}
	if ok && rec.ledger.Schema != LedgerSchema {
		r.fail(KindMismatch, LedgerFile, "schema %q, want %q", rec.ledger.Schema, LedgerSchema)
		ok = false
	}
	if ok && rec.run.Schema != RunSchema {
		r.fail(KindMismatch, RunFile, "schema %q, want %q", rec.run.Schema, RunSchema)
		ok = false
	}
	return &rec, ok
}

func (r *Report) rederive(ctx context.Context, b *Bundle, opened *Opened, o VerifyOptions) {
	rec, ok := r.read(b)
	if !ok {
		return
	}
	r.Recorded, r.Product = &rec.verdict, rec.decl.Product

	want := CurrentProfiles()
	if o.Profiles != nil {
		want = *o.Profiles
	}
	if d := rec.profiles.diff(want); d != "" {
		r.fail(KindMismatch, ProfilesFile, "the bundle's profiles are not this vaultcheck's (%s): verify it with the vaultcheck that made it, %s", d, toolName(rec.run.Tool))
	} else {
		r.notef("profiles: as this vaultcheck defines them")
	}
	r.checkSuite(ctx, rec, o)
	r.checkSteps(rec.doc)
	r.checkRun(rec)
	r.checkLedgers(rec)

	v := Decide(rec.doc, rec.decl, rec.profiles)
	r.Rederived = &v
	recorded, _ := json.Marshal(rec.verdict)
	derived, _ := json.Marshal(v)
	if !bytes.Equal(recorded, derived) {
		r.fail(KindMismatch, VerdictFile, "the recorded verdict is not the one the results and the declaration give: %s", verdictDiff(rec.verdict, v))
	} else {
		r.notef("verdict: derived again from the recorded steps and the declaration: %s, as recorded", v.Result)
	}
	r.checkPredicate(opened.Predicate, rec, v)
}

func toolName(t ToolRecord) string {
	s := "vaultcheck " + t.Version
	if t.Commit != "" {
		s += " (commit " + t.Commit
		if t.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s
}

// checkSuite checks that the run used this vaultcheck's suite and that
// every scenario names the requirements the suite's tags say.
func (r *Report) checkSuite(ctx context.Context, rec *recorded, o VerifyOptions) {
	fsys := o.Suite
	if fsys == nil {
		fsys = vaultcheck.Suite
	}
	s, err := suite.Load(ctx, suite.Options{Default: fsys, SourceLine: hclscenario.SourceLine})
	if err != nil || len(s.Problems) > 0 {
		r.fail(KindMismatch, "", "this vaultcheck's own suite does not load: %v", err)
		return
	}
	var sources []results.SourceFile
	reqs := map[string][]results.ReqRef{}
	for _, ft := range s.Features() {
		sources = append(sources, results.SourceFile{Name: ft.URI, Contents: ft.Contents})
		for i, id := range results.PickleIDs(ft.URI, ft.Doc, ft.Pickles) {
			var tags []string
			for _, t := range ft.Pickles[i].Tags {
				tags = append(tags, t.Name)
			}
			reqs[id] = results.Requirements(tags)
		}
	}
	digest := results.SuiteDigest(sources)
	switch {
	case rec.doc.Run.SuiteDigest != digest:
		r.fail(KindMismatch, ResultsFile, "the run's suite (%s) is not this vaultcheck's (%s): verify it with the vaultcheck that made it, %s", rec.doc.Run.SuiteDigest, digest, toolName(rec.run.Tool))
		return
	case rec.run.Suite.RanDigest != digest:
		r.fail(KindMismatch, RunFile, "suite digest %s, results.json says %s", rec.run.Suite.RanDigest, digest)
	}
	seen := map[string]bool{}
	bad := 0
	for _, sc := range rec.doc.Scenarios {
		seen[sc.ID] = true
		want, ok := reqs[sc.ID]
		switch {
		case !ok:
			r.fail(KindMismatch, ResultsFile, "scenario %q is not in the suite", sc.ID)
			bad++
		case !slices.Equal(want, sc.Requirements):
			r.fail(KindMismatch, ResultsFile, "scenario %q names requirements %v, the suite's tags %v", sc.ID, refs(sc.Requirements), refs(want))
			bad++
		}
	}
	for _, id := range sortedKeys(reqs) {
		if !seen[id] {
			r.fail(KindMismatch, ResultsFile, "scenario %q of the suite is missing from the results", id)
			bad++
		}
	}
	if bad == 0 {
		r.notef("suite: the run's %d scenarios are this vaultcheck's suite (%s), with the requirements its tags name", len(rec.doc.Scenarios), digest)
	}
}

func refs(rs []results.ReqRef) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

// checkSteps derives each scenario's status again from its recorded
// steps: a scenario passed only if every step did and nothing went wrong
// with it as a whole; one whose step failed or erred has at least that
// status; a failure no step shows is explained by the scenario's message
// (a ledger that did not re-verify, a secret found in clear); one that did
// not run has no step that ran.
func (r *Report) checkSteps(doc *results.Document) {
	n := len(r.Problems)
	bad := func(sc *results.Scenario, format string, args ...any) {
		r.fail(KindMismatch, ResultsFile, "scenario %q is %s, but %s", sc.ID, sc.Status, fmt.Sprintf(format, args...))
	}
	for i := range doc.Scenarios {
		sc := &doc.Scenarios[i]
		worst := results.Passed
		ran := 0
		for _, st := range sc.Steps {
			if st.Status == results.Failed || st.Status == results.Error {
				worst = results.Worst(worst, st.Status)
			}
			if st.Status != results.Skipped && st.Status != results.Disabled {
				ran++
			}
		}
		switch sc.Status {
		case results.Passed:
			if worst != results.Passed {
				bad(sc, "a step %s", worst)
			} else if ran != len(sc.Steps) {
				bad(sc, "%d of its %d steps did not pass", len(sc.Steps)-ran, len(sc.Steps))
			} else if sc.Message != "" {
				bad(sc, "it has a problem of its own")
			}
		case results.Failed, results.Error:
			if worst.Rank() > sc.Status.Rank() {
				bad(sc, "a step %s", worst)
			} else if worst == results.Passed && sc.Message == "" {
				bad(sc, "no step failed and nothing says why")
			}
		case results.Disabled, results.Skipped:
			if ran > 0 && sc.Status == results.Disabled {
				bad(sc, "%d of its steps ran", ran)
			}
		}
	}
	if len(r.Problems) == n {
		r.notef("steps: every scenario's status follows from its recorded steps")
	}
}

// checkRun compares run.json with the results it describes.
func (r *Report) checkRun(rec *recorded) {
	run, res := rec.run, rec.doc.Run
	bad := func(format string, args ...any) { r.fail(KindMismatch, RunFile, format, args...) }
	n := len(r.Problems)
	if run.Options.Keys != res.Keys {
		bad("keys %q, results.json says %q", run.Options.Keys, res.Keys)
	}
	if run.Options.Blindness != "on" {
		bad("the server-blindness checks were %q: a certification runs them", run.Options.Blindness)
	}
	if run.ExitCode != res.ExitCode {
		bad("exit code %d, results.json says %d", run.ExitCode, res.ExitCode)
	}
	if want := res.Target; run.Target.Target != want {
		bad("target %q, results.json says %q", run.Target.Target, want)
	}
	if res.Started.Before(run.Started.Add(-time.Second)) || res.Finished.After(run.Finished.Add(time.Second)) {
		bad("the run's results (%s to %s) fall outside the certification's times (%s to %s)",
			res.Started.Format(time.RFC3339), res.Finished.Format(time.RFC3339), run.Started.Format(time.RFC3339), run.Finished.Format(time.RFC3339))
	}
	if run.Vectors.Failed > 0 {
		bad("vaultcheck's crypto failed %d vectors before the run", run.Vectors.Failed)
	}
	if len(r.Problems) == n {
		r.notef("run: %s against %s (%s), keys %s, blindness on, %s to %s", toolName(run.Tool), run.Target.Target, run.Target.Kind,
			run.Options.Keys, run.Started.Format(time.RFC3339), run.Finished.Format(time.RFC3339))
	}
}

// checkLedgers re-checks every ledger and compares it with the run's
// results: the same scenarios, the same entries, the same outcome of the
// re-check, and nothing wrong in a scenario that passed.
func (r *Report) checkLedgers(rec *recorded) {
	checks := RecheckLedgers(&rec.ledger)
	n := len(r.Problems)
	var entries, checked, notCheckable, shareKeys, exclusive, canonical int
	for _, sc := range rec.doc.Scenarios {
		c, have := checks[sc.ID]
		switch {
		case sc.Ledger == nil && have:
			r.fail(KindMismatch, LedgerFile, "scenario %q has a ledger but did not run", sc.ID)
			continue
		case sc.Ledger == nil:
			continue
		case !have:
			r.fail(KindMismatch, LedgerFile, "scenario %q ran, but its ledger is not recorded", sc.ID)
			continue
		}
		entries += c.Entries
		checked += c.Checked
		notCheckable += c.NotCheckable
		shareKeys += c.ShareKeys
		exclusive += c.Exclusive
		canonical += c.Canonical
		if c.Entries != sc.Ledger.Entries || !mapsEqual(c.ByOp, sc.Ledger.ByOp) {
			r.fail(KindMismatch, LedgerFile, "scenario %q: %d entries %v, results.json says %d %v", sc.ID, c.Entries, c.ByOp, sc.Ledger.Entries, sc.Ledger.ByOp)
		}
		switch {
		case sc.Ledger.Verified && len(c.Errors) > 0:
			r.fail(KindMismatch, LedgerFile, "scenario %q: its ledger re-verified in the run, but not offline: %s", sc.ID, c.Errors[0])
		case !sc.Ledger.Verified && sc.Ledger.Checked+sc.Ledger.Skipped > 0 && len(c.Errors) == 0:
			r.fail(KindMismatch, LedgerFile, "scenario %q: its ledger did not re-verify in the run, but does offline", sc.ID)
		}
		if sc.Status == results.Passed && !c.Clean() {
			r.fail(KindMismatch, LedgerFile, "scenario %q passed, but its ledger does not hold up offline: %s", sc.ID, c.problems()[0])
		}
	}
	for _, id := range sortedKeys(checks) {
		if _, ok := rec.doc.Scenario(id); !ok {
			r.fail(KindMismatch, LedgerFile, "a ledger for %q, which is not a scenario of the run", id)
		}
	}
	if len(r.Problems) == n {
		r.notef("ledger: %d scenarios, %d entries: %d re-done from the recorded material and matched, %d not re-checkable (keys derived from passwords, refusals that are not decryptions, hash checks of values no recorded decryption gives); %d share keys open with the recipient's key and no other of their scenario; %d Cryppo strings canonical",
			len(checks), entries, checked, notCheckable, exclusive, canonical)
		if shareKeys != exclusive {
			r.notef("ledger: %d share keys open with another key too, in scenarios that did not pass", shareKeys-exclusive)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// verdictDiff says how two verdicts differ, first difference first.
func verdictDiff(want, got Verdict) string {
	if want.Result != got.Result {
		return fmt.Sprintf("recorded %s, derived %s", want.Result, got.Result)
	}
	if !slices.Equal(want.Reasons, got.Reasons) {
		return fmt.Sprintf("recorded reasons %q, derived %q", want.Reasons, got.Reasons)
	}
	for i := range min(len(want.Requirements), len(got.Requirements)) {
		a, b := want.Requirements[i], got.Requirements[i]
		wa, _ := json.Marshal(a)
		wb, _ := json.Marshal(b)
		if !bytes.Equal(wa, wb) {
			return fmt.Sprintf("%s: recorded %s (%s), derived %s (%s)", a.ID, a.Outcome, a.Status, b.Outcome, b.Status)
		}
	}
	if len(want.Requirements) != len(got.Requirements) {
		return fmt.Sprintf("recorded %d requirements, derived %d", len(want.Requirements), len(got.Requirements))
	}
	return "they differ in the scenarios they list"
}

// checkPredicate compares the signed predicate with the files.
func (r *Report) checkPredicate(p Predicate, rec *recorded, v Verdict) {
	want := predicate(rec.decl, rec.doc, &rec.run, v)
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(p)
	if !bytes.Equal(a, b) {
		r.fail(KindMismatch, EnvelopeFile, "the signed predicate does not say what the files say (predicate verdict %s, derived %s)", p.Verdict, v.Result)
		return
	}
	r.notef("statement: its predicate repeats the verdict, declaration, tool and times of the files")
}
