// Package schemacheck checks JSON documents against an embedded JSON
// Schema (results.json, the load summary): the schema is compiled once, on
// first use, and a document that breaks it gets an error naming each place
// ("at /scenarios/3/status: ..."), never a value of the document, which may
// come from anywhere.
package schemacheck

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// MaxPlaces is how many places of a broken document an error lists.
const MaxPlaces = 10

// Schema is an embedded JSON Schema, compiled on first use.
type Schema struct {
	name string
	id   string
	json []byte

	once     sync.Once
	compiled *jsonschema.Schema
	err      error
}

// New returns the schema whose $id is id and whose text is raw; errors
// call it name (the name documents carry, or the $id).
func New(name, id string, raw []byte) *Schema { return &Schema{name: name, id: id, json: raw} }

// Compiled returns the compiled schema, with its formats asserted.
func (s *Schema) Compiled() (*jsonschema.Schema, error) {
	s.once.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(s.json))
		if err != nil {
			s.err = fmt.Errorf("schema %s: %w", s.id, err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(s.id, doc); err != nil {
			s.err = fmt.Errorf("schema %s: %w", s.id, err)
			return
		}
		s.compiled, s.err = c.Compile(s.id)
	})
	return s.compiled, s.err
}

// Validate checks inst, a document as jsonschema.UnmarshalJSON returns it.
// A document that breaks the schema gets an *Error.
func (s *Schema) Validate(inst any) error {
	sch, err := s.Compiled()
	if err != nil {
		return err
	}
	err = sch.Validate(inst)
	var ve *jsonschema.ValidationError
	if err == nil || !errors.As(err, &ve) {
		return err
	}
	return &Error{Schema: s.name, Places: places(ve)}
}

// Error lists where a document breaks its schema.
type Error struct {
	Schema string
	Places []string // "at /path: what", sorted, at most MaxPlaces and a count of the rest
}

func (e *Error) Error() string {
	return fmt.Sprintf("does not match the schema %s:\n  %s", e.Schema, strings.Join(e.Places, "\n  "))
}

var printer = message.NewPrinter(language.English)

// describe says what is wrong at a place. The library's own words quote
// the value for a format, a pattern and a property name; those say what
// was wanted instead.
func describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Format:
		return fmt.Sprintf("value is not a valid %s", k.Want)
	case *kind.Pattern:
		return fmt.Sprintf("value does not match pattern %q", k.Want)
	case *kind.PropertyNames:
		return "a property name is not allowed here"
	}
	return k.LocalizedString(printer)
}

// places renders the leaves of a validation error, one per place.
func places(ve *jsonschema.ValidationError) []string {
	var lines []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			lines = append(lines, fmt.Sprintf("at /%s: %s", strings.Join(e.InstanceLocation, "/"), describe(e.ErrorKind)))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.Sort(lines)
	lines = slices.Compact(lines)
	if len(lines) > MaxPlaces {
		lines = append(lines[:MaxPlaces], fmt.Sprintf("... and %d more", len(lines)-MaxPlaces))
	}
	return lines
}
