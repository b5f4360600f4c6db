package recommend

// Compiling one rule's when condition: CEL parse, type check and the
// vocabulary validator (astcheck.go), the cost bound, the program, and a
// trial run on the smoke profiles. Errors are placed in the rule file
// through the offset map the parse stage made for the condition.

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/celast"
	"github.com/backrules/backrules/internal/parse"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/interpreter"
)

// condition compiles a rule's when expression, reporting every CEL error at
// its place in the rule file. It returns the checked AST, kept so that an
// explanation can evaluate it again with its state tracked, the program,
// and whether the condition loops; or nils when the condition is invalid.
func (c *compiler) condition(r *parse.Rule) (checked *cel.Ast, prg cel.Program, loops bool) {
	at := func(offset int) parse.FilePos {
		if c.iss.Full(r.ID.Pos.File) {
			// The issue will only be counted: skip the mapping.
			return parse.FilePos{File: r.ID.Pos.File}
		}
		return r.WhenAt.Pos(offset)
	}
	if n := utf8.RuneCountInString(r.When); n > MaxWhenLength {
		c.iss.Add(at(0), "the when condition is %d characters long, over the limit of %d: split the rule into simpler ones", n, MaxWhenLength)
		return nil, nil, false
	}
	checked, issues := c.env.Compile(r.When)
	if issues != nil && issues.Err() != nil {
		exprSrc := common.NewTextSource(r.When)
		when := []rune(r.When)
		for _, e := range issues.Errors() {
			off := 0
			if e.Location.Line() > 0 {
				if o, ok := exprSrc.LocationOffset(e.Location); ok {
					off = int(o)
				}
			}
			msg := e.Message
			if strings.HasPrefix(msg, "expression recursion limit exceeded") || msg == "max recursion depth exceeded" {
				msg = fmt.Sprintf("the condition nests more than %d levels deep: flatten it, or split the rule into simpler ones", MaxWhenDepth)
			} else {
				msg, off = celMessage(msg, when, off)
			}
			c.iss.Add(at(off), "in when: %s", msg)
		}
		return nil, nil, false
	}
	if !checked.OutputType().IsExactType(cel.BoolType) {
		c.iss.Add(at(0), "the when condition must give true or false (bool), but it gives %s", checked.OutputType())
		return nil, nil, false
	}
	est, err := c.env.EstimateCost(checked, profileSizes{})
	if err != nil {
		c.iss.Add(at(0), "in when: cannot estimate the cost of the condition: %v", err)
		return nil, nil, false
	}
	loops = hasComprehension(checked)
	if est.Max > c.budget {
		cost := "has no upper bound"
		if est.Max != math.MaxUint64 {
			cost = fmt.Sprintf("can reach %d", est.Max)
		}
		hint := "avoid nesting comprehensions (exists, all, filter, map) over profile lists"
		if !loops {
			hint = "simplify it, or split the rule into simpler ones"
		}
		c.iss.Add(at(0), "the when condition's worst-case cost %s, over the budget of %d: %s", cost, c.budget, hint)
		return nil, nil, false
	}
	prg, err = c.env.Program(checked, conditionOptions(loops, est.Max, c.costLimit)...)
	if err != nil {
		c.iss.Add(at(0), "in when: %v", err)
		return nil, nil, false
	}
	for _, sp := range c.smokeProfiles() {
		_, _, err := prg.Eval(&activation{v: profileVal{sp.p}})
		var cancelled interpreter.EvalCancelledError
		if errors.As(err, &cancelled) {
			// The runtime limits are checked when Recommend runs; the
			// estimate above already bounds the cost.
			err = nil
		}
		if err != nil {
			c.iss.Add(at(0), "the when condition fails to evaluate for %s: %v: guard it so that it works for every valid profile, for example with size() before indexing a list", sp.name, err)
			return nil, nil, false
		}
	}
	return checked, prg, loops
}

type smokeProfile struct {
	name string
	p    *celProfile
}

// smokeProfiles returns the profiles every condition is tried on at load:
// an empty one, and one holding every vocabulary value (the last, for a
// choice field) and the largest numbers. A condition that fails on either, such as one that indexes a
// list that may be empty, would fail Recommend for real people, so it is a
// load error instead.
func (c *compiler) smokeProfiles() []smokeProfile {
	if c.smoke == nil {
		full := Profile{PainLevel: 10, DaysSinceOnset: MaxDaysSinceOnset, SittingHours: 24, Age: MaxAge, PregnancyWeek: MaxPregnancyWeek}
		lists := [numListFields]*[]string{&full.Conditions, &full.RedFlags, &full.AggravatedBy, &full.EasedBy, &full.Equipment}
		for i, l := range lists {
			ids := c.e.vocab[i].ids()
			*l = ids[:min(len(ids), MaxListLen)]
		}
		for ci, f := range choiceFields {
			if ids := c.e.vocab[numListFields+ci].ids(); len(ids) > 0 {
				f.set(&full, ids[len(ids)-1])
			}
		}
		c.smoke = []smokeProfile{
			{"an empty profile", newCELProfile(&Profile{})},
			{"a profile with every vocabulary value and the largest numbers", newCELProfile(&full)},
		}
	}
	return c.smoke
}

// hasComprehension reports whether a checked condition loops: only
// comprehensions can take long enough to need the context checked while
// they run.
func hasComprehension(checked *cel.Ast) bool {
	return celast.HasComprehension(checked.NativeRep())
}
