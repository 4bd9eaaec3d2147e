package srp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/testvectors"
)

// srpVector is one entry of cases.srp in meeco-crypto.json: a full jsrp
// 0.2.4 exchange with fixed a, b and salt.
type srpVector struct {
	Note        string `json:"note"`
	Username    string `json:"username"`
	PasswordHex string `json:"password_hex"`
	SaltHex     string `json:"salt_hex"`
	APrivHex    string `json:"a_hex"`
	BPrivHex    string `json:"b_hex"`
	VerifierHex string `json:"verifier_hex"`
	AHex        string `json:"A_hex"`
	BHex        string `json:"B_hex"`
	KMultHex    string `json:"k_hex"`
	UHex        string `json:"u_hex"`
	SHex        string `json:"S_hex"`
	KHex        string `json:"K_hex"`
	M1Hex       string `json:"M1_hex"`
	M2Hex       string `json:"M2_hex"`
}

func vectorsPath(t testing.TB) string {
	t.Helper()
	return testvectors.Path(t, "meeco-crypto.json")
}

func loadSRPVectors(t testing.TB) []srpVector {
	t.Helper()
	path := vectorsPath(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("test vectors missing: %v", err)
	}
	var doc struct {
		Cases struct {
			SRP []srpVector `json:"srp"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	if len(doc.Cases.SRP) == 0 {
		t.Fatalf("%s: no srp cases", path)
	}
	return doc.Cases.SRP
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex in test data: %v", err)
	}
	return b
}

func TestVectors(t *testing.T) {
	for _, v := range loadSRPVectors(t) {
		t.Run(v.Note, func(t *testing.T) {
			password := mustHex(t, v.PasswordHex)
			salt := mustHex(t, v.SaltHex)

			if got := hex.EncodeToString(Verifier(v.Username, password, salt)); got != v.VerifierHex {
				t.Fatalf("verifier=%s, want %s", got, v.VerifierHex)
			}
			if got := minimalHex(groupK); got != v.KMultHex {
				t.Fatalf("k=%s, want %s", got, v.KMultHex)
			}

			c, err := NewClient(v.Username, password, mustHex(t, v.APrivHex))
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			if got := c.AHex(); got != v.AHex {
				t.Fatalf("A=%s, want %s", got, v.AHex)
			}

			s, err := NewServer(v.Username, v.SaltHex, v.VerifierHex, v.AHex, mustHex(t, v.BPrivHex))
			if err != nil {
				t.Fatalf("NewServer: %v", err)
			}
			if got := s.BHex(); got != v.BHex {
				t.Fatalf("B=%s, want %s", got, v.BHex)
			}
			if got := s.SaltHex(); got != v.SaltHex {
				t.Fatalf("salt=%s, want %s", got, v.SaltHex)
			}

			// Intermediate values, both sides' S.
			u, err := computeU(mustHex(t, v.AHex), mustHex(t, v.BHex))
			if err != nil {
				t.Fatalf("computeU: %v", err)
			}
			if got := minimalHex(u); got != v.UHex {
				t.Fatalf("u=%s, want %s", got, v.UHex)
			}
			x := computeX(identityHash(v.Username, password), salt)
			bInt := new(big.Int).SetBytes(mustHex(t, v.BHex))
			aPriv := new(big.Int).SetBytes(mustHex(t, v.APrivHex))
			if got := hex.EncodeToString(pad(clientS(bInt, aPriv, u, x))); got != v.SHex {
				t.Fatalf("client S=%s, want %s", got, v.SHex)
			}
			aInt := new(big.Int).SetBytes(mustHex(t, v.AHex))
			vInt := new(big.Int).SetBytes(mustHex(t, v.VerifierHex))
			bPriv := new(big.Int).SetBytes(mustHex(t, v.BPrivHex))
			if got := hex.EncodeToString(pad(serverS(aInt, vInt, u, bPriv))); got != v.SHex {
				t.Fatalf("server S=%s, want %s", got, v.SHex)
			}

			m1, err := c.Proof(v.SaltHex, v.BHex)
			if err != nil {
				t.Fatalf("Proof: %v", err)
			}
			if m1 != v.M1Hex {
				t.Fatalf("M1=%s, want %s", m1, v.M1Hex)
			}
			if got := hex.EncodeToString(c.SessionKey()); got != v.KHex {
				t.Fatalf("client K=%s, want %s", got, v.KHex)
			}
			m2, err := s.Verify(m1)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if m2 != v.M2Hex {
				t.Fatalf("M2=%s, want %s", m2, v.M2Hex)
			}
			if got := hex.EncodeToString(s.SessionKey()); got != v.KHex {
				t.Fatalf("server K=%s, want %s", got, v.KHex)
			}
			if err := c.VerifyServer(m2); err != nil {
				t.Fatalf("VerifyServer: %v", err)
			}
		})
	}
}

// TestKAT is the known-answer test of protocol.md §2.3, checked against jsrp
// and an independent Python implementation.
func TestKAT(t *testing.T) {
	const (
		username    = "alice_username"
		passwordHex = "c29705c2ad76c3be567ec2981b1c595bc29ec38b52c3af44c284c386c2a459c293c2a1c3b12c0fc3a0c2b1c382074dc38e"
		wantV       = "0028878e7bcf58b54d6d5649dd285d33c2d0311a97046901b315e87d140031f4"
		wantA       = "6532302de45c50ade1f2fc01a87a82c52ed3ae8a0a87180ea54fe98fa18c382a"
		wantB       = "2ab734652fb0a1208f8a5add8a58eb3c9ed16aef99a714d229cea90791fa453b"
		wantK       = "5b9e8ef059c6b32ea59fc1d322d37f04aa30bae5aa9003b8321e21ddb04e300"
		wantKey     = "e5f978a7eb2f46caf495d3d9a8642e3fa396148bfc88241d801b8a164b8fd6b2"
		wantM1      = "6cebe5f424b12d7bb788d810f067ab8bed313edb108fa47f2e1e35214ab87081"
	)
	password := mustHex(t, passwordHex)
	if len(password) != 49 {
		t.Fatalf("len(P)=%d, want 49", len(password))
	}
	sha := func(hexStr string) string {
		sum := sha256.Sum256(mustHex(t, hexStr))
		return hex.EncodeToString(sum[:])
	}

	// Register reads its salt from the reader: 32×0xab.
	saltHex, verifierHex, err := Register(username, password, bytes.NewReader(bytes.Repeat([]byte{0xab}, 32)))
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if want := strings.Repeat("ab", 32); saltHex != want {
		t.Fatalf("salt=%s, want %s", saltHex, want)
	}
	if got := sha(verifierHex); got != wantV {
		t.Fatalf("SHA256(PAD(v))=%s, want %s", got, wantV)
	}
	if got := strings.TrimLeft(groupK.Text(16), "0"); got != wantK {
		t.Fatalf("k=%s, want %s", got, wantK)
	}

	c, err := NewClient(username, password, bytes.Repeat([]byte{0x11}, 32))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	if got := sha(c.AHex()); got != wantA {
		t.Fatalf("SHA256(A)=%s, want %s", got, wantA)
	}
	s, err := NewServer(username, saltHex, verifierHex, c.AHex(), bytes.Repeat([]byte{0x22}, 32))
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if got := sha(s.BHex()); got != wantB {
		t.Fatalf("SHA256(B)=%s, want %s", got, wantB)
	}
	m1, err := c.Proof(saltHex, s.BHex())
	if err != nil {
		t.Fatalf("Proof: %v", err)
	}
	if m1 != wantM1 {
		t.Fatalf("M1=%s, want %s", m1, wantM1)
	}
	if got := hex.EncodeToString(c.SessionKey()); got != wantKey {
		t.Fatalf("K=%s, want %s", got, wantKey)
	}
	if _, err := s.Verify(m1); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got := hex.EncodeToString(s.SessionKey()); got != wantKey {
		t.Fatalf("server K=%s, want %s", got, wantKey)
	}
}

// TestGroup checks the built-in constants are what jsrp uses: N is the
// RFC 5054 2048-bit safe prime beginning AC6BDB41 324A9A9B F166DE5E.
func TestGroup(t *testing.T) {
	if got := groupN.BitLen(); got != 2048 {
		t.Fatalf("N bits=%d, want 2048", got)
	}
	if got := groupN.Text(16)[:24]; got != "ac6bdb41324a9a9bf166de5e" {
		t.Fatalf("N starts %s", got)
	}
	if !groupN.ProbablyPrime(20) {
		t.Fatalf("N is not prime")
	}
	q := new(big.Int).Rsh(groupN, 1)
	if !q.ProbablyPrime(20) {
		t.Fatalf("(N-1)/2 is not prime")
	}
}
