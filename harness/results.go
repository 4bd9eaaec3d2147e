package harness

import (
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/internal/gherkindoc"
	"github.com/vaultcheck/vaultcheck/internal/redact"
	"github.com/vaultcheck/vaultcheck/internal/version"
	"github.com/vaultcheck/vaultcheck/results"
	"github.com/vaultcheck/vaultcheck/steps"
)

// runInfo is what the results document needs of a run beyond the plan and
// the recorder.
type runInfo struct {
	started, finished time.Time
	interrupted       bool
	exitCode          int
	tags              string
	failFast          bool
}

// document builds the results of the run: every scenario of its features
// (those its tag filter left out as disabled) that belongs to its shard,
// with what the recorder saw of each.
func (p *plan) document(rec *recorder, info runInfo) *results.Document {
	tool := version.Get()
	doc := &results.Document{
		Schema: results.SchemaID,
		Run: results.Run{
			Tool:        results.Tool{Name: "vaultcheck", Version: tool.Version, Commit: tool.Commit, Modified: tool.Modified, Go: tool.Go, Platform: tool.Platform},
			Target:      p.targetName(),
			Keys:        p.keys,
			Seed:        p.seed,
			Concurrency: p.concurrency,
			Tags:        info.tags,
			FailFast:    info.failFast,
			Started:     info.started.UTC(),
			Finished:    info.finished.UTC(),
			Interrupted: info.interrupted,
			ExitCode:    info.exitCode,
			Shard:       p.shard,
		},
	}
	var sources []results.SourceFile
	for _, uri := range p.features.order {
		pf := p.features.parsed[uri]
		doc.Features = append(doc.Features, featureOf(pf))
		sources = append(sources, results.SourceFile{Name: uri, Contents: pf.contents})
	}
	doc.Run.SuiteDigest = results.SuiteDigest(sources)

	byStable := map[string]scenarioResult{}
	for _, res := range rec.scenarios() {
		if res.stable != "" {
			byStable[res.stable] = res
		}
	}
	selected := map[string]bool{}
	for _, sp := range p.selected {
		selected[sp.id()] = true
	}
	for _, sp := range p.features.all() {
		id := sp.id()
		if p.inShard != nil && !p.inShard[id] {
			continue
		}
		sc := scenarioOf(sp)
		res, ran := byStable[id]
		switch {
		case !selected[id]:
			sc.Status, sc.Reason = results.Disabled, "excluded by the tag filter "+quote(info.tags)
			if why, ok := p.disabled[id]; ok {
				sc.Reason = why
			}
			for i := range sc.Steps {
				sc.Steps[i].Status = results.Disabled
			}
		case !ran:
			sc.Status, sc.Reason = results.Skipped, "not run: the run ended before it started"
		default:
			fillScenario(&sc, &res)
		}
		doc.Scenarios = append(doc.Scenarios, sc)
	}
	results.SortScenarios(doc)
	doc.Totals = results.Count(doc.Scenarios)
	return doc
}

func quote(s string) string { return `"` + s + `"` }

// targetName is the target as reports show it: "inproc" or the URL.
func (p *plan) targetName() string {
	if p.target == nil {
		return TargetInproc
	}
	if p.target.inproc {
		return TargetInproc
	}
	return redactURL(p.target.name)
}

// featureOf describes one feature file for the results.
func featureOf(pf *parsedFeature) results.Feature {
	name, keyword, desc, lang := results.FeatureInfo(pf.doc)
	f := results.Feature{URI: pf.uri, Name: name, Keyword: keyword, Description: desc, Language: lang,
		Gherkin: string(pf.contents), Compiled: pf.compiled}
	if pf.compiled {
		n := strings.Count(f.Gherkin, "\n") + 1
		f.SourceLines = make([]int, n)
		for id, gen := range astLines(pf.doc) {
			if src, ok := pf.lines[id]; ok && gen >= 1 && int(gen) <= n {
				f.SourceLines[gen-1] = int(src)
			}
		}
	}
	return f
}

// astLines maps the id of every scenario, step and Examples row of doc to
// its line in the Gherkin text.
func astLines(doc *messages.GherkinDocument) map[string]int64 {
	out := map[string]int64{}
	if doc == nil || doc.Feature == nil {
		return out
	}
	steps := func(st []*messages.Step) {
		for _, s := range st {
			out[s.Id] = s.Location.Line
		}
	}
	scenario := func(sc *messages.Scenario) {
		out[sc.Id] = sc.Location.Line
		steps(sc.Steps)
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				out[row.Id] = row.Location.Line
			}
		}
	}
	gherkindoc.Walk(doc.Feature, steps, scenario)
	return out
}

// scenarioOf describes a scenario as written, every step skipped: what
// the recorder saw is filled in by fillScenario. A step that matches one
// phrase of the step table is named by its ID (a run with steps of its
// own may match none).
func scenarioOf(sp *selectedPickle) results.Scenario {
	pf, p := sp.feature, sp.pickle
	keywords := astKeywords(pf.doc)
	sc := results.Scenario{
		ID: sp.id(), Name: p.Name, Feature: pf.uri, Keyword: keywords[p.AstNodeIds[0]],
		File: pf.uri, Line: int(sp.line()), Tags: sp.tags(), Steps: []results.Step{},
	}
	if sc.Keyword == "" {
		sc.Keyword = "Scenario"
	}
	if sc.Tags == nil {
		sc.Tags = []string{}
	}
	sc.Requirements = results.Requirements(sc.Tags)
	for _, ps := range p.Steps {
		st := results.Step{Keyword: keywords[ps.AstNodeIds[0]], Text: ps.Text, File: pf.uri,
			Line: int(pf.lines[ps.AstNodeIds[0]]), Status: results.Skipped, Result: results.ResultSkipped}
		if arg := ps.Argument; arg != nil {
			if t := arg.DataTable; t != nil {
				for _, row := range t.Rows {
					cells := make([]string, len(row.Cells))
					for i, c := range row.Cells {
						cells[i] = c.Value
					}
					st.Table = append(st.Table, cells)
				}
			}
			if d := arg.DocString; d != nil {
				st.DocString = &results.DocString{MediaType: d.MediaType, Content: d.Content}
			}
		}
		if defs := steps.Matching(ps.Text); len(defs) == 1 {
			st.Phrase = defs[0].ID
		}
		sc.Steps = append(sc.Steps, st)
	}
	return sc
}

