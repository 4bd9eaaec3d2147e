// Package fakevault is an in-process fake of Meeco's Vault and Keystore: an
// http.Handler serving both APIs (under /vault and /keystore) as a client
// sees them, down to status codes, field names and error bodies, while
// holding only what the real services hold — ciphertext, public keys,
// wrapped keys and SRP verifiers.
//
// The layout: server.go routes requests and runs the middleware (panic
// guard, request log, subscription key, authentication); one handlers_*.go
// file per resource decodes a request, calls one Store method and encodes
// the answer; store*.go hold every rule of the API, with no HTTP, so they
// are tested in tables; errors.go writes the error table of internal/meeco.
package fakevault

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// Options configure a Server. The zero value is usable.
type Options struct {
	// SubscriptionKey, when set, must match every request's
	// Meeco-Subscription-Key header. Empty accepts any value or none.
	SubscriptionKey string
	// MaxBodyBytes caps request bodies (default 1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// Logger receives one line per request at Info, and handler panics at
	// Error (default: discard).
	Logger *slog.Logger
	// Quiet drops the per-request line; panics are still logged.
	Quiet bool
	// Now is the clock (default time.Now); tests move time with it.
	Now func() time.Time
	// TokenTTL is the life of sessions and admission tokens when the client
	// asks for none (default 24h).
	TokenTTL time.Duration
	// Faults are the bugs the fake is told to have; none by default.
	Faults FaultSet
}

// Option configures New, NewStore and NewTestServer. An Options value is
// one: its non-zero fields override what earlier options set, and its
// faults are added to theirs. WithFaults is another. So both
//
//	fakevault.New(fakevault.Options{SubscriptionKey: key, Faults: set})
//	fakevault.New(fakevault.WithFaults(fakevault.FaultShareDEKSwapped))
//
// read as they should, and mix: New(Options{...}, WithFaults(...)).
type Option interface{ apply(*Options) }

func (o Options) apply(dst *Options) {
	if o.SubscriptionKey != "" {
		dst.SubscriptionKey = o.SubscriptionKey
	}
	if o.MaxBodyBytes != 0 {
		dst.MaxBodyBytes = o.MaxBodyBytes
	}
	if o.Logger != nil {
		dst.Logger = o.Logger
	}
	if o.Quiet {
		dst.Quiet = true
	}
	if o.Now != nil {
		dst.Now = o.Now
	}
	if o.TokenTTL != 0 {
		dst.TokenTTL = o.TokenTTL
	}
	dst.Faults = dst.Faults.Union(o.Faults)
}

type optionFunc func(*Options)

func (f optionFunc) apply(o *Options) { f(o) }

// WithFaults turns the given faults on.
func WithFaults(faults ...Fault) Option {
	set := NewFaultSet(faults...)
	return optionFunc(func(o *Options) { o.Faults = o.Faults.Union(set) })
}

// collect merges opts in order and fills in the defaults.
func collect(opts []Option) Options {
	var o Options
	for _, x := range opts {
		if x != nil {
			x.apply(&o)
		}
	}
	return o.withDefaults()
}

// DefaultMaxBodyBytes is the default body cap.
const DefaultMaxBodyBytes = 1 << 20

func (o Options) withDefaults() Options {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 24 * time.Hour
	}
	return o
}

// Server is the fake Vault and Keystore. It implements http.Handler.
type Server struct {
	opts   Options
	faults FaultSet
	store  *Store
	mux    *http.ServeMux
	routes []route
}

// authKind says which token a route needs.
type authKind int

const (
	authNone authKind = iota
	authKeystore
	authVault
)

func (a authKind) String() string {
	return [...]string{"none", "keystore", "vault"}[a]
}

// route is one entry of the routing table. path includes the service
// prefix and uses http.ServeMux wildcards.
type route struct {
	method, path string
	auth         authKind
	handle       handlerFunc
}

// handlerFunc is a thin handler: it returns the status and body of a
// success, or an error that writeError renders.
type handlerFunc func(s *Server, c *call) (int, any, error)

// call is one request as a handler sees it.
type call struct {
	w     http.ResponseWriter
	r     *http.Request
	uid   string // Keystore or Vault user id, per the route's auth
	token string
	max   int64
	body  []byte // the body decode read, for FaultErrorEchoesInput
}

