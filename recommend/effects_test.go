package recommend_test

import (
	"context"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// effectRules has one rule whose effects each carry their own reason, one
// that relies on the rule's reason, and avoid and caution rules against the
// same movement, so that a conflict's sides can be told apart.
const effectRules = `
sources:
  - {id: guide, title: Guide, publisher: Body, kind: guideline}
  - {id: blog, title: Blog, publisher: Someone, kind: personal_account}
vocabulary:
  conditions:
    - {id: sore, label: Sore back}
  eased_by:
    - {id: sitting, label: Sitting}
movements:
  - {id: walk, name: Walk, kind: lifestyle, how: Walk., dose: Daily., pose: {base: standing, start: {}, end: {}}}
  - {id: hang, name: Hang, kind: decompression, tags: [traction], how: Hang., dose: Briefly., pose: {base: standing, start: {}, end: {}}}
  - {id: hug, name: Hug, kind: stretch, how: Hug., dose: Twice., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: mixed
    when: "'sore' in profile.conditions"
    recommend: {movements: [walk, hang, hug], because: Moving helps.}
    because: The rule's own reason.
    cite: [{source: blog, locator: Part 1, claim: Moving helped the author.}]
  - id: no-traction
    when: "'sore' in profile.conditions"
    avoid: {tags: [traction], because: Traction is not advised.}
    because: Guidelines advise against some treatments.
    cite: [{source: guide, locator: Section 2, claim: Advises against traction.}]
  - id: careful
    when: "'sore' in profile.conditions"
    caution: [hang, hug]
    because: Go gently.
    cite: [{source: guide, locator: Section 3, claim: Advises care.}]
  - id: sitting-eases
    when: "'sitting' in profile.eased_by"
    recommend: [hug]
    because: Bending forward eases your back.
    cite: [{source: blog, locator: Part 2, claim: Bending eased it.}]
`

func TestEffectReasonsAndConflictSides(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"r.yaml": {Data: []byte(effectRules)}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := eng.Recommend(context.Background(), recommend.Profile{Conditions: []string{"sore"}, EasedBy: []string{"sitting"}})
	if err != nil {
		t.Fatal(err)
	}
	type notes struct{ Reasons, Cautions []recommend.Note }
	got := map[string]notes{}
	for _, it := range append(res.Recommended, res.Avoided...) {
		got[it.Movement] = notes{it.Reasons, it.Cautions}
	}
	want := map[string]notes{
		"walk": {Reasons: []recommend.Note{recommend.NoteOf("mixed", "Moving helps.")}, Cautions: []recommend.Note{}},
		"hang": {Reasons: []recommend.Note{recommend.NoteOf("no-traction", "Traction is not advised.")}, Cautions: []recommend.Note{}},
		"hug": {
			Reasons:  []recommend.Note{recommend.NoteOf("mixed", "Moving helps."), recommend.NoteOf("sitting-eases", "Bending forward eases your back.")},
			Cautions: []recommend.Note{recommend.NoteOf("careful", "Go gently.")},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reasons and cautions mismatch (-want +got):\n%s", diff)
	}
	type side struct {
		Resolution             recommend.Resolution
		For, Against           []string
		AvoidRules, Cautions   []string
		AgainstKinds, ForKinds []string
	}
	kinds := func(cs []recommend.Citation) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Kind())
		}
		return out
	}
	gotSides := map[string]side{}
	for _, c := range res.Conflicts {
		gotSides[c.Movement] = side{c.Resolution, c.For.Rules, c.Against.Rules, c.AvoidRules, c.CautionRules, kinds(c.Against.Citations), kinds(c.For.Citations)}
	}
	wantSides := map[string]side{
		"hang": {recommend.ResolutionAvoided, []string{"mixed"}, []string{"no-traction", "careful"}, []string{"no-traction"}, []string{"careful"},
			[]string{"guideline", "guideline"}, []string{"personal_account"}},
		"hug": {recommend.ResolutionCautioned, []string{"mixed", "sitting-eases"}, []string{"careful"}, []string{}, []string{"careful"},
			[]string{"guideline"}, []string{"personal_account", "personal_account"}},
	}
	if diff := cmp.Diff(wantSides, gotSides); diff != "" {
		t.Errorf("conflicts mismatch (-want +got):\n%s", diff)
	}
}
