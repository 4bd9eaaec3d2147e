package results

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/steps"
)

// MessagesProtocolVersion is the version of the Cucumber Messages protocol
// written: the messages module's major version.
const MessagesProtocolVersion = "34.2.0"

// WriteMessages writes doc as Cucumber Messages, one JSON envelope per
// line (NDJSON), as Cucumber's own formatters and tools read them: meta;
// for each feature its source, Gherkin document and pickles; a step
// definition per phrase of the step table used; testRunStarted; per
// scenario a testCase, testCaseStarted, for each step testStepStarted, its
// redacted exchanges as attachments (text/plain) and testStepFinished,
// then testCaseFinished; testRunFinished.
//
// An HCL scenario's source is the Gherkin it compiled to, under the HCL
// file's uri, and every location of its Gherkin document and pickles is
// the HCL line it came from, so a tool that shows uri:line points at the
// HCL. Disabled scenarios have no pickle or test case, as Cucumber emits
// none for scenarios its tag filter leaves out.
func WriteMessages(w io.Writer, doc *Document) error {
	ids := &messages.Incrementing{}
	parsed, err := parseFeatures(doc, ids.NewId)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	emit := func(e *messages.Envelope) error { return enc.Encode(e) }

	tool := doc.Run.Tool
	if err := emit(&messages.Envelope{Meta: &messages.Meta{
		ProtocolVersion: MessagesProtocolVersion,
		Implementation:  &messages.Product{Name: "vaultcheck", Version: tool.Version},
		Runtime:         &messages.Product{Name: "go", Version: strings.TrimPrefix(tool.Go, "go")},
		Os:              &messages.Product{Name: platformPart(tool.Platform, 0)},
		Cpu:             &messages.Product{Name: platformPart(tool.Platform, 1)},
	}}); err != nil {
		return err
	}

	byID := map[string]*Scenario{}
	for i := range doc.Scenarios {
		byID[doc.Scenarios[i].ID] = &doc.Scenarios[i]
	}
	type testCase struct {
		sc     *Scenario
		pickle *messages.Pickle
		tc     *messages.TestCase
	}
	var cases []testCase
	for _, pf := range parsed {
		f := pf.feature
		if err := emit(&messages.Envelope{Source: &messages.Source{Uri: f.URI, Data: f.Gherkin, MediaType: messages.SourceMediaType_TEXT_X_CUCUMBER_GHERKIN_PLAIN}}); err != nil {
			return err
		}
		seen := map[*messages.Location]bool{} // pickles share Locations with the document
		if f.Compiled {
			relocate(pf.doc, f, seen)
		}
		if err := emit(&messages.Envelope{GherkinDocument: pf.doc}); err != nil {
			return err
		}
		for i, p := range pf.pickles {
			sc := byID[pf.ids[i]]
			if sc == nil || sc.Status == Disabled {
				continue
			}
			if f.Compiled {
				relocate(p, f, seen)
			}
			if err := emit(&messages.Envelope{Pickle: p}); err != nil {
				return err
			}
			cases = append(cases, testCase{sc: sc, pickle: p})
		}
	}

	defs := map[string]bool{}
	for _, c := range cases {
		for _, st := range c.sc.Steps {
			if st.Phrase == "" || defs[st.Phrase] {
				continue
			}
			defs[st.Phrase] = true
			pattern := st.Phrase
			if d, ok := steps.Lookup(st.Phrase); ok {
				pattern = d.Pattern.String()
			}
			if err := emit(&messages.Envelope{StepDefinition: &messages.StepDefinition{
				Id:              stepDefID(st.Phrase),
				Pattern:         &messages.StepDefinitionPattern{Source: pattern, Type: messages.StepDefinitionPatternType_REGULAR_EXPRESSION},
				SourceReference: &messages.SourceReference{Uri: "steps/bindings.go"},
			}}); err != nil {
				return err
			}
		}
	}

	runID := ids.NewId()
	if err := emit(&messages.Envelope{TestRunStarted: &messages.TestRunStarted{Id: runID, Timestamp: timestamp(doc.Run.Started)}}); err != nil {
		return err
	}
	for i := range cases {
		c := &cases[i]
		c.tc = &messages.TestCase{Id: ids.NewId(), PickleId: c.pickle.Id, TestRunStartedId: runID}
		for j, ps := range c.pickle.Steps {
			ts := &messages.TestStep{Id: ids.NewId(), PickleStepId: ps.Id}
			if j < len(c.sc.Steps) && c.sc.Steps[j].Phrase != "" {
				ts.StepDefinitionIds = []string{stepDefID(c.sc.Steps[j].Phrase)}
				ts.StepMatchArgumentsLists = []*messages.StepMatchArgumentsList{{StepMatchArguments: []*messages.StepMatchArgument{}}}
			} else {
				ts.StepDefinitionIds = []string{}
			}
			c.tc.TestSteps = append(c.tc.TestSteps, ts)
		}
		if err := emit(&messages.Envelope{TestCase: c.tc}); err != nil {
			return err
		}
	}
	for _, c := range cases {
		at := doc.Run.Started
		if c.sc.Started != nil {
			at = *c.sc.Started
		}
		startedID := ids.NewId()
		if err := emit(&messages.Envelope{TestCaseStarted: &messages.TestCaseStarted{Id: startedID, TestCaseId: c.tc.Id, Timestamp: timestamp(at)}}); err != nil {
			return err
		}
		for _, a := range c.sc.Attachments {
			if err := emit(&messages.Envelope{Attachment: &messages.Attachment{
				Body: a.Body, ContentEncoding: messages.AttachmentContentEncoding_IDENTITY, MediaType: a.MediaType,
				FileName: a.Name, TestCaseStartedId: startedID, Timestamp: timestamp(at),
			}}); err != nil {
				return err
			}
		}
		for j, ts := range c.tc.TestSteps {
			st := Step{Status: Skipped, Result: ResultSkipped}
			if j < len(c.sc.Steps) {
				st = c.sc.Steps[j]
			}
			if err := emit(&messages.Envelope{TestStepStarted: &messages.TestStepStarted{TestCaseStartedId: startedID, TestStepId: ts.Id, Timestamp: timestamp(at)}}); err != nil {
				return err
			}
			for _, ex := range st.Exchanges {
				if err := emit(&messages.Envelope{Attachment: &messages.Attachment{
					Body: ex.Text(), ContentEncoding: messages.AttachmentContentEncoding_IDENTITY, MediaType: "text/plain",
					FileName: fmt.Sprintf("exchange-%d.txt", ex.Seq), TestCaseStartedId: startedID, TestStepId: ts.Id, Timestamp: timestamp(at),
				}}); err != nil {
					return err
				}
			}
			d := st.Duration()
			at = at.Add(d)
			dur := messages.GoDurationToDuration(d)
			res := &messages.TestStepResult{Duration: &dur, Status: messageStatus(st.Result), Message: st.Message}
			if st.Message != "" && st.Status.Rank() > Passed.Rank() {
				res.Exception = &messages.Exception{Type: exceptionType(&st), Message: st.Message}
			}
			if err := emit(&messages.Envelope{TestStepFinished: &messages.TestStepFinished{TestCaseStartedId: startedID, TestStepId: ts.Id, TestStepResult: res, Timestamp: timestamp(at)}}); err != nil {
				return err
			}
		}
		end := at
		if c.sc.Started != nil {
			end = c.sc.Started.Add(c.sc.Duration())
		}
		if err := emit(&messages.Envelope{TestCaseFinished: &messages.TestCaseFinished{TestCaseStartedId: startedID, Timestamp: timestamp(end)}}); err != nil {
			return err
		}
	}
	finished := &messages.TestRunFinished{Success: doc.ExitCode() == ExitPassed, Timestamp: timestamp(doc.Run.Finished), TestRunStartedId: runID}
	if doc.Run.Interrupted {
		finished.Message = "the run was interrupted; its results are incomplete"
	}
	return emit(&messages.Envelope{TestRunFinished: finished})
}

