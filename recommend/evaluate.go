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
	"time"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
)

// ErrCostLimit is matched (through an *EvalError) when a condition's
// evaluation passed its runtime cost limit. Load rejects conditions whose
// estimated cost is over MaxRuleCost, and the estimate bounds the actual
// cost for every valid profile, so conditions run without cost tracking
// and Recommend does not return this error; it is kept for compatibility.
var ErrCostLimit = errors.New("condition over the runtime cost limit")

// EvalError reports a rule whose condition failed to evaluate. Recommend
// then returns no result at all: a skipped avoid rule could let a harmful
// movement through.
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

// PartialError is returned, with a nil *Result, when Recommend could
// evaluate every referral rule but not the rest: a rule without a referral
// failed (Err is then its *EvalError), or ctx was done or past its
// deadline (Err then wraps ctx.Err() or context.DeadlineExceeded).
//
// Result holds what is safe to act on: the referrals the profile matched,
// with every movement withheld, WithheldReason set to IncompleteReason
// (unless a matched referral withholds advice itself) and Incomplete
// true. A caller that stops at err != nil finds the referrals, an
// emergency among them, with errors.As:
//
//	res, err := eng.Recommend(ctx, p)
//	var pe *recommend.PartialError
//	if errors.As(err, &pe) {
//		res = pe.Result // the referrals; the rest is withheld
//	}
//
// A referral rule that fails to evaluate is counted as matched, so that it
// errs toward a clinician, and is reported the same way.
type PartialError struct {
	// Result holds the referrals, with the rest of the advice withheld.
	Result *Result
	// Err is why the rest could not be worked out.
	Err error
}

// Error returns the text of Err, with a note that the referrals stand.
func (e *PartialError) Error() string {
	if e.Err == nil {
		return "recommend: only the referrals could be worked out"
	}
	return "recommend: only the referrals could be worked out: " + e.Err.Error()
}

// Unwrap returns Err, so that errors.As finds an *EvalError and errors.Is
// finds context.Canceled or context.DeadlineExceeded.
func (e *PartialError) Unwrap() error { return e.Err }

// evaluate runs every rule's condition and reports which matched.
//
// The context is checked before each rule, its deadline against the clock
// (see ctxDone). A condition that loops runs with the context too, when it
// can be cancelled, so that cancelling stops a long comprehension part way;
// conditions without loops are bounded by the size of the expression, and
// skip that per-call setup.
func (e *Engine) evaluate(ctx context.Context, p *Profile) ([]bool, error) {
	matched := make([]bool, len(e.rules))
	if err := e.evaluateInto(ctx, p, matched); err != nil {
		return nil, err
	}
	return matched, nil
}

// evaluateInto is evaluate with the flags written into matched, which has
// one element per rule.
func (e *Engine) evaluateInto(ctx context.Context, p *Profile, matched []bool) error {
	// The CEL view of p is made only if a condition runs as CEL.
	var act *activation
	cancellable := ctx.Done() != nil
	deadline, hasDeadline := ctx.Deadline()
	for i := range e.rules {
		if err := ctxDone(ctx, deadline, hasDeadline); err != nil {
			return err
		}
		r := &e.rules[i]
		if r.direct != nil {
			matched[i] = r.direct(p)
			continue
		}
		if act == nil {
			act = &activation{v: profileVal{newCELProfile(p)}}
		}
		var out ref.Val
		var err error
		if r.loops && cancellable {
			out, _, err = r.prg.ContextEval(ctx, act)
		} else {
			out, _, err = r.prg.Eval(act)
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return fmt.Errorf("recommend: %w", cerr)
			}
			var cancelled interpreter.EvalCancelledError
			if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
				err = ErrCostLimit
			}
			return &EvalError{Rule: r.id, File: r.pos.File, Line: r.pos.Line, Err: err}
		}
		b, ok := out.(types.Bool)
		if !ok {
			err := fmt.Errorf("condition gave %s, not a bool", out.Type().TypeName())
			return &EvalError{Rule: r.id, File: r.pos.File, Line: r.pos.Line, Err: err}
		}
		matched[i] = bool(b)
	}
	return nil
}

// ctxDone returns the reason to stop, wrapped, when ctx is done or its
// deadline has passed. A context's Err changes only once its timer fires,
// which can be well after the deadline; comparing the deadline with the
// clock honours it on time.
func ctxDone(ctx context.Context, deadline time.Time, hasDeadline bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("recommend: %w", err)
	}
	if hasDeadline && !time.Now().Before(deadline) {
		return fmt.Errorf("recommend: %w", context.DeadlineExceeded)
	}
	return nil
}

// Recommend evaluates every rule against p and returns the advice, resolved
// by the safety policy described in the package documentation.
//
// Recommend first checks ctx, then validates p, and returns a *ProfileError
// if it is invalid. If any rule fails to evaluate it returns an *EvalError
// naming the rule and no result.
//
// If ctx is done, or its deadline has passed, when Recommend starts or
// before any rule is evaluated, Recommend returns no result and an error
// wrapping ctx.Err(), or context.DeadlineExceeded for a deadline that has
// passed even if the context's timer has not fired yet: an expired deadline
// is honoured however short it was. A cancelled context also stops a
// condition inside a comprehension.
//
// A nil ctx or a nil *Engine is an error, not a panic.
func (e *Engine) Recommend(ctx context.Context, p Profile) (*Result, error) {
	switch {
	case e == nil:
		return nil, errNilEngine
	case ctx == nil:
		return nil, errors.New("recommend: nil context: pass context.Background() or a request's context")
	}
	deadline, hasDeadline := ctx.Deadline()
	if err := ctxDone(ctx, deadline, hasDeadline); err != nil {
		return nil, err
	}
	if err := e.Validate(p); err != nil {
		return nil, err
	}
	d := e.getDecisions()
	defer e.putDecisions(d)
	if err := e.evaluateInto(ctx, &p, d.matched); err != nil {
		return nil, err
	}
	e.resolveInto(d, &p)
	return e.build(d), nil
}
