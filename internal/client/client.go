package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Config configures a Client.
type Config struct {
	// VaultURL and KeystoreURL are the services' base URLs, e.g.
	// https://sandbox.meeco.me/vault; route paths are appended.
	VaultURL    string
	KeystoreURL string
	// VaultSubscriptionKey and KeystoreSubscriptionKey are sent as
	// Meeco-Subscription-Key (the environment's subscription_key); empty is
	// sent as an empty header, as the SDK does with an empty key.
	VaultSubscriptionKey    string
	KeystoreSubscriptionKey string
	// Keys supplies every RSA keypair the client makes: the login keypair
	// and one per invitation or acceptance. Required by the flows that
	// make keypairs.
	Keys keysource.Source
	// Ledger records every crypto operation; nil records nothing.
	Ledger *ledger.Ledger
	// Log receives every exchange, redacted; nil makes a private one
	// (Client.Exchanges).
	Log *redact.Log
	// HTTPClient is the base client; its Transport is wrapped with the
	// recording transport. Nil means a client with a 60 s timeout.
	HTTPClient *http.Client
	// Rand is the randomness for secrets and SRP salts; nil means
	// crypto/rand. Keys and IVs always come from crypto/rand.
	Rand io.Reader
}

// Client talks to one Vault and one Keystore. It holds no per-user state
// and is safe for concurrent use.
type Client struct {
	cfg      Config
	vault    *url.URL
	keystore *url.URL
	http     *http.Client
	log      *redact.Log
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	vault, err := parseBase(cfg.VaultURL)
	if err != nil {
		return nil, fmt.Errorf("%w: vault URL: %v", ErrConfig, err)
	}
	ks, err := parseBase(cfg.KeystoreURL)
	if err != nil {
		return nil, fmt.Errorf("%w: keystore URL: %v", ErrConfig, err)
	}
	log := cfg.Log
	if log == nil {
		log = &redact.Log{}
	}
	base := cfg.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: 60 * time.Second}
	}
	hc := *base
	hc.Transport = &redact.Transport{Base: base.Transport, Log: log}
	return &Client{cfg: cfg, vault: vault, keystore: ks, http: &hc, log: log}, nil
}

// WithRecords returns a client like c that records into l and log
// instead: a load run's fork of a scenario gets its own ledger and
// exchange log without parsing the configuration again.
func (c *Client) WithRecords(l *ledger.Ledger, log *redact.Log) *Client {
	nc := *c
	nc.cfg.Ledger, nc.cfg.Log, nc.log = l, log, log
	hc := *c.http
	hc.Transport = &redact.Transport{Base: c.http.Transport.(*redact.Transport).Base, Log: log}
	nc.http = &hc
	return &nc
}

func parseBase(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, errors.New("does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("want an absolute http(s) URL")
	}
	return u, nil
}

// Exchanges is the log of every request and response, redacted.
func (c *Client) Exchanges() *redact.Log { return c.log }

// Ledger is the crypto ledger (nil if none was configured).
func (c *Client) Ledger() *ledger.Ledger { return c.cfg.Ledger }

// Config returns the configuration the client was made with.
func (c *Client) Config() Config { return c.cfg }

// Service names one of the two APIs.
type Service int

// The services.
const (
	Vault Service = iota
	Keystore
)

func (s Service) String() string {
	if s == Keystore {
		return "keystore"
	}
	return "vault"
}

// Headers is a set of the headers the SDK may send. The generated OpenAPI
// clients send, per operation, exactly the security schemes the operation
// declares: the login and registration routes only the subscription key,
// the rest the token and subscription key plus some of the Meeco-* headers
// as empty strings.
type Headers uint8

// Header bits.
const (
	HSubscription  Headers = 1 << iota // Meeco-Subscription-Key
	HAuthorization                     // Authorization: <raw token>
	HDelegation                        // Meeco-Delegation-Id (empty unless delegated)
	HOrganisation                      // Meeco-Organisation-Id ""
	HSrt                               // Meeco-Srt ""
	// HNone sends none of them (distinct from the zero value, which
	// means "the SDK's default for this call").
	HNone
)

