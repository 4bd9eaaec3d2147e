package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
)

// TestNoSecretsInOutput runs every feature against a target that
// misbehaves in several ways at once, so that many steps fail with
// messages and exchanges, captures everything godog writes (progress on
// the console, JUnit and cucumber JSON reports) and checks that no
// password, secret, token, key or plaintext value of any scenario appears
// in it, except where the feature's own text holds it (a step's text, a
// data table).
func TestNoSecretsInOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite")
	}
	m := &misbehave{}
	m.on.Store(true)
	// Each misbehaviour makes other steps fail: values swapped between
	// two slots of an item, a shared value dropped, an unauthenticated
	// read answered, and a plaintext echoed in an item (which the
	// attached exchange would show but for the scrubber).
	wrap := func(h http.Handler) http.Handler {
		h = m.rewrite("GET", reItem, func(doc map[string]any) {
			a, b := slotNamed(doc, "model_make"), slotNamed(doc, "vin")
			// Echo a value only where the scenario stored it: every "My
			// Car" of the features with a model_make holds this one.
			if it := obj(doc["item"]); it["label"] == "My Car" && a != nil && a["encrypted_value"] != nil {
				it["note"] = "Tesla Model 3"
			}
			if a != nil && b != nil {
				a["encrypted_value"], b["encrypted_value"] = b["encrypted_value"], a["encrypted_value"]
			}
		})(h)
		h = m.rewrite("GET", reIncomingShareItem, func(doc map[string]any) {
			if s := slotNamed(doc, "vin"); s != nil {
				delete(s, "encrypted_value")
			}
		})(h)
		h = m.answer("GET", reItem, func(r *http.Request) bool { return r.Header.Get("Authorization") == "" },
			200, `{"item":{"id":"x"},"slots":[]}`)(h)
		return h
	}
	cfg := newConfig(t, wrap)
	dir := t.TempDir()
	junitPath, cucumberPath := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "cucumber.json")

	var (
		mu      sync.Mutex
		secrets []string
		worlds  int
	)
	init := Initializer(cfg)
	var out bytes.Buffer
	st := godog.TestSuite{
		Name: "noleak",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			init(sc)
			sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
				if w := WorldFrom(ctx); w != nil {
					mu.Lock()
					secrets = append(secrets, worldSecrets(w)...)
					worlds++
					mu.Unlock()
				}
				return ctx, nil
			})
		},
		Options: &godog.Options{
			Format: "progress,junit:" + junitPath + ",cucumber:" + cucumberPath,
			Output: &out, NoColors: true,
			FS: vaultcheck.Suite, Paths: featureFiles(t),
			Strict: true, Concurrency: 4,
		},
	}.Run()
	if st != 1 {
		t.Fatalf("godog exit status %d against a misbehaving target, want 1\n%s", st, out.String())
	}
	if os.Getenv("NOLEAK_DEBUG") != "" {
		t.Logf("progress output:\n%s", out.String())
	}
	junit, err := os.ReadFile(junitPath)
	if err != nil {
		t.Fatal(err)
	}
	cucumber, err := os.ReadFile(cucumberPath)
	if err != nil {
		t.Fatal(err)
	}
	if worlds < 30 {
		t.Fatalf("collected secrets of %d scenarios, want all of them", worlds)
	}

	// What the features' own text holds may appear where godog prints
	// that text; nothing else may appear anywhere.
	var src strings.Builder
	for _, f := range featureFiles(t) {
		b, _ := fs.ReadFile(vaultcheck.Suite, f)
		src.Write(b)
	}
	// Table cells and doc strings as Gherkin reads them, escapes undone
	// ("ale \| lager" is ale | lager), are the features' text too.
	src.WriteString(strings.Join(pickleArgValues(t), "\n"))
	var inFeatures, hidden []string
	seen := map[string]bool{}
	for _, s := range secrets {
		if len(s) < minScrub || seen[s] {
			continue
		}
		seen[s] = true
		if strings.Contains(src.String(), s) {
			inFeatures = append(inFeatures, s)
		} else {
			hidden = append(hidden, s)
		}
	}
	if len(hidden) < 100 || len(inFeatures) < 5 {
		t.Fatalf("collected %d hidden secrets and %d feature values, want many of both", len(hidden), len(inFeatures))
	}

	outputs := map[string]string{"progress": out.String(), "junit": string(junit), "cucumber": string(cucumber)}
	for name, text := range outputs {
		for _, s := range hidden {
			if strings.Contains(text, s) || strings.Contains(html.UnescapeString(text), s) {
				t.Errorf("%s output holds a secret (%d bytes)", name, len(s))
			}
		}
	}

	// Where godog prints messages, feature values may only appear inside
	// the step texts themselves.
	stepTexts := allStepTexts(t)
	messages := map[string]string{
		"progress": strip(out.String(), stepTexts),
		"junit":    strip(html.UnescapeString(string(junit)), stepTexts),
		"cucumber": strings.Join(cucumberMessages(t, cucumber), "\n"),
	}
	for name, text := range messages {
		for _, s := range inFeatures {
			if strings.Contains(text, s) {
				t.Errorf("%s messages hold a plaintext value or password of the features (%d bytes)", name, len(s))
			}
		}
	}

	// The failures are the ones the misbehaviours cause, at the right
	// steps, worded "want …, got …".
	failed := cucumberFailures(t, cucumber)
	n := 0
	for _, msgs := range failed {
		n += len(msgs)
	}
	if n < 15 {
		t.Fatalf("%d failed steps, want many", n)
	}
	wantFail := map[string]*regexp.Regexp{
		`Alice sees her item "My Car" with:`:                                     regexp.MustCompile(`slot "(model_make|vin)": (decrypted value differs \(want \d+ bytes d:[0-9a-f]{16}, got \d+ bytes d:[0-9a-f]{16}\)|want a value of \d+ bytes d:[0-9a-f]{16}, got no value)`),
		`Bob sees the share of "My Car" from Alice with:`:                        regexp.MustCompile(`slot "(vin|model_make)": (want a value of 17 bytes d:[0-9a-f]{16}, got no value|decrypted value differs)`),
		`reading Alice's item "My Car" with no token is refused with status 401`: regexp.MustCompile(`want refused with status 401, got success`),
	}
	for step, re := range wantFail {
		msgs := failed[step]
		if len(msgs) == 0 {
			t.Errorf("step %q did not fail", step)
			continue
		}
		for _, msg := range msgs {
			if !re.MatchString(msg) {
				t.Errorf("step %q failed with %q, want it to match %s", step, firstLine(msg), re)
			}
		}
	}
	if !strings.Contains(out.String(), "[value 13 bytes d:") {
		t.Errorf("the echoed plaintext was not scrubbed from an attached exchange")
	}
}

