package recommend

// What an Engine keeps of a compiled condition for the tools that read it
// again after Load: its text, not its checked AST. Recommend needs no AST
// (a condition runs as its direct check or its program), and every cycle
// of the garbage collector marks what the engine keeps alive, for every
// call in the process: the checked ASTs were a third of the default
// engine's objects. The Explainer and Analyze get the AST again by
// compiling the text the way Load did, which is deterministic and
// succeeded at Load.

import (
	"sync"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
)

// condSource is one compiled condition as the engine keeps it: its text
// and what is needed to check it again. Rules with the same condition
// share it. It is safe for concurrent use once Load has returned.
type condSource struct {
	// env is the environment the condition was compiled in, with the
	// vocabulary validator of the engine.
	env   *cel.Env
	vocab *[numVocabFields]vocabulary
	when  string
	loops bool
	// ast is the checked AST while the rule set loads, for the load-time
	// checks and proofs that read it; compile drops it (release) before
	// the engine is returned, and checked compiles the text again after.
	ast *ast.AST
	// once guards pl, the condition's explanation plan (explain_why.go),
	// made on the first explanation that needs it.
	once sync.Once
	pl   *whyPlan
}

// newCondSource returns the condSource of a condition compiled in env,
// checked as checked.
func newCondSource(env *cel.Env, vocab *[numVocabFields]vocabulary, checked *ast.AST, when string, loops bool) *condSource {
	return &condSource{env: env, vocab: vocab, when: when, loops: loops, ast: checked}
}

// release drops the checked AST kept for the load; see checked.
func (s *condSource) release() {
	if s != nil {
		s.ast = nil
	}
}

// checked returns the condition's checked AST: the one Load made, while
// it loads, and afterwards the same AST compiled again the way Load
// compiled it (the fast path when it takes the condition without a
// vocabulary problem, else cel-go), which is deterministic: the same
// text, environment and vocabulary give the same nodes and ids. Each call
// after Load compiles anew and keeps nothing. It returns nil only if the
// condition no longer compiles, which cannot happen to a condition Load
// accepted.
func (s *condSource) checked() *ast.AST {
	if s == nil {
		return nil
	}
	if s.ast != nil {
		return s.ast
	}
	fast, compiled, iss := compileWhen(s.env, s.vocab, s.when)
	switch {
	case fast != nil:
		return fast
	case iss != nil && iss.Err() != nil:
		return nil
	}
	return compiled.NativeRep()
}

// plan returns the condition's explanation plan for engine e, made on
// first use from the AST checked returns and shared by every Explainer of
// the engine: with the program that runs the condition with its state
// tracked when the walk needs CEL's values (some value it reads has no
// direct check). If the AST could not be made (see checked), the plan has
// no tracked program and no direct values, and an explanation gives the
// whole condition with Recommend's value.
func (s *condSource) plan(e *Engine) *whyPlan {
	s.once.Do(func() {
		a := s.checked()
		if a == nil {
			s.pl = &whyPlan{}
			return
		}
		pl := newWhyPlan(e, a, s.when)
		if !pl.direct {
			pl.tracked, _ = s.env.PlanProgram(a, trackedOptions(s.loops)...)
		}
		s.pl = pl
	})
	return s.pl
}

// checked returns the checked AST of r's condition (see
// condSource.checked), or nil for a rule whose condition did not compile.
func (r *rule) checked() *ast.AST { return r.why.checked() }

// conditionASTs returns each rule's checked condition (rule.checked), by
// rule index, nil for a rule whose condition did not compile: for a pass
// that reads them all (Analyze, and the profile space Load explores),
// each compiled once, not once for each reading.
func (e *Engine) conditionASTs() []*ast.AST {
	out := make([]*ast.AST, len(e.rules))
	for ri := range e.rules {
		out[ri] = e.rules[ri].checked()
	}
	return out
}
