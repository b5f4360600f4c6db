package web

import (
	"context"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// resultView is a Result's outline (report.Outline), the short report's
// shape, as the page shows it, with an explanation for each movement and
// referral.
type resultView struct {
	// Referrals are the referrals shown in full, above everything else,
	// most urgent first: every one when advice is withheld, and otherwise
	// the most urgent one and any emergency.
	Referrals []referralView
	// MoreReferrals are the other referrals, when advice is not withheld:
	// shown in full behind one toggle whose summary says how many there
	// are and how urgent (MoreReferralsSummary), so that on a phone the
	// plan still starts near the top. Printed, they are shown in full.
	MoreReferrals []referralView
	// Emergency is true when a referral is an emergency.
	Emergency bool
	Withheld  bool
	// Incomplete is true when only the referrals could be worked out
	// (the Result came with a *recommend.PartialError): the page says
	// that the rest of the advice could not be, and explains nothing,
	// since an explanation needs every rule. Unreadable is true when that
	// is because the answers have problems (report.Outline.Unreadable):
	// the page says the rest waits for them to be corrected.
	Incomplete, Unreadable bool
	// WaitForClinician is true when the advice waits for a clinician's
	// check (report.Outline.WaitForClinician), not only for the answers
	// to be corrected: the page says so.
	WaitForClinician bool
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
	// Programme is the programme of the check-ins, or nil: "This week".
	Programme *programmeView
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
	// Withhold is true when the referral withholds movement advice.
	Withhold bool
	Message  string
	// Short names the referral for its "Sources" toggle: the start of
	// Message, as long as it takes to tell it from the other referrals.
	Short     string
	Citations []cite
}

// MoreReferralsSummary is the one line that stands for MoreReferrals
// until it is opened: "2 more reasons to see a clinician (urgent or
// routine)".
func (rv *resultView) MoreReferralsSummary() string {
	n := len(rv.MoreReferrals)
	if n == 0 {
		return ""
	}
	var urgencies []string
	for _, r := range rv.MoreReferrals {
		u := strings.ToLower(r.Urgency)
		if !slices.Contains(urgencies, u) {
			urgencies = append(urgencies, u)
		}
	}
	return words.Count(n, "more reason") + " to see a clinician (" + strings.Join(urgencies, " or ") + ")"
}

type messageView struct {
	SafetyNet bool
	// Kept is true for a message other than a safety net that the
	// handout prints too: when advice is withheld, the messages the
	// Result keeps beside the safety nets (staying active, beside a
	// referral that says keep_active) are all the advice there is, and
	// the handout would otherwise say only not to exercise.
	Kept bool
	Text string
	// Short names the message for its "Sources" toggle: the start of
	// Text, as long as it takes to tell it from the other messages.
	Short     string
	Citations []cite
}

// itemView is one entry of the plan, of the also helpful list or of the
// avoid list: one movement, or several that share a line.
type itemView struct {
	Names string
	// Movements are the ids of the movements.
	Movements []string
	How, Dose string
	// Stopped, in the also helpful list, is true when the programme
	// stopped the movements this week (Dose says so): the handout, which
	// prints that list by name, prints Dose for it.
	Stopped bool
	// ThisWeek says where the programme has the movement this week, for
	// a plan step whose dose the programme has moved (report.Step.Week),
	// or is "". When it is set, Dose is "": this week's dose stands in
	// for the starting dose.
	ThisWeek string
	// Why is the reason shown, and Cautions the cautions.
	Why       string
	Cautions  []string
	Citations []cite
	// Explanations explain each movement of the entry.
	Explanations []whyView
	// Pictures are the drawings of the movements, for plan steps and
	// the also-helpful list, but not for movements the programme
	// stopped this week.
	Pictures []picture
}

// picture is a movement's drawing on the page: the URL of its SVG,
// relative to the page, and its alt text.
type picture struct{ Src, Alt string }

// pictures returns the drawings of the movements ids, skipping any the
// rule set has no pose for.
func pictures(eng *recommend.Engine, ids []string) []picture {
	var out []picture
	for _, id := range ids {
		if alt := eng.MovementAlt(id); alt != "" {
			out = append(out, picture{Src: PicturePath(id), Alt: alt})
		}
	}
	return out
}

// PicturePath is the path, relative to the page, of the movement id's
// picture, served by [Handler.ServePicture]: movements/{id}.svg.
func PicturePath(id string) string { return "movements/" + id + ".svg" }

// checkInMovements returns the movements a check-in asks about: the
// programme's, then the plan's.
func (rv *resultView) checkInMovements() []string {
	var ids []string
	if rv.Programme != nil {
		for _, st := range rv.Programme.Steps {
			ids = append(ids, st.Movement)
		}
	}
	for _, it := range rv.Plan {
		for _, id := range it.Movements {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
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
// whyView is one "Why?": a movement's explanation, or the referrals'.
type whyView struct {
	Name    string
	Summary string
	// Rules are the rules that matched, which made the outcome; Others
	// are those that name the movement but did not apply to the person,
	// shown apart so that what decided comes first.
	Rules, Others []ruleWhy
}

type ruleWhy struct {
	Rule    string
	Matched bool
	// Does says, in plain words, what the rule does to the movement,
	// "Avoids it" (not how it names it, by a tag or kind, which is for
	// the clinician's note), or, for a referral rule, its urgency.
	Does    string
	Summary string
}

// newResultView lays out res for the page: the short report's outline
// (report.New), with an explanation of each movement and of the referrals.
// x, when not nil, is the Explainer res came from (res == x.Result()), and
// answers every "Why?" without evaluating the rules again; when nil, one
// is made on first use.
func newResultView(ctx context.Context, eng *recommend.Engine, p recommend.Profile, res *recommend.Result, x *recommend.Explainer) (*resultView, error) {
	o := report.New(res)
	rv := &resultView{Withheld: res.Withheld || res.Incomplete, Incomplete: res.Incomplete, Unreadable: o.Unreadable, WaitForClinician: o.WaitForClinician, Disclaimer: o.Disclaimer, RuleSet: o.RuleSet}
	b := &builder{rv: rv, o: o, ex: explainer{ctx: ctx, eng: eng, p: p, none: res.Incomplete, x: x}, src: sources{o: o}}
	if err := b.referrals(); err != nil {
		return nil, err
	}
	texts := make([]string, len(o.Messages))
	for i, m := range o.Messages {
		texts[i] = m.Text
	}
	shorts := shortNames(texts)
	for i, m := range o.Messages {
		safety := m.Kind == recommend.MessageKindSafetyNet
		rv.Messages = append(rv.Messages, messageView{SafetyNet: safety, Kept: rv.Withheld && !safety, Text: m.Text, Short: shorts[i], Citations: b.src.cites(m.Citations)})
	}
	if !rv.Withheld {
		// Advice withheld has no programme (the engine gives none), and
		// the page shows none.
		b.programme()
	}
	for _, step := range []func() error{b.start, b.alsoHelpful, b.avoid} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	b.conflicts()
	rv.Sources = b.src.list()
	return rv, nil
}

// builder builds a resultView from an outline, with the sources numbered
// as the outline numbers them.
type builder struct {
	rv  *resultView
	o   *report.Outline
	ex  explainer
	src sources
}

// explainer explains movements for one profile, from one evaluation: its
// recommend.Explainer is made on first use and answers every "Why?" of
// the page.
type explainer struct {
	ctx context.Context
	eng *recommend.Engine
	p   recommend.Profile
	// none is true when nothing is to be explained: the Result is
	// incomplete.
	none bool
	x    *recommend.Explainer
}

// explainer returns the Explainer of the profile, made on first use.
func (ex *explainer) explainer() (*recommend.Explainer, error) {
	if ex.x == nil {
		x, err := ex.eng.NewExplainer(ex.ctx, ex.p)
		if err != nil {
			return nil, err
		}
		ex.x = x
	}
	return ex.x, nil
}

// referrals lays out the referrals, most urgent first as the outline
// has them. When advice is withheld, each is shown in full: they are all
// the page has to say. Otherwise the most urgent one is, with any
// emergency or referral that withholds advice, and the others go behind
// one toggle (MoreReferrals), each in full inside it: a page with three
// routine referrals would otherwise push the plan two screens down on a
// phone.
func (b *builder) referrals() error {
	rv := b.rv
	texts := make([]string, len(b.o.Referrals))
	for i, ref := range b.o.Referrals {
		texts[i] = ref.Message
	}
	shorts := shortNames(texts)
	for i, ref := range b.o.Referrals {
		v := referralView{
			Urgency: words.Capital(string(ref.Urgency)), Emergency: ref.Urgency == recommend.UrgencyEmergency,
			Withhold: ref.Withhold, Message: ref.Message, Short: shorts[i], Citations: b.src.cites(ref.Citations),
		}
		if v.Emergency {
			rv.Emergency = true
		}
		if i == 0 || rv.Withheld || v.Emergency || v.Withhold {
			rv.Referrals = append(rv.Referrals, v)
		} else {
			rv.MoreReferrals = append(rv.MoreReferrals, v)
		}
	}
	if len(b.o.Referrals) == 0 || b.ex.none {
		return nil
	}
	ex, err := b.ex.explainer()
	if err != nil {
		return err
	}
	x, err := ex.Referrals(b.ex.ctx)
	if err != nil {
		return err
	}
	why := &whyView{Summary: x.Summary}
	for _, re := range x.Rules {
		if ref := re.Referral(); re.Matched() && ref != nil {
			does := "Refers you: " + string(ref.Urgency)
			if f := re.Folded(); f != nil {
				// The referral story left it out of the list above.
				does = "Folded into the referral of " + strings.Join(f.Into, ", ") + ": " + f.Summary
			}
			why.Rules = append(why.Rules, ruleWhy{Rule: re.Rule(), Matched: true, Does: does, Summary: words.Capital(re.Summary())})
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
	xr, err := ex.explainer()
	if err != nil {
		return nil, err
	}
	out := make([]whyView, 0, len(items))
	for _, it := range items {
		x, err := xr.Explain(ex.ctx, it.Movement)
		if err != nil {
			return nil, err
		}
		// The outcome in plain words, the rules that decided it below:
		// x.Summary names them by id, which is for the clinician's note.
		w := whyView{Name: x.Name, Summary: words.Capital(report.OutcomeWords(x)) + "."}
		for _, re := range x.Rules {
			var does []string
			for _, eff := range re.Effects() {
				if v := report.EffectVerb(eff.Kind); !slices.Contains(does, v) {
					does = append(does, v)
				}
			}
			rw := ruleWhy{Rule: re.Rule(), Matched: re.Matched(), Does: strings.Join(does, "; "), Summary: words.Capital(re.Summary())}
			if rw.Matched {
				w.Rules = append(w.Rules, rw)
			} else {
				w.Others = append(w.Others, rw)
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// full is a movement shown with how, dose, a reason and its cautions.
func (b *builder) full(st report.Step) (itemView, error) {
	if !st.Found {
		// A plan names recommended movements only; an edited Result may
		// not, and then the step is shown by name.
		return itemView{Names: st.Name, Movements: []string{st.Item.Movement}}, nil
	}
	why, err := b.ex.explain([]recommend.Item{st.Item})
	if err != nil {
		return itemView{}, err
	}
	iv := itemView{
		Names: st.Item.Name(), Movements: []string{st.Item.Movement}, How: st.Item.How(), Dose: st.Item.Dose(),
		Why: st.Reason, Cautions: st.Cautions, Citations: b.src.cites(st.Citations), Explanations: why,
		Pictures: pictures(b.ex.eng, []string{st.Item.Movement}), ThisWeek: b.rv.Programme.thisWeek(st),
	}
	if iv.ThisWeek != "" {
		// The programme's dose this week stands in for the starting dose,
		// as in the text report: the page and the handout never show a
		// dose the programme has moved past, or one for a stopped
		// movement.
		iv.Dose = ""
	}
	if st.Stopped() {
		// Without its picture, how or cautions, which beside "Stopped
		// for now" would still show how to do it, nor the plan's reason
		// for it, which would still urge it ("Start here, before
		// stretching."): This week says why it stopped. Its sources and
		// its "Why?" stay behind their toggles (the text report gives
		// only its name).
		iv.How, iv.Pictures, iv.Cautions, iv.Why = "", nil, nil, ""
	}
	if st.Week != nil && st.Week.How != "" && !st.Stopped() {
		// The level the programme has it at gives its own how.
		iv.How = st.Week.How
	}
	return iv, nil
}

// start lists the plan, or every recommended movement when there is no
// plan.
func (b *builder) start() error {
	rv := b.rv
	rv.PlanTitle = "Recommended"
	if b.o.Planned {
		rv.PlanTitle = "Start with"
	}
	for _, st := range b.o.Plan {
		iv, err := b.full(st)
		if err != nil {
			return err
		}
		rv.Plan = append(rv.Plan, iv)
	}
	rv.NoMatch = b.o.NoMatch
	return nil
}

// alsoHelpful lists the recommended movements outside the plan, one entry
// for each of the outline's groups: movements with the same dose and
// cautions, or the movements the programme stopped.
func (b *builder) alsoHelpful() error {
	for _, g := range b.o.Also {
		iv, err := b.group(g)
		if err != nil {
			return err
		}
		iv.Dose, iv.Stopped = g.Dose, g.Stopped
		if !g.Stopped {
			// A stopped line's cautions and pictures wait until the
			// movements start again, as in the text report.
			iv.Cautions = g.Cautions
			iv.Pictures = pictures(b.ex.eng, iv.Movements)
		}
		b.rv.Also = append(b.rv.Also, iv)
	}
	return nil
}

// avoid lists the avoided movements, one entry for movements shown with
// the same reason.
func (b *builder) avoid() error {
	for _, g := range b.o.Avoid {
		iv, err := b.group(g)
		if err != nil {
			return err
		}
		iv.Why = g.Reason
		b.rv.Avoid = append(b.rv.Avoid, iv)
	}
	return nil
}

// group is one entry for a group of movements: their names, their
// citations and an explanation of each.
func (b *builder) group(g report.Group) (itemView, error) {
	iv := itemView{Names: g.Names, Movements: g.Movements(), Citations: b.src.cites(g.Citations)}
	why, err := b.ex.explain(g.Items)
	if err != nil {
		return itemView{}, err
	}
	iv.Explanations = why
	return iv, nil
}

// conflicts lists where the sources disagree.
func (b *builder) conflicts() {
	for _, d := range b.o.Disagreements {
		it := "it"
		if len(d.Conflicts) > 1 {
			it = "them"
		}
		v := conflictView{Names: d.Names, ForLabel: "Suggest " + it, For: b.src.cites(d.For),
			Conditional: b.src.cites(d.Conditional), Against: b.src.cites(d.Against), Care: b.src.cites(d.Care), Outcome: "Kept, with care."}
		if len(d.Against) > 0 {
			v.AgainstLabel = "Advise against " + it
		}
		if len(d.Care) > 0 {
			v.CareLabel = "Urge care"
		}
		switch {
		case d.LeftOut != "":
			// No source advises against it: say what leaves it out.
			v.Outcome = "Left out: " + d.LeftOut
		case d.Resolution == recommend.ResolutionAvoided:
			v.Outcome = "Left out, because advice against a movement always wins."
		}
		b.rv.Conflicts = append(b.rv.Conflicts, v)
	}
}
