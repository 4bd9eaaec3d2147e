package load

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/load/executor"
	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/internal/load/plan"
	"github.com/vaultcheck/vaultcheck/internal/load/summary"
)

const stormFeature = `Feature: share storm
  Scenario: Alice shares her car with Bob again and again
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
    And every slot of the share of "My Car" to Bob has a value verification hash that verifies
    When Alice deletes the share of "My Car" to Bob
    Then the share of "My Car" to Bob is gone for Alice and Bob
`

const twoSharesFeature = `Feature: two shares
  Scenario: Alice shares her car with Bob and Carol
    Given Alice is a registered user
    And Bob is a registered user
    And Carol is a registered user
    And Alice and Bob are connected
    And Alice and Carol are connected
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    When Alice shares "My Car" with Bob
    And Alice shares "My Car" with Carol
    Then Carol sees the share of "My Car" from Alice with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    When Alice deletes the share of "My Car" to Bob
    And Alice deletes the share of "My Car" to Carol
`

const isolationFeature = `Feature: isolation
  Scenario: Bob cannot read Alice's car
    Given Alice is a registered user
    And Bob is a registered user
    And Alice has a "vehicle" item "My Car" with:
      | slot | value             |
      | vin  | 5YJ3E1EA7KF317000 |
    Then Bob cannot read Alice's item "My Car"
`

const refusalFeature = `Feature: refusal
  Scenario: a wrong password is refused
    Given Alice is a registered user
    When Alice logs in with the wrong password "nope"
    Then the request is refused with status 401
`

// runOnce runs 2 VUs × 2 iterations of a feature against a fake Vault
// with the given faults.
func runOnce(t *testing.T, feature string, faults ...fakevault.Fault) *summary.Summary {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "load.feature")
	if err := os.WriteFile(f, []byte(feature), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := executor.Config{Executor: executor.PerVUIterations, VUs: 2, Iterations: 2, Set: map[string]bool{"vus": true, "iterations": true}}.WithDefaults()
	p := &plan.Plan{Loads: []plan.Load{{Name: "t", Executor: cfg, Scenarios: []string{f}, Fixture: plan.FixtureVU, Where: "test"}}}
	sum, err := Run(context.Background(), Options{Plan: p, Keys: "fast",
		Target: harness.TargetOptions{Handler: fakevault.New(fakevault.Options{Quiet: true}, fakevault.WithFaults(faults...))}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return sum
}

func count(s *summary.Summary, name string) int64 {
	a, _ := metrics.Aggregate(metrics.Counter, s.Select(name, nil))
	return a.Count
}

// TestRunCleanAndCrypto: against a sound fake a share-heavy plan passes
// with every correctness counter at 0, and the timed crypto is the body's
// (RSA wrap and unwrap, AES, HMAC), not the set-up's (no PBKDF2, no SRP).
func TestRunCleanAndCrypto(t *testing.T) {
	s := runOnce(t, stormFeature)
	if !s.Passed() || count(s, metrics.Iterations) != 4 || count(s, metrics.IterationFailures) != 0 {
		t.Fatalf("clean run: passed %v, %d iterations, %d failed: %+v", s.Passed(), count(s, metrics.Iterations), count(s, metrics.IterationFailures), s.Failures)
	}
	ops := map[string]int64{}
	for _, ss := range s.Select(metrics.CryptoDuration, nil) {
		ops[ss.Tags[metrics.TagOp]] = ss.Count
	}
	for _, op := range []string{"rsa_wrap", "rsa_unwrap", "aes_encrypt", "aes_decrypt", "hmac"} {
		if ops[op] < 4 {
			t.Errorf("crypto_duration{op:%s}: %d samples over 4 iterations", op, ops[op])
		}
	}
	if ops["pbkdf2"] != 0 || ops["srp"] != 0 {
		t.Errorf("the set-up's crypto was timed: %v", ops)
	}
}

// TestRunCorrectnessCounters: each correctness counter counts what a
// fault of the fake made for it breaks, and its implicit count==0
// threshold fails the run.
func TestRunCorrectnessCounters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		feature string
		fault   fakevault.Fault
		counter string
	}{
		{"share DEK swapped", twoSharesFeature, fakevault.FaultShareDEKSwapped, metrics.DecryptFailures},
		{"verification hash dropped", stormFeature, fakevault.FaultShareDropsVerificationHash, metrics.HashFailures},
		{"another user's item", isolationFeature, fakevault.FaultItemCrossUserRead, metrics.CrossUserLeaks},
		{"a 500 for a refusal", refusalFeature, fakevault.FaultLoginFailure500, metrics.UnexpectedStatuses},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clean := runOnce(t, tc.feature)
			if n := count(clean, tc.counter); n != 0 || !clean.Passed() {
				t.Fatalf("without the fault: %s = %d, passed %v: %+v", tc.counter, n, clean.Passed(), clean.Failures)
			}
			s := runOnce(t, tc.feature, tc.fault)
			if n := count(s, tc.counter); n == 0 {
				t.Fatalf("%s = 0 against %s; failures: %+v", tc.counter, tc.name, s.Failures)
			}
			failed := ""
			for _, r := range s.Results {
				if !r.OK {
					failed += r.Threshold + " "
				}
			}
			if !strings.Contains(failed, tc.counter+":count==0") {
				t.Errorf("failed thresholds %q, want %s:count==0 among them", failed, tc.counter)
			}
		})
	}
}
