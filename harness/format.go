package harness

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/results"
)

// ErrBadFormat reports a format list godog would reject or mishandle.
var ErrBadFormat = errors.New("bad format")

// DefaultFormat is the console format when none is given: a character per
// step, then the summary ("pretty" shows every step).
const DefaultFormat = "progress"

// formatSpec is one entry of a format list: a formatter name and the file
// it writes to ("" = the console, Options.Output).
type formatSpec struct {
	name string
	path string
}

// fromResults reports whether the format is rendered from the run's
// results after the run (json, html, message, junit, cucumber) rather than
// written by a godog formatter as the run goes.
func (s formatSpec) fromResults() bool { return isResultsFormat(s.name) }

// isResultsFormat reports whether name is one of the formats rendered from
// the results document. "summary" is left to `vaultcheck report`: a run's
// console formats print their own.
func isResultsFormat(name string) bool {
	_, ok := results.Formats[name]
	return ok && name != "summary"
}

// parseFormats validates a comma-separated format list such as
// "progress,junit:out/junit.xml,json:out/results.json". Every name must be
// a format made from the results (results.Formats) or a registered godog
// formatter; at most one entry may write to the
// console, since two formatters interleaving on one stream produce neither
// report; no two entries may write the same file. An empty list means
// DefaultFormat (godog itself exits 2 on an empty format).
func parseFormats(list string) ([]formatSpec, error) {
	if strings.TrimSpace(list) == "" {
		list = DefaultFormat
	}
	known := godog.AvailableFormatters()
	delete(known, routeFormat)
	for name := range results.Formats {
		if isResultsFormat(name) {
			known[name] = "made from the run's results"
		}
	}
	var names []string
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names)

	var specs []formatSpec
	console := ""
	files := map[string]bool{}
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("%w %q: empty entry (a stray comma?)", ErrBadFormat, list)
		}
		name, path, hasPath := strings.Cut(entry, ":")
		name = strings.TrimSpace(name)
		if _, ok := known[name]; !ok {
			return nil, fmt.Errorf("%w %q: unknown formatter %q (known: %s)", ErrBadFormat, list, name, strings.Join(names, ", "))
		}
		if hasPath {
			path = strings.TrimSpace(path)
			if path == "" {
				return nil, fmt.Errorf("%w %q: %q names no file after \":\"", ErrBadFormat, list, entry)
			}
			clean := filepath.Clean(path)
			if files[clean] {
				return nil, fmt.Errorf("%w %q: two formatters write %s", ErrBadFormat, list, path)
			}
			files[clean] = true
		} else {
			if console != "" {
				return nil, fmt.Errorf("%w %q: both %q and %q write to the console; give one of them a file (%s:FILE)", ErrBadFormat, list, console, name, name)
			}
			console = name
		}
		specs = append(specs, formatSpec{name: name, path: path})
	}
	return specs, nil
}

// prepareFormatFiles creates the parent folders of every report file and
// checks each file can be created, so that an unwritable report is reported
// (ExitReport) before anything runs rather than after.
func prepareFormatFiles(specs []formatSpec) error {
	for _, s := range specs {
		if s.path == "" {
			continue
		}
		if err := checkReportPath(s); err != nil {
			return err
		}
	}
	return nil
}

// makeFormatter returns the formatter of s writing to out: the harness's
// own for progress, pretty and junit, godog's for the rest.
func makeFormatter(s formatSpec, out io.Writer, color bool, rec *recorder, progress string, total int) func(suite string) godog.Formatter {
	if s.name == "progress" && s.path == "" && progress == ProgressBar {
		bar := newBarFmt(out, color, total, rec)
		return func(string) godog.Formatter { return bar }
	}
	return func(suite string) godog.Formatter {
		w := out
		if !color {
			w = uncolored{out}
		}
		switch s.name {
		case "progress":
			return newProgressFmt(suite, w, rec)
		case "pretty":
			return newPrettyFmt(out, color, rec)
		}
		return godog.FindFmt(s.name)(suite, w)
	}
}

// hasSummary reports whether the format name prints the run's summary
// after its own output.
func hasSummary(name string) bool { return name == "progress" || name == "pretty" }

// nopFmt is the formatter godog gets when every format of the run is made
// from its results: godog refuses to run without one.
type nopFmt struct{}

func (nopFmt) TestRunStarted()                                                            {}
func (nopFmt) Feature(*messages.GherkinDocument, string, []byte)                          {}
func (nopFmt) Pickle(*messages.Pickle)                                                    {}
func (nopFmt) Defined(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {}
func (nopFmt) Failed(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition, error) {
}
func (nopFmt) Passed(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition)    {}
func (nopFmt) Skipped(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition)   {}
func (nopFmt) Undefined(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {}
func (nopFmt) Pending(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition)   {}
func (nopFmt) Ambiguous(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition, error) {
}
func (nopFmt) Summary() {}
