// Package suite loads vaultcheck's scenario files, the one way `run` and
// `vet` both do: it resolves paths (files, folders walked whole,
// FILE.feature:LINE, or the suite embedded in the binary), reads every file
// as untrusted input (a binary file, a line too long for Gherkin, a file
// too large for the runner are diagnostics, never a crash), parses Gherkin,
// compiles HCL scenarios with their map back to the HCL lines, and checks
// every step against the step table, reporting an undefined step with the
// closest phrases of the catalog.
//
// Everything a file does wrong is a Problem at its file:line:col; only a
// path that cannot be used at all is an error of Load.
package suite

import (
	"context"
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

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/hashicorp/hcl/v2"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
)

// Errors of Load: a path that cannot be used at all.
var (
	// ErrBadPath reports a path that does not exist, cannot be read, is
	// not a scenario file, or selects a line with no scenario.
	ErrBadPath = errors.New("bad path")
	// ErrNoScenarios reports a folder that holds no scenario file.
	ErrNoScenarios = errors.New("no scenarios selected")
)

// FeatureExt is the extension of Gherkin files.
const FeatureExt = ".feature"

// FrontEnd turns one scenario file of another language into Gherkin
// features, for languages other than Gherkin and HCL (which the loader
// knows). Each feature's Name becomes its URI. Its errors should read
// "<file>:<line>[:<col>]: <message>".
type FrontEnd func(path string, src []byte) ([]godog.Feature, error)

// Options say what to load.
type Options struct {
	// Paths are files, folders (walked whole, hidden folders left out) and
	// FILE.feature:LINE for the scenario containing that line. Empty: every
	// scenario file of Default.
	Paths []string
	// FS is where Paths are looked up; nil means the operating system.
	FS fs.FS
	// Default is what no Paths loads; nil means the suite embedded in the
	// binary (features/ and scenarios/).
	Default fs.FS
	// Vars set HCL scenario variables, as --var does; LookupEnv reads the
	// environment for env() (nil: os.LookupEnv).
	Vars      map[string]string
	LookupEnv func(string) (string, bool)
	// FrontEnds compile other languages, by lower-case extension with
	// its dot; SourceLine maps the lines of their features back to their
	// files (nil: they keep the generated lines).
	FrontEnds  map[string]FrontEnd
	SourceLine func(contents []byte, line int) (file string, sourceLine int, ok bool)
}

// Suite is what Load found.
type Suite struct {
	// FS is where the Gherkin files were read, for godog to open them by
	// name; nil means the operating system.
	FS fs.FS
	// Files are the scenario files, in the order first named (folders in
	// lexical order).
	Files []*File
	// Problems are everything wrong with the files, in file order. A file
	// with problems has no features.
	Problems []Problem
	// HCL is the compiled HCL scenario set (nil without HCL files), for
	// rendering HCLDiags with their source lines.
	HCL      *hclscenario.Set
	HCLDiags hcl.Diagnostics
}

// File is one scenario file.
type File struct {
	// Name is the path as named (cleaned), or as found in a folder.
	Name string
	// Gherkin says the file is a .feature file, which godog can read by
	// name; other files run as the features they compile to.
	Gherkin bool
	// Lines are the scenario keyword lines selected by FILE:LINE
	// arguments; nil selects the whole file.
	Lines []int64
	// Features are what the file runs as: the file itself for Gherkin.
	Features []*Feature
}

// Feature is one Gherkin document, parsed.
type Feature struct {
	// URI names the feature in godog's reports: the file's name.
	URI      string
	Contents []byte
	Doc      *messages.GherkinDocument
	Pickles  []*messages.Pickle
	// Lines maps the AST ids of scenarios, steps and example rows to the
	// line of the file the user wrote: the .feature line, or the HCL
	// line a compiled step comes from.
	Lines map[string]int64
	// positions maps step AST ids to where problems of the step are
	// reported.
	positions map[string]Pos
}

// Pos is a position in a file the user wrote.
type Pos struct {
	File      string
	Line, Col int
}

// Features lists the features of every file, in file order.
func (s *Suite) Features() []*Feature {
	var out []*Feature
	for _, f := range s.Files {
		out = append(out, f.Features...)
	}
	return out
}

// Load resolves the paths, reads and parses every file, compiles HCL
// scenarios, and returns what it found. Its error is for paths that
// cannot be used at all (ErrBadPath, ErrNoScenarios) and for ctx ending;
// everything wrong inside a file is in Suite.Problems.
func Load(ctx context.Context, o Options) (*Suite, error) {
	l := &loader{o: o, fsys: o.FS, s: &Suite{FS: o.FS}}
	paths := o.Paths
	if len(paths) == 0 {
		l.fsys = o.Default
		if l.fsys == nil {
			l.fsys = vaultcheck.Suite
		}
		l.s.FS = l.fsys
		paths = []string{"."}
	}
	if err := l.resolve(paths); err != nil {
		return nil, err
	}
	if err := l.load(ctx); err != nil {
		return nil, err
	}
	sortProblems(l.s.Problems)
	return l.s, nil
}

