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
