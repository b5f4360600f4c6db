//go:build unix

package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/golden"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/mutants.golden")

// listing writes each mutant of src as its key, its position, the text it
// replaces (its first line, then "..." when there are more) and the
// replacement.
func listing(t *testing.T, name string, src []byte) string {
	t.Helper()
	ms, err := generate(name, src)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, m := range ms {
		old, _, more := strings.Cut(string(src[m.start:m.end]), "\n")
		if more {
			old += "..."
		}
		fmt.Fprintf(&b, "[%s]\n\t%d:%d %q -> %q\n", m.key, m.line, m.col, old, m.repl)
	}
	return b.String()
}

// TestGenerateGolden pins the mutants made from a small file: every kind
// of mutation the package documentation lists, with its key and the line
// it gives.
func TestGenerateGolden(t *testing.T) {
	src, err := os.ReadFile("testdata/fixture.go")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/mutants.golden", []byte(listing(t, "testdata/fixture.go", src)), *update)
}

// keys returns the keys of the mutants of src, failing on a repeat.
func keys(t *testing.T, src []byte) []string {
	t.Helper()
	ms, err := generate("fixture.go", src)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.key] {
			t.Errorf("key %s given twice", m.key)
		}
		seen[m.key] = true
		out = append(out, m.key)
	}
	return out
}

// TestKeysStable checks that a mutant's key, which .ci/mutate-equivalent.txt
// lists, does not change when the file changes elsewhere: lines added
// above, another function, comments, or the indentation of its line.
func TestKeysStable(t *testing.T) {
	src, err := os.ReadFile("testdata/fixture.go")
	if err != nil {
		t.Fatal(err)
	}
	want := keys(t, src)
	if len(want) < 20 {
		t.Fatalf("the fixture gives %d mutants, want at least 20", len(want))
	}
	s := string(src)
	tests := []struct {
		name string
		src  string
	}{
		{"lines and a comment above", strings.Replace(s, "import \"slices\"\n", "import \"slices\"\n\n// A comment.\n\n\n", 1)},
		{"another function at the end", s + "\nfunc other() {}\n"},
		{"deeper indentation", strings.Replace(s, "\t\treturn lo\n", "\t\t\t\treturn lo\n", 1)},
		{"a declaration between functions", strings.Replace(s, "type counter struct{ n int }\n", "type counter struct{ n int }\n\nvar _ = 1\n", 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keys(t, []byte(tt.src))
			// The added code may add mutants of its own; the old ones keep
			// their keys.
			var kept []string
			for _, k := range got {
				if !strings.Contains(k, "other") && !strings.Contains(k, "var _") {
					kept = append(kept, k)
				}
			}
			if diff := cmp.Diff(want, kept); diff != "" {
				t.Errorf("keys changed (-want +got):\n%s", diff)
			}
		})
	}
	// An edit on a line changes only the keys of that line.
	edited := keys(t, []byte(strings.Replace(s, "if n > hi && hi >= lo {", "if n > hi && hi > lo {", 1)))
	changed := 0
	for _, k := range want {
		if !contains(edited, k) {
			if !strings.Contains(k, "hi >= lo") {
				t.Errorf("key %s changed by an edit on another line", k)
			}
			changed++
		}
	}
	if changed == 0 {
		t.Error("an edit on a line kept every key of that line")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLookupEquivalent(t *testing.T) {
	equiv := map[string]string{
		`f.go:g: "x++"@2 ++ -> --`: "exact",
		`f.go:g: *`:                "whole function",
		`f.go:g: "if a {"*`:        "whole line",
	}
	tests := []struct {
		key, entry, reason string
		ok                 bool
	}{
		{`f.go:g: "x++"@2 ++ -> --`, `f.go:g: "x++"@2 ++ -> --`, "exact", true},
		{`f.go:g: "if a {"@4 negate condition`, `f.go:g: "if a {"*`, "whole line", true},
		{`f.go:g: "y--"@2 -- -> ++`, `f.go:g: *`, "whole function", true},
		{`f.go:h: "y--"@2 -- -> ++`, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			entry, reason, ok := lookupEquivalent(equiv, tt.key)
			if diff := cmp.Diff([]any{tt.entry, tt.reason, tt.ok}, []any{entry, reason, ok}); diff != "" {
				t.Errorf("lookupEquivalent (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadEquivalent(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, []byte("# comment\n\nf.go:g: * -- why\n  k2 --  because  \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readEquivalent(good)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"f.go:g: *": "why", "k2": "because"}, got); diff != "" {
		t.Errorf("readEquivalent (-want +got):\n%s", diff)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("f.go:g: *\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readEquivalent(bad); err == nil || !strings.Contains(err.Error(), "bad.txt:1") {
		t.Errorf("readEquivalent of a line without a reason = %v, want an error at bad.txt:1", err)
	}
}
