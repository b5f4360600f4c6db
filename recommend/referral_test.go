package recommend_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// storyEngine loads testdata/story, the referral story's fixture.
func storyEngine(t *testing.T) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Load(os.DirFS("../testdata/story"))
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// storyShown and storyFolded are the parts of a referral the story tests
// compare.
type storyShown struct {
	Urgency  recommend.Urgency
	Rules    []string
	Withhold bool
}

type storyFolded struct {
	Rules    []string
	Into     []string
	Because  recommend.FoldReason
	RedFlags []string
}

type storyOutcome struct {
	Shown    []storyShown
	Folded   []storyFolded
	Withheld bool
	Messages []recommend.MessageKind
}

func storyOf(res *recommend.Result) storyOutcome {
	var o storyOutcome
	for _, r := range res.Referrals {
		o.Shown = append(o.Shown, storyShown{r.Urgency, r.Rules, r.Withhold})
	}
	for _, f := range res.FoldedReferrals {
		o.Folded = append(o.Folded, storyFolded{f.Rules, f.Into, f.Because, f.RedFlags})
	}
	o.Withheld = res.Withheld
	for _, m := range res.Messages {
		o.Messages = append(o.Messages, m.Kind)
	}
	return o
}

// TestReferralStory checks the policy of referral.go on the fixture: the
// most urgent referral leads; a pathway, a shared reported red flag and a
// message that invites activity fold a referral into the one that leads;
// referrals of one urgency that say no time each keep their words, the
// withholding ones first; a folded withholding referral still withholds;
// keep_active keeps the stay-active messages.
func TestReferralStory(t *testing.T) {
	eng := storyEngine(t)
	all := []recommend.MessageKind{recommend.MessageKindSafetyNet, recommend.MessageKindStayActive, recommend.MessageKindPacing}
	safetyOnly := []recommend.MessageKind{recommend.MessageKindSafetyNet}
	keepActive := []recommend.MessageKind{recommend.MessageKindSafetyNet, recommend.MessageKindStayActive}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    storyOutcome
	}{
		{name: "no referral", want: storyOutcome{Messages: all}},
		{
			name:    "cancer with weakness is one emergency: both single-flag referrals fold into it",
			profile: recommend.Profile{RedFlags: []string{"cancer", "weakness"}},
			want: storyOutcome{
				Shown: []storyShown{{recommend.UrgencyEmergency, []string{"compression"}, true}},
				Folded: []storyFolded{
					{[]string{"cancer"}, []string{"compression"}, recommend.FoldReasonRedFlag, []string{"cancer"}},
					{[]string{"weakness"}, []string{"compression"}, recommend.FoldReasonRedFlag, []string{"weakness"}},
				},
				Withheld: true, Messages: safetyOnly,
			},
		},
		{
			name:    "cancer with numbness: the routine numbness referral folds by its flag before its pathway",
			profile: recommend.Profile{RedFlags: []string{"cancer", "numbness"}},
			want: storyOutcome{
				Shown: []storyShown{{recommend.UrgencyEmergency, []string{"compression"}, true}},
				Folded: []storyFolded{
					{[]string{"cancer"}, []string{"compression"}, recommend.FoldReasonRedFlag, []string{"cancer"}},
					{[]string{"numbness"}, []string{"compression"}, recommend.FoldReasonRedFlag, []string{"numbness"}},
				},
				Withheld: true, Messages: safetyOnly,
			},
		},
		{
			name:    "a pathway: the urgent weakness referral tells the numbness story",
			profile: recommend.Profile{RedFlags: []string{"weakness", "numbness"}},
			want: storyOutcome{
				Shown:    []storyShown{{recommend.UrgencyUrgent, []string{"weakness"}, true}},
				Folded:   []storyFolded{{[]string{"numbness"}, []string{"weakness"}, recommend.FoldReasonPathway, nil}},
				Withheld: true, Messages: safetyOnly,
			},
		},
		{
			name:    "numbness alone is shown",
			profile: recommend.Profile{RedFlags: []string{"numbness"}},
			want: storyOutcome{
				Shown:    []storyShown{{recommend.UrgencyRoutine, []string{"numbness"}, false}},
				Messages: all,
			},
		},
		{
			name:    "referrals of one urgency for different flags are both shown",
			profile: recommend.Profile{RedFlags: []string{"fever", "night"}},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyUrgent, []string{"fever"}, true},
					{recommend.UrgencyUrgent, []string{"night"}, false},
				},
				Withheld: true, Messages: safetyOnly,
			},
		},
		{
			// Neither says how soon: both are shown, the one that
			// withholds advice first.
			name:    "referrals of one urgency for the same flag are both shown, the withholding one first",
			profile: recommend.Profile{RedFlags: []string{"night"}, Age: 60},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyUrgent, []string{"weak-signs"}, true},
					{recommend.UrgencyUrgent, []string{"night"}, false},
				},
				Withheld: true, Messages: keepActive,
			},
		},
		{
			name:    "an invitation to exercise beside a more urgent referral folds into it",
			profile: recommend.Profile{Conditions: []string{"disc"}, RedFlags: []string{"fever"}},
			want: storyOutcome{
				Shown:    []storyShown{{recommend.UrgencyUrgent, []string{"fever"}, true}},
				Folded:   []storyFolded{{[]string{"exercise-plan"}, []string{"fever"}, recommend.FoldReasonInvitesActivity, nil}},
				Withheld: true, Messages: safetyOnly,
			},
		},
		{
			name:    "an invitation to exercise beside withheld advice of the same urgency folds into it",
			profile: recommend.Profile{Conditions: []string{"disc"}, Age: 12},
			want: storyOutcome{
				Shown:    []storyShown{{recommend.UrgencyRoutine, []string{"young"}, true}},
				Folded:   []storyFolded{{[]string{"exercise-plan"}, []string{"young"}, recommend.FoldReasonInvitesActivity, nil}},
				Withheld: true, Messages: keepActive,
			},
		},
		{
			name:    "an invitation to exercise alone is shown",
			profile: recommend.Profile{Conditions: []string{"disc"}},
			want: storyOutcome{
				Shown:    []storyShown{{recommend.UrgencyRoutine, []string{"exercise-plan"}, false}},
				Messages: all,
			},
		},
		{
			name:    "a folded withholding referral still withholds, marks its lead, and keeps no stay-active message",
			profile: recommend.Profile{Conditions: []string{"disc"}, RedFlags: []string{"night"}},
			want: storyOutcome{
				Shown: []storyShown{{recommend.UrgencyUrgent, []string{"night"}, true}},
				Folded: []storyFolded{
					{[]string{"exercise-plan"}, []string{"night"}, recommend.FoldReasonInvitesActivity, nil},
					{[]string{"night-disc"}, []string{"night"}, recommend.FoldReasonRedFlag, []string{"night"}},
				},
				Withheld: true, Messages: safetyOnly,
			},
		},
		{
			name:    "keep_active needs every withholding referral to keep it",
			profile: recommend.Profile{RedFlags: []string{"night", "fever"}, Age: 60},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyUrgent, []string{"fever"}, true},
					{recommend.UrgencyUrgent, []string{"weak-signs"}, true},
					{recommend.UrgencyUrgent, []string{"night"}, false},
				},
				Withheld: true, Messages: safetyOnly,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, storyOf(res)); diff != "" {
				t.Errorf("story (-want +got):\n%s", diff)
			}
			// The most urgent matched referral always leads.
			for _, f := range res.FoldedReferrals {
				if len(res.Referrals) == 0 || !res.Referrals[0].Urgency.AtLeast(f.Urgency) {
					t.Errorf("folded %v (%s) is more urgent than the lead", f.Rules, f.Urgency)
				}
			}
		})
	}
}

