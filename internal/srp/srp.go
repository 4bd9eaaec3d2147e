package srp

import (
	crand "crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// Error sentinels. Every error this package returns wraps at least one of
// them so callers can branch with errors.Is. Messages name the offending
// field, never its value.
var (
	// ErrBadProof reports a proof (M1 at the server, M2 at the client) that
	// does not match: a wrong password, a wrong verifier or a tampered
	// exchange.
	ErrBadProof = errors.New("srp: proof does not match")
	// ErrBadPublicValue reports a public value the protocol must refuse:
	// A or B ≡ 0 (mod N), a value longer than the group, or u = 0.
	ErrBadPublicValue = errors.New("srp: invalid public value")
	// ErrBadInput reports malformed input: bad hex, an unusable private
	// exponent or verifier, or a call out of order.
	ErrBadInput = errors.New("srp: malformed input")
)

// SaltLen is the length in bytes of the salt Register draws, as the Meeco
// SDK does (jsrp generateSalt: 32 random bytes).
const SaltLen = 32

// privateLen is the length in bytes of a random private exponent a or b,
// as jsrp draws them.
const privateLen = 32

// Register derives the registration record the Keystore stores for a user:
// a fresh random 32-byte salt and the padded verifier, both lowercase hex.
// password is the exact byte string jsrp hashes as P. A nil rand means
// crypto/rand.
func Register(username string, password []byte, rand io.Reader) (saltHex, verifierHex string, err error) {
	if rand == nil {
		rand = crand.Reader
	}
	salt := make([]byte, SaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", "", fmt.Errorf("srp: reading random salt: %w", err)
	}
	v := Verifier(username, password, salt)
	return hex.EncodeToString(salt), hex.EncodeToString(v), nil
}

// Verifier returns PAD(v), v = g^x mod N with x = H(salt ‖ H(I ‖ ":" ‖ P)),
// for username I, password bytes P and raw salt bytes.
func Verifier(username string, password []byte, salt []byte) []byte {
	x := computeX(identityHash(username, password), salt)
	return pad(new(big.Int).Exp(groupG, x, groupN))
}

// identityHash is H(I ‖ ":" ‖ P). The client keeps only this, not the
// password itself, because it is all x needs once the salt arrives.
func identityHash(username string, password []byte) []byte {
	return hashBytes([]byte(username), []byte(":"), password)
}

// computeX is x = H(salt ‖ H(I ‖ ":" ‖ P)) as an integer.
func computeX(identity, salt []byte) *big.Int {
	return new(big.Int).SetBytes(hashBytes(salt, identity))
}

// computeU is u = H(A ‖ B) over the byte strings as exchanged. It refuses
// u = 0, which SRP-6a forbids because it would let S ignore the verifier.
func computeU(a, b []byte) (*big.Int, error) {
	u := new(big.Int).SetBytes(hashBytes(a, b))
	if err := checkU(u); err != nil {
		return nil, err
	}
	return u, nil
}

func checkU(u *big.Int) error {
	if u.Sign() == 0 {
		return fmt.Errorf("srp: scrambling parameter u is zero: %w", ErrBadPublicValue)
	}
	return nil
}

// clientS is S = (B − k·g^x)^(a + u·x) mod N. jsbn computes the base
// without reducing k·g^x first and lets modPow take the (usually negative)
// base mod N; reducing it here with Euclidean Mod gives the same residue.
func clientS(bInt, a, u, x *big.Int) *big.Int {
	gx := new(big.Int).Exp(groupG, x, groupN)
	base := new(big.Int).Mul(groupK, gx)
	base.Sub(bInt, base)
	base.Mod(base, groupN)
	exp := new(big.Int).Mul(u, x)
	exp.Add(exp, a)
	return base.Exp(base, exp, groupN)
}

// serverS is S = (A·v^u)^b mod N.
func serverS(aInt, v, u, b *big.Int) *big.Int {
	base := new(big.Int).Exp(v, u, groupN)
	base.Mul(base, aInt)
	base.Mod(base, groupN)
	return base.Exp(base, b, groupN)
}

// serverB is B = (k·v + g^b) mod N.
func serverB(v, b *big.Int) *big.Int {
	gb := new(big.Int).Exp(groupG, b, groupN)
	out := new(big.Int).Mul(groupK, v)
	out.Add(out, gb)
	return out.Mod(out, groupN)
}

// decodeHex decodes a hex field, naming the field (never its content) on
// failure. Upper-case digits are accepted, as Node's Buffer.from(hex) does.
func decodeHex(field, s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("srp: %s is not valid hex (%d chars): %w", field, len(s), ErrBadInput)
	}
	return b, nil
}

// publicValue checks a peer's public value: at most PadLen bytes (jsrp
// would take more, but no honest peer sends it) and not ≡ 0 mod N, the
// SRP-6a abort condition.
func publicValue(field string, b []byte) (*big.Int, error) {
	if len(b) > PadLen {
		return nil, fmt.Errorf("srp: %s is %d bytes, longer than the %d-byte group: %w", field, len(b), PadLen, ErrBadPublicValue)
	}
	n := new(big.Int).SetBytes(b)
	if new(big.Int).Mod(n, groupN).Sign() == 0 {
		return nil, fmt.Errorf("srp: %s is zero mod N: %w", field, ErrBadPublicValue)
	}
	return n, nil
}

