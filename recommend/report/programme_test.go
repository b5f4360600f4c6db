package report_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

func TestThisWeek(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{CheckIns: []recommend.CheckIn{
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
	for _, want := range []string{"THIS WEEK", "Week 2. Pain ▅▃ from 6 to 4", "50% of the movements", "Glute bridge: up a level (level 3)."} {
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
