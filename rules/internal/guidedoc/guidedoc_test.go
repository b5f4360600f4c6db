package guidedoc

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/backrules/backrules/internal/mdsafe"
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
		{"strongest first", cites("personal_account", "guideline", "clinic_article"), []string{"guideline", "clinic_article", "personal_account"}},
		{"no repeats", cites("trial", "trial", "reference"), []string{"trial", "reference"}},
		{"unknown kinds last, in order cited", cites("zeta", "practitioner_article", "alpha"), []string{"practitioner_article", "zeta", "alpha"}},
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
		{"guideline against an article", []string{"clinic_article"}, []string{"guideline"}, againstSide},
		{"guideline for, articles against", []string{"guideline"}, []string{"personal_account", "general_health_article"}, forSide},
		{"systematic review against a personal account", []string{"personal_account"}, []string{"systematic_review"}, againstSide},
		{"trial and an article against an article", []string{"practitioner_article"}, []string{"trial", "general_health_article"}, againstSide},
		{"guidelines on both sides", []string{"guideline"}, []string{"guideline", "clinic_article"}, noSide},
		{"articles on both sides", []string{"clinic_article"}, []string{"personal_account"}, noSide},
		{"a reference is not an article", []string{"reference"}, []string{"guideline"}, noSide},
		{"a reference is not a guideline", []string{"reference"}, []string{"clinic_article"}, noSide},
		{"an article with a reference is not only articles", []string{"clinic_article", "reference"}, []string{"guideline"}, noSide},
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
	// A Result lists a conflict only where the sources disagree: the
	// recommending rule cites a source in support, and the other rule a
	// different source against the movement or urging care. Pairs of
	// rules whose sources do not disagree (an author's own caution, say)
	// have no row.
	cites := map[string][]recommend.Citation{}
	byID := map[string]recommend.Rule{}
	for _, r := range eng.Rules() {
		cites[r.ID] = r.Citations
		byID[r.ID] = r
	}
	// conditional reports whether, in the Result for p, every source the
	// rule against cites against movement m also supports m through a
	// matched rule that recommends it: its advice is then a condition on
	// its own support, and there is no disagreement to list.
	conditional := func(p recommend.Profile, m, against string) bool {
		res, err := eng.Recommend(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var pro []string
		for _, tr := range res.Trace() {
			if !tr.Matched {
				continue
			}
			for _, e := range byID[tr.Rule].Effects {
				if e.Kind == recommend.EffectKindRecommend && slices.Contains(e.Selected, m) {
					for _, c := range cites[tr.Rule] {
						if c.Position() == recommend.PositionSupports {
							pro = append(pro, c.Source())
						}
					}
				}
			}
		}
		for _, c := range cites[against] {
			if (c.Position() == recommend.PositionAgainst || c.Position() == recommend.PositionCaution) && !slices.Contains(pro, c.Source()) {
				return false
			}
		}
		return true
	}
	disagree := func(rec, against string) bool {
		var pro []string
		for _, c := range cites[rec] {
			if c.Position() == recommend.PositionSupports {
				pro = append(pro, c.Source())
			}
		}
		for _, c := range cites[against] {
			if (c.Position() == recommend.PositionAgainst || c.Position() == recommend.PositionCaution) && len(pro) > 0 && !slices.Contains(pro, c.Source()) {
				return true
			}
		}
		return false
	}
	var missing []string
	checked := 0
	for _, c := range an.Conflicts {
		if !disagree(c.Recommend, c.Against) {
			continue
		}
		checked++
		for _, m := range c.Movements {
			found := false
			for _, r := range rows {
				if r.Conflict.Movement == m && slices.Contains(r.Conflict.For.Rules, c.Recommend) && slices.Contains(r.Conflict.Against.Rules, c.Against) {
					found = true
					break
				}
			}
			if !found && !conditional(c.Example, m, c.Against) {
				missing = append(missing, m+": "+c.Recommend+" vs "+c.Against)
			}
		}
	}
	if checked == 0 {
		t.Fatal("the analysis finds no pair of rules whose sources disagree: the test checks nothing")
	}
	if len(missing) > 0 {
		t.Errorf("GUIDANCE.md's conflict table misses %d conflicts the analysis finds:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// TestProgrammeSection checks that the programme section lists every
// progression rule, in order, with its condition, what it does and its
// sources, and every movement with more than one level.
func TestProgrammeSection(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := writeProgrammeSection(context.Background(), &b, eng); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	rules := eng.ProgressRules()
	if len(rules) == 0 {
		t.Fatal("the default rules have no progression rules")
	}
	last := 0
	for i, r := range rules {
		row := fmt.Sprintf("| %d | `%s` | %s |", i+1, r.ID, mdsafe.CodeCell(r.When))
		at := strings.Index(doc, row)
		if at < last {
			t.Errorf("progression rule %s is missing or out of order: no row %q after byte %d", r.ID, row, last)
			continue
		}
		last = at
		line := doc[at : at+strings.IndexByte(doc[at:], '\n')]
		for _, ref := range sourceRefs(r.Citations) {
			if !strings.Contains(line, ref) {
				t.Errorf("the row of %s lacks the source %s: %s", r.ID, ref, line)
			}
		}
		if r.Referral != nil && !strings.Contains(line, string(r.Referral.Urgency)+" review") || r.Referral == nil && !strings.Contains(line, "**"+r.Step+"**") {
			t.Errorf("the row of %s does not say what it does: %s", r.ID, line)
		}
	}
	for _, m := range eng.Movements() {
		if len(m.Levels) > 1 && !strings.Contains(doc, "(`"+m.ID+"`) | 1: ") {
			t.Errorf("the levels of %s are missing", m.ID)
		}
	}
	if !strings.Contains(doc, "`progress-review-not-improving` |\n") {
		t.Error("the worked programme does not reach its six-week review")
	}
}