type loader struct {
	o     Options
	fsys  fs.FS
	s     *Suite
	files []*File
	lines map[string][]int64 // requested lines, by file
}

var pathLineRe = regexp.MustCompile(`^(.*):(\d+)$`)

// splitPathLine splits "file.feature:12" into the file and 12 (-1 when
// there is no line), as godog does.
func splitPathLine(p string) (string, int64) {
	if m := pathLineRe.FindStringSubmatch(p); m != nil {
		if n, err := strconv.ParseInt(m[2], 10, 64); err == nil {
			return m[1], n
		}
	}
	return p, -1
}

func (l *loader) clean(p string) string {
	if l.fsys == nil {
		return filepath.Clean(p)
	}
	return path.Clean(strings.TrimPrefix(filepath.ToSlash(p), "/"))
}

func (l *loader) stat(p string) (fs.FileInfo, error) {
	if l.fsys == nil {
		return os.Stat(p)
	}
	return fs.Stat(l.fsys, p)
}

func (l *loader) read(p string) ([]byte, error) {
	if l.fsys == nil {
		return os.ReadFile(p)
	}
	return fs.ReadFile(l.fsys, p)
}

// walk lists the files under dir in lexical order, hidden folders (.git
// and the like) left out.
func (l *loader) walk(dir string) ([]string, error) {
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
	if l.fsys == nil {
		err = filepath.WalkDir(dir, visit)
	} else {
		err = fs.WalkDir(l.fsys, dir, visit)
	}
	return files, err
}

func extOf(p string) string { return strings.ToLower(path.Ext(filepath.ToSlash(p))) }

func (l *loader) known(p string) bool {
	switch ext := extOf(p); ext {
	case FeatureExt, hclscenario.Ext:
		return true
	case "":
		return false
	default:
		_, ok := l.o.FrontEnds[ext]
		return ok
	}
}

func (l *loader) exts() string {
	exts := []string{FeatureExt, hclscenario.Ext}
	var more []string
	for e := range l.o.FrontEnds {
		if !slices.Contains(exts, e) {
			more = append(more, e)
		}
	}
	slices.Sort(more)
	return strings.Join(append(exts, more...), ", ")
}

// resolve turns the paths into files, each once, in the order named.
func (l *loader) resolve(paths []string) error {
	l.lines = map[string][]int64{}
	byName := map[string]*File{}
	whole := map[string]bool{}
	note := func(name string) *File {
		f := byName[name]
		if f == nil {
			f = &File{Name: name, Gherkin: extOf(name) == FeatureExt}
			byName[name] = f
			l.files = append(l.files, f)
		}
		return f
	}
	for _, arg := range paths {
		p, line := splitPathLine(arg)
		p = l.clean(p)
		fi, err := l.stat(p)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadPath, arg, unwrapPathError(err))
		}
		if fi.IsDir() {
			if line >= 0 {
				return fmt.Errorf("%w: %s: a line number needs a file, not a folder", ErrBadPath, arg)
			}
			found, err := l.walk(p)
			if err != nil {
				return fmt.Errorf("%w: %s: %v", ErrBadPath, arg, unwrapPathError(err))
			}
			n := 0
			for _, f := range found {
				if l.known(f) {
					note(f)
					whole[f] = true
					n++
				}
			}
			if n == 0 {
				return fmt.Errorf("%w: folder %s holds no scenario files (%s)", ErrNoScenarios, arg, l.exts())
			}
			continue
		}
		if !l.known(p) {
			return fmt.Errorf("%w: %s is not a scenario file (want %s)", ErrBadPath, arg, l.exts())
		}
		if line >= 0 && extOf(p) != FeatureExt {
			return fmt.Errorf("%w: %s: selecting a scenario by line works for %s files only", ErrBadPath, arg, FeatureExt)
		}
		note(p)
		if line < 0 {
			whole[p] = true
		} else {
			l.lines[p] = append(l.lines[p], line)
		}
	}
	for name := range whole {
		delete(l.lines, name)
	}
	return nil
}

