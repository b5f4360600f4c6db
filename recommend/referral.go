package recommend

// The referral story: when several referral rules match, the person reads
// one plan. This file holds the data a referral carries for it (compiled
// here) and the policy the resolve stage applies (foldReferrals): the most
// urgent referral leads, and a referral that would contradict it, or give
// one reported symptom a second urgency, is folded into it. A folded
// referral leaves the short report (Result.Referrals) for
// Result.FoldedReferrals, where the detailed report, ExplainReferrals, the
// page and the CDS cards can still show it; it still counts toward
// Result.Withheld, so folding never loosens the advice.

import (
	"cmp"
	"slices"
	"strings"
	"unicode"

	"github.com/backrules/backrules/internal/celast"
	"github.com/backrules/backrules/internal/parse"
	"github.com/google/cel-go/common/ast"
)

// FoldReason says why a referral was folded into another.
type FoldReason string

// The reasons a referral is folded, in the order the policy tries them.
const (
	// FoldReasonPathway: both referrals belong to one pathway (refer.pathway),
	// and the other is more urgent, or as urgent and sooner (refer.within).
	// The other is the referral folded into, or one folded into it.
	FoldReasonPathway FoldReason = "pathway"
	// FoldReasonRedFlag: both rules' conditions name a red flag the person
	// reported, and the other is more urgent, or as urgent and sooner, or
	// as pressing and of the same pathway (refer.pathway): one symptom is
	// never given two urgencies, nor two timings, nor on one pathway two
	// referrals. The other is the referral folded into, or one folded
	// into it.
	FoldReasonRedFlag FoldReason = "red_flag"
	// FoldReasonInvitesActivity: the referral's message invites activity
	// (refer.invites_activity), and either advice is withheld, or the
	// other referral is more urgent.
	FoldReasonInvitesActivity FoldReason = "invites_activity"
)

// FoldedReferral is a referral the referral story folded into another: it
// is left out of the short report, and kept here so that a detailed
// report or an explanation can still show it.
type FoldedReferral struct {
	Referral
	// Into are the rules of the referral, in Result.Referrals, that this
	// one is folded into: that referral's Rules.
	Into []string `json:"into"`
	// Because says why it was folded.
	Because FoldReason `json:"because"`
	// RedFlags, for FoldReasonRedFlag, are the reported red flags that this
	// rule's condition and the more pressing one's name (the rule folded
	// into, or one folded into it), in vocabulary order.
	RedFlags []string `json:"red_flags,omitempty"`
}

// Within says how soon a referral's message asks the person to be seen
// (refer.within). Referrals of one urgency are ordered by it, the soonest
// first, and one is folded into a sooner one of its urgency that shares
// its pathway or a reported red flag, so that one symptom never gets two
// timings. A referral that does not say (the empty Within) is taken as
// the latest timing its urgency allows: an emergency today, an urgent
// referral within a few days, a routine one within weeks (see
// latestWithin). So a referral without it is ordered among the latest of
// its urgency and may be folded into a sooner one, and deleting a
// referral's within can only make it later, which CompareReferrals
// reports as a lowering: write within on every emergency and urgent
// referral.
type Within string

// The timings, from the soonest. Each urgency allows some of them: an
// emergency now or today, an urgent referral today, within two days or
// within a few days, a routine one within weeks.
const (
	// WithinNow: at once (call emergency services, go now).
	WithinNow Within = "now"
	// WithinToday: the same day ("today", "within a day").
	WithinToday Within = "today"
	// WithinTwoDays: today or tomorrow ("in the next day or two").
	WithinTwoDays Within = "two_days"
	// WithinFewDays: in the next few days.
	WithinFewDays Within = "few_days"
	// WithinWeeks: in the next week or weeks.
	WithinWeeks Within = "weeks"
)

// timings lists the timings, the soonest first, and the urgencies each
// fits.
var timings = []struct {
	w         Within
	urgencies []Urgency
}{
	{WithinNow, []Urgency{UrgencyEmergency}},
	{WithinToday, []Urgency{UrgencyEmergency, UrgencyUrgent}},
	{WithinTwoDays, []Urgency{UrgencyUrgent}},
	{WithinFewDays, []Urgency{UrgencyUrgent}},
	{WithinWeeks, []Urgency{UrgencyRoutine}},
}

