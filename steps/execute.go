package steps

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/internal/ledger"
)

// Execution without godog. godog runs one suite per process with
// process-wide state and formatters on every step, so a caller that runs
// the scenarios many times over, concurrently and against many targets
// (the self-check runs the suite once per fault of the fake Vault; a load
// run), executes pickles itself, with the semantics of Initializer: a fresh
// World per scenario, BeginStep before each step, each step matched against
// the table by Definition.Pattern (exactly one match), its handler called by
// reflection as godog calls it, the first failing step ending the scenario,
// Finish at the end. A load run also sets a scenario up once and runs its
// body many times over on forks of that state (Run.Fork), timing steps and
// the client's crypto operations (ExecOptions).

// Compiled is a pickle whose steps have been matched against the step
// table once, so that running it again costs no regexp matching. It is
// immutable and may be executed by many goroutines at once.
type Compiled struct {
	Pickle *messages.Pickle
	steps  []compiledStep
}

type compiledStep struct {
	step *messages.PickleStep
	def  *Definition
	fn   reflect.Value
	args []reflect.Value // without the leading context
	ctx  bool            // the handler takes a context first
	err  error           // an argument that does not convert, reported when the step runs
}

// Len is the number of steps.
func (c *Compiled) Len() int { return len(c.steps) }

// Step returns step i of the pickle and the definition it matched.
func (c *Compiled) Step(i int) (*messages.PickleStep, *Definition) {
	return c.steps[i].step, c.steps[i].def
}

// Compile matches every step of p against the step table. A step that
// matches no definition or more than one is a *ScenarioError naming it.
func Compile(p *messages.Pickle) (*Compiled, error) { return compile(table, p) }

// compile is Compile against the definitions defs.
func compile(defs []Definition, p *messages.Pickle) (*Compiled, error) {
	c := &Compiled{Pickle: p, steps: make([]compiledStep, 0, len(p.Steps))}
	for _, st := range p.Steps {
		cs, err := compileStep(defs, st)
		if err != nil {
			return nil, err
		}
		c.steps = append(c.steps, cs)
	}
	return c, nil
}

var (
	typeOfContext = reflect.TypeFor[context.Context]()
	typeOfError   = reflect.TypeFor[error]()
	typeOfBytes   = reflect.TypeFor[[]byte]()
	typeOfTable   = reflect.TypeFor[*messages.PickleTable]()
	typeOfDoc     = reflect.TypeFor[*messages.PickleDocString]()
)

func compileStep(defs []Definition, st *messages.PickleStep) (compiledStep, error) {
	var matched []int
	var captures []string
	for i := range defs {
		if m := defs[i].Pattern.FindStringSubmatch(st.Text); m != nil {
			if len(matched) == 0 {
				captures = m[1:]
			}
			matched = append(matched, i)
		}
	}
	switch len(matched) {
	case 0:
		return compiledStep{}, scenarioErrorf("step %q matches no step definition", st.Text)
	case 1:
	default:
		var pats []string
		for _, i := range matched {
			pats = append(pats, defs[i].Phrase())
		}
		return compiledStep{}, scenarioErrorf("step %q matches %d step definitions: %s", st.Text, len(matched), strings.Join(pats, "; "))
	}
	d := &defs[matched[0]]
	fn := reflect.ValueOf(d.handler)
	typ := fn.Type()
	if typ.Kind() != reflect.Func {
		return compiledStep{}, &HarnessError{Msg: fmt.Sprintf("the handler of %q is a %s, not a function", d.Phrase(), typ.Kind())}
	}
	if typ.NumOut() > 1 || typ.NumOut() == 1 && typ.Out(0) != typeOfError {
		return compiledStep{}, &HarnessError{Msg: fmt.Sprintf("the handler of %q must return error or nothing", d.Phrase())}
	}
	cs := compiledStep{step: st, def: d, fn: fn}
	// godog's arguments: the captures, then the step's table or doc string.
	var raw []any
	for _, s := range captures {
		raw = append(raw, s)
	}
	if st.Argument != nil {
		raw = append(raw, st.Argument)
	}
	numIn, off := typ.NumIn(), 0
	if numIn > 0 && typ.In(0).Implements(typeOfContext) {
		cs.ctx, off = true, 1
	}
	if len(raw) < numIn-off {
		cs.err = scenarioErrorf("step %q: the definition takes %d arguments, the step gives %d", st.Text, numIn-off, len(raw))
		return cs, nil
	}
	for i := off; i < numIn; i++ {
		v, err := convertArg(typ.In(i), raw[i-off])
		if err != nil {
			cs.err = scenarioErrorf("step %q: argument %d: %v", st.Text, i-off+1, err)
			return cs, nil
		}
		cs.args = append(cs.args, v)
	}
	return cs, nil
}

