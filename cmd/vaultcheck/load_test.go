package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/internal/load"
	"github.com/vaultcheck/vaultcheck/internal/load/metrics"
	"github.com/vaultcheck/vaultcheck/internal/load/plan"
	"github.com/vaultcheck/vaultcheck/internal/load/summary"
)

const profileFeature = `Feature: profile reads
  Scenario: Alice reads her profile
    Given Alice is a registered user
    Then Alice can read her own profile
`

func runLoadMain(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestLoadThresholdExitCodes(t *testing.T) {
	dir := t.TempDir()
	feat := writeFile(t, dir, "me.feature", profileFeature)
	base := []string{"load", feat, "--executor", "per-vu-iterations", "--vus", "2", "--iterations", "20", "--no-progress"}

	code, out, errs := runLoadMain(append(base, "--threshold", "http_req_duration{route:GET /vault/me}:p(99)<10s", "--out", "json:"+filepath.Join(dir, "s.json"))...)
	if code != 0 {
		t.Fatalf("passing threshold: exit %d\n%s\n%s", code, out, errs)
	}
	s, err := summary.Read(filepath.Join(dir, "s.json"))
	if err != nil {
		t.Fatal(err)
	}
	it, _ := metrics.Aggregate(metrics.Counter, s.Select(metrics.Iterations, nil))
	if it.Count != 40 {
		t.Fatalf("summary counts %d iterations, want 40", it.Count)
	}
	if !strings.Contains(out, "GET /vault/me") || !strings.Contains(out, "decrypt_failures") {
		t.Fatalf("the table lacks the route or the correctness counters:\n%s", out)
	}

	code, out, _ = runLoadMain(append(base, "--threshold", "http_req_duration{route:GET /vault/me}:p(99)<1us")...)
	if code != 1 || !strings.Contains(out, "✗ http_req_duration{route:GET /vault/me}:p(99)<1us") {
		t.Fatalf("failing threshold: exit %d, want 1\n%s", code, out)
	}
}

func TestLoadUsageErrors(t *testing.T) {
	dir := t.TempDir()
	feat := writeFile(t, dir, "me.feature", profileFeature)
	undefined := writeFile(t, dir, "bad.feature", "Feature: f\n  Scenario: s\n    Given Alice dances\n")
	plan := writeFile(t, dir, "p.hcl", "load \"x\" {\n  executor = \"constant-vus\"\n  scenarios = [\"me.feature\"]\n}\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"load", feat, "--executor", "constant-vus"}, "duration: required"},
		{[]string{"load", feat, "--executor", "constant-vus", "--duration", "1s", "--threshold", "http_req_duraton:p(95)<1"}, `did you mean "http_req_duration"`},
		{[]string{"load", undefined, "--duration", "1s"}, `bad.feature:3:11: undefined step: "Alice dances"`},
		{[]string{"load", "--plan", plan}, "p.hcl:1:1: load \"x\": duration: required"},
		{[]string{"load", feat, "--duration", "1s", "--shard", "4/3"}, "want I/N with 1 <= I <= N"},
		{[]string{"load", feat, "--duration", "1s", "--shard", "0/3"}, "want I/N with 1 <= I <= N"},
		{[]string{"load", feat, "--duration", "1s", "--shards", "3"}, "$JOB_COMPLETION_INDEX, which is not set"},
		{[]string{"load", feat, "--duration", "1s", "--shards", "3", "--shard", "1/3"}, "not both"},
		{[]string{"load", feat, "--duration", "1s", "--target", "http://user:secret@h"}, "credentials"},
	} {
		code, _, errs := runLoadMain(tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Contains(errs, "secret@") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}

func TestLoadAbortOnFail(t *testing.T) {
	dir := t.TempDir()
	feat := writeFile(t, dir, "me.feature", profileFeature)
	code, out, _ := runLoadMain("load", feat, "--executor", "constant-vus", "--vus", "1", "--duration", "30s", "--no-progress",
		"--threshold", "http_req_duration:max<1us;abortOnFail")
	if code != 1 || !strings.Contains(out, "ABORTED: threshold http_req_duration:max<1us;abortOnFail failed") {
		t.Fatalf("exit %d, want 1 and an abort\n%s", code, out)
	}
}

// TestLoadShardsMerge builds vaultcheck once, runs the same arrival-rate
// load as one process and as three shard processes, merges the shards and
// compares: the same iterations, percentiles of the same distribution
// within what the two runs' timing allows, and the same threshold verdict.
func TestLoadShardsMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs four load processes")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vaultcheck")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	feat := writeFile(t, dir, "me.feature", profileFeature)
	args := []string{"load", feat, "--executor", "constant-arrival-rate", "--rate", "300", "--duration", "4s", "--pre-allocated-vus", "6", "--max-vus", "30",
		"--no-progress", "--threshold", "http_req_duration{route:GET /vault/me}:p(95)<2s", "--threshold", "iterations:count>=1100"}
	run := func(extra ...string) {
		t.Helper()
		cmd := exec.Command(bin, append(append([]string{}, args...), extra...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", extra, err, out)
		}
	}
	run("--out", "json:"+filepath.Join(dir, "whole.json"))
	errs := make(chan error, 3)
	for i := range 3 {
		go func() {
			// As an Indexed Job runs them: --shards 3, the index in the
			// environment, 0-based; the summaries in one folder.
			cmd := exec.Command(bin, append(append([]string{}, args...), "--shards", "3", "--out", fmt.Sprintf("json:%s/shards/shard-%d.json", dir, i+1))...)
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", jobIndexEnv, i))
			out, err := cmd.CombinedOutput()
			if err != nil {
				err = fmt.Errorf("shard %d: %v\n%s", i, err, out)
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			// A shard alone runs a third of the iterations, so its
			// iterations:count>=1100 fails (exit 1); only the merge meets it.
			if !strings.Contains(err.Error(), "exit status 1") {
				t.Fatal(err)
			}
		}
	}
	var out, errb bytes.Buffer
	code := Main([]string{"load", "merge", filepath.Join(dir, "shards"), "--out", "json:" + filepath.Join(dir, "merged.json")}, &out, &errb)
	if code != 0 {
		t.Fatalf("merge: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	whole, err := summary.Read(filepath.Join(dir, "whole.json"))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := summary.Read(filepath.Join(dir, "merged.json"))
	if err != nil {
		t.Fatal(err)
	}
	count := func(s *summary.Summary, name string) int64 {
		a, _ := metrics.Aggregate(metrics.Counter, s.Select(name, nil))
		return a.Count
	}
	if w, m := count(whole, metrics.Iterations)+count(whole, metrics.DroppedIterations), count(merged, metrics.Iterations)+count(merged, metrics.DroppedIterations); w != 1200 || m != 1200 {
		t.Fatalf("iterations started or dropped: one process %d, merged shards %d; want 1200 each", w, m)
	}
	if whole.Passed() != merged.Passed() || len(whole.Results) != len(merged.Results) {
		t.Fatalf("verdicts differ: one process %v, merged %v", whole.Results, merged.Results)
	}
	// The merge is exact: its histogram holds every shard's samples.
	var shardSamples int64
	for i := range 3 {
		s, err := summary.Read(filepath.Join(dir, "shards", fmt.Sprintf("shard-%d.json", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		if s.Shard == nil || s.Shard.Index != i+1 || s.Shard.Count != 3 {
			t.Fatalf("shard-%d.json holds shard %+v", i+1, s.Shard)
		}
		a, _ := metrics.Aggregate(metrics.Trend, s.Select(metrics.HTTPReqDuration, nil))
		shardSamples += a.Count
	}
	am, _ := metrics.Aggregate(metrics.Trend, merged.Select(metrics.HTTPReqDuration, nil))
	aw, _ := metrics.Aggregate(metrics.Trend, whole.Select(metrics.HTTPReqDuration, nil))
	if am.Count != shardSamples || am.Count != count(merged, metrics.Iterations) || aw.Count != count(whole, metrics.Iterations) {
		t.Fatalf("request samples: merged %d (shards %d, iterations %d), one process %d (iterations %d); want one per iteration",
			am.Count, shardSamples, count(merged, metrics.Iterations), aw.Count, count(whole, metrics.Iterations))
	}
	t.Logf("GET /vault/me p50/p95/p99: one process %.0f/%.0f/%.0fµs, merged shards %.0f/%.0f/%.0fµs",
		aw.Percentile(50), aw.Percentile(95), aw.Percentile(99), am.Percentile(50), am.Percentile(95), am.Percentile(99))
}

// TestLoadTargetsAndReports: the targets are run's (a docker target is
// checked before the engine is asked; a URL that does not answer is exit
// 4), and a summary that cannot be written is exit 5 after the table.
func TestLoadTargetsAndReports(t *testing.T) {
	dir := t.TempDir()
	feat := writeFile(t, dir, "me.feature", profileFeature)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	blocker := writeFile(t, dir, "file", "not a folder")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--target", "docker:bad image"}, 2, "want docker:IMAGE[:TAG]"},
		{[]string{"--target", dead}, 4, "target unreachable"},
		{[]string{"--keys", "stale"}, 2, `--keys "stale"`},
		{[]string{"--out", "json:" + filepath.Join(blocker, "s.json")}, 5, "cannot write"},
	} {
		args := append([]string{"load", feat, "--executor", "per-vu-iterations", "--iterations", "2", "--no-progress"}, tc.args...)
		code, out, errs := runLoadMain(args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, want %d and %q\n%s\n%s", tc.args, code, tc.code, tc.want, out, errs)
		}
		if tc.code == 5 && !strings.Contains(out, "correctness (must stay 0)") {
			t.Errorf("no summary table before the report error:\n%s", out)
		}
	}
}

// TestDeployLoadExamples keeps deploy/load's examples true: the Indexed
// Job runs as many shards as it has completions, with flags load accepts,
// a plan of deploy/load/plans whose scenarios compile; the merge Job's
// arguments are load merge's; the Actions matrix has a shard per SHARDS
// and runs that plan.
func TestDeployLoadExamples(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy", "load")
	read := func(name string, v any) []byte {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return raw
	}
	var shards, merge k8sJob
	read("indexed-job.yaml", &shards)
	read("merge-job.yaml", &merge)
	args := shards.Spec.Template.Spec.Containers[0].Args
	if shards.Spec.CompletionMode != "Indexed" || args[0] != "load" || !slices.Contains(args, fmt.Sprintf("--shards=%d", shards.Spec.Completions)) {
		t.Fatalf("indexed job: mode %q, %d completions, args %q", shards.Spec.CompletionMode, shards.Spec.Completions, args)
	}
	lc := newLoadCmd()
	if err := lc.ParseFlags(args[1:]); err != nil {
		t.Fatalf("load does not take the job's args %q: %v", args, err)
	}
	planPath := lc.Flags().Lookup("plan").Value.String()
	checkPlan(t, filepath.Join(dir, "plans", filepath.Base(planPath)))

	margs := merge.Spec.Template.Spec.Containers[0].Args
	mc := newLoadMergeCmd()
	if margs[0] != "load" || margs[1] != "merge" || mc.ParseFlags(margs[2:]) != nil {
		t.Fatalf("merge job args %q", margs)
	}
	if out, err := parseOut(mc.Flags().Lookup("out").Value.String()); err != nil || out == "" {
		t.Fatalf("merge job --out: %q %v", out, err)
	}

	var wf struct {
		Env  map[string]any `yaml:"env"`
		Jobs map[string]struct {
			Strategy struct {
				Matrix struct {
					Shard []int `yaml:"shard"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
		} `yaml:"jobs"`
	}
	raw := read("github-actions.yml", &wf)
	if n := wf.Env["SHARDS"]; n != len(wf.Jobs["shard"].Strategy.Matrix.Shard) {
		t.Fatalf("actions: SHARDS %v, matrix %v", n, wf.Jobs["shard"].Strategy.Matrix.Shard)
	}
	m := regexp.MustCompile(`--plan (\S+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("actions: no --plan")
	}
	checkPlan(t, filepath.Join("..", "..", string(m[1])))
}

// checkPlan parses a plan and compiles its scenarios, as load does before
// it starts.
func checkPlan(t *testing.T, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Parse(path, src, load.KnownTags())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	p.ResolvePaths()
	if err := load.CheckScenarios(context.Background(), p, nil); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
