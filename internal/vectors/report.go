package vectors

import (
	"fmt"
	"io"
)

// Failure is one case that did not verify.
type Failure struct {
	Group  string
	Index  int
	Note   string
	Reason error
}

// Group is the outcome of one array of cases.
type Group struct {
	Name     string
	Total    int
	Failures []Failure
}

// Passed is the number of cases of the group that verified.
func (g *Group) Passed() int { return g.Total - len(g.Failures) }

// Report is the outcome of checking one file.
type Report struct {
	Path   string
	Groups []*Group
}

// Counts returns how many cases passed and failed in all groups.
func (r *Report) Counts() (passed, failed int) {
	for _, g := range r.Groups {
		passed += g.Passed()
		failed += len(g.Failures)
	}
	return passed, failed
}

// Write prints one line per group ("aes256gcm: 13/13") and one indented line
// per failing case, naming group, index and note with the reason.
func (r *Report) Write(w io.Writer) {
	for _, g := range r.Groups {
		fmt.Fprintf(w, "%s: %d/%d\n", g.Name, g.Passed(), g.Total)
		for _, f := range g.Failures {
			if f.Note != "" {
				fmt.Fprintf(w, "  FAIL %s[%d] (%s): %v\n", f.Group, f.Index, f.Note, f.Reason)
			} else {
				fmt.Fprintf(w, "  FAIL %s[%d]: %v\n", f.Group, f.Index, f.Reason)
			}
		}
	}
}

// check runs fn on each case of a group and collects the failures. A panic in
// a check is a bug in vaultcheck, but one bad case must not hide the others,
// so it is reported as that case's failure.
func check[C any](name string, cases []C, note func(C) string, fn func(C) error) *Group {
	g := &Group{Name: name, Total: len(cases)}
	for i, c := range cases {
		if err := safely(func() error { return fn(c) }); err != nil {
			g.Failures = append(g.Failures, Failure{Group: name, Index: i, Note: note(c), Reason: err})
		}
	}
	return g
}

func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (panic): %v", r)
		}
	}()
	return fn()
}
