package hclscenario

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// decodeAll runs pass 2 over every block of the file: users first, since
// every other block may name them and needs their display names.
func (d *decoder) decodeAll() {
	scopes := []*scope{d.f.bg}
	for _, sc := range d.f.scenarios {
		scopes = append(scopes, sc.scope)
	}
	for _, s := range scopes {
		for _, b := range s.blocks {
			if b.kind == kUser {
				d.decodeUser(b)
			}
		}
	}
	for _, s := range scopes {
		for _, b := range s.blocks {
			d.decodeBlock(b)
		}
	}
}

// required reports missing required attributes of b; false if any is.
func (d *decoder) required(b *block) bool {
	ok := true
	for _, a := range specOf(b.kind).Attrs {
		if a.Required && b.attrs[a.Name] == nil {
			d.errf(b.def, "Missing required argument", "The argument %q is required in %s block.", a.Name, an(b.kind))
			ok = false
		}
	}
	return ok
}

// exactlyOne reports unless exactly one of the attributes is set, and
// returns the one that is.
func (d *decoder) exactlyOne(b *block, names ...string) (string, bool) {
	var set []string
	for _, n := range names {
		if b.attrs[n] != nil {
			set = append(set, n)
		}
	}
	if len(set) != 1 {
		what := "none is set"
		rng := b.def
		if len(set) > 1 {
			what = "both are set"
			rng = b.attrs[set[1]].NameRange
		}
		d.errf(rng, "Conflicting arguments", "A %s block takes exactly one of %s; %s.", b.kind, quoteList(names), what)
		return "", false
	}
	return set[0], true
}

func (d *decoder) decodeUser(b *block) {
	u := &userData{}
	ok := !b.bad
	name := strings.Join(titleWords(b.name), "")
	nameRng := b.labelRange
	fromLabel := true
	if a := b.attrs["name"]; a != nil {
		fromLabel = false
		nameRng = a.Expr.Range()
		var nok bool
		if name, nok = d.rawString(a); !nok {
			ok = false
		}
	}
	var password *string
	if a := b.attrs["password"]; a != nil {
		if p, pok := d.str(a); pok {
			password = &p
		} else {
			ok = false
		}
	}
	pronoun := "they"
	if a := b.attrs["pronoun"]; a != nil {
		var pok bool
		if pronoun, pok = d.enum(a, specOf(kUser).attr("pronoun").Enum); !pok {
			ok = false
		}
	}
	if a := b.attrs["count"]; a != nil {
		var cok bool
		if u.count, cok = d.count(a, 1, 100); !cok {
			ok = false
		}
	}
	if ok || name != "" {
		if !displayNameRe.MatchString(name) {
			hint := ""
			if fromLabel {
				hint = ` Give the user a name = "..." of one word.`
			}
			what := "is not one word"
			if strings.TrimSpace(name) == "" {
				what = "is empty"
			}
			d.errf(nameRng, "Invalid display name",
				"The display name %q %s: steps name users by one word of ASCII letters and digits starting with a capital letter.%s", name, what, hint)
			ok = false
		}
	}
	if !ok {
		b.bad = true
		return
	}
	if u.count == 0 {
		u.persons = []*person{{name: name, pronoun: pronoun, password: password, decl: b}}
	} else {
		for i := 1; i <= u.count; i++ {
			u.persons = append(u.persons, &person{name: name + strconv.Itoa(i), pronoun: pronoun, password: password, decl: b})
		}
	}
	b.user = u
}

func (d *decoder) decodeBlock(b *block) {
	if b.kind == kUser {
		return
	}
	// A block that failed pass 1 is still decoded, so that its references
	// and values are checked in the same run; it keeps no data (each
	// decodeX stores data only for a block that is not bad).
	if !d.required(b) {
		b.bad = true
	}
	if a := b.attrs["after"]; a != nil {
		if _, ok := d.refs(b, a, orderable, true); !ok {
			b.bad = true
		}
	}
	var ok bool
	switch b.kind {
	case kItem:
		ok = d.decodeItem(b)
	case kConnection:
		ok = d.decodeConnection(b)
	case kShare:
		ok = d.decodeShare(b)
	case kAccept:
		ok = d.decodeAccept(b)
	case kUpdate:
		ok = d.decodeUpdate(b)
	case kDelete:
		ok = d.decodeDelete(b)
	case kExpect:
		ok = d.decodeExpect(b)
	}
	if !ok {
		b.bad = true
		b.item, b.conn, b.share, b.accept, b.update, b.del, b.expect = nil, nil, nil, nil, nil, nil, nil
	}
}

