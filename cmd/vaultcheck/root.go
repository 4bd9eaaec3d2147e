package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/suite"
	"github.com/vaultcheck/vaultcheck/internal/version"
)

// Exit codes shared by every subcommand (harness.Exit* for run):
//
//	0  passed
//	1  the target failed a scenario (or a check, or a vector)
//	2  bad usage, unreadable or malformed input, a mistake in a scenario
//	3  the harness broke, or the run was interrupted
//	4  the target could not be exercised
//	5  a report could not be written
//
// When several apply, the first of 3, 5, 4, 2, 1 wins.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitHarness     = 3
	exitUnexercised = 4
	exitReport      = 5
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports bad input (exit 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// silentExit ends the command with code after it has already reported.
func silentExit(code int) error { return &exitError{code: code} }

// Main runs the vaultcheck command line and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "vaultcheck:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong argument count.
	fmt.Fprintln(stderr, "vaultcheck:", err)
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "vaultcheck",
		Short: "Conformance harness for end-to-end-encrypted Meeco-style Vaults",
		Long: `vaultcheck checks that a Vault, a Keystore and their clients do every crypto step of
Meeco sharing exactly right: Cryppo serialization, the key hierarchy, SRP, connections and
shares, byte for byte against Meeco's own libraries.`,
		Version:       version.Get().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("vaultcheck {{.Version}}\n")
	for _, add := range subcommands {
		root.AddCommand(add())
	}
	return root
}

// subcommands is filled by each command's file in its init, so that every
// command lives in one file of its own.
var subcommands []func() *cobra.Command

// interruptible is the command's context, cancelled by the first Ctrl-C or
// SIGTERM, so that a long parse or run stops at once and cleans up.
func interruptible(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	parent := cmd.Context()
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

// loadSuite loads scenario files for the command name (its PATHs, or the
// suite built into vaultcheck) with the exit codes every command gives: a
// path that cannot be used or that holds no scenario is a usage error (2),
// an interrupt or a failure to read is vaultcheck's (3).
func loadSuite(ctx context.Context, name string, opts suite.Options) (*suite.Suite, error) {
	s, err := suite.Load(ctx, opts)
	switch {
	case ctx.Err() != nil:
		return nil, &exitError{code: exitHarness, err: fmt.Errorf("%s interrupted (%v)", name, context.Cause(ctx))}
	case errors.Is(err, suite.ErrBadPath) || errors.Is(err, suite.ErrNoScenarios):
		return nil, usageErrorf("%v", err)
	case err != nil:
		return nil, &exitError{code: exitHarness, err: err}
	}
	return s, nil
}
