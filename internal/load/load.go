// Package load runs vaultcheck's scenarios as a load test: virtual users
// execute the conformance steps (crypto and checks included) against a
// target, scheduled by k6's executors, measured per route, step and crypto
// operation, and judged by thresholds. The subpackages each do one job:
// executor (scheduling), metrics (histograms), probe (instruments),
// threshold, plan (HCL plans), summary (the result file, table and merge),
// live (the progress line).
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/load/executor"
	"github.com/vaultcheck/vaultcheck/internal/load/live"
	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/internal/load/plan"
	"github.com/vaultcheck/vaultcheck/internal/load/probe"
	"github.com/vaultcheck/vaultcheck/internal/load/summary"
	"github.com/vaultcheck/vaultcheck/internal/load/threshold"
	"github.com/vaultcheck/vaultcheck/steps"
)

// Error kinds; the command maps them to exit codes.
var (
	// ErrUsage: bad options, an unreadable or malformed plan or scenario
	// file (exit 2).
	ErrUsage = errors.New("usage")
	// ErrScenario: a mistake in a scenario (exit 2).
	ErrScenario = errors.New("scenario error")
	// ErrHarness: vaultcheck itself broke or the run was interrupted
	// (exit 3).
	ErrHarness = errors.New("harness error")
	// ErrSetup: the target failed the set-up of the virtual users
	// (exit 1).
	ErrSetup = errors.New("set-up failed")
	// ErrUnexercised: the target could not be exercised: it did not
	// answer, its container never started, or the set-up met a fault of
	// exercise (no answer, a 5xx, a body that is not JSON) (exit 4).
	ErrUnexercised = errors.New("the target could not be exercised")
)

// DefaultRequestTimeout bounds each request of a load run when
// Options.RequestTimeout is 0: as long as a conformance run's, so that a
// slow answer under load is measured, not cut off early.
const DefaultRequestTimeout = harness.DefaultRequestTimeout

// Options configure a run.
type Options struct {
	Plan *plan.Plan
	// Thresholds apply to the whole run, besides the plan's.
	Thresholds []threshold.Threshold
	// Target is where the load goes, resolved and started as vaultcheck
	// run does (inproc, a base URL, docker:IMAGE). For inproc without a
	// Handler the run serves a quiet fake Vault without the view of its
	// store and log that run's blindness check has: that view keeps every
	// log line of the run, and each iteration would scan every other VU's
	// lines. The check of what each iteration sent stays on.
	Target harness.TargetOptions
	// RequestTimeout bounds each request; 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Keys is "fast", "fresh" or "cache"; empty: fast for inproc, fresh
	// otherwise.
	Keys     string
	KeyCache string // the cache folder for --keys cache (default: the user's)
	// Segment is the shard of the run; the zero Segment is the whole run.
	Segment executor.Segment
	// Vars are HCL scenario variables.
	Vars map[string]string
	// Live receives the progress line; Log the run's notes.
	Live *live.View
	Log  io.Writer
	// Registry receives the metrics (a new one when nil).
	Registry *metrics.Registry
}

// KnownTags are the tag values thresholds may select: routes, crypto
// operations, step phrases, failure kinds.
func KnownTags() threshold.TagValues {
	var ops, phrases []string
	for _, op := range ledger.CryptoOps() {
		ops = append(ops, op.String())
	}
	for _, d := range steps.Definitions() {
		phrases = append(phrases, d.Phrase())
	}
	return threshold.TagValues{
		metrics.TagRoute: probe.Routes(),
		metrics.TagOp:    append(ops, "check"),
		metrics.TagStep:  phrases,
		metrics.TagKind:  {"target", "scenario", "harness"},
	}
}

// CorrectnessThresholds are the implicit count==0 thresholds on the
// counters that must stay at zero.
func CorrectnessThresholds() []threshold.Threshold {
	var out []threshold.Threshold
	for _, d := range metrics.Catalogue {
		if d.MustBeZero {
			th, err := threshold.Parse(d.Name+":count==0", nil)
			if err != nil {
				panic(err)
			}
			out = append(out, th)
		}
	}
	return out
}

// CheckScenarios loads and compiles the scenarios of every block of p, as
// Run does before it starts the target: a file that cannot be read or
// parsed, an undefined step or a tag filter that selects nothing is an
// ErrUsage or ErrScenario error.
func CheckScenarios(ctx context.Context, p *plan.Plan, vars map[string]string) error {
	for _, l := range p.Loads {
		if _, err := selectScenarios(ctx, l.Scenarios, l.Tags, vars); err != nil {
			return fmt.Errorf("load %q (%s): %w", l.Name, l.Where, err)
		}
	}
	return nil
}

