package steps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// glueFiles are the generated editor files, relative to the repository,
// with their writers.
var glueFiles = []struct {
	path  string
	write func(*bytes.Buffer) error
}{
	{GlueFile, func(b *bytes.Buffer) error { return WriteGlue(b) }},
	{".vscode/settings.json", func(b *bytes.Buffer) error { return WriteEditorSettings(b) }},
	{".vscode/extensions.json", func(b *bytes.Buffer) error { _, err := b.WriteString(EditorExtensions); return err }},
}

// TestGlueIsCurrent fails when the editor glue or settings no longer match
// the step table; go test ./steps -run Glue -update rewrites them.
func TestGlueIsCurrent(t *testing.T) {
	for _, f := range glueFiles {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("..", filepath.FromSlash(f.path))
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./steps -run Glue -update)", f.path, err)
		}
		if !bytes.Equal(got, b.Bytes()) {
			t.Errorf("%s is stale: run go test ./steps -run Glue -update", f.path)
		}
	}
}

// TestGlueStaysOutOfTheBuild checks the glue's build constraint: the file
// must never be compiled into anything.
func TestGlueStaysOutOfTheBuild(t *testing.T) {
	var b bytes.Buffer
	if err := WriteGlue(&b); err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(b.String(), "\npackage ")
	if !regexp.MustCompile(`(?m)^//go:build ignore$`).MatchString(head) {
		t.Fatalf("the glue has no //go:build ignore before its package clause:\n%s", head)
	}
	if !strings.HasPrefix(b.String(), "// Code generated ") || !strings.Contains(head, "DO NOT EDIT.") {
		t.Fatal("the glue does not say it is generated")
	}
}

// cucumberRegexp translates a Cucumber Expression of the glue into a Go
// regexp, as the Cucumber Expressions library does (written here apart
// from the generator, so that each checks the other): \x is x, {name} the
// parameter type's regexp in a group, (text) optional text, a/b a choice
// of words between spaces.
func cucumberRegexp(t *testing.T, expr string, types map[string]string) *regexp.Regexp {
	t.Helper()
	var b strings.Builder
	for i, word := range strings.Split(expr, " ") {
		if i > 0 {
			b.WriteString(" ")
		}
		if strings.Contains(strings.ReplaceAll(word, `\/`, ""), "/") && !strings.ContainsAny(word, "{(") {
			alts := strings.Split(word, "/")
			for j := range alts {
				alts[j] = regexp.QuoteMeta(alts[j])
			}
			b.WriteString("(?:" + strings.Join(alts, "|") + ")")
			continue
		}
		for k := 0; k < len(word); k++ {
			switch c := word[k]; c {
			case '\\':
				k++
				b.WriteString(regexp.QuoteMeta(word[k : k+1]))
			case '{':
				end := strings.IndexByte(word[k:], '}')
				name := word[k+1 : k+end]
				re, ok := types[name]
				if !ok {
					t.Fatalf("%q: no parameter type %s", expr, name)
				}
				b.WriteString("(" + re + ")")
				k += end
			case '(':
				end := strings.IndexByte(word[k:], ')')
				b.WriteString("(?:" + regexp.QuoteMeta(word[k+1:k+end]) + ")?")
				k += end
			default:
				b.WriteString(regexp.QuoteMeta(word[k : k+1]))
			}
		}
	}
	return regexp.MustCompile("^" + b.String() + "$")
}

