package recommend

// The why of an explanation: the summary of a movement's outcome, and for
// each rule, the clauses of its condition that decided whether it
// matched. A condition's plan (whyPlan), made on its first explanation and
// shared by every Explainer of the engine, holds what does not depend on
// the profile: the nodes the walk visits, each clause's text and the
// words of the vocabulary it names. For a profile, the walk reads each
// node's value and finds the clauses that decided the outcome. The values
// come from the condition's direct checks (directcheck.go), which cannot
// fail and give CEL's values (TestExplainDirectMatchesTracked); for a
// condition without them, from cel-go's evaluation state: the checked AST
// is run again by its tracking program (built at load, see
// trackedOptions), with every sub-expression's value tracked and no short
// cut taken. Conditions are read through internal/celast, which also
// gives each clause its text, the same text the clause coverage of
// Analyze shows. Only an Explainer pays for this; Recommend never does.

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"

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
		s = "Recommended, by " + rules(rec) + "."
		if x.PlanStep > 0 {
			s += " It is step " + strconv.Itoa(x.PlanStep) + " of the plan."
		} else {
			s += " It is not in the plan."
		}
		if len(caution) > 0 {
			s += " It is cautioned by " + rules(caution) + ": the caution is attached, and the movement stays recommended."
		}
	case OutcomeAvoided:
		s = "Avoided, by " + rules(avoid) + "."
		if len(rec) > 0 {
			s += " " + rules(rec) + " recommends it, but an avoid always wins."
		}
	case OutcomeNeedsEquipment:
		s = "Left out because you do not have: " + explainTermLabels(x.Missing, "and") + ". It would be recommended, by " + rules(rec) + "."
	case OutcomeWithheld:
		s = "Withheld: it would be recommended, by " + rules(rec) + ", but " + strings.Join(x.WithheldBy, ", ") +
			" refers you to a clinician first and withholds all movement advice."
		if len(x.Missing) > 0 {
			s += " It would also need: " + explainTermLabels(x.Missing, "and") + "."
		}
	default:
		s = "Not advised either way: no rule that matched recommends or avoids it."
		if len(caution) > 0 {
			s += " " + rules(caution) + " cautions against it, which only matters when it is recommended."
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

// selectedBy appends to out how sel names movement m: "movement" for its
// id, "tag NAME" for a tag, "kind NAME" for its kind. It is called with
// x.mu held.
func (x *Explainer) selectedBy(out []string, sel *effectSelector, m *movement) []string {
	if sel == nil {
		return out
	}
	if slices.Contains(sel.movements, m.id) {
		out = append(out, "movement")
	}
	for _, t := range sel.tags {
		if slices.Contains(m.tags, t) {
			out = append(out, x.selectorName("tag ", t))
		}
	}
	for _, k := range sel.kinds {
		if k == m.kind {
			out = append(out, x.selectorName("kind ", k))
		}
	}
	return out
}

// selectorName returns what + name, made once per Explainer. It is
// called with x.mu held.
func (x *Explainer) selectorName(what, name string) string {
	if s, ok := x.selectors[what+name]; ok {
		return s
	}
	key := what + name
	if x.selectors == nil {
		x.selectors = map[string]string{}
	}
	x.selectors[key] = key
	return key
}

// ruleWhy is what an Explainer keeps of a rule's explanation, the part
// that depends on the profile: its summary, its clauses (cut from
// x.clauses, their values from x.values or the profile's lists) and its
// referral. It is never changed once made.
type ruleWhy struct {
	summary  string
	clauses  []ClauseExplanation
	referral *RuleReferral
}

// rule returns what the Explainer keeps of rule ri's explanation, made
// on first use. It is called with x.mu held.
func (x *Explainer) rule(ctx context.Context, ri int) *ruleWhy {
	if x.made[ri] == nil {
		if len(x.rules) == cap(x.rules) {
			x.rules = make([]ruleWhy, 0, 32)
		}
		x.rules = append(x.rules, x.makeRule(ctx, ri))
		x.made[ri] = &x.rules[len(x.rules)-1]
	}
	return x.made[ri]
}

// copyRules returns the explanations of rules ris, in order, sharing no
// slice with the Explainer or with one another, each with its citations
// and an empty Effects. The clauses, their values and the citations of
// all of them are each one allocation, cut into capped slices, so that
// appending to one rule's list never reaches another's.
func (x *Explainer) copyRules(ctx context.Context, ris []int) []RuleExplanation {
	e := x.e
	out := make([]RuleExplanation, len(ris))
	nc, nv, nct := 0, 0, 0
	x.mu.Lock()
	for i, ri := range ris {
		r := &e.rules[ri]
		rw := x.rule(ctx, ri)
		out[i] = RuleExplanation{
			Rule: r.id, Description: r.description, File: r.pos.File, Line: r.pos.Line,
			Matched: x.d.matched[ri], Summary: rw.summary, When: r.when, Clauses: rw.clauses,
			Referral: rw.referral, Because: r.reason,
		}
		nc += len(rw.clauses)
		nct += len(r.cites)
		for _, c := range rw.clauses {
			nv += len(c.Values)
		}
	}
	x.mu.Unlock()
	clauses := make([]ClauseExplanation, nc)
	values := make([]string, nv)
	cites := make([]Citation, nct)
	for i, ri := range ris {
		re := &out[i]
		n := copy(clauses, re.Clauses)
		re.Clauses, clauses = clauses[:n:n], clauses[n:]
		for j := range re.Clauses {
			c := &re.Clauses[j]
			if len(c.Values) > 0 {
				n := copy(values, c.Values)
				c.Values, values = values[:n:n], values[n:]
			}
		}
		rc := e.rules[ri].cites
		for j, ci := range rc {
			cites[j] = e.citations[ci]
		}
		re.Citations, cites = cites[:len(rc):len(rc)], cites[len(rc):]
		re.Effects = []NamingEffect{}
	}
	return out
}

// makeRule explains rule ri, which matched or not, for the Explainer to
// keep.
func (x *Explainer) makeRule(ctx context.Context, ri int) ruleWhy {
	r := &x.e.rules[ri]
	matched := x.d.matched[ri]
	var rw ruleWhy
	if r.refer != nil {
		rw.referral = r.refer.view()
	}
	rw.clauses = x.ruleClauses(ctx, r, matched)
	verdict := "not matched"
	if matched {
		verdict = "matched"
	}
	n := len(verdict)
	for _, c := range rw.clauses {
		if c.Says != "" {
			n += len(c.Says) + 2
		}
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(verdict)
	sep := ": "
	for _, c := range rw.clauses {
		if c.Says != "" {
			b.WriteString(sep)
			b.WriteString(c.Says)
			sep = "; "
		}
	}
	rw.summary = b.String()
	return rw
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

// ruleClauses returns the clauses that decided rule r's condition for the
// Explainer's profile, cut from x.clauses. Their values come from the
// condition's direct checks when it has them, which cannot fail and give
// CEL's values; otherwise the condition is run again by its tracking
// program. If it cannot be, it returns the whole condition as one clause,
// with the value Recommend found.
func (x *Explainer) ruleClauses(ctx context.Context, r *rule, matched bool) []ClauseExplanation {
	// The walk gives at most one clause per node of the plan: make room
	// for them, so that the list is never copied.
	need := 1
	if r.why != nil {
		need = max(need, r.why.plan(x.e).nodes)
	}
	if cap(x.clauses)-len(x.clauses) < need {
		x.clauses = make([]ClauseExplanation, 0, max(64, need))
	}
	start := len(x.clauses)
	if out := x.walk(ctx, r, matched); out != nil {
		x.clauses = out
	}
	if len(x.clauses) == start {
		x.clauses = append(x.clauses, ClauseExplanation{Text: words.OneLine(r.when), Value: matched, Says: "the condition is " + strconv.FormatBool(matched), Values: []string{}})
	}
	return x.clauses[start:len(x.clauses):len(x.clauses)]
}

// walk appends to x.clauses the clauses that decided rule r's condition,
// and returns the result; or nil when it cannot run the condition again,
// or the run disagrees with Recommend's.
func (x *Explainer) walk(ctx context.Context, r *rule, matched bool) []ClauseExplanation {
	if r.why == nil {
		return nil
	}
	pl := r.why.plan(x.e)
	if cap(x.memo) < pl.nodes {
		x.memo = make([]uint8, max(pl.nodes, 32))
	}
	w := whyRun{e: x.e, p: x.p, values: &x.values, memo: x.memo[:pl.nodes]}
	clear(w.memo)
	if !pl.direct {
		if pl.tracked == nil {
			return nil
		}
		if x.act == nil {
			x.act = &activation{v: profileVal{newCELProfile(x.p)}}
		}
		_, det, err := pl.tracked.ContextEval(ctx, x.act)
		if err != nil || det == nil {
			return nil
		}
		w.state = det.State()
	}
	if v, ok := w.value(pl.root); !ok || v != matched {
		// The second run disagrees with the first; trust the first.
		return nil
	}
	return w.why(pl.root, x.clauses)
}

// conditionWhy is what explaining one condition needs: its checked AST
// and text, the program that runs it with its state tracked (built at
// load, for a condition without a direct check), and its plan, made on
// the first explanation and shared by every Explainer of the engine.
type conditionWhy struct {
	env     *cel.Env
	ast     *ast.AST
	when    string
	loops   bool
	tracked cel.Program
	once    sync.Once
	pl      *whyPlan
}

// newConditionWhy returns the conditionWhy of a compiled condition: with
// its tracking program unless it has a direct check (an explanation
// reads its values from the direct checks then). An explanation falls
// back to the whole condition if the program cannot be built.
func newConditionWhy(env *cel.Env, checked *ast.AST, when string, loops bool, direct directCheck) *conditionWhy {
	cw := &conditionWhy{env: env, ast: checked, when: when, loops: loops}
	if direct == nil {
		cw.tracked, _ = env.PlanProgram(checked, trackedOptions(loops)...)
	}
	return cw
}

// plan returns the condition's plan for engine e, made on first use.
func (cw *conditionWhy) plan(e *Engine) *whyPlan {
	cw.once.Do(func() {
		cw.pl = newWhyPlan(e, cw.ast, cw.when)
		cw.pl.tracked = cw.tracked
		if !cw.pl.direct && cw.pl.tracked == nil {
			// A condition with a direct check whose walk still needs
			// CEL's values.
			cw.pl.tracked, _ = cw.env.PlanProgram(cw.ast, trackedOptions(cw.loops)...)
		}
	})
	return cw.pl
}

// whyPlan is the part of explaining a condition that does not depend on
// the profile: the tree of nodes the walk visits, from the condition's
// root through its &&, || and !, each with its text and, for a clause the
// walk words, what it says that does not depend on the profile.
type whyPlan struct {
	root *whyNode
	// direct is true when every value the walk reads has a direct check:
	// then no CEL program runs. tracked is the program that runs the
	// condition with its state tracked, when direct is false.
	direct  bool
	tracked cel.Program
	// nodes is how many nodes the plan has.
	nodes int
}

// whyOp is how the walk treats a node.
type whyOp int

const (
	whyOther whyOp = iota // a clause: worded by its leaf, or generically
	whyAnd
	whyOr
	whyNot
)

// whyNode is a node of a condition the walk visits.
type whyNode struct {
	ord  int    // the node's place in the plan, which keys a walk's memo
	id   int64  // the node's id, which keys the evaluation state
	text string // the node's text, on one line
	op   whyOp
	args []*whyNode // the operands of && and ||, or the operand of !
	// check is the node's value as a direct check, or nil.
	check directCheck
	// leaf is how the clause is worded, or nil when it is worded
	// generically.
	leaf whyLeaf
}

// whyLeaf words a clause the walk understands, from the clause's value
// and the profile: a literalLeaf, *listLeaf, *choiceLeaf or
// *comparisonLeaf, each with a method say that fills in c and reports
// whether it could (when not, the clause is worded generically).
type whyLeaf any

// newWhyPlan makes the plan of a checked condition of engine e.
func newWhyPlan(e *Engine, a *ast.AST, when string) *whyPlan {
	b := &planBuilder{e: e, src: celast.NewSource(a, when), direct: true}
	pl := &whyPlan{root: b.node(a.Expr())}
	pl.direct, pl.nodes = b.direct, b.nodes
	return pl
}

// planBuilder makes a whyPlan, noting whether every value the walk reads
// has a direct check.
type planBuilder struct {
	e      *Engine
	src    celast.Source
	direct bool
	nodes  int
}

func (b *planBuilder) node(e ast.Expr) *whyNode {
	n := &whyNode{ord: b.nodes, id: e.ID(), text: b.src.Text(e), check: direct(e)}
	b.nodes++
	if n.check == nil {
		b.direct = false
	}
	if e.Kind() == ast.CallKind {
		fn, args := e.AsCall().FunctionName(), e.AsCall().Args()
		switch {
		case fn == operators.LogicalAnd || fn == operators.LogicalOr:
			n.op = whyAnd
			if fn == operators.LogicalOr {
				n.op = whyOr
			}
			for _, a := range args {
				n.args = append(n.args, b.node(a))
			}
			return n
		case fn == operators.LogicalNot && len(args) == 1:
			n.op = whyNot
			n.args = []*whyNode{b.node(args[0])}
			return n
		}
	}
	n.leaf = b.leaf(e)
	return n
}

// leaf returns how clause e is worded, or nil when the walk words it
// generically: a vocabulary value in a profile list, a profile list that
// has one of several values, a choice field compared with values, a
// profile number compared with a number, or a constant.
func (b *planBuilder) leaf(e ast.Expr) whyLeaf {
	switch e.Kind() {
	case ast.LiteralKind:
		return literalLeaf{}
	case ast.CallKind:
		call := e.AsCall()
		fn, args := call.FunctionName(), call.Args()
		if l := b.choiceLeaf(fn, args); l != nil {
			return l
		}
		if fn == operators.In && len(args) == 2 {
			id, ok := celast.String(args[0])
			name, _ := celast.Field(args[1])
			if fi := listFieldIndex(name); ok && fi >= 0 {
				return b.listLeaf(fi, []string{id})
			}
			return nil
		}
		if l := b.comparisonLeaf(e); l != nil {
			return l
		}
	case ast.ComprehensionKind:
		// profile.F.exists(v, v in ['a', 'b']).
		name, ids, ok := celast.ExistsIn(e)
		if fi := listFieldIndex(name); ok && fi >= 0 {
			return b.listLeaf(fi, ids)
		}
	}
	return nil
}

// literalLeaf words true and false.
type literalLeaf struct{}

func (literalLeaf) say(_ *whyRun, c *ClauseExplanation) bool {
	if c.Value {
		c.Says = "it applies to everyone"
	} else {
		c.Says = "it applies to no one"
	}
	return true
}

// explainListPhrases say what a profile list holds or lacks, per list
// field: with the labels it holds, and with those it lacks, each the
// words before and after the labels.
var explainListPhrases = [numListFields][2][2]string{
	fieldConditions:   {{"you reported ", ""}, {"you did not report ", ""}},
	fieldRedFlags:     {{"you reported ", ""}, {"you did not report ", ""}},
	fieldAggravatedBy: {{"you said ", " makes it worse"}, {"you did not say that ", " makes it worse"}},
	fieldEasedBy:      {{"you said ", " eases it"}, {"you did not say that ", " eases it"}},
	fieldEquipment:    {{"you have ", ""}, {"you do not have ", ""}},
}

// listLeaf words a clause that asks whether profile list fi holds any of
// ids: it names the ids the profile holds, or else all of them.
type listLeaf struct {
	fi     int
	ids    []string
	labels []string // the label of each id, as in a sentence
	none   string   // what the clause says when the list holds none
}

func (b *planBuilder) listLeaf(fi int, ids []string) *listLeaf {
	l := &listLeaf{fi: fi, ids: ids, labels: explainLabels(&b.e.vocab[fi], ids)}
	ph := explainListPhrases[fi][1]
	l.none = ph[0] + explainJoin(l.labels, "or") + ph[1]
	return l
}

func (l *listLeaf) say(w *whyRun, c *ClauseExplanation) bool {
	have := listFields[l.fi].get(w.p)
	c.Field = listFields[l.fi].name
	// The Explainer's own list (ownLists): copyRules copies it out.
	c.Values = have[:len(have):len(have)]
	if len(have) == 0 {
		c.Values = []string{}
	}
	var held []string
	for i, id := range l.ids {
		if slices.Contains(have, id) {
			held = append(held, l.labels[i])
		}
	}
	if len(held) == 0 {
		c.Says = l.none
		return true
	}
	ph := explainListPhrases[l.fi][0]
	c.Says = ph[0] + explainJoin(held, "and") + ph[1]
	return true
}

// explainLabels returns the labels of ids in voc, each with a small first
// letter to sit inside a sentence; an id without a label stands for
// itself.
func explainLabels(voc *vocabulary, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = explainLowerFirst(cmp.Or(vocabLabel(voc, id), id))
	}
	return out
}

// choiceLeaf words a choice field compared with values: profile.C == 'x'
// or != 'x', either way round, or profile.C in ['x', 'y']: "your kind of
// episode is a flare-up ..., the rule needs a new episode".
type choiceLeaf struct {
	ci int
	// equal is true for == and in, whose true clause says only the fact.
	equal bool
	need  string // what the rule needs, in words
}

func (b *planBuilder) choiceLeaf(fn string, args []ast.Expr) *choiceLeaf {
	if len(args) != 2 {
		return nil
	}
	field, other := args[0], args[1]
	ci := choiceFieldOf(field)
	if ci < 0 && fn != operators.In {
		field, other = args[1], args[0]
		ci = choiceFieldOf(field)
	}
	if ci < 0 {
		return nil
	}
	var ids []string
	switch {
	case fn == operators.In:
		var ok bool
		if ids, ok = celast.Strings(other); !ok {
			return nil
		}
	case fn == operators.Equals || fn == operators.NotEquals:
		id, ok := celast.String(other)
		if !ok {
			return nil
		}
		ids = []string{id}
	default:
		return nil
	}
	labels := make([]string, len(ids))
	for i, id := range ids {
		labels[i] = choiceLabel(b.e, ci, id)
	}
	l := &choiceLeaf{ci: ci, equal: fn == operators.Equals || fn == operators.In, need: explainJoin(labels, "or")}
	if fn == operators.NotEquals {
		l.need = "anything but " + l.need
	}
	return l
}

// vocabLabel returns the label of id in voc, or "".
func vocabLabel(voc *vocabulary, id string) string {
	if j := voc.index(id); j >= 0 {
		return voc.entries[j].label
	}
	return ""
}

// choiceLabel returns the label of value id of choice field ci, as in a
// sentence, or "not stated" for "".
func choiceLabel(e *Engine, ci int, id string) string {
	if id == "" {
		return "not stated"
	}
	if label := vocabLabel(&e.vocab[numListFields+ci], id); label != "" {
		return explainLowerFirst(label)
	}
	return id
}

func (l *choiceLeaf) say(w *whyRun, c *ClauseExplanation) bool {
	f := choiceFields[l.ci]
	have := f.get(w.p)
	c.Field, c.Values = f.name, w.one(have)
	label := choiceLabel(w.e, l.ci, have)
	switch {
	case c.Value && l.equal:
		c.Says = "your " + f.label + " is " + label
	case c.Value:
		c.Says = "your " + f.label + " is " + label + ", which is " + l.need
	default:
		c.Says = "your " + f.label + " is " + label + ", the rule needs " + l.need
	}
	return true
}

// explainNumberPhrases say what the profile's number fields hold, in
// sentences: the words before the number.
var explainNumberPhrases = map[string][2]string{
	"pain_level":       {"your pain level is ", ""},
	"days_since_onset": {"your pain began ", " days ago"},
	"sitting_hours":    {"you sit ", " hours a day"},
	"age":              {"your age is ", ""},
	"pregnancy_week":   {"your week of pregnancy is ", ""},
}

// comparisonLeaf words a profile number, or a number computed from the
// profile, compared with a number literal on either side: "your pain
// level is 3; the rule needs 7 or more".
type comparisonLeaf struct {
	need string // what the rule needs, in words
	// fi is the number field compared, or -1 for a computed number:
	// side is then its node, and sideInt its value as Go, or nil.
	fi      int
	phrase  [2]string
	side    *whyNode
	sideInt func(*Profile) int64
}

func (b *planBuilder) comparisonLeaf(e ast.Expr) *comparisonLeaf {
	cmp, ok := celast.Compare(e)
	if !ok {
		return nil
	}
	var n string
	switch l := cmp.Literal.AsLiteral().(type) {
	case types.Int:
		n = strconv.FormatInt(int64(l), 10)
	case types.Double:
		n = strconv.FormatFloat(float64(l), 'g', -1, 64)
	case types.Uint:
		n = strconv.FormatUint(uint64(l), 10)
	default:
		return nil
	}
	l := &comparisonLeaf{}
	l.need = map[string]string{
		operators.Less: "less than " + n, operators.LessEquals: n + " or less",
		operators.Greater: "more than " + n, operators.GreaterEquals: n + " or more",
		operators.Equals: "exactly " + n, operators.NotEquals: "anything but " + n,
	}[cmp.Op]
	name, _ := celast.Field(cmp.Side)
	if l.fi = numberFieldIndex(name); l.fi >= 0 {
		var ok bool
		if l.phrase, ok = explainNumberPhrases[name]; !ok {
			l.phrase = [2]string{"your " + strings.ReplaceAll(name, "_", " ") + " is ", ""}
		}
		return l
	}
	// A computed number, such as a count of signs: the walk says what it
	// came to.
	l.side = &whyNode{ord: -1, id: cmp.Side.ID(), text: b.src.Text(cmp.Side)}
	l.sideInt = directInt(cmp.Side)
	if l.sideInt == nil {
		b.direct = false
	}
	return l
}

func (l *comparisonLeaf) say(w *whyRun, c *ClauseExplanation) bool {
	// The fact, as the words before and after a number, said in one
	// concatenation with what the rule needs.
	var before, number, after string
	if l.fi >= 0 {
		f := numberFields[l.fi]
		v := f.get(w.p)
		number = strconv.FormatFloat(v, 'g', -1, 64)
		c.Field, c.Values = f.name, w.one(number)
		if (f.name == "age" || f.name == "pregnancy_week") && v == 0 {
			number = "not given"
		}
		before, after = l.phrase[0], l.phrase[1]
	} else {
		n, ok := w.number(l)
		if !ok {
			return false
		}
		before, number = l.side.text+" comes to ", n
	}
	if c.Value {
		c.Says = before + number + after + ", which is " + l.need
	} else {
		c.Says = before + number + after + ", the rule needs " + l.need
	}
	return true
}

// whyRun walks a condition's plan for one profile, with the values of
// its nodes from their direct checks, or, when state is not nil, from
// the state of a tracked run.
type whyRun struct {
	e     *Engine
	p     *Profile
	state interpreter.EvalState
	// values holds the Values of the clauses that hold one value, cut
	// from it.
	values *[]string
	// memo holds the value of each node of the plan once read: 0 not
	// yet, 1 false, 2 true, 3 none.
	memo []uint8
}

// one returns a list of the one value v, cut from w.values.
func (w *whyRun) one(v string) []string {
	if len(*w.values) == cap(*w.values) {
		*w.values = make([]string, 0, 64)
	}
	*w.values = append(*w.values, v)
	n := len(*w.values)
	return (*w.values)[n-1 : n : n]
}

// value returns the bool that n gave, if it gave one.
func (w *whyRun) value(n *whyNode) (bool, bool) {
	if m := w.memo[n.ord]; m != 0 {
		return m == 2, m != 3
	}
	v, ok := w.read(n)
	w.memo[n.ord] = 3
	if ok {
		w.memo[n.ord] = 1
		if v {
			w.memo[n.ord] = 2
		}
	}
	return v, ok
}

// read returns the bool that n gave, from its direct check or the
// evaluation state.
func (w *whyRun) read(n *whyNode) (bool, bool) {
	if w.state == nil {
		if n.check == nil {
			return false, false
		}
		return n.check(w.p), true
	}
	v, ok := w.state.Value(n.id)
	if !ok {
		return false, false
	}
	b, ok := v.(types.Bool)
	return bool(b), ok
}

// number returns, in words, the number a comparison's computed side came
// to, if it came to an int or a double.
func (w *whyRun) number(l *comparisonLeaf) (string, bool) {
	if w.state == nil {
		if l.sideInt == nil {
			return "", false
		}
		return strconv.FormatInt(l.sideInt(w.p), 10), true
	}
	v, ok := w.state.Value(l.side.id)
	if !ok {
		return "", false
	}
	switch n := v.(type) {
	case types.Int:
		return strconv.FormatInt(int64(n), 10), true
	case types.Double:
		return strconv.FormatFloat(float64(n), 'g', -1, 64), true
	}
	return "", false
}

// why appends to out the clauses that made n give the value it gave: for
// an && that is false its false operands, for an || that is true its
// true operands, and otherwise all of them; a ! is explained by its
// operand.
func (w *whyRun) why(n *whyNode, out []ClauseExplanation) []ClauseExplanation {
	v, ok := w.value(n)
	if !ok {
		return append(out, w.generic(n))
	}
	switch n.op {
	case whyAnd, whyOr:
		// An && that is false is decided by its false operands, an ||
		// that is true by its true ones; otherwise every operand counts.
		// An operand without a bool value (an error, which the other
		// operands absorbed) is shown only when no operand decided.
		start := len(out)
		decisive := n.op == whyAnd && !v || n.op == whyOr && v
		for _, a := range n.args {
			if av, ok := w.value(a); !decisive || ok && av == v {
				out = w.why(a, out)
			}
		}
		if len(out) == start {
			for _, a := range n.args {
				out = w.why(a, out)
			}
		}
		return out
	case whyNot:
		a := n.args[0]
		if c, ok := w.leaf(a); ok {
			c.Text, c.Value = n.text, v
			return append(out, c)
		}
		return w.why(a, out)
	}
	if c, ok := w.leaf(n); ok {
		return append(out, c)
	}
	return append(out, w.generic(n))
}

// leaf words clause n, if the walk understands it and it gave a value.
func (w *whyRun) leaf(n *whyNode) (ClauseExplanation, bool) {
	if n.leaf == nil {
		return ClauseExplanation{}, false
	}
	v, ok := w.value(n)
	if !ok {
		return ClauseExplanation{}, false
	}
	c := ClauseExplanation{Text: n.text, Value: v, Values: []string{}}
	// A type switch, not an interface method, so that c and w stay on
	// the stack.
	switch l := n.leaf.(type) {
	case literalLeaf:
		ok = l.say(w, &c)
	case *listLeaf:
		ok = l.say(w, &c)
	case *choiceLeaf:
		ok = l.say(w, &c)
	case *comparisonLeaf:
		ok = l.say(w, &c)
	default:
		ok = false
	}
	if !ok {
		return ClauseExplanation{}, false
	}
	return c, true
}

// generic words a clause the walk does not understand by its text and
// value.
func (w *whyRun) generic(n *whyNode) ClauseExplanation {
	c := ClauseExplanation{Text: n.text, Values: []string{}}
	v, ok := w.value(n)
	c.Value = v
	if ok {
		c.Says = c.Text + " is " + strconv.FormatBool(v)
	} else {
		c.Says = c.Text + " gives no true or false answer"
	}
	return c
}
