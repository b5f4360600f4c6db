package recommend

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/cel-go/common/types"
)

// directGen generates random conditions of the shapes directcheck.go
// compiles, and a few it must leave to CEL.
type directGen struct {
	r *rand.Rand
	// covered is cleared when the condition generated includes a shape
	// that may run as CEL.
	covered bool
}

// directWords are the strings of the generated conditions and profiles:
// enough that the direct program's atoms fill more than one word of its
// bitset.
var directWords = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}

var directIntFields = []string{"pain_level", "days_since_onset", "age", "pregnancy_week"}

func (g *directGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g *directGen) listField() string { return listFields[g.r.IntN(len(listFields))].name }

func (g *directGen) intLit() string {
	if g.r.IntN(20) == 0 {
		g.covered = false // too large for a direct check
		return g.pick([]string{"9007199254740993", "-9223372036854775807", "1099511627777"})
	}
	return fmt.Sprint(g.r.IntN(45) - 3)
}

func (g *directGen) doubleLit() string {
	return g.pick([]string{"0.0", "5.5", "6.0", "-1.0", "8.25", "24.0", "1e300", "36500.0"})
}

func (g *directGen) intExpr(depth int) string {
	switch n := g.r.IntN(5); {
	case depth <= 0 || n == 0:
		return g.intLit()
	case n == 1:
		return "profile." + g.pick(directIntFields)
	case n == 2:
		return fmt.Sprintf("(%s ? %s : %s)", g.cond(depth-1), g.intExpr(depth-1), g.intExpr(depth-1))
	default:
		return fmt.Sprintf("(%s %s %s)", g.intExpr(depth-1), g.pick([]string{"+", "-"}), g.intExpr(depth-1))
	}
}

var directCompareOps = []string{"<", "<=", ">", ">=", "==", "!="}

func (g *directGen) cond(depth int) string {
	n := g.r.IntN(10)
	if depth <= 0 {
		n = g.r.IntN(5)
		if n == 4 && g.r.IntN(2) == 0 {
			n = 9
		}
	}
	switch n {
	case 0:
		return fmt.Sprintf("'%s' in profile.%s", g.pick(directWords), g.listField())
	case 1:
		k := 1 + g.r.IntN(3)
		lits := make([]string, k)
		for i := range lits {
			lits[i] = "'" + g.pick(directWords) + "'"
		}
		v := g.pick([]string{"x", "c", "profile"})
		return fmt.Sprintf("profile.%s.exists(%s, %s in [%s])", g.listField(), v, v, strings.Join(lits, ", "))
	case 2:
		// A number field against a literal, either way round.
		// == and != need both sides of one type.
		f := "profile." + g.pick([]string{"pain_level", "days_since_onset", "sitting_hours", "age"})
		lit, double := g.intLit(), g.r.IntN(2) == 0
		if double {
			lit = g.doubleLit()
		}
		op := g.pick(directCompareOps)
		if double != (f == "profile.sitting_hours") {
			op = g.pick(directCompareOps[:4])
		}
		if g.r.IntN(2) == 0 {
			return fmt.Sprintf("%s %s %s", f, op, lit)
		}
		return fmt.Sprintf("%s %s %s", lit, op, f)
	case 3:
		return g.pick([]string{"true", "false"})
	case 4:
		// Shapes left to CEL.
		g.covered = false
		return g.pick([]string{
			"size(profile.conditions) > 1",
			"profile.red_flags.all(f, f != 'a')",
			"profile.equipment.exists(e, e.startsWith('b'))",
			"'a' in ['a', 'b']",
			"profile.sitting_hours + 1.0 > 7.0",
		})
	case 5:
		return "!(" + g.cond(depth-1) + ")"
	case 6:
		return fmt.Sprintf("(%s && %s)", g.cond(depth-1), g.cond(depth-1))
	case 7:
		return fmt.Sprintf("(%s || %s)", g.cond(depth-1), g.cond(depth-1))
	case 9:
		// A choice field against a literal or a list of literals.
		f := "profile." + choiceFields[g.r.IntN(len(choiceFields))].name
		lit := "'" + g.pick(append([]string{""}, directWords...)) + "'"
		switch g.r.IntN(3) {
		case 0:
			return fmt.Sprintf("%s %s %s", f, g.pick([]string{"==", "!="}), lit)
		case 1:
			return fmt.Sprintf("%s %s %s", lit, g.pick([]string{"==", "!="}), f)
		}
		return fmt.Sprintf("%s in [%s, '%s']", f, lit, g.pick(directWords))
	default:
		return fmt.Sprintf("%s %s %s", g.intExpr(depth-1), g.pick(directCompareOps), g.intExpr(depth-1))
	}
}

