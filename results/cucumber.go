package results

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"

	messages "github.com/cucumber/messages/go/v34"
)

// WriteCucumberJSON writes doc in the Cucumber JSON format godog and
// cucumber-ruby write (one object per feature, an element per scenario),
// every line the one the user wrote: for an HCL scenario the feature's uri
// is the .hcl file and the lines are its lines. Disabled scenarios are left
// out, as Cucumber leaves out scenarios its tag filter does not select;
// skipped ones are there with skipped steps. Each step that went wrong
// carries its redacted exchanges as text/plain embeddings.
func WriteCucumberJSON(w io.Writer, doc *Document) error {
	parsed, err := parseFeatures(doc, (&messages.Incrementing{}).NewId)
	if err != nil {
		return err
	}
	byURI := map[string]*parsedFeature{}
	for _, pf := range parsed {
		byURI[pf.feature.URI] = pf
	}
	out := []cukeFeature{}
	index := map[string]int{}
	for _, sc := range doc.Scenarios {
		if sc.Status == Disabled {
			continue
		}
		i, ok := index[sc.Feature]
		if !ok {
			cf := cukeFeature{URI: sc.Feature, ID: cukeID(sc.Feature), Keyword: "Feature", Line: 1}
			if pf := byURI[sc.Feature]; pf != nil && pf.doc.Feature != nil {
				f := pf.doc.Feature
				cf.ID, cf.Keyword, cf.Name, cf.Description = cukeID(f.Name), f.Keyword, f.Name, f.Description
				if l, ok := pf.feature.SourceLine(int(f.Location.Line)); ok {
					cf.Line = l
				}
				for _, t := range f.Tags {
					cf.Tags = append(cf.Tags, cukeTag{Name: t.Name, Line: cf.Line})
				}
			}
			i = len(out)
			index[sc.Feature] = i
			out = append(out, cf)
		}
		out[i].Elements = append(out[i].Elements, cukeScenario(out[i].ID, &sc))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "    ")
	return enc.Encode(out)
}

func cukeScenario(featureID string, sc *Scenario) cukeElement {
	e := cukeElement{ID: featureID + ";" + cukeID(sc.Name), Keyword: sc.Keyword, Name: sc.Name, Line: sc.Line, Type: "scenario"}
	for _, t := range sc.Tags {
		e.Tags = append(e.Tags, cukeTag{Name: t, Line: sc.Line})
	}
	for _, st := range sc.Steps {
		cs := cukeStep{Keyword: st.Keyword, Name: st.Text, Line: st.Line,
			Match:  cukeMatch{Location: Where(st.File, st.Line)},
			Result: cukeResult{Status: st.Result, Error: st.Message}}
		if st.Result != ResultSkipped && st.Result != ResultUndefined && st.Result != ResultPending && st.Result != ResultAmbiguous {
			d := st.DurationNS
			cs.Result.Duration = &d
		}
		if st.DocString != nil {
			cs.DocString = &cukeDocString{Value: st.DocString.Content, ContentType: st.DocString.MediaType, Line: st.Line + 1}
		}
		for _, row := range st.Table {
			cs.Rows = append(cs.Rows, cukeRow{Cells: row})
		}
		if st.Status.Rank() > Passed.Rank() {
			for _, ex := range st.Exchanges {
				cs.Embeddings = append(cs.Embeddings, cukeEmbedding{Name: ex.Summary(), MimeType: "text/plain",
					Data: base64.StdEncoding.EncodeToString([]byte(ex.Text()))})
			}
		}
		e.Steps = append(e.Steps, cs)
	}
	return e
}

func cukeID(name string) string { return strings.ReplaceAll(strings.ToLower(name), " ", "-") }

type cukeFeature struct {
	URI         string        `json:"uri"`
	ID          string        `json:"id"`
	Keyword     string        `json:"keyword"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Line        int           `json:"line"`
	Tags        []cukeTag     `json:"tags,omitempty"`
	Elements    []cukeElement `json:"elements,omitempty"`
}

type cukeElement struct {
	ID          string     `json:"id"`
	Keyword     string     `json:"keyword"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Line        int        `json:"line"`
	Type        string     `json:"type"`
	Tags        []cukeTag  `json:"tags,omitempty"`
	Steps       []cukeStep `json:"steps,omitempty"`
}

type cukeTag struct {
	Name string `json:"name"`
	Line int    `json:"line"`
}

type cukeStep struct {
	Keyword    string          `json:"keyword"`
	Name       string          `json:"name"`
	Line       int             `json:"line"`
	DocString  *cukeDocString  `json:"doc_string,omitempty"`
	Match      cukeMatch       `json:"match"`
	Result     cukeResult      `json:"result"`
	Rows       []cukeRow       `json:"rows,omitempty"`
	Embeddings []cukeEmbedding `json:"embeddings,omitempty"`
}

type cukeDocString struct {
	Value       string `json:"value"`
	ContentType string `json:"content_type"`
	Line        int    `json:"line"`
}

type cukeMatch struct {
	Location string `json:"location"`
}

type cukeResult struct {
	Status   string `json:"status"`
	Error    string `json:"error_message,omitempty"`
	Duration *int64 `json:"duration,omitempty"`
}

type cukeRow struct {
	Cells []string `json:"cells"`
}

type cukeEmbedding struct {
	Name     string `json:"name"`
	MimeType string `json:"mime_type"`
	Data     string `json:"data"`
}
