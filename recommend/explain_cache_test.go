package recommend

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/backrules/backrules/rules"
	"github.com/google/go-cmp/cmp"
)

// cacheProfile draws a profile from a small space of values, so that
// many profiles share the values of some fields and differ in others: a
// few conditions, aggravating activities and pieces of equipment, a red
// flag now and then, and numbers and choices from short lists.
func cacheProfile(r *rand.Rand, v Vocabulary) Profile {
	pick := func(ts []Term, n int) []string {
		var out []string
		for _, t := range ts[:min(n, len(ts))] {
			if r.IntN(3) == 0 {
				out = append(out, t.ID)
			}
		}
		return out
	}
	p := Profile{
		Conditions:     pick(v.Conditions, 6),
		AggravatedBy:   pick(v.AggravatedBy, 4),
		EasedBy:        pick(v.EasedBy, 3),
		Equipment:      pick(v.Equipment, 4),
		PainLevel:      []int{2, 5, 8}[r.IntN(3)],
		DaysSinceOnset: []int{3, 30, 200}[r.IntN(3)],
		SittingHours:   []float64{2, 8.5}[r.IntN(2)],
		Age:            []int{0, 30, 72}[r.IntN(3)],
	}
	if r.IntN(5) == 0 {
		p.RedFlags = pick(v.RedFlags, 8)
	}
	if len(v.Sex) > 0 && r.IntN(2) == 0 {
		p.Sex = v.Sex[r.IntN(len(v.Sex))].ID
	}
	if len(v.Episode) > 0 && r.IntN(2) == 0 {
		p.Episode = v.Episode[r.IntN(len(v.Episode))].ID
	}
	return p
}

