package harness

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/cucumber/godog"
)

// ErrReport reports a report (a FORMAT:FILE of the format list, or the
// console) that could not be created or written completely. The run exits
// with ExitReport, because a CI job that reads a truncated JUnit file would
// otherwise believe it.
var ErrReport = errors.New("cannot write report")

// routeFormat is the one formatter name the harness hands godog, once per
// entry of the format list. godog creates report files itself (os.Create,
// ignoring every write and close error) and looks formatters up by name in a
// process-wide registry where the first registration of a name wins, so
// neither the files nor "pretty" could be replaced. Each time godog asks this
// name for a formatter it gets the next one the harness prepared, writing
// where the harness says. Runs are serialised (runMu), so one queue serves.
const routeFormat = "vaultcheck-route"

// routeQueue holds the formatters of the current run, in the order of its
// format list; guarded by runMu.
var routeQueue []func(suite string) godog.Formatter

// The route is registered at init, as godog registers its own formatters,
// because godog's registry is a plain slice: registering later could race
// with a reader of godog.AvailableFormatters.
func init() {
	godog.Format(routeFormat, "vaultcheck's own routing of its formats (internal)",
		func(suite string, _ io.Writer) godog.Formatter {
			if len(routeQueue) == 0 {
				// godog asked for more formatters than the format list
				// has: an invariant of the harness broke (Run recovers).
				panic("harness: godog asked for an unplanned formatter")
			}
			next := routeQueue[0]
			routeQueue = routeQueue[1:]
			return next(suite)
		})
}

// routeFormats queues the run's formatters and returns the Format option
// for godog: the route's name once per formatter.
func routeFormats(makers []func(suite string) godog.Formatter) string {
	routeQueue = makers
	names := make([]string, len(makers))
	for i := range names {
		names[i] = routeFormat
	}
	return strings.Join(names, ",")
}

// reportWriter is where one report goes: a file, or the console. It keeps
// the first write error, which godog's formatters ignore, so that the run
// can fail with ExitReport instead of leaving a truncated report behind.
type reportWriter struct {
	name string // the file as the user gave it, or "" for the console
	w    io.Writer
	file *os.File // nil for the console

	mu  sync.Mutex // formatters may write from several goroutines
	err error
}

func (r *reportWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

// fail records err as the report's error unless it has one already.
func (r *reportWriter) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// close closes a report file and returns the report's error, if any, as
// "cannot write report FILE: ...". A regular file that could not be written
// completely is removed, so that nothing downstream reads half a report.
func (r *reportWriter) close() error {
	if r.file != nil {
		if err := r.file.Close(); err != nil {
			r.fail(err)
		}
	}
	r.mu.Lock()
	err := r.err
	r.mu.Unlock()
	if err == nil {
		return nil
	}
	if r.name == "" {
		return fmt.Errorf("%w to the console: %v", ErrReport, unwrapPathError(err))
	}
	err = fmt.Errorf("%w %s: %v", ErrReport, r.name, unwrapPathError(err))
	if fi, serr := os.Stat(r.name); serr == nil && fi.Mode().IsRegular() && os.Remove(r.name) == nil {
		err = fmt.Errorf("%w (the incomplete file was removed)", err)
	}
	return err
}

// openReport creates (or truncates) the report file of s.
func openReport(s formatSpec) (*reportWriter, error) {
	f, err := os.Create(s.path)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrReport, s.path, unwrapPathError(err))
	}
	return &reportWriter{name: s.path, w: f, file: f}, nil
}

// closeReports closes every report and joins their errors.
func closeReports(rs []*reportWriter) error {
	var errs []error
	for _, r := range rs {
		if err := r.close(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return reportErrors(errs)
}

// reportErrors is several report errors, one per line, each matching
// ErrReport.
type reportErrors []error

func (e reportErrors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

func (e reportErrors) Unwrap() []error { return e }

// ansiRe matches the colour sequences godog's formatters write.
var ansiRe = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// uncolored strips colour sequences from what is written through it.
// godog's own colors.Uncolored writes one rune per call and drops the
// errors of the writer below.
type uncolored struct{ w io.Writer }

func (u uncolored) Write(p []byte) (int, error) {
	if _, err := u.w.Write(ansiRe.ReplaceAll(p, nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// checkReportPath checks, before anything runs, that the report file of s
// can be created: its folders are made, and it is opened without being
// truncated (a run refused later keeps the previous report).
func checkReportPath(s formatSpec) error {
	if dir := filepath.Dir(s.path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("%w %s: %v", ErrReport, s.path, unwrapPathError(err))
		}
	}
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("%w %s: %v", ErrReport, s.path, unwrapPathError(err))
	}
	return f.Close()
}

// unwrapPathError drops the operation and path of an *fs.PathError, which
// the report messages already name.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
