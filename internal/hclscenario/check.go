package hclscenario

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/vaultcheck/vaultcheck/steps"
)

// visible reports whether x can be seen from scope s: it is in s or in
// the background of s.
func visible(s *scope, x *block) bool { return x.scope == s || x.scope == s.parent }

// personRef renders how the file refers to p: user.bob or user.guest[1].
func personRef(p *person) string {
	if p.decl.user != nil && p.decl.user.count > 0 {
		return fmt.Sprintf("user.%s[%d]", p.decl.name, slices.Index(p.decl.user.persons, p))
	}
	return "user." + p.decl.name
}

func (d *decoder) scopes() []*scope {
	out := []*scope{d.f.bg}
	for _, sc := range d.f.scenarios {
		out = append(out, sc.scope)
	}
	return out
}

// link adds the dependencies that follow from what blocks mean rather than
// from what they name: a share waits for the connection it travels over,
// an on-share for its parent's acceptance, a "gone" check for the deletes.
func (d *decoder) link() {
	for _, s := range d.scopes() {
		for _, b := range s.blocks {
			switch {
			case b.accept != nil && b.accept.share.share != nil:
				p := b.accept.share.share
				p.accepts = append(p.accepts, b)
			case b.del != nil && b.del.share != nil && b.del.share.share != nil:
				p := b.del.share.share
				p.deletes = append(p.deletes, b)
			}
		}
	}
	for _, s := range d.scopes() {
		for _, b := range s.blocks {
			switch {
			case b.share != nil:
				d.linkShare(b)
			case b.expect != nil:
				e := b.expect
				for _, c := range e.checks {
					if c.name == "gone" && c.target.share != nil {
						for _, x := range c.target.share.deletes {
							if visible(s, x) {
								b.dependOn(x)
							}
						}
					}
				}
				if e.share != nil && e.share.share != nil && e.share.share.hasTerms {
					for _, c := range e.checks {
						if c.name == "values" || c.name == "terms_shown" {
							for _, x := range e.share.share.accepts {
								if visible(s, x) {
									b.dependOn(x)
								}
							}
						}
					}
				}
			}
		}
	}
}

func (d *decoder) linkShare(b *block) {
	s := b.share
	switch {
	case s.item != nil:
		if s.item.item == nil {
			return
		}
		s.sharer = s.item.item.owner
	case s.parent != nil:
		p := s.parent.share
		if p == nil {
			return
		}
		if len(p.to) != 1 {
			d.errf(b.rangeOf("from_share"), "Ambiguous on-share",
				"%s goes to %d users; an on-share starts from one recipient's copy. Split %s into one share per recipient.",
				s.parent.ref(), len(p.to), s.parent.ref())
			return
		}
		s.sharer = p.to[0]
		for _, x := range p.accepts {
			if visible(b.scope, x) {
				b.dependOn(x)
			}
		}
	}
	if slices.Contains(s.to, s.sharer) {
		d.errf(b.rangeOf("to"), "Share to oneself", "%s is the sharer of %s and cannot be its recipient.", s.sharer.name, b.ref())
		return
	}
	s.conns = make([]*block, len(s.to))
	for i, r := range s.to {
		c := findConnection(b.scope, s.sharer, r)
		if c == nil {
			d.errf(b.rangeOf("to"), "Not connected",
				"%s and %s are not connected, and a share needs a connection between sharer and recipient. Declare one: connection \"%s_%s\" { from = %s  to = %s }.",
				s.sharer.name, r.name, strings.ToLower(s.sharer.name), strings.ToLower(r.name), personRef(s.sharer), personRef(r))
			s.conns = nil
			return
		}
		s.conns[i] = c
		b.dependOn(c)
	}
}

// findConnection finds a connection between a and b, in either direction,
// visible from s: the scenario's own first.
func findConnection(s *scope, a, b *person) *block {
	for sc := s; sc != nil; sc = sc.parent {
		for _, x := range sc.blocks {
			if c := x.conn; c != nil {
				if (c.from == a && slices.Contains(c.to, b)) || (c.from == b && slices.Contains(c.to, a)) {
					return x
				}
			}
		}
	}
	return nil
}

// sortScope orders the scope's blocks: a stable topological sort in which,
// among the blocks whose dependencies have run, the one written first goes
// next. A file written in order therefore runs in order, and a block that
// names a later one waits for it.
func (d *decoder) sortScope(s *scope) {
	var nodes []*block
	for _, b := range s.blocks {
		if b.kind != kUser {
			nodes = append(nodes, b)
		}
	}
	done := map[*block]bool{}
	inScope := func(x *block) bool { return x.scope == s }
	ready := func(b *block) bool {
		for _, x := range b.deps {
			if inScope(x) && !done[x] {
				return false
			}
		}
		return true
	}
	for len(done) < len(nodes) {
		var next *block
		for _, b := range nodes {
			if !done[b] && ready(b) && (next == nil || b.pos < next.pos) {
				next = b
			}
		}
		if next != nil {
			done[next] = true
			s.order = append(s.order, next)
			continue
		}
		// Every remaining block waits for another remaining block: follow
		// the earliest dependency from the earliest block until a block
		// repeats, which closes a cycle.
		s.cyclic = true
		var start *block
		for _, b := range nodes {
			if !done[b] && (start == nil || b.pos < start.pos) {
				start = b
			}
		}
		path := []*block{start}
		for {
			cur := path[len(path)-1]
			var dep *block
			for _, x := range cur.deps {
				if inScope(x) && !done[x] && (dep == nil || x.pos < dep.pos) {
					dep = x
				}
			}
			if i := slices.Index(path, dep); i >= 0 {
				path = append(path[i:], dep)
				break
			}
			path = append(path, dep)
		}
		var names []string
		for _, b := range path {
			names = append(names, b.ref())
		}
		d.errf(path[0].def, "Cycle", "These blocks wait for each other: %s (each needs the next to run first).", strings.Join(names, " → "))
		for _, b := range path {
			done[b] = true
		}
	}
}

