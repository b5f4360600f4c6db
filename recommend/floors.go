package recommend

// Safety floors: each red flag declares the least it must lead to (see
// Floor), and Load proves every floor over the profiles Analyze explores
// that hold the flag, so that no edit of the rules can lower the red-flag
// screen without a load error that says where.

import (
	"encoding/json"
	"fmt"

	"github.com/backrules/backrules/internal/parse"
)

// floorMiss is the smallest explored profile that misses a floor, with
// what it got.
type floorMiss struct {
	profile  int // index into the space, or -1 for none
	rank     int // the urgency rank of its most urgent referral, 0 for none
	withheld bool
}

// checkRuleCount refuses a rule set without rules: it would give no
// advice and act on no red flag, while looking healthy.
func (c *compiler) checkRuleCount() {
	if len(c.doc.Rules) == 0 {
		c.iss.Add(parse.FilePos{File: "."}, "the rule set has no rules: a rule set needs at least one, and its red flags need the rules that refer to a clinician")
	}
}

// proveFloors checks every red flag's floor over the profiles Analyze
// explores that hold the flag: each must match referral rules that give a referral at
// least as urgent as the floor, and that withhold advice when the floor
// withholds it. A referral rule that fails to evaluate counts as matched,
// as it does in Recommend. A missed floor is reported at the floor, with
// the smallest profile that misses it.
func (c *compiler) proveFloors() {
	e := c.e
	entries := e.vocab[fieldRedFlags].entries
	misses := make([]floorMiss, len(entries))
	needed := false
	for i := range misses {
		misses[i].profile = -1
		if f := entries[i].floor; f != nil && (f.Urgency.rank() > 0 || f.Withhold) {
			needed = true
		}
	}
	if !needed {
		return
	}
	sp := c.space()
	var act *activation
	for pi := range sp.profiles {
		p := &sp.profiles[pi]
		if len(p.RedFlags) == 0 {
			continue
		}
		act = nil
		rank, withheld := 0, false
		for _, ri := range e.order[:e.nRefer] {
			m, err := e.evalRule(nil, ri, p, &act)
			if !m && err == nil {
				continue
			}
			ref := e.rules[ri].refer
			rank = max(rank, ref.urgency.rank())
			withheld = withheld || ref.withhold
		}
		for _, id := range p.RedFlags {
			fi := e.vocab[fieldRedFlags].index(id)
			f := entries[fi].floor
			if f == nil || rank >= f.Urgency.rank() && (withheld || !f.Withhold) {
				continue
			}
			if m := &misses[fi]; m.profile < 0 || sp.size[pi] < sp.size[m.profile] {
				*m = floorMiss{pi, rank, withheld}
			}
		}
	}
	for fi, m := range misses {
		if m.profile < 0 {
			continue
		}
		f := entries[fi].floor
		c.iss.Add(parse.FilePos{File: f.File, Pos: parse.Pos{Line: f.Line, Column: f.Column}}, "%s", floorMessage(f, sp.profiles[m.profile], m))
	}
}

// floorMessage says how a floor is missed, with the profile that misses
// it and what to do.
func floorMessage(f *Floor, p Profile, m floorMiss) string {
	example, err := json.Marshal(p)
	if err != nil {
		example = []byte(fmt.Sprint(p))
	}
	got := [...]string{"no referral", "only a routine referral", "only an urgent referral", "an emergency referral"}[m.rank]
	if m.rank > 0 && f.Withhold && !m.withheld {
		got += ", with movement advice not withheld"
	}
	want := map[Urgency]string{Emergency: "an emergency referral", Urgent: "an urgent or emergency referral", Routine: "a referral"}[f.Urgency]
	if f.Withhold {
		want += " that withholds movement advice"
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
