package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/features"
	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/scenarios"
	"github.com/vaultcheck/vaultcheck/steps"
)

func init() { subcommands = append(subcommands, newVetCmd) }

// stepDefinitions supplies the step definitions vet matches steps against:
// the step library's, which godog runs. Tests replace it; nil means vet
// checks syntax and HCL semantics but matches no steps.
var stepDefinitions = func() []hclscenario.StepDef {
	var defs []hclscenario.StepDef
	for _, d := range steps.Definitions() {
		defs = append(defs, hclscenario.StepDef{Pattern: d.Pattern, Text: d.Pattern.String()})
	}
	return defs
}

func newVetCmd() *cobra.Command {
	var (
		vars     []string
		excerpts bool
	)
	cmd := &cobra.Command{
		Use:   "vet [PATH...]",
		Short: "Check Gherkin features and HCL scenarios without running them",
		Long: `vet checks scenario files without touching any target: Gherkin syntax; every step of
a feature or of a compiled HCL scenario against the step definitions (a step that matches none, with
the closest definition as a hint, or several); and everything the HCL scenario checker finds (unknown
blocks and attributes, misspelt or wrong-kind references, cycles, shares without a connection, slots
an item does not have, values a step cannot carry, ...).

PATH is a .feature or .hcl file or a folder (searched whole). Without PATH, vet checks the embedded
features and scenarios.

It prints one line per problem, "file:line:col: message" (with --excerpts, HCL problems also with
the source they point at), then a summary.

Exit status: 0 when nothing is wrong, 2 when anything is.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			overrides, err := parseVars(vars)
			if err != nil {
				return err
			}
			var defs []hclscenario.StepDef
			if stepDefinitions != nil {
				defs = stepDefinitions()
			}
			n, err := runVet(cmd.OutOrStdout(), args, overrides, defs, excerpts)
			if err != nil {
				return err
			}
			if n > 0 {
				return silentExit(exitUsage)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set an HCL variable, NAME=VALUE (repeatable)")
	cmd.Flags().BoolVar(&excerpts, "excerpts", false, "show the source excerpt of each HCL problem")
	return cmd
}

// vetFinding is one line of vet's report.
type vetFinding struct {
	file      string
	line, col int
	text      string
}

// runVet checks the files named by paths (or the embedded ones) and writes
// its report to out. It returns the number of problems; an error only for
// paths that cannot be used at all.
func runVet(out io.Writer, paths []string, vars map[string]string, defs []hclscenario.StepDef, excerpts bool) (int, error) {
	type gherkinFile struct {
		name string
		src  []byte
	}
	var (
		feats []gherkinFile
		set   *hclscenario.Set
		diags hcl.Diagnostics
	)
	opts := hclscenario.Options{Vars: vars}
	if len(paths) == 0 {
		err := fs.WalkDir(features.FS, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || path.Ext(p) != ".feature" {
				return err
			}
			src, err := fs.ReadFile(features.FS, p)
			feats = append(feats, gherkinFile{path.Join("features", p), src})
			return err
		})
		if err != nil {
			return 0, &exitError{code: exitHarness, err: fmt.Errorf("embedded features: %w", err)}
		}
		opts.FS, opts.Prefix = scenarios.FS, "scenarios"
		set, diags = opts.Load(".")
	} else {
		var hclFiles []string
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				return 0, usageErrorf("%s: %v", p, vetUnwrapPath(err))
			}
			var files []string
			if fi.IsDir() {
				err := filepath.WalkDir(p, func(q string, e fs.DirEntry, err error) error {
					if err != nil {
						return err
					}
					if e.IsDir() && q != p && strings.HasPrefix(e.Name(), ".") {
						return fs.SkipDir
					}
					if !e.IsDir() && (filepath.Ext(q) == ".feature" || filepath.Ext(q) == hclscenario.Ext) {
						files = append(files, q)
					}
					return nil
				})
				if err != nil {
					return 0, usageErrorf("%s: %v", p, err)
				}
				if len(files) == 0 {
					return 0, usageErrorf("%s: folder holds no .feature or %s files", p, hclscenario.Ext)
				}
			} else {
				files = []string{p}
			}
			for _, f := range files {
				switch filepath.Ext(f) {
				case ".feature":
					src, err := os.ReadFile(f)
					if err != nil {
						return 0, usageErrorf("%s: %v", f, vetUnwrapPath(err))
					}
					feats = append(feats, gherkinFile{f, src})
				case hclscenario.Ext:
					hclFiles = append(hclFiles, f)
				default:
					return 0, usageErrorf("%s: not a scenario file (want .feature or %s)", f, hclscenario.Ext)
				}
			}
		}
		if len(hclFiles) > 0 {
			set, diags = opts.Load(hclFiles...)
		}
	}

	var found []vetFinding
	for _, f := range feats {
		for _, p := range hclscenario.CheckGherkin(f.name, f.src, defs) {
			found = append(found, vetFinding{p.File, p.Line, p.Col, p.String()})
		}
	}
	nHCL := 0
	if set != nil {
		if !diags.HasErrors() && defs != nil {
			diags = append(diags, set.CheckSteps(defs)...)
		}
		for _, d := range diags {
			f := vetFinding{text: hclscenario.FormatDiagnostic(d)}
			if x := hclscenario.Excerpt(set.Files(), d.Subject); x != "" && !excerpts {
				f.text += "\n" + x
			}
			if d.Subject != nil {
				f.file, f.line, f.col = d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column
			}
			found = append(found, f)
		}
		nHCL = len(set.Files())
	}
	slices.SortStableFunc(found, func(a, b vetFinding) int {
		if c := strings.Compare(a.file, b.file); c != 0 {
			return c
		}
		if a.line != b.line {
			return a.line - b.line
		}
		return a.col - b.col
	})
	for _, f := range found {
		fmt.Fprintln(out, f.text)
	}
	if excerpts && len(diags) > 0 {
		fmt.Fprintln(out)
		if err := hclscenario.WriteDiagnostics(out, set.Files(), diags, false); err != nil {
			return 0, &exitError{code: exitHarness, err: err}
		}
	}
	files := fmt.Sprintf("%d feature files and %d HCL scenario files", len(feats), nHCL)
	switch {
	case len(found) > 0:
		fmt.Fprintf(out, "vet: %d %s in %s\n", len(found), vetPlural(len(found), "problem", "problems"), files)
	case defs == nil:
		fmt.Fprintf(out, "vet: %s ok (step definitions not linked into this build: steps were not matched)\n", files)
	default:
		fmt.Fprintf(out, "vet: %s ok\n", files)
	}
	return len(found), nil
}

func vetPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// vetUnwrapPath drops the *fs.PathError wrapper, whose message repeats the
// path the caller already names.
func vetUnwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// parseVars reads --var NAME=VALUE flags. Values are not echoed in errors:
// they may be secrets.
func parseVars(vars []string) (map[string]string, error) {
	overrides := map[string]string{}
	for _, v := range vars {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return nil, usageErrorf("--var: want NAME=VALUE, got %d characters without a name and '='", len(v))
		}
		overrides[name] = value
	}
	return overrides, nil
}
