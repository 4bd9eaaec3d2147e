package steps

import (
	"fmt"
	"io"
	"strings"
)

// phraseFragments turns the pattern fragments back into what a writer
// types, longest first so that a list of names is not read as one name.
var phraseFragments = strings.NewReplacer(
	reNames, "<Names>",
	reName, "<Name>",
	reQuoted, `"<text>"`,
	reToken, "<token>",
	reSlots, `slot(s) "<slot>"[, "<slot>" and "<slot>"]`,
	rePoss, "her|his|their",
	rePron, "she|he|they",
	`(\d+)`, "<n>",
)

// Phrase is the step's pattern as a scenario writer reads it: names as
// <Name>, quoted text as "<text>", numbers as <n>.
func (d Definition) Phrase() string {
	p := strings.TrimSuffix(strings.TrimPrefix(d.Text, "^"), "$")
	p = phraseFragments.Replace(p)
	// Optional words and alternatives that remain read as they are
	// written in the pattern: (?:a|b) as [a|b], s? as (s).
	p = strings.NewReplacer(`(?:`, "[", `)?`, "]", `)`, "]", `(`, "[", `s?`, "(s)", `\.`, ".").Replace(p)
	return p
}

// WriteCatalog writes the step catalog in Markdown: every step phrase of
// the library with what it does, in table order. steps/CATALOG.md is this
// output, and a test fails when it is stale.
func WriteCatalog(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Step catalog\n\n")
	b.WriteString("Every step the conformance features and HCL scenarios can use, generated from the step\n")
	b.WriteString("table in `steps/bindings.go` (`vaultcheck steps` prints it). `<Name>` is a capitalised user\n")
	b.WriteString("name (Alice), `<Names>` a list (\"Alice, Bob and Jane\"), `\"<text>\"` quoted text, `<n>` a\n")
	b.WriteString("number. Kinds: an **action** does something and records its outcome; a **check** asserts\n")
	b.WriteString("something about the target; a **state** makes a situation so as a Given or When and checks\n")
	b.WriteString("it as a Then.\n\n")
	b.WriteString("| step | kind | what it does |\n|---|---|---|\n")
	for _, d := range table {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", strings.ReplaceAll(d.Phrase(), "|", `\|`), d.Kind, strings.ReplaceAll(d.Doc, "|", `\|`))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
