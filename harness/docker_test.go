package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/vaultcheck/vaultcheck/results"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

// The docker tests build the repository's Dockerfile into an image of
// vaultcheck serve, with a static binary built from ../cmd/vaultcheck, and
// run targets of it. They skip, saying why, only when no Docker engine
// answers a ping; CI starts one (.ci/run).

// dockerEnv is the engine and the image the docker tests share.
type dockerEnv struct {
	pool  *dockertest.Pool
	image string // tag of the image built from ../Dockerfile
	bin   string // the static vaultcheck binary (also the CLI of the signal test)
	skip  string // why the tests skip
	err   error  // why the setup failed

	binBuild, imageBuild time.Duration
}

var (
	dockerOnce   sync.Once
	sharedDocker dockerEnv
	dockerTmp    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDocker.image != "" {
		_ = sharedDocker.pool.Client.RemoveImageExtended(sharedDocker.image, dc.RemoveImageOptions{Force: true})
	}
	if dockerTmp != "" {
		os.RemoveAll(dockerTmp)
	}
	os.Exit(code)
}

// needDocker returns the shared engine and image, building the image on
// first use, or skips the test when no engine answers.
func needDocker(t testing.TB) *dockerEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("docker tests skipped in -short mode")
	}
	dockerOnce.Do(setupDocker)
	d := &sharedDocker
	if d.skip != "" {
		t.Skip(d.skip)
	}
	if d.err != nil {
		t.Fatalf("docker setup: %v", d.err)
	}
	return d
}

func setupDocker() {
	d := &sharedDocker
	if runtime.GOOS != "linux" {
		d.skip = "docker tests need linux: the image's binary is the host's"
		return
	}
	pool, err := dockertest.NewPool("")
	if err != nil {
		d.skip = fmt.Sprintf("no Docker client: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := pool.Client.PingWithContext(ctx); err != nil {
		d.skip = fmt.Sprintf("no Docker engine answers a ping at %s (%v); .ci/run starts one", pool.Client.Endpoint(), err)
		return
	}
	d.pool = pool
	if dockerTmp, err = os.MkdirTemp("", "vaultcheck-docker-"); err != nil {
		d.err = err
		return
	}
	// The build context mirrors the repository's: the Dockerfile, its
	// .dockerignore and bin/docker/vaultcheck.
	d.bin = filepath.Join(dockerTmp, "bin", "docker", "vaultcheck")
	started := time.Now()
	build := exec.Command("go", "build", "-trimpath", "-o", d.bin, "../cmd/vaultcheck")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		d.err = fmt.Errorf("go build: %v\n%s", err, out)
		return
	}
	d.binBuild = time.Since(started)
	for _, f := range []string{"Dockerfile", ".dockerignore"} {
		data, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			d.err = err
			return
		}
		if err := os.WriteFile(filepath.Join(dockerTmp, f), data, 0o644); err != nil {
			d.err = err
			return
		}
	}
	tag := fmt.Sprintf("vaultcheck-test-%d", time.Now().UnixNano())
	var out bytes.Buffer
	started = time.Now()
	// Dockerfile left empty: the engine reads ./Dockerfile, and the
	// request stays unversioned (a set Dockerfile pins API 1.25, which
	// new engines refuse).
	err = pool.Client.BuildImage(dc.BuildImageOptions{Name: tag, ContextDir: dockerTmp, OutputStream: &out, RmTmpContainer: true})
	if err != nil {
		d.err = fmt.Errorf("docker build: %v\n%s", err, out.String())
		return
	}
	d.imageBuild = time.Since(started)
	d.image = tag
}

// containersOf lists the containers (running or not) of the test image.
func (d *dockerEnv) containersOf(t testing.TB) []string {
	t.Helper()
	cs, err := d.pool.Client.ListContainers(dc.ListContainersOptions{All: true,
		Filters: map[string][]string{"label": {DockerLabelImage + "=" + d.image}}})
	if err != nil {
		t.Fatalf("docker ps: %v", err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID[:12]+" "+c.State)
	}
	return ids
}

// noContainersLeft fails the test when a container of the image remains,
// and removes it.
func (d *dockerEnv) noContainersLeft(t *testing.T) {
	t.Helper()
	if left := d.containersOf(t); len(left) > 0 {
		t.Errorf("containers left behind: %q", left)
		for _, c := range left {
			_ = d.pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: strings.Fields(c)[0], Force: true})
		}
	}
}

func runDocker(t *testing.T, d *dockerEnv, opts Options) (int, error, string, string) {
	t.Helper()
	var out, log bytes.Buffer
	if opts.Target == "" {
		opts.Target = TargetDockerPrefix + d.image
	}
	if opts.Output == nil {
		opts.Output = &out
	}
	opts.Log = &log
	code, err := Run(context.Background(), opts)
	t.Logf("code %d err %v\n--- output:\n%s--- log:\n%s", code, err, out.String(), log.String())
	return code, err, out.String(), log.String()
}

