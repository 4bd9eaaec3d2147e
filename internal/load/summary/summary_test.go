package summary

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/internal/load/threshold"
)

var known = threshold.TagValues{
	metrics.TagRoute: {"GET /vault/me", "POST /vault/items/{id}/shares"},
	metrics.TagOp:    {"rsa_unwrap", "aes_decrypt"},
	metrics.TagStep:  {"<User> can read her|his|their own profile"},
	metrics.TagKind:  {"target", "scenario", "harness"},
}

func mustParse(t *testing.T, srcs ...string) []threshold.Threshold {
	t.Helper()
	var out []threshold.Threshold
	for _, s := range srcs {
		th, err := threshold.Parse(s, known)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, th)
	}
	return out
}

// record fills reg with samples of every metric type: n requests of GET
// /vault/me (every tenth a 404), steps, crypto, iterations, a gauge.
func record(reg *metrics.Registry, n int, offset int64) {
	me := metrics.Tag{Key: metrics.TagRoute, Value: "GET /vault/me"}
	for i := range n {
		st := "200"
		if i%10 == 9 {
			st = "404"
		}
		status := metrics.Tag{Key: metrics.TagStatus, Value: st}
		reg.Get(metrics.HTTPReqDuration, me, status).RecordMicros(offset + int64(100+i%500))
		reg.Get(metrics.HTTPReqs, me, status).Add(1)
		reg.Get(metrics.HTTPReqFailed, me).Sample(st != "200")
		reg.Get(metrics.StepDuration, metrics.Tag{Key: metrics.TagStep, Value: "<User> can read her|his|their own profile"}).RecordMicros(offset + int64(150+i%500))
		reg.Get(metrics.CryptoDuration, metrics.Tag{Key: metrics.TagOp, Value: "rsa_unwrap"}).Record(time.Duration(1000+i) * time.Microsecond)
		reg.Get(metrics.Iterations, metrics.Tag{Key: metrics.TagLoad, Value: "l"}, metrics.Tag{Key: metrics.TagScenario, Value: "s"}).Add(1)
	}
	reg.Get(metrics.VUsMax, metrics.Tag{Key: metrics.TagLoad, Value: "l"}).Set(4)
}

