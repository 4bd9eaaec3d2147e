package harness

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/steps"
)

// Targets for callers other than Run (vaultcheck load): the same
// resolution, start and probes as Run, so that every command takes the
// same --target values (inproc, a base URL, docker:IMAGE) and reports the
// same errors.

// TargetOptions are the target fields of Options.
type TargetOptions struct {
	// Target, VaultURL, KeystoreURL and SubscriptionKey are as in Options.
	Target                string
	VaultURL, KeystoreURL string
	SubscriptionKey       string
	// DockerEnv, DockerArgs and DockerWait are as in Options.
	DockerEnv  []string
	DockerArgs []string
	DockerWait time.Duration
	// Handler is what the inproc target serves; nil means a fake Vault
	// whose store and log the steps' blindness check can see (ServerView).
	Handler http.Handler
	// Log receives the notes of a docker target (pulling nothing, waiting,
	// removing); nil discards them.
	Log io.Writer
}

// Target is a started target. Stop it when done.
type Target struct{ t *target }

// StartTarget resolves o as Run resolves its options, starts the target (a
// fake Vault on a loopback port for inproc, the container for
// docker:IMAGE) and probes both services once with client, as Run does
// before any scenario. Its errors wrap ErrBadTarget or ErrUsage (options
// that cannot work), ErrUnexercised (ErrUnreachable among them: the
// target never answered or its container never started),
// ErrSubscriptionKey or ErrHarness. On an error nothing is left running.
func StartTarget(ctx context.Context, o TargetOptions, client *http.Client) (*Target, error) {
	t, err := resolveTarget(&Options{Target: o.Target, VaultURL: o.VaultURL, KeystoreURL: o.KeystoreURL,
		DockerEnv: o.DockerEnv, DockerArgs: o.DockerArgs, DockerWait: o.DockerWait})
	if err != nil {
		return nil, err
	}
	if t.docker != nil {
		t.docker.log = o.Log
		if t.docker.log == nil {
			t.docker.log = io.Discard
		}
	}
	if err := t.start(ctx, o.Handler, client, o.SubscriptionKey); err != nil {
		return nil, err // start stopped it
	}
	return &Target{t: t}, nil
}

// Name names the target for messages, without credentials:
// "inproc (http://127.0.0.1:PORT)", the base URL, or the docker image with
// the address its container answers on.
func (t *Target) Name() string { return t.t.describe() }

// VaultURL and KeystoreURL are the services' base URLs.
func (t *Target) VaultURL() string { return t.t.vaultURL }

// KeystoreURL is the Keystore's base URL.
func (t *Target) KeystoreURL() string { return t.t.keystoreURL }

// Throwaway reports whether the target exists for this run only (inproc,
// docker), so that publicly known test keys cannot outlive it.
func (t *Target) Throwaway() bool { return t.t.inproc || t.t.docker != nil }

// DefaultKeys is the key source Run uses for this target when none is
// asked for: fast keys for a throwaway target, fresh ones for a URL.
func (t *Target) DefaultKeys() string {
	if t.Throwaway() {
		return keysource.ModeFast
	}
	return keysource.ModeFresh
}

// ServerView looks inside the in-process fake for the blindness check;
// nil for URLs, docker targets and a Handler given in TargetOptions.
func (t *Target) ServerView() steps.ServerView {
	if t.t.view == nil {
		return nil
	}
	return t.t.view
}

// Logs returns the end of a docker target's container log, redacted; ""
// for other targets.
func (t *Target) Logs(ctx context.Context) (string, error) { return t.t.Logs(ctx) }

// Stop shuts the in-process fake down or removes the container. It is
// safe to call more than once.
func (t *Target) Stop() {
	if t.t.stop != nil {
		t.t.stop()
		t.t.stop = nil
	}
}
