package hclscenario

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hashicorp/hcl/v2"
)

// mustCompile compiles src and fails the test on any diagnostic.
func mustCompile(t *testing.T, opts Options, src string) (*Set, string) {
	t.Helper()
	set, diags := opts.Compile(Source{Name: "t.hcl", Src: []byte(src)})
	if len(diags) > 0 {
		var b strings.Builder
		WriteDiagnostics(&b, set.Files(), diags, false)
		t.Fatalf("does not compile:\n%s", b.String())
	}
	return set, string(set.Features()[0].Contents)
}

// compileErrs compiles src and returns its one-line diagnostics.
func compileErrs(t *testing.T, opts Options, src string) string {
	t.Helper()
	_, diags := opts.Compile(Source{Name: "t.hcl", Src: []byte(src)})
	if !diags.HasErrors() {
		t.Fatalf("compiled without errors:\n%s", src)
	}
	var lines []string
	for _, d := range diags {
		lines = append(lines, FormatDiagnostic(d))
	}
	return strings.Join(lines, "\n")
}

// stepsOf returns the step lines of compiled text, keywords dropped.
func stepsOf(text string) []string {
	var out []string
	kw := regexp.MustCompile(`^\s+(Given|When|Then|And) (.*)$`)
	for _, l := range strings.Split(text, "\n") {
		if m := kw.FindStringSubmatch(l); m != nil {
			out = append(out, m[2])
		}
	}
	return out
}

const alicebob = `
user "alice" { pronoun = "she" }
user "bob" { pronoun = "he" }
connection "ab" {
  from = user.alice
  to   = user.bob
}
`

// TestCellEscaping checks that values Gherkin tables cannot hold verbatim
// (| \ and line breaks) are escaped so that the parser reads back exactly
// the value written in HCL.
func TestCellEscaping(t *testing.T) {
	values := map[string]string{
		"pipe":      "a|b",
		"backslash": `C:\cars\new`,
		"both":      `x\|y`,
		"newline":   "line one\nline two",
		"unicode":   "鍵 ключ 🚗 Citroën",
		"json":      `{"make": "Ford"}`,
		"empty":     "",
	}
	var slots strings.Builder
	for k, v := range values {
		slots.WriteString("    " + k + " = " + hclQuote(v) + "\n")
	}
	src := alicebob + `
scenario "escapes" {
  item "car" {
    owner    = user.alice
    template = "vehicle"
    slots = {
` + slots.String() + `    }
  }
}`
	set, _ := mustCompile(t, Options{}, src)
	_, pickles := parse(t, "t.hcl", set.Features()[0].Contents)
	table := pickles[0].Steps[2].Argument.DataTable
	if table == nil {
		t.Fatalf("no table on step %q", pickles[0].Steps[2].Text)
	}
	got := map[string]string{}
	for _, row := range table.Rows[1:] {
		got[row.Cells[0].Value] = row.Cells[1].Value
	}
	for k, v := range values {
		if got[k] != v {
			t.Errorf("slot %s: Gherkin reads %q, want %q", k, got[k], v)
		}
	}
}

// hclQuote writes s as an HCL string literal.
func hclQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "${", "$${", "%{", "%%{")
	return `"` + r.Replace(s) + `"`
}

