package steps

import (
	"maps"
	"slices"
	"time"
)

// Forking a World: a load run sets a scenario up once per virtual user
// (its leading Given steps) and runs the rest of it, again and again, on
// forks of that state. A fork starts with every object the scenario made
// so far (users and their sessions, items, connections, invitations,
// shares, keypairs, the last outcome) as copies, so that what an iteration
// does never shows in the next one, and with a crypto ledger and exchange
// log that continue those of the World it was forked from: the checks of
// what was sent at set-up (the public keys a user sent) still see it, the
// ledger still opens what the set-up's keys wrapped, and the blindness
// check still looks for the set-up's secrets.
//
// forkedFields names every field of World and how fork treats it;
// TestForkCoversEveryField fails when a field is added to World without
// deciding here whether a fork copies it.
var forkedFields = map[string]string{
	"cfg":        "shared",
	"client":     "the same, over the forked ledger and log (client.WithRecords)",
	"ledger":     "forked (ledger.Fork)",
	"log":        "forked (redact.Log.Fork)",
	"users":      "copied",
	"items":      "copied, owners remapped",
	"conns":      "copied, users remapped",
	"pending":    "copied",
	"shares":     "copied, item, users and parent remapped",
	"keypairs":   "copied, owners remapped",
	"lastAgain":  "copied, users remapped",
	"last":       "copied",
	"pickle":     "set by NewRun",
	"stepType":   "set by BeginStep",
	"stepMark":   "set by BeginStep",
	"expectFail": "set by BeginStep",
	"verified":   "reset: Finish sets it",
	"idt":        "copied, users remapped",
	"serverMark": "new: the services' log from the fork on",
	"blindFrom":  "set: the set-up's exchanges were checked by Checkpoint",
	"canaries":   "new, over the parent's (read, never added to)",
	"deliberate": "copied",
	"connNames":  "copied",
}

// forkedRefs names every field of the scenario objects a fork copies that
// refers to memory (a pointer, map or slice) and how the copy treats it:
// a copy that shared a map with its parent would let one iteration change
// the next. TestForkCoversEveryField checks the list is complete.
var forkedRefs = map[string]string{
	"user.auth":                  "shared: AuthData is never changed once made",
	"user.registered":            "shared: as auth",
	"user.loggedOut":             "shared: as auth",
	"user.dead":                  "shared: as auth",
	"user.short":                 "shared: as auth",
	"user.taken":                 "clipped: appends copy",
	"item.owner":                 "remapped",
	"item.values":                "cloned",
	"item.history":               "clipped: appends copy",
	"connection.inviter":         "remapped",
	"connection.invitee":         "remapped",
	"connection.rec":             "cloned",
	"connection.deleted":         "cloned",
	"share.item":                 "remapped",
	"share.sender":               "remapped",
	"share.recipient":            "remapped",
	"share.parent":               "remapped",
	"share.record":               "shared: the answer of the Vault, replaced, never changed in place",
	"share.deks":                 "clipped: appends copy",
	"share.shown":                "shared: set once, never changed",
	"share.expires":              "a time.Time value",
	"keypairInfo.owner":          "remapped",
	"keypairInfo.priv":           "shared: keys never change",
	"connectAgain.a":             "remapped",
	"connectAgain.b":             "remapped",
	"connectAgain.resp":          "shared: the answer of the Vault",
	"outcome.err":                "shared: errors never change",
	"outcome.exchanges":          "clipped",
	"sentInvitation.inviter":     "remapped",
	"sentInvitation.invitee":     "remapped",
	"sentInvitation.inv":         "shared: the answer of the Vault",
	"sentInvitation.expires":     "a time.Time value",
	"deletedItem.it":             "remapped (copied when no longer among the items)",
	"deletedItem.slots":          "clipped",
	"identityState.shortOpened":  "rebuilt, users remapped",
	"identityState.shortFor":     "rebuilt, users remapped",
	"identityState.loginKeypair": "rebuilt, users remapped",
	"identityState.invites":      "rebuilt, copies",
	"identityState.removedSlots": "rebuilt, clipped",
	"identityState.deletedItems": "rebuilt, copies",
}

