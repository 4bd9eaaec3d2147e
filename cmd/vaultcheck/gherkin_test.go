package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outlineRows are the example rows of the outline in
// features/slot_values.feature, by the name their scenario runs as.
var outlineRows = []struct {
	name  string
	cells []string
}{
	{"A vehicle item keeps its licence_plate (plain)", []string{"vehicle", "licence_plate", "plain", "ABC-123"}},
	{"A vehicle item keeps its model_make (accents)", []string{"vehicle", "model_make", "accents", "Škoda Octavia"}},
	{"A food item keeps its allergies (a list)", []string{"food", "allergies", "a list", "nuts, gluten; soy"}},
	{"A drink item keeps its beer (a pipe)", []string{"drink", "beer", "a pipe", "ale | lager"}},
}

// rowRe matches a table row of these cells, aligned any way; escape says
// the row is Gherkin source, where a | in a cell is written \|.
func rowRe(cells []string, escape bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`\|`)
	for _, c := range cells {
		if escape {
			c = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString(` *` + regexp.QuoteMeta(c) + ` *\|`)
	}
	return regexp.MustCompile(b.String())
}

// brokenSlotValues writes features/slot_values.feature with the outline's
// check expecting another value, so that every example row fails.
func brokenSlotValues(t *testing.T) (string, []byte) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "features", "slot_values.feature"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	then := strings.Index(s, "Then Alice sees her item")
	i := then + strings.Index(s[then:], "| <slot> | <value> |")
	broken := s[:i] + "| <slot> | x<value> |" + s[i+len("| <slot> | <value> |"):]
	file := filepath.Join(t.TempDir(), "slot_values.feature")
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, []byte(broken)
}

// lineOf is the number of the first line of src that re matches.
func lineOf(t *testing.T, src []byte, re *regexp.Regexp) int {
	t.Helper()
	for i, l := range strings.Split(string(src), "\n") {
		if re.MatchString(l) {
			return i + 1
		}
	}
	t.Fatalf("no line matches %s", re)
	return 0
}

// TestReportsNameExampleRows runs an outline whose example rows all fail
// and checks that every report format tells the rows apart: progress and
// JUnit by the scenario name with the row's values in it, cucumber JSON by
// name and the row's line, pretty by printing the row with its failure.
func TestReportsNameExampleRows(t *testing.T) {
	if testing.Short() {
		t.Skip("runs scenarios against the fake")
	}
	file, src := brokenSlotValues(t)
	dir := t.TempDir()
	junit, cucumber := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "cucumber.json")
	code, out, _ := runMain(t, "run", "--format", "progress,junit:"+junit+",cucumber:"+cucumber, file)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	failed := out[strings.Index(out, "--- Failed steps:"):]
	for _, r := range outlineRows {
		if !strings.Contains(failed, ": "+r.name+" # ") {
			t.Errorf("progress does not name the failed row %q", r.name)
		}
	}

	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{}
	for _, s := range suites.Suites {
		for _, c := range s.Cases {
			cases[c.Name] = c.Failure != nil
		}
	}
	for _, r := range outlineRows {
		if failed, ok := cases[r.name]; !ok || !failed {
			t.Errorf("junit: no failed test case named %q in %v", r.name, cases)
		}
	}

	data, err = os.ReadFile(cucumber)
	if err != nil {
		t.Fatal(err)
	}
	var feats []struct {
		Elements []struct {
			Name string `json:"name"`
			Line int    `json:"line"`
			ID   string `json:"id"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(data, &feats); err != nil {
		t.Fatal(err)
	}
	for _, r := range outlineRows {
		want := lineOf(t, src, rowRe(r.cells, true))
		found := false
		for _, e := range feats[0].Elements {
			if e.Name == r.name && e.Line == want {
				found = true
			}
		}
		if !found {
			t.Errorf("cucumber JSON: no scenario %q at the row's line %d", r.name, want)
		}
	}

	code, out, _ = runMain(t, "run", "--format", "pretty", file)
	if code != exitFailed {
		t.Fatalf("pretty: exit %d, want 1", code)
	}
	for _, r := range outlineRows {
		loc := rowRe(r.cells, true).FindStringIndex(out)
		if loc == nil {
			t.Errorf("pretty does not print the row %q", r.cells)
			continue
		}
		if next := out[loc[1]:]; !strings.Contains(next[:min(len(next), 300)], "decrypted value differs") {
			t.Errorf("pretty does not print the failure under the row %q", r.cells)
		}
	}
}

// TestFrenchFeatureRuns checks a feature in another Gherkin dialect: the
// keywords French, a Rule, an outline, the steps the catalog's phrases.
// It is kept out of features/, whose files document the protocol in the
// language of the phrases; here it shows that vet, run and the undefined
// step help work in any dialect.
func TestFrenchFeatureRuns(t *testing.T) {
	fr := filepath.Join("testdata", "fr.feature")
	if code, out, _ := runMain(t, "vet", fr); code != exitOK {
		t.Fatalf("vet: exit %d\n%s", code, out)
	}
	if !testing.Short() {
		code, out, _ := runMain(t, "run", fr)
		if code != exitOK || !strings.Contains(out, "2 scenarios (2 passed)") {
			t.Fatalf("run: exit %d\n%s", code, out)
		}
	}
	src, err := os.ReadFile(fr)
	if err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(t.TempDir(), "fr.feature")
	os.WriteFile(typo, []byte(strings.Replace(string(src), "Quand Alice shares", "Quand Alice partage", 1)), 0o644)
	code, out, _ := runMain(t, "vet", typo)
	if code != exitUsage || !strings.Contains(out, `:15:13: undefined step: "Alice partage \"Ma Zoé\" with Bob"`) {
		t.Fatalf("vet of a misspelt French feature: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "share.item (action)") {
		t.Errorf("the help does not offer share.item:\n%s", out)
	}
}
