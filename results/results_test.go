package results

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

const sampleFeature = `@smoke
Feature: Sharing
  Alice shares things.

  Scenario: Alice shares her car
    Given Alice is a registered user
    When Alice shares "My Car" with Bob
    Then Bob sees it

  @req:SHARE-EXPIRY-01 @req:SHARE-EXPIRY-01:neg
  Scenario Outline: Status <code>
    Given a request to <path>
    Then the status is <code>

    Examples:
      | path | code |
      | /a   | 200  |
      | /b   | 404  |

    Examples: twice
      | path | code |
      | /a   | 200  |
      | /a   | 200  |
`

// compiledFeature stands for an HCL file's compiled Gherkin: its lines
// map to the HCL lines in sampleSourceLines.
const compiledFeature = `Feature: scenarios/x.hcl

  # scenarios/x.hcl:7
  Scenario: From HCL
    # scenarios/x.hcl:9
    Given Alice is a registered user
    # scenarios/x.hcl:12
    Then it fails
`

var sampleSourceLines = []int{0, 0, 0, 7, 0, 9, 0, 12, 0}

// sampleDoc builds a document of both features: every kind of status,
// exchanges on a failing step, a ledger.
func sampleDoc(t testing.TB) *Document {
	t.Helper()
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	doc := &Document{Schema: SchemaID, Run: Run{
		Tool:   Tool{Name: "vaultcheck", Version: "devel", Commit: "0123456789abcdef0123456789abcdef01234567", Go: "go1.26.8", Platform: "linux/amd64"},
		Target: "inproc", Keys: "fast", Concurrency: 4, Started: start, Finished: start.Add(3 * time.Second), ExitCode: 4,
	}}
	doc.Features = []Feature{
		{URI: "features/sharing.feature", Name: "Sharing", Keyword: "Feature", Language: "en", Gherkin: sampleFeature},
		{URI: "scenarios/x.hcl", Name: "scenarios/x.hcl", Keyword: "Feature", Language: "en", Gherkin: compiledFeature, Compiled: true, SourceLines: sampleSourceLines},
	}
	var files []SourceFile
	for _, f := range doc.Features {
		files = append(files, SourceFile{Name: f.URI, Contents: []byte(f.Gherkin)})
	}
	doc.Run.SuiteDigest = SuiteDigest(files)
	ids := &messages.Incrementing{}
	at := start
	for _, f := range doc.Features {
		gd, err := gherkin.ParseGherkinDocument(strings.NewReader(f.Gherkin), ids.NewId)
		if err != nil {
			t.Fatal(err)
		}
		pickles := gherkin.Pickles(*gd, f.URI, ids.NewId)
		for i, id := range PickleIDs(f.URI, gd, pickles) {
			p := pickles[i]
			var tags []string
			for _, tg := range p.Tags {
				tags = append(tags, tg.Name)
			}
			if tags == nil {
				tags = []string{}
			}
			started := at
			sc := Scenario{ID: id, Name: p.Name, Feature: f.URI, Keyword: "Scenario", File: f.URI, Line: 5 + i, Tags: tags,
				Requirements: Requirements(tags), Status: Passed, Started: &started, DurationNS: int64(time.Duration(i+1) * 100 * time.Millisecond),
				Ledger: &Ledger{Entries: 3, ByOp: map[string]int{"generate": 2, "wrap": 1}, Checked: 2, Skipped: 1, Verified: true}}
			at = at.Add(sc.Duration())
			for j, ps := range p.Steps {
				sc.Steps = append(sc.Steps, Step{Keyword: "Given ", Text: ps.Text, File: f.URI, Line: 6 + j, Status: Passed, Result: ResultPassed, DurationNS: 1000})
			}
			doc.Scenarios = append(doc.Scenarios, sc)
		}
	}
	// One of each other status.
	sc := &doc.Scenarios[1]
	sc.Status, sc.Steps[1].Status, sc.Steps[1].Result = Failed, Failed, ResultFailed
	sc.Steps[1].Message = "want status 200, got 500"
	sc.Steps[1].Exchanges = []Exchange{{Seq: 1, Actor: "Alice", Method: "GET", URL: "http://127.0.0.1:1/vault/items/[id]", Status: 500,
		ResponseBody: `{"errors":[{"error":"boom"}]}`, DurationNS: 2000, RequestHeaders: map[string][]string{"Authorization": {"[redacted]"}}}}
	sc = &doc.Scenarios[2]
	sc.Status, sc.Reason, sc.Started, sc.DurationNS, sc.Ledger = Skipped, "not run: fail-fast: an earlier scenario did not pass", nil, 0, nil
	for j := range sc.Steps {
		sc.Steps[j].Status, sc.Steps[j].Result, sc.Steps[j].DurationNS = Skipped, ResultSkipped, 0
	}
	sc = &doc.Scenarios[3]
	sc.Status, sc.Reason, sc.Started, sc.DurationNS, sc.Ledger = Disabled, `excluded by the tag filter "not @slow"`, nil, 0, nil
	for j := range sc.Steps {
		sc.Steps[j].Status, sc.Steps[j].Result, sc.Steps[j].DurationNS = Disabled, ResultSkipped, 0
	}
	sc = &doc.Scenarios[5] // the HCL one
	sc.Line = 7
	sc.Steps[0].Line, sc.Steps[1].Line = 9, 12
	sc.Status, sc.ErrorKind = Error, ErrorTarget
	sc.Steps[1].Status, sc.Steps[1].ErrorKind, sc.Steps[1].Result, sc.Steps[1].Message = Error, ErrorTarget, ResultFailed, "connection refused"
	doc.Totals = Count(doc.Scenarios)
	return doc
}

