package rules_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/backrules/backrules/internal/casefile"
	"github.com/backrules/backrules/recommend"
	"github.com/backrules/backrules/rules/internal/guidedoc"
	"github.com/google/go-cmp/cmp"
)

// The tests learn what the default rule set holds only from the engine's
// read-only views (Vocabulary, Movements, Sources, Rules), never by reading
// the rule files, so that they see the rule set exactly as the engine does.

func defaultEngine(t testing.TB) *recommend.Engine {
	t.Helper()
	eng, err := recommend.Default()
	if err != nil {
		t.Fatalf("load the default rules: %v", err)
	}
	return eng
}

// TestCases runs every case in testdata/cases against the default rules.
func TestCases(t *testing.T) {
	eng := defaultEngine(t)
	cases, err := casefile.LoadFS(os.DirFS("../testdata/cases"), ".", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Errorf("found %d cases in testdata/cases, want at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			res, err := eng.Recommend(context.Background(), c.Profile)
			if err != nil {
				t.Fatalf("%s:%d: %v", c.File, c.Line, err)
			}
			want := c.Expect
			got := casefile.Observe(want, res)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s:%d: advice does not meet the case (-want +got):\n%s", c.File, c.Line, diff)
			}
		})
	}
}

// ruleSet is what the invariants need to know about the rule set beyond
// what a Result says, taken from the engine's views.
type ruleSet struct {
	vocab     recommend.Vocabulary
	movements []recommend.Movement          // declaration order
	movement  map[string]recommend.Movement // by id
	sources   map[string]recommend.Source   // by id
	// keepActive and withhold mark the referral rules with keep_active
	// and with withhold.
	keepActive, withhold map[string]bool
}

func viewsOf(t testing.TB, eng *recommend.Engine) *ruleSet {
	t.Helper()
	rs := &ruleSet{
		vocab:     eng.Vocabulary(),
		movements: eng.Movements(),
		movement:  map[string]recommend.Movement{},
		sources:   map[string]recommend.Source{},
	}
	for _, m := range rs.movements {
		rs.movement[m.ID] = m
	}
	for _, s := range eng.Sources() {
		rs.sources[s.ID] = s
	}
	rs.keepActive, rs.withhold = map[string]bool{}, map[string]bool{}
	for _, r := range eng.Rules() {
		if r.Referral != nil {
			rs.keepActive[r.ID] = r.Referral.KeepActive
			rs.withhold[r.ID] = r.Referral.Withhold
		}
	}
	if len(rs.movements) == 0 || len(rs.vocab.Conditions) == 0 || len(rs.sources) == 0 {
		t.Fatalf("the default rules declare %d movements, %d conditions and %d sources; want some of each",
			len(rs.movements), len(rs.vocab.Conditions), len(rs.sources))
	}
	return rs
}

