package recommend

// Comparing the referrals of two rule sets: a program that swaps the rules
// it serves (a server's reload) asks whether the candidate gives any
// profile less than the rules in service, over the profiles the analysis
// explores and the red-flag combinations around them, so that deleting or
// weakening a rule that refers only in combination (two flags, a flag and
// an age) cannot pass unnoticed, as a red flag's floor alone would let it;
// and whether the candidate keeps each programme review (a progression
// rule's referral) as it was.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/internal/parse"
	"github.com/google/cel-go/common/ast"
)

// ReferralOutcome is what a rule set's referrals come to for one profile,
// as Recommend's Result gives it: the urgency and timing of the most
// pressing referral, whether movement advice is withheld and whether the
// person is still told to stay gently active, with the rules that decide
// them.
type ReferralOutcome struct {
	// Urgency is the most urgent referral's, or "" for no referral.
	Urgency Urgency `json:"urgency"`
	// Within is how soon the most pressing referral of that urgency asks
	// the person to be seen: its refer.within, or, for a referral that
	// states none (a red flag's floor, say), the latest timing its
	// urgency allows (see Within); "" for no referral. An outcome built
	// without it (a floor's) is read as that latest timing.
	Within Within `json:"within,omitempty"`
	// Withheld is true when movement advice is withheld.
	Withheld bool `json:"withheld"`
	// KeepActive is true when advice is withheld and every withholding
	// referral says keep_active, so that the person is still told to
	// stay gently active (no red flag's floor withholds for the rules,
	// and no rule failed).
	KeepActive bool `json:"keep_active,omitempty"`
	// Rules are the matched referral rules that reach Urgency or
	// withhold advice, in rule order, then, as in Referral.Rules,
	// FloorRulePrefix and the flag's id for each reported red flag whose
	// floor the matched rules miss; empty for no referral.
	Rules []string `json:"rules"`
}

// Lowers reports whether o gives less than was: a less urgent referral
// (none ranks below routine), a referral as urgent but later (its Within,
// a later timing: today to few_days, say), movement advice no longer
// withheld, or advice withheld as before but the person now told to stay
// gently active (KeepActive added).
func (o ReferralOutcome) Lowers(was ReferralOutcome) bool {
	return was.rank().exceeds(o.rank())
}

// rank is o as the comparison orders it.
func (o ReferralOutcome) rank() outcomeRank {
	return outcomeOf(o.Urgency, o.Within, o.Withheld, o.KeepActive)
}

// outcomeOf is what a referral of urgency u and timing w (the latest u
// allows when it states none) gives, withholding advice or not, and
// keeping the person active beside it or not, as the comparison orders it.
func outcomeOf(u Urgency, w Within, withhold, keepActive bool) outcomeRank {
	r := outcomeRank{rank: u.rank(), soon: soonness(u, w)}
	switch {
	case withhold && keepActive:
		r.hold = holdActive
	case withhold:
		r.hold = holdAll
	}
	return r
}

// withinWords are the timings as String says them.
var withinWords = map[Within]string{
	WithinNow: "now", WithinToday: "today", WithinTwoDays: "within two days",
	WithinFewDays: "within a few days", WithinWeeks: "within weeks",
}

// String says what the outcome is, in the words of a log line: "no
// referral", "urgent within two days", "emergency now, advice withheld",
// "urgent within a few days, advice withheld, staying active kept"; the
// timing only when Within states one (a floor's outcome: "urgent").
func (o ReferralOutcome) String() string {
	u := string(o.Urgency)
	if u == "" {
		u = "no referral"
	} else if words := withinWords[o.Within]; words != "" {
		u += " " + words
	}
	if o.Withheld {
		u += ", advice withheld"
		if o.KeepActive {
			u += ", staying active kept"
		}
	}
	return u
}

// Lowering is a profile for which a candidate rule set gives less than
// the rule set in service (see ReferralOutcome.Lowers).
type Lowering struct {
	// Profile is the profile, in the vocabulary of the rule set in
	// service.
	Profile Profile `json:"profile"`
	// Was is what the rule set in service gives it, and Now what the
	// candidate gives it. An id the candidate's vocabulary no longer
	// holds is left out of the profile the candidate is asked about, as
	// a client that maps coded data to the vocabulary would leave it.
	Was ReferralOutcome `json:"was"`
	Now ReferralOutcome `json:"now"`
	// Rules are the rules of Was.Rules that the candidate does not keep
	// as they were: a rule gone, no longer matched, or giving a less
	// urgent or a later referral, no longer withholding advice or keeping
	// the person active where it did not, or a red flag's floor gone or
	// lowered; in the order of Was.Rules, never empty.
	Rules []string `json:"rules"`
}

// ReviewLowering is a programme review of the rule set in service that a
// candidate does not keep as it was: a progression rule with a referral
// (see ProgressRule) that the candidate has no longer under its id, or
// has with a less urgent referral or none, or with a condition of another
// text.
type ReviewLowering struct {
	// Rule is the progression rule's id; File and Line are where the rule
	// set in service declares it.
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
	// Was is the urgency of the review the rule calls for in the rule set
	// in service, and Now that of the candidate's rule of that id: "" when
	// the candidate has no such rule (Gone) or it calls for no review.
	Was Urgency `json:"was"`
	Now Urgency `json:"now"`
	// Gone is true when the candidate has no progression rule Rule.
	Gone bool `json:"gone,omitempty"`
	// ConditionChanged is true when the candidate's rule Rule has a
	// condition (when) of another text, whatever its referral: the
	// check-ins it matches may differ, and CompareReferrals replays no
	// check-ins, so a changed condition counts as a possible lowering.
	ConditionChanged bool `json:"condition_changed,omitempty"`
}

