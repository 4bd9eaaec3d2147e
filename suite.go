// Package vaultcheck embeds the conformance suite that `vaultcheck run`
// executes when given no paths: the Gherkin features and the HCL scenarios,
// under the same names they have in this repository.
package vaultcheck

import "embed"

// Suite holds features/*.feature and scenarios/*.hcl.
//
//go:embed features/*.feature scenarios/*.hcl
var Suite embed.FS