// astKeywords maps the id of every scenario and step of doc to its
// keyword.
func astKeywords(doc *messages.GherkinDocument) map[string]string {
	out := map[string]string{}
	if doc == nil || doc.Feature == nil {
		return out
	}
	steps := func(st []*messages.Step) {
		for _, s := range st {
			out[s.Id] = s.Keyword
		}
	}
	scenario := func(sc *messages.Scenario) {
		out[sc.Id] = sc.Keyword
		steps(sc.Steps)
	}
	gherkindoc.Walk(doc.Feature, steps, scenario)
	return out
}

// fillScenario sets what the recorder saw of a scenario that started.
func fillScenario(sc *results.Scenario, res *scenarioResult) {
	started := res.started.UTC()
	sc.Started = &started
	if !res.finished.IsZero() {
		sc.DurationNS = int64(max(res.finished.Sub(res.started), 0))
	}
	sc.Ledger = res.ledger
	for _, sr := range res.steps {
		if sr.index < 0 || sr.index >= len(sc.Steps) {
			continue
		}
		st := &sc.Steps[sr.index]
		st.DurationNS = int64(sr.duration)
		st.Message = sr.msg
		st.Exchanges = exchangesOf(sr.exchanges)
		st.Result = cucumberResult(sr.status)
		st.Status, st.ErrorKind = stepStatus(sr)
	}
	switch res.status {
	case statusNotRun:
		sc.Status, sc.Reason = results.Skipped, "not run: "+res.notRunWhy
		sc.Started, sc.DurationNS, sc.Ledger = nil, 0, nil
		return
	case statusInterrupted, statusRunning:
		why := res.notRunWhy
		if why == "" {
			why = "unfinished"
		}
		sc.Status, sc.Reason = results.Skipped, "not run to the end: "+why
		return
	}
	if res.msg != "" {
		sc.Message = res.msg
	}
	// Passed unless a step, or the scenario as a whole, went wrong; the
	// steps skipped after a failure do not count.
	sc.Status = results.Passed
	worse := func(s results.Status, k results.ErrorKind) {
		if s.Rank() > sc.Status.Rank() || (s == results.Error && sc.Status == results.Error && errorRank(k) > errorRank(sc.ErrorKind)) {
			sc.Status, sc.ErrorKind = s, k
		}
	}
	for _, st := range sc.Steps {
		if st.Status == results.Failed || st.Status == results.Error {
			worse(st.Status, st.ErrorKind)
		}
	}
	worse(statusOfKind(res.worst))
	if sc.Status != results.Error {
		sc.ErrorKind = ""
	}
}

func errorRank(k results.ErrorKind) int {
	return slices.Index([]results.ErrorKind{results.ErrorScenario, results.ErrorTarget, results.ErrorHarness}, k)
}

// statusOfKind maps an outcome kind to a results status.
func statusOfKind(k outcomeKind) (results.Status, results.ErrorKind) {
	switch k {
	case kindFailure:
		return results.Failed, ""
	case kindTarget:
		return results.Error, results.ErrorTarget
	case kindScenario:
		return results.Error, results.ErrorScenario
	case kindHarness:
		return results.Error, results.ErrorHarness
	}
	return results.Passed, ""
}

// stepStatus is the results status of a step that ran.
func stepStatus(sr stepResult) (results.Status, results.ErrorKind) {
	switch {
	case sr.interrupted:
		return results.Skipped, ""
	case sr.kind != 0:
		return statusOfKind(sr.kind)
	case sr.status == godog.StepSkipped:
		return results.Skipped, ""
	}
	return results.Passed, ""
}

func cucumberResult(s godog.StepResultStatus) string {
	switch s {
	case godog.StepPassed:
		return results.ResultPassed
	case godog.StepFailed:
		return results.ResultFailed
	case godog.StepUndefined:
		return results.ResultUndefined
	case godog.StepPending:
		return results.ResultPending
	case godog.StepAmbiguous:
		return results.ResultAmbiguous
	}
	return results.ResultSkipped
}

// exchangesOf copies redacted exchanges into the results, with the
// headers the transport's own rendering shows.
func exchangesOf(exs []redact.Exchange) []results.Exchange {
	var out []results.Exchange
	for _, e := range exs {
		d := e.Detail()
		out = append(out, results.Exchange{
			Seq: e.Seq, Actor: e.Actor, Method: e.Method, URL: d.URL,
			RequestHeaders: shownHeaders(d.RequestHeader), RequestBody: d.RequestBody,
			Status: e.Status, ResponseHeaders: shownHeaders(d.ResponseHeader), ResponseBody: d.ResponseBody,
			DurationNS: int64(e.Duration), Error: e.Err,
		})
	}
	return out
}

func shownHeaders(h map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, vs := range h {
		if !redact.HeaderShown(k) {
			continue
		}
		for _, v := range vs {
			if v != "" { // the client sends empty Meeco-* headers, as the SDK does
				out[k] = append(out[k], v)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
