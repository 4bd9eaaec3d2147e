package harness

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/internal/gherkindoc"
	"github.com/vaultcheck/vaultcheck/steps"
)

// prettyFmt is the harness's "pretty" console format: each scenario with
// its steps, and for each step where it is written (file:line, which the
// console rewrites to the HCL source for HCL scenarios) and the phrase of
// the step table it matched. godog's own pretty format shows the Go
// location of the step function instead, which for vaultcheck is the same
// adapter line (bindings.go:71) for every step.
//
// It writes each scenario as one block when its last step has finished, so
// scenarios running concurrently never interleave.
type prettyFmt struct {
	out   io.Writer
	color bool
	rec   *recorder

	mu      sync.Mutex
	docs    map[string]*prettyDoc    // by URI
	pending map[string]*prettyPickle // by pickle id, until its last step
	lastURI string                   // of the last block written
}

// prettyDoc is what the format needs of one feature file.
type prettyDoc struct {
	name     string
	keywords map[string]string // AST node id -> keyword ("Given ", "Scenario")
	lines    map[string]int64  // AST node id -> line
	rows     map[string]prettyRow
}

// prettyRow is one row of an outline's Examples, which names the scenario
// it makes.
type prettyRow struct {
	examples string   // "Examples: Lifestyle"
	header   []string // the table's header cells
	cells    []string
}

// prettyPickle is one scenario being written.
type prettyPickle struct {
	pickle *messages.Pickle
	steps  []prettyStep
}

type prettyStep struct {
	step   *messages.PickleStep
	def    *formatters.StepDefinition
	status godog.StepResultStatus
	err    error
}

func newPrettyFmt(out io.Writer, color bool, rec *recorder) *prettyFmt {
	return &prettyFmt{out: out, color: color, rec: rec, docs: map[string]*prettyDoc{}, pending: map[string]*prettyPickle{}}
}

func (f *prettyFmt) TestRunStarted() {}

func (f *prettyFmt) Feature(doc *messages.GherkinDocument, uri string, _ []byte) {
	d := &prettyDoc{keywords: map[string]string{}, lines: map[string]int64{}, rows: map[string]prettyRow{}}
	if doc != nil && doc.Feature != nil {
		d.name = strings.TrimSpace(doc.Feature.Keyword) + ": " + doc.Feature.Name
		addSteps := func(st []*messages.Step) {
			for _, s := range st {
				d.keywords[s.Id], d.lines[s.Id] = s.Keyword, s.Location.Line
			}
		}
		addScenario := func(sc *messages.Scenario) {
			d.keywords[sc.Id], d.lines[sc.Id] = sc.Keyword, sc.Location.Line
			addSteps(sc.Steps)
			for _, ex := range sc.Examples {
				var header []string
				if ex.TableHeader != nil {
					header = cellValues(ex.TableHeader.Cells)
				}
				name := strings.TrimSpace(strings.TrimSpace(ex.Keyword) + ": " + ex.Name)
				for _, row := range ex.TableBody {
					d.lines[row.Id] = row.Location.Line
					d.rows[row.Id] = prettyRow{examples: name, header: header, cells: cellValues(row.Cells)}
				}
			}
		}
		gherkindoc.Walk(doc.Feature, addSteps, addScenario)
	}
	f.mu.Lock()
	f.docs[uri] = d
	f.mu.Unlock()
}

func (f *prettyFmt) Pickle(p *messages.Pickle) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pending[p.Id] = &prettyPickle{pickle: p}
	if len(p.Steps) == 0 {
		f.flush(p.Id)
	}
}

func (f *prettyFmt) Defined(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {}

func (f *prettyFmt) Passed(p *messages.Pickle, s *messages.PickleStep, d *formatters.StepDefinition) {
	f.result(p, s, d, godog.StepPassed, nil)
}

func (f *prettyFmt) Failed(p *messages.Pickle, s *messages.PickleStep, d *formatters.StepDefinition, err error) {
	f.result(p, s, d, godog.StepFailed, err)
}

func (f *prettyFmt) Skipped(p *messages.Pickle, s *messages.PickleStep, d *formatters.StepDefinition) {
	f.result(p, s, d, godog.StepSkipped, nil)
}

func (f *prettyFmt) Undefined(p *messages.Pickle, s *messages.PickleStep, d *formatters.StepDefinition) {
	f.result(p, s, d, godog.StepUndefined, nil)
}

func (f *prettyFmt) Pending(p *messages.Pickle, s *messages.PickleStep, d *formatters.StepDefinition) {
	f.result(p, s, d, godog.StepPending, nil)
}

func (f *prettyFmt) Ambiguous(p *messages.Pickle, s *messages.PickleStep, d *formatters.StepDefinition, err error) {
	f.result(p, s, d, godog.StepAmbiguous, err)
}

// Summary writes what is left of unfinished scenarios; the harness prints
// the run's summary itself.
func (f *prettyFmt) Summary() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id := range f.pending {
		f.flush(id)
	}
}