// Header sets of the SDK's operations (read from @meeco/vault-api-sdk
// 39.6.1 and @meeco/keystore-api-sdk 10.1.1).
const (
	// HLogin: Vault POST /me and POST /session, Keystore /srp/*.
	HLogin = HSubscription
	// HFull: every other Vault operation, and Keystore keypairs and DEKs.
	HFull = HSubscription | HAuthorization | HDelegation | HOrganisation | HSrt
	// HKEK: Keystore GET/POST /key_encryption_key.
	HKEK = HSubscription | HAuthorization | HOrganisation | HSrt
	// HAdmission: Keystore GET /external_admission_tokens.
	HAdmission = HSubscription | HAuthorization | HDelegation
	// HKeystoreSession: Keystore DELETE /session.
	HKeystoreSession = HSubscription | HAuthorization
)

// Call is one request of the Meeco APIs, for Do.
type Call struct {
	// Op names what the caller is doing, for errors ("create item").
	Op      string
	Service Service
	Method  string
	// Path is relative to the service URL, with parameters filled in
	// (see Path).
	Path  string
	Query url.Values
	// Body is sent as JSON. []byte and json.RawMessage are sent verbatim
	// (for malformed-body checks); nil sends no body.
	Body any
	// Headers selects the headers; zero means HFull.
	Headers Headers
	// Token, when non-nil, replaces the auth's token of this service, so a
	// check can send another user's or a garbage token.
	Token *Token
}

// MaxResponse is the largest response body, in bytes, the client reads.
const MaxResponse = 32 << 20

// Path fills {name} parameters of a meeco route pattern in order, escaping
// each value as one path segment ("/" in a value is %2F). A value that
// cannot be a segment ("", ".", "..") is refused by Do when the path is
// used.
func Path(pattern string, values ...string) string {
	out := pattern
	for _, v := range values {
		i := strings.IndexByte(out, '{')
		j := strings.IndexByte(out, '}')
		if i < 0 || j < i {
			break
		}
		out = out[:i] + url.PathEscape(v) + out[j+1:]
	}
	return out
}

// Response is the raw answer to a call. Body may hold tokens (a session
// response): print the Response, not the Body, which redacts.
type Response struct {
	Method string
	URL    string // full request URL
	Status int
	Header http.Header
	Body   []byte
}

// String shows the status and the redacted body.
func (r *Response) String() string {
	if r == nil {
		return "Response(nil)"
	}
	return fmt.Sprintf("%s %s -> %d %s", r.Method, redact.String(r.path()), r.Status, redact.JSON(r.Body))
}

// Format redacts for every verb.
func (r *Response) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

func (r *Response) path() string {
	if u, err := url.Parse(r.URL); err == nil {
		return u.Path
	}
	return r.URL
}

// JSON decodes the body into out.
func (r *Response) JSON(out any) error {
	if err := json.Unmarshal(r.Body, out); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Not JSON at all: the answer did not come from the API.
			return fmt.Errorf("%w: %w: %s %s: %s", ErrBadResponse, ErrNotJSON, r.Method, r.path(), jsonErrNoValue(err))
		}
		return badResponse("%s %s: body does not decode: %v", r.Method, r.path(), jsonErrNoValue(err))
	}
	return nil
}

// jsonErrNoValue keeps the type information of a decoding error but never
// the offending value.
func jsonErrNoValue(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q: want %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	}
	return "invalid JSON"
}

