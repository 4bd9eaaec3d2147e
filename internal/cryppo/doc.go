// Package cryppo is a byte-compatible Go implementation of Meeco's Cryppo
// serialization and primitives, as cryppo-js 2.0.2 (node-forge) and Ruby
// cryppo 0.6 produce and accept them.
//
// The scheme in plain words: every encrypted field on the wire is a
// dot-separated string. A key-encrypted value is
//
//	<Strategy>.<b64url(ciphertext)>.<b64url(artifacts)>
//
// where artifacts are one version byte ('A') followed by a BSON document
// (AES-GCM: iv, at, ad in that order; RSA: empty). A passphrase-encrypted
// value appends .Pbkdf2Hmac.<b64url('K' + BSON{iv, i, l, hash})>, and a
// signature is Sign.Rsa4096.<b64url(sig)>.<b64url(data)>. Base64 is the
// URL-safe alphabet with '=' padding kept. AES-256-GCM always authenticates
// the literal AAD "none"; RSA is OAEP with SHA-1 for both hash and MGF1; key
// derivation is PBKDF2-HMAC-SHA256; signatures are PKCS#1 v1.5 over SHA-256;
// PEM is written as node-forge writes it (SPKI public keys, PKCS#1 private
// keys, 64-character lines, CRLF).
//
// Reading is wider than writing, as in cryppo-js: the legacy YAML artifact
// blocks of pre-2020 data (cryppo-js and Ruby flavours) and the standard
// base64 alphabet are accepted but never written, and the number in an AES
// strategy name is ignored. Where node-forge consumed a JS string without an
// encoding (HMAC value-verification hashes, pre-2020 passphrases), the bytes
// are modelled by ForgeMessageBytes. Legacy reading stops short of unpadded
// base64, which no JS peer can read either.
//
// The package does no I/O. Key types never print their bytes: formatting a
// SymmetricKey or PrivateKey with any verb yields a redacted fingerprint.
// Every failure is an *Error whose Kind can be tested with errors.Is.
package cryppo
