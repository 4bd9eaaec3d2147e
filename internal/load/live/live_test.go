package live

import (
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
)

func TestSample(t *testing.T) {
	reg := metrics.NewRegistry()
	load := func(n string) metrics.Tag { return metrics.Tag{Key: metrics.TagLoad, Value: n} }
	sc := metrics.Tag{Key: metrics.TagScenario, Value: "s"}
	reg.Get(metrics.VUs, load("a")).Set(3)
	reg.Get(metrics.VUs, load("b")).Set(2)
	reg.Get(metrics.VUsMax, load("a")).Set(4)
	reg.Get(metrics.VUsMax, load("b")).Set(2)
	reg.Get(metrics.Iterations, load("a"), sc).Add(40)
	reg.Get(metrics.Iterations, load("b"), sc).Add(2)
	reg.Get(metrics.IterationFailures, load("a"), sc, metrics.Tag{Key: metrics.TagKind, Value: "target"}).Add(1)
	reg.Get(metrics.SetupFailures, load("a"), sc, metrics.Tag{Key: metrics.TagKind, Value: "target"}).Add(1)
	reg.Get(metrics.DroppedIterations, load("b")).Add(5)
	for i := range 100 {
		me := metrics.Tag{Key: metrics.TagRoute, Value: "GET /vault/me"}
		share := metrics.Tag{Key: metrics.TagRoute, Value: "POST /vault/items/{id}/shares"}
		ok := metrics.Tag{Key: metrics.TagStatus, Value: "200"}
		reg.Get(metrics.HTTPReqs, me, ok).Add(1)
		reg.Get(metrics.HTTPReqDuration, me, ok).RecordMicros(int64(100 + i))
		if i%2 == 0 {
			reg.Get(metrics.HTTPReqs, share, ok).Add(1)
			reg.Get(metrics.HTTPReqDuration, share, ok).RecordMicros(int64(1000 + 10*i))
		}
	}
	s := Sample(reg, 5*time.Second, time.Minute)
	if s.VUs != 5 || s.VUsMax != 6 || s.Iterations != 42 || s.Requests != 150 || s.Errors != 7 {
		t.Errorf("sample %+v: want 5/6 VUs, 42 iterations, 150 requests, 7 errors", s)
	}
	if s.SlowRoute != "POST /vault/items/{id}/shares" || s.SlowP95US < 1900 || s.SlowP95US > 1990 {
		t.Errorf("slowest %s p95 %.0fµs, want the shares route near 1.95ms", s.SlowRoute, s.SlowP95US)
	}
}

// TestPlainLinesEverySecond: without a terminal each sample is a line,
// its rates over the second since the last; the end line averages the run.
func TestPlainLinesEverySecond(t *testing.T) {
	var b strings.Builder
	v := &View{W: &b}
	v.Update(Stats{Elapsed: time.Second, Total: 3 * time.Second, VUs: 2, VUsMax: 2, Iterations: 10, Requests: 20})
	v.Update(Stats{Elapsed: 2 * time.Second, Total: 3 * time.Second, VUs: 2, VUsMax: 2, Iterations: 40, Requests: 80, Errors: 1,
		SlowRoute: "GET /vault/me", SlowP95US: 1500})
	v.Done(Stats{Elapsed: 3 * time.Second, Total: 3 * time.Second, VUsMax: 2, Iterations: 60, Requests: 120, Errors: 1})
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := []string{
		"1s/3s  vus 2/2  10.0 it/s  20.0 req/s  errors 0  slowest -",
		"2s/3s  vus 2/2  30.0 it/s  60.0 req/s  errors 1  slowest GET /vault/me p95 1.5ms",
		"3s/3s  vus 0/2  20.0 it/s  40.0 req/s  errors 1  slowest -",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), b.String())
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], want[i])
		}
	}
	if strings.ContainsAny(b.String(), "\r\033") {
		t.Errorf("plain output has terminal controls: %q", b.String())
	}
}

// TestTerminalRewritesOneLine: on a terminal each sample rewrites the same
// line, and the end leaves the final line standing.
func TestTerminalRewritesOneLine(t *testing.T) {
	var b strings.Builder
	v := &View{W: &b, TTY: true}
	v.Update(Stats{Elapsed: time.Second, Total: 2 * time.Second, Iterations: 5})
	v.Update(Stats{Elapsed: 2 * time.Second, Total: 2 * time.Second, Iterations: 15})
	v.Done(Stats{Elapsed: 2 * time.Second, Total: 2 * time.Second, Iterations: 15})
	out := b.String()
	if strings.Count(out, "\r\033[K") != 3 || strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "7.5 it/s  0.0 req/s  errors 0  slowest -\n") {
		t.Errorf("terminal output %q", out)
	}
	if !strings.Contains(out, "\r\033[K2s/2s  vus 0/0  10.0 it/s") {
		t.Errorf("the second sample's rate is not over its second: %q", out)
	}
}
