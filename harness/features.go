package harness

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/internal/suite"
	"github.com/vaultcheck/vaultcheck/results"
)

// Error kinds of loading features.
var (
	// ErrBadPath reports a path that does not exist, cannot be read, is
	// not a scenario file, or selects a line with no scenario.
	ErrBadPath = suite.ErrBadPath
	// ErrParse reports a scenario file that does not load: a Gherkin or
	// HCL error, a binary file, a line or a file too long for godog, a
	// front end's error.
	ErrParse = errors.New("parse error")
	// ErrNoScenarios reports a run that would select no scenario at all:
	// a folder without features, or tags that match nothing. A conformance
	// run that checks nothing must not pass.
	ErrNoScenarios = suite.ErrNoScenarios
	// ErrScenario reports a mistake in a scenario (an undefined,
	// ambiguous or pending step, a step error that blames the scenario,
	// a scenario without steps) as opposed to a wrong answer from the
	// target.
	ErrScenario = errors.New("scenario error")
)

// FrontEnd turns one scenario file of another language into Gherkin
// features, which the harness runs through godog's FeatureContents so that
// every formatter and report works unchanged. HCL scenarios need none: the
// loader compiles them (with Options.Vars). path is the file as the user
// named it; each returned Feature's Name becomes its URI in reports and
// messages. Errors should read "<file>:<line>[:<col>]: <message>" and are
// usage errors (exit 2).
type FrontEnd = suite.FrontEnd

// featureExt is the extension of Gherkin files, which godog reads itself.
const featureExt = suite.FeatureExt

// parsedFeature is one Gherkin document as the harness sees it before godog
// runs it: used to count selected scenarios and map godog's pickles back
// to the lines the user wrote in messages.
type parsedFeature struct {
	uri      string
	pickles  []*messages.Pickle
	lines    map[string]int64 // AST node id (scenario, step, example row) -> line
	doc      *messages.GherkinDocument
	contents []byte   // the Gherkin godog runs
	compiled bool     // contents were compiled from uri (an HCL file)
	ids      []string // stable id of each pickle (results.PickleIDs)
}

// SourceLineFunc maps a line of a front end's generated Gherkin back to the
// line of the source file it came from (hclscenario.SourceLine for HCL).
type SourceLineFunc func(contents []byte, line int) (file string, sourceLine int, ok bool)

// featureSet is what a run executes.
type featureSet struct {
	fsys     fs.FS           // where godog opens paths; nil = the OS
	paths    []string        // Gherkin files for godog, "file" or "file:line"
	contents []godog.Feature // features compiled from other languages
	parsed   map[string]*parsedFeature
	lineSel  map[string][]int64 // uri -> selected scenario lines; absent = all
	order    []string           // uris in run order, for stable messages
}

