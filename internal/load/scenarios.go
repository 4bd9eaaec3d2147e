package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	messages "github.com/cucumber/messages/go/v34"

	"github.com/vaultcheck/vaultcheck/harness"
	"github.com/vaultcheck/vaultcheck/internal/suite"
	"github.com/vaultcheck/vaultcheck/steps"
)

// Scenario selection goes through the suite loader that run and vet use:
// files, folders and FILE.feature:LINE (the suite built into vaultcheck
// when none are named), HCL scenarios compiled with their variables,
// every problem of a file and every undefined step reported at its
// file:line before the target is contacted; then the tag filter, and each
// pickle compiled against the step table once.

// scenario is one selected pickle, compiled.
type scenario struct {
	name     string // "features/sharing.feature:17: Alice shares her car"
	compiled *steps.Compiled
	setupLen int // leading Given steps: the fixture
}

// maxProblems is how many problems of the scenario files an error lists.
const maxProblems = 10

// selectScenarios loads paths (nil: the embedded suite) and keeps the
// pickles tags selects.
func selectScenarios(ctx context.Context, paths []string, tags string, vars map[string]string) ([]*scenario, error) {
	tf, err := harness.ParseTags(tags)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	s, err := suite.Load(ctx, suite.Options{Paths: paths, Vars: vars})
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w: interrupted while loading the scenarios", ErrHarness)
	case errors.Is(err, suite.ErrBadPath), errors.Is(err, suite.ErrNoScenarios):
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	case err != nil:
		return nil, fmt.Errorf("%w: loading the scenarios: %v", ErrHarness, err)
	case len(s.Problems) > 0:
		return nil, fmt.Errorf("%w: the scenario files have problems:\n%s", ErrUsage, suite.List(s.Problems, maxProblems))
	}
	if probs := s.Check(); len(probs) > 0 {
		return nil, fmt.Errorf("%w: found before contacting the target:\n%s", ErrScenario, suite.List(probs, maxProblems))
	}
	var out []*scenario
	for _, f := range s.Files {
		for _, ft := range f.Features {
			for _, p := range ft.Pickles {
				line := ft.Lines[p.AstNodeIds[0]]
				if f.Lines != nil && !slices.Contains(f.Lines, line) {
					continue
				}
				var names []string
				for _, t := range p.Tags {
					names = append(names, t.Name)
				}
				if !tf.Match(names) {
					continue
				}
				// The line of the pickle's own Examples row for an outline.
				line = ft.Lines[p.AstNodeIds[len(p.AstNodeIds)-1]]
				name := fmt.Sprintf("%s:%d: %s", ft.URI, line, p.Name)
				c, err := steps.Compile(p)
				if err != nil {
					return nil, fmt.Errorf("%w: %s: %v", ErrScenario, name, err)
				}
				out = append(out, &scenario{name: name, compiled: c, setupLen: leadingGivens(p)})
			}
		}
	}
	if len(out) == 0 {
		what := "the built-in suite"
		if len(paths) > 0 {
			what = strings.Join(paths, ", ")
		}
		return nil, fmt.Errorf("%w: no scenario of %s matches the tags %q", ErrUsage, what, tags)
	}
	return out, nil
}

// leadingGivens counts the steps before the first When or Then: the
// Background's and the scenario's set-up.
func leadingGivens(p *messages.Pickle) int {
	for i, s := range p.Steps {
		if s.Type != messages.PickleStepType_CONTEXT {
			return i
		}
	}
	return len(p.Steps)
}