func termIDs(ts []recommend.Term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// The safety requirements below are clinical, not a copy of the rules: the
// rules must meet them whatever else they say. TestSafetySpec checks that
// every id they name still exists, so that a renamed flag, condition, tag
// or kind fails loudly instead of making an invariant pass vacuously.
var (
	// emergencyFlags are the signs of cauda equina syndrome, and the
	// syndrome told as suspected: each must always give an emergency
	// referral that withholds movement advice.
	emergencyFlags = []string{"bladder_bowel_dysfunction", "saddle_numbness", "suspected_cauda_equina"}
	// discConditions must never be recommended a flexionTag movement
	// without a caution.
	discConditions = []string{"disc_herniation", "degenerative_disc_disease"}
	flexionTag     = "lumbar_flexion"
)

// aggravates maps each aggravated_by value to the movements it must rule
// out, by tag, kind or id. lifting rules nothing out: no movement loads the
// back the way lifting does. An aggravated_by value not listed here is
// still covered by the aggravator monotonicity invariant.
var aggravates = map[string]struct{ tag, kind, movement string }{
	"stretching":       {kind: "stretch"},
	"bending_forward":  {tag: "lumbar_flexion"},
	"bending_backward": {tag: "lumbar_extension"},
	"twisting":         {tag: "lumbar_rotation"},
	"foam_rolling":     {kind: "self_massage"},
	"sitting":          {movement: "sofa_decompression"},
	"standing":         {tag: "prolonged_standing"},
	"lifting":          {},
}

// TestSafetySpec checks that the ids the safety requirements name are in
// the rule set's vocabulary and movements.
func TestSafetySpec(t *testing.T) {
	rs := viewsOf(t, defaultEngine(t))
	var ids, tags, kinds []string
	for _, m := range rs.movements {
		ids = append(ids, m.ID)
		tags = append(tags, m.Tags...)
		kinds = append(kinds, m.Kind)
	}
	type check struct {
		what, id string
		known    []string
	}
	checks := []check{{"tag", flexionTag, tags}}
	for _, f := range emergencyFlags {
		checks = append(checks, check{"red flag", f, termIDs(rs.vocab.RedFlags)})
	}
	for _, c := range discConditions {
		checks = append(checks, check{"condition", c, termIDs(rs.vocab.Conditions)})
	}
	for a, sel := range aggravates {
		checks = append(checks, check{"aggravated_by value", a, termIDs(rs.vocab.AggravatedBy)})
		if sel.tag != "" {
			checks = append(checks, check{"tag", sel.tag, tags})
		}
		if sel.kind != "" {
			checks = append(checks, check{"movement kind", sel.kind, kinds})
		}
		if sel.movement != "" {
			checks = append(checks, check{"movement", sel.movement, ids})
		}
	}
	for _, c := range checks {
		t.Run(c.what+" "+c.id, func(t *testing.T) {
			if !slices.Contains(c.known, c.id) {
				t.Errorf("the safety requirements in rules_test.go name %s %q, which the default rules no longer have; update the requirement with the rules", c.what, c.id)
			}
		})
	}
	for _, a := range rs.vocab.AggravatedBy {
		if _, ok := aggravates[a.ID]; !ok {
			t.Logf("aggravated_by %q has no entry in aggravates; only the monotonicity invariant covers it", a.ID)
		}
	}
}

// profileSets are the samples of each profile field that invariantProfiles
// combines, all drawn from the rule set's vocabulary.
type profileSets struct {
	conditions, redFlags, aggravatedBy, easedBy, equipment [][]string
}

// samples returns nil, each value alone, each two neighbours if pairs is
// set, and all values together.
func samples(ids []string, pairs bool) [][]string {
	out := [][]string{nil}
	for _, id := range ids {
		out = append(out, []string{id})
	}
	if pairs {
		for i := 0; i+1 < len(ids); i++ {
			out = append(out, []string{ids[i], ids[i+1]})
		}
	}
	if len(ids) > 1 {
		out = append(out, ids)
	}
	return out
}

// subsets returns every subset of ids with at most max members: the empty
// set first, then each subset followed by those that extend it.
func subsets(ids []string, max int) [][]string {
	out := [][]string{nil}
	var grow func(start int, cur []string)
	grow = func(start int, cur []string) {
		if len(cur) == max {
			return
		}
		for i := start; i < len(ids); i++ {
			next := append(slices.Clip(cur), ids[i])
			out = append(out, next)
			grow(i+1, next)
		}
	}
	grow(0, nil)
	return out
}

// binomial returns n choose k.
func binomial(n, k int) int {
	r := 1
	for i := range k {
		r = r * (n - i) / (i + 1)
	}
	return r
}

// maxProfiles bounds the number of invariant profiles, so that the test
// stays fast as the vocabulary grows: with more conditions, the condition
// sets hold fewer conditions each, down to pairs, plus all of them at once.
const maxProfiles = 60_000

func newProfileSets(voc recommend.Vocabulary) profileSets {
	equipment := termIDs(voc.Equipment)
	var even, odd []string
	for i, e := range equipment {
		if i%2 == 0 {
			even = append(even, e)
		} else {
			odd = append(odd, e)
		}
	}
	s := profileSets{
		redFlags:     samples(termIDs(voc.RedFlags), true),
		aggravatedBy: samples(termIDs(voc.AggravatedBy), true),
		easedBy:      samples(termIDs(voc.EasedBy), false),
		equipment:    [][]string{nil, even, odd, equipment},
	}
	conds := termIDs(voc.Conditions)
	rest := len(s.redFlags) * len(s.aggravatedBy)
	maxConds, n := 0, 1
	for k := 1; k <= len(conds); k++ {
		next := n + binomial(len(conds), k)
		if k > 2 && next*rest > maxProfiles {
			break
		}
		maxConds, n = k, next
	}
	s.conditions = subsets(conds, maxConds)
	if maxConds < len(conds) {
		s.conditions = append(s.conditions, conds)
	}
	return s
}

var (
	painLevels     = []int{0, 3, 8}
	sittingHours   = []float64{0, 4, 9.5}
	daysSinceOnset = []int{0, 5, 90}
	ages           = []int{0, 35, 78}
)

// pick chooses element i of n for profile number k and field f, spread so
// that fields do not move in step with each other or with the loops.
func pick(k, f, n int) int {
	h := uint32(k)*2654435761 ^ uint32(f)*0x9e3779b9
	h ^= h >> 15
	h *= 0x85ebca6b
	h ^= h >> 13
	return int(h % uint32(n))
}

// invariantProfiles builds the condition sets crossed with the samples of
// red flags and aggravators; the equipment, what eases the symptoms, pain
// level, sitting hours, days since onset and age vary from profile to
// profile.
func invariantProfiles(s profileSets) []recommend.Profile {
	var out []recommend.Profile
	for _, conds := range s.conditions {
		for _, rf := range s.redFlags {
			for _, ag := range s.aggravatedBy {
				k := len(out)
				out = append(out, recommend.Profile{
					Conditions:     conds,
					RedFlags:       rf,
					AggravatedBy:   ag,
					EasedBy:        s.easedBy[pick(k, 0, len(s.easedBy))],
					Equipment:      s.equipment[pick(k, 5, len(s.equipment))],
					PainLevel:      painLevels[pick(k, 1, len(painLevels))],
					SittingHours:   sittingHours[pick(k, 2, len(sittingHours))],
					DaysSinceOnset: daysSinceOnset[pick(k, 3, len(daysSinceOnset))],
					Age:            ages[pick(k, 4, len(ages))],
				})
			}
		}
	}
	return out
}

// baselines holds what single-value profiles get, for the monotonicity
// invariants: adding to a profile never lowers the urgency or lifts the
// withholding a red flag gets alone in the same episode, and never brings
// back a movement an aggravator alone rules out. A red flag's baseline is
// kept for each daysSinceOnset value: a weak sign such as night pain means
// less in long-standing pain than in a new episode (issue 17), so "alone"
// means alone in an episode of the same length.
type baselines struct {
	redFlag    map[string]map[int]*recommend.Result // by flag, then days since onset
	aggravated map[string][]string                  // movements the value alone avoids beyond the advice for everyone
}

func newBaselines(t testing.TB, eng *recommend.Engine, voc recommend.Vocabulary) baselines {
	t.Helper()
	ctx := context.Background()
	all := termIDs(voc.Equipment)
	b := baselines{redFlag: map[string]map[int]*recommend.Result{}, aggravated: map[string][]string{}}
	base, err := eng.Recommend(ctx, recommend.Profile{Equipment: all})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range voc.RedFlags {
		b.redFlag[f.ID] = map[int]*recommend.Result{}
		for _, days := range daysSinceOnset {
			res, err := eng.Recommend(ctx, recommend.Profile{RedFlags: []string{f.ID}, DaysSinceOnset: days, Equipment: all})
			if err != nil {
				t.Fatal(err)
			}
			b.redFlag[f.ID][days] = res
		}
	}
	for _, a := range voc.AggravatedBy {
		res, err := eng.Recommend(ctx, recommend.Profile{AggravatedBy: []string{a.ID}, Equipment: all})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Avoided {
			if !slices.ContainsFunc(base.Avoided, func(b recommend.Item) bool { return b.Movement == it.Movement }) {
				b.aggravated[a.ID] = append(b.aggravated[a.ID], it.Movement)
			}
		}
	}
	return b
}

type reportFunc func(p recommend.Profile, invariant, format string, args ...any)

// TestInvariants checks the safety properties of the default rules over
// tens of thousands of profiles.
func TestInvariants(t *testing.T) {
	eng := defaultEngine(t)
	rs := viewsOf(t, eng)
	sets := newProfileSets(rs.vocab)
	base := newBaselines(t, eng, rs.vocab)
	profiles := invariantProfiles(sets)
	t.Logf("checking invariants over %d profiles (%d condition sets x %d red flag sets x %d aggravator sets; %d equipment sets and %d eased_by sets in turn)",
		len(profiles), len(sets.conditions), len(sets.redFlags), len(sets.aggravatedBy), len(sets.equipment), len(sets.easedBy))

	checkProfiles(t, eng, profiles, func(p recommend.Profile, res *recommend.Result, report reportFunc) {
		checkResult(p, res, rs, base, report)
	})
}

// checkProfiles recommends for each of profiles, in parallel, and hands
// each result to check, which reports what breaks an invariant through
// report. It shows the first three failures of each invariant in full,
// then how many profiles failed each.
func checkProfiles(t *testing.T, eng *recommend.Engine, profiles []recommend.Profile,
	check func(p recommend.Profile, res *recommend.Result, report reportFunc)) {
	t.Helper()
	var (
		mu       sync.Mutex
		failures = map[string]int{}
		wg       sync.WaitGroup
	)
	report := func(p recommend.Profile, invariant, format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures[invariant]++
		if failures[invariant] <= 3 {
			t.Errorf("%s: profile %+v:\n%s", invariant, p, fmt.Sprintf(format, args...))
		}
	}
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(profiles); i += workers {
				p := profiles[i]
				res, err := eng.Recommend(context.Background(), p)
				if err != nil {
					report(p, "evaluates", "%v", err)
					continue
				}
				check(p, res, report)
			}
		}()
	}
	wg.Wait()
	for _, inv := range slices.Sorted(maps.Keys(failures)) {
		t.Errorf("invariant %q failed for %d of %d profiles", inv, failures[inv], len(profiles))
	}
}

