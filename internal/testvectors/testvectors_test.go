package testvectors

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestVectorsUnchanged checks every vector file against the sha256 its
// README records, so that an edit to Meeco's vectors (or a line-ending
// conversion on checkout) fails instead of quietly changing what the tests
// check.
func TestVectorsUnchanged(t *testing.T) {
	dir := Dir(t)
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| `([^`]+\\.json)` \\| `([0-9a-f]{64})` \\|$").FindAllStringSubmatch(string(readme), -1)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 || len(rows) != len(files) {
		t.Fatalf("README lists %d sha256 rows for %d vector files, want one row per file", len(rows), len(files))
	}
	for _, row := range rows {
		data, err := os.ReadFile(Path(t, row[1]))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != row[2] {
			t.Errorf("%s: sha256 %s, want %s (the README's): the vectors must stay byte-identical to Meeco's", row[1], got, row[2])
		}
	}
}

func TestPathFindsTheInRepoCopy(t *testing.T) {
	p := Path(t, "meeco-crypto.json")
	want, err := filepath.Abs(filepath.Join("..", "..", "testdata", "vectors", "meeco-crypto.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p != want {
		t.Fatalf("Path = %s, want %s", p, want)
	}
}