// Lowers reports whether the candidate's rule calls for a less urgent
// review than the rule in service, or none (it is gone or has no
// referral); a review whose only change is its condition's text does not
// lower it.
func (l ReviewLowering) Lowers() bool { return l.Gone || l.Now.rank() < l.Was.rank() }

// ReferralWording is a referral of the rule set in service that a
// candidate keeps under the rule's id (a referral rule, or a progression
// rule with a review) but says in other words, to the person (message)
// or to a clinician (clinician), or, for a referral rule, in another
// referral story (Story). The outcomes compared (urgency, timing,
// withholding) do not see words: an emergency whose message is
// rewritten as "book a routine appointment in the next few weeks" keeps
// its outcome, so a rewording is reported by rule, as CompareAdvice
// reports a safety net reworded; a restart deploys new words. A rule
// gone, or no longer referring, is not a rewording: the outcomes, and
// Reviews, report what it lowers. A rule under a new id (a referral rule
// or a review the rule set in service does not have) is new: its words
// are reported, with New, when the candidate drops a referral of the
// rule set in service (a rule gone, renamed or no longer referring) and
// no referral of the rule set in service says both, so that a rule
// renamed keeps its words or is reported, as a rule kept under its id is
// (a renamed emergency reworded as "book a routine appointment" keeps its
// outcome too); a rule added while every referral is kept is not.
type ReferralWording struct {
	// Rule is the rule's id; File and Line are where the rule set in
	// service declares it, or, for a new rule, where the candidate does.
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
	// Message and Clinician are true when the candidate's referral of
	// the rule has a message, or a clinician text, in other words: for a
	// new rule, words that no referral of the rule set in service has
	// (both true when each is said by some referral, but no referral
	// says the two together).
	Message   bool `json:"message,omitempty"`
	Clinician bool `json:"clinician,omitempty"`
	// New is true for a rule the rule set in service does not have with
	// a referral, in a candidate that drops one (see above).
	New bool `json:"new,omitempty"`
	// Story is true when the candidate's referral of the rule can be
	// folded into another where the rule set in service's could not (see
	// Result.FoldedReferrals): it joins another pathway (refer.pathway),
	// starts to invite activity (refer.invites_activity), or its rule's
	// condition names a red flag it did not name. The outcomes compared
	// see only the most pressing referral, so a change that folds a
	// referral away from the short report (weight loss beside a fever,
	// once the weight loss is put on the fever's pathway) keeps every
	// outcome; a restart deploys it.
	Story bool `json:"story,omitempty"`
}

// ReferralComparison is what CompareReferrals found. A candidate lowers
// nothing the comparison can see when Lowered is 0, Reviews and Wordings
// are empty and Truncated is false; a program that must never lower
// safety refuses the candidate otherwise.
type ReferralComparison struct {
	// Profiles is the number of profiles compared.
	Profiles int `json:"profiles"`
	// Lowered is the number of them the candidate gives less.
	Lowered int `json:"lowered"`
	// Lowerings holds, for each list of rules not kept (Lowering.Rules)
	// that some lowered profile shows, the smallest such profile (fewest
	// list entries, set numbers and choices), smallest first, then in the
	// order compared. It is empty, not nil, when no profile is lowered.
	Lowerings []Lowering `json:"lowerings"`
	// Reviews are the programme reviews of the rule set in service that
	// the candidate does not keep as they were (see ReviewLowering), in
	// rule-set order. It is empty, not nil, when every one is kept.
	Reviews []ReviewLowering `json:"reviews"`
	// Wordings are the referrals and reviews of the rule set in service
	// whose words the candidate does not keep (see ReferralWording), in
	// rule-set order, the referral rules first, then, when the candidate
	// drops a referral, its new rules in words the rule set in service
	// does not say (New). It is
	// empty, not nil, when every one is kept and none is new.
	Wordings []ReferralWording `json:"wordings"`
	// Truncated is true when the comparison was cut short: the analysed
	// space of the rule set in service was cut at MaxAnalyzeProfiles
	// profiles (see AnalysisSummary.Truncated), and the profiles past
	// the bound were not compared. No lowering found then does not mean
	// none: a program that must never lower safety treats it as a
	// possible lowering.
	Truncated bool `json:"truncated,omitempty"`
}

