package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/vectors"
)

func init() { subcommands = append(subcommands, newVectorsCmd) }

func newVectorsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vectors",
		Short: "Check crypto test vectors, or write our own for other implementations",
	}
	cmd.AddCommand(newVectorsVerifyCmd(), newVectorsGenerateCmd())
	return cmd
}

func newVectorsVerifyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify FILE...",
		Short: "Check every case of vector files (meeco-crypto.json or cryppo-compat.json schema)",
		Long: `verify checks every case of each vector file with vaultcheck's own Cryppo, SRP and key
hierarchy. It prints one line per group ("aes256gcm: 13/13"), each failing case by group and
index with the reason, and a last line "N passed, M failed".

Exit status: 0 when every case passes, 1 when any fails, 2 when a file cannot be read or is
not a vector file.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Load everything first: a malformed file is a usage error and
			// nothing is checked, so a typo cannot turn into a partial pass.
			var files []*vectors.File
			for _, path := range args {
				f, err := vectors.Load(path)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				files = append(files, f)
			}
			out := cmd.OutOrStdout()
			var passed, failed int
			for _, f := range files {
				if len(files) > 1 {
					fmt.Fprintf(out, "# %s\n", f.Path)
				}
				r := vectors.Verify(f)
				r.Write(out)
				p, fl := r.Counts()
				passed += p
				failed += fl
			}
			fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return silentExit(exitFailed)
			}
			return nil
		},
	}
}

func newVectorsGenerateCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "generate --out FILE",
		Short: "Write a meeco-crypto.json vector file produced by vaultcheck (fresh random keys and inputs)",
		Long: `generate writes a vector file in the meeco-crypto.json schema, every case produced by
vaultcheck's implementation from fresh random keys and inputs, so that other implementations
(cryppo-js among them) can check us in turn. RSA keys are freshly generated, which takes a few
seconds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErrorf("generate: --out FILE is required")
			}
			keys := keysource.NewFresh(keysource.FreshOptions{})
			defer keys.Close()
			f, err := vectors.Generate(context.Background(), keys)
			if err != nil {
				return &exitError{code: exitHarness, err: fmt.Errorf("generate: %w", err)}
			}
			data, err := json.MarshalIndent(f, "", " ")
			if err != nil {
				return &exitError{code: exitHarness, err: err}
			}
			if dir := filepath.Dir(out); dir != "." {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return &exitError{code: exitReport, err: fmt.Errorf("generate: cannot write %s: %w", out, err)}
				}
			}
			if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
				return &exitError{code: exitReport, err: fmt.Errorf("generate: cannot write %s: %w", out, err)}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (required)")
	return cmd
}
