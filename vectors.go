package vaultcheck

import "embed"

// Vectors holds testdata/vectors/*.json, the crypto vectors made with
// Meeco's own libraries, so that a certification can check vaultcheck's
// crypto against them before it judges a Vault, and record their digest.
//
//go:embed testdata/vectors/*.json
var Vectors embed.FS
