package recommend_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// TestCitationPositions loads one rule, laid over the minimal rule set,
// with each combination of effects and written position, and checks which
// the loader refuses and, for the rest, the position the citation takes.
func TestCitationPositions(t *testing.T) {
	const refused = "refused"
	effects := map[string]string{
		"recommend":                     "recommend: [towel_stretch]",
		"avoid":                         "avoid: [knee_to_chest]",
		"caution":                       "caution: [knee_to_chest]",
		"refer":                         "refer: {urgency: routine, message: See a physiotherapist.}",
		"say":                           "say: {kind: pacing, message: Build up slowly.}",
		"recommend+say":                 "recommend: [towel_stretch]\n    say: {kind: pacing, message: Build up slowly.}",
		"recommend+avoid":               "recommend: [towel_stretch]\n    avoid: [knee_to_chest]",
		"recommend+caution":             "recommend: [towel_stretch]\n    caution: [knee_to_chest]",
		"recommend+caution of the same": "recommend: [knee_to_chest]\n    caution: [knee_to_chest]",
		"recommend+caution of some":     "recommend: [towel_stretch, knee_to_chest]\n    caution: [knee_to_chest]",
		"avoid+caution":                 "avoid: [towel_stretch]\n    caution: [knee_to_chest]",
		"avoid+say":                     "avoid: [knee_to_chest]\n    say: {kind: pacing, message: Build up slowly.}",
		"avoid+refer":                   "avoid: [knee_to_chest]\n    refer: {urgency: routine, message: See a physiotherapist.}",
		"caution+say":                   "caution: [knee_to_chest]\n    say: {kind: pacing, message: Build up slowly.}",
	}
	// want[effect] lists, for the positions "", supports, against, caution
	// and background in turn, the position taken or refused.
	positions := []string{"", "supports", "against", "caution", "background"}
	want := map[string][5]string{
		"recommend":     {"supports", "supports", refused, refused, "background"},
		"avoid":         {"against", refused, "against", "caution", "background"},
		"caution":       {"caution", refused, "against", "caution", "background"},
		"refer":         {"background", "supports", refused, refused, "background"},
		"say":           {"background", "supports", refused, refused, "background"},
		"recommend+say": {"supports", "supports", refused, refused, "background"},
		// Every citation is shown on the avoided and the recommended
		// items alike, so a side would read as the source's side on both.
		"recommend+avoid": {refused, refused, refused, refused, "background"},
		// So, for a rule that recommends and cautions, is support shown
		// on a movement it only cautions against, and care on one it
		// only recommends; a movement recommended with care takes either.
		"recommend+caution":             {refused, refused, refused, refused, "background"},
		"recommend+caution of the same": {refused, "supports", "against", "caution", "background"},
		"recommend+caution of some":     {refused, "supports", refused, refused, "background"},
		"avoid+caution":                 {refused, refused, "against", "caution", "background"},
		// Supports on a rule that keeps the person from a movement would
		// read as support for the movement, whatever else the rule does.
		"avoid+say":   {"against", refused, "against", "caution", "background"},
		"avoid+refer": {"against", refused, "against", "caution", "background"},
		"caution+say": {"caution", refused, "against", "caution", "background"},
	}
	for effect, yaml := range effects {
		for i, pos := range positions {
			t.Run(fmt.Sprintf("%s/%q", effect, pos), func(t *testing.T) {
				fsys := fstest.MapFS{}
				dirFS(t, "../testdata/minimal", "base/", fsys)
				field := ""
				if pos != "" {
					field = "position: " + pos + ", "
				}
				rule := fmt.Sprintf("rules:\n  - id: r\n    when: \"true\"\n    %s\n    because: Because.\n    cite:\n      - {source: src-a, %slocator: L, claim: C.}\n", yaml, field)
				fsys["r.yaml"] = &fstest.MapFile{Data: []byte(rule)}
				eng, err := recommend.Load(fsys)
				got := ""
				switch {
				case errors.Is(err, recommend.ErrInvalidRules) && strings.Contains(err.Error(), "r.yaml:"):
					got = refused
				case err != nil:
					t.Fatalf("Load: %v", err)
				default:
					for _, r := range eng.Rules() {
						if r.ID == "r" {
							got = string(r.Citations[0].Position())
						}
					}
				}
				if got != want[effect][i] {
					t.Errorf("position %q on a rule with %s: got %s, want %s (error: %v)", pos, effect, got, want[effect][i], err)
				}
			})
		}
	}
}

// TestPassageListedOnceOnItsSide checks that a passage one rule cites as
// background and another on a side is listed once on an item both rules
// reach, on its side, and as background where only the first reaches.
func TestPassageListedOnceOnItsSide(t *testing.T) {
	const (
		background = "{source: src-a, locator: P, claim: Q., position: background}"
		against    = "{source: src-a, locator: P, claim: Q., position: against}"
		other      = "{source: src-a, locator: O, claim: R., position: background}"
	)
	rule := func(id, when, effect string, cites ...string) string {
		return fmt.Sprintf("  - id: %s\n    when: %q\n    %s\n    because: Because.\n    cite: [%s]\n", id, when, effect, strings.Join(cites, ", "))
	}
	for _, tt := range []struct {
		name  string
		rules []string
		// want is each item's citations, locator and position.
		want map[string][]string
	}{
		{
			name: "background first, side second",
			rules: []string{
				rule("r1", "true", "avoid: [knee_to_chest]", background, other),
				rule("r2", "true", "avoid: [knee_to_chest]", against),
				rule("r3", "true", "recommend: [towel_stretch]", background),
			},
			want: map[string][]string{"knee_to_chest": {"O background", "P against"}, "towel_stretch": {"P background"}},
		},
		{
			name: "side first, background second",
			rules: []string{
				rule("r2", "true", "avoid: [knee_to_chest]", against),
				rule("r1", "true", "avoid: [knee_to_chest]", other, background),
			},
			want: map[string][]string{"knee_to_chest": {"P against", "O background"}},
		},
		{
			name: "the side's rule does not match",
			rules: []string{
				rule("r1", "true", "avoid: [knee_to_chest]", background, other),
				rule("r2", "false", "avoid: [knee_to_chest]", against),
			},
			want: map[string][]string{"knee_to_chest": {"P background", "O background"}},
		},
		{
			name: "one rule cites both",
			rules: []string{
				rule("r1", "true", "avoid: [knee_to_chest]", background, against),
			},
			want: map[string][]string{"knee_to_chest": {"P against"}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			dirFS(t, "../testdata/minimal", "base/", fsys)
			fsys["r.yaml"] = &fstest.MapFile{Data: []byte("rules:\n" + strings.Join(tt.rules, ""))}
			eng := mustLoad(t, fsys)
			res, err := eng.Recommend(t.Context(), recommend.Profile{Equipment: []string{"towel"}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, it := range append(res.Recommended, res.Avoided...) {
				for _, c := range it.Citations {
					got[it.Movement] = append(got[it.Movement], c.Locator()+" "+string(c.Position()))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("citations (-want +got):\n%s", diff)
			}
		})
	}
}
