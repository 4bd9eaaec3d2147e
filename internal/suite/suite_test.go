package suite

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/steps"
)

func load(t *testing.T, o Options) *Suite {
	t.Helper()
	s, err := Load(context.Background(), o)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

// TestLoadEmbedded loads the suite built into the binary: every feature
// and scenario, no problem, every step defined.
func TestLoadEmbedded(t *testing.T) {
	s := load(t, Options{})
	var feats, hcls int
	for _, f := range s.Files {
		if f.Gherkin {
			feats++
		} else {
			hcls++
		}
		if len(f.Features) == 0 {
			t.Errorf("%s: no features", f.Name)
		}
	}
	want, _ := fs.Glob(vaultcheck.Suite, "features/*.feature")
	if feats != len(want) || hcls < 5 {
		t.Errorf("%d features and %d HCL files, want %d and the scenarios", feats, hcls, len(want))
	}
	if len(s.Problems) > 0 || len(s.Check()) > 0 {
		t.Errorf("problems: %v %v", s.Problems, s.Check())
	}
}

// TestParseIsGherkins checks that the loader's parse (its own scanner, so
// that it can be interrupted) gives the documents and pickles Gherkin's
// own parse gives, on every feature and compiled scenario of the suite.
func TestParseIsGherkins(t *testing.T) {
	n := 0
	for _, ft := range load(t, Options{}).Features() {
		ids := &messages.Incrementing{}
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(ft.Contents), ids.NewId)
		if err != nil {
			t.Fatal(err)
		}
		doc.Uri = ft.URI
		pickles := gherkin.Pickles(*doc, ft.URI, ids.NewId)
		a, _ := json.Marshal([]any{doc, pickles})
		b, _ := json.Marshal([]any{ft.Doc, ft.Pickles})
		if !bytes.Equal(a, b) {
			t.Errorf("%s: the loader's parse differs from Gherkin's", ft.URI)
		}
		n++
	}
	// CRLF, no final newline, a trailing \r, tabs and a language header.
	for _, src := range []string{
		"Feature: f\r\n  Scenario: s\r\n    Given x\r\n",
		"Feature: f\n\tScenario: s\n\t\tGiven x \ty",
		"# language: fr\nFonctionnalité: f\n  Scénario: s\n    Soit x\r",
	} {
		ids := &messages.Incrementing{}
		doc, err := gherkin.ParseGherkinDocument(strings.NewReader(src), ids.NewId)
		ft, probs, perr := parseFeature(context.Background(), "", []byte(src))
		if err != nil || perr != nil || len(probs) > 0 {
			t.Fatalf("%q: %v %v %v", src, err, perr, probs)
		}
		a, _ := json.Marshal(doc)
		b, _ := json.Marshal(ft.Doc)
		if !bytes.Equal(a, b) {
			t.Errorf("%q: the loader's parse differs from Gherkin's:\n%s\n%s", src, a, b)
		}
	}
}

// TestLineLimit checks the limit at Gherkin's own: a line of MaxLine bytes
// parses with Gherkin's parser, one more byte makes it panic, and the
// loader reports that line instead of parsing it.
func TestLineLimit(t *testing.T) {
	file := func(n int) []byte {
		return []byte("Feature: f\n  Scenario: s\n    Given " + strings.Repeat("x", n-len("    Given ")) + "\n")
	}
	gherkinParses := func(src []byte) (ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		_, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), (&messages.Incrementing{}).NewId)
		return err == nil
	}
	if !gherkinParses(file(MaxLine)) {
		t.Errorf("Gherkin cannot read a line of %d bytes: MaxLine is too high", MaxLine)
	}
	if gherkinParses(file(MaxLine + 1)) {
		t.Errorf("Gherkin reads a line of %d bytes: MaxLine is needlessly low", MaxLine+1)
	}
	if _, probs, _ := parseFeature(context.Background(), "f", file(MaxLine)); len(probs) > 0 {
		t.Errorf("a line of MaxLine bytes: %v", probs)
	}
	_, probs, _ := parseFeature(context.Background(), "f", file(MaxLine+1))
	if len(probs) != 1 || probs[0].Line != 3 || probs[0].Kind != "line too long" || len(probs[0].String()) > 300 {
		t.Errorf("a line of MaxLine+1 bytes: %v", probs)
	}
}

