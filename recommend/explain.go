package recommend

// Explaining one result: why a movement was recommended, avoided, left out
// or withheld, and why each rule that names it did or did not match; and
// the same for the referrals. An explanation is made from the decision
// record that Recommend uses (resolve.go), so it cannot disagree with the
// Result. The clauses of a rule's condition are explained from cel-go's
// evaluation state: the rule's checked AST is run again, with every
// sub-expression's value tracked and no short cut taken, and the AST is
// walked to find the clauses that decided the outcome. That second run
// happens only here; Recommend never pays for it.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/words"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
)

// ErrUnknownMovement is matched by the error Explain returns for a
// movement id the rule set does not declare.
var ErrUnknownMovement = errors.New("unknown movement")

// Outcome is what the safety policy decided for one movement.
type Outcome string

// The outcomes of a movement.
const (
	// OutcomeRecommended: the movement is recommended, perhaps with
	// cautions, and perhaps in the plan.
	OutcomeRecommended Outcome = "recommended"
	// OutcomeAvoided: a matched rule avoids it; an avoid always wins.
	OutcomeAvoided Outcome = "avoided"
	// OutcomeNeedsEquipment: it would be recommended, but the profile
	// lacks equipment it needs.
	OutcomeNeedsEquipment Outcome = "needs_equipment"
	// OutcomeWithheld: it would be recommended, or would wait for
	// equipment, but a referral withholds all movement advice.
	OutcomeWithheld Outcome = "withheld"
	// OutcomeNotAdvised: no matched rule recommends or avoids it.
	OutcomeNotAdvised Outcome = "not_advised"
)

