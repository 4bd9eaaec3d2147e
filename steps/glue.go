package steps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/format"
	"io"
	"slices"
	"strings"
	"unicode"
)

// Editor glue: the step table written the way the Cucumber Language Server
// (@cucumber/language-service, used by Cucumber's VS Code extension and by
// any editor speaking LSP to @cucumber/language-server) finds step
// definitions, so that editors complete our phrases, underline undefined
// steps and jump to a phrase's documentation.
//
// How the language service reads Go (checked in its source, version
// 1.7.0): it parses every glue file with tree-sitter and takes, from each
// function or method declaration, the statements of the function's body
// that call a selector named Given, When, Then or Step with a string
// literal argument (`ctx.Step(`...`, fn)`). A pattern that starts with ^ or
// ends with $ is a regular expression; anything else is a Cucumber
// Expression. Interpreted strings are not unescaped (only the quotes are
// cut), so the glue uses raw strings. A definition's location is the whole
// function declaration, and go-to-definition selects the pattern: the
// documentation therefore stands in the function body, just above the
// call, where both the jump and the peek show it. The service has no hover
// or documentation field of its own.
//
// Why Cucumber Expressions and not our regexps: for a regular expression
// the service offers completion only from step texts the features already
// use, labelled with the raw regexp; for a Cucumber Expression it offers
// the phrase itself ("{sender} shares "{label}" with {recipient}"), with the
// values the features use as choices. godog has no parameter types, so the
// language service reads none from Go; it takes them from the editor
// setting cucumber.parameterTypes instead, which the generated
// .vscode/settings.json holds: one type per parameter key, whose regexp is
// exactly the one the step table matches. Quoted text is written with its
// quotes in the expression so that an empty choice shows as "?". Optional
// parts of a template become separate definitions (the service's
// completion makes an optional part that follows a parameter mandatory),
// which cannot overlap, since they differ in literal words no parameter
// can match.

// GlueFile is where the glue is written, relative to the root of the
// repository or of a QA project made by `vaultcheck init`. It matches the
// language server's default Godog glob (features/**/*_test.go); the build
// constraint `ignore` keeps it out of every build and test, so it can
// never change the program: vaultcheck registers its steps from the step
// table, not from this file.
const GlueFile = "features/vaultcheck_steps_test.go"

// FeatureGlob is the glob of the feature files in the editor settings.
const FeatureGlob = "features/**/*.feature"

// GlueStep is one step definition as the language service sees it.
type GlueStep struct {
	// ID is the definition's ID; a template with optional parts gives
	// several GlueSteps of one ID.
	ID string
	// Expression is the Cucumber Expression of the step.
	Expression string
	// Func is the name of the glue function that registers it.
	Func string
	def  Definition
}

// ParameterType is a Cucumber Expression parameter type of the glue, in
// the shape of the cucumber.parameterTypes setting.
type ParameterType struct {
	Name   string `json:"name"`
	Regexp string `json:"regexp"`
}

// builtinTypes are the parameter types Cucumber Expressions define
// themselves; a glue type must not take their names.
var builtinTypes = []string{"", "int", "float", "word", "string", "anonymous", "bigdecimal", "biginteger", "byte", "short", "long", "double"}

// Glue returns every step of the table as the glue writes it, in table
// order, and the parameter types its expressions use, by name. It fails
// when the table has a parameter the glue cannot write faithfully (one key
// with two patterns, a backquote in a phrase).
func Glue() ([]GlueStep, []ParameterType, error) {
	return glueOf(table)
}

func glueOf(defs []Definition) ([]GlueStep, []ParameterType, error) {
	types := map[string]string{}
	var out []GlueStep
	funcs := map[string]bool{}
	for _, d := range defs {
		variants := d.variants()
		for _, present := range variants {
			expr, err := d.expression(present, types)
			if err != nil {
				return nil, nil, err
			}
			if strings.Contains(expr, "`") {
				return nil, nil, fmt.Errorf("step %s: a backquote cannot stand in the glue's raw string", d.ID)
			}
			name := goName(d.ID)
			name += variantSuffix(d, present)
			if funcs[name] {
				return nil, nil, fmt.Errorf("step %s: two glue functions named %s", d.ID, name)
			}
			funcs[name] = true
			out = append(out, GlueStep{ID: d.ID, Expression: expr, Func: name, def: d})
		}
	}
	var pts []ParameterType
	for name, re := range types {
		pts = append(pts, ParameterType{Name: name, Regexp: re})
	}
	slices.SortFunc(pts, func(a, b ParameterType) int { return strings.Compare(a.Name, b.Name) })
	return out, pts, nil
}

