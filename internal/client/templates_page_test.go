package client

import (
	"slices"
	"testing"
)

// TestListTemplatesPages pages through the seeded templates one at a time
// with NextPageAfter and PerPage, as the CLI's templates:list --all does,
// and gets every template exactly once, in the order of the full list.
func TestListTemplatesPages(t *testing.T) {
	e := newEnv(t)
	alice := e.user("Alice")
	full, err := e.c.ListTemplates(e.ctx, alice, TemplateQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, tm := range full.ItemTemplates {
		want = append(want, tm.Name)
	}
	if len(want) < 2 {
		t.Fatalf("fake has %d templates, want at least 2 to page", len(want))
	}
	var got []string
	q := TemplateQuery{PerPage: 1}
	for i := 0; ; i++ {
		if i > len(want) {
			t.Fatalf("more pages than templates: %v", got)
		}
		page, err := e.c.ListTemplates(e.ctx, alice, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.ItemTemplates) != 1 {
			t.Fatalf("page %d has %d templates, want 1", i, len(page.ItemTemplates))
		}
		got = append(got, page.ItemTemplates[0].Name)
		if !page.Meta.NextPageExists {
			break
		}
		if page.NextPageAfter == nil || *page.NextPageAfter == "" {
			t.Fatalf("page %d: next_page_exists without next_page_after", i)
		}
		q.NextPageAfter = *page.NextPageAfter
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged templates %v, want %v", got, want)
	}
}
