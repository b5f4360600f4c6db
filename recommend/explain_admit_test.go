package recommend_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
)

// TestExplainAdmissionAgrees checks that what the cache admits does not
// change an answer: every answer for a few hundred random profiles, some
// seen once, some again and again (with other profiles between), is the
// same on an engine whose cache admits a profile's values the second
// time they are seen (the default), on one whose cache admits them the
// first time, and on one without the cache.
func TestExplainAdmissionAgrees(t *testing.T) {
	load := func() *recommend.Engine {
		eng, err := recommend.Load(rules.FS)
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	door, all, plain := load(), load(), load()
	recommend.ExplainCacheAdmitAll(all)
	recommend.ExplainCacheOff(plain)
	ctx := context.Background()
	var ids []string
	for _, m := range door.Movements() {
		ids = append(ids, m.ID)
	}
	answers := func(eng *recommend.Engine, p recommend.Profile) string {
		t.Helper()
		x, err := eng.NewExplainer(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var got []any
		for _, id := range ids {
			ex, err := x.Explain(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ex)
		}
		rx, err := x.Referrals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(append(got, rx))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	n := 240
	if testing.Short() {
		n = 40
	}
	r := rand.New(rand.NewPCG(21, 7))
	var seen []recommend.Profile
	again := 0
	for range n {
		p := testrules.RandomProfile(r, door.Vocabulary())
		if len(seen) > 0 && r.IntN(2) == 0 {
			// A profile seen before, perhaps more than once.
			p = seen[r.IntN(len(seen))]
			again++
		} else {
			seen = append(seen, p)
		}
		want := answers(plain, p)
		for _, eng := range []*recommend.Engine{door, all} {
			if diff := cmp.Diff(want, answers(eng, p)); diff != "" {
				t.Fatalf("profile %+v: answers differ from an engine without the cache (-without +with):\n%s", p, diff)
			}
		}
	}
	if again == 0 || len(seen) < n/4 {
		t.Fatalf("%d profiles, %d of them again: the test proves too little", len(seen), again)
	}
}
