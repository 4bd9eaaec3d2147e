package harness

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// ErrBadTags reports a tag expression that is neither a valid cucumber tag
// expression nor a valid godog (behat) filter.
var ErrBadTags = errors.New("bad tag expression")

// maxTagTerms caps the size of the disjunctive normal form a cucumber
// expression expands to. Expansion is exponential in the worst case
// ("(@a or @b) and (@c or @d) and ..."); a cap turns a pathological
// expression into a usage error instead of a hang.
const maxTagTerms = 256

// tagLit is one literal of a tag filter: a tag name (without "@"),
// possibly negated.
type tagLit struct {
	name string
	not  bool
}

// Tags is a tag filter in disjunctive normal form: the scenario matches if
// all literals of at least one term match. The zero Tags (no terms) selects
// every scenario.
//
// godog only understands the old behat syntax ("@a&&~@b,@c") and silently
// selects nothing when given a cucumber expression ("not @b"), and panics on
// "@a&&". ParseTags accepts both syntaxes and normalises them to a DNF that
// String renders in godog's syntax, so what reaches godog is always
// well-formed.
type Tags struct {
	terms [][]tagLit
}

// ParseTags parses a tag expression in either syntax:
//
//   - cucumber tag expressions: "@a and not (@b or @c)", with the operators
//     "and", "or", "not" (lower case) and parentheses;
//   - godog/behat filters: "@a&&~@b,@c", where "," is OR, "&&" is AND and
//     "~" is NOT (no parentheses; AND binds tighter than OR).
//
// The empty string (or only spaces) selects every scenario. Mixing the two
// syntaxes, empty terms, missing operands and unbalanced parentheses are
// errors wrapping ErrBadTags, as is an expression no scenario could ever
// match ("@a and not @a"), because godog has no way to say "nothing".
func ParseTags(expr string) (Tags, error) {
	s := strings.TrimSpace(expr)
	if s == "" {
		return Tags{}, nil
	}
	var (
		terms [][]tagLit
		err   error
	)
	if isCucumberSyntax(s) {
		if strings.ContainsAny(s, ",~") || strings.Contains(s, "&&") {
			return Tags{}, fmt.Errorf("%w %q: mixes cucumber operators (and, or, not, parentheses) with godog operators (&&, ~, ,); use one syntax", ErrBadTags, expr)
		}
		terms, err = parseCucumberTags(s)
	} else {
		terms, err = parseGodogTags(s)
	}
	if err != nil {
		return Tags{}, fmt.Errorf("%w %q: %v", ErrBadTags, expr, err)
	}
	terms, all := simplify(terms)
	if all {
		return Tags{}, nil // a term with no conditions: every scenario
	}
	if len(terms) == 0 {
		return Tags{}, fmt.Errorf("%w %q: can never match any scenario (it requires a tag to be both present and absent)", ErrBadTags, expr)
	}
	return Tags{terms: terms}, nil
}

// isCucumberSyntax reports whether s uses any cucumber-only token: a
// parenthesis or one of the words and/or/not.
func isCucumberSyntax(s string) bool {
	if strings.ContainsAny(s, "()") {
		return true
	}
	for _, w := range strings.Fields(s) {
		switch w {
		case "and", "or", "not":
			return true
		}
	}
	return false
}

// IsZero reports whether t selects every scenario.
func (t Tags) IsZero() bool { return len(t.terms) == 0 }

// String renders t in godog's filter syntax ("@a&&~@b,@c"); "" for the zero
// Tags.
func (t Tags) String() string {
	var b strings.Builder
	for i, term := range t.terms {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, l := range term {
			if j > 0 {
				b.WriteString("&&")
			}
			if l.not {
				b.WriteByte('~')
			}
			b.WriteByte('@')
			b.WriteString(l.name)
		}
	}
	return b.String()
}

