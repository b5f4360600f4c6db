package recommend_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

func TestValidate(t *testing.T) {
	eng := semanticsEngine(t)
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []recommend.FieldProblem
	}{
		{name: "empty profile is valid", profile: recommend.Profile{}},
		{
			name:    "full valid profile",
			profile: recommend.Profile{Conditions: []string{"cond_a"}, RedFlags: []string{"flag_routine"}, AggravatedBy: []string{"agg"}, Equipment: []string{"roller"}, PainLevel: 10, DaysSinceOnset: 3, SittingHours: 24, Age: 130},
		},
		{
			name:    "unknown value with a suggestion",
			profile: recommend.Profile{Conditions: []string{"cond_x", "totally_else"}},
			want: []recommend.FieldProblem{
				{Field: "conditions[0]", Value: `"cond_x"`, Message: `unknown condition (did you mean "cond_a"?)`},
				{Field: "conditions[1]", Value: `"totally_else"`, Message: "unknown condition"},
			},
		},
		{
			name:    "empty and duplicate entries",
			profile: recommend.Profile{Equipment: []string{"roller", "", "roller"}},
			want: []recommend.FieldProblem{
				{Field: "equipment[1]", Value: `""`, Message: "empty value"},
				{Field: "equipment[2]", Value: `"roller"`, Message: "duplicate entry, already at equipment[0]"},
			},
		},
		{
			name:    "out of range numbers",
			profile: recommend.Profile{PainLevel: 11, DaysSinceOnset: -1, SittingHours: 25, Age: -3},
			want: []recommend.FieldProblem{
				{Field: "pain_level", Value: "11", Message: "out of range, want 0 to 10"},
				{Field: "days_since_onset", Value: "-1", Message: "out of range, want 0 to 36500"},
				{Field: "sitting_hours", Value: "25", Message: "out of range, want 0 to 24"},
				{Field: "age", Value: "-3", Message: "out of range, want 0 to 130"},
			},
		},
		{
			// A whole number past 2^53 is named as it is, not rounded.
			name:    "huge whole numbers named exactly",
			profile: recommend.Profile{Age: math.MaxInt, DaysSinceOnset: math.MinInt},
			want: []recommend.FieldProblem{
				{Field: "days_since_onset", Value: strconv.Itoa(math.MinInt), Message: "out of range, want 0 to 36500"},
				{Field: "age", Value: strconv.Itoa(math.MaxInt), Message: "out of range, want 0 to 130"},
			},
		},
		{
			name:    "too long an entry, quoted short",
			profile: recommend.Profile{Conditions: []string{strings.Repeat("é", 40)}},
			want: []recommend.FieldProblem{{Field: "conditions[0]", Value: `"` + strings.Repeat("é", 32) + `"...`,
				Message: "too long (80 bytes), the most is 64"}},
		},
		{
			name:    "infinite numbers",
			profile: recommend.Profile{SittingHours: math.Inf(-1)},
			want:    []recommend.FieldProblem{{Field: "sitting_hours", Value: "-Inf", Message: "not a finite number"}},
		},
		{
			name:    "NaN sitting hours",
			profile: recommend.Profile{SittingHours: math.NaN()},
			want:    []recommend.FieldProblem{{Field: "sitting_hours", Value: "NaN", Message: "not a finite number"}},
		},
		{
			name:    "too long a list",
			profile: recommend.Profile{RedFlags: make([]string, recommend.MaxListLen+1)},
			want:    []recommend.FieldProblem{{Field: "red_flags", Value: "(65 entries)", Message: "too many entries, the most is 64"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := eng.Validate(tt.profile)
			var got []recommend.FieldProblem
			if err != nil {
				var pe *recommend.ProfileError
				if !errors.As(err, &pe) || !errors.Is(err, recommend.ErrInvalidProfile) {
					t.Fatalf("Validate error is %T, want *recommend.ProfileError", err)
				}
				got = pe.Problems
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
