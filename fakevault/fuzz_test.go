package fakevault

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// panicWatch is a slog handler that remembers whether the panic guard
// fired: the guard keeps the server alive, the fuzz test must still fail.
type panicWatch struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicWatch) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (p *panicWatch) Handle(_ context.Context, r slog.Record) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	r.Attrs(func(a slog.Attr) bool { b.WriteString(a.String() + " "); return true })
	p.panics = append(p.panics, r.Message+": "+b.String())
	return nil
}
func (p *panicWatch) WithAttrs([]slog.Attr) slog.Handler { return p }
func (p *panicWatch) WithGroup(string) slog.Handler      { return p }

// FuzzHandler sends arbitrary method, path and body to every route (with
// ids of real objects, or fuzzed ones, in the path) as a logged-in user,
// and checks the server never panics, never answers 5xx, and always
// answers errors in the Meeco shape.
func FuzzHandler(f *testing.F) { fuzzHandler(f, false) }

// FuzzHandlerFaults is FuzzHandler against a fake with a fuzzed set of
// faults on: a broken fake must still never panic. It may answer 500 (the
// login-failure-500 fault does) but always with a Meeco error body; the
// store's invariants are not checked, since faults break them on purpose.
func FuzzHandlerFaults(f *testing.F) { fuzzHandler(f, true) }

func fuzzHandler(f *testing.F, withFaults bool) {
	// Ciphertexts and keys are made once; every input then runs against a
	// fresh server holding the same kind of state, so that a failure
	// replays on its own and state cannot pile up across inputs.
	aes, dek, hash := aesStr(f), rsaStr(f, 2), hashStr()
	routes := routeTable()
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
	type world struct {
		s               *Server
		watch           *panicWatch
		vaultTok, ksTok string
		ids             []string
	}
	build := func(t testing.TB, faults FaultSet) *world {
		watch := &panicWatch{}
		s := New(Options{Logger: slog.New(watch), MaxBodyBytes: 64 << 10, Faults: faults})
		st := s.Store()
		fx := &fixture{t: t, st: st}
		alice, bob := fx.quickUser(), fx.quickUser()
		fx.connect(alice, bob)
		it, err := st.CreateItem(alice, meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "car",
			SlotsAttributes: []meeco.SlotAttributes{{Name: "vin", EncryptedValue: &aes}}}})
		if err != nil {
			t.Fatal(err)
		}
		conn := fx.connTo(alice, bob)
		sh, err := st.CreateShares(alice, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{{RecipientID: bob,
			PublicKey: conn.TheOtherUser.UserPublicKey, KeypairExternalID: "k", EncryptedDEK: dek, OnsharingPermitted: ptr(true),
			SlotValues: []meeco.SlotValue{{SlotID: it.Slots[2].ID, EncryptedValue: &aes, EncryptedValueVerificationKey: &aes, ValueVerificationHash: &hash}}}}})
		if err != nil {
			t.Fatal(err)
		}
		id := sh.Shares[0].ID
		return &world{s: s, watch: watch, vaultTok: fx.sessionFor(alice), ksTok: fx.ksSession(st.users[alice].ksUserID),
			ids: []string{it.Item.ID, it.Slots[2].ID, id, bob, st.shares[id].copyID, stableID("template", "vehicle"), "auth"}}
	}

	for _, seed := range []struct {
		route, method, idx byte
		param              string
		body               string
	}{
		{22, 0, 0, "", `{"template_name":"vehicle","item":{"label":"x","slots_attributes":[{"name":"vin","encrypted_value":"Aes256Gcm.AA==.QUAAAAA="}]}}`},
		{38, 1, 0, "", `{"shares":[{"recipient_id":"x","public_key":"-----BEGIN PUBLIC KEY-----","encrypted_dek":"Rsa4096.AA==.QQUAAAAA","slot_values":[{"slot_id":"s"}]}]}`},
		{1, 1, 0, "", `{"username":"a","srp_salt":"00","srp_verifier":"01"}`},
		{2, 1, 0, "", `{"username":"a","srp_a":"ff"}`},
		{40, 2, 2, "", `{"share_deks":[{"share_id":"x","dek":"y"}],"slot_values":null,"client_tasks":[{"id":"t","state":"done"}]}`},
		{34, 1, 0, "", `{"public_key":{"keypair_external_id":"k","public_key":""},"connection":{"encrypted_recipient_name":"Aes256Gcm.a.b","invitation_token":"t"}}`},
		{25, 2, 0, "%2e%2e", `[`},
		{0, 0, 0, "", "\x00\xff"},
	} {
		if withFaults {
			f.Add(seed.route, seed.method, seed.idx, seed.param, []byte(seed.body), ^uint64(0), ^uint64(0))
			f.Add(seed.route, seed.method, seed.idx, seed.param, []byte(seed.body), uint64(0x5555555555555555), uint64(0xaaaaaaaa))
		} else {
			f.Add(seed.route, seed.method, seed.idx, seed.param, []byte(seed.body))
		}
	}

	run := func(t *testing.T, routeIdx, methodIdx, idIdx byte, param string, body []byte, faults FaultSet) {
		w := build(t, faults)
		rt := routes[int(routeIdx)%len(routes)]
		method := rt.method
		if methodIdx >= 128 {
			method = methods[int(methodIdx)%len(methods)]
		}
		id := w.ids[int(idIdx)%len(w.ids)]
		if param != "" {
			id = url.PathEscape(param)
		}
		path := rt.path
		if i := strings.Index(path, "{"); i >= 0 {
			path = path[:i] + id + path[strings.Index(path, "}")+1:]
		}
		if routeIdx%7 == 6 && param != "" {
			path = "/" + param // a path of anything at all
		}
		req, err := http.NewRequest(method, "http://fake"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		tok := w.vaultTok
		if strings.HasPrefix(rt.path, meeco.KeystorePrefix) {
			tok = w.ksTok
		}
		req.Header.Set("Authorization", tok)
		rec := httptest.NewRecorder()
		w.s.ServeHTTP(rec, req)

		if len(w.watch.panics) > 0 {
			t.Fatalf("handler panicked: %s", w.watch.panics[0])
		}
		if rec.Code >= 500 && faults.Empty() {
			t.Fatalf("%s %s: status %d", method, path, rec.Code)
		}
		if rec.Code >= 400 && method != "HEAD" && !faults.Has(FaultErrorShapeFlat) {
			checkErrorBody(t, rec.Code, rec.Body.Bytes(), "")
		}
		if faults.Empty() {
			checkInvariants(t, w.s.Store())
		}
	}
	if withFaults {
		f.Fuzz(func(t *testing.T, routeIdx, methodIdx, idIdx byte, param string, body []byte, lo, hi uint64) {
			faults := FaultSet{bits: [2]uint64{lo &^ 1, hi}}
			for x := numFaults; x < 128; x++ { // bits past the table are no fault
				faults.bits[x>>6] &^= 1 << (x & 63)
			}
			run(t, routeIdx, methodIdx, idIdx, param, body, faults)
		})
		return
	}
	f.Fuzz(func(t *testing.T, routeIdx, methodIdx, idIdx byte, param string, body []byte) {
		run(t, routeIdx, methodIdx, idIdx, param, body, FaultSet{})
	})
}
