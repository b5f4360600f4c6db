package recommend

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExplainDirectMatchesTracked proves that an explanation whose
// values come from a condition's direct checks gives the clauses the
// tracked CEL run gives: generated conditions of the shapes
// directcheck.go compiles (and some it leaves to CEL, which must then
// not be walked with direct values), each on generated profiles.
func TestExplainDirectMatchesTracked(t *testing.T) {
	env, err := sharedCELEnv()
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{}
	r := rand.New(rand.NewPCG(21, 2026))
	profiles := make([]Profile, 60)
	for i := range profiles {
		profiles[i] = directProfile(r)
	}
	conditions := 1500
	if testing.Short() {
		conditions = 300
	}
	walked, compared := 0, 0
	for range conditions {
		g := &directGen{r: r, covered: true}
		when := g.cond(1 + r.IntN(4))
		checked, iss := env.Compile(when)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", when, iss.Err())
		}
		pl := newWhyPlan(e, checked.NativeRep(), when)
		if pl.direct != (directCondition(checked.NativeRep()) != nil) {
			t.Errorf("%s: plan direct %v, but the condition's direct check is %v", when, pl.direct, directCondition(checked.NativeRep()) != nil)
		}
		if !pl.direct {
			continue
		}
		walked++
		tracked, err := env.Program(checked, trackedOptions(hasComprehension(checked.NativeRep()))...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range profiles {
			p := &profiles[i]
			_, det, err := tracked.Eval(&activation{v: profileVal{newCELProfile(p)}})
			if err != nil {
				t.Fatalf("%s on %+v: %v", when, *p, err)
			}
			fromCEL := whyRun{e: e, p: p, state: det.State(), memo: make([]uint8, pl.nodes), says: []byte("v")}
			fromGo := whyRun{e: e, p: p, memo: make([]uint8, pl.nodes), says: []byte("v")}
			want := fromCEL.why(pl.root, nil)
			wantSummary := string(fromCEL.says)
			fromCEL.finish(wantSummary, want)
			got := fromGo.why(pl.root, nil)
			gotSummary := string(fromGo.says)
			fromGo.finish(gotSummary, got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s on %+v (-tracked CEL +direct):\n%s", when, *p, diff)
			}
			if diff := cmp.Diff(wantSummary, gotSummary); diff != "" {
				t.Errorf("%s on %+v: summary (-tracked CEL +direct):\n%s", when, *p, diff)
			}
			compared++
		}
	}
	if walked < conditions/2 {
		t.Errorf("only %d of %d generated conditions were walked with direct values", walked, conditions)
	}
	t.Logf("%d of %d conditions walked with direct values; %d walks compared", walked, conditions, compared)
}
