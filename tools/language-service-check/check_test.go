// Package lscheck checks vaultcheck's editor support with Cucumber's own
// tooling: it runs @cucumber/language-service (the engine of Cucumber's VS
// Code extension and of @cucumber/language-server) in node over the
// repository, as the language server indexes a workspace, and checks what
// an editor would show against the step table.
//
// It needs node and npm; the packages are pinned by package-lock.json and
// installed into node_modules here with `npm ci` when missing.
package lscheck

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/qaproject"
	"github.com/vaultcheck/vaultcheck/internal/suite"
	"github.com/vaultcheck/vaultcheck/steps"
)

// Input is what check.mjs reads on stdin.
type Input struct {
	Root    string   `json:"root"`
	Probes  []Probe  `json:"probes,omitempty"`
	Compose *Compose `json:"compose,omitempty"`
}

// Probe is a feature an editor has open, and where completion is asked.
type Probe struct {
	Name        string     `json:"name"`
	Text        string     `json:"text"`
	Completions []Position `json:"completions,omitempty"`
}

// Position is an LSP position: line and character from 0.
type Position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// Compose asks for a feature written only by choosing completions.
type Compose struct {
	Header string        `json:"header"`
	Steps  []ComposeStep `json:"steps"`
}

// ComposeStep is one step typed in part, then completed with the
// completion labelled Pick, each placeholder given Choices in order.
type ComposeStep struct {
	Keyword string   `json:"keyword"`
	Typed   string   `json:"typed"`
	Pick    string   `json:"pick"`
	Choices []string `json:"choices,omitempty"`
	After   []string `json:"after,omitempty"`
}

// Output is what check.mjs reports.
type Output struct {
	Expressions []struct {
		Source string `json:"source"`
		URI    string `json:"uri"`
		Line   int    `json:"line"`
	} `json:"expressions"`
	Errors         []string `json:"errors"`
	ParameterTypes int      `json:"parameterTypes"`
	Features       []struct {
		File        string       `json:"file"`
		Diagnostics []Diagnostic `json:"diagnostics"`
		Steps       []struct {
			Line  int    `json:"line"`
			Text  string `json:"text"`
			Links []struct {
				URI        string `json:"uri"`
				Line       int    `json:"line"`
				RangeStart int    `json:"rangeStart"`
				Expression string `json:"expression"`
			} `json:"links"`
		} `json:"steps"`
		PickleSteps []struct {
			Text    string   `json:"text"`
			Matches []string `json:"matches"`
		} `json:"pickleSteps"`
	} `json:"features"`
	Suggestions []struct {
		Label   string `json:"label"`
		Matched bool   `json:"matched"`
	} `json:"suggestions"`
	Probes []struct {
		Name        string         `json:"name"`
		Diagnostics []Diagnostic   `json:"diagnostics"`
		Completions [][]Completion `json:"completions"`
	} `json:"probes"`
	Composed *struct {
		Text     string   `json:"text"`
		Problems []string `json:"problems"`
	} `json:"composed"`
}

// Diagnostic is one thing the editor underlines.
type Diagnostic struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Completion is one completion item.
type Completion struct {
	Label   string `json:"label"`
	NewText string `json:"newText"`
}

var installOnce sync.Once

// languageService runs check.mjs with in and returns its report. It skips
// the test when node or npm are missing, and installs the locked packages
// when they are not installed yet.
func languageService(t *testing.T, in Input) *Output {
	t.Helper()
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		const msg = "node and npm are needed to run Cucumber's language service (see tools/language-service-check/README.md)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; CI must install them, so this check is never skipped there")
		}
		t.Skip(msg)
	}
	var installErr error
	installOnce.Do(func() {
		if _, err := os.Stat(filepath.Join("node_modules", "@cucumber", "language-service", "package.json")); err == nil {
			return
		}
		// The WASM parsers ship inside the package: no install script and
		// no optional native parser is needed.
		cmd := exec.Command(npm, "ci", "--ignore-scripts", "--omit=optional", "--no-audit", "--no-fund", "--prefer-offline")
		out, err := cmd.CombinedOutput()
		if err != nil {
			installErr = &installError{err: err, out: string(out)}
		}
	})
	if installErr != nil {
		t.Fatal(installErr)
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "check.mjs")
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node check.mjs: %v\n%s", err, stderr.String())
	}
	var out Output
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("check.mjs output: %v\n%.2000s", err, stdout.String())
	}
	return &out
}

type installError struct {
	err error
	out string
}

