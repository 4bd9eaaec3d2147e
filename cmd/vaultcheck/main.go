// Command vaultcheck is the conformance harness for end-to-end-encrypted
// Meeco-style Vaults: it checks crypto vectors, serves a fake Vault, and runs
// Gherkin features and HCL scenarios against a Vault.
package main

import "os"

func main() { os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr)) }
