// Package selfcheck proves that the suite catches broken Vaults: it runs
// the scenarios once against a fault-free fake Vault (every scenario must
// pass) and then once per fault of the fake (fakevault.Faults), and reports
// for each fault the first scenario that failed against it, and under which
// requirement, or that it survived the whole suite.
//
// How it stays fast. The scenarios are loaded and compiled once
// (steps.Compile) and executed without godog (steps.Execute), so that many
// runs go on at once in one process; each fault gets its own fake Vault on
// a loopback port and its own fast key source over the committed test keys
// (no key is generated unless a fake needs more than the set holds). A
// fault's run starts with the scenarios tagged with the requirements the
// fault names, then those of the same areas, then the rest, and stops at
// its first failure: a killed fault costs a scenario or two, a survivor the
// whole suite. A shared pool of workers takes the next scenario of the
// faults in turn, one scenario per fault at a time while there are more
// faults than workers; in the tail, when few faults remain, their
// scenarios run side by side. Either way the failure reported is the first
// in the fault's order: after a failure, the scenarios before it still
// run to their end, those after it are cancelled.
//
// Only a target failure (steps.FailedTarget) kills a fault. A scenario or
// harness error under a fault is noted and the run goes on: a crashed
// harness proves nothing about the suite. A scenario that fails in the
// clean run is left out of the fault runs (it would "kill" everything) and
// fails the self-check.
package selfcheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/requirements"
	"github.com/vaultcheck/vaultcheck/internal/serverview"
	"github.com/vaultcheck/vaultcheck/internal/suite"
	"github.com/vaultcheck/vaultcheck/steps"
)

// ErrScenarios reports scenarios that cannot run at all: they do not
// load or compile. It is the caller's exit 2.
var ErrScenarios = errors.New("the scenarios cannot run")

// Options configure Run. The zero value checks every fault with the
// embedded suite.
type Options struct {
	// Suite is the loaded scenario set; nil loads the embedded one.
	Suite *suite.Suite
	// Faults are the faults to check; nil means every fault of the fake.
	Faults []fakevault.Fault
	// Workers is how many scenarios run at once; 0 means DefaultWorkers().
	Workers int
	// ScenarioTimeout bounds one scenario; 0 means two minutes.
	ScenarioTimeout time.Duration
	// Target makes the fake Vault of each run: the clean run gets no
	// fault, each fault run one. It returns the configuration of the
	// steps (URLs, HTTP client, server view) and a function that stops the
	// target. Nil means a fakevault.Server on a loopback port.
	Target func(faults ...fakevault.Fault) (steps.Config, func(), error)
	// Progress, when set, is told each fault's result as it is known, in
	// the order they complete (from one goroutine at a time).
	Progress func(FaultResult)
}

// DefaultWorkers is 2×GOMAXPROCS: a scenario spends a good part of its
// time in HTTP round trips, so twice the cores keeps them busy.
func DefaultWorkers() int { return 2 * runtime.GOMAXPROCS(0) }

// Scenario is one scenario of the suite: where it is written, its name
// and the requirements it names.
type Scenario struct {
	File string
	Line int
	Name string
	Refs []requirements.Ref
	c    *steps.Compiled
}

// Where is "file:line".
func (s *Scenario) Where() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// Failure is a scenario that did not pass: which, at which step, how
// (steps.Outcome) and the failure's first line.
type Failure struct {
	Scenario *Scenario
	Step     string // the failing step's text; "" when the scenario's end failed
	Outcome  steps.Outcome
	Message  string
}

// FaultResult is what the self-check learnt about one fault.
type FaultResult struct {
	Fault fakevault.FaultInfo
	// Killed says a scenario failed against the fault; First is that
	// scenario's failure and Requirement the requirement it counts for:
	// the one the failure names, else the first of the scenario's that
	// the fault names, else the scenario's first, else "".
	Killed      bool
	First       *Failure
	Requirement string
	// Runs is how many scenarios ran against the fault, Problems the
	// scenario and harness errors among them (which kill nothing).
	Runs     int
	Problems []Failure
	Elapsed  time.Duration
}

