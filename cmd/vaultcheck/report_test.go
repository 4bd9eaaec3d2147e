package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vaultcheck/vaultcheck/results"
)

// buildVaultcheck builds the command once for the tests that run it as
// processes.
func buildVaultcheck(t *testing.T) string {
	t.Helper()
	builtOnce.Do(func() {
		gocmd := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(gocmd); err != nil {
			gocmd = "go"
		}
		dir, err := os.MkdirTemp("", "vaultcheck-bin-")
		if err != nil {
			builtErr = err
			return
		}
		builtBin = filepath.Join(dir, "vaultcheck")
		if out, err := exec.Command(gocmd, "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			builtErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if builtErr != nil {
		t.Fatal(builtErr)
	}
	return builtBin
}

var (
	builtOnce sync.Once
	builtBin  string
	builtErr  error
)

// vc runs the built command and returns its exit code and output.
func vc(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("vaultcheck %s: %v", strings.Join(args, " "), err)
	return -1, ""
}

func readDoc(t *testing.T, path string) *results.Document {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := results.Read(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// comparable is what two runs of the same suite share: the scenarios, their
// statuses and steps, the requests each step made and what the
// ledger recorded, without times, ports and ids the target makes up.
func comparable(doc *results.Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "suite %s, totals %v %v\n", doc.Run.SuiteDigest, doc.Totals.Scenarios, doc.Totals.Steps)
	for _, sc := range doc.Scenarios {
		fmt.Fprintf(&b, "%s | %s:%d | %v %v | %s %s %s\n", sc.ID, sc.File, sc.Line, sc.Tags, sc.Requirements, sc.Status, sc.ErrorKind, sc.Reason)
		for _, st := range sc.Steps {
			// A run of the same method counts once ("GET+"): steps that
			// wait for a deadline (a session's valid_for, a share's
			// expiry) poll as often as time allows.
			var methods []string
			for i, ex := range st.Exchanges {
				switch {
				case i > 0 && st.Exchanges[i-1].Method == ex.Method && strings.TrimSuffix(methods[len(methods)-1], "+") == ex.Method:
					methods[len(methods)-1] = ex.Method + "+"
				default:
					methods = append(methods, ex.Method)
				}
			}
			fmt.Fprintf(&b, "  %s%s | %s | %s:%d | %s %s | %s\n", st.Keyword, st.Text, st.Phrase, st.File, st.Line, st.Status, st.Result, strings.Join(methods, " "))
		}
		if sc.Ledger != nil {
			fmt.Fprintf(&b, "  ledger %d %v verified %v\n", sc.Ledger.Entries, sc.Ledger.ByOp, sc.Ledger.Verified)
		}
	}
	return b.String()
}

// TestShardsAsProcessesMergeToOneRun runs the embedded suite whole and as
// three shards in three processes at once, merges the shards with report
// merge, and checks that the merge is the whole run: the same scenarios
// with the same statuses, steps, exchanges and ledgers, the same totals,
// the same JUnit counts.
func TestShardsAsProcessesMergeToOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a part of the suite four times")
	}
	bin := buildVaultcheck(t)
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	// A part of the suite with a Rule, an Outline's rows and an HCL file is
	// enough to show the shards split it and the merge rebuilds it; the
	// whole suite runs once as processes in TestServeAndRunByURL.
	part := []string{"../../features/sharing.feature", "../../features/slot_values.feature",
		"../../features/users.feature", "../../features/onsharing.feature", "../../scenarios/sharing.hcl"}
	if code, out := vc(t, bin, append([]string{"run", "--no-progress", "--format", "progress,json:" + at("whole.json") + ",junit:" + at("whole.xml")}, part...)...); code != 0 {
		t.Fatalf("whole run exited %d:\n%s", code, out)
	}
	var wg sync.WaitGroup
	codes := make([]int, 3)
	outs := make([]string, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], outs[i] = vc(t, bin, append([]string{"run", "--shard", fmt.Sprintf("%d/3", i+1), "--format", "json:" + at(fmt.Sprintf("shard-%d.json", i+1))}, part...)...)
		}()
	}
	wg.Wait()
	for i := range 3 {
		if codes[i] != 0 {
			t.Fatalf("shard %d/3 exited %d:\n%s", i+1, codes[i], outs[i])
		}
	}
	code, out := vc(t, bin, "report", "merge", at("shard-3.json"), at("shard-1.json"), at("shard-2.json"),
		"--format", "summary,json:"+at("merged.json")+",junit:"+at("merged.xml")+",html:"+at("merged.html")+",message:"+at("merged.ndjson")+",cucumber:"+at("merged-cucumber.json"))
	if code != 0 || !strings.Contains(out, "merged from 3 shards") {
		t.Fatalf("report merge exited %d:\n%s", code, out)
	}
	whole, merged := readDoc(t, at("whole.json")), readDoc(t, at("merged.json"))
	if len(whole.Scenarios) < 20 {
		t.Fatalf("the whole run has %d scenarios, want those of %v", len(whole.Scenarios), part)
	}
	if a, b := comparable(whole), comparable(merged); a != b {
		t.Fatalf("the merge differs from the whole run:\n--- whole\n%s\n--- merged\n%s", a, b)
	}
	if len(merged.Run.Shards) != 3 || merged.Run.Shard != nil || merged.Run.ExitCode != 0 {
		t.Fatalf("merged run metadata %+v", merged.Run)
	}
	sizes := map[int]int{}
	for i, s := range merged.Run.Shards {
		if s.Shard.Index != i+1 || s.Shard.Total != 3 || s.Shard.Scenarios != len(whole.Scenarios) {
			t.Errorf("shard %d recorded as %+v", i+1, s.Shard)
		}
		sizes[i] = len(readDoc(t, at(fmt.Sprintf("shard-%d.json", i+1))).Scenarios)
	}
	if sizes[0]+sizes[1]+sizes[2] != len(whole.Scenarios) || sizes[0] == 0 || sizes[1] == 0 || sizes[2] == 0 {
		t.Fatalf("shard sizes %v for %d scenarios", sizes, len(whole.Scenarios))
	}
	type junit struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	var jw, jm junit
	for path, j := range map[string]*junit{at("whole.xml"): &jw, at("merged.xml"): &jm} {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(raw, j); err != nil {
			t.Fatal(err)
		}
	}
	if jw != jm || jw.Tests != len(whole.Scenarios) {
		t.Fatalf("JUnit of the whole run %+v, of the merge %+v", jw, jm)
	}

	// report renders the same reports from a results.json.
	if code, out := vc(t, bin, "report", at("merged.json"), "--format", "html:"+at("again.html")); code != 0 {
		t.Fatalf("report exited %d: %s", code, out)
	}
	a, _ := os.ReadFile(at("merged.html"))
	b, _ := os.ReadFile(at("again.html"))
	if !bytes.Equal(a, b) {
		t.Fatal("the HTML report rendered from merged.json differs from the one merge wrote")
	}

	// Balanced by the whole run's durations: the shards still add up.
	for i := 1; i <= 2; i++ {
		if code, out := vc(t, bin, append([]string{"run", "--tags", "@smoke", "--shard", fmt.Sprintf("%d/2", i), "--durations", at("whole.json"),
			"--format", "json:" + at(fmt.Sprintf("b%d.json", i))}, part...)...); code != 0 {
			t.Fatalf("balanced shard %d exited %d:\n%s", i, code, out)
		}
	}
	b1 := readDoc(t, at("b1.json"))
	if b1.Run.Shard == nil || !b1.Run.Shard.Balanced {
		t.Fatalf("balanced shard metadata %+v", b1.Run.Shard)
	}
	if code, out := vc(t, bin, "report", "merge", at("b1.json"), at("b2.json"), "--format", "json:"+at("b.json")); code != 0 {
		t.Fatalf("merging balanced shards exited %d: %s", code, out)
	}
	bm := readDoc(t, at("b.json"))
	if len(bm.Scenarios) != len(whole.Scenarios) || bm.Totals.Scenarios[results.Disabled] == 0 {
		t.Fatalf("balanced merge: %d scenarios %v", len(bm.Scenarios), bm.Totals.Scenarios)
	}
	// A folder stands for its *.json files.
	shardDir := at("shards")
	os.Mkdir(shardDir, 0o755)
	for i := 1; i <= 3; i++ {
		raw, _ := os.ReadFile(at(fmt.Sprintf("shard-%d.json", i)))
		os.WriteFile(filepath.Join(shardDir, fmt.Sprintf("pod-%d.json", i)), raw, 0o644)
	}
	if code, out := vc(t, bin, "report", "merge", shardDir, "--format", "json:"+at("fromdir.json")); code != 0 || comparable(readDoc(t, at("fromdir.json"))) != comparable(whole) {
		t.Fatalf("merging a folder exited %d: %s", code, out)
	}
	// A shard missing is refused.
	if code, out := vc(t, bin, "report", "merge", at("shard-1.json"), at("shard-2.json")); code != 2 || !strings.Contains(out, "shard 3/3 missing") {
		t.Fatalf("merging 2 of 3 shards exited %d: %s", code, out)
	}
}