// forkInto gives dst, a new World over the same Config, copies of w's
// scenario objects, with every pointer between them remapped to the
// copies, and forks of its ledger and exchange log.
func (w *World) forkInto(dst *World) error {
	dst.ledger = w.ledger.Fork()
	dst.log = w.log.Fork()
	dst.client = w.client.WithRecords(dst.ledger, dst.log)
	dst.blindFrom = w.blindFrom
	dst.canaries = newCanaryCache(w.canaries)
	users := make(map[*user]*user, len(w.users))
	for n, u := range w.users {
		cu := *u
		cu.taken = slices.Clip(u.taken)
		users[u] = &cu
		dst.users[n] = &cu
	}
	remap := func(u *user) *user {
		if u == nil {
			return nil
		}
		return users[u]
	}
	items := make(map[*item]*item, len(w.items))
	for l, it := range w.items {
		ci := *it
		ci.owner = remap(it.owner)
		ci.values = maps.Clone(it.values)
		ci.history = slices.Clip(it.history)
		items[it] = &ci
		dst.items[l] = &ci
	}
	// Items no longer in w.items (deleted ones) are copied when first met.
	remapItem := func(it *item) *item {
		if it == nil {
			return nil
		}
		if c, ok := items[it]; ok {
			return c
		}
		ci := *it
		ci.owner = remap(it.owner)
		ci.values = maps.Clone(it.values)
		ci.history = slices.Clip(it.history)
		items[it] = &ci
		return &ci
	}
	for k, c := range w.conns {
		cc := *c
		cc.inviter, cc.invitee = remap(c.inviter), remap(c.invitee)
		cc.rec = maps.Clone(c.rec)
		cc.deleted = maps.Clone(c.deleted)
		dst.conns[k] = &cc
	}
	maps.Copy(dst.pending, w.pending)
	shares := make(map[*share]*share, len(w.shares))
	for _, s := range w.shares {
		cs := *s
		cs.deks = slices.Clip(s.deks)
		shares[s] = &cs
		dst.shares = append(dst.shares, &cs)
	}
	for _, cs := range dst.shares {
		cs.item = remapItem(cs.item)
		cs.sender, cs.recipient = remap(cs.sender), remap(cs.recipient)
		if cs.parent != nil {
			cs.parent = shares[cs.parent]
		}
	}
	for k, kp := range w.keypairs {
		ck := *kp
		ck.owner = remap(kp.owner)
		dst.keypairs[keypairKey{owner: remap(k.owner), id: k.id}] = &ck
	}
	if a := w.lastAgain; a != nil {
		ca := *a
		ca.a, ca.b = remap(a.a), remap(a.b)
		dst.lastAgain = &ca
	}
	if o := w.last; o != nil {
		co := *o
		co.exchanges = slices.Clip(o.exchanges)
		dst.last = &co
	}
	if t := w.idt; t != nil {
		ct := &identityState{
			shortOpened:  map[*user]time.Time{},
			shortFor:     map[*user]time.Duration{},
			loginKeypair: map[*user]string{},
			invites:      map[string]*sentInvitation{},
			removedSlots: map[string][]string{},
			deletedItems: map[string]*deletedItem{},
		}
		for u, v := range t.shortOpened {
			ct.shortOpened[remap(u)] = v
		}
		for u, v := range t.shortFor {
			ct.shortFor[remap(u)] = v
		}
		for u, v := range t.loginKeypair {
			ct.loginKeypair[remap(u)] = v
		}
		for k, inv := range t.invites {
			ci := *inv
			ci.inviter, ci.invitee = remap(inv.inviter), remap(inv.invitee)
			ct.invites[k] = &ci
		}
		for k, v := range t.removedSlots {
			ct.removedSlots[k] = slices.Clip(v)
		}
		for k, d := range t.deletedItems {
			cd := *d
			cd.it = remapItem(d.it)
			cd.slots = slices.Clip(d.slots)
			ct.deletedItems[k] = &cd
		}
		dst.idt = ct
	}
	dst.deliberate = maps.Clone(w.deliberate)
	dst.connNames = slices.Clip(w.connNames)
	return nil
}
