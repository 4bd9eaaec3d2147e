package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSelfcheckCommand(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "proof.feature")
	src := "Feature: f\n\n  @req:SRP-PROOF-01:neg\n  Scenario: a wrong password is refused\n    Given Alice is a registered user\n" +
		"    When Alice logs in with the wrong password \"nope\"\n    Then the request is refused with status 401\n"
	if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := vetMain(t, "selfcheck", "--fault", "srp-proof-unchecked", f)
	if code != exitOK || !strings.Contains(out, "srp-proof-unchecked  killed    SRP-PROOF-01         "+f+":4 \"a wrong password is refused\" (1 scenarios)\n") ||
		!strings.Contains(out, "1 of 1 faults killed, 0 survived; clean run passed") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = vetMain(t, "selfcheck", "--format", "json", "--fault", "srp-proof-unchecked", "--fault", "template-slots-reversed", f)
	var doc struct {
		OK     bool
		Faults []struct {
			Fault  string
			Killed bool
		}
	}
	if code != exitFailed || json.Unmarshal([]byte(out), &doc) != nil || doc.OK || len(doc.Faults) != 2 || doc.Faults[1].Killed {
		t.Fatalf("a survivor: exit %d\n%s", code, out)
	}
	if code, _, errOut := vetMain(t, "selfcheck", "--fault", "no-such-fault", f); code != exitUsage || !strings.Contains(errOut, `unknown fault "no-such-fault"`) {
		t.Errorf("unknown fault: exit %d %s", code, errOut)
	}
}
