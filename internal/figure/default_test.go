package figure_test

import (
	"slices"
	"testing"

	"github.com/backrules/backrules/internal/figure"
	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
)

// TestDefaultPoses checks every pose of the default rules with Check and
// Undrawn, by the props the default vocabulary gives its equipment, and
// that the check of which way the body faces has movements to check: the
// ones tagged to be done face down and on the back.
func TestDefaultPoses(t *testing.T) {
	rs := parse.RuleSet{MaxIDLen: 64}
	for _, f := range []string{"conditions", "red_flags", "aggravated_by", "eased_by", parse.EquipmentField, "sex", "episode"} {
		rs.Fields = append(rs.Fields, parse.Field{Name: f, Label: f, Floors: f == "red_flags",
			RiskFactors: f == "conditions" || f == "red_flags"})
	}
	var iss parse.Issues
	for _, name := range []string{"vocabulary.yaml", "movements.yaml"} {
		src, err := rules.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rs.Add(name, parse.NormalizeLineBreaks(src), &iss)
	}
	for _, is := range iss.List() {
		t.Errorf("%v", is)
	}
	props := map[string]string{}
	for _, v := range rs.Vocab {
		if rs.Fields[v.Field].Name == parse.EquipmentField {
			props[v.ID.S] = v.Prop.S
		}
	}
	if len(props) == 0 {
		t.Fatal("the default vocabulary declares no equipment")
	}
	facing := map[string][]string{}
	for _, m := range rs.Movements {
		if m.Pose == nil {
			t.Errorf("%s has no pose", m.ID.S)
			continue
		}
		var tags []string
		var uses []figure.Uses
		for _, x := range m.Tags {
			tags = append(tags, x.S)
		}
		for _, x := range m.Equipment {
			uses = append(uses, figure.Uses{Equipment: x.S, Prop: props[x.S]})
		}
		if diff := cmp.Diff([]string(nil), append(figure.Check(*m.Pose, tags), figure.Undrawn(*m.Pose, uses)...)); diff != "" {
			t.Errorf("%s: Check and Undrawn (-want +got):\n%s", m.ID.S, diff)
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
