package fuzzseed_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/backrules/backrules/internal/fuzzseed"
	"github.com/google/go-cmp/cmp"
)

// writeFiles writes a few seed files to a new folder and returns it.
func writeFiles(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string]string{"b.yaml": "B", "a.yaml": "A", "c.json": "C", "skip.txt": "S"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestFiles checks that Files reads every matching file, pattern by
// pattern and each pattern's files in lexical order.
func TestFiles(t *testing.T) {
	dir := writeFiles(t)
	got := fuzzseed.Files(t, filepath.Join(dir, "*.json"), filepath.Join(dir, "*.yaml"))
	want := [][]byte{[]byte("C"), []byte("A"), []byte("B")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Files mismatch (-want +got):\n%s", diff)
	}
}

// fatalTB records the first fatal failure instead of stopping the test.
type fatalTB struct {
	testing.TB
	failed string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatal(args ...any) {
	if f.failed == "" {
		f.failed = fmt.Sprint(args...)
	}
}
func (f *fatalTB) Fatalf(format string, args ...any) {
	if f.failed == "" {
		f.failed = fmt.Sprintf(format, args...)
	}
}

// TestFilesFails checks that a pattern that matches nothing, or a bad
// pattern, fails the test: a target must not lose its seeds silently.
func TestFilesFails(t *testing.T) {
	dir := writeFiles(t)
	tests := []struct {
		name, pattern, want string
	}{
		{"no match", filepath.Join(dir, "none", "*"), fmt.Sprintf("seed pattern %q matches no file", filepath.Join(dir, "none", "*"))},
		{"misspelt extension", filepath.Join(dir, "*.jsn"), fmt.Sprintf("seed pattern %q matches no file", filepath.Join(dir, "*.jsn"))},
		{"bad pattern", "[", `seed pattern "[": syntax error in pattern`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := &fatalTB{TB: t}
			got := fuzzseed.Files(tb, filepath.Join(dir, "*.json"), tt.pattern)
			if tb.failed != tt.want {
				t.Errorf("failure = %q, want %q", tb.failed, tt.want)
			}
			if got != nil {
				t.Errorf("Files = %q after a failure, want nil", got)
			}
		})
	}
}
