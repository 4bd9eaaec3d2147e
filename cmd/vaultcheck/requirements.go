package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/coverage"
	"github.com/vaultcheck/vaultcheck/internal/suite"
)

func init() { subcommands = append(subcommands, newRequirementsCmd) }

func newRequirementsCmd() *cobra.Command {
	var (
		missing bool
		format  string
		vars    []string
	)
	cmd := &cobra.Command{
		Use:   "requirements [PATH...]",
		Short: "Show which requirements the scenarios check, positively and negatively",
		Long: `requirements prints the coverage table of the requirements catalogue
(internal/requirements/CATALOGUE.md): for each requirement its ID, level and statement, and the
scenarios that check it positively (tagged @req:ID: the behaviour the rule requires happens) and
negatively (@req:ID:neg: what the rule forbids is refused or rejected), as file:line. HCL scenarios
name theirs with requirements = ["ID", "ID:neg"].

PATH is a .feature or .hcl file or a folder; without PATH, the features and scenarios built into
vaultcheck. --missing lists only the MUSTs that lack a polarity, and what each lacks.

Exit status: 0 when every MUST has a positive and a negative scenario, 1 when one lacks either,
2 for a malformed scenario (an unknown requirement ID is one: vet shows them) or bad usage,
3 when interrupted.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text", "markdown", "json":
			default:
				return usageErrorf("--format %q: want text, markdown or json", format)
			}
			if missing && format == "markdown" {
				return usageErrorf("--missing writes text or json, not markdown")
			}
			overrides, err := parseVars(vars)
			if err != nil {
				return err
			}
			ctx, stop := interruptible(cmd)
			defer stop()
			s, err := loadSuite(ctx, "requirements", suite.Options{Paths: args, Vars: overrides})
			if err != nil {
				return err
			}
			// A table built on files with problems would quietly leave
			// their scenarios out.
			problems := append(s.Problems, s.TagProblems()...)
			if len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintln(cmd.ErrOrStderr(), p)
				}
				return usageErrorf("%d problems in the scenario files (vaultcheck vet shows them all)", len(problems))
			}
			tab := coverage.Of(s)
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				err = tab.WriteJSON(out, missing)
			case "markdown":
				err = tab.WriteMarkdown(out)
			default:
				err = tab.WriteText(out, missing)
			}
			if err != nil {
				return &exitError{code: exitReport, err: fmt.Errorf("writing the table: %w", err)}
			}
			if gaps := tab.Gaps(); len(gaps) > 0 {
				if format != "json" {
					fmt.Fprintf(cmd.ErrOrStderr(), "vaultcheck: %d MUST requirements lack a positive or a negative scenario\n", len(gaps))
				}
				return silentExit(exitFailed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&missing, "missing", false, "list only the MUSTs that lack a positive or a negative scenario")
	cmd.Flags().StringVar(&format, "format", "text", "text, markdown or json")
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set an HCL variable, NAME=VALUE (repeatable)")
	return cmd
}
