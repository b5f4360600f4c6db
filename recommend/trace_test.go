package recommend

import (
	"context"
	"testing"
)

// TestTraceMatchesEvaluation checks Result.Trace against the evaluate
// stage's own record of which rules matched, on rule sets of at most 128
// rules (whose bits the Result holds itself) and of more, and that the
// list is the caller's: changing it changes no later Trace.
func TestTraceMatchesEvaluation(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{10, 200} {
		eng, err := Load(syntheticRules(t, n))
		if err != nil {
			t.Fatal(err)
		}
		matchedSome, missedSome := false, false
		for _, bp := range benchProfiles {
			res, err := eng.Recommend(ctx, bp.p)
			if err != nil {
				t.Fatal(err)
			}
			matched, err := eng.evaluate(ctx, &bp.p)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Trace()
			if len(got) != len(eng.rules) {
				t.Fatalf("%d rules, %s: %d trace entries, want %d", n, bp.name, len(got), len(eng.rules))
			}
			for ri, te := range got {
				if want := (TraceEntry{Rule: eng.rules[ri].id, Matched: matched[ri]}); te != want {
					t.Errorf("%d rules, %s: entry %d is %+v, want %+v", n, bp.name, ri, te, want)
				}
				matchedSome, missedSome = matchedSome || te.Matched, missedSome || !te.Matched
			}
			first := got[0]
			got[0] = TraceEntry{Rule: "changed", Matched: !first.Matched}
			if again := res.Trace(); again[0] != first {
				t.Errorf("%d rules, %s: after the caller changed its trace, Trace()[0] = %+v, want %+v", n, bp.name, again[0], first)
			}
		}
		if !matchedSome || !missedSome {
			t.Errorf("%d rules: the profiles matched every rule or none: the test proves nothing", n)
		}
	}
	var none *Result
	for name, r := range map[string]*Result{"nil": none, "zero": {}} {
		if tr := r.Trace(); tr == nil || len(tr) != 0 {
			t.Errorf("%s Result: Trace() = %#v, want empty and not nil", name, tr)
		}
	}
}
