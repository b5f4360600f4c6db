package recommend

// The why of an explanation: the summary of a movement's outcome, and for
// each rule, the clauses of its condition that decided whether it
// matched. The clauses come from cel-go's evaluation state: the rule's
// checked AST is run again by its tracking program (built at load, see
// trackedOptions), with every sub-expression's value tracked and no short
// cut taken, and the AST is walked to find the clauses that decided the
// outcome. Conditions are read through internal/celast, which also gives
// each clause its text, the same text the clause coverage of Analyze
// shows. Only an Explainer pays for this; Recommend never does.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/internal/celast"
	"github.com/backrules/backrules/internal/words"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
)

// outcomeSummary says the outcome of a movement and who decided it.
func (e *Engine) outcomeSummary(x *Explanation, d *decisions, dm *decision) string {
	rules := func(rs []int) string { return strings.Join(e.ruleIDs(rs), ", ") }
	rec, avoid, caution := d.rules(dm, effectRecommend), d.rules(dm, effectAvoid), d.rules(dm, effectCaution)
	var s string
	switch x.Outcome {
	case OutcomeRecommended:
		s = fmt.Sprintf("Recommended, by %s.", rules(rec))
		if x.PlanStep > 0 {
			s += fmt.Sprintf(" It is step %d of the plan.", x.PlanStep)
		} else {
			s += " It is not in the plan."
		}
		if len(caution) > 0 {
			s += fmt.Sprintf(" It is cautioned by %s: the caution is attached, and the movement stays recommended.", rules(caution))
		}
	case OutcomeAvoided:
		s = fmt.Sprintf("Avoided, by %s.", rules(avoid))
		if len(rec) > 0 {
			s += fmt.Sprintf(" %s recommends it, but an avoid always wins.", rules(rec))
		}
	case OutcomeNeedsEquipment:
		s = fmt.Sprintf("Left out because you do not have: %s. It would be recommended, by %s.", explainTermLabels(x.Missing, "and"), rules(rec))
	case OutcomeWithheld:
		s = fmt.Sprintf("Withheld: it would be recommended, by %s, but %s refers you to a clinician first and withholds all movement advice.",
			rules(rec), strings.Join(x.WithheldBy, ", "))
		if len(x.Missing) > 0 {
			s += fmt.Sprintf(" It would also need: %s.", explainTermLabels(x.Missing, "and"))
		}
	default:
		s = "Not advised either way: no rule that matched recommends or avoids it."
		if len(caution) > 0 {
			s += fmt.Sprintf(" %s cautions against it, which only matters when it is recommended.", rules(caution))
		}
	}
	return s
}

// explainTermLabels joins the labels of ts with conj: "Towel and Bed".
func explainTermLabels(ts []Term, conj string) string {
	labels := make([]string, len(ts))
	for i, t := range ts {
		labels[i] = t.Label
	}
	return explainJoin(labels, conj)
}

// explainJoin joins names as "a, b or c" with conj between the last two.
func explainJoin(names []string, conj string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

func explainContains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// explainSelectedBy says how sel names movement m.
func explainSelectedBy(sel *effectSelector, m *movement) []string {
	out := []string{}
	if sel == nil {
		return out
	}
	for _, id := range sel.movements {
		if id == m.id {
			out = append(out, "movement")
			break
		}
	}
	for _, t := range sel.tags {
		for _, mt := range m.tags {
			if t == mt {
				out = append(out, "tag "+t)
				break
			}
		}
	}
	for _, k := range sel.kinds {
		if k == m.kind {
			out = append(out, "kind "+k)
		}
	}
	return out
}

// rule explains rule ri for the Explainer's profile, making its
// explanation on first use. The explanation returned shares no slice with
// the one kept.
func (x *Explainer) rule(ctx context.Context, ri int) RuleExplanation {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.made[ri] {
		x.rules[ri] = x.makeRule(ctx, ri)
		x.made[ri] = true
	}
	re := x.rules[ri]
	re.Clauses = slices.Clone(re.Clauses)
	for i := range re.Clauses {
		re.Clauses[i].Values = slices.Clone(re.Clauses[i].Values)
	}
	re.Citations = slices.Clone(re.Citations)
	re.Effects = []NamingEffect{}
	return re
}

// makeRule explains rule ri, which matched or not.
func (x *Explainer) makeRule(ctx context.Context, ri int) RuleExplanation {
	e := x.e
	r := &e.rules[ri]
	matched := x.d.matched[ri]
	re := RuleExplanation{
		Rule: r.id, Description: r.description, File: r.pos.File, Line: r.pos.Line,
		Matched: matched, When: r.when, Because: r.reason,
		Effects: []NamingEffect{}, Citations: make([]Citation, len(r.cites)),
	}
	for j, ci := range r.cites {
		re.Citations[j] = e.citations[ci]
	}
	if r.refer != nil {
		re.Referral = r.refer.view()
	}
	re.Clauses = x.clauses(ctx, r, matched)
	says := make([]string, 0, len(re.Clauses))
	for _, c := range re.Clauses {
		if c.Says != "" {
			says = append(says, c.Says)
		}
	}
	verdict := "not matched"
	if matched {
		verdict = "matched"
	}
	if len(says) == 0 {
		re.Summary = verdict
	} else {
		re.Summary = verdict + ": " + strings.Join(says, "; ")
	}
	return re
}

// trackedOptions are the options of the program an explanation runs a
// condition with, built at load: every sub-expression's value tracked,
// no short cut taken, and for a condition that loops, the runtime cost
// limit and interrupt checks.
func trackedOptions(loops bool) []cel.ProgramOption {
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptTrackState | cel.OptExhaustiveEval)}
	if loops {
		opts = append(opts, cel.CostLimit(MaxRuleCost), cel.InterruptCheckFrequency(interruptCheckFrequency))
	}
	return opts
}

