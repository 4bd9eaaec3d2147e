package harness

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vaultcheck/vaultcheck/results"
)

// cucumberCheck is tools/cucumber-check: Cucumber's own JavaScript
// libraries reading a messages file.
var cucumberCheck = filepath.Join("..", "tools", "cucumber-check")

var (
	npmOnce sync.Once
	npmErr  error
)

// needCucumberCheck installs tools/cucumber-check's packages when they are
// missing (CI installs them first), and skips only when there is no
// Node.js at all.
func needCucumberCheck(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no Node.js: the messages are not read with Cucumber's own libraries")
	}
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(cucumberCheck, "node_modules", "@cucumber", "query")); err == nil {
			return
		}
		npm, err := exec.LookPath("npm")
		if err != nil {
			npmErr = err
			return
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = cucumberCheck
		if out, err := cmd.CombinedOutput(); err != nil {
			npmErr = &installError{err: err, out: string(out)}
		}
	})
	if npmErr != nil {
		t.Fatalf("installing tools/cucumber-check: %v", npmErr)
	}
	return node
}

type installError struct {
	err error
	out string
}

func (e *installError) Error() string { return e.err.Error() + "\n" + e.out }

// checkResult is what tools/cucumber-check/check.mjs prints.
type checkResult struct {
	Envelopes        int            `json:"envelopes"`
	Pickles          int            `json:"pickles"`
	TestCasesStarted int            `json:"testCasesStarted"`
	Statuses         map[string]int `json:"statuses"`
	Success          *bool          `json:"success"`
	StepDefinitions  int            `json:"stepDefinitions"`
	HTMLBytes        int            `json:"htmlBytes"`
	Cases            []struct {
		Name        string `json:"name"`
		URI         string `json:"uri"`
		Line        int    `json:"line"`
		Status      string `json:"status"`
		Steps       int    `json:"steps"`
		Attachments int    `json:"attachments"`
	} `json:"cases"`
}

// TestCucumberMessages reads the run's messages with Cucumber's own
// libraries and checks what they find against results.json, and validates
// every message against @cucumber/messages' JSON Schema.
func TestCucumberMessages(t *testing.T) {
	r := theRealRun(t)
	node := needCucumberCheck(t)
	path := filepath.Join(r.dir, reportFiles["message"])
	cmd := exec.Command(node, "check.mjs", path)
	cmd.Dir = cucumberCheck
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Cucumber's libraries reject the messages: %v\n%s", err, stderr.String())
	}
	var got checkResult
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("check.mjs printed %q: %v", out, err)
	}
	ran := 0
	for _, sc := range r.doc.Scenarios {
		if sc.Status != results.Disabled {
			ran++
		}
	}
	if got.TestCasesStarted != ran || got.Pickles != ran || got.Statuses["FAILED"] != r.doc.Totals.Scenarios[results.Failed] ||
		got.Statuses["PASSED"] != r.doc.Totals.Scenarios[results.Passed] || got.Success == nil || *got.Success || got.HTMLBytes == 0 {
		t.Fatalf("Cucumber found %d test cases, %d pickles, statuses %v, success %v; want %d, as results.json (%v), and no success",
			got.TestCasesStarted, got.Pickles, got.Statuses, got.Success, ran, r.doc.Totals.Scenarios)
	}
	hcl := hclScenarios(t, r)
	for _, sc := range hcl {
		found := false
		for _, c := range got.Cases {
			if c.Name == sc.Name && c.URI == "scenarios/sharing.hcl" {
				found = c.Line == sc.Line && c.Steps == len(sc.Steps) && c.Attachments > 0
			}
		}
		if !found {
			t.Errorf("Cucumber does not find %q at scenarios/sharing.hcl:%d with its steps and exchanges", sc.Name, sc.Line)
		}
	}

	// Every message against @cucumber/messages' own schema.
	schemaPath := filepath.Join(cucumberCheck, "node_modules", "@cucumber", "messages", "messages.schema.json")
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("https://cucumber.io/schema/Envelope.schema.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("https://cucumber.io/schema/Envelope.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
		if err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Fatalf("%s:%d: not a valid Cucumber message: %v", path, i+1, err)
		}
	}
}