// soonness orders timings: higher is sooner; 0 is not stated (or
// unknown).
func (w Within) soonness() int {
	for i, t := range timings {
		if t.w == w {
			return len(timings) - i
		}
	}
	return 0
}

// timingsFor returns the timings that fit urgency u, the soonest first.
func timingsFor(u Urgency) []string {
	var out []string
	for _, t := range timings {
		if slices.Contains(t.urgencies, u) {
			out = append(out, string(t.w))
		}
	}
	return out
}

// referral compiles a rule's referral, checking that its story data agree
// with one another; checked is the rule's condition, or nil.
func (c *compiler) referral(r *parse.Referral, checked *ast.AST) *compiledReferral {
	cr := &compiledReferral{
		urgency: Urgency(r.Urgency.S), message: r.Message, clinician: r.Clinician, withhold: r.Withhold,
		pathway: r.Pathway.S, invitesActivity: r.InvitesActivity, keepActive: r.KeepActive,
		within: Within(r.Within.S),
	}
	if w := r.Within; w.S != "" {
		all := make([]string, len(timings))
		for i, t := range timings {
			all[i] = string(t.w)
		}
		switch fit := timingsFor(cr.urgency); {
		case cr.within.soonness() == 0:
			c.unknownOf(w, "referral timing (within)", all)
		case cr.urgency.rank() > 0 && !slices.Contains(fit, w.S):
			c.iss.Add(w.Pos, "within: %s does not fit the urgency %s: use %s", w.S, cr.urgency, strings.Join(fit, " or "))
		}
	}
	if w := patientWord(r.Clinician); w != "" {
		c.iss.Add(r.ClinicianPos, "refer.clinician is read by a clinician, not the patient: write it in the third person and locale-neutral, without %q", w)
	}
	if r.KeepActive && !r.Withhold {
		c.iss.Add(r.KeepActivePos, "keep_active is for a referral that withholds advice (withhold: true); without withhold the person keeps every message already: remove it")
	}
	if r.KeepActive && cr.urgency == UrgencyEmergency {
		c.iss.Add(r.KeepActivePos, "keep_active cannot be given to an emergency referral: in an emergency the person is not told to stay active")
	}
	if r.InvitesActivity && r.Withhold {
		c.iss.Add(r.InvitesActivityPos, "a referral that withholds advice cannot invite activity: its message would contradict its withholding; remove invites_activity or withhold")
	}
	if checked != nil {
		flags := &c.e.vocab[fieldRedFlags]
		for _, lit := range redFlagLiterals(checked) {
			if fi := flags.index(lit); fi >= 0 && !slices.Contains(cr.flags, fi) {
				cr.flags = append(cr.flags, fi)
			}
		}
		slices.Sort(cr.flags)
		conds := &c.e.vocab[fieldConditions]
		for _, lit := range conditionLiterals(checked) {
			if ci := conds.index(lit); ci >= 0 {
				conds.entries[ci].refers = true
			}
		}
	}
	return cr
}

// redFlagLiterals returns the string literals a checked condition tests
// profile.red_flags for: 'x' in profile.red_flags, and inside a
// comprehension over profile.red_flags, the literals its variable is
// compared with or looked up in (v == 'x', v in ['x', 'y']).
func redFlagLiterals(checked *ast.AST) []string {
	var out []string
	celast.ComparedLiterals(checked, func(field string, lit ast.Expr) {
		if s, ok := celast.String(lit); ok && listFieldIndex(field) == fieldRedFlags {
			out = append(out, s)
		}
	})
	return out
}

// conditionLiterals returns the string literals a checked condition
// tests profile.conditions for, as redFlagLiterals does for the red flags.
func conditionLiterals(checked *ast.AST) []string {
	var out []string
	celast.ComparedLiterals(checked, func(field string, lit ast.Expr) {
		if s, ok := celast.String(lit); ok && listFieldIndex(field) == fieldConditions {
			out = append(out, s)
		}
	})
	return out
}

// referralFold is the story's decision for one matched referral rule.
type referralFold struct {
	rule int // the referral rule
	// into is the rule of the shown referral it is folded into, or -1
	// when it is shown.
	into int
	why  FoldReason
	// flags are the shared reported red flags, for FoldReasonRedFlag.
	flags []int
}

