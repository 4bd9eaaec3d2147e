package steps

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// The shape of error answers: Meeco's {"errors":[{error, http_code,
// message, ...}]} with http_code equal to the status, on every refusal,
// and no refusal quoting what the request carried.

// minQuoted is the shortest string of a request that a refusal must not
// quote: shorter ones (a slot name, "none") turn up in messages by
// chance; tokens, hex proofs, ciphertexts and keys are all longer.
const minQuoted = 16

// errorShape says how a refusal's body differs from a Meeco error body
// for its status; "" when it does not.
func errorShape(status int, body []byte) string {
	var doc struct {
		Errors *[]map[string]json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "a body that is not a JSON object"
	}
	if doc.Errors == nil {
		return `no "errors" array`
	}
	if len(*doc.Errors) == 0 {
		return `an empty "errors" array`
	}
	e := (*doc.Errors)[0]
	var kind, msg string
	var code int
	if json.Unmarshal(e["error"], &kind) != nil || kind == "" {
		return `errors[0] without an "error" string`
	}
	if json.Unmarshal(e["http_code"], &code) != nil {
		return `errors[0] without a numeric "http_code"`
	}
	if code != status {
		return fmt.Sprintf("http_code %d in the body of a %d answer", code, status)
	}
	if _, ok := e["message"]; !ok || json.Unmarshal(e["message"], &msg) != nil {
		return `errors[0] without a "message" string`
	}
	return ""
}

// quoted names the first string of a request body (of minQuoted bytes or
// more) that the response quotes, "" when it quotes none.
func quoted(request, response []byte) string {
	var doc any
	if json.Unmarshal(request, &doc) != nil {
		// Not JSON: the body's opening is what an echo would show.
		if head := request[:min(len(request), 2*minQuoted)]; len(head) >= minQuoted && bytes.Contains(response, head) {
			return fmt.Sprintf("the opening of the request's body (%d characters)", len(head))
		}
		return ""
	}
	found := ""
	walkJSON(doc, "", func(key, s string) {
		// A quote may be cut short: the opening of a secret is enough to
		// find it, and a random one does not turn up by chance.
		if found == "" && len(s) >= minQuoted && secretLike(key, s) && bytes.Contains(response, []byte(s[:minQuoted])) {
			found = fmt.Sprintf("the request's %q (%d characters), or its opening,", key, len(s))
		}
	}, nil)
	return found
}

// secretLike reports whether a string of a request is what an error must
// never quote: a token, key, proof or ciphertext (ERR-LEAK-01). Ids and
// names may be quoted.
func secretLike(key, s string) bool {
	if _, err := cryppo.Parse(s); err == nil || strings.Contains(s, "-----BEGIN ") {
		return true
	}
	if _, err := hex.DecodeString(s); err == nil && len(s) >= 32 {
		return true
	}
	for _, k := range []string{"token", "key", "secret", "password", "srp_", "encrypted", "hash", "salt", "verifier", "dek"} {
		if strings.Contains(key, k) {
			return true
		}
	}
	return false
}

// CheckRefusalBodies checks every refusal (HTTP 4xx) the Vault and the
// Keystore answered in the scenario: a Meeco error body whose http_code
// is the status, quoting nothing the request carried.
func (w *World) CheckRefusalBodies() error {
	n := 0
	for _, r := range w.raw() {
		if r.Status < 400 || r.Status > 499 {
			continue
		}
		n++
		where := fmt.Sprintf("the %d answer to %s %s", r.Status, r.Method, redact.Path(r.Path))
		if p := errorShape(r.Status, r.Response); p != "" {
			return &TargetFailure{Msg: fmt.Sprintf("%s: want a Meeco error body {\"errors\":[{\"error\", \"http_code\": %d, \"message\"}]}, got %s", where, r.Status, p), Exchanges: w.exchangeFor(r)}
		}
		if q := quoted(r.Request, r.Response); q != "" {
			return &TargetFailure{Msg: fmt.Sprintf("%s: want an error that quotes nothing the request carried, got %s in it", where, q), Exchanges: w.exchangeFor(r)}
		}
	}
	if n == 0 {
		return scenarioErrorf("no request of this scenario was refused, so no error body could be checked")
	}
	return nil
}

// notJSON is a request body that is not JSON.
var notJSON = []byte(`{"this is": not JSON`)

// CheckNotJSONRefused sends a body that is not JSON to a route of each
// service that takes one, with the user's tokens: each must be refused
// with status and a Meeco error body.
func (w *World) CheckNotJSONRefused(ctx context.Context, name string, status int) error {
	u, err := w.activeUser(name)
	if err != nil {
		return err
	}
	for _, c := range []client.Call{
		{Op: "update user", Method: "PUT", Path: meeco.VMe, Body: notJSON},
		{Op: "store DEK", Service: client.Keystore, Method: "POST", Path: meeco.KSDataEncryptionKeys, Body: notJSON},
	} {
		resp, exs, err := w.call(ctx, u, c, nil)
		what := fmt.Sprintf("%s's %s %s to the %s with a body that is not JSON", name, c.Method, c.Path, c.Service)
		if st := statusOf(err); err == nil || st != status {
			return &TargetFailure{Msg: fmt.Sprintf("%s: want refused with status %d, got %s", what, status, gotOf(err)), Exchanges: exs, Err: err}
		}
		if p := errorShape(status, resp.Body); p != "" {
			return &TargetFailure{Msg: fmt.Sprintf("%s: want a Meeco error body, got %s", what, p), Exchanges: exs}
		}
	}
	return nil
}
