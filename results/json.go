package results

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vaultcheck/vaultcheck/internal/schemacheck"
)

// SchemaJSON is the JSON Schema of results.json (schema/results-v1.schema.json).
//
//go:embed schema/results-v1.schema.json
var SchemaJSON []byte

// schemaURL is the $id of SchemaJSON.
const schemaURL = "https://github.com/vaultcheck/vaultcheck/results/schema/results-v1.schema.json"

// ErrBadResults reports a results file that cannot be read: not JSON, not
// of the schema, or inconsistent (totals that do not add up, a scenario
// twice).
var ErrBadResults = errors.New("bad results file")

// MaxFile is the largest results file Read accepts: a full run's is a few
// megabytes; anything near this is not a results file.
const MaxFile = 256 << 20

var schema = schemacheck.New(SchemaID, schemaURL, SchemaJSON)

// Validate checks raw JSON against the schema of results.json.
func Validate(raw []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return jsonError(raw, err)
	}
	return schema.Validate(inst)
}

// jsonError says where raw stops being JSON, as "line N:".
func jsonError(raw []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(raw[:min(int(se.Offset), len(raw))], []byte("\n"))
		return fmt.Errorf("line %d: not JSON: %v", line, se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected EOF") {
		return fmt.Errorf("line %d: not JSON: it ends before its last value does", 1+bytes.Count(raw, []byte("\n")))
	}
	return fmt.Errorf("not JSON: %v", err)
}

// Write writes doc as indented JSON, with its totals recomputed.
func Write(w io.Writer, doc *Document) error {
	doc.Schema = SchemaID
	doc.Totals = Count(doc.Scenarios)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// Marshal returns doc as Write writes it.
func Marshal(doc *Document) ([]byte, error) {
	var b bytes.Buffer
	err := Write(&b, doc)
	return b.Bytes(), err
}

// Read reads a results file: it must be JSON of the schema, and consistent
// (see Check). name is the file's name for messages, which read
// "NAME: ...". Its errors match ErrBadResults.
func Read(r io.Reader, name string) (*Document, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrBadResults, name, err)
	}
	if len(raw) > MaxFile {
		return nil, fmt.Errorf("%w %s: larger than %d MiB", ErrBadResults, name, MaxFile>>20)
	}
	return Parse(raw, name)
}

// Parse is Read of bytes.
func Parse(raw []byte, name string) (*Document, error) {
	if err := Validate(raw); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrBadResults, name, err)
	}
	var doc Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrBadResults, name, jsonError(raw, err))
	}
	if err := doc.Check(); err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrBadResults, name, err)
	}
	return &doc, nil
}

// Check reports what the schema cannot: a scenario id twice, a scenario
// of a feature the document does not have, a step status that does not
// fit its scenario's, totals that do not add up.
func (d *Document) Check() error {
	var errs []string
	seen := map[string]bool{}
	features := map[string]bool{}
	for _, f := range d.Features {
		if features[f.URI] {
			errs = append(errs, fmt.Sprintf("feature %q twice", f.URI))
		}
		features[f.URI] = true
	}
	for i, sc := range d.Scenarios {
		if seen[sc.ID] {
			errs = append(errs, fmt.Sprintf("scenarios[%d]: id %q twice", i, sc.ID))
		}
		seen[sc.ID] = true
		if !features[sc.Feature] {
			errs = append(errs, fmt.Sprintf("scenarios[%d] (%s): feature %q is not in features", i, sc.ID, sc.Feature))
		}
		worst := Disabled
		for _, st := range sc.Steps {
			worst = Worst(worst, st.Status)
		}
		switch sc.Status {
		case Disabled:
			if len(sc.Steps) > 0 && worst != Disabled {
				errs = append(errs, fmt.Sprintf("scenarios[%d] (%s): disabled, but a step ran (%s)", i, sc.ID, worst))
			}
		case Passed, Failed:
			if worst.Rank() > sc.Status.Rank() {
				errs = append(errs, fmt.Sprintf("scenarios[%d] (%s): %s, but a step is %s", i, sc.ID, sc.Status, worst))
			}
		}
	}
	if got := Count(d.Scenarios); !maps.Equal(got.Scenarios, d.Totals.Scenarios) || !maps.Equal(got.Steps, d.Totals.Steps) {
		errs = append(errs, fmt.Sprintf("totals: want %v scenarios and %v steps, as the scenarios count, got %v and %v",
			got.Scenarios, got.Steps, d.Totals.Scenarios, d.Totals.Steps))
	}
	if s := d.Run.Shard; s != nil && s.Index > s.Total {
		errs = append(errs, fmt.Sprintf("run.shard: index %d of %d", s.Index, s.Total))
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "\n  "))
}
