// Command meeco is a Go build of the commands of Meeco's `meeco` CLI that
// users, items, connections and shares need, reading and writing the same
// YAML files, so that Meeco's guides run as written against vaultcheck's
// fake Vault (vaultcheck serve) or any live Vault, and files made by
// Meeco's CLI and by this one are interchangeable.
//
// Every command drives internal/client, the Meeco client the conformance
// steps use; file shapes live in internal/meecocli. Output YAML goes to
// stdout, progress and errors to stderr. Exit codes: 0 success, 1 the
// operation failed (the Vault refused, could not be reached, a login
// failed), 2 usage (a bad flag, or a missing or malformed input file).
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/meecocli"
	"github.com/vaultcheck/vaultcheck/internal/version"
)

func main() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) }

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// testKeysEnv selects the committed, publicly known test keys instead of
// freshly generated ones: "fast" (a random order of the set) or
// "fast:SEED" (a fixed order, so that scripted runs are repeatable). It is
// for tests against a throwaway Vault only and is deliberately not in the
// help text.
const testKeysEnv = "MEECO_TEST_KEYS"

// Main runs the command line with the process's stdin and environment and
// returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return run(ctx, args, env{
		stdin:    os.Stdin,
		terminal: isTerminal(os.Stdin),
		stdout:   stdout,
		stderr:   stderr,
		getenv:   os.Getenv,
	})
}

// isTerminal reports whether f is a character device (a terminal, or
// /dev/null, which then reads as an immediate end of input).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// env is what one run sees of the outside world; tests fill it in.
type env struct {
	stdin    io.Reader
	terminal bool // stdin is interactive
	stdout   io.Writer
	stderr   io.Writer
	getenv   func(string) string
	// keys, when set, supplies the key source instead of fresh or
	// MEECO_TEST_KEYS keys (tests share one source across runs).
	keys keysource.Source
}

// app is the state of one run: the global flags and what the commands
// opened.
type app struct {
	env      env
	envFile  string
	authFile string
	closers  []func() // run when the command is done
}

func run(ctx context.Context, args []string, e env) int {
	a := &app{env: e}
	defer a.close()
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(e.stderr, "meeco: "+err.Error())
	return exitCode(err)
}

func (a *app) close() {
	for _, f := range a.closers {
		f()
	}
	a.closers = nil
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "meeco",
		Short: "Meeco's meeco CLI, built on vaultcheck's Meeco client",
		Long: `meeco runs the commands of Meeco's meeco CLI for users, items, connections and shares,
reading and writing the same YAML files, against vaultcheck's fake Vault (vaultcheck serve)
or any live Meeco Vault and Keystore named in the environment file.

Output YAML is written to stdout, progress and errors to stderr. Exit codes: 0 success,
1 the operation failed, 2 a bad flag or input file.`,
		Example: `  vaultcheck serve --env-file .environment.yaml &
  meeco users:create -p supersecretpassword > .alice.yaml
  meeco items:create-config vehicle -a .alice.yaml > .vehicle_config.yaml`,
		Version:           version.Get().String(),
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetVersionTemplate("meeco (vaultcheck's build) {{.Version}}\n")
	root.PersistentFlags().StringVarP(&a.envFile, "environment", "e", ".environment.yaml", "environment config file (vault and keystore URLs and subscription keys)")
	root.PersistentFlags().StringVarP(&a.authFile, "auth", "a", ".user.yaml", "authorization config file (the output of users:create or users:login)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	for _, add := range []func() []*cobra.Command{a.userCmds, a.templateCmds, a.itemCmds, a.connectionCmds, a.shareCmds} {
		for _, c := range add() {
			root.AddCommand(c)
		}
	}
	return root
}

// usageError is bad usage (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usage(err error) error { return &usageError{err} }

func usagef(format string, args ...any) error { return usage(fmt.Errorf(format, args...)) }

// failure is an error of a command's work (exit 1), as opposed to cobra's
// own errors about flags and arguments (exit 2).
type failure struct{ err error }

func (e *failure) Error() string { return e.err.Error() }
func (e *failure) Unwrap() error { return e.err }

// exitCode maps an error to the exit code: usage errors and bad input
// files are 2, failures of the work 1, and anything cobra reports before a
// command runs (unknown command or flag, a required flag missing, a wrong
// number of arguments) 2.
func exitCode(err error) int {
	var ue *usageError
	var fe *meecocli.FileError
	var f *failure
	switch {
	case errors.As(err, &ue), errors.As(err, &fe):
		return exitUsage
	case errors.As(err, &f):
		return exitFailed
	}
	return exitUsage
}

