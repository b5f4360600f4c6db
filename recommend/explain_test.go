package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// explainRules is a small rule set whose conditions cover every clause
// form that Explain puts in words, and the generic fallback.
const explainRules = `
sources:
  - {id: g, title: A guideline, publisher: An institute, kind: guideline}
vocabulary:
  conditions:
    - {id: disc_herniation, label: Disc herniation}
    - {id: sciatica, label: Sciatica}
    - {id: acute_strain, label: Acute strain}
  red_flags:
    - {id: leg_weakness, label: Weakness in a leg, floor: {urgency: urgent, withhold: true}}
  aggravated_by:
    - {id: sitting, label: Sitting}
  eased_by:
    - {id: lying_down, label: Lying down}
  equipment:
    - {id: towel, label: Towel, prop: towel}
    - {id: mat, label: Exercise mat, prop: mat}
movements:
  - {id: towel_stretch, name: Towel decompression, kind: decompression, tags: [extension], equipment: [towel], how: Lie on a towel., dose: 3 minutes., pose: {base: standing, props: [towel], start: {}, end: {}}}
  - {id: knee_to_chest, name: Knee to chest, kind: stretch, tags: [flexion], how: Hug a knee., dose: 20 seconds., pose: {base: standing, start: {}, end: {}}}
  - {id: walking, name: Walking, kind: lifestyle, how: Walk., dose: 10 minutes., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: in-list
    when: "'disc_herniation' in profile.conditions"
    recommend: [towel_stretch]
    because: Decompression helps a disc.
    cite: [{source: g, locator: s1, claim: c1}]
  - id: exists-list
    when: "profile.conditions.exists(c, c in ['disc_herniation', 'sciatica'])"
    avoid: {tags: [flexion]}
    because: Rounding loads a disc.
    cite: [{source: g, locator: s2, claim: c2}]
  - id: pain-and-sitting
    when: "profile.pain_level >= 7 && 'sitting' in profile.aggravated_by"
    caution: {kinds: [decompression]}
    because: Take care when it hurts a lot.
    cite: [{source: g, locator: s3, claim: c3}]
  - id: either
    when: "7 <= profile.sitting_hours || 'lying_down' in profile.eased_by || 'towel' in profile.equipment"
    recommend: [walking, towel_stretch]
    because: Move often.
    cite: [{source: g, locator: s4, claim: c4}]
  - id: not-weak
    when: "'acute_strain' in profile.conditions && !('leg_weakness' in profile.red_flags)"
    recommend: {movements: [walking], because: Walking helps a strain settle.}
    because: Stay active.
    cite: [{source: g, locator: s5, claim: c5}]
  - id: count
    when: "(profile.age > 50 ? 1 : 0) + ('sciatica' in profile.conditions ? 1 : 0) >= 2"
    refer: {urgency: routine, message: See your doctor., withhold: false}
    because: Two weak signs together.
    cite: [{source: g, locator: s6, claim: c6}]
  - id: weak-leg
    when: "'leg_weakness' in profile.red_flags"
    refer: {urgency: urgent, message: See a doctor today., withhold: true}
    because: A weak leg needs a check.
    cite: [{source: g, locator: s7, claim: c7}]
  - id: always
    when: "true"
    caution: [knee_to_chest]
    because: Gently.
    cite: [{source: g, locator: s8, claim: c8}]
`

func loadExplainRules(t *testing.T) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(explainRules)}})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// explained is the part of an explanation the clause tests compare.
type explained struct {
	Outcome    recommend.Outcome
	PlanStep   int
	Missing    []string
	WithheldBy []string
	Rules      map[string]string // rule id -> summary
}

func explainSummary(x *recommend.Explanation) explained {
	out := explained{Outcome: x.Outcome, PlanStep: x.PlanStep, Missing: []string{}, WithheldBy: x.WithheldBy, Rules: map[string]string{}}
	for _, m := range x.Missing {
		out.Missing = append(out.Missing, m.ID)
	}
	for _, r := range x.Rules {
		out.Rules[r.Rule()] = r.Summary()
	}
	return out
}

