package recommend

import (
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
