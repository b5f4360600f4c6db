// Package guidedoc writes rules/GUIDANCE.md, a readable summary of what the
// default rule set advises, by evaluating the engine rather than by reading
// the rules: every table shows what a person with that profile would be told.
// Everything it knows about the rule set comes from the engine's read-only
// views (Vocabulary, Movements, Rules, Sources and RuleSet), so it reads the
// rule set exactly as the engine does.
//
// The command in rules/internal/guidance runs it, through go generate
// ./rules; a test in package rules fails when the committed file is stale.
package guidedoc

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/recommend"
)

// Source kinds, from the strongest kind of evidence to the weakest, as
// [recommend.SourceKinds] lists them.
var kindOrder = kindIDs("")

// evidenceKinds are the kinds that count as a clinical guideline or
// research evidence, and articleKinds those that count as a web article or
// a personal account, for telling a guideline-versus-article conflict.
// "reference" (a medical reference page) is neither.
var (
	evidenceKinds = kindIDs("evidence")
	articleKinds  = kindIDs("article")
)

// kindIDs returns the ids of the source kinds of class, or of every kind
// when class is "", strongest first.
func kindIDs(class string) []string {
	var out []string
	for _, k := range recommend.SourceKinds() {
		if class == "" || k.Class == class {
			out = append(out, k.ID)
		}
	}
	return out
}

