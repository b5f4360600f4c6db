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
		{"no directory", nil, 2, "usage: give one rule directory\nusage: rulecheck [-v] [-cases DIR] DIR\n"},
		{"two directories", []string{"a", "b"}, 2, "usage: give one rule directory\nusage: rulecheck [-v] [-cases DIR] DIR\n"},
		{"missing directory", []string{"no-such-dir"}, 1, "error: stat no-such-dir: no such file or directory\n"},
		{"missing cases directory", []string{"-cases", "no-such-dir", "../../testdata/rulecheck/passing"}, 1,
			"error: stat no-such-dir: no such file or directory\n"},
		{"bad case file", []string{"-cases", "../../testdata/rulecheck/passing", "../../testdata/rulecheck/passing"}, 1,
			"error: read test cases in ../../testdata/rulecheck/passing: rules.yaml: yaml: unmarshal errors:\n  line 3: field sources not found in type casefile.file\n  line 5: field vocabulary not found in type casefile.file\n  line 13: field movements not found in type casefile.file\n  line 17: field rules not found in type casefile.file\n"},
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
