// Package threshold parses and evaluates k6-style thresholds over a load
// run's metrics:
//
//	http_req_duration{route:POST /vault/items/{id}/shares}:p(95)<250ms
//	decrypt_failures:count==0
//	http_req_failed:rate<0.01;abortOnFail;delayAbortEval=10s
//
// A threshold is METRIC[{TAG:VALUE,...}]:AGG OP NUMBER[UNIT], then options
// after semicolons. Aggregations follow the metric's type as in k6: trends
// avg, min, max, med, p(N); counters count and rate (per second); rates
// rate (0 to 1); gauges value. Numbers on time trends are milliseconds, as
// in k6, unless a unit (us, ms, s, m) says otherwise. Everything is checked
// against the metric catalogue when parsed, so a misspelt metric, tag or
// route is an error before the run, not a threshold that silently passes.
package threshold

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agext/levenshtein"

	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
)

// Threshold is one parsed threshold.
type Threshold struct {
	Source string            // the text as written
	Metric string            // metric name
	Tags   map[string]string // the series selector
	Agg    string            // avg, min, max, med, p, count, rate, value
	P      float64           // the percentile of p(N)
	Op     string            // < <= > >= == !=
	Value  float64           // in the metric's unit: ms for time trends
	// AbortOnFail stops the run as soon as the threshold fails, once
	// DelayAbortEval has passed since the start.
	AbortOnFail    bool
	DelayAbortEval time.Duration

	def metrics.Def
}

// TagValues names the values a tag may take, for checking selectors; a tag
// absent from the map takes any value.
type TagValues map[string][]string

// ErrSyntax marks every parse error.
var ErrSyntax = errors.New("bad threshold")

func syntaxf(src, format string, args ...any) error {
	return fmt.Errorf("%w %q: %s", ErrSyntax, src, fmt.Sprintf(format, args...))
}

var ops = []string{"<=", ">=", "===", "==", "!=", "<", ">"}

// Parse reads one threshold and checks it against the metric catalogue
// and the known tag values.
func Parse(src string, known TagValues) (Threshold, error) {
	text := strings.TrimSpace(src)
	parts := strings.Split(text, ";")
	th := Threshold{Source: text}
	head := strings.TrimSpace(parts[0])

	// METRIC[{...}]
	end := strings.IndexAny(head, "{:")
	if end < 0 {
		return th, syntaxf(src, "want METRIC[{TAG:VALUE}]:CONDITION, e.g. http_req_duration:p(95)<250ms")
	}
	th.Metric = strings.TrimSpace(head[:end])
	d, ok := metrics.Lookup(th.Metric)
	if !ok {
		return th, syntaxf(src, "no metric %q%s (metrics: %s)", th.Metric, didYouMean(th.Metric, metrics.MetricNames()), strings.Join(metrics.MetricNames(), ", "))
	}
	th.def = d
	rest := head[end:]
	if strings.HasPrefix(rest, "{") {
		close := matchingBrace(rest)
		if close < 0 {
			return th, syntaxf(src, "the tag selector's { has no matching }")
		}
		tags, err := parseTags(src, rest[1:close], d, known)
		if err != nil {
			return th, err
		}
		th.Tags = tags
		rest = rest[close+1:]
	}
	if !strings.HasPrefix(rest, ":") {
		return th, syntaxf(src, "want ':' and a condition after %s", head[:len(head)-len(rest)])
	}
	if err := th.parseCondition(src, strings.TrimSpace(rest[1:])); err != nil {
		return th, err
	}
	for _, opt := range parts[1:] {
		opt = strings.TrimSpace(opt)
		switch {
		case opt == "abortOnFail":
			th.AbortOnFail = true
		case strings.HasPrefix(opt, "delayAbortEval="):
			dv, err := time.ParseDuration(strings.TrimPrefix(opt, "delayAbortEval="))
			if err != nil || dv < 0 {
				return th, syntaxf(src, "delayAbortEval: want a duration such as 10s, got %q", strings.TrimPrefix(opt, "delayAbortEval="))
			}
			th.DelayAbortEval = dv
		default:
			return th, syntaxf(src, "unknown option %q (options: abortOnFail, delayAbortEval=DURATION)", opt)
		}
	}
	if th.DelayAbortEval > 0 && !th.AbortOnFail {
		return th, syntaxf(src, "delayAbortEval needs abortOnFail")
	}
	return th, nil
}