// ---- the walk: checks that depend on what happened before, and steps ----

type copyKey struct {
	share *block
	to    *person
}

type copyState struct {
	accepted  bool
	acceptBy  *block
	deleted   *block
	rekeyed   bool
	liveLabel string
}

type pairKey struct{ a, b *person }

func pair(a, b *person) pairKey {
	if a.name > b.name {
		a, b = b, a
	}
	return pairKey{a, b}
}

// state is what has happened so far in one scenario.
type state struct {
	d       *decoder
	report  bool
	users   map[string]*person
	labels  map[string]*block
	conns   map[pairKey]*block
	connDel map[pairKey]*block
	copies  map[copyKey]*copyState
	live    map[string]copyKey // item label + recipient -> the live copy
	changed map[*block]bool    // items changed since their shares were last re-keyed
	all     []*person          // users of the scenario, for checks over everyone
	steps   []step
	writing bool // emit steps (false while replaying the background)
}

func newState(d *decoder) *state {
	return &state{d: d, users: map[string]*person{}, labels: map[string]*block{}, conns: map[pairKey]*block{},
		connDel: map[pairKey]*block{}, copies: map[copyKey]*copyState{}, live: map[string]copyKey{}, changed: map[*block]bool{}}
}

func (st *state) errf(rng hcl.Range, summary, format string, args ...any) {
	if st.report {
		st.d.errf(rng, summary, format, args...)
	}
}

// step is one Gherkin step, with where it comes from.
type step struct {
	kw     string // Given, When or Then
	text   string
	table  [][]string  // header first; nil for none
	src    hcl.Range   // the step's line
	rowSrc []hcl.Range // each table row after the header
	block  *block
}

// from is where a step argument comes from in the file: the range to
// report a value the step cannot carry at, and the attribute's name.
type from struct {
	rng  hcl.Range
	attr string
}

// emit renders the step id of the step table with args, as kw, written
// where src is. A value the phrase cannot carry is reported at the range
// its argument came from (srcs, by argument key; rows for the cells of a
// slot table), never changed to fit.
func (st *state) emit(b *block, kw string, src hcl.Range, id string, args steps.Args, srcs map[string]from, rows []slotValue) {
	if !st.writing {
		return
	}
	if rows != nil {
		table := make([][]string, len(rows))
		for i, r := range rows {
			table[i] = []string{r.name, r.value}
		}
		args[steps.TableKey] = table
	}
	rendered, err := steps.Render(id, args)
	if err != nil {
		// Report every value of the step that cannot be carried, not only
		// the first: replace each reported one with a harmless stand-in
		// and render again.
		for range 64 {
			if !st.renderError(err, src, srcs, rows) || !standIn(args, err) {
				return
			}
			if _, err = steps.Render(id, args); err == nil {
				return
			}
		}
		return
	}
	s := step{kw: kw, text: rendered.Text, table: rendered.Table, src: src, block: b}
	for _, r := range rows {
		s.rowSrc = append(s.rowSrc, r.rng)
	}
	st.steps = append(st.steps, s)
}

// renderError turns a value a step cannot carry into a diagnostic at the
// value. It reports false when the error is not about a value of the file
// (a bug of the compiler, reported as such).
func (st *state) renderError(err error, src hcl.Range, srcs map[string]from, rows []slotValue) bool {
	var re *steps.RenderError
	if !errors.As(err, &re) {
		st.errf(src, internalError, "vaultcheck failed to write a step: %v; please report it.", err)
		return false
	}
	problem := re.Problem
	if strings.Contains(problem, "white space") {
		problem += " (trimspace() removes it)"
	}
	if re.Param == steps.TableKey && re.Row >= 1 && re.Row <= len(rows) {
		r := rows[re.Row-1]
		what, rng := "value", r.val
		if re.Col == 0 {
			what, rng = "name", r.key
		}
		st.errf(rng, "Value cannot be carried by a step", "The %s of slot %q %s.", what, r.name, problem)
		return true
	}
	f, ok := srcs[re.Param]
	if !ok {
		// Every argument that comes from the file has its range: one
		// without is a bug of the compiler, not of the file.
		st.errf(src, internalError, "vaultcheck failed to write a step: %v; please report it.", err)
		return false
	}
	st.errf(f.rng, "Value cannot be carried by a step", "%q %s.", f.attr, problem)
	return true
}

