package harness

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
)

// maxListed caps the scenarios a summary names in one list.
const maxListed = 20

// counts are the totals of a run, by scenario status and by step status.
type counts struct {
	scenarios map[scenarioStatus]int
	steps     map[godog.StepResultStatus]int
	total     int // scenarios selected
	stepTotal int
	// stepsInterrupted failed only because the run was interrupted.
	stepsInterrupted int
	// stepsTargetError failed because the target could not be exercised.
	stepsTargetError int
}

// countResults totals results; selected is how many scenarios the run
// selected, so that scenarios godog never started count as not run too.
func countResults(results []scenarioResult, selected int) counts {
	c := counts{scenarios: map[scenarioStatus]int{}, steps: map[godog.StepResultStatus]int{}}
	for _, r := range results {
		st := r.status
		if st == statusRunning {
			st = statusInterrupted // godog returned without finishing it
		}
		c.scenarios[st]++
		if st == statusNotRun {
			continue
		}
		for _, s := range r.steps {
			if s.interrupted {
				c.stepsInterrupted++
			} else if s.targetError {
				c.stepsTargetError++
			} else {
				c.steps[s.status]++
			}
			c.stepTotal++
		}
	}
	c.total = max(selected, len(results))
	c.scenarios[statusNotRun] += c.total - len(results)
	return c
}

// notRun is the number of scenarios that never ran or were cut short.
func (c counts) notRun() int { return c.scenarios[statusNotRun] + c.scenarios[statusInterrupted] }

// scenarioLine renders "8 scenarios (2 passed, 1 failed, 5 not run)".
func (c counts) scenarioLine(color bool) string {
	parts := []struct {
		st    scenarioStatus
		label string
		paint colors.ColorFunc
	}{
		{statusPassed, "passed", colors.Green},
		{statusFailed, "failed", colors.Red},
		{statusTarget, "with target errors", colors.Red},
		{statusScenario, "with scenario errors", colors.Yellow},
		{statusHarness, "with harness errors", colors.Red},
		{statusInterrupted, "interrupted", colors.Yellow},
		{statusNotRun, "not run", colors.Cyan},
	}
	var out []string
	for _, p := range parts {
		if n := c.scenarios[p.st]; n > 0 {
			out = append(out, paint(color, p.paint, fmt.Sprintf("%d %s", n, p.label)))
		}
	}
	if c.total == 0 {
		return "No scenarios"
	}
	// "1 scenarios", as godog writes it, for whatever parses its summary.
	return fmt.Sprintf("%d scenarios (%s)", c.total, strings.Join(out, ", "))
}

// stepLine renders "14 steps (10 passed, 1 failed, 3 skipped)".
func (c counts) stepLine(color bool) string {
	parts := []struct {
		st    godog.StepResultStatus
		label string
		paint colors.ColorFunc
	}{
		{godog.StepPassed, "passed", colors.Green},
		{godog.StepFailed, "failed", colors.Red},
		{godog.StepPending, "pending", colors.Yellow},
		{godog.StepAmbiguous, "ambiguous", colors.Yellow},
		{godog.StepUndefined, "undefined", colors.Yellow},
		{godog.StepSkipped, "skipped", colors.Cyan},
	}
	var out []string
	for _, p := range parts {
		if n := c.steps[p.st]; n > 0 {
			out = append(out, paint(color, p.paint, fmt.Sprintf("%d %s", n, p.label)))
		}
	}
	if c.stepsTargetError > 0 {
		out = append(out, paint(color, colors.Red, fmt.Sprintf("%d with target errors", c.stepsTargetError)))
	}
	if c.stepsInterrupted > 0 {
		out = append(out, paint(color, colors.Yellow, fmt.Sprintf("%d interrupted", c.stepsInterrupted)))
	}
	if c.stepTotal == 0 {
		return "No steps"
	}
	return fmt.Sprintf("%d steps (%s)", c.stepTotal, strings.Join(out, ", "))
}

func paint(color bool, f colors.ColorFunc, s string) string {
	if !color {
		return s
	}
	return f(s)
}

