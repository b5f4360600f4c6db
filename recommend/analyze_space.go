package recommend

// The profile space Analyze explores (see Engine.Analyze for the exact
// definition), and the numeric boundaries and equipment ids it takes from
// the checked ASTs of the conditions.

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/backrules/backrules/internal/celast"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
)

// space is the explored profiles, in the order they are explored.
type space struct {
	profiles []Profile
	// size is each profile's size: its list entries and its non-zero
	// numbers. A smaller profile makes a better example.
	size []int
	// conditionSets are the condition sets explored, the empty set first.
	conditionSets [][]string
	// boundaries are the numbers explored per number field, by name.
	boundaries map[string][]float64
	// points and equipment are the number points and the equipment ids
	// explored, each with one condition set at a time.
	points    []numberPoint
	equipment []string
	// conditionSetSize and flagSetSize are the largest sets explored;
	// truncated is true when the space was cut at MaxAnalyzeProfiles.
	conditionSetSize, flagSetSize int
	truncated                     bool
}

// setSizes are the sizes of the sets of conditions and of red flags
// explored together, largest first: Analyze takes the first whose space
// holds at most MaxAnalyzeProfiles profiles.
var setSizes = [][2]int{{3, 2}, {2, 2}, {1, 2}, {3, 1}, {2, 1}, {1, 1}}

// MaxAnalyzeProfiles bounds the profile space of Engine.Analyze. When the
// space with sets of up to three conditions and two red flags would be
// larger, Analyze explores smaller sets (two conditions, then one; then one
// red flag at a time), and if even that is too large, the first
// MaxAnalyzeProfiles profiles; AnalysisSummary says which.
const MaxAnalyzeProfiles = 200_000

// numberPoint is one number field at one boundary.
type numberPoint struct {
	field int
	value float64
}

// spaceShape returns the shape of the profile space, without its
// profiles: the sets of conditions, the size of the sets of red flags,
// the numeric boundaries, and the number points and equipment explored.
// Load uses it to prove the floors and search for runtime errors without
// building the space.
func (e *Engine) spaceShape(asts []*ast.AST) *space {
	sp := &space{boundaries: map[string][]float64{}}
	conds := e.vocab[fieldConditions].ids()
	flags := e.vocab[fieldRedFlags].ids()
	points := e.numberPoints(asts)
	for _, pt := range points {
		name := numberFields[pt.field].name
		sp.boundaries[name] = append(sp.boundaries[name], pt.value)
	}
	equipment := e.testedEquipment(asts)
	choices := e.choicePoints()
	pairs := numberPairs(points)
	singles := singleValues(e)
	// Choose the largest sets whose space fits in MaxAnalyzeProfiles.
	others := float64(len(e.vocab[fieldAggravatedBy].entries) + len(e.vocab[fieldEasedBy].entries) + len(equipment) + len(points) + len(choices))
	paired := float64(len(pairs) * (1 + len(singles)))
	sp.conditionSetSize, sp.flagSetSize = 1, 1
	for _, sizes := range setSizes {
		c, f := countSubsets(len(conds), sizes[0]), countSubsets(len(flags), sizes[1])
		if c*f+c*others+(f-1)*float64(len(points)+len(choices))+paired <= MaxAnalyzeProfiles {
			sp.conditionSetSize, sp.flagSetSize = sizes[0], sizes[1]
			break
		}
	}
	sp.conditionSets = subsets(conds, sp.conditionSetSize)
	sp.points, sp.equipment = points, equipment
	return sp
}

// space builds the profile space of the rule set, whose conditions are
// asts (conditionASTs).
func (e *Engine) space(asts []*ast.AST) *space {
	sp := e.spaceShape(asts)
	points, equipment := sp.points, sp.equipment
	flags := e.vocab[fieldRedFlags].ids()
	flagSets := subsets(flags, sp.flagSetSize)
	choices := e.choicePoints()
	pairs := numberPairs(points)
	singles := singleValues(e)

	add := sp.add
	for _, cs := range sp.conditionSets {
		for _, fs := range flagSets {
			add(Profile{Conditions: cs, RedFlags: fs})
		}
	}
	for _, cs := range sp.conditionSets {
		for _, a := range e.vocab[fieldAggravatedBy].ids() {
			add(Profile{Conditions: cs, AggravatedBy: []string{a}})
		}
		for _, a := range e.vocab[fieldEasedBy].ids() {
			add(Profile{Conditions: cs, EasedBy: []string{a}})
		}
		for _, q := range equipment {
			add(Profile{Conditions: cs, Equipment: []string{q}})
		}
		for _, pt := range points {
			add(withNumber(Profile{Conditions: cs}, pt))
		}
		for _, ch := range choices {
			add(withChoice(Profile{Conditions: cs}, ch))
		}
	}
	for _, fs := range flagSets[1:] {
		for _, pt := range points {
			add(withNumber(Profile{RedFlags: fs}, pt))
		}
		for _, ch := range choices {
			add(withChoice(Profile{RedFlags: fs}, ch))
		}
	}
	// Two numbers at once, for rules that compare two number fields (age
	// with days since onset, pain with age): on the empty profile and on
	// each single list value.
	for _, pr := range pairs {
		add(withNumber(withNumber(Profile{}, pr[0]), pr[1]))
		for _, p := range singles {
			add(withNumber(withNumber(p, pr[0]), pr[1]))
		}
	}
	return sp
}

