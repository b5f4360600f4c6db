package web

import (
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// cite is one source of an item, as the page shows it: its first
// citation, for the title, publisher, kind and address, the number of the
// source in the page's list of sources, where its title links to, and the
// claims the item cites from it.
type cite struct {
	recommend.Citation
	// N is the number of the source in the list of sources.
	N int
	// Href is the source's web address when it is known, and else the
	// anchor of the source in the list of sources.
	Href string
	// Claims are the claims cited from the source, in order.
	Claims []claim
}

// claim is what a source says at a place in it, and Position where it
// stands on the advice, in words ("advises against"), or "".
type claim struct {
	Locator, Text, Position string
}

// source is one entry of the page's list of sources: the first citation
// of the source, for its title, publisher, kind and address.
type source struct {
	recommend.Citation
	N int
}

// sources gives the citations of an outline as the page shows them,
// numbered as the outline numbers their sources.
type sources struct {
	o *report.Outline
}

// list returns the page's list of sources: the outline's.
func (s sources) list() []source {
	out := make([]source, len(s.o.Sources))
	for i, c := range s.o.Sources {
		out[i] = source{Citation: c, N: i + 1}
	}
	return out
}

// refs returns the numbers of the sources of cs as the handout prints
// them beside an item, in ascending order as the text report gives them,
// "[1,3]", or "" when cs is empty: on screen the sources are behind a
// toggle, which does not print.
func refs(cs []cite) string {
	if len(cs) == 0 {
		return ""
	}
	nums := make([]int, len(cs))
	for i, c := range cs {
		nums[i] = c.N
	}
	slices.Sort(nums)
	ns := make([]string, len(nums))
	for i, n := range nums {
		ns[i] = strconv.Itoa(n)
	}
	return "[" + strings.Join(ns, ",") + "]"
}

// cites returns the citations as the page shows them, one entry per
// source in the order of first citation.
func (s sources) cites(cs []recommend.Citation) []cite {
	var out []cite
	for _, c := range cs {
		n := s.o.SourceNumber(c)
		i := slices.IndexFunc(out, func(ct cite) bool { return ct.N == n })
		if i < 0 {
			href := httpURL(c.URL())
			if href == "" {
				href = "#source-" + strconv.Itoa(n)
			}
			out = append(out, cite{Citation: c, N: n, Href: href})
			i = len(out) - 1
		}
		if c.Claim() != "" || c.Locator() != "" {
			out[i].Claims = append(out[i].Claims, claim{Locator: c.Locator(), Text: c.Claim(), Position: c.Position().Label()})
		}
	}
	return out
}
