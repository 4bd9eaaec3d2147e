package redact

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// MaxBody is the largest body, in bytes, Transport reads into an Exchange
// for redaction; larger bodies are summarized by size. The client's bodies
// are a few kilobytes; this bound only protects against a runaway server.
const MaxBody = 1 << 20

// MaxRaw is the largest body, in bytes, a Log that keeps raw exchanges
// holds: as much as the client itself reads of a response.
const MaxRaw = 32 << 20

// actorKey keys the acting user in a request's context.
type actorKey struct{}

// WithActor returns ctx carrying the name of the user a request acts for:
// the Transport attributes the exchanges of requests made with it to that
// user.
func WithActor(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, actorKey{}, name)
}

// Actor returns the user ctx acts for, "" when none.
func Actor(ctx context.Context) string {
	s, _ := ctx.Value(actorKey{}).(string)
	return s
}

// Exchange is one redacted HTTP request and its response. The fields are
// cheap to make and made when the exchange is recorded; its Detail (the
// URL, headers and bodies, redacted) is made from what was recorded the
// first time something asks for it, so that a run that shows no exchange
// pays for no redaction.
type Exchange struct {
	Seq int
	// Actor is the user the request acted for (WithActor), "" for none.
	Actor    string
	Method   string
	Path     string // the redacted path alone
	Status   int    // 0 when the round trip failed
	Duration time.Duration
	Err      string // transport error, redacted

	d *lazyDetail
}

// Detail is the redacted text of an exchange.
type Detail struct {
	URL            string // redacted by URL (a path may hold an invitation token)
	RequestHeader  http.Header
	RequestBody    string // redacted JSON, "" when there was none
	ResponseHeader http.Header
	ResponseBody   string
}

// lazyDetail holds what a Detail is made from until it is made. What it
// holds is unredacted: it never leaves this package, and fmt shows only
// its address.
type lazyDetail struct {
	once sync.Once
	d    Detail

	url                   *url.URL
	reqHeader, respHeader http.Header
	reqBody, respBody     []byte
	reqMore, respMore     bool // the body was longer than what was kept
}

func (l *lazyDetail) detail() Detail {
	l.once.Do(func() {
		l.d = Detail{
			URL:            URL(l.url),
			RequestHeader:  Header(l.reqHeader),
			RequestBody:    bodyText(l.reqBody, l.reqMore, l.reqHeader.Get("Content-Type")),
			ResponseHeader: Header(l.respHeader),
			ResponseBody:   bodyText(l.respBody, l.respMore, l.respHeader.Get("Content-Type")),
		}
		if l.respHeader == nil {
			l.d.ResponseHeader = nil
		}
		l.url, l.reqHeader, l.respHeader, l.reqBody, l.respBody = nil, nil, nil, nil, nil
	})
	return l.d
}

// Detail returns the exchange's URL, headers and bodies, redacted; it
// redacts them on the first call.
func (e Exchange) Detail() Detail {
	if e.d == nil {
		return Detail{}
	}
	return e.d.detail()
}

// WithDetail returns a copy of e whose Detail is d (a report passes the
// redacted text through a scrubber of its own).
func (e Exchange) WithDetail(d Detail) Exchange {
	l := &lazyDetail{d: d}
	l.once.Do(func() {})
	e.d = l
	return e
}

// String renders the exchange for a report, request lines prefixed "> "
// and response lines "< ", headers sorted.
func (e Exchange) String() string {
	d := e.Detail()
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", e.Method, d.URL)
	writeHeader(&b, "> ", d.RequestHeader)
	if d.RequestBody != "" {
		fmt.Fprintf(&b, "> %s\n", d.RequestBody)
	}
	if e.Err != "" {
		fmt.Fprintf(&b, "< error: %s\n", e.Err)
		return b.String()
	}
	fmt.Fprintf(&b, "< %d %s (%s)\n", e.Status, http.StatusText(e.Status), e.Duration.Round(time.Microsecond))
	writeHeader(&b, "< ", d.ResponseHeader)
	if d.ResponseBody != "" {
		fmt.Fprintf(&b, "< %s\n", d.ResponseBody)
	}
	return b.String()
}

// GoString is String, for %#v, which would otherwise show the fields.
func (e Exchange) GoString() string { return e.String() }

// Summary is the one-line form: "POST /vault/items -> 422".
func (e Exchange) Summary() string {
	path := e.Path
	if e.Err != "" {
		return fmt.Sprintf("%s %s -> error", e.Method, path)
	}
	return fmt.Sprintf("%s %s -> %d", e.Method, path, e.Status)
}

// HeaderShown reports whether a header is worth a line in a report, as
// Exchange.String shows them; the others (Date, Content-Length,
// User-Agent, ...) are noise.
func HeaderShown(name string) bool { return headerShown(name) }

// headersShown are the headers worth a line in a report; the others (Date,
// Content-Length, User-Agent, ...) are noise.
func headerShown(name string) bool {
	n := strings.ToLower(name)
	return strings.HasPrefix(n, "meeco-") || n == "authorization" || n == "content-type" || n == "location" ||
		n == "www-authenticate" || SecretHeader(name)
}