// add appends p to the space, with its size, unless the space holds
// MaxAnalyzeProfiles already; it then notes that the space was cut.
func (sp *space) add(p Profile) {
	if len(sp.profiles) >= MaxAnalyzeProfiles {
		sp.truncated = true
		return
	}
	sp.put(p)
}

// put appends p to the space, with its size, whatever the space holds.
func (sp *space) put(p Profile) {
	n := len(p.Conditions) + len(p.RedFlags) + len(p.AggravatedBy) + len(p.EasedBy) + len(p.Equipment)
	for _, f := range numberFields {
		if f.get(&p) != 0 {
			n++
		}
	}
	for _, f := range choiceFields {
		if f.get(&p) != "" {
			n++
		}
	}
	sp.profiles = append(sp.profiles, p)
	sp.size = append(sp.size, n)
}

// maxWitnessTries bounds the profiles witness tries for one question.
const maxWitnessTries = 4096

// witness looks for a profile that want accepts, among the profiles made
// of what the conditions checked test: each list field whose size one of
// them takes, with every value of the vocabulary or not; each vocabulary
// value one of them compares a list field with, held or not; each number field one compares
// with a constant, at one of the boundaries of those comparisons or 0;
// each choice field one compares, at one of the values they name or
// unset. Each profile tried is evaluated and resolved as Recommend does,
// into d, which want reads: the matched rules (d.matched) and the
// withholding referrals (d.withholding). witness tries at most
// maxWitnessTries profiles, the one holding every such value first, and
// returns the first valid profile want accepts, less each value that want
// accepts it without, each left out in turn; or false. The space
// explores few values at a time (see Analyze), so a rule that needs more
// together (two aggravating activities, or a condition, an aggravating
// activity and a number) would otherwise read as dead, two rules that
// meet only there would read as never both matching, and a rule that
// escapes another only there would read as covered by it.
func (e *Engine) witness(ctx context.Context, checked []*ast.AST, want func(d *decisions) bool) (Profile, bool, error) {
	type dim struct {
		set  func(*Profile, int)
		size int
	}
	var dims []dim
	var lists [numListFields][]string
	var choices [numChoiceFields][]string
	var cmps []comparison
	var sized [numListFields]bool
	for _, c := range checked {
		for _, f := range celast.SizedFields(c) {
			if fi := listFieldIndex(f); fi >= 0 {
				sized[fi] = true
			}
		}
		celast.ComparedLiterals(c, func(field string, lit ast.Expr) {
			s, ok := celast.String(lit)
			if !ok {
				return
			}
			if fi := listFieldIndex(field); fi >= 0 && e.vocab[fi].index(s) >= 0 && !slices.Contains(lists[fi], s) {
				lists[fi] = append(lists[fi], s)
			}
			if ci := choiceFieldIndex(field); ci >= 0 && e.vocab[numListFields+ci].index(s) >= 0 && !slices.Contains(choices[ci], s) {
				choices[ci] = append(choices[ci], s)
			}
		})
		cmps = append(cmps, numberComparisons(c)...)
	}
	numbers := boundaries(cmps)
	// A list whose size a condition takes may need more values than the
	// space holds together (size(profile.conditions) >= 4): first every
	// value of the vocabulary, up to MaxListLen, or none but those below.
	for fi, ok := range sized {
		if ok {
			ids := e.vocab[fi].ids()
			ids = ids[:min(len(ids), MaxListLen)]
			dims = append(dims, dim{func(p *Profile, i int) {
				if i == 0 {
					listFields[fi].set(p, slices.Clone(ids))
				}
			}, 2})
		}
	}
	for fi, vs := range lists {
		// In vocabulary order, as the space holds its lists.
		slices.SortFunc(vs, func(a, b string) int { return e.vocab[fi].index(a) - e.vocab[fi].index(b) })
		for _, v := range vs {
			// Held first: most conditions ask for what they name.
			dims = append(dims, dim{func(p *Profile, i int) {
				if l := listFields[fi].get(p); i == 0 && !slices.Contains(l, v) {
					listFields[fi].set(p, append(l, v))
				}
			}, 2})
		}
	}
	for ci, vs := range choices {
		dims = append(dims, dim{func(p *Profile, i int) {
			if i < len(vs) {
				choiceFields[ci].set(p, vs[i])
			}
		}, len(vs) + 1})
	}
	for fi, vs := range numbers {
		if len(vs) > 0 {
			dims = append(dims, dim{func(p *Profile, i int) {
				if i < len(vs) {
					numberFields[fi].set(p, vs[i])
				}
			}, len(vs) + 1})
		}
	}
	d := e.newDecisions()
	// accepts builds the profile of idx, one index per dimension, and
	// reports whether it is valid and want accepts it.
	accepts := func(idx []int) (Profile, bool, error) {
		var p Profile
		for i, dm := range dims {
			dm.set(&p, idx[i])
		}
		if e.validate(&p) != nil {
			return p, false, nil
		}
		if err := e.evaluateInto(context.Background(), &p, d.matched); err != nil {
			return p, false, fmt.Errorf("analyze: %w", err)
		}
		e.resolveInto(d, &p)
		return p, want(d), nil
	}
	idx := make([]int, len(dims))
	for try := range maxWitnessTries {
		if try%64 == 0 {
			if err := ctx.Err(); err != nil {
				return Profile{}, false, fmt.Errorf("analyze: %w", err)
			}
		}
		k := try
		for i, dm := range dims {
			idx[i] = k % dm.size
			k /= dm.size
		}
		if k > 0 {
			// Every combination has been tried.
			break
		}
		p, ok, err := accepts(idx)
		if err != nil {
			return Profile{}, false, err
		}
		if !ok {
			continue
		}
		// Smaller makes a better example: leave out each value in turn
		// (the last index of a dimension leaves it out), keeping what
		// want still accepts.
		for i, dm := range dims {
			if was := idx[i]; was != dm.size-1 {
				idx[i] = dm.size - 1
				q, ok, err := accepts(idx)
				switch {
				case err != nil:
					return Profile{}, false, err
				case ok:
					p = q
				default:
					idx[i] = was
				}
			}
		}
		return p, true, nil
	}
	return Profile{}, false, nil
}

