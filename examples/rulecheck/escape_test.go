package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestTerminalEscapes checks that text from rule files, case files and
// file names that could act on a terminal is printed escaped, while other
// text stays readable. DIR stands for the rule directory in the output.
func TestTerminalEscapes(t *testing.T) {
	const caseFile = `cases:
  - name: "flexion \e[2J is avoided, señal"
    profile: {conditions: [disc_herniation]}
    expect:
      avoided: [knee_to_chest]
`
	tests := []struct {
		name       string
		files      map[string]string
		wantCode   int
		wantStdout string
	}{
		{
			name: "CEL syntax error in a file with an escape sequence in its name",
			files: map[string]string{"\x1b[31mred.yaml": `rules:
  - id: esc
    when: "\e]0;PWNED\a"
    avoid: [knee_to_chest]
    because: Test.
    cite: [{source: src-a, locator: Section 1, claim: Something.}]
`},
			wantCode: 1,
			wantStdout: `DIR/\x1b[31mred.yaml:3:12: in when: syntax error: token recognition error at: '\x1b'` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | ...........^\n" +
				`DIR/\x1b[31mred.yaml:3:14: in when: syntax error: extraneous input ']'` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | .............^\n" +
				`DIR/\x1b[31mred.yaml:3:16: in when: syntax error: token recognition error at: ';'` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | ...............^\n" +
				`DIR/\x1b[31mred.yaml:3:17: in when: syntax error: extraneous input 'PWNED' expecting <EOF>` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | ................^\n" +
				`DIR/\x1b[31mred.yaml:3:22: in when: syntax error: token recognition error at: '\a'` + "\n" +
				` |     when: "\e]0;PWNED\a"` + "\n" +
				" | .....................^\n" +
				"FAIL  rules: 5 problems in DIR\n",
		},
		{
			name:     "case name and case file name",
			files:    map[string]string{"\x1b]0;x\a_test.yaml": caseFile},
			wantCode: 0,
			wantStdout: "ok    rules: 2 rules in DIR\n" +
				`PASS  flexion \x1b[2J is avoided, señal (DIR/\x1b]0;x\a_test.yaml:2)` + "\n" +
				"cases: 1 passed, 0 failed\n" +
				"coverage: 1 of 2 rules fire in at least one case; no case makes these fire:\n" +
				"  DIR/rules.yaml:8: saddle-refer\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
				tt.files[filepath.Base(path)] = string(data)
			}
			for name, data := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{dir}, &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit status = %d, want %d; stderr:\n%s", code, tt.wantCode, stderr.String())
			}
			got := strings.ReplaceAll(stdout.String(), dir, "DIR")
			if diff := cmp.Diff(tt.wantStdout, got); diff != "" {
				t.Errorf("stdout mismatch (-want +got):\n%s", diff)
			}
			if i := strings.IndexFunc(stdout.String()+stderr.String(), isControl); i >= 0 {
				t.Errorf("output holds a control character at byte %d", i)
			}
		})
	}
}

// isControl reports a character that could act on a terminal; line feeds
// and tabs are the output's own layout.
func isControl(r rune) bool {
	return r != '\n' && r != '\t' && (r < 0x20 || r >= 0x7f && r < 0xa0)
}
