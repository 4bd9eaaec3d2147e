package steps

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/cryppo"
	"github.com/vaultcheck/vaultcheck/internal/vaultkeys"
)

// The identity side's checks that no fault of the fake exercises on its
// own, each run against a target (or a client) that breaks the one rule
// the check is for. The checks a fault of the fake kills are shown by the
// kill matrix (TestKillMatrix at the repository's root).

var (
	reSRPChallenges = regexp.MustCompile(`^/keystore/srp/challenges$`)
	reInvitation    = regexp.MustCompile(`^/vault/invitations/[^/]+$`)
	reConnection    = regexp.MustCompile(`^/vault/connections/[^/]+$`)
	reMe            = regexp.MustCompile(`^/vault/me$`)
)

// ifBody runs when on requests whose body contains frag; other requests
// go to the target with their body intact.
func (m *misbehave) ifBody(method string, path *regexp.Regexp, frag string, status int, body string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !m.on.Load() || r.Method != method || !path.MatchString(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			b, _ := io.ReadAll(r.Body)
			if !bytes.Contains(b, []byte(frag)) {
				r.Body = io.NopCloser(bytes.NewReader(b))
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		})
	}
}

// notFoundAsOK answers 200 with body where the target answered 404.
func (m *misbehave) notFoundAsOK(method string, path *regexp.Regexp, body string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !m.on.Load() || r.Method != method || !path.MatchString(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			w.Header().Set("Content-Type", "application/json")
			if rec.Code == http.StatusNotFound {
				w.WriteHeader(http.StatusOK)
				w.Write([]byte(body))
				return
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
}

func TestCheckFailsWhenKeystoreAcceptsZeroA(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.ifBody("POST", reSRPChallenges, strings.Repeat("0", 512), 200, `{"challenge":{"challenge_salt":"ab","challenge_b":"cd"}}`))
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	m.on.Store(true)
	f.wantFailure(f.w.CheckSRPZeroARefused(f.ctx, "Alice"), "A = 0", "want refused (4xx), got success")
}

func TestCheckFailsOnUpperCaseB(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.rewrite("POST", reSRPChallenges, func(doc map[string]any) {
		c := obj(doc["challenge"])
		c["challenge_b"] = strings.ToUpper(c["challenge_b"].(string))
	}))
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	m.on.Store(true)
	_ = f.w.Login(f.ctx, "Alice") // whether the client copes is not the point
	f.wantFailure(f.w.CheckSRPWireFormat("Alice"), "challenge_b", "some upper case")
}

func TestCheckFailsWhenWithdrawalIgnored(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.answer("DELETE", reInvitation, nil, http.StatusNoContent, ""))
	f.must(f.w.RegisterUsers(f.ctx, []string{"Alice", "Bob"}))
	m.on.Store(true)
	f.must(f.w.InviteFor(f.ctx, "Alice", "Bob", "Bob", 1, "day"))
	f.must(f.w.WithdrawInvitation(f.ctx, "Alice", "Bob"))
	f.must(f.w.UseInvitation(f.ctx, "Bob", "Alice", "Bob", ""))
	f.wantFailure(f.w.CheckRefused(0), "Bob uses Alice's invitation to Bob", "want a refusal (HTTP 4xx), got success")
}

func TestFormCheckFailsWithLaxClient(t *testing.T) {
	f := newFixture(t, nil)
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	strict := formDecryptAES
	t.Cleanup(func() { formDecryptAES = strict })
	// A client that restores dropped padding, as a forgiving decoder would.
	formDecryptAES = func(k cryppo.SymmetricKey, s string) ([]byte, error) {
		parts := strings.Split(s, ".")
		for i := 1; i < len(parts); i++ {
			for len(parts[i])%4 != 0 {
				parts[i] += "="
			}
		}
		return strict(k, strings.Join(parts, "."))
	}
	f.wantFailure(f.w.CheckFormVariantsRejected(f.ctx, "Alice"), "without its = padding", "want the client to refuse it")
}

func TestSecretCheckFailsWithLaxParser(t *testing.T) {
	f := newFixture(t, nil)
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	strict := parseSecret
	t.Cleanup(func() { parseSecret = strict })
	parseSecret = func(s string) (vaultkeys.Secret, error) { return vaultkeys.Secret{}, nil }
	f.wantFailure(f.w.CheckMalformedSecretsRefused("Alice"), "want the client to refuse it")
}