func directProfile(r *rand.Rand) Profile {
	list := func() []string {
		var out []string
		for _, w := range directWords {
			if r.IntN(3) == 0 {
				out = append(out, w)
			}
		}
		return out
	}
	hours := []float64{0, 5.5, 6, 8.25, 24, float64(r.IntN(241)) / 10}
	return Profile{
		Conditions: list(), RedFlags: list(), AggravatedBy: list(), EasedBy: list(), Equipment: list(),
		PainLevel:      r.IntN(11),
		DaysSinceOnset: []int{0, 1, 28, 84, 85, MaxDaysSinceOnset, r.IntN(400)}[r.IntN(7)],
		SittingHours:   hours[r.IntN(len(hours))],
		Age:            []int{0, 15, 16, 50, 51, MaxAge, r.IntN(MaxAge + 1)}[r.IntN(7)],
		Sex:            []string{"", "a", "b"}[r.IntN(3)],
		Episode:        []string{"", "c", "d"}[r.IntN(3)],
		PregnancyWeek:  []int{0, 19, 20, 42}[r.IntN(4)],
	}
}

// TestDirectChecksMatchCEL proves that the direct checks give CEL's result:
// generated conditions of every shape directcheck.go compiles, and of some
// it leaves to CEL, each on generated profiles. A condition made only of
// compiled shapes must get a direct check. It checks both forms of a direct
// check: the closure, and the program Recommend runs (directprog.go), the
// generated conditions compiled together as the rules of one engine (see
// checkDirectProgram).
func TestDirectChecksMatchCEL(t *testing.T) {
	env, err := sharedCELEnv()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(12, 2026))
	profiles := make([]Profile, 200)
	for i := range profiles {
		profiles[i] = directProfile(r)
	}
	const conditions = 3000
	direct, compared := 0, 0
	var rules []rule
	var want [][]bool // per rule, CEL's result on each profile
	for range conditions {
		g := &directGen{r: r, covered: true}
		when := g.cond(1 + r.IntN(4))
		checked, iss := env.Compile(when)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", when, iss.Err())
		}
		check := directCondition(checked.NativeRep())
		if check == nil && g.covered {
			t.Errorf("%s: no direct check, but every part of it has one", when)
		}
		loops := hasComprehension(checked.NativeRep())
		prg, err := env.Program(checked, programOptions(loops, MaxRuleCost)...)
		if err != nil {
			t.Fatal(err)
		}
		results := make([]bool, len(profiles))
		for i := range profiles {
			p := &profiles[i]
			out, _, err := prg.Eval(&activation{v: profileVal{newCELProfile(p)}})
			if err != nil {
				if check != nil {
					t.Fatalf("%s on %+v: CEL failed: %v", when, *p, err)
				}
				// A condition left to CEL that fails (an int
				// overflow) has no place in the engine below.
				results = nil
				break
			}
			results[i] = bool(out.(types.Bool))
			if check == nil {
				continue
			}
			if got := check(p); results[i] != got {
				t.Errorf("%s on %+v: direct check gives %v, CEL %v", when, *p, got, results[i])
			}
			compared++
		}
		if check != nil {
			direct++
		}
		if results != nil {
			rules = append(rules, rule{id: fmt.Sprintf("r%d", len(rules)), when: when, why: newCondSource(nil, nil, checked.NativeRep(), when, loops), prg: prg, loops: loops, direct: check})
			want = append(want, results)
		}
	}
	if direct < conditions/2 {
		t.Errorf("only %d of %d generated conditions got a direct check", direct, conditions)
	}
	t.Logf("%d of %d conditions compiled to direct checks; %d evaluations compared", direct, conditions, compared)
	checkDirectProgram(t, r, rules, want, profiles)
}

