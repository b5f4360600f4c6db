package recommend_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// adviceStep is what TestProgrammeFollowsTheAdvice compares of a step.
type adviceStep struct {
	Movement, Name, Change, Decided, Rule string
	Level                                 int
	Dose                                  string
	// Because is a part of the step's reason, and Sources its citations'
	// sources, without repeats.
	Because string
	Sources []string
}

func summarise(st recommend.Step, because string) adviceStep {
	var srcs []string
	for _, c := range st.Citations {
		if !slices.Contains(srcs, c.Source()) {
			srcs = append(srcs, c.Source())
		}
	}
	if !strings.Contains(st.Because, because) {
		because = st.Because
	}
	return adviceStep{Movement: st.Movement, Name: st.Name, Change: st.Change, Decided: st.Decided, Rule: st.Rule,
		Level: st.Level, Dose: st.Dose, Because: because, Sources: srcs}
}

// TestProgrammeFollowsTheAdvice checks that the programme never keeps,
// moves up or starts a movement the advice does not recommend: one it
// avoids, one that needs equipment the profile does not list, or one no
// rule recommends. Each stops, back at level 1 whatever level a rule
// moved it to, with a reason that says why and the citations of what
// decided it; the same profiles with the movement recommended keep it.
func TestProgrammeFollowsTheAdvice(t *testing.T) {
	def, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	// The default rules without their progression rule for a movement no
	// rule recommends: the engine stops it all the same.
	files := testrules.Copy(t)
	src := string(files["progress.yaml"].Data)
	start := strings.Index(src, "  - id: progress-stop-not-recommended")
	end := strings.Index(src, "  - id: progress-walking-less")
	if start < 0 || end < start {
		t.Fatal("progress.yaml has no progress-stop-not-recommended before progress-walking-less")
	}
	files["progress.yaml"].Data = []byte(src[:start] + src[end:])
	bare, err := recommend.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	done := func(day, pain int, moves ...string) recommend.CheckIn {
		c := ci(day, pain, moves...)
		for i := range c.Done {
			c.Done[i].Sessions = 7
		}
		return c
	}
	disc := []string{"disc_herniation"}
	tests := []struct {
		name    string
		eng     *recommend.Engine
		p       recommend.Profile
		want    []adviceStep
		because string // a part of the first step's reason
	}{
		{
			name: "a lumbar belt, which no rule recommends, reported the same then easier, stops",
			eng:  def,
			p: recommend.Profile{Conditions: disc, PainLevel: 5, CheckIns: []recommend.CheckIn{
				done(0, 5, "lumbar_belt", "same"), done(7, 4, "lumbar_belt", "easier")}},
			because: "does not recommend it",
			want: []adviceStep{{Movement: "lumbar_belt", Name: "Back belt, brace or corset", Change: "stop", Decided: "not_recommended",
				Rule: "progress-stop-not-recommended", Level: 1, Dose: "Not advised.", Because: "does not recommend it", Sources: []string{"nice-ng59"}}},
		},
		{
			name: "a rule set without a rule for it: the engine stops it, in its own words",
			eng:  bare,
			p: recommend.Profile{Conditions: disc, PainLevel: 5, CheckIns: []recommend.CheckIn{
				done(0, 5, "lumbar_belt", "same"), done(7, 4, "lumbar_belt", "easier")}},
			because: "does not recommend it, so it stops for now. Ask a clinician",
			want: []adviceStep{{Movement: "lumbar_belt", Name: "Back belt, brace or corset", Change: "stop", Decided: "not_recommended",
				Level: 1, Dose: "Not advised.", Because: "does not recommend it, so it stops for now. Ask a clinician"}},
		},
		{
			name: "towel decompression without a towel stops; walking goes on",
			eng:  def,
			p: recommend.Profile{Conditions: disc, PainLevel: 5, CheckIns: []recommend.CheckIn{
				done(0, 5, "towel_stretch", "same", "walking", "same"), done(7, 4, "towel_stretch", "easier", "walking", "easier")}},
			because: "needs equipment you did not list (towel)",
			want: []adviceStep{
				{Movement: "towel_stretch", Name: "Towel decompression", Change: "stop", Decided: "needs_equipment", Level: 1,
					Dose: "3 to 5 minutes, several times a day.", Because: "needs equipment you did not list (towel)", Sources: []string{"back-in-shape-stretches"}},
				{Movement: "walking", Name: "Walking", Change: "progress", Rule: "progress-up-easier", Level: 2,
					Dose: "Walks of 15 to 20 minutes most days, at a pace that still lets you talk.", Sources: []string{"selfback-2021"}},
			},
		},
		{
			name: "towel decompression with a towel goes on",
			eng:  def,
			p: recommend.Profile{Conditions: disc, Equipment: []string{"towel"}, PainLevel: 5, CheckIns: []recommend.CheckIn{
				done(0, 5, "towel_stretch", "same"), done(7, 4, "towel_stretch", "easier")}},
			want: []adviceStep{{Movement: "towel_stretch", Name: "Towel decompression", Change: "hold", Rule: "progress-hold-top-level", Level: 1,
				Dose: "3 to 5 minutes, several times a day.", Sources: []string{"selfback-2021"}}},
		},
		{
			name: "an avoided pelvic tilt that a rule would move up stops at level 1",
			eng:  def,
			p: recommend.Profile{Conditions: disc, AggravatedBy: []string{"bending_forward"}, PainLevel: 5, CheckIns: []recommend.CheckIn{
				done(0, 5, "pelvic_tilt", "same"), done(7, 4, "pelvic_tilt", "easier")}},
			because: "says to avoid it for now",
			want: []adviceStep{{Movement: "pelvic_tilt", Name: "Pelvic tilt", Change: "stop", Decided: "avoided", Level: 1,
				Dose: "10 to 15 slow repeats.", Because: "says to avoid it for now", Sources: []string{"long-2004-directional-preference", "back-in-shape-stretches"}}},
		},
		{
			name: "an avoided movement not reported at the latest check-in stops too",
			eng:  def,
			p: recommend.Profile{Conditions: disc, AggravatedBy: []string{"bending_forward"}, PainLevel: 5, CheckIns: []recommend.CheckIn{
				done(0, 5, "pelvic_tilt", "same"), done(7, 4, "walking", "same")}},
			because: "says to avoid it for now",
			want: []adviceStep{
				{Movement: "pelvic_tilt", Name: "Pelvic tilt", Change: "stop", Decided: "avoided", Level: 1,
					Dose: "10 to 15 slow repeats.", Because: "says to avoid it for now", Sources: []string{"long-2004-directional-preference", "back-in-shape-stretches"}},
				{Movement: "walking", Name: "Walking", Change: "start", Level: 1, Dose: "Short walks daily, a little longer every few days.",
					Sources: []string{"nice-ng59", "dahm-2010-cochrane"}},
			},
		},
		{
			name: "the same pelvic tilt, recommended for stiffness, moves up",
			eng:  def,
			p: recommend.Profile{Conditions: stiffness, PainLevel: 5, CheckIns: []recommend.CheckIn{
				done(0, 5, "pelvic_tilt", "same"), done(7, 4, "pelvic_tilt", "easier")}},
			want: []adviceStep{{Movement: "pelvic_tilt", Name: "Pelvic tilt", Change: "progress", Rule: "progress-up-easier", Level: 2,
				Dose: "15 to 20 slow repeats, holding the tilt for a breath or two each time.", Sources: []string{"selfback-2021"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.eng.Recommend(context.Background(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var got []adviceStep
			for i, st := range res.Programme.Steps {
				because := ""
				if i < len(tt.want) {
					because = tt.want[i].Because
				}
				got = append(got, summarise(st, because))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWorseTwiceCountsEachDay checks the earlier review: pain worse at two
// check-ins in a row, or on two days with check-ins in a row, each day
// read as its highest pain, so that a second reading on one day does not
// hide the rise.
func TestWorseTwiceCountsEachDay(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	pains := func(dayPain ...int) []recommend.CheckIn {
		var cs []recommend.CheckIn
		for i := 0; i+1 < len(dayPain); i += 2 {
			cs = append(cs, ci(dayPain[i], dayPain[i+1]))
		}
		return cs
	}
	tests := []struct {
		name     string
		checkIns []recommend.CheckIn
		want     bool // the worsening review
	}{
		{"4, 5, 6 a week apart", pains(0, 4, 7, 5, 14, 6), true},
		{"4, 5 and 5 again on day 7, 6", pains(0, 4, 7, 5, 7, 5, 14, 6), true},
		{"4, 5 and 4 on day 7, 6", pains(0, 4, 7, 5, 7, 4, 14, 6), true},
		{"4, 5, then 6 and 5 on day 14: the day's highest stands", pains(0, 4, 7, 5, 14, 6, 14, 5), true},
		{"4, 5 and 5 on day 7, then 5 on day 14: one rise", pains(0, 4, 7, 5, 7, 5, 14, 5), false},
		{"3, 4, 5 on one day: rises at each check-in still count", pains(0, 3, 0, 4, 0, 5), true},
		{"1, 2 and 2 on day 7, 3: mild pain", pains(0, 1, 7, 2, 7, 2, 14, 3), false},
		{"4, 6 and 5 on day 7, 6: no rise from day 7's highest", pains(0, 4, 7, 6, 7, 5, 14, 6), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			got := slices.ContainsFunc(res.Referrals, func(r recommend.Referral) bool {
				return slices.Contains(r.Rules, "progress-review-worsening")
			})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("worsening review (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPainNowFollowsTheLatestCheckIn checks that the rules read the higher
// of pain_level and the latest check-in's pain as the pain now, on every
// call that reads a profile: the high-pain caution (pain 7 or more)
// follows a check-in of 9 beside a pain_level of 3.
func TestPainNowFollowsTheLatestCheckIn(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	highPain := func(res *recommend.Result) bool {
		for _, it := range res.Recommended {
			for _, n := range it.Cautions {
				if n.Rule() == "high-pain-gentle-range" {
					return true
				}
			}
		}
		return false
	}
	tests := []struct {
		name     string
		pain     int
		checkIns []recommend.CheckIn
		want     bool
	}{
		{"pain 3, no check-ins", 3, nil, false},
		{"pain 3, latest check-in 9", 3, []recommend.CheckIn{ci(0, 3), ci(7, 9)}, true},
		{"pain 9, latest check-in 3", 9, []recommend.CheckIn{ci(0, 9), ci(7, 3)}, true},
		{"pain 3, an earlier check-in 9, the latest 4", 3, []recommend.CheckIn{ci(0, 9), ci(7, 4)}, false},
		{"no pain given, latest check-in 7", 0, []recommend.CheckIn{ci(0, 7)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := recommend.Profile{Conditions: stiffness, PainLevel: tt.pain, CheckIns: tt.checkIns}
			res, err := eng.Recommend(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, highPain(res)); diff != "" {
				t.Errorf("Recommend: high-pain caution (-want +got):\n%s", diff)
			}
			x, err := eng.NewExplainer(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, highPain(x.Result())); diff != "" {
				t.Errorf("Explainer: high-pain caution (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUrgentReferralHoldsProgression checks the clinical judgement call
// that an urgent or emergency referral that does not withhold advice
// still holds the programme: nothing moves up or starts again, each such
// step saying that the referral comes first; a first start, a hold and a
// step back stand.
func TestUrgentReferralHoldsProgression(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	up := []recommend.CheckIn{ci(0, 5, "walking", "same", "glute_bridge", "same"), ci(7, 4, "walking", "easier", "glute_bridge", "harder")}
	restart := []recommend.CheckIn{ci(0, 6, "glute_bridge", "same"), ci(7, 5, "glute_bridge", "worse"), ci(14, 5, "glute_bridge", "worse"),
		ci(21, 4, "glute_bridge", "same", "walking", "same")}
	type step struct {
		Movement, Change, Decided string
		Level                     int
	}
	tests := []struct {
		name     string
		redFlags []string
		checkIns []recommend.CheckIn
		want     []step
	}{
		{"no red flag: walking moves up", nil, up,
			[]step{{"walking", "progress", "", 2}, {"glute_bridge", "hold", "", 2}}},
		{"night pain: walking stays at level 1", []string{"night_pain"}, up,
			[]step{{"walking", "hold", "referral", 1}, {"glute_bridge", "hold", "", 2}}},
		{"unexplained weight loss: walking stays at level 1", []string{"unexplained_weight_loss"}, up,
			[]step{{"walking", "hold", "referral", 1}, {"glute_bridge", "hold", "", 2}}},
		{"no red flag: a stopped glute bridge starts again", nil, restart,
			[]step{{"glute_bridge", "start", "", 1}, {"walking", "start", "", 1}}},
		{"night pain: a stopped glute bridge stays stopped; walking starts", []string{"night_pain"}, restart,
			[]step{{"glute_bridge", "stop", "referral", 1}, {"walking", "start", "", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"disc_herniation"}, RedFlags: tt.redFlags, CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			if res.Withheld || res.Programme == nil {
				t.Fatalf("advice withheld (%v) or no programme", res.Withheld)
			}
			var got []step
			for _, st := range res.Programme.Steps {
				got = append(got, step{st.Movement, st.Change, st.Decided, st.Level})
				if st.Decided == recommend.DecidedReferral {
					if !strings.Contains(st.Because, "referral to a clinician stands, and it comes first") {
						t.Errorf("%s: because %q does not say the referral comes first", st.Movement, st.Because)
					}
					if len(st.Citations) == 0 {
						t.Errorf("%s: held by the referral without its citations", st.Movement)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUrgentReviewHoldsProgression checks that a programme review a rule
// set makes urgent holds progression as an urgent referral of the advice
// does: the default rules' reviews are routine, so only a rule set with
// an urgent one shows it. With the review routine, the same check-ins
// move walking up and start the stopped glute bridge again.
func TestUrgentReviewHoldsProgression(t *testing.T) {
	checkIns := []recommend.CheckIn{ci(0, 6, "glute_bridge", "same", "walking", "same"), ci(7, 5, "glute_bridge", "worse", "walking", "same"),
		ci(14, 5, "glute_bridge", "worse", "walking", "same"), ci(21, 4, "glute_bridge", "same", "walking", "easier")}
	type step struct {
		Movement, Change, Rule, Decided string
		Level                           int
	}
	tests := []struct {
		urgency recommend.Urgency
		want    []step
	}{
		{recommend.UrgencyRoutine, []step{{"glute_bridge", "start", "progress-restart", "", 1}, {"walking", "progress", "progress-up-easier", "", 2}}},
		{recommend.UrgencyUrgent, []step{{"glute_bridge", "stop", "", "referral", 1}, {"walking", "hold", "", "referral", 1}}},
	}
	for _, tt := range tests {
		t.Run(string(tt.urgency), func(t *testing.T) {
			fsys := testrules.Copy(t)
			fsys["progress.yaml"].Data = append(slices.Clone(fsys["progress.yaml"].Data), []byte(`
  - id: test-review-three-weeks
    when: programme.weeks >= 3
    refer:
      urgency: `+string(tt.urgency)+`
      message: Three weeks in, see your GP or physiotherapist to look at the plan again. This is advice to get assessed, not a diagnosis.
      clinician: Three weeks of the programme; review the plan.
    because: A test review.
    cite:
      - source: nice-ng59
        locator: Recommendation 1.1.3
        claim: More intensive support is considered for people at higher risk of a poor outcome.
`)...)
			eng, err := recommend.Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: stiffness, CheckIns: checkIns})
			if err != nil {
				t.Fatal(err)
			}
			if res.Withheld || res.Programme == nil {
				t.Fatalf("advice withheld (%v) or no programme", res.Withheld)
			}
			i := slices.IndexFunc(res.Referrals, func(r recommend.Referral) bool { return slices.Contains(r.Rules, "test-review-three-weeks") })
			if i < 0 || res.Referrals[i].Urgency != tt.urgency {
				t.Fatalf("the review is not among the referrals, %s: %+v", tt.urgency, res.Referrals)
			}
			var got []step
			for _, st := range res.Programme.Steps {
				got = append(got, step{st.Movement, st.Change, st.Rule, st.Decided, st.Level})
				if st.Decided != recommend.DecidedReferral {
					continue
				}
				if !strings.HasPrefix(st.Because, "An urgent referral to a clinician stands, and it comes first") {
					t.Errorf("%s: because %q does not say the urgent referral comes first", st.Movement, st.Because)
				}
				if diff := cmp.Diff(res.Referrals[i].Citations, st.Citations); diff != "" {
					t.Errorf("%s: citations, want the review's (-want +got):\n%s", st.Movement, diff)
				}
				if !slices.Contains(st.Facts, "an urgent referral stands, by test-review-three-weeks") {
					t.Errorf("%s: facts %q do not name the review", st.Movement, st.Facts)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGeneratedProgrammesFollowTheAdvice replays generated profiles and
// check-ins over every movement of the rule set and checks, at each
// check-in: every step names its movement as the rule set does and cites
// at least one source; a movement the advice does not recommend is
// stopped, at level 1, saying what decided it; and while an urgent or
// emergency referral stands nothing moves up or starts again.
func TestGeneratedProgrammesFollowTheAdvice(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	names := map[string]string{}
	var ids []string
	for _, m := range eng.Movements() {
		names[m.ID] = m.Name
		ids = append(ids, m.ID)
	}
	responses := []string{"easier", "same", "harder", "worse"}
	rng := rand.New(rand.NewPCG(8, 2026))
	voc := eng.Vocabulary()
	programmes, steps := 0, 0
	for trial := range 300 {
		p := testrules.RandomProfile(rng, voc)
		if trial%3 == 0 {
			p.RedFlags = []string{[]string{"night_pain", "unexplained_weight_loss"}[rng.IntN(2)]}
		}
		moves := make([]string, 1+rng.IntN(6))
		for i := range moves {
			moves[i] = ids[rng.IntN(len(ids))]
		}
		slices.Sort(moves)
		moves = slices.Compact(moves)
		day, pain := 0, rng.IntN(11)
		stoppedBefore := map[string]bool{}
		for range 6 {
			c := recommend.CheckIn{Day: day, PainLevel: pain}
			for _, m := range moves {
				if rng.IntN(4) > 0 {
					c.Done = append(c.Done, recommend.Done{Movement: m, Sessions: rng.IntN(5), Response: responses[rng.IntN(4)]})
				}
			}
			p.CheckIns = append(p.CheckIns, c)
			res, err := eng.Recommend(ctx, p)
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			if res.Programme == nil {
				break
			}
			programmes++
			urgent := slices.ContainsFunc(res.Referrals, func(r recommend.Referral) bool { return r.Urgency.AtLeast(recommend.UrgencyUrgent) })
			for _, st := range res.Programme.Steps {
				steps++
				if st.Name != names[st.Movement] {
					t.Errorf("trial %d day %d: %s is named %q, want %q", trial, day, st.Movement, st.Name, names[st.Movement])
				}
				if len(st.Citations) == 0 {
					t.Errorf("trial %d day %d: %s (%s, %q) cites nothing", trial, day, st.Movement, st.Change, st.Because)
				}
				recommended := slices.ContainsFunc(res.Recommended, func(it recommend.Item) bool { return it.Movement == st.Movement })
				if !recommended && (st.Change != recommend.ChangeStop || st.Level != 1 || st.Decided == "") {
					t.Errorf("trial %d day %d: %s is not recommended, and is %s at level %d (decided %q)", trial, day, st.Movement, st.Change, st.Level, st.Decided)
				}
				if urgent && (st.Change == recommend.ChangeProgress || st.Change == recommend.ChangeStart && stoppedBefore[st.Movement]) {
					t.Errorf("trial %d day %d: %s is %s beside an urgent referral", trial, day, st.Movement, st.Change)
				}
				stoppedBefore[st.Movement] = st.Change == recommend.ChangeStop
			}
			day += 1 + rng.IntN(10)
			pain = min(10, max(0, pain+rng.IntN(5)-2))
		}
	}
	if programmes < 500 || steps < 1500 {
		t.Fatalf("only %d programmes with %d steps: the generator no longer reaches the programme", programmes, steps)
	}
}

// TestTriageReadsTheLatestCheckInsPain checks that Triage, for a profile
// with problems, reads the pain now as Recommend does: the higher of
// pain_level and the latest check-in's pain, that pain counted as its
// nearest bound when out of range, so that a referral a rule gives for
// high pain is not hidden by a lower pain_level.
func TestTriageReadsTheLatestCheckInsPain(t *testing.T) {
	files := testrules.Copy(t)
	files["zz-pain.yaml"] = &fstest.MapFile{Data: []byte(`rules:
  - id: test-very-high-pain
    description: Very high pain is reviewed.
    when: "profile.pain_level >= 9"
    refer:
      urgency: routine
      message: Very high pain is worth a check with your GP. This is advice to get assessed, not a diagnosis.
    because: Very high pain is worth a check.
    cite:
      - source: nice-ng59
        locator: Recommendation 1.1.1
        claim: Asks clinicians to think about other diagnoses, above all when symptoms are new or changing.
`)}
	eng, err := recommend.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		pain     int
		checkIns []recommend.CheckIn
		want     bool
	}{
		{"pain 3, no check-ins", 3, nil, false},
		{"pain 3, latest check-in 9", 3, []recommend.CheckIn{ci(0, 2), ci(7, 9)}, true},
		{"pain 3, latest check-in 12, read as 10", 3, []recommend.CheckIn{ci(0, 12)}, true},
		{"pain 9, latest check-in 2", 9, []recommend.CheckIn{ci(0, 2)}, true},
		{"pain 3, an earlier check-in 9, the latest 2", 3, []recommend.CheckIn{ci(0, 9), ci(7, 2)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// An unknown condition is the problem that sends the profile
			// to Triage.
			res, err := eng.Triage(context.Background(), recommend.Profile{Conditions: []string{"no_such_condition"}, PainLevel: tt.pain, CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			got := slices.ContainsFunc(res.Referrals, func(r recommend.Referral) bool { return slices.Contains(r.Rules, "test-very-high-pain") })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("the high-pain referral (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStoppedStaysStoppedInTheReplay checks that a stopped movement is
// not restarted in the replay of an earlier check-in whose own pain is
// below the pain at the stop while the pain now is not: the answer for
// that check-in kept it stopped, and so does the replay, at every later
// check-in, reported or not.
func TestStoppedStaysStoppedInTheReplay(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	base := recommend.Profile{Conditions: []string{"disc_herniation"}, PainLevel: 5, DaysSinceOnset: 30}
	checkIns := []recommend.CheckIn{
		{Day: 1, PainLevel: 3, Done: []recommend.Done{{Movement: "plank", Sessions: 1, Response: "worse"}}},
		{Day: 8, PainLevel: 2, Done: []recommend.Done{{Movement: "plank", Sessions: 2, Response: "same"}}},
		{Day: 15, PainLevel: 2},
	}
	for n := 1; n <= len(checkIns); n++ {
		t.Run(fmt.Sprintf("%d check-ins", n), func(t *testing.T) {
			p := base
			p.CheckIns = checkIns[:n]
			res, err := eng.Recommend(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, st := range res.Programme.Steps {
				if st.Movement == "plank" {
					got = append(got, st.Change)
				}
			}
			if diff := cmp.Diff([]string{recommend.ChangeStop}, got); diff != "" {
				t.Errorf("plank's step (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEarlierCheckInsHoldAsTheirAnswersDid checks that the replay of an
// earlier check-in holds a movement as that check-in's own answer did:
// while an urgent referral of the advice, or an urgent review the
// check-ins called for then, stood, a movement its answer kept at its
// level, or kept stopped, is at that level, or stopped, at the next
// check-in too. Before, only the latest check-in was held: walking, held
// at level 1 beside night pain at day 7, was at level 2 at day 14 with
// "stay at this level", and a glute bridge kept stopped at day 21 was
// going again at day 28, the referral still standing.
func TestEarlierCheckInsHoldAsTheirAnswersDid(t *testing.T) {
	def, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	fsys := testrules.Copy(t)
	fsys["progress.yaml"].Data = append(slices.Clone(fsys["progress.yaml"].Data), []byte(`
  - id: test-review-three-weeks
    when: programme.weeks >= 3
    refer:
      urgency: urgent
      message: Three weeks in, see your GP or physiotherapist to look at the plan again. This is advice to get assessed, not a diagnosis.
      clinician: Three weeks of the programme; review the plan.
    because: A test review.
    cite:
      - source: nice-ng59
        locator: Recommendation 1.1.3
        claim: More intensive support is considered for people at higher risk of a poor outcome.
`)...)
	urgentReview, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Movement, Change, Decided string
		Level                     int
	}
	tests := []struct {
		name string
		eng  *recommend.Engine
		p    recommend.Profile
		want []step
	}{
		{"night pain: walking held at day 7 is at level 1 at day 14", def,
			recommend.Profile{Conditions: []string{"disc_herniation"}, RedFlags: []string{"night_pain"},
				CheckIns: []recommend.CheckIn{ci(0, 5, "walking", "same"), ci(7, 4, "walking", "easier"), ci(14, 4, "walking", "same")}},
			[]step{{"walking", "hold", "", 1}}},
		{"night pain: a glute bridge kept stopped at day 21 is stopped at day 28", def,
			recommend.Profile{Conditions: []string{"disc_herniation"}, RedFlags: []string{"night_pain"},
				CheckIns: []recommend.CheckIn{ci(0, 6, "glute_bridge", "same"), ci(7, 5, "glute_bridge", "worse"), ci(14, 5, "glute_bridge", "worse"),
					ci(21, 4, "glute_bridge", "same"), ci(28, 4)}},
			[]step{{"glute_bridge", "stop", "referral", 1}}},
		{"an urgent review at day 21 holds walking at day 28", urgentReview,
			recommend.Profile{Conditions: stiffness,
				CheckIns: []recommend.CheckIn{ci(0, 6, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 5, "walking", "same"),
					ci(21, 4, "walking", "easier"), ci(28, 4, "walking", "same")}},
			[]step{{"walking", "hold", "", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The answer at the check-in before the latest holds.
			prev := tt.p
			prev.CheckIns = tt.p.CheckIns[:len(tt.p.CheckIns)-1]
			res, err := tt.eng.Recommend(context.Background(), prev)
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range res.Programme.Steps {
				if st.Decided != recommend.DecidedReferral {
					t.Fatalf("the answer at day %d: %s is %s at level %d, not held by the referral", prev.CheckIns[len(prev.CheckIns)-1].Day, st.Movement, st.Change, st.Level)
				}
			}
			res, err = tt.eng.Recommend(context.Background(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Withheld || res.Programme == nil {
				t.Fatalf("advice withheld (%v) or no programme", res.Withheld)
			}
			var got []step
			for _, st := range res.Programme.Steps {
				got = append(got, step{st.Movement, st.Change, st.Decided, st.Level})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReviewLeavesOutReassurance checks that a programme review leaves
// out the reassurance, routine or urgent: it says the pain has not eased
// or has risen, so "most new back pain eases over a few weeks, give it
// time" beside it told the opposite (the message rule's own description
// keeps it from people for whom a review is advised instead, but a rule
// cannot see the check-ins' reviews). The messages were built before the
// reviews were known, so both stood together. Check-ins that call for no
// review keep it.
func TestReviewLeavesOutReassurance(t *testing.T) {
	def, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	fsys := testrules.Copy(t)
	data := string(fsys["progress.yaml"].Data)
	at := strings.Index(data, "- id: progress-review-worsening")
	if at < 0 {
		t.Fatal("progress.yaml has no progress-review-worsening")
	}
	fsys["progress.yaml"].Data = []byte(data[:at] + strings.Replace(data[at:], "urgency: routine", "urgency: urgent", 1))
	urgent, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	// An acute strain of ten days, whose advice reassures.
	strain := func(cs ...recommend.CheckIn) recommend.Profile {
		return recommend.Profile{Conditions: []string{"acute_strain"}, PainLevel: 4, DaysSinceOnset: 10, CheckIns: cs}
	}
	rising := strain(ci(0, 4, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 6, "walking", "same"))
	// Six weeks in (the onset is the profile's, as typed when the
	// programme began), the pain has not eased.
	flat := strain(ci(0, 5, "walking", "same"), ci(21, 5, "walking", "same"), ci(42, 5, "walking", "same"))
	easing := strain(ci(0, 6, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 4, "walking", "same"))
	tests := []struct {
		name        string
		eng         *recommend.Engine
		p           recommend.Profile
		review      string // the review the check-ins call for, first among the referrals, or ""
		reassurance bool
	}{
		{"no review keeps it", def, easing, "", true},
		{"routine worsening review leaves it out", def, rising, "progress-review-worsening", false},
		{"routine six-week review leaves it out", def, flat, "progress-review-not-improving", false},
		{"urgent worsening review leaves it out", urgent, rising, "progress-review-worsening", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.eng.Recommend(context.Background(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			for _, r := range res.Referrals {
				rules = append(rules, r.Rules...)
			}
			if tt.review == "" && len(rules) > 0 || tt.review != "" && (len(rules) == 0 || rules[0] != tt.review) {
				t.Fatalf("referrals %v, want %q first", rules, tt.review)
			}
			got := slices.ContainsFunc(res.Messages, func(m recommend.Message) bool { return m.Kind == recommend.MessageKindReassurance })
			if got != tt.reassurance {
				t.Errorf("reassurance shown: %v, want %v (messages %v)", got, tt.reassurance, res.Messages)
			}
		})
	}
}

// TestEachAnswerFollowsTheLast replays generated histories one check-in
// at a time, with a pain_level and sometimes an urgent red flag that the
// profile keeps throughout, and checks that each answer follows the one
// before it: a movement is never more than one level above where the
// previous answer left it, is above it only when its step is "progress",
// and one the previous answer stopped is stopped or starting again. The
// replay of an earlier check-in must make the choice its own answer made.
func TestEachAnswerFollowsTheLast(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	moves := []string{"walking", "glute_bridge", "bird_dog", "pelvic_tilt", "cat_cow", "heat"}
	responses := []string{"easier", "easier", "same", "harder", "worse"}
	rng := rand.New(rand.NewPCG(23, 2026))
	compared := 0
	for trial := range 150 {
		p := recommend.Profile{Conditions: []string{"disc_herniation"}, PainLevel: rng.IntN(11)}
		if trial%3 == 0 {
			p.RedFlags = []string{[]string{"night_pain", "unexplained_weight_loss"}[rng.IntN(2)]}
		}
		var cs []recommend.CheckIn
		day, pain := 0, rng.IntN(9)
		for range 2 + rng.IntN(8) {
			c := recommend.CheckIn{Day: day, PainLevel: pain}
			for _, m := range moves {
				if rng.IntN(4) > 0 {
					c.Done = append(c.Done, recommend.Done{Movement: m, Sessions: 1 + rng.IntN(5), Response: responses[rng.IntN(len(responses))]})
				}
			}
			cs = append(cs, c)
			day += []int{1, 7, 7, 7, 8, 14}[rng.IntN(6)]
			pain = min(10, max(0, pain+rng.IntN(5)-2))
		}
		prev := map[string]recommend.Step{}
		for k := 1; k <= len(cs); k++ {
			p.CheckIns = cs[:k]
			res, err := eng.Recommend(ctx, p)
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			if res.Programme == nil {
				break
			}
			for _, st := range res.Programme.Steps {
				before, ok := prev[st.Movement]
				if !ok {
					continue
				}
				compared++
				switch {
				case st.Level > before.Level+1,
					st.Level > before.Level && st.Change != recommend.ChangeProgress,
					before.Change == recommend.ChangeStop && st.Change != recommend.ChangeStop && st.Change != recommend.ChangeStart:
					t.Errorf("trial %d, day %d: %s went from %s at level %d to %s at level %d (pain_level %d, red flags %v, check-ins %+v)",
						trial, cs[k-1].Day, st.Movement, before.Change, before.Level, st.Change, st.Level, p.PainLevel, p.RedFlags, p.CheckIns)
				}
			}
			clear(prev)
			for _, st := range res.Programme.Steps {
				prev[st.Movement] = st
			}
		}
	}
	if compared < 1000 {
		t.Fatalf("only %d steps compared with the answer before: the generator no longer reaches the programme", compared)
	}
}
