package testrules

import "github.com/backrules/backrules/recommend"

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
