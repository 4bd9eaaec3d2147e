package certify

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/vectors"
	"github.com/vaultcheck/vaultcheck/internal/version"
	"github.com/vaultcheck/vaultcheck/results"
)

// ErrDishonest reports an option that would make the run something other
// than a certification run: publicly known keys against a real target.
var ErrDishonest = errors.New("not allowed in a certification")

// ErrSelfTest reports that vaultcheck's own crypto does not match the
// vectors of Meeco's libraries: it cannot judge anyone else's.
var ErrSelfTest = errors.New("vaultcheck's crypto self-test failed")

// Options configure a certification. Everything that could change a
// verdict is fixed: the whole suite, the scenarios of the claimed profiles,
// no tag filter, no fail-fast, no shards, the server-blindness checks on,
// fresh keys against anything but the built-in fake.
type Options struct {
	// Declaration is what is claimed.
	Declaration *Declaration
	// Target is "inproc", a base URL serving /vault and /keystore, or
	// "docker:IMAGE[:TAG]".
	Target string
	// VaultURL and KeystoreURL name services on different hosts, as
	// harness.Options' do; given both, Target may be empty.
	VaultURL, KeystoreURL string
	// SubscriptionKey is sent as Meeco's subscription key.
	SubscriptionKey string
	// Keys is "fresh" (the default) or "fast", which only the in-process
	// fake may use: its users vanish with the process.
	Keys string
	// Concurrency, RequestTimeout, Timeout and the docker options are
	// harness.Options'; they change how long a run takes, never what it
	// judges.
	Concurrency    int
	RequestTimeout time.Duration
	Timeout        time.Duration
	DockerEnv      []string
	DockerArgs     []string
	DockerWait     time.Duration
	// Signer signs the bundle; nil means a fresh key.
	Signer *Signer
	// Output gets the run's progress; Log vaultcheck's notes.
	Output, Log io.Writer

	// For tests of certification itself, never reachable from the
	// command line: the suite (nil: the embedded one), the in-process
	// fake's handler (a fake with faults), a key source and the profiles.
	Suite     fs.FS
	Handler   http.Handler
	KeySource keysource.Source
	// Profiles replaces this vaultcheck's profiles, for tests whose own
	// small suite checks a few requirements; nil means CurrentProfiles.
	Profiles *ProfileSet
}

// Outcome is a certification that ran.
type Outcome struct {
	Verdict Verdict
	Bundle  *Bundle
	// RunCode is the run's exit code as vaultcheck run gives it.
	RunCode int
	// RunErr says why the run did not finish cleanly (a target that could
	// not be exercised, a broken harness); nil otherwise.
	RunErr error
	// Signer is the public key that signed the bundle; FreshSigner says
	// it was made for this bundle and its private half is gone.
	Signer      ed25519.PublicKey
	FreshSigner bool
}

// ExitCode is the certification's exit code: the run's when it could not
// judge everything (3 harness, 4 target, 2 scenario errors), else 0 when
// certified and 1 when refused.
func (o *Outcome) ExitCode() int {
	switch o.RunCode {
	case harness.ExitHarness, harness.ExitUnexercised, harness.ExitUsage, harness.ExitReport:
		return o.RunCode
	}
	if o.Verdict.Result == Certified {
		return harness.ExitPassed
	}
	return harness.ExitFailed
}

