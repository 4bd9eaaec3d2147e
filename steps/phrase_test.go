package steps

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// sampleArgs gives every parameter of d a value that exercises what a
// phrase must carry unchanged: backslashes, a zero-width space, non-ASCII
// letters, a tab, "%q"-like escapes.
func sampleArgs(d Definition, variant int) Args {
	args := Args{}
	texts := []string{`A\B`, "zero\u200bwidth", `C:\new %q \t`, "Citroën 鍵\tx", `\n is not a newline`}
	for i, p := range d.Params {
		text := texts[(i+variant)%len(texts)]
		switch p.Kind {
		case ParamName:
			args[p.Key] = []string{"Alice", "Bob", "Guest12", "Z"}[(i+variant)%4]
		case ParamNames:
			args[p.Key] = [][]string{{"Alice"}, {"Alice", "Bob"}, {"Alice", "Bob", "Jane"}}[variant%3]
		case ParamText:
			args[p.Key] = text
		case ParamAnyText:
			args[p.Key] = []string{"", text}[variant%2]
		case ParamNumber:
			args[p.Key] = []int{0, 1, 2, 4096}[(i+variant)%4]
		case ParamSlots:
			args[p.Key] = [][]string{{"vin"}, {"a b", `x\y`}, {"1", "2", "3"}}[variant%3]
		case ParamEnum, ParamToken:
			args[p.Key] = p.Values[variant%len(p.Values)]
		case ParamFlag:
			args[p.Key] = variant%2 == 0
		case ParamPronoun, ParamPossessive:
			args[p.Key] = pronouns[variant%3]
		}
		if p.Optional && p.Kind != ParamFlag && variant%3 == 1 {
			delete(args, p.Key)
		}
	}
	if d.Table != nil {
		args[TableKey] = [][]string{{"vin", `A\B|C`}, {"note", "two\nlines"}, {"zw", "\u200b"}}
	}
	if d.DocString {
		args[DocStringKey] = []string{"one line", "  indented\n\nafter an empty line\n\"\"\" and \\\"\"\"", "zero\u200bwidth\t| not | a table |", ""}[variant%4]
	}
	return args
}

// TestRenderMatchRoundTrip renders every definition with several sets of
// arguments and checks that the text matches that definition alone, that
// godog's pattern passes the handler what it should, and that Match reads
// back exactly the arguments rendered.
func TestRenderMatchRoundTrip(t *testing.T) {
	for _, d := range Definitions() {
		for variant := range 4 {
			args := sampleArgs(d, variant)
			st, err := d.Render(args)
			if err != nil {
				t.Errorf("%s: Render(%v): %v", d.ID, args, err)
				continue
			}
			if hits := Matching(st.Text); len(hits) != 1 || hits[0].ID != d.ID {
				var ids []string
				for _, h := range hits {
					ids = append(ids, h.ID)
				}
				t.Errorf("%s: %q matches %v, want only %s", d.ID, st.Text, ids, d.ID)
			}
			got, ok := d.Match(st.Text)
			if !ok {
				t.Errorf("%s: Match(%q) failed", d.ID, st.Text)
				continue
			}
			want := Args{}
			for k, v := range args {
				if k != TableKey && k != DocStringKey {
					want[k] = v
				}
			}
			for _, p := range d.Params {
				if p.Kind == ParamFlag {
					if _, given := want[p.Key]; !given {
						want[p.Key] = false
					}
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %q reads back as %v, want %v", d.ID, st.Text, got, want)
			}
			if d.Table != nil && !reflect.DeepEqual(st.Table[1:], args[TableKey]) {
				t.Errorf("%s: table %q, want %q", d.ID, st.Table, args[TableKey])
			}
			if d.DocString && st.DocString != args[DocStringKey] {
				t.Errorf("%s: doc string %q, want %q", d.ID, st.DocString, args[DocStringKey])
			}
		}
	}
}

// TestRenderedStepsParseAsGherkin writes rendered steps and tables into a
// feature and checks that Gherkin reads back the same text and cells.
func TestRenderedStepsParseAsGherkin(t *testing.T) {
	var b strings.Builder
	b.WriteString("Feature: f\n  Scenario: s\n")
	var want []Step
	for _, d := range Definitions() {
		for variant := range 4 {
			if variant > 0 && !d.DocString {
				break
			}
			st, err := d.Render(sampleArgs(d, variant))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, st)
			b.WriteString("    Given " + st.Text + "\n")
			for _, l := range TableLines(st.Table) {
				b.WriteString("      " + l + "\n")
			}
			if d.DocString {
				for _, l := range DocStringLines(st.DocString) {
					b.WriteString("      " + l + "\n")
				}
			}
		}
	}
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(strings.NewReader(b.String()), ids.NewId)
	if err != nil {
		t.Fatal(err)
	}
	pickles := gherkin.Pickles(*doc, "f", ids.NewId)
	if len(pickles) != 1 || len(pickles[0].Steps) != len(want) {
		t.Fatalf("pickles %d", len(pickles))
	}
	for i, ps := range pickles[0].Steps {
		if ps.Text != want[i].Text {
			t.Errorf("step %d: Gherkin reads %q, want %q", i, ps.Text, want[i].Text)
		}
		var cells [][]string
		if ps.Argument != nil && ps.Argument.DataTable != nil {
			for _, r := range ps.Argument.DataTable.Rows {
				var row []string
				for _, c := range r.Cells {
					row = append(row, c.Value)
				}
				cells = append(cells, row)
			}
		}
		if !reflect.DeepEqual(cells, want[i].Table) && (len(cells) > 0 || len(want[i].Table) > 0) {
			t.Errorf("step %d: Gherkin reads table %q, want %q", i, cells, want[i].Table)
		}
		var doc string
		if ps.Argument != nil && ps.Argument.DocString != nil {
			doc = ps.Argument.DocString.Content
		}
		if doc != want[i].DocString {
			t.Errorf("step %d: Gherkin reads doc string %q, want %q", i, doc, want[i].DocString)
		}
	}
}

