package hclscenario

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// srcFile is one decoded .hcl file: its own variables, the blocks outside
// any scenario (the background) and its scenarios. Files share nothing.
type srcFile struct {
	name        string // as shown in diagnostics and as the Feature's name
	description string
	tags        []string
	vars        map[string]cty.Value
	ctx         *hcl.EvalContext
	bg          *scope
	scenarios   []*scenario
}

// scenario is one scenario block.
type scenario struct {
	name        string
	def         hcl.Range
	description string
	tags        []string
	scope       *scope
}

// scope holds the blocks of the background or of one scenario. A
// scenario's scope sees the background's blocks through parent.
type scope struct {
	parent *scope
	blocks []*block // in source order
	named  map[string]*block
	order  []*block // execution order of the non-user blocks, once sorted
	cyclic bool
}

func (s *scope) lookup(kind, name string) *block {
	for sc := s; sc != nil; sc = sc.parent {
		if b := sc.named[kind+"."+name]; b != nil {
			return b
		}
	}
	return nil
}

// names lists the names of kind visible from s, for "did you mean".
func (s *scope) names(kind string) []string {
	var out []string
	for sc := s; sc != nil; sc = sc.parent {
		for _, b := range sc.blocks {
			if b.kind == kind {
				out = append(out, b.name)
			}
		}
	}
	return out
}

// block is one declaration inside the background or a scenario.
type block struct {
	kind, name string
	def        hcl.Range // `share "car_to_bob"`
	labelRange hcl.Range
	attrs      hcl.Attributes
	scope      *scope
	pos        int  // byte offset: source order
	bad        bool // failed to decode; checks that need its data skip it
	deps       []*block

	user   *userData
	item   *itemData
	conn   *connData
	share  *shareData
	accept *acceptData
	update *updateData
	del    *deleteData
	expect *expectData
}

func (b *block) ref() string { return b.kind + "." + b.name }

func (b *block) dependOn(d *block) {
	if d == nil || d == b {
		return
	}
	for _, x := range b.deps {
		if x == d {
			return
		}
	}
	b.deps = append(b.deps, d)
}

// rangeOf is the range of attribute name, or the block's header.
func (b *block) rangeOf(name string) hcl.Range {
	if a := b.attrs[name]; a != nil {
		return a.Expr.Range()
	}
	return b.def
}

// person is one registered user; a user block with count declares several.
type person struct {
	name     string // display name, one word
	pronoun  string // she, he or they
	password *string
	decl     *block
}

type userData struct {
	persons []*person
	count   int
}

// slotValue is one slot of a map attribute, in source order.
type slotValue struct {
	name, value string
	rng         hcl.Range // the whole `name = value`
	key, val    hcl.Range
}

type itemData struct {
	owner    *person
	template string
	label    string
	slots    []slotValue
}

func (it *itemData) hasSlot(name string) bool {
	for _, s := range it.slots {
		if s.name == name {
			return true
		}
	}
	return false
}

func (it *itemData) slotNames() []string {
	out := make([]string, len(it.slots))
	for i, s := range it.slots {
		out[i] = s.name
	}
	return out
}

type connData struct {
	from   *person
	to     []*person
	invite bool
}

type shareData struct {
	item      *block // direct share
	parent    *block // on-share
	to        []*person
	slot      string
	terms     string
	hasTerms  bool
	accept    bool
	onsharing bool
	refused   bool
	expires   string // as written; "" for none

	// Filled in by the checker.
	derived bool     // derive ran
	ok      bool     // derive found no error: the fields below are valid
	origin  *block   // the item block at the root of the chain
	owner   *person  // the item's owner
	sharer  *person  // who sends this share
	from    *person  // for an on-share: who sent the parent share to the sharer
	label   string   // the item's label
	slots   []string // the slots it carries
	depth   int      // 0 for a direct share, 1 for an on-share, ...
	conns   []*block // the connection between sharer and each recipient
	accepts []*block // accept blocks naming it
	deletes []*block // delete blocks naming it
}

type acceptData struct {
	share *block
	users []*person // nil: every recipient
}

type updateData struct {
	item  *block
	slots []slotValue
	rekey bool
}

type deleteData struct {
	share *block
	conn  *block
	by    *person
}

type expectData struct {
	users   []*person // nil when not given
	share   *block
	item    *block
	checks  []check // in source order
	userRng hcl.Range
}

// check is one check attribute of an expect block, decoded.
type check struct {
	name   string
	rng    hcl.Range // the whole attribute
	val    hcl.Range // its value
	str    string
	num    int
	list   []string
	slots  []slotValue
	target *block // for gone / cannot_* references
}
