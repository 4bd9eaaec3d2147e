package keysource

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// ModeCache names the cached mode: keys generated once and kept in the
// user's cache folder, reused by later runs against the same target.
const ModeCache = "cache"

// Cached is a Source that hands out the keys an earlier run against the
// same target left in its cache file, each at most once per Source, and
// generates (and appends) fresh ones when they run out. The file is
// private (0600, in a 0700 folder), but the keys are reused across runs:
// they are fit for load tests against test vaults, not for anything that
// relies on a key being new.
type Cached struct {
	path  string
	set   *Set
	order []int
	fresh FreshOptions

	next      atomic.Int64
	fromSet   atomic.Int64
	generated atomic.Int64

	mu       sync.Mutex // guards fallback, the file appends and closed
	closed   bool
	fallback *Fresh
}

// CacheOptions configures NewCached.
type CacheOptions struct {
	// Dir is the cache folder; empty means os.UserCacheDir()/vaultcheck.
	Dir string
	// Target names what the keys are used against (its URLs); each
	// target has a file of its own.
	Target string
	// Seed orders the cached keys, as FastOptions.Seed does, so that
	// concurrent shards rarely take the same key.
	Seed uint64
	// Fresh configures generation when the cache runs out.
	Fresh FreshOptions
}

// CacheFile is where the keys for target are kept.
func CacheFile(dir, target string) (string, error) {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("keysource: no cache folder: %w", err)
		}
		dir = filepath.Join(base, "vaultcheck")
	}
	sum := sha256.Sum256([]byte(target))
	return filepath.Join(dir, "keys", hex.EncodeToString(sum[:8])+".pem"), nil
}

// NewCached opens (or starts) the cache file of opts.Target.
func NewCached(opts CacheOptions) (*Cached, error) {
	path, err := CacheFile(opts.Dir, opts.Target)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keysource: cache folder: %w", err)
	}
	// MkdirAll keeps existing modes; the folders holding keys must not
	// be readable by others.
	for _, d := range []string{filepath.Dir(filepath.Dir(path)), filepath.Dir(path)} {
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("keysource: cache folder: %w", err)
		}
	}
	fresh := opts.Fresh
	if fresh.Bits <= 0 {
		fresh.Bits = cryppo.RSAKeyBits
	}
	c := &Cached{path: path, fresh: fresh, set: &Set{}}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("keysource: cache file: %w", err)
	default:
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return nil, fmt.Errorf("keysource: cache file: %w", err)
			}
		}
		if len(data) > 0 {
			if c.set, err = NewSet(data); err != nil {
				return nil, fmt.Errorf("keysource: cache file %s: %w", path, err)
			}
		}
	}
	c.order = permutation(c.set.Len(), opts.Seed)
	return c, nil
}

// Path is the cache file.
func (c *Cached) Path() string { return c.path }

// Cached is how many keys the file held when the Source opened it.
func (c *Cached) Cached() int { return len(c.order) }

// Key hands out the next cached key, or a generated one (then appended
// to the cache file for the next run).
func (c *Cached) Key(ctx context.Context) (*cryppo.PrivateKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if i := c.next.Add(1) - 1; i < int64(len(c.order)) {
		k, err := c.set.Key(c.order[i], c.fresh.Bits)
		if err != nil {
			return nil, err
		}
		c.fromSet.Add(1)
		return k, nil
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if c.fallback == nil {
		c.fallback = NewFresh(c.fresh)
	}
	fb := c.fallback
	c.mu.Unlock()
	k, err := fb.Key(ctx)
	if err != nil {
		return nil, err
	}
	c.generated.Add(1)
	if err := c.appendKey(k); err != nil {
		return nil, err
	}
	return k, nil
}

func (c *Cached) appendKey(k *cryppo.PrivateKey) error {
	block := pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: x509.MarshalPKCS1PrivateKey(k.RSA())})
	c.mu.Lock()
	defer c.mu.Unlock()
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("keysource: cache file: %w", err)
	}
	// One write per key, so that shards appending at once keep whole
	// PEM blocks.
	if _, err := f.Write(block); err != nil {
		f.Close()
		return fmt.Errorf("keysource: cache file: %w", err)
	}
	return f.Close()
}

// Close stops generation, if it started.
func (c *Cached) Close() error {
	c.mu.Lock()
	c.closed = true
	fb := c.fallback
	c.mu.Unlock()
	if fb != nil {
		return fb.Close()
	}
	return nil
}

// Mode returns ModeCache.
func (c *Cached) Mode() string { return ModeCache }

// Stats reports where the keys handed out came from.
func (c *Cached) Stats() Stats {
	s := Stats{FromSet: c.fromSet.Load(), Generated: c.generated.Load()}
	s.Served = s.FromSet + s.Generated
	return s
}

var _ Source = (*Cached)(nil)
