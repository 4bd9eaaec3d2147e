package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// faultListener serves each accepted connection with serve on a real
// loopback listener and returns its base URL.
func faultListener(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return "http://" + ln.Addr().String()
}

// readRequest reads one request's head so that the client has sent it.
func readRequest(c net.Conn) {
	_, _ = http.ReadRequest(bufio.NewReader(c))
}

// answer writes a raw HTTP response and closes the connection.
func answer(status int, contentType, body string) func(net.Conn) {
	return func(c net.Conn) {
		defer c.Close()
		readRequest(c)
		fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			status, http.StatusText(status), contentType, len(body), body)
	}
}

// TestFault checks, against real listeners, that every way a target can
// fail to be exercised is a fault with its reason, and that every answer,
// right or wrong, is not.
func TestFault(t *testing.T) {
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		u := "http://" + ln.Addr().String()
		ln.Close() // nothing listens there any more
		return u
	}
	tests := []struct {
		name  string
		base  func() string
		out   bool // decode the body as JSON
		ctx   func() (context.Context, context.CancelFunc)
		fault string // "" = the target answered
	}{
		{name: "refused", base: refused, fault: "connection refused"},
		{name: "reset", base: func() string {
			return faultListener(t, func(c net.Conn) {
				readRequest(c)
				c.(*net.TCPConn).SetLinger(0) // close with RST
				c.Close()
			})
		}, fault: "connection reset"},
		{name: "hang", base: func() string {
			return faultListener(t, func(c net.Conn) {
				readRequest(c)
				time.Sleep(5 * time.Second) // never answers in time
				c.Close()
			})
		}, fault: "no answer within the request timeout"},
		{name: "cut short", base: func() string {
			return faultListener(t, func(c net.Conn) {
				defer c.Close()
				readRequest(c)
				fmt.Fprint(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user\":")
			})
		}, out: true, fault: "connection closed before the answer was complete"},
		{name: "closed without answer", base: func() string {
			return faultListener(t, func(c net.Conn) { readRequest(c); c.Close() })
		}, fault: "connection closed before the answer was complete"},
		{name: "500", base: func() string {
			return faultListener(t, answer(500, "application/json", `{"errors":[{"error":"internal_error","message":"boom"}]}`))
		}, fault: "HTTP 500 Internal Server Error"},
		{name: "503 html", base: func() string {
			return faultListener(t, answer(503, "text/html", "<html>down for maintenance</html>"))
		}, fault: "HTTP 503 Service Unavailable"},
		{name: "200 html", base: func() string {
			return faultListener(t, answer(200, "text/html", "<html>welcome to nginx</html>"))
		}, out: true, fault: "a body that is not JSON where JSON is due"},
		{name: "200 empty", base: func() string {
			return faultListener(t, answer(200, "application/json", ""))
		}, out: true, fault: "a body that is not JSON where JSON is due"},

		// Answers: wrong, perhaps, but answers.
		{name: "404 meeco", base: func() string {
			return faultListener(t, answer(404, "application/json", `{"errors":[{"error":"not_found","message":"no"}]}`))
		}},
		{name: "403 html", base: func() string {
			return faultListener(t, answer(403, "text/html", "<html>forbidden</html>"))
		}},
		{name: "200 wrong shape", base: func() string {
			return faultListener(t, answer(200, "application/json", `{"user":"not an object"}`))
		}, out: true},
		{name: "cancelled", base: func() string {
			return faultListener(t, func(c net.Conn) { readRequest(c); time.Sleep(5 * time.Second); c.Close() })
		}, ctx: func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := tt.base()
			c, err := New(Config{VaultURL: base + "/vault", KeystoreURL: base + "/keystore",
				HTTPClient: &http.Client{Timeout: 500 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			var out any // no body is due
			if tt.out {
				out = &meeco.MeResponse{}
			}
			started := time.Now()
			_, err = c.Do(ctx, nil, Call{Op: "get me", Method: "GET", Path: meeco.VMe}, out)
			if err == nil {
				t.Fatalf("Do succeeded, want an error")
			}
			if took := time.Since(started); took > 3*time.Second {
				t.Errorf("Do took %v, want it bounded by the 500ms request timeout", took)
			}
			if got := Fault(err); got != tt.fault {
				t.Errorf("Fault(%v) = %q, want %q", err, got, tt.fault)
			}
		})
	}
}

// TestFaultOfOwnErrors checks that the client's own errors and wrapped
// causes are classified by what they wrap.
func TestFaultOfOwnErrors(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ErrConfig, ""},
		{&Error{Op: "x", Err: fmt.Errorf("%w: segment 1 is empty", ErrBadID)}, ""},
		{opError("create item", &Error{Op: "post", Status: 502, Err: meeco.ParseError(502, []byte("<html>"))}), "HTTP 502 Bad Gateway"},
		{&Error{Op: "x", Status: 422, Err: meeco.ParseError(422, []byte(`{"errors":[{"error":"invalid_state"}]}`))}, ""},
		{fmt.Errorf("step: %w", &Error{Op: "x", Err: ErrNotRefused}), ""},
		{errors.New("plain"), ""},
	}
	for _, tt := range tests {
		if got := Fault(tt.err); got != tt.want {
			t.Errorf("Fault(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if !strings.Contains(fmt.Sprint(ErrNotJSON), "not JSON") {
		t.Errorf("ErrNotJSON reads %q", ErrNotJSON)
	}
}
