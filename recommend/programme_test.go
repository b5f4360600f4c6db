package recommend_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// stiffness is a condition for which the default rules recommend every
// movement the programme tests report (glute bridge, bird dog, walking,
// pelvic tilt, cat-cow), whatever the pain: a programme stops a movement
// the advice does not recommend.
var stiffness = []string{"chronic_stiffness"}

// ci builds a check-in; moves alternate movement id and response.
func ci(day, pain int, moves ...string) recommend.CheckIn {
	c := recommend.CheckIn{Day: day, PainLevel: pain}
	for i := 0; i+1 < len(moves); i += 2 {
		c.Done = append(c.Done, recommend.Done{Movement: moves[i], Sessions: 3, Response: moves[i+1]})
	}
	return c
}

// stableAfterRise returns weekly check-ins of walking reported the same:
// pain a, b and c on days 0, 7 and 14, then c every week to day last.
func stableAfterRise(a, b, c, last int) []recommend.CheckIn {
	cs := []recommend.CheckIn{ci(0, a, "walking", "same"), ci(7, b, "walking", "same")}
	for day := 14; day <= last; day += 7 {
		cs = append(cs, ci(day, c, "walking", "same"))
	}
	return cs
}

type stepSummary struct {
	Movement, Change, Rule string
	Level                  int
}