func stepDefID(phrase string) string { return "step:" + phrase }

func timestamp(t time.Time) *messages.Timestamp {
	ts := messages.GoTimeToTimestamp(t)
	return &ts
}

func platformPart(platform string, i int) string {
	parts := strings.SplitN(platform, "/", 2)
	if i < len(parts) && parts[i] != "" {
		return parts[i]
	}
	if i == 0 {
		return runtime.GOOS
	}
	return runtime.GOARCH
}

// messageStatus maps a step's Cucumber result to the Messages status.
func messageStatus(result string) messages.TestStepResultStatus {
	switch result {
	case ResultPassed:
		return messages.TestStepResultStatus_PASSED
	case ResultFailed:
		return messages.TestStepResultStatus_FAILED
	case ResultSkipped:
		return messages.TestStepResultStatus_SKIPPED
	case ResultUndefined:
		return messages.TestStepResultStatus_UNDEFINED
	case ResultPending:
		return messages.TestStepResultStatus_PENDING
	case ResultAmbiguous:
		return messages.TestStepResultStatus_AMBIGUOUS
	}
	return messages.TestStepResultStatus_UNKNOWN
}

// exceptionType names what went wrong, for the exception of a failed
// step: "vaultcheck.TargetFailure", "vaultcheck.TargetError", and so on.
func exceptionType(st *Step) string {
	if st.Status == Error {
		switch st.ErrorKind {
		case ErrorTarget:
			return "vaultcheck.TargetError"
		case ErrorScenario:
			return "vaultcheck.ScenarioError"
		case ErrorHarness:
			return "vaultcheck.HarnessError"
		}
	}
	return "vaultcheck.TargetFailure"
}

var locationType = reflect.TypeFor[*messages.Location]()

// relocate points every Location in v (a Gherkin document or pickle of a
// compiled feature) at the line of the source file it comes from. A line
// that comes from none takes the line of the nearest mapped line above it,
// or 1. Each Location is mapped once: seen holds those already mapped.
func relocate(v any, f *Feature, seen map[*messages.Location]bool) {
	var walk func(r reflect.Value)
	walk = func(r reflect.Value) {
		switch r.Kind() {
		case reflect.Pointer:
			if r.IsNil() {
				return
			}
			if r.Type() == locationType {
				loc := r.Interface().(*messages.Location)
				if seen[loc] {
					return
				}
				seen[loc] = true
				loc.Line = int64(mapLine(f, int(loc.Line)))
				loc.Column = 0
				return
			}
			walk(r.Elem())
		case reflect.Struct:
			for i := range r.NumField() {
				walk(r.Field(i))
			}
		case reflect.Slice:
			for i := range r.Len() {
				walk(r.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(v))
}

func mapLine(f *Feature, line int) int {
	for l := line; l >= 1; l-- {
		if n, ok := f.SourceLine(l); ok {
			return n
		}
	}
	return 1
}
