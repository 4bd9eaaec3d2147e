package steps

import (
	"regexp"
	"slices"
	"strings"
)

// wild stands for a value in a phrase skeleton; wildList for a list of
// names, which may span several words ("Alice, Bob and Jane").
const (
	wild     = "\x00"
	wildList = "\x01"
)

var nameListRe = regexp.MustCompile(`^` + namesPat + `$`)

// maxSuggestWords bounds the text Suggest compares: the longest phrase
// has about 20 words, and the comparison costs the cube of the length.
const maxSuggestWords = 64

var quotedRunRe = regexp.MustCompile(`"[^"]*"`)

// Suggest returns up to n definitions whose phrases are closest to a
// step's text, closest first: for a step that matches none, the phrases
// its writer most likely meant. Words are compared one by one, quoted text
// and names in the text standing for any value of a parameter.
func Suggest(text string, n int) []Definition {
	words := strings.Fields(quotedRunRe.ReplaceAllString(text, `"`+wild+`"`))
	if len(words) > maxSuggestWords {
		return nil // no phrase is that long: not a misspelt one
	}
	type scored struct {
		d    Definition
		dist int
	}
	have := map[string]bool{}
	for _, w := range words {
		have[w] = true
	}
	var all []scored
	for _, d := range table {
		sk := d.skeleton()
		// A phrase shares at least half its own words with the text, or
		// it is no suggestion, however short the edit.
		lits, common := 0, 0
		for _, w := range sk {
			if !strings.Contains(w, wild) && w != wildList {
				lits++
				if have[w] {
					common++
				}
			}
		}
		if common*2 < lits {
			continue
		}
		all = append(all, scored{d, wordDistance(words, sk)})
	}
	slices.SortStableFunc(all, func(a, b scored) int { return a.dist - b.dist })
	var out []Definition
	for _, s := range all {
		if len(out) == n || s.dist > max(2, (len(words)+1)/2) {
			break
		}
		out = append(out, s.d)
	}
	return out
}

// skeleton is the phrase as words, parameters as wild, optional parts
// left out, alternatives as their first word.
func (d Definition) skeleton() []string {
	var b strings.Builder
	for _, pt := range d.parts {
		switch {
		case pt.optional != nil:
		case pt.param >= 0:
			p := d.Params[pt.param]
			switch p.Kind {
			case ParamText, ParamAnyText:
				b.WriteString(`"` + wild + `"`)
			case ParamSlots:
				b.WriteString(`slot "` + wild + `"`)
			case ParamPronoun:
				b.WriteString(pronouns[0])
			case ParamPossessive:
				b.WriteString(possessives[0])
			case ParamPlural:
				b.WriteString(wild)
			case ParamNames:
				b.WriteString(wildList)
			case ParamEnum, ParamChoice, ParamToken:
				b.WriteString(p.Values[0])
			default:
				b.WriteString(wild)
			}
		default:
			b.WriteString(pt.lit)
		}
	}
	return strings.Fields(b.String())
}

// wordDistance is the edit distance between two word lists, where a
// skeleton word holding wild matches any word with the same literal ends,
// and wildList any list of names.
func wordDistance(text, sk []string) int {
	// d[i][j]: distance between text[:i] and sk[:j].
	d := make([][]int, len(text)+1)
	for i := range d {
		d[i] = make([]int, len(sk)+1)
		d[i][0] = i
	}
	for j := range sk {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(text); i++ {
		for j := 1; j <= len(sk); j++ {
			cost := 1
			if wordMatch(text[i-1], sk[j-1]) {
				cost = 0
			}
			best := min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if sk[j-1] == wildList {
				for k := i - 1; k >= 0; k-- {
					if nameListRe.MatchString(strings.Join(text[k:i], " ")) {
						best = min(best, d[k][j-1])
					}
				}
			}
			d[i][j] = best
		}
	}
	return d[len(text)][len(sk)]
}

func wordMatch(w, sk string) bool {
	if sk == wildList {
		return nameRe.MatchString(w)
	}
	if !strings.Contains(sk, wild) {
		return w == sk
	}
	before, after, _ := strings.Cut(sk, wild)
	return len(w) >= len(before)+len(after) && strings.HasPrefix(w, before) && strings.HasSuffix(w, after)
}
