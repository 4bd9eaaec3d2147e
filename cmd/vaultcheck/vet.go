package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/hclscenario"
	"github.com/vaultcheck/vaultcheck/internal/suite"
)

func init() { subcommands = append(subcommands, newVetCmd) }

func newVetCmd() *cobra.Command {
	var (
		vars     []string
		excerpts bool
	)
	cmd := &cobra.Command{
		Use:   "vet [PATH...]",
		Short: "Check Gherkin features and HCL scenarios without running them",
		Long: `vet checks scenario files without touching any target, exactly as run checks them before it
starts: that each is a UTF-8 text file Gherkin can read; Gherkin syntax; every step of a feature
or of a compiled HCL scenario against the step table (a step that matches none is shown with the
closest phrases of the step catalog, their kind and what they do, or several); and everything the
HCL scenario checker finds (unknown blocks and attributes, misspelt or wrong-kind references,
cycles, shares without a connection, slots an item does not have, values a step cannot carry, ...).

PATH is a .feature or .hcl file or a folder (searched whole). Without PATH, vet checks the
features and scenarios built into vaultcheck.

It prints one line per problem, "file:line:col: what: message", with the closest steps or the HCL
source line under it (with --excerpts, HCL problems in HCL's own longer form instead), then a
summary. The step table is steps/CATALOG.md, or vaultcheck steps.

Exit status: 0 when nothing is wrong, 2 when anything is, 3 when interrupted.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			overrides, err := parseVars(vars)
			if err != nil {
				return err
			}
			ctx, stop := interruptible(cmd)
			defer stop()
			n, err := runVet(ctx, cmd.OutOrStdout(), args, overrides, excerpts)
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
	cmd.Flags().BoolVar(&excerpts, "excerpts", false, "show HCL problems in HCL's own form, with the source they point at")
	return cmd
}

// runVet checks the files named by paths (or the embedded ones) and writes
// its report to out. It returns the number of problems; an error only for
// paths that cannot be used at all, or an interrupt.
func runVet(ctx context.Context, out io.Writer, paths []string, vars map[string]string, excerpts bool) (int, error) {
	s, err := loadSuite(ctx, "vet", suite.Options{Paths: paths, Vars: vars})
	if err != nil {
		return 0, err
	}
	problems := append(slices.Clone(s.Problems), s.Check()...)
	slices.SortStableFunc(problems, func(a, b suite.Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
	for _, p := range problems {
		if excerpts {
			fmt.Fprintln(out, p.Head())
		} else {
			fmt.Fprintln(out, p)
		}
	}
	if excerpts && len(s.HCLDiags) > 0 {
		fmt.Fprintln(out)
		if err := hclscenario.WriteDiagnostics(out, s.HCL.Files(), s.HCLDiags, false); err != nil {
			return 0, &exitError{code: exitHarness, err: err}
		}
	}
	nFeature, nHCL := 0, 0
	for _, f := range s.Files {
		switch {
		case f.Gherkin:
			nFeature++
		case strings.EqualFold(f.Name[max(0, len(f.Name)-len(hclscenario.Ext)):], hclscenario.Ext):
			nHCL++
		}
	}
	files := fmt.Sprintf("%d feature files and %d HCL scenario files", nFeature, nHCL)
	if len(problems) > 0 {
		fmt.Fprintf(out, "vet: %d %s in %s\n", len(problems), vetPlural(len(problems), "problem", "problems"), files)
	} else {
		fmt.Fprintf(out, "vet: %s ok\n", files)
	}
	return len(problems), nil
}

func vetPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
