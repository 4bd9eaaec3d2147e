// Package harness runs vaultcheck's conformance suite: it resolves the
// target (the in-process fake Vault or a URL), loads Gherkin features (the
// embedded ones, or files and folders), validates every option before
// anything runs, and drives godog with the step library, turning the outcome
// into one exit code that keeps a wrong target (1) apart from a wrong
// scenario or usage (2), a broken or interrupted harness (3) and a report
// that could not be written (5).
//
// godog is used as a library with its Options always filled in, because
// several of its defaults are traps: an empty format exits 2, cucumber tag
// expressions silently select nothing, "@a&&" panics, and it keeps
// process-wide state (so Run never lets two suites run at once). The
// harness also routes every format through writers of its own (reports.go):
// godog ignores write errors of its report files, its "pretty" shows the Go
// location of the step adapter instead of the step's, its summary prints
// nanoseconds, and it never says which scenarios did not run.
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/steps"
)

// Exit codes of Run, shared with the vaultcheck command. When several
// apply, the run exits with the first of 3, 5, 2, 1 that does.
const (
	ExitPassed  = 0 // every selected scenario passed
	ExitFailed  = 1 // the target failed a scenario
	ExitUsage   = 2 // bad options, unreadable or malformed input, or a scenario error
	ExitHarness = 3 // the harness broke or the run was interrupted; results are incomplete
	// ExitUnexercised is reserved for a target that could not be
	// exercised at all; Run does not return it yet.
	ExitUnexercised = 4
	ExitReport      = 5 // a report (a FORMAT:FILE, or the console) could not be written
)

// Error kinds not tied to one input.
var (
	// ErrUsage reports an option value that is out of range.
	ErrUsage = errors.New("usage")
	// ErrHarness reports that the harness itself broke: the fake Vault
	// could not start, the key source failed, the run was interrupted,
	// godog behaved unexpectedly.
	ErrHarness = errors.New("harness error")
)

// Options configures Run. The zero Options runs the embedded features
// against the in-process fake Vault with the default format.
type Options struct {
	// Paths are .feature files, folders of them, and "file.feature:LINE"
	// to select the scenario containing LINE. Files with an extension in
	// FrontEnds are accepted too. Empty: every feature of FS.
	Paths []string
	// FS is where Paths are looked up; nil means the OS file system. With
	// no Paths, the features are every scenario file in FS, or in the
	// suite embedded in the binary (vaultcheck.Suite: features/ and
	// scenarios/) when FS is nil too.
	FS fs.FS
	// FrontEnds turn other scenario languages into Gherkin, keyed by
	// lower-case file extension with its dot (".txt"). HCL scenarios need
	// none: they are compiled with Vars.
	FrontEnds map[string]FrontEnd
	// Vars set HCL scenario variables, as --var does.
	Vars map[string]string
	// SourceLine maps lines of front-end features back to their source
	// files for reports; nil reports generated Gherkin lines.
	SourceLine SourceLineFunc

	// Target is "inproc" (the default: a fresh fake Vault on a loopback
	// port for this run) or the base URL of a server serving /vault and
	// /keystore.
	Target string
	// VaultURL and KeystoreURL override the URLs derived from Target.
	// Given both, no in-process fake is started.
	VaultURL, KeystoreURL string
	// SubscriptionKey is sent to the target as Meeco's subscription key.
	SubscriptionKey string
	// HTTPClient is used by the steps and the reachability check; nil
	// means http.DefaultClient.
	HTTPClient *http.Client
	// Handler is what the inproc target serves; nil means a new
	// fakevault.Server (which then requires SubscriptionKey, if set). For
	// tests of the harness itself.
	Handler http.Handler

	// Format is a comma-separated godog format list: "progress",
	// "progress,junit:out/junit.xml,cucumber:out/cucumber.json". Empty
	// means DefaultFormat. Parent folders of report files are created; a
	// report that cannot be written completely makes the run exit
	// ExitReport.
	Format string
	// Tags selects scenarios, as a cucumber tag expression ("@smoke and
	// not @slow") or a godog filter ("@smoke&&~@slow"); see ParseTags.
	Tags string
	// Concurrency is how many scenarios run at once; 0 means
	// DefaultConcurrency().
	Concurrency int
	// Seed orders scenarios within each feature: 0 keeps file order, -1
	// picks a random seed and reports it, any other value is that seed.
	Seed int64
	// FailFast stops at the first scenario that does not pass; the rest
	// are reported as not run. It forces Concurrency 1, so that the
	// scenario that stopped the run is the last one that ran.
	FailFast bool
	// Keys is the key source: "fast" (publicly known pre-generated test
	// keys) or "fresh" (newly generated). Empty: fast for the inproc
	// target, fresh for anything else.
	Keys string
	// KeySource, when set, is used instead of a source made from Keys;
	// the caller closes it.
	KeySource keysource.Source

	// Output receives the console format; nil means os.Stdout.
	Output io.Writer
	// Log receives the harness's own notes and warnings (target, seed,
	// forced concurrency); nil means os.Stderr.
	Log io.Writer
	// TestingT, when set, makes every scenario a subtest of it.
	TestingT *testing.T
	// Initializer registers the steps for each scenario; nil means
	// steps.Initializer.
	Initializer func(steps.Config) func(*godog.ScenarioContext)
}

