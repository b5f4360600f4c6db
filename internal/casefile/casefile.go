// Package casefile reads rule-set test cases: named profiles with what the
// advice for each must and must not contain. The default rules' tests and
// the rulecheck tool share it, so a case means the same thing to both.
//
// A case file is YAML:
//
//	cases:
//	  - name: disc herniation avoids flexion
//	    profile: {conditions: [disc_herniation]}
//	    expect:
//	      recommended: [towel_stretch]     # each must be recommended
//	      not_recommended: [knee_to_chest] # none may be recommended
//	      avoided: [knee_to_chest]         # each must be avoided
//	      conflicts: [childs_pose]         # each must be listed as a conflict
//	      needs_equipment: [inversion_table]
//	      min_urgency: urgent              # the top referral is at least this urgent
//	      no_referral: true                # there is no referral at all
//	      withheld: false                  # advice is (or is not) withheld
//
// Every expectation is optional; a case with none only checks that the
// profile is valid and evaluates.
package casefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/backrules/backrules/recommend"
	"gopkg.in/yaml.v3"
)

// Case is one named profile with its expectations.
type Case struct {
	Name    string            `yaml:"name"`
	Profile recommend.Profile `yaml:"profile"`
	Expect  Expect            `yaml:"expect"`
	// File and Line say where the case is written.
	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// Expect is what a case requires of the advice.
type Expect struct {
	Recommended    []string          `yaml:"recommended,omitempty"`
	NotRecommended []string          `yaml:"not_recommended,omitempty"`
	Avoided        []string          `yaml:"avoided,omitempty"`
	Conflicts      []string          `yaml:"conflicts,omitempty"`
	NeedsEquipment []string          `yaml:"needs_equipment,omitempty"`
	MinUrgency     recommend.Urgency `yaml:"min_urgency,omitempty"`
	NoReferral     bool              `yaml:"no_referral,omitempty"`
	Withheld       *bool             `yaml:"withheld,omitempty"`
}

type file struct {
	Cases []yaml.Node `yaml:"cases"`
}

// Parse reads the cases in one case file. Unknown keys are errors.
func Parse(name string, r io.Reader) ([]Case, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no cases: the file is empty", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: a case file holds a single YAML document: put every case under one cases: list", name)
	}
	var out []Case
	seen := map[string]int{}
	for i := range f.Cases {
		n := &f.Cases[i]
		var c Case
		if err := decodeStrict(n, &c); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n.Line, err)
		}
		if strings.TrimSpace(c.Name) == "" {
			return nil, fmt.Errorf("%s:%d: case has no name", name, n.Line)
		}
		if line, ok := seen[c.Name]; ok {
			return nil, fmt.Errorf("%s:%d: duplicate case name %q (first at line %d)", name, n.Line, c.Name, line)
		}
		if u := c.Expect.MinUrgency; u != "" && u != recommend.Emergency && u != recommend.Urgent && u != recommend.Routine {
			return nil, fmt.Errorf("%s:%d: min_urgency %q must be emergency, urgent or routine", name, n.Line, u)
		}
		seen[c.Name] = n.Line
		c.File, c.Line = name, n.Line
		out = append(out, c)
	}
	return out, nil
}

// decodeStrict decodes a node, rejecting unknown keys, by re-encoding it
// through a decoder with KnownFields set.
func decodeStrict(n *yaml.Node, v any) error {
	data, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// IsCaseFile reports whether name is a case file: *_test.yaml or
// *_test.yml, or any YAML file in a folder named tests.
func IsCaseFile(name string) bool {
	ext := path.Ext(name)
	if e := strings.ToLower(ext); e != ".yaml" && e != ".yml" {
		return false
	}
	if strings.HasSuffix(strings.TrimSuffix(name, ext), "_test") {
		return true
	}
	return slices.Contains(strings.Split(path.Dir(name), "/"), "tests")
}

// LoadFS reads every case file under root in fsys (as IsCaseFile decides,
// or every YAML file when all is true), in lexical order.
func LoadFS(fsys fs.FS, root string, all bool) ([]Case, error) {
	var names []string
	err := fs.WalkDir(fsys, root, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		ext := strings.ToLower(path.Ext(name))
		if d.IsDir() || (ext != ".yaml" && ext != ".yml") || (!all && !IsCaseFile(name)) {
			return nil
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(names) // lexical order of whole paths, as the rule loader uses
	var out []Case
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		cs, err := Parse(name, bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
	}
	return out, nil
}

// Observe returns what res shows for each expectation in want, in the same
// shape, so that want equals the observation exactly when res meets every
// expectation. A test can then report cmp.Diff(want, Observe(want, res)).
//
// Lists keep only the wanted ids that hold (for not_recommended, those that
// are indeed not recommended), so a missing id shows as a removal. For
// min_urgency the observation is want's value when the top referral is at
// least that urgent, and otherwise the top referral's urgency ("" for none).
func Observe(want Expect, res *recommend.Result) Expect {
	rec := ids(res.Recommended)
	got := Expect{
		Recommended:    keep(want.Recommended, rec, true),
		NotRecommended: keep(want.NotRecommended, rec, false),
		Avoided:        keep(want.Avoided, ids(res.Avoided), true),
		NeedsEquipment: keep(want.NeedsEquipment, needIDs(res.NeedsEquipment), true),
	}
	var conflicts []string
	for _, c := range res.Conflicts {
		conflicts = append(conflicts, c.Movement)
	}
	got.Conflicts = keep(want.Conflicts, conflicts, true)
	var top recommend.Urgency
	if len(res.Referrals) > 0 {
		top = res.Referrals[0].Urgency
	}
	if want.MinUrgency != "" {
		got.MinUrgency = top
		if top != "" && top.AtLeast(want.MinUrgency) {
			got.MinUrgency = want.MinUrgency
		}
	}
	if want.NoReferral {
		got.NoReferral = len(res.Referrals) == 0
	}
	if want.Withheld != nil {
		w := res.Withheld
		got.Withheld = &w
	}
	return got
}

func ids(items []recommend.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Movement
	}
	return out
}

func needIDs(needs []recommend.EquipmentNeed) []string {
	out := make([]string, len(needs))
	for i, n := range needs {
		out[i] = n.Movement
	}
	return out
}

// keep returns the ids of want that are (in is true) or are not (in is
// false) in have, in want's order; nil when want is nil.
func keep(want, have []string, in bool) []string {
	if want == nil {
		return nil
	}
	out := []string{}
	for _, id := range want {
		if slices.Contains(have, id) == in {
			out = append(out, id)
		}
	}
	return out
}
