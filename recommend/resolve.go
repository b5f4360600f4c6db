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

// resolver holds the scratch state of one resolve.
type resolver struct {
	e *Engine
	// by[(mi*numEffects)+eff] lists the matched rules, in rule order, that
	// apply effect eff to movement mi. All lists share one backing array.
	by [][]int
	// seen marks citations already taken while building one list; it is
	// cleared after each list.
	seen []bool
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
	rs := &resolver{e: e, seen: make([]bool, len(e.citations))}
	rs.collect(matched)

	var withholdRules []int
	for ri := range e.rules {
		r := &e.rules[ri]
		res.Trace[ri] = TraceEntry{Rule: r.id, Matched: matched[ri]}
		if matched[ri] && r.refer != nil {
			res.Referrals = rs.addReferral(res.Referrals, ri)
			if r.refer.withhold {
				withholdRules = append(withholdRules, ri)
			}
		}
	}
	slices.SortStableFunc(res.Referrals, func(a, b Referral) int {
		return cmp.Compare(b.Urgency.rank(), a.Urgency.rank())
	})

	have := make([]bool, len(e.vocab[fieldEquipment].entries))
	for _, eq := range p.Equipment {
		if i := e.vocab[fieldEquipment].index(eq); i >= 0 {
			have[i] = true
		}
	}
	// Size the lists once: an item is large, and growing a list copies it.
	nRec, nAvoid := 0, 0
	for mi := range e.movements {
		switch base := mi * numEffects; {
		case len(rs.by[base+effectAvoid]) > 0:
			nAvoid++
		case len(rs.by[base+effectRecommend]) > 0:
			nRec++
		}
	}
	res.Recommended = make([]Item, 0, nRec)
	res.Avoided = make([]Item, 0, nAvoid)
	for mi := range e.movements {
		base := mi * numEffects
		rec, avoid, caution := rs.by[base+effectRecommend], rs.by[base+effectAvoid], rs.by[base+effectCaution]
		switch {
		case len(avoid) > 0:
			// Policy 1: an avoid always wins.
			res.Avoided = append(res.Avoided, rs.item(mi, effectAvoid, avoid, nil))
			if len(rec) > 0 {
				res.Conflicts = append(res.Conflicts, rs.conflict(mi, Avoided, rec, avoid, caution))
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
			res.Recommended = append(res.Recommended, rs.item(mi, effectRecommend, rec, caution))
			if len(caution) > 0 {
				res.Conflicts = append(res.Conflicts, rs.conflict(mi, Cautioned, rec, nil, caution))
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
		// A cautioned conflict is about a movement that stayed
		// recommended; with nothing recommended it no longer applies.
		res.Conflicts = slices.DeleteFunc(res.Conflicts, func(c Conflict) bool { return c.Resolution == Cautioned })
	}
	return res
}

// collect fills rs.by from the matched rules, counting first so that every
// list is carved from a single allocation.
func (rs *resolver) collect(matched []bool) {
	e := rs.e
	counts := make([]int, len(e.movements)*numEffects)
	total := 0
	for ri := range e.rules {
		if !matched[ri] {
			continue
		}
		for eff, ms := range e.rules[ri].effects {
			for _, mi := range ms {
				counts[mi*numEffects+eff]++
				total++
			}
		}
	}
	backing := make([]int, total)
	rs.by = make([][]int, len(counts))
	off := 0
	for i, n := range counts {
		rs.by[i] = backing[off : off : off+n]
		off += n
	}
	for ri := range e.rules {
		if !matched[ri] {
			continue
		}
		for eff, ms := range e.rules[ri].effects {
			for _, mi := range ms {
				k := mi*numEffects + eff
				rs.by[k] = append(rs.by[k], ri)
			}
		}
	}
}

// citations returns the distinct citations of rules, in rule order.
func (rs *resolver) citations(rules []int) []Citation {
	n := 0
	for _, ri := range rules {
		n += len(rs.e.rules[ri].cites)
	}
	out := make([]Citation, 0, n)
	return rs.appendCitations(out, rules)
}

// appendCitations appends the citations of rules that dst does not hold.
// dst must hold only citations taken through rs since the last clear.
func (rs *resolver) appendCitations(dst []Citation, rules []int) []Citation {
	for _, ri := range rules {
		for _, ci := range rs.e.rules[ri].cites {
			if !rs.seen[ci] {
				rs.seen[ci] = true
				dst = append(dst, rs.e.citations[ci])
			}
		}
	}
	for _, ri := range rules {
		for _, ci := range rs.e.rules[ri].cites {
			rs.seen[ci] = false
		}
	}
	return dst
}

// addReferral adds rule ri's referral, merged into an earlier one with the
// same urgency and message.
func (rs *resolver) addReferral(refs []Referral, ri int) []Referral {
	r := &rs.e.rules[ri]
	for i := range refs {
		if refs[i].Urgency == r.refer.urgency && refs[i].Message == r.refer.message {
			refs[i].Withhold = refs[i].Withhold || r.refer.withhold
			refs[i].Rules = append(refs[i].Rules, r.id)
			for _, ci := range r.cites {
				if c := rs.e.citations[ci]; !slices.Contains(refs[i].Citations, c) {
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
		Citations: rs.citations([]int{ri}),
		Rules:     []string{r.id},
	})
}

// item builds a recommended or avoided item from the rules whose effect eff
// gives its reasons and those that attach cautions. Each note is the
// reason of the effect that named the movement.
func (rs *resolver) item(mi, eff int, reasons, cautions []int) Item {
	e := rs.e
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
	it.Citations = rs.citations(all)
	return it
}

// conflict records a disagreement over movement mi: the rules for it, and
// those that avoid it or caution against it.
func (rs *resolver) conflict(mi int, res Resolution, forRules, avoid, caution []int) Conflict {
	against := mergeRules(avoid, caution)
	return Conflict{
		Movement:     rs.e.movements[mi].id,
		Name:         rs.e.movements[mi].name,
		Resolution:   res,
		For:          Side{Rules: rs.e.ruleIDs(forRules), Citations: rs.citations(forRules)},
		Against:      Side{Rules: rs.e.ruleIDs(against), Citations: rs.citations(against)},
		AvoidRules:   rs.e.ruleIDs(avoid),
		CautionRules: rs.e.ruleIDs(caution),
	}
}

// missingEquipment lists the equipment movement mi needs that the profile
// does not have.
func (e *Engine) missingEquipment(mi int, have []bool) []string {
	var missing []string
	for _, eq := range e.movements[mi].equipment {
		if !have[eq] {
			missing = append(missing, e.vocab[fieldEquipment].entries[eq].id)
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
