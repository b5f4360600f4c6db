package parse_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/backrules/backrules/internal/parse"
	"github.com/google/go-cmp/cmp"
)

// readable returns what ReadablePart reads of in, as compact JSON with
// the pairs ReadableJSON leaves out left out, or "" when it reads
// nothing.
func readable(t *testing.T, in string) string {
	t.Helper()
	top := parse.ReadablePart([]byte(in))
	if top == nil {
		return ""
	}
	j, _ := parse.ReadableJSON(top)
	var b bytes.Buffer
	if err := json.Compact(&b, j.Text); err != nil {
		t.Fatalf("ReadableJSON of ReadablePart(%q) is not JSON: %v\n%s", in, err, j.Text)
	}
	return b.String()
}

// TestReadablePart checks what ReadablePart reads of texts that Document
// refuses, each of which Document does refuse, and that it reads a text
// Document accepts as Document does.
func TestReadablePart(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"accepted", "a: [x, 'y']\nb: 7\n", `{"a":["x","y"],"b":7}`},
		{"comments only", "# nothing\n", ""},

		// Anchors and aliases: an alias is its anchor's value.
		{"anchor", "red_flags: &a [saddle_numbness]\n", `{"red_flags":["saddle_numbness"]}`},
		{"alias of a list", "red_flags: &a [saddle_numbness]\nx: *a\n", `{"red_flags":["saddle_numbness"],"x":["saddle_numbness"]}`},
		{"alias as a list entry", "a: &a saddle_numbness\nred_flags: [*a, night_pain]\n",
			`{"a":"saddle_numbness","red_flags":["saddle_numbness","night_pain"]}`},
		{"alias as a key", "k: &k red_flags\n*k : [saddle_numbness]\n", `{"k":"red_flags","red_flags":["saddle_numbness"]}`},
		{"alias of the node that holds it", "red_flags: [saddle_numbness]\nx: &a [y, *a]\n",
			`{"red_flags":["saddle_numbness"],"x":["y",null]}`},
		{"alias of a mapping that holds it", "x: &a {y: *a}\nred_flags: [saddle_numbness]\n",
			`{"x":{"y":null},"red_flags":["saddle_numbness"]}`},

		// Merge keys, merged as yaml.v3 merges them.
		{"merge of a mapping", "<<: {red_flags: [saddle_numbness], age: 5}\nage: 4\n", `{"red_flags":["saddle_numbness"],"age":4}`},
		{"merge of an alias", "base: &b {red_flags: [saddle_numbness]}\nx:\n  <<: *b\n  age: 4\n",
			`{"base":{"red_flags":["saddle_numbness"]},"x":{"red_flags":["saddle_numbness"],"age":4}}`},
		{"merge of a list, the first given kept", "a: &a {age: 1, sex: female}\nb: &b {age: 2, pain_level: 3}\nx:\n  <<: [*a, *b]\n",
			`{"a":{"age":1,"sex":"female"},"b":{"age":2,"pain_level":3},"x":{"age":1,"sex":"female","pain_level":3}}`},
		{"merge of a scalar", "red_flags: [saddle_numbness]\n<<: x\n", `{"red_flags":["saddle_numbness"]}`},
		{"a quoted << is a key", "\"<<\": {age: 4}\n", `{"<<":{"age":4}}`},

		// Tags that Document refuses: read as if untagged.
		{"custom tag on a number", "red_flags: [saddle_numbness]\npain_level: !foo 4\n", `{"red_flags":["saddle_numbness"],"pain_level":4}`},
		{"custom tag on a quoted number", "pain_level: !foo '4'\n", `{"pain_level":"4"}`},
		{"custom tag on a list", "red_flags: !foo [saddle_numbness]\n", `{"red_flags":["saddle_numbness"]}`},
		{"binary tag", "equipment: [!!binary dG93ZWw=]\nred_flags: [saddle_numbness]\n", `{"equipment":["dG93ZWw="],"red_flags":["saddle_numbness"]}`},
		{"allowed tags stay", "a: !!str 7\nb: !!float 7\nc: !x 1\n", `{"a":"7","b":7,"c":1}`},

		// Keys that are not strings: their pairs are left out.
		{"number key", "red_flags: [saddle_numbness]\n7: x\n", `{"red_flags":["saddle_numbness"]}`},
		{"list key", "? [a]\n: b\nred_flags: [saddle_numbness]\n", `{"red_flags":["saddle_numbness"]}`},

		// Documents.
		{"second document", "red_flags: [saddle_numbness]\n---\nage: 4\n", `{"red_flags":["saddle_numbness"]}`},
		{"empty second document", "red_flags: [saddle_numbness]\n---\n", `{"red_flags":["saddle_numbness"]}`},
		{"second document with a syntax error", "red_flags: [saddle_numbness]\n---\nage: [\n", `{"red_flags":["saddle_numbness"]}`},

		// Syntax errors: the longest start, in whole lines, that parses.
		{"bad indent after", "red_flags: [saddle_numbness]\n  age: 4\n", `{"red_flags":["saddle_numbness"]}`},
		{"unclosed quote after", "red_flags: [saddle_numbness]\nage: \"4\nsex: male\n", `{"red_flags":["saddle_numbness"]}`},
		{"unclosed bracket after", "red_flags:\n- saddle_numbness\n- night_pain\nconditions: [sciatica\n",
			`{"red_flags":["saddle_numbness","night_pain"]}`},
		{"error on the first line", "red_flags: [saddle_numbness\nage: 4\n", ""},
		{"a flow list over lines left open", "age: 4\nred_flags: [saddle_numbness,\n  night_pain,\n  \"x]\n", `{"age":4}`},
		{"unknown anchor", "red_flags: [saddle_numbness]\nx: *nope\n", `{"red_flags":["saddle_numbness"]}`},
		{"tab for indentation", "red_flags:\n- saddle_numbness\nx:\n\ty: 1\n", `{"red_flags":["saddle_numbness"],"x":null}`},
		{"crlf line breaks", "red_flags: [saddle_numbness]\r\nage: \"4\r\n", `{"red_flags":["saddle_numbness"]}`},
		{"error far down", "red_flags:\n" + strings.Repeat("- night_pain\n", 500) + "- saddle_numbness\n  x: [\n",
			`{"red_flags":[` + strings.Repeat(`"night_pain",`, 500) + `"saddle_numbness"]}`},

		// Nesting deeper than CheckNesting allows: the lines before.
		{"nested too deeply", "red_flags: [saddle_numbness]\nage: " + strings.Repeat("[", 40) + "\n", `{"red_flags":["saddle_numbness"]}`},

		// Bytes that are not UTF-8.
		{"not UTF-8", "red_flags: [saddle_numbness, \xff]\n", `{"red_flags":["saddle_numbness","` + "\uFFFD" + `"]}`},
		{"byte order mark", "\uFEFFred_flags: &a [saddle_numbness]\n", `{"red_flags":["saddle_numbness"]}`},
	}
	accepted := map[string]bool{"accepted": true, "a quoted << is a key": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, derr := parse.Document([]byte(tt.in), "a test file")
			if (derr == nil) != accepted[tt.name] {
				t.Fatalf("Document(%q) error = %v; accepted: %v", tt.in, derr, accepted[tt.name])
			}
			if diff := cmp.Diff(tt.want, readable(t, tt.in)); diff != "" {
				t.Errorf("ReadablePart(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestReadablePartBounds checks that what aliases repeat is bounded by
// the length of the text, however they nest ("billion laughs"), and so
// is the depth they read to.
func TestReadablePartBounds(t *testing.T) {
	var laughs strings.Builder
	laughs.WriteString("red_flags: [saddle_numbness]\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= 20; i++ {
		laughs.WriteString(strings.Replace("aN: &aN [", "N", itoa(i), 2))
		for j := range 10 {
			if j > 0 {
				laughs.WriteString(", ")
			}
			laughs.WriteString("*a" + itoa(i-1))
		}
		laughs.WriteString("]\n")
	}
	var deep strings.Builder
	deep.WriteString("red_flags: [saddle_numbness]\nd0: &d0 [x]\n")
	for i := 1; i <= 100; i++ {
		deep.WriteString("d" + itoa(i) + ": &d" + itoa(i) + " [*d" + itoa(i-1) + "]\n")
	}
	for _, in := range []string{laughs.String(), deep.String()} {
		start := time.Now()
		got := readable(t, in)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("ReadablePart took %v", d)
		}
		if !strings.HasPrefix(got, `{"red_flags":["saddle_numbness"]`) {
			t.Errorf("ReadablePart lost the red flag: %.200s", got)
		}
		// Each repeated node costs at least a byte of the budget, which
		// is the text's length; null stands for what it did not read.
		if len(got) > 20*len(in) {
			t.Errorf("ReadablePart read %d bytes of JSON from %d of YAML", len(got), len(in))
		}
		if !strings.Contains(got, "null") {
			t.Errorf("ReadablePart read every alias of %d bytes: %.200s", len(in), got)
		}
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
