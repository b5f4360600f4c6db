package recommend_test

import (
	"context"
	"fmt"
	"os"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
)

// reportRules is a small rule set with a key message and a plan, for the
// examples of the short report.
const reportRules = `
sources:
  - {id: guide, title: Back pain guideline, publisher: A health body, kind: guideline, url: "https://example.org/guide"}
  - {id: blog, title: My back pain story, publisher: A blogger, kind: personal_account}
vocabulary:
  conditions:
    - {id: sciatica, label: Sciatica}
movements:
  - {id: walking, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes twice a day.}
  - {id: bird_dog, name: Bird dog, kind: strengthening, how: On hands and knees reach out one arm and the other leg., dose: 6 slow repeats a side.}
  - {id: bridge, name: Glute bridge, kind: strengthening, how: Lift your hips from the floor., dose: 10 repeats.}
  - {id: toe_touch, name: Toe touch, kind: stretch, how: Reach for the toes with straight legs., dose: 20 seconds.}
rules:
  - id: stay-active
    when: "true"
    recommend: {movements: [walking], priority: 1}
    say: {kind: stay_active, message: Keep moving; bed rest does not help.}
    because: Walking keeps you active.
    cite: [{source: guide, locator: Staying active, claim: Activity helps back pain.}]
  - id: core
    when: "true"
    recommend: {movements: [bird_dog, bridge], priority: 2}
    because: A strong trunk supports the back.
    cite: [{source: guide, locator: Exercise, claim: Exercise helps back pain.}]
  - id: safety-net
    when: "true"
    say: {kind: safety_net, message: Stop and see a doctor if pain spreads down your leg.}
    because: Spreading leg pain needs a check.
    cite: [{source: guide, locator: Red flags, claim: Spreading leg pain needs a doctor.}]
  - id: toe-touch
    when: "'sciatica' in profile.conditions"
    recommend: [toe_touch]
    because: It stretches the back of the legs.
    cite: [{source: blog, locator: paragraph 2, claim: The author found it helped.}]
  - id: no-nerve-stretch
    when: "'sciatica' in profile.conditions"
    avoid: [toe_touch]
    because: Stretching with straight legs pulls on an irritated nerve.
    cite: [{source: guide, locator: Stretching, claim: Avoid tensioning an irritated nerve.}]
`

func reportResult() (*recommend.Result, error) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(reportRules)}})
	if err != nil {
		return nil, err
	}
	return eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"sciatica"}})
}

// The short report: key messages first, with the safety net marked "!",
// then the plan in full, the rest of the recommended movements in one
// line each, what to avoid and where the sources disagree. Sources are
// numbered once each.
func ExampleWriteText() {
	res, err := reportResult()
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := recommend.WriteText(os.Stdout, res); err != nil {
		fmt.Println(err)
	}
	// Output:
	// KEY MESSAGES
	//   ! Stop and see a doctor if pain spreads down your leg. [1]
	//   - Keep moving; bed rest does not help. [1]
	//
	// START WITH
	//   1. Walking
	//      How: Walk at an easy pace.
	//      Dose: 10 minutes twice a day.
	//      Why: Walking keeps you active. [1]
	//   2. Bird dog
	//      How: On hands and knees reach out one arm and the other leg.
	//      Dose: 6 slow repeats a side.
	//      Why: A strong trunk supports the back. [1]
	//
	// ALSO HELPFUL
	//   - Glute bridge: 10 repeats. [1]
	//
	// AVOID FOR NOW
	//   - Toe touch: Stretching with straight legs pulls on an irritated nerve. [1]
	//
	// WHERE THE SOURCES DISAGREE
	//   - Toe touch: a personal account suggests it [2]; a guideline advises against it [1], so it is left out.
	//
	// SOURCES
	//   [1] Back pain guideline (guideline) https://example.org/guide
	//   [2] My back pain story (personal account)
	//
	// General information for self-care, not a diagnosis or a treatment plan. A referral is advice to get assessed by a clinician, not a diagnosis. Stop any movement that makes symptoms worse or spreads pain into the leg.
	//
	// Rule set: no version, sha256:3057462b7054471cfd75bd94891eb798b7b00a38c4626edae4cda0b94869135e
}

// The short report in Markdown, for apps and chat front ends.
func ExampleWriteMarkdown() {
	res, err := reportResult()
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := recommend.WriteMarkdown(os.Stdout, res); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ## Key messages
	//
	// - **Stop and see a doctor if pain spreads down your leg. \[1\]**
	// - Keep moving; bed rest does not help. \[1\]
	//
	// ## Start with
	//
	// 1. **Walking**
	//    - How: Walk at an easy pace.
	//    - Dose: 10 minutes twice a day.
	//    - Why: Walking keeps you active. \[1\]
	// 2. **Bird dog**
	//    - How: On hands and knees reach out one arm and the other leg.
	//    - Dose: 6 slow repeats a side.
	//    - Why: A strong trunk supports the back. \[1\]
	//
	// ## Also helpful
	//
	// - Glute bridge: 10 repeats. \[1\]
	//
	// ## Avoid for now
	//
	// - Toe touch: Stretching with straight legs pulls on an irritated nerve. \[1\]
	//
	// ## Where the sources disagree
	//
	// - Toe touch: a personal account suggests it \[2\]; a guideline advises against it \[1\], so it is left out.
	//
	// ## Sources
	//
	// 1. Back pain guideline (guideline) <https://example.org/guide>
	// 2. My back pain story (personal account)
	//
	// *General information for self-care, not a diagnosis or a treatment plan. A referral is advice to get assessed by a clinician, not a diagnosis. Stop any movement that makes symptoms worse or spreads pain into the leg.*
	//
	// *Rule set: no version, sha256:3057462b7054471cfd75bd94891eb798b7b00a38c4626edae4cda0b94869135e*
}

// A Result names the movements to start with, in order, and the key
// messages, safety nets first.
func ExampleResult_plan() {
	res, err := reportResult()
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, s := range res.Plan {
		fmt.Printf("%d. %s (priority %d, from rule %s)\n", i+1, s.Name, s.Priority, s.Reason.Rule)
	}
	for _, m := range res.Messages {
		fmt.Printf("%s: %s\n", m.Kind, m.Text)
	}
	// Output:
	// 1. Walking (priority 1, from rule stay-active)
	// 2. Bird dog (priority 2, from rule core)
	// safety_net: Stop and see a doctor if pain spreads down your leg.
	// stay_active: Keep moving; bed rest does not help.
}