// standIn replaces the argument err is about with a value every phrase
// carries, so that rendering again finds the step's other problems. It
// reports false when there is nothing to replace.
func standIn(args steps.Args, err error) bool {
	var re *steps.RenderError
	if !errors.As(err, &re) {
		return false
	}
	if re.Param == steps.TableKey {
		rows, ok := args[steps.TableKey].([][]string)
		if !ok || re.Row < 1 || re.Row > len(rows) || re.Col >= len(rows[re.Row-1]) {
			return false
		}
		rows[re.Row-1][re.Col] = "x"
		return true
	}
	switch args[re.Param].(type) {
	case string:
		args[re.Param] = "x"
	case []string:
		args[re.Param] = []string{"x"}
	default:
		return false
	}
	return true
}

// labelFrom is where the label of an item block comes from: its label
// attribute, or its block label.
func labelFrom(item *block) from {
	if a := item.attrs["label"]; a != nil {
		return from{a.Expr.Range(), "label"}
	}
	return from{item.labelRange, "label"}
}

// names lists display names as messages name them: "Alice", "Alice and
// Bob", "Alice, Bob and Jane".
func names(ps []*person) string {
	var n []string
	for _, p := range ps {
		n = append(n, p.name)
	}
	if len(n) <= 1 {
		return strings.Join(n, "")
	}
	return strings.Join(n[:len(n)-1], ", ") + " and " + n[len(n)-1]
}

// nameList is the display names of ps, for a step argument.
func nameList(ps []*person) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.name
	}
	return out
}

// register emits the registration of the scope's users.
func (st *state) register(s *scope) {
	var plain []*person
	var first *block
	for _, b := range s.blocks {
		if b.user == nil {
			continue
		}
		for _, p := range b.user.persons {
			if prev := st.users[p.name]; prev != nil {
				st.errf(b.rangeOf("name"), "Duplicate display name", "%s and %s are both named %q: steps name users by display name.",
					personRef(prev), personRef(p), p.name)
				continue
			}
			st.users[p.name] = p
			st.all = append(st.all, p)
			if p.password == nil {
				plain = append(plain, p)
				if first == nil {
					first = b
				}
			}
		}
	}
	switch {
	case len(plain) == 1:
		st.emit(first, "Given", first.def, "user.registered", steps.Args{"user": plain[0].name}, nil, nil)
	case len(plain) > 1:
		st.emit(first, "Given", first.def, "users.registered", steps.Args{"users": nameList(plain)}, nil, nil)
	}
	for _, b := range s.blocks {
		if b.user == nil {
			continue
		}
		for _, p := range b.user.persons {
			if p.password != nil && st.users[p.name] == p {
				st.emit(b, "Given", b.rangeOf("password"), "user.registers_with_password", steps.Args{"user": p.name, "password": *p.password},
					map[string]from{"password": {b.rangeOf("password"), "password"}}, nil)
			}
		}
	}
}

func (st *state) run(s *scope) {
	st.register(s)
	for _, b := range s.order {
		if b.bad {
			continue
		}
		switch {
		case b.item != nil:
			st.item(b)
		case b.conn != nil:
			st.connection(b)
		case b.share != nil:
			st.share(b)
		case b.accept != nil:
			st.acceptBlock(b)
		case b.update != nil:
			st.updateBlock(b)
		case b.del != nil:
			st.deleteBlock(b)
		case b.expect != nil:
			st.expectBlock(b)
		}
	}
}

func (st *state) item(b *block) {
	it := b.item
	if prev := st.labels[it.label]; prev != nil {
		st.errf(b.rangeOf("label"), "Duplicate item label", "%s and %s are both labelled %q: steps name items (and their shares) by label.",
			prev.ref(), b.ref(), it.label)
		return
	}
	st.labels[it.label] = b
	st.emit(b, "Given", b.def, "item.create", steps.Args{"owner": it.owner.name, "template": it.template, "label": it.label},
		map[string]from{"template": {b.rangeOf("template"), "template"}, "label": labelFrom(b)}, it.slots)
}

func (st *state) connection(b *block) {
	c := b.conn
	for _, t := range c.to {
		k := pair(c.from, t)
		if prev := st.conns[k]; prev != nil {
			st.errf(b.rangeOf("to"), "Already connected", "%s and %s are already connected by %s.", c.from.name, t.name, prev.ref())
			continue
		}
		st.conns[k] = b
		delete(st.connDel, k)
		if c.invite {
			st.emit(b, "When", b.rangeOf("invite"), "connection.invite", steps.Args{"inviter": c.from.name, "invitee": t.name, "as": t.name}, nil, nil)
			st.emit(b, "When", b.rangeOf("invite"), "connection.accept_invitation", steps.Args{"invitee": t.name, "inviter": c.from.name, "as": c.from.name}, nil, nil)
		} else {
			st.emit(b, "Given", b.rangeOf("to"), "connection.connected", steps.Args{"user": c.from.name, "other": t.name}, nil, nil)
		}
	}
}

