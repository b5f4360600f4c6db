package recommend

// Stage 4, resolve: the matched rules in, a decision record out. This is
// the one home of the safety policy (see doc.go): avoid beats recommend,
// cautions are attached and recorded, equipment is required, and a
// withholding referral empties the recommendations. The record keeps who
// decided what, per movement, so that a Result, and an explanation of it,
// are both built from the same decisions (see build.go).

import "slices"

// decision is the policy's record for one movement: every matched rule that
// recommends, avoids or cautions it, in rule order, the equipment it lacks,
// and the outcome.
type decision struct {
	by      [numEffects]span // matched rules per effect, in rule order: see decisions.rules
	missing []int            // equipment vocabulary indexes the profile lacks
	outcome Outcome          // one of the Outcome constants; OutcomeNotAdvised when no rule decides
}

// span is a list of matched rules: backing[start:end] of its decision
// record. A decision holds spans, not slices, so that filling the reused
// record writes no pointers, each of which costs a write barrier while the
// collector runs.
type span struct{ start, end int32 }

// rules returns the matched rules of m, a decision of d, that have effect
// eff on its movement, in rule order. The slice is d's memory: a Result
// takes a copy.
func (d *record) rules(m *decision, eff int) []int {
	s := m.by[eff]
	return d.backing[s.start:s.end:s.end]
}

// keptDecision is a movement's decision as an Explainer keeps it
// (decisions.explained): its rule lists by effect, then the equipment it
// lacks, one after the other in the record's backing, each ending at
// ends (and starting where the one before ends, the previous movement's
// last for the first), and its outcome, by its place in keptOutcomes. It
// holds no pointer, so that the collector need not scan it: 20 bytes,
// against 36 with a span a list.
type keptDecision struct {
	ends    [numEffects + 1]int32
	outcome uint8
}

// keptOutcomes are the outcomes of a keptDecision, by number: every
// Outcome constant, in the order of keptOutcome.
var keptOutcomes = [...]Outcome{OutcomeRecommended, OutcomeAvoided, OutcomeNeedsEquipment, OutcomeWithheld, OutcomeNotAdvised}

// keptOutcome returns the number of outcome o in keptOutcomes. A
// decision's outcome is always an Outcome constant (resolveInto); any
// other would be kept as OutcomeNotAdvised.
func keptOutcome(o Outcome) uint8 {
	if n := slices.Index(keptOutcomes[:], o); n >= 0 {
		return uint8(n)
	}
	return uint8(slices.Index(keptOutcomes[:], OutcomeNotAdvised))
}

// decision returns the decision of movement mi, of a record that
// explained made: its lists are the record's.
func (d *record) decision(mi int) decision {
	k := &d.kept[mi]
	m := decision{outcome: keptOutcomes[k.outcome]}
	start := int32(0)
	if mi > 0 {
		start = d.kept[mi-1].ends[numEffects]
	}
	for eff := range numEffects {
		m.by[eff] = span{start, k.ends[eff]}
		start = k.ends[eff]
	}
	if end := k.ends[numEffects]; end > start {
		m.missing = d.backing[start:end:end]
	}
	return m
}

// record is the part of a decision record that an Explainer reads, and
// keeps a copy of (decisions.explained).
type record struct {
	// matched says, by rule, whether the rule matched, and bits marks
	// them, one bit per rule (gather), for the trace and, in the copy,
	// which has no matched, for the Explainer.
	matched []bool
	bits    []uint64
	// kept holds, in the copy an Explainer keeps, each movement's
	// decision, with its rule lists, in declaration order: the
	// decisions' movements, which the copy has not.
	kept []keptDecision
	// backing holds the rule lists of the decisions (decision.by), then,
	// in the copy, the equipment each movement lacks (keptDecision).
	backing []int
	// referrals are the matched rules that refer, in rule order, and
	// withholding those of them that withhold movement advice.
	referrals, withholding []int
	// floors are the reported red flags, by vocabulary index, whose
	// declared floor the matched referral rules miss (see guardFloors),
	// and floorWithhold is true when one of them withholds advice.
	floors []int
	// incomplete is true when only the referral and safety-net rules
	// were evaluated (see PartialError): every movement is then withheld.
	incomplete, floorWithhold bool
}

