package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
)

const vetBrokenDir = "../../internal/hclscenario/testdata/broken"

func vetMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// withDefs installs step definitions for one test.
func vetWithDefs(t *testing.T, patterns ...string) {
	t.Helper()
	var defs []hclscenario.StepDef
	for _, p := range patterns {
		defs = append(defs, hclscenario.StepDef{Pattern: regexp.MustCompile(p), Text: p})
	}
	old := stepDefinitions
	stepDefinitions = func() []hclscenario.StepDef { return defs }
	t.Cleanup(func() { stepDefinitions = old })
}

// TestVetBrokenCorpus runs vet on every broken scenario file: each must
// exit 2 and print every problem of its golden diagnostics file.
func TestVetBrokenCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(vetBrokenDir, "*.hcl"))
	if len(files) < 20 {
		t.Fatalf("%d broken files, want at least 20", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, errOut := vetMain(t, "vet", f)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, exitUsage, out, errOut)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".hcl") + ".diag")
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
				line = strings.ReplaceAll(line, "testdata/broken/", vetBrokenDir+"/")
				if !strings.Contains(out, line+"\n") {
					t.Errorf("output lacks %q:\n%s", line, out)
				}
			}
			if !regexp.MustCompile(`(?m)^vet: \d+ problems? in 0 feature files and 1 HCL scenario files$`).MatchString(out) {
				t.Errorf("no summary line:\n%s", out)
			}
		})
	}
}

// TestVetEmbedded vets the embedded features and scenarios against the
// real step library: every step of both front ends must match exactly one
// definition.
func TestVetEmbedded(t *testing.T) {
	code, out, errOut := vetMain(t, "vet")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if !regexp.MustCompile(`^vet: \d+ feature files and \d+ HCL scenario files ok\n$`).MatchString(out) {
		t.Errorf("summary:\n%s", out)
	}

	old := stepDefinitions
	stepDefinitions = nil
	t.Cleanup(func() { stepDefinitions = old })
	if code, out, _ := vetMain(t, "vet"); code != exitOK || !strings.Contains(out, "(step definitions not linked into this build") {
		t.Errorf("without definitions: exit %d\n%s", code, out)
	}
}

func TestVetSteps(t *testing.T) {
	dir := t.TempDir()
	feature := "Feature: f\n\n  Scenario: s\n    Given users Alice and Bob are registered\n    When Alice sharez \"My Car\" with Bob\n"
	os.WriteFile(filepath.Join(dir, "f.feature"), []byte(feature), 0o644)
	hclSrc := `
user "alice" {}
user "bob" {}
connection "c" {
  from = user.alice
  to   = user.bob
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  slots    = { vin = "V" }
}
scenario "s" {
  share "s" {
    item = item.car
    to   = user.bob
  }
}
`
	os.WriteFile(filepath.Join(dir, "s.hcl"), []byte(hclSrc), 0o644)
	vetWithDefs(t,
		`^users (.+) are registered$`,
		`^(\w+) shares "([^"]*)" with (\w+)$`,
		`^(\w+) has a "([^"]*)" item "([^"]*)" with:$`,
	)
	code, out, _ := vetMain(t, "vet", dir)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	for _, want := range []string{
		filepath.Join(dir, "f.feature") + `:5:10: undefined step "Alice sharez \"My Car\" with Bob"; did you mean "^(\\w+) shares \"([^\"]*)\" with (\\w+)$"?`,
		// The connection step is not defined: reported at the HCL block.
		filepath.Join(dir, "s.hcl") + `:6:10: Step has no single definition: undefined step "Alice and Bob are connected"`,
		"vet: 2 problems in 1 feature files and 1 HCL scenario files",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks\n%s\nin\n%s", want, out)
		}
	}

	// With every phrase defined, the same folder is clean.
	vetWithDefs(t,
		`^users (.+) are registered$`,
		`^(\w+) shares? "([^"]*)" with (\w+)$`,
		`^(\w+) sharez "([^"]*)" with (\w+)$`,
		`^(\w+) has a "([^"]*)" item "([^"]*)" with:$`,
		`^(\w+) and (\w+) are connected$`,
	)
	if code, out, _ := vetMain(t, "vet", dir); code != exitOK || !strings.Contains(out, "vet: 1 feature files and 1 HCL scenario files ok\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestVetUsage(t *testing.T) {
	if code, _, errOut := vetMain(t, "vet", "no/such/path.hcl"); code != exitUsage || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing path: exit %d, %s", code, errOut)
	}
	if code, _, errOut := vetMain(t, "vet", "--var", "novalue"); code != exitUsage || !strings.Contains(errOut, "want NAME=VALUE") {
		t.Errorf("bad --var: exit %d, %s", code, errOut)
	}
	if code, _, errOut := vetMain(t, "vet", "vet.go"); code != exitUsage || !strings.Contains(errOut, "not a scenario file") {
		t.Errorf("wrong file type: exit %d, %s", code, errOut)
	}
}

func TestVetVarsAndExcerpts(t *testing.T) {
	dir := t.TempDir()
	src := `
variable "pw" {}
user "alice" { password = var.pw }
scenario "s" {
  user "bob" {}
}
`
	p := filepath.Join(dir, "v.hcl")
	os.WriteFile(p, []byte(src), 0o644)
	code, out, _ := vetMain(t, "vet", "--excerpts", p)
	if code != exitUsage || !strings.Contains(out, p+`:2:1: Variable without value`) || !strings.Contains(out, "on "+p+" line 2") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if code, out, _ := vetMain(t, "vet", "--var", "pw=secret", p); code != exitOK {
		t.Errorf("with --var: exit %d:\n%s", code, out)
	}
}

// TestVetValidCorpus vets the corpus that uses every attribute of the HCL
// language against the real step library: every phrase the compiler can
// write (option combinations, they/their, one slot) must be defined.
func TestVetValidCorpus(t *testing.T) {
	code, out, errOut := vetMain(t, "vet", "../../internal/hclscenario/testdata/valid", "../../scenarios")
	if code != exitOK || !strings.HasSuffix(out, "HCL scenario files ok\n") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
}

// TestCompiledVariantsMatchSteps compiles near-valid variants of every
// valid HCL file (one line deleted, two lines swapped) and checks every
// step of whatever compiles against the real step library: whatever the
// checker lets through, the steps must run.
func TestCompiledVariantsMatchSteps(t *testing.T) {
	defs := stepDefinitions()
	var files []string
	for _, glob := range []string{"../../scenarios/*.hcl", "../../internal/hclscenario/testdata/valid/*.hcl"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	compiled := 0
	for _, p := range files {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(src), "\n")
		for i := range lines {
			variant := strings.Join(append(append([]string{}, lines[:i]...), lines[i+1:]...), "\n")
			set, diags := hclscenario.Options{LookupEnv: func(string) (string, bool) { return "", false }}.Compile(p, []byte(variant))
			if diags.HasErrors() {
				continue
			}
			compiled++
			for _, d := range set.CheckSteps(defs) {
				t.Errorf("%s without line %d: %s", p, i+1, hclscenario.FormatDiagnostic(d))
			}
		}
	}
	if compiled < 50 {
		t.Errorf("only %d variants compiled", compiled)
	}
}

func TestVetGherkinSyntax(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.feature")
	os.WriteFile(p, []byte("Feature: f\n  Scenario: s\n    Given users Alice and Bob are registered\n  Examples:\n    | a |\n  Foo bar\n"), 0o644)
	code, out, _ := vetMain(t, "vet", p)
	if code != exitUsage || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(p)+`:\d+:\d+: Gherkin syntax: `).MatchString(out) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
