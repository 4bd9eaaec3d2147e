package certify

import (
	"slices"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/requirements"
	"github.com/vaultcheck/vaultcheck/results"
)

func TestProfilesCoverTheCatalogueOnce(t *testing.T) {
	seen := map[requirements.Area]string{}
	for _, p := range Profiles() {
		for _, a := range p.Areas {
			if prev, dup := seen[a]; dup {
				t.Errorf("area %q is in %s and %s", a, prev, p.Name)
			}
			seen[a] = p.Name
		}
		for _, n := range p.Needs {
			if _, ok := LookupProfile(n); !ok {
				t.Errorf("%s needs unknown profile %q", p.Name, n)
			}
		}
	}
	for _, a := range requirements.Areas() {
		if seen[a] == "" {
			t.Errorf("area %q is in no profile", a)
		}
	}
	// What issue 12 puts in each.
	for area, want := range map[requirements.Area]string{
		requirements.AreaUsers: ProfileCore, requirements.AreaSRP: ProfileCore, requirements.AreaItems: ProfileCore,
		requirements.AreaConnect: ProfileCore, requirements.AreaSharing: ProfileCore, requirements.AreaReading: ProfileCore,
		requirements.AreaDeletion: ProfileCore, requirements.AreaAccess: ProfileCore, requirements.AreaCryppo: ProfileCore,
		requirements.AreaBlindness: ProfileCore, requirements.AreaOnSharing: ProfileExtended, requirements.AreaAcceptance: ProfileExtended,
		requirements.AreaExpiry: ProfileExtended, requirements.AreaRekey: ProfileExtended, requirements.AreaPagination: ProfileExtended,
	} {
		if seen[area] != want {
			t.Errorf("area %q is in %q, want %q", area, seen[area], want)
		}
	}
	n := 0
	for _, p := range CurrentProfiles().Profiles {
		n += len(p.Requirements)
	}
	if n != len(requirements.All()) {
		t.Errorf("the profiles hold %d requirements, the catalogue %d", n, len(requirements.All()))
	}
	if ProfileOf("SHARE-DEK-01") != ProfileCore || ProfileOf("REKEY-PUT-01") != ProfileExtended || ProfileOf("NOPE-01") != "" {
		t.Error("ProfileOf")
	}
}

// only restricts the profiles to some requirements, as the tests' small
// suites check only those.
func only(ids ...string) ProfileSet {
	set := CurrentProfiles()
	for i := range set.Profiles {
		p := &set.Profiles[i]
		p.Requirements = slices.DeleteFunc(p.Requirements, func(r ProfileRequirement) bool { return !slices.Contains(ids, r.ID) })
	}
	return set
}

