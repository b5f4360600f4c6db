package web

import (
	"context"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// resultView is a Result laid out as the short text report lays it out,
// with an explanation for each movement and referral.
type resultView struct {
	Referrals []referralView
	// Emergency is true when a referral is an emergency.
	Emergency bool
	Withheld  bool
	// Incomplete is true when only the referrals could be worked out
	// (the Result came with a *recommend.PartialError): the page says
	// that the rest of the advice could not be, and explains nothing,
	// since an explanation needs every rule.
	Incomplete bool
	// ReferralWhy explains the referrals, when there are any.
	ReferralWhy *whyView
	Messages    []messageView
	// PlanTitle is "Start with" over a plan, or "Recommended" over every
	// recommended movement when the rules give no plan.
	PlanTitle string
	Plan      []itemView
	// NoMatch is true when nothing is recommended and advice is not
	// withheld.
	NoMatch   bool
	Also      []itemView
	Avoid     []itemView
	Conflicts []conflictView
	// Sources are the sources cited on the page, numbered in the order
	// they are first cited.
	Sources []source
	RuleSet string
	// Disclaimer is the Result's disclaimer.
	Disclaimer string
}

type referralView struct {
	Urgency   string
	Emergency bool
	Message   string
	Citations []cite
}

type messageView struct {
	SafetyNet bool
	Text      string
	Citations []cite
}

// itemView is one entry of the plan, of the also helpful list or of the
// avoid list: one movement, or several that share a line.
type itemView struct {
	Names string
	// Movements are the ids of the movements.
	Movements []string
	How, Dose string
	// Why is the reason shown, and Cautions the cautions.
	Why       string
	Cautions  []string
	Citations []cite
	// Explanations explain each movement of the entry.
	Explanations []whyView
}

// MovementIDs returns the ids of the entry's movements, separated by
// spaces, for the data-movements attribute that tests select by.
func (iv itemView) MovementIDs() string { return strings.Join(iv.Movements, " ") }

type conflictView struct {
	Names string
	// ForLabel says what the side for does: "Suggest it".
	ForLabel string
	For      []cite
	// Conditional are the passages where a source for it sets
	// conditions on its support ("do it, but gently").
	Conditional []cite
	// AgainstLabel is "Advise against it" over Against, the sources that
	// advise against the movement; CareLabel is "Urge care" over Care,
	// the sources that only advise care with it. Either may be empty.
	AgainstLabel string
	Against      []cite
	CareLabel    string
	Care         []cite
	// Outcome says how the conflict was settled.
	Outcome string
}

// whyView is an explanation: a summary and the rules behind it.
type whyView struct {
	Name    string
	Summary string
	Rules   []ruleWhy
}

type ruleWhy struct {
	Rule    string
	Matched bool
	// Does says what the rule does to the movement, "Avoids it by name",
	// or, for a referral rule, its urgency.
	Does    string
	Summary string
}

func newResultView(ctx context.Context, eng *recommend.Engine, p recommend.Profile, res *recommend.Result) (*resultView, error) {
	rv := &resultView{Withheld: res.Withheld || res.Incomplete, Incomplete: res.Incomplete, Disclaimer: res.Disclaimer, RuleSet: ruleSetLine(res.RuleSet)}
	b := &builder{rv: rv, ex: explainer{ctx: ctx, eng: eng, p: p, none: res.Incomplete}}
	if err := b.referrals(res); err != nil {
		return nil, err
	}
	for _, m := range res.Messages {
		rv.Messages = append(rv.Messages, messageView{SafetyNet: m.Kind == recommend.MessageKindSafetyNet, Text: m.Text, Citations: b.src.cites(m.Citations)})
	}
	for _, step := range []func(*recommend.Result) error{b.start, b.alsoHelpful, b.avoid} {
		if err := step(res); err != nil {
			return nil, err
		}
	}
	b.conflicts(res)
	rv.Sources = b.src.list
	return rv, nil
}

// builder builds a resultView, numbering sources in the order the page
// shows them.
type builder struct {
	rv  *resultView
	ex  explainer
	src sources
}

// explainer explains movements for one profile.
type explainer struct {
	ctx context.Context
	eng *recommend.Engine
	p   recommend.Profile
	// none is true when nothing is to be explained: the Result is
	// incomplete.
	none bool
}

func (b *builder) referrals(res *recommend.Result) error {
	rv := b.rv
	for _, ref := range res.Referrals {
		rv.Referrals = append(rv.Referrals, referralView{
			Urgency: capital(string(ref.Urgency)), Emergency: ref.Urgency == recommend.UrgencyEmergency,
			Message: ref.Message, Citations: b.src.cites(ref.Citations),
		})
		if ref.Urgency == recommend.UrgencyEmergency {
			rv.Emergency = true
		}
	}
	if len(res.Referrals) == 0 || b.ex.none {
		return nil
	}
	x, err := b.ex.eng.ExplainReferrals(b.ex.ctx, b.ex.p)
	if err != nil {
		return err
	}
	why := &whyView{Summary: x.Summary}
	for _, re := range x.Rules {
		if re.Matched && re.Referral != nil {
			does := "Refers you: " + string(re.Referral.Urgency)
			if re.Folded != nil {
				// The referral story left it out of the list above.
				does = "Folded into the referral of " + strings.Join(re.Folded.Into, ", ") + ": " + re.Folded.Summary
			}
			why.Rules = append(why.Rules, ruleWhy{Rule: re.Rule, Matched: true, Does: does, Summary: capital(re.Summary)})
		}
	}
	rv.ReferralWhy = why
	return nil
}

// explain explains each of items.
func (ex *explainer) explain(items []recommend.Item) ([]whyView, error) {
	if ex.none {
		return nil, nil
	}
	out := make([]whyView, 0, len(items))
	for _, it := range items {
		x, err := ex.eng.Explain(ex.ctx, ex.p, it.Movement)
		if err != nil {
			return nil, err
		}
		w := whyView{Name: x.Name, Summary: x.Summary}
		for _, re := range x.Rules {
			var does []string
			for _, eff := range re.Effects {
				does = append(does, effectVerb(eff.Kind)+" it "+selectedBy(eff.SelectedBy))
			}
			w.Rules = append(w.Rules, ruleWhy{Rule: re.Rule, Matched: re.Matched, Does: strings.Join(does, "; "), Summary: capital(re.Summary)})
		}
		out = append(out, w)
	}
	return out, nil
}

// selectedBy says how an effect names a movement: "by name", "by its tag
// lumbar_flexion".
func selectedBy(by []string) string {
	parts := make([]string, len(by))
	for i, b := range by {
		if b == "movement" {
			parts[i] = "by name"
		} else {
			parts[i] = "by its " + b
		}
	}
	return words.List(parts)
}

// effectVerb says what an effect does: "Avoids".
func effectVerb(k recommend.EffectKind) string {
	switch k {
	case recommend.EffectKindRecommend:
		return "Recommends"
	case recommend.EffectKindAvoid:
		return "Avoids"
	case recommend.EffectKindCaution:
		return "Cautions against"
	}
	return capital(string(k))
}

// full is a recommended movement shown with how, dose, a reason and its
// cautions.
func (b *builder) full(it recommend.Item, reason string, cites []recommend.Citation) (itemView, error) {
	why, err := b.ex.explain([]recommend.Item{it})
	if err != nil {
		return itemView{}, err
	}
	return itemView{
		Names: it.Name, Movements: []string{it.Movement}, How: it.How, Dose: it.Dose,
		Why: reason, Cautions: distinctNotes(it.Cautions), Citations: b.src.cites(cites), Explanations: why,
	}, nil
}

// start lists the plan, or every recommended movement when there is no
// plan, as the text report does.
func (b *builder) start(res *recommend.Result) error {
	rv := b.rv
	if len(res.Plan) == 0 {
		rv.PlanTitle = "Recommended"
		for _, it := range res.Recommended {
			reason := ""
			if len(it.Reasons) > 0 {
				reason = it.Reasons[0].Text
			}
			iv, err := b.full(it, reason, it.Citations)
			if err != nil {
				return err
			}
			rv.Plan = append(rv.Plan, iv)
		}
		rv.NoMatch = len(rv.Plan) == 0 && !res.Withheld
		return nil
	}
	rv.PlanTitle = "Start with"
	for _, step := range res.Plan {
		it, ok := findItem(res.Recommended, step.Movement)
		if !ok {
			// A plan names recommended movements only; an edited
			// Result may not, and then the step is shown by name.
			rv.Plan = append(rv.Plan, itemView{Names: step.Name, Movements: []string{step.Movement}})
			continue
		}
		cites := step.Citations
		if len(cites) == 0 {
			cites = it.Citations
		}
		iv, err := b.full(it, step.Reason.Text, cites)
		if err != nil {
			return err
		}
		rv.Plan = append(rv.Plan, iv)
	}
	return nil
}

// alsoHelpful lists the recommended movements outside the plan. Movements
// with the same dose and cautions share an entry, as in the text report.
func (b *builder) alsoHelpful(res *recommend.Result) error {
	if len(res.Plan) == 0 {
		return nil
	}
	type line struct {
		key   string
		items []recommend.Item
	}
	var lines []*line
	for _, it := range res.Recommended {
		if slices.ContainsFunc(res.Plan, func(p recommend.PlanStep) bool { return p.Movement == it.Movement }) {
			continue
		}
		key := it.Dose + "\x00" + strings.Join(distinctNotes(it.Cautions), "\x00")
		if i := slices.IndexFunc(lines, func(l *line) bool { return l.key == key }); i >= 0 {
			lines[i].items = append(lines[i].items, it)
			continue
		}
		lines = append(lines, &line{key: key, items: []recommend.Item{it}})
	}
	for _, l := range lines {
		iv, err := b.group(l.items)
		if err != nil {
			return err
		}
		iv.Dose = l.items[0].Dose
		iv.Cautions = distinctNotes(l.items[0].Cautions)
		b.rv.Also = append(b.rv.Also, iv)
	}
	return nil
}

// avoid groups the avoided movements by the reason shown for each, the
// first in rule order, as the text report does.
func (b *builder) avoid(res *recommend.Result) error {
	type line struct {
		reason string
		items  []recommend.Item
	}
	var lines []*line
	for _, it := range res.Avoided {
		reason := ""
		if len(it.Reasons) > 0 {
			reason = it.Reasons[0].Text
		}
		if i := slices.IndexFunc(lines, func(l *line) bool { return l.reason == reason }); i >= 0 {
			lines[i].items = append(lines[i].items, it)
			continue
		}
		lines = append(lines, &line{reason: reason, items: []recommend.Item{it}})
	}
	for _, l := range lines {
		iv, err := b.group(l.items)
		if err != nil {
			return err
		}
		iv.Why = l.reason
		b.rv.Avoid = append(b.rv.Avoid, iv)
	}
	return nil
}

// group is one entry for several movements: their names, their citations
// without repeats, and an explanation of each.
func (b *builder) group(items []recommend.Item) (itemView, error) {
	var iv itemView
	names := make([]string, len(items))
	var cites []recommend.Citation
	for i, it := range items {
		names[i] = it.Name
		iv.Movements = append(iv.Movements, it.Movement)
		cites = appendCitations(cites, it.Citations)
	}
	iv.Names = words.List(names)
	iv.Citations = b.src.cites(cites)
	why, err := b.ex.explain(items)
	if err != nil {
		return itemView{}, err
	}
	iv.Explanations = why
	return iv, nil
}

// conflicts lists where the sources disagree, as the text report does.
// Conflicts with the same citations on each side and the same resolution
// share an entry.
func (b *builder) conflicts(res *recommend.Result) {
	type entry struct {
		names                    []string
		pro, cond, against, care []recommend.Citation
		res                      recommend.Resolution
	}
	var entries []*entry
	for _, c := range res.Conflicts {
		against, care := c.Opposing()
		i := slices.IndexFunc(entries, func(e *entry) bool {
			return e.res == c.Resolution && sameCitations(e.pro, c.For.Citations) && sameCitations(e.cond, c.Conditional) &&
				sameCitations(e.against, against) && sameCitations(e.care, care)
		})
		if i >= 0 {
			entries[i].names = append(entries[i].names, c.Name)
			continue
		}
		entries = append(entries, &entry{names: []string{c.Name}, pro: c.For.Citations, cond: c.Conditional,
			against: against, care: care, res: c.Resolution})
	}
	for _, e := range entries {
		it := "it"
		if len(e.names) > 1 {
			it = "them"
		}
		v := conflictView{Names: words.List(e.names), ForLabel: "Suggest " + it, For: b.src.cites(e.pro),
			Conditional: b.src.cites(e.cond), Against: b.src.cites(e.against), Care: b.src.cites(e.care), Outcome: "Kept, with care."}
		if len(e.against) > 0 {
			v.AgainstLabel = "Advise against " + it
		}
		if len(e.care) > 0 {
			v.CareLabel = "Urge care"
		}
		if e.res == recommend.ResolutionAvoided {
			v.Outcome = "Left out, because advice against a movement always wins."
		}
		b.rv.Conflicts = append(b.rv.Conflicts, v)
	}
}

// appendCitations appends to dst the citations of src it does not hold.
func appendCitations(dst, src []recommend.Citation) []recommend.Citation {
	for _, c := range src {
		if !slices.ContainsFunc(dst, func(d recommend.Citation) bool { return d.Equal(c) }) {
			dst = append(dst, c)
		}
	}
	return dst
}

// sameCitations reports whether a and b hold the same citations in the
// same order.
func sameCitations(a, b []recommend.Citation) bool {
	return slices.EqualFunc(a, b, recommend.Citation.Equal)
}

func findItem(items []recommend.Item, movement string) (recommend.Item, bool) {
	for _, it := range items {
		if it.Movement == movement {
			return it, true
		}
	}
	return recommend.Item{}, false
}

// distinctNotes returns the distinct texts of notes, in order.
func distinctNotes(notes []recommend.Note) []string {
	var out []string
	for _, n := range notes {
		if !slices.Contains(out, n.Text) {
			out = append(out, n.Text)
		}
	}
	return out
}

// ruleSetLine names the rule set, as the text report does, or returns ""
// when the result does not say.
func ruleSetLine(rs recommend.RuleSet) string {
	if s := rs.String(); s != "" {
		return "Rule set: " + s
	}
	return ""
}
