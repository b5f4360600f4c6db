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
// referrals of one urgency each keep their words; a folded withholding
// referral still withholds; keep_active keeps the stay-active messages.
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
			name:    "referrals of one urgency for the same flag are both shown",
			profile: recommend.Profile{RedFlags: []string{"night"}, Age: 60},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyUrgent, []string{"night"}, false},
					{recommend.UrgencyUrgent, []string{"weak-signs"}, true},
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
					{recommend.UrgencyUrgent, []string{"night"}, false},
					{recommend.UrgencyUrgent, []string{"weak-signs"}, true},
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
	if !strings.Contains(detail.String(), folded) || !strings.Contains(detail.String(), "Folded into the referral of weakness: a more urgent referral of the same pathway leads.") {
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
		"numbness": {Into: []string{"weakness"}, Because: recommend.FoldReasonPathway, Summary: "a more urgent referral of the same pathway leads"},
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
