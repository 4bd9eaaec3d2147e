package meecocli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error kinds of reading a file. Every error of this package wraps one of
// them inside a *FileError; test with errors.Is.
var (
	// ErrRead reports a file that cannot be read (absent, unreadable).
	ErrRead = errors.New("meecocli: cannot read file")
	// ErrMalformed reports a file that is not a YAML mapping document.
	ErrMalformed = errors.New("meecocli: malformed YAML")
	// ErrWrongKind reports a file of another kind than the command wants.
	ErrWrongKind = errors.New("meecocli: wrong kind")
	// ErrMissing reports a field the command needs that is absent or null.
	ErrMissing = errors.New("meecocli: missing field")
	// ErrInvalid reports a field of the wrong type or an unusable value.
	ErrInvalid = errors.New("meecocli: invalid field")
)

// FileError is a problem with one file: File is the path as the user gave
// it, Line the 1-based line of the offending node (0 when unknown or the
// field is absent), Field the dotted path of the field ("spec.slots[2].name",
// empty for the file as a whole), Err the kind and Detail the explanation.
// Detail never holds a field's value.
type FileError struct {
	File   string
	Line   int
	Field  string
	Err    error
	Detail string
}

// Error reads "<file>[:<line>]: [<field>: ]<detail>".
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Detail)
	return b.String()
}

// Unwrap returns the error kind.
func (e *FileError) Unwrap() error { return e.Err }

// Doc is a parsed {kind, metadata, spec} file.
type Doc struct {
	// File is the path as given, for messages.
	File string
	// Kind is the value of the top-level kind ("" when absent).
	Kind string
	root *yaml.Node // the top-level mapping
}

// ReadFile reads and parses a config file.
func ReadFile(path string) (*Doc, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		detail := "cannot read"
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// The PathError repeats the path; its cause alone reads better.
			detail += ": " + pe.Err.Error()
		} else {
			detail += ": " + err.Error()
		}
		return nil, &FileError{File: path, Err: ErrRead, Detail: detail}
	}
	return Parse(path, data)
}

// yamlLine finds the line number in a yaml.v3 error message.
var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// Parse parses a config file's contents; file names it in errors.
func Parse(file string, data []byte) (*Doc, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		// yaml.v3 parse errors describe the syntax, not the content, so
		// they carry no secret.
		return nil, &FileError{File: file, Line: line, Err: ErrMalformed, Detail: "malformed YAML: " + msg}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, &FileError{File: file, Err: ErrMalformed, Detail: "empty file, want a YAML mapping with kind, metadata and spec"}
	}
	top := deref(root.Content[0])
	if top.Kind != yaml.MappingNode {
		return nil, &FileError{File: file, Line: top.Line, Err: ErrMalformed, Detail: "want a YAML mapping with kind, metadata and spec, got " + describe(top)}
	}
	d := &Doc{File: file, root: top}
	if k := lookup(top, "kind"); k != nil && k.Kind == yaml.ScalarNode && k.Tag != "!!null" {
		d.Kind = k.Value
	}
	return d, nil
}

// ExpectKind fails with ErrWrongKind unless the file is of kind want.
func (d *Doc) ExpectKind(want string) error {
	if d.Kind == want {
		return nil
	}
	f := d.Field("kind")
	if f.node == nil {
		return &FileError{File: d.File, Field: "kind", Err: ErrWrongKind, Detail: fmt.Sprintf("missing, want %s", want)}
	}
	got := d.Kind
	if got == "" {
		got = describe(f.node)
	}
	return &FileError{File: d.File, Line: f.node.Line, Field: "kind", Err: ErrWrongKind, Detail: fmt.Sprintf("want %s, got %s", want, got)}
}

// Field returns a top-level field ("metadata", "spec").
func (d *Doc) Field(key string) Field {
	return Field{doc: d, path: key, node: lookup(d.root, key)}
}

// Field is one field of a Doc, possibly absent: accessors report a missing
// field with its full path.
type Field struct {
	doc  *Doc
	path string
	node *yaml.Node
}

// Path is the dotted path of the field.
func (f Field) Path() string { return f.path }

// Node is the field's YAML node, nil when absent.
func (f Field) Node() *yaml.Node { return f.node }

// Present reports whether the field is there and not null.
func (f Field) Present() bool { return f.node != nil && !isNull(f.node) }

// Get returns a key of a mapping field; it is absent when f is absent or
// not a mapping (Map reports the latter).
func (f Field) Get(key string) Field {
	g := Field{doc: f.doc, path: f.path + "." + key}
	if f.node != nil && f.node.Kind == yaml.MappingNode {
		g.node = lookup(f.node, key)
	}
	return g
}

// Err builds a FileError about the field.
func (f Field) Err(kind error, format string, args ...any) error {
	line := 0
	if f.node != nil {
		line = f.node.Line
	}
	return &FileError{File: f.doc.File, Line: line, Field: f.path, Err: kind, Detail: fmt.Sprintf(format, args...)}
}

func (f Field) missing() error {
	return &FileError{File: f.doc.File, Field: f.path, Err: ErrMissing, Detail: "missing"}
}

// Map checks that the field is a mapping.
func (f Field) Map() error {
	if !f.Present() {
		return f.missing()
	}
	if f.node.Kind != yaml.MappingNode {
		return f.Err(ErrInvalid, "want a mapping, got %s", describe(f.node))
	}
	return nil
}

// List returns the items of a sequence field.
func (f Field) List() ([]Field, error) {
	if !f.Present() {
		return nil, f.missing()
	}
	if f.node.Kind != yaml.SequenceNode {
		return nil, f.Err(ErrInvalid, "want a list, got %s", describe(f.node))
	}
	out := make([]Field, len(f.node.Content))
	for i, n := range f.node.Content {
		out[i] = Field{doc: f.doc, path: fmt.Sprintf("%s[%d]", f.path, i), node: deref(n)}
	}
	return out, nil
}

// String returns a required scalar as text. Any scalar is accepted (a YAML
// number or date is taken as written); an empty string counts as missing.
func (f Field) String() (string, error) {
	s, ok, err := f.OptString()
	if err != nil {
		return "", err
	}
	if !ok || s == "" {
		if ok {
			return "", f.Err(ErrMissing, "empty")
		}
		return "", f.missing()
	}
	return s, nil
}

// OptString returns an optional scalar as text; ok is false when the field
// is absent or null.
func (f Field) OptString() (s string, ok bool, err error) {
	if !f.Present() {
		return "", false, nil
	}
	if f.node.Kind != yaml.ScalarNode {
		return "", false, f.Err(ErrInvalid, "want a string, got %s", describe(f.node))
	}
	return f.node.Value, true, nil
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return deref(m.Content[i+1])
		}
	}
	return nil
}

// deref follows YAML aliases (a hand-edited file may use anchors).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// describe names a node's type for messages, never its value.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		default:
			return "a string"
		}
	}
	return "nothing"
}