func (e *installError) Error() string { return "npm ci: " + e.err.Error() + "\n" + e.out }

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// glueIDs maps each glue expression to its step ID.
func glueIDs(t *testing.T) map[string]string {
	t.Helper()
	glue, _, err := steps.Glue()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, g := range glue {
		ids[g.Expression] = g.ID
	}
	return ids
}

// checkProject checks what the language service sees in a project: every
// expression of the glue and nothing else, no errors, and every step of
// every feature resolving to exactly the definition vaultcheck runs.
func checkProject(t *testing.T, out *Output, wantFeatures int) {
	t.Helper()
	ids := glueIDs(t)
	if n := len(out.Errors); n > 0 {
		t.Errorf("the language service reports %d errors, the first: %q", n, out.Errors[:min(n, 3)])
	}
	var got []string
	for _, e := range out.Expressions {
		got = append(got, e.Source)
		if _, ok := ids[e.Source]; !ok {
			t.Errorf("the language service found %q, which is not in the glue", e.Source)
		}
	}
	if len(got) != len(ids) {
		t.Errorf("the language service found %d step definitions, the glue has %d", len(got), len(ids))
	}
	if len(out.Features) < wantFeatures {
		t.Fatalf("the language service found %d feature files, want at least %d", len(out.Features), wantFeatures)
	}
	nsteps := 0
	for _, f := range out.Features {
		for _, d := range f.Diagnostics {
			t.Errorf("%s:%d: the editor underlines: %s", f.File, d.Line, d.Message)
		}
		for _, st := range f.Steps {
			nsteps++
			if strings.Contains(st.Text, "<") && len(st.Links) == 0 {
				// A step with an outline's <placeholder>: the language
				// service looks definitions up by the raw text, which no
				// phrase matches; its expanded steps are checked below.
				continue
			}
			if len(st.Links) != 1 {
				t.Errorf("%s:%d: %q goes to %d definitions, want 1", f.File, st.Line, st.Text, len(st.Links))
				continue
			}
			want := steps.Matching(st.Text)
			if len(want) != 1 || ids[st.Links[0].Expression] != want[0].ID {
				t.Errorf("%s:%d: %q goes to %q, vaultcheck runs %v", f.File, st.Line, st.Text, st.Links[0].Expression, want)
			}
			if st.Links[0].RangeStart >= st.Links[0].Line {
				t.Errorf("%s:%d: the definition's range starts at line %d, not above its pattern at line %d (the documentation would not show)",
					f.File, st.Line, st.Links[0].RangeStart, st.Links[0].Line)
			}
		}
		for _, ps := range f.PickleSteps {
			want := steps.Matching(ps.Text)
			if len(ps.Matches) != 1 || len(want) != 1 || ids[ps.Matches[0]] != want[0].ID {
				t.Errorf("%s: the step %q matches %q in the editor, %d step(s) in vaultcheck", f.File, ps.Text, ps.Matches, len(want))
			}
		}
	}
	if nsteps == 0 {
		t.Fatal("no steps seen")
	}
}

// TestLanguageServiceOverTheRepository indexes the repository as the
// Cucumber extension does with .vscode/settings.json.
func TestLanguageServiceOverTheRepository(t *testing.T) {
	root := repoRoot(t)
	probe := "Feature: probe\n  Scenario: typing\n" +
		"    Given Alice is a registered user\n" + // line 2: defined
		"    And Alice is a registerd user\n" + // 3: misspelt
		"    And alice is a registered user\n" + // 4: not a display name
		"    When Alice shares 'My Car' with Bob\n" + // 5: single quotes
		"    And Bob has -1 incoming shares\n" + // 6: a negative count
		"    Then Alice shares \"My Car\" with Bob again with terms \"T\" allowing on-sharing\n" + // 7: defined
		"    And Alice shar\n" + // 8: completion
		"    And Bob acc\n" // 9: completion
	out := languageService(t, Input{Root: root, Probes: []Probe{{Name: "typing", Text: probe,
		Completions: []Position{{Line: 8, Character: 18}, {Line: 9, Character: 15}}}}})
	checkProject(t, out, 8)

	// Completion offers every phrase of the table, whether or not a
	// feature uses it yet.
	labels := map[string]bool{}
	for _, s := range out.Suggestions {
		if s.Matched {
			labels[s.Label] = true
		}
	}
	for expr, id := range glueIDs(t) {
		if !labels[expr] {
			t.Errorf("completion does not offer %s: %q", id, expr)
		}
	}

	p := out.Probes[0]
	undefined := map[int]string{}
	for _, d := range p.Diagnostics {
		undefined[d.Line] = d.Message
	}
	for _, line := range []int{4, 5, 6, 7} {
		if !strings.HasPrefix(undefined[line], "Undefined step: ") {
			t.Errorf("probe line %d is not reported undefined: %v", line, p.Diagnostics)
		}
	}
	for _, line := range []int{3, 8} {
		if msg, bad := undefined[line]; bad {
			t.Errorf("probe line %d: a defined step is reported: %s", line, msg)
		}
	}
	wantItem := func(items []Completion, label, snippet string) {
		t.Helper()
		for _, it := range items {
			if it.Label == label {
				if !strings.Contains(it.NewText, snippet) {
					t.Errorf("completion %q inserts %q, want it to contain %q", label, it.NewText, snippet)
				}
				return
			}
		}
		var got []string
		for _, it := range items {
			got = append(got, it.Label)
		}
		t.Errorf("completion lacks %q; it offers %q", label, got)
	}
	wantItem(p.Completions[0], `{sender} shares "{label}" with {recipient}`, `shares "${2|`)
	wantItem(p.Completions[0], `{sender} shares slot "{slot}" of "{label}" with {recipient}`, `shares slot "`)
	wantItem(p.Completions[1], `{recipient} accepts the share of "{label}" from {sender}`, "accepts the share of")
}

