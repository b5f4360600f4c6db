package recommend_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// compareRules is a small rule set for CompareReferrals: two red flags
// that refer alone, a fall that refers only with thin bones or age, a
// pair of flags that refers only together, and a pair that refers only
// with an age and a pain level besides.
var compareRules = map[string]string{
	"sources.yaml": `version: "cmp-1"
sources:
  - id: src-a
    title: Source A
    publisher: Publisher A
    kind: guideline
`,
	"vocabulary.yaml": `vocabulary:
  conditions:
    - {id: strain, label: Strain}
    - {id: osteoporosis, label: Thin bones}
  red_flags:
    - {id: saddle_numbness, label: Saddle numbness, floor: {urgency: emergency, withhold: true}}
    - {id: fever, label: Fever, floor: {urgency: urgent, withhold: false}}
    - {id: recent_fall, label: A recent fall, floor: {urgency: none, withhold: false}}
    - {id: blood_thinners, label: Blood thinners, floor: {urgency: none, withhold: false}}
`,
	"movements.yaml": `movements:
  - id: walking
    name: Walking
    kind: lifestyle
    how: Walk.
    dose: 10 minutes.
    pose: {base: standing, start: {}, end: {}}
`,
	"rules.yaml": `rules:
  - id: cauda
    when: "'saddle_numbness' in profile.red_flags"
    refer: {urgency: emergency, message: "Go to an emergency department now. This is advice to get assessed, not a diagnosis.", withhold: true}
    because: A sign of nerve compression.
    cite: [{source: src-a, locator: Section 1, claim: Saddle numbness needs emergency care.}]
  - id: fever
    when: "'fever' in profile.red_flags"
    refer: {urgency: urgent, message: "See a doctor today. This is advice to get assessed, not a diagnosis."}
    because: A sign of infection.
    cite: [{source: src-a, locator: Section 2, claim: Fever with back pain needs a check.}]
  - id: fall-fragile
    when: "'recent_fall' in profile.red_flags && ('osteoporosis' in profile.conditions || profile.age >= 65)"
    refer: {urgency: urgent, message: "See a doctor today. This is advice to get assessed, not a diagnosis.", withhold: true}
    because: A fall can break thin bones.
    cite: [{source: src-a, locator: Section 3, claim: A fall with thin bones needs a check.}]
  - id: fall-bleeding
    when: "'recent_fall' in profile.red_flags && 'blood_thinners' in profile.red_flags"
    refer: {urgency: urgent, message: "See a doctor today. This is advice to get assessed, not a diagnosis.", withhold: true}
    because: A fall on blood thinners can bleed.
    cite: [{source: src-a, locator: Section 4, claim: A fall on blood thinners needs a check.}]
  - id: fever-thinners-old-pain
    when: "'fever' in profile.red_flags && 'blood_thinners' in profile.red_flags && profile.age >= 70 && profile.pain_level >= 7"
    refer: {urgency: emergency, message: "Go to an emergency department now. This is advice to get assessed, not a diagnosis."}
    because: Rare, and serious.
    cite: [{source: src-a, locator: Section 5, claim: This needs emergency care.}]
  - id: keep-moving
    when: "true"
    recommend: [walking]
    because: Moving helps.
    cite: [{source: src-a, locator: Section 6, claim: Staying active helps.}]
`,
}

// compareFS returns compareRules with each edit made: old replaced by new
// in the file, once, failing the test if old is not there.
func compareFS(t *testing.T, edits ...[3]string) fstest.MapFS {
	t.Helper()
	files := map[string]string{}
	for name, src := range compareRules {
		files[name] = src
	}
	for _, e := range edits {
		name, old, new := e[0], e[1], e[2]
		if !strings.Contains(files[name], old) {
			t.Fatalf("%s has no %q", name, old)
		}
		files[name] = strings.Replace(files[name], old, new, 1)
	}
	m := fstest.MapFS{}
	for name, src := range files {
		m[name] = &fstest.MapFile{Data: []byte(src)}
	}
	return m
}

// outcomeOf returns what Recommend gives p: its most urgent referral and
// whether advice is withheld.
func outcomeOf(t *testing.T, eng *recommend.Engine, p recommend.Profile) recommend.ReferralOutcome {
	t.Helper()
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatalf("Recommend(%+v): %v", p, err)
	}
	var o recommend.ReferralOutcome
	if len(res.Referrals) > 0 {
		o.Urgency = res.Referrals[0].Urgency
	}
	o.Withheld = res.Withheld
	return o
}

// knownTo returns p without the conditions and red flags eng's
// vocabulary does not hold.
func knownTo(eng *recommend.Engine, p recommend.Profile) recommend.Profile {
	v := eng.Vocabulary()
	keep := func(ids []string, terms []recommend.Term) []string {
		var out []string
		for _, id := range ids {
			if slices.ContainsFunc(terms, func(t recommend.Term) bool { return t.ID == id }) {
				out = append(out, id)
			}
		}
		return out
	}
	p.Conditions, p.RedFlags = keep(p.Conditions, v.Conditions), keep(p.RedFlags, v.RedFlags)
	return p
}

