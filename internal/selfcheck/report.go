package selfcheck

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText writes the kill matrix: one line per fault, "killed" with the
// requirement and the scenario (file:line) that caught it, or SURVIVED;
// then the clean run's failures and a summary.
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	width := 0
	for _, f := range r.Faults {
		width = max(width, len(f.Fault.Name))
	}
	for _, f := range r.Faults {
		if !f.Killed {
			ew.printf("%-*s  SURVIVED  (%d scenarios; should be caught by %s)\n", width, f.Fault.Name, f.Runs, orNone(strings.Join(f.Fault.Requirements, ", ")))
			for _, p := range f.Problems {
				ew.printf("%*s  %s error in %s %q: %s\n", width, "", p.Outcome, p.Scenario.Where(), p.Scenario.Name, p.Message)
			}
			continue
		}
		ew.printf("%-*s  killed    %-20s %s %q (%d scenarios)\n", width, f.Fault.Name, orNone(f.Requirement), f.First.Scenario.Where(), f.First.Scenario.Name, f.Runs)
	}
	if len(r.Clean) > 0 {
		ew.printf("\nthe clean run failed (these scenarios were left out of the fault runs):\n")
		for _, c := range r.Clean {
			step := ""
			if c.Step != "" {
				step = fmt.Sprintf(" step %q:", c.Step)
			}
			ew.printf("  %s %q (%s):%s %s\n", c.Scenario.Where(), c.Scenario.Name, c.Outcome, step, c.Message)
		}
	}
	survivors := len(r.Survivors())
	ew.printf("\n%d of %d faults killed, %d survived; clean run %s; %d scenarios, %d runs, %d workers, %s\n",
		len(r.Faults)-survivors, len(r.Faults), survivors, cleanWord(r), r.Scenarios, r.Runs, r.Workers, r.Elapsed.Round(100*time.Millisecond))
	return ew.err
}

func cleanWord(r *Report) string {
	if len(r.Clean) == 0 {
		return "passed"
	}
	return fmt.Sprintf("FAILED (%d scenarios)", len(r.Clean))
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type jsonScenario struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Name string `json:"name"`
}

type jsonFailure struct {
	Scenario jsonScenario `json:"scenario"`
	Step     string       `json:"step,omitempty"`
	Outcome  string       `json:"outcome"`
	Message  string       `json:"message"`
}

func toJSON(f Failure) jsonFailure {
	return jsonFailure{Scenario: jsonScenario{f.Scenario.File, f.Scenario.Line, f.Scenario.Name}, Step: f.Step,
		Outcome: f.Outcome.String(), Message: f.Message}
}

// WriteJSON writes the report as one JSON document (schema
// "vaultcheck/selfcheck/v1").
func (r *Report) WriteJSON(w io.Writer) error {
	type jsonFault struct {
		Fault        string        `json:"fault"`
		Area         string        `json:"area"`
		Severity     string        `json:"severity"`
		Requirements []string      `json:"requirements"`
		Killed       bool          `json:"killed"`
		Requirement  string        `json:"requirement,omitempty"`
		First        *jsonFailure  `json:"first,omitempty"`
		Runs         int           `json:"runs"`
		Problems     []jsonFailure `json:"problems,omitempty"`
		Seconds      float64       `json:"seconds"`
	}
	doc := struct {
		Schema    string        `json:"schema"`
		OK        bool          `json:"ok"`
		Scenarios int           `json:"scenarios"`
		Clean     []jsonFailure `json:"clean_failures"`
		Faults    []jsonFault   `json:"faults"`
		Killed    int           `json:"killed"`
		Survived  int           `json:"survived"`
		Runs      int           `json:"runs"`
		Workers   int           `json:"workers"`
		Seconds   float64       `json:"seconds"`
	}{Schema: "vaultcheck/selfcheck/v1", OK: r.OK(), Scenarios: r.Scenarios, Clean: []jsonFailure{}, Faults: []jsonFault{},
		Runs: r.Runs, Workers: r.Workers, Seconds: r.Elapsed.Seconds()}
	for _, c := range r.Clean {
		doc.Clean = append(doc.Clean, toJSON(c))
	}
	for _, f := range r.Faults {
		jf := jsonFault{Fault: f.Fault.Name, Area: f.Fault.Area, Severity: string(f.Fault.Severity), Requirements: f.Fault.Requirements,
			Killed: f.Killed, Requirement: f.Requirement, Runs: f.Runs, Seconds: f.Elapsed.Seconds()}
		if jf.Requirements == nil {
			jf.Requirements = []string{}
		}
		if f.First != nil {
			x := toJSON(*f.First)
			jf.First = &x
			doc.Killed++
		} else {
			doc.Survived++
		}
		for _, p := range f.Problems {
			jf.Problems = append(jf.Problems, toJSON(p))
		}
		doc.Faults = append(doc.Faults, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// errWriter keeps the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
