package hclscenario

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// FuzzLoad feeds arbitrary files to the loader. It must never panic, every
// problem must be a diagnostic about the file (not an internal error), and
// whatever compiles must be Gherkin that parses, with one scenario per
// "Scenario:" the compiler wrote, and compile the same way twice.
func FuzzLoad(f *testing.F) {
	for _, glob := range []string{"../../scenarios/*.hcl", "testdata/broken/*.hcl"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			f.Add(mustReadF(f, p))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		fsys := fstest.MapFS{"f.hcl": {Data: src}, "vin.txt": {Data: []byte("5YJ3E1EA7KF317000")}}
		opts := Options{FS: fsys, LookupEnv: noEnv}
		set, diags := loadFiles(opts, "", "f.hcl")
		for _, d := range diags {
			if d.Summary == internalError {
				t.Fatalf("%s", FormatDiagnostic(d))
			}
			_ = FormatDiagnostic(d)
		}
		var buf bytes.Buffer
		if err := WriteDiagnostics(&buf, set.Files(), diags, false); err != nil {
			t.Fatalf("WriteDiagnostics: %v", err)
		}
		if diags.HasErrors() {
			if len(set.Features()) != 0 {
				t.Fatal("features despite errors")
			}
			return
		}
		feats := set.Features()
		if len(feats) != 1 {
			t.Fatalf("%d features for one file", len(feats))
		}
		text := feats[0].Contents
		ids := &messages.Incrementing{}
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(text), ids.NewId)
		if err != nil {
			t.Fatalf("compiled Gherkin does not parse: %v\n%s", err, text)
		}
		pickles := gherkin.Pickles(*doc, "f.hcl", ids.NewId)
		if want := strings.Count(string(text), "\n  Scenario: "); len(pickles) != want {
			t.Fatalf("%d pickles, want %d:\n%s", len(pickles), want, text)
		}
		again, _ := loadFiles(opts, "", "f.hcl")
		if !bytes.Equal(again.Features()[0].Contents, text) {
			t.Fatal("compiling twice gives different text")
		}
	})
}

func mustReadF(f *testing.F, p string) []byte {
	f.Helper()
	b, err := readFile(p)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// TestLineMutations loads every file that checks with one line deleted,
// and with two neighbouring lines swapped. Byte-level fuzzing rarely gets
// past the parser; these near-valid files reach the checker and the
// compiler. None may panic or report an internal error, and whatever
// compiles must parse as Gherkin.
func TestLineMutations(t *testing.T) {
	var files []string
	for _, glob := range []string{"../../scenarios/*.hcl", "testdata/valid/*.hcl"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	n, compiled := 0, 0
	for _, p := range files {
		lines := strings.Split(string(mustRead(t, p)), "\n")
		var variants [][]string
		for i := range lines {
			variants = append(variants, append(append([]string{}, lines[:i]...), lines[i+1:]...))
			if i+1 < len(lines) {
				v := append([]string{}, lines...)
				v[i], v[i+1] = v[i+1], v[i]
				variants = append(variants, v)
			}
		}
		for _, v := range variants {
			n++
			src := []byte(strings.Join(v, "\n"))
			set, diags := Options{LookupEnv: noEnv}.Compile(Source{Name: "m.hcl", Src: src})
			for _, d := range diags {
				if d.Summary == internalError || d.Subject == nil {
					t.Fatalf("%s: %s\n%s", p, FormatDiagnostic(d), src)
				}
			}
			if diags.HasErrors() {
				continue
			}
			compiled++
			ids := &messages.Incrementing{}
			if _, err := gherkin.ParseGherkinDocument(bytes.NewReader(set.Features()[0].Contents), ids.NewId); err != nil {
				t.Fatalf("%s: compiled Gherkin does not parse: %v", p, err)
			}
		}
	}
	t.Logf("%d variants, %d compiled", n, compiled)
	if compiled == 0 || compiled == n {
		t.Errorf("%d of %d variants compiled: the mutations test nothing", compiled, n)
	}
}
