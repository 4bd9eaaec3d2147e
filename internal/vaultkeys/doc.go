// Package vaultkeys is the Meeco key hierarchy: the user's secret and the
// two keys derived from it and the password.
//
// The hierarchy in plain words. Every user has a password (which they
// remember) and a secret, "1.<username>.<readable>", where readable is 32
// random bytes in base58 written in dash-separated groups of six (which
// they keep in a file; the servers never see it). From the two, the client
// derives with PBKDF2-HMAC-SHA256 (100000 iterations, 32 bytes):
//
//   - the passphrase-derived key (PDK), salted with the secret key's
//     characters. The PDK wraps (AES-256-GCM) the user's key-encryption key
//     (KEK), a random 32-byte key stored wrapped in the Keystore.
//   - the SRP password, salted with the same characters in reverse order,
//     then turned into the exact byte string jsrp hashes as P (the UTF-8
//     encoding of the derived bytes read as Latin-1). The Keystore only
//     ever holds the SRP verifier made from it (see package srp).
//
// The KEK in turn wraps the data-encryption keys (DEKs) that encrypt item
// slots and the PEM text of every RSA keypair's private key. So the
// password and the secret together unlock everything; either alone
// unlocks nothing, and the SRP login proves knowledge of both without
// revealing the PDK, which is derived from a different salt.
//
// A Secret never prints its readable part: String, GoString and every fmt
// verb show "1.<username>.<redacted>". Reveal is the one deliberate way out,
// for writing auth files.
package vaultkeys