func (f *prettyFmt) result(p *messages.Pickle, s *messages.PickleStep, d *formatters.StepDefinition, status godog.StepResultStatus, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pp := f.pending[p.Id]
	if pp == nil {
		pp = &prettyPickle{pickle: p}
		f.pending[p.Id] = pp
	}
	pp.steps = append(pp.steps, prettyStep{step: s, def: d, status: status, err: err})
	if len(pp.steps) >= len(p.Steps) {
		f.flush(p.Id)
	}
}

// flush writes the block of one scenario; f.mu is held.
func (f *prettyFmt) flush(id string) {
	pp := f.pending[id]
	delete(f.pending, id)
	if pp == nil || f.rec.isHidden(id) {
		return // another shard's scenario: not this run's
	}
	p := pp.pickle
	doc := f.docs[p.Uri]
	if doc == nil {
		doc = &prettyDoc{keywords: map[string]string{}, lines: map[string]int64{}, rows: map[string]prettyRow{}}
	}
	var b strings.Builder
	if p.Uri != f.lastURI {
		if f.lastURI != "" {
			b.WriteString("\n")
		}
		if doc.name != "" {
			b.WriteString(f.paint(colors.White, doc.name) + "\n")
		}
		f.lastURI = p.Uri
	}

	keyword := "Scenario"
	var line int64
	if len(p.AstNodeIds) > 0 {
		if k := doc.keywords[p.AstNodeIds[0]]; k != "" {
			keyword = k
		}
		line = doc.lines[p.AstNodeIds[len(p.AstNodeIds)-1]] // the Examples row of an outline
	}
	head := keyword + ": " + p.Name
	if notRun, why := f.rec.notRun(p.Id); notRun {
		fmt.Fprintf(&b, "\n  %s %s\n", f.paint(colors.Cyan, head), f.paint(colors.Bold(colors.Black), fmt.Sprintf("# %s:%d not run: %s", p.Uri, line, why)))
		_, _ = io.WriteString(f.out, b.String())
		return
	}
	texts := make([]string, len(pp.steps))
	width := utf8.RuneCountInString(head)
	for i, st := range pp.steps {
		kw := ""
		if len(st.step.AstNodeIds) > 0 {
			kw = doc.keywords[st.step.AstNodeIds[0]]
		}
		texts[i] = kw + st.step.Text
		width = max(width, utf8.RuneCountInString(texts[i])+2)
	}
	fmt.Fprintf(&b, "\n  %s%s %s\n", head, pad(head, width), f.paint(colors.Bold(colors.Black), fmt.Sprintf("# %s:%d", p.Uri, line)))
	for i, st := range pp.steps {
		var l int64
		if len(st.step.AstNodeIds) > 0 {
			l = doc.lines[st.step.AstNodeIds[0]]
		}
		comment := fmt.Sprintf("# %s:%d", p.Uri, l)
		if st.def != nil && st.def.Expr != nil {
			comment += " (step: " + phraseOf(st.def.Expr.String()) + ")"
		}
		fmt.Fprintf(&b, "    %s%s %s\n", f.paint(statusColor(st.status), texts[i]), pad(texts[i], width-2), f.paint(colors.Bold(colors.Black), comment))
		f.argument(&b, st.step.Argument)
		if why := stepMessage(st.status, st.err); why != "" {
			fmt.Fprintf(&b, "      %s\n", f.paint(statusColor(st.status), indentRest(why, "      ")))
		}
	}
	if len(p.AstNodeIds) > 1 {
		f.exampleRow(&b, doc, p, pp.steps)
	}
	_, _ = io.WriteString(f.out, b.String()) // a write error is kept by the report writer
}

