package recommend_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestSourceKinds checks the list of source kinds: its order and classes,
// that Load accepts a source of each kind and refuses any other, and that
// a caller cannot change the list.
func TestSourceKinds(t *testing.T) {
	kinds := recommend.SourceKinds()
	var ids, classes []string
	for _, k := range kinds {
		ids = append(ids, k.ID)
		classes = append(classes, k.Class)
		if k.Name == "" || k.Plural == "" {
			t.Errorf("kind %q has no name or plural: %+v", k.ID, k)
		}
	}
	wantIDs := []string{"guideline", "systematic_review", "trial", "reference",
		"clinic_article", "practitioner_article", "general_health_article", "personal_account"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("ids, strongest first (-want +got):\n%s", diff)
	}
	wantClasses := []string{"evidence", "evidence", "evidence", "reference", "article", "article", "article", "article"}
	if diff := cmp.Diff(wantClasses, classes); diff != "" {
		t.Errorf("classes (-want +got):\n%s", diff)
	}

	kinds[0].ID = "changed"
	if got := recommend.SourceKinds()[0].ID; got != "guideline" {
		t.Errorf("changing the returned slice changed the next answer: %q", got)
	}

	minimal := func(kind string) fstest.MapFS {
		fsys := fstest.MapFS{}
		for _, name := range []string{"movements.yaml", "rules.yaml", "vocabulary.yaml"} {
			data, err := os.ReadFile("../testdata/minimal/" + name)
			if err != nil {
				t.Fatal(err)
			}
			fsys[name] = &fstest.MapFile{Data: data}
		}
		fsys["sources.yaml"] = &fstest.MapFile{Data: []byte(
			"sources:\n  - {id: src-a, title: Source A, publisher: Publisher A, kind: " + kind + "}\n")}
		return fsys
	}
	for _, id := range wantIDs {
		t.Run(id, func(t *testing.T) {
			if _, err := recommend.Load(minimal(id)); err != nil {
				t.Errorf("Load with a source of kind %q: %v", id, err)
			}
		})
	}
	_, err := recommend.Load(minimal("blog-post"))
	if !errors.Is(err, recommend.ErrInvalidRules) || !strings.Contains(err.Error(), "source kind") {
		t.Errorf("Load with a source of kind blog-post: %v, want an unknown source kind", err)
	}
}
