package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// Outline is the short report of a Result, laid out but not yet written:
// what it shows and in which order, with movements that read the same
// grouped and the cited sources numbered. WriteText and WriteMarkdown
// write it; the web page of examples/server and the CDS Hooks cards
// render it, so that every short form of a Result says the same things,
// each list in the same order (the page and the cards place the sections
// for their readers: the page puts the plan before the key messages).
// Build one with New.
type Outline struct {
	// Referrals are the Result's referrals, most urgent first. The
	// referrals folded into them (Result.FoldedReferrals) are left out:
	// the detailed report has them.
	Referrals []recommend.Referral
	// Withheld is true when a referral withholds movement advice, and
	// Incomplete when only the referrals and safety nets could be worked
	// out (the Result came with a *recommend.PartialError, or from
	// Engine.Triage), as in the Result. Unreadable is true when that is
	// because the profile has problems: the rest of the advice waits for
	// them to be corrected (the Result's WithheldReason ends with
	// recommend.UnreadableReason).
	Withheld, Incomplete, Unreadable bool
	// WaitForClinician is true when the movement advice is withheld until
	// a clinician has checked the person: Withheld, unless the advice
	// waits only for the answers to be corrected (Unreadable, and no
	// referral withholds it), when a routine referral may even invite
	// activity meanwhile.
	WaitForClinician bool
	// Messages are the key messages, in the Result's order.
	Messages []recommend.Message
	// Planned is true when Plan holds the steps of the Result's plan, and
	// false when the rules give no plan: then Plan holds every
	// recommended movement, and Also is empty.
	Planned bool
	// Plan is what to start with: the plan's steps, in order, or every
	// recommended movement when there is no plan.
	Plan []Step
	// NoMatch is true when nothing is recommended, there is no plan and
	// advice is not withheld.
	NoMatch bool
	// Also are the recommended movements outside the plan; movements with
	// the same dose and cautions share a group.
	Also []Group
	// Avoid are the avoided movements; movements shown with the same
	// reason share a group.
	Avoid []Group
	// Disagreements are where the sources disagree; conflicts described
	// the same way share one.
	Disagreements []Disagreement
	// Sources are the cited sources, one citation for each (the first
	// cited), in the order the outline first cites them. A source's
	// number is its index plus one (see SourceNumber).
	Sources []recommend.Citation
	// Programme is the Result's programme, or nil; Names maps each of
	// its movements to its name: the programme step's (the rule set's),
	// or, for a step without one, the Result's item's.
	Programme *recommend.Programme
	Names     map[string]string
	// Disclaimer is the Result's disclaimer.
	Disclaimer string
	// RuleSet names the rule set that made the Result, "Rule set: " and
	// its recommend.RuleSet.String ("Rule set: 2026.11.2, sha256:..."),
	// or is "" when the Result does not say.
	RuleSet string

	sourceNum map[string]int
	// alsoItems and avoidItems are the movements of Also and Avoid, one
	// by one, in the Result's order.
	alsoItems, avoidItems []recommend.Item
	// avoidReasons maps each avoided movement to its reason (AvoidReason).
	avoidReasons map[string]string
}

// Step is a movement shown in full: how, dose, the reason it is there and
// its cautions.
type Step struct {
	// Item is the recommended movement. Found is false when the Result
	// does not recommend the movement a plan step names (only an edited
	// Result does that): then Item holds only its id and name, and the
	// step's citations are not numbered among Sources.
	Item  recommend.Item
	Found bool
	// Name is the step's name: the plan step's, or the item's.
	Name string
	// Reason is the one reason shown: the reason of the rule that placed
	// the step, or, without a plan, the movement's first reason.
	Reason string
	// Citations are the citations behind Reason: the plan step's, or the
	// item's when the step has none.
	Citations []recommend.Citation
	// Cautions are the texts of the item's cautions, without repeats.
	Cautions []string
	// Week is the programme's step for the movement, when the programme
	// sets a dose other than the plan's: any change but a start or a hold
	// at the plan's dose (a restart after a stop goes back to level 1,
	// which may be easier than the plan's dose), or a level with its own
	// how. Its level and dose this week stand in for the plan's dose, and
	// its how, when it has one (Step.How), for the item's. It is nil
	// otherwise.
	Week *recommend.Step
}

