package hclscenario

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/vaultcheck/vaultcheck/steps"
)

// roundTrip is one generated file: the values written into it, each under
// a field name, and the file.
type roundTrip struct {
	vals map[string]string // field -> the value as HCL holds it (NFC)
	lits map[string]string // field -> the HCL literal written
	src  string
}

// roundTripFields are the values a generated file carries, and whether a
// step holds each one in quotes (text) or in a table cell.
var roundTripFields = []struct {
	name string
	cell bool
	// blank says an all-blank value is refused by the checker (the
	// attribute must not be empty), not by the phrase.
	blank bool
}{
	{"password", false, false},
	{"template", false, true},
	{"label", false, true},
	{"vin", true, false},
	{"note", true, false},
	{"terms", false, true},
	{"newvin", false, false},
	{"form", false, true},
}

// hclLiteral writes s as an HCL string literal that evaluates to s:
// backslashes, quotes, line breaks and other control characters escaped,
// and template sequences doubled.
func hclLiteral(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func newRoundTrip(values ...string) roundTrip {
	rt := roundTrip{vals: map[string]string{}, lits: map[string]string{}}
	for i, f := range roundTripFields {
		v := strings.ToValidUTF8(values[i], "\uFFFD")
		rt.vals[f.name] = cty.NormalizeString(v)
		rt.lits[f.name] = hclLiteral(v)
	}
	l := rt.lits
	rt.src = `
user "alice" {
  pronoun  = "she"
  password = ` + l["password"] + `
}
user "bob" { pronoun = "he" }
connection "ab" {
  from = user.alice
  to   = user.bob
}
item "car" {
  owner    = user.alice
  template = ` + l["template"] + `
  label    = ` + l["label"] + `
  slots    = { vin = ` + l["vin"] + `, note = ` + l["note"] + ` }
}
scenario "round trip" {
  share "s" {
    item   = item.car
    to     = user.bob
    terms  = ` + l["terms"] + `
    accept = true
  }
  expect "sees" {
    share    = share.s
    values   = { vin = ` + l["vin"] + ` }
    dek_form = ` + l["form"] + `
  }
  update "u" {
    item  = item.car
    slots = { vin = ` + l["newvin"] + ` }
  }
}
`
	return rt
}

func (rt roundTrip) compile() (*Set, hcl.Diagnostics) {
	return Options{LookupEnv: noEnv}.Compile(Source{Name: "rt.hcl", Src: []byte(rt.src)})
}

// carriable reports whether the checker must accept the value of field f.
func carriable(f string, cell, blank bool, v string) bool {
	if blank && strings.TrimSpace(v) == "" {
		return false
	}
	if cell {
		return steps.CellProblem(v) == "" && len(v) < steps.MaxTableRow/2
	}
	if f == "password" && v == "" {
		return false
	}
	return steps.TextProblem(v) == "" && len(v) < steps.MaxStepText/2
}

// check compiles the file and checks the round trip: either every step
// matches one definition and reads back the values written in HCL (table
// cells as Gherkin and so godog read them), or every diagnostic points at
// a value the phrase cannot carry.
func (rt roundTrip) check(t *testing.T) {
	set, diags := rt.compile()
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Summary == internalError || d.Subject == nil {
				t.Fatalf("%s\n%s", FormatDiagnostic(d), rt.src)
			}
			lit := rt.src[d.Subject.Start.Byte:d.Subject.End.Byte]
			matched := false
			for _, f := range roundTripFields {
				if lit == rt.lits[f.name] && !carriable(f.name, f.cell, f.blank, rt.vals[f.name]) {
					matched = true
				}
			}
			if !matched {
				t.Fatalf("diagnostic about a value the steps can carry, or about something else:\n%s\nat %q\n%s", FormatDiagnostic(d), lit, rt.src)
			}
		}
		return
	}
	for _, f := range roundTripFields {
		if !carriable(f.name, f.cell, f.blank, rt.vals[f.name]) {
			t.Fatalf("%s %q cannot be carried, yet the file compiled:\n%s", f.name, rt.vals[f.name], set.Features()[0].Contents)
		}
	}
	text := set.Features()[0].Contents
	ids := &messages.Incrementing{}
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(text), ids.NewId)
	if err != nil {
		t.Fatalf("compiled Gherkin does not parse: %v\n%s", err, text)
	}
	v := rt.vals
	want := map[string][]steps.Args{
		"user.registers_with_password": {{"user": "Alice", "password": v["password"]}},
		"item.create":                  {{"owner": "Alice", "template": v["template"], "label": v["label"], steps.TableKey: [][]string{{"slot", "value"}, {"vin", v["vin"]}, {"note", v["note"]}}}},
		"share.item":                   {{"sender": "Alice", "label": v["label"], "recipient": "Bob", "terms": v["terms"], "again": false, "onsharing": false}},
		"share.accept":                 {{"recipient": "Bob", "label": v["label"], "sender": "Alice"}},
		"share.recipient_sees":         {{"recipient": "Bob", "label": v["label"], "sender": "Alice", steps.TableKey: [][]string{{"slot", "value"}, {"vin", v["vin"]}}}},
		"share.dek_form":               {{"label": v["label"], "recipient": "Bob", "form": v["form"]}},
		"item.change_slot":             {{"owner": "Alice", "slot": "vin", "label": v["label"], "value": v["newvin"]}},
	}
	seen := map[string]int{}
	for _, p := range gherkin.Pickles(*doc, "rt.hcl", ids.NewId) {
		for _, s := range p.Steps {
			hits := steps.Matching(s.Text)
			if len(hits) != 1 {
				t.Fatalf("step %q matches %d definitions", s.Text, len(hits))
			}
			d := hits[0]
			args, ok := d.Match(s.Text)
			if !ok {
				t.Fatalf("%s does not read back %q", d.ID, s.Text)
			}
			// godog passes the handler the pattern's groups: they must be
			// the captured values Match reads.
			groups := d.Pattern.FindStringSubmatch(s.Text)
			if groups == nil {
				t.Fatalf("%s's godog pattern does not match %q", d.ID, s.Text)
			}
			if s.Argument != nil && s.Argument.DataTable != nil {
				var cells [][]string
				for _, r := range s.Argument.DataTable.Rows {
					var row []string
					for _, c := range r.Cells {
						row = append(row, c.Value)
					}
					cells = append(cells, row)
				}
				args[steps.TableKey] = cells
			}
			wants, checked := want[d.ID]
			if !checked {
				continue
			}
			seen[d.ID]++
			if !reflect.DeepEqual(args, wants[0]) {
				t.Fatalf("%s: read back %q, want %q\nstep %q", d.ID, args, wants[0], s.Text)
			}
			for _, g := range groups[1:] {
				if strings.ContainsAny(g, `"`) {
					t.Fatalf("%s: godog group %q holds a quote", d.ID, g)
				}
			}
		}
	}
	for id := range want {
		if seen[id] == 0 {
			t.Fatalf("no %s step in the compiled feature:\n%s", id, text)
		}
	}
}