func (d *decoder) decodeItem(b *block) bool {
	it := &itemData{label: strings.Join(titleWords(b.name), " ")}
	ok := true
	if b.attrs["owner"] != nil {
		var pok bool
		if it.owner, pok = d.onePerson(b, "owner"); !pok {
			ok = false
		}
	}
	if a := b.attrs["template"]; a != nil {
		var tok bool
		if it.template, tok = d.nonEmpty(a); !tok {
			ok = false
		}
	}
	if a := b.attrs["label"]; a != nil {
		var lok bool
		if it.label, lok = d.nonEmpty(a); !lok {
			ok = false
		}
	}
	if a := b.attrs["slots"]; a != nil {
		var sok bool
		if it.slots, sok = d.slotMap(a); !sok {
			ok = false
		}
	}
	if ok && !b.bad {
		b.item = it
	}
	return ok
}

func (d *decoder) decodeConnection(b *block) bool {
	c := &connData{}
	ok := true
	if b.attrs["from"] != nil {
		var pok bool
		if c.from, pok = d.onePerson(b, "from"); !pok {
			ok = false
		}
	}
	if b.attrs["to"] != nil {
		var pok bool
		if c.to, pok = d.somePersons(b, "to"); !pok {
			ok = false
		}
	}
	if a := b.attrs["invite"]; a != nil {
		var bok bool
		if c.invite, bok = d.boolean(a); !bok {
			ok = false
		}
	}
	if ok && c.from != nil && slices.Contains(c.to, c.from) {
		d.errf(b.rangeOf("to"), "Connection to oneself", "%s cannot connect to themself.", c.from.name)
		ok = false
	}
	if ok && !b.bad {
		b.conn = c
	}
	return ok
}

func (d *decoder) decodeShare(b *block) bool {
	s := &shareData{}
	ok := true
	source, sok := d.exactlyOne(b, "item", "from_share")
	if !sok {
		ok = false
	}
	if b.attrs["item"] != nil {
		var rok bool
		if s.item, rok = d.oneBlock(b, "item", kItem); !rok {
			ok = false
		}
	}
	if b.attrs["from_share"] != nil {
		var rok bool
		if s.parent, rok = d.oneBlock(b, "from_share", kShare); !rok {
			ok = false
		}
	}
	if b.attrs["to"] != nil {
		var pok bool
		if s.to, pok = d.somePersons(b, "to"); !pok {
			ok = false
		}
	}
	if a := b.attrs["slot"]; a != nil {
		var vok bool
		if s.slot, vok = d.nonEmpty(a); !vok {
			ok = false
		} else if !slotNameRe.MatchString(s.slot) {
			d.errf(a.Expr.Range(), "Invalid slot name", "Slot name %q must hold only letters, digits, _ . and -.", s.slot)
			ok = false
		}
	}
	if a := b.attrs["terms"]; a != nil {
		var vok bool
		if s.terms, vok = d.nonEmpty(a); !vok {
			ok = false
		}
		s.hasTerms = true
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"accept", &s.accept}, {"onsharing", &s.onsharing}, {"refused", &s.refused}} {
		if a := b.attrs[f.name]; a != nil {
			var vok bool
			if *f.dst, vok = d.boolean(a); !vok {
				ok = false
			}
		}
	}
	if a := b.attrs["expires"]; a != nil {
		var vok bool
		if s.expires, vok = d.nonEmpty(a); !vok {
			ok = false
		} else if !validExpiry(s.expires) {
			d.errf(a.Expr.Range(), "Invalid expiry", "expires = %q: want a date like 2099-12-31 or an RFC 3339 time, in the future.", s.expires)
			ok = false
		}
		// The step phrase with an expiry shares a whole item and nothing
		// else.
		for _, n := range []string{"slot", "terms", "onsharing"} {
			if other := b.attrs[n]; other != nil {
				d.errf(other.NameRange, "Not supported with expires", "A share with expires shares the whole item with no %q: there is no step that combines them.", n)
				ok = false
			}
		}
	}
	// An on-share passes on what its sender received: its step has no
	// slot, terms, on-sharing or expiry variant.
	if source == "from_share" {
		for _, n := range []string{"slot", "terms", "onsharing", "accept", "expires"} {
			if a := b.attrs[n]; a != nil {
				d.errf(a.NameRange, "Not supported for an on-share", "An on-share (from_share) has no step with %q: it passes on what its sender received.", n)
				ok = false
			}
		}
	}
	if s.accept && !s.hasTerms && source == "item" {
		d.errf(b.attrs["accept"].NameRange, "Accept without terms", "accept = true needs terms: only a share with terms waits for acceptance.")
		ok = false
	}
	if s.refused {
		if source == "item" {
			d.errf(b.attrs["refused"].NameRange, "Nothing to refuse",
				"refused = true applies to on-shares (from_share): the Vault refuses an on-share without permission or of an on-share.")
			ok = false
		}
	}
	if ok && !b.bad {
		b.share = s
	}
	return ok
}

