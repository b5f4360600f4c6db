package web

import (
	"slices"
	"strconv"

	"github.com/backrules/backrules/recommend"
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

// sources numbers the sources of a result's citations in the order they
// are first shown, as the text report does.
type sources struct {
	num  map[string]int
	list []source
}

// cites returns the citations as the page shows them, one entry per
// source in the order of first citation, numbering the sources.
func (s *sources) cites(cs []recommend.Citation) []cite {
	if s.num == nil {
		s.num = map[string]int{}
	}
	var out []cite
	for _, c := range cs {
		n, ok := s.num[c.Source()]
		if !ok {
			s.list = append(s.list, source{Citation: c, N: len(s.list) + 1})
			n = len(s.list)
			s.num[c.Source()] = n
		}
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