// decisions is the decision record of one profile.
//
// Recommend reuses decision records through Engine.scratch, so a record
// also keeps the working memory it was built with, and nothing in a Result
// may point into it: build copies what it takes.
type decisions struct {
	// profile is the profile of the call, which Recommend copies here so
	// that it needs no copy of its own; putDecisions clears it, so that a
	// free record keeps no caller's lists alive.
	profile Profile
	// record holds what an Explainer keeps a copy of (explained): the
	// matched rules, the referrals and withholding rules, the floors.
	record
	// movements holds one decision per movement, in declaration order.
	movements []decision
	// hits are the matched rules of each stage, in rule order (see
	// gather): each stage walks its own, not every rule.
	hits [numStages][]int
	// story is the referral story's decision for each of referrals, most
	// urgent first (see referral.go); folded is the builder's list of the
	// indexes in story of those folded, and flagSlab holds the shared red
	// flags of the story's folds.
	story    []referralFold
	folded   []int
	flagSlab []int
	// unreadable is true when only the referral and safety-net rules
	// were evaluated (incomplete) because the profile has problems
	// (triage), which the Result's withheld reason says.
	unreadable bool

	// Working memory, kept for reuse. counts and backing (record's) are
	// collect's; have marks the profile's equipment; seen, merged and
	// says are the builder's, seen all false between uses.
	counts, merged []int
	// says is the builder's list of the messages' rules, in the order of
	// the Result.
	says []int
	// offers are the builder's plan offers (see choosePlan).
	offers []planOffer
	// spills is how many new chunks the last build's slabs took (see
	// builder.spills).
	spills     int
	have, seen []bool
	// proSrc marks, while the builder works out one conflict, the
	// sources a rule for the movement cites in support, by citeInfo.src;
	// all false between uses.
	proSrc []bool
}

// newDecisions returns an empty decision record sized for e.
func (e *Engine) newDecisions() *decisions {
	return &decisions{
		record:    record{matched: make([]bool, len(e.rules)), bits: make([]uint64, bitWords(len(e.rules)))},
		movements: make([]decision, len(e.movements)),
		counts:    make([]int, len(e.movements)*numEffects),
		have:      make([]bool, len(e.vocab[fieldEquipment].entries)),
		seen:      make([]bool, len(e.citations)),
		proSrc:    make([]bool, e.nCitedSources),
	}
}

// explained writes into k a copy of what an Explainer reads of d: the
// matched rules (bits, not matched), each movement's decision with its
// rule lists (kept, read by decision), the referrals, the withholding
// rules and the floors, cut from a few allocations of their exact size,
// with none of d's working memory, so that d can be reused.
func (d *decisions) explained(k *record) {
	*k = record{incomplete: d.incomplete, floorWithhold: d.floorWithhold}
	n := 0
	for i := range d.movements {
		m := &d.movements[i]
		for _, s := range m.by {
			n += int(s.end - s.start)
		}
		n += len(m.missing)
	}
	// Each movement's rule lists and the equipment it lacks, one after
	// the other, in one backing, which the ends of kept index.
	ints := make([]int, 0, n+len(d.referrals)+len(d.withholding)+len(d.floors))
	cut := func(s []int) []int {
		start := len(ints)
		ints = append(ints, s...)
		return ints[start:len(ints):len(ints)]
	}
	k.kept = make([]keptDecision, len(d.movements))
	for i := range d.movements {
		m, kd := &d.movements[i], &k.kept[i]
		for eff := range numEffects {
			ints = append(ints, d.rules(m, eff)...)
			kd.ends[eff] = int32(len(ints))
		}
		ints = append(ints, m.missing...)
		kd.ends[numEffects] = int32(len(ints))
		kd.outcome = keptOutcome(m.outcome)
	}
	k.backing = ints[:len(ints):len(ints)]
	k.referrals, k.withholding, k.floors = cut(d.referrals), cut(d.withholding), cut(d.floors)
	k.bits = slices.Clone(d.bits)
}

// hit reports whether rule ri matched, by d.bits.
func (d *record) hit(ri int) bool { return hasBit(d.bits, ri) }

// getDecisions returns a decision record for one Recommend call, reused
// from an earlier call when one is free; putDecisions gives it back.
func (e *Engine) getDecisions() *decisions {
	if d, ok := e.scratch.Get().(*decisions); ok {
		return d
	}
	return e.newDecisions()
}

func (e *Engine) putDecisions(d *decisions) {
	d.profile, d.unreadable = Profile{}, false
	e.scratch.Put(d)
}

// The stages that read the matched rules. A rule belongs to each stage
// whose kind of effect it has; ruleStages works that out at load, and
// gather sorts the matched rules of one call by stage, so that each stage
// walks only its matched rules.
const (
	stageMovements = iota // an effect on movements: recommend, avoid or caution
	stageRefer            // a referral
	stageSay              // a key message
	stagePlan             // a plan step: a recommend effect with a priority
	numStages
)

// ruleStages returns, for each rule, a bit per stage it belongs to.
func ruleStages(rules []rule) []uint8 {
	out := make([]uint8, len(rules))
	for ri := range rules {
		r := &rules[ri]
		for _, ms := range r.effects {
			if len(ms) > 0 {
				out[ri] |= 1 << stageMovements
			}
		}
		if r.refer != nil {
			out[ri] |= 1 << stageRefer
		}
		if r.say != nil {
			out[ri] |= 1 << stageSay
		}
		if r.priority != 0 {
			out[ri] |= 1 << stagePlan
		}
	}
	return out
}

