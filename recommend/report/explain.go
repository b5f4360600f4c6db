package report

// The explanation writers: one movement's explanation, or the referrals',
// as a plain-text note for clinicians and rule authors or as JSON.

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// WriteExplanation writes x as a plain-text note for clinicians and rule
// authors: the movement and its outcome, then each rule that names it,
// with what it does to the movement, whether it matched and why, its
// condition and reason, and numbered sources, listed at the end with the
// claim each supports, followed by the rule set's version and digest. A
// nil x, or a zero RuleExplanation in x.Rules, is an error.
func WriteExplanation(w io.Writer, x *recommend.Explanation) error {
	if w == nil {
		return errNilWriter
	}
	switch {
	case x == nil:
		return errNilExplanation
	case slices.ContainsFunc(x.Rules, zeroRule):
		return errZeroRuleExplanation
	}
	t := &textWriter{b: bufio.NewWriter(w)}
	t.p("EXPLANATION: %s (%s)\n", x.Name, x.Movement)
	t.p("  Outcome: %s\n", OutcomeWords(x))
	t.p("  %s\n", x.Summary)
	for _, n := range x.Cautions {
		t.p("  Caution (%s): %s\n", n.Rule(), n.Text())
	}
	t.p("\n")
	if st := x.Programme; st != nil {
		t.p("THIS WEEK IN THE PROGRAMME\n  %s at level %d: %s\n", st.Change, st.Level, st.Because)
		switch {
		case st.Decided != "" && st.Rule != "":
			t.p("  Decided by the advice for this profile (%s), with progression rule %s, on these check-in facts:\n", DecidedWords(st.Decided), st.Rule)
		case st.Decided != "":
			t.p("  Decided by the advice for this profile (%s), whatever the progression rules say, on these check-in facts:\n", DecidedWords(st.Decided))
		case st.Rule != "":
			t.p("  Decided by progression rule %s, on these check-in facts:\n", st.Rule)
		default:
			t.p("  No progression rule matched these check-in facts:\n")
		}
		for _, f := range st.Facts {
			t.p("  - %s\n", f)
		}
		t.p("\n")
	}
	if len(x.Rules) == 0 {
		t.p("RULES THAT NAME IT\n  No rule names this movement.\n\n")
	} else {
		t.p("RULES THAT NAME IT\n")
		for i, r := range x.Rules {
			t.rule(i+1, r, func() {
				for _, ef := range r.Effects() {
					t.p("     %s.\n", EffectDoes(ef))
					if ef.Because != r.Because() {
						t.p("     Reason on this movement: %s\n", ef.Because)
					}
				}
			})
		}
	}
	t.sources(x.RuleSet)
	return t.b.Flush()
}

// WriteReferralExplanation writes x as a plain-text note: what the
// referrals come to, then every referral rule, matched or not, with its
// urgency, whether it withholds advice, why it matched or not, its
// message, reason and numbered sources, listed at the end; with
// check-ins, then every programme review the same way, with the check-in
// facts it was decided on. A nil x, or a zero RuleExplanation in x.Rules,
// is an error.
func WriteReferralExplanation(w io.Writer, x *recommend.ReferralExplanation) error {
	if w == nil {
		return errNilWriter
	}
	switch {
	case x == nil:
		return errNilExplanation
	case slices.ContainsFunc(x.Rules, zeroRule):
		return errZeroRuleExplanation
	}
	t := &textWriter{b: bufio.NewWriter(w)}
	t.p("EXPLANATION: REFERRALS\n  %s\n\n", x.Summary)
	if len(x.Rules) == 0 {
		t.p("REFERRAL RULES\n  The rule set has no referral rules.\n\n")
	} else {
		t.p("REFERRAL RULES\n")
		for i, r := range x.Rules {
			t.rule(i+1, r, func() {
				ref := r.Referral()
				if ref == nil {
					return
				}
				hold := "does not withhold movement advice"
				if ref.Withhold {
					hold = "withholds all movement advice"
				}
				t.p("     %s referral; %s.\n", words.Capital(string(ref.Urgency)), hold)
				t.p("     Tells you: %s\n", ref.Message)
				if f := r.Folded(); f != nil {
					t.p("     Folded into the referral of %s: %s.\n", strings.Join(f.Into, ", "), f.Summary)
				}
			})
		}
	}
	if len(x.Reviews) > 0 {
		t.p("PROGRAMME REVIEWS\n")
		for i, r := range x.Reviews {
			verdict := "not matched"
			if r.Matched {
				verdict = "matched"
			}
			t.p("  %d. %s (%s:%d): %s\n", i+1, r.Rule, r.File, r.Line, verdict)
			if r.Referral != nil {
				t.p("     %s referral; does not withhold movement advice.\n", words.Capital(string(r.Referral.Urgency)))
				t.p("     Tells you: %s\n", r.Referral.Message)
			}
			t.p("     %s.\n", words.Capital(r.Summary))
			t.p("     Check-ins: %s.\n", strings.Join(r.Facts, "; "))
			t.p("     Condition: %s\n", words.OneLine(r.When))
			t.p("     Reason: %s\n", r.Because)
			if len(r.Citations) > 0 {
				t.p("     Sources: %s\n", t.refs(r.Citations))
			}
			t.p("\n")
		}
	}
	t.sources(x.RuleSet)
	return t.b.Flush()
}

