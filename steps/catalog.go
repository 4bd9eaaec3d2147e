package steps

import (
	"fmt"
	"io"
	"strings"
)

// WriteCatalog writes the step catalog in Markdown: every step of the
// library with its ID, phrase, kind and what it does, in table order.
// steps/CATALOG.md is this output, and a test fails when it is stale.
func WriteCatalog(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Step catalog\n\n")
	b.WriteString("Every step the conformance features and HCL scenarios can use, generated from the step\n")
	b.WriteString("table in `steps/bindings.go` (`vaultcheck steps` prints it). In a phrase, `<Sender>`\n")
	b.WriteString("(capitalised) is a user's display name (Alice) or, for lists, several (\"Alice, Bob and Jane\");\n")
	b.WriteString("`\"<label>\"` is quoted text; `<count>` a number; `a|b` one of the words; `[...]` an optional\n")
	b.WriteString("part; `(s)` the plural of the number before it. A step ending in `with:` takes the data table\n")
	b.WriteString("shown; one marked `\"\"\"...\"\"\"` takes a doc string, lines of text between two `\"\"\"` lines.\n")
	b.WriteString("Kinds: an **action** does something and records its outcome; a **check** asserts\n")
	b.WriteString("something about the target; a **state** makes a situation so as a Given or When and checks\n")
	b.WriteString("it as a Then. The ID names a step for the HCL front end and other tools; it does not change\n")
	b.WriteString("when the wording does.\n\n")
	b.WriteString("| ID | step | kind | what it does |\n|---|---|---|---|\n")
	for _, d := range table {
		phrase := d.Phrase()
		if d.Table != nil {
			phrase += " | " + strings.Join(d.Table, " | ") + " |"
		}
		if d.DocString {
			phrase += ` """..."""`
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", d.ID, strings.ReplaceAll(phrase, "|", `\|`), d.Kind, strings.ReplaceAll(d.Doc, "|", `\|`))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
