package recommend

// Compiling one rule's when condition: CEL parse, type check and the
// vocabulary validator (astcheck.go), done by the fast path of
// fastcompile.go for the common shapes and by cel-go otherwise, the cost
// bound, the program, and a trial run on the smoke profiles. Errors are placed in the rule file
// through the offset map the parse stage made for the condition.

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/celast"
	"github.com/backrules/backrules/internal/parse"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/interpreter"
)

// conditionIssue is a problem of a when condition, at offset (in runes)
// in its text.
type conditionIssue struct {
	offset int
	msg    string
}

// celIssues turns cel-go's problems with a condition over vars into
// issues at offsets in its text, each worded for a rule author
// (celMessage), a recursion limit as the nesting limit it is.
func celIssues(cerr *cel.Issues, when string, vars condVars) []conditionIssue {
	exprSrc := common.NewTextSource(when)
	runes := []rune(when)
	var out []conditionIssue
	for _, e := range cerr.Errors() {
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
			msg, off = celMessage(msg, runes, off, vars)
		}
		out = append(out, conditionIssue{off, msg})
	}
	return out
}

// condition returns rule r's when condition compiled (by compileConditions
// ahead of the rules, or now), and reports its problems at their places
// in the rule file. A condition with problems has a nil AST.
func (c *compiler) condition(r *parse.Rule) compiledCondition {
	cc, ok := c.compiled[r.When]
	if !ok {
		cc = c.compileCondition(r.When)
	}
	for _, is := range cc.issues {
		pos := parse.FilePos{File: r.ID.Pos.File}
		if !c.iss.Full(r.ID.Pos.File) {
			// Else the issue will only be counted: skip the mapping.
			pos = r.WhenAt.Pos(is.offset)
		}
		c.iss.Add(pos, "%s", is.msg)
	}
	return cc
}

// minParallelConditions is the fewest distinct conditions that
// compileConditions compiles on several goroutines.
const minParallelConditions = 64

// compileConditions compiles every distinct when condition of the rule
// set ahead of the rules, on as many goroutines as GOMAXPROCS, for
// condition to use: compileCondition changes nothing but its result, and
// a cel.Env is safe for concurrent use. The results, and so the issues
// reported, are the same as compiling each in turn.
func (c *compiler) compileConditions() {
	var whens []string
	seen := map[string]bool{}
	for _, r := range c.doc.Rules {
		if r.WhenAt != nil && !seen[r.When] {
			seen[r.When] = true
			whens = append(whens, r.When)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(whens)/minParallelConditions)
	if workers < 2 {
		return
	}
	c.smokeProfiles() // made once, before the goroutines read them
	out := make([]compiledCondition, len(whens))
	parallelFor(workers, len(whens), func(i int) { out[i] = c.compileCondition(whens[i]) })
	c.compiled = make(map[string]compiledCondition, len(whens))
	for i, w := range whens {
		c.compiled[w] = out[i]
	}
}

// whenTooLong says why when, a rule's or a progression rule's condition,
// is refused for its length, or returns "" when it is at most
// MaxWhenLength characters.
func whenTooLong(when string) string {
	if n := utf8.RuneCountInString(when); n > MaxWhenLength {
		return fmt.Sprintf("the when condition is %d characters long, over the limit of %d: split the rule into simpler ones", n, MaxWhenLength)
	}
	return ""
}

// compileCondition compiles a when expression: CEL parse, type check and
// validators (the fast path's, or cel-go's), the cost bound, and for a condition without a direct check
// (directcheck.go) the program and a trial run on the smoke profiles; a
// direct check cannot fail, and Recommend runs it instead of a program.
// It returns the condition, or its issues, each CEL error at its offset.
// It reads the compiler and changes nothing but its result.
func (c *compiler) compileCondition(when string) compiledCondition {
	var issues []conditionIssue
	fail := func(off int, format string, args ...any) compiledCondition {
		return compiledCondition{issues: append(issues, conditionIssue{off, fmt.Sprintf(format, args...)})}
	}
	if msg := whenTooLong(when); msg != "" {
		return fail(0, "%s", msg)
	}
	checked, compiled, cerr := compileWhen(c.env, &c.e.vocab, when)
	ok := checked != nil
	if !ok {
		if cerr != nil && cerr.Err() != nil {
			for _, is := range celIssues(cerr, when, ruleVars()) {
				issues = append(issues, conditionIssue{is.offset, "in when: " + is.msg})
			}
			return compiledCondition{issues: issues}
		}
		if !compiled.OutputType().IsExactType(cel.BoolType) {
			return fail(0, "the when condition must give true or false (bool), but it gives %s%s", compiled.OutputType(), notBoolHint(compiled.OutputType().String()))
		}
		checked = compiled.NativeRep()
	}
	var est checker.CostEstimate
	var err error
	if ok {
		est, err = c.costs.fastCost(checked)
	} else {
		est, err = estimateCost(checked)
	}
	if err != nil {
		return fail(0, "in when: cannot estimate the cost of the condition: %v", err)
	}
	loops := hasComprehension(checked)
	if est.Max > c.budget {
		cost := "has no upper bound"
		if est.Max != math.MaxUint64 {
			cost = fmt.Sprintf("can reach %d", est.Max)
		}
		hint := "avoid nesting comprehensions (exists, all, filter, map) over profile lists"
		if !loops {
			hint = "simplify it, or split the rule into simpler ones"
		}
		return fail(0, "the when condition's worst-case cost %s, over the budget of %d: %s", cost, c.budget, hint)
	}
	if direct := directCondition(checked); direct != nil {
		return compiledCondition{loops: loops, direct: direct, why: newCondSource(c.env, &c.e.vocab, checked, when, loops)}
	}
	prg, err := c.env.PlanProgram(checked, conditionOptions(loops, est.Max, c.costLimit)...)
	if err != nil {
		return fail(0, "in when: %v", err)
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
			return fail(0, "the when condition fails to evaluate for %s: %v: guard it so that it works for every valid profile, %s", sp.name, err, evalFailureHint(err))
		}
	}
	return compiledCondition{prg: prg, loops: loops, why: newCondSource(c.env, &c.e.vocab, checked, when, loops)}
}

