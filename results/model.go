// Package results is the model of one vaultcheck run as every report sees
// it: the run's metadata, each scenario with its stable id, status, steps,
// redacted exchanges and crypto ledger summary. The harness builds a
// Document after a run; results.json is that Document, versioned and
// checked against the JSON Schema committed beside it; every other report
// (JUnit, Cucumber JSON, Cucumber Messages, the HTML report, the console
// summary) is rendered from a Document, so a report made later from a
// results.json, or from the merge of several shards, is the report the run
// itself would have written.
//
// A Document never holds a secret: the exchanges it carries were redacted
// by the recording transport and scrubbed of every secret and plaintext the
// scenario knew, and step messages went through the same scrubber.
package results

import (
	"fmt"
	"slices"
	"time"
)

// SchemaID is the value of Document.Schema for this version of the format.
// A change that a reader of v1 could misread gets a new version.
const SchemaID = "vaultcheck/results/v1"

// Status is how a scenario or a step ended. Statuses are ordered, as the
// OCI distribution-spec conformance suite orders them: Disabled < Skipped
// < Passed < Failed < Error. The status of a group (a scenario's steps, a
// run's scenarios) is the greatest of its members'.
type Status string

// The statuses, in order.
const (
	// Disabled: not selected for this run, by a tag filter or (for
	// certification) a profile. Reason says which.
	Disabled Status = "disabled"
	// Skipped: selected but not run: the run was interrupted, fail-fast
	// stopped it, or an earlier step failed. Reason says which.
	Skipped Status = "skipped"
	// Passed: every step passed.
	Passed Status = "passed"
	// Failed: the target answered wrongly.
	Failed Status = "failed"
	// Error: the scenario could not judge the target: the target could not
	// be exercised, the scenario is wrong, or the harness broke. ErrorKind
	// says which.
	Error Status = "error"
)

// Statuses lists every status in order.
var Statuses = []Status{Disabled, Skipped, Passed, Failed, Error}

// Rank is the status's position in the order; -1 for an unknown status.
func (s Status) Rank() int { return slices.Index(Statuses, s) }

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return s.Rank() >= 0 }

// Worst returns the greater of a and b in the status order.
func Worst(a, b Status) Status {
	if b.Rank() > a.Rank() {
		return b
	}
	return a
}

// ErrorKind says why a step or scenario has status Error.
type ErrorKind string

// The error kinds, in the order of the exit codes they cause when several
// apply: a broken harness first, then a wrong scenario, then a target that
// could not be exercised.
const (
	// ErrorTarget: the target could not be exercised (connection refused
	// or reset, no answer in time, a 5xx, a body that is not JSON).
	ErrorTarget ErrorKind = "target"
	// ErrorScenario: the scenario is wrong (an undefined, ambiguous or
	// pending step, an unknown user).
	ErrorScenario ErrorKind = "scenario"
	// ErrorHarness: vaultcheck itself broke.
	ErrorHarness ErrorKind = "harness"
)

// Exit codes a Document implies (see Document.ExitCode); they are the
// vaultcheck command's.
const (
	ExitPassed      = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitHarness     = 3
	ExitUnexercised = 4
)

// Document is one run, or the merge of the shards of one run.
type Document struct {
	// Schema is SchemaID.
	Schema string `json:"schema"`
	// Run is the metadata of the run.
	Run Run `json:"run"`
	// Totals count the scenarios and steps by status. Read checks them
	// against the scenarios.
	Totals Totals `json:"totals"`
	// Features are the feature files the scenarios come from, with the
	// Gherkin that ran, so that a report that needs the documents
	// (Cucumber Messages) can be made from a results.json alone.
	Features []Feature `json:"features"`
	// Scenarios are every scenario of the run, disabled ones included, in
	// file order.
	Scenarios []Scenario `json:"scenarios"`
}

