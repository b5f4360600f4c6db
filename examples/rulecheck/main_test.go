package main

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"

	"github.com/backrules/backrules/internal/golden"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestRulecheck runs the checker on the rule sets in testdata/rulecheck and
// compares its output with the golden files in testdata/golden (run with
// -update to rewrite them) and its exit status with the expected one.
func TestRulecheck(t *testing.T) {
	const dir = "../../testdata/rulecheck/"
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"passing", []string{dir + "passing"}, 0},
		{"passing-verbose-extra-cases", []string{"-v", "-cases", dir + "extra", dir + "passing"}, 0},
		{"failing", []string{dir + "failing"}, 1},
		{"broken", []string{dir + "broken"}, 1},
		{"missed-floor", []string{dir + "missed-floor"}, 1},
		{"many-problems", []string{dir + "many-problems"}, 1},
		{"runtime-error", []string{dir + "runtime-error"}, 1},
		{"no-cases", []string{"../../testdata/semantics"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit status = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("unexpected output on standard error:\n%s", stderr.String())
			}
			path := filepath.Join("..", "..", "testdata", "golden", "rulecheck-"+tt.name+".golden")
			golden.Check(t, path, stdout.Bytes(), *update)
		})
	}
}

func TestUsageAndErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"no directory", nil, 2, "usage: give one rule directory\nusage: rulecheck [-v] [-cases DIR] [-analyze [-json]] [-schema] DIR\n"},
		{"two directories", []string{"a", "b"}, 2, "usage: give one rule directory\nusage: rulecheck [-v] [-cases DIR] [-analyze [-json]] [-schema] DIR\n"},
		{"analyze and schema", []string{"-analyze", "-schema", "x"}, 2, "usage: give -analyze or -schema, not both\n" + usageLine},
		{"json without analyze", []string{"-json", "x"}, 2, "usage: -json goes with -analyze\n" + usageLine},
		{"unknown flag", []string{"-bogus", "x"}, 2, "usage: flag provided but not defined: -bogus\n" + usageLine},
		{"verbose analysis", []string{"-v", "-analyze", "x"}, 2, "usage: -v does not go with -analyze or -schema\n" + usageLine},
		{"missing directory", []string{"no-such-dir"}, 1, "error: stat no-such-dir: no such file or directory\n"},
		{"missing cases directory", []string{"-cases", "no-such-dir", "../../testdata/rulecheck/passing"}, 1,
			"error: -cases: stat no-such-dir: no such file or directory\n"},
		{"rule file for the rule directory", []string{"../../testdata/rulecheck/passing/rules.yaml"}, 1,
			"error: ../../testdata/rulecheck/passing/rules.yaml is a file, not a directory: give the directory that holds the rule files\n"},
		{"case file for the cases directory", []string{"-cases", "../../testdata/cases/disc.yaml", "../../testdata/rulecheck/passing"}, 1,
			"error: -cases: ../../testdata/cases/disc.yaml is a file, not a directory: give the directory that holds the case files\n"},
		{"bad case file", []string{"-cases", "../../testdata/rulecheck/passing", "../../testdata/rulecheck/passing"}, 1,
			"error: read test cases: ../../testdata/rulecheck/passing/rules.yaml:3:1: unknown key \"sources\" in a case file: a case file holds only a cases: list\n"},
		{"case profile with a fraction", []string{"-cases", "../../testdata/rulecheck/bad-cases/fraction", "../../testdata/rulecheck/passing"}, 1,
			"error: read test cases: ../../testdata/rulecheck/bad-cases/fraction/cases.yaml:4:58: invalid profile: pain_level 7.9: must be a whole number\n"},
		{"case alias to another case", []string{"-cases", "../../testdata/rulecheck/bad-cases/alias", "../../testdata/rulecheck/passing"}, 1,
			"error: read test cases: ../../testdata/rulecheck/bad-cases/alias/cases.yaml:4:14: cases[0].profile: anchor &disc: a case file cannot use YAML anchors and aliases: write each value out\n"},
		{"case profile with a null entry", []string{"-cases", "../../testdata/rulecheck/bad-cases/null-entry", "../../testdata/rulecheck/passing"}, 1,
			"error: read test cases: ../../testdata/rulecheck/bad-cases/null-entry/cases.yaml:7:10: invalid profile: conditions[1]: null is not a value: give one, or leave the entry out\n"},
		{"case profile with a merge key", []string{"-cases", "../../testdata/rulecheck/bad-cases/merge", "../../testdata/rulecheck/passing"}, 1,
			"error: read test cases: ../../testdata/rulecheck/bad-cases/merge/cases.yaml:5:7: cases[0].profile: merge key <<: a case file cannot use YAML merge keys: write each key out\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit status = %d, want %d", code, tt.wantCode)
			}
			if diff := cmp.Diff(tt.wantStderr, stderr.String()); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
