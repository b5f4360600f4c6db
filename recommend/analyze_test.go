package recommend_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreElapsed leaves out the one field of an Analysis that varies.
var ignoreElapsed = cmpopts.IgnoreFields(recommend.AnalysisSummary{}, "Elapsed")

func analyzeDir(t *testing.T, dir string, opts ...recommend.AnalyzeOption) *recommend.Analysis {
	t.Helper()
	eng, err := recommend.Load(os.DirFS(dir))
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	a, err := eng.Analyze(context.Background(), opts...)
	if err != nil {
		t.Fatalf("Analyze(%s): %v", dir, err)
	}
	return a
}

// TestAnalyzeFindings asserts every finding on testdata/analyze/findings,
// a rule set with one of each kind.
func TestAnalyzeFindings(t *testing.T) {
	cases := []recommend.Profile{
		{Conditions: []string{"stiff"}},
		{Conditions: []string{"stiff"}, SittingHours: 8},
	}
	got := analyzeDir(t, "../testdata/analyze/findings", recommend.WithCaseProfiles(cases))
	clause := func(rule string, line int, expr string, seenTrue, seenFalse bool) recommend.Clause {
		return recommend.Clause{Rule: rule, File: "rules.yaml", Line: line, Text: expr, SeenTrue: seenTrue, SeenFalse: seenFalse}
	}
	want := &recommend.Analysis{
		Summary: recommend.AnalysisSummary{
			// 3 conditions give 8 sets of at most 3 (the empty set
			// included), 2 red flags 4 selections, and the conditions 10
			// boundaries: 8*4 + 8*(1 aggravator + 10 boundaries) + 3*10.
			Profiles: 346, Rules: 10, Movements: 6,
			Findings: map[string]int{
				"dead_rules": 1, "never_recommended": 1, "always_true": 1, "redundant": 1,
				"conflicts": 4, "gaps": 2, "flags_referred_in_combination": 1, "uncovered_clauses": 15,
				"conditions_changing_nothing": 0,
			},
			UnresolvedConflicts: 1,
			ConditionSetSize:    3, RedFlagSetSize: 2,
			Boundaries: map[string][]float64{
				"pain_level":    {2, 3, 6, 7, 8, 9},
				"sitting_hours": {6, 6.5},
				"age":           {64, 65},
			},
		},
		DeadRules: []recommend.RuleFinding{
			{Rule: "never", File: "rules.yaml", Line: 42, When: "profile.pain_level > 8 && profile.pain_level < 3"},
		},
		NeverRecommended: []recommend.MovementFinding{{Movement: "hang", RecommendedBy: []string{"never"}}},
		AlwaysTrue: []recommend.RuleFinding{
			{Rule: "always", File: "rules.yaml", Line: 48, When: "profile.age >= 0"},
		},
		Redundant: []recommend.Redundancy{
			{Rule: "sore-walks", File: "rules.yaml", Line: 36, CoveredBy: "everyone-walks"},
		},
		Conflicts: []recommend.AnalysisConflict{
			{
				Recommend: "always", Against: "sore-bridge-care", Effect: recommend.EffectKindCaution,
				Movements: []string{"bridge"}, Resolution: recommend.ResolutionCautioned, Resolved: true,
				ForKinds: []string{"personal_account"}, AgainstKinds: []string{},
				Example: recommend.Profile{Conditions: []string{"sore"}},
			},
			{
				Recommend: "stiff-twists", Against: "disc-avoids-hugs", Effect: recommend.EffectKindAvoid,
				Movements: []string{"knee_hug"}, Resolution: recommend.ResolutionAvoided, Resolved: true, Review: true,
				Reason:   "the avoid drops advice a guideline backs on the word of articles alone: worth a clinician's review",
				ForKinds: []string{"guideline"}, AgainstKinds: []string{"personal_account"},
				GuidelineVsArticle: "guideline_for",
				Example:            recommend.Profile{Conditions: []string{"stiff", "disc"}},
			},
			{
				Recommend: "stiff-twists", Against: "sitting-cautions-twist", Effect: recommend.EffectKindCaution,
				Movements: []string{"twist"}, Resolution: recommend.ResolutionCautioned, Resolved: true,
				ForKinds: []string{"guideline"}, AgainstKinds: []string{"personal_account"},
				GuidelineVsArticle: "guideline_for",
				Example:            recommend.Profile{Conditions: []string{"stiff"}, AggravatedBy: []string{"sitting"}},
			},
			{
				Recommend: "sore-bridge-care", Against: "sore-bridge-care", Effect: recommend.EffectKindCaution,
				Movements: []string{"bridge"}, Resolution: recommend.ResolutionCautioned, Resolved: false,
				Reason:   "the rule both recommends and cautions the same movements: an author must decide which it means",
				ForKinds: []string{"personal_account"}, AgainstKinds: []string{},
				Example: recommend.Profile{Conditions: []string{"sore"}},
			},
		},
		Gaps: []recommend.Gap{
			{Kind: recommend.GapKindNothingToAvoid, Profile: recommend.Profile{Conditions: []string{"stiff"}}},
			{Kind: recommend.GapKindNothingToAvoid, Profile: recommend.Profile{Conditions: []string{"sore"}}},
		},
		FlagsReferredInCombination: []string{"fall"},
		ConditionsChangingNothing:  []string{},
		Coverage: &recommend.ClauseCoverage{
			Cases: 2, Clauses: 17, Covered: 2,
			Uncovered: []recommend.Clause{
				clause("sore-walks", 36, "'sore' in profile.conditions", false, true),
				clause("sore-walks", 36, "'sore' in profile.conditions && profile.pain_level >= 7", false, true),
				clause("sore-walks", 36, "profile.pain_level >= 7", false, true),
				clause("never", 42, "profile.pain_level > 8", false, true),
				clause("never", 42, "profile.pain_level > 8 && profile.pain_level < 3", false, true),
				clause("never", 42, "profile.pain_level < 3", true, false),
				clause("always", 48, "profile.age >= 0", true, false),
				clause("stiff-twists", 53, "'stiff' in profile.conditions", true, false),
				clause("disc-avoids-hugs", 59, "'disc' in profile.conditions", false, true),
				clause("sitting-cautions-twist", 64, "'sitting' in profile.aggravated_by", false, true),
				clause("sore-bridge-care", 70, "'sore' in profile.conditions", false, true),
				clause("fever-refers", 76, "'fever' in profile.red_flags", false, true),
				clause("fall-when-older", 82, "'fall' in profile.red_flags", false, true),
				clause("fall-when-older", 82, "'fall' in profile.red_flags && profile.age >= 65", false, true),
				clause("fall-when-older", 82, "profile.age >= 65", false, true),
			},
		},
	}
	if diff := cmp.Diff(want, got, ignoreElapsed); diff != "" {
		t.Errorf("Analyze mismatch (-want +got):\n%s", diff)
	}
	if !got.Failed() {
		t.Error("Failed() = false, want true: the rule set has a dead rule, gaps and an unresolved conflict")
	}
}