func newSummary(t *testing.T, reg *metrics.Registry, ths []threshold.Threshold) *Summary {
	t.Helper()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := &Summary{Loads: []string{"l"}, Target: "inproc (http://127.0.0.1:1)", Keys: "fast", Start: start, End: start.Add(10 * time.Second),
		Failures: []Failure{{Scenario: "me.feature:2: s", Step: "Then Alice can read her own profile", Kind: "target", Message: "want 200, got 404", Count: 3}},
		Snapshot: reg.Snapshot()}
	if _, err := s.Evaluate(ths); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWriteValidateRead writes a summary with every kind of metric, a
// shard, failures and thresholds; the file follows the schema (checked
// with a JSON Schema validator), reads back with the same verdicts and
// exactly the same percentiles.
func TestWriteValidateRead(t *testing.T) {
	reg := metrics.NewRegistry()
	record(reg, 1000, 0)
	ths := mustParse(t, "http_req_duration{route:GET /vault/me}:p(95)<1s", "http_req_failed:rate<0.05", "crypto_duration{op:rsa_unwrap}:max<1ms")
	s := newSummary(t, reg, ths)
	s.Shard = &Shard{Index: 1, Count: 3}
	path := filepath.Join(t.TempDir(), "out", "summary.json")
	if err := s.Write(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(raw); err != nil {
		t.Fatalf("a written summary does not follow its schema: %v", err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var oks []bool
	for _, r := range got.Results {
		oks = append(oks, r.OK)
	}
	// p95 < 1s passes; 10% failed requests break rate<0.05; rsa_unwrap max
	// is 2ms.
	if len(oks) != 3 || !oks[0] || oks[1] || oks[2] || got.Passed() {
		t.Fatalf("verdicts after reading: %v", got.Results)
	}
	for _, p := range []float64{50, 90, 99, 100} {
		a, _ := metrics.Aggregate(metrics.Trend, s.Select(metrics.HTTPReqDuration, nil))
		b, _ := metrics.Aggregate(metrics.Trend, got.Select(metrics.HTTPReqDuration, nil))
		if a.Percentile(p) != b.Percentile(p) || a.Count != 1000 || b.Count != 1000 {
			t.Errorf("p(%v): written %v of %d, read %v of %d", p, a.Percentile(p), a.Count, b.Percentile(p), b.Count)
		}
	}
}

// TestValidateRejects: documents that break the schema are refused, each
// for its reason, and the error shows where, not what.
func TestValidateRejects(t *testing.T) {
	reg := metrics.NewRegistry()
	record(reg, 10, 0)
	s := newSummary(t, reg, nil)
	s.Schema = SchemaID
	if err := s.Encode(); err != nil {
		t.Fatal(err)
	}
	good, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(good); err != nil {
		t.Fatalf("the good document: %v", err)
	}
	edit := func(f func(doc map[string]any)) []byte {
		var doc map[string]any
		json.Unmarshal(good, &doc)
		f(doc)
		b, _ := json.Marshal(doc)
		return b
	}
	trend := func(doc map[string]any) map[string]any {
		for _, m := range doc["metrics"].([]any) {
			if mm := m.(map[string]any); mm["type"] == "trend" {
				return mm
			}
		}
		t.Fatal("no trend")
		return nil
	}
	for name, tc := range map[string]struct {
		doc  []byte
		want string
	}{
		"another version":    {edit(func(d map[string]any) { d["$schema"] = "https://vaultcheck.dev/schemas/load-summary/v2" }), "at /$schema"},
		"unknown key mode":   {edit(func(d map[string]any) { d["keys"] = "s3cr3t-mode" }), "at /keys"},
		"unknown field":      {edit(func(d map[string]any) { d["extra"] = 1 }), "extra"},
		"trend without hdr":  {edit(func(d map[string]any) { delete(trend(d), "hdr") }), "hdr"},
		"no start":           {edit(func(d map[string]any) { delete(d, "start") }), "start"},
		"start not a date":   {edit(func(d map[string]any) { d["start"] = "yesterday" }), "at /start"},
		"negative count":     {edit(func(d map[string]any) { trend(d)["count"] = -1 }), "count"},
		"failure kind":       {edit(func(d map[string]any) { d["failures"].([]any)[0].(map[string]any)["kind"] = "fate" }), "at /failures/0/kind"},
		"a metric type":      {edit(func(d map[string]any) { trend(d)["type"] = "histogram" }), "type"},
		"not JSON":           {[]byte(`{"$schema":`), "not JSON"},
		"not even an object": {[]byte(`[]`), "at /"},
	} {
		err := Validate(tc.doc)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t-mode") {
			t.Errorf("%s: the error repeats a value: %v", name, err)
		}
	}
}

// TestReadRejects: what the schema cannot say is checked by Read.
func TestReadRejects(t *testing.T) {
	dir := t.TempDir()
	reg := metrics.NewRegistry()
	record(reg, 10, 0)
	write := func(name string, f func(s *Summary)) string {
		s := newSummary(t, reg, nil)
		f(s)
		p := filepath.Join(dir, name)
		if err := s.Write(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	backwards := write("backwards.json", func(s *Summary) { s.End = s.Start.Add(-time.Second) })
	if _, err := Read(backwards); err == nil || !strings.Contains(err.Error(), "ends before it starts") {
		t.Errorf("a run that ends before it starts: %v", err)
	}
	p := write("count.json", func(*Summary) {})
	b, _ := os.ReadFile(p)
	var doc map[string]any
	json.Unmarshal(b, &doc)
	for _, m := range doc["metrics"].([]any) {
		if mm := m.(map[string]any); mm["type"] == "trend" {
			mm["count"] = 11
			break
		}
	}
	b, _ = json.Marshal(doc)
	os.WriteFile(p, b, 0o644)
	if _, err := Read(p); err == nil || !strings.Contains(err.Error(), "samples, the series says 11") {
		t.Errorf("a histogram that does not hold its count: %v", err)
	}
	stale := write("stale.json", func(s *Summary) { s.Keys = "stale" })
	if _, err := Read(stale); err == nil || !strings.Contains(err.Error(), "does not match the schema "+SchemaID) || !strings.Contains(err.Error(), "at /keys") {
		t.Errorf("a summary against the schema: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestMergeShards: shards merge exactly (the percentiles of one registry
// holding every sample), thresholds evaluate again on the merge, and
// summaries that are not the shards of one run are refused.
func TestMergeShards(t *testing.T) {
	whole := metrics.NewRegistry()
	var parts []*Summary
	ths := mustParse(t, "http_req_duration:p(99)<700us", "iterations:count>=3000")
	for i := range 3 {
		reg := metrics.NewRegistry()
		record(reg, 1000, int64(i*20))
		record(whole, 1000, int64(i*20))
		s := newSummary(t, reg, ths)
		s.Shard = &Shard{Index: i + 1, Count: 3}
		s.Start = s.Start.Add(time.Duration(i) * time.Second)
		p := filepath.Join(t.TempDir(), "s.json")
		if err := s.Write(p); err != nil {
			t.Fatal(err)
		}
		r, err := Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if r.Passed() {
			t.Fatalf("shard %d passes iterations:count>=3000 alone", i)
		}
		parts = append(parts, r)
	}
	m, err := Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := threshold.Parse(m.Thresholds[1], known)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := m.Evaluate(append(ths[:1:1], merged)); err != nil || !ok {
		t.Fatalf("merge verdict %v %v: %v", ok, err, m.Results)
	}
	if m.Shards != 3 || !m.Start.Equal(parts[0].Start) || !m.End.Equal(parts[2].End) || len(m.Failures) != 3 {
		t.Errorf("merge: shards %d, %v..%v, %d failures", m.Shards, m.Start, m.End, len(m.Failures))
	}
	one := metrics.Snapshot(whole.Snapshot())
	for _, p := range []float64{50, 90, 95, 99, 99.9} {
		a, _ := metrics.Aggregate(metrics.Trend, one.Select(metrics.HTTPReqDuration, nil))
		b, _ := metrics.Aggregate(metrics.Trend, m.Select(metrics.HTTPReqDuration, nil))
		if a.Percentile(p) != b.Percentile(p) || a.Count != b.Count || a.SumUS != b.SumUS {
			t.Errorf("p(%v): one registry %v (%d samples), merge %v (%d)", p, a.Percentile(p), a.Count, b.Percentile(p), b.Count)
		}
	}
	if g, _ := metrics.Aggregate(metrics.Gauge, m.Select(metrics.VUsMax, nil)); g.Peak != 12 {
		t.Errorf("vus_max of the merge: %d, want the shards' 4+4+4", g.Peak)
	}

	for name, bad := range map[string][]*Summary{
		"a shard twice":     {parts[0], parts[0], parts[2]},
		"a shard missing":   {parts[0], parts[1]},
		"another count":     {parts[0], parts[1], withShard(parts[2], 3, 4)},
		"an index too high": {parts[0], parts[1], withShard(parts[2], 4, 3)},
		"other thresholds":  {parts[0], parts[1], withThresholds(parts[2], "iterations:count>=1")},
		"nothing to merge!": nil,
	} {
		if _, err := Merge(bad); err == nil {
			t.Errorf("%s: merged", name)
		}
	}
}

func withShard(s *Summary, i, n int) *Summary {
	c := *s
	c.Shard = &Shard{Index: i, Count: n}
	return &c
}

func withThresholds(s *Summary, ths ...string) *Summary {
	c := *s
	c.Thresholds = ths
	return &c
}

// TestWriteTable: the table shows the verdicts, the correctness counters,
// the failing statuses of a route, steps, crypto and the failures.
func TestWriteTable(t *testing.T) {
	reg := metrics.NewRegistry()
	record(reg, 100, 0)
	s := newSummary(t, reg, mustParse(t, "http_req_duration{route:GET /vault/me}:p(95)<1s", "crypto_duration{op:rsa_unwrap}:p(99)<1ms"))
	s.Aborted = "threshold x failed after 3s"
	var b strings.Builder
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !regexp.MustCompile(`\n  vus_max\s+4\n`).MatchString(out) {
		t.Errorf("table lacks vus_max 4:\n%s", out)
	}
	for _, want := range []string{
		"load: l, target inproc (http://127.0.0.1:1), keys fast, 10s",
		"ABORTED: threshold x failed after 3s",
		"✓ http_req_duration{route:GET /vault/me}:p(95)<1s",
		"✗ crypto_duration{op:rsa_unwrap}:p(99)<1ms",
		"correctness (must stay 0)", "decrypt_failures", "cross_user_leaks",
		"iterations                100  10.00/s",
		"http_req_duration{route:GET /vault/me}", "404×10",
		"step_duration{step:<User> can read her|his|their own profile}",
		"crypto_duration{op:rsa_unwrap}",
		`3× me.feature:2: s [target] "Then Alice can read her own profile": want 200, got 404`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
