package ledger

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
)

// This file holds the typed recorders the client uses. Each one fills an
// Entry from the actual keys and values and attaches the closure that
// re-does the operation, so callers cannot record a fingerprint that does
// not belong to the key they used.

// strategy returns the Cryppo strategy name of a serialized string ("" for
// an empty string, which is how an empty plaintext serializes).
func strategy(s string) string {
	if i := strings.IndexByte(s, '.'); i > 0 {
		return s[:i]
	}
	return ""
}

// GenerateKey records a freshly generated symmetric key (KEK, DEK, share
// DEK).
func (l *Ledger) GenerateKey(actor, subject string, k cryppo.SymmetricKey) {
	if l == nil {
		return
	}
	l.keep(actor, subject, k.Bytes())
	fp := k.Fingerprint()
	l.keepKey(k.Bytes())
	l.Record(Entry{Actor: actor, Op: OpGenerate, Subject: subject, Format: FormatRandom32, Output: fp, Digest: fp},
		func() error {
			if got := len(k.Bytes()); got != cryppo.SymmetricKeySize {
				return fmt.Errorf("%w: key has %d bytes, want %d", ErrMismatch, got, cryppo.SymmetricKeySize)
			}
			return nil
		})
}

// GenerateBytes records other generated key material, such as a 64-byte
// value verification key.
func (l *Ledger) GenerateBytes(actor, subject string, b []byte) {
	if l == nil {
		return
	}
	l.keep(actor, subject, b)
	fp := cryppo.Fingerprint(b)
	l.keepKey(b)
	n := len(b)
	l.Record(Entry{Actor: actor, Op: OpGenerate, Subject: subject, Format: fmt.Sprintf("random %d bytes", n),
		Output: fp, Digest: fp}, nil)
}

// GenerateKeypair records a keypair the client created (or drew from a key
// source) and keeps the private key for re-checking RSA operations.
func (l *Ledger) GenerateKeypair(actor, subject string, k *cryppo.PrivateKey) {
	if l == nil || k == nil {
		return
	}
	l.AddPrivateKey(k)
	fp := k.Fingerprint()
	l.Record(Entry{Actor: actor, Op: OpGenerate, Subject: subject, Format: fmt.Sprintf("RSA-%d keypair", k.Public().Bits()),
		Output: fp, Digest: fp},
		func() error {
			if err := k.RSA().Validate(); err != nil {
				return fmt.Errorf("%w: keypair does not validate", ErrMismatch)
			}
			if k.Fingerprint() != fp {
				return fmt.Errorf("%w: keypair fingerprint changed", ErrMismatch)
			}
			return nil
		})
}

// DeriveKey records a key derived from a password (the PDK, the SRP
// password). It is not re-checkable: the ledger does not keep passwords.
func (l *Ledger) DeriveKey(actor, subject string, derived []byte, note string) {
	if l == nil {
		return
	}
	fp := cryppo.Fingerprint(derived)
	l.Record(Entry{Actor: actor, Op: OpDerive, Subject: subject, Format: FormatPBKDF2, Output: fp, Digest: fp, Note: note}, nil)
}

// WrapKey records key material (raw bytes) AES-encrypted under wrapping,
// with serialized output out.
func (l *Ledger) WrapKey(actor, subject string, wrapping cryppo.SymmetricKey, wrappingName string, key []byte, out string) {
	l.aesKey(actor, OpWrap, subject, wrapping, wrappingName, key, out)
}

// UnwrapKey records key material recovered by AES-decrypting in under
// wrapping.
func (l *Ledger) UnwrapKey(actor, subject string, wrapping cryppo.SymmetricKey, wrappingName string, in string, key []byte) {
	l.aesKey(actor, OpUnwrap, subject, wrapping, wrappingName, key, in)
}

func (l *Ledger) aesKey(actor string, op Op, subject string, wrapping cryppo.SymmetricKey, wrappingName string, key []byte, s string) {
	if l == nil {
		return
	}
	l.keep(actor, subject, key)
	fp := cryppo.Fingerprint(key)
	l.keepKey(wrapping.Bytes())
	l.Record(Entry{Actor: actor, Op: op, Subject: subject, Key: wrapping.Fingerprint(), KeyName: wrappingName,
		Format: strategy(s), Output: s, Digest: fp, plain: PlainKey},
		func() error {
			pt, err := cryppo.DecryptAES(wrapping, s)
			if err != nil {
				return err
			}
			if cryppo.Fingerprint(pt) != fp {
				return fmt.Errorf("%w: unwrapped key is %s, recorded %s", ErrMismatch, cryppo.Fingerprint(pt), fp)
			}
			return nil
		})
}

// WrapPrivateKey records a private key encrypted (as its PEM text) under
// kek.
func (l *Ledger) WrapPrivateKey(actor, subject string, kek cryppo.SymmetricKey, kekName string, k *cryppo.PrivateKey, out string) {
	l.aesPrivate(actor, OpWrap, subject, kek, kekName, k, out)
}