// TestAnalyzeGaps asserts the gaps of testdata/analyze/gaps, including a
// condition set and the empty profile that get no advice at all.
func TestAnalyzeGaps(t *testing.T) {
	got := analyzeDir(t, "../testdata/analyze/gaps")
	want := &recommend.Analysis{
		Summary: recommend.AnalysisSummary{
			// 2 conditions: 4 sets; 2 red flags: 4 selections; no
			// aggravators, equipment ids or boundaries.
			Profiles: 16, Rules: 2, Movements: 2,
			Findings: map[string]int{
				"dead_rules": 0, "never_recommended": 1, "always_true": 0, "redundant": 0,
				"conflicts": 0, "gaps": 4, "flags_referred_in_combination": 0,
				"conditions_changing_nothing": 1,
			},
			ConditionSetSize: 3, RedFlagSetSize: 2,
			Boundaries: map[string][]float64{},
		},
		DeadRules:        []recommend.RuleFinding{},
		NeverRecommended: []recommend.MovementFinding{{Movement: "twist", RecommendedBy: []string{}}},
		AlwaysTrue:       []recommend.RuleFinding{},
		Redundant:        []recommend.Redundancy{},
		Conflicts:        []recommend.AnalysisConflict{},
		Gaps: []recommend.Gap{
			{Kind: recommend.GapKindNoAdvice, Profile: recommend.Profile{}},
			{Kind: recommend.GapKindNoAdvice, Profile: recommend.Profile{Conditions: []string{"lonely"}}},
			{Kind: recommend.GapKindFlagNoReferral, Profile: recommend.Profile{RedFlags: []string{"dizzy"}}},
			{Kind: recommend.GapKindNothingToAvoid, Profile: recommend.Profile{Conditions: []string{"lonely"}}},
		},
		FlagsReferredInCombination: []string{},
		ConditionsChangingNothing:  []string{"lonely"},
	}
	if diff := cmp.Diff(want, got, ignoreElapsed); diff != "" {
		t.Errorf("Analyze mismatch (-want +got):\n%s", diff)
	}
	if !got.Failed() {
		t.Error("Failed() = false, want true: the rule set has gaps")
	}
}

