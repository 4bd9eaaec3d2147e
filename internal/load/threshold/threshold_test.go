package threshold

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
)

var known = TagValues{
	metrics.TagRoute: {"GET /vault/me", "POST /vault/items/{id}/shares"},
	metrics.TagOp:    {"rsa_unwrap", "aes_decrypt"},
}

func TestParse(t *testing.T) {
	th, err := Parse("http_req_duration{route:POST /vault/items/{id}/shares}:p(95)<250ms;abortOnFail;delayAbortEval=10s", known)
	if err != nil {
		t.Fatal(err)
	}
	if th.Metric != "http_req_duration" || th.Tags["route"] != "POST /vault/items/{id}/shares" || th.Agg != "p" || th.P != 95 ||
		th.Op != "<" || th.Value != 250 || !th.AbortOnFail || th.DelayAbortEval != 10*time.Second {
		t.Fatalf("parsed %+v", th)
	}
	for src, want := range map[string]float64{
		"crypto_duration{op:rsa_unwrap}:avg<2s":   2000,
		"crypto_duration{op:rsa_unwrap}:max<=500": 500,
		"iteration_duration:med<1500us":           1.5,
		"decrypt_failures:count==0":               0,
		"http_req_failed:rate<0.01":               0.01,
		"iterations:rate>=20":                     20,
		"vus_max:value<=100":                      100,
	} {
		th, err := Parse(src, known)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if th.Value != want {
			t.Errorf("%s: value %v, want %v", src, th.Value, want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for src, want := range map[string]string{
		"http_req_duraton:p(95)<250":                      `did you mean "http_req_duration"`,
		"http_req_duration{rout:GET /vault/me}:p(95)<1":   `did you mean "route"`,
		"http_req_duration{route:GET /vault/mee}:p(95)<1": `did you mean "GET /vault/me"`,
		"http_req_duration{route:GET /vault/me:p(95)<1":   "no matching }",
		"decrypt_failures:p(95)<1":                        "percentiles need a trend",
		"decrypt_failures:avg<1":                          "want one of count, rate",
		"decrypt_failures:count==0ms":                     "takes no unit",
		"http_req_duration:p(95)<250parsecs":              "unknown unit",
		"http_req_duration:p(101)<250":                    "0 to 100",
		"http_req_duration:p(95)":                         "want AGGREGATION OPERATOR VALUE",
		"http_req_duration:p(95)<abc":                     "not a number",
		"http_req_duration:p(95)<1;abortOnFial":           "unknown option",
		"http_req_duration:p(95)<1;delayAbortEval=5s":     "needs abortOnFail",
		"cross_user_leaks{route:GET /vault/me}:count==0":  "has no tags",
		"http_req_duration":                               "want METRIC",
	} {
		_, err := Parse(src, known)
		if err == nil || !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", src, err, want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	reg := metrics.NewRegistry()
	me := reg.Get(metrics.HTTPReqDuration, metrics.Tag{Key: metrics.TagRoute, Value: "GET /vault/me"}, metrics.Tag{Key: metrics.TagStatus, Value: "200"})
	for i := 1; i <= 100; i++ {
		me.Record(time.Duration(i) * time.Millisecond)
	}
	reg.Get(metrics.Iterations).Add(600)
	reg.Get(metrics.HTTPReqFailed, metrics.Tag{Key: metrics.TagRoute, Value: "GET /vault/me"}).Sample(true)
	reg.Get(metrics.HTTPReqFailed, metrics.Tag{Key: metrics.TagRoute, Value: "GET /vault/me"}).Sample(false)
	snap := reg.Snapshot()
	for src, wantOK := range map[string]bool{
		"http_req_duration{route:GET /vault/me}:p(95)<100ms":                true,
		"http_req_duration{route:GET /vault/me}:p(95)<90":                   false,
		"http_req_duration:max==100":                                        true,
		"http_req_duration:avg<50.6":                                        true,
		"http_req_duration:avg<50.4":                                        false,
		"http_req_duration{route:POST /vault/items/{id}/shares}:p(95)<1000": false, // no samples
		"decrypt_failures:count==0":                                         true,
		"iterations:rate==10":                                               true, // 600 in 60s
		"http_req_failed:rate<0.4":                                          false,
		"dropped_iterations:count<1":                                        true,
	} {
		th, err := Parse(src, known)
		if err != nil {
			t.Fatal(err)
		}
		r, err := th.Evaluate(&snap, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if r.OK != wantOK {
			t.Errorf("%s: ok=%v (%s), want %v", src, r.OK, r, wantOK)
		}
	}
}
