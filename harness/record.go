package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	"github.com/vaultcheck/vaultcheck/results"
	"github.com/vaultcheck/vaultcheck/steps"
)

// IsScenarioError reports whether err blames the scenario rather than the
// target: some error in its chain has a method ScenarioError() bool that
// returns true. The step library marks its errors this way (an unknown user
// name, a malformed table) without importing the harness, which keeps the
// steps runnable against any target. Such errors make a run exit 2.
func IsScenarioError(err error) bool {
	var se interface{ ScenarioError() bool }
	return errors.As(err, &se) && se.ScenarioError()
}

// IsHarnessError reports whether err says the harness itself broke (a key
// source failed, an internal invariant did not hold): some error in its
// chain has a method HarnessError() bool that returns true. Such errors make
// a run exit 3.
func IsHarnessError(err error) bool {
	var he interface{ HarnessError() bool }
	return errors.As(err, &he) && he.HarnessError()
}

// IsTargetError reports whether err says the target could not be
// exercised (no answer, a 5xx, a body that is not JSON where JSON is due)
// rather than that it answered wrongly: some error in its chain has a
// method TargetError() bool that returns true, as the step library's
// *steps.TargetError has. Such errors make a run exit 4.
func IsTargetError(err error) bool {
	var te interface{ TargetError() bool }
	return errors.As(err, &te) && te.TargetError()
}

// outcome kinds, ordered by the precedence of the exit code they cause.
type outcomeKind int

const (
	kindFailure  outcomeKind = iota + 1 // the target answered wrongly (exit 1)
	kindScenario                        // the scenario is wrong (exit 2)
	kindTarget                          // the target could not be exercised (exit 4)
	kindHarness                         // the harness broke (exit 3)
)

// problem is one thing that went wrong in a scenario, located in its file.
type problem struct {
	kind     outcomeKind
	uri      string
	line     int64
	scenario string
	step     string // "" when the scenario as a whole failed
	msg      string
	count    int // scenarios with this same problem (Background steps, outline rows); 0 or 1 = one
}

func (p problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: ", p.uri, p.line)
	if p.count > 1 {
		fmt.Fprintf(&b, "%d scenarios", p.count)
	} else {
		fmt.Fprintf(&b, "scenario %q", p.scenario)
	}
	if p.step != "" {
		fmt.Fprintf(&b, ": step %q", p.step)
	}
	b.WriteString(": ")
	b.WriteString(p.msg)
	return b.String()
}

// mergeProblems folds problems with the same kind, place, step and message
// into one with a count, so an undefined Background step is reported once,
// not once per scenario.
func mergeProblems(ps []problem) []problem {
	type key struct {
		kind           outcomeKind
		uri, step, msg string
		line           int64
	}
	idx := map[key]int{}
	var out []problem
	for _, p := range ps {
		k := key{p.kind, p.uri, p.step, p.msg, p.line}
		if i, ok := idx[k]; ok {
			out[i].count++
			continue
		}
		idx[k] = len(out)
		p.count = 1
		out = append(out, p)
	}
	return out
}

// recorder collects the outcome of every scenario of a run from godog's
// hooks. It decides the exit code itself instead of trusting godog's,
// because godog cannot tell a wrong scenario from a wrong target (it exits
// 1 for both) and exits 0 on failures when the only format is "events".
// The console summary and the JUnit report are written from it too, so
// that they agree with the exit code and can say which scenarios never ran.
//
// It also decides which scenarios must not run: after an interrupt (the
// run's context is done) and, with fail-fast, after the first scenario that
// did not pass. godog has no way to leave a scenario out once the run has
// started (its own stop-on-failure drops the rest from every report and is
// a data race under concurrency), so such scenarios are skipped from a
// Before hook and recorded as not run.
type recorder struct {
	set      *featureSet
	ctx      context.Context // the run's: done once it is interrupted
	failFast bool
	// include says whether the scenario with a stable id is this run's
	// (its shard's); nil means every scenario is.
	include func(id string) bool
	// done, when set, is told of every scenario of the run that ends
	// (the progress bar); called without the lock held.
	done func(status scenarioStatus)
	// onLedger, when set, gets the ledger of each scenario that ran
	// (Options.OnLedger).
	onLedger func(id string, l *ledger.Ledger)

	mu       sync.Mutex
	problems []problem
	results  map[string]*scenarioResult // by godog pickle id
	order    []*scenarioResult          // in start order
	stopped  bool                       // fail-fast saw a scenario that did not pass
	claimed  map[string]bool            // stable ids of the scenarios started
	hidden   map[string]bool            // godog pickle ids of other shards' scenarios

	// abort, when set before the run, is why the target could not be
	// exercised at all: every scenario is recorded as a target error
	// without running, so that the reports say so.
	abort string
	// probe checks that the target still answers after a scenario ended
	// in a target error; nil never probes. down is set once it did not:
	// the scenarios not yet started do not run.
	probe   func() error
	probing bool
	down    string
}

