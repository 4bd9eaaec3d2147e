// Package probe holds the instruments that feed a load run's metrics: an
// HTTP transport that times each request by route, observers of steps and
// of the client's crypto operations, and a key source that times how long
// virtual users wait for keys. It also decides which failures count
// against the correctness counters that must stay at zero.
package probe

import (
	"net/url"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// route is one operation of the Meeco APIs: method and path template
// under the service's canonical prefix ("/vault", "/keystore").
type route struct {
	method string
	name   string   // "GET /vault/items/{id}"
	segs   []string // path segments after the prefix; "" is a parameter
	lits   int      // literal segments, to prefer the most specific match
}

// apiRoutes lists every operation of both APIs, with the paths of
// internal/meeco (the contract the client and the fake share).
var apiRoutes = func() (out [2][]route) {
	add := func(svc int, prefix, method, path string) {
		r := route{method: method, name: method + " " + prefix + path}
		for _, s := range strings.Split(strings.Trim(path, "/"), "/") {
			if strings.HasPrefix(s, "{") {
				s = ""
			} else {
				r.lits++
			}
			r.segs = append(r.segs, s)
		}
		out[svc] = append(out[svc], r)
	}
	ks := func(method, path string) { add(keystore, meeco.KeystorePrefix, method, path) }
	v := func(method, path string) { add(vault, meeco.VaultPrefix, method, path) }
	ks("POST", meeco.KSSRPUsername)
	ks("POST", meeco.KSSRPUsers)
	ks("POST", meeco.KSSRPChallenges)
	ks("POST", meeco.KSSRPSession)
	ks("DELETE", meeco.KSSession)
	ks("GET", meeco.KSExternalAdmissionTokens)
	ks("POST", meeco.KSKeyEncryptionKey)
	ks("GET", meeco.KSKeyEncryptionKey)
	ks("POST", meeco.KSDataEncryptionKeys)
	ks("GET", meeco.KSDataEncryptionKey)
	ks("POST", meeco.KSKeypairs)
	ks("GET", meeco.KSKeypair)
	ks("GET", meeco.KSKeypairByExternalID)
	for _, r := range []struct{ m, p string }{
		{"POST", meeco.VMe}, {"GET", meeco.VMe}, {"PUT", meeco.VMe},
		{"POST", meeco.VSession}, {"DELETE", meeco.VSession},
		{"GET", meeco.VItemTemplates}, {"GET", meeco.VItemTemplate},
		{"GET", meeco.VClassificationNodes}, {"POST", meeco.VClassificationNodes},
		{"POST", meeco.VItems}, {"GET", meeco.VItems},
		{"GET", meeco.VItem}, {"PUT", meeco.VItem}, {"DELETE", meeco.VItem},
		{"POST", meeco.VItemEncrypt},
		{"GET", meeco.VSlot}, {"DELETE", meeco.VSlot},
		{"POST", meeco.VInvitations}, {"GET", meeco.VInvitations},
		{"GET", meeco.VInvitation}, {"DELETE", meeco.VInvitation},
		{"POST", meeco.VConnections}, {"GET", meeco.VConnections},
		{"GET", meeco.VConnection}, {"DELETE", meeco.VConnection},
		{"POST", meeco.VItemShares}, {"GET", meeco.VItemShares}, {"PUT", meeco.VItemShares},
		{"GET", meeco.VIncomingShares}, {"GET", meeco.VIncomingShare},
		{"GET", meeco.VIncomingShareItem}, {"PUT", meeco.VIncomingShareAccept},
		{"GET", meeco.VOutgoingShares}, {"GET", meeco.VOutgoingShare},
		{"DELETE", meeco.VShare}, {"PUT", meeco.VShares},
		{"GET", meeco.VClientTaskQueue}, {"PUT", meeco.VClientTaskQueue},
	} {
		v(r.m, r.p)
	}
	return out
}()

const (
	vault = iota
	keystore
)

// Routes lists the name of every route, for checking threshold selectors.
func Routes() []string {
	var out []string
	for _, svc := range apiRoutes {
		for _, r := range svc {
			out = append(out, r.name)
		}
	}
	return out
}

// Router folds request URLs into route names: the method and the path
// template under the canonical prefix, ids replaced by their parameter
// ("GET /vault/items/{id}"), whatever base path the target serves the
// services under. Unknown paths fold into "METHOD /vault/(other)" so that
// a misbehaving target cannot make series without end. It runs on every
// request of a load, so it allocates nothing.
type Router struct {
	bases [2]base
	// byShape lists each service's routes by method and segment count.
	byShape [2]map[shape][]*route
}

// base is a service's base URL, parsed.
type base struct {
	scheme, host, path string // path without a trailing slash
}

type shape struct {
	method string
	segs   int
}

// maxSegs bounds the path segments a route can have; longer paths are
// "(other)".
const maxSegs = 8

// NewRouter makes a Router for the services' base URLs.
func NewRouter(vaultURL, keystoreURL string) *Router {
	rt := &Router{}
	for svc, raw := range [2]string{vaultURL, keystoreURL} {
		if u, err := url.Parse(strings.TrimRight(raw, "/")); err == nil {
			rt.bases[svc] = base{scheme: u.Scheme, host: u.Host, path: strings.TrimRight(u.EscapedPath(), "/")}
		}
		rt.byShape[svc] = map[shape][]*route{}
		for i := range apiRoutes[svc] {
			r := &apiRoutes[svc][i]
			k := shape{r.method, len(r.segs)}
			rt.byShape[svc][k] = append(rt.byShape[svc][k], r)
		}
	}
	return rt
}

// Route names the route of a request.
func (rt *Router) Route(method string, u *url.URL) string {
	p := u.EscapedPath()
	svc, rest := -1, ""
	// The longer base first: one may be a prefix of the other.
	order := [2]int{vault, keystore}
	if len(rt.bases[keystore].path) > len(rt.bases[vault].path) {
		order = [2]int{keystore, vault}
	}
	for _, s := range order {
		b := rt.bases[s]
		if u.Scheme == b.scheme && u.Host == b.host && strings.HasPrefix(p, b.path) && (len(p) == len(b.path) || p[len(b.path)] == '/') {
			svc, rest = s, p[len(b.path):]
			break
		}
	}
	if svc < 0 {
		return method + " (other)"
	}
	var buf [maxSegs]string
	segs := buf[:0]
	rest = strings.Trim(rest, "/")
	for len(segs) < maxSegs {
		seg, more, found := strings.Cut(rest, "/")
		segs = append(segs, seg)
		if !found {
			rest = ""
			break
		}
		rest = more
	}
	best, bestLits := "", -1
	if rest == "" {
		for _, r := range rt.byShape[svc][shape{method, len(segs)}] {
			if r.lits <= bestLits {
				continue
			}
			ok := true
			for j, s := range r.segs {
				if s == "" && segs[j] == "" || s != "" && s != segs[j] {
					ok = false
					break
				}
			}
			if ok {
				best, bestLits = r.name, r.lits
			}
		}
	}
	if best == "" {
		if svc == keystore {
			return method + " " + meeco.KeystorePrefix + "/(other)"
		}
		return method + " " + meeco.VaultPrefix + "/(other)"
	}
	return best
}
