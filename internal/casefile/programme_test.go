package casefile_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestParseSteps checks the steps and reviews expectations: lists, empty
// lists (which assert there are none), and no key (nil: not checked).
func TestParseSteps(t *testing.T) {
	in := `cases:
  - name: both
    profile: {}
    expect:
      steps:
        - {movement: glute_bridge, change: progress, level: 3}
        - {movement: walking, change: hold, level: 1}
      reviews: [progress-review-not-improving]
  - name: empty
    profile: {}
    expect: {steps: [], reviews: []}
  - name: neither
    profile: {}
    expect: {withheld: false}
`
	cases, err := casefile.Parse("cases.yaml", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Steps   []casefile.Step
		Reviews []string
	}
	var gots []got
	for _, c := range cases {
		gots = append(gots, got{c.Expect.Steps, c.Expect.Reviews})
	}
	want := []got{
		{[]casefile.Step{{Movement: "glute_bridge", Change: "progress", Level: 3}, {Movement: "walking", Change: "hold", Level: 1}},
			[]string{"progress-review-not-improving"}},
		{[]casefile.Step{}, []string{}},
		{nil, nil},
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("steps and reviews (-want +got):\n%s", diff)
	}
}

// TestParseStepsErrors checks the exact message and position of each
// mistake in a steps or reviews expectation.
func TestParseStepsErrors(t *testing.T) {
	tests := []struct {
		name, expect, want string
	}{
		{"steps not a list", "steps: walking", `cases.yaml:4:21: steps: want a list of steps ({movement, change, level}), found a string`},
		{"step not a mapping", "steps: [walking]", `cases.yaml:4:22: steps[0] is a mapping, found a string`},
		{"unknown key", "steps: [{movement: walking, change: hold, level: 1, dose: x}]", `cases.yaml:4:66: unknown key "dose" in steps[0]: the keys are movement, change and level`},
		{"no level", "steps: [{movement: walking, change: hold}]", `cases.yaml:4:22: steps[0] has no level: a step needs movement, change and level`},
		{"unknown change", "steps: [{movement: walking, change: advance, level: 1}]", `cases.yaml:4:50: steps[0].change "advance": want start, progress, hold, regress or stop`},
		{"level 0", "steps: [{movement: walking, change: hold, level: 0}]", `cases.yaml:4:63: steps[0].level "0": want a whole number from 1 to 10`},
		{"level a string", "steps: [{movement: walking, change: hold, level: '2'}]", `cases.yaml:4:63: steps[0].level "2": want a whole number from 1 to 10`},
		{"level 1.5", "steps: [{movement: walking, change: hold, level: 1.5}]", `cases.yaml:4:63: steps[0].level "1.5": want a whole number from 1 to 10`},
		{"movement empty", "steps: [{movement: '', change: hold, level: 1}]", `cases.yaml:4:33: steps[0].movement "": want a movement id`},
		{"reviews not a list", "reviews: progress-review-worsening", `cases.yaml:4:23: reviews: want a list of progression rule ids, found a string`},
		{"review not a string", "reviews: [[x]]", `cases.yaml:4:24: reviews[0] (a list): want a progression rule id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := "cases:\n  - name: c\n    profile: {}\n    expect: {" + tt.expect + "}\n"
			_, err := casefile.Parse("cases.yaml", strings.NewReader(in))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestObserveSteps checks that the steps are observed whole and in
// order, and the reviews are the referrals of rules outside the trace: a
// plateau at six weeks beside night pain gives the red flag's referral
// (a rule of the trace) and the programme's review.
func TestObserveSteps(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	walk := []recommend.Done{{Movement: "walking", Sessions: 5, Response: "same"}}
	res, err := eng.Recommend(context.Background(), recommend.Profile{
		RedFlags: []string{"night_pain"}, DaysSinceOnset: 10,
		CheckIns: []recommend.CheckIn{{Day: 0, PainLevel: 6, Done: walk}, {Day: 21, PainLevel: 6, Done: walk}, {Day: 42, PainLevel: 5, Done: walk}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Referrals) != 2 || res.Referrals[0].Rules[0] != "red-flag-night-pain" {
		t.Fatalf("referrals = %+v, want night pain's, then the programme's review", res.Referrals)
	}
	steps := []casefile.Step{{Movement: "walking", Change: "hold", Level: 1}}
	tests := []struct {
		name string
		want casefile.Expect
		meet bool
	}{
		{"exact", casefile.Expect{Steps: steps, Reviews: []string{"progress-review-not-improving"}}, true},
		{"not checked", casefile.Expect{}, true},
		{"another step too", casefile.Expect{Steps: append(slices.Clone(steps), casefile.Step{Movement: "glute_bridge", Change: "progress", Level: 2})}, false},
		{"another level", casefile.Expect{Steps: []casefile.Step{{Movement: "walking", Change: "hold", Level: 2}}}, false},
		{"another change", casefile.Expect{Steps: []casefile.Step{{Movement: "walking", Change: "progress", Level: 1}}}, false},
		{"no steps wanted", casefile.Expect{Steps: []casefile.Step{}}, false},
		{"no review wanted", casefile.Expect{Reviews: []string{}}, false},
		{"a traced referral is no review", casefile.Expect{Reviews: []string{"red-flag-night-pain", "progress-review-not-improving"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diff := cmp.Diff(tt.want, casefile.Observe(tt.want, res))
			if (diff == "") != tt.meet {
				t.Errorf("meets = %v, want %v; diff (-want +got):\n%s", diff == "", tt.meet, diff)
			}
		})
	}
	want := casefile.Expect{Steps: []casefile.Step{}, Reviews: []string{}}
	if diff := cmp.Diff(want, casefile.Observe(want, &recommend.Result{})); diff != "" {
		t.Errorf("a result without a programme does not meet steps: [] and reviews: [] (-want +got):\n%s", diff)
	}
}

// TestObserveReferrals checks the referrals and folded expectations: the
// rule ids of the shown referrals and of the folded ones, each in order,
// read from a file as a list of ids.
func TestObserveReferrals(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{
		RedFlags: []string{"history_of_cancer", "night_pain", "unexplained_weight_loss"}, Age: 60, DaysSinceOnset: 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	shown := []string{"red-flag-cancer-spinal-pain"}
	folded := []string{"red-flag-cancer-risk-combination", "red-flag-weight-loss", "red-flag-night-pain"}
	tests := []struct {
		name string
		want casefile.Expect
		meet bool
	}{
		{"exact", casefile.Expect{Referrals: shown, Folded: folded}, true},
		{"not checked", casefile.Expect{}, true},
		{"none shown", casefile.Expect{Referrals: []string{}}, false},
		{"another order", casefile.Expect{Folded: []string{folded[2], folded[0], folded[1]}}, false},
		{"a folded one shown", casefile.Expect{Referrals: append(slices.Clone(shown), folded[2])}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diff := cmp.Diff(tt.want, casefile.Observe(tt.want, res))
			if (diff == "") != tt.meet {
				t.Errorf("meets = %v, want %v; diff (-want +got):\n%s", diff == "", tt.meet, diff)
			}
		})
	}
	cases, err := casefile.Parse("cases.yaml", strings.NewReader("cases:\n  - name: a\n    profile: {}\n    expect: {referrals: [x, y], folded: []}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(casefile.Expect{Referrals: []string{"x", "y"}, Folded: []string{}}, cases[0].Expect); diff != "" {
		t.Errorf("parsed expect (-want +got):\n%s", diff)
	}
	if _, err := casefile.Parse("cases.yaml", strings.NewReader("cases:\n  - name: a\n    profile: {}\n    expect: {folded: x}\n")); err == nil ||
		!strings.Contains(err.Error(), "folded: want a list of rule ids") {
		t.Errorf("folded: x gives %v, want a list of rule ids", err)
	}
}
