package report_test

import (
	"context"
	"fmt"
	"os"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

func ExampleWriteDetailedText() {
	rules := `
version: "2026.1"
sources:
  - {id: guide, title: Back pain guideline, publisher: A health body, kind: guideline, url: "https://example.org/guide"}
vocabulary:
  conditions:
    - {id: sciatica, label: Sciatica}
  red_flags:
    - {id: leg_weakness, label: Leg weakness, floor: {urgency: urgent, withhold: false}}
movements:
  - {id: walking, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes twice a day., pose: {base: standing, start: {}, end: {}}}
  - {id: toe_touch, name: Toe touch, kind: stretch, how: Reach for the toes with straight legs., dose: 20 seconds., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: sciatica-walk
    when: "'sciatica' in profile.conditions"
    recommend: [walking, toe_touch]
    because: Staying active helps sciatica settle.
    cite: [{source: guide, locator: Staying active, claim: Activity helps sciatica.}]
  - id: sciatica-no-nerve-stretch
    when: "'sciatica' in profile.conditions"
    avoid: [toe_touch]
    because: Stretching with straight legs pulls on an irritated nerve.
    cite: [{source: guide, locator: Stretching, claim: Avoid tensioning an irritated nerve.}]
  - id: weakness-refer
    when: "'leg_weakness' in profile.red_flags"
    refer: {urgency: urgent, message: See a doctor today about the weakness in your leg.}
    because: New leg weakness needs assessing.
    cite: [{source: guide, locator: Red flags, claim: Leg weakness needs a doctor.}]
`
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{
		Conditions: []string{"sciatica"},
		RedFlags:   []string{"leg_weakness"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := report.WriteDetailedText(os.Stdout, res); err != nil {
		fmt.Println(err)
	}
	// Output:
	// SEE A CLINICIAN
	//   [URGENT] See a doctor today about the weakness in your leg.
	//       Sources: [1]  (rules: weakness-refer)
	//
	// RECOMMENDED
	//   1. Walking (lifestyle)
	//      How:  Walk at an easy pace.
	//      Dose: 10 minutes twice a day.
	//      Why:  Staying active helps sciatica settle.
	//      Sources: [2]  (rules: sciatica-walk)
	//
	// AVOID
	//   - Toe touch (stretch)
	//       Why: Stretching with straight legs pulls on an irritated nerve.
	//       Sources: [3]  (rules: sciatica-no-nerve-stretch)
	//
	// SOURCES
	//   [1] Back pain guideline (guideline), "Red flags": Leg weakness needs a doctor. (background to the advice)
	//       https://example.org/guide
	//   [2] Back pain guideline (guideline), "Staying active": Activity helps sciatica. (supports the advice)
	//       https://example.org/guide
	//   [3] Back pain guideline (guideline), "Stretching": Avoid tensioning an irritated nerve. (advises against)
	//       https://example.org/guide
	//
	// General information for self-care, not a diagnosis or a treatment plan. A referral is advice to get assessed by a clinician, not a diagnosis. Stop any movement that makes symptoms worse or spreads pain into the leg.
	//
	// Rule set: 2026.1, sha256:8e2d52b742a4f1bf391e7d0d2c703c6534f550fda0baa11debac039274b232a1
}
