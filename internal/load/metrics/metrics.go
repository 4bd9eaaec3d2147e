// Package metrics holds the measurements of a load run: k6's four metric
// types (trend, counter, rate, gauge) in series keyed by metric name and
// tags. Trends keep every sample in an HdrHistogram (1µs to 1h, three
// significant digits), so percentiles are exact within that precision and
// the histograms of several processes merge into the histogram one process
// would have recorded, never an average of percentiles.
//
// The metrics a run records are fixed: Catalogue lists them with their
// type and the tags their series carry, and thresholds are checked
// against it before a run starts.
package metrics

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Kind is a metric type, named as k6 names them.
type Kind string

// Metric types.
const (
	Trend   Kind = "trend"
	Counter Kind = "counter"
	Rate    Kind = "rate"
	Gauge   Kind = "gauge"
)

// Names of the built-in metrics.
const (
	Iterations         = "iterations"
	IterationDuration  = "iteration_duration"
	IterationFailures  = "iteration_failures"
	InterruptedIters   = "interrupted_iterations"
	DroppedIterations  = "dropped_iterations"
	VUs                = "vus"
	VUsMax             = "vus_max"
	HTTPReqs           = "http_reqs"
	HTTPReqDuration    = "http_req_duration"
	HTTPReqFailed      = "http_req_failed"
	StepDuration       = "step_duration"
	StepFailures       = "step_failures"
	CryptoDuration     = "crypto_duration"
	KeySupplyWait      = "key_supply_wait"
	SetupDuration      = "setup_duration"
	SetupFailures      = "setup_failures"
	DecryptFailures    = "decrypt_failures"
	HashFailures       = "verification_hash_failures"
	UnexpectedStatuses = "unexpected_statuses"
	CrossUserLeaks     = "cross_user_leaks"
)

// Tag keys.
const (
	TagLoad     = "load"     // the plan's load block
	TagScenario = "scenario" // the scenario's name
	TagKind     = "kind"     // whose failure: target, scenario, harness
	TagRoute    = "route"    // "GET /vault/items/{id}"
	TagStatus   = "status"   // HTTP status, "0" for no answer
	TagStep     = "step"     // the step definition's phrase
	TagOp       = "op"       // a crypto operation
)

// Def describes a built-in metric.
type Def struct {
	Name string
	Kind Kind
	Tags []string
	// Time says the trend's samples are durations (thresholds on it
	// read numbers as milliseconds, as k6 does).
	Time bool
	// MustBeZero marks the correctness counters, which a run that works
	// never increments.
	MustBeZero bool
	Doc        string
}

// Catalogue lists every metric a load run records, in summary order.
var Catalogue = []Def{
	{Name: Iterations, Kind: Counter, Tags: []string{TagLoad, TagScenario}, Doc: "iterations that ran to their end (passed or failed)"},
	{Name: IterationDuration, Kind: Trend, Time: true, Tags: []string{TagLoad, TagScenario}, Doc: "time of a whole iteration"},
	{Name: IterationFailures, Kind: Counter, Tags: []string{TagLoad, TagScenario, TagKind}, Doc: "iterations that failed, by whose fault: target, scenario or harness"},
	{Name: InterruptedIters, Kind: Counter, Tags: []string{TagLoad, TagScenario}, Doc: "iterations cut off at the end of gracefulStop or gracefulRampDown"},
	{Name: DroppedIterations, Kind: Counter, Tags: []string{TagLoad}, Doc: "arrival-rate iterations not started for want of a free VU"},
	{Name: VUs, Kind: Gauge, Tags: []string{TagLoad}, Doc: "VUs in use"},
	{Name: VUsMax, Kind: Gauge, Tags: []string{TagLoad}, Doc: "VUs allocated"},
	{Name: HTTPReqs, Kind: Counter, Tags: []string{TagRoute, TagStatus}, Doc: "HTTP requests, by route and status"},
	{Name: HTTPReqDuration, Kind: Trend, Time: true, Tags: []string{TagRoute, TagStatus}, Doc: "request sent to response body read"},
	{Name: HTTPReqFailed, Kind: Rate, Tags: []string{TagRoute}, Doc: "share of requests answered outside 200-399 or not at all (expected refusals included)"},
	{Name: StepDuration, Kind: Trend, Time: true, Tags: []string{TagStep}, Doc: "time of a step, by step definition"},
	{Name: StepFailures, Kind: Counter, Tags: []string{TagStep, TagKind}, Doc: "failed steps, by step definition"},
	{Name: CryptoDuration, Kind: Trend, Time: true, Tags: []string{TagOp}, Doc: "client-side crypto operations: pbkdf2, srp, rsa_wrap, rsa_unwrap, aes_encrypt, aes_decrypt, keygen, hmac"},
	{Name: KeySupplyWait, Kind: Trend, Time: true, Doc: "time a VU waited for an RSA key from the key source"},
	{Name: SetupDuration, Kind: Trend, Time: true, Tags: []string{TagLoad, TagScenario}, Doc: "fixture setup of a VU (not part of the timed run)"},
	{Name: SetupFailures, Kind: Counter, Tags: []string{TagLoad, TagScenario, TagKind}, Doc: "VU setups that failed"},
	{Name: DecryptFailures, Kind: Counter, Tags: []string{TagOp}, MustBeZero: true, Doc: "ciphertexts from the target the client could not decrypt"},
	{Name: HashFailures, Kind: Counter, MustBeZero: true, Doc: "shared values that did not match their value verification hash"},
	{Name: UnexpectedStatuses, Kind: Counter, Tags: []string{TagStatus}, MustBeZero: true, Doc: "answers whose status a step did not expect"},
	{Name: CrossUserLeaks, Kind: Counter, MustBeZero: true, Doc: "failed isolation checks: one user saw or opened what belongs to another"},
}

