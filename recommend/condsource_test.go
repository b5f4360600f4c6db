package recommend

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/google/cel-go/common/ast"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
)

// TestEngineKeepsNoCheckedAST checks that Load drops the checked ASTs of
// the conditions (they are a third of the engine's objects, which every
// garbage collection marks), and that the AST an explanation or Analyze
// compiles again for each rule is the one cel-go checks from its text in
// the engine's environment: the same nodes, ids, types, references and
// offsets (TestFastCompileMatchesCEL holds the fast path to cel-go's
// ASTs; this holds the engine to them after Load).
func TestEngineKeepsNoCheckedAST(t *testing.T) {
	e := loadDefault(t)
	withWhen := 0
	compared := map[string]bool{}
	for ri := range e.rules {
		r := &e.rules[ri]
		if r.why == nil {
			t.Errorf("rule %s: no condition source", r.id)
			continue
		}
		withWhen++
		if r.why.ast != nil {
			t.Errorf("rule %s: the engine keeps the checked AST after Load", r.id)
		}
		got := r.checked()
		if got == nil {
			t.Errorf("rule %s: the condition does not compile again: %q", r.id, r.when)
			continue
		}
		if compared[r.when] {
			continue
		}
		compared[r.when] = true
		compiled, iss := r.why.env.Compile(r.when)
		if iss.Err() != nil {
			t.Fatalf("rule %s: %v", r.id, iss.Err())
		}
		want := compiled.NativeRep()
		wantPB, err := ast.ToProto(want)
		if err != nil {
			t.Fatal(err)
		}
		gotPB, err := ast.ToProto(got)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantPB, gotPB, protocmp.Transform()); diff != "" {
			t.Errorf("rule %s: the AST compiled again differs from cel-go's (-want +got):\n%s", r.id, diff)
		}
		if diff := cmp.Diff(want.SourceInfo().OffsetRanges(), got.SourceInfo().OffsetRanges()); diff != "" {
			t.Errorf("rule %s: offsets differ from cel-go's (-want +got):\n%s", r.id, diff)
		}
	}
	if withWhen == 0 {
		t.Fatal("no rule with a condition")
	}
}

// TestCondSourcePlanConcurrent explains every movement for several
// profiles from many goroutines at once on a fresh engine, so that the
// explanation plans made on first use are made concurrently; every
// explanation must equal the one a second engine makes alone. Run with
// -race.
func TestCondSourcePlanConcurrent(t *testing.T) {
	profiles := []Profile{
		{Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"bending_forward", "sitting"},
			Equipment: []string{"towel", "bed", "sofa", "exercise_mat"}, PainLevel: 4, DaysSinceOnset: 21, SittingHours: 8, Age: 42},
		{Conditions: []string{"chronic_stiffness"}, AggravatedBy: []string{"sitting", "lifting", "twisting"},
			EasedBy: []string{"lying_down"}, Equipment: []string{"towel"}, PainLevel: 3, DaysSinceOnset: 200, SittingHours: 9, Age: 52},
		{Conditions: []string{"disc_herniation", "sciatica"}, Equipment: []string{"towel"}, PainLevel: 6, Age: 60},
	}
	fresh := loadDefault(t)
	alone := loadDefault(t)
	ctx := context.Background()
	explain := func(e *Engine, p Profile, movement string) string {
		x, err := e.Explain(ctx, p, movement)
		if err != nil {
			return "error: " + err.Error()
		}
		b, err := json.Marshal(x)
		if err != nil {
			return "json error: " + err.Error()
		}
		return string(b)
	}
	type job struct {
		p  int
		mv string
	}
	var jobs []job
	want := map[job]string{}
	for pi, p := range profiles {
		for _, mv := range alone.movements {
			j := job{pi, mv.id}
			jobs = append(jobs, j)
			want[j] = explain(alone, p, mv.id)
		}
	}
	got := make([][]string, 8)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			for _, j := range jobs {
				got[g] = append(got[g], explain(fresh, profiles[j.p], j.mv))
			}
		})
	}
	wg.Wait()
	for g := range got {
		for i, j := range jobs {
			if diff := cmp.Diff(want[j], got[g][i]); diff != "" {
				t.Errorf("goroutine %d, profile %d, %s: explanation differs from the one made alone (-want +got):\n%s", g, j.p, j.mv, diff)
			}
		}
	}
}

// TestAnalyzeRefusesAConditionThatNoLongerCompiles checks that Analyze,
// which compiles each condition again from its text, fails with the rule
// named when one does not compile, rather than leave the rule (here a
// red flag's referral) out of the analysis without a word. It cannot
// happen to a rule set that loaded; the text is changed behind Load's
// back to make it happen.
func TestAnalyzeRefusesAConditionThatNoLongerCompiles(t *testing.T) {
	e := loadDefault(t)
	ri := -1
	for i := range e.rules {
		if e.rules[i].refer != nil && e.rules[i].why != nil {
			ri = i
			break
		}
	}
	if ri < 0 {
		t.Fatal("no referral rule with a condition")
	}
	w := e.rules[ri].why
	e.rules[ri].why = newCondSource(w.env, w.vocab, nil, "profile.red_flags.exists(f, ", w.loops)
	_, err := e.Analyze(context.Background())
	if err == nil || !strings.Contains(err.Error(), e.rules[ri].id) {
		t.Fatalf("Analyze = %v, want an error naming rule %s", err, e.rules[ri].id)
	}
}
