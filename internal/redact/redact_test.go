package redact

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

const (
	aesString = "Aes256Gcm.D2e6d6rFMoQVwQ==.QUAAAAAFaXYADAAAAAAAAQIDBAUGBwgJCgsFYXQAEAAAAADe2XTvNoBES8DtMQBKc6E3AmFkAAUAAABub25lAAA="
	rsaString = "Rsa4096.c2VjcmV0LWNpcGhlcnRleHQtYnl0ZXMtZm9yLXRlc3RpbmctcnNhLW9hZXAtc2hhMQ==.QQUAAAAA"
	token     = "Xq9fK2mZ8vLw3RtY7uPa4sDe"
	uuid      = "0b7c9d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f"
	hexSRP    = "6cebe5f424b12d7bb788d810f067ab8bed313edb108fa47f2e1e35214ab87081"
	pubPEM    = "-----BEGIN PUBLIC KEY-----\r\nMIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAr1\r\n-----END PUBLIC KEY-----\r\n"
	privPEM   = "-----BEGIN RSA PRIVATE KEY-----\r\nMIIJKQIBAAKCAgEAr1secretsecret\r\n-----END RSA PRIVATE KEY-----\r\n"
	rawKey    = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
)

func TestField(t *testing.T) {
	tests := []struct {
		name string
		want FieldClass
	}{
		{"value", Secret},
		{"password", Secret},
		{"secret", Secret},
		{"token", Secret},
		{"session_authentication_string", Secret},
		{"vault_access_token", Secret},
		{"keystore_access_token", Secret},
		{"admission_token", Secret},
		{"vault_api_admission_token", Secret},
		{"passphrase_store_admission_token", Secret},
		{"invitation_token", Secret},
		{"srp_a", Secret},
		{"srp_m", Secret},
		{"srp_salt", Secret},
		{"srp_verifier", Secret},
		{"challenge_salt", Secret},
		{"challenge_b", Secret},
		{"serialized_key_encryption_key", KeyMaterial},
		{"serialized_data_encryption_key", KeyMaterial},
		{"encrypted_serialized_key", KeyMaterial},
		{"private_key", KeyMaterial},
		{"encrypted_dek", KeyMaterial},
		{"dek", KeyMaterial},
		{"id", Identifier},
		{"share_id", Identifier},
		{"keypair_external_id", Identifier},
		{"slot_ids", Identifier},
		{"encrypted_value", Keep},
		{"encrypted_value_verification_key", Keep},
		{"encrypted_session_authentication_string", Keep},
		{"label", Keep},
		{"public_key", Keep},
		{"acceptance_required", Keep},
	}
	for _, tt := range tests {
		if got := Field(tt.name); got != tt.want {
			t.Errorf("Field(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		mustHave  []string
		mustNotIn []string
	}{
		{"token", "invalid token " + token + " given", []string{"invalid token", "[redacted 24 chars]"}, []string{token}},
		{"uuid kept", "item " + uuid + " not found", []string{uuid}, nil},
		{"cryppo shortened", "bad value " + aesString, []string{"Aes256Gcm.D2e6d6rF…("}, []string{"QUAAAAAFaXYA"}},
		{"rsa shortened", rsaString, []string{"Rsa4096.c2VjcmV0…("}, []string{"LWNpcGhlcnRleHQ"}},
		{"hex srp", "srp_m " + hexSRP, []string{"[redacted 64 chars]"}, []string{hexSRP[:20]}},
		{"private pem", "key: " + privPEM + " end", []string{"[redacted private key]", " end"}, []string{"secretsecret", "MIIJ"}},
		{"public pem", "pk " + pubPEM, []string{"[public key"}, []string{"MIICIjAN"}},
		{"words kept", "unknown field item_shared_via_another_share_id in https://sandbox.meeco.me/vault/items", []string{"item_shared_via_another_share_id", "https://sandbox.meeco.me/vault/items"}, nil},
		{"raw base64 key", "key " + rawKey, []string{"[redacted 44 chars]"}, []string{rawKey}},
		{"short words", "422 Unprocessable Entity", []string{"422 Unprocessable Entity"}, nil},
		{"invalid utf8", "bad \xff byte", []string{"bad \uFFFD byte"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := String(tt.in)
			for _, s := range tt.mustHave {
				if !strings.Contains(got, s) {
					t.Errorf("String(%q) = %q, want it to contain %q", tt.in, got, s)
				}
			}
			for _, s := range tt.mustNotIn {
				if strings.Contains(got, s) {
					t.Errorf("String(%q) = %q, leaks %q", tt.in, got, s)
				}
			}
		})
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"srp challenge", `{"username":"M9znjHbD5Xi","srp_a":"` + hexSRP + `"}`,
			`{"srp_a":"[redacted]","username":"M9znjHbD5Xi"}`},
		{"session", `{"session":{"id":"` + uuid + `","session_authentication_string":"` + token + `","valid_till":"2024-01-01T00:00:00.000Z"}}`,
			`{"session":{"id":"` + uuid + `","session_authentication_string":"[redacted]","valid_till":"2024-01-01T00:00:00.000Z"}}`},
		{"admission", `{"external_admission_token":{"vault_api_admission_token":"abc","passphrase_store_admission_token":"def"}}`,
			`{"external_admission_token":{"passphrase_store_admission_token":"[redacted]","vault_api_admission_token":"[redacted]"}}`},
		{"wrapped kek shortened", `{"serialized_key_encryption_key":"` + aesString + `"}`,
			`{"serialized_key_encryption_key":"Aes256Gcm.D2e6d6rF…(` + itoa(len(aesString)) + ` chars)"}`},
		{"raw kek redacted", `{"serialized_key_encryption_key":"` + rawKey + `"}`,
			`{"serialized_key_encryption_key":"[redacted]"}`},
		{"private pem in field", `{"private_key":"` + strings.ReplaceAll(strings.ReplaceAll(privPEM, "\r", `\r`), "\n", `\n`) + `"}`,
			`{"private_key":"[redacted]"}`},
		{"slot value and encrypted value", `{"slots":[{"name":"vin","value":"1HGCM82633A004352","encrypted_value":"` + aesString + `","value_verification_hash":null}]}`,
			`{"slots":[{"encrypted_value":"Aes256Gcm.D2e6d6rF…(` + itoa(len(aesString)) + ` chars)","name":"vin","value":"[redacted]","value_verification_hash":null}]}`},
		{"null stays null", `{"encrypted_dek":null,"vault_access_token":null,"value":""}`,
			`{"encrypted_dek":null,"value":"","vault_access_token":null}`},
		{"numbers kept", `{"http_code":422,"per_page":200.5}`, `{"http_code":422,"per_page":200.5}`},
		{"numeric secret", `{"srp_salt":12345}`, `{"srp_salt":"[redacted]"}`},
		{"public key shortened", `{"public_key":"-----BEGIN PUBLIC KEY-----\r\nMIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAr1\r\n-----END PUBLIC KEY-----\r\n"}`,
			`{"public_key":"[public key ` + itoa(len(pubPEM)) + ` chars]"}`},
		{"share deks", `{"share_deks":[{"share_id":"s1","dek":"` + rsaString + `"}]}`,
			`{"share_deks":[{"dek":"Rsa4096.c2VjcmV0…(` + itoa(len(rsaString)) + ` chars)","share_id":"s1"}]}`},
		{"error message with token", `{"errors":[{"error":"unauthorized","http_code":401,"message":"token ` + token + ` expired"}]}`,
			`{"errors":[{"error":"unauthorized","http_code":401,"message":"token [redacted 24 chars] expired"}]}`},
		{"ids kept even if long", `{"id":"` + token + `","item_ids":["` + token + `"]}`,
			`{"id":"` + token + `","item_ids":["` + token + `"]}`},
		{"not json", `<html>` + token, `[30 bytes, not JSON]`},
		{"trailing garbage", `{"a":1} {"b":2}`, `[15 bytes, not JSON]`},
		{"empty", "  ", ""},
		{"html chars kept", `{"label":"a<b>&c"}`, `{"label":"a<b>&c"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := JSON([]byte(tt.in)); got != tt.want {
				t.Errorf("JSON(%s)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	h := http.Header{}
	h.Set("Authorization", token)
	h.Set("Meeco-Subscription-Key", "sub-key-123")
	h.Set("Meeco-Delegation-Id", "")
	h.Set("Meeco-Organisation-Id", "")
	h.Set("Meeco-Srt", "")
	h.Set("Content-Type", "application/json")
	got := Header(h)
	for k, want := range map[string]string{
		"Authorization":          Redacted,
		"Meeco-Subscription-Key": Redacted,
		"Meeco-Delegation-Id":    "",
		"Meeco-Srt":              "",
		"Content-Type":           "application/json",
	} {
		if got.Get(k) != want {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), want)
		}
	}
	if _, ok := got["Meeco-Organisation-Id"]; !ok {
		t.Errorf("empty header Meeco-Organisation-Id dropped; a report must show it was sent")
	}
	if h.Get("Authorization") != token {
		t.Errorf("Header modified its input")
	}
}

func TestTransportRecordsAndReplays(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != token {
			t.Errorf("server got Authorization %q, want the raw token", r.Header.Get("Authorization"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		// Echo the request so the test can see the body was replayed.
		json.NewEncoder(w).Encode(map[string]any{"echo": json.RawMessage(body), "session_authentication_string": token})
	}))
	defer srv.Close()

	var log Log
	client := &http.Client{Transport: &Transport{Log: &log}}
	reqBody := `{"username":"bob","srp_m":"` + hexSRP + `","slots":[{"value":"secret plaintext"}]}`
	req, _ := http.NewRequest("POST", srv.URL+"/srp/session", strings.NewReader(reqBody))
	req.Header.Set("Authorization", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	respBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(respBody), token) || !strings.Contains(string(respBody), hexSRP) {
		t.Fatalf("response body was altered by the transport: %s", respBody)
	}

	ex := log.Exchanges()
	if len(ex) != 1 {
		t.Fatalf("len(log) = %d, want 1", len(ex))
	}
	e := ex[0]
	if e.Status != 201 || e.Method != "POST" || e.Seq != 1 {
		t.Errorf("exchange = %d %s seq %d, want 201 POST seq 1", e.Status, e.Method, e.Seq)
	}
	text := e.String()
	for _, leak := range []string{token, hexSRP, "secret plaintext"} {
		if strings.Contains(text, leak) {
			t.Errorf("exchange text leaks %q:\n%s", leak, text)
		}
	}
	for _, want := range []string{"> POST ", `> Authorization: "[redacted]"`, "< 201 Created", `"username":"bob"`} {
		if !strings.Contains(text, want) {
			t.Errorf("exchange text lacks %q:\n%s", want, text)
		}
	}
	if got := e.Summary(); got != "POST /srp/session -> 201" {
		t.Errorf("Summary() = %q", got)
	}
	if last, ok := log.Last(); !ok || last.Seq != 1 {
		t.Errorf("Last() = %v, %v", last.Seq, ok)
	}
	if got := log.Since(1); got != nil {
		t.Errorf("Since(1) = %v, want nil", got)
	}
	log.Reset()
	if log.Len() != 0 {
		t.Errorf("Len after Reset = %d", log.Len())
	}
}

func TestTransportLargeBodyPassesThrough(t *testing.T) {
	big := strings.Repeat("x", MaxBody+10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if len(b) != len(big) {
			t.Errorf("server got %d bytes, want %d", len(b), len(big))
		}
		io.WriteString(w, big)
	}))
	defer srv.Close()
	var log Log
	client := &http.Client{Transport: &Transport{Log: &log}}
	resp, err := client.Post(srv.URL, "text/plain", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(b) != len(big) {
		t.Fatalf("client got %d bytes, want %d", len(b), len(big))
	}
	e, _ := log.Last()
	if d := e.Detail(); !strings.HasPrefix(d.RequestBody, "[more than") || !strings.HasPrefix(d.ResponseBody, "[more than") {
		t.Errorf("bodies = %q / %q, want size summaries", d.RequestBody, d.ResponseBody)
	}
}

func TestTransportError(t *testing.T) {
	var log Log
	client := &http.Client{Transport: &Transport{Log: &log}}
	_, err := client.Get("http://127.0.0.1:1/" + token)
	if err == nil {
		t.Fatal("want a connection error")
	}
	e, ok := log.Last()
	if !ok || e.Err == "" || e.Status != 0 {
		t.Fatalf("exchange = %+v, want a recorded error", e)
	}
	if strings.Contains(e.String(), token) {
		t.Errorf("error exchange leaks the token in its URL: %s", e.String())
	}
}

func FuzzJSON(f *testing.F) {
	f.Add(`{"value":"x","srp_a":"ab"}`)
	f.Add(`[1,{"token":null}]`)
	f.Fuzz(func(t *testing.T, s string) {
		out := JSON([]byte(s))
		var v map[string]any
		if json.Unmarshal([]byte(s), &v) == nil {
			if p, ok := v["password"].(string); ok && len(p) > 3 && strings.Contains(out, `"password":"`+p+`"`) {
				t.Fatalf("password leaked: %s", out)
			}
		}
		_ = String(s)
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestURL(t *testing.T) {
	tok43 := "q0L2pcVJxZ3Q9cT8m7WnYk1aBsDfGhJkLzXcVbNmQwE"
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:8080/vault/items/" + uuid, "http://127.0.0.1:8080/vault/items/" + uuid},
		{"http://127.0.0.1:8080/vault/invitations/" + tok43, "http://127.0.0.1:8080/vault/invitations/[redacted 43 chars]"},
		{"https://sandbox.meeco.me/keystore/keypairs/external_id/auth", "https://sandbox.meeco.me/keystore/keypairs/external_id/auth"},
		{"http://h/vault/incoming_shares?acceptance_required=acceptance_required&share_ids=" + uuid, "http://h/vault/incoming_shares?acceptance_required=acceptance_required&share_ids=" + uuid},
		{"http://h/x?token=" + tok43 + "&next_page_after=abc", "http://h/x?next_page_after=abc&token=[redacted]"},
		{"http://user:pw@h/x", "http://h/x"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := URL(u); got != tt.want {
			t.Errorf("URL(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
	if got := Path("/vault/invitations/" + tok43); got != "/vault/invitations/[redacted 43 chars]" {
		t.Errorf("Path = %s", got)
	}
	if got := String("GET http://127.0.0.1:39123/vault/incoming_shares/" + uuid + "/item failed"); !strings.Contains(got, "/vault/incoming_shares/"+uuid+"/item") {
		t.Errorf("String mangles a URL with a UUID: %s", got)
	}
}

// TestIsCryppoMatchesThePattern holds the hand-written IsCryppo to what
// cryppoRE matches whole, on real values, near misses and random strings.
func TestIsCryppoMatchesThePattern(t *testing.T) {
	byPattern := func(s string) bool {
		loc := cryppoRE.FindStringIndex(s)
		return loc != nil && loc[0] == 0 && loc[1] == len(s)
	}
	cases := []string{
		"Aes256Gcm.D2e6d6rFMoQVwQ==.QUAAAAAFaXYADAAAAAAAAQIDBAUGBwgJCgsFYXQAEAAAAADe2XTvNoBES8DtMQBKc6E3AmFkAAUAAABub25lAAA=",
		"Rsa4096.abc.QQUAAAAA", "Sign.Rsa4096.c2ln.ZGF0YQ==", "Aes256Gcm.a.b.Pbkdf2Hmac.c", "Aes256Gcm..x", "Aes256Gcm.x.",
		"Aes256Gcm.x", "Aes256Gcm", "Rsa12.x.y", "Rsa123456.x.y", "Sign.Rsa4096.x", "Sign.x.y.z", "Aes512Gcm.x.y", "aes256gcm.x.y",
		"Aes256Gcm.x y.z", "Aes256Gcm.x.y!", " Aes256Gcm.x.y", "Aes256Ofb.x.y", "Rsa999.+/=._-", "", ".", "Sign", "Sign.",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "AesRsaSign256Gcm4096.=+/_-x! "
	for range 20000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b), "Aes256Gcm."+string(b), "Rsa4096."+string(b), "Sign.Rsa2048."+string(b))
	}
	for _, c := range cases {
		if got, want := IsCryppo(c), byPattern(c); got != want {
			t.Errorf("IsCryppo(%q) = %v, pattern says %v", c, got, want)
		}
	}
}

// TestTransportKeepsRawForTheActor checks the raw side of a Log that keeps
// it: each exchange attributed to the user of its request's context, its
// bodies unredacted and whole (past MaxBody), the bodies still replayed
// unchanged, and a Raw never printing its bodies or URL.
func TestTransportKeepsRawForTheActor(t *testing.T) {
	big := strings.Repeat("x", MaxBody+10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/big" {
			io.WriteString(w, big)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer srv.Close()
	log := &Log{KeepRaw: true}
	client := &http.Client{Transport: &Transport{Log: log}}
	for _, who := range []string{"Alice", "", "Bob"} {
		ctx := context.Background()
		if who != "" {
			ctx = WithActor(ctx, who)
		}
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/invitations/Xq9fK2mZ8vLw3RtY7uPa4sDeQ1"+who, strings.NewReader(`{"password":"pw of `+who+`"}`))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	resp, err := client.Get(srv.URL + "/big")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != big {
		t.Fatalf("a body past MaxBody came back %d bytes, want %d", len(got), len(big))
	}
	raw := log.Raw()
	if len(raw) != 4 {
		t.Fatalf("%d raw exchanges, want 4", len(raw))
	}
	for i, who := range []string{"Alice", "", "Bob", ""} {
		r := raw[i]
		ex, ok := log.Exchange(r.Seq)
		if !ok || r.Actor != who || ex.Actor != who || ex.Seq != r.Seq || ex.Method != r.Method {
			t.Errorf("raw %d: actor %q (exchange %q), seq %d; want %q and its exchange", i, r.Actor, ex.Actor, r.Seq, who)
		}
	}
	if string(raw[0].Request) != `{"password":"pw of Alice"}` || string(raw[0].Response) != `{"password":"pw of Alice"}` || raw[0].Path != "/invitations/Xq9fK2mZ8vLw3RtY7uPa4sDeQ1Alice" {
		t.Errorf("raw bodies %q / %q, path %q", raw[0].Request, raw[0].Response, raw[0].Path)
	}
	if string(raw[3].Response) != big || raw[3].Truncated {
		t.Errorf("raw big response: %d bytes, truncated %v", len(raw[3].Response), raw[3].Truncated)
	}
	for _, shown := range []string{fmt.Sprint(raw[0]), fmt.Sprintf("%v %+v %#v %s", raw[0], raw[0], raw[0], raw[0]), fmt.Sprint(raw)} {
		if strings.Contains(shown, "pw of") || strings.Contains(shown, "Xq9fK2mZ8vLw3RtY7uPa4sDeQ1") {
			t.Errorf("a Raw prints its body or URL: %s", shown)
		}
	}
	if ex := log.Exchanges(); strings.Contains(ex[0].String(), "pw of") {
		t.Errorf("the redacted exchange shows the password: %s", ex[0])
	}
	var plain Log
	client = &http.Client{Transport: &Transport{Log: &plain}}
	if resp, err := client.Get(srv.URL + "/x"); err == nil {
		resp.Body.Close()
	}
	if len(plain.Raw()) != 0 {
		t.Errorf("a Log without KeepRaw kept raw exchanges")
	}
}

// TestExchangeRedactsWhenShown: the transport records what it needs and
// redacts nothing until an exchange is shown, and no way of printing an
// exchange, before or after, shows a secret.
func TestExchangeRedactsWhenShown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"session_authentication_string":"`+token+`"}`)
	}))
	defer srv.Close()
	log := &Log{KeepRaw: true}
	client := &http.Client{Transport: &Transport{Log: log}}
	req, _ := http.NewRequest("POST", srv.URL+"/srp/session", strings.NewReader(`{"srp_m":"`+hexSRP+`","value":"secret plaintext"}`))
	req.Header.Set("Authorization", token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e, _ := log.Last()
	if e.d == nil || e.d.url == nil {
		t.Fatal("the exchange was redacted when recorded, not when shown")
	}
	show := func() string {
		return fmt.Sprintf("%v|%+v|%#v|%s|%q|%s", e, e, e, e, e, e.Summary())
	}
	before := show()
	d := e.Detail()
	if e.d.url != nil || e.d.reqBody != nil || e.d.respHeader != nil {
		t.Error("the unredacted inputs are kept after the detail was made")
	}
	if d.RequestHeader.Get("Authorization") != Redacted || !strings.Contains(d.ResponseBody, Redacted) || !strings.Contains(d.RequestBody, `"value":"[redacted]"`) {
		t.Errorf("detail not redacted: %+v", d)
	}
	for _, text := range []string{before, show(), fmt.Sprintf("%+v", d)} {
		for _, leak := range []string{token, hexSRP, "secret plaintext"} {
			if strings.Contains(text, leak) {
				t.Errorf("an exchange shown leaks %q:\n%s", leak, text)
			}
		}
	}
	d.ResponseBody = "scrubbed"
	if got := e.WithDetail(d).Detail().ResponseBody; got != "scrubbed" || e.Detail().ResponseBody == "scrubbed" {
		t.Errorf("WithDetail: %q, and the original became %q", got, e.Detail().ResponseBody)
	}
}

