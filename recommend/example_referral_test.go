package recommend_test

import (
	"context"
	"fmt"
	"strings"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
)

// storyRules is a tiny rule set whose referrals tell one story: an
// emergency for a history of cancer with leg weakness, and single-flag
// referrals that the emergency leads.
const storyRules = `
sources:
  - {id: guide, title: A guideline, publisher: A health body, kind: guideline}
vocabulary:
  conditions:
    - {id: disc, label: Disc problem}
  red_flags:
    - {id: cancer, label: History of cancer, floor: {urgency: urgent, withhold: true}}
    - {id: weakness, label: Leg weakness, floor: {urgency: none, withhold: false}}
rules:
  - id: compression
    when: "'cancer' in profile.red_flags && 'weakness' in profile.red_flags"
    refer: {urgency: emergency, message: Go to hospital now., withhold: true}
    because: Possible spinal cord compression.
    cite: [{source: guide, locator: Compression, claim: An emergency.}]
  - id: cancer
    when: "'cancer' in profile.red_flags"
    refer: {urgency: urgent, message: See your cancer team soon; go the same day if you get leg weakness., withhold: true}
    because: Back pain after cancer.
    cite: [{source: guide, locator: Cancer, claim: Needs checking.}]
  - id: exercise-plan
    when: "'disc' in profile.conditions"
    refer: {urgency: routine, message: A physio will plan exercises for you., invites_activity: true}
    because: Exercise comes first for a disc problem.
    cite: [{source: guide, locator: Disc, claim: Exercise first.}]
`

// Example_referralStory shows the referral story: the emergency leads,
// and the referrals it makes redundant or contradictory are folded into
// it, kept in FoldedReferrals for the detailed report.
func Example_referralStory() {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(storyRules)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{
		Conditions: []string{"disc"},
		RedFlags:   []string{"cancer", "weakness"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Referrals {
		fmt.Printf("shown: %s %s\n", r.Urgency, r.Message)
	}
	for _, f := range res.FoldedReferrals {
		fmt.Printf("folded: %s %v into %v, because %s\n", f.Urgency, f.Rules, f.Into, strings.TrimSpace(string(f.Because)+" "+strings.Join(f.RedFlags, ", ")))
	}
	// Output:
	// shown: emergency Go to hospital now.
	// folded: urgent [cancer] into [compression], because red_flag cancer
	// folded: routine [exercise-plan] into [compression], because invites_activity
}