// numberPairs returns every pair of number points of two different
// fields, in the order of points.
func numberPairs(points []numberPoint) [][2]numberPoint {
	var out [][2]numberPoint
	for i, a := range points {
		for _, b := range points[i+1:] {
			if a.field != b.field {
				out = append(out, [2]numberPoint{a, b})
			}
		}
	}
	return out
}

// singleValues returns a profile for each single value of conditions,
// red_flags, aggravated_by and eased_by, in that order.
func singleValues(e *Engine) []Profile {
	var out []Profile
	for _, id := range e.vocab[fieldConditions].ids() {
		out = append(out, Profile{Conditions: []string{id}})
	}
	for _, id := range e.vocab[fieldRedFlags].ids() {
		out = append(out, Profile{RedFlags: []string{id}})
	}
	for _, id := range e.vocab[fieldAggravatedBy].ids() {
		out = append(out, Profile{AggravatedBy: []string{id}})
	}
	for _, id := range e.vocab[fieldEasedBy].ids() {
		out = append(out, Profile{EasedBy: []string{id}})
	}
	return out
}

// choicePoint is one choice field at one of its values.
type choicePoint struct {
	field int // index into choiceFields
	value string
}

// choicePoints returns every value of every choice field, by field, then
// in vocabulary order.
func (e *Engine) choicePoints() []choicePoint {
	var out []choicePoint
	for ci := range choiceFields {
		for _, id := range e.vocab[numListFields+ci].ids() {
			out = append(out, choicePoint{ci, id})
		}
	}
	return out
}

// withChoice returns p with one choice field set.
func withChoice(p Profile, ch choicePoint) Profile {
	choiceFields[ch.field].set(&p, ch.value)
	return p
}

// withNumber returns p with one number field set.
func withNumber(p Profile, pt numberPoint) Profile {
	switch numberFields[pt.field].name {
	case "pain_level":
		p.PainLevel = int(pt.value)
	case "days_since_onset":
		p.DaysSinceOnset = int(pt.value)
	case "sitting_hours":
		p.SittingHours = pt.value
	case "age":
		p.Age = int(pt.value)
	case "pregnancy_week":
		p.PregnancyWeek = int(pt.value)
	}
	return p
}

// countSubsets returns the number of subsets of at most k of n elements.
func countSubsets(n, k int) float64 {
	total, c := 1.0, 1.0
	for i := 1; i <= k && i <= n; i++ {
		c = c * float64(n-i+1) / float64(i)
		total += c
	}
	return total
}

