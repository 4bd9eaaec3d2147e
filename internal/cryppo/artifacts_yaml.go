package cryppo

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// readYAMLBlock reads a legacy (pre mid-2020) artifact block. Two flavours
// exist and both are read:
//
//	cryppo-js:  ---\niv: !binary |-\n  <std b64>\nat: !binary |-\n  ...\nad: none\n
//	Ruby:       ---\n'ad': none\n'at': !!binary |-\n  ...\n'iv': !!binary |-\n  ...\n
//
// cryppo-js rewrites " !binary" to " !!binary" before parsing; here both tags
// mean binary. RSA artifacts are "---\n{}\n" (JS) or string-valued keys
// (Ruby); their content is ignored by the caller. Exactly one YAML document
// holding a mapping is accepted.
func readYAMLBlock(raw []byte, part string) (*artifactBlock, error) {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, newError(ErrArtifacts, part, "malformed legacy YAML")
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, newError(ErrArtifacts, part, "legacy YAML holds more than one document")
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, newError(ErrArtifacts, part, "legacy YAML is not a mapping")
	}
	m := doc.Content[0]
	b := &artifactBlock{format: FormatLegacyYAML, part: part, fields: make(map[string]artValue, len(m.Content)/2)}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, newError(ErrArtifacts, part, "legacy YAML key is not a scalar")
		}
		if err := b.add(k.Value, yamlValue(v)); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// yamlValue types one YAML value by its resolved tag.
func yamlValue(v *yaml.Node) artValue {
	if v.Kind != yaml.ScalarNode {
		return artValue{why: "YAML collection or alias"}
	}
	switch tag := v.ShortTag(); tag {
	case "!!binary", "!binary":
		b, err := decodeYAMLBinary(v.Value)
		if err != nil {
			return artValue{why: "binary that is not valid base64"}
		}
		return artValue{kind: kindBinary, bin: b}
	case "!!str":
		return artValue{kind: kindString, str: v.Value}
	case "!!int":
		var n int64
		if err := v.Decode(&n); err != nil {
			return artValue{why: "integer out of range"}
		}
		return artValue{kind: kindInt, num: n}
	default:
		return artValue{why: "YAML " + clip(tag)}
	}
}

// decodeYAMLBinary decodes a !!binary scalar: standard-alphabet base64 that
// YAML block scalars may break into lines.
func decodeYAMLBinary(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
	if len(s)%4 != 0 {
		return nil, fmt.Errorf("length %d", len(s))
	}
	return base64.StdEncoding.Strict().DecodeString(s)
}
