package rules_test

import (
	"context"
	"fmt"
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

// TestInfectionRiskWithSignsIsSameDay checks that a sign of infection
// reported beside a risk of infection gets the timing the rule set gives
// that sign when it is still to come. The referrals for a risk alone say
// "go the same day if you get a fever or chills" (a weak immune system,
// or steroid tablets taken for months) and "go the same day if you feel
// feverish, shivery or unwell, or the pain becomes constant" (injecting
// drugs, a recent bacterial infection, a recent spinal operation or
// injection); so a person who reports the sign with the risk is seen the
// same day, not today or tomorrow. A fever alone, and a risk alone, keep
// their timings.
func TestInfectionRiskWithSignsIsSameDay(t *testing.T) {
	eng := defaultEngine(t)
	type outcome struct {
		Lead     string // the first shown referral's rules, urgency and timing
		Withheld bool
	}
	sameDay := outcome{Lead: "[red-flag-infection-signs] urgent/today", Withheld: true}
	tests := []struct {
		name  string
		flags []string
		want  outcome
	}{
		{"a weak immune system with a fever", []string{"immunosuppression", "fever_or_chills"}, sameDay},
		{"steroid tablets for months with a fever", []string{"long_term_steroids", "fever_or_chills"}, sameDay},
		{"injecting drugs with a fever", []string{"injecting_drug_use", "fever_or_chills"}, sameDay},
		{"a recent bacterial infection with feeling unwell", []string{"recent_bacterial_infection", "feeling_unwell"}, sameDay},
		{"a recent spinal operation or injection with constant pain", []string{"recent_spinal_procedure", "constant_unchanging_pain"}, sameDay},
		{"a weak immune system with constant pain", []string{"immunosuppression", "constant_unchanging_pain"}, sameDay},
		{"a fever alone stays today or tomorrow", []string{"fever_or_chills"}, outcome{Lead: "[red-flag-fever] urgent/two_days", Withheld: true}},
		{"steroid tablets alone stay within a few days", []string{"long_term_steroids"}, outcome{Lead: "[red-flag-immune-or-steroids] urgent/few_days"}},
		{"injecting drugs alone stay within a few days", []string{"injecting_drug_use"}, outcome{Lead: "[red-flag-infection-risk] urgent/few_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), recommend.Profile{RedFlags: tt.flags, Age: 40, PainLevel: 4, DaysSinceOnset: 5})
			if err != nil {
				t.Fatal(err)
			}
			got := outcome{Withheld: res.Withheld}
			if len(res.Referrals) > 0 {
				r := res.Referrals[0]
				got.Lead = fmt.Sprintf("%v %s/%s", r.Rules, r.Urgency, r.Within)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lead referral (-want +got):\n%s", diff)
			}
		})
	}
}