// Run certifies a target: it checks the options, checks vaultcheck's own
// crypto against the embedded vectors, runs the suite's scenarios of the
// claimed profiles against the target, derives the verdict and returns
// the signed bundle. An error means no run took place (bad options, a
// target that could not be started, the self-test failed); a run that
// happened returns its Outcome, bundle included, whatever its verdict.
func Run(ctx context.Context, o Options) (*Outcome, error) {
	if o.Declaration == nil {
		return nil, fmt.Errorf("%w: no declaration", ErrDeclaration)
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	inproc := (o.Target == "" || o.Target == harness.TargetInproc) && o.VaultURL == "" && o.KeystoreURL == ""
	switch o.Keys {
	case "", keysource.ModeFresh:
		o.Keys = keysource.ModeFresh
	case keysource.ModeFast:
		if !inproc {
			return nil, fmt.Errorf("%w: --keys fast hands out publicly known test keys: only the built-in fake (--target inproc) may use them; %s gets fresh keys", ErrDishonest, o.Target)
		}
	default:
		return nil, fmt.Errorf("%w: keys %q, want %q (or %q against the built-in fake)", harness.ErrUsage, o.Keys, keysource.ModeFresh, keysource.ModeFast)
	}
	if o.KeySource != nil && o.KeySource.Mode() != o.Keys {
		return nil, fmt.Errorf("%w: the key source gives %s keys, the run says %s", harness.ErrUsage, o.KeySource.Mode(), o.Keys)
	}
	profiles := CurrentProfiles()
	if o.Profiles != nil {
		profiles = *o.Profiles
	}
	signer := o.Signer
	if signer == nil {
		var err error
		if signer, err = NewSigner(); err != nil {
			return nil, err
		}
	}

	rec := RunRecord{Schema: RunSchema, Tool: toolRecord(), Options: RunOptions{Keys: o.Keys, Blindness: "on",
		Concurrency: o.Concurrency, SubscriptionKey: o.SubscriptionKey != "", DockerArgs: slices.Clone(o.DockerArgs)}}
	if rec.Options.Concurrency == 0 {
		rec.Options.Concurrency = harness.DefaultConcurrency()
	}
	rec.Options.RequestTimeout = nonZero(o.RequestTimeout, harness.DefaultRequestTimeout).String()
	if o.Timeout > 0 {
		rec.Options.Timeout = o.Timeout.String()
	}
	for _, kv := range o.DockerEnv {
		name, _, _ := strings.Cut(kv, "=")
		rec.Options.DockerEnv = append(rec.Options.DockerEnv, name)
	}

	var err error
	if rec.Vectors, err = selfTest(); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Log, "vaultcheck: certify: crypto self-test: %d vectors of Meeco's libraries passed (%s)\n", rec.Vectors.Passed, rec.Vectors.Digest)
	suiteFS := o.Suite
	rec.Suite.Embedded = suiteFS == nil
	if suiteFS == nil {
		suiteFS = vaultcheck.Suite
	}
	if rec.Suite.FilesDigest, err = suiteFilesDigest(suiteFS, &rec.Suite.Files); err != nil {
		return nil, fmt.Errorf("%w: the suite's files: %v", harness.ErrHarness, err)
	}

	ident := newIdentityRecorder(http.DefaultTransport.(*http.Transport).Clone())
	var (
		mu       sync.Mutex
		target   harness.TargetInfo
		doc      *results.Document
		ledgers  = map[string]*ledger.Evidence{}
		reqLimit = nonZero(o.RequestTimeout, harness.DefaultRequestTimeout)
	)
	hopts := harness.Options{
		FS:              o.Suite,
		SourceLine:      hclscenario.SourceLine,
		Target:          o.Target,
		VaultURL:        o.VaultURL,
		KeystoreURL:     o.KeystoreURL,
		SubscriptionKey: o.SubscriptionKey,
		HTTPClient:      &http.Client{Timeout: reqLimit, Transport: ident},
		RequestTimeout:  reqLimit,
		Timeout:         o.Timeout,
		DockerEnv:       o.DockerEnv,
		DockerArgs:      o.DockerArgs,
		DockerWait:      o.DockerWait,
		Handler:         o.Handler,
		Format:          "progress",
		Progress:        harness.ProgressPlain,
		Concurrency:     o.Concurrency,
		Keys:            o.Keys,
		KeySource:       o.KeySource,
		Output:          o.Output,
		Log:             o.Log,
		Select:          Selector(o.Declaration, profiles),
		OnTarget:        func(ti harness.TargetInfo) { target = ti },
		OnLedger: func(id string, l *ledger.Ledger) {
			ev := l.Evidence()
			mu.Lock()
			ledgers[id] = ev
			mu.Unlock()
		},
		OnResults: func(d *results.Document) { doc = d },
	}
	rec.Started = time.Now().UTC()
	code, runErr := harness.Run(ctx, hopts)
	rec.Finished = time.Now().UTC()
	if doc == nil {
		// The run stopped before any scenario could be recorded: bad
		// options, a target that never started.
		if runErr == nil {
			runErr = fmt.Errorf("%w: the run ended without results (exit %d)", harness.ErrHarness, code)
		}
		return nil, runErr
	}
	rec.ExitCode = code
	rec.Target = identity(o.Target, inproc, target)
	rec.Target.Target = doc.Run.Target // as results.json names it (a URL without its trailing slash)
	ident.identity(&rec.Target)
	rec.Suite.RanDigest = doc.Run.SuiteDigest
	for _, sc := range doc.Scenarios {
		rec.Suite.Scenarios++
		if sc.Status != results.Disabled {
			rec.Suite.Enabled++
		}
	}

	verdict := Decide(doc, o.Declaration, profiles)
	bundle, err := assemble(ctx, o.Declaration, doc, &LedgerRecord{Schema: LedgerSchema, Scenarios: ledgers}, &rec, profiles, verdict, signer)
	if err != nil {
		return nil, err
	}
	return &Outcome{Verdict: verdict, Bundle: bundle, RunCode: code, RunErr: runErr, Signer: signer.Public(), FreshSigner: signer.Fresh}, nil
}