func TestProgrammeTrajectories(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		redFlags  []string
		checkIns  []recommend.CheckIn
		want      []stepSummary
		referRule string // a progression rule whose referral must be in the Result
	}{
		{
			name:     "improving and easier moves up one level",
			checkIns: []recommend.CheckIn{ci(0, 6, "glute_bridge", "same"), ci(7, 5, "glute_bridge", "easier")},
			want:     []stepSummary{{"glute_bridge", "progress", "progress-up-easier", 3}},
		},
		{
			name:     "easier twice in one week moves up once",
			checkIns: []recommend.CheckIn{ci(0, 6, "walking", "same"), ci(7, 5, "walking", "easier"), ci(10, 4, "walking", "easier")},
			want:     []stepSummary{{"walking", "hold", "progress-hold-one-level-a-week", 2}},
		},
		{
			name:     "harder holds",
			checkIns: []recommend.CheckIn{ci(0, 6, "glute_bridge", "same"), ci(7, 5, "glute_bridge", "harder")},
			want:     []stepSummary{{"glute_bridge", "hold", "progress-hold-harder", 2}},
		},
		{
			name:     "worse steps back",
			checkIns: []recommend.CheckIn{ci(0, 6, "glute_bridge", "same"), ci(7, 6, "glute_bridge", "worse")},
			want:     []stepSummary{{"glute_bridge", "regress", "progress-regress-worse-or-flare", 1}},
		},
		{
			name: "flare steps back, walking keeps going",
			checkIns: []recommend.CheckIn{ci(0, 4, "bird_dog", "same", "walking", "same"),
				ci(7, 6, "bird_dog", "same", "walking", "same")},
			want: []stepSummary{{"bird_dog", "regress", "progress-regress-worse-or-flare", 1}, {"walking", "hold", "progress-walking-keep", 1}},
		},
		{
			name: "a flare steps back a movement the check-in does not report",
			checkIns: []recommend.CheckIn{ci(0, 4, "glute_bridge", "easier", "walking", "same"), ci(7, 4, "glute_bridge", "easier", "walking", "same"),
				ci(14, 7, "walking", "same")},
			want: []stepSummary{{"glute_bridge", "regress", "progress-regress-worse-or-flare", 2}, {"walking", "hold", "progress-walking-keep", 1}},
		},
		{
			name:     "nothing reported at a flare steps back every movement but walking",
			checkIns: []recommend.CheckIn{ci(0, 4, "glute_bridge", "easier", "walking", "same"), ci(7, 4, "glute_bridge", "easier", "walking", "same"), ci(14, 7)},
			want:     []stepSummary{{"glute_bridge", "regress", "progress-regress-worse-or-flare", 2}, {"walking", "hold", "progress-walking-keep", 1}},
		},
		{
			name: "walks that make the pain worse are shortened, never stopped",
			checkIns: []recommend.CheckIn{ci(0, 4, "walking", "easier"), ci(7, 4, "walking", "easier"), ci(14, 4, "walking", "worse"),
				ci(21, 4, "walking", "worse")},
			want: []stepSummary{{"walking", "hold", "progress-walking-keep", 1}},
		},
		{
			name:     "walks that make the pain worse step back a level",
			checkIns: []recommend.CheckIn{ci(0, 4, "walking", "easier"), ci(7, 4, "walking", "easier"), ci(14, 4, "walking", "worse")},
			want:     []stepSummary{{"walking", "regress", "progress-walking-less", 1}},
		},
		{
			name:     "a stopped movement restarts when the pain eases at a check-in that does not report it",
			checkIns: []recommend.CheckIn{ci(0, 6, "pelvic_tilt", "worse"), ci(7, 4, "walking", "same")},
			want:     []stepSummary{{"pelvic_tilt", "start", "progress-restart", 1}, {"walking", "start", "", 1}},
		},
		{
			name:     "a movement not reported holds, with this check-in's reason",
			checkIns: []recommend.CheckIn{ci(0, 4, "glute_bridge", "easier"), ci(7, 4, "glute_bridge", "easier"), ci(14, 4, "walking", "same")},
			want:     []stepSummary{{"glute_bridge", "hold", "", 3}, {"walking", "start", "", 1}},
		},
		{
			name: "worse at the easiest level stops, stays stopped, restarts on improvement",
			checkIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "worse"), ci(7, 5, "pelvic_tilt", "worse"),
				ci(14, 5, "pelvic_tilt", "easier")},
			want: []stepSummary{{"pelvic_tilt", "stop", "progress-stay-stopped", 1}},
		},
		{
			name: "restarts when the pain eases",
			checkIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "worse"), ci(7, 5, "pelvic_tilt", "same"),
				ci(14, 4, "pelvic_tilt", "same")},
			want: []stepSummary{{"pelvic_tilt", "start", "progress-restart", 1}},
		},
		{
			name: "plateau at six weeks calls for a routine review",
			checkIns: []recommend.CheckIn{ci(0, 6, "walking", "same"), ci(14, 6, "walking", "same"), ci(28, 5, "walking", "same"),
				ci(42, 5, "walking", "same")},
			want:      []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
			referRule: "progress-review-not-improving",
		},
		{
			name:      "no pain at first and moderate pain at six weeks calls for a routine review",
			checkIns:  []recommend.CheckIn{ci(0, 0, "walking", "same"), ci(42, 5, "walking", "same")},
			want:      []stepSummary{{"walking", "hold", "progress-walking-keep", 1}},
			referRule: "progress-review-not-improving",
		},
		{
			name:     "mild pain that stays mild at six weeks calls for no review",
			checkIns: []recommend.CheckIn{ci(0, 3, "walking", "same"), ci(21, 3, "walking", "same"), ci(42, 3, "walking", "same")},
			want:     []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
		},
		{
			name:      "worse at two check-ins in a row calls for an earlier review",
			checkIns:  []recommend.CheckIn{ci(0, 3, "walking", "same"), ci(7, 4, "walking", "same"), ci(14, 5, "walking", "same")},
			want:      []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
			referRule: "progress-review-worsening",
		},
		{
			// The earlier review stands while the pain stays where two
			// rises took it, and ends when it comes back down.
			name:      "the earlier review stands while the pain stays up",
			checkIns:  []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 6, "walking", "same"), ci(21, 6, "walking", "same")},
			want:      []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
			referRule: "progress-review-worsening",
		},
		{
			name:     "the earlier review ends when the pain comes back down",
			checkIns: []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 6, "walking", "same"), ci(21, 5, "walking", "same")},
			want:     []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
		},
		{
			// Two rises took the pain to 7, day 14's worst: a lower second
			// reading that day keeps the review (day 14 read as 7 is still
			// worse twice), but the review ends once the pain falls below 7.
			name: "a second, lower reading on the day of the second rise keeps the earlier review",
			checkIns: []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 7, "walking", "same"),
				ci(14, 6, "walking", "same")},
			want:      []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
			referRule: "progress-review-worsening",
		},
		{
			name: "the earlier review ends when the pain falls below the day's worst that two rises reached",
			checkIns: []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 7, "walking", "same"),
				ci(14, 6, "walking", "same"), ci(21, 6, "walking", "same")},
			want: []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
		},
		{
			name: "no step up while the pain stays where two rises took it",
			checkIns: []recommend.CheckIn{ci(0, 3, "walking", "same"), ci(7, 4, "walking", "same"), ci(14, 5, "walking", "same"),
				ci(21, 5, "walking", "easier")},
			want:      []stepSummary{{"walking", "hold", "progress-hold-pain-rising", 1}},
			referRule: "progress-review-worsening",
		},
		{
			name:     "a rise to mild pain calls for no earlier review",
			checkIns: []recommend.CheckIn{ci(0, 1, "walking", "same"), ci(7, 2, "walking", "same"), ci(14, 3, "walking", "same")},
			want:     []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
		},
		{
			name:     "mild pain that rose and then stays the same calls for no review, however long",
			checkIns: stableAfterRise(0, 1, 2, 70),
			want:     []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
		},
		{
			name:     "same-day check-ins rising to mild pain call for no review",
			checkIns: []recommend.CheckIn{ci(0, 1), ci(0, 2), ci(0, 3)},
		},
		{
			// The rule set does not tell a rise within a day from one over
			// weeks: a rise to moderate pain at each of the last two
			// check-ins is reviewed.
			name:      "same-day check-ins rising to moderate pain call for the earlier review",
			checkIns:  []recommend.CheckIn{ci(0, 3), ci(0, 4), ci(0, 5)},
			referRule: "progress-review-worsening",
		},
		{
			name: "a stopped movement stays stopped while the pain is above where it was stopped, though easing",
			checkIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "same"), ci(7, 5, "pelvic_tilt", "worse"),
				ci(14, 9, "pelvic_tilt", "same"), ci(21, 8, "pelvic_tilt", "same")},
			want: []stepSummary{{"pelvic_tilt", "stop", "progress-stay-stopped", 1}},
		},
		{
			name: "a stopped movement restarts once the pain is below where it was stopped",
			checkIns: []recommend.CheckIn{ci(0, 5, "pelvic_tilt", "same"), ci(7, 5, "pelvic_tilt", "worse"),
				ci(14, 9, "pelvic_tilt", "same"), ci(21, 8, "pelvic_tilt", "same"), ci(28, 4, "pelvic_tilt", "same")},
			want: []stepSummary{{"pelvic_tilt", "start", "progress-restart", 1}},
		},
		{
			name: "a stopped movement that makes the pain worse again stays stopped until the pain is below the lower pain",
			checkIns: []recommend.CheckIn{ci(0, 6, "pelvic_tilt", "worse"), ci(7, 4, "pelvic_tilt", "worse"),
				ci(14, 5, "pelvic_tilt", "same")},
			want: []stepSummary{{"pelvic_tilt", "stop", "progress-stay-stopped", 1}},
		},
		{
			name:     "easier at high pain holds: building up can wait",
			checkIns: []recommend.CheckIn{ci(0, 8, "glute_bridge", "same"), ci(7, 8, "glute_bridge", "easier")},
			want:     []stepSummary{{"glute_bridge", "hold", "progress-hold-pain-high", 2}},
		},
		{
			name:     "easier once the pain is below high moves up",
			checkIns: []recommend.CheckIn{ci(0, 7, "glute_bridge", "same"), ci(7, 6, "glute_bridge", "easier")},
			want:     []stepSummary{{"glute_bridge", "progress", "progress-up-easier", 3}},
		},
		{
			name:     "pain up once, then the same: no earlier review",
			checkIns: []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 5, "walking", "same")},
			want:     []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
		},
		{
			name:     "the earlier review ends when the pain comes down",
			checkIns: []recommend.CheckIn{ci(0, 4, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 6, "walking", "same"), ci(21, 5, "walking", "same")},
			want:     []stepSummary{{"walking", "hold", "progress-hold-same", 1}},
		},
		{
			name:     "one check-in, however late, has nothing to compare: no six-week review",
			checkIns: []recommend.CheckIn{ci(50, 6, "walking", "same")},
			want:     []stepSummary{{"walking", "start", "", 1}},
		},
		{
			name:     "non-adherent: nothing done, nothing moves",
			checkIns: []recommend.CheckIn{ci(0, 6), ci(7, 6), ci(14, 6)},
			want:     nil,
		},
		{
			name:     "a red flag overrides the programme",
			redFlags: []string{"saddle_numbness"},
			checkIns: []recommend.CheckIn{ci(0, 6, "glute_bridge", "same"), ci(7, 5, "glute_bridge", "easier")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: stiffness, RedFlags: tt.redFlags, CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			if len(tt.redFlags) > 0 {
				if res.Programme != nil {
					t.Fatalf("Programme = %+v with a red flag, want nil", res.Programme)
				}
				return
			}
			if res.Programme == nil {
				t.Fatal("Programme is nil")
			}
			var got []stepSummary
			for _, s := range res.Programme.Steps {
				got = append(got, stepSummary{s.Movement, s.Change, s.Rule, s.Level})
				if len(s.Facts) == 0 {
					t.Errorf("step %s has no facts", s.Movement)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
			found := false
			for _, r := range res.Referrals {
				for _, id := range r.Rules {
					found = found || id == tt.referRule
				}
			}
			if tt.referRule != "" && !found {
				t.Errorf("no referral from %s in %+v", tt.referRule, res.Referrals)
			}
			if tt.referRule == "" {
				for _, r := range res.Referrals {
					for _, id := range r.Rules {
						if len(id) > 9 && id[:9] == "progress-" {
							t.Errorf("unexpected review %s", id)
						}
					}
				}
			}
		})
	}
	t.Run("no check-ins, no programme", func(t *testing.T) {
		res, err := eng.Recommend(context.Background(), recommend.Profile{PainLevel: 4})
		if err != nil {
			t.Fatal(err)
		}
		if res.Programme != nil {
			t.Fatalf("Programme = %+v, want nil", res.Programme)
		}
	})
}

