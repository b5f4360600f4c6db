package report

import (
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// kinds are the kinds of source, by id, as recommend.SourceKinds lists
// them.
var kinds = func() map[string]recommend.SourceKind {
	m := map[string]recommend.SourceKind{}
	for _, k := range recommend.SourceKinds() {
		m[k.ID] = k
	}
	return m
}()

// KindNoun names a kind of source for people, alone: "health website" for
// "general_health_article". A kind recommend.SourceKinds does not list is
// spelled with spaces for its dashes and underscores.
func KindNoun(kind string) string {
	if k, ok := kinds[kind]; ok {
		return k.Name
	}
	return kindLabel(kind)
}

// kindLabel spells a kind for people: "self massage" for a movement's
// "self_massage".
func kindLabel(kind string) string {
	return strings.NewReplacer("_", " ", "-", " ").Replace(kind)
}

// kindsOf names the kinds of sources behind citations, without repeats, in
// order: "guideline, health website".
func kindsOf(cites []recommend.Citation) string {
	var out []string
	for _, c := range cites {
		if k := KindNoun(c.Kind()); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return strings.Join(out, ", ")
}

// KindNames names the kinds of the sources behind cites for people, in
// order of first mention, with the names recommend.SourceKinds gives
// them: a guideline and two clinic articles are "a guideline and clinic
// articles". No citations are "a source".
func KindNames(cites []recommend.Citation) string {
	var order []string
	count := map[string][]string{}
	for _, c := range cites {
		if !slices.Contains(order, c.Kind()) {
			order = append(order, c.Kind())
		}
		if !slices.Contains(count[c.Kind()], c.Source()) {
			count[c.Kind()] = append(count[c.Kind()], c.Source())
		}
	}
	names := make([]string, len(order))
	for i, k := range order {
		kind, ok := kinds[k]
		if !ok {
			kind = recommend.SourceKind{Name: "source", Plural: "sources"}
		}
		names[i] = "a " + kind.Name
		if len(count[k]) > 1 {
			names[i] = kind.Plural
		}
	}
	if len(names) == 0 {
		return "a source"
	}
	return words.List(names)
}

// verb returns one, the verb for a single source, when cites are from one
// source, and more otherwise.
func verb(cites []recommend.Citation, one, more string) string {
	var ids []string
	for _, c := range cites {
		if !slices.Contains(ids, c.Source()) {
			ids = append(ids, c.Source())
		}
	}
	if len(ids) <= 1 {
		return one
	}
	return more
}