func nonZero(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// identity is the target as recorded, before what its responses showed.
func identity(given string, inproc bool, ti harness.TargetInfo) TargetIdentity {
	id := TargetIdentity{Target: given, Kind: "url", VaultURL: ti.VaultURL, KeystoreURL: ti.KeystoreURL}
	switch {
	case ti.Inproc || inproc:
		id.Target, id.Kind = harness.TargetInproc, "inproc"
	case strings.HasPrefix(given, harness.TargetDockerPrefix):
		id.Kind = "docker"
		id.Docker = &DockerIdentity{Image: ti.DockerImage, ImageID: ti.DockerImageID, RepoDigests: ti.DockerRepoDigests, Container: ti.DockerContainer}
	}
	return id
}

// assemble makes the bundle's files and signs them.
func assemble(ctx context.Context, decl *Declaration, doc *results.Document, led *LedgerRecord, rec *RunRecord, profiles ProfileSet, v Verdict, signer *Signer) (*Bundle, error) {
	files := map[string][]byte{DeclarationFile: bytes.Clone(decl.Source), SignerFile: PublicKeyPEM(signer.Public())}
	var err error
	if files[ResultsFile], err = results.Marshal(doc); err != nil {
		return nil, err
	}
	for name, v := range map[string]any{LedgerFile: led, RunFile: rec, ProfilesFile: profiles, VerdictFile: v} {
		if files[name], err = marshal(v); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBundle, name, err)
		}
	}
	statement, err := Statement(files, predicate(decl, doc, rec, v))
	if err != nil {
		return nil, fmt.Errorf("%w: statement: %v", ErrBundle, err)
	}
	if files[EnvelopeFile], err = signer.Sign(ctx, statement); err != nil {
		return nil, fmt.Errorf("%w: signing: %v", ErrBundle, err)
	}
	return &Bundle{Files: files}, nil
}

// predicate is what the Statement says of the certification.
func predicate(decl *Declaration, doc *results.Document, rec *RunRecord, v Verdict) Predicate {
	p := Predicate{Verdict: v.Result, Reasons: v.Reasons, Product: decl.Product, Profiles: decl.Profiles,
		Capabilities: decl.Capabilities, KnownFailures: []string{}, Outcomes: v.Totals, Tool: rec.Tool,
		SuiteDigest: doc.Run.SuiteDigest, Target: rec.Target.Target,
		Started: rec.Started.Format(time.RFC3339Nano), Finished: rec.Finished.Format(time.RFC3339Nano)}
	for _, k := range decl.KnownFailures {
		p.KnownFailures = append(p.KnownFailures, k.Requirement)
	}
	return p
}

// toolRecord describes this build of vaultcheck.
func toolRecord() ToolRecord {
	v := version.Get()
	t := ToolRecord{Name: "vaultcheck", Version: v.Version, Commit: v.Commit, Modified: v.Modified, Go: v.Go, Platform: v.Platform}
	if exe, err := os.Executable(); err == nil {
		if f, err := os.Open(exe); err == nil {
			h := sha256.New()
			if _, err := io.Copy(h, f); err == nil {
				t.BinarySHA256 = hex.EncodeToString(h.Sum(nil))
			}
			f.Close()
		}
	}
	return t
}

// selfTest checks vaultcheck's crypto against the vectors built into it:
// a vaultcheck that disagrees with Meeco's libraries judges nobody.
func selfTest() (VectorsRecord, error) {
	var rec VectorsRecord
	var err error
	if rec.Digest, rec.Files, err = FilesDigest(vaultcheck.Vectors, "testdata/vectors/*.json"); err != nil || len(rec.Files) == 0 {
		return rec, fmt.Errorf("%w: the embedded vectors: %v", ErrSelfTest, err)
	}
	for _, name := range sortedKeys(rec.Files) {
		raw, err := fs.ReadFile(vaultcheck.Vectors, name)
		if err != nil {
			return rec, fmt.Errorf("%w: %v", ErrSelfTest, err)
		}
		f, err := vectors.Decode(name, raw)
		if err != nil {
			return rec, fmt.Errorf("%w: %v", ErrSelfTest, err)
		}
		passed, failed := vectors.Verify(f).Counts()
		rec.Passed += passed
		rec.Failed += failed
	}
	if rec.Failed > 0 {
		return rec, fmt.Errorf("%w: %d of %d vectors fail (vaultcheck vectors verify names them)", ErrSelfTest, rec.Failed, rec.Passed+rec.Failed)
	}
	return rec, nil
}

// suiteFilesDigest digests the suite's files as written.
func suiteFilesDigest(fsys fs.FS, n *int) (string, error) {
	d, files, err := FilesDigest(fsys, "features/*.feature", "scenarios/*.hcl", "*.feature", "*.hcl")
	*n = len(files)
	return d, err
}