// TestDockerSuite runs the whole embedded suite against the image built
// from the Dockerfile, through the docker target, and checks that the
// container is gone afterwards.
func TestDockerSuite(t *testing.T) {
	d := needDocker(t)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	started := time.Now()
	code, err, out, log := runDocker(t, d, Options{Format: "progress,junit:" + junit})
	if code != ExitPassed || err != nil {
		t.Fatalf("code=%d err=%v, want 0", code, err)
	}
	elapsed := time.Since(started)
	m := regexp.MustCompile(`(\d+) scenarios \((\d+) passed\)`).FindStringSubmatch(out)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Fatalf("summary does not show the whole suite passing:\n%s", out)
	}
	total, _ := strconv.Atoi(m[1])
	if !strings.Contains(log, "runs as container") || !strings.Contains(log, "keys fast") {
		t.Errorf("log does not name the container or the fast keys:\n%s", log)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(data, &doc); err != nil || doc.Tests != total || doc.Failures+doc.Errors+doc.Skipped != 0 {
		t.Errorf("JUnit: %d tests, %d failures, %d errors, %d skipped (%v), want %d passed", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, err, total)
	}
	d.noContainersLeft(t)
	ready := ""
	if i := strings.Index(log, "after "); i >= 0 {
		ready = strings.Fields(log[i+len("after "):])[0]
	}
	t.Logf("timings: static binary %v, image build %v, container start to ready %s, whole run %v",
		d.binBuild.Round(time.Millisecond), d.imageBuild.Round(time.Millisecond), ready, elapsed.Round(time.Millisecond))
}

// wrongFeature fails against a correct Vault: a login that succeeds is
// expected to be refused.
const wrongFeature = `Feature: A wrong expectation
  Scenario: A good login expected to fail
    Given Alice is a registered user
    When Alice logs in
    Then the request is refused with status 401
`