// loadFeatures loads the files opts names (or the embedded suite) with the
// suite loader, and, when the run uses the step library, checks every step
// against its table, so that a broken file or an undefined step is a usage
// error reported at its line before the target is contacted.
func loadFeatures(ctx context.Context, opts *Options) (*featureSet, error) {
	s, err := suite.Load(ctx, suite.Options{
		Paths: opts.Paths, FS: opts.FS, Default: opts.FS, Vars: opts.Vars,
		FrontEnds: opts.FrontEnds, SourceLine: opts.SourceLine,
	})
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w: run interrupted while loading the scenarios (%v)", ErrHarness, context.Cause(ctx))
	case err != nil:
		return nil, err
	case len(s.Problems) > 0:
		return nil, fmt.Errorf("%w:\n%s", ErrParse, suite.List(s.Problems, maxListed))
	}
	if opts.Initializer == nil {
		if probs := s.Check(); len(probs) > 0 {
			return nil, fmt.Errorf("%w: found before contacting the target:\n%s", ErrScenario, suite.List(probs, maxListed))
		}
	}
	set := &featureSet{fsys: s.FS, parsed: map[string]*parsedFeature{}, lineSel: map[string][]int64{}}
	for _, f := range s.Files {
		for _, ft := range f.Features {
			set.add(&parsedFeature{uri: ft.URI, pickles: ft.Pickles, lines: ft.Lines, doc: ft.Doc,
				contents: ft.Contents, compiled: !f.Gherkin, ids: results.PickleIDs(ft.URI, ft.Doc, ft.Pickles)})
			switch {
			case !f.Gherkin:
				set.contents = append(set.contents, godog.Feature{Name: ft.URI, Contents: ft.Contents})
			case f.Lines == nil:
				set.paths = append(set.paths, f.Name)
			default:
				for _, l := range f.Lines {
					set.paths = append(set.paths, fmt.Sprintf("%s:%d", f.Name, l))
				}
				set.lineSel[f.Name] = f.Lines
			}
		}
	}
	if len(set.contents) > 0 && len(set.paths) > 0 {
		if err := set.allAsContents(s); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// allAsContents hands every Gherkin file to godog as FeatureContents too.
// godog numbers the pickles of Paths and of FeatureContents with two
// separate counters, so mixing both in one run gives pickles the same ids
// and its result storage then loses or misreports scenarios (seen with
// godog v0.16.0: a run of features plus HCL scenarios reported "2
// undefined" and dropped a scenario from the JUnit report). One counter
// means one kind of input. godog filters FeatureContents by tags only, so
// selecting scenarios by line cannot be combined with front-end files.
func (s *featureSet) allAsContents(loaded *suite.Suite) error {
	for file, sel := range s.lineSel {
		if len(sel) > 0 {
			return fmt.Errorf("%w: %s: selecting a scenario by line cannot be combined with %s files in one run; run them separately", ErrBadPath, file, strings.Join(nonGherkinExts(s.contents), ", "))
		}
	}
	var feats []godog.Feature
	for _, f := range loaded.Files {
		if f.Gherkin {
			for _, ft := range f.Features {
				feats = append(feats, godog.Feature{Name: ft.URI, Contents: ft.Contents})
			}
		}
	}
	s.contents = append(feats, s.contents...)
	s.paths = nil
	return nil
}

func nonGherkinExts(feats []godog.Feature) []string {
	var exts []string
	for _, f := range feats {
		if e := extOf(f.Name); e != featureExt && !slices.Contains(exts, e) {
			exts = append(exts, e)
		}
	}
	return exts
}

func (s *featureSet) add(pf *parsedFeature) {
	if _, dup := s.parsed[pf.uri]; !dup {
		s.order = append(s.order, pf.uri)
	}
	s.parsed[pf.uri] = pf
}

func extOf(p string) string { return strings.ToLower(path.Ext(filepath.ToSlash(p))) }

// selected returns the pickles the run will execute, in file order, with
// the same line and tag selection godog applies.
func (s *featureSet) selected(tags Tags) []*selectedPickle {
	var out []*selectedPickle
	for _, sp := range s.all() {
		if tags.Match(sp.tags()) {
			out = append(out, sp)
		}
	}
	return out
}

// all returns the pickles of the run before its tag filter: every
// scenario of the files, or those selected by line.
func (s *featureSet) all() []*selectedPickle {
	var out []*selectedPickle
	for _, uri := range s.order {
		pf := s.parsed[uri]
		sel, byLine := s.lineSel[uri]
		for i, p := range pf.pickles {
			if byLine && !slices.Contains(sel, pf.lines[p.AstNodeIds[0]]) {
				continue
			}
			out = append(out, &selectedPickle{feature: pf, pickle: p, index: i})
		}
	}
	return out
}

// selectedPickle is one scenario (one Examples row for outlines) of a run.
type selectedPickle struct {
	feature *parsedFeature
	pickle  *messages.Pickle
	index   int // in feature.pickles
}

// id is the pickle's stable id.
func (sp *selectedPickle) id() string { return sp.feature.ids[sp.index] }

// tags are the names of the pickle's tags.
func (sp *selectedPickle) tags() []string {
	names := make([]string, 0, len(sp.pickle.Tags))
	for _, t := range sp.pickle.Tags {
		names = append(names, t.Name)
	}
	return names
}

// line is the line that identifies the pickle: its Examples row for
// outlines, its scenario otherwise.
func (sp *selectedPickle) line() int64 {
	ids := sp.pickle.AstNodeIds
	return sp.feature.lines[ids[len(ids)-1]]
}

var pathLineRe = regexp.MustCompile(`^(.*):(\d+)$`)

// splitPathLine splits "file.feature:12" into the file and 12 (line -1 when
// there is no line suffix), as godog does with the URIs it reports.
func splitPathLine(p string) (string, int64) {
	if m := pathLineRe.FindStringSubmatch(p); m != nil {
		if n, err := strconv.ParseInt(m[2], 10, 64); err == nil {
			return m[1], n
		}
	}
	return p, -1
}