func checkResult(p recommend.Profile, res *recommend.Result, rs *ruleSet, base baselines, report reportFunc) {
	// No movement is both recommended and avoided.
	avoided := map[string]bool{}
	for _, it := range res.Avoided {
		avoided[it.Movement] = true
	}
	recommended := map[string]bool{}
	for _, it := range res.Recommended {
		recommended[it.Movement] = true
		if avoided[it.Movement] {
			report(p, "recommended and avoided", "%s is both", it.Movement)
		}
	}

	// Every item is cited, every cited source exists, and every citation
	// carries its source's kind.
	checkCites := func(what string, cites []recommend.Citation) {
		if len(cites) == 0 {
			report(p, "cited", "%s has no citation", what)
		}
		for _, c := range cites {
			src, ok := rs.sources[c.Source()]
			switch {
			case !ok:
				report(p, "cited", "%s cites unknown source %q", what, c.Source())
			case c.Kind() == "" || c.Kind() != src.Kind:
				report(p, "citation kind", "%s cites %s with kind %q, want the source's kind %q", what, c.Source(), c.Kind(), src.Kind)
			}
		}
	}
	for _, it := range res.Recommended {
		checkCites("recommended "+it.Movement, it.Citations)
	}
	for _, it := range res.Avoided {
		checkCites("avoided "+it.Movement, it.Citations)
	}
	for _, r := range res.Referrals {
		checkCites("referral "+strings.Join(r.Rules, ","), r.Citations)
	}
	for _, c := range res.Conflicts {
		checkCites("conflict "+c.Movement+" (for)", c.For.Citations)
		checkCites("conflict "+c.Movement+" (against)", c.Against.Citations)
	}

	// A conflict's resolution matches its sides: avoided when a rule
	// avoids the movement, which is then avoided; cautioned otherwise.
	for _, c := range res.Conflicts {
		switch {
		case avoided[c.Movement] != (c.Resolution == recommend.ResolutionAvoided):
			report(p, "conflict", "%s is resolved %q but avoided is %v", c.Movement, c.Resolution, avoided[c.Movement])
		case c.Resolution == recommend.ResolutionCautioned && (len(c.AvoidRules) > 0 || len(c.CautionRules) == 0):
			report(p, "conflict", "%s is cautioned with avoid rules %v and caution rules %v", c.Movement, c.AvoidRules, c.CautionRules)
		}
		checkConflictSides(p, c, report)
	}

	// An emergency red flag always gives an emergency referral with nothing
	// recommended.
	if slices.ContainsFunc(p.RedFlags, func(f string) bool { return slices.Contains(emergencyFlags, f) }) {
		switch {
		case len(res.Referrals) == 0 || res.Referrals[0].Urgency != recommend.UrgencyEmergency:
			report(p, "emergency", "top referral is not an emergency: %+v", res.Referrals)
		case !res.Withheld || len(res.Recommended) != 0:
			report(p, "emergency", "advice not withheld: withheld=%v, %d recommended", res.Withheld, len(res.Recommended))
		}
	}
	if res.Withheld && len(res.Recommended) != 0 {
		report(p, "withheld", "withheld but %d recommended", len(res.Recommended))
	}

	// The plan names at most MaxPlan recommended movements, each once, by
	// priority; a withheld result has no plan and keeps only its safety
	// nets; messages come safety nets first.
	if len(res.Plan) > recommend.MaxPlan {
		report(p, "plan", "%d steps, more than %d", len(res.Plan), recommend.MaxPlan)
	}
	inPlan := map[string]bool{}
	for i, s := range res.Plan {
		if !recommended[s.Movement] || inPlan[s.Movement] {
			report(p, "plan", "step %s is not recommended, or is listed twice", s.Movement)
		}
		inPlan[s.Movement] = true
		if i > 0 && res.Plan[i-1].Priority > s.Priority {
			report(p, "plan", "step %s (priority %d) comes after priority %d", s.Movement, s.Priority, res.Plan[i-1].Priority)
		}
	}
	// Withheld advice keeps the safety nets, and the stay-active messages
	// only when every withholding referral, shown or folded, keeps them.
	keepActive := res.Withheld
	withholdingLacksKeep := func(id string) bool { return rs.withhold[id] && !rs.keepActive[id] }
	for _, ref := range res.Referrals {
		keepActive = keepActive && !slices.ContainsFunc(ref.Rules, withholdingLacksKeep)
	}
	for _, ref := range res.FoldedReferrals {
		keepActive = keepActive && !slices.ContainsFunc(ref.Rules, withholdingLacksKeep)
	}
	for i, m := range res.Messages {
		if res.Withheld && m.Kind != recommend.MessageKindSafetyNet && !(keepActive && m.Kind == recommend.MessageKindStayActive) {
			report(p, "messages", "advice is withheld but the %s message %q is kept", m.Kind, m.Text)
		}
		if i > 0 && m.Kind == recommend.MessageKindSafetyNet && res.Messages[i-1].Kind != recommend.MessageKindSafetyNet {
			report(p, "messages", "the safety net %q comes after a %s message", m.Text, res.Messages[i-1].Kind)
		}
		checkCites("message "+m.Text, m.Citations)
	}
	if res.Withheld && len(res.Plan) != 0 {
		report(p, "plan", "withheld but the plan has %d steps", len(res.Plan))
	}
	if !res.Withheld && len(res.Recommended) > 0 && len(res.Plan) == 0 {
		report(p, "plan", "%d movements recommended but no plan", len(res.Recommended))
	}

	// A red flag gets at least the urgency, and the withholding, it gets
	// alone in an episode of the same length, whatever else the profile
	// holds.
	for _, f := range p.RedFlags {
		alone := base.redFlag[f][p.DaysSinceOnset]
		if alone == nil || len(alone.Referrals) == 0 {
			continue
		}
		want := alone.Referrals[0].Urgency
		if len(res.Referrals) == 0 || !res.Referrals[0].Urgency.AtLeast(want) {
			report(p, "red flag monotone", "%s alone gives a %s referral, but this profile's referrals are %+v", f, want, res.Referrals)
		}
		if alone.Withheld && !res.Withheld {
			report(p, "red flag monotone", "%s alone withholds advice, but this profile's advice is not withheld", f)
		}
	}

	// No lumbar-flexion movement is recommended with a disc condition
	// unless a rule cautions it.
	if slices.ContainsFunc(p.Conditions, func(c string) bool { return slices.Contains(discConditions, c) }) {
		for _, it := range res.Recommended {
			if slices.Contains(rs.movement[it.Movement].Tags, flexionTag) && len(it.Cautions) == 0 {
				report(p, "disc flexion", "%s rounds the lower back and is recommended without a caution", it.Movement)
			}
		}
	}

	// Nothing is recommended without its equipment.
	for _, it := range res.Recommended {
		m, ok := rs.movement[it.Movement]
		if !ok {
			report(p, "known movement", "%s is not a movement of the rule set", it.Movement)
			continue
		}
		for _, eq := range m.Equipment {
			if !slices.Contains(p.Equipment, eq) {
				report(p, "equipment", "%s needs %s", it.Movement, eq)
			}
		}
	}

	// Nothing the person reports as aggravating is recommended: neither
	// what the safety requirements say it rules out, nor what it rules
	// out on its own.
	for _, a := range p.AggravatedBy {
		for _, id := range base.aggravated[a] {
			if recommended[id] {
				report(p, "aggravator monotone", "%s is recommended although %s alone avoids it", id, a)
			}
		}
		sel, ok := aggravates[a]
		if !ok {
			continue
		}
		for _, it := range res.Recommended {
			m := rs.movement[it.Movement]
			if (sel.tag != "" && slices.Contains(m.Tags, sel.tag)) ||
				(sel.kind != "" && m.Kind == sel.kind) ||
				(sel.movement != "" && it.Movement == sel.movement) {
				report(p, "aggravator", "%s is recommended although %s aggravates", it.Movement, a)
			}
		}
	}
}

