package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/backrules/backrules/internal/testrules"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/recommend/report"
	"github.com/google/go-cmp/cmp"
)

// keyedAnswers checks AppendDecisionKey's promise over profiles: each
// profile with a key gets from Recommend a Result whose encoding, trace
// included, is byte for byte that of every other profile with the same
// key. It returns how many profiles shared a key with an earlier one, so
// that a caller can check the comparison was not empty.
func keyedAnswers(t *testing.T, eng *recommend.Engine, profiles []recommend.Profile) (shared int) {
	t.Helper()
	ctx := context.Background()
	first := map[string]int{}
	answers := map[string][]byte{}
	for i, p := range profiles {
		key, ok, err := eng.AppendDecisionKey(ctx, nil, p)
		if err != nil || !ok {
			t.Fatalf("profile %d %+v: ok %v, error %v", i, p, ok, err)
		}
		res, err := eng.Recommend(ctx, p)
		if err != nil {
			t.Fatalf("profile %d: %v", i, err)
		}
		var b bytes.Buffer
		if err := report.WriteJSONWith(&b, res, report.JSONOptions{Trace: true}); err != nil {
			t.Fatal(err)
		}
		want, seen := answers[string(key)]
		if !seen {
			first[string(key)], answers[string(key)] = i, b.Bytes()
			continue
		}
		shared++
		if diff := cmp.Diff(string(want), b.String()); diff != "" {
			t.Fatalf("profiles %d %+v and %d %+v have one decision key and different answers (-first +this):\n%s",
				first[string(key)], profiles[first[string(key)]], i, p, diff)
		}
	}
	return shared
}

// variants returns p and profiles that differ from it, one thing at a
// time, in what the conditions read (numbers, sex, episode, lists) or in
// what the stages after them read (the red flags and the equipment).
func variants(p recommend.Profile, v recommend.Vocabulary) []recommend.Profile {
	out := []recommend.Profile{p}
	with := func(f func(q *recommend.Profile)) {
		q := p
		q.RedFlags, q.Equipment = slices.Clone(p.RedFlags), slices.Clone(p.Equipment)
		f(&q)
		out = append(out, q)
	}
	with(func(q *recommend.Profile) { q.Age = min(q.Age+1, 120) })
	with(func(q *recommend.Profile) { q.DaysSinceOnset = min(q.DaysSinceOnset+3, recommend.MaxDaysSinceOnset) })
	with(func(q *recommend.Profile) { q.SittingHours = min(q.SittingHours+0.5, 24) })
	with(func(q *recommend.Profile) { q.PainLevel = min(q.PainLevel+1, 10) })
	with(func(q *recommend.Profile) { slices.Reverse(q.Equipment) })
	if len(p.Equipment) > 0 {
		with(func(q *recommend.Profile) { q.Equipment = q.Equipment[1:] })
	}
	for _, eq := range v.Equipment {
		if !slices.Contains(p.Equipment, eq.ID) {
			with(func(q *recommend.Profile) { q.Equipment = append(q.Equipment, eq.ID) })
			break
		}
	}
	// What no stage after the conditions reads: where no condition
	// reads it either, the key is the same and so must the answer be.
	for _, t := range v.Sex {
		if t.ID != p.Sex {
			with(func(q *recommend.Profile) { q.Sex, q.PregnancyWeek = t.ID, 0 })
			break
		}
	}
	for _, t := range v.Episode {
		if t.ID != p.Episode {
			with(func(q *recommend.Profile) { q.Episode = t.ID })
			break
		}
	}
	for _, l := range []struct {
		have  []string
		terms []recommend.Term
		set   func(q *recommend.Profile, id string)
	}{
		{p.Conditions, v.Conditions, func(q *recommend.Profile, id string) { q.Conditions = append(slices.Clone(q.Conditions), id) }},
		{p.AggravatedBy, v.AggravatedBy, func(q *recommend.Profile, id string) { q.AggravatedBy = append(slices.Clone(q.AggravatedBy), id) }},
		{p.EasedBy, v.EasedBy, func(q *recommend.Profile, id string) { q.EasedBy = append(slices.Clone(q.EasedBy), id) }},
	} {
		for _, t := range l.terms {
			if !slices.Contains(l.have, t.ID) {
				with(func(q *recommend.Profile) { l.set(q, t.ID) })
				break
			}
		}
	}
	if len(p.RedFlags) > 1 {
		with(func(q *recommend.Profile) { slices.Reverse(q.RedFlags) })
		with(func(q *recommend.Profile) { q.RedFlags = q.RedFlags[:len(q.RedFlags)-1] })
	}
	return out
}