// DefaultConcurrency is min(4, 2×GOMAXPROCS): scenarios spend much of their
// time waiting on HTTP and key generation, so twice the cores keeps them
// busy, and four keeps console output and a remote target's load modest.
func DefaultConcurrency() int { return min(4, 2*runtime.GOMAXPROCS(0)) }

// runMu serialises runs: godog keeps process-wide state (GODOG_SEED in the
// environment, the formatter registry), so two suites must never overlap.
var runMu sync.Mutex

// plan is a fully validated run.
type plan struct {
	specs       []formatSpec
	tags        Tags
	concurrency int
	seed        int64
	keys        string
	target      *target
	features    *featureSet
	selected    []*selectedPickle
	output, log io.Writer
}

// Run runs the suite and returns its exit code (ExitPassed, ExitFailed,
// ExitUsage, ExitHarness, ExitReport) and, for codes 2, 3 and 5, an error
// saying why (its chain holds ErrBadTags, ErrBadFormat, ErrBadPath, ErrParse,
// ErrBadTarget, ErrUnreachable, ErrSubscriptionKey, ErrNoScenarios,
// ErrScenario, ErrUsage, ErrHarness or ErrReport). Every option is checked
// before anything runs. Failures of the target are shown by the formatters,
// and Run returns code 1 with a nil error.
func Run(ctx context.Context, opts Options) (code int, err error) {
	runMu.Lock()
	defer runMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			code, err = ExitHarness, fmt.Errorf("%w: panic: %v", ErrHarness, r)
		}
	}()

	p, err := preparePlan(ctx, &opts)
	if err != nil {
		if errors.Is(err, ErrHarness) {
			return ExitHarness, err
		}
		return ExitUsage, err
	}
	if err := prepareFormatFiles(p.specs); err != nil {
		return ExitReport, err
	}
	if ctx.Err() != nil {
		return ExitHarness, fmt.Errorf("%w: run interrupted before it started (%v)", ErrHarness, context.Cause(ctx))
	}

	if err := p.target.start(ctx, opts.Handler, opts.HTTPClient, opts.SubscriptionKey); err != nil {
		if errors.Is(err, ErrHarness) {
			return ExitHarness, err
		}
		return ExitUsage, err
	}
	if p.target.stop != nil {
		defer p.target.stop()
	}

	keys := opts.KeySource
	if keys == nil {
		if keys, err = newKeySource(p.keys, p.target.inproc, p.seed); err != nil {
			return ExitHarness, fmt.Errorf("%w: key source: %v", ErrHarness, err)
		}
		defer keys.Close()
	}

	cfg := steps.Config{
		VaultURL:        p.target.vaultURL,
		KeystoreURL:     p.target.keystoreURL,
		SubscriptionKey: opts.SubscriptionKey,
		Keys:            keys,
		HTTPClient:      opts.HTTPClient,
	}
	if p.target.view != nil {
		cfg.Server = p.target.view // the blindness check looks inside the fake
	}
	initFn := opts.Initializer
	if initFn == nil {
		initFn = steps.Initializer
	}

	where := redactURL(p.target.name)
	if p.target.inproc {
		where = "inproc (" + strings.TrimSuffix(p.target.vaultURL, "/vault") + ")"
	}
	fmt.Fprintf(p.log, "vaultcheck: %s, target %s, keys %s, concurrency %d\n",
		plural(len(p.selected), "scenario"), where, p.keys, p.concurrency)
	if p.seed != 0 {
		fmt.Fprintf(p.log, "vaultcheck: scenario order randomized with seed %d (rerun with --seed %d)\n", p.seed, p.seed)
	}

	rec := newRecorder(ctx, p.features, opts.FailFast)
	out, err := p.openOutputs(rec, opts.SourceLine)
	if err != nil {
		return ExitReport, err
	}
	gopts := &godog.Options{
		Format:      routeFormats(out.makers),
		Tags:        p.tags.String(),
		Concurrency: p.concurrency,
		Randomize:   p.seed,
		// The recorder implements fail-fast: godog's StopOnFailure drops
		// the scenarios it does not run from every report.
		StopOnFailure:   false,
		Strict:          true,
		NoColors:        !out.color,
		Output:          out.console,
		DefaultContext:  ctx,
		TestingT:        opts.TestingT,
		FS:              p.features.fsys,
		Paths:           p.features.paths,
		FeatureContents: p.features.contents,
	}
	if gopts.FS == nil {
		// godog falls back to os.Open for a nil FS only inside its own
		// wrapper; say so explicitly rather than rely on it.
		gopts.FS = osFS{}
	}
	started := time.Now()
	status := godog.TestSuite{
		Name:                "vaultcheck",
		ScenarioInitializer: rec.wrap(initFn(cfg)),
		Options:             gopts,
	}.Run()
	elapsed := time.Since(started)
	routeQueue = nil // godog took every formatter it asked for, or returned before asking

	results := rec.scenarios()
	reportErr := out.finish(summary{results: results, selected: len(p.selected), elapsed: elapsed, seed: p.seed, color: out.color})
	c := countResults(results, len(p.selected))
	if opts.FailFast && c.notRun() > 0 && ctx.Err() == nil {
		fmt.Fprintf(p.log, "vaultcheck: fail-fast: stopped after a scenario that did not pass; %s never ran\n", plural(c.notRun(), "scenario"))
	}
	return p.result(ctx, status, rec, c, reportErr)
}

