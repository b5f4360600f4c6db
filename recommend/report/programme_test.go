package report_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

func TestThisWeek(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{Conditions: []string{"disc_herniation"}, CheckIns: []recommend.CheckIn{
		{Day: 0, PainLevel: 6, Done: []recommend.Done{{Movement: "glute_bridge", Sessions: 3, Response: "same"}, {Movement: "walking", Sessions: 0, Response: "same"}}},
		{Day: 7, PainLevel: 4, Done: []recommend.Done{{Movement: "glute_bridge", Sessions: 3, Response: "easier"}, {Movement: "walking", Sessions: 0, Response: "same"}}},
	}}
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var text, md bytes.Buffer
	if err := report.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteMarkdown(&md, res); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"THIS WEEK", "Week 2. Pain ▅▃ from 6 to 4;", "50% of the movements", "Up a level: Glute bridge; stay at this level: Walking."} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.Contains(md.String(), "▅▃") {
		t.Errorf("Markdown report lacks the sparkline:\n%s", md.String())
	}
	res.Programme = nil
	text.Reset()
	if err := report.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "THIS WEEK") {
		t.Error("a Result without a programme has a This week section")
	}
}

// TestPlanStepThisWeek checks that a plan step whose movement the
// programme has moved shows its level and dose this week in place of the
// plan's starting dose, in the outline and the text report, and that a
// step the programme does not move keeps its dose.
func TestPlanStepThisWeek(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	walk := func(day, pain int, resp string) recommend.CheckIn {
		return recommend.CheckIn{Day: day, PainLevel: pain, Done: []recommend.Done{
			{Movement: "walking", Sessions: 5, Response: resp}, {Movement: "glute_bridge", Sessions: 3, Response: resp}}}
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{
		Conditions: []string{"disc_herniation"}, PainLevel: 4, DaysSinceOnset: 14, Age: 40,
		CheckIns: []recommend.CheckIn{walk(0, 6, "same"), walk(7, 4, "easier")},
	})
	if err != nil {
		t.Fatal(err)
	}
	o := report.New(res)
	var walking *report.Step
	for i, st := range o.Plan {
		switch {
		case st.Item.Movement == "walking":
			walking = &o.Plan[i]
		case st.Week != nil:
			t.Errorf("plan step %s has a week step %+v, but the programme does not report it", st.Item.Movement, st.Week)
		}
	}
	if walking == nil || walking.Week == nil {
		t.Fatalf("walking is not in the plan with a week step: %+v", o.Plan)
	}
	if walking.Week.Change != recommend.ChangeProgress || walking.Week.Level != 2 {
		t.Fatalf("walking this week = %+v, want up a level to level 2", *walking.Week)
	}
	moved := 0
	for _, g := range o.Also {
		for _, it := range g.Items {
			for _, st := range res.Programme.Steps {
				if st.Movement == it.Movement && st.Change != recommend.ChangeStart {
					moved++
					if !strings.Contains(g.Dose, st.Dose) || strings.Contains(g.Dose, it.Dose()) && it.Dose() != st.Dose {
						t.Errorf("also helpful %s: dose %q, want this week's %q", it.Movement, g.Dose, st.Dose)
					}
				}
			}
		}
	}
	if moved == 0 {
		t.Fatalf("no also-helpful movement is moved by the programme (%d groups)", len(o.Also))
	}
	var text bytes.Buffer
	if err := report.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	want := "This week: Level 2 (up a level): " + walking.Week.Dose
	if !strings.Contains(text.String(), want) {
		t.Errorf("text report lacks %q:\n%s", want, text.String())
	}
	if strings.Contains(text.String(), "Dose: "+walking.Item.Dose()) {
		t.Errorf("text report still gives walking's starting dose %q:\n%s", walking.Item.Dose(), text.String())
	}
}

// TestThisWeekNothingReported checks that check-ins that report pain only
// do not claim a share of movements done: there were none to count.
func TestThisWeekNothingReported(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{CheckIns: []recommend.CheckIn{{Day: 0, PainLevel: 6}, {Day: 7, PainLevel: 5}}})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := report.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	if got := text.String(); !strings.Contains(got, "no movement reported yet.") || strings.Contains(got, "were done at least once") {
		t.Errorf("THIS WEEK of pain-only check-ins:\n%s\nwant \"no movement reported yet\" and no share done", got)
	}
}