// TestAnalyzeDeadNeedsMoreThanTheSpace checks that a rule is dead only
// when no profile can match it: a rule that needs more values together
// than the space explores (two aggravating activities; a condition, an
// activity and a number; three numbers), with or without a negation, is
// matched by a profile made of what its own condition tests, and only the
// contradiction and the impossible age are dead: a number between two
// constants half a unit apart is explored too, and a list whose size a
// condition takes with every value of the vocabulary.
func TestAnalyzeDeadNeedsMoreThanTheSpace(t *testing.T) {
	const head = `sources: [{id: s, title: T, publisher: P, kind: guideline}]
vocabulary:
  conditions: [{id: stiff, label: Stiff back}, {id: sore, label: Sore back}]
  aggravated_by: [{id: sitting, label: Sitting}, {id: bending, label: Bending}, {id: lifting, label: Lifting}]
movements: [{id: walk, name: Walking, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}]
rules:
`
	rule := func(id, when string) string {
		return "  - {id: " + id + ", when: \"" + when + "\", recommend: [walk], because: B., cite: [{source: s, locator: L, claim: C.}]}\n"
	}
	src := head +
		rule("two-activities", "'sitting' in profile.aggravated_by && 'bending' in profile.aggravated_by") +
		rule("condition-activity-number", "'sore' in profile.conditions && 'sitting' in profile.aggravated_by && profile.sitting_hours >= 9.5") +
		rule("three-numbers", "profile.age >= 61 && profile.pain_level >= 5 && profile.days_since_onset > 33") +
		rule("with-a-negation", "profile.aggravated_by.exists(a, a in ['sitting', 'lifting']) && 'bending' in profile.aggravated_by && !('sitting' in profile.aggravated_by) && 'stiff' in profile.conditions && profile.pain_level < 3") +
		rule("contradiction", "profile.pain_level > 8 && profile.pain_level < 3") +
		rule("impossible-age", "'sore' in profile.conditions && profile.age > 200") +
		rule("between-two-close-hours", "'sore' in profile.conditions && profile.sitting_hours > 7.5 && profile.sitting_hours < 8") +
		rule("three-activities", "size(profile.conditions) >= 2 && profile.aggravated_by.size() >= 3")
	eng, err := recommend.Load(fstest.MapFS{"r.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := eng.Analyze(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.RuleFinding{
		{Rule: "contradiction", File: "r.yaml", Line: 11, When: "profile.pain_level > 8 && profile.pain_level < 3"},
		{Rule: "impossible-age", File: "r.yaml", Line: 12, When: "'sore' in profile.conditions && profile.age > 200"},
	}
	if diff := cmp.Diff(want, a.DeadRules); diff != "" {
		t.Errorf("dead rules (-want +got):\n%s", diff)
	}
}

// TestAnalyzeNeedsMoreThanTheSpaceTogether checks the findings about two
// rules that meet, or part, only on profiles that hold more values
// together than the space explores: two rules that both match only with
// two aggravating activities, or with two conditions, an activity and a
// number, are a conflict, with the profile that shows it as the example;
// and a rule that matches without another only with two aggravating
// activities is not redundant with it. Rules that never match together
// are no conflict, and a rule whose matches are a subset of another's is
// still redundant.
func TestAnalyzeNeedsMoreThanTheSpaceTogether(t *testing.T) {
	const src = `sources:
  - {id: guide, title: G, publisher: P, kind: guideline}
  - {id: blog, title: B, publisher: P, kind: personal_account}
vocabulary:
  conditions: [{id: stiff, label: Stiff back}, {id: sore, label: Sore back}]
  aggravated_by: [{id: sitting, label: Sitting}, {id: standing, label: Standing}]
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}
  - {id: desk, name: Desk, kind: lifestyle, how: Stand., dose: Daily., pose: {base: standing, start: {}, end: {}}}
  - {id: twist, name: Twist, kind: mobility, how: Twist., dose: Daily., pose: {base: standing, start: {}, end: {}}}
  - {id: hug, name: Hug, kind: stretch, how: Hug., dose: Daily., pose: {base: standing, start: {}, end: {}}}
rules:
  - {id: sitting-desk, when: "'sitting' in profile.aggravated_by", recommend: [desk], because: B., cite: [{source: blog, locator: L, claim: C.}]}
  - {id: standing-no-desk, when: "'standing' in profile.aggravated_by", avoid: [desk], because: B., cite: [{source: guide, locator: L, claim: C.}]}
  - {id: sore-long-sitting-walks, when: "'sore' in profile.conditions && profile.sitting_hours >= 9.5", recommend: [walk], because: B., cite: [{source: guide, locator: L, claim: C.}]}
  - {id: stiff-standing-walk-care, when: "'stiff' in profile.conditions && 'standing' in profile.aggravated_by", caution: [walk], because: B., cite: [{source: blog, locator: L, claim: C.}]}
  - {id: young-twist, when: "profile.age > 0 && profile.age < 30", recommend: [twist], because: B., cite: [{source: blog, locator: L, claim: C.}]}
  - {id: older-twist-care, when: "profile.age >= 30", caution: [twist], because: B., cite: [{source: guide, locator: L, claim: C.}]}
  - {id: stiff-sitting-hug, when: "'stiff' in profile.conditions && 'sitting' in profile.aggravated_by", recommend: [hug], because: B., cite: [{source: guide, locator: L, claim: C.}]}
  - {id: stiff-not-standing-hug, when: "'stiff' in profile.conditions && !('standing' in profile.aggravated_by)", recommend: [hug], because: B., cite: [{source: guide, locator: L, claim: C.}]}
  - {id: sore-hug, when: "'sore' in profile.conditions", recommend: [hug], because: B., cite: [{source: guide, locator: L, claim: C.}]}
  - {id: sore-painful-hug, when: "'sore' in profile.conditions && profile.pain_level >= 7", recommend: [hug], because: B., cite: [{source: guide, locator: L, claim: C.}]}
`
	eng, err := recommend.Load(fstest.MapFS{"r.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := eng.Analyze(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	type pair struct {
		Recommend, Against string
		Effect             recommend.EffectKind
		Movements          []string
		Example            recommend.Profile
	}
	var got []pair
	for _, c := range a.Conflicts {
		got = append(got, pair{c.Recommend, c.Against, c.Effect, c.Movements, c.Example})
	}
	want := []pair{
		{"sitting-desk", "standing-no-desk", recommend.EffectKindAvoid, []string{"desk"},
			recommend.Profile{AggravatedBy: []string{"sitting", "standing"}}},
		{"sore-long-sitting-walks", "stiff-standing-walk-care", recommend.EffectKindCaution, []string{"walk"},
			recommend.Profile{Conditions: []string{"stiff", "sore"}, AggravatedBy: []string{"standing"}, SittingHours: 9.5}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	wantRedundant := []recommend.Redundancy{
		{Rule: "sore-painful-hug", File: "r.yaml", Line: 22, CoveredBy: "sore-hug"},
	}
	if diff := cmp.Diff(wantRedundant, a.Redundant); diff != "" {
		t.Errorf("redundant rules (-want +got):\n%s", diff)
	}
}

// TestAnalyzeAlwaysTrueNeedsMoreThanTheSpace checks that a condition
// false only on a profile with more values together than the space
// explores (two aggravating activities) is not reported always true,
// while conditions true for every valid profile are.
func TestAnalyzeAlwaysTrueNeedsMoreThanTheSpace(t *testing.T) {
	const src = `sources: [{id: s, title: T, publisher: P, kind: guideline}]
vocabulary:
  conditions: [{id: stiff, label: Stiff back}]
  aggravated_by: [{id: sitting, label: Sitting}, {id: standing, label: Standing}]
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}
  - {id: twist, name: Twist, kind: mobility, how: Twist., dose: Daily., pose: {base: standing, start: {}, end: {}}}
rules:
  - {id: walks, when: "true", recommend: [walk], because: B., cite: [{source: s, locator: L, claim: C.}]}
  - {id: not-both, when: "!('sitting' in profile.aggravated_by && 'standing' in profile.aggravated_by)", recommend: [twist], because: B., cite: [{source: s, locator: L, claim: C.}]}
  - {id: any-age, when: "profile.age >= 0", recommend: [walk], because: B., cite: [{source: s, locator: L, claim: C.}]}
  - {id: any-hours, when: "profile.sitting_hours <= 24.0", recommend: [walk], because: B., cite: [{source: s, locator: L, claim: C.}]}
`
	eng, err := recommend.Load(fstest.MapFS{"r.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := eng.Analyze(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range a.AlwaysTrue {
		got = append(got, f.Rule)
	}
	if diff := cmp.Diff([]string{"any-age", "any-hours"}, got); diff != "" {
		t.Errorf("always-true rules (-want +got):\n%s", diff)
	}
}

// TestAnalyzeFlagReferredByAnyFlagRule checks which red flags get a
// referral of their own. A flag referred by a rule that refers for any red
// flag, whose condition names none, is not a red flag without a referral:
// the flag alone gets the referral. A referral the empty profile gets too
// (here, for an unknown age) is not the flag's: a flag that gets one of
// its own only with an age is referred only in combination.
func TestAnalyzeFlagReferredByAnyFlagRule(t *testing.T) {
	const head = `sources: [{id: s, title: T, publisher: P, kind: guideline}]
vocabulary:
  conditions: [{id: stiff, label: Stiff back}]
  red_flags:
    - {id: fever, label: Fever, floor: {urgency: urgent, withhold: true}}
    - {id: numb, label: Numbness, floor: {urgency: none, withhold: false}}
    - {id: dizzy, label: Dizziness, floor: {urgency: none, withhold: false}}
movements: [{id: walk, name: Walking, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}]
rules:
  - {id: walks, when: "true", recommend: [walk], because: B., cite: [{source: s, locator: L, claim: C.}]}
  - {id: fever-refers, when: "'fever' in profile.red_flags", refer: {urgency: urgent, message: Go today., withhold: true}, because: B., cite: [{source: s, locator: L, claim: C.}]}
`
	rule := func(id, when string) string {
		return "  - {id: " + id + ", when: \"" + when + "\", refer: {urgency: routine, message: See a GP., withhold: false}, because: B., cite: [{source: s, locator: L, claim: C.}]}\n"
	}
	for _, tc := range []struct {
		name, rules    string
		gaps, combined []string
	}{
		{"any red flag", rule("any-flag-refers", "size(profile.red_flags) > 0"), nil, []string{}},
		{"unknown age", rule("unknown-age-refers", "profile.age == 0") + rule("older-numb-refers", "'numb' in profile.red_flags && profile.age >= 65"),
			[]string{"dizzy"}, []string{"numb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eng, err := recommend.Load(fstest.MapFS{"r.yaml": {Data: []byte(head + tc.rules)}})
			if err != nil {
				t.Fatal(err)
			}
			a, err := eng.Analyze(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var gaps []string
			for _, g := range a.Gaps {
				if g.Kind == recommend.GapKindFlagNoReferral {
					gaps = append(gaps, g.Profile.RedFlags...)
				}
			}
			if diff := cmp.Diff(tc.gaps, gaps); diff != "" {
				t.Errorf("red flags without a referral (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.combined, a.FlagsReferredInCombination); diff != "" {
				t.Errorf("red flags referred only in combination (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAnalyzeConditionWithoutRules adds a condition to the default
// vocabulary and no rule for it. The gaps cannot show it: the rules for
// everyone recommend and avoid for it as for anyone. The analysis lists
// it among the conditions that change nothing alone.
func TestAnalyzeConditionWithoutRules(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("explores the default rules: skipped with -short and -race")
	}
	fsys := testrules.Copy(t)
	const at = "\n  conditions:\n"
	v := string(fsys["vocabulary.yaml"].Data)
	if !strings.Contains(v, at) {
		t.Fatal("vocabulary.yaml has no conditions: section")
	}
	v = strings.Replace(v, at, at+"    - {id: forgotten_condition, label: A condition no rule reads}\n", 1)
	fsys["vocabulary.yaml"] = &fstest.MapFile{Data: []byte(v)}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	a, err := eng.Analyze(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"forgotten_condition", "low_back_pain"}, a.ConditionsChangingNothing); diff != "" {
		t.Errorf("conditions changing nothing alone (-want +got):\n%s", diff)
	}
}

// TestAnalyzeBoundaries checks the numbers explored around each kind of
// comparison, with the constant on either side, within the field's range.
func TestAnalyzeBoundaries(t *testing.T) {
	const head = `sources: [{id: s, title: T, publisher: P, kind: guideline}]
movements: [{id: walk, name: Walking, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}]
rules:
`
	rule := func(id, when string) string {
		return "  - {id: " + id + ", when: \"" + when + "\", recommend: [walk], because: B., cite: [{source: s, locator: L, claim: C.}]}\n"
	}
	tests := []struct {
		name string
		when string
		want map[string][]float64
	}{
		{"at least", "profile.pain_level >= 7", map[string][]float64{"pain_level": {6, 7}}},
		{"more than", "profile.pain_level > 7", map[string][]float64{"pain_level": {7, 8}}},
		{"less than", "profile.pain_level < 7", map[string][]float64{"pain_level": {6, 7}}},
		{"at most", "profile.pain_level <= 7", map[string][]float64{"pain_level": {7, 8}}},
		{"constant first", "7 <= profile.pain_level", map[string][]float64{"pain_level": {6, 7}}},
		{"equal", "profile.age == 70", map[string][]float64{"age": {69, 70, 71}}},
		{"not equal", "profile.age != 70", map[string][]float64{"age": {69, 70, 71}}},
		{"double field", "profile.sitting_hours > 6", map[string][]float64{"sitting_hours": {6, 6.5}}},
		{"double field, constants half a unit apart", "profile.sitting_hours > 7.5 && profile.sitting_hours < 8",
			map[string][]float64{"sitting_hours": {7.5, 7.75, 8}}},
		{"double field, constants further apart", "profile.sitting_hours > 6 && profile.sitting_hours < 8",
			map[string][]float64{"sitting_hours": {6, 6.5, 7.5, 8}}},
		{"fraction on an int field", "profile.pain_level > 6.5", map[string][]float64{"pain_level": {6, 7}}},
		{"range edges dropped", "profile.pain_level > 10 || profile.age >= 0", map[string][]float64{"pain_level": {10}}},
		{"inside a ternary", "(profile.age > 50 ? 1 : 0) + (profile.days_since_onset >= 28 ? 1 : 0) >= 2",
			map[string][]float64{"age": {50, 51}, "days_since_onset": {27, 28}}},
		{"field with field", "profile.pain_level > profile.age", map[string][]float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"r.yaml": {Data: []byte(head + rule("r", tt.when))}}
			eng, err := recommend.Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			a, err := eng.Analyze(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, a.Summary.Boundaries); diff != "" {
				t.Errorf("boundaries of %s (-want +got):\n%s", tt.when, diff)
			}
		})
	}
}

// TestAnalyzeDefaultRules checks the acceptance bar on the default rules:
// no dead rule, no gap and no conflict the policy cannot resolve. A
// recent fall gets a referral only with age, thin bones, steroids or nerve
// signs, as red_flags.yaml means; it is pinned here so that a change to it
// is noticed.
func TestAnalyzeDefaultRules(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("explores about 40,000 profiles: skipped with -short and -race")
	}
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	a, err := eng.Analyze(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]recommend.RuleFinding{}, a.DeadRules); diff != "" {
		t.Errorf("dead rules (-want +got):\n%s", diff)
	}
	if a.Summary.UnresolvedConflicts != 0 {
		t.Errorf("%d unresolved conflicts, want 0", a.Summary.UnresolvedConflicts)
	}
	if diff := cmp.Diff([]recommend.Gap{}, a.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"recent_fall", "anticoagulants_or_bleeding_disorder", "morning_stiffness", "waking_second_half_of_night"}, a.FlagsReferredInCombination); diff != "" {
		t.Errorf("flags referred in combination (-want +got):\n%s", diff)
	}
	// low_back_pain is read by no rule: the advice for everyone.
	if diff := cmp.Diff([]string{"low_back_pain"}, a.ConditionsChangingNothing); diff != "" {
		t.Errorf("conditions changing nothing alone (-want +got):\n%s", diff)
	}
	if a.Failed() {
		t.Error("Failed() = true, want false")
	}
	if a.Coverage != nil {
		t.Errorf("Coverage = %+v without case profiles, want nil", a.Coverage)
	}
}

// TestAnalyzeBounded checks that a large vocabulary shrinks the sets
// explored instead of the space growing past MaxAnalyzeProfiles: with 64
// conditions and 64 red flags, sets of three conditions and two flags
// would make 95 million profiles; one condition at a time with pairs of
// flags makes 65*2,081.
func TestAnalyzeBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("sources: [{id: s, title: T, publisher: P, kind: guideline}]\nvocabulary:\n  conditions:\n")
	for i := range 64 {
		fmt.Fprintf(&b, "    - {id: c%d, label: C}\n", i)
	}
	b.WriteString("  red_flags:\n")
	for i := range 64 {
		fmt.Fprintf(&b, "    - {id: f%d, label: F, floor: {urgency: none, withhold: false}}\n", i)
	}
	b.WriteString(`movements: [{id: walk, name: Walking, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}]
rules:
  - {id: r, when: "'c1' in profile.conditions", recommend: [walk], because: B., cite: [{source: s, locator: L, claim: C.}]}
`)
	eng, err := recommend.Load(fstest.MapFS{"r.yaml": {Data: []byte(b.String())}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := eng.Analyze(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := [4]int{a.Summary.ConditionSetSize, a.Summary.RedFlagSetSize, a.Summary.Profiles, len(a.Gaps)}
	// 64 condition_without_avoid gaps and 64 red flags without referral;
	// every condition set but {c1} gets no advice, so 64 more.
	want := [4]int{1, 2, 65 * 2081, 64 + 64 + 64}
	if got != want {
		t.Errorf("condition set size, red flag set size, profiles, gaps = %v, want %v", got, want)
	}
	if a.Summary.Profiles > recommend.MaxAnalyzeProfiles || a.Summary.Truncated {
		t.Errorf("profiles = %d, truncated = %t: over the bound", a.Summary.Profiles, a.Summary.Truncated)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	var nilEngine *recommend.Engine
	if _, err := nilEngine.Analyze(context.Background()); err == nil {
		t.Error("nil engine: no error")
	}
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1012 a nil context is the input under test
	if _, err := eng.Analyze(nil); err == nil { //nolint:staticcheck
		t.Error("nil context: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := eng.Analyze(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v, want context.Canceled", err)
	}
}
