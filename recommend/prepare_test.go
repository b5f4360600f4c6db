package recommend

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBuilderTable checks the builder's per-rule table against the rules
// it is made from, and that a list of one rule's citations, which the
// builder copies from the table, is that rule's citations in order
// without repeats, as for any other list.
func TestBuilderTable(t *testing.T) {
	e := benchEngine(t)
	for ri := range e.rules {
		r := &e.rules[ri]
		t.Run(r.id, func(t *testing.T) {
			h := e.hot[ri]
			if h.id != r.id || !slices.Equal(h.cites, r.cites) {
				t.Errorf("table: id %q, cites %v; want %q, %v", h.id, h.cites, r.id, r.cites)
			}
			for eff, because := range r.because {
				if want := NoteOf(r.id, because); h.notes[eff] != want {
					t.Errorf("table: note of effect %d %v, want %v", eff, h.notes[eff], want)
				}
			}
			var want []Citation
			for _, ci := range r.cites {
				if c := e.citations[ci]; !slices.Contains(want, c) {
					want = append(want, c)
				}
			}
			b := &builder{e: e, seen: make([]bool, len(e.citations))}
			got := b.citations([]int{ri})
			if diff := cmp.Diff(want, got, cmp.Comparer(Citation.Equal)); diff != "" {
				t.Errorf("citations of one rule (-want +got):\n%s", diff)
			}
			if cap(got) != len(got) {
				t.Errorf("citations of one rule: cap %d, len %d: appending would write over the next list", cap(got), len(got))
			}
			if slices.Contains(b.seen, true) {
				t.Error("the builder's seen marks were left set")
			}
		})
	}
}

func TestHasRepeat(t *testing.T) {
	for _, tc := range []struct {
		s    []int
		want bool
	}{
		{nil, false},
		{[]int{1}, false},
		{[]int{1, 2, 3}, false},
		{[]int{1, 2, 1}, true},
		{[]int{4, 4}, true},
	} {
		if got := hasRepeat(tc.s); got != tc.want {
			t.Errorf("hasRepeat(%v) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
