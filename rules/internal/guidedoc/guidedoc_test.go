package guidedoc

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

func cites(kinds ...string) []recommend.Citation {
	out := make([]recommend.Citation, len(kinds))
	for i, k := range kinds {
		out[i] = recommend.CitationOf(recommend.Source{ID: "s-" + k, Kind: k}, "", "")
	}
	return out
}

func TestKinds(t *testing.T) {
	tests := []struct {
		name  string
		cites []recommend.Citation
		want  []string
	}{
		{"none", nil, nil},
		{"strongest first", cites("personal-account", "guideline", "clinic-article"), []string{"guideline", "clinic-article", "personal-account"}},
		{"no repeats", cites("trial", "trial", "reference"), []string{"trial", "reference"}},
		{"unknown kinds last, in order cited", cites("zeta", "practitioner-article", "alpha"), []string{"practitioner-article", "zeta", "alpha"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, kinds(tt.cites)); diff != "" {
				t.Errorf("kinds (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGuidelineSide(t *testing.T) {
	tests := []struct {
		name         string
		forKinds     []string
		againstKinds []string
		want         sideName
	}{
		{"guideline against an article", []string{"clinic-article"}, []string{"guideline"}, againstSide},
		{"guideline for, articles against", []string{"guideline"}, []string{"personal-account", "general-health-article"}, forSide},
		{"systematic review against a personal account", []string{"personal-account"}, []string{"systematic-review"}, againstSide},
		{"trial and an article against an article", []string{"practitioner-article"}, []string{"trial", "general-health-article"}, againstSide},
		{"guidelines on both sides", []string{"guideline"}, []string{"guideline", "clinic-article"}, noSide},
		{"articles on both sides", []string{"clinic-article"}, []string{"personal-account"}, noSide},
		{"a reference is not an article", []string{"reference"}, []string{"guideline"}, noSide},
		{"a reference is not a guideline", []string{"reference"}, []string{"clinic-article"}, noSide},
		{"an article with a reference is not only articles", []string{"clinic-article", "reference"}, []string{"guideline"}, noSide},
		{"a side without citations", nil, []string{"guideline"}, noSide},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := recommend.Conflict{
				For:     recommend.Side{Citations: cites(tt.forKinds...)},
				Against: recommend.Side{Citations: cites(tt.againstKinds...)},
			}
			if got := guidelineSide(c); got != tt.want {
				t.Errorf("guidelineSide(for %v, against %v) = %q, want %q", tt.forKinds, tt.againstKinds, got, tt.want)
			}
		})
	}
}

// TestConflictTable checks that a conflict is one row per movement, set of
// recommending rules and set of opposing rules, named by the first profile
// that shows it, and that rows follow movement declaration order.
func TestConflictTable(t *testing.T) {
	conflict := func(movement string, forRules, against []string) recommend.Conflict {
		return recommend.Conflict{Movement: movement, For: recommend.Side{Rules: forRules}, Against: recommend.Side{Rules: against}}
	}
	var tab conflictTable
	tab.add("p1", &recommend.Result{Conflicts: []recommend.Conflict{
		conflict("b", []string{"r1"}, []string{"x"}),
		conflict("c", []string{"r1"}, []string{"x"}),
	}})
	tab.add("p2", &recommend.Result{Conflicts: []recommend.Conflict{
		conflict("a", []string{"r2"}, []string{"y"}),
		conflict("b", []string{"r1"}, []string{"x"}),       // seen in p1
		conflict("b", []string{"r1", "r2"}, []string{"x"}), // more rules for
		conflict("b", []string{"r1"}, []string{"x", "y"}),  // more rules against
	}})
	movements := []recommend.Movement{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	type row struct{ Profile, Movement, For, Against string }
	var got []row
	for _, r := range tab.sorted(movements) {
		c := r.Conflict
		got = append(got, row{r.Profile, c.Movement, strings.Join(c.For.Rules, ","), strings.Join(c.Against.Rules, ",")})
	}
	want := []row{
		{"p2", "a", "r2", "y"},
		{"p1", "b", "r1", "x"},
		{"p2", "b", "r1,r2", "x"},
		{"p2", "b", "r1", "x,y"},
		{"p1", "c", "r1", "x"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conflict rows (-want +got):\n%s", diff)
	}
}

// TestConflictTableCoversAnalysis checks that the conflict table lists
// every conflicting pair of rules that the analysis of the whole profile
// space finds, for every movement they disagree about.
func TestConflictTableCoversAnalysis(t *testing.T) {
	ctx := context.Background()
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := collectConflicts(ctx, eng)
	if err != nil {
		t.Fatal(err)
	}
	an, err := eng.Analyze(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(an.Conflicts) == 0 {
		t.Fatal("the analysis finds no conflict: the test checks nothing")
	}
	var missing []string
	for _, c := range an.Conflicts {
		for _, m := range c.Movements {
			found := false
			for _, r := range rows {
				if r.Conflict.Movement == m && slices.Contains(r.Conflict.For.Rules, c.Recommend) && slices.Contains(r.Conflict.Against.Rules, c.Against) {
					found = true
					break
				}
			}
			if !found {
				missing = append(missing, m+": "+c.Recommend+" vs "+c.Against)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("GUIDANCE.md's conflict table misses %d conflicts the analysis finds:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
