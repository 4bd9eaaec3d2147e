package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"ok", Config{VaultURL: "http://h/vault", KeystoreURL: "https://h/keystore/"}, true},
		{"no vault", Config{KeystoreURL: "http://h/keystore"}, false},
		{"relative", Config{VaultURL: "/vault", KeystoreURL: "http://h/keystore"}, false},
		{"ftp", Config{VaultURL: "ftp://h/vault", KeystoreURL: "http://h/keystore"}, false},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v does not match ErrConfig", tt.name, err)
		}
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		pattern string
		values  []string
		want    string
	}{
		{meeco.VItem, []string{"abc"}, "/items/abc"},
		{meeco.VIncomingShareItem, []string{"s1"}, "/incoming_shares/s1/item"},
		{meeco.VItem, []string{"a/b c"}, "/items/a%2Fb%20c"},
		{meeco.VItems, nil, "/items"},
	}
	for _, tt := range tests {
		if got := Path(tt.pattern, tt.values...); got != tt.want {
			t.Errorf("Path(%q, %q) = %q, want %q", tt.pattern, tt.values, got, tt.want)
		}
	}
}

// TestDo checks headers, escaping and error parsing against a recording
// server.
func TestDo(t *testing.T) {
	var last *http.Request
	var lastBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		last, lastBody = r.Clone(context.Background()), string(b)
		switch {
		case strings.HasSuffix(r.URL.Path, "/fail"):
			w.WriteHeader(422)
			io.WriteString(w, `{"errors":[{"error":"invalid_state","http_code":422,"message":"bad state for token Xq9fK2mZ8vLw3RtY7uPa4sDeQ1","extra_info":{}}]}`)
		case strings.HasSuffix(r.URL.Path, "/html"):
			w.WriteHeader(502)
			io.WriteString(w, `<html>bad gateway</html>`)
		case strings.HasSuffix(r.URL.Path, "/garbage"):
			io.WriteString(w, `{"item":`)
		default:
			io.WriteString(w, `{"user":{"id":"u1"}}`)
		}
	}))
	defer srv.Close()
	c, err := New(Config{VaultURL: srv.URL + "/vault", KeystoreURL: srv.URL + "/keystore", VaultSubscriptionKey: "sub"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	auth := &AuthData{VaultToken: NewToken("vault-token"), KeystoreToken: NewToken("ks-token"), DelegationID: "d1"}

	var me meeco.MeResponse
	resp, err := c.Do(ctx, auth, Call{Op: "get me", Method: "GET", Path: meeco.VMe}, &me)
	if err != nil || me.User.ID != "u1" || resp.Status != 200 {
		t.Fatalf("Do: %v %v", resp, err)
	}
	if last.URL.Path != "/vault/me" || last.Header.Get("Authorization") != "vault-token" ||
		last.Header.Get("Meeco-Subscription-Key") != "sub" || last.Header.Get("Meeco-Delegation-Id") != "d1" {
		t.Errorf("request %s headers %v", last.URL.Path, last.Header)
	}
	if _, ok := last.Header["Meeco-Srt"]; !ok {
		t.Errorf("empty Meeco-Srt not sent")
	}
	if last.Header.Get("Content-Type") != "" {
		t.Errorf("GET without body sends Content-Type")
	}

	// Keystore, login headers, escaped path, JSON body without HTML escaping.
	_, err = c.Do(ctx, auth, Call{Op: "x", Service: Keystore, Method: "POST", Path: Path("/keypairs/{id}", "a b"),
		Headers: HLogin, Body: map[string]string{"label": "<Tom & Jerry>"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if last.URL.EscapedPath() != "/keystore/keypairs/a%20b" {
		t.Errorf("path %s", last.URL.EscapedPath())
	}
	if _, ok := last.Header["Authorization"]; ok {
		t.Errorf("login headers include Authorization")
	}
	if lastBody != `{"label":"<Tom & Jerry>"}` {
		t.Errorf("body %s", lastBody)
	}
	if last.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", last.Header.Get("Content-Type"))
	}

	// HNone sends none; a token override is used.
	other := NewToken("other")
	c.Do(ctx, auth, Call{Op: "x", Method: "GET", Path: "/me", Headers: HNone, Token: &other}, nil)
	for _, h := range []string{"Authorization", "Meeco-Subscription-Key", "Meeco-Delegation-Id"} {
		if _, ok := last.Header[h]; ok {
			t.Errorf("HNone sent %s", h)
		}
	}
	c.Do(ctx, auth, Call{Op: "x", Method: "GET", Path: "/me", Token: &other}, nil)
	if last.Header.Get("Authorization") != "other" {
		t.Errorf("token override not used")
	}

	// A Meeco error becomes an *Error wrapping the *meeco.APIError, and the
	// server's message is redacted.
	resp, err = c.Do(ctx, auth, Call{Op: "create item", Method: "POST", Path: "/fail", Body: struct{}{}}, nil)
	var e *Error
	var api *meeco.APIError
	if !errors.As(err, &e) || !errors.As(err, &api) || !errors.Is(err, meeco.InvalidState) {
		t.Fatalf("err %v", err)
	}
	if e.Status != 422 || resp == nil || resp.Status != 422 || e.Response != resp {
		t.Errorf("status %d resp %v", e.Status, resp)
	}
	want := "create item: POST /vault/fail: 422 invalid_state: bad state for token [redacted 26 chars]"
	if err.Error() != want {
		t.Errorf("error\n got %q\nwant %q", err.Error(), want)
	}
	// A non-Meeco error body falls back to the status.
	_, err = c.Do(ctx, auth, Call{Op: "x", Method: "GET", Path: "/html"}, nil)
	if !errors.Is(err, meeco.KindForStatus(502)) || statusOf(err) != 502 {
		t.Errorf("html error: %v", err)
	}
	// A 2xx body that does not decode.
	_, err = c.Do(ctx, auth, Call{Op: "x", Method: "GET", Path: "/garbage"}, &me)
	if !errors.Is(err, ErrBadResponse) {
		t.Errorf("garbage body: %v", err)
	}
	// A transport error names no URL.
	c2, _ := New(Config{VaultURL: "http://127.0.0.1:1/vault", KeystoreURL: "http://127.0.0.1:1/keystore"})
	_, err = c2.Do(ctx, auth, Call{Op: "x", Method: "GET", Path: "/invitations/Xq9fK2mZ8vLw3RtY7uPa4sDeQ1"}, nil)
	if err == nil || strings.Contains(err.Error(), "Xq9fK2mZ8vLw3RtY7uPa4sDeQ1") {
		t.Errorf("transport error %v", err)
	}
	// Every exchange is logged, redacted.
	for _, ex := range c.Exchanges().Exchanges() {
		if strings.Contains(ex.String(), "vault-token") {
			t.Errorf("exchange leaks the token: %s", ex)
		}
	}
}

func TestSecretsPrintRedacted(t *testing.T) {
	tok := NewToken("super-secret-token-value")
	v := NewValue("plaintext value")
	s := &Slot{Value: v, vvk: seal([]byte("0123456789"))}
	it := &Item{Slots: []Slot{*s}}
	out := fmtAll(tok) + fmtAll(v) + fmtAll(*s) + fmtAll(it) + fmtAll(struct{ t Token }{tok}) + fmtAll(struct{ v Value }{v})
	for _, leak := range []string{"super-secret-token-value", "plaintext value", "0123456789", "3031323334"} {
		if strings.Contains(out, leak) {
			t.Errorf("formatting leaks %q: %s", leak, out)
		}
	}
	if _, err := tok.MarshalText(); err == nil {
		t.Errorf("Token marshals")
	}
	if _, err := v.MarshalText(); err == nil {
		t.Errorf("Value marshals")
	}
	if !v.Equal("plaintext value") || v.Equal("other") || (Value{}).Equal("") || (Value{}).IsSet() || !NewValue("").IsSet() {
		t.Errorf("Value semantics")
	}
	if tok.Reveal() != "super-secret-token-value" || (Token{}).Reveal() != "" || !(Token{}).IsZero() {
		t.Errorf("Token semantics")
	}
	if got := s.VerificationKey(); string(got) != "0123456789" {
		t.Errorf("VerificationKey = %q", got)
	}
	var nilAuth *AuthData
	if fmt.Sprint(nilAuth) != "AuthData(nil)" || nilAuth.Actor() != "" {
		t.Errorf("nil AuthData")
	}
}

func TestErrorKinds(t *testing.T) {
	hm := &Error{Op: "read share", Err: &HashMismatchError{ItemID: "i", SlotID: "s", SlotName: "vin"}}
	if !errors.Is(hm, ErrHashMismatch) || errors.Is(hm, ErrShareNotAccepted) {
		t.Errorf("HashMismatchError kinds")
	}
	st := &Error{Op: "read share", Err: &ShareStateError{ShareID: "s", State: meeco.AcceptanceRequired}}
	if !errors.Is(st, ErrShareNotAccepted) || !strings.Contains(st.Error(), "acceptance_required") {
		t.Errorf("ShareStateError: %v", st)
	}
	inner := &Error{Op: "get connection", Method: "GET", Path: "/vault/connections/x", Status: 404, Err: meeco.NewError(meeco.NotFound, "no connection")}
	outer := opError("share item", inner)
	if outer.Error() != "share item: get connection: GET /vault/connections/x: 404 not_found: no connection" {
		t.Errorf("nested error %q", outer.Error())
	}
	if statusOf(outer) != 404 || !errors.Is(outer, meeco.NotFound) {
		t.Errorf("nested error lost status or kind")
	}
	if opError("x", nil) != nil {
		t.Errorf("opError(nil) != nil")
	}
}

func TestRunClientTasksRefusesUnknownWork(t *testing.T) {
	c, _ := New(Config{VaultURL: "http://127.0.0.1:1/vault", KeystoreURL: "http://127.0.0.1:1/keystore"})
	_, err := c.RunClientTasks(context.Background(), &AuthData{}, []meeco.ClientTask{{ID: "t", WorkType: meeco.WorkSetupKeyDelegation, State: meeco.TaskTodo}})
	if !errors.Is(err, ErrUnknownTask) {
		t.Errorf("unknown work type: %v", err)
	}
	_, err = c.RunClientTasks(context.Background(), &AuthData{}, []meeco.ClientTask{{ID: "t", WorkType: meeco.WorkUpdateItemShares, State: meeco.TaskDone}})
	if !errors.Is(err, meeco.InvalidState) {
		t.Errorf("done task: %v", err)
	}
	if c.Exchanges().Len() != 0 {
		t.Errorf("refused task run made calls")
	}
}

func TestNoKeySource(t *testing.T) {
	c, _ := New(Config{VaultURL: "http://127.0.0.1:1/vault", KeystoreURL: "http://127.0.0.1:1/keystore"})
	_, err := c.CreateInvitation(context.Background(), &AuthData{}, "x")
	if !errors.Is(err, ErrConfig) {
		t.Errorf("no key source: %v", err)
	}
}

// TestPathSegments checks what goes out for ids that are not plain words:
// "../../x" as one escaped segment, and "", "." and ".." (which would name
// another resource) refused before any request.
func TestPathSegments(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.RequestURI)
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	c, err := New(Config{VaultURL: srv.URL + "/vault", KeystoreURL: srv.URL + "/keystore"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for id, want := range map[string]string{
		"../../x": "/vault/items/..%2F..%2Fx",
		"a b?c#d": "/vault/items/a%20b%3Fc%23d",
		"%2e%2e":  "/vault/items/%252e%252e",
		"...":     "/vault/items/...",
	} {
		got = nil
		if _, err := c.Do(ctx, nil, Call{Op: "get item", Method: "GET", Path: Path(meeco.VItem, id)}, nil); err != nil {
			t.Errorf("id %q: %v", id, err)
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("id %q went out as %q, want %q", id, got, want)
		}
	}
	for _, id := range []string{"", ".", ".."} {
		got = nil
		_, err := c.Do(ctx, nil, Call{Op: "get item", Method: "GET", Path: Path(meeco.VItem, id)}, nil)
		if !errors.Is(err, ErrBadID) || len(got) != 0 {
			t.Errorf("id %q: err %v, %d requests; want ErrBadID and none", id, err, len(got))
		}
	}
	if _, err := c.GetItem(ctx, &AuthData{}, ".."); !errors.Is(err, ErrBadID) || len(got) != 0 {
		t.Errorf("GetItem(..): %v", err)
	}
}

// TestResponseTooLarge checks that a body over MaxResponse is an error,
// not a cut body taken for the whole.
func TestResponseTooLarge(t *testing.T) {
	for _, size := range []int{MaxResponse, MaxResponse + 1} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`"`))
			w.Write([]byte(strings.Repeat("a", size-2)))
			w.Write([]byte(`"`))
		}))
		c, _ := New(Config{VaultURL: srv.URL + "/vault", KeystoreURL: srv.URL + "/keystore"})
		var out string
		resp, err := c.Do(context.Background(), nil, Call{Op: "get", Method: "GET", Path: "/x"}, &out)
		srv.Close()
		switch {
		case size <= MaxResponse && (err != nil || len(out) != size-2):
			t.Errorf("%d bytes: %v, read %d", size, err, len(out))
		case size > MaxResponse && !errors.Is(err, ErrResponseTooLarge):
			t.Errorf("%d bytes: err %v, want ErrResponseTooLarge", size, err)
		case size > MaxResponse && (resp == nil || len(resp.Body) != MaxResponse):
			t.Errorf("%d bytes: response kept %v", size, resp)
		}
	}
}

// TestExchangesCarryTheActor checks that each exchange is attributed to
// the user it acted for: the AuthData's user, over whatever the caller's
// context says, and the name of a user registering or logging in.
func TestExchangesCarryTheActor(t *testing.T) {
	e := newEnv(t)
	alice := e.user("Alice")
	bob := e.user("Bob")
	log := e.c.Exchanges()
	mark := log.Len()
	ctx := redact.WithActor(e.ctx, "Someone")
	if _, err := e.c.ListItems(ctx, alice, ItemQuery{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.ListItems(ctx, bob, ItemQuery{}); err != nil {
		t.Fatal(err)
	}
	var actors []string
	for _, ex := range log.Since(mark) {
		actors = append(actors, ex.Actor)
	}
	if strings.Join(actors, ",") != "Alice,Bob" {
		t.Errorf("actors %q, want Alice then Bob", actors)
	}
	for _, ex := range log.Exchanges()[:mark] {
		if ex.Actor != "Alice" && ex.Actor != "Bob" {
			t.Errorf("registration exchange %s attributed to %q", ex.Summary(), ex.Actor)
		}
	}
}
