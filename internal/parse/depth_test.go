package parse

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"
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
	const deep = "lists or mappings may nest far deeper than a profile can need: more than 16 lists or mappings in '[' and '{' are open at once"
	tests := []struct {
		name string
		in   string
		want string // the error, or ""
	}{
		{"block profile", "# a profile\nconditions:\n  - sciatica\n  - disc_herniation\nred_flags: [saddle_numbness]\nage: 40\n", ""},
		{"flow profile", "{conditions: [sciatica], red_flags: [], eased_by: [sitting]}\n", ""},
		{"json-like, crlf", "{\r\n  \"conditions\": [\r\n    \"sciatica\"\r\n  ]\r\n}\r\n", ""},
		{"document markers", "---\nage: 40\n...\n", ""},
		{"16 open", strings.Repeat("[", 16), ""},
		{"17 open", strings.Repeat("[", 17),
			"line 1 col 17: " + deep},
		{"17 braces over lines", strings.Repeat("{\n", 17),
			"line 17 col 1: " + deep},
		{"17 brackets in a block comment", "# " + strings.Repeat("[", 17), "line 1 col 19: " + deep},
		{"many closed in turn", strings.Repeat("[[[{a: 1}]]], ", 150), ""},
		{"closed over lines with comments", strings.Repeat("- [a, # ] ]\n   {b: c}]\n", 20), ""},
		{"52 flow check-ins", "check_ins: [" + strings.Repeat("{day: 0, pain_level: 5, done: [{movement: x, sessions: 3, response: same}]}, ", 52) + "]\n", ""},
		{"a closer in a double-quoted scalar", `[` + strings.Repeat(`"]", [`, 16), "line 1 col 97: " + deep},
		{"an escaped quote", `[` + strings.Repeat(`"\"]", [`, 16), "line 1 col 129: " + deep},
		{"a closer in a single-quoted scalar", `[` + strings.Repeat(`'it''s ]', [`, 16), "line 1 col 193: " + deep},
		{"a closer in a flow comment", strings.Repeat("[ # ]\n", 17), "line 17 col 1: " + deep},
		{"a closer in a tag", strings.Repeat("[!a] ", 17), "line 1 col 81: " + deep},
		{"a quote inside a plain scalar is no quote", `[a "b, ]` + strings.Repeat("[", 16), ""},
		{"a quote after a tag is one", `[!t "]"` + strings.Repeat(",[", 16), "line 1 col 39: " + deep},
		{"a closer in a multi-line quote", "[\"\n]\"\n" + strings.Repeat(",[", 16), "line 3 col 32: " + deep},
		// A '[' in a block plain scalar, then a block scalar holding a
		// quote, fool the reading of flow syntax (it sees a quoted scalar
		// that yaml.v3 does not): the backstop still bounds the nesting.
		{"fooled, within the backstop", "a: x [\nb: |\n  ,\"\nc: " + strings.Repeat("[", 2000), ""},
		{"fooled, over the backstop", "a: x [\nb: |\n  ,\"\nc: " + strings.Repeat("[", 2048),
			"line 4 col 2051: lists or mappings may nest far deeper than a profile can need: it holds more than 2048 '[' and '{'"},
		{"an escaped line break ends no quote", "[\"a\\\n\"" + strings.Repeat(",[", 16), "line 2 col 33: " + deep},
		{"2048 brackets", strings.Repeat("[]", 2048), ""},
		{"2049 brackets", strings.Repeat("[]", 2049),
			"line 1 col 4097: lists or mappings may nest far deeper than a profile can need: it holds more than 2048 '[' and '{'"},
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

// TestCheckNestingGenerated checks the flow reading against generated
// flow collections, up to 20 deep, whose scalars hold brackets, quotes
// and comment marks in every place YAML allows: CheckNesting refuses
// exactly those that nest more than MaxFlowDepth deep, so it neither
// counts a bracket inside a scalar or a comment nor misses one outside,
// and yaml.v3 reads each text to the depth it was built with.
func TestCheckNestingGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	scalars := []string{`a`, `b c`, `x"y`, `it's`, `a#b`, `"]"`, `"[{"`, `'}]'`, `'it''s ]'`, `"\"]"`, `"a\\"`, `!t "]"`, `!!str x`, `12`, `-3`, `"a: ]"`, `a:b`}
	var gen func(depth, budget int) (string, int)
	gen = func(depth, budget int) (string, int) {
		if budget == 0 || depth > 0 && rng.IntN(4) == 0 {
			return scalars[rng.IntN(len(scalars))], depth
		}
		mapping := rng.IntN(2) == 0
		n := 1 + rng.IntN(3)
		var b strings.Builder
		open, close := "[", "]"
		if mapping {
			open, close = "{", "}"
		}
		b.WriteString(open)
		deepest := depth + 1
		for i := range n {
			if i > 0 {
				b.WriteString(",")
				if rng.IntN(4) == 0 {
					b.WriteString(" # a comment ] } [\n")
				} else {
					b.WriteString(" ")
				}
			}
			if mapping {
				fmt.Fprintf(&b, "k%d: ", i)
			}
			sub := budget - 1
			if i > 0 {
				sub = min(sub, 2) // one deep child, so the text stays small
			}
			s, d := gen(depth+1, sub)
			b.WriteString(s)
			deepest = max(deepest, d)
		}
		b.WriteString(close)
		return b.String(), deepest
	}
	refused, accepted := 0, 0
	for i := range 3000 {
		text, depth := gen(0, 1+rng.IntN(20))
		src := "v: " + text + "\n"
		err := CheckNesting([]byte(src), "a profile")
		if (err != nil) != (depth > MaxFlowDepth) {
			t.Fatalf("text %d, %d deep: CheckNesting = %v\n%s", i, depth, err, src)
		}
		if err != nil {
			refused++
			continue
		}
		accepted++
		var v any
		if err := yaml.Unmarshal([]byte(src), &v); err != nil {
			t.Fatalf("text %d is not YAML: %v\n%s", i, err, src)
		}
		if got := nestingOf(v) - 1; got != depth {
			t.Fatalf("text %d: yaml.v3 reads %d levels, the generator built %d\n%s", i, got, depth, src)
		}
	}
	if refused == 0 || accepted == 0 {
		t.Fatalf("refused %d, accepted %d: want both", refused, accepted)
	}
}

// nestingOf returns the levels of lists and mappings of v, 0 for a
// scalar.
func nestingOf(v any) int {
	d := 0
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			d = max(d, nestingOf(e))
		}
		return d + 1
	case map[string]any:
		for _, e := range x {
			d = max(d, nestingOf(e))
		}
		return d + 1
	}
	return 0
}
