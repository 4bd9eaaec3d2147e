// Command vegeta-compare measures `vaultcheck load` beside vegeta on the
// same target and concurrency, in one run on one machine: GET /vault/me of
// one registered user against one `vaultcheck serve --quiet` process on
// loopback, in alternating rounds. For each attack it prints the request
// rate, p50 and p99, and the CPU time per request of the generator and of
// the server (from the processes' own accounting, so that a machine shared
// with other work still gives comparable numbers).
//
// With -serve it also measures the fake itself: vegeta against a bare
// net/http server (one fixed JSON answer), `vaultcheck serve --quiet` and
// `vaultcheck serve` with its request log, each in turn.
//
// It lives in its own module so that vegeta never enters vaultcheck's
// go.mod.
//
//	go run . -vaultcheck ../../bin/vaultcheck -c 8 -d 20s -rounds 3 -serve
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/internal/load/summary"
)

const feature = `Feature: profile
  Scenario: Alice reads her profile
    Given Alice is a registered user
    Then Alice can read her own profile
`

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-bare-server" {
		bareServer(os.Args[2])
		return
	}
	bin := flag.String("vaultcheck", "vaultcheck", "the vaultcheck binary")
	conc := flag.Int("c", 8, "concurrency: vegeta workers and vaultcheck VUs")
	dur := flag.Duration("d", 20*time.Second, "duration of each attack")
	rounds := flag.Int("rounds", 3, "alternating rounds")
	serveToo := flag.Bool("serve", false, "also compare the fake with a bare net/http server (vegeta against each)")
	flag.Parse()

	dir, err := os.MkdirTemp("", "vegeta-compare")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	feat := filepath.Join(dir, "me.feature")
	if err := os.WriteFile(feat, []byte(feature), 0o644); err != nil {
		log.Fatal(err)
	}

	quiet := start(*bin, "serve", "--quiet")
	defer quiet.stop()
	hdr := register(quiet.base)
	var bare, logged *server
	if *serveToo {
		self, err := os.Executable()
		if err != nil {
			log.Fatal(err)
		}
		bare = start(self, "-bare-server")
		defer bare.stop()
		logged = start(*bin, "serve")
		defer logged.stop()
	}

	fmt.Printf("GET /vault/me, concurrency %d, %s per attack, %d rounds, GOMAXPROCS of this machine %d\n", *conc, *dur, *rounds, numCPU())
	fmt.Printf("%-22s %-5s %9s %10s %10s %7s %12s %12s\n", "tool → server", "round", "req/s", "p50", "p99", "errors", "gen CPU/req", "srv CPU/req")
	for r := 1; r <= *rounds; r++ {
		if *serveToo {
			attack("vegeta → bare net/http", r, bare, bare.base+"/vault/me", http.Header{}, *conc, *dur)
			attack("vegeta → serve (log)", r, logged, logged.base+"/vault/me", register(logged.base), *conc, *dur)
		}
		attack("vegeta → serve --quiet", r, quiet, quiet.base+"/vault/me", hdr, *conc, *dur)
		load(*bin, feat, dir, r, quiet, *conc, *dur)
	}
}

// server is a process serving on loopback.
type server struct {
	cmd  *exec.Cmd
	base string
}

func start(bin string, args ...string) *server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append(args, "--addr", addr)...)
	if args[0] == "-bare-server" {
		cmd = exec.Command(bin, "-bare-server", addr)
	}
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard // serve's request log: written, then dropped
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	for i := 0; ; i++ {
		if resp, err := http.Get(s.base + "/vault/me"); err == nil {
			resp.Body.Close()
			return s
		}
		if i > 100 {
			log.Fatalf("%s did not start", bin)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) stop() { s.cmd.Process.Kill(); s.cmd.Wait() }

// cpu is the CPU time the server process used so far.
func (s *server) cpu() time.Duration { return procCPU(s.cmd.Process.Pid) }

// register signs a user up and returns the headers of her requests, as
// the SDK sends them.
func register(base string) http.Header {
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: 7})
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New(client.Config{VaultURL: base + "/vault", KeystoreURL: base + "/keystore", Keys: keys})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := c.Signup(context.Background(), "Alice", "correct horse")
	if err != nil {
		log.Fatal(err)
	}
	hdr := http.Header{}
	hdr["Authorization"] = []string{auth.VaultToken.Reveal()}
	hdr["Meeco-Subscription-Key"] = []string{""}
	hdr["Meeco-Delegation-Id"] = []string{""}
	hdr["Meeco-Organisation-Id"] = []string{""}
	hdr["Meeco-Srt"] = []string{""}
	return hdr
}

