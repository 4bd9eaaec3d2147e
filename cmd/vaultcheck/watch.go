package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v34"
	"github.com/fsnotify/fsnotify"

	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/internal/suite"
)

// watchDebounce is how long the watch waits after the last change before
// it runs: editors save in bursts (truncate, write, rename, chmod).
const watchDebounce = 100 * time.Millisecond

// watcher runs scenario files again whenever they change: `vaultcheck run
// --watch PATH...`.
type watcher struct {
	opts     harness.Options // Paths are replaced by what changed
	args     []string        // the paths as given, for the first run
	paths    []string        // the files and folders watched
	out, log io.Writer
	fs       *fsnotify.Watcher
	dirs     map[string]bool // folders watched whole
	files    map[string]bool // files named on the command line
	// seen holds, per Gherkin file, the fingerprints of the scenarios it
	// ran last, so that an edit runs only the scenarios it changed.
	seen map[string]map[string]bool
	runs int
	// ran is called after each run, for tests and the benchmark.
	ran func(code int)
}

// runWatch runs the scenarios of paths, then watches them and runs again,
// on every save, the scenarios that changed, until ctx ends (Ctrl-C). A
// problem in a file is shown and the watch goes on.
func runWatch(ctx context.Context, o harness.Options, paths []string, out, log io.Writer) error {
	if len(paths) == 0 {
		return usageErrorf("run --watch: name the files or folders to watch (the suite built into vaultcheck does not change)")
	}
	w, err := newWatcher(o, paths, out, log)
	if err != nil {
		return err
	}
	defer w.fs.Close()
	return w.loop(ctx)
}

func newWatcher(o harness.Options, paths []string, out, log io.Writer) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, &exitError{code: exitHarness, err: fmt.Errorf("run --watch: %w", err)}
	}
	w := &watcher{opts: o, args: paths, out: out, log: log, fs: fw, dirs: map[string]bool{}, files: map[string]bool{},
		seen: map[string]map[string]bool{}}
	for _, arg := range paths {
		p, _ := splitLine(arg)
		p = filepath.Clean(p)
		fi, err := os.Stat(p)
		if err != nil {
			fw.Close()
			return nil, usageErrorf("run --watch: %s: %v", arg, errors.Unwrap(err))
		}
		w.paths = append(w.paths, p)
		if fi.IsDir() {
			if err := w.addTree(p); err != nil {
				fw.Close()
				return nil, &exitError{code: exitHarness, err: fmt.Errorf("run --watch: %s: %w", p, err)}
			}
			continue
		}
		// A file is watched through its folder: editors replace a file by
		// renaming another over it, which ends a watch on the file itself.
		w.files[p] = true
		if err := fw.Add(filepath.Dir(p)); err != nil {
			fw.Close()
			return nil, &exitError{code: exitHarness, err: fmt.Errorf("run --watch: %s: %w", p, err)}
		}
	}
	return w, nil
}

// splitLine drops a :LINE suffix; the watch runs what changes, so a line
// selection only matters for the first run.
func splitLine(arg string) (string, string) {
	if i := strings.LastIndexByte(arg, ':'); i > 0 && i < len(arg)-1 && strings.Trim(arg[i+1:], "0123456789") == "" {
		return arg[:i], arg[i+1:]
	}
	return arg, ""
}

// addTree watches dir and every folder under it, hidden ones left out as
// the loader leaves them out.
func (w *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		w.dirs[p] = true
		return w.fs.Add(p)
	})
}

// scenarioFile reports whether the loader reads p.
func scenarioFile(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case suite.FeatureExt, hclscenario.Ext:
		return true
	}
	return false
}

// watched reports whether a change to p concerns the watch.
func (w *watcher) watched(p string) bool {
	if w.files[p] {
		return true
	}
	return scenarioFile(p) && w.dirs[filepath.Dir(p)]
}

func (w *watcher) loop(ctx context.Context) error {
	w.run(ctx, w.args, nil, "start")
	changed := map[string]bool{}
	var timer <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(w.log, "vaultcheck: watch stopped after %d %s\n", w.runs, vetPlural(w.runs, "run", "runs"))
			return nil
		case err, ok := <-w.fs.Errors:
			if !ok {
				return nil
			}
			fmt.Fprintf(w.log, "vaultcheck: watch: %v\n", err)
		case ev, ok := <-w.fs.Events:
			if !ok {
				return nil
			}
			p := filepath.Clean(ev.Name)
			if ev.Has(fsnotify.Create) && !w.dirs[p] && w.dirs[filepath.Dir(p)] {
				if fi, err := os.Stat(p); err == nil && fi.IsDir() && !strings.HasPrefix(fi.Name(), ".") {
					if err := w.addTree(p); err != nil {
						fmt.Fprintf(w.log, "vaultcheck: watch: %s: %v\n", p, err)
					}
					continue
				}
			}
			if ev.Op == fsnotify.Chmod || !w.watched(p) {
				continue
			}
			changed[p] = true
			timer = time.After(watchDebounce)
		case <-timer:
			timer = nil
			var files, gone []string
			for p := range changed {
				if _, err := os.Stat(p); err == nil {
					files = append(files, p)
				} else {
					gone = append(gone, p)
					delete(w.seen, p)
				}
			}
			clear(changed)
			slices.Sort(files)
			slices.Sort(gone)
			for _, p := range gone {
				fmt.Fprintf(w.out, "\n── %s removed ──\n", p)
			}
			if len(files) > 0 {
				w.run(ctx, files, files, "changed")
			}
		}
	}
}

