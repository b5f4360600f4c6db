package recommend_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/testrules"
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
	"progress.yaml": `progress:
  - id: walk-less
    when: programme.flare
    step: regress
    because: A flare is eased by walking a little less.
    cite: [{source: src-a, locator: Section 8, claim: Walk less in a flare.}]
  - id: review-worsening
    when: programme.worse_twice && programme.latest_pain >= 4
    refer: {urgency: routine, message: "Book a routine review. This is advice to get assessed, not a diagnosis.", clinician: Pain has risen at two check-ins in a row.}
    because: Pain that keeps rising needs a look.
    cite: [{source: src-a, locator: Section 9, claim: Rising pain needs a review.}]
  - id: review-severe
    when: programme.check_ins > 2 && programme.latest_pain >= 9
    refer: {urgency: urgent, message: "See a doctor soon. This is advice to get assessed, not a diagnosis.", clinician: Severe pain on the programme.}
    because: Severe pain needs a prompt look.
    cite: [{source: src-a, locator: Section 10, claim: Severe pain needs a prompt review.}]
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

// cut is the edit of compareRules that deletes rule id of file name: its
// lines from its "  - id:" line up to the next rule's, or to the end of
// the file.
func cut(name, id string) [3]string {
	src := compareRules[name]
	start := strings.Index(src, "  - id: "+id+"\n")
	if start < 0 {
		panic(name + " has no rule " + id)
	}
	end := len(src)
	if next := strings.Index(src[start+1:], "  - id: "); next >= 0 {
		end = start + 1 + next
	}
	return [3]string{name, src[start:end], ""}
}

// outcomeOf returns what Recommend gives p: its most pressing referral,
// with the timing its first rule states (or the latest its urgency
// allows), whether advice is withheld, and
// whether a stay-active message is kept with it.
func outcomeOf(t *testing.T, eng *recommend.Engine, p recommend.Profile) recommend.ReferralOutcome {
	t.Helper()
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatalf("Recommend(%+v): %v", p, err)
	}
	var o recommend.ReferralOutcome
	if len(res.Referrals) > 0 {
		o.Urgency = res.Referrals[0].Urgency
		o.Within = o.Urgency.LatestWithin()
		for _, r := range eng.Rules() {
			if r.ID == res.Referrals[0].Rules[0] && r.Referral != nil && r.Referral.Within != "" {
				o.Within = r.Referral.Within
			}
		}
	}
	o.Withheld = res.Withheld
	o.KeepActive = res.Withheld && slices.ContainsFunc(res.Messages, func(m recommend.Message) bool { return m.Kind == recommend.MessageKindStayActive })
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
	fallWas := recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Within: recommend.WithinFewDays, Withheld: true, Rules: []string{"fall-fragile"}}
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
		{"a rule of a flag and a condition or an age deleted", [][3]string{cut("rules.yaml", "fall-fragile")}, []recommend.Lowering{
			{Profile: thinFall, Was: fallWas, Now: none, Rules: []string{"fall-fragile"}},
		}},
		{"a rule of two flags deleted", [][3]string{cut("rules.yaml", "fall-bleeding")}, []recommend.Lowering{
			{Profile: recommend.Profile{RedFlags: []string{"recent_fall", "blood_thinners"}},
				Was: recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Within: recommend.WithinFewDays, Withheld: true, Rules: []string{"fall-bleeding"}}, Now: none,
				Rules: []string{"fall-bleeding"}},
		}},
		{"a rule of two flags, an age and a pain level deleted", [][3]string{cut("rules.yaml", "fever-thinners-old-pain")}, []recommend.Lowering{
			{Profile: recommend.Profile{RedFlags: []string{"fever", "blood_thinners"}, Age: 70, PainLevel: 7},
				Was: recommend.ReferralOutcome{Urgency: recommend.UrgencyEmergency, Within: recommend.WithinToday, Rules: []string{"fever-thinners-old-pain"}},
				Now: recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Within: recommend.WithinFewDays, Rules: []string{"fever"}}, Rules: []string{"fever-thinners-old-pain"}},
		}},
		{"an age threshold raised", [][3]string{{"rules.yaml", "profile.age >= 65", "profile.age >= 80"}}, []recommend.Lowering{
			{Profile: recommend.Profile{RedFlags: []string{"recent_fall"}, Age: 65}, Was: fallWas, Now: none, Rules: []string{"fall-fragile"}},
		}},
		{"an urgency lowered", [][3]string{{"rules.yaml", fallRefer, strings.Replace(fallRefer, "urgent", "routine", 1)}}, []recommend.Lowering{
			{Profile: thinFall, Was: fallWas, Now: recommend.ReferralOutcome{Urgency: recommend.UrgencyRoutine, Within: recommend.WithinWeeks, Withheld: true, Rules: []string{"fall-fragile"}},
				Rules: []string{"fall-fragile"}},
		}},
		{"withholding dropped", [][3]string{{"rules.yaml", fallRefer, strings.Replace(fallRefer, "withhold: true", "withhold: false", 1)}}, []recommend.Lowering{
			{Profile: thinFall, Was: fallWas, Now: recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Within: recommend.WithinFewDays, Rules: []string{"fall-fragile"}},
				Rules: []string{"fall-fragile"}},
		}},
		{"keep_active added: advice withheld as before, the person now told to stay active", [][3]string{
			{"rules.yaml", fallRefer, strings.Replace(fallRefer, "withhold: true", "withhold: true, keep_active: true", 1)},
			// A stay-active message, for Recommend to show kept.
			{"rules.yaml", "  - id: keep-moving\n", `  - id: stay-active
    when: "true"
    say: {kind: stay_active, message: Stay gently active.}
    because: Moving helps.
    cite: [{source: src-a, locator: Section 6, claim: Staying active helps.}]
  - id: keep-moving
