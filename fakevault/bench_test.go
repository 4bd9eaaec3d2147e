package fakevault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// benchWorld is alice with an item shared to bob, with tokens.
type benchWorld struct {
	f                *fixture
	s                *Server
	alice, bob       string
	aliceTok, bobTok string
	shareID          string
	aes              []string
	dek, hash        string
}

func newBenchWorld(b *testing.B) *benchWorld {
	b.Helper()
	s := New(Options{})
	f := &fixture{t: b, st: s.Store()}
	w := &benchWorld{f: f, s: s}
	w.alice, w.bob = f.user(), f.user()
	w.aliceTok, w.bobTok = f.sessionFor(w.alice), f.sessionFor(w.bob)
	f.connect(w.alice, w.bob)
	w.shareID = f.share(w.alice, f.vehicle(w.alice), w.bob).ID
	for i := 0; i < 8; i++ {
		w.aes = append(w.aes, aesStr(b))
	}
	w.dek, w.hash = rsaStr(b, 2), hashStr()
	return w
}

// newItem creates a five-slot vehicle for alice directly in the store and
// returns the body of a POST /items/{id}/shares sharing it with bob.
func (w *benchWorld) newItem(b *testing.B) (string, []byte) {
	var attrs []meeco.SlotAttributes
	for i, n := range []string{"model_make", "licence_plate", "vin", "type", "purchase_date"} {
		attrs = append(attrs, meeco.SlotAttributes{Name: n, EncryptedValue: ptr(w.aes[i])})
	}
	it, err := w.f.st.CreateItem(w.alice, meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "car", SlotsAttributes: attrs}})
	if err != nil {
		b.Fatal(err)
	}
	conn := w.f.connTo(w.alice, w.bob)
	ps := meeco.PostShare{RecipientID: w.bob, PublicKey: conn.TheOtherUser.UserPublicKey, KeypairExternalID: conn.TheOtherUser.UserKeypairExternalID, EncryptedDEK: w.dek}
	for i, sl := range it.Slots {
		ps.SlotValues = append(ps.SlotValues, meeco.SlotValue{SlotID: sl.ID, EncryptedValue: ptr(w.aes[i]), EncryptedValueVerificationKey: ptr(w.aes[7]), ValueVerificationHash: ptr(w.hash)})
	}
	body, _ := json.Marshal(meeco.CreateSharesRequest{Shares: []meeco.PostShare{ps}})
	return it.Item.ID, body
}

func reqPerSec(b *testing.B) { b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s") }

// runRecorder serves requests in process through httptest.NewRecorder.
func runRecorder(b *testing.B, h http.Handler, mk func(i int) *http.Request, want int) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, mk(i))
		if rec.Code != want {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
	b.StopTimer()
	reqPerSec(b)
}

// runLoopback serves the same requests over a real 127.0.0.1 connection.
func runLoopback(b *testing.B, h http.Handler, mk func(i int) *http.Request, want int) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := mk(i)
		req.URL.Scheme, req.URL.Host, req.RequestURI = "http", strings.TrimPrefix(srv.URL, "http://"), ""
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.StopTimer()
	reqPerSec(b)
}

func both(b *testing.B, h http.Handler, mk func(i int) *http.Request, want int) {
	b.Run("recorder", func(b *testing.B) { runRecorder(b, h, mk, want) })
	b.Run("loopback", func(b *testing.B) { runLoopback(b, h, mk, want) })
}

