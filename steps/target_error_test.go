package steps

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fault is a middleware that makes POST /vault/items/{id}/shares fail in
// one way of exercise while its mode is set.
type fault struct{ mode atomic.Value }

func (f *fault) set(mode string) { f.mode.Store(mode) }

func (f *fault) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mode, _ := f.mode.Load().(string)
		if mode == "" || r.Method != "POST" || !reItemShares.MatchString(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		switch mode {
		case "html200":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>Welcome to nginx!</body></html>"))
		case "502":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>Bad Gateway</html>"))
		case "reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		case "hang":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}
	})
}

// wantTargetError checks that err, sealed, is a *TargetError with reason
// whose text still says what was being done, and holds no secret.
func (f *fixture) wantTargetError(err error, reason string, fragments ...string) {
	f.t.Helper()
	if err == nil {
		f.t.Fatalf("passed against a target that could not be exercised (%s), want a target error", reason)
	}
	err = f.w.Seal(err)
	var te *TargetError
	if !errors.As(err, &te) {
		f.t.Fatalf("error %T (%v), want *TargetError", err, err)
	}
	var marker interface{ TargetError() bool }
	if !errors.As(err, &marker) || !marker.TargetError() {
		f.t.Errorf("%v does not carry the TargetError marker", err)
	}
	if te.Reason != reason {
		f.t.Errorf("reason %q, want %q", te.Reason, reason)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "the target could not be exercised ("+reason+"): ") {
		f.t.Errorf("message %q does not start with the reason", msg)
	}
	for _, frag := range fragments {
		if !strings.Contains(msg, frag) {
			f.t.Errorf("message lacks %q:\n%s", frag, msg)
		}
	}
	for _, s := range f.secrets() {
		if s != "" && strings.Contains(msg, s) {
			f.t.Errorf("message holds a secret or plaintext (%d bytes):\n%s", len(s), msg)
		}
	}
}

// TestTargetFaultsAreTargetErrors checks that an action or a check that
// meets a target which does not answer, breaks (5xx) or answers a body
// that is not JSON ends in a *TargetError, not a *TargetFailure, whether
// its failure is reported by its own step, by a refusal check or at the
// end of the scenario; and that a wrong answer stays a failure.
func TestTargetFaultsAreTargetErrors(t *testing.T) {
	flt := &fault{}
	cfg := newConfig(t, flt.wrap)
	cfg.HTTPClient = &http.Client{Timeout: 500 * time.Millisecond}
	w, err := NewWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, nil)
	f.w = w
	f.must(f.w.RegisterUsers(f.ctx, []string{"Alice", "Bob"}))
	f.must(f.w.Connect(f.ctx, "Alice", "Bob"))
	f.must(f.w.CreateItem(f.ctx, "Alice", "vehicle", "My Car", carValues))

	share := func() error { return f.w.Share(f.ctx, "Alice", "My Car", "Bob", ShareOptions{}) }
	for _, tt := range []struct{ mode, reason string }{
		{"html200", "a body that is not JSON where JSON is due"},
		{"502", "HTTP 502 Bad Gateway"},
		{"reset", "connection reset"},
		{"hang", "no answer within the request timeout"},
	} {
		flt.set(tt.mode)
		started := time.Now()
		f.wantTargetError(share(), tt.reason, `Alice shares "My Car" with Bob`)
		if took := time.Since(started); took > 5*time.Second {
			t.Errorf("%s: took %v, want it bounded by the request timeout", tt.mode, took)
		}
	}

	// A 5xx where a refusal is due is a target error, not a refusal.
	flt.set("502")
	f.w.expectFail = true
	if err := share(); err != nil {
		t.Fatalf("action before a refusal check failed its own step: %v", err)
	}
	f.wantTargetError(f.w.CheckRefused(0), "HTTP 502 Bad Gateway", "want a refusal (HTTP 4xx), got")

	// Unchecked, the fault is a target error at the end of the scenario.
	flt.set("reset")
	f.w.expectFail = true
	if err := share(); err != nil {
		t.Fatal(err)
	}
	f.wantTargetError(f.w.Finish(), "connection reset", "want its failure checked by a later step")

	// A wrong answer is still a failure.
	flt.set("")
	f.w.expectFail = true
	f.must(share())
	err = f.w.Seal(f.w.CheckRefused(403))
	var te *TargetError
	var tf *TargetFailure
	if errors.As(err, &te) || !errors.As(err, &tf) {
		t.Errorf("success where a refusal is due: %T (%v), want a *TargetFailure only", err, err)
	}
}

// TestAsTargetErrorKeepsOtherKinds checks that errors which already say
// whose fault they are keep their kind.
func TestAsTargetErrorKeepsOtherKinds(t *testing.T) {
	for _, err := range []error{
		nil,
		&ScenarioError{Msg: "no user Zed"},
		&HarnessError{Msg: "key source", Err: errors.New("closed")},
		&TargetFailure{Msg: "want X, got Y"},
	} {
		if got := asTargetError(err); got != err {
			t.Errorf("asTargetError(%v) = %v, want it unchanged", err, got)
		}
	}
}
