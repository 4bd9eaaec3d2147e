// Package harness runs vaultcheck's conformance suite: it resolves the
// target (the in-process fake Vault, a URL, or a local Docker image run for
// the run), loads Gherkin features (the embedded ones, or files and
// folders), validates every option before anything runs, and drives godog
// with the step library, turning the outcome into one exit code that keeps
// a wrong target (1) apart from a wrong scenario or usage (2), a broken or
// interrupted harness (3), a target that could not be exercised (4) and a
// report that could not be written (5).
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
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/results"
	"github.com/vaultcheck/vaultcheck/steps"
)

// Exit codes of Run, shared with the vaultcheck command. When several
// apply, the run exits with the first of 3, 5, 4, 2, 1 that does: a broken
// harness (3) or a lost report (5) means vaultcheck's own account cannot be
// trusted or read; a target that could not be exercised (4) means the
// verdicts are incomplete, so the environment must be fixed before any
// failure is read; a scenario error (2) and a failure (1) are verdicts that
// stand as reported.
const (
	ExitPassed  = 0 // every selected scenario passed
	ExitFailed  = 1 // the target failed a scenario
	ExitUsage   = 2 // bad options, unreadable or malformed input, or a scenario error
	ExitHarness = 3 // the harness broke or the run was interrupted; results are incomplete
	// ExitUnexercised: the target could not be exercised: it did not
	// answer, broke (5xx), answered a body that is not JSON where JSON is
	// due, could not be started, or the run deadline passed.
	ExitUnexercised = 4
	ExitReport      = 5 // a report (a FORMAT:FILE, or the console) could not be written
)

// DefaultRequestTimeout bounds each request to the target, its whole
// answer included, when Options.RequestTimeout is 0.
const DefaultRequestTimeout = 30 * time.Second

// errRunDeadline is the cause of a run context whose Options.Timeout
// passed.
var errRunDeadline = errors.New("the run deadline passed")

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
	// port for this run), the base URL of a server serving /vault and
	// /keystore, or "docker:IMAGE[:TAG]": a local image run as a container
	// for this run (see AddrEnv for what the image must do; it is never
	// pulled).
	Target string
	// VaultURL and KeystoreURL override the URLs derived from Target.
	// Given both, no in-process fake is started.
	VaultURL, KeystoreURL string
	// SubscriptionKey is sent to the target as Meeco's subscription key.
	SubscriptionKey string
	// HTTPClient is used by the steps and the reachability check; nil
	// means a client whose requests time out after RequestTimeout.
	HTTPClient *http.Client
	// RequestTimeout bounds each request to the target, its answer
	// included, when HTTPClient is nil; 0 means DefaultRequestTimeout. A
	// request that runs out is a target error.
	RequestTimeout time.Duration
	// Timeout is the run's deadline, the start of the target included; 0
	// means none. When it passes, the scenarios in progress are cut short,
	// the rest never start, every report is still written, and Run exits
	// ExitUnexercised.
	Timeout time.Duration

	// DockerEnv sets environment variables of a docker target's
	// container: NAME=VALUE, or NAME to pass this process's value on. The
	// values never appear in messages or in the container log shown.
	DockerEnv []string
	// DockerArgs are the container's command, after the image's
	// entrypoint, as in docker run IMAGE ARGS...
	DockerArgs []string
	// DockerWait bounds how long a docker target's container may take to
	// answer on /vault and /keystore; 0 means DefaultDockerWait.
	DockerWait time.Duration
	// Handler is what the inproc target serves; nil means a new
	// fakevault.Server (which then requires SubscriptionKey, if set). For
	// tests of the harness itself.
	Handler http.Handler

	// Format is a comma-separated format list: "progress",
	// "progress,junit:out/junit.xml,json:out/results.json". The console
	// formats progress and pretty (and godog's events) write as the run
	// goes; json, html, message, junit and cucumber are made from the
	// run's results (package results) when it ends. Empty means
	// DefaultFormat. Parent folders of report files are created; a report
	// that cannot be written completely makes the run exit ExitReport.
	Format string
	// Progress says how the progress format shows itself: ProgressAuto
	// (the default: a progress bar with an ETA on a terminal, rows of a
	// character per step otherwise), ProgressBar or ProgressPlain.
	Progress string
	// Shard runs one part of the run, "I/N" (see results.Assign): the
	// scenarios are partitioned by their stable ids, and the results of
	// the N parts merge into the results of the whole run. Empty: all.
	Shard string
	// Durations, with Shard, balances the shards by how long each
	// scenario took in these results of an earlier run.
	Durations *results.Document
	// Tags selects scenarios, as a cucumber tag expression ("@smoke and
	// not @slow") or a godog filter ("@smoke&&~@slow"); see ParseTags.
	Tags string
	// Select, when set, keeps of the scenarios Tags selects those it
	// returns true for, given each one's stable id and tags; the others
	// are reported disabled with the reason it gives. A certification
	// disables the scenarios outside its profiles this way.
	Select func(id string, tags []string) (run bool, reason string)
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
	// keys) or "fresh" (newly generated). Empty: fast for the inproc and
	// docker targets, which exist for the run only, fresh for URLs.
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

	// OnTarget, when set, is told where the target runs once it answers
	// (before any scenario): a certification records it.
	OnTarget func(TargetInfo)
	// OnLedger, when set, gets the crypto ledger of each scenario that
	// ran, with its stable id, when the scenario ends. The ledger holds
	// the scenario's key material: a certification bundle keeps it to
	// re-check the ledger offline; nothing else should.
	OnLedger func(id string, l *ledger.Ledger)
	// OnResults, when set, gets the run's results document once the run
	// ends, before the reports are written from it.
	OnResults func(*results.Document)
}