func newRecorder(ctx context.Context, set *featureSet, failFast bool) *recorder {
	return &recorder{set: set, ctx: ctx, failFast: failFast, results: map[string]*scenarioResult{},
		claimed: map[string]bool{}, hidden: map[string]bool{}}
}

// scenarioStatus is how one scenario ended.
type scenarioStatus int

const (
	statusRunning     scenarioStatus = iota // started, not finished (yet)
	statusPassed                            // every step passed
	statusFailed                            // the target failed it
	statusScenario                          // the scenario is wrong
	statusTarget                            // the target could not be exercised
	statusHarness                           // the harness broke in it
	statusInterrupted                       // stopped half-way by an interrupt
	statusNotRun                            // never started: interrupted before, or fail-fast
)

// scenarioResult is what the recorder knows of one scenario (one Examples
// row of an outline).
type scenarioResult struct {
	id, uri, name     string
	stable            string         // results id; "" when it was not found in the harness's parse
	feature           *parsedFeature // nil when it was not found
	index             int            // in feature.pickles
	line              int64
	status            scenarioStatus
	worst             outcomeKind // of its problems
	steps             []stepResult
	msg               string // a problem of the scenario as a whole
	started, finished time.Time
	notRunWhy         string // for statusNotRun and statusInterrupted
	ledger            *results.Ledger
	// aborted: a statusTarget scenario that never started, because
	// the target could not be exercised at all (msg says why, and Run's
	// error says it once).
	aborted bool
}

// stepResult is one step of a scenario that ran.
type stepResult struct {
	index       int // in the pickle's steps; -1 when unknown
	text        string
	line        int64
	status      godog.StepResultStatus
	kind        outcomeKind // what went wrong; 0 for nothing
	msg         string      // why it did not pass; "" when it did
	interrupted bool        // it failed because the run was interrupted
	targetError bool        // it failed because the target could not be exercised
	duration    time.Duration
	exchanges   []redact.Exchange
}

// interrupted reports whether the run has been interrupted.
func (r *recorder) interrupted() bool { return r.ctx != nil && r.ctx.Err() != nil }

// errElsewhere is why a scenario of another shard does not run.
const errElsewhere = "in another shard"

// start records that the scenario p begins, or returns why it must not run.
func (r *recorder) start(p *godog.Scenario) (*scenarioResult, string) {
	uri, line := r.locate(p, nil)
	res := &scenarioResult{id: p.Id, uri: uri, line: line, name: p.Name, started: time.Now()}
	r.mu.Lock()
	res.feature, res.index = r.claim(p)
	if res.feature != nil {
		res.stable = res.feature.ids[res.index]
	}
	if r.include != nil && !r.include(res.stable) {
		r.hidden[p.Id] = true
		r.mu.Unlock()
		return nil, errElsewhere
	}
	r.mu.Unlock()
	why := ""
	r.mu.Lock()
	down := r.down
	r.mu.Unlock()
	switch {
	case r.interrupted():
		why = r.stopCause() + " before it started"
	case r.abort != "":
		why = r.abort
		res.status, res.msg, res.aborted, res.finished, res.worst = statusTarget, r.abort, true, res.started, kindTarget
	case r.failFast && r.isStopped():
		why = "fail-fast: an earlier scenario did not pass"
	case down != "":
		why = "the target stopped answering: " + down
	}
	if why != "" && res.status == statusRunning {
		res.status, res.notRunWhy, res.finished = statusNotRun, why, res.started
	}
	r.mu.Lock()
	r.results[p.Id] = res
	r.order = append(r.order, res)
	r.mu.Unlock()
	if why != "" && r.done != nil {
		r.done(statusNotRun)
	}
	return res, why
}

// claim finds the harness's own parse of the godog pickle p, by file,
// name and step texts, and marks it started. Outline rows that expand to
// the same steps match each other's pickles; each godog pickle takes the
// first one not yet claimed. r.mu is held.
func (r *recorder) claim(p *godog.Scenario) (*parsedFeature, int) {
	uri, _ := splitPathLine(p.Uri)
	pf := r.set.parsed[uri]
	if pf == nil {
		return nil, 0
	}
	first := -1
	for i, q := range pf.pickles {
		if q.Name != p.Name || !sameStepTexts(q.Steps, p.Steps) {
			continue
		}
		if first < 0 {
			first = i
		}
		if !r.claimed[pf.ids[i]] {
			r.claimed[pf.ids[i]] = true
			return pf, i
		}
	}
	if first < 0 {
		return nil, 0
	}
	return pf, first
}