// WriteExplanationJSON writes x as indented JSON followed by a newline;
// the same explanation always gives the same bytes. A nil x is an error.
func WriteExplanationJSON(w io.Writer, x *recommend.Explanation) error {
	if w == nil {
		return errNilWriter
	}
	if x == nil {
		return errNilExplanation
	}
	return writeIndentedJSON(w, x)
}

// WriteReferralExplanationJSON writes x as indented JSON followed by a
// newline. A nil x is an error.
func WriteReferralExplanationJSON(w io.Writer, x *recommend.ReferralExplanation) error {
	if w == nil {
		return errNilWriter
	}
	if x == nil {
		return errNilExplanation
	}
	return writeIndentedJSON(w, x)
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var (
	errNilExplanation      = errors.New("report: nil explanation")
	errZeroRuleExplanation = errors.New("report: a rule of the explanation explains no rule")
)

// zeroRule reports whether r is the zero RuleExplanation, which explains
// no rule: only a caller can make one.
func zeroRule(r recommend.RuleExplanation) bool { return r == recommend.RuleExplanation{} }

// OutcomeLabel says an outcome in plain words, as the explanation notes
// and the page's "Why?" say it: "avoided", "left out for missing
// equipment". An outcome it does not know is said as its id.
func OutcomeLabel(o recommend.Outcome) string {
	if l, ok := outcomeLabels[o]; ok {
		return l
	}
	return string(o)
}

// OutcomeWords says x's outcome in plain words (see OutcomeLabel), and,
// for a movement the advice recommends that the programme stopped this
// week, that too: "recommended by the advice, but stopped this week by
// the programme", so that the line that leads an explanation does not
// tell the person to do what the programme has stopped. A nil x gives "".
func OutcomeWords(x *recommend.Explanation) string {
	if x == nil {
		return ""
	}
	if x.Outcome == recommend.OutcomeRecommended && x.Programme != nil && x.Programme.Change == recommend.ChangeStop {
		return "recommended by the advice, but stopped this week by the programme"
	}
	return OutcomeLabel(x.Outcome)
}

var outcomeLabels = map[recommend.Outcome]string{
	recommend.OutcomeRecommended:    "recommended",
	recommend.OutcomeAvoided:        "avoided",
	recommend.OutcomeNeedsEquipment: "left out for missing equipment",
	recommend.OutcomeWithheld:       "withheld",
	recommend.OutcomeNotAdvised:     "not advised",
}

// effectVerbs say what each kind of effect does to a movement.
var effectVerbs = map[recommend.EffectKind]string{
	recommend.EffectKindRecommend: "recommends",
	recommend.EffectKindAvoid:     "avoids",
	recommend.EffectKindCaution:   "cautions against",
}

// EffectVerb says what an effect of kind k does to the movement it
// names, without how it names it, as the page's "Why?" says it to the
// person: "Avoids it", "Recommends it".
func EffectVerb(k recommend.EffectKind) string {
	verb, ok := effectVerbs[k]
	if !ok {
		verb = string(k)
	}
	return words.Capital(verb) + " it"
}

// EffectDoes says what an effect of a rule does to the movement it names,
// and how it names it, as the explanation notes for clinicians and rule
// authors say it: "Avoids it by its tag lumbar_flexion", "Recommends it by
// name".
func EffectDoes(e recommend.NamingEffect) string {
	parts := make([]string, 0, len(e.SelectedBy))
	for _, b := range e.SelectedBy {
		if b == "movement" {
			parts = append(parts, "by name")
		} else {
			parts = append(parts, "by its "+b)
		}
	}
	s := EffectVerb(e.Kind)
	if len(parts) > 0 {
		s += " " + words.List(parts)
	}
	return s
}

// rule writes one rule of an explanation; more writes what it does.
func (t *textWriter) rule(n int, r recommend.RuleExplanation, more func()) {
	verdict := "not matched"
	if r.Matched() {
		verdict = "matched"
	}
	t.p("  %d. %s (%s:%d): %s\n", n, r.Rule(), r.File(), r.Line(), verdict)
	more()
	t.p("     %s.\n", words.Capital(r.Summary()))
	t.p("     Condition: %s\n", words.OneLine(r.When()))
	t.p("     Reason: %s\n", r.Because())
	if cs := r.Citations(); len(cs) > 0 {
		t.p("     Sources: %s\n", t.refs(cs))
	}
	t.p("\n")
}

// sources writes the numbered sources and the rule set.
func (t *textWriter) sources(rs recommend.RuleSet) {
	t.sourceList()
	t.p("%s\n", recommend.Disclaimer)
	if line := ruleSetLine(rs); line != "" {
		t.p("%s\n", line)
	}
}
