package recommend_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestNoStepUpUnderTheHighPainCaution checks that the programme never
// moves a movement up in the result whose caution says the pain is high
// and building up can wait, and does move it up when the pain is below
// that: the progression rules' threshold is the caution's. The pain is
// the same in the profile and at both check-ins.
func TestNoStepUpUnderTheHighPainCaution(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	for pain := range 11 {
		t.Run(fmt.Sprintf("pain %d", pain), func(t *testing.T) {
			p := recommend.Profile{Conditions: []string{"disc_herniation"}, PainLevel: pain,
				CheckIns: []recommend.CheckIn{ci(0, pain, "glute_bridge", "same"), ci(7, pain, "glute_bridge", "easier")}}
			res, err := eng.Recommend(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(res.Recommended, func(it recommend.Item) bool { return it.Movement == "glute_bridge" })
			if i < 0 || res.Programme == nil {
				t.Fatalf("glute_bridge is not recommended (%d) or there is no programme: the case no longer tests the caution", i)
			}
			cautioned := slices.Contains(res.Recommended[i].Rules(), "high-pain-gentle-range")
			if cautioned != (pain >= 7) {
				t.Fatalf("the high-pain caution at pain %d: %v: the test's threshold is no longer the caution's", pain, cautioned)
			}
			type step struct{ Change, Rule string }
			s := res.Programme.Steps[0]
			want := step{recommend.ChangeProgress, "progress-up-easier"}
			if cautioned {
				want = step{recommend.ChangeHold, "progress-hold-pain-high"}
			}
			if diff := cmp.Diff(want, step{s.Change, s.Rule}); diff != "" {
				t.Errorf("glute_bridge's step (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDuplicateCheckInRefused checks that Validate, and so Recommend on
// every channel, refuses a check-in sent twice (the same day, pain,
// function and movements done), which would step a movement back twice
// and count its sessions twice, with the second one's path; and accepts
// two equal pain scores on one day with nothing done.
func TestDuplicateCheckInRefused(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		checkIns []recommend.CheckIn
		want     []string // the Field of each problem
	}{
		{
			name:     "the latest sent twice",
			checkIns: []recommend.CheckIn{ci(0, 5, "glute_bridge", "same"), ci(7, 5, "glute_bridge", "worse"), ci(7, 5, "glute_bridge", "worse")},
			want:     []string{"check_ins[2]"},
		},
		{
			name:     "sent three times",
			checkIns: []recommend.CheckIn{ci(3, 5, "walking", "same"), ci(3, 5, "walking", "same"), ci(3, 5, "walking", "same")},
			want:     []string{"check_ins[1]", "check_ins[2]"},
		},
		{
			name:     "two equal pain scores on one day",
			checkIns: []recommend.CheckIn{ci(0, 5), ci(0, 5), ci(7, 4)},
		},
		{
			name:     "the same report on another day",
			checkIns: []recommend.CheckIn{ci(0, 5, "walking", "same"), ci(1, 5, "walking", "same")},
		},
		{
			name:     "another pain on the same day",
			checkIns: []recommend.CheckIn{ci(0, 5, "walking", "same"), ci(0, 6, "walking", "same")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := eng.Validate(recommend.Profile{CheckIns: tt.checkIns})
			var got []string
			var pe *recommend.ProfileError
			switch {
			case errors.As(err, &pe):
				for _, fp := range pe.Problems {
					got = append(got, fp.Field)
				}
			case err != nil:
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStoppedMovementSaysWhy checks what a stopped movement tells the
// person while the pain, though easing since the previous check-in, is
// still above the pain it was stopped at: it stays stopped, and neither
// its reason nor its facts say the pain has eased since it was stopped.
func TestStoppedMovementSaysWhy(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{Conditions: stiffness, CheckIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "same"), ci(7, 5, "pelvic_tilt", "worse"),
		ci(14, 9, "pelvic_tilt", "same"), ci(21, 8, "pelvic_tilt", "same")}}
	ex, err := eng.Explain(context.Background(), p, "pelvic_tilt")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Programme == nil {
		t.Fatal("Explanation.Programme is nil")
	}
	type step struct {
		Change, Rule, Because string
		Facts                 []string
	}
	want := step{Change: recommend.ChangeStop, Rule: "progress-stay-stopped",
		Because: "The pain has not come down below where it was when this stopped, so it stays stopped for now.",
		Facts: []string{"day 21, week 4 of the programme", "reported same, 3 sessions since the previous check-in",
			"pain 8, 9 at the previous check-in and 5 at the first", "it was stopped at an earlier check-in, when the pain was 5",
			"at level 1 of 2 before this check-in"}}
	got := step{ex.Programme.Change, ex.Programme.Rule, ex.Programme.Because, ex.Programme.Facts}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pelvic_tilt's step (-want +got):\n%s", diff)
	}
}

// TestProgressionReadsThePainNow checks that the progression rules read
// the pain now, the pain the advice reads (the higher of pain_level and
// the latest check-in's pain), where the high-pain caution does: a
// pain_level of 8 beside a check-in of 4 holds a movement reported
// easier, as the caution beside it says building up can wait, and keeps
// a stopped one stopped; the trend (whether the pain is rising) reads
// the check-ins.
func TestProgressionReadsThePainNow(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		pain     int
		checkIns []recommend.CheckIn
		want     []stepSummary
	}{
		{
			name:     "pain_level 8 beside a check-in of 4: easier holds",
			pain:     8,
			checkIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "same", "walking", "same"), ci(7, 4, "pelvic_tilt", "easier", "walking", "easier")},
			want:     []stepSummary{{"pelvic_tilt", "hold", "progress-hold-pain-high", 1}, {"walking", "hold", "progress-hold-pain-high", 1}},
		},
		{
			name:     "pain_level 7, the caution's threshold, beside a check-in of 4: easier holds",
			pain:     7,
			checkIns: []recommend.CheckIn{ci(0, 5, "glute_bridge", "same"), ci(7, 4, "glute_bridge", "easier")},
			want:     []stepSummary{{"glute_bridge", "hold", "progress-hold-pain-high", 2}},
		},
		{
			name:     "pain_level 6 beside a check-in of 4: easier moves up",
			pain:     6,
			checkIns: []recommend.CheckIn{ci(0, 5, "glute_bridge", "same"), ci(7, 4, "glute_bridge", "easier")},
			want:     []stepSummary{{"glute_bridge", "progress", "progress-up-easier", 3}},
		},
		{
			name:     "pain_level 3 beside a check-in of 4: the check-in is the pain now",
			pain:     3,
			checkIns: []recommend.CheckIn{ci(0, 5, "glute_bridge", "same"), ci(7, 4, "glute_bridge", "easier")},
			want:     []stepSummary{{"glute_bridge", "progress", "progress-up-easier", 3}},
		},
		{
			// The replay of day 7 reads the pain now its own answer read
			// (pain_level 8 beside 4), which held it: the step up at day 7
			// is not made there, so day 14 holds at level 2, not at a
			// level 3 no answer moved it to.
			name: "pain_level 8 holds the earlier check-ins' steps too",
			pain: 8,
			checkIns: []recommend.CheckIn{ci(0, 5, "glute_bridge", "same"), ci(7, 4, "glute_bridge", "easier"),
				ci(14, 4, "glute_bridge", "easier")},
			want: []stepSummary{{"glute_bridge", "hold", "progress-hold-pain-high", 2}},
		},
		{
			name:     "stopped at 5, a check-in of 4 beside pain_level 6: stays stopped",
			pain:     6,
			checkIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "worse"), ci(7, 4, "pelvic_tilt", "same")},
			want:     []stepSummary{{"pelvic_tilt", "stop", "progress-stay-stopped", 1}},
		},
		{
			name:     "stopped at 5, a check-in of 4 beside pain_level 8: stays stopped",
			pain:     8,
			checkIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "worse"), ci(7, 4, "pelvic_tilt", "same")},
			want:     []stepSummary{{"pelvic_tilt", "stop", "progress-stay-stopped", 1}},
		},
		{
			name:     "stopped at 5, a check-in of 4 beside pain_level 4: restarts",
			pain:     4,
			checkIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "worse"), ci(7, 4, "pelvic_tilt", "same")},
			want:     []stepSummary{{"pelvic_tilt", "start", "progress-restart", 1}},
		},
		{
			name:     "stopped at 9, pain 8 now: below where it stopped, but high, so it stays stopped",
			checkIns: []recommend.CheckIn{ci(0, 9, "pelvic_tilt", "worse"), ci(7, 8, "pelvic_tilt", "same")},
			want:     []stepSummary{{"pelvic_tilt", "stop", "progress-stay-stopped-pain-high", 1}},
		},
		{
			name:     "stopped at 9, a check-in of 5 beside pain_level 7: stays stopped",
			pain:     7,
			checkIns: []recommend.CheckIn{ci(0, 9, "pelvic_tilt", "worse"), ci(7, 5, "pelvic_tilt", "same")},
			want:     []stepSummary{{"pelvic_tilt", "stop", "progress-stay-stopped-pain-high", 1}},
		},
		{
			name:     "stopped at 9, pain 6 now: restarts",
			checkIns: []recommend.CheckIn{ci(0, 9, "pelvic_tilt", "worse"), ci(7, 6, "pelvic_tilt", "same")},
			want:     []stepSummary{{"pelvic_tilt", "start", "progress-restart", 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: stiffness, PainLevel: tt.pain, CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			if res.Programme == nil {
				t.Fatal("Programme is nil")
			}
			var got []stepSummary
			for _, s := range res.Programme.Steps {
				got = append(got, stepSummary{s.Movement, s.Change, s.Rule, s.Level})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			// A step up never sits beside the caution that says building
			// up can wait.
			for _, s := range res.Programme.Steps {
				i := slices.IndexFunc(res.Recommended, func(it recommend.Item) bool { return it.Movement == s.Movement })
				if s.Change == recommend.ChangeProgress && i >= 0 && slices.Contains(res.Recommended[i].Rules(), "high-pain-gentle-range") {
					t.Errorf("%s moves up beside the high-pain caution", s.Movement)
				}
			}
		})
	}
}

// TestExplainSaysThePainNow checks that a step's facts, and a review's,
// say the pain now when the profile's pain_level is higher than the
// latest check-in's pain, and only then.
func TestExplainSaysThePainNow(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	const fact = "pain now 8: the profile's pain level, higher than the 4 of the latest check-in, is the pain the advice reads"
	tests := []struct {
		name string
		pain int
		want []string
	}{
		{"pain_level 8", 8, []string{"day 7, week 2 of the programme", "reported easier, 3 sessions since the previous check-in",
			"pain 4, 5 at the previous check-in and 5 at the first", fact, "at level 1 of 2 before this check-in"}},
		{"pain_level 3", 3, []string{"day 7, week 2 of the programme", "reported easier, 3 sessions since the previous check-in",
			"pain 4, 5 at the previous check-in and 5 at the first", "at level 1 of 2 before this check-in"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := recommend.Profile{Conditions: stiffness, PainLevel: tt.pain,
				CheckIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "same"), ci(7, 4, "pelvic_tilt", "easier")}}
			ex, err := eng.Explain(context.Background(), p, "pelvic_tilt")
			if err != nil {
				t.Fatal(err)
			}
			if ex.Programme == nil {
				t.Fatal("Explanation.Programme is nil")
			}
			if diff := cmp.Diff(tt.want, ex.Programme.Facts); diff != "" {
				t.Errorf("facts (-want +got):\n%s", diff)
			}
			x, err := eng.ExplainReferrals(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range x.Reviews {
				if got, want := slices.Contains(r.Facts, fact), tt.pain == 8; got != want {
					t.Errorf("review %s's facts %q: the pain now said %v, want %v", r.Rule, r.Facts, got, want)
				}
			}
		})
	}
}