// Run is the metadata of a run.
type Run struct {
	// Tool is the vaultcheck build that ran.
	Tool Tool `json:"tool"`
	// SuiteDigest is "sha256:<hex>" over the files the scenarios were
	// loaded from (see SuiteDigest): two runs with the same digest ran the
	// same features and scenarios.
	SuiteDigest string `json:"suite_digest"`
	// Target is "inproc" or the target's base URL (credentials never
	// appear: URLs with them are refused).
	Target string `json:"target"`
	// Keys is the key source: "fast" or "fresh".
	Keys string `json:"keys"`
	// Seed orders scenarios within a feature: 0 file order.
	Seed int64 `json:"seed"`
	// Concurrency is how many scenarios ran at once.
	Concurrency int `json:"concurrency"`
	// Tags is the tag filter as given ("" for none).
	Tags string `json:"tags,omitempty"`
	// FailFast says the run stopped at the first scenario that did not
	// pass.
	FailFast bool `json:"fail_fast,omitempty"`
	// Started and Finished bound the run (the earliest start and latest
	// end of its shards for a merge).
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Interrupted says the run was stopped (Ctrl-C, SIGTERM) before the
	// end: its results are incomplete.
	Interrupted bool `json:"interrupted,omitempty"`
	// ExitCode is what the run exited with, as the run decided it.
	ExitCode int `json:"exit_code"`
	// Shard is which part of the run this document holds; nil for a whole
	// run (or a merge).
	Shard *Shard `json:"shard,omitempty"`
	// Shards are the shards a merged document was made from, in index
	// order; nil otherwise.
	Shards []ShardRun `json:"shards,omitempty"`
}

// Tool is the vaultcheck build that ran.
type Tool struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// Shard names one part of a sharded run.
type Shard struct {
	// Index is 1-based; Total is the number of shards.
	Index int `json:"index"`
	Total int `json:"total"`
	// Scenarios is how many scenarios the whole run has, over every
	// shard; AllIDs is "sha256:<hex>" of their ids (IDsDigest), so that
	// a merge can tell that its shards add up to the whole run.
	Scenarios int    `json:"scenarios"`
	AllIDs    string `json:"all_ids"`
	// Balanced says the partition was balanced by the durations of an
	// earlier run rather than made round-robin.
	Balanced bool `json:"balanced,omitempty"`
}