// subsets returns every subset of ids of at most k elements, smallest
// first, each in the order of ids; the empty set first, as nil.
func subsets(ids []string, k int) [][]string {
	out := [][]string{nil}
	var rec func(start int, cur []string, size int)
	rec = func(start int, cur []string, size int) {
		if len(cur) == size {
			out = append(out, slices.Clone(cur))
			return
		}
		for i := start; i < len(ids); i++ {
			rec(i+1, append(cur, ids[i]), size)
		}
	}
	for size := 1; size <= k && size <= len(ids); size++ {
		rec(0, nil, size)
	}
	return out
}

// numberPoints returns the boundaries of every number field that a
// condition compares with a constant, by field, then ascending; 0, every
// field's value elsewhere, is left out.
func (e *Engine) numberPoints(asts []*ast.AST) []numberPoint {
	var cmps []comparison
	for _, checked := range asts {
		if checked != nil {
			cmps = append(cmps, numberComparisons(checked)...)
		}
	}
	var out []numberPoint
	for fi, vs := range boundaries(cmps) {
		for _, v := range vs {
			out = append(out, numberPoint{fi, v})
		}
	}
	return out
}

// boundaries returns, by number field, the numbers to explore for the
// comparisons cmps, ascending, within the field's range, 0 (every field's
// value elsewhere) left out: the points on either side of each
// comparison's boundary (comparison.points), and for a double field the
// midpoint of two of its constants no more than half a unit apart, which
// no such point falls between: sitting_hours > 7.5 && sitting_hours < 8
// holds only there.
func boundaries(cmps []comparison) [len(numberFields)][]float64 {
	var vals, consts [len(numberFields)][]float64
	for _, c := range cmps {
		vals[c.field] = append(vals[c.field], c.points()...)
		consts[c.field] = append(consts[c.field], c.k)
	}
	for fi, f := range numberFields {
		if f.isDouble {
			ks := consts[fi]
			slices.Sort(ks)
			ks = slices.Compact(ks)
			for i := 1; i < len(ks); i++ {
				if ks[i]-ks[i-1] <= doubleStep {
					vals[fi] = append(vals[fi], (ks[i-1]+ks[i])/2)
				}
			}
		}
		vs := vals[fi]
		slices.Sort(vs)
		vs = slices.Compact(vs)
		vals[fi] = slices.DeleteFunc(vs, func(v float64) bool { return v == 0 || v < f.min || v > f.max })
	}
	return vals
}

// doubleStep is how far comparison.points goes from the boundary of a
// double field.
const doubleStep = 0.5

// comparison is a number field compared with a constant: field op k.
type comparison struct {
	field int
	op    string
	k     float64
}

// points returns the numbers on either side of the comparison's boundary:
// for an int field the last that fails and the first that holds (or the
// other way round), for a double field the boundary and half a unit off.
func (c comparison) points() []float64 {
	step := 1.0
	if numberFields[c.field].isDouble {
		step = doubleStep
	} else if c.k != math.Trunc(c.k) {
		return []float64{math.Floor(c.k), math.Ceil(c.k)}
	}
	switch c.op {
	case operators.Less, operators.GreaterEquals:
		return []float64{c.k - step, c.k}
	case operators.Greater, operators.LessEquals:
		return []float64{c.k, c.k + step}
	}
	return []float64{c.k - step, c.k, c.k + step}
}

// numberComparisons finds the comparisons of a number field with a constant in a
// checked condition, such as profile.pain_level >= 7 or 50 < profile.age.
func numberComparisons(checked *ast.AST) []comparison {
	var out []comparison
	for _, n := range celast.Matches(checked.Expr(), ast.CallKind) {
		cmp, ok := celast.Compare(n)
		if !ok {
			continue
		}
		name, _ := celast.Field(cmp.Side)
		fi := numberFieldIndex(name)
		k, ok := celast.Number(cmp.Literal)
		if fi >= 0 && ok {
			out = append(out, comparison{fi, cmp.Op, k})
		}
	}
	return out
}

// stringLiterals returns the string constants of a checked condition.
func stringLiterals(checked *ast.AST) []string {
	var out []string
	for _, lit := range celast.Literals(checked) {
		if s, ok := celast.String(lit); ok {
			out = append(out, s)
		}
	}
	return out
}

// testedEquipment returns the equipment ids that appear as string
// constants in some condition, in vocabulary order.
func (e *Engine) testedEquipment(asts []*ast.AST) []string {
	seen := map[string]bool{}
	for _, checked := range asts {
		if checked == nil {
			continue
		}
		for _, s := range stringLiterals(checked) {
			seen[s] = true
		}
	}
	var out []string
	for _, id := range e.vocab[fieldEquipment].ids() {
		if seen[id] {
			out = append(out, id)
		}
	}
	return out
}
