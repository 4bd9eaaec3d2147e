package load

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/steps"
)

// Scenario selection: files and folders of .feature and .hcl scenarios
// (the suite built into vaultcheck when none are named), filtered by tags,
// each pickle compiled against the step table once. This is a small copy
// of what harness/features.go does for run; when the shared loader
// lands it replaces this file.

// scenario is one selected pickle, compiled.
type scenario struct {
	name     string // "features/sharing.feature: Alice shares her car"
	compiled *steps.Compiled
	setupLen int // leading Given steps: the fixture
}

// selectScenarios loads paths (nil: the embedded suite) and keeps the
// pickles tags selects.
func selectScenarios(paths []string, tags string, vars map[string]string) ([]*scenario, error) {
	tf, err := harness.ParseTags(tags)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	var fsys fs.FS
	if len(paths) == 0 {
		fsys, paths = vaultcheck.Suite, []string{"."}
	}
	var files []string
	for _, p := range paths {
		if strings.Contains(p, ".feature:") {
			return nil, fmt.Errorf("%w: %s: load selects whole files; select scenarios by tags", ErrUsage, p)
		}
		found, err := walk(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrUsage, p, err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%w: %s holds no .feature or .hcl files", ErrUsage, p)
		}
		files = append(files, found...)
	}
	var out []*scenario
	front := hclscenario.Options{Vars: vars}.FrontEnd()
	for _, f := range files {
		src, err := read(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrUsage, f, err)
		}
		docs := []struct {
			uri string
			src []byte
		}{{f, src}}
		if strings.HasSuffix(f, hclscenario.Ext) {
			feats, err := front(f, src)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrUsage, err)
			}
			docs = docs[:0]
			for _, ft := range feats {
				docs = append(docs, struct {
					uri string
					src []byte
				}{ft.Name, ft.Contents})
			}
		}
		for _, d := range docs {
			ids := &messages.Incrementing{}
			doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(d.src), ids.NewId)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrUsage, d.uri, strings.ReplaceAll(err.Error(), "\n", " "))
			}
			for _, p := range gherkin.Pickles(*doc, d.uri, ids.NewId) {
				var names []string
				for _, t := range p.Tags {
					names = append(names, t.Name)
				}
				if !tf.Match(names) {
					continue
				}
				c, err := steps.Compile(p)
				if err != nil {
					return nil, fmt.Errorf("%w: %s: scenario %q: %v", ErrScenario, d.uri, p.Name, err)
				}
				out = append(out, &scenario{name: d.uri + ": " + p.Name, compiled: c, setupLen: leadingGivens(p)})
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no scenario selected (paths %s, tags %q)", ErrUsage, strings.Join(paths, ", "), tags)
	}
	return out, nil
}

// leadingGivens counts the steps before the first When or Then: the
// Background's and the scenario's set-up.
func leadingGivens(p *messages.Pickle) int {
	for i, s := range p.Steps {
		if s.Type != messages.PickleStepType_CONTEXT {
			return i
		}
	}
	return len(p.Steps)
}

func walk(fsys fs.FS, root string) ([]string, error) {
	isScenario := func(p string) bool {
		return strings.HasSuffix(p, ".feature") || strings.HasSuffix(p, hclscenario.Ext)
	}
	var out []string
	visit := func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir
		}
		if !d.IsDir() && isScenario(p) {
			out = append(out, p)
		}
		return nil
	}
	var err error
	if fsys == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(root); err == nil && !fi.IsDir() {
			if !isScenario(root) {
				return nil, fmt.Errorf("not a .feature or .hcl file")
			}
			return []string{root}, nil
		}
		if err == nil {
			err = filepath.WalkDir(root, visit)
		}
	} else {
		err = fs.WalkDir(fsys, path.Clean(root), visit)
	}
	slices.Sort(out)
	return out, err
}

func read(fsys fs.FS, p string) ([]byte, error) {
	if fsys == nil {
		return os.ReadFile(p)
	}
	return fs.ReadFile(fsys, p)
}