// TestEveryMovementReachable checks that each movement of the rule set is
// recommended or avoided by some profile with at most two conditions and
// no red flag, so that no movement is dead weight.
func TestEveryMovementReachable(t *testing.T) {
	eng := defaultEngine(t)
	rs := viewsOf(t, eng)
	seen := map[string]bool{}
	all := termIDs(rs.vocab.Equipment)
	for _, p := range invariantProfiles(newProfileSets(rs.vocab)) {
		if len(p.RedFlags) > 0 || len(p.Conditions) > 2 {
			continue
		}
		p.Equipment = all
		res, err := eng.Recommend(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Recommended {
			seen[it.Movement] = true
		}
		for _, it := range res.Avoided {
			seen[it.Movement] = true
		}
	}
	for _, m := range rs.movements {
		if !seen[m.ID] {
			t.Errorf("movement %s is never recommended or avoided", m.ID)
		}
	}
}

// TestGuidanceUpToDate regenerates GUIDANCE.md in memory and compares it with
// the committed file.
func TestGuidanceUpToDate(t *testing.T) {
	eng := defaultEngine(t)
	want, err := guidedoc.Generate(context.Background(), eng)
	if err != nil {
		t.Fatal(err)
	}
	again, err := guidedoc.Generate(context.Background(), eng)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, again) {
		t.Fatal("the guidance generator is not deterministic: two runs differ")
	}
	got, err := os.ReadFile("GUIDANCE.md")
	if err != nil {
		t.Fatalf("rules/GUIDANCE.md is missing: run go generate ./rules (%v)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("rules/GUIDANCE.md is stale: run go generate ./rules\n(-file +generated):\n%s",
			cmp.Diff(strings.Split(string(got), "\n"), strings.Split(string(want), "\n")))
	}
}

