package guidedoc

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/recommend"
)

// The plan and the key messages in GUIDANCE.md: each profile's plan and
// messages, the section that explains how a plan is chosen with every
// priority of the rule set, and the table of key messages.

// planLine formats a result's plan for a profile: "**Start with:** 1.
// Walking (`rule`, priority 2); 2. ...", or says there is none.
func planLine(res *recommend.Result) string {
	if len(res.Plan) == 0 {
		if res.Withheld {
			return "**Start with:** nothing: movement advice is withheld."
		}
		return "**Start with:** no plan: no matched rule gives a priority."
	}
	parts := make([]string, len(res.Plan))
	for i, s := range res.Plan {
		parts[i] = fmt.Sprintf("%d. %s (`%s`, priority %d)", i+1, mdsafe.Line(s.Name), s.Reason.Rule(), s.Priority)
	}
	return "**Start with:** " + strings.Join(parts, "; ") + "."
}

// planCell formats a result's plan for a table cell: the movement names in
// order, or "none".
func planCell(res *recommend.Result) string {
	if len(res.Plan) == 0 {
		return "none"
	}
	names := make([]string, len(res.Plan))
	for i, s := range res.Plan {
		names[i] = mdsafe.Line(s.Name)
	}
	return strings.Join(names, ", ")
}

// messageLine formats a result's key messages, leaving out those in skip:
// "**Key messages:** safety net (`rule`); ...", or "" when none are left.
func messageLine(res *recommend.Result, skip map[string]bool) string {
	var parts []string
	for _, m := range res.Messages {
		if skip[messageKey(m)] {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", kindLabel(m.Kind), code(m.Rules)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "**Key messages:** " + strings.Join(parts, "; ") + "."
}

func messageKey(m recommend.Message) string {
	return string(m.Kind) + "\x00" + m.Text
}

// kindLabel spells a message kind for people: "safety net".
func kindLabel(k recommend.MessageKind) string {
	return strings.ReplaceAll(string(k), "_", " ")
}

// priorityRow is a recommend effect with a priority.
type priorityRow struct {
	rule     recommend.Rule
	priority int
	offers   []string // movement names, in the order the effect offers them
}

// priorityRows returns every recommend effect with a priority, by
// priority, then in rule order.
func priorityRows(eng *recommend.Engine) []priorityRow {
	names := map[string]string{}
	for _, m := range eng.Movements() {
		names[m.ID] = m.Name
	}
	var out []priorityRow
	for _, r := range eng.Rules() {
		for _, e := range r.Effects {
			if e.Kind != recommend.EffectKindRecommend || e.Priority == 0 {
				continue
			}
			row := priorityRow{rule: r, priority: e.Priority}
			// The effect offers its movements as written, then the rest
			// of those it selects, in declaration order.
			var ids []string
			for _, id := range append(slices.Clone(e.Movements), e.Selected...) {
				if !slices.Contains(ids, id) {
					ids = append(ids, id)
				}
			}
			for _, id := range ids {
				row.offers = append(row.offers, fmt.Sprintf("%s (`%s`)", mdsafe.Line(names[id]), id))
			}
			out = append(out, row)
		}
	}
	slices.SortStableFunc(out, func(a, b priorityRow) int { return cmp.Compare(a.priority, b.priority) })
	return out
}

// writePlanSection explains how the plan is chosen and lists every
// priority the rules give.
func writePlanSection(b *bytes.Buffer, eng *recommend.Engine) {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## How the plan is chosen\n\n")
	p("A result's plan names the few recommended movements to start with, at most\n")
	p("%d, in order; the other recommended movements are also helpful. Rule authors\n", recommend.MaxPlan)
	p("choose them with a `priority` on a recommend effect, from 1 (start first)\n")
	p("to 9:\n\n")
	p("- When its rule matches, an effect with a priority offers **one** movement:\n")
	p("  the first of its movements, in the order written, that the result\n")
	p("  recommends. A movement that is avoided, needs equipment the person lacks,\n")
	p("  or is withheld gives way to the next one.\n")
	p("- A movement offered by several rules takes the best (lowest) priority, and\n")
	p("  the reason of the first rule, in rule order, that gives it that priority.\n")
	p("- The plan lists the offered movements by priority, then in the order the\n")
	p("  movements are declared, and keeps the first %d.\n", recommend.MaxPlan)
	p("- A result whose advice is withheld has no plan.\n\n")
	p("The plan never changes what is recommended or avoided: the safety policy\n")
	p("decides that first. Every priority in the rule set:\n\n")
	p("| Priority | Rule | Offers, in order | When |\n|---|---|---|---|\n")
	for _, r := range priorityRows(eng) {
		p("| %d | `%s` | %s | %s |\n", r.priority, r.rule.ID, strings.Join(r.offers, ", "), mdsafe.Line(r.rule.Description))
	}
	p("\n")
}

// writeMessagesSection lists every key message of the rule set, safety
// nets first, then in rule order.
func writeMessagesSection(b *bytes.Buffer, eng *recommend.Engine) {
	type msg struct {
		rule recommend.Rule
		m    recommend.RuleMessage
	}
	order := map[recommend.MessageKind]int{recommend.MessageKindSafetyNet: 0, recommend.MessageKindReassurance: 1, recommend.MessageKindStayActive: 2, recommend.MessageKindPacing: 3}
	var msgs []msg
	for _, r := range eng.Rules() {
		if r.Message != nil {
			msgs = append(msgs, msg{r, *r.Message})
		}
	}
	slices.SortStableFunc(msgs, func(a, b msg) int { return cmp.Compare(order[a.m.Kind], order[b.m.Kind]) })
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## Key messages\n\n")
	p("Short advice that is not a movement, given by a rule's `say` effect when the\n")
	p("rule matches. A result lists safety nets first, then reassurance, staying\n")
	p("active and pacing. When a referral withholds movement advice, only the\n")
	p("safety nets are kept.\n\n")
	if len(msgs) == 0 {
		p("The rule set has no key messages.\n\n")
		return
	}
	p("| Kind | Message | Rule | When | Sources |\n|---|---|---|---|---|\n")
	for _, m := range msgs {
		p("| %s | %s | `%s` | %s | %s |\n", kindLabel(m.m.Kind), mdsafe.Line(m.m.Text), m.rule.ID, mdsafe.Line(m.rule.Description),
			strings.Join(sourceRefs(m.rule.Citations), "; "))
	}
	p("\n")
}
