package probe

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/ledger"
	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/steps"
)

// measuredKey marks a context whose requests are measured: those of the
// timed part of an iteration, not of a VU's setup.
type measuredKey struct{}

// Measured returns a context whose HTTP requests the Transport records.
func Measured(ctx context.Context) context.Context {
	return context.WithValue(ctx, measuredKey{}, true)
}

// Transport times every request made with a Measured context: from
// sending to the end of the response body (as k6's http_req_duration
// does), by route and status.
type Transport struct {
	Base   http.RoundTripper
	Router *Router
	Reg    *metrics.Registry

	handles sync.Map // routeStatus → *httpSeries
}

type routeStatus struct {
	route  string
	status int
}

type httpSeries struct {
	dur, reqs, failed *metrics.Series
}

func (t *Transport) series(route string, status int) *httpSeries {
	k := routeStatus{route, status}
	if h, ok := t.handles.Load(k); ok {
		return h.(*httpSeries)
	}
	rt := metrics.Tag{Key: metrics.TagRoute, Value: route}
	st := metrics.Tag{Key: metrics.TagStatus, Value: strconv.Itoa(status)}
	h := &httpSeries{
		dur:    t.Reg.Get(metrics.HTTPReqDuration, rt, st),
		reqs:   t.Reg.Get(metrics.HTTPReqs, rt, st),
		failed: t.Reg.Get(metrics.HTTPReqFailed, rt),
	}
	got, _ := t.handles.LoadOrStore(k, h)
	return got.(*httpSeries)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if req.Context().Value(measuredKey{}) == nil {
		return base.RoundTrip(req)
	}
	start := time.Now()
	resp, err := base.RoundTrip(req)
	route := t.Router.Route(req.Method, req.URL)
	if err != nil {
		t.record(route, 0, time.Since(start))
		return nil, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, done: func() { t.record(route, resp.StatusCode, time.Since(start)) }}
	return resp, nil
}

func (t *Transport) record(route string, status int, d time.Duration) {
	h := t.series(route, status)
	h.dur.Record(d)
	h.reqs.Add(1)
	h.failed.Sample(status < 200 || status > 399)
}

// timedBody calls done once, at EOF or Close, whichever comes first.
type timedBody struct {
	io.ReadCloser
	once atomic.Bool
	done func()
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.once.CompareAndSwap(false, true) {
		b.done()
	}
	return n, err
}

func (b *timedBody) Close() error {
	if b.once.CompareAndSwap(false, true) {
		b.done()
	}
	return b.ReadCloser.Close()
}

// Keys wraps a key source and times how long callers wait for a key: a
// run whose key supply cannot keep up shows it as key_supply_wait, not as
// slow steps.
type Keys struct {
	keysource.Source
	Wait *metrics.Series
}

// Key implements keysource.Source.
func (k *Keys) Key(ctx context.Context) (*cryppo.PrivateKey, error) {
	start := time.Now()
	key, err := k.Source.Key(ctx)
	k.Wait.Record(time.Since(start))
	return key, err
}

// TimedGenerate wraps an RSA key generator for keysource.FreshOptions so
// that every generation is recorded as crypto_duration{op:keygen}.
func TimedGenerate(reg *metrics.Registry, gen func(bits int) (*cryppo.PrivateKey, error)) func(bits int) (*cryppo.PrivateKey, error) {
	s := reg.Get(metrics.CryptoDuration, metrics.Tag{Key: metrics.TagOp, Value: ledger.CryptoKeyGen.String()})
	return func(bits int) (*cryppo.PrivateKey, error) {
		start := time.Now()
		k, err := gen(bits)
		s.Record(time.Since(start))
		return k, err
	}
}

// Iteration observes the steps and crypto operations of one iteration
// (or, with Timed false, of a VU's setup, whose durations are not part of
// the run but whose correctness failures are).
type Iteration struct {
	reg   *metrics.Registry
	in    *Instruments
	timed bool

	decrypts atomic.Int64 // decryption failures seen by the crypto observer
	hashes   atomic.Int64 // hash mismatches seen by the crypto observer
}

// Instruments are the series a run's observers record every iteration
// into, looked up once: a step's phrase and a series key cost more to make
// than the sample they would record.
type Instruments struct {
	reg    *metrics.Registry
	crypto []*metrics.Series // crypto_duration, by ledger.CryptoOp
	steps  sync.Map          // *steps.Definition → step_duration series
}

// NewInstruments makes the instruments of a run over reg.
func NewInstruments(reg *metrics.Registry) *Instruments {
	in := &Instruments{reg: reg}
	for _, op := range ledger.CryptoOps() {
		in.crypto = append(in.crypto, reg.Get(metrics.CryptoDuration, metrics.Tag{Key: metrics.TagOp, Value: op.String()}))
	}
	return in
}

// Iteration starts observing one iteration or, with timed false, a VU's
// set-up.
func (in *Instruments) Iteration(timed bool) *Iteration {
	return &Iteration{reg: in.reg, in: in, timed: timed}
}

