// Package certify turns a conformance run into evidence a third party can
// check: a vendor's declaration (HCL) of the profiles its Vault claims,
// an honest run of every scenario of those profiles, a verdict derived from
// the run and the declaration, and a bundle of the run's evidence (results
// with every redacted exchange, the crypto ledgers with the material to
// re-check them, the identity of the system under test) whose manifest and
// verdict are signed as an in-toto Statement in a DSSE envelope (Ed25519).
//
// Verify needs the bundle only: it checks the signature and every file's
// digest, re-runs the crypto ledger checks from the recorded material,
// recomputes every requirement's status from the recorded steps and the
// declaration, and compares the verdict with the one that was signed.
//
// The files of the package follow its jobs: declaration.go (the HCL
// declaration), profiles.go (profiles from the requirement catalogue),
// verdict.go (requirement statuses and the verdict), recheck.go (the
// offline ledger re-check), bundle.go (layout, manifest, deterministic
// tar.gz), sign.go (keys, Statement, DSSE), identity.go (the system under
// test), certify.go (the run) and verify.go (the offline check).
package certify