// routeTable lists every route. The access-control test walks it, so a
// route added here is tested without further ado.
func routeTable() []route {
	ks, v := meeco.KeystorePrefix, meeco.VaultPrefix
	return []route{
		{"POST", ks + meeco.KSSRPUsername, authNone, (*Server).handleSRPUsername},
		{"POST", ks + meeco.KSSRPUsers, authNone, (*Server).handleSRPUserCreate},
		{"POST", ks + meeco.KSSRPChallenges, authNone, (*Server).handleSRPChallenge},
		{"POST", ks + meeco.KSSRPSession, authNone, (*Server).handleSRPSession},
		{"DELETE", ks + meeco.KSSession, authKeystore, (*Server).handleKeystoreLogout},
		{"GET", ks + meeco.KSExternalAdmissionTokens, authKeystore, (*Server).handleAdmissionTokens},
		{"POST", ks + meeco.KSKeyEncryptionKey, authKeystore, (*Server).handleKEKCreate},
		{"GET", ks + meeco.KSKeyEncryptionKey, authKeystore, (*Server).handleKEKGet},
		{"POST", ks + meeco.KSDataEncryptionKeys, authKeystore, (*Server).handleDEKCreate},
		{"GET", ks + meeco.KSDataEncryptionKey, authKeystore, (*Server).handleDEKGet},
		{"POST", ks + meeco.KSKeypairs, authKeystore, (*Server).handleKeypairCreate},
		{"GET", ks + meeco.KSKeypair, authKeystore, (*Server).handleKeypairGet},
		{"GET", ks + meeco.KSKeypairByExternalID, authKeystore, (*Server).handleKeypairByExternalID},

		{"POST", v + meeco.VMe, authNone, (*Server).handleMeCreate},
		{"GET", v + meeco.VMe, authVault, (*Server).handleMeGet},
		{"PUT", v + meeco.VMe, authVault, (*Server).handleMeUpdate},
		{"POST", v + meeco.VSession, authNone, (*Server).handleVaultLogin},
		{"DELETE", v + meeco.VSession, authVault, (*Server).handleVaultLogout},
		{"GET", v + meeco.VItemTemplates, authVault, (*Server).handleTemplateList},
		{"GET", v + meeco.VItemTemplate, authVault, (*Server).handleTemplateGet},
		{"GET", v + meeco.VClassificationNodes, authVault, (*Server).handleNodeList},
		{"POST", v + meeco.VClassificationNodes, authVault, (*Server).handleNodeCreate},
		{"POST", v + meeco.VItems, authVault, (*Server).handleItemCreate},
		{"GET", v + meeco.VItems, authVault, (*Server).handleItemList},
		{"GET", v + meeco.VItem, authVault, (*Server).handleItemGet},
		{"PUT", v + meeco.VItem, authVault, (*Server).handleItemUpdate},
		{"DELETE", v + meeco.VItem, authVault, (*Server).handleItemDelete},
		{"POST", v + meeco.VItemEncrypt, authVault, (*Server).handleItemEncrypt},
		{"GET", v + meeco.VSlot, authVault, (*Server).handleSlotGet},
		{"DELETE", v + meeco.VSlot, authVault, (*Server).handleSlotDelete},
		{"POST", v + meeco.VInvitations, authVault, (*Server).handleInvitationCreate},
		{"GET", v + meeco.VInvitations, authVault, (*Server).handleInvitationList},
		{"GET", v + meeco.VInvitation, authVault, (*Server).handleInvitationGet},
		{"DELETE", v + meeco.VInvitation, authVault, (*Server).handleInvitationDelete},
		{"POST", v + meeco.VConnections, authVault, (*Server).handleConnectionCreate},
		{"GET", v + meeco.VConnections, authVault, (*Server).handleConnectionList},
		{"GET", v + meeco.VConnection, authVault, (*Server).handleConnectionGet},
		{"DELETE", v + meeco.VConnection, authVault, (*Server).handleConnectionDelete},
		{"POST", v + meeco.VItemShares, authVault, (*Server).handleShareCreate},
		{"GET", v + meeco.VItemShares, authVault, (*Server).handleItemSharesGet},
		{"PUT", v + meeco.VItemShares, authVault, (*Server).handleItemSharesUpdate},
		{"GET", v + meeco.VIncomingShares, authVault, (*Server).handleIncomingList},
		{"GET", v + meeco.VIncomingShare, authVault, (*Server).handleIncomingGet},
		{"GET", v + meeco.VIncomingShareItem, authVault, (*Server).handleIncomingItem},
		{"PUT", v + meeco.VIncomingShareAccept, authVault, (*Server).handleShareAccept},
		{"GET", v + meeco.VOutgoingShares, authVault, (*Server).handleOutgoingList},
		{"GET", v + meeco.VOutgoingShare, authVault, (*Server).handleOutgoingGet},
		{"DELETE", v + meeco.VShare, authVault, (*Server).handleShareDelete},
		{"PUT", v + meeco.VShares, authVault, (*Server).handleSharesReconfigure},
		{"GET", v + meeco.VClientTaskQueue, authVault, (*Server).handleTaskList},
		{"PUT", v + meeco.VClientTaskQueue, authVault, (*Server).handleTaskUpdate},
	}
}

