package meeco

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestKindStatusTable(t *testing.T) {
	want := map[ErrorKind]int{
		UsernameTaken: 400, Unauthorized: 401, AuthenticationFailed: 401, NotFound: 404,
		ClientTooOld: 426, PayloadTooLarge: 413, InvalidCryppoString: 400, Forbidden: 403,
	}
	for k, s := range want {
		if got := k.Status(); got != s {
			t.Errorf("%s.Status()=%d, want %d", k, got, s)
		}
	}
	for _, k := range ErrorKinds() {
		if !k.Known() || http.StatusText(k.Status()) == "" {
			t.Errorf("kind %s: status %d not a real status", k, k.Status())
		}
	}
	if got := ErrorKind("no_such_kind").Status(); got != 500 {
		t.Fatalf("unknown kind status=%d, want 500", got)
	}
}

func TestAPIErrorRoundTrip(t *testing.T) {
	e := NewError(UsernameTaken, "username %q is taken", "bob")
	body, err := json.Marshal(e.Body())
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"error":"username_taken"`, `"http_code":400`, `"requested_language":null`,
		`"message_in_requested_language":null`, `"extra_info":{}`} {
		if !strings.Contains(string(body), field) {
			t.Errorf("body %s lacks %s", body, field)
		}
	}
	got := ParseError(400, body)
	if !errors.Is(got, UsernameTaken) || errors.Is(got, NotFound) {
		t.Fatalf("errors.Is mismatch for %v", got)
	}
	if got.Message != e.Message || got.Status != 400 {
		t.Fatalf("got %+v, want message %q status 400", got, e.Message)
	}
}

func TestParseErrorFallbacks(t *testing.T) {
	cases := []struct {
		status int
		body   string
		kind   ErrorKind
		msg    string
	}{
		{401, `{"message":"Unauthorized","http_code":401,"extra_info":{}}`, Unauthorized, "Unauthorized"},
		{404, `<html>nope</html>`, NotFound, ""},
		{426, ``, ClientTooOld, ""},
		{418, `{}`, BadRequest, ""},
		{503, `{"errors":[]}`, InternalError, ""},
		{422, `{"errors":[{"error":"some_new_kind","message":"m"}]}`, "some_new_kind", "m"},
	}
	for _, c := range cases {
		got := ParseError(c.status, []byte(c.body))
		if got.Kind != c.kind || got.Message != c.msg || got.Status != c.status {
			t.Errorf("ParseError(%d,%q)=%+v, want kind %s msg %q", c.status, c.body, got, c.kind, c.msg)
		}
	}
	long := `{"errors":[{"error":"x","message":"` + strings.Repeat("a", 1000) + `"}]}`
	if got := ParseError(400, []byte(long)); len(got.Message) > 210 {
		t.Fatalf("message not truncated: %d bytes", len(got.Message))
	}
}

func TestTimeFormat(t *testing.T) {
	tm := time.Date(2024, 10, 9, 1, 2, 3, 4_000_000, time.FixedZone("x", 3600))
	if got, want := FormatTime(tm), "2024-10-09T00:02:03.004Z"; got != want {
		t.Fatalf("FormatTime=%s, want %s", got, want)
	}
	if got, want := FormatTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), "2024-01-01T00:00:00.000Z"; got != want {
		t.Fatalf("FormatTime=%s, want %s", got, want)
	}
	for _, s := range []string{"2024-10-09T00:02:03.004Z", "2024-10-09T01:02:03.004+01:00", "2024-10-09"} {
		if _, err := ParseTime(s); err != nil {
			t.Errorf("ParseTime(%q): %v", s, err)
		}
	}
	if _, err := ParseTime("yesterday"); !errors.Is(err, ErrBadTime) {
		t.Fatalf("ParseTime(yesterday) err=%v, want ErrBadTime", err)
	}
	if FormatTimePtr(time.Time{}) != nil {
		t.Fatal("FormatTimePtr(zero) != nil")
	}
}

func TestNullFieldsStayPresent(t *testing.T) {
	b, _ := json.Marshal(Share{ID: "s"})
	for _, f := range []string{`"encrypted_dek":null`, `"slot_id":null`, `"terms":null`, `"expires_at":null`} {
		if !strings.Contains(string(b), f) {
			t.Errorf("share JSON %s lacks %s", b, f)
		}
	}
	b, _ = json.Marshal(ItemsResponse{})
	if !strings.Contains(string(b), `"meta":{`) || !strings.Contains(string(b), `"next_page_after":null`) {
		t.Errorf("list JSON %s: meta must be an object, next_page_after null", b)
	}
}
