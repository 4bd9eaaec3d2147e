package threshold

import (
	"errors"
	"testing"
)

// FuzzParse feeds malformed thresholds to Parse: it returns a threshold or
// an ErrSyntax error, never panics, and what it accepts parses again from
// its own Source to the same threshold.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"http_req_duration{route:GET /vault/me}:p(95)<250ms",
		"decrypt_failures:count==0;abortOnFail;delayAbortEval=10s",
		"http_req_failed:rate<0.01",
		"vus:value>=1",
		"iteration_duration:avg<1s",
		"http_req_duration{route:GET /vault/me,status:200}:p(99.9)<=2",
		"x{:",
		"",
	} {
		f.Add(s)
	}
	known := TagValues{"route": {"GET /vault/me"}}
	f.Fuzz(func(t *testing.T, src string) {
		th, err := Parse(src, known)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v is not ErrSyntax", err)
			}
			return
		}
		again, err := Parse(th.Source, known)
		if err != nil {
			t.Fatalf("%q accepted, its Source %q refused: %v", src, th.Source, err)
		}
		if again.Metric != th.Metric || again.Agg != th.Agg || again.Op != th.Op || again.P != th.P ||
			(again.Value != th.Value && again.Value == again.Value) || again.AbortOnFail != th.AbortOnFail {
			t.Fatalf("%q and its Source parse differently: %+v, %+v", src, th, again)
		}
	})
}
