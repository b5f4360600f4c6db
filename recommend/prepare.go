package recommend

// What Recommend reads on every call, worked out once at load from the
// compiled rules, so that a call neither walks every rule nor copies a
// citation's text to read it.

import "slices"

// prepare fills the engine's per-call lookups: the trace's view of the
// rules, the direct checks in evaluation order and which of them repeat an
// earlier one, the stages of each rule, the decision lists each rule joins and
// what the builder reads of each citation. compile calls it once the rules and citations are final.
func (e *Engine) prepare() {
	e.trace = newTraceRules(e)
	e.stages = ruleStages(e.rules)
	e.orderChecks()
	e.prog = newDirectProgramFor(e)
	// The rules' lists, and their citations below, are cut from one
	// slab each: the engine stays alive for the whole process, and the
	// garbage collector marks each of its objects on every cycle.
	n := 0
	for ri := range e.rules {
		for _, ms := range e.rules[ri].effects {
			n += len(ms)
		}
	}
	lists := make([]int32, 0, n)
	e.lists = make([][]int32, len(e.rules))
	for ri := range e.rules {
		start := len(lists)
		for eff, ms := range e.rules[ri].effects {
			for _, mi := range ms {
				lists = append(lists, int32(mi*numEffects+eff))
			}
		}
		if len(lists) > start {
			e.lists[ri] = lists[start:len(lists):len(lists)]
		}
	}
	e.withheldBy = make([]string, len(e.rules))
	for ri := range e.rules {
		if r := &e.rules[ri]; r.refer != nil && r.refer.withhold {
			e.withheldBy[ri] = e.withheldReason([]int{ri}, nil)
		}
	}
	e.sayRank = make([]int, len(e.rules))
	for ri := range e.rules {
		if r := &e.rules[ri]; r.say != nil {
			e.sayRank[ri] = r.say.kind.rank()
		}
	}
	e.citeInfo = make([]citeInfo, len(e.citations))
	srcs := map[string]int{}
	// A passage a rule cites as background, and another rule cites on
	// a side, takes that side wherever both rules meet: an item lists it
	// once, on its side (see citationsWhere). sides holds the citations
	// on a side of each passage.
	type passage struct{ src, locator, claim string }
	sides := map[passage][]int{}
	for ci, c := range e.citations {
		t := c.text()
		p := Position(t.Position)
		si, ok := srcs[t.Source]
		if !ok {
			si = len(srcs)
			srcs[t.Source] = si
		}
		e.citeInfo[ci] = citeInfo{
			src:      si,
			supports: p == PositionSupports,
			opposing: p == PositionAgainst || p == PositionCaution,
		}
		if p != PositionBackground {
			k := passage{t.Source, t.Locator, t.Claim}
			sides[k] = append(sides[k], ci)
		}
	}
	e.nCitedSources = len(srcs)
	for ci, c := range e.citations {
		if t := c.text(); Position(t.Position) == PositionBackground {
			if tw := sides[passage{t.Source, t.Locator, t.Claim}]; tw != nil {
				e.citeInfo[ci].sides = tw
				e.twinned = true
			}
		}
	}
	e.hot = make([]ruleHot, len(e.rules))
	n = 0
	for ri := range e.rules {
		n += len(e.rules[ri].cites)
	}
	vals := make([]Citation, 0, n)
	for ri := range e.rules {
		r := &e.rules[ri]
		h := &e.hot[ri]
		h.id, h.cites = r.id, r.cites
		for eff, because := range r.because {
			h.notes[eff] = NoteOf(r.id, because)
		}
		if !hasRepeat(r.cites) && !e.hasTwins(r.cites) {
			start := len(vals)
			for _, ci := range r.cites {
				vals = append(vals, e.citations[ci])
			}
			h.citeVals = vals[start:len(vals):len(vals)]
		}
	}
}

// citeInfo is what the builder reads of one citation of Engine.citations.
type citeInfo struct {
	// src numbers the cited source: citations of the same source have
	// the same src, from 0 to Engine.nCitedSources-1.
	src int
	// supports is true for the position supports; opposing for against
	// and caution.
	supports, opposing bool
	// sides holds, for a background citation, the citations of the same
	// passage (source, locator and claim) on a side (supports, against or
	// caution), which stand for it where they are present; nil for one
	// on a side, and for a passage no rule cites on a side.
	sides []int
}

// ruleHot is what the builder reads of a rule, side by side with the
// other rules' in Engine.hot: a rule is several hundred bytes, and the
// builder reads a few fields of each matched rule many times a call.
type ruleHot struct {
	id string
	// notes are, per effect, the rule's id with the reason the effect
	// shows (rule.because), as an Item's reasons and cautions hold them.
	notes [numEffects]Note
	// cites are the rule's citations, as indexes into Engine.citations,
	// and citeVals the citations themselves, in the same order, or nil
	// when the rule cites one twice.
	cites    []int
	citeVals []Citation
}

// hasTwins reports whether cites holds a background citation together
// with a citation of the same passage on a side (see citeInfo.sides).
func (e *Engine) hasTwins(cites []int) bool {
	for _, ci := range cites {
		for _, tw := range e.citeInfo[ci].sides {
			if slices.Contains(cites, tw) {
				return true
			}
		}
	}
	return false
}

// hasRepeat reports whether s holds a value twice.
func hasRepeat(s []int) bool {
	for i, v := range s {
		if slices.Contains(s[:i], v) {
			return true
		}
	}
	return false
}

// orderChecks sets e.checks, the direct checks of the rules in e.order,
// and e.same, for each, the place in e.order of the first rule with a
// direct check and the same condition text, or -1 for that first rule
// and for a rule without a direct check.
func (e *Engine) orderChecks() {
	e.checks = make([]directCheck, len(e.order))
	e.same = make([]int, len(e.order))
	first := map[string]int{}
	for i, ri := range e.order {
		r := &e.rules[ri]
		e.checks[i], e.same[i] = r.direct, -1
		if r.direct == nil {
			continue
		}
		if j, ok := first[r.when]; ok {
			e.same[i] = j
		} else {
			first[r.when] = i
		}
	}
}