// TestBinaryAndNonUTF8 checks that a file that is not text is reported,
// its bytes quoted and cut.
func TestBinaryAndNonUTF8(t *testing.T) {
	for _, tt := range []struct {
		src          string
		line, col    int
		kind, quoted string
	}{
		{"Feature: f\n  Scenario: \x00\x01\x1b[2J s\n", 2, 13, "not a text file", `"  Scenario: \x00\x01\x1b[2J s"`},
		{"Feature: caf\xe9\n", 1, 13, "not UTF-8", `byte 0xE9 is not UTF-8 in "Feature: caf\xe9"`},
		{strings.Repeat("\xff", 1<<20), 1, 1, "not UTF-8", `"\xff\xff\xff`},
	} {
		_, probs, _ := parseFeature(context.Background(), "b.feature", []byte(tt.src))
		if len(probs) == 0 {
			t.Fatalf("%.40q: %d problems", tt.src, len(probs))
		}
		p := probs[0]
		if p.Line != tt.line || p.Col != tt.col || p.Kind != tt.kind || !strings.Contains(p.Msg, tt.quoted) {
			t.Errorf("%.40q: %s", tt.src, p)
		}
		if len(p.String()) > 400 || strings.ContainsAny(p.String(), "\x00\x01\x1b\xff") {
			t.Errorf("%.40q: the problem echoes the file: %q", tt.src, p.String())
		}
	}
}

// TestSyntaxErrorsQuoted checks that Gherkin's errors quote what they
// show, and that a file broken on every line gets a bounded report.
func TestSyntaxErrorsQuoted(t *testing.T) {
	src := "Feature: f\n  Scenario: s\n    Given x\n  Examples:\n    | a |\n  Foo \x07bar '\n"
	_, probs, _ := parseFeature(context.Background(), "bad.feature", []byte(src))
	if len(probs) == 0 || probs[0].Line != 6 || !strings.Contains(probs[0].Msg, `got "  Foo \abar '"`) {
		t.Errorf("problems: %v", probs)
	}
	_, probs, _ = parseFeature(context.Background(), "bad.feature", bytes.Repeat([]byte("nonsense\n"), 5000))
	if len(probs) != maxFileProblems+1 || !strings.Contains(probs[maxFileProblems].Msg, "more errors") {
		t.Errorf("%d problems for a file of 5000 bad lines, want %d", len(probs), maxFileProblems+1)
	}
}

// TestTooManyScenarios checks that a file godog would take minutes to
// parse is refused, and one just under the limit is not.
func TestTooManyScenarios(t *testing.T) {
	if _, probs, _ := parseFeature(context.Background(), "big.feature", generate(MaxScenarios)); len(probs) > 0 {
		t.Errorf("%d scenarios: %v", MaxScenarios, probs)
	}
	_, probs, _ := parseFeature(context.Background(), "big.feature", generate(MaxScenarios+1))
	if len(probs) != 1 || probs[0].Kind != "too many scenarios" {
		t.Errorf("%d scenarios: %v", MaxScenarios+1, probs)
	}
	// Outline rows count as the scenarios godog makes of them.
	outline := "Feature: f\n  Scenario Outline: o\n    Given <a>\n    Examples:\n      | a |\n" + strings.Repeat("      | x |\n", MaxScenarios+1)
	if _, probs, _ := parseFeature(context.Background(), "o.feature", []byte(outline)); len(probs) != 1 || !strings.Contains(probs[0].Msg, fmt.Sprint(MaxScenarios+1)) {
		t.Errorf("outline of %d rows: %v", MaxScenarios+1, probs)
	}
}

// countingCtx is a context whose Err reports cancellation from its n-th
// call on, as if Ctrl-C came in the middle of a parse.
type countingCtx struct {
	context.Context
	calls, after atomic.Int64
}

func (c *countingCtx) Err() error {
	if c.calls.Add(1) > c.after.Load() {
		return context.Canceled
	}
	return nil
}

