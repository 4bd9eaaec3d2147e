package certify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/requirements"
	"github.com/vaultcheck/vaultcheck/results"
)

// The results of a certification.
const (
	Certified = "certified"
	Refused   = "refused"
)

// The outcomes of one requirement in a verdict.
const (
	// OutcomePass: every scenario checking it passed, and it is not
	// declared a known failure.
	OutcomePass = "pass"
	// OutcomeFail: a required requirement that did not pass, or an
	// optional one that failed undeclared or could not be judged.
	OutcomeFail = "fail"
	// OutcomeKnownFailure: an optional requirement that failed, declared.
	OutcomeKnownFailure = "known-failure"
	// OutcomeUnexpectedPass: an optional requirement declared a known
	// failure that passed: the declaration is out of date, and the run
	// fails until it is updated.
	OutcomeUnexpectedPass = "unexpected-pass"
	// OutcomeUntested: an optional requirement no scenario of the suite
	// checks. (A required one without a scenario fails.)
	OutcomeUntested = "untested"
)

// StatusUntested is the status of a requirement that no scenario of the
// run checks.
const StatusUntested = "untested"

// Verdict is the outcome of a certification, derived from the run's
// results and the declaration only (Decide), so that a verifier can derive
// it again from a bundle.
type Verdict struct {
	// Result is Certified or Refused.
	Result string `json:"result"`
	// Reasons say why a certification is refused, most basic first:
	// the run itself, then each requirement, then scenarios that name
	// none. Empty when certified.
	Reasons []string `json:"reasons"`
	// Profiles are the claimed profiles.
	Profiles []string `json:"profiles"`
	// Requirements are every requirement of the claimed profiles, in
	// catalogue order.
	Requirements []RequirementVerdict `json:"requirements"`
	// Unassigned are the scenarios that name no requirement: they belong
	// to the core of every claim, and no declaration can excuse them.
	Unassigned []ScenarioRef `json:"unassigned"`
	// Totals count the requirements by outcome.
	Totals map[string]int `json:"totals"`
}

// RequirementVerdict is one requirement of the claimed profiles.
type RequirementVerdict struct {
	ID      string             `json:"id"`
	Profile string             `json:"profile"`
	Level   requirements.Level `json:"level"`
	// Required: a MUST, or a SHOULD claimed as a capability.
	Required   bool `json:"required"`
	Capability bool `json:"capability,omitempty"`
	// Status is the requirement's status in the run: the worst of its
	// scenarios' (passed, skipped, failed, error), or StatusUntested.
	Status string `json:"status"`
	// Outcome is one of the Outcome constants.
	Outcome string `json:"outcome"`
	// KnownFailure is the declaration's entry for it, if any.
	KnownFailure *KnownFailure `json:"known_failure,omitempty"`
	// Scenarios are the run's scenarios that check it.
	Scenarios []ScenarioRef `json:"scenarios"`
}

// ScenarioRef names a scenario of the run and how it ended.
type ScenarioRef struct {
	ID     string         `json:"id"`
	Status results.Status `json:"status"`
	// Negative says the scenario checks the requirement's violation is
	// refused (@req:ID:neg).
	Negative bool `json:"negative,omitempty"`
}

// selection says whether a scenario of the suite runs in a certification
// of the claimed profiles, and if not, why: it runs when it names a
// requirement of a claimed profile, or names none (the basic flows every
// profile rests on, counted with core, which every claim includes).
func selection(reqs []results.ReqRef, claimed []string, idx requirementIndex) (bool, string) {
	if len(reqs) == 0 {
		return true, ""
	}
	var outside []string
	for _, r := range reqs {
		prof := idx[r.ID].profile
		if slices.Contains(claimed, prof) {
			return true, ""
		}
		if prof == "" {
			prof = "no profile"
		}
		outside = append(outside, fmt.Sprintf("%s (%s)", r.ID, prof))
	}
	return false, fmt.Sprintf("outside the claimed profiles (%s): it checks %s", strings.Join(claimed, ", "), strings.Join(outside, ", "))
}