// isHidden reports whether the scenario with godog pickle id belongs to
// another shard: no report of this run shows it.
func (r *recorder) isHidden(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hidden[id]
}

// notRun reports whether the scenario with godog pickle id was kept from
// running, and why.
func (r *recorder) notRun(id string) (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.hidden[id] {
		return true, errElsewhere
	}
	if res := r.results[id]; res != nil && res.status == statusNotRun {
		return true, res.notRunWhy
	}
	if res := r.results[id]; res != nil && res.aborted {
		return true, res.msg
	}
	return false, ""
}

// stopCause says what stopped the run, for the scenarios it cut short.
func (r *recorder) stopCause() string {
	if errors.Is(context.Cause(r.ctx), errRunDeadline) {
		return "the run deadline passed"
	}
	return "the run was interrupted"
}

// checkTarget probes the target after a scenario ended in a target error,
// unless a probe is under way or the target is known to be down.
func (r *recorder) checkTarget() {
	r.mu.Lock()
	if r.probe == nil || r.probing || r.down != "" {
		r.mu.Unlock()
		return
	}
	r.probing = true
	r.mu.Unlock()
	err := r.probe()
	r.mu.Lock()
	r.probing = false
	if err != nil && !r.interrupted() {
		r.down = err.Error()
	}
	r.mu.Unlock()
}

func (r *recorder) isStopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

// step records one finished step of res and, when it went wrong, the
// problem. A step that fails after an interrupt is not blamed on anyone:
// the interrupt cancelled what it was doing.
func (r *recorder) step(res *scenarioResult, p problem, status godog.StepResultStatus, sr stepResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if res.status != statusRunning {
		return
	}
	sr.text, sr.line, sr.status, sr.msg, sr.kind = p.step, p.line, status, p.msg, p.kind
	if p.kind != 0 && r.interrupted() {
		why := "interrupted in: "
		if errors.Is(context.Cause(r.ctx), errRunDeadline) {
			why = "cut short by the run deadline in: "
		}
		res.status, res.notRunWhy, res.finished = statusInterrupted, why+p.step, time.Now()
		sr.msg, sr.interrupted = "interrupted", true
	} else if p.kind != 0 {
		res.worst = max(res.worst, p.kind)
		r.problems = append(r.problems, p)
		sr.targetError = p.kind == kindTarget
	}
	res.steps = append(res.steps, sr)
}

// finish records the end of res, with a problem of the scenario as a
// whole (kind 0 for none), the summary of its crypto ledger and the
// scrubber of its World (nil for none), which every exchange and message
// recorded for it goes through.
func (r *recorder) finish(res *scenarioResult, p problem, led *results.Ledger, scrub func(string) string) (kept bool) {
	var status scenarioStatus
	defer func() {
		if r.done != nil && status != 0 {
			r.done(status)
		}
	}()
	r.mu.Lock()
	defer r.mu.Unlock()
	if res.status != statusRunning {
		return false
	}
	res.ledger, kept = led, led != nil
	if scrub != nil {
		scrubSteps(res.steps, scrub)
		p.msg = scrub(p.msg)
	}
	if p.kind != 0 {
		if r.interrupted() {
			res.status, res.notRunWhy = statusInterrupted, "interrupted at its end"
		} else {
			res.worst, res.msg = max(res.worst, p.kind), p.msg
			r.problems = append(r.problems, p)
		}
	}
	res.finished = time.Now()
	if res.status == statusRunning {
		res.status = statusOf(res.worst)
	}
	if res.status != statusPassed {
		r.stopped = true
	}
	status = res.status
	return kept
}

// scrubSteps passes the messages and exchanges of steps through scrub.
func scrubSteps(steps []stepResult, scrub func(string) string) {
	for i := range steps {
		st := &steps[i]
		st.msg = scrub(st.msg)
		for j := range st.exchanges {
			ex := &st.exchanges[j]
			d := ex.Detail()
			d.URL, d.RequestBody, d.ResponseBody = scrub(d.URL), scrub(d.RequestBody), scrub(d.ResponseBody)
			d.RequestHeader, d.ResponseHeader = scrubHeader(d.RequestHeader, scrub), scrubHeader(d.ResponseHeader, scrub)
			*ex = ex.WithDetail(d)
			ex.Path, ex.Err = scrub(ex.Path), scrub(ex.Err)
		}
	}
}

