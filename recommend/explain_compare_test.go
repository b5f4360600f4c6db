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
	"math/rand/v2"
	"testing"
	"time"

	"github.com/backrules/backrules/internal/interleave"
	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules"
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
// costs, NewExplainer alone. The engine keeps what explaining a rule
// found (see Explainer), so these are with its cache warm; the same on an
// engine without the cache shows the cost of a profile whose values no
// Explainer saw; every movement explained for the four profiles with
// numbers not given before shows a new person's, against Recommend of the
// four profiles and of the new people themselves (whose numbers give
// most of them a referral); and Recommend and the page's "Why?" over 2,000 random
// profiles in turn show the mix between. Each round runs each contender,
// in an order that rotates, for a burst of about 20 ms of CPU time; the
// test logs the median, over the rounds, of each one's cost per call
// divided by Recommend's in the same round, with their range, and the
// random profiles' and the new people's "Why?" against their own
// Recommend. It asserts no
// time.
func TestCompareFullWhy(t *testing.T) {
	if !*compareWhy {
		t.Skip("opt-in: -compare.why")
	}
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	uncached, err := recommend.Load(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	recommend.ExplainCacheOff(uncached)
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
	r := rand.New(rand.NewPCG(21, 2026))
	random := make([]recommend.Profile, 2000)
	randomPage := make([][]string, len(random))
	for i := range random {
		random[i] = testrules.RandomProfile(r, eng.Vocabulary())
		res, err := eng.Recommend(ctx, random[i])
		if err != nil {
			t.Fatal(err)
		}
		randomPage[i] = fullWhy(res)
	}
	// whyOf explains each of ids for p, and the referrals when referrals
	// is true; why is the page's "Why?", the referrals included, and
	// movementsWhy only the movements', as issue 21's target words it.
	whyOf := func(eng *recommend.Engine, p recommend.Profile, ids []string, referrals bool) error {
		x, err := eng.NewExplainer(ctx, p)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := x.Explain(ctx, id); err != nil {
				return err
			}
		}
		if !referrals {
			return nil
		}
		_, err = x.Referrals(ctx)
		return err
	}
	why := func(eng *recommend.Engine, p recommend.Profile, ids []string) error { return whyOf(eng, p, ids, true) }
	movementsWhy := func(eng *recommend.Engine, p recommend.Profile, ids []string) error { return whyOf(eng, p, ids, false) }
	n := len(whyProfiles)
	recommendOp := interleave.Contender{Name: "Recommend", Op: func(i int) error {
		_, err := eng.Recommend(ctx, whyProfiles[i%n])
		return err
	}}
	warm := []interleave.Contender{
		recommendOp,
		{Name: "NewExplainer alone", Op: func(i int) error {
			_, err := eng.NewExplainer(ctx, whyProfiles[i%n])
			return err
		}},
		{Name: "full Why (page: recommended, avoided, referrals)", Op: func(i int) error { return why(eng, whyProfiles[i%n], page[i%n]) }},
		{Name: "full Why (every movement, referrals)", Op: func(i int) error { return why(eng, whyProfiles[i%n], all) }},
	}
	nextRec, nextWhy, nextNew, nextNewRec := 0, 0, 0, 0
	cold := []interleave.Contender{
		recommendOp,
		{Name: "full Why (page), no cache", Op: func(i int) error { return why(uncached, whyProfiles[i%n], page[i%n]) }},
		{Name: "full Why (every movement), no cache", Op: func(i int) error { return why(uncached, whyProfiles[i%n], all) }},
		// A new person: the four profiles with an age, days since onset
		// and hours of sitting not given before (for 36,000 calls), so
		// that every condition that reads them is explained anew, and
		// those that read only lists are not.
		{Name: "full Why (every movement), new numbers", Op: func(i int) error {
			nextNew++
			return why(eng, newNumbers(whyProfiles[i%n], nextNew), all)
		}},
		// The page of a new person on a running engine: the page's
		// movements, with numbers as above.
		{Name: "full Why (page), new numbers", Op: func(i int) error {
			nextNew++
			return why(eng, newNumbers(whyProfiles[i%n], nextNew), page[i%n])
		}},
		{Name: "movements' Why alone (page), new numbers", Op: func(i int) error {
			nextNew++
			return movementsWhy(eng, newNumbers(whyProfiles[i%n], nextNew), page[i%n])
		}},
		// Recommend for the same new people: their numbers (an age up
		// to 107, pain for up to a hundred years) give most of them a
		// referral the four profiles do not have, and cost Recommend
		// more than the four profiles' own.
		{Name: "Recommend, new numbers", Op: func(i int) error {
			nextNewRec++
			_, err := eng.Recommend(ctx, newNumbers(whyProfiles[i%n], nextNewRec))
			return err
		}},
		// The random profiles in turn, from burst to burst: an Op's
		// argument starts again at 0 in each burst.
		{Name: "Recommend, 2,000 random profiles", Op: func(int) error {
			nextRec = (nextRec + 1) % len(random)
			_, err := eng.Recommend(ctx, random[nextRec])
			return err
		}},
		{Name: "full Why (page), 2,000 random profiles", Op: func(int) error {
			nextWhy = (nextWhy + 1) % len(random)
			return why(eng, random[nextWhy], randomPage[nextWhy])
		}},
	}
	// The places of the random profiles' contenders in cold, and of the
	// new people's page and Recommend.
	randomRec, randomWhy, newWhy, newMoves, newRec := len(cold)-2, len(cold)-1, len(cold)-5, len(cold)-4, len(cold)-3
	// The two groups are compared apart: the second's contenders, which
	// make new explanations all the time, would add their collections to
	// the first's.
	for _, cs := range [][]interleave.Contender{warm, cold} {
		ratios, err := interleave.Compare(cs, *compareWhyRounds, 20*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range ratios {
			t.Log(r.Format("Recommend"))
		}
		if len(cs) == len(cold) {
			t.Logf("full Why (page) of the random profiles against their own Recommend: %.3f×", ratios[randomWhy].Median/ratios[randomRec].Median)
			t.Logf("full Why (page) of the new people against their own Recommend: %.3f×", ratios[newWhy].Median/ratios[newRec].Median)
			t.Logf("the movements' Why alone (page) of the new people against their own Recommend: %.3f×", ratios[newMoves].Median/ratios[newRec].Median)
		}
	}
}