// matchingBrace finds the } closing the { at s[0], counting nested braces
// (route templates hold {id}).
func matchingBrace(s string) int {
	depth := 0
	for i, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func parseTags(src, sel string, d metrics.Def, known TagValues) (map[string]string, error) {
	tags := map[string]string{}
	for _, kv := range splitTopLevel(sel) {
		k, v, ok := strings.Cut(kv, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, syntaxf(src, "tag %q: want KEY:VALUE", kv)
		}
		if !slices.Contains(d.Tags, k) {
			if len(d.Tags) == 0 {
				return nil, syntaxf(src, "%s has no tags", d.Name)
			}
			return nil, syntaxf(src, "%s has no tag %q%s (its tags: %s)", d.Name, k, didYouMean(k, d.Tags), strings.Join(d.Tags, ", "))
		}
		if vals, ok := known[k]; ok && !slices.Contains(vals, v) {
			return nil, syntaxf(src, "no %s %q%s", k, v, didYouMean(v, vals))
		}
		if _, dup := tags[k]; dup {
			return nil, syntaxf(src, "tag %q given twice", k)
		}
		tags[k] = v
	}
	return tags, nil
}

// splitTopLevel splits a selector at commas outside braces.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

var aggsByKind = map[metrics.Kind][]string{
	metrics.Trend:   {"avg", "min", "max", "med", "p(N)"},
	metrics.Counter: {"count", "rate"},
	metrics.Rate:    {"rate"},
	metrics.Gauge:   {"value"},
}

func (th *Threshold) parseCondition(src, cond string) error {
	opAt, op := -1, ""
	for _, o := range ops {
		if i := strings.Index(cond, o); i > 0 && (opAt < 0 || i < opAt || i == opAt && len(o) > len(op)) {
			opAt, op = i, o
		}
	}
	if opAt < 0 {
		return syntaxf(src, "condition %q: want AGGREGATION OPERATOR VALUE, e.g. p(95)<250ms", cond)
	}
	agg := strings.TrimSpace(cond[:opAt])
	val := strings.TrimSpace(cond[opAt+len(op):])
	if op == "===" {
		op = "=="
	}
	th.Op = op
	allowed := aggsByKind[th.def.Kind]
	switch {
	case strings.HasPrefix(agg, "p(") && strings.HasSuffix(agg, ")"):
		p, err := strconv.ParseFloat(agg[2:len(agg)-1], 64)
		if err != nil || p < 0 || p > 100 || math.IsNaN(p) {
			return syntaxf(src, "%s: want a percentile from 0 to 100", agg)
		}
		th.Agg, th.P = "p", p
		if th.def.Kind != metrics.Trend {
			return syntaxf(src, "%s is a %s: percentiles need a trend (aggregations of a %s: %s)", th.Metric, th.def.Kind, th.def.Kind, strings.Join(allowed, ", "))
		}
	default:
		th.Agg = agg
		if !slices.Contains(allowed, agg) {
			return syntaxf(src, "%s is a %s: want one of %s, got %q", th.Metric, th.def.Kind, strings.Join(allowed, ", "), agg)
		}
	}
	v, err := th.parseValue(val)
	if err != nil {
		return syntaxf(src, "%v", err)
	}
	th.Value = v
	return nil
}

// parseValue reads the right-hand side: milliseconds for time trends (a
// unit may say otherwise), a plain number elsewhere.
func (th *Threshold) parseValue(s string) (float64, error) {
	num := strings.TrimRightFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r == 'µ' })
	unit := s[len(num):]
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	timed := th.def.Kind == metrics.Trend && th.def.Time && th.Agg != "count"
	if unit == "" {
		return v, nil
	}
	if !timed {
		return 0, fmt.Errorf("value %q: %s %s is not a time, so it takes no unit", s, th.Metric, th.Agg)
	}
	scale := map[string]float64{"us": 1e-3, "µs": 1e-3, "ms": 1, "s": 1e3, "m": 60e3}
	f, ok := scale[unit]
	if !ok {
		return 0, fmt.Errorf("value %q: unknown unit %q (us, ms, s, m)", s, unit)
	}
	return v * f, nil
}

