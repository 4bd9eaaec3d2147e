package metrics

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func roundTrip(t *testing.T, s Snapshot) Snapshot {
	t.Helper()
	if err := s.Encode(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out Snapshot
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if err := out.Check(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMergeEqualsOneRegistry records the same samples into one registry
// and spread over three, and checks that the merge of the three (through
// JSON) gives the same counts and exactly the same percentiles.
func TestMergeEqualsOneRegistry(t *testing.T) {
	one := NewRegistry()
	shards := []*Registry{NewRegistry(), NewRegistry(), NewRegistry()}
	rng := rand.New(rand.NewPCG(1, 2))
	route := Tag{TagRoute, "GET /vault/me"}
	for i := range 30000 {
		us := int64(rng.ExpFloat64()*2000) + 50
		status := Tag{TagStatus, "200"}
		if i%97 == 0 {
			status.Value = "500"
		}
		for _, r := range []*Registry{one, shards[i%3]} {
			r.Get(HTTPReqDuration, route, status).RecordMicros(us)
			r.Get(HTTPReqs, route, status).Add(1)
			r.Get(HTTPReqFailed, route).Sample(status.Value != "200")
		}
	}
	merged := roundTrip(t, shards[0].Snapshot())
	for _, r := range shards[1:] {
		if err := merged.Merge(roundTrip(t, r.Snapshot())); err != nil {
			t.Fatal(err)
		}
	}
	merged = roundTrip(t, merged)
	single := roundTrip(t, one.Snapshot())

	for _, sel := range []map[string]string{{TagRoute: "GET /vault/me"}, {TagStatus: "500"}, nil} {
		a, err := Aggregate(Trend, single.Select(HTTPReqDuration, sel))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Aggregate(Trend, merged.Select(HTTPReqDuration, sel))
		if err != nil {
			t.Fatal(err)
		}
		if a.Count != b.Count || a.SumUS != b.SumUS || a.MinUS != b.MinUS || a.MaxUS != b.MaxUS {
			t.Fatalf("%v: merged count/sum/min/max %d/%d/%d/%d, one registry %d/%d/%d/%d", sel, b.Count, b.SumUS, b.MinUS, b.MaxUS, a.Count, a.SumUS, a.MinUS, a.MaxUS)
		}
		for _, p := range []float64{50, 90, 95, 99, 99.9} {
			if a.Percentile(p) != b.Percentile(p) {
				t.Fatalf("%v: p(%v) merged %v, one registry %v", sel, p, b.Percentile(p), a.Percentile(p))
			}
		}
	}
	ra, _ := Aggregate(Rate, single.Select(HTTPReqFailed, nil))
	rb, _ := Aggregate(Rate, merged.Select(HTTPReqFailed, nil))
	if ra != rb || ra.Trues != 310 {
		t.Fatalf("rates: merged %+v, one %+v (want 310 failures)", rb, ra)
	}
}

func TestPercentilesWithinPrecision(t *testing.T) {
	r := NewRegistry()
	s := r.Get(CryptoDuration, Tag{TagOp, "rsa_unwrap"})
	for i := 1; i <= 1000; i++ {
		s.Record(time.Duration(i) * time.Millisecond)
	}
	snap := r.Snapshot()
	a, _ := Aggregate(Trend, snap.Select(CryptoDuration, map[string]string{TagOp: "rsa_unwrap"}))
	for _, tc := range []struct{ p, want float64 }{{50, 500e3}, {95, 950e3}, {99, 990e3}, {100, 1000e3}} {
		got := a.Percentile(tc.p)
		if d := (got - tc.want) / tc.want; d < -0.001 || d > 0.001 {
			t.Errorf("p(%v) = %vµs, want %vµs within 0.1%%", tc.p, got, tc.want)
		}
	}
	if a.MeanUS() != 500.5e3 {
		t.Errorf("mean %v, want the exact 500500µs", a.MeanUS())
	}
}

func TestCheckRejectsBadSnapshots(t *testing.T) {
	r := NewRegistry()
	r.Get(StepDuration, Tag{TagStep, "x"}).Record(time.Millisecond)
	good := roundTrip(t, r.Snapshot())
	for _, tc := range []struct {
		edit func(s *Snapshot)
		want string
	}{
		{func(s *Snapshot) { s.Series[0].Name = "nope" }, "unknown metric"},
		{func(s *Snapshot) { s.Series[len(s.Series)-1].Kind = Counter }, "want \"trend\""},
		{func(s *Snapshot) { s.Series[len(s.Series)-1].HDR = "AAAA" }, "does not decode"},
		{func(s *Snapshot) { s.Series[len(s.Series)-1].Count = 7 }, "holds 1 samples"},
		{func(s *Snapshot) { s.Series = append(s.Series, s.Series[0]) }, "twice"},
	} {
		b, _ := json.Marshal(good)
		var s Snapshot
		json.Unmarshal(b, &s)
		for i := range s.Series {
			if s.Series[i].Name == StepDuration {
				s.Series[i], s.Series[len(s.Series)-1] = s.Series[len(s.Series)-1], s.Series[i]
			}
		}
		tc.edit(&s)
		if err := s.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check() = %v, want an error containing %q", err, tc.want)
		}
	}
}

func TestUnknownTagPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a tag outside the metric's definition must panic")
		}
	}()
	NewRegistry().Get(HTTPReqs, Tag{TagOp, "x"})
}
