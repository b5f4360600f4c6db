//go:build unix

package interleave

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCompare checks the shape of a comparison, not any time: one ratio
// for each contender, in order, the first's all 1, every contender run in
// every round, and an Op's error returned with the contender's name.
func TestCompare(t *testing.T) {
	calls := make([]int, 3)
	cs := make([]Contender, 3)
	for k := range cs {
		cs[k] = Contender{Name: string(rune('a' + k)), Op: func(int) error { calls[k]++; return nil }}
	}
	rs, err := Compare(cs, 3, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].Name != "a" || rs[2].Name != "c" || rs[1].Rounds != 3 {
		t.Fatalf("Compare = %+v, want a, b, c over 3 rounds", rs)
	}
	if rs[0].Median != 1 || rs[0].Min != 1 || rs[0].Max != 1 {
		t.Errorf("the first contender's ratio = %+v, want 1", rs[0])
	}
	for k, n := range calls {
		if n < 8+3*8 {
			t.Errorf("contender %d ran %d times, want at least a calibration and 3 bursts of 8", k, n)
		}
	}
	if got := rs[1].Format("a"); !strings.HasPrefix(got, "b ") || !strings.Contains(got, "× a (median of 3 rounds") {
		t.Errorf("Format = %q", got)
	}

	boom := errors.New("boom")
	cs[1].Op = func(int) error { return boom }
	if _, err := Compare(cs, 1, time.Millisecond); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "b: ") {
		t.Errorf("Compare with a failing op: %v, want b: boom", err)
	}
	if _, err := Compare(nil, 1, time.Millisecond); err == nil {
		t.Error("Compare of no contenders: no error")
	}
	if d, err := CPU(); err != nil || d <= 0 {
		t.Errorf("CPU() = %v, %v", d, err)
	}
}
