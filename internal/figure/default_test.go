package figure_test

import (
	"slices"
	"testing"

	"github.com/backrules/backrules/internal/figure"
	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
)

// TestDefaultPoses checks every pose of the default rules with Check, and
// that the check of which way the body faces has movements to check: the
// ones tagged to be done face down and on the back.
func TestDefaultPoses(t *testing.T) {
	src, err := rules.FS.ReadFile("movements.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rs parse.RuleSet
	var iss parse.Issues
	rs.Add("movements.yaml", parse.NormalizeLineBreaks(src), &iss)
	for _, is := range iss.List() {
		t.Errorf("movements.yaml: %v", is)
	}
	facing := map[string][]string{}
	for _, m := range rs.Movements {
		if m.Pose == nil {
			t.Errorf("%s has no pose", m.ID.S)
			continue
		}
		var tags, equipment []string
		for _, x := range m.Tags {
			tags = append(tags, x.S)
		}
		for _, x := range m.Equipment {
			equipment = append(equipment, x.S)
		}
		if diff := cmp.Diff([]string(nil), figure.Check(*m.Pose, tags, equipment)); diff != "" {
			t.Errorf("%s: Check (-want +got):\n%s", m.ID.S, diff)
		}
		for _, f := range figure.Facings {
			if slices.ContainsFunc(f.Tags, func(t string) bool { return slices.Contains(tags, t) }) {
				facing[f.Name] = append(facing[f.Name], m.ID.S)
			}
		}
	}
	for _, f := range figure.Facings {
		if len(facing[f.Name]) == 0 {
			t.Errorf("no movement of the default rules is tagged to be done %s (%v)", f.Name, f.Tags)
		}
	}
	t.Logf("done face down: %v; on the back: %v", facing["face down"], facing["on the back"])
}