// TargetInfo says where a run's target was.
type TargetInfo struct {
	// Name is "inproc", the base URL, or "docker:IMAGE".
	Name string
	// VaultURL and KeystoreURL are where the services answered.
	VaultURL, KeystoreURL string
	// Inproc says the target is the built-in fake of this process.
	Inproc bool
	// For a docker target: the image as named, its id
	// ("sha256:..."), its repository digests, and the container's id.
	DockerImage       string
	DockerImageID     string
	DockerRepoDigests []string
	DockerContainer   string
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
	shard       *results.Shard    // nil for a whole run
	disabled    map[string]string // stable id -> why Options.Select left it out
	inShard     map[string]bool   // stable ids of the shard's scenarios; nil for all
	progress    string
	specs       []formatSpec
	tags        Tags
	concurrency int
	seed        int64
	keys        string
	reqTimeout  time.Duration
	target      *target
	features    *featureSet
	selected    []*selectedPickle
	output, log io.Writer
}

// Run runs the suite and returns its exit code (ExitPassed, ExitFailed,
// ExitUsage, ExitHarness, ExitUnexercised, ExitReport) and, for codes 2 to
// 5, an error saying why (its chain holds ErrBadTags, ErrBadFormat,
// ErrBadPath, ErrParse, ErrBadTarget, ErrSubscriptionKey, ErrNoScenarios,
// ErrScenario, ErrUsage, ErrHarness, ErrUnexercised (ErrUnreachable among
// them) or ErrReport). A target that could not be exercised at all (it
// never answered, its container never started) still gets every report,
// with each scenario as a target error. Every option is checked
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
	if opts.Timeout < 0 {
		return ExitUsage, fmt.Errorf("%w: timeout %v, want a positive duration (0 = none)", ErrUsage, opts.Timeout)
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.Timeout, errRunDeadline)
		defer cancel()
	}

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
	if ctx.Err() != nil && !errors.Is(context.Cause(ctx), errRunDeadline) {
		return ExitHarness, fmt.Errorf("%w: run interrupted before it started (%v)", ErrHarness, context.Cause(ctx))
	}

	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: p.reqTimeout}
	}
	if p.target.docker != nil {
		p.target.docker.log = p.log
	}
	// Registered before the target starts, so that every way out of Run
	// (an error, a panic, the deadline, an interrupt) stops it: a docker
	// target's container is removed.
	defer func() {
		if p.target.stop != nil {
			p.target.stop()
		}
	}()
	// abort is why the target could not be exercised at all: the
	// scenarios are then recorded as target errors without running, and
	// the reports written all the same.
	var abort error
	if err := p.target.start(ctx, opts.Handler, httpClient, opts.SubscriptionKey); err != nil {
		switch {
		case errors.Is(context.Cause(ctx), errRunDeadline):
			// The scenarios are recorded as not run; result says why.
		case errors.Is(err, ErrHarness):
			return ExitHarness, err
		case errors.Is(err, ErrUnexercised):
			abort = err
		default:
			return ExitUsage, err
		}
	}

	keys := opts.KeySource
	if keys == nil {
		mode := p.keys
		if abort != nil || ctx.Err() != nil {
			mode = keysource.ModeFast // no scenario runs: generate nothing
		}
		if keys, err = newKeySource(mode, p.target.inproc, p.seed); err != nil {
			return ExitHarness, fmt.Errorf("%w: key source: %v", ErrHarness, err)
		}
		defer keys.Close()
	}

	cfg := steps.Config{
		VaultURL:        p.target.vaultURL,
		KeystoreURL:     p.target.keystoreURL,
		SubscriptionKey: opts.SubscriptionKey,
		Keys:            keys,
		HTTPClient:      httpClient,
	}
	if cfg.VaultURL == "" {
		// A target that never got an address: no step will run, but the
		// step library's per-scenario setup still wants valid URLs.
		cfg.VaultURL, cfg.KeystoreURL = "http://target-not-started.invalid/vault", "http://target-not-started.invalid/keystore"
	}
	if p.target.view != nil {
		cfg.Server = p.target.view // the blindness check looks inside the fake
	}
	initFn := opts.Initializer
	if initFn == nil {
		initFn = steps.Initializer
	}

	if opts.OnTarget != nil && abort == nil && p.target.vaultURL != "" {
		opts.OnTarget(p.target.info())
	}
	fmt.Fprintf(p.log, "vaultcheck: %s, target %s, keys %s, concurrency %d\n",
		plural(len(p.selected), "scenario"), p.target.describe(), p.keys, p.concurrency)
	if p.seed != 0 {
		fmt.Fprintf(p.log, "vaultcheck: scenario order randomized with seed %d (rerun with --seed %d)\n", p.seed, p.seed)
	}

	rec := newRecorder(ctx, p.features, opts.FailFast)
	rec.onLedger = opts.OnLedger
	if p.inShard != nil || p.disabled != nil {
		// Scenarios of other shards, and those Select left out, are kept
		// from running: godog knows of tags only.
		rec.include = func(id string) bool {
			_, off := p.disabled[id]
			return (p.inShard == nil || p.inShard[id]) && !off
		}
	}
	if abort != nil {
		rec.abort = "the target could not be exercised: " + firstLine(abort.Error())
	} else {
		rec.probe = func() error {
			pctx, cancel := context.WithTimeout(ctx, reachTimeout)
			defer cancel()
			return p.target.probe(pctx, httpClient)
		}
	}
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
	finished := time.Now()
	elapsed := finished.Sub(started)
	routeQueue = nil // godog took every formatter it asked for, or returned before asking

	scenarios := rec.scenarios()
	c := countResults(scenarios, len(p.selected))
	exit, _ := p.result(ctx, status, rec, c, nil, opts.Timeout)
	if abort != nil && !errors.Is(context.Cause(ctx), context.Canceled) {
		exit = ExitUnexercised
	}
	doc := p.document(rec, runInfo{started: started, finished: finished, interrupted: ctx.Err() != nil, exitCode: exit,
		tags: opts.Tags, failFast: opts.FailFast})
	if opts.OnResults != nil {
		opts.OnResults(doc)
	}
	sum := summary{results: scenarios, selected: len(p.selected), elapsed: elapsed, seed: p.seed, color: out.color}
	if abort == nil && !allPassed(scenarios) {
		// Read before the container goes; never with the run's context,
		// which the deadline or an interrupt may have ended.
		lctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		sum.targetLog, _ = p.target.Logs(lctx)
		p.attachTargetLog(lctx, doc)
		cancel()
	}
	reportErr := out.finish(sum, doc)
	if opts.FailFast && c.notRun() > 0 && ctx.Err() == nil {
		fmt.Fprintf(p.log, "vaultcheck: fail-fast: stopped after a scenario that did not pass; %s never ran\n", plural(c.notRun(), "scenario"))
	}
	if abort != nil && reportErr == nil && !errors.Is(context.Cause(ctx), context.Canceled) {
		return ExitUnexercised, abort
	}
	return p.result(ctx, status, rec, c, reportErr, opts.Timeout)
}

