package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/qaproject"
	"github.com/vaultcheck/vaultcheck/internal/version"
)

func init() { subcommands = append(subcommands, newInitCmd) }

// buildVersion returns the version a CI workflow can install this
// vaultcheck with (go install ...@VERSION) and, when that version is only
// approximate, why: the release version set at link time, else the commit
// the binary was built from (go install takes a commit too), else nothing.
func buildVersion() (v, warning string) { return installVersion(version.Get()) }

// installVersion is buildVersion for one build's information.
func installVersion(info version.Info) (v, warning string) {
	switch {
	case info.Version != "" && info.Version != version.Devel:
		return info.Version, ""
	case info.Commit == "":
		return "", "this vaultcheck has no version (it was built without version control data), so the CI workflow installs @latest: pin VAULTCHECK_VERSION in it"
	case info.Modified:
		return info.Commit, fmt.Sprintf("this vaultcheck was built from uncommitted changes to %s; the CI workflow installs %s, which lacks them", info.Commit, info.Commit)
	}
	return info.Commit, ""
}

func newInitCmd() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Make a QA project: features, editor settings, README and CI, run with this vaultcheck",
		Long: `init writes a QA project into DIR (made if missing): features/example.feature, a feature that
passes against the built-in fake Vault; the step catalog for editors (features/vaultcheck_steps_test.go,
never compiled) and .vscode/ settings for Cucumber's VS Code extension, so that the editor
completes every step phrase; a README with the whole loop; and a GitHub Actions workflow that vets
and runs the features with this vaultcheck's version. The project needs no Go: vaultcheck run and
vaultcheck vet take its features/ folder from anywhere.

init writes nothing when one of its files exists already, unless --force.

Exit status: 0 written; 2 bad usage, or files in the way; 3 a file could not be written.`,
		Example: `  vaultcheck init qa-suite && cd qa-suite && vaultcheck run features/
  vaultcheck init --force .      # rewrite the files (after upgrading vaultcheck)`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			v, warning := buildVersion()
			wrote, err := qaproject.Write(dir, qaproject.Options{Version: v, Force: force})
			var exists *qaproject.ExistsError
			switch {
			case errors.As(err, &exists):
				return usageErrorf("init: %v", err)
			case err != nil:
				return &exitError{code: exitHarness, err: fmt.Errorf("init: %w", err)}
			}
			out := cmd.OutOrStdout()
			for _, p := range wrote {
				fmt.Fprintf(out, "wrote %s\n", p)
			}
			if warning != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "vaultcheck: warning: %s\n", warning)
			}
			features := filepath.Join(dir, "features")
			fmt.Fprintf(out, "\nNext:\n  vaultcheck run %s      # the example, against the built-in fake Vault\n", features)
			fmt.Fprintf(out, "  vaultcheck run --watch %s   # re-run what you change, on every save\n", features)
			fmt.Fprintf(out, "  open %s in VS Code with Cucumber's extension: it completes every step (see %s)\n",
				dir, filepath.Join(dir, "README.md"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite files that exist already")
	return cmd
}
