package recommend

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAppendTermLabels checks that the outcome summary joins labels as
// explainJoin does: "A", "A and B", "A, B and C".
func TestAppendTermLabels(t *testing.T) {
	all := []string{"Towel", "Bed", "Sofa", "Exercise mat"}
	for n := range len(all) + 1 {
		t.Run(strings.Join(all[:n], "+"), func(t *testing.T) {
			ts := make([]Term, n)
			for i, l := range all[:n] {
				ts[i] = Term{ID: strings.ToLower(l), Label: l}
			}
			got := string(appendTermLabels(nil, ts, "and"))
			if diff := cmp.Diff(explainJoin(all[:n], "and"), got); diff != "" {
				t.Errorf("(-explainJoin +appendTermLabels):\n%s", diff)
			}
		})
	}
}

// TestFormatNumber checks that formatNumber gives what
// strconv.FormatFloat(v, 'g', -1, 64) gives, the way a clause's Values
// have always shown a number.
func TestFormatNumber(t *testing.T) {
	for _, v := range []float64{0, 1, 7, 8.5, 42, 99, 99.5, 100, 365, 1e6, 1e21, -1, -0.5, 0.0001} {
		if got, want := formatNumber(v), strconv.FormatFloat(v, 'g', -1, 64); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", v, got, want)
		}
	}
}
