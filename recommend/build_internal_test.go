package recommend

import (
	"context"
	"math/rand/v2"
	"testing"
)

// TestSlabsSizedUpFront checks that build sizes the Result's slabs of ids,
// citations and notes for everything their lists take, on the benchmark
// profiles and on profiles drawn from the default vocabulary: a list that
// does not fit takes a new chunk, an allocation Recommend is meant not to
// make. The counts are upper bounds worked out before the lists are cut,
// and a bound too tight shows here, with the profile.
func TestSlabsSizedUpFront(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(21, 2026))
	pick := func(field int, odds int) []string {
		var out []string
		for _, en := range e.vocab[field].entries {
			if r.IntN(odds) == 0 {
				out = append(out, en.id)
			}
		}
		return out
	}
	profiles := make([]Profile, 0, 2000)
	for _, bp := range benchProfiles {
		profiles = append(profiles, bp.p)
	}
	for len(profiles) < cap(profiles) {
		profiles = append(profiles, Profile{
			Conditions:     pick(fieldConditions, 4),
			RedFlags:       pick(fieldRedFlags, 40),
			AggravatedBy:   pick(fieldAggravatedBy, 3),
			EasedBy:        pick(fieldEasedBy, 3),
			Equipment:      pick(fieldEquipment, 2),
			PainLevel:      r.IntN(11),
			DaysSinceOnset: r.IntN(MaxDaysSinceOnset + 1),
			SittingHours:   float64(r.IntN(25)),
			Age:            16 + r.IntN(MaxAge-15),
		})
	}
	ctx := context.Background()
	conflicts, items := 0, 0
	for _, p := range profiles {
		d := e.newDecisions()
		d.profile = p
		if err := e.validate(&d.profile); err != nil {
			continue
		}
		if err := e.evaluateInto(ctx, &d.profile, d.matched); err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		e.resolveInto(d, &d.profile)
		res := e.build(d)
		if d.spills != 0 {
			t.Errorf("%+v: the slabs took %d new chunks, want 0", p, d.spills)
		}
		conflicts += len(res.Conflicts)
		items += len(res.Recommended) + len(res.Avoided)
	}
	// The profiles must reach the lists whose sizes are bounds, or the
	// test proves little.
	if conflicts < 100 || items < 1000 {
		t.Errorf("the profiles gave %d conflicts and %d items: too few to test the bounds", conflicts, items)
	}
	t.Logf("%d profiles, %d items, %d conflicts", len(profiles), items, conflicts)
}
