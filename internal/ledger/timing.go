package ledger

import (
	"sync/atomic"
	"time"
)

// Timing: the ledger can also tell an observer how long each client-side
// crypto operation took. A load run uses it for per-operation latency; a
// conformance run sets no observer and pays one atomic load per operation.
// Timing lives here because the ledger is already the one object every
// crypto step of the client reaches, and a World owns one per scenario, so
// operations of the fake server running in the same process are never
// counted.

// CryptoOp names a timed client-side crypto operation.
type CryptoOp uint8

// The timed operations.
const (
	// CryptoPBKDF2 derives a key from a password (the PDK, the SRP
	// password).
	CryptoPBKDF2 CryptoOp = iota
	// CryptoSRP is the client's SRP arithmetic: a verifier at registration,
	// the public value and proof at login.
	CryptoSRP
	// CryptoRSAWrap RSA-OAEP-encrypts a key to a public key (a share DEK).
	CryptoRSAWrap
	// CryptoRSAUnwrap RSA-OAEP-decrypts with a private key (a share DEK, a
	// session token).
	CryptoRSAUnwrap
	// CryptoAESEncrypt AES-GCM-encrypts a value or a key.
	CryptoAESEncrypt
	// CryptoAESDecrypt AES-GCM-decrypts a value or a key.
	CryptoAESDecrypt
	// CryptoKeyGen generates an RSA keypair.
	CryptoKeyGen
	// CryptoHMAC computes or checks a value verification hash.
	CryptoHMAC

	numCryptoOps
)

var cryptoOpNames = [numCryptoOps]string{
	CryptoPBKDF2:     "pbkdf2",
	CryptoSRP:        "srp",
	CryptoRSAWrap:    "rsa_wrap",
	CryptoRSAUnwrap:  "rsa_unwrap",
	CryptoAESEncrypt: "aes_encrypt",
	CryptoAESDecrypt: "aes_decrypt",
	CryptoKeyGen:     "keygen",
	CryptoHMAC:       "hmac",
}

// String is the operation's metric name: "pbkdf2", "rsa_unwrap", ...
func (op CryptoOp) String() string {
	if op < numCryptoOps {
		return cryptoOpNames[op]
	}
	return "unknown"
}

// CryptoOps lists every timed operation in order.
func CryptoOps() []CryptoOp {
	ops := make([]CryptoOp, numCryptoOps)
	for i := range ops {
		ops[i] = CryptoOp(i)
	}
	return ops
}

// Observer receives the duration of each timed operation. err is the
// operation's failure, if any: a decryption that failed on what the target
// returned, a hash that did not match. Observers are called from the
// goroutine that did the operation and must be safe for concurrent use.
type Observer interface {
	ObserveCrypto(op CryptoOp, d time.Duration, err error)
}

// observerBox lets the observer be swapped atomically.
type observerBox struct{ o Observer }

// SetObserver makes o receive the timings of the operations started after
// the call; nil stops timing.
func (l *Ledger) SetObserver(o Observer) {
	if l == nil {
		return
	}
	if o == nil {
		l.observer.Store(nil)
		return
	}
	l.observer.Store(&observerBox{o})
}

// Timer times one operation; see Ledger.Start.
type Timer struct {
	obs   *observerBox
	op    CryptoOp
	start time.Time
}

// Start begins timing op. Call Done on the result when the operation
// ends. Without an observer (or on a nil Ledger) it reads no clock.
func (l *Ledger) Start(op CryptoOp) Timer {
	if l == nil {
		return Timer{}
	}
	b := l.observer.Load()
	if b == nil {
		return Timer{}
	}
	return Timer{obs: b, op: op, start: time.Now()}
}

// Done reports the operation's duration and outcome to the observer that
// was set when it started.
func (t Timer) Done(err error) {
	if t.obs == nil {
		return
	}
	t.obs.o.ObserveCrypto(t.op, time.Since(t.start), err)
}

// observerField is embedded in Ledger.
type observerField = atomic.Pointer[observerBox]
