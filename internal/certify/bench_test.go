package certify

import (
	"bytes"
	"testing"
)

// BenchmarkVerify verifies the fixture suite's bundle: the signature, the
// digests, the suite, the ledgers re-checked from their material (RSA
// decryptions with every private key of each scenario dominate) and the
// verdict derived again.
func BenchmarkVerify(b *testing.B) {
	oc, signer := clean(b)
	key := PublicKeyPEM(signer.Public())
	b.ResetTimer()
	for b.Loop() {
		if rep := verifyFixture(oc.Bundle, key); rep.ExitCode() != VerifyCertified {
			b.Fatalf("verify: %v", rep.Problems)
		}
	}
}

// BenchmarkTarGz packs the fixture suite's bundle.
func BenchmarkTarGz(b *testing.B) {
	oc, _ := clean(b)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := oc.Bundle.WriteTarGz(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

// BenchmarkRecheckLedger re-checks one sharing scenario's ledger.
func BenchmarkRecheckLedger(b *testing.B) {
	ev := sharingLedger(b).Evidence()
	for b.Loop() {
		if c := RecheckLedger(ev); !c.Clean() {
			b.Fatal(c.Errors)
		}
	}
}