func TestExplainClauses(t *testing.T) {
	eng := loadExplainRules(t)
	tests := []struct {
		name     string
		profile  recommend.Profile
		movement string
		want     explained
	}{
		{
			name:     "why not: nothing reported",
			profile:  recommend.Profile{},
			movement: "towel_stretch",
			want: explained{Outcome: recommend.OutcomeNotAdvised, Missing: []string{}, WithheldBy: []string{}, Rules: map[string]string{
				"in-list":          "not matched: you did not report disc herniation",
				"pain-and-sitting": "not matched: your pain level is 0, the rule needs 7 or more; you did not say that sitting makes it worse",
				"either":           "not matched: you sit 0 hours a day, the rule needs 7 or more; you did not say that lying down eases it; you do not have towel",
			}},
		},
		{
			name:     "only the false conjunct of an and",
			profile:  recommend.Profile{PainLevel: 8, Equipment: []string{"towel"}},
			movement: "towel_stretch",
			want: explained{Outcome: recommend.OutcomeRecommended, Missing: []string{}, WithheldBy: []string{}, Rules: map[string]string{
				"in-list":          "not matched: you did not report disc herniation",
				"pain-and-sitting": "not matched: you did not say that sitting makes it worse",
				"either":           "matched: you have towel",
			}},
		},
		{
			name:     "true clauses of a matched rule, and missing equipment",
			profile:  recommend.Profile{Conditions: []string{"disc_herniation"}, PainLevel: 7, AggravatedBy: []string{"sitting"}, SittingHours: 9},
			movement: "towel_stretch",
			want: explained{Outcome: recommend.OutcomeNeedsEquipment, Missing: []string{"towel"}, WithheldBy: []string{}, Rules: map[string]string{
				"in-list":          "matched: you reported disc herniation",
				"pain-and-sitting": "matched: your pain level is 7, which is 7 or more; you said sitting makes it worse",
				"either":           "matched: you sit 9 hours a day, which is 7 or more",
			}},
		},
		{
			name:     "exists lists the labels joined with or",
			profile:  recommend.Profile{Conditions: []string{"acute_strain"}},
			movement: "knee_to_chest",
			want: explained{Outcome: recommend.OutcomeNotAdvised, Missing: []string{}, WithheldBy: []string{}, Rules: map[string]string{
				"exists-list": "not matched: you did not report disc herniation or sciatica",
				"always":      "matched: it applies to everyone",
			}},
		},
		{
			name:     "exists names what was reported",
			profile:  recommend.Profile{Conditions: []string{"sciatica"}},
			movement: "knee_to_chest",
			want: explained{Outcome: recommend.OutcomeAvoided, Missing: []string{}, WithheldBy: []string{}, Rules: map[string]string{
				"exists-list": "matched: you reported sciatica",
				"always":      "matched: it applies to everyone",
			}},
		},
		{
			name:     "a negated clause and a withholding referral",
			profile:  recommend.Profile{Conditions: []string{"acute_strain"}, RedFlags: []string{"leg_weakness"}},
			movement: "walking",
			want: explained{Outcome: recommend.OutcomeNotAdvised, Missing: []string{}, WithheldBy: []string{"weak-leg"}, Rules: map[string]string{
				"either":   "not matched: you sit 0 hours a day, the rule needs 7 or more; you did not say that lying down eases it; you do not have towel",
				"not-weak": "not matched: you reported weakness in a leg",
			}},
		},
		{
			name:     "withheld",
			profile:  recommend.Profile{Conditions: []string{"acute_strain"}, RedFlags: []string{"leg_weakness"}, EasedBy: []string{"lying_down"}},
			movement: "walking",
			want: explained{Outcome: recommend.OutcomeWithheld, Missing: []string{}, WithheldBy: []string{"weak-leg"}, Rules: map[string]string{
				"either":   "matched: you said lying down eases it",
				"not-weak": "not matched: you reported weakness in a leg",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := eng.Explain(context.Background(), tt.profile, tt.movement)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, explainSummary(x)); diff != "" {
				t.Errorf("explanation mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExplainReferralClauses(t *testing.T) {
	eng := loadExplainRules(t)
	tests := []struct {
		name     string
		profile  recommend.Profile
		withheld bool
		summary  string
		want     map[string]string
	}{
		{"none", recommend.Profile{Age: 40}, false, "No referral applies to this profile.", map[string]string{
			"count":    "not matched: how many of these hold (your age is more than 50; you reported sciatica) comes to 0, the rule needs 2 or more",
			"weak-leg": "not matched: you did not report weakness in a leg",
		}},
		{"one", recommend.Profile{Age: 60, Conditions: []string{"sciatica"}}, false,
			"1 referral rule matched; the most urgent referral is routine. Movement advice is not withheld.", map[string]string{
				"count":    "matched: how many of these hold (your age is more than 50; you reported sciatica) comes to 2, which is 2 or more",
				"weak-leg": "not matched: you did not report weakness in a leg",
			}},
		{"both", recommend.Profile{Age: 60, Conditions: []string{"sciatica"}, RedFlags: []string{"leg_weakness"}}, true,
			"The most urgent referral is urgent, and movement advice is withheld until a clinician has assessed you, because of: weak-leg.", map[string]string{
				"count":    "matched: how many of these hold (your age is more than 50; you reported sciatica) comes to 2, which is 2 or more",
				"weak-leg": "matched: you reported weakness in a leg",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := eng.ExplainReferrals(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range x.Rules {
				if r.Referral() == nil {
					t.Errorf("rule %s: no referral in a referral explanation", r.Rule())
				}
				got[r.Rule()] = r.Summary()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referral explanation mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.summary, x.Summary); diff != "" {
				t.Errorf("summary mismatch (-want +got):\n%s", diff)
			}
			if x.Withheld != tt.withheld {
				t.Errorf("Withheld = %v, want %v", x.Withheld, tt.withheld)
			}
		})
	}
}

// TestExplainClauseDetail checks the structured clause of a why-not: its
// text as written, its value, the field and the profile's values.
func TestExplainClauseDetail(t *testing.T) {
	eng := loadExplainRules(t)
	x, err := eng.Explain(context.Background(), recommend.Profile{PainLevel: 3, AggravatedBy: []string{"sitting"}}, "towel_stretch")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(x.Rules, func(r recommend.RuleExplanation) bool { return r.Rule() == "pain-and-sitting" })
	if i < 0 {
		t.Fatal("rule pain-and-sitting not in the explanation")
	}
	want := []recommend.ClauseExplanation{{
		Text: "profile.pain_level >= 7", Value: false,
		Says:  "your pain level is 3, the rule needs 7 or more",
		Field: "pain_level", Values: []string{"3"},
	}}
	if diff := cmp.Diff(want, x.Rules[i].Clauses()); diff != "" {
		t.Errorf("clauses mismatch (-want +got):\n%s", diff)
	}
	wantEffects := []recommend.NamingEffect{{Kind: recommend.EffectKindCaution, SelectedBy: []string{"kind decompression"}, Because: "Take care when it hurts a lot."}}
	if diff := cmp.Diff(wantEffects, x.Rules[i].Effects()); diff != "" {
		t.Errorf("effects mismatch (-want +got):\n%s", diff)
	}
}

func TestExplainErrors(t *testing.T) {
	eng := loadExplainRules(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	var nilEngine *recommend.Engine
	tests := []struct {
		name    string
		eng     *recommend.Engine
		ctx     context.Context
		p       recommend.Profile
		move    string
		wantIs  error
		wantMsg string
	}{
		{"nil engine", nilEngine, context.Background(), recommend.Profile{}, "walking", nil, "recommend: nil *Engine: create one with Load or Default"},
		{"nil context", eng, nil, recommend.Profile{}, "walking", nil, "explain: nil context: pass context.Background() or a request's context"},
		{"cancelled", eng, cancelled, recommend.Profile{}, "walking", context.Canceled, "recommend: context canceled (only the referrals were worked out)"},
		{"unknown movement", eng, context.Background(), recommend.Profile{}, "walkng", recommend.ErrUnknownMovement,
			`explain: unknown movement "walkng" (did you mean "walking"?)`},
		{"unknown movement, escaped", eng, context.Background(), recommend.Profile{}, "\x1b[2J", recommend.ErrUnknownMovement,
			`explain: unknown movement "\x1b[2J"`},
		{"invalid profile", eng, context.Background(), recommend.Profile{PainLevel: 11}, "walking", recommend.ErrInvalidProfile,
			"invalid profile: pain_level 11: out of range, want 0 to 10 (only the referrals were worked out)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := tt.eng.Explain(tt.ctx, tt.p, tt.move)
			if err == nil || x != nil {
				t.Fatalf("Explain = %v, %v; want an error and no explanation", x, err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
			if diff := cmp.Diff(tt.wantMsg, err.Error()); diff != "" {
				t.Errorf("message mismatch (-want +got):\n%s", diff)
			}
			if errors.Is(err, recommend.ErrUnknownMovement) {
				return // ExplainReferrals takes no movement
			}
			rx, rerr := tt.eng.ExplainReferrals(tt.ctx, tt.p)
			if rerr == nil || rx != nil {
				t.Errorf("ExplainReferrals = %v, %v; want an error", rx, rerr)
			}
		})
	}
	var pe *recommend.ProfileError
	if _, err := eng.Explain(context.Background(), recommend.Profile{Conditions: []string{"nope"}}, "walking"); !errors.As(err, &pe) {
		t.Errorf("invalid profile: error %v is not a *ProfileError", err)
	}
}

// TestExplainInvalidProfileKeepsReferrals checks that the explanations
// fail on an invalid profile as Recommend does: a caller that stops at the
// error still finds, in the *PartialError, the emergency that the
// readable part of the profile reports, with or without a done context,
// and the *ProfileError is still found by errors.As.
func TestExplainInvalidProfileKeepsReferrals(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{RedFlags: []string{"saddle_numbness", "no_such_flag"}}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for _, ctx := range []context.Context{context.Background(), done} {
		calls := map[string]func() error{
			"NewExplainer": func() error { _, err := eng.NewExplainer(ctx, p); return err },
			"Explain":      func() error { _, err := eng.Explain(ctx, p, "walking"); return err },
			"ExplainReferrals": func() error {
				_, err := eng.ExplainReferrals(ctx, p)
				return err
			},
		}
		for name, call := range calls {
			err := call()
			var pe *recommend.PartialError
			if !errors.As(err, &pe) || pe.Result == nil {
				t.Errorf("%s (context done: %v): error %v is not a *PartialError with a Result", name, ctx.Err() != nil, err)
				continue
			}
			var prof *recommend.ProfileError
			if !errors.As(err, &prof) {
				t.Errorf("%s: error %v does not wrap the *ProfileError", name, err)
			}
			if refs := pe.Result.Referrals; len(refs) == 0 || refs[0].Urgency != recommend.UrgencyEmergency || !pe.Result.Withheld || !pe.Result.Incomplete {
				t.Errorf("%s (context done: %v): Result referrals %+v, withheld %v, incomplete %v; want the emergency, withheld and incomplete",
					name, ctx.Err() != nil, refs, pe.Result.Withheld, pe.Result.Incomplete)
			}
		}
	}
}

// TestExplainAgreesWithRecommend explains every movement, and the
// referrals, for the profile of every test case of the default rules, and
// checks that each explanation says what the Result says.
func TestExplainAgreesWithRecommend(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := casefile.LoadFS(os.DirFS("../testdata/cases"), ".", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 50 {
		t.Fatalf("only %d cases in testdata/cases", len(cases))
	}
	ctx := context.Background()
	outcomes := map[recommend.Outcome]int{}
	for _, c := range cases {
		res, err := eng.Recommend(ctx, c.Profile)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		trace := map[string]bool{}
		for _, te := range res.Trace() {
			trace[te.Rule] = te.Matched
		}
		for _, m := range eng.Movements() {
			x, err := eng.Explain(ctx, c.Profile, m.ID)
			if err != nil {
				t.Fatalf("%s: %s: %v", c.Name, m.ID, err)
			}
			outcomes[x.Outcome]++
			if diff := cmp.Diff(fromResult(res, m.ID), fromExplanation(x)); diff != "" {
				t.Errorf("%s (%s:%d): %s: explanation disagrees with the result (-result +explanation):\n%s", c.Name, c.File, c.Line, m.ID, diff)
			}
			for _, r := range x.Rules {
				if r.Matched() != trace[r.Rule()] {
					t.Errorf("%s: %s: rule %s matched = %v, trace says %v", c.Name, m.ID, r.Rule(), r.Matched(), trace[r.Rule()])
				}
				if len(r.Clauses()) == 0 {
					t.Errorf("%s: %s: rule %s has no clauses", c.Name, m.ID, r.Rule())
				}
			}
		}
		rx, err := eng.ExplainReferrals(ctx, c.Profile)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if rx.Withheld != res.Withheld {
			t.Errorf("%s: referral explanation withheld = %v, result %v", c.Name, rx.Withheld, res.Withheld)
		}
		var matched []string
		for _, r := range rx.Rules {
			if r.Matched() != trace[r.Rule()] {
				t.Errorf("%s: referral rule %s matched = %v, trace says %v", c.Name, r.Rule(), r.Matched(), trace[r.Rule()])
			}
			if r.Matched() {
				matched = append(matched, r.Rule())
			}
		}
		// ExplainReferrals explains the rule set's referral rules
		// (Engine.Rules); a review a programme of check-ins calls for
		// comes from a progression rule, which it does not list.
		isRule := map[string]bool{}
		for _, r := range eng.Rules() {
			isRule[r.ID] = true
		}
		var referring []string
		for _, ref := range res.Referrals {
			for _, id := range ref.Rules {
				if isRule[id] {
					referring = append(referring, id)
				}
			}
		}
		for _, ref := range res.FoldedReferrals {
			referring = append(referring, ref.Rules...)
		}
		slices.Sort(matched)
		slices.Sort(referring)
		if diff := cmp.Diff(referring, matched); diff != "" {
			t.Errorf("%s: matched referral rules differ (-result +explanation):\n%s", c.Name, diff)
		}
	}
	// The cases must reach every outcome, or the check above proves less
	// than it claims.
	for _, o := range []recommend.Outcome{recommend.OutcomeRecommended, recommend.OutcomeAvoided,
		recommend.OutcomeNeedsEquipment, recommend.OutcomeWithheld, recommend.OutcomeNotAdvised} {
		if outcomes[o] == 0 {
			t.Errorf("no case gives outcome %s", o)
		}
	}
}

// verdict is what a Result, or an explanation, says about one movement.
type verdict struct {
	Outcome  recommend.Outcome
	PlanStep int
	Cautions []recommend.Note
	Missing  []string
}

func fromResult(res *recommend.Result, id string) verdict {
	v := verdict{Outcome: recommend.OutcomeNotAdvised, Cautions: []recommend.Note{}, Missing: []string{}}
	if it, ok := findIn(res.Recommended, func(it recommend.Item) bool { return it.Movement == id }); ok {
		v.Outcome, v.Cautions = recommend.OutcomeRecommended, it.Cautions
	}
	if _, ok := findIn(res.Avoided, func(it recommend.Item) bool { return it.Movement == id }); ok {
		v.Outcome = recommend.OutcomeAvoided
	}
	if n, ok := findIn(res.NeedsEquipment, func(n recommend.EquipmentNeed) bool { return n.Movement == id }); ok {
		v.Outcome, v.Missing = recommend.OutcomeNeedsEquipment, n.Missing
	}
	for i, s := range res.Plan {
		if s.Movement == id {
			v.PlanStep = i + 1
		}
	}
	return v
}

func fromExplanation(x *recommend.Explanation) verdict {
	v := verdict{Outcome: x.Outcome, PlanStep: x.PlanStep, Cautions: x.Cautions, Missing: []string{}}
	if x.Outcome == recommend.OutcomeWithheld {
		// A Result does not list withheld movements; it says advice is
		// withheld, which the referral check covers.
		v.Outcome = recommend.OutcomeNotAdvised
		if len(x.WithheldBy) == 0 {
			v.Outcome = "withheld without a withholding rule"
		}
		return v
	}
	if x.Outcome == recommend.OutcomeNeedsEquipment {
		for _, m := range x.Missing {
			v.Missing = append(v.Missing, m.ID)
		}
	}
	return v
}

func findIn[T any](s []T, f func(T) bool) (T, bool) {
	if i := slices.IndexFunc(s, f); i >= 0 {
		return s[i], true
	}
	var zero T
	return zero, false
}

// TestExplainConcurrent explains from many goroutines at once; each
// explanation must equal the one made alone. Run with -race.
func TestExplainConcurrent(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{Conditions: []string{"disc_herniation", "sciatica"}, Equipment: []string{"towel"}, PainLevel: 6, Age: 60}
	moves := []string{"towel_stretch", "knee_to_chest", "walking", "back_stretcher"}
	want := map[string]string{}
	for _, m := range moves {
		want[m] = explainText(t, eng, p, m)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16*len(moves))
	for range 16 {
		for _, m := range moves {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got := explainText(t, eng, p, m); got != want[m] {
					errs <- m
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for m := range errs {
		t.Errorf("%s: a concurrent explanation differs from the one made alone", m)
	}
}

func explainText(t *testing.T, eng *recommend.Engine, p recommend.Profile, movement string) string {
	x, err := eng.Explain(context.Background(), p, movement)
	if err != nil {
		t.Error(err)
		return ""
	}
	var b strings.Builder
	if err := report.WriteExplanation(&b, x); err != nil {
		t.Error(err)
	}
	if err := report.WriteExplanationJSON(&b, x); err != nil {
		t.Error(err)
	}
	return b.String()
}

// TestExplainOtherRuleSets explains every movement, and the referrals, of
// the small rule sets in testdata for an empty profile and for one with
// every vocabulary value and the largest numbers: nothing may fail or
// panic, every rule must have its clauses, and each outcome must agree
// with Recommend.
func TestExplainOtherRuleSets(t *testing.T) {
	for _, dir := range []string{"../testdata/semantics", "../testdata/policy", "../testdata/minimal", "../rules"} {
		t.Run(dir, func(t *testing.T) {
			eng, err := recommend.Load(os.DirFS(dir))
			if err != nil {
				t.Fatal(err)
			}
			v := eng.Vocabulary()
			ids := func(ts []recommend.Term) []string {
				out := make([]string, 0, len(ts))
				for _, t := range ts {
					out = append(out, t.ID)
				}
				return out
			}
			profiles := []recommend.Profile{{}, {
				Conditions: ids(v.Conditions), RedFlags: ids(v.RedFlags), AggravatedBy: ids(v.AggravatedBy),
				EasedBy: ids(v.EasedBy), Equipment: ids(v.Equipment),
				PainLevel: 10, DaysSinceOnset: recommend.MaxDaysSinceOnset, SittingHours: 24, Age: recommend.MaxAge,
			}}
			ctx := context.Background()
			for pi, p := range profiles {
				res, err := eng.Recommend(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range eng.Movements() {
					x, err := eng.Explain(ctx, p, m.ID)
					if err != nil {
						t.Fatalf("profile %d: %s: %v", pi, m.ID, err)
					}
					if diff := cmp.Diff(fromResult(res, m.ID), fromExplanation(x)); diff != "" {
						t.Errorf("profile %d: %s: explanation disagrees with the result (-result +explanation):\n%s", pi, m.ID, diff)
					}
					for _, r := range x.Rules {
						if len(r.Clauses()) == 0 || r.Summary() == "" {
							t.Errorf("profile %d: %s: rule %s has no clauses or summary", pi, m.ID, r.Rule())
						}
					}
					var b bytes.Buffer
					if err := report.WriteExplanation(&b, x); err != nil {
						t.Error(err)
					}
				}
				rx, err := eng.ExplainReferrals(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				if rx.Withheld != res.Withheld {
					t.Errorf("profile %d: withheld = %v, result %v", pi, rx.Withheld, res.Withheld)
				}
				var b bytes.Buffer
				if err := report.WriteReferralExplanation(&b, rx); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestExplainClauseForms checks the wording of conditions beyond the
// common forms: computed numbers, an error absorbed by &&, and the
// generic fallback, which quotes the clause as written.
func TestExplainClauseForms(t *testing.T) {
	tests := []struct {
		when    string
		profile recommend.Profile
		want    string
	}{
		{"size(profile.conditions) > 1", recommend.Profile{Conditions: []string{"sore"}},
			"not matched: size(profile.conditions) comes to 1, the rule needs more than 1"},
		{"profile.pain_level == 9 && 36 / (profile.age - 20 - 20) < 0", recommend.Profile{Age: 30},
			"not matched: your pain level is 0, the rule needs exactly 9"},
		{"profile.age in [70, 80]", recommend.Profile{Age: 30},
			"not matched: profile.age in [70, 80] is false"},
		{"profile.age != 0 && profile.age <= 12", recommend.Profile{},
			"not matched: your age is not given, the rule needs anything but 0"},
		{"profile.sitting_hours < 2.5", recommend.Profile{SittingHours: 3.5},
			"not matched: you sit 3.5 hours a day, the rule needs less than 2.5"},
		{"!(\n  'sore' in profile.conditions ||\n  'stiff' in profile.conditions)", recommend.Profile{Conditions: []string{"stiff"}},
			"not matched: you reported stiff"},
		// Under a !, the rule needs the opposite of what the clause asks.
		{"!(profile.pain_level >= 7)", recommend.Profile{PainLevel: 8},
			"not matched: your pain level is 8, the rule needs it not to be 7 or more"},
		{"!(profile.pain_level >= 7)", recommend.Profile{PainLevel: 3},
			"matched: your pain level is 3, which is not 7 or more"},
		{"!('sore' in profile.conditions && profile.pain_level >= 7)", recommend.Profile{Conditions: []string{"sore"}, PainLevel: 8},
			"not matched: you reported sore; your pain level is 8, the rule needs it not to be 7 or more"},
		{"!!(profile.pain_level >= 7)", recommend.Profile{PainLevel: 3},
			"not matched: your pain level is 3, the rule needs 7 or more"},
		{"!(profile.sex == 'male')", recommend.Profile{Sex: "male"},
			"not matched: your sex is male, the rule needs it not to be male"},
		{"!(profile.sex == 'male')", recommend.Profile{Sex: "female"},
			"matched: your sex is female, which is not male"},
		{"profile.conditions.all(c, c == 'sore')", recommend.Profile{Conditions: []string{"stiff"}},
			"not matched: profile.conditions.all(c, c == 'sore') is false"},
		{"'sore' in profile.conditions ? profile.pain_level > 3 : false", recommend.Profile{Conditions: []string{"sore"}},
			"not matched: 'sore' in profile.conditions ? profile.pain_level > 3 : false is false"},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			rules := `
sources: [{id: g, title: G, publisher: P, kind: guideline}]
vocabulary:
  conditions: [{id: sore, label: Sore}, {id: stiff, label: Stiff}]
  sex: [{id: female, label: Female}, {id: male, label: Male}]
movements: [{id: walk, name: Walk, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}]
rules:
  - id: r
    when: ` + strconvQuote(tt.when) + `
    recommend: [walk]
    because: Because.
    cite: [{source: g, locator: l, claim: c}]
`
			eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
			if err != nil {
				t.Fatal(err)
			}
			x, err := eng.Explain(context.Background(), tt.profile, "walk")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, x.Rules[0].Summary()); diff != "" {
				t.Errorf("summary mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// strconvQuote quotes s as a YAML double-quoted scalar.
func strconvQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// FuzzExplain explains a movement named by the input for a profile
// decoded from the input: whatever they are, Explain must not panic, and
// an explanation it gives must agree with Recommend.
func FuzzExplain(f *testing.F) {
	f.Add([]byte(`{"conditions":["disc_herniation"],"equipment":["towel"]}`), "towel_stretch")
	f.Add([]byte("red_flags: [saddle_numbness]\nage: 70\n"), "walking")
	f.Add([]byte(`{"pain_level":12}`), "referral")
	f.Add([]byte(`{}`), "towel_strech")
	eng, err := recommend.Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, movement string) {
		p, err := recommend.DecodeProfile(bytes.NewReader(data))
		if err != nil {
			return
		}
		ctx := context.Background()
		x, err := eng.Explain(ctx, p, movement)
		rx, rerr := eng.ExplainReferrals(ctx, p)
		res, perr := eng.Recommend(ctx, p)
		if perr != nil {
			if err == nil || rerr == nil {
				t.Fatalf("Recommend failed (%v) but Explain did not (%v, %v)", perr, err, rerr)
			}
			return
		}
		if rerr != nil || rx.Withheld != res.Withheld {
			t.Fatalf("ExplainReferrals = %v, %v; Recommend withheld %v", rx, rerr, res.Withheld)
		}
		if err != nil {
			if !errors.Is(err, recommend.ErrUnknownMovement) {
				t.Fatalf("Explain(%q): %v", movement, err)
			}
			return
		}
		if diff := cmp.Diff(fromResult(res, movement), fromExplanation(x)); diff != "" {
			t.Fatalf("explanation disagrees with the result (-result +explanation):\n%s", diff)
		}
	})
}

// BenchmarkExplain explains one movement of the default rules; compare
// with BenchmarkRecommend, which Explain leaves unchanged.
func BenchmarkExplain(b *testing.B) {
	eng, err := recommend.Default()
	if err != nil {
		b.Fatal(err)
	}
	p := recommend.Profile{Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"sitting"}, Equipment: []string{"towel"}, PainLevel: 4, SittingHours: 8}
	ctx := context.Background()
	for b.Loop() {
		if _, err := eng.Explain(ctx, p, "towel_stretch"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestExplainSaysAdviceWithheld checks that, when a referral withholds
// movement advice, every movement's explanation says so, whatever its
// outcome: one that would not be recommended anyway ("not advised"),
// avoided or left out for equipment must not read as leave to go ahead.
func TestExplainSaysAdviceWithheld(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{Conditions: []string{"disc_herniation"}, RedFlags: []string{"saddle_numbness"},
		AggravatedBy: []string{"bending_forward"}, PainLevel: 6, DaysSinceOnset: 10, Age: 50}
	x, err := eng.NewExplainer(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[recommend.Outcome]int{}
	for _, m := range eng.Movements() {
		ex, err := x.Explain(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		outcomes[ex.Outcome]++
		if len(ex.WithheldBy) == 0 || !strings.Contains(strings.ToLower(ex.Summary), "withh") {
			t.Errorf("%s (%s): withheld by %v, summary %q: want the withholding rules, and the summary to say the advice is withheld", m.ID, ex.Outcome, ex.WithheldBy, ex.Summary)
		}
	}
	if len(outcomes) < 3 {
		t.Errorf("outcomes %v: want movements of three outcomes or more, so that those not withheld are checked", outcomes)
	}
}

// TestUnknownMovementSuggestsWhatItNames checks the did-you-mean of a
// movement that is not an id, where Explain and a check-in's done list
// read one: a movement's name, or its id written with other case or
// separators, suggests that movement, not the id closest in spelling
// ("Towel decompression" is towel_stretch, not bed_decompression); a
// typo of an id suggests the id.
func TestUnknownMovementSuggestsWhatItNames(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ given, want string }{
		{"Towel decompression", "towel_stretch"},
		{"towel decompression", "towel_stretch"},
		{"Cat-cow", "cat_cow"},
		{"CATCOW", "cat_cow"},
		{"Child's pose", "childs_pose"},
		{"walkng", "walking"},
		{"sofa-decompression", "sofa_decompression"},
		{"xyzzy", ""},
	}
	for _, tt := range tests {
		t.Run(tt.given, func(t *testing.T) {
			want := ""
			if tt.want != "" {
				want = fmt.Sprintf(" (did you mean %q?)", tt.want)
			}
			_, err := eng.Explain(context.Background(), recommend.Profile{}, tt.given)
			if diff := cmp.Diff(fmt.Sprintf("explain: unknown movement %q%s", tt.given, want), fmt.Sprint(err)); diff != "" {
				t.Errorf("Explain (-want +got):\n%s", diff)
			}
			p := recommend.Profile{CheckIns: []recommend.CheckIn{{Day: 0, PainLevel: 3,
				Done: []recommend.Done{{Movement: tt.given, Sessions: 1, Response: recommend.ResponseSame}}}}}
			var pe *recommend.ProfileError
			if err := eng.Validate(p); !errors.As(err, &pe) {
				t.Fatalf("Validate = %v, want a *ProfileError", err)
			}
			var got []string
			for _, fp := range pe.Problems {
				got = append(got, fp.Message)
			}
			if diff := cmp.Diff([]string{"unknown movement" + want}, got); diff != "" {
				t.Errorf("Validate's problems (-want +got):\n%s", diff)
			}
		})
	}
}
