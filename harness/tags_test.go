package harness

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestParseTags(t *testing.T) {
	tests := []struct {
		in   string
		want string // godog filter; "ERR" = an error wrapping ErrBadTags
	}{
		{"", ""},
		{"   ", ""},
		{"@a", "@a"},
		{"a", "@a"}, // godog accepts tags without "@"
		{"@a&&~@b,@c", "@a&&~@b,@c"},
		{" @a , @b ", "@a,@b"},
		{"~@wip&&~@slow", "~@wip&&~@slow"},
		{"@a && ~ @b", "@a&&~@b"},
		{"not @a", "~@a"},
		{"@a and @b", "@a&&@b"},
		{"@a or @b", "@a,@b"},
		{"@a and not @b or @c", "@a&&~@b,@c"},
		{"@c or @a and not @b", "@c,@a&&~@b"},
		{"not (@a or @b)", "~@a&&~@b"},
		{"not (@a and @b)", "~@a,~@b"},
		{"(@a or @b) and @c", "@a&&@c,@b&&@c"},
		{"@a and (@b or @c)", "@a&&@b,@a&&@c"},
		{"not not @a", "@a"},
		{"((@a))", "@a"},
		{"@a or @a", "@a"},
		{"@a and @a", "@a"},
		{"@a and @b or @b and @a", "@a&&@b"},
		{"@a or not @a", "@a,~@a"},
		{"not (@a and not @a)", "~@a,@a"}, // always true, and godog agrees
		{"@smoke-test and not @v1.2", "@smoke-test&&~@v1.2"},
		{"@a and not @a", "ERR"}, // can never match
		{"@a&&~@a", "ERR"},
		{"(@a or @b) and not @a and not @b", "ERR"},
		{"@a&&", "ERR"}, // panics godog
		{"&&@a", "ERR"},
		{"@a,,@b", "ERR"},
		{",", "ERR"},
		{"@a,", "ERR"},
		{"~", "ERR"},
		{"@", "ERR"},
		{"@a b", "ERR"},
		{"@a&b", "ERR"},
		{"@a and", "ERR"},
		{"and @a", "ERR"},
		{"@a or or @b", "ERR"},
		{"(@a", "ERR"},
		{"@a)", "ERR"},
		{"()", "ERR"},
		{"not", "ERR"},
		{"@a @b", "ERR"},
		{"(@a) @b", "ERR"},
		{"a and b", "ERR"}, // cucumber tags need "@"
		{"@a and @b@c", "ERR"},
		{"@a && not @b", "ERR"}, // mixed syntaxes
		{"@a and @b,@c", "ERR"},
		{"(@a)&&@b", "ERR"},
		{"@a AND @b", "ERR"}, // operators are lower case; "AND" reads as a tag without "@"
		{"(@a or @b) and (@c or @d) and (@e or @f) and (@g or @h) and (@i or @j) and (@k or @l) and (@m or @n) and (@o or @p) and (@q or @r)", "ERR"},
	}
	for _, tt := range tests {
		got, err := ParseTags(tt.in)
		if tt.want == "ERR" {
			if !errors.Is(err, ErrBadTags) {
				t.Errorf("ParseTags(%q) = %q, %v; want an ErrBadTags error", tt.in, got.String(), err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTags(%q): %v", tt.in, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("ParseTags(%q) = %q, want %q", tt.in, got.String(), tt.want)
		}
	}
}

func TestParseTagsErrorNamesInput(t *testing.T) {
	_, err := ParseTags("@a && not @b")
	if err == nil || !strings.Contains(err.Error(), `"@a && not @b"`) || !strings.Contains(err.Error(), "one syntax") {
		t.Fatalf("err=%v, want the input and a hint", err)
	}
}

// behatMatch is godog's documented filter semantics, written out
// independently: "," separates alternatives, "&&" joins conditions, "~"
// negates, and "@" is optional.
func behatMatch(filter string, tags map[string]bool) bool {
	if filter == "" {
		return true
	}
	for alt := range strings.SplitSeq(filter, ",") {
		ok := true
		for cond := range strings.SplitSeq(alt, "&&") {
			cond = strings.ReplaceAll(strings.TrimSpace(cond), "@", "")
			neg := strings.HasPrefix(cond, "~")
			if tags[strings.TrimPrefix(cond, "~")] == neg {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// expr is a random cucumber tag expression with its own evaluator.
type expr struct {
	op   string // "tag", "not", "and", "or"
	name string
	l, r *expr
}

func (e *expr) String() string {
	switch e.op {
	case "tag":
		return "@" + e.name
	case "not":
		return "not (" + e.l.String() + ")"
	}
	return "(" + e.l.String() + " " + e.op + " " + e.r.String() + ")"
}

func (e *expr) eval(tags map[string]bool) bool {
	switch e.op {
	case "tag":
		return tags[e.name]
	case "not":
		return !e.l.eval(tags)
	case "and":
		return e.l.eval(tags) && e.r.eval(tags)
	}
	return e.l.eval(tags) || e.r.eval(tags)
}

func randExpr(r *rand.Rand, depth int) *expr {
	if depth == 0 || r.IntN(3) == 0 {
		return &expr{op: "tag", name: string(rune('a' + r.IntN(3)))}
	}
	switch r.IntN(3) {
	case 0:
		return &expr{op: "not", l: randExpr(r, depth-1)}
	case 1:
		return &expr{op: "and", l: randExpr(r, depth-1), r: randExpr(r, depth-1)}
	}
	return &expr{op: "or", l: randExpr(r, depth-1), r: randExpr(r, depth-1)}
}

// TestParseTagsAgreesWithEvaluation checks on random expressions that the
// DNF, both through Match and through the godog filter it renders, selects
// exactly the tag sets the expression is true for.
func TestParseTagsAgreesWithEvaluation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		e := randExpr(r, 4)
		src := e.String()
		got, err := ParseTags(src)
		always, never := true, true
		for mask := range 8 {
			v := e.eval(tagSet(mask))
			always, never = always && v, never && !v
		}
		if never {
			if !errors.Is(err, ErrBadTags) {
				t.Fatalf("#%d %s matches nothing, want ErrBadTags, got %q, %v", i, src, got.String(), err)
			}
			continue
		}
		if err != nil {
			if strings.Contains(err.Error(), "alternatives") {
				continue // over the size cap
			}
			t.Fatalf("#%d ParseTags(%s): %v", i, src, err)
		}
		if got.IsZero() && !always {
			t.Fatalf("#%d %s: zero Tags for a non-tautology", i, src)
		}
		for mask := range 8 {
			tags := tagSet(mask)
			want := e.eval(tags)
			var list []string
			for n := range tags {
				list = append(list, "@"+n)
			}
			if m := got.Match(list); m != want {
				t.Fatalf("#%d %s on %v: Match=%v, want %v (dnf %q)", i, src, list, m, want, got.String())
			}
			if m := behatMatch(got.String(), tags); m != want {
				t.Fatalf("#%d %s on %v: godog filter %q matches %v, want %v", i, src, list, got.String(), m, want)
			}
		}
	}
}

func tagSet(mask int) map[string]bool {
	m := map[string]bool{}
	for i, n := range []string{"a", "b", "c"} {
		if mask&(1<<i) != 0 {
			m[n] = true
		}
	}
	return m
}

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{"@a&&~@b,@c", "not (@a or @b) and @c", "@a&&", "((", "@a and not @a", "~@x,@y&&@z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTags(s)
		if err != nil {
			if !errors.Is(err, ErrBadTags) {
				t.Fatalf("error %v does not wrap ErrBadTags", err)
			}
			return
		}
		// The rendered filter is valid godog syntax and means the same.
		again, err := ParseTags(got.String())
		if err != nil {
			t.Fatalf("ParseTags(%q) -> %q, which does not parse: %v", s, got.String(), err)
		}
		if again.String() != got.String() {
			t.Fatalf("%q -> %q -> %q", s, got.String(), again.String())
		}
		if got.String() != "" && strings.ContainsAny(got.String(), " ()") {
			t.Fatalf("godog filter %q has spaces or parentheses", got.String())
		}
		_ = fmt.Sprint(got.Match([]string{"@a"}))
	})
}
