package hclscenario

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/vaultcheck/vaultcheck/internal/requirements"
	"github.com/vaultcheck/vaultcheck/steps"
)

// decoder decodes one file: pass 1 declares every block (so references
// can point forward), pass 2 evaluates values and resolves references.
type decoder struct {
	f     *srcFile
	diags hcl.Diagnostics
}

func (d *decoder) add(sev hcl.DiagnosticSeverity, rng hcl.Range, summary, detail string) {
	r := rng
	d.diags = append(d.diags, &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: &r})
}

func (d *decoder) errf(rng hcl.Range, summary, format string, args ...any) {
	d.add(hcl.DiagError, rng, summary, fmt.Sprintf(format, args...))
}

// suggest returns ` Did you mean "x"?` for the candidate closest to name,
// when it is close enough to be a likely typo.
func suggest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if dist := levenshtein.Distance(name, c, nil); dist < bestD {
			best, bestD = c, dist
		}
	}
	if best == "" || bestD > max(2, len(name)/3) || bestD >= len(name) {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// declare runs pass 1 over a file body already split by the file schema.
func (d *decoder) declare(content *hcl.BodyContent) {
	f := d.f
	f.bg = &scope{named: map[string]*block{}}
	seenScenario := map[string]hcl.Range{}
	for _, hb := range content.Blocks {
		switch hb.Type {
		case kVariable:
			// handled by loadVariables
		case kScenario:
			name := hb.Labels[0]
			if prev, dup := seenScenario[name]; dup {
				d.errf(hb.LabelRanges[0], "Duplicate scenario", "A scenario named %q is already declared at %s.", name, short(prev))
				continue
			}
			seenScenario[name] = hb.DefRange
			if strings.TrimSpace(name) == "" || strings.ContainsAny(name, "\r\n") || hasControl(name) {
				d.errf(hb.LabelRanges[0], "Invalid scenario name", "A scenario name must be one line of text that is not empty.")
			} else if len(name) > steps.MaxStepText {
				d.errf(hb.LabelRanges[0], "Invalid scenario name", "The name is %d bytes long, more than the %d a line of Gherkin may hold.", len(name), steps.MaxStepText)
			}
			sc := &scenario{name: name, def: hb.DefRange}
			sc.scope = &scope{parent: f.bg, named: map[string]*block{}}
			body, diags := hb.Body.Content(specOf(kScenario).hclSchema())
			d.diags = append(d.diags, diags...)
			if a := body.Attributes["description"]; a != nil {
				sc.description, _ = d.text(a)
			}
			if a := body.Attributes["tags"]; a != nil {
				sc.tags, _ = d.tags(a)
			}
			if a := body.Attributes["requirements"]; a != nil {
				sc.tags = append(sc.tags, d.requirements(a, sc.tags)...)
			}
			for _, inner := range body.Blocks {
				d.declareBlock(sc.scope, inner)
			}
			if len(body.Blocks) == 0 && !diags.HasErrors() {
				d.errf(hb.DefRange, "Empty scenario", "Scenario %q has no blocks, so it would check nothing.", name)
			}
			f.scenarios = append(f.scenarios, sc)
		default:
			d.declareBlock(f.bg, hb)
		}
	}
}

var labelRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func (d *decoder) declareBlock(s *scope, hb *hcl.Block) {
	name := hb.Labels[0]
	b := &block{kind: hb.Type, name: name, def: hb.DefRange, labelRange: hb.LabelRanges[0], scope: s, pos: hb.DefRange.Start.Byte}
	body, diags := hb.Body.Content(specOf(hb.Type).hclSchema())
	d.diags = append(d.diags, diags...)
	b.attrs = body.Attributes
	if diags.HasErrors() {
		b.bad = true
	}
	if !labelRe.MatchString(name) {
		d.errf(hb.LabelRanges[0], "Invalid name",
			"%q cannot be referenced as %s.%s: a name starts with a letter or _ and holds letters, digits, _ and -.", name, hb.Type, name)
		b.bad = true
	}
	if prev := s.lookup(b.kind, name); prev != nil {
		d.errf(hb.LabelRanges[0], "Duplicate "+b.kind,
			"A %s named %q is already declared at %s.", b.kind, name, short(prev.def))
		return
	}
	s.named[b.kind+"."+name] = b
	s.blocks = append(s.blocks, b)
}

// an puts the indefinite article before a kind: "an item", "a user".
func an(kind string) string {
	switch kind {
	case kItem, kAccept, kUpdate, kExpect:
		return "an " + kind
	}
	return "a " + kind
}

// short renders a range as file:line for messages.
func short(r hcl.Range) string { return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line) }