// TestCancelStopsParse checks that a parse ends soon after its context
// does: the scanner stops reading lines, and Load returns the context's
// error rather than a half-read suite.
func TestCancelStopsParse(t *testing.T) {
	src := generate(MaxScenarios)
	ctx := &countingCtx{Context: context.Background()}
	ctx.after.Store(3)
	sc := &scanner{ctx: ctx, src: src}
	lines := 0
	for {
		_, eof, _ := sc.Scan()
		if eof {
			break
		}
		lines++
	}
	if total := countLines(src); lines >= total || lines > 4*cancelEvery {
		t.Errorf("the scanner read %d of %d lines after the context ended", lines, total)
	}
	fsys := fstest.MapFS{"big.feature": {Data: src}}
	ctx2 := &countingCtx{Context: context.Background()}
	ctx2.after.Store(5)
	if _, err := Load(ctx2, Options{FS: fsys, Paths: []string{"big.feature"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Load after the context ended: %v, want context.Canceled", err)
	}
}

// TestPaths checks path resolution: files, folders, FILE:LINE on any line
// of a scenario, and the errors of paths that cannot be used.
func TestPaths(t *testing.T) {
	fsys := fstest.MapFS{
		"a/one.feature":       {Data: []byte("Feature: one\n\n  Scenario: first\n    Given Alice logs in\n\n  Scenario: second\n    Given Bob logs in\n")},
		"a/two.hcl":           {Data: []byte(`user "alice" {}` + "\n" + `scenario "s" {` + "\n  expect \"e\" {\n    user = user.alice\n    connections = 0\n  }\n}\n")},
		"a/.hidden/x.feature": {Data: []byte("garbage")},
		"a/notes.txt":         {Data: []byte("not a scenario")},
		"empty/readme":        {Data: []byte("")},
	}
	s := load(t, Options{FS: fsys, Paths: []string{"a"}})
	if len(s.Files) != 2 || s.Files[0].Name != "a/one.feature" || s.Files[1].Name != "a/two.hcl" || len(s.Problems) > 0 {
		t.Fatalf("folder: %v, problems %v", s.Files, s.Problems)
	}
	if ft := s.Files[1].Features[0]; ft.URI != "a/two.hcl" || ft.Lines[ft.Pickles[0].Steps[1].AstNodeIds[0]] != 5 {
		t.Errorf("HCL step lines are not the HCL's: %v", ft.Lines)
	}
	s = load(t, Options{FS: fsys, Paths: []string{"a/one.feature:7", "a/one.feature:4", "a/one.feature:3"}})
	if got := s.Files[0].Lines; len(got) != 2 || got[0] != 6 || got[1] != 3 {
		t.Errorf("lines 7, 4 and 3 select scenarios at %v, want [6 3]", got)
	}
	for _, tt := range []struct {
		path string
		want error
		msg  string
	}{
		{"a/nope.feature", ErrBadPath, "file does not exist"},
		{"a/notes.txt", ErrBadPath, "not a scenario file (want .feature, .hcl)"},
		{"empty", ErrNoScenarios, "holds no scenario files"},
		{"a/one.feature:2", ErrBadPath, "no scenario at this line; scenarios start at lines 3, 6"},
		{"a/one.feature:99", ErrBadPath, "the file has 7 lines"},
		{"a/two.hcl:3", ErrBadPath, "works for .feature files only"},
		{"a:3", ErrBadPath, "a line number needs a file"},
	} {
		_, err := Load(context.Background(), Options{FS: fsys, Paths: []string{tt.path}})
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s: %v, want %v with %q", tt.path, err, tt.want, tt.msg)
		}
	}
	front := map[string]FrontEnd{".txt": func(path string, src []byte) ([]godog.Feature, error) {
		return nil, fmt.Errorf("%s:1: not sums", path)
	}}
	s = load(t, Options{FS: fsys, Paths: []string{"a/notes.txt"}, FrontEnds: front})
	if len(s.Problems) != 1 || s.Problems[0].String() != "a/notes.txt:1: not sums" {
		t.Errorf("front end error: %v", s.Problems)
	}
}

// TestCheck checks the help for an undefined and an ambiguous step, and
// that a step is reported once where it is written, however often a
// Background or an Outline repeats it.
func TestCheck(t *testing.T) {
	src := "Feature: f\n  Background:\n    Given users Alice and Bob are registerd\n\n" +
		"  Scenario: one\n    When Alice logs in\n\n  Scenario Outline: two (<who>)\n    Then <who> logs out\n\n    Examples:\n      | who   |\n      | Alice |\n      | Bob   |\n"
	s := load(t, Options{FS: fstest.MapFS{"f.feature": {Data: []byte(src)}}, Paths: []string{"f.feature"}})
	probs := s.Check()
	if len(probs) != 1 {
		t.Fatalf("%d problems, want the Background step once: %v", len(probs), probs)
	}
	got := probs[0].String()
	for _, want := range []string{
		`f.feature:3:11: undefined step: "users Alice and Bob are registerd" matches no step of the step table`,
		"\n    closest steps:\n      users.registered (action): users <Users> are registered — Signs each user up with a random password.",
		"\n    every step: " + StepTable,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problem lacks %q:\n%s", want, got)
		}
	}
	a, _ := steps.Lookup("user.logs_in")
	b, _ := steps.Lookup("user.logs_out")
	probs = s.check(func(text string) []steps.Definition {
		if strings.HasSuffix(text, "logs out") {
			return []steps.Definition{a, b}
		}
		return []steps.Definition{a}
	})
	if len(probs) != 1 || !strings.HasPrefix(probs[0].String(), `f.feature:9:10: ambiguous step: "Alice logs out" matches 2 steps of the step table`) ||
		!strings.Contains(probs[0].String(), "user.logs_in (action)") || !strings.Contains(probs[0].String(), "user.logs_out (action)") {
		t.Errorf("ambiguous: %v", probs)
	}
}