// privateExponent turns caller-supplied bytes into a or b, or draws 32
// random bytes when given nil.
func privateExponent(field string, given []byte) (*big.Int, error) {
	if given == nil {
		given = make([]byte, privateLen)
		if _, err := io.ReadFull(crand.Reader, given); err != nil {
			return nil, fmt.Errorf("srp: reading random %s: %w", field, err)
		}
	}
	if len(given) > PadLen {
		return nil, fmt.Errorf("srp: %s is %d bytes, want at most %d: %w", field, len(given), PadLen, ErrBadInput)
	}
	n := new(big.Int).SetBytes(given)
	if n.Sign() == 0 {
		return nil, fmt.Errorf("srp: %s is zero: %w", field, ErrBadInput)
	}
	return n, nil
}

// Client is the client side of one SRP login: NewClient, send AHex, then
// Proof with the server's salt and B, send M1, and optionally VerifyServer
// with M2. It is not safe for concurrent use. It never prints its secrets.
type Client struct {
	username string
	pubA     []byte // PAD(A), exactly as sent
	sec      sealed[clientSecrets]
}

type clientSecrets struct {
	identity []byte // H(I ‖ ":" ‖ P): a password equivalent
	a        *big.Int
	m1       []byte // set by a successful Proof
	key      []byte // K, set by a successful Proof
}

// sealed holds secrets where fmt cannot print them. Format covers direct
// printing, but fmt cannot call Format on a value it reaches through an
// unexported struct field, and for %s it would then dereference a pointer
// and dump the fields; a func it only ever prints as an address.
type sealed[T any] func() *T

func seal[T any](v *T) sealed[T] { return func() *T { return v } }

// NewClient starts a login for username with password bytes P (the exact
// bytes jsrp hashes). a is the private exponent as big-endian bytes; nil
// draws 32 random bytes as jsrp does. A zero or over-long a is ErrBadInput.
func NewClient(username string, password []byte, a []byte) (*Client, error) {
	aInt, err := privateExponent("a", a)
	if err != nil {
		return nil, err
	}
	return &Client{
		username: username,
		pubA:     pad(new(big.Int).Exp(groupG, aInt, groupN)),
		sec: seal(&clientSecrets{
			identity: identityHash(username, password),
			a:        aInt,
		}),
	}, nil
}

// AHex returns PAD(A) in lowercase hex, always 512 characters.
func (c *Client) AHex() string {
	return hex.EncodeToString(c.pubA)
}

// Proof takes the salt and B from the server's challenge and returns M1 in
// lowercase hex. B's bytes are used exactly as received (after hex
// decoding) in u and M1, as jsrp does, so a server that sends an unpadded B
// gets the proof jsrp would send. Bad hex is ErrBadInput; B ≡ 0 mod N, a B
// longer than 256 bytes or u = 0 is ErrBadPublicValue. A failed Proof
// clears any earlier session key.
func (c *Client) Proof(saltHex, bHex string) (m1Hex string, err error) {
	sec := c.sec()
	sec.m1, sec.key = nil, nil
	salt, err := decodeHex("salt", saltHex)
	if err != nil {
		return "", err
	}
	pubB, err := decodeHex("B", bHex)
	if err != nil {
		return "", err
	}
	bInt, err := publicValue("B", pubB)
	if err != nil {
		return "", err
	}
	u, err := computeU(c.pubA, pubB)
	if err != nil {
		return "", err
	}
	s := clientS(bInt, sec.a, u, computeX(sec.identity, salt))
	key := hashBytes(pad(s))
	sec.m1 = hashBytes(c.pubA, pubB, key)
	sec.key = key
	return hex.EncodeToString(sec.m1), nil
}

// VerifyServer checks the server's M2 = H(A ‖ M1 ‖ K) in constant time.
// The Meeco SDK never does this (the Keystore sends no M2), but a test of
// a server that does send one should. It fails with ErrBadInput before a
// successful Proof, and with ErrBadProof on a mismatch or malformed M2.
func (c *Client) VerifyServer(m2Hex string) error {
	sec := c.sec()
	if sec.key == nil {
		return fmt.Errorf("srp: VerifyServer called before a successful Proof: %w", ErrBadInput)
	}
	got, err := hex.DecodeString(m2Hex)
	if err != nil {
		return fmt.Errorf("srp: server proof M2 is not valid hex: %w: %w", ErrBadInput, ErrBadProof)
	}
	want := hashBytes(c.pubA, sec.m1, sec.key)
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return fmt.Errorf("srp: server proof M2: %w", ErrBadProof)
	}
	return nil
}

// SessionKey returns a copy of K = H(PAD(S)) after a successful Proof, and
// nil before.
func (c *Client) SessionKey() []byte {
	return cloneBytes(c.sec().key)
}

