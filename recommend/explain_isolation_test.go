package recommend

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
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

// ruleParts returns what each RuleExplanation of a hands out, each a
// copy (its clauses, effects, citations, referral and fold), for a
// scribble.
func ruleParts(a *whyAnswers) []any {
	var parts []any
	rules := a.Referrals.Rules
	for _, ex := range a.Movements {
		rules = append(rules, ex.Rules...)
	}
	for _, re := range rules {
		parts = append(parts, re.Clauses(), re.Effects(), re.Citations(), re.Referral(), re.Folded())
	}
	return parts
}

// TestExplanationsLeaveOthersAlone checks the guarantee of Explainer's
// answers: a caller who changes every part of every answer of one
// Explainer (each string, number, bool and citation, and appends to each
// list), and every list and value its rule explanations hand out,
// changes neither the Results of Recommend, nor the answers that
// Explainer or another gave or gives, nor the engine's views, for a
// profile that refers, one with check-ins, and the benchmark profiles.
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
		{"folded", Profile{RedFlags: []string{"bladder_bowel_dysfunction", "no_improvement_with_self_care"}, Age: 60}},
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
			parts := ruleParts(changed)
			partsBefore := jsonOf(t, parts)
			for _, v := range append(parts, changed) {
				clearCitations(reflect.ValueOf(v))
				scribble(reflect.ValueOf(v))
			}
			if jsonOf(t, changed) == before || jsonOf(t, parts) == partsBefore {
				t.Fatal("the scribble changed nothing: the test proves nothing")
			}
			if tt.name == "folded" && !slices.ContainsFunc(parts, func(v any) bool { f, ok := v.(*ReferralFold); return ok && f != nil }) {
				t.Fatal("no referral was folded: the test proves nothing of Folded")
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
			if diff := cmp.Diff(wantOther, jsonOf(t, answerAll(t, x))); diff != "" {
				t.Errorf("the same Explainer's later answers differ (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(partsBefore, jsonOf(t, ruleParts(answerAll(t, x)))); diff != "" {
				t.Errorf("what the same Explainer's rule explanations hand out differs (-want +got):\n%s", diff)
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

// fixedWhy reports whether w is an explanation of rule ri that does not
// depend on the profile, made once for its condition's plan.
func fixedWhy(eng *Engine, ri int, w *ruleWhy) bool {
	pl := eng.rules[ri].why.plan(eng)
	pl.fixedMu.Lock()
	defer pl.fixedMu.Unlock()
	for _, f := range pl.fixed {
		if f == w {
			return true
		}
	}
	return false
}

// TestExplainerAnswersShareRules checks that a rule is explained once for
// the values of the fields its condition reads: every answer of one
// Explainer that names a rule shows the same explanation, and so does an
// Explainer of another profile with the same values in those fields,
// from the engine's cache, once it admitted them (on their second
// sighting, see TestExplainCacheAdmits); a profile with other values
// there gets its own, unless its explanation does not depend on the
// profile at all.
func TestExplainerAnswersShareRules(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	explain := func(p Profile) map[string]*ruleWhy {
		x, err := eng.NewExplainer(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		a := answerAll(t, x)
		whys := map[string]*ruleWhy{}
		for _, ex := range append(a.Movements, &Explanation{Rules: a.Referrals.Rules}) {
			for _, re := range ex.Rules {
				if re.Folded() != nil {
					// A folded referral's explanation is a copy that
					// holds its fold.
					continue
				}
				if w, ok := whys[re.Rule()]; ok && w != re.w {
					t.Errorf("%s: two answers of one Explainer hold two explanations", re.Rule())
				}
				whys[re.Rule()] = re.w
			}
		}
		return whys
	}
	p := benchProfiles[0].p
	explain(p)
	first := explain(p)
	// The same profile but for its age, which only some conditions read.
	q := p
	q.Age++
	second := explain(q)
	same, own := 0, 0
	for id, w := range first {
		ri := slices.IndexFunc(eng.rules, func(r rule) bool { return r.id == id })
		readsAge := eng.rules[ri].why.plan(eng).reads.fields&(1<<(numberFieldBit+numberFieldIndex("age"))) != 0
		switch {
		case readsAge && second[id] == w && !fixedWhy(eng, ri, w):
			t.Errorf("%s reads the age, but a profile of another age was given its explanation", id)
		case readsAge:
			own++
		case second[id] != w:
			t.Errorf("%s does not read the age, but a profile of another age was not given its explanation", id)
		default:
			same++
		}
	}
	if same == 0 || own == 0 {
		t.Fatalf("%d explanations shared, %d not: the test proves nothing", same, own)
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