// TestProgrammeInvariants replays generated trajectories, one check-in
// more at a time, and checks: a movement moves up at most one level per
// check-in and at most once in seven days, and only after seven days at
// its level since it started, started again or stepped back (one started
// on day 0 does not move up at a second check-in that day, nor one that
// stepped back or started again the day before); a movement stopped stays
// stopped until a check-in shows the pain easing, below the lowest pain
// it was stopped at (stopped at pain 0, until a week with the pain still
// at 0); a red flag that withholds advice leaves no
// programme.
func TestProgrammeInvariants(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	moves := []string{"glute_bridge", "bird_dog", "walking", "pelvic_tilt", "cat_cow"}
	responses := []string{"easier", "same", "harder", "worse"}
	levels := map[string]int{}
	for _, m := range eng.Movements() {
		levels[m.ID] = len(m.Levels)
	}
	rng := rand.New(rand.NewPCG(23, 2026))
	for trial := range 200 {
		var cs []recommend.CheckIn
		day, pain := 0, rng.IntN(11)
		prevLevel := map[string]int{}
		lastUp := map[string]int{}
		atLevel := map[string]int{} // the day it started, started again or changed level
		stopped := map[string]bool{}
		stopPain := map[string]int{} // while stopped, the lowest pain it was stopped at
		for k := range 8 {
			c := recommend.CheckIn{Day: day, PainLevel: pain}
			for _, m := range moves {
				if rng.IntN(3) > 0 {
					c.Done = append(c.Done, recommend.Done{Movement: m, Sessions: rng.IntN(5), Response: responses[rng.IntN(4)]})
				}
			}
			cs = append(cs, c)
			res, err := eng.Recommend(ctx, recommend.Profile{Conditions: stiffness, CheckIns: cs})
			if err != nil {
				t.Fatalf("trial %d: %v", trial, err)
			}
			improving := k > 0 && pain < cs[k-1].PainLevel
			for _, s := range res.Programme.Steps {
				p, ok := prevLevel[s.Movement]
				if ok {
					// The replay carries each movement's state from the
					// answer a week before: its level and whether it was
					// stopped, whatever a later check-in's pain.
					before := fmt.Sprintf("at level %d of %d before this check-in", p, levels[s.Movement])
					wasStopped := slices.ContainsFunc(s.Facts, func(f string) bool { return strings.HasPrefix(f, "it was stopped at an earlier check-in") })
					if !slices.Contains(s.Facts, before) || wasStopped != stopped[s.Movement] {
						t.Fatalf("trial %d day %d: %s was at level %d (stopped %t) in the answer before, and its facts say %q", trial, day, s.Movement, p, stopped[s.Movement], s.Facts)
					}
					if s.Level > p+1 {
						t.Fatalf("trial %d day %d: %s went from level %d to %d", trial, day, s.Movement, p, s.Level)
					}
					if s.Level > p {
						if d, ok := lastUp[s.Movement]; ok && day-d < 7 {
							t.Fatalf("trial %d day %d: %s moved up twice within %d days", trial, day, s.Movement, day-d)
						}
						if d := atLevel[s.Movement]; day-d < 7 {
							t.Fatalf("trial %d day %d: %s moved up %d days after it started, started again or stepped back", trial, day, s.Movement, day-d)
						}
						lastUp[s.Movement] = day
					}
				}
				// Stopped at pain 0, it cannot wait for the pain to fall
				// below 0: it starts again after a week stopped with the
				// pain still at 0 (progress-restart-pain-free-week).
				sp, wasStopped := stopPain[s.Movement]
				painFree := s.Change == "start" && wasStopped && sp == 0 && pain == 0 && day-atLevel[s.Movement] >= 7
				if !ok || s.Level != p || s.Change == "start" || s.Change == "stop" && !stopped[s.Movement] {
					atLevel[s.Movement] = day
				}
				if stopped[s.Movement] && !improving && s.Change != "stop" && !painFree {
					t.Fatalf("trial %d day %d: %s was stopped and, without improvement, is now %s", trial, day, s.Movement, s.Change)
				}
				if sp, ok := stopPain[s.Movement]; ok && pain >= sp && s.Change != "stop" && !painFree {
					t.Fatalf("trial %d day %d: %s was stopped at pain %d and, at pain %d, is now %s", trial, day, s.Movement, sp, pain, s.Change)
				}
				if sp, ok := stopPain[s.Movement]; s.Change == "stop" && (!ok || pain < sp) {
					stopPain[s.Movement] = pain
				} else if s.Change != "stop" {
					delete(stopPain, s.Movement)
				}
				prevLevel[s.Movement] = s.Level
				stopped[s.Movement] = s.Change == "stop" || stopped[s.Movement] && !improving && s.Change == "stop"
			}
			withFlag, err := eng.Recommend(ctx, recommend.Profile{RedFlags: []string{"saddle_numbness"}, CheckIns: cs})
			if err != nil {
				t.Fatal(err)
			}
			if withFlag.Programme != nil || !withFlag.Withheld {
				t.Fatalf("trial %d: a red flag left a programme", trial)
			}
			day += 1 + rng.IntN(10)
			pain = min(10, max(0, pain+rng.IntN(5)-2))
		}
	}
}

