package plan

import (
	"strings"
	"testing"
	"time"

	"github.com/vaultcheck/vaultcheck/internal/load/executor"
	"github.com/vaultcheck/vaultcheck/internal/load/threshold"
)

var known = threshold.TagValues{"route": {"GET /vault/me", "POST /vault/items/{id}/shares"}}

func TestParsePlan(t *testing.T) {
	src := `
load "share_storm" {
  executor        = "constant-arrival-rate"
  rate            = 50
  duration        = "2m"
  preAllocatedVUs = 20
  maxVUs          = 40
  scenarios       = ["share_storm.feature"]
  thresholds      = [
    "http_req_duration{route:POST /vault/items/{id}/shares}:p(95)<250ms",
    "decrypt_failures:count==0;abortOnFail",
  ]
}

load "readers" {
  executor  = "ramping-vus"
  startTime = "10s"
  stages    = [{ duration = "30s", target = 10 }, { duration = "1m", target = 0 }]
  tags      = "@smoke"
  fixture   = "iteration"
}
`
	p, err := Parse("plans/storm.hcl", []byte(src), known)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Loads) != 2 {
		t.Fatalf("%d loads, want 2", len(p.Loads))
	}
	s := p.Loads[0]
	if s.Executor.Executor != executor.ConstantArrivalRate || s.Executor.Rate != 50 || s.Executor.Duration != 2*time.Minute ||
		s.Executor.MaxVUs != 40 || s.Executor.TimeUnit != time.Second || len(s.Thresholds) != 2 || !s.Thresholds[1].AbortOnFail || s.Fixture != FixtureVU {
		t.Fatalf("share_storm: %+v", s)
	}
	r := p.Loads[1]
	if r.StartTime != 10*time.Second || len(r.Executor.Stages) != 2 || r.Executor.Stages[0].Target != 10 || r.Executor.StartVUs != 1 || r.Fixture != FixtureIteration {
		t.Fatalf("readers: %+v", r)
	}
	p.ResolvePaths()
	if p.Loads[0].Scenarios[0] != "plans/share_storm.feature" {
		t.Fatalf("scenario path %q, want it relative to the plan", p.Loads[0].Scenarios[0])
	}
}

func TestPlanDiagnostics(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`load "a" {`, "bad.hcl:1:"},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  vus = 2\n}", `name its scenarios`},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  scenarios = [\"x\"]\n}", `bad.hcl:1:1: load "a": duration: required by constant-vus`},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  duration = \"1m\"\n  scenarios = [\"x\"]\n  pre_allocated_vus = 3\n}", `bad.hcl:5:23: pre_allocated_vus: unknown option; did you mean "preAllocatedVUs"?`},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  duration = \"1m\"\n  scenarios = [\"x\"]\n  vu = 3\n}", `bad.hcl:5:8: vu: unknown option; did you mean "vus"?`},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  duration = \"1m\"\n  scenarios = [\"x\"]\n  treshold = []\n}", `treshold: unknown option; did you mean "thresholds"?`},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  duration = \"1m\"\n  scenarios = [\"x\"]\n  rate = 3\n}", `bad.hcl:5:10: load "a": rate: not an option of constant-vus`},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  duration = \"soon\"\n  scenarios = [\"x\"]\n}", `bad.hcl:3:14: duration: want a duration`},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  duration = \"1m\"\n  scenarios = [\"x\"]\n  thresholds = [\"http_req_duration{route:GET /vault/mee}:p(95)<1\"]\n}", `bad.hcl:5:16: thresholds: bad threshold`},
		{"load \"a\" {\n  executor = \"ramping-vus\"\n  stages = [{ duration = \"1m\", vus = 3 }]\n  scenarios = [\"x\"]\n}", `stage 1: want { duration`},
		{"load \"a\" {\n  executor = \"constant-vus\"\n  duration = \"1m\"\n  scenarios = [\"x\"]\n}\nload \"a\" {\n  executor = \"constant-vus\"\n  duration = \"1m\"\n  scenarios = [\"x\"]\n}", `bad.hcl:6:6: load "a" is declared twice (first at bad.hcl:1:1)`},
		{``, `the plan has no load block`},
		{`other "x" {}`, `bad.hcl:1:1: Unsupported block type`},
	} {
		_, err := Parse("bad.hcl", []byte(tc.src), known)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %q", tc.src, err, tc.want)
		}
	}
}