// Stopped reports whether the programme stopped the step's movement this
// week: the step is then shown by name, without how, dose, cautions or
// picture, which wait until it starts again.
func (s Step) Stopped() bool {
	return s.Found && s.Week != nil && s.Week.Change == recommend.ChangeStop
}

// Group is one or more movements that share a line.
type Group struct {
	// Items are the movements, in the Result's order, and Names their
	// names in a sentence: "Walking and Cat-cow".
	Items []recommend.Item
	Names string
	// Dose and Cautions, in Also, are the dose and cautions the movements
	// share: the dose this week, where check-ins have moved a movement
	// (see Step.Week), or else the item's.
	Dose     string
	Cautions []string
	// Stopped, in Also, is true when the programme stopped the
	// movements this week: Dose then says so, and a list that shows
	// names only must say it too. The stopped movements share one
	// group, where the first of them would be, without Cautions: they
	// wait, with the pictures, until the movements start again.
	Stopped bool
	// Reason, in Avoid, is the reason shown for each movement: its first
	// reason in rule order, then each other reason that does not head a
	// line of the avoid list itself, so that a person's own risk
	// (glaucoma, with an inversion table) is named beside a general one
	// and no reason is said twice; or "".
	Reason string
	// Citations are the citations of the movements, without repeats, in
	// order.
	Citations []recommend.Citation
}

// Movements returns the ids of the group's movements, in order.
func (g Group) Movements() []string {
	ids := make([]string, len(g.Items))
	for i, it := range g.Items {
		ids[i] = it.Movement
	}
	return ids
}

// Disagreement is where the sources disagree about one or more movements,
// each side with its sources and positions.
type Disagreement struct {
	// Conflicts are the conflicts described the same way (the same
	// sources on each side and the same resolution), in the Result's
	// order, and Names their movements' names in a sentence.
	Conflicts []recommend.Conflict
	Names     string
	// For are the citations of the side for the movement, and
	// Conditional those in which a source for it sets conditions on its
	// support; Against are those that advise against it and Care those
	// that only urge care (see recommend.Conflict.Opposing). All are the
	// first conflict's.
	For, Conditional, Against, Care []recommend.Citation
	// Resolution says how the conflict was settled.
	Resolution recommend.Resolution
	// LeftOut is, when the movements are left out (ResolutionAvoided)
	// though no source cited against them advises against them (Against
	// is empty: what leaves them out is the rule set's own judgement,
	// such as the person's report that a movement makes symptoms worse),
	// the reason the avoid list gives for leaving them out; "" otherwise.
	// A form says the movements are left out for this reason, never
	// because of a source that only urges care.
	LeftOut string
}

// New lays out the short report of r. The Outline shares r's slices and
// citations, and changes none of them. A nil r gives an empty Outline.
func New(r *recommend.Result) *Outline {
	o := &Outline{sourceNum: map[string]int{}}
	if r == nil {
		return o
	}
	o.Referrals = r.Referrals
	o.Withheld, o.Incomplete = r.Withheld, r.Incomplete
	o.Unreadable = r.Incomplete && strings.HasSuffix(r.WithheldReason, recommend.UnreadableReason)
	o.WaitForClinician = r.Withheld && (!o.Unreadable || slices.ContainsFunc(r.Referrals, func(ref recommend.Referral) bool { return ref.Withhold }))
	o.Messages = r.Messages
	o.Disclaimer = r.Disclaimer
	o.RuleSet = ruleSetLine(r.RuleSet)
	for _, ref := range r.Referrals {
		o.number(ref.Citations)
	}
	for _, m := range r.Messages {
		o.number(m.Citations)
	}
	if r.Programme != nil {
		o.Programme = r.Programme
		o.Names = map[string]string{}
		for _, list := range [][]recommend.Item{r.Recommended, r.Avoided} {
			for _, it := range list {
				o.Names[it.Movement] = it.Name()
			}
		}
		for _, st := range r.Programme.Steps {
			if st.Name != "" {
				o.Names[st.Movement] = st.Name
			}
			o.number(st.Citations)
		}
	}
	o.start(r)
	o.week(r.Programme)
	o.alsoHelpful(r)
	o.avoid(r)
	o.conflicts(r)
	return o
}

// number numbers the sources of cites not numbered yet.
func (o *Outline) number(cites []recommend.Citation) {
	for _, c := range cites {
		if _, ok := o.sourceNum[c.Source()]; !ok {
			o.Sources = append(o.Sources, c)
			o.sourceNum[c.Source()] = len(o.Sources)
		}
	}
}

