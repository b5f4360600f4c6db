package recommend_test

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// failingFS lists one rule file that cannot be opened.
type failingFS struct {
	fstest.MapFS
	err error
}

func (f failingFS) Open(name string) (fs.File, error) {
	if name == "gone.yaml" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
	}
	return f.MapFS.Open(name)
}

// TestErrorSurface checks that every way Load, Recommend and the writers can
// fail gives an error a caller can test with errors.Is and errors.As, and
// that nothing panics on nil inputs.
func TestErrorSurface(t *testing.T) {
	minimal := fstest.MapFS{}
	dirFS(t, "../testdata/minimal", "", minimal)

	t.Run("empty folder is a LoadError", func(t *testing.T) {
		_, err := recommend.Load(fstest.MapFS{"README.md": {Data: []byte("hi")}})
		var le *recommend.LoadError
		if !errors.As(err, &le) || !errors.Is(err, recommend.ErrInvalidRules) {
			t.Fatalf("Load(no rule files) = %v, want a *LoadError matching ErrInvalidRules", err)
		}
		want := ".: no rule files (*.yaml or *.yml) found: a rule set needs at least one"
		if got := err.Error(); got != want {
			t.Errorf("error = %q, want %q", got, want)
		}
	})
	t.Run("read error keeps its cause", func(t *testing.T) {
		fsys := failingFS{MapFS: fstest.MapFS{"gone.yaml": {Data: []byte("x")}}, err: fs.ErrNotExist}
		for k, v := range minimal {
			fsys.MapFS[k] = v
		}
		_, err := recommend.Load(fsys)
		if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, recommend.ErrInvalidRules) {
			t.Fatalf("Load = %v, want it to match fs.ErrNotExist and ErrInvalidRules", err)
		}
	})
	t.Run("nil option is skipped", func(t *testing.T) {
		if _, err := recommend.Load(minimal, nil, recommend.WithMaxFileSize(1<<10), nil); err != nil {
			t.Fatalf("Load with nil options: %v", err)
		}
	})
	t.Run("nil file system", func(t *testing.T) {
		if _, err := recommend.Load(nil); err == nil {
			t.Fatal("Load(nil) succeeded")
		}
	})
	t.Run("nil engine", func(t *testing.T) {
		var e *recommend.Engine
		if _, err := e.Recommend(context.Background(), recommend.Profile{}); err == nil {
			t.Error("nil Engine: Recommend succeeded")
		}
		if err := e.Validate(recommend.Profile{}); err == nil {
			t.Error("nil Engine: Validate succeeded")
		}
		got := []int{len(e.Rules()), len(e.Movements()), len(e.Sources()), len(e.Vocabulary().Conditions)}
		if diff := cmp.Diff([]int{0, 0, 0, 0}, got); diff != "" {
			t.Errorf("nil Engine views not empty (-want +got):\n%s", diff)
		}
		if got := e.RuleSet(); got != (recommend.RuleSet{}) {
			t.Errorf("nil Engine RuleSet() = %v, want zero", got)
		}
	})
	t.Run("nil context", func(t *testing.T) {
		eng, err := recommend.Load(minimal)
		if err != nil {
			t.Fatal(err)
		}
		//lint:ignore SA1012 the test checks that a nil context is an error, not a panic
		if _, err := eng.Recommend(nil, recommend.Profile{}); err == nil { //nolint:staticcheck
			t.Error("Recommend(nil context) succeeded")
		}
	})
}