func TestExplainProgrammeStep(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{Conditions: stiffness, CheckIns: []recommend.CheckIn{ci(0, 6, "glute_bridge", "same"), ci(7, 8, "glute_bridge", "same")}}
	ex, err := eng.Explain(context.Background(), p, "glute_bridge")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Programme == nil {
		t.Fatal("Explanation.Programme is nil")
	}
	want := []string{"day 7, week 2 of the programme", "reported same, 3 sessions since the previous check-in",
		"pain 8, 6 at the previous check-in and 6 at the first", "a flare: pain up 2 points since the previous check-in", "at level 2 of 3 before this check-in"}
	if diff := cmp.Diff(want, ex.Programme.Facts); diff != "" {
		t.Errorf("facts (-want +got):\n%s", diff)
	}
	if ex.Programme.Change != "regress" || ex.Programme.Rule != "progress-regress-worse-or-flare" {
		t.Errorf("step = %+v, want a regress by progress-regress-worse-or-flare", ex.Programme)
	}
}

// TestProgrammeAvoidedStops checks that a movement the advice avoids is
// stopped, however the check-ins report it.
func TestProgrammeAvoidedStops(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"disc_herniation"},
		CheckIns: []recommend.CheckIn{ci(0, 6, "knee_to_chest", "same"), ci(7, 4, "knee_to_chest", "easier")}})
	if err != nil {
		t.Fatal(err)
	}
	avoided := false
	for _, it := range res.Avoided {
		avoided = avoided || it.Movement == "knee_to_chest"
	}
	if !avoided {
		t.Fatal("the disc rules no longer avoid knee_to_chest: pick another avoided movement")
	}
	if got := res.Programme.Steps[0].Change; got != recommend.ChangeStop {
		t.Errorf("an avoided movement's change is %s, want stop", got)
	}
}

