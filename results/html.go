package results

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

//go:embed html/report.html.tmpl html/report.css html/report.js
var htmlFiles embed.FS

var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"ledgerOps": ledgerOps,
}).ParseFS(htmlFiles, "html/report.html.tmpl"))

// WriteHTML writes doc as one self-contained HTML page: inline CSS and
// script, no request to any network (its Content-Security-Policy forbids
// them), usable offline and as a CI artifact. It shows the run's metadata
// and counts, filters by status, tag, requirement and text, and every
// scenario with its steps, messages, redacted exchanges and crypto ledger
// summary; scenarios that did not pass open at their failing step, whose
// exchanges are shown. Everything is escaped by html/template.
func WriteHTML(w io.Writer, doc *Document) error {
	css, err := htmlFiles.ReadFile("html/report.css")
	if err != nil {
		return err
	}
	js, err := htmlFiles.ReadFile("html/report.js")
	if err != nil {
		return err
	}
	totals := Count(doc.Scenarios)
	v := htmlView{
		Doc:   doc,
		CSS:   template.CSS(css),
		JS:    template.JS(js),
		Total: len(doc.Scenarios),
		Steps: Total(totals.Steps),
	}
	code := doc.ExitCode()
	switch {
	case doc.Run.Interrupted:
		v.Verdict, v.VerdictClass = "interrupted", "skipped"
	case code == ExitPassed:
		v.Verdict, v.VerdictClass = "passed", "passed"
	case code == ExitFailed:
		v.Verdict, v.VerdictClass = "failed", "failed"
	default:
		v.Verdict, v.VerdictClass = "error", "error"
	}
	if !doc.Run.Started.IsZero() {
		v.Started = doc.Run.Started.UTC().Format(time.RFC3339)
	}
	v.Elapsed = doc.Elapsed().Round(time.Millisecond).String()
	for _, s := range Statuses {
		v.Counts = append(v.Counts, htmlCount{Status: s, N: totals.Scenarios[s]})
	}
	tags, reqs := map[string]bool{}, map[string]bool{}
	anchors := make([]string, len(doc.Scenarios))
	for i := range doc.Scenarios {
		anchors[i] = anchorOf(doc.Scenarios[i].ID)
	}
	anchors = Unique(anchors)
	for i := range doc.Scenarios {
		sc := &doc.Scenarios[i]
		hs := htmlScenario{Sc: sc, Anchor: strings.ReplaceAll(anchors[i], " ", "-"), Label: label(sc.Status, sc.ErrorKind),
			Duration: fmtDuration(sc.Duration()), Open: sc.Status == Failed || sc.Status == Error}
		var rl []string
		for _, t := range sc.Tags {
			tags[t] = true
		}
		for _, r := range sc.Requirements {
			reqs[r.ID] = true
			rl = append(rl, r.ID)
		}
		hs.TagList = strings.Join(sc.Tags, " ")
		hs.ReqList = strings.Join(rl, " ")
		hs.Search = strings.ToLower(sc.Name + " " + sc.File + " " + sc.ID)
		for j := range sc.Steps {
			st := &sc.Steps[j]
			hs.Steps = append(hs.Steps, htmlStep{St: st, Label: label(st.Status, st.ErrorKind), Duration: fmtDuration(st.Duration()),
				Open: st.Status == Failed || st.Status == Error})
		}
		v.Scenarios = append(v.Scenarios, hs)
	}
	v.Tags = sortedKeys(tags)
	v.Reqs = sortedKeys(reqs)
	return htmlTemplate.Execute(w, v)
}

type htmlView struct {
	Doc                   *Document
	CSS                   template.CSS
	JS                    template.JS
	Verdict, VerdictClass string
	Started, Elapsed      string
	Total, Steps          int
	Counts                []htmlCount
	Tags, Reqs            []string
	Scenarios             []htmlScenario
}

type htmlCount struct {
	Status Status
	N      int
}

type htmlScenario struct {
	Sc                       *Scenario
	Anchor, Label, Duration  string
	TagList, ReqList, Search string
	Open                     bool
	Steps                    []htmlStep
}

type htmlStep struct {
	St              *Step
	Label, Duration string
	Open            bool
}

func label(s Status, k ErrorKind) string {
	if s == Error && k != "" {
		return string(k) + " error"
	}
	return string(s)
}

// anchorOf makes an HTML id of a scenario id: letters, digits, "-", "_"
// and "." kept, anything else a "-".
func anchorOf(id string) string {
	var b strings.Builder
	b.WriteString("sc-")
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

var opOrder = []string{"generate", "derive", "wrap", "unwrap", "encrypt", "decrypt", "hash", "check", "refuse"}

// ledgerOps renders operation counts as "3 generate, 5 wrap", in the
// ledger's order of operations.
func ledgerOps(byOp map[string]int) string {
	var parts []string
	for _, op := range opOrder {
		if n := byOp[op]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, op))
		}
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// fmtDuration renders d for people: "16ms", "1.29s", "2m5s".
func fmtDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(10 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
