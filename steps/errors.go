package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/onsi/gomega"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// ScenarioError is a mistake in the scenario, not in the target: a user,
// item, share or connection the scenario never introduced, a malformed
// table, a phrase used where it cannot hold. The harness reports it at the
// step's line and exits 2 (usage) rather than 1, through the ScenarioError
// marker method.
type ScenarioError struct {
	Msg string
}

func (e *ScenarioError) Error() string { return "scenario error: " + e.Msg }

// ScenarioError marks the error for the harness (harness.IsScenarioError).
func (e *ScenarioError) ScenarioError() bool { return true }

func scenarioErrorf(format string, args ...any) error {
	return &ScenarioError{Msg: fmt.Sprintf(format, args...)}
}

// TargetFailure is a wrong answer from the Vault or Keystore under test: a
// refused request that should have succeeded, a success that should have
// been refused, a value, key or format that is not what the protocol
// requires. The harness exits 1 for it. Msg is one line, "want X, got Y";
// Detail adds context; Exchanges are the redacted HTTP exchanges that
// produced the wrong answer; Err is the underlying error, if any. None of
// them carries plaintext, keys or tokens.
type TargetFailure struct {
	Msg       string
	Detail    string
	Exchanges []redact.Exchange
	Err       error
	// Req is the ID of the requirement the failed check judges, when the
	// check knows it (the server-blindness check does); "" otherwise.
	Req string

	// scrub, set by the World when the failure leaves a step, replaces
	// every secret and plaintext the scenario knows. The exchanges are
	// redacted by field rules already; this also catches a target that
	// echoes a value in a field the rules cannot know.
	scrub func(string) string
}

// maxBodyLine bounds one rendered body line of an exchange: list
// responses can be long, and the reader needs their shape, not all of it.
const maxBodyLine = 3000

// noiseKeys are fields of Meeco records that never explain a failure of
// the steps; compactJSON drops them to keep the fields that do in view.
var noiseKeys = map[string]bool{
	"attachments": true, "thumbnails": true, "classification_nodes": true, "classification_node_ids": true,
	"created_at": true, "updated_at": true, "ordinal": true, "visible": true, "image": true, "item_image": true,
	"background_color": true, "description": true, "creator": true, "required": true, "attachment_id": true,
	"attachments_folder_id": true, "item_template_id": true, "item_template_label": true, "label_classification": true,
}

