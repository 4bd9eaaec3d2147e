package steps

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cucumber/godog"
)

// Phrase templates: each step definition is written as a template of
// literal words and typed parameters, from which its godog pattern, its
// catalog phrase, its Render and its Match are all derived, so that a
// front end that renders a step and godog that matches it cannot disagree.
//
// Template syntax:
//
//	{key:kind}   a parameter; Render reads args[key], Match fills it
//	[ ... ]      an optional part holding exactly one parameter; it is
//	             written when that parameter's argument is given
//	{:a|b}       fixed alternatives that carry no value (Render writes a)
//
// Kinds: name, names, text, text* (may be empty), number, slots, token,
// pronoun, possessive, flag (inside [...]: the words around it are there
// or not), s (the plural "s" of the number parameter key), and a|b|c (one
// of these words). The pronoun and possessive kinds both read the user's
// pronoun (she, he or they) from their key, conventionally "pronoun".

// ParamKind is the type of a phrase parameter.
type ParamKind string

// Parameter kinds.
const (
	// ParamName is a user's display name: one capitalized ASCII word.
	ParamName ParamKind = "name"
	// ParamNames is a list of display names: "Alice", "Alice and Bob",
	// "Alice, Bob and Jane". Its argument is a []string.
	ParamNames ParamKind = "names"
	// ParamText is quoted text that is not empty.
	ParamText ParamKind = "text"
	// ParamAnyText is quoted text that may be empty.
	ParamAnyText ParamKind = "text*"
	// ParamNumber is a whole number, 0 or more. Its argument is an int.
	ParamNumber ParamKind = "number"
	// ParamSlots is a list of quoted slot names: `slot "vin"`,
	// `slots "a", "b" and "c"`. Its argument is a []string.
	ParamSlots ParamKind = "slots"
	// ParamToken is the credential of a request: "no token", "a
	// malformed token", "a logged-out token", "her old token", ...
	ParamToken ParamKind = "token"
	// ParamEnum is one word of Param.Values, passed to the handler.
	ParamEnum ParamKind = "enum"
	// ParamChoice is one of Param.Values that carries no value: Render
	// writes the first, Match accepts any.
	ParamChoice ParamKind = "choice"
	// ParamFlag makes the optional part around it present (true) or
	// absent (false). Its argument is a bool; the handler receives the
	// part's text or "".
	ParamFlag ParamKind = "flag"
	// ParamPronoun is she, he or they, read from the argument of its key.
	ParamPronoun ParamKind = "pronoun"
	// ParamPossessive is her, his or their for the pronoun in its key.
	ParamPossessive ParamKind = "possessive"
	// ParamPlural is "s" unless the number argument of its key is 1.
	ParamPlural ParamKind = "s"
)

// Param is one parameter of a step phrase.
type Param struct {
	// Key names the argument in Args.
	Key  string
	Kind ParamKind
	// Values are the words of ParamEnum, ParamChoice and ParamToken.
	Values []string
	// Optional says the parameter stands in an optional part.
	Optional bool
}

// captured reports whether godog passes the parameter to the handler.
func (p Param) captured() bool {
	switch p.Kind {
	case ParamPronoun, ParamPossessive, ParamChoice, ParamPlural:
		return false
	}
	return true
}

// Args are the values of a step's parameters, by key: string for names,
// text, enumerations, tokens and pronouns; []string for name and slot
// lists; int for numbers; bool for flags. For a step that takes a data
// table, "table" holds its rows under the header, as [][]string; for a
// step that takes a doc string, "docstring" holds its text.
type Args map[string]any

// TableKey is the key of a step's data table rows in Args.
const TableKey = "table"

// DocStringKey is the key of a step's doc string in Args.
const DocStringKey = "docstring"

// Step is a rendered step: the text after the keyword and, for a step that
// takes one, its data table (header row first) or its doc string.
type Step struct {
	Text      string
	Table     [][]string
	DocString string
}

