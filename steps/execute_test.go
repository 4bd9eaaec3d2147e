package steps

import (
	"context"
	"errors"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

func parsePickles(t *testing.T, uri, src string) []*messages.Pickle {
	t.Helper()
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(src), ids.NewId)
	if err != nil {
		t.Fatalf("parse %s: %v", uri, err)
	}
	return gherkin.Pickles(*doc, uri, ids.NewId)
}

// TestExecuteRealScenarios runs scenarios of the embedded features with
// the godog-free executor against the fake Vault: each passes, every step
// observed with the definition that matches it.
func TestExecuteRealScenarios(t *testing.T) {
	cfg := newConfig(t, nil)
	src, err := fs.ReadFile(vaultcheck.Suite, "features/sharing.feature")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parsePickles(t, "features/sharing.feature", string(src))[:2] {
		t.Run(p.Name, func(t *testing.T) {
			c, err := Compile(p)
			if err != nil {
				t.Fatal(err)
			}
			var seen []int
			failed, err := Execute(context.Background(), cfg, c, ExecOptions{Step: func(i int, d *Definition, _ time.Duration, _ error) {
				seen = append(seen, i)
				if !d.Pattern.MatchString(p.Steps[i].Text) {
					t.Errorf("step %d: observed a definition that does not match %q", i, p.Steps[i].Text)
				}
			}})
			if err != nil || failed != c.Len() || len(seen) != c.Len() {
				t.Fatalf("step %d of %d (observed %d): %v", failed, c.Len(), len(seen), err)
			}
		})
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

	c, err := Compile(ps[0])
	if err != nil {
		t.Fatal(err)
	}
	failed, err := Execute(context.Background(), cfg, c, ExecOptions{})
	if failed != 1 || Classify(err) != FailedTarget || !strings.Contains(err.Error(), "want 5") {
		t.Errorf("failing check: step %d, %v: %v", failed, Classify(err), err)
	}

	if _, err := Compile(ps[1]); Classify(err) != FailedScenario || !strings.Contains(err.Error(), `"Alice dances" matches no step definition`) {
		t.Errorf("undefined step: %v", err)
	}

	c, _ = Compile(ps[2])
	if failed, err := Execute(context.Background(), cfg, c, ExecOptions{}); failed != 0 || Classify(err) != FailedScenario {
		t.Errorf("unknown user: step %d, %v", failed, err)
	}

	c, _ = Compile(ps[3])
	if failed, err := Execute(context.Background(), cfg, c, ExecOptions{}); failed != 2 || Classify(err) != FailedTarget || !strings.Contains(err.Error(), "status 403") {
		t.Errorf("refusal with the wrong status: step %d, %v", failed, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, _ = Compile(ps[3])
	if failed, err := Execute(ctx, cfg, c, ExecOptions{}); failed != 0 || Classify(err) != FailedHarness {
		t.Errorf("cancelled: step %d, %v", failed, err)
	}
}

func TestExecuteAmbiguousStep(t *testing.T) {
	twin := Definition{ID: "test.twin", Pattern: regexp.MustCompile(`^Alice can read her own profile$`), handler: func() error { return nil }}
	defs := append(slices.Clone(table), twin)
	p := parsePickles(t, "amb.feature", "Feature: f\n  Scenario: s\n    Then Alice can read her own profile\n")[0]
	_, err := compile(defs, p)
	if Classify(err) != FailedScenario || !strings.Contains(err.Error(), "2 step definitions") {
		t.Fatalf("got %v, want a scenario error for two matching definitions", err)
	}
}

// TestExecuteArguments calls handlers of every argument type godog
// converts to, and checks the conversions' failures and a panic.
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
	d := func(pat string, h any) Definition {
		return Definition{ID: "test." + pat, Pattern: regexp.MustCompile(pat), handler: h}
	}
	defs := []Definition{
		d(`^text "([^"]*)" int (-?\d+) byte (\d+) float ([0-9.]+) raw (\w+) with:$`, func(s string, i int, u uint8, f float64, b []byte, tab *messages.PickleTable) error {
			g.s, g.i, g.u8, g.f, g.b, g.tab = s, i, u, f, b, tab
			return nil
		}),
		d(`^a doc string:$`, func(ctx context.Context, doc *messages.PickleDocString) {
			if ctx == nil {
				panic("no context")
			}
			g.doc = doc
		}),
		d(`^byte (\d+)$`, func(u uint8) error { return nil }),
		d(`^boom$`, func() error { panic("kaboom") }),
		d(`^fails$`, func() error { return errors.New("plain failure") }),
	}
	src := "Feature: f\n  Scenario: s\n    Then text \"héllo\" int -7 byte 200 float 2.5 raw xyz with:\n      | a | b |\n    And a doc string:\n      \"\"\"\n      body\n      \"\"\"\n" +
		"  Scenario: overflow\n    Then byte 300\n  Scenario: panic\n    Then boom\n  Scenario: plain\n    Then fails\n"
	ps := parsePickles(t, "args.feature", src)
	mustCompile := func(p *messages.Pickle) *Compiled {
		t.Helper()
		c, err := compile(defs, p)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cfg := Config{VaultURL: "http://127.0.0.1:1/vault", KeystoreURL: "http://127.0.0.1:1/keystore", Keys: newConfig(t, nil).Keys}
	if _, err := Execute(context.Background(), cfg, mustCompile(ps[0]), ExecOptions{}); err != nil {
		t.Fatal(err)
	}
	if g.s != "héllo" || g.i != -7 || g.u8 != 200 || g.f != 2.5 || string(g.b) != "xyz" || g.tab == nil || len(g.tab.Rows) != 1 || g.doc == nil || g.doc.Content != "body" {
		t.Fatalf("arguments: %+v", g)
	}
	if _, err := Execute(context.Background(), cfg, mustCompile(ps[1]), ExecOptions{}); Classify(err) != FailedScenario || !strings.Contains(err.Error(), `"300"`) {
		t.Fatalf("overflow: got %v, want a scenario error about 300", err)
	}
	if _, err := Execute(context.Background(), cfg, mustCompile(ps[2]), ExecOptions{}); Classify(err) != FailedHarness || !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("panic: got %v, want a harness error", err)
	}
	if _, err := Execute(context.Background(), cfg, mustCompile(ps[3]), ExecOptions{}); Classify(err) != FailedTarget {
		t.Fatalf("plain error: got %v, want a target failure", err)
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

const stormFeature = `Feature: f
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

// TestForkRunsTheBodyAgain sets a sharing scenario up once and runs its
// body on three forks: each iteration starts from the same users, item and
// connection, the checks of what the set-up sent still see it, and the
// crypto observer sees the share's operations.
func TestForkRunsTheBodyAgain(t *testing.T) {
	cfg := newConfig(t, nil)
	c, err := Compile(parsePickles(t, "storm.feature", stormFeature)[0])
	if err != nil {
		t.Fatal(err)
	}
	count := &cryptoCount{ops: map[ledger.CryptoOp]int{}}
	setup, err := NewRun(cfg, c, ExecOptions{Crypto: count})
	if err != nil {
		t.Fatal(err)
	}
	const body = 4
	if i, err := setup.Steps(context.Background(), 0, body); err != nil {
		t.Fatalf("setup step %d: %v", i, err)
	}
	if err := setup.Checkpoint(); err != nil {
		t.Fatalf("checkpoint: %v", err)
	}
	if count.ops[ledger.CryptoPBKDF2] == 0 || count.ops[ledger.CryptoSRP] == 0 {
		t.Fatalf("registration timed no PBKDF2 or SRP: %v", count.ops)
	}
	clear(count.ops)
	setupExchanges := setup.World().Exchanges().Len()
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
	// The set-up World is untouched by its forks.
	if n := len(setup.World().shares); n != 0 {
		t.Errorf("set-up World has %d shares after the forks, want 0", n)
	}
	if n := setup.World().Exchanges().Len(); n != setupExchanges {
		t.Errorf("set-up World logged %d exchanges after the forks, want %d", n, setupExchanges)
	}
}

// TestForkChecksWhatItAdds: Checkpoint runs the blindness check on the
// set-up's exchanges, and a fork's Finish on those of its iteration, for
// the set-up's secrets too.
func TestForkChecksWhatItAdds(t *testing.T) {
	src := `Feature: f
  Scenario: s
    Given Alice is a registered user
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    Then Alice can read her own profile
`
	c, err := Compile(parsePickles(t, "leak.feature", src)[0])
	if err != nil {
		t.Fatal(err)
	}
	// leak is a client fault: a label that carries the VIN in clear.
	leak := func(w *World) {
		t.Helper()
		body := map[string]any{"template_name": "vehicle", "item": map[string]any{"label": "car " + blindVIN}}
		if _, _, err := w.call(context.Background(), w.users["Alice"], client.Call{Op: "create item", Method: "POST", Path: meeco.VItems, Body: body}, nil); err != nil {
			t.Fatal(err)
		}
	}
	setUp := func() *Run {
		t.Helper()
		// No view of the services: only the scan of what was sent can
		// find the leak.
		cfg := blindConfig(t, nil)
		cfg.Server = nil
		r, err := NewRun(cfg, c, ExecOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if i, err := r.Steps(context.Background(), 0, 2); err != nil {
			t.Fatalf("setup step %d: %v", i, err)
		}
		return r
	}

	setup := setUp()
	if err := setup.Checkpoint(); err != nil {
		t.Fatalf("checkpoint of a sound set-up: %v", err)
	}
	r, err := setup.Fork(ExecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if i, err := r.Steps(context.Background(), 2, c.Len()); err != nil {
		t.Fatalf("step %d: %v", i, err)
	}
	if err := r.Finish(); err != nil {
		t.Fatalf("a sound iteration: %v", err)
	}
	r, _ = setup.Fork(ExecOptions{})
	leak(r.World())
	if err := r.Finish(); err == nil || !strings.Contains(err.Error(), "server blindness (BLIND-PLAIN-01)") {
		t.Fatalf("fork's Finish: %v, want the set-up's value found in the iteration's request", err)
	}

	setup = setUp()
	leak(setup.World())
	if err := setup.Checkpoint(); err == nil || !strings.Contains(err.Error(), "server blindness (BLIND-PLAIN-01)") {
		t.Fatalf("Checkpoint: %v, want the value found in the set-up's request", err)
	}
}

// TestForkCoversEveryField fails when World gains a field that forkInto
// was not taught about.
func TestForkCoversEveryField(t *testing.T) {
	typ := reflect.TypeFor[World]()
	seen := map[string]bool{}
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		seen[name] = true
		if _, ok := forkedFields[name]; !ok {
			t.Errorf("World.%s: decide in steps/fork.go whether a fork copies it, and list it in forkedFields", name)
		}
	}
	for name := range forkedFields {
		if !seen[name] {
			t.Errorf("forkedFields names %s, which World no longer has", name)
		}
	}
	// The objects a fork copies: every field that refers to memory must
	// be decided about in forkedRefs.
	refs := map[string]bool{}
	for _, typ := range []reflect.Type{reflect.TypeFor[user](), reflect.TypeFor[item](), reflect.TypeFor[connection](),
		reflect.TypeFor[share](), reflect.TypeFor[keypairInfo](), reflect.TypeFor[connectAgain](), reflect.TypeFor[outcome](),
		reflect.TypeFor[sentInvitation](), reflect.TypeFor[deletedItem](), reflect.TypeFor[identityState]()} {
		for i := range typ.NumField() {
			f := typ.Field(i)
			switch f.Type.Kind() {
			case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface, reflect.Struct:
			default:
				continue
			}
			if f.Type.Kind() == reflect.Struct && !hasRefs(f.Type) {
				continue
			}
			name := typ.Name() + "." + f.Name
			refs[name] = true
			if _, ok := forkedRefs[name]; !ok {
				t.Errorf("%s refers to memory: decide in steps/fork.go how a fork copies it, and list it in forkedRefs", name)
			}
		}
	}
	for name := range forkedRefs {
		if !refs[name] {
			t.Errorf("forkedRefs names %s, which is no longer a field that refers to memory", name)
		}
	}
}

// hasRefs reports whether a struct type holds a pointer, map, slice or
// interface at any depth (strings are immutable and do not count).
func hasRefs(typ reflect.Type) bool {
	for i := range typ.NumField() {
		switch ft := typ.Field(i).Type; ft.Kind() {
		case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface, reflect.Func, reflect.Chan:
			return true
		case reflect.Struct:
			if hasRefs(ft) {
				return true
			}
		}
	}
	return false
}