// ---- values ----

// eval evaluates a value attribute. Only var.<name> may be referenced:
// anything else is reported here, with a hint, rather than as an unknown
// variable.
func (d *decoder) eval(a *hcl.Attribute, want string) (cty.Value, bool) {
	ok := true
	for _, tr := range a.Expr.Variables() {
		root := tr.RootName()
		rng := tr.SourceRange()
		switch {
		case root == "var":
			if len(tr) < 2 {
				d.errf(rng, "Invalid reference", "Name a variable: var.<name>.")
				ok = false
				continue
			}
			at, isAttr := tr[1].(hcl.TraverseAttr)
			if !isAttr {
				d.errf(rng, "Invalid reference", "Name a variable: var.<name>.")
				ok = false
				continue
			}
			if _, known := d.f.vars[at.Name]; !known {
				var names []string
				for n := range d.f.vars {
					names = append(names, n)
				}
				slices.Sort(names)
				d.errf(rng, "Undeclared variable", "No variable named %q is declared in this file.%s", at.Name, suggest(at.Name, names))
				ok = false
			}
		case isKind(root) || root == kScenario:
			d.errf(rng, "Reference not allowed here", "%q takes %s, not a reference to %s.", a.Name, want, an(root))
			ok = false
		default:
			d.errf(rng, "Unknown variable", "There is no variable named %q. Values may use var.<name>.%s", root, suggest(root, []string{"var"}))
			ok = false
		}
	}
	if !ok {
		return cty.NilVal, false
	}
	v, diags := safeValue(a.Expr, d.f.ctx)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if v.IsNull() {
		d.errf(a.Expr.Range(), "Missing value", "%q must be %s, not null.", a.Name, want)
		return cty.NilVal, false
	}
	if !v.IsWhollyKnown() {
		d.errf(a.Expr.Range(), "Unknown value", "%q must be known when the file is checked.", a.Name)
		return cty.NilVal, false
	}
	return v, true
}

// safeValue evaluates an expression, turning a panic inside hcl or cty (a
// bug there, reached by some odd input) into a diagnostic: loading a file
// must never crash the program.
func safeValue(expr hcl.Expression, ctx *hcl.EvalContext) (v cty.Value, diags hcl.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			rng := expr.Range()
			v, diags = cty.NilVal, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot evaluate expression",
				Detail: "The expression could not be evaluated (internal error in the expression library).", Subject: &rng}}
		}
	}()
	return expr.Value(ctx)
}

func (d *decoder) convert(a *hcl.Attribute, rng hcl.Range, v cty.Value, ty cty.Type, want string) (cty.Value, bool) {
	out, err := convert.Convert(v, ty)
	if err != nil {
		d.errf(rng, "Incorrect value type", "%q must be %s, got %s.", a.Name, want, v.Type().FriendlyName())
		return cty.NilVal, false
	}
	if out.IsNull() {
		d.errf(rng, "Missing value", "%q must be %s, not null.", a.Name, want)
		return cty.NilVal, false
	}
	return out, true
}

// rawString evaluates a string attribute without checking what the
// Gherkin can carry.
func (d *decoder) rawString(a *hcl.Attribute) (string, bool) {
	v, ok := d.eval(a, "a string")
	if !ok {
		return "", false
	}
	s, ok := d.convert(a, a.Expr.Range(), v, cty.String, "a string")
	if !ok {
		return "", false
	}
	return s.AsString(), true
}

// str evaluates a string that a step carries; whether the step's phrase
// can carry it is for the step table to say when the step is written.
func (d *decoder) str(a *hcl.Attribute) (string, bool) { return d.rawString(a) }

