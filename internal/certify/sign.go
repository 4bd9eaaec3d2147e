package certify

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// PredicateType names vaultcheck's certification predicate in the in-toto
// Statement.
const PredicateType = "https://vaultcheck.dev/certification/v1"

// PayloadType is the DSSE payload type of an in-toto Statement.
const PayloadType = "application/vnd.in-toto+json"

// ErrKey reports a signing or public key that cannot be used.
var ErrKey = errors.New("bad key")

// Signer is an Ed25519 key that signs bundles.
type Signer struct {
	priv ed25519.PrivateKey
	// Fresh says the key was generated for this bundle and thrown away.
	Fresh bool
}

// NewSigner generates a fresh signing key.
func NewSigner() (*Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Signer{priv: priv, Fresh: true}, nil
}

// LoadSigner reads an Ed25519 private key in PKCS#8 PEM ("PRIVATE KEY"),
// as openssl genpkey -algorithm ed25519 writes it.
func LoadSigner(pemBytes []byte) (*Signer, error) {
	k, err := signerverifier.LoadKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: want an Ed25519 private key in PKCS#8 PEM: %v", ErrKey, err)
	}
	if k.KeyType != signerverifier.ED25519KeyType || k.KeyVal.Private == "" {
		return nil, fmt.Errorf("%w: want an Ed25519 private key in PKCS#8 PEM, got a %s %s", ErrKey, k.KeyType, keyKind(k))
	}
	priv, err := hex.DecodeString(k.KeyVal.Private)
	if err != nil || (len(priv) != ed25519.PrivateKeySize && len(priv) != ed25519.SeedSize) {
		return nil, fmt.Errorf("%w: unreadable Ed25519 private key", ErrKey)
	}
	if len(priv) == ed25519.SeedSize {
		priv = ed25519.NewKeyFromSeed(priv)
	}
	return &Signer{priv: ed25519.PrivateKey(priv)}, nil
}

func keyKind(k *signerverifier.SSLibKey) string {
	if k.KeyVal.Private != "" {
		return "private key"
	}
	return "public key"
}

// Public is the signer's public key.
func (s *Signer) Public() ed25519.PublicKey { return s.priv.Public().(ed25519.PublicKey) }

// PrivatePEM is the signing key in PKCS#8 PEM, for tests and examples
// that make a key to keep.
func (s *Signer) PrivatePEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(s.priv)
	if err != nil {
		panic(err) // an ed25519.PrivateKey always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// PublicKeyPEM renders an Ed25519 public key as PKIX PEM ("PUBLIC KEY").
func PublicKeyPEM(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err) // an ed25519.PublicKey always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// LoadPublicKey reads an Ed25519 public key in PKIX PEM ("PUBLIC KEY").
func LoadPublicKey(pemBytes []byte) (ed25519.PublicKey, error) {
	k, err := signerverifier.LoadKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: want an Ed25519 public key in PEM (-----BEGIN PUBLIC KEY-----): %v", ErrKey, err)
	}
	if k.KeyType != signerverifier.ED25519KeyType {
		return nil, fmt.Errorf("%w: want an Ed25519 public key, got a %s %s", ErrKey, k.KeyType, keyKind(k))
	}
	if k.KeyVal.Private != "" {
		return nil, fmt.Errorf("%w: that is a private key: give the public half (signer.pub)", ErrKey)
	}
	pub, err := hex.DecodeString(k.KeyVal.Public)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: unreadable Ed25519 public key", ErrKey)
	}
	return ed25519.PublicKey(pub), nil
}

// Fingerprint names a public key as the DSSE envelope's keyid does:
// "SHA256:" and the unpadded base64 of the SHA-256 of its SSH wire form,
// as ssh-keygen -l prints it.
func Fingerprint(pub ed25519.PublicKey) string {
	fp, err := dsse.SHA256KeyID(pub)
	if err != nil {
		return "SHA256:?"
	}
	return fp
}

// signerVerifier makes the library's Ed25519 signer-verifier for a key;
// priv may be nil for verifying only.
func signerVerifier(pub ed25519.PublicKey, priv ed25519.PrivateKey) (*signerverifier.ED25519SignerVerifier, error) {
	k := &signerverifier.SSLibKey{KeyType: signerverifier.ED25519KeyType, Scheme: signerverifier.ED25519KeyType,
		KeyIDHashAlgorithms: signerverifier.KeyIDHashAlgorithms, KeyID: Fingerprint(pub),
		KeyVal: signerverifier.KeyVal{Public: hex.EncodeToString(pub)}}
	if priv != nil {
		k.KeyVal.Private = hex.EncodeToString(priv)
	}
	return signerverifier.NewED25519SignerVerifierFromSSLibKey(k)
}

