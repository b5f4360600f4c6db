package recommend_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// tieRules is a rule set whose referrals share an urgency and a timing,
// for TestReferralStoryPathwayTies: four of one pathway (two withhold),
// two of another (neither withholds), one of no pathway, and two
// emergencies of different pathways about one red flag. Every text is
// made up for the test.
const tieRules = `
version: tie-test
sources:
  - {id: guide, title: Back pain guideline, publisher: A health body, kind: guideline}
vocabulary:
  red_flags:
    - {id: night, label: Night pain, floor: {urgency: urgent, withhold: false}}
    - {id: weight, label: Weight loss, floor: {urgency: none, withhold: false}}
    - {id: fever, label: Fever, floor: {urgency: urgent, withhold: false}}
    - {id: drugs, label: Injecting drugs, floor: {urgency: none, withhold: false}}
    - {id: unwell, label: Feeling unwell, floor: {urgency: urgent, withhold: false}}
    - {id: cancer, label: History of cancer, floor: {urgency: urgent, withhold: true}}
    - {id: groin, label: Groin numbness, floor: {urgency: emergency, withhold: true}}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes twice a day., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: walk
    when: "true"
    recommend: [walk]
    because: Walking helps.
    cite: [{source: guide, locator: Activity, claim: Staying active helps.}]
  - id: night-days
    when: "'night' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about the night pain., pathway: mscc}
    because: Night pain.
    cite: [{source: guide, locator: Night, claim: Needs checking.}]
  - id: combination-days
    when: "'night' in profile.red_flags && 'weight' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about these signs together; hold off on exercise., withhold: true, pathway: mscc}
    because: Two signs together.
    cite: [{source: guide, locator: Cancer, claim: Needs checking.}]
  - id: weight-days
    when: "'weight' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about the weight loss., pathway: mscc}
    because: Weight loss.
    cite: [{source: guide, locator: Weight, claim: Needs checking.}]
  - id: cancer-days
    when: "'cancer' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See your cancer team in the next few days; hold off on exercise., withhold: true, pathway: mscc}
    because: Cancer history.
    cite: [{source: guide, locator: Cancer, claim: Needs checking.}]
  - id: groin-now
    when: "'groin' in profile.red_flags"
    refer: {urgency: emergency, within: now, message: Go to an emergency department now., withhold: true, pathway: nerve}
    because: Groin numbness.
    cite: [{source: guide, locator: Nerves, claim: An emergency.}]
  - id: cancer-groin-now
    when: "'cancer' in profile.red_flags && 'groin' in profile.red_flags"
    refer: {urgency: emergency, within: now, message: Call your cancer team's emergency line now., withhold: true, pathway: mscc}
    because: Groin numbness after a cancer.
    cite: [{source: guide, locator: Cancer, claim: An emergency.}]
  - id: fever-days
    when: "'fever' in profile.red_flags"
    refer: {urgency: urgent, within: two_days, message: See a doctor today or tomorrow about the fever., pathway: infection}
    because: Fever.
    cite: [{source: guide, locator: Infection, claim: Needs checking.}]
  - id: drugs-fever-days
    when: "'fever' in profile.red_flags && 'drugs' in profile.red_flags"
    refer: {urgency: urgent, within: two_days, message: See a doctor today or tomorrow about a possible infection., pathway: infection}
    because: A risk with a sign.
    cite: [{source: guide, locator: Infection, claim: Needs checking.}]
  - id: unwell-days
    when: "'unwell' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about feeling unwell.}
    because: Feeling unwell.
    cite: [{source: guide, locator: Unwell, claim: Needs checking.}]
`

// TestReferralStoryPathwayTies checks the story among referrals of one
// urgency and one timing: on one pathway, a referral about a red flag the
// person reported that an earlier one names too is folded into it, so the
// person reads one message, not two that open with the same appointment
// for one symptom, and the one that withholds advice leads. Referrals of
// one pathway about different symptoms, and those of other pathways or of
// none, keep their words.
func TestReferralStoryPathwayTies(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(tieRules)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    storyOutcome
	}{
		{
			name:    "night pain and weight loss: the withholding combination leads, declared second; each sign's referral of its pathway folds into it",
			profile: recommend.Profile{RedFlags: []string{"night", "weight"}},
			want: storyOutcome{
				Shown: []storyShown{{recommend.UrgencyUrgent, []string{"combination-days"}, true}},
				Folded: []storyFolded{
					{[]string{"night-days"}, []string{"combination-days"}, recommend.FoldReasonRedFlag, []string{"night"}},
					{[]string{"weight-days"}, []string{"combination-days"}, recommend.FoldReasonRedFlag, []string{"weight"}},
				},
				Withheld: true,
			},
		},
		{
			name:    "one pathway, one timing, neither withholds: the first declared leads, the one about the same fever folds",
			profile: recommend.Profile{RedFlags: []string{"fever", "drugs"}},
			want: storyOutcome{
				Shown:  []storyShown{{recommend.UrgencyUrgent, []string{"fever-days"}, false}},
				Folded: []storyFolded{{[]string{"drugs-fever-days"}, []string{"fever-days"}, recommend.FoldReasonRedFlag, []string{"fever"}}},
			},
		},
		{
			name:    "one pathway, one timing, different symptoms: each keeps its words, the withholding one first",
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
			name:    "two pathways and none, one timing: each keeps its words",
			profile: recommend.Profile{RedFlags: []string{"night", "unwell"}},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyUrgent, []string{"night-days"}, false},
					{recommend.UrgencyUrgent, []string{"unwell-days"}, false},
				},
			},
		},
		{
			name:    "two emergencies of different pathways about one red flag: each keeps its words",
			profile: recommend.Profile{RedFlags: []string{"groin", "cancer"}},
			want: storyOutcome{
				Shown: []storyShown{
					{recommend.UrgencyEmergency, []string{"groin-now"}, true},
					{recommend.UrgencyEmergency, []string{"cancer-groin-now"}, true},
				},
				Folded:   []storyFolded{{[]string{"cancer-days"}, []string{"cancer-groin-now"}, recommend.FoldReasonPathway, nil}},
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
			got := storyOf(res)
			got.Messages = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("story (-want +got):\n%s", diff)
			}
		})
	}
}
