package keysource

// The benchmarks compare the three ways to get a Meeco keypair. The 4096-bit
// ones are slow (about a second per key); run them with a fixed count:
//
//	go test ./internal/keysource -run '^$' -bench . -benchtime=5x

import (
	"context"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// BenchmarkFastKey is the cost of one key from the embedded set: parsing
// and validating it. Untimed, it starts a new Fast whenever the set runs
// out so that every timed key comes from the set.
func BenchmarkFastKey(b *testing.B) {
	ctx := context.Background()
	var f *Fast
	for i := 0; i < b.N; i++ {
		if f == nil || f.Stats().Served == int64(f.SetSize()) {
			b.StopTimer()
			var err error
			if f, err = NewFast(FastOptions{Seed: uint64(i) + 1}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if _, err := f.Key(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s := f.Stats(); s.Generated != 0 {
		b.Fatalf("%d keys were generated", s.Generated)
	}
}

// BenchmarkFreshKey4096 is the steady-state cost per key of a default Fresh
// pool (GOMAXPROCS workers): roughly one generation divided by the number
// of cores. Untimed, it lets the pool fill and then empties it, including
// the keys workers hold while the buffer is full, so every timed key is one
// the workers had to make from scratch. With b.N = 5 and 2 workers the
// last round runs one worker alone, so the figure errs a little high.
func BenchmarkFreshKey4096(b *testing.B) {
	ctx := context.Background()
	f := NewFresh(FreshOptions{})
	defer f.Close()
	for len(f.ready) < cap(f.ready) {
		time.Sleep(10 * time.Millisecond)
	}
	// Once the buffer is full each worker holds one more finished key.
	for range cap(f.ready) + f.opts.Workers {
		if _, err := f.Key(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.Key(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerate4096 is one serial RSA-4096 generation, the cost every
// key would have without a pool.
func BenchmarkGenerate4096(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := cryppo.GeneratePrivateKey(4096); err != nil {
			b.Fatal(err)
		}
	}
}
