// Package features holds vaultcheck's Gherkin conformance features, one
// capability per file, and embeds them so that `vaultcheck run` works from
// any folder.
package features

import "embed"

// FS holds every *.feature file of this folder, at its root
// ("sharing.feature"). The harness runs them when no paths are given.
//
//go:embed *.feature
var FS embed.FS
