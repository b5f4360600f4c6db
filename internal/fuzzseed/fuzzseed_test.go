package fuzzseed_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/backrules/backrules/internal/fuzzseed"
	"github.com/google/go-cmp/cmp"
)

// TestFiles checks that Files reads every matching file, pattern by
// pattern and each pattern's files in lexical order.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"b.yaml": "B", "a.yaml": "A", "c.json": "C", "skip.txt": "S"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := fuzzseed.Files(t, filepath.Join(dir, "*.json"), filepath.Join(dir, "*.yaml"), filepath.Join(dir, "none", "*"))
	want := [][]byte{[]byte("C"), []byte("A"), []byte("B")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Files mismatch (-want +got):\n%s", diff)
	}
}
