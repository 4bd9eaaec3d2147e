package steps

import "testing"

// TestSearchRanks checks the order of Search: phrases that hold more of
// the words first, the phrase's own words before its ID's and doc's, and
// words found by stem and by prefix.
func TestSearchRanks(t *testing.T) {
	tests := []struct {
		query string
		first string // the best hit's ID
		also  string // an ID that must be found too ("" = none)
		none  string // an ID that must not be found
	}{
		{"incoming", "share.incoming_count", "", "share.outgoing_count"},
		{"share key", "share.key_opens_only_for", "share.values_share_key_only", ""},
		{"Sharing KEYS", "share.key_opens_only_for", "", ""}, // case and stems
		{"logs in", "user.logs_in", "user.logs_in_wrong_password", ""},
		{"wrong password", "user.logs_in_wrong_password", "", ""},
		{"notes", "item.change_slot_text", "", "connection.name"},        // notes is not "not"
		{"conn", "connection.invite", "connection.connected", ""},        // a prefix of three letters
		{"refused 401", "outcome.refused_status", "outcome.refused", ""}, // a number fits <status>
		{"tamper", "share.tamper_rejected", "crypto.kek_tamper_rejected", ""},
	}
	for _, tt := range tests {
		hits := Search(tt.query)
		if len(hits) == 0 {
			t.Errorf("%q: no hits", tt.query)
			continue
		}
		ids := map[string]bool{}
		for _, h := range hits {
			ids[h.ID] = true
		}
		if hits[0].ID != tt.first {
			var top []string
			for _, h := range hits[:min(5, len(hits))] {
				top = append(top, h.ID)
			}
			t.Errorf("%q: first %s, want %s (top: %v)", tt.query, hits[0].ID, tt.first, top)
		}
		if tt.also != "" && !ids[tt.also] {
			t.Errorf("%q: %s not found", tt.query, tt.also)
		}
		if tt.none != "" && ids[tt.none] {
			t.Errorf("%q: %s found", tt.query, tt.none)
		}
	}
	for _, q := range []string{"", "  ", "zzzz", "!!"} {
		if hits := Search(q); len(hits) != 0 {
			t.Errorf("%q: %d hits, want none", q, len(hits))
		}
	}
}
