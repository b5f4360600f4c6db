// Package words is the one home of the wording that backrules' messages
// share: "did you mean" suggestions for misspelled names, counted nouns,
// and lists in a sentence ("a, b and c"). The rule loader, the profile
// checks, the reports and the tools all use it, so a phrase reads the same
// wherever it appears.
package words

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Closest returns the candidate closest to s by edit distance, or "" when
// none is close enough to be a likely typo: at most 2 edits, or a third of
// the length of s when that is more. Only the first 64 bytes of s and of
// each candidate are compared.
func Closest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(s, c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, min(len(s), maxCompared)/3) {
		return ""
	}
	return best
}

// DidYouMean returns ` (did you mean "x"?)` for the candidate x closest to
// s, or "" when none is close (see Closest).
func DidYouMean(s string, candidates []string) string {
	if c := Closest(s, candidates); c != "" {
		return Suggest(fmt.Sprintf("%q", c))
	}
	return ""
}

// Suggest returns " (did you mean q?)", for a suggestion q already quoted
// as the message needs it, such as 'profile.conditions' for CEL.
func Suggest(q string) string {
	return " (did you mean " + q + "?)"
}

// Plural returns the plural of an English noun as backrules' messages use
// them: "equipment" is uncountable, and nouns ending in s take "es".
func Plural(noun string) string {
	switch {
	case noun == "equipment":
		return noun
	case strings.HasSuffix(noun, "s"):
		return noun + "es"
	}
	return noun + "s"
}

// Count returns n with the noun, singular or plural: "1 case", "3 cases",
// "2 aliases".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %s", n, Plural(noun))
}

// maxCompared is how many bytes of a name Closest compares, so that hostile
// input cannot make it slow.
const maxCompared = 64

// editDistance is the Levenshtein distance between a and b, in bytes. Inputs
// are capped at 64 bytes so that hostile input cannot make it slow.
func editDistance(a, b string) int {
	a, b = a[:min(len(a), maxCompared)], b[:min(len(b), maxCompared)]
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// List joins items as a list in a sentence: "a", "a and b", "a, b and c";
// "" for none.
func List(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// Capital returns s with its first letter in upper case: "urgent" becomes
// "Urgent".
func Capital(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// OneLine folds the white space of s, line breaks included, into single
// spaces, and trims it at both ends.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
