package recommend

// Stage 4, resolve: the matched rules in, a decision record out. This is
// the one home of the safety policy (see doc.go): avoid beats recommend,
// cautions are attached and recorded, equipment is required, and a
// withholding referral empties the recommendations. The record keeps who
// decided what, per movement, so that a Result, and an explanation of it,
// are both built from the same decisions (see build.go).

// decision is the policy's record for one movement: every matched rule that
// recommends, avoids or cautions it, in rule order, the equipment it lacks,
// and the outcome.
type decision struct {
	by      [numEffects][]int // matched rules per effect, in rule order
	missing []int             // equipment vocabulary indexes the profile lacks
	outcome Outcome           // one of the Outcome constants; OutcomeNotAdvised when no rule decides
}

// decisions is the decision record of one profile.
//
// Recommend reuses decision records through Engine.scratch, so a record
// also keeps the working memory it was built with, and nothing in a Result
// may point into it: build copies what it takes.
type decisions struct {
	matched []bool
	// movements holds one decision per movement, in declaration order.
	movements []decision
	// referrals are the matched rules that refer, in rule order, and
	// withholding those of them that withhold movement advice.
	referrals, withholding []int
	// story is the referral story's decision for each of referrals, most
	// urgent first (see referral.go).
	story []referralFold
	// incomplete is true when only the referral rules were evaluated
	// (see PartialError): every movement is then withheld.
	incomplete bool

	// Working memory, kept for reuse. counts and backing are collect's;
	// have marks the profile's equipment; seen and merged are the builder's,
	// seen all false between uses.
	counts, backing, merged []int
	have, seen              []bool
}

// newDecisions returns an empty decision record sized for e.
func (e *Engine) newDecisions() *decisions {
	return &decisions{
		matched:   make([]bool, len(e.rules)),
		movements: make([]decision, len(e.movements)),
		counts:    make([]int, len(e.movements)*numEffects),
		have:      make([]bool, len(e.vocab[fieldEquipment].entries)),
		seen:      make([]bool, len(e.citations)),
	}
}

// getDecisions returns a decision record for one Recommend call, reused
// from an earlier call when one is free; putDecisions gives it back.
func (e *Engine) getDecisions() *decisions {
	if d, ok := e.scratch.Get().(*decisions); ok {
		return d
	}
	return e.newDecisions()
}

func (e *Engine) putDecisions(d *decisions) { e.scratch.Put(d) }

// resolveInto applies the safety policy to the rules d.matched marks, for
// profile p, overwriting the rest of d.
func (e *Engine) resolveInto(d *decisions, p *Profile) {
	matched := d.matched
	d.referrals, d.withholding = d.referrals[:0], d.withholding[:0]
	d.collect(e)
	for ri := range e.rules {
		if matched[ri] && e.rules[ri].refer != nil {
			d.referrals = append(d.referrals, ri)
			if e.rules[ri].refer.withhold {
				d.withholding = append(d.withholding, ri)
			}
		}
	}
	e.foldReferrals(d, p)
	var have []bool
	for mi := range d.movements {
		m := &d.movements[mi]
		m.missing = m.missing[:0]
		switch {
		case len(m.by[effectAvoid]) > 0:
			// Policy 1: an avoid always wins.
			m.outcome = OutcomeAvoided
		case len(m.by[effectRecommend]) > 0:
			if have == nil {
				have = e.equipmentSet(d.have, p)
			}
			for _, eq := range e.movements[mi].equipment {
				if !have[eq] {
					m.missing = append(m.missing, eq)
				}
			}
			switch {
			case len(d.withholding) > 0 || d.incomplete:
				// Policy 4: a withholding referral empties the
				// recommendations; so does a failure to evaluate
				// every rule (policy 6).
				m.outcome = OutcomeWithheld
			case len(m.missing) > 0:
				// Policy 5: no equipment, no recommendation.
				m.outcome = OutcomeNeedsEquipment
			default:
				// Policies 2 and 3: every reason merged, every caution
				// attached.
				m.outcome = OutcomeRecommended
			}
		default:
			// Only cautions, or nothing, name it: no advice either way.
			m.outcome = OutcomeNotAdvised
		}
	}
}

// collect fills each decision's rule lists from the matched rules, counting
// first so that every list is carved from a single allocation.
func (d *decisions) collect(e *Engine) {
	counts := d.counts
	clear(counts)
	total := 0
	for ri := range e.rules {
		if d.matched[ri] {
			for eff, ms := range e.rules[ri].effects {
				for _, mi := range ms {
					counts[mi*numEffects+eff]++
					total++
				}
			}
		}
	}
	if cap(d.backing) < total {
		d.backing = make([]int, total)
	}
	backing := d.backing[:total]
	off := 0
	for mi := range d.movements {
		for eff := range numEffects {
			n := counts[mi*numEffects+eff]
			d.movements[mi].by[eff] = backing[off : off : off+n]
			off += n
		}
	}
	for ri := range e.rules {
		if d.matched[ri] {
			for eff, ms := range e.rules[ri].effects {
				for _, mi := range ms {
					m := &d.movements[mi]
					m.by[eff] = append(m.by[eff], ri)
				}
			}
		}
	}
}

// equipmentSet marks in have, one flag per equipment vocabulary entry,
// the equipment profile p has, and returns it.
func (e *Engine) equipmentSet(have []bool, p *Profile) []bool {
	clear(have)
	for _, eq := range p.Equipment {
		if i := e.vocab[fieldEquipment].index(eq); i >= 0 {
			have[i] = true
		}
	}
	return have
}
