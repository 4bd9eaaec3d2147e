package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vaultcheck/vaultcheck/internal/client"
	"github.com/vaultcheck/vaultcheck/internal/redact"
)

// Lists in pages: per_page, next_page_after and the last page, checked on
// GET /items, the list a user can make as long as a check needs.

// maxPages bounds how many pages a check follows before it calls a list
// endless.
const maxPages = 50

// CreateItems creates count items of a template for the user, labelled
// "Item 1", "Item 2"…, without slot values (the cheapest item there is).
func (w *World) CreateItems(ctx context.Context, owner string, count int, template string) error {
	u, err := w.activeUser(owner)
	if err != nil {
		return err
	}
	if count < 1 || count > maxPages {
		return scenarioErrorf("%d items: want between 1 and %d", count, maxPages)
	}
	for i := 1; i <= count; i++ {
		if w.items[fmt.Sprintf("Item %d", i)] != nil {
			return scenarioErrorf("an item \"Item %d\" exists already in this scenario", i)
		}
	}
	return w.act(ctx, fmt.Sprintf("%s creates %d %q items", owner, count, template), func() error {
		for i := 1; i <= count; i++ {
			label := fmt.Sprintf("Item %d", i)
			it, err := w.client.CreateItem(ctx, u.auth, client.NewItem{Template: template, Label: label})
			if err != nil {
				return err
			}
			w.items[label] = &item{label: label, template: template, owner: u, id: it.ID, values: map[string]string{}}
		}
		return nil
	})
}

// pageOf is one page of a list as a check saw it.
type pageOf struct {
	ids        []string
	next       string
	nextExists bool
	exs        []redact.Exchange
}

// itemsPage reads one page of the user's items.
func (w *World) itemsPage(ctx context.Context, u *user, per int, after string) (*pageOf, error) {
	mark := w.log.Len()
	out, err := w.client.ListItems(ctx, u.auth, client.ItemQuery{PerPage: per, NextPageAfter: after})
	p := &pageOf{exs: w.log.Since(mark)}
	if err != nil {
		return nil, w.fail(fmt.Sprintf("%s lists their items %d per page", u.name, per), err)
	}
	for _, it := range out.Items {
		p.ids = append(p.ids, it.ID)
	}
	if out.NextPageAfter != nil {
		p.next = *out.NextPageAfter
	}
	p.nextExists = out.Meta.NextPageExists
	return p, nil
}

// ownItemIDs lists the ids of the user's live own items of the scenario;
// a user who received items cannot be paged this way.
func (w *World) ownItemIDs(u *user) (map[string]string, error) {
	for _, s := range w.shares {
		if s.recipient == u && !s.deleted {
			return nil, scenarioErrorf("%s received items in this scenario; page through the items of a user who holds only their own", u.name)
		}
	}
	ids := map[string]string{}
	for _, it := range w.items {
		if it.owner == u {
			ids[it.id] = it.label
		}
	}
	return ids, nil
}