// CompareReferrals compares the referrals of candidate with those of
// serving, the rule set in service, over a bounded, deterministic set of
// profiles, and reports each profile candidate gives less: a less urgent
// referral, one as urgent but later (refer.within; a referral that states
// no timing is taken as the latest its urgency allows, so deleting a
// within is a later timing, or none), movement advice no longer withheld,
// or withheld with the person now told to stay gently active
// (refer.keep_active added): see ReferralOutcome.Lowers. The outcome of a profile is what Recommend
// gives it: the matched referral rules, a rule that fails counting as
// matched and withholding advice, and each reported red flag's floor.
//
// The programme reviews, the progression rules that call for a review
// on the latest check-in (see ProgressRule), are compared by rule, not by
// replaying check-ins: each of serving's must stay in candidate under its
// id, with the same condition text and a referral at least as urgent.
// What a rule matches depends only on the check-ins and its condition, so
// a review kept so gives every history at least what it gave; one gone,
// weakened or with a changed condition is reported in Reviews.
//
// The words of each referral, and of each review, are compared by rule
// too: a rule of serving's that candidate keeps under its id, with a
// referral, must keep its message and clinician text, since an outcome
// kept in other words may not be kept at all; one reworded is reported in
// Wordings, as is, when candidate drops a referral of serving's, a rule
// of candidate's under a new id whose words no referral of serving's
// says (a rule renamed and reworded).
//
// The profiles are those Analyze explores for serving (see
// Engine.Analyze), with the boundaries of the referral rules of both rule
// sets, so that a threshold moved in either is seen from both sides; each
// red flag with each value of the other list and choice fields and with
// two more flags, as Load proves the floors; every pair of red flags with
// each boundary and each choice value, when the analysis explores single
// flags only; every pair of red flags with each two numbers that one
// referral condition compares, at that condition's boundaries; and, around
// the strongest profile of no red flag, of each red flag and of each pair
// of red flags, and around the smallest profile each referral rule
// decides (see sweepBases), every value a person can give of one number
// and every entry of one list at once (see eachSweep), so that arithmetic
// on a number in a rule's condition is compared where that rule matters,
// and each value of one choice field, alone and at each number boundary
// (see eachChoiceSweep), so that a threshold moved for one sex or one
// kind of episode only is seen.
// The default rules give about 750,000 profiles; before the choices were
// swept, about 580,000, compared in about 0.5 s on a busy 2-core machine
// (BenchmarkCompareReferrals; before timing and
// staying active were compared, 349,194 in 0.34 to 0.40 s there: a pair
// of flags or a rule whose referral is sooner than its flags' floors is a
// sweep base now). It samples, it does not prove: a condition that hides
// a lowering only where two numbers change at once, where an entry of one
// list meets an entry of another, or where three red flags meet can slip
// through.
//
// Only the referral rules are run, not the rest of the advice. When
// serving's space is cut at MaxAnalyzeProfiles, the comparison says so
// (Truncated). It honours ctx between blocks of profiles; a nil engine or
// context is an error.
func CompareReferrals(ctx context.Context, serving, candidate *Engine) (*ReferralComparison, error) {
	if err := cmp.Or(serving.unusable(), candidate.unusable()); err != nil {
		return nil, fmt.Errorf("compare referrals: %w", err)
	}
	if ctx == nil {
		return nil, errors.New("compare referrals: nil context: pass context.Background()")
	}
	// The space is the one Analyze explores for serving, with the
	// boundaries of the candidate's referral rules besides; the pairs of
	// numbers come from the referral rules of both.
	all := serving.conditionASTs()
	var refer []*ast.AST
	for _, e := range []*Engine{serving, candidate} {
		asts := all
		if e != serving {
			asts = make([]*ast.AST, len(e.rules))
			for _, ri := range e.order[:e.nRefer] {
				asts[ri] = e.rules[ri].checked()
			}
		}
		for _, ri := range e.order[:e.nRefer] {
			if asts[ri] == nil {
				// A referral rule left out would hide its boundaries.
				return nil, fmt.Errorf("compare referrals: rule %s (%s:%d): its condition no longer compiles",
					e.rules[ri].id, e.rules[ri].pos.File, e.rules[ri].pos.Line)
			}
			refer = append(refer, asts[ri])
		}
	}
	c := &referralCompare{serving: serving, candidate: candidate, knowsAll: candidate.knows(serving), groups: map[string]int{},
		servingOrder: serving.strongestFirst(), candidateOrder: candidate.strongestFirst()}
	sp := serving.space(append(slices.Clip(all), refer[serving.nRefer:]...))
	for i := range sp.profiles {
		if err := c.compare(ctx, &sp.profiles[i], sp.size[i]); err != nil {
			return nil, err
		}
	}
	bases := serving.sweepBases(sp, c.servingOrder)
	var err error
	visit := func(p *Profile, size int) {
		if err == nil {
			err = c.compare(ctx, p, size)
		}
	}
	serving.eachFlagVariant(visit)
	serving.eachFlagPair(sp, refer, visit)
	serving.eachSweep(bases, visit)
	serving.eachChoiceSweep(bases, sp.points, visit)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(c.found, func(a, b found) int {
		return cmp.Or(cmp.Compare(a.size, b.size), cmp.Compare(a.at, b.at))
	})
	out := &ReferralComparison{Profiles: c.compared, Lowered: c.lowered, Lowerings: make([]Lowering, len(c.found)),
		Reviews: serving.reviewsNotKept(candidate), Wordings: serving.wordingsNotKept(candidate), Truncated: sp.truncated}
	for i, f := range c.found {
		out.Lowerings[i] = f.Lowering
	}
	return out, nil
}

// Sweep ranges of the numbers whose every value eachSweep tries: the
// days since onset up to a year (beyond, only the boundaries the analysis
// reads), and sitting time in quarter hours.
const (
	sweepDays         = 366
	sweepSittingSteps = 4 // per hour
)

