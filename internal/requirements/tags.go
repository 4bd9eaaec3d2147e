package requirements

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"
)

// Requirement tags. A scenario names the requirements it checks with tags:
// @req:ID when it checks that the behaviour the rule requires or permits
// happens (positive), @req:ID:neg when it checks that what the rule forbids
// is refused or rejected (negative). HCL scenarios write the same as
// requirements = ["ID", "ID:neg"]. ParseTag is the one reader of both, for
// the coverage table, vet, the self-check and the reports.

// TagPrefix starts every requirement tag, after godog's '@'.
const TagPrefix = "req:"

// NegSuffix marks a negative reference.
const NegSuffix = ":neg"

// Ref is a scenario's reference to a requirement: which one, and whether
// the scenario checks it positively or negatively.
type Ref struct {
	ID       string
	Negative bool
}

// String is the reference as HCL's requirements attribute writes it: "ID"
// or "ID:neg".
func (r Ref) String() string {
	if r.Negative {
		return r.ID + NegSuffix
	}
	return r.ID
}

// Tag is the reference as a Gherkin tag: "@req:ID" or "@req:ID:neg".
func (r Ref) Tag() string { return "@" + TagPrefix + r.String() }

// Polarity names the polarity: "positive" or "negative".
func (r Ref) Polarity() string {
	if r.Negative {
		return "negative"
	}
	return "positive"
}

// IsTag reports whether a tag (with or without its '@') is a requirement
// tag, well formed or not: it starts with "req:".
func IsTag(tag string) bool { return strings.HasPrefix(strings.TrimPrefix(tag, "@"), TagPrefix) }

// ParseTag reads a requirement tag, with or without its '@'. isReq is false
// for a tag that is not a requirement tag (it does not start with "req:"),
// and then err is nil. A requirement tag that is malformed or names no
// requirement of the catalogue is an error saying why, with the closest
// known ID when one is close.
func ParseTag(tag string) (ref Ref, isReq bool, err error) {
	t := strings.TrimPrefix(tag, "@")
	rest, ok := strings.CutPrefix(t, TagPrefix)
	if !ok {
		return Ref{}, false, nil
	}
	ref, err = ParseRef(rest)
	return ref, true, err
}

// ParseRef reads a reference as HCL's requirements attribute holds it:
// "ID" or "ID:neg". The ID must be in the catalogue.
func ParseRef(s string) (Ref, error) {
	id, neg := strings.CutSuffix(s, NegSuffix)
	r := Ref{ID: id, Negative: neg}
	if strings.Contains(id, ":") {
		return r, fmt.Errorf("%q is not a requirement reference: want ID or ID%s (the only suffix is %s)", s, NegSuffix, NegSuffix)
	}
	return r, Known(id)
}

// Known returns nil when id is in the catalogue, and otherwise an error
// that says so, suggesting the closest known ID.
func Known(id string) error {
	if _, ok := Lookup(id); ok {
		return nil
	}
	shape := ""
	if !ValidID(id) {
		shape = " (IDs read AREA-TOPIC-NN)"
	}
	if s := Suggest(id); s != "" {
		return fmt.Errorf("%q is not in the requirements catalogue%s; did you mean %s?", id, shape, s)
	}
	return fmt.Errorf("%q is not in the requirements catalogue%s; internal/requirements/CATALOGUE.md lists them", id, shape)
}

// Suggest returns the catalogue ID closest to id when it is close enough
// to be a typo, and "" otherwise.
func Suggest(id string) string {
	up := strings.ToUpper(id)
	best, bestD := "", 1<<30
	for _, r := range catalogue {
		if d := levenshtein.Distance(up, r.ID, nil); d < bestD {
			best, bestD = r.ID, d
		}
	}
	if best == "" || bestD > max(2, len(id)/4) {
		return ""
	}
	return best
}

// RefsOf returns the requirement references among tags, in order and
// without repeats, and an error for each requirement tag that does not
// parse (the tag quoted first). Other tags are ignored.
func RefsOf(tags []string) ([]Ref, []error) {
	var refs []Ref
	var errs []error
	seen := map[Ref]bool{}
	for _, t := range tags {
		r, isReq, err := ParseTag(t)
		switch {
		case !isReq:
		case err != nil:
			errs = append(errs, fmt.Errorf("tag %s: %w", t, err))
		case !seen[r]:
			seen[r] = true
			refs = append(refs, r)
		}
	}
	return refs, errs
}
