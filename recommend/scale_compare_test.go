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
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

var compareScale = flag.Bool("compare.scale", false, "run TestCompareScale, the interleaved comparison of Recommend's cost per rule at 1,000 and 10,000 rules, and Load's time")

func scaleCPU(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage returns the first line of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
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
			cpu, wall := scaleCPU(t), time.Now()
			eng, err := Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("Load, %d rules: %v wall, %v CPU (load average %s)", n, time.Since(wall).Round(time.Millisecond),
				(scaleCPU(t) - cpu).Round(time.Millisecond), loadAverage())
			engines[k] = eng
		}
	}
	ctx := context.Background()
	op := func(k, i int) {
		if _, err := engines[k].Recommend(ctx, benchProfiles[i%len(benchProfiles)].p); err != nil {
			t.Fatal(err)
		}
	}
	const burst = 50 * time.Millisecond
	calls := make([]int, len(sizes))
	for k := range sizes {
		start := scaleCPU(t)
		for calls[k] = 0; scaleCPU(t)-start < burst/4 || calls[k] < 4; calls[k]++ {
			op(k, calls[k])
		}
		calls[k] *= 4
	}
	var ratios []float64
	perRule := make([]float64, len(sizes))
	for round := range 20 {
		for j := range sizes {
			k := (j + round) % len(sizes)
			start := scaleCPU(t)
			for i := range calls[k] {
				op(k, i)
			}
			perRule[k] = float64(scaleCPU(t)-start) / float64(calls[k]) / float64(sizes[k])
		}
		ratios = append(ratios, perRule[1]/perRule[0])
	}
	slices.Sort(ratios)
	t.Logf("Recommend's CPU time per rule, %d rules ÷ %d rules: median %.2f of %d rounds (range %.2f–%.2f); last round %s and %s per rule (load average %s)",
		sizes[1], sizes[0], ratios[len(ratios)/2], len(ratios), ratios[0], ratios[len(ratios)-1],
		fmt.Sprint(time.Duration(perRule[0])), fmt.Sprint(time.Duration(perRule[1])), loadAverage())
}
