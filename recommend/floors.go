package recommend

// Safety floors: each red flag declares the least it must lead to (see
// Floor), and Load proves every floor over the profiles Analyze explores
// that hold the flag, so that no edit of the rules can lower the red-flag
// screen without a load error that says where.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/celast"
	"github.com/backrules/backrules/internal/parse"
	"github.com/google/cel-go/common/ast"
)

// floorMiss is the smallest explored profile that misses a floor, with
// its size and what it got.
type floorMiss struct {
	found    bool
	profile  Profile
	size     int
	rank     int // the urgency rank of its most urgent referral, 0 for none
	withheld bool
	// dropped names each referral rule that meets the floor for the flag
	// alone but does not match the profile, with its place.
	dropped []string
}

// checkRuleCount refuses a rule set without rules: it would give no
// advice and act on no red flag, while looking healthy.
func (c *compiler) checkRuleCount() {
	if len(c.doc.Rules) == 0 {
		c.iss.Add(parse.FilePos{File: "."}, "the rule set has no rules: a rule set needs at least one, and its red flags need the rules that refer to a clinician")
	}
}

// proveFloors checks every red flag's floor over the profiles Analyze
// explores that hold the flag: each must match referral rules that give a
// referral at least as urgent as the floor, and that withhold advice when
// the floor withholds it. A referral rule that fails to evaluate counts as
// matched, as it does in Recommend. A missed floor is reported at the
// floor, with the smallest profile that misses it.
func (c *compiler) proveFloors() {
	e := c.e
	entries := e.vocab[fieldRedFlags].entries
	misses := make([]floorMiss, len(entries))
	needed := false
	for i := range entries {
		if f := entries[i].floor; f != nil && (f.Urgency.rank() > 0 || f.Withhold) {
			needed = true
		}
	}
	if !needed {
		return
	}
	var act *activation
	prove := func(p *Profile, size int) {
		act = nil
		rank, withheld := 0, false
		for _, ri := range e.order[:e.nRefer] {
			m, err := e.evalRule(context.Background(), ri, p, &act)
			if !m && err == nil {
				continue
			}
			ref := e.rules[ri].refer
			rank = max(rank, ref.urgency.rank())
			withheld = withheld || ref.withhold
		}
		for _, id := range p.RedFlags {
			fi := e.vocab[fieldRedFlags].index(id)
			if f := entries[fi].floor; f == nil || f.metBy(rank, withheld) {
				continue
			}
			if m := &misses[fi]; !m.found || size < m.size {
				*m = floorMiss{found: true, profile: *p, size: size, rank: rank, withheld: withheld}
			}
		}
	}
	e.eachFlagProfile(c.spaceShape(), prove)
	e.eachFlagVariant(prove)
	e.eachFlagMix(prove)
	for fi, m := range misses {
		if !m.found {
			continue
		}
		f := entries[fi].floor
		m.dropped = e.droppedReferrals(f, m.profile)
		c.iss.Add(parse.FilePos{File: f.File, Pos: parse.Pos{Line: f.Line, Column: f.Column}}, "%s", floorMessage(f, m))
	}
}

// metBy reports whether referrals whose most urgent one has urgency rank
// rank, and which withhold advice when withheld is true, meet the floor:
// the one test of a floor, at load (proveFloors) and on every call
// (guardFloors).
func (f *Floor) metBy(rank int, withheld bool) bool {
	return f.Urgency.rank() <= rank && (!f.Withhold || withheld)
}

// floorRuleID is the rule id of red flag fi's own floor referral:
// FloorRulePrefix and the flag's id.
func (e *Engine) floorRuleID(fi int) string {
	return FloorRulePrefix + e.vocab[fieldRedFlags].entries[fi].id
}

// eachFlagProfile calls fn with each profile of the space Analyze
// explores (see Engine.space, whose shape sp is) that holds a red flag, in
// the space's order and within its bound, with the profile's size, without
// building the space: fn gets the same *Profile each time, and copies it
// to keep it.
func (e *Engine) eachFlagProfile(sp *space, fn func(p *Profile, size int)) {
	flagSets := subsets(e.vocab[fieldRedFlags].ids(), sp.flagSetSize)
	points := sp.points
	n := 0 // the profile's index in the space
	var p Profile
	for _, cs := range sp.conditionSets {
		for _, fs := range flagSets {
			if n >= MaxAnalyzeProfiles {
				return
			}
			n++
			if len(fs) > 0 {
				p = Profile{Conditions: cs, RedFlags: fs}
				fn(&p, len(cs)+len(fs))
			}
		}
	}
	// The profiles of one condition set and one other input come next.
	n += len(sp.conditionSets) * (len(e.vocab[fieldAggravatedBy].entries) + len(e.vocab[fieldEasedBy].entries) + len(sp.equipment) + len(points))
	for _, fs := range flagSets[1:] {
		for _, pt := range points {
			if n >= MaxAnalyzeProfiles {
				return
			}
			n++
			p = withNumber(Profile{RedFlags: fs}, pt)
			fn(&p, len(fs)+1)
		}
	}
}