// clauses runs rule r's condition again with its evaluation state tracked
// and every branch evaluated, and returns the clauses that decided it. If
// the condition cannot be run again, it returns the whole condition as one
// clause, with the value Recommend found.
func (x *Explainer) clauses(ctx context.Context, r *rule, matched bool) []ClauseExplanation {
	whole := []ClauseExplanation{{Text: words.OneLine(r.when), Value: matched, Says: "the condition is " + strconv.FormatBool(matched), Values: []string{}}}
	if r.ast == nil || r.tracked == nil {
		return whole
	}
	_, det, err := r.tracked.ContextEval(ctx, x.act)
	if err != nil || det == nil {
		return whole
	}
	na := r.ast.NativeRep()
	w := &explainWalker{x: x, src: celast.NewSource(na, r.when), state: det.State()}
	root := na.Expr()
	if v, ok := w.value(root); !ok || v != matched {
		// The second run disagrees with the first; trust the first.
		return whole
	}
	out := w.why(root)
	if len(out) == 0 {
		return whole
	}
	return out
}

// explainWalker walks a checked condition with its evaluation state.
type explainWalker struct {
	x     *Explainer
	src   celast.Source
	state interpreter.EvalState
}

// value returns the bool that e gave, if it gave one.
func (w *explainWalker) value(e ast.Expr) (bool, bool) {
	v, ok := w.state.Value(e.ID())
	if !ok {
		return false, false
	}
	b, ok := v.(types.Bool)
	return bool(b), ok
}

// why returns the clauses that made e give the value it gave: for an &&
// that is false its false operands, for an || that is true its true
// operands, and otherwise all of them; a ! is explained by its operand.
func (w *explainWalker) why(e ast.Expr) []ClauseExplanation {
	v, ok := w.value(e)
	if !ok {
		return []ClauseExplanation{w.generic(e)}
	}
	if e.Kind() == ast.CallKind {
		call := e.AsCall()
		switch fn := call.FunctionName(); fn {
		case operators.LogicalAnd, operators.LogicalOr:
			// An && that is false is decided by its false operands, an
			// || that is true by its true ones; otherwise every operand
			// counts. An operand without a bool value (an error, which
			// the other operands absorbed) is shown only when no
			// operand decided.
			var out []ClauseExplanation
			decisive := fn == operators.LogicalAnd && !v || fn == operators.LogicalOr && v
			for _, arg := range call.Args() {
				if av, ok := w.value(arg); !decisive || ok && av == v {
					out = append(out, w.why(arg)...)
				}
			}
			if len(out) == 0 {
				for _, arg := range call.Args() {
					out = append(out, w.why(arg)...)
				}
			}
			return out
		case operators.LogicalNot:
			if len(call.Args()) == 1 {
				arg := call.Args()[0]
				if c, ok := w.leaf(arg); ok {
					c.Text, c.Value = w.text(e), v
					return []ClauseExplanation{c}
				}
				return w.why(arg)
			}
		}
	}
	if c, ok := w.leaf(e); ok {
		return []ClauseExplanation{c}
	}
	return []ClauseExplanation{w.generic(e)}
}