// derive fills in what a share carries, from its item or its parent. It
// runs once, when the share first comes up in execution order (parents
// come first), so its errors are reported once.
func (st *state) derive(b *block) bool {
	s := b.share
	if s.derived {
		return s.ok
	}
	s.derived = true
	d := st.d
	if s.sharer == nil || s.conns == nil {
		return false // reported by link, or its source did not decode
	}
	if s.item != nil {
		it := s.item.item
		s.origin, s.owner, s.label = s.item, it.owner, it.label
		if s.slot != "" {
			if !it.hasSlot(s.slot) {
				d.errf(b.rangeOf("slot"), "Unknown slot", "%q is not a slot of %s (its slots: %s).%s",
					s.slot, s.item.ref(), quoteList(it.slotNames()), suggest(s.slot, it.slotNames()))
				return false
			}
			s.slots = []string{s.slot}
		} else {
			s.slots = it.slotNames()
		}
	} else {
		p := s.parent.share
		if !p.derived || !p.ok {
			return false
		}
		s.origin, s.owner, s.label, s.slots, s.depth, s.from = p.origin, p.owner, p.label, p.slots, p.depth+1, p.sharer
	}
	s.ok = true
	return true
}

// usable reports whether the share named by ref can be used by a block: it
// decoded, and the Vault did not refuse it.
func (st *state) usable(shareBlk *block, rng hcl.Range, use string) bool {
	s := shareBlk.share
	if s == nil || !s.derived || !s.ok {
		return false
	}
	if s.refused {
		st.errf(rng, "Refused share", "%s is refused by the Vault (refused = true), so there is no share to %s.", shareBlk.ref(), use)
		return false
	}
	return true
}

// copyOf returns the live copy of a share for one recipient, reporting
// why there is none.
func (st *state) copyOf(shareBlk *block, to *person, rng hcl.Range, use string) *copyState {
	c := st.copies[copyKey{shareBlk, to}]
	if c == nil {
		st.errf(rng, "Share not made yet", "%s to %s has not been made at this point, so there is nothing to %s.", shareBlk.ref(), to.name, use)
		return nil
	}
	if c.deleted != nil {
		st.errf(rng, "Share deleted", "%s to %s was deleted by %s (%s) before this block, so there is nothing to %s.",
			shareBlk.ref(), to.name, c.deleted.ref(), short(c.deleted.def), use)
		return nil
	}
	return c
}

func (st *state) share(b *block) {
	if !st.derive(b) {
		return
	}
	s := b.share
	for _, r := range s.to {
		k := pair(s.sharer, r)
		if st.conns[k] == nil {
			if del := st.connDel[k]; del != nil {
				st.errf(b.rangeOf("to"), "Not connected", "The connection between %s and %s was deleted by %s before this share.", s.sharer.name, r.name, del.ref())
				return
			}
		}
	}
	if s.parent != nil {
		if !st.usable(s.parent, b.rangeOf("from_share"), "share on") {
			return
		}
		pc := st.copyOf(s.parent, s.sharer, b.rangeOf("from_share"), "share on")
		if pc == nil {
			return
		}
		p := s.parent.share
		if p.hasTerms && !pc.accepted && !s.refused {
			st.errf(b.rangeOf("from_share"), "Share not accepted", "%s has terms that %s has not accepted at this point; accept it first (accept = true, or an accept block).",
				s.parent.ref(), s.sharer.name)
			return
		}
		allowed := p.onsharing && p.depth == 0
		switch {
		case s.refused && allowed:
			st.errf(b.rangeOf("refused"), "Nothing to refuse", "%s allows on-sharing and is not itself an on-share, so the Vault accepts this on-share.", s.parent.ref())
			return
		case !s.refused && p.depth > 0:
			st.errf(b.rangeOf("from_share"), "On-share of an on-share", "%s is itself an on-share, and the Vault refuses an on-share of an on-share. Set refused = true to check that it does.", s.parent.ref())
			return
		case !s.refused && !p.onsharing:
			st.errf(b.rangeOf("from_share"), "On-sharing not allowed", "%s does not allow on-sharing: set onsharing = true on it, or refused = true here to check that the Vault refuses.", s.parent.ref())
			return
		}
	}
	for _, r := range s.to {
		label := map[string]from{"label": labelFrom(s.origin)}
		switch {
		case s.parent != nil:
			st.emit(b, "When", b.rangeOf("from_share"), "share.onshare",
				steps.Args{"sender": s.sharer.name, "label": s.label, "pronoun": s.sharer.pronoun, "from": s.from.name, "recipient": r.name}, label, nil)
		case s.expires != "":
			// The decoder allows expires only with a whole-item share.
			label["until"] = from{b.rangeOf("expires"), "expires"}
			st.emit(b, "When", b.def, "share.until", steps.Args{"sender": s.sharer.name, "label": s.label, "recipient": r.name, "until": s.expires}, label, nil)
		default:
			args := steps.Args{"sender": s.sharer.name, "label": s.label, "recipient": r.name, "onsharing": s.onsharing}
			if s.slot != "" {
				args["slot"] = s.slot
				label["slot"] = from{b.rangeOf("slot"), "slot"}
			}
			if s.hasTerms {
				args["terms"] = s.terms
				label["terms"] = from{b.rangeOf("terms"), "terms"}
			}
			st.emit(b, "When", b.def, "share.item", args, label, nil)
		}
		// Even a share the Vault must refuse is named by item label and
		// recipient, and the step library rejects a second one as
		// ambiguous before it reaches the Vault.
		key := s.label + "\x00" + r.name
		if prev, taken := st.live[key]; taken {
			st.errf(b.rangeOf("to"), "Ambiguous share", "%s already holds a share of %q (%s): steps name a share by item label and recipient, so a second one could not be told apart.",
				r.name, s.label, prev.share.ref())
			continue
		}
		if s.refused {
			st.emit(b, "Then", b.rangeOf("refused"), "outcome.refused", steps.Args{}, nil, nil)
			continue
		}
		st.live[key] = copyKey{b, r}
		st.copies[copyKey{b, r}] = &copyState{liveLabel: key}
	}
	if s.accept {
		for _, r := range s.to {
			if c := st.copies[copyKey{b, r}]; c != nil {
				c.accepted, c.acceptBy = true, b
				st.emit(b, "When", b.rangeOf("accept"), "share.accept", steps.Args{"recipient": r.name, "label": s.label, "sender": s.sharer.name},
					map[string]from{"label": labelFrom(s.origin)}, nil)
			}
		}
	}
}

