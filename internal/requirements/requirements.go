// Package requirements is the catalogue of the rules a Meeco-style Vault,
// its Keystore and their clients must follow, each with a stable ID
// (AREA-TOPIC-NN), a one-line statement, where it comes from, who must
// follow it and how strongly. Scenarios name the IDs they check, and every
// fault of the fake Vault names the IDs that should catch it, so that what
// the suite checks, and what it only exercises, can be counted.
//
// The sources are docs/protocol.md (cited by section, "§3.5") and, where the
// document is silent, Meeco's SDK (cited by file). A rule the fake adopted
// without a source that settles it says UNCONFIRMED in its source.
package requirements

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Level is how strongly a requirement binds, as in RFC 2119.
type Level string

// The levels. Every MUST is to be covered by scenarios; a SHOULD may be.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
)

// Party says who must follow a requirement. A requirement may bind several.
type Party uint8

// The parties.
const (
	Vault Party = 1 << iota
	Keystore
	Client
)

// String lists the parties, e.g. "vault, keystore".
func (p Party) String() string {
	var names []string
	for _, x := range []struct {
		p    Party
		name string
	}{{Vault, "vault"}, {Keystore, "keystore"}, {Client, "client"}} {
		if p&x.p != 0 {
			names = append(names, x.name)
		}
	}
	return strings.Join(names, ", ")
}

// Area groups requirements by the part of the protocol they govern.
type Area string

// The areas, in the order the catalogue lists them.
const (
	AreaUsers      Area = "users & key hierarchy"
	AreaSRP        Area = "SRP"
	AreaSessions   Area = "sessions"
	AreaKeystore   Area = "keystore access"
	AreaItems      Area = "items"
	AreaPagination Area = "pagination"
	AreaConnect    Area = "connections"
	AreaInvite     Area = "invitations"
	AreaSharing    Area = "sharing"
	AreaReading    Area = "reading shares"
	AreaAcceptance Area = "acceptance & terms"
	AreaOnSharing  Area = "on-sharing"
	AreaExpiry     Area = "expiry"
	AreaDeletion   Area = "deletion"
	AreaRekey      Area = "re-keying & client tasks"
	AreaAccess     Area = "access control"
	AreaCryppo     Area = "Cryppo formats"
	AreaBlindness  Area = "server blindness"
	AreaErrors     Area = "error shape"
)

// Areas returns every area in catalogue order.
func Areas() []Area {
	return []Area{AreaUsers, AreaSRP, AreaSessions, AreaKeystore, AreaItems, AreaPagination, AreaConnect,
		AreaInvite, AreaSharing, AreaReading, AreaAcceptance, AreaOnSharing, AreaExpiry, AreaDeletion,
		AreaRekey, AreaAccess, AreaCryppo, AreaBlindness, AreaErrors}
}

// Requirement is one rule of the protocol.
type Requirement struct {
	// ID is stable: scenarios and faults refer to it. AREA-TOPIC-NN.
	ID string
	// Statement says the rule in one line.
	Statement string
	// Source is where the rule comes from: a protocol.md section or an
	// SDK file.
	Source string
	// Who must follow it.
	Who   Party
	Area  Area
	Level Level
}

// idPattern is the shape of every ID: an area word, a topic word, two
// digits.
var idPattern = regexp.MustCompile(`^[A-Z]+-[A-Z0-9]+-[0-9]{2}$`)

// ValidID reports whether id has the catalogue's shape (it need not exist).
func ValidID(id string) bool { return idPattern.MatchString(id) }

// All returns every requirement in catalogue order (by area, then as
// listed). The slice is a copy.
func All() []Requirement { return slices.Clone(catalogue) }

// Lookup returns the requirement with the given ID.
func Lookup(id string) (Requirement, bool) {
	i, ok := index[id]
	if !ok {
		return Requirement{}, false
	}
	return catalogue[i], true
}

// MustLookup is Lookup for IDs known to exist; it panics otherwise, so a
// typo in a table of IDs fails at once.
func MustLookup(id string) Requirement {
	r, ok := Lookup(id)
	if !ok {
		panic(fmt.Sprintf("requirements: no requirement %q", id))
	}
	return r
}

// ByArea returns the requirements of one area in catalogue order.
func ByArea(a Area) []Requirement {
	var out []Requirement
	for _, r := range catalogue {
		if r.Area == a {
			out = append(out, r)
		}
	}
	return out
}

var index = func() map[string]int {
	m := make(map[string]int, len(catalogue))
	for i, r := range catalogue {
		m[r.ID] = i
	}
	return m
}()
