package steps

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
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
