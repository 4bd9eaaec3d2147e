package plan

import (
	"strings"
	"testing"
)

// FuzzParse feeds malformed plans to Parse: whatever the bytes, it returns
// a plan or diagnostics that each name the file and a position, and never
// panics (a plan is checked before anything runs, like a scenario file).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"load \"a\" {\n  executor = \"constant-vus\"\n  vus = 2\n  duration = \"10s\"\n}\n",
		"load \"a\" {\n  executor = \"ramping-vus\"\n  stages = [{ duration = \"30s\", target = 10 }]\n  thresholds = [\"http_req_duration{route:GET /vault/me}:p(95)<250ms;abortOnFail;delayAbortEval=10s\"]\n}\n",
		"load \"a\" {\n  executor = \"constant-arrival-rate\"\n  rate = 50\n  timeUnit = \"1s\"\n  preAllocatedVUs = 2\n  maxVUs = 4\n  duration = \"1m\"\n  startTime = \"5s\"\n  fixture = \"iteration\"\n  tags = \"@smoke\"\n}\n",
		"load \"a\" { vus = -1 }\nload \"a\" {}\n",
		"load {\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Parse("plan.hcl", []byte(src), known)
		if err != nil {
			if p != nil {
				t.Fatalf("a plan and an error: %v", err)
			}
			ds, ok := err.(Diagnostics)
			if !ok || len(ds) == 0 {
				t.Fatalf("error %T %v: want Diagnostics", err, err)
			}
			for _, d := range ds {
				if !strings.HasPrefix(d, "plan.hcl") {
					t.Fatalf("diagnostic %q does not name the file", d)
				}
			}
			return
		}
		if len(p.Loads) == 0 {
			t.Fatal("a plan without load blocks was accepted")
		}
	})
}