// attack runs vegeta as a closed model with exactly conc workers, as fast
// as they go, in this process.
func attack(name string, round int, srv *server, url string, hdr http.Header, conc int, dur time.Duration) {
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: url, Header: hdr})
	att := vegeta.NewAttacker(vegeta.Workers(uint64(conc)), vegeta.MaxWorkers(uint64(conc)), vegeta.KeepAlive(true))
	var m vegeta.Metrics
	cpu0, srv0 := selfCPU(), srv.cpu()
	for res := range att.Attack(tr, vegeta.Rate{Freq: 0}, dur, name) {
		m.Add(res)
	}
	cpu1, srv1 := selfCPU(), srv.cpu()
	m.Close()
	errs := len(m.Errors)
	if m.Success < 1 {
		errs = int(m.Requests) - int(float64(m.Requests)*m.Success)
	}
	n := float64(m.Requests)
	fmt.Printf("%-22s %-5d %9.0f %10s %10s %7d %12s %12s\n", name, round, m.Throughput, round3(m.Latencies.P50), round3(m.Latencies.P99), errs,
		perReq(cpu1-cpu0, n), perReq(srv1-srv0, n))
}

// load runs `vaultcheck load` with conc VUs in a child process. Its CPU
// per request is the whole process's, VU set-up included.
func load(bin, feat, dir string, round int, srv *server, conc int, dur time.Duration) {
	out := filepath.Join(dir, fmt.Sprintf("s%d.json", round))
	cmd := exec.Command(bin, "load", feat, "--target", srv.base, "--keys", "fast", "--executor", "constant-vus",
		"--vus", strconv.Itoa(conc), "--duration", dur.String(), "--no-progress", "--out", "json:"+out)
	srv0 := srv.cpu()
	b, err := cmd.CombinedOutput()
	if err != nil {
		log.Fatalf("vaultcheck load: %v\n%s", err, b)
	}
	srv1 := srv.cpu()
	s, err := summary.Read(out)
	if err != nil {
		log.Fatal(err)
	}
	a, _ := metrics.Aggregate(metrics.Trend, s.Select(metrics.HTTPReqDuration, map[string]string{metrics.TagRoute: "GET /vault/me"}))
	all, _ := metrics.Aggregate(metrics.Counter, s.Select(metrics.HTTPReqs, nil))
	f, _ := metrics.Aggregate(metrics.Counter, s.Select(metrics.IterationFailures, nil))
	gen := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	n := float64(a.Count)
	fmt.Printf("%-22s %-5d %9.0f %10s %10s %7d %12s %12s\n", "vaultcheck → serve --q", round, n/s.Elapsed().Seconds(),
		round3(time.Duration(a.Percentile(50))*time.Microsecond), round3(time.Duration(a.Percentile(99))*time.Microsecond), f.Count,
		perReq(gen, n), perReq(srv1-srv0, float64(all.Count)))
}

func perReq(d time.Duration, n float64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fµs", float64(d.Microseconds())/n)
}

func round3(d time.Duration) string {
	switch {
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d >= 100*time.Microsecond:
		return d.Round(time.Microsecond).String()
	}
	return d.Round(100 * time.Nanosecond).String()
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU reads utime and stime of a process from /proc (clock ticks of
// 1/100 s on Linux).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func numCPU() int {
	n := 0
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "processor") {
			n++
		}
	}
	return n
}

// bareServer is the baseline of the fake: net/http answering every
// request with one fixed JSON body of the size of a /vault/me answer.
func bareServer(addr string) {
	body := []byte(`{"user":{"id":"` + strings.Repeat("0", 36) + `","email":null,"full_name":"` + strings.Repeat("x", 200) + `"}}`)
	http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}))
}