// leaf explains a clause the walker understands: a vocabulary value in a
// profile list, a profile list that has one of several values, a profile
// number compared with a number, or a constant.
func (w *explainWalker) leaf(e ast.Expr) (ClauseExplanation, bool) {
	v, ok := w.value(e)
	if !ok {
		return ClauseExplanation{}, false
	}
	c := ClauseExplanation{Text: w.text(e), Value: v, Values: []string{}}
	switch e.Kind() {
	case ast.LiteralKind:
		if v {
			c.Says = "it applies to everyone"
		} else {
			c.Says = "it applies to no one"
		}
		return c, true
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		if c, ok := w.choiceClause(c, call.FunctionName(), args); ok {
			return c, true
		}
		if call.FunctionName() == operators.In && len(args) == 2 {
			id, ok := celast.String(args[0])
			name, _ := celast.Field(args[1])
			fi := listFieldIndex(name)
			if !ok || fi < 0 {
				return ClauseExplanation{}, false
			}
			w.listClause(&c, fi, []string{id})
			return c, true
		}
		if c, ok := w.comparison(c, e); ok {
			return c, true
		}
	case ast.ComprehensionKind:
		// profile.F.exists(v, v in ['a', 'b']).
		name, ids, ok := celast.ExistsIn(e)
		fi := listFieldIndex(name)
		if !ok || fi < 0 {
			return ClauseExplanation{}, false
		}
		w.listClause(&c, fi, ids)
		return c, true
	}
	return ClauseExplanation{}, false
}

// explainListPhrases say what a profile list holds or lacks, per list field:
// with the labels it holds, and with those it lacks.
var explainListPhrases = [numListFields][2]string{
	fieldConditions:   {"you reported %s", "you did not report %s"},
	fieldRedFlags:     {"you reported %s", "you did not report %s"},
	fieldAggravatedBy: {"you said %s makes it worse", "you did not say that %s makes it worse"},
	fieldEasedBy:      {"you said %s eases it", "you did not say that %s eases it"},
	fieldEquipment:    {"you have %s", "you do not have %s"},
}

// listClause fills c for a clause that asks whether profile list fi holds
// any of ids: it names the ids the profile holds, or else all of them.
func (w *explainWalker) listClause(c *ClauseExplanation, fi int, ids []string) {
	have := listFields[fi].get(w.x.p)
	c.Field = listFields[fi].name
	c.Values = append([]string{}, have...)
	var held []string
	for _, id := range ids {
		for _, h := range have {
			if h == id {
				held = append(held, id)
				break
			}
		}
	}
	if len(held) > 0 {
		c.Says = fmt.Sprintf(explainListPhrases[fi][0], explainJoin(w.labels(fi, held), "and"))
	} else {
		c.Says = fmt.Sprintf(explainListPhrases[fi][1], explainJoin(w.labels(fi, ids), "or"))
	}
}

// labels returns the vocabulary labels of ids in list field fi, each with
// a small first letter to sit inside a sentence.
func (w *explainWalker) labels(fi int, ids []string) []string {
	voc := &w.x.e.vocab[fi]
	out := make([]string, len(ids))
	for i, id := range ids {
		label := id
		if j := voc.index(id); j >= 0 && voc.entries[j].label != "" {
			label = voc.entries[j].label
		}
		out[i] = explainLowerFirst(label)
	}
	return out
}

// choiceClause explains a choice field compared with values: profile.C ==
// 'x' or != 'x', either way round, or profile.C in ['x', 'y']: "your kind
// of episode is a flare-up ..., the rule needs a new episode".
func (w *explainWalker) choiceClause(c ClauseExplanation, fn string, args []ast.Expr) (ClauseExplanation, bool) {
	if len(args) != 2 {
		return ClauseExplanation{}, false
	}
	field, other := args[0], args[1]
	ci := choiceFieldOf(field)
	if ci < 0 && fn != operators.In {
		field, other = args[1], args[0]
		ci = choiceFieldOf(field)
	}
	if ci < 0 {
		return ClauseExplanation{}, false
	}
	var ids []string
	switch {
	case fn == operators.In:
		var ok bool
		if ids, ok = celast.Strings(other); !ok {
			return ClauseExplanation{}, false
		}
	case fn == operators.Equals || fn == operators.NotEquals:
		id, ok := celast.String(other)
		if !ok {
			return ClauseExplanation{}, false
		}
		ids = []string{id}
	default:
		return ClauseExplanation{}, false
	}
	f := choiceFields[ci]
	have := f.get(w.x.p)
	c.Field, c.Values = f.name, []string{have}
	label := func(id string) string {
		if id == "" {
			return "not stated"
		}
		voc := &w.x.e.vocab[numListFields+ci]
		if j := voc.index(id); j >= 0 && voc.entries[j].label != "" {
			return explainLowerFirst(voc.entries[j].label)
		}
		return id
	}
	labels := make([]string, len(ids))
	for i, id := range ids {
		labels[i] = label(id)
	}
	fact := fmt.Sprintf("your %s is %s", f.label, label(have))
	if have == "" {
		fact = fmt.Sprintf("your %s is not stated", f.label)
	}
	need := explainJoin(labels, "or")
	if fn == operators.NotEquals {
		need = "anything but " + need
	}
	if c.Value {
		c.Says = fmt.Sprintf("%s, which is %s", fact, need)
		if fn == operators.Equals || fn == operators.In {
			c.Says = fact
		}
	} else {
		c.Says = fmt.Sprintf("%s, the rule needs %s", fact, need)
	}
	return c, true
}

