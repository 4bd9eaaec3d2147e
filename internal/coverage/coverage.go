// Package coverage tells which requirements of the catalogue
// (internal/requirements) the scenarios check, and how: it reads the
// requirement tags of a loaded suite (Gherkin @req:ID and @req:ID:neg, HCL
// requirements = [...], which compile to the same tags) and builds the
// table `vaultcheck requirements` prints, with the gaps: every MUST must
// be checked positively (the behaviour the rule requires happens) and
// negatively (what it forbids is refused or rejected).
package coverage

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/requirements"
	"github.com/vaultcheck/vaultcheck/internal/suite"
)

// Scenario is a scenario that names a requirement: where it is written
// (the .feature or .hcl file and the line of its Scenario keyword or
// scenario block) and its name.
type Scenario struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Name string `json:"name"`
}

// String is "file:line".
func (s Scenario) String() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// Row is one requirement with the scenarios that check it, each polarity
// in file order.
type Row struct {
	Requirement requirements.Requirement
	Positive    []Scenario
	Negative    []Scenario
}

// Missing names the polarities a MUST lacks: "positive", "negative", both
// joined by " and ", or "" when it has both (or is not a MUST).
func (r Row) Missing() string {
	if r.Requirement.Level != requirements.Must {
		return ""
	}
	var m []string
	if len(r.Positive) == 0 {
		m = append(m, "positive")
	}
	if len(r.Negative) == 0 {
		m = append(m, "negative")
	}
	return strings.Join(m, " and ")
}

// Table is the coverage of every requirement of the catalogue, in
// catalogue order.
type Table struct {
	Rows []Row
	// Scenarios is how many scenarios were read, Tagged how many of them
	// name at least one requirement.
	Scenarios, Tagged int
}

// Of builds the table of a loaded suite. Requirement tags that do not
// parse are left out here: the loader reports them (Suite.Check).
func Of(s *suite.Suite) Table {
	pos := map[string][]Scenario{}
	neg := map[string][]Scenario{}
	t := Table{}
	for _, f := range s.Files {
		for _, ft := range f.Features {
			seen := map[Scenario]bool{}
			for _, p := range ft.Pickles {
				sc := Scenario{File: f.Name, Name: p.Name}
				if len(p.AstNodeIds) > 0 {
					sc.Line = int(ft.Lines[p.AstNodeIds[0]])
				}
				if seen[sc] {
					continue // another row of an outline
				}
				seen[sc] = true
				t.Scenarios++
				var tags []string
				for _, tg := range p.Tags {
					tags = append(tags, tg.Name)
				}
				refs, _ := requirements.RefsOf(tags)
				if len(refs) > 0 {
					t.Tagged++
				}
				for _, r := range refs {
					if r.Negative {
						neg[r.ID] = append(neg[r.ID], sc)
					} else {
						pos[r.ID] = append(pos[r.ID], sc)
					}
				}
			}
		}
	}
	for _, r := range requirements.All() {
		t.Rows = append(t.Rows, Row{Requirement: r, Positive: sorted(pos[r.ID]), Negative: sorted(neg[r.ID])})
	}
	return t
}

