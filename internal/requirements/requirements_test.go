package requirements

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite CATALOGUE.md")

func TestCatalogueWellFormed(t *testing.T) {
	seen := map[string]bool{}
	areas := map[Area]bool{}
	for _, a := range Areas() {
		areas[a] = true
	}
	musts := 0
	for _, r := range All() {
		if !ValidID(r.ID) {
			t.Errorf("%q: want AREA-TOPIC-NN", r.ID)
		}
		if seen[r.ID] {
			t.Errorf("%s: listed twice", r.ID)
		}
		seen[r.ID] = true
		if strings.TrimSpace(r.Statement) == "" || strings.ContainsAny(r.Statement, "\n\r") {
			t.Errorf("%s: want a one-line statement", r.ID)
		}
		if strings.TrimSpace(r.Source) == "" {
			t.Errorf("%s: no source", r.ID)
		}
		if !areas[r.Area] {
			t.Errorf("%s: area %q is not in Areas()", r.ID, r.Area)
		}
		if r.Who == 0 || r.Who&^(Vault|Keystore|Client) != 0 {
			t.Errorf("%s: who=%d, want vault, keystore and/or client", r.ID, r.Who)
		}
		switch r.Level {
		case Must:
			musts++
		case Should:
		default:
			t.Errorf("%s: level %q", r.ID, r.Level)
		}
		if got, ok := Lookup(r.ID); !ok || got != r {
			t.Errorf("Lookup(%s) = %+v, %v", r.ID, got, ok)
		}
	}
	for _, a := range Areas() {
		if len(ByArea(a)) == 0 {
			t.Errorf("area %q has no requirement", a)
		}
	}
	// What a black-box harness can check against a live Vault: enough to
	// cover the protocol, few enough that each is worth a scenario pair.
	if musts < 60 || musts > 100 {
		t.Errorf("%d MUST requirements, want 60 to 100", musts)
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, id := range []string{"", "SHARE-EXPIRY-1", "share-expiry-01", "NOPE-NOPE-99"} {
		if _, ok := Lookup(id); ok {
			t.Errorf("Lookup(%q) found something", id)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("MustLookup of an unknown ID did not panic")
		}
	}()
	MustLookup("NOPE-NOPE-99")
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{"SHARE-EXPIRY-01": true, "KS-ACCESS-02": true, "CRYPPO-B64-01": true,
		"SHARE-EXPIRY-1": false, "SHARE-01": false, "share-expiry-01": false, "A-B-C-01": false} {
		if ValidID(id) != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, !want, want)
		}
	}
}

func TestAllIsACopy(t *testing.T) {
	a := All()
	a[0].Statement = "changed"
	if All()[0].Statement == "changed" {
		t.Fatal("All returned the catalogue itself")
	}
}

// TestCatalogueMarkdown fails while CATALOGUE.md is stale; -update rewrites
// it.
func TestCatalogueMarkdown(t *testing.T) {
	want := Markdown()
	if *update {
		if err := os.WriteFile("CATALOGUE.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("CATALOGUE.md")
	if err != nil {
		t.Fatalf("%v (run go test ./internal/requirements -run Catalogue -update)", err)
	}
	if string(got) != want {
		t.Fatal("CATALOGUE.md is stale: run go test ./internal/requirements -run Catalogue -update")
	}
	for _, r := range All() {
		if !strings.Contains(want, "| "+r.ID+" |") {
			t.Errorf("%s missing from the Markdown", r.ID)
		}
	}
}

func TestParseTag(t *testing.T) {
	for _, c := range []struct {
		tag   string
		ref   Ref
		isReq bool
		err   string
	}{
		{"@smoke", Ref{}, false, ""},
		{"@request", Ref{}, false, ""},
		{"@req:SRP-PROOF-01", Ref{"SRP-PROOF-01", false}, true, ""},
		{"req:SRP-PROOF-01:neg", Ref{"SRP-PROOF-01", true}, true, ""},
		{"@req:SRP-PROFF-01", Ref{"SRP-PROFF-01", false}, true, "did you mean SRP-PROOF-01?"},
		{"@req:srp-proof-01", Ref{"srp-proof-01", false}, true, "did you mean SRP-PROOF-01?"},
		{"@req:SRP-PROOF-01:pos", Ref{"SRP-PROOF-01:pos", false}, true, "the only suffix is :neg"},
		{"@req:NOTHING-LIKE-IT-99", Ref{"NOTHING-LIKE-IT-99", false}, true, "IDs read AREA-TOPIC-NN"},
		{"@req:", Ref{}, true, "not in the requirements catalogue"},
	} {
		ref, isReq, err := ParseTag(c.tag)
		if isReq != c.isReq || (c.err == "" && ref != c.ref) {
			t.Errorf("ParseTag(%q) = %+v, %v, want %+v, %v", c.tag, ref, isReq, c.ref, c.isReq)
		}
		switch {
		case c.err == "" && err != nil:
			t.Errorf("ParseTag(%q): %v", c.tag, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("ParseTag(%q) error = %v, want one containing %q", c.tag, err, c.err)
		}
	}
	if got := (Ref{"SRP-PROOF-01", true}).Tag(); got != "@req:SRP-PROOF-01:neg" {
		t.Errorf("Tag() = %q", got)
	}
	refs, errs := RefsOf([]string{"@smoke", "@req:SRP-PROOF-01", "@req:SRP-PROOF-01", "@req:SRP-PROOF-01:neg", "@req:NOPE-NOPE-01"})
	if len(refs) != 2 || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "tag @req:NOPE-NOPE-01: ") {
		t.Errorf("RefsOf = %v, %v", refs, errs)
	}
}

// TestREADMECatalogue fails while the README's copy of the catalogue is
// stale; -update rewrites it between its markers.
func TestREADMECatalogue(t *testing.T) {
	const readme = "../../README.md"
	raw, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	i, j := strings.Index(text, READMEBegin), strings.Index(text, READMEEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the catalogue's markers %q and %q", READMEBegin, READMEEnd)
	}
	got := text[i : j+len(READMEEnd)]
	want := READMEBlock()
	if *update && got != want {
		text = text[:i] + want + text[j+len(READMEEnd):]
		if err := os.WriteFile(readme, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		got = want
	}
	if got != want {
		t.Fatal("README.md's requirements catalogue is stale: run go test ./internal/requirements -run Catalogue -update")
	}
}
