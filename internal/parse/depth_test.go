package parse

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCheckNesting checks the first pass's limits: what a profile writes
// passes, each limit is met exactly without a problem, and one more is
// refused at the place it is passed.
func TestCheckNesting(t *testing.T) {
	indented := func(n int) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(strings.Repeat(" ", i) + "a:\n")
		}
		return b.String()
	}
	tests := []struct {
		name string
		in   string
		want string // the error, or ""
	}{
		{"block profile", "# a profile\nconditions:\n  - sciatica\n  - disc_herniation\nred_flags: [saddle_numbness]\nage: 40\n", ""},
		{"flow profile", "{conditions: [sciatica], red_flags: [], eased_by: [sitting]}\n", ""},
		{"json-like, crlf", "{\r\n  \"conditions\": [\r\n    \"sciatica\"\r\n  ]\r\n}\r\n", ""},
		{"document markers", "---\nage: 40\n...\n", ""},
		{"64 brackets", strings.Repeat("[", 64), ""},
		{"65 brackets", strings.Repeat("[", 65),
			"line 1 col 65: lists or mappings may nest far deeper than a profile can need: it holds more than 64 '[' and '{'"},
		{"65 braces over lines", strings.Repeat("{\n", 65),
			"line 65 col 1: lists or mappings may nest far deeper than a profile can need: it holds more than 64 '[' and '{'"},
		{"4 indicators", "- - - - a\n", ""},
		{"5 indicators", "x:\n  - ? - -\t- a\n",
			"line 2 col 11: lists or mappings may nest far deeper than a profile can need: a line starts with more than 4 block indicators (- or ?)"},
		{"dashes in a value are not indicators", "conditions: - - - - - -\n", ""},
		{"16 indentation levels", indented(16), ""},
		{"17 indentation levels", indented(17),
			"line 17 col 17: lists or mappings may nest far deeper than a profile can need: more than 16 levels of indentation are open"},
		{"indentation that closes again", strings.Repeat(indented(16), 4), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if err := CheckNesting([]byte(tt.in), "a profile"); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CheckNesting mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
