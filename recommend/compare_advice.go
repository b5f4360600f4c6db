package recommend

// Comparing the advice of two rule sets: a program that swaps the rules it
// serves (a server's reload) asks, besides CompareReferrals, whether the
// candidate offers a profile a movement that the rules in service keep
// from it, drops a caution they attach to a movement it still offers, or
// drops a safety-net message they give: so that a rule file caught
// half-written, which loses the rules after a rule boundary (the
// inversion table's avoid rules, say), cannot put a movement the guidance
// advises against back into the advice.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/cel-go/common/ast"
)

// AdviceLoss is what a candidate rule set no longer gives a profile, in an
// AdviceLowering.
type AdviceLoss string

// The kinds of AdviceLoss.
const (
	// AdviceLossAvoid: a movement the rule set in service avoids is
	// offered: recommended, or listed as needing equipment.
	AdviceLossAvoid AdviceLoss = "avoid"
	// AdviceLossCaution: a movement offered loses a caution the rule set
	// in service attaches to it.
	AdviceLossCaution AdviceLoss = "caution"
	// AdviceLossSafetyNet: a safety-net message the rule set in service
	// gives is no longer given, or no longer in the same words: the text
	// is compared, so that a safety net cut short (its groin-numbness
	// sentence gone, say) is a loss too.
	AdviceLossSafetyNet AdviceLoss = "safety_net"
)

// AdviceLowering is advice that the rule set in service gives a profile
// and a candidate does not keep (see AdviceLoss).
type AdviceLowering struct {
	// Profile is the profile, in the vocabulary of the rule set in
	// service.
	Profile Profile `json:"profile"`
	// Loss is what is lost.
	Loss AdviceLoss `json:"loss"`
	// Movement is the movement's id, for an avoid or a caution lost; ""
	// for a safety net.
	Movement string `json:"movement,omitempty"`
	// Now is what the candidate gives the movement: OutcomeRecommended,
	// or OutcomeNeedsEquipment when the profile lacks its equipment; ""
	// for a safety net.
	Now Outcome `json:"now,omitempty"`
	// Rules are the rules of the rule set in service that gave the advice
	// lost for the profile and that the candidate does not keep as they
	// were (a rule gone, its condition's text changed, or the movement no
	// longer among those it avoids or cautions, or its message no longer
	// a safety net of the same text), in rule order; never empty.
	Rules []string `json:"rules"`
	// By are the candidate's rules that recommend the movement for the
	// profile, in rule order; empty for a safety net.
	By []string `json:"by,omitempty"`
}

// AdviceComparison is what CompareAdvice found. A candidate keeps the
// advice compared when Lowered is 0 and Truncated is false.
type AdviceComparison struct {
	// Rules is the number of rules of the rule set in service that avoid
	// or caution a movement, or give a safety net, and that the candidate
	// does not keep as they were; when it is 0 nothing needs comparing,
	// and Profiles is 0.
	Rules int `json:"rules"`
	// Profiles is the number of profiles compared: those of the space
	// for which a rule not kept matches.
	Profiles int `json:"profiles"`
	// Lowered is the number of losses found: a profile with a movement
	// (or with a safety net) each.
	Lowered int `json:"lowered"`
	// Lowerings holds, for each loss, movement and list of rules not
	// kept, the smallest profile (fewest list entries, set numbers and
	// choices), smallest first, then in the order compared. It is empty,
	// not nil, when nothing is lowered.
	Lowerings []AdviceLowering `json:"lowerings"`
	// Truncated is true when the space of the rule set in service was cut
	// at MaxAnalyzeProfiles profiles, so that no lowering found does not
	// mean none.
	Truncated bool `json:"truncated,omitempty"`
}