// allPassed reports whether every scenario that ran passed.
func allPassed(results []scenarioResult) bool {
	for _, r := range results {
		switch r.status {
		case statusFailed, statusScenario, statusHarness, statusTarget, statusInterrupted:
			return false
		}
	}
	return true
}

// outputs are where a run's formats write.
type outputs struct {
	makers  []func(suite string) godog.Formatter
	docs    []docOutput   // reports made from the results
	console io.Writer     // what console formats write to
	source  *sourceWriter // nil when nothing needs rewriting
	consRW  *reportWriter // the console, keeping its write errors
	files   []*reportWriter
	summary io.Writer // where the summary goes; nil for none
	color   bool
}

// docOutput is a report made from the run's results when it ends.
type docOutput struct {
	render results.Renderer
	w      io.Writer
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
		if s.fromResults() {
			o.docs = append(o.docs, docOutput{render: results.Formats[s.name], w: w})
			continue
		}
		if hasSummary(s.name) && o.summary == nil {
			o.summary = target
		}
		o.makers = append(o.makers, makeFormatter(s, w, color, rec, p.progressMode(), len(p.selected)))
	}
	if len(o.makers) == 0 {
		o.makers = append(o.makers, func(string) godog.Formatter { return nopFmt{} })
	}
	return o, nil
}

