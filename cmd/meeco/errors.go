package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/meecocli"
)

// Errors a person can act on. The client's own errors are already free of
// secrets (it redacts them); these add what the person should do.
var (
	// errLogin reports a wrong password or secret.
	errLogin = errors.New("login failed: wrong password or secret")
	// errUnreachable reports a service that could not be reached.
	errUnreachable = errors.New("cannot reach")
)

// runE wraps a command body: it turns the client's errors into ones that
// say what happened and what to do.
func (a *app) runE(f func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		err := a.explain(f(cmd, args))
		var fe *meecocli.FileError
		var ue *usageError
		if err == nil || errors.As(err, &fe) || errors.As(err, &ue) {
			return err
		}
		return &failure{err}
	}
}

func (a *app) explain(err error) error {
	if err == nil {
		return nil
	}
	var fe *meecocli.FileError
	var ue *usageError
	if errors.As(err, &fe) || errors.As(err, &ue) {
		return err
	}
	var ce *client.Error
	isClient := errors.As(err, &ce)
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("interrupted: %w", context.Canceled)
	case isClient && ce.Status == 0 && isTransport(ce.Err):
		return a.unreachable(ce)
	case errors.Is(err, client.ErrLoginFailed),
		isClient && ce.Status == http.StatusUnauthorized && strings.Contains(ce.Path, "/srp/"):
		// A 401 at the SRP challenge (unknown username) and at the proof
		// (wrong password) mean the same to the person logging in.
		return errLogin
	case errors.Is(err, client.ErrShareNotAccepted):
		var se *client.ShareStateError
		if errors.As(err, &se) {
			return fmt.Errorf("%w: accept them first with: meeco shares:accept %s", err, se.ShareID)
		}
	case isClient && ce.Status == http.StatusUnauthorized &&
		(errors.Is(err, meeco.Unauthorized) || errors.Is(err, meeco.AuthenticationFailed)):
		return fmt.Errorf("%w\n(the session token was refused: tokens expire; refresh them with meeco users:login -a AUTHFILE -p PASSWORD)", err)
	}
	return err
}

// isTransport reports a failure to reach a server (no HTTP response).
func isTransport(err error) bool {
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &oe) || errors.As(err, &de) || errors.As(err, &ne) ||
		errors.Is(err, context.DeadlineExceeded)
}

// unreachable names the service and its URL from the environment file.
func (a *app) unreachable(ce *client.Error) error {
	e, err := meecocli.ReadEnvironment(a.envFile)
	cause := ce.Err.Error()
	var oe *net.OpError
	if errors.As(ce.Err, &oe) {
		// "dial tcp 127.0.0.1:1: connect: connection refused", without the
		// HTTP method the client put in front.
		cause = oe.Error()
	}
	if err != nil {
		return fmt.Errorf("%w the service (%s %s): %s", errUnreachable, ce.Method, ce.Path, cause)
	}
	vault, ks := showURL(e.Vault.URL), showURL(e.Keystore.URL)
	vp, kp := urlPath(e.Vault.URL), urlPath(e.Keystore.URL)
	var what string
	switch {
	case vp != kp && kp != "" && strings.HasPrefix(ce.Path, kp) && (len(kp) >= len(vp) || !strings.HasPrefix(ce.Path, vp)):
		what = "the Keystore at " + ks
	case vp != kp && vp != "" && strings.HasPrefix(ce.Path, vp):
		what = "the Vault at " + vault
	default:
		what = "the Vault at " + vault + " or the Keystore at " + ks
	}
	return fmt.Errorf("%w %s (%s): %s", errUnreachable, what, a.envFile, cause)
}

// showURL prints a URL without any user info it may carry.
func showURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return u.Redacted()
}

func urlPath(s string) string {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return ""
	}
	return u.Path
}
