package recommend_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/backrules/backrules/recommend"
)

func ExampleDecodeProfile() {
	const asYAML = `# what the person told the app
conditions: [disc_herniation]
aggravated_by: [sitting, bending_forward]
pain_level: 4
sitting_hours: 7.5
`
	p, err := recommend.DecodeProfile(strings.NewReader(asYAML))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("conditions:", p.Conditions)
	fmt.Println("aggravated by:", p.AggravatedBy)
	fmt.Println("pain level:", p.PainLevel)
	fmt.Println("sitting hours:", p.SittingHours)

	// JSON works the same way, with the same field names.
	const asJSON = `{"conditions": ["disc_herniation"], "aggravated_by": ["sitting", "bending_forward"],
		"pain_level": 4, "sitting_hours": 7.5}`
	q, err := recommend.DecodeProfile(strings.NewReader(asJSON))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same as the JSON:", reflect.DeepEqual(p, q))

	// Decoding is strict: a misspelt field is an error, not ignored.
	_, err = recommend.DecodeProfile(strings.NewReader("pain_levl: 4\n"))
	fmt.Println("misspelt field rejected:", errors.Is(err, recommend.ErrInvalidProfile))
	// Output:
	// conditions: [disc_herniation]
	// aggravated by: [sitting bending_forward]
	// pain level: 4
	// sitting hours: 7.5
	// same as the JSON: true
	// misspelt field rejected: true
}
