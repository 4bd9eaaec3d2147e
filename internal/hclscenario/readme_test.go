package hclscenario

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/vaultcheck/vaultcheck/steps"
)

// TestReadme checks that the reference in scenarios/README.md is the one
// generated from the schema the decoder uses; -update rewrites it.
func TestReadme(t *testing.T) {
	const path = "../../scenarios/README.md"
	text := string(mustRead(t, path))
	i := strings.Index(text, ReferenceBegin)
	j := strings.Index(text, ReferenceEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the reference markers %q ... %q", path, ReferenceBegin, ReferenceEnd)
	}
	want := "\n" + Reference() + "\n"
	got := text[i+len(ReferenceBegin) : j]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(text[:i+len(ReferenceBegin)]+want+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s: the reference is stale; run go test ./internal/hclscenario -run TestReadme -update", path)
}

// TestReferenceCoversSchema guards the generator itself: every block and
// attribute of the language must appear in the reference.
func TestReferenceCoversSchema(t *testing.T) {
	ref := Reference()
	for _, s := range specs {
		if !strings.Contains(ref, "### `"+s.Kind+" \"") {
			t.Errorf("block %s missing from the reference", s.Kind)
		}
		for _, a := range s.Attrs {
			if !strings.Contains(ref, "| `"+a.Name+"`") {
				t.Errorf("%s.%s missing from the reference", s.Kind, a.Name)
			}
		}
	}
	for _, f := range functionNames {
		if !strings.Contains(ref, "`"+f+"`") {
			t.Errorf("function %s missing from the reference", f)
		}
	}
}

// TestReferenceExamplesParse checks that every example of the reference
// is valid HCL syntax (single-line blocks, for one, take one argument).
func TestReferenceExamplesParse(t *testing.T) {
	for _, s := range specs {
		if _, diags := hclsyntax.ParseConfig([]byte(s.Example), s.Kind+".hcl", hcl.InitialPos); diags.HasErrors() {
			t.Errorf("example of %s: %v", s.Kind, diags)
		}
	}
}

// TestReadmeExample compiles the README's first HCL example and compares
// the result, without comments, with the Gherkin the README shows.
func TestReadmeExample(t *testing.T) {
	text := string(mustRead(t, "../../scenarios/README.md"))
	block := func(lang string) string {
		i := strings.Index(text, "```"+lang+"\n")
		if i < 0 {
			t.Fatalf("README has no %s example", lang)
		}
		rest := text[i+len(lang)+4:]
		return rest[:strings.Index(rest, "```")]
	}
	set, diags := Options{}.Compile(Source{Name: "scenarios/example.hcl", Src: []byte(block("hcl"))})
	if len(diags) > 0 {
		t.Fatalf("README example: %v", diags)
	}
	var lines []string
	for _, l := range strings.Split(string(set.Features()[0].Contents), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			lines = append(lines, l)
		}
	}
	if got, want := strings.Join(lines, "\n"), block("gherkin"); got != want {
		t.Errorf("README shows\n%s\nbut the example compiles to\n%s", want, got)
	}
}

// TestReferenceNamesEveryEmittedStep checks that every step the compiler
// writes (every ID in an emit of check.go) is named in the schema, so that
// the reference says what each block and attribute compiles to.
func TestReferenceNamesEveryEmittedStep(t *testing.T) {
	src := string(mustRead(t, "check.go"))
	emitted := regexp.MustCompile(`(?:st\.emit\([^\n]*?|id :?= )"([a-z]+\.[a-z_]+)"`).FindAllStringSubmatch(src, -1)
	if len(emitted) < 40 {
		t.Fatalf("found %d emitted steps in check.go; the pattern no longer reads it", len(emitted))
	}
	named := map[string]bool{}
	for _, s := range specs {
		for _, id := range s.Steps {
			named[id] = true
		}
		for _, a := range s.Attrs {
			for _, id := range a.Steps {
				named[id] = true
			}
		}
	}
	for _, m := range emitted {
		if _, ok := steps.Lookup(m[1]); !ok {
			t.Errorf("check.go emits %s, which the step table lacks", m[1])
		}
		if !named[m[1]] {
			t.Errorf("check.go emits %s, which no block or attribute of the schema names", m[1])
		}
	}
}