// RenderError says why a value cannot be carried by a step phrase. It
// never holds the value itself, which may be a secret.
type RenderError struct {
	// Step is the definition's ID.
	Step string
	// Param is the argument key ("table" for a cell of the data table).
	Param string
	// Row and Col locate a table cell: Row counts the rows under the
	// header from 1, Col the columns from 0. Both are 0 otherwise.
	Row, Col int
	// Problem says what is wrong, e.g. "contains a double quote".
	Problem string
}

func (e *RenderError) Error() string {
	where := e.Param
	if e.Param == TableKey {
		where = fmt.Sprintf("table row %d, column %d", e.Row, e.Col+1)
	}
	return fmt.Sprintf("step %s: %s %s", e.Step, where, e.Problem)
}

// Limits on what a step may carry. Gherkin reads a file line by line
// with a 64 KiB line buffer (and panics on a longer line), so a rendered
// line must stay well below it whatever the indentation and keyword.
const (
	// MaxStepText bounds the text of a step, in bytes.
	MaxStepText = 60 << 10
	// MaxTableRow bounds the cells of one table row together, escaped, in
	// bytes.
	MaxTableRow = 60 << 10
)

// part is one piece of a parsed template.
type part struct {
	lit      string
	param    int    // index into Definition.Params; -1 for a literal
	optional []part // the parts of an optional group
	optParam int    // the parameter that makes the group present
}

// The regexp of each kind of value.
const (
	namePat   = `[A-Z][A-Za-z0-9]*`
	namesPat  = namePat + `(?:(?:, ` + namePat + `)* and ` + namePat + `)?`
	quotedPat = `"[^"]*"`
	slotsPat  = `slots? ` + quotedPat + `(?:(?:, ` + quotedPat + `)* and ` + quotedPat + `)?`
)

// tokenPhrases are the credentials a request of the access checks can
// carry (see ParseTokenKind).
var tokenPhrases = []string{"no token", "a malformed token", "a logged-out token", "her old token", "his old token", "their old token"}

var (
	pronouns    = []string{"she", "he", "they"}
	possessives = []string{"her", "his", "their"}
)

// parseTemplate reads a template into parts and parameters. It panics on
// a malformed template: the table is code, and a mistake in it must stop
// the program at its start.
func parseTemplate(tmpl string) ([]part, []Param) {
	var params []Param
	var parse func(s string, optional bool) ([]part, string)
	parse = func(s string, optional bool) ([]part, string) {
		var parts []part
		var lit strings.Builder
		flush := func() {
			if lit.Len() > 0 {
				parts = append(parts, part{lit: lit.String(), param: -1})
				lit.Reset()
			}
		}
		for len(s) > 0 {
			switch s[0] {
			case '{':
				end := strings.IndexByte(s, '}')
				if end < 0 {
					panic(fmt.Sprintf("steps: template %q: unclosed {", tmpl))
				}
				flush()
				params = append(params, parseParam(tmpl, s[1:end], optional))
				parts = append(parts, part{param: len(params) - 1})
				s = s[end+1:]
			case '[':
				if optional {
					panic(fmt.Sprintf("steps: template %q: optional parts do not nest", tmpl))
				}
				flush()
				first := len(params)
				inner, rest := parse(s[1:], true)
				if len(params)-first != 1 {
					panic(fmt.Sprintf("steps: template %q: an optional part holds exactly one parameter", tmpl))
				}
				parts = append(parts, part{param: -1, optional: inner, optParam: first})
				s = rest
			case ']':
				if !optional {
					panic(fmt.Sprintf("steps: template %q: ] without [", tmpl))
				}
				flush()
				return parts, s[1:]
			case '}':
				panic(fmt.Sprintf("steps: template %q: } without {", tmpl))
			default:
				lit.WriteByte(s[0])
				s = s[1:]
			}
		}
		if optional {
			panic(fmt.Sprintf("steps: template %q: unclosed [", tmpl))
		}
		flush()
		return parts, ""
	}
	parts, _ := parse(tmpl, false)
	return parts, params
}

