package recommend

// The trace of a Result: which rules matched, kept as one bit per rule and
// listed only when a caller asks (Result.Trace), since most callers never
// read it and a list of every rule is the largest part of a Result.

import "math/bits"

// traceRules is what a trace needs of the engine's rules, made once at
// load and shared, read-only, by every Result.
type traceRules struct {
	// ids are the rule ids, in rule-set order.
	ids []string
	// first marks the rules evaluated first (Engine.firstRule), which an
	// Incomplete Result's trace lists, one bit per rule.
	first []uint64
}

// ruleTrace is which rules of a Result matched.
type ruleTrace struct {
	// rules are the engine's rules, or nil in a Result an Engine did not
	// make.
	rules *traceRules
	// bits marks the matched rules, one bit per rule. It is small's
	// memory when the rule set has at most 256 rules (the default rules
	// have 130), so that the trace takes no allocation of its own.
	bits  []uint64
	small [4]uint64
}

// bitWords returns how many words hold one bit for each of n rules.
func bitWords(n int) int { return (n + 63) / 64 }

func hasBit(bits []uint64, i int) bool { return bits[i/64]&(1<<(i%64)) != 0 }

// newTraceRules returns the trace's view of e's rules.
func newTraceRules(e *Engine) *traceRules {
	t := &traceRules{ids: make([]string, len(e.rules)), first: make([]uint64, bitWords(len(e.rules)))}
	for ri := range e.rules {
		t.ids[ri] = e.rules[ri].id
		if e.firstRule(ri) {
			t.first[ri/64] |= 1 << (ri % 64)
		}
	}
	return t
}

// setTrace records in res which rules matched: bits, one per rule.
func (e *Engine) setTrace(res *Result, bits []uint64) {
	t := &res.trace
	t.rules = e.trace
	if len(bits) <= len(t.small) {
		t.bits = t.small[:len(bits)]
	} else {
		t.bits = make([]uint64, len(bits))
	}
	copy(t.bits, bits)
}

// Trace lists every rule, in rule-set order, and whether it matched; in
// an Incomplete Result, only the rules that were evaluated, those that
// refer and those that give a safety-net message (a rule of these that
// failed shows as matched).
//
// The Result keeps one bit per rule, and Trace builds the list from it on
// each call; the list is the caller's to change. It is empty, never nil,
// for a nil Result and for one that an Engine did not make, such as one
// decoded from JSON.
func (r *Result) Trace() []TraceEntry {
	if r == nil || r.trace.rules == nil {
		return []TraceEntry{}
	}
	t := &r.trace
	n := len(t.rules.ids)
	if r.Incomplete {
		n = 0
		for _, w := range t.rules.first {
			n += bits.OnesCount64(w)
		}
	}
	out := make([]TraceEntry, 0, n)
	for ri, id := range t.rules.ids {
		if r.Incomplete && !hasBit(t.rules.first, ri) {
			continue
		}
		out = append(out, TraceEntry{Rule: id, Matched: hasBit(t.bits, ri)})
	}
	return out
}