// kindRank orders source kinds: the position in kindOrder, unknown kinds
// last.
func kindRank(kind string) int {
	if i := slices.Index(kindOrder, kind); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// kinds returns the distinct source kinds of cites, strongest first; kinds
// outside the documented set come last, in the order first cited.
func kinds(cites []recommend.Citation) []string {
	var out []string
	for _, c := range cites {
		if !slices.Contains(out, c.Kind()) {
			out = append(out, c.Kind())
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return kindRank(a) - kindRank(b) })
	return out
}

// sideName names a side of a conflict.
type sideName string

// The sides of a conflict, and none.
const (
	// noSide means the conflict is not between a guideline and an article.
	noSide sideName = ""
	// forSide is the side that recommends the movement.
	forSide sideName = "for"
	// againstSide is the side that avoids or cautions against it.
	againstSide sideName = "against"
)

// guidelineSide reports whether c is a guideline-versus-article conflict:
// one side cites a guideline, systematic review or trial, and the other
// cites only web articles and personal accounts. It returns the side that
// holds the guideline, or [noSide] when c is not such a conflict.
func guidelineSide(c recommend.Conflict) sideName {
	forKinds, againstKinds := kinds(c.For.Citations), kinds(c.Against.Citations)
	switch {
	case hasAny(forKinds, evidenceKinds) && onlyOf(againstKinds, articleKinds):
		return forSide
	case hasAny(againstKinds, evidenceKinds) && onlyOf(forKinds, articleKinds):
		return againstSide
	}
	return noSide
}

func hasAny(kinds, of []string) bool {
	return slices.ContainsFunc(kinds, func(k string) bool { return slices.Contains(of, k) })
}

// onlyOf reports whether kinds is not empty and every kind is in of.
func onlyOf(kinds, of []string) bool {
	return len(kinds) > 0 && !slices.ContainsFunc(kinds, func(k string) bool { return !slices.Contains(of, k) })
}

// profile is a profile the generator evaluates, with a short name for it.
type profile struct {
	Name    string
	Profile recommend.Profile
}

// conflictProfiles returns the profiles whose conflicts GUIDANCE.md tables:
// no condition and each condition alone, each of them alone and with one
// modifier (one aggravated_by value, one eased_by value, one red flag,
// pain level 9, 10 hours of sitting a day, 90 days since onset, or age 70),
// then each pair of conditions. Every profile has all the equipment in the
// vocabulary.
func conflictProfiles(voc recommend.Vocabulary) []profile {
	equipment := ids(voc.Equipment)
	type modifier struct {
		name  string
		apply func(*recommend.Profile)
	}
	mods := []modifier{{"", func(*recommend.Profile) {}}}
	for _, t := range voc.AggravatedBy {
		mods = append(mods, modifier{"aggravated by " + t.ID, func(p *recommend.Profile) { p.AggravatedBy = []string{t.ID} }})
	}
	for _, t := range voc.EasedBy {
		mods = append(mods, modifier{"eased by " + t.ID, func(p *recommend.Profile) { p.EasedBy = []string{t.ID} }})
	}
	for _, t := range voc.RedFlags {
		mods = append(mods, modifier{"red flag " + t.ID, func(p *recommend.Profile) { p.RedFlags = []string{t.ID} }})
	}
	mods = append(mods,
		modifier{"pain level 9", func(p *recommend.Profile) { p.PainLevel = 9 }},
		modifier{"sitting 10 hours a day", func(p *recommend.Profile) { p.SittingHours = 10 }},
		modifier{"90 days since onset", func(p *recommend.Profile) { p.DaysSinceOnset = 90 }},
		modifier{"age 70", func(p *recommend.Profile) { p.Age = 70 }},
	)
	singles := [][]string{nil}
	for _, c := range voc.Conditions {
		singles = append(singles, []string{c.ID})
	}
	var out []profile
	for _, conds := range singles {
		for _, m := range mods {
			p := recommend.Profile{Conditions: conds, Equipment: equipment}
			m.apply(&p)
			var name []string
			if len(conds) > 0 {
				name = append(name, conds[0])
			}
			if m.name != "" {
				name = append(name, m.name)
			}
			if len(name) == 0 {
				name = []string{"everyone"}
			}
			out = append(out, profile{Name: strings.Join(name, ", "), Profile: p})
		}
	}
	for i, c1 := range voc.Conditions {
		for _, c2 := range voc.Conditions[i+1:] {
			out = append(out, profile{
				Name:    c1.ID + " + " + c2.ID,
				Profile: recommend.Profile{Conditions: []string{c1.ID, c2.ID}, Equipment: equipment},
			})
		}
	}
	return out
}

// conflictRow is one row of the conflict table: a disagreement between a
// set of recommending rules and a set of avoiding or cautioning rules about
// one movement, with the first profile it was seen in.
type conflictRow struct {
	Profile  string
	Conflict recommend.Conflict
}

// key identifies a row: the movement, the rules for it and the rules
// against it.
func (r conflictRow) key() string {
	return r.Conflict.Movement + "\x00" + strings.Join(r.Conflict.For.Rules, ",") + "\x00" + strings.Join(r.Conflict.Against.Rules, ",")
}

// conflictTable collects distinct conflicts, one row per key, in the order
// first seen.
type conflictTable struct {
	rows []conflictRow
	seen map[string]bool
}

func (t *conflictTable) add(profile string, res *recommend.Result) {
	if t.seen == nil {
		t.seen = map[string]bool{}
	}
	for _, c := range res.Conflicts {
		r := conflictRow{Profile: profile, Conflict: c}
		if k := r.key(); !t.seen[k] {
			t.seen[k] = true
			t.rows = append(t.rows, r)
		}
	}
}

// sorted returns the rows by movement declaration order, then in the order
// first seen.
func (t *conflictTable) sorted(movements []recommend.Movement) []conflictRow {
	index := map[string]int{}
	for i, m := range movements {
		index[m.ID] = i
	}
	out := slices.Clone(t.rows)
	slices.SortStableFunc(out, func(a, b conflictRow) int {
		return index[a.Conflict.Movement] - index[b.Conflict.Movement]
	})
	return out
}

// collectConflicts evaluates every profile of [conflictProfiles], then the
// example profile of every conflict [recommend.Engine.Analyze] finds, and
// returns the distinct conflicts they produce, one row per movement,
// recommending rules and opposing rules, sorted by movement declaration
// order and then by the order first seen.
func collectConflicts(ctx context.Context, eng *recommend.Engine) ([]conflictRow, error) {
	var t conflictTable
	for _, p := range conflictProfiles(eng.Vocabulary()) {
		res, err := recommendFor(ctx, eng, p.Profile)
		if err != nil {
			return nil, err
		}
		t.add(p.Name, res)
	}
	// Then the example profile of every conflict the analysis of the whole
	// profile space finds, so that the table misses none of them.
	an, err := eng.Analyze(ctx)
	if err != nil {
		return nil, err
	}
	equipment := ids(eng.Vocabulary().Equipment)
	for _, c := range an.Conflicts {
		// The analysis takes equipment to be at hand; so does the table.
		ex := c.Example
		ex.Equipment = equipment
		res, err := recommendFor(ctx, eng, ex)
		if err != nil {
			return nil, err
		}
		t.add(profileName(ex), res)
	}
	return t.sorted(eng.Movements()), nil
}

// profileName names an example profile by what it holds: "sciatica +
// spinal_stenosis, eased by bending_backward".
func profileName(p recommend.Profile) string {
	var parts []string
	if len(p.Conditions) > 0 {
		parts = append(parts, strings.Join(p.Conditions, " + "))
	}
	for _, f := range []struct {
		what string
		ids  []string
	}{{"red flag", p.RedFlags}, {"aggravated by", p.AggravatedBy}, {"eased by", p.EasedBy}} {
		if len(f.ids) > 0 {
			parts = append(parts, f.what+" "+strings.Join(f.ids, ", "))
		}
	}
	if p.PainLevel > 0 {
		parts = append(parts, fmt.Sprintf("pain level %d", p.PainLevel))
	}
	if p.DaysSinceOnset > 0 {
		parts = append(parts, fmt.Sprintf("%d days since onset", p.DaysSinceOnset))
	}
	if p.SittingHours > 0 {
		parts = append(parts, fmt.Sprintf("sitting %g hours a day", p.SittingHours))
	}
	if p.Age > 0 {
		parts = append(parts, fmt.Sprintf("age %d", p.Age))
	}
	if p.Sex != "" {
		parts = append(parts, "sex "+p.Sex)
	}
	if p.Episode != "" {
		parts = append(parts, "episode "+p.Episode)
	}
	if p.PregnancyWeek > 0 {
		parts = append(parts, fmt.Sprintf("week %d of pregnancy", p.PregnancyWeek))
	}
	if len(parts) == 0 {
		return "everyone"
	}
	return strings.Join(parts, ", ")
}

func recommendFor(ctx context.Context, eng *recommend.Engine, p recommend.Profile) (*recommend.Result, error) {
	res, err := eng.Recommend(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("profile %+v: %w", p, err)
	}
	return res, nil
}

func ids(ts []recommend.Term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// row is one line of an advice table: the movement, the advice, the side
// that gives the advice and, when matched rules disagree, the other side.
type row struct {
	movement, name, advice string
	by, other              string
}

func (r row) key() string {
	return r.movement + "\x00" + r.advice + "\x00" + r.by + "\x00" + r.other
}

// Generate evaluates eng and returns the contents of GUIDANCE.md. The
// output depends only on the rule set, so it is the same on every run.
func Generate(ctx context.Context, eng *recommend.Engine) ([]byte, error) {
	voc := eng.Vocabulary()
	allEquipment := ids(voc.Equipment)
	run := func(p recommend.Profile) (*recommend.Result, error) { return recommendFor(ctx, eng, p) }
	rs := eng.RuleSet()
	version := "none declared"
	if rs.Version != "" {
		version = mdsafe.Code(rs.Version)
	}

	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("<!-- Code generated by go run ./rules/internal/guidance; DO NOT EDIT. -->\n")
	p("<!-- Regenerate with: go generate ./rules -->\n\n")
	p("# What the default rules advise\n\n")
	p("- Rule set version: %s\n", version)
	p("- Rule set digest: %s\n\n", mdsafe.Code(rs.Digest))
	p("This file is generated by evaluating the default rule set, so it shows what a\n")
	p("person with each profile is actually told. Each profile of the advice and\n")
	p("red flag tables holds one condition, or one red flag, and all the equipment\n")
	p("in the vocabulary; the conflict table covers more profiles. Sources are\n")
	p("given as `source id` § locator; [Sources](#sources) lists them with their\n")
	p("titles and kinds. Everything here is general information for self-care,\n")
	p("not a diagnosis, and a referral is advice to get assessed.\n\n")
	p("- [Advice for everyone](#advice-for-everyone)\n")
	p("- [Advice by condition](#advice-by-condition)\n")
	p("- [Red flags](#red-flags)\n")
	p("- [When several referrals match](#when-several-referrals-match)\n")
	p("- [How the plan is chosen](#how-the-plan-is-chosen)\n")
	p("- [Key messages](#key-messages)\n")
	p("- [How a programme progresses](#how-a-programme-progresses)\n")
	p("- [How conflicts between sources are resolved](#how-conflicts-between-sources-are-resolved)\n")
	p("- [Sources](#sources)\n\n")

	base, err := run(recommend.Profile{Equipment: allEquipment})
	if err != nil {
		return nil, err
	}
	baseRows := rows(base)
	p("## Advice for everyone\n\n")
	p("With no condition, no red flag and all equipment, every profile gets this\n")
	p("advice. The condition tables below list only what a condition adds or\n")
	p("changes; each condition's plan (the movements to start with, see\n")
	p("[How the plan is chosen](#how-the-plan-is-chosen)) is given in full.\n\n")
	p("%s\n\n", planLine(base))
	baseMessages := map[string]bool{}
	if line := messageLine(base, nil); line != "" {
		p("%s\n\n", line)
	}
	for _, m := range base.Messages {
		baseMessages[messageKey(m)] = true
	}
	writeTable(&b, baseRows)

	p("## Advice by condition\n\n")
	inBase := map[string]bool{}
	for _, r := range baseRows {
		inBase[r.key()] = true
	}
	for _, c := range voc.Conditions {
		res, err := run(recommend.Profile{Conditions: []string{c.ID}, Equipment: allEquipment})
		if err != nil {
			return nil, err
		}
		p("### %s (`%s`)\n\n", mdsafe.Line(c.Label), c.ID)
		if codes := codeList(c.Codes); codes != "" {
			p("Codes: %s.\n\n", codes)
		}
		var extra []row
		for _, r := range rows(res) {
			if !inBase[r.key()] {
				extra = append(extra, r)
			}
		}
		if len(res.Referrals) > 0 {
			p("Referral: **%s**. %s%s\n\n", res.Referrals[0].Urgency, mdsafe.Line(res.Referrals[0].Message), clinicianCell(res.Referrals[0]))
		}
		p("%s\n\n", planLine(res))
		if line := messageLine(res, baseMessages); line != "" {
			p("%s (beyond those for everyone)\n\n", strings.TrimSuffix(line, "."))
		}
		if len(extra) == 0 {
			p("Nothing beyond the advice for everyone.\n\n")
		} else {
			writeTable(&b, extra)
		}
	}

	p("## Red flags\n\n")
	p("Each red flag on its own, with no condition. An emergency or a withholding\n")
	p("referral empties the recommendations until a clinician has assessed the\n")
	p("person; movements to avoid are still listed. The floor is what the\n")
	p("vocabulary declares the flag must lead to whatever else the profile holds:\n")
	p("a referral at least that urgent, with advice withheld where it says so.\n")
	p("Loading the rules proves every floor, so a rule change that lowers one is\n")
	p("refused. \"Also called\" are the other names the vocabulary lists for a\n")
	p("flag (`also_called`), which the engine reads, with the words of its id and\n")
	p("its label, in text it cannot read as a profile, and the CDS Hooks service\n")
	p("in a chart Condition it cannot map.\n\n")
	floors := map[string]recommend.Floor{}
	for _, f := range eng.Floors() {
		floors[f.RedFlag] = f
	}
	floorCell := func(id string) string {
		f, ok := floors[id]
		switch {
		case !ok || f.Urgency == "" && !f.Withhold:
			return "none"
		case f.Withhold:
			return string(f.Urgency) + ", withheld"
		}
		return string(f.Urgency)
	}
	p("| Red flag | Floor | Urgency | Advice withheld | What to do | Rules and sources | Start with |\n")
	p("|---|---|---|---|---|---|---|\n")
	for _, f := range voc.RedFlags {
		res, err := run(recommend.Profile{RedFlags: []string{f.ID}, Equipment: allEquipment})
		if err != nil {
			return nil, err
		}
		id := "`" + f.ID + "`"
		if codes := codeList(f.Codes); codes != "" {
			id += "; " + codes
		}
		if len(f.AlsoCalled) > 0 {
			id += "; also called " + mdsafe.Line(strings.Join(f.AlsoCalled, ", "))
		}
		if len(res.Referrals) == 0 {
			p("| %s (%s) | %s | none | %s | | | %s |\n", mdsafe.Line(f.Label), id, floorCell(f.ID), yesNo(res.Withheld), planCell(res))
			continue
		}
		top := res.Referrals[0]
		p("| %s (%s) | %s | **%s** | %s | %s | %s | %s |\n", mdsafe.Line(f.Label), id, floorCell(f.ID), top.Urgency, yesNo(res.Withheld),
			mdsafe.Line(top.Message)+clinicianCell(top), side(top.Rules, top.Citations), planCell(res))
	}
	p("\n")

	if err := writeStorySection(ctx, &b, eng); err != nil {
		return nil, err
	}
	writePlanSection(&b, eng)
	writeMessagesSection(&b, eng)
	if err := writeProgrammeSection(ctx, &b, eng); err != nil {
		return nil, err
	}
	if err := writeconflicts(ctx, &b, eng); err != nil {
		return nil, err
	}
	writeSources(&b, eng)
	return b.Bytes(), nil
}

// writeConflicts writes the section on conflicts: the fixed explanation of
// the safety policy, then the table of every conflict the profiles of
// [conflictProfiles] produce.
func writeconflicts(ctx context.Context, b *bytes.Buffer, eng *recommend.Engine) error {
	conflicts, err := collectConflicts(ctx, eng)
	if err != nil {
		return err
	}
	nProfiles := len(conflictProfiles(eng.Vocabulary()))
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## How conflicts between sources are resolved\n\n")
	p("Every citation states where its source stands on the advice of the rule\n")
	p("that cites it (`position`): it **supports** what the rule recommends (or\n")
	p("its referral or message), advises **against** what the rule avoids or\n")
	p("cautions against, advises **caution** with it, or gives **background**, a\n")
	p("fact the rule builds on without taking a side. Left out, the position\n")
	p("follows from the rule's effect (supports under `recommend`, against under\n")
	p("`avoid`, caution under `caution`, background under `refer` or `say`), and\n")
	p("the loader refuses a position the rule's effects do not fit. A published\n")
	p("source lists its `sections`, and every locator of its citations must name\n")
	p("one.\n\n")
	p("A conflict is a disagreement between sources: a movement that one source's\n")
	p("passage supports, through a matched rule that recommends it, while\n")
	p("another's advises against it or care with it, through a matched rule that\n")
	p("avoids it or cautions against it. Background citations, and the cautions a\n")
	p("rule author adds on their own reasoning (such as going gently when pain is\n")
	p("high), are on no side: they stay on the item as cautions, with their\n")
	p("reasons. A source is never on both sides: when a source that supports the\n")
	p("movement also advises care with it, its support is conditional (listed as\n")
	p("`conditional`), not a disagreement. The safety policy settles every\n")
	p("recommendation that a matched rule avoids or cautions against the same\n")
	p("way, whether or not the sources disagree:\n\n")
	p("- An **avoid always wins**: the movement is not recommended, whatever\n")
	p("  recommends it (resolution `avoided`).\n")
	p("- A **caution keeps the movement** and attaches the caution, with its\n")
	p("  reason and citations (resolution `cautioned`).\n")
	p("- Where a **clinical guideline and a web article disagree, the safer side\n")
	p("  wins**: the rules write the safer advice as the avoid or the caution, so\n")
	p("  it wins whichever side the guideline is on. The result does not hide the\n")
	p("  disagreement: it lists the conflict with the citations of both sides.\n")
	p("- Every source has a **kind**, from the strongest evidence to the weakest:\n")
	p("  %s.\n", code(kindOrder))
	p("  The kind is shown with every citation, so a reader can see which side a\n")
	p("  guideline is on.\n\n")
	p("The table lists every conflict that %d profiles produce: no condition and\n", nProfiles)
	p("each condition alone, each of them alone and with one of an `aggravated_by`\n")
	p("value, an `eased_by` value, a red flag, pain level 9, 10 hours of sitting a\n")
	p("day, 90 days since onset or age 70; then each pair of conditions; all with\n")
	p("every piece of equipment; and then the example profile of every conflicting\n")
	p("pair of rules that `rulecheck -analyze` finds in the whole profile space, so\n")
	p("the table lists every conflict the rules can produce. There is one row for each movement, set of\n")
	p("recommending rules and set of opposing rules, with the first profile that\n")
	p("shows it and the sources of each side by id (the advice tables above give\n")
	p("their locators). *Guideline vs article* is **yes** when one side cites a\n")
	p("guideline, systematic review or trial and the other only articles or\n")
	p("personal accounts, and names the side with the guideline; rows where the\n")
	p("guideline recommends and only articles oppose are worth a clinician's\n")
	p("review.\n\n")
	if len(conflicts) == 0 {
		p("No profile produces a conflict.\n\n")
		return nil
	}
	p("| Movement | First seen in | Resolution | For | Kinds for | Against | Kinds against | Guideline vs article |\n")
	p("|---|---|---|---|---|---|---|---|\n")
	gva := 0
	for _, r := range conflicts {
		c := r.Conflict
		verdict := "no"
		if s := guidelineSide(c); s != noSide {
			gva++
			verdict = "**yes**, guideline " + string(s)
		}
		p("| %s (`%s`) | %s | %s | %s | %s | %s | %s | %s |\n", mdsafe.Line(c.Name), c.Movement, mdsafe.Line(r.Profile), c.Resolution,
			code(c.For.Rules)+": "+code(sourceIDs(c.For.Citations)), strings.Join(kinds(c.For.Citations), ", "),
			against(c), strings.Join(kinds(c.Against.Citations), ", "), verdict)
	}
	p("\n%d conflicts, %d of them between a guideline and an article.\n\n", len(conflicts), gva)
	return nil
}

// against formats the opposing side of a conflict: the avoiding rules, the
// cautioning rules, and their sources.
func against(c recommend.Conflict) string {
	var parts []string
	if len(c.AvoidRules) > 0 {
		parts = append(parts, "avoid "+code(c.AvoidRules))
	}
	if len(c.CautionRules) > 0 {
		parts = append(parts, "caution "+code(c.CautionRules))
	}
	return strings.Join(parts, "; ") + ": " + code(sourceIDs(c.Against.Citations))
}

// sourceIDs lists the distinct source ids of cites, in order.
func sourceIDs(cites []recommend.Citation) []string {
	var out []string
	for _, c := range cites {
		if !slices.Contains(out, c.Source()) {
			out = append(out, c.Source())
		}
	}
	return out
}

// writeSources writes the sources of the rule set, strongest kind first,
// then in declaration order, with how many rules cite each.
func writeSources(b *bytes.Buffer, eng *recommend.Engine) {
	cited := map[string]int{}
	for _, r := range eng.Rules() {
		var seen []string
		for _, c := range r.Citations {
			if !slices.Contains(seen, c.Source()) {
				seen = append(seen, c.Source())
				cited[c.Source()]++
			}
		}
	}
	sources := eng.Sources()
	slices.SortStableFunc(sources, func(a, b recommend.Source) int { return kindRank(a.Kind) - kindRank(b.Kind) })
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## Sources\n\n")
	p("The documents the rules cite, strongest kind of evidence first, with the\n")
	p("number of rules that cite each.\n\n")
	p("| Kind | Source | Title | Publisher | Rules citing it |\n")
	p("|---|---|---|---|---|\n")
	for _, s := range sources {
		title := mdsafe.Line(s.Title)
		if s.URL != "" {
			title = "[" + title + "](" + mdsafe.Destination(s.URL) + ")"
		}
		p("| %s | `%s` | %s | %s | %d |\n", s.Kind, s.ID, title, mdsafe.Line(s.Publisher), cited[s.ID])
	}
	p("\n")
}

// rows turns a result into table rows: recommended items (cautioned ones
// marked), then avoided items, each in declaration order. The "by" column
// holds the rules that give the advice with their sources; the "other"
// column holds the other side of a conflict: the cautioning rules of a
// recommended movement, or the recommending rules of an avoided one.
func rows(res *recommend.Result) []row {
	conflicts := map[string]recommend.Conflict{}
	for _, c := range res.Conflicts {
		conflicts[c.Movement] = c
	}
	var out []row
	for _, it := range res.Recommended {
		r := row{movement: it.Movement, name: it.Name(), advice: "recommended", by: side(it.Rules(), it.Citations)}
		if c, ok := conflicts[it.Movement]; ok && c.Resolution == recommend.ResolutionCautioned {
			r.advice = "recommended, with caution"
			r.by = side(c.For.Rules, c.For.Citations)
			r.other = "cautioned by " + side(c.Against.Rules, c.Against.Citations)
		}
		out = append(out, r)
	}
	for _, it := range res.Avoided {
		r := row{movement: it.Movement, name: it.Name(), advice: "avoided", by: side(it.Rules(), it.Citations)}
		if c, ok := conflicts[it.Movement]; ok && c.Resolution == recommend.ResolutionAvoided {
			r.other = "recommended by " + side(c.For.Rules, c.For.Citations)
		}
		out = append(out, r)
	}
	return out
}

func writeTable(b *bytes.Buffer, rs []row) {
	fmt.Fprintf(b, "| Movement | Advice | Rules and sources | Where matched rules disagree |\n|---|---|---|---|\n")
	for _, r := range rs {
		fmt.Fprintf(b, "| %s (`%s`) | %s | %s | %s |\n", mdsafe.Line(r.name), r.movement, r.advice, r.by, r.other)
	}
	fmt.Fprintf(b, "\n")
}

// side formats rules and their sources for a table cell.
func side(rules []string, cites []recommend.Citation) string {
	return code(rules) + ": " + strings.Join(sourceRefs(cites), "; ")
}

// sourceRefs lists the distinct source id and locator pairs of cites, in
// order, each marked with its position when it does not support the
// advice ("(background)", "(against)"): a source cited for background
// only must not read as advising for or against the movement.
func sourceRefs(cites []recommend.Citation) []string {
	var out []string
	for _, c := range cites {
		s := fmt.Sprintf("`%s` § %s", c.Source(), mdsafe.Line(c.Locator()))
		if pos := c.Position(); pos != recommend.PositionSupports && pos != "" {
			s += " (" + string(pos) + ")"
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func code(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = "`" + id + "`"
	}
	return strings.Join(out, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// systemNames are the names of the code systems the vocabulary uses.
var systemNames = map[string]string{
	"http://snomed.info/sct":            "SNOMED CT",
	"http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM",
	"http://hl7.org/fhir/sid/icd-10":    "WHO ICD-10",
}

// codeList lists a term's codes, "SNOMED CT 23056005, ICD-10-CM M54.30",
// or gives "" when it has none.
func codeList(codes []recommend.Code) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		name := systemNames[c.System]
		if name == "" {
			name = c.System
		}
		parts[i] = mdsafe.Line(name) + " `" + c.Code + "`"
		if c.Subcodes {
			parts[i] += " and its subcodes"
		}
	}
	return strings.Join(parts, ", ")
}

// clinicianCell is a referral's text for clinicians (refer.clinician), to
// follow its message: " *Clinician card:* ...", or "" when it has none.
func clinicianCell(r recommend.Referral) string {
	if r.Clinician == "" {
		return ""
	}
	return " *Clinician card:* " + mdsafe.Line(r.Clinician)
}
