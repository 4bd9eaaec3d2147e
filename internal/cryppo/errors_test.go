package cryppo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// katParts returns the three parts of the AES known answer.
func katParts() (strategy, ct, artifacts string) {
	p := strings.Split(katAES, ".")
	return p[0], p[1], p[2]
}

// aesWithArtifacts builds an AES string around the KAT ciphertext with the
// given raw artifact block.
func aesWithArtifacts(raw []byte) string {
	s, ct, _ := katParts()
	return s + "." + ct + "." + EncodeBase64(raw)
}

// bsonBlock builds version byte + BSON document from elements.
func bsonBlock(version byte, elems ...[]byte) []byte {
	return append([]byte{version}, bsoncore.BuildDocument(nil, elems...)...)
}

func binElem(key string, b []byte) []byte {
	return bsoncore.AppendBinaryElement(nil, key, 0, b)
}

func strElem(key, s string) []byte { return bsoncore.AppendStringElement(nil, key, s) }

func i32Elem(key string, n int32) []byte { return bsoncore.AppendInt32Element(nil, key, n) }

func flipByte(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x01
	return c
}

// withDerivation appends derivation parts to the KAT.
func withDerivation(raw []byte) string {
	return katAES + ".Pbkdf2Hmac." + EncodeBase64(raw)
}

