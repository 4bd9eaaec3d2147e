// Package steps is vaultcheck's step library: the godog step definitions
// of the conformance features and the per-scenario World they act on.
//
// # Shape
//
// Every scenario gets a fresh World (made in a Before hook, kept in the
// scenario's context). It holds the scenario's users by display name
// (Alice, Bob…) with their passwords, secrets and AuthData; the items they
// made (by label); their connections (by pair of names); their shares (by
// item label and recipient, with the sender); the outcome of the last
// action; a crypto ledger and a redacting log of every HTTP exchange. The
// World's exported methods are the actions (RegisterUser, CreateItem,
// Connect, Share, Accept, DeleteShare, UpdateShares, …) and checks
// (CheckItem, CheckShareKeyOnly, …). The Gherkin bindings are thin
// adapters in one table (bindings.go): each Definition has a stable ID
// ("share.item") and a phrase template with typed parameters
// (`{sender:name} shares [slot {slot:text} of ]{label:text} with
// {recipient:name}…`), from which its godog pattern, its catalog phrase,
// Render (typed arguments to step text and table, or a RenderError naming
// the value a phrase cannot carry) and Match (text back to arguments) are
// derived (phrase.go). Initializer registers the table with godog; the
// loader's step check (internal/suite, for run and vet) and the HCL front
// end, which writes every step with Render, use the same table.
//
// The package never imports the fake Vault or the harness: the same steps
// run against any Vault and Keystore reachable by URL.
//
// # Actions, outcomes and refusals
//
// An action step (a Given or When that does something) records its
// outcome. Whether a failed action fails its own step depends on the step
// after it, which the World looks at before the action runs:
//
//   - If the next step of the scenario is a refusal assertion ("the request
//     is refused", "the request is refused with status 401"), a failure is
//     the expected result: the action step passes and the assertion checks
//     the recorded failure (and fails if the action succeeded).
//   - Otherwise a failure fails the action's own step at once, naming what
//     was wanted and what came back, with the redacted exchange.
//
// A failure that was recorded but never checked fails the scenario in the
// After hook; with the rule above this only happens when the scenario is
// cut short, and it keeps an unexpected success or failure from passing
// silently. Checks that make their own deliberately wrong requests ("Carol
// cannot read the share…", "reading … with no token is refused with status
// 401") do not touch the recorded outcome.
//
// A phrase that states a situation ("Alice and Bob are connected") makes it
// so when used as a Given or When, and checks it when used as a Then.
//
// # Errors
//
// A mistake in the scenario (an unknown user, item or share, a malformed
// table) is a *ScenarioError; a wrong answer from the target is a
// *TargetFailure; a target that could not be exercised (no answer, a 5xx,
// a body that is not JSON where JSON is due) is a *TargetError, which
// World.Seal makes of any failure whose client error client.Fault
// classifies, so checks keep the client's error as the failure's Err and
// never decide this themselves; a broken harness (key source,
// configuration, an inconsistent crypto ledger) is a *HarnessError. The
// harness maps them to exit codes 2, 1, 4 and 3 through their
// ScenarioError, TargetError and HarnessError marker methods. Messages read "want X, got Y" on their first line and
// never contain plaintext values, keys, tokens, passwords or secrets:
// values are shown by length and a digest salted per scenario (the crypto
// ledger's), keys by fingerprint, and HTTP exchanges only redacted.
//
// # Crypto checks
//
// Checks are done with the real primitives of internal/cryppo on what the
// target returns: keys are unwrapped with the keys that must open them and
// refused by every other key the scenario holds (failing with
// cryppo.ErrDecrypt), every encrypted field must be a canonical Cryppo
// string of the strategy its field requires, tampered ciphertexts, tags,
// IVs and hashes must be rejected. Every scenario re-verifies its crypto
// ledger when it ends.
package steps