// checkIn builds a check-in; moves alternate movement id and response,
// each done sessions times.
func checkIn(day, pain, sessions int, moves ...string) recommend.CheckIn {
	c := recommend.CheckIn{Day: day, PainLevel: pain}
	for i := 0; i+1 < len(moves); i += 2 {
		c.Done = append(c.Done, recommend.Done{Movement: moves[i], Sessions: sessions, Response: moves[i+1]})
	}
	return c
}

// linesWith returns the lines of text that contain sub, trimmed, cut
// before their references.
func linesWith(text, sub string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, sub) {
			l = strings.TrimSpace(l)
			if i := strings.LastIndex(l, " ["); i > 0 && strings.HasSuffix(l, "]") {
				l = l[:i]
			}
			out = append(out, l)
		}
	}
	return out
}

// TestRestartDoseInEveryList checks that after a stop and a restart,
// which goes back to level 1, the plan and the also-helpful list give the
// dose the programme set, not the movement's starting dose (bird dog and
// glute bridge start at level 2), in the outline and the text report.
func TestRestartDoseInEveryList(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	disc := []string{"disc_herniation"}
	tests := []struct {
		name     string
		p        recommend.Profile
		movement string
		// lines are the text report's lines that give the movement's dose
		// (a plan step's "This week", or its also-helpful line).
		find  string
		lines []string
	}{
		{
			name: "bird dog in the plan, stopped after two worse, then the pain eases",
			p: recommend.Profile{Conditions: disc, PainLevel: 4, DaysSinceOnset: 30, CheckIns: []recommend.CheckIn{
				checkIn(0, 5, 3, "bird_dog", "worse"), checkIn(7, 5, 3, "bird_dog", "worse"), checkIn(14, 4, 0, "bird_dog", "same")}},
			movement: "bird_dog",
			find:     "repeats each side,",
			lines:    []string{"This week: Level 1 (start): 6 to 10 repeats each side, moving only the arm or only the leg at a time."},
		},
		{
			name: "glute bridge, also helpful, stopped after two worse, then the pain eases",
			p: recommend.Profile{Conditions: disc, PainLevel: 4, DaysSinceOnset: 30, CheckIns: []recommend.CheckIn{
				checkIn(0, 6, 3, "glute_bridge", "same", "walking", "same"), checkIn(7, 5, 3, "glute_bridge", "worse", "walking", "easier"),
				checkIn(14, 5, 3, "glute_bridge", "worse", "walking", "easier"), checkIn(21, 4, 0, "glute_bridge", "same", "walking", "easier")}},
			movement: "glute_bridge",
			find:     "Glute bridge",
			lines: []string{"- Start: Glute bridge. The pain is lower than when it was stopped, so it starts again at its easiest level.",
				"- Glute bridge: this week, level 1 (start): 8 to 10 repeats, one set, lifting the hips only part of the way."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var week recommend.Step
			for _, st := range res.Programme.Steps {
				if st.Movement == tt.movement {
					week = st
				}
			}
			if week.Change != recommend.ChangeStart || week.Level != 1 {
				t.Fatalf("%s this week = %+v, want a restart at level 1", tt.movement, week)
			}
			o := report.New(res)
			var doses []string
			for _, st := range o.Plan {
				if st.Item.Movement == tt.movement {
					if st.Week == nil {
						t.Fatalf("plan step %s has no week step", tt.movement)
					}
					doses = append(doses, st.Week.Dose)
				}
			}
			for _, g := range o.Also {
				for _, it := range g.Items {
					if it.Movement == tt.movement {
						doses = append(doses, strings.TrimPrefix(g.Dose, "this week, level 1 (start): "))
					}
				}
			}
			if diff := cmp.Diff([]string{week.Dose}, doses); diff != "" {
				t.Errorf("the outline's doses of %s (-want +got):\n%s", tt.movement, diff)
			}
			var text bytes.Buffer
			if err := report.WriteText(&text, res); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.lines, linesWith(text.String(), tt.find)); diff != "" {
				t.Errorf("text report lines with %q (-want +got):\n%s", tt.find, diff)
			}
		})
	}
}