// TestNoStepUpWhileThePainNowIsHigh replays generated profiles (a
// condition, a pain_level, sometimes none) with generated check-ins, and
// checks that no step moves a movement up, or starts again one an
// earlier check-in reported, while the pain now (the higher of pain_level
// and the latest check-in's pain) is 7 or more: the high-pain caution
// says building up can wait.
func TestNoStepUpWhileThePainNowIsHigh(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var conditions []string
	for _, c := range eng.Vocabulary().Conditions {
		conditions = append(conditions, c.ID)
	}
	moves := []string{"glute_bridge", "bird_dog", "walking", "pelvic_tilt", "cat_cow"}
	responses := []string{"easier", "same", "harder", "worse"}
	rng := rand.New(rand.NewPCG(7, 2026))
	high, checked := 0, 0
	for trial := range 400 {
		p := recommend.Profile{Conditions: []string{conditions[rng.IntN(len(conditions))]}, PainLevel: rng.IntN(11)}
		if rng.IntN(4) == 0 {
			p.PainLevel = 0
		}
		day, pain := 0, rng.IntN(11)
		reported := map[string]bool{}
		for range 1 + rng.IntN(7) {
			c := recommend.CheckIn{Day: day, PainLevel: pain}
			for _, m := range moves {
				if rng.IntN(3) > 0 {
					c.Done = append(c.Done, recommend.Done{Movement: m, Sessions: rng.IntN(4), Response: responses[rng.IntN(4)]})
				}
			}
			p.CheckIns = append(p.CheckIns, c)
			day += 1 + rng.IntN(10)
			pain = min(10, max(0, pain+rng.IntN(5)-2))
		}
		last := p.CheckIns[len(p.CheckIns)-1]
		for _, c := range p.CheckIns[:len(p.CheckIns)-1] {
			for _, d := range c.Done {
				reported[d.Movement] = true
			}
		}
		res, err := eng.Recommend(ctx, p)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		now := max(p.PainLevel, last.PainLevel)
		if res.Programme == nil || now < 7 {
			continue
		}
		high++
		for _, s := range res.Programme.Steps {
			checked++
			if s.Change == recommend.ChangeProgress || s.Change == recommend.ChangeStart && reported[s.Movement] {
				t.Errorf("trial %d: %s is %s (%s) at pain now %d (pain_level %d, check-ins %+v)",
					trial, s.Movement, s.Change, s.Rule, now, p.PainLevel, p.CheckIns)
			}
		}
	}
	t.Logf("%d profiles with a programme at high pain, %d steps", high, checked)
	if high < 50 || checked < 100 {
		t.Fatalf("only %d profiles with a programme at high pain, %d steps: the generator no longer tests the rule", high, checked)
	}
}

