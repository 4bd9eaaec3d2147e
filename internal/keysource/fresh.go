package keysource

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// FreshOptions configures a Fresh source. Zero values take the defaults.
type FreshOptions struct {
	// Bits is the modulus size; default cryppo.RSAKeyBits (4096). Tests
	// that do not care about the size use 1024 to stay fast.
	Bits int
	// Workers is the number of generator goroutines; default
	// runtime.GOMAXPROCS(0), since generation is CPU-bound and should use
	// every core while the run waits on I/O.
	Workers int
	// Depth is how many ready keys are kept buffered; default 2*Workers.
	// Deeper buffers absorb bursts (a scenario creating several users at
	// once) at the price of keys wasted when the Source is closed.
	Depth int
	// Generate makes one key; default cryppo.GeneratePrivateKey. Tests
	// inject it to count or fail generations.
	Generate func(bits int) (*cryppo.PrivateKey, error)
}

func (o FreshOptions) withDefaults() FreshOptions {
	if o.Bits <= 0 {
		o.Bits = cryppo.RSAKeyBits
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Depth <= 0 {
		o.Depth = 2 * o.Workers
	}
	if o.Generate == nil {
		o.Generate = cryppo.GeneratePrivateKey
	}
	return o
}

// Fresh is a Source of newly generated keys. Its workers start at NewFresh
// and keep Depth keys ready ahead of demand.
type Fresh struct {
	opts FreshOptions

	ready chan *cryppo.PrivateKey
	stop  chan struct{} // closed by Close
	done  chan struct{} // closed when every worker has returned
	wg    sync.WaitGroup

	stopOnce sync.Once
	failOnce sync.Once
	failed   chan struct{} // closed when a generation failed; err is then set
	err      error

	served atomic.Int64
}

// NewFresh starts a Fresh source. Close it to stop its workers.
func NewFresh(opts FreshOptions) *Fresh {
	opts = opts.withDefaults()
	f := &Fresh{
		opts:   opts,
		ready:  make(chan *cryppo.PrivateKey, opts.Depth),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
		failed: make(chan struct{}),
	}
	f.wg.Add(opts.Workers)
	for range opts.Workers {
		go f.work()
	}
	go func() {
		f.wg.Wait()
		close(f.done)
	}()
	return f
}

func (f *Fresh) work() {
	defer f.wg.Done()
	for {
		select {
		case <-f.stop:
			return
		default:
		}
		k, err := f.opts.Generate(f.opts.Bits)
		if err == nil && k == nil {
			err = fmt.Errorf("generator returned no key")
		}
		if err != nil {
			// Generation failures are not transient (bad size, broken
			// crypto/rand), so retrying would only spin: make the failure
			// sticky and let Key report it.
			f.failOnce.Do(func() {
				f.err = fmt.Errorf("%w: rsa-%d: %v", ErrGenerate, f.opts.Bits, err)
				close(f.failed)
			})
			return
		}
		select {
		case f.ready <- k:
		case <-f.stop:
			return
		}
	}
}

// Key returns a ready key, waiting for one if none is buffered. It fails
// with ctx's error if ctx ends first, with ErrClosed after Close, and with
// an ErrGenerate error once generation has failed.
func (f *Fresh) Key(ctx context.Context) (*cryppo.PrivateKey, error) {
	select {
	case <-f.stop:
		return nil, ErrClosed
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case k := <-f.ready:
		f.served.Add(1)
		return k, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-f.stop:
		return nil, ErrClosed
	case <-f.failed:
		// A key buffered before the failure is still good.
		select {
		case k := <-f.ready:
			f.served.Add(1)
			return k, nil
		default:
			return nil, f.err
		}
	}
}

// Close stops the workers, drops buffered keys and waits until every
// worker has returned. A worker in the middle of a generation finishes it
// first (RSA generation cannot be interrupted), so Close may take up to one
// key's generation time. Close is idempotent and always returns nil.
func (f *Fresh) Close() error {
	f.stopOnce.Do(func() { close(f.stop) })
	<-f.done
	for {
		select {
		case <-f.ready:
		default:
			return nil
		}
	}
}

// Mode returns ModeFresh.
func (f *Fresh) Mode() string { return ModeFresh }

// Bits returns the modulus size of the keys f generates.
func (f *Fresh) Bits() int { return f.opts.Bits }

// Stats reports the keys served so far; all of them were generated.
func (f *Fresh) Stats() Stats {
	n := f.served.Load()
	return Stats{Served: n, Generated: n}
}