// TestThisWeekLines checks the lines of the short report's THIS WEEK
// section, in text and Markdown: the trend, then one line for each
// reason that a stop, a start again or a step the advice decided gives,
// and one line without a reason for each other change; every step named
// as the rule set names it, also a movement outside the Result's lists
// of recommended and avoided movements.
func TestThisWeekLines(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	disc := []string{"disc_herniation"}
	stiffness := []string{"chronic_stiffness"}
	tests := []struct {
		name string
		p    recommend.Profile
		want []string // the section's lines, without their references
	}{
		{
			name: "towel decompression without a towel",
			p: recommend.Profile{Conditions: disc, CheckIns: []recommend.CheckIn{
				checkIn(0, 5, 7, "towel_stretch", "same", "walking", "same"), checkIn(7, 4, 7, "towel_stretch", "easier", "walking", "easier")}},
			want: []string{"Week 2. Pain ▄▃ from 5 to 4; every movement reported was done at least once.",
				"Stop for now: Towel decompression. It needs equipment you did not list (towel), so the advice for this profile leaves it out, and it stops for now. If you have it, add it to your equipment and ask again.",
				"Up a level: Walking."},
		},
		{
			name: "a back belt, which no rule recommends",
			p: recommend.Profile{Conditions: disc, CheckIns: []recommend.CheckIn{
				checkIn(0, 5, 7, "lumbar_belt", "same"), checkIn(7, 4, 7, "lumbar_belt", "easier")}},
			want: []string{"Week 2. Pain ▄▃ from 5 to 4; every movement reported was done at least once.",
				"Stop for now: Back belt, brace or corset. The advice for this profile does not recommend it, so it stops for now. Ask a clinician before you carry on with it."},
		},
		{
			// The stops give their reason, which the steps back share;
			// the steps back are named only, after them.
			name: "a flare",
			p: recommend.Profile{Conditions: stiffness, Equipment: []string{"towel"}, CheckIns: []recommend.CheckIn{
				checkIn(0, 2, 3, "walking", "same", "glute_bridge", "same", "towel_stretch", "same", "cat_cow", "same"),
				checkIn(7, 2, 3, "walking", "easier", "glute_bridge", "easier", "towel_stretch", "same", "cat_cow", "same"),
				checkIn(14, 4, 3, "walking", "same", "glute_bridge", "same", "towel_stretch", "same", "cat_cow", "same")}},
			want: []string{"Week 3. Pain ▂▂▃ from 2 to 4; every movement reported was done at least once.",
				"Stop for now: Towel decompression. A resting position that has not eased the flare pauses until the flare settles.",
				"Stop for now: Cat-cow. Less eases a flare or pain this made worse: down a level, or stop at the easiest.",
				"Down a level: Walking and Glute bridge."},
		},
		{
			name: "holds, a first start and a stop after a worse",
			p: recommend.Profile{Conditions: stiffness, CheckIns: []recommend.CheckIn{
				checkIn(0, 5, 3, "walking", "same", "pelvic_tilt", "same", "bird_dog", "same"),
				checkIn(7, 5, 3, "walking", "harder", "pelvic_tilt", "worse", "bird_dog", "same", "cat_cow", "same")}},
			want: []string{"Week 2. Pain ▄▄ from 5 to 5; every movement reported was done at least once.",
				"Stop for now: Pelvic tilt. It made the pain worse at its easiest level, so it stops until a check-in shows the pain easing.",
				"Stay at this level: Walking and Bird dog; start: Cat-cow."},
		},
		{
			name: "an urgent referral holds a step up, and says so",
			p: recommend.Profile{Conditions: disc, RedFlags: []string{"night_pain"}, CheckIns: []recommend.CheckIn{
				checkIn(0, 5, 7, "walking", "same"), checkIn(7, 4, 7, "walking", "easier")}},
			want: []string{"Week 2. Pain ▄▃ from 5 to 4; every movement reported was done at least once.",
				"Stay at this level: Walking. An urgent referral to a clinician stands, and it comes first: this stays at its level, and does not move up, until a clinician has checked you."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var text, md bytes.Buffer
			if err := report.WriteText(&text, res); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteMarkdown(&md, res); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, sectionLines(text.String(), "THIS WEEK")); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, sectionLines(md.String(), "## This week")); diff != "" {
				t.Errorf("Markdown (-want +got):\n%s", diff)
			}
		})
	}
}