// exampleRow writes the Examples row an outline's scenario was made from,
// under its table's header, with the first failure of the row below it, as
// godog's own pretty format does: the scenario's name alone may not tell
// two rows apart.
func (f *prettyFmt) exampleRow(b *strings.Builder, doc *prettyDoc, p *messages.Pickle, steps []prettyStep) {
	id := p.AstNodeIds[len(p.AstNodeIds)-1]
	row, ok := doc.rows[id]
	if !ok {
		return
	}
	cells := [][]string{row.header, row.cells}
	widths := make([]int, max(len(row.header), len(row.cells)))
	for _, r := range cells {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(escapeCell(c)))
		}
	}
	line := func(r []string) string {
		var l strings.Builder
		l.WriteString("|")
		for i, c := range r {
			c = escapeCell(c)
			fmt.Fprintf(&l, " %s%s |", c, strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)))
		}
		return l.String()
	}
	fmt.Fprintf(b, "    %s\n", f.paint(colors.Cyan, row.examples))
	if len(row.header) > 0 {
		fmt.Fprintf(b, "      %s\n", f.paint(colors.Cyan, line(row.header)))
	}
	status := godog.StepPassed
	var why string
	for _, st := range steps {
		if st.status != godog.StepPassed && st.status != godog.StepSkipped {
			status, why = st.status, stepMessage(st.status, st.err)
			break
		}
	}
	fmt.Fprintf(b, "      %s %s\n", f.paint(statusColor(status), line(row.cells)),
		f.paint(colors.Bold(colors.Black), fmt.Sprintf("# %s:%d", p.Uri, doc.lines[id])))
	if why != "" {
		first, _, _ := strings.Cut(why, "\n")
		fmt.Fprintf(b, "        %s\n", f.paint(statusColor(status), first))
	}
}

// cellValues returns the values of a Gherkin table row.
func cellValues(cells []*messages.TableCell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.Value
	}
	return out
}

// escapeCell writes a cell value as Gherkin reads it back.
func escapeCell(v string) string {
	return strings.NewReplacer(`\`, `\\`, "|", `\|`, "\n", `\n`).Replace(v)
}

// argument writes a step's data table or doc string as the feature has it.
func (f *prettyFmt) argument(b *strings.Builder, arg *messages.PickleStepArgument) {
	if arg == nil {
		return
	}
	if t := arg.DataTable; t != nil {
		var widths []int
		for _, row := range t.Rows {
			for i, c := range row.Cells {
				if i >= len(widths) {
					widths = append(widths, 0)
				}
				widths[i] = max(widths[i], utf8.RuneCountInString(c.Value))
			}
		}
		for _, row := range t.Rows {
			b.WriteString("      |")
			for i, c := range row.Cells {
				fmt.Fprintf(b, " %s%s |", c.Value, strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.Value)))
			}
			b.WriteString("\n")
		}
	}
	if d := arg.DocString; d != nil {
		b.WriteString(`      """` + "\n")
		for _, l := range strings.Split(d.Content, "\n") {
			b.WriteString("      " + l + "\n")
		}
		b.WriteString(`      """` + "\n")
	}
}

func (f *prettyFmt) paint(c colors.ColorFunc, s string) string { return paint(f.color, c, s) }

func pad(s string, width int) string {
	return strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
}

func statusColor(s godog.StepResultStatus) colors.ColorFunc {
	switch s {
	case godog.StepPassed:
		return colors.Green
	case godog.StepFailed:
		return colors.Red
	case godog.StepSkipped:
		return colors.Cyan
	}
	return colors.Yellow
}

// stepMessage says why a step did not pass; "" when it did or was skipped.
func stepMessage(status godog.StepResultStatus, err error) string {
	switch status {
	case godog.StepUndefined:
		return "undefined: no step definition matches it (vaultcheck steps lists them)"
	case godog.StepPending:
		return "pending: the step is not implemented yet"
	case godog.StepFailed, godog.StepAmbiguous:
		if err != nil {
			return "Error: " + err.Error()
		}
	}
	return ""
}

var (
	phrasesOnce sync.Once
	phrases     map[string]string // step pattern -> its phrase in the catalog
)

// phraseOf returns the step catalog's phrase of a step definition pattern
// ("<Name> shares \"<text>\" with <Name>"), or the pattern without its
// anchors for steps not in the step library.
func phraseOf(pattern string) string {
	phrasesOnce.Do(func() {
		phrases = map[string]string{}
		for _, d := range steps.Definitions() {
			phrases[d.Pattern.String()] = d.Phrase()
		}
	})
	if p, ok := phrases[pattern]; ok {
		return p
	}
	return strings.TrimSuffix(strings.TrimPrefix(pattern, "^"), "$")
}
