package parse

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/fuzzseed"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
)

// TestOffsets maps offsets in a scalar's value back to the file, for
// every scalar style YAML has.
func TestOffsets(t *testing.T) {
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
			got := newOffsets("f.yaml", []byte(tt.src), n).Pos(off)
			if diff := cmp.Diff(FilePos{"f.yaml", Pos{tt.want[0], tt.want[1]}}, got); diff != "" {
				t.Errorf("Offsets.Pos(%q) mismatch (-want +got):\n%s", tt.target, diff)
			}
		})
	}
}

// FuzzValuePosition maps offsets in every scalar of an arbitrary YAML
// document back to the source. Offsets.Pos must not panic, must return a
// position inside the file, and, for a plain character the author typed
// as is, must return that character's position.
func FuzzValuePosition(f *testing.F) {
	for _, data := range fuzzseed.Files(f, "../../testdata/fuzz/FuzzValuePosition/*") {
		f.Add(string(data), 0)
		f.Add(string(data), len(data)/2)
	}
	f.Add("when: \"'\\x41' == x\"\n", -1)
	f.Add("when: |\n  a &&\n    bcd\n", 1<<30)
	f.Fuzz(func(t *testing.T, src string, off int) {
		// Load rejects files that are not UTF-8, and strips a byte order
		// mark and normalizes line breaks before it parses.
		if !utf8.ValidString(src) {
			return
		}
		src = string(normalizeLineBreaks([]byte(strings.TrimPrefix(src, "\uFEFF"))))
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			return
		}
		lines := strings.Split(src, "\n")
		check := func(n *yaml.Node, off int) {
			p := newOffsets("f.yaml", []byte(src), n).Pos(off)
			line, col := p.Line, p.Column
			if line < 1 || line > len(lines) {
				t.Fatalf("valuePosition(%q, off %d) = line %d, outside the %d lines", n.Value, off, line, len(lines))
			}
			text := []rune(lines[line-1])
			if col < 1 || col > len(text)+1 {
				t.Fatalf("valuePosition(%q, off %d) = %d:%d, outside line %q", n.Value, off, line, col, lines[line-1])
			}
			v := []rune(n.Value)
			if off >= 0 && off < len(v) && plainChar(v[off]) && n.Style&yaml.DoubleQuotedStyle == 0 &&
				(col > len(text) || text[col-1] != v[off]) {
				t.Fatalf("valuePosition(%q, off %d) = %d:%d, which is not %q in line %q", n.Value, off, line, col, v[off], lines[line-1])
			}
		}
		stack := []*yaml.Node{&doc}
		// Check the first 32 scalars, so that a large input stays quick.
		for scalars := 0; len(stack) > 0 && scalars < 32; {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			stack = append(stack, n.Content...)
			if n.Kind != yaml.ScalarNode {
				continue
			}
			scalars++
			check(n, off)
			for i := range min(len([]rune(n.Value)), 64) + 1 {
				check(n, i)
			}
		}
	})
}

// plainChar reports whether YAML keeps r as written in every scalar style
// but double-quoted: a printable ASCII character that is not a space or a
// quote.
func plainChar(r rune) bool {
	return r > ' ' && r < 0x7f && r != '\'' && r != '"'
}
