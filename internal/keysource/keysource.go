// Package keysource supplies the RSA-4096 keypairs vaultcheck's Meeco users
// need: one for login and one per connection.
//
// Generating an RSA-4096 key costs about a second of CPU, and a conformance
// run creates hundreds of them, so where keys come from decides how long a
// run takes. There are two modes:
//
//   - "fresh" (the default, and the only mode fit for anything but tests):
//     every key is newly generated from crypto/rand. Generation runs in the
//     background on all cores, ahead of demand, into a small buffer of ready
//     keys, so a run pays for keys while it waits on the network instead of
//     one second at a time on the critical path.
//   - "fast" (test-only, opt-in): keys are drawn from a committed set of 640
//     pre-generated RSA-4096 keys (package testkeys). Those keys are publicly
//     known; they are fine for a throwaway test vault and for nothing else.
//     Each Source hands every set key out at most once, in an order chosen
//     by a seed, so that concurrent runs against one server, given different
//     seeds, rarely register the same public key twice. When the set runs
//     out the Source falls back to fresh generation and counts how often it
//     had to (Fast.Stats), so a run can report that it outgrew the set.
//
// Nothing in this package chooses "fast" on its own: New only returns a
// fast Source when asked for it by name.
package keysource

import (
	"context"
	"errors"
	"fmt"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// Mode names, as accepted by New and returned by Source.Mode.
const (
	ModeFresh = "fresh"
	ModeFast  = "fast"
)

// Modes lists the valid modes, default first.
var Modes = []string{ModeFresh, ModeFast}

// Error kinds. Errors from this package wrap one of them (test with
// errors.Is); none ever carries key material.
var (
	// ErrUnknownMode reports a mode name New does not know.
	ErrUnknownMode = errors.New("keysource: unknown mode")
	// ErrClosed reports a Key call on a closed Source.
	ErrClosed = errors.New("keysource: source closed")
	// ErrGenerate reports that key generation failed (an impossible key
	// size, a broken random source).
	ErrGenerate = errors.New("keysource: key generation failed")
	// ErrBadSet reports key-set data that is not a sequence of PKCS#1 PEM
	// blocks.
	ErrBadSet = errors.New("keysource: malformed key set")
	// ErrBadKey reports a key in a set that does not parse, or does not
	// have the required size or the exponent 65537.
	ErrBadKey = errors.New("keysource: invalid key in set")
)

// Source hands out RSA keys. Every key it returns is distinct from every
// other key it returned. Key is safe for concurrent use. Close releases the
// Source's goroutines; Key then fails with ErrClosed.
type Source interface {
	Key(ctx context.Context) (*cryppo.PrivateKey, error)
	Close() error
	Mode() string // ModeFresh or ModeFast
}

// Stats counts the keys a Source handed out. Served = FromSet + Generated.
type Stats struct {
	Served    int64 // keys returned by Key
	FromSet   int64 // of those, keys taken from the pre-generated set
	Generated int64 // of those, keys generated for this Source
}

// Options configures New. Fresh configures fresh generation: the whole
// Source in mode "fresh", the fallback in mode "fast". Seed and Set apply to
// mode "fast" only (see FastOptions).
type Options struct {
	Fresh FreshOptions
	Seed  uint64
	Set   *Set
}

// New returns a Source for mode: "fresh" (also for the empty string, so an
// unset option means the safe default) or "fast". Any other name fails with
// ErrUnknownMode. Modes are matched exactly, so "Fast" is an error rather
// than a silent choice of public keys.
func New(mode string, opts Options) (Source, error) {
	switch mode {
	case ModeFresh, "":
		return NewFresh(opts.Fresh), nil
	case ModeFast:
		return NewFast(FastOptions{Seed: opts.Seed, Set: opts.Set, Fresh: opts.Fresh})
	default:
		return nil, fmt.Errorf("%w %q (valid: %q, %q)", ErrUnknownMode, mode, ModeFresh, ModeFast)
	}
}

var (
	_ Source = (*Fresh)(nil)
	_ Source = (*Fast)(nil)
)
