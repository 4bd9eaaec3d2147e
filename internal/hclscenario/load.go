package hclscenario

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Ext is the extension of HCL scenario files.
const Ext = ".hcl"

// Options are what compiling scenario files needs besides the files: where
// file() reads and what the variables and environment are. The zero value
// reads from the operating system.
type Options struct {
	// FS, when set, is where file() reads, relative to each Source's
	// Path; paths are then slash-separated and relative to its root.
	FS fs.FS
	// Vars override variable defaults, as `--var name=value` does.
	Vars map[string]string
	// LookupEnv reads environment variables for env(); nil means
	// os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Source is one scenario file to compile.
type Source struct {
	// Name is how the file is shown: in diagnostics, and as the name and
	// title of the feature it compiles to.
	Name string
	// Path is where the file is, in Options.FS or on the operating
	// system; file() reads relative to its folder. Empty means Name.
	Path string
	// Src is the file's content.
	Src []byte
}

// Set is a compiled set of scenario files: the Gherkin features they
// compile to, and what is needed to point back at the HCL source.
type Set struct {
	files    map[string]*hcl.File
	features []godog.Feature
	sources  map[string]map[int]hcl.Range
}

// Features returns one godog feature per file, named by the file's name
// (the Feature's title is the same name). It is empty when compiling
// reported errors.
func (s *Set) Features() []godog.Feature { return slices.Clone(s.features) }

// Files returns the parsed files by name, for WriteDiagnostics.
func (s *Set) Files() map[string]*hcl.File { return s.files }

// Source returns the HCL range that line (1-based) of the named compiled
// feature comes from: the attribute or block of a step, the slot of a table
// row, the scenario block of a Scenario line.
func (s *Set) Source(feature string, line int) (hcl.Range, bool) {
	r, ok := s.sources[feature][line]
	return r, ok
}

// Compile checks and compiles scenario files. Every error of every file
// is reported: the Set has features only when the diagnostics hold no
// error. The Set is never nil, so that its Files can render the
// diagnostics. A --var that no file declares is an error too.
func (o Options) Compile(files ...Source) (*Set, hcl.Diagnostics) {
	set := &Set{files: map[string]*hcl.File{}, sources: map[string]map[int]hcl.Range{}}
	var diags hcl.Diagnostics
	used := map[string]bool{}
	for _, f := range files {
		p := f.Path
		if p == "" {
			p = f.Name
		}
		diags = append(diags, o.compile(set, f.Name, p, f.Src, used)...)
	}
	diags = append(diags, o.unusedVars(used)...)
	if diags.HasErrors() {
		set.features, set.sources = nil, map[string]map[int]hcl.Range{}
	}
	return set, finish(diags)
}

func (o Options) unusedVars(used map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	var names []string
	for n := range o.Vars {
		if !used[n] {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown variable",
			Detail: fmt.Sprintf("--var %s: no scenario file declares a variable named %q.", n, n)})
	}
	return diags
}

// internalError is the summary of a diagnostic that reports a bug here
// rather than in the file; the fuzz target fails on it.
const internalError = "Internal error"

// compile loads, checks and compiles one file into set. A panic (a bug,
// in this package or a library) becomes a diagnostic: loading a file must
// never crash the program that loads it.
func (o Options) compile(set *Set, name, p string, src []byte, used map[string]bool) (diags hcl.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			delete(set.sources, name)
			set.features = slices.DeleteFunc(set.features, func(f godog.Feature) bool { return f.Name == name })
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: internalError,
				Detail: fmt.Sprintf("%s: vaultcheck failed while checking this file (%v); please report it.", name, r)})
		}
	}()
	dir := filepath.Dir(p)
	if o.FS != nil {
		dir = path.Dir(p)
	}
	file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if file != nil {
		set.files[name] = file
	}
	if diags.HasErrors() {
		// The rest would only repeat the syntax error in other words.
		return diags
	}
	lookup := o.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	f := &srcFile{name: name}
	f.ctx = &hcl.EvalContext{Functions: functions(o.FS, dir, lookup)}
	d := &decoder{f: f, diags: diags}
	content, cdiags := file.Body.Content(fileSchema())
	d.diags = append(d.diags, cdiags...)
	d.loadVariables(content.Blocks, o.Vars, used)
	if len(f.vars) > 0 {
		f.ctx.Variables = map[string]cty.Value{"var": cty.ObjectVal(f.vars)}
	} else {
		f.ctx.Variables = map[string]cty.Value{"var": cty.EmptyObjectVal}
	}
	if a := content.Attributes["description"]; a != nil {
		f.description, _ = d.text(a)
	}
	if a := content.Attributes["tags"]; a != nil {
		f.tags, _ = d.tags(a)
	}
	d.declare(content)
	d.decodeAll()
	d.link()
	for _, s := range d.scopes() {
		d.sortScope(s)
	}
	if len(f.scenarios) == 0 {
		start := hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}
		detail := "The file declares no scenario block, so it would run nothing."
		if len(f.bg.blocks) > 0 {
			detail = "Blocks outside a scenario run before each scenario of the file, but the file declares no scenario block."
		}
		d.add(hcl.DiagError, start, "No scenario", detail)
	}
	var bgSteps []step
	scSteps := make([][]step, len(f.scenarios))
	if !f.bg.cyclic {
		st := newState(d)
		st.report, st.writing = true, true
		st.run(f.bg)
		bgSteps = st.steps
		for i, sc := range f.scenarios {
			if sc.scope.cyclic {
				continue
			}
			st := newState(d)
			st.run(f.bg)
			st.report, st.writing, st.steps = true, true, nil
			st.run(sc.scope)
			scSteps[i] = st.steps
		}
	}
	diags = d.diags
	if diags.HasErrors() {
		return diags
	}
	text, src2 := compileFile(f, bgSteps, scSteps)
	set.features = append(set.features, godog.Feature{Name: name, Contents: []byte(text)})
	set.sources[name] = src2
	return diags
}

