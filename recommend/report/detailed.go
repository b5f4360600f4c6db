package report

// The detailed report for clinicians and rule authors (WriteDetailedText)
// and the JSON of a Result for programs (WriteJSON). Writers only format;
// they never decide what is advised.

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// WriteJSON writes r as compact JSON followed by a newline, in the wire
// form named by [Format]: the Result's fields under the names of its json
// tags, with "format" first; each citation as its source id, locator,
// claim and position; and each cited source's title, publisher, kind and
// URL once, in "sources", in the order the sources are first cited. The
// trace is left out ([JSONOptions] asks for it). The same
// recommend.Result always gives the same bytes. A nil r is an error, and
// so is a Result that cites one source id with two different
// descriptions, which the wire form cannot tell apart. It is
// WriteJSONWith with the zero JSONOptions.
func WriteJSON(w io.Writer, r *recommend.Result) error {
	return WriteJSONWith(w, r, JSONOptions{})
}

// JSONOptions says how WriteJSONWith writes a Result. The zero value
// gives WriteJSON's compact form without the trace.
type JSONOptions struct {
	// Indent, when not "", indents the JSON by it (such as "  ") for
	// people; "" gives compact bytes.
	Indent string
	// Trace adds "trace", after "needs_equipment": every rule, in
	// rule-set order, and whether it matched (see
	// [recommend.Result.Trace]). It is left out otherwise, since it lists
	// every rule of the rule set and few readers need it.
	Trace bool
}

// WriteJSONWith writes r as WriteJSON does, indented and with the trace
// as o asks.
func WriteJSONWith(w io.Writer, r *recommend.Result, o JSONOptions) error {
	if w == nil {
		return errNilWriter
	}
	if r == nil {
		return errNilResult
	}
	if o.Indent == "" {
		bp := wireBufs.Get().(*[]byte)
		b, err := appendWire((*bp)[:0], r, o.Trace)
		if err == nil {
			_, err = w.Write(b)
		}
		if cap(b) <= maxPooledWire {
			*bp = b
			wireBufs.Put(bp)
		}
		return err
	}
	v, err := wire(r, o.Trace)
	if err != nil {
		return err
	}
	return encodeWire(w, v, o.Indent)
}

// WriteDetailedText writes r as the complete plain-text report, for
// clinicians and rule authors: referrals first, then those the referral
// story folded into them, each saying into which and why, then the key
// messages, the programme when there are check-ins (the pain at each
// check-in and the adherence, and each step with its change, level, dose,
// reason, the rule or what in the advice decided it, and the check-in
// facts behind it), the plan, every recommended movement with all its
// reasons and cautions (and, where the programme moved or stopped it,
// its dose this week),
// what to avoid, where the sources disagree and what needs equipment. Every
// item names the rules behind it and points at numbered citations, listed
// at the end with the claim each supports, followed by the disclaimer and
// the rule set's version and digest. WriteText writes the short report for
// people. A nil r is an error.
func WriteDetailedText(w io.Writer, r *recommend.Result) error {
	if w == nil {
		return errNilWriter
	}
	if r == nil {
		return errNilResult
	}
	t := &textWriter{b: bufio.NewWriter(w)}
	t.write(r)
	return t.b.Flush()
}

type textWriter struct {
	b     *bufio.Writer
	notes []recommend.Citation // numbered sources, in order of first mention
}

func (t *textWriter) p(format string, args ...any) { fmt.Fprintf(t.b, format, args...) }

// refs numbers cites and returns their references, such as "[1] [2]".
func (t *textWriter) refs(cites []recommend.Citation) string {
	parts := make([]string, 0, len(cites))
	for _, c := range cites {
		i := slices.Index(t.notes, c)
		if i < 0 {
			t.notes = append(t.notes, c)
			i = len(t.notes) - 1
		}
		parts = append(parts, fmt.Sprintf("[%d]", i+1))
	}
	return strings.Join(parts, " ")
}