func TestReportExitCodes(t *testing.T) {
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	var stdout, stderr bytes.Buffer
	if code := Main([]string{"report", at("none.json")}, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "none.json") {
		t.Fatalf("a missing file: exit %d, %s", code, stderr.String())
	}
	os.WriteFile(at("bad.json"), []byte(`{"schema": "vaultcheck/results/v1",`), 0o644)
	stderr.Reset()
	if code := Main([]string{"report", at("bad.json")}, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "bad.json: line 1: not JSON") {
		t.Fatalf("a broken file: exit %d, %s", code, stderr.String())
	}

	// A run with a failure, from the harness's placeholder features.
	withTrivialSteps(t)
	code := Main([]string{"run", "--format", "json:" + at("r.json"), filepath.Join(runTestdata, "fail")}, &stdout, &stderr)
	if code != exitFailed {
		t.Fatalf("run exited %d: %s", code, stderr.String())
	}
	stdout.Reset()
	if code := Main([]string{"report", at("r.json")}, &stdout, &stderr); code != exitFailed || !strings.Contains(stdout.String(), "2 scenarios (1 passed, 1 failed)") {
		t.Fatalf("report of a failed run: exit %d\n%s", code, stdout.String())
	}
	os.WriteFile(at("file"), nil, 0o644)
	stderr.Reset()
	if code := Main([]string{"report", at("r.json"), "--format", "junit:" + at("file/junit.xml")}, &stdout, &stderr); code != exitReport || !strings.Contains(stderr.String(), "cannot write report") {
		t.Fatalf("an unwritable report: exit %d, %s", code, stderr.String())
	}
	for _, bad := range []string{"pdf", "html,json", "json:a,junit:a", "json:"} {
		stderr.Reset()
		if code := Main([]string{"report", at("r.json"), "--format", bad}, &stdout, &stderr); code != exitUsage {
			t.Errorf("--format %q: exit %d, want 2: %s", bad, code, stderr.String())
		}
	}
	// The JSON a report writes validates.
	stdout.Reset()
	if code := Main([]string{"report", at("r.json"), "--format", "json"}, &stdout, &stderr); code != exitFailed {
		t.Fatal(code)
	}
	if err := results.Validate(stdout.Bytes()); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if json.Unmarshal(stdout.Bytes(), &m) != nil || !regexp.MustCompile(`^sha256:`).MatchString(m["run"].(map[string]any)["suite_digest"].(string)) {
		t.Fatal("report json lost the run")
	}
}