// Predicate is the body of the certification Statement: the verdict and
// what it is about. The bundle's files are the Statement's subjects.
type Predicate struct {
	Verdict  string   `json:"verdict"`
	Reasons  []string `json:"reasons"`
	Product  Product  `json:"product"`
	Profiles []string `json:"profiles"`
	// Capabilities and KnownFailures are the declaration's requirement ids.
	Capabilities  []string `json:"capabilities"`
	KnownFailures []string `json:"known_failures"`
	// Outcomes count the requirements of the claimed profiles by outcome.
	Outcomes map[string]int `json:"outcomes"`
	Tool     ToolRecord     `json:"tool"`
	// SuiteDigest is results.json's digest of the scenarios that ran.
	SuiteDigest string `json:"suite_digest"`
	// Target names the system under test; run.json has its identity.
	Target   string `json:"target"`
	Started  string `json:"started"`
	Finished string `json:"finished"`
}

// Statement builds the in-toto Statement of a bundle: every file with its
// SHA-256 as a subject, and the predicate.
func Statement(files map[string][]byte, pred Predicate) ([]byte, error) {
	st := &intoto.Statement{Type: intoto.StatementTypeUri, PredicateType: PredicateType}
	for _, name := range sortedKeys(files) {
		sum := sha256.Sum256(files[name])
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}})
	}
	raw, err := json.Marshal(pred)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	if st.Predicate, err = structpb.NewStruct(m); err != nil {
		return nil, err
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	return protojson.Marshal(st)
}

// Sign wraps the Statement in a DSSE envelope signed by s.
func (s *Signer) Sign(ctx context.Context, statement []byte) ([]byte, error) {
	sv, err := signerVerifier(s.Public(), s.priv)
	if err != nil {
		return nil, err
	}
	es, err := dsse.NewEnvelopeSigner(sv)
	if err != nil {
		return nil, err
	}
	env, err := es.SignPayload(ctx, PayloadType, statement)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(env, "", "  ")
}

// ErrSignature reports an envelope whose signature does not verify with
// the key, or that is not a signed certification Statement.
var ErrSignature = errors.New("bad signature")

// Opened is a verified envelope's content.
type Opened struct {
	// Subjects are the bundle's files with their hex SHA-256.
	Subjects map[string]string
	// Predicate is the certification predicate.
	Predicate Predicate
	// KeyID is the keyid the envelope names for its signature.
	KeyID string
}

// OpenEnvelope checks that the DSSE envelope is signed by pub and holds a
// certification Statement, and returns its content.
func OpenEnvelope(ctx context.Context, envelope []byte, pub ed25519.PublicKey) (*Opened, error) {
	var env dsse.Envelope
	if err := json.Unmarshal(envelope, &env); err != nil {
		return nil, fmt.Errorf("%w: the envelope is not DSSE JSON: %v", ErrSignature, err)
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("%w: payload type %q, want %q", ErrSignature, env.PayloadType, PayloadType)
	}
	if len(env.Signatures) != 1 {
		return nil, fmt.Errorf("%w: %d signatures, want 1", ErrSignature, len(env.Signatures))
	}
	sv, err := signerVerifier(pub, nil)
	if err != nil {
		return nil, err
	}
	ev, err := dsse.NewEnvelopeVerifier(sv)
	if err != nil {
		return nil, err
	}
	if _, err := ev.Verify(ctx, &env); err != nil {
		return nil, fmt.Errorf("%w: the signature does not verify with key %s (the envelope names %s)", ErrSignature, Fingerprint(pub), env.Signatures[0].KeyID)
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	var st intoto.Statement
	if err := protojson.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: the payload is not an in-toto Statement: %v", ErrSignature, err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: the Statement is not valid: %v", ErrSignature, err)
	}
	if st.GetType() != intoto.StatementTypeUri || st.GetPredicateType() != PredicateType {
		return nil, fmt.Errorf("%w: a %s Statement of %q, want %s of %q", ErrSignature, st.GetType(), st.GetPredicateType(), intoto.StatementTypeUri, PredicateType)
	}
	o := &Opened{Subjects: map[string]string{}, KeyID: env.Signatures[0].KeyID}
	for _, s := range st.GetSubject() {
		d := s.GetDigest()["sha256"]
		if s.GetName() == "" || d == "" {
			return nil, fmt.Errorf("%w: a subject without a name or a sha256 digest", ErrSignature)
		}
		if _, dup := o.Subjects[s.GetName()]; dup {
			return nil, fmt.Errorf("%w: subject %q twice", ErrSignature, s.GetName())
		}
		o.Subjects[s.GetName()] = d
	}
	raw, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &o.Predicate); err != nil {
		return nil, fmt.Errorf("%w: the predicate is not vaultcheck's: %v", ErrSignature, err)
	}
	return o, nil
}

// EnvelopeKeyID returns the keyid an envelope names, without verifying
// anything.
func EnvelopeKeyID(envelope []byte) string {
	var env dsse.Envelope
	if json.Unmarshal(envelope, &env) != nil || len(env.Signatures) == 0 {
		return ""
	}
	ids := make([]string, 0, len(env.Signatures))
	for _, s := range env.Signatures {
		ids = append(ids, s.KeyID)
	}
	slices.Sort(ids)
	return ids[0]
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
