package meeco

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// ErrorKind is the machine-readable "error" string of a Meeco error body. It
// implements error so that callers can write errors.Is(err, meeco.NotFound)
// against any *APIError.
//
// Where the real Vault's string is known it is used verbatim (username_taken
// is what the SDK checks after POST /srp/users); the rest follow the same
// snake_case style. A client reading a real server may meet kinds that are not
// in this table: they are kept as they come and classified by status.
type ErrorKind string

// The error kinds. Each row of kindStatus gives its status; the comments say
// when the fake Vault answers with it.
const (
	// BadRequest: the body is not JSON, a field has the wrong JSON type, a
	// query parameter cannot be parsed.
	BadRequest ErrorKind = "bad_request"
	// MissingParameter: a required field or parameter is absent or empty.
	MissingParameter ErrorKind = "missing_parameter"
	// InvalidParameter: a field is present but its value is not acceptable
	// (bad hex, bad PEM, unknown enum value, a date in the past, an
	// inconsistent combination of slot value fields).
	InvalidParameter ErrorKind = "invalid_parameter"
	// InvalidCryppoString: an encrypted field is not a Cryppo string of the
	// strategy the field requires (Aes256Gcm for slot values and wrapped
	// keys, Rsa4096 for a share's encrypted_dek). 400, like every other
	// request-validation failure, because the SDK treats 400 from
	// PUT /items/{id}/shares as "bad update".
	InvalidCryppoString ErrorKind = "invalid_cryppo_string"
	// UsernameTaken: POST /srp/users with a username that already has a
	// verifier. The SDK treats it as success on re-registration.
	UsernameTaken ErrorKind = "username_taken"
	// Unauthorized: an authenticated route got no token, a malformed,
	// unknown, expired or logged-out one.
	Unauthorized ErrorKind = "unauthorized"
	// AuthenticationFailed: a login could not be completed: wrong SRP proof,
	// unknown SRP user or challenge, unknown public key at POST /session,
	// invalid or used admission token at POST /me.
	AuthenticationFailed ErrorKind = "authentication_failed"
	// SubscriptionKeyInvalid: a subscription key is configured and the
	// request's Meeco-Subscription-Key does not match it.
	SubscriptionKeyInvalid ErrorKind = "subscription_key_invalid"
	// Forbidden: the object is visible to the caller but this action on it is
	// not theirs to take (re-keying shares of an item they do not own,
	// sharing a received item whose share does not permit on-sharing or that
	// is already an on-share, accepting a share they sent).
	Forbidden ErrorKind = "forbidden"
	// NotFound: no such object, or one that belongs to someone else. The
	// fake never answers 403 for objects of others, so as not to reveal
	// that they exist.
	NotFound ErrorKind = "not_found"
	// RouteNotFound: no route matches the path.
	RouteNotFound ErrorKind = "route_not_found"
	// MethodNotAllowed: the path exists, the method does not.
	MethodNotAllowed ErrorKind = "method_not_allowed"
	// AlreadyExists: a singleton already exists (a second key encryption key
	// for one Keystore user).
	AlreadyExists ErrorKind = "already_exists"
	// InvalidState: the request is well-formed but the object's state
	// forbids it (an expired or used invitation, connecting to oneself,
	// accepting a share that was rejected).
	InvalidState ErrorKind = "invalid_state"
	// PayloadTooLarge: the body exceeds the server's limit.
	PayloadTooLarge ErrorKind = "payload_too_large"
	// ClientTooOld: the server refuses this client version (426; the SDK
	// maps it to an "upgrade" message). The fake never sends it.
	ClientTooOld ErrorKind = "client_too_old"
	// InternalError: the server failed; a bug, never the client's fault.
	InternalError ErrorKind = "internal_error"
)

// kindStatus is the single table of kinds to HTTP statuses.
var kindStatus = map[ErrorKind]int{
	BadRequest:             http.StatusBadRequest,
	MissingParameter:       http.StatusBadRequest,
	InvalidParameter:       http.StatusBadRequest,
	InvalidCryppoString:    http.StatusBadRequest,
	UsernameTaken:          http.StatusBadRequest,
	Unauthorized:           http.StatusUnauthorized,
	AuthenticationFailed:   http.StatusUnauthorized,
	SubscriptionKeyInvalid: http.StatusUnauthorized,
	Forbidden:              http.StatusForbidden,
	NotFound:               http.StatusNotFound,
	RouteNotFound:          http.StatusNotFound,
	MethodNotAllowed:       http.StatusMethodNotAllowed,
	AlreadyExists:          http.StatusConflict,
	InvalidState:           http.StatusUnprocessableEntity,
	PayloadTooLarge:        http.StatusRequestEntityTooLarge,
	ClientTooOld:           http.StatusUpgradeRequired,
	InternalError:          http.StatusInternalServerError,
}

