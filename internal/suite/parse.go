package suite

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/vaultcheck/vaultcheck/internal/gherkindoc"
)

// Limits on what the loader hands to Gherkin and godog.
const (
	// MaxLine is the longest line, in bytes, Gherkin can read: it reads
	// with a bufio.Scanner of 64 KiB, and on a longer line its parser
	// dereferences nil and panics, in godog as in vaultcheck.
	MaxLine = bufio.MaxScanTokenSize - 1
	// MaxScenarios is the most scenarios one feature file may hold. godog
	// looks scenarios and steps up in a list of the file's scenarios, so
	// its parse and its reports take time growing with the square of a
	// file's scenarios (0.04 s for 4 000, 0.75 s for 16 000, minutes for
	// the 400 000 of a 50 MB file); a file beyond this is refused rather
	// than fed to it.
	MaxScenarios = 10000
	// maxFileProblems bounds the problems reported for one file: a binary
	// or badly broken file would give one per line.
	maxFileProblems = 20
	// maxQuoted bounds the text of a file quoted in a problem.
	maxQuoted = 60
	// cancelEvery is how many lines the parser reads between looks at
	// its context.
	cancelEvery = 1024
)

// countLines is the number of lines of src as Gherkin numbers them.
func countLines(src []byte) int {
	n := bytes.Count(src, []byte("\n"))
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return max(n, 1)
}

// textProblems checks that src is text Gherkin and godog can read: UTF-8
// without NUL bytes, no line longer than MaxLine. It reports the first
// problem of each kind, quoting (and cutting) what it shows.
func textProblems(name string, src []byte) []Problem {
	var probs []Problem
	line, start := 1, 0
	longSeen, badSeen := false, false
	for start <= len(src) {
		end := bytes.IndexByte(src[start:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += start
		}
		text := src[start:end]
		if !badSeen {
			if i := bytes.IndexByte(text, 0); i >= 0 {
				badSeen = true
				probs = append(probs, Problem{File: name, Line: line, Col: utf8.RuneCount(text[:i]) + 1, Kind: "not a text file",
					Msg: fmt.Sprintf("a NUL byte in %s; a scenario file is UTF-8 text", quote(text))})
			} else if !utf8.Valid(text) {
				badSeen = true
				i := invalidAt(text)
				probs = append(probs, Problem{File: name, Line: line, Col: utf8.RuneCount(text[:i]) + 1, Kind: "not UTF-8",
					Msg: fmt.Sprintf("byte 0x%02X is not UTF-8 in %s; a scenario file is UTF-8 text", text[i], quote(text))})
			}
		}
		if !longSeen && len(text) > MaxLine {
			longSeen = true
			probs = append(probs, Problem{File: name, Line: line, Col: 1, Kind: "line too long",
				Msg: fmt.Sprintf("the line is %d bytes long; Gherkin reads lines of at most %d bytes (%s)", len(text), MaxLine, quote(text))})
		}
		if badSeen && longSeen {
			break
		}
		start = end + 1
		line++
	}
	return probs
}

func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return 0
}

// quote shows text from a file in a message: quoted, escaped where not
// printable, cut at maxQuoted bytes.
func quote(b []byte) string {
	cut := len(b) > maxQuoted
	if cut {
		n := maxQuoted
		for n > 0 && !utf8.RuneStart(b[n]) {
			n--
		}
		b = b[:n]
	}
	q := strconv.QuoteToGraphic(string(b))
	if cut {
		q += "…"
	}
	return q
}

// scanner feeds Gherkin the lines of a file held in memory, as its own
// bufio scanner does (a "\r" before the "\n" dropped), without the line
// limit (textProblems enforces it) and ending the file early when ctx is
// done, so that an interrupt stops a long parse at once.
type scanner struct {
	ctx  context.Context
	src  []byte
	pos  int
	line int
	done bool
}

func (s *scanner) Scan() (*gherkin.Line, bool, error) {
	if s.line%cancelEvery == 0 && s.ctx.Err() != nil {
		s.pos = len(s.src) + 1
	}
	s.line++
	if s.pos >= len(s.src) {
		s.done = true
		return &gherkin.Line{LineNumber: s.line, AtEof: true}, true, nil
	}
	end := bytes.IndexByte(s.src[s.pos:], '\n')
	var text []byte
	if end < 0 {
		text, s.pos = s.src[s.pos:], len(s.src)
	} else {
		text, s.pos = s.src[s.pos:s.pos+end], s.pos+end+1
	}
	text = bytes.TrimSuffix(text, []byte("\r"))
	str := string(text)
	return &gherkin.Line{LineText: str, LineNumber: s.line, TrimmedLineText: strings.TrimLeft(str, " \t")}, false, nil
}

var gherkinErrRe = regexp.MustCompile(`(?s)^\((\d+):(\d+)\): (.*)$`)

