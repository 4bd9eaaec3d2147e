package load

import (
	"context"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/load/executor"
	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/internal/load/plan"
	"github.com/vaultcheck/vaultcheck/internal/load/probe"
	"github.com/vaultcheck/vaultcheck/steps"
)

// vu is a virtual user of one load block. Its iterations go round the
// block's scenarios. With fixture "vu", each scenario's leading Given steps
// ran once when the VU was made (not measured), and every iteration runs
// the rest of the scenario on a fork of that state; with "iteration",
// every iteration runs the whole scenario.
type vu struct {
	b      *block
	cfg    steps.Config
	reg    *metrics.Registry
	inst   *probe.Instruments
	fails  *failureLog
	setups []*steps.Run // by scenario, fixture "vu" only
	next   int

	iterSeries []iterSeries // by scenario
}

type iterSeries struct {
	iterations, duration, interrupted *metrics.Series
}

// newVUFunc makes the VUs of a block; a VU whose set-up fails is not made.
func newVUFunc(b *block, cfg steps.Config, reg *metrics.Registry, fails *failureLog) func(context.Context) (executor.VU, error) {
	var count int
	inst := probe.NewInstruments(reg)
	return func(ctx context.Context) (executor.VU, error) {
		v := &vu{b: b, cfg: cfg, reg: reg, inst: inst, fails: fails, next: count}
		count++ // the executors make VUs from one goroutine at a time
		for _, sc := range b.scenarios {
			lt := metrics.Tag{Key: metrics.TagLoad, Value: b.l.Name}
			st := metrics.Tag{Key: metrics.TagScenario, Value: sc.name}
			v.iterSeries = append(v.iterSeries, iterSeries{
				iterations:  reg.Get(metrics.Iterations, lt, st),
				duration:    reg.Get(metrics.IterationDuration, lt, st),
				interrupted: reg.Get(metrics.InterruptedIters, lt, st),
			})
			if b.l.Fixture != plan.FixtureVU {
				continue
			}
			start := time.Now()
			obs := inst.Iteration(false)
			r, err := steps.NewRun(cfg, sc.compiled, obs.Options())
			if err == nil {
				var i int
				if i, err = r.Steps(ctx, 0, sc.setupLen); err != nil && ctx.Err() == nil {
					step, _ := sc.compiled.Step(i)
					fails.add(sc.name, "set-up: "+step.Text, err)
				} else if err == nil {
					// The set-up's ledger and what it sent are checked once
					// here, not again by every iteration's Finish.
					if err = r.Checkpoint(); err != nil {
						fails.add(sc.name, "set-up: (end of set-up)", err)
					}
				}
			}
			if err != nil && ctx.Err() != nil {
				return nil, err // the run ended while this VU was being set up
			}
			if err != nil {
				reg.Get(metrics.SetupFailures, lt, st, metrics.Tag{Key: metrics.TagKind, Value: steps.Classify(err).String()}).Add(1)
				return nil, err
			}
			reg.Get(metrics.SetupDuration, lt, st).Record(time.Since(start))
			v.setups = append(v.setups, r)
		}
		return v, nil
	}
}

// Iterate runs the VU's next scenario once.
func (v *vu) Iterate(ctx context.Context) {
	i := v.next % len(v.b.scenarios)
	v.next++
	sc := v.b.scenarios[i]
	obs := v.inst.Iteration(true)
	mctx := probe.Measured(ctx)
	start := time.Now()
	var (
		run  *steps.Run
		err  error
		from int
	)
	if v.setups != nil {
		run, err = v.setups[i].Fork(obs.Options())
		from = sc.setupLen
	} else {
		run, err = steps.NewRun(v.cfg, sc.compiled, obs.Options())
	}
	failed := -1
	if err == nil {
		if failed, err = run.Steps(mctx, from, sc.compiled.Len()); err == nil {
			failed = -1
			err = run.Finish()
		}
	}
	d := time.Since(start)
	s := v.iterSeries[i]
	if ctx.Err() != nil {
		s.interrupted.Add(1)
		return
	}
	s.iterations.Add(1)
	s.duration.Record(d)
	if err == nil {
		return
	}
	step := "(end of scenario)"
	if failed >= 0 && failed < sc.compiled.Len() {
		st, _ := sc.compiled.Step(failed)
		step = st.Text
	}
	v.reg.Get(metrics.IterationFailures, metrics.Tag{Key: metrics.TagLoad, Value: v.b.l.Name},
		metrics.Tag{Key: metrics.TagScenario, Value: sc.name}, metrics.Tag{Key: metrics.TagKind, Value: steps.Classify(err).String()}).Add(1)
	v.fails.add(sc.name, step, err)
}
