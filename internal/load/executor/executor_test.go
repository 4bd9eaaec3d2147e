package executor

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeVU sleeps for the iteration time its run gives it and records when
// iterations started and whether they were interrupted.
type fakeVU struct {
	r  *fakeRun
	id int
}

type fakeRun struct {
	mu          sync.Mutex
	t0          time.Time
	iterTime    func(vu, n int) time.Duration
	starts      []time.Duration
	perVU       map[int]int
	interrupted int
	maxActive   int
	active      int
	dropped     int
	allocated   int
	setup       time.Duration // time NewVU takes
}

func newFakeRun(iter time.Duration) *fakeRun {
	return &fakeRun{iterTime: func(int, int) time.Duration { return iter }, perVU: map[int]int{}}
}

func (r *fakeRun) env() *Env {
	return &Env{
		NewVU: func(ctx context.Context) (VU, error) {
			if r.setup > 0 {
				select {
				case <-time.After(r.setup):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			r.mu.Lock()
			defer r.mu.Unlock()
			r.allocated++
			return &fakeVU{r: r, id: r.allocated - 1}, nil
		},
		Dropped: func() { r.mu.Lock(); r.dropped++; r.mu.Unlock() },
		Segment: Whole,
	}
}

func (v *fakeVU) Iterate(ctx context.Context) {
	r := v.r
	r.mu.Lock()
	n := r.perVU[v.id]
	r.perVU[v.id]++
	r.starts = append(r.starts, time.Since(r.t0))
	r.active++
	r.maxActive = max(r.maxActive, r.active)
	d := r.iterTime(v.id, n)
	r.mu.Unlock()
	select {
	case <-time.After(d):
	case <-ctx.Done():
		r.mu.Lock()
		r.interrupted++
		r.mu.Unlock()
	}
	r.mu.Lock()
	r.active--
	r.mu.Unlock()
}

// run initialises and runs cfg with env in a synctest bubble; it returns
// the run's length on the fake clock.
func run(t *testing.T, cfg Config, r *fakeRun, env *Env) time.Duration {
	t.Helper()
	cfg = cfg.WithDefaults()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Init(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	r.t0 = time.Now()
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return time.Since(r.t0)
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func TestConstantVUs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRun(300 * time.Millisecond)
		cfg := Config{Executor: ConstantVUs, VUs: 3, Duration: time.Second, Set: set("vus", "duration")}
		took := run(t, cfg, r, r.env())
		// Each VU starts at 0, 0.3, 0.6, 0.9 s: 4 iterations each; the
		// one started at 0.9 s ends at 1.2 s within the graceful stop.
		if len(r.starts) != 12 || r.interrupted != 0 {
			t.Fatalf("%d iterations, %d interrupted; want 12, 0", len(r.starts), r.interrupted)
		}
		if took != 1200*time.Millisecond {
			t.Fatalf("run took %s, want 1.2s (the last iterations finish)", took)
		}
	})
}

func TestGracefulStopInterrupts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRun(time.Hour)
		cfg := Config{Executor: ConstantVUs, VUs: 2, Duration: time.Second, GracefulStop: 2 * time.Second, Set: set("vus", "duration", "gracefulStop")}
		took := run(t, cfg, r, r.env())
		if r.interrupted != 2 || took != 3*time.Second {
			t.Fatalf("interrupted %d after %s, want 2 after 3s (duration + gracefulStop)", r.interrupted, took)
		}
	})
}

func TestPerVUIterations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRun(0)
		r.iterTime = func(vu, n int) time.Duration { return time.Duration(vu+1) * 100 * time.Millisecond }
		cfg := Config{Executor: PerVUIterations, VUs: 3, Iterations: 5, Set: set("vus", "iterations")}
		took := run(t, cfg, r, r.env())
		for vu := range 3 {
			if r.perVU[vu] != 5 {
				t.Fatalf("VU %d ran %d iterations, want 5", vu, r.perVU[vu])
			}
		}
		if took != 1500*time.Millisecond {
			t.Fatalf("took %s, want 1.5s (the slowest VU)", took)
		}
	})
}

func TestPerVUIterationsMaxDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRun(400 * time.Millisecond)
		cfg := Config{Executor: PerVUIterations, VUs: 1, Iterations: 10, MaxDuration: time.Second, GracefulStop: 0, Set: set("vus", "iterations", "maxDuration", "gracefulStop")}
		run(t, cfg, r, r.env())
		// Starts at 0, 0.4, 0.8; the third is cut at 1s with no graceful stop.
		if len(r.starts) != 3 || r.interrupted != 1 {
			t.Fatalf("%d iterations, %d interrupted; want 3, 1", len(r.starts), r.interrupted)
		}
	})
}

func TestRampSteps(t *testing.T) {
	got := rampSteps(0, []Stage{{Duration: 4 * time.Second, Target: 4}, {Duration: 0, Target: 10}, {Duration: 2 * time.Second, Target: 8}})
	want := []step{{0, 0}, {time.Second, 1}, {2 * time.Second, 2}, {3 * time.Second, 3}, {4 * time.Second, 4}, {4 * time.Second, 10}, {5 * time.Second, 9}, {6 * time.Second, 8}}
	if !slices.Equal(got, want) {
		t.Fatalf("rampSteps = %v, want %v", got, want)
	}
}

func TestRampingVUs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRun(100 * time.Millisecond)
		var mu sync.Mutex
		var counts []int
		env := r.env()
		env.VUs = func(active, allocated int) {
			mu.Lock()
			counts = append(counts, active)
			mu.Unlock()
			if allocated != 4 {
				t.Errorf("allocated %d VUs, want 4 (the most any stage needs)", allocated)
			}
		}
		cfg := Config{Executor: RampingVUs, StartVUs: 0, Stages: []Stage{{Duration: 2 * time.Second, Target: 4}, {Duration: 2 * time.Second, Target: 0}},
			Set: set("startVUs", "stages")}
		run(t, cfg, r, env)
		if r.maxActive != 4 {
			t.Fatalf("at most %d VUs ran at once, want 4", r.maxActive)
		}
		// The count is 0,1,2,3 for 0.5s each up to 2s, then 4,3,2,1 for
		// 0.5s each: 8 VU-seconds, at 10 iterations a VU-second. Each VU
		// ramped down (four of them) and the end of the stages fall on an
		// iteration boundary, where synctest may run the VU's next start
		// before or after the change: one more start each at most.
		if n := len(r.starts); n < 79 || n > 85 {
			t.Fatalf("%d iterations, want 80", n)
		}
		if !slices.Contains(counts, 4) || counts[len(counts)-1] != 0 {
			t.Fatalf("VU counts %v: want a peak of 4 and 0 at the end", counts)
		}
	})
}

func TestRampingVUsGracefulRampDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRun(10 * time.Second)
		cfg := Config{Executor: RampingVUs, StartVUs: 2, GracefulRampDown: time.Second, GracefulStop: 0,
			Stages: []Stage{{Duration: 0, Target: 2}, {Duration: 5 * time.Second, Target: 2}, {Duration: 0, Target: 1}, {Duration: 10 * time.Second, Target: 1}},
			Set:    set("startVUs", "stages", "gracefulRampDown", "gracefulStop")}
		run(t, cfg, r, r.env())
		// VU 1 is ramped down at 5s, its iteration cut at 6s; VU 0 runs
		// 0-10s and 10-20s, the second cut at 15s.
		if r.interrupted != 2 {
			t.Fatalf("interrupted %d iterations, want 2", r.interrupted)
		}
		if r.perVU[1] != 1 || r.perVU[0] != 2 {
			t.Fatalf("iterations per VU %v, want VU0 2 and VU1 1", r.perVU)
		}
	})
}

func TestConstantArrivalRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRun(50 * time.Millisecond)
		cfg := Config{Executor: ConstantArrivalRate, Rate: 10, Duration: 2 * time.Second, PreAllocatedVUs: 2, Set: set("rate", "duration", "preAllocatedVUs")}
		run(t, cfg, r, r.env())
		if len(r.starts) != 20 || r.dropped != 0 {
			t.Fatalf("%d iterations, %d dropped; want 20, 0", len(r.starts), r.dropped)
		}
		for i, s := range r.starts {
			if s != time.Duration(i)*100*time.Millisecond {
				t.Fatalf("iteration %d started at %s, want %s", i, s, time.Duration(i)*100*time.Millisecond)
			}
		}
	})
}

func TestArrivalRateDropsAndAllocates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Iterations of 1s at 10/s need 10 VUs; 2 are pre-allocated and 3
		// more may be set up (each takes 300ms): iterations are dropped.
		r := newFakeRun(time.Second)
		r.setup = 300 * time.Millisecond
		env := r.env()
		e, err := New(Config{Executor: ConstantArrivalRate, Rate: 10, Duration: 3 * time.Second, PreAllocatedVUs: 2, MaxVUs: 5,
			Set: set("rate", "duration", "preAllocatedVUs", "maxVUs")}.WithDefaults())
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Init(context.Background(), env); err != nil {
			t.Fatal(err)
		}
		if r.allocated != 2 {
			t.Fatalf("Init allocated %d VUs, want the 2 pre-allocated", r.allocated)
		}
		r.t0 = time.Now()
		e.Run(context.Background())
		if r.allocated != 5 || r.maxActive != 5 {
			t.Fatalf("allocated %d, at most %d at once; want 5 (maxVUs)", r.allocated, r.maxActive)
		}
		if r.dropped+len(r.starts) != 30 {
			t.Fatalf("%d started + %d dropped = %d, want the 30 scheduled", len(r.starts), r.dropped, r.dropped+len(r.starts))
		}
		if r.dropped < 15 {
			t.Fatalf("only %d dropped, want most of them", r.dropped)
		}
	})
}

func TestRampingArrivalRateSchedule(t *testing.T) {
	// k6's example: 2/s for 5s, then ramp to 3/s over 5s: 10 events in the
	// first stage (at 0.5s, 1s, ... 5s), 12.5 more in the second.
	var times []time.Duration
	for _, at := range rampingSchedule(2, time.Second, []Stage{{Duration: 5 * time.Second, Target: 2}, {Duration: 5 * time.Second, Target: 3}}) {
		times = append(times, at)
	}
	if len(times) != 22 {
		t.Fatalf("%d events, want 22 (10 + 12.5 rounded down)", len(times))
	}
	if times[0] != 500*time.Millisecond || times[9] != 5*time.Second {
		t.Fatalf("first stage events at %v…%v, want 0.5s…5s", times[0], times[9])
	}
	// Event 11 is where the area of the second stage reaches 1: solve
	// 2x + x²/10 = 1.
	x := (-2 + math.Sqrt(4+0.4)) / 0.2
	want := 5*time.Second + time.Duration(x*float64(time.Second))
	if d := times[10] - want; d < -time.Microsecond || d > time.Microsecond {
		t.Fatalf("event 11 at %s, want %s", times[10], want)
	}
	for i := 1; i < len(times); i++ {
		if times[i] <= times[i-1] {
			t.Fatalf("events out of order at %d: %v", i, times)
		}
	}
}

func TestRampingArrivalRateRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFakeRun(10 * time.Millisecond)
		cfg := Config{Executor: RampingArrivalRate, StartRate: 0, PreAllocatedVUs: 3,
			Stages: []Stage{{Duration: 2 * time.Second, Target: 20}, {Duration: 2 * time.Second, Target: 0}},
			Set:    set("startRate", "preAllocatedVUs", "stages")}
		run(t, cfg, r, r.env())
		// The area of the triangle: 20/s × 4s / 2 = 40 iterations.
		if len(r.starts) != 40 || r.dropped != 0 {
			t.Fatalf("%d iterations, %d dropped; want 40, 0", len(r.starts), r.dropped)
		}
	})
}

