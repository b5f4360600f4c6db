package recommend

// Stage 3, evaluate: one profile in, the set of matched rules out. A
// condition compiled to a direct check (directcheck.go) reads the profile
// itself; for the others, the profile is converted to CEL values once per
// call, and each rule's compiled program runs against the same activation.
// No strings are built unless a rule fails.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
)

// errCostLimit is the error of a condition whose evaluation passed its
// runtime cost limit. Load rejects conditions whose estimated cost is over
// MaxRuleCost, and the estimate bounds the actual cost for every valid
// profile, so conditions run without cost tracking and Recommend cannot
// return it; only a test that lowers the limit below the estimate sees it.
var errCostLimit = errors.New("condition over the runtime cost limit")

// EvalError reports a rule whose condition failed to evaluate. Recommend
// then gives no movement advice at all, since a skipped avoid rule could
// let a harmful movement through: it returns a *PartialError, with the
// EvalError as its Err, whose Result holds the referrals only.
type EvalError struct {
	// Rule is the id of the rule that failed.
	Rule string
	// File is the path of the rule's file within the loaded fs.FS, and
	// Line the line of the rule's id in it, as in [Engine.Rules].
	File string
	Line int
	// Err is the underlying error.
	Err error
}

// Error returns "file:line: rule "id" failed to evaluate: cause", with a
// hint for the rule's author. Characters of the cause that could act on a
// terminal, which a condition can take from its own literals, are escaped
// (see [LoadError]).
func (e *EvalError) Error() string {
	msg := fmt.Sprintf("rule %q failed to evaluate: %v: fix its when condition so that it works for every valid profile", e.Rule, e.Err)
	if e.File != "" {
		msg = fmt.Sprintf("%s:%d: %s", e.File, e.Line, msg)
	}
	return escapeText(msg)
}

// Unwrap returns the underlying error.
func (e *EvalError) Unwrap() error { return e.Err }

// IncompleteReason is the WithheldReason of a Result that could not be
// worked out in full (see PartialError).
const IncompleteReason = "The rest of the advice could not be worked out. See a clinician."

// UnreadableReason is the WithheldReason of the Result of a profile with
// problems (see Recommend and Triage), in place of IncompleteReason: the
// rest of the advice is not lost, it waits for answers that can be read.
const UnreadableReason = "Some answers could not be read, so the rest of the advice waits until they are corrected."

// PartialError is returned, with a nil *Result, when Recommend (or
// Explain, or ExplainReferrals) could not evaluate every rule: a rule
// failed (Err is then its *EvalError), or ctx was done or past its
// deadline (Err then wraps ctx.Err() or context.DeadlineExceeded), or,
// from Recommend, the profile has problems (Err is then its
// *ProfileError, see Recommend). The rules that refer to a clinician are
// evaluated first, all of them, whatever the context says, so their
// referrals are always known; the rules that give a safety-net message
// follow them the same way.
//
// Result holds what is safe to act on: the referrals the profile matched,
// the safety-net messages, the reviews the check-ins call for when no
// referral withholds advice (the progression rules with a review read the
// check-ins only, so a step rule that fails or a done context cannot hide
// them, and one that fails counts as calling for its review), every
// movement withheld, WithheldReason ending
// with IncompleteReason (after the usual reason when a matched referral
// withholds advice itself), Incomplete true, and a Trace of the referral
// and safety-net rules only. A caller that stops at err != nil finds the
// referrals, an emergency among them, with errors.As:
//
//	res, err := eng.Recommend(ctx, p)
//	var pe *recommend.PartialError
//	if errors.As(err, &pe) {
//		res = pe.Result // the referrals; the rest is withheld
//	}
//
// A referral rule that fails to evaluate is counted as matched, so that it
// errs toward a clinician, and is reported the same way. Load searches
// every condition for runtime errors, so a PartialError from a rule is
// rare; it is still handled, since the search cannot try every profile.
type PartialError struct {
	// Result holds the referrals, with the rest of the advice withheld.
	Result *Result
	// Err is why the rest could not be worked out.
	Err error
}

// Error returns the text of Err, with a note that the referrals were
// worked out.
func (e *PartialError) Error() string {
	const note = "only the referrals were worked out"
	if e.Err == nil {
		return "recommend: " + note
	}
	return e.Err.Error() + " (" + note + ")"
}

// Unwrap returns Err, so that errors.As finds an *EvalError and errors.Is
// finds context.Canceled or context.DeadlineExceeded.
func (e *PartialError) Unwrap() error { return e.Err }

