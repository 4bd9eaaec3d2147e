package results

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrBadShard reports a --shard value that is not I/N with 1 <= I <= N.
var ErrBadShard = errors.New("bad shard")

// ShardSpec is one shard of a run: Index of Total, 1-based.
type ShardSpec struct {
	Index, Total int
}

// String renders the shard as I/N.
func (s ShardSpec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Total) }

// ParseShard reads "I/N" (1 <= I <= N).
func ParseShard(s string) (ShardSpec, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return ShardSpec{}, fmt.Errorf("%w %q: want I/N, such as 2/3", ErrBadShard, s)
	}
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	total, err2 := strconv.Atoi(strings.TrimSpace(n))
	switch {
	case err1 != nil || err2 != nil:
		return ShardSpec{}, fmt.Errorf("%w %q: want I/N with whole numbers, such as 2/3", ErrBadShard, s)
	case total < 1 || total > MaxShards:
		return ShardSpec{}, fmt.Errorf("%w %q: want 1 to %d shards, got %d", ErrBadShard, s, MaxShards, total)
	case index < 1 || index > total:
		return ShardSpec{}, fmt.Errorf("%w %q: want a shard index from 1 to %d, got %d", ErrBadShard, s, total, index)
	}
	return ShardSpec{Index: index, Total: total}, nil
}

// MaxShards bounds the shards of a run: more is a typo, not a plan.
const MaxShards = 1000

// Assign puts each id in one of total shards and returns the shard index
// (1-based) of every id. The partition depends only on the set of ids
// (and the durations), never on their order, so every shard of a run
// computes the same one.
//
// Without durations the ids are sorted and dealt round-robin, which
// balances the count of scenarios. With durations (from an earlier run:
// Durations) the ids are placed longest first, each on the shard with the
// least time so far (the greedy LPT rule, within 4/3 of the best makespan);
// an id the earlier run did not have counts as the mean of those it had.
// Ties go to the lower id and the lower shard.
func Assign(ids []string, total int, durations map[string]time.Duration) map[string]int {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[string]int, len(ids))
	if total < 1 {
		total = 1
	}
	if len(durations) == 0 {
		for i, id := range ids {
			out[id] = i%total + 1
		}
		return out
	}
	var sum time.Duration
	known := 0
	for _, id := range ids {
		if d, ok := durations[id]; ok {
			sum += max(d, 0)
			known++
		}
	}
	fallback := time.Second
	if known > 0 {
		fallback = sum / time.Duration(known)
	}
	cost := func(id string) time.Duration {
		if d, ok := durations[id]; ok {
			return max(d, 0)
		}
		return fallback
	}
	slices.SortStableFunc(ids, func(a, b string) int { return cmp.Compare(cost(b), cost(a)) })
	load := make([]time.Duration, total)
	for _, id := range ids {
		best := 0
		for s := 1; s < total; s++ {
			if load[s] < load[best] {
				best = s
			}
		}
		load[best] += cost(id)
		out[id] = best + 1
	}
	return out
}

// Durations returns how long each scenario of doc took, by id, for the
// scenarios that ran.
func Durations(doc *Document) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, sc := range doc.Scenarios {
		if sc.Status != Disabled && sc.Status != Skipped {
			out[sc.ID] = sc.Duration()
		}
	}
	return out
}
