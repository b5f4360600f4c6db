package recommend_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
)

// resultPlanRules is a small rule set with a plan and key messages.
const resultPlanRules = `
sources:
  - {id: guide, title: Back pain guideline, publisher: A health body, kind: guideline, url: "https://example.org/guide"}
movements:
  - {id: walking, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes twice a day., pose: {base: standing, start: {}, end: {}}}
  - {id: bird_dog, name: Bird dog, kind: strengthening, how: On hands and knees reach out one arm and the other leg., dose: 6 slow repeats a side., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: stay-active
    when: "true"
    recommend: {movements: [walking], priority: 1}
    say: {kind: stay_active, message: Keep moving; bed rest does not help.}
    because: Walking keeps you active.
    cite: [{source: guide, locator: Staying active, claim: Activity helps back pain.}]
  - id: core
    when: "true"
    recommend: {movements: [bird_dog], priority: 2}
    because: A strong trunk supports the back.
    cite: [{source: guide, locator: Exercise, claim: Exercise helps back pain.}]
  - id: safety-net
    when: "true"
    say: {kind: safety_net, message: Stop and see a doctor if pain spreads down your leg.}
    because: Spreading leg pain needs a check.
    cite: [{source: guide, locator: Red flags, claim: Spreading leg pain needs a doctor.}]
`

// A Result names the movements to start with, in order, and the key
// messages, safety nets first.
func ExampleResult_plan() {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(resultPlanRules)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, s := range res.Plan {
		fmt.Printf("%d. %s (priority %d, from rule %s)\n", i+1, s.Name, s.Priority, s.Reason.Rule())
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
