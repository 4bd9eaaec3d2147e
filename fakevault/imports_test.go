package fakevault

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestHoldsNoSecrets checks by reading the source that the fake cannot
// hold a private key or open ciphertext: no import of internal/keysource
// (directly or through a dependency), and no call to any cryppo function
// that decrypts, parses a private key or makes one. Test files are exempt:
// they play the client.
func TestHoldsNoSecrets(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	forbidden := func(name string) bool {
		return strings.HasPrefix(name, "Decrypt") || name == "ParsePrivateKeyPEM" || name == "GeneratePrivateKey" ||
			name == "NewPrivateKey" || name == "DeriveKey"
	}
	checked := 0
	fset := token.NewFileSet()
	for _, fn := range files {
		if strings.HasSuffix(fn, "_test.go") {
			continue
		}
		checked++
		f, err := parser.ParseFile(fset, fn, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		cryppoName := ""
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.Contains(p, "/internal/keysource") {
				t.Errorf("%s imports %s", fn, p)
			}
			if strings.HasSuffix(p, "/internal/cryppo") {
				cryppoName = "cryppo"
				if imp.Name != nil {
					cryppoName = imp.Name.Name
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && cryppoName != "" && id.Name == cryppoName && forbidden(sel.Sel.Name) {
				t.Errorf("%s: uses cryppo.%s", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	if checked < 10 {
		t.Fatalf("checked only %d files", checked)
	}

	// Transitively, through go list.
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "/internal/keysource") {
			t.Errorf("fakevault depends on %s", dep)
		}
	}
	if !strings.Contains(string(out), "/internal/srp") {
		t.Fatalf("go list -deps output looks wrong:\n%s", out)
	}
}