// sweepBases returns the profiles around which eachSweep tries every
// value of each number and list, so that a condition that holds only
// beside another (an age threshold, a condition, a second red flag:
// cancer with leg weakness) is swept where it matches:
//
//   - for no red flag, each red flag and each pair of red flags, the
//     smallest profile of sp with those flags alone (or none) that e
//     gives the most it gives any of them;
//   - for each referral rule, the smallest profile of sp whose outcome
//     it decides (the last rule, strongest first, to raise it): the
//     combination its condition needs, whatever red flags, conditions
//     and numbers that is.
//
// A pair, or a rule's profile, is left out when its outcome is no more
// than its red flags' floors give it, which hold whatever a condition
// says (see guardFloors); so is a pair the space does not hold (when it
// explores single flags only, eachFlagPair compares the pairs). Each
// profile is given once. rules are e.strongestFirst().
func (e *Engine) sweepBases(sp *space, rules []referralRule) []Profile {
	voc := &e.vocab[fieldRedFlags]
	flags := voc.ids()
	n := len(flags)
	// [0]: no flag; [1+i]: flag i; [1+n+pairIndex(i, j)]: flags i < j;
	// then one a referral rule, by its index in rules.
	nf := 1 + n + n*(n-1)/2
	nb := nf + len(rules)
	bases := make([]Profile, nb)
	best := make([]outcomeRank, nb)
	size := make([]int, nb)
	pairIndex := func(i, j int) int { return 1 + n + i*(2*n-i-1)/2 + (j - i - 1) }
	ruleBase := make(map[int]int, len(rules)) // rule index → base index
	for k, r := range rules {
		ruleBase[r.ri] = nf + k
	}
	keep := func(b int, p *Profile, o outcomeRank, sz int) {
		if o.weight() > best[b].weight() || (o == best[b] && size[b] > 0 && sz < size[b]) {
			bases[b], best[b], size[b] = *p, o, sz
		}
	}
	for i := range sp.profiles {
		p := &sp.profiles[i]
		o, by := e.referralDecider(p, rules)
		if by >= 0 {
			keep(ruleBase[by], p, o, sp.size[i])
		}
		switch len(p.RedFlags) {
		case 0:
			keep(0, p, o, sp.size[i])
		case 1:
			keep(1+voc.index(p.RedFlags[0]), p, o, sp.size[i])
		case 2:
			fi, fj := voc.index(p.RedFlags[0]), voc.index(p.RedFlags[1])
			keep(pairIndex(min(fi, fj), max(fi, fj)), p, o, sp.size[i])
		}
	}
	out := make([]Profile, 0, nb)
	for b := range 1 + n {
		if b > 0 && size[b] == 0 { // a flag the space never holds alone
			bases[b] = Profile{RedFlags: []string{flags[b-1]}}
		}
		out = append(out, bases[b])
	}
	seen := make(map[string]bool, nb)
	for _, p := range out {
		seen[profileKey(&p)] = true
	}
	for b := 1 + n; b < nb; b++ {
		if size[b] == 0 || !best[b].exceeds(e.floorRank(&bases[b])) {
			continue
		}
		if k := profileKey(&bases[b]); !seen[k] {
			seen[k] = true
			out = append(out, bases[b])
		}
	}
	for i := range out {
		out[i] = cloneProfile(out[i])
	}
	return out
}

// profileKey returns a key that two profiles share only when they hold
// the same lists, numbers and choices.
func profileKey(p *Profile) string {
	var b strings.Builder
	for li := range listFields {
		b.WriteString(strings.Join(*listPtr(p, li), ","))
		b.WriteByte(';')
	}
	for _, f := range numberFields {
		b.WriteString(strconv.FormatFloat(f.get(p), 'g', -1, 64))
		b.WriteByte(';')
	}
	for _, f := range choiceFields {
		b.WriteString(f.get(p))
		b.WriteByte(';')
	}
	return b.String()
}

// eachSweep calls fn with each base (see sweepBases), beside each value a
// person can give of one number (every whole age, pain and week of
// pregnancy, every day up to a year, every quarter hour of sitting) and
// beside every entry of one list at once (for the red flags, every flag
// whose floor asks for nothing): so that a condition that does
// arithmetic on a number (age % 7 != 3), or counts a list's entries
// (size(profile.equipment) < 3), is compared where it differs, not only
// at the boundaries the analysis reads from the conditions. About 655
// profiles a base, some 153,000 on the default rules (about 230 bases).
func (e *Engine) eachSweep(bases []Profile, fn func(p *Profile, size int)) {
	for _, base := range bases {
		n := len(base.RedFlags) + len(base.Conditions) + len(base.AggravatedBy) + len(base.EasedBy) + len(base.Equipment)
		for _, f := range numberFields {
			top, step := f.max, 1.0
			switch {
			case f.isDouble:
				step = 1.0 / sweepSittingSteps
			case f.name == "days_since_onset":
				top = sweepDays
			}
			for i := 0; f.min+float64(i)*step <= top; i++ {
				p := base
				f.set(&p, f.min+float64(i)*step)
				fn(&p, n+1)
			}
		}
		for li := range listFields {
			p := base
			all := e.vocab[li].ids()
			if li == fieldRedFlags {
				// Every flag would bring its own referrals, which would
				// hide the base's: the base's flag with every flag whose
				// floor asks for nothing.
				all = slices.Clip(base.RedFlags)
				for _, id := range e.quietFlags() {
					if !slices.Contains(base.RedFlags, id) {
						all = append(all, id)
					}
				}
			}
			*listPtr(&p, li) = all
			fn(&p, n+len(all))
		}
	}
}

// eachChoiceSweep calls fn with each base (see sweepBases) with one
// choice field set to each value it does not hold, alone and beside each
// number point of the space: so that a condition that reads a choice and a
// number together (profile.age >= 70 || profile.age >= 65 && profile.sex
// != 'female') is compared where both differ. eachSweep keeps a base's
// choices, and the space sets a choice beside a red flag or a condition
// with no number, so neither shows a candidate that moves a threshold
// for one sex or kind of episode only.
func (e *Engine) eachChoiceSweep(bases []Profile, points []numberPoint, fn func(p *Profile, size int)) {
	choices := e.choicePoints()
	for _, base := range bases {
		n := len(base.RedFlags) + len(base.Conditions) + len(base.AggravatedBy) + len(base.EasedBy) + len(base.Equipment)
		for _, ch := range choices {
			if choiceFields[ch.field].get(&base) == ch.value {
				continue
			}
			p := withChoice(base, ch)
			fn(&p, n+1)
			for _, pt := range points {
				q := withNumber(p, pt)
				fn(&q, n+2)
			}
		}
	}
}

// quietFlags returns the red flags whose floor asks for nothing on its
// own (urgency none, advice not withheld), or that have no floor.
func (e *Engine) quietFlags() []string {
	var out []string
	for _, id := range e.vocab[fieldRedFlags].ids() {
		if _, f := e.flagFloor(id); f == nil || (f.Urgency.rank() == 0 && !f.Withhold) {
			out = append(out, id)
		}
	}
	return out
}