func (d *decoder) decodeAccept(b *block) bool {
	a := &acceptData{}
	ok := true
	if b.attrs["share"] != nil {
		var rok bool
		if a.share, rok = d.oneBlock(b, "share", kShare); !rok {
			ok = false
		}
	}
	if b.attrs["user"] != nil {
		var pok bool
		if a.users, pok = d.somePersons(b, "user"); !pok {
			ok = false
		}
	}
	if ok && !b.bad {
		b.accept = a
	}
	return ok
}

func (d *decoder) decodeUpdate(b *block) bool {
	u := &updateData{}
	ok := true
	if b.attrs["item"] != nil {
		var rok bool
		if u.item, rok = d.oneBlock(b, "item", kItem); !rok {
			ok = false
		}
	}
	if a := b.attrs["slots"]; a != nil {
		var sok bool
		if u.slots, sok = d.slotMap(a); !sok {
			ok = false
		}
	}
	if a := b.attrs["rekey"]; a != nil {
		var bok bool
		if u.rekey, bok = d.boolean(a); !bok {
			ok = false
		}
	}
	if ok && b.attrs["slots"] == nil && !u.rekey {
		d.errf(b.def, "Nothing to update", "An update block needs slots to change, rekey = true, or both.")
		ok = false
	}
	if ok && !b.bad {
		b.update = u
	}
	return ok
}

func (d *decoder) decodeDelete(b *block) bool {
	x := &deleteData{}
	ok := true
	if _, eok := d.exactlyOne(b, "share", "connection"); !eok {
		ok = false
	}
	if b.attrs["share"] != nil {
		var rok bool
		if x.share, rok = d.oneBlock(b, "share", kShare); !rok {
			ok = false
		}
	}
	if b.attrs["connection"] != nil {
		var rok bool
		if x.conn, rok = d.oneBlock(b, "connection", kConnection); !rok {
			ok = false
		}
	}
	if b.attrs["by"] != nil {
		var pok bool
		if x.by, pok = d.onePerson(b, "by"); !pok {
			ok = false
		}
	}
	if ok && !b.bad {
		b.del = x
	}
	return ok
}

