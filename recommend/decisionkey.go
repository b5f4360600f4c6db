package recommend

import (
	"context"
	"encoding/binary"
)

// What decides a Result. Recommend's stages after the conditions read
// only three things of a profile without check-ins: which rules matched
// (evaluate), the red flags it reports (the floors, policy 7, and the
// folding of referrals that name the same flag) and the equipment it has
// (policy 5). Everything else a profile says, its age or the days since
// onset, reaches the Result only through the conditions. So two profiles
// that agree on those three get the same Result, and a caller that keeps
// encoded answers can keep one per decision rather than one per person:
// AppendDecisionKey gives that key. A profile with check-ins is not
// keyed: its programme reads the check-ins themselves.
//
// The key is tied to the Engine that made it: the same bytes from another
// Engine, a reloaded rule set included, may decide another Result.

// decisionKeyVersion is the first byte of every decision key, so that a
// key of another layout never equals one of this.
const decisionKeyVersion = 1

// AppendDecisionKey appends to dst the decision key of p and returns the
// extended slice, with ok true: the rules whose conditions p matches,
// the red flags p reports, in its order, and the equipment p has, as one
// byte string. Two profiles with equal keys from the same Engine get the
// same Result from Recommend: the same encoding byte for byte
// (report.WriteJSON, with the trace or without); a cache of
// encoded answers may key them by it, with the encoding options, as the
// example server's answer cache does.
//
// ok is false, and dst is returned as it was, when p's Result is not
// decided by its key alone: p has check-ins (the programme reads them);
// and when Recommend would not give a complete Result for p: p is not
// valid (the error wraps ErrInvalidProfile), a condition failed, or ctx
// was done before every rule ran. Such a profile must be answered by
// Recommend, which gives its referrals.
//
// AppendDecisionKey runs every rule's condition, as Recommend does, and
// nothing after them, so it costs a fraction of Recommend.
func (e *Engine) AppendDecisionKey(ctx context.Context, dst []byte, p Profile) ([]byte, bool, error) {
	if err := e.callable(ctx); err != nil {
		return dst, false, err
	}
	if len(p.CheckIns) > 0 {
		return dst, false, nil
	}
	d := e.getDecisions()
	defer e.putDecisions(d)
	d.profile = p
	pp := &d.profile
	if err := e.validate(pp); err != nil {
		return dst, false, err
	}
	if err := e.evaluateInto(ctx, pp, d.matched); err != nil {
		return dst, false, err
	}
	return e.appendDecisionKey(dst, d, pp), true, nil
}

// appendDecisionKey appends the key of d.matched and p (see
// AppendDecisionKey): the version byte, the matched rules as a bitset of
// len(e.rules) bits, the number of red flags and each one's index in the
// vocabulary, and the equipment as a bitset of the vocabulary's entries.
// Each part's length is fixed by the Engine or given, so no two keys of
// one Engine are equal by running parts together.
func (e *Engine) appendDecisionKey(dst []byte, d *decisions, p *Profile) []byte {
	dst = append(dst, decisionKeyVersion)
	dst = appendBitset(dst, len(d.matched), func(i int) bool { return d.matched[i] })
	flags := &e.vocab[fieldRedFlags]
	dst = binary.AppendUvarint(dst, uint64(len(p.RedFlags)))
	for _, id := range p.RedFlags {
		// A valid profile's flags are all in the vocabulary; an index
		// of -1 would still be a distinct key (1 + index).
		dst = binary.AppendUvarint(dst, uint64(flags.index(id)+1))
	}
	have := e.equipmentSet(d.have, p)
	return appendBitset(dst, len(have), func(i int) bool { return have[i] })
}

// appendBitset appends n bits, bit i set when set(i), in (n+7)/8 bytes:
// the matched rules and the equipment of a decision key, and the clauses
// true of an explanation's class key (Explainer.classKey).
func appendBitset(dst []byte, n int, set func(int) bool) []byte {
	for i := 0; i < n; i += 8 {
		var b byte
		for j := i; j < min(i+8, n); j++ {
			if set(j) {
				b |= 1 << (j - i)
			}
		}
		dst = append(dst, b)
	}
	return dst
}
