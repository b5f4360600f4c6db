package recommend_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
)

// TestProgrammeReviewsInUrgencyOrder checks that a programme review joins
// the referrals in the order of urgency: a review a rule set makes urgent
// comes before a routine referral of the profile, as Result.Referrals
// promises (most urgent first).
func TestProgrammeReviewsInUrgencyOrder(t *testing.T) {
	fsys := testrules.Copy(t)
	fsys["progress.yaml"] = &fstest.MapFile{Data: append(append([]byte{}, fsys["progress.yaml"].Data...), `
  - id: progress-test-urgent-review
    when: programme.check_ins >= 2
    refer: {urgency: urgent, message: "Arrange a review within days. This is advice to get assessed, not a diagnosis."}
    because: A review for the test.
    cite: [{source: selfback-2021, locator: Abstract, claim: The app gave weekly plans of activity and exercise tailored to each person's characteristics and symptoms.}]
`...)}
	eng, err := recommend.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	p := recommend.Profile{RedFlags: []string{"pain_below_knee"},
		CheckIns: []recommend.CheckIn{ci(0, 3, "walking", "same"), ci(7, 3, "walking", "same")}}
	res, err := eng.Recommend(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var got []recommend.Urgency
	for _, r := range res.Referrals {
		got = append(got, r.Urgency)
	}
	want := []recommend.Urgency{recommend.UrgencyUrgent, recommend.UrgencyRoutine}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("referral urgencies (-want +got):\n%s", diff)
	}
}