// block is one load block of the run.
type block struct {
	l         plan.Load
	scenarios []*scenario
	exec      executor.Executor
}

// Run executes the plan and returns its summary, thresholds evaluated.
// The error is nil when the run happened (whatever its verdict); runs cut
// short by ctx still return their summary with the error.
func Run(ctx context.Context, o Options) (*summary.Summary, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Segment == (executor.Segment{}) {
		o.Segment = executor.Whole
	}
	if err := o.Segment.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if o.Plan == nil || len(o.Plan.Loads) == 0 {
		return nil, fmt.Errorf("%w: no load to run", ErrUsage)
	}
	if err := checkKeys(o.Keys); err != nil {
		return nil, err
	}
	if o.RequestTimeout < 0 {
		return nil, fmt.Errorf("%w: request timeout %v, want a positive duration", ErrUsage, o.RequestTimeout)
	}
	reg := o.Registry
	if reg == nil {
		reg = metrics.NewRegistry()
	}
	ths := append(CorrectnessThresholds(), o.Thresholds...)
	var blocks []*block
	for _, l := range o.Plan.Loads {
		sc, err := selectScenarios(ctx, l.Scenarios, l.Tags, o.Vars)
		if err != nil {
			return nil, fmt.Errorf("load %q (%s): %w", l.Name, l.Where, err)
		}
		ex, err := executor.New(l.Executor)
		if err != nil {
			return nil, fmt.Errorf("%w: load %q (%s): %v", ErrUsage, l.Name, l.Where, err)
		}
		blocks = append(blocks, &block{l: l, scenarios: sc, exec: ex})
		ths = append(ths, l.Thresholds...)
	}

	timeout := o.RequestTimeout
	if timeout == 0 {
		timeout = DefaultRequestTimeout
	}
	base := newHTTPTransport()
	tgt, err := startTarget(ctx, o, &http.Client{Timeout: timeout, Transport: base})
	if err != nil {
		return nil, err
	}
	defer tgt.Stop()
	keys, keyMode, err := newKeys(o, tgt, reg)
	if err != nil {
		return nil, err
	}
	defer keys.Close()

	hc := &http.Client{Timeout: timeout, Transport: &probe.Transport{
		Base:   base,
		Router: probe.NewRouter(tgt.VaultURL(), tgt.KeystoreURL()),
		Reg:    reg,
	}}
	cfg := steps.Config{VaultURL: tgt.VaultURL(), KeystoreURL: tgt.KeystoreURL(), SubscriptionKey: o.Target.SubscriptionKey,
		Keys: &probe.Keys{Source: keys, Wait: reg.Get(metrics.KeySupplyWait)}, HTTPClient: hc, Server: tgt.ServerView()}

	sum := &summary.Summary{Target: tgt.Name(), Keys: keyMode, Plan: o.Plan.File}
	if o.Segment.Count > 1 {
		sum.Shard = &summary.Shard{Index: o.Segment.Index + 1, Count: o.Segment.Count}
	}
	fails := newFailureLog()
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// Set-up: every executor allocates its planned VUs before the clock
	// starts, so fixtures are not part of the measured run.
	fmt.Fprintf(o.Log, "vaultcheck load: target %s, keys %s, setting up VUs...\n", tgt.Name(), keyMode)
	var total time.Duration
	for _, b := range blocks {
		sum.Loads = append(sum.Loads, b.l.Name)
		env := &executor.Env{Segment: o.Segment, NewVU: newVUFunc(b, cfg, reg, fails)}
		gauge := reg.Get(metrics.VUs, metrics.Tag{Key: metrics.TagLoad, Value: b.l.Name})
		gmax := reg.Get(metrics.VUsMax, metrics.Tag{Key: metrics.TagLoad, Value: b.l.Name})
		env.VUs = func(active, allocated int) { gauge.Set(int64(active)); gmax.Set(int64(allocated)) }
		env.Dropped = func() { reg.Get(metrics.DroppedIterations, metrics.Tag{Key: metrics.TagLoad, Value: b.l.Name}).Add(1) }
		if err := b.exec.Init(runCtx, env); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%w: interrupted while setting up VUs", ErrHarness)
			}
			return nil, fmt.Errorf("load %q: %w: %v", b.l.Name, classifySetup(err), err)
		}
		total = max(total, b.l.StartTime+b.exec.Duration())
	}

	sum.Start = time.Now()
	abortable := abortThresholds(ths)
	var wg sync.WaitGroup
	for _, b := range blocks {
		wg.Go(func() {
			if b.l.StartTime > 0 {
				select {
				case <-time.After(b.l.StartTime):
				case <-runCtx.Done():
					return
				}
			}
			b.exec.Run(runCtx)
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
loop:
	for {
		select {
		case <-done:
			break loop
		case <-tick.C:
			elapsed := time.Since(sum.Start)
			if o.Live != nil {
				o.Live.Update(live.Sample(reg, elapsed, total))
			}
			if reason := checkAbort(reg, abortable, elapsed); reason != "" && runCtx.Err() == nil {
				sum.Aborted = reason
				cancel(errors.New(reason))
			}
		}
	}
	sum.End = time.Now()
	if o.Live != nil {
		o.Live.Done(live.Sample(reg, sum.End.Sub(sum.Start), total))
	}
	if ctx.Err() != nil && sum.Aborted == "" {
		sum.Aborted = "interrupted"
	}
	sum.Snapshot = reg.Snapshot()
	sum.Failures = fails.list()
	if _, err := sum.Evaluate(ths); err != nil {
		return sum, fmt.Errorf("%w: evaluating thresholds: %v", ErrHarness, err)
	}
	if ctx.Err() != nil {
		return sum, fmt.Errorf("%w: the run was interrupted", ErrHarness)
	}
	if n := countKind(sum, "harness"); n > 0 {
		return sum, fmt.Errorf("%w: %d iterations broke inside vaultcheck (see failures)", ErrHarness, n)
	}
	if n := countKind(sum, "scenario"); n > 0 {
		return sum, fmt.Errorf("%w: %d iterations failed for a mistake in the scenario (see failures)", ErrScenario, n)
	}
	return sum, nil
}

func countKind(s *summary.Summary, kind string) int64 {
	a, _ := metrics.Aggregate(metrics.Counter, s.Select(metrics.IterationFailures, map[string]string{metrics.TagKind: kind}))
	b, _ := metrics.Aggregate(metrics.Counter, s.Select(metrics.SetupFailures, map[string]string{metrics.TagKind: kind}))
	return a.Count + b.Count
}

func classifySetup(err error) error {
	if harness.IsTargetError(err) {
		return ErrUnexercised
	}
	switch steps.Classify(err) {
	case steps.FailedScenario:
		return ErrScenario
	case steps.FailedHarness:
		return ErrHarness
	}
	return ErrSetup
}

// abortThresholds are the thresholds that can stop the run early.
func abortThresholds(ths []threshold.Threshold) []threshold.Threshold {
	var out []threshold.Threshold
	for _, th := range ths {
		if th.AbortOnFail {
			out = append(out, th)
		}
	}
	return out
}

// checkAbort evaluates the abortOnFail thresholds whose delay has passed
// and returns why the run must stop, or "".
func checkAbort(reg *metrics.Registry, ths []threshold.Threshold, elapsed time.Duration) string {
	if len(ths) == 0 {
		return ""
	}
	snap := reg.Snapshot()
	for _, th := range ths {
		if elapsed < th.DelayAbortEval {
			continue
		}
		r, err := th.Evaluate(&snap, elapsed)
		if err == nil && !r.OK && r.Note == "" {
			return fmt.Sprintf("threshold %s failed after %s (%s)", th.Source, elapsed.Round(time.Second), r)
		}
	}
	return ""
}

// newHTTPTransport keeps enough idle connections for every VU: the
// default two per host would open a new connection for most requests.
func newHTTPTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 4096
	t.MaxIdleConnsPerHost = 4096
	t.MaxConnsPerHost = 0
	return t
}

// startTarget starts the run's target through the harness, as run does,
// and maps its errors to the kinds of a load run.
func startTarget(ctx context.Context, o Options, hc *http.Client) (*harness.Target, error) {
	to := o.Target
	if to.Log == nil {
		to.Log = o.Log
	}
	if inproc := strings.TrimSpace(to.Target); (inproc == "" || inproc == harness.TargetInproc) && to.VaultURL == "" && to.KeystoreURL == "" && to.Handler == nil {
		to.Handler = fakevault.New(fakevault.Options{SubscriptionKey: to.SubscriptionKey, Quiet: true})
	}
	tgt, err := harness.StartTarget(ctx, to, hc)
	switch {
	case err == nil:
		return tgt, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w: interrupted while starting the target", ErrHarness)
	case errors.Is(err, harness.ErrHarness):
		return nil, fmt.Errorf("%w: %v", ErrHarness, err)
	case errors.Is(err, harness.ErrUnexercised):
		return nil, fmt.Errorf("%w: %v", ErrUnexercised, err)
	case errors.Is(err, harness.ErrSubscriptionKey):
		return nil, fmt.Errorf("%w: %v\n  hint: give the target's key with --subscription-key", ErrUsage, err)
	}
	return nil, fmt.Errorf("%w: %v", ErrUsage, err)
}

// cacheTarget names the target for the key cache, the same across runs:
// the in-process fake and a docker image by name (their ports change),
// a URL target by its services' URLs.
func cacheTarget(o harness.TargetOptions, tgt *harness.Target) string {
	if tgt.Throwaway() {
		if name := strings.TrimSpace(o.Target); name != "" {
			return name
		}
		return harness.TargetInproc
	}
	return tgt.VaultURL() + " " + tgt.KeystoreURL()
}

// checkKeys refuses an unknown key mode before the target is started.
func checkKeys(mode string) error {
	switch mode {
	case "", keysource.ModeFast, keysource.ModeFresh, keysource.ModeCache:
		return nil
	}
	return fmt.Errorf("%w: --keys %q: want %s, %s or %s", ErrUsage, mode, keysource.ModeFast, keysource.ModeFresh, keysource.ModeCache)
}

// newKeys makes the key source of the run, timing generation and waits.
func newKeys(o Options, tgt *harness.Target, reg *metrics.Registry) (keysource.Source, string, error) {
	mode := o.Keys
	if mode == "" {
		mode = tgt.DefaultKeys()
	}
	fresh := keysource.FreshOptions{Generate: probe.TimedGenerate(reg, cryppo.GeneratePrivateKey)}
	seed := uint64(time.Now().UnixNano()) | 1
	switch mode {
	case keysource.ModeFresh:
		return keysource.NewFresh(fresh), mode, nil
	case keysource.ModeFast:
		if !tgt.Throwaway() {
			fmt.Fprintf(o.Log, "vaultcheck load: warning: keys fast registers publicly known test keys at %s; use it only with a throwaway vault\n", tgt.Name())
		}
		k, err := keysource.NewFast(keysource.FastOptions{Seed: seed, Fresh: fresh})
		if err != nil {
			return nil, "", fmt.Errorf("%w: key source: %v", ErrHarness, err)
		}
		return k, mode, nil
	case keysource.ModeCache:
		c, err := keysource.NewCached(keysource.CacheOptions{Dir: o.KeyCache, Target: cacheTarget(o.Target, tgt),
			Seed: uint64(o.Segment.Index) + 1, Fresh: fresh})
		if err != nil {
			return nil, "", fmt.Errorf("%w: %v", ErrHarness, err)
		}
		fmt.Fprintf(o.Log, "vaultcheck load: WARNING: --keys cache reuses RSA keys across runs (%d cached in %s); use it only against a test vault\n", c.Cached(), c.Path())
		return c, mode, nil
	}
	return nil, "", fmt.Errorf("%w: --keys %q: want fast, fresh or cache", ErrUsage, mode)
}

// failureLog keeps the first failure of each (scenario, step, kind) and
// counts the rest.
type failureLog struct {
	mu    sync.Mutex
	byKey map[string]*summary.Failure
	order []string
}

const maxFailureKinds = 20

func newFailureLog() *failureLog { return &failureLog{byKey: map[string]*summary.Failure{}} }

func (f *failureLog) add(scenario, step string, err error) {
	kind := steps.Classify(err).String()
	key := scenario + "\x00" + step + "\x00" + kind
	f.mu.Lock()
	defer f.mu.Unlock()
	if e := f.byKey[key]; e != nil {
		e.Count++
		return
	}
	if len(f.order) >= maxFailureKinds {
		return
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	f.byKey[key] = &summary.Failure{Scenario: scenario, Step: step, Kind: kind, Message: msg, Count: 1}
	f.order = append(f.order, key)
}

func (f *failureLog) list() []summary.Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]summary.Failure, 0, len(f.order))
	for _, k := range f.order {
		out = append(out, *f.byKey[k])
	}
	return out
}
