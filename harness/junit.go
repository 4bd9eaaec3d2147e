package harness

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v34"
)

// junitFmt writes the JUnit XML report from the recorder, so that it
// agrees with the exit code: a wrong answer of the target is a <failure>, a
// mistake of the scenario or a broken harness an <error>, and a scenario
// that never ran (an interrupt, fail-fast) or was cut short by an interrupt
// is <skipped> with the reason. godog's own JUnit report turns each step of
// such a scenario into an <error type="skipped">, which CI counts as
// failures, and omits <skipped> altogether.
type junitFmt struct {
	suite   string
	out     io.Writer
	rec     *recorder
	started time.Time

	mu       sync.Mutex
	features map[string]string // URI -> feature name
}

func newJUnitFmt(suite string, out io.Writer, rec *recorder) *junitFmt {
	return &junitFmt{suite: suite, out: out, rec: rec, features: map[string]string{}}
}

func (f *junitFmt) TestRunStarted() {
	f.mu.Lock()
	f.started = time.Now()
	f.mu.Unlock()
}

func (f *junitFmt) Feature(doc *messages.GherkinDocument, uri string, _ []byte) {
	if doc == nil || doc.Feature == nil {
		return
	}
	u, _ := splitPathLine(uri)
	f.mu.Lock()
	f.features[u] = doc.Feature.Name
	f.mu.Unlock()
}

func (f *junitFmt) Pickle(*messages.Pickle)                                                    {}
func (f *junitFmt) Defined(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {}
func (f *junitFmt) Passed(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition)  {}
func (f *junitFmt) Skipped(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {}
func (f *junitFmt) Undefined(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {
}
func (f *junitFmt) Pending(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {}
func (f *junitFmt) Failed(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition, error) {
}
func (f *junitFmt) Ambiguous(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition, error) {
}

// Summary writes the report; a write error is kept by the report writer.
func (f *junitFmt) Summary() {
	f.mu.Lock()
	doc := buildJUnit(f.suite, f.features, f.rec.scenarios(), time.Since(f.started))
	f.mu.Unlock()
	_, _ = io.WriteString(f.out, xml.Header)
	enc := xml.NewEncoder(f.out)
	enc.Indent("", "  ")
	_ = enc.Encode(doc)
	_, _ = io.WriteString(f.out, "\n")
}

type junitSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Name     string        `xml:"name,attr"`
	Tests    int           `xml:"tests,attr"`
	Skipped  int           `xml:"skipped,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Time     string        `xml:"time,attr"`
	Suites   []*junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Cases    []*junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Status    string        `xml:"status,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(max(d, 0).Seconds(), 'f', 3, 64) }

// buildJUnit groups results by feature file, in file order.
func buildJUnit(name string, features map[string]string, results []scenarioResult, elapsed time.Duration) *junitSuites {
	doc := &junitSuites{Name: name, Time: seconds(elapsed)}
	byURI := map[string]*junitSuite{}
	seen := map[*junitSuite]map[string]int{}
	for _, r := range results {
		s := byURI[r.uri]
		if s == nil {
			fname := features[r.uri]
			if fname == "" {
				fname = r.uri
			}
			s = &junitSuite{Name: fname}
			byURI[r.uri] = s
			seen[s] = map[string]int{}
			doc.Suites = append(doc.Suites, s)
		}
		tc := &junitCase{Name: r.name, Classname: s.Name, Time: seconds(r.finished.Sub(r.started))}
		if n := seen[s][r.name]; n > 0 {
			tc.Name = fmt.Sprintf("%s #%d", r.name, n+1) // outline rows share a name
		}
		seen[s][r.name]++
		why := firstProblem(r)
		switch r.status {
		case statusPassed:
			tc.Status = "passed"
		case statusFailed:
			tc.Status, tc.Failure = "failed", &junitProblem{Message: why, Type: "failed"}
			s.Failures++
		case statusScenario:
			tc.Status, tc.Error = "error", &junitProblem{Message: why, Type: "scenario error"}
			s.Errors++
		case statusHarness:
			tc.Status, tc.Error = "error", &junitProblem{Message: why, Type: "harness error"}
			s.Errors++
		case statusTargetError:
			tc.Status, tc.Error = "error", &junitProblem{Message: why, Type: "target error"}
			s.Errors++
		default: // not run, interrupted, unfinished
			msg := r.notRunWhy
			if msg == "" {
				msg = "unfinished"
			}
			tc.Status, tc.Skipped = "skipped", &junitProblem{Message: "not run: " + msg}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	for _, s := range doc.Suites {
		var total time.Duration
		for _, r := range results {
			if byURI[r.uri] == s {
				total += r.finished.Sub(r.started)
			}
		}
		s.Time = seconds(total)
		doc.Tests += s.Tests
		doc.Skipped += s.Skipped
		doc.Failures += s.Failures
		doc.Errors += s.Errors
	}
	return doc
}

// firstProblem is the message of the first step that went wrong, as
// "Step TEXT: MESSAGE", or the scenario's own problem.
func firstProblem(r scenarioResult) string {
	for _, st := range r.steps {
		if st.msg != "" {
			return "Step " + st.text + ": " + st.msg
		}
	}
	return r.msg
}
