package hclscenario

import (
	"fmt"
	"strings"

	"github.com/vaultcheck/vaultcheck/steps"
)

// Reference markers delimit the generated part of scenarios/README.md.
const (
	ReferenceBegin = "<!-- BEGIN GENERATED REFERENCE: go test ./internal/hclscenario -run TestReadme -update -->"
	ReferenceEnd   = "<!-- END GENERATED REFERENCE -->"
)

// Reference renders the language reference (every block and attribute,
// the step each compiles to, the functions) as Markdown, from the same
// table the decoder uses.
func Reference() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("## Reference\n\n")
	w("Each block and attribute compiles to steps of the step table; the \"compiles to\" column names them by\n")
	w("their phrases in the step catalog, [steps/CATALOG.md](../steps/CATALOG.md) (`vaultcheck steps`).\n\n")
	w("### File\n\n")
	w("A file holds `variable` blocks, `scenario` blocks, and blocks outside any scenario (%s), which run\n", codeList(topLevelKinds()))
	w("before every scenario of the file as the Feature's Background. Attributes at the top of the file:\n\n")
	attrTable(&b, fileAttrs)
	for _, s := range specs {
		w("\n### `%s \"%s\"`\n\n", s.Kind, strings.Join(s.Labels, `" "`))
		w("%s\n\n", s.Doc)
		switch {
		case s.Kind == kVariable || s.Kind == kScenario:
			w("Where: top level.")
		case s.TopLevel:
			w("Where: in a scenario, or at top level (the Background).")
		default:
			w("Where: in a scenario.")
		}
		if len(s.Blocks) > 0 {
			w(" Holds blocks: %s.", codeList(s.Blocks))
		}
		if len(s.Steps) > 0 {
			w(" Compiles to %s.", phrases(s.Steps))
		}
		w("\n\n```hcl\n%s\n```\n\n", s.Example)
		attrTable(&b, s.Attrs)
	}
	w("\n### Functions\n\n")
	w("Values may call %s. `file(path)` reads a UTF-8 file relative to the scenario file; `env(name)` reads an\n", codeList(functionNames))
	w("environment variable and fails when it is unset, `env(name, default)` does not. The others are the\n")
	w("usual string and collection functions of HCL.\n")
	return b.String()
}

// phrases shows steps of the step table by their phrases, as the step
// catalog (steps/CATALOG.md) lists them.
func phrases(ids []string) string {
	var out []string
	for _, id := range ids {
		d, ok := steps.Lookup(id)
		if !ok {
			panic("hclscenario: the schema names step " + id + ", which the step table lacks")
		}
		p := "`" + d.Phrase() + "`"
		if d.Table != nil {
			p += " and a `| " + strings.Join(d.Table, " | ") + " |` table"
		}
		out = append(out, strings.ReplaceAll(p, "|", `\|`))
	}
	return strings.Join(out, " / ")
}

func codeList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

func attrTable(b *strings.Builder, attrs []attrSpec) {
	b.WriteString("| attribute | takes | meaning | compiles to |\n|---|---|---|---|\n")
	for _, a := range attrs {
		name := "`" + a.Name + "`"
		if a.Required {
			name += " (required)"
		}
		takes := a.Type.String()
		switch a.Type {
		case tRef:
			takes = strings.ReplaceAll(kindList(a.Kinds), " or ", ", ")
			takes = "`" + strings.ReplaceAll(takes, ", ", "`, `") + "`"
		case tRefs:
			takes = "`" + strings.ReplaceAll(kindList(a.Kinds), " or ", "`, `") + "` or a list"
			if len(a.Kinds) == 1 && a.Kinds[0] == kUser {
				takes += "; `user.<name>` of a user with count means all of them"
			}
		case tEnum:
			takes = "one of " + codeList(a.Enum)
		case tTrue:
			takes = "`true`"
		}
		step := a.Compiles
		if len(a.Steps) > 0 {
			step = phrases(a.Steps)
		}
		if step == "" {
			step = "–"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", name, takes, strings.ReplaceAll(a.Doc, "|", `\|`), step)
	}
}
