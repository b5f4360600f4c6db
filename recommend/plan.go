package recommend

// Key messages and the plan: what a person should know first, and which few
// recommended movements to start with. Rules declare both in YAML (a say
// effect, and a priority on a recommend effect); compile.go checks them
// with the helpers here, and build.go fills Result.Messages and Result.Plan
// from the decision record with the functions below. Neither changes what
// is recommended or avoided: the plan only orders movements that the
// safety policy has already recommended.

import (
	"cmp"
	"slices"

	"github.com/backrules/backrules/internal/parse"
)

// MessageKind says what a key message is about. The kinds are a closed
// set; a rule file that names another is a load error.
type MessageKind string

// The message kinds, in the order Result.Messages lists them.
const (
	// SafetyNet says when to stop and get help: "stop and see a doctor if
	// the pain spreads into the leg". It is listed first, and it is kept
	// when movement advice is withheld.
	SafetyNet MessageKind = "safety_net"
	// Reassurance says what usually happens: "most back pain gets better
	// within a few weeks".
	Reassurance MessageKind = "reassurance"
	// StayActive encourages normal activity rather than rest.
	StayActive MessageKind = "stay_active"
	// Pacing says how to build up: little and often, a steady routine,
	// easing off after a flare-up.
	Pacing MessageKind = "pacing"
)

// messageKinds are the allowed kinds, in the order of Result.Messages.
var messageKinds = []string{string(SafetyNet), string(Reassurance), string(StayActive), string(Pacing)}

// rank orders message kinds: the position in messageKinds.
func (k MessageKind) rank() int {
	if i := slices.Index(messageKinds, string(k)); i >= 0 {
		return i
	}
	return len(messageKinds)
}

// Message is a key message: a short, cited piece of advice that is not a
// movement, such as reassurance or when to get help.
type Message struct {
	// Kind says what the message is about.
	Kind MessageKind `json:"kind"`
	// Text is the message, in plain words.
	Text string `json:"text"`
	// Citations are the sources behind the message, in rule order,
	// without repeats.
	Citations []Citation `json:"citations"`
	// Rules are the ids of the rules that give the message, in rule order.
	Rules []string `json:"rules"`
}

// MaxPlan is the most steps a plan has.
const MaxPlan = 5

// PlanStep is one movement of the plan: a recommended movement to start
// with.
type PlanStep struct {
	// Movement is the movement id, as in Result.Recommended, and Name
	// what people call it.
	Movement string `json:"movement"`
	Name     string `json:"name"`
	// Priority is the priority that placed the movement: 1 is the first
	// to start with.
	Priority int `json:"priority"`
	// Reason is the reason of the recommend effect that placed the
	// movement, with its rule: the first rule, in rule order, that offers
	// the movement with that priority.
	Reason Note `json:"reason"`
	// Citations are the citations of that rule, the sources behind
	// Reason. The movement's item in Result.Recommended has those of
	// every rule that recommends it.
	Citations []Citation `json:"citations"`
}

// compiledMessage is a rule's key message.
type compiledMessage struct {
	kind MessageKind
	text string
}

// message checks and compiles a rule's key message.
func (c *compiler) message(m *parse.Message) *compiledMessage {
	if m.Kind.S != "" && !slices.Contains(messageKinds, m.Kind.S) {
		c.unknownOf(m.Kind, "message kind", messageKinds)
	}
	return &compiledMessage{kind: MessageKind(m.Kind.S), text: m.Text}
}

// offers returns the movements a recommend effect offers for the plan, in
// the order it prefers them: the movement ids as written, then the rest of
// selected (the movements its tags and kinds select), in declaration order.
func (c *compiler) offers(s *parse.Selector, selected []int) []int {
	out := make([]int, 0, len(selected))
	for _, m := range s.Movements {
		if i, ok := c.movementIdx[m.S]; ok && !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	for _, i := range selected {
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	return out
}

// messages returns the key messages of the matched rules: safety nets
// first, then reassurance, staying active and pacing, each kind in rule
// order. Rules that give the same kind and text merge into one message.
// When advice is withheld, only the safety nets are kept: the other kinds
// encourage self-care, which a withholding referral puts on hold.
func (b *builder) messages(d *decisions) []Message {
	withheld := len(d.withholding) > 0 || d.incomplete
	n := 0
	for ri := range b.e.rules {
		if r := &b.e.rules[ri]; d.matched[ri] && r.say != nil && (!withheld || r.say.kind == SafetyNet) {
			n++
		}
	}
	out := make([]Message, 0, n)
	for ri := range b.e.rules {
		r := &b.e.rules[ri]
		if !d.matched[ri] || r.say == nil || (withheld && r.say.kind != SafetyNet) {
			continue
		}
		i := slices.IndexFunc(out, func(m Message) bool { return m.Kind == r.say.kind && m.Text == r.say.text })
		if i < 0 {
			out = append(out, Message{Kind: r.say.kind, Text: r.say.text, Citations: b.citations([]int{ri}), Rules: b.ruleIDs([]int{ri})})
			continue
		}
		out[i].Rules = append(out[i].Rules, r.id)
		for _, ci := range r.cites {
			if ct := b.e.citations[ci]; !slices.Contains(out[i].Citations, ct) {
				out[i].Citations = append(out[i].Citations, ct)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Message) int { return cmp.Compare(a.Kind.rank(), b.Kind.rank()) })
	return out
}

// plan chooses the movements to start with. Each matched rule whose
// recommend effect has a priority offers one movement: the first of its
// offers that the safety policy recommends (not avoided, not waiting for
// equipment, not withheld). A movement offered by several rules takes the
// best (lowest) priority among them, and the reason of the first rule, in
// rule order, that offers it with that priority. The plan lists the
// offered movements by priority, then in declaration order, at most
// MaxPlan of them. A withheld result recommends nothing, so its plan is
// empty.
func (b *builder) plan(d *decisions) []PlanStep {
	e := b.e
	type offer struct{ mi, priority, rule int }
	var buf [2 * MaxPlan]offer
	best := buf[:0]
	for ri := range e.rules {
		r := &e.rules[ri]
		if !d.matched[ri] || r.priority == 0 {
			continue
		}
		k := slices.IndexFunc(r.offers, func(mi int) bool { return d.movements[mi].outcome == outcomeRecommended })
		if k < 0 {
			continue
		}
		mi := r.offers[k]
		switch i := slices.IndexFunc(best, func(o offer) bool { return o.mi == mi }); {
		case i < 0:
			best = append(best, offer{mi, r.priority, ri})
		case r.priority < best[i].priority:
			best[i] = offer{mi, r.priority, ri}
		}
	}
	slices.SortFunc(best, func(a, b offer) int {
		return cmp.Or(cmp.Compare(a.priority, b.priority), cmp.Compare(a.mi, b.mi))
	})
	best = best[:min(len(best), MaxPlan)]
	out := make([]PlanStep, len(best))
	for i, o := range best {
		m := &e.movements[o.mi]
		r := &e.rules[o.rule]
		out[i] = PlanStep{
			Movement: m.id, Name: m.name, Priority: o.priority,
			Reason:    Note{Rule: r.id, Text: r.because[effectRecommend]},
			Citations: b.citations([]int{o.rule}),
		}
	}
	return out
}