func TestCheckFailsWhenValuesReencoded(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.rewrite("GET", reItem, func(doc map[string]any) {
		for _, s := range list(doc["slots"]) {
			if v, ok := obj(s)["encrypted_value"].(string); ok {
				obj(s)["encrypted_value"] = strings.ReplaceAll(v, "=", "")
			}
		}
	}))
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	f.must(f.w.CreateItem(f.ctx, "Alice", "vehicle", "My Car", carValues))
	m.on.Store(true)
	f.wantFailure(f.w.CheckValuesByteForByte(f.ctx, "My Car", "Alice"), "byte for byte", "differs from character")
}

func TestCheckFailsWhenAnotherRecordReadable(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.notFoundAsOK("GET", reConnection, `{"connection":{"own":{"id":"x"}}}`))
	f.must(f.w.RegisterUsers(f.ctx, []string{"Alice", "Bob"}))
	f.must(f.w.Connect(f.ctx, "Alice", "Bob"))
	m.on.Store(true)
	f.wantFailure(f.w.CheckCannotReadConnection(f.ctx, "Bob", "Alice", "Bob"), "Bob reads Alice's record", "want 404 Not Found, got success")
}

func TestCheckFailsWhenCopyClaimsOwn(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.rewrite("GET", reItem, func(doc map[string]any) { obj(doc["item"])["own"] = true }))
	f.sharedCar()
	m.on.Store(true)
	f.wantFailure(f.w.CheckCopyMarkedReceived(f.ctx, "Bob", "My Car", "Alice"), "Bob's copy", "want own false, got true")
}

func TestCheckFailsWhenTokenInClear(t *testing.T) {
	var m misbehave
	// A Vault that echoes the caller's token in its profile answer.
	f := newFixture(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !m.on.Load() || r.Method != "GET" || !reMe.MatchString(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var doc map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &doc)
			doc["debug_token"] = r.Header.Get("Authorization")
			b, _ := json.Marshal(doc)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			w.Write(b)
		})
	})
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	m.on.Store(true)
	f.must(f.w.CheckProfile(f.ctx, "Alice"))
	f.wantFailure(f.w.CheckVaultTokensSealed(f.ctx, "Alice"), "want the token never in clear", "GET /vault/me")
}

func TestCheckFailsWhenItemDeleteIgnored(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.answer("DELETE", reItem, nil, http.StatusNoContent, ""))
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	f.must(f.w.CreateItem(f.ctx, "Alice", "vehicle", "My Car", carValues))
	m.on.Store(true)
	f.must(f.w.DeleteItem(f.ctx, "Alice", "My Car"))
	f.wantFailure(f.w.CheckItemGone(f.ctx, "Alice", "My Car"), "their deleted item", "want 404 Not Found, got success")
}

func TestCheckFailsOnErrorsInPlainText(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.answer("PUT", reMe, nil, http.StatusBadRequest, `"bad request"`))
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	m.on.Store(true)
	f.wantFailure(f.w.CheckNotJSONRefused(f.ctx, "Alice", 400), "want a Meeco error body", "not a JSON object")
}

// newFaultFixture is newFixture against a fake with the given faults.
func newFaultFixture(t *testing.T, faults ...fakevault.Fault) *fixture {
	t.Helper()
	h := fakevault.New(fakevault.WithFaults(faults...))
	return newFixture(t, func(http.Handler) http.Handler { return h })
}

func TestPagingAfterDeletionFailsOnSkippingCursor(t *testing.T) {
	f := newFaultFixture(t, fakevault.FaultPageCursorSkips)
	f.must(f.w.RegisterUser(f.ctx, "Alice", ""))
	f.must(f.w.CreateItems(f.ctx, "Alice", 4, "vehicle"))
	f.wantFailure(f.w.CheckPagesAfterDeletion(f.ctx, "Alice", 1), "want every item listed once", "never listed")
}

func TestCheckFailsWhenInviteeSeesInvitationID(t *testing.T) {
	var m misbehave
	f := newFixture(t, m.rewrite("GET", reInvitation, func(doc map[string]any) { obj(doc["invitation"])["id"] = "shown" }))
	f.must(f.w.RegisterUsers(f.ctx, []string{"Alice", "Bob"}))
	f.must(f.w.InviteFor(f.ctx, "Alice", "Bob", "Bob", 1, "day"))
	m.on.Store(true)
	f.wantFailure(f.w.CheckInvitationView(f.ctx, "Alice", "Bob"), "read by Bob", "want no id and no keypair_external_id, got id set")
}
