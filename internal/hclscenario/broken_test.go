package hclscenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// noEnv is an environment with nothing set, so that env() errors are the
// same on every machine.
func noEnv(string) (string, bool) { return "", false }

// TestBrokenGolden loads each file of the broken corpus and compares its
// diagnostics, one "file:line:col: summary: detail" line each, with the
// golden .diag file beside it.
func TestBrokenGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/broken/*.hcl")
	if err != nil || len(files) < 20 {
		t.Fatalf("broken corpus: %v, %d files (want at least 20)", err, len(files))
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".hcl"), func(t *testing.T) {
			opts := Options{FS: os.DirFS("testdata/broken"), LookupEnv: noEnv}
			set, diags := loadFiles(opts, "testdata/broken", name)
			if !diags.HasErrors() {
				t.Fatalf("%s loads without errors", name)
			}
			if len(set.Features()) != 0 {
				t.Errorf("%s: a file with errors must compile to nothing", name)
			}
			var b strings.Builder
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without position: %s", FormatDiagnostic(d))
				}
				b.WriteString(FormatDiagnostic(d))
				b.WriteByte('\n')
				if x := Excerpt(set.Files(), d.Subject); x != "" {
					b.WriteString(x)
					b.WriteByte('\n')
				}
			}
			golden(t, strings.TrimSuffix(path, ".hcl")+".diag", []byte(b.String()))

		})
	}
}

// TestDiagnosticsSorted checks that diagnostics come in file order, which
// the golden files would not catch if the order happened to be right.
func TestDiagnosticsSorted(t *testing.T) {
	_, diags := loadFiles(Options{FS: os.DirFS("testdata/broken"), LookupEnv: noEnv}, "", ".")
	if len(diags) < 40 {
		t.Fatalf("only %d diagnostics for the whole corpus", len(diags))
	}
	for i := 1; i < len(diags); i++ {
		a, b := diags[i-1].Subject, diags[i].Subject
		if a.Filename > b.Filename || (a.Filename == b.Filename && a.Start.Byte > b.Start.Byte) {
			t.Errorf("diagnostic %d (%s) comes before %d (%s)", i-1, FormatDiagnostic(diags[i-1]), i, FormatDiagnostic(diags[i]))
		}
	}
}