// timingRules is a rule set whose referrals say how soon (refer.within),
// for TestReferralStoryTiming: a cancer pathway (within a day, within
// days), an infection pathway (within two days, within days), a referral
// of no pathway, one that says no time, and two emergencies (now, today)
// of one pathway. Every text is made up for the test.
const timingRules = `
version: timing-test
sources:
  - {id: guide, title: Back pain guideline, publisher: A health body, kind: guideline}
vocabulary:
  red_flags:
    - {id: cancer, label: History of cancer, floor: {urgency: urgent, withhold: true}}
    - {id: night, label: Night pain, floor: {urgency: urgent, withhold: false}}
    - {id: immune, label: Weak immune system, floor: {urgency: urgent, withhold: false}}
    - {id: constant, label: Constant pain, floor: {urgency: urgent, withhold: false}}
    - {id: weight, label: Weight loss, floor: {urgency: urgent, withhold: false}}
    - {id: weakness, label: Leg weakness, floor: {urgency: emergency, withhold: true}}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes twice a day., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: walk
    when: "true"
    recommend: [walk]
    because: Walking helps.
    cite: [{source: guide, locator: Activity, claim: Staying active helps.}]
  - id: cancer-days
    when: "'cancer' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See your cancer team in the next few days., withhold: true, pathway: mscc}
    because: Cancer history.
    cite: [{source: guide, locator: Cancer, claim: Needs checking.}]
  - id: night-days
    when: "'night' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about the night pain., pathway: mscc}
    because: Night pain.
    cite: [{source: guide, locator: Night, claim: Needs checking.}]
  - id: spine-day
    when: "'cancer' in profile.red_flags && 'night' in profile.red_flags"
    refer: {urgency: urgent, within: today, message: Call your cancer team today., withhold: true, pathway: mscc}
    because: Night pain after a cancer.
    cite: [{source: guide, locator: Cancer, claim: Needs checking within a day.}]
  - id: immune-days
    when: "'immune' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days; infections are likelier., pathway: infection}
    because: Weak immune system.
    cite: [{source: guide, locator: Infection, claim: A risk.}]
  - id: constant-days
    when: "'constant' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about the constant pain.}
    because: Constant pain.
    cite: [{source: guide, locator: Constant, claim: Needs checking.}]
  - id: weight-days
    when: "'weight' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about the weight loss.}
    because: Weight loss.
    cite: [{source: guide, locator: Weight, claim: Needs checking.}]
  - id: infection-signs
    when: "'immune' in profile.red_flags && 'constant' in profile.red_flags"
    refer: {urgency: urgent, within: two_days, message: See a doctor today or tomorrow about a possible infection., withhold: true, pathway: infection}
    because: A risk with a sign.
    cite: [{source: guide, locator: Infection, claim: Needs checking soon.}]
  - id: cancer-constant-day
    when: "'cancer' in profile.red_flags && 'constant' in profile.red_flags"
    refer: {urgency: urgent, within: today, message: Call your cancer team today about the constant pain., withhold: true}
    because: Constant pain after a cancer.
    cite: [{source: guide, locator: Cancer, claim: Needs checking within a day.}]
  - id: no-time
    when: "'weight' in profile.red_flags && 'constant' in profile.red_flags"
    refer: {urgency: urgent, message: See a doctor about the weight loss and the pain., withhold: true}
    because: Two signs.
    cite: [{source: guide, locator: Weight, claim: Needs checking.}]
  - id: weakness-today
    when: "'weakness' in profile.red_flags && profile.age >= 65"
    refer: {urgency: emergency, within: today, message: Go to an emergency department today., withhold: true, pathway: nerve}
    because: Weakness when older.
    cite: [{source: guide, locator: Nerves, claim: An emergency.}]
  - id: weakness-now
    when: "'weakness' in profile.red_flags"
    refer: {urgency: emergency, within: now, message: Go to an emergency department now., withhold: true, pathway: nerve}
    because: Weakness.
    cite: [{source: guide, locator: Nerves, claim: An emergency.}]
`