func TestStatusOrder(t *testing.T) {
	for i := 1; i < len(Statuses); i++ {
		if Statuses[i-1].Rank() >= Statuses[i].Rank() || Worst(Statuses[i-1], Statuses[i]) != Statuses[i] || Worst(Statuses[i], Statuses[i-1]) != Statuses[i] {
			t.Fatalf("%s is not below %s", Statuses[i-1], Statuses[i])
		}
	}
	if Status("bogus").Valid() || !Error.Valid() {
		t.Fatal("Valid is wrong")
	}
}

func TestRequirements(t *testing.T) {
	got := Requirements([]string{"@smoke", "@req:SHARE-EXPIRY-01:neg", "@req:SHARE-EXPIRY-01", "@req:AUTH-02", "@req:AUTH-02", "@req:bad", "@req:X-1"})
	want := []ReqRef{{ID: "AUTH-02"}, {ID: "SHARE-EXPIRY-01"}, {ID: "SHARE-EXPIRY-01", Negative: true}}
	if !slices.Equal(got, want) {
		t.Fatalf("Requirements = %v, want %v", got, want)
	}
	if got := Requirements(nil); got == nil || len(got) != 0 {
		t.Fatalf("Requirements(nil) = %#v, want an empty list", got)
	}
	for tag, wantErr := range map[string]string{
		"@req:SHARE-EXPIRY-01":     "",
		"@req:SHARE-EXPIRY-01:neg": "",
		"@req:CRYPTO-V2-10":        "",
		"@req:share-expiry-01":     "want an id such as",
		"@req:SHARE-EXPIRY-1":      "want an id such as",
		"@req:SHARE-EXPIRY-01:pos": `got the suffix ":pos"`,
		"@req:":                    "want an id such as",
	} {
		_, ok, err := ParseRequirementTag(tag)
		if !ok || (wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("ParseRequirementTag(%q) = ok %v, err %v; want ok and an error containing %q", tag, ok, err, wantErr)
		}
	}
	if _, ok, _ := ParseRequirementTag("@requirement"); ok {
		t.Error("@requirement was read as a requirement tag")
	}
}

