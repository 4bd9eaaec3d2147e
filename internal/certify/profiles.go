package certify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/requirements"
)

// Profile is a set of requirements a declaration can claim, made of whole
// areas of the requirement catalogue: its MUSTs are required, its SHOULDs
// optional (unless the declaration claims them as capabilities).
type Profile struct {
	// Name is what a declaration writes in profiles = [...].
	Name string `json:"name"`
	// Title says what the profile covers, in one line.
	Title string `json:"title"`
	// Areas are the catalogue areas the profile is made of.
	Areas []requirements.Area `json:"areas"`
	// Needs are the profiles a claim of this one must claim too.
	Needs []string `json:"needs,omitempty"`
}

// The profiles' names.
const (
	ProfileCore     = "core"
	ProfileExtended = "extended"
)

// profiles are the profiles in the order they are listed. core holds
// what a Meeco-compatible Vault cannot do without: besides users and the
// key hierarchy, SRP, items, connections, sharing and reading shares,
// deletion, access control and the Cryppo formats (issue 12's list), the
// areas those depend on at every step: sessions (every call carries one),
// keystore access (the keys live there), invitations (the only way to
// connect), server blindness (the point of end-to-end encryption) and the
// error shape (the SDK acts on it). extended holds what builds on sharing.
var profiles = []Profile{
	{Name: ProfileCore, Title: "users, keys, SRP, sessions, items, connections, sharing, deletion, access control, Cryppo formats, server blindness",
		Areas: []requirements.Area{requirements.AreaUsers, requirements.AreaSRP, requirements.AreaSessions, requirements.AreaKeystore,
			requirements.AreaItems, requirements.AreaConnect, requirements.AreaInvite, requirements.AreaSharing, requirements.AreaReading,
			requirements.AreaDeletion, requirements.AreaAccess, requirements.AreaCryppo, requirements.AreaBlindness, requirements.AreaErrors}},
	{Name: ProfileExtended, Title: "on-sharing, acceptance and terms, expiry, re-keying and client tasks, pagination",
		Areas: []requirements.Area{requirements.AreaOnSharing, requirements.AreaAcceptance, requirements.AreaExpiry,
			requirements.AreaRekey, requirements.AreaPagination},
		Needs: []string{ProfileCore}},
}

// Profiles returns every profile, core first. The slice is a copy.
func Profiles() []Profile {
	out := slices.Clone(profiles)
	for i := range out {
		out[i].Areas = slices.Clone(out[i].Areas)
		out[i].Needs = slices.Clone(out[i].Needs)
	}
	return out
}

// ProfileNames lists the profiles' names, core first.
func ProfileNames() []string {
	var out []string
	for _, p := range profiles {
		out = append(out, p.Name)
	}
	return out
}

// LookupProfile returns the profile with the given name.
func LookupProfile(name string) (Profile, bool) {
	for _, p := range Profiles() {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// Requirements returns the profile's requirements in catalogue order.
func (p Profile) Requirements() []requirements.Requirement {
	var out []requirements.Requirement
	for _, r := range requirements.All() {
		if slices.Contains(p.Areas, r.Area) {
			out = append(out, r)
		}
	}
	return out
}

// profileOf returns the name of the profile that holds area a.
func profileOf(a requirements.Area) string {
	for _, p := range profiles {
		if slices.Contains(p.Areas, a) {
			return p.Name
		}
	}
	return ""
}

// ProfileOf returns the name of the profile holding the requirement id,
// or "" for an id the catalogue does not have.
func ProfileOf(id string) string {
	r, ok := requirements.Lookup(id)
	if !ok {
		return ""
	}
	return profileOf(r.Area)
}

// ProfileRequirement is one requirement of a profile as a bundle records
// it, so that a verifier can tell whether its own catalogue agrees.
type ProfileRequirement struct {
	ID    string             `json:"id"`
	Level requirements.Level `json:"level"`
	Area  requirements.Area  `json:"area"`
}

// ProfileSet is the profiles as a bundle records them: each profile and
// its requirements with their levels.
type ProfileSet struct {
	Profiles []ProfileRecord `json:"profiles"`
}

// ProfileRecord is one profile of a ProfileSet.
type ProfileRecord struct {
	Profile
	Requirements []ProfileRequirement `json:"requirements"`
}

// CurrentProfiles records the profiles as this build of vaultcheck defines
// them.
func CurrentProfiles() ProfileSet {
	var set ProfileSet
	for _, p := range Profiles() {
		rec := ProfileRecord{Profile: p, Requirements: []ProfileRequirement{}}
		for _, r := range p.Requirements() {
			rec.Requirements = append(rec.Requirements, ProfileRequirement{ID: r.ID, Level: r.Level, Area: r.Area})
		}
		set.Profiles = append(set.Profiles, rec)
	}
	return set
}

// requirementIndex is what the verdict needs of a ProfileSet: each
// requirement's profile and level.
type requirementIndex map[string]indexed

type indexed struct {
	profile string
	level   requirements.Level
	order   int
}

func (s ProfileSet) index() requirementIndex {
	idx := requirementIndex{}
	n := 0
	for _, p := range s.Profiles {
		for _, r := range p.Requirements {
			idx[r.ID] = indexed{profile: p.Name, level: r.Level, order: n}
			n++
		}
	}
	return idx
}

// diff describes how s and o differ ("" when they agree): requirements
// one has and the other lacks, and those whose level or profile differs.
func (s ProfileSet) diff(o ProfileSet) string {
	a, b := s.index(), o.index()
	var msgs []string
	for _, id := range sortedKeys(a) {
		x := a[id]
		y, ok := b[id]
		switch {
		case !ok:
			msgs = append(msgs, fmt.Sprintf("%s only in the bundle's", id))
		case x.profile != y.profile || x.level != y.level:
			msgs = append(msgs, fmt.Sprintf("%s is %s in %s in the bundle's, %s in %s here", id, x.level, x.profile, y.level, y.profile))
		}
	}
	for _, id := range sortedKeys(b) {
		if _, ok := a[id]; !ok {
			msgs = append(msgs, fmt.Sprintf("%s only in this vaultcheck's", id))
		}
	}
	if len(msgs) == 0 {
		return ""
	}
	const shown = 8
	if len(msgs) > shown {
		msgs = append(msgs[:shown], fmt.Sprintf("and %d more", len(msgs)-shown))
	}
	return strings.Join(msgs, "; ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
