package vaultcheck_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/internal/requirements"
)

// identityAreas are the areas whose MUSTs the identity side's features
// cover (issue 10, H5a).
var identityAreas = []requirements.Area{
	requirements.AreaUsers, requirements.AreaSRP, requirements.AreaSessions, requirements.AreaKeystore,
	requirements.AreaItems, requirements.AreaPagination, requirements.AreaConnect, requirements.AreaInvite,
	requirements.AreaCryppo, requirements.AreaErrors,
}

// featureCoverage reads the @req:ID and @req:ID:neg tags of every
// embedded feature's scenarios and returns, by requirement ID, the
// scenarios that check it positively and negatively. Tags naming an ID
// the catalogue does not have are returned as errors.
func featureCoverage(t *testing.T) (pos, neg map[string][]string, bad []string) {
	t.Helper()
	pos, neg = map[string][]string{}, map[string][]string{}
	files, err := fs.Glob(vaultcheck.Suite, "features/*.feature")
	if err != nil {
		t.Fatal(err)
	}
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
			name := fmt.Sprintf("%s: %s", f, p.Name)
			for _, tag := range p.Tags {
				rest, ok := strings.CutPrefix(tag.Name, "@req:")
				if !ok {
					continue
				}
				id, negative := strings.CutSuffix(rest, ":neg")
				if _, ok := requirements.Lookup(id); !ok {
					bad = append(bad, fmt.Sprintf("%s: tag %s names no requirement", name, tag.Name))
					continue
				}
				m := pos
				if negative {
					m = neg
				}
				if len(m[id]) == 0 || m[id][len(m[id])-1] != name {
					m[id] = append(m[id], name)
				}
			}
		}
	}
	return pos, neg, bad
}

// TestIdentityRequirementsCovered checks that every MUST of the identity
// side's areas is checked by at least one scenario tagged @req:ID and one
// tagged @req:ID:neg, and logs the coverage table (go test -v).
func TestIdentityRequirementsCovered(t *testing.T) {
	pos, neg, bad := featureCoverage(t)
	for _, b := range bad {
		t.Error(b)
	}
	var b strings.Builder
	for _, a := range identityAreas {
		for _, r := range requirements.ByArea(a) {
			p, n := pos[r.ID], neg[r.ID]
			fmt.Fprintf(&b, "%-20s %-6s +%d -%d  %s | %s\n", r.ID, r.Level, len(p), len(n), first(p), first(n))
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
	t.Logf("requirement coverage of the identity side (ID, level, positive and negative scenario counts, a scenario of each):\n%s", b.String())
}

func first(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	s := append([]string(nil), names...)
	sort.Strings(s)
	return s[0]
}
