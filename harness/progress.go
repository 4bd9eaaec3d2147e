package harness

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

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

// How the progress format shows itself (Options.Progress).
const (
	// ProgressAuto shows a bar on a terminal and character rows
	// elsewhere (a CI log, a file, a pipe).
	ProgressAuto = "auto"
	// ProgressBar always shows the bar.
	ProgressBar = "bar"
	// ProgressPlain always shows character rows (--no-progress).
	ProgressPlain = "plain"
)

// progressMode resolves ProgressAuto for the run's console.
func (p *plan) progressMode() string {
	switch p.progress {
	case ProgressBar, ProgressPlain:
		return p.progress
	}
	if isTerminal(p.output) {
		return ProgressBar
	}
	return ProgressPlain
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// barFmt is the progress format on a terminal: one line that shows the
// scenarios done out of the run's, the failures so far and the time left,
// redrawn as scenarios end and cleared at the end, before the summary.
// The recorder drives it (recorder.done), so the bar counts scenarios, not
// godog's step events.
type barFmt struct {
	nopFmt
	mu     sync.Mutex
	bar    *progressbar.ProgressBar
	failed int
	notRun int
}

// newBarFmt makes the bar for total scenarios, writing to out, and has
// rec report every scenario that ends to it.
func newBarFmt(out io.Writer, color bool, total int, rec *recorder) *barFmt {
	f := &barFmt{}
	f.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription("scenarios"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(color),
		progressbar.OptionSetRenderBlankState(true),
	)
	rec.done = f.scenarioDone
	return f
}

// scenarioDone counts one scenario that ended with status.
func (f *barFmt) scenarioDone(status scenarioStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch status {
	case statusPassed:
	case statusNotRun, statusInterrupted:
		f.notRun++
	default:
		f.failed++
	}
	desc := "scenarios"
	if f.failed > 0 {
		desc = fmt.Sprintf("scenarios, %d failed", f.failed)
	}
	if f.notRun > 0 {
		desc += fmt.Sprintf(", %d not run", f.notRun)
	}
	f.bar.Describe(desc)
	_ = f.bar.Add(1) // a write error is kept by the report writer
}

// Summary clears the bar; the harness prints the summary below it.
func (f *barFmt) Summary() {
	f.mu.Lock()
	defer f.mu.Unlock()
	_ = f.bar.Finish()
	_ = f.bar.Clear()
}