func parseParam(tmpl, spec string, optional bool) Param {
	key, kind, ok := strings.Cut(spec, ":")
	if !ok {
		panic(fmt.Sprintf("steps: template %q: parameter {%s} needs key:kind", tmpl, spec))
	}
	p := Param{Key: key, Kind: ParamKind(kind), Optional: optional}
	switch p.Kind {
	case ParamName, ParamNames, ParamText, ParamAnyText, ParamNumber, ParamSlots, ParamPronoun, ParamPossessive, ParamPlural:
	case ParamToken:
		p.Values = tokenPhrases
	case ParamFlag:
		if !optional {
			panic(fmt.Sprintf("steps: template %q: a flag stands in an optional part", tmpl))
		}
	default:
		if !strings.Contains(kind, "|") {
			panic(fmt.Sprintf("steps: template %q: unknown kind %q", tmpl, kind))
		}
		p.Values = strings.Split(kind, "|")
		p.Kind = ParamEnum
		if key == "" {
			p.Kind = ParamChoice
		}
	}
	if key == "" && p.Kind != ParamChoice {
		panic(fmt.Sprintf("steps: template %q: parameter {%s} has no key", tmpl, spec))
	}
	if optional && !p.captured() {
		panic(fmt.Sprintf("steps: template %q: {%s} cannot be optional", tmpl, spec))
	}
	return p
}

// valuePattern is the regexp of one parameter's value, without a group.
func (p Param) valuePattern() string {
	switch p.Kind {
	case ParamName:
		return namePat
	case ParamNames:
		return namesPat
	case ParamText, ParamAnyText:
		return `"[^"]*"`
	case ParamNumber:
		return `\d+`
	case ParamSlots:
		return slotsPat
	case ParamPronoun:
		return alternatives(pronouns)
	case ParamPossessive:
		return alternatives(possessives)
	case ParamPlural:
		return `s?`
	case ParamFlag:
		return ""
	}
	return alternatives(p.Values)
}

func alternatives(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = regexp.QuoteMeta(w)
	}
	return `(?:` + strings.Join(q, "|") + `)`
}

// buildPatterns makes the godog pattern, whose groups are the captured
// parameters in order (quoted text without its quotes, a flag's whole
// optional part), and the match pattern, with one group per parameter.
func buildPatterns(parts []part, params []Param) (godogRe, matchRe string, groups []int) {
	var g, m strings.Builder
	groups = make([]int, len(params))
	n := 0
	var write func(parts []part)
	param := func(i int) {
		p := params[i]
		n++
		groups[i] = n
		if p.Kind == ParamText || p.Kind == ParamAnyText {
			g.WriteString(`"([^"]*)"`)
			m.WriteString(`"([^"]*)"`)
			return
		}
		if p.captured() && p.Kind != ParamFlag {
			g.WriteString("(" + p.valuePattern() + ")")
		} else {
			g.WriteString(p.valuePattern())
		}
		m.WriteString("(" + p.valuePattern() + ")")
	}
	write = func(parts []part) {
		for _, pt := range parts {
			switch {
			case pt.optional != nil:
				flag := params[pt.optParam].Kind == ParamFlag
				if flag {
					g.WriteString("(")
				} else {
					g.WriteString("(?:")
				}
				m.WriteString("(?:")
				write(pt.optional)
				g.WriteString(")?")
				m.WriteString(")?")
			case pt.param >= 0:
				param(pt.param)
			default:
				q := regexp.QuoteMeta(pt.lit)
				g.WriteString(q)
				m.WriteString(q)
			}
		}
	}
	write(parts)
	return "^" + g.String() + "$", "^" + m.String() + "$", groups
}

// compileDefinition fills in a Definition from its template and checks
// that its handler takes what godog will pass: an optional context, then
// one string (int for numbers) per captured parameter, then the data
// table when the step takes one.
func compileDefinition(d Definition) Definition {
	d.parts, d.Params = parseTemplate(d.Template)
	gp, mp, groups := buildPatterns(d.parts, d.Params)
	d.Pattern = regexp.MustCompile(gp)
	d.match = regexp.MustCompile(mp)
	d.groups = groups
	for i, p := range d.Params {
		switch p.Kind {
		case ParamPronoun, ParamPossessive:
			// one pronoun per phrase, read from its key
		case ParamPlural:
			if j := slices.IndexFunc(d.Params, func(q Param) bool { return q.Key == p.Key && q.Kind == ParamNumber }); j < 0 {
				panic(fmt.Sprintf("steps: %s: {%s:s} needs a number parameter %s", d.ID, p.Key, p.Key))
			}
		default:
			for _, q := range d.Params[:i] {
				if q.Key == p.Key && q.Kind != p.Kind && q.Kind != ParamPronoun && q.Kind != ParamPossessive {
					panic(fmt.Sprintf("steps: %s: key %s has two kinds", d.ID, p.Key))
				}
			}
		}
	}
	checkHandler(d)
	return d
}