func (t *textWriter) write(r *recommend.Result) {
	if len(r.Referrals) > 0 {
		t.p("SEE A CLINICIAN\n")
		for _, ref := range r.Referrals {
			t.p("  [%s] %s\n", strings.ToUpper(string(ref.Urgency)), ref.Message)
			t.p("      Sources: %s  (rules: %s)\n", t.refs(ref.Citations), strings.Join(ref.Rules, ", "))
		}
		t.p("\n")
	}
	if len(r.FoldedReferrals) > 0 {
		t.p("FOLDED INTO THE REFERRALS ABOVE (left out of the short report)\n")
		for _, ref := range r.FoldedReferrals {
			t.p("  [%s] %s\n", strings.ToUpper(string(ref.Urgency)), ref.Message)
			t.p("      Folded into the referral of %s: %s.\n", strings.Join(ref.Into, ", "), ref.Why())
			t.p("      Sources: %s  (rules: %s)\n", t.refs(ref.Citations), strings.Join(ref.Rules, ", "))
		}
		t.p("\n")
	}
	if r.Withheld {
		t.p("MOVEMENT ADVICE WITHHELD\n  %s\n\n", r.WithheldReason)
	}
	if len(r.Messages) > 0 {
		t.p("KEY MESSAGES\n")
		for _, m := range r.Messages {
			t.p("  [%s] %s\n", strings.ToUpper(kindLabel(string(m.Kind))), m.Text)
			t.p("      Sources: %s  (rules: %s)\n", t.refs(m.Citations), strings.Join(m.Rules, ", "))
		}
		t.p("\n")
	}
	t.programme(r.Programme)
	if len(r.Plan) > 0 {
		t.p("START WITH\n")
		for i, s := range r.Plan {
			t.p("  %d. %s (priority %d, rule: %s)\n", i+1, s.Name, s.Priority, s.Reason.Rule())
		}
		t.p("\n")
	}
	switch {
	case len(r.Recommended) > 0:
		t.p("RECOMMENDED\n")
		for i, it := range r.Recommended {
			t.p("  %d. %s (%s)\n", i+1, it.Name(), kindLabel(it.Kind()))
			t.p("     How:  %s\n", it.How())
			t.p("     Dose: %s\n", it.Dose())
			if r.Programme != nil {
				switch st := programmeStep(r.Programme, it); {
				case st == nil:
				case st.Change == recommend.ChangeStop:
					t.p("     This week: stopped for now (see the programme above).\n")
				default:
					t.p("     This week: Level %d (%s): %s\n", st.Level, ChangeWords(st.Change), st.Dose)
				}
			}
			for _, n := range it.Reasons {
				t.p("     Why:  %s\n", n.Text())
			}
			for _, n := range it.Cautions {
				t.p("     Caution: %s\n", n.Text())
			}
			t.p("     Sources: %s  (rules: %s)\n", t.refs(it.Citations), strings.Join(it.Rules(), ", "))
		}
		t.p("\n")
	case !r.Withheld:
		t.p("RECOMMENDED\n  No movement matched this profile.\n\n")
	}
	if len(r.Avoided) > 0 {
		t.p("AVOID\n")
		for _, it := range r.Avoided {
			t.p("  - %s (%s)\n", it.Name(), kindLabel(it.Kind()))
			for _, n := range it.Reasons {
				t.p("      Why: %s\n", n.Text())
			}
			t.p("      Sources: %s  (rules: %s)\n", t.refs(it.Citations), strings.Join(it.Rules(), ", "))
		}
		t.p("\n")
	}
	if len(r.Conflicts) > 0 {
		t.p("WHERE THE SOURCES DISAGREE\n")
		o := New(r)
		for _, c := range r.Conflicts {
			against, care := c.Opposing()
			outcome := "kept, with the caution attached"
			if c.Resolution == recommend.ResolutionAvoided {
				outcome = "avoided, because an avoid rule always wins"
				// No source on the line advises against it: the avoid
				// rules that leave it out are not on the line, so say
				// which they are and their reason, as the other forms
				// do, never leaving the avoid to seem the care's.
				if reason := o.AvoidReason(c.Movement); len(against) == 0 && reason != "" {
					it, _ := findItem(r.Avoided, c.Movement)
					outcome = "left out by " + strings.Join(it.Rules(), ", ") +
						", not by a source on this line: " + strings.TrimSuffix(reason, ".")
				}
			}
			t.p("  - %s: suggested by %s (%s), cited by %s", c.Name,
				t.refs(c.For.Citations), kindsOf(c.For.Citations), strings.Join(c.For.Rules, ", "))
			if len(c.Conditional) > 0 {
				t.p(", with conditions %s", t.refs(c.Conditional))
			}
			if len(against) > 0 {
				t.p("; advised against by %s (%s)", t.refs(against), kindsOf(against))
			}
			if len(care) > 0 {
				t.p("; care urged by %s (%s)", t.refs(care), kindsOf(care))
			}
			if len(c.AvoidRules) > 0 {
				t.p(", cited by %s, which avoid", strings.Join(c.AvoidRules, ", "))
				if len(c.AvoidRules) == 1 {
					t.p("s")
				}
				t.p(" it")
			}
			if len(c.CautionRules) > 0 {
				if len(c.AvoidRules) > 0 {
					t.p(" and")
				} else {
					t.p(", cited by")
				}
				t.p(" %s, which caution", strings.Join(c.CautionRules, ", "))
				if len(c.CautionRules) == 1 {
					t.p("s")
				}
				t.p(" against it")
			}
			t.p(".\n      Resolved: %s.\n", outcome)
		}
		t.p("\n")
	}
	if len(r.NeedsEquipment) > 0 {
		t.p("WOULD BE RECOMMENDED WITH EQUIPMENT\n")
		for _, n := range r.NeedsEquipment {
			t.p("  - %s: needs %s\n", n.Name, strings.Join(n.Missing, ", "))
		}
		t.p("\n")
	}
	t.sourceList()
	t.p("%s\n", r.Disclaimer)
	if line := ruleSetLine(r.RuleSet); line != "" {
		t.p("\n%s\n", line)
	}
}

