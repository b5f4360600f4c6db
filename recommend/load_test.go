package recommend_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

func TestMinimalRulesLoad(t *testing.T) {
	if _, err := recommend.Load(os.DirFS("../testdata/minimal")); err != nil {
		t.Fatalf("the base of the invalid fixtures must load cleanly:\n%v", err)
	}
}

// TestLoadErrors loads each scenario in testdata/invalid, laid over the
// valid rule set in testdata/minimal (under base/), and compares the whole
// error text, positions and carets included, with the scenario's want
// section. Run with -update to rewrite the want sections.
func TestLoadErrors(t *testing.T) {
	paths, err := filepath.Glob("../testdata/invalid/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no fixtures in testdata/invalid")
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(data)
			fsys := fstest.MapFS{}
			dirFS(t, "../testdata/minimal", "base/", fsys)
			for _, f := range a.files {
				if f.name != "want" {
					fsys[f.name] = &fstest.MapFile{Data: f.data}
				}
			}
			_, err = recommend.Load(fsys)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			var le *recommend.LoadError
			if !errors.As(err, &le) || !errors.Is(err, recommend.ErrInvalidRules) {
				t.Fatalf("Load error is %T, want *recommend.LoadError matching ErrInvalidRules: %v", err, err)
			}
			got := err.Error() + "\n"
			if *update {
				a.set("want", []byte(got))
				if err := os.WriteFile(path, a.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, ok := a.get("want")
			if !ok {
				t.Fatal("fixture has no want section (run with -update)")
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Load error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