// TestRenderRefuses checks every value a phrase cannot carry: each is an
// error naming the parameter, never a changed step.
func TestRenderRefuses(t *testing.T) {
	share, _ := Lookup("share.item")
	item, _ := Lookup("item.create")
	notes, _ := Lookup("item.change_slot_text")
	base := func() Args { return Args{"sender": "Alice", "label": "My Car", "recipient": "Bob"} }
	with := func(k string, v any) Args { a := base(); a[k] = v; return a }
	long := strings.Repeat("x", MaxStepText)
	tests := []struct {
		name  string
		d     Definition
		args  Args
		param string
		want  string
	}{
		{"quote", share, with("label", `say "hi"`), "label", "double quote"},
		{"newline", share, with("label", "a\nb"), "label", "several lines"},
		{"carriage return", share, with("terms", "a\rb"), "terms", "several lines"},
		{"control", share, with("label", "a\x00b"), "label", "U+0000"},
		{"bad utf8", share, with("label", "a\xffb"), "label", "UTF-8"},
		{"empty text", share, with("label", ""), "label", "is empty"},
		{"empty optional", share, with("terms", ""), "terms", "leave it out"},
		{"empty name", share, with("sender", ""), "sender", "is empty"},
		{"lower name", share, with("sender", "alice"), "sender", "display name"},
		{"two words", share, with("recipient", "Bob Smith"), "recipient", "display name"},
		{"missing", share, Args{"sender": "Alice", "label": "x"}, "recipient", "missing"},
		{"unknown key", share, with("term", "x"), "term", "not a parameter"},
		{"wrong type", share, with("again", "yes"), "again", "bool"},
		{"too long", share, with("label", long), "label", "bytes long"},
		{"table missing", item, Args{"owner": "Alice", "template": "vehicle", "label": "x"}, TableKey, "missing"},
		{"cell space", item, Args{"owner": "Alice", "template": "vehicle", "label": "x", TableKey: [][]string{{"vin", " V"}}}, TableKey, "white space"},
		{"cell nbsp", item, Args{"owner": "Alice", "template": "vehicle", "label": "x", TableKey: [][]string{{"vin", "V\u00a0"}}}, TableKey, "white space"},
		{"cell width", item, Args{"owner": "Alice", "template": "vehicle", "label": "x", TableKey: [][]string{{"vin"}}}, TableKey, "cells"},
		{"cell long", item, Args{"owner": "Alice", "template": "vehicle", "label": "x", TableKey: [][]string{{"vin", long + long}}}, TableKey, "bytes long"},
		{"doc string missing", notes, Args{"owner": "Alice", "slot": "notes", "label": "x"}, DocStringKey, "missing"},
		{"doc string not text", notes, Args{"owner": "Alice", "slot": "notes", "label": "x", DocStringKey: 3}, DocStringKey, "not a string"},
		{"doc string CR", notes, Args{"owner": "Alice", "slot": "notes", "label": "x", DocStringKey: "a\r\nb"}, DocStringKey, "carriage return"},
		{"doc string control", notes, Args{"owner": "Alice", "slot": "notes", "label": "x", DocStringKey: "a\x1bb"}, DocStringKey, "U+001B"},
		{"doc string for a step without one", share, with(DocStringKey, "x"), DocStringKey, "not a parameter"},
	}
	for _, tt := range tests {
		st, err := tt.d.Render(tt.args)
		var re *RenderError
		if !errors.As(err, &re) {
			t.Errorf("%s: Render = %q, %v; want a *RenderError", tt.name, st.Text, err)
			continue
		}
		if re.Param != tt.param || !strings.Contains(re.Problem, tt.want) || re.Step != tt.d.ID {
			t.Errorf("%s: error %+v, want param %s and %q", tt.name, re, tt.param, tt.want)
		}
		if v, ok := tt.args[tt.param].(string); ok && len(v) > 3 && strings.Contains(err.Error(), v) {
			t.Errorf("%s: the error shows the value: %v", tt.name, err)
		}
	}
	if _, err := Render("no.such.step", Args{}); err == nil {
		t.Error("Render of an unknown ID succeeded")
	}
}

