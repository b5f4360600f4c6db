package recommend

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// TestValuePosition maps offsets in a scalar's value back to the file, for
// every scalar style YAML has.
func TestValuePosition(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		target string // the value text to find; its offset is mapped
		want   [2]int
	}{
		{"plain", "when: a && bcd\n", "bcd", [2]int{1, 12}},
		{"double quoted", "when: \"a && bcd\"\n", "bcd", [2]int{1, 13}},
		{"double quoted escape", "when: \"'\\x41' == x\"\n", "x", [2]int{1, 18}},
		{"single quoted doubled quote", "when: '''a'' == x'\n", "x", [2]int{1, 17}},
		{"literal block", "when: |\n  a &&\n    bcd\n", "bcd", [2]int{3, 5}},
		{"literal block with comment", "when: | # note\n  a &&\n  bcd\n", "bcd", [2]int{3, 3}},
		{"folded block", "when: >\n  a &&\n  bcd\n", "bcd", [2]int{3, 3}},
		{"plain multi-line", "when: a &&\n  bcd\n", "bcd", [2]int{2, 3}},
		{"double quoted multi-line", "when: \"a &&\n  bcd\"\n", "bcd", [2]int{2, 3}},
		{"unicode before", "when: \"'é' == bcd\"\n", "bcd", [2]int{1, 15}},
		{"offset zero", "when: |\n  abc\n", "abc", [2]int{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(tt.src), &doc); err != nil {
				t.Fatal(err)
			}
			n := doc.Content[0].Content[1]
			off := -1
			v := []rune(n.Value)
			tr := []rune(tt.target)
			for i := 0; i+len(tr) <= len(v); i++ {
				if string(v[i:i+len(tr)]) == tt.target {
					off = i
					break
				}
			}
			if off < 0 {
				t.Fatalf("%q not in value %q", tt.target, n.Value)
			}
			line, col := valuePosition([]byte(tt.src), n, off)
			if diff := cmp.Diff(tt.want, [2]int{line, col}); diff != "" {
				t.Errorf("valuePosition(%q) mismatch (-want +got):\n%s", tt.target, diff)
			}
		})
	}
}