func writeHeader(b *strings.Builder, prefix string, h http.Header) {
	for _, k := range sortedKeys(h) {
		if !headerShown(k) {
			continue
		}
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %q\n", prefix, k, v)
		}
	}
}

// Raw is one exchange as it went over the wire, bodies unredacted, kept
// in memory for checks of what was sent and returned (the public keys a
// user sent, every encrypted field returned, no plaintext at rest). It is
// never shown: String and every fmt verb print its summary only.
type Raw struct {
	// Seq is the Seq of its redacted Exchange in the same Log.
	Seq    int
	Actor  string
	Method string
	// URL is the full request URL, unredacted (it may hold an
	// invitation token); Path is its path.
	URL, Path string
	// Status is 0 when the round trip failed.
	Status int
	// Request and Response are the bodies, at most MaxRaw bytes each;
	// Truncated says one was longer.
	Request, Response []byte
	Truncated         bool
}

// String shows the exchange without its URL or bodies.
func (r Raw) String() string {
	return fmt.Sprintf("raw exchange %d: %s %s -> %d (%d+%d bytes)", r.Seq, r.Method, Path(r.Path), r.Status, len(r.Request), len(r.Response))
}

// GoString shows the summary for %#v too.
func (r Raw) GoString() string { return r.String() }

// Format shows the summary for every verb.
func (r Raw) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// Log is a concurrency-safe list of exchanges. The zero value is ready to
// use.
type Log struct {
	// KeepRaw makes the Transport keep each exchange's raw bodies as well
	// (Raw), for checks; set it before the Log is used.
	KeepRaw bool

	mu sync.Mutex
	// base and baseRaw are the exchanges of the Log this one was forked
	// from, shared and never changed; ex and raw come after them.
	base    []Exchange
	baseRaw []Raw
	ex      []Exchange
	raw     []Raw
}

func (l *Log) add(e Exchange, r *Raw) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.Seq = len(l.base) + len(l.ex) + 1
	l.ex = append(l.ex, e)
	if r != nil {
		r.Seq = e.Seq
		l.raw = append(l.raw, *r)
	}
}

// Raw returns a copy of the raw exchanges (none unless KeepRaw).
func (l *Log) Raw() []Raw {
	l.mu.Lock()
	defer l.mu.Unlock()
	return concat(l.baseRaw, l.raw)
}

// RawAfter returns the raw exchanges whose Seq is above seq.
func (l *Log) RawAfter(seq int) []Raw {
	l.mu.Lock()
	defer l.mu.Unlock()
	after := func(rs []Raw) []Raw {
		i, _ := slices.BinarySearchFunc(rs, seq+1, func(r Raw, s int) int { return r.Seq - s })
		return rs[i:]
	}
	return concat(after(l.baseRaw), after(l.raw))
}

// Exchange returns the redacted exchange with the given Seq.
func (l *Log) Exchange(seq int) (Exchange, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case seq < 1 || seq > len(l.base)+len(l.ex):
		return Exchange{}, false
	case seq <= len(l.base):
		return l.base[seq-1], true
	}
	return l.ex[seq-1-len(l.base)], true
}

// Len is the number of exchanges recorded; use it as a mark before a step.
func (l *Log) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.base) + len(l.ex)
}

// Exchanges returns a copy of every exchange.
func (l *Log) Exchanges() []Exchange { return l.Since(0) }

// Since returns the exchanges after the first n.
func (l *Log) Since(n int) []Exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	n = max(n, 0)
	if n >= len(l.base)+len(l.ex) {
		return nil
	}
	if n >= len(l.base) {
		return slices.Clone(l.ex[n-len(l.base):])
	}
	return concat(l.base[n:], l.ex)
}

// Last returns the latest exchange, if any.
func (l *Log) Last() (Exchange, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case len(l.ex) > 0:
		return l.ex[len(l.ex)-1], true
	case len(l.base) > 0:
		return l.base[len(l.base)-1], true
	}
	return Exchange{}, false
}

// Fork returns a new Log that starts with l's exchanges (and raw
// exchanges), for a copy of a scenario that goes on from here; what either
// Log records later does not show in the other. The exchanges recorded so
// far are shared, not copied: they are never changed once recorded.
func (l *Log) Fork() *Log {
	l.mu.Lock()
	defer l.mu.Unlock()
	return &Log{KeepRaw: l.KeepRaw, base: concatShared(l.base, l.ex), baseRaw: concatShared(l.baseRaw, l.raw)}
}

// Reset forgets every exchange.
func (l *Log) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.base, l.baseRaw, l.ex, l.raw = nil, nil, nil, nil
}

