package schemacheck

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["name", "items"],
  "properties": {
    "name": {"type": "string"},
    "at": {"type": "string", "format": "date-time"},
    "code": {"type": "string", "pattern": "^[a-z]+$"},
    "items": {"type": "array", "items": {"type": "integer"}}
  }
}`

func check(t *testing.T, s *Schema, doc string) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

func TestValidate(t *testing.T) {
	s := New("https://example.test/s", "https://example.test/s", []byte(schema))
	if err := check(t, s, `{"name":"a","items":[1,2]}`); err != nil {
		t.Fatalf("a valid document: %v", err)
	}
	// Formats are asserted, and the error names places, not values.
	err := check(t, s, `{"name":"a","at":"yesterday","code":"Tesla-Model-3","items":[1,"x"]}`)
	var se *Error
	if !errors.As(err, &se) || len(se.Places) != 3 {
		t.Fatalf("got %v, want an *Error with three places", err)
	}
	if !strings.HasPrefix(se.Places[0], "at /at: ") || !strings.HasPrefix(se.Places[1], "at /code: ") || !strings.HasPrefix(se.Places[2], "at /items/1: ") {
		t.Errorf("places %q", se.Places)
	}
	if msg := err.Error(); strings.Contains(msg, "yesterday") || strings.Contains(msg, "Tesla") || !strings.Contains(msg, "does not match the schema https://example.test/s") {
		t.Errorf("message %q", msg)
	}
}

func TestValidateCapsPlaces(t *testing.T) {
	s := New("https://example.test/s", "https://example.test/s", []byte(schema))
	var b bytes.Buffer
	b.WriteString(`{"name":"a","items":[`)
	for i := range 25 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"%d"`, i)
	}
	b.WriteString(`]}`)
	var se *Error
	if err := check(t, s, b.String()); !errors.As(err, &se) || len(se.Places) != MaxPlaces+1 || se.Places[MaxPlaces] != "... and 15 more" {
		t.Fatalf("got %v", err)
	}
}

func TestBrokenSchema(t *testing.T) {
	s := New("broken", "https://example.test/broken", []byte(`{"type": 3`))
	if err := check(t, s, `{}`); err == nil || !strings.Contains(err.Error(), "schema https://example.test/broken") {
		t.Fatalf("got %v", err)
	}
}
