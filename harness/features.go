package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// Error kinds of loading features.
var (
	// ErrBadPath reports a path that does not exist, cannot be read, is
	// not a scenario file, or selects a line with no scenario.
	ErrBadPath = errors.New("bad path")
	// ErrParse reports a Gherkin file (or a front end's file) that does
	// not parse.
	ErrParse = errors.New("parse error")
	// ErrNoScenarios reports a run that would select no scenario at all:
	// a folder without features, or tags that match nothing. A conformance
	// run that checks nothing must not pass.
	ErrNoScenarios = errors.New("no scenarios selected")
	// ErrScenario reports a mistake in a scenario (an undefined,
	// ambiguous or pending step, a step error that blames the scenario,
	// a scenario without steps) as opposed to a wrong answer from the
	// target.
	ErrScenario = errors.New("scenario error")
)

// FrontEnd turns one scenario file of another language (HCL scenarios, for
// instance) into Gherkin features, which the harness runs through godog's
// FeatureContents so that every formatter and report works unchanged. path
// is the file as the user named it; each returned Feature's Name becomes its
// URI in reports and messages, so it should be path, or path plus a
// "#fragment" when a file yields several features. Errors should read
// "<file>:<line>[:<col>]: <message>" and are usage errors (exit 2).
type FrontEnd func(path string, src []byte) ([]godog.Feature, error)

// featureExt is the extension of Gherkin files, which godog reads itself.
const featureExt = ".feature"

// parsedFeature is one Gherkin document as the harness sees it before godog
// runs it: used to validate, count selected scenarios, and map godog's
// pickles back to file lines in messages.
type parsedFeature struct {
	uri     string
	pickles []*messages.Pickle
	lines   map[string]int64 // AST node id (scenario, step, example row) -> line
}

// SourceLineFunc maps a line of a front end's generated Gherkin back to the
// line of the source file it came from (hclscenario.SourceLine for HCL).
type SourceLineFunc func(contents []byte, line int) (file string, sourceLine int, ok bool)

// mapLines makes the lines of a generated feature point into its source
// file, so that problems are reported where the user wrote them. Lines that
// map to another file, or to none, are left as generated lines.
func (pf *parsedFeature) mapLines(contents []byte, sourceLine SourceLineFunc) {
	if sourceLine == nil {
		return
	}
	for id, l := range pf.lines {
		if file, n, ok := sourceLine(contents, int(l)); ok && file == pf.uri {
			pf.lines[id] = int64(n)
		}
	}
}

// featureSet is what a run executes.
type featureSet struct {
	fsys     fs.FS           // where godog opens paths; nil = the OS
	paths    []string        // Gherkin files for godog, "file" or "file:line"
	contents []godog.Feature // features from front ends
	parsed   map[string]*parsedFeature
	lineSel  map[string][]int64 // uri -> selected scenario lines; absent = all
	order    []string           // uris in run order, for stable messages
}

var pathLineRe = regexp.MustCompile(`^(.*):(\d+)$`)

// splitPathLine splits "file.feature:12" into the file and 12 (line -1 when
// there is no line suffix), as godog does.
func splitPathLine(p string) (string, int64) {
	if m := pathLineRe.FindStringSubmatch(p); m != nil {
		if n, err := strconv.ParseInt(m[2], 10, 64); err == nil {
			return m[1], n
		}
	}
	return p, -1
}

// fileSystem abstracts over the OS and an fs.FS so that paths given on the
// command line and paths inside the embedded features are handled alike.
type fileSystem struct{ fsys fs.FS }

func (f fileSystem) clean(p string) string {
	if f.fsys == nil {
		return filepath.Clean(p)
	}
	return path.Clean(strings.TrimPrefix(filepath.ToSlash(p), "/"))
}

func (f fileSystem) stat(p string) (fs.FileInfo, error) {
	if f.fsys == nil {
		return os.Stat(p)
	}
	return fs.Stat(f.fsys, p)
}

func (f fileSystem) read(p string) ([]byte, error) {
	if f.fsys == nil {
		return os.ReadFile(p)
	}
	return fs.ReadFile(f.fsys, p)
}

// walk lists the files under dir, in lexical order, skipping hidden folders
// (.git and friends).
func (f fileSystem) walk(dir string) ([]string, error) {
	var files []string
	visit := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		files = append(files, p)
		return nil
	}
	var err error
	if f.fsys == nil {
		err = filepath.WalkDir(dir, visit)
	} else {
		err = fs.WalkDir(f.fsys, dir, visit)
	}
	return files, err
}