// SourceNumber returns the number of the source of c in Sources, 1 for
// the first, or 0 when the outline does not cite it.
func (o *Outline) SourceNumber(c recommend.Citation) int {
	return o.sourceNum[c.Source()]
}

// AlsoItems returns the movements of Also one by one, in the Result's
// order, for a form that shows each on its own line (a group lists its
// movements in that order too, but groups are in the order of their first
// movement).
func (o *Outline) AlsoItems() []recommend.Item { return o.alsoItems }

// AvoidItems returns the movements of Avoid one by one, in the Result's
// order.
func (o *Outline) AvoidItems() []recommend.Item { return o.avoidItems }

// Disagreement returns the disagreement that holds the conflict about
// movement, and whether there is one.
func (o *Outline) Disagreement(movement string) (Disagreement, bool) {
	for _, d := range o.Disagreements {
		for _, c := range d.Conflicts {
			if c.Movement == movement {
				return d, true
			}
		}
	}
	return Disagreement{}, false
}

// Conflict returns the conflict about movement, and whether there is one.
func (o *Outline) Conflict(movement string) (recommend.Conflict, bool) {
	d, _ := o.Disagreement(movement)
	for _, c := range d.Conflicts {
		if c.Movement == movement {
			return c, true
		}
	}
	return recommend.Conflict{}, false
}

func (o *Outline) step(it recommend.Item, found bool, name, reason string, cites []recommend.Citation) Step {
	o.number(cites)
	return Step{Item: it, Found: found, Name: name, Reason: reason, Citations: cites, Cautions: Cautions(it)}
}

// start lays out the plan, or every recommended movement when there is no
// plan.
func (o *Outline) start(r *recommend.Result) {
	if len(r.Plan) == 0 {
		for _, it := range r.Recommended {
			reason := ""
			if len(it.Reasons) > 0 {
				reason = it.Reasons[0].Text()
			}
			o.Plan = append(o.Plan, o.step(it, true, it.Name(), reason, it.Citations))
		}
		o.NoMatch = len(o.Plan) == 0 && !r.Withheld
		return
	}
	o.Planned = true
	for _, ps := range r.Plan {
		it, ok := findItem(r.Recommended, ps.Movement)
		if !ok {
			// A plan names recommended movements only; an edited Result
			// may not, and then the step is shown by name.
			o.Plan = append(o.Plan, Step{Item: recommend.Item{Movement: ps.Movement, Text: recommend.MovementTextOf(ps.Name, "", "", "")}, Name: ps.Name,
				Reason: ps.Reason.Text(), Citations: ps.Citations})
			continue
		}
		cites := ps.Citations
		if len(cites) == 0 {
			cites = it.Citations
		}
		o.Plan = append(o.Plan, o.step(it, true, ps.Name, ps.Reason.Text(), cites))
	}
}

// week points each plan step at its movement's programme step, where the
// programme sets a dose other than the plan's (see moved).
func (o *Outline) week(pg *recommend.Programme) {
	if pg == nil {
		return
	}
	for i := range o.Plan {
		if st := programmeStep(pg, o.Plan[i].Item); st != nil {
			o.Plan[i].Week = st
		}
	}
}

// programmeStep returns the programme step of the movement of item it
// when the programme sets a dose other than the item's: any change but a
// start or a hold at the item's dose (a restart goes back to level 1,
// which may be easier than the dose the item gives), or a level that
// gives its own how (Step.How). It returns nil otherwise.
func programmeStep(pg *recommend.Programme, it recommend.Item) *recommend.Step {
	for j := range pg.Steps {
		st := &pg.Steps[j]
		if st.Movement != it.Movement {
			continue
		}
		if (st.Change == recommend.ChangeStart || st.Change == recommend.ChangeHold) && st.Dose == it.Dose() && st.How == "" {
			return nil
		}
		return st
	}
	return nil
}

// doseThisWeek is the dose of an item shown in a group: the programme's
// dose this week when it sets a dose other than the item's, a pointer to
// the week's changes when it stopped the movement, and otherwise the
// item's own.
func doseThisWeek(pg *recommend.Programme, it recommend.Item) string {
	if pg == nil {
		return it.Dose()
	}
	switch st := programmeStep(pg, it); {
	case st == nil:
		return it.Dose()
	case st.Change == recommend.ChangeStop:
		return "stopped for now: see this week's changes above"
	default:
		return fmt.Sprintf("this week, level %d (%s): %s", st.Level, ChangeWords(st.Change), st.Dose)
	}
}