// reviewsNotKept returns each programme review of e, a progression rule
// with a referral, that next does not keep as it was: next has no
// progression rule of its id, or has one whose condition is of another
// text, or whose referral is less urgent or missing. The reviews are
// run on the latest check-in, each apart from the others and from the
// step rules, on a view of the check-ins alone, so a rule of the same
// condition text matches the same histories.
func (e *Engine) reviewsNotKept(next *Engine) []ReviewLowering {
	out := []ReviewLowering{}
	byID := make(map[string]*progressRule, len(next.progress))
	for i := range next.progress {
		byID[next.progress[i].id] = &next.progress[i]
	}
	for i := range e.progress {
		r := &e.progress[i]
		if r.refer == nil {
			continue
		}
		l := ReviewLowering{Rule: r.id, File: r.pos.File, Line: r.pos.Line, Was: r.refer.Urgency}
		if n, ok := byID[r.id]; !ok {
			l.Gone = true
		} else {
			if n.refer != nil {
				l.Now = n.refer.Urgency
			}
			l.ConditionChanged = n.when != r.when
		}
		if l.ConditionChanged || l.Lowers() {
			out = append(out, l)
		}
	}
	return out
}

// wordingsNotKept returns each referral of e, of a referral rule or of a
// progression rule's review, that next keeps under the rule's id in other
// words (see ReferralWording): referral rules first, then the reviews,
// each in rule-set order, then the new rules' (see newWordings).
func (e *Engine) wordingsNotKept(next *Engine) []ReferralWording {
	out := []ReferralWording{}
	check := func(id string, pos parse.FilePos, message, clinician string, nextRefer func() (string, string, bool)) {
		m, c, ok := nextRefer()
		w := ReferralWording{Rule: id, File: pos.File, Line: pos.Line, Message: m != message, Clinician: c != clinician}
		if ok && (w.Message || w.Clinician) {
			out = append(out, w)
		}
	}
	rules := make(map[string]*compiledReferral, len(next.rules))
	for ri := range next.rules {
		if r := &next.rules[ri]; r.refer != nil {
			rules[r.id] = r.refer
		}
	}
	for ri := range e.rules {
		r := &e.rules[ri]
		if r.refer == nil {
			continue
		}
		n, ok := rules[r.id]
		if ok && e.foldsMore(r.refer, next, n) {
			out = append(out, ReferralWording{Rule: r.id, File: r.pos.File, Line: r.pos.Line,
				Message: n.message != r.refer.message, Clinician: n.clinician != r.refer.clinician, Story: true})
			continue
		}
		check(r.id, r.pos, r.refer.message, r.refer.clinician, func() (string, string, bool) {
			if !ok {
				return "", "", false
			}
			return n.message, n.clinician, true
		})
	}
	reviews := make(map[string]*Referral, len(next.progress))
	for i := range next.progress {
		if r := &next.progress[i]; r.refer != nil {
			reviews[r.id] = r.refer
		}
	}
	for i := range e.progress {
		r := &e.progress[i]
		if r.refer == nil {
			continue
		}
		check(r.id, r.pos, r.refer.Message, r.refer.Clinician, func() (string, string, bool) {
			n, ok := reviews[r.id]
			if !ok {
				return "", "", false
			}
			return n.Message, n.Clinician, true
		})
	}
	return append(out, e.newWordings(next)...)
}

// foldsMore reports whether n, next's referral of a rule whose referral in
// e is r, can be folded into another referral where r could not (see
// ReferralWording.Story): it joins a pathway r is not on, it starts to
// invite activity, or its rule's condition names a red flag that r's
// does not.
func (e *Engine) foldsMore(r *compiledReferral, next *Engine, n *compiledReferral) bool {
	if n.pathway != "" && n.pathway != r.pathway || n.invitesActivity && !r.invitesActivity {
		return true
	}
	named := make(map[string]bool, len(r.flags))
	for _, fi := range r.flags {
		named[e.vocab[fieldRedFlags].entries[fi].id] = true
	}
	for _, fi := range n.flags {
		if !named[next.vocab[fieldRedFlags].entries[fi].id] {
			return true
		}
	}
	return false
}

// newWordings returns, when next drops the referral of a rule or review
// of e (it is gone, renamed or no longer refers), each referral of next,
// of a referral rule or of a progression rule's review, under an id
// whose rule in e has no referral, whose message and clinician text no
// referral of e says together (see ReferralWording.New): referral rules
// first, then the reviews, each in next's order. A rule added while every
// referral of e is kept adds words without taking any away, and is not
// reported: adding a referral, or raising one, stays a reload.
func (e *Engine) newWordings(next *Engine) []ReferralWording {
	kept := map[string]bool{}
	for ri := range next.rules {
		if r := &next.rules[ri]; r.refer != nil {
			kept[r.id] = true
		}
	}
	for i := range next.progress {
		if r := &next.progress[i]; r.refer != nil {
			kept[r.id] = true
		}
	}
	dropped := false
	for ri := range e.rules {
		if r := &e.rules[ri]; r.refer != nil && !kept[r.id] {
			dropped = true
		}
	}
	for i := range e.progress {
		if r := &e.progress[i]; r.refer != nil && !kept[r.id] {
			dropped = true
		}
	}
	if !dropped {
		return nil
	}
	type words struct{ message, clinician string }
	pairs := map[words]bool{}
	messages, clinicians := map[string]bool{}, map[string]bool{}
	had := map[string]bool{}
	add := func(id string, w words) {
		had[id] = true
		pairs[w], messages[w.message], clinicians[w.clinician] = true, true, true
	}
	for ri := range e.rules {
		if r := &e.rules[ri]; r.refer != nil {
			add(r.id, words{r.refer.message, r.refer.clinician})
		}
	}
	for i := range e.progress {
		if r := &e.progress[i]; r.refer != nil {
			add(r.id, words{r.refer.Message, r.refer.Clinician})
		}
	}
	var out []ReferralWording
	check := func(id string, pos parse.FilePos, w words) {
		if had[id] || pairs[w] {
			return
		}
		nw := ReferralWording{Rule: id, File: pos.File, Line: pos.Line, Message: !messages[w.message], Clinician: !clinicians[w.clinician], New: true}
		if !nw.Message && !nw.Clinician {
			nw.Message, nw.Clinician = true, true
		}
		out = append(out, nw)
	}
	for ri := range next.rules {
		if r := &next.rules[ri]; r.refer != nil {
			check(r.id, r.pos, words{r.refer.message, r.refer.clinician})
		}
	}
	for i := range next.progress {
		if r := &next.progress[i]; r.refer != nil {
			check(r.id, r.pos, words{r.refer.Message, r.refer.Clinician})
		}
	}
	return out
}

