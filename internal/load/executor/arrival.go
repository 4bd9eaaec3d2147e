package executor

import (
	"context"
	"iter"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// arrivalRate runs constant-arrival-rate and ramping-arrival-rate: an
// iteration starts at every time of the schedule on a free VU. With no VU
// free the iteration is dropped (counted, never made up for) and, while
// maxVUs allows, one more VU is allocated in the background, one at a
// time, as k6 does.
type arrivalRate struct {
	cfg      Config
	duration time.Duration
	schedule iter.Seq2[int64, time.Duration] // global event index → start offset

	env       *Env
	planned   []VU
	unplanned int // VUs that may still be allocated during the run
}

// constantSchedule starts event g at g×period, from 0, while before d.
func constantSchedule(period float64, d time.Duration) iter.Seq2[int64, time.Duration] {
	return func(yield func(int64, time.Duration) bool) {
		for g := int64(0); ; g++ {
			at := time.Duration(math.Round(period * float64(g)))
			if at >= d || !yield(g, at) {
				return
			}
		}
	}
}

// rampingSchedule places events where the area under the rate curve
// (linear within each stage) reaches 1, 2, 3, ...: k6's calculation, in
// which the first event comes when one iteration's worth of rate has
// accumulated, not at 0. Times are rounded to the nanosecond where k6
// truncates, so that 2/s gives 0.5s and not 499.999999ms.
func rampingSchedule(startRate float64, unit time.Duration, stages []Stage) iter.Seq2[int64, time.Duration] {
	return func(yield func(int64, time.Duration) bool) {
		u := float64(unit)
		from := startRate / u // events per nanosecond
		var stageStart time.Duration
		var doneSoFar, endCount float64
		i := 1.0
		for _, st := range stages {
			to := st.Target / u
			dur := float64(st.Duration)
			if from != to {
				endCount += dur * ((to-from)/2 + from)
				for ; i <= endCount; i++ {
					x := (from*dur - nonNegSqrt(dur*(from*from*dur+2*(i-doneSoFar)*(to-from)))) / (from - to)
					if !yield(int64(i)-1, stageStart+time.Duration(math.Round(x))) {
						return
					}
				}
			} else {
				endCount += dur * to
				for ; i <= endCount; i++ {
					if !yield(int64(i)-1, stageStart+time.Duration(math.Round((i-doneSoFar)/to))) {
						return
					}
				}
			}
			doneSoFar = endCount
			from = to
			stageStart += st.Duration
		}
	}
}

func nonNegSqrt(f float64) float64 {
	if f <= 0 {
		return 0
	}
	return math.Sqrt(f)
}

func (e *arrivalRate) Init(ctx context.Context, env *Env) (err error) {
	e.env = env
	pre := env.Segment.Share(e.cfg.PreAllocatedVUs)
	e.unplanned = env.Segment.Share(e.cfg.MaxVUs) - pre
	e.planned, err = allocate(ctx, env, pre)
	return err
}

func (e *arrivalRate) Duration() time.Duration     { return e.duration }
func (e *arrivalRate) GracefulStop() time.Duration { return e.cfg.GracefulStop }

func (e *arrivalRate) Run(ctx context.Context) error {
	regular, hard, cancel := durationContexts(ctx, e.duration, e.cfg.GracefulStop)
	defer cancel()

	free := make(chan VU, len(e.planned)+e.unplanned)
	for _, v := range e.planned {
		free <- v
	}
	var running, allocated atomic.Int64
	allocated.Store(int64(len(e.planned)))
	report := func() { e.env.vus(int(running.Load()), int(allocated.Load())) }
	report()

	var iterations sync.WaitGroup
	start := func(v VU) {
		running.Add(1)
		report()
		iterations.Go(func() {
			v.Iterate(hard)
			running.Add(-1)
			report()
			free <- v
		})
	}

	// One VU allocated at a time, in the background, on request.
	more := make(chan struct{})
	allocCtx, stopAlloc := context.WithCancel(hard)
	defer stopAlloc()
	var allocator sync.WaitGroup
	allocator.Go(func() {
		for range more {
			v, err := e.env.NewVU(allocCtx)
			if err != nil {
				continue // the run goes on with the VUs it has
			}
			allocated.Add(1)
			report()
			free <- v
		}
	})

	begin := time.Now()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	remaining := e.unplanned
	for g, at := range e.schedule {
		if !e.env.Segment.Owns(g) {
			continue
		}
		if d := time.Until(begin.Add(at)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-regular.Done():
			}
		}
		if regular.Err() != nil {
			break
		}
		select {
		case v := <-free:
			start(v)
			continue
		default:
		}
		e.env.dropped()
		if remaining > 0 {
			select {
			case more <- struct{}{}:
				remaining--
			default: // one is being allocated already
			}
		}
	}
	close(more)
	stopAlloc() // a VU still being set up would come too late
	iterations.Wait()
	allocator.Wait()
	running.Store(0)
	report()
	return nil
}