func TestShardFromIndex(t *testing.T) {
	if got, err := shardFromIndex("run", 3, "0"); err != nil || got != "1/3" {
		t.Fatalf("index 0 of 3: %q %v", got, err)
	}
	if got, err := shardFromIndex("run", 3, "2"); err != nil || got != "3/3" {
		t.Fatalf("index 2 of 3: %q %v", got, err)
	}
	for _, bad := range []string{"", "3", "-1", "x"} {
		if _, err := shardFromIndex("run", 3, bad); err == nil || !strings.Contains(err.Error(), jobIndexEnv) {
			t.Errorf("index %q: %v, want an error naming $%s", bad, err, jobIndexEnv)
		}
	}
}

// TestDeployRunExamples keeps deploy/run's examples true: the Indexed Job
// runs as many shards as it has completions, with flags run accepts; the
// merge Job's flags are report merge's; the Actions matrix has a shard per
// SHARDS.
func TestDeployRunExamples(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy", "run")
	read := func(name string, v any) {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var shards, merge k8sJob
	read("indexed-job.yaml", &shards)
	read("merge-job.yaml", &merge)
	args := shards.Spec.Template.Spec.Containers[0].Args
	if shards.Spec.CompletionMode != "Indexed" || args[0] != "run" || !slices.Contains(args, fmt.Sprintf("--shards=%d", shards.Spec.Completions)) {
		t.Fatalf("indexed job: mode %q, %d completions, args %q", shards.Spec.CompletionMode, shards.Spec.Completions, args)
	}
	run := newRunCmd()
	if err := run.ParseFlags(args[1:]); err != nil {
		t.Fatalf("run does not take the job's args %q: %v", args, err)
	}
	margs := merge.Spec.Template.Spec.Containers[0].Args
	report := newReportMergeCmd()
	if margs[0] != "report" || margs[1] != "merge" || report.ParseFlags(margs[2:]) != nil {
		t.Fatalf("merge job args %q", margs)
	}
	f := report.Flags().Lookup("format").Value.String()
	if _, err := parseReportFormats(f); err != nil {
		t.Fatalf("merge job formats: %v", err)
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
	read("github-actions.yml", &wf)
	if n := wf.Env["SHARDS"]; n != len(wf.Jobs["shard"].Strategy.Matrix.Shard) {
		t.Fatalf("actions: SHARDS %v, matrix %v", n, wf.Jobs["shard"].Strategy.Matrix.Shard)
	}
}

// k8sJob is what the deploy tests read of a Kubernetes Job: its completion
// mode and count, and its container's arguments.
type k8sJob struct {
	Spec struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Template       struct {
			Spec struct {
				Containers []struct {
					Args []string `yaml:"args"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}