// TestCompareReferrals checks that CompareReferrals finds what a change
// of the rules lowers, with the smallest profile, what it got and would
// get, and the rules involved, for rules that refer alone, in
// combination, past a threshold, and through a vocabulary id that is
// gone; that what it says each engine gives is what Recommend gives; and
// that a change that lowers nothing is not reported.
func TestCompareReferrals(t *testing.T) {
	// fallRefer is the referral of rule fall-fragile, which no other
	// rule's referral reads like.
	const fallRefer = `{urgency: urgent, message: "See a doctor today. This is advice to get assessed, not a diagnosis.", withhold: true}
    because: A fall can break`
	cutRule := func(id string) [3]string {
		src := compareRules["rules.yaml"]
		start := strings.Index(src, "  - id: "+id+"\n")
		end := strings.Index(src[start+1:], "  - id: ")
		return [3]string{"rules.yaml", src[start : start+1+end], ""}
	}
	fallWas := recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Withheld: true, Rules: []string{"fall-fragile"}}
	none := recommend.ReferralOutcome{Rules: []string{}}
	thinFall := recommend.Profile{Conditions: []string{"osteoporosis"}, RedFlags: []string{"recent_fall"}}
	tests := []struct {
		name  string
		edits [][3]string
		want  []recommend.Lowering
	}{
		{"the same rules", nil, []recommend.Lowering{}},
		{"a reason changed", [][3]string{{"rules.yaml", "A fall can break thin bones.", "Thin bones can break in a fall."}}, []recommend.Lowering{}},
		{"an urgency raised", [][3]string{{"rules.yaml", fallRefer, strings.Replace(fallRefer, "urgent", "emergency", 1)}}, []recommend.Lowering{}},
		{"a rule added", [][3]string{{"rules.yaml", "  - id: keep-moving\n", `  - id: fall-old
    when: "'recent_fall' in profile.red_flags && profile.age >= 80"
    refer: {urgency: emergency, message: "Go to an emergency department now. This is advice to get assessed, not a diagnosis.", withhold: true}
    because: Very old bones break easily.
    cite: [{source: src-a, locator: Section 7, claim: A fall at 80 needs emergency care.}]
  - id: keep-moving
`}}, []recommend.Lowering{}},
		{"a floor lowered, its rule kept", [][3]string{{"vocabulary.yaml", "floor: {urgency: urgent, withhold: false}", "floor: {urgency: routine, withhold: false}"}}, []recommend.Lowering{}},
		{"a rule of a flag and a condition or an age deleted", [][3]string{cutRule("fall-fragile")}, []recommend.Lowering{
			{Profile: thinFall, Was: fallWas, Now: none, Rules: []string{"fall-fragile"}},
		}},
		{"a rule of two flags deleted", [][3]string{cutRule("fall-bleeding")}, []recommend.Lowering{
			{Profile: recommend.Profile{RedFlags: []string{"recent_fall", "blood_thinners"}},
				Was: recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Withheld: true, Rules: []string{"fall-bleeding"}}, Now: none,
				Rules: []string{"fall-bleeding"}},
		}},
		{"a rule of two flags, an age and a pain level deleted", [][3]string{cutRule("fever-thinners-old-pain")}, []recommend.Lowering{
			{Profile: recommend.Profile{RedFlags: []string{"fever", "blood_thinners"}, Age: 70, PainLevel: 7},
				Was: recommend.ReferralOutcome{Urgency: recommend.UrgencyEmergency, Rules: []string{"fever-thinners-old-pain"}},
				Now: recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Rules: []string{"fever"}}, Rules: []string{"fever-thinners-old-pain"}},
		}},
		{"an age threshold raised", [][3]string{{"rules.yaml", "profile.age >= 65", "profile.age >= 80"}}, []recommend.Lowering{
			{Profile: recommend.Profile{RedFlags: []string{"recent_fall"}, Age: 65}, Was: fallWas, Now: none, Rules: []string{"fall-fragile"}},
		}},
		{"an urgency lowered", [][3]string{{"rules.yaml", fallRefer, strings.Replace(fallRefer, "urgent", "routine", 1)}}, []recommend.Lowering{
			{Profile: thinFall, Was: fallWas, Now: recommend.ReferralOutcome{Urgency: recommend.UrgencyRoutine, Withheld: true, Rules: []string{"fall-fragile"}},
				Rules: []string{"fall-fragile"}},
		}},
		{"withholding dropped", [][3]string{{"rules.yaml", fallRefer, strings.Replace(fallRefer, "withhold: true", "withhold: false", 1)}}, []recommend.Lowering{
			{Profile: thinFall, Was: fallWas, Now: recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Rules: []string{"fall-fragile"}},
				Rules: []string{"fall-fragile"}},
		}},
		{"a condition gone from the vocabulary", [][3]string{
			{"vocabulary.yaml", "    - {id: osteoporosis, label: Thin bones}\n", ""},
			{"rules.yaml", "('osteoporosis' in profile.conditions || profile.age >= 65)", "profile.age >= 65"},
		}, []recommend.Lowering{
			{Profile: thinFall, Was: fallWas, Now: none, Rules: []string{"fall-fragile"}},
		}},
	}
	old := mustLoad(t, compareFS(t))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := mustLoad(t, compareFS(t, tt.edits...))
			got, err := recommend.CompareReferrals(context.Background(), old, eng)
			if err != nil {
				t.Fatal(err)
			}
			if got.Profiles == 0 || (got.Lowered == 0) != (len(tt.want) == 0) {
				t.Errorf("compared %d profiles, %d lowered; want some compared, and lowered ones exactly when lowerings are", got.Profiles, got.Lowered)
			}
			if diff := cmp.Diff(tt.want, got.Lowerings); diff != "" {
				t.Errorf("lowerings (-want +got):\n%s", diff)
			}
			// What the comparison says each engine gives is what
			// Recommend gives, and it is lower.
			for _, l := range got.Lowerings {
				was, now := outcomeOf(t, old, l.Profile), outcomeOf(t, eng, knownTo(eng, l.Profile))
				if !now.Lowers(was) {
					t.Errorf("%+v: Recommend gives %v, then %v: not lower", l.Profile, was, now)
				}
				if diff := cmp.Diff([]string{was.String(), now.String()}, []string{l.Was.String(), l.Now.String()}); diff != "" {
					t.Errorf("%+v: outcomes (-Recommend's +CompareReferrals'):\n%s", l.Profile, diff)
				}
			}
		})
	}
}