// gotRe finds the line a Gherkin error quotes raw: "..., got 'text'".
var gotRe = regexp.MustCompile(`(?s)^(.*, got )'(.*)'$`)

// parseFeature parses one Gherkin document the way godog will, after
// checking that godog can read it. Syntax errors come back as problems at
// their line and column, the file's text in them quoted and cut; the
// error is ctx's when it ended the parse.
func parseFeature(ctx context.Context, uri string, src []byte) (*Feature, []Problem, error) {
	if probs := textProblems(uri, src); len(probs) > 0 {
		return nil, probs, nil
	}
	ids := &messages.Incrementing{}
	builder := gherkin.NewAstBuilder(ids.NewId)
	parser := gherkin.NewParser(builder)
	parser.StopAtFirstError(false)
	matcher := gherkin.NewLanguageMatcher(gherkin.DialectsBuiltin(), gherkin.DefaultDialect)
	sc := &scanner{ctx: ctx, src: src}
	perr := parser.Parse(sc, matcher)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if perr != nil {
		return nil, syntaxProblems(uri, perr), nil
	}
	doc := builder.GetGherkinDocument()
	doc.Uri = uri
	// Counted on the document, before the pickles of a huge file take
	// their memory.
	if n := countScenarios(doc); n > MaxScenarios {
		return nil, []Problem{{File: uri, Line: 1, Col: 1, Kind: "too many scenarios",
			Msg: fmt.Sprintf("the file holds %d scenarios, more than the %d a feature file may hold; godog's time grows with the square of a file's scenarios, so split it into several files", n, MaxScenarios)}}, nil
	}
	ft := &Feature{URI: uri, Contents: src, Doc: doc, Lines: map[string]int64{}, positions: map[string]Pos{}}
	ft.Pickles = gherkin.Pickles(*doc, uri, ids.NewId)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if doc.Feature != nil {
		index(ft, doc.Feature)
	}
	return ft, nil, nil
}

// countScenarios is the number of pickles doc makes: one per scenario,
// one per Examples row of an outline.
func countScenarios(doc *messages.GherkinDocument) int {
	if doc.Feature == nil {
		return 0
	}
	n := 0
	scenario := func(sc *messages.Scenario) {
		if len(sc.Examples) == 0 {
			n++
			return
		}
		for _, ex := range sc.Examples {
			n += len(ex.TableBody)
		}
	}
	gherkindoc.Walk(doc.Feature, nil, scenario)
	return n
}

// index records the line of every scenario, step and example row, and
// where each step's text starts.
func index(ft *Feature, f *messages.Feature) {
	steps := func(list []*messages.Step) {
		for _, st := range list {
			ft.Lines[st.Id] = st.Location.Line
			ft.positions[st.Id] = Pos{File: ft.URI, Line: int(st.Location.Line), Col: int(st.Location.Column) + utf8.RuneCountInString(st.Keyword)}
		}
	}
	scenario := func(sc *messages.Scenario) {
		ft.Lines[sc.Id] = sc.Location.Line
		steps(sc.Steps)
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				ft.Lines[row.Id] = row.Location.Line
			}
		}
	}
	gherkindoc.Walk(f, steps, scenario)
}

// syntaxProblems turns Gherkin's parse errors into problems. Its error
// value is an unexported slice of errors; anything else is one error.
func syntaxProblems(uri string, err error) []Problem {
	var errs []error
	if v := reflect.ValueOf(err); v.Kind() == reflect.Slice {
		for i := range v.Len() {
			if e, ok := v.Index(i).Interface().(error); ok {
				errs = append(errs, e)
			}
		}
	}
	if len(errs) == 0 {
		errs = []error{err}
	}
	var probs []Problem
	for i, e := range errs {
		if i == maxFileProblems {
			probs = append(probs, Problem{File: uri, Line: probs[len(probs)-1].Line, Kind: "Gherkin syntax",
				Msg: fmt.Sprintf("… and %d more errors", len(errs)-maxFileProblems)})
			break
		}
		p := Problem{File: uri, Line: 1, Col: 1, Kind: "Gherkin syntax", Msg: e.Error()}
		if m := gherkinErrRe.FindStringSubmatch(e.Error()); m != nil {
			// The digits can only fail to parse by overflowing; the
			// problem then stays at 1:1.
			if l, err := strconv.Atoi(m[1]); err == nil {
				p.Line = l
			}
			if c, err := strconv.Atoi(m[2]); err == nil {
				p.Col = c
			}
			p.Msg = m[3]
		}
		if m := gotRe.FindStringSubmatch(p.Msg); m != nil {
			p.Msg = m[1] + quote([]byte(m[2]))
		} else {
			p.Msg = strings.Join(strings.Fields(p.Msg), " ")
		}
		probs = append(probs, p)
	}
	return probs
}
