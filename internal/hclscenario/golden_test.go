package hclscenario

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/steps"
)

var update = flag.Bool("update", false, "rewrite golden files and the README reference")

// golden compares got with the golden file, or writes it with -update. A
// missing golden file fails: a new example must come with its output.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

const examplesDir = "../../scenarios"

func exampleNames(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(examplesDir, "*.hcl"))
	if err != nil || len(names) < 5 {
		t.Fatalf("examples: %v, %d files", err, len(names))
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

func loadExample(t *testing.T, name string) *Set {
	t.Helper()
	set, diags := loadFiles(Options{FS: os.DirFS(examplesDir)}, "scenarios", name)
	if len(diags) > 0 {
		var b strings.Builder
		WriteDiagnostics(&b, set.Files(), diags, false)
		t.Fatalf("%s does not check:\n%s", name, b.String())
	}
	return set
}

func parse(t *testing.T, name string, src []byte) (*messages.GherkinDocument, []*messages.Pickle) {
	t.Helper()
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), ids.NewId)
	if err != nil {
		t.Fatalf("%s: compiled Gherkin does not parse: %v\n%s", name, err, src)
	}
	return doc, gherkin.Pickles(*doc, name, ids.NewId)
}

func TestExamplesGolden(t *testing.T) {
	for _, name := range exampleNames(t) {
		t.Run(name, func(t *testing.T) {
			set := loadExample(t, name)
			fs := set.Features()
			if len(fs) != 1 || fs[0].Name != "scenarios/"+name {
				t.Fatalf("features = %d (%v), want one named scenarios/%s", len(fs), fs, name)
			}
			golden(t, filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".hcl")+".feature"), fs[0].Contents)

			doc, pickles := parse(t, name, fs[0].Contents)
			if doc.Feature.Name != "scenarios/"+name {
				t.Errorf("Feature title = %q, want the file path", doc.Feature.Name)
			}
			src, _ := os.ReadFile(filepath.Join(examplesDir, name))
			wantScenarios := len(regexp.MustCompile(`(?m)^scenario "`).FindAll(src, -1))
			if len(pickles) != wantScenarios {
				t.Errorf("pickles = %d, want one per scenario block (%d)", len(pickles), wantScenarios)
			}
			for _, p := range pickles {
				if len(p.Steps) == 0 {
					t.Errorf("scenario %q has no steps", p.Name)
				}
			}
		})
	}
}

// TestValidGolden compiles the valid corpus, which uses every attribute of
// the language, and compares it with its golden files.
func TestValidGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.hcl")
	if len(files) == 0 {
		t.Fatal("no valid corpus")
	}
	for _, p := range files {
		set, diags := loadFiles(Options{FS: os.DirFS("testdata/valid")}, "testdata/valid", filepath.Base(p))
		if len(diags) > 0 {
			t.Fatalf("%s: %v", p, diags)
		}
		text := set.Features()[0].Contents
		parse(t, p, text)
		golden(t, filepath.Join("testdata", "golden", "valid_"+strings.TrimSuffix(filepath.Base(p), ".hcl")+".feature"), text)
	}
}

// TestCorpusCoversLanguage checks that the examples and the valid corpus
// together use every block and attribute, so that the golden tests cover
// the whole language.
func TestCorpusCoversLanguage(t *testing.T) {
	var all strings.Builder
	for _, glob := range []string{filepath.Join(examplesDir, "*.hcl"), "testdata/valid/*.hcl"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			all.Write(mustRead(t, f))
		}
	}
	text := all.String()
	for _, a := range fileAttrs {
		if !regexp.MustCompile(`(?m)^` + a.Name + `\s*=`).MatchString(text) {
			t.Errorf("no file sets %s at top level", a.Name)
		}
	}
	for _, s := range specs {
		if !strings.Contains(text, s.Kind+` "`) {
			t.Errorf("no file uses a %s block", s.Kind)
		}
		for _, a := range s.Attrs {
			if !regexp.MustCompile(`\b` + a.Name + `\s*=`).MatchString(text) {
				t.Errorf("no file uses %s.%s", s.Kind, a.Name)
			}
		}
	}
}

