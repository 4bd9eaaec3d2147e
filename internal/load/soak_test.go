package load

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/load/executor"
	"github.com/vaultcheck/vaultcheck/internal/load/plan"
)

var (
	soak       = flag.Duration("soak", 0, "run TestSoakHeapFlat for this long (10m for the documented measurement)")
	soakTarget = flag.String("soak.target", "", "the target of TestSoakHeapFlat (a vaultcheck serve URL keeps the fake's heap out of the measurement); empty: a quiet fake in this process")
	soakVUs    = flag.Int("soak.vus", 8, "VUs of TestSoakHeapFlat")
)

// TestSoakHeapFlat measures the generator's memory over a long run: GET
// /vault/me by constant VUs for -soak, the heap in use sampled every 10 s
// (after a GC, so that garbage not yet collected does not count). The heap
// is flat when the last third of the run holds no more than the first
// third after warm-up, within 10 % (and 1 MiB, for small heaps). It runs
// only with -soak:
//
//	go test ./internal/load -run SoakHeapFlat -soak 10m -soak.target http://127.0.0.1:8080 -v
func TestSoakHeapFlat(t *testing.T) {
	if *soak == 0 {
		t.Skip("a long run: give -soak 10m")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "me.feature")
	if err := os.WriteFile(f, []byte(profileFeature), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := executor.Config{Executor: executor.ConstantVUs, VUs: *soakVUs, Duration: *soak, Set: map[string]bool{"vus": true, "duration": true}}.WithDefaults()
	p := &plan.Plan{Loads: []plan.Load{{Name: "soak", Executor: cfg, Scenarios: []string{f}, Fixture: plan.FixtureVU, Where: "soak"}}}
	to := harness.TargetOptions{Target: *soakTarget}
	if *soakTarget == "" {
		to.Handler = fakevault.New(fakevault.Options{Quiet: true})
	}

	type sample struct {
		at         time.Duration
		heap, objs uint64
	}
	var samples []sample
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
			case <-time.After(*soak + time.Minute):
				return
			}
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			samples = append(samples, sample{time.Since(start), m.HeapInuse, m.HeapObjects})
			if time.Since(start) > *soak {
				return
			}
		}
	}()
	sum, err := Run(context.Background(), Options{Plan: p, Keys: "fast", Target: to})
	if err != nil {
		t.Fatal(err)
	}
	<-done
	if !sum.Passed() {
		t.Fatalf("the run failed its thresholds: %v", sum.Results)
	}
	reqs := int64(0)
	for _, s := range sum.Select("http_reqs", nil) {
		reqs += s.Count
	}
	t.Logf("%d requests in %s (%.0f/s)", reqs, sum.Elapsed().Round(time.Second), float64(reqs)/sum.Elapsed().Seconds())
	for _, s := range samples {
		t.Logf("%6s  heap in use %6.2f MiB  %7d objects", s.at.Round(time.Second), float64(s.heap)/(1<<20), s.objs)
	}
	if len(samples) < 6 {
		t.Fatalf("%d samples: run longer", len(samples))
	}
	third := len(samples) / 3
	median := func(ss []sample) uint64 {
		h := make([]uint64, len(ss))
		for i, s := range ss {
			h[i] = s.heap
		}
		slices.Sort(h)
		return h[len(h)/2]
	}
	// The first sample is warm-up (VUs set up, buffers grown).
	first, last := median(samples[1:third+1]), median(samples[len(samples)-third:])
	limit := max(first+first/10, first+1<<20)
	msg := fmt.Sprintf("heap in use: median %.2f MiB in the first third, %.2f MiB in the last", float64(first)/(1<<20), float64(last)/(1<<20))
	if last > limit {
		t.Fatalf("%s: the heap grows", msg)
	}
	t.Log(msg + ": flat")
}