// Report is the result of a self-check.
type Report struct {
	// Scenarios is the number of scenarios of the suite.
	Scenarios int
	// Clean are the scenarios that did not pass against the fault-free fake.
	Clean []Failure
	// Faults are the results, in the fake's table order.
	Faults []FaultResult
	// Runs is the number of scenario executions in all, clean run
	// included; Elapsed the wall time.
	Runs    int
	Elapsed time.Duration
	Workers int
}

// OK reports whether the clean run passed and every fault was killed.
func (r *Report) OK() bool { return len(r.Clean) == 0 && len(r.Survivors()) == 0 }

// Survivors are the faults no scenario caught.
func (r *Report) Survivors() []FaultResult {
	var out []FaultResult
	for _, f := range r.Faults {
		if !f.Killed {
			out = append(out, f)
		}
	}
	return out
}

// Scenarios returns the scenarios of a loaded suite, compiled. A suite with
// problems, or a step that does not compile, is an ErrScenarios error.
func Scenarios(s *suite.Suite) ([]*Scenario, error) {
	if len(s.Problems) > 0 {
		return nil, fmt.Errorf("%w: %d problems in the scenario files, the first: %s", ErrScenarios, len(s.Problems), s.Problems[0].Head())
	}
	var out []*Scenario
	for _, f := range s.Files {
		for _, ft := range f.Features {
			for _, p := range ft.Pickles {
				c, err := steps.Compile(p)
				if err != nil {
					return nil, fmt.Errorf("%w: %s: scenario %q: %v", ErrScenarios, f.Name, p.Name, err)
				}
				sc := &Scenario{File: f.Name, Name: p.Name, c: c}
				if len(p.AstNodeIds) > 0 {
					sc.Line = int(ft.Lines[p.AstNodeIds[0]])
				}
				var tags []string
				for _, t := range p.Tags {
					tags = append(tags, t.Name)
				}
				refs, errs := requirements.RefsOf(tags)
				if len(errs) > 0 {
					return nil, fmt.Errorf("%w: %s:%d: %v", ErrScenarios, sc.File, sc.Line, errs[0])
				}
				sc.Refs = refs
				out = append(out, sc)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no scenarios", ErrScenarios)
	}
	return out, nil
}

// order is the order in which a fault's run tries the scenarios: those
// that name one of the fault's requirements, then those that name a
// requirement of the same areas, then the rest, each group in suite order.
func order(info fakevault.FaultInfo, scs []*Scenario, skip map[*Scenario]bool) []*Scenario {
	ids := map[string]bool{}
	areas := map[requirements.Area]bool{}
	for _, id := range info.Requirements {
		ids[id] = true
		if r, ok := requirements.Lookup(id); ok {
			areas[r.Area] = true
		}
	}
	rank := func(sc *Scenario) int {
		best := 2
		for _, ref := range sc.Refs {
			if ids[ref.ID] {
				return 0
			}
			if r, ok := requirements.Lookup(ref.ID); ok && areas[r.Area] {
				best = 1
			}
		}
		return best
	}
	var out []*Scenario
	for _, sc := range scs {
		if !skip[sc] {
			out = append(out, sc)
		}
	}
	slices.SortStableFunc(out, func(a, b *Scenario) int { return cmp.Compare(rank(a), rank(b)) })
	return out
}

// requirementOf picks the requirement a failure counts for.
func requirementOf(err error, info fakevault.FaultInfo, sc *Scenario) string {
	var named interface{ Requirement() string }
	if errors.As(err, &named) && named.Requirement() != "" {
		return named.Requirement()
	}
	for _, ref := range sc.Refs {
		if slices.Contains(info.Requirements, ref.ID) {
			return ref.ID
		}
	}
	if len(sc.Refs) > 0 {
		return sc.Refs[0].ID
	}
	return ""
}

// Run runs the self-check. Its error is for scenarios that cannot run
// (ErrScenarios), a target that cannot start, or ctx ending; what the
// scenarios found is in the Report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	s := opts.Suite
	if s == nil {
		var err error
		if s, err = suite.Load(ctx, suite.Options{}); err != nil {
			return nil, err
		}
	}
	scs, err := Scenarios(s)
	if err != nil {
		return nil, err
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers()
	}
	if opts.ScenarioTimeout <= 0 {
		opts.ScenarioTimeout = 2 * time.Minute
	}
	if opts.Target == nil {
		opts.Target = LoopbackFake
	}
	faults := opts.Faults
	if faults == nil {
		for _, fi := range fakevault.Faults() {
			faults = append(faults, fi.Fault)
		}
	}
	rep := &Report{Scenarios: len(scs), Workers: opts.Workers}

	// The clean run: every scenario once, against one fault-free fake.
	clean := &run{info: fakevault.FaultInfo{Name: "no fault"}, order: scs, all: true}
	if err := schedule(ctx, opts, []*run{clean}); err != nil {
		return nil, err
	}
	rep.Runs += clean.result.Runs
	skip := map[*Scenario]bool{}
	for _, f := range append(slices.Clone(clean.failures), clean.result.Problems...) {
		rep.Clean = append(rep.Clean, f)
		skip[f.Scenario] = true
	}
	slices.SortFunc(rep.Clean, func(a, b Failure) int {
		return cmp.Or(strings.Compare(a.Scenario.File, b.Scenario.File), cmp.Compare(a.Scenario.Line, b.Scenario.Line))
	})

	runs := make([]*run, len(faults))
	for i, f := range faults {
		info := f.Info()
		runs[i] = &run{info: info, fault: f, order: order(info, scs, skip)}
	}
	if err := schedule(ctx, opts, runs); err != nil {
		return nil, err
	}
	for _, r := range runs {
		rep.Runs += r.result.Runs
		rep.Faults = append(rep.Faults, r.result)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// run is the run of the scenarios against one fake: the clean one (all
// set: every scenario runs, failures are collected) or one fault's.
type run struct {
	info  fakevault.FaultInfo
	fault fakevault.Fault
	order []*Scenario
	all   bool

	next     int // index in order of the next scenario to start
	inflight map[int]context.CancelFunc
	cfg      steps.Config
	stop     func()
	started  time.Time
	done     bool
	result   FaultResult
	failures []Failure // the clean run's target failures
	firstAt  int       // order index of the failure in result.First
}

func (r *run) finished() bool { return r.done || (r.next >= len(r.order) && len(r.inflight) == 0) }

// schedule executes the scenarios of runs on a pool of workers, as the
// package comment describes. It returns when every run is finished.
func schedule(ctx context.Context, opts Options, runs []*run) error {
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		cursor  int
		pending = len(runs)
		fatal   error
	)
	for _, r := range runs {
		r.inflight = map[int]context.CancelFunc{}
		r.result.Fault = r.info
		r.firstAt = -1
		r.started = time.Now()
	}
	// finish ends a run whose work is over; mu is held.
	finish := func(r *run) {
		if r.stop != nil {
			r.stop()
			r.stop = nil
		}
		r.done = true
		r.result.Elapsed = time.Since(r.started)
		pending--
		if opts.Progress != nil && !r.all {
			opts.Progress(r.result)
		}
		cond.Broadcast()
	}
	// pick returns the next job, or ok false when there is none now; mu is
	// held.
	pick := func() (r *run, i int, ok bool) {
		active := 0
		for _, r := range runs {
			if !r.done && r.next < len(r.order) {
				active++
			}
		}
		if active == 0 {
			return nil, 0, false
		}
		// One scenario per fault at a time while faults outnumber the
		// workers; in the tail, share the workers among the rest.
		limit := max(1, (opts.Workers+active-1)/active)
		for k := range runs {
			r := runs[(cursor+k)%len(runs)]
			if r.done || r.next >= len(r.order) || (!r.all && len(r.inflight) >= limit) {
				continue
			}
			cursor = (cursor + k + 1) % len(runs)
			i := r.next
			r.next++
			return r, i, true
		}
		return nil, 0, false
	}

	mu.Lock()
	for _, r := range runs {
		if len(r.order) == 0 {
			finish(r) // every scenario left out: nothing can kill it
		}
	}
	mu.Unlock()
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			for {
				if pending == 0 || fatal != nil {
					cond.Broadcast()
					return
				}
				if err := ctx.Err(); err != nil {
					fatal = err
					for _, r := range runs {
						for _, cancel := range r.inflight {
							cancel()
						}
					}
					continue
				}
				r, i, ok := pick()
				if !ok {
					cond.Wait()
					continue
				}
				if r.cfg.Keys == nil && r.stop == nil {
					cfg, stop, err := opts.Target(faultsOf(r)...)
					if err != nil {
						fatal = fmt.Errorf("starting the fake Vault for %s: %w", r.info.Name, err)
						continue
					}
					r.cfg, r.stop = cfg, stop
				}
				sctx, cancel := context.WithTimeout(ctx, opts.ScenarioTimeout)
				r.inflight[i] = cancel
				cfg := r.cfg
				mu.Unlock()
				sc := r.order[i]
				failed, err := steps.Execute(sctx, cfg, sc.c, steps.ExecOptions{})
				serr := sctx.Err()
				cancel()
				mu.Lock()
				delete(r.inflight, i)
				r.result.Runs++
				timedOut := ctx.Err() == nil && errors.Is(serr, context.DeadlineExceeded)
				if !errors.Is(serr, context.Canceled) || ctx.Err() != nil {
					// A scenario cancelled because its fault was killed
					// meanwhile proves nothing either way.
					record(r, i, sc, failed, err, timedOut)
				}
				if r.done {
					cond.Broadcast()
					continue
				}
				if r.result.Killed && !r.all {
					// Stop the fault's run at its first failure: the
					// scenarios after it in the fault's order that are
					// still running are cancelled; those before it run to
					// their end, so that the failure reported is the
					// first in that order, whatever the timing.
					for j, c := range r.inflight {
						if j > r.firstAt {
							c()
						}
					}
					r.next = len(r.order)
					if len(r.inflight) == 0 {
						finish(r)
					}
					continue
				}
				if r.finished() {
					finish(r)
				}
				cond.Broadcast()
			}
		}()
	}
	wg.Wait()
	if fatal != nil {
		for _, r := range runs {
			if r.stop != nil {
				r.stop()
			}
		}
		return fatal
	}
	return nil
}