// ShardRun records one shard of a merged document.
type ShardRun struct {
	Shard    Shard     `json:"shard"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	ExitCode int       `json:"exit_code"`
	Target   string    `json:"target"`
}

// Totals count scenarios and steps by status.
type Totals struct {
	Scenarios map[Status]int `json:"scenarios"`
	Steps     map[Status]int `json:"steps"`
}

// Feature is one feature file as it ran.
type Feature struct {
	// URI names the feature: the .feature or .hcl file.
	URI string `json:"uri"`
	// Name is the feature's name ("" for none).
	Name string `json:"name"`
	// Keyword is the Gherkin keyword of the feature ("Feature",
	// "Fonctionnalité").
	Keyword string `json:"keyword"`
	// Description is the feature's free text.
	Description string `json:"description,omitempty"`
	// Language is the Gherkin dialect ("en").
	Language string `json:"language"`
	// Gherkin is the Gherkin text that ran: the file itself, or what an
	// HCL scenario file compiled to. Lines reported elsewhere are the
	// lines of URI, which for HCL files are the HCL lines.
	Gherkin string `json:"gherkin"`
	// Compiled says Gherkin was compiled from URI (an HCL file) rather
	// than read from it.
	Compiled bool `json:"compiled,omitempty"`
	// SourceLines maps the lines of a compiled Gherkin to the lines of
	// URI: line n of Gherkin comes from line SourceLines[n-1] of the HCL
	// file, 0 where no line does. Absent for Gherkin files.
	SourceLines []int `json:"source_lines,omitempty"`
}

// SourceLine maps a line of f.Gherkin to the line of f.URI it comes
// from; for a Gherkin file, the line itself. ok is false for a compiled
// line that comes from no line of the source.
func (f *Feature) SourceLine(line int) (int, bool) {
	if !f.Compiled {
		return line, true
	}
	if line < 1 || line > len(f.SourceLines) || f.SourceLines[line-1] == 0 {
		return 0, false
	}
	return f.SourceLines[line-1], true
}

// Scenario is one scenario, or one Examples row of an outline.
type Scenario struct {
	// ID is stable across runs and edits elsewhere in the file: the
	// file, the scenario's name and, for an outline, its Examples row
	// (see ScenarioID). It is what shards partition and merges join on.
	ID string `json:"id"`
	// Name is the scenario's name, placeholders of an outline filled.
	Name string `json:"name"`
	// Feature is the URI of the feature the scenario belongs to.
	Feature string `json:"feature"`
	// Keyword is "Scenario", "Scenario Outline", "Example" or the like.
	Keyword string `json:"keyword"`
	// File and Line locate the scenario in the file the user wrote (the
	// Examples row for outlines); for HCL scenarios the HCL file and line.
	File string `json:"file"`
	Line int    `json:"line"`
	// Tags are the scenario's tags with their "@", inherited ones
	// included.
	Tags []string `json:"tags"`
	// Requirements are the requirements the tags name (Requirements).
	Requirements []ReqRef `json:"requirements"`
	// Status is the greatest status of its steps, or Disabled or Skipped
	// when it did not run.
	Status Status `json:"status"`
	// ErrorKind says why the status is Error.
	ErrorKind ErrorKind `json:"error_kind,omitempty"`
	// Reason says why a scenario is Disabled or Skipped.
	Reason string `json:"reason,omitempty"`
	// Message is a problem of the scenario as a whole, not of one step
	// (a failure no step checked, a ledger that does not re-verify).
	Message string `json:"message,omitempty"`
	// Started is when the scenario started (zero when it did not run);
	// DurationNS is how long it took.
	Started    *time.Time `json:"started,omitempty"`
	DurationNS int64      `json:"duration_ns"`
	// Steps are the scenario's steps, Background steps first; empty for a
	// disabled scenario.
	Steps []Step `json:"steps"`
	// Ledger summarizes the scenario's crypto ledger; nil when the
	// scenario did not run.
	Ledger *Ledger `json:"ledger,omitempty"`
	// Attachments are further evidence: a target's log, for instance.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Duration is the scenario's duration.
func (s *Scenario) Duration() time.Duration { return time.Duration(s.DurationNS) }

// Step is one step of a scenario.
type Step struct {
	// Keyword is the step's Gherkin keyword with its trailing space
	// ("Given ", "And ").
	Keyword string `json:"keyword"`
	// Text is the step's text; Table and DocString its argument.
	Text      string     `json:"text"`
	Table     [][]string `json:"table,omitempty"`
	DocString *DocString `json:"doc_string,omitempty"`
	// Phrase is the ID of the step table's phrase it matched
	// ("share.item"); "" when it matched none.
	Phrase string `json:"phrase,omitempty"`
	// File and Line locate the step where the user wrote it.
	File string `json:"file"`
	Line int    `json:"line"`
	// Status is the step's status; ErrorKind why it is Error.
	Status    Status    `json:"status"`
	ErrorKind ErrorKind `json:"error_kind,omitempty"`
	// Result is the step's Cucumber result: passed, failed, skipped,
	// undefined, pending or ambiguous.
	Result string `json:"result"`
	// Message says why the step did not pass ("" when it did).
	Message    string `json:"message,omitempty"`
	DurationNS int64  `json:"duration_ns"`
	// Exchanges are the HTTP exchanges the step made, redacted.
	Exchanges []Exchange `json:"exchanges,omitempty"`
}

// Duration is the step's duration.
func (s *Step) Duration() time.Duration { return time.Duration(s.DurationNS) }

// DocString is a step's doc string argument.
type DocString struct {
	MediaType string `json:"media_type,omitempty"`
	Content   string `json:"content"`
}

// The Cucumber results of a step.
const (
	ResultPassed    = "passed"
	ResultFailed    = "failed"
	ResultSkipped   = "skipped"
	ResultUndefined = "undefined"
	ResultPending   = "pending"
	ResultAmbiguous = "ambiguous"
)

// Exchange is one redacted HTTP request and its response.
type Exchange struct {
	// Seq numbers the exchanges of a scenario from 1.
	Seq int `json:"seq"`
	// Actor is the user the request acted for ("" for none).
	Actor  string `json:"actor,omitempty"`
	Method string `json:"method"`
	// URL is redacted: a path segment that may hold a token is replaced.
	URL string `json:"url"`
	// RequestHeaders and ResponseHeaders are the headers worth showing,
	// secret ones redacted.
	RequestHeaders map[string][]string `json:"request_headers,omitempty"`
	RequestBody    string              `json:"request_body,omitempty"`
	// Status is 0 when the round trip failed (Error says why).
	Status          int                 `json:"status"`
	ResponseHeaders map[string][]string `json:"response_headers,omitempty"`
	ResponseBody    string              `json:"response_body,omitempty"`
	DurationNS      int64               `json:"duration_ns"`
	Error           string              `json:"error,omitempty"`
}

// Ledger summarizes a scenario's crypto ledger.
type Ledger struct {
	// Entries is how many operations were recorded; ByOp counts them by
	// operation (generate, derive, wrap, unwrap, encrypt, decrypt, hash,
	// check, refuse).
	Entries int            `json:"entries"`
	ByOp    map[string]int `json:"by_op"`
	// Checked entries were re-done at the end of the scenario and matched;
	// Skipped ones could not be re-done (an RSA wrap without the private
	// key); Errors are the ones that did not match.
	Checked int      `json:"checked"`
	Skipped int      `json:"skipped"`
	Errors  []string `json:"errors,omitempty"`
	// Verified is true when the ledger was re-checked and every checkable
	// entry matched.
	Verified bool `json:"verified"`
}

// Attachment is evidence attached to a scenario.
type Attachment struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Body      string `json:"body"`
}

// Count recomputes the totals of the scenarios.
func Count(scenarios []Scenario) Totals {
	t := Totals{Scenarios: map[Status]int{}, Steps: map[Status]int{}}
	for _, s := range Statuses {
		t.Scenarios[s], t.Steps[s] = 0, 0
	}
	for _, sc := range scenarios {
		t.Scenarios[sc.Status]++
		for _, st := range sc.Steps {
			t.Steps[st.Status]++
		}
	}
	return t
}

// Total is the number of scenarios or steps counted in m.
func Total(m map[Status]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// ExitCode is the exit code the scenarios imply: 3 when the harness broke
// or the run was interrupted, else 2 for a wrong scenario, else 4 for a
// target that could not be exercised, else 1 for a failure, else 0. A
// report that could not be written (5) is not in the document.
func (d *Document) ExitCode() int {
	if d.Run.Interrupted {
		return ExitHarness
	}
	var kinds = map[ErrorKind]bool{}
	failed := false
	for _, sc := range d.Scenarios {
		switch sc.Status {
		case Error:
			kinds[sc.ErrorKind] = true
		case Failed:
			failed = true
		}
	}
	switch {
	case kinds[ErrorHarness]:
		return ExitHarness
	case kinds[ErrorTarget]:
		return ExitUnexercised
	case kinds[ErrorScenario]:
		return ExitUsage
	case failed:
		return ExitFailed
	}
	return ExitPassed
}

// Scenario returns the scenario with the given id.
func (d *Document) Scenario(id string) (*Scenario, bool) {
	for i := range d.Scenarios {
		if d.Scenarios[i].ID == id {
			return &d.Scenarios[i], true
		}
	}
	return nil, false
}

// Feature returns the feature with the given URI.
func (d *Document) Feature(uri string) (*Feature, bool) {
	for i := range d.Features {
		if d.Features[i].URI == uri {
			return &d.Features[i], true
		}
	}
	return nil, false
}

// Elapsed is the run's wall time.
func (d *Document) Elapsed() time.Duration { return max(d.Run.Finished.Sub(d.Run.Started), 0) }

// Where renders a location as "file:line".
func Where(file string, line int) string { return fmt.Sprintf("%s:%d", file, line) }