// checkDirectProgram makes an engine of rules, each of which gives want[i]
// on profiles[i] by CEL, in an order shuffled with r, every tenth rule
// repeated (a rule with the text of an earlier one copies its result) and
// a third of them first as if they referred, and checks that evaluateInto
// gives CEL's result for every rule on every profile: with a context that
// is never done (each run of direct checks in one go) and with one that
// can be cancelled (each rule on its own), and with the atoms' bitset
// taken from the pool. Every direct check must be compiled into the
// program, not left to its closure.
func checkDirectProgram(t *testing.T, r *rand.Rand, rules []rule, want [][]bool, profiles []Profile) {
	t.Helper()
	n := len(rules)
	for i := 0; i < n; i += 10 {
		rules = append(rules, rules[i])
		want = append(want, want[i])
	}
	e := &Engine{rules: rules, order: r.Perm(len(rules)), nRefer: len(rules) / 3}
	e.orderChecks()
	cancellable, cancel := context.WithCancel(context.Background())
	defer cancel()
	compared := 0
	for k, ctx := range []context.Context{context.Background(), cancellable, context.Background()} {
		// The bitset on the call's stack, then from the pool.
		small := progSmallWords
		if k == 2 {
			small = 0
		}
		e.prog = newDirectProgramWith(e, progStack, small)
		if len(e.prog.calls) > 0 {
			t.Errorf("%d direct checks left to their closures", len(e.prog.calls))
		}
		if e.prog.words < 2 {
			t.Errorf("the program's bitset has %d words, want 2 or more", e.prog.words)
		}
		for pi := range profiles {
			p := &profiles[pi]
			matched := make([]bool, len(rules))
			if err := e.evaluateInto(ctx, p, matched); err != nil {
				t.Fatal(err)
			}
			for ri := range rules {
				if matched[ri] != want[ri][pi] {
					t.Errorf("%s on %+v: the program gives %v, CEL %v", rules[ri].when, *p, matched[ri], want[ri][pi])
				}
				compared++
			}
		}
	}
	t.Logf("the program: %d rules (%d with direct checks), %d instructions, %d atoms; %d evaluations compared",
		len(rules), countDirect(rules), len(e.prog.code), e.prog.nAtoms(), compared)
}

func countDirect(rules []rule) int {
	n := 0
	for _, r := range rules {
		if r.direct != nil {
			n++
		}
	}
	return n
}

// TestDirectProgramDeepInt checks the program's stack: an int expression
// as deep as cel-go parses fits it, and one too deep for a smaller stack
// runs as its closure, with CEL's result either way.
func TestDirectProgramDeepInt(t *testing.T) {
	env, err := sharedCELEnv()
	if err != nil {
		t.Fatal(err)
	}
	// The most terms cel-go's recursion limit lets through.
	most := 2
	for {
		if _, iss := env.Compile(deepSum(most + 1)); iss.Err() != nil {
			break
		}
		most++
	}
	for _, tc := range []struct {
		terms, stack int
		calls        int
	}{{most, progStack, 0}, {5, 5, 0}, {6, 5, 1}, {most, 5, 1}} {
		t.Run(fmt.Sprintf("%d terms, stack %d", tc.terms, tc.stack), func(t *testing.T) {
			when := deepSum(tc.terms)
			checked, iss := env.Compile(when)
			if iss.Err() != nil {
				t.Fatal(iss.Err())
			}
			rs := []rule{{id: "deep", when: when, why: newCondSource(nil, nil, checked.NativeRep(), when, false), direct: directCondition(checked.NativeRep())}}
			if rs[0].direct == nil {
				t.Fatal("no direct check")
			}
			e := &Engine{rules: rs, order: []int{0}}
			e.orderChecks()
			e.prog = newDirectProgramWith(e, tc.stack, progSmallWords)
			if got := len(e.prog.calls); got != tc.calls {
				t.Errorf("%d closures called, want %d", got, tc.calls)
			}
			for _, age := range []int{39, 40, 41} {
				matched := []bool{false}
				if err := e.evaluateInto(context.Background(), &Profile{Age: age}, matched); err != nil {
					t.Fatal(err)
				}
				if want := age == 40; matched[0] != want {
					t.Errorf("age %d: got %v, want %v", age, matched[0], want)
				}
			}
		})
	}
}