`}}, []recommend.Lowering{
			{Profile: thinFall, Was: fallWas, Now: recommend.ReferralOutcome{Urgency: recommend.UrgencyUrgent, Within: recommend.WithinFewDays, Withheld: true, KeepActive: true, Rules: []string{"fall-fragile"}},
				Rules: []string{"fall-fragile"}},
		}},
		{"a timing stated, no later than the one taken without it", [][3]string{{"rules.yaml", fallRefer, strings.Replace(fallRefer, "withhold: true", "withhold: true, within: two_days", 1)}}, []recommend.Lowering{}},
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
			if got.Profiles == 0 || (got.Lowered == 0) != (len(tt.want) == 0) || got.Truncated {
				t.Errorf("compared %d profiles, %d lowered, truncated %t; want some compared, lowered ones exactly when lowerings are, and not truncated",
					got.Profiles, got.Lowered, got.Truncated)
			}
			if len(got.Reviews) != 0 || got.Reviews == nil {
				t.Errorf("reviews %+v, want an empty list: no progression rule changed", got.Reviews)
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

// TestCompareReferralsReviews checks that CompareReferrals reports each
// programme review (a progression rule with a referral) that the
// candidate drops, weakens or gives a condition of another text, placed
// where the rule set in service declares it, and that a review kept, or
// made more urgent, and a change to a step rule or to a review's words,
// are not reported; and that a review it reports as lowered is one a
// history of check-ins the rule matched no longer gets.
func TestCompareReferralsReviews(t *testing.T) {
	const worsening = "programme.worse_twice && programme.latest_pain >= 4"
	const severe = `refer: {urgency: urgent, message: "See a doctor soon.`
	old := mustLoad(t, compareFS(t))
	placed := func(id string, l recommend.ReviewLowering) recommend.ReviewLowering {
		for _, r := range old.ProgressRules() {
			if r.ID == id {
				l.Rule, l.File, l.Line = id, r.File, r.Line
				return l
			}
		}
		t.Fatalf("no progression rule %s", id)
		return l
	}
	// rising has the pain rise at two check-ins in a row, to 4, and
	// severe has it at 9 at the third check-in: the histories each review
	// refers.
	rising := []recommend.CheckIn{{Day: 0, PainLevel: 2}, {Day: 7, PainLevel: 3}, {Day: 14, PainLevel: 4}}
	severeHistory := []recommend.CheckIn{{Day: 0, PainLevel: 9}, {Day: 7, PainLevel: 9}, {Day: 14, PainLevel: 9}}
	tests := []struct {
		name  string
		edits [][3]string
		want  []recommend.ReviewLowering
		// history, when not nil, is check-ins the rule set in service
		// refers for review, and the candidate less.
		history []recommend.CheckIn
	}{
		{"the same rules", nil, []recommend.ReviewLowering{}, nil},
		{"a step rule changed", [][3]string{{"progress.yaml", "when: programme.flare", "when: programme.flare && programme.latest_pain > 3"}}, []recommend.ReviewLowering{}, nil},
		{"a review reworded", [][3]string{{"progress.yaml", "Book a routine review.", "Book a review with your GP."}}, []recommend.ReviewLowering{}, nil},
		{"a review made urgent", [][3]string{{"progress.yaml", "urgency: routine", "urgency: urgent"}}, []recommend.ReviewLowering{}, nil},
		{"a review added", [][3]string{{"progress.yaml", "  - id: review-severe\n", `  - id: review-stuck
    when: programme.weeks >= 12
    refer: {urgency: routine, message: "Book a routine review. This is advice to get assessed, not a diagnosis.", clinician: Twelve weeks in.}
    because: A long programme needs a look.
    cite: [{source: src-a, locator: Section 11, claim: A long programme needs a review.}]
  - id: review-severe
`}}, []recommend.ReviewLowering{}, nil},
		{"a review deleted", [][3]string{cut("progress.yaml", "review-worsening")}, []recommend.ReviewLowering{
			placed("review-worsening", recommend.ReviewLowering{Was: recommend.UrgencyRoutine, Gone: true}),
		}, rising},
		{"the last review deleted", [][3]string{cut("progress.yaml", "review-severe")}, []recommend.ReviewLowering{
			placed("review-severe", recommend.ReviewLowering{Was: recommend.UrgencyUrgent, Gone: true}),
		}, severeHistory},
		{"a review renamed", [][3]string{{"progress.yaml", "id: review-worsening", "id: review-rising"}}, []recommend.ReviewLowering{
			placed("review-worsening", recommend.ReviewLowering{Was: recommend.UrgencyRoutine, Gone: true}),
		}, nil},
		{"a review made routine", [][3]string{{"progress.yaml", severe, strings.Replace(severe, "urgent", "routine", 1)}}, []recommend.ReviewLowering{
			placed("review-severe", recommend.ReviewLowering{Was: recommend.UrgencyUrgent, Now: recommend.UrgencyRoutine}),
		}, severeHistory},
		{"a review's referral replaced by a step", [][3]string{{"progress.yaml",
			`    refer: {urgency: routine, message: "Book a routine review. This is advice to get assessed, not a diagnosis.", clinician: Pain has risen at two check-ins in a row.}`,
			"    step: hold"}}, []recommend.ReviewLowering{
			placed("review-worsening", recommend.ReviewLowering{Was: recommend.UrgencyRoutine}),
		}, rising},
		{"a review's threshold raised", [][3]string{{"progress.yaml", worsening, strings.Replace(worsening, ">= 4", ">= 5", 1)}}, []recommend.ReviewLowering{
			placed("review-worsening", recommend.ReviewLowering{Was: recommend.UrgencyRoutine, Now: recommend.UrgencyRoutine, ConditionChanged: true}),
		}, rising},
		{"a review's condition respaced", [][3]string{{"progress.yaml", worsening, strings.Replace(worsening, " && ", " &&  ", 1)}}, []recommend.ReviewLowering{
			placed("review-worsening", recommend.ReviewLowering{Was: recommend.UrgencyRoutine, Now: recommend.UrgencyRoutine, ConditionChanged: true}),
		}, nil},
		{"a review made urgent under a new condition", [][3]string{{"progress.yaml", "urgency: routine", "urgency: urgent"},
			{"progress.yaml", worsening, "programme.worse_twice && programme.latest_pain >= 6"}}, []recommend.ReviewLowering{
			placed("review-worsening", recommend.ReviewLowering{Was: recommend.UrgencyRoutine, Now: recommend.UrgencyUrgent, ConditionChanged: true}),
		}, rising},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := mustLoad(t, compareFS(t, tt.edits...))
			got, err := recommend.CompareReferrals(context.Background(), old, eng)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Reviews); diff != "" {
				t.Errorf("reviews (-want +got):\n%s", diff)
			}
			if got.Lowered != 0 || got.Truncated {
				t.Errorf("%d profiles lowered, truncated %t; want none, and not truncated: only the programme changed", got.Lowered, got.Truncated)
			}
			if tt.history == nil {
				return
			}
			// The review lowered is one a history it referred no longer
			// gets: the comparison by rule stands for real check-ins.
			p := recommend.Profile{CheckIns: tt.history}
			if was, now := outcomeOf(t, old, p), outcomeOf(t, eng, p); !now.Lowers(was) {
				t.Errorf("%+v: Recommend gives %v, then %v: not lower", tt.history, was, now)
			}
		})
	}
}

