package harness

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/results"
)

// TestCertificationHooks checks what a certification asks of a run:
// Select disables scenarios with its reason (and they never run),
// OnTarget says where the target answered, OnLedger hands over the
// ledger of each scenario that ran, and OnResults the results.
func TestCertificationHooks(t *testing.T) {
	fsys := fstest.MapFS{"features/hooks.feature": {Data: []byte(`Feature: Hooks
  @req:ITEM-VALUE-01
  Scenario: Kept
    Given Alice is a registered user

  @req:REKEY-PUT-01
  Scenario: Left out
    Given Bob is a registered user
`)}}
	var (
		mu      sync.Mutex
		target  TargetInfo
		ledgers = map[string]*ledger.Ledger{}
		doc     *results.Document
		asked   []string
	)
	code, err := Run(context.Background(), Options{
		FS: fsys, Keys: "fast", Output: io.Discard, Log: io.Discard,
		Select: func(id string, tags []string) (bool, string) {
			asked = append(asked, id+" "+strings.Join(tags, " "))
			if strings.Contains(strings.Join(tags, " "), "REKEY") {
				return false, "outside the claimed profiles (core)"
			}
			return true, ""
		},
		OnTarget: func(ti TargetInfo) { target = ti },
		OnLedger: func(id string, l *ledger.Ledger) {
			mu.Lock()
			ledgers[id] = l
			mu.Unlock()
		},
		OnResults: func(d *results.Document) { doc = d },
	})
	if code != ExitPassed || err != nil {
		t.Fatalf("run: %d %v", code, err)
	}
	if len(asked) != 2 || !strings.Contains(asked[1], "@req:REKEY-PUT-01") {
		t.Errorf("Select was asked %q", asked)
	}
	if !target.Inproc || target.Name != TargetInproc || !strings.HasSuffix(target.VaultURL, "/vault") || !strings.HasSuffix(target.KeystoreURL, "/keystore") {
		t.Errorf("target %+v", target)
	}
	if len(ledgers) != 1 || ledgers["features/hooks.feature: Kept"].Len() == 0 {
		t.Errorf("ledgers %v", ledgers)
	}
	if doc == nil {
		t.Fatal("no results")
	}
	left, ok := doc.Scenario("features/hooks.feature: Left out")
	if !ok || left.Status != results.Disabled || left.Reason != "outside the claimed profiles (core)" || left.Started != nil {
		t.Errorf("the scenario Select left out: %+v", left)
	}
	if kept, _ := doc.Scenario("features/hooks.feature: Kept"); kept == nil || kept.Status != results.Passed {
		t.Errorf("the scenario Select kept: %+v", kept)
	}

	_, err = Run(context.Background(), Options{FS: fsys, Keys: "fast", Output: io.Discard, Log: io.Discard,
		Select: func(string, []string) (bool, string) { return false, "none" }})
	if err == nil || !strings.Contains(err.Error(), "no scenario") {
		t.Errorf("a selection of nothing: %v", err)
	}
}