// foldReferrals applies the referral story to the matched referral rules
// d.referrals, for profile p, filling d.story in storyOrder: the most
// urgent first, within an urgency the soonest (refer.within), then those
// that withhold advice, and those that invite activity last, ties in rule
// order. Taking each referral in that order, it is folded into the first
// earlier referral, if any, that
//
//  1. is more pressing (see morePressing: more urgent, or as urgent and
//     sooner) and has the same pathway (FoldReasonPathway);
//  2. is more pressing, or as pressing and of the same pathway, and whose
//     rule's condition names a red flag that this rule's names too and
//     the person reported (FoldReasonRedFlag): one symptom is given one
//     urgency and one timing, and on one pathway one referral;
//
// or, when that earlier referral is itself folded, into the shown
// referral it was folded into: folding is transitive, so that no shown
// referral is less pressing than a folded one that shares its pathway or
// a reported red flag (a possible infection folded into a cancer referral
// by constant pain takes the immunosuppression referral with it, which
// would otherwise be shown with a later timing than the hidden one).
// Failing those, it is folded into the most urgent shown referral
//
//  3. when this referral invites activity, if advice is withheld
//     (FoldReasonInvitesActivity), or if that referral is more urgent than
//     this one.
//
// Otherwise it is shown. Referrals of one urgency and one timing are
// never folded into each other for 1, nor for 2 unless they share a
// pathway: each keeps its own words. A referral is only ever folded into one at least as
// urgent and as soon, so the most pressing referral is always shown and
// leads, and one reported symptom is never given two urgencies, nor two
// timings.
func (e *Engine) foldReferrals(d *decisions, p *Profile) {
	d.story, d.flagSlab = d.story[:0], d.flagSlab[:0]
	for _, ri := range d.referrals {
		d.story = append(d.story, referralFold{rule: ri, into: -1})
	}
	slices.SortStableFunc(d.story, func(a, b referralFold) int {
		return storyOrder(e.rules[a.rule].refer, e.rules[b.rule].refer)
	})
	withheld := len(d.withholding) > 0 || d.floorWithhold
	flags := e.vocab[fieldRedFlags].entries
	reported := func(fi int) bool { return slices.Contains(p.RedFlags, flags[fi].id) }
	first := -1 // the index in d.story of the first shown referral
	for i := range d.story {
		f := &d.story[i]
		r := e.rules[f.rule].refer
		for j := range i {
			s := &d.story[j]
			// A referral already folded is a candidate too: folding is
			// transitive, into the shown referral it was folded into, so
			// that no shown referral is less pressing than a folded one
			// that shares its pathway or a reported red flag.
			into := s.rule
			if s.into >= 0 {
				into = s.into
			}
			lead := e.rules[s.rule].refer
			pressing := lead.morePressing(r)
			samePathway := r.pathway != "" && lead.pathway == r.pathway
			if pressing && samePathway {
				f.into, f.why = into, FoldReasonPathway
				break
			}
			// Of one pathway, a referral as pressing is a lead for 2 too
			// (it is taken first, the withholding one among equals): one
			// reported symptom is not given two appointments of one
			// timing on one pathway.
			if !pressing && !samePathway {
				continue
			}
			if start := len(d.flagSlab); sharesFlags(lead.flags, r.flags, reported) {
				d.flagSlab = appendSharedFlags(d.flagSlab, lead.flags, r.flags, reported)
				f.into, f.why, f.flags = into, FoldReasonRedFlag, d.flagSlab[start:len(d.flagSlab):len(d.flagSlab)]
				break
			}
		}
		if f.into < 0 && r.invitesActivity && first >= 0 {
			if lead := &d.story[first]; withheld || e.rules[lead.rule].refer.urgency.rank() > r.urgency.rank() {
				f.into, f.why = lead.rule, FoldReasonInvitesActivity
			}
		}
		if f.into < 0 && first < 0 {
			first = i
		}
	}
}

// storySort sorts refs, referrals of the rules the story d shows, in
// the story's order: each where the first of the story's shown rules
// with its urgency and message stands.
func (e *Engine) storySort(d *decisions, refs []Referral) {
	at := func(r *Referral) int {
		for i, f := range d.story {
			if ref := e.rules[f.rule].refer; f.into < 0 && ref.urgency == r.Urgency && ref.message == r.Message {
				return i
			}
		}
		return len(d.story)
	}
	slices.SortStableFunc(refs, func(a, b Referral) int { return cmp.Compare(at(&a), at(&b)) })
}

