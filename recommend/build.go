package recommend

// Building a Result from the decision record (see resolve.go). Nothing here
// decides what is advised: it copies the decisions out, with names,
// reasons and citations, in the documented order.

import (
	"cmp"
	"slices"
	"strings"
)

// builder holds the scratch state of one build.
type builder struct {
	e *Engine
	// seen marks citations already taken while building one list; it is
	// cleared after each list.
	seen []bool
}

// build turns the decision record into a Result.
func (e *Engine) build(d *decisions) *Result {
	b := &builder{e: e, seen: make([]bool, len(e.citations))}
	res := &Result{
		Referrals:      make([]Referral, 0, len(d.referrals)),
		Recommended:    []Item{},
		Avoided:        []Item{},
		Conflicts:      []Conflict{},
		NeedsEquipment: []EquipmentNeed{},
		Trace:          make([]TraceEntry, len(e.rules)),
		RuleSet:        e.ruleSet,
		Disclaimer:     Disclaimer,
	}
	for ri := range e.rules {
		res.Trace[ri] = TraceEntry{Rule: e.rules[ri].id, Matched: d.matched[ri]}
	}
	for _, ri := range d.referrals {
		res.Referrals = b.addReferral(res.Referrals, ri)
	}
	slices.SortStableFunc(res.Referrals, func(a, b Referral) int {
		return cmp.Compare(b.Urgency.rank(), a.Urgency.rank())
	})
	// Size the lists once: an item is large, and growing a list copies it.
	nRec, nAvoid := 0, 0
	for _, m := range d.movements {
		switch m.outcome {
		case outcomeAvoided:
			nAvoid++
		case outcomeRecommended:
			nRec++
		}
	}
	res.Recommended = make([]Item, 0, nRec)
	res.Avoided = make([]Item, 0, nAvoid)
	for mi := range d.movements {
		m := &d.movements[mi]
		rec, avoid, caution := m.by[effectRecommend], m.by[effectAvoid], m.by[effectCaution]
		switch m.outcome {
		case outcomeAvoided:
			res.Avoided = append(res.Avoided, b.item(mi, effectAvoid, avoid, nil))
			if len(rec) > 0 {
				res.Conflicts = append(res.Conflicts, b.conflict(mi, Avoided, rec, avoid, caution))
			}
		case outcomeNeedsEquipment:
			missing := make([]string, len(m.missing))
			for i, eq := range m.missing {
				missing[i] = e.vocab[fieldEquipment].entries[eq].id
			}
			res.NeedsEquipment = append(res.NeedsEquipment, EquipmentNeed{
				Movement: e.movements[mi].id, Name: e.movements[mi].name,
				Missing: missing, Rules: e.ruleIDs(rec),
			})
		case outcomeRecommended:
			res.Recommended = append(res.Recommended, b.item(mi, effectRecommend, rec, caution))
			if len(caution) > 0 {
				res.Conflicts = append(res.Conflicts, b.conflict(mi, Cautioned, rec, nil, caution))
			}
		}
	}
	res.Messages = b.messages(d)
	res.Plan = b.plan(d)
	if len(d.withholding) > 0 {
		res.Withheld = true
		res.WithheldReason = "Movement advice is withheld until a clinician has assessed you, because of: " +
			strings.Join(e.ruleIDs(d.withholding), ", ") + "."
	}
	return res
}

// citations returns the distinct citations of rules, in rule order.
func (b *builder) citations(rules []int) []Citation {
	n := 0
	for _, ri := range rules {
		n += len(b.e.rules[ri].cites)
	}
	out := make([]Citation, 0, n)
	for _, ri := range rules {
		for _, ci := range b.e.rules[ri].cites {
			if !b.seen[ci] {
				b.seen[ci] = true
				out = append(out, b.e.citations[ci])
			}
		}
	}
	for _, ri := range rules {
		for _, ci := range b.e.rules[ri].cites {
			b.seen[ci] = false
		}
	}
	return out
}

// addReferral adds rule ri's referral, merged into an earlier one with the
// same urgency and message.
func (b *builder) addReferral(refs []Referral, ri int) []Referral {
	r := &b.e.rules[ri]
	for i := range refs {
		if refs[i].Urgency == r.refer.urgency && refs[i].Message == r.refer.message {
			refs[i].Withhold = refs[i].Withhold || r.refer.withhold
			refs[i].Rules = append(refs[i].Rules, r.id)
			for _, ci := range r.cites {
				if c := b.e.citations[ci]; !slices.Contains(refs[i].Citations, c) {
					refs[i].Citations = append(refs[i].Citations, c)
				}
			}
			return refs
		}
	}
	return append(refs, Referral{
		Urgency:   r.refer.urgency,
		Message:   r.refer.message,
		Withhold:  r.refer.withhold,
		Citations: b.citations([]int{ri}),
		Rules:     []string{r.id},
	})
}

// item builds a recommended or avoided item from the rules whose effect eff
// gives its reasons and those that attach cautions. Each note is the
// reason of the effect that named the movement.
func (b *builder) item(mi, eff int, reasons, cautions []int) Item {
	e := b.e
	m := &e.movements[mi]
	notes := make([]Note, len(reasons)+len(cautions))
	it := Item{
		Movement: m.id, Name: m.name, Kind: m.kind, How: m.how, Dose: m.dose,
		Reasons:  notes[:len(reasons):len(reasons)],
		Cautions: notes[len(reasons):],
	}
	for i, ri := range reasons {
		it.Reasons[i] = Note{Rule: e.rules[ri].id, Text: e.rules[ri].because[eff]}
	}
	for i, ri := range cautions {
		it.Cautions[i] = Note{Rule: e.rules[ri].id, Text: e.rules[ri].because[effectCaution]}
	}
	all := mergeRules(reasons, cautions)
	it.Rules = e.ruleIDs(all)
	it.Citations = b.citations(all)
	return it
}

// conflict records a disagreement over movement mi: the rules for it, and
// those that avoid it or caution against it.
func (b *builder) conflict(mi int, res Resolution, forRules, avoid, caution []int) Conflict {
	against := mergeRules(avoid, caution)
	return Conflict{
		Movement:     b.e.movements[mi].id,
		Name:         b.e.movements[mi].name,
		Resolution:   res,
		For:          Side{Rules: b.e.ruleIDs(forRules), Citations: b.citations(forRules)},
		Against:      Side{Rules: b.e.ruleIDs(against), Citations: b.citations(against)},
		AvoidRules:   b.e.ruleIDs(avoid),
		CautionRules: b.e.ruleIDs(caution),
	}
}

func (e *Engine) ruleIDs(rules []int) []string {
	out := make([]string, len(rules))
	for i, ri := range rules {
		out[i] = e.rules[ri].id
	}
	return out
}
