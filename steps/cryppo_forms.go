package steps

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strings"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// The negative side of Meeco's Cryppo form: variants of real strings of
// the scenario that break one rule each (padding, alphabet, version byte,
// artifact order, AAD, OAEP hash, PEM line ends) must be rejected by the
// client with the error the rule calls for, or flagged by the form checks
// every positive check of the suite relies on. A client (or a check) that
// let one through would pass a Vault that returns it.

// formDecryptAES is the client's AES decryption the variants are given
// to; a test swaps in a lax one to show the check fails with it.
var formDecryptAES = cryppo.DecryptAES

// aesArtifacts writes AES artifacts as cryppo-js does ('A' + BSON), with
// the elements in the given order ("iv", "at", "ad") and the given AAD.
func aesArtifacts(order []string, iv, tag []byte, ad string, version byte) []byte {
	var doc bytes.Buffer
	doc.Write([]byte{0, 0, 0, 0})
	for _, k := range order {
		switch k {
		case "iv", "at":
			b := iv
			if k == "at" {
				b = tag
			}
			doc.WriteByte(0x05)
			doc.WriteString(k + "\x00")
			_ = binary.Write(&doc, binary.LittleEndian, int32(len(b)))
			doc.WriteByte(0x00)
			doc.Write(b)
		case "ad":
			doc.WriteByte(0x02)
			doc.WriteString("ad\x00")
			_ = binary.Write(&doc, binary.LittleEndian, int32(len(ad)+1))
			doc.WriteString(ad + "\x00")
		}
	}
	doc.WriteByte(0)
	out := doc.Bytes()
	binary.LittleEndian.PutUint32(out, uint32(len(out)))
	return append([]byte{version}, out...)
}

// cryppoString joins a 3-part Cryppo string in the given base64 alphabet.
func cryppoString(strategy cryppo.Strategy, ct, art []byte, enc *base64.Encoding) string {
	return string(strategy) + "." + enc.EncodeToString(ct) + "." + enc.EncodeToString(art)
}

// CheckFormVariantsRejected takes the user's wrapped KEK, DEK and login
// private key as her Keystore returns them, and her login public key,
// and checks that each variant breaking one rule of Meeco's form is
// rejected: without padding (cryppo.ErrUnpadded), with version byte 'K'
// (cryppo.ErrArtifacts), with an AAD other than "none" (cryppo.ErrDecrypt);
// flagged by the form check: the standard base64 alphabet, the artifacts
// in another order, a PEM with LF line ends; and a key wrapped with
// RSA-OAEP SHA-256 to her login key does not open (cryppo.ErrDecrypt).
func (w *World) CheckFormVariantsRejected(ctx context.Context, name string) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	kek, exs, err := w.getKEK(ctx, u)
	if err != nil {
		return err
	}
	_, dek, exs2, err := w.getDEK(ctx, u)
	if err != nil {
		return err
	}
	kp, exs3, err := w.getKeypair(ctx, u, meeco.KeypairAuthExternalID, true)
	if err != nil {
		return err
	}
	all := append(append(append([]redact.Exchange{}, exs...), exs2...), exs3...)
	strs := []struct {
		what    string
		s       string
		key     cryppo.SymmetricKey
		keyName string
	}{
		{name + "'s wrapped key encryption key", kek, u.auth.PDK, "their passphrase-derived key"},
		{name + "'s wrapped data encryption key", dek, u.auth.KEK, "their KEK"},
		{name + "'s wrapped login private key", kp.EncryptedSerializedKey, u.auth.KEK, "their KEK"},
	}
	stdSeen := false
	return verify(all, func(g gomega.Gomega) {
		for _, x := range strs {
			e, err := cryppo.Parse(x.s)
			g.Expect(err).NotTo(gomega.HaveOccurred(), "%s: want a Cryppo string, got %v", x.what, err)
			g.Expect(meecoAES.problem(x.s)).To(gomega.BeEmpty(), "%s: want %s to start from, got %s", x.what, meecoAES, meecoAES.problem(x.s))
			a := e.Artifacts
			canon := []string{"iv", "at", "ad"}

			_, err = formDecryptAES(x.key, strings.ReplaceAll(x.s, "=", ""))
			g.Expect(err).To(gomega.MatchError(cryppo.ErrUnpadded), "%s without its = padding: want the client to refuse it (%q), got %s", x.what, cryppo.ErrUnpadded, errText(err))

			std := cryppoString(e.Strategy, e.Ciphertext, aesArtifacts(canon, a.IV, a.AuthTag, string(a.AAD), 'A'), base64.StdEncoding)
			if std != x.s {
				stdSeen = true
				g.Expect(meecoAES.problem(std)).NotTo(gomega.BeEmpty(), "%s in the standard base64 alphabet: want the form check to flag it (Ruby cryppo refuses it), got it passed", x.what)
			}

			v := cryppoString(e.Strategy, e.Ciphertext, aesArtifacts(canon, a.IV, a.AuthTag, string(a.AAD), 'K'), base64.URLEncoding)
			_, err = formDecryptAES(x.key, v)
			g.Expect(err).To(gomega.MatchError(cryppo.ErrArtifacts), "%s with artifact version byte 'K': want the client to refuse it (%q), got %s", x.what, cryppo.ErrArtifacts, errText(err))

			v = cryppoString(e.Strategy, e.Ciphertext, aesArtifacts([]string{"ad", "at", "iv"}, a.IV, a.AuthTag, string(a.AAD), 'A'), base64.URLEncoding)
			g.Expect(meecoAES.problem(v)).NotTo(gomega.BeEmpty(), "%s with its artifacts in the order ad, at, iv: want the form check to flag it, got it passed", x.what)

			v = cryppoString(e.Strategy, e.Ciphertext, aesArtifacts(canon, a.IV, a.AuthTag, "nonf", 'A'), base64.URLEncoding)
			_, err = formDecryptAES(x.key, v)
			g.Expect(err).To(gomega.MatchError(cryppo.ErrDecrypt), "%s with AAD %q instead of \"none\": want it not to open (%q), got %s", x.what, "nonf", cryppo.ErrDecrypt, errText(err))
			w.ledger.RefusedAES(name, x.what+" (AAD changed)", x.key, x.keyName, v, err)
		}
		g.Expect(stdSeen).To(gomega.BeTrue(), "%s's wrapped keys: want one with - or _ to write in the standard alphabet, got none", name)

		key := make([]byte, cryppo.SymmetricKeySize)
		_, _ = rand.Read(key)
		ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, u.auth.LoginKey.Public().RSA(), key, nil)
		g.Expect(err).NotTo(gomega.HaveOccurred(), "wrapping a key with RSA-OAEP SHA-256: %v", err)
		v := cryppoString(cryppo.RSA4096, ct, []byte{'A', 5, 0, 0, 0, 0}, base64.URLEncoding)
		_, err = cryppo.DecryptRSA(u.auth.LoginKey, v)
		g.Expect(err).To(gomega.MatchError(cryppo.ErrDecrypt), "a key wrapped to %s's login key with RSA-OAEP SHA-256: want it not to open by node-forge's SHA-1 OAEP (%q), got %s", name, cryppo.ErrDecrypt, errText(err))
		w.ledger.RefusedRSA(name, "a key wrapped with RSA-OAEP SHA-256", u.auth.LoginKey, "keypair auth", v, err)

		lf := strings.ReplaceAll(kp.PublicKey, "\r\n", "\n")
		g.Expect(pemProblem(lf, "PUBLIC KEY")).NotTo(gomega.BeEmpty(), "%s's login public key with LF line ends: want the PEM check to flag it, got it passed", name)
	})
}