// String describes the client without any secret.
func (c Client) String() string {
	return fmt.Sprintf("srp.Client{username: %q, secrets: <redacted>}", c.username)
}

// GoString is String, so %#v cannot reveal the fields either.
func (c Client) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %#v, %x, %d, ...) print String,
// since fmt's reflection would otherwise print unexported fields.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// Server is the server side of one SRP login, as the Keystore runs it:
// NewServer with the stored record and the client's A, answer with SaltHex
// and BHex, then Verify the client's M1. It is not safe for concurrent use.
// After one failed Verify it refuses every later proof, so one challenge
// buys one password guess.
type Server struct {
	username string
	salt     []byte
	pubA     []byte // A exactly as received
	pubB     []byte // PAD(B)
	verified bool
	failed   bool
	sec      sealed[serverSecrets]
}

type serverSecrets struct {
	m1  []byte // the proof an honest client sends
	m2  []byte
	key []byte // K, released only after a successful Verify
}

// NewServer answers a login challenge. saltHex and verifierHex are the
// registration record, aHex is the client's A, b the private exponent as
// big-endian bytes (nil draws 32 random bytes). Bad hex, a zero or
// over-long verifier or b are ErrBadInput; A ≡ 0 mod N, an A longer than
// 256 bytes or u = 0 are ErrBadPublicValue. The username is not part of
// jsrp's server computation; it is kept for diagnostics.
func NewServer(username string, saltHex, verifierHex, aHex string, b []byte) (*Server, error) {
	salt, err := decodeHex("salt", saltHex)
	if err != nil {
		return nil, err
	}
	vBytes, err := decodeHex("verifier", verifierHex)
	if err != nil {
		return nil, err
	}
	if len(vBytes) > PadLen {
		return nil, fmt.Errorf("srp: verifier is %d bytes, want at most %d: %w", len(vBytes), PadLen, ErrBadInput)
	}
	v := new(big.Int).SetBytes(vBytes)
	if new(big.Int).Mod(v, groupN).Sign() == 0 {
		return nil, fmt.Errorf("srp: verifier is zero mod N: %w", ErrBadInput)
	}
	pubA, err := decodeHex("A", aHex)
	if err != nil {
		return nil, err
	}
	aInt, err := publicValue("A", pubA)
	if err != nil {
		return nil, err
	}
	bInt, err := privateExponent("b", b)
	if err != nil {
		return nil, err
	}
	bPub := serverB(v, bInt)
	if bPub.Sign() == 0 {
		// k·v ≡ −g^b: only a contrived verifier and b can do this.
		return nil, fmt.Errorf("srp: B is zero mod N: %w", ErrBadPublicValue)
	}
	pubB := pad(bPub)
	u, err := computeU(pubA, pubB)
	if err != nil {
		return nil, err
	}
	key := hashBytes(pad(serverS(aInt, v, u, bInt)))
	m1 := hashBytes(pubA, pubB, key)
	return &Server{
		username: username,
		salt:     salt,
		pubA:     pubA,
		pubB:     pubB,
		sec: seal(&serverSecrets{
			m1:  m1,
			m2:  hashBytes(pubA, m1, key),
			key: key,
		}),
	}, nil
}

// BHex returns PAD(B) in lowercase hex, always 512 characters.
func (s *Server) BHex() string {
	return hex.EncodeToString(s.pubB)
}

// SaltHex returns the registration salt in lowercase hex, for the
// challenge response.
func (s *Server) SaltHex() string {
	return hex.EncodeToString(s.salt)
}

// Verify checks the client's M1 in constant time and returns M2 in
// lowercase hex. A mismatch is ErrBadProof; malformed hex wraps both
// ErrBadInput and ErrBadProof. After any failure every later call fails
// with ErrBadProof.
func (s *Server) Verify(m1Hex string) (m2Hex string, err error) {
	if s.failed {
		return "", fmt.Errorf("srp: challenge already failed once: %w", ErrBadProof)
	}
	got, err := hex.DecodeString(m1Hex)
	if err != nil {
		s.failed = true
		return "", fmt.Errorf("srp: client proof M1 is not valid hex: %w: %w", ErrBadInput, ErrBadProof)
	}
	sec := s.sec()
	if subtle.ConstantTimeCompare(got, sec.m1) != 1 {
		s.failed = true
		return "", fmt.Errorf("srp: client proof M1: %w", ErrBadProof)
	}
	s.verified = true
	return hex.EncodeToString(sec.m2), nil
}

// SessionKey returns a copy of K after a successful Verify, and nil before:
// until the client has proved itself the key belongs to nobody.
func (s *Server) SessionKey() []byte {
	if !s.verified {
		return nil
	}
	return cloneBytes(s.sec().key)
}

// String describes the server session without any secret.
func (s Server) String() string {
	return fmt.Sprintf("srp.Server{username: %q, verified: %t, secrets: <redacted>}", s.username, s.verified)
}

// GoString is String, so %#v cannot reveal the fields either.
func (s Server) GoString() string { return s.String() }

// Format makes every fmt verb print String.
func (s Server) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