// sectionLines returns the entries of the section titled title, in text
// or Markdown, without their markers, references and Markdown escapes.
func sectionLines(text, title string) []string {
	var out []string
	lines := strings.Split(text, "\n")
	i := slices.Index(lines, title)
	if i < 0 {
		return nil
	}
	for _, l := range lines[i+1:] {
		l = strings.TrimSpace(l)
		if l == "" {
			if len(out) > 0 {
				break
			}
			continue // the blank line under a Markdown heading
		}
		l = strings.TrimPrefix(l, "- ")
		if j := strings.LastIndex(l, " ["); j > 0 && strings.HasSuffix(l, "]") {
			l = l[:j]
		}
		if j := strings.LastIndex(l, ` \[`); j > 0 && strings.HasSuffix(l, `\]`) {
			l = l[:j]
		}
		out = append(out, strings.ReplaceAll(l, `\`, ""))
	}
	return out
}

// TestExplainSaysWhatDecidedTheStep checks that an explanation of a
// programme step says what decided it: the advice, when it overrode the
// progression rules (and then the step's level is the stop's, level 1),
// or the progression rule; and that its outcome line says a step the
// programme stopped is stopped, not only what the advice decided.
func TestExplainSaysWhatDecidedTheStep(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	disc := []string{"disc_herniation"}
	same, easier := checkIn(0, 5, 7, "pelvic_tilt", "same", "walking", "same"), checkIn(7, 4, 7, "pelvic_tilt", "easier", "walking", "easier")
	tests := []struct {
		name, movement string
		p              recommend.Profile
		want           []string // the lines of THIS WEEK IN THE PROGRAMME, up to the facts
		outcome        string   // the Outcome line's words
	}{
		{
			name: "an avoided pelvic tilt reported easier", movement: "pelvic_tilt",
			p: recommend.Profile{Conditions: disc, AggravatedBy: []string{"bending_forward"}, CheckIns: []recommend.CheckIn{same, easier}},
			want: []string{"stop at level 1: The advice for this profile says to avoid it for now.",
				"Decided by the advice for this profile (the advice for this profile avoids it), whatever the progression rules say, on these check-in facts:"},
			outcome: "avoided",
		},
		{
			name: "walking beside an urgent referral", movement: "walking",
			p: recommend.Profile{Conditions: disc, RedFlags: []string{"night_pain"}, CheckIns: []recommend.CheckIn{same, easier}},
			want: []string{"hold at level 1: An urgent referral to a clinician stands, and it comes first: this stays at its level, and does not move up, until a clinician has checked you.",
				"Decided by the advice for this profile (an urgent or emergency referral comes first), whatever the progression rules say, on these check-in facts:"},
			outcome: "recommended",
		},
		{
			name: "walking reported easier", movement: "walking",
			p: recommend.Profile{Conditions: disc, CheckIns: []recommend.CheckIn{same, easier}},
			want: []string{"progress at level 2: It felt easier over the sessions done and the pain is not rising, so it moves up one level.",
				"Decided by progression rule progress-up-easier, on these check-in facts:"},
			outcome: "recommended",
		},
		{
			name: "a bird dog that made the pain worse at its easiest level", movement: "bird_dog",
			p: recommend.Profile{Conditions: []string{"acute_strain"}, PainLevel: 3, DaysSinceOnset: 20,
				CheckIns: []recommend.CheckIn{checkIn(0, 3, 3, "bird_dog", "worse"), checkIn(7, 3, 3, "bird_dog", "worse")}},
			want: []string{"stop at level 1: It made the pain worse at its easiest level, so it stops until a check-in shows the pain easing.",
				"Decided by progression rule progress-stop-worse, on these check-in facts:"},
			outcome: "recommended by the advice, but stopped this week by the programme",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := eng.Explain(context.Background(), tt.p, tt.movement)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := report.WriteExplanation(&b, x); err != nil {
				t.Fatal(err)
			}
			text := b.String()
			i := strings.Index(text, "THIS WEEK IN THE PROGRAMME\n")
			if i < 0 {
				t.Fatalf("no THIS WEEK IN THE PROGRAMME:\n%s", text)
			}
			lines := strings.Split(text[i:], "\n")[1:3]
			for j := range lines {
				lines[j] = strings.TrimSpace(lines[j])
			}
			if diff := cmp.Diff(tt.want, lines); diff != "" {
				t.Errorf("explanation (-want +got):\n%s", diff)
			}
			if got := linesWith(text, "Outcome: "); len(got) != 1 || got[0] != "Outcome: "+tt.outcome {
				t.Errorf("outcome lines %q, want one, %q", got, "Outcome: "+tt.outcome)
			}
		})
	}
}

// TestAlsoHelpfulStopped checks that an also-helpful group whose
// movements the programme stopped this week says so in Group.Stopped,
// which the handout reads to print that they are stopped beside their
// names, and that no other group does.
func TestAlsoHelpfulStopped(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		checkIns []recommend.CheckIn
		want     map[string]bool
	}{
		{"no check-ins", nil, map[string]bool{"plank": false, "dead_bug": false}},
		{"plank stopped", []recommend.CheckIn{
			{Day: 0, PainLevel: 4, Done: []recommend.Done{{Movement: "plank", Sessions: 3, Response: "same"}, {Movement: "dead_bug", Sessions: 3, Response: "same"}}},
			{Day: 7, PainLevel: 4, Done: []recommend.Done{{Movement: "plank", Sessions: 3, Response: "worse"}, {Movement: "dead_bug", Sessions: 3, Response: "same"}}},
		}, map[string]bool{"plank": true, "dead_bug": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"chronic_stiffness"}, CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, g := range report.New(res).Also {
				for _, id := range g.Movements() {
					if _, ok := tt.want[id]; ok {
						got[id] = g.Stopped
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Group.Stopped by movement (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanStepGivesTheLevelsHow checks that a plan step the programme has
// at a level that gives its own how shows that how in the text and
// Markdown reports, in place of the movement's; a level without one keeps
// the movement's how.
func TestPlanStepGivesTheLevelsHow(t *testing.T) {
	const brisk = testrules.BriskWalking
	eng, err := recommend.Load(testrules.LevelHow(t))
	if err != nil {
		t.Fatal(err)
	}
	walk := func(day, pain int, resp string) recommend.CheckIn {
		return recommend.CheckIn{Day: day, PainLevel: pain, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: resp}}}
	}
	up := []recommend.CheckIn{walk(0, 6, "same"), walk(7, 5, "easier"), walk(14, 4, "easier")}
	var walking string
	for _, m := range eng.Movements() {
		if m.ID == "walking" {
			walking = m.How
		}
	}
	tests := []struct {
		name     string
		checkIns []recommend.CheckIn
		want     []string // the How lines of the text and Markdown reports under walking
	}{
		{"level 2 gives no how", up[:2], []string{"How: " + walking, "- How: " + walking}},
		{"level 3 gives its own", up, []string{"How: " + brisk, "- How: " + brisk}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"chronic_stiffness"}, CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			var text, md bytes.Buffer
			if err := report.WriteText(&text, res); err != nil {
				t.Fatal(err)
			}
			if err := report.WriteMarkdown(&md, res); err != nil {
				t.Fatal(err)
			}
			how := func(s, head string) string {
				_, after, _ := strings.Cut(s, head)
				for _, l := range strings.Split(after, "\n")[1:] {
					if l = strings.TrimSpace(l); strings.Contains(l, "How:") {
						return l
					}
				}
				return ""
			}
			got := []string{how(text.String(), "1. Walking"), how(md.String(), "1. **Walking**")}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("walking's how (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDetailedReportHasTheProgramme checks that the detailed report, for
// clinicians, gives the programme: the week, the pain at each check-in and
// the adherence, then each step's change, level, dose, reason, the rule or
// what in the advice decided it, and the check-in facts; and that a
// recommended movement the programme moved or stopped says so beside its
// starting dose. It gave none of it, though the short report leaves each
// step's reason to it, so a clinician read a movement stopped for making
// the pain worse as recommended at its first dose.
func TestDetailedReportHasTheProgramme(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		profile  recommend.Profile
		want     []string // the programme section's lines, trimmed, without references
		wantRecs []string // the This week lines under recommended movements
	}{
		{
			name: "a stop, a step up and an avoided movement",
			profile: recommend.Profile{Conditions: []string{"disc_herniation"}, Equipment: []string{"towel"}, CheckIns: []recommend.CheckIn{
				checkIn(0, 5, 3, "towel_stretch", "same", "walking", "same", "knee_to_chest", "same"),
				checkIn(7, 4, 3, "towel_stretch", "worse", "walking", "easier")}},
			want: []string{
				"Week 2. Pain ▄▃ at each check-in: day 0: 5; day 7: 4. Every movement reported was done at least once.",
				"Towel decompression: stop for now, at level 1 (rule: progress-stop-worse)",
				"Why: It made the pain worse at its easiest level, so it stops until a check-in shows the pain easing.",
				"Facts: day 7, week 2 of the programme; reported worse, 3 sessions since the previous check-in; pain 4, 5 at the previous check-in and 5 at the first; at level 1 of 1 before this check-in",
				"Walking: up a level, at level 2 (rule: progress-up-easier)",
				"Dose: Walks of 15 to 20 minutes most days, at a pace that still lets you talk.",
				"Why: It felt easier over the sessions done and the pain is not rising, so it moves up one level.",
				"Facts: day 7, week 2 of the programme; reported easier, 3 sessions since the previous check-in; pain 4, 5 at the previous check-in and 5 at the first; at level 1 of 3 before this check-in",
				"Knee to chest: stop for now, at level 1 (decided by the advice: the advice for this profile avoids it)",
				"Why: The advice for this profile says to avoid it for now.",
				"Facts: day 7, week 2 of the programme; not reported at this check-in; pain 4, 5 at the previous check-in and 5 at the first; at level 1 of 1 before this check-in; the advice for this profile avoids it, by disc-avoid-flexion-stretches",
			},
			wantRecs: []string{
				"This week: stopped for now (see the programme above).",
				"This week: Level 2 (up a level): Walks of 15 to 20 minutes most days, at a pace that still lets you talk.",
			},
		},
		{
			name:    "no check-ins, no programme",
			profile: recommend.Profile{Conditions: []string{"disc_herniation"}, Equipment: []string{"towel"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := report.WriteDetailedText(&b, res); err != nil {
				t.Fatal(err)
			}
			var got, recs []string
			for _, l := range sectionLines(b.String(), "PROGRAMME THIS WEEK") {
				l = strings.TrimSpace(l)
				if s, _, ok := strings.Cut(l, "  Sources: "); ok {
					l = s
				}
				if l != "" && !strings.HasPrefix(l, "Sources:") {
					got = append(got, l)
				}
			}
			for _, l := range sectionLines(b.String(), "RECOMMENDED") {
				if l = strings.TrimSpace(l); strings.HasPrefix(l, "This week:") {
					recs = append(recs, l)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("programme section (-want +got):\n%s\n%s", diff, b.String())
			}
			if diff := cmp.Diff(tt.wantRecs, recs); diff != "" {
				t.Errorf("recommended movements this week (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStoppedShareOneGroup checks that the also-helpful movements the
// programme stopped share one group of the outline, where the first of
// them is, without cautions, however their cautions differ, so that the
// text and Markdown reports, which print them on one line, the page and
// the cards, which render the outline's groups, list the same lines in
// the same order. The hamstring stretch has the caution sciatica gives
// it and dead bug has none; both are reported worse at their first level.
func TestStoppedShareOneGroup(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	worse := []recommend.Done{{Movement: "hamstring_stretch", Sessions: 3, Response: "worse"}, {Movement: "dead_bug", Sessions: 3, Response: "worse"}}
	same := []recommend.Done{{Movement: "hamstring_stretch", Sessions: 3, Response: "same"}, {Movement: "dead_bug", Sessions: 3, Response: "same"}}
	p := recommend.Profile{Conditions: []string{"disc_herniation", "sciatica"}, PainLevel: 4, DaysSinceOnset: 30, CheckIns: []recommend.CheckIn{
		{Day: 0, PainLevel: 4, Done: same},
		{Day: 7, PainLevel: 5, Done: worse},
	}}
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	o := report.New(res)
	type group struct {
		Movements []string
		Stopped   bool
		Cautions  int
	}
	var got []group
	for _, g := range o.Also {
		got = append(got, group{g.Movements(), g.Stopped, len(g.Cautions)})
	}
	want := []group{{[]string{"hamstring_stretch", "dead_bug"}, true, 0}}
	var stopped []group
	first := -1
	for i, g := range got {
		if g.Stopped {
			stopped = append(stopped, g)
			if first < 0 {
				first = i
			}
		}
	}
	if diff := cmp.Diff(want, stopped); diff != "" {
		t.Errorf("stopped groups of Also (-want +got):\n%s", diff)
	}
	// The stopped group stands where the first stopped movement is in
	// the Result's order of the also-helpful movements.
	for i, it := range o.AlsoItems() {
		if it.Movement == "hamstring_stretch" {
			before := 0
			for _, g := range got[:max(first, 0)] {
				before += len(g.Movements)
			}
			if before != i {
				t.Errorf("the stopped group comes after %d movements, want %d", before, i)
			}
		}
	}
	var text bytes.Buffer
	if err := report.WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	_, also, _ := strings.Cut(text.String(), "ALSO HELPFUL\n")
	also, _, _ = strings.Cut(also, "\n\n")
	var heads, names []string
	for _, l := range strings.Split(also, "\n") {
		head, _, _ := strings.Cut(strings.TrimPrefix(l, "  - "), ":")
		heads = append(heads, head)
	}
	for _, g := range o.Also {
		names = append(names, g.Names)
	}
	if diff := cmp.Diff(names, heads); diff != "" {
		t.Errorf("the text's also-helpful lines are not the outline's groups (-want +got):\n%s", diff)
	}
}
