package recommend

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestExplainedKeepsDecisions checks the copy of a decision record an
// Explainer keeps (decisions.explained) against the record: for many
// profiles, each movement's decision read back from the copy has the
// record's rule lists, missing equipment and outcome, and the copy the
// record's matched rules, referrals, withholding rules and floors; and
// over the profiles every outcome was seen, so that each is kept.
func TestExplainedKeepsDecisions(t *testing.T) {
	eng := loadDefault(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(7, 11))
	seen := map[Outcome]bool{}
	for i := range 400 {
		p := cacheProfile(r, eng.Vocabulary())
		if err := eng.validate(&p); err != nil {
			t.Fatal(err)
		}
		d := eng.newDecisions()
		if err := eng.evaluateInto(ctx, &p, d.matched); err != nil {
			t.Fatal(err)
		}
		eng.resolveInto(d, &p)
		k := new(record)
		d.explained(k)
		if len(k.kept) != len(d.movements) {
			t.Fatalf("profile %d: the copy holds %d kept, of %d movements", i, len(k.kept), len(d.movements))
		}
		for mi := range d.movements {
			want, got := &d.movements[mi], k.decision(mi)
			seen[got.outcome] = true
			if got.outcome != want.outcome || !slices.Equal(got.missing, want.missing) || (got.missing == nil) != (len(want.missing) == 0) {
				t.Errorf("profile %d, %s: kept outcome %s, missing %v; the record's %s, %v", i, eng.movements[mi].id, got.outcome, got.missing, want.outcome, want.missing)
			}
			for eff := range numEffects {
				if g, w := k.rules(&got, eff), d.rules(want, eff); !slices.Equal(g, w) {
					t.Errorf("profile %d, %s, effect %d: kept rules %v, the record's %v", i, eng.movements[mi].id, eff, g, w)
				}
			}
		}
		if !slices.Equal(k.bits, d.bits) || !slices.Equal(k.referrals, d.referrals) ||
			!slices.Equal(k.withholding, d.withholding) || !slices.Equal(k.floors, d.floors) || k.floorWithhold != d.floorWithhold {
			t.Errorf("profile %d: the copy's rules, referrals, withholding rules or floors differ from the record's", i)
		}
	}
	for n, o := range keptOutcomes {
		if keptOutcome(o) != uint8(n) {
			t.Errorf("outcome %s is kept as %d; keptOutcomes holds it at %d", o, keptOutcome(o), n)
		}
		if !seen[o] {
			t.Errorf("no profile gave outcome %s: the test proves nothing of it", o)
		}
	}
	if len(seen) != len(keptOutcomes) {
		t.Errorf("outcomes seen %v; want those of keptOutcomes", seen)
	}
}

// TestExplainedAllocs checks that the copy of a decision record an
// Explainer keeps (decisions.explained) is made of its three lists
// alone: the movements' decisions, their rule lists and the matched
// rules' bits, written into the Explainer, not a record of its own, and
// the matched rules as bits, not a bool a rule; and that a movement's
// decision is kept in 20 bytes.
func TestExplainedAllocs(t *testing.T) {
	if raceBuild {
		t.Skip("the race detector changes allocation counts")
	}
	eng := loadDefault(t)
	p := benchProfiles[0].p
	if err := eng.validate(&p); err != nil {
		t.Fatal(err)
	}
	d := eng.newDecisions()
	if err := eng.evaluateInto(context.Background(), &p, d.matched); err != nil {
		t.Fatal(err)
	}
	eng.resolveInto(d, &p)
	var k record
	if n := testing.AllocsPerRun(20, func() { d.explained(&k) }); n != 3 {
		t.Errorf("explained makes %v allocations; want 3, the kept decisions, their lists and the bits", n)
	}
	// A movement's lists are kept by where each ends: 20 bytes a
	// movement, not a span of 8 each, 36.
	if size := unsafe.Sizeof(keptDecision{}); size > 20 {
		t.Errorf("a kept decision takes %d bytes; want 20 at most", size)
	}
	if len(k.bits) != bitWords(len(eng.rules)) || k.matched != nil {
		t.Errorf("the copy holds %d words of bits and %d matched; want %d and none", len(k.bits), len(k.matched), bitWords(len(eng.rules)))
	}
}
