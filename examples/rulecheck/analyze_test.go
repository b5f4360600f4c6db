package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/golden"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// usageLine is the usage message rulecheck prints after a usage error.
const usageLine = "usage: rulecheck [-v] [-cases DIR] [-analyze [-json]] [-schema] DIR\n"

// elapsed matches the time an analysis took, which varies.
var elapsed = regexp.MustCompile(` explored in [0-9.]+(µs|ms|s)\n`)

// TestAnalyze runs -analyze on the fixture rule sets of testdata/analyze
// and compares the report, with its time taken out, with the golden files
// (run with -update to rewrite them), and the exit status: 1, since both
// rule sets have findings that fail.
func TestAnalyze(t *testing.T) {
	const dir = "../../testdata/analyze/"
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"findings", []string{"-analyze", dir + "findings"}, 1},
		{"gaps", []string{"-analyze", dir + "gaps"}, 1},
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
			got := elapsed.ReplaceAll(stdout.Bytes(), []byte(" explored in TIME\n"))
			path := filepath.Join("..", "..", "testdata", "golden", "rulecheck-analyze-"+tt.name+".golden")
			golden.Check(t, path, got, *update)
		})
	}
}

// TestAnalyzeJSON checks that -analyze -json prints the Analysis, with the
// coverage of the cases beside the rules.
func TestAnalyzeJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-analyze", "-json", "../../testdata/analyze/findings"}, &stdout, &stderr); code != 1 {
		t.Errorf("exit status = %d, want 1; stderr:\n%s", code, stderr.String())
	}
	var got recommend.Analysis
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not an Analysis: %v\n%s", err, stdout.String())
	}
	want := map[string]int{
		"dead_rules": 1, "never_recommended": 1, "always_true": 1, "redundant": 1,
		"conflicts": 4, "gaps": 2, "flags_referred_in_combination": 1, "uncovered_clauses": 15,
		"conditions_changing_nothing": 0,
	}
	if diff := cmp.Diff(want, got.Summary.Findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if got.Coverage == nil || got.Coverage.Cases != 2 {
		t.Errorf("coverage = %+v, want the 2 cases of rules_test.yaml", got.Coverage)
	}
}

// TestAnalyzeDefaultRules runs the CI step: the default rules with their
// cases, which pass: no dead rule, no gap, no unresolved conflict, and
// every clause covered.
func TestAnalyzeDefaultRules(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("explores about 40,000 profiles: skipped with -short and -race")
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"-analyze", "-json", "-cases", "../../testdata/cases", "../../rules"}, &stdout, &stderr)
	if code != 0 {
		t.Errorf("exit status = %d, want 0; stderr:\n%s", code, stderr.String())
	}
	var got recommend.Analysis
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not an Analysis: %v", err)
	}
	if len(got.DeadRules) != 0 || got.Summary.UnresolvedConflicts != 0 || len(got.Gaps) != 0 {
		t.Errorf("dead rules %d, unresolved conflicts %d, gaps %d; want none",
			len(got.DeadRules), got.Summary.UnresolvedConflicts, len(got.Gaps))
	}
	if got.Coverage == nil || len(got.Coverage.Uncovered) != 0 {
		t.Errorf("coverage = %+v, want every clause covered by testdata/cases", got.Coverage)
	}
}

// TestSchema checks that -schema prints the schema that rules/schema.json
// holds for the default rules.
func TestSchema(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-schema", "../../rules"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status = %d, want 0; stderr:\n%s", code, stderr.String())
	}
	want, err := os.ReadFile("../../rules/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), stdout.String()); diff != "" {
		t.Errorf("-schema output differs from rules/schema.json (-want +got):\n%s", diff)
	}
}

// TestProgressRulesListed checks that the analysis text lists every
// progression rule of the default rules, in order, with its place, what
// it does and its sources.
func TestProgressRulesListed(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	rules := eng.ProgressRules()
	writeProgressRules(&b, "rules", rules)
	out := b.String()
	last := 0
	for _, r := range rules {
		does := r.Step
		if r.Referral != nil {
			does = string(r.Referral.Urgency) + " review"
		}
		line := filepath.Join("rules", r.File) + ":" + strconv.Itoa(r.Line) + ": " + r.ID + ": " + does + "\n"
		at := strings.Index(out, line)
		if at < last {
			t.Errorf("progression rule %s missing or out of order: no %q after byte %d in\n%s", r.ID, line, last, out)
			continue
		}
		last = at
		if c := r.Citations[0]; !strings.Contains(out[at:], "sources: "+c.Source()+" § "+c.Locator()) {
			t.Errorf("progression rule %s: its first source is not listed", r.ID)
		}
	}
}
