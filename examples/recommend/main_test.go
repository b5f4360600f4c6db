package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/golden"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden runs the CLI and compares its output with the golden files in
// testdata/golden. Run with -update to rewrite them.
func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"semantics-json", []string{"-rules", "../../testdata/semantics", "-format", "json"}, `{"conditions":["cond_a","cond_c"],"aggravated_by":["agg"],"red_flags":["flag_routine"]}`},
		{"semantics-text", []string{"-rules", "../../testdata/semantics"}, "conditions: [cond_a, cond_c]\naggravated_by: [agg]\nred_flags: [flag_routine]\n"},
		{"default-disc-json", []string{"-format", "json", "-"}, `{"conditions":["disc_herniation"]}`},
		{"semantics-json-trace", []string{"-rules", "../../testdata/semantics", "-format", "json", "-trace"}, `{"conditions":["cond_a","cond_c"],"aggravated_by":["agg"],"red_flags":["flag_routine"]}`},
		{"default-profile-text", []string{"../../testdata/profiles/disc-herniation.yaml"}, ""},
		{"default-profile-detail", []string{"-detail", "../../testdata/profiles/disc-herniation.yaml"}, ""},
		{"default-profile-markdown", []string{"-format", "markdown", "../../testdata/profiles/disc-herniation.yaml"}, ""},
	}
	// The five profiles of issue 10, in the short report and the detailed
	// one: report-NAME.golden and report-NAME-detail.golden.
	for _, name := range reportProfiles {
		path := "../../testdata/profiles/" + name + ".yaml"
		tests = append(tests,
			struct {
				name  string
				args  []string
				stdin string
			}{"report-" + name, []string{path}, ""},
			struct {
				name  string
				args  []string
				stdin string
			}{"report-" + name + "-detail", []string{"-detail", path}, ""},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
			}
			path := filepath.Join("..", "..", "testdata", "golden", tt.name+".golden")
			golden.Check(t, path, stdout.Bytes(), *update)
		})
	}
}

