package cryppo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf16"
)

// HMACSHA256Hex is the SDK's value-verification hash,
// cryppo.hmacSha256Digest(bytesToBinaryString(key), value): lowercase hex of
// HMAC-SHA256 under key over ForgeMessageBytes(message), NOT over the UTF-8
// bytes. For Latin-1-only messages the two models differ only above 0x7F,
// where forge uses the Latin-1 byte.
func HMACSHA256Hex(key []byte, message string) string {
	m := hmac.New(sha256.New, key)
	m.Write(ForgeMessageBytes(message))
	return hex.EncodeToString(m.Sum(nil))
}

// ForgeMessageBytes returns the bytes node-forge actually hashes (or
// encrypts) when handed a JS string without an encoding. Forge reads the
// string as UTF-16 code units u[0..n-1] and packs each group of four into a
// 32-bit word as u0<<24 ^ u1<<16 ^ u2<<8 ^ u3 (ByteStringBuffer.getInt32),
// so a unit's high byte lands XOR-ed on the byte before it inside the group
// and is lost at the start of a group:
//
//	byte[j] = (u[j] & 0xFF) ^ (j%4 != 3 && j+1 < n ? u[j+1] >> 8 : 0)
//
// The same model explains the garbled plaintexts of cryppo-js < 0.12 (which
// encrypted raw JS strings: "Hello 😀" became "Hello\xf8\xe3\x00") and the
// pre-2020 passphrase encoding DecryptWithPassphrase retries with.
//
// The Go string is read as UTF-8 and converted to UTF-16 (astral characters
// become surrogate pairs, as in JS); an invalid UTF-8 byte counts as U+FFFD.
func ForgeMessageBytes(message string) []byte {
	u := utf16.Encode([]rune(message))
	n := len(u)
	out := make([]byte, n)
	for j := range u {
		b := byte(u[j])
		if j%4 != 3 && j+1 < n {
			b ^= byte(u[j+1] >> 8)
		}
		out[j] = b
	}
	return out
}
