package recommend_test

import (
	"context"
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
)

// ruleFile is a complete, tiny rule set in one file.
const ruleFile = `
sources:
  - {id: clinic, title: Clinic notes, publisher: A clinic, kind: clinic_article}
vocabulary:
  conditions:
    - {id: disc_herniation, label: Disc herniation}
  equipment:
    - {id: towel, label: Towel, prop: towel}
movements:
  - id: towel_stretch
    name: Towel decompression
    kind: decompression
    tags: [lumbar_extension, lying_on_back]
    equipment: [towel]
    how: Lie on your back over a rolled towel that supports the curve of the lower back.
    dose: 3 to 5 minutes, several times a day.
    pose: {base: lying, props: [mat, towel], start: {tilt: -90, hip: 50, knee: 100}, end: {tilt: -90, trunk: -8}}
  - id: knee_to_chest
    name: Knee to chest
    kind: stretch
    tags: [lumbar_flexion, lying_on_back]
    how: Hug one knee to the chest.
    dose: 20 to 30 seconds.
    pose: {base: lying, props: [mat], start: {tilt: -90, hip: 50, knee: 100}, end: {tilt: -90, trunk: 15, hip: 120, knee: 130, shoulder: 60, elbow: 90}}
rules:
  - id: disc-decompress
    when: "'disc_herniation' in profile.conditions"
    recommend: [towel_stretch]
    because: Unloading the spine in its natural curve eases pressure on the disc.
    cite: [{source: clinic, locator: Decompression, claim: Decompression in lordosis helps disc pain.}]
  - id: disc-no-flexion
    when: "'disc_herniation' in profile.conditions"
    avoid: {tags: [lumbar_flexion]}
    because: Rounding the lower back loads an injured disc.
    cite: [{source: clinic, locator: Mistakes, claim: Flexion stretches load the disc.}]
`

func ExampleLoad() {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(ruleFile)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{
		Conditions: []string{"disc_herniation"},
		Equipment:  []string{"towel"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range res.Recommended {
		fmt.Printf("do %s (%s, %s)\n", it.Name(), it.Citations[0].Source(), it.Citations[0].Locator())
	}
	for _, it := range res.Avoided {
		fmt.Printf("avoid %s: %s\n", it.Name(), it.Reasons[0].Text())
	}
	// Output:
	// do Towel decompression (clinic, Decompression)
	// avoid Knee to chest: Rounding the lower back loads an injured disc.
}

func ExampleLoad_error() {
	bad := `
rules:
  - id: typo
    when: "'disc_herniation' in profile.conditons"
    avoid: [knee_to_chest]
    because: A typo in the field name.
    cite: [{source: clinic, locator: Mistakes, claim: Flexion stretches load the disc.}]
`
	_, err := recommend.Load(fstest.MapFS{
		"base.yaml": {Data: []byte(ruleFile)},
		"typo.yaml": {Data: []byte(bad)},
	})
	var le *recommend.LoadError
	if errors.As(err, &le) {
		fmt.Println(le.Issues[0].Long())
	}
	// Output:
	// typo.yaml:4:41: in when: undefined field 'conditons' (did you mean 'conditions'?)
	//  |     when: "'disc_herniation' in profile.conditons"
	//  | ........................................^
}

func ExampleEngine_Recommend() {
	eng, err := recommend.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{
		Conditions: []string{"disc_herniation"},
		RedFlags:   []string{"saddle_numbness"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("top referral:", res.Referrals[0].Urgency)
	fmt.Println("advice withheld:", res.Withheld)
	fmt.Println("recommended:", len(res.Recommended))
	// Output:
	// top referral: emergency
	// advice withheld: true
	// recommended: 0
}

func ExampleEngine_Validate() {
	eng, err := recommend.Default()
	if err != nil {
		fmt.Println(err)
		return
	}
	err = eng.Validate(recommend.Profile{Conditions: []string{"disc_hernation"}, PainLevel: 12})
	fmt.Println(err)
	// Output:
	// invalid profile: conditions[0] "disc_hernation": unknown condition (did you mean "disc_herniation"?); pain_level 12: out of range, want 0 to 10
}
