package suite

import (
	"bytes"
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
)

// FuzzLoadFeature loads arbitrary bytes as a feature file. It must never
// panic; every problem must name a line of the file and show it quoted and
// cut (no raw control bytes, a bounded length); a file with more problems
// than maxFileProblems gets a bounded report; and a file the loader
// accepts must be one Gherkin, and so godog, reads without error.
func FuzzLoadFeature(f *testing.F) {
	files, _ := fs.Glob(vaultcheck.Suite, "features/*.feature")
	for _, p := range files {
		src, _ := fs.ReadFile(vaultcheck.Suite, p)
		f.Add(src)
	}
	f.Add([]byte("Feature: f\n  Scenario: s\n    Given Alice logs in\n      | a \\| b | \\n |\n    Then \"\"\"\n"))
	f.Add([]byte("# language: fr\nFonctionnalité: f\r\n  Scénario: s\r\n    Soit Alice logs in\r"))
	f.Add([]byte("Feature: f\n  Scenario Outline: <x>\n    Given <x> logs in\n    Examples:\n      | x |\n      | Alice |\n"))
	f.Add([]byte("\x00\x01\xff\xfe binary"))
	f.Add([]byte("Feature: f\n  Scenario: s\n    Given " + strings.Repeat("\u200b", 30000) + "\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fsys := fstest.MapFS{"f.feature": {Data: src}}
		s, err := Load(context.Background(), Options{FS: fsys, Paths: []string{"f.feature"}})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		probs := append(s.Problems, s.Check()...)
		if len(s.Problems) > maxFileProblems+3 {
			t.Fatalf("%d problems for one file", len(s.Problems))
		}
		lines := countLines(src)
		for _, p := range probs {
			if p.File != "f.feature" || p.Line < 1 || p.Line > lines+1 {
				t.Fatalf("problem not at a line of the file (%d lines): %s", lines, p.Head())
			}
			head := p.Head()
			if len(head) > 600 {
				t.Fatalf("problem of %d bytes: %.200q", len(head), head)
			}
			for _, r := range head {
				if unicode.IsControl(r) || r == unicode.ReplacementChar && !bytes.ContainsRune(src, r) {
					t.Fatalf("problem shows raw bytes: %q", head)
				}
			}
		}
		if len(s.Problems) > 0 {
			return
		}
		ids := &messages.Incrementing{}
		if _, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), ids.NewId); err != nil {
			t.Fatalf("the loader accepts a file Gherkin does not: %v", err)
		}
	})
}