// TestReferralStoryTiming checks the story among referrals of one
// urgency (refer.within): the soonest leads, whatever the rule order; a
// later one of its pathway, or about a red flag it names and the person
// reported, is folded into it, so that one symptom never gets two
// timings, and folding is transitive: a referral of the pathway or red
// flag of one folded goes where it went; referrals of one timing each keep
// their words, the withholding one first; and one that says no time is
// taken as the latest its urgency allows.
func TestReferralStoryTiming(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(timingRules)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    storyOutcome
	}{
		{
			name:    "cancer with night pain: within a day leads, the two within days fold into it by pathway",
			profile: recommend.Profile{RedFlags: []string{"cancer", "night"}},
			want: storyOutcome{
				Shown: []storyShown{{recommend.UrgencyUrgent, []string{"spine-day"}, true}},
				Folded: []storyFolded{
					{[]string{"cancer-days"}, []string{"spine-day"}, recommend.FoldReasonPathway, nil},
					{[]string{"night-days"}, []string{"spine-day"}, recommend.FoldReasonPathway, nil},
				},
				Withheld: true,
			},
		},
		{
			name:    "infection signs lead, though declared last; constant pain folds in by its red flag",
			profile: recommend.Profile{RedFlags: []string{"immune", "constant"}},
			want: storyOutcome{
				Shown: []storyShown{{recommend.UrgencyUrgent, []string{"infection-signs"}, true}},
				Folded: []storyFolded{
					{[]string{"immune-days"}, []string{"infection-signs"}, recommend.FoldReasonPathway, nil},
					{[]string{"constant-days"}, []string{"infection-signs"}, recommend.FoldReasonRedFlag, []string{"constant"}},
				},
				Withheld: true,
			},
		},
		{
			name:    "a referral of another symptom stays, after the sooner one",
			profile: recommend.Profile{RedFlags: []string{"weight", "immune"}},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyUrgent, []string{"immune-days"}, false},
					{recommend.UrgencyUrgent, []string{"weight-days"}, false},
				},
			},
		},
		{
			name:    "one timing, no shared flag or pathway: both shown, the withholding one first",
			profile: recommend.Profile{RedFlags: []string{"weight", "cancer"}},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyUrgent, []string{"cancer-days"}, true},
					{recommend.UrgencyUrgent, []string{"weight-days"}, false},
				},
				Withheld: true,
			},
		},
		{
			name:    "a referral that says no time is taken as within a few days, the latest urgent timing: withholding, it leads those of that timing",
			profile: recommend.Profile{RedFlags: []string{"weight", "constant"}},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyUrgent, []string{"no-time"}, true},
					{recommend.UrgencyUrgent, []string{"constant-days"}, false},
					{recommend.UrgencyUrgent, []string{"weight-days"}, false},
				},
				Withheld: true,
			},
		},
		{
			// The review's finding: the immune referral was shown "in the
			// next few days" while the infection referral, "today or
			// tomorrow", of its pathway, was folded away by constant pain.
			name:    "folding is transitive: the immune referral follows the infection referral of its pathway into the cancer referral",
			profile: recommend.Profile{RedFlags: []string{"cancer", "immune", "constant"}},
			want: storyOutcome{
				Shown: []storyShown{{recommend.UrgencyUrgent, []string{"cancer-constant-day"}, true}},
				Folded: []storyFolded{
					{[]string{"infection-signs"}, []string{"cancer-constant-day"}, recommend.FoldReasonRedFlag, []string{"constant"}},
					{[]string{"cancer-days"}, []string{"cancer-constant-day"}, recommend.FoldReasonRedFlag, []string{"cancer"}},
					{[]string{"immune-days"}, []string{"cancer-constant-day"}, recommend.FoldReasonPathway, nil},
					{[]string{"constant-days"}, []string{"cancer-constant-day"}, recommend.FoldReasonRedFlag, []string{"constant"}},
				},
				Withheld: true,
			},
		},
		{
			name:    "an emergency now leads one of today of its pathway, declared first",
			profile: recommend.Profile{RedFlags: []string{"weakness"}, Age: 70},
			want: storyOutcome{
				Shown:    []storyShown{{recommend.UrgencyEmergency, []string{"weakness-now"}, true}},
				Folded:   []storyFolded{{[]string{"weakness-today"}, []string{"weakness-now"}, recommend.FoldReasonPathway, nil}},
				Withheld: true,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, storyOf(res)); diff != "" {
				t.Errorf("story (-want +got):\n%s", diff)
			}
		})
	}
	// The view shows what the rule says, and nothing for a rule that
	// says no time.
	within := map[string]recommend.Within{}
	for _, r := range eng.Rules() {
		if r.Referral != nil {
			within[r.ID] = r.Referral.Within
		}
	}
	want := map[string]recommend.Within{
		"cancer-days": recommend.WithinFewDays, "night-days": recommend.WithinFewDays, "spine-day": recommend.WithinToday,
		"immune-days": recommend.WithinFewDays, "constant-days": recommend.WithinFewDays, "weight-days": recommend.WithinFewDays,
		"infection-signs": recommend.WithinTwoDays, "no-time": "", "cancer-constant-day": recommend.WithinToday, "weakness-today": recommend.WithinToday, "weakness-now": recommend.WithinNow,
	}
	if diff := cmp.Diff(want, within); diff != "" {
		t.Errorf("Rules' Within (-want +got):\n%s", diff)
	}
}