// gather fills d.hits and d.bits from d.matched.
func (d *decisions) gather(e *Engine) {
	for s := range d.hits {
		d.hits[s] = d.hits[s][:0]
	}
	clear(d.bits)
	for ri, m := range d.matched {
		if !m {
			continue
		}
		d.bits[ri/64] |= 1 << (ri % 64)
		for s, st := 0, e.stages[ri]; st != 0; s, st = s+1, st>>1 {
			if st&1 != 0 {
				d.hits[s] = append(d.hits[s], ri)
			}
		}
	}
}

// resolveInto applies the safety policy to the rules d.matched marks, for
// profile p, overwriting the rest of d.
func (e *Engine) resolveInto(d *decisions, p *Profile) {
	d.referrals, d.withholding = d.referrals[:0], d.withholding[:0]
	d.gather(e)
	d.collect(e)
	for _, ri := range d.hits[stageRefer] {
		d.referrals = append(d.referrals, ri)
		if e.rules[ri].refer.withhold {
			d.withholding = append(d.withholding, ri)
		}
	}
	e.guardFloors(d, p)
	e.foldReferrals(d, p)
	var have []bool
	for mi := range d.movements {
		m := &d.movements[mi]
		m.missing = m.missing[:0]
		var o Outcome
		switch {
		case m.by[effectAvoid].end > m.by[effectAvoid].start:
			// Policy 1: an avoid always wins.
			o = OutcomeAvoided
		case m.by[effectRecommend].end > m.by[effectRecommend].start:
			if have == nil {
				have = e.equipmentSet(d.have, p)
			}
			for _, eq := range e.movements[mi].equipment {
				if !have[eq] {
					m.missing = append(m.missing, eq)
				}
			}
			switch {
			case d.withheld():
				// Policy 4: a withholding referral empties the
				// recommendations; so does a failure to evaluate
				// every rule (policy 6), or a red flag's floor that
				// withholds (policy 7).
				o = OutcomeWithheld
			case len(m.missing) > 0:
				// Policy 5: no equipment, no recommendation.
				o = OutcomeNeedsEquipment
			default:
				// Policies 2 and 3: every reason merged, every caution
				// attached.
				o = OutcomeRecommended
			}
		default:
			// Only cautions, or nothing, name it: no advice either way.
			o = OutcomeNotAdvised
		}
		// The record is reused, and most outcomes are what they were:
		// writing only a change spares the collector's write barrier.
		if m.outcome != o {
			m.outcome = o
		}
	}
}

// withheld reports whether movement advice is withheld: by a matched
// referral rule, by a failure to evaluate every rule, or by a red flag's
// floor that the rules missed.
func (d *decisions) withheld() bool {
	return len(d.withholding) > 0 || d.incomplete || d.floorWithhold
}

// guardFloors is policy 7, the red flags' floors kept at run time: it
// records in d.floors each red flag of p whose declared floor the matched
// referral rules miss, with too low an urgency, or without withholding
// advice when the floor withholds it. Load proves the floors over the
// profiles it explores, so with a rule set that loaded this finds
// nothing for those; it is the net for any other profile, whatever a
// condition says: the Result then holds the floor's own referral (see
// floorReferral), and advice is withheld when the floor withholds it.
func (e *Engine) guardFloors(d *decisions, p *Profile) {
	d.floors, d.floorWithhold = d.floors[:0], false
	if len(p.RedFlags) == 0 {
		return
	}
	rank := 0
	for _, ri := range d.referrals {
		rank = max(rank, e.rules[ri].refer.urgency.rank())
	}
	withheld := len(d.withholding) > 0
	voc := &e.vocab[fieldRedFlags]
	// The profile is valid: each flag is in the vocabulary, once, and
	// Load gave each a floor; the checks below keep a broken invariant
	// from becoming a panic.
	for _, id := range p.RedFlags {
		fi := voc.index(id)
		if fi < 0 {
			continue
		}
		f := voc.entries[fi].floor
		if f == nil || f.metBy(rank, withheld) {
			continue
		}
		d.floors = append(d.floors, fi)
		d.floorWithhold = d.floorWithhold || f.Withhold
	}
}

// collect fills each decision's rule lists from the matched rules, counting
// first so that every list is a span of one slice, d.backing.
func (d *decisions) collect(e *Engine) {
	// next[k], for k = mi*numEffects+eff, counts the entries of list k,
	// then holds where its next entry goes, and ends as where it ends.
	next := d.counts
	clear(next)
	total := 0
	for _, ri := range d.hits[stageMovements] {
		for _, k := range e.lists[ri] {
			next[k]++
		}
		total += len(e.lists[ri])
	}
	if cap(d.backing) < total {
		d.backing = make([]int, total)
	}
	backing := d.backing[:total]
	off := 0
	for k, n := range next {
		next[k] = off
		off += n
	}
	for _, ri := range d.hits[stageMovements] {
		for _, k := range e.lists[ri] {
			backing[next[k]] = ri
			next[k]++
		}
	}
	start := 0
	for mi := range d.movements {
		m := &d.movements[mi]
		for eff := range numEffects {
			end := next[mi*numEffects+eff]
			m.by[eff] = span{int32(start), int32(end)}
			start = end
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