func scrubHeader(h http.Header, scrub func(string) string) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out[k] = append(out[k], scrub(v))
		}
	}
	return out
}

func statusOf(k outcomeKind) scenarioStatus {
	switch k {
	case kindFailure:
		return statusFailed
	case kindScenario:
		return statusScenario
	case kindTarget:
		return statusTarget
	case kindHarness:
		return statusHarness
	}
	return statusPassed
}

// scenarios returns a copy of every scenario's result, in file order.
func (r *recorder) scenarios() []scenarioResult {
	r.mu.Lock()
	out := make([]scenarioResult, len(r.order))
	for i, res := range r.order {
		out[i] = *res
		out[i].steps = slices.Clone(res.steps)
	}
	r.mu.Unlock()
	rank := map[string]int{}
	if r.set != nil {
		for i, uri := range r.set.order {
			rank[uri] = i
		}
	}
	slices.SortStableFunc(out, func(a, b scenarioResult) int {
		if a.uri != b.uri {
			return cmp.Compare(rank[a.uri], rank[b.uri])
		}
		return cmp.Compare(a.line, b.line)
	})
	return out
}

// worst returns the highest kind recorded (0 when all passed) and the
// problems of that kind, in file order.
func (r *recorder) worst() (outcomeKind, []problem) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var k outcomeKind
	for _, p := range r.problems {
		k = max(k, p.kind)
	}
	var out []problem
	for _, p := range r.problems {
		if p.kind == k {
			out = append(out, p)
		}
	}
	out = mergeProblems(out)
	slices.SortStableFunc(out, func(a, b problem) int {
		if c := strings.Compare(a.uri, b.uri); c != 0 {
			return c
		}
		return int(a.line - b.line)
	})
	return k, out
}

// locate maps a pickle and one of its steps from godog's own parse back to
// file lines through the harness's parse of the same file. godog numbers
// AST nodes itself, so the two parses are matched by URI, scenario name and
// step texts, which identify a pickle up to outline rows that expand to
// identical steps (whose lines then differ only in the Examples row).
func (r *recorder) locate(p *godog.Scenario, st *godog.Step) (uri string, line int64) {
	uri, _ = splitPathLine(p.Uri)
	pf := r.set.parsed[uri]
	if pf == nil {
		return uri, 0
	}
	var mine *messages.Pickle
	for _, q := range pf.pickles {
		if q.Name == p.Name && sameStepTexts(q.Steps, p.Steps) {
			mine = q
			break
		}
	}
	if mine == nil {
		return uri, 0
	}
	ids := mine.AstNodeIds
	line = pf.lines[ids[len(ids)-1]]
	if st != nil {
		for i, s := range p.Steps {
			if s.Id == st.Id && st.Id != "" {
				if l, ok := pf.lines[mine.Steps[i].AstNodeIds[0]]; ok {
					line = l
				}
				break
			}
		}
	}
	return uri, line
}

func sameStepTexts(a, b []*messages.PickleStep) bool {
	return slices.EqualFunc(a, b, func(x, y *messages.PickleStep) bool { return x.Text == y.Text })
}

// classify turns a step's final status and error into a problem kind; 0
// means nothing went wrong.
func classify(status godog.StepResultStatus, err error) (outcomeKind, string) {
	switch status {
	case godog.StepPassed, godog.StepSkipped:
		return 0, ""
	case godog.StepUndefined:
		return kindScenario, "undefined step: no step definition matches it"
	case godog.StepAmbiguous:
		return kindScenario, "ambiguous step: " + firstLine(errString(err))
	case godog.StepPending:
		return kindScenario, "step implementation is pending"
	}
	if err == nil || errors.Is(err, godog.ErrSkip) {
		return 0, ""
	}
	switch {
	case isStepPanic(err):
		return kindHarness, "the step panicked: " + firstLine(err.Error())
	case IsHarnessError(err):
		return kindHarness, err.Error()
	case IsScenarioError(err):
		return kindScenario, err.Error()
	case IsTargetError(err):
		return kindTarget, err.Error()
	}
	return kindFailure, err.Error()
}

// isStepPanic reports whether err is godog's record of a panic in a step
// (or hook), which is a bug in the step library, not a wrong answer from
// the target. godog wraps recovered panics, and only those, in its
// unexported *godog.traceError; a test pins this to the godog version.
func isStepPanic(err error) bool {
	for _, e := range errTree(err) {
		if reflect.TypeOf(e).String() == "*godog.traceError" {
			return true
		}
	}
	return false
}

