package results

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// ScenarioID is the stable id of a scenario: "FILE: NAME", and for a row
// of an outline "FILE: NAME [EXAMPLE]" with the row as ExampleKey renders
// it. It names the scenario by what the user wrote rather than by its line,
// so that it survives edits elsewhere in the file, and across runs: shards
// partition by it and merges join on it. Two scenarios of a file with the
// same id are told apart by Unique.
func ScenarioID(file, name, example string) string {
	id := file + ": " + name
	if example != "" {
		id += " [" + example + "]"
	}
	return id
}

// ExampleKey renders one Examples row of an outline for its scenario's id:
// "path=/a, code=200", prefixed "NAME: " when the Examples block has a
// name. Header cells and values are taken as written.
func ExampleKey(examplesName string, header, values []string) string {
	parts := make([]string, 0, len(values))
	for i, v := range values {
		h := fmt.Sprintf("column %d", i+1)
		if i < len(header) {
			h = header[i]
		}
		parts = append(parts, h+"="+v)
	}
	key := strings.Join(parts, ", ")
	if n := strings.TrimSpace(examplesName); n != "" {
		key = n + ": " + key
	}
	return key
}

// Unique makes ids unique in order: the second of two equal ids gets
// " #2", the third " #3", and so on.
func Unique(ids []string) []string {
	seen := map[string]int{}
	taken := map[string]bool{}
	for _, id := range ids {
		taken[id] = true
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		seen[id]++
		if seen[id] == 1 {
			out[i] = id
			continue
		}
		n := seen[id]
		cand := fmt.Sprintf("%s #%d", id, n)
		for taken[cand] {
			n++
			cand = fmt.Sprintf("%s #%d", id, n)
		}
		taken[cand] = true
		out[i] = cand
	}
	return out
}

// SourceFile is one file a run loaded scenarios from.
type SourceFile struct {
	Name     string
	Contents []byte
}

// SuiteDigest is "sha256:<hex>" over the files a run loaded, in name
// order: each file's name and the SHA-256 of its bytes, one line each.
// Runs with the same digest ran the same scenario files.
func SuiteDigest(files []SourceFile) string {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b SourceFile) int { return strings.Compare(a.Name, b.Name) })
	h := sha256.New()
	for _, f := range files {
		sum := sha256.Sum256(f.Contents)
		fmt.Fprintf(h, "%s  %s\n", hex.EncodeToString(sum[:]), f.Name)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// IDsDigest is "sha256:<hex>" over a set of scenario ids, sorted, one a
// line: shards record the digest of every id of the whole run, and a merge
// checks that its shards' ids add up to it.
func IDsDigest(ids []string) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	h := sha256.New()
	for _, id := range ids {
		h.Write([]byte(id))
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