// checkConflictSides reports a conflict that is not a disagreement between
// sources: a side without a source, a citation on a side whose position is
// not that side's, or a source on both sides.
func checkConflictSides(p recommend.Profile, c recommend.Conflict, report reportFunc) {
	if len(c.For.Citations) == 0 || len(c.Against.Citations) == 0 {
		report(p, "conflict sides", "%s: a side holds no source (for %v, against %v)", c.Movement, c.For.Citations, c.Against.Citations)
	}
	pro := map[string]bool{}
	for _, ct := range c.For.Citations {
		pro[ct.Source()] = true
		if ct.Position() != recommend.PositionSupports {
			report(p, "conflict sides", "%s: %v is on the side for with position %q", c.Movement, ct, ct.Position())
		}
	}
	for _, ct := range c.Against.Citations {
		if pro[ct.Source()] {
			report(p, "conflict sides", "%s: source %s is on both sides", c.Movement, ct.Source())
		}
		if ct.Position() != recommend.PositionAgainst && ct.Position() != recommend.PositionCaution {
			report(p, "conflict sides", "%s: %v is on the side against with position %q", c.Movement, ct, ct.Position())
		}
	}
	for _, ct := range c.Conditional {
		if !pro[ct.Source()] {
			report(p, "conflict sides", "%s: conditional citation %v is not from a source of the side for", c.Movement, ct)
		}
	}
}
