package report_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
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
  - {id: walking, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes twice a day., pose: {base: standing, start: {}, end: {}}}
  - {id: bird_dog, name: Bird dog, kind: strengthening, how: On hands and knees reach out one arm and the other leg., dose: 6 slow repeats a side., pose: {base: standing, start: {}, end: {}}}
  - {id: bridge, name: Glute bridge, kind: strengthening, how: Lift your hips from the floor., dose: 10 repeats., pose: {base: standing, start: {}, end: {}}}
  - {id: toe_touch, name: Toe touch, kind: stretch, how: Reach for the toes with straight legs., dose: 20 seconds., pose: {base: standing, start: {}, end: {}}}
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
	if err := report.WriteText(os.Stdout, res); err != nil {
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
	// Rule set: no version, sha256:a40bf20353162123e0612e5dab8292d9680f8d39cc427832a44ab3bf3375c408
}

// The short report in Markdown, for apps and chat front ends.
func ExampleWriteMarkdown() {
	res, err := reportResult()
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := report.WriteMarkdown(os.Stdout, res); err != nil {
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
	// *Rule set: no version, sha256:a40bf20353162123e0612e5dab8292d9680f8d39cc427832a44ab3bf3375c408*
}

// An Outline is the short report before it is written: the page of
// examples/server and the CDS Hooks cards render the same one. Movements
// that read the same share a group, and sources are numbered once each.
func ExampleNew() {
	res, err := reportResult()
	if err != nil {
		fmt.Println(err)
		return
	}
	o := report.New(res)
	for _, m := range o.Messages {
		fmt.Printf("message (%s): %s\n", m.Kind, m.Text)
	}
	for i, s := range o.Plan {
		fmt.Printf("step %d: %s, because %s\n", i+1, s.Name, s.Reason)
	}
	for _, g := range o.Also {
		fmt.Printf("also: %s (%s)\n", g.Names, strings.Join(g.Movements(), ", "))
	}
	for _, g := range o.Avoid {
		fmt.Printf("avoid: %s, because %s\n", g.Names, g.Reason)
	}
	for _, d := range o.Disagreements {
		fmt.Printf("disagreement: %s, %d for, %d against: %s\n", d.Names, len(d.For), len(d.Against), d.Resolution)
	}
	for i, c := range o.Sources {
		fmt.Printf("[%d] %s\n", i+1, c.Title())
	}
	// Output:
	// message (safety_net): Stop and see a doctor if pain spreads down your leg.
	// message (stay_active): Keep moving; bed rest does not help.
	// step 1: Walking, because Walking keeps you active.
	// step 2: Bird dog, because A strong trunk supports the back.
	// also: Glute bridge (bridge)
	// avoid: Toe touch, because Stretching with straight legs pulls on an irritated nerve.
	// disagreement: Toe touch, 1 for, 1 against: avoided
	// [1] Back pain guideline
	// [2] My back pain story
}