// concat returns a new slice holding a then b, nil when both are empty.
func concat[T any](a, b []T) []T {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := make([]T, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}

// concatShared is concat that returns a itself (clipped) when b is empty,
// so that forking a fork that recorded nothing copies nothing.
func concatShared[T any](a, b []T) []T {
	if len(b) == 0 {
		return slices.Clip(a)
	}
	if len(a) == 0 {
		return slices.Clip(b)
	}
	return concat(a, b)
}

// Transport records every round trip through Base (http.DefaultTransport
// when nil) into Log. It never changes what is sent or received: bodies
// are read, recorded and replayed unchanged.
type Transport struct {
	Base http.RoundTripper
	Log  *Log
}

// RoundTrip implements http.RoundTripper. It keeps what the exchange's
// Detail is made from and redacts nothing unless asked (Exchange.Detail).
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if t.Log == nil {
		return base.RoundTrip(req)
	}
	limit := int64(MaxBody)
	var raw *Raw
	actor := Actor(req.Context())
	if t.Log.KeepRaw {
		limit = MaxRaw
		raw = &Raw{Actor: actor, Method: req.Method, URL: req.URL.String(), Path: req.URL.Path}
	}
	// The URL is copied, the header maps kept: a client neither changes
	// a request it sent nor the header of a response it got.
	u := *req.URL
	d := &lazyDetail{url: &u, reqHeader: req.Header}
	ex := Exchange{Actor: actor, Method: req.Method, Path: Path(req.URL.Path), d: d}
	if req.Body != nil && req.Body != http.NoBody {
		head, rest, err := peek(req.Body, req.ContentLength, limit)
		if err != nil {
			req.Body.Close()
			return nil, err
		}
		d.reqBody, d.reqMore = head, rest != nil
		if raw != nil {
			raw.Request, raw.Truncated = head, rest != nil
		}
		// The contract of RoundTripper forbids modifying req, so the
		// replayed body goes on a shallow copy.
		r2 := new(http.Request)
		*r2 = *req
		if rest == nil {
			r2.Body = io.NopCloser(bytes.NewReader(head))
			r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(head)), nil }
		} else {
			r2.Body = readCloser{io.MultiReader(bytes.NewReader(head), rest), rest}
			r2.GetBody = nil
		}
		req = r2
	}
	start := time.Now()
	resp, err := base.RoundTrip(req)
	ex.Duration = time.Since(start)
	if err != nil {
		ex.Err = String(err.Error())
		t.Log.add(ex, raw)
		return nil, err
	}
	ex.Status = resp.StatusCode
	d.respHeader = resp.Header
	if d.respHeader == nil {
		d.respHeader = http.Header{}
	}
	if raw != nil {
		raw.Status = resp.StatusCode
	}
	if resp.Body != nil {
		head, rest, rerr := peek(resp.Body, resp.ContentLength, limit)
		d.respBody, d.respMore = head, rest != nil
		if raw != nil {
			raw.Response = head
			raw.Truncated = raw.Truncated || rest != nil
		}
		if rerr != nil {
			resp.Body.Close()
			ex.Err = String(rerr.Error())
			t.Log.add(ex, raw)
			return nil, rerr
		}
		if rest == nil {
			resp.Body = io.NopCloser(bytes.NewReader(head))
		} else {
			resp.Body = readCloser{io.MultiReader(bytes.NewReader(head), rest), rest}
		}
	}
	t.Log.add(ex, raw)
	return resp, nil
}

// peek reads up to limit bytes of r, whose length is size when known (-1
// when not). When r is that short it is read to the end and closed, and
// rest is nil; otherwise head holds limit bytes and rest is r itself, still
// open, positioned after them, so the caller can replay the whole body.
func peek(r io.ReadCloser, size, limit int64) (head []byte, rest io.ReadCloser, err error) {
	n := int64(512)
	if size >= 0 {
		// One allocation for a body of known length (and the byte that
		// shows it is no longer), up to a size that a lying
		// Content-Length cannot turn into a large allocation.
		n = min(size, limit, maxPresize) + 1
	}
	head, err = readAll(io.LimitReader(r, limit+1), int(n))
	if err != nil {
		return head, nil, err
	}
	if int64(len(head)) <= limit {
		r.Close()
		return head, nil, nil
	}
	return head[:limit], readCloser{io.MultiReader(bytes.NewReader(head[limit:]), r), r}, nil
}

// readAll is io.ReadAll into a buffer of the given starting capacity.
func readAll(r io.Reader, capacity int) ([]byte, error) {
	b := make([]byte, 0, capacity)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// maxPresize bounds the buffer peek allocates ahead for a body of known
// length; longer bodies grow it as they arrive.
const maxPresize = 64 << 10

type readCloser struct {
	io.Reader
	io.Closer
}

// bodyText redacts a body for the log: JSON by field rules, short plain
// text through String, anything else by size only.
func bodyText(body []byte, more bool, contentType string) string {
	if more || len(body) > MaxBody {
		return fmt.Sprintf("[more than %d bytes]", MaxBody)
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return ""
	}
	if trimmed[0] == '{' || trimmed[0] == '[' || strings.Contains(contentType, "json") {
		return JSON(body)
	}
	if strings.HasPrefix(contentType, "text/") && len(body) <= 2048 {
		return String(string(trimmed))
	}
	return fmt.Sprintf("[%d bytes, %s]", len(body), contentTypeOrUnknown(contentType))
}

func contentTypeOrUnknown(ct string) string {
	if ct == "" {
		return "no content type"
	}
	return String(ct)
}