func (in *Instruments) stepSeries(d *steps.Definition) *metrics.Series {
	if s, ok := in.steps.Load(d); ok {
		return s.(*metrics.Series)
	}
	s := in.reg.Get(metrics.StepDuration, metrics.Tag{Key: metrics.TagStep, Value: d.Phrase()})
	in.steps.Store(d, s)
	return s
}

// Options are the hooks to execute a steps.Run with.
func (it *Iteration) Options() steps.ExecOptions {
	return steps.ExecOptions{Step: it.step, Crypto: it}
}

// ObserveCrypto implements ledger.Observer.
func (it *Iteration) ObserveCrypto(op ledger.CryptoOp, d time.Duration, err error) {
	if it.timed && int(op) < len(it.in.crypto) {
		it.in.crypto[op].Record(d)
	}
	if err == nil {
		return
	}
	switch op {
	case ledger.CryptoAESDecrypt, ledger.CryptoRSAUnwrap:
		it.decrypts.Add(1)
		it.reg.Get(metrics.DecryptFailures, metrics.Tag{Key: metrics.TagOp, Value: op.String()}).Add(1)
	case ledger.CryptoHMAC:
		it.hashes.Add(1)
		it.reg.Get(metrics.HashFailures).Add(1)
	}
}

func (it *Iteration) step(_ int, d *steps.Definition, dur time.Duration, err error) {
	if it.timed {
		it.in.stepSeries(d).Record(dur)
	}
	if err == nil {
		return
	}
	kind := steps.Classify(err)
	if it.timed {
		it.reg.Get(metrics.StepFailures, metrics.Tag{Key: metrics.TagStep, Value: d.Phrase()}, metrics.Tag{Key: metrics.TagKind, Value: kind.String()}).Add(1)
	}
	if kind != steps.FailedTarget {
		return
	}
	for _, c := range Correctness(d, err) {
		switch c.Metric {
		case metrics.DecryptFailures:
			if it.decrypts.Load() > 0 {
				continue // already counted where the decryption failed
			}
			it.reg.Get(metrics.DecryptFailures, metrics.Tag{Key: metrics.TagOp, Value: "check"}).Add(1)
		case metrics.HashFailures:
			if it.hashes.Load() > 0 {
				continue
			}
			it.reg.Get(metrics.HashFailures).Add(1)
		case metrics.UnexpectedStatuses:
			it.reg.Get(metrics.UnexpectedStatuses, metrics.Tag{Key: metrics.TagStatus, Value: c.Status}).Add(1)
		case metrics.CrossUserLeaks:
			it.reg.Get(metrics.CrossUserLeaks).Add(1)
		}
	}
}

// Violation is one correctness counter a failed step increments.
type Violation struct {
	Metric string
	Status string // for unexpected_statuses
}

// isolationChecks are the step definitions (by ID) whose failure means a
// user read, changed or opened what belongs to another. A test checks
// each still names a check of the table.
var isolationChecks = []string{
	"access.item_denied",          // another user's item
	"access.share_denied",         // a share one is not party to
	"keystore.cannot_read",        // another user's keys
	"connection.record_denied",    // another user's connection record
	"share.key_opens_only_for",    // the share key opens for its recipient only
	"share.values_share_key_only", // values open with the share key only
	"share.no_value_for",          // slots not shared did not reach the recipient
	"share.locked_until_accepted", // the share key before the recipient accepted
	"session.sealed",              // a Vault token opens with its user's key only
}

// hashChecks are the step definitions whose failure is a value
// verification hash that does not verify.
var hashChecks = []string{"share.hashes_verify"}

// Correctness says which correctness counters a target failure of a step
// increments: a decryption or verification-hash failure in its error
// chain, an HTTP status the step did not expect, or a failed isolation
// check.
func Correctness(d *steps.Definition, err error) []Violation {
	var out []Violation
	if errors.Is(err, cryppo.ErrDecrypt) {
		out = append(out, Violation{Metric: metrics.DecryptFailures})
	}
	if errors.Is(err, client.ErrHashMismatch) || slices.Contains(hashChecks, d.ID) {
		out = append(out, Violation{Metric: metrics.HashFailures})
	}
	var ce *client.Error
	if errors.As(err, &ce) && ce.Status != 0 {
		out = append(out, Violation{Metric: metrics.UnexpectedStatuses, Status: strconv.Itoa(ce.Status)})
	} else if isRefusalCheck(d) {
		// A refusal check that failed got another answer than the
		// refusal: success, or another status.
		var tf *steps.TargetFailure
		if errors.As(err, &tf) && len(tf.Exchanges) > 0 {
			out = append(out, Violation{Metric: metrics.UnexpectedStatuses, Status: strconv.Itoa(tf.Exchanges[len(tf.Exchanges)-1].Status)})
		}
	}
	if slices.Contains(isolationChecks, d.ID) {
		out = append(out, Violation{Metric: metrics.CrossUserLeaks})
	}
	return out
}

// isRefusalCheck reports whether d checks that something was refused.
func isRefusalCheck(d *steps.Definition) bool {
	return d.Kind == steps.KindCheck && (strings.Contains(d.Template, " refused") || strings.Contains(d.Template, " rejected"))
}
