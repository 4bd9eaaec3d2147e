package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/serverview"
)

// TargetInproc names the in-process fake Vault target.
const TargetInproc = "inproc"

// Error kinds of target setup.
var (
	// ErrBadTarget reports a target or URL option that is not usable
	// (wrong scheme, no host, an override without its pair).
	ErrBadTarget = errors.New("bad target")
	// ErrUnexercised reports a target that could not be exercised: it
	// did not answer, could not be started (a docker target's engine,
	// container or wait), or a step met a fault of exercise (see
	// IsTargetError). Run exits ExitUnexercised.
	ErrUnexercised = errors.New("the target could not be exercised")
	// ErrUnreachable reports a URL target that did not answer the
	// reachability check. It matches ErrUnexercised.
	ErrUnreachable error = &subKind{"target unreachable", ErrUnexercised}
	// ErrSubscriptionKey reports a target that refused the subscription
	// key (none was given, or the wrong one) before any scenario ran: a
	// configuration error, which would otherwise fail every scenario as if
	// the Vault were wrong.
	ErrSubscriptionKey = errors.New("subscription key refused")
)

// subKind is an error kind that is also a case of a broader kind.
type subKind struct {
	msg    string
	parent error
}

func (k *subKind) Error() string { return k.msg }

// Is matches the broader kind.
func (k *subKind) Is(target error) bool { return target == k.parent }

// reachTimeout bounds the probe of each service: long enough for a TLS
// handshake across the world, short enough that a typo in the URL fails
// fast.
const reachTimeout = 5 * time.Second

// target is where a run's scenarios send their requests.
type target struct {
	name        string // "inproc" or the base URL, for messages
	vaultURL    string
	keystoreURL string
	inproc      bool
	docker      *dockerTarget // for "docker:IMAGE"; nil otherwise
	stop        func()        // shuts the in-process server or the container down; nil for URLs
	// view looks inside the in-process fake for the server-blindness
	// check; nil for URLs, docker targets and a Handler given by the caller.
	view *serverview.View
}

// Logs returns the end of the target's own log, redacted, when it has one
// (a docker target's container); "" otherwise. The failure summary shows
// it, and a results writer may attach it to the scenarios that did not
// pass.
func (t *target) Logs(ctx context.Context) (string, error) {
	if t == nil || t.docker == nil {
		return "", nil
	}
	return t.docker.Logs(ctx)
}

// describe names the target for the run's first line, without
// credentials: "inproc (http://127.0.0.1:PORT)", the base URL, or the
// docker target with the address its container answers on.
func (t *target) describe() string {
	where := redactURL(t.name)
	if t.docker != nil && t.vaultURL != "" {
		where += " (" + strings.TrimSuffix(t.vaultURL, "/vault") + ")"
	}
	if t.inproc {
		where = "inproc (" + strings.TrimSuffix(t.vaultURL, "/vault") + ")"
	}
	return where
}

// resolveTarget validates the target options without touching the network.
func resolveTarget(opts *Options) (*target, error) {
	name := strings.TrimSpace(opts.Target)
	vault, keystore := strings.TrimSpace(opts.VaultURL), strings.TrimSpace(opts.KeystoreURL)
	for _, u := range []struct{ flag, val string }{{"vault URL", vault}, {"keystore URL", keystore}} {
		if u.val != "" {
			if err := checkURL(u.val); err != nil {
				return nil, fmt.Errorf("%w: %s %q: %v", ErrBadTarget, u.flag, redactURL(u.val), err)
			}
		}
	}
	if strings.HasPrefix(name, TargetDockerPrefix) {
		d, err := parseDockerTarget(name, opts)
		if err != nil {
			return nil, err
		}
		return &target{name: name, docker: d}, nil
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
		return nil, fmt.Errorf("%w %q: want %q, docker:IMAGE[:TAG] or a base URL such as http://localhost:8080: %v", ErrBadTarget, redactURL(name), TargetInproc, err)
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

// start brings the target up (for inproc, a fake Vault on a loopback port)
// and probes both services once: that they answer at all, and that they
// accept the subscription key.
func (t *target) start(ctx context.Context, handler http.Handler, client *http.Client, subscriptionKey string) (err error) {
	defer func() {
		// A target that could not be started is stopped at once (for a
		// container: removed), whatever Run does next.
		if err != nil && t.stop != nil {
			t.stop()
			t.stop = nil
		}
	}()
	switch {
	case t.inproc:
		if err := t.serve(handler, subscriptionKey); err != nil {
			return err
		}
	case t.docker != nil:
		if err := t.docker.start(ctx, t, client, subscriptionKey); err != nil {
			return err
		}
	}
	probes := []struct{ service, url string }{
		// Routes that exist on the real services (an API gateway checks
		// the key only for routes it knows) and that need a token, so
		// that the probe changes nothing.
		{"Vault", t.vaultURL + meeco.VMe},
		{"Keystore", t.keystoreURL + meeco.KSKeyEncryptionKey},
	}
	for _, p := range probes {
		if err := probeService(ctx, client, p.service, p.url, subscriptionKey); err != nil {
			return err
		}
	}
	return nil
}

// probe checks once that both services still give an HTTP answer, for a
// run that met a target error: a target that stopped answering gets no more
// scenarios. It returns an ErrUnreachable error when one does not answer.
func (t *target) probe(ctx context.Context, client *http.Client) error {
	for _, u := range []string{t.vaultURL + meeco.VMe, t.keystoreURL + meeco.KSKeyEncryptionKey} {
		if err := answers(ctx, client, u); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrUnreachable, redactURL(u), err)
		}
	}
	return nil
}