// TestCompareReferralsErrors checks that a nil engine or context, and a
// context that is done, are errors, not panics or a comparison cut short
// that reports nothing lowered.
func TestCompareReferralsErrors(t *testing.T) {
	eng := mustLoad(t, compareFS(t))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name               string
		ctx                context.Context
		serving, candidate *recommend.Engine
		want               string
	}{
		{"nil serving engine", context.Background(), nil, eng, "compare referrals: recommend: nil *Engine: create one with Load or Default"},
		{"nil candidate engine", context.Background(), eng, nil, "compare referrals: recommend: nil *Engine: create one with Load or Default"},
		{"nil context", nil, eng, eng, "compare referrals: nil context: pass context.Background()"},
		{"cancelled", cancelled, eng, eng, "compare referrals: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recommend.CompareReferrals(tt.ctx, tt.serving, tt.candidate)
			if got != nil || err == nil {
				t.Fatalf("CompareReferrals = %+v, %v; want an error", got, err)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := recommend.CompareReferrals(cancelled, eng, eng); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want one matching context.Canceled", err)
	}
}

// TestCompareReferralsDefault checks that the default rules, compared
// with themselves, lower nothing, over the profiles the analysis explores
// and more.
func TestCompareReferralsDefault(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("compares about 180,000 profiles: skipped with -short and -race")
	}
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	a, err := eng.Analyze(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := recommend.CompareReferrals(context.Background(), eng, eng)
	if err != nil {
		t.Fatal(err)
	}
	if got.Profiles <= a.Summary.Profiles || got.Lowered != 0 || len(got.Lowerings) != 0 || got.Lowerings == nil {
		t.Errorf("compared %d profiles (the analysis explores %d), %d lowered, lowerings %v; want more than the analysis, none lowered, an empty list",
			got.Profiles, a.Summary.Profiles, got.Lowered, got.Lowerings)
	}
}

// TestReferralOutcomeLowers checks the order of outcomes: none below
// routine below urgent below emergency, and withheld above not.
func TestReferralOutcomeLowers(t *testing.T) {
	o := func(u recommend.Urgency, w bool) recommend.ReferralOutcome {
		return recommend.ReferralOutcome{Urgency: u, Withheld: w}
	}
	tests := []struct {
		now, was recommend.ReferralOutcome
		want     bool
		text     string
	}{
		{o("", false), o(recommend.UrgencyRoutine, false), true, "no referral"},
		{o(recommend.UrgencyRoutine, false), o(recommend.UrgencyRoutine, false), false, "routine"},
		{o(recommend.UrgencyUrgent, true), o(recommend.UrgencyEmergency, true), true, "urgent, advice withheld"},
		{o(recommend.UrgencyEmergency, false), o(recommend.UrgencyUrgent, true), true, "emergency"},
		{o(recommend.UrgencyEmergency, true), o(recommend.UrgencyUrgent, false), false, "emergency, advice withheld"},
		{o("", true), o("", false), false, "no referral, advice withheld"},
	}
	for _, tt := range tests {
		t.Run(tt.now.String()+" after "+tt.was.String(), func(t *testing.T) {
			got := []any{tt.now.Lowers(tt.was), tt.now.String()}
			if diff := cmp.Diff([]any{tt.want, tt.text}, got); diff != "" {
				t.Errorf("Lowers, String (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkCompareReferrals measures the comparison of the default rules
// with themselves, every profile compared: what a server's reload pays.
func BenchmarkCompareReferrals(b *testing.B) {
	eng, err := recommend.Default()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := recommend.CompareReferrals(context.Background(), eng, eng); err != nil {
			b.Fatal(err)
		}
	}
}
