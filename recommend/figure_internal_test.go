package recommend

import (
	"slices"
	"testing"

	"github.com/backrules/backrules/internal/figure"
	"github.com/backrules/backrules/internal/parse"
)

// TestFlatBackPoses checks that every default movement whose how says the
// back stays flat, straight, still or unarched declares spine: flat in its
// pose, so that Load (figure.Check) keeps every frame's spine within 5
// degrees of straight: a picture must not teach a rounded back the words
// forbid.
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
		if m.pose == nil || m.pose.Spine != "flat" {
			t.Errorf("%s does not declare spine: flat; the how keeps the back flat: %s", m.id, m.how)
		}
	}
	for id := range flat {
		t.Errorf("flat-back movement %s is not in the default rule set", id)
	}
}

// TestPoseChecksPerMovement runs figure.Check on every default movement
// (Load already does) and logs, with -v, the check each one got: the shape
// of the back, where it comes from, the trunk angles drawn, the equipment
// and the props drawn.
func TestPoseChecksPerMovement(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range e.movements {
		if m.pose == nil {
			t.Errorf("%s has no pose", m.id)
			continue
		}
		sp, err := figure.SpineFor(*m.pose, m.tags)
		if err != nil {
			t.Errorf("%s: %v", m.id, err)
		}
		from := "tags"
		if m.pose.Spine != "" {
			from = "declared"
		}
		var equipment []string
		for _, i := range m.equipment {
			equipment = append(equipment, e.vocab[fieldEquipment].entries[i].id)
		}
		problems := figure.Check(*m.pose, m.tags)
		for _, p := range problems {
			t.Errorf("%s: %s", m.id, p)
		}
		t.Logf("| %s | spine %s (%s), trunk %g to %g allowed | trunk %g → %g | equipment %v, props %v | %d problems |",
			m.id, sp.Name, from, sp.Min, sp.Max, m.pose.Start["trunk"], m.pose.End["trunk"], equipment, m.pose.Props, len(problems))
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

// TestEquipmentFieldName checks that the profile's equipment field is the
// vocabulary field whose entries the parse stage asks for a prop.
func TestEquipmentFieldName(t *testing.T) {
	if got := vocabFieldName(fieldEquipment); got != parse.EquipmentField {
		t.Errorf("the equipment field is %q, parse.EquipmentField %q", got, parse.EquipmentField)
	}
}
