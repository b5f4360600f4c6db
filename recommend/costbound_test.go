package recommend

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// celType is a type of the condition generator.
type celType int

const (
	tBool celType = iota
	tInt
	tString
	tStringList
	tIntList
)

// condGen generates random, mostly well-typed conditions over the profile:
// comprehensions (exists, all, exists_one, filter, map) over profile lists
// and literal lists, nested in each other, size, in, string functions,
// && || ! and ?:, and numeric comparisons. String literals are mostly
// vocabulary ids, so that most conditions pass the vocabulary check.
type condGen struct {
	r     *rand.Rand
	w     *worstCase
	scope []genVar // comprehension variables in scope, innermost last
}

type genVar struct {
	name  string
	typ   celType
	field string // the profile list it ranges over, or ""
}

// cond returns a bool condition nested at most depth levels.
func (g *condGen) cond(depth int) string {
	g.scope = g.scope[:0]
	return g.expr(tBool, depth)
}

func (g *condGen) pick(n int) int { return g.r.IntN(n) }

func (g *condGen) field() string { return g.w.fields[g.pick(len(g.w.fields))] }

// str returns a string literal: a vocabulary id of field (of any field
// when field is ""), or now and then a short or blank string.
func (g *condGen) str(field string) string {
	switch g.pick(8) {
	case 0:
		return "''"
	case 1:
		return "'x'"
	}
	if field == "" {
		field = g.field()
	}
	ids := g.w.ids[field]
	return "'" + ids[g.pick(len(ids))] + "'"
}