// recipients selects recipients of a share: those listed in users (each
// must be one), or all.
func (st *state) recipients(shareBlk *block, users []*person, rng hcl.Range) ([]*person, bool) {
	s := shareBlk.share
	if users == nil {
		return s.to, true
	}
	for _, u := range users {
		if !slices.Contains(s.to, u) {
			st.errf(rng, "Not a recipient", "%s is not a recipient of %s (it goes to %s).", u.name, shareBlk.ref(), names(s.to))
			return nil, false
		}
	}
	return users, true
}

func (st *state) acceptBlock(b *block) {
	a := b.accept
	if !st.usable(a.share, b.rangeOf("share"), "accept") {
		return
	}
	s := a.share.share
	if !s.hasTerms {
		st.errf(b.rangeOf("share"), "Nothing to accept", "%s has no terms, so it needs no acceptance.", a.share.ref())
		return
	}
	rs, ok := st.recipients(a.share, a.users, b.rangeOf("user"))
	if !ok {
		return
	}
	for _, r := range rs {
		c := st.copyOf(a.share, r, b.rangeOf("share"), "accept")
		if c == nil {
			continue
		}
		if c.accepted {
			st.errf(b.def, "Already accepted", "%s accepted %s already (%s).", r.name, a.share.ref(), c.acceptBy.ref())
			continue
		}
		c.accepted, c.acceptBy = true, b
		st.emit(b, "When", b.rangeOf("share"), "share.accept", steps.Args{"recipient": r.name, "label": s.label, "sender": s.sharer.name},
			map[string]from{"label": labelFrom(s.origin)}, nil)
	}
}

func (st *state) updateBlock(b *block) {
	u := b.update
	it := u.item.item
	if it == nil {
		return
	}
	for _, sv := range u.slots {
		if !it.hasSlot(sv.name) {
			st.errf(sv.rng, "Unknown slot", "%q is not a slot of %s (its slots: %s).%s", sv.name, u.item.ref(), quoteList(it.slotNames()), suggest(sv.name, it.slotNames()))
			continue
		}
		st.emit(b, "When", sv.rng, "item.change_slot", steps.Args{"owner": it.owner.name, "slot": sv.name, "label": it.label, "value": sv.value},
			map[string]from{"slot": {sv.key, "slots"}, "value": {sv.val, "slots"}, "label": labelFrom(u.item)}, nil)
	}
	st.changed[u.item] = true
	if !u.rekey {
		return
	}
	var copies []*copyState
	for k, c := range st.copies {
		if k.share.share.origin == u.item && k.share.share.depth == 0 && c.deleted == nil {
			copies = append(copies, c)
		}
	}
	if len(copies) == 0 {
		st.errf(b.rangeOf("rekey"), "No shares to update", "%s has no shares at this point, so there is nothing to re-key.", u.item.ref())
		return
	}
	for _, c := range copies {
		c.rekeyed = true
	}
	st.changed[u.item] = false
	st.emit(b, "When", b.rangeOf("rekey"), "share.update", steps.Args{"owner": it.owner.name, "label": it.label},
		map[string]from{"label": labelFrom(u.item)}, nil)
}

