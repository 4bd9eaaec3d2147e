package harness

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
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

// outcome kinds, ordered by the exit code they cause.
type outcomeKind int

const (
	kindFailure  outcomeKind = iota + 1 // the target answered wrongly (exit 1)
	kindScenario                        // the scenario is wrong (exit 2)
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
type recorder struct {
	set *featureSet

	mu       sync.Mutex
	problems []problem
}

func (r *recorder) add(p problem) {
	r.mu.Lock()
	r.problems = append(r.problems, p)
	r.mu.Unlock()
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
			stepFailed bool
		)
		sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
			pickle = p
			if initPanic != nil {
				uri, line := r.locate(p, nil)
				r.add(problem{kind: kindHarness, uri: uri, line: line, scenario: p.Name,
					msg: fmt.Sprintf("the step library's initializer panicked: %v", initPanic)})
				return ctx, fmt.Errorf("%w: step library initializer panicked", ErrHarness)
			}
			return ctx, nil
		})
		sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
			kind, msg := classify(status, err)
			if kind == 0 || pickle == nil {
				return ctx, nil
			}
			stepFailed = true
			if initPanic != nil {
				return ctx, nil // already recorded once for the scenario
			}
			uri, line := r.locate(pickle, st)
			r.add(problem{kind: kind, uri: uri, line: line, scenario: pickle.Name, step: st.Text, msg: msg})
			return ctx, nil
		})
		sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
			// An error here that no step reported comes from an
			// after-scenario hook of the step library (such as "an
			// error no step checked").
			if err == nil || stepFailed || errors.Is(err, godog.ErrSkip) {
				return ctx, nil
			}
			kind, msg := classify(godog.StepFailed, err)
			if kind == 0 {
				return ctx, nil
			}
			uri, line := r.locate(p, nil)
			r.add(problem{kind: kind, uri: uri, line: line, scenario: p.Name, msg: msg})
			return ctx, nil
		})
	}
}
