// Package scenarios holds vaultcheck's example HCL scenarios, one per
// capability, and embeds them so that the commands find them from any
// folder. scenarios/README.md is the language reference.
package scenarios

import "embed"

// FS holds every *.hcl file of this folder, at its root ("sharing.hcl").
//
//go:embed *.hcl
var FS embed.FS