var (
	contextType = reflect.TypeFor[context.Context]()
	errorType   = reflect.TypeFor[error]()
	tableType   = reflect.TypeFor[*godog.Table]()
	docType     = reflect.TypeFor[*godog.DocString]()
)

func checkHandler(d Definition) {
	t := reflect.TypeOf(d.handler)
	if t == nil || t.Kind() != reflect.Func {
		panic(fmt.Sprintf("steps: %s: handler is not a function", d.ID))
	}
	var want []reflect.Type
	for _, p := range d.Params {
		switch {
		case !p.captured():
		case p.Kind == ParamNumber:
			want = append(want, reflect.TypeOf(0))
		default:
			want = append(want, reflect.TypeOf(""))
		}
	}
	if d.Table != nil && d.DocString {
		panic(fmt.Sprintf("steps: %s: a step takes a data table or a doc string, not both", d.ID))
	}
	if d.Table != nil {
		want = append(want, tableType)
	}
	if d.DocString {
		want = append(want, docType)
	}
	in := 0
	if t.NumIn() > 0 && t.In(0) == contextType {
		in = 1
	}
	ok := t.NumIn()-in == len(want) && t.NumOut() == 1 && t.Out(0) == errorType
	for i := 0; ok && i < len(want); i++ {
		ok = t.In(in+i) == want[i]
	}
	if !ok {
		panic(fmt.Sprintf("steps: %s: handler %s does not take %v and return error", d.ID, t, want))
	}
}

// Render writes the step phrase for args, or says why a value cannot be
// carried: a quote or line break in quoted text, an empty name, a table
// cell with white space around it, an unknown argument, a line too long
// for Gherkin. What Render writes, Match reads back to the same values.
func (d Definition) Render(args Args) (Step, error) {
	fail := func(param, format string, a ...any) (Step, error) {
		return Step{}, &RenderError{Step: d.ID, Param: param, Problem: fmt.Sprintf(format, a...)}
	}
	for k := range args {
		if (k == TableKey && d.Table != nil) || (k == DocStringKey && d.DocString) {
			continue
		}
		if !slices.ContainsFunc(d.Params, func(p Param) bool { return p.Key == k }) {
			return fail(k, "is not a parameter of this step")
		}
	}
	var b strings.Builder
	var write func(parts []part) error
	write = func(parts []part) error {
		for _, pt := range parts {
			switch {
			case pt.optional != nil:
				p := d.Params[pt.optParam]
				v, given := args[p.Key]
				if !given || v == nil {
					continue
				}
				if p.Kind == ParamFlag {
					on, ok := v.(bool)
					if !ok {
						return &RenderError{Step: d.ID, Param: p.Key, Problem: fmt.Sprintf("must be a bool, got %T", v)}
					}
					if !on {
						continue
					}
				}
				if err := write(pt.optional); err != nil {
					return err
				}
			case pt.param >= 0:
				s, err := d.renderParam(d.Params[pt.param], args)
				if err != nil {
					return err
				}
				b.WriteString(s)
			default:
				b.WriteString(pt.lit)
			}
		}
		return nil
	}
	if err := write(d.parts); err != nil {
		return Step{}, err
	}
	st := Step{Text: b.String()}
	if len(st.Text) > MaxStepText {
		return fail(d.longestParam(args), "makes the step %d bytes long, more than the %d a step line may hold", len(st.Text), MaxStepText)
	}
	if d.Table != nil {
		rows, err := d.renderTable(args[TableKey])
		if err != nil {
			return Step{}, err
		}
		st.Table = rows
	} else if _, given := args[TableKey]; given {
		return fail(TableKey, "is given, but this step takes no table")
	}
	if d.DocString {
		text, ok := args[DocStringKey].(string)
		if !ok {
			return fail(DocStringKey, "is missing, or not a string")
		}
		if pr := DocStringProblem(text); pr != "" {
			return fail(DocStringKey, "%s", pr)
		}
		st.DocString = text
	}
	return st, nil
}