// loadFeatures resolves paths (or, with none, every scenario file of
// defaultFS) into a featureSet and parses every Gherkin file, so that
// unreadable paths and parse errors are usage errors reported before
// anything runs.
func loadFeatures(paths []string, fsys, defaultFS fs.FS, frontEnds map[string]FrontEnd, sourceLine SourceLineFunc) (*featureSet, error) {
	set := &featureSet{parsed: map[string]*parsedFeature{}, lineSel: map[string][]int64{}}
	fsx := fileSystem{fsys: fsys}
	if len(paths) == 0 {
		fsx = fileSystem{fsys: defaultFS}
		paths = []string{"."}
	}
	set.fsys = fsx.fsys

	whole := map[string]bool{}    // files selected entirely
	lines := map[string][]int64{} // files selected by line
	var files []string            // in order of first mention
	note := func(file string) {
		if !whole[file] && lines[file] == nil {
			files = append(files, file)
		}
	}
	for _, arg := range paths {
		p, line := splitPathLine(arg)
		p = fsx.clean(p)
		fi, err := fsx.stat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadPath, arg, unwrapPathError(err))
		}
		if fi.IsDir() {
			if line >= 0 {
				return nil, fmt.Errorf("%w: %s: a line number needs a file, not a folder", ErrBadPath, arg)
			}
			found, err := fsx.walk(p)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrBadPath, arg, err)
			}
			n := 0
			for _, f := range found {
				if isScenarioFile(f, frontEnds) {
					note(f)
					whole[f] = true
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("%w: folder %s holds no scenario files (%s)", ErrNoScenarios, arg, strings.Join(knownExts(frontEnds), ", "))
			}
			continue
		}
		if !isScenarioFile(p, frontEnds) {
			return nil, fmt.Errorf("%w: %s is not a scenario file (want %s)", ErrBadPath, arg, strings.Join(knownExts(frontEnds), ", "))
		}
		if line >= 0 && !strings.HasSuffix(p, featureExt) {
			return nil, fmt.Errorf("%w: %s: selecting a scenario by line works for %s files only", ErrBadPath, arg, featureExt)
		}
		note(p)
		if line < 0 {
			whole[p] = true
		} else {
			lines[p] = append(lines[p], line)
		}
	}

	for _, file := range files {
		src, err := fsx.read(file)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadPath, file, unwrapPathError(err))
		}
		if !strings.HasSuffix(file, featureExt) {
			front := frontEnds[extOf(file)]
			feats, err := front(file, src)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrParse, err)
			}
			for _, ft := range feats {
				pf, err := parseFeature(ft.Name, ft.Contents)
				if err != nil {
					return nil, err
				}
				pf.mapLines(ft.Contents, sourceLine)
				set.add(pf)
				set.contents = append(set.contents, ft)
			}
			continue
		}
		pf, err := parseFeature(file, src)
		if err != nil {
			return nil, err
		}
		set.add(pf)
		if whole[file] {
			set.paths = append(set.paths, file)
			continue
		}
		// Map each requested line to the scenario that contains it, so
		// "file:17" works for any line of a scenario, not only its
		// keyword line (the only one godog matches).
		var sel []int64
		for _, l := range lines[file] {
			sl, err := scenarioLineAt(pf, src, l)
			if err != nil {
				return nil, fmt.Errorf("%w: %s:%d: %v", ErrBadPath, file, l, err)
			}
			if !slices.Contains(sel, sl) {
				sel = append(sel, sl)
				set.paths = append(set.paths, fmt.Sprintf("%s:%d", file, sl))
			}
		}
		set.lineSel[file] = sel
	}
	if len(set.contents) > 0 && len(set.paths) > 0 {
		if err := set.allAsContents(fsx); err != nil {
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
func (s *featureSet) allAsContents(fsx fileSystem) error {
	for file, sel := range s.lineSel {
		if len(sel) > 0 {
			return fmt.Errorf("%w: %s: selecting a scenario by line cannot be combined with %s files in one run; run them separately", ErrBadPath, file, strings.Join(nonGherkinExts(s.contents), ", "))
		}
	}
	var feats []godog.Feature
	for _, file := range s.paths {
		src, err := fsx.read(file)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadPath, file, unwrapPathError(err))
		}
		feats = append(feats, godog.Feature{Name: file, Contents: src})
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

// unwrapPathError drops the *fs.PathError wrapper, whose message repeats
// the path the caller already names.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func extOf(p string) string { return strings.ToLower(path.Ext(filepath.ToSlash(p))) }

func isScenarioFile(p string, frontEnds map[string]FrontEnd) bool {
	ext := extOf(p)
	if ext == featureExt {
		return true
	}
	_, ok := frontEnds[ext]
	return ok && ext != ""
}

func knownExts(frontEnds map[string]FrontEnd) []string {
	exts := []string{featureExt}
	for e := range frontEnds {
		exts = append(exts, e)
	}
	slices.Sort(exts[1:])
	return exts
}

var gherkinErrRe = regexp.MustCompile(`^\((\d+):(\d+)\): (.*)$`)

// parseFeature parses one Gherkin document the way godog will, turning the
// parser's "(line:col): msg" errors into "uri:line:col: msg" lines.
func parseFeature(uri string, src []byte) (*parsedFeature, error) {
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), ids.NewId)
	if err != nil {
		var msgs []string
		for _, l := range strings.Split(err.Error(), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || l == "Parser errors:" {
				continue
			}
			if m := gherkinErrRe.FindStringSubmatch(l); m != nil {
				msgs = append(msgs, fmt.Sprintf("%s:%s:%s: %s", uri, m[1], m[2], m[3]))
			} else {
				msgs = append(msgs, uri+": "+l)
			}
		}
		return nil, fmt.Errorf("%w:\n%s", ErrParse, strings.Join(msgs, "\n"))
	}
	pf := &parsedFeature{uri: uri, lines: map[string]int64{}}
	pf.pickles = gherkin.Pickles(*doc, uri, ids.NewId)
	if doc.Feature == nil {
		return pf, nil
	}
	addSteps := func(steps []*messages.Step) {
		for _, st := range steps {
			pf.lines[st.Id] = st.Location.Line
		}
	}
	addScenario := func(sc *messages.Scenario) {
		pf.lines[sc.Id] = sc.Location.Line
		addSteps(sc.Steps)
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				pf.lines[row.Id] = row.Location.Line
			}
		}
	}
	for _, ch := range doc.Feature.Children {
		switch {
		case ch.Background != nil:
			addSteps(ch.Background.Steps)
		case ch.Scenario != nil:
			addScenario(ch.Scenario)
		case ch.Rule != nil:
			for _, rc := range ch.Rule.Children {
				if rc.Background != nil {
					addSteps(rc.Background.Steps)
				}
				if rc.Scenario != nil {
					addScenario(rc.Scenario)
				}
			}
		}
	}
	return pf, nil
}

