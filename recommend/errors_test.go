package recommend

import (
	"strings"
	"testing"

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