// Match reports whether a scenario with the given tags (with or without a
// leading "@") is selected, with godog's semantics.
func (t Tags) Match(tags []string) bool {
	if len(t.terms) == 0 {
		return true
	}
	have := make(map[string]bool, len(tags))
	for _, tg := range tags {
		have[strings.TrimPrefix(tg, "@")] = true
	}
	for _, term := range t.terms {
		ok := true
		for _, l := range term {
			if have[l.name] == l.not {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// checkTagName validates one tag as written (with or without "@") and
// returns its name without "@". Names may not contain characters that are
// operators in either syntax, so that the rendered godog filter means what
// the user wrote.
func checkTagName(tok string, requireAt bool) (string, error) {
	name, hadAt := strings.CutPrefix(tok, "@")
	switch {
	case tok == "":
		return "", errors.New("empty tag")
	case requireAt && !hadAt:
		return "", fmt.Errorf("%q is not a tag: tags start with @", tok)
	case name == "":
		return "", errors.New(`"@" without a tag name`)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || strings.ContainsRune("@~,&()\\!|", r) {
			return "", fmt.Errorf("tag %q contains %q", tok, r)
		}
	}
	return name, nil
}

// parseGodogTags parses the behat form strictly: OR-terms separated by ",",
// AND-literals by "&&", each literal an optional "~" and a tag.
func parseGodogTags(s string) ([][]tagLit, error) {
	var terms [][]tagLit
	for i, termSrc := range strings.Split(s, ",") {
		if strings.TrimSpace(termSrc) == "" {
			return nil, fmt.Errorf("empty alternative %d (around \",\")", i+1)
		}
		var term []tagLit
		for _, litSrc := range strings.Split(termSrc, "&&") {
			lit := strings.TrimSpace(litSrc)
			if lit == "" {
				return nil, fmt.Errorf("missing tag around \"&&\" in %q", strings.TrimSpace(termSrc))
			}
			neg := false
			if rest, ok := strings.CutPrefix(lit, "~"); ok {
				neg, lit = true, strings.TrimSpace(rest)
			}
			name, err := checkTagName(lit, false)
			if err != nil {
				return nil, err
			}
			term = append(term, tagLit{name: name, not: neg})
		}
		terms = append(terms, term)
	}
	return terms, nil
}

// cucumber tag expression grammar (operator precedence not > and > or):
//
//	or   = and { "or" and }
//	and  = not { "and" not }
//	not  = "not" not | "(" or ")" | tag
type tagParser struct {
	toks []string
	pos  int
}

func tokenizeTags(s string) []string {
	var toks []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			flush()
		case r == '(' || r == ')':
			flush()
			toks = append(toks, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

func parseCucumberTags(s string) ([][]tagLit, error) {
	p := &tagParser{toks: tokenizeTags(s)}
	terms, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q after a complete expression (missing and/or?)", p.toks[p.pos])
	}
	return terms, nil
}

func (p *tagParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *tagParser) parseOr() ([][]tagLit, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.pos++
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = append(left, right...)
		if len(left) > maxTagTerms {
			return nil, fmt.Errorf("expands to more than %d alternatives", maxTagTerms)
		}
	}
	return left, nil
}

func (p *tagParser) parseAnd() ([][]tagLit, error) {
	left, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" {
		p.pos++
		right, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		if left, err = andDNF(left, right); err != nil {
			return nil, err
		}
	}
	return left, nil
}

func (p *tagParser) parseNot() ([][]tagLit, error) {
	tok := p.peek()
	switch tok {
	case "":
		return nil, errors.New("expression ends where a tag, \"not\" or \"(\" was expected")
	case "not":
		p.pos++
		inner, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return notDNF(inner)
	case "(":
		p.pos++
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, errors.New("missing \")\"")
		}
		p.pos++
		return inner, nil
	case ")", "and", "or":
		return nil, fmt.Errorf("unexpected %q where a tag, \"not\" or \"(\" was expected", tok)
	}
	p.pos++
	name, err := checkTagName(tok, true)
	if err != nil {
		return nil, err
	}
	return [][]tagLit{{{name: name}}}, nil
}

// andDNF distributes AND over two DNFs.
func andDNF(a, b [][]tagLit) ([][]tagLit, error) {
	if len(a)*len(b) > maxTagTerms {
		return nil, fmt.Errorf("expands to more than %d alternatives", maxTagTerms)
	}
	out := make([][]tagLit, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, append(slices.Clip(x), y...))
		}
	}
	return out, nil
}

// notDNF negates a DNF by De Morgan: not(t1 or t2) = not t1 and not t2, and
// not(l1 and l2) = not l1 or not l2.
func notDNF(a [][]tagLit) ([][]tagLit, error) {
	out := [][]tagLit{{}} // neutral element of AND: "true"
	for _, term := range a {
		var neg [][]tagLit
		for _, l := range term {
			neg = append(neg, []tagLit{{name: l.name, not: !l.not}})
		}
		var err error
		if out, err = andDNF(out, neg); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// simplify drops duplicate literals inside a term, terms that contain a
// literal and its negation (they can never match), and duplicate terms.
// It keeps the order in which things were written so the rendered filter
// reads like the input. all is true when some term has no literals left,
// that is, the expression is always true.
func simplify(terms [][]tagLit) (out [][]tagLit, all bool) {
	seen := map[string]bool{}
	for _, term := range terms {
		var lits []tagLit
		pol := map[string]bool{}
		contradiction := false
		for _, l := range term {
			if p, ok := pol[l.name]; ok {
				if p != l.not {
					contradiction = true
					break
				}
				continue
			}
			pol[l.name] = l.not
			lits = append(lits, l)
		}
		if contradiction {
			continue
		}
		if len(lits) == 0 {
			return nil, true
		}
		key := Tags{terms: [][]tagLit{sortedLits(lits)}}.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, lits)
	}
	return out, false
}

func sortedLits(l []tagLit) []tagLit {
	c := slices.Clone(l)
	slices.SortFunc(c, func(a, b tagLit) int {
		if a.name != b.name {
			return strings.Compare(a.name, b.name)
		}
		switch {
		case a.not == b.not:
			return 0
		case a.not:
			return 1
		}
		return -1
	})
	return c
}
