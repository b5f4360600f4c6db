package testrules

import (
	"math/rand/v2"

	"github.com/backrules/backrules/recommend"
)

// Profiles returns the four comparison profiles, in the default rules'
// vocabulary: the disc profile of issue 21, an acute strain, chronic
// stiffness, and sciatica with an emergency red flag (saddle numbness).
// The comparisons by CPU time run over them in turn. Each call returns
// new values, which the caller owns.
func Profiles() []recommend.Profile {
	return []recommend.Profile{
		{Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"bending_forward", "sitting"},
			Equipment: []string{"towel", "bed", "sofa", "exercise_mat"}, PainLevel: 4, DaysSinceOnset: 21, SittingHours: 8, Age: 42},
		{Conditions: []string{"acute_strain"}, PainLevel: 6, DaysSinceOnset: 2, Age: 30},
		{Conditions: []string{"chronic_stiffness"}, AggravatedBy: []string{"sitting", "lifting", "twisting"},
			EasedBy: []string{"lying_down"}, Equipment: []string{"towel"}, PainLevel: 3, DaysSinceOnset: 200, SittingHours: 9, Age: 52},
		{Conditions: []string{"sciatica"}, RedFlags: []string{"saddle_numbness"}, PainLevel: 8, DaysSinceOnset: 1, Age: 60},
	}
}

// RandomProfile draws a profile from vocabulary v with r: any subset of each
// list, a red flag only now and then (most withhold advice, which makes
// an answer small), and numbers across their ranges.
func RandomProfile(r *rand.Rand, v recommend.Vocabulary) recommend.Profile {
	pick := func(ts []recommend.Term, p float64) []string {
		var out []string
		for _, t := range ts {
			if r.Float64() < p {
				out = append(out, t.ID)
			}
		}
		return out
	}
	p := recommend.Profile{
		Conditions:     pick(v.Conditions, 0.5),
		AggravatedBy:   pick(v.AggravatedBy, 0.5),
		EasedBy:        pick(v.EasedBy, 0.5),
		Equipment:      pick(v.Equipment, 0.8),
		PainLevel:      r.IntN(11),
		DaysSinceOnset: r.IntN(400),
		SittingHours:   float64(r.IntN(13)),
		Age:            18 + r.IntN(70),
	}
	if r.IntN(4) == 0 {
		p.RedFlags = pick(v.RedFlags, 0.1)
	}
	return p
}