func TestPickleIDs(t *testing.T) {
	doc := sampleDoc(t)
	var ids []string
	for _, sc := range doc.Scenarios {
		ids = append(ids, sc.ID)
	}
	want := []string{
		"features/sharing.feature: Alice shares her car",
		"features/sharing.feature: Status 200 [path=/a, code=200]",
		"features/sharing.feature: Status 404 [path=/b, code=404]",
		"features/sharing.feature: Status 200 [twice: path=/a, code=200]",
		"features/sharing.feature: Status 200 [twice: path=/a, code=200] #2",
		"scenarios/x.hcl: From HCL",
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("ids:\n%s\nwant:\n%s", strings.Join(ids, "\n"), strings.Join(want, "\n"))
	}
	// The id does not depend on lines: the same feature moved down keeps them.
	ids2 := &messages.Incrementing{}
	gd, _ := gherkin.ParseGherkinDocument(strings.NewReader("# a comment\n\n"+sampleFeature), ids2.NewId)
	moved := PickleIDs("features/sharing.feature", gd, gherkin.Pickles(*gd, "features/sharing.feature", ids2.NewId))
	if !slices.Equal(moved, want[:5]) {
		t.Fatalf("ids changed when lines moved: %q", moved)
	}
}

func TestParseShard(t *testing.T) {
	if s, err := ParseShard(" 2/3 "); err != nil || s != (ShardSpec{2, 3}) {
		t.Fatalf("ParseShard(2/3) = %v, %v", s, err)
	}
	for _, bad := range []string{"", "3", "0/3", "4/3", "1/0", "a/b", "1/2/3", "-1/2", "1/1001"} {
		if _, err := ParseShard(bad); !errors.Is(err, ErrBadShard) {
			t.Errorf("ParseShard(%q) = %v, want ErrBadShard", bad, err)
		}
	}
}

