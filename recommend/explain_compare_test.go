//go:build unix

package recommend_test

// An opt-in comparison, by CPU time and interleaved in short bursts, of
// one Recommend with the full "Why?" of its Result: the target of issue
// 21 is that the second costs at most five times the first.
//
//	go test ./recommend -run '^TestCompareFullWhy$' -compare.why -v
//	go test ./recommend -run '^TestCompareFullWhy$' -compare.why -compare.why.rounds 40 -v

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/backrules/backrules/internal/interleave"
	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
)

var (
	compareWhy       = flag.Bool("compare.why", false, "run TestCompareFullWhy, the interleaved comparison of Recommend and the full Why")
	compareWhyRounds = flag.Int("compare.why.rounds", 20, "rounds of TestCompareFullWhy")
)

// whyProfiles are four varied profiles: the disc profile of issue 21, an
// acute strain, chronic stiffness, and sciatica with a red flag
// (testrules.Profiles).
var whyProfiles = testrules.Profiles()

// TestCompareFullWhy compares, by CPU time, Recommend with the full
// "Why?" of its Result, each over the four whyProfiles in turn: one
// Explainer, every recommended and avoided movement explained (what the
// web page's "Why?" shows) and the referrals; and the same for every
// movement of the rule set; and, to show what the evaluation alone
// costs, NewExplainer alone. Each round runs each contender, in an order
// that rotates, for a burst of about 20 ms of CPU time; the test logs the
// median, over the rounds, of each one's cost per call divided by
// Recommend's in the same round, with their range. It asserts no time.
func TestCompareFullWhy(t *testing.T) {
	if !*compareWhy {
		t.Skip("opt-in: -compare.why")
	}
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The movements the page explains, per profile.
	page := make([][]string, len(whyProfiles))
	for i, p := range whyProfiles {
		res, err := eng.Recommend(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		page[i] = fullWhy(res)
	}
	var all []string
	for _, m := range eng.Movements() {
		all = append(all, m.ID)
	}
	why := func(i int, ids []string) error {
		x, err := eng.NewExplainer(ctx, whyProfiles[i])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := x.Explain(ctx, id); err != nil {
				return err
			}
		}
		_, err = x.Referrals(ctx)
		return err
	}
	cs := []interleave.Contender{
		{Name: "Recommend", Op: func(i int) error {
			_, err := eng.Recommend(ctx, whyProfiles[i%len(whyProfiles)])
			return err
		}},
		{Name: "NewExplainer alone", Op: func(i int) error {
			_, err := eng.NewExplainer(ctx, whyProfiles[i%len(whyProfiles)])
			return err
		}},
		{Name: "full Why (page: recommended, avoided, referrals)", Op: func(i int) error { return why(i%len(whyProfiles), page[i%len(whyProfiles)]) }},
		{Name: "full Why (every movement, referrals)", Op: func(i int) error { return why(i%len(whyProfiles), all) }},
	}
	ratios, err := interleave.Compare(cs, *compareWhyRounds, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ratios {
		t.Log(r.Format("Recommend"))
	}
}
