package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRequirementsCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.feature")
	if err := os.WriteFile(good, []byte("Feature: f\n\n  @req:SRP-PROOF-01 @req:SRP-PROOF-01:neg\n  Scenario: s\n    When Alice logs in\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := vetMain(t, "requirements", good)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d: every other MUST lacks both\n%s%s", code, exitFailed, out, errOut)
	}
	for _, want := range []string{"SRP-PROOF-01         MUST   The Keystore accepts only the proof",
		"    positive: " + good + ":4\n    negative: " + good + ":4\n", "1 of 1 scenarios name a requirement"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.Contains(errOut, "MUST requirements lack a positive or a negative scenario") {
		t.Errorf("stderr: %s", errOut)
	}
	code, out, _ = vetMain(t, "requirements", "--missing", "--format", "json", good)
	var doc struct{ Requirements []struct{ ID string } }
	if code != exitFailed || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Requirements) == 0 {
		t.Fatalf("--missing json: exit %d\n%s", code, out)
	}
	for _, r := range doc.Requirements {
		if r.ID == "SRP-PROOF-01" {
			t.Error("--missing lists a requirement with both polarities")
		}
	}

	bad := filepath.Join(dir, "bad.feature")
	if err := os.WriteFile(bad, []byte("Feature: f\n\n  @req:SRP-PROFF-01\n  Scenario: s\n    When Alice logs in\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = vetMain(t, "requirements", bad)
	if code != exitUsage || !strings.Contains(errOut, bad+`:3:3: unknown requirement: tag "@req:SRP-PROFF-01": "SRP-PROFF-01" is not in the requirements catalogue; did you mean SRP-PROOF-01?`) {
		t.Errorf("unknown ID: exit %d\n%s", code, errOut)
	}
	if code, _, _ := vetMain(t, "requirements", "--format", "yaml"); code != exitUsage {
		t.Errorf("--format yaml: exit %d", code)
	}
}
