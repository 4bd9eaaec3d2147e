package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// TargetDockerPrefix starts a docker target: "docker:IMAGE[:TAG]" runs a
// local image as the Vault and Keystore under test.
const TargetDockerPrefix = "docker:"

// The contract of a docker target's image, which a vendor image follows:
// listen for HTTP on the address in AddrEnv ("127.0.0.1:PORT" on the host's
// network, "0.0.0.0:PORT" behind a published port) and serve the Vault
// under /vault and the Keystore under /keystore there. vaultcheck serve
// honours it.
const (
	// AddrEnv names the environment variable that tells the container
	// where to listen.
	AddrEnv = "VAULTCHECK_ADDR"
	// DockerLabelRun labels every container of a run with the run's id, so
	// that a sweep finds leftovers of a run that was killed outright:
	// docker rm -f $(docker ps -aq --filter label=vaultcheck.run).
	DockerLabelRun = "vaultcheck.run"
	// DockerLabelImage labels the container with the image it runs.
	DockerLabelImage = "vaultcheck.image"
)

// DefaultDockerWait bounds how long a docker target may take to answer
// after its container started.
const DefaultDockerWait = 60 * time.Second

// dockerLogTail is how many lines of the container's log an error or a
// failure summary shows.
const dockerLogTail = 100

// bridgePort is the port a container listens on behind a published port.
const bridgePort = "8080/tcp"