// serve starts the in-process fake Vault on a loopback port.
func (t *target) serve(handler http.Handler, subscriptionKey string) error {
	var closer io.Closer
	if handler == nil {
		// The fake demands the subscription key when one is given, so
		// that a run checks the steps send it.
		t.view = serverview.New()
		srv := t.view.NewFake(fakevault.Options{SubscriptionKey: subscriptionKey})
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

// probeService sends one unauthenticated GET to u with the subscription key, as
// the SDK sends it. Any answer shows the service is there; a 401 or 403
// whose body speaks of the subscription key means the key is missing or
// wrong (the fake's subscription_key_invalid, or an API gateway's "Access
// denied due to invalid subscription key").
func probeService(ctx context.Context, client *http.Client, service, u, subscriptionKey string) error {
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, reachTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadTarget, redactURL(u), err)
	}
	req.Header.Set(meeco.HeaderSubscriptionKey, subscriptionKey)
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the method and URL
		}
		return fmt.Errorf("%w: %s: %v (is the URL right and the service up?)", ErrUnreachable, redactURL(u), err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
		return nil
	}
	lower := strings.ToLower(string(body))
	if !strings.Contains(lower, "subscription key") && !strings.Contains(lower, "subscription_key") {
		return nil
	}
	which := "the subscription key sent was refused"
	if subscriptionKey == "" {
		which = "no subscription key was sent"
	}
	return fmt.Errorf("%w: the %s at %s answered %d %q (%s)", ErrSubscriptionKey, service, redactURL(u),
		resp.StatusCode, errorMessage(body, subscriptionKey), which)
}

// errorMessage returns the message of an error body: a Meeco error's
// errors[0].message, an API gateway's "message", or the start of the body,
// without the subscription key should the server echo it.
func errorMessage(body []byte, secret string) string {
	var doc struct {
		Message string `json:"message"`
		Errors  []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	msg := ""
	if json.Unmarshal(body, &doc) == nil {
		switch {
		case len(doc.Errors) > 0 && doc.Errors[0].Message != "":
			msg = doc.Errors[0].Message
		case doc.Message != "":
			msg = doc.Message
		}
	}
	if msg == "" {
		msg = strings.TrimSpace(string(body))
	}
	if len(secret) >= 4 { // shorter ones would mangle the message, and guess easily anyway
		msg = strings.ReplaceAll(msg, secret, "REDACTED")
	}
	if r := []rune(msg); len(r) > 200 {
		msg = string(r[:200]) + "..."
	}
	return msg
}

// secretParamRe matches query parameter names that carry credentials.
var secretParamRe = regexp.MustCompile(`(?i)key|token|secret|pass|pwd|auth|sig|credential|session|code`)

// keyLikeRe matches query values that look like keys or tokens whatever
// their name: long runs of base64, hex or URL-safe characters.
var keyLikeRe = regexp.MustCompile(`^[A-Za-z0-9+/_=.~-]{20,}$`)

// userinfoRe finds "scheme://userinfo@" in text that is not a parsable URL.
var userinfoRe = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@\s]*@`)

// redactURL returns s fit for a message: the user and password of a URL
// and the values of query parameters that carry or look like credentials
// are replaced by REDACTED. Text that does not parse as a URL is redacted
// by pattern.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" {
		s = userinfoRe.ReplaceAllString(s, "${1}REDACTED@")
		if i := strings.IndexAny(s, "?"); i >= 0 {
			s = s[:i] + "?REDACTED"
		}
		return s
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for name, vals := range q {
			for i, v := range vals {
				if secretParamRe.MatchString(name) || keyLikeRe.MatchString(v) {
					vals[i] = "REDACTED"
				}
			}
			q[name] = vals
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// info describes the target for Options.OnTarget.
func (t *target) info() TargetInfo {
	ti := TargetInfo{Name: t.name, VaultURL: t.vaultURL, KeystoreURL: t.keystoreURL, Inproc: t.inproc}
	if t.inproc {
		ti.Name = TargetInproc
	}
	if d := t.docker; d != nil {
		ti.DockerImage, ti.DockerImageID, ti.DockerContainer = d.image, d.imageID, d.container
		ti.DockerRepoDigests = slices.Clone(d.repoDigests)
	}
	return ti
}