// TestEmbeddedExamples checks that the embedded FS holds every example
// and compiles them exactly as the files on disk.
func TestEmbeddedExamples(t *testing.T) {
	set, diags := loadFiles(Options{FS: vaultcheck.Suite}, "", "scenarios")
	if len(diags) > 0 {
		t.Fatalf("embedded: %v", diags)
	}
	var names []string
	for _, f := range set.Features() {
		names = append(names, strings.TrimPrefix(f.Name, "scenarios/"))
		disk := loadExample(t, strings.TrimPrefix(f.Name, "scenarios/")).Features()[0]
		if !bytes.Equal(disk.Contents, f.Contents) {
			t.Errorf("%s: embedded copy compiles differently from the file", f.Name)
		}
	}
	if want := exampleNames(t); !slices.Equal(names, want) {
		t.Errorf("embedded = %v, want %v", names, want)
	}
}

// TestSourceMap checks that every step line maps back to the HCL: through
// the Set's exact map, and through the comments in the text itself.
func TestSourceMap(t *testing.T) {
	for _, name := range exampleNames(t) {
		set := loadExample(t, name)
		f := set.Features()[0]
		hclLines := strings.Split(string(mustRead(t, filepath.Join(examplesDir, name))), "\n")
		doc, _ := parse(t, name, f.Contents)
		var steps []*messages.Step
		for _, ch := range doc.Feature.Children {
			if ch.Background != nil {
				steps = append(steps, ch.Background.Steps...)
			}
			if ch.Scenario != nil {
				steps = append(steps, ch.Scenario.Steps...)
				rng, ok := set.Source(f.Name, int(ch.Scenario.Location.Line))
				if !ok || !strings.Contains(hclLines[rng.Start.Line-1], `scenario "`+ch.Scenario.Name+`"`) {
					t.Errorf("%s: Scenario %q maps to %v (%v)", name, ch.Scenario.Name, rng, ok)
				}
				file, line, ok := SourceLine(f.Contents, int(ch.Scenario.Location.Line))
				if !ok || file != f.Name || line != rng.Start.Line {
					t.Errorf("%s: SourceLine(Scenario %q) = %s:%d %v, want %s:%d", name, ch.Scenario.Name, file, line, ok, f.Name, rng.Start.Line)
				}
			}
		}
		for _, s := range steps {
			rng, ok := set.Source(f.Name, int(s.Location.Line))
			if !ok || rng.Filename != f.Name || rng.Start.Line < 1 || rng.Start.Line > len(hclLines) {
				t.Errorf("%s: step %q at line %d maps to %v (%v)", name, s.Text, s.Location.Line, rng, ok)
				continue
			}
			// The comment names the block, which starts at or before the
			// attribute the exact map points to.
			file, line, ok := SourceLine(f.Contents, int(s.Location.Line))
			if !ok || file != f.Name || line > rng.Start.Line {
				t.Errorf("%s: SourceLine(step %q) = %s:%d %v, exact %d", name, s.Text, file, line, ok, rng.Start.Line)
			}
			if s.DataTable != nil {
				for _, row := range s.DataTable.Rows[1:] {
					rr, ok := set.Source(f.Name, int(row.Location.Line))
					if !ok || !strings.Contains(hclLines[rr.Start.Line-1], row.Cells[0].Value) {
						t.Errorf("%s: row %q maps to line %d (%v)", name, row.Cells[0].Value, rr.Start.Line, ok)
					}
				}
			}
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCompiledStepsMatchTheTable checks that every step the compiler
// writes, for the examples and the valid corpus, matches exactly one
// definition of the step table, and that the definition reads back the
// table cells Gherkin parses.
func TestCompiledStepsMatchTheTable(t *testing.T) {
	var sets []*Set
	for _, name := range exampleNames(t) {
		sets = append(sets, loadExample(t, name))
	}
	set, diags := loadFiles(Options{FS: os.DirFS("testdata/valid")}, "testdata/valid", ".")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	sets = append(sets, set)
	n := 0
	for _, set := range sets {
		for _, f := range set.Features() {
			_, pickles := parse(t, f.Name, f.Contents)
			for _, p := range pickles {
				for _, s := range p.Steps {
					n++
					hits := steps.Matching(s.Text)
					if len(hits) != 1 {
						t.Errorf("%s: step %q matches %d definitions", f.Name, s.Text, len(hits))
						continue
					}
					if (s.Argument != nil && s.Argument.DataTable != nil) != (hits[0].Table != nil) {
						t.Errorf("%s: step %q: table given %v, definition takes one %v", f.Name, s.Text, s.Argument != nil, hits[0].Table != nil)
					}
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d compiled steps", n)
	}
}
