package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
)

// TargetInproc names the in-process fake Vault target.
const TargetInproc = "inproc"

// Error kinds of target setup.
var (
	// ErrBadTarget reports a target or URL option that is not usable
	// (wrong scheme, no host, an override without its pair).
	ErrBadTarget = errors.New("bad target")
	// ErrUnreachable reports a URL target that did not answer the
	// reachability check.
	ErrUnreachable = errors.New("target unreachable")
)

// reachTimeout bounds the reachability check of a URL target: long enough
// for a TLS handshake across the world, short enough that a typo in the
// URL fails fast.
const reachTimeout = 5 * time.Second

// target is where a run's scenarios send their requests.
type target struct {
	name        string // "inproc" or the base URL, for messages
	vaultURL    string
	keystoreURL string
	inproc      bool
	stop        func() // shuts the in-process server down; nil for URLs
}

// resolveTarget validates the target options without touching the network.
func resolveTarget(opts *Options) (*target, error) {
	name := strings.TrimSpace(opts.Target)
	vault, keystore := strings.TrimSpace(opts.VaultURL), strings.TrimSpace(opts.KeystoreURL)
	for _, u := range []struct{ flag, val string }{{"vault URL", vault}, {"keystore URL", keystore}} {
		if u.val != "" {
			if err := checkURL(u.val); err != nil {
				return nil, fmt.Errorf("%w: %s %q: %v", ErrBadTarget, u.flag, u.val, err)
			}
		}
	}
	if name == "" || name == TargetInproc {
		switch {
		case vault != "" && keystore != "":
			// Both services named: nothing left for a fake to serve.
			return &target{name: vault, vaultURL: vault, keystoreURL: keystore}, nil
		case vault != "" || keystore != "":
			return nil, fmt.Errorf("%w: a vault URL and a keystore URL go together; give both, or a base URL as the target, or neither for the in-process fake", ErrBadTarget)
		}
		return &target{name: TargetInproc, inproc: true}, nil
	}
	if err := checkURL(name); err != nil {
		return nil, fmt.Errorf("%w %q: want %q or a base URL such as http://localhost:8080: %v", ErrBadTarget, name, TargetInproc, err)
	}
	base := strings.TrimRight(name, "/")
	if vault == "" {
		vault = base + "/vault"
	}
	if keystore == "" {
		keystore = base + "/keystore"
	}
	return &target{name: base, vaultURL: vault, keystoreURL: keystore}, nil
}

// checkURL accepts absolute http(s) URLs with a host and no query or
// fragment (the steps append API paths to them).
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme %q, want http or https", u.Scheme)
	case u.Host == "":
		return errors.New("no host")
	case u.User != nil:
		// Credentials in a URL end up in logs and reports.
		return errors.New("credentials in the URL are not allowed; use --subscription-key")
	case u.RawQuery != "" || u.Fragment != "":
		return errors.New("a base URL takes no query or fragment")
	}
	return nil
}

// start brings the target up: for inproc, a fake Vault on a loopback port;
// for URLs, a reachability check of both services.
func (t *target) start(ctx context.Context, handler http.Handler, client *http.Client, subscriptionKey string) error {
	if !t.inproc {
		for _, u := range []string{t.vaultURL, t.keystoreURL} {
			if err := reach(ctx, client, u); err != nil {
				return err
			}
		}
		return nil
	}
	var closer io.Closer
	if handler == nil {
		// The fake demands the subscription key when one is given, so
		// that a run checks the steps send it.
		srv := fakevault.New(fakevault.Options{SubscriptionKey: subscriptionKey})
		handler = srv
		if c, ok := any(srv).(io.Closer); ok {
			closer = c
		}
	}
	// A real loopback listener rather than an in-memory transport, so that
	// the steps talk HTTP exactly as they would to a remote Vault.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("%w: in-process fake Vault: %v", ErrHarness, err)
	}
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln) // returns http.ErrServerClosed on shutdown
	}()
	base := "http://" + ln.Addr().String()
	t.vaultURL, t.keystoreURL = base+"/vault", base+"/keystore"
	t.stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if hs.Shutdown(sctx) != nil {
			hs.Close()
		}
		<-done
		if closer != nil {
			closer.Close()
		}
	}
	return nil
}

// reach checks that something answers HTTP at u. Any status counts: the
// check is about typos, DNS and firewalls, not about the API.
func reach(ctx context.Context, client *http.Client, u string) error {
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadTarget, u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the method and URL
		}
		return fmt.Errorf("%w: %s: %v (is the URL right and the service up?)", ErrUnreachable, u, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	return nil
}