// imageRefRe is what a docker image reference may look like: a name with
// an optional tag or digest, or an image id. Anything else (spaces,
// options) is refused before the engine is asked.
var imageRefRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:@-]*$`)

// envNameRe is an environment variable name docker accepts without quirks.
var envNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// dockerTarget runs an image as the target of one run.
type dockerTarget struct {
	image string
	env   []string // K=V, resolved and checked
	args  []string
	wait  time.Duration
	log   io.Writer // the harness's notes

	runID     string
	pool      *dockertest.Pool
	container string // id, once created
	// imageID and repoDigests identify the image that ran (TargetInfo).
	imageID     string
	repoDigests []string
	hostMode    bool // host networking (no bridge on this engine)
	secrets     []string
	// readyIn is how long the container took from create to answering.
	readyIn time.Duration
}

// parseDockerTarget validates a "docker:IMAGE" target and its options
// without touching the engine.
func parseDockerTarget(name string, opts *Options) (*dockerTarget, error) {
	image := strings.TrimPrefix(name, TargetDockerPrefix)
	if image == "" || !imageRefRe.MatchString(image) {
		return nil, fmt.Errorf("%w %q: want docker:IMAGE[:TAG], an image built or pulled beforehand (docker images lists them)", ErrBadTarget, name)
	}
	if opts.VaultURL != "" || opts.KeystoreURL != "" {
		return nil, fmt.Errorf("%w: --vault-url and --keystore-url do not go with a docker target: the container serves /vault and /keystore where %s says", ErrBadTarget, AddrEnv)
	}
	if opts.DockerWait < 0 {
		return nil, fmt.Errorf("%w: docker wait %v, want a positive duration (0 = default %v)", ErrUsage, opts.DockerWait, DefaultDockerWait)
	}
	d := &dockerTarget{image: image, args: slices.Clone(opts.DockerArgs), wait: opts.DockerWait}
	if d.wait == 0 {
		d.wait = DefaultDockerWait
	}
	for _, kv := range opts.DockerEnv {
		k, v, ok := strings.Cut(kv, "=")
		if !envNameRe.MatchString(k) {
			return nil, fmt.Errorf("%w: docker env %q: want NAME=VALUE, or NAME to pass on this environment's value", ErrUsage, redactEnv(kv))
		}
		if k == AddrEnv {
			return nil, fmt.Errorf("%w: docker env %s is set by vaultcheck: it tells the container where to listen", ErrUsage, AddrEnv)
		}
		if !ok {
			if v, ok = os.LookupEnv(k); !ok {
				return nil, fmt.Errorf("%w: docker env %s: not set in this environment (give NAME=VALUE)", ErrUsage, k)
			}
		}
		d.env = append(d.env, k+"="+v)
		if len(v) >= 4 {
			// Values may be passwords or keys: never shown, also not
			// when the container logs them.
			d.secrets = append(d.secrets, v)
		}
	}
	return d, nil
}

// redactEnv shows NAME=VALUE as NAME=REDACTED.
func redactEnv(kv string) string {
	if k, _, ok := strings.Cut(kv, "="); ok {
		return k + "=REDACTED"
	}
	return kv
}

// start runs the container and waits until both services answer. It
// sets t's URLs and stop; stop removes the container and is set before
// the container exists, so that every way out of the run removes it.
func (d *dockerTarget) start(ctx context.Context, t *target, client *http.Client, subscriptionKey string) error {
	if len(subscriptionKey) >= 4 {
		d.secrets = append(d.secrets, subscriptionKey)
	}
	pool, err := dockertest.NewPool("")
	if err != nil {
		return fmt.Errorf("%w: docker: %v", ErrUnexercised, err)
	}
	d.pool = pool
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = pool.Client.PingWithContext(pctx)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: interrupted while reaching the Docker engine", ErrHarness)
		}
		return fmt.Errorf("%w: no Docker engine answers at %s: %v (start one, or point DOCKER_HOST at it)", ErrUnexercised, pool.Client.Endpoint(), err)
	}
	// Checked here because dockertest and the engine would otherwise pull
	// the image, and no registry is meant to be involved.
	img, err := pool.Client.InspectImage(d.image)
	if err != nil {
		if errors.Is(err, dc.ErrNoSuchImage) {
			return fmt.Errorf("%w: image %q is not on this Docker engine, and vaultcheck never pulls: build it first (docker build -t %s .), or see docker images", ErrBadTarget, d.image, d.image)
		}
		return fmt.Errorf("%w: docker: image %q: %v", ErrUnexercised, d.image, err)
	}
	d.imageID, d.repoDigests = img.ID, img.RepoDigests

	var idb [6]byte
	_, _ = rand.Read(idb[:])
	d.runID = hex.EncodeToString(idb[:])
	// Set before the container exists: a create cut short by an interrupt
	// may still leave one behind, which the label finds.
	t.stop = d.remove

	d.hostMode = !d.hasBridge()
	env := append([]string{}, d.env...)
	cfg := &dc.Config{
		Image:  d.image,
		Cmd:    d.args,
		Labels: map[string]string{DockerLabelRun: d.runID, DockerLabelImage: d.image},
	}
	host := &dc.HostConfig{RestartPolicy: dc.RestartPolicy{Name: "no"}}
	var addr string
	if d.hostMode {
		// No bridge (dockerd --bridge=none): no published ports either.
		// The container shares the host's network and listens on a free
		// loopback port picked here.
		if addr, err = freeLoopbackAddr(); err != nil {
			return fmt.Errorf("%w: docker: no free loopback port: %v", ErrHarness, err)
		}
		env = append(env, AddrEnv+"="+addr)
		host.NetworkMode = "host"
	} else {
		env = append(env, AddrEnv+"=0.0.0.0:"+strings.TrimSuffix(bridgePort, "/tcp"))
		cfg.ExposedPorts = map[dc.Port]struct{}{bridgePort: {}}
		host.PortBindings = map[dc.Port][]dc.PortBinding{bridgePort: {{HostIP: "127.0.0.1", HostPort: ""}}}
	}
	cfg.Env = env

	created := time.Now()
	c, err := pool.Client.CreateContainer(dc.CreateContainerOptions{
		Name: "vaultcheck-" + d.runID, Config: cfg, HostConfig: host, Context: ctx,
	})
	if err != nil {
		return d.startErr(ctx, "create the container", err)
	}
	d.container = c.ID
	if err := pool.Client.StartContainerWithContext(c.ID, nil, ctx); err != nil {
		return d.startErr(ctx, "start the container", err)
	}
	if !d.hostMode {
		ci, err := pool.Client.InspectContainerWithContext(c.ID, ctx)
		if err != nil {
			return d.startErr(ctx, "inspect the container", err)
		}
		addr = publishedAddr(ci)
		if addr == "" {
			// Retrying an empty address would only burn the wait.
			return fmt.Errorf("%w: docker: the engine published no port for %s of the container", ErrUnexercised, bridgePort)
		}
	}
	base := "http://" + addr
	t.vaultURL, t.keystoreURL = base+meeco.VaultPrefix, base+meeco.KeystorePrefix
	if err := d.waitReady(ctx, client, t); err != nil {
		return err
	}
	d.readyIn = time.Since(created)
	mode := "host network"
	if !d.hostMode {
		mode = "published port"
	}
	if d.log != nil {
		fmt.Fprintf(d.log, "vaultcheck: docker: %s runs as container %s (%s, %s), answering %s after %s\n",
			d.image, shortID(d.container), mode, addr, base, FormatDuration(d.readyIn))
	}
	return nil
}

// startErr turns an engine error during start into the run's error.
func (d *dockerTarget) startErr(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w: interrupted while starting the container (%v)", ErrHarness, context.Cause(ctx))
	}
	return fmt.Errorf("%w: docker: cannot %s of image %s: %v%s", ErrUnexercised, what, d.image, err, d.tailFor())
}

// hasBridge reports whether the engine has the default bridge network
// (then ports can be published).
func (d *dockerTarget) hasBridge() bool {
	n, err := d.pool.Client.NetworkInfo("bridge")
	return err == nil && n != nil && n.Driver == "bridge"
}

// waitReady polls both services until each gives any HTTP answer, the
// container exits, the wait runs out or ctx ends.
func (d *dockerTarget) waitReady(ctx context.Context, client *http.Client, t *target) error {
	if client == nil {
		client = http.DefaultClient
	}
	wctx, cancel := context.WithTimeout(ctx, d.wait)
	defer cancel()
	urls := []string{t.vaultURL + meeco.VMe, t.keystoreURL + meeco.KSKeyEncryptionKey}
	answered := make([]bool, len(urls))
	delay := 20 * time.Millisecond
	var last error
	for {
		all := true
		for i, u := range urls {
			if answered[i] {
				continue
			}
			if last = answers(wctx, client, u); last == nil {
				answered[i] = true
			} else {
				all = false
			}
		}
		if all {
			return nil
		}
		if ci, err := d.pool.Client.InspectContainerWithContext(d.container, wctx); err == nil && !ci.State.Running {
			return fmt.Errorf("%w: docker: the container of %s exited (code %d) before it answered%s",
				ErrUnexercised, d.image, ci.State.ExitCode, d.tail())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: interrupted while waiting for the container (%v)", ErrHarness, context.Cause(ctx))
		case <-wctx.Done():
			return fmt.Errorf("%w: docker: the container of %s did not answer on /vault and /keystore within %v (last: %v)%s",
				ErrUnexercised, d.image, d.wait, last, d.tail())
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}

// answers sends one GET and reports whether any HTTP answer came.
func answers(ctx context.Context, client *http.Client, u string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return redactURLError(err)
	}
	resp.Body.Close()
	return nil
}

// redactURLError drops the method and URL a transport error repeats.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Logs returns the last lines of the container's log (stdout and stderr),
// redacted: private keys, tokens, Cryppo values, the subscription key and
// the values of --docker-env never appear. Empty before the container
// exists.
func (d *dockerTarget) Logs(ctx context.Context) (string, error) {
	if d == nil || d.container == "" {
		return "", nil
	}
	var out, errOut bytes.Buffer
	err := d.pool.Client.Logs(dc.LogsOptions{
		Context: ctx, Container: d.container, OutputStream: &out, ErrorStream: &errOut,
		Stdout: true, Stderr: true, Tail: strconv.Itoa(dockerLogTail),
	})
	text := out.String()
	if errOut.Len() > 0 {
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		text += errOut.String()
	}
	return d.redactLog(text), err
}

// maxTimedLog bounds what timedLogs reads of a container's whole log.
const maxTimedLog = 16 << 20

// timedLogs reads the container's whole log with the time of each line,
// redacted, for the scenarios that failed (attachTargetLog).
func (d *dockerTarget) timedLogs(ctx context.Context) ([]targetLogLine, error) {
	if d == nil || d.container == "" {
		return nil, nil
	}
	out := &cappedBuffer{max: maxTimedLog}
	err := d.pool.Client.Logs(dc.LogsOptions{
		Context: ctx, Container: d.container, OutputStream: out, ErrorStream: out,
		Stdout: true, Stderr: true, Timestamps: true, Tail: "all",
	})
	return parseTimedLog(d.redactLog(out.String())), err
}

// cappedBuffer keeps the first max bytes written to it and drops the rest,
// so a runaway container log cannot exhaust memory.
type cappedBuffer struct {
	bytes.Buffer
	max int
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// redactLog makes a container's log fit for a report.
func (d *dockerTarget) redactLog(s string) string {
	for _, sec := range d.secrets {
		s = strings.ReplaceAll(s, sec, "REDACTED")
	}
	// Whole, not line by line: a PEM block spans lines.
	return redact.String(strings.TrimRight(s, "\n"))
}

// tail is the container's log tail for an error message, indented.
func (d *dockerTarget) tail() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	logs, err := d.Logs(ctx)
	switch {
	case err != nil && logs == "":
		return fmt.Sprintf("\n  (the container's log could not be read: %v)", err)
	case strings.TrimSpace(logs) == "":
		return "\n  (the container logged nothing)"
	}
	return fmt.Sprintf("\n  last lines of the container's log:\n    %s", strings.ReplaceAll(logs, "\n", "\n    "))
}

// tailFor is tail once the container exists.
func (d *dockerTarget) tailFor() string {
	if d.container == "" {
		return ""
	}
	return d.tail()
}

// remove force-removes every container of this run (found by label, so
// that one whose create was cut short goes too). It never uses the run's
// context, which may be done: cleanup must happen after an interrupt.
func (d *dockerTarget) remove() {
	if d.pool == nil || d.runID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids := map[string]bool{}
	if d.container != "" {
		ids[d.container] = true
	}
	cs, err := d.pool.Client.ListContainers(dc.ListContainersOptions{
		All: true, Context: ctx, Filters: map[string][]string{"label": {DockerLabelRun + "=" + d.runID}},
	})
	if err == nil {
		for _, c := range cs {
			ids[c.ID] = true
		}
	}
	for id := range ids {
		err := d.pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: id, Force: true, RemoveVolumes: true, Context: ctx})
		var nsc *dc.NoSuchContainer
		if err != nil && !errors.As(err, &nsc) && d.log != nil {
			fmt.Fprintf(d.log, "vaultcheck: warning: docker: could not remove container %s (remove it with docker rm -f %s): %v\n", shortID(id), shortID(id), err)
		}
	}
}

// publishedAddr is the host address of the container's published port.
func publishedAddr(c *dc.Container) string {
	if c == nil || c.NetworkSettings == nil {
		return ""
	}
	for _, b := range c.NetworkSettings.Ports[bridgePort] {
		if b.HostPort == "" || b.HostPort == "0" {
			continue
		}
		ip := b.HostIP
		if ip == "" || ip == "0.0.0.0" {
			ip = "127.0.0.1"
		}
		if ip == "::" {
			ip = "::1"
		}
		return net.JoinHostPort(ip, b.HostPort)
	}
	return ""
}

// freeLoopbackAddr picks a free port on 127.0.0.1. The port is free when
// picked; a container that loses it to another process exits, and the wait
// reports that with its log.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