// compileWhen compiles when in env, as Load does and as the tools that
// compile a condition again after Load (condSource.checked) must, to get
// the same AST: the fast path (fastcompile.go) gives cel-go's checked AST
// for the common shapes, checked against vocab as the validator does, and
// takes no condition cel-go would refuse; anything it does not take, or
// takes and finds a problem in, is compiled by cel-go, which reports it.
// It returns the fast path's AST, or else cel-go's result and issues.
func compileWhen(env *cel.Env, vocab *[numVocabFields]vocabulary, when string) (fast *ast.AST, compiled *cel.Ast, iss *cel.Issues) {
	if a, ok := fastCompile(when); ok && !vocabularyProblem(vocab, a) {
		return a, nil, nil
	}
	compiled, iss = env.Compile(when)
	return nil, compiled, iss
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
func hasComprehension(checked *ast.AST) bool {
	return celast.HasComprehension(checked)
}

// notBoolHint suggests how a condition that gives a value of type t, not
// true or false, most likely meant to ask about it: a number compared, a
// list asked whether it holds a value, a text compared with a value.
func notBoolHint(t string) string {
	switch {
	case isNumberType(t):
		return ": compare it with a number, as in profile.pain_level >= 7"
	case strings.HasPrefix(t, "list("):
		return ": ask whether it holds a value, as in 'sitting' in profile.aggravated_by"
	case t == "string":
		return ": compare it with a value, as in profile.sex == 'female'"
	}
	return ""
}

// evalFailureHint says how to guard a condition against the error it
// failed with on a profile Load tried: an example of the guard that fits
// the error, for a rule author who has not met it before.
func evalFailureHint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "division by zero"), strings.Contains(msg, "modulus by zero"):
		return "for example by testing the number first, as in profile.pain_level > 0 && 10 / profile.pain_level > 2"
	case strings.Contains(msg, "index out of bounds"):
		return "for example with size() before indexing a list, as in size(profile.conditions) > 0 && profile.conditions[0] == 'sciatica'"
	case strings.Contains(msg, "overflow"):
		return "for example by comparing the number itself rather than a product or sum that grows past the largest whole number"
	case strings.Contains(msg, "no such key"):
		return "for example by testing for the key with in before reading it"
	case strings.Contains(msg, "conversion"):
		return "for example by comparing the field itself rather than converting text that may not hold a number"
	}
	return "for example by testing a number before dividing by it or a list's size before indexing it"
}
