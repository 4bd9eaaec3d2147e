// Command vegeta-compare measures `vaultcheck load` beside vegeta on the
// same target and concurrency: GET /vault/me of one registered user,
// against one `vaultcheck serve` process on loopback, in alternating
// rounds. It prints request rate and p50/p99 of both. It lives in its own
// module so that vegeta never enters vaultcheck's go.mod.
//
//	go run . -vaultcheck ../../bin/vaultcheck -c 8 -d 20s -rounds 3
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	bin := flag.String("vaultcheck", "vaultcheck", "the vaultcheck binary")
	conc := flag.Int("c", 8, "concurrency: vegeta workers and vaultcheck VUs")
	dur := flag.Duration("d", 20*time.Second, "duration of each attack")
	rounds := flag.Int("rounds", 3, "alternating rounds")
	flag.Parse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	serve := exec.Command(*bin, "serve", "--quiet", "--addr", addr)
	serve.Stdout, serve.Stderr = nil, nil // the request log goes nowhere, for both generators alike
	if err := serve.Start(); err != nil {
		log.Fatal(err)
	}
	defer serve.Process.Kill()
	base := "http://" + addr
	for i := 0; ; i++ {
		if _, err := http.Get(base + "/vault/me"); err == nil {
			break
		}
		if i > 100 {
			log.Fatal("serve did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}

	keys, _ := keysource.NewFast(keysource.FastOptions{Seed: 7})
	c, err := client.New(client.Config{VaultURL: base + "/vault", KeystoreURL: base + "/keystore", Keys: keys})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := c.Signup(context.Background(), "Alice", "correct horse")
	if err != nil {
		log.Fatal(err)
	}
	hdr := http.Header{}
	hdr.Set("Authorization", auth.VaultToken.Reveal())
	hdr["Meeco-Subscription-Key"] = []string{""}
	hdr["Meeco-Delegation-Id"] = []string{""}
	hdr["Meeco-Organisation-Id"] = []string{""}
	hdr["Meeco-Srt"] = []string{""}

	dir, _ := os.MkdirTemp("", "vegeta-compare")
	defer os.RemoveAll(dir)
	feat := filepath.Join(dir, "me.feature")
	os.WriteFile(feat, []byte(feature), 0o644)

	fmt.Printf("GET /vault/me, concurrency %d, %s per attack, %d rounds\n", *conc, *dur, *rounds)
	fmt.Printf("%-10s %-6s %10s %10s %10s %8s\n", "tool", "round", "req/s", "p50", "p99", "errors")
	for r := 1; r <= *rounds; r++ {
		// vegeta: a closed model with exactly c workers, as fast as they go.
		tr := vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: base + "/vault/me", Header: hdr})
		att := vegeta.NewAttacker(vegeta.Workers(uint64(*conc)), vegeta.MaxWorkers(uint64(*conc)), vegeta.KeepAlive(true))
		var m vegeta.Metrics
		for res := range att.Attack(tr, vegeta.Rate{Freq: 0}, *dur, "me") {
			m.Add(res)
		}
		m.Close()
		fmt.Printf("%-10s %-6d %10.0f %10s %10s %8d\n", "vegeta", r, m.Throughput, m.Latencies.P50, m.Latencies.P99, len(m.Errors))

		out := filepath.Join(dir, fmt.Sprintf("s%d.json", r))
		cmd := exec.Command(*bin, "load", feat, "--target", base, "--keys", "fast", "--executor", "constant-vus",
			"--vus", fmt.Sprint(*conc), "--duration", dur.String(), "--no-progress", "--out", "json:"+out)
		if b, err := cmd.CombinedOutput(); err != nil {
			log.Fatalf("vaultcheck load: %v\n%s", err, b)
		}
		s, err := summary.Read(out)
		if err != nil {
			log.Fatal(err)
		}
		a, _ := metrics.Aggregate(metrics.Trend, s.Select(metrics.HTTPReqDuration, map[string]string{metrics.TagRoute: "GET /vault/me"}))
		f, _ := metrics.Aggregate(metrics.Counter, s.Select(metrics.IterationFailures, nil))
		fmt.Printf("%-10s %-6d %10.0f %10s %10s %8d\n", "vaultcheck", r, float64(a.Count)/s.Elapsed().Seconds(),
			time.Duration(a.Percentile(50))*time.Microsecond, time.Duration(a.Percentile(99))*time.Microsecond, f.Count)
	}
	_ = json.Marshal
}
