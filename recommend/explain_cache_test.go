package recommend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"
	"unsafe"

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
	plain := loadDefault(t)
	ExplainCacheOff(plain)
	n := 120
	if testing.Short() || raceBuild {
		n = 24
	}
	for _, limit := range []int64{0, 16 << 10} {
		eng := loadDefault(t)
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
			for i := range tb.at {
				if tb.at[i].Load() != nil {
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
		{"[profile].exists(p, p.age > 1)", allFields},
		{"[{'zz': 1}].exists(profile, profile.zz > 0)", allFields},
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
		{"type(profile) == type(profile) && 'a' in profile.conditions", map[int][]string{cond: nil, flags: nil,
			listFieldIndex("aggravated_by"): nil, listFieldIndex("eased_by"): nil, listFieldIndex("equipment"): nil}},
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

// TestRuleExplanationZero checks that the zero RuleExplanation, which
// explains no rule, answers every method with a zero value, encodes to
// JSON with empty lists, and equals only itself.
func TestRuleExplanationZero(t *testing.T) {
	var r RuleExplanation
	got := []any{r.Rule(), r.Description(), r.File(), r.Line(), r.Matched(), r.Summary(), r.When(), r.Because(),
		r.Clauses() == nil, r.Effects() == nil, r.Referral() == nil, r.Folded() == nil, r.Citations() == nil}
	want := []any{"", "", "", 0, false, "", "", "", true, true, true, true, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zero RuleExplanation (-want +got):\n%s", diff)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"rule":"","description":"","file":"","line":0,"matched":false,"summary":"","when":"","clauses":[],"effects":[],"because":"","citations":[]}`
	if diff := cmp.Diff(wantJSON, string(b)); diff != "" {
		t.Errorf("JSON (-want +got):\n%s", diff)
	}
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	rx, err := eng.ExplainReferrals(context.Background(), Profile{})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Equal(RuleExplanation{}) || r.Equal(rx.Rules[0]) || rx.Rules[0].Equal(r) || !rx.Rules[0].Equal(rx.Rules[0]) {
		t.Error("Equal: the zero RuleExplanation must equal itself only")
	}
}

// TestRuleExplanationShowsItsRule checks what each rule explanation of
// every answer shows against the engine's views, which are made apart
// from the explanations: the rule's id, description, place, condition,
// reason, citations and referral as Engine.Rules lists them; its effects
// on the movement, worked out from each effect's selector and the
// movement's tags and kind; and, for a clause of a list, the profile's
// list.
func TestRuleExplanationShowsItsRule(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]Rule{}
	for _, r := range eng.Rules() {
		rules[r.ID] = r
	}
	movements := map[string]Movement{}
	for _, m := range eng.Movements() {
		movements[m.ID] = m
	}
	ctx := context.Background()
	effectsOn := func(r Rule, m Movement) []NamingEffect {
		var out []NamingEffect
		for _, e := range r.Effects {
			by := []string{}
			if slices.Contains(e.Movements, m.ID) {
				by = append(by, "movement")
			}
			for _, tag := range e.Tags {
				if slices.Contains(m.Tags, tag) {
					by = append(by, "tag "+tag)
				}
			}
			if slices.Contains(e.Kinds, m.Kind) {
				by = append(by, "kind "+m.Kind)
			}
			if len(by) > 0 {
				out = append(out, NamingEffect{Kind: e.Kind, SelectedBy: by, Because: e.Because})
			}
		}
		return out
	}
	checked, lists := 0, 0
	profiles := append([]struct {
		name string
		p    Profile
	}{{"folded", Profile{RedFlags: []string{"bladder_bowel_dysfunction", "no_improvement_with_self_care"}, Age: 60}}}, benchProfiles...)
	for _, tt := range profiles {
		x, err := eng.NewExplainer(ctx, tt.p)
		if err != nil {
			t.Fatal(err)
		}
		a := answerAll(t, x)
		check := func(re RuleExplanation, m *Movement) {
			r, ok := rules[re.Rule()]
			if !ok {
				t.Fatalf("%s: explains rule %q, which the engine lacks", tt.name, re.Rule())
			}
			got := Rule{ID: re.Rule(), Description: re.Description(), When: re.When(), Because: re.Because(), File: re.File(), Line: re.Line(),
				Effects: r.Effects, Message: r.Message, Referral: re.Referral(), Citations: re.Citations()}
			if diff := cmp.Diff(r, got); diff != "" {
				t.Errorf("%s: %s (-engine +explanation):\n%s", tt.name, r.ID, diff)
			}
			var want []NamingEffect
			if m != nil {
				want = effectsOn(r, *m)
			}
			if diff := cmp.Diff(want, re.Effects()); diff != "" {
				t.Errorf("%s: %s: effects (-from the selectors +explanation):\n%s", tt.name, r.ID, diff)
			}
			// Its JSON says what its methods say, with [] for an empty
			// list.
			orEmpty := func(v any, empty any) any {
				if reflect.ValueOf(v).IsNil() {
					return empty
				}
				return v
			}
			wantJSON, err := json.Marshal(map[string]any{
				"rule": re.Rule(), "description": re.Description(), "file": re.File(), "line": re.Line(),
				"matched": re.Matched(), "summary": re.Summary(), "when": re.When(),
				"clauses": orEmpty(re.Clauses(), []any{}), "effects": orEmpty(re.Effects(), []any{}),
				"because": re.Because(), "citations": orEmpty(re.Citations(), []any{}),
			})
			if err != nil {
				t.Fatal(err)
			}
			var fromMethods, fromJSON map[string]any
			gotJSON, err := json.Marshal(re)
			if err != nil {
				t.Fatal(err)
			}
			if b, err := re.MarshalJSON(); err != nil || bytes.Contains(b, []byte(`\u00`)) {
				t.Errorf("%s: %s: MarshalJSON escapes what the explanation's JSON writes as it is: %s", tt.name, r.ID, b)
			}
			if err := json.Unmarshal(wantJSON, &fromMethods); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(gotJSON, &fromJSON); err != nil {
				t.Fatal(err)
			}
			if ref := re.Referral(); ref != nil {
				b, _ := json.Marshal(ref)
				var v any
				_ = json.Unmarshal(b, &v)
				fromMethods["referral"] = v
			}
			if f := re.Folded(); f != nil {
				b, _ := json.Marshal(f)
				var v any
				_ = json.Unmarshal(b, &v)
				fromMethods["folded"] = v
			}
			if diff := cmp.Diff(fromMethods, fromJSON); diff != "" {
				t.Errorf("%s: %s: JSON (-methods +MarshalJSON):\n%s", tt.name, r.ID, diff)
			}
			for _, c := range re.Clauses() {
				if fi := listFieldIndex(c.Field); fi >= 0 {
					lists++
					if want := listFields[fi].get(&tt.p); !slices.Equal(want, c.Values) || c.Values == nil {
						t.Errorf("%s: %s: clause %q shows %q, the profile has %q", tt.name, r.ID, c.Text, c.Values, want)
					}
				}
			}
			checked++
		}
		for _, ex := range a.Movements {
			m := movements[ex.Movement]
			for _, re := range ex.Rules {
				check(re, &m)
			}
		}
		for _, re := range a.Referrals.Rules {
			check(re, nil)
		}
	}
	if checked == 0 || lists == 0 {
		t.Fatalf("%d rule explanations checked, %d clauses of lists: the test proves nothing", checked, lists)
	}
}

// TestRuleExplanationHandsOutCopies checks that what a RuleExplanation's
// methods return is the caller's: changing it changes nothing the same
// view, or another, shows later.
func TestRuleExplanationHandsOutCopies(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Folds by pathway, and by a red flag (whose fold names it).
	changed, flagged := 0, 0
	for _, p := range []Profile{
		{RedFlags: []string{"bladder_bowel_dysfunction", "no_improvement_with_self_care"}, Conditions: []string{"disc_herniation"}, Age: 60},
		{RedFlags: []string{"leg_weakness", "severe_pain_after_injury"}, Age: 30},
	} {
		x, err := eng.NewExplainer(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		rx, err := x.Referrals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := x.Explain(ctx, "walking")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(rx.Rules, func(r RuleExplanation) bool { return r.Folded() != nil }) {
			t.Fatalf("%+v: no referral folded: the test proves too little", p)
		}
		for _, re := range append(rx.Rules, ex.Rules...) {
			before, err := json.Marshal(re)
			if err != nil {
				t.Fatal(err)
			}
			if f := re.Folded(); f != nil {
				f.Into[0], f.Summary = "scribbled", "scribbled"
				if len(f.RedFlags) > 0 {
					f.RedFlags[0] = "scribbled"
					flagged++
				}
				changed++
			}
			for _, c := range re.Clauses() {
				if len(c.Values) > 0 {
					c.Values[0] = "scribbled"
					changed++
				}
			}
			for _, e := range re.Effects() {
				e.SelectedBy[0] = "scribbled"
				changed++
			}
			if cs := re.Citations(); len(cs) > 0 {
				cs[0] = Citation{}
				changed++
			}
			if ref := re.Referral(); ref != nil {
				ref.Message = "scribbled"
				changed++
			}
			after, err := json.Marshal(re)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(before), string(after)); diff != "" {
				t.Errorf("%s: changing what its methods returned changed it (-before +after):\n%s", re.Rule(), diff)
			}
		}
	}
	if changed == 0 || flagged == 0 {
		t.Fatalf("%d values changed, %d folds' red flags: the test proves too little", changed, flagged)
	}
}

// TestRuleExplanationDecodeFails checks that decoding an explanation's
// JSON into an Explanation fails, with ErrDecodeRuleExplanation, rather
// than giving rules that explain nothing.
func TestRuleExplanationDecodeFails(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ex, err := eng.Explain(context.Background(), Profile{Conditions: []string{"disc_herniation"}}, "walking")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var back Explanation
	if err := json.Unmarshal(b, &back); !errors.Is(err, ErrDecodeRuleExplanation) {
		t.Errorf("decoding an explanation: %v, want ErrDecodeRuleExplanation", err)
	}
}

// TestExplainRuleWithoutPlanRoot checks that a rule whose condition has
// no plan to walk (it no longer compiles, which cannot happen to a
// condition Load accepted) is explained by its whole condition, and not
// by the cache's explanation of another condition.
func TestExplainRuleWithoutPlanRoot(t *testing.T) {
	ctx := context.Background()
	for _, bp := range benchProfiles {
		eng := loadDefault(t)
		// Other conditions' explanations first, in the cache.
		explainAll(t, eng, bp.p)
		// Every rule's condition broken: some of them match as the
		// cache's first explanation of a condition does.
		for ri := range eng.rules {
			if src := eng.rules[ri].why; src != nil {
				eng.rules[ri].why = &condSource{env: src.env, vocab: src.vocab, when: "(((", loops: src.loops}
				eng.why.plans[ri].Store(nil)
			}
		}
		x, err := eng.NewExplainer(ctx, bp.p)
		if err != nil {
			t.Fatal(err)
		}
		a := answerAll(t, x)
		for _, ex := range append(a.Movements, &Explanation{Rules: a.Referrals.Rules}) {
			for _, re := range ex.Rules {
				verdict := "not matched"
				if re.Matched() {
					verdict = "matched"
				}
				if want := verdict + ": the condition is " + strconv.FormatBool(re.Matched()); re.Summary() != want {
					t.Fatalf("%s: %s: summary %q, want %q", bp.name, re.Rule(), re.Summary(), want)
				}
			}
		}
	}
}

// TestWhyProfileGrows checks that a profile's entry in the cache, made
// when few conditions had plans, grows to hold a table for each slot
// numbered since, so that a later Explainer of the profile finds every
// table through it.
func TestWhyProfileGrows(t *testing.T) {
	eng := loadDefault(t)
	ctx := context.Background()
	p := benchProfiles[0].p
	// The second Explainer of the profile makes its entry (the first's
	// values are not admitted yet, see TestExplainCacheAdmits).
	var x *Explainer
	var err error
	for range 2 {
		if x, err = eng.NewExplainer(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := x.Explain(ctx, "walking"); err != nil {
			t.Fatal(err)
		}
	}
	if x.unseen {
		t.Fatal("the second Explainer of the profile has no entry in the cache")
	}
	early := len(x.prof.at)
	explainAll(t, eng, p)
	y, err := eng.NewExplainer(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := y.Explain(ctx, "walking"); err != nil {
		t.Fatal(err)
	}
	if n := eng.whys.nSlots(); early >= n || len(y.prof.at) < n {
		t.Errorf("the profile's entry held %d tables, then %d, of %d slots; want it grown to all", early, len(y.prof.at), n)
	}
}

// keyRules is a rule set whose conditions read the profile in each way
// the cache keys: lists whole (by their size and by a test of each
// value), lists only by ids, numbers, and choices.
const keyRules = `
sources:
  - {id: g, title: A guideline, publisher: An institute, kind: guideline}
vocabulary:
  conditions:
    - {id: a, label: Condition A}
    - {id: b, label: Condition B}
    - {id: c, label: Condition C}
  red_flags:
    - {id: r, label: Red flag R, floor: {urgency: urgent, withhold: true}}
  aggravated_by:
    - {id: sitting, label: Sitting}
    - {id: standing, label: Standing}
  eased_by:
    - {id: sitting, label: Sitting}
    - {id: standing, label: Standing}
  equipment:
    - {id: towel, label: Towel, prop: towel}
    - {id: mat, label: Mat, prop: mat}
  sex:
    - {id: female, label: Female}
    - {id: male, label: Male}
    - {id: s, label: S}
    - {id: sa, label: SA}
  episode:
    - {id: new, label: A new episode}
    - {id: old, label: An old episode}
    - {id: flare, label: A flare-up}
    - {id: ab, label: AB}
    - {id: b, label: B}
movements:
  - {id: walk, name: Walking, kind: lifestyle, how: Walk., dose: 10 minutes., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: size-of-list
    when: "size(profile.conditions) >= 2 || 'a' in profile.conditions"
    recommend: [walk]
    because: One.
    cite: [{source: g, locator: s1, claim: c1}]
  - id: each-of-list
    when: "profile.aggravated_by.exists(x, x.startsWith('st')) && profile.pain_level > 3"
    caution: [walk]
    because: Two.
    cite: [{source: g, locator: s2, claim: c2}]
  - id: ids-of-list
    when: "profile.equipment.exists(e, e in ['towel']) || 'b' in profile.conditions && profile.age >= 50"
    recommend: [walk]
    because: Three.
    cite: [{source: g, locator: s3, claim: c3}]
  - id: choices
    when: "profile.sex == 'female' && profile.episode in ['new', 'flare'] || profile.sitting_hours > 6.5"
    recommend: [walk]
    because: Four.
    cite: [{source: g, locator: s4, claim: c4}]
  - id: two-lists-whole
    when: "profile.aggravated_by.exists(x, x.endsWith('ing')) && size(profile.eased_by) == 0"
    caution: [walk]
    because: Six.
    cite: [{source: g, locator: s6, claim: c6}]
  - id: same-length-choices
    when: "profile.episode.startsWith('n')"
    recommend: [walk]
    because: Seven.
    cite: [{source: g, locator: s7, claim: c7}]
  - id: two-choices
    when: "profile.sex == 'female' && profile.episode == 'flare'"
    caution: [walk]
    because: Eight.
    cite: [{source: g, locator: s8, claim: c8}]
  - id: red-flag
    when: "'r' in profile.red_flags"
    refer: {urgency: urgent, message: See a doctor today., withhold: true}
    because: Five.
    cite: [{source: g, locator: s5, claim: c5}]
`

// TestExplainCacheKeys checks the cache against an engine without it on
// a rule set that reads the profile in every way the cache keys, over
// every profile of a small space: lists of the same size but other ids,
// the same ids in another order, numbers and choices that differ by one
// step. The answers must agree, and a second pass over the space must
// walk no condition.
func TestExplainCacheKeys(t *testing.T) {
	load := func() *Engine {
		eng, err := Load(fstest.MapFS{"rules.yaml": {Data: []byte(keyRules)}})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	eng, plain := load(), load()
	ExplainCacheOff(plain)
	lists := [][]string{nil, {"a"}, {"b"}, {"c"}, {"a", "b"}, {"b", "a"}, {"b", "c"}}
	aggravated := [][]string{nil, {"sitting"}, {"standing"}, {"sitting", "standing"}}
	// The same ids, the other list: a key that ran two lists together
	// would give both the one explanation.
	eased := [][]string{{"sitting"}, nil, {"standing"}, nil}
	equipment := [][]string{nil, {"towel"}, {"mat"}, {"mat", "towel"}}
	var profiles []Profile
	for i, c := range lists {
		for j, ag := range aggravated {
			for k, eq := range equipment {
				profiles = append(profiles, Profile{
					Conditions: c, AggravatedBy: ag, EasedBy: eased[(j+k)%len(eased)], Equipment: eq,
					PainLevel: 3 + (i+j)%2, Age: 49 + (j+k)%2, SittingHours: 6.5 + float64(k%2)/2,
					Sex: []string{"", "female", "male"}[(i+k)%3], Episode: []string{"", "new", "old", "flare"}[(i+j+k)%4],
				})
			}
		}
	}
	// Two choices whose values run together the same ("s" "ab", "sa"
	// "b"): a key without each value's length would give both one
	// explanation.
	profiles = append(profiles, Profile{Sex: "s", Episode: "ab"}, Profile{Sex: "sa", Episode: "b"})
	for _, p := range profiles {
		if diff := cmp.Diff(explainAll(t, plain, p), explainAll(t, eng, p)); diff != "" {
			t.Fatalf("profile %+v: answers with the cache differ (-without +with):\n%s", p, diff)
		}
	}
	// The second pass admits to the cache the values the first saw
	// once (whyCache.door), and checks them again; the third walks no
	// condition.
	walks := eng.whys.walks.Load()
	for range 2 {
		for _, p := range profiles {
			if diff := cmp.Diff(explainAll(t, plain, p), explainAll(t, eng, p)); diff != "" {
				t.Fatalf("profile %+v seen again: answers with the cache differ (-without +with):\n%s", p, diff)
			}
		}
	}
	walks = eng.whys.walks.Load() - walks
	again := eng.whys.walks.Load()
	for _, p := range profiles {
		explainAll(t, eng, p)
	}
	if again = eng.whys.walks.Load() - again; again != 0 || walks == 0 {
		t.Errorf("%d walks for %d profiles seen a second and a third time, then %d more for the same profiles; want none", walks, len(profiles), again)
	}
}

// TestExplainCacheSaves checks what the cache saves, and its bound: once
// the cache admitted a profile's values (on their second sighting, see
// TestExplainCacheAdmits), a later Explainer of the profile walks no
// condition and looks up no table (its profile's entry holds them); one
// of a profile that differs only in a field or a list id no condition of
// a rule reads walks none of that rule's; and with a small bound the
// cache holds about the bound.
func TestExplainCacheSaves(t *testing.T) {
	eng := loadDefault(t)
	p := benchProfiles[0].p
	explainAll(t, eng, p)
	explainAll(t, eng, p)
	walks, lookups := eng.whys.walks.Load(), eng.whys.lookups.Load()
	explainAll(t, eng, p)
	if w, l := eng.whys.walks.Load()-walks, eng.whys.lookups.Load()-lookups; w != 0 || l != 0 {
		t.Errorf("the same profile a third time: %d walks, %d table lookups; want none", w, l)
	}
	// One more piece of equipment: the conditions that read the
	// equipment only by ids it is not among, and those that do not read
	// the equipment, walk no more.
	readers := func(id string) int {
		n := 0
		for ri := range eng.rules {
			if eng.rules[ri].why != nil {
				pl := eng.rules[ri].why.plan(eng)
				fi := listFieldIndex("equipment")
				if pl.reads.fields&(1<<fi) != 0 && (pl.reads.ids[fi] == nil || slices.Contains(pl.reads.ids[fi], id)) {
					n++
				}
			}
		}
		return n
	}
	best, bound := "", len(eng.rules)
	for _, term := range eng.Vocabulary().Equipment {
		if n := readers(term.ID); !slices.Contains(p.Equipment, term.ID) && n < bound {
			best, bound = term.ID, n
		}
	}
	q := p
	q.Equipment = append(slices.Clone(p.Equipment), best)
	walks = eng.whys.walks.Load()
	explainAll(t, eng, q)
	if w := eng.whys.walks.Load() - walks; w > int64(bound) {
		t.Errorf("a profile with %s too: %d walks; want at most the %d rules that read it", best, w, bound)
	}

	small := loadDefault(t)
	const limit = 32 << 10
	small.whys.limit = limit
	r := rand.New(rand.NewPCG(3, 4))
	emptied := 0
	for i, last := 0, int64(0); i < 40; i++ {
		explainAll(t, small, cacheProfile(r, small.Vocabulary()))
		b := small.whys.bytes.Load()
		if b > limit+8<<10 {
			t.Fatalf("the cache holds about %d bytes, bound %d", b, limit)
		}
		if b < last {
			emptied++
		}
		last = b
	}
	if emptied == 0 {
		t.Errorf("the cache never emptied over 40 profiles at a bound of %d bytes: the test proves nothing of the bound", limit)
	}
	small.whys.mu.RLock()
	tables := len(small.whys.m)
	small.whys.mu.RUnlock()
	if b := small.whys.bytes.Load(); b <= 0 || tables == 0 {
		t.Errorf("the cache holds %d bytes in %d tables: it keeps nothing", b, tables)
	}
}

// TestExplainCacheAdmits checks the cache's doorkeeper (whyCache.door):
// on an engine whose cache holds the tables of a profile's lists, an
// Explainer of a new person's values (the profile with numbers not seen
// before) makes no entry for the profile and no table, and counts no
// byte, keeping what it walks for itself; the second Explainer of the
// same values makes them; and the third walks no condition and looks up
// no table. Every one answers as an engine without the cache does.
func TestExplainCacheAdmits(t *testing.T) {
	eng := loadDefault(t)
	plain := loadDefault(t)
	ExplainCacheOff(plain)
	base := benchProfiles[0].p
	for range 2 {
		explainAll(t, eng, base)
	}
	// Another new person of base's lists, which makes the entry of
	// base's values but the numbers (whyCache.lists), seen twice.
	other := base
	other.Age, other.DaysSinceOnset = base.Age+1, base.DaysSinceOnset+1
	explainAll(t, eng, other)
	p := base
	p.Age, p.DaysSinceOnset, p.SittingHours = base.Age+7, base.DaysSinceOnset+11, base.SittingHours+0.25
	want := explainAll(t, plain, p)
	// What one Explainer of p did to the cache.
	type sighting struct {
		Entry, NewTables, Counted, Walked, LookedUp bool
	}
	tests := []struct {
		name string
		want sighting
	}{
		{"first", sighting{Entry: false, NewTables: false, Counted: false, Walked: true, LookedUp: true}},
		{"second", sighting{Entry: true, NewTables: true, Counted: true, Walked: true, LookedUp: true}},
		{"third", sighting{Entry: true, NewTables: false, Counted: false, Walked: false, LookedUp: false}},
	}
	key := string((&Explainer{p: &p}).appendValues(nil, &allReads))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng.whys.mu.RLock()
			tables := len(eng.whys.m)
			eng.whys.mu.RUnlock()
			bytes, walks, lookups := eng.whys.bytes.Load(), eng.whys.walks.Load(), eng.whys.lookups.Load()
			if diff := cmp.Diff(want, explainAll(t, eng, p)); diff != "" {
				t.Errorf("answers (-without the cache +with):\n%s", diff)
			}
			eng.whys.mu.RLock()
			got := sighting{
				Entry: eng.whys.profiles[key] != nil, NewTables: len(eng.whys.m) > tables, Counted: eng.whys.bytes.Load() > bytes,
				Walked: eng.whys.walks.Load() > walks, LookedUp: eng.whys.lookups.Load() > lookups,
			}
			eng.whys.mu.RUnlock()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("what the Explainer did to the cache (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDoorkeeper checks a doorkeeper: it admits a key the second time it
// is asked about it, and after, not the first; it seldom takes a new key
// for one it saw; it forgets every key once it noted doorKeys new ones,
// so that it stays as it was made, in memory of its own with no pointer.
func TestDoorkeeper(t *testing.T) {
	var d doorkeeper
	tests := []struct {
		key  string
		want bool
	}{
		{"a", false},
		{"a", true},
		{"a", true},
		{"b", false},
		{"a", true},
		{"b", true},
		{"c", false},
		{"c", true},
	}
	var got, want []bool
	for _, tt := range tests {
		got = append(got, d.admit([]byte(tt.key)))
		want = append(want, tt.want)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("admitted, key by key (-want +got):\n%s", diff)
	}
	// New keys, up to half as many as it notes: few taken for keys seen.
	admitted := 0
	for i := range doorKeys / 2 {
		if d.admit([]byte("k" + strconv.Itoa(i))) {
			admitted++
		}
	}
	if admitted > doorKeys/2/50 {
		t.Errorf("%d of %d new keys admitted the first time they were asked about; want no more than 1 in 50", admitted, doorKeys/2)
	}
	// More new keys, until it forgets: then "a" is new again.
	for i := 0; d.n.Load() != 0; i++ {
		if i > 2*doorKeys {
			t.Fatalf("%d new keys, and the doorkeeper has not forgotten them", i)
		}
		d.admit([]byte("m" + strconv.Itoa(i)))
	}
	if d.admit([]byte("a")) {
		t.Error("a key asked about before the doorkeeper forgot is admitted after")
	}
	if size := unsafe.Sizeof(d); size != doorWords*8+8 {
		t.Errorf("a doorkeeper holds %d bytes, want %d", size, doorWords*8+8)
	}
}

// TestExplainCacheNewPeople checks that a stream of new people (the
// values of each seen once) leaves the cache's tables as they were: no
// entry for their profiles, and no table; that their explanations are
// kept as classes (whyClass), so that a second stream of new people,
// whose numbers differ but whose clauses give the same, walks no
// condition, and answers as an engine without the cache does; while the
// first stream seen again fills the tables.
func TestExplainCacheNewPeople(t *testing.T) {
	eng := loadDefault(t)
	plain := loadDefault(t)
	ExplainCacheOff(plain)
	base := benchProfiles[0].p
	for range 2 {
		explainAll(t, eng, base)
	}
	people := make([]Profile, 20)
	others := make([]Profile, 20)
	for i := range people {
		people[i] = base
		people[i].Age, people[i].DaysSinceOnset = 20+i, 1000+i
		// The same ages, other days, as many digits long and on the same
		// side of every number the rules compare them with.
		others[i] = people[i]
		others[i].DaysSinceOnset = 1100 + i
	}
	type cache struct {
		Profiles, Tables int
		Bytes            int64
	}
	state := func() cache {
		eng.whys.mu.RLock()
		defer eng.whys.mu.RUnlock()
		return cache{len(eng.whys.profiles), len(eng.whys.m), eng.whys.bytes.Load()}
	}
	before := state()
	for _, p := range people {
		explainAll(t, eng, p)
	}
	after := state()
	if after.Profiles != before.Profiles || after.Tables != before.Tables {
		t.Errorf("the cache after %d new people: %+v, before %+v; want no more profiles nor tables", len(people), after, before)
	}
	walks, fills, lookups := eng.whys.walks.Load(), eng.whys.fills.Load(), eng.whys.lookups.Load()
	for _, p := range others {
		if diff := cmp.Diff(explainAll(t, plain, p), explainAll(t, eng, p)); diff != "" {
			t.Fatalf("profile %+v: answers from the classes differ (-without the cache +with):\n%s", p, diff)
		}
	}
	if w, f := eng.whys.walks.Load()-walks, eng.whys.fills.Load()-fills; w != 0 || f == 0 {
		t.Errorf("%d other new people of the same classes: %d walks, %d fills; want no walk, and fills", len(others), w, f)
	}
	// The tables of the slots that read no number come from the entry
	// of the people's values but the numbers (whyCache.lists): each
	// looks up only those of the slots that read a number.
	numberSlots := map[int]bool{}
	for ri := range eng.rules {
		if pl := eng.why.plans[ri].Load(); pl != nil && pl.reads.fields&numberFieldSet != 0 {
			numberSlots[pl.slot] = true
		}
	}
	if l := eng.whys.lookups.Load() - lookups; l > int64(len(others)*len(numberSlots)) {
		t.Errorf("%d other new people: %d tables looked up; want at most the %d slots that read a number, each", len(others), l, len(numberSlots))
	}
	for _, p := range people {
		explainAll(t, eng, p)
	}
	if again := state(); again.Profiles != before.Profiles+len(people) || again.Bytes <= after.Bytes {
		t.Errorf("the cache after %d people seen twice: %+v, before %+v; want an entry for each, and more bytes", len(people), again, after)
	}
}

// loadDefault returns an Engine of the default rules, of its own: its
// cache of explanations shared with no other test's.
func loadDefault(t testing.TB) *Engine {
	t.Helper()
	eng, err := Load(rules.FS)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}