func TestErrorKinds(t *testing.T) {
	key := katKey(t)
	strat, ct, art := katParts()
	ctBytes, _ := DecodeBase64(ct)
	artBytes, _ := DecodeBase64(art)
	goodDeriv := encodeDerivationArtifacts(&DerivationArtifacts{Salt: []byte("salt"), Iterations: 1, Length: 32, Hash: "SHA256"})
	rsaCases := meeco(t).Cases.RSA
	priv0 := mustPrivateKey(t, rsaCases[0].PrivateKeyPEM)
	var priv1 *PrivateKey
	for _, c := range rsaCases {
		if c.KeypairIndex != rsaCases[0].KeypairIndex {
			priv1 = mustPrivateKey(t, c.PrivateKeyPEM)
			break
		}
	}
	sig := meeco(t).Cases.Sign[0]
	sigPub, err := ParsePublicKeyPEM(sig.PublicKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	sp := strings.Split(sig.Serialized, ".")

	cases := []struct {
		name string
		err  func() error
		want error
	}{
		// Shape.
		{"empty string", func() error { _, err := Parse(""); return err }, ErrMalformed},
		{"2 parts", func() error { _, err := Parse(strat + "." + ct); return err }, ErrMalformed},
		{"4 parts", func() error { _, err := Parse(katAES + ".x"); return err }, ErrMalformed},
		{"6 parts", func() error { _, err := Parse(withDerivation(goodDeriv) + ".x"); return err }, ErrMalformed},
		{"non-ASCII", func() error { _, err := Parse(katAES + "é"); return err }, ErrMalformed},
		{"space", func() error { _, err := Parse(" " + katAES); return err }, ErrMalformed},
		{"empty strategy", func() error { _, err := Parse("." + ct + "." + art); return err }, ErrMalformed},
		{"derivation on RSA", func() error {
			_, err := Parse("Rsa4096.AA==.QQUAAAAA.Pbkdf2Hmac." + EncodeBase64(goodDeriv))
			return err
		}, ErrMalformed},
		{"signature 3 parts", func() error { _, err := ParseSignature("Sign.Rsa4096.AA=="); return err }, ErrMalformed},
		{"signature wrong prefix", func() error { _, err := ParseSignature("Sig.Rsa4096.AA==.AA=="); return err }, ErrMalformed},
		// Base64.
		{"bad base64 char", func() error { _, err := Parse(strat + ".A$A=." + art); return err }, ErrBase64},
		{"base64 length 1 mod 4", func() error { _, err := Parse(strat + ".AAAAA." + art); return err }, ErrBase64},
		{"misplaced padding", func() error { _, err := Parse(strat + ".A=AA." + art); return err }, ErrBase64},
		{"non-zero pad bits", func() error { _, err := Parse(strat + ".AB==." + art); return err }, ErrBase64},
		{"unpadded ciphertext", func() error { _, err := Parse(strat + "." + strings.TrimRight(ct, "=") + "." + art); return err }, ErrUnpadded},
		{"unpadded is also ErrBase64", func() error { _, err := Parse(strat + "." + strings.TrimRight(ct, "=") + "." + art); return err }, ErrBase64},
		{"unpadded artifacts", func() error { _, err := Parse(strat + "." + ct + "." + strings.TrimRight(art, "=")); return err }, ErrUnpadded},
		{"unpadded signature data", func() error {
			_, err := ParseSignature(strings.Join(sp[:3], ".") + ".YWI")
			return err
		}, ErrUnpadded},
		// Strategy.
		{"Aes256Ofb", func() error { _, err := Parse("Aes256Ofb." + ct + "." + art); return err }, ErrUnknownStrategy},
		{"Foo", func() error { _, err := Parse("Foo." + ct + "." + art); return err }, ErrUnknownStrategy},
		{"AesGcm without bits", func() error { _, err := Parse("AesGcm." + ct + "." + art); return err }, ErrUnknownStrategy},
		{"lower-case aes256gcm", func() error { _, err := Parse("aes256gcm." + ct + "." + art); return err }, ErrUnknownStrategy},
		{"derivation Scrypt", func() error { _, err := Parse(katAES + ".Scrypt." + EncodeBase64(goodDeriv)); return err }, ErrUnknownStrategy},
		{"derivation hash SHA1", func() error {
			raw := bsonBlock('K', binElem("iv", []byte("salt")), i32Elem("i", 1), i32Elem("l", 32), strElem("hash", "SHA1"))
			_, err := DecryptWithPassphrase("p", withDerivation(raw))
			return err
		}, ErrUnknownStrategy},
		{"signature Dsa4096", func() error { _, err := ParseSignature("Sign.Dsa4096.AA==.AA=="); return err }, ErrUnknownStrategy},
		{"signature Rsa12345", func() error { _, err := ParseSignature("Sign.Rsa12345.AA==.AA=="); return err }, ErrUnknownStrategy},
		// Strategy mismatch.
		{"signature to Parse", func() error { _, err := Parse(sig.Serialized); return err }, ErrStrategyMismatch},
		{"encrypted to ParseSignature", func() error { _, err := ParseSignature(katAES + ".x"); return err }, ErrStrategyMismatch},
		{"RSA to DecryptAES", func() error { _, err := DecryptAES(key, rsaCases[0].Serialized); return err }, ErrStrategyMismatch},
		{"AES to DecryptRSA", func() error { _, err := DecryptRSA(priv0, katAES); return err }, ErrStrategyMismatch},
		{"5-part to DecryptAES", func() error { _, err := DecryptAES(key, withDerivation(goodDeriv)); return err }, ErrStrategyMismatch},
		{"3-part to DecryptWithPassphrase", func() error { _, err := DecryptWithPassphrase("p", katAES); return err }, ErrStrategyMismatch},
		// Artifacts.
		{"empty artifacts", func() error { _, err := Parse(strat + "." + ct + "."); return err }, ErrArtifacts},
		{"bad version byte", func() error { _, err := Parse(aesWithArtifacts(append([]byte{'B'}, artBytes[1:]...))); return err }, ErrArtifacts},
		{"K byte on encryption artifacts", func() error { _, err := Parse(aesWithArtifacts(append([]byte{'K'}, artBytes[1:]...))); return err }, ErrArtifacts},
		{"A byte on derivation artifacts", func() error { _, err := Parse(withDerivation(append([]byte{'A'}, goodDeriv[1:]...))); return err }, ErrArtifacts},
		{"truncated BSON", func() error { _, err := Parse(aesWithArtifacts(artBytes[:40])); return err }, ErrArtifacts},
		{"tiny BSON", func() error { _, err := Parse(aesWithArtifacts([]byte("A\x05\x00"))); return err }, ErrArtifacts},
		{"trailing garbage", func() error {
			_, err := Parse(aesWithArtifacts(append(append([]byte(nil), artBytes...), 0)))
			return err
		}, ErrArtifacts},
		{"length field too big", func() error {
			raw := append([]byte(nil), artBytes...)
			binary.LittleEndian.PutUint32(raw[1:], 1000)
			_, err := Parse(aesWithArtifacts(raw))
			return err
		}, ErrArtifacts},
		{"bad element type", func() error {
			raw := append([]byte(nil), artBytes...)
			raw[5] = 0x7a // the type byte of "iv"
			_, err := Parse(aesWithArtifacts(raw))
			return err
		}, ErrArtifacts},
		{"missing terminator", func() error {
			raw := append([]byte(nil), artBytes...)
			raw[len(raw)-1] = 1
			_, err := Parse(aesWithArtifacts(raw))
			return err
		}, ErrArtifacts},
		{"tag 15 bytes", func() error {
			_, err := Parse(aesWithArtifacts(bsonBlock('A', binElem("iv", seq(12)), binElem("at", seq(15)), strElem("ad", "none"))))
			return err
		}, ErrArtifacts},
		{"iv 16 bytes", func() error {
			_, err := Parse(aesWithArtifacts(bsonBlock('A', binElem("iv", seq(16)), binElem("at", seq(16)), strElem("ad", "none"))))
			return err
		}, ErrArtifacts},
		{"iv as string", func() error {
			_, err := Parse(aesWithArtifacts(bsonBlock('A', strElem("iv", "0123456789ab"), binElem("at", seq(16)), strElem("ad", "none"))))
			return err
		}, ErrArtifacts},
		{"ad as binary", func() error {
			_, err := Parse(aesWithArtifacts(bsonBlock('A', binElem("iv", seq(12)), binElem("at", seq(16)), binElem("ad", []byte("none")))))
			return err
		}, ErrArtifacts},
		{"missing ad", func() error {
			_, err := Parse(aesWithArtifacts(bsonBlock('A', binElem("iv", seq(12)), binElem("at", seq(16)))))
			return err
		}, ErrArtifacts},
		{"duplicate iv", func() error {
			_, err := Parse(aesWithArtifacts(bsonBlock('A', binElem("iv", seq(12)), binElem("iv", seq(12)), binElem("at", seq(16)), strElem("ad", "none"))))
			return err
		}, ErrArtifacts},
		{"binary subtype 2", func() error {
			_, err := Parse(aesWithArtifacts(bsonBlock('A', bsoncore.AppendBinaryElement(nil, "iv", 2, seq(12)), binElem("at", seq(16)), strElem("ad", "none"))))
			return err
		}, ErrArtifacts},
		{"iterations as string", func() error {
			_, err := Parse(withDerivation(bsonBlock('K', binElem("iv", seq(20)), strElem("i", "20000"), i32Elem("l", 32))))
			return err
		}, ErrArtifacts},
		{"iterations 0", func() error {
			_, err := Parse(withDerivation(bsonBlock('K', binElem("iv", seq(20)), i32Elem("i", 0), i32Elem("l", 32))))
			return err
		}, ErrArtifacts},
		{"int64 iterations out of int32", func() error {
			_, err := Parse(withDerivation(bsonBlock('K', binElem("iv", seq(20)), bsoncore.AppendInt64Element(nil, "i", 1<<40), i32Elem("l", 32))))
			return err
		}, ErrArtifacts},
		{"missing length", func() error {
			_, err := Parse(withDerivation(bsonBlock('K', binElem("iv", seq(20)), i32Elem("i", 1))))
			return err
		}, ErrArtifacts},
		{"malformed YAML", func() error { _, err := Parse(aesWithArtifacts([]byte("---\niv: [1, 2\n"))); return err }, ErrArtifacts},
		{"YAML scalar document", func() error { _, err := Parse(aesWithArtifacts([]byte("--- hello\n"))); return err }, ErrArtifacts},
		{"two YAML documents", func() error {
			_, err := Parse("Rsa4096.AA==." + EncodeBase64([]byte("---\n{}\n---\n{}\n")))
			return err
		}, ErrArtifacts},
		{"YAML iv not binary", func() error {
			_, err := Parse(aesWithArtifacts([]byte("---\niv: AAECAwQFBgcICQoL\nat: !binary |-\n  3tl07zaAREvA7TEASnOhNw==\nad: none\n")))
			return err
		}, ErrArtifacts},
		{"YAML bad binary", func() error {
			_, err := Parse(aesWithArtifacts([]byte("---\niv: !binary |-\n  AAE$\nat: !binary |-\n  3tl07zaAREvA7TEASnOhNw==\nad: none\n")))
			return err
		}, ErrArtifacts},
		{"YAML alias value", func() error {
			_, err := Parse(aesWithArtifacts([]byte("---\niv: &x !binary |-\n  AAECAwQFBgcICQoL\nat: *x\nad: none\n")))
			return err
		}, ErrArtifacts},
		{"IV of 11 bytes to EncryptAESWithIV", func() error { _, err := EncryptAESWithIV(key, seq(11), []byte("x")); return err }, ErrArtifacts},
		// Key size.
		{"16-byte symmetric key", func() error { _, err := NewSymmetricKey(seq(16)); return err }, ErrKeySize},
		{"33-byte base64 key", func() error { _, err := SymmetricKeyFromBase64(EncodeBase64(seq(33))); return err }, ErrKeySize},
		{"zero key encrypt", func() error { _, err := EncryptAES(SymmetricKey{}, []byte("x")); return err }, ErrKeySize},
		{"zero key decrypt", func() error { _, err := DecryptAES(SymmetricKey{}, katAES); return err }, ErrKeySize},
		{"derived length 20", func() error {
			_, err := DecryptWithPassphrase("p", withDerivation(bsonBlock('K', binElem("iv", seq(20)), i32Elem("i", 1), i32Elem("l", 20))))
			return err
		}, ErrKeySize},
		{"signature names another key size", func() error {
			_, err := VerifySignature(sigPub, strings.Replace(sig.Serialized, "Rsa4096", "Rsa2048", 1))
			return err
		}, ErrKeySize},
		// Size limits.
		{"oversized Parse", func() error { _, err := Parse(strings.Repeat("A", MaxSerializedLen+1)); return err }, ErrTooLarge},
		{"oversized ParseSignature", func() error { _, err := ParseSignature(strings.Repeat("A", MaxSerializedLen+1)); return err }, ErrTooLarge},
		{"oversized DecryptAES", func() error { _, err := DecryptAES(key, strings.Repeat("A", MaxSerializedLen+1)); return err }, ErrTooLarge},
		{"too many iterations", func() error {
			_, err := DecryptWithPassphrase("p", withDerivation(bsonBlock('K', binElem("iv", seq(20)), i32Elem("i", MaxIterations+1), i32Elem("l", 32))))
			return err
		}, ErrTooLarge},
		{"too many iterations to encrypt", func() error {
			_, err := EncryptWithPassphraseParams("p", seq(20), MaxIterations+1, seq(12), []byte("x"))
			return err
		}, ErrTooLarge},
		{"RSA plaintext over capacity", func() error { _, err := EncryptRSA(priv0.Public(), make([]byte, 471)); return err }, ErrTooLarge},
		{"oversized PEM", func() error { _, err := ParsePublicKeyPEM(strings.Repeat("A", maxPEMLen+1)); return err }, ErrTooLarge},
		// Decryption.
		{"tampered ciphertext", func() error {
			_, err := DecryptAES(key, strat+"."+EncodeBase64(flipByte(ctBytes, 0))+"."+art)
			return err
		}, ErrDecrypt},
		{"tampered tag", func() error {
			e, _ := Parse(katAES)
			e.Artifacts.AuthTag = flipByte(e.Artifacts.AuthTag, 15)
			_, err := DecryptAES(key, e.String())
			return err
		}, ErrDecrypt},
		{"tampered iv", func() error {
			e, _ := Parse(katAES)
			e.Artifacts.IV = flipByte(e.Artifacts.IV, 0)
			_, err := DecryptAES(key, e.String())
			return err
		}, ErrDecrypt},
		{"tampered AAD", func() error {
			e, _ := Parse(katAES)
			e.Artifacts.AAD = []byte("nonf")
			_, err := DecryptAES(key, e.String())
			return err
		}, ErrDecrypt},
		{"empty AAD", func() error {
			e, _ := Parse(katAES)
			e.Artifacts.AAD = nil
			_, err := DecryptAES(key, e.String())
			return err
		}, ErrDecrypt},
		{"wrong AES key", func() error { _, err := DecryptAES(GenerateSymmetricKey(), katAES); return err }, ErrDecrypt},
		{"wrong passphrase", func() error {
			s, err := EncryptWithPassphraseParams("right", seq(20), 1, seq(12), []byte("x"))
			if err != nil {
				return err
			}
			_, err = DecryptWithPassphrase("wrong", s)
			return err
		}, ErrDecrypt},
		{"wrong RSA key", func() error { _, err := DecryptRSA(priv1, rsaCases[0].Serialized); return err }, ErrDecrypt},
		{"tampered RSA ciphertext", func() error {
			e, _ := Parse(rsaCases[0].Serialized)
			e.Ciphertext = flipByte(e.Ciphertext, 100)
			_, err := DecryptRSA(priv0, e.String())
			return err
		}, ErrDecrypt},
		{"short RSA ciphertext", func() error { _, err := DecryptRSA(priv0, "Rsa4096.AAAA.QQUAAAAA"); return err }, ErrDecrypt},
		// Keys.
		{"garbage PEM", func() error { _, err := ParsePrivateKeyPEM("not a key"); return err }, ErrKey},
		{"public PEM as private", func() error { _, err := ParsePrivateKeyPEM(sig.PublicKeyPEM); return err }, ErrKey},
		{"private PEM as public", func() error { _, err := ParsePublicKeyPEM(rsaCases[0].PrivateKeyPEM); return err }, ErrKey},
		{"PEM with headers", func() error {
			_, err := ParsePrivateKeyPEM(strings.Replace(rsaCases[0].PrivateKeyPEM, "-----\r\n", "-----\r\nProc-Type: 4,ENCRYPTED\r\n\r\n", 1))
			return err
		}, ErrKey},
		{"PEM with trailing text", func() error { _, err := ParsePublicKeyPEM(sig.PublicKeyPEM + "trailing"); return err }, ErrKey},
		{"PEM with bad DER", func() error {
			_, err := ParsePublicKeyPEM("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
			return err
		}, ErrKey},
		{"nil public key", func() error { _, err := EncryptRSA(nil, []byte("x")); return err }, ErrKey},
		{"nil private key", func() error { _, err := DecryptRSA(nil, rsaCases[0].Serialized); return err }, ErrKey},
		// Signatures.
		{"tampered signed data", func() error {
			_, err := VerifySignature(sigPub, strings.Join(sp[:3], ".")+"."+EncodeBase64([]byte("other data")))
			return err
		}, ErrSignature},
		{"tampered signature", func() error {
			s, _ := ParseSignature(sig.Serialized)
			s.Sig = flipByte(s.Sig, 3)
			_, err := VerifySignature(sigPub, s.String())
			return err
		}, ErrSignature},
		{"wrong verifying key", func() error { _, err := VerifySignature(priv1.Public(), sig.Serialized); return err }, ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.err()
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err is %T, want *Error", err)
			}
			if !strings.HasPrefix(err.Error(), "cryppo: ") {
				t.Errorf("message %q lacks the package prefix", err)
			}
		})
	}
}