// TestPluralAndPronoun checks the words chosen from other arguments.
func TestPluralAndPronoun(t *testing.T) {
	for _, tt := range []struct {
		id   string
		args Args
		want string
	}{
		{"connection.count", Args{"user": "Bob", "count": 1}, "Bob has 1 connection"},
		{"connection.count", Args{"user": "Bob", "count": 0}, "Bob has 0 connections"},
		{"share.received_items", Args{"user": "Bob", "count": 2, "from": "Alice"}, "Bob has 2 items received from Alice"},
		{"connection.delete", Args{"user": "Bob", "pronoun": "he", "other": "Alice"}, "Bob deletes his connection to Alice"},
		{"share.onshare", Args{"sender": "Bob", "label": "Car", "pronoun": "they", "from": "Alice", "recipient": "Jane"}, `Bob shares the "Car" they received from Alice with Jane`},
		{"item.create", Args{"owner": "Alice", "template": "vehicle", "label": "Car", TableKey: [][]string{{"vin", "V"}}}, `Alice has a "vehicle" item "Car" with:`},
		{"access.item_bad_token", Args{"owner": "Alice", "label": "Car", "token": "their old token", "status": 401}, `reading Alice's item "Car" with their old token is refused with status 401`},
		{"share.no_value_for", Args{"recipient": "Bob", "label": "Car", "slots": []string{"a", "b", "c"}}, `Bob's copy of "Car" holds no value for slots "a", "b" and "c"`},
		{"share.item", Args{"sender": "Alice", "slot": "vin", "label": "Car", "recipient": "Bob", "again": true, "terms": "t", "onsharing": true},
			`Alice shares slot "vin" of "Car" with Bob again with terms "t" allowing on-sharing`},
	} {
		st, err := Render(tt.id, tt.args)
		if err != nil || st.Text != tt.want {
			t.Errorf("Render(%s, %v) = %q, %v; want %q", tt.id, tt.args, st.Text, err, tt.want)
		}
	}
}

// TestTableLines checks the escaping and alignment of table rows, and that
// one long value does not pad every row.
func TestTableLines(t *testing.T) {
	got := TableLines([][]string{{"slot", "value"}, {"a|b", `c\d`}, {"n", "x\ny"}})
	want := []string{`| slot | value |`, `| a\|b | c\\d  |`, `| n    | x\ny  |`}
	if !slices.Equal(got, want) {
		t.Errorf("TableLines = %q, want %q", got, want)
	}
	long := strings.Repeat("v", 200)
	got = TableLines([][]string{{"slot", "value"}, {"a", long}})
	if got[0] != "| slot | value |" || len(got[1]) != len("| a    |  |")+len(long) {
		t.Errorf("a long cell pads the other rows: %q", got[0])
	}
}