// finish removes repeated diagnostics and sorts them by file and position,
// so that a file reads from top to bottom.
func finish(diags hcl.Diagnostics) hcl.Diagnostics {
	seen := map[string]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		k := FormatDiagnostic(d)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Subject, out[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
	return out
}

// FormatDiagnostic renders one diagnostic on one line, in the project's
// shape: "file:line:col: summary: detail".
func FormatDiagnostic(d *hcl.Diagnostic) string {
	var b strings.Builder
	if d.Subject != nil {
		fmt.Fprintf(&b, "%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	if d.Severity == hcl.DiagWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(": ")
		b.WriteString(strings.Join(strings.Fields(d.Detail), " "))
	}
	return b.String()
}

// WriteDiagnostics writes every diagnostic, sorted by position, with the
// source excerpt it refers to. Values of expressions are never shown (they
// may come from env() and hold secrets).
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	clean := make(hcl.Diagnostics, 0, len(diags))
	for _, d := range finish(diags) {
		c := *d
		c.Expression, c.EvalContext = nil, nil
		clean = append(clean, &c)
	}
	return hcl.NewDiagnosticTextWriter(w, files, 100, color).WriteDiagnostics(clean)
}

// Excerpt shows the source line a diagnostic points at, with the range
// underlined, indented under the diagnostic's one-line form:
//
//	15 |     item = item.cra
//	   |            ^^^^^^^^
//
// It shows what the user wrote, never an evaluated value. It returns ""
// when the file or line is not known.
func Excerpt(files map[string]*hcl.File, rng *hcl.Range) string {
	if rng == nil || files[rng.Filename] == nil {
		return ""
	}
	lines := strings.Split(string(files[rng.Filename].Bytes), "\n")
	if rng.Start.Line < 1 || rng.Start.Line > len(lines) {
		return ""
	}
	src := strings.TrimRight(lines[rng.Start.Line-1], "\r")
	num := fmt.Sprintf("%6d | ", rng.Start.Line)
	width := 1
	if rng.End.Line == rng.Start.Line && rng.End.Column > rng.Start.Column {
		width = rng.End.Column - rng.Start.Column
	}
	pad := ""
	if rng.Start.Column > 1 {
		prefix := []rune(src)
		if n := rng.Start.Column - 1; n < len(prefix) {
			prefix = prefix[:n]
		}
		// Keep tabs, so the caret lines up under tab-indented source.
		pad = strings.Map(func(r rune) rune {
			if r == '\t' {
				return '\t'
			}
			return ' '
		}, string(prefix))
	}
	return num + src + "\n" + strings.Repeat(" ", len(num)-2) + "| " + pad + strings.Repeat("^", width)
}

var sourceCommentRe = regexp.MustCompile(`^\s*# (.+):(\d+)$`)

// SourceLine returns the HCL file and line that line (1-based) of compiled
// Gherkin text comes from, using the "# file:line" comments the compiler
// writes before each scenario and before the steps of each block. It lets
// a caller that holds only the feature text report positions in the HCL.
func SourceLine(contents []byte, line int) (string, int, bool) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(contents))
	sc.Buffer(make([]byte, 0, 64*1024), len(contents)+1)
	for sc.Scan() && len(lines) < line {
		lines = append(lines, sc.Text())
	}
	if line < 1 || line > len(lines) {
		return "", 0, false
	}
	for i := line - 1; i >= 0; i-- {
		if m := sourceCommentRe.FindStringSubmatch(lines[i]); m != nil {
			n, err := strconv.Atoi(m[2])
			if err != nil {
				return "", 0, false
			}
			return m[1], n, true
		}
	}
	return "", 0, false
}
