// Package gherkindoc walks parsed Gherkin documents: the one place that
// knows a Feature holds Backgrounds, Scenarios (Outlines included) and
// Rules, and that a Rule holds a Background and Scenarios of its own. The
// loader, the reports and the formatters index ids to lines, keywords and
// Examples rows through it, so that none of them forgets the Rules.
package gherkindoc

import messages "github.com/cucumber/messages/go/v34"

// Walk calls steps for the steps of every Background (the Feature's and
// each Rule's) and scenario for every Scenario, in the document's order.
// Either may be nil. A nil Feature (an empty file) has nothing to walk.
func Walk(f *messages.Feature, steps func([]*messages.Step), scenario func(*messages.Scenario)) {
	if f == nil {
		return
	}
	child := func(bg *messages.Background, sc *messages.Scenario) {
		if bg != nil && steps != nil {
			steps(bg.Steps)
		}
		if sc != nil && scenario != nil {
			scenario(sc)
		}
	}
	for _, ch := range f.Children {
		child(ch.Background, ch.Scenario)
		if ch.Rule != nil {
			for _, rc := range ch.Rule.Children {
				child(rc.Background, rc.Scenario)
			}
		}
	}
}