// nonEmpty is str for values that must not be blank.
func (d *decoder) nonEmpty(a *hcl.Attribute) (string, bool) {
	s, ok := d.str(a)
	if ok && strings.TrimSpace(s) == "" {
		d.errf(a.Expr.Range(), "Empty value", "%q must not be empty.", a.Name)
		return "", false
	}
	return s, ok
}

func (d *decoder) text(a *hcl.Attribute) (string, bool) {
	s, ok := d.rawString(a)
	if !ok {
		return "", false
	}
	if p := textProblem(s); p != "" {
		d.errf(a.Expr.Range(), "Text cannot be carried by Gherkin", "%q %s.", a.Name, p)
		return "", false
	}
	return strings.TrimSpace(s), true
}

func (d *decoder) boolean(a *hcl.Attribute) (bool, bool) {
	v, ok := d.eval(a, "true or false")
	if !ok {
		return false, false
	}
	b, ok := d.convert(a, a.Expr.Range(), v, cty.Bool, "true or false")
	if !ok {
		return false, false
	}
	return b.True(), true
}

// isTrue decodes a check that can only be requested: false has no step,
// and silently dropping it would hide a check the author meant to make.
func (d *decoder) isTrue(a *hcl.Attribute) bool {
	b, ok := d.boolean(a)
	if ok && !b {
		d.errf(a.Expr.Range(), "Check cannot be false", "%s = false has no step; remove the line to skip the check.", a.Name)
		return false
	}
	return ok
}

func (d *decoder) count(a *hcl.Attribute, lo, hi int) (int, bool) {
	v, ok := d.eval(a, "a whole number")
	if !ok {
		return 0, false
	}
	n, ok := d.convert(a, a.Expr.Range(), v, cty.Number, "a whole number")
	if !ok {
		return 0, false
	}
	bf := n.AsBigFloat()
	i, acc := bf.Int64()
	if !bf.IsInt() || acc != 0 || i < int64(lo) || i > int64(hi) {
		d.errf(a.Expr.Range(), "Invalid number", "%q must be a whole number from %d to %d.", a.Name, lo, hi)
		return 0, false
	}
	return int(i), true
}

func (d *decoder) enum(a *hcl.Attribute, allowed []string) (string, bool) {
	s, ok := d.rawString(a)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, s) {
		d.errf(a.Expr.Range(), "Invalid value", "%q must be one of %s.%s", a.Name, quoteList(allowed), suggest(s, allowed))
		return "", false
	}
	return s, true
}

