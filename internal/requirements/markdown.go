package requirements

import (
	"fmt"
	"strings"
)

// Markdown renders the catalogue as CATALOGUE.md: a count by area, then
// one table per area.
func Markdown() string {
	var b strings.Builder
	b.WriteString("# Requirements catalogue\n\n")
	b.WriteString("Generated from `internal/requirements` by `go test ./internal/requirements -run Catalogue -update`; do not edit.\n\n")
	b.WriteString("Every rule a Vault, a Keystore or a client of Meeco's protocol must follow, with a stable ID that\n")
	b.WriteString("scenarios (`@req:ID`) and the fake Vault's faults refer to. Sources cite docs/protocol.md by section\n")
	b.WriteString("or Meeco's js-sdk by file; UNCONFIRMED marks a rule the fake adopted where no source settles it.\n\n")
	b.WriteString("| area | MUST | SHOULD |\n|---|---:|---:|\n")
	var must, should int
	for _, a := range Areas() {
		m, s := count(ByArea(a))
		must, should = must+m, should+s
		fmt.Fprintf(&b, "| %s | %d | %d |\n", a, m, s)
	}
	fmt.Fprintf(&b, "| **all** | **%d** | **%d** |\n", must, should)
	for _, a := range Areas() {
		fmt.Fprintf(&b, "\n## %s\n\n| ID | level | who | statement | source |\n|---|---|---|---|---|\n", a)
		for _, r := range ByArea(a) {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.ID, r.Level, r.Who, cell(r.Statement), cell(r.Source))
		}
	}
	return b.String()
}

func count(rs []Requirement) (must, should int) {
	for _, r := range rs {
		if r.Level == Must {
			must++
		} else {
			should++
		}
	}
	return must, should
}

// cell escapes the characters that would break a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
