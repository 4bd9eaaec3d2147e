package hclscenario

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/hashicorp/hcl/v2"
)

// StepDef is a step definition as the checker needs it: the pattern godog
// matches step text against, and the definition's source form for hints.
type StepDef struct {
	Pattern *regexp.Regexp
	Text    string
}

// Problem is one finding in a Gherkin file.
type Problem struct {
	File      string
	Line, Col int
	Message   string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Message)
}

var gherkinErrRe = regexp.MustCompile(`^\((\d+):(\d+)\): (.*)$`)

// parsedStep is one step of a parsed document, with its position.
type parsedStep struct {
	text      string
	line, col int
}

// parseGherkin parses src and returns its steps, each once (a Background
// step is listed once, not once per scenario), in file order.
func parseGherkin(name string, src []byte) ([]parsedStep, []Problem) {
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), ids.NewId)
	if err != nil {
		var probs []Problem
		for _, l := range strings.Split(err.Error(), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || l == "Parser errors:" {
				continue
			}
			if m := gherkinErrRe.FindStringSubmatch(l); m != nil {
				line, _ := strconv.Atoi(m[1])
				col, _ := strconv.Atoi(m[2])
				probs = append(probs, Problem{File: name, Line: line, Col: col, Message: "Gherkin syntax: " + m[3]})
			} else {
				probs = append(probs, Problem{File: name, Line: 1, Col: 1, Message: "Gherkin syntax: " + l})
			}
		}
		return nil, probs
	}
	if doc.Feature == nil {
		return nil, nil
	}
	pos := map[string]*messages.Step{}
	collect := func(steps []*messages.Step) {
		for _, s := range steps {
			pos[s.Id] = s
		}
	}
	for _, ch := range doc.Feature.Children {
		if ch.Background != nil {
			collect(ch.Background.Steps)
		}
		if ch.Scenario != nil {
			collect(ch.Scenario.Steps)
		}
		if ch.Rule != nil {
			for _, rc := range ch.Rule.Children {
				if rc.Background != nil {
					collect(rc.Background.Steps)
				}
				if rc.Scenario != nil {
					collect(rc.Scenario.Steps)
				}
			}
		}
	}
	// Pickles give the text godog matches (outline placeholders filled in);
	// the AST gives the position.
	type key struct {
		text string
		line int
	}
	seen := map[key]bool{}
	var out []parsedStep
	for _, p := range gherkin.Pickles(*doc, name, ids.NewId) {
		for _, ps := range p.Steps {
			if len(ps.AstNodeIds) == 0 {
				continue
			}
			s := pos[ps.AstNodeIds[0]]
			if s == nil {
				continue
			}
			k := key{ps.Text, int(s.Location.Line)}
			if seen[k] {
				continue
			}
			seen[k] = true
			col := int(s.Location.Column) + len(s.Keyword)
			out = append(out, parsedStep{text: ps.Text, line: int(s.Location.Line), col: col})
		}
	}
	slices.SortStableFunc(out, func(a, b parsedStep) int { return a.line - b.line })
	return out, nil
}

// matchStep reports what is wrong with text against defs: no definition
// (with the closest as a hint) or several; "" when exactly one matches.
func matchStep(text string, defs []StepDef) string {
	var hits []string
	for _, d := range defs {
		if d.Pattern != nil && d.Pattern.MatchString(text) {
			hits = append(hits, d.Text)
		}
	}
	switch len(hits) {
	case 1:
		return ""
	case 0:
		msg := fmt.Sprintf("undefined step %q", text)
		if best := closestDef(text, defs); best != "" {
			msg += fmt.Sprintf("; did you mean %q?", best)
		}
		return msg
	}
	return fmt.Sprintf("ambiguous step %q matches %d definitions: %s", text, len(hits), quoteList(hits))
}

