package recommend_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// A number or a choice given twice is refused, and the value Triage
// counts is the one whose referrals are the most pressing, whichever
// came first, in JSON and in YAML, with the duplicate reported and the
// value counted named.
func TestRepeatedFieldCountsTheMostPressing(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in string
		// urgency is the first referral's urgency after Triage.
		urgency recommend.Urgency
		// problems are the decoder's problems of the fields given twice.
		problems []string
	}{
		{
			name:     "json, the higher pain second",
			in:       `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 2, "pain_level": 9}`,
			urgency:  recommend.UrgencyEmergency,
			problems: []string{"line 1 col 65: pain_level: given twice (2, 9): 9 counted, the value with the most pressing referrals, to be safe"},
		},
		{
			name:     "json, the higher pain first",
			in:       `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9, "pain_level": 2}`,
			urgency:  recommend.UrgencyEmergency,
			problems: []string{"line 1 col 65: pain_level: given twice (9, 2): 9 counted, the value with the most pressing referrals, to be safe"},
		},
		{
			name:     "yaml, the higher pain second",
			in:       "red_flags: [abdominal_pain_or_pulsation]\npain_level: 2\npain_level: 9\n",
			urgency:  recommend.UrgencyEmergency,
			problems: []string{"line 3 col 1: pain_level: given twice (2, 9): 9 counted, the value with the most pressing referrals, to be safe"},
		},
		{
			name:    "yaml, three times, after a syntax error",
			in:      "red_flags: [abdominal_pain_or_pulsation]\npain_level: 2\npain_level: 11\npain_level: 3\nage: [\n",
			urgency: recommend.UrgencyEmergency,
			problems: []string{
				"line 3 col 1: pain_level: given twice (2, 10, 3): 10 counted, the value with the most pressing referrals, to be safe",
				"line 4 col 1: pain_level: given twice (2, 10, 3): 10 counted, the value with the most pressing referrals, to be safe",
			},
		},
		{
			// Not the higher number: an age under 16 is referred.
			name:     "an age, the child's second",
			in:       `{"age": 40, "age": 12}`,
			urgency:  recommend.UrgencyRoutine,
			problems: []string{"line 1 col 13: age: given twice (40, 12): 12 counted, the value with the most pressing referrals, to be safe"},
		},
		{
			name:     "a choice: long-standing and stable, then new",
			in:       `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 8, "episode": "long_standing_stable", "episode": "new"}`,
			urgency:  recommend.UrgencyEmergency,
			problems: []string{`line 1 col 100: episode: given twice ("long_standing_stable", "new"): "new" counted, the value with the most pressing referrals, to be safe`},
		},
		{
			// A value that cannot be read is said so, not listed as 0.
			name:    "a pain of 9, then null",
			in:      `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 9, "pain_level": null}`,
			urgency: recommend.UrgencyEmergency,
			problems: []string{"line 1 col 65: pain_level: given twice (9, a value that could not be read): " +
				"9 counted, the value with the most pressing referrals, to be safe"},
		},
		{
			// Read as not given, as Triage reads it, it refers as the pain
			// of 2 does, and came first: it is counted, and said so.
			name:    "null, then a pain of 2",
			in:      `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": null, "pain_level": 2}`,
			urgency: recommend.UrgencyUrgent,
			problems: []string{"line 1 col 68: pain_level: given twice (a value that could not be read, 2): " +
				"the value that could not be read counted, as not given, the value with the most pressing referrals, to be safe"},
		},
		{
			name:    "an age, then text",
			in:      `{"age": 40, "age": "abc"}`,
			urgency: "",
			problems: []string{"line 1 col 13: age: given twice (40, a value that could not be read): " +
				"40 counted, the value with the most pressing referrals, to be safe"},
		},
		{
			name:    "a pain twice, neither a number",
			in:      `{"pain_level": "abc", "pain_level": "x"}`,
			urgency: "",
			problems: []string{"line 1 col 23: pain_level: given twice (a value that could not be read): " +
				"the value that could not be read counted, as not given, the value with the most pressing referrals, to be safe"},
		},
		{
			name:    "a choice, then null",
			in:      `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": 8, "sex": "male", "sex": null}`,
			urgency: recommend.UrgencyEmergency,
			problems: []string{`line 1 col 80: sex: given twice ("male", a value that could not be read): ` +
				`"male" counted, the value with the most pressing referrals, to be safe`},
		},
		{
			name:     "the referrals alike: the first is counted",
			in:       `{"red_flags": ["saddle_numbness"], "sitting_hours": 9, "sitting_hours": 2}`,
			urgency:  recommend.UrgencyEmergency,
			problems: []string{"line 1 col 56: sitting_hours: given twice (9, 2): 9 counted, the value with the most pressing referrals, to be safe"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs, urgency := decodeRefused(t, eng, tt.in)
			var got []string
			for _, fp := range probs {
				if strings.HasPrefix(fp.Message, "given twice") {
					got = append(got, fp.String())
				}
			}
			if diff := cmp.Diff(tt.problems, got); diff != "" {
				t.Errorf("problems of the fields given twice (-want +got):\n%s", diff)
			}
			if urgency != tt.urgency {
				t.Errorf("first referral's urgency = %q, want %q", urgency, tt.urgency)
			}
		})
	}
}

