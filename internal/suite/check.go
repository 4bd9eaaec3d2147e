package suite

import (
	"fmt"
	"slices"
	"strings"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/hashicorp/hcl/v2"

	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/internal/requirements"
	"github.com/vaultcheck/vaultcheck/steps"
)

// Problem is one thing wrong with a scenario file, in the shape of every
// diagnostic of vaultcheck: "<file>:<line>[:<col>]: <kind>: <message>",
// then indented detail lines.
type Problem struct {
	File      string
	Line, Col int
	// Kind says what is wrong: "Gherkin syntax", "undefined step", "not
	// UTF-8", or an HCL diagnostic's summary.
	Kind string
	// Msg is one line; it never holds raw bytes of the file (text from the
	// file is quoted and cut).
	Msg string
	// Detail are lines shown under the problem, indented: the closest
	// steps, the HCL source line.
	Detail []string

	raw bool // Msg is a front end's message, shown as it is
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Head())
	for _, d := range p.Detail {
		b.WriteString("\n")
		b.WriteString(d)
	}
	return b.String()
}

// List renders problems for an error message: one per line, indented, at
// most max of them and a count of the rest (a file with thousands of
// mistakes should not bury the first ones).
func List(ps []Problem, max int) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i == max {
			fmt.Fprintf(&b, "  ... and %d more", len(ps)-max)
			break
		}
		b.WriteString("  ")
		b.WriteString(strings.ReplaceAll(p.String(), "\n", "\n  "))
	}
	return b.String()
}

// Head is the problem's first line.
func (p Problem) Head() string {
	if p.raw {
		return p.Msg
	}
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
			if p.Col > 0 {
				fmt.Fprintf(&b, ":%d", p.Col)
			}
		}
		b.WriteString(": ")
	}
	if p.Kind != "" {
		b.WriteString(p.Kind)
		if p.Msg != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(p.Msg)
	return b.String()
}

// hclProblem is an HCL diagnostic as a problem; its excerpt is the detail.
func hclProblem(set *hclscenario.Set, d *hcl.Diagnostic) Problem {
	p := Problem{Kind: d.Summary, Msg: strings.Join(strings.Fields(d.Detail), " ")}
	if d.Severity == hcl.DiagWarning {
		p.Kind = "warning: " + p.Kind
	}
	if d.Subject != nil {
		p.File, p.Line, p.Col = d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column
		if x := hclscenario.Excerpt(set.Files(), d.Subject); x != "" {
			p.Detail = strings.Split(x, "\n")
		}
	}
	return p
}

func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
}

// StepTable is where a writer finds every step, named in the help of an
// undefined step.
const StepTable = "steps/CATALOG.md, or `vaultcheck steps`"

// suggestions is how many close phrases an undefined step shows.
const suggestions = 3

// Check matches every step of every feature against the step table, as
// godog will, and returns a problem for each step that matches no
// definition (with the closest phrases of the catalog, their kind and
// what they do) or several. A step is reported once per place it is
// written, even when a Background or an Outline repeats it. It also
// reports an outline whose example rows run under one name, which no
// report could tell apart, and the requirement tags' problems
// (TagProblems).
func (s *Suite) Check() []Problem {
	probs := append(s.check(steps.Matching), s.TagProblems()...)
	sortProblems(probs)
	return probs
}

// check is Check with the matching of a step's text to definitions given.
func (s *Suite) check(matching func(text string) []steps.Definition) []Problem {
	var probs []Problem
	cache := map[string][]steps.Definition{}
	for _, ft := range s.Features() {
		seen := map[Pos]bool{}
		for _, p := range ft.Pickles {
			for _, st := range p.Steps {
				if len(st.AstNodeIds) == 0 {
					continue
				}
				pos, ok := ft.positions[st.AstNodeIds[0]]
				if !ok || seen[pos] {
					continue
				}
				hits, known := cache[st.Text]
				if !known {
					hits = matching(st.Text)
					cache[st.Text] = hits
				}
				if len(hits) == 1 {
					continue
				}
				seen[pos] = true
				probs = append(probs, stepProblem(pos, st.Text, hits))
			}
		}
		probs = append(probs, outlineProblems(ft)...)
	}
	sortProblems(probs)
	return probs
}