func (d *decoder) decodeExpect(b *block) bool {
	e := &expectData{}
	ok := true
	if a := b.attrs["user"]; a != nil {
		var pok bool
		if e.users, pok = d.somePersons(b, "user"); !pok {
			ok = false
		}
		e.userRng = a.Expr.Range()
	}
	if b.attrs["share"] != nil {
		var rok bool
		if e.share, rok = d.oneBlock(b, "share", kShare); !rok {
			ok = false
		}
	}
	if b.attrs["item"] != nil {
		var rok bool
		if e.item, rok = d.oneBlock(b, "item", kItem); !rok {
			ok = false
		}
	}
	spec := specOf(kExpect)
	var attrs []*hcl.Attribute
	for _, a := range b.attrs {
		switch a.Name {
		case "user", "share", "item", "after":
			continue
		}
		attrs = append(attrs, a)
	}
	// Checks run in the order written, which is what a reader expects.
	slices.SortFunc(attrs, func(x, y *hcl.Attribute) int { return x.Range.Start.Byte - y.Range.Start.Byte })
	usesShare, usesItem := false, false
	for _, a := range attrs {
		as := spec.attr(a.Name)
		c := check{name: a.Name, rng: a.Range, val: a.Expr.Range()}
		cok := true
		switch as.Type {
		case tTrue:
			cok = d.isTrue(a)
		case tString:
			c.str, cok = d.nonEmpty(a)
		case tEnum:
			c.str, cok = d.enum(a, as.Enum)
		case tCount:
			c.num, cok = d.count(a, 0, 1000000)
		case tStringList:
			c.list, cok = d.stringList(a)
			if cok && len(c.list) == 0 {
				d.errf(a.Expr.Range(), "Empty list", "%q needs at least one slot name.", a.Name)
				cok = false
			}
			for _, s := range c.list {
				if cok && !slotNameRe.MatchString(s) {
					d.errf(a.Expr.Range(), "Invalid slot name", "Slot name %q must hold only letters, digits, _ . and -.", s)
					cok = false
				}
			}
		case tStringMap:
			c.slots, cok = d.slotMap(a)
		case tRef:
			c.target, cok = d.oneBlock(b, a.Name, as.Kinds...)
		}
		if !cok {
			ok = false
			continue
		}
		switch {
		case a.Name == "values":
			if (b.attrs["share"] == nil) == (b.attrs["item"] == nil) {
				d.errf(a.NameRange, "Subject needed", "values needs exactly one of share (what a recipient decrypts) and item (what the owner reads).")
				ok = false
			}
			usesShare, usesItem = true, true
		case slices.Contains(shareChecks, a.Name):
			usesShare = true
			if b.attrs["share"] == nil {
				d.errf(a.NameRange, "Subject needed", "%s is a share check: set share = share.<name>.", a.Name)
				ok = false
			}
		case slices.Contains(itemChecks, a.Name):
			usesItem = true
			if b.attrs["item"] == nil {
				d.errf(a.NameRange, "Subject needed", "%s is an item check: set item = item.<name>.", a.Name)
				ok = false
			}
		case slices.Contains(actorChecks, a.Name):
			if b.attrs["user"] == nil {
				d.errf(a.NameRange, "User needed", "%s checks what a user can do or has: set user = user.<name>.", a.Name)
				ok = false
			}
		}
		e.checks = append(e.checks, c)
	}
	if len(attrs) == 0 && !b.bad {
		d.errf(b.def, "Nothing to check", "An expect block needs at least one check (values, status, gone, cannot_read, incoming_shares, ...).")
		ok = false
	}
	if a := b.attrs["share"]; a != nil && !usesShare && ok {
		d.errf(a.NameRange, "Unused subject", "share is set but no check of this block looks at a share.")
		ok = false
	}
	if a := b.attrs["item"]; a != nil && !usesItem && ok {
		d.errf(a.NameRange, "Unused subject", "item is set but no check of this block looks at an item.")
		ok = false
	}
	if ok && !b.bad {
		b.expect = e
	}
	return ok
}

// loadVariables evaluates the file's variable blocks: defaults may use
// functions but no other variable, and overrides replace defaults.
func (d *decoder) loadVariables(blocks hcl.Blocks, overrides map[string]string, used map[string]bool) {
	d.f.vars = map[string]cty.Value{}
	seen := map[string]hcl.Range{}
	for _, hb := range blocks {
		if hb.Type != kVariable {
			continue
		}
		name := hb.Labels[0]
		if prev, dup := seen[name]; dup {
			d.errf(hb.LabelRanges[0], "Duplicate variable", "A variable named %q is already declared at %s.", name, short(prev))
			continue
		}
		seen[name] = hb.DefRange
		if !labelRe.MatchString(name) {
			d.errf(hb.LabelRanges[0], "Invalid name", "%q cannot be referenced as var.%s.", name, name)
			continue
		}
		body, diags := hb.Body.Content(specOf(kVariable).hclSchema())
		d.diags = append(d.diags, diags...)
		if a := body.Attributes["description"]; a != nil {
			d.text(a)
		}
		if v, isSet := overrides[name]; isSet {
			used[name] = true
			d.f.vars[name] = cty.StringVal(v)
			continue
		}
		a := body.Attributes["default"]
		if a == nil {
			d.errf(hb.DefRange, "Variable without value", "Variable %q has no default; give it one or set it with --var %s=VALUE.", name, name)
			d.f.vars[name] = cty.StringVal("")
			continue
		}
		if len(a.Expr.Variables()) > 0 {
			d.errf(a.Expr.Range(), "Reference not allowed here", "A variable's default cannot refer to other variables or blocks.")
			d.f.vars[name] = cty.StringVal("")
			continue
		}
		v, diags := safeValue(a.Expr, d.f.ctx)
		d.diags = append(d.diags, diags...)
		if diags.HasErrors() {
			d.f.vars[name] = cty.StringVal("")
			continue
		}
		d.f.vars[name] = v
	}
}

// validExpiry accepts what the step library's share expiry accepts: a date
// (yyyy-MM-dd) or an RFC 3339 time, in the future.
func validExpiry(v string) bool {
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return false
		}
	}
	return t.After(time.Now())
}