// CompareAdvice compares the advice candidate gives with the advice of
// serving, the rule set in service, and reports each profile for which
// candidate offers a movement serving avoids (recommends it, or lists it
// as needing equipment), offers a movement without a caution serving
// attaches to it, or gives no longer a safety-net message serving gives,
// word for word: a safety net is compared by its text, not its kind only,
// so one reworded, cut short or emptied is a loss (a restart deploys a
// new wording). Other messages (reassurance, staying active, pacing) are
// not compared.
//
// A rule's effect is the same for every profile when candidate has the
// rule under its id, with a condition of the same text and the same
// effect (avoiding or cautioning at least the same movements, giving a
// safety net of the same text): a candidate that keeps every such rule of serving is
// compared no further (Rules is 0), since an avoid always wins (policy
// 1), a caution is attached to any movement recommended, and a safety net
// is kept even when advice is withheld. Otherwise the profiles are those
// Analyze explores for serving (see Engine.Analyze: each set of one or
// two conditions with each red flag or pair, each aggravating or easing
// movement, each equipment a condition tests, each number at the
// boundaries of the conditions, those of the candidate's rules of the
// same ids included, each choice, and two numbers at once), and for each
// profile a rule not kept matches, candidate's rules of its id, and those
// that recommend, avoid or withhold, with the red flags' floors, decide
// what candidate gives. Advice withheld where serving gave it is a
// lowering of referrals: see CompareReferrals. It samples, it does not
// prove: a condition that holds only for three conditions at once, or
// for two equipment items, is not explored.
//
// On the default rules it costs nothing when those rules are kept; with
// every rule after the first thirteen of everyone.yaml gone, it compares
// about 120,000 profiles in about 0.1 s (BenchmarkCompareAdvice). It
// honours ctx between blocks of profiles; a nil engine or context is an
// error.
func CompareAdvice(ctx context.Context, serving, candidate *Engine) (*AdviceComparison, error) {
	if err := cmp.Or(serving.unusable(), candidate.unusable()); err != nil {
		return nil, fmt.Errorf("compare advice: %w", err)
	}
	if ctx == nil {
		return nil, errors.New("compare advice: nil context: pass context.Background()")
	}
	out := &AdviceComparison{Lowerings: []AdviceLowering{}}
	risks := serving.adviceNotKept(candidate)
	out.Rules = len(risks)
	if len(risks) == 0 {
		return out, nil
	}
	// The space, with the boundaries of the candidate's rules of the same
	// ids, so that a threshold moved is seen from both sides.
	asts := serving.conditionASTs()
	for _, r := range risks {
		if r.cri >= 0 {
			asts = append(asts, candidate.rules[r.cri].checked())
		}
	}
	sp := serving.space(slices.DeleteFunc(asts, func(a *ast.AST) bool { return a == nil }))
	out.Truncated = sp.truncated
	c := newAdviceCompare(serving, candidate, risks)
	for i := range sp.profiles {
		if i%compareBlock == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("compare advice: %w", err)
			}
		}
		c.compare(&sp.profiles[i], sp.size[i], i)
	}
	slices.SortStableFunc(c.found, func(a, b adviceFound) int {
		return cmp.Or(cmp.Compare(a.size, b.size), cmp.Compare(a.at, b.at))
	})
	out.Profiles, out.Lowered = c.compared, c.lowered
	for _, f := range c.found {
		out.Lowerings = append(out.Lowerings, f.AdviceLowering)
	}
	return out, nil
}

// adviceRisk is a rule of the rule set in service that avoids or
// cautions movements, or gives a safety net, and that a candidate does
// not keep as it was: its index, the index of the candidate's rule of its
// id (-1 when gone), the movements it avoids and cautions that the
// candidate may no longer, as indexes into the serving's movements, and
// whether its safety net may be lost.
type adviceRisk struct {
	ri, cri           int
	avoids, cautions  []int
	safetyNet         bool
	candidateCautions []string // movement ids the candidate's rule cautions
}

// adviceNotKept returns each rule of e that avoids or cautions a
// movement, or gives a safety net, and that next does not keep as it
// was, in rule order: next has no rule of its id, or one whose condition
// is of another text, or one that no longer avoids or cautions some of
// its movements (those are at risk; every one of them when the rule is
// gone or its condition changed), or no longer gives a safety net of the
// same text.
func (e *Engine) adviceNotKept(next *Engine) []adviceRisk {
	byID := make(map[string]int, len(next.rules))
	for ri := range next.rules {
		byID[next.rules[ri].id] = ri
	}
	var out []adviceRisk
	for ri := range e.rules {
		r := &e.rules[ri]
		net := r.say != nil && r.say.kind == MessageKindSafetyNet
		if len(r.effects[effectAvoid]) == 0 && len(r.effects[effectCaution]) == 0 && !net {
			continue
		}
		risk := adviceRisk{ri: ri, cri: -1}
		var avoids, cautions []string
		nextNet := false
		if cri, ok := byID[r.id]; ok {
			n := &next.rules[cri]
			risk.cri = cri
			for _, mi := range n.effects[effectCaution] {
				risk.candidateCautions = append(risk.candidateCautions, next.movements[mi].id)
			}
			if n.when == r.when {
				for _, mi := range n.effects[effectAvoid] {
					avoids = append(avoids, next.movements[mi].id)
				}
				cautions = risk.candidateCautions
				nextNet = net && n.say != nil && n.say.kind == MessageKindSafetyNet && n.say.text == r.say.text
			}
		}
		for _, mi := range r.effects[effectAvoid] {
			if !slices.Contains(avoids, e.movements[mi].id) {
				risk.avoids = append(risk.avoids, mi)
			}
		}
		for _, mi := range r.effects[effectCaution] {
			if !slices.Contains(cautions, e.movements[mi].id) {
				risk.cautions = append(risk.cautions, mi)
			}
		}
		risk.safetyNet = net && !nextNet
		if len(risk.avoids) > 0 || len(risk.cautions) > 0 || risk.safetyNet {
			out = append(out, risk)
		}
	}
	return out
}