// TestLogFork: a fork starts with its parent's exchanges, numbers its own
// after them, and neither sees what the other records later.
func TestLogFork(t *testing.T) {
	parent := &Log{KeepRaw: true}
	rec := func(l *Log, method string) {
		l.add(Exchange{Method: method}, &Raw{Method: method})
	}
	rec(parent, "A")
	rec(parent, "B")
	child := parent.Fork()
	rec(child, "C")
	rec(parent, "P")
	methods := func(exs []Exchange) string {
		var b strings.Builder
		for _, e := range exs {
			fmt.Fprintf(&b, "%s%d ", e.Method, e.Seq)
		}
		return b.String()
	}
	if got := methods(child.Exchanges()); got != "A1 B2 C3 " {
		t.Errorf("child: %s", got)
	}
	if got := methods(parent.Exchanges()); got != "A1 B2 P3 " {
		t.Errorf("parent: %s", got)
	}
	if got := methods(child.Since(1)); got != "B2 C3 " {
		t.Errorf("child since 1: %s", got)
	}
	if got := methods(child.Since(2)); got != "C3 " {
		t.Errorf("child since 2: %s", got)
	}
	if e, ok := child.Exchange(2); !ok || e.Method != "B" {
		t.Errorf("child exchange 2: %v %v", e.Method, ok)
	}
	if e, ok := child.Exchange(3); !ok || e.Method != "C" {
		t.Errorf("child exchange 3: %v %v", e.Method, ok)
	}
	if _, ok := child.Exchange(4); ok {
		t.Error("child exchange 4 exists")
	}
	if e, _ := child.Last(); e.Method != "C" || child.Len() != 3 {
		t.Errorf("child last %s, len %d", e.Method, child.Len())
	}
	grand := child.Fork()
	if e, _ := grand.Last(); e.Method != "C" || grand.Len() != 3 {
		t.Errorf("grandchild last %s, len %d", e.Method, grand.Len())
	}
	var raws []string
	for _, r := range child.RawAfter(1) {
		raws = append(raws, fmt.Sprintf("%s%d", r.Method, r.Seq))
	}
	if strings.Join(raws, " ") != "B2 C3" || len(child.Raw()) != 3 || len(child.RawAfter(3)) != 0 {
		t.Errorf("child raw after 1: %v; raw %d", raws, len(child.Raw()))
	}
}