// Selector returns the harness's scenario selection for a certification
// of decl under the profiles of set: scenarios outside the claimed
// profiles are disabled, with the reason.
func Selector(decl *Declaration, set ProfileSet) func(id string, tags []string) (bool, string) {
	idx := set.index()
	claimed := slices.Clone(decl.Profiles)
	return func(_ string, tags []string) (bool, string) {
		return selection(results.Requirements(tags), claimed, idx)
	}
}

// Decide derives the verdict of a certification from the run's results,
// the declaration and the profiles as the run defined them. It is a pure
// function of its arguments: certify and verify call the same code on the
// same recorded data.
func Decide(doc *results.Document, decl *Declaration, set ProfileSet) Verdict {
	v := Verdict{Result: Certified, Reasons: []string{}, Profiles: slices.Clone(decl.Profiles),
		Requirements: []RequirementVerdict{}, Unassigned: []ScenarioRef{}, Totals: map[string]int{}}
	idx := set.index()
	v.Reasons = append(v.Reasons, runReasons(doc)...)

	// Which scenario checks what, among those that had to run.
	byReq := map[string][]ScenarioRef{}
	for _, sc := range doc.Scenarios {
		should, _ := selection(sc.Requirements, decl.Profiles, idx)
		switch {
		case !should && sc.Status != results.Disabled:
			v.Reasons = append(v.Reasons, fmt.Sprintf("scenario %q ran although it is outside the claimed profiles: not a certification run", sc.ID))
			continue
		case !should:
			continue
		case sc.Status == results.Disabled:
			v.Reasons = append(v.Reasons, fmt.Sprintf("scenario %q of the claimed profiles was disabled: %s", sc.ID, sc.Reason))
		case sc.Status == results.Error && sc.ErrorKind != results.ErrorTarget:
			v.Reasons = append(v.Reasons, fmt.Sprintf("scenario %q could not judge the target (%s error): certification needs every scenario judged", sc.ID, sc.ErrorKind))
		}
		if len(sc.Requirements) == 0 {
			v.Unassigned = append(v.Unassigned, ScenarioRef{ID: sc.ID, Status: sc.Status})
			judged := sc.Status != results.Error || sc.ErrorKind == results.ErrorTarget // else said above
			if sc.Status != results.Passed && sc.Status != results.Disabled && judged {
				v.Reasons = append(v.Reasons, fmt.Sprintf("scenario %q %s; it names no requirement, so no declaration can excuse it", sc.ID, statusPhrase(sc.Status)))
			}
			continue
		}
		for _, r := range sc.Requirements {
			byReq[r.ID] = append(byReq[r.ID], ScenarioRef{ID: sc.ID, Status: sc.Status, Negative: r.Negative})
		}
	}

	for _, p := range set.Profiles {
		if !slices.Contains(decl.Profiles, p.Name) {
			continue
		}
		for _, r := range p.Requirements {
			rv := RequirementVerdict{ID: r.ID, Profile: p.Name, Level: r.Level, Capability: slices.Contains(decl.Capabilities, r.ID),
				Scenarios: byReq[r.ID]}
			if rv.Scenarios == nil {
				rv.Scenarios = []ScenarioRef{}
			}
			rv.Required = r.Level == requirements.Must || rv.Capability
			if kf, ok := decl.Known(r.ID); ok {
				rv.KnownFailure = &kf
			}
			rv.Status = requirementStatus(rv.Scenarios)
			var why string
			rv.Outcome, why = outcome(rv)
			if why != "" {
				v.Reasons = append(v.Reasons, why)
			}
			v.Requirements = append(v.Requirements, rv)
			v.Totals[rv.Outcome]++
		}
	}
	if len(v.Reasons) > 0 {
		v.Result = Refused
	}
	return v
}