// TestShardsStartTheSameIterations: three segments of an arrival-rate run
// start, together, exactly the iterations of the whole run, at the same
// times; closed models split the VUs.
func TestShardsStartTheSameIterations(t *testing.T) {
	cfg := Config{Executor: RampingArrivalRate, StartRate: 5, PreAllocatedVUs: 7,
		Stages: []Stage{{Duration: 3 * time.Second, Target: 30}}, Set: set("startRate", "preAllocatedVUs", "stages")}
	starts := func(seg Segment) []time.Duration {
		var out []time.Duration
		synctest.Test(t, func(t *testing.T) {
			r := newFakeRun(time.Millisecond)
			env := r.env()
			env.Segment = seg
			run(t, cfg, r, env)
			out = r.starts
		})
		return out
	}
	whole := starts(Whole)
	var union []time.Duration
	for i := range 3 {
		union = append(union, starts(Segment{Index: i, Count: 3})...)
	}
	slices.Sort(union)
	if !slices.Equal(whole, union) {
		t.Fatalf("the shards started %d iterations, the whole run %d, or at other times", len(union), len(whole))
	}
	for _, tc := range []struct{ n, i, want int }{{10, 0, 4}, {10, 1, 3}, {10, 2, 3}, {2, 2, 0}, {1, 0, 1}} {
		if got := (Segment{Index: tc.i, Count: 3}).Share(tc.n); got != tc.want {
			t.Errorf("Share(%d) of shard %d/3 = %d, want %d", tc.n, tc.i, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want []string
	}{
		{Config{Executor: "constant-vu"}, []string{`unknown executor "constant-vu"`}},
		{Config{Executor: ConstantVUs, VUs: 0, Set: set("vus")}, []string{"duration: required", "vus: must be more than 0"}},
		{Config{Executor: ConstantVUs, Duration: time.Second, Rate: 3, Set: set("duration", "rate")}, []string{"rate: not an option of constant-vus"}},
		{Config{Executor: ConstantArrivalRate, Rate: 5, Duration: time.Second, PreAllocatedVUs: 4, MaxVUs: 2, Set: set("rate", "duration", "preAllocatedVUs", "maxVUs")}, []string{"maxVUs: must not be less than preAllocatedVUs"}},
		{Config{Executor: ConstantArrivalRate, Set: set()}, []string{"rate: required", "duration: required", "preAllocatedVUs: required"}},
		{Config{Executor: RampingVUs, Set: set()}, []string{"stages: at least one stage"}},
		{Config{Executor: RampingVUs, Stages: []Stage{{Duration: time.Second, Target: 1.5}}, Set: set("stages")}, []string{"want a whole number"}},
		{Config{Executor: RampingArrivalRate, PreAllocatedVUs: 1, Stages: []Stage{{Duration: 0, Target: 5}}, Set: set("preAllocatedVUs", "stages")}, []string{"the stages last 0s"}},
	} {
		errs := tc.cfg.WithDefaults().Validate()
		joined := errors.Join(errs...)
		for _, w := range tc.want {
			if joined == nil || !strings.Contains(joined.Error(), w) {
				t.Errorf("%+v: errors %v, want one containing %q", tc.cfg, joined, w)
			}
		}
	}
	ok := Config{Executor: ConstantArrivalRate, Rate: 5, Duration: time.Second, PreAllocatedVUs: 2, Set: set("rate", "duration", "preAllocatedVUs")}.WithDefaults()
	if errs := ok.Validate(); len(errs) != 0 || ok.MaxVUs != 2 || ok.TimeUnit != time.Second || ok.GracefulStop != 30*time.Second {
		t.Fatalf("defaults: %+v, errors %v", ok, errs)
	}
}