// finish writes the reports made from the results and the summary,
// flushes the console and closes every report file, returning the reports
// that could not be written.
func (o *outputs) finish(sum summary, doc *results.Document) error {
	for _, d := range o.docs {
		if err := d.render(d.w, doc); err != nil {
			if rw, ok := d.w.(*reportWriter); ok {
				rw.fail(err)
			}
		}
	}
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
func (p *plan) result(ctx context.Context, status int, rec *recorder, c counts, reportErr error, timeout time.Duration) (int, error) {
	kind, problems := rec.worst()
	switch {
	case errors.Is(context.Cause(ctx), errRunDeadline) && reportErr == nil && kind != kindHarness:
		return ExitUnexercised, fmt.Errorf("%w: the run deadline (--timeout %v) passed; results are incomplete: %d of %s did not run to the end", ErrUnexercised, timeout, c.notRun(), plural(c.total, "scenario"))
	case errors.Is(context.Cause(ctx), errRunDeadline) && reportErr != nil:
		return ExitReport, reportErr
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
	case kindTarget:
		return ExitUnexercised, fmt.Errorf("%w:\n%s", ErrUnexercised, listProblems(problems))
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

	switch {
	case opts.RequestTimeout < 0:
		return nil, fmt.Errorf("%w: request timeout %v, want a positive duration (0 = default %v)", ErrUsage, opts.RequestTimeout, DefaultRequestTimeout)
	case opts.RequestTimeout == 0:
		p.reqTimeout = DefaultRequestTimeout
	default:
		p.reqTimeout = opts.RequestTimeout
	}
	if p.target, err = resolveTarget(opts); err != nil {
		return nil, err
	}
	// The in-process fake and a docker target's container exist for this
	// run only: publicly known test keys cannot outlive it there.
	throwaway := p.target.inproc || p.target.docker != nil
	switch opts.Keys {
	case "":
		p.keys = keysource.ModeFresh
		if throwaway {
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
	if p.keys == keysource.ModeFast && !throwaway {
		fmt.Fprintf(p.log, "vaultcheck: warning: keys fast registers publicly known test keys at %s; use it only with a throwaway vault\n", p.target.name)
	}

	if p.features, err = loadFeatures(ctx, opts); err != nil {
		return nil, err
	}
	p.progress = opts.Progress
	switch p.progress {
	case "", ProgressAuto, ProgressBar, ProgressPlain:
	default:
		return nil, fmt.Errorf("%w: progress %q, want %q, %q or %q", ErrUsage, opts.Progress, ProgressAuto, ProgressBar, ProgressPlain)
	}
	p.selected = p.features.selected(p.tags)
	if opts.Select != nil {
		p.disabled = map[string]string{}
		kept := p.selected[:0:0]
		for _, sp := range p.selected {
			if ok, why := opts.Select(sp.id(), sp.tags()); ok {
				kept = append(kept, sp)
			} else {
				p.disabled[sp.id()] = why
			}
		}
		p.selected = kept
	}
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
	if strings.TrimSpace(opts.Shard) != "" {
		if err := p.partition(opts.Shard, opts.Durations); err != nil {
			return nil, err
		}
	} else if opts.Durations != nil {
		return nil, fmt.Errorf("%w: durations balance shards; give --shard I/N too", ErrUsage)
	}
	return p, nil
}

// partition keeps the scenarios of one shard. The scenarios the run
// selects are partitioned (balanced by durations when given), and those
// its tag filter leaves out separately, round-robin, so that each is
// reported disabled by exactly one shard.
func (p *plan) partition(spec string, durations *results.Document) error {
	sh, err := results.ParseShard(spec)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	var all, enabled, disabled []string
	selected := map[string]bool{}
	for _, sp := range p.selected {
		selected[sp.id()] = true
	}
	for _, sp := range p.features.all() {
		all = append(all, sp.id())
		if selected[sp.id()] {
			enabled = append(enabled, sp.id())
		} else {
			disabled = append(disabled, sp.id())
		}
	}
	var dur map[string]time.Duration
	if durations != nil {
		dur = results.Durations(durations)
	}
	p.inShard = map[string]bool{}
	for _, part := range []map[string]int{results.Assign(enabled, sh.Total, dur), results.Assign(disabled, sh.Total, nil)} {
		for id, idx := range part {
			if idx == sh.Index {
				p.inShard[id] = true
			}
		}
	}
	p.shard = &results.Shard{Index: sh.Index, Total: sh.Total, Scenarios: len(all), AllIDs: results.IDsDigest(all), Balanced: durations != nil}
	var mine []*selectedPickle
	for _, sp := range p.selected {
		if p.inShard[sp.id()] {
			mine = append(mine, sp)
		}
	}
	fmt.Fprintf(p.log, "vaultcheck: shard %s: %s of %d selected\n", sh, plural(len(mine), "scenario"), len(p.selected))
	p.selected = mine
	return nil
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
