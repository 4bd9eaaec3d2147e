package main

import (
	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/steps"
)

func init() { subcommands = append(subcommands, newStepsCmd) }

func newStepsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "steps",
		Short: "Print the step catalog: every step phrase features and scenarios can use",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return steps.WriteCatalog(cmd.OutOrStdout())
		},
	}
}