// evaluationOrder sets the order the rules are evaluated in: the rules
// that refer first, so that a rule that fails or a context that is done
// cannot hide a referral, then the rules that give a safety-net message
// (firstRule), so that an incomplete Result still tells the person when
// to get help, then the rest, each in rule-set order.
func (e *Engine) evaluationOrder() {
	e.order = make([]int, 0, len(e.rules))
	add := func(keep func(ri int) bool) int {
		for ri := range e.rules {
			if keep(ri) {
				e.order = append(e.order, ri)
			}
		}
		return len(e.order)
	}
	refers := func(ri int) bool { return e.rules[ri].refer != nil }
	e.nRefer = add(refers)
	e.nFirst = add(func(ri int) bool { return !refers(ri) && e.firstRule(ri) })
	add(func(ri int) bool { return !e.firstRule(ri) })
}

// firstRule reports whether rule ri is evaluated first, whatever the
// context says, and kept in an incomplete Result: a rule that refers, or
// one that gives a safety-net message.
func (e *Engine) firstRule(ri int) bool {
	r := &e.rules[ri]
	return r.refer != nil || (r.say != nil && r.say.kind == MessageKindSafetyNet)
}

// evaluate runs every rule's condition and reports which matched, or the
// first failure (see evaluateInto).
func (e *Engine) evaluate(ctx context.Context, p *Profile) ([]bool, error) {
	matched := make([]bool, len(e.rules))
	if err := e.evaluateInto(ctx, p, matched); err != nil {
		return nil, err
	}
	return matched, nil
}

// evaluateInto runs the rules' conditions against p and writes which
// matched into matched, which has one element per rule.
//
// The referral rules run first, every one of them, whatever ctx says:
// Load bounds the cost of every condition (MaxRuleCost), and a done
// context must not hide an emergency. A referral rule that fails is marked
// matched, so that it errs toward a clinician. The safety-net rules follow
// them, the same way (evaluationOrder). Then, unless one of these rules
// failed, the other rules run, the context asked before each, and its
// deadline read against the clock before each condition that runs as CEL
// and at least every clockEvery rules (see deadlinePassed), so that a
// deadline that has passed stops the call even before the context's timer
// fires, and a call does not read the clock 100 times for 100 cheap
// checks of a field; a condition that loops runs
// with the context too, when it can be cancelled, so that cancelling stops
// a long comprehension part way.
//
// A nil error means every rule ran. Otherwise the error is the first
// failure (an *EvalError) or the context's error, wrapped, and only the
// flags of the referral and safety-net rules are complete: the caller must treat the
// rest of the advice as unknown (see PartialError).
func (e *Engine) evaluateInto(ctx context.Context, p *Profile, matched []bool) error {
	return e.evaluateUpTo(ctx, p, matched, len(e.order))
}

// evaluateUpTo is evaluateInto of the rules order[:n] only; n is
// len(e.order), or e.nFirst for the referral and safety-net rules alone
// (Triage).
func (e *Engine) evaluateUpTo(ctx context.Context, p *Profile, matched []bool, n int) error {
	// The CEL view of p is made only if a condition runs as CEL; the
	// program's reading of p, when the engine has a program, once per
	// call.
	var act *activation
	var failed error
	pr := e.prog
	var st *progState
	var bits []uint64
	if pr != nil {
		st = new(progState)
		bits = st.small[:min(pr.words, pr.small)]
		if pr.words > pr.small {
			b := pr.bigBits()
			defer pr.pool.Put(b)
			bits = *b
		}
		pr.read(p, st, bits)
	}
	for i := 0; i < e.nFirst; {
		if pr != nil {
			if pc := pr.start[i]; pc >= 0 {
				// The run of direct checks from i, in one go.
				n := int(pr.run[i])
				pr.exec(int(pc), i, n, p, st, bits, matched)
				i += n
				continue
			}
		} else if j := e.same[i]; j >= 0 {
			matched[e.order[i]] = matched[e.order[j]]
			i++
			continue
		} else if c := e.checks[i]; c != nil {
			matched[e.order[i]] = c(p)
			i++
			continue
		}
		ri := e.order[i]
		m, err := e.evalRule(context.Background(), ri, p, &act)
		if err != nil {
			m = true
			if failed == nil {
				failed = err
			}
		}
		matched[ri] = m
		i++
	}
	if failed != nil {
		return failed
	}
	deadline, hasDeadline := ctx.Deadline()
	// A context with no Done channel and no deadline, such as
	// context.Background(), is never done: it is not asked before each
	// rule, and a run of direct checks in the program goes in one go.
	never := ctx.Done() == nil && !hasDeadline
	for i := e.nFirst; i < n; {
		if !never {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("recommend: %w", err)
			}
			if hasDeadline && e.deadlinePassed(deadline, i) {
				return fmt.Errorf("recommend: %w", context.DeadlineExceeded)
			}
		}
		if pr != nil {
			if pc := pr.start[i]; pc >= 0 {
				n := 1
				if never {
					n = int(pr.run[i])
				}
				pr.exec(int(pc), i, n, p, st, bits, matched)
				i += n
				continue
			}
		} else if j := e.same[i]; j >= 0 {
			matched[e.order[i]] = matched[e.order[j]]
			i++
			continue
		} else if c := e.checks[i]; c != nil {
			matched[e.order[i]] = c(p)
			i++
			continue
		}
		ri := e.order[i]
		m, err := e.evalRule(ctx, ri, p, &act)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return fmt.Errorf("recommend: %w", cerr)
			}
			return err
		}
		matched[ri] = m
		i++
	}
	return nil
}