// load reads every file: Gherkin parsed, HCL compiled together, other
// languages through their front ends.
func (l *loader) load(ctx context.Context) error {
	var hclSrc []hclscenario.Source
	hclFiles := map[string]*File{}
	for _, f := range l.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.s.Files = append(l.s.Files, f)
		src, err := l.read(f.Name)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadPath, f.Name, unwrapPathError(err))
		}
		switch ext := extOf(f.Name); {
		case ext == FeatureExt:
			if err := l.loadGherkin(ctx, f, src); err != nil {
				return err
			}
		case ext == hclscenario.Ext:
			if probs := textProblems(f.Name, src); len(probs) > 0 {
				l.s.Problems = append(l.s.Problems, probs...)
				continue
			}
			hclSrc = append(hclSrc, hclscenario.Source{Name: f.Name, Src: src})
			hclFiles[f.Name] = f
		default:
			if err := l.loadFrontEnd(ctx, f, src, l.o.FrontEnds[ext]); err != nil {
				return err
			}
		}
	}
	if len(hclSrc) > 0 {
		if err := l.loadHCL(ctx, hclSrc, hclFiles); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) loadGherkin(ctx context.Context, f *File, src []byte) error {
	ft, probs, err := parseFeature(ctx, f.Name, src)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		l.s.Problems = append(l.s.Problems, probs...)
		return nil
	}
	for _, line := range l.lines[f.Name] {
		sl, err := scenarioLineAt(ft, src, line)
		if err != nil {
			return fmt.Errorf("%w: %s:%d: %v", ErrBadPath, f.Name, line, err)
		}
		if !slices.Contains(f.Lines, sl) {
			f.Lines = append(f.Lines, sl)
		}
	}
	f.Features = []*Feature{ft}
	return nil
}

func (l *loader) loadHCL(ctx context.Context, sources []hclscenario.Source, files map[string]*File) error {
	opts := hclscenario.Options{FS: l.fsys, Vars: l.o.Vars, LookupEnv: l.o.LookupEnv}
	set, diags := opts.Compile(sources...)
	l.s.HCL, l.s.HCLDiags = set, diags
	for _, d := range diags {
		l.s.Problems = append(l.s.Problems, hclProblem(set, d))
	}
	for _, gf := range set.Features() {
		ft, probs, err := parseFeature(ctx, gf.Name, gf.Contents)
		if err != nil {
			return err
		}
		source := func(line int) (Pos, bool) {
			r, ok := set.Source(gf.Name, line)
			return Pos{File: r.Filename, Line: r.Start.Line, Col: r.Start.Column}, ok
		}
		mapFeature(ft, source)
		if len(probs) > 0 {
			// The compiler's output must be valid Gherkin that godog can
			// read; where it is not, say where it comes from.
			for _, p := range probs {
				if pos, ok := source(p.Line); ok {
					p.Line, p.Col = pos.Line, pos.Col
				}
				l.s.Problems = append(l.s.Problems, p)
			}
			continue
		}
		if f := files[gf.Name]; f != nil {
			f.Features = append(f.Features, ft)
		}
	}
	return nil
}

func (l *loader) loadFrontEnd(ctx context.Context, f *File, src []byte, front FrontEnd) error {
	feats, err := front(f.Name, src)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			l.s.Problems = append(l.s.Problems, Problem{File: f.Name, Msg: line, raw: true})
		}
		return nil
	}
	for _, gf := range feats {
		ft, probs, err := parseFeature(ctx, gf.Name, gf.Contents)
		if err != nil {
			return err
		}
		if len(probs) > 0 {
			l.s.Problems = append(l.s.Problems, probs...)
			continue
		}
		if sl := l.o.SourceLine; sl != nil {
			contents := gf.Contents
			mapFeature(ft, func(line int) (Pos, bool) {
				file, n, ok := sl(contents, line)
				return Pos{File: file, Line: n}, ok && file == gf.Name
			})
		}
		f.Features = append(f.Features, ft)
	}
	return nil
}

// mapFeature points the lines of a generated feature at the file they
// come from.
func mapFeature(ft *Feature, source func(line int) (Pos, bool)) {
	for id, line := range ft.Lines {
		if pos, ok := source(int(line)); ok {
			ft.Lines[id] = int64(pos.Line)
		}
	}
	for id, p := range ft.positions {
		if pos, ok := source(p.Line); ok {
			ft.positions[id] = pos
		}
	}
}

// scenarioLineAt returns the keyword line of the scenario that contains
// line: the last scenario starting at or before it, so that FILE:LINE
// works for any line of a scenario, not only its keyword line.
func scenarioLineAt(ft *Feature, src []byte, line int64) (int64, error) {
	seen := map[int64]bool{}
	var starts []int64
	for _, p := range ft.Pickles {
		if l, ok := ft.Lines[p.AstNodeIds[0]]; ok && !seen[l] {
			seen[l] = true
			starts = append(starts, l)
		}
	}
	slices.Sort(starts)
	nlines := int64(countLines(src))
	if line < 1 || line > nlines {
		return 0, fmt.Errorf("the file has %d lines", nlines)
	}
	i, _ := slices.BinarySearch(starts, line+1)
	if i == 0 {
		if len(starts) == 0 {
			return 0, errors.New("the file has no scenarios")
		}
		return 0, fmt.Errorf("no scenario at this line; scenarios start at lines %s", joinInts(starts))
	}
	return starts[i-1], nil
}

func joinInts(v []int64) string {
	const shown = 10
	s := make([]string, 0, min(len(v), shown))
	for i, n := range v {
		if i == shown {
			s = append(s, fmt.Sprintf("… (%d in all)", len(v)))
			break
		}
		s = append(s, strconv.FormatInt(n, 10))
	}
	return strings.Join(s, ", ")
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
