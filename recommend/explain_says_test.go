package recommend

import (
	"context"
	"fmt"
	"testing"
	"unsafe"
)

// TestExplainSummariesShared checks that a new person's answers share
// the summaries of the answers before them (summaryCache), rather than
// writing each anew, that the summaries are the same with the cache off,
// and that the cache keeps within its bound.
func TestExplainSummariesShared(t *testing.T) {
	eng := loadDefault(t)
	plain := loadDefault(t)
	ExplainCacheOff(plain)
	ctx := context.Background()
	summaries := func(e *Engine, p Profile) []string {
		x, err := e.NewExplainer(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := range e.movements {
			ex, err := x.Explain(ctx, e.movements[i].id)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ex.Summary)
		}
		return out
	}
	for _, bp := range benchProfiles {
		first := summaries(eng, bp.p)
		p := bp.p
		p.Age, p.DaysSinceOnset, p.SittingHours = p.Age+1, p.DaysSinceOnset+777, p.SittingHours+0.5
		again, want := summaries(eng, p), summaries(plain, p)
		shared := 0
		for i := range again {
			if again[i] != want[i] {
				t.Errorf("%s: %s: summary %q, without the cache %q", bp.name, eng.movements[i].id, again[i], want[i])
			}
			if again[i] == first[i] && again[i] != notAdvised {
				if unsafe.StringData(again[i]) != unsafe.StringData(first[i]) {
					t.Errorf("%s: %s: a new person's summary %q is written anew, not shared", bp.name, eng.movements[i].id, again[i])
				}
				shared++
			}
		}
		if shared == 0 && bp.name != "emergency" {
			t.Errorf("%s: no summary was the same as the first person's", bp.name)
		}
	}
	// The bound: many different summaries keep the cache within it.
	x, err := eng.NewExplainer(ctx, benchProfiles[0].p)
	if err != nil {
		t.Fatal(err)
	}
	sc := &eng.whys.says
	x.mu.Lock()
	for i := range 4 * summaryCacheBytes / 100 {
		b := fmt.Appendf(nil, "Recommended, by rule-%08d, and more words to make it about a hundred bytes long, as most are.", i)
		if s := x.keepSummary(b); s != string(b) {
			t.Fatalf("keepSummary(%q) = %q", b, s)
		}
		sc.mu.RLock()
		n := sc.bytes
		sc.mu.RUnlock()
		if n > summaryCacheBytes {
			t.Fatalf("after %d summaries the cache holds %d bytes, past its bound %d", i+1, n, summaryCacheBytes)
		}
	}
	x.mu.Unlock()
}