// longestParam names the argument most likely to have made a step too
// long, for the error.
func (d Definition) longestParam(args Args) string {
	best, n := "", -1
	for k, v := range args {
		l := len(fmt.Sprint(v))
		if l > n || (l == n && k < best) {
			best, n = k, l
		}
	}
	return best
}

func (d Definition) renderParam(p Param, args Args) (string, error) {
	fail := func(format string, a ...any) (string, error) {
		return "", &RenderError{Step: d.ID, Param: p.Key, Problem: fmt.Sprintf(format, a...)}
	}
	if p.Kind == ParamChoice {
		return p.Values[0], nil
	}
	v, given := args[p.Key]
	if !given || v == nil {
		return fail("is missing")
	}
	str := func() (string, bool) { s, ok := v.(string); return s, ok }
	switch p.Kind {
	case ParamName:
		s, ok := str()
		if !ok {
			return fail("must be a string, got %T", v)
		}
		if pr := NameProblem(s); pr != "" {
			return fail("%s", pr)
		}
		return s, nil
	case ParamNames:
		names, ok := v.([]string)
		if !ok {
			return fail("must be a []string, got %T", v)
		}
		if len(names) == 0 {
			return fail("is an empty list; name at least one user")
		}
		for _, n := range names {
			if pr := NameProblem(n); pr != "" {
				return fail("%s", pr)
			}
		}
		return joinNames(names), nil
	case ParamText, ParamAnyText:
		s, ok := str()
		if !ok {
			return fail("must be a string, got %T", v)
		}
		if s == "" && (p.Kind == ParamText || p.Optional) {
			if p.Optional {
				return fail("is empty; leave it out instead")
			}
			return fail("is empty")
		}
		if pr := TextProblem(s); pr != "" {
			return fail("%s", pr)
		}
		return `"` + s + `"`, nil
	case ParamNumber:
		n, ok := v.(int)
		if !ok {
			return fail("must be an int, got %T", v)
		}
		if n < 0 {
			return fail("is negative (%d); a step counts from 0", n)
		}
		return strconv.Itoa(n), nil
	case ParamSlots:
		slots, ok := v.([]string)
		if !ok {
			return fail("must be a []string, got %T", v)
		}
		if len(slots) == 0 {
			return fail("is an empty list; name at least one slot")
		}
		q := make([]string, len(slots))
		for i, s := range slots {
			if s == "" {
				return fail("holds an empty slot name")
			}
			if pr := TextProblem(s); pr != "" {
				return fail("%s", pr)
			}
			q[i] = `"` + s + `"`
		}
		if len(q) == 1 {
			return "slot " + q[0], nil
		}
		return "slots " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1], nil
	case ParamEnum, ParamToken:
		s, ok := str()
		if !ok {
			return fail("must be a string, got %T", v)
		}
		if !slices.Contains(p.Values, s) {
			return fail("must be one of %s", strings.Join(quoteAll(p.Values), ", "))
		}
		return s, nil
	case ParamPronoun, ParamPossessive:
		s, ok := str()
		i := slices.Index(pronouns, s)
		if !ok || i < 0 {
			return fail("must be she, he or they")
		}
		if p.Kind == ParamPossessive {
			return possessives[i], nil
		}
		return s, nil
	case ParamPlural:
		if n, ok := v.(int); ok && n == 1 {
			return "", nil
		}
		return "s", nil
	case ParamFlag:
		return "", nil
	}
	return fail("has an unknown kind %q", p.Kind)
}

