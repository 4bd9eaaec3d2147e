package vaultcheck_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/internal/requirements"
)

// sharingAreas are the areas of the sharing side of the protocol, whose
// requirements the features must cover in both polarities.
var sharingAreas = []requirements.Area{
	requirements.AreaSharing, requirements.AreaReading, requirements.AreaAcceptance, requirements.AreaOnSharing,
	requirements.AreaExpiry, requirements.AreaDeletion, requirements.AreaRekey, requirements.AreaAccess,
}

// featureCoverage reads the @req tags of every embedded feature's
// scenarios: by requirement ID, the scenarios ("file: name") that check it
// positively (@req:ID) and negatively (@req:ID:neg). Malformed tags and
// unknown IDs are returned as problems.
func featureCoverage(t *testing.T) (pos, neg map[string][]string, problems []string) {
	t.Helper()
	files, err := fs.Glob(vaultcheck.Suite, "features/*.feature")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded features: %v", err)
	}
	pos, neg = map[string][]string{}, map[string][]string{}
	for _, f := range files {
		src, err := fs.ReadFile(vaultcheck.Suite, f)
		if err != nil {
			t.Fatal(err)
		}
		ids := &messages.Incrementing{}
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), ids.NewId)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range gherkin.Pickles(*doc, f, ids.NewId) {
			where := f + ": " + p.Name
			for _, tag := range p.Tags {
				rest, ok := strings.CutPrefix(tag.Name, "@req:")
				if !ok {
					continue
				}
				id, pol, hasPol := strings.Cut(rest, ":")
				switch {
				case hasPol && pol != "neg":
					problems = append(problems, fmt.Sprintf("%s: tag %s: the only polarity suffix is :neg", where, tag.Name))
				case !requirements.ValidID(id):
					problems = append(problems, fmt.Sprintf("%s: tag %s: not a requirement ID", where, tag.Name))
				default:
					if _, known := requirements.Lookup(id); !known {
						problems = append(problems, fmt.Sprintf("%s: tag %s: no such requirement in the catalogue", where, tag.Name))
						continue
					}
					m := pos
					if hasPol {
						m = neg
					}
					if !slices.Contains(m[id], where) {
						m[id] = append(m[id], where)
					}
				}
			}
		}
	}
	return pos, neg, problems
}

// TestSharingSideRequirementsCovered checks that every MUST of the sharing
// side (sharing, reading shares, acceptance, on-sharing, expiry, deletion,
// re-keying and client tasks, access control) has a scenario that checks it
// positively and one that checks it negatively, and that every @req tag of
// the features names a requirement of the catalogue. With -v it prints the
// coverage of those areas.
func TestSharingSideRequirementsCovered(t *testing.T) {
	pos, neg, problems := featureCoverage(t)
	for _, p := range problems {
		t.Error(p)
	}
	for _, a := range sharingAreas {
		for _, r := range requirements.ByArea(a) {
			p, n := pos[r.ID], neg[r.ID]
			t.Logf("%-22s %-6s +%d -%d  %s | %s", r.ID, r.Level, len(p), len(n), first(p), first(n))
			if r.Level != requirements.Must {
				continue
			}
			if len(p) == 0 {
				t.Errorf("%s (%s): no scenario checks it positively (@req:%s)", r.ID, a, r.ID)
			}
			if len(n) == 0 {
				t.Errorf("%s (%s): no scenario checks it negatively (@req:%s:neg)", r.ID, a, r.ID)
			}
		}
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return s[0]
}
