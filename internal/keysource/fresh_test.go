package keysource

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

func TestFreshDefaults(t *testing.T) {
	o := FreshOptions{}.withDefaults()
	if o.Bits != 4096 {
		t.Errorf("Bits=%d, want 4096", o.Bits)
	}
	if want := runtime.GOMAXPROCS(0); o.Workers != want {
		t.Errorf("Workers=%d, want GOMAXPROCS=%d", o.Workers, want)
	}
	if o.Depth != 2*o.Workers {
		t.Errorf("Depth=%d, want %d", o.Depth, 2*o.Workers)
	}
	if o.Generate == nil {
		t.Error("Generate is nil")
	}
	o = FreshOptions{Bits: 1024, Workers: 3, Depth: 1}.withDefaults()
	if o.Bits != 1024 || o.Workers != 3 || o.Depth != 1 {
		t.Errorf("explicit options overridden: %+v", o)
	}
}

func TestFreshDistinctConcurrent(t *testing.T) {
	f := NewFresh(FreshOptions{Bits: 1024, Workers: 2, Depth: 2})
	defer f.Close()
	if f.Mode() != ModeFresh {
		t.Fatalf("Mode=%q, want %q", f.Mode(), ModeFresh)
	}
	const callers, each = 16, 2
	keys := make([]*cryppo.PrivateKey, callers*each)
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Go(func() {
			for i := range each {
				k, err := f.Key(context.Background())
				if err != nil {
					errs <- err
					return
				}
				keys[c*each+i] = k
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Key: %v", err)
	}
	checkDistinct(t, keys, 1024)
	if got := f.Stats(); got != (Stats{Served: callers * each, Generated: callers * each}) {
		t.Fatalf("Stats=%+v, want %d served and generated", got, callers*each)
	}
}

// blockingGen is a generator that waits for release before returning a
// 1024-bit key, and counts its calls.
type blockingGen struct {
	release chan struct{}
	calls   atomic.Int64
}

func newBlockingGen() *blockingGen { return &blockingGen{release: make(chan struct{})} }

func (g *blockingGen) gen(bits int) (*cryppo.PrivateKey, error) {
	g.calls.Add(1)
	<-g.release
	return cryppo.GeneratePrivateKey(bits)
}

func TestFreshContext(t *testing.T) {
	g := newBlockingGen()
	f := NewFresh(FreshOptions{Bits: 1024, Workers: 1, Depth: 1, Generate: g.gen})
	defer func() {
		close(g.release)
		f.Close()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := f.Key(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Key with expiring ctx: err=%v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Key returned after %v, long after its deadline", d)
	}

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := f.Key(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("Key with cancelled ctx: err=%v, want Canceled", err)
	}
	if got := f.Stats().Served; got != 0 {
		t.Fatalf("Served=%d after failed calls, want 0", got)
	}
}

func TestFreshGeneratesAheadBounded(t *testing.T) {
	var calls atomic.Int64
	gen := func(bits int) (*cryppo.PrivateKey, error) {
		calls.Add(1)
		return cryppo.GeneratePrivateKey(bits)
	}
	f := NewFresh(FreshOptions{Bits: 1024, Workers: 1, Depth: 3, Generate: gen})
	defer f.Close()
	// Without any demand the worker fills the buffer (3) and then holds one
	// more finished key while it waits to send it: 4 generations, no more.
	deadline := time.Now().Add(30 * time.Second)
	for len(f.ready) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("buffer holds %d keys after 30s, want 3", len(f.ready))
		}
		time.Sleep(5 * time.Millisecond)
	}
	for calls.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if got := calls.Load(); got != 4 {
		t.Fatalf("generations=%d with no demand, want 4 (depth 3 + 1 waiting)", got)
	}
	if _, err := f.Key(context.Background()); err != nil {
		t.Fatal(err)
	}
	for calls.Load() < 5 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := calls.Load(); got != 5 {
		t.Fatalf("generations=%d after taking one key, want 5", got)
	}
}

func TestFreshCloseStopsWorkers(t *testing.T) {
	before := runtime.NumGoroutine()
	f := NewFresh(FreshOptions{Bits: 1024, Workers: 4, Depth: 2})
	if _, err := f.Key(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-f.done:
	default:
		t.Fatal("Close returned before the workers did")
	}
	if n := len(f.ready); n != 0 {
		t.Fatalf("%d keys left buffered after Close", n)
	}
	waitGoroutines(t, before)
	if _, err := f.Key(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Key after Close: err=%v, want ErrClosed", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestFreshCloseWakesWaiters checks that a Key blocked on an empty buffer
// returns ErrClosed at Close, even while a worker is still inside a
// generation, and that Close then waits for that worker.
func TestFreshCloseWakesWaiters(t *testing.T) {
	before := runtime.NumGoroutine()
	g := newBlockingGen()
	f := NewFresh(FreshOptions{Bits: 1024, Workers: 2, Depth: 1, Generate: g.gen})
	// Let both workers enter a generation before closing.
	for deadline := time.Now().Add(10 * time.Second); g.calls.Load() < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("workers started %d generations, want 2", g.calls.Load())
		}
		time.Sleep(time.Millisecond)
	}
	got := make(chan error, 1)
	go func() {
		_, err := f.Key(context.Background())
		got <- err
	}()
	closed := make(chan struct{})
	go func() {
		f.Close()
		close(closed)
	}()
	select {
	case err := <-got:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("blocked Key: err=%v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("blocked Key did not return after Close")
	}
	select {
	case <-closed:
		t.Fatal("Close returned while workers were still generating")
	case <-time.After(20 * time.Millisecond):
	}
	close(g.release)
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return after the workers finished")
	}
	waitGoroutines(t, before)
}

func TestFreshGenerateError(t *testing.T) {
	secret := "s3cr3t-material"
	gen := func(int) (*cryppo.PrivateKey, error) { return nil, errors.New("entropy gone") }
	f := NewFresh(FreshOptions{Bits: 1024, Workers: 2, Generate: gen})
	defer f.Close()
	_, err := f.Key(context.Background())
	if !errors.Is(err, ErrGenerate) {
		t.Fatalf("err=%v, want ErrGenerate", err)
	}
	if !strings.Contains(err.Error(), "entropy gone") || strings.Contains(err.Error(), secret) {
		t.Fatalf("error text %q", err)
	}
	// The failure is sticky: later calls fail at once instead of hanging.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.Key(ctx); !errors.Is(err, ErrGenerate) {
		t.Fatalf("second Key: err=%v, want ErrGenerate", err)
	}

	// A real impossible size goes the same way (Go refuses < 1024 bits).
	small := NewFresh(FreshOptions{Bits: 512, Workers: 1})
	defer small.Close()
	if _, err := small.Key(ctx); !errors.Is(err, ErrGenerate) {
		t.Fatalf("512-bit Key: err=%v, want ErrGenerate", err)
	}

	nilGen := NewFresh(FreshOptions{Bits: 1024, Workers: 1, Generate: func(int) (*cryppo.PrivateKey, error) { return nil, nil }})
	defer nilGen.Close()
	if _, err := nilGen.Key(ctx); !errors.Is(err, ErrGenerate) {
		t.Fatalf("nil-key generator: err=%v, want ErrGenerate", err)
	}
}

// waitGoroutines waits until the goroutine count is back to at most want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("goroutines=%d, want <= %d (leak)\n%s", n, want, buf)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
