package recommend

import (
	"slices"
	"testing"
)

// TestFlatBackPoses checks that no default movement whose how says the back
// stays flat, straight, still or unarched is drawn with a bent spine in
// either frame: a picture must not teach a rounded back the words forbid.
func TestFlatBackPoses(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	flat := map[string]bool{"bird_dog": true, "plank": true, "dead_bug": true, "glute_bridge": true, "hamstring_stretch": true, "band_walk": true}
	for _, m := range e.movements {
		if !flat[m.id] {
			continue
		}
		delete(flat, m.id)
		if m.pose == nil {
			t.Errorf("%s has no pose", m.id)
			continue
		}
		for name, f := range map[string]map[string]float64{"start": m.pose.Start, "end": m.pose.End} {
			if f["trunk"] != 0 {
				t.Errorf("%s %s frame bends the spine %g degrees; the how keeps the back flat: %s", m.id, name, f["trunk"], m.how)
			}
		}
	}
	for id := range flat {
		t.Errorf("flat-back movement %s is not in the default rule set", id)
	}
}

// TestRoundedBackOnlyForFlexion checks that a pose rounds the back (trunk
// above 0) only for a movement the rules tag lumbar_flexion, so that the
// rules that keep flexion away from people it would hurt and the pictures
// agree.
func TestRoundedBackOnlyForFlexion(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range e.movements {
		if m.pose == nil || slices.Contains(m.tags, "lumbar_flexion") {
			continue
		}
		if m.pose.Start["trunk"] > 0 || m.pose.End["trunk"] > 0 {
			t.Errorf("%s draws a rounded back (trunk %g, %g) but is not tagged lumbar_flexion", m.id, m.pose.Start["trunk"], m.pose.End["trunk"])
		}
	}
}
