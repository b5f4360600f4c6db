//go:build unix

// Package interleave compares the CPU cost of ways of doing the same work
// in one process, the way this project measures speed: on a shared, noisy
// machine, separate benchmark runs swing by tens of percent, so every
// contender runs in the same run, in short bursts whose order rotates from
// round to round, and each contender's cost is reported as a ratio to the
// first contender's in the same round. The opt-in comparisons of the
// engine, the server and the explanations use it; they assert no time.
package interleave

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
)

// CPU returns the CPU time, user and system, the process has used so far
// (getrusage): every goroutine's, the garbage collector's included.
func CPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// LoadAverage returns the machine's load averages as /proc/loadavg gives
// them, or "unknown" where there is none.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// A Contender is one way of doing the work: Op does it once, for call
// number i (from 0; an Op that works over several inputs takes the
// i-th modulo their number).
type Contender struct {
	Name string
	Op   func(i int) error
}

// Ratio is a contender's CPU time per call against the first
// contender's, over the rounds: their median, smallest and largest.
type Ratio struct {
	Name             string
	Median, Min, Max float64
	Rounds           int
}

// Format says r against the first contender's name base, as the
// comparisons log it: "Recommend  0.264 × naive (median of 40 rounds;
// range 0.086–0.389)".
func (r Ratio) Format(base string) string {
	return fmt.Sprintf("%-40s %6.3f × %s (median of %d rounds; range %.3f–%.3f)", r.Name, r.Median, base, r.Rounds, r.Min, r.Max)
}

// Compare runs the contenders for the given number of rounds. First each
// is timed for about a quarter of burst to learn how many calls fill a
// burst; then in each round each runs that many calls, in an order that
// rotates from round to round, and its CPU time per call is
// divided by the first contender's in the same round. It returns each
// contender's ratios; the first contender's are all 1. An Op's error
// stops the comparison and is returned, wrapped with its name.
func Compare(cs []Contender, rounds int, burst time.Duration) ([]Ratio, error) {
	if len(cs) == 0 || rounds < 1 {
		return nil, fmt.Errorf("interleave: %d contenders, %d rounds", len(cs), rounds)
	}
	cpu := func() time.Duration { d, _ := CPU(); return d }
	if _, err := CPU(); err != nil {
		return nil, err
	}
	n := make([]int, len(cs))
	for k, c := range cs {
		start, calls := cpu(), 0
		for cpu()-start < burst/4 || calls < 8 {
			if err := c.Op(calls); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			calls++
		}
		n[k] = max(4*calls, 8)
	}
	ratios := make([][]float64, len(cs))
	per := make([]float64, len(cs))
	for round := range rounds {
		for j := range cs {
			k := (j + round) % len(cs)
			start := cpu()
			for i := range n[k] {
				if err := cs[k].Op(i); err != nil {
					return nil, fmt.Errorf("%s: %w", cs[k].Name, err)
				}
			}
			per[k] = float64(cpu()-start) / float64(n[k])
		}
		for k := range cs {
			ratios[k] = append(ratios[k], per[k]/per[0])
		}
	}
	out := make([]Ratio, len(cs))
	for k, c := range cs {
		slices.Sort(ratios[k])
		out[k] = Ratio{Name: c.Name, Median: ratios[k][len(ratios[k])/2], Min: ratios[k][0], Max: ratios[k][len(ratios[k])-1], Rounds: rounds}
	}
	return out, nil
}
