package recommend

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// classProfile draws a profile as cacheProfile does, with numbers drawn
// from their whole range, some of them 0 (not given), so that many
// profiles fall in the same class of an explanation (whyClass) with
// numbers of their own, of one length or another.
func classProfile(r *rand.Rand, v Vocabulary) Profile {
	p := cacheProfile(r, v)
	pick := func(n int) int {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return 1 + r.IntN(9)
		}
		return r.IntN(n + 1)
	}
	p.Age, p.DaysSinceOnset, p.PainLevel = pick(MaxAge), pick(MaxDaysSinceOnset), pick(10)
	p.SittingHours = float64(pick(2400)) / 100
	if r.IntN(6) == 0 {
		p.PregnancyWeek = pick(MaxPregnancyWeek)
	}
	return p
}

// renderAll returns every answer an Explainer of eng gives for p as
// explainAll does, and with it each rule explanation as its methods show
// it: its summary and its clauses (Clauses, which copies, where the JSON
// encodes without copying).
func renderAll(t *testing.T, eng *Engine, p Profile) string {
	t.Helper()
	x, err := eng.NewExplainer(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	var shown []any
	for i := range eng.movements {
		ex, err := x.Explain(t.Context(), eng.movements[i].id)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ex.Rules {
			shown = append(shown, r.Summary(), r.Clauses())
		}
	}
	rx, err := x.Referrals(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rx.Rules {
		shown = append(shown, r.Summary(), r.Clauses())
	}
	b, err := json.Marshal(shown)
	if err != nil {
		t.Fatal(err)
	}
	return explainAll(t, eng, p) + string(b)
}

// TestExplainClassesAgree checks the classes of explanations (whyClass)
// against an engine without the cache: every answer, in every rendering,
// for a few hundred profiles whose numbers are drawn from their whole
// range, is the same on an engine whose cache admits each class the
// first time it is seen (so that nearly every later profile is explained
// by classes, their numbers filled in), on one with the doorkeeper, and
// on one whose cache and classes are bounded so tightly that they empty
// over and over, the classes within their bound; and the classes did
// explain, with numbers filled in.
func TestExplainClassesAgree(t *testing.T) {
	plain, all, door, small := loadDefault(t), loadDefault(t), loadDefault(t), loadDefault(t)
	ExplainCacheOff(plain)
	ExplainCacheAdmitAll(all)
	ExplainCacheAdmitAll(small)
	small.whys.limit, small.whys.classLimit = 24<<10, 8<<10
	n := 160
	if testing.Short() || raceBuild {
		n = 40
	}
	r := rand.New(rand.NewPCG(21, 8))
	emptied, last := 0, int64(0)
	for range n {
		p := classProfile(r, plain.Vocabulary())
		if err := plain.validate(&p); err != nil {
			continue
		}
		want := renderAll(t, plain, p)
		for _, eng := range []*Engine{all, door, small} {
			if diff := cmp.Diff(want, renderAll(t, eng, p)); diff != "" {
				t.Fatalf("profile %+v: answers differ from an engine without the cache (-without +with):\n%s", p, diff)
			}
		}
		small.whys.mu.RLock()
		b := small.whys.classBytes
		small.whys.mu.RUnlock()
		if b > small.whys.classLimit {
			t.Fatalf("the classes hold about %d bytes, bound %d", b, small.whys.classLimit)
		}
		if b < last {
			emptied++
		}
		last = b
	}
	if emptied == 0 {
		t.Errorf("the classes never emptied at a bound of %d bytes: the test proves nothing of the bound", small.whys.classLimit)
	}
	fills, walks := all.whys.fills.Load(), all.whys.walks.Load()
	t.Logf("%d conditions explained by classes, %d walked", fills, walks)
	if 4*fills < walks {
		t.Errorf("%d conditions explained by classes, %d walked: the test proves too little", fills, walks)
	}
	// Classes whose words show a number: those filled in.
	holed := 0
	all.whys.mu.RLock()
	for _, k := range all.whys.classes {
		if len(k.holes) > 0 {
			holed++
		}
	}
	all.whys.mu.RUnlock()
	if holed == 0 {
		t.Error("no class shows a number: the test proves nothing of filling them in")
	}
}
