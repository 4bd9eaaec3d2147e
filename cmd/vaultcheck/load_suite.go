package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/suite"
)

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