// eachFlagVariant calls fn with profiles beyond the space Analyze
// explores, for each red flag alone: with each value of each choice field
// (sex, episode), with each value of the other list fields (aggravated_by,
// eased_by, equipment, and each condition), with the first two other red
// flags, and with two other red flags that lead to no referral together
// (see silentFlags), so that a condition that leaves a flag's referral out
// for one such input, or for three flags at once, misses its floor here:
// the first two flags may be strong ones whose own referral meets the
// floor in the flag's place. fn gets the same *Profile each time, and
// copies it to keep it.
func (e *Engine) eachFlagVariant(fn func(p *Profile, size int)) {
	flags := e.vocab[fieldRedFlags].ids()
	quiet := e.silentFlags()
	var p Profile
	for _, flag := range flags {
		one := []string{flag}
		for ci, cf := range choiceFields {
			for _, v := range e.vocab[numListFields+ci].ids() {
				p = Profile{RedFlags: one}
				cf.set(&p, v)
				fn(&p, 2)
			}
		}
		for li := range listFields {
			if li == fieldRedFlags {
				continue
			}
			for _, v := range e.vocab[li].ids() {
				p = Profile{RedFlags: one}
				*listPtr(&p, li) = []string{v}
				fn(&p, 2)
			}
		}
		for _, others := range [][]string{flags, quiet} {
			if two := twoOthers(others, flag); two != nil {
				p = Profile{RedFlags: append(two, flag)}
				fn(&p, 3)
			}
		}
	}
}

// eachFlagMix calls fn with each red flag alone beside what its referral
// conditions compare, two at a time, which neither the space Analyze
// explores nor eachFlagVariant sets together: each value of each choice
// field (sex, episode) they read and each list entry they name (a
// condition, an aggravating movement, a piece of equipment) at each of
// their number boundaries, each such entry with each such choice value,
// and each two numbers one of them compares, at
// that condition's boundaries, alone and with each value of each choice
// field they read. So a referral rule that leaves its flag out for a
// woman of 72 (profile.sex != 'female' || profile.age == 0 ||
// profile.age >= 75), for a flare after a month, or for a pregnancy past
// week 20 misses its floor at load, not only at run time.
//
// A flag's referral conditions are those of the referral rules that name
// it or name no red flag: a rule that names only other flags is taken
// not to bear on a profile with this flag alone. So the work grows with
// the boundaries and names of each flag's own referral rules, not with
// the whole vocabulary or the other rules. fn gets the same *Profile each
// time, and copies it to keep it.
func (e *Engine) eachFlagMix(fn func(p *Profile, size int)) {
	flags := e.vocab[fieldRedFlags]
	type referral struct {
		checked *ast.AST
		named   map[string]bool
		anyFlag bool // it names a red flag
	}
	var refs []referral
	for _, ri := range e.order[:e.nRefer] {
		checked := e.rules[ri].checked()
		if checked == nil {
			continue
		}
		r := referral{checked: checked, named: map[string]bool{}}
		for _, s := range stringLiterals(checked) {
			r.named[s] = true
			r.anyFlag = r.anyFlag || flags.index(s) >= 0
		}
		refs = append(refs, r)
	}
	type entry struct {
		field int
		id    string
	}
	var p Profile
	for _, flag := range flags.ids() {
		var asts []*ast.AST
		named := map[string]bool{}
		read := map[string]bool{}
		for _, r := range refs {
			if r.anyFlag && !r.named[flag] {
				continue
			}
			asts = append(asts, r.checked)
			for s := range r.named {
				named[s] = true
			}
			for _, f := range celast.FieldsRead(r.checked) {
				read[f] = true
			}
		}
		if len(asts) == 0 {
			continue
		}
		var choices []choicePoint
		for _, ch := range e.choicePoints() {
			if read[choiceFields[ch.field].name] {
				choices = append(choices, ch)
			}
		}
		var entries []entry
		for li := range listFields {
			if li == fieldRedFlags {
				continue
			}
			for _, id := range e.vocab[li].ids() {
				if named[id] {
					entries = append(entries, entry{li, id})
				}
			}
		}
		one := []string{flag}
		for _, en := range entries {
			for _, ch := range choices {
				p = withChoice(Profile{RedFlags: one}, ch)
				*listPtr(&p, en.field) = []string{en.id}
				fn(&p, 3)
			}
		}
		for _, pt := range e.numberPoints(asts) {
			for _, ch := range choices {
				p = withNumber(withChoice(Profile{RedFlags: one}, ch), pt)
				fn(&p, 3)
			}
			for _, en := range entries {
				p = withNumber(Profile{RedFlags: one}, pt)
				*listPtr(&p, en.field) = []string{en.id}
				fn(&p, 3)
			}
		}
		for _, pr := range comparedTogether(asts) {
			p = withNumber(withNumber(Profile{RedFlags: one}, pr[0]), pr[1])
			fn(&p, 3)
			for _, ch := range choices {
				p = withNumber(withNumber(withChoice(Profile{RedFlags: one}, ch), pr[0]), pr[1])
				fn(&p, 4)
			}
		}
	}
}