// allStepTexts lists the step texts of the features (outlines expanded),
// longest first.
// pickleArgValues returns every data table cell and doc string of the
// features, as Gherkin reads them.
func pickleArgValues(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, f := range featureFiles(t) {
		src, err := fs.ReadFile(vaultcheck.Suite, f)
		if err != nil {
			t.Fatal(err)
		}
		ids := &messages.Incrementing{}
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), ids.NewId)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range gherkin.Pickles(*doc, f, ids.NewId) {
			for _, st := range p.Steps {
				if a := st.Argument; a != nil && a.DocString != nil {
					out = append(out, a.DocString.Content)
				}
				if a := st.Argument; a != nil && a.DataTable != nil {
					for _, r := range a.DataTable.Rows {
						for _, c := range r.Cells {
							out = append(out, c.Value)
						}
					}
				}
			}
		}
	}
	return out
}

func allStepTexts(t *testing.T) []string {
	var texts []string
	for text := range pickleSteps(t) {
		texts = append(texts, text)
	}
	sort.Slice(texts, func(i, j int) bool { return len(texts[i]) > len(texts[j]) })
	return texts
}

func strip(s string, texts []string) string {
	for _, text := range texts {
		s = strings.ReplaceAll(s, text, "")
	}
	return s
}

type cucumberFeature struct {
	Elements []struct {
		Name  string `json:"name"`
		Steps []struct {
			Name   string `json:"name"`
			Result struct {
				Status       string `json:"status"`
				ErrorMessage string `json:"error_message"`
			} `json:"result"`
			Embeddings []json.RawMessage `json:"embeddings"`
		} `json:"steps"`
	} `json:"elements"`
}

func parseCucumber(t *testing.T, b []byte) []cucumberFeature {
	t.Helper()
	var fs []cucumberFeature
	if err := json.Unmarshal(b, &fs); err != nil {
		t.Fatalf("cucumber JSON: %v", err)
	}
	return fs
}

// cucumberMessages returns the error messages and embeddings of a
// cucumber report: what godog adds to the features' own text.
func cucumberMessages(t *testing.T, b []byte) []string {
	var out []string
	for _, f := range parseCucumber(t, b) {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				out = append(out, s.Result.ErrorMessage)
				for _, em := range s.Embeddings {
					out = append(out, string(em))
				}
			}
		}
	}
	return out
}

// cucumberFailures maps each failed step's text to its error messages.
func cucumberFailures(t *testing.T, b []byte) map[string][]string {
	out := map[string][]string{}
	for _, f := range parseCucumber(t, b) {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				if s.Result.Status == "failed" {
					out[s.Name] = append(out[s.Name], s.Result.ErrorMessage)
				}
			}
		}
	}
	return out
}
