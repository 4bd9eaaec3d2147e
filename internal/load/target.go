package load

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TargetInproc names the in-process fake Vault.
const TargetInproc = "inproc"

// TargetOptions say where the load goes. All target kinds are resolved in
// startTarget, the one place a new kind (docker:IMAGE) is added.
type TargetOptions struct {
	// Target is "inproc" (default) or a base URL serving /vault and
	// /keystore.
	Target string
	// VaultURL and KeystoreURL override the URLs derived from Target.
	VaultURL, KeystoreURL string
	// SubscriptionKey is sent as Meeco-Subscription-Key.
	SubscriptionKey string
	// Handler, for tests, replaces the fake an inproc target serves.
	Handler http.Handler
}

type target struct {
	name                  string
	vaultURL, keystoreURL string
	inproc                bool
	stop                  func()
}

func startTarget(o TargetOptions) (*target, error) {
	name := strings.TrimSpace(o.Target)
	if o.VaultURL != "" || o.KeystoreURL != "" {
		if o.VaultURL == "" || o.KeystoreURL == "" {
			return nil, fmt.Errorf("%w: --vault-url and --keystore-url go together", ErrUsage)
		}
		for _, u := range []string{o.VaultURL, o.KeystoreURL} {
			if err := checkURL(u); err != nil {
				return nil, fmt.Errorf("%w: %v", ErrUsage, err)
			}
		}
		return &target{name: o.VaultURL, vaultURL: o.VaultURL, keystoreURL: o.KeystoreURL, stop: func() {}}, nil
	}
	if name == "" || name == TargetInproc {
		h := o.Handler
		if h == nil {
			h = fakevault.New(fakevault.Options{SubscriptionKey: o.SubscriptionKey})
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("%w: in-process fake Vault: %v", ErrHarness, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		base := "http://" + ln.Addr().String()
		return &target{name: TargetInproc, inproc: true, vaultURL: base + meeco.VaultPrefix, keystoreURL: base + meeco.KeystorePrefix,
			stop: func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if srv.Shutdown(ctx) != nil {
					srv.Close()
				}
			}}, nil
	}
	if err := checkURL(name); err != nil {
		return nil, fmt.Errorf("%w: --target: want %q or a base URL: %v", ErrUsage, TargetInproc, err)
	}
	base := strings.TrimRight(name, "/")
	return &target{name: base, vaultURL: base + meeco.VaultPrefix, keystoreURL: base + meeco.KeystorePrefix, stop: func() {}}, nil
}

// checkURL accepts absolute http(s) URLs without credentials; an error
// never repeats the URL, which might hold them.
func checkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme %q, want http or https", u.Scheme)
	case u.Host == "":
		return fmt.Errorf("a URL without a host")
	case u.User != nil:
		return fmt.Errorf("credentials in a URL are not allowed; use --subscription-key")
	}
	return nil
}