func TestAssign(t *testing.T) {
	var ids []string
	for i := range 10 {
		ids = append(ids, fmt.Sprintf("f.feature: s%02d", i))
	}
	rr := Assign(ids, 3, nil)
	count := map[int]int{}
	for _, s := range rr {
		count[s]++
	}
	if count[1] != 4 || count[2] != 3 || count[3] != 3 {
		t.Fatalf("round-robin counts %v, want 4, 3, 3", count)
	}
	// The partition depends on the set, not the order.
	shuffled := slices.Clone(ids)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if got := Assign(shuffled, 3, nil); !mapsEqual(got, rr) {
		t.Fatal("the partition depends on the order of the ids")
	}

	// Balanced: one long scenario, many short ones. Longest first on the
	// least loaded shard: 9 | 1+1+1+... never all on one shard.
	dur := map[string]time.Duration{ids[0]: 9 * time.Second}
	for _, id := range ids[1:7] {
		dur[id] = time.Second
	}
	// ids[7:] are new: they count as the mean (15s/7).
	b := Assign(ids, 2, dur)
	load := map[int]time.Duration{}
	mean := 15 * time.Second / 7
	for id, s := range b {
		d, ok := dur[id]
		if !ok {
			d = mean
		}
		load[s] += d
	}
	if b[ids[0]] != 1 {
		t.Errorf("the longest scenario went to shard %d, want 1", b[ids[0]])
	}
	diff := load[1] - load[2]
	if diff < 0 {
		diff = -diff
	}
	if diff > 3*time.Second {
		t.Fatalf("balanced loads %v, want within the longest short scenario", load)
	}
	if got := Assign(shuffled, 2, dur); !mapsEqual(got, b) {
		t.Fatal("the balanced partition depends on the order of the ids")
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestWriteValidatesAndReadsBack(t *testing.T) {
	doc := sampleDoc(t)
	raw, err := Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(raw); err != nil {
		t.Fatalf("results.json does not validate: %v", err)
	}
	back, err := Parse(raw, "results.json")
	if err != nil {
		t.Fatal(err)
	}
	raw2, _ := Marshal(back)
	if !bytes.Equal(raw, raw2) {
		t.Fatal("results.json does not survive a read and a write unchanged")
	}
	if back.ExitCode() != ExitUnexercised {
		t.Fatalf("ExitCode = %d, want 4 (a target error, a failure)", back.ExitCode())
	}
}

func TestReadRejects(t *testing.T) {
	good, _ := Marshal(sampleDoc(t))
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	scenario := func(m map[string]any, i int) map[string]any {
		return m["scenarios"].([]any)[i].(map[string]any)
	}
	cases := map[string]struct {
		raw  []byte
		want string
	}{
		"not JSON":        {[]byte("{\n  \"schema\": \"vaultcheck/results/v1\",\n  oops\n}"), "line 3: not JSON"},
		"other schema":    {edit(func(m map[string]any) { m["schema"] = "vaultcheck/results/v2" }), "at /schema"},
		"unknown status":  {edit(func(m map[string]any) { scenario(m, 0)["status"] = "green" }), "at /scenarios/0/status"},
		"error, no kind":  {edit(func(m map[string]any) { delete(scenario(m, 5), "error_kind") }), "error_kind"},
		"skipped, no why": {edit(func(m map[string]any) { delete(scenario(m, 2), "reason") }), "reason"},
		"bad requirement": {edit(func(m map[string]any) { scenario(m, 1)["requirements"] = []any{map[string]any{"id": "x"}} }), "requirements/0/id"},
		"an extra field":  {edit(func(m map[string]any) { m["verdict"] = "pass" }), "verdict"},
		"totals": {edit(func(m map[string]any) {
			m["totals"].(map[string]any)["scenarios"].(map[string]any)["passed"] = 99.0
		}), "totals: want"},
		"id twice":                  {edit(func(m map[string]any) { scenario(m, 1)["id"] = scenario(m, 0)["id"] }), "twice"},
		"passed over a failed step": {edit(func(m map[string]any) { scenario(m, 1)["status"] = "passed" }), "but a step is failed"},
	}
	for name, c := range cases {
		_, err := Parse(c.raw, "r.json")
		if !errors.Is(err, ErrBadResults) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "bad results file r.json: ") {
			t.Errorf("%s: err = %v, want ErrBadResults naming the file and %q", name, err, c.want)
		}
	}
}

// shards splits doc as `run --shard` would.
func shards(doc *Document, n int) []*Document {
	var ids []string
	for _, sc := range doc.Scenarios {
		ids = append(ids, sc.ID)
	}
	part := Assign(ids, n, nil)
	var out []*Document
	for i := 1; i <= n; i++ {
		d := *doc
		d.Run.Shard = &Shard{Index: i, Total: n, Scenarios: len(ids), AllIDs: IDsDigest(ids)}
		d.Run.Started = doc.Run.Started.Add(time.Duration(i) * time.Second)
		d.Scenarios = nil
		for _, sc := range doc.Scenarios {
			if part[sc.ID] == i {
				d.Scenarios = append(d.Scenarios, sc)
			}
		}
		d.Totals = Count(d.Scenarios)
		out = append(out, &d)
	}
	return out
}

func TestMerge(t *testing.T) {
	doc := sampleDoc(t)
	parts := shards(doc, 3)
	// In any order.
	merged, err := Merge(parts[2], parts[0], parts[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Run.Shards) != 3 || merged.Run.Shards[0].Shard.Index != 1 || merged.Run.Shard != nil {
		t.Fatalf("merged shards %+v", merged.Run.Shards)
	}
	merged.Run.Shards = nil
	merged.Run.Started = doc.Run.Started
	a, _ := Marshal(doc)
	b, _ := Marshal(merged)
	if !bytes.Equal(a, b) {
		t.Fatalf("merge differs from the whole run:\n%s\n---\n%s", a, b)
	}

	other := *parts[1]
	other.Run.SuiteDigest = "sha256:" + strings.Repeat("0", 64)
	dup := *parts[1]
	dup.Scenarios = append(slices.Clone(dup.Scenarios), parts[0].Scenarios[0])
	whole := *doc
	for name, c := range map[string]struct {
		docs []*Document
		want string
	}{
		"missing":     {[]*Document{parts[0], parts[2]}, "shard 2/3 missing"},
		"twice":       {[]*Document{parts[0], parts[1], parts[1], parts[2]}, "given twice"},
		"other suite": {[]*Document{parts[0], &other, parts[2]}, "another suite"},
		"in two":      {[]*Document{parts[0], &dup, parts[2]}, "is in shard 1 and shard 2"},
		"a whole run": {[]*Document{&whole}, "a whole run"},
		"nothing":     {nil, "no results"},
	} {
		if _, err := Merge(c.docs...); !errors.Is(err, ErrMerge) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want ErrMerge with %q", name, err, c.want)
		}
	}
}

func TestJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, sampleDoc(t)); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 6 || got.Failures != 1 || got.Errors != 1 || got.Skipped != 2 {
		t.Fatalf("tests=%d failures=%d errors=%d skipped=%d, want 6, 1, 1, 2", got.Tests, got.Failures, got.Errors, got.Skipped)
	}
	hcl := got.Suites[1].Cases[0]
	if hcl.File != "scenarios/x.hcl" || hcl.Line != 7 || hcl.Error == nil || hcl.Error.Type != "target error" {
		t.Fatalf("HCL case %+v, want scenarios/x.hcl:7 with a target error", hcl)
	}
	if !strings.Contains(b.String(), "GET http://127.0.0.1:1/vault/items/[id] -&gt; 500") {
		t.Errorf("the failure does not show its exchange:\n%s", b.String())
	}
}

func TestCucumberJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCucumberJSON(&b, sampleDoc(t)); err != nil {
		t.Fatal(err)
	}
	var got []cukeFeature
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].Elements) != 4 || got[1].URI != "scenarios/x.hcl" {
		t.Fatalf("features %d, elements %d (want 2 and 4: the disabled one left out)", len(got), len(got[0].Elements))
	}
	h := got[1].Elements[0]
	if h.Line != 7 || h.Steps[1].Line != 12 || h.Steps[1].Match.Location != "scenarios/x.hcl:12" || h.Steps[1].Result.Status != "failed" {
		t.Fatalf("HCL element %+v, want HCL lines 7 and 12", h)
	}
	if len(got[0].Elements[1].Steps[1].Embeddings) != 1 {
		t.Fatal("the failing step carries no exchange")
	}
}

func TestMessagesRelocateHCL(t *testing.T) {
	var b bytes.Buffer
	doc := sampleDoc(t)
	if err := WriteMessages(&b, doc); err != nil {
		t.Fatal(err)
	}
	var (
		cases, finished int
		statuses        = map[messages.TestStepResultStatus]int{}
		hclPickle       *messages.Pickle
	)
	for i, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var e messages.Envelope
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		switch {
		case e.TestCase != nil:
			cases++
		case e.TestStepFinished != nil:
			statuses[e.TestStepFinished.TestStepResult.Status]++
		case e.TestRunFinished != nil:
			finished++
			if e.TestRunFinished.Success {
				t.Error("testRunFinished says success for a run with a failure")
			}
		case e.Pickle != nil && e.Pickle.Uri == "scenarios/x.hcl":
			hclPickle = e.Pickle
		case e.GherkinDocument != nil && e.GherkinDocument.Uri == "scenarios/x.hcl":
			sc := e.GherkinDocument.Feature.Children[0].Scenario
			if sc.Location.Line != 7 || sc.Steps[0].Location.Line != 9 || sc.Steps[1].Location.Line != 12 {
				t.Errorf("HCL Gherkin document at lines %d, %d, %d, want 7, 9, 12", sc.Location.Line, sc.Steps[0].Location.Line, sc.Steps[1].Location.Line)
			}
		}
	}
	if cases != 5 || finished != 1 {
		t.Fatalf("%d test cases (want 5: the disabled one has none), %d testRunFinished", cases, finished)
	}
	if hclPickle == nil || hclPickle.Location == nil || hclPickle.Location.Line != 7 {
		t.Fatalf("HCL pickle %+v, want it at line 7", hclPickle)
	}
	if statuses[messages.TestStepResultStatus_FAILED] != 2 || statuses[messages.TestStepResultStatus_SKIPPED] != 2 {
		t.Fatalf("step statuses %v, want 2 failed and 2 skipped", statuses)
	}
}

