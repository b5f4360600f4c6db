package cdshooks_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/cdshooks"
	"github.com/backrules/backrules/internal/mdsafe"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// profileFile reads a profile of testdata/profiles.
func profileFile(t *testing.T, name string) recommend.Profile {
	t.Helper()
	f, err := os.Open(filepath.Join("../testdata/profiles", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := recommend.DecodeProfile(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// movedUp are two check-ins a week apart at which walking and the glute
// bridge felt easier with the pain falling: the programme moves each up a
// level (walking from 1 to 2, the glute bridge from 2 to 3).
var movedUp = []recommend.CheckIn{
	{Day: 0, PainLevel: 6, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: "same"}, {Movement: "glute_bridge", Sessions: 3, Response: "same"}}},
	{Day: 7, PainLevel: 4, Done: []recommend.Done{{Movement: "walking", Sessions: 5, Response: "easier"}, {Movement: "glute_bridge", Sessions: 3, Response: "easier"}}},
}

// TestCardsSayTheWeeksDose checks that the cards give the dose the short
// report gives for a movement the check-ins moved up a level: the plan
// step's "This week" (its level, the change and the dose at that level)
// and an also-helpful movement's dose this week, not the dose the
// programme started at. Each is compared with the Markdown report's
// line for the movement.
func TestCardsSayTheWeeksDose(t *testing.T) {
	eng := defaultEngine(t)
	for _, name := range []string{"chronic-stiffness", "disc-herniation", "spinal-stenosis", "acute-strain"} {
		t.Run(name, func(t *testing.T) {
			p := profileFile(t, name)
			p.CheckIns = movedUp
			res, err := eng.Recommend(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			cards, err := cdshooks.Cards(res, testHookInstance)
			if err != nil {
				t.Fatal(err)
			}
			var md bytes.Buffer
			if err := report.WriteMarkdown(&md, res); err != nil {
				t.Fatal(err)
			}
			want := reportDoses(md.String(), "Walking", "Glute bridge")
			if len(want) == 0 {
				t.Fatalf("the report gives no dose for walking or the glute bridge:\n%s", md.String())
			}
			got := cardDoses(t, res, cards, "Walking", "Glute bridge")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("doses (-want +got):\n%s", diff)
			}
		})
	}
}

// reportDoses returns the dose the Markdown report md gives for each of
// the movements named: "Walking (plan): This week: ..." for a plan step,
// "Glute bridge (also): this week, ..." for an also-helpful movement
// listed on its own.
func reportDoses(md string, names ...string) []string {
	var out []string
	lines := strings.Split(md, "\n")
	section := ""
	for i, l := range lines {
		if strings.HasPrefix(l, "## ") {
			section = l
			continue
		}
		for _, n := range names {
			switch {
			case section == "## Start with" && strings.Contains(l+" ", ". **"+n+"** "):
				for _, d := range lines[i+1:] {
					if !strings.HasPrefix(d, "   - ") {
						break
					}
					if d = strings.TrimPrefix(d, "   - "); strings.HasPrefix(d, "This week: ") || strings.HasPrefix(d, "Dose: ") {
						out = append(out, n+" (plan): "+d)
					}
				}
			case section == "## Also helpful" && strings.HasPrefix(l, "- "+n+": "):
				dose := strings.TrimPrefix(l, "- "+n+": ")
				if i := strings.LastIndex(dose, ` \[`); i >= 0 {
					dose = dose[:i]
				}
				out = append(out, n+" (also): "+dose)
			}
		}
	}
	return out
}

// cardDoses returns the dose the cards give for each of the movements
// named, in the form of reportDoses, in the order of the cards.
func cardDoses(t *testing.T, res *recommend.Result, cards []cdshooks.Card, names ...string) []string {
	t.Helper()
	var out []string
	for _, c := range cards {
		for _, l := range strings.Split(c.Detail, "\n") {
			for _, n := range names {
				switch {
				case strings.HasPrefix(c.Summary, "Plan step ") && strings.HasSuffix(c.Summary, ": "+n):
					if d, ok := strings.CutPrefix(l, "- **This week:** "); ok {
						out = append(out, n+" (plan): This week: "+d)
					}
					if d, ok := strings.CutPrefix(l, "- **Dose:** "); ok {
						out = append(out, n+" (plan): Dose: "+d)
					}
				case strings.HasPrefix(c.Summary, "Also helpful: ") && strings.HasPrefix(l, "- **"+n+"**: "):
					// The dose comes first, then the movement's first reason.
					rest := strings.TrimPrefix(l, "- **"+n+"**: ")
					for _, it := range res.Recommended {
						if it.Name() == n && len(it.Reasons) > 0 {
							if i := strings.Index(rest, " "+mdsafe.Line(it.Reasons[0].Text())); i >= 0 {
								rest = rest[:i]
							}
						}
					}
					out = append(out, n+" (also): "+rest)
				}
			}
		}
	}
	return out
}

// TestAvoidCardOrder checks that the avoid card lists the movements in
// the order of the outline's avoid groups, as the text report, the
// Markdown and the page do, and not in the Result's order, which differs
// when a later movement shares the reason of an earlier one.
func TestAvoidCardOrder(t *testing.T) {
	eng := defaultEngine(t)
	profiles := map[string]recommend.Profile{
		"a 70-year-old with osteoporosis and stenosis": {Conditions: []string{"osteoporosis", "spinal_stenosis"}, Age: 70},
		"pregnancy at week 24":                         {Conditions: []string{"pregnancy"}, PregnancyWeek: 24, Age: 30},
	}
	for _, name := range []string{"disc-herniation", "disc-sciatica", "disc-sciatica-below-knee", "spinal-stenosis", "saddle-numbness", "acute-strain", "chronic-stiffness"} {
		profiles[name] = profileFile(t, name)
	}
	regrouped := 0
	for name, p := range profiles {
		t.Run(name, func(t *testing.T) {
			res, err := eng.Recommend(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			o := report.New(res)
			var want, resultOrder []string
			for _, g := range o.Avoid {
				for _, it := range g.Items {
					want = append(want, mdsafe.Line(it.Name()))
				}
			}
			for _, it := range res.Avoided {
				resultOrder = append(resultOrder, mdsafe.Line(it.Name()))
			}
			if !cmp.Equal(want, resultOrder) {
				regrouped++
			}
			cards, err := cdshooks.Cards(res, testHookInstance)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cards {
				if !strings.HasPrefix(c.Summary, "Avoid for now: ") {
					continue
				}
				for _, l := range strings.Split(c.Detail, "\n") {
					if rest, ok := strings.CutPrefix(l, "- **"); ok {
						n, _, _ := strings.Cut(rest, "**")
						got = append(got, n)
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("avoid card's movements (-want +got):\n%s", diff)
			}
		})
	}
	if regrouped < 2 {
		t.Errorf("only %d profiles whose avoid groups differ from the Result's order: the test shows too little", regrouped)
	}
}

// TestCardsSayAStop checks that a movement the check-ins stopped is shown
// stopped on the cards, with why, and not with a dose to do, nor how to
// do it, its cautions or the plan's reason for it (which would still urge
// it, as the short report and the page do not): dead bug (also helpful) and the towel stretch (a
// plan step), reported worse at their first level, are stopped for a disc
// herniation, and the hamstring stretch (also helpful, with the caution
// sciatica gives it) for a disc herniation with sciatica.
func TestCardsSayAStop(t *testing.T) {
	for _, tt := range []struct{ movement, profile string }{
		{"dead_bug", "disc-herniation"},        // also helpful
		{"towel_stretch", "disc-herniation"},   // a plan step
		{"hamstring_stretch", "disc-sciatica"}, // also helpful, with a caution
	} {
		t.Run(tt.movement, func(t *testing.T) { cardsSayAStop(t, tt.movement, tt.profile) })
	}
}

func cardsSayAStop(t *testing.T, movement, profile string) {
	eng := defaultEngine(t)
	var name, dose string
	for _, m := range eng.Movements() {
		if m.ID == movement {
			name, dose = m.Name, m.Dose
		}
	}
	p := profileFile(t, profile)
	p.CheckIns = []recommend.CheckIn{
		{Day: 0, PainLevel: 4, Done: []recommend.Done{{Movement: movement, Sessions: 3, Response: "same"}}},
		{Day: 7, PainLevel: 5, Done: []recommend.Done{{Movement: movement, Sessions: 3, Response: "worse"}}},
	}
	res, err := eng.Recommend(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	for _, st := range res.Programme.Steps {
		stopped = stopped || st.Movement == movement && st.Change == recommend.ChangeStop
	}
	if !stopped {
		t.Fatalf("the programme does not stop %s: %+v", movement, res.Programme.Steps)
	}
	cards, err := cdshooks.Cards(res, testHookInstance)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range cards {
		for _, l := range strings.Split(c.Detail, "\n") {
			if strings.Contains(l, "**"+name+"**") || strings.HasSuffix(c.Summary, ": "+name) && strings.HasPrefix(l, "- **") {
				lines = append(lines, l)
			}
		}
	}
	if len(lines) == 0 {
		t.Fatalf("no card names %s", name)
	}
	said := strings.Join(lines, "\n")
	if !strings.Contains(said, "Stopped for now") || strings.Contains(said, dose) {
		t.Errorf("the cards do not say %s is stopped, or still give its dose:\n%s", name, said)
	}
	if strings.Contains(said, "How:") || strings.Contains(said, "Take care:") || strings.Contains(said, "Why:") {
		t.Errorf("the cards still tell how to do %s, its cautions or why to do it, though it is stopped:\n%s", name, said)
	}
	for _, it := range res.Recommended {
		for _, r := range it.Reasons {
			if it.Movement == movement && strings.Contains(said, r.Text()) {
				t.Errorf("the cards still give %s its reason to do it, though it is stopped: %q", name, r.Text())
			}
		}
	}
}

// TestCardsCiteEverySideTheyName checks that a card that says where the
// sources disagree about a movement lists every passage of each side in
// its sources, as the text report and the page cite them: a card that
// says a movement is "suggested by a practitioner's article" cites that
// article's passage, even on the avoid card, whose own advice rests on
// the other side.
func TestCardsCiteEverySideTheyName(t *testing.T) {
	eng := defaultEngine(t)
	profiles := map[string]recommend.Profile{
		"acute strain, day 2, pain 8, with a roller": {Conditions: []string{"acute_strain"}, PainLevel: 8, DaysSinceOnset: 2, Age: 35, Equipment: []string{"foam_roller"}},
		"stenosis at 73":                     {Conditions: []string{"spinal_stenosis"}, Age: 73, PainLevel: 4},
		"chronic stiffness and a disc":       {Conditions: []string{"chronic_stiffness", "disc_herniation"}, Age: 45, PainLevel: 3},
		"chronic stiffness and osteoporosis": {Conditions: []string{"chronic_stiffness", "osteoporosis"}, Age: 60, PainLevel: 3, Equipment: []string{"foam_roller"}},
	}
	for name, p := range profiles {
		t.Run(name, func(t *testing.T) {
			res, err := eng.Recommend(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Conflicts) == 0 {
				t.Fatal("no conflict: the profile checks nothing")
			}
			cards, err := cdshooks.Cards(res, testHookInstance)
			if err != nil {
				t.Fatal(err)
			}
			type missing struct{ Movement, Source, Locator string }
			var got []missing
			for _, c := range res.Conflicts {
				name := mdsafe.Line(c.Name)
				detail := ""
				for _, cd := range cards {
					if strings.Contains(cd.Detail, "**"+name+".** *Sources disagree:*") ||
						strings.HasSuffix(cd.Summary, ": "+c.Name) && strings.Contains(cd.Detail, "*Sources disagree:*") {
						detail = cd.Detail
					}
				}
				if detail == "" {
					t.Errorf("no card says where the sources disagree about %s", c.Name)
					continue
				}
				against, care := c.Opposing()
				sides := slices.Concat(c.For.Citations, c.Conditional, against, care)
				for _, ct := range sides {
					if !strings.Contains(detail, mdsafe.Line(ct.Claim())) {
						got = append(got, missing{c.Movement, ct.Source(), ct.Locator()})
					}
				}
			}
			if diff := cmp.Diff([]missing(nil), got); diff != "" {
				t.Errorf("passages a card's disagreement names but its sources leave out (-want +got):\n%s", diff)
			}
		})
	}
}