func (st *state) deleteBlock(b *block) {
	x := b.del
	if x.conn != nil {
		c := x.conn.conn
		if c == nil {
			return
		}
		var others []*person
		switch {
		case x.by == c.from:
			others = c.to
		case slices.Contains(c.to, x.by):
			others = []*person{c.from}
		default:
			st.errf(b.rangeOf("by"), "Not a side of the connection", "%s is not a side of %s (%s to %s).", x.by.name, x.conn.ref(), c.from.name, names(c.to))
			return
		}
		for _, o := range others {
			k := pair(x.by, o)
			if st.conns[k] != x.conn {
				st.errf(b.rangeOf("connection"), "Not connected", "%s and %s are not connected by %s at this point.", x.by.name, o.name, x.conn.ref())
				continue
			}
			delete(st.conns, k)
			st.connDel[k] = b
			st.emit(b, "When", b.rangeOf("connection"), "connection.delete", steps.Args{"user": x.by.name, "pronoun": x.by.pronoun, "other": o.name}, nil, nil)
		}
		return
	}
	if !st.usable(x.share, b.rangeOf("share"), "delete") {
		return
	}
	s := x.share.share
	var rs []*person
	switch {
	case x.by == s.sharer:
		rs = s.to
	case slices.Contains(s.to, x.by):
		rs = []*person{x.by}
	default:
		st.errf(b.rangeOf("by"), "Not a side of the share",
			"%s neither sent nor received %s. To check that %s cannot delete it, write: expect { user = %s  cannot_delete = %s }.",
			x.by.name, x.share.ref(), x.by.name, personRef(x.by), x.share.ref())
		return
	}
	for _, r := range rs {
		c := st.copyOf(x.share, r, b.rangeOf("share"), "delete")
		if c == nil {
			continue
		}
		c.deleted = b
		delete(st.live, c.liveLabel)
		st.emit(b, "When", b.rangeOf("share"), "share.delete", steps.Args{"user": x.by.name, "label": s.label, "recipient": r.name},
			map[string]from{"label": labelFrom(s.origin)}, nil)
	}
}

