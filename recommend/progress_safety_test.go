package recommend_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
		Because: "It was stopped at an earlier check-in, and the pain has not come down below where it was then, so it stays stopped for now.",
		Facts: []string{"day 21, week 4 of the programme", "reported same, 3 sessions since the previous check-in",
			"pain 8, 9 at the previous check-in and 5 at the first", "it was stopped at an earlier check-in, when the pain was 5",
			"at level 1 of 2 before this check-in"}}
	got := step{ex.Programme.Change, ex.Programme.Rule, ex.Programme.Because, ex.Programme.Facts}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pelvic_tilt's step (-want +got):\n%s", diff)
	}
}