// explainAll returns, as JSON, every answer an Explainer of eng gives
// for p: each movement's explanation and the referrals'.
func explainAll(t *testing.T, eng *Engine, p Profile) string {
	t.Helper()
	ctx := context.Background()
	x, err := eng.NewExplainer(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var all []any
	var rules []RuleExplanation
	for i := range eng.movements {
		ex, err := x.Explain(ctx, eng.movements[i].id)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ex)
		rules = append(rules, ex.Rules...)
	}
	rx, err := x.Referrals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A clause of a list field shows the profile's list, whichever
	// profile's explanation of the rule it shares.
	for _, r := range append(rules, rx.Rules...) {
		for _, c := range r.Clauses() {
			if fi := listFieldIndex(c.Field); fi >= 0 && !slices.Equal(c.Values, listFields[fi].get(&p)) {
				t.Errorf("%s: clause %q shows %s %v, the profile has %v", r.Rule(), c.Text, c.Field, c.Values, listFields[fi].get(&p))
			}
		}
	}
	b, err := json.Marshal(append(all, rx))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExplainCacheAgrees checks the engine's cache of rule explanations
// against an engine without it: every answer for many profiles that share
// the values of some fields (each profile explained twice, by goroutines
// at once), the same with a bound so small that the cache empties over
// and over, and that explanations were indeed shared between profiles.
func TestExplainCacheAgrees(t *testing.T) {
	plain, err := Load(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	ExplainCacheOff(plain)
	n := 120
	if testing.Short() || raceBuild {
		n = 24
	}
	for _, limit := range []int64{0, 16 << 10} {
		eng, err := Load(rules.FS)
		if err != nil {
			t.Fatal(err)
		}
		eng.whys.limit = limit
		r := rand.New(rand.NewPCG(6, 12))
		profiles := make([]Profile, n)
		for i := range profiles {
			profiles[i] = cacheProfile(r, eng.Vocabulary())
		}
		var wg sync.WaitGroup
		for _, p := range profiles {
			want := explainAll(t, plain, p)
			for range 2 {
				wg.Go(func() {
					if diff := cmp.Diff(want, explainAll(t, eng, p)); diff != "" {
						t.Errorf("limit %d: profile %+v: answers with the cache differ (-without +with):\n%s", limit, p, diff)
					}
				})
			}
			wg.Wait()
		}
		// Explanations shared between profiles: fewer kept than half the
		// rules explained for each profile.
		eng.whys.mu.RLock()
		tables, profilesSeen, kept := len(eng.whys.m), len(eng.whys.profiles), 0
		for _, tb := range eng.whys.m {
			for i := range tb.whys {
				if tb.whys[i].Load() != nil {
					kept++
				}
			}
		}
		eng.whys.mu.RUnlock()
		t.Logf("limit %d: %d profiles, %d kept, %d tables, %d explanations kept", limit, n, profilesSeen, tables, kept)
		if limit == 0 && (kept == 0 || kept > n*len(eng.rules)/2) {
			t.Errorf("limit %d: %d explanations kept for %d profiles of %d rules: they are not shared", limit, kept, n, len(eng.rules))
		}
	}
}

// TestConditionFields checks the profile fields a condition reads, which
// key its explanation in the cache: each field it selects, and every
// field when it reads the profile other than by a field.
func TestConditionFields(t *testing.T) {
	env, err := sharedCELEnv()
	if err != nil {
		t.Fatal(err)
	}
	bit := func(name string) fieldSet {
		switch {
		case listFieldIndex(name) >= 0:
			return 1 << listFieldIndex(name)
		case numberFieldIndex(name) >= 0:
			return 1 << (numberFieldBit + numberFieldIndex(name))
		case choiceFieldIndex(name) >= 0:
			return 1 << (choiceFieldBit + choiceFieldIndex(name))
		}
		t.Fatalf("no field %s", name)
		return 0
	}
	tests := []struct {
		when string
		want fieldSet
	}{
		{"true", 0},
		{"profile.age >= 50", bit("age")},
		{"'disc' in profile.conditions && profile.sitting_hours > 6.0", bit("conditions") | bit("sitting_hours")},
		{"profile.red_flags.exists(f, f in ['a', 'b']) || profile.pain_level > 7", bit("red_flags") | bit("pain_level")},
		{"profile.sex == 'female' && profile.pregnancy_week >= 20", bit("sex") | bit("pregnancy_week")},
		{"profile.episode != 'new' || size(profile.equipment) > 1 || 'x' in profile.eased_by || 'y' in profile.aggravated_by || profile.days_since_onset > 84",
			bit("episode") | bit("equipment") | bit("eased_by") | bit("aggravated_by") | bit("days_since_onset")},
		{"type(profile) == type(profile)", allFields},
		{"[1, 2].exists(profile, profile > 1)", allFields},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			checked, iss := env.Compile(tt.when)
			if iss.Err() != nil {
				t.Fatal(iss.Err())
			}
			got, _ := conditionFields(checked.NativeRep().Expr())
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

// TestWhyReads checks what keys a condition's explanation in the cache:
// a list field asked only whether it holds some ids is keyed by those
// ids; one read any other way, whole.
func TestWhyReads(t *testing.T) {
	env, err := sharedCELEnv()
	if err != nil {
		t.Fatal(err)
	}
	e := &Engine{}
	cond, flags := listFieldIndex("conditions"), listFieldIndex("red_flags")
	tests := []struct {
		when string
		ids  map[int][]string // by list field; nil for a field read whole
	}{
		{"'b' in profile.conditions || 'a' in profile.conditions", map[int][]string{cond: {"a", "b"}}},
		{"profile.conditions.exists(c, c in ['b', 'a']) && !('a' in profile.conditions)", map[int][]string{cond: {"a", "b"}}},
		{"'a' in profile.conditions && size(profile.conditions) > 1", map[int][]string{cond: nil}},
		{"'a' in profile.conditions && profile.red_flags.exists(f, f.startsWith('x'))", map[int][]string{cond: {"a"}, flags: nil}},
		{"profile.conditions.size() == 0", map[int][]string{cond: nil}},
	}
	for _, tt := range tests {
		t.Run(tt.when, func(t *testing.T) {
			checked, iss := env.Compile(tt.when)
			if iss.Err() != nil {
				t.Fatal(iss.Err())
			}
			pl := newWhyPlan(e, checked.NativeRep(), tt.when)
			got := map[int][]string{}
			for fi := range listFields {
				if pl.reads.fields&(1<<fi) != 0 {
					got[fi] = pl.reads.ids[fi]
				}
			}
			if diff := cmp.Diff(tt.ids, got); diff != "" {
				t.Errorf("ids by list field (-want +got):\n%s", diff)
			}
		})
	}
}
