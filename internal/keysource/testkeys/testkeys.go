// Package testkeys holds vaultcheck's committed set of RSA-4096 test keys.
//
// TEST KEYS, PUBLICLY KNOWN: every private key in keys.pem.gz is published
// with the source code. NEVER use them for real data, real accounts or any
// vault that is not a throwaway test target. They exist only so that test
// runs do not spend a second of CPU per Meeco keypair (see package
// keysource, mode "fast").
//
// keys.pem.gz holds Count keys of Bits bits with e = 65537, as PKCS#1
// "RSA PRIVATE KEY" PEM blocks, concatenated and gzipped. It is regenerated
// (with entirely new keys) by go generate in this directory.
package testkeys

import _ "embed"

//go:generate go run gen.go -n 640 -bits 4096 -workers 1 -o keys.pem.gz

// Count is the number of keys in the set; a test checks it against the file.
const Count = 640

// Bits is the modulus size of every key in the set.
const Bits = 4096

//go:embed keys.pem.gz
var gzipped []byte

// Gzipped returns the embedded file: the gzipped, concatenated PEM blocks.
// The slice is shared; callers must not modify it.
func Gzipped() []byte { return gzipped }