func TestOrder(t *testing.T) {
	item := `
item "car" {
  owner    = user.alice
  template = "vehicle"
  label    = "My Car"
  slots    = { vin = "V1" }
}
`
	t.Run("references wait, the rest keeps the written order", func(t *testing.T) {
		// The gone check is written first but names the delete; the read
		// is written before the delete and stays before it.
		_, text := mustCompile(t, Options{}, alicebob+item+`
scenario "order" {
  expect "gone" { gone = share.s }
  share "s" {
    item = item.car
    to   = user.bob
  }
  expect "reads" {
    share  = share.s
    values = { vin = "V1" }
  }
  delete "d" {
    share = share.s
    by    = user.bob
  }
}`)
		want := []string{
			"users Alice and Bob are registered",
			"Alice and Bob are connected",
			`Alice has a "vehicle" item "My Car" with:`,
			`Alice shares "My Car" with Bob`,
			`Bob sees the share of "My Car" from Alice with:`,
			`Bob deletes the share of "My Car" to Bob`,
			`the share of "My Car" to Bob is gone for Alice and Bob`,
		}
		if got := stepsOf(text); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("after forces an order", func(t *testing.T) {
		_, text := mustCompile(t, Options{}, alicebob+`
scenario "after" {
  item "van" {
    owner    = user.alice
    template = "vehicle"
    label    = "Van"
    slots    = { vin = "V2" }
    after    = item.car
  }
  item "car" {
    owner    = user.alice
    template = "vehicle"
    label    = "Car"
    slots    = { vin = "V1" }
  }
}`)
		steps := stepsOf(text)
		if !strings.Contains(steps[2], `"Car"`) || !strings.Contains(steps[3], `"Van"`) {
			t.Errorf("after did not order the items: %q", steps)
		}
	})
	t.Run("a share waits for its connection", func(t *testing.T) {
		_, text := mustCompile(t, Options{}, `
user "alice" {}
user "bob" {}
`+item+`
scenario "late connection" {
  share "s" {
    item = item.car
    to   = user.bob
  }
  connection "ab" {
    from = user.bob
    to   = user.alice
  }
}`)
		steps := stepsOf(text)
		if steps[len(steps)-2] != "Bob and Alice are connected" {
			t.Errorf("steps %q: the connection must come before the share", steps)
		}
	})
}

func TestDefaultsAndCount(t *testing.T) {
	_, text := mustCompile(t, Options{}, `
user "jane_doe" {}
user "guest" {
  count = 2
  name  = "Visitor"
}
connection "c" {
  from = user.jane_doe
  to   = user.guest
}
item "my_car" {
  owner    = user.jane_doe
  template = "vehicle"
  slots    = { vin = "V" }
}
scenario "defaults" {
  share "s" {
    item = item.my_car
    to   = user.guest[1]
  }
  expect "e" {
    user        = user.guest[1]
    cannot_read = item.my_car
  }
}`)
	for _, want := range []string{
		"users JaneDoe, Visitor1 and Visitor2 are registered",
		`JaneDoe has a "vehicle" item "My Car" with:`,
		"JaneDoe and Visitor2 are connected",
		`JaneDoe shares "My Car" with Visitor2`,
		`Visitor2 cannot read JaneDoe's item "My Car"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestTheyPronoun(t *testing.T) {
	_, text := mustCompile(t, Options{}, `
user "alice" {}
user "bob" {}
user "sam" {}
connection "c" {
  from = user.bob
  to   = [user.alice, user.sam]
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  slots    = { vin = "V" }
}
scenario "they" {
  share "s" {
    item      = item.car
    to        = user.bob
    onsharing = true
  }
  share "t" {
    from_share = share.s
    to         = user.sam
  }
  expect "i" {
    item   = item.car
    values = { vin = "V" }
  }
}`)
	for _, want := range []string{`Bob shares the "Car" they received from Alice with Sam`, `Alice sees their item "Car" with:`} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestVariables(t *testing.T) {
	src := `
variable "pw" { default = "default-password" }
variable "plate" {}
user "alice" { password = var.pw }
user "bob" {}
connection "c" {
  from = user.alice
  to   = user.bob
}
item "car" {
  owner    = user.alice
  template = "vehicle"
  slots = {
    plate = var.plate
    owner = env("CAR_OWNER", "nobody")
    vin   = upper(env("CAR_VIN"))
  }
}
scenario "vars" {
  share "s" {
    item = item.car
    to   = user.bob
  }
}`
	env := func(k string) (string, bool) {
		if k == "CAR_VIN" {
			return "abc123", true
		}
		return "", false
	}
	_, text := mustCompile(t, Options{Vars: map[string]string{"plate": "XYZ-9", "pw": "override-pw"}, LookupEnv: env}, src)
	for _, want := range []string{`Alice registers with password "override-pw"`, "| plate | XYZ-9 ", "| owner | nobody ", "| vin   | ABC123 "} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	errs := compileErrs(t, Options{Vars: map[string]string{"plate": "P", "nosuch": "x"}, LookupEnv: env}, src)
	if !strings.Contains(errs, `--var nosuch: no scenario file declares a variable named "nosuch"`) {
		t.Errorf("unused -var not reported:\n%s", errs)
	}
	errs = compileErrs(t, Options{LookupEnv: env}, src)
	if !strings.Contains(errs, `Variable "plate" has no default`) {
		t.Errorf("variable without value not reported:\n%s", errs)
	}
}

func TestFileFunction(t *testing.T) {
	src := func(name string) string {
		return alicebob + `
scenario "file" {
  item "car" {
    owner    = user.alice
    template = "vehicle"
    slots    = { vin = trimspace(file("` + name + `")) }
  }
}`
	}
	fsys := fstest.MapFS{
		"sub/t.hcl":   {Data: []byte(src("vin.txt"))},
		"sub/vin.txt": {Data: []byte("5YJ3E1EA7KF317000\n")},
		"secret.txt":  {Data: []byte("outside")},
	}
	set, diags := loadFiles(Options{FS: fsys}, "", "sub/t.hcl")
	if len(diags) > 0 {
		t.Fatalf("FS load: %v", diags)
	}
	if !strings.Contains(string(set.Features()[0].Contents), "| vin  | 5YJ3E1EA7KF317000 |") {
		t.Errorf("file() in FS:\n%s", set.Features()[0].Contents)
	}
	fsys["sub/t.hcl"] = &fstest.MapFile{Data: []byte(src("../secret.txt"))}
	if set, diags := loadFiles(Options{FS: fsys}, "", "sub/t.hcl"); len(diags) > 0 || !strings.Contains(string(set.Features()[0].Contents), "| vin  | outside |") {
		t.Errorf("file() of a sibling folder in the FS: %v", diags)
	}
	fsys["sub/t.hcl"] = &fstest.MapFile{Data: []byte(src("../../etc/passwd"))}
	if _, diags := loadFiles(Options{FS: fsys}, "", "sub/t.hcl"); !strings.Contains(diags.Error(), "leaves the scenarios' file system") {
		t.Errorf("file() escaping the FS root: %v", diags)
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "vin.txt"), []byte("  OSVIN  "), 0o644)
	os.WriteFile(filepath.Join(dir, "t.hcl"), []byte(src("vin.txt")), 0o644)
	set, diags = loadFiles(Options{}, "", dir)
	if len(diags) > 0 {
		t.Fatalf("OS load: %v", diags)
	}
	if !strings.Contains(string(set.Features()[0].Contents), "| vin  | OSVIN |") {
		t.Errorf("file() on the OS, relative to the .hcl file:\n%s", set.Features()[0].Contents)
	}
}

// TestSecretsNotShown checks that a value never reaches a diagnostic: hcl's
// own writer prints the variables of a failing expression, ours must not.
func TestSecretsNotShown(t *testing.T) {
	const secret = "hunter2-very-secret"
	src := `
variable "pw" {}
user "alice" { password = var.pw * 2 }
scenario "s" {
  user "bob" {}
}`
	set, diags := Options{Vars: map[string]string{"pw": secret}}.Compile(Source{Name: "t.hcl", Src: []byte(src)})
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	for _, d := range diags {
		if strings.Contains(FormatDiagnostic(d), secret) || strings.Contains(Excerpt(set.Files(), d.Subject), secret) {
			t.Errorf("FormatDiagnostic or Excerpt shows the secret: %s", FormatDiagnostic(d))
		}
	}
	shown := false
	for _, d := range diags {
		shown = shown || strings.Contains(Excerpt(set.Files(), d.Subject), "var.pw * 2")
	}
	if !shown {
		t.Errorf("no excerpt shows the source line")
	}
	var raw strings.Builder
	hcl.NewDiagnosticTextWriter(&raw, set.Files(), 100, false).WriteDiagnostics(diags)
	if !strings.Contains(raw.String(), secret) {
		t.Skip("hcl's writer no longer prints values; nothing left to redact in WriteDiagnostics") // keeps the test honest
	}
	var ours strings.Builder
	if err := WriteDiagnostics(&ours, set.Files(), diags, false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ours.String(), secret) {
		t.Errorf("WriteDiagnostics shows the secret:\n%s", ours.String())
	}
	if !strings.Contains(ours.String(), "t.hcl line 3") {
		t.Errorf("WriteDiagnostics lost the excerpt:\n%s", ours.String())
	}
}

func TestSourceLineEdges(t *testing.T) {
	set := loadExample(t, "sharing.hcl")
	text := set.Features()[0].Contents
	for _, line := range []int{0, -1, 3, 100000} {
		if f, l, ok := SourceLine(text, line); ok && line != 3 {
			t.Errorf("SourceLine(%d) = %s:%d, want none", line, f, l)
		}
	}
	if _, _, ok := SourceLine(text, 2); ok {
		t.Error("the Feature line has no block comment above it")
	}
}

func TestDeterministic(t *testing.T) {
	a := loadExample(t, "lifecycle.hcl").Features()[0].Contents
	for range 5 {
		if b := loadExample(t, "lifecycle.hcl").Features()[0].Contents; string(a) != string(b) {
			t.Fatal("two compilations differ")
		}
	}
}

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }

// loadFiles compiles the .hcl files named by paths (folders walked whole)
// in opts.FS, or on the operating system when it is nil, each named
// prefix/path as the loader would show it.
func loadFiles(opts Options, prefix string, paths ...string) (*Set, hcl.Diagnostics) {
	var srcs []Source
	for _, p := range paths {
		var files []string
		visit := func(q string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(q, Ext) {
				files = append(files, q)
			}
			return err
		}
		if opts.FS != nil {
			fs.WalkDir(opts.FS, p, visit)
		} else {
			filepath.WalkDir(p, visit)
		}
		for _, f := range files {
			var src []byte
			if opts.FS != nil {
				src, _ = fs.ReadFile(opts.FS, f)
			} else {
				src, _ = os.ReadFile(f)
			}
			name := f
			if prefix != "" {
				name = path.Join(prefix, f)
			}
			srcs = append(srcs, Source{Name: name, Path: f, Src: src})
		}
	}
	return opts.Compile(srcs...)
}

// TestLongValues checks that a value that would compile into a line
// Gherkin cannot read (64 KiB, where its parser panics) is a diagnostic at
// the value, whichever way it reaches the feature.
func TestLongValues(t *testing.T) {
	long := strings.Repeat("x", 70000)
	tags := `"` + strings.Repeat("t", 40000) + `", "` + strings.Repeat("u", 40000) + `"`
	src := `description = "` + long + `"
tags = [` + tags + `]
user "alice" { password = "` + long + `" }
item "car" {
  owner    = user.alice
  template = "vehicle"
  slots    = { vin = "` + long + `" }
}
scenario "` + long + `" {
  user "bob" {}
}
`
	_, diags := Options{}.Compile(Source{Name: "t.hcl", Src: []byte(src)})
	lines := map[int]string{}
	for _, d := range diags {
		if d.Subject == nil || d.Summary == internalError {
			t.Fatalf("%s", FormatDiagnostic(d))
		}
		lines[d.Subject.Start.Line] = d.Summary + ": " + d.Detail
		if len(FormatDiagnostic(d)) > 500 {
			t.Errorf("diagnostic of %d bytes", len(FormatDiagnostic(d)))
		}
	}
	for line, want := range map[int]string{1: "more than the", 2: "Too many tags", 3: "bytes long, more than", 7: "bytes long, more than", 9: "Invalid scenario name"} {
		if !strings.Contains(lines[line], want) {
			t.Errorf("line %d: %q, want %q (all: %v)", line, lines[line], want, lines)
		}
	}
}
