package recommend

import (
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/termsafe"
	"github.com/google/go-cmp/cmp"
)

// TestIssueLong checks the caret line under the snippet, and the window
// that a long line is cut to.
func TestIssueLong(t *testing.T) {
	long := strings.Repeat("a", 150) + "X" + strings.Repeat("b", 150)
	tests := []struct {
		name string
		is   Issue
		want string
	}{
		{
			name: "no position",
			is:   Issue{File: "f.yaml", Message: "too big"},
			want: "f.yaml: too big",
		},
		{
			name: "caret under the column",
			is:   Issue{File: "f.yaml", Line: 2, Column: 5, Message: "m", Snippet: "  - id: x"},
			want: "f.yaml:2:5: m\n |   - id: x\n | ....^",
		},
		{
			name: "tabs kept in the caret line",
			is:   Issue{File: "f.yaml", Line: 1, Column: 3, Message: "m", Snippet: "\t\tx"},
			want: "f.yaml:1:3: m\n | \t\tx\n | \t\t^",
		},
		{
			name: "column past the end of the line",
			is:   Issue{File: "f.yaml", Line: 1, Column: 7, Message: "m", Snippet: "when:"},
			want: "f.yaml:1:7: m\n | when:\n | ......^",
		},
		{
			name: "long line cut around the column",
			is:   Issue{File: "f.yaml", Line: 1, Column: 151, Message: "m", Snippet: long},
			want: "f.yaml:1:151: m\n | ..." + strings.Repeat("a", 80) + "X" + strings.Repeat("b", 79) + "...\n | " +
				strings.Repeat(".", 83) + "^",
		},
		{
			name: "long line cut at its end",
			is:   Issue{File: "f.yaml", Line: 1, Column: 301, Message: "m", Snippet: long},
			want: "f.yaml:1:301: m\n | ..." + long[141:] + "\n | " + strings.Repeat(".", 162) + "^",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.is.Long()); diff != "" {
				t.Errorf("Long() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestIssueLongEscapesNothing checks that the snippet of a line holding
// spaces other than U+0020 or invisible characters shows each as one
// character that a terminal-safe writer (termsafe.Text, as rulecheck's
// output uses) leaves alone: an escape such as \u00a0 there would take six
// columns, and the caret would no longer stand under the column named.
func TestIssueLongEscapesNothing(t *testing.T) {
	tests := []struct {
		name, line string
	}{
		{"no-break space", "  \u00a0\u00a0because: Test."},
		{"thin space", "    because:\u2009Test."},
		{"zero-width space", "    avoid: [knee_to_chest\u200b]"},
		{"line separator", "    because: one\u2028two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			is := Issue{File: "a.yaml", Line: 5, Column: 12, Message: "problem", Snippet: safeLine(tt.line)}
			long := is.Long()
			if got := termsafe.Text(long); got != long {
				t.Errorf("termsafe.Text changes the issue, so its caret moves:\n%s\nbecomes\n%s", long, got)
			}
			lines := strings.Split(long, "\n")
			if got, want := len([]rune(lines[1])), len([]rune(tt.line))+3; got != want {
				t.Errorf("snippet line has %d characters, want %d, one for each of the line's", got, want)
			}
		})
	}
}