// storyOrder orders referrals as the story takes them: the most urgent
// first; within an urgency the soonest, a referral without a timing taken
// as the latest its urgency allows (see latestWithin); then those that
// withhold advice; then those that do not invite activity. It returns a negative number when a comes first.
func storyOrder(a, b *compiledReferral) int {
	return cmp.Or(cmp.Compare(b.urgency.rank(), a.urgency.rank()),
		cmp.Compare(b.soonness(), a.soonness()),
		cmp.Compare(boolRank(b.withhold), boolRank(a.withhold)),
		cmp.Compare(boolRank(a.invitesActivity), boolRank(b.invitesActivity)))
}

// morePressing reports whether r is more pressing than o: more urgent, or
// as urgent and sooner.
func (r *compiledReferral) morePressing(o *compiledReferral) bool {
	if ru, ou := r.urgency.rank(), o.urgency.rank(); ru != ou {
		return ru > ou
	}
	return r.soonness() > o.soonness()
}

// soonness is how soon r asks the person to be seen (see
// Within.soonness): its within, or, when it says none, the latest timing
// its urgency allows (see latestWithin).
func (r *compiledReferral) soonness() int { return soonness(r.urgency, r.within) }

// soonness is how soon a referral of urgency u and timing w is, higher
// sooner: w's, or, when w names no timing, that of the latest timing u
// allows (latestWithin).
func soonness(u Urgency, w Within) int {
	if s := w.soonness(); s != 0 {
		return s
	}
	return latestWithin(u).soonness()
}

// sooner returns the sooner of a and b, the timings of two referrals of
// urgency u that are one (same urgency and message): the one a timing
// stated, when both are as soon.
func sooner(u Urgency, a, b Within) Within {
	if sa, sb := soonness(u, a), soonness(u, b); sb > sa || (sb == sa && a == "") {
		return b
	}
	return a
}

// LatestWithin is the latest timing u allows, which a referral of urgency
// u that states no timing (refer.within) is taken to have, in the
// referral story and in CompareReferrals: today for an emergency,
// few_days for an urgent referral, weeks for a routine one; "" for
// another urgency.
func (u Urgency) LatestWithin() Within { return latestWithin(u) }

// latestWithin is the latest timing urgency u allows, which a referral
// that states none is taken to have: today for an emergency, few_days for
// an urgent referral, weeks for a routine one; "" for another urgency.
func latestWithin(u Urgency) Within {
	for i := len(timings) - 1; i >= 0; i-- {
		if slices.Contains(timings[i].urgencies, u) {
			return timings[i].w
		}
	}
	return ""
}

// sharesFlags reports whether a and b, ascending lists of red-flag
// indexes, have a red flag in common that is also reported.
func sharesFlags(a, b []int, reported func(int) bool) bool {
	return slices.ContainsFunc(a, func(fi int) bool { return slices.Contains(b, fi) && reported(fi) })
}

// appendSharedFlags appends to out the red flags in both a and b that are
// also reported, in a's order.
func appendSharedFlags(out, a, b []int, reported func(int) bool) []int {
	for _, fi := range a {
		if slices.Contains(b, fi) && reported(fi) {
			out = append(out, fi)
		}
	}
	return out
}