func (d *decoder) stringList(a *hcl.Attribute) ([]string, bool) {
	v, ok := d.eval(a, "a list of strings")
	if !ok {
		return nil, false
	}
	l, ok := d.convert(a, a.Expr.Range(), v, cty.List(cty.String), "a list of strings")
	if !ok {
		return nil, false
	}
	var out []string
	for it := l.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			d.errf(a.Expr.Range(), "Missing value", "%q must not hold null.", a.Name)
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

var tagRe = regexp.MustCompile(`^@?[A-Za-z0-9_][A-Za-z0-9_.:-]*$`)

func (d *decoder) tags(a *hcl.Attribute) ([]string, bool) {
	l, ok := d.stringList(a)
	if !ok {
		return nil, false
	}
	var out []string
	for _, t := range l {
		if !tagRe.MatchString(t) {
			d.errf(a.Expr.Range(), "Invalid tag", "Tag %q must be one word of letters, digits, _ . : and - (godog's --tags cannot select anything else).", t)
			ok = false
			continue
		}
		if _, _, err := requirements.ParseTag(t); err != nil {
			d.errf(a.Expr.Range(), "Unknown requirement", "Tag %q: %s (requirements = [...] is the place for requirement IDs)", t, err)
			ok = false
			continue
		}
		out = append(out, strings.TrimPrefix(t, "@"))
	}
	if n := len(strings.Join(out, " @")); ok && n > steps.MaxStepText {
		d.errf(a.Expr.Range(), "Too many tags", "The tags make a line of %d bytes, more than the %d a line of Gherkin may hold.", n, steps.MaxStepText)
		ok = false
	}
	return out, ok
}

// requirements reads a scenario's requirements = ["ID", "ID:neg"] into the
// tags they compile to (req:ID, req:ID:neg), with a diagnostic at each
// element that names no requirement of the catalogue. tags are the
// scenario's other tags, for the length of the tag line.
func (d *decoder) requirements(a *hcl.Attribute, tags []string) []string {
	l, ok := d.stringList(a)
	if !ok {
		return nil
	}
	// The element's own range where the list is written out, so that a
	// typo is pointed at; the whole expression otherwise.
	rangeOf := func(i int) hcl.Range {
		if t, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok && i < len(t.Exprs) {
			return t.Exprs[i].Range()
		}
		return a.Expr.Range()
	}
	var out []string
	seen := map[requirements.Ref]bool{}
	for i, s := range l {
		ref, err := requirements.ParseRef(strings.TrimPrefix(strings.TrimPrefix(s, "@"), requirements.TagPrefix))
		switch {
		case err != nil:
			msg := err.Error()
			if !strings.HasSuffix(msg, "?") {
				msg += "."
			}
			d.errf(rangeOf(i), "Unknown requirement", "%s", msg)
		case seen[ref]:
			d.errf(rangeOf(i), "Duplicate requirement", "%q is listed twice.", s)
		default:
			seen[ref] = true
			out = append(out, strings.TrimPrefix(ref.Tag(), "@"))
		}
	}
	if n := len(strings.Join(append(slices.Clone(tags), out...), " @")); n > steps.MaxStepText {
		d.errf(a.Expr.Range(), "Too many tags", "The tags and requirements make a line of %d bytes, more than the %d a line of Gherkin may hold.", n, steps.MaxStepText)
		return nil
	}
	return out
}

var slotNameRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// slotMap evaluates { slot = "value" } keeping the order written when the
// expression is an object literal (the tables then read like the source).
func (d *decoder) slotMap(a *hcl.Attribute) ([]slotValue, bool) {
	var out []slotValue
	ok := true
	add := func(key, val cty.Value, krng, vrng hcl.Range) {
		ks, kok := d.convert(a, krng, key, cty.String, "a slot name")
		vs, vok := d.convert(a, vrng, val, cty.String, "a string")
		if !kok || !vok {
			ok = false
			return
		}
		name, value := ks.AsString(), vs.AsString()
		if !slotNameRe.MatchString(name) {
			d.errf(krng, "Invalid slot name", "Slot name %q must hold only letters, digits, _ . and -.", name)
			ok = false
			return
		}
		for _, prev := range out {
			if prev.name == name {
				d.errf(krng, "Duplicate slot", "Slot %q is given twice.", name)
				ok = false
				return
			}
		}
		out = append(out, slotValue{name: name, value: value, rng: hcl.RangeBetween(krng, vrng), key: krng, val: vrng})
	}
	if obj, isObj := a.Expr.(*hclsyntax.ObjectConsExpr); isObj {
		for _, item := range obj.Items {
			ka := &hcl.Attribute{Name: a.Name, Expr: item.KeyExpr, Range: item.KeyExpr.Range()}
			va := &hcl.Attribute{Name: a.Name, Expr: item.ValueExpr, Range: item.ValueExpr.Range()}
			k, kok := d.evalKey(ka)
			v, vok := d.eval(va, "a string")
			if !kok || !vok {
				ok = false
				continue
			}
			add(k, v, item.KeyExpr.Range(), item.ValueExpr.Range())
		}
	} else {
		v, vok := d.eval(a, "a map of slot names to strings")
		if !vok {
			return nil, false
		}
		if !v.Type().IsObjectType() && !v.Type().IsMapType() {
			d.errf(a.Expr.Range(), "Incorrect value type", "%q must be a map of slot names to strings, got %s.", a.Name, v.Type().FriendlyName())
			return nil, false
		}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			add(k, e, a.Expr.Range(), a.Expr.Range())
		}
	}
	if ok && len(out) == 0 {
		d.errf(a.Expr.Range(), "Empty map", "%q must hold at least one slot.", a.Name)
		ok = false
	}
	return out, ok
}