// run vets the files and runs their scenarios: for Gherkin files that ran
// before, only the scenarios whose steps changed.
func (w *watcher) run(ctx context.Context, files, changed []string, why string) {
	w.runs++
	start := time.Now()
	what := strings.Join(files, ", ")
	fmt.Fprintf(w.out, "\n── run %d · %s %s · %s ──\n", w.runs, what, why, start.Format("15:04:05"))
	code, note := w.runOnce(ctx, files, changed != nil)
	status := map[int]string{exitOK: "passed", exitFailed: "FAILED", exitUsage: "not run: fix the problems above", exitHarness: "harness error"}[code]
	if note != "" {
		status = note
	}
	fmt.Fprintf(w.out, "── run %d %s in %s · watching %s (Ctrl-C stops) ──\n", w.runs, status,
		time.Since(start).Round(time.Millisecond), strings.Join(w.paths, ", "))
	if w.ran != nil {
		w.ran(code)
	}
}

func (w *watcher) runOnce(ctx context.Context, files []string, onlyChanged bool) (int, string) {
	s, err := suite.Load(ctx, suite.Options{Paths: files, Vars: w.opts.Vars, FrontEnds: w.opts.FrontEnds, SourceLine: w.opts.SourceLine})
	if err != nil {
		fmt.Fprintf(w.log, "vaultcheck: %v\n", err)
		return exitUsage, ""
	}
	problems := slices.Clone(s.Problems)
	if w.opts.Initializer == nil {
		problems = append(problems, s.Check()...)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(w.out, p)
		}
		return exitUsage, ""
	}
	paths, hasHCL := []string{}, false
	for _, f := range s.Files {
		if !f.Gherkin {
			hasHCL = true
		}
	}
	for _, f := range s.Files {
		if !f.Gherkin || len(f.Features) == 0 {
			paths = append(paths, f.Name)
			continue
		}
		ft := f.Features[0]
		now := map[string]bool{}
		var lines []int64
		prev, ranBefore := w.seen[f.Name]
		for _, p := range ft.Pickles {
			fp := fingerprint(p)
			now[fp] = true
			if line := ft.Lines[p.AstNodeIds[0]]; !prev[fp] && !slices.Contains(lines, line) && (f.Lines == nil || slices.Contains(f.Lines, line)) {
				lines = append(lines, line)
			}
		}
		w.seen[f.Name] = now
		switch {
		case !onlyChanged || !ranBefore:
			paths = append(paths, w.selected(f)...)
		case len(lines) == 0:
			// Nothing a scenario runs changed (a comment, a description).
		case hasHCL || len(lines) == len(uniqueLines(ft)):
			// Line selection cannot be mixed with HCL files in one run.
			paths = append(paths, f.Name)
		default:
			slices.Sort(lines)
			for _, l := range lines {
				paths = append(paths, fmt.Sprintf("%s:%d", f.Name, l))
			}
		}
	}
	if len(paths) == 0 {
		return exitOK, "skipped: no scenario changed"
	}
	o := w.opts
	o.Paths = paths
	code, err := harness.Run(ctx, o)
	if err != nil {
		fmt.Fprintf(w.log, "vaultcheck: %v\n", err)
	}
	return code, ""
}

// selected is the file as named: whole, or the scenario lines it was
// given with.
func (w *watcher) selected(f *suite.File) []string {
	if f.Lines == nil {
		return []string{f.Name}
	}
	var out []string
	for _, l := range f.Lines {
		out = append(out, fmt.Sprintf("%s:%d", f.Name, l))
	}
	return out
}

func uniqueLines(ft *suite.Feature) []int64 {
	var lines []int64
	for _, p := range ft.Pickles {
		if l := ft.Lines[p.AstNodeIds[0]]; !slices.Contains(lines, l) {
			lines = append(lines, l)
		}
	}
	return lines
}

// fingerprint identifies what a scenario runs: its name, tags and steps
// with their arguments, not where it stands in the file.
func fingerprint(p *messages.Pickle) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q\n", p.Name)
	for _, t := range p.Tags {
		fmt.Fprintf(h, "tag %q\n", t.Name)
	}
	for _, st := range p.Steps {
		fmt.Fprintf(h, "step %q\n", st.Text)
		if a := st.Argument; a != nil {
			if a.DocString != nil {
				fmt.Fprintf(h, "doc %q %q\n", a.DocString.MediaType, a.DocString.Content)
			}
			if a.DataTable != nil {
				for _, r := range a.DataTable.Rows {
					for _, c := range r.Cells {
						fmt.Fprintf(h, "%q|", c.Value)
					}
					h.Write([]byte("\n"))
				}
			}
		}
	}
	return string(h.Sum(nil))
}