// TestTemplatesRejectMistakes checks that a malformed template or a
// handler godog could not call stops the program at its start.
func TestTemplatesRejectMistakes(t *testing.T) {
	for _, tt := range []struct {
		name     string
		template string
		handler  any
	}{
		{"unclosed", `{user:name`, func() error { return nil }},
		{"unknown kind", `{user:nom}`, func(string) error { return nil }},
		{"two params in an option", `[{a:name} and {b:name}]`, func(string, string) error { return nil }},
		{"nested option", `[x [{a:text}]]`, func(string) error { return nil }},
		{"flag outside option", `{a:flag}`, func(string) error { return nil }},
		{"plural without number", `item{n:s}`, func() error { return nil }},
		{"too few args", `{a:name} and {b:name}`, func(string) error { return nil }},
		{"int for text", `{a:text}`, func(int) error { return nil }},
		{"no error", `{a:name}`, func(string) {}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: compiled without a panic", tt.name)
				}
			}()
			compileDefinition(Definition{ID: "t", Template: tt.template, handler: tt.handler})
		}()
	}
	d := compileDefinition(Definition{ID: "t", Template: `{a:name} has {n:number} item{n:s}`, handler: func(string, int) error { return nil }})
	if d.Pattern.String() != `^([A-Z][A-Za-z0-9]*) has (\d+) items?$` {
		t.Errorf("pattern %s", d.Pattern)
	}
}

// TestRenderedFeatureRoundTripsThroughBytes guards TableLines' escaping
// against the parser on values full of escapes.
func TestRenderedFeatureRoundTripsThroughBytes(t *testing.T) {
	values := []string{`\`, `\\`, `\|`, `|`, `\n`, "\n", `\t`, "a\tb", "\u200b", `%q`, "a\u2028b", "\u2028", " x", "x\u00a0"}
	rows := [][]string{{"slot", "value"}}
	for i, v := range values {
		rows = append(rows, []string{string(rune('a' + i)), v})
	}
	var b bytes.Buffer
	b.WriteString("Feature: f\n  Scenario: s\n    Given x\n")
	for _, l := range TableLines(rows) {
		b.WriteString("      " + l + "\n")
	}
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(&b, ids.NewId)
	if err != nil {
		t.Fatal(err)
	}
	got := doc.Feature.Children[0].Scenario.Steps[0].DataTable.Rows
	refused := 0
	for i, v := range values {
		c := got[i+1].Cells[1].Value
		switch {
		case CellProblem(v) != "":
			refused++
			if c == v {
				t.Errorf("CellProblem refuses %q, which reads back unchanged", v)
			}
		case c != v:
			t.Errorf("cell %q reads back as %q", v, c)
		}
	}
	if refused != 3 {
		t.Errorf("CellProblem refused %d values, want the 3 with white space around them", refused)
	}
}

// TestSuggest checks that a misspelt step is matched to the phrase meant.
func TestSuggest(t *testing.T) {
	for text, want := range map[string]string{
		`Alice sharez "My Car" with Bob`:                      "share.item",
		`Bob accept the share of "My Car" from Alice`:         "share.accept",
		`Alice registers with the password "x"`:               "user.registers_with_password",
		`the share of "Car" to Bob is gone for Alice and Bob`: "share.gone",
		`Alice has a "vehicle" item "Car"`:                    "item.create",
		`users Alice and Bob are registerd`:                   "users.registered",
		`Alice and Bob are conected`:                          "connection.connected",
		`every keypair Alice, Bob and Jane made is RSA-4096`:  "crypto.keypairs",
	} {
		got := Suggest(text, 3)
		if len(got) == 0 || got[0].ID != want {
			var ids []string
			for _, d := range got {
				ids = append(ids, d.ID)
			}
			t.Errorf("Suggest(%q) = %v, want %s first", text, ids, want)
		}
	}
	if got := Suggest("zzz qqq xxx yyy www vvv", 3); len(got) != 0 {
		t.Errorf("Suggest of nonsense = %d definitions, want none", len(got))
	}
}
