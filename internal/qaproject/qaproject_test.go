package qaproject

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFilesPinTheVersion(t *testing.T) {
	files, err := Files(Options{Version: "v1.4.2"})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]string{}
	for _, f := range files {
		byPath[f.Path] = string(f.Data)
	}
	wf := byPath[".github/workflows/vaultcheck.yml"]
	for _, want := range []string{"VAULTCHECK_VERSION: v1.4.2", "${{ secrets.VAULTCHECK_SUBSCRIPTION_KEY }}", "vaultcheck run features/ --target"} {
		if !strings.Contains(wf, want) {
			t.Errorf("workflow lacks %q:\n%s", want, wf)
		}
	}
	if !strings.Contains(byPath["README.md"], "vaultcheck v1.4.2") || strings.Contains(byPath["README.md"], "{{") {
		t.Errorf("README:\n%s", byPath["README.md"])
	}
	files, err = Files(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == ".github/workflows/vaultcheck.yml" && (!strings.Contains(string(f.Data), "VAULTCHECK_VERSION: latest") || !strings.Contains(string(f.Data), "pin VAULTCHECK_VERSION")) {
			t.Errorf("an unknown version is not said so:\n%s", f.Data)
		}
	}
}

func TestWriteRefusesExistingFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(dir, "README.md")
	os.WriteFile(readme, []byte("mine"), 0o644)
	_, err := Write(dir, Options{})
	var ee *ExistsError
	if !errors.As(err, &ee) || len(ee.Paths) != len(must(Files(Options{}))) || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("err = %v, want every file named", err)
	}
	if b, _ := os.ReadFile(readme); string(b) != "mine" {
		t.Fatal("a refused Write changed a file")
	}
	if _, err := Write(dir, Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(readme); string(b) == "mine" {
		t.Fatal("Force did not write")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