// evalRule runs the condition of rule ri against p. A condition with a
// comprehension runs with ctx when ctx can be cancelled; the others are
// bounded by the size of the expression, and skip that per-call setup.
// act is the CEL view of p, made on first use.
func (e *Engine) evalRule(ctx context.Context, ri int, p *Profile, act **activation) (bool, error) {
	r := &e.rules[ri]
	if r.direct != nil {
		return r.direct(p), nil
	}
	if *act == nil {
		*act = &activation{v: profileVal{newCELProfile(p)}}
	}
	var out ref.Val
	var err error
	if r.loops && ctx.Done() != nil {
		out, _, err = r.prg.ContextEval(ctx, *act)
	} else {
		out, _, err = r.prg.Eval(*act)
	}
	if err != nil {
		var cancelled interpreter.EvalCancelledError
		if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
			err = errCostLimit
		}
		return false, &EvalError{Rule: r.id, File: r.pos.File, Line: r.pos.Line, Err: err}
	}
	b, ok := out.(types.Bool)
	if !ok {
		err := fmt.Errorf("condition gave %s, not a bool", out.Type().TypeName())
		return false, &EvalError{Rule: r.id, File: r.pos.File, Line: r.pos.Line, Err: err}
	}
	return bool(b), nil
}

// partial turns the decision record d, whose referral and safety-net
// flags evaluateInto completed before it stopped, into the Result of a
// PartialError: the referrals and safety nets only, with every movement
// withheld.
func (e *Engine) partial(d *decisions, p *Profile) *Result {
	for _, ri := range e.order[e.nFirst:] {
		d.matched[ri] = false
	}
	d.incomplete = true
	e.resolveInto(d, p)
	// The trace lists the rules that were evaluated, those that refer
	// and the safety-net rules, since the Result is Incomplete.
	return e.build(d)
}

// failed is the Result of a PartialError of Recommend or NewExplainer,
// whose evaluation stopped with err (a rule that failed, or ctx done):
// partial's referrals and safety nets, and, when the profile has
// check-ins and no referral withholds advice (a referral that withholds
// leaves the programme out, as it does when nothing fails), the reviews
// the check-ins call for, which read the check-ins only. A review rule
// that fails counts as calling for its review; its failure is joined to
// err.
func (e *Engine) failed(d *decisions, p *Profile, err error) *PartialError {
	res := e.partial(d, p)
	withholds := func(r Referral) bool { return r.Withhold }
	if len(p.CheckIns) == 0 || slices.ContainsFunc(res.Referrals, withholds) ||
		slices.ContainsFunc(res.FoldedReferrals, func(f FoldedReferral) bool { return f.Withhold }) {
		return &PartialError{Result: res, Err: err}
	}
	refs, rerr := e.programmeReviews(p.CheckIns, p.PainLevel)
	var was, now *EvalError
	if errors.As(rerr, &now) && !(errors.As(err, &was) && was.Rule == now.Rule) {
		err = errors.Join(err, rerr)
	}
	res.Referrals = append(res.Referrals, refs...)
	sortReferrals(res.Referrals)
	return &PartialError{Result: res, Err: err}
}

// clockEvery is the most rules, after the referral and safety-net rules,
// that evaluateUpTo runs between two readings of the clock for a
// context's deadline. Reading it costs more than most conditions, which
// test a field or two of the profile; a condition that runs as CEL is
// read before whatever its place.
const clockEvery = 16

// deadlinePassed reports whether deadline has passed, read before the
// rule at order index i when that rule's condition runs as CEL or i is a
// multiple of clockEvery past the referral and safety-net rules (the
// first such rule among them); before the other rules it reports false
// without reading the clock.
func (e *Engine) deadlinePassed(deadline time.Time, i int) bool {
	if (i-e.nFirst)%clockEvery != 0 && !e.runsCEL(i) {
		return false
	}
	return !time.Now().Before(deadline)
}

// runsCEL reports whether evaluateUpTo runs the condition of the rule at
// order index i as a CEL program, and not as a check of the engine's
// program, a copy of an earlier rule's outcome or a direct check.
func (e *Engine) runsCEL(i int) bool {
	if e.prog != nil {
		if e.prog.start[i] >= 0 {
			return false
		}
	} else if e.same[i] >= 0 || e.checks[i] != nil {
		return false
	}
	return e.rules[e.order[i]].direct == nil
}