// errTree lists err and every error it wraps, depth first.
func errTree(err error) []error {
	if err == nil {
		return nil
	}
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		out = append(out, errTree(u.Unwrap())...)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, errTree(e)...)
		}
	}
	return out
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// wrap returns a godog ScenarioInitializer that runs init and then adds the
// recorder's own hooks. They are registered last so that they see the
// errors of the step library's hooks as well. A panic in init (godog panics
// when a step function has an unsupported signature) is caught and recorded
// as a broken harness, instead of killing the process from one of godog's
// goroutines.
func (r *recorder) wrap(init func(*godog.ScenarioContext)) func(*godog.ScenarioContext) {
	return func(sc *godog.ScenarioContext) {
		var initPanic any
		func() {
			defer func() { initPanic = recover() }()
			init(sc)
		}()

		// Per-scenario state: the initializer runs once per pickle, and
		// godog calls a scenario's hooks on one goroutine.
		var (
			pickle     *godog.Scenario
			res        *scenarioResult
			stepFailed bool
			stepStart  time.Time
			stepMark   int
		)
		sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
			pickle = p
			var why string
			if res, why = r.start(p); why != "" {
				// godog reports the scenario's steps as skipped; the
				// summary and the JUnit report say it never ran.
				return ctx, godog.ErrSkip
			}
			if initPanic != nil {
				r.step(res, problem{kind: kindHarness, uri: res.uri, line: res.line, scenario: p.Name,
					msg: fmt.Sprintf("the step library's initializer panicked: %v", initPanic)}, godog.StepFailed, stepResult{index: -1})
				return ctx, fmt.Errorf("%w: step library initializer panicked", ErrHarness)
			}
			return ctx, nil
		})
		// The exchanges a step made are those its World logged between
		// the step's hooks: a scenario's steps run one after the other.
		sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
			stepStart = time.Now()
			if w := steps.WorldFrom(ctx); w != nil {
				stepMark = w.Exchanges().Len()
			}
			return ctx, nil
		})
		sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
			if res == nil || pickle == nil {
				return ctx, nil
			}
			sr := stepResult{index: -1}
			if !stepStart.IsZero() && status != godog.StepSkipped {
				sr.duration = time.Since(stepStart)
			}
			stepStart = time.Time{}
			if w := steps.WorldFrom(ctx); w != nil && status != godog.StepSkipped {
				sr.exchanges = w.Exchanges().Since(stepMark)
			}
			for i, s := range pickle.Steps {
				if s.Id == st.Id {
					sr.index = i
					break
				}
			}
			kind, msg := classify(status, err)
			if kind != 0 {
				stepFailed = true
			}
			if initPanic != nil {
				return ctx, nil // already recorded once for the scenario
			}
			uri, line := r.locate(pickle, st)
			r.step(res, problem{kind: kind, uri: uri, line: line, scenario: pickle.Name, step: st.Text, msg: msg}, status, sr)
			return ctx, nil
		})
		sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
			if res == nil {
				return ctx, nil
			}
			// An error here that no step reported comes from an
			// after-scenario hook of the step library (such as "an
			// error no step checked").
			var pr problem
			if err != nil && !stepFailed && !errors.Is(err, godog.ErrSkip) {
				if kind, msg := classify(godog.StepFailed, err); kind != 0 {
					uri, line := r.locate(p, nil)
					pr = problem{kind: kind, uri: uri, line: line, scenario: p.Name, msg: msg}
				}
			}
			var (
				led   *results.Ledger
				scrub func(string) string
			)
			w := steps.WorldFrom(ctx)
			if w != nil {
				led, scrub = ledgerSummary(w), w.Scrubber()
			}
			// The ledger goes with the scenario's results, and only then
			// to OnLedger: a scenario that never ran has neither.
			if r.finish(res, pr, led, scrub) && r.onLedger != nil && res.stable != "" {
				r.onLedger(res.stable, w.Ledger())
			}
			if res.status == statusTarget {
				r.checkTarget()
			}
			return ctx, nil
		})
	}
}

// ledgerSummary summarizes the crypto ledger of a World whose scenario
// ended: its operations by kind and the re-check Finish did.
func ledgerSummary(w *steps.World) *results.Ledger {
	led := &results.Ledger{ByOp: map[string]int{}}
	for _, e := range w.Ledger().Entries() {
		led.Entries++
		led.ByOp[string(e.Op)]++
	}
	if rep, ok := w.LedgerReport(); ok {
		led.Checked, led.Skipped = rep.Checked, rep.Skipped
		for _, err := range rep.Errors {
			led.Errors = append(led.Errors, err.Error())
		}
		led.Verified = len(rep.Errors) == 0
	}
	return led
}
