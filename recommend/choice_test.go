package recommend_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// choiceEngine loads the minimal rule set with values for the choice
// fields and rules that read them and pregnancy_week.
func choiceEngine(t *testing.T) *recommend.Engine {
	t.Helper()
	fsys := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "base/", fsys)
	fsys["choice.yaml"] = &fstest.MapFile{Data: []byte(`vocabulary:
  sex:
    - {id: female, label: Female}
    - {id: male, label: Male}
  episode:
    - {id: new, label: A new episode}
    - {id: flare, label: A flare-up}
    - {id: long_standing_stable, label: Long-standing and unchanged}
rules:
  - id: female-late-pregnancy
    when: profile.sex == 'female' && profile.pregnancy_week >= 20
    avoid: [knee_to_chest]
    because: Late pregnancy.
    cite: [{source: src-a, locator: Section 1, claim: Something.}]
  - id: stable-episode
    when: profile.episode in ['long_standing_stable', 'flare'] && profile.sex != 'male'
    recommend: [towel_stretch]
    because: Stable.
    cite: [{source: src-a, locator: Section 1, claim: Something.}]
`)}
	return mustLoad(t, fsys)
}

// TestChoiceFieldsValidate checks the choice fields and pregnancy_week
// against the vocabulary and their ranges.
func TestChoiceFieldsValidate(t *testing.T) {
	eng := choiceEngine(t)
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []recommend.FieldProblem
	}{
		{name: "not stated", profile: recommend.Profile{}},
		{name: "declared values", profile: recommend.Profile{Sex: "female", Episode: "flare", PregnancyWeek: 42}},
		{
			name:    "unknown values",
			profile: recommend.Profile{Sex: "femal", Episode: "chronic"},
			want: []recommend.FieldProblem{
				{Field: "sex", Value: `"femal"`, Message: `unknown sex (did you mean "female"?)`},
				{Field: "episode", Value: `"chronic"`, Message: "unknown kind of episode (the values are new, flare, long_standing_stable)"},
			},
		},
		{
			name:    "too long",
			profile: recommend.Profile{Sex: strings.Repeat("x", 65)},
			want: []recommend.FieldProblem{{Field: "sex", Value: `"` + strings.Repeat("x", 64) + `"...`,
				Message: "too long (65 bytes), the most is 64"}},
		},
		{
			name:    "pregnancy week out of range",
			profile: recommend.Profile{PregnancyWeek: 43},
			want:    []recommend.FieldProblem{{Field: "pregnancy_week", Value: "43", Message: "out of range, want 0 to 42"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []recommend.FieldProblem
			var perr *recommend.ProfileError
			if err := eng.Validate(tt.profile); errors.As(err, &perr) {
				got = perr.Problems
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChoiceFieldWithoutVocabulary checks that a rule set that declares
// no values for a choice field refuses a profile that states one.
func TestChoiceFieldWithoutVocabulary(t *testing.T) {
	fsys := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "", fsys)
	eng := mustLoad(t, fsys)
	var perr *recommend.ProfileError
	if err := eng.Validate(recommend.Profile{Sex: "female"}); !errors.As(err, &perr) {
		t.Fatalf("Validate = %v, want a *ProfileError", err)
	}
	want := []recommend.FieldProblem{{Field: "sex", Value: `"female"`,
		Message: "this rule set declares no values for sex in its vocabulary: leave the field out"}}
	if diff := cmp.Diff(want, perr.Problems); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestChoiceFieldsDecode checks that DecodeProfile reads the choice fields
// as strings, from JSON and YAML, with positions for the problems.
func TestChoiceFieldsDecode(t *testing.T) {
	eng := choiceEngine(t)
	tests := []struct {
		name, in string
		want     recommend.Profile
		problems []recommend.FieldProblem
	}{
		{name: "json", in: `{"sex": "female", "episode": "new", "pregnancy_week": 24}`,
			want: recommend.Profile{Sex: "female", Episode: "new", PregnancyWeek: 24}},
		{name: "yaml", in: "sex: male\nepisode: long_standing_stable\n",
			want: recommend.Profile{Sex: "male", Episode: "long_standing_stable"}},
		{name: "empty string is not stated", in: `{"sex": ""}`},
		{name: "not a string", in: `{"sex": 1, "episode": ["new"]}`, problems: []recommend.FieldProblem{
			{Field: "sex", Value: "1", Message: "want a string, found a number", Line: 1, Column: 9},
			{Field: "episode", Message: "want a string, found a list", Line: 1, Column: 23},
		}},
		{name: "null", in: "sex: null\n", problems: []recommend.FieldProblem{
			{Field: "sex", Message: "null is not a value: give one, or leave the field out", Line: 1, Column: 6},
		}},
		// The profile holds what was read, for Triage, which leaves out
		// a choice the vocabulary lacks.
		{name: "unknown value placed", in: "{\n  \"episode\": \"flair\"\n}", want: recommend.Profile{Episode: "flair"}, problems: []recommend.FieldProblem{
			{Field: "episode", Value: `"flair"`, Message: `unknown kind of episode (did you mean "flare"?)`, Line: 2, Column: 14},
		}},
		{name: "half week", in: `{"pregnancy_week": 20.5}`, want: recommend.Profile{PregnancyWeek: 21}, problems: []recommend.FieldProblem{
			{Field: "pregnancy_week", Value: "20.5", Message: "must be a whole number", Line: 1, Column: 20},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := eng.DecodeProfile(strings.NewReader(tt.in))
			var probs []recommend.FieldProblem
			var perr *recommend.ProfileError
			if errors.As(err, &perr) {
				probs = perr.Problems
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.problems, probs); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChoiceFieldsInConditions checks that conditions read the choice
// fields and pregnancy_week as CEL and as direct checks alike.
func TestChoiceFieldsInConditions(t *testing.T) {
	eng := choiceEngine(t)
	tests := []struct {
		name            string
		profile         recommend.Profile
		avoided, recomm bool
	}{
		{name: "nothing stated", profile: recommend.Profile{}},
		{name: "female before week 20", profile: recommend.Profile{Sex: "female", PregnancyWeek: 19}},
		{name: "female at week 20", profile: recommend.Profile{Sex: "female", PregnancyWeek: 20}, avoided: true},
		{name: "male at week 20", profile: recommend.Profile{Sex: "male", PregnancyWeek: 20}},
		{name: "stable, sex not stated", profile: recommend.Profile{Episode: "long_standing_stable"}, recomm: true},
		{name: "flare, female", profile: recommend.Profile{Episode: "flare", Sex: "female"}, recomm: true},
		{name: "flare, male", profile: recommend.Profile{Episode: "flare", Sex: "male"}},
		{name: "new episode", profile: recommend.Profile{Episode: "new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), tt.profile)
			if err != nil {
				t.Fatal(err)
			}
			avoided := slices.ContainsFunc(res.Avoided, func(it recommend.Item) bool { return it.Movement == "knee_to_chest" })
			recomm := slices.ContainsFunc(res.NeedsEquipment, func(n recommend.EquipmentNeed) bool { return n.Movement == "towel_stretch" })
			if avoided != tt.avoided || recomm != tt.recomm {
				t.Errorf("knee_to_chest avoided = %v, towel_stretch offered = %v; want %v, %v", avoided, recomm, tt.avoided, tt.recomm)
			}
		})
	}
}

// TestAnalyzeExploresChoiceFields checks that Analyze reaches a rule that
// only a choice value and a pregnancy week make match: it is not dead.
func TestAnalyzeExploresChoiceFields(t *testing.T) {
	eng := choiceEngine(t)
	a, err := eng.Analyze(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range a.DeadRules {
		if d.Rule == "stable-episode" {
			t.Errorf("rule %s reported dead: Analyze does not explore the episode values", d.Rule)
		}
	}
	if got := a.Summary.Boundaries["pregnancy_week"]; !slices.Equal(got, []float64{19, 20}) {
		t.Errorf("pregnancy_week boundaries = %v, want [19 20]", got)
	}
}

// TestChoiceFieldsExplained checks that an explanation words a clause on
// a choice field with the vocabulary's labels.
func TestChoiceFieldsExplained(t *testing.T) {
	eng := choiceEngine(t)
	tests := []struct {
		name    string
		profile recommend.Profile
		want    []string
	}{
		{"matched", recommend.Profile{Episode: "flare"},
			[]string{"your kind of episode is a flare-up", "your sex is not stated, which is anything but male"}},
		{"not matched by episode", recommend.Profile{Episode: "new"},
			[]string{"your kind of episode is a new episode, the rule needs long-standing and unchanged or a flare-up"}},
		{"not matched by sex", recommend.Profile{Episode: "flare", Sex: "male"},
			[]string{"your sex is male, the rule needs anything but male"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := eng.Explain(context.Background(), tt.profile, "towel_stretch")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range x.Rules {
				if r.Rule() == "stable-episode" {
					for _, c := range r.Clauses() {
						got = append(got, c.Says)
					}
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("clauses (-want +got):\n%s", diff)
			}
		})
	}
}