// TestExplainReviews checks that ExplainReferrals lists every
// progression rule with a review, with whether the check-ins called for
// it and the facts it read; and none without check-ins or when a red
// flag withholds the advice.
func TestExplainReviews(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	type review struct {
		Rule    string
		Matched bool
		Facts   []string
	}
	tests := []struct {
		name    string
		p       recommend.Profile
		want    []review
		summary string // the end of the summary
	}{
		{
			name: "plateau at six weeks",
			p:    recommend.Profile{CheckIns: []recommend.CheckIn{ci(0, 6, "walking", "same"), ci(21, 6, "walking", "same"), ci(42, 5, "walking", "same")}},
			want: []review{
				{"progress-review-not-improving", true, []string{"3 check-ins, day 42, 6 full weeks in (week 7 of the programme)", "pain 5 now, 6 at the first check-in: down 1 point (17%)"}},
				{"progress-review-worsening", false, []string{"3 check-ins, day 42, 6 full weeks in (week 7 of the programme)", "pain 5 now, 6 at the first check-in: down 1 point (17%)"}},
			},
			summary: "No referral rule matched; the programme's most urgent review is routine. Movement advice is not withheld. The check-ins call for 1 programme review: progress-review-not-improving.",
		},
		{
			name: "worse twice",
			p:    recommend.Profile{CheckIns: []recommend.CheckIn{ci(0, 3), ci(7, 4), ci(14, 5)}},
			want: []review{
				{"progress-review-not-improving", false, []string{"3 check-ins, day 14, 2 full weeks in (week 3 of the programme)", "pain 5 now, 3 at the first check-in: up 2 points", "pain rose at each of the last two check-ins, or on each of the last two days with check-ins"}},
				{"progress-review-worsening", true, []string{"3 check-ins, day 14, 2 full weeks in (week 3 of the programme)", "pain 5 now, 3 at the first check-in: up 2 points", "pain rose at each of the last two check-ins, or on each of the last two days with check-ins"}},
			},
			summary: "The check-ins call for 1 programme review: progress-review-worsening.",
		},
		{
			name: "one check-in",
			p:    recommend.Profile{CheckIns: []recommend.CheckIn{ci(0, 4)}},
			want: []review{
				{"progress-review-not-improving", false, []string{"1 check-in, day 0, 0 full weeks in (week 1 of the programme)", "pain 4 at the only check-in"}},
				{"progress-review-worsening", false, []string{"1 check-in, day 0, 0 full weeks in (week 1 of the programme)", "pain 4 at the only check-in"}},
			},
			summary: "No referral applies to this profile.",
		},
		{name: "no check-ins", p: recommend.Profile{Conditions: []string{"acute_strain"}}},
		{name: "a red flag withholds the advice", p: recommend.Profile{RedFlags: []string{"saddle_numbness"}, CheckIns: []recommend.CheckIn{ci(0, 3), ci(7, 4), ci(14, 5)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := eng.ExplainReferrals(context.Background(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			var got []review
			for _, r := range x.Reviews {
				got = append(got, review{r.Rule, r.Matched, r.Facts})
				if r.Referral == nil || len(r.Citations) == 0 || r.File == "" || r.When == "" {
					t.Errorf("review %s lacks its referral, citations or place: %+v", r.Rule, r)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reviews (-want +got):\n%s", diff)
			}
			if !strings.HasSuffix(x.Summary, tt.summary) {
				t.Errorf("summary %q, want it to end %q", x.Summary, tt.summary)
			}
			// A matched review is a referral of the Result, and the
			// other way round.
			res, err := eng.Recommend(context.Background(), tt.p)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range x.Reviews {
				in := false
				for _, ref := range res.Referrals {
					in = in || slices.Contains(ref.Rules, r.Rule)
				}
				if in != r.Matched {
					t.Errorf("review %s matched %v, but among the Result's referrals %v", r.Rule, r.Matched, in)
				}
			}
		})
	}
}

// TestProgressionLimitsHoldWhateverTheRules checks the limits the engine
// keeps whatever the progression rules say (the default rules never ask
// to break them, so only a rule set that does can show them): a movement
// goes up at most one level in seven days, never past its last level, and
// not while it is stopped.
func TestProgressionLimitsHoldWhateverTheRules(t *testing.T) {
	const cite = `cite: [{source: selfback-2021, locator: Abstract, claim: The app gave weekly plans of activity and exercise tailored to each person's characteristics and symptoms.}]`
	fsys := testrules.Copy(t)
	fsys["progress.yaml"] = &fstest.MapFile{Data: []byte(`progress:
  - id: stop-worse
    when: move.response == 'worse'
    step: stop
    because: Stop.
    ` + cite + `
  - id: always-up
    when: "true"
    step: progress
    because: Up.
    ` + cite + `
`)}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		checkIns []recommend.CheckIn
		want     stepSummary
	}{
		{"up at the first report", []recommend.CheckIn{ci(0, 5, "walking", "same")},
			stepSummary{"walking", "progress", "always-up", 2}},
		{"not again within seven days", []recommend.CheckIn{ci(0, 5, "walking", "same"), ci(3, 5, "walking", "same")},
			stepSummary{"walking", "hold", "always-up", 2}},
		{"again after seven days", []recommend.CheckIn{ci(0, 5, "walking", "same"), ci(3, 5, "walking", "same"), ci(7, 5, "walking", "same")},
			stepSummary{"walking", "progress", "always-up", 3}},
		{"never past the last level", []recommend.CheckIn{ci(0, 5, "walking", "same"), ci(7, 5, "walking", "same"), ci(14, 5, "walking", "same"), ci(21, 5, "walking", "same")},
			stepSummary{"walking", "hold", "always-up", 3}},
		{"not while stopped", []recommend.CheckIn{ci(0, 5, "walking", "worse"), ci(14, 5, "walking", "same")},
			stepSummary{"walking", "stop", "always-up", 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			if res.Programme == nil || len(res.Programme.Steps) != 1 {
				t.Fatalf("programme = %+v, want one step", res.Programme)
			}
			st := res.Programme.Steps[0]
			got := stepSummary{st.Movement, st.Change, st.Rule, st.Level}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("step (-want +got):\n%s", diff)
			}
		})
	}
}

// TestProgrammeChangeFromNoPain checks the change a progression rule reads
// when the first check-in reports no pain: 0 (no share of nothing), not
// a division by zero, whatever the pain is since.
func TestProgrammeChangeFromNoPain(t *testing.T) {
	fsys := testrules.Copy(t)
	fsys["progress.yaml"] = &fstest.MapFile{Data: []byte(`progress:
  - id: no-change
    when: programme.first_pain == 0 && programme.change == 0.0
    step: stop
    because: Stop.
    cite: [{source: selfback-2021, locator: Abstract, claim: The app gave weekly plans of activity and exercise tailored to each person's characteristics and symptoms.}]
`)}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	for _, latest := range []int{0, 5} {
		res, err := eng.Recommend(context.Background(), recommend.Profile{CheckIns: []recommend.CheckIn{
			ci(0, 0, "walking", "same"), ci(7, latest, "walking", "same")}})
		if err != nil {
			t.Fatal(err)
		}
		if st := res.Programme.Steps[0]; st.Change != recommend.ChangeStop {
			t.Errorf("pain 0 then %d: change %s, want stop (the rule saw a change of 0)", latest, st.Change)
		}
	}
}

// TestProgressionKeysCheckedAtLoad checks that a key a progression
// condition reads of programme or move, and the views do not have, is an
// error at load with its position and a did-you-mean, wherever it stands
// in the condition: the sample run at load never reaches one behind a
// && that its sample values make false.
func TestProgressionKeysCheckedAtLoad(t *testing.T) {
	const cite = `cite: [{source: selfback-2021, locator: Abstract, claim: The app gave weekly plans of activity and exercise tailored to each person's characteristics and symptoms.}]`
	tests := []struct {
		name, when string
		want       string // a part of the error, "" for none
	}{
		{"a key behind a false operand", `move.response == 'easier' && programme.latest_pian < 3`,
			`progress.yaml:3:51: progression rule "r": in when: programme has no key "latest_pian" (did you mean "latest_pain"?)`},
		{"an index with a literal key", `move.response == 'easier' && move['levle'] > 1`,
			`progress.yaml:3:46: progression rule "r": in when: move has no key "levle" (did you mean "level"?)`},
		{"keys that exist", `move.response == 'easier' && programme['latest_pain'] < move.levels && programme.flare`, ""},
		{"a key that is not written out", `true || programme[move.id] == 1`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := testrules.Copy(t)
			fsys["progress.yaml"] = &fstest.MapFile{Data: []byte("progress:\n  - id: r\n    when: \"" + tt.when + "\"\n    step: hold\n    because: A test.\n    " + cite + "\n")}
			_, err := recommend.Load(fsys)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Load: %v; want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Load: %v; want an error with %q", err, tt.want)
			}
		})
	}
}

