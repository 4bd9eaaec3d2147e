package fakevault

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"sync"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// The fake writes every error as a Meeco error body, with the status the
// one table in internal/meeco gives its kind:
//
//	kind                       status  when
//	bad_request                400     body not JSON, wrong JSON type, bad query value
//	missing_parameter          400     required field or parameter absent
//	invalid_parameter          400     value unacceptable; also a body reference to
//	                                   something missing or not the caller's (template,
//	                                   recipient, slot, share or task id in a body)
//	invalid_cryppo_string      400     encrypted field not a Cryppo string of the right
//	                                   strategy (Aes256Gcm for slot values, names and
//	                                   wrapped keys; Rsa<bits> with matching length for
//	                                   encrypted_dek)
//	username_taken             400     POST /srp/users for an existing username
//	unauthorized               401     authenticated route without a valid live token
//	authentication_failed      401     failed login: SRP proof, unknown user or key,
//	                                   bad admission token
//	subscription_key_invalid   401     configured subscription key not matched
//	forbidden                  403     object visible to the caller, action not theirs
//	                                   (changing a received item, re-keying shares of an
//	                                   item one does not own, on-sharing without permission)
//	not_found                  404     path object missing OR belonging to someone else:
//	                                   the fake never says 403 about others' objects, so
//	                                   as not to reveal that they exist
//	route_not_found            404     no route for the path
//	method_not_allowed         405     route exists for other methods
//	already_exists             409     second key encryption key
//	invalid_state              422     expired/used invitation, own invitation, rejected share
//	payload_too_large          413     body over Options.MaxBodyBytes
//	internal_error             500     a bug (also what the panic guard answers)
//
// client_too_old (426) is in the table for clients of the real Vault; the
// fake never sends it.

// writeJSON writes v as the JSON body of a response. It encodes into a
// pooled buffer: json.Marshal would allocate and copy every body once more.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	if raw, ok := v.(json.RawMessage); ok {
		// Already encoded by the store (GET /me).
		w.Header()["Content-Type"] = contentTypeJSON
		w.WriteHeader(status)
		_, _ = w.Write(raw)
		return
	}
	e := jsonEncoders.Get().(*jsonEncoder)
	defer e.put()
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		// Only a bug in a response type can get here.
		s.writeError(w, meeco.NewError(meeco.InternalError, "response could not be encoded"), nil)
		return
	}
	body := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")) // Encode ends the value with a newline; Marshal does not
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonEncoder is a pooled buffer with its encoder.
type jsonEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonEncoders = sync.Pool{New: func() any {
	e := &jsonEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

// put returns e to the pool unless one huge body grew it: the pool must
// not pin megabytes for the small bodies that follow.
func (e *jsonEncoder) put() {
	if e.buf.Cap() <= 64<<10 {
		jsonEncoders.Put(e)
	}
}

// contentTypeJSON is shared by every response: setting the header map
// entry directly spares Header().Set its canonicalisation and allocation.
var contentTypeJSON = []string{"application/json; charset=utf-8"}

// writeError writes err as a Meeco error body. An error that is not an
// *meeco.APIError is a bug of the fake: it becomes internal_error with a
// generic message, since its text was never vetted for the client. c is
// the call that failed, nil before routing.
func (s *Server) writeError(w http.ResponseWriter, err error, c *call) {
	var ae *meeco.APIError
	if !errors.As(err, &ae) {
		ae = meeco.NewError(meeco.InternalError, "internal error")
	}
	if s.faults.Has(FaultLoginFailure500) && ae.Kind == meeco.AuthenticationFailed {
		ae = meeco.NewError(meeco.InternalError, "internal error")
	}
	if s.faults.Has(FaultErrorEchoesInput) && c != nil && len(c.body) > 0 && ae.Status < 500 {
		ae = &meeco.APIError{Kind: ae.Kind, Status: ae.Status, Message: ae.Message + "; request: " + clip(string(c.body), 300)}
	}
	status := ae.Status
	if status == 0 {
		status = ae.Kind.Status()
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="meeco"`)
	}
	var body []byte
	if s.faults.Has(FaultErrorShapeFlat) {
		body, _ = json.Marshal(map[string]any{"error": ae.Kind, "message": ae.Message})
	} else {
		body, _ = json.Marshal(ae.Body())
	}
	w.Header()["Content-Type"] = contentTypeJSON
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