// runReasons are the ways a run itself can fall short of a certification
// run: whatever its scenarios say, its verdict would not stand.
func runReasons(doc *results.Document) []string {
	var out []string
	r := doc.Run
	if doc.Schema != results.SchemaID {
		out = append(out, fmt.Sprintf("the results are %q, want %q", doc.Schema, results.SchemaID))
	}
	if r.Interrupted {
		out = append(out, "the run was interrupted: its results are incomplete")
	}
	if r.Tags != "" {
		out = append(out, fmt.Sprintf("the run selected scenarios by tags (%q): a certification runs whole profiles", r.Tags))
	}
	if r.FailFast {
		out = append(out, "the run stopped at its first failure (fail-fast): a certification runs every scenario")
	}
	if r.Shard != nil || len(r.Shards) > 0 {
		out = append(out, "the run was sharded: a certification is one run")
	}
	if r.Keys != keysource.ModeFresh && r.Target != "inproc" {
		out = append(out, fmt.Sprintf("the run used %s keys against %s: publicly known test keys are allowed against the built-in fake only", r.Keys, r.Target))
	}
	return out
}

// requirementStatus is the status of a requirement from its scenarios':
// error over failed over not run over passed.
func requirementStatus(scs []ScenarioRef) string {
	if len(scs) == 0 {
		return StatusUntested
	}
	has := func(s results.Status) bool {
		return slices.ContainsFunc(scs, func(r ScenarioRef) bool { return r.Status == s })
	}
	switch {
	case has(results.Error):
		return string(results.Error)
	case has(results.Failed):
		return string(results.Failed)
	case has(results.Skipped) || has(results.Disabled):
		return string(results.Skipped)
	}
	return string(results.Passed)
}

// outcome judges one requirement, and says why when it refuses the
// certification.
func outcome(rv RequirementVerdict) (string, string) {
	what := fmt.Sprintf("%s (%s, %s)", rv.ID, levelName(rv), rv.Profile)
	failing := firstNot(rv.Scenarios, results.Passed)
	switch {
	case rv.Required && rv.Status == StatusUntested:
		return OutcomeFail, fmt.Sprintf("%s: no scenario of this suite checks it", what)
	case rv.Required && rv.Status != string(results.Passed):
		return OutcomeFail, fmt.Sprintf("%s %s in scenario %q", what, statusPhrase(results.Status(rv.Status)), failing)
	case rv.Required:
		return OutcomePass, ""
	case rv.Status == StatusUntested:
		return OutcomeUntested, ""
	case rv.Status == string(results.Passed) && rv.KnownFailure != nil:
		return OutcomeUnexpectedPass, fmt.Sprintf("%s is declared a known failure but passed (unexpected pass): update the declaration", what)
	case rv.Status == string(results.Passed):
		return OutcomePass, ""
	case rv.Status == string(results.Failed) && rv.KnownFailure != nil:
		return OutcomeKnownFailure, ""
	case rv.Status == string(results.Failed):
		return OutcomeFail, fmt.Sprintf("%s failed in scenario %q and is not declared a known failure", what, failing)
	}
	return OutcomeFail, fmt.Sprintf("%s %s in scenario %q: a known failure excuses a failure, not a check that could not be made", what, statusPhrase(results.Status(rv.Status)), failing)
}

func levelName(rv RequirementVerdict) string {
	if rv.Capability {
		return "SHOULD claimed as a capability"
	}
	return string(rv.Level)
}

func firstNot(scs []ScenarioRef, s results.Status) string {
	for _, r := range scs {
		if r.Status != s {
			return r.ID
		}
	}
	return ""
}

func statusPhrase(s results.Status) string {
	switch s {
	case results.Failed:
		return "failed"
	case results.Error:
		return "ended in an error"
	case results.Skipped, results.Disabled:
		return "did not run"
	}
	return string(s)
}