// TestHCLProblems checks that HCL diagnostics are problems at the HCL,
// with the source line, and that a suite with them has no features.
func TestHCLProblems(t *testing.T) {
	fsys := fstest.MapFS{"s.hcl": {Data: []byte(`user "alice" { password = "a\"b" }` + "\nscenario \"s\" {\n  user \"bob\" {}\n}\n")}}
	s := load(t, Options{FS: fsys, Paths: []string{"s.hcl"}})
	if len(s.Problems) != 1 || len(s.Files[0].Features) != 0 {
		t.Fatalf("problems %v, features %d", s.Problems, len(s.Files[0].Features))
	}
	want := "s.hcl:1:27: Value cannot be carried by a step: \"password\" contains a double quote (\"), which would end the step's quoted text.\n" +
		`     1 | user "alice" { password = "a\"b" }` + "\n" +
		"       |                           ^^^^^^"
	if got := s.Problems[0].String(); got != want {
		t.Errorf("problem:\n%s\nwant:\n%s", got, want)
	}
}

// generate writes a feature of n scenarios, for the size tests.
func generate(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Feature: big\n\n  Background:\n    Given users Alice and Bob are registered\n\n")
	for i := range n {
		fmt.Fprintf(&b, "  Scenario: scenario %d\n    When Alice logs in\n    Then Alice can read her own profile\n    And Bob has %d connections\n\n", i, i%7)
	}
	return b.Bytes()
}

// BenchmarkLoad loads and checks generated features of 1, 4 and 16 times
// 600 scenarios (and one of 400 000, near 50 MB, with -bench Load/big):
// the time per scenario stays flat, so loading is linear in the file.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	for _, n := range []int{600, 2400, 9600} {
		p := filepath.Join(dir, fmt.Sprintf("g%d.feature", n))
		if err := os.WriteFile(p, generate(n), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("scenarios=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := Load(context.Background(), Options{Paths: []string{p}})
				if err != nil || len(s.Problems) > 0 {
					b.Fatal(err, s.Problems)
				}
				if probs := s.Check(); len(probs) > 0 {
					b.Fatal(probs)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/scenario")
		})
	}
	b.Run("big", func(b *testing.B) {
		src := generate(400000)
		b.ReportMetric(float64(len(src))/1e6, "MB")
		for b.Loop() {
			start := time.Now()
			_, probs, err := parseFeature(context.Background(), "big.feature", src)
			if err != nil || len(probs) != 1 || probs[0].Kind != "too many scenarios" {
				b.Fatal(err, probs)
			}
			b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/parse")
		}
	})
}

// TestRequirementTags checks that requirement tags naming nothing in the
// catalogue are problems at the tag, with the closest ID, wherever a tag
// may stand, and that good ones and other tags are not.
func TestRequirementTags(t *testing.T) {
	src := "@req:SRP-PROFF-01\nFeature: f\n\n  @smoke @req:SRP-PROOF-01 @req:SRP-PROOF-01:neg @req:SRP-PROOF-01:pos\n  Scenario: one\n    When Alice logs in\n\n" +
		"  Rule: r\n    @req:share-dek-01\n    Scenario Outline: two\n      Then <who> logs out\n\n      @req:NOTHING-AT-ALL-99\n      Examples:\n        | who   |\n        | Alice |\n"
	s := load(t, Options{FS: fstest.MapFS{"f.feature": {Data: []byte(src)}}, Paths: []string{"f.feature"}})
	var got []string
	for _, p := range s.Check() {
		got = append(got, p.Head())
	}
	want := []string{
		`f.feature:1:1: unknown requirement: tag "@req:SRP-PROFF-01": "SRP-PROFF-01" is not in the requirements catalogue; did you mean SRP-PROOF-01?`,
		`f.feature:4:50: unknown requirement: tag "@req:SRP-PROOF-01:pos": "SRP-PROOF-01:pos" is not a requirement reference: want ID or ID:neg (the only suffix is :neg)`,
		`f.feature:9:5: unknown requirement: tag "@req:share-dek-01": "share-dek-01" is not in the requirements catalogue (IDs read AREA-TOPIC-NN); did you mean SHARE-DEK-01?`,
		`f.feature:13:7: unknown requirement: tag "@req:NOTHING-AT-ALL-99": "NOTHING-AT-ALL-99" is not in the requirements catalogue (IDs read AREA-TOPIC-NN); internal/requirements/CATALOGUE.md lists them`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