// evalKey evaluates an object key: a bare word is the key itself.
func (d *decoder) evalKey(a *hcl.Attribute) (cty.Value, bool) {
	if w := hcl.ExprAsKeyword(a.Expr); w != "" {
		return cty.StringVal(w), true
	}
	return d.eval(a, "a slot name")
}

// ---- references ----

// target is one resolved reference: a block, and for users declared with
// count optionally one index.
type target struct {
	blk   *block
	index int // -1: the whole block
	rng   hcl.Range
}

func kindList(kinds []string) string {
	var parts []string
	for _, k := range kinds {
		parts = append(parts, k+".<name>")
	}
	return strings.Join(parts, " or ")
}

// refs resolves a reference attribute: one kind.name, or with many a list
// of them (a single reference is a list of one).
func (d *decoder) refs(b *block, a *hcl.Attribute, kinds []string, many bool) ([]target, bool) {
	exprs := []hcl.Expression{a.Expr}
	if tup, isTup := a.Expr.(*hclsyntax.TupleConsExpr); isTup {
		if !many {
			d.errf(a.Expr.Range(), "Too many references", "%q takes one %s, not a list.", a.Name, kindList(kinds))
			return nil, false
		}
		exprs = exprs[:0]
		for _, e := range tup.Exprs {
			exprs = append(exprs, e)
		}
		if len(exprs) == 0 {
			d.errf(a.Expr.Range(), "Empty list", "%q needs at least one %s.", a.Name, kindList(kinds))
			return nil, false
		}
	}
	var out []target
	ok := true
	for _, e := range exprs {
		t, tok := d.ref(b, a.Name, e, kinds)
		if !tok {
			ok = false
			continue
		}
		out = append(out, t)
	}
	return out, ok
}

func (d *decoder) ref(b *block, attr string, e hcl.Expression, kinds []string) (target, bool) {
	rng := e.Range()
	tr, diags := hcl.AbsTraversalForExpr(e)
	if diags.HasErrors() {
		d.errf(rng, "Invalid reference", "%q takes a reference such as %s, not a value or an expression.", attr, kindList(kinds))
		return target{}, false
	}
	root := tr.RootName()
	if !slices.Contains(kinds, root) {
		switch {
		case root == "var":
			d.errf(rng, "Wrong kind of reference", "%q takes %s, not a variable.", attr, kindList(kinds))
		case isKind(root):
			d.errf(rng, "Wrong kind of reference", "%q takes %s, not %s.", attr, kindList(kinds), an(root))
		default:
			var all []string
			for _, s := range specs {
				all = append(all, s.Kind)
			}
			hint := suggest(root, kinds)
			if hint == "" {
				hint = suggest(root, all)
			}
			d.errf(rng, "Invalid reference", "%q takes %s; %q is not a kind of block.%s", attr, kindList(kinds), root, hint)
		}
		return target{}, false
	}
	if len(tr) < 2 {
		d.errf(rng, "Invalid reference", "Name the %s: %s.<name>.", root, root)
		return target{}, false
	}
	at, isAttr := tr[1].(hcl.TraverseAttr)
	if !isAttr {
		d.errf(rng, "Invalid reference", "Name the %s: %s.<name>.", root, root)
		return target{}, false
	}
	blk := b.scope.lookup(root, at.Name)
	if blk == nil {
		d.errf(rng, "Reference to undeclared "+root, "No %s named %q is declared in this scenario or outside it.%s",
			root, at.Name, suggest(at.Name, b.scope.names(root)))
		return target{}, false
	}
	t := target{blk: blk, index: -1, rng: rng}
	switch len(tr) {
	case 2:
	case 3:
		ix, isIx := tr[2].(hcl.TraverseIndex)
		if !isIx {
			d.errf(rng, "Invalid reference", "A reference is %s.<name>: blocks have no attributes to refer to.", root)
			return target{}, false
		}
		if root != kUser {
			d.errf(rng, "Invalid reference", "Only users declared with count can be indexed: user.<name>[0].")
			return target{}, false
		}
		n, err := convert.Convert(ix.Key, cty.Number)
		if err != nil || n.IsNull() || !n.IsKnown() {
			d.errf(rng, "Invalid index", "The index must be a whole number.")
			return target{}, false
		}
		bf := n.AsBigFloat()
		i, acc := bf.Int64()
		if !bf.IsInt() || acc != 0 {
			d.errf(rng, "Invalid index", "The index must be a whole number.")
			return target{}, false
		}
		if blk.user != nil {
			if blk.user.count == 0 {
				d.errf(rng, "Invalid index", "user.%s is one user (it has no count); drop the index.", at.Name)
				return target{}, false
			}
			if i < 0 || i >= int64(len(blk.user.persons)) {
				d.errf(rng, "Index out of range", "user.%s has %d users: the index goes from 0 to %d.", at.Name, len(blk.user.persons), len(blk.user.persons)-1)
				return target{}, false
			}
		}
		t.index = int(i)
	default:
		d.errf(rng, "Invalid reference", "A reference is %s.<name>, nothing more.", root)
		return target{}, false
	}
	if root != kUser {
		b.dependOn(blk)
	}
	return t, true
}

