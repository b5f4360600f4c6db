package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestUnreadableProfileKeepsEmergency checks that a profile the decoder
// refuses before it can read all of it (YAML refused for its YAML alone,
// a YAML syntax error, a file over the limit) still has the CLI print the
// referral of what could be read, then fail with the problem, its
// position as before. Before, it printed nothing but the problem.
func TestUnreadableProfileKeepsEmergency(t *testing.T) {
	pad := strings.Repeat("x", recommend.MaxProfileBytes)
	tests := []struct {
		name, in, wantErr string
	}{
		{"an anchor and an alias", "red_flags: &a [saddle_numbness]\nx: *a\n",
			"error: invalid profile: line 1 col 12: red_flags: anchor &a: a profile cannot use YAML anchors and aliases: write each value out\n"},
		{"a merge key", "<<: {red_flags: [saddle_numbness]}\n",
			"error: invalid profile: line 1 col 1: merge key <<: a profile cannot use YAML merge keys: write each key out\n"},
		{"a custom tag", "red_flags: [saddle_numbness]\npain_level: !foo 4\n",
			"error: invalid profile: line 2 col 13: pain_level: tag !foo: a profile cannot use this YAML tag: remove it\n"},
		{"a key that is not a string", "red_flags: [saddle_numbness]\n7: x\n",
			"error: invalid profile: line 2 col 1: 7: a key must be a string, found a number\n"},
		{"a second document", "red_flags: [saddle_numbness]\n---\nage: 4\n",
			"error: invalid profile: line 2 col 1: a profile is a single YAML document: a second one starts here; remove it\n"},
		{"a bad indent after the red flag", "red_flags: [saddle_numbness]\n  age: 4\n",
			"error: invalid profile: line 2 col 3: invalid YAML: did not find expected key (check the indentation of this line against the lines above)\n"},
		{"an unclosed quote after the red flag", "red_flags: [saddle_numbness]\nsex: \"male\n",
			"error: invalid profile: line 2 col 6: invalid YAML: found unexpected end of stream (is a quote or a bracket left open?)\n"},
		{"a JSON file over the limit", `{"red_flags": ["saddle_numbness"], "x": "` + pad + `"}`,
			"error: invalid profile: input is larger than 65536 bytes\n"},
		{"a YAML file over the limit", "red_flags: [saddle_numbness]\nx: " + pad + "\n",
			"error: invalid profile: input is larger than 65536 bytes\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "profile")
			if err := os.WriteFile(path, []byte(tt.in), 0o644); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := run([]string{path}, strings.NewReader(""), &stdout, &stderr); code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if diff := cmp.Diff(tt.wantErr, stderr.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if out := strings.ToLower(stdout.String()); !strings.Contains(out, "emergency") || strings.Contains(out, "towel") {
				t.Errorf("stdout lacks the emergency, or gives advice:\n%s", stdout.String())
			}
		})
	}
}