// compactJSON drops nulls, empty arrays and objects and noise fields from
// a redacted JSON body (it only removes, so it cannot unredact); other
// text is returned as it is.
func compactJSON(s string) string {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return s
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(prune(v)) != nil {
		return s
	}
	return strings.TrimRight(b.String(), "\n")
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if noiseKeys[k] {
				continue
			}
			if e = prune(e); e != nil {
				out[k] = e
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			if e = prune(e); e != nil {
				out = append(out, e)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return v
}

func (e *TargetFailure) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Detail != "" {
		b.WriteString("\n")
		b.WriteString(indent(e.Detail, "  "))
	}
	for _, ex := range e.Exchanges {
		d := ex.Detail()
		d.RequestBody, d.ResponseBody = compactJSON(d.RequestBody), compactJSON(d.ResponseBody)
		ex = ex.WithDetail(d)
		b.WriteString("\n  exchange:\n")
		b.WriteString(indent(clipLines(strings.TrimRight(ex.String(), "\n"), maxBodyLine), "    "))
	}
	if e.scrub != nil {
		return e.scrub(b.String())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *TargetFailure) Unwrap() error { return e.Err }

// TargetError says the target could not be exercised: it did not answer
// (connection refused or reset, no answer within the request timeout, the
// connection closed mid-answer), it broke on the request (a 5xx, even
// where a 4xx refusal is due), or it answered with a body that is not JSON
// where JSON is due. It is not a wrong answer (TargetFailure): whether the
// target would have answered rightly is unknown. The harness gives the
// step the status error and exits 4, through the TargetError marker
// method. Reason is the client's classification (client.Fault); Err is the
// failure the step saw, a *TargetFailure whose message and exchanges say
// what was being done.
type TargetError struct {
	Reason string
	Err    error
}

func (e *TargetError) Error() string {
	return "the target could not be exercised (" + e.Reason + "): " + e.Err.Error()
}

// Unwrap returns the failure the step saw.
func (e *TargetError) Unwrap() error { return e.Err }

// TargetError marks the error for the harness (harness.IsTargetError).
func (e *TargetError) TargetError() bool { return true }

// asTargetError turns a failure caused by a fault of exercise (a
// *TargetFailure whose Err, or a bare error that, client.Fault classifies)
// into a *TargetError; any other error, and one that already says whose
// fault it is otherwise, is returned as it is. Every error that leaves a
// step passes through here (World.Seal), so the checks need not tell the
// two apart themselves: they keep the client's error as the failure's Err,
// and this is the one place that reads it.
func asTargetError(err error) error {
	var (
		te *TargetError
		se *ScenarioError
		he *HarnessError
		tf *TargetFailure
	)
	if err == nil || errors.As(err, &te) || errors.As(err, &se) || errors.As(err, &he) {
		return err
	}
	cause := err
	if errors.As(err, &tf) {
		cause = tf.Err
	}
	if reason := client.Fault(cause); reason != "" {
		return &TargetError{Reason: reason, Err: err}
	}
	return err
}

// Requirement is the ID of the requirement the failed check judges, "" if
// the check does not say; the self-check reports a fault under it.
func (e *TargetFailure) Requirement() string { return e.Req }

// HarnessError reports that vaultcheck itself broke, not the target or the
// scenario: the key source failed, the client could not be configured, the
// crypto ledger does not re-verify what the client recorded. The harness
// exits 3 for it, through the HarnessError marker method.
type HarnessError struct {
	Msg string
	Err error
}

func (e *HarnessError) Error() string {
	if e.Err == nil {
		return "harness error: " + e.Msg
	}
	return "harness error: " + e.Msg + ": " + redact.String(e.Err.Error())
}

// Unwrap returns the cause.
func (e *HarnessError) Unwrap() error { return e.Err }

// HarnessError marks the error for the harness (harness.IsHarnessError).
func (e *HarnessError) HarnessError() bool { return true }

// isHarnessCause reports errors that come from vaultcheck's own machinery
// rather than from the target.
func isHarnessCause(err error) bool {
	return errors.Is(err, keysource.ErrClosed) || errors.Is(err, keysource.ErrGenerate) ||
		errors.Is(err, keysource.ErrBadKey) || errors.Is(err, keysource.ErrBadSet) ||
		errors.Is(err, client.ErrConfig)
}

// passThrough reports errors that already say whose fault they are.
func passThrough(err error) bool {
	var se *ScenarioError
	var he *HarnessError
	var tf *TargetFailure
	var te *TargetError
	return errors.As(err, &se) || errors.As(err, &he) || errors.As(err, &tf) || errors.As(err, &te)
}

// statusOf is the HTTP status of a failed client call, 0 when the failure
// was not an HTTP error answer.
func statusOf(err error) int {
	var ce *client.Error
	if errors.As(err, &ce) {
		return ce.Status
	}
	return 0
}

// describeErr renders a client error for a "got …" clause. Client errors
// are redacted by construction (tokens, keys and values never enter them).
func describeErr(err error) string {
	if err == nil {
		return "success"
	}
	return redact.String(err.Error())
}

// describeStatus renders a status for a "got …" clause.
func describeStatus(status int) string {
	if status == 0 {
		return "no HTTP answer"
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}

// gomegaFailure carries a failed assertion out of the check it ended.
type gomegaFailure struct{ msg string }

// verify runs f with a private Gomega whose failure handler panics; the
// first failed assertion ends f and comes back as a *TargetFailure with
// the assertion's description as its one-line message (gomega's own dump
// of the values is dropped: it could print a value, and the description
// already says "want X, got Y"). A private Gomega per check keeps
// concurrent scenarios apart; gomega.InterceptGomegaFailure would swap a
// global.
func verify(exs []redact.Exchange, f func(g gomega.Gomega)) (err error) {
	g := verifier
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		gf, ok := r.(gomegaFailure)
		if !ok {
			panic(r)
		}
		err = &TargetFailure{Msg: firstLine(gf.msg), Exchanges: exs}
	}()
	f(g)
	return nil
}

// verifier is the Gomega of verify: its fail handler only panics, so one
// serves every check at once.
var verifier = gomega.NewGomega(func(msg string, _ ...int) { panic(gomegaFailure{msg}) })

// firstLine returns the first non-empty line of s, trimmed.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return "assertion failed"
}

func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}

// clipLines cuts every line of s to at most n bytes (at a rune boundary).
func clipLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if len(l) <= n {
			continue
		}
		cut := n
		for cut > 0 && !utf8Start(l[cut]) {
			cut--
		}
		lines[i] = fmt.Sprintf("%s…(%d bytes)", l[:cut], len(l))
	}
	return strings.Join(lines, "\n")
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// ctxErr turns a cancelled scenario context into a harness error: the run
// was interrupted, and what the target did last is unknown.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &HarnessError{Msg: "the scenario was interrupted", Err: err}
	}
	return nil
}