// referralCompare is the state of one CompareReferrals.
type referralCompare struct {
	serving, candidate *Engine
	// servingOrder and candidateOrder are their referral rules, the
	// strongest first (see strongestFirst).
	servingOrder, candidateOrder []referralRule
	// knowsAll is true when candidate's vocabulary holds every id of
	// serving's, so that a profile of serving needs no translation.
	knowsAll bool
	// compared and lowered count the profiles compared and lowered.
	compared, lowered int
	// found holds the smallest lowering of each list of rules not kept
	// (Lowering.Rules), and groups the index in found of each list,
	// joined with NUL bytes.
	found  []found
	groups map[string]int
}

// found is a lowering with its profile's size and the index at which it
// was compared.
type found struct {
	Lowering
	size, at int
}

// compareBlock is how many profiles CompareReferrals compares between two
// looks at its context.
const compareBlock = 256

// compare compares the outcomes of p, of size size, and records it if
// candidate gives it less. p is the caller's: it is copied to be kept.
func (c *referralCompare) compare(ctx context.Context, p *Profile, size int) error {
	if c.compared%compareBlock == 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("compare referrals: %w", err)
		}
	}
	at := c.compared
	c.compared++
	q := p
	if !c.knowsAll {
		t := c.candidate.known(*p)
		q = &t
	}
	// The candidate first, which is enough when it gives the most there
	// is; then the serving rules, until they give more.
	now := c.candidate.referralRank(q, c.candidateOrder)
	if now == most || !c.serving.givesMore(p, now, c.servingOrder) {
		return nil
	}
	c.lowered++
	wasHits, nowHits := c.serving.referralHits(p), c.candidate.referralHits(q)
	was := c.serving.referralOutcome(p, wasHits)
	lost := c.serving.notKept(p, was, wasHits, c.candidate, q, nowHits)
	key := strings.Join(lost, "\x00")
	i, ok := c.groups[key]
	switch {
	case ok && c.found[i].size <= size:
		return nil
	case !ok:
		i = len(c.found)
		c.groups[key] = i
		c.found = append(c.found, found{})
	}
	c.found[i] = found{Lowering{Profile: cloneProfile(*p), Was: was, Now: c.candidate.referralOutcome(q, nowHits), Rules: lost}, size, at}
	return nil
}

// cloneProfile returns a copy of p that shares no list with it.
func cloneProfile(p Profile) Profile {
	for li := range listFields {
		ptr := listPtr(&p, li)
		*ptr = slices.Clone(*ptr)
	}
	return p
}

// outcomeRank is a referral outcome without its rules: the urgency rank
// of the most urgent referral (0 for none), the soonness of the most
// pressing referral of that urgency (see Within.soonness; a referral
// without a within counts as the latest its urgency allows), and how
// advice is withheld.
type outcomeRank struct {
	rank, soon int
	hold       int
}

// The ways advice is held, from the least.
const (
	// holdNone: advice is not withheld.
	holdNone = iota
	// holdActive: advice is withheld, and every withholding referral
	// says keep_active: the person is still told to stay gently active.
	holdActive
	// holdAll: advice is withheld, and the stay-active messages too.
	holdAll
)

// withheld reports whether o withholds advice.
func (o outcomeRank) withheld() bool { return o.hold > holdNone }

// pressing orders the referral of o: by urgency, then by timing.
func (o outcomeRank) pressing() int { return o.rank*(len(timings)+1) + o.soon }

// exceeds reports whether o gives more than v: a more pressing referral
// (more urgent, or as urgent and sooner), or advice held more (withheld
// where v does not withhold it, or without the stay-active messages
// where v keeps them).
func (o outcomeRank) exceeds(v outcomeRank) bool {
	return o.pressing() > v.pressing() || o.hold > v.hold
}

// with returns o raised by v: the more pressing referral, and advice held
// the more of the two.
func (o outcomeRank) with(v outcomeRank) outcomeRank {
	out := o
	if v.pressing() > o.pressing() {
		out.rank, out.soon = v.rank, v.soon
	}
	out.hold = max(o.hold, v.hold)
	return out
}

// weight orders outcomes totally: by how pressing, then how held.
func (o outcomeRank) weight() int {
	return o.pressing()*(holdAll+1) + o.hold
}

// most is the most an outcome can give.
var most = outcomeRank{UrgencyEmergency.rank(), WithinNow.soonness(), holdAll}

// gives returns what referral r gives when its rule matches.
func (r *compiledReferral) gives() outcomeRank {
	return outcomeOf(r.urgency, r.within, r.withhold, r.keepActive)
}

// referralRule is a referral rule as CompareReferrals runs it: its
// index, what it gives when it matches, and the most it can give (see
// strongestFirst).
type referralRule struct {
	ri         int
	gives, can outcomeRank
}