// args checks positional arguments, reporting a count error as usage.
func args(n cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := n(cmd, a); err != nil {
			return usage(err)
		}
		return nil
	}
}

// print writes n to stdout.
func (a *app) print(n *yaml.Node) error { return meecocli.Encode(a.env.stdout, n) }

// progress writes a line of progress to stderr.
func (a *app) progress(format string, args ...any) {
	fmt.Fprintf(a.env.stderr, format+"\n", args...)
}

// newClient reads the environment file and returns a client; keys > 0
// also starts a key source for that many RSA keypairs.
func (a *app) newClient(keys int) (*client.Client, error) {
	e, err := meecocli.ReadEnvironment(a.envFile)
	if err != nil {
		return nil, err
	}
	cfg := client.Config{
		VaultURL:                e.Vault.URL,
		KeystoreURL:             e.Keystore.URL,
		VaultSubscriptionKey:    e.Vault.SubscriptionKey,
		KeystoreSubscriptionKey: e.Keystore.SubscriptionKey,
	}
	if keys > 0 {
		if cfg.Keys, err = a.keySource(keys); err != nil {
			return nil, err
		}
	}
	c, err := client.New(cfg)
	if err != nil {
		if errors.Is(err, client.ErrConfig) {
			return nil, usagef("%s: %s", a.envFile, strings.TrimPrefix(err.Error(), client.ErrConfig.Error()+": "))
		}
		return nil, err
	}
	return c, nil
}

// keySource returns the source of the n keypairs a command needs: fresh
// keys generated in the background (one worker per key, up to the cores)
// while the command talks to the services, or the committed test keys when
// MEECO_TEST_KEYS asks for them.
func (a *app) keySource(n int) (keysource.Source, error) {
	if a.env.keys != nil {
		return a.env.keys, nil
	}
	mode := a.env.getenv(testKeysEnv)
	if mode == "" {
		workers := min(n, runtime.GOMAXPROCS(0))
		src := keysource.NewFresh(keysource.FreshOptions{Workers: workers, Depth: n})
		// Close waits for a generation in progress; a process about to
		// exit need not, so it runs in the background.
		a.onClose(func() { go src.Close() })
		return src, nil
	}
	name, seedText, hasSeed := strings.Cut(mode, ":")
	if name != keysource.ModeFast {
		return nil, usagef("%s=%q: want %q or %q", testKeysEnv, mode, "fast", "fast:SEED")
	}
	var seed uint64
	if hasSeed {
		s, err := strconv.ParseUint(seedText, 10, 64)
		if err != nil || s == 0 {
			return nil, usagef("%s: seed %q: want a positive integer", testKeysEnv, seedText)
		}
		seed = s
	} else {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	src, err := keysource.NewFast(keysource.FastOptions{Seed: seed})
	if err != nil {
		return nil, err
	}
	a.onClose(func() { src.Close() })
	a.progress("warning: %s: using publicly known test keys; use these users with a throwaway Vault only", testKeysEnv)
	return src, nil
}

func (a *app) onClose(f func()) { a.closers = append(a.closers, f) }

// readAuth reads the -a file.
func (a *app) readAuth() (*client.AuthData, error) { return meecocli.ReadAuth(a.authFile) }

// authed returns a client and the -a user's auth data.
func (a *app) authed() (*client.Client, *client.AuthData, error) {
	c, err := a.newClient(0)
	if err != nil {
		return nil, nil, err
	}
	auth, err := a.readAuth()
	if err != nil {
		return nil, nil, err
	}
	return c, auth, nil
}

// password returns the -p value, or reads one line from stdin when it is
// not a terminal (echo pw | meeco users:login). This build does not prompt:
// without a terminal library it could not hide what is typed.
func (a *app) password(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if a.env.terminal {
		return "", usagef("password required: give it with -p PASSWORD or on stdin (this build does not prompt)")
	}
	line, err := readLine(a.env.stdin)
	if err != nil {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	if line == "" {
		return "", usagef("password required: give it with -p PASSWORD or on stdin")
	}
	return line, nil
}

// readLine reads up to the first newline (without it, and without a CR),
// byte by byte so that nothing after the line is consumed.
func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for b.Len() < 1<<16 {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			b.WriteByte(buf[0])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return strings.TrimSuffix(b.String(), "\r"), nil
}