// shareCount lists the shares u holds (incoming) or has sent (outgoing)
// at this point: made, not refused, not deleted by either side. A share
// waiting for acceptance counts: the recipient must see it to accept it.
func (st *state) shareCount(u *person, incoming bool) []string {
	var out []string
	for k, c := range st.copies {
		if c.deleted != nil {
			continue
		}
		if (incoming && k.to == u) || (!incoming && k.share.share.sharer == u) {
			out = append(out, fmt.Sprintf("%s to %s", k.share.ref(), k.to.name))
		}
	}
	slices.Sort(out)
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (st *state) expectBlock(b *block) {
	e := b.expect
	var shareRcpts []*person
	if e.share != nil {
		if !st.usable(e.share, b.rangeOf("share"), "check") {
			return
		}
		var ok bool
		if shareRcpts, ok = st.recipients(e.share, e.users, e.userRng); !ok {
			return
		}
	}
	if e.item != nil {
		if e.item.item == nil {
			return
		}
		for _, u := range e.users {
			if u != e.item.item.owner && usesItemChecks(e) {
				st.errf(e.userRng, "Not the owner", "Item checks look through the owner's eyes, and %s does not own %s (%s does).", u.name, e.item.ref(), e.item.item.owner.name)
				return
			}
		}
	}
	for _, c := range e.checks {
		st.check(b, c, shareRcpts)
	}
}

func usesItemChecks(e *expectData) bool {
	for _, c := range e.checks {
		if slices.Contains(itemChecks, c.name) || c.name == "values" {
			return true
		}
	}
	return false
}

func (st *state) check(b *block, c check, shareRcpts []*person) {
	e := b.expect
	actors := e.users
	everyone := e.users
	if everyone == nil {
		everyone = st.all
	}
	switch {
	case c.name == "values" && e.item != nil:
		it := e.item.item
		for _, sv := range c.slots {
			if !it.hasSlot(sv.name) {
				st.errf(sv.rng, "Unknown slot", "%q is not a slot of %s (its slots: %s).%s", sv.name, e.item.ref(), quoteList(it.slotNames()), suggest(sv.name, it.slotNames()))
				return
			}
		}
		st.emit(b, "Then", c.rng, "item.owner_sees", steps.Args{"owner": it.owner.name, "pronoun": it.owner.pronoun, "label": it.label},
			map[string]from{"label": labelFrom(e.item)}, c.slots)
		return
	case slices.Contains(itemChecks, c.name):
		it := e.item.item
		switch c.name {
		case "stored_encrypted":
			st.emit(b, "Then", c.rng, "item.stored_encrypted", steps.Args{"label": it.label, "owner": it.owner.name}, map[string]from{"label": labelFrom(e.item)}, nil)
		case "no_plaintext_in_vault":
			st.emit(b, "Then", c.rng, "item.no_plaintext", steps.Args{"label": it.label}, map[string]from{"label": labelFrom(e.item)}, nil)
		case "rekey_task":
			if !st.changed[e.item] {
				st.errf(c.rng, "No update to re-key", "%s has not changed since its shares were last re-keyed, so the Vault has no task for it. Put an update of it before this check.", e.item.ref())
				return
			}
			st.emit(b, "Then", c.rng, "share.rekey_task", steps.Args{"owner": it.owner.name, "label": it.label}, map[string]from{"label": labelFrom(e.item)}, nil)
		}
		return
	case c.name == "values" || slices.Contains(shareChecks, c.name):
		s := e.share.share
		for _, r := range shareRcpts {
			cp := st.copyOf(e.share, r, c.rng, "check")
			if cp == nil {
				return
			}
			if !st.shareCheck(b, c, s, r, cp) {
				return
			}
		}
		return
	case c.name == "gone":
		if !st.usable(c.target, c.rng, "check") {
			return
		}
		s := c.target.share
		rs, ok := st.recipients(c.target, e.users, e.userRng)
		if !ok {
			return
		}
		for _, r := range rs {
			cp := st.copies[copyKey{c.target, r}]
			if cp == nil || cp.deleted == nil {
				st.errf(c.rng, "Share not deleted", "%s to %s has not been deleted at this point: add a delete block before this check.", c.target.ref(), r.name)
				return
			}
			st.emit(b, "Then", c.rng, "share.gone", steps.Args{"label": s.label, "recipient": r.name, "users": []string{s.sharer.name, r.name}},
				map[string]from{"label": labelFrom(s.origin)}, nil)
		}
		return
	case c.name == "cannot_read" || c.name == "cannot_delete" || c.name == "cannot_update":
		st.cannot(b, c, actors)
		return
	}
	switch c.name {
	case "incoming_shares", "outgoing_shares":
		dir := strings.TrimSuffix(c.name, "_shares")
		for _, u := range actors {
			if held := st.shareCount(u, dir == "incoming"); len(held) != c.num {
				what := "none"
				if len(held) > 0 {
					what = strings.Join(held, ", ")
				}
				st.errf(c.rng, "Wrong count", "%s has %s at this point (%s), not %d.", u.name, plural(len(held), dir+" share", dir+" shares"), what, c.num)
				return
			}
			id := "share.incoming_count"
			if dir == "outgoing" {
				id = "share.outgoing_count"
			}
			st.emit(b, "Then", c.rng, id, steps.Args{"user": u.name, "count": c.num}, nil, nil)
		}
	case "connections":
		for _, u := range actors {
			st.emit(b, "Then", c.rng, "connection.count", steps.Args{"user": u.name, "count": c.num}, nil, nil)
		}
	case "canonical_cryppo":
		st.emit(b, "Then", c.rng, "crypto.canonical_cryppo", steps.Args{"users": nameList(everyone)}, nil, nil)
	case "keypairs_rsa4096":
		st.emit(b, "Then", c.rng, "crypto.keypairs", steps.Args{"users": nameList(everyone), "bits": 4096, "exponent": 65537}, nil, nil)
	case "public_keys_pem":
		st.emit(b, "Then", c.rng, "users.public_keys_pem", steps.Args{"users": nameList(everyone)}, nil, nil)
	case "kek_tamper_rejected":
		for _, u := range everyone {
			st.emit(b, "Then", c.rng, "crypto.kek_tamper_rejected", steps.Args{"user": u.name}, nil, nil)
		}
	case "symmetric_format":
		st.emit(b, "Then", c.rng, "crypto.symmetric_form", steps.Args{"strategy": "Aes256Gcm", "iv": 12, "tag": 16, "aad": "none"}, nil, nil)
	case "wrapped_key_format":
		st.emit(b, "Then", c.rng, "crypto.wrapped_key_form", steps.Args{"strategy": "Rsa4096", "artifacts": "QQUAAAAA"}, nil, nil)
	case "key_sizes":
		st.emit(b, "Then", c.rng, "crypto.key_sizes", steps.Args{"size": 32}, nil, nil)
	case "ledger_reverifies":
		st.emit(b, "Then", c.rng, "crypto.ledger_reverifies", steps.Args{}, nil, nil)
	}
}

func (st *state) shareCheck(b *block, c check, s *shareData, r *person, cp *copyState) bool {
	share := b.expect.share
	labelOf := map[string]from{"label": labelFrom(s.origin)}
	status := "acceptance_not_required"
	if s.hasTerms {
		status = "acceptance_required"
		if cp.accepted {
			status = "accepted"
		}
	}
	switch c.name {
	case "values":
		if s.hasTerms && !cp.accepted {
			st.errf(c.rng, "Share not accepted", "%s has terms that %s has not accepted at this point, so %s cannot read it yet.", share.ref(), r.name, r.name)
			return false
		}
		for _, sv := range c.slots {
			if !slices.Contains(s.slots, sv.name) {
				st.errf(sv.rng, "Slot not shared", "%s does not carry slot %q (it carries %s).%s", share.ref(), sv.name, quoteList(s.slots), suggest(sv.name, s.slots))
				return false
			}
		}
		st.emit(b, "Then", c.rng, "share.recipient_sees", steps.Args{"recipient": r.name, "label": s.label, "sender": s.sharer.name}, labelOf, c.slots)
	case "status":
		if c.str != status {
			st.errf(c.rng, "Wrong status", "%s to %s is %q at this point, not %q.", share.ref(), r.name, status, c.str)
			return false
		}
		st.emit(b, "Then", c.rng, "share.state", steps.Args{"label": s.label, "recipient": r.name, "state": c.str}, labelOf, nil)
	case "locked_until_accepted":
		if status != "acceptance_required" {
			st.errf(c.rng, "Not waiting for acceptance", "%s to %s is %q at this point, so it is not locked.", share.ref(), r.name, status)
			return false
		}
		st.emit(b, "Then", c.rng, "share.locked_until_accepted", steps.Args{"recipient": r.name, "label": s.label}, labelOf, nil)
	case "terms_shown":
		if status != "accepted" {
			st.errf(c.rng, "Terms not accepted", "%s to %s is %q at this point; terms are shown when the recipient accepts.", share.ref(), r.name, status)
			return false
		}
		st.emit(b, "Then", c.rng, "share.terms_shown", steps.Args{"recipient": r.name, "terms": s.terms},
			map[string]from{"terms": {share.rangeOf("terms"), "terms"}}, nil)
	case "expires_at":
		if s.expires == "" {
			st.errf(c.rng, "No expiry", "%s was made without expires, so there is no expiry to read back.", share.ref())
			return false
		}
		st.emit(b, "Then", c.rng, "share.expires_at", steps.Args{"label": s.label, "recipient": r.name, "until": s.expires},
			map[string]from{"label": labelFrom(s.origin), "until": {share.rangeOf("expires"), "expires"}}, nil)
	case "owner_and_sender":
		st.emit(b, "Then", c.rng, "share.owner_and_sender", steps.Args{"label": s.label, "recipient": r.name, "owner": s.owner.name, "sender": s.sharer.name}, labelOf, nil)
	case "dek_form":
		st.emit(b, "Then", c.rng, "share.dek_form", steps.Args{"label": s.label, "recipient": r.name, "form": c.str},
			map[string]from{"label": labelFrom(s.origin), "form": {c.val, c.name}}, nil)
	case "new_dek":
		if s.hasTerms {
			// The Vault hides the key of a share with terms when it is
			// made, so there is no first key to compare the new one with.
			st.errf(c.rng, "No key to compare", "%s was made with terms, and the Vault withholds the encrypted DEK of such a share when it is made, so new_dek has nothing to compare with. Check it on a share without terms.", share.ref())
			return false
		}
		if !cp.rekeyed {
			st.errf(c.rng, "Not re-keyed", "%s to %s has not been re-keyed at this point: put an update of %s with rekey = true before this check.", share.ref(), r.name, s.origin.ref())
			return false
		}
		st.emit(b, "Then", c.rng, "share.new_dek", steps.Args{"label": s.label, "recipient": r.name}, labelOf, nil)
	case "key_opens_only_for_recipient":
		st.emit(b, "Then", c.rng, "share.key_opens_only_for", steps.Args{"label": s.label, "recipient": r.name, "keyOwner": r.name}, labelOf, nil)
	case "values_decrypt_only_with_share_key":
		st.emit(b, "Then", c.rng, "share.values_share_key_only", steps.Args{"label": s.label, "recipient": r.name}, labelOf, nil)
	case "hashes_verify":
		st.emit(b, "Then", c.rng, "share.hashes_verify", steps.Args{"label": s.label, "recipient": r.name}, labelOf, nil)
	case "tamper_rejected":
		st.emit(b, "Then", c.rng, "share.tamper_rejected", steps.Args{"label": s.label, "recipient": r.name}, labelOf, nil)
	case "no_values_for":
		it := s.origin.item
		for _, n := range c.list {
			if !it.hasSlot(n) {
				st.errf(c.rng, "Unknown slot", "%q is not a slot of %s (its slots: %s).%s", n, s.origin.ref(), quoteList(it.slotNames()), suggest(n, it.slotNames()))
				return false
			}
			if slices.Contains(s.slots, n) {
				st.errf(c.rng, "Slot is shared", "%s carries slot %q, so %s's copy holds a value for it.", share.ref(), n, r.name)
				return false
			}
		}
		st.emit(b, "Then", c.rng, "share.no_value_for", steps.Args{"recipient": r.name, "label": s.label, "slots": c.list},
			map[string]from{"label": labelFrom(s.origin), "slots": {c.val, c.name}}, nil)
	case "ledger_records_share_key":
		st.emit(b, "Then", c.rng, "crypto.ledger_share_key", steps.Args{"sender": s.sharer.name, "recipient": r.name}, nil, nil)
	}
	return true
}

func (st *state) cannot(b *block, c check, actors []*person) {
	t := c.target
	if t.item == nil && t.share == nil {
		return // did not decode
	}
	if t.item != nil {
		it := t.item
		for _, u := range actors {
			if u == it.owner {
				st.errf(b.rangeOf("user"), "Owner can", "%s owns %s, so %s can %s it.", u.name, t.ref(), u.name, strings.TrimPrefix(c.name, "cannot_"))
				return
			}
			verb := strings.TrimPrefix(c.name, "cannot_")
			st.emit(b, "Then", c.rng, "access.item_denied", steps.Args{"actor": u.name, "verb": verb, "owner": it.owner.name, "label": it.label},
				map[string]from{"label": labelFrom(t)}, nil)
		}
		return
	}
	if t.share == nil || !st.usable(t, c.rng, "check") {
		return
	}
	s := t.share
	for _, u := range actors {
		for _, r := range s.to {
			if u == r || (c.name == "cannot_delete" && u == s.sharer) {
				st.errf(b.rangeOf("user"), "Party to the share", "%s is a party to %s, so this check does not hold; use it for users outside the share.", u.name, t.ref())
				return
			}
			if st.copyOf(t, r, c.rng, "check") == nil {
				return
			}
			verb := strings.TrimPrefix(c.name, "cannot_")
			st.emit(b, "Then", c.rng, "access.share_denied", steps.Args{"actor": u.name, "verb": verb, "label": s.label, "recipient": r.name},
				map[string]from{"label": labelFrom(s.origin)}, nil)
		}
	}
}
