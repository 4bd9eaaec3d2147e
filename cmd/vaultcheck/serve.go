package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
)

func init() { subcommands = append(subcommands, newServeCmd) }

// envSubscriptionKey is read when --subscription-key is not given. Its
// value is a secret: it is never shown as the flag's default.
const envSubscriptionKey = "VAULTCHECK_SUBSCRIPTION_KEY"

// serveFlags are serve's flags as parsed.
type serveFlags struct {
	addr            string
	subscriptionKey string
	maxBody         int64
	tokenTTL        time.Duration
	envOut          string
	logLevel        string
	quiet           bool
	faults          []string
	listFaults      bool
}

func newServeCmd() *cobra.Command {
	var fl serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the fake Meeco Vault and Keystore over HTTP",
		Long: `serve runs vaultcheck's fake Meeco Vault and Keystore on one port: the Vault under
/vault, the Keystore under /keystore. It holds only what the real service holds (ciphertext,
public keys, wrapped keys), in memory, until it stops.

It prints the .environment.yaml that points Meeco's own CLI (or vaultcheck run --target) at it,
logs one line per request with tokens and bodies left out (--quiet drops them), and shuts down
cleanly on SIGINT or SIGTERM.

--fault NAME makes the fake break one protocol rule on purpose, as a buggy Vault would, to
show that a suite catches it; --list-faults lists them with the requirements that should.`,
		Example: `  vaultcheck serve --addr 127.0.0.1:8080 --env-file .environment.yaml
  meeco users:create -p supersecretpassword > .alice.yaml
  vaultcheck run --target http://127.0.0.1:8080
  vaultcheck serve --quiet --fault share-dek-swapped --fault srp-challenge-replay`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if fl.listFaults {
				return listFaults(cmd.OutOrStdout())
			}
			if !cmd.Flags().Changed("subscription-key") {
				fl.subscriptionKey = os.Getenv(envSubscriptionKey)
			}
			return serve(cmd, fl)
		},
	}
	// A docker target tells its container where to listen in
	// VAULTCHECK_ADDR (harness.AddrEnv); the flag still wins.
	defAddr := "127.0.0.1:8080"
	if a := os.Getenv(harness.AddrEnv); a != "" {
		defAddr = a
	}
	f := cmd.Flags()
	f.StringVar(&fl.addr, "addr", defAddr, "address to listen on (loopback by default; port 0 picks a free one; env "+harness.AddrEnv+")")
	f.StringVar(&fl.subscriptionKey, "subscription-key", "", "require this Meeco-Subscription-Key (default: $"+envSubscriptionKey+" if set, else accept any)")
	f.Int64Var(&fl.maxBody, "max-body", fakevault.DefaultMaxBodyBytes, "largest request body in bytes; larger ones get 413")
	f.DurationVar(&fl.tokenTTL, "token-ttl", 24*time.Hour, "life of session and admission tokens")
	f.StringVar(&fl.envOut, "env-file", "", "also write the .environment.yaml to this file")
	f.StringVar(&fl.logLevel, "log-level", "info", "log level: debug, info, warn or error (requests log at info)")
	f.BoolVar(&fl.quiet, "quiet", false, "drop the per-request log line")
	f.StringArrayVar(&fl.faults, "fault", nil, "break the fake on purpose with this fault (repeatable; see --list-faults)")
	f.BoolVar(&fl.listFaults, "list-faults", false, "list the faults and the requirements that should catch them, and exit")
	return cmd
}

// serveOptions checks the flags and turns them into the fake's options.
func serveOptions(fl serveFlags, logOut io.Writer) (fakevault.Options, *slog.Logger, error) {
	if fl.maxBody <= 0 {
		return fakevault.Options{}, nil, usageErrorf("serve: --max-body must be a positive number of bytes, got %d", fl.maxBody)
	}
	if fl.tokenTTL <= 0 {
		return fakevault.Options{}, nil, usageErrorf("serve: --token-ttl must be a positive duration, got %s", fl.tokenTTL)
	}
	level, err := parseLogLevel(fl.logLevel)
	if err != nil {
		return fakevault.Options{}, nil, usageErrorf("serve: %v", err)
	}
	faults, err := fakevault.ParseFaults(fl.faults...)
	if err != nil {
		return fakevault.Options{}, nil, usageErrorf("serve: --fault: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))
	return fakevault.Options{SubscriptionKey: fl.subscriptionKey, MaxBodyBytes: fl.maxBody, Logger: logger,
		Quiet: fl.quiet, TokenTTL: fl.tokenTTL, Faults: faults}, logger, nil
}

func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", clipArg(s))
}

func clipArg(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// baseURL is the URL clients should use for a listener at a. A wildcard
// address (0.0.0.0, [::], or a port alone) is no address a client can dial,
// so the URL names a loopback address that reaches the listener, and note
// says so.
func baseURL(a net.Addr) (url, note string) {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return "http://" + a.String(), ""
	}
	port := strconv.Itoa(tcp.Port)
	host := "127.0.0.1"
	if tcp.IP.To4() == nil && !reaches(net.JoinHostPort(host, port)) {
		host = "[::1]" // an IPv6-only wildcard listener
	}
	url = "http://" + host + ":" + port
	return url, fmt.Sprintf("listening on every interface (%s); clients are pointed at %s", a, url)
}

// reaches reports whether a TCP connection to addr opens.
func reaches(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func serve(cmd *cobra.Command, fl serveFlags) error {
	stderr := cmd.ErrOrStderr()
	opts, logger, err := serveOptions(fl, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", fl.addr)
	if err != nil {
		return usageErrorf("serve: %v", err)
	}
	base, note := baseURL(ln.Addr())
	env := fakevault.EnvironmentYAML(base, fl.subscriptionKey)
	if fl.envOut != "" {
		if err := os.WriteFile(fl.envOut, []byte(env), 0o644); err != nil {
			ln.Close()
			return usageErrorf("serve: %v", err)
		}
	}
	srv := &http.Server{Handler: fakevault.New(opts), ReadHeaderTimeout: 10 * time.Second}
	if note != "" {
		fmt.Fprintf(stderr, "note: %s\n", note)
	}
	if !opts.Faults.Empty() {
		fmt.Fprintf(stderr, "WARNING: this fake is broken on purpose with %d fault(s): %s\n", len(opts.Faults.List()), opts.Faults)
	}
	fmt.Fprintf(stderr, "fake Vault at %s/vault, Keystore at %s/keystore\n", base, base)
	fmt.Fprintf(stderr, "point Meeco's CLI at it with this .environment.yaml:\n\n")
	fmt.Fprint(cmd.OutOrStdout(), env)
	fmt.Fprintln(stderr)

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
}

// listFaults prints the fault table: name, area, the crypto object it
// damages, severity, the requirements that should catch it and what it
// breaks.
func listFaults(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tAREA\tOBJECT\tSEVERITY\tREQUIREMENTS\tBREAKS")
	for _, f := range fakevault.Faults() {
		obj := f.Object
		if obj == "" {
			obj = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Name, f.Area, obj, f.Severity, strings.Join(f.Requirements, ","), f.Breaks)
	}
	return tw.Flush()
}
