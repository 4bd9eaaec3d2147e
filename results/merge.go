package results

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrMerge reports shards that do not make one run: shards of different
// suites, builds or partitions, a shard missing or given twice, a scenario
// in two shards.
var ErrMerge = errors.New("cannot merge")

// Merge joins the shards of one run into the document the run would have
// written unsharded: the same scenarios with the same statuses, steps and
// exchanges, the same totals, in the same order. Run.Shards records each
// shard; Started and Finished span them all; ExitCode is the one the merged
// scenarios imply.
//
// Merge is exact or refuses: every shard of the partition must be there
// once, all made by the same vaultcheck build from the same suite with the
// same selection, and their scenarios must add up to the run's.
func Merge(docs ...*Document) (*Document, error) {
	if len(docs) == 0 {
		return nil, fmt.Errorf("%w: no results to merge", ErrMerge)
	}
	first := docs[0]
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	for i, d := range docs {
		if d.Run.Shard == nil {
			return nil, fmt.Errorf("%w: results %d is a whole run, not a shard (run it with --shard I/N)", ErrMerge, i+1)
		}
	}
	fs := *first.Run.Shard
	byIndex := map[int]int{}
	for i, d := range docs {
		s := d.Run.Shard
		switch {
		case d.Run.SuiteDigest != first.Run.SuiteDigest:
			bad("results %d ran another suite (digest %s, want %s as results 1)", i+1, d.Run.SuiteDigest, first.Run.SuiteDigest)
		case d.Run.Tool.Version != first.Run.Tool.Version || d.Run.Tool.Commit != first.Run.Tool.Commit:
			bad("results %d was made by vaultcheck %s %s, results 1 by %s %s", i+1, d.Run.Tool.Version, d.Run.Tool.Commit, first.Run.Tool.Version, first.Run.Tool.Commit)
		case s.Total != fs.Total || s.AllIDs != fs.AllIDs || s.Scenarios != fs.Scenarios:
			bad("results %d is shard %d/%d of another partition (%d scenarios, ids %s) than results 1 (%d/%d, %d scenarios, ids %s)",
				i+1, s.Index, s.Total, s.Scenarios, s.AllIDs, fs.Index, fs.Total, fs.Scenarios, fs.AllIDs)
		case d.Run.Tags != first.Run.Tags || d.Run.Keys != first.Run.Keys:
			bad("results %d selected tags %q with keys %s, results 1 tags %q with keys %s", i+1, d.Run.Tags, d.Run.Keys, first.Run.Tags, first.Run.Keys)
		}
		if j, dup := byIndex[s.Index]; dup {
			bad("shard %d/%d given twice (results %d and %d)", s.Index, s.Total, j+1, i+1)
		}
		byIndex[s.Index] = i
	}
	if len(problems) == 0 {
		var missing []string
		for k := 1; k <= fs.Total; k++ {
			if _, ok := byIndex[k]; !ok {
				missing = append(missing, fmt.Sprintf("%d/%d", k, fs.Total))
			}
		}
		if len(missing) > 0 {
			bad("shard %s missing", strings.Join(missing, ", "))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrMerge, strings.Join(problems, "\n  "))
	}

	order := make([]*Document, fs.Total)
	for idx, i := range byIndex {
		order[idx-1] = docs[i]
	}
	out := &Document{Schema: SchemaID, Run: first.Run}
	out.Run.Shard = nil
	out.Run.Shards = nil
	features := map[string]Feature{}
	owner := map[string]int{}
	var ids []string
	for _, d := range order {
		s := *d.Run.Shard
		out.Run.Shards = append(out.Run.Shards, ShardRun{Shard: s, Started: d.Run.Started, Finished: d.Run.Finished, ExitCode: d.Run.ExitCode, Target: d.Run.Target})
		if d.Run.Started.Before(out.Run.Started) {
			out.Run.Started = d.Run.Started
		}
		if d.Run.Finished.After(out.Run.Finished) {
			out.Run.Finished = d.Run.Finished
		}
		out.Run.Interrupted = out.Run.Interrupted || d.Run.Interrupted
		out.Run.FailFast = out.Run.FailFast || d.Run.FailFast
		for _, f := range d.Features {
			if have, ok := features[f.URI]; ok {
				if have.Gherkin != f.Gherkin {
					bad("feature %s differs between shards", f.URI)
				}
				continue
			}
			features[f.URI] = f
			out.Features = append(out.Features, f)
		}
		for _, sc := range d.Scenarios {
			if j, dup := owner[sc.ID]; dup {
				bad("scenario %q is in shard %d and shard %d", sc.ID, j, s.Index)
				continue
			}
			owner[sc.ID] = s.Index
			ids = append(ids, sc.ID)
			out.Scenarios = append(out.Scenarios, sc)
		}
	}
	if len(ids) != fs.Scenarios || IDsDigest(ids) != fs.AllIDs {
		bad("the shards hold %d scenarios, want the run's %d with ids %s", len(ids), fs.Scenarios, fs.AllIDs)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrMerge, strings.Join(problems, "\n  "))
	}
	SortScenarios(out)
	out.Totals = Count(out.Scenarios)
	out.Run.ExitCode = out.ExitCode()
	return out, nil
}

// SortScenarios puts doc's scenarios in file order: by their feature's
// place in doc.Features, then line, then id.
func SortScenarios(doc *Document) {
	rank := map[string]int{}
	for i, f := range doc.Features {
		rank[f.URI] = i
	}
	slices.SortStableFunc(doc.Scenarios, func(a, b Scenario) int {
		return cmp.Or(cmp.Compare(rank[a.Feature], rank[b.Feature]), cmp.Compare(a.Line, b.Line), strings.Compare(a.ID, b.ID))
	})
}