// composeSteps is a scenario written by typing the start of each step and
// choosing a completion; only the data table is typed whole.
var composeSteps = []ComposeStep{
	{Keyword: "Given", Typed: "Alice is a reg", Pick: "{user} is a registered user", Choices: []string{"Alice"}},
	{Keyword: "And", Typed: "Bob is a reg", Pick: "{user} is a registered user", Choices: []string{"Bob"}},
	{Keyword: "And", Typed: "Alice and Bob are conn", Pick: "{user} and {other} are connected", Choices: []string{"Alice", "Bob"}},
	{Keyword: "And", Typed: "Alice has a", Pick: `{owner} has/creates a "{template}" item "{label}" with:`,
		Choices: []string{"Alice", "has", "vehicle", "My Car"},
		After:   []string{"      | slot | value             |", "      | vin  | 5YJ3E1EA7KF317000 |"}},
	{Keyword: "When", Typed: "Alice shares", Pick: `{sender} shares "{label}" with {recipient}`, Choices: []string{"Alice", "My Car", "Bob"}},
	{Keyword: "Then", Typed: "Bob has 1 inc", Pick: "{user} has {count} incoming share(s)", Choices: []string{"Bob", "1", "share"}},
	{Keyword: "And", Typed: "Bob sees the share", Pick: `{recipient} sees the share of "{label}" from {sender} with:`,
		Choices: []string{"Bob", "My Car", "Alice"},
		After:   []string{"      | slot | value             |", "      | vin  | 5YJ3E1EA7KF317000 |"}},
}

// TestAFeatureWrittenWithCompletionRuns writes a feature only by choosing
// the completions the language service offers, then vets and runs it
// against the fake Vault: what the editor proposes is what vaultcheck runs.
func TestAFeatureWrittenWithCompletionRuns(t *testing.T) {
	out := languageService(t, Input{Root: repoRoot(t), Compose: &Compose{
		Header: "Feature: Written with completion\n  Scenario: Alice shares her car with Bob\n", Steps: composeSteps}})
	if out.Composed == nil || len(out.Composed.Problems) > 0 {
		t.Fatalf("composing with completion: %v", out.Composed)
	}
	t.Logf("composed:\n%s", out.Composed.Text)
	file := filepath.Join(t.TempDir(), "completed.feature")
	if err := os.WriteFile(file, []byte(out.Composed.Text), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := suite.Load(context.Background(), suite.Options{Paths: []string{file}})
	if err != nil {
		t.Fatal(err)
	}
	if probs := append(slices.Clone(s.Problems), s.Check()...); len(probs) > 0 {
		t.Fatalf("vet: %v", probs)
	}
	if testing.Short() {
		return
	}
	var console bytes.Buffer
	code, err := harness.Run(context.Background(), harness.Options{Paths: []string{file}, Output: &console, Log: io.Discard})
	if code != harness.ExitPassed {
		t.Fatalf("run: exit %d, %v\n%s", code, err, console.String())
	}
}

// TestLanguageServiceOverAQAProject indexes a project made as `vaultcheck
// init` makes it: its own glue and settings, no Go.
func TestLanguageServiceOverAQAProject(t *testing.T) {
	dir := t.TempDir()
	if _, err := qaproject.Write(dir, qaproject.Options{Version: "v0.0.0-test"}); err != nil {
		t.Fatal(err)
	}
	out := languageService(t, Input{Root: dir})
	checkProject(t, out, 1)
}
