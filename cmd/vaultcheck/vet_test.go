package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const vetBrokenDir = "../../internal/hclscenario/testdata/broken"

func vetMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
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

}

// TestVetSteps checks that vet reports an undefined step at its line with
// the closest phrases of the catalog, their kind and doc, and where the
// step table is: the help godog's Go snippet does not give.
func TestVetSteps(t *testing.T) {
	dir := t.TempDir()
	feature := "Feature: f\n\n  Scenario: s\n    Given users Alice and Bob are registered\n    When Alice sharez \"My Car\" with Bob\n"
	os.WriteFile(filepath.Join(dir, "f.feature"), []byte(feature), 0o644)
	code, out, _ := vetMain(t, "vet", dir)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	for _, want := range []string{
		filepath.Join(dir, "f.feature") + `:5:10: undefined step: "Alice sharez \"My Car\" with Bob" matches no step of the step table`,
		"    closest steps:\n      share.item (action): <Sender> shares [slot",
		"every step: steps/CATALOG.md, or `vaultcheck steps`",
		"vet: 1 problem in 1 feature files and 0 HCL scenario files",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks\n%s\nin\n%s", want, out)
		}
	}
	if strings.Contains(out, "func InitializeScenario") {
		t.Errorf("vet prints godog's Go snippet:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "f.feature"), []byte(strings.Replace(feature, "sharez", "shares", 1)), 0o644)
	if code, out, _ := vetMain(t, "vet", dir); code != exitOK || !strings.Contains(out, "vet: 1 feature files and 0 HCL scenario files ok\n") {
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

func TestVetGherkinSyntax(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.feature")
	os.WriteFile(p, []byte("Feature: f\n  Scenario: s\n    Given users Alice and Bob are registered\n  Examples:\n    | a |\n  Foo bar\n"), 0o644)
	code, out, _ := vetMain(t, "vet", p)
	if code != exitUsage || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(p)+`:\d+:\d+: Gherkin syntax: `).MatchString(out) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// TestVetUnreadableFiles checks that files godog cannot read are
// diagnostics, never a crash: a line of 64 KiB or more (Gherkin's parser
// panics on it) and a binary file, whose bytes are quoted and cut, never
// echoed raw.
func TestVetUnreadableFiles(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, "long.feature")
	os.WriteFile(long, []byte("Feature: f\n  Scenario: s\n    Given Alice registers with password \""+strings.Repeat("a", 70000)+"\"\n"), 0o644)
	bin := filepath.Join(dir, "bin.feature")
	junk := make([]byte, 1<<20)
	for i := range junk {
		junk[i] = byte(i*7 + i/256)
	}
	os.WriteFile(bin, junk, 0o644)
	code, out, errOut := vetMain(t, "vet", dir)
	if code != exitUsage || errOut != "" {
		t.Fatalf("exit %d, stderr %q, want 2 and nothing on stderr", code, errOut)
	}
	if !strings.Contains(out, long+":3:1: line too long: the line is 70042 bytes long; Gherkin reads lines of at most 65535 bytes") {
		t.Errorf("no line-too-long problem:\n%.2000s", out)
	}
	if !regexp.MustCompile(regexp.QuoteMeta(bin) + `:1:1: not a text file: a NUL byte in "\\x00\\a`).MatchString(out) {
		t.Errorf("no binary-file problem:\n%.2000s", out)
	}
	if len(out) > 4000 || strings.ContainsAny(out, "\x00\x07\x1b") {
		t.Errorf("vet echoes the files (%d bytes of output)", len(out))
	}
}
