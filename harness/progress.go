package harness

import (
	"fmt"
	"io"
	"strings"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v34"
)

// progressFmt is godog's progress formatter (a character per step) without
// its summary: the harness prints its own after the run (summary.go),
// counting the scenarios that never ran and rounding the time taken.
// The steps of scenarios that were kept from running (an interrupt,
// fail-fast) get no character: they did not run, and the summary names them.
type progressFmt struct {
	*godog.ProgressFmt
	out io.Writer
	rec *recorder
}

func newProgressFmt(suite string, out io.Writer, rec *recorder) godog.Formatter {
	return &progressFmt{ProgressFmt: godog.NewProgressFmt(suite, out), out: out, rec: rec}
}

// Skipped prints the "-" of a skipped step of a scenario that ran.
func (f *progressFmt) Skipped(p *messages.Pickle, s *messages.PickleStep, d *formatters.StepDefinition) {
	if notRun, _ := f.rec.notRun(p.Id); notRun {
		return
	}
	f.ProgressFmt.Skipped(p, s, d)
}

// Summary ends the last row of step characters with the step count, as
// godog does for full rows.
func (f *progressFmt) Summary() {
	f.Lock.Lock()
	defer f.Lock.Unlock()
	steps, row := *f.Steps, f.StepsPerRow
	if left := steps % row; left != 0 {
		pad := ""
		if steps > row {
			pad = strings.Repeat(" ", row-left)
		}
		fmt.Fprintf(f.out, "%s %d\n", pad, steps)
	}
}
