package certify

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestIdentityRecorder(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "AcmeVault/1.4.2")
		w.Header().Set("Via", "1.1 gateway")
		w.Header().Set("Set-Cookie", "session=secret")
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	rec := newIdentityRecorder(srv.Client().Transport)
	client := &http.Client{Transport: rec}
	for range 3 {
		resp, err := client.Get(srv.URL + "/vault/me")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var id TargetIdentity
	rec.identity(&id)
	if id.Responses != 3 || len(id.TLS) != 1 {
		t.Fatalf("identity %+v", id)
	}
	leaf := srv.Certificate()
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	tlsID := id.TLS[0]
	if tlsID.SPKISHA256 != hex.EncodeToString(sum[:]) || len(tlsID.Chain) != 1 || !strings.HasPrefix(tlsID.Chain[0], "-----BEGIN CERTIFICATE-----") ||
		tlsID.Host != strings.TrimPrefix(srv.URL, "https://") || !strings.HasPrefix(tlsID.Version, "TLS 1.") {
		t.Errorf("tls %+v", tlsID)
	}
	got := map[string]string{}
	for _, h := range id.Servers {
		got[h.Name] = h.Value
	}
	if got["Server"] != "AcmeVault/1.4.2" || got["Via"] != "1.1 gateway" || len(got) != 2 {
		t.Errorf("server headers %v (only the identifying ones, never a cookie)", id.Servers)
	}
}
