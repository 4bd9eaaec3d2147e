package srp

import (
	"crypto/sha256"
	"math/big"
	"strings"
)

// PadLen is the byte length of the group modulus N. Every padded value on
// the wire (A, B, the verifier) is exactly this long, i.e. 512 hex digits.
const PadLen = 256

// rfc5054N2048 is the 2048-bit safe prime of RFC 5054 appendix A, which jsrp
// selects with `length: 2048`.
const rfc5054N2048 = `
AC6BDB41 324A9A9B F166DE5E 1389582F AF72B665 1987EE07 FC319294 3DB56050
A37329CB B4A099ED 8193E075 7767A13D D52312AB 4B03310D CD7F48A9 DA04FD50
E8083969 EDB767B0 CF609517 9A163AB3 661A05FB D5FAAAE8 2918A996 2F0B93B8
55F97993 EC975EEA A80D740A DBF4FF74 7359D041 D5C33EA7 1D281E44 6B14773B
CA97B43A 23FB8016 76BD207A 436C6481 F1D2B907 8717461A 5B9D32E6 88F87748
544523B5 24B0D57D 5EA77A27 75D2ECFA 032CFBDB F52FB378 61602790 04E57AE6
AF874E73 03CE5329 9CCC041C 7BC308D8 2A5698F3 A8D0C382 71AE35F8 E9DBFBB6
94B5C803 D89F7AE4 35DE236D 525F5475 9B65E372 FCD68EF2 0FA7111F 9E4AFF73`

// The group parameters are computed once; they are never modified after
// init, so sharing the *big.Int values between goroutines is safe.
var (
	groupN = mustParseHex(rfc5054N2048)
	groupG = big.NewInt(2)
	// groupK is k = H(PAD(N) ‖ PAD(g)), the SRP-6a multiplier.
	groupK = new(big.Int).SetBytes(hashBytes(pad(groupN), pad(groupG)))
)

// N returns a copy of the group modulus, for checks that send a Keystore
// the public values it must refuse (A ≡ 0 mod N).
func N() *big.Int { return new(big.Int).Set(groupN) }

func mustParseHex(s string) *big.Int {
	s = strings.Join(strings.Fields(s), "")
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("srp: bad built-in group constant")
	}
	return n
}

// pad returns x as PadLen big-endian bytes. Callers only pass values already
// reduced mod N, so FillBytes cannot overflow.
func pad(x *big.Int) []byte {
	b := make([]byte, PadLen)
	return x.FillBytes(b)
}

// hashBytes is SHA-256 over the concatenation of parts.
func hashBytes(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// minimalHex renders n the way jsrp's transform.bigInt.toHex does: the
// shortest even-length lowercase hex string (so 0x5b9e… becomes "05b9e…").
// It exists for diagnostics and tests that compare k and u with jsrp output.
func minimalHex(n *big.Int) string {
	s := n.Text(16)
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s
}
