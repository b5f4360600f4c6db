package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ruleDir makes a rule directory of the minimal rule set plus files.
func ruleDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	minimal, err := filepath.Glob("../../testdata/minimal/*.yaml")
	if err != nil || len(minimal) == 0 {
		t.Fatalf("no minimal rule set: %v", err)
	}
	for _, path := range minimal {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(path)] = string(data)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rule is a rule file with one rule; when and because are YAML
// double-quoted scalars, so \e (ESC) and \a (BEL) in them are YAML's.
func rule(when, because string) string {
	return `rules:
  - id: esc
    when: "` + when + `"
    avoid: [knee_to_chest]
    because: "` + because + `"
    cite: [{source: src-a, locator: Section 1, claim: Something.}]
`
}

// TestTerminalEscapes checks that text from rule files, file names and
// profiles that could act on a terminal reaches it escaped, in errors and
// in the text report, while other text stays readable.
func TestTerminalEscapes(t *testing.T) {
	tests := []struct {
		name       string
		files      map[string]string
		args       []string
		stdin      string
		wantCode   int
		wantStdout string // a line the output must hold, or ""
		wantStderr string
	}{
		{
			name:     "CEL syntax error in a file with an escape sequence in its name",
			files:    map[string]string{"\x1b[31mred.yaml": rule(`\e]0;PWNED\a`, "Test.")},
			stdin:    `{}`,
			wantCode: 1,
			wantStderr: `error: \x1b[31mred.yaml:3:12: in when: syntax error: token recognition error at: '\x1b'` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | ...........^\n" +
				`\x1b[31mred.yaml:3:14: in when: syntax error: extraneous input ']'` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | .............^\n" +
				`\x1b[31mred.yaml:3:16: in when: syntax error: token recognition error at: ';'` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | ...............^\n" +
				`\x1b[31mred.yaml:3:17: in when: syntax error: extraneous input 'PWNED' expecting <EOF>` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | ................^\n" +
				`\x1b[31mred.yaml:3:22: in when: syntax error: token recognition error at: '\a'` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | .....................^\n",
		},
		{
			name:     "runtime error found at load",
			files:    map[string]string{"rt.yaml": rule(`size(profile.conditions) == 1 && {'a': true}[\"\e]0;PWNED\a\"]`, "Test.")},
			stdin:    `{"conditions": ["acute_strain"]}`,
			wantCode: 1,
			wantStderr: `error: rt.yaml:3:12: the when condition fails to evaluate for the profile {"conditions":["disc_herniation"]}: no such key: \x1b]0;PWNED\a: ` +
				`guard it so that it works for every valid profile, for example by testing for the key with in before reading it` + "\n" +
				` |     when: "size(profile.conditions) == 1 && {'a': true}[\"\e]0;PWNED\a\"]"` + "\n" +
				" | ...........^\n",
		},
		{
			// Age 40 is a value the load-time search does not try.
			name:       "runtime error",
			files:      map[string]string{"rt.yaml": rule(`profile.age - 20 - 20 == 0 && {'a': true}[\"\e]0;PWNED\a\"]`, "Test.")},
			stdin:      `{"conditions": ["acute_strain"], "age": 40}`,
			wantCode:   1,
			wantStdout: "  - The rest of the advice could not be worked out. See a clinician.", // the referrals are printed first
			wantStderr: `error: rt.yaml:2: rule "esc" failed to evaluate: no such key: \x1b]0;PWNED\a: fix its when condition so that it works for every valid profile (only the referrals were worked out)` + "\n",
		},
		{
			// Rule files may not hold control characters in prose, but
			// a line separator (YAML's \L) is not one, and a terminal
			// must not get it raw either.
			name:       "text report",
			files:      map[string]string{"because.yaml": rule("true", `Keeps the back\Lstraight, señal.`)},
			stdin:      `{}`,
			wantStdout: `  - Knee to chest: Keeps the back\u2028straight, señal. [1]`,
		},
		{
			name:       "detailed text report",
			files:      map[string]string{"because.yaml": rule("true", `Keeps the back\Lstraight, señal.`)},
			args:       []string{"-detail"},
			stdin:      `{}`,
			wantStdout: `      Why: Keeps the back\u2028straight, señal.`,
		},
		{
			name:       "markdown report",
			files:      map[string]string{"because.yaml": rule("true", `Keeps the back\Lstraight, señal.`)},
			args:       []string{"-format", "markdown"},
			stdin:      `{}`,
			wantStdout: `- Knee to chest: Keeps the back straight, señal. \[1\]`, // Markdown lines fold white space
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := ruleDir(t, tt.files)
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"-rules", dir}, tt.args...), strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			if diff := cmp.Diff(tt.wantStderr, stderr.String()); diff != "" {
				t.Errorf("stderr mismatch (-want +got):\n%s", diff)
			}
			if tt.wantStdout != "" && !slices.Contains(strings.Split(stdout.String(), "\n"), tt.wantStdout) {
				t.Errorf("stdout has no line %q:\n%s", tt.wantStdout, stdout.String())
			}
			if i := strings.IndexFunc(stdout.String()+stderr.String(), isControl); i >= 0 {
				t.Errorf("output holds a control character at byte %d", i)
			}
		})
	}
}

// TestProfileErrorEscapes checks an error from decoding a profile whose key
// holds an escape sequence, written with a YAML escape.
func TestProfileErrorEscapes(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(nil, strings.NewReader(`"cond\eitions": [disc_herniation]`+"\n"), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), `cond\x1bitions`) {
		t.Errorf("exit code %d, stderr %q; want 1 and the key written as cond\\x1bitions", code, stderr.String())
	}
	if i := strings.IndexFunc(stderr.String(), isControl); i >= 0 {
		t.Errorf("stderr holds a control character at byte %d: %q", i, stderr.String())
	}
}

// isControl reports a character that could act on a terminal; line feeds
// and tabs are the output's own layout.
func isControl(r rune) bool {
	return r != '\n' && r != '\t' && (r < 0x20 || r >= 0x7f && r < 0xa0)
}
