// Package qaproject writes a QA project: a folder of Gherkin features that
// a released vaultcheck binary runs, with the step catalog and settings an
// editor needs to complete the phrases, a README and a CI workflow pinned to
// the vaultcheck version that wrote it. The project holds no Go to build:
// its editor glue is Go source that is never compiled (see steps.GlueFile).
package qaproject

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/vaultcheck/vaultcheck/steps"
)

//go:embed template
var templates embed.FS

// Options say what to write.
type Options struct {
	// Version is the vaultcheck version the CI workflow installs: a
	// module version (v1.2.0, a pseudo-version) or a commit. Empty means
	// unknown: the workflow then installs "latest" and says to pin it.
	Version string
	// Force overwrites files that exist already.
	Force bool
}

// File is one file of the project.
type File struct {
	// Path is relative to the project folder, with forward slashes.
	Path string
	Data []byte
}

// ExistsError reports files that Write would overwrite without Force.
type ExistsError struct {
	Paths []string
}

func (e *ExistsError) Error() string {
	verb := "exist"
	if len(e.Paths) == 1 {
		verb = "exists"
	}
	return fmt.Sprintf("%s already %s; nothing written (--force overwrites)", strings.Join(e.Paths, ", "), verb)
}

// Files returns the files of the project, in the order Write writes them.
func Files(o Options) ([]File, error) {
	version, note := o.Version, "vaultcheck "+o.Version
	if version == "" {
		version, note = "latest", "vaultcheck could not tell its own version: pin VAULTCHECK_VERSION to a release"
	}
	vars := struct{ Version, VersionNote string }{version, note}
	render := func(name string) ([]byte, error) {
		src, err := templates.ReadFile("template/" + name)
		if err != nil {
			return nil, err
		}
		t, err := template.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, vars); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	var files []File
	add := func(path string, data []byte, err error) error {
		if err != nil {
			return fmt.Errorf("qaproject: %s: %w", path, err)
		}
		files = append(files, File{Path: path, Data: data})
		return nil
	}
	example, err := templates.ReadFile("template/example.feature")
	if err := add("features/example.feature", example, err); err != nil {
		return nil, err
	}
	var glue, settings bytes.Buffer
	err = steps.WriteGlue(&glue)
	if err := add(steps.GlueFile, glue.Bytes(), err); err != nil {
		return nil, err
	}
	err = steps.WriteEditorSettings(&settings)
	if err := add(".vscode/settings.json", settings.Bytes(), err); err != nil {
		return nil, err
	}
	if err := add(".vscode/extensions.json", []byte(steps.EditorExtensions), nil); err != nil {
		return nil, err
	}
	readme, err := render("README.md")
	if err := add("README.md", readme, err); err != nil {
		return nil, err
	}
	workflow, err := render("workflow.yml")
	if err := add(".github/workflows/vaultcheck.yml", workflow, err); err != nil {
		return nil, err
	}
	if err := add(".gitignore", []byte("# vaultcheck's reports\n/out/\n"), nil); err != nil {
		return nil, err
	}
	return files, nil
}

// Write writes the project into dir (made if missing) and returns the
// paths it wrote. Unless o.Force, it first checks that none of the files
// exists and writes nothing if one does (an *ExistsError names them).
func Write(dir string, o Options) ([]string, error) {
	files, err := Files(o)
	if err != nil {
		return nil, err
	}
	if !o.Force {
		var exist []string
		for _, f := range files {
			p := filepath.Join(dir, filepath.FromSlash(f.Path))
			if _, err := os.Lstat(p); err == nil {
				exist = append(exist, p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		if len(exist) > 0 {
			return nil, &ExistsError{Paths: exist}
		}
	}
	var wrote []string
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return wrote, err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return wrote, err
		}
		wrote = append(wrote, p)
	}
	return wrote, nil
}