// TestRoundTripValues runs the round trip on values that %q or a naive
// writer would change, and on values no phrase can carry.
func TestRoundTripValues(t *testing.T) {
	carried := []string{`A\B`, "zero\u200bwidth", `C:\cars\new`, `%q and \n`, "Citroën 鍵 🚗", "tab\there", `${not} %{a} template`, "x|y", "'single'", "in\u00a0side"}
	for _, v := range carried {
		rt := newRoundTrip(v, v, v, v, v, v, v, v)
		rt.check(t)
		if _, diags := rt.compile(); diags.HasErrors() {
			t.Errorf("%q: does not compile: %v", v, diags)
		}
	}
	for _, v := range []string{`a "quoted" word`, "two\nlines", "bell\a", " padded", "", "   "} {
		rt := newRoundTrip(v, v, v, v, v, v, v, v)
		rt.check(t)
		if _, diags := rt.compile(); !diags.HasErrors() {
			t.Errorf("%q: compiles, but some field cannot carry it", v)
		}
	}
}

// FuzzRoundTrip generates scenario files with arbitrary values in every
// field a step carries and checks the round trip (see roundTrip.check).
func FuzzRoundTrip(f *testing.F) {
	f.Add("pw", "vehicle", "My Car", "5YJ3E1EA7KF317000", "note", "terms", "1HGCM82633A004352", "Rsa4096.<...>.QQUAAAAA")
	f.Add(`A\\B`, "v\u200b", `My "Car"`, `A\B`, "a|b", "t\n", "\u200b", `\`)
	f.Add("", " ", "\t", " x", "x ", "\u00a0", "\u2028", "\x00")
	f.Add("${x}", "%{if}", "$${", "%%{", "é", "e\u0301", "\ufeff", "\U0001F697")
	f.Fuzz(func(t *testing.T, password, template, label, vin, note, terms, newvin, form string) {
		for _, v := range []string{password, template, label, vin, note, terms, newvin, form} {
			if !utf8.ValidString(v) || len(v) > 4096 {
				t.Skip()
			}
		}
		newRoundTrip(password, template, label, vin, note, terms, newvin, form).check(t)
	})
}