// twoOthers returns a new list of the first two flags of flags that are
// not flag, with room for one more, or nil when there are not two.
func twoOthers(flags []string, flag string) []string {
	two := make([]string, 0, 3)
	for _, other := range flags {
		if other != flag && len(two) < 2 {
			two = append(two, other)
		}
	}
	if len(two) < 2 {
		return nil
	}
	return two
}

// silentFlags returns up to three red flags, in vocabulary order, that
// together lead to no referral and withhold nothing (a referral rule that
// fails to evaluate counts as matched), or fewer when the rule set has
// fewer such flags: the company eachFlagVariant gives a flag in its
// three-flag profile, so that only the flag's own referral can meet its
// floor there.
func (e *Engine) silentFlags() []string {
	var quiet []string
	var act *activation
	for _, flag := range e.vocab[fieldRedFlags].ids() {
		if len(quiet) == 3 {
			break
		}
		p := Profile{RedFlags: append(slices.Clip(quiet), flag)}
		act = nil
		loud := false
		for _, ri := range e.order[:e.nRefer] {
			if m, err := e.evalRule(context.Background(), ri, &p, &act); m || err != nil {
				loud = true
				break
			}
		}
		if !loud {
			quiet = p.RedFlags
		}
	}
	return quiet
}

// droppedReferrals returns, as "rule ID (file:line:col)", each referral
// rule that matches a profile of f's red flag alone, and would meet f by
// its urgency or its withholding, but does not match p, which misses f:
// the rules whose condition leaves the flag out for p. A rule that fails
// to evaluate counts as matched, as in proveFloors.
func (e *Engine) droppedReferrals(f *Floor, p Profile) []string {
	var out []string
	alone := Profile{RedFlags: []string{f.RedFlag}}
	var actAlone, actP *activation
	for _, ri := range e.order[:e.nRefer] {
		ref := e.rules[ri].refer
		if ref.urgency.rank() < f.Urgency.rank() && !(f.Withhold && ref.withhold) {
			continue
		}
		if m, err := e.evalRule(context.Background(), ri, &alone, &actAlone); !m && err == nil {
			continue
		}
		if m, err := e.evalRule(context.Background(), ri, &p, &actP); m || err != nil {
			continue
		}
		out = append(out, fmt.Sprintf("rule %s (%s)", e.rules[ri].id, e.rules[ri].pos))
	}
	return out
}

// floorMessage says how a floor is missed, with the profile that misses
// it and what to do.
func floorMessage(f *Floor, m floorMiss) string {
	example, err := json.Marshal(m.profile)
	if err != nil {
		example = []byte(fmt.Sprint(m.profile))
	}
	got := [...]string{"no referral", "only a routine referral", "only an urgent referral", "an emergency referral"}[m.rank]
	if m.rank > 0 && f.Withhold && !m.withheld {
		got += ", with movement advice not withheld"
	}
	want := map[Urgency]string{UrgencyEmergency: "an emergency referral", UrgencyUrgent: "an urgent or emergency referral", UrgencyRoutine: "a referral"}[f.Urgency]
	if f.Withhold {
		want += " that withholds movement advice"
	}
	if len(m.dropped) > 0 {
		got += fmt.Sprintf(", as %s refers the flag alone but not this profile", strings.Join(m.dropped, " and "))
	}
	fix := fmt.Sprintf("add or fix a referral rule that matches every profile with it, such as when: \"'%s' in profile.red_flags\"", f.RedFlag)
	if f.Urgency != "" {
		fix += fmt.Sprintf(" with refer: {urgency: %s", f.Urgency)
		if f.Withhold {
			fix += ", withhold: true"
		}
		fix += "}"
	}
	return fmt.Sprintf("red flag %q misses its floor: it must lead to %s, but the explored profile %s gets %s: %s, or lower the floor if the guidance says so",
		f.RedFlag, want, example, got, fix)
}
