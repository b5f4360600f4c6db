package recommend_test

import (
	"errors"
	"math"
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

func TestDecodeProfile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    recommend.Profile
		wantErr string
	}{
		{name: "json", in: `{"conditions":["disc_herniation"],"pain_level":4,"sitting_hours":7.5}`,
			want: recommend.Profile{Conditions: []string{"disc_herniation"}, PainLevel: 4, SittingHours: 7.5}},
		{name: "yaml", in: "conditions: [acute_strain]\ndays_since_onset: 2\n",
			want: recommend.Profile{Conditions: []string{"acute_strain"}, DaysSinceOnset: 2}},
		{name: "json unknown field", in: `{"conditons":[]}`, wantErr: `decode profile as JSON: json: unknown field "conditons"`},
		{name: "yaml unknown field", in: "conditons: []\n", wantErr: "decode profile as YAML: yaml: unmarshal errors: line 1: field conditons not found in type recommend.Profile"},
		{name: "json wrong type", in: `{"pain_level":"high"}`, wantErr: "decode profile as JSON: json: cannot unmarshal string into Go struct field Profile.pain_level of type int"},
		{name: "json trailing data", in: `{} {}`, wantErr: "decode profile as JSON: unexpected data after the profile"},
		{name: "yaml two documents", in: "age: 3\n---\nage: 4\n", wantErr: "decode profile as YAML: unexpected data after the profile (more than one document)"},
		{name: "empty", in: " \n", wantErr: "decode profile: input is empty"},
		{name: "json key in other case", in: `{"Pain_Level":3}`, wantErr: `decode profile as JSON: unknown field "Pain_Level" (field names are lowercase: did you mean "pain_level"?)`},
		{name: "json key twice", in: `{"age":30,"age":40}`, wantErr: `decode profile as JSON: field "age" is given twice`},
		{name: "yaml fraction in an int field", in: "pain_level: 7.9\n", wantErr: "decode profile as YAML: line 1: pain_level must be a whole number, found 7.9"},
		{name: "yaml fraction in sitting hours", in: "sitting_hours: 7.5\n", want: recommend.Profile{SittingHours: 7.5}},
		{name: "too large", in: "{" + strings.Repeat(" ", recommend.MaxProfileBytes) + "}", wantErr: "decode profile: input is larger than 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recommend.DecodeProfile(strings.NewReader(tt.in))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Fatalf("DecodeProfile error = %q, want %q", gotErr, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeProfile mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
