package rules_test

import (
	"context"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestInflammatoryBackPainEpisode checks NG65's screen for a person who
// says the back pain is long-standing (a flare, or unchanged) without
// giving the day it began: under 45 the pain began before 45 and has
// lasted more than three months by the profile's own words, so two
// inflammatory features lead to the routine rheumatology referral, with
// the activity advice kept. A new episode, or an age of 45 or more with
// no onset, is not enough to say so.
func TestInflammatoryBackPainEpisode(t *testing.T) {
	eng := defaultEngine(t)
	type outcome struct {
		Referrals []string
		Withheld  bool
	}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    outcome
	}{
		{
			name:    "long-standing unchanged pain at 30, morning stiffness, eased by moving about",
			profile: recommend.Profile{RedFlags: []string{"morning_stiffness"}, EasedBy: []string{"moving_about"}, Age: 30, Episode: "long_standing_stable", PainLevel: 3},
			want:    outcome{Referrals: []string{"red-flag-inflammatory-back-pain"}},
		},
		{
			name:    "a flare of long-standing pain at 41, ten days in, stiffness and waking late in the night",
			profile: recommend.Profile{RedFlags: []string{"morning_stiffness", "waking_second_half_of_night"}, Age: 41, Episode: "flare", DaysSinceOnset: 10, PainLevel: 5},
			want:    outcome{Referrals: []string{"red-flag-inflammatory-back-pain"}},
		},
		{
			name:    "a flare at 46 with no onset: the onset before 45 is not known",
			profile: recommend.Profile{RedFlags: []string{"morning_stiffness", "waking_second_half_of_night"}, Age: 46, Episode: "flare", PainLevel: 5},
			want:    outcome{},
		},
		{
			name:    "a new episode of ten days at 40: not three months",
			profile: recommend.Profile{RedFlags: []string{"morning_stiffness"}, EasedBy: []string{"moving_about"}, Age: 40, Episode: "new", DaysSinceOnset: 10, PainLevel: 3},
			want:    outcome{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			var got outcome
			for _, r := range res.Referrals {
				got.Referrals = append(got.Referrals, r.Rules...)
			}
			got.Withheld = res.Withheld
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}
