package casefile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/internal/fuzzseed"
	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// maxErrorLen bounds the text of any error Parse returns: values are cut
// short and at most ten problems of a profile are listed.
const maxErrorLen = 4096

// FuzzCaseFile parses case files. Parse must not panic; a refusal must be
// one line of UTF-8, of bounded length, an *Error pointing inside the file;
// accepted cases must have unique, non-empty names on lines of the file,
// and profiles that DecodeProfile reads back the same from their JSON.
// Seeds come from testdata/fuzz/FuzzCaseFile and every case file in
// testdata.
func FuzzCaseFile(f *testing.F) {
	for _, data := range fuzzseed.Files(f, "../../testdata/fuzz/FuzzCaseFile/*", "../../testdata/cases/*.yaml",
		"../../testdata/rulecheck/*/*_test.yaml", "../../testdata/rulecheck/*/tests/*.yaml", "../../testdata/rulecheck/bad-cases/*/*.yaml") {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cases, err := casefile.Parse("f.yaml", bytes.NewReader(data))
		lines := strings.Split(strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u0085", "\n", "\u2028", "\n", "\u2029", "\n").
			Replace(string(bytes.TrimPrefix(data, []byte("\uFEFF")))), "\n")
		if err != nil {
			var ce *casefile.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error is %T, want a *casefile.Error: %v", err, err)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") || !utf8.ValidString(msg) || len(msg) > maxErrorLen {
				t.Fatalf("Parse error is not one short line of UTF-8 (%d bytes): %q", len(msg), msg)
			}
			if ce.Line != 0 || ce.Column != 0 {
				if ce.Line < 1 || ce.Line > len(lines) {
					t.Fatalf("error %q: line %d is outside the file's %d lines", msg, ce.Line, len(lines))
				}
				if width := utf8.RuneCountInString(lines[ce.Line-1]); ce.Column < 1 || ce.Column > width+1 {
					t.Fatalf("error %q: column %d is outside line %d, %d characters wide", msg, ce.Column, ce.Line, width)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, c := range cases {
			if strings.TrimSpace(c.Name) == "" || seen[c.Name] {
				t.Fatalf("case name %q is empty or given twice", c.Name)
			}
			seen[c.Name] = true
			if c.Line < 1 || c.Line > len(lines) {
				t.Fatalf("case %q: line %d is outside the file's %d lines", c.Name, c.Line, len(lines))
			}
			again, err := json.Marshal(c.Profile)
			if err != nil {
				t.Fatal(err)
			}
			back, err := recommend.DecodeProfile(bytes.NewReader(again))
			if err != nil {
				t.Fatalf("case %q: profile %+v does not decode from its JSON %s: %v", c.Name, c.Profile, again, err)
			}
			if diff := cmp.Diff(c.Profile, back); diff != "" {
				t.Fatalf("case %q: profile changes through JSON (-case +again):\n%s", c.Name, diff)
			}
		}
	})
}
