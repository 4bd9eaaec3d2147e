package harness

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// TestStartTarget: the exported start of a target behaves as Run's: an
// in-process fake that answers and stops, a URL, and the same errors for
// options that cannot work, a target that does not answer and a refused
// subscription key, credentials never echoed.
func TestStartTarget(t *testing.T) {
	ctx := context.Background()
	hc := &http.Client{}

	in, err := StartTarget(ctx, TargetOptions{}, hc)
	if err != nil {
		t.Fatal(err)
	}
	if !in.Throwaway() || in.DefaultKeys() != keysource.ModeFast || in.ServerView() == nil || !strings.HasPrefix(in.Name(), "inproc (http://127.0.0.1:") {
		t.Errorf("inproc: throwaway %v, keys %s, view %v, name %q", in.Throwaway(), in.DefaultKeys(), in.ServerView(), in.Name())
	}
	resp, err := hc.Get(in.VaultURL() + meeco.VMe)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	in.Stop()
	in.Stop()
	if _, err := hc.Get(in.VaultURL() + meeco.VMe); err == nil {
		t.Error("the in-process fake still answers after Stop")
	}

	quiet, err := StartTarget(ctx, TargetOptions{Handler: fakevault.New(fakevault.Options{Quiet: true})}, hc)
	if err != nil {
		t.Fatal(err)
	}
	if quiet.ServerView() != nil {
		t.Error("a Handler of the caller has a view")
	}
	quiet.Stop()

	srv := fakevault.NewTestServer(t, fakevault.Options{SubscriptionKey: "the-right-key-42"})
	url, err := StartTarget(ctx, TargetOptions{Target: srv.URL() + "/", SubscriptionKey: "the-right-key-42"}, hc)
	if err != nil {
		t.Fatal(err)
	}
	if url.Throwaway() || url.DefaultKeys() != keysource.ModeFresh || url.VaultURL() != srv.URL()+"/vault" || url.Name() != srv.URL() {
		t.Errorf("URL: throwaway %v, keys %s, vault %s, name %q", url.Throwaway(), url.DefaultKeys(), url.VaultURL(), url.Name())
	}
	url.Stop()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		o    TargetOptions
		want error
	}{
		{TargetOptions{Target: "http://alice:s3cr3t-pw@127.0.0.1:1"}, ErrBadTarget},
		{TargetOptions{Target: "ftp://h"}, ErrBadTarget},
		{TargetOptions{VaultURL: "http://127.0.0.1:1/vault"}, ErrBadTarget},
		{TargetOptions{Target: "docker:bad image"}, ErrBadTarget},
		{TargetOptions{Target: dead}, ErrUnreachable},
		{TargetOptions{Target: srv.URL(), SubscriptionKey: "a-wrong-key-17"}, ErrSubscriptionKey},
	} {
		tg, err := StartTarget(ctx, tc.o, hc)
		if !errors.Is(err, tc.want) || tg != nil {
			t.Errorf("%+v: %v, want %v", tc.o, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "s3cr3t-pw") || strings.Contains(err.Error(), "a-wrong-key-17") {
			t.Errorf("a secret is echoed: %v", err)
		}
	}
}
