package suite

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestOutlineRowsNeedNames checks the problem of an outline whose rows
// run under one name: a constant title, or rows that repeat each other.
// Rows named apart, a Scenario with Examples and a plain scenario pass.
func TestOutlineRowsNeedNames(t *testing.T) {
	src := "Feature: f\n" +
		"  Scenario Outline: constant\n    Given <who> is a registered user\n\n    Examples:\n      | who   |\n      | Alice |\n      | Bob   |\n\n" + // 2; rows 7, 8
		"  Scenario Outline: named <who>\n    Given <who> is a registered user\n\n    Examples: one\n      | who   |\n      | Alice |\n\n" + // 10
		"    @two\n    Examples: two\n      | who   |\n      | Bob   |\n      | Alice |\n\n" + // rows 20, 21: Alice again
		"  Scenario Outline: fine <who>\n    Given <who> is a registered user\n\n    Examples:\n      | who   |\n      | Alice |\n      | Bob   |\n\n" +
		"  Scenario: plain\n    Given Alice is a registered user\n"
	s := load(t, Options{FS: fstest.MapFS{"f.feature": {Data: []byte(src)}}, Paths: []string{"f.feature"}})
	probs := s.Check()
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{
		`f.feature:2: outline rows share a name: the example rows at lines 7, 8 all run as "constant"; put a <column> in the title`,
		`f.feature:10: outline rows share a name: the example rows at lines 15, 21 all run as "named Alice"`,
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n%s\nwant it to start with\n%s", i, got[i], want[i])
		}
	}
}
