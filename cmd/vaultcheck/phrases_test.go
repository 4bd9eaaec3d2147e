package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHCLValuesReachTheVaultUnchanged runs an HCL scenario whose values a
// quoting writer would change (a backslash, U+200B, non-ASCII letters, a
// template sequence) against the fake Vault: the recipient must decrypt
// exactly the values written, the changed slot must read back, and vet
// must agree with run.
func TestHCLValuesReachTheVaultUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a scenario against the fake")
	}
	src := `
user "alice" {
  pronoun  = "she"
  password = "pass\\word\u200b"
}
user "bob" { pronoun = "he" }
connection "ab" {
  from = user.alice
  to   = user.bob
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My\u200bCar \\ Citroën"
  slots = {
    vin  = "A\\B"
    note = "zero\u200bwidth $${not} a|b"
  }
}
scenario "values travel unchanged" {
  share "s" {
    item   = item.car
    to     = user.bob
    terms  = "C:\\terms\u200b"
    accept = true
  }
  expect "bob" {
    share       = share.s
    values      = { vin = "A\\B", note = "zero\u200bwidth $${not} a|b" }
    terms_shown = true
  }
  update "u" {
    item  = item.car
    slots = { vin = "C:\\new\u200b" }
  }
  expect "alice" {
    item   = item.car
    values = { vin = "C:\\new\u200b" }
  }
}
`
	file := filepath.Join(t.TempDir(), "values.hcl")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runMain(t, "vet", file); code != exitOK {
		t.Fatalf("vet: exit %d\n%s", code, out)
	}
	code, out, errOut := runMain(t, "run", file, "--keys", "fast")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "1 scenarios (1 passed)") {
		t.Errorf("run output:\n%s", out)
	}
}

// TestRunReportsUndefinedStepsBeforeTheTarget checks the run command's
// answer to a misspelt step against an unreachable target: the step at
// its line with the closest phrases (exit 2), not an unreachable target.
func TestRunReportsUndefinedStepsBeforeTheTarget(t *testing.T) {
	file := filepath.Join(t.TempDir(), "typo.feature")
	os.WriteFile(file, []byte("Feature: f\n  Scenario: s\n    Given Alice is a registerd user\n"), 0o644)
	code, out, errOut := runMain(t, "run", file, "--target", "http://127.0.0.1:1")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{file + `:3:11: undefined step: "Alice is a registerd user"`, "user.registered (action): <User> is a registered user"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s%s", want, out, errOut)
		}
	}
	if strings.Contains(errOut, "unreachable") || strings.Contains(out+errOut, "InitializeScenario") {
		t.Errorf("the target was contacted, or godog's snippet shown:\n%s%s", out, errOut)
	}
}