func TestExitCodes(t *testing.T) {
	typoRules := t.TempDir()
	data, err := os.ReadFile("../../testdata/semantics/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `when: "'cond_b' in profile.conditions"`, `when: "'cond_b' in profile.conditons"`, 1)
	if err := os.WriteFile(filepath.Join(typoRules, "rules.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStderr string
	}{
		{"ok", nil, `{}`, 0, ""},
		{"invalid profile value", nil, `{"conditions":["disc_hernation"]}`, 1,
			"error: invalid profile: line 1 col 16: conditions[0] \"disc_hernation\": unknown condition (did you mean \"disc_herniation\"?)\n"},
		{"unknown profile field", nil, `{"conditons":["disc_herniation"]}`, 1,
			"error: invalid profile: line 1 col 2: \"conditons\": unknown field (did you mean \"conditions\"?); " +
				"line 1 col 16: conditions \"disc_herniation\": named where the profile could not be read: counted as a condition toward the referrals, to be safe\n"},
		{"missing file", []string{"no-such-file.json"}, "", 1, "error: open no-such-file.json: no such file or directory\n"},
		{"rules directory missing", []string{"-rules", "no-such-dir"}, `{}`, 1,
			"error: -rules: stat no-such-dir: no such file or directory\n"},
		{"rule file for the rules directory", []string{"-rules", "../../testdata/semantics/rules.yaml"}, `{}`, 1,
			"error: -rules: ../../testdata/semantics/rules.yaml is a file, not a directory: give the directory that holds the rule files\n"},
		{"rule typo", []string{"-rules", typoRules}, `{}`, 1,
			"error: rules.yaml:31:32: in when: undefined field 'conditons' (did you mean 'conditions'?)\n |     when: \"'cond_b' in profile.conditons\"\n | ...............................^\n"},
		{"unknown flag", []string{"-bogus"}, `{}`, 2,
			"usage: flag provided but not defined: -bogus\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"bad format", []string{"-format", "xml"}, `{}`, 2,
			"usage: -format must be text, json or markdown, not \"xml\"\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"detail with json", []string{"-detail", "-format", "json"}, `{}`, 2,
			"usage: -detail goes with -format text: the JSON always holds every field\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"detail with markdown", []string{"-detail", "-format", "markdown"}, `{}`, 2,
			"usage: -detail goes with -format text: the Markdown is the short report; use -format json for every field\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"trace with text", []string{"-trace"}, `{}`, 2,
			"usage: -trace goes with -format json, without -explain: the trace is part of the JSON Result\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"trace with explain", []string{"-trace", "-format", "json", "-explain", "walking"}, `{}`, 2,
			"usage: -trace goes with -format json, without -explain: the trace is part of the JSON Result\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"explain unknown movement", []string{"-explain", "towel_strech"}, `{}`, 1,
			"error: explain: unknown movement \"towel_strech\" (did you mean \"towel_stretch\"?)\n"},
		{"explain the referral rules, misspelt", []string{"-explain", "referal"}, `{}`, 1,
			"error: explain: unknown movement \"referal\" (did you mean \"referral\"?)\n"},
		{"explain invalid profile", []string{"-explain", "walking"}, `{"pain_level":11}`, 1,
			"error: invalid profile: line 1 col 15: pain_level 11: out of range, want 0 to 10\n"},
		{"explain markdown", []string{"-explain", "walking", "-format", "markdown"}, `{}`, 2,
			"usage: -explain goes with -format text or json\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"explain nothing", []string{"-explain", ""}, `{}`, 2,
			"usage: -explain needs a movement id, such as knee_to_chest, or referral\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"explain blank", []string{"-explain=  "}, `{}`, 2,
			"usage: -explain needs a movement id, such as knee_to_chest, or referral\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"explain detail", []string{"-explain", "referral", "-detail"}, `{}`, 2,
			"usage: -explain goes without -detail: an explanation is always complete\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
		{"two files", []string{"a", "b"}, "", 2,
			"usage: give at most one profile file\nusage: recommend [-rules DIR] [-format text|json|markdown] [-detail] [-trace] [-explain MOVEMENT|referral] [FILE|-]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d", code, tt.wantCode)
			}
			if diff := cmp.Diff(tt.wantStderr, stderr.String()); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInvalidProfileKeepsEmergency checks that a mistake in one field
// does not hide the emergency another reports: the CLI prints the
// referral of what it could read, the advice on hold, and fails with the
// problem, in every format.
func TestInvalidProfileKeepsEmergency(t *testing.T) {
	in := "red_flags: [saddle_numbness]\npain_level: 11\n"
	for _, args := range [][]string{nil, {"-format", "json"}, {"-format", "markdown"}, {"-detail"}} {
		t.Run(strings.Join(append([]string{"text"}, args...), " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(args, strings.NewReader(in), &stdout, &stderr)
			if code != 1 || stderr.String() != "error: invalid profile: line 2 col 13: pain_level 11: out of range, want 0 to 10\n" {
				t.Errorf("exit code %d, stderr %q; want 1 and the problem", code, stderr.String())
			}
			out := strings.ToLower(stdout.String())
			if !strings.Contains(out, "emergency") || strings.Contains(out, "towel") {
				t.Errorf("stdout lacks the emergency, or gives advice:\n%s", stdout.String())
			}
		})
	}
	// A movement misspelt: the referral, then the error.
	var out, errOut bytes.Buffer
	if code := run([]string{"-explain", "Walking"}, strings.NewReader(in[:strings.Index(in, "pain_level")]), &out, &errOut); code != 1 ||
		!strings.Contains(strings.ToLower(out.String()), "emergency") || !strings.Contains(errOut.String(), "unknown movement") {
		t.Errorf("-explain Walking: exit code %d, stdout %q, stderr %q; want 1, the emergency and the error", code, out.String(), errOut.String())
	}
	// Without a referral, only the problem.
	var stdout, stderr bytes.Buffer
	if code := run(nil, strings.NewReader(`{"pain_level": 11}`), &stdout, &stderr); code != 1 || stdout.Len() != 0 {
		t.Errorf("exit code %d, stdout %q; want 1 and nothing", code, stdout.String())
	}
}

// reportProfiles are the five profiles of issue 10 whose reports must stay
// short, in testdata/profiles.
var reportProfiles = []string{"chronic-stiffness", "disc-sciatica", "acute-strain", "spinal-stenosis", "saddle-numbness"}

// TestExplainGolden runs the CLI with -explain on the profiles of the
// three main conditions (disc herniation, acute strain, chronic
// stiffness) and on a red flag, and compares the output with the golden
// files testdata/golden/explain-*.golden: a recommended movement in the
// plan, an avoided one, a cautioned one, two why-nots, two left out for
// missing equipment, one withheld by a referral, and the referrals, as
// text and as JSON. Run with -update to rewrite them.
func TestExplainGolden(t *testing.T) {
	tests := []struct {
		name, profile, target string
		json                  bool
	}{
		{"disc-towel-stretch", "disc-herniation", "towel_stretch", true},
		{"disc-knee-to-chest", "disc-herniation", "knee_to_chest", false},
		{"disc-back-stretcher", "disc-herniation", "back_stretcher", true},
		{"strain-towel-stretch", "acute-strain", "towel_stretch", true},
		{"strain-cat-cow", "acute-strain", "cat_cow", false},
		{"stiffness-bed-decompression", "chronic-stiffness", "bed_decompression", false},
		{"stiffness-foam-roll-glutes", "chronic-stiffness", "foam_roll_glutes", false},
		{"saddle-walking", "saddle-numbness", "walking", true},
		{"referral-saddle", "saddle-numbness", "referral", true},
		{"referral-stiffness", "chronic-stiffness", "referral", false},
	}
	for _, tt := range tests {
		formats := []string{"text"}
		if tt.json {
			formats = append(formats, "json")
		}
		for _, format := range formats {
			name := "explain-" + tt.name
			if format == "json" {
				name += "-json"
			}
			t.Run(name, func(t *testing.T) {
				args := []string{"-explain", tt.target, "-format", format, "../../testdata/profiles/" + tt.profile + ".yaml"}
				var stdout, stderr bytes.Buffer
				if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 0 {
					t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
				}
				golden.Check(t, filepath.Join("..", "..", "testdata", "golden", name+".golden"), stdout.Bytes(), *update)
			})
		}
	}
}

// latentRule is a rule file whose rule loads but fails at runtime: it
// divides by zero at age 17, a value the load-time search does not try.
const latentRule = `rules:
  - id: latent-division
    when: "100 / (profile.age * 3 - 51) < 1000"
    avoid: [knee_to_chest]
    because: Fails on purpose at age 17.
    cite: [{source: src-a, locator: Section 1, claim: Something.}]
`

// TestExplainPartial checks that -explain, of a movement or of the
// referrals, as text or JSON, prints the referrals that are known when an
// ordinary rule fails at runtime, exactly as the advice does (the
// emergency, with the rest of the advice withheld and the note that it
// could not be worked out), then exits 1 with the error on standard
// error.
func TestExplainPartial(t *testing.T) {
	dir := ruleDir(t, map[string]string{"latent.yaml": latentRule})
	const profile = `{"red_flags": ["saddle_numbness"], "age": 17}`
	const wantStderr = `error: no explanation: latent.yaml:2: rule "latent-division" failed to evaluate: division by zero: ` +
		`fix its when condition so that it works for every valid profile (only the referrals were worked out)` + "\n"
	tests := []struct {
		name   string
		format string
		target string
		// want are strings the output must hold: the emergency and the
		// note that the rest could not be worked out.
		want []string
	}{
		{"movement text", "text", "knee_to_chest", []string{"  - Emergency: Get help now. [1]", "The rest of the advice could not be worked out. See a clinician."}},
		{"referral text", "text", "referral", []string{"  - Emergency: Get help now. [1]", "The rest of the advice could not be worked out. See a clinician."}},
		{"movement json", "json", "knee_to_chest", []string{`"urgency": "emergency"`, `"message": "Get help now."`, `"incomplete": true`, "The rest of the advice could not be worked out. See a clinician."}},
		{"referral json", "json", "referral", []string{`"urgency": "emergency"`, `"message": "Get help now."`, `"incomplete": true`, "The rest of the advice could not be worked out. See a clinician."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The advice without -explain: the referrals, the rest
			// withheld.
			var advice, adviceErr bytes.Buffer
			if code := run([]string{"-rules", dir, "-format", tt.format}, strings.NewReader(profile), &advice, &adviceErr); code != 1 {
				t.Fatalf("without -explain: exit %d, want 1; stderr:\n%s", code, adviceErr.String())
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"-rules", dir, "-format", tt.format, "-explain", tt.target}, strings.NewReader(profile), &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if diff := cmp.Diff(wantStderr, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(advice.String(), stdout.String()); diff != "" {
				t.Errorf("stdout is not the advice's (-want +got):\n%s", diff)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout has no %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}
