package recommend

import (
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

var directWords = []string{"a", "b", "c", "d", "e"}

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
// compiled shapes must get a direct check.
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
	for range conditions {
		g := &directGen{r: r, covered: true}
		when := g.cond(1 + r.IntN(4))
		checked, iss := env.Compile(when)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", when, iss.Err())
		}
		check := directCondition(checked.NativeRep())
		if check == nil {
			if g.covered {
				t.Errorf("%s: no direct check, but every part of it has one", when)
			}
			continue
		}
		direct++
		prg, err := env.Program(checked, programOptions(hasComprehension(checked.NativeRep()), MaxRuleCost)...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range profiles {
			p := &profiles[i]
			out, _, err := prg.Eval(&activation{v: profileVal{newCELProfile(p)}})
			if err != nil {
				t.Fatalf("%s on %+v: CEL failed: %v", when, *p, err)
			}
			if want, got := bool(out.(types.Bool)), check(p); want != got {
				t.Errorf("%s on %+v: direct check gives %v, CEL %v", when, *p, got, want)
			}
			compared++
		}
	}
	if direct < conditions/2 {
		t.Errorf("only %d of %d generated conditions got a direct check", direct, conditions)
	}
	t.Logf("%d of %d conditions compiled to direct checks; %d evaluations compared", direct, conditions, compared)
}

// TestDefaultRulesAreDirect checks that every default rule's condition
// compiles to a direct check, so that Recommend runs no CEL program for
// the default rules (see BenchmarkConditions).
func TestDefaultRulesAreDirect(t *testing.T) {
	eng, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range eng.rules {
		if r.direct == nil {
			t.Errorf("rule %s: no direct check for %s", r.id, r.when)
		}
	}
}