// TestAWeekAtALevelBeforeAStepUp checks that a movement moves up only
// after a week at its level since it started, started again or stepped
// back, not only a week after it last moved up: before, a movement
// started at a first check-in moved up at a second one the same day, one
// that made the pain worse and stepped back moved up again the next day,
// and one stopped for it started again and moved up within two days.
func TestAWeekAtALevelBeforeAStepUp(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Change, Rule string
		Level        int
	}
	settle := step{recommend.ChangeHold, "progress-hold-settling", 0}
	tests := []struct {
		name     string
		checkIns []recommend.CheckIn
		want     step
	}{
		{"started the same day", []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(0, 3, "walking", "easier")},
			step{settle.Change, settle.Rule, 1}},
		{"started three days before", []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(3, 3, "walking", "easier")},
			step{settle.Change, settle.Rule, 1}},
		{"a week after it started", []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(7, 3, "walking", "easier")},
			step{recommend.ChangeProgress, "progress-up-easier", 2}},
		{"stepped back the day before", []recommend.CheckIn{ci(0, 4, "glute_bridge", "same"), ci(7, 3, "glute_bridge", "easier"),
			ci(14, 6, "glute_bridge", "worse"), ci(15, 5, "glute_bridge", "easier")},
			step{settle.Change, settle.Rule, 2}},
		{"a week after it stepped back", []recommend.CheckIn{ci(0, 4, "glute_bridge", "same"), ci(7, 3, "glute_bridge", "easier"),
			ci(14, 6, "glute_bridge", "worse"), ci(21, 3, "glute_bridge", "easier")},
			step{recommend.ChangeProgress, "progress-up-easier", 3}},
		{"started again the day before", []recommend.CheckIn{ci(0, 4, "pelvic_tilt", "same"), ci(7, 5, "pelvic_tilt", "worse"),
			ci(8, 3, "pelvic_tilt", "same"), ci(9, 2, "pelvic_tilt", "easier")},
			step{settle.Change, settle.Rule, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"chronic_stiffness"}, CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Programme.Steps[0]
			if diff := cmp.Diff(tt.want, step{s.Change, s.Rule, s.Level}); diff != "" {
				t.Errorf("the step (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStepFactsCountSessions checks that a step's facts count the
// sessions reported in words: "1 session", not "1 sessions".
func TestStepFactsCountSessions(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sessions int
		want     string
	}{
		{0, "reported same, 0 sessions since the previous check-in"},
		{1, "reported same, 1 session since the previous check-in"},
		{2, "reported same, 2 sessions since the previous check-in"},
	} {
		t.Run(fmt.Sprint(tt.sessions), func(t *testing.T) {
			c := recommend.CheckIn{Day: 0, PainLevel: 3, Done: []recommend.Done{{Movement: "walking", Sessions: tt.sessions, Response: "same"}}}
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"chronic_stiffness"}, CheckIns: []recommend.CheckIn{c}})
			if err != nil {
				t.Fatal(err)
			}
			facts := res.Programme.Steps[0].Facts
			if !slices.Contains(facts, tt.want) {
				t.Errorf("the step's facts %q lack %q", facts, tt.want)
			}
		})
	}
}