// CheckGherkin parses one Gherkin file and matches each of its steps
// against defs, without running anything. With nil defs it checks the
// syntax only.
func CheckGherkin(name string, src []byte, defs []StepDef) []Problem {
	steps, probs := parseGherkin(name, src)
	if probs != nil || defs == nil {
		return probs
	}
	for _, s := range steps {
		if msg := matchStep(s.text, defs); msg != "" {
			probs = append(probs, Problem{File: name, Line: s.line, Col: s.col, Message: msg})
		}
	}
	return probs
}

// CheckSteps matches every step of the compiled features against defs and
// reports each step that matches none or several at the HCL that produced
// it, so that a language change the step library does not follow is found
// before anything runs.
func (s *Set) CheckSteps(defs []StepDef) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, f := range s.features {
		steps, probs := parseGherkin(f.Name, f.Contents)
		for _, p := range probs {
			// The compiler's own output must always parse; if it does not,
			// that is a bug here, reported rather than hidden.
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Compiled Gherkin does not parse",
				Detail: fmt.Sprintf("line %d: %s (a bug in vaultcheck's HCL compiler)", p.Line, p.Message)})
		}
		for _, st := range steps {
			msg := matchStep(st.text, defs)
			if msg == "" {
				continue
			}
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Step has no single definition", Detail: msg}
			if rng, ok := s.Source(f.Name, st.line); ok {
				d.Subject = &rng
			}
			diags = append(diags, d)
		}
	}
	return finish(diags)
}

// wild stands for a captured value in step skeletons.
const wild = "\x00"

var quotedRe = regexp.MustCompile(`"[^"]*"`)

// closestDef returns the Text of the definition whose skeleton is closest
// to text, word by word, or "" if none is close enough to be a typo.
func closestDef(text string, defs []StepDef) string {
	words := strings.Fields(quotedRe.ReplaceAllString(text, `"`+wild+`"`))
	best, bestD := "", 1<<30
	for _, d := range defs {
		if d.Pattern == nil {
			continue
		}
		sk := strings.Fields(skeleton(d.Pattern.String()))
		if dist := wordDistance(words, sk); dist < bestD {
			best, bestD = d.Text, dist
		}
	}
	if bestD > max(2, len(words)/3) {
		return ""
	}
	return best
}

// skeleton turns a step pattern into words, captures becoming wild, e.g.
// `^(\w+) shares "([^"]*)" with (\w+)$` -> `␀ shares "␀" with ␀`.
func skeleton(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return pattern
	}
	var b strings.Builder
	var walk func(*syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			b.WriteString(string(r.Rune))
		case syntax.OpCapture, syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpPlus:
			if r.Op == syntax.OpCapture && len(r.Sub) == 1 && r.Sub[0].Op == syntax.OpLiteral {
				walk(r.Sub[0]) // a literal group, e.g. (?:again)
				return
			}
			b.WriteString(wild)
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpAlternate:
			if len(r.Sub) > 0 {
				walk(r.Sub[0])
			}
		case syntax.OpRepeat:
			if r.Min > 0 && len(r.Sub) > 0 {
				walk(r.Sub[0])
			}
		}
		// Optional parts (?, *) are left out: the skeleton is the shortest
		// form of the phrase.
	}
	walk(re)
	return b.String()
}

// wordDistance is the edit distance between two word lists, where a
// skeleton word holding wild matches any word with the same literal ends.
func wordDistance(text, sk []string) int {
	prev := make([]int, len(sk)+1)
	cur := make([]int, len(sk)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(text); i++ {
		cur[0] = i
		for j := 1; j <= len(sk); j++ {
			cost := 1
			if wordMatch(text[i-1], sk[j-1]) {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(sk)]
}

func wordMatch(w, sk string) bool {
	if !strings.Contains(sk, wild) {
		return w == sk
	}
	parts := strings.SplitN(sk, wild, 2)
	return strings.HasPrefix(w, parts[0]) && strings.HasSuffix(w[len(parts[0]):], strings.ReplaceAll(parts[1], wild, ""))
}
