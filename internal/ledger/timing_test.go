package ledger

import (
	"errors"
	"sync"
	"testing"
	"time"
)

type recordingObserver struct {
	mu   sync.Mutex
	ops  []CryptoOp
	errs []error
}

func (r *recordingObserver) ObserveCrypto(op CryptoOp, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, op)
	r.errs = append(r.errs, err)
}

func TestTimerReportsToObserver(t *testing.T) {
	l := New()
	l.Start(CryptoAESEncrypt).Done(nil) // no observer yet: nothing to report
	obs := &recordingObserver{}
	l.SetObserver(obs)
	l.Start(CryptoRSAUnwrap).Done(nil)
	bad := errors.New("bad")
	l.Start(CryptoAESDecrypt).Done(bad)
	l.SetObserver(nil)
	l.Start(CryptoHMAC).Done(nil)

	if got, want := len(obs.ops), 2; got != want {
		t.Fatalf("observed %d operations, want %d", got, want)
	}
	if obs.ops[0] != CryptoRSAUnwrap || obs.ops[1] != CryptoAESDecrypt {
		t.Fatalf("ops=%v, want [rsa_unwrap aes_decrypt]", obs.ops)
	}
	if obs.errs[0] != nil || obs.errs[1] != bad {
		t.Fatalf("errs=%v, want [nil bad]", obs.errs)
	}
}

func TestTimerOnNilLedger(t *testing.T) {
	var l *Ledger
	l.SetObserver(&recordingObserver{})
	l.Start(CryptoPBKDF2).Done(nil) // must not panic
}

func TestCryptoOpNames(t *testing.T) {
	seen := map[string]bool{}
	for _, op := range CryptoOps() {
		n := op.String()
		if n == "" || n == "unknown" || seen[n] {
			t.Fatalf("op %d has name %q (seen before: %v)", op, n, seen[n])
		}
		seen[n] = true
	}
}
