// Package summary is the result of a load run: the metrics snapshot with
// its histograms, the thresholds and their verdicts, as a versioned JSON
// document (schema.json beside this file describes it) and as the
// end-of-run table.
package summary

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vaultcheck/vaultcheck/internal/schemacheck"

	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/internal/load/threshold"
)

// SchemaID names the version of the document; readers refuse others.
const SchemaID = "https://vaultcheck.dev/schemas/load-summary/v1"

// Schema is the JSON Schema of the document.
//
//go:embed schema.json
var Schema []byte

// Summary is one run's (or one merge's) result.
type Summary struct {
	Schema   string    `json:"$schema"`
	Plan     string    `json:"plan,omitempty"`
	Loads    []string  `json:"loads"`
	Target   string    `json:"target"`
	Keys     string    `json:"keys"`
	Shard    *Shard    `json:"shard,omitempty"`
	Shards   int       `json:"shards,omitempty"` // a merge: how many summaries it combines
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Aborted  string    `json:"aborted,omitempty"`
	Failures []Failure `json:"failures,omitempty"`
	// Thresholds are the thresholds' sources, so that a merge can
	// evaluate them again.
	Thresholds []string `json:"thresholds"`
	Results    []Result `json:"threshold_results"`
	metrics.Snapshot
}

// Shard says which part of a run a summary holds: Index of Count, counted
// from 1 as --shard I/N counts them.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// Failure is an example of a failed iteration (the first few of each
// kind), with the failing step and the first line of its message.
type Failure struct {
	Scenario string `json:"scenario"`
	Step     string `json:"step"`
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	Count    int64  `json:"count"`
}

// Result is a threshold's verdict.
type Result struct {
	Threshold string  `json:"threshold"`
	OK        bool    `json:"ok"`
	Observed  float64 `json:"observed"`
	Unit      string  `json:"unit,omitempty"`
	Note      string  `json:"note,omitempty"`
	Text      string  `json:"text"`
}

// Elapsed is the run's length.
func (s *Summary) Elapsed() time.Duration { return s.End.Sub(s.Start) }

// Evaluate computes every threshold over the snapshot and records the
// verdicts; it reports whether all passed.
func (s *Summary) Evaluate(ths []threshold.Threshold) (bool, error) {
	s.Thresholds, s.Results = nil, nil
	ok := true
	for _, th := range ths {
		r, err := th.Evaluate(&s.Snapshot, s.Elapsed())
		if err != nil {
			return false, err
		}
		s.Thresholds = append(s.Thresholds, th.Source)
		s.Results = append(s.Results, Result{Threshold: th.Source, OK: r.OK, Observed: r.Observed, Unit: th.Unit(), Note: r.Note, Text: r.String()})
		ok = ok && r.OK
	}
	return ok, nil
}

// Passed reports whether every threshold passed.
func (s *Summary) Passed() bool {
	for _, r := range s.Results {
		if !r.OK {
			return false
		}
	}
	return true
}