// TestDockerFailureShowsTheContainerLog checks that a failing scenario
// puts the container's log tail, redacted, under the failure summary.
// TestDockerLoad runs vaultcheck load against the image as a docker
// target: the load command starts its target with the harness's code, so
// the container must answer, carry the load, and be gone afterwards.
func TestDockerLoad(t *testing.T) {
	d := needDocker(t)
	summary := filepath.Join(t.TempDir(), "load.json")
	cmd := exec.Command(d.bin, "load", "../features/users.feature", "--target", "docker:"+d.image,
		"--executor", "constant-vus", "--vus", "2", "--duration", "3s", "--no-progress",
		"--threshold", "iterations:count>0", "--out", "json:"+summary)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("load against docker:%s: %v\n%s", d.image, err, out)
	}
	if !strings.Contains(string(out), "runs as container") || !strings.Contains(string(out), "target docker:"+d.image) {
		t.Errorf("the output does not name the container and the target:\n%s", out)
	}
	raw, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Target  string `json:"target"`
		Metrics []struct {
			Name  string `json:"name"`
			Count int64  `json:"count"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &sum); err != nil {
		t.Fatal(err)
	}
	var iterations int64
	for _, m := range sum.Metrics {
		if m.Name == "iterations" {
			iterations += m.Count
		}
	}
	if iterations == 0 {
		t.Errorf("the summary counts no iteration:\n%.2000s", raw)
	}
	d.noContainersLeft(t)
}

func TestDockerFailureShowsTheContainerLog(t *testing.T) {
	d := needDocker(t)
	dir := t.TempDir()
	resultsPath, junitPath := filepath.Join(dir, "results.json"), filepath.Join(dir, "junit.xml")
	code, err, out, _ := runDocker(t, d, Options{FS: fstest.MapFS{"wrong.feature": {Data: []byte(wrongFeature)}},
		Format: "progress,json:" + resultsPath + ",junit:" + junitPath})
	if code != ExitFailed || err != nil {
		t.Fatalf("code=%d err=%v, want 1", code, err)
	}
	// The failing scenario carries the lines the container logged while it
	// ran, in results.json (and so in HTML and messages) and in JUnit.
	f, err := os.Open(resultsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := results.Read(f, resultsPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Scenarios) != 1 || len(doc.Scenarios[0].Attachments) != 1 ||
		!strings.Contains(doc.Scenarios[0].Attachments[0].Body, "/keystore/srp/session") {
		t.Errorf("results.json: the failed scenario has no target log with its requests: %+v", doc.Scenarios)
	}
	if j, err := os.ReadFile(junitPath); err != nil || !strings.Contains(string(j), "<system-out>--- target log ---") {
		t.Errorf("JUnit has no target log in system-out (%v):\n%s", err, j)
	}
	i := strings.Index(out, "The target's log")
	if i < 0 {
		t.Fatalf("no container log under the failure summary:\n%s", out)
	}
	logPart := out[i:]
	// serve logs one line per request, with method and path.
	for _, want := range []string{"POST", "/keystore/srp/session"} {
		if !strings.Contains(logPart, want) {
			t.Errorf("container log lacks %q:\n%s", want, logPart)
		}
	}
	if strings.Index(out, "Failed steps") > i {
		t.Errorf("the log comes before the failures:\n%s", out)
	}
	d.noContainersLeft(t)
}

// TestDockerTargetThatNeverAnswers covers a container that exits at once
// and one that listens elsewhere: both end with exit 4 before any
// scenario, with the container's log tail in the error, reports written,
// and the container removed.
func TestDockerTargetThatNeverAnswers(t *testing.T) {
	d := needDocker(t)
	for _, tt := range []struct {
		name string
		opts Options
		want []string
	}{
		{"exits", Options{DockerArgs: []string{"--no-such-flag"}},
			[]string{"exited (code 2) before it answered", "unknown flag: --no-such-flag"}},
		{"listens elsewhere", Options{DockerArgs: []string{"--addr", "127.0.0.1:0"}, DockerWait: 2 * time.Second},
			[]string{"did not answer on /vault and /keystore within 2s", "fake Vault at http://127.0.0.1:"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			junit := filepath.Join(t.TempDir(), "junit.xml")
			tt.opts.Format = "progress,junit:" + junit
			tt.opts.FS = fstest.MapFS{"wrong.feature": {Data: []byte(wrongFeature)}}
			started := time.Now()
			code, err, _, _ := runDocker(t, d, tt.opts)
			if code != ExitUnexercised || !errors.Is(err, ErrUnexercised) {
				t.Fatalf("code=%d err=%v, want 4 and ErrUnexercised", code, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if took := time.Since(started); took > 20*time.Second {
				t.Errorf("took %v, want the wait to bound it", took)
			}
			data, rerr := os.ReadFile(junit)
			if rerr != nil || !bytes.Contains(data, []byte(`type="target error"`)) {
				t.Errorf("JUnit report (%v) does not hold the target error:\n%s", rerr, data)
			}
			d.noContainersLeft(t)
		})
	}
}

// TestDockerMissingImage checks that an image the engine does not have is
// a usage error that says how to get it, and that nothing is pulled.
func TestDockerMissingImage(t *testing.T) {
	d := needDocker(t)
	code, err, _, _ := runDocker(t, d, Options{Target: "docker:vaultcheck-no-such-image:never"})
	if code != ExitUsage || !errors.Is(err, ErrBadTarget) {
		t.Fatalf("code=%d err=%v, want 2 and ErrBadTarget", code, err)
	}
	for _, w := range []string{"vaultcheck never pulls", "docker build", "docker images"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
	if _, ierr := d.pool.Client.InspectImage("vaultcheck-no-such-image:never"); !errors.Is(ierr, dc.ErrNoSuchImage) {
		t.Errorf("the image exists after the run (pulled?): %v", ierr)
	}
}

// TestDockerDeadline checks that the run deadline ends a wait for a
// container that never answers, with exit 4, and removes it.
func TestDockerDeadline(t *testing.T) {
	d := needDocker(t)
	started := time.Now()
	code, err, _, _ := runDocker(t, d, Options{DockerArgs: []string{"--addr", "127.0.0.1:0"}, Timeout: time.Second,
		FS: fstest.MapFS{"wrong.feature": {Data: []byte(wrongFeature)}}})
	if code != ExitUnexercised || !errors.Is(err, ErrUnexercised) || !strings.Contains(err.Error(), "run deadline") {
		t.Fatalf("code=%d err=%v, want 4 and the run deadline", code, err)
	}
	if took := time.Since(started); took > 15*time.Second {
		t.Errorf("took %v, want about the 1s deadline", took)
	}
	d.noContainersLeft(t)
}

// panicWriter panics when the summary is written.
type panicWriter struct{}

func (panicWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("scenarios (")) {
		panic("console exploded")
	}
	return len(p), nil
}

// TestDockerPanic checks that a panic in the run still removes the
// container.
func TestDockerPanic(t *testing.T) {
	d := needDocker(t)
	code, err, _, _ := runDocker(t, d, Options{Output: panicWriter{}, Concurrency: 1,
		FS: fstest.MapFS{"wrong.feature": {Data: []byte(wrongFeature)}}})
	if code != ExitHarness || err == nil || !strings.Contains(err.Error(), "console exploded") {
		t.Fatalf("code=%d err=%v, want 3 and the panic", code, err)
	}
	d.noContainersLeft(t)
}

// TestDockerInterrupt runs vaultcheck run --target docker:IMAGE as a
// process, sends it SIGINT (then, in a second run, SIGTERM) while the
// scenarios run, and checks that it exits 3 with the container removed.
func TestDockerInterrupt(t *testing.T) {
	d := needDocker(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(d.bin, "run", "--target", "docker:"+d.image, "--concurrency", "1")
			cmd.Stdout = io.Discard
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			var lines []string
			ready := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(stderr)
				seen := false
				for sc.Scan() {
					lines = append(lines, sc.Text())
					if !seen && strings.Contains(sc.Text(), "runs as container") {
						seen = true
						close(ready)
					}
				}
				done <- cmd.Wait()
			}()
			select {
			case <-ready:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the container never became ready")
			}
			if n := len(d.containersOf(t)); n != 1 {
				t.Errorf("%d containers of the image while the run runs, want 1", n)
			}
			time.Sleep(time.Second) // scenarios under way
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != ExitHarness {
					t.Errorf("exit %v, want %d\n%s", err, ExitHarness, strings.Join(lines, "\n"))
				}
			case <-time.After(45 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("vaultcheck did not stop within 45s of %v", sig)
			}
			d.noContainersLeft(t)
		})
	}
}

// TestDockerLogRedaction checks what the container log shown may not hold.
func TestDockerLogRedaction(t *testing.T) {
	opts := &Options{DockerEnv: []string{"DB_PASSWORD=correct-horse-battery", "SHORT=ab"}}
	dt, err := parseDockerTarget("docker:img", opts)
	if err != nil {
		t.Fatal(err)
	}
	dt.secrets = append(dt.secrets, "subscription-key-1234")
	log := "connecting with correct-horse-battery\nkey subscription-key-1234\n" +
		"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nab is short\n"
	got := dt.redactLog(log)
	for _, secret := range []string{"correct-horse-battery", "subscription-key-1234", "MIIEowIBAAKCAQEA"} {
		if strings.Contains(got, secret) {
			t.Errorf("redacted log holds %q:\n%s", secret, got)
		}
	}
	if !strings.Contains(got, "ab is short") {
		t.Errorf("short values are not secrets worth mangling the log for:\n%s", got)
	}
	if got := redactEnv(opts.DockerEnv[0]); got != "DB_PASSWORD=REDACTED" {
		t.Errorf("redactEnv = %q, want the value hidden", got)
	}
}

// TestPublishedAddr checks the address read from a container behind a
// published port (an engine with a bridge, which the test machines lack).
func TestPublishedAddr(t *testing.T) {
	ports := func(bs ...dc.PortBinding) *dc.Container {
		return &dc.Container{NetworkSettings: &dc.NetworkSettings{Ports: map[dc.Port][]dc.PortBinding{bridgePort: bs}}}
	}
	for _, tt := range []struct {
		c    *dc.Container
		want string
	}{
		{nil, ""},
		{&dc.Container{}, ""},
		{ports(), ""},
		{ports(dc.PortBinding{HostIP: "127.0.0.1", HostPort: ""}), ""},
		{ports(dc.PortBinding{HostIP: "127.0.0.1", HostPort: "49153"}), "127.0.0.1:49153"},
		{ports(dc.PortBinding{HostIP: "0.0.0.0", HostPort: "49153"}), "127.0.0.1:49153"},
		{ports(dc.PortBinding{HostIP: "::", HostPort: "49154"}), "[::1]:49154"},
		{ports(dc.PortBinding{HostPort: "0"}, dc.PortBinding{HostIP: "127.0.0.1", HostPort: "49155"}), "127.0.0.1:49155"},
	} {
		if got := publishedAddr(tt.c); got != tt.want {
			t.Errorf("publishedAddr(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

// BenchmarkDockerStart measures a docker target's start-up: create and
// start the container, wait until /vault and /keystore answer, then remove
// it (reported apart as remove-ms/op).
func BenchmarkDockerStart(b *testing.B) {
	d := needDocker(b)
	var removing time.Duration
	for b.Loop() {
		dt, err := parseDockerTarget("docker:"+d.image, &Options{})
		if err != nil {
			b.Fatal(err)
		}
		tg := &target{name: "docker:" + d.image, docker: dt}
		if err := dt.start(context.Background(), tg, http.DefaultClient, ""); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		started := time.Now()
		dt.remove()
		removing += time.Since(started)
		b.StartTimer()
	}
	b.ReportMetric(float64(removing.Milliseconds())/float64(b.N), "remove-ms/op")
	if left := d.containersOf(b); len(left) > 0 {
		b.Errorf("containers left behind: %q", left)
	}
}
