package results

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ReqRef is one requirement a scenario checks, named by a tag.
type ReqRef struct {
	// ID is the requirement's id, such as SHARE-EXPIRY-01.
	ID string `json:"id"`
	// Negative says the scenario checks that the requirement's
	// violation is refused (tag @req:ID:neg), rather than that the
	// requirement is met (@req:ID).
	Negative bool `json:"negative,omitempty"`
}

// String renders the ref as its tag would name it, without the "@req:":
// "SHARE-EXPIRY-01" or "SHARE-EXPIRY-01:neg".
func (r ReqRef) String() string {
	if r.Negative {
		return r.ID + ":neg"
	}
	return r.ID
}

// ReqTagPrefix starts every requirement tag.
const ReqTagPrefix = "@req:"

// reqIDRe is the shape of a requirement id: upper-case words joined by
// dashes, the last a two-digit number (SHARE-EXPIRY-01).
var reqIDRe = regexp.MustCompile(`^[A-Z]+(-[A-Z0-9]+)*-[0-9]{2}$`)

// ValidRequirementID reports whether id has the shape of a requirement
// id.
func ValidRequirementID(id string) bool { return reqIDRe.MatchString(id) }

// ParseRequirementTag reads one tag. ok is false for a tag that is not a
// requirement tag (no "@req:" prefix, case-sensitive); err says why a
// requirement tag is malformed.
func ParseRequirementTag(tag string) (ref ReqRef, ok bool, err error) {
	rest, found := strings.CutPrefix(tag, ReqTagPrefix)
	if !found {
		return ReqRef{}, false, nil
	}
	id, suffix, hasSuffix := strings.Cut(rest, ":")
	if hasSuffix && suffix != "neg" {
		return ReqRef{}, true, fmt.Errorf("requirement tag %q: want %sID or %sID:neg, got the suffix %q", tag, ReqTagPrefix, ReqTagPrefix, ":"+suffix)
	}
	if !ValidRequirementID(id) {
		return ReqRef{}, true, fmt.Errorf("requirement tag %q: want an id such as SHARE-EXPIRY-01 (upper-case words and a two-digit number joined by dashes), got %q", tag, id)
	}
	return ReqRef{ID: id, Negative: hasSuffix}, true, nil
}

// Requirements returns the requirements the tags name, sorted by id
// (positive before negative) and each once. Tags that are not requirement
// tags, and malformed ones (which vet reports with ParseRequirementTag),
// are left out. The HCL front end turns requirements = ["ID", "ID:neg"]
// into the same tags.
func Requirements(tags []string) []ReqRef {
	var out []ReqRef
	for _, t := range tags {
		if r, ok, err := ParseRequirementTag(t); ok && err == nil && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b ReqRef) int {
		if c := strings.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		if a.Negative == b.Negative {
			return 0
		}
		if a.Negative {
			return 1
		}
		return -1
	})
	if out == nil {
		out = []ReqRef{}
	}
	return out
}