// ErrorKinds lists every kind of the table in a stable order (for docs and
// tests).
func ErrorKinds() []ErrorKind {
	return []ErrorKind{BadRequest, MissingParameter, InvalidParameter, InvalidCryppoString,
		UsernameTaken, Unauthorized, AuthenticationFailed, SubscriptionKeyInvalid, Forbidden,
		NotFound, RouteNotFound, MethodNotAllowed, AlreadyExists, InvalidState, PayloadTooLarge,
		ClientTooOld, InternalError}
}

// Status is the HTTP status of the kind; 500 for a kind not in the table.
func (k ErrorKind) Status() int {
	if s, ok := kindStatus[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Known reports whether k is in the table.
func (k ErrorKind) Known() bool { _, ok := kindStatus[k]; return ok }

// Error makes a kind usable as an errors.Is target.
func (k ErrorKind) Error() string { return string(k) }

// KindForStatus is the kind a client assumes when a response carries no
// Meeco error body: the first kind of the table with that status, or
// InternalError for an unknown 5xx and BadRequest for an unknown 4xx.
func KindForStatus(status int) ErrorKind {
	for _, k := range ErrorKinds() {
		if k.Status() == status {
			return k
		}
	}
	if status >= 400 && status < 500 {
		return BadRequest
	}
	return InternalError
}

// ErrorDetail is one element of a Meeco error body.
type ErrorDetail struct {
	Error                      string         `json:"error"`
	HTTPCode                   int            `json:"http_code"`
	Message                    string         `json:"message"`
	RequestedLanguage          *string        `json:"requested_language"`
	MessageInRequestedLanguage *string        `json:"message_in_requested_language"`
	ExtraInfo                  map[string]any `json:"extra_info"`
}

// ErrorBody is the JSON body of every error response:
// {"errors":[{"error","http_code","message","requested_language",
// "message_in_requested_language","extra_info"}]}.
type ErrorBody struct {
	Errors []ErrorDetail `json:"errors"`
}

// APIError is an error answered by a Meeco service (or the fake). errors.Is
// matches it against its ErrorKind.
type APIError struct {
	// Kind is the "error" string of the body (or KindForStatus when the body
	// had none).
	Kind ErrorKind
	// Status is the HTTP status actually received (or to send).
	Status int
	// Message is the human-readable message. It never carries secrets.
	Message string
	// ExtraInfo is the body's extra_info object, if any.
	ExtraInfo map[string]any
}

// NewError returns an APIError of kind k with its table status.
func NewError(k ErrorKind, format string, args ...any) *APIError {
	return &APIError{Kind: k, Status: k.Status(), Message: fmt.Sprintf(format, args...)}
}

func (e *APIError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("meeco: %d %s", e.Status, e.Kind)
	}
	return fmt.Sprintf("meeco: %d %s: %s", e.Status, e.Kind, e.Message)
}

// Is matches an ErrorKind target equal to e.Kind, or another *APIError of the
// same kind.
func (e *APIError) Is(target error) bool {
	switch t := target.(type) {
	case ErrorKind:
		return e.Kind == t
	case *APIError:
		return t != nil && e.Kind == t.Kind
	}
	return false
}

// Body renders e as a Meeco error body. The language fields are null: the
// fake does not translate.
func (e *APIError) Body() ErrorBody {
	extra := e.ExtraInfo
	if extra == nil {
		extra = map[string]any{}
	}
	status := e.Status
	if status == 0 {
		status = e.Kind.Status()
	}
	return ErrorBody{Errors: []ErrorDetail{{
		Error:     string(e.Kind),
		HTTPCode:  status,
		Message:   e.Message,
		ExtraInfo: extra,
	}}}
}

// ParseError turns a non-2xx response into an *APIError. It reads the Meeco
// error body when there is one, and otherwise (an HTML page from a proxy, a
// bare {"message","http_code"} object as some Meeco services send, an empty
// body) falls back to the status. The message is cut to 200 characters so
// that an echoed request cannot flood logs.
func ParseError(status int, body []byte) *APIError {
	e := &APIError{Status: status, Kind: KindForStatus(status)}
	var eb ErrorBody
	if json.Unmarshal(body, &eb) == nil && len(eb.Errors) > 0 {
		d := eb.Errors[0]
		if d.Error != "" {
			e.Kind = ErrorKind(d.Error)
		}
		e.Message = d.Message
		e.ExtraInfo = d.ExtraInfo
	} else {
		var flat struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &flat) == nil {
			e.Message = flat.Message
		}
	}
	if len(e.Message) > 200 {
		e.Message = e.Message[:200] + "…"
	}
	e.Message = strings.ToValidUTF8(e.Message, "?")
	return e
}