// summary is what the console shows after the scenarios: the steps that
// went wrong, the totals, the time taken, the scenarios that never ran and
// the seed.
type summary struct {
	results  []scenarioResult
	selected int
	elapsed  time.Duration
	seed     int64
	color    bool
	// targetLog is the end of the target's own log (a docker target's
	// container), redacted, read after the scenarios when one did not
	// pass; "" otherwise.
	targetLog string
}

func (s summary) write(w io.Writer) error {
	var b strings.Builder
	if failed := s.failures(); failed != "" {
		b.WriteString("\n--- " + paint(s.color, colors.Red, "Failed steps:") + "\n\n")
		b.WriteString(failed)
		if s.targetLog != "" {
			b.WriteString("--- " + paint(s.color, colors.Red, fmt.Sprintf("The target's log (last %d lines, redacted):", dockerLogTail)) + "\n\n")
			b.WriteString("    " + strings.ReplaceAll(strings.TrimRight(s.targetLog, "\n"), "\n", "\n    ") + "\n\n")
		}
	}
	c := countResults(s.results, s.selected)
	if b.Len() == 0 {
		b.WriteString("\n")
	}
	b.WriteString(c.scenarioLine(s.color) + "\n")
	b.WriteString(c.stepLine(s.color) + "\n")
	b.WriteString(FormatDuration(s.elapsed) + "\n")
	if list := s.notRunList(c); list != "" {
		b.WriteString("\n" + list)
	}
	if s.seed != 0 {
		fmt.Fprintf(&b, "\nRandomized with seed: %s\n", paint(s.color, colors.Yellow, fmt.Sprint(s.seed)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// failures lists every step that went wrong, with its location and why.
func (s summary) failures() string {
	var b strings.Builder
	for _, r := range s.results {
		if r.status != statusFailed && r.status != statusScenario && r.status != statusHarness && r.status != statusTarget || r.aborted {
			continue // an aborted run's one reason is Run's error
		}
		fmt.Fprintf(&b, "  %s %s\n", paint(s.color, colors.Red, "Scenario: "+r.name), paint(s.color, colors.Bold(colors.Black), fmt.Sprintf("# %s:%d", r.uri, r.line)))
		listed := false
		for _, st := range r.steps {
			if st.msg == "" {
				continue
			}
			listed = true
			fmt.Fprintf(&b, "    %s %s\n", paint(s.color, colors.Red, st.text), paint(s.color, colors.Bold(colors.Black), fmt.Sprintf("# %s:%d", r.uri, st.line)))
			fmt.Fprintf(&b, "      %s%s\n\n", paint(s.color, colors.Red, "Error: "), indentRest(st.msg, "      "))
		}
		if !listed && r.msg != "" {
			fmt.Fprintf(&b, "    %s%s\n\n", paint(s.color, colors.Red, "Error: "), indentRest(r.msg, "    "))
		}
	}
	return b.String()
}

// notRunList names the scenarios that never ran or were cut short, with
// why, at most maxListed of them.
func (s summary) notRunList(c counts) string {
	if c.notRun() == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n", paint(s.color, colors.Cyan, fmt.Sprintf("Did not run to the end (%d)", c.notRun())))
	n := 0
	for _, r := range s.results {
		if r.status != statusNotRun && r.status != statusInterrupted && r.status != statusRunning {
			continue
		}
		if n == maxListed {
			fmt.Fprintf(&b, "  ... and %d more\n", c.notRun()-n)
			return b.String()
		}
		n++
		why := r.notRunWhy
		if why == "" {
			why = "unfinished"
		}
		fmt.Fprintf(&b, "  %s:%d: %s (%s)\n", r.uri, r.line, r.name, why)
	}
	if rest := c.notRun() - n; rest > 0 {
		fmt.Fprintf(&b, "  ... and %s that never started\n", plural(rest, "scenario"))
	}
	return b.String()
}

// indentRest indents every line of s but the first.
func indentRest(s, indent string) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+indent)
}

// FormatDuration renders d for people: to the millisecond under a second
// ("16ms"), to the hundredth of a second under a minute ("16.29s"), to the
// second above ("2m5s"), instead of Go's nanoseconds ("16.287474452s").
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