// adviceCompare is the state of one CompareAdvice.
type adviceCompare struct {
	serving, candidate *adviceSide
	risks              []adviceRisk
	// knowsAll is true when candidate's vocabulary holds every id of
	// serving's.
	knowsAll bool
	// movement maps a movement of serving to candidate's of its id, or
	// -1.
	movement []int
	// compared and lowered count the profiles compared and the losses
	// found; found holds the smallest lowering of each loss, movement
	// and list of rules, and groups its index in found.
	compared, lowered int
	found             []adviceFound
	groups            map[string]int
	// losses is the advice at risk for the profile at hand, and size and
	// at its size and index.
	losses   []adviceLoss
	size, at int
}

// adviceSide is one rule set of a CompareAdvice, with what it gives the
// profile at hand as far as it has been worked out.
type adviceSide struct {
	e *Engine
	// recommenders and avoiders are the rules that recommend or avoid
	// each movement, in rule order; withholding are the referral rules
	// that withhold advice.
	recommenders, avoiders [][]int
	withholding            []int
	// p is the profile at hand, in e's vocabulary; act its activation;
	// held whether advice is withheld for it (-1 not known yet).
	p    *Profile
	act  *activation
	held int
}

func newAdviceSide(e *Engine) *adviceSide {
	s := &adviceSide{e: e, recommenders: make([][]int, len(e.movements)), avoiders: make([][]int, len(e.movements))}
	for ri := range e.rules {
		r := &e.rules[ri]
		for _, mi := range r.effects[effectRecommend] {
			s.recommenders[mi] = append(s.recommenders[mi], ri)
		}
		for _, mi := range r.effects[effectAvoid] {
			s.avoiders[mi] = append(s.avoiders[mi], ri)
		}
		if r.refer != nil && r.refer.withhold {
			s.withholding = append(s.withholding, ri)
		}
	}
	return s
}

// at makes p, in the side's vocabulary, the profile at hand.
func (s *adviceSide) at(p *Profile) {
	s.p, s.act, s.held = p, nil, -1
}

// eval runs rule ri on the profile at hand: whether it matches, and
// whether it fails.
func (s *adviceSide) eval(ri int) (matched, failed bool) {
	m, err := s.e.evalRule(context.Background(), ri, s.p, &s.act)
	return m, err != nil
}

// withheld reports whether movement advice is withheld for the profile
// at hand: a withholding referral rule matches or fails, or a red flag's
// floor withholds.
func (s *adviceSide) withheld() bool {
	if s.held < 0 {
		s.held = 0
		if s.e.floorRank(s.p).withheld() ||
			slices.ContainsFunc(s.withholding, func(ri int) bool { m, f := s.eval(ri); return m || f }) {
			s.held = 1
		}
	}
	return s.held == 1
}

// offered returns the rules that recommend movement mi for the profile
// at hand when it is offered (recommended, or listed as needing
// equipment), or nil when it is not: a rule avoids it, no rule recommends
// it, advice is withheld, or a rule fails, which withholds every
// movement.
func (s *adviceSide) offered(mi int) []string {
	if slices.ContainsFunc(s.avoiders[mi], func(ri int) bool { m, f := s.eval(ri); return m || f }) {
		return nil
	}
	var by []string
	for _, ri := range s.recommenders[mi] {
		m, f := s.eval(ri)
		if f {
			return nil
		}
		if m {
			by = append(by, s.e.rules[ri].id)
		}
	}
	if len(by) == 0 || s.withheld() {
		return nil
	}
	return by
}

// adviceLoss is advice at risk for the profile at hand: a movement of
// serving (-1 for a safety net) and the kind of loss, with the rules not
// kept that gave it.
type adviceLoss struct {
	loss  AdviceLoss
	mi    int
	rules []string
}

// adviceFound is a lowering with its profile's size and the index at
// which it was compared.
type adviceFound struct {
	AdviceLowering
	size, at int
}

func newAdviceCompare(serving, candidate *Engine, risks []adviceRisk) *adviceCompare {
	c := &adviceCompare{serving: newAdviceSide(serving), candidate: newAdviceSide(candidate), risks: risks,
		knowsAll: candidate.knows(serving), groups: map[string]int{}}
	byID := make(map[string]int, len(candidate.movements))
	for mi, m := range candidate.movements {
		byID[m.id] = mi
	}
	c.movement = make([]int, len(serving.movements))
	for mi, m := range serving.movements {
		c.movement[mi] = -1
		if cmi, ok := byID[m.id]; ok {
			c.movement[mi] = cmi
		}
	}
	return c
}