// deepSum returns profile.age + (1 + (1 + ...)) == 40 + terms - 1, with
// terms terms nested to the right, so that each waits on the stack: true
// for age 40 alone.
func deepSum(terms int) string {
	return "profile.age" + strings.Repeat(" + (1", terms-1) + strings.Repeat(")", terms-1) + fmt.Sprintf(" == %d", 40+terms-1)
}

// TestDirectProgramMatchesClosures loads synthetic rule sets (the default
// rules' conditions, and variations of them: syntheticRules) and checks
// that the engine runs its direct checks as a program when they are
// progMinRules or more, and as closures otherwise, and that the program
// gives the closures' result for every rule on profiles drawn from the
// rule set's vocabulary, with numbers at and around the rules' bounds.
func TestDirectProgramMatchesClosures(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if def.prog != nil {
		t.Errorf("the default rules (%d) run as a program, want closures below %d", len(def.rules), progMinRules)
	}
	eng, err := Load(syntheticRules(t, 1000))
	if err != nil {
		t.Fatal(err)
	}
	if eng.prog == nil {
		t.Fatal("1,000 rules run as closures, want a program")
	}
	voc := eng.Vocabulary()
	r := rand.New(rand.NewPCG(21, 2026))
	some := func(terms []Term) []string {
		var out []string
		for _, term := range terms {
			if r.IntN(6) == 0 {
				out = append(out, term.ID)
			}
		}
		return out
	}
	one := func(terms []Term) string {
		if len(terms) == 0 || r.IntN(3) == 0 {
			return ""
		}
		return terms[r.IntN(len(terms))].ID
	}
	pick := func(xs ...int) int { return xs[r.IntN(len(xs))] }
	prog := eng.prog
	defer func() { eng.prog = prog }()
	want := make([]bool, len(eng.rules))
	got := make([]bool, len(eng.rules))
	ctx := context.Background()
	for range 500 {
		p := Profile{
			Conditions: some(voc.Conditions), RedFlags: some(voc.RedFlags), AggravatedBy: some(voc.AggravatedBy),
			EasedBy: some(voc.EasedBy), Equipment: some(voc.Equipment), Sex: one(voc.Sex), Episode: one(voc.Episode),
			PainLevel:      r.IntN(11),
			DaysSinceOnset: pick(0, 1, 2, 41, 42, 43, 84, 85, r.IntN(400)),
			SittingHours:   []float64{0, 5.5, 6, 8, 24}[r.IntN(5)],
			Age:            pick(0, 15, 16, 17, 64, 65, r.IntN(MaxAge+1)),
			PregnancyWeek:  pick(0, 19, 20, 21, r.IntN(MaxPregnancyWeek+1)),
		}
		eng.prog = nil
		if err := eng.evaluateInto(ctx, &p, want); err != nil {
			t.Fatal(err)
		}
		eng.prog = prog
		if err := eng.evaluateInto(ctx, &p, got); err != nil {
			t.Fatal(err)
		}
		for ri := range eng.rules {
			if got[ri] != want[ri] {
				t.Fatalf("rule %s (%s) on %+v: the program gives %v, the closures %v", eng.rules[ri].id, eng.rules[ri].when, p, got[ri], want[ri])
			}
		}
	}
}