// UnwrapPrivateKey records a private key recovered from in under kek, and
// keeps it for re-checking RSA operations.
func (l *Ledger) UnwrapPrivateKey(actor, subject string, kek cryppo.SymmetricKey, kekName string, in string, k *cryppo.PrivateKey) {
	l.aesPrivate(actor, OpUnwrap, subject, kek, kekName, k, in)
}

func (l *Ledger) aesPrivate(actor string, op Op, subject string, kek cryppo.SymmetricKey, kekName string, k *cryppo.PrivateKey, s string) {
	if l == nil || k == nil {
		return
	}
	l.AddPrivateKey(k)
	fp := k.Fingerprint()
	l.keepKey(kek.Bytes())
	l.Record(Entry{Actor: actor, Op: op, Subject: subject, Key: kek.Fingerprint(), KeyName: kekName,
		Format: strategy(s), Output: s, Digest: fp, plain: PlainPrivateKey},
		func() error {
			pt, err := cryppo.DecryptAES(kek, s)
			if err != nil {
				return err
			}
			got, err := cryppo.ParsePrivateKeyPEM(string(pt))
			if err != nil {
				return err
			}
			if got.Fingerprint() != fp {
				return fmt.Errorf("%w: unwrapped private key is %s, recorded %s", ErrMismatch, got.Fingerprint(), fp)
			}
			return nil
		})
}

// EncryptData records a data plaintext (a slot value, a connection name)
// AES-encrypted under key. An empty plaintext serializes to "" (as
// cryppo-js returns null), and the re-check expects exactly that.
func (l *Ledger) EncryptData(actor, subject string, key cryppo.SymmetricKey, keyName string, plaintext []byte, out string) {
	l.aesData(actor, OpEncrypt, subject, key, keyName, plaintext, out)
}

// DecryptData records a data plaintext recovered from in under key.
func (l *Ledger) DecryptData(actor, subject string, key cryppo.SymmetricKey, keyName string, in string, plaintext []byte) {
	l.aesData(actor, OpDecrypt, subject, key, keyName, plaintext, in)
}

func (l *Ledger) aesData(actor string, op Op, subject string, key cryppo.SymmetricKey, keyName string, plaintext []byte, s string) {
	if l == nil {
		return
	}
	d := l.DataDigest(plaintext)
	l.keepKey(key.Bytes())
	l.Record(Entry{Actor: actor, Op: op, Subject: subject, Key: key.Fingerprint(), KeyName: keyName,
		Format: strategy(s), Output: s, Digest: d, plain: PlainData},
		func() error {
			if s == "" {
				if d != l.DataDigest(nil) {
					return fmt.Errorf("%w: empty ciphertext recorded for a non-empty plaintext", ErrMismatch)
				}
				return nil
			}
			pt, err := cryppo.DecryptAES(key, s)
			if err != nil {
				return err
			}
			if got := l.DataDigest(pt); got != d {
				return fmt.Errorf("%w: plaintext digest %s, recorded %s", ErrMismatch, got, d)
			}
			return nil
		})
}

// WrapKeyRSA records key material (a share DEK) RSA-OAEP-encrypted to pub.
// The re-check needs the matching private key (AddPrivateKey); without it
// the entry is skipped.
func (l *Ledger) WrapKeyRSA(actor, subject string, pub *cryppo.PublicKey, keyName string, key []byte, out string) {
	if l == nil || pub == nil {
		return
	}
	l.keep(actor, subject, key)
	fp := cryppo.Fingerprint(key)
	pubFP := pub.Fingerprint()
	l.Record(Entry{Actor: actor, Op: OpWrap, Subject: subject, Key: pubFP, KeyName: keyName, Format: strategy(out), Output: out, Digest: fp, plain: PlainKey},
		func() error {
			priv := l.privateKey(pubFP)
			if priv == nil {
				return errSkip
			}
			pt, err := cryppo.DecryptRSA(priv, out)
			if err != nil {
				return err
			}
			if cryppo.Fingerprint(pt) != fp {
				return fmt.Errorf("%w: unwrapped key is %s, recorded %s", ErrMismatch, cryppo.Fingerprint(pt), fp)
			}
			return nil
		})
}

// UnwrapKeyRSA records key material recovered from in with priv.
func (l *Ledger) UnwrapKeyRSA(actor, subject string, priv *cryppo.PrivateKey, keyName string, in string, key []byte) {
	l.keep(actor, subject, key)
	l.rsaDecrypt(actor, OpUnwrap, subject, priv, keyName, in, key, cryppo.Fingerprint(key))
}

// DecryptRSA records data (a session token) recovered from in with priv.
func (l *Ledger) DecryptRSA(actor, subject string, priv *cryppo.PrivateKey, keyName string, in string, plaintext []byte) {
	l.rsaDecrypt(actor, OpDecrypt, subject, priv, keyName, in, plaintext, l.DataDigest(plaintext))
}

