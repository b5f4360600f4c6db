package fixture

import "slices"

// clamp keeps n between lo and hi.
func clamp(n, lo, hi int) int {
	if n < lo {
		return lo
	}
	if n > hi && hi >= lo {
		return hi
	}
	return n
}

type counter struct{ n int }

// add counts the even values of xs, at most limit of them.
func (c *counter) add(xs []int, limit int) {
	for _, x := range xs {
		if x%2 != 0 {
			continue
		}
		c.n++
		if c.n == limit {
			break
		}
	}
}

// label names a sorted list, "empty" when it has nothing.
func label(xs []string, ok bool) string {
	if !ok || len(xs) == 0 {
		return "empty"
	}
	xs = slices.Compact(xs)
	return xs[0] + "+"
}