func TestCountRepeated(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	belly := recommend.Profile{RedFlags: []string{"abdominal_pain_or_pulsation"}}
	many := make([]string, 40) // more values than are compared one by one
	for i := range many {
		many[i] = strconv.Itoa(i % 5)
	}
	many[33] = "9"
	severe := recommend.Profile{PainLevel: 8}
	ages, onsets := make([]string, 16), make([]string, 16)
	for i := range ages {
		ages[i], onsets[i] = strconv.Itoa(20+i), strconv.Itoa(100+i)
	}
	ages[15], onsets[15] = "80", "10"
	tests := []struct {
		name     string
		p        recommend.Profile
		repeated []recommend.Repeated
		want     []string
		pain     int
	}{
		{"the higher pain", belly, []recommend.Repeated{{Field: "pain_level", Values: []string{"2", "9"}}}, []string{"9"}, 9},
		{"text that is not a number is left out", belly, []recommend.Repeated{{Field: "pain_level", Values: []string{"high", " 8 "}}}, []string{"8"}, 8},
		{"out of range, read as Triage reads it", belly, []recommend.Repeated{{Field: "pain_level", Values: []string{"3", "1e400"}}}, []string{"10"}, 10},
		{"no value can be read", belly, []recommend.Repeated{{Field: "pain_level", Values: []string{"high", "low"}}}, []string{""}, 0},
		{"not a field", belly, []recommend.Repeated{{Field: "pain", Values: []string{"9"}}}, []string{""}, 0},
		{"past the values compared one by one, the largest", belly, []recommend.Repeated{{Field: "pain_level", Values: many}}, []string{"9"}, 9},
		// Age 75 or over with pain of 7 or more in the first 6 weeks is
		// an urgent review: only the pair (80, 10 days) calls for it,
		// which one field at a time, the other at its first value, would
		// miss; 16 × 16 is the most combinations compared whole.
		{"a pair of values that refer only together, among 256 combinations", severe, []recommend.Repeated{
			{Field: "age", Values: ages}, {Field: "days_since_onset", Values: onsets}},
			[]string{"80", "10"}, 8},
		// Belly pain from 65 is an aneurysm emergency unless female
		// (NICE NG156): of the sexes given, the one that refers sooner.
		{"a choice: the sex whose referral is the more pressing", recommend.Profile{RedFlags: []string{"abdominal_pain_or_pulsation"}, Age: 67, PainLevel: 3},
			[]recommend.Repeated{{Field: "sex", Values: []string{"female", "male"}}}, []string{"male"}, 3},
		// Past the first 14 values, the smallest and largest of the rest
		// are compared too: here the rest is one value, the age that refers.
		{"one value past the first 14", recommend.Profile{PainLevel: 8, DaysSinceOnset: 10}, []recommend.Repeated{
			{Field: "age", Values: append(ages[:14:14], "80")}},
			[]string{"80"}, 8},
		{"the pair at the first value of the first field", severe, []recommend.Repeated{
			{Field: "age", Values: []string{"80", "20"}}, {Field: "days_since_onset", Values: []string{"100", "10"}}},
			[]string{"80", "10"}, 8},
		// An age of 200 reads as unknown, as Triage reads it, not as
		// over 75: the persistent pain's review at 100 days is then the
		// more pressing.
		{"the rest of the profile weighed as Triage reads it", recommend.Profile{PainLevel: 8, Age: 200}, []recommend.Repeated{
			{Field: "days_since_onset", Values: []string{"100", "10"}}},
			[]string{"100"}, 8},
		// 16 ages × 16 onsets × 2 pains are 512 combinations: each field
		// in turn, the others at the values chosen so far.
		{"past the combinations, one field at a time", recommend.Profile{}, []recommend.Repeated{
			{Field: "age", Values: ages}, {Field: "days_since_onset", Values: append(onsets[:15:15], "116")},
			{Field: "pain_level", Values: []string{"2", "9"}}},
			[]string{"20", "100", "9"}, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, counted := eng.CountRepeated(tt.p, tt.repeated)
			if diff := cmp.Diff(tt.want, counted); diff != "" {
				t.Errorf("counted (-want +got):\n%s", diff)
			}
			if p.PainLevel != tt.pain {
				t.Errorf("pain_level = %d, want %d", p.PainLevel, tt.pain)
			}
		})
	}
	var nilEngine *recommend.Engine
	p, counted := nilEngine.CountRepeated(belly, []recommend.Repeated{{Field: "pain_level", Values: []string{"2", "9"}}})
	if diff := cmp.Diff(fmt.Sprint(belly, []string{""}), fmt.Sprint(p, counted)); diff != "" {
		t.Errorf("nil engine (-want +got):\n%s", diff)
	}
}