// outputs are where a run's formats write.
type outputs struct {
	makers  []func(suite string) godog.Formatter
	console io.Writer     // what console formats write to
	source  *sourceWriter // nil when nothing needs rewriting
	consRW  *reportWriter // the console, keeping its write errors
	files   []*reportWriter
	summary io.Writer // where the summary goes; nil for none
	color   bool
}

// openOutputs creates the report files and the formatters of the run.
func (p *plan) openOutputs(rec *recorder, sourceLine SourceLineFunc) (*outputs, error) {
	o := &outputs{color: colorful(p.output), consRW: &reportWriter{w: p.output}}
	o.console = o.consRW
	if o.source = newSourceWriter(o.consRW, p.features, sourceLine); o.source != nil {
		o.console = o.source
	}
	for _, s := range p.specs {
		w, color := o.console, o.color
		var target io.Writer = o.consRW // where the summary goes, below the line rewriting
		if s.path != "" {
			rw, err := openReport(s)
			if err != nil {
				closeReports(o.files)
				return nil, err
			}
			o.files = append(o.files, rw)
			w, color, target = rw, false, rw
		}
		if hasSummary(s.name) && o.summary == nil {
			o.summary = target
		}
		o.makers = append(o.makers, makeFormatter(s, w, color, rec))
	}
	return o, nil
}

// finish writes the summary, flushes the console and closes every report
// file, returning the reports that could not be written.
func (o *outputs) finish(sum summary) error {
	if o.source != nil {
		if err := o.source.Flush(); err != nil {
			o.consRW.fail(err)
		}
	}
	if o.summary != nil {
		if o.summary != io.Writer(o.consRW) {
			sum.color = false
		}
		_ = sum.write(o.summary) // a write error is kept by the report writer
	}
	return closeReports(append([]*reportWriter{o.consRW}, o.files...))
}

// result combines godog's exit status with what the recorder saw.
func (p *plan) result(ctx context.Context, status int, rec *recorder, c counts, reportErr error) (int, error) {
	kind, problems := rec.worst()
	switch {
	case ctx.Err() != nil:
		err := fmt.Errorf("%w: run interrupted (%v); results are incomplete: %d of %s did not run to the end", ErrHarness, context.Cause(ctx), c.notRun(), plural(c.total, "scenario"))
		if reportErr != nil {
			err = errors.Join(err, reportErr)
		}
		return ExitHarness, err
	case reportErr != nil:
		return ExitReport, reportErr
	case status == 2:
		// Every option godog checks was checked above, so this is godog
		// disagreeing with the harness; it printed why on os.Stderr.
		return ExitUsage, fmt.Errorf("%w: godog rejected the run (its message is on stderr)", ErrUsage)
	case status != 0 && status != 1:
		return ExitHarness, fmt.Errorf("%w: godog exited with status %d", ErrHarness, status)
	}
	switch kind {
	case kindHarness:
		return ExitHarness, fmt.Errorf("%w:\n%s", ErrHarness, listProblems(problems))
	case kindScenario:
		return ExitUsage, fmt.Errorf("%w: the scenarios are wrong, not (only) the target:\n%s", ErrScenario, listProblems(problems))
	case kindFailure:
		return ExitFailed, nil
	}
	if status == 1 {
		// godog saw a failure the hooks did not (it should not happen):
		// trust the stricter answer.
		return ExitFailed, nil
	}
	return ExitPassed, nil
}

