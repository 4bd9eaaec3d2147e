package keysource

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// FastOptions configures a Fast source. TEST-ONLY: see the package comment.
type FastOptions struct {
	// Seed picks the order in which set keys are handed out. 0 keeps the
	// set's own order; any other value gives a fixed permutation of it, the
	// same for the same seed on every platform and Go version. Give
	// concurrent runs against one server different seeds so they seldom
	// register the same keys.
	Seed uint64
	// Set is the key set; nil means the embedded testkeys set.
	Set *Set
	// Fresh configures the fallback used once the set is exhausted; the
	// fallback is started only then. Fresh.Bits (default 4096) is also the
	// size every set key must have.
	Fresh FreshOptions
}

// Fast is a TEST-ONLY Source that hands out pre-generated, publicly known
// keys, each at most once, then falls back to a Fresh source.
type Fast struct {
	set   *Set
	order []int
	fresh FreshOptions

	next      atomic.Int64
	fromSet   atomic.Int64
	generated atomic.Int64
	closed    atomic.Bool

	mu       sync.Mutex // guards fallback and its creation against Close
	fallback *Fresh
}

// NewFast returns a Fast source over opts.Set (default: the embedded set).
// It fails only if the embedded set cannot be read; keys are not parsed
// until they are handed out.
func NewFast(opts FastOptions) (*Fast, error) {
	set := opts.Set
	if set == nil {
		var err error
		if set, err = EmbeddedSet(); err != nil {
			return nil, err
		}
	}
	fresh := opts.Fresh
	if fresh.Bits <= 0 {
		fresh.Bits = cryppo.RSAKeyBits
	}
	return &Fast{set: set, order: permutation(set.Len(), opts.Seed), fresh: fresh}, nil
}

// permutation returns 0..n-1, shuffled by seed unless seed is 0. It uses
// PCG (a specified algorithm) with its own Fisher-Yates and bounded draw
// rather than rand.Shuffle, whose algorithm the Go project may change, so a
// seed names the same order everywhere.
func permutation(n int, seed uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	if seed == 0 {
		return p
	}
	src := rand.NewPCG(seed, 0x6b6579736f757263) // "keysourc"
	for i := n - 1; i > 0; i-- {
		j := int(bounded(src, uint64(i+1)))
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// bounded draws uniformly from [0,n) by rejection, avoiding modulo bias.
func bounded(src *rand.PCG, n uint64) uint64 {
	limit := -n % n // 2^64 mod n: the number of low values to reject
	for {
		v := src.Uint64()
		if v >= limit {
			return v % n
		}
	}
}

// Key hands out the next unused set key, or once the set is exhausted a
// freshly generated one. It fails with ctx's error if ctx has ended, with
// ErrClosed after Close, with ErrBadKey if the set key is invalid (that key
// is skipped for good) and as Fresh.Key does for generated keys.
func (f *Fast) Key(ctx context.Context) (*cryppo.PrivateKey, error) {
	if f.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if i := f.next.Add(1) - 1; i < int64(len(f.order)) {
		k, err := f.set.Key(f.order[i], f.fresh.Bits)
		if err != nil {
			return nil, err
		}
		f.fromSet.Add(1)
		return k, nil
	}
	fb, err := f.fallbackSource()
	if err != nil {
		return nil, err
	}
	k, err := fb.Key(ctx)
	if err != nil {
		return nil, err
	}
	f.generated.Add(1)
	return k, nil
}

func (f *Fast) fallbackSource() (*Fresh, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed.Load() {
		return nil, ErrClosed
	}
	if f.fallback == nil {
		f.fallback = NewFresh(f.fresh)
	}
	return f.fallback, nil
}

// Close stops the fallback, if it was started, and waits for its workers.
// It is idempotent and always returns nil.
func (f *Fast) Close() error {
	f.mu.Lock()
	f.closed.Store(true)
	fb := f.fallback
	f.mu.Unlock()
	if fb != nil {
		return fb.Close()
	}
	return nil
}

// Mode returns ModeFast.
func (f *Fast) Mode() string { return ModeFast }

// SetSize is the number of keys in the set f draws from.
func (f *Fast) SetSize() int { return len(f.order) }

// Stats reports how many keys f handed out and where they came from; a
// Generated count above zero means the run outgrew the set.
func (f *Fast) Stats() Stats {
	s := Stats{FromSet: f.fromSet.Load(), Generated: f.generated.Load()}
	s.Served = s.FromSet + s.Generated
	return s
}
