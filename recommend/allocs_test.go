package recommend

import (
	"context"
	"math"
	"testing"
)

// TestRecommendAllocs pins how many allocations Recommend makes on the
// benchmark profiles. Allocation counts, unlike times, do not depend on the
// machine: a change that stops sizing the Result's slabs up front, or that
// copies per item again, shows here as more allocations. When a deliberate
// change moves a count, update the table with the numbers the failure
// prints.
func TestRecommendAllocs(t *testing.T) {
	if raceBuild {
		t.Skip("the race detector changes allocation counts")
	}
	eng := benchEngine(t)
	ctx := context.Background()
	want := map[string]float64{"disc": 9, "acute": 9, "stiffness": 9, "emergency": 7}
	for _, bp := range benchProfiles {
		p := bp.p
		// AllocsPerRun counts every allocation in the process, so a
		// goroutine left running by another test can add some; the least
		// of three measurements is the call's own count.
		got := math.Inf(1)
		for range 3 {
			got = min(got, testing.AllocsPerRun(20, func() {
				if _, err := eng.Recommend(ctx, p); err != nil {
					t.Fatal(err)
				}
			}))
		}
		if got != want[bp.name] {
			t.Errorf("Recommend(%s) made %.0f allocations, want %.0f", bp.name, got, want[bp.name])
		}
	}
}

// TestRecommendAllocsBoundedByReferrals checks that Recommend's
// allocations do not grow with the referrals a profile gets: every
// profile of the disc herniation with one or two red flags (528, many
// of them with several referrals folded into one) stays within the 12
// allocations of issue 21. Before the folded referrals were cut from the
// Result's slabs, two red flags took up to 24.
func TestRecommendAllocsBoundedByReferrals(t *testing.T) {
	if raceBuild {
		t.Skip("the race detector changes allocation counts")
	}
	if testing.Short() {
		t.Skip("528 profiles, measured three times each")
	}
	eng := benchEngine(t)
	ctx := context.Background()
	flags := eng.vocab[fieldRedFlags].entries
	worst, folded := 0.0, 0
	var worstFlags []string
	for i := range flags {
		for j := i; j < len(flags); j++ {
			p := Profile{Conditions: []string{"disc_herniation"}, RedFlags: []string{flags[i].id, flags[j].id},
				PainLevel: 6, DaysSinceOnset: 10, Age: 55, Equipment: []string{"towel"}}
			if i == j {
				p.RedFlags = p.RedFlags[:1]
			}
			res, err := eng.Recommend(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.FoldedReferrals) > 0 {
				folded++
			}
			got := math.Inf(1)
			for range 3 {
				got = min(got, testing.AllocsPerRun(5, func() { _, _ = eng.Recommend(ctx, p) }))
			}
			if got > worst {
				worst, worstFlags = got, p.RedFlags
			}
		}
	}
	if folded == 0 {
		t.Fatal("no profile folded a referral: the test no longer covers the folded referrals")
	}
	if worst > 12 {
		t.Errorf("Recommend made %.0f allocations for red flags %v, want at most 12", worst, worstFlags)
	}
}
