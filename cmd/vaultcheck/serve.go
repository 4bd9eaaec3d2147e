package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
)

func init() { subcommands = append(subcommands, newServeCmd) }

func newServeCmd() *cobra.Command {
	var (
		addr            string
		subscriptionKey string
		maxBody         int64
		tokenTTL        time.Duration
		envOut          string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the fake Meeco Vault and Keystore over HTTP",
		Long: `serve runs vaultcheck's fake Meeco Vault and Keystore on one port: the Vault under
/vault, the Keystore under /keystore. It holds only what the real service holds (ciphertext,
public keys, wrapped keys), in memory, until it stops.

It prints the .environment.yaml that points Meeco's own CLI (or vaultcheck run --target) at it,
logs one line per request with tokens and bodies left out, and shuts down cleanly on SIGINT or
SIGTERM.`,
		Example: `  vaultcheck serve --addr 127.0.0.1:8080 --env-file .environment.yaml
  meeco users:create -p supersecretpassword > .alice.yaml
  vaultcheck run --target http://127.0.0.1:8080`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErrorf("serve: %v", err)
			}
			base := "http://" + ln.Addr().String()
			env := fakevault.EnvironmentYAML(base, subscriptionKey)
			if envOut != "" {
				if err := os.WriteFile(envOut, []byte(env), 0o644); err != nil {
					ln.Close()
					return usageErrorf("serve: %v", err)
				}
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			srv := &http.Server{
				Handler: fakevault.New(fakevault.Options{
					SubscriptionKey: subscriptionKey,
					MaxBodyBytes:    maxBody,
					Logger:          logger,
					TokenTTL:        tokenTTL,
				}),
				ReadHeaderTimeout: 10 * time.Second,
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "fake Vault at %s/vault, Keystore at %s/keystore\n", base, base)
			fmt.Fprintf(cmd.ErrOrStderr(), "point Meeco's CLI at it with this .environment.yaml:\n\n")
			fmt.Fprint(cmd.OutOrStdout(), env)
			fmt.Fprintln(cmd.ErrOrStderr())

			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return &exitError{code: exitHarness, err: fmt.Errorf("serve: %w", err)}
			case <-ctx.Done():
			}
			logger.Info("shutting down")
			shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdownCtx); err != nil {
				return &exitError{code: exitHarness, err: fmt.Errorf("serve: shutdown: %w", err)}
			}
			if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
				return &exitError{code: exitHarness, err: err}
			}
			return nil
		},
	}
	// A docker target tells its container where to listen in
	// VAULTCHECK_ADDR (harness.AddrEnv); the flag still wins.
	defAddr := "127.0.0.1:8080"
	if a := os.Getenv(harness.AddrEnv); a != "" {
		defAddr = a
	}
	cmd.Flags().StringVar(&addr, "addr", defAddr, "address to listen on (loopback by default; port 0 picks a free one; env "+harness.AddrEnv+")")
	cmd.Flags().StringVar(&subscriptionKey, "subscription-key", os.Getenv("VAULTCHECK_SUBSCRIPTION_KEY"), "require this Meeco-Subscription-Key (default: accept any; env VAULTCHECK_SUBSCRIPTION_KEY)")
	cmd.Flags().Int64Var(&maxBody, "max-body", fakevault.DefaultMaxBodyBytes, "largest request body in bytes; larger ones get 413")
	cmd.Flags().DurationVar(&tokenTTL, "token-ttl", 24*time.Hour, "life of session and admission tokens")
	cmd.Flags().StringVar(&envOut, "env-file", "", "also write the .environment.yaml to this file")
	return cmd
}
