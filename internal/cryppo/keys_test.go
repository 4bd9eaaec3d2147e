package cryppo

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func pkcs8PEM(t testing.TB, k *PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k.RSA())
	if err != nil {
		t.Fatal(err)
	}
	return forgePEM(pemPrivatePKCS8, der)
}

func pkcs1PublicDER(k *PublicKey) []byte { return x509.MarshalPKCS1PublicKey(k.RSA()) }

// TestKeysNeverPrint formats keys with every common verb, alone and inside
// structs, and looks for their bytes in any encoding.
func TestKeysNeverPrint(t *testing.T) {
	sym := katKey(t)
	raw := sym.Bytes()
	priv := mustPrivateKey(t, meeco(t).Cases.PEM[0].PrivateKeyPEM)
	d := priv.RSA().D.Bytes()
	p := priv.RSA().Primes[0]
	pemText := priv.PEM()

	forbidden := []string{
		hex.EncodeToString(raw), strings.ToUpper(hex.EncodeToString(raw)),
		base64.StdEncoding.EncodeToString(raw), EncodeBase64(raw),
		base64.RawStdEncoding.EncodeToString(raw[:12]), fmt.Sprint(raw), string(raw[8:24]),
		hex.EncodeToString(d[:16]), strings.ToUpper(hex.EncodeToString(d[:16])),
		priv.RSA().D.String()[:24], p.String()[:24], hex.EncodeToString(p.Bytes()[:16]),
		strings.Split(pemText, "\r\n")[1], "PRIVATE KEY",
	}
	type holder struct {
		Sym  SymmetricKey
		Priv *PrivateKey
		PV   PrivateKey
		Ptr  *SymmetricKey
	}
	h := holder{Sym: sym, Priv: priv, PV: *priv, Ptr: &sym}
	values := []any{sym, &sym, priv, h, &h, []SymmetricKey{sym}, map[string]*PrivateKey{"k": priv}}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"}
	for _, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			for _, f := range forbidden {
				if strings.Contains(out, f) {
					t.Errorf("fmt %s of %T leaks key material (%.12q...): %.80s", verb, v, f, out)
				}
			}
		}
	}
	if s := fmt.Sprint(sym); !strings.Contains(s, sym.Fingerprint()) {
		t.Errorf("SymmetricKey prints as %q, want its fingerprint", s)
	}
	if s := fmt.Sprint(priv); !strings.Contains(s, "rsa-4096") || !strings.Contains(s, priv.Fingerprint()) {
		t.Errorf("PrivateKey prints as %q", s)
	}
	if _, err := json.Marshal(h); err == nil {
		t.Errorf("json.Marshal of a struct holding keys succeeded; want refusal")
	}
}