// scenarioLineAt returns the keyword line of the scenario that contains
// line: the last scenario starting at or before it.
func scenarioLineAt(pf *parsedFeature, src []byte, line int64) (int64, error) {
	var starts []int64
	for _, p := range pf.pickles {
		if l, ok := pf.lines[p.AstNodeIds[0]]; ok && !slices.Contains(starts, l) {
			starts = append(starts, l)
		}
	}
	slices.Sort(starts)
	nlines := int64(bytes.Count(src, []byte("\n")) + 1)
	if line < 1 || line > nlines {
		return 0, fmt.Errorf("the file has %d lines", nlines)
	}
	best := int64(-1)
	for _, s := range starts {
		if s <= line {
			best = s
		}
	}
	if best < 0 {
		if len(starts) == 0 {
			return 0, errors.New("the file has no scenarios")
		}
		return 0, fmt.Errorf("no scenario at this line; scenarios start at lines %s", joinInts(starts))
	}
	return best, nil
}

func joinInts(v []int64) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, ", ")
}

// selected returns the pickles the run will execute, in file order, with
// the same line and tag selection godog applies.
func (s *featureSet) selected(tags Tags) []*selectedPickle {
	var out []*selectedPickle
	for _, uri := range s.order {
		pf := s.parsed[uri]
		sel, byLine := s.lineSel[uri]
		for _, p := range pf.pickles {
			if byLine && !slices.Contains(sel, pf.lines[p.AstNodeIds[0]]) {
				continue
			}
			var names []string
			for _, t := range p.Tags {
				names = append(names, t.Name)
			}
			if !tags.Match(names) {
				continue
			}
			out = append(out, &selectedPickle{feature: pf, pickle: p})
		}
	}
	return out
}

// selectedPickle is one scenario (one Examples row for outlines) of a run.
type selectedPickle struct {
	feature *parsedFeature
	pickle  *messages.Pickle
}

// line is the line that identifies the pickle: its Examples row for
// outlines, its scenario otherwise.
func (sp *selectedPickle) line() int64 {
	ids := sp.pickle.AstNodeIds
	return sp.feature.lines[ids[len(ids)-1]]
}