// explainNumberPhrases say what the profile's number fields hold, in
// sentences, with %s for the number.
var explainNumberPhrases = map[string]string{
	"pain_level":       "your pain level is %s",
	"days_since_onset": "your pain began %s days ago",
	"sitting_hours":    "you sit %s hours a day",
	"age":              "your age is %s",
	"pregnancy_week":   "your week of pregnancy is %s",
}

// comparison explains a profile number compared with a number literal,
// on either side: "your pain level is 3; the rule needs 7 or more".
func (w *explainWalker) comparison(c ClauseExplanation, e ast.Expr) (ClauseExplanation, bool) {
	cmp, ok := celast.Compare(e)
	if !ok {
		return ClauseExplanation{}, false
	}
	fn, side, lit := cmp.Op, cmp.Side, cmp.Literal
	name, _ := celast.Field(side)
	fi := numberFieldIndex(name)
	var n string
	switch l := lit.AsLiteral().(type) {
	case types.Int:
		n = strconv.FormatInt(int64(l), 10)
	case types.Double:
		n = strconv.FormatFloat(float64(l), 'g', -1, 64)
	case types.Uint:
		n = strconv.FormatUint(uint64(l), 10)
	default:
		return ClauseExplanation{}, false
	}
	need := map[string]string{
		operators.Less: "less than " + n, operators.LessEquals: n + " or less",
		operators.Greater: "more than " + n, operators.GreaterEquals: n + " or more",
		operators.Equals: "exactly " + n, operators.NotEquals: "anything but " + n,
	}[fn]
	var fact string
	if fi >= 0 {
		f := numberFields[fi]
		have := strconv.FormatFloat(f.get(w.x.p), 'g', -1, 64)
		c.Field, c.Values = f.name, []string{have}
		phrase := explainNumberPhrases[f.name]
		if phrase == "" {
			phrase = "your " + strings.ReplaceAll(f.name, "_", " ") + " is %s"
		}
		if (f.name == "age" || f.name == "pregnancy_week") && f.get(w.x.p) == 0 {
			have = "not given"
		}
		fact = fmt.Sprintf(phrase, have)
	} else {
		// A computed number, such as a count of signs: say what it came
		// to.
		v, ok := w.state.Value(side.ID())
		if !ok {
			return ClauseExplanation{}, false
		}
		switch n := v.(type) {
		case types.Int:
			fact = fmt.Sprintf("%s comes to %d", w.text(side), int64(n))
		case types.Double:
			fact = fmt.Sprintf("%s comes to %s", w.text(side), strconv.FormatFloat(float64(n), 'g', -1, 64))
		default:
			return ClauseExplanation{}, false
		}
	}
	if c.Value {
		c.Says = fmt.Sprintf("%s, which is %s", fact, need)
	} else {
		c.Says = fmt.Sprintf("%s, the rule needs %s", fact, need)
	}
	return c, true
}

// generic explains a clause the walker does not understand by its text
// and value.
func (w *explainWalker) generic(e ast.Expr) ClauseExplanation {
	c := ClauseExplanation{Text: w.text(e), Values: []string{}}
	v, ok := w.value(e)
	c.Value = v
	if ok {
		c.Says = fmt.Sprintf("%s is %t", c.Text, v)
	} else {
		c.Says = fmt.Sprintf("%s gives no true or false answer", c.Text)
	}
	return c
}

// text returns the source of e, on one line, as every clause is shown.
func (w *explainWalker) text(e ast.Expr) string { return w.src.Text(e) }