// AdherenceWords says, for people, how much of what the check-ins of pg
// reported was done: "75% of the movements reported were done at least
// once", "every movement reported was done at least once", or "no
// movement reported yet" when they reported pain only. A nil pg, no
// programme, gives "".
func AdherenceWords(pg *recommend.Programme) string {
	if pg == nil {
		return ""
	}
	switch pct := int(pg.Adherence*100 + 0.5); {
	case len(pg.Steps) == 0:
		return "no movement reported yet"
	case pct == 100:
		return "every movement reported was done at least once"
	default:
		return fmt.Sprintf("%d%% of the movements reported were done at least once", pct)
	}
}

// ChangeWords says what a programme step's change does, for people: "up a
// level" for recommend.ChangeProgress. A change it does not know is
// returned as it is.
func ChangeWords(change string) string {
	switch change {
	case recommend.ChangeStart:
		return "start"
	case recommend.ChangeProgress:
		return "up a level"
	case recommend.ChangeHold:
		return "stay at this level"
	case recommend.ChangeRegress:
		return "down a level"
	case recommend.ChangeStop:
		return "stop for now"
	}
	return change
}

// DecidedWords says what decided a programme step when the advice for
// the profile did (recommend.Step.Decided), in words: "the advice for
// this profile avoids it" for recommend.DecidedAvoided. A value it does
// not know is returned as it is.
func DecidedWords(decided string) string {
	switch decided {
	case recommend.DecidedAvoided:
		return "the advice for this profile avoids it"
	case recommend.DecidedNeedsEquipment:
		return "it needs equipment the profile does not list"
	case recommend.DecidedNotRecommended:
		return "no rule recommends it for this profile"
	case recommend.DecidedReferral:
		return "an urgent or emergency referral comes first"
	}
	return decided
}

// group returns the group of items.
func (o *Outline) group(items []recommend.Item) Group {
	g := Group{Items: items}
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.Name()
		for _, c := range it.Citations {
			if !slices.ContainsFunc(g.Citations, c.Equal) {
				g.Citations = append(g.Citations, c)
			}
		}
	}
	g.Names = words.List(names)
	o.number(g.Citations)
	return g
}

// alsoHelpful groups the recommended movements outside the plan by their
// dose and cautions, in the order of each group's first movement.
func (o *Outline) alsoHelpful(r *recommend.Result) {
	if len(r.Plan) == 0 {
		return
	}
	var keys, doses []string
	var stopped []bool
	var groups [][]recommend.Item
	for _, it := range r.Recommended {
		if slices.ContainsFunc(r.Plan, func(p recommend.PlanStep) bool { return p.Movement == it.Movement }) {
			continue
		}
		o.alsoItems = append(o.alsoItems, it)
		dose := doseThisWeek(r.Programme, it)
		stop := false
		if r.Programme != nil {
			st := programmeStep(r.Programme, it)
			stop = st != nil && st.Change == recommend.ChangeStop
		}
		// The stopped movements share one line whatever their cautions,
		// which wait until they start again.
		key := "\x00stopped"
		if !stop {
			key = dose + "\x00" + strings.Join(Cautions(it), "\x00")
		}
		if i := slices.Index(keys, key); i >= 0 {
			groups[i] = append(groups[i], it)
			continue
		}
		keys, doses = append(keys, key), append(doses, dose)
		stopped = append(stopped, stop)
		groups = append(groups, []recommend.Item{it})
	}
	for i, items := range groups {
		g := o.group(items)
		g.Dose, g.Stopped = doses[i], stopped[i]
		if !g.Stopped {
			g.Cautions = Cautions(items[0])
		}
		o.Also = append(o.Also, g)
	}
}

