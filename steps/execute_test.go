package steps

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/features"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
)

// parsePickles parses Gherkin source into pickles.
func parsePickles(t *testing.T, uri, src string) []*messages.Pickle {
	t.Helper()
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(src), ids.NewId)
	if err != nil {
		t.Fatalf("parse %s: %v", uri, err)
	}
	return gherkin.Pickles(*doc, uri, ids.NewId)
}

// featurePickle returns the pickle of an embedded feature by name.
func featurePickle(t *testing.T, file, name string) *messages.Pickle {
	t.Helper()
	src, err := fs.ReadFile(features.FS, file)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parsePickles(t, file, string(src)) {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("%s has no scenario %q", file, name)
	return nil
}

func mustCompile(t *testing.T, p *messages.Pickle) *Compiled {
	t.Helper()
	c, err := Compile(p)
	if err != nil {
		t.Fatalf("compile %q: %v", p.Name, err)
	}
	return c
}

func TestExecuteRealScenarios(t *testing.T) {
	cfg := newConfig(t, nil)
	for _, tc := range []struct{ file, name string }{
		{"sharing.feature", "Alice shares her car with Bob and Bob reads it"},
		{"sharing.feature", "The shared key opens with Bob's connection key and no other key"},
		{"access_control.feature", ""},
		{"users.feature", ""},
	} {
		var pickles []*messages.Pickle
		if tc.name != "" {
			pickles = []*messages.Pickle{featurePickle(t, tc.file, tc.name)}
		} else {
			src, _ := fs.ReadFile(features.FS, tc.file)
			pickles = parsePickles(t, tc.file, string(src))[:2]
		}
		for _, p := range pickles {
			t.Run(p.Name, func(t *testing.T) {
				c := mustCompile(t, p)
				var mu sync.Mutex
				var seen []int
				obs := func(i int, d *Definition, _ time.Duration, err error) {
					mu.Lock()
					defer mu.Unlock()
					seen = append(seen, i)
					if d == nil || !d.Pattern.MatchString(p.Steps[i].Text) {
						t.Errorf("step %d: observed definition does not match %q", i, p.Steps[i].Text)
					}
				}
				failed, err := Execute(context.Background(), cfg, c, ExecOptions{Step: obs})
				if err != nil {
					t.Fatalf("step %d failed: %v", failed, err)
				}
				if failed != c.Len() || len(seen) != c.Len() {
					t.Fatalf("ran %d of %d steps, observed %d", failed, c.Len(), len(seen))
				}
			})
		}
	}
}

const execFeature = `Feature: executor
  Scenario: a check that fails stops the scenario
    Given Alice is a registered user
    Then Alice has 5 outgoing shares
    And Alice can read her own profile

  Scenario: an undefined step
    Given Alice is a registered user
    When Alice dances

  Scenario: an unknown user
    Then Zed can read his own profile

  Scenario: a refusal checked with the wrong status
    Given Alice is a registered user
    When Alice logs in with the wrong password "nope"
    Then the request is refused with status 403
`

func TestExecuteFailures(t *testing.T) {
	cfg := newConfig(t, nil)
	ps := parsePickles(t, "exec.feature", execFeature)

	c := mustCompile(t, ps[0])
	var ran []int
	failed, err := Execute(context.Background(), cfg, c, ExecOptions{Step: func(i int, _ *Definition, _ time.Duration, _ error) { ran = append(ran, i) }})
	if failed != 1 || Classify(err) != FailedTarget {
		t.Fatalf("failed at %d with %v (%s), want step 1 failing the target", failed, err, Classify(err))
	}
	if len(ran) != 2 {
		t.Fatalf("ran steps %v, want [0 1]: a failing step ends the scenario", ran)
	}
	if !strings.Contains(err.Error(), "want 5") {
		t.Fatalf("error %q does not say what was wanted", err)
	}

	if _, err := Compile(ps[1]); Classify(err) != FailedScenario || !strings.Contains(err.Error(), "Alice dances") {
		t.Fatalf("undefined step: got %v, want a scenario error naming it", err)
	}

	failed, err = Execute(context.Background(), cfg, mustCompile(t, ps[2]), ExecOptions{})
	if failed != 0 || Classify(err) != FailedScenario {
		t.Fatalf("unknown user: failed at %d with %v, want a scenario error at step 0", failed, err)
	}

	c = mustCompile(t, ps[3])
	failed, err = Execute(context.Background(), cfg, c, ExecOptions{})
	if failed != 2 || Classify(err) != FailedTarget || !strings.Contains(err.Error(), "status 403") {
		t.Fatalf("wrong refusal status: failed at %d with %v, want step 2 to fail", failed, err)
	}

	// Stopping before the refusal check leaves the failure unchecked:
	// Finish must fail the scenario for it, as godog's After hook does.
	r, err := NewRun(cfg, c, ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if i, err := r.Steps(context.Background(), 0, 2); err != nil {
		t.Fatalf("step %d: %v", i, err)
	}
	if err := r.Finish(); Classify(err) != FailedTarget || !strings.Contains(err.Error(), "checked by a later step") {
		t.Fatalf("Finish: %v, want the unchecked refusal to fail the scenario", err)
	}
}

func TestExecuteAmbiguousStep(t *testing.T) {
	saved := table
	t.Cleanup(func() { table = saved })
	table = append(slicesClone(saved), def(KindCheck, `^Alice can read her own profile$`, "twin", a0(func(context.Context, *World) error { return nil })))
	p := parsePickles(t, "amb.feature", "Feature: f\n  Scenario: s\n    Then Alice can read her own profile\n")[0]
	_, err := Compile(p)
	if Classify(err) != FailedScenario || !strings.Contains(err.Error(), "2 step definitions") {
		t.Fatalf("got %v, want a scenario error for two matching definitions", err)
	}
}

func slicesClone(d []Definition) []Definition { return append([]Definition(nil), d...) }

func TestExecuteArguments(t *testing.T) {
	type got struct {
		s   string
		i   int
		u8  uint8
		f   float64
		b   []byte
		tab *messages.PickleTable
		doc *messages.PickleDocString
	}
	var g got
	saved := table
	t.Cleanup(func() { table = saved })
	table = []Definition{
		def(KindCheck, `^text "([^"]*)" int (-?\d+) byte (\d+) float ([0-9.]+) raw (\w+) with:$`, "", func(s string, i int, u uint8, f float64, b []byte, tab *messages.PickleTable) error {
			g.s, g.i, g.u8, g.f, g.b, g.tab = s, i, u, f, b, tab
			return nil
		}),
		def(KindCheck, `^a doc string:$`, "", func(ctx context.Context, d *messages.PickleDocString) {
			if ctx == nil {
				panic("no context")
			}
			g.doc = d
		}),
		def(KindCheck, `^byte (\d+)$`, "", func(u uint8) error { return nil }),
		def(KindCheck, `^boom$`, "", func() error { panic("kaboom") }),
		def(KindCheck, `^fails$`, "", func() error { return errors.New("plain failure") }),
	}
	src := "Feature: f\n  Scenario: s\n    Then text \"héllo\" int -7 byte 200 float 2.5 raw xyz with:\n      | a | b |\n    And a doc string:\n      \"\"\"\n      body\n      \"\"\"\n" +
		"  Scenario: overflow\n    Then byte 300\n  Scenario: panic\n    Then boom\n  Scenario: plain\n    Then fails\n"
	ps := parsePickles(t, "args.feature", src)
	cfg := Config{VaultURL: "http://127.0.0.1:1/vault", KeystoreURL: "http://127.0.0.1:1/keystore", Keys: newConfig(t, nil).Keys}
	if _, err := Execute(context.Background(), cfg, mustCompile(t, ps[0]), ExecOptions{}); err != nil {
		t.Fatal(err)
	}
	if g.s != "héllo" || g.i != -7 || g.u8 != 200 || g.f != 2.5 || string(g.b) != "xyz" || g.tab == nil || len(g.tab.Rows) != 1 || g.doc == nil || g.doc.Content != "body" {
		t.Fatalf("arguments: %+v", g)
	}
	if _, err := Execute(context.Background(), cfg, mustCompile(t, ps[1]), ExecOptions{}); Classify(err) != FailedScenario || !strings.Contains(err.Error(), `"300"`) {
		t.Fatalf("overflow: got %v, want a scenario error about 300", err)
	}
	if _, err := Execute(context.Background(), cfg, mustCompile(t, ps[2]), ExecOptions{}); Classify(err) != FailedHarness || !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("panic: got %v, want a harness error", err)
	}
	if _, err := Execute(context.Background(), cfg, mustCompile(t, ps[3]), ExecOptions{}); Classify(err) != FailedTarget {
		t.Fatalf("plain error: got %v, want a target failure", err)
	}
}

func TestExecuteStopsOnCancel(t *testing.T) {
	cfg := newConfig(t, nil)
	p := parsePickles(t, "c.feature", "Feature: f\n  Scenario: s\n    Given Alice is a registered user\n    Then Alice can read her own profile\n")[0]
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	failed, err := Execute(ctx, cfg, mustCompile(t, p), ExecOptions{})
	if failed != 0 || Classify(err) != FailedHarness {
		t.Fatalf("got step %d %v, want a harness error before step 0", failed, err)
	}
}

type cryptoCount struct {
	mu  sync.Mutex
	ops map[ledger.CryptoOp]int
}

func (c *cryptoCount) ObserveCrypto(op ledger.CryptoOp, _ time.Duration, _ error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops[op]++
}

// TestForkRunsTheBodyAgain sets a sharing scenario up once and runs its
// body on three forks: each iteration starts from the same users, item and
// connection, and the crypto observer sees the share's operations.
func TestForkRunsTheBodyAgain(t *testing.T) {
	cfg := newConfig(t, nil)
	src := `Feature: f
  Scenario: share storm
    Given Alice is a registered user
    And Bob is a registered user
    And Alice and Bob are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    When Alice shares "My Car" with Bob
    Then Bob sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    And the crypto ledger records a share key generated by Alice and opened by Bob
    And the public keys Alice and Bob sent are PEM as node-forge writes them
    When Alice deletes the share of "My Car" to Bob
    Then the share of "My Car" to Bob is gone for Alice and Bob
`
	c := mustCompile(t, parsePickles(t, "storm.feature", src)[0])
	count := &cryptoCount{ops: map[ledger.CryptoOp]int{}}
	setup, err := NewRun(cfg, c, ExecOptions{Crypto: count})
	if err != nil {
		t.Fatal(err)
	}
	const body = 4
	if i, err := setup.Steps(context.Background(), 0, body); err != nil {
		t.Fatalf("setup step %d: %v", i, err)
	}
	if count.ops[ledger.CryptoPBKDF2] == 0 || count.ops[ledger.CryptoSRP] == 0 {
		t.Fatalf("registration timed no PBKDF2 or SRP: %v", count.ops)
	}
	clear(count.ops)
	for n := range 3 {
		r, err := setup.Fork(ExecOptions{Crypto: count})
		if err != nil {
			t.Fatal(err)
		}
		if i, err := r.Steps(context.Background(), body, c.Len()); err != nil {
			t.Fatalf("iteration %d, step %d: %v", n, i, err)
		}
		if err := r.Finish(); err != nil {
			t.Fatalf("iteration %d: finish: %v", n, err)
		}
	}
	for _, op := range []ledger.CryptoOp{ledger.CryptoRSAWrap, ledger.CryptoRSAUnwrap, ledger.CryptoAESEncrypt, ledger.CryptoAESDecrypt, ledger.CryptoHMAC} {
		if count.ops[op] < 3 {
			t.Errorf("%s observed %d times over 3 iterations, want at least 3", op, count.ops[op])
		}
	}
	if count.ops[ledger.CryptoPBKDF2] != 0 {
		t.Errorf("the body re-derived keys %d times: the fork did not keep the users' sessions", count.ops[ledger.CryptoPBKDF2])
	}
	// The setup World is untouched by its forks.
	if len(setup.World().shares) != 0 {
		t.Fatalf("setup World has %d shares after the forks, want 0", len(setup.World().shares))
	}
}
