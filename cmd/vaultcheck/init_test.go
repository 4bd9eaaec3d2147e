package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/version"
	"github.com/vaultcheck/vaultcheck/steps"
)

// TestInitProjectRunsWithoutGo makes a QA project with the built binary,
// then vets and runs it from the project, from the folder above and from
// elsewhere by absolute path, with nothing on PATH.
func TestInitProjectRunsWithoutGo(t *testing.T) {
	work := t.TempDir()
	r := runBinary(t, work, "init", "qa-suite")
	if r.code != exitOK {
		t.Fatalf("init: exit %d", r.code)
	}
	project := filepath.Join(work, "qa-suite")
	for _, f := range []string{"features/example.feature", steps.GlueFile, ".vscode/settings.json", ".vscode/extensions.json",
		"README.md", ".github/workflows/vaultcheck.yml", ".gitignore"} {
		if _, err := os.Stat(filepath.Join(project, f)); err != nil {
			t.Errorf("init did not write %s: %v", f, err)
		}
	}
	workflow, _ := os.ReadFile(filepath.Join(project, ".github/workflows/vaultcheck.yml"))
	for _, want := range []string{"VAULTCHECK_VERSION: " + testVersion, "go install github.com/vaultcheck/vaultcheck/cmd/vaultcheck@\"$VAULTCHECK_VERSION\"",
		"vaultcheck run features/ --target"} {
		if !strings.Contains(string(workflow), want) {
			t.Errorf("the workflow lacks %q:\n%s", want, workflow)
		}
	}

	elsewhere := t.TempDir()
	for _, c := range []struct{ dir, path string }{
		{project, "features/"},
		{work, "qa-suite/features"},
		{elsewhere, filepath.Join(project, "features")},
		{filepath.Join(project, "features"), "."},
	} {
		if r := runBinary(t, c.dir, "vet", c.path); r.code != exitOK || !strings.Contains(r.stdout, "1 feature files and 0 HCL scenario files ok") {
			t.Errorf("vet %s from %s: exit %d", c.path, c.dir, r.code)
		}
		r := runBinary(t, c.dir, "run", c.path)
		if r.code != exitOK || !strings.Contains(r.stdout, "1 scenarios (1 passed)") {
			t.Errorf("run %s from %s: exit %d", c.path, c.dir, r.code)
		}
	}
}

// TestInitRefusesToOverwrite checks that init writes nothing over an
// existing file without --force, says which, and exits 2.
func TestInitRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	if code, _, _ := runMain(t, "init", dir); code != exitOK {
		t.Fatalf("init: exit %d", code)
	}
	mine := filepath.Join(dir, "features", "example.feature")
	if err := os.WriteFile(mine, []byte("Feature: mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "README.md"))
	code, _, stderr := runMain(t, "init", dir)
	if code != exitUsage || !strings.Contains(stderr, mine) || !strings.Contains(stderr, "--force") {
		t.Fatalf("init over a project: exit %d, stderr %q; want 2 naming %s", code, stderr, mine)
	}
	if got, _ := os.ReadFile(mine); string(got) != "Feature: mine\n" {
		t.Fatal("init overwrote a feature")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
		t.Fatal("init wrote some files after refusing")
	}
	if code, _, _ := runMain(t, "init", "--force", dir); code != exitOK {
		t.Fatalf("init --force: exit %d", code)
	}
	if got, _ := os.ReadFile(mine); string(got) == "Feature: mine\n" {
		t.Fatal("init --force did not write the example")
	}
	if code, _, _ := runMain(t, "init"); code != exitUsage {
		t.Fatalf("init without DIR: exit %d, want 2", code)
	}
}

// TestUndefinedStepHelpInAQAProject checks the help for a misspelt step
// in a QA project: vet and run show it at its line with the closest
// phrases, their kind and what they do, before any target is contacted.
func TestUndefinedStepHelpInAQAProject(t *testing.T) {
	work := t.TempDir()
	if r := runBinary(t, work, "init", "qa"); r.code != exitOK {
		t.Fatalf("init: exit %d", r.code)
	}
	typo := "Feature: typo\n  Scenario: a misspelt step\n    Given Alice is a registerd user\n    When Alice share \"My Car\" with Bob\n"
	if err := os.WriteFile(filepath.Join(work, "qa", "features", "typo.feature"), []byte(typo), 0o644); err != nil {
		t.Fatal(err)
	}
	wants := []string{
		`features/typo.feature:3:11: undefined step: "Alice is a registerd user" matches no step of the step table`,
		"user.registered (action): <User> is a registered user — Signs the user up with a random password.",
		`features/typo.feature:4:10: undefined step: "Alice share \"My Car\" with Bob"`,
		"share.item (action): <Sender> shares",
	}
	vet := runBinary(t, filepath.Join(work, "qa"), "vet", "features/")
	run := runBinary(t, filepath.Join(work, "qa"), "run", "features/", "--target", "http://127.0.0.1:1")
	for name, r := range map[string]result{"vet": vet, "run": {run.code, run.stdout, run.stderr}} {
		if r.code != exitUsage {
			t.Errorf("%s: exit %d, want 2", name, r.code)
		}
		for _, want := range wants {
			if !strings.Contains(r.stdout+r.stderr, want) {
				t.Errorf("%s does not show %q", name, want)
			}
		}
		if strings.Contains(r.stdout+r.stderr, "func ") || strings.Contains(r.stdout+r.stderr, "unreachable") {
			t.Errorf("%s shows a Go snippet or contacted the target", name)
		}
	}
}

// TestInstallVersion checks the version init pins the CI workflow to.
func TestInstallVersion(t *testing.T) {
	const commit = "354e08c20b5ebe7be2b088beacfece4997c5c4aa"
	tests := []struct {
		info version.Info
		want string
		warn string
	}{
		{version.Info{Version: "v1.2.0", Commit: commit}, "v1.2.0", ""},
		{version.Info{Version: version.Devel, Commit: commit}, commit, ""},
		{version.Info{Version: version.Devel, Commit: commit, Modified: true}, commit, "uncommitted changes"},
		{version.Info{Version: version.Devel}, "", "no version"},
	}
	for _, tt := range tests {
		v, warn := installVersion(tt.info)
		if v != tt.want || (tt.warn == "") != (warn == "") || !strings.Contains(warn, tt.warn) {
			t.Errorf("installVersion(%+v) = %q, %q; want %q and a warning with %q", tt.info, v, warn, tt.want, tt.warn)
		}
	}
}
