package fakevault

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Request decoding shared by the handlers. Decoding is the only place a
// request body is read, so the body cap and the JSON error rules hold for
// every route.

// decode reads the body (at most c.max bytes) as exactly one JSON value
// into v. Unknown fields are ignored, as the real API ignores them (the SDK
// spreads whole objects into requests).
func (c *call) decode(v any) error {
	if c.r.ContentLength > c.max {
		return errBodyTooLarge
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.w, c.r.Body, c.max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errBodyTooLarge
		}
		return meeco.NewError(meeco.BadRequest, "request body could not be read")
	}
	c.body = data
	if len(bytes.TrimSpace(data)) == 0 {
		return meeco.NewError(meeco.BadRequest, "request body is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return meeco.NewError(meeco.BadRequest, "request body holds data after the JSON value")
	}
	return nil
}

// jsonError describes a decoding failure by position and field, never by
// the offending value.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return meeco.NewError(meeco.BadRequest, "malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te) && te.Field == "":
		return meeco.NewError(meeco.BadRequest, "request body must be a JSON object")
	case errors.As(err, &te):
		return meeco.NewError(meeco.BadRequest, "field %s must be %s", clip(te.Field, 100), jsonKind(te.Type.Kind().String()))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return meeco.NewError(meeco.BadRequest, "malformed JSON: unexpected end")
	}
	return meeco.NewError(meeco.BadRequest, "malformed JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int64", "float64", "uint64":
		return "a number"
	}
	return "of another type"
}

// page reads next_page_after, per_page and order.
func (c *call) page() (Page, error) {
	q := c.r.URL.Query()
	p := Page{After: q.Get("next_page_after"), Order: q.Get("order")}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return p, meeco.NewError(meeco.BadRequest, "per_page must be a positive integer")
		}
		p.PerPage = n
	}
	return p, nil
}

// boolQuery reads an optional true/false query parameter.
func (c *call) boolQuery(name string) (*bool, error) {
	v := c.r.URL.Query().Get(name)
	switch v {
	case "":
		return nil, nil
	case "true", "1":
		return ptr(true), nil
	case "false", "0":
		return ptr(false), nil
	}
	return nil, meeco.NewError(meeco.BadRequest, "%s must be true or false", name)
}

func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

func (c *call) path(name string) string { return c.r.PathValue(name) }