// BenchmarkBareHandler is the ceiling: net/http with a handler that only
// writes a small JSON body.
func BenchmarkBareHandler(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"user":{"id":"00000000-0000-4000-8000-000000000000"}}`))
	})
	both(b, h, func(int) *http.Request { return httptest.NewRequest("GET", "/vault/me", nil) }, 200)
}

func BenchmarkGetMe(b *testing.B) {
	w := newBenchWorld(b)
	both(b, w.s, func(int) *http.Request {
		r := httptest.NewRequest("GET", "/vault/me", nil)
		r.Header.Set("Authorization", w.aliceTok)
		return r
	}, 200)
}

func BenchmarkShareCreate(b *testing.B) {
	for _, mode := range []string{"recorder", "loopback"} {
		b.Run(mode, func(b *testing.B) {
			w := newBenchWorld(b)
			ids, bodies := make([]string, b.N), make([][]byte, b.N)
			for i := range ids {
				ids[i], bodies[i] = w.newItem(b)
			}
			mk := func(i int) *http.Request {
				r := httptest.NewRequest("POST", "/vault/items/"+ids[i]+"/shares", bytes.NewReader(bodies[i]))
				r.Header.Set("Authorization", w.aliceTok)
				return r
			}
			if mode == "recorder" {
				runRecorder(b, w.s, mk, 201)
			} else {
				runLoopback(b, w.s, mk, 201)
			}
		})
	}
}

func BenchmarkShareRead(b *testing.B) {
	w := newBenchWorld(b)
	both(b, w.s, func(int) *http.Request {
		r := httptest.NewRequest("GET", "/vault/incoming_shares/"+w.shareID+"/item", nil)
		r.Header.Set("Authorization", w.bobTok)
		return r
	}, 200)
}

// BenchmarkMemoryPerShare stores n full five-slot shares (each with its
// recipient copy) and reports the heap they take. Every ciphertext and key
// is a distinct string, as JSON decoding would make it.
func BenchmarkMemoryPerShare(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n/1000, "k"), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.ReportMetric(memoryPerShare(b, n), "bytes/share")
			}
		})
	}
}

func memoryPerShare(b *testing.B, n int) float64 {
	b.StopTimer()
	const recipients = 100
	f := &fixture{t: b, st: NewStore(Options{})}
	owner := f.user()
	var rcpt []string
	var conns []meeco.Connection
	for i := 0; i < recipients; i++ {
		r := f.user()
		f.connect(owner, r)
		rcpt = append(rcpt, r)
		conns = append(conns, f.connTo(owner, r))
	}
	aes, dek, hash := aesStr(b), rsaStr(b, 2), hashStr()
	items := make([]*meeco.ItemResponse, n/recipients)
	for i := range items {
		var attrs []meeco.SlotAttributes
		for _, name := range []string{"model_make", "licence_plate", "vin", "type", "purchase_date"} {
			attrs = append(attrs, meeco.SlotAttributes{Name: name, EncryptedValue: ptr(strings.Clone(aes))})
		}
		it, err := f.st.CreateItem(owner, meeco.CreateItemRequest{TemplateName: "vehicle", Item: meeco.NewItemAttributes{Label: "car", SlotsAttributes: attrs}})
		if err != nil {
			b.Fatal(err)
		}
		items[i] = it
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.StartTimer()
	for _, it := range items {
		for j, r := range rcpt {
			ps := meeco.PostShare{RecipientID: r, PublicKey: strings.Clone(conns[j].TheOtherUser.UserPublicKey),
				KeypairExternalID: strings.Clone(conns[j].TheOtherUser.UserKeypairExternalID), EncryptedDEK: strings.Clone(dek)}
			for _, sl := range it.Slots {
				ps.SlotValues = append(ps.SlotValues, meeco.SlotValue{SlotID: sl.ID, EncryptedValue: ptr(strings.Clone(aes)),
					EncryptedValueVerificationKey: ptr(strings.Clone(aes)), ValueVerificationHash: ptr(strings.Clone(hash))})
			}
			if _, err := f.st.CreateShares(owner, it.Item.ID, meeco.CreateSharesRequest{Shares: []meeco.PostShare{ps}}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := len(f.st.shares); got != n {
		b.Fatalf("stored %d shares, want %d", got, n)
	}
	runtime.KeepAlive(f.st)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// BenchmarkLoopbackGetMe serves GET /vault/me over real loopback TCP to
// parallel keep-alive clients: bare net/http answering a body of the same
// size, the fake as `vaultcheck serve --quiet` builds it, and the fake
// logging every request as serve does by default (slog text handler). The
// ratio quiet/bare is the goal of issue 13 (at least 80%). The clients run
// in the same process; wrk against `vaultcheck serve` measures the server
// alone.
func BenchmarkLoopbackGetMe(b *testing.B) {
	w := newBenchWorld(b)
	me, _ := w.s.Store().GetMe(w.alice)
	body, _ := json.Marshal(me)
	bare := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = rw.Write(body)
	})
	serveLike := func(quiet bool) http.Handler {
		s := New(Options{Quiet: quiet, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		s.store = w.s.store // alice and her session
		return s
	}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", bare}, {"serve-quiet", serveLike(true)}, {"serve-logging", serveLike(false)}} {
		b.Run(c.name, func(b *testing.B) { parallelLoopback(b, c.h, w.aliceTok) })
	}
}

func parallelLoopback(b *testing.B, h http.Handler, token string) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", srv.URL+"/vault/me", nil)
		req.Header.Set("Authorization", token)
		for pb.Next() {
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.StopTimer()
	reqPerSec(b)
}