// convertArg turns one capture or step argument into a handler parameter,
// with the conversions godog makes.
func convertArg(param reflect.Type, arg any) (reflect.Value, error) {
	asString := func() (string, error) {
		switch a := arg.(type) {
		case string:
			return a, nil
		case *messages.PickleStepArgument:
			if a.DocString == nil {
				return "", errors.New("want a doc string, got a table")
			}
			return a.DocString.Content, nil
		}
		return "", fmt.Errorf("cannot convert %T to a string", arg)
	}
	switch param {
	case typeOfTable:
		if a, ok := arg.(*messages.PickleStepArgument); ok && a.DataTable != nil {
			return reflect.ValueOf(a.DataTable), nil
		}
		return reflect.Value{}, errors.New("want a data table")
	case typeOfDoc:
		if a, ok := arg.(*messages.PickleStepArgument); ok && a.DocString != nil {
			return reflect.ValueOf(a.DocString), nil
		}
		return reflect.Value{}, errors.New("want a doc string")
	case typeOfBytes:
		s, err := asString()
		return reflect.ValueOf([]byte(s)), err
	}
	s, err := asString()
	if err != nil {
		return reflect.Value{}, err
	}
	v := reflect.New(param).Elem()
	switch param.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, param.Bits())
		if err != nil {
			return reflect.Value{}, fmt.Errorf("%q is not a %s", s, param)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, param.Bits())
		if err != nil {
			return reflect.Value{}, fmt.Errorf("%q is not a %s", s, param)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, param.Bits())
		if err != nil {
			return reflect.Value{}, fmt.Errorf("%q is not a %s", s, param)
		}
		v.SetFloat(f)
	default:
		return reflect.Value{}, fmt.Errorf("parameter type %s is not supported", param)
	}
	return v, nil
}

// StepObserver is told about every step a Run executes: its index in the
// pickle, the definition it matched, how long it took, and its error.
type StepObserver func(i int, def *Definition, d time.Duration, err error)

// ExecOptions are the optional hooks of a Run.
type ExecOptions struct {
	// Step, when set, observes every executed step.
	Step StepObserver
	// Crypto, when set, times the client's crypto operations (see
	// ledger.Observer).
	Crypto ledger.Observer
}

// Run is one execution of a compiled pickle on its own World.
type Run struct {
	c    *Compiled
	w    *World
	opts ExecOptions
}

// NewRun makes a fresh World for c, as the Before hook of Initializer does.
func NewRun(cfg Config, c *Compiled, opts ExecOptions) (*Run, error) {
	w, err := NewWorld(cfg)
	if err != nil {
		return nil, err
	}
	w.pickle = c.Pickle
	w.ledger.SetObserver(opts.Crypto)
	return &Run{c: c, w: w, opts: opts}, nil
}

// World is the Run's World.
func (r *Run) World() *World { return r.w }

// Steps executes steps [from, to) in order and stops at the first that
// fails, returning its index and its error (sealed, as the bindings seal
// it). All steps passing returns (to, nil). A context that ends stops the
// run before the next step with a *HarnessError.
func (r *Run) Steps(ctx context.Context, from, to int) (int, error) {
	// The handlers find their World in the context, as under godog.
	ctx = context.WithValue(ctx, worldKey{}, r.w)
	for i := from; i < to; i++ {
		if err := ctxErr(ctx); err != nil {
			return i, err
		}
		cs := &r.c.steps[i]
		r.w.BeginStep(cs.step)
		start := time.Now()
		err := r.call(ctx, cs)
		if r.opts.Step != nil {
			r.opts.Step(i, cs.def, time.Since(start), err)
		}
		if err != nil {
			return i, err
		}
	}
	return to, nil
}

