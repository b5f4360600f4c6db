package recommend

// Clause coverage of a rule set's test cases, as cel-go's celtest reports
// it: each condition is evaluated for every case profile with its state
// tracked and without short circuits, and each bool sub-expression is
// recorded as seen true or seen false.

import (
	"context"
	"fmt"

	"github.com/backrules/backrules/internal/celast"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// ClauseCoverage is how well the case profiles exercise the conditions.
type ClauseCoverage struct {
	// Cases is the number of case profiles evaluated.
	Cases int `json:"cases"`
	// Clauses counts the bool sub-expressions of every condition, and
	// Covered those seen both true and false in some case.
	Clauses int `json:"clauses"`
	Covered int `json:"covered"`
	// Uncovered are the clauses not seen both ways, in rule order, then
	// in the order of the condition's text.
	Uncovered []Clause `json:"uncovered"`
}

// Clause is one bool sub-expression of a rule's condition.
type Clause struct {
	// Rule is the rule's id; File and Line where it is declared.
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
	// Text is the sub-expression as written in the condition, on one
	// line: the same text as a ClauseExplanation's for the same clause.
	Text string `json:"text"`
	// SeenTrue and SeenFalse say whether some case made it true, or
	// false.
	SeenTrue  bool `json:"seen_true"`
	SeenFalse bool `json:"seen_false"`
}

// clauseNode is a tracked clause of one condition.
type clauseNode struct {
	celast.Clause
	true, false bool
}

// clauseCoverage evaluates every condition, of asts (conditionASTs), for
// every case profile.
func (e *Engine) clauseCoverage(ctx context.Context, cases []Profile, asts []*ast.AST) (*ClauseCoverage, error) {
	env, err := sharedCELEnv()
	if err != nil {
		return nil, fmt.Errorf("analyze: create CEL environment: %w", err)
	}
	cov := &ClauseCoverage{Cases: len(cases), Uncovered: []Clause{}}
	acts := make([]*activation, len(cases))
	for i := range cases {
		acts[i] = &activation{v: profileVal{newCELProfile(&cases[i])}}
	}
	for ri, checked := range asts {
		r := &e.rules[ri]
		if checked == nil {
			continue
		}
		cs := celast.NewSource(checked, r.when).Clauses()
		if len(cs) == 0 {
			continue
		}
		nodes := make([]clauseNode, len(cs))
		for i, c := range cs {
			nodes[i].Clause = c
		}
		prg, err := env.PlanProgram(checked, cel.EvalOptions(cel.OptExhaustiveEval))
		if err != nil {
			return nil, fmt.Errorf("analyze: rule %q: %w", r.id, err)
		}
		for _, act := range acts {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("analyze: %w", err)
			}
			_, det, err := prg.Eval(act)
			if err != nil || det == nil {
				// A condition that fails for a case fails its Recommend
				// too; that case's test reports it.
				continue
			}
			st := det.State()
			for i := range nodes {
				n := &nodes[i]
				v, ok := st.Value(n.Expr.ID())
				if !ok {
					continue
				}
				switch v {
				case types.True:
					n.true = true
				case types.False:
					n.false = true
				}
			}
		}
		for _, n := range nodes {
			cov.Clauses++
			if n.true && n.false {
				cov.Covered++
				continue
			}
			cov.Uncovered = append(cov.Uncovered, Clause{
				Rule: r.id, File: r.pos.File, Line: r.pos.Line,
				Text: n.Text, SeenTrue: n.true, SeenFalse: n.false,
			})
		}
	}
	return cov, nil
}