// Write writes the summary as JSON to path (folders created); a write or
// close error is returned, so that a truncated file is never taken for a
// result.
func (s *Summary) Write(path string) error {
	s.Schema = SchemaID
	if err := s.Encode(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// MaxFile is the largest summary Read accepts: a run's is tens of
// kilobytes per metric series; anything near this is not a summary.
const MaxFile = 64 << 20

var schema = schemacheck.New(SchemaID, SchemaID, Schema)

// Validate checks a summary document against Schema. Its error lists
// where the document breaks the schema ("at /metrics/3/type: ..."), at
// most ten places, and never repeats a value of the document.
func Validate(raw []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return errors.New("not JSON")
	}
	return schema.Validate(inst)
}

// Read reads and checks a summary file: its schema, then what a schema
// cannot say (histograms that decode to their counts, known metrics and
// tags, a run that ends after it starts).
func Read(path string) (*Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFile {
		return nil, fmt.Errorf("%s: larger than %d MiB, not a load summary", path, MaxFile>>20)
	}
	if err := Validate(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var s Summary
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: not a load summary: %v", path, err)
	}
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.End.Before(s.Start) {
		return nil, fmt.Errorf("%s: the run ends before it starts", path)
	}
	return &s, nil
}

// WriteTable writes the end-of-run table: thresholds, correctness
// counters, iterations, HTTP routes, steps and crypto operations with
// their percentiles.
func (s *Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	el := s.Elapsed()
	fmt.Fprintf(tw, "\nload: %s, target %s, keys %s, %s", strings.Join(s.Loads, ", "), s.Target, s.Keys, el.Round(time.Millisecond))
	if s.Shard != nil {
		fmt.Fprintf(tw, ", shard %d/%d", s.Shard.Index, s.Shard.Count)
	}
	if s.Shards > 0 {
		fmt.Fprintf(tw, ", merged from %d summaries", s.Shards)
	}
	fmt.Fprintln(tw)
	if s.Aborted != "" {
		fmt.Fprintf(tw, "ABORTED: %s\n", s.Aborted)
	}
	if len(s.Results) > 0 {
		fmt.Fprintln(tw, "\nthresholds")
		for _, r := range s.Results {
			mark := "✓"
			if !r.OK {
				mark = "✗"
			}
			fmt.Fprintf(tw, "  %s %s\t%s\n", mark, r.Threshold, r.Text)
		}
	}
	counter := func(name string) int64 {
		a, _ := metrics.Aggregate(metrics.Counter, s.Select(name, nil))
		return a.Count
	}
	fmt.Fprintln(tw, "\ncorrectness (must stay 0)")
	for _, d := range metrics.Catalogue {
		if d.MustBeZero {
			fmt.Fprintf(tw, "  %s\t%d\n", d.Name, counter(d.Name))
		}
	}
	it, _ := metrics.Aggregate(metrics.Counter, s.Select(metrics.Iterations, nil))
	fmt.Fprintf(tw, "\niterations\t%d\t%.2f/s\n", it.Count, it.PerSecond(el))
	for _, n := range []string{metrics.IterationFailures, metrics.InterruptedIters, metrics.DroppedIterations, metrics.SetupFailures} {
		fmt.Fprintf(tw, "  %s\t%d\n", n, counter(n))
	}
	if p, _ := metrics.Aggregate(metrics.Gauge, s.Select(metrics.VUsMax, nil)); p.Peak > 0 {
		fmt.Fprintf(tw, "  vus_max\t%d\n", p.Peak)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "trend\tcount\trate/s\tp50\tp90\tp95\tp99\tmax\terrors")
	trends := func(name, tag string, errs func(v string) string) {
		vals := map[string]bool{}
		for _, ss := range s.Select(name, nil) {
			vals[ss.Tags[tag]] = true
		}
		for _, v := range slices.Sorted(mapKeys(vals)) {
			sel := map[string]string{}
			label := name
			if tag != "" {
				sel[tag] = v
				label = fmt.Sprintf("%s{%s:%s}", name, tag, v)
			}
			a, _ := metrics.Aggregate(metrics.Trend, s.Select(name, sel))
			if a.Count == 0 {
				continue
			}
			e := ""
			if errs != nil {
				e = errs(v)
			}
			fmt.Fprintf(tw, "%s\t%d\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\n", label, a.Count, float64(a.Count)/el.Seconds(),
				ms(a.Percentile(50)), ms(a.Percentile(90)), ms(a.Percentile(95)), ms(a.Percentile(99)), ms(float64(a.MaxUS)), e)
		}
	}
	trends(metrics.IterationDuration, "", nil)
	trends(metrics.HTTPReqDuration, metrics.TagRoute, func(route string) string {
		var parts []string
		for _, ss := range s.Select(metrics.HTTPReqs, map[string]string{metrics.TagRoute: route}) {
			if st := ss.Tags[metrics.TagStatus]; st < "200" || st > "399" {
				parts = append(parts, fmt.Sprintf("%s×%d", st, ss.Count))
			}
		}
		slices.Sort(parts)
		return strings.Join(parts, " ")
	})
	trends(metrics.StepDuration, metrics.TagStep, func(step string) string {
		a, _ := metrics.Aggregate(metrics.Counter, s.Select(metrics.StepFailures, map[string]string{metrics.TagStep: step}))
		if a.Count == 0 {
			return ""
		}
		return fmt.Sprintf("%d failed", a.Count)
	})
	trends(metrics.CryptoDuration, metrics.TagOp, nil)
	trends(metrics.KeySupplyWait, "", nil)
	trends(metrics.SetupDuration, "", nil)
	if len(s.Failures) > 0 {
		fmt.Fprintln(tw, "\nfailures (first of each kind)")
		for _, f := range s.Failures {
			fmt.Fprintf(tw, "  %d× %s [%s] %q: %s\n", f.Count, f.Scenario, f.Kind, f.Step, f.Message)
		}
	}
	return tw.Flush()
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func ms(us float64) string {
	switch {
	case us >= 100e3:
		return fmt.Sprintf("%.0fms", us/1e3)
	case us >= 1e3:
		return fmt.Sprintf("%.1fms", us/1e3)
	}
	return fmt.Sprintf("%.0fµs", us)
}

// Merge combines summaries of the shards of one run: metrics merged
// exactly, the run spanning all of them. Thresholds must then be evaluated
// again on the result.
func Merge(parts []*Summary) (*Summary, error) {
	if len(parts) == 0 {
		return nil, errors.New("nothing to merge")
	}
	out := &Summary{Schema: SchemaID, Plan: parts[0].Plan, Loads: parts[0].Loads, Target: parts[0].Target, Keys: parts[0].Keys,
		Start: parts[0].Start, End: parts[0].End, Shards: len(parts), Thresholds: parts[0].Thresholds}
	seen := map[int]bool{}
	for i, p := range parts {
		switch {
		case (p.Shard == nil) != (parts[0].Shard == nil):
			return nil, fmt.Errorf("summary %d: a whole run and shards cannot be merged", i+1)
		case p.Shard != nil && (p.Shard.Count != parts[0].Shard.Count || p.Shard.Index < 1 || p.Shard.Index > p.Shard.Count):
			return nil, fmt.Errorf("summary %d: shard %d/%d is not a shard of %d", i+1, p.Shard.Index, p.Shard.Count, parts[0].Shard.Count)
		case p.Shard != nil && seen[p.Shard.Index]:
			return nil, fmt.Errorf("summary %d: shard %d/%d appears twice", i+1, p.Shard.Index, p.Shard.Count)
		case p.Shard != nil:
			seen[p.Shard.Index] = true
		}
		if !slices.Equal(p.Thresholds, out.Thresholds) {
			return nil, fmt.Errorf("summary %d has other thresholds than summary 1: not shards of one run", i+1)
		}
		if p.Start.Before(out.Start) {
			out.Start = p.Start
		}
		if p.End.After(out.End) {
			out.End = p.End
		}
		if p.Aborted != "" && out.Aborted == "" {
			out.Aborted = p.Aborted
		}
		out.Failures = append(out.Failures, p.Failures...)
		if err := out.Snapshot.Merge(p.Snapshot); err != nil {
			return nil, err
		}
	}
	if n := parts[0].Shard; n != nil && len(seen) != n.Count {
		return nil, fmt.Errorf("merging %d of %d shards", len(seen), n.Count)
	}
	return out, nil
}