// TestStepGivesTheLevelsHow checks that a programme step at a level that
// gives its own how says it (Step.How), and that a step at a level that
// does not leaves How empty, the movement's how standing: a level's how
// was accepted at load and then shown nowhere.
func TestStepGivesTheLevelsHow(t *testing.T) {
	eng, err := recommend.Load(testrules.LevelHow(t))
	if err != nil {
		t.Fatal(err)
	}
	const brisk = testrules.BriskWalking
	up := []recommend.CheckIn{ci(0, 6, "walking", "same"), ci(7, 5, "walking", "easier"), ci(14, 4, "walking", "easier")}
	tests := []struct {
		name     string
		checkIns []recommend.CheckIn
		want     []string // change, level and how of walking's step
	}{
		{"at its start level", up[:1], []string{"start", "1", ""}},
		{"at level 2, which gives no how", up[:2], []string{"progress", "2", ""}},
		{"at level 3, which gives its own", up, []string{"progress", "3", brisk}},
		{"held at level 3", append(slices.Clone(up), ci(21, 4, "walking", "same")), []string{"hold", "3", brisk}},
		{"stepped back from level 3 to the first", append(slices.Clone(up), ci(21, 4, "walking", "worse"), ci(28, 4, "walking", "worse"), ci(35, 4, "walking", "worse")),
			[]string{"hold", "1", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: stiffness, CheckIns: tt.checkIns})
			if err != nil {
				t.Fatal(err)
			}
			if res.Programme == nil || len(res.Programme.Steps) != 1 {
				t.Fatalf("programme = %+v, want one step", res.Programme)
			}
			st := res.Programme.Steps[0]
			if diff := cmp.Diff(tt.want, []string{st.Change, strconv.Itoa(st.Level), st.How}); diff != "" {
				t.Errorf("walking's step (-want +got):\n%s", diff)
			}
		})
	}
}
