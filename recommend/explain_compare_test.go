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
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/backrules/backrules/recommend"
)

var (
	compareWhy       = flag.Bool("compare.why", false, "run TestCompareFullWhy, the interleaved comparison of Recommend and the full Why")
	compareWhyRounds = flag.Int("compare.why.rounds", 20, "rounds of TestCompareFullWhy")
)

// whyProfiles are four varied profiles: the disc profile of issue 21, an
// acute strain, chronic stiffness, and sciatica with a red flag.
var whyProfiles = []recommend.Profile{
	{Conditions: []string{"disc_herniation"}, AggravatedBy: []string{"bending_forward", "sitting"},
		Equipment: []string{"towel", "bed", "sofa", "exercise_mat"}, PainLevel: 4, DaysSinceOnset: 21, SittingHours: 8, Age: 42},
	{Conditions: []string{"acute_strain"}, PainLevel: 6, DaysSinceOnset: 2, Age: 30},
	{Conditions: []string{"chronic_stiffness"}, AggravatedBy: []string{"sitting", "lifting", "twisting"},
		EasedBy: []string{"lying_down"}, Equipment: []string{"towel"}, PainLevel: 3, DaysSinceOnset: 200, SittingHours: 9, Age: 52},
	{Conditions: []string{"sciatica"}, RedFlags: []string{"saddle_numbness"}, PainLevel: 8, DaysSinceOnset: 1, Age: 60},
}

// cpuTime returns the CPU time, user and system, the process has used.
func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

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
	type contender struct {
		name string
		op   func(i int) error
	}
	cs := []contender{
		{"Recommend", func(i int) error {
			_, err := eng.Recommend(ctx, whyProfiles[i])
			return err
		}},
		{"NewExplainer alone", func(i int) error {
			_, err := eng.NewExplainer(ctx, whyProfiles[i])
			return err
		}},
		{"full Why (page: recommended, avoided, referrals)", func(i int) error { return why(i, page[i]) }},
		{"full Why (every movement, referrals)", func(i int) error { return why(i, all) }},
	}
	const burst = 20 * time.Millisecond
	n := make([]int, len(cs))
	for k, c := range cs {
		start, calls := cpuTime(t), 0
		for cpuTime(t)-start < burst/4 || calls < 8 {
			if err := c.op(calls % len(whyProfiles)); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			calls++
		}
		n[k] = max(4*calls, 8)
	}
	ratios := make([][]float64, len(cs))
	per := make([]float64, len(cs))
	for round := range *compareWhyRounds {
		for j := range cs {
			k := (j + round) % len(cs)
			start := cpuTime(t)
			for i := range n[k] {
				if err := cs[k].op(i % len(whyProfiles)); err != nil {
					t.Fatalf("%s: %v", cs[k].name, err)
				}
			}
			per[k] = float64(cpuTime(t)-start) / float64(n[k])
		}
		for k := range cs {
			ratios[k] = append(ratios[k], per[k]/per[0])
		}
	}
	for k, c := range cs {
		slices.Sort(ratios[k])
		t.Logf("%-50s %6.2f × Recommend (median of %d rounds; range %.2f–%.2f)", c.name,
			ratios[k][len(ratios[k])/2], len(ratios[k]), ratios[k][0], ratios[k][len(ratios[k])-1])
	}
}
