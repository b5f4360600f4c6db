package recommend

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAppendTermLabels checks that the outcome summary joins labels as
// explainJoin does: "A", "A and B", "A, B and C".
func TestAppendTermLabels(t *testing.T) {
	all := []string{"Towel", "Bed", "Sofa", "Exercise mat"}
	for n := range len(all) + 1 {
		t.Run(strings.Join(all[:n], "+"), func(t *testing.T) {
			ts := make([]Term, n)
			for i, l := range all[:n] {
				ts[i] = Term{ID: strings.ToLower(l), Label: l}
			}
			got := string(appendTermLabels(nil, ts, "and"))
			if diff := cmp.Diff(explainJoin(all[:n], "and"), got); diff != "" {
				t.Errorf("(-explainJoin +appendTermLabels):\n%s", diff)
			}
		})
	}
}

// TestFormatNumber checks that formatNumber gives what
// strconv.FormatFloat(v, 'g', -1, 64) gives, the way a clause's Values
// have always shown a number.
func TestFormatNumber(t *testing.T) {
	for _, v := range []float64{0, 1, 7, 8.5, 42, 99, 99.5, 100, 365, 1e6, 1e21, -1, -0.5, 0.0001} {
		if got, want := formatNumber(v), strconv.FormatFloat(v, 'g', -1, 64); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestFixedSummariesShared checks that a rule decided by one clause
// whose words do not depend on the profile (a literal, or a list that
// holds none or all of the clause's ids) takes its summary from the
// condition's plan: two Explainers of an engine without its cache of
// explanations hold the same explanation, the plan's, and its summary
// reads as the walk writes it.
func TestFixedSummariesShared(t *testing.T) {
	eng := loadDefault(t)
	ExplainCacheOff(eng)
	for _, bp := range benchProfiles {
		t.Run(bp.name, func(t *testing.T) {
			xs := [2]*Explainer{}
			for i := range xs {
				var err error
				if xs[i], err = eng.NewExplainer(context.Background(), bp.p); err != nil {
					t.Fatal(err)
				}
				answerAll(t, xs[i])
			}
			fixed := 0
			why := func(x *Explainer, ri int) *ruleWhy {
				x.mu.Lock()
				defer x.mu.Unlock()
				return x.why(context.Background(), ri)
			}
			for ri := range eng.rules {
				r := &eng.rules[ri]
				if r.why == nil {
					continue
				}
				re := why(xs[0], ri)
				root := r.why.plan(eng).root
				switch l := root.leaf.(type) {
				case literalLeaf:
				case *listLeaf:
					held := 0
					for _, id := range l.ids {
						if slices.Contains(listFields[l.fi].get(xs[0].p), id) {
							held++
						}
					}
					if held != 0 && held != len(l.ids) {
						continue
					}
				default:
					continue
				}
				fixed++
				if other := why(xs[1], ri); other != re {
					t.Errorf("%s: two Explainers hold each its own explanation %q", r.id, re.summary)
				}
				verdict := "not matched"
				if re.matched {
					verdict = "matched"
				}
				if cs := (RuleExplanation{w: re}).Clauses(); len(cs) != 1 || re.summary != verdict+": "+cs[0].Says {
					t.Errorf("%s: summary %q, clauses %+v", r.id, re.summary, cs)
				}
			}
			if fixed == 0 {
				t.Fatal("no rule decided by one fixed clause: the test proves nothing")
			}
		})
	}
}
