package coverage

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vaultcheck/vaultcheck/internal/requirements"
	"github.com/vaultcheck/vaultcheck/internal/suite"
)

// TestEveryMustHasBothPolarities is the rule of the catalogue: every MUST
// is checked by at least one scenario of the embedded suite that shows the
// behaviour happen (@req:ID) and one that shows the forbidden refused
// (@req:ID:neg). One subtest per area, so that the areas already covered
// pass and each failing one names exactly the IDs and polarities it lacks.
func TestEveryMustHasBothPolarities(t *testing.T) {
	s, err := suite.Load(context.Background(), suite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Problems) > 0 {
		t.Fatalf("the embedded suite has problems: %v", s.Problems)
	}
	tab := Of(s)
	for _, area := range requirements.Areas() {
		t.Run(string(area), func(t *testing.T) {
			for _, r := range tab.Rows {
				if r.Requirement.Area == area && r.Missing() != "" {
					t.Errorf("%s lacks a %s scenario: %s", r.Requirement.ID, r.Missing(), r.Requirement.Statement)
				}
			}
		})
	}
}

func TestTable(t *testing.T) {
	feature := `@req:SRP-PROOF-01
Feature: f

  @smoke @req:SRP-REPLAY-01:neg
  Scenario: replay refused
    When Alice logs in

  @req:SRP-PROOF-01:neg @req:NOPE-NOPE-01
  Scenario Outline: proofs
    When <who> logs in

    Examples:
      | who   |
      | Alice |
      | Bob   |
`
	hcl := `user "alice" {}
scenario "from HCL" {
  requirements = ["SRP-REPLAY-01", "BLIND-LOG-01:neg"]
  expect "x" {
    user        = user.alice
    connections = 0
  }
}
`
	fsys := fstest.MapFS{"a.feature": {Data: []byte(feature)}, "b.hcl": {Data: []byte(hcl)}}
	s, err := suite.Load(context.Background(), suite.Options{FS: fsys, Paths: []string{"a.feature", "b.hcl"}})
	if err != nil {
		t.Fatal(err)
	}
	tab := Of(s)
	if tab.Scenarios != 3 || tab.Tagged != 3 {
		t.Errorf("scenarios %d, tagged %d, want 3 and 3 (an outline is one scenario)", tab.Scenarios, tab.Tagged)
	}
	row := func(id string) Row {
		for _, r := range tab.Rows {
			if r.Requirement.ID == id {
				return r
			}
		}
		t.Fatalf("no row %s", id)
		return Row{}
	}
	if r := row("SRP-PROOF-01"); list(r.Positive) != "a.feature:5, a.feature:9" || list(r.Negative) != "a.feature:9" || r.Missing() != "" {
		t.Errorf("SRP-PROOF-01: +%s -%s missing %q", list(r.Positive), list(r.Negative), r.Missing())
	}
	if r := row("SRP-REPLAY-01"); list(r.Positive) != "b.hcl:2" || list(r.Negative) != "a.feature:5" {
		t.Errorf("SRP-REPLAY-01: +%s -%s", list(r.Positive), list(r.Negative))
	}
	if r := row("SRP-SALT-01"); r.Missing() != "positive and negative" {
		t.Errorf("SRP-SALT-01 missing %q", r.Missing())
	}
	if r := row("BLIND-LOG-01"); r.Missing() != "" || list(r.Negative) != "b.hcl:2" {
		t.Errorf("a SHOULD never lacks anything: %q, -%s", r.Missing(), list(r.Negative))
	}
	gaps := tab.Gaps()
	for _, g := range gaps {
		if g.Requirement.ID == "SRP-PROOF-01" || g.Requirement.Level != requirements.Must {
			t.Errorf("gap %s", g.Requirement.ID)
		}
	}
	if c := tab.Count(requirements.Must); c.Both != 2 || c.All != len(gaps)+2 {
		t.Errorf("counts %+v, %d gaps", c, len(gaps))
	}

	var text bytes.Buffer
	if err := tab.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## SRP\n", "SRP-PROOF-01         MUST   The Keystore accepts only the proof",
		"    positive: a.feature:5, a.feature:9\n    negative: a.feature:9\n",
		"SRP-SALT-01          MUST   POST /srp/challenges answers with the salt registered for the user, so that the right password yields a proof the Keystore accepts.   <- lacks a positive and negative scenario\n",
		"3 of 3 scenarios name a requirement\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q", want)
		}
	}
	text.Reset()
	if err := tab.WriteText(&text, true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "SRP-PROOF-01 ") || !strings.Contains(text.String(), "SRP-REPLAY-01        MUST   lacks a positive") == strings.Contains(text.String(), "SRP-REPLAY-01") {
		t.Errorf("--missing:\n%s", text.String())
	}
	var js bytes.Buffer
	if err := tab.WriteJSON(&js, true); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema       string
		Requirements []struct {
			ID      string
			Missing []string
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || doc.Schema != "vaultcheck/requirements/v1" || len(doc.Requirements) != len(gaps) {
		t.Fatalf("json: %v %+v", err, doc)
	}
	for _, r := range doc.Requirements {
		if r.ID == "SRP-SALT-01" && strings.Join(r.Missing, ",") != "positive,negative" {
			t.Errorf("json missing %v", r.Missing)
		}
	}
}