// call invokes a step's handler. A panic is a bug of vaultcheck, not of
// the target: it becomes a *HarnessError.
func (r *Run) call(ctx context.Context, cs *compiledStep) (err error) {
	if cs.err != nil {
		return cs.err
	}
	defer func() {
		if p := recover(); p != nil {
			err = &HarnessError{Msg: fmt.Sprintf("step %q panicked: %v", cs.step.Text, p)}
		}
	}()
	args := cs.args
	if cs.ctx {
		args = append([]reflect.Value{reflect.ValueOf(ctx)}, cs.args...)
	}
	out := cs.fn.Call(args)
	if len(out) == 1 && !out[0].IsNil() {
		return r.w.Seal(out[0].Interface().(error))
	}
	return nil
}

// Finish ends the scenario as the After hook does: unchecked failures and
// the crypto ledger.
func (r *Run) Finish() error { return r.w.Finish() }

// Checkpoint ends the part of the scenario that forks will share (a load
// run's set-up): it re-verifies the crypto ledger so far and checks that
// nothing sent so far broke server blindness, as Finish would, so that a
// fork only checks what it adds. An outcome a later step is to check stays
// pending, and is carried into every fork.
func (r *Run) Checkpoint() error {
	w := r.w
	var errs []error
	if err := w.verifyLedger(); err != nil {
		errs = append(errs, err)
	}
	if err := w.CheckBlindness(context.Background()); err != nil {
		errs = append(errs, err)
	}
	if raw := w.raw(); len(raw) > 0 {
		w.blindFrom = raw[len(raw)-1].Seq
	}
	for i, e := range errs {
		errs[i] = w.Seal(e)
	}
	return errors.Join(errs...)
}

// Fork makes a Run of the same pickle on a new World that starts with
// everything this one's scenario made so far (see forkInto), to run the
// rest of its steps: a load run sets a scenario up once per virtual user
// and forks it for every iteration. Call Checkpoint first, so that forks
// do not re-check the shared part; the fork never changes this Run. opts
// are the new Run's hooks.
func (r *Run) Fork(opts ExecOptions) (*Run, error) {
	w, err := newWorld(r.w.cfg)
	if err != nil {
		return nil, err
	}
	if err := r.w.forkInto(w); err != nil {
		return nil, err
	}
	w.pickle = r.c.Pickle
	w.ledger.SetObserver(opts.Crypto)
	return &Run{c: r.c, w: w, opts: opts}, nil
}

// Execute runs a compiled pickle start to end on a fresh World: every step
// in order until one fails, then Finish. Its error is the failing step's
// (or Finish's); FailedStep is the index of that step, or Len() when the
// steps passed and Finish failed.
func Execute(ctx context.Context, cfg Config, c *Compiled, opts ExecOptions) (FailedStep int, err error) {
	r, err := NewRun(cfg, c, opts)
	if err != nil {
		return 0, err
	}
	i, err := r.Steps(ctx, 0, c.Len())
	if err != nil {
		return i, err
	}
	return c.Len(), r.Finish()
}

// Outcome classifies the error of a step or scenario the way the harness
// keeps them apart: nil passed, a *ScenarioError is the scenario's
// mistake, a *HarnessError vaultcheck's own, anything else the target's.
type Outcome int

// Outcomes.
const (
	Passed Outcome = iota
	FailedTarget
	FailedScenario
	FailedHarness
)

func (o Outcome) String() string {
	return [...]string{"passed", "target", "scenario", "harness"}[o]
}

// Classify returns the Outcome of err. A scenario error wins over a
// harness error, which wins over a target failure, when an error joins
// several (Finish may).
func Classify(err error) Outcome {
	if err == nil {
		return Passed
	}
	var se *ScenarioError
	if errors.As(err, &se) {
		return FailedScenario
	}
	var he *HarnessError
	if errors.As(err, &he) {
		return FailedHarness
	}
	return FailedTarget
}