// strongestFirst returns e's referral rules, the strongest first, in rule
// order among equals. The most a rule can give is its urgency, and advice
// withheld when it withholds it or, running as CEL, could fail, which
// withholds advice too. Evaluated in this order, a profile's outcome
// rises soonest, and more of the weaker rules can be left out.
func (e *Engine) strongestFirst() []referralRule {
	out := make([]referralRule, 0, e.nRefer)
	for _, ri := range e.order[:e.nRefer] {
		r := &e.rules[ri]
		gives, can := r.refer.gives(), r.refer.gives()
		if r.direct == nil {
			can.hold = holdAll
		}
		out = append(out, referralRule{ri: ri, gives: gives, can: can})
	}
	slices.SortStableFunc(out, func(a, b referralRule) int { return cmp.Compare(b.can.weight(), a.can.weight()) })
	return out
}

// flagFloor returns the index and floor of red flag id, or -1 and nil
// when e has no such flag or it has no floor.
func (e *Engine) flagFloor(id string) (int, *Floor) {
	voc := &e.vocab[fieldRedFlags]
	if fi := voc.index(id); fi >= 0 && voc.entries[fi].floor != nil {
		return fi, voc.entries[fi].floor
	}
	return -1, nil
}

// rankOf returns what floor f asks for: its urgency, at the latest timing
// that urgency allows (a floor's referral states none), and advice
// withheld, stay-active messages too, when it withholds.
func rankOf(f *Floor) outcomeRank {
	return outcomeOf(f.Urgency, "", f.Withhold, false)
}

// floorRank returns what the floors of p's red flags give it alone.
func (e *Engine) floorRank(p *Profile) outcomeRank {
	var o outcomeRank
	for _, id := range p.RedFlags {
		if _, f := e.flagFloor(id); f != nil {
			o = o.with(rankOf(f))
		}
	}
	return o
}

// withFloors returns o, what the matched referral rules give p, raised
// by the floor of each red flag of p that they miss, as guardFloors
// raises a Result: a floor the rules meet adds nothing (its timing is
// the latest its urgency allows, no later than the rules'), and one they
// miss adds its referral, and withholds every message but the safety
// nets when it withholds.
func (e *Engine) withFloors(p *Profile, o outcomeRank) outcomeRank {
	out := o
	for _, id := range p.RedFlags {
		if _, f := e.flagFloor(id); f != nil && !f.metBy(o.rank, o.withheld()) {
			out = out.with(rankOf(f))
		}
	}
	return out
}

// referralRank returns what Recommend's Result gives p, a profile valid
// for e: the floors of p's red flags, and the referral rules that match,
// a rule that fails counting as matched and withholding advice, as the
// Result of a PartialError does. rules are e.strongestFirst(): a rule
// that cannot raise the outcome is not run.
func (e *Engine) referralRank(p *Profile, rules []referralRule) outcomeRank {
	o, _ := e.referralDecider(p, rules)
	return o
}

// referralDecider is referralRank, with the index of the rule that
// decides the outcome: the last, strongest first, to raise what the rules
// give; -1 when no rule matches. The rules' outcome is worked out alone,
// then raised by the floors they miss (see withFloors): a floor does not
// start it, since a keep_active rule that meets a withholding floor gives
// less than that floor alone would.
func (e *Engine) referralDecider(p *Profile, rules []referralRule) (outcomeRank, int) {
	var o outcomeRank
	by := -1
	var act *activation
	for _, r := range rules {
		if o == most {
			break
		}
		if !r.can.exceeds(o) {
			continue
		}
		m, err := e.evalRule(context.Background(), r.ri, p, &act)
		switch {
		case err != nil:
			o, by = o.with(r.can), r.ri
		case m && r.gives.exceeds(o):
			o, by = o.with(r.gives), r.ri
		}
	}
	return e.withFloors(p, o), by
}

// givesMore reports whether e gives p, a profile valid for e, more than
// v (see referralRank). The outcome is at least what its floors' timing
// and what its matched rules give, so it exceeds v as soon as they do:
// the rules are run strongest first (rules are e.strongestFirst()), each
// only when it can raise what the rules give so far, until they exceed
// v; otherwise the floors they miss decide (see withFloors).
func (e *Engine) givesMore(p *Profile, v outcomeRank, rules []referralRule) bool {
	if e.floorRank(p).pressing() > v.pressing() {
		return true
	}
	var o outcomeRank
	var act *activation
	for _, r := range rules {
		if o == most {
			break
		}
		if !r.can.exceeds(o) {
			continue
		}
		m, err := e.evalRule(context.Background(), r.ri, p, &act)
		switch {
		case err != nil:
			// A rule that fails gives what it can.
			o = o.with(r.can)
		case m:
			o = o.with(r.gives)
		}
		if o.exceeds(v) {
			return true
		}
	}
	return e.withFloors(p, o).exceeds(v)
}

// referralHit is a referral rule that matched a profile: its index, and
// whether it failed to evaluate, which counts as a match.
type referralHit struct {
	ri     int
	failed bool
}

// rank returns what the hit gives: its rule's urgency and timing, and
// advice withheld as the rule withholds it, or in full when it failed.
func (h referralHit) rank(e *Engine) outcomeRank {
	o := e.rules[h.ri].refer.gives()
	if h.failed {
		o.hold = holdAll
	}
	return o
}

// referralHits returns the referral rules that match p, a profile valid
// for e, in rule order.
func (e *Engine) referralHits(p *Profile) []referralHit {
	var act *activation
	var hits []referralHit
	for _, ri := range e.order[:e.nRefer] {
		m, err := e.evalRule(context.Background(), ri, p, &act)
		if m || err != nil {
			hits = append(hits, referralHit{ri, err != nil})
		}
	}
	return hits
}

