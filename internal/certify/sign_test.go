package certify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSignAndOpen(t *testing.T) {
	ctx := context.Background()
	s, err := NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"results.json": []byte(`{"a":1}`), "verdict.json": []byte(`{}`)}
	st, err := Statement(files, Predicate{Verdict: Certified, Profiles: []string{"core"}, Outcomes: map[string]int{"pass": 3}})
	if err != nil {
		t.Fatal(err)
	}
	env, err := s.Sign(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	o, err := OpenEnvelope(ctx, env, s.Public())
	if err != nil {
		t.Fatal(err)
	}
	if o.Predicate.Verdict != Certified || o.Predicate.Outcomes["pass"] != 3 || o.KeyID != Fingerprint(s.Public()) {
		t.Errorf("opened %+v", o)
	}
	if o.Subjects["results.json"] != sha256Hex(files["results.json"]) || len(o.Subjects) != 2 {
		t.Errorf("subjects %v", o.Subjects)
	}
	var raw map[string]any
	if err := json.Unmarshal(env, &raw); err != nil || raw["payloadType"] != PayloadType {
		t.Errorf("envelope %s", env)
	}
	payload, _ := base64.StdEncoding.DecodeString(raw["payload"].(string))
	if !bytes.Contains(payload, []byte(`"https://in-toto.io/Statement/v1"`)) || !bytes.Contains(payload, []byte(PredicateType)) {
		t.Errorf("payload %s", payload)
	}

	other, _ := NewSigner()
	if _, err := OpenEnvelope(ctx, env, other.Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("another key opens it: %v", err)
	}
	// A payload changed after signing.
	var e map[string]any
	_ = json.Unmarshal(env, &e)
	e["payload"] = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte(Certified), []byte(Refused), 1))
	forged, _ := json.Marshal(e)
	if _, err := OpenEnvelope(ctx, forged, s.Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("a changed payload opens: %v", err)
	}
	// Re-signed by another key: valid for that key only.
	resigned, _ := other.Sign(ctx, st)
	if _, err := OpenEnvelope(ctx, resigned, s.Public()); !errors.Is(err, ErrSignature) {
		t.Errorf("a re-signed envelope opens with the first key: %v", err)
	}
	if _, err := OpenEnvelope(ctx, resigned, other.Public()); err != nil {
		t.Errorf("re-signed: %v", err)
	}
}

func TestKeys(t *testing.T) {
	s, _ := NewSigner()
	back, err := LoadSigner(s.PrivatePEM())
	if err != nil || !back.Public().Equal(s.Public()) || back.Fresh {
		t.Fatalf("LoadSigner: %v", err)
	}
	pub, err := LoadPublicKey(PublicKeyPEM(s.Public()))
	if err != nil || !pub.Equal(s.Public()) {
		t.Fatalf("LoadPublicKey: %v", err)
	}
	if !strings.HasPrefix(Fingerprint(pub), "SHA256:") {
		t.Errorf("fingerprint %q", Fingerprint(pub))
	}
	if _, err := LoadPublicKey(s.PrivatePEM()); !errors.Is(err, ErrKey) {
		t.Errorf("a private key taken as a public one: %v", err)
	}
	if _, err := LoadSigner(PublicKeyPEM(s.Public())); !errors.Is(err, ErrKey) {
		t.Errorf("a public key taken as a signing key: %v", err)
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	if _, err := LoadSigner(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), "Ed25519") {
		t.Errorf("an ECDSA key: %v", err)
	}
	if _, err := LoadSigner([]byte("not a key")); !errors.Is(err, ErrKey) {
		t.Errorf("garbage: %v", err)
	}
	// openssl genpkey -algorithm ed25519 writes PKCS#8 "PRIVATE KEY".
	if !bytes.HasPrefix(s.PrivatePEM(), []byte("-----BEGIN PRIVATE KEY-----")) {
		t.Errorf("private PEM %q", s.PrivatePEM()[:30])
	}
}

func TestTarGzIsReproducible(t *testing.T) {
	b := &Bundle{Files: map[string][]byte{"b.json": []byte("{}\n"), "a.hcl": []byte("x = 1\n"), "c": bytes.Repeat([]byte("z"), 5000)}}
	var one, two bytes.Buffer
	if err := b.WriteTarGz(&one); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "bundle")
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteDir(dir); err == nil {
		t.Error("WriteDir overwrote a bundle")
	}
	back, err := ReadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.WriteTarGz(&two); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Fatal("the tar.gz of the same files differs")
	}
	tgz := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if err := os.WriteFile(tgz, one.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	fromTar, err := ReadBundle(tgz)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range b.Files {
		if !bytes.Equal(fromTar.Files[name], body) {
			t.Errorf("%s differs after the tar.gz", name)
		}
	}
	if len(fromTar.Files) != len(b.Files) {
		t.Errorf("%d files, want %d", len(fromTar.Files), len(b.Files))
	}
	if _, err := ReadBundle(filepath.Join(t.TempDir(), "nothing")); !errors.Is(err, ErrBundle) {
		t.Errorf("a missing bundle: %v", err)
	}
	sub := filepath.Join(t.TempDir(), "b")
	_ = os.MkdirAll(filepath.Join(sub, "nested"), 0o755)
	if _, err := ReadBundle(sub); !errors.Is(err, ErrBundle) {
		t.Errorf("a bundle with a folder: %v", err)
	}
	if err := os.WriteFile(tgz, []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadBundle(tgz); !errors.Is(err, ErrBundle) {
		t.Errorf("a file that is no bundle: %v", err)
	}
}
