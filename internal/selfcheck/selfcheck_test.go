package selfcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/suite"
	"github.com/vaultcheck/vaultcheck/steps"
)

// TestSelfcheck is `vaultcheck selfcheck` in make test: the embedded
// suite against every fault of the fake. It fails for a failing clean run
// and for each fault that survives, naming it and the requirements that
// should have caught it.
func TestSelfcheck(t *testing.T) {
	if raceEnabled {
		t.Skip("the whole suite once per fault under the race detector is too slow; make test runs this test without -race (TestScheduler covers the concurrency)")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	rep, err := Run(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("kill matrix:\n%s", b.String())
	for _, c := range rep.Clean {
		t.Errorf("clean run: %s %q: %s", c.Scenario.Where(), c.Scenario.Name, c.Message)
	}
	for _, f := range rep.Survivors() {
		t.Errorf("%s survived %d scenarios; the scenarios of %s should catch it: %s", f.Fault.Name, f.Runs, strings.Join(f.Fault.Requirements, ", "), f.Fault.Breaks)
	}
}

// BenchmarkSelfcheck times the whole self-check: run it with
// -benchtime 1x (one self-check is tens of seconds).
func BenchmarkSelfcheck(b *testing.B) {
	s, err := suite.Load(context.Background(), suite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rep, err := Run(context.Background(), Options{Suite: s})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Runs), "runs/op")
		b.ReportMetric(float64(len(rep.Survivors())), "survivors/op")
	}
}

const tinyFeature = `Feature: tiny

  @req:SRP-PROOF-01:neg
  Scenario: a wrong password is refused
    Given Alice is a registered user
    When Alice logs in with the wrong password "nope"
    Then the request is refused with status 401

  @req:SESSION-LOGOUT-01:neg
  Scenario: a logged-out token is refused
    Given Alice is a registered user
    And Alice has a "vehicle" item "Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    Then reading Alice's item "Car" with a logged-out token is refused with status 401

  Scenario: Alice has no connection
    Given Alice is a registered user
    Then Alice has 0 connections
`

func tinySuite(t testing.TB, src string) *suite.Suite {
	t.Helper()
	s, err := suite.Load(context.Background(), suite.Options{FS: fstest.MapFS{"tiny.feature": {Data: []byte(src)}}, Paths: []string{"tiny.feature"}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestScheduler runs a small suite against faults with several workers
// (under -race in make test): a fault is killed by the scenario tagged
// with its requirement, which runs first and alone; a fault nothing
// checks survives after every scenario; the order of the table is kept.
func TestScheduler(t *testing.T) {
	var progress []string
	rep, err := Run(context.Background(), Options{
		Suite:    tinySuite(t, tinyFeature),
		Faults:   []fakevault.Fault{fakevault.FaultSRPProofUnchecked, fakevault.FaultTemplateSlotsReversed, fakevault.FaultVaultLogoutIgnored},
		Workers:  3,
		Progress: func(f FaultResult) { progress = append(progress, f.Fault.Name) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Clean) != 0 || rep.Scenarios != 3 || len(rep.Faults) != 3 || len(progress) != 3 {
		t.Fatalf("report: %+v, progress %v", rep, progress)
	}
	proof, tmpl, logout := rep.Faults[0], rep.Faults[1], rep.Faults[2]
	// Runs counts the scenarios started before the first failure stopped
	// the fault's run; with three workers that depends on timing, which
	// failure comes first does not.
	if !proof.Killed || proof.Requirement != "SRP-PROOF-01" || proof.First.Scenario.Line != 4 || proof.Runs < 1 || proof.Runs > 3 {
		t.Errorf("srp-proof-unchecked: %+v %+v", proof, proof.First)
	}
	if !logout.Killed || logout.Requirement != "SESSION-LOGOUT-01" || logout.First.Scenario.Line != 10 || logout.First.Step != `reading Alice's item "Car" with a logged-out token is refused with status 401` {
		t.Errorf("vault-logout-ignored: %+v", logout)
	}
	if tmpl.Killed || tmpl.Runs != 3 {
		t.Errorf("template-slots-reversed: want it to survive all 3 scenarios, got %+v", tmpl)
	}
	if rep.OK() {
		t.Error("OK with a survivor")
	}
	var text, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"srp-proof-unchecked      killed    SRP-PROOF-01         tiny.feature:4 \"a wrong password is refused\" (",
		"template-slots-reversed  SURVIVED  (3 scenarios; should be caught by ITEM-TEMPLATE-01)\n",
		"2 of 3 faults killed, 1 survived; clean run passed; 3 scenarios,",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema           string
		OK               bool
		Killed, Survived int
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.Schema != "vaultcheck/selfcheck/v1" || doc.OK || doc.Killed != 2 || doc.Survived != 1 {
		t.Errorf("json: %v %+v", err, doc)
	}
}

// TestCleanRunFailure checks that a scenario failing against the
// fault-free target fails the self-check, is named, and kills nothing.
func TestCleanRunFailure(t *testing.T) {
	broken := func(faults ...fakevault.Fault) (steps.Config, func(), error) {
		fake := fakevault.New(fakevault.WithFaults(faults...))
		// Every target fails GET /vault/connections: "has 0 connections"
		// fails with or without a fault.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "GET" && r.URL.Path == meeco.VaultPrefix+meeco.VConnections {
				http.Error(w, `{"errors":[{"error":"broken","http_code":500,"message":"broken"}]}`, 500)
				return
			}
			fake.ServeHTTP(w, r)
		}))
		keys, err := keysource.NewFast(keysource.FastOptions{})
		if err != nil {
			return steps.Config{}, nil, err
		}
		return steps.Config{VaultURL: srv.URL + meeco.VaultPrefix, KeystoreURL: srv.URL + meeco.KeystorePrefix, Keys: keys},
			func() { srv.Close(); keys.Close() }, nil
	}
	rep, err := Run(context.Background(), Options{Suite: tinySuite(t, tinyFeature), Target: broken,
		Faults: []fakevault.Fault{fakevault.FaultTemplateSlotsReversed}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Clean) != 1 || rep.Clean[0].Scenario.Line != 17 || rep.Clean[0].Step != "Alice has 0 connections" || rep.OK() {
		t.Fatalf("clean: %+v", rep.Clean)
	}
	if f := rep.Faults[0]; f.Killed || f.Runs != 2 {
		t.Errorf("the failing scenario must be left out of the fault runs: %+v", f)
	}
}