// TestErrorsHideSecrets checks that failure messages name parts, not
// contents: no key, passphrase, plaintext or PEM text leaks into them.
func TestErrorsHideSecrets(t *testing.T) {
	key := katKey(t)
	secret := "correct horse battery staple"
	s, err := EncryptWithPassphraseParams(secret, seq(20), 1, seq(12), []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	rsaCase := meeco(t).Cases.RSA[0]
	pemBody := strings.Split(rsaCase.PrivateKeyPEM, "\r\n")[1]
	errs := []error{}
	add := func(_ any, err error) { errs = append(errs, err) }
	add(DecryptWithPassphrase(secret+"!", s))
	add(DecryptAES(GenerateSymmetricKey(), katAES))
	add(DecryptAES(key, "Aes256Gcm."+EncodeBase64([]byte(secret))+"."+strings.Split(katAES, ".")[2]))
	add(ParsePrivateKeyPEM(strings.Replace(rsaCase.PrivateKeyPEM, "MII", "MIJ", 1)))
	add(ParsePrivateKeyPEM(rsaCase.PrivateKeyPEM + "tail " + secret))
	add(Parse(secret))
	add(ParseSignature("Sign." + secret))
	for _, err := range errs {
		if err == nil {
			t.Fatalf("expected an error")
		}
		msg := err.Error()
		for _, leak := range []string{secret, key.Base64(), pemBody, EncodeBase64([]byte(secret))} {
			if strings.Contains(msg, leak) {
				t.Errorf("error %q leaks %.20q", msg, leak)
			}
		}
	}
	if bytes.Contains([]byte(errs[0].Error()), []byte("horse")) {
		t.Errorf("passphrase in error")
	}
}
