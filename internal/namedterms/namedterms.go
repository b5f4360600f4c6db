// Package namedterms joins into a profile the red flags, and the
// conditions that can change a referral, that backrules' example HTTP
// handlers find named where they could not read a request (a body that
// is not JSON, a part of a form that cannot be read, the address), so
// that what they cannot read does not hide an emergency. The server and
// its web page share it, so that both add the same terms, in the same
// order.
package namedterms

import (
	"slices"

	"github.com/backrules/backrules/recommend"
)

// The fields a term is added to, as Added reports them.
const (
	RedFlags   = "red_flags"
	Conditions = "conditions"
)

// Join returns list with each value of more that it lacks added, in the
// order of more: list itself when it adds none, a new slice otherwise,
// so that the array under list is never written to.
func Join(list, more []string) []string {
	for _, v := range more {
		if !slices.Contains(list, v) {
			list = append(slices.Clip(list), v)
		}
	}
	return list
}

// JoinProfile adds to p the red flags and the conditions of from that p
// lacks, as Join adds them: what one reading of a request found, joined
// to what another found.
func JoinProfile(p *recommend.Profile, from recommend.Profile) {
	p.RedFlags = Join(p.RedFlags, from.RedFlags)
	p.Conditions = Join(p.Conditions, from.Conditions)
}

// Add adds to p each red flag that text names and p lacks
// (recommend.Engine.NamedRedFlags), then each condition that text names,
// that can change a referral, and p lacks
// (recommend.Engine.NamedReferralConditions), as Join adds them, and
// calls added, when not nil, with the field (RedFlags or Conditions) and
// the id of each term added, in that order, for the caller to say so.
func Add(eng *recommend.Engine, p *recommend.Profile, text []byte, added func(field, id string)) {
	add := func(list *[]string, field string, named []string) {
		for _, id := range named {
			if !slices.Contains(*list, id) {
				*list = append(slices.Clip(*list), id)
				if added != nil {
					added(field, id)
				}
			}
		}
	}
	add(&p.RedFlags, RedFlags, eng.NamedRedFlags(text))
	add(&p.Conditions, Conditions, eng.NamedReferralConditions(text))
}
