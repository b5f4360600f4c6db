package rules_test

import (
	"context"
	"slices"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestPregnancySafetyNetNotBesideItsSigns checks that the pregnancy
// safety net ("call your maternity unit the same day if back pain comes
// with regular tightenings, bleeding, leaking fluid, a fever, or pain
// when you pass urine") is said only while none of the signs it names is
// reported. A reported sign has its own referral, which says when to go:
// beside it the safety net would tell the person what to do if a sign
// comes that they have just reported, and, beside an emergency (bleeding
// or belly pain with severe pain: the maternity unit now), give that sign
// a second, later timing (the same day). Without such a sign, and with
// another red flag, the safety net stays.
func TestPregnancySafetyNetNotBesideItsSigns(t *testing.T) {
	eng := defaultEngine(t)
	type outcome struct {
		SafetyNet bool   // the pregnancy safety net is kept
		Lead      string // the urgency and timing of the first shown referral
	}
	pregnant := func(flags []string, pain int) recommend.Profile {
		return recommend.Profile{Conditions: []string{"pregnancy"}, RedFlags: flags, PainLevel: pain, PregnancyWeek: 30, Age: 31}
	}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    outcome
	}{
		{"bleeding with severe pain: the maternity unit now, no same-day safety net", pregnant([]string{"pregnancy_bleeding_or_fluid_loss"}, 8), outcome{Lead: "emergency/now"}},
		{"bleeding or fluid leaking alone: the maternity unit today, no safety net", pregnant([]string{"pregnancy_bleeding_or_fluid_loss"}, 2), outcome{Lead: "urgent/today"}},
		{"belly pain with severe pain: the maternity unit now, no same-day safety net", pregnant([]string{"abdominal_pain_or_pulsation"}, 8), outcome{Lead: "emergency/now"}},
		{"belly pain (tightenings) alone: the maternity unit today, no safety net", pregnant([]string{"abdominal_pain_or_pulsation"}, 3), outcome{Lead: "urgent/today"}},
		{"a fever: the maternity unit today, no safety net", pregnant([]string{"fever_or_chills"}, 3), outcome{Lead: "urgent/today"}},
		{"pain passing urine with side pain: the maternity unit today, no safety net", pregnant([]string{"urinary_pain_with_flank_pain"}, 3), outcome{Lead: "urgent/today"}},
		{
			name:    "the week alone, with bleeding: no safety net",
			profile: recommend.Profile{RedFlags: []string{"pregnancy_bleeding_or_fluid_loss"}, PainLevel: 8, PregnancyWeek: 24},
			want:    outcome{Lead: "emergency/now"},
		},
		{"no red flag: the safety net stays", pregnant(nil, 3), outcome{SafetyNet: true}},
		{"another red flag (leg weakness): the safety net stays", pregnant([]string{"leg_weakness"}, 3), outcome{SafetyNet: true, Lead: "urgent/two_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			var got outcome
			got.SafetyNet = slices.ContainsFunc(res.Messages, func(m recommend.Message) bool {
				return slices.Contains(m.Rules, "message-pregnancy-safety-net")
			})
			if len(res.Referrals) > 0 {
				got.Lead = string(res.Referrals[0].Urgency) + "/" + string(res.Referrals[0].Within)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pregnancy safety net (-want +got):\n%s", diff)
			}
		})
	}
}