func faultsOf(r *run) []fakevault.Fault {
	if r.all {
		return nil
	}
	return []fakevault.Fault{r.fault}
}

// record notes the outcome of scenario i of r's order; mu is held.
func record(r *run, i int, sc *Scenario, failed int, err error, timedOut bool) {
	out := steps.Classify(err)
	if out == steps.Passed {
		return
	}
	f := Failure{Scenario: sc, Outcome: out, Message: firstLine(err)}
	if failed < sc.c.Len() {
		st, _ := sc.c.Step(failed)
		f.Step = st.Text
	}
	if timedOut {
		f.Message = "timed out: " + f.Message
	}
	switch {
	case out != steps.FailedTarget:
		if r.result.Killed && !r.all {
			return // cancelled after the kill
		}
		r.result.Problems = append(r.result.Problems, f)
	case r.all:
		r.failures = append(r.failures, f)
	case r.firstAt < 0 || i < r.firstAt:
		r.result.Killed = true
		r.result.First = &f
		r.result.Requirement = requirementOf(err, r.info, sc)
		r.firstAt = i
	}
}

// firstLine is the first line of an error's text.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// LoopbackFake is the default Options.Target: a fakevault.Server with the
// given faults on a loopback port, with a fast key source of its own over
// the committed test keys and a server view for the blindness check.
func LoopbackFake(faults ...fakevault.Fault) (steps.Config, func(), error) {
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: uint64(len(faults)) + 1})
	if err != nil {
		return steps.Config{}, nil, err
	}
	view := serverview.New()
	srv := httptest.NewServer(view.NewFake(fakevault.WithFaults(faults...)))
	cfg := steps.Config{
		VaultURL: srv.URL + meeco.VaultPrefix, KeystoreURL: srv.URL + meeco.KeystorePrefix, Keys: keys,
		HTTPClient: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
		Server:     view,
	}
	stop := func() {
		cfg.HTTPClient.CloseIdleConnections()
		srv.Close()
		keys.Close()
	}
	return cfg, stop, nil
}