// varOf returns a variable in scope of type t, or nil.
func (g *condGen) varOf(t celType) *genVar {
	var vs []*genVar
	for i := range g.scope {
		if g.scope[i].typ == t {
			vs = append(vs, &g.scope[i])
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return vs[g.pick(len(vs))]
}

// comprehension returns range.macro(v, body...) where the body is built by
// body with v in scope.
func (g *condGen) comprehension(rangeT celType, macro string, depth int, bodies ...celType) string {
	rng, field := g.list(rangeT, depth-1)
	elem := tString
	if rangeT == tIntList {
		elem = tInt
	}
	v := genVar{name: "v" + strconv.Itoa(len(g.scope)), typ: elem, field: field}
	g.scope = append(g.scope, v)
	parts := make([]string, len(bodies))
	for i, t := range bodies {
		parts[i] = g.expr(t, depth-1)
	}
	g.scope = g.scope[:len(g.scope)-1]
	return fmt.Sprintf("%s.%s(%s, %s)", rng, macro, v.name, strings.Join(parts, ", "))
}

// list returns a list expression of type t, and the profile field whose
// entries it holds, if it is one.
func (g *condGen) list(t celType, depth int) (string, string) {
	if t == tIntList {
		if depth <= 0 || g.pick(3) == 0 {
			return "[1, 5, 10]", ""
		}
		return g.comprehension(tStringList, "map", depth, tInt), ""
	}
	if depth <= 0 {
		f := g.field()
		return "profile." + f, f
	}
	switch g.pick(8) {
	case 0:
		f := g.field()
		return fmt.Sprintf("[%s, %s]", g.str(f), g.str(f)), f
	case 1:
		return g.comprehension(tStringList, "filter", depth, tBool), ""
	case 2:
		return g.comprehension(tStringList, "map", depth, tString), ""
	case 3:
		return g.comprehension(tStringList, "map", depth, tBool, tString), ""
	case 4:
		a, _ := g.list(tStringList, depth-1)
		b, _ := g.list(tStringList, depth-1)
		return "(" + a + " + " + b + ")", ""
	}
	f := g.field()
	return "profile." + f, f
}

// expr returns an expression of type t nested at most depth levels.
func (g *condGen) expr(t celType, depth int) string {
	switch t {
	case tBool:
		return g.boolean(depth)
	case tInt:
		return g.integer(depth)
	case tString:
		return g.stringExpr(depth)
	}
	l, _ := g.list(t, depth)
	return l
}

var comparisons = []string{"==", "!=", "<", "<=", ">", ">="}

func (g *condGen) boolean(depth int) string {
	if depth <= 0 {
		switch g.pick(4) {
		case 0:
			return "true"
		case 1:
			f := g.field()
			return g.str(f) + " in profile." + f
		case 2:
			return "profile.sitting_hours > 6.5"
		}
		return fmt.Sprintf("profile.pain_level %s %d", comparisons[g.pick(len(comparisons))], g.pick(11))
	}
	d := depth - 1
	switch g.pick(16) {
	case 0:
		return g.comprehension(tStringList, "exists", depth, tBool)
	case 1:
		return g.comprehension(tStringList, "all", depth, tBool)
	case 2:
		return g.comprehension(tStringList, "exists_one", depth, tBool)
	case 3:
		return g.comprehension(tIntList, []string{"exists", "all", "exists_one"}[g.pick(3)], depth, tBool)
	case 4:
		l, f := g.list(tStringList, d)
		s := g.stringExprFor(f, d)
		return fmt.Sprintf("%s in %s", s, l)
	case 5:
		l, _ := g.list(tIntList, d)
		return fmt.Sprintf("%s in %s", g.integer(d), l)
	case 6:
		l, _ := g.list([]celType{tStringList, tIntList}[g.pick(2)], d)
		return fmt.Sprintf("size(%s) %s %d", l, comparisons[g.pick(len(comparisons))], g.pick(70))
	case 7:
		return fmt.Sprintf("%s %s %s", g.integer(d), comparisons[g.pick(len(comparisons))], g.integer(d))
	case 8:
		if v := g.varOf(tString); v != nil {
			return fmt.Sprintf("%s %s %s", v.name, []string{"==", "!="}[g.pick(2)], g.stringExprFor(v.field, d))
		}
		return fmt.Sprintf("%s == %s", g.stringExpr(d), g.stringExpr(d))
	case 9:
		fn := []string{"contains", "startsWith", "endsWith"}[g.pick(3)]
		return fmt.Sprintf("%s.%s(%s)", g.stringExpr(d), fn, g.stringExpr(d))
	case 10:
		return fmt.Sprintf("%s.matches('^w_[a-z_]+_0')", g.stringExpr(d))
	case 11:
		return "!(" + g.boolean(d) + ")"
	case 12:
		return "(" + g.boolean(d) + " && " + g.boolean(d) + ")"
	case 13:
		return "(" + g.boolean(d) + " || " + g.boolean(d) + ")"
	case 14:
		return "(" + g.boolean(d) + " ? " + g.boolean(d) + " : " + g.boolean(d) + ")"
	}
	return fmt.Sprintf("profile.sitting_hours %s %d.5", comparisons[g.pick(len(comparisons))], g.pick(24))
}

func (g *condGen) integer(depth int) string {
	if v := g.varOf(tInt); v != nil && g.pick(3) == 0 {
		return v.name
	}
	if depth <= 0 {
		return []string{"profile.pain_level", "profile.days_since_onset", "profile.age", strconv.Itoa(g.pick(100))}[g.pick(4)]
	}
	d := depth - 1
	switch g.pick(6) {
	case 0:
		l, _ := g.list(tStringList, d)
		return "size(" + l + ")"
	case 1:
		return "size(" + g.stringExpr(d) + ")"
	case 2:
		return "(" + g.integer(d) + " + " + g.integer(d) + ")"
	case 3:
		return "(" + g.integer(d) + " - " + g.integer(d) + ")"
	}
	return g.integer(0)
}

func (g *condGen) stringExpr(depth int) string { return g.stringExprFor("", depth) }

// stringExprFor returns a string expression, preferring vocabulary ids of
// field for literals.
func (g *condGen) stringExprFor(field string, depth int) string {
	if v := g.varOf(tString); v != nil && g.pick(2) == 0 {
		return v.name
	}
	if depth <= 0 || g.pick(3) > 0 {
		return g.str(field)
	}
	d := depth - 1
	switch g.pick(8) {
	case 0, 1:
		return "(" + g.stringExpr(d) + " + " + g.stringExpr(d) + ")"
	case 2:
		return "string(" + g.integer(d) + ")"
	case 3, 4, 5, 6:
		switch g.pick(4) {
		case 0: // an index into a computed list
			l, _ := g.list(tStringList, d)
			return fmt.Sprintf("(%s + [%s])[0]", l, g.stringExpr(d))
		case 1:
			return fmt.Sprintf("[%s, %s][1]", g.stringExpr(d), g.stringExpr(d))
		case 2: // an index into a map literal
			return fmt.Sprintf("{'k': %s, 'j': %s}['k']", g.stringExpr(d), g.stringExpr(d))
		}
		// An index into a value of type dyn.
		return fmt.Sprintf("dyn([%s])[0]", g.stringExpr(d))
	}
	// A field of a map literal or of a dyn value: Load rejects both.
	if g.pick(2) == 0 {
		return fmt.Sprintf("{'k': %s}.k", g.stringExpr(d))
	}
	return fmt.Sprintf("dyn({'k': %s}).k", g.stringExpr(d))
}

// costStats counts what happened to generated conditions.
type costStats struct {
	generated, accepted, rejectedCost, rejectedOther int
	otherEvalErrors                                  int
	rejectReasons                                    map[string]int
	maxActual, maxActualEst                          uint64
	maxRatio                                         float64
	maxRatioCond                                     string
}

// checkActualCost checks the estimate directly: the actual cost of an
// accepted condition on each profile, tracked with the options Recommend
// uses, must not pass its estimated worst case, however far both are
// below the limit.
func checkActualCost(t *testing.T, when string, profiles []Profile, st *costStats) {
	t.Helper()
	env, err := sharedCELEnv()
	if err != nil {
		t.Fatal(err)
	}
	checked, iss := env.Compile(when)
	if iss.Err() != nil {
		t.Fatalf("condition %s: %v", when, iss.Err())
	}
	est, err := env.EstimateCost(checked, profileSizes{})
	if err != nil {
		t.Fatal(err)
	}
	prg, err := env.Program(checked, programOptions(true, math.MaxUint64)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range profiles {
		_, det, err := prg.Eval(&activation{v: profileVal{newCELProfile(&p)}})
		if err != nil {
			t.Fatalf("condition %s: %v", when, err)
		}
		actual := *det.ActualCost()
		if actual > est.Max {
			t.Errorf("actual cost %d is over the estimated worst case %d for:\n%s", actual, est.Max, when)
			return
		}
		if actual > st.maxActual {
			st.maxActual, st.maxActualEst = actual, est.Max
		}
		if ratio := float64(actual) / float64(max(est.Max, 1)); ratio > st.maxRatio {
			st.maxRatio, st.maxRatioCond = ratio, when
		}
	}
}

// TestCostEstimateBoundsRuntime is the acceptance test of the load-time
// cost estimate: no condition it accepts may pass the runtime cost limit
// on any valid profile. It generates thousands of random conditions from a
// fixed seed, loads each with a worst-case vocabulary (MaxListLen ids of
// MaxEntryLen bytes a list), and runs every accepted one on worst-case
// profiles in several orders. Conditions the estimate rejects are fine; an
// accepted one whose evaluation passes the limit fails the test, printed.
func TestCostEstimateBoundsRuntime(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	w := newWorstCase()
	r := rand.New(rand.NewPCG(9, 2026))
	profiles := w.profiles(r)
	g := &condGen{r: r, w: w}
	st := costStats{rejectReasons: map[string]int{}}
	base := fstest.MapFS{
		"vocabulary.yaml": {Data: []byte(w.yaml)},
		"base.yaml": {Data: []byte(`sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
movements:
  - {id: m1, name: Movement one, kind: mobility, how: Do it., dose: Once., pose: {base: standing, start: {}, end: {}}}
`)},
	}
	// Conditions are loaded in batches, one rule a line; the rules a
	// batch rejects are counted and dropped, and the rest loaded again.
	const batch = 50
	for start := 0; start < n; start += batch {
		var conds []string
		for range min(batch, n-start) {
			conds = append(conds, g.cond(1+r.IntN(5)))
		}
		st.generated += len(conds)
		eng, kept := loadConditions(t, base, conds, &st)
		if eng == nil {
			continue
		}
		st.accepted += len(kept)
		for _, p := range profiles {
			for eng != nil {
				_, err := eng.Recommend(context.Background(), p)
				var ee *EvalError
				if err == nil {
					break
				}
				if !errors.As(err, &ee) {
					t.Fatalf("Recommend error is %T, want nil or *EvalError: %v", err, err)
				}
				i, _ := strconv.Atoi(strings.TrimPrefix(ee.Rule, "r"))
				if errors.Is(err, errCostLimit) {
					t.Errorf("the estimate accepted a condition that passed the runtime cost limit:\n%s", conds[i])
				} else {
					st.otherEvalErrors++
					t.Logf("condition failed to evaluate: %v\n%s", err, conds[i])
				}
				// Drop the failing rule and carry on with the others.
				conds[i] = ""
				eng, kept = loadConditions(t, base, conds, nil)
			}
		}
		for _, i := range kept {
			checkActualCost(t, conds[i], profiles, &st)
		}
	}
	t.Logf("generated %d conditions: %d accepted and evaluated on %d worst-case profiles, %d rejected by the cost estimate, %d rejected for other reasons %v; %d failed to evaluate otherwise",
		st.generated, st.accepted, len(profiles), st.rejectedCost, st.rejectedOther, st.rejectReasons, st.otherEvalErrors)
	t.Logf("highest actual cost %d (estimate %d); highest actual/estimate ratio %.3f, for %s",
		st.maxActual, st.maxActualEst, st.maxRatio, st.maxRatioCond)
	if st.accepted < st.generated/4 || st.rejectedCost == 0 {
		t.Errorf("the generator is off: %d of %d conditions accepted, %d rejected by the cost estimate; want at least a quarter accepted and some rejected",
			st.accepted, st.generated, st.rejectedCost)
	}
}

// loadConditions loads base with one rule per non-empty condition, named
// r<index>, and drops the rules that Load rejects, counting why in st when
// st is not nil. It returns the engine and the indexes of the rules in it,
// or nil when none is left.
func loadConditions(t *testing.T, base fstest.MapFS, conds []string, st *costStats) (*Engine, []int) {
	t.Helper()
	for {
		var b strings.Builder
		b.WriteString("rules:\n")
		var kept []int
		lineOf := map[int]int{} // line: condition index
		for i, c := range conds {
			if c == "" {
				continue
			}
			kept = append(kept, i)
			lineOf[2+len(kept)-1] = i
			fmt.Fprintf(&b, "  - {id: r%d, when: %q, avoid: [m1], because: Test., cite: [{source: src, locator: Part 1, claim: Test.}]}\n", i, c)
		}
		if len(kept) == 0 {
			return nil, nil
		}
		fsys := fstest.MapFS{"rules.yaml": {Data: []byte(b.String())}}
		for k, v := range base {
			fsys[k] = v
		}
		// The runtime check would refuse some conditions that can fail;
		// Recommend runs them here, to check the cost bound on them too.
		eng, err := Load(fsys, withoutRuntimeCheck())
		if err == nil {
			return eng, kept
		}
		var le *LoadError
		if !errors.As(err, &le) {
			t.Fatalf("Load error is %T, want *LoadError: %v", err, err)
		}
		dropped := false
		for _, is := range le.Issues {
			if is.Line == 0 && strings.HasPrefix(is.Message, "... and ") {
				continue // past the issue cap: those rules are tried again
			}
			i, ok := lineOf[is.Line]
			if is.File != "rules.yaml" || !ok {
				t.Fatalf("issue outside the generated rules: %v", is.Error())
			}
			if conds[i] == "" {
				continue // a second issue for the same rule
			}
			if st != nil {
				if strings.Contains(is.Message, "worst-case cost") {
					st.rejectedCost++
				} else {
					st.rejectedOther++
					st.rejectReasons[rejectReason(is.Message)]++
				}
			}
			conds[i] = ""
			dropped = true
		}
		if !dropped {
			t.Fatalf("Load failed but named no generated rule: %v", err)
		}
	}
}

// rejectReason sums up a load error message, for the test's log.
func rejectReason(msg string) string {
	switch {
	case strings.Contains(msg, "not in vocabulary"):
		return "vocabulary"
	case strings.Contains(msg, "nests more than"), strings.Contains(msg, "characters long"):
		return "size limits"
	case strings.Contains(msg, "fails to evaluate"):
		return "fails at load"
	case strings.Contains(msg, "reading the field"):
		return "field of a map literal or dyn"
	}
	return "other: " + msg
}

// TestCostEstimateComputedIndex is a rule that the load-time estimate
// accepts, at 9,422 of the 10,000 budget on CEL v0.31.0, but whose runtime
// cost passes the limit on a worst-case profile: each dyn(l)[0] costs two
// units at run time and one in the estimate. Either Load must reject it,
// or Recommend must run it.
func TestCostEstimateComputedIndex(t *testing.T) {
	terms := make([]string, 30)
	for i := range terms {
		terms[i] = "dyn(l)[0] == 'x'"
	}
	when := "profile.conditions.map(c, [c]).exists(l, " + strings.Join(terms, " || ") + ")"
	w := newWorstCase()
	fsys := fstest.MapFS{
		"vocabulary.yaml": {Data: []byte(w.yaml)},
		"rules.yaml": {Data: []byte(`sources:
  - {id: src, title: Source, publisher: Publisher, kind: guideline}
movements:
  - {id: m1, name: Movement one, kind: mobility, how: Do it., dose: Once., pose: {base: standing, start: {}, end: {}}}
rules:
  - {id: r, when: "` + when + `", avoid: [m1], because: Test., cite: [{source: src, locator: Part 1, claim: Test.}]}
`)},
	}
	eng, err := Load(fsys)
	if err != nil {
		if !strings.Contains(err.Error(), "worst-case cost") {
			t.Fatalf("Load error = %v, want a cost rejection or none", err)
		}
		return
	}
	for _, p := range w.profiles(rand.New(rand.NewPCG(1, 2))) {
		if _, err := eng.Recommend(context.Background(), p); err != nil {
			t.Fatalf("Load accepted the condition, but Recommend = %v", err)
		}
	}
}