// outlineProblems reports the outlines of ft whose example rows share a
// name. godog names each row's scenario by the outline's title with the
// row's values put in for its <placeholders>; that name is all the
// progress and JUnit reports show of a row, so rows that share one cannot
// be told apart when they fail.
func outlineProblems(ft *Feature) []Problem {
	type rows struct {
		name  string
		lines []int64
	}
	byName := map[string]map[string]*rows{} // scenario AST id → name → rows
	var order []string
	for _, p := range ft.Pickles {
		if len(p.AstNodeIds) < 2 {
			continue // a plain scenario
		}
		sc, row := p.AstNodeIds[0], p.AstNodeIds[len(p.AstNodeIds)-1]
		if byName[sc] == nil {
			byName[sc] = map[string]*rows{}
			order = append(order, sc)
		}
		r := byName[sc][p.Name]
		if r == nil {
			r = &rows{name: p.Name}
			byName[sc][p.Name] = r
		}
		r.lines = append(r.lines, ft.Lines[row])
	}
	var probs []Problem
	for _, sc := range order {
		for _, r := range byName[sc] {
			if len(r.lines) < 2 {
				continue
			}
			probs = append(probs, Problem{File: ft.URI, Line: int(ft.Lines[sc]), Kind: "outline rows share a name",
				Msg: fmt.Sprintf("the example rows at lines %s all run as %s; put a <column> in the title (or make the rows differ) so that reports tell them apart",
					joinInts(r.lines), quote([]byte(r.name)))})
		}
	}
	return probs
}

// stepProblem reports a step that matches no definition, or several.
func stepProblem(pos Pos, text string, hits []steps.Definition) Problem {
	p := Problem{File: pos.File, Line: pos.Line, Col: pos.Col}
	show := func(d steps.Definition) string {
		return fmt.Sprintf("%s (%s): %s — %s", d.ID, d.Kind, d.Phrase(), d.Summary())
	}
	if len(hits) == 0 {
		p.Kind = "undefined step"
		p.Msg = quote([]byte(text)) + " matches no step of the step table"
		close := steps.Suggest(text, suggestions)
		if len(close) > 0 {
			p.Detail = append(p.Detail, "    closest steps:")
			for _, d := range close {
				p.Detail = append(p.Detail, "      "+show(d))
			}
		}
		p.Detail = append(p.Detail, "    every step: "+StepTable)
		return p
	}
	p.Kind = "ambiguous step"
	p.Msg = fmt.Sprintf("%s matches %d steps of the step table", quote([]byte(text)), len(hits))
	for _, d := range hits {
		p.Detail = append(p.Detail, "      "+show(d))
	}
	return p
}

// TagProblems reports requirement tags (@req:ID, @req:ID:neg) of Gherkin
// files that do not parse or name no requirement of the catalogue, at the
// tag's file:line:col, with the closest ID. HCL files report theirs as
// diagnostics of their own.
func (s *Suite) TagProblems() []Problem {
	var probs []Problem
	check := func(file string, tags []*messages.Tag) {
		for _, t := range tags {
			if _, _, err := requirements.ParseTag(t.Name); err != nil {
				p := Problem{File: file, Kind: "unknown requirement", Msg: fmt.Sprintf("tag %s: %v", quote([]byte(t.Name)), err)}
				if t.Location != nil {
					p.Line, p.Col = int(t.Location.Line), int(t.Location.Column)
				}
				probs = append(probs, p)
			}
		}
	}
	for _, f := range s.Files {
		if !f.Gherkin {
			continue
		}
		for _, ft := range f.Features {
			if ft.Doc == nil || ft.Doc.Feature == nil {
				continue
			}
			check(f.Name, ft.Doc.Feature.Tags)
			var children func(cs []*messages.FeatureChild)
			children = func(cs []*messages.FeatureChild) {
				for _, c := range cs {
					if c.Scenario != nil {
						check(f.Name, c.Scenario.Tags)
						for _, ex := range c.Scenario.Examples {
							check(f.Name, ex.Tags)
						}
					}
					if c.Rule != nil {
						check(f.Name, c.Rule.Tags)
						var rcs []*messages.FeatureChild
						for _, rc := range c.Rule.Children {
							rcs = append(rcs, &messages.FeatureChild{Scenario: rc.Scenario})
						}
						children(rcs)
					}
				}
			}
			children(ft.Doc.Feature.Children)
		}
	}
	sortProblems(probs)
	return probs
}