// listProblems renders problems one per line, at most 20 of them.
func listProblems(ps []problem) string {
	const maxShown = 20
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i == maxShown {
			fmt.Fprintf(&b, "  ... and %d more", len(ps)-maxShown)
			break
		}
		b.WriteString("  ")
		b.WriteString(strings.ReplaceAll(p.String(), "\n", "\n    "))
	}
	return b.String()
}

// preparePlan validates every option and loads the features.
func preparePlan(ctx context.Context, opts *Options) (*plan, error) {
	p := &plan{output: opts.Output, log: opts.Log}
	if p.output == nil {
		p.output = os.Stdout
	}
	if p.log == nil {
		p.log = os.Stderr
	}
	var err error
	if p.specs, err = parseFormats(opts.Format); err != nil {
		return nil, err
	}
	if p.tags, err = ParseTags(opts.Tags); err != nil {
		return nil, err
	}

	switch {
	case opts.Concurrency < 0:
		return nil, fmt.Errorf("%w: concurrency %d, want 1 or more (0 = default %d)", ErrUsage, opts.Concurrency, DefaultConcurrency())
	case opts.Concurrency == 0:
		p.concurrency = DefaultConcurrency()
	default:
		p.concurrency = opts.Concurrency
	}
	if p.concurrency > 1 && opts.FailFast {
		// So that the first scenario that fails is the last to run.
		fmt.Fprintf(p.log, "vaultcheck: warning: fail-fast runs scenarios one at a time (concurrency %d -> 1)\n", p.concurrency)
		p.concurrency = 1
	}

	switch {
	case opts.Seed < -1:
		return nil, fmt.Errorf("%w: seed %d, want 0 (file order), -1 (random) or a positive seed", ErrUsage, opts.Seed)
	case opts.Seed == -1:
		// Picked here rather than by godog so the seed can be reported
		// even when no console format prints godog's summary; same range
		// as godog's own choice.
		p.seed = rand.Int64N(99998) + 1
	default:
		p.seed = opts.Seed
	}

	if p.target, err = resolveTarget(opts); err != nil {
		return nil, err
	}
	switch opts.Keys {
	case "":
		p.keys = keysource.ModeFresh
		if p.target.inproc {
			p.keys = keysource.ModeFast
		}
	case keysource.ModeFast, keysource.ModeFresh:
		p.keys = opts.Keys
	default:
		return nil, fmt.Errorf("%w: keys %q, want %q or %q", ErrUsage, opts.Keys, keysource.ModeFast, keysource.ModeFresh)
	}
	if opts.KeySource != nil {
		p.keys = opts.KeySource.Mode()
	}
	if p.keys == keysource.ModeFast && !p.target.inproc {
		fmt.Fprintf(p.log, "vaultcheck: warning: keys fast registers publicly known test keys at %s; use it only with a throwaway vault\n", p.target.name)
	}

	if p.features, err = loadFeatures(ctx, opts); err != nil {
		return nil, err
	}
	p.selected = p.features.selected(p.tags)
	if len(p.selected) == 0 {
		what := "the features"
		if !p.tags.IsZero() {
			what = fmt.Sprintf("tags %q (godog filter %q)", opts.Tags, p.tags.String())
		}
		return nil, fmt.Errorf("%w: no scenario matches %s", ErrNoScenarios, what)
	}
	var empty []problem
	for _, sp := range p.selected {
		if len(sp.pickle.Steps) == 0 {
			empty = append(empty, problem{kind: kindScenario, uri: sp.feature.uri, line: sp.line(),
				scenario: sp.pickle.Name, msg: "has no steps"})
		}
	}
	if len(empty) > 0 {
		return nil, fmt.Errorf("%w:\n%s", ErrScenario, listProblems(empty))
	}
	return p, nil
}

// newKeySource makes the run's key source. Fast keys against a URL target
// get a random order, so that runs against one server seldom register the
// same public key twice; against the fresh in-process fake the order
// follows the seed, for reproducible runs.
func newKeySource(mode string, inproc bool, seed int64) (keysource.Source, error) {
	ks := keysource.Options{}
	if mode == keysource.ModeFast {
		if inproc {
			ks.Seed = uint64(max(seed, 0))
		} else {
			ks.Seed = rand.Uint64() | 1
		}
	}
	return keysource.New(mode, ks)
}

// colorful reports whether w is a terminal that wants colours: an
// *os.File on a character device, with NO_COLOR unset.
func colorful(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// osFS opens paths as given on the command line (absolute, or relative to
// the working folder), which os.DirFS cannot.
type osFS struct{}

func (osFS) Open(name string) (fs.File, error) { return os.Open(name) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
