package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Client-side error kinds. Failures of the services are *meeco.APIError
// (match them with errors.Is against meeco.NotFound etc.); these are what
// the client itself detects, as the SDK would.
var (
	// ErrConfig reports an unusable Config (no URL, no key source).
	ErrConfig = errors.New("client: invalid configuration")
	// ErrBadResponse reports a 2xx response the client cannot use: not
	// JSON, missing a field the flow needs, or a record that contradicts
	// the request (the SDK would crash or misbehave on it).
	ErrBadResponse = errors.New("client: unusable response")
	// ErrLoginFailed reports a 401 from POST /srp/session (the SDK's
	// "Login failed - please check details"). It wraps the *meeco.APIError.
	ErrLoginFailed = errors.New("client: login failed")
	// ErrAlreadyConnected reports a Connect between users who already are.
	ErrAlreadyConnected = errors.New("client: users are already connected")
	// ErrNotConnected reports that no connection pairs the two users.
	ErrNotConnected = errors.New("client: users are not connected")
	// ErrShareNotAccepted reports reading an incoming share whose terms
	// are not accepted: the item cannot be decrypted.
	ErrShareNotAccepted = errors.New("client: share terms not accepted")
	// ErrNotOwner reports re-keying the shares of an item one does not own.
	ErrNotOwner = errors.New("client: only the item owner can update shares")
	// ErrSlotNotFound reports a slot id or name the item does not have.
	ErrSlotNotFound = errors.New("client: slot not found")
	// ErrMissingVerification reports a received slot with a value but no
	// verification key or hash, which cannot be on-shared.
	ErrMissingVerification = errors.New("client: value verification key or hash missing in on-shared slot")
	// ErrHashMismatch reports a received slot whose value does not match
	// its value verification hash (see *HashMismatchError).
	ErrHashMismatch = errors.New("client: value verification hash mismatch")
	// ErrBadAuthData reports auth-file metadata that cannot be imported.
	ErrBadAuthData = errors.New("client: invalid auth data")
	// ErrUnknownTask reports a client task of a work type the client cannot
	// run.
	ErrUnknownTask = errors.New("client: unknown client task work type")
	// ErrNotRefused reports a negative check whose operation succeeded.
	ErrNotRefused = errors.New("client: operation that must fail succeeded")
	// ErrBadID reports an id that cannot be a segment of a request path
	// (empty, "." or ".."): sent, it would name another resource.
	ErrBadID = errors.New("client: id cannot be a path segment")
	// ErrResponseTooLarge reports a response body over MaxResponse
	// bytes: the client reads no more of it, and a cut body must not pass
	// for the whole.
	ErrResponseTooLarge = errors.New("client: response body too large")
	// ErrNotJSON reports a body that is not JSON at all (empty, HTML, cut
	// short) where the API answers JSON. It comes wrapped with
	// ErrBadResponse; unlike JSON of the wrong shape, it says the call did
	// not reach the API (a proxy's error page, a crashed server), see Fault.
	ErrNotJSON = errors.New("client: body is not JSON")
)

// Fault says why err shows that the target could not be exercised, as
// opposed to having answered wrongly: "connection refused", "connection
// reset", "no answer within the request timeout", "connection closed before
// the answer was complete", "HTTP 503 Service Unavailable", "a body that is
// not JSON where JSON is due". It returns "" when the target answered (a
// 4xx, JSON of the wrong shape, a value the protocol forbids) or when err
// is the client's own (ErrConfig, ErrBadID) or a cancelled context, which
// the caller must tell apart itself (an interrupted run is not the
// target's doing).
//
// A 5xx is a fault even where the protocol demands a 4xx refusal: the
// server broke on the request instead of refusing it, so whether it would
// have refused is unknown.
func Fault(err error) string {
	if err == nil || errors.Is(err, ErrConfig) || errors.Is(err, ErrBadID) {
		return ""
	}
	if st := status5xx(err); st != 0 {
		return fmt.Sprintf("HTTP %d %s", st, http.StatusText(st))
	}
	if errors.Is(err, ErrNotJSON) {
		return "a body that is not JSON where JSON is due"
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return ""
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED):
		return "connection reset"
	case errors.Is(err, syscall.EPIPE):
		return "connection broken (broken pipe)"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "no answer within the request timeout"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before the answer was complete"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "host not found"
	}
	var op *net.OpError
	if errors.As(err, &op) || errors.As(err, &ne) {
		return "network error"
	}
	return ""
}

// status5xx is the 5xx status of a failed call, 0 for anything else.
func status5xx(err error) int {
	var ce *Error
	if errors.As(err, &ce) && ce.Status >= 500 && ce.Status <= 599 {
		return ce.Status
	}
	var api *meeco.APIError
	if errors.As(err, &api) && api.Status >= 500 && api.Status <= 599 {
		return api.Status
	}
	return 0
}

// Error is a failed operation of the client: Op is what the caller asked
// for ("create item"), Method and Path the request that failed (empty when
// the failure was not an HTTP call), Status its HTTP status (0 without a
// response), Err the cause: a *meeco.APIError for an HTTP error, a cryppo
// error for a crypto failure, a transport error, or one of the Err*
// sentinels. Response, when set, is the raw response of the failing call.
type Error struct {
	Op       string
	Method   string
	Path     string
	Status   int
	Err      error
	Response *Response
}

func (e *Error) Error() string {
	s := e.Op
	if e.Method != "" {
		s += ": " + e.Method + " " + e.Path
	}
	if e.Err != nil {
		var api *meeco.APIError
		if errors.As(e.Err, &api) && api.Status != 0 {
			// "422 invalid_state: message" reads better than the APIError's
			// own "meeco: 422 ..." after the request line.
			msg := fmt.Sprintf("%d %s", api.Status, api.Kind)
			if api.Message != "" {
				msg += ": " + redact.String(api.Message)
			}
			s += ": " + msg
		} else {
			s += ": " + redact.String(e.Err.Error())
		}
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// HashMismatchError reports a received slot whose decrypted value does not
// match the owner's value verification hash. It matches ErrHashMismatch.
type HashMismatchError struct {
	ItemID   string
	SlotID   string
	SlotName string
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("client: slot %s (%s) of item %s: decrypted value does not match its value verification hash", e.SlotName, e.SlotID, e.ItemID)
}

// Is matches ErrHashMismatch.
func (e *HashMismatchError) Is(target error) bool { return target == ErrHashMismatch }

// ShareStateError reports an incoming share that cannot be read in its
// acceptance state. It matches ErrShareNotAccepted.
type ShareStateError struct {
	ShareID string
	State   meeco.AcceptanceState
}

func (e *ShareStateError) Error() string {
	return fmt.Sprintf("client: share %s: terms not accepted (%s); item cannot be decrypted", e.ShareID, e.State)
}

// Is matches ErrShareNotAccepted.
func (e *ShareStateError) Is(target error) bool { return target == ErrShareNotAccepted }

// opError wraps err as the failure of op, unless it already is an *Error
// (from an HTTP call inside op), in which case the inner request line is
// kept and op prefixed.
func opError(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if e.Op == op {
			return err
		}
		cp := *e
		cp.Op = op + ": " + e.Op
		return &cp
	}
	return &Error{Op: op, Err: err}
}

// badResponse builds an ErrBadResponse error with a reason that must not
// carry secrets.
func badResponse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadResponse}, args...)...)
}
