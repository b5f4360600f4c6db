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

// TestRuleStages checks which stages each kind of rule feeds: a rule with
// any movement effect (even one with every kind of effect at once) feeds
// the movements stage and no other unless it refers, speaks or places a
// plan step; a rule without movement effects does not feed it.
func TestRuleStages(t *testing.T) {
	var all rule
	all.effects[effectRecommend] = []int{0}
	all.effects[effectAvoid] = []int{1}
	all.effects[effectCaution] = []int{2}
	var avoid rule
	avoid.effects[effectAvoid] = []int{1}
	var planned rule
	planned.effects[effectRecommend], planned.priority = []int{0}, 2
	tests := []struct {
		name string
		r    rule
		want uint8
	}{
		{"every kind of movement effect", all, 1 << stageMovements},
		{"avoid only", avoid, 1 << stageMovements},
		{"a plan step", planned, 1<<stageMovements | 1<<stagePlan},
		{"a referral only", rule{refer: &compiledReferral{}}, 1 << stageRefer},
		{"a key message only", rule{say: &compiledMessage{}}, 1 << stageSay},
		{"nothing", rule{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ruleStages([]rule{tt.r})[0]; got != tt.want {
				t.Errorf("ruleStages = %04b, want %04b", got, tt.want)
			}
		})
	}
}
