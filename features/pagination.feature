Feature: Lists in pages
  Every list of the Vault comes in pages of at most per_page records (200 when it is not given), in
  a fixed order. A page that is not the last carries next_page_after, the cursor of the next page,
  and meta.next_page_exists; the page that holds the list's last record carries neither. Following
  the cursors from the first page lists every record exactly once, as Meeco's SDK does when it
  fetches "all", also when records are deleted between two pages.

  @req:PAGE-CURSOR-01 @req:PAGE-CURSOR-01:neg @req:PAGE-PERPAGE-01 @req:PAGE-PERPAGE-01:neg
  @req:PAGE-END-01 @req:PAGE-END-01:neg
  Scenario: Following next_page_after lists every item once
    Given Alice is a registered user
    And Alice has 5 "vehicle" items
    Then Alice's items, 2 per page, come in 3 pages holding each item once
    And Alice's items, 1 per page, still come each once when the first page's items are deleted
