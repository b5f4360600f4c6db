package recommend

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// whyAnswers are every answer of one Explainer: each movement's
// explanation, in the engine's order, and the referrals.
type whyAnswers struct {
	Movements []*Explanation
	Referrals *ReferralExplanation
}

// answerAll asks x every question it answers.
func answerAll(t *testing.T, x *Explainer) *whyAnswers {
	t.Helper()
	ctx := context.Background()
	a := &whyAnswers{}
	for i := range x.e.movements {
		ex, err := x.Explain(ctx, x.e.movements[i].id)
		if err != nil {
			t.Fatal(err)
		}
		a.Movements = append(a.Movements, ex)
	}
	var err error
	if a.Referrals, err = x.Referrals(ctx); err != nil {
		t.Fatal(err)
	}
	return a
}

// jsonOf returns v as JSON, to keep what it was before a scribble.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// clearCitations sets every Citation reachable from v through slices,
// pointers and struct fields to the zero Citation, which scribble cannot
// reach (a Citation has no exported field).
func clearCitations(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			clearCitations(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Citation]() {
			if v.CanSet() {
				v.Set(reflect.Zero(v.Type()))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				clearCitations(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			clearCitations(v.Index(i))
		}
	}
}

// TestExplanationsLeaveOthersAlone checks the guarantee of Explainer's
// answers: they may share their parts with one another, but a caller who
// changes every part of every answer of one Explainer (each string,
// number, bool and citation, and appends to each list) changes neither
// the Results of Recommend, nor the answers another Explainer gave or
// gives, nor the engine's views, for a profile that refers, one with
// check-ins, and the benchmark profiles.
func TestExplanationsLeaveOthersAlone(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	profiles := []struct {
		name string
		p    Profile
	}{
		{"check-ins", Profile{Conditions: []string{"disc_herniation"}, Equipment: []string{"towel"}, CheckIns: []CheckIn{
			{Day: 0, PainLevel: 6, Done: []Done{{Movement: "glute_bridge", Sessions: 3, Response: ResponseSame}}},
			{Day: 7, PainLevel: 4, Done: []Done{{Movement: "glute_bridge", Sessions: 3, Response: ResponseEasier}}},
		}}},
	}
	profiles = append(profiles, benchProfiles...)
	for _, tt := range profiles {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(ctx, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			wantRes := jsonOf(t, res)
			wantViews := jsonOf(t, []any{eng.Rules(), eng.Movements(), eng.Sources(), eng.Vocabulary()})
			other, err := eng.NewExplainer(ctx, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			otherAnswers := answerAll(t, other)
			wantOther := jsonOf(t, otherAnswers)

			x, err := eng.NewExplainer(ctx, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			changed := answerAll(t, x)
			before := jsonOf(t, changed)
			clearCitations(reflect.ValueOf(changed))
			scribble(reflect.ValueOf(changed))
			if jsonOf(t, changed) == before {
				t.Fatal("the scribble changed nothing: the test proves nothing")
			}

			if diff := cmp.Diff(wantRes, jsonOf(t, res)); diff != "" {
				t.Errorf("a Result of Recommend changed (-want +got):\n%s", diff)
			}
			again, err := eng.Recommend(ctx, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantRes, jsonOf(t, again)); diff != "" {
				t.Errorf("a later Result of Recommend differs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantOther, jsonOf(t, otherAnswers)); diff != "" {
				t.Errorf("another Explainer's answers changed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantOther, jsonOf(t, answerAll(t, other))); diff != "" {
				t.Errorf("another Explainer's later answers differ (-want +got):\n%s", diff)
			}
			fresh, err := eng.NewExplainer(ctx, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantOther, jsonOf(t, answerAll(t, fresh))); diff != "" {
				t.Errorf("a new Explainer's answers differ (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantViews, jsonOf(t, []any{eng.Rules(), eng.Movements(), eng.Sources(), eng.Vocabulary()})); diff != "" {
				t.Errorf("the engine's views changed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExplainerAnswersShareRules checks that an Explainer makes each
// rule's explanation once: every answer that names a rule holds the same
// clauses and citations, not a copy, and every answer that names it by
// the same effects (or every referral explanation) the same
// *RuleExplanation.
func TestExplainerAnswersShareRules(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	x, err := eng.NewExplainer(context.Background(), benchProfiles[0].p)
	if err != nil {
		t.Fatal(err)
	}
	a := answerAll(t, x)
	again, err := x.Referrals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]*RuleExplanation{}
	same := map[string]*RuleExplanation{}
	shared, reused := 0, 0
	for _, ex := range append(a.Movements, &Explanation{Rules: a.Referrals.Rules}, &Explanation{Rules: again.Rules}) {
		for _, re := range ex.Rules {
			key := re.Rule + "\x00" + jsonOf(t, re.Effects)
			if first, ok := same[key]; !ok {
				same[key] = re
			} else if first != re {
				t.Errorf("%s: two answers hold copies of its explanation with effects %s", re.Rule, jsonOf(t, re.Effects))
			} else {
				reused++
			}
			first, ok := seen[re.Rule]
			if !ok {
				seen[re.Rule] = re
				continue
			}
			if len(re.Clauses) == 0 || len(re.Citations) == 0 {
				continue
			}
			if &first.Clauses[0] != &re.Clauses[0] || &first.Citations[0] != &re.Citations[0] {
				t.Errorf("%s: two answers hold copies of its clauses or citations", re.Rule)
			}
			shared++
		}
	}
	if shared == 0 || reused == 0 {
		t.Fatalf("%d rules named by two answers, %d explanations held by two: the test proves nothing", shared, reused)
	}
}

// TestReferralSummaryOwnsItsWords checks that the referral explanation's
// summary names the withholding rules from the Explainer's decisions, not
// from the WithheldBy list its movement answers share: a caller that
// changes an answer's WithheldBy cannot change which red-flag rules the
// summary names.
func TestReferralSummaryOwnsItsWords(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	x, err := eng.NewExplainer(ctx, Profile{RedFlags: []string{"saddle_numbness"}, Conditions: []string{"acute_strain"}})
	if err != nil {
		t.Fatal(err)
	}
	before, err := x.Referrals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := x.Explain(ctx, "walking")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.WithheldBy) == 0 {
		t.Fatalf("walking: outcome %s with no WithheldBy; want it withheld", ex.Outcome)
	}
	ex.WithheldBy[0] = "scribbled"
	after, err := x.Referrals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before.Summary, after.Summary); diff != "" {
		t.Errorf("referral summary after a caller changed WithheldBy (-before +after):\n%s", diff)
	}
}
