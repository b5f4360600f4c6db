package recommend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestDecodeProfile checks what DecodeProfile accepts and the exact message,
// with its position, of what it refuses. Each refused input is a finding of
// a review, or the JSON or YAML twin of one.
func TestDecodeProfile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    recommend.Profile
		wantErr string
		// wantPos is the line and column of the first problem; 0, 0 when
		// it has none.
		wantPos [2]int
	}{
		// Accepted.
		{name: "json", in: `{"conditions":["disc_herniation"],"pain_level":4,"sitting_hours":7.5}`,
			want: recommend.Profile{Conditions: []string{"disc_herniation"}, PainLevel: 4, SittingHours: 7.5}},
		{name: "yaml", in: "conditions: [acute_strain]\ndays_since_onset: 2\n",
			want: recommend.Profile{Conditions: []string{"acute_strain"}, DaysSinceOnset: 2}},
		{name: "yaml fraction in sitting hours", in: "sitting_hours: 7.5\n", want: recommend.Profile{SittingHours: 7.5}},
		{name: "json with a byte order mark", in: "\uFEFF{\"conditions\": [\"sciatica\"]}", want: recommend.Profile{Conditions: []string{"sciatica"}}},
		{name: "yaml with a byte order mark", in: "\uFEFFconditions: [sciatica]\n", want: recommend.Profile{Conditions: []string{"sciatica"}}},
		{name: "yaml whole float in an int field", in: "pain_level: 7.0\n", want: recommend.Profile{PainLevel: 7}},
		{name: "json whole float in an int field", in: `{"pain_level": 7.0}`, want: recommend.Profile{PainLevel: 7}},
		{name: "json exponents that make whole numbers", in: `{"pain_level": 7e0, "age": 1.25e2}`, want: recommend.Profile{PainLevel: 7, Age: 125}},
		{name: "empty lists are left out", in: `{"conditions": [], "red_flags": []}`, want: recommend.Profile{}},
		{name: "empty mapping", in: "{}", want: recommend.Profile{}},
		{name: "yaml explicit core tags", in: "conditions: !!seq [!!str sciatica]\npain_level: !!int 3\n",
			want: recommend.Profile{Conditions: []string{"sciatica"}, PainLevel: 3}},
		{name: "yaml date-like entry is a string", in: "conditions: [2024-01-02]\n", want: recommend.Profile{Conditions: []string{"2024-01-02"}}},

		// Finding 1: merge keys, anchors and aliases.
		{name: "merge key with a fraction in pain level", in: "<<: {pain_level: 7.9}\n", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: merge key <<: a profile cannot use YAML merge keys: write each key out"},
		{name: "merge key with a fraction in age", in: "<<: {age: 40.5}\n", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: merge key <<: a profile cannot use YAML merge keys: write each key out"},
		{name: "anchor merged by alias", in: "base: &b {age: 40.5}\n<<: *b\n", wantPos: [2]int{1, 7},
			wantErr: "invalid profile: line 1 col 7: base: anchor &b: a profile cannot use YAML anchors and aliases: write each value out"},
		{name: "alias to no anchor", in: "conditions: *x\n", wantPos: [2]int{1, 14},
			wantErr: "invalid profile: line 1 col 14: invalid YAML: unknown anchor 'x' referenced (a profile cannot use YAML anchors and aliases: write each value out)"},

		// Finding 2: nulls, empty documents, !!binary.
		{name: "yaml null entry after a value", in: "conditions: [disc_herniation, ~]\n", wantPos: [2]int{1, 31},
			wantErr: "invalid profile: line 1 col 31: conditions[1]: null is not a value: give one, or leave the entry out"},
		{name: "yaml list of one null", in: "conditions: [~]\n", wantPos: [2]int{1, 14},
			wantErr: "invalid profile: line 1 col 14: conditions[0]: null is not a value: give one, or leave the entry out"},
		{name: "yaml empty block entry", in: "conditions:\n  - disc_herniation\n  - \n", wantPos: [2]int{3, 4},
			wantErr: "invalid profile: line 3 col 4: conditions[1]: null is not a value: give one, or leave the entry out"},
		{name: "yaml null word entry", in: "conditions: [null]\n", wantPos: [2]int{1, 14},
			wantErr: "invalid profile: line 1 col 14: conditions[0]: null is not a value: give one, or leave the entry out"},
		{name: "yaml null field", in: "age: ~\n", wantPos: [2]int{1, 6},
			wantErr: "invalid profile: line 1 col 6: age: null is not a value: give one, or leave the field out"},
		{name: "yaml empty field", in: "age:\n", wantPos: [2]int{1, 5},
			wantErr: "invalid profile: line 1 col 5: age: null is not a value: give one, or leave the field out"},
		{name: "json null entry", in: `{"conditions":[null]}`, wantPos: [2]int{1, 16},
			wantErr: "invalid profile: line 1 col 16: conditions[0]: null is not a value: give one, or leave the entry out"},
		{name: "json null field", in: `{"age":null}`, wantPos: [2]int{1, 8},
			wantErr: "invalid profile: line 1 col 8: age: null is not a value: give one, or leave the field out"},
		{name: "whole document null", in: "null", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: the profile is null: write {} for an empty profile"},
		{name: "whole document tilde", in: "~", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: the profile is null: write {} for an empty profile"},
		{name: "document start marker only", in: "---", wantPos: [2]int{1, 4},
			wantErr: "invalid profile: line 1 col 4: the profile is null: write {} for an empty profile"},
		{name: "document start marker and line break", in: "---\n", wantPos: [2]int{2, 1},
			wantErr: "invalid profile: line 2 col 1: the profile is null: write {} for an empty profile"},
		{name: "document tagged null", in: "--- !!null\n", wantPos: [2]int{1, 5},
			wantErr: "invalid profile: line 1 col 5: the profile is null: write {} for an empty profile"},
		{name: "empty input", in: "",
			wantErr: "invalid profile: input holds no profile: write {} for an empty profile"},
		{name: "blank input", in: " \n\t\n",
			wantErr: "invalid profile: input holds no profile: write {} for an empty profile"},
		{name: "comments only", in: "# nothing here\n",
			wantErr: "invalid profile: input holds no profile: write {} for an empty profile"},
		{name: "binary entry", in: "conditions: [!!binary ZGlzY19oZXJuaWF0aW9u]\n", wantPos: [2]int{1, 14},
			wantErr: "invalid profile: line 1 col 14: conditions[0]: tag !!binary: a profile cannot use this YAML tag: remove it"},
		{name: "binary field", in: "equipment: !!binary dG93ZWw=\n", wantPos: [2]int{1, 12},
			wantErr: "invalid profile: line 1 col 12: equipment: tag !!binary: a profile cannot use this YAML tag: remove it"},
		{name: "custom tag", in: "conditions: [!custom disc_herniation]\n", wantPos: [2]int{1, 14},
			wantErr: "invalid profile: line 1 col 14: conditions[0]: tag !custom: a profile cannot use this YAML tag: remove it"},

		// Finding 4: messages.
		{name: "age below int64", in: "age: -9223372036854775809\n", wantPos: [2]int{1, 6},
			wantErr: "invalid profile: line 1 col 6: age -9223372036854775809: out of range, want 0 to 130"},
		{name: "days since onset echoed as written", in: "days_since_onset: 9223372036854775807\n", wantPos: [2]int{1, 19},
			wantErr: "invalid profile: line 1 col 19: days_since_onset 9223372036854775807: out of range, want 0 to 36500"},
		{name: "json with a byte order mark and a problem", in: "\uFEFF{\"age\": 300}", wantPos: [2]int{1, 9},
			wantErr: "invalid profile: line 1 col 9: age 300: out of range, want 0 to 130"},
		{name: "yaml with a byte order mark and a problem", in: "\uFEFFconditions: [sciatica]\nage: 300\n", wantPos: [2]int{2, 6},
			wantErr: "invalid profile: line 2 col 6: age 300: out of range, want 0 to 130"},
		{name: "yaml nested 20000 deep", in: "conditions: " + strings.Repeat("[", 20000), wantPos: [2]int{1, 29},
			wantErr: "invalid profile: line 1 col 29: lists or mappings may nest far deeper than a profile can need: more than 16 lists or mappings in '[' and '{' are open at once"},
		{name: "yaml block indicators 20000 deep", in: "conditions:\n" + strings.Repeat("- ", 20000) + "a\n", wantPos: [2]int{2, 9},
			wantErr: "invalid profile: line 2 col 9: lists or mappings may nest far deeper than a profile can need: a line starts with more than 4 block indicators (- or ?)"},
		{name: "yaml indentation 17 deep", in: func() string {
			var b strings.Builder
			for i := range 17 {
				b.WriteString(strings.Repeat(" ", i) + "a:\n")
			}
			return b.String()
		}(), wantPos: [2]int{17, 17},
			wantErr: "invalid profile: line 17 col 17: lists or mappings may nest far deeper than a profile can need: more than 16 levels of indentation are open"},
		{name: "yaml nested mappings in a comment", in: "# " + strings.Repeat("{", 65) + "\nage: 30\n", wantPos: [2]int{1, 19},
			wantErr: "invalid profile: line 1 col 19: lists or mappings may nest far deeper than a profile can need: more than 16 lists or mappings in '[' and '{' are open at once"},
		{name: "json nested 20000 deep", in: `{"conditions":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "}", wantPos: [2]int{1, 16},
			wantErr: "invalid profile: line 1 col 16: conditions[0]: want a string, found a list"},
		// encoding/json allows 10000 levels: the 10000th bracket is the
		// 10001st level.
		{name: "json nested 20000 deep, unclosed", in: `{"conditions":` + strings.Repeat("[", 20000), wantPos: [2]int{1, 16},
			wantErr: "invalid profile: line 1 col 16: conditions[0]: want a string, found a list; line 1 col 10014: invalid JSON: lists or mappings nest too deeply (exceeded max depth of 10000)"},
		{name: "yaml fraction in an int field", in: "pain_level: 7.5\n", wantPos: [2]int{1, 13},
			wantErr: "invalid profile: line 1 col 13: pain_level 7.5: must be a whole number"},
		{name: "json fraction in an int field", in: `{"pain_level": 7.5}`, wantPos: [2]int{1, 16},
			wantErr: "invalid profile: line 1 col 16: pain_level 7.5: must be a whole number"},
		{name: "yaml infinity", in: "sitting_hours: -.inf\n", wantPos: [2]int{1, 16},
			wantErr: "invalid profile: line 1 col 16: sitting_hours -.inf: not a finite number"},
		{name: "yaml not a number", in: "sitting_hours: .nan\n", wantPos: [2]int{1, 16},
			wantErr: "invalid profile: line 1 col 16: sitting_hours .nan: not a finite number"},
		{name: "json number too large for a double", in: `{"sitting_hours": 1e400}`, wantPos: [2]int{1, 19},
			wantErr: "invalid profile: line 1 col 19: sitting_hours 1e400: out of range, want 0 to 24"},
		{name: "yaml hexadecimal", in: "pain_level: 0x7\n", wantPos: [2]int{1, 13},
			wantErr: "invalid profile: line 1 col 13: pain_level 0x7: unsupported number format: write numbers like 7, 7.5 or -2"},
		{name: "yaml digit separators", in: "age: 1_000\n", wantPos: [2]int{1, 6},
			wantErr: "invalid profile: line 1 col 6: age 1_000: unsupported number format: write numbers like 7, 7.5 or -2"},
		{name: "yaml string tag on a number", in: "pain_level: !!str 7\n", wantPos: [2]int{1, 13},
			wantErr: "invalid profile: line 1 col 13: pain_level \"7\": want a number, found a string"},

		// Keys, types and documents.
		{name: "json unknown field", in: `{"conditons":[]}`, wantPos: [2]int{1, 2},
			wantErr: `invalid profile: line 1 col 2: "conditons": unknown field (did you mean "conditions"?)`},
		{name: "yaml unknown field", in: "conditons: []\n", wantPos: [2]int{1, 1},
			wantErr: `invalid profile: line 1 col 1: "conditons": unknown field (did you mean "conditions"?)`},
		{name: "json key in other case", in: `{"Pain_Level":3}`, wantPos: [2]int{1, 2},
			wantErr: `invalid profile: line 1 col 2: "Pain_Level": unknown field (field names are lowercase: did you mean "pain_level"?)`},
		{name: "json key twice", in: `{"age":30,"age":40}`, wantPos: [2]int{1, 11},
			wantErr: "invalid profile: line 1 col 11: age: given twice"},
		{name: "yaml key twice", in: "age: 30\nage: 40\n", wantPos: [2]int{2, 1},
			wantErr: "invalid profile: line 2 col 1: age: given twice"},
		{name: "yaml key that is not a string", in: "7: x\n", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: 7: a key must be a string, found a number"},
		{name: "json wrong type", in: `{"pain_level":"high"}`, wantPos: [2]int{1, 15},
			wantErr: `invalid profile: line 1 col 15: pain_level "high": want a number, found a string`},
		{name: "yaml list field given a string", in: "conditions: sciatica\n", wantPos: [2]int{1, 13},
			wantErr: `invalid profile: line 1 col 13: conditions "sciatica": want a list of strings, found a string`},
		{name: "yaml list of a list", in: "conditions:\n- a\n- - b\n", wantPos: [2]int{3, 3},
			wantErr: "invalid profile: line 3 col 3: conditions[1]: want a string, found a list"},
		{name: "yaml profile that is a list", in: "- age\n", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: a profile is a mapping of fields, found a list"},
		{name: "several problems, in order", in: "pain_level: 7.9\nage: 40.5\nconditions: [1, true]\n", wantPos: [2]int{1, 13},
			wantErr: "invalid profile: line 1 col 13: pain_level 7.9: must be a whole number; line 2 col 6: age 40.5: must be a whole number; " +
				"line 3 col 14: conditions[0] 1: want a string, found a number; line 3 col 17: conditions[1] true: want a string, found a boolean"},
		{name: "json trailing data", in: "{} {}", wantPos: [2]int{1, 4},
			wantErr: "invalid profile: line 1 col 4: unexpected data after the profile"},
		{name: "json syntax error on a later line", in: "{\r\n  \"age\": 3,\r\n}", wantPos: [2]int{3, 1},
			wantErr: "invalid profile: line 3 col 1: invalid JSON: invalid character '}' looking for beginning of object key string"},
		{name: "json cut short", in: `{"age": 3`, wantPos: [2]int{1, 10},
			wantErr: "invalid profile: line 1 col 10: invalid JSON: unexpected end of input"},
		{name: "yaml syntax error points where the parser gives up", in: "age: 3\nconditions: [a, b\n", wantPos: [2]int{2, 17},
			wantErr: "invalid profile: line 2 col 17: invalid YAML: did not find expected ',' or ']'"},
		{name: "yaml two documents", in: "age: 3\n---\nage: 4\n", wantPos: [2]int{2, 1},
			wantErr: "invalid profile: line 2 col 1: a profile is a single YAML document: a second one starts here; remove it"},
		{name: "not UTF-8", in: "age: 3\nconditions: [\xff]\n", wantPos: [2]int{2, 14},
			wantErr: "invalid profile: line 2 col 14: the text is not valid UTF-8 (byte 0xff here): save it as UTF-8"},
		{name: "json lone surrogate escape", in: `{"conditions": ["a\ud800"]}`, wantPos: [2]int{1, 17},
			wantErr: `invalid profile: line 1 col 17: conditions[0] "a\ud800": a \u escape is half of a UTF-16 surrogate pair: write the character itself`},
		{name: "yaml lone surrogate escape", in: `conditions: ["a\ud800"]`, wantPos: [2]int{1, 21},
			wantErr: "invalid profile: line 1 col 21: invalid YAML: found invalid Unicode character escape code"},
		{name: "json surrogate pair and replacement character", in: `{"conditions": ["\ud83d\ude00", "\ufffd", "\\ud800"]}`,
			want: recommend.Profile{Conditions: []string{"\U0001F600", "\uFFFD", `\ud800`}}},
		{name: "UTF-16", in: "\xff\xfea\x00", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: the text is UTF-16 encoded: save it as UTF-8"},
		{name: "UTF-16 without a byte order mark", in: "a\x00:\x00 \x001\x00", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: the text is UTF-16 encoded: save it as UTF-8"},
		{name: "json in UTF-16 without a byte order mark", in: "{\x00}\x00", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: the text is UTF-16 encoded: save it as UTF-8"},
		{name: "UTF-32", in: "\xff\xfe\x00\x00a\x00\x00\x00", wantPos: [2]int{1, 1},
			wantErr: "invalid profile: line 1 col 1: the text is UTF-32 encoded: save it as UTF-8"},
		{name: "too large", in: "{" + strings.Repeat(" ", recommend.MaxProfileBytes) + "}",
			wantErr: "invalid profile: input is larger than 65536 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recommend.DecodeProfile(strings.NewReader(tt.in))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
				var pe *recommend.ProfileError
				if !errors.As(err, &pe) || !errors.Is(err, recommend.ErrInvalidProfile) {
					t.Fatalf("DecodeProfile error is %T, want a *recommend.ProfileError: %v", err, err)
				}
				if pos := [2]int{pe.Problems[0].Line, pe.Problems[0].Column}; pos != tt.wantPos {
					t.Errorf("first problem at %v, want %v", pos, tt.wantPos)
				}
			}
			if diff := cmp.Diff(tt.wantErr, gotErr); diff != "" {
				t.Fatalf("DecodeProfile error mismatch (-want +got):\n%s", diff)
			}
			// With a problem, the profile holds what could be read
			// (TestDecodeProfileKeepsWhatItRead).
			if diff := cmp.Diff(tt.want, got); diff != "" && err == nil {
				t.Errorf("DecodeProfile mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeProfileKeepsWhatItRead checks that the profile DecodeProfile
// returns with its problems holds what it could read, for Triage: the
// fields around one it could not read, and the entries of a list around
// a value the vocabulary lacks.
func TestDecodeProfileKeepsWhatItRead(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		want recommend.Profile
	}{
		{"an unknown key", `{"red_flags": ["saddle_numbness"], "pain": 4, "age": 50}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 50}},
		{"a number of the wrong type", "red_flags: [saddle_numbness]\npain_level: high\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"a value the vocabulary lacks, a number out of range", `{"red_flags": ["sadle", "saddle_numbness"], "pain_level": 11}`,
			recommend.Profile{RedFlags: []string{"sadle", "saddle_numbness"}, PainLevel: 10}},
		// A list given twice is read whole both times, so that Triage
		// counts every entry either gives.
		{"a list given twice", `{"red_flags": ["night_pain"], "red_flags": ["saddle_numbness"]}`,
			recommend.Profile{RedFlags: []string{"night_pain", "saddle_numbness"}}},
		{"a list given twice, empty first", `{"red_flags": [], "red_flags": ["saddle_numbness"]}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"a number given twice, its referrals alike, keeps the first", `{"red_flags": ["saddle_numbness"], "age": 50, "age": 60}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 50}},
		{"a lone string for a list", "red_flags: saddle_numbness\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"a number written as a string", `{"red_flags": ["saddle_numbness"], "age": "72", "pain_level": " 7.6 "}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 72, PainLevel: 8}},
		{"an age out of range in a string is unknown", `{"red_flags": ["saddle_numbness"], "age": "200", "pain_level": "11"}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, PainLevel: 10}},
		{"an age out of range is unknown", `{"red_flags": ["saddle_numbness"], "age": 200, "pain_level": 11}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, PainLevel: 10}},
		// Past the tenth problem, and a list cut short.
		{"more than ten problems before a red flag", `{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1,"h":1,"i":1,"j":1,"k":1,"red_flags":["saddle_numbness"]}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"a list with ten bad entries after a red flag", `{"red_flags":["saddle_numbness",1,2,3,4,5,6,7,8,9,10]}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"a list cut short", `{"red_flags":["saddle_numbness","x"`,
			recommend.Profile{RedFlags: []string{"saddle_numbness", "x"}}},
		{"a huge pain is high", `{"red_flags":["saddle_numbness"],"pain_level":1e400}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, PainLevel: 10}},
		{"a number in a string, written as Go writes it, is not read", `{"red_flags":["saddle_numbness"],"pain_level":"0x1p3"}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		// YAML that JSON cannot hold, around which the rest is read.
		{"a YAML number JSON cannot hold", "red_flags: [saddle_numbness]\npain_level: .nan\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"a YAML octal number", "pain_level: 017\nred_flags: [saddle_numbness]\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"JSON with a byte that is not UTF-8", "{\"x\": \"\xff\", \"red_flags\": [\"saddle_numbness\"]}",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		// YAML that parse.Document refuses: what the YAML means, where
		// that is well defined, is read (parse.ReadablePart).
		{"a YAML anchor and its alias", "red_flags: &a [saddle_numbness]\nx: *a\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"a YAML alias as a value", "a: &a saddle_numbness\nred_flags: [*a]\npain_level: 4\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, PainLevel: 4}},
		{"a YAML merge key", "<<: {red_flags: [saddle_numbness], age: 50}\nage: 40\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 40}},
		{"a YAML custom tag", "red_flags: [saddle_numbness]\npain_level: !foo 4\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, PainLevel: 4}},
		{"a YAML key that is not a string", "red_flags: [saddle_numbness]\n7: x\nage: 50\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 50}},
		{"a second YAML document", "red_flags: [saddle_numbness]\n---\nage: 4\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"a YAML syntax error after the red flag: a bad indent", "age: 50\nred_flags: [saddle_numbness]\n  pain_level: 4\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 50}},
		{"a YAML syntax error after the red flag: an unclosed quote", "red_flags:\n- saddle_numbness\nsex: \"male\nage: 50\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"YAML nested too deeply after the red flag", "red_flags: [saddle_numbness]\nconditions: " + strings.Repeat("[", 20) + "\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"YAML with a byte that is not UTF-8", "red_flags: [saddle_numbness]\nsex: \"\xff\"\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Sex: "\uFFFD"}},
		// Input over MaxProfileBytes: its first MaxProfileBytes are
		// read as an input cut short, without a value the cut makes.
		{"JSON over the limit", overLimit(`{"red_flags":["saddle_numbness"],"x":"`, `"}`),
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"JSON over the limit, a number cut short", overLimit(`{"red_flags":["saddle_numbness"],"x":"`, `","pain_level":1`) + `0}`,
			recommend.Profile{RedFlags: []string{"saddle_numbness"}}},
		{"YAML over the limit, a line cut short", overLimit("red_flags: [saddle_numbness]\nage: 50\nx: ", "\npain_level: 1") + "0\n",
			recommend.Profile{RedFlags: []string{"saddle_numbness"}, Age: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := eng.DecodeProfile(strings.NewReader(tt.in))
			if !errors.Is(err, recommend.ErrInvalidProfile) {
				t.Fatalf("DecodeProfile error = %v, want a *ProfileError", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("profile read (-want +got):\n%s", diff)
			}
			res, err := eng.Triage(context.Background(), got)
			if err != nil || len(res.Referrals) == 0 || res.Referrals[0].Urgency != recommend.UrgencyEmergency {
				t.Errorf("Triage = %+v, %v; want the emergency of saddle numbness", res, err)
			}
		})
	}
}

// overLimit returns head, padding and tail, MaxProfileBytes long: a
// profile of the limit, which a byte more puts over it.
func overLimit(head, tail string) string {
	return head + strings.Repeat("a", recommend.MaxProfileBytes-len(head)-len(tail)) + tail + " "
}

// TestDecodeProfileJSONAndYAMLAgree checks that a profile written in JSON
// and the same profile written in YAML give the same result: the same
// profile, or the same problems (their positions aside).
func TestDecodeProfileJSONAndYAMLAgree(t *testing.T) {
	tests := []struct{ name, json, yaml string }{
		{"valid", `{"conditions":["sciatica"],"age":40,"sitting_hours":7.5}`, "conditions: [sciatica]\nage: 40\nsitting_hours: 7.5\n"},
		{"whole float", `{"pain_level":7.0}`, "pain_level: 7.0\n"},
		{"fraction", `{"pain_level":7.9}`, "pain_level: 7.9\n"},
		{"huge negative", `{"age":-9223372036854775809}`, "age: -9223372036854775809\n"},
		{"null entry", `{"conditions":["sciatica",null]}`, "conditions: [sciatica, ~]\n"},
		{"null field", `{"age":null}`, "age:\n"},
		{"wrong type", `{"age":"old","conditions":"sciatica"}`, "age: old\nconditions: sciatica\n"},
		{"wrong entries", `{"conditions":[1,true,[],{}]}`, "conditions: [1, true, [], {}]\n"},
		{"unknown field", `{"conditons":[]}`, "conditons: []\n"},
		{"key twice", `{"age":1,"age":2}`, "age: 1\nage: 2\n"},
		{"out of range", `{"pain_level":11,"sitting_hours":-1}`, "pain_level: 11\nsitting_hours: -1\n"},
		{"beyond float64", `{"pain_level":1e400,"sitting_hours":-1e400}`, "pain_level: 1e400\nsitting_hours: -1e400\n"},
	}
	strip := func(err error) []recommend.FieldProblem {
		var pe *recommend.ProfileError
		if !errors.As(err, &pe) {
			return nil
		}
		out := make([]recommend.FieldProblem, len(pe.Problems))
		for i, p := range pe.Problems {
			p.Line, p.Column = 0, 0
			out[i] = p
		}
		return out
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pj, errJ := recommend.DecodeProfile(strings.NewReader(tt.json))
			py, errY := recommend.DecodeProfile(strings.NewReader(tt.yaml))
			if diff := cmp.Diff(pj, py); diff != "" {
				t.Errorf("profiles differ (-json +yaml):\n%s", diff)
			}
			if (errJ == nil) != (errY == nil) {
				t.Fatalf("JSON error %v, YAML error %v", errJ, errY)
			}
			if diff := cmp.Diff(strip(errJ), strip(errY)); diff != "" {
				t.Errorf("problems differ (-json +yaml):\n%s", diff)
			}
		})
	}
}

// TestDecodeProfileReadError checks that a failure to read is not taken for
// an invalid profile.
func TestDecodeProfileReadError(t *testing.T) {
	errRead := errors.New("disk on fire")
	_, err := recommend.DecodeProfile(iotest.ErrReader(errRead))
	if !errors.Is(err, errRead) || errors.Is(err, recommend.ErrInvalidProfile) {
		t.Fatalf("DecodeProfile error = %v, want the read error, and not a ProfileError", err)
	}
	if got, want := err.Error(), "read profile: disk on fire"; got != want {
		t.Errorf("DecodeProfile error = %q, want %q", got, want)
	}
}

// TestDecodeProfileNilReader checks that both DecodeProfiles refuse a
// nil io.Reader with an error, not a panic, and not a ProfileError.
func TestDecodeProfileNilReader(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	for name, decode := range map[string]func(io.Reader) (recommend.Profile, error){
		"function": recommend.DecodeProfile,
		"method":   eng.DecodeProfile,
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("DecodeProfile(nil) panicked: %v", r)
				}
			}()
			_, err := decode(nil)
			if err == nil || errors.Is(err, recommend.ErrInvalidProfile) {
				t.Errorf("DecodeProfile(nil) = %v, want an error that is not a ProfileError", err)
			}
		})
	}
}

// TestDecodeProfileEveryField sets every field of Profile, writes it as
// JSON and reads it back, so that a field added to Profile is also one the
// decoder reads.
func TestDecodeProfileEveryField(t *testing.T) {
	var want recommend.Profile
	v := reflect.ValueOf(&want).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); {
		case f.Type() == reflect.TypeFor[[]recommend.CheckIn]():
			f.Set(reflect.ValueOf([]recommend.CheckIn{{Day: i, PainLevel: 3, Function: new(int),
				Done: []recommend.Done{{Movement: "x", Sessions: 2, Response: "y"}}}}))
		case f.Kind() == reflect.Slice:
			f.Set(reflect.ValueOf([]string{"x" + v.Type().Field(i).Name}))
		case f.Kind() == reflect.Int:
			f.SetInt(int64(i + 1))
		case f.Kind() == reflect.Float64:
			f.SetFloat(float64(i) + 0.5)
		case f.Kind() == reflect.String:
			f.SetString("x" + v.Type().Field(i).Name)
		default:
			t.Fatalf("field %s has kind %s, which this test does not fill", v.Type().Field(i).Name, f.Kind())
		}
	}
	data, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := recommend.DecodeProfile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("DecodeProfile(%s): %v", data, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

// TestFieldProblemString checks the text of a problem with and without a
// position.
func TestFieldProblemString(t *testing.T) {
	tests := []struct {
		p    recommend.FieldProblem
		want string
	}{
		{recommend.FieldProblem{Field: "age", Value: "300", Message: "out of range, want 0 to 130"}, "age 300: out of range, want 0 to 130"},
		{recommend.FieldProblem{Field: "age", Value: "300", Message: "out of range, want 0 to 130", Line: 2, Column: 6},
			"line 2 col 6: age 300: out of range, want 0 to 130"},
		{recommend.FieldProblem{Field: "age", Message: "given twice", Line: 1, Column: 11}, "line 1 col 11: age: given twice"},
		{recommend.FieldProblem{Value: `"x"`, Message: "unknown field"}, `"x": unknown field`},
		{recommend.FieldProblem{Message: "input holds no profile"}, "input holds no profile"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.p.String()); diff != "" {
				t.Errorf("String mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEngineDecodeProfile checks that the Engine's DecodeProfile reports
// what Validate finds, with the position of the value in the input, JSON
// or YAML, and passes decoding problems and valid profiles through.
func TestEngineDecodeProfile(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
		want recommend.Profile
		// wantProblems are the problems of the *ProfileError, when one is
		// wanted.
		wantProblems []recommend.FieldProblem
	}{
		{name: "valid json", in: `{"conditions":["sciatica"],"pain_level":3}`,
			want: recommend.Profile{Conditions: []string{"sciatica"}, PainLevel: 3}},
		{name: "unknown value in json", in: "{\"conditions\": [\"sciatica\",\n  \"disc_hernation\"],\n \"red_flags\": [\"night_pain\", \"night_pain\"]}",
			wantProblems: []recommend.FieldProblem{
				{Field: "conditions[1]", Value: `"disc_hernation"`, Message: `unknown condition (did you mean "disc_herniation"?)`, Line: 2, Column: 3},
				{Field: "red_flags[1]", Value: `"night_pain"`, Message: "duplicate entry, already at red_flags[0]", Line: 3, Column: 30},
			}},
		{name: "unknown value in yaml", in: "pain_level: 4\nequipment:\n  - towel\n  - tovel\n",
			wantProblems: []recommend.FieldProblem{
				{Field: "equipment[1]", Value: `"tovel"`, Message: `unknown piece of equipment (did you mean "towel"?)`, Line: 4, Column: 5},
			}},
		{name: "decoding problems come first", in: `{"conditions":["disc_hernation"],"pain_level":14}`,
			wantProblems: []recommend.FieldProblem{
				{Field: "pain_level", Value: "14", Message: "out of range, want 0 to 10", Line: 1, Column: 47},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := eng.DecodeProfile(strings.NewReader(tt.in))
			var perr *recommend.ProfileError
			switch {
			case tt.wantProblems == nil && err != nil:
				t.Fatalf("DecodeProfile: %v", err)
			case tt.wantProblems != nil && !errors.As(err, &perr):
				t.Fatalf("DecodeProfile error = %v, want a *ProfileError", err)
			case tt.wantProblems != nil:
				if diff := cmp.Diff(tt.wantProblems, perr.Problems); diff != "" {
					t.Errorf("problems (-want +got):\n%s", diff)
				}
				if !errors.Is(err, recommend.ErrInvalidProfile) {
					t.Errorf("error does not match ErrInvalidProfile: %v", err)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
		})
	}
	var nilEngine *recommend.Engine
	if _, err := nilEngine.DecodeProfile(strings.NewReader("{}")); err == nil {
		t.Error("DecodeProfile on a nil *Engine: no error")
	}
}

// TestDeepYAMLIsRefusedCheaply checks that 40 KB of nesting, in flow lists,
// flow mappings or block indicators, is refused by the first pass, before
// the YAML decoder builds every level (91 MiB and 160,000 allocations for
// the flow lists without it). It counts bytes and allocations, which do
// not depend on the machine, not time; the input itself is read into
// memory once, which is most of the bytes. The lines before the one
// refused pass the first pass, and are decoded for the referrals they
// hold (parse.ReadablePart), as a profile of their size is: for the one
// line before the block indicators, about 60 allocations more.
func TestDeepYAMLIsRefusedCheaply(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	inputs := map[string]string{
		"flow lists":       "conditions: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000),
		"flow mappings":    "conditions: " + strings.Repeat("{a: ", 10000) + strings.Repeat("}", 10000),
		"block indicators": "conditions:\n" + strings.Repeat("- ", 20000) + "a\n",
	}
	const maxBytes, maxAllocs = 256 << 10, 128
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var err error
			// MemStats counts every allocation in the process, so a
			// goroutine left running by another test can add some; the
			// least of three measurements is the call's own.
			bytes, allocs := uint64(math.MaxUint64), uint64(math.MaxUint64)
			for range 3 {
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				_, err = recommend.DecodeProfile(strings.NewReader(in))
				runtime.ReadMemStats(&m1)
				bytes, allocs = min(bytes, m1.TotalAlloc-m0.TotalAlloc), min(allocs, m1.Mallocs-m0.Mallocs)
			}
			var pe *recommend.ProfileError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "nest far deeper than a profile can need") {
				t.Fatalf("DecodeProfile error = %v, want the first pass's refusal", err)
			}
			t.Logf("%d bytes of input: %d bytes and %d allocations a call", len(in), bytes, allocs)
			if bytes > maxBytes || allocs > maxAllocs {
				t.Errorf("refusing %d bytes took %d bytes and %d allocations, want at most %d and %d",
					len(in), bytes, allocs, maxBytes, maxAllocs)
			}
		})
	}
}
