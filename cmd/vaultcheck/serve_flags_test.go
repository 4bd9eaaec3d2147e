package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
)

// TestServeHelpHidesSubscriptionKey: the key from the environment is a
// secret and must not appear as the flag's default in --help.
func TestServeHelpHidesSubscriptionKey(t *testing.T) {
	t.Setenv(envSubscriptionKey, "env-secret-4242")
	code, out, errOut := runMain(t, "serve", "--help")
	if code != exitOK {
		t.Fatalf("serve --help: exit %d", code)
	}
	if strings.Contains(out+errOut, "env-secret-4242") {
		t.Fatal("serve --help prints the subscription key from the environment")
	}
	if !strings.Contains(out, envSubscriptionKey) {
		t.Fatalf("serve --help does not say where the default key comes from:\n%s", out)
	}
}

// TestServeSubscriptionKeyFromEnv: without the flag, the environment's key
// is required.
func TestServeSubscriptionKeyFromEnv(t *testing.T) {
	t.Setenv(envSubscriptionKey, "env-key")
	base, _ := startServe(t)
	for key, want := range map[string]string{"": "subscription_key_invalid", "wrong": "subscription_key_invalid", "env-key": `"unauthorized"`} {
		req, _ := http.NewRequest("GET", base+"/vault/me", nil)
		if key != "" {
			req.Header.Set("Meeco-Subscription-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// With the right key the request gets past the key check and fails
		// authentication instead (no token).
		if resp.StatusCode != 401 || !strings.Contains(string(body), want) {
			t.Errorf("key %q: %d %s, want 401 %s", key, resp.StatusCode, body, want)
		}
	}
}

func TestServeRejectsBadNumbers(t *testing.T) {
	for _, args := range [][]string{
		{"--max-body", "-1"}, {"--max-body", "0"}, {"--token-ttl", "-5s"}, {"--token-ttl", "0s"},
		{"--log-level", "loud"}, {"--fault", "no-such-fault"},
	} {
		code, _, errOut := runMain(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
		if code != exitUsage || !strings.Contains(errOut, args[0]) {
			t.Errorf("serve %v: exit %d, stderr %q; want 2 naming %s", args, code, errOut, args[0])
		}
	}
	_, _, errOut := runMain(t, "serve", "--fault", "no-such-fault")
	if !strings.Contains(errOut, "share-dek-swapped") {
		t.Errorf("an unknown fault does not list the known ones: %q", errOut)
	}
}

// TestServeWildcardAddress: a server on every interface writes a loopback
// URL a client can use into the environment file, and says so.
func TestServeWildcardAddress(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", ":0"} {
		t.Run(addr, func(t *testing.T) {
			if addr == "[::]:0" {
				ln, err := net.Listen("tcp", "[::]:0")
				if err != nil {
					t.Skip("no IPv6 here")
				}
				ln.Close()
			}
			env := filepath.Join(t.TempDir(), "env.yaml")
			base, log := startServe(t, "--addr", addr, "--env-file", env)
			data, err := os.ReadFile(env)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), "url: "+base+"/vault") || strings.Contains(string(data), "[::]") || strings.Contains(string(data), "0.0.0.0") {
				t.Fatalf("env file:\n%s", data)
			}
			if !strings.Contains(log.String(), "clients are pointed at "+base) {
				t.Fatalf("no note about the URL on stderr:\n%s", log.String())
			}
			resp, err := http.Get(base + "/vault/item_templates")
			if err != nil {
				t.Fatalf("the URL in the env file does not reach the server: %v", err)
			}
			resp.Body.Close()
		})
	}
}

func TestServeQuietAndLogLevel(t *testing.T) {
	for _, c := range []struct {
		args  []string
		lines bool
	}{{nil, true}, {[]string{"--quiet"}, false}, {[]string{"--log-level", "warn"}, false}, {[]string{"--log-level", "debug"}, true}} {
		base, log := startServe(t, c.args...)
		resp, err := http.Get(base + "/vault/me")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		deadline := time.Now().Add(2 * time.Second)
		for c.lines && !strings.Contains(log.String(), "path=/vault/me") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if got := strings.Contains(log.String(), "path=/vault/me"); got != c.lines {
			t.Errorf("serve %v: request line logged=%v, want %v\n%s", c.args, got, c.lines, log.String())
		}
	}
}

func TestServeFaults(t *testing.T) {
	code, out, _ := runMain(t, "serve", "--list-faults")
	if code != exitOK {
		t.Fatalf("--list-faults: exit %d", code)
	}
	for _, f := range fakevault.Faults() {
		if !strings.Contains(out, f.Name) || !strings.Contains(out, f.Requirements[0]) {
			t.Errorf("--list-faults lacks %s or its requirement %s", f.Name, f.Requirements[0])
		}
	}
	base, log := startServe(t, "--fault", "error-shape-flat", "--fault", "login-failure-500")
	if !strings.Contains(log.String(), "WARNING") || !strings.Contains(log.String(), "error-shape-flat,login-failure-500") {
		t.Fatalf("no warning that faults are on:\n%s", log.String())
	}
	resp, err := http.Post(base+"/vault/session", "application/json", strings.NewReader(`{"public_key":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("login with login-failure-500 on: status %d, want the fault's 500", resp.StatusCode)
	}
}