// TestAtomTable checks the program's table of string atoms: the same
// strings in every vocabulary field, each its own atom, and strings that
// are no atom, or an atom of another field only, found in none.
func TestAtomTable(t *testing.T) {
	var atoms [numVocabFields]map[string]uint32
	strs := []string{"", "a", "b", "ab", "ba", "aba", "abc", "cba", "sitting", "sitting_", "bending_forward", "bending_backward"}
	for i := range 40 {
		strs = append(strs, fmt.Sprintf("term_%d", i), fmt.Sprintf("%d_term", i))
	}
	n := uint32(0)
	for f := range atoms {
		atoms[f] = map[string]uint32{}
		for i, s := range strs {
			// Field f holds every string but the f-th.
			if i != f {
				atoms[f][s] = n
				n++
			}
		}
	}
	tab := newAtomTable(&atoms)
	for f := range atoms {
		for i, s := range strs {
			a, ok := tab.lookup(f, s)
			want, wantOK := atoms[f][s]
			if a != want || ok != wantOK || (i == f) == ok {
				t.Errorf("field %d, %q: got %d, %v, want %d, %v", f, s, a, ok, want, wantOK)
			}
		}
		if _, ok := tab.lookup(f, "none"); ok {
			t.Errorf("field %d: found %q", f, "none")
		}
	}
}

// FuzzDirectProgram compiles a condition and, when it has a direct check,
// runs it as a program of one rule against cel-go on a few profiles: the
// program made from cel-go's AST, and the one made from the fast path's
// when it takes the condition, as Load does.
func FuzzDirectProgram(f *testing.F) {
	for _, s := range []string{
		"'a' in profile.conditions && !(profile.pain_level >= 7 || profile.episode == 'c')",
		"profile.conditions.exists(c, c in ['a', 'b']) || (profile.age > 15 && profile.sex != 'a')",
		"(profile.days_since_onset > 42 ? 1 : 0) + (profile.pain_level >= 4 ? 1 : 0) >= 2",
		"!(profile.sitting_hours >= 6.0) && profile.episode in ['', 'd']",
		"true && !false",
	} {
		f.Add(s)
	}
	env, err := sharedCELEnv()
	if err != nil {
		f.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 2026))
	profiles := make([]Profile, 40)
	for i := range profiles {
		profiles[i] = directProfile(r)
	}
	f.Fuzz(func(t *testing.T, when string) {
		if len(when) > MaxWhenLength {
			return
		}
		checked, iss := env.Compile(when)
		if iss.Err() != nil || !checked.OutputType().IsExactType(types.BoolType) {
			return
		}
		check := directCondition(checked.NativeRep())
		if check == nil {
			return
		}
		prg, err := env.Program(checked, programOptions(hasComprehension(checked.NativeRep()), MaxRuleCost)...)
		if err != nil {
			t.Fatal(err)
		}
		engines := []*Engine{{rules: []rule{{id: "r", when: when, why: newCondSource(nil, nil, checked.NativeRep(), when, false), direct: check}}, order: []int{0}}}
		// Load compiles with the fast path when it takes the condition
		// (fastcompile.go): the program made from its AST too.
		if fast, ok := fastCompile(when); ok {
			if fc := directCondition(fast); fc != nil {
				engines = append(engines, &Engine{rules: []rule{{id: "r", when: when, why: newCondSource(nil, nil, fast, when, false), direct: fc}}, order: []int{0}})
			}
		}
		for _, e := range engines {
			e.orderChecks()
			e.prog = newDirectProgram(e)
		}
		for i := range profiles {
			p := &profiles[i]
			out, _, err := prg.Eval(&activation{v: profileVal{newCELProfile(p)}})
			if err != nil {
				t.Fatalf("%s on %+v: CEL failed: %v", when, *p, err)
			}
			for k, e := range engines {
				matched := []bool{false}
				if err := e.evaluateInto(context.Background(), p, matched); err != nil {
					t.Fatal(err)
				}
				if want := bool(out.(types.Bool)); matched[0] != want {
					t.Errorf("%s on %+v: the program (from the %s AST) gives %v, CEL %v", when, *p, []string{"cel-go", "fast path"}[k], matched[0], want)
				}
			}
		}
	})
}
