package results

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WriteJUnit writes doc as a JUnit XML report: one <testsuite> per feature
// and one <testcase> per scenario, with the file and line the user wrote
// (the HCL file and line for HCL scenarios) in file and line attributes. A
// wrong answer of the target is a <failure>; an error of any kind (the
// target could not be exercised, the scenario is wrong, the harness broke)
// an <error> whose type says which; a scenario that was skipped or
// disabled is <skipped> with the reason, never a failure.
func WriteJUnit(w io.Writer, doc *Document) error {
	out := &junitSuites{Name: "vaultcheck", Time: seconds(doc.Elapsed())}
	byFeature := map[string]*junitSuite{}
	names := map[string]map[string]int{}
	for _, f := range doc.Features {
		name := f.Name
		if name == "" {
			name = f.URI
		}
		s := &junitSuite{Name: name, File: f.URI}
		byFeature[f.URI] = s
		names[f.URI] = map[string]int{}
	}
	var order []*junitSuite
	used := map[*junitSuite]bool{}
	for _, sc := range doc.Scenarios {
		s := byFeature[sc.Feature]
		if s == nil {
			s = &junitSuite{Name: sc.Feature, File: sc.Feature}
			byFeature[sc.Feature] = s
			names[sc.Feature] = map[string]int{}
		}
		if !used[s] {
			used[s] = true
			order = append(order, s)
		}
		tc := &junitCase{Name: sc.Name, Classname: s.Name, File: sc.File, Line: sc.Line, Status: string(sc.Status), Time: seconds(sc.Duration())}
		if n := names[sc.Feature][sc.Name]; n > 0 {
			tc.Name = fmt.Sprintf("%s #%d", sc.Name, n+1) // outline rows share a name
		}
		names[sc.Feature][sc.Name]++
		for _, a := range sc.Attachments {
			tc.SystemOut += "--- " + a.Name + " ---\n" + a.Body + "\n"
		}
		switch sc.Status {
		case Failed:
			tc.Failure = &junitProblem{Message: FirstProblem(&sc), Type: "failed", Text: problemDetail(&sc)}
			s.Failures++
		case Error:
			tc.Error = &junitProblem{Message: FirstProblem(&sc), Type: string(sc.ErrorKind) + " error", Text: problemDetail(&sc)}
			s.Errors++
		case Skipped:
			tc.Skipped = &junitProblem{Message: sc.Reason}
			s.Skipped++
		case Disabled:
			tc.Skipped = &junitProblem{Message: "disabled: " + sc.Reason}
			s.Skipped++
		}
		s.Tests++
		s.total += sc.Duration()
		s.Cases = append(s.Cases, tc)
	}
	for _, s := range order {
		s.Time = seconds(s.total)
		out.Tests += s.Tests
		out.Skipped += s.Skipped
		out.Failures += s.Failures
		out.Errors += s.Errors
	}
	out.Suites = order
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// FirstProblem is the message of the scenario's first step that went
// wrong, as "Step TEXT: MESSAGE", or the scenario's own message.
func FirstProblem(sc *Scenario) string {
	for _, st := range sc.Steps {
		if st.Message != "" && st.Status.Rank() > Passed.Rank() {
			return "Step " + st.Text + ": " + firstLine(st.Message)
		}
	}
	return firstLine(sc.Message)
}

// problemDetail is the body of a <failure> or <error>: the failing step's
// location and whole message, and its exchanges in short.
func problemDetail(sc *Scenario) string {
	for _, st := range sc.Steps {
		if st.Message == "" || st.Status.Rank() <= Passed.Rank() {
			continue
		}
		s := fmt.Sprintf("%s:%d: %s%s\n%s\n", st.File, st.Line, st.Keyword, st.Text, st.Message)
		for _, ex := range st.Exchanges {
			s += "  " + ex.Summary() + "\n"
		}
		return s
	}
	if sc.Message != "" {
		return fmt.Sprintf("%s:%d: %s\n", sc.File, sc.Line, sc.Message)
	}
	return ""
}

// Summary is the exchange in one line: "POST /vault/items -> 422".
func (e Exchange) Summary() string {
	if e.Error != "" {
		return fmt.Sprintf("%s %s -> error: %s", e.Method, e.URL, firstLine(e.Error))
	}
	return fmt.Sprintf("%s %s -> %d", e.Method, e.URL, e.Status)
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

func seconds(d time.Duration) string { return strconv.FormatFloat(max(d, 0).Seconds(), 'f', 3, 64) }

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
	File     string       `xml:"file,attr,omitempty"`
	Tests    int          `xml:"tests,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Cases    []*junitCase `xml:"testcase"`
	total    time.Duration
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Status    string        `xml:"status,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}