// Result is a threshold evaluated over a snapshot.
type Result struct {
	Threshold
	OK       bool
	Observed float64 // in the threshold's unit
	Note     string  // why it failed without a value ("no samples")
}

// Evaluate computes the aggregate over the selected series and compares
// it. A trend aggregate with no samples fails: a threshold that measured
// nothing must not pass. elapsed is the run's length, for counter rates.
func (th Threshold) Evaluate(snap *metrics.Snapshot, elapsed time.Duration) (Result, error) {
	r := Result{Threshold: th}
	a, err := metrics.Aggregate(th.def.Kind, snap.Select(th.Metric, th.Tags))
	if err != nil {
		return r, err
	}
	ms := func(us float64) float64 { return us / 1e3 }
	switch th.Agg {
	case "p":
		r.Observed = ms(a.Percentile(th.P))
	case "med":
		r.Observed = ms(a.Percentile(50))
	case "avg":
		r.Observed = ms(a.MeanUS())
	case "min":
		r.Observed = ms(float64(a.MinUS))
	case "max":
		r.Observed = ms(float64(a.MaxUS))
	case "count":
		r.Observed = float64(a.Count)
	case "rate":
		if th.def.Kind == metrics.Counter {
			r.Observed = a.PerSecond(elapsed)
		} else {
			r.Observed = a.RateOf()
		}
	case "value":
		r.Observed = float64(a.Value)
	}
	if th.def.Kind == metrics.Trend && a.Count == 0 || th.def.Kind == metrics.Rate && a.Count == 0 {
		r.Note = "no samples"
		return r, nil
	}
	if math.IsNaN(r.Observed) {
		r.Note = "no run time"
		return r, nil
	}
	r.OK = compare(r.Observed, th.Op, th.Value)
	return r, nil
}

func compare(a float64, op string, b float64) bool {
	switch op {
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "==":
		return a == b
	case "!=":
		return a != b
	}
	return false
}

// Unit is how Observed reads: "ms" for time aggregates, "" otherwise.
func (th Threshold) Unit() string {
	if th.def.Kind == metrics.Trend && th.def.Time {
		return "ms"
	}
	return ""
}

// String shows the result as "p(95)=12.3ms < 250ms".
func (r Result) String() string {
	agg := r.Agg
	if agg == "p" {
		agg = fmt.Sprintf("p(%s)", strconv.FormatFloat(r.P, 'f', -1, 64))
	}
	if r.Note != "" {
		return fmt.Sprintf("%s: %s (%s)", agg, r.Note, r.Source)
	}
	u := r.Unit()
	return fmt.Sprintf("%s=%s%s %s %s%s", agg, fmtNum(r.Observed), u, r.Op, fmtNum(r.Value), u)
}

func fmtNum(f float64) string {
	switch {
	case f == math.Trunc(f) && math.Abs(f) < 1e15:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case math.Abs(f) >= 100:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

// didYouMean suggests the closest candidate within a small edit distance.
func didYouMean(s string, candidates []string) string {
	best, bestD := "", 4
	for _, c := range candidates {
		if d := levenshtein.Distance(strings.ToLower(s), strings.ToLower(c), nil); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}