func sorted(s []Scenario) []Scenario {
	slices.SortStableFunc(s, func(a, b Scenario) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	return s
}

// Gaps returns the MUST rows that lack a polarity, in catalogue order.
func (t Table) Gaps() []Row {
	var out []Row
	for _, r := range t.Rows {
		if r.Missing() != "" {
			out = append(out, r)
		}
	}
	return out
}

// Counts says how many requirements of a level there are and how many
// have a positive scenario, a negative one, and both.
type Counts struct {
	All, Positive, Negative, Both int
}

// Count tallies the rows of one level.
func (t Table) Count(l requirements.Level) Counts {
	var c Counts
	for _, r := range t.Rows {
		if r.Requirement.Level != l {
			continue
		}
		c.All++
		if len(r.Positive) > 0 {
			c.Positive++
		}
		if len(r.Negative) > 0 {
			c.Negative++
		}
		if len(r.Positive) > 0 && len(r.Negative) > 0 {
			c.Both++
		}
	}
	return c
}

// WriteText writes the table for a terminal: per area, each requirement's
// ID, level, statement and scenarios by polarity (file:line), the MUSTs
// that lack one marked; then the totals. With gapsOnly, only the MUSTs
// that lack a polarity are listed, each with what it lacks.
func (t Table) WriteText(w io.Writer, gapsOnly bool) error {
	ew := &errWriter{w: w}
	area := requirements.Area("")
	for _, r := range t.Rows {
		miss := r.Missing()
		if gapsOnly && miss == "" {
			continue
		}
		if r.Requirement.Area != area {
			area = r.Requirement.Area
			ew.printf("\n## %s\n", area)
		}
		req := r.Requirement
		if gapsOnly {
			ew.printf("%-20s %-6s lacks a %s scenario: %s\n", req.ID, req.Level, miss, req.Statement)
			continue
		}
		mark := ""
		if miss != "" {
			mark = "   <- lacks a " + miss + " scenario"
		}
		ew.printf("%-20s %-6s %s%s\n", req.ID, req.Level, req.Statement, mark)
		ew.printf("    positive: %s\n", list(r.Positive))
		ew.printf("    negative: %s\n", list(r.Negative))
	}
	must, should := t.Count(requirements.Must), t.Count(requirements.Should)
	ew.printf("\n%d MUST: %d with both polarities, %d lack a positive scenario, %d a negative one\n",
		must.All, must.Both, must.All-must.Positive, must.All-must.Negative)
	ew.printf("%d SHOULD: %d with a scenario\n", should.All, countAny(t, requirements.Should))
	ew.printf("%d of %d scenarios name a requirement\n", t.Tagged, t.Scenarios)
	return ew.err
}

func countAny(t Table, l requirements.Level) int {
	n := 0
	for _, r := range t.Rows {
		if r.Requirement.Level == l && len(r.Positive)+len(r.Negative) > 0 {
			n++
		}
	}
	return n
}

// list renders scenarios as file:line, or "none".
func list(s []Scenario) string {
	if len(s) == 0 {
		return "none"
	}
	parts := make([]string, len(s))
	for i, sc := range s {
		parts[i] = sc.String()
	}
	return strings.Join(parts, ", ")
}

// WriteMarkdown writes the table as Markdown: one table per area.
func (t Table) WriteMarkdown(w io.Writer) error {
	ew := &errWriter{w: w}
	area := requirements.Area("")
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for _, r := range t.Rows {
		if r.Requirement.Area != area {
			area = r.Requirement.Area
			ew.printf("\n## %s\n\n| ID | level | statement | positive | negative |\n|---|---|---|---|---|\n", area)
		}
		ew.printf("| %s | %s | %s | %s | %s |\n", r.Requirement.ID, r.Requirement.Level, cell(r.Requirement.Statement),
			cell(list(r.Positive)), cell(list(r.Negative)))
	}
	return ew.err
}

// jsonRow is a row of WriteJSON.
type jsonRow struct {
	ID        string     `json:"id"`
	Level     string     `json:"level"`
	Area      string     `json:"area"`
	Statement string     `json:"statement"`
	Positive  []Scenario `json:"positive"`
	Negative  []Scenario `json:"negative"`
	Missing   []string   `json:"missing,omitempty"`
}

// WriteJSON writes the table as one JSON document: {"schema",
// "requirements": [...], "scenarios", "tagged"}; with gapsOnly only the
// MUSTs that lack a polarity.
func (t Table) WriteJSON(w io.Writer, gapsOnly bool) error {
	doc := struct {
		Schema       string    `json:"schema"`
		Requirements []jsonRow `json:"requirements"`
		Scenarios    int       `json:"scenarios"`
		Tagged       int       `json:"tagged"`
	}{Schema: "vaultcheck/requirements/v1", Requirements: []jsonRow{}, Scenarios: t.Scenarios, Tagged: t.Tagged}
	for _, r := range t.Rows {
		miss := r.Missing()
		if gapsOnly && miss == "" {
			continue
		}
		jr := jsonRow{ID: r.Requirement.ID, Level: string(r.Requirement.Level), Area: string(r.Requirement.Area),
			Statement: r.Requirement.Statement, Positive: nonNil(r.Positive), Negative: nonNil(r.Negative)}
		if miss != "" {
			jr.Missing = strings.Split(miss, " and ")
		}
		doc.Requirements = append(doc.Requirements, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func nonNil(s []Scenario) []Scenario {
	if s == nil {
		return []Scenario{}
	}
	return s
}

// errWriter keeps the first write error, so that a table is written
// without checking every line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
