package recommend

// Stage 3, evaluate: one profile in, the set of matched rules out. The
// profile is converted to CEL values once per call; each rule's compiled
// program then runs against the same activation, and no strings are built
// unless a rule fails.

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/interpreter"
)

// ErrCostLimit is matched (through an *EvalError) when a condition's
// evaluation passed the runtime cost limit, MaxRuleCost. Load rejects
// conditions whose estimated cost is over that budget, so this only
// happens if the estimate was wrong: it is a second line of defence.
var ErrCostLimit = errors.New("condition over the runtime cost limit")

// EvalError reports a rule whose condition failed to evaluate. Recommend
// then returns no result at all: a skipped avoid rule could let a harmful
// movement through.
type EvalError struct {
	// Rule is the id of the rule that failed.
	Rule string
	// Err is the underlying error.
	Err error
}

func (e *EvalError) Error() string {
	return fmt.Sprintf("evaluate rule %q: %v", e.Rule, e.Err)
}

// Unwrap returns the underlying error.
func (e *EvalError) Unwrap() error { return e.Err }

// evaluate runs every rule's condition and reports which matched.
//
// The context is checked before each rule. A condition that loops runs
// with the context too, when it can be cancelled, so that cancelling stops
// a long comprehension part way; conditions without loops are bounded by
// the size of the expression, and skip that per-call setup.
func (e *Engine) evaluate(ctx context.Context, p *Profile) ([]bool, error) {
	act := &activation{v: profileVal{newCELProfile(p)}}
	matched := make([]bool, len(e.rules))
	cancellable := ctx.Done() != nil
	for i := range e.rules {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("recommend: %w", err)
		}
		r := &e.rules[i]
		var out ref.Val
		var err error
		if r.loops && cancellable {
			out, _, err = r.prg.ContextEval(ctx, act)
		} else {
			out, _, err = r.prg.Eval(act)
		}
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return nil, fmt.Errorf("recommend: %w", cerr)
			}
			var cancelled interpreter.EvalCancelledError
			if errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded {
				err = ErrCostLimit
			}
			return nil, &EvalError{Rule: r.id, Err: err}
		}
		b, ok := out.(types.Bool)
		if !ok {
			return nil, &EvalError{Rule: r.id, Err: fmt.Errorf("condition gave %s, not a bool", out.Type().TypeName())}
		}
		matched[i] = bool(b)
	}
	return matched, nil
}

// Recommend evaluates every rule against p and returns the advice, resolved
// by the safety policy described in the package documentation.
//
// Recommend first validates p, and returns a *ProfileError if it is
// invalid. If any rule fails to evaluate it returns an *EvalError naming the
// rule and no result. If ctx is done it returns ctx.Err(), wrapped.
func (e *Engine) Recommend(ctx context.Context, p Profile) (*Result, error) {
	if err := e.Validate(p); err != nil {
		return nil, err
	}
	matched, err := e.evaluate(ctx, &p)
	if err != nil {
		return nil, err
	}
	return e.resolve(&p, matched), nil
}
