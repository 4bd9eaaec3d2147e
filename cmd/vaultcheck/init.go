package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/qaproject"
)

func init() { subcommands = append(subcommands, newInitCmd) }

// version is vaultcheck's version when the build sets it
// (-ldflags "-X main.version=v1.2.0"); otherwise the Go toolchain's stamp
// of the module version is used (see buildVersion).
var version string

// buildVersion returns the version a CI workflow can install this
// vaultcheck with (go install ...@VERSION) and, when that version is only
// approximate, why. Without -X main.version it is the module version the Go
// toolchain stamps into the binary: a release tag when installed with go
// install, a pseudo-version of the commit when built in a checkout (Go
// 1.24 and later), nothing for a build without version control data.
func buildVersion() (v, warning string) {
	info, _ := debug.ReadBuildInfo()
	return versionOf(version, info)
}

// versionOf is buildVersion for a -X version and the binary's build info
// (nil when it has none).
func versionOf(stamped string, info *debug.BuildInfo) (v, warning string) {
	if stamped != "" {
		return stamped, ""
	}
	if info == nil || info.Main.Version == "" || info.Main.Version == "(devel)" {
		return "", "this vaultcheck has no version (it was built without version control data), so the CI workflow installs @latest: pin VAULTCHECK_VERSION in it"
	}
	v = info.Main.Version
	if base, dirty := strings.CutSuffix(v, "+dirty"); dirty {
		return base, fmt.Sprintf("this vaultcheck was built from uncommitted changes to %s; the CI workflow installs %s, which lacks them", base, base)
	}
	return v, ""
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
