// Package live shows a load run's progress once a second: on a terminal
// one line rewritten in place (elapsed/total, VUs, iterations/s,
// requests/s, errors, p95 of the slowest route); elsewhere the same as
// plain lines, one a second, fit for CI logs.
package live

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
)

// Stats is one progress sample.
type Stats struct {
	Elapsed, Total time.Duration
	VUs, VUsMax    int64
	Iterations     int64
	Requests       int64
	Errors         int64 // failed iterations and set-ups, dropped iterations
	SlowRoute      string
	SlowP95US      float64
}

// Sample reads the progress from a registry.
func Sample(reg *metrics.Registry, elapsed, total time.Duration) Stats {
	s := Stats{Elapsed: elapsed, Total: total}
	reg.Each(func(ser *metrics.Series) {
		switch ser.Def.Name {
		case metrics.VUs:
			s.VUs += ser.Value()
		case metrics.VUsMax:
			s.VUsMax += ser.Value()
		case metrics.Iterations:
			s.Iterations += ser.Count()
		case metrics.HTTPReqs:
			s.Requests += ser.Count()
		case metrics.IterationFailures, metrics.SetupFailures, metrics.DroppedIterations:
			s.Errors += ser.Count()
		}
	})
	for route, p95 := range reg.RouteP95() {
		if p95 > s.SlowP95US {
			s.SlowRoute, s.SlowP95US = route, p95
		}
	}
	return s
}

// View prints progress samples; the run calls Update once a second.
type View struct {
	W io.Writer
	// TTY rewrites one line in place; otherwise each sample is a line
	// of its own.
	TTY bool

	mu   sync.Mutex
	prev Stats // the sample the last line was computed from
}

// Update shows a sample, with rates over the time since the last one.
func (v *View) Update(s Stats) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.TTY {
		fmt.Fprintf(v.W, "\r\033[K%s", line(v.prev, s))
	} else {
		fmt.Fprintln(v.W, line(v.prev, s))
	}
	v.prev = s
}

// line renders s, with rates over the time since prev.
func line(prev, s Stats) string {
	dt := (s.Elapsed - prev.Elapsed).Seconds()
	if dt <= 0 {
		dt = 1
	}
	slow := "-"
	if s.SlowRoute != "" {
		slow = fmt.Sprintf("%s p95 %.1fms", s.SlowRoute, s.SlowP95US/1e3)
	}
	return fmt.Sprintf("%s/%s  vus %d/%d  %.1f it/s  %.1f req/s  errors %d  slowest %s",
		s.Elapsed.Round(time.Second), s.Total.Round(time.Second), s.VUs, s.VUsMax,
		float64(s.Iterations-prev.Iterations)/dt, float64(s.Requests-prev.Requests)/dt, s.Errors, slow)
}

// Done ends the live line and prints the final sample.
func (v *View) Done(s Stats) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.TTY {
		fmt.Fprintf(v.W, "\r\033[K%s\n", line(Stats{}, s))
		return
	}
	fmt.Fprintln(v.W, line(Stats{}, s))
}
