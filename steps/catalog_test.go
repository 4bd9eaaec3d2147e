package steps

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite CATALOG.md")

// TestCatalogIsCurrent fails when CATALOG.md no longer matches the step
// table; go test ./steps -run Catalog -update rewrites it.
func TestCatalogIsCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCatalog(&b); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("CATALOG.md", b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile("CATALOG.md")
	if err != nil {
		t.Fatalf("CATALOG.md: %v (run go test ./steps -run Catalog -update)", err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatal("CATALOG.md is stale: run go test ./steps -run Catalog -update")
	}
	for _, d := range table {
		if p := d.Phrase(); strings.ContainsAny(p, `\^$`) || strings.Contains(p, "(?") {
			t.Errorf("phrase of %s still shows regexp syntax: %s", d.ID, p)
		}
		if d.Doc == "" {
			t.Errorf("step %s has no doc", d.ID)
		}
	}
}