// TestReferralStoryShown checks that the detailed report and the referral
// explanation show a folded referral and say into what it was folded,
// while the short report leaves it out.
func TestReferralStoryShown(t *testing.T) {
	eng := storyEngine(t)
	p := recommend.Profile{RedFlags: []string{"weakness", "numbness"}}
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	const folded = "Book a check for the numbness"
	var short, detail bytes.Buffer
	if err := report.WriteText(&short, res); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteDetailedText(&detail, res); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(short.String(), folded) {
		t.Errorf("the short report shows the folded referral:\n%s", short.String())
	}
	if !strings.Contains(detail.String(), folded) || !strings.Contains(detail.String(), "Folded into the referral of weakness: a more urgent or sooner referral of the same pathway leads.") {
		t.Errorf("the detailed report does not show the folded referral and where it went:\n%s", detail.String())
	}
	x, err := eng.ExplainReferrals(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*recommend.ReferralFold{}
	for _, r := range x.Rules {
		if r.Matched() {
			got[r.Rule()] = r.Folded()
		}
	}
	want := map[string]*recommend.ReferralFold{
		"weakness": nil,
		"numbness": {Into: []string{"weakness"}, Because: recommend.FoldReasonPathway, Summary: "a more urgent or sooner referral of the same pathway leads"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("explanation's folds (-want +got):\n%s", diff)
	}
	if !strings.Contains(x.Summary, "1 referral folded") {
		t.Errorf("summary %q does not count the folded referral", x.Summary)
	}
}

// TestReferralStoryReadsRedFlagTests checks which red flags a rule is
// taken to name for the one-symptom-one-urgency fold: those its condition
// tests profile.red_flags for, directly or in a comprehension, and not a
// literal that only happens to spell a red flag's id elsewhere.
func TestReferralStoryReadsRedFlagTests(t *testing.T) {
	rules := `
sources:
  - {id: guide, title: A guideline, publisher: A health body, kind: guideline}
vocabulary:
  conditions:
    - {id: night, label: A condition that spells a red flag's id}
  red_flags:
    - {id: night, label: Night pain, floor: {urgency: urgent, withhold: false}}
    - {id: fever, label: Fever, floor: {urgency: urgent, withhold: false}}
rules:
  - id: lead
    when: "'night' in profile.red_flags || 'fever' in profile.red_flags"
    refer: {urgency: urgent, message: See a doctor soon.}
    because: Lead.
    cite: [{source: guide, locator: A, claim: A.}]
  - id: by-comprehension
    when: "profile.red_flags.exists(f, f in ['night'])"
    refer: {urgency: routine, message: Book a check for the night pain.}
    because: Night.
    cite: [{source: guide, locator: A, claim: A.}]
  - id: by-condition
    when: "'night' in profile.conditions"
    refer: {urgency: routine, message: Book a check for the condition.}
    because: Condition.
    cite: [{source: guide, locator: A, claim: A.}]
`
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []storyFolded
	}{
		{"a comprehension names its flag", recommend.Profile{RedFlags: []string{"night"}},
			[]storyFolded{{[]string{"by-comprehension"}, []string{"lead"}, recommend.FoldReasonRedFlag, []string{"night"}}}},
		{"a condition's literal names no flag", recommend.Profile{Conditions: []string{"night"}, RedFlags: []string{"fever"}}, nil},
		{"a condition's literal names no flag, though the flag is reported", recommend.Profile{Conditions: []string{"night"}, RedFlags: []string{"night"}},
			[]storyFolded{{[]string{"by-comprehension"}, []string{"lead"}, recommend.FoldReasonRedFlag, []string{"night"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, storyOf(res).Folded); diff != "" {
				t.Errorf("folded (-want +got):\n%s", diff)
			}
		})
	}
}

// foldRules are referral rules laid out so that every choice the story
// makes when it folds can be seen in what it folds into and why: the
// lead is the rule set's first rule (index 0); a referral more pressing
// ones match twice goes into the first, the most pressing; and a
// referral that invites activity folds beside withheld advice or a more
// urgent lead, and only then.
const foldRules = `
version: fold-test
sources:
  - {id: guide, title: Back pain guideline, publisher: A health body, kind: guideline}
vocabulary:
  red_flags:
    - {id: a, label: Flag a, floor: {urgency: none, withhold: false}}
    - {id: b, label: Flag b, floor: {urgency: none, withhold: false}}
    - {id: c, label: Flag c, floor: {urgency: none, withhold: false}}
    - {id: d, label: Flag d, floor: {urgency: none, withhold: false}}
    - {id: e, label: Flag e, floor: {urgency: none, withhold: false}}
    - {id: g, label: Flag g, floor: {urgency: none, withhold: false}}
    - {id: h, label: Flag h, floor: {urgency: none, withhold: false}}
    - {id: y, label: Flag y, floor: {urgency: none, withhold: false}}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes twice a day., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: lead-now
    when: "'a' in profile.red_flags"
    refer: {urgency: emergency, within: now, message: Go to an emergency department now., withhold: true, pathway: p1}
    because: A.
    cite: [{source: guide, locator: A, claim: An emergency.}]
  - id: mid-today
    when: "'a' in profile.red_flags && 'b' in profile.red_flags"
    refer: {urgency: urgent, within: today, message: See a doctor today about a and b., pathway: p2}
    because: A and b.
    cite: [{source: guide, locator: B, claim: Urgent.}]
  - id: tail-days
    when: "'b' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about b., pathway: p2}
    because: B.
    cite: [{source: guide, locator: B, claim: Urgent.}]
  - id: c-today
    when: "'c' in profile.red_flags"
    refer: {urgency: urgent, within: today, message: See a doctor today about c., pathway: p3}
    because: C.
    cite: [{source: guide, locator: C, claim: Urgent.}]
  - id: ac-days
    when: "'a' in profile.red_flags && 'c' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about a and c., pathway: p4}
    because: A and c.
    cite: [{source: guide, locator: C, claim: Urgent.}]
  - id: cy-days
    when: "'c' in profile.red_flags && 'y' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about c and y., pathway: p1}
    because: C and y.
    cite: [{source: guide, locator: C, claim: Urgent.}]
  - id: e-weeks
    when: "'e' in profile.red_flags"
    refer: {urgency: routine, within: weeks, message: Book a review about e.}
    because: E.
    cite: [{source: guide, locator: E, claim: Routine.}]
  - id: d-invites
    when: "'d' in profile.red_flags"
    refer: {urgency: routine, within: weeks, message: Book a physiotherapist about d; stay active meanwhile., invites_activity: true, pathway: p9}
    because: D.
    cite: [{source: guide, locator: D, claim: Routine.}]
  - id: g-today
    when: "'g' in profile.red_flags"
    refer: {urgency: urgent, within: today, message: See a doctor today about g., pathway: p5}
    because: G.
    cite: [{source: guide, locator: G, claim: Urgent.}]
  - id: g-invites
    when: "'g' in profile.red_flags"
    refer: {urgency: routine, within: weeks, message: Book a physiotherapist about g; stay active meanwhile., invites_activity: true, pathway: p9}
    because: G.
    cite: [{source: guide, locator: G, claim: Routine.}]
  - id: ah-invites
    when: "'a' in profile.red_flags && 'h' in profile.red_flags"
    refer: {urgency: routine, within: weeks, message: Book a physiotherapist about a and h; stay active meanwhile., invites_activity: true, pathway: p8}
    because: A and h.
    cite: [{source: guide, locator: H, claim: Routine.}]
  - id: walk
    when: "true"
    recommend: [walk]
    because: Walking helps.
    cite: [{source: guide, locator: Activity, claim: Staying active helps.}]
`

// TestReferralFoldChoices checks each choice the story makes when it
// folds a referral: into what, and why (each case names the mistake it
// catches).
func TestReferralFoldChoices(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(foldRules)}})
	if err != nil {
		t.Fatal(err)
	}
	emergency := storyShown{recommend.UrgencyEmergency, []string{"lead-now"}, true}
	tests := []struct {
		name  string
		flags []string
		want  storyOutcome
	}{
		{
			// Transitive into the rule set's first rule: a fold into
			// index 0 is a fold, not "not folded".
			name: "b follows a-and-b into the first rule", flags: []string{"a", "b"},
			want: storyOutcome{Shown: []storyShown{emergency}, Withheld: true, Folded: []storyFolded{
				{[]string{"mid-today"}, []string{"lead-now"}, recommend.FoldReasonRedFlag, []string{"a"}},
				{[]string{"tail-days"}, []string{"lead-now"}, recommend.FoldReasonPathway, nil},
			}},
		},
		{
			// Two more pressing referrals share a flag each with a-and-c:
			// it goes into the first, the most pressing.
			name: "two leads by red flag: the more pressing takes it", flags: []string{"a", "c"},
			want: storyOutcome{Shown: []storyShown{emergency, {recommend.UrgencyUrgent, []string{"c-today"}, false}}, Withheld: true,
				Folded: []storyFolded{{[]string{"ac-days"}, []string{"lead-now"}, recommend.FoldReasonRedFlag, []string{"a"}}}},
		},
		{
			name: "two leads, by pathway and by red flag: the more pressing takes it", flags: []string{"a", "c", "y"},
			want: storyOutcome{Shown: []storyShown{emergency, {recommend.UrgencyUrgent, []string{"c-today"}, false}}, Withheld: true,
				Folded: []storyFolded{
					{[]string{"ac-days"}, []string{"lead-now"}, recommend.FoldReasonRedFlag, []string{"a"}},
					{[]string{"cy-days"}, []string{"lead-now"}, recommend.FoldReasonPathway, nil},
				}},
		},
		{
			// An invitation to activity beside a more urgent lead that
			// keeps the advice: folded.
			name: "an invitation beside a more urgent lead", flags: []string{"c", "d"},
			want: storyOutcome{Shown: []storyShown{{recommend.UrgencyUrgent, []string{"c-today"}, false}},
				Folded: []storyFolded{{[]string{"d-invites"}, []string{"c-today"}, recommend.FoldReasonInvitesActivity, nil}}},
		},
		{
			// Beside a lead of its own urgency that keeps the advice:
			// both shown.
			name: "an invitation beside a lead of its urgency that keeps the advice", flags: []string{"d", "e"},
			want: storyOutcome{Shown: []storyShown{{recommend.UrgencyRoutine, []string{"e-weeks"}, false}, {recommend.UrgencyRoutine, []string{"d-invites"}, false}}},
		},
		{
			// The lead an invitation folds into is the first shown, the
			// most pressing, not the latest shown.
			name: "an invitation beside two shown leads goes into the first", flags: []string{"c", "d", "e"},
			want: storyOutcome{Shown: []storyShown{{recommend.UrgencyUrgent, []string{"c-today"}, false}, {recommend.UrgencyRoutine, []string{"e-weeks"}, false}},
				Folded: []storyFolded{{[]string{"d-invites"}, []string{"c-today"}, recommend.FoldReasonInvitesActivity, nil}}},
		},
		{
			// Folded by its red flag into a lead that is not the first:
			// it stays there, and is not folded again as an invitation.
			name: "an invitation already folded by its red flag stays where it went", flags: []string{"a", "g"},
			want: storyOutcome{Shown: []storyShown{emergency, {recommend.UrgencyUrgent, []string{"g-today"}, false}}, Withheld: true,
				Folded: []storyFolded{{[]string{"g-invites"}, []string{"g-today"}, recommend.FoldReasonRedFlag, []string{"g"}}}},
		},
		{
			// Folded into the first rule by its red flag: the reason is
			// the red flag, not the invitation.
			name: "an invitation folded into the first rule keeps its reason", flags: []string{"a", "h"},
			want: storyOutcome{Shown: []storyShown{emergency}, Withheld: true,
				Folded: []storyFolded{{[]string{"ah-invites"}, []string{"lead-now"}, recommend.FoldReasonRedFlag, []string{"a"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: tt.flags})
			if err != nil {
				t.Fatal(err)
			}
			got := storyOf(res)
			got.Messages = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("story (-want +got):\n%s", diff)
			}
		})
	}
}