// New returns a Server with an empty store and the seeded templates.
func New(opts ...Option) *Server {
	o := collect(opts)
	s := &Server{opts: o, faults: o.Faults, store: NewStore(o), mux: http.NewServeMux(), routes: routeTable()}
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.path, s.endpoint(rt))
	}
	s.mux.HandleFunc("/", s.noRoute)
	return s
}

// Store returns the server's store, for tests and benchmarks that set up
// state without HTTP.
func (s *Server) Store() *Store { return s.store }

// statusWriter records the status for the request log and the panic guard.
// It also holds the call the route's endpoint fills in, so that a request
// costs one allocation of the middleware's, not two.
type statusWriter struct {
	http.ResponseWriter
	status int
	c      call
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP runs the middleware around the routes: a panic guard that still
// answers a Meeco 500 (and logs), one log line per request, and the
// subscription key check.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The request line is built only when it will be written: under load
	// (serve --quiet) its path redaction, attributes and clock reads would
	// be the middleware's main cost.
	logReq := !s.opts.Quiet && s.opts.Logger.Enabled(r.Context(), slog.LevelInfo)
	var start time.Time
	if logReq {
		start = time.Now()
	}
	sw := &statusWriter{ResponseWriter: w}
	defer s.finish(sw, r, start, logReq)
	if s.opts.SubscriptionKey != "" && r.Header.Get(meeco.HeaderSubscriptionKey) != s.opts.SubscriptionKey {
		s.writeError(sw, meeco.NewError(meeco.SubscriptionKeyInvalid, "missing or invalid subscription key"), nil)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// finish is ServeHTTP's deferred half: the panic guard and the request
// line. It must be deferred directly, for recover to see the panic.
func (s *Server) finish(sw *statusWriter, r *http.Request, start time.Time, logReq bool) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.opts.Logger.Error("handler panic", "method", r.Method, "path", redactPath(r.URL.Path),
			"panic", clip(fmt.Sprint(v), 200), "stack", string(debug.Stack()))
		if sw.status == 0 {
			s.writeError(sw, meeco.NewError(meeco.InternalError, "internal error"), nil)
		}
		logReq = !s.opts.Quiet
	}
	if !logReq {
		return
	}
	path := redactPath(r.URL.Path)
	if s.faults.Has(FaultLogSecrets) {
		path = r.URL.RequestURI()
		s.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", path),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)),
			slog.String("authorization", r.Header.Get(meeco.HeaderAuthorization)))
		return
	}
	s.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("path", path),
		slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)))
}

// endpoint wraps a route's handler with authentication.
func (s *Server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c *call
		if sw, ok := w.(*statusWriter); ok {
			c = &sw.c
		} else {
			c = new(call)
		}
		*c = call{w: w, r: r, max: s.opts.MaxBodyBytes}
		if rt.auth != authNone {
			c.token = bearer(r.Header.Get(meeco.HeaderAuthorization))
			var err error
			if rt.auth == authKeystore {
				c.uid, err = s.store.AuthKeystore(c.token)
			} else {
				c.uid, err = s.store.AuthVault(c.token)
			}
			if err != nil {
				s.writeError(w, err, c)
				return
			}
		}
		status, body, err := rt.handle(s, c)
		switch {
		case err != nil:
			s.writeError(w, err, c)
		case status == http.StatusNoContent:
			w.WriteHeader(status)
		default:
			s.writeJSON(w, status, body)
		}
	})
}

// bearer extracts the token: the SDK sends it raw, docs sometimes show a
// Bearer prefix; both work.
func bearer(h string) string {
	h = strings.TrimSpace(h)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		h = strings.TrimSpace(h[7:])
	}
	return h
}

// noRoute answers paths no route takes: 405 with Allow when the path
// exists for other methods, 404 otherwise.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, meeco.NewError(meeco.MethodNotAllowed, "method %s not allowed here", clip(r.Method, 16)), nil)
		return
	}
	s.writeError(w, meeco.NewError(meeco.RouteNotFound, "no route for this path"), nil)
}

// redactPath keeps a path's ids for the log but drops anything that could
// be a secret: an invitation token (the only secret that travels in a
// path) or any other long segment that is not a UUID.
func redactPath(p string) string {
	segs := strings.Split(clip(p, 512), "/")
	for i, seg := range segs {
		if len(seg) >= 32 && !isUUID(seg) {
			segs[i] = "REDACTED"
		}
	}
	return strings.Join(segs, "/")
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// errBodyTooLarge is what the decoder answers for an oversized body.
var errBodyTooLarge = meeco.NewError(meeco.PayloadTooLarge, "request body too large")
