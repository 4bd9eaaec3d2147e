package metrics

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Snapshot is the state of every series at one moment, in the form a
// summary file carries. Trend histograms are kept decoded in memory and
// encoded (HdrHistogram V2, compressed, base64) in JSON.
type Snapshot struct {
	Series []SeriesSnapshot `json:"metrics"`
}

// SeriesSnapshot is one series. Trend values are microseconds.
type SeriesSnapshot struct {
	Name string            `json:"name"`
	Kind Kind              `json:"type"`
	Tags map[string]string `json:"tags,omitempty"`
	// Count is the samples of a trend, the total of a counter, the
	// samples of a rate.
	Count int64 `json:"count"`
	// Trues is the samples of a rate that were true.
	Trues int64 `json:"trues,omitempty"`
	// Value and Peak are a gauge's last and highest values.
	Value int64 `json:"value,omitempty"`
	Peak  int64 `json:"peak,omitempty"`
	// MinUS, MaxUS and SumUS are a trend's exact minimum, maximum and sum.
	MinUS int64 `json:"min_us,omitempty"`
	MaxUS int64 `json:"max_us,omitempty"`
	SumUS int64 `json:"sum_us,omitempty"`
	// HDR is a trend's histogram in HdrHistogram's compressed V2 encoding.
	HDR string `json:"hdr,omitempty"`

	hist *hdr.Histogram
}

// Key identifies the series: name{k=v,...}.
func (s *SeriesSnapshot) Key() string {
	tags := make([]Tag, 0, len(s.Tags))
	for k, v := range s.Tags {
		tags = append(tags, Tag{k, v})
	}
	return seriesKey(s.Name, tags)
}

// Histogram returns a trend's histogram, decoding it if need be.
func (s *SeriesSnapshot) Histogram() (*hdr.Histogram, error) {
	if s.Kind != Trend {
		return nil, fmt.Errorf("%s is a %s, not a trend", s.Name, s.Kind)
	}
	if s.hist != nil {
		return s.hist, nil
	}
	if s.HDR == "" {
		s.hist = NewHistogram()
		return s.hist, nil
	}
	h, err := hdr.Decode([]byte(s.HDR))
	if err != nil {
		return nil, fmt.Errorf("%s: histogram does not decode: %v", s.Key(), err)
	}
	if h.TotalCount() != s.Count {
		return nil, fmt.Errorf("%s: histogram holds %d samples, the series says %d", s.Key(), h.TotalCount(), s.Count)
	}
	s.hist = h
	return h, nil
}

// Snapshot copies every series.
func (r *Registry) Snapshot() Snapshot {
	r.mu.RLock()
	all := slices.Collect(maps.Values(r.series))
	r.mu.RUnlock()
	out := Snapshot{Series: make([]SeriesSnapshot, 0, len(all))}
	for _, s := range all {
		ss := SeriesSnapshot{Name: s.Def.Name, Kind: s.Def.Kind}
		if len(s.Tags) > 0 {
			ss.Tags = map[string]string{}
			for _, t := range s.Tags {
				ss.Tags[t.Key] = t.Value
			}
		}
		switch s.Def.Kind {
		case Trend:
			s.mu.Lock()
			ss.hist = s.hist.Clone()
			ss.Count, ss.MinUS, ss.MaxUS, ss.SumUS = s.count.Load(), s.min, s.max, s.sum
			s.mu.Unlock()
		case Counter:
			ss.Count = s.count.Load()
		case Rate:
			ss.Trues, ss.Count = s.trues.Load(), s.count.Load()
		case Gauge:
			ss.Value, ss.Peak = s.value.Load(), s.peak.Load()
		}
		out.Series = append(out.Series, ss)
	}
	out.Sort()
	return out
}

// Sort orders the series by the catalogue, then by key.
func (s *Snapshot) Sort() {
	order := map[string]int{}
	for i, d := range Catalogue {
		order[d.Name] = i
	}
	slices.SortFunc(s.Series, func(a, b SeriesSnapshot) int {
		if oa, ob := order[a.Name], order[b.Name]; oa != ob {
			return oa - ob
		}
		return strings.Compare(a.Key(), b.Key())
	})
}

// Encode fills the HDR field of every trend for writing.
func (s *Snapshot) Encode() error {
	for i := range s.Series {
		ss := &s.Series[i]
		if ss.Kind != Trend {
			continue
		}
		h, err := ss.Histogram()
		if err != nil {
			return err
		}
		b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
		if err != nil {
			return fmt.Errorf("%s: encoding histogram: %v", ss.Key(), err)
		}
		ss.HDR = string(b)
	}
	return nil
}

