// Package executor schedules the iterations of a load run with the names
// and semantics of k6's executors: constant-vus, ramping-vus,
// per-vu-iterations (closed models: a virtual user starts its next
// iteration when the last one ends) and constant-arrival-rate,
// ramping-arrival-rate (open models: iterations start on a clock, whatever
// the target's latency, and are dropped when no virtual user is free).
//
// An executor knows nothing of scenarios or metrics: it asks its Env for
// virtual users, calls VU.Iterate, and reports dropped iterations and VU
// counts. Time is read through the time package only, so tests run the
// executors under testing/synctest with a fake clock.
//
// Like k6, every executor has a regular duration, after which no iteration
// starts, and a gracefulStop (default 30s) during which iterations already
// running may finish; at its end they are interrupted by cancelling their
// context. Planned VUs are allocated by Init, before the clock starts, so
// setting them up is not part of the measured run.
package executor

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Names of the executors, as k6 spells them.
const (
	ConstantVUs         = "constant-vus"
	RampingVUs          = "ramping-vus"
	PerVUIterations     = "per-vu-iterations"
	ConstantArrivalRate = "constant-arrival-rate"
	RampingArrivalRate  = "ramping-arrival-rate"
)

// Names lists the executors.
var Names = []string{ConstantVUs, RampingVUs, PerVUIterations, ConstantArrivalRate, RampingArrivalRate}

// DefaultGracefulStop is k6's default gracefulStop (and gracefulRampDown).
const DefaultGracefulStop = 30 * time.Second

// DefaultMaxDuration is k6's default maxDuration of per-vu-iterations.
const DefaultMaxDuration = 10 * time.Minute

// VU is one virtual user. Iterate runs one iteration and records its own
// outcome; it must return soon after ctx ends. An executor calls Iterate
// of one VU from one goroutine at a time.
type VU interface {
	Iterate(ctx context.Context)
}

// Env is what an executor needs from the run around it.
type Env struct {
	// NewVU allocates a virtual user (and sets it up). It may take long;
	// arrival-rate executors call it during the run for unplanned VUs.
	NewVU func(ctx context.Context) (VU, error)
	// Dropped counts an iteration that an arrival-rate executor could not
	// start for want of a free VU. Optional.
	Dropped func()
	// VUs reports the VUs in use (running an iteration or, for closed
	// models, looping) and the VUs allocated. Optional.
	VUs func(active, allocated int)
	// Segment is the part of the load this process runs (--shard).
	Segment Segment
}

func (e *Env) dropped() {
	if e.Dropped != nil {
		e.Dropped()
	}
}

func (e *Env) vus(active, allocated int) {
	if e.VUs != nil {
		e.VUs(active, allocated)
	}
}

// Segment is shard Index of Count: this process runs VUs v with
// v%Count == Index and arrival-rate iterations g with g%Count == Index, so
// the shards of a run together start exactly the iterations one process
// would.
type Segment struct {
	Index, Count int
}

// Whole is the segment of an unsharded run.
var Whole = Segment{Index: 0, Count: 1}

// Validate checks 0 <= Index < Count.
func (s Segment) Validate() error {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %d/%d: want 0 <= I < N", s.Index, s.Count)
	}
	return nil
}

// Share is how many of n numbered things (VUs 0..n-1) fall in the segment.
func (s Segment) Share(n int) int {
	if s.Count <= 1 {
		return n
	}
	if n <= s.Index {
		return 0
	}
	return (n-s.Index-1)/s.Count + 1
}

// Owns reports whether item g (0-based) of a sequence falls in the segment.
func (s Segment) Owns(g int64) bool {
	return s.Count <= 1 || g%int64(s.Count) == int64(s.Index)
}

// Executor is a configured executor, ready to run once.
type Executor interface {
	// Init allocates the planned VUs; the run's clock has not started.
	Init(ctx context.Context, env *Env) error
	// Run runs the schedule and returns when every iteration has ended.
	Run(ctx context.Context) error
	// Duration is the regular duration (no new iterations after it).
	Duration() time.Duration
	// GracefulStop is the time iterations may run on after Duration.
	GracefulStop() time.Duration
}

// Config is an executor's declarative configuration, as a plan or the
// command line gives it.
type Config struct {
	Executor string

	VUs        int // constant-vus, per-vu-iterations
	Iterations int // per-vu-iterations: per VU
	Duration   time.Duration
	// MaxDuration bounds per-vu-iterations (default 10m).
	MaxDuration time.Duration

	StartVUs         int // ramping-vus (default 1)
	GracefulRampDown time.Duration
	Stages           []Stage

	Rate            float64 // constant-arrival-rate: iterations per TimeUnit
	StartRate       float64 // ramping-arrival-rate
	TimeUnit        time.Duration
	PreAllocatedVUs int
	MaxVUs          int

	GracefulStop time.Duration
	// Set records which optional fields were given, for defaults and for
	// "not allowed with this executor" errors (names as in k6).
	Set map[string]bool
}

