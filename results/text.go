package results

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteSummary writes the console summary of doc: every step that went
// wrong with its file:line and message, the scenarios that did not run and
// why, and the counts by status.
func WriteSummary(w io.Writer, doc *Document) error {
	var b strings.Builder
	listed := false
	for _, sc := range doc.Scenarios {
		if sc.Status != Failed && sc.Status != Error {
			continue
		}
		if !listed {
			b.WriteString("--- Failed steps:\n\n")
			listed = true
		}
		fmt.Fprintf(&b, "  Scenario: %s # %s:%d\n", sc.Name, sc.File, sc.Line)
		shown := false
		for _, st := range sc.Steps {
			if st.Message == "" || st.Status.Rank() <= Passed.Rank() {
				continue
			}
			shown = true
			fmt.Fprintf(&b, "    %s%s # %s:%d\n      %s: %s\n\n", st.Keyword, st.Text, st.File, st.Line, label(st.Status, st.ErrorKind), indent(st.Message, "      "))
		}
		if !shown && sc.Message != "" {
			fmt.Fprintf(&b, "    %s: %s\n\n", label(sc.Status, sc.ErrorKind), indent(sc.Message, "    "))
		}
	}
	var notRun []string
	for _, sc := range doc.Scenarios {
		if sc.Status == Skipped {
			notRun = append(notRun, fmt.Sprintf("  %s:%d: %s (%s)", sc.File, sc.Line, sc.Name, sc.Reason))
		}
	}
	if len(notRun) > 0 {
		fmt.Fprintf(&b, "Skipped (%d):\n%s\n\n", len(notRun), strings.Join(notRun, "\n"))
	}
	t := Count(doc.Scenarios)
	fmt.Fprintf(&b, "%d scenarios (%s)\n", Total(t.Scenarios), countList(t.Scenarios))
	fmt.Fprintf(&b, "%d steps (%s)\n", Total(t.Steps), countList(t.Steps))
	fmt.Fprintf(&b, "%s\n", fmtDuration(doc.Elapsed()))
	if n := len(doc.Run.Shards); n > 0 {
		fmt.Fprintf(&b, "merged from %d shards\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// countList renders "58 passed, 2 failed", greatest status last, zeros
// left out.
func countList(m map[Status]int) string {
	var parts []string
	order := slices.Clone(Statuses)
	slices.SortStableFunc(order, func(a, b Status) int {
		// passed first, as the console has always shown it.
		return rankForSummary(a) - rankForSummary(b)
	})
	for _, s := range order {
		if n := m[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func rankForSummary(s Status) int {
	if s == Passed {
		return -1
	}
	return s.Rank()
}

func indent(s, prefix string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// Renderer writes a Document in one format.
type Renderer func(io.Writer, *Document) error

// Formats are the report formats made from a Document, by the name
// --format gives them: json (results.json itself), junit, cucumber
// (Cucumber JSON), message (Cucumber Messages NDJSON), html and summary
// (the console summary).
var Formats = map[string]Renderer{
	"json":     Write,
	"junit":    WriteJUnit,
	"cucumber": WriteCucumberJSON,
	"message":  WriteMessages,
	"html":     WriteHTML,
	"summary":  WriteSummary,
}

// FormatNames lists the names of Formats, sorted.
func FormatNames() []string {
	var names []string
	for n := range Formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
