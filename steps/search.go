package steps

import (
	"slices"
	"strings"
	"unicode"
)

// Hit is a definition found by Search, with how well it matched.
type Hit struct {
	Definition
	// Matched is how many of the query's words it matched.
	Matched int
	// Score weighs where they matched: the phrase counts most, then the
	// ID, then the doc.
	Score int
}

// Weights of a query word found in each part of a definition: as the
// same word (or the same stem: share, shares, shared, sharing), or as the
// start of a longer one.
const (
	phraseWord, phrasePrefix = 6, 3
	idWord, idPrefix         = 4, 2
	docWord, docPrefix       = 2, 1
)

// Search finds the definitions whose phrase, ID or doc hold the words of
// query, best first: those that match more of the words, then those that
// match them in the phrase rather than the ID or the doc, then in table
// order. Words are compared without case and by stem; a word of three
// letters or more also matches the start of a longer one ("conn" finds
// "connected").
func Search(query string) []Hit {
	words := searchWords(query)
	if len(words) == 0 {
		return nil
	}
	var hits []Hit
	for _, d := range table {
		phrase := searchWords(d.skeletonText())
		id := searchWords(strings.NewReplacer(".", " ", "_", " ").Replace(d.ID))
		doc := searchWords(d.Doc)
		h := Hit{Definition: d}
		numbered := slices.ContainsFunc(d.Params, func(p Param) bool { return p.Kind == ParamNumber })
		for _, w := range words {
			best := max(
				weigh(w, phrase, phraseWord, phrasePrefix),
				weigh(w, id, idWord, idPrefix),
				weigh(w, doc, docWord, docPrefix))
			if numbered && isDigits(w) {
				// "401" is what a writer types into <status>.
				best = max(best, phraseWord)
			}
			if best > 0 {
				h.Matched++
				h.Score += best
			}
		}
		if h.Matched > 0 {
			hits = append(hits, h)
		}
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if a.Matched != b.Matched {
			return b.Matched - a.Matched
		}
		return b.Score - a.Score
	})
	return hits
}

// isDigits reports whether w is a number as a step would carry it.
func isDigits(w string) bool {
	return w != "" && strings.Trim(w, "0123456789") == ""
}

// weigh is the weight of w in words: whole if a word has its stem, part
// if one starts with it.
func weigh(w string, words []string, whole, part int) int {
	best := 0
	for _, x := range words {
		switch {
		case stem(x) == stem(w):
			return whole
		case len(w) >= 3 && strings.HasPrefix(x, w):
			best = part
		}
	}
	return best
}

// searchWords splits text into lower-case words of letters and digits.
func searchWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// stem cuts the common English endings, so that share, shares, shared
// and sharing compare equal, and key and keys. What is left keeps four
// letters (three after a plural s), so that notes does not become not.
func stem(w string) string {
	for _, suffix := range []string{"ing", "ed", "es", "s", "e"} {
		keep := 4
		if suffix == "s" {
			keep = 3
		}
		if s, ok := strings.CutSuffix(w, suffix); ok && len(s) >= keep {
			return s
		}
	}
	return w
}

// skeletonText is the phrase's literal words and the names of its
// parameters, for search: "<sender> shares slot <slot> of <label> ...".
func (d Definition) skeletonText() string {
	var b strings.Builder
	var write func(parts []part)
	write = func(parts []part) {
		for _, pt := range parts {
			switch {
			case pt.optional != nil:
				write(pt.optional)
			case pt.param >= 0:
				p := d.Params[pt.param]
				b.WriteString(" " + p.Key + " " + strings.Join(p.Values, " ") + " ")
			default:
				b.WriteString(pt.lit)
			}
		}
	}
	write(d.parts)
	return b.String()
}
