package hclscenario

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
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
	emit    bool
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
	table  [][]string
	src    hcl.Range   // the step's line
	rowSrc []hcl.Range // each table row after the header
	block  *block
}

func (st *state) add(b *block, kw string, src hcl.Range, format string, args ...any) *step {
	if !st.emit {
		return &step{}
	}
	st.steps = append(st.steps, step{kw: kw, text: fmt.Sprintf(format, args...), src: src, block: b})
	return &st.steps[len(st.steps)-1]
}

func (s *step) slotTable(slots []slotValue) {
	s.table = [][]string{{"slot", "value"}}
	for _, sv := range slots {
		s.table = append(s.table, []string{sv.name, sv.value})
		s.rowSrc = append(s.rowSrc, sv.rng)
	}
}

// names joins display names as the steps do: "Alice", "Alice and Bob",
// "Alice, Bob and Jane".
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
		st.add(first, "Given", first.def, "%s is a registered user", plain[0].name)
	case len(plain) > 1:
		st.add(first, "Given", first.def, "users %s are registered", names(plain))
	}
	for _, b := range s.blocks {
		if b.user == nil {
			continue
		}
		for _, p := range b.user.persons {
			if p.password != nil && st.users[p.name] == p {
				st.add(b, "Given", b.rangeOf("password"), "%s registers with password %q", p.name, *p.password)
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
	s := st.add(b, "Given", b.def, "%s has a %q item %q with:", it.owner.name, it.template, it.label)
	s.slotTable(it.slots)
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
			st.add(b, "When", b.rangeOf("invite"), "%s invites %s to connect as %q", c.from.name, t.name, t.name)
			st.add(b, "When", b.rangeOf("invite"), "%s accepts %s's invitation as %q", t.name, c.from.name, c.from.name)
		} else {
			st.add(b, "Given", b.rangeOf("to"), "%s and %s are connected", c.from.name, t.name)
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
		if s.parent != nil {
			st.add(b, "When", b.rangeOf("from_share"), "%s shares the %q %s received from %s with %s", s.sharer.name, s.label, s.sharer.pronoun, s.from.name, r.name)
		} else {
			// One phrase with optional parts, in the step library's order:
			// slot, recipient, terms, on-sharing.
			var text strings.Builder
			text.WriteString(s.sharer.name + " shares ")
			if s.slot != "" {
				fmt.Fprintf(&text, "slot %q of ", s.slot)
			}
			fmt.Fprintf(&text, "%q with %s", s.label, r.name)
			if s.expires != "" {
				fmt.Fprintf(&text, " until %q", s.expires)
			}
			if s.hasTerms {
				fmt.Fprintf(&text, " with terms %q", s.terms)
			}
			if s.onsharing {
				text.WriteString(" allowing on-sharing")
			}
			st.add(b, "When", b.def, "%s", text.String())
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
			st.add(b, "Then", b.rangeOf("refused"), "the request is refused")
			continue
		}
		st.live[key] = copyKey{b, r}
		st.copies[copyKey{b, r}] = &copyState{liveLabel: key}
	}
	if s.accept {
		for _, r := range s.to {
			if c := st.copies[copyKey{b, r}]; c != nil {
				c.accepted, c.acceptBy = true, b
				st.add(b, "When", b.rangeOf("accept"), "%s accepts the share of %q from %s", r.name, s.label, s.sharer.name)
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
		st.add(b, "When", b.rangeOf("share"), "%s accepts the share of %q from %s", r.name, s.label, s.sharer.name)
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
		st.add(b, "When", sv.rng, "%s changes slot %q of %q to %q", it.owner.name, sv.name, it.label, sv.value)
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
	st.add(b, "When", b.rangeOf("rekey"), "%s updates the shares of %q", it.owner.name, it.label)
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
			st.add(b, "When", b.rangeOf("connection"), "%s deletes %s connection to %s", x.by.name, x.by.possessive(), o.name)
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
		st.add(b, "When", b.rangeOf("share"), "%s deletes the share of %q to %s", x.by.name, s.label, r.name)
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

func slotList(slots []string) string {
	q := make([]string, len(slots))
	for i, s := range slots {
		q[i] = fmt.Sprintf("%q", s)
	}
	if len(q) == 1 {
		return "slot " + q[0]
	}
	return "slots " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
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
		st.add(b, "Then", c.rng, "%s sees %s item %q with:", it.owner.name, it.owner.possessive(), it.label).slotTable(c.slots)
		return
	case slices.Contains(itemChecks, c.name):
		it := e.item.item
		switch c.name {
		case "stored_encrypted":
			st.add(b, "Then", c.rng, "every slot value of %q is stored encrypted with %s's data encryption key", it.label, it.owner.name)
		case "no_plaintext_in_vault":
			st.add(b, "Then", c.rng, "the Vault holds no plaintext of %q", it.label)
		case "rekey_task":
			if !st.changed[e.item] {
				st.errf(c.rng, "No update to re-key", "%s has not changed since its shares were last re-keyed, so the Vault has no task for it. Put an update of it before this check.", e.item.ref())
				return
			}
			st.add(b, "Then", c.rng, "%s has a task to update the shares of %q", it.owner.name, it.label)
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
			st.add(b, "Then", c.rng, "the share of %q to %s is gone for %s and %s", s.label, r.name, s.sharer.name, r.name)
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
			st.add(b, "Then", c.rng, "%s has %s", u.name, plural(c.num, dir+" share", dir+" shares"))
		}
	case "connections":
		for _, u := range actors {
			st.add(b, "Then", c.rng, "%s has %s", u.name, plural(c.num, "connection", "connections"))
		}
	case "canonical_cryppo":
		st.add(b, "Then", c.rng, "every encrypted field the Vault returned to %s is a canonical Cryppo string", names(everyone))
	case "keypairs_rsa4096":
		st.add(b, "Then", c.rng, "every keypair %s made is RSA-4096 with public exponent 65537", names(everyone))
	case "public_keys_pem":
		st.add(b, "Then", c.rng, "the public keys %s sent are PEM as node-forge writes them", names(everyone))
	case "kek_tamper_rejected":
		for _, u := range everyone {
			st.add(b, "Then", c.rng, "a tampered copy of %s's wrapped key encryption key is rejected", u.name)
		}
	case "symmetric_format":
		st.add(b, "Then", c.rng, `every symmetric ciphertext is "Aes256Gcm" with a 12-byte IV, a 16-byte tag and AAD "none"`)
	case "wrapped_key_format":
		st.add(b, "Then", c.rng, `every wrapped share key is "Rsa4096" with the empty artifacts "QQUAAAAA"`)
	case "key_sizes":
		st.add(b, "Then", c.rng, "every key encryption key, data encryption key and share key is 32 bytes")
	case "ledger_reverifies":
		st.add(b, "Then", c.rng, "the crypto ledger re-verifies")
	}
}

func (st *state) shareCheck(b *block, c check, s *shareData, r *person, cp *copyState) bool {
	share := b.expect.share
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
		st.add(b, "Then", c.rng, "%s sees the share of %q from %s with:", r.name, s.label, s.sharer.name).slotTable(c.slots)
	case "status":
		if c.str != status {
			st.errf(c.rng, "Wrong status", "%s to %s is %q at this point, not %q.", share.ref(), r.name, status, c.str)
			return false
		}
		st.add(b, "Then", c.rng, "the share of %q to %s is %q", s.label, r.name, c.str)
	case "locked_until_accepted":
		if status != "acceptance_required" {
			st.errf(c.rng, "Not waiting for acceptance", "%s to %s is %q at this point, so it is not locked.", share.ref(), r.name, status)
			return false
		}
		st.add(b, "Then", c.rng, "%s cannot read the share of %q before accepting it", r.name, s.label)
	case "terms_shown":
		if status != "accepted" {
			st.errf(c.rng, "Terms not accepted", "%s to %s is %q at this point; terms are shown when the recipient accepts.", share.ref(), r.name, status)
			return false
		}
		st.add(b, "Then", c.rng, "%s was shown the terms %q", r.name, s.terms)
	case "expires_at":
		if s.expires == "" {
			st.errf(c.rng, "No expiry", "%s was made without expires, so there is no expiry to read back.", share.ref())
			return false
		}
		st.add(b, "Then", c.rng, "the share of %q to %s expires at %q", s.label, r.name, s.expires)
	case "owner_and_sender":
		st.add(b, "Then", c.rng, "the share of %q to %s has owner %s and sender %s", s.label, r.name, s.owner.name, s.sharer.name)
	case "dek_form":
		st.add(b, "Then", c.rng, "the share of %q to %s has an encrypted DEK of the form %q", s.label, r.name, c.str)
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
		st.add(b, "Then", c.rng, "the share of %q to %s has a new encrypted DEK", s.label, r.name)
	case "key_opens_only_for_recipient":
		st.add(b, "Then", c.rng, "the encrypted DEK of the share of %q to %s opens with %s's connection key only", s.label, r.name, r.name)
	case "values_decrypt_only_with_share_key":
		st.add(b, "Then", c.rng, "the slot values of the share of %q to %s decrypt with the share's key only", s.label, r.name)
	case "hashes_verify":
		st.add(b, "Then", c.rng, "every slot of the share of %q to %s has a value verification hash that verifies", s.label, r.name)
	case "tamper_rejected":
		st.add(b, "Then", c.rng, "a tampered copy of the share of %q to %s is rejected", s.label, r.name)
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
		st.add(b, "Then", c.rng, "%s's copy of %q holds no value for %s", r.name, s.label, slotList(c.list))
	case "ledger_records_share_key":
		st.add(b, "Then", c.rng, "the crypto ledger records a share key generated by %s and opened by %s", s.sharer.name, r.name)
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
			st.add(b, "Then", c.rng, "%s cannot %s %s's item %q", u.name, verb, it.owner.name, it.label)
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
			st.add(b, "Then", c.rng, "%s cannot %s the share of %q to %s", u.name, verb, s.label, r.name)
		}
	}
}