// TestGlueMatchesWhatTheTableMatches checks every step text of the
// features, and near misses of them, against the glue's expressions: a
// text the step table matches with one definition must match exactly one
// expression of that definition's ID; a text the table does not match,
// none.
func TestGlueMatchesWhatTheTableMatches(t *testing.T) {
	glue, types, err := Glue()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for _, pt := range types {
		byName[pt.Name] = pt.Regexp
	}
	res := make([]*regexp.Regexp, len(glue))
	ids := map[string]bool{}
	for i, g := range glue {
		res[i] = cucumberRegexp(t, g.Expression, byName)
		ids[g.ID] = true
	}
	if len(ids) != len(table) {
		t.Fatalf("the glue has %d step IDs, the table %d", len(ids), len(table))
	}
	var texts []string
	for text := range pickleSteps(t) {
		texts = append(texts, text,
			strings.ToLower(text[:1])+text[1:],          // a name that is not one
			strings.Replace(text, `"`, `'`, 2),          // single quotes
			strings.Replace(text, `"`, `""`, 1),         // a quote inside quoted text
			strings.Replace(text, " ", "  ", 1),         // a doubled space
			strings.Replace(text, "shares", "share", 1), // a misspelling
			text+" again", text+" allowing on-sharing",  // optional endings
			strings.Replace(text, "1 ", "-1 ", 1), // a negative number
		)
	}
	matched := 0
	for _, text := range texts {
		want := Matching(text)
		var got []GlueStep
		for i, re := range res {
			if re.MatchString(text) {
				got = append(got, glue[i])
			}
		}
		switch {
		case len(want) == 0 && len(got) == 0:
		case len(want) == 1 && len(got) == 1 && got[0].ID == want[0].ID:
			matched++
		default:
			t.Errorf("%q: the table matches %s, the glue %s", text, idsOf(want), glueIDs(got))
		}
	}
	if matched == 0 {
		t.Fatal("no step text matched")
	}
}

func idsOf(ds []Definition) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.ID)
	}
	return fmt.Sprint(s)
}

func glueIDs(gs []GlueStep) string {
	var s []string
	for _, g := range gs {
		s = append(s, g.ID+" `"+g.Expression+"`")
	}
	return fmt.Sprint(s)
}

// TestGlueRefusesWhatItCannotWrite shows the generator's guards: one key
// with two patterns, and alternatives that touch other text, which get a
// parameter type of their own instead of a Cucumber alternation.
func TestGlueRefusesWhatItCannotWrite(t *testing.T) {
	h := func(string) error { return nil }
	clash := []Definition{
		compileDefinition(def(KindCheck, "x.a", `{who:name} waves`, "A.", h)),
		compileDefinition(def(KindCheck, "x.b", `{who:text} waves`, "B.", h)),
	}
	if _, _, err := glueOf(clash); err == nil || !strings.Contains(err.Error(), "parameter who matches") {
		t.Errorf("a key with two patterns: err = %v", err)
	}
	touching := []Definition{compileDefinition(def(KindCheck, "x.c", `{who:name} waves {side:left|right}-handed`, "C.",
		func(string, string) error { return nil }))}
	glue, types, err := glueOf(touching)
	if err != nil {
		t.Fatal(err)
	}
	if glue[0].Expression != `{who} waves {side}-handed` || len(types) != 2 || types[0].Name != "side" || types[0].Regexp != `(?:left|right)` {
		t.Errorf("alternatives touching text: %q %v", glue[0].Expression, types)
	}
	builtin := []Definition{compileDefinition(def(KindCheck, "x.d", `{int:number} waves`, "D.", func(int) error { return nil }))}
	if _, _, err := glueOf(builtin); err == nil || !strings.Contains(err.Error(), "built-in") {
		t.Errorf("a key named like a built-in type: err = %v", err)
	}
}

// TestEditorSettingsShape checks the settings the Cucumber extension reads.
func TestEditorSettingsShape(t *testing.T) {
	var b bytes.Buffer
	if err := WriteEditorSettings(&b); err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"cucumber.features", "cucumber.glue", "cucumber.parameterTypes"} {
		if _, ok := s[key]; !ok {
			t.Errorf("settings lack %s", key)
		}
	}
	if _, err := regexp.Compile(fmt.Sprint(s["cucumber.parameterTypes"].([]any)[0].(map[string]any)["regexp"])); err != nil {
		t.Error(err)
	}
}