// referralOutcome returns the outcome of p, whose matched referral rules
// are hits, with the rules that decide it (see ReferralOutcome.Rules).
func (e *Engine) referralOutcome(p *Profile, hits []referralHit) ReferralOutcome {
	var byRules outcomeRank
	for _, h := range hits {
		byRules = byRules.with(h.rank(e))
	}
	o := byRules
	var floors []string
	for _, id := range p.RedFlags {
		if fi, f := e.flagFloor(id); f != nil && !f.metBy(byRules.rank, byRules.withheld()) {
			floors = append(floors, e.floorRuleID(fi))
			o = o.with(rankOf(f))
		}
	}
	out := ReferralOutcome{Urgency: urgencyOfRank(o.rank), Within: withinOfSoonness(o.soon), Withheld: o.withheld(),
		KeepActive: o.hold == holdActive, Rules: []string{}}
	for _, h := range hits {
		if r := h.rank(e); r.rank == o.rank || r.withheld() {
			out.Rules = append(out.Rules, e.rules[h.ri].id)
		}
	}
	out.Rules = append(out.Rules, floors...)
	return out
}

// withinOfSoonness is the timing of soonness s, "" for 0.
func withinOfSoonness(s int) Within {
	if s <= 0 || s > len(timings) {
		return ""
	}
	return timings[len(timings)-s].w
}

// urgencyOfRank is the urgency of rank r, "" for 0.
func urgencyOfRank(r int) Urgency {
	return [...]Urgency{"", UrgencyRoutine, UrgencyUrgent, UrgencyEmergency}[r]
}

// notKept returns the rules of was, the outcome e gives p with the
// matched referral rules hits, that next does not keep for q, p in
// next's vocabulary, whose matched referral rules are nextHits: each rule
// that next does not match (it is gone, or its condition no longer
// holds) or matches with a less urgent or later referral, without
// withholding advice or keeping the person active where it did not, and
// each red flag's floor that next no longer declares as high.
func (e *Engine) notKept(p *Profile, was ReferralOutcome, hits []referralHit, next *Engine, q *Profile, nextHits []referralHit) []string {
	gave, kept := map[string]outcomeRank{}, map[string]outcomeRank{}
	for _, h := range hits {
		gave[e.rules[h.ri].id] = h.rank(e)
	}
	for _, h := range nextHits {
		kept[next.rules[h.ri].id] = h.rank(next)
	}
	for _, id := range p.RedFlags {
		if fi, f := e.flagFloor(id); f != nil {
			gave[e.floorRuleID(fi)] = rankOf(f)
		}
	}
	for _, id := range q.RedFlags {
		if fi, f := next.flagFloor(id); f != nil {
			kept[next.floorRuleID(fi)] = rankOf(f)
		}
	}
	var lost []string
	for _, id := range was.Rules {
		if now, ok := kept[id]; !ok || gave[id].exceeds(now) {
			lost = append(lost, id)
		}
	}
	return lost
}

// knows reports whether e's vocabulary holds every id of from's.
func (e *Engine) knows(from *Engine) bool {
	for fi := range from.vocab {
		for _, ent := range from.vocab[fi].entries {
			if e.vocab[fi].index(ent.id) < 0 {
				return false
			}
		}
	}
	return true
}

// known returns p without the ids e's vocabulary does not hold: the
// profile e is asked about for a profile of another rule set.
func (e *Engine) known(p Profile) Profile {
	for li := range listFields {
		ptr := listPtr(&p, li)
		var kept []string
		for _, id := range *ptr {
			if e.vocab[li].index(id) >= 0 {
				kept = append(kept, id)
			}
		}
		*ptr = kept
	}
	for ci, cf := range choiceFields {
		if v := cf.get(&p); v != "" && e.vocab[numListFields+ci].index(v) < 0 {
			cf.set(&p, "")
		}
	}
	return p
}

// eachFlagPair calls fn with the profiles of pairs of red flags that the
// space sp, built from asts, leaves out: when it explores single flags
// only, every pair alone, with each number point and with each choice
// value; and always, every pair with each two numbers that one condition
// of asts compares, at that condition's boundaries. fn gets the same
// *Profile each time, and copies it to keep it.
func (e *Engine) eachFlagPair(sp *space, asts []*ast.AST, fn func(p *Profile, size int)) {
	var pairs [][]string
	for _, fs := range subsets(e.vocab[fieldRedFlags].ids(), 2) {
		if len(fs) == 2 {
			pairs = append(pairs, fs)
		}
	}
	var p Profile
	if sp.flagSetSize < 2 {
		choices := e.choicePoints()
		for _, fs := range pairs {
			p = Profile{RedFlags: fs}
			fn(&p, 2)
			for _, pt := range sp.points {
				p = withNumber(Profile{RedFlags: fs}, pt)
				fn(&p, 3)
			}
			for _, ch := range choices {
				p = withChoice(Profile{RedFlags: fs}, ch)
				fn(&p, 3)
			}
		}
	}
	numbers := comparedTogether(asts)
	for _, fs := range pairs {
		for _, pr := range numbers {
			p = withNumber(withNumber(Profile{RedFlags: fs}, pr[0]), pr[1])
			fn(&p, 4)
		}
	}
}

// comparedTogether returns every two number points, of two fields that
// one condition of asts compares with constants, at that condition's
// boundaries (see boundaries); each once, in the order of asts.
func comparedTogether(asts []*ast.AST) [][2]numberPoint {
	var out [][2]numberPoint
	seen := map[[2]numberPoint]bool{}
	for _, checked := range asts {
		if checked == nil {
			continue
		}
		var points []numberPoint
		for fi, vs := range boundaries(numberComparisons(checked)) {
			for _, v := range vs {
				points = append(points, numberPoint{fi, v})
			}
		}
		for _, pr := range numberPairs(points) {
			if !seen[pr] {
				seen[pr] = true
				out = append(out, pr)
			}
		}
	}
	return out
}