func (l *Ledger) rsaDecrypt(actor string, op Op, subject string, priv *cryppo.PrivateKey, keyName, in string, pt []byte, digest string) {
	if l == nil || priv == nil {
		return
	}
	l.AddPrivateKey(priv)
	keyMaterial := op == OpUnwrap
	plain := PlainData
	if keyMaterial {
		plain = PlainKey
	}
	l.Record(Entry{Actor: actor, Op: op, Subject: subject, Key: priv.Fingerprint(), KeyName: keyName, Format: strategy(in), Output: in, Digest: digest, plain: plain},
		func() error {
			got, err := cryppo.DecryptRSA(priv, in)
			if err != nil {
				return err
			}
			d := l.DataDigest(got)
			if keyMaterial {
				d = cryppo.Fingerprint(got)
			}
			if d != digest {
				return fmt.Errorf("%w: plaintext digest %s, recorded %s", ErrMismatch, d, digest)
			}
			return nil
		})
}

// Hash records a value verification hash: HMAC-SHA256 of value under key,
// as §1.8 of the protocol computes it.
func (l *Ledger) Hash(actor, subject string, key []byte, keyName string, value string, hash string) {
	if l == nil {
		return
	}
	key = bytes.Clone(key)
	l.keepKey(key)
	l.Record(Entry{Actor: actor, Op: OpHash, Subject: subject, Key: cryppo.Fingerprint(key), KeyName: keyName,
		Format: FormatHMACSHA256, Output: hash, Digest: l.DataDigest([]byte(value)), plain: PlainData},
		func() error {
			if got := cryppo.HMACSHA256Hex(key, value); !equalString(got, hash) {
				return fmt.Errorf("%w: hash recomputes to %s", ErrMismatch, got)
			}
			return nil
		})
}

// CheckHash records the verification of a received value against its hash;
// ok is the outcome the client acted on, and the re-check confirms it.
func (l *Ledger) CheckHash(actor, subject string, key []byte, keyName string, value string, hash string, ok bool) {
	if l == nil {
		return
	}
	key = bytes.Clone(key)
	l.keepKey(key)
	note := "match"
	if !ok {
		note = "MISMATCH"
	}
	l.Record(Entry{Actor: actor, Op: OpCheck, Subject: subject, Key: cryppo.Fingerprint(key), KeyName: keyName,
		Format: FormatHMACSHA256, Output: hash, Digest: l.DataDigest([]byte(value)), Note: note, plain: PlainData},
		func() error {
			if got := equalString(cryppo.HMACSHA256Hex(key, value), hash); got != ok {
				return fmt.Errorf("%w: hash check gives %v, recorded %v", ErrMismatch, got, ok)
			}
			return nil
		})
}

// RefusedAES records a negative check: decrypting in under key (a wrong
// key) failed, as it must. The re-check confirms it still fails.
func (l *Ledger) RefusedAES(actor, subject string, key cryppo.SymmetricKey, keyName string, in string, reason error) {
	if l == nil {
		return
	}
	l.keepKey(key.Bytes())
	l.Record(Entry{Actor: actor, Op: OpRefuse, Subject: subject, Key: key.Fingerprint(), KeyName: keyName,
		Format: strategy(in), Output: in, Note: errNote(reason)},
		func() error {
			if _, err := cryppo.DecryptAES(key, in); err == nil {
				return fmt.Errorf("%w: decryption that was refused now succeeds", ErrMismatch)
			}
			return nil
		})
}

// RefusedRSA records a negative check: RSA-decrypting in with priv (not the
// intended recipient's key) failed, as it must.
func (l *Ledger) RefusedRSA(actor, subject string, priv *cryppo.PrivateKey, keyName string, in string, reason error) {
	if l == nil || priv == nil {
		return
	}
	l.AddPrivateKey(priv)
	l.Record(Entry{Actor: actor, Op: OpRefuse, Subject: subject, Key: priv.Fingerprint(), KeyName: keyName,
		Format: strategy(in), Output: in, Note: errNote(reason)},
		func() error {
			if _, err := cryppo.DecryptRSA(priv, in); err == nil {
				return fmt.Errorf("%w: decryption that was refused now succeeds", ErrMismatch)
			}
			return nil
		})
}

// Refused records any other negative check; check must return nil while
// the operation is still refused.
func (l *Ledger) Refused(actor, subject, keyFingerprint, keyName, format string, reason error, check func() error) {
	l.Record(Entry{Actor: actor, Op: OpRefuse, Subject: subject, Key: keyFingerprint, KeyName: keyName,
		Format: format, Note: errNote(reason)}, check)
}

// errNote keeps only the error text, which cryppo guarantees carries no key
// material or plaintext.
func errNote(err error) string {
	if err == nil {
		return "refused"
	}
	return err.Error()
}

func equalString(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
