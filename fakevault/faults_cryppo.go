package fakevault

import (
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Re-encodings of Cryppo strings that some Vaults do on the way out: they
// parse what they stored and write it again with another base64 flavour, a
// wrong version byte or their own key order. They are the faults' crypto
// damage, done to the serialization alone: nothing is decrypted. Each
// returns its input unchanged when it does not parse.

// cryppoParts splits a 3-part Cryppo string and decodes its ciphertext and
// artifacts parts.
func cryppoParts(s string) (strategy string, ct, art []byte, ok bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return "", nil, nil, false
	}
	ct, err1 := base64.URLEncoding.DecodeString(parts[1])
	art, err2 := base64.URLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(art) == 0 {
		return "", nil, nil, false
	}
	return parts[0], ct, art, true
}

func joinCryppo(enc *base64.Encoding, strategy string, ct, art []byte) string {
	return strategy + "." + enc.EncodeToString(ct) + "." + enc.EncodeToString(art)
}

// reencodeUnpadded drops the = padding of every part.
func reencodeUnpadded(s string) string {
	st, ct, art, ok := cryppoParts(s)
	if !ok {
		return s
	}
	return joinCryppo(base64.RawURLEncoding, st, ct, art)
}

// reencodeStdAlphabet writes every part in the standard alphabet (+ and /).
func reencodeStdAlphabet(s string) string {
	st, ct, art, ok := cryppoParts(s)
	if !ok {
		return s
	}
	return joinCryppo(base64.StdEncoding, st, ct, art)
}

// reencodeVersion replaces the artifact block's version byte.
func reencodeVersion(s string, version byte) string {
	st, ct, art, ok := cryppoParts(s)
	if !ok {
		return s
	}
	art = slices.Clone(art)
	art[0] = version
	return joinCryppo(base64.URLEncoding, st, ct, art)
}

// reencodeReversedArtifacts writes the BSON artifact document with its
// elements in reverse order (ad, at, iv for an AES string).
func reencodeReversedArtifacts(s string) string {
	st, ct, art, ok := cryppoParts(s)
	if !ok {
		return s
	}
	elems, err := bson.Raw(art[1:]).Elements()
	if err != nil || len(elems) < 2 {
		return s
	}
	doc := make([]byte, 4, len(art))
	for i := len(elems) - 1; i >= 0; i-- {
		doc = append(doc, elems[i]...)
	}
	doc = append(doc, 0)
	binary.LittleEndian.PutUint32(doc, uint32(len(doc)))
	return joinCryppo(base64.URLEncoding, st, ct, append([]byte{art[0]}, doc...))
}

// pemLF turns a PEM's CRLF line endings into LF.
func pemLF(p string) string { return strings.ReplaceAll(p, "\r\n", "\n") }

// reencodePtr applies f to an optional string.
func reencodePtr(p *string, f func(string) string) *string {
	if p == nil {
		return nil
	}
	v := f(*p)
	return &v
}