// Explanation says why one movement has the outcome it has for one
// profile. Every list is in rule order and never nil.
type Explanation struct {
	// Movement is the movement id, Name what people call it and Kind its
	// kind.
	Movement string `json:"movement"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	// Outcome is what the safety policy decided, the same decision the
	// Result of Recommend holds for the movement. A recommended movement
	// is in the plan when PlanStep is not 0, and cautioned when Cautions
	// is not empty.
	Outcome Outcome `json:"outcome"`
	// Summary says the outcome and its cause in one or two sentences.
	Summary string `json:"summary"`
	// PlanStep is the movement's place in Result.Plan, 1 first, or 0 when
	// it is not in the plan.
	PlanStep int `json:"plan_step,omitempty"`
	// Cautions are the cautions attached to a recommended movement, as
	// in its Result item.
	Cautions []Note `json:"cautions"`
	// Missing is the equipment the movement needs and the profile lacks,
	// when the outcome is OutcomeNeedsEquipment or OutcomeWithheld.
	Missing []Term `json:"missing"`
	// WithheldBy are the ids of the matched referral rules that withhold
	// movement advice, when the outcome is OutcomeWithheld.
	WithheldBy []string `json:"withheld_by"`
	// Rules are the rules that name the movement, directly, by tag or by
	// kind, matched or not.
	Rules []RuleExplanation `json:"rules"`
	// RuleSet identifies the rule set, as in a Result.
	RuleSet RuleSet `json:"rule_set"`
}

// ReferralExplanation says why each referral rule did or did not match
// one profile.
type ReferralExplanation struct {
	// Withheld is true when a matched referral withholds movement advice,
	// as Result.Withheld.
	Withheld bool `json:"withheld"`
	// Summary says in one sentence what the referrals come to.
	Summary string `json:"summary"`
	// Rules are every rule with a referral, matched or not, in rule order.
	Rules []RuleExplanation `json:"rules"`
	// RuleSet identifies the rule set, as in a Result.
	RuleSet RuleSet `json:"rule_set"`
}

// RuleExplanation is one rule of an explanation: what it does, whether it
// matched, and which clauses of its condition decided that.
type RuleExplanation struct {
	// Rule is the rule id, and Description what it is for.
	Rule        string `json:"rule"`
	Description string `json:"description"`
	// File and Line locate the rule, as in [Rule].
	File string `json:"file"`
	Line int    `json:"line"`
	// Matched is true when the rule's condition held for the profile, as
	// in Result.Trace.
	Matched bool `json:"matched"`
	// Summary says in plain words why the rule matched or did not:
	// "not matched: you did not report sciatica".
	Summary string `json:"summary"`
	// When is the rule's condition as written.
	When string `json:"when"`
	// Clauses are the parts of the condition that decided whether it
	// matched: for a rule that did not match, the clauses that were
	// false; for one that matched, those that were true.
	Clauses []ClauseExplanation `json:"clauses"`
	// Effects are the rule's effects that name the movement, in a
	// movement's explanation; empty in a referral explanation.
	Effects []NamingEffect `json:"effects"`
	// Referral is the rule's referral, or nil when it has none.
	Referral *RuleReferral `json:"referral,omitempty"`
	// Folded, in a referral explanation, says that the rule matched but
	// its referral was folded into another (see Result.FoldedReferrals);
	// nil otherwise.
	Folded *ReferralFold `json:"folded,omitempty"`
	// Because is the rule's reason.
	Because string `json:"because"`
	// Citations are the rule's citations, in the order written.
	Citations []Citation `json:"citations"`
}

// NamingEffect is an effect of a rule that names a movement.
type NamingEffect struct {
	// Kind says what the effect does to the movement.
	Kind EffectKind `json:"kind"`
	// SelectedBy says how the effect's selector names the movement: "movement"
	// for its id, "tag NAME" for a tag, "kind NAME" for its kind.
	SelectedBy []string `json:"selected_by"`
	// Because is the reason the effect gives on the movement.
	Because string `json:"because"`
}

// ClauseExplanation is one part of a rule's condition and what it gave.
type ClauseExplanation struct {
	// Text is the clause as written in the condition, on one line.
	Text string `json:"text"`
	// Value is what the clause gave for the profile.
	Value bool `json:"value"`
	// Says is what the clause found, in plain words, with vocabulary
	// labels: "you did not report sciatica (pain running down the leg)".
	Says string `json:"says"`
	// Field is the profile field the clause reads, or "" when it reads
	// several or none, and Values the profile's values of that field:
	// ids for a list, the number for a number.
	Field  string   `json:"field,omitempty"`
	Values []string `json:"values"`
}

// Explain says why the movement with id movement has its outcome for
// profile p: the outcome, each rule that names the movement (directly, by
// tag or by kind) with whether it matched and why, and each rule's reason
// and citations. The outcome comes from the same decision record as the
// Result of Recommend, so the two always agree.
//
// Explain checks the movement id (an unknown id is an error matching
// ErrUnknownMovement, with a did-you-mean), then p (an invalid profile is
// a *ProfileError). It evaluates every rule as Recommend does, and fails
// as Recommend fails: when a rule fails, or ctx is done, before every rule
// has run, it returns a nil *Explanation and a *PartialError whose Result
// holds the referrals. It then runs the conditions of the rules it
// explains again with their evaluation state tracked: explaining costs
// more than recommending, and only Explain pays for it. A nil ctx or a nil
// *Engine is an error.
func (e *Engine) Explain(ctx context.Context, p Profile, movement string) (*Explanation, error) {
	mi := -1
	if e != nil {
		for i := range e.movements {
			if e.movements[i].id == movement {
				mi = i
				break
			}
		}
	}
	d, res, err := e.explainSetup(ctx, p, func() error {
		if mi >= 0 {
			return nil
		}
		ids := make([]string, len(e.movements))
		for i, m := range e.movements {
			ids[i] = m.id
		}
		return &explainError{fmt.Errorf("explain: %w %q%s", ErrUnknownMovement, movement, words.DidYouMean(movement, ids))}
	})
	if err != nil {
		return nil, err
	}
	m := &e.movements[mi]
	dm := &d.movements[mi]
	x := &Explanation{
		Movement: m.id, Name: m.name, Kind: m.kind,
		Cautions: []Note{}, Missing: []Term{}, WithheldBy: []string{}, Rules: []RuleExplanation{},
		RuleSet: e.ruleSet,
	}
	switch dm.outcome {
	case outcomeRecommended:
		x.Outcome = OutcomeRecommended
		for _, ri := range dm.by[effectCaution] {
			x.Cautions = append(x.Cautions, Note{Rule: e.rules[ri].id, Text: e.rules[ri].because[effectCaution]})
		}
		for i, s := range res.Plan {
			if s.Movement == m.id {
				x.PlanStep = i + 1
			}
		}
	case outcomeAvoided:
		x.Outcome = OutcomeAvoided
	case outcomeNeedsEquipment:
		x.Outcome = OutcomeNeedsEquipment
	case outcomeWithheld:
		x.Outcome = OutcomeWithheld
		x.WithheldBy = e.ruleIDs(d.withholding)
	default:
		x.Outcome = OutcomeNotAdvised
	}
	if dm.outcome == outcomeNeedsEquipment || dm.outcome == outcomeWithheld {
		for _, eq := range dm.missing {
			en := e.vocab[fieldEquipment].entries[eq]
			x.Missing = append(x.Missing, Term{ID: en.id, Label: en.label})
		}
	}
	x.Summary = e.outcomeSummary(x, dm)

	ex := e.newExplainer(ctx, &p)
	for ri := range e.rules {
		r := &e.rules[ri]
		var effs []NamingEffect
		for eff := range numEffects {
			if !explainContains(r.effects[eff], mi) {
				continue
			}
			effs = append(effs, NamingEffect{Kind: effectKinds[eff], SelectedBy: explainSelectedBy(r.selectors[eff], m), Because: r.because[eff]})
		}
		if len(effs) == 0 {
			continue
		}
		re := ex.rule(ri, d.matched[ri])
		re.Effects = effs
		x.Rules = append(x.Rules, re)
	}
	return x, nil
}

// ExplainReferrals says why each rule with a referral did or did not
// match profile p, with its urgency, message and whether it withholds
// movement advice, in rule order. It checks its inputs and fails as
// Explain does; it needs no movement.
func (e *Engine) ExplainReferrals(ctx context.Context, p Profile) (*ReferralExplanation, error) {
	d, res, err := e.explainSetup(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	x := &ReferralExplanation{Withheld: res.Withheld, Rules: []RuleExplanation{}, RuleSet: e.ruleSet}
	ex := e.newExplainer(ctx, &p)
	for ri := range e.rules {
		if e.rules[ri].refer != nil {
			re := ex.rule(ri, d.matched[ri])
			re.Folded = foldOf(res, e.rules[ri].id)
			x.Rules = append(x.Rules, re)
		}
	}
	switch {
	case len(res.Referrals) == 0:
		x.Summary = "No referral applies to this profile."
	case res.Withheld:
		x.Summary = fmt.Sprintf("The most urgent referral is %s, and movement advice is withheld until a clinician has assessed you, because of: %s.",
			res.Referrals[0].Urgency, strings.Join(e.ruleIDs(d.withholding), ", "))
	default:
		x.Summary = fmt.Sprintf("%s matched; the most urgent referral is %s. Movement advice is not withheld.",
			capital(words.Count(len(d.referrals), "referral rule")), res.Referrals[0].Urgency)
	}
	if n := len(res.FoldedReferrals); n > 0 {
		x.Summary += fmt.Sprintf(" %s folded into a more urgent or leading one, and left out of the short report.",
			capital(words.Count(n, "referral")))
	}
	return x, nil
}

// explainError is an error of Explain whose text holds input, escaped
// like the text of a LoadError.
type explainError struct{ err error }

func (e *explainError) Error() string { return escapeText(e.err.Error()) }
func (e *explainError) Unwrap() error { return e.err }

// explainSetup checks the inputs as Recommend does, with check run before
// the profile, and returns the decision record and the Result built from
// it, or a *PartialError as Recommend does.
func (e *Engine) explainSetup(ctx context.Context, p Profile, check func() error) (*decisions, *Result, error) {
	switch {
	case e == nil:
		return nil, nil, errNilEngine
	case ctx == nil:
		return nil, nil, errors.New("explain: nil context: pass context.Background() or a request's context")
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, nil, err
		}
	}
	if err := e.Validate(p); err != nil {
		if cerr := ctxDone(ctx); cerr != nil {
			return nil, nil, cerr
		}
		return nil, nil, err
	}
	d := e.newDecisions()
	if err := e.evaluateInto(ctx, &p, d.matched); err != nil {
		return nil, nil, &PartialError{Result: e.partial(d, &p), Err: err}
	}
	e.resolveInto(d, &p)
	return d, e.build(d), nil
}

// outcomeSummary says the outcome of a movement and who decided it.
func (e *Engine) outcomeSummary(x *Explanation, dm *decision) string {
	rules := func(rs []int) string { return strings.Join(e.ruleIDs(rs), ", ") }
	rec, avoid, caution := dm.by[effectRecommend], dm.by[effectAvoid], dm.by[effectCaution]
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

// explainer explains the conditions of rules for one profile.
type explainer struct {
	e   *Engine
	ctx context.Context
	p   *Profile
	act *activation
	env *cel.Env
}

func (e *Engine) newExplainer(ctx context.Context, p *Profile) *explainer {
	env, _ := sharedCELEnv() // Load succeeded, so this did too
	return &explainer{e: e, ctx: ctx, p: p, act: &activation{v: profileVal{newCELProfile(p)}}, env: env}
}

// rule explains rule ri, which matched or not.
func (x *explainer) rule(ri int, matched bool) RuleExplanation {
	e := x.e
	r := &e.rules[ri]
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
	re.Clauses = x.clauses(r, matched)
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

// clauses runs rule r's condition again with its evaluation state tracked
// and every branch evaluated, and returns the clauses that decided it. If
// the condition cannot be run again, it returns the whole condition as one
// clause, with the value Recommend found.
func (x *explainer) clauses(r *rule, matched bool) []ClauseExplanation {
	whole := []ClauseExplanation{{Text: explainOneLine(r.when), Value: matched, Says: "the condition is " + strconv.FormatBool(matched), Values: []string{}}}
	if r.ast == nil || x.env == nil {
		return whole
	}
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptTrackState | cel.OptExhaustiveEval)}
	if r.loops {
		opts = append(opts, cel.CostLimit(MaxRuleCost), cel.InterruptCheckFrequency(interruptCheckFrequency))
	}
	prg, err := x.env.Program(r.ast, opts...)
	if err != nil {
		return whole
	}
	_, det, err := prg.ContextEval(x.ctx, x.act)
	if err != nil || det == nil {
		return whole
	}
	na := r.ast.NativeRep()
	w := &explainWalker{x: x, src: []rune(r.when), info: na.SourceInfo(), state: det.State()}
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
	x     *explainer
	src   []rune
	info  *ast.SourceInfo
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
			id, ok := explainString(args[0])
			fi := explainListField(args[1])
			if !ok || fi < 0 {
				return ClauseExplanation{}, false
			}
			w.listClause(&c, fi, []string{id})
			return c, true
		}
		if len(args) == 2 {
			if c, ok := w.comparison(c, call.FunctionName(), args[0], args[1]); ok {
				return c, true
			}
		}
	case ast.ComprehensionKind:
		// profile.F.exists(v, v in ['a', 'b']), as the exists macro
		// expands it: a loop over profile.F whose step is
		// accu || (v in [...]).
		comp := e.AsComprehension()
		fi := explainListField(comp.IterRange())
		step := comp.LoopStep()
		if fi < 0 || step.Kind() != ast.CallKind || step.AsCall().FunctionName() != operators.LogicalOr {
			return ClauseExplanation{}, false
		}
		sargs := step.AsCall().Args()
		if len(sargs) != 2 || sargs[0].Kind() != ast.IdentKind || sargs[0].AsIdent() != comp.AccuVar() {
			return ClauseExplanation{}, false
		}
		pred := sargs[1]
		if pred.Kind() != ast.CallKind || pred.AsCall().FunctionName() != operators.In {
			return ClauseExplanation{}, false
		}
		pargs := pred.AsCall().Args()
		if len(pargs) != 2 || pargs[0].Kind() != ast.IdentKind || pargs[0].AsIdent() != comp.IterVar() || pargs[1].Kind() != ast.ListKind {
			return ClauseExplanation{}, false
		}
		var ids []string
		for _, el := range pargs[1].AsList().Elements() {
			id, ok := explainString(el)
			if !ok {
				return ClauseExplanation{}, false
			}
			ids = append(ids, id)
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
	ci := explainChoiceField(field)
	if ci < 0 && fn != operators.In {
		field, other = args[1], args[0]
		ci = explainChoiceField(field)
	}
	if ci < 0 {
		return ClauseExplanation{}, false
	}
	var ids []string
	switch {
	case fn == operators.In && other.Kind() == ast.ListKind:
		for _, el := range other.AsList().Elements() {
			id, ok := explainString(el)
			if !ok {
				return ClauseExplanation{}, false
			}
			ids = append(ids, id)
		}
	case fn == operators.Equals || fn == operators.NotEquals:
		id, ok := explainString(other)
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

// explainChoiceField returns the index in choiceFields of the field e
// reads, profile.C, or -1.
func explainChoiceField(e ast.Expr) int {
	name, ok := explainProfileField(e)
	if !ok {
		return -1
	}
	return choiceFieldIndex(name)
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
func (w *explainWalker) comparison(c ClauseExplanation, fn string, a, b ast.Expr) (ClauseExplanation, bool) {
	flip := map[string]string{
		operators.Less: operators.Greater, operators.LessEquals: operators.GreaterEquals,
		operators.Greater: operators.Less, operators.GreaterEquals: operators.LessEquals,
		operators.Equals: operators.Equals, operators.NotEquals: operators.NotEquals,
	}
	if _, ok := flip[fn]; !ok {
		return ClauseExplanation{}, false
	}
	side, lit := a, b
	if lit.Kind() != ast.LiteralKind {
		side, lit, fn = b, a, flip[fn]
	}
	if lit.Kind() != ast.LiteralKind {
		return ClauseExplanation{}, false
	}
	fi := explainNumberField(side)
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

// text returns the source of e, on one line. The AST records a range for
// each node (for a call, its operator); e spans the ranges of all its
// nodes, extended past a field name at its end and to the brackets it
// leaves open.
func (w *explainWalker) text(e ast.Expr) string {
	start, stop := -1, -1
	ast.PreOrderVisit(e, ast.NewExprVisitor(func(n ast.Expr) {
		r, ok := w.info.GetOffsetRange(n.ID())
		if !ok || r.Start >= r.Stop {
			return
		}
		if start < 0 || int(r.Start) < start {
			start = int(r.Start)
		}
		if int(r.Stop) > stop {
			stop = int(r.Stop)
		}
	}))
	if start < 0 || stop > len(w.src) || start >= stop {
		return ""
	}
	end := stop
	for end < len(w.src) && (w.src[end] == '_' || unicode.IsLetter(w.src[end]) || unicode.IsDigit(w.src[end])) {
		end++
	}
	// Close the brackets the span leaves open.
	var open []rune
	var quote rune
	closing := map[rune]rune{'(': ')', '[': ']', '{': '}'}
	for i := start; i < len(w.src); i++ {
		ch := w.src[i]
		if i >= end && len(open) == 0 && quote == 0 {
			break
		}
		switch {
		case quote != 0:
			if ch == '\\' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case closing[ch] != 0:
			open = append(open, closing[ch])
		case len(open) > 0 && ch == open[len(open)-1]:
			open = open[:len(open)-1]
		}
		end = max(end, i+1)
	}
	end = min(end, len(w.src))
	// Take in the name of a function the span calls: size(...).
	for start > 0 && (w.src[start-1] == '_' || unicode.IsLetter(w.src[start-1]) || unicode.IsDigit(w.src[start-1])) {
		start--
	}
	// Open the brackets the span closes without opening, such as the
	// parenthesis around (a ? 1 : 0) + b.
	unopened, depth := 0, 0
	quote = 0
	for i := start; i < end; i++ {
		ch := w.src[i]
		switch {
		case quote != 0:
			if ch == '\\' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case closing[ch] != 0:
			depth++
		case ch == ')' || ch == ']' || ch == '}':
			if depth > 0 {
				depth--
			} else {
				unopened++
			}
		}
	}
	for unopened > 0 && start > 0 {
		start--
		if closing[w.src[start]] != 0 {
			unopened--
		}
	}
	return explainOneLine(string(w.src[start:end]))
}

// explainString returns the string of a string literal.
func explainString(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// explainListField returns the list field index of profile.F, or -1.
func explainListField(e ast.Expr) int {
	name, ok := explainProfileField(e)
	if !ok {
		return -1
	}
	return listFieldIndex(name)
}

// explainNumberField returns the number field index of profile.F, or -1.
func explainNumberField(e ast.Expr) int {
	name, ok := explainProfileField(e)
	if !ok {
		return -1
	}
	for i, f := range numberFields {
		if f.name == name {
			return i
		}
	}
	return -1
}

// explainProfileField returns F for the expression profile.F.
func explainProfileField(e ast.Expr) (string, bool) {
	if e.Kind() != ast.SelectKind {
		return "", false
	}
	sel := e.AsSelect()
	op := sel.Operand()
	if sel.IsTestOnly() || op.Kind() != ast.IdentKind || op.AsIdent() != "profile" {
		return "", false
	}
	return sel.FieldName(), true
}

// explainOneLine puts s on one line, with single spaces.
func explainOneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// explainLowerFirst makes the first letter of s small, unless the next one is a
// capital too, as in an acronym.
func explainLowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 || r == utf8.RuneError {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[size:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[size:]
}

// WriteExplanation writes x as a plain-text note for clinicians and rule
// authors: the movement and its outcome, then each rule that names it,
// with what it does to the movement, whether it matched and why, its
// condition and reason, and numbered sources, listed at the end with the
// claim each supports, followed by the rule set's version and digest. A
// nil x is an error.
func WriteExplanation(w io.Writer, x *Explanation) error {
	if x == nil {
		return errNilExplanation
	}
	t := &textWriter{b: bufio.NewWriter(w)}
	t.p("EXPLANATION: %s (%s)\n", x.Name, x.Movement)
	t.p("  Outcome: %s\n", outcomeLabels[x.Outcome])
	t.p("  %s\n", x.Summary)
	for _, n := range x.Cautions {
		t.p("  Caution (%s): %s\n", n.Rule, n.Text)
	}
	t.p("\n")
	if len(x.Rules) == 0 {
		t.p("RULES THAT NAME IT\n  No rule names this movement.\n\n")
	} else {
		t.p("RULES THAT NAME IT\n")
		for i, r := range x.Rules {
			t.rule(i+1, r, func() {
				for _, ef := range r.Effects {
					t.p("     %s it%s.\n", capital(effectVerbs[ef.Kind]), explainVia(ef.SelectedBy))
					if ef.Because != r.Because {
						t.p("     Reason on this movement: %s\n", ef.Because)
					}
				}
			})
		}
	}
	t.sources(x.RuleSet)
	return t.b.Flush()
}

// WriteReferralExplanation writes x as a plain-text note: what the
// referrals come to, then every referral rule, matched or not, with its
// urgency, whether it withholds advice, why it matched or not, its
// message, reason and numbered sources, listed at the end. A nil x is an
// error.
func WriteReferralExplanation(w io.Writer, x *ReferralExplanation) error {
	if x == nil {
		return errNilExplanation
	}
	t := &textWriter{b: bufio.NewWriter(w)}
	t.p("EXPLANATION: REFERRALS\n  %s\n\n", x.Summary)
	if len(x.Rules) == 0 {
		t.p("REFERRAL RULES\n  The rule set has no referral rules.\n\n")
	} else {
		t.p("REFERRAL RULES\n")
		for i, r := range x.Rules {
			t.rule(i+1, r, func() {
				if r.Referral == nil {
					return
				}
				hold := "does not withhold movement advice"
				if r.Referral.Withhold {
					hold = "withholds all movement advice"
				}
				t.p("     %s referral; %s.\n", capital(string(r.Referral.Urgency)), hold)
				t.p("     Tells you: %s\n", r.Referral.Message)
				if r.Folded != nil {
					t.p("     Folded into the referral of %s: %s.\n", strings.Join(r.Folded.Into, ", "), r.Folded.Summary)
				}
			})
		}
	}
	t.sources(x.RuleSet)
	return t.b.Flush()
}

// WriteExplanationJSON writes x as indented JSON followed by a newline;
// the same explanation always gives the same bytes. A nil x is an error.
func WriteExplanationJSON(w io.Writer, x *Explanation) error {
	if x == nil {
		return errNilExplanation
	}
	return writeIndentedJSON(w, x)
}

// WriteReferralExplanationJSON writes x as indented JSON followed by a
// newline. A nil x is an error.
func WriteReferralExplanationJSON(w io.Writer, x *ReferralExplanation) error {
	if x == nil {
		return errNilExplanation
	}
	return writeIndentedJSON(w, x)
}

func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var errNilExplanation = errors.New("recommend: nil explanation")

var outcomeLabels = map[Outcome]string{
	OutcomeRecommended:    "recommended",
	OutcomeAvoided:        "avoided",
	OutcomeNeedsEquipment: "left out for missing equipment",
	OutcomeWithheld:       "withheld",
	OutcomeNotAdvised:     "not advised",
}

var effectVerbs = map[EffectKind]string{
	EffectKindRecommend: "recommends",
	EffectKindAvoid:     "avoids",
	EffectKindCaution:   "cautions against",
}

// explainVia says how an effect selects a movement: " by name", " by its
// tag lumbar_flexion".
func explainVia(by []string) string {
	parts := make([]string, 0, len(by))
	for _, b := range by {
		if b == "movement" {
			parts = append(parts, "by name")
		} else {
			parts = append(parts, "by its "+b)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + explainJoin(parts, "and")
}

// rule writes one rule of an explanation; more writes what it does.
func (t *textWriter) rule(n int, r RuleExplanation, more func()) {
	verdict := "not matched"
	if r.Matched {
		verdict = "matched"
	}
	t.p("  %d. %s (%s:%d): %s\n", n, r.Rule, r.File, r.Line, verdict)
	more()
	t.p("     %s.\n", capital(r.Summary))
	t.p("     Condition: %s\n", explainOneLine(r.When))
	t.p("     Reason: %s\n", r.Because)
	if len(r.Citations) > 0 {
		t.p("     Sources: %s\n", t.refs(r.Citations))
	}
	t.p("\n")
}

// sources writes the numbered sources and the rule set.
func (t *textWriter) sources(rs RuleSet) {
	t.sourceList()
	t.p("%s\n", Disclaimer)
	if line := ruleSetLine(rs); line != "" {
		t.p("%s\n", line)
	}
}