// optionals lists the optional parts of the template, in order.
func (d Definition) optionals() []part {
	var out []part
	for _, pt := range d.parts {
		if pt.optional != nil {
			out = append(out, pt)
		}
	}
	return out
}

// variants lists, for each combination of the template's optional parts,
// which of them are present: the simplest (none) first.
func (d Definition) variants() [][]bool {
	n := len(d.optionals())
	out := make([][]bool, 0, 1<<n)
	for mask := range 1 << n {
		present := make([]bool, n)
		for i := range n {
			present[i] = mask&(1<<i) != 0
		}
		out = append(out, present)
	}
	slices.SortStableFunc(out, func(a, b []bool) int { return count(a) - count(b) })
	return out
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// variantSuffix names a variant's function after the parameters of its
// present optional parts: shareItemSlotTerms.
func variantSuffix(d Definition, present []bool) string {
	var b strings.Builder
	for i, opt := range d.optionals() {
		if present[i] {
			key := goName(d.Params[opt.optParam].Key)
			b.WriteString(strings.ToUpper(key[:1]) + key[1:])
		}
	}
	return b.String()
}

// token is one piece of an expression before it is written: literal
// text, a parameter, or a set of words (an alternation).
type token struct {
	lit   string
	param string   // a parameter type's name
	alt   []string // alternatives
	altP  Param    // the parameter the alternatives stand for
}

// expression writes the Cucumber Expression of one variant, recording the
// parameter types it uses in types (name → regexp).
func (d Definition) expression(present []bool, types map[string]string) (string, error) {
	var toks []token
	addType := func(name, re string) error {
		if slices.Contains(builtinTypes, name) {
			return fmt.Errorf("step %s: parameter %s takes the name of a built-in Cucumber parameter type", d.ID, name)
		}
		if prev, ok := types[name]; ok && prev != re {
			return fmt.Errorf("step %s: parameter %s matches %s here and %s elsewhere; give one of them another key", d.ID, name, re, prev)
		}
		types[name] = re
		return nil
	}
	var walk func(parts []part) error
	opt := 0
	walk = func(parts []part) error {
		for _, pt := range parts {
			switch {
			case pt.optional != nil:
				on := present[opt]
				opt++
				if on {
					if err := walk(pt.optional); err != nil {
						return err
					}
				}
			case pt.param >= 0:
				p := d.Params[pt.param]
				switch p.Kind {
				case ParamText, ParamAnyText:
					if err := addType(p.Key, `[^"]*`); err != nil {
						return err
					}
					toks = append(toks, token{lit: `"`}, token{param: p.Key}, token{lit: `"`})
				case ParamName, ParamNames, ParamNumber, ParamSlots, ParamToken:
					if err := addType(p.Key, p.valuePattern()); err != nil {
						return err
					}
					toks = append(toks, token{param: p.Key})
				case ParamEnum, ParamChoice:
					toks = append(toks, token{alt: p.Values, altP: p})
				case ParamPronoun:
					toks = append(toks, token{alt: pronouns, altP: p})
				case ParamPossessive:
					toks = append(toks, token{alt: possessives, altP: p})
				case ParamPlural:
					toks = append(toks, token{lit: "(s)"}) // written as is: an optional
				case ParamFlag:
				default:
					return fmt.Errorf("step %s: the glue cannot write a parameter of kind %s", d.ID, p.Kind)
				}
			default:
				toks = append(toks, token{lit: escapeExpr(pt.lit)})
			}
		}
		return nil
	}
	if err := walk(d.parts); err != nil {
		return "", err
	}
	var b strings.Builder
	for i, t := range toks {
		switch {
		case t.param != "":
			b.WriteString("{" + t.param + "}")
		case t.alt != nil:
			// An alternation of Cucumber Expressions runs between white
			// space; where the words touch other text, or are not plain
			// words, they need a parameter type of their own.
			prev := b.String()
			next := ""
			if i+1 < len(toks) {
				next = toks[i+1].lit
			}
			if plainWords(t.alt) && (prev == "" || strings.HasSuffix(prev, " ")) && (i+1 == len(toks) || strings.HasPrefix(next, " ")) {
				b.WriteString(strings.Join(t.alt, "/"))
				continue
			}
			name := t.altP.Key
			if name == "" || t.altP.Kind == ParamPronoun || t.altP.Kind == ParamPossessive {
				name = string(t.altP.Kind)
			}
			if t.altP.Kind == ParamChoice {
				name = d.ID + "." + strings.Join(t.alt, "-")
			}
			if err := addType(name, alternatives(t.alt)); err != nil {
				return "", err
			}
			b.WriteString("{" + name + "}")
		default:
			b.WriteString(t.lit)
		}
	}
	return b.String(), nil
}

// plainWords reports whether words can be Cucumber alternatives: letters,
// digits, - and ' only.
func plainWords(words []string) bool {
	for _, w := range words {
		if w == "" {
			return false
		}
		for _, r := range w {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '\'' {
				return false
			}
		}
	}
	return true
}

// escapeExpr escapes the characters Cucumber Expressions give a meaning:
// ( ) for optional text, { } for parameters, / for alternation, \.
func escapeExpr(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\(){}/`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goName turns an ID or key into a Go identifier: "share.key_opens_only_for"
// → shareKeyOpensOnlyFor.
func goName(id string) string {
	var b strings.Builder
	up := false
	for _, r := range id {
		switch {
		case r == '.' || r == '_' || r == '-':
			up = true
		case up:
			b.WriteRune(unicode.ToUpper(r))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WriteGlue writes the glue file (GlueFile): Go source that is never
// compiled, one function per GlueStep, each documented with the step's ID,
// kind, catalog phrase and doc.
func WriteGlue(w io.Writer) error {
	steps, types, err := Glue()
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(`// Code generated by "go test ./steps -run Glue -update" from the step table; DO NOT EDIT.

//go:build ignore

// Package features holds vaultcheck's step catalog for editors: every step
// phrase registered as godog would, so that the Cucumber Language Server (the
// Cucumber extension of VS Code, or any editor using
// @cucumber/language-server) completes our phrases, finds a step's
// definition and documentation, and underlines a step that matches none.
//
// vaultcheck never reads this file, and the build constraint keeps it out of
// every build: its steps come from its step table, and vaultcheck vet checks
// features against that. The phrases are Cucumber Expressions; their
// parameter types ({user}, {label}, ...) are in the editor settings
// (cucumber.parameterTypes), each matching exactly what vaultcheck accepts:
`)
	b.WriteString("//\n")
	for _, t := range types {
		fmt.Fprintf(&b, "//\t{%s} = %s\n", t.Name, t.Regexp)
	}
	b.WriteString("package features\n\nimport \"github.com/cucumber/godog\"\n")
	for _, s := range steps {
		d := s.def
		fmt.Fprintf(&b, "\n// %s registers step %s.\nfunc %s(ctx *godog.ScenarioContext) {\n", s.Func, s.ID, s.Func)
		phrase := d.Phrase()
		if d.Table != nil {
			phrase += " | " + strings.Join(d.Table, " | ") + " |"
		}
		if d.DocString {
			phrase += ` """..."""`
		}
		fmt.Fprintf(&b, "\t// %s (%s): %s\n\t//\n", d.ID, d.Kind, phrase)
		for _, line := range wrapWords(d.Doc, 90) {
			fmt.Fprintf(&b, "\t// %s\n", line)
		}
		fmt.Fprintf(&b, "\tctx.Step(`%s`, nil)\n}\n", s.Expression)
	}
	src, err := format.Source(b.Bytes())
	if err != nil {
		return fmt.Errorf("steps: the glue is not valid Go: %w", err)
	}
	_, err = w.Write(src)
	return err
}

// wrapWords breaks text into lines of at most width bytes where it can.
func wrapWords(text string, width int) []string {
	var lines []string
	var line strings.Builder
	for _, w := range strings.Fields(text) {
		if line.Len() > 0 && line.Len()+1+len(w) > width {
			lines = append(lines, line.String())
			line.Reset()
		}
		if line.Len() > 0 {
			line.WriteByte(' ')
		}
		line.WriteString(w)
	}
	if line.Len() > 0 {
		lines = append(lines, line.String())
	}
	return lines
}

// EditorSettings are the settings of the Cucumber extension: where the
// features and the glue are, and the glue's parameter types.
type EditorSettings struct {
	Features       []string        `json:"cucumber.features"`
	Glue           []string        `json:"cucumber.glue"`
	ParameterTypes []ParameterType `json:"cucumber.parameterTypes"`
}

// Editor returns the editor settings of a project whose features are under
// features/ and whose glue is GlueFile.
func Editor() (EditorSettings, error) {
	_, types, err := Glue()
	if err != nil {
		return EditorSettings{}, err
	}
	return EditorSettings{Features: []string{FeatureGlob}, Glue: []string{GlueFile}, ParameterTypes: types}, nil
}

// WriteEditorSettings writes .vscode/settings.json for the Cucumber
// extension (CucumberOpen.cucumber-official).
func WriteEditorSettings(w io.Writer) error {
	s, err := Editor()
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// EditorExtensions is .vscode/extensions.json: VS Code offers to install
// Cucumber's own extension when the folder is opened.
const EditorExtensions = `{
  "recommendations": ["CucumberOpen.cucumber-official"]
}
`