// followPages reads pages from the one after cursor until one has no
// next_page_after, and checks each: at most per records, no record twice,
// none outside want, next_page_after and next_page_exists on every page
// but the one holding the list's last record, and neither on that one.
// It returns the records seen by id and how many pages it read.
func (w *World) followPages(ctx context.Context, u *user, per int, cursor string, want map[string]string, seen map[string]int, pagesBefore int) (int, error) {
	pages := pagesBefore
	for {
		if pages >= maxPages {
			return pages, &TargetFailure{Msg: fmt.Sprintf("%s's items %d per page: want the list to end, got a next page after %d pages", u.name, per, pages)}
		}
		p, err := w.itemsPage(ctx, u, per, cursor)
		if err != nil {
			return pages, err
		}
		pages++
		what := fmt.Sprintf("%s's items %d per page, page %d", u.name, per, pages)
		if len(p.ids) > per {
			return pages, &TargetFailure{Msg: fmt.Sprintf("%s: want at most %d items (per_page), got %d", what, per, len(p.ids)), Exchanges: p.exs}
		}
		for _, id := range p.ids {
			if _, ok := want[id]; !ok {
				return pages, &TargetFailure{Msg: fmt.Sprintf("%s: want only %s's live items, got item %s", what, u.name, id), Exchanges: p.exs}
			}
			seen[id]++
			if seen[id] > 1 {
				return pages, &TargetFailure{Msg: fmt.Sprintf("%s: want each item once, got %q a second time", what, want[id]), Exchanges: p.exs}
			}
		}
		last := len(seen) == len(want)
		switch {
		case last && (p.next != "" || p.nextExists):
			return pages, &TargetFailure{Msg: fmt.Sprintf("%s holds the list's last item: want next_page_after null and next_page_exists false, got next_page_after %s and next_page_exists %v",
				what, nullOr(p.next), p.nextExists), Exchanges: p.exs}
		case !last && p.next == "":
			var missing []string
			for id, label := range want {
				if seen[id] == 0 {
					missing = append(missing, fmt.Sprintf("%q", label))
				}
			}
			return pages, &TargetFailure{Msg: fmt.Sprintf("%s has no next_page_after: want every item listed once, got %d of %d (never listed: %s)",
				what, len(seen), len(want), strings.Join(slices.Sorted(slices.Values(missing)), ", ")), Exchanges: p.exs}
		case !last && !p.nextExists:
			return pages, &TargetFailure{Msg: fmt.Sprintf("%s is not the last: want meta.next_page_exists true beside next_page_after, got false", what), Exchanges: p.exs}
		case last:
			return pages, nil
		}
		cursor = p.next
	}
}

func nullOr(s string) string {
	if s == "" {
		return "null"
	}
	return "set"
}

// CheckPages lists the user's items per_page at a time, following
// next_page_after from the first page, and checks that the pages are
// this many and hold every item exactly once (followPages).
func (w *World) CheckPages(ctx context.Context, owner string, per, pages int) error {
	u, err := w.activeUser(owner)
	if err != nil {
		return err
	}
	want, err := w.ownItemIDs(u)
	if err != nil {
		return err
	}
	if per < 1 {
		return scenarioErrorf("%d per page: want at least 1", per)
	}
	if n := (len(want) + per - 1) / per; n != pages {
		return scenarioErrorf("%d items %d per page make %d pages, not %d", len(want), per, n, pages)
	}
	got, err := w.followPages(ctx, u, per, "", want, map[string]int{}, 0)
	if err != nil {
		return err
	}
	if got != pages {
		return &TargetFailure{Msg: fmt.Sprintf("%s's %d items %d per page: want %d pages, got %d", owner, len(want), per, pages, got)}
	}
	return nil
}

// CheckPagesAfterDeletion reads the first page of the user's items, per
// at a time, deletes the items on it, then follows next_page_after: every
// other item must still come exactly once. A Vault that pages by offset
// rather than by cursor skips one here.
func (w *World) CheckPagesAfterDeletion(ctx context.Context, owner string, per int) error {
	u, err := w.activeUser(owner)
	if err != nil {
		return err
	}
	want, err := w.ownItemIDs(u)
	if err != nil {
		return err
	}
	if per < 1 || len(want) <= per {
		return scenarioErrorf("%d items %d per page: want more items than fit on one page", len(want), per)
	}
	first, err := w.itemsPage(ctx, u, per, "")
	if err != nil {
		return err
	}
	if len(first.ids) == 0 || len(first.ids) > per || first.next == "" {
		return &TargetFailure{Msg: fmt.Sprintf("%s's %d items %d per page, page 1: want %d items and a next_page_after, got %d items and next_page_after %s",
			owner, len(want), per, per, len(first.ids), nullOr(first.next)), Exchanges: first.exs}
	}
	for _, id := range first.ids {
		label, ok := want[id]
		if !ok {
			return &TargetFailure{Msg: fmt.Sprintf("%s's items, page 1: want only their live items, got item %s", owner, id), Exchanges: first.exs}
		}
		if err := w.client.DeleteItem(ctx, u.auth, id); err != nil {
			return w.fail(fmt.Sprintf("%s deletes item %q", owner, label), err)
		}
		w.identity().deletedItems[label] = &deletedItem{it: w.items[label]}
		delete(w.items, label)
		delete(want, id)
	}
	_, err = w.followPages(ctx, u, per, first.next, want, map[string]int{}, 1)
	return err
}
