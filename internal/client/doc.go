// Package client is vaultcheck's Meeco client: it creates users, items,
// connections and shares over HTTP against a Vault URL and a Keystore URL,
// making the Meeco JS SDK's calls in the SDK's order, with the SDK's
// headers and bodies, and doing every crypto step the SDK does
// (protocol.md §3.4).
//
// One Client serves any number of users: each call takes the *AuthData of
// the user it acts for. The godog steps, the HCL scenarios and the
// meeco-compatible CLI all drive this one package, so it offers two levels:
//
//   - Flows (CreateUser, Login, CreateItem, Connect, Share, ReadShare,
//     UpdateShares, ...) that return decrypted results and typed errors.
//   - Do, one raw call with full control over token, headers and body, for
//     checks that the server refuses what it must refuse (another user's
//     token, no token, a malformed body).
//
// Every call is recorded, redacted, in a redact.Log (Client.Exchanges), and
// every crypto operation in the ledger.Ledger of the Config, so a step can
// ask what happened. Errors from the services are *Error values wrapping a
// *meeco.APIError ("create item: POST /vault/items: 422 ..."), matched with
// errors.Is against meeco error kinds; they never contain tokens, keys or
// plaintext. Tokens, slot values and AuthData print redacted.
package client
