package results

import (
	"fmt"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/vaultcheck/vaultcheck/internal/gherkindoc"
)

// PickleIDs returns the stable id (ScenarioID) of each pickle of one
// Gherkin document, in order. uri names the file the user wrote. Ids are
// made unique within the file (Unique), so every pickle of the document
// must be given, in the order Gherkin compiled them.
func PickleIDs(uri string, doc *messages.GherkinDocument, pickles []*messages.Pickle) []string {
	rows := exampleRows(doc)
	ids := make([]string, len(pickles))
	for i, p := range pickles {
		example := ""
		if len(p.AstNodeIds) > 1 {
			if r, ok := rows[p.AstNodeIds[len(p.AstNodeIds)-1]]; ok {
				example = ExampleKey(r.name, r.header, r.values)
			}
		}
		ids[i] = ScenarioID(uri, p.Name, example)
	}
	return Unique(ids)
}

type exampleRow struct {
	name           string
	header, values []string
}

// exampleRows maps the AST id of every Examples row to the row.
func exampleRows(doc *messages.GherkinDocument) map[string]exampleRow {
	out := map[string]exampleRow{}
	if doc == nil || doc.Feature == nil {
		return out
	}
	addScenario := func(sc *messages.Scenario) {
		for _, ex := range sc.Examples {
			var header []string
			if ex.TableHeader != nil {
				for _, c := range ex.TableHeader.Cells {
					header = append(header, c.Value)
				}
			}
			for _, row := range ex.TableBody {
				var vals []string
				for _, c := range row.Cells {
					vals = append(vals, c.Value)
				}
				out[row.Id] = exampleRow{name: ex.Name, header: header, values: vals}
			}
		}
	}
	gherkindoc.Walk(doc.Feature, nil, addScenario)
	return out
}

// parsedFeature is a Feature of a Document parsed again, for the reports
// that need its Gherkin document and pickles.
type parsedFeature struct {
	feature *Feature
	doc     *messages.GherkinDocument
	pickles []*messages.Pickle
	ids     []string // stable id of each pickle
}

// parseFeatures parses the Gherkin of every feature of doc with one id
// generator, so that AST and pickle ids are unique across the document.
func parseFeatures(doc *Document, newID func() string) ([]*parsedFeature, error) {
	var out []*parsedFeature
	for i := range doc.Features {
		f := &doc.Features[i]
		gd, err := gherkin.ParseGherkinDocument(strings.NewReader(f.Gherkin), newID)
		if err != nil {
			return nil, fmt.Errorf("feature %s: its Gherkin does not parse: %v", f.URI, err)
		}
		gd.Uri = f.URI
		pickles := gherkin.Pickles(*gd, f.URI, newID)
		out = append(out, &parsedFeature{feature: f, doc: gd, pickles: pickles, ids: PickleIDs(f.URI, gd, pickles)})
	}
	return out, nil
}

// FeatureInfo reads the name, keyword, description and language of a
// feature's Gherkin, for the harness to fill a Feature.
func FeatureInfo(doc *messages.GherkinDocument) (name, keyword, description, language string) {
	if doc == nil || doc.Feature == nil {
		return "", "Feature", "", "en"
	}
	f := doc.Feature
	return f.Name, f.Keyword, strings.TrimSpace(f.Description), f.Language
}