// Stage is one step of a ramping executor: reach Target (VUs or
// iterations per TimeUnit) linearly over Duration.
type Stage struct {
	Duration time.Duration
	Target   float64
}

// allowed lists the options each executor takes, besides executor and
// gracefulStop.
var allowed = map[string][]string{
	ConstantVUs:         {"vus", "duration"},
	RampingVUs:          {"startVUs", "stages", "gracefulRampDown"},
	PerVUIterations:     {"vus", "iterations", "maxDuration"},
	ConstantArrivalRate: {"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"},
	RampingArrivalRate:  {"startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs"},
}

// Options lists the option names executor takes (k6 spelling).
func Options(executor string) []string {
	return append([]string{"gracefulStop"}, allowed[executor]...)
}

// FieldError is a problem with one option; Field is its k6 name ("" for
// the configuration as a whole).
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func ferr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// WithDefaults fills k6's defaults for options not set.
func (c Config) WithDefaults() Config {
	if !c.Set["gracefulStop"] {
		c.GracefulStop = DefaultGracefulStop
	}
	switch c.Executor {
	case ConstantVUs, PerVUIterations:
		if !c.Set["vus"] {
			c.VUs = 1
		}
		if c.Executor == PerVUIterations {
			if !c.Set["iterations"] {
				c.Iterations = 1
			}
			if !c.Set["maxDuration"] {
				c.MaxDuration = DefaultMaxDuration
			}
		}
	case RampingVUs:
		if !c.Set["startVUs"] {
			c.StartVUs = 1
		}
		if !c.Set["gracefulRampDown"] {
			c.GracefulRampDown = DefaultGracefulStop
		}
	case ConstantArrivalRate, RampingArrivalRate:
		if !c.Set["timeUnit"] {
			c.TimeUnit = time.Second
		}
		if !c.Set["maxVUs"] {
			c.MaxVUs = c.PreAllocatedVUs
		}
	}
	return c
}

// Validate checks a configuration (after WithDefaults) and returns every
// problem, as k6's Validate does.
func (c Config) Validate() []error {
	var errs []error
	opts, ok := allowed[c.Executor]
	if !ok {
		return []error{ferr("executor", "unknown executor %q (want one of %s)", c.Executor, quoteList(Names))}
	}
	for f := range c.Set {
		if f != "gracefulStop" && !contains(opts, f) {
			errs = append(errs, ferr(f, "not an option of %s (its options: %s)", c.Executor, quoteList(Options(c.Executor))))
		}
	}
	if c.GracefulStop < 0 {
		errs = append(errs, ferr("gracefulStop", "must not be negative"))
	}
	need := func(f string) {
		if !c.Set[f] {
			errs = append(errs, ferr(f, "required by %s", c.Executor))
		}
	}
	positiveDuration := func(f string, d time.Duration) {
		if c.Set[f] && d <= 0 {
			errs = append(errs, ferr(f, "must be more than 0, got %s", d))
		}
	}
	switch c.Executor {
	case ConstantVUs:
		need("duration")
		positiveDuration("duration", c.Duration)
		if c.VUs <= 0 {
			errs = append(errs, ferr("vus", "must be more than 0, got %d", c.VUs))
		}
	case PerVUIterations:
		if c.VUs <= 0 {
			errs = append(errs, ferr("vus", "must be more than 0, got %d", c.VUs))
		}
		if c.Iterations <= 0 {
			errs = append(errs, ferr("iterations", "must be more than 0, got %d", c.Iterations))
		}
		positiveDuration("maxDuration", c.MaxDuration)
	case RampingVUs:
		if c.StartVUs < 0 {
			errs = append(errs, ferr("startVUs", "must not be negative"))
		}
		if c.GracefulRampDown < 0 {
			errs = append(errs, ferr("gracefulRampDown", "must not be negative"))
		}
		errs = append(errs, c.validateStages(true)...)
		if maxVUsOfStages(c.StartVUs, c.Stages) == 0 {
			errs = append(errs, ferr("stages", "the VU count is 0 throughout: startVUs or some stage target must be more than 0"))
		}
	case ConstantArrivalRate:
		need("rate")
		need("duration")
		need("preAllocatedVUs")
		if c.Set["rate"] && c.Rate <= 0 {
			errs = append(errs, ferr("rate", "must be more than 0, got %v", c.Rate))
		}
		positiveDuration("duration", c.Duration)
		errs = append(errs, c.validateArrivalVUs()...)
	case RampingArrivalRate:
		need("preAllocatedVUs")
		if c.StartRate < 0 {
			errs = append(errs, ferr("startRate", "must not be negative"))
		}
		errs = append(errs, c.validateStages(false)...)
		errs = append(errs, c.validateArrivalVUs()...)
	}
	return errs
}