// Do makes one call for auth (nil: no user; the token headers are then sent
// empty) and decodes a 2xx JSON body into out (when non-nil). It returns
// the Response whenever the server answered, also with an error. A non-2xx
// status is an *Error wrapping the *meeco.APIError parsed from the body.
func (c *Client) Do(ctx context.Context, auth *AuthData, call Call, out any) (*Response, error) {
	base := c.vault
	sub := c.cfg.VaultSubscriptionKey
	token := Token{}
	if call.Service == Keystore {
		base = c.keystore
		sub = c.cfg.KeystoreSubscriptionKey
	}
	if auth != nil {
		token = auth.VaultToken
		if call.Service == Keystore {
			token = auth.KeystoreToken
		}
	}
	if call.Token != nil {
		token = *call.Token
	}
	if auth != nil {
		// Every exchange is attributed to the user it acts for, whatever
		// the caller's context says.
		ctx = redact.WithActor(ctx, auth.Actor())
	}
	if err := checkSegments(call.Path); err != nil {
		return nil, &Error{Op: call.Op, Method: call.Method, Path: redact.String(call.Path), Err: err}
	}
	u := *base
	rawPath := base.EscapedPath() + call.Path
	unescaped, err := url.PathUnescape(rawPath)
	if err != nil {
		return nil, &Error{Op: call.Op, Method: call.Method, Path: redact.String(call.Path), Err: fmt.Errorf("%w: path is not a valid escaped path", ErrConfig)}
	}
	u.Path, u.RawPath = unescaped, rawPath
	if len(call.Query) > 0 {
		u.RawQuery = call.Query.Encode()
	}
	fail := func(status int, resp *Response, err error) (*Response, error) {
		return resp, &Error{Op: call.Op, Method: call.Method, Path: redact.Path(u.Path), Status: status, Err: err, Response: resp}
	}

	var body io.Reader
	var isJSON bool
	switch b := call.Body.(type) {
	case nil:
	case []byte:
		body, isJSON = bytes.NewReader(b), true
	case json.RawMessage:
		body, isJSON = bytes.NewReader(b), true
	default:
		enc, err := marshalJSON(b)
		if err != nil {
			return fail(0, nil, fmt.Errorf("encoding request body: %w", err))
		}
		body, isJSON = bytes.NewReader(enc), true
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, u.String(), body)
	if err != nil {
		return fail(0, nil, fmt.Errorf("building request: %w", err))
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	hs := call.Headers
	if hs == 0 {
		hs = HFull
	}
	delegation := ""
	if auth != nil {
		delegation = auth.DelegationID
	}
	// Set through the map, not Header.Set: the SDK sends "Meeco-Srt", which
	// canonicalization would keep, but an empty value must still be sent.
	if hs&HDelegation != 0 {
		req.Header["Meeco-Delegation-Id"] = []string{delegation}
	}
	if hs&HOrganisation != 0 {
		req.Header["Meeco-Organisation-Id"] = []string{""}
	}
	if hs&HSrt != 0 {
		req.Header["Meeco-Srt"] = []string{""}
	}
	if hs&HSubscription != 0 {
		req.Header["Meeco-Subscription-Key"] = []string{sub}
	}
	if hs&HAuthorization != 0 {
		req.Header["Authorization"] = []string{token.Reveal()}
	}

	hresp, err := c.http.Do(req)
	if err != nil {
		return fail(0, nil, redactURLError(err))
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, MaxResponse+1))
	if len(data) > MaxResponse {
		data = data[:MaxResponse]
		err = fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, MaxResponse)
	}
	resp := &Response{Method: call.Method, URL: u.String(), Status: hresp.StatusCode, Header: hresp.Header, Body: data}
	if err != nil {
		return fail(hresp.StatusCode, resp, fmt.Errorf("reading response: %w", err))
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		return fail(hresp.StatusCode, resp, meeco.ParseError(hresp.StatusCode, data))
	}
	if out != nil {
		if err := resp.JSON(out); err != nil {
			return fail(hresp.StatusCode, resp, err)
		}
	}
	return resp, nil
}

// checkSegments refuses a path with a segment that is empty or, once
// unescaped, a dot segment: an id of "" or ".." would make the request
// name another resource than the one meant.
func checkSegments(p string) error {
	for i, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		u, err := url.PathUnescape(seg)
		switch {
		case err != nil:
			return fmt.Errorf("%w: segment %d is not a valid escaped segment", ErrBadID, i+1)
		case u == "" && p != "" && p != "/":
			return fmt.Errorf("%w: segment %d is empty", ErrBadID, i+1)
		case u == "." || u == "..":
			return fmt.Errorf("%w: segment %d is %q", ErrBadID, i+1, u)
		}
	}
	return nil
}

// redactURLError drops the URL from a transport error (a path may hold an
// invitation token) and keeps the cause.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// marshalJSON encodes like JSON.stringify: no HTML escaping of <, > and &.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// call is Do for the flows: the SDK header set of the route, and an *Error
// naming op.
func (c *Client) call(ctx context.Context, auth *AuthData, op string, svc Service, hs Headers, method, path string, q url.Values, body, out any) (*Response, error) {
	return c.Do(ctx, auth, Call{Op: op, Service: svc, Method: method, Path: path, Query: q, Body: body, Headers: hs}, out)
}
