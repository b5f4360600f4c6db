package guidedoc

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/recommend"
)

// exampleCheckIns is the programme the section shows worked through: six
// weeks of weekly check-ins with mixed responses and a flare.
var exampleCheckIns = []recommend.CheckIn{
	{Day: 0, PainLevel: 6, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: recommend.ResponseSame}, {Movement: "glute_bridge", Sessions: 3, Response: recommend.ResponseSame}, {Movement: "bird_dog", Sessions: 3, Response: recommend.ResponseSame}}},
	{Day: 7, PainLevel: 6, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: recommend.ResponseEasier}, {Movement: "glute_bridge", Sessions: 3, Response: recommend.ResponseSame}, {Movement: "bird_dog", Sessions: 2, Response: recommend.ResponseHarder}}},
	{Day: 14, PainLevel: 5, Done: []recommend.Done{{Movement: "walking", Sessions: 6, Response: recommend.ResponseEasier}, {Movement: "glute_bridge", Sessions: 3, Response: recommend.ResponseEasier}, {Movement: "bird_dog", Sessions: 3, Response: recommend.ResponseSame}}},
	{Day: 21, PainLevel: 7, Done: []recommend.Done{{Movement: "walking", Sessions: 4, Response: recommend.ResponseSame}, {Movement: "glute_bridge", Sessions: 2, Response: recommend.ResponseWorse}, {Movement: "bird_dog", Sessions: 3, Response: recommend.ResponseSame}}},
	{Day: 28, PainLevel: 6, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: recommend.ResponseSame}, {Movement: "glute_bridge", Sessions: 0, Response: recommend.ResponseSame}, {Movement: "bird_dog", Sessions: 3, Response: recommend.ResponseEasier}}},
	{Day: 35, PainLevel: 6, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: recommend.ResponseEasier}, {Movement: "glute_bridge", Sessions: 3, Response: recommend.ResponseEasier}, {Movement: "bird_dog", Sessions: 3, Response: recommend.ResponseSame}}},
	{Day: 42, PainLevel: 5, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: recommend.ResponseSame}, {Movement: "glute_bridge", Sessions: 3, Response: recommend.ResponseSame}, {Movement: "bird_dog", Sessions: 3, Response: recommend.ResponseSame}}},
}

// writeProgrammeSection writes how a programme progresses: the movements'
// dose levels, every progression rule in the order they are tried, with
// its condition, change or review, reason and sources, and a programme
// worked through week by week.
func writeProgrammeSection(ctx context.Context, b *bytes.Buffer, eng *recommend.Engine) error {
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	p("## How a programme progresses\n\n")
	p("A profile may carry weekly check-ins: the pain (0 to 10) and, for each\n")
	p("movement done, the sessions and how it felt (easier, same, harder or\n")
	p("worse). The check-ins are replayed in order; at each one, for each\n")
	p("movement of the programme (one the check-in does not report has no\n")
	p("response and no sessions, so a flare steps it back too), the first\n")
	p("progression rule below whose condition holds decides its change, and\n")
	p("a movement no rule changes holds its level. The engine itself never moves a movement up more than one level\n")
	p("in seven days, nor past its last level or while it is stopped. The\n")
	p("advice has the last word on the latest check-in: a movement it does not\n")
	p("recommend (it avoids it, it needs equipment the profile does not list,\n")
	p("or no rule recommends it) stops, at level 1, and while an urgent or\n")
	p("emergency referral stands no movement moves up or starts again. The\n")
	p("rules with a review are checked on\n")
	p("the latest check-in, and a review they call for is an ordinary referral.\n")
	p("A referral that withholds advice leaves no programme. The conditions read\n")
	p("`programme` (check_ins, weeks, day, first_pain, previous_pain,\n")
	p("latest_pain, pain_now, restart_pain, change as a share of the first pain, change_points, flare,\n")
	p("improving, worse_twice, worse_standing, adherence) and `move` (id, kind,\n")
	p("response, level,\n")
	p("levels, sessions, stopped, stopped_pain, days_since_progress, days_at_level, first,\n")
	p("advice: recommended, avoided, needs_equipment or not_recommended).\n")
	p("The pain fields other than pain_now and restart_pain are the pain each\n")
	p("check-in gave, the trend; pain_now is the pain the advice reads, as the\n")
	p("high-pain caution does: at the latest check-in the higher of the\n")
	p("profile's pain_level and the check-in's pain, at an earlier check-in its\n")
	p("pain; restart_pain, which a stopped movement's restart is weighed\n")
	p("against, is the higher of the check-in's pain and the profile's\n")
	p("pain_level at every check-in, so that the replay of an earlier week\n")
	p("makes the choice that week's answer made, whatever a later check-in says.\n\n")

	p("| Movement | Levels, easiest first | Starts at |\n")
	p("|---|---|---|\n")
	for _, m := range eng.Movements() {
		if len(m.Levels) < 2 {
			continue
		}
		levels := make([]string, len(m.Levels))
		for i, l := range m.Levels {
			levels[i] = fmt.Sprintf("%d: %s", i+1, mdsafe.Line(l.Dose))
		}
		p("| %s (`%s`) | %s | %d |\n", mdsafe.Line(m.Name), m.ID, strings.Join(levels, "; "), m.StartLevel)
	}
	p("\nEvery other movement has its dose as its one level.\n\n")

	p("| # | Rule | When | Does | Why | Sources |\n")
	p("|---|---|---|---|---|---|\n")
	for i, r := range eng.ProgressRules() {
		does := "**" + r.Step + "**"
		if r.Referral != nil {
			does = fmt.Sprintf("**%s review**: %s%s", r.Referral.Urgency, mdsafe.Line(r.Referral.Message),
				clinicianCell(recommend.Referral{Clinician: r.Referral.Clinician}))
		}
		p("| %d | `%s` | %s | %s | %s | %s |\n", i+1, r.ID, mdsafe.CodeCell(r.When), does, mdsafe.Line(r.Because), strings.Join(sourceRefs(r.Citations), "; "))
	}
	p("\n")

	p("### A programme worked through\n\n")
	p("Six weekly check-ins of a person with chronic stiffness, for whom the\n")
	p("rules recommend all three movements, as the rules replay\n")
	p("them: the pain, then each movement's report and the change it led to,\n")
	p("with the level after it.\n\n")
	p("| Day | Pain | ")
	moves := []string{}
	for _, d := range exampleCheckIns[0].Done {
		moves = append(moves, d.Movement)
		p("`%s` | ", d.Movement)
	}
	p("Reviews |\n|---|---|")
	for range moves {
		p("---|")
	}
	p("---|\n")
	for i, c := range exampleCheckIns {
		res, err := recommendFor(ctx, eng, recommend.Profile{Conditions: []string{"chronic_stiffness"}, CheckIns: exampleCheckIns[:i+1]})
		if err != nil {
			return err
		}
		if res.Programme == nil {
			return fmt.Errorf("guidedoc: the example programme has no programme at day %d", c.Day)
		}
		p("| %d | %d | ", c.Day, c.PainLevel)
		for j, id := range moves {
			for _, st := range res.Programme.Steps {
				if st.Movement == id {
					p("%s, %d sessions: %s, level %d | ", c.Done[j].Response, c.Done[j].Sessions, st.Change, st.Level)
				}
			}
		}
		var reviews []string
		for _, ref := range res.Referrals {
			reviews = append(reviews, ref.Rules...)
		}
		if len(reviews) == 0 {
			p("none |\n")
		} else {
			p("%s |\n", code(reviews))
		}
	}
	p("\n")
	return nil
}
