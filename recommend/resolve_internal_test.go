package recommend

import (
	"reflect"
	"testing"
)

// TestPutDecisionsForgetsTheProfile checks that a decision record given
// back to the pool holds no profile: the pool must not keep a person's
// answers alive, or hand them to the next call.
func TestPutDecisionsForgetsTheProfile(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	d := e.getDecisions()
	d.profile = Profile{Conditions: []string{"disc_herniation"}, RedFlags: []string{"saddle_numbness"}, Age: 42}
	e.putDecisions(d)
	if !reflect.ValueOf(d.profile).IsZero() {
		t.Errorf("the pooled decision record still holds the profile %+v", d.profile)
	}
}