// A check-in's pain that cannot be accepted (out of range, not whole,
// written as a string, given twice) is read as Triage reads the same
// pain_level, the problem reported: beside belly pain, a check-in's pain
// of 11 is severe pain, not none.
func TestCheckInPainFailsTowardAClinician(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	const flag = `"red_flags": ["abdominal_pain_or_pulsation"], `
	tests := []struct{ name, in, problem string }{
		{"out of range", `{` + flag + `"check_ins": [{"day": 1, "pain_level": 11}]}`, "check_ins[0].pain_level 11: out of range, want 0 to 10"},
		{"not whole", `{` + flag + `"check_ins": [{"day": 1, "pain_level": 9.4}]}`, "check_ins[0].pain_level 9.4: must be a whole number"},
		{"a string", `{` + flag + `"check_ins": [{"day": 1, "pain_level": "9"}]}`, `check_ins[0].pain_level "9": want a number, found a string`},
		{"given twice, the higher second", `{` + flag + `"check_ins": [{"day": 1, "pain_level": 2, "pain_level": 9}]}`, "check_ins[0].pain_level: given twice: the higher pain is read, to be safe"},
		{"given twice, the higher first", `{` + flag + `"check_ins": [{"day": 1, "pain_level": 9, "pain_level": 2}]}`, "check_ins[0].pain_level: given twice: the higher pain is read, to be safe"},
		{"yaml, out of range", "red_flags: [abdominal_pain_or_pulsation]\ncheck_ins:\n- {day: 1, pain_level: 12}\n", "check_ins[0].pain_level 12: out of range, want 0 to 10"},
		{"the list given twice, the higher latest pain second", `{` + flag + `"check_ins": [{"day": 1, "pain_level": 2}], "check_ins": [{"day": 1, "pain_level": 9}]}`,
			"check_ins: given twice: the check-ins of each are read, the list whose latest pain is higher last, to be safe"},
		{"the list given twice, the higher latest pain first", `{` + flag + `"check_ins": [{"day": 1, "pain_level": 9}], "check_ins": [{"day": 1, "pain_level": 2}]}`,
			"check_ins: given twice: the check-ins of each are read, the list whose latest pain is higher last, to be safe"},
		{"yaml, the list given twice", "red_flags: [abdominal_pain_or_pulsation]\ncheck_ins: [{day: 1, pain_level: 2}]\ncheck_ins: [{day: 3, pain_level: 9}]\n",
			"check_ins: given twice: the check-ins of each are read, the list whose latest pain is higher last, to be safe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs, urgency := decodeRefused(t, eng, tt.in)
			if urgency != recommend.UrgencyEmergency {
				t.Errorf("first referral %q, want %q", urgency, recommend.UrgencyEmergency)
			}
			var got []string
			for _, fp := range probs {
				got = append(got, fp.String())
			}
			if !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, tt.problem) }) {
				t.Errorf("problems %q, want one ending %q", got, tt.problem)
			}
		})
	}
}
