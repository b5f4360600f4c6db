package recommend_test

import (
	"context"
	"fmt"
	"os"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
)

// ExampleEngine_Explain asks why the towel decompression is not advised
// for someone who reported no disc herniation, and prints the note.
func ExampleEngine_Explain() {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(ruleFile)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	x, err := eng.Explain(context.Background(), recommend.Profile{Equipment: []string{"towel"}}, "towel_stretch")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("outcome:", x.Outcome)
	for _, r := range x.Rules {
		fmt.Printf("%s: %s\n", r.Rule(), r.Summary())
		for _, c := range r.Clauses() {
			fmt.Printf("  %s is %v (%s: %q)\n", c.Text, c.Value, c.Field, c.Values)
		}
	}
	fmt.Println()
	x, err = eng.Explain(context.Background(), recommend.Profile{Conditions: []string{"disc_herniation"}}, "towel_stretch")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := report.WriteExplanation(os.Stdout, x); err != nil {
		fmt.Println(err)
	}
	// Output:
	// outcome: not_advised
	// disc-decompress: not matched: you did not report disc herniation
	//   'disc_herniation' in profile.conditions is false (conditions: [])
	//
	// EXPLANATION: Towel decompression (towel_stretch)
	//   Outcome: left out for missing equipment
	//   Left out because you do not have: Towel. It would be recommended, by disc-decompress.
	//
	// RULES THAT NAME IT
	//   1. disc-decompress (rules.yaml:26): matched
	//      Recommends it by name.
	//      Matched: you reported disc herniation.
	//      Condition: 'disc_herniation' in profile.conditions
	//      Reason: Unloading the spine in its natural curve eases pressure on the disc.
	//      Sources: [1]
	//
	// SOURCES
	//   [1] Clinic notes (clinic article), "Decompression": Decompression in lordosis helps disc pain. (supports the advice)
	//
	// General information for self-care, not a diagnosis or a treatment plan. A referral is advice to get assessed by a clinician, not a diagnosis. Stop any movement that makes symptoms worse or spreads pain into the leg.
	// Rule set: no version, sha256:6c278a88c8a7b1f36da951d3c2188c4735ec86e9a527140a2f3c66df2f250d36
}