// persons expands user targets. With single, the result must be exactly
// one person.
func (d *decoder) persons(a *hcl.Attribute, ts []target, single bool) ([]*person, bool) {
	var out []*person
	for _, t := range ts {
		if t.blk.user == nil || t.blk.bad {
			return nil, false // already reported at the user block
		}
		ps := t.blk.user.persons
		if t.index >= 0 {
			ps = ps[t.index : t.index+1]
		}
		if single && len(ps) != 1 {
			d.errf(t.rng, "One user needed", "%q takes one user, and user.%s is %d users (count = %d); pick one, e.g. user.%s[0].",
				a.Name, t.blk.name, len(ps), t.blk.user.count, t.blk.name)
			return nil, false
		}
		for _, p := range ps {
			if slices.Contains(out, p) {
				d.errf(t.rng, "Duplicate user", "%s is named twice in %q.", p.name, a.Name)
				return nil, false
			}
			out = append(out, p)
		}
	}
	return out, len(out) > 0
}

func (d *decoder) onePerson(b *block, name string) (*person, bool) {
	a := b.attrs[name]
	ts, ok := d.refs(b, a, []string{kUser}, false)
	if !ok {
		return nil, false
	}
	ps, ok := d.persons(a, ts, true)
	if !ok {
		return nil, false
	}
	return ps[0], true
}

func (d *decoder) somePersons(b *block, name string) ([]*person, bool) {
	a := b.attrs[name]
	ts, ok := d.refs(b, a, []string{kUser}, true)
	if !ok {
		return nil, false
	}
	return d.persons(a, ts, false)
}

func (d *decoder) oneBlock(b *block, name string, kinds ...string) (*block, bool) {
	ts, ok := d.refs(b, b.attrs[name], kinds, false)
	if !ok {
		return nil, false
	}
	return ts[0].blk, true
}

// ---- text rules: what Gherkin can carry ----

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// gherkinStarts are the line openings Gherkin reads as syntax rather than
// as description text.
var gherkinStarts = []string{"Feature:", "Background:", "Scenario:", "Scenario Outline:", "Scenario Template:",
	"Example:", "Examples:", "Scenarios:", "Rule:", "Given ", "When ", "Then ", "And ", "But ", "* ",
	"#", "@", "|", `"""`, "```"}

// textProblem says why a description cannot be written into Gherkin as
// text, or "".
func textProblem(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
		return "contains a control character"
	}
	for i, line := range strings.Split(s, "\n") {
		if len(line) > steps.MaxStepText {
			return fmt.Sprintf("has line %d of %d bytes, more than the %d a line of Gherkin may hold", i+1, len(line), steps.MaxStepText)
		}
		t := strings.TrimSpace(line)
		for _, st := range gherkinStarts {
			if strings.HasPrefix(t, st) || t+" " == st {
				return fmt.Sprintf("has line %d starting with %q, which Gherkin would read as syntax, not text", i+1, strings.TrimSpace(st))
			}
		}
	}
	return ""
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// titleWords turns a block label into words: "my_car" -> ["My", "Car"].
func titleWords(label string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(label, func(r rune) bool { return r == '_' || r == '-' }) {
		out = append(out, strings.ToUpper(w[:1])+w[1:])
	}
	return out
}

var displayNameRe = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