// TestFlareKeepsEverydayHabits checks that a flare (pain up 2 points or
// more) does not stop or step back the everyday habits of the plan
// (movements of kind lifestyle: water, movement breaks, warmth, belly
// breathing, posture checks), which the person keeps up through it, while
// it still steps back an exercise, and still stops a habit reported to
// make the pain worse. Before, a flare stopped them all, saying that a
// flare is managed "not by resting".
func TestFlareKeepsEverydayHabits(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	type step struct{ Change, Rule string }
	keep := step{recommend.ChangeHold, "progress-flare-keep-habits"}
	tests := []struct {
		movement, response string
		want               step
	}{
		{"hydration", "same", keep},
		{"movement_breaks", "same", keep},
		{"heat", "easier", keep},
		{"diaphragmatic_breathing", "harder", keep},
		{"posture_awareness", "same", keep},
		{"heat", "worse", step{recommend.ChangeStop, "progress-stop-worse"}},
		{"walking", "same", step{recommend.ChangeHold, "progress-walking-keep"}},
		{"pelvic_tilt", "same", step{recommend.ChangeStop, "progress-regress-worse-or-flare"}},
	}
	for _, tt := range tests {
		t.Run(tt.movement+" "+tt.response, func(t *testing.T) {
			p := recommend.Profile{Conditions: []string{"chronic_stiffness"}, SittingHours: 8, CheckIns: []recommend.CheckIn{
				ci(0, 3, tt.movement, "same"), ci(7, 5, tt.movement, tt.response)}}
			res, err := eng.Recommend(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			s := res.Programme.Steps[0]
			if s.Decided != "" {
				t.Fatalf("the advice decided %s's step (%s): the case no longer tests the flare", tt.movement, s.Decided)
			}
			if diff := cmp.Diff(tt.want, step{s.Change, s.Rule}); diff != "" {
				t.Errorf("%s's step in a flare (-want +got):\n%s", tt.movement, diff)
			}
		})
	}
}

// TestAFlareStopSaysItStops checks that a movement a flare stops, or
// keeps stopped, is told so in words of a stop: a flare steps an exercise
// back a level, and at its easiest level, or stopped already, the step
// back is a stop. Before, the reason of a step back only ("settles with
// less of it, not with rest") stood beside "Stop for now". A movement
// above its easiest level still steps back.
func TestAFlareStopSaysItStops(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Change, Rule string
		Level        int
	}
	tests := []struct {
		name     string
		checkIns []recommend.CheckIn
		want     step
	}{
		{"at its easiest level", []recommend.CheckIn{ci(0, 3, "pelvic_tilt", "same"), ci(7, 6, "pelvic_tilt", "same")},
			step{recommend.ChangeStop, "progress-regress-worse-or-flare", 1}},
		{"stopped already, not reported", []recommend.CheckIn{ci(0, 5, "heat", "worse"), {Day: 7, PainLevel: 5}, {Day: 14, PainLevel: 7}},
			step{recommend.ChangeStop, "progress-regress-worse-or-flare", 1}},
		{"above its easiest level", []recommend.CheckIn{ci(0, 3, "glute_bridge", "same"), ci(7, 6, "glute_bridge", "same")},
			step{recommend.ChangeRegress, "progress-regress-worse-or-flare", 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := recommend.Profile{Conditions: []string{"chronic_stiffness"}, CheckIns: tt.checkIns}
			res, err := eng.Recommend(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			s := res.Programme.Steps[0]
			if diff := cmp.Diff(tt.want, step{s.Change, s.Rule, s.Level}); diff != "" {
				t.Errorf("the step in a flare (-want +got):\n%s", diff)
			}
			if s.Change == recommend.ChangeStop && !strings.Contains(s.Because, "stop") {
				t.Errorf("a stop says %q", s.Because)
			}
		})
	}
}

// TestStoppedPainIsWhatItStoppedAt checks that a stopped movement's
// stopped_pain, and the fact that says it, is the pain weighed when it
// stopped (restart_pain), and that staying stopped through a check-in of
// lower pain, while the pain now keeps it stopped, does not lower it:
// before, plank stopped at pain 2 and 1 was said to have stopped "when
// the pain was 0", the pain of a check-in at which it only stayed
// stopped, so that it could only start again below 0.
func TestStoppedPainIsWhatItStoppedAt(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{Conditions: []string{"chronic_stiffness"}, PainLevel: 2, CheckIns: []recommend.CheckIn{
		ci(0, 2, "plank", "same"), ci(7, 2, "plank", "worse"), ci(14, 1, "plank", "same"), ci(21, 1, "plank", "worse"),
		{Day: 28, PainLevel: 0}, ci(35, 1, "plank", "easier")}}
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Programme.Steps[0]
	type step struct {
		Change, Rule string
		Stopped      []string
	}
	got := step{Change: s.Change, Rule: s.Rule}
	for _, f := range s.Facts {
		if strings.HasPrefix(f, "it was stopped") {
			got.Stopped = append(got.Stopped, f)
		}
	}
	want := step{recommend.ChangeStop, "progress-stay-stopped", []string{"it was stopped at an earlier check-in, when the pain was 2"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plank's step (-want +got):\n%s", diff)
	}
}
