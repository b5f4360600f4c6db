//go:build unix

package recommend

// An opt-in comparison, by CPU time and interleaved in short bursts, of
// Recommend's cost per rule on synthetic rule sets (syntheticRules) of
// 1,000 and 10,000 distinct rules, and of Load's time on each: the targets
// of issue 21 are a per-rule cost at 10,000 within 1.3 times that at
// 1,000, and Load at 10,000 within 1 s.
//
//	go test ./recommend -run '^TestCompareScale$' -compare.scale -v

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/backrules/backrules/internal/interleave"
)

var compareScale = flag.Bool("compare.scale", false, "run TestCompareScale, the interleaved comparison of Recommend's cost per rule at 1,000 and 10,000 rules, and Load's time")

// cpuTime is interleave.CPU for a test.
func cpuTime(t testing.TB) time.Duration {
	d, err := interleave.CPU()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCompareScale loads synthetic rule sets of 1,000 and 10,000 rules,
// three times each, logging each Load's wall and CPU time; then runs
// Recommend on both, over the four benchmark profiles in turn, in 20
// rounds that each run each for about 50 ms of CPU time, in an order
// that alternates, and logs the median and range of the ratio of their
// costs per rule. It asserts no time.
func TestCompareScale(t *testing.T) {
	if !*compareScale {
		t.Skip("opt-in: -compare.scale")
	}
	sizes := []int{1000, 10000}
	engines := make([]*Engine, len(sizes))
	for k, n := range sizes {
		fsys := syntheticRules(t, n)
		for range 3 {
			cpu, wall := cpuTime(t), time.Now()
			eng, err := Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("Load, %d rules: %v wall, %v CPU (load average %s)", n, time.Since(wall).Round(time.Millisecond),
				(cpuTime(t) - cpu).Round(time.Millisecond), interleave.LoadAverage())
			engines[k] = eng
		}
	}
	ctx := context.Background()
	cs := make([]interleave.Contender, len(sizes))
	for k, n := range sizes {
		cs[k] = interleave.Contender{Name: fmt.Sprintf("Recommend, %d rules", n), Op: func(i int) error {
			_, err := engines[k].Recommend(ctx, benchProfiles[i%len(benchProfiles)].p)
			return err
		}}
	}
	ratios, err := interleave.Compare(cs, 20, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// The ratio of the costs per call over the ratio of the sizes is the
	// ratio of the costs per rule.
	r, scale := ratios[1], float64(sizes[1])/float64(sizes[0])
	t.Logf("Recommend's CPU time per rule, %d rules ÷ %d rules: median %.2f of %d rounds (range %.2f–%.2f) (load average %s)",
		sizes[1], sizes[0], r.Median/scale, r.Rounds, r.Min/scale, r.Max/scale, interleave.LoadAverage())
}