// foldedReferrals builds Result.FoldedReferrals from the story: each folded
// referral rule, most urgent first, then the soonest, merged with an
// earlier one of the same urgency and message folded into the same
// referral for the same reason.
// shown are the Result's Referrals; one that a withholding referral is
// folded into is marked as withholding.
func (b *builder) foldedReferrals(d *decisions, shown []Referral) []FoldedReferral {
	if !slices.ContainsFunc(d.story, func(f referralFold) bool { return f.into >= 0 }) {
		return []FoldedReferral{}
	}
	// The folded referrals of d.story in the order of the Result: most
	// urgent first, then the soonest, then rule order. They are sorted in
	// d.folded, the decision record's own memory, and the Result's list
	// holds them all.
	folded := d.folded[:0]
	for i, f := range d.story {
		if f.into >= 0 {
			folded = append(folded, i)
		}
	}
	d.folded = folded
	slices.SortStableFunc(folded, func(i, j int) int {
		a, c := &d.story[i], &d.story[j]
		ra, rc := b.e.rules[a.rule].refer, b.e.rules[c.rule].refer
		return cmp.Or(cmp.Compare(rc.urgency.rank(), ra.urgency.rank()), cmp.Compare(rc.soonness(), ra.soonness()),
			cmp.Compare(a.rule, c.rule))
	})
	out := make([]FoldedReferral, 0, len(folded))
	var names [8]string
	for _, si := range folded {
		f := &d.story[si]
		lead := b.e.rules[f.into].id
		k := slices.IndexFunc(shown, func(r Referral) bool { return slices.Contains(r.Rules, lead) })
		var into []string
		if k >= 0 {
			into = shown[k].Rules
			// The referral that leads carries the withholding of those
			// folded into it, so that whoever reads only the shown
			// referrals still learns that advice is on hold.
			if b.e.rules[f.rule].refer.withhold {
				shown[k].Withhold = true
			}
		}
		flags := names[:0]
		for _, fi := range f.flags {
			flags = append(flags, b.e.vocab[fieldRedFlags].entries[fi].id)
		}
		if len(flags) == 0 {
			flags = nil
		}
		r := b.e.rules[f.rule].refer
		i := slices.IndexFunc(out, func(o FoldedReferral) bool {
			return o.Urgency == r.urgency && o.Message == r.message && o.Because == f.why && slices.Equal(o.Into, into) && slices.Equal(o.RedFlags, flags)
		})
		if i >= 0 {
			out[i].Referral = b.addReferral([]Referral{out[i].Referral}, f.rule)[0]
			continue
		}
		// Into and RedFlags are the Result's own, cut from the builder's
		// slab: nothing of one list is shared with another.
		fr := FoldedReferral{Referral: b.referral(f.rule), Because: f.why}
		if into != nil {
			fr.Into = b.strings(into)
		}
		if flags != nil {
			fr.RedFlags = b.strings(flags)
		}
		out = append(out, fr)
	}
	return out
}

// view returns the referral as Engine.Rules and the explanations show it.
func (r *compiledReferral) view() *RuleReferral {
	return &RuleReferral{
		Urgency: r.urgency, Message: r.message, Clinician: r.clinician, Withhold: r.withhold,
		Pathway: r.pathway, InvitesActivity: r.invitesActivity, KeepActive: r.keepActive, Within: r.within,
	}
}

// foldWhy says in words why a referral was folded, for the detailed
// report and the explanations.
func foldWhy(f FoldedReferral) string {
	switch f.Because {
	case FoldReasonPathway:
		return "a more urgent or sooner referral of the same pathway leads"
	case FoldReasonRedFlag:
		return "a referral at least as urgent and as soon is about the same reported red flag (" + strings.Join(f.RedFlags, ", ") + "), and one symptom gets one urgency and one timing"
	case FoldReasonInvitesActivity:
		return "its message invites activity, which would contradict the more urgent referral or the withheld advice"
	}
	return string(f.Because)
}

// Why says in words why the referral was folded, as the detailed report
// and the referral explanation say it: "a more urgent referral of the
// same pathway leads".
func (f FoldedReferral) Why() string { return foldWhy(f) }

// ReferralFold says that a matched referral was folded into another, in
// a referral explanation.
type ReferralFold struct {
	// Into, Because and RedFlags are as in FoldedReferral.
	Into     []string   `json:"into"`
	Because  FoldReason `json:"because"`
	RedFlags []string   `json:"red_flags,omitempty"`
	// Summary says why in words.
	Summary string `json:"summary"`
}

// foldOf returns how the referral of rule id was folded in res, or nil
// when it was not.
func foldOf(res *Result, id string) *ReferralFold {
	for _, f := range res.FoldedReferrals {
		if slices.Contains(f.Rules, id) {
			return &ReferralFold{Into: slices.Clone(f.Into), Because: f.Because, RedFlags: slices.Clone(f.RedFlags), Summary: foldWhy(f)}
		}
	}
	return nil
}

// boolRank is 1 for true and 0 for false, for sorting.
func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// shown reports whether the story shows the referral of rule ri.
func (d *decisions) shown(ri int) bool {
	for _, f := range d.story {
		if f.rule == ri {
			return f.into < 0
		}
	}
	return false
}

// patientWords are the words a clinician text may not hold: it is about
// the patient, not to them ("you", "your"), and locale-neutral ("GP" is a
// British term: "primary care" is understood everywhere).
var patientWords = []string{"you", "your", "yours", "yourself", "gp", "gps"}

// patientWord returns the first word of s that patientWords lists, as
// written, or "".
func patientWord(s string) string {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "'")
		if slices.Contains(patientWords, strings.ToLower(w)) {
			return w
		}
	}
	return ""
}
