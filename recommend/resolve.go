package recommend

// Stage 4, resolve: the matched rules in, a Result out. This is the one
// home of the safety policy (see doc.go): avoid beats recommend, cautions
// are attached and recorded, equipment is required, and a withholding
// referral empties the recommendations.

import (
	"cmp"
	"slices"
	"strings"
)

// movementState gathers, for one movement, the matched rules of each effect.
type movementState struct {
	by [numEffects][]int // rule indexes, in rule order
}

func (e *Engine) resolve(p *Profile, matched []bool) *Result {
	res := &Result{
		Referrals:      []Referral{},
		Recommended:    []Item{},
		Avoided:        []Item{},
		Conflicts:      []Conflict{},
		NeedsEquipment: []EquipmentNeed{},
		Trace:          make([]TraceEntry, len(e.rules)),
		Disclaimer:     Disclaimer,
	}
	states := make([]movementState, len(e.movements))
	var withholdRules []int
	for ri := range e.rules {
		r := &e.rules[ri]
		res.Trace[ri] = TraceEntry{Rule: r.id, Matched: matched[ri]}
		if !matched[ri] {
			continue
		}
		for eff, ms := range r.effects {
			for _, mi := range ms {
				states[mi].by[eff] = append(states[mi].by[eff], ri)
			}
		}
		if r.refer != nil {
			res.Referrals = e.addReferral(res.Referrals, ri)
			if r.refer.withhold {
				withholdRules = append(withholdRules, ri)
			}
		}
	}
	slices.SortStableFunc(res.Referrals, func(a, b Referral) int {
		return cmp.Compare(b.Urgency.rank(), a.Urgency.rank())
	})

	have := make(map[string]bool, len(p.Equipment))
	for _, eq := range p.Equipment {
		have[eq] = true
	}
	for mi := range e.movements {
		st := &states[mi]
		rec, avoid, caution := st.by[effectRecommend], st.by[effectAvoid], st.by[effectCaution]
		switch {
		case len(avoid) > 0:
			// Policy 1: an avoid always wins.
			res.Avoided = append(res.Avoided, e.item(mi, avoid, nil))
			if len(rec) > 0 {
				res.Conflicts = append(res.Conflicts, e.conflict(mi, Avoided, rec, mergeRules(avoid, caution)))
			}
		case len(rec) > 0:
			if missing := e.missingEquipment(mi, have); len(missing) > 0 {
				// Policy 5: no equipment, no recommendation.
				res.NeedsEquipment = append(res.NeedsEquipment, EquipmentNeed{
					Movement: e.movements[mi].id, Name: e.movements[mi].name,
					Missing: missing, Rules: e.ruleIDs(rec),
				})
				continue
			}
			// Policies 2 and 3: merge every reason, attach every caution.
			res.Recommended = append(res.Recommended, e.item(mi, rec, caution))
			if len(caution) > 0 {
				res.Conflicts = append(res.Conflicts, e.conflict(mi, Cautioned, rec, caution))
			}
		}
	}
	if len(withholdRules) > 0 {
		// Policy 4: a withholding referral empties the recommendations.
		res.Withheld = true
		res.WithheldReason = "Movement advice is withheld until a clinician has assessed you, because of: " +
			strings.Join(e.ruleIDs(withholdRules), ", ") + "."
		res.Recommended = []Item{}
		res.NeedsEquipment = []EquipmentNeed{}
	}
	return res
}

// addReferral adds rule ri's referral, merged into an earlier one with the
// same urgency and message.
func (e *Engine) addReferral(refs []Referral, ri int) []Referral {
	r := &e.rules[ri]
	for i := range refs {
		if refs[i].Urgency == r.refer.urgency && refs[i].Message == r.refer.message {
			refs[i].Withhold = refs[i].Withhold || r.refer.withhold
			refs[i].Rules = append(refs[i].Rules, r.id)
			refs[i].Citations = appendCitations(refs[i].Citations, r.cites)
			return refs
		}
	}
	return append(refs, Referral{
		Urgency:   r.refer.urgency,
		Message:   r.refer.message,
		Withhold:  r.refer.withhold,
		Citations: appendCitations(nil, r.cites),
		Rules:     []string{r.id},
	})
}

// item builds a recommended or avoided item from the rules that give its
// reasons and those that attach cautions.
func (e *Engine) item(mi int, reasons, cautions []int) Item {
	m := &e.movements[mi]
	it := Item{
		Movement: m.id, Name: m.name, Kind: m.kind, How: m.how, Dose: m.dose,
		Reasons:   make([]Note, 0, len(reasons)),
		Cautions:  make([]Note, 0, len(cautions)),
		Citations: []Citation{},
	}
	for _, ri := range reasons {
		r := &e.rules[ri]
		it.Reasons = append(it.Reasons, Note{Rule: r.id, Text: r.because})
	}
	for _, ri := range cautions {
		r := &e.rules[ri]
		it.Cautions = append(it.Cautions, Note{Rule: r.id, Text: r.because})
	}
	all := mergeRules(reasons, cautions)
	it.Rules = e.ruleIDs(all)
	for _, ri := range all {
		it.Citations = appendCitations(it.Citations, e.rules[ri].cites)
	}
	return it
}

func (e *Engine) conflict(mi int, res Resolution, forRules, against []int) Conflict {
	return Conflict{
		Movement:   e.movements[mi].id,
		Name:       e.movements[mi].name,
		Resolution: res,
		For:        e.side(forRules),
		Against:    e.side(against),
	}
}

func (e *Engine) side(rules []int) Side {
	s := Side{Rules: e.ruleIDs(rules), Citations: []Citation{}}
	for _, ri := range rules {
		s.Citations = appendCitations(s.Citations, e.rules[ri].cites)
	}
	return s
}

func (e *Engine) missingEquipment(mi int, have map[string]bool) []string {
	var missing []string
	for _, eq := range e.movements[mi].equipment {
		id := e.vocab[fieldEquipment].entries[eq].id
		if !have[id] {
			missing = append(missing, id)
		}
	}
	return missing
}

func (e *Engine) ruleIDs(rules []int) []string {
	out := make([]string, len(rules))
	for i, ri := range rules {
		out[i] = e.rules[ri].id
	}
	return out
}

// mergeRules merges two ascending lists of rule indexes, without repeats.
func mergeRules(a, b []int) []int {
	if len(b) == 0 {
		return a
	}
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// appendCitations appends the citations of add that dst does not hold yet.
func appendCitations(dst, add []Citation) []Citation {
	for _, c := range add {
		if !slices.Contains(dst, c) {
			dst = append(dst, c)
		}
	}
	return dst
}