// avoid groups the avoided movements by the reason shown for each (see
// Group.Reason), in the order of each group's first movement.
func (o *Outline) avoid(r *recommend.Result) {
	// heads are the first reasons, each of which heads a line.
	var heads []string
	for _, it := range r.Avoided {
		if len(it.Reasons) > 0 {
			heads = append(heads, it.Reasons[0].Text())
		}
	}
	var reasons []string
	var groups [][]recommend.Item
	o.avoidItems = r.Avoided
	o.avoidReasons = map[string]string{}
	for _, it := range r.Avoided {
		var texts []string
		for i, n := range it.Reasons {
			t := n.Text()
			if t == "" || slices.Contains(texts, t) || i > 0 && slices.Contains(heads, t) {
				continue
			}
			texts = append(texts, t)
		}
		reason := strings.Join(texts, " ")
		o.avoidReasons[it.Movement] = reason
		if i := slices.Index(reasons, reason); i >= 0 {
			groups[i] = append(groups[i], it)
			continue
		}
		reasons = append(reasons, reason)
		groups = append(groups, []recommend.Item{it})
	}
	for i, items := range groups {
		g := o.group(items)
		g.Reason = reasons[i]
		o.Avoid = append(o.Avoid, g)
	}
}

// AvoidReason returns the reason the avoid list gives for leaving movement
// out (see Group.Reason), or "" when it is not avoided.
func (o *Outline) AvoidReason(movement string) string { return o.avoidReasons[movement] }

// conflicts groups the conflicts described the same way: the same
// resolution, the same passages on each side, the same kinds of source
// against and the same reason for leaving them out, in the order of each
// group's first movement. Grouped conflicts share their citations, so a
// form that shows a group's passages shows each movement's own.
func (o *Outline) conflicts(r *recommend.Result) {
	var keys []string
	for _, c := range r.Conflicts {
		against, care := c.Opposing()
		leftOut := ""
		if c.Resolution == recommend.ResolutionAvoided && len(against) == 0 {
			leftOut = o.AvoidReason(c.Movement)
		}
		key := strings.Join([]string{string(c.Resolution), passageSet(c.For.Citations), passageSet(c.Conditional),
			passageSet(against), passageSet(care), KindNames(c.Against.Citations), leftOut}, "\x00")
		if i := slices.Index(keys, key); i >= 0 {
			d := &o.Disagreements[i]
			d.Conflicts = append(d.Conflicts, c)
			continue
		}
		keys = append(keys, key)
		o.number(c.For.Citations)
		o.number(c.Conditional)
		o.number(against)
		o.number(care)
		o.Disagreements = append(o.Disagreements, Disagreement{Conflicts: []recommend.Conflict{c},
			For: c.For.Citations, Conditional: c.Conditional, Against: against, Care: care, Resolution: c.Resolution, LeftOut: leftOut})
	}
	for i := range o.Disagreements {
		d := &o.Disagreements[i]
		names := make([]string, len(d.Conflicts))
		for j, c := range d.Conflicts {
			names[j] = c.Name
		}
		d.Names = words.List(names)
	}
}

// passageSet names the passages of cites as a set: each one's source,
// locator and claim, sorted, without repeats.
func passageSet(cites []recommend.Citation) string {
	ids := make([]string, 0, len(cites))
	for _, c := range cites {
		ids = append(ids, c.Source()+"\x01"+c.Locator()+"\x01"+c.Claim())
	}
	slices.Sort(ids)
	return strings.Join(slices.Compact(ids), "\x00")
}

// Cautions returns the texts of the cautions of it as the outline shows
// them: in order, without repeats or empty ones.
func Cautions(it recommend.Item) []string {
	var out []string
	for _, n := range it.Cautions {
		if n.Text() != "" && !slices.Contains(out, n.Text()) {
			out = append(out, n.Text())
		}
	}
	return out
}

// findItem returns the item of movement in items.
func findItem(items []recommend.Item, movement string) (recommend.Item, bool) {
	i := slices.IndexFunc(items, func(it recommend.Item) bool { return it.Movement == movement })
	if i < 0 {
		return recommend.Item{}, false
	}
	return items[i], true
}

// ruleSetLine names the rule set that produced a result, in one line, or
// returns "" when the result does not say.
func ruleSetLine(rs recommend.RuleSet) string {
	if s := rs.String(); s != "" {
		return "Rule set: " + s
	}
	return ""
}

// Sparkline draws pain levels 0 to 10 as one line of block characters,
// one per check-in.
func Sparkline(trend []recommend.TrendPoint) string {
	const blocks = "▁▂▃▄▅▆▇█"
	runes := []rune(blocks)
	var b strings.Builder
	for _, p := range trend {
		i := min(max(p.PainLevel, 0), 10) * (len(runes) - 1) / 10
		b.WriteRune(runes[i])
	}
	return b.String()
}
