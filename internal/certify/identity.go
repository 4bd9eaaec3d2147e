package certify

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// TargetIdentity is what a bundle records of the system under test: where
// it answered, and what identified it there.
type TargetIdentity struct {
	// Target is the target as given: "inproc", a base URL, or
	// "docker:IMAGE".
	Target string `json:"target"`
	// Kind is "inproc", "url" or "docker".
	Kind string `json:"kind"`
	// VaultURL and KeystoreURL are where the services answered.
	VaultURL    string `json:"vault_url"`
	KeystoreURL string `json:"keystore_url"`
	// Docker identifies the image of a docker target.
	Docker *DockerIdentity `json:"docker,omitempty"`
	// TLS are the certificate chains the target presented over https
	// during the run, one per distinct chain and host.
	TLS []TLSIdentity `json:"tls,omitempty"`
	// Servers are the distinct values of the headers by which servers
	// name themselves (Server, X-Powered-By, Via, ...), by host.
	Servers []ServerHeader `json:"server_headers,omitempty"`
	// Responses counts the responses the identity was read from.
	Responses int `json:"responses"`
}

// DockerIdentity identifies the image a docker target ran.
type DockerIdentity struct {
	Image       string   `json:"image"`
	ImageID     string   `json:"image_id"`
	RepoDigests []string `json:"repo_digests,omitempty"`
	Container   string   `json:"container"`
}

// TLSIdentity is one certificate chain a host presented.
type TLSIdentity struct {
	Host string `json:"host"`
	// SPKISHA256 is the hex SHA-256 of the leaf certificate's
	// SubjectPublicKeyInfo (what key pinning pins).
	SPKISHA256 string `json:"spki_sha256"`
	// Subject and Issuer of the leaf, for a reader.
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// Chain is the chain as presented, leaf first, PEM.
	Chain []string `json:"chain"`
	// Version and CipherSuite of the connections that presented it.
	Version     string `json:"tls_version"`
	CipherSuite string `json:"cipher_suite"`
}

// ServerHeader is one identifying header value a host sent.
type ServerHeader struct {
	Host  string `json:"host"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

// identifyingHeaders are the response headers by which servers and the
// proxies in front of them name themselves. Nothing else of a response is
// recorded here (the exchanges are, redacted, in results.json).
var identifyingHeaders = []string{"Server", "X-Powered-By", "Via", "X-Served-By", "X-Version", "X-Api-Version", "X-Runtime", "X-Aspnet-Version"}

// identityRecorder is an http.RoundTripper that notes the TLS chains and
// identifying headers of every response the run gets.
type identityRecorder struct {
	base http.RoundTripper

	mu        sync.Mutex
	tls       map[string]*TLSIdentity // by host + SPKI
	servers   map[ServerHeader]bool
	responses int
}

func newIdentityRecorder(base http.RoundTripper) *identityRecorder {
	return &identityRecorder{base: base, tls: map[string]*TLSIdentity{}, servers: map[ServerHeader]bool{}}
}

// RoundTrip passes the request on and notes what the response says of
// the server.
func (r *identityRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil || resp == nil {
		return resp, err
	}
	host := req.URL.Host
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responses++
	for _, name := range identifyingHeaders {
		for _, v := range resp.Header.Values(name) {
			if v = strings.TrimSpace(v); v != "" && len(r.servers) < 64 {
				r.servers[ServerHeader{Host: host, Name: name, Value: clip(v, 200)}] = true
			}
		}
	}
	if st := resp.TLS; st != nil && len(st.PeerCertificates) > 0 {
		leaf := st.PeerCertificates[0]
		sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
		spki := hex.EncodeToString(sum[:])
		if _, seen := r.tls[host+" "+spki]; !seen && len(r.tls) < 16 {
			id := &TLSIdentity{Host: host, SPKISHA256: spki, Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(),
				Version: tls.VersionName(st.Version), CipherSuite: tls.CipherSuiteName(st.CipherSuite)}
			for _, c := range st.PeerCertificates {
				id.Chain = append(id.Chain, certPEM(c))
			}
			r.tls[host+" "+spki] = id
		}
	}
	return resp, nil
}

// identity returns what was recorded, in a stable order.
func (r *identityRecorder) identity(id *TargetIdentity) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id.Responses = r.responses
	id.TLS = nil
	for _, k := range sortedKeys(r.tls) {
		id.TLS = append(id.TLS, *r.tls[k])
	}
	id.Servers = nil
	for h := range r.servers {
		id.Servers = append(id.Servers, h)
	}
	slices.SortFunc(id.Servers, func(a, b ServerHeader) int {
		return strings.Compare(a.Host+"\x00"+a.Name+"\x00"+a.Value, b.Host+"\x00"+b.Name+"\x00"+b.Value)
	})
}

func certPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
