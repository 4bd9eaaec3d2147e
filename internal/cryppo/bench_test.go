package cryppo

import (
	"strings"
	"testing"
)

// Benchmarks use fixed keys from the vectors (no RSA key generation).

func benchRSAKey(b *testing.B) *PrivateKey {
	b.Helper()
	return mustPrivateKey(b, meeco(b).Cases.RSA[0].PrivateKeyPEM)
}

func benchAES(b *testing.B, size int) {
	key := katKey(b)
	pt := []byte(strings.Repeat("x", size))
	b.Run("Encrypt", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			if _, err := EncryptAES(key, pt); err != nil {
				b.Fatal(err)
			}
		}
	})
	s, err := EncryptAES(key, pt)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Decrypt", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			if _, err := DecryptAES(key, s); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkAES64B(b *testing.B)  { benchAES(b, 64) }
func BenchmarkAES4KiB(b *testing.B) { benchAES(b, 4096) }

func BenchmarkEncryptRSA(b *testing.B) {
	pub := benchRSAKey(b).Public()
	dek := seq(32)
	for b.Loop() {
		if _, err := EncryptRSA(pub, dek); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecryptRSA(b *testing.B) {
	c := meeco(b).Cases.RSA[0]
	priv := benchRSAKey(b)
	for b.Loop() {
		if _, err := DecryptRSA(priv, c.Serialized); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeriveKey100000(b *testing.B) {
	salt := []byte("SALTSALTSALTSALTSALT")
	for b.Loop() {
		DeriveKey("pässword", salt, 100000, 32)
	}
}

func BenchmarkSign(b *testing.B) {
	priv := benchRSAKey(b)
	data := []byte("delegation payload")
	for b.Loop() {
		if _, err := Sign(priv, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySignature(b *testing.B) {
	c := meeco(b).Cases.Sign[0]
	pub, err := ParsePublicKeyPEM(c.PublicKeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := VerifySignature(pub, c.Serialized); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHMACSHA256Hex(b *testing.B) {
	key := seq(64)
	for b.Loop() {
		HMACSHA256Hex(key, "Straße 鍵 1976-03-13")
	}
}

func BenchmarkParse(b *testing.B) {
	s := meeco(b).Cases.Passphrase[0].Serialized
	for b.Loop() {
		if _, err := Parse(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkString(b *testing.B) {
	e, err := Parse(meeco(b).Cases.Passphrase[0].Serialized)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = e.String()
	}
}