func TestHTMLEscapes(t *testing.T) {
	doc := sampleDoc(t)
	doc.Scenarios[1].Steps[1].Message = `<script>alert(1)</script>`
	var b bytes.Buffer
	if err := WriteHTML(&b, doc); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if strings.Contains(s, "<script>alert(1)") || !strings.Contains(s, "&lt;script&gt;alert(1)") {
		t.Fatal("a message is not escaped in the HTML report")
	}
	for _, bad := range []string{"http://", "https://"} {
		for _, line := range strings.Split(s, "\n") {
			if strings.Contains(line, bad) && !strings.Contains(line, "127.0.0.1") && !strings.Contains(line, "json-schema.org") {
				t.Errorf("the HTML refers to %s: %q", bad, line)
			}
		}
	}
}

func BenchmarkRender(b *testing.B) {
	doc := sampleDoc(b)
	for _, name := range FormatNames() {
		b.Run(name, func(b *testing.B) {
			var n int
			for b.Loop() {
				var buf bytes.Buffer
				if err := Formats[name](&buf, doc); err != nil {
					b.Fatal(err)
				}
				n = buf.Len()
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}

// BenchmarkRenderResultsFile renders the results.json named by
// $VAULTCHECK_RESULTS (a full run's, say) in every format: the write
// times and sizes of a real run's reports.
//
//	vaultcheck run --format json:out/results.json
//	VAULTCHECK_RESULTS=$PWD/out/results.json go test ./results -run '^$' -bench RenderResultsFile
func BenchmarkRenderResultsFile(b *testing.B) {
	path := os.Getenv("VAULTCHECK_RESULTS")
	if path == "" {
		b.Skip("set VAULTCHECK_RESULTS to a results.json")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	doc, err := Parse(raw, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			if _, err := Parse(raw, path); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(raw)), "bytes")
	})
	for _, name := range FormatNames() {
		b.Run(name, func(b *testing.B) {
			var n int
			for b.Loop() {
				var buf bytes.Buffer
				if err := Formats[name](&buf, doc); err != nil {
					b.Fatal(err)
				}
				n = buf.Len()
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}

// FuzzParse feeds Parse arbitrary bytes: it must refuse them with an error
// or accept a document that writes back and reads again unchanged, never
// panic. The seeds are a valid document and broken copies of it.
func FuzzParse(f *testing.F) {
	good, err := Marshal(sampleDoc(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(bytes.Replace(good, []byte(`"passed"`), []byte(`"failed"`), 1))
	f.Add([]byte(`{"schema":"vaultcheck/results/v1"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		doc, err := Parse(raw, "fuzz.json")
		if err != nil {
			if !errors.Is(err, ErrBadResults) {
				t.Fatalf("error %v does not match ErrBadResults", err)
			}
			return
		}
		again, err := Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		doc2, err := Parse(again, "again.json")
		if err != nil {
			t.Fatalf("a document Parse accepted does not read back: %v", err)
		}
		again2, _ := Marshal(doc2)
		if !bytes.Equal(again, again2) {
			t.Fatal("a document changes when written and read again")
		}
	})
}
