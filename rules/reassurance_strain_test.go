package rules_test

import (
	"context"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestReassuranceStrainIsNew checks that "most new back pain eases over a
// few weeks, so give it time" (message-most-recover), whose source speaks
// of acute and subacute pain, reaches a strain only while it is new: a
// strain at day 200, or one the person calls long-standing, is not told
// to give it time; a strain of a few days, or with no onset given, is.
func TestReassuranceStrainIsNew(t *testing.T) {
	eng := defaultEngine(t)
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []recommend.MessageKind
	}{
		{
			name:    "a strain at day 5",
			profile: recommend.Profile{Conditions: []string{"acute_strain"}, DaysSinceOnset: 5, PainLevel: 3, Age: 40},
			want:    []recommend.MessageKind{"safety_net", "reassurance", "stay_active", "pacing"},
		},
		{
			name:    "a strain with no onset given",
			profile: recommend.Profile{Conditions: []string{"acute_strain"}, PainLevel: 3, Age: 40},
			want:    []recommend.MessageKind{"safety_net", "reassurance", "stay_active", "pacing"},
		},
		{
			name:    "a strain at day 200, mild pain, at 72",
			profile: recommend.Profile{Conditions: []string{"acute_strain"}, DaysSinceOnset: 200, PainLevel: 3, Age: 72},
			want:    []recommend.MessageKind{"safety_net", "stay_active", "pacing"},
		},
		{
			name:    "a strain the person calls long-standing and unchanged, no onset given",
			profile: recommend.Profile{Conditions: []string{"acute_strain"}, Episode: "long_standing_stable", PainLevel: 3, Age: 40},
			want:    []recommend.MessageKind{"safety_net", "stay_active", "pacing"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			var got []recommend.MessageKind
			for _, m := range res.Messages {
				got = append(got, m.Kind)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("message kinds (-want +got):\n%s", diff)
			}
		})
	}
}