// TestCompareReferralsTruncated checks that a comparison whose profile
// space is cut at MaxAnalyzeProfiles says so, rather than reading as
// nothing lowered: 450 conditions and 450 red flags, one of each at a
// time, make 451*451 profiles, past the bound.
func TestCompareReferralsTruncated(t *testing.T) {
	// terms lists 450 terms, ids prefix0 to prefix449, each with more.
	terms := func(prefix, more string) string {
		var b strings.Builder
		for i := range 450 {
			fmt.Fprintf(&b, "    - {id: %s%d, label: Term%s}\n", prefix, i, more)
		}
		return b.String()
	}
	src := "sources: [{id: s, title: T, publisher: P, kind: guideline}]\nvocabulary:\n  conditions:\n" + terms("c", "") +
		"  red_flags:\n" + terms("f", ", floor: {urgency: none, withhold: false}") +
		`movements: [{id: walk, name: Walking, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}]
rules: [{id: r, when: "'c1' in profile.conditions", recommend: [walk], because: B., cite: [{source: s, locator: L, claim: C.}]}]
`
	eng := mustLoad(t, fstest.MapFS{"r.yaml": {Data: []byte(src)}})
	got, err := recommend.CompareReferrals(context.Background(), eng, eng)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Truncated || got.Profiles < recommend.MaxAnalyzeProfiles || got.Lowered != 0 {
		t.Errorf("truncated %t, %d profiles compared, %d lowered; want truncated, at least the bound (%d) compared, none lowered",
			got.Truncated, got.Profiles, got.Lowered, recommend.MaxAnalyzeProfiles)
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
// routine below urgent below emergency; within an urgency a later timing
// below a sooner one, no timing read as the latest the urgency allows
// (and not named by String);
// withheld above not, and withheld with the stay-active messages below
// withheld without them.
func TestReferralOutcomeLowers(t *testing.T) {
	o := func(u recommend.Urgency, w bool) recommend.ReferralOutcome {
		return recommend.ReferralOutcome{Urgency: u, Withheld: w}
	}
	ow := func(u recommend.Urgency, within recommend.Within, w, active bool) recommend.ReferralOutcome {
		return recommend.ReferralOutcome{Urgency: u, Within: within, Withheld: w, KeepActive: active}
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
		// Timing.
		{ow(recommend.UrgencyUrgent, recommend.WithinFewDays, true, false), ow(recommend.UrgencyUrgent, recommend.WithinToday, true, false), true, "urgent within a few days, advice withheld"},
		{ow(recommend.UrgencyEmergency, recommend.WithinToday, true, false), ow(recommend.UrgencyEmergency, recommend.WithinNow, true, false), true, "emergency today, advice withheld"},
		{ow(recommend.UrgencyUrgent, "", false, false), ow(recommend.UrgencyUrgent, recommend.WithinTwoDays, false, false), true, "urgent"},
		{ow(recommend.UrgencyUrgent, "", false, false), ow(recommend.UrgencyUrgent, recommend.WithinFewDays, false, false), false, "urgent"},
		{ow(recommend.UrgencyUrgent, recommend.WithinTwoDays, false, false), ow(recommend.UrgencyUrgent, "", false, false), false, "urgent within two days"},
		{ow(recommend.UrgencyEmergency, recommend.WithinToday, false, false), ow(recommend.UrgencyUrgent, recommend.WithinToday, true, false), true, "emergency today"},
		{ow(recommend.UrgencyEmergency, recommend.WithinToday, true, false), ow(recommend.UrgencyUrgent, recommend.WithinToday, true, false), false, "emergency today, advice withheld"},
		// Keeping the person active.
		{ow(recommend.UrgencyUrgent, recommend.WithinFewDays, true, true), ow(recommend.UrgencyUrgent, recommend.WithinFewDays, true, false), true, "urgent within a few days, advice withheld, staying active kept"},
		{ow(recommend.UrgencyUrgent, recommend.WithinFewDays, true, false), ow(recommend.UrgencyUrgent, recommend.WithinFewDays, true, true), false, "urgent within a few days, advice withheld"},
		{ow(recommend.UrgencyUrgent, recommend.WithinFewDays, false, false), ow(recommend.UrgencyUrgent, recommend.WithinFewDays, true, true), true, "urgent within a few days"},
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

// TestCompareReferralsSweep checks that a condition that does arithmetic
// on a number, or counts a list's entries, cannot lower a referral
// unnoticed: each edit below takes an emergency down to an urgent
// referral for some profiles only, between the boundaries the analysis
// reads from the conditions: the aneurysm emergency, which one red flag
// and an age lead to, and spinal cord compression after a cancer, which
// a pair of red flags leads to (history_of_cancer with leg_weakness at
// day 94, in the last case, gets urgent: the probe that found the sweep
// ran around single red flags only).
func TestCompareReferralsSweep(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("compares about 350,000 profiles: skipped with -short and -race")
	}
	serving, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	const (
		aneurysm    = "'abdominal_pain_or_pulsation' in profile.red_flags &&\n      (profile.age >= 70 ||"
		compression = "'history_of_cancer' in profile.red_flags &&\n      (profile.red_flags.exists(f, f in ['leg_weakness',"
	)
	// The belly-pain rules leave the aneurysm ages to the emergency; a
	// guard that Load's floor proof sees leave those ages with no
	// referral at all (two numbers, a choice and a number) moves them
	// there too (handOver), so that the candidate loads and only the
	// emergency is lowered, to an urgent referral.
	const handed = "!(profile.age >= 70 || (profile.age >= 65 && profile.sex != 'female'))"
	tests := []struct {
		rule, guard string
		handOver    string // replaces handed in the belly-pain rules, or ""
	}{
		{aneurysm, "profile.age % 7 != 3 &&", ""},
		{aneurysm, "profile.age * 2 != 146 &&", ""},
		{aneurysm, "size(profile.equipment) < 3 &&", ""},
		{aneurysm, "size(profile.red_flags) < 3 &&", ""},
		{aneurysm, "!(profile.sitting_hours > 7.25 && profile.sitting_hours < 7.75) &&",
			"(" + handed + " || profile.sitting_hours > 7.25 && profile.sitting_hours < 7.75)"},
		// A choice and a number at once: women of 70 to 74 lose the
		// emergency, which no base swept with its sex as it is shows.
		{aneurysm, "(profile.sex != 'female' || profile.age >= 75) &&",
			"!(profile.age >= 75 || (profile.age >= 65 && profile.sex != 'female'))"},
		{compression, "(profile.days_since_onset + 3) % 97 != 0 &&", ""},
		{compression, "profile.pain_level * 3 != 15 &&", ""},
	}
	for _, tt := range tests {
		t.Run(tt.guard, func(t *testing.T) {
			fsys := testrules.Copy(t)
			text := string(fsys["red_flags.yaml"].Data)
			if strings.Count(text, tt.rule) != 1 {
				t.Fatalf("red_flags.yaml has %d of %q, want 1", strings.Count(text, tt.rule), tt.rule)
			}
			// The guard goes first, so that the rest of the condition is
			// left as it was.
			at := strings.Index(text, tt.rule)
			text = text[:at] + tt.guard + " " + text[at:]
			if tt.handOver != "" {
				if n := strings.Count(text, handed); n != 2 {
					t.Fatalf("red_flags.yaml has %d of %q, want 2", n, handed)
				}
				text = strings.ReplaceAll(text, handed, tt.handOver)
			}
			fsys["red_flags.yaml"] = &fstest.MapFile{Data: []byte(text)}
			candidate, err := recommend.Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			got, err := recommend.CompareReferrals(context.Background(), serving, candidate)
			if err != nil {
				t.Fatal(err)
			}
			if got.Lowered == 0 {
				t.Errorf("no profile of %d lowered, want the emergency lowered where %q is false", got.Profiles, tt.guard)
			}
		})
	}
}

// TestCompareReferralsWordings checks that a candidate that keeps a
// referral's outcome but changes its words is reported, by rule: the
// outcomes do not see words, and a final probe reloaded the cauda equina
// emergency with the message "Book a routine appointment with your GP
// in the next few weeks; meanwhile carry on with gentle exercise", which
// the server took. A rule under a new id (each case whose name says so
// renames red-flag-cauda-equina) is new: in the same words it is not
// reported, in words no referral of the rules in service says together
// it is, with New, or a rename would take the same reload.
func TestCompareReferralsWordings(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("compares about 750,000 profiles a candidate: skipped with -short and -race")
	}
	serving, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]recommend.ReferralWording{}
	for _, r := range serving.Rules() {
		at[r.ID] = recommend.ReferralWording{Rule: r.ID, File: r.File, Line: r.Line}
	}
	for _, r := range serving.ProgressRules() {
		at[r.ID] = recommend.ReferralWording{Rule: r.ID, File: r.File, Line: r.Line}
	}
	wording := func(id string, message, clinician bool) recommend.ReferralWording {
		w := at[id]
		w.Message, w.Clinician = message, clinician
		return w
	}
	// renamed is the wording of rule id, renamed by the test (see
	// rename) and reworded.
	renamed := func(id string, message, clinician bool) recommend.ReferralWording {
		w := at[id]
		w.Rule, w.Message, w.Clinician, w.New = id+"-renamed", message, clinician, true
		return w
	}
	const (
		caudaMessage   = "      message: Go to an emergency department now, or call emergency services. New bladder"
		caudaClinician = `      clinician: "Possible cauda equina syndrome`
		reviewMessage  = "      message: Your pain went up at two check-ins in a row"
	)
	tests := []struct {
		name      string
		file      string
		old, new_ string
		want      []recommend.ReferralWording
	}{
		{"unchanged", "red_flags.yaml", "", "", []recommend.ReferralWording{}},
		{"the emergency's message reworded", "red_flags.yaml", caudaMessage,
			"      message: Book a routine appointment with your GP in the next few weeks; meanwhile carry on with gentle exercise. This is advice to get assessed, not a diagnosis.\n      x-cut: New bladder",
			[]recommend.ReferralWording{wording("red-flag-cauda-equina", true, false)}},
		{"the emergency's clinician text reworded", "red_flags.yaml", caudaClinician, `      clinician: "Routine review of`,
			[]recommend.ReferralWording{wording("red-flag-cauda-equina", false, true)}},
		{"a review's message reworded", "progress.yaml", reviewMessage, "      message: All is well; carry on",
			[]recommend.ReferralWording{wording("progress-review-worsening", true, false)}},
		{"a rule under a new id in the same words", "red_flags.yaml", "", "",
			[]recommend.ReferralWording{}},
		{"a rule under a new id, reworded", "red_flags.yaml", caudaMessage,
			"      message: Book a routine appointment with your GP in the next few weeks; meanwhile carry on with gentle exercise. This is advice to get assessed, not a diagnosis.\n      x-cut: New bladder",
			[]recommend.ReferralWording{renamed("red-flag-cauda-equina", true, false)}},
		{"a rule under a new id, the words of two rules", "red_flags.yaml", caudaClinician,
			"      clinician: \"Back pain with unexplained weight loss; assess within days for malignancy or systemic disease.\"\n      x-cut: \"",
			[]recommend.ReferralWording{renamed("red-flag-cauda-equina", true, true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := testrules.Copy(t)
			text := string(fsys[tt.file].Data)
			if tt.old != "" {
				if strings.Count(text, tt.old) != 1 {
					t.Fatalf("%s has %d of %q, want 1", tt.file, strings.Count(text, tt.old), tt.old)
				}
				text = strings.Replace(text, tt.old, tt.new_, 1)
				// A message replaced whole: drop the rest of its line.
				if i := strings.Index(text, "\n      x-cut:"); i >= 0 {
					j := strings.Index(text[i+1:], "\n")
					text = text[:i] + text[i+1+j:]
				}
			}
			if strings.HasPrefix(tt.name, "a rule under a new id") {
				text = strings.Replace(text, "  - id: red-flag-cauda-equina\n", "  - id: red-flag-cauda-equina-renamed\n", 1)
			}
			fsys[tt.file] = &fstest.MapFile{Data: []byte(text)}
			if diff := cmp.Diff(tt.want, candidateWordings(t, serving, fsys)); diff != "" {
				t.Errorf("wordings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCompareReferralsStory checks that a candidate whose referral rule,
// kept under its id, can now be folded into another referral is reported
// (ReferralWording.Story), and not one that can only be folded less. A
// final probe put the weight-loss referral on the fever's pathway: the
// most pressing referral of every profile stayed, so no outcome was
// lowered, the server reloaded it, and weight loss with a fever showed
// the fever's referral only, the weight loss folded into it.
func TestCompareReferralsStory(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("compares about 750,000 profiles a candidate: skipped with -short and -race")
	}
	serving, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	const weightLoss = "      clinician: \"Back pain with unexplained weight loss; assess within days for malignancy or systemic disease.\"\n      pathway: suspected_mscc\n"
	var story recommend.ReferralWording
	for _, r := range serving.Rules() {
		if r.ID == "red-flag-weight-loss" {
			story = recommend.ReferralWording{Rule: r.ID, File: r.File, Line: r.Line, Story: true}
		}
	}
	tests := []struct {
		name      string
		old, new_ string
		want      []recommend.ReferralWording
	}{
		{"put on another pathway", "pathway: suspected_mscc\n", "pathway: infection\n", []recommend.ReferralWording{story}},
		{"inviting activity", "pathway: suspected_mscc\n", "pathway: suspected_mscc\n      invites_activity: true\n", []recommend.ReferralWording{story}},
		{"naming another red flag", "when: \"'unexplained_weight_loss' in profile.red_flags\"",
			"when: \"'unexplained_weight_loss' in profile.red_flags && !('fever_or_chills' in profile.red_flags && profile.age > 200)\"",
			[]recommend.ReferralWording{story}},
		{"taken off its pathway", "      pathway: suspected_mscc\n", "", []recommend.ReferralWording{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := testrules.Copy(t)
			text := string(fsys["red_flags.yaml"].Data)
			at := strings.Index(text, "  - id: red-flag-weight-loss\n")
			end := at + strings.Index(text[at:], "    because:")
			rule := text[at:end]
			if !strings.Contains(rule, weightLoss) || strings.Count(rule, tt.old) != 1 {
				t.Fatalf("red-flag-weight-loss has no %q once", tt.old)
			}
			fsys["red_flags.yaml"] = &fstest.MapFile{Data: []byte(text[:at] + strings.Replace(rule, tt.old, tt.new_, 1) + text[end:])}
			if diff := cmp.Diff(tt.want, candidateWordings(t, serving, fsys)); diff != "" {
				t.Errorf("wordings (-want +got):\n%s", diff)
			}
		})
	}
}

// candidateWordings loads fsys as a candidate and returns the wordings
// CompareReferrals finds against serving.
func candidateWordings(t *testing.T, serving *recommend.Engine, fsys fstest.MapFS) []recommend.ReferralWording {
	t.Helper()
	candidate, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	c, err := recommend.CompareReferrals(context.Background(), serving, candidate)
	if err != nil {
		t.Fatal(err)
	}
	return c.Wordings
}
