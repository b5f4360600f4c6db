package recommend

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

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
// condition's plan: two Explainers hold the same string, not each a copy
// from its own arena, and it reads as the walk writes it.
func TestFixedSummariesShared(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, bp := range benchProfiles {
		t.Run(bp.name, func(t *testing.T) {
			xs := [2]*Explainer{}
			for i := range xs {
				if xs[i], err = eng.NewExplainer(context.Background(), bp.p); err != nil {
					t.Fatal(err)
				}
				answerAll(t, xs[i])
			}
			fixed := 0
			for ri, re := range xs[0].made {
				r := &eng.rules[ri]
				if re == nil || r.why == nil {
					continue
				}
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
				other := xs[1].made[ri]
				if unsafe.StringData(re.Summary) != unsafe.StringData(other.Summary) {
					t.Errorf("%s: two Explainers hold copies of its summary %q", r.id, re.Summary)
				}
				verdict := "not matched"
				if re.Matched {
					verdict = "matched"
				}
				if len(re.Clauses) != 1 || re.Summary != verdict+": "+re.Clauses[0].Says {
					t.Errorf("%s: summary %q, clauses %+v", r.id, re.Summary, re.Clauses)
				}
			}
			if fixed == 0 {
				t.Fatal("no rule decided by one fixed clause: the test proves nothing")
			}
		})
	}
}