func (d Definition) renderTable(v any) ([][]string, error) {
	fail := func(row, col int, format string, a ...any) error {
		return &RenderError{Step: d.ID, Param: TableKey, Row: row, Col: col, Problem: fmt.Sprintf(format, a...)}
	}
	rows, ok := v.([][]string)
	if !ok {
		if v == nil {
			return nil, fail(0, 0, "is missing")
		}
		return nil, fail(0, 0, "must be a [][]string, got %T", v)
	}
	if len(rows) == 0 {
		return nil, fail(0, 0, "has no rows")
	}
	out := [][]string{d.Table}
	for i, r := range rows {
		if len(r) != len(d.Table) {
			return nil, fail(i+1, 0, "has %d cells, want %d (%s)", len(r), len(d.Table), strings.Join(d.Table, ", "))
		}
		size := 0
		for j, c := range r {
			if pr := CellProblem(c); pr != "" {
				return nil, fail(i+1, j, "%s", pr)
			}
			size += len(escapeCell(c))
		}
		if size > MaxTableRow {
			return nil, fail(i+1, 0, "is %d bytes long, more than the %d a table row may hold", size, MaxTableRow)
		}
		out = append(out, slices.Clone(r))
	}
	return out, nil
}

// Match reads a step's text back into the arguments that render it; false
// when the text is not this step. Pronouns and possessives come back as
// "pronoun" (she, he or they); an optional part that is absent leaves its
// key out; the data table is not read (it is not part of the text).
func (d Definition) Match(text string) (Args, bool) {
	m := d.match.FindStringSubmatchIndex(text)
	if m == nil {
		return nil, false
	}
	args := Args{}
	for i, p := range d.Params {
		g := d.groups[i]
		if m[2*g] < 0 {
			if p.Kind == ParamFlag {
				args[p.Key] = false
			}
			continue
		}
		s := text[m[2*g]:m[2*g+1]]
		var v any
		switch p.Kind {
		case ParamChoice, ParamPlural:
			continue
		case ParamName, ParamEnum, ParamToken:
			v = s
		case ParamNames:
			v = splitNames(s)
		case ParamText, ParamAnyText:
			v = s
		case ParamNumber:
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, false
			}
			v = n
		case ParamSlots:
			v = splitQuoted(s)
		case ParamFlag:
			v = true
		case ParamPronoun:
			v = s
		case ParamPossessive:
			v = pronouns[slices.Index(possessives, s)]
		}
		if prev, seen := args[p.Key]; seen && !reflect.DeepEqual(prev, v) {
			return nil, false // a repeated key must name the same value
		}
		args[p.Key] = v
	}
	return args, true
}

// Phrase is the step as a scenario writer reads it: `<Sender> shares
// [slot "<slot>" of ]"<label>" with <Recipient>[ again]`, user names
// capitalized, quoted text in quotes, numbers as <key>, alternatives as
// a|b, optional parts in brackets.
func (d Definition) Phrase() string {
	var b strings.Builder
	var write func(parts []part)
	write = func(parts []part) {
		for _, pt := range parts {
			switch {
			case pt.optional != nil:
				b.WriteString("[")
				write(pt.optional)
				b.WriteString("]")
			case pt.param >= 0:
				p := d.Params[pt.param]
				switch p.Kind {
				case ParamName, ParamNames:
					b.WriteString("<" + strings.ToUpper(p.Key[:1]) + p.Key[1:] + ">")
				case ParamText, ParamAnyText:
					b.WriteString(`"<` + p.Key + `>"`)
				case ParamNumber:
					b.WriteString("<" + p.Key + ">")
				case ParamSlots:
					b.WriteString(`slot[s] "<slot>"[, "<slot>" and "<slot>"]`)
				case ParamToken:
					b.WriteString("<token>")
				case ParamPronoun:
					b.WriteString(strings.Join(pronouns, "|"))
				case ParamPossessive:
					b.WriteString(strings.Join(possessives, "|"))
				case ParamPlural:
					b.WriteString("(s)")
				case ParamEnum, ParamChoice:
					b.WriteString(strings.Join(p.Values, "|"))
				}
			default:
				b.WriteString(pt.lit)
			}
		}
	}
	write(d.parts)
	return b.String()
}

// Summary is the first sentence of the definition's Doc.
func (d Definition) Summary() string {
	s := d.Doc
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}