func decl(t *testing.T, src string) *Declaration {
	t.Helper()
	d, err := ParseDeclaration("vendor.hcl", []byte(`product {
  name = "Acme Vault"
  version = "1"
  vendor = "Acme"
  contact = "https://acme.example"
}
`+src))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func scenario(id string, status results.Status, reqs ...string) results.Scenario {
	sc := results.Scenario{ID: id, Status: status, Requirements: []results.ReqRef{}}
	for _, r := range reqs {
		id, neg := strings.CutSuffix(r, ":neg")
		sc.Requirements = append(sc.Requirements, results.ReqRef{ID: id, Negative: neg})
	}
	if status == results.Error {
		sc.ErrorKind = results.ErrorTarget
	}
	return sc
}

func doc(scs ...results.Scenario) *results.Document {
	return &results.Document{Schema: results.SchemaID, Run: results.Run{Target: "https://vault.example", Keys: "fresh"}, Scenarios: slices.Clone(scs)}
}

func TestDecide(t *testing.T) {
	// SHARE-DEK-01 and SHARE-KEY-01 are MUSTs of core, READ-OWNER-01 and
	// SRP-ENUM-01 SHOULDs of core, REKEY-PUT-01 a MUST of extended.
	set := only("SHARE-DEK-01", "SHARE-KEY-01", "READ-OWNER-01", "SRP-ENUM-01", "REKEY-PUT-01")
	const core = `profiles = ["core"]` + "\n"
	const known = `known_failure "READ-OWNER-01" {
  reason = "shown until 1.5"
  tracking = "https://t.example/1"
}
`
	passing := []results.Scenario{
		scenario("a: share", results.Passed, "SHARE-DEK-01", "SHARE-KEY-01:neg"),
		scenario("a: owner", results.Passed, "READ-OWNER-01"),
		scenario("a: basic", results.Passed),
		scenario("b: rekey", results.Disabled, "REKEY-PUT-01"),
	}
	with := func(id string, st results.Status) []results.Scenario {
		out := slices.Clone(passing)
		for i := range out {
			if out[i].ID == id {
				out[i].Status = st
				if st == results.Error {
					out[i].ErrorKind = results.ErrorTarget
				}
			}
		}
		return out
	}
	cases := []struct {
		name    string
		decl    string
		scs     []results.Scenario
		edit    func(*results.Document)
		result  string
		reasons []string // substrings, one per reason, in order
		outcome map[string]string
	}{
		{name: "all pass", decl: core, scs: passing, result: Certified,
			outcome: map[string]string{"SHARE-DEK-01": OutcomePass, "READ-OWNER-01": OutcomePass, "SRP-ENUM-01": OutcomeUntested}},
		{name: "required fails", decl: core, scs: with("a: share", results.Failed), result: Refused,
			reasons: []string{`SHARE-DEK-01 (MUST, core) failed in scenario "a: share"`, `SHARE-KEY-01 (MUST, core) failed in scenario "a: share"`},
			outcome: map[string]string{"SHARE-DEK-01": OutcomeFail}},
		{name: "required not exercised", decl: core, scs: with("a: share", results.Error), result: Refused,
			reasons: []string{`SHARE-DEK-01 (MUST, core) ended in an error`, "SHARE-KEY-01"}},
		{name: "required untested", decl: core, scs: passing[1:], result: Refused,
			reasons: []string{"SHARE-DEK-01 (MUST, core): no scenario of this suite checks it", "SHARE-KEY-01"}},
		{name: "optional fails undeclared", decl: core, scs: with("a: owner", results.Failed), result: Refused,
			reasons: []string{`READ-OWNER-01 (SHOULD, core) failed in scenario "a: owner" and is not declared a known failure`}},
		{name: "optional fails declared", decl: core + known, scs: with("a: owner", results.Failed), result: Certified,
			outcome: map[string]string{"READ-OWNER-01": OutcomeKnownFailure}},
		{name: "unexpected pass", decl: core + known, scs: passing, result: Refused,
			reasons: []string{"READ-OWNER-01 (SHOULD, core) is declared a known failure but passed (unexpected pass): update the declaration"},
			outcome: map[string]string{"READ-OWNER-01": OutcomeUnexpectedPass}},
		{name: "declared but not exercised", decl: core + known, scs: with("a: owner", results.Error), result: Refused,
			reasons: []string{"a known failure excuses a failure, not a check that could not be made"}},
		{name: "capability is required", decl: core + `capabilities = ["READ-OWNER-01"]`, scs: with("a: owner", results.Failed), result: Refused,
			reasons: []string{`READ-OWNER-01 (SHOULD claimed as a capability, core) failed`}},
		{name: "unassigned fails", decl: core, scs: with("a: basic", results.Failed), result: Refused,
			reasons: []string{`scenario "a: basic" failed; it names no requirement, so no declaration can excuse it`}},
		{name: "outside the claim ran", decl: core, scs: with("b: rekey", results.Passed), result: Refused,
			reasons: []string{`scenario "b: rekey" ran although it is outside the claimed profiles`}},
		{name: "inside the claim disabled", decl: `profiles = ["core", "extended"]`, scs: passing, result: Refused,
			reasons: []string{`scenario "b: rekey" of the claimed profiles was disabled`, "REKEY-PUT-01 (MUST, extended) did not run"}},
		{name: "not run", decl: core, scs: with("a: share", results.Skipped), result: Refused,
			reasons: []string{"SHARE-DEK-01 (MUST, core) did not run", "SHARE-KEY-01 (MUST, core) did not run"}},
		{name: "scenario error", decl: core, scs: passing, edit: func(d *results.Document) {
			d.Scenarios[2].Status, d.Scenarios[2].ErrorKind = results.Error, results.ErrorScenario
		}, result: Refused, reasons: []string{`scenario "a: basic" could not judge the target (scenario error)`}},
		{name: "tags", decl: core, scs: passing, edit: func(d *results.Document) { d.Run.Tags = "@smoke" }, result: Refused,
			reasons: []string{"selected scenarios by tags"}},
		{name: "fail-fast", decl: core, scs: passing, edit: func(d *results.Document) { d.Run.FailFast = true }, result: Refused,
			reasons: []string{"fail-fast"}},
		{name: "shard", decl: core, scs: passing, edit: func(d *results.Document) { d.Run.Shard = &results.Shard{Index: 1, Total: 2} }, result: Refused,
			reasons: []string{"sharded"}},
		{name: "interrupted", decl: core, scs: passing, edit: func(d *results.Document) { d.Run.Interrupted = true }, result: Refused,
			reasons: []string{"interrupted"}},
		{name: "fast keys against a URL", decl: core, scs: passing, edit: func(d *results.Document) { d.Run.Keys = "fast" }, result: Refused,
			reasons: []string{"the run used fast keys against https://vault.example"}},
		{name: "fast keys against the fake", decl: core, scs: passing, edit: func(d *results.Document) { d.Run.Keys, d.Run.Target = "fast", "inproc" },
			result: Certified},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := doc(c.scs...)
			if c.edit != nil {
				c.edit(d)
			}
			v := Decide(d, decl(t, c.decl), set)
			if v.Result != c.result {
				t.Errorf("result %s, want %s; reasons %q", v.Result, c.result, v.Reasons)
			}
			if len(v.Reasons) != len(c.reasons) {
				t.Fatalf("reasons %q, want %d like %q", v.Reasons, len(c.reasons), c.reasons)
			}
			for i, w := range c.reasons {
				if !strings.Contains(v.Reasons[i], w) {
					t.Errorf("reason %d = %q, want it to say %q", i, v.Reasons[i], w)
				}
			}
			for id, want := range c.outcome {
				i := slices.IndexFunc(v.Requirements, func(r RequirementVerdict) bool { return r.ID == id })
				if i < 0 || v.Requirements[i].Outcome != want {
					t.Errorf("%s: %+v, want outcome %s", id, v.Requirements, want)
				}
			}
		})
	}
}

func TestSelection(t *testing.T) {
	idx := CurrentProfiles().index()
	refs := func(ids ...string) []results.ReqRef {
		var out []results.ReqRef
		for _, id := range ids {
			out = append(out, results.ReqRef{ID: id})
		}
		return out
	}
	for _, c := range []struct {
		reqs    []results.ReqRef
		claimed []string
		run     bool
	}{
		{nil, []string{"core"}, true},
		{refs("SHARE-DEK-01"), []string{"core"}, true},
		{refs("REKEY-PUT-01"), []string{"core"}, false},
		{refs("REKEY-PUT-01", "SHARE-DEK-01"), []string{"core"}, true},
		{refs("REKEY-PUT-01"), []string{"core", "extended"}, true},
		{refs("UNKNOWN-REQ-01"), []string{"core", "extended"}, false},
	} {
		run, why := selection(c.reqs, c.claimed, idx)
		if run != c.run || (!run && !strings.Contains(why, "outside the claimed profiles")) {
			t.Errorf("selection(%v, %v) = %v %q, want %v", c.reqs, c.claimed, run, why, c.run)
		}
	}
}