// programme writes the programme, when there is one: the week, the pain
// at each check-in and the adherence, then each step with its change and
// level, its dose (unless it stopped), its level's own how, its reason,
// the rule or what in the advice decided it, the check-in facts behind it
// and its sources.
func (t *textWriter) programme(pg *recommend.Programme) {
	if pg == nil {
		return
	}
	t.p("PROGRAMME THIS WEEK\n")
	pains := make([]string, len(pg.Trend))
	for i, p := range pg.Trend {
		pains[i] = fmt.Sprintf("day %d: %d", p.Day, p.PainLevel)
	}
	t.p("  Week %d. Pain %s at each check-in: %s. %s.\n", pg.Week, Sparkline(pg.Trend), strings.Join(pains, "; "), words.Capital(AdherenceWords(pg)))
	for _, st := range pg.Steps {
		by := ""
		switch {
		case st.Decided != "" && st.Rule != "":
			by = fmt.Sprintf(" (decided by the advice: %s; rule: %s)", DecidedWords(st.Decided), st.Rule)
		case st.Decided != "":
			by = fmt.Sprintf(" (decided by the advice: %s)", DecidedWords(st.Decided))
		case st.Rule != "":
			by = fmt.Sprintf(" (rule: %s)", st.Rule)
		}
		t.p("  - %s: %s, at level %d%s\n", st.Name, ChangeWords(st.Change), st.Level, by)
		if st.Change != recommend.ChangeStop {
			if st.How != "" {
				t.p("      How: %s\n", st.How)
			}
			t.p("      Dose: %s\n", st.Dose)
		}
		t.p("      Why: %s\n", st.Because)
		if len(st.Facts) > 0 {
			t.p("      Facts: %s\n", strings.Join(st.Facts, "; "))
		}
		if len(st.Citations) > 0 {
			t.p("      Sources: %s\n", t.refs(st.Citations))
		}
	}
	t.p("\n")
}

// positionNote is " (" + p.Label() + ")", or "" when p is "".
func positionNote(p recommend.Position) string {
	if l := p.Label(); l != "" {
		return " (" + l + ")"
	}
	return ""
}

// sourceList writes the numbered sources, each with the claim it supports,
// if any were referred to.
func (t *textWriter) sourceList() {
	if len(t.notes) == 0 {
		return
	}
	t.p("SOURCES\n")
	for i, c := range t.notes {
		t.p("  [%d] %s (%s), %q: %s%s\n", i+1, c.Title(), KindNoun(c.Kind()), c.Locator(), c.Claim(), positionNote(c.Position()))
		if c.URL() != "" {
			t.p("      %s\n", c.URL())
		}
	}
	t.p("\n")
}
