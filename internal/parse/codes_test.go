package parse

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// newCodeRuleSet is a rule set with the two list fields the code tests use.
func newCodeRuleSet() *RuleSet {
	return &RuleSet{
		Fields:   []Field{{Name: "conditions", Label: "condition"}, {Name: "red_flags", Label: "red flag"}},
		MaxIDLen: 64,
	}
}

// issueTexts returns the problems of iss as "file:line:col: message".
func issueTexts(iss *Issues) []string {
	var out []string
	for _, is := range iss.List() {
		out = append(out, is.FilePos.String()+": "+is.Message)
	}
	return out
}

// TestVocabularyCodes reads the codes of vocabulary entries: what a valid
// list gives, and each mistake with its file, line and column.
func TestVocabularyCodes(t *testing.T) {
	const entry = "vocabulary:\n  conditions:\n    - id: sciatica\n      label: Sciatica\n      codes:\n"
	tests := []struct {
		name  string
		files []string // a.yaml, b.yaml...
		want  []string
		codes [][]Code // of each term, in order, when there are no problems
	}{
		{
			name: "valid codes keep their order and positions",
			files: []string{entry +
				"        - {system: http://snomed.info/sct, code: \"23056005\"}\n" +
				"        - {system: http://hl7.org/fhir/sid/icd-10-cm, code: M54.30}\n" +
				"        - {system: \"urn:oid:2.16.840.1.113883.6.96\", code: \"1\"}\n"},
			codes: [][]Code{{
				{Text{"http://snomed.info/sct", FilePos{"a.yaml", Pos{6, 20}}}, Text{"23056005", FilePos{"a.yaml", Pos{6, 50}}}, false},
				{Text{"http://hl7.org/fhir/sid/icd-10-cm", FilePos{"a.yaml", Pos{7, 20}}}, Text{"M54.30", FilePos{"a.yaml", Pos{7, 61}}}, false},
				{Text{"urn:oid:2.16.840.1.113883.6.96", FilePos{"a.yaml", Pos{8, 20}}}, Text{"1", FilePos{"a.yaml", Pos{8, 60}}}, false},
			}},
		},
		{
			name:  "no codes key gives nil",
			files: []string{"vocabulary:\n  conditions:\n    - {id: sciatica, label: Sciatica}\n"},
			codes: [][]Code{nil},
		},
		{
			name:  "unknown key",
			files: []string{entry + "        - {system: http://snomed.info/sct, code: \"1\", display: Sciatica}\n"},
			want:  []string{`a.yaml:6:55: unknown key "display" in a code (allowed: system, code, subcodes)`},
		},
		{
			name:  "misspelled key is not also missing",
			files: []string{entry + "        - {sytem: http://snomed.info/sct, code: \"1\"}\n"},
			want:  []string{`a.yaml:6:12: unknown key "sytem" in a code (did you mean "system"?)`},
		},
		{
			name:  "missing system and code",
			files: []string{entry + "        - {}\n"},
			want:  []string{`a.yaml:6:11: a code is missing the required keys "system" and "code"`},
		},
		{
			name:  "relative system",
			files: []string{entry + "        - {system: snomed.info/sct, code: \"1\"}\n"},
			want: []string{`a.yaml:6:20: the code system "snomed.info/sct" is not an absolute URI: ` +
				`name it by its URI, such as http://snomed.info/sct or http://hl7.org/fhir/sid/icd-10-cm`},
		},
		{
			name:  "system without a host",
			files: []string{entry + "        - {system: \"https:/sct\", code: \"1\"}\n"},
			want: []string{`a.yaml:6:20: the code system "https:/sct" is not an absolute URI: ` +
				`name it by its URI, such as http://snomed.info/sct or http://hl7.org/fhir/sid/icd-10-cm`},
		},
		{
			name:  "number code",
			files: []string{entry + "        - {system: http://snomed.info/sct, code: 23056005}\n"},
			want:  []string{`a.yaml:6:50: the code must be text, found the number 23056005 (put it in quotes if you meant it as text)`},
		},
		{
			name:  "null code",
			files: []string{entry + "        - {system: http://snomed.info/sct, code: ~}\n"},
			want:  []string{`a.yaml:6:50: the code must not be empty`},
		},
		{
			name:  "code with a space",
			files: []string{entry + "        - {system: http://snomed.info/sct, code: \"M54 30\"}\n"},
			want:  []string{`a.yaml:6:50: the code "M54 30" holds the character U+0020: write it without spaces or invisible characters`},
		},
		{
			name:  "system with an invisible character",
			files: []string{entry + "        - {system: \"http://snomed.info/sct\\u200b\", code: \"1\"}\n"},
			want:  []string{`a.yaml:6:20: the code system "http://snomed.info/sct\u200b" holds the character U+200B: write it without spaces or invisible characters`},
		},
		{
			name:  "empty list",
			files: []string{"vocabulary:\n  conditions:\n    - {id: sciatica, label: Sciatica, codes: []}\n"},
			want:  []string{`a.yaml:3:46: codes must list at least one code: give {system, code} entries, or remove the key`},
		},
		{
			name:  "not a list",
			files: []string{"vocabulary:\n  conditions:\n    - {id: sciatica, label: Sciatica, codes: \"23056005\"}\n"},
			want:  []string{`a.yaml:3:46: codes must be a list, found the text "23056005"`},
		},
		{
			name:  "entry not a mapping",
			files: []string{entry + "        - \"23056005\"\n"},
			want:  []string{`a.yaml:6:11: a code must be a mapping of keys to values, found the text "23056005"`},
		},
		{
			name:  "duplicate in one term",
			files: []string{entry + "        - {system: http://snomed.info/sct, code: \"1\"}\n        - {system: http://snomed.info/sct, code: \"1\"}\n"},
			want:  []string{`a.yaml:7:50: code "1" of http://snomed.info/sct is given twice: condition "sciatica" has it at a.yaml:6:50; a code stands for one term`},
		},
		{
			name: "a category of ICD-10-CM with its subcodes",
			files: []string{entry + "        - {system: http://hl7.org/fhir/sid/icd-10-cm, code: S32.0, subcodes: true}\n" +
				"        - {system: http://hl7.org/fhir/sid/icd-10, code: M46.2, subcodes: false}\n"},
			codes: [][]Code{{
				{Text{"http://hl7.org/fhir/sid/icd-10-cm", FilePos{"a.yaml", Pos{6, 20}}}, Text{"S32.0", FilePos{"a.yaml", Pos{6, 61}}}, true},
				{Text{"http://hl7.org/fhir/sid/icd-10", FilePos{"a.yaml", Pos{7, 20}}}, Text{"M46.2", FilePos{"a.yaml", Pos{7, 58}}}, false},
			}},
		},
		{
			name:  "subcodes only where codes nest by prefix",
			files: []string{entry + "        - {system: http://snomed.info/sct, code: \"1\", subcodes: true}\n"},
			want: []string{`a.yaml:6:65: subcodes: true is for code systems whose codes nest by prefix ` +
				`(http://hl7.org/fhir/sid/icd-10, http://hl7.org/fhir/sid/icd-10-cm), not http://snomed.info/sct: list each code instead`},
		},
		{
			name:  "subcodes is true or false",
			files: []string{entry + "        - {system: http://hl7.org/fhir/sid/icd-10-cm, code: S32.0, subcodes: yes please}\n"},
			want:  []string{`a.yaml:6:78: subcodes must be true or false, found the text "yes please"`},
		},
		{
			name: "same code in another system is not a duplicate",
			files: []string{entry + "        - {system: http://snomed.info/sct, code: \"1\"}\n" +
				"        - {system: http://hl7.org/fhir/sid/icd-10, code: \"1\"}\n"},
			codes: [][]Code{{
				{Text{"http://snomed.info/sct", FilePos{"a.yaml", Pos{6, 20}}}, Text{"1", FilePos{"a.yaml", Pos{6, 50}}}, false},
				{Text{"http://hl7.org/fhir/sid/icd-10", FilePos{"a.yaml", Pos{7, 20}}}, Text{"1", FilePos{"a.yaml", Pos{7, 58}}}, false},
			}},
		},
		{
			name: "duplicate across fields and files",
			files: []string{
				entry + "        - {system: http://snomed.info/sct, code: \"1\"}\n",
				"vocabulary:\n  red_flags:\n    - id: leg_pain\n      label: Leg pain\n      codes: [{system: http://snomed.info/sct, code: \"1\"}]\n",
			},
			want: []string{`b.yaml:5:54: code "1" of http://snomed.info/sct is given twice: condition "sciatica" has it at a.yaml:6:50; a code stands for one term`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := newCodeRuleSet()
			var iss Issues
			for i, f := range tt.files {
				rs.Add(fmt.Sprintf("%c.yaml", 'a'+i), []byte(f), &iss)
			}
			if diff := cmp.Diff(tt.want, issueTexts(&iss)); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
			if tt.want != nil {
				return
			}
			var got [][]Code
			for _, term := range rs.Vocab {
				got = append(got, term.Codes)
			}
			if diff := cmp.Diff(tt.codes, got); diff != "" {
				t.Errorf("codes mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzVocabularyCodes reads arbitrary codes lists. It must not panic;
// every problem must have a position inside the file; every code it
// keeps must be one the rules allow (an absolute URI system and a code
// without spaces), and no system and code may be kept twice.
func FuzzVocabularyCodes(f *testing.F) {
	f.Add("- {system: http://snomed.info/sct, code: \"23056005\"}\n- {system: http://snomed.info/sct, code: \"23056005\"}")
	f.Add("- {system: snomed, code: 1}")
	f.Add("[]")
	f.Add("{system: x}")
	f.Add("- {system: \"urn:oid:1.2\", code: \"\\u200b\"}")
	f.Fuzz(func(t *testing.T, codes string) {
		if !utf8.ValidString(codes) || strings.ContainsAny(codes, "\r\u0085\u2028\u2029\uFEFF") {
			return // Load normalizes these before it parses
		}
		var b strings.Builder
		b.WriteString("vocabulary:\n  conditions:\n    - id: sciatica\n      label: Sciatica\n      codes:\n")
		for _, line := range strings.Split(codes, "\n") {
			b.WriteString("        " + line + "\n")
		}
		b.WriteString("    - id: lumbago\n      label: Lumbago\n      codes:\n")
		for _, line := range strings.Split(codes, "\n") {
			b.WriteString("        " + line + "\n")
		}
		src := b.String()
		rs := newCodeRuleSet()
		var iss Issues
		rs.Add("a.yaml", []byte(src), &iss)
		lines := strings.Count(src, "\n") + 1
		for _, is := range iss.List() {
			if is.Line < 0 || is.Line > lines {
				t.Fatalf("problem at line %d of a %d-line file: %s", is.Line, lines, is.Message)
			}
		}
		seen := map[[2]string]bool{}
		for _, term := range rs.Vocab {
			for _, c := range term.Codes {
				if !absoluteURI(c.System.S) || strings.TrimSpace(c.Code.S) == "" || strings.ContainsAny(c.Code.S+c.System.S, " \t\n") {
					t.Fatalf("kept an invalid code %q of %q", c.Code.S, c.System.S)
				}
				k := [2]string{c.System.S, c.Code.S}
				if seen[k] {
					t.Fatalf("kept code %q of %q twice", c.Code.S, c.System.S)
				}
				seen[k] = true
			}
		}
	})
}
