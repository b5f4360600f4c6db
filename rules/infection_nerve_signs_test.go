package rules_test

import (
	"context"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestInfectionWithNerveDeficitIsOneEmergency checks a possible spinal
// infection with a new nerve deficit (Michigan Medicine 2018, Key Points:
// with back pain and risk factors or features of infection, an abnormal
// neurological examination calls for emergent spine imaging). A fever, or
// an infection risk, with new leg weakness, worsening leg weakness or
// trouble walking is one emergency referral, now, that holds off the
// exercises; the weakness, walking, fever and infection-risk referrals
// fold into it, so the person reads one story. Without a nerve deficit,
// and a nerve deficit without a sign of infection, keep their own
// referrals.
func TestInfectionWithNerveDeficitIsOneEmergency(t *testing.T) {
	eng := defaultEngine(t)
	type shown struct {
		Rules   []string
		Urgency string
		Within  string
	}
	type outcome struct {
		Shown    []shown
		Withheld bool
	}
	emergency := outcome{Shown: []shown{{Rules: []string{"red-flag-infection-nerve-signs"}, Urgency: "emergency", Within: "now"}}, Withheld: true}
	tests := []struct {
		name    string
		profile recommend.Profile
		want    outcome
	}{
		{"a fever with new leg weakness", recommend.Profile{RedFlags: []string{"fever_or_chills", "leg_weakness"}}, emergency},
		{"a fever with leg weakness that is getting worse", recommend.Profile{RedFlags: []string{"fever_or_chills", "progressive_leg_weakness"}}, emergency},
		{"a fever with trouble walking", recommend.Profile{RedFlags: []string{"fever_or_chills", "difficulty_walking"}, Age: 58}, emergency},
		{"injecting drugs, a fever and leg weakness", recommend.Profile{RedFlags: []string{"injecting_drug_use", "fever_or_chills", "leg_weakness"}}, emergency},
		{"a weak immune system, a fever and trouble walking", recommend.Profile{RedFlags: []string{"immunosuppression", "fever_or_chills", "difficulty_walking"}}, emergency},
		{"a recent spinal operation or injection, a fever and worsening weakness", recommend.Profile{RedFlags: []string{"recent_spinal_procedure", "fever_or_chills", "progressive_leg_weakness"}}, emergency},
		{"a recent spinal operation or injection with new leg weakness, no fever", recommend.Profile{RedFlags: []string{"recent_spinal_procedure", "leg_weakness"}}, emergency},
		{"a recent bacterial infection with trouble walking, no fever", recommend.Profile{RedFlags: []string{"recent_bacterial_infection", "difficulty_walking"}}, emergency},
		{
			name:    "a fever alone stays urgent, today or tomorrow",
			profile: recommend.Profile{RedFlags: []string{"fever_or_chills"}},
			want:    outcome{Shown: []shown{{Rules: []string{"red-flag-fever"}, Urgency: "urgent", Within: "two_days"}}, Withheld: true},
		},
		{
			name:    "new leg weakness alone stays urgent, today or tomorrow",
			profile: recommend.Profile{RedFlags: []string{"leg_weakness"}},
			want:    outcome{Shown: []shown{{Rules: []string{"red-flag-leg-weakness"}, Urgency: "urgent", Within: "two_days"}}, Withheld: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			got := outcome{Withheld: res.Withheld}
			for _, r := range res.Referrals {
				got.Shown = append(got.Shown, shown{Rules: r.Rules, Urgency: string(r.Urgency), Within: string(r.Within)})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("referrals (-want +got):\n%s", diff)
			}
		})
	}
}