// addLoss adds advice at risk for the profile at hand, or the rule id to
// the rules of that already added.
func (c *adviceCompare) addLoss(loss AdviceLoss, mi int, id string) {
	for i := range c.losses {
		if l := &c.losses[i]; l.loss == loss && l.mi == mi {
			l.rules = append(l.rules, id)
			return
		}
	}
	c.losses = append(c.losses, adviceLoss{loss, mi, []string{id}})
}

// compare compares p, of size size, the at-th profile: for each rule not
// kept that matches it, whether candidate keeps its advice.
func (c *adviceCompare) compare(p *Profile, size, at int) {
	c.losses = c.losses[:0]
	c.serving.at(p)
	for _, r := range c.risks {
		// A rule that fails counts as matched: the serving rules then
		// withhold every movement, which the candidate must not offer.
		if m, f := c.serving.eval(r.ri); !m && !f {
			continue
		}
		id := c.serving.e.rules[r.ri].id
		for _, mi := range r.avoids {
			c.addLoss(AdviceLossAvoid, mi, id)
		}
		for _, mi := range r.cautions {
			c.addLoss(AdviceLossCaution, mi, id)
		}
		if r.safetyNet {
			c.addLoss(AdviceLossSafetyNet, -1, id)
		}
	}
	if len(c.losses) == 0 {
		return
	}
	c.compared++
	c.size, c.at = size, at
	q := p
	if !c.knowsAll {
		t := c.candidate.e.known(*p)
		q = &t
	}
	c.candidate.at(q)
	for _, l := range c.losses {
		if l.loss == AdviceLossSafetyNet {
			if !c.keptByID(l.rules, func(r *adviceRisk) bool {
				n := c.candidate.e.rules[r.cri].say
				return n != nil && n.kind == MessageKindSafetyNet && n.text == c.serving.e.rules[r.ri].say.text
			}) {
				c.record(p, l, -1, nil)
			}
			continue
		}
		cmi := c.movement[l.mi]
		if cmi < 0 {
			continue // the candidate has no such movement
		}
		// A caution is lost only where it was shown: on a movement
		// serving offers. (Where serving avoids it, an avoid not kept
		// says so.)
		if l.loss == AdviceLossCaution && (len(c.serving.offered(l.mi)) == 0 || c.keptByID(l.rules, func(r *adviceRisk) bool {
			return slices.Contains(r.candidateCautions, c.serving.e.movements[l.mi].id)
		})) {
			continue
		}
		if by := c.candidate.offered(cmi); len(by) > 0 {
			c.record(p, l, cmi, by)
		}
	}
}

// keptByID reports whether, for one of the rules ids of serving, the
// candidate's rule of that id matches the profile at hand and keeps the
// advice (has is true of it): a rule whose condition changed may still
// match there.
func (c *adviceCompare) keptByID(ids []string, has func(r *adviceRisk) bool) bool {
	for i := range c.risks {
		r := &c.risks[i]
		if r.cri < 0 || !slices.Contains(ids, c.serving.e.rules[r.ri].id) || !has(r) {
			continue
		}
		if m, _ := c.candidate.eval(r.cri); m {
			return true
		}
	}
	return false
}

// record records loss l for p, the profile at hand, of the movement cmi
// of candidate (-1 for a safety net), which rules by recommend.
func (c *adviceCompare) record(p *Profile, l adviceLoss, cmi int, by []string) {
	c.lowered++
	var id string
	var now Outcome
	if cmi >= 0 {
		ce := c.candidate.e
		id, now = c.serving.e.movements[l.mi].id, OutcomeRecommended
		have := make([]bool, len(ce.vocab[fieldEquipment].entries))
		for _, eq := range c.candidate.p.Equipment {
			if i := ce.vocab[fieldEquipment].index(eq); i >= 0 {
				have[i] = true
			}
		}
		for _, eq := range ce.movements[cmi].equipment {
			if !have[eq] {
				now = OutcomeNeedsEquipment
			}
		}
	}
	key := string(l.loss) + "\x00" + id + "\x00" + strings.Join(l.rules, "\x00")
	i, ok := c.groups[key]
	switch {
	case ok && c.found[i].size <= c.size:
		return
	case !ok:
		i = len(c.found)
		c.groups[key] = i
		c.found = append(c.found, adviceFound{})
	}
	c.found[i] = adviceFound{AdviceLowering{Profile: cloneProfile(*p), Loss: l.loss, Movement: id, Now: now,
		Rules: slices.Clone(l.rules), By: by}, c.size, c.at}
}