// NameProblem says why s cannot be a user's display name in a step, or "".
func NameProblem(s string) string {
	switch {
	case s == "":
		return "is empty"
	case !nameRe.MatchString(s):
		return "is not a display name: one word of ASCII letters and digits starting with a capital letter"
	}
	return ""
}

// TextProblem says why s cannot stand between the quotes of a step, or
// "". A step is one line of Gherkin, and its quoted text ends at the next
// double quote; everything else (backslashes, zero-width and other
// non-ASCII characters) is carried as it is. Control characters other than
// tab are refused too, as they cannot be read in a report.
func TextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == '"':
			return `contains a double quote ("), which would end the step's quoted text`
		case r == '\n' || r == '\r':
			return "spans several lines; a step is one line"
		case r != '\t' && unicode.IsControl(r):
			return fmt.Sprintf("contains the control character %U", r)
		}
	}
	return ""
}

// CellProblem says why s cannot be a cell of a step's data table, or "".
// Cells escape \, | and line breaks (see TableLines), but Gherkin trims
// white space around a cell, which no escape keeps.
func CellProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	trimmed := strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) && r != '\n' })
	if trimmed != s {
		return "starts or ends with white space, which Gherkin trims from table cells"
	}
	for _, r := range s {
		if r != '\t' && r != '\n' && unicode.IsControl(r) {
			return fmt.Sprintf("contains the control character %U", r)
		}
	}
	return ""
}

// DocStringProblem says why s cannot be the text of a step's doc string,
// or "". Every line is carried as it is (DocStringLines escapes what would
// end the doc string), but a doc string is text: control characters other
// than tab and line breaks are refused, and a "\r" would be lost, as
// Gherkin reads "\r\n" as a line break.
func DocStringProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		if r == '\r' {
			return "contains a carriage return, which Gherkin drops at the end of a line"
		}
		if r != '\t' && r != '\n' && unicode.IsControl(r) {
			return fmt.Sprintf("contains the control character %U", r)
		}
	}
	return ""
}

// DocStringLines writes a doc string as Gherkin lines, without
// indentation: the opening """, the text (a """ in it escaped, as Gherkin
// reads \"\"\" back as """), the closing """.
func DocStringLines(text string) []string {
	out := []string{`"""`}
	for line := range strings.SplitSeq(text, "\n") {
		out = append(out, strings.ReplaceAll(line, `"""`, `\"\"\"`))
	}
	return append(out, `"""`)
}

// escapeCell writes a cell so that Gherkin reads it back unchanged.
func escapeCell(v string) string {
	return cellEscaper.Replace(v)
}

var cellEscaper = strings.NewReplacer(`\`, `\\`, `|`, `\|`, "\n", `\n`)

// maxPad is the widest column TableLines aligns; wider cells are written
// unpadded so that one long value does not lengthen every row.
const maxPad = 80

// TableLines writes table rows as Gherkin lines ("| slot | value |"),
// cells escaped and columns aligned, without indentation.
func TableLines(rows [][]string) []string {
	if len(rows) == 0 {
		return nil
	}
	cells := make([][]string, len(rows))
	widths := make([]int, len(rows[0]))
	for i, row := range rows {
		cells[i] = make([]string, len(row))
		for j, c := range row {
			cells[i][j] = escapeCell(c)
			if j < len(widths) {
				widths[j] = max(widths[j], utf8.RuneCountInString(cells[i][j]))
			}
		}
	}
	out := make([]string, len(rows))
	for i, row := range cells {
		var b strings.Builder
		b.WriteString("|")
		for j, c := range row {
			b.WriteString(" ")
			b.WriteString(c)
			if j < len(widths) && widths[j] <= maxPad {
				b.WriteString(strings.Repeat(" ", widths[j]-utf8.RuneCountInString(c)))
			}
			b.WriteString(" |")
		}
		out[i] = b.String()
	}
	return out
}

// joinNames writes a list of names as the steps read them: "Alice",
// "Alice and Bob", "Alice, Bob and Jane".
func joinNames(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Quote(v)
	}
	return out
}
