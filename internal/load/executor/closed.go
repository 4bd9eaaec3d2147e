package executor

import (
	"context"
	"sync"
	"time"
)

// constantVUs: VUs loop over iterations for Duration.
type constantVUs struct {
	cfg Config
	env *Env
	vus []VU
}

func (e *constantVUs) Init(ctx context.Context, env *Env) (err error) {
	e.env = env
	e.vus, err = allocate(ctx, env, env.Segment.Share(e.cfg.VUs))
	return err
}

func (e *constantVUs) Duration() time.Duration     { return e.cfg.Duration }
func (e *constantVUs) GracefulStop() time.Duration { return e.cfg.GracefulStop }

func (e *constantVUs) Run(ctx context.Context) error {
	regular, hard, cancel := durationContexts(ctx, e.cfg.Duration, e.cfg.GracefulStop)
	defer cancel()
	e.env.vus(len(e.vus), len(e.vus))
	defer e.env.vus(0, len(e.vus))
	var wg sync.WaitGroup
	for _, v := range e.vus {
		wg.Go(func() {
			for regular.Err() == nil {
				v.Iterate(hard)
			}
		})
	}
	wg.Wait()
	return nil
}

// perVUIterations: each VU runs Iterations iterations, within MaxDuration.
type perVUIterations struct {
	cfg Config
	env *Env
	vus []VU
}

func (e *perVUIterations) Init(ctx context.Context, env *Env) (err error) {
	e.env = env
	e.vus, err = allocate(ctx, env, env.Segment.Share(e.cfg.VUs))
	return err
}

func (e *perVUIterations) Duration() time.Duration     { return e.cfg.MaxDuration }
func (e *perVUIterations) GracefulStop() time.Duration { return e.cfg.GracefulStop }

func (e *perVUIterations) Run(ctx context.Context) error {
	regular, hard, cancel := durationContexts(ctx, e.cfg.MaxDuration, e.cfg.GracefulStop)
	defer cancel()
	var mu sync.Mutex
	active := len(e.vus)
	e.env.vus(active, len(e.vus))
	var wg sync.WaitGroup
	for _, v := range e.vus {
		wg.Go(func() {
			for i := 0; i < e.cfg.Iterations && regular.Err() == nil; i++ {
				v.Iterate(hard)
			}
			mu.Lock()
			active--
			e.env.vus(active, len(e.vus))
			mu.Unlock()
		})
	}
	wg.Wait()
	return nil
}

// rampingVUs: the number of looping VUs follows the stages; a VU ramped
// down finishes its iteration within gracefulRampDown or is interrupted.
type rampingVUs struct {
	cfg   Config
	env   *Env
	slots []*slot
}

// slot is one VU of a ramping executor and whether it should loop.
type slot struct {
	vu VU

	mu        sync.Mutex
	active    bool
	wake      chan struct{} // closed when active becomes true
	interrupt context.CancelFunc
	rampDown  *time.Timer
}

// step is a change of the VU count at an offset from the start.
type step struct {
	at  time.Duration
	vus int
}

// rampSteps is the VU count over time, as k6 computes it: within a stage
// from a to b over d, the count changes by one at every d/|b-a|, reaching b
// at the stage's end; a stage of 0s jumps at once.
func rampSteps(start int, stages []Stage) []step {
	steps := []step{{0, start}}
	var at time.Duration
	from := start
	for _, s := range stages {
		to := int(s.Target)
		diff := to - from
		switch {
		case s.Duration == 0 || diff == 0:
			if diff != 0 {
				steps = append(steps, step{at, to})
			}
		default:
			n := diff
			sign := 1
			if n < 0 {
				n, sign = -n, -1
			}
			for i := 1; i <= n; i++ {
				steps = append(steps, step{at + time.Duration(int64(s.Duration)*int64(i)/int64(n)), from + sign*i})
			}
		}
		at += s.Duration
		from = to
	}
	return steps
}

func (e *rampingVUs) Init(ctx context.Context, env *Env) error {
	e.env = env
	vus, err := allocate(ctx, env, env.Segment.Share(maxVUsOfStages(e.cfg.StartVUs, e.cfg.Stages)))
	if err != nil {
		return err
	}
	for _, v := range vus {
		e.slots = append(e.slots, &slot{vu: v, wake: make(chan struct{})})
	}
	return nil
}

func (e *rampingVUs) Duration() time.Duration     { return sumStages(e.cfg.Stages) }
func (e *rampingVUs) GracefulStop() time.Duration { return e.cfg.GracefulStop }

func (e *rampingVUs) Run(ctx context.Context) error {
	regular, hard, cancel := durationContexts(ctx, e.Duration(), e.cfg.GracefulStop)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range e.slots {
		wg.Go(func() { s.loop(regular, hard) })
	}
	start := time.Now()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for _, st := range rampSteps(e.cfg.StartVUs, e.cfg.Stages) {
		if d := time.Until(start.Add(st.at)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-regular.Done():
			}
		}
		if regular.Err() != nil {
			break
		}
		n := e.env.Segment.Share(st.vus)
		for i, s := range e.slots {
			s.set(i < n, e.cfg.GracefulRampDown)
		}
		e.env.vus(n, len(e.slots))
	}
	<-regular.Done()
	wg.Wait()
	e.env.vus(0, len(e.slots))
	return nil
}

// set activates or ramps down the slot.
func (s *slot) set(active bool, graceful time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if active == s.active {
		return
	}
	s.active = active
	if active {
		if s.rampDown != nil {
			s.rampDown.Stop()
			s.rampDown = nil
		}
		close(s.wake)
		return
	}
	s.wake = make(chan struct{})
	if s.interrupt != nil {
		stop := s.interrupt
		s.rampDown = time.AfterFunc(graceful, stop)
	}
}

// loop runs iterations while the slot is active and the duration lasts.
func (s *slot) loop(regular, hard context.Context) {
	for {
		s.mu.Lock()
		active, wake := s.active, s.wake
		s.mu.Unlock()
		if !active {
			select {
			case <-wake:
			case <-regular.Done():
				return
			}
			continue
		}
		if regular.Err() != nil {
			return
		}
		ictx, cancel := context.WithCancel(hard)
		s.mu.Lock()
		s.interrupt = cancel
		s.mu.Unlock()
		s.vu.Iterate(ictx)
		s.mu.Lock()
		s.interrupt = nil
		if s.rampDown != nil {
			s.rampDown.Stop()
			s.rampDown = nil
		}
		s.mu.Unlock()
		cancel()
	}
}
