package recommend

// What Recommend reads on every call, worked out once at load from the
// compiled rules, so that a call neither walks every rule nor copies a
// citation's text to read it.

import (
	"slices"
	"strings"
)

// prepare fills the engine's per-call lookups: the trace's view of the
// rules, the direct checks in evaluation order and which of them repeat an
// earlier one, the stages of each rule, the decision lists each rule joins and
// what the builder reads of each citation. compile calls it once the rules and citations are final.
func (e *Engine) prepare() {
	e.packTexts()
	e.trace = newTraceRules(e)
	e.stages = ruleStages(e.rules)
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
	e.lists = make([][]int32, len(e.rules))
	for ri := range e.rules {
		for eff, ms := range e.rules[ri].effects {
			for _, mi := range ms {
				e.lists[ri] = append(e.lists[ri], int32(mi*numEffects+eff))
			}
		}
	}
	e.sayRank = make([]int, len(e.rules))
	for ri := range e.rules {
		if r := &e.rules[ri]; r.say != nil {
			e.sayRank[ri] = r.say.kind.rank()
		}
	}
	e.hot = make([]ruleHot, len(e.rules))
	for ri := range e.rules {
		r := &e.rules[ri]
		h := &e.hot[ri]
		h.id, h.because, h.cites = r.id, r.because, r.cites
		if !hasRepeat(r.cites) {
			h.citeVals = make([]Citation, len(r.cites))
			for i, ci := range r.cites {
				h.citeVals[i] = e.citations[ci]
			}
		}
	}
	e.citeInfo = make([]citeInfo, len(e.citations))
	for ci, c := range e.citations {
		t := c.text()
		p := Position(t.Position)
		e.citeInfo[ci] = citeInfo{
			src:      t.Source,
			supports: p == PositionSupports,
			opposing: p == PositionAgainst || p == PositionCaution,
		}
	}
}

// citeInfo is what the builder reads of one citation of Engine.citations.
type citeInfo struct {
	// src is the id of the cited source.
	src string
	// supports is true for the position supports; opposing for against
	// and caution.
	supports, opposing bool
}

// packTexts moves the text a Result takes from the engine (rule ids,
// reasons, messages, referral texts, movement names, how and dose, the
// equipment ids and the rule set's name) into one block of memory, each
// field a substring of it with the same value. A Result holds hundreds of
// these strings; while the collector marks, every pointer written into a
// new Result is shaded, and a pointer into one large, already marked
// object is shaded at a fraction of the cost of one into one of thousands
// of small ones. Strings are immutable, so Results still share nothing a
// caller can change.
func (e *Engine) packTexts() {
	var fields []*string
	for ri := range e.rules {
		r := &e.rules[ri]
		fields = append(fields, &r.id)
		for eff := range r.because {
			fields = append(fields, &r.because[eff])
		}
		if r.say != nil {
			fields = append(fields, &r.say.text)
		}
		if r.refer != nil {
			fields = append(fields, &r.refer.message, &r.refer.clinician)
		}
	}
	for mi := range e.movements {
		m := &e.movements[mi]
		fields = append(fields, &m.id, &m.name, &m.kind, &m.how, &m.dose)
	}
	eq := e.vocab[fieldEquipment].entries
	for i := range eq {
		fields = append(fields, &eq[i].id)
	}
	fields = append(fields, &e.ruleSet.Version, &e.ruleSet.Digest)
	at := make(map[string]int, len(fields))
	var block strings.Builder
	for _, f := range fields {
		if _, ok := at[*f]; !ok {
			at[*f] = block.Len()
			block.WriteString(*f)
		}
	}
	all := block.String()
	for _, f := range fields {
		if *f != "" {
			*f = all[at[*f] : at[*f]+len(*f)]
		}
	}
}

// ruleHot is what the builder reads of a rule, side by side with the
// other rules' in Engine.hot: a rule is several hundred bytes, and the
// builder reads a few fields of each matched rule many times a call.
type ruleHot struct {
	id      string
	because [numEffects]string
	// cites are the rule's citations, as indexes into Engine.citations,
	// and citeVals the citations themselves, in the same order, or nil
	// when the rule cites one twice.
	cites    []int
	citeVals []Citation
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