// Check validates a snapshot read from a file: known metrics of the right
// type, tags of the metric, and histograms that decode to their counts.
func (s *Snapshot) Check() error {
	var errs []error
	seen := map[string]bool{}
	for i := range s.Series {
		ss := &s.Series[i]
		d, ok := Lookup(ss.Name)
		if !ok {
			errs = append(errs, fmt.Errorf("unknown metric %q", ss.Name))
			continue
		}
		if d.Kind != ss.Kind {
			errs = append(errs, fmt.Errorf("%s: type %q, want %q", ss.Name, ss.Kind, d.Kind))
			continue
		}
		for k := range ss.Tags {
			if !slices.Contains(d.Tags, k) {
				errs = append(errs, fmt.Errorf("%s: unknown tag %q", ss.Name, k))
			}
		}
		if k := ss.Key(); seen[k] {
			errs = append(errs, fmt.Errorf("series %s appears twice", k))
		} else {
			seen[k] = true
		}
		if ss.Count < 0 || ss.Trues < 0 || ss.Trues > ss.Count {
			errs = append(errs, fmt.Errorf("%s: impossible counts (count %d, trues %d)", ss.Key(), ss.Count, ss.Trues))
		}
		if ss.Kind == Trend {
			if _, err := ss.Histogram(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Merge adds the series of o into s: counters and rates add, gauges add
// (shards split the VUs), trends merge their histograms and exact
// statistics. The result is what one process recording every sample would
// hold.
func (s *Snapshot) Merge(o Snapshot) error {
	idx := map[string]int{}
	for i := range s.Series {
		idx[s.Series[i].Key()] = i
	}
	for _, os := range o.Series {
		i, ok := idx[os.Key()]
		if !ok {
			cp := os
			if os.Kind == Trend {
				h, err := cp.Histogram()
				if err != nil {
					return err
				}
				cp.hist = h.Clone()
			}
			s.Series = append(s.Series, cp)
			idx[cp.Key()] = len(s.Series) - 1
			continue
		}
		if err := s.Series[i].merge(&os); err != nil {
			return err
		}
	}
	s.Sort()
	return nil
}

func (s *SeriesSnapshot) merge(o *SeriesSnapshot) error {
	if s.Kind != o.Kind {
		return fmt.Errorf("%s: cannot merge a %s into a %s", s.Key(), o.Kind, s.Kind)
	}
	switch s.Kind {
	case Trend:
		h, err := s.Histogram()
		if err != nil {
			return err
		}
		oh, err := o.Histogram()
		if err != nil {
			return err
		}
		if dropped := h.Merge(oh); dropped != 0 {
			return fmt.Errorf("%s: %d samples out of the histogram's range", s.Key(), dropped)
		}
		if o.Count > 0 {
			if s.Count == 0 || o.MinUS < s.MinUS {
				s.MinUS = o.MinUS
			}
			s.MaxUS = max(s.MaxUS, o.MaxUS)
		}
		s.SumUS += o.SumUS
		s.Count += o.Count
		s.HDR = ""
	case Gauge:
		s.Value += o.Value
		s.Peak += o.Peak
	default:
		s.Count += o.Count
		s.Trues += o.Trues
	}
	return nil
}

// Select returns the series of metric name whose tags include every tag of
// sel.
func (s *Snapshot) Select(name string, sel map[string]string) []*SeriesSnapshot {
	var out []*SeriesSnapshot
	for i := range s.Series {
		ss := &s.Series[i]
		if ss.Name != name {
			continue
		}
		match := true
		for k, v := range sel {
			if ss.Tags[k] != v {
				match = false
				break
			}
		}
		if match {
			out = append(out, ss)
		}
	}
	return out
}

// Agg is the aggregate of some series of one metric.
type Agg struct {
	Kind                Kind
	Count               int64
	Trues               int64
	Value               int64
	Peak                int64
	Hist                *hdr.Histogram // trends
	MinUS, MaxUS, SumUS int64
}

// Aggregate combines the selected series (of one metric) into one.
func Aggregate(kind Kind, series []*SeriesSnapshot) (Agg, error) {
	a := Agg{Kind: kind}
	if kind == Trend {
		a.Hist = NewHistogram()
	}
	for _, s := range series {
		switch kind {
		case Trend:
			h, err := s.Histogram()
			if err != nil {
				return a, err
			}
			a.Hist.Merge(h)
			if s.Count > 0 {
				if a.Count == 0 || s.MinUS < a.MinUS {
					a.MinUS = s.MinUS
				}
				a.MaxUS = max(a.MaxUS, s.MaxUS)
			}
			a.SumUS += s.SumUS
			a.Count += s.Count
		case Gauge:
			a.Value += s.Value
			a.Peak += s.Peak
		default:
			a.Count += s.Count
			a.Trues += s.Trues
		}
	}
	return a, nil
}

// Percentile of a trend aggregate, in microseconds (0 with no samples).
func (a Agg) Percentile(p float64) float64 {
	if a.Count == 0 {
		return 0
	}
	switch {
	case p <= 0:
		return float64(a.MinUS)
	case p >= 100:
		return float64(a.MaxUS)
	}
	// HdrHistogram reports the highest value equivalent to the bucket;
	// clamp into the exact range.
	v := a.Hist.ValueAtPercentile(p)
	return float64(min(max(v, a.MinUS), a.MaxUS))
}

// MeanUS is a trend's exact mean in microseconds.
func (a Agg) MeanUS() float64 {
	if a.Count == 0 {
		return 0
	}
	return float64(a.SumUS) / float64(a.Count)
}

// RateOf is the true share of a rate (0 with no samples).
func (a Agg) RateOf() float64 {
	if a.Count == 0 {
		return 0
	}
	return float64(a.Trues) / float64(a.Count)
}

// PerSecond is a counter's count over d.
func (a Agg) PerSecond(d time.Duration) float64 {
	if d <= 0 {
		return math.NaN()
	}
	return float64(a.Count) / d.Seconds()
}
