package harness

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
)

func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"http://user:pw@host:8080/vault", "http://REDACTED@host:8080/vault"},
		{"https://token@vault.example.com", "https://REDACTED@vault.example.com"},
		{"https://v.example.com/vault?subscription-key=abc&page=2", "https://v.example.com/vault?page=2&subscription-key=REDACTED"},
		{"https://v.example.com/?x=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "https://v.example.com/?x=REDACTED"},
		{"http://u:p@ho st/", "http://REDACTED@ho st/"},
		{"http://localhost:8080", "http://localhost:8080"},
	} {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCredentialsNeverEchoed(t *testing.T) {
	for _, opts := range []Options{
		{Target: "http://alice:s3cr3t-pw@127.0.0.1:1"},
		{Target: "http://alice:s3cr3t-pw@bad host"},
		{VaultURL: "http://127.0.0.1:1/vault?key=s3cr3t-pw", KeystoreURL: "http://127.0.0.1:1/keystore"},
		{VaultURL: "http://alice:s3cr3t-pw@127.0.0.1:1/vault", KeystoreURL: "http://127.0.0.1:1/keystore"},
	} {
		opts.Paths = []string{td("pass")}
		code, err, _, out := run(t, opts)
		if code != ExitUsage || !errors.Is(err, ErrBadTarget) {
			t.Errorf("%+v: code=%d err=%v, want 2 and ErrBadTarget", opts, code, err)
			continue
		}
		if all := err.Error() + out; strings.Contains(all, "s3cr3t-pw") || strings.Contains(all, "alice") {
			t.Errorf("the credentials are echoed: %v", err)
		}
	}
}

func TestSubscriptionKeyCheckedOnce(t *testing.T) {
	const right = "the-right-key-42"
	tests := []struct {
		name, key, wantWhy string
	}{
		{"wrong key", "a-wrong-key-17", "the subscription key sent was refused"},
		{"no key", "", "no subscription key was sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// In process, and by URL against a fake started with a key.
			srv := fakevault.NewTestServer(t, fakevault.Options{SubscriptionKey: right})
			for _, opts := range []Options{
				{Handler: fakevault.New(fakevault.Options{SubscriptionKey: right})},
				{Target: srv.URL(), KeySource: testKeys{mode: "fast"}},
			} {
				opts.Paths, opts.SubscriptionKey = []string{td("pass")}, tt.key
				code, err, p, out := run(t, opts)
				if code != ExitUsage || !errors.Is(err, ErrSubscriptionKey) || !strings.Contains(err.Error(), tt.wantWhy) ||
					!strings.Contains(err.Error(), "answered 401") {
					t.Fatalf("code=%d err=%v, want 2, ErrSubscriptionKey, 401 and %q", code, err, tt.wantWhy)
				}
				if len(p.scenarios()) != 0 {
					t.Fatalf("scenarios ran with a refused subscription key")
				}
				if all := err.Error() + out; strings.Contains(all, right) || (tt.key != "" && strings.Contains(all, tt.key)) {
					t.Fatalf("a subscription key is echoed: %v", err)
				}
			}
		})
	}
	// The right key passes the check, and a 401 that is not about the key
	// (the fake's answer to a request without a token) is no reason to
	// stop.
	code, err, _, _ := runWith(t, Options{Paths: []string{td("pass")}, SubscriptionKey: right,
		Handler: fakevault.New(fakevault.Options{SubscriptionKey: right})}, true)
	if code != ExitPassed {
		t.Fatalf("right key: code=%d err=%v, want 0", code, err)
	}
}

func TestSubscriptionKeyGatewayAnswer(t *testing.T) {
	// An API gateway in front of the Vault answers with its own body.
	gw := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }`)
	})
	code, err, _, _ := run(t, Options{Paths: []string{td("pass")}, Handler: gw, SubscriptionKey: "some-key"})
	if code != ExitUsage || !errors.Is(err, ErrSubscriptionKey) || !strings.Contains(err.Error(), "Access denied due to invalid subscription key") {
		t.Fatalf("code=%d err=%v, want 2 with the gateway's message", code, err)
	}
}
