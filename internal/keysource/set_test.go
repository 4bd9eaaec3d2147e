package keysource

import (
	"bytes"
	"compress/gzip"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/internal/keysource/testkeys"
)

// TestEmbeddedSet checks the committed keys: the count, and for every key
// its size, exponent and that its modulus is unique, all read from the raw
// ASN.1 without the cost of validating every key; then it fully parses and
// validates a few.
func TestEmbeddedSet(t *testing.T) {
	s, err := EmbeddedSet()
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != testkeys.Count {
		t.Fatalf("Len=%d, want %d", s.Len(), testkeys.Count)
	}
	if s2, _ := EmbeddedSet(); s2 != s {
		t.Fatal("EmbeddedSet is decoded more than once")
	}
	seen := map[string]int{}
	for i, der := range s.der {
		var k pkcs1
		rest, err := asn1.Unmarshal(der, &k)
		if err != nil || len(rest) != 0 {
			t.Fatalf("key %d: not PKCS#1 (rest %d bytes): %v", i, len(rest), err)
		}
		if k.Version != 0 || len(k.Extra) != 0 {
			t.Fatalf("key %d: multi-prime or unknown version %d", i, k.Version)
		}
		if got := k.N.BitLen(); got != testkeys.Bits {
			t.Fatalf("key %d: %d bits, want %d", i, got, testkeys.Bits)
		}
		if k.E != 65537 {
			t.Fatalf("key %d: e=%d, want 65537", i, k.E)
		}
		m := string(k.N.Bytes())
		if j, dup := seen[m]; dup {
			t.Fatalf("keys %d and %d share a modulus", j, i)
		}
		seen[m] = i
	}
	for _, i := range []int{0, 1, 159, testkeys.Count - 1} {
		k, err := s.Key(i, testkeys.Bits)
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		if err := k.RSA().Validate(); err != nil {
			t.Fatalf("key %d: Validate: %v", i, err)
		}
		if k.Public().Bits() != 4096 || k.Public().Exponent() != 65537 {
			t.Fatalf("key %d: %v", i, k)
		}
	}
}

func TestNewSet(t *testing.T) {
	set, data := smallSet(t, 3)
	if set.Len() != 3 {
		t.Fatalf("Len=%d, want 3", set.Len())
	}
	crlf := bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
	if s, err := NewSet(append(crlf, "\r\n\n"...)); err != nil || s.Len() != 3 {
		t.Fatalf("CRLF PEM with trailing blank lines: len=%v err=%v", s, err)
	}

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	if s, err := NewGzipSet(gz.Bytes()); err != nil || s.Len() != 3 {
		t.Fatalf("NewGzipSet: %v", err)
	}

	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}})
	enc := pem.EncodeToMemory(&pem.Block{Type: pemType, Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})
	for name, in := range map[string][]byte{
		"empty":           nil,
		"only whitespace": []byte("\n \n"),
		"not PEM":         []byte("hello"),
		"public key":      append(bytes.Clone(data), pub...),
		"encrypted":       enc,
		"trailing text":   append(bytes.Clone(data), "junk"...),
	} {
		if _, err := NewSet(in); !errors.Is(err, ErrBadSet) {
			t.Errorf("%s: err=%v, want ErrBadSet", name, err)
		}
	}
	if _, err := NewGzipSet(data); !errors.Is(err, ErrBadSet) {
		t.Errorf("not gzip: err=%v, want ErrBadSet", err)
	}
	if _, err := NewGzipSet(gz.Bytes()[:gz.Len()/2]); !errors.Is(err, ErrBadSet) {
		t.Errorf("truncated gzip: err=%v, want ErrBadSet", err)
	}
}

func TestSetKeyErrors(t *testing.T) {
	set, data := smallSet(t, 2)
	for _, i := range []int{-1, 2, 1 << 30} {
		if _, err := set.Key(i, 1024); !errors.Is(err, ErrBadKey) {
			t.Errorf("Key(%d): err=%v, want ErrBadKey", i, err)
		}
	}
	_, err := set.Key(0, 4096)
	if !errors.Is(err, ErrBadKey) {
		t.Fatalf("wrong size: err=%v, want ErrBadKey", err)
	}
	// The error names the key by index, never by its content.
	body := strings.Split(string(data), "\n")[1]
	if strings.Contains(err.Error(), body) || strings.Contains(err.Error(), "MII") {
		t.Fatalf("error leaks key material: %q", err)
	}

	// A block that is PEM but not a key parses into a Set and fails on use.
	junk := pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: []byte{0x30, 0x03, 0x02, 0x01, 0x00}})
	bad, err := NewSet(junk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Key(0, 1024); !errors.Is(err, ErrBadKey) {
		t.Fatalf("junk DER: err=%v, want ErrBadKey", err)
	}

	// A key whose exponent is not 65537 is refused (the re-encoded key
	// has e=3, which either the parser or our check must reject).
	var k pkcs1
	blk, _ := pem.Decode(data)
	if _, err := asn1.Unmarshal(blk.Bytes, &k); err != nil {
		t.Fatal(err)
	}
	k.E = 3
	der, err := asn1.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	e3, err := NewSet(pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e3.Key(0, 1024); !errors.Is(err, ErrBadKey) {
		t.Fatalf("e=3: err=%v, want ErrBadKey", err)
	}
}