// TestDecisionKeyDecidesTheAnswer checks, over the named profiles and
// 400 random ones of the default rules, each with variants in its
// numbers, equipment and red flags, that profiles with one decision key
// get one answer, byte for byte.
func TestDecisionKeyDecidesTheAnswer(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	var profiles []recommend.Profile
	for _, p := range testrules.Profiles() {
		profiles = append(profiles, variants(p, eng.Vocabulary())...)
	}
	r := rand.New(rand.NewPCG(7, 2026))
	for range 400 {
		profiles = append(profiles, variants(testrules.RandomProfile(r, eng.Vocabulary()), eng.Vocabulary())...)
	}
	shared := keyedAnswers(t, eng, profiles)
	t.Logf("%d profiles, %d of them with the decision key of an earlier one", len(profiles), shared)
	if shared < len(profiles)/10 {
		t.Errorf("only %d of %d profiles shared a decision key with another: the comparison is too thin", shared, len(profiles))
	}
}

// keyRules is a rule set whose two referrals, one pathway, one urgency and
// timing, match a person over 80 whatever the red flags say, and name the
// night-pain flag: reported, it folds one into the other, a difference
// only the red flags, not the matched rules, carry. A mat decides whether
// the plank is recommended, which no condition reads. Every text is made
// up for the test.
const keyRules = `
version: key-test
sources:
  - {id: guide, title: Back pain guideline, publisher: A health body, kind: guideline}
vocabulary:
  red_flags:
    - {id: night, label: Night pain, floor: {urgency: urgent, withhold: false}}
  equipment:
    - {id: mat, label: Exercise mat, prop: mat}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk at an easy pace., dose: 10 minutes twice a day., pose: {base: standing, start: {}, end: {}}}
  - {id: plank, name: Plank, kind: strengthening, how: Hold a straight line on your forearms., dose: 3 holds of 10 seconds., equipment: [mat], pose: {base: lying, props: [mat], start: {}, end: {}}}
rules:
  - id: move
    when: "true"
    recommend: [walk, plank]
    because: Moving helps.
    cite: [{source: guide, locator: Activity, claim: Staying active helps.}]
  - id: night-or-over-90
    when: "'night' in profile.red_flags || profile.age >= 90"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days about the pain at night., pathway: mscc}
    because: Night pain, or great age.
    cite: [{source: guide, locator: Night, claim: Needs checking.}]
  - id: night-or-over-80
    when: "'night' in profile.red_flags || profile.age >= 80"
    refer: {urgency: urgent, within: few_days, message: See a doctor in the next few days for a check., pathway: mscc}
    because: Night pain, or age.
    cite: [{source: guide, locator: Age, claim: Needs checking.}]
`

// TestDecisionKeyHoldsWhatRulesDoNot checks that the key holds what the
// stages after the conditions read and no condition does: the same rules
// match a person of 95 with and without night pain, and with and without
// a mat, but the folding of the referrals and the plank differ, and so
// must the keys.
func TestDecisionKeyHoldsWhatRulesDoNot(t *testing.T) {
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(keyRules)}})
	if err != nil {
		t.Fatal(err)
	}
	base := recommend.Profile{Age: 95}
	profiles := []recommend.Profile{
		base,
		{Age: 95, RedFlags: []string{"night"}},
		{Age: 95, Equipment: []string{"mat"}},
		{Age: 95, RedFlags: []string{"night"}, Equipment: []string{"mat"}},
		{Age: 96, RedFlags: []string{"night"}, Equipment: []string{"mat"}},
		{Age: 97},
	}
	if shared := keyedAnswers(t, eng, profiles); shared != 2 {
		t.Errorf("%d profiles shared a key with an earlier one, want 2 (ages 96 and 97 as 95)", shared)
	}
}

// TestDecisionKeyRefuses checks the profiles that have no key: one with
// check-ins, whose programme reads them (no error: Recommend answers
// it); an invalid one; a done context, which would leave the advice
// unknown; and a nil context.
func TestDecisionKeyRefuses(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		profile recommend.Profile
		wantErr error // the error wraps it; nil: see anyErr
		anyErr  bool  // with a nil wantErr: some error, or none
	}{
		{"check-ins", context.Background(), recommend.Profile{CheckIns: []recommend.CheckIn{{Day: 1, PainLevel: 3}}}, nil, false},
		{"an unknown condition", context.Background(), recommend.Profile{Conditions: []string{"no_such_condition"}}, recommend.ErrInvalidProfile, true},
		{"a done context", done, recommend.Profile{Conditions: []string{"disc_herniation"}}, context.Canceled, true},
		{"a nil context", nil, recommend.Profile{}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte("kept")
			got, ok, err := eng.AppendDecisionKey(tt.ctx, dst, tt.profile)
			if ok || string(got) != "kept" {
				t.Errorf("got key %q, ok %v; want dst as it was, ok false", got, ok)
			}
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v, want one wrapping %v", err, tt.wantErr)
			case tt.anyErr != (err != nil):
				t.Errorf("error %v, want an error: %v", err, tt.anyErr)
			}
		})
	}
}
