package fakevault

import (
	"net/http/httptest"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TestServer is a Server listening on a loopback port for the life of a
// test.
type TestServer struct {
	*Server
	srv *httptest.Server
}

// NewTestServer starts a Server on 127.0.0.1 (httptest) with the given
// options and closes it in tb.Cleanup.
func NewTestServer(tb testing.TB, opts ...Option) *TestServer {
	tb.Helper()
	s := New(opts...)
	ts := &TestServer{Server: s, srv: httptest.NewServer(s)}
	tb.Cleanup(ts.srv.Close)
	return ts
}

// URL is the base URL of both services (http://127.0.0.1:port).
func (t *TestServer) URL() string { return t.srv.URL }

// VaultURL is the Vault's base URL.
func (t *TestServer) VaultURL() string { return t.srv.URL + meeco.VaultPrefix }

// KeystoreURL is the Keystore's base URL.
func (t *TestServer) KeystoreURL() string { return t.srv.URL + meeco.KeystorePrefix }

type envService struct {
	URL             string `yaml:"url"`
	SubscriptionKey string `yaml:"subscription_key"`
}

type environmentFile struct {
	Vault    envService `yaml:"vault"`
	Keystore envService `yaml:"keystore"`
}

// EnvironmentYAML returns the .environment.yaml that points Meeco's CLI
// (and vaultcheck's client) at a fake served at baseURL.
func EnvironmentYAML(baseURL, subscriptionKey string) string {
	out, err := yaml.Marshal(environmentFile{
		Vault:    envService{URL: baseURL + meeco.VaultPrefix, SubscriptionKey: subscriptionKey},
		Keystore: envService{URL: baseURL + meeco.KeystorePrefix, SubscriptionKey: subscriptionKey},
	})
	if err != nil {
		// Two structs of strings always marshal.
		panic("fakevault: environment YAML: " + err.Error())
	}
	return string(out)
}
