package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/selfcheck"
	"github.com/vaultcheck/vaultcheck/internal/suite"
)

func init() { subcommands = append(subcommands, newSelfcheckCmd) }

func newSelfcheckCmd() *cobra.Command {
	var (
		faultNames []string
		format     string
		workers    int
		vars       []string
	)
	cmd := &cobra.Command{
		Use:   "selfcheck [PATH...]",
		Short: "Prove the suite catches every fault of the fake Vault: the kill matrix",
		Long: `selfcheck runs the scenarios against the built-in fake Vault once without faults (every
scenario must pass) and then once per fault the fake can be told to have (serve --list-faults),
with the publicly known fast test keys, and prints the kill matrix: for each fault the requirement
and the scenario (file:line) that caught it first, or SURVIVED. A fault's run starts with the
scenarios tagged with the requirements the fault names and stops at its first failure.

PATH is a .feature or .hcl file or a folder; without PATH, the features and scenarios built into
vaultcheck. --fault NAME (repeatable) checks only those faults.

Exit status: 0 when the clean run passed and every fault was caught, 1 when a fault survived or
the clean run failed, 2 for bad usage or scenarios that cannot run, 3 when interrupted.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErrorf("--format %q: want text or json", format)
			}
			if workers < 0 {
				return usageErrorf("--workers %d: want 1 or more (0 = default %d)", workers, selfcheck.DefaultWorkers())
			}
			var faults []fakevault.Fault
			for _, n := range faultNames {
				f, err := fakevault.ParseFault(n)
				if err != nil {
					return usageErrorf("--fault: %v", err)
				}
				faults = append(faults, f)
			}
			overrides, err := parseVars(vars)
			if err != nil {
				return err
			}
			ctx, stop := interruptible(cmd)
			defer stop()
			s, err := loadSuite(ctx, "selfcheck", suite.Options{Paths: args, Vars: overrides})
			if err != nil {
				return err
			}
			if probs := append(s.Problems, s.Check()...); len(probs) > 0 {
				for _, p := range probs {
					fmt.Fprintln(cmd.ErrOrStderr(), p)
				}
				return usageErrorf("%d problems in the scenario files (vaultcheck vet shows them)", len(probs))
			}
			errOut := cmd.ErrOrStderr()
			opts := selfcheck.Options{Suite: s, Faults: faults, Workers: workers}
			if format == "text" {
				total := len(faults)
				if total == 0 {
					total = len(fakevault.Faults())
				}
				fmt.Fprintf(errOut, "vaultcheck: selfcheck of %d faults: the clean run first\n", total)
				done := 0
				opts.Progress = func(f selfcheck.FaultResult) {
					done++
					verdict := "SURVIVED"
					if f.Killed {
						verdict = "killed"
					}
					fmt.Fprintf(errOut, "vaultcheck: [%d/%d] %s %s (%d scenarios)\n", done, total, f.Fault.Name, verdict, f.Runs)
				}
			}
			rep, err := selfcheck.Run(ctx, opts)
			switch {
			case ctx.Err() != nil:
				return &exitError{code: exitHarness, err: fmt.Errorf("selfcheck interrupted (%v); the kill matrix is incomplete", context.Cause(ctx))}
			case errors.Is(err, selfcheck.ErrScenarios):
				return usageErrorf("%v", err)
			case err != nil:
				return &exitError{code: exitHarness, err: err}
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				err = rep.WriteJSON(out)
			} else {
				err = rep.WriteText(out)
			}
			if err != nil {
				return &exitError{code: exitReport, err: fmt.Errorf("writing the kill matrix: %w", err)}
			}
			if !rep.OK() {
				return silentExit(exitFailed)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&faultNames, "fault", nil, "check only this fault (repeatable; serve --list-faults names them)")
	cmd.Flags().StringVar(&format, "format", "text", "the kill matrix as text or json")
	cmd.Flags().IntVar(&workers, "workers", 0, fmt.Sprintf("scenarios run at once (0 = %d)", selfcheck.DefaultWorkers()))
	cmd.Flags().StringArrayVar(&vars, "var", nil, "set an HCL variable, NAME=VALUE (repeatable)")
	return cmd
}
