package recommend_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// withinRules has urgent rules that give one message, each with its own
// timing or none, and a routine one that states none.
const withinRules = `
sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  red_flags:
    - {id: fever_or_chills, label: Fever, floor: {urgency: urgent, withhold: true}}
    - {id: leg_weakness, label: Leg weakness, floor: {urgency: urgent, withhold: true}}
    - {id: night_pain, label: Night pain, floor: {urgency: routine, withhold: false}}
    - {id: pain_below_knee, label: Pain below the knee, floor: {urgency: routine, withhold: false}}
    - {id: no_improvement_with_self_care, label: Not improving, floor: {urgency: routine, withhold: false}}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: fever-few-days
    when: "'fever_or_chills' in profile.red_flags"
    refer: {urgency: urgent, within: few_days, message: See a doctor soon., withhold: true}
    because: Fever with back pain needs a check.
    cite: [{source: src, locator: Red flags, claim: Fever needs a check.}]
  - id: weakness-two-days
    when: "'leg_weakness' in profile.red_flags"
    refer: {urgency: urgent, within: two_days, message: See a doctor soon., withhold: true}
    because: Leg weakness needs a check.
    cite: [{source: src, locator: Red flags, claim: Weakness needs a check.}]
  - id: below-knee
    when: "'pain_below_knee' in profile.red_flags"
    refer: {urgency: routine, within: weeks, message: Book a visit.}
    because: Pain below the knee is worth a check.
    cite: [{source: src, locator: Red flags, claim: Leg pain needs a visit.}]
  - id: night-pain
    when: "'night_pain' in profile.red_flags"
    refer: {urgency: routine, message: Book a visit.}
    because: Night pain is worth a check.
    cite: [{source: src, locator: Red flags, claim: Night pain needs a visit.}]
  - id: not-improving
    when: "'no_improvement_with_self_care' in profile.red_flags"
    refer: {urgency: routine, within: weeks, message: Book a visit.}
    because: Pain that does not improve is worth a check.
    cite: [{source: src, locator: Red flags, claim: Pain that lasts needs a visit.}]
  - id: walk
    when: "true"
    recommend: [walk]
    because: Walking helps.
    cite: [{source: src, locator: Activity, claim: Walking helps.}]
`

// TestReferralWithin checks that a referral says how soon its rules ask
// the person to be seen (refer.within), and that a referral two rules
// give says the sooner of their timings, or, as soon, the one a rule
// states, in either order of the rules.
func TestReferralWithin(t *testing.T) {
	eng := mustLoad(t, fstest.MapFS{"r.yaml": {Data: []byte(withinRules)}})
	tests := []struct {
		flags []string
		want  []recommend.Within
	}{
		{[]string{"fever_or_chills"}, []recommend.Within{recommend.WithinFewDays}},
		{[]string{"leg_weakness"}, []recommend.Within{recommend.WithinTwoDays}},
		{[]string{"fever_or_chills", "leg_weakness"}, []recommend.Within{recommend.WithinTwoDays}},
		{[]string{"leg_weakness", "fever_or_chills"}, []recommend.Within{recommend.WithinTwoDays}},
		{[]string{"night_pain"}, []recommend.Within{""}},
		// One referral of two routine rules, one stating weeks, the
		// latest a routine referral allows, and one stating none: the
		// stated timing, whichever rule comes first.
		{[]string{"night_pain", "pain_below_knee"}, []recommend.Within{recommend.WithinWeeks}},
		{[]string{"night_pain", "no_improvement_with_self_care"}, []recommend.Within{recommend.WithinWeeks}},
		{[]string{"pain_below_knee"}, []recommend.Within{recommend.WithinWeeks}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, "+"), func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: tt.flags})
			if err != nil {
				t.Fatal(err)
			}
			var got []recommend.Within
			for _, r := range res.Referrals {
				got = append(got, r.Within)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referrals' within (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReferralClinicianOfEachRule checks that a referral two rules give
// says each rule's clinician text, once, in rule order: before, it said
// the first rule's alone, so that fever and leg weakness, one message,
// told the clinician of a possible infection "within days" and nothing
// of the motor deficit whose rule made the referral sooner (two_days).
func TestReferralClinicianOfEachRule(t *testing.T) {
	rules := strings.Replace(withinRules, "within: few_days, message: See a doctor soon.,",
		"within: few_days, message: See a doctor soon., clinician: Possible spinal infection; assess within days.,", 1)
	rules = strings.Replace(rules, "within: two_days, message: See a doctor soon.,",
		"within: two_days, message: See a doctor soon., clinician: New motor deficit; assess within 1 to 2 days.,", 1)
	rules = strings.Replace(rules, "refer: {urgency: routine, within: weeks, message: Book a visit.}",
		"refer: {urgency: routine, within: weeks, message: Book a visit., clinician: Leg pain; routine review.}", 1)
	eng := mustLoad(t, fstest.MapFS{"r.yaml": {Data: []byte(rules)}})
	tests := []struct {
		flags []string
		want  []string
	}{
		{[]string{"fever_or_chills"}, []string{"Possible spinal infection; assess within days."}},
		{[]string{"fever_or_chills", "leg_weakness"}, []string{"Possible spinal infection; assess within days. New motor deficit; assess within 1 to 2 days."}},
		{[]string{"leg_weakness", "fever_or_chills"}, []string{"Possible spinal infection; assess within days. New motor deficit; assess within 1 to 2 days."}},
		// A rule without a clinician text adds none.
		{[]string{"night_pain", "pain_below_knee"}, []string{"Leg pain; routine review."}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, "+"), func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: tt.flags})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res.Referrals {
				got = append(got, r.Clinician)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referrals' clinician texts (-want +got):\n%s", diff)
			}
		})
	}
}