// Lookup finds a built-in metric.
func Lookup(name string) (Def, bool) {
	for _, d := range Catalogue {
		if d.Name == name {
			return d, true
		}
	}
	return Def{}, false
}

// MetricNames lists the built-in metric names.
func MetricNames() []string {
	out := make([]string, len(Catalogue))
	for i, d := range Catalogue {
		out[i] = d.Name
	}
	return out
}

// Tag is one tag of a series.
type Tag struct{ Key, Value string }

// Histogram bounds: 1µs to 1h in microseconds, three significant digits.
const (
	histLowest  = 1
	histHighest = int64(time.Hour / time.Microsecond)
	histSigFigs = 3
)

// NewHistogram returns an empty histogram with the run's bounds.
func NewHistogram() *hdr.Histogram { return hdr.New(histLowest, histHighest, histSigFigs) }

// Series is one metric with one set of tag values.
type Series struct {
	Def  Def
	Tags []Tag // sorted by key

	mu   sync.Mutex // trends
	hist *hdr.Histogram
	sum  int64 // µs
	min  int64
	max  int64

	count atomic.Int64 // counters, trends (samples), rates (total)
	trues atomic.Int64 // rates
	value atomic.Int64 // gauges
	peak  atomic.Int64 // gauges
}

// Record adds a duration to a trend.
func (s *Series) Record(d time.Duration) { s.RecordMicros(d.Microseconds()) }

// RecordMicros adds a sample in microseconds to a trend; values outside
// 1µs..1h are clamped to the histogram's range.
func (s *Series) RecordMicros(us int64) {
	us = min(max(us, histLowest), histHighest)
	s.mu.Lock()
	_ = s.hist.RecordValue(us)
	if s.count.Load() == 0 || us < s.min {
		s.min = us
	}
	s.max = max(s.max, us)
	s.sum += us
	s.count.Add(1)
	s.mu.Unlock()
}

// Add increments a counter.
func (s *Series) Add(n int64) { s.count.Add(n) }

// Sample adds one outcome to a rate.
func (s *Series) Sample(ok bool) {
	if ok {
		s.trues.Add(1)
	}
	s.count.Add(1)
}

// Set sets a gauge.
func (s *Series) Set(v int64) {
	s.value.Store(v)
	for {
		p := s.peak.Load()
		if v <= p || s.peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// Count is a counter's total, a trend's or rate's samples.
func (s *Series) Count() int64 { return s.count.Load() }

// Value is a gauge's current value.
func (s *Series) Value() int64 { return s.value.Load() }

// Percentile of a trend so far, in microseconds, read under the series'
// lock without copying its histogram.
func (s *Series) Percentile(p float64) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count.Load() == 0 {
		return 0
	}
	return float64(min(max(s.hist.ValueAtPercentile(p), s.min), s.max))
}

// Each calls f for every series.
func (r *Registry) Each(f func(*Series)) {
	r.mu.RLock()
	all := make([]*Series, 0, len(r.series))
	for _, s := range r.series {
		all = append(all, s)
	}
	r.mu.RUnlock()
	for _, s := range all {
		f(s)
	}
}

// RouteP95 is the p95 of http_req_duration per route so far, over every
// status, in microseconds (the highest p95 among a route's statuses).
func (r *Registry) RouteP95() map[string]float64 {
	out := map[string]float64{}
	r.Each(func(s *Series) {
		if s.Def.Name != HTTPReqDuration {
			return
		}
		for _, t := range s.Tags {
			if t.Key == TagRoute {
				out[t.Value] = max(out[t.Value], s.Percentile(95))
			}
		}
	})
	return out
}

// Registry holds the series of a run. It is safe for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	series map[string]*Series
}

// NewRegistry returns a registry holding the correctness counters at 0,
// so that a summary always shows them.
func NewRegistry() *Registry {
	r := &Registry{series: map[string]*Series{}}
	for _, d := range Catalogue {
		if d.MustBeZero || d.Name == Iterations || d.Name == DroppedIterations {
			r.Get(d.Name)
		}
	}
	return r
}

// Get returns the series of a built-in metric with the given tags,
// creating it. Tags not in the metric's definition panic: they are a bug
// of the caller, not an input.
func (r *Registry) Get(name string, tags ...Tag) *Series {
	key := seriesKey(name, tags)
	r.mu.RLock()
	s := r.series[key]
	r.mu.RUnlock()
	if s != nil {
		return s
	}
	d, ok := Lookup(name)
	if !ok {
		panic(fmt.Sprintf("metrics: unknown metric %q", name))
	}
	for _, t := range tags {
		if !slices.Contains(d.Tags, t.Key) {
			panic(fmt.Sprintf("metrics: %s has no tag %q", name, t.Key))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s = r.series[key]; s == nil {
		s = &Series{Def: d, Tags: sortedTags(tags)}
		if d.Kind == Trend {
			s.hist = NewHistogram()
		}
		r.series[key] = s
	}
	return s
}

func sortedTags(tags []Tag) []Tag {
	out := slices.Clone(tags)
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// seriesKey is name{k=v,...} with the tags sorted, the identity of a
// series in a registry and across summaries.
func seriesKey(name string, tags []Tag) string {
	if len(tags) == 0 {
		return name
	}
	t := sortedTags(tags)
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, tg := range t {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tg.Key)
		b.WriteByte('=')
		b.WriteString(tg.Value)
	}
	b.WriteByte('}')
	return b.String()
}
