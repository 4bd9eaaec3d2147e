package steps

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck"
	"github.com/vaultcheck/vaultcheck/fakevault"
	"github.com/vaultcheck/vaultcheck/internal/keysource"
	"github.com/vaultcheck/vaultcheck/internal/meeco"
)

// keySeed gives every test its own order of the committed test keys.
var keySeed atomic.Uint64

// newConfig starts a fake Vault (its handler wrapped by wrap, when given,
// to make a misbehaving target) and returns the steps' Config for it,
// with fast test keys.
func newConfig(t *testing.T, wrap func(http.Handler) http.Handler) Config {
	t.Helper()
	var h http.Handler = fakevault.New(fakevault.Options{})
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	keys, err := keysource.NewFast(keysource.FastOptions{Seed: keySeed.Add(1)})
	if err != nil {
		t.Fatalf("keysource: %v", err)
	}
	t.Cleanup(func() { keys.Close() })
	return Config{VaultURL: srv.URL + meeco.VaultPrefix, KeystoreURL: srv.URL + meeco.KeystorePrefix, Keys: keys}
}

// featureFiles lists the embedded feature files.
func featureFiles(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(vaultcheck.Suite, "features/*.feature")
	if err != nil || len(files) == 0 {
		t.Fatalf("no features in ../features: %v", err)
	}
	return files
}

// pickleSteps returns every step text of the features, outlines expanded.
func pickleSteps(t *testing.T) map[string]string {
	t.Helper()
	steps := map[string]string{} // text → file
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
			for _, s := range p.Steps {
				steps[s.Text] = f
			}
		}
	}
	return steps
}

var idRe = regexp.MustCompile(`^[a-z]+\.[a-z_]+$`)

// TestDefinitionsMatchFeatures checks that every step phrase of the
// features matches exactly one definition, and that the table is well
// formed. (The HCL front end's tests check its steps the same way.)
func TestDefinitionsMatchFeatures(t *testing.T) {
	defs := Definitions()
	for _, d := range defs {
		if !idRe.MatchString(d.ID) {
			t.Errorf("definition %s: ID is not area.name", d.ID)
		}
		if p := d.Pattern.String(); !strings.HasPrefix(p, "^") || !strings.HasSuffix(p, "$") {
			t.Errorf("definition %s is not anchored", d.ID)
		}
		if d.Doc == "" {
			t.Errorf("definition %s has no Doc", d.ID)
		}
		if d.Kind != KindAction && d.Kind != KindCheck && d.Kind != KindState {
			t.Errorf("definition %s: kind %q", d.ID, d.Kind)
		}
		if d.handler == nil {
			t.Errorf("definition %s has no handler", d.ID)
		}
	}
	used := map[string]int{}
	match := func(where, text string) {
		hits := Matching(text)
		for _, h := range hits {
			used[h.ID]++
		}
		if len(hits) != 1 {
			t.Errorf("%s: step %q matches %d definitions", where, text, len(hits))
		}
	}
	texts := pickleSteps(t)
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, text := range keys {
		match(texts[text], text)
	}
	for _, d := range defs {
		if used[d.ID] == 0 {
			t.Logf("definition used by no feature (HCL or other front ends may use it): %s", d.ID)
		}
	}
}

// TestPatternsAcceptTheLanguage checks the phrase variants the HCL
// language may produce beyond the features' own wording.
func TestPatternsAcceptTheLanguage(t *testing.T) {
	for _, text := range []string{
		"users Guest1, Guest2 and Guest3 are registered",
		"Guest1 sees their item \"My Car\" with:",
		"Bob deletes their connection to Alice",
		"Guest2's copy of \"My Car\" holds no value for slot \"vin\"",
		"Bob's copy of \"My Car\" holds no value for slots \"a\", \"b\" and \"c\"",
		"Alice shares slot \"vin\" of \"My Car\" with Bob with terms \"x\"",
		"Alice shares \"My Car\" with Bob allowing on-sharing",
		"Bob shares the \"My Car\" they received from Alice with Jane",
		"Carol cannot delete Alice's item \"My Car\"",
		"reading Alice's item \"My Car\" with their old token is refused with status 401",
		"the share of \"My Car\" to Bob is gone for Bob",
		"every keypair Alice made is RSA-4096 with public exponent 65537",
	} {
		n := 0
		for _, d := range Definitions() {
			if d.Pattern.MatchString(text) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q matches %d definitions, want 1", text, n)
		}
	}
	for _, text := range []string{
		"alice is a registered user",
		"Alice shares \"My Car\" with Bob allowing onsharing",
		"reading Alice's item \"My Car\" with a token is refused with status 401",
	} {
		for _, d := range Definitions() {
			if d.Pattern.MatchString(text) {
				t.Errorf("%q matches %s, want no definition", text, d.ID)
			}
		}
	}
}

// TestImportRule keeps the step library runnable against any target: it
// must not depend on the fake Vault or the harness.
func TestImportRule(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list gave %d packages, want the step library's dependencies", len(deps))
	}
	for _, p := range deps {
		for _, banned := range []string{"github.com/vaultcheck/vaultcheck/fakevault", "github.com/vaultcheck/vaultcheck/harness"} {
			if p == banned || strings.HasPrefix(p, banned+"/") {
				t.Errorf("steps imports %s", p)
			}
		}
	}
	if !containsPath(deps, "github.com/vaultcheck/vaultcheck/internal/client") {
		t.Errorf("dependency list lacks internal/client: %v", deps)
	}
}

func containsPath(list []string, p string) bool {
	for _, x := range list {
		if path.Clean(x) == p {
			return true
		}
	}
	return false
}