func (c Config) validateStages(vus bool) []error {
	var errs []error
	if len(c.Stages) == 0 {
		return []error{ferr("stages", "at least one stage is required by %s", c.Executor)}
	}
	var total time.Duration
	for i, s := range c.Stages {
		if s.Duration < 0 {
			errs = append(errs, ferr("stages", "stage %d: duration must not be negative", i+1))
		}
		if s.Target < 0 {
			errs = append(errs, ferr("stages", "stage %d: target must not be negative", i+1))
		}
		if vus && s.Target != float64(int64(s.Target)) {
			errs = append(errs, ferr("stages", "stage %d: target is a number of VUs, want a whole number, got %v", i+1, s.Target))
		}
		total += s.Duration
	}
	if total <= 0 {
		errs = append(errs, ferr("stages", "the stages last 0s in all"))
	}
	return errs
}

func (c Config) validateArrivalVUs() []error {
	var errs []error
	if c.TimeUnit <= 0 {
		errs = append(errs, ferr("timeUnit", "must be more than 0, got %s", c.TimeUnit))
	}
	if c.PreAllocatedVUs < 0 {
		errs = append(errs, ferr("preAllocatedVUs", "must not be negative"))
	}
	if c.MaxVUs < c.PreAllocatedVUs {
		errs = append(errs, ferr("maxVUs", "must not be less than preAllocatedVUs (%d), got %d", c.PreAllocatedVUs, c.MaxVUs))
	}
	if c.MaxVUs <= 0 {
		errs = append(errs, ferr("maxVUs", "the executor needs at least one VU: preAllocatedVUs or maxVUs must be more than 0"))
	}
	return errs
}

// New builds the executor of a valid configuration for a segment.
func New(c Config) (Executor, error) {
	if errs := c.Validate(); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	switch c.Executor {
	case ConstantVUs:
		return &constantVUs{cfg: c}, nil
	case PerVUIterations:
		return &perVUIterations{cfg: c}, nil
	case RampingVUs:
		return &rampingVUs{cfg: c}, nil
	case ConstantArrivalRate:
		period := float64(c.TimeUnit) / c.Rate
		return &arrivalRate{cfg: c, duration: c.Duration, schedule: constantSchedule(period, c.Duration)}, nil
	case RampingArrivalRate:
		return &arrivalRate{cfg: c, duration: sumStages(c.Stages), schedule: rampingSchedule(c.StartRate, c.TimeUnit, c.Stages)}, nil
	}
	return nil, fmt.Errorf("unknown executor %q", c.Executor)
}

// TotalDuration is the regular duration of a configuration: what a live
// view shows as the total.
func (c Config) TotalDuration() time.Duration {
	switch c.Executor {
	case ConstantVUs, ConstantArrivalRate:
		return c.Duration
	case PerVUIterations:
		return c.MaxDuration
	}
	return sumStages(c.Stages)
}

func sumStages(st []Stage) time.Duration {
	var d time.Duration
	for _, s := range st {
		d += s.Duration
	}
	return d
}

func maxVUsOfStages(start int, st []Stage) int {
	m := start
	for _, s := range st {
		m = max(m, int(s.Target))
	}
	return m
}

// durationContexts returns the context of the regular duration and the
// hard-stop context (duration + gracefulStop) of a run starting now.
func durationContexts(ctx context.Context, d, graceful time.Duration) (regular, hard context.Context, cancel func()) {
	hard, c1 := context.WithTimeout(ctx, d+graceful)
	regular, c2 := context.WithTimeout(hard, d)
	return regular, hard, func() { c2(); c1() }
}

// allocate makes n VUs with env.NewVU, stopping at the first error.
func allocate(ctx context.Context, env *Env, n int) ([]VU, error) {
	vus := make([]VU, 0, n)
	for range n {
		v, err := env.NewVU(ctx)
		if err != nil {
			return nil, err
		}
		vus = append(vus, v)
	}
	return vus, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%q", s)
	}
	return out
}
