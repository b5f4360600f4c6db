package recommend

// Clause coverage of a rule set's test cases, as cel-go's celtest reports
// it: each condition is evaluated for every case profile with its state
// tracked and without short circuits, and each bool sub-expression is
// recorded as seen true or seen false.

import (
	"context"
	"fmt"
	"strings"

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
	// Expr is the sub-expression, as CEL prints it.
	Expr string `json:"expr"`
	// SeenTrue and SeenFalse say whether some case made it true, or
	// false.
	SeenTrue  bool `json:"seen_true"`
	SeenFalse bool `json:"seen_false"`
}

// clauseNode is a tracked sub-expression of one condition.
type clauseNode struct {
	id          int64
	offset      int32
	expr        string
	true, false bool
}

// clauses returns the sub-expressions of a checked condition that coverage
// tracks: those of type bool that are not constants, outside the bodies
// of comprehensions (whose state holds only the last iteration), in the
// order of the text.
func clauses(checked *cel.Ast, when string) []*clauseNode {
	src := []rune(when)
	native := checked.NativeRep()
	info := native.SourceInfo()
	root := ast.NavigateAST(native)
	var out []*clauseNode
	for _, n := range ast.MatchDescendants(root, func(n ast.NavigableExpr) bool {
		return n.Kind() != ast.LiteralKind && n.Type().Kind() == types.BoolKind
	}) {
		inLoop := false
		for p, ok := n.Parent(); ok; p, ok = p.Parent() {
			if p.Kind() == ast.ComprehensionKind {
				inLoop = true
				break
			}
		}
		if inLoop {
			continue
		}
		start, text := sourceText(n, info, src)
		out = append(out, &clauseNode{id: n.ID(), offset: start, expr: text})
	}
	// Sort by offset, keeping the walk's order for ties (a call and its
	// first operand share an offset only when the operand is the call's
	// start; the outer expression comes first).
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].offset < out[j-1].offset; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// clauseCoverage evaluates every condition for every case profile.
func (e *Engine) clauseCoverage(ctx context.Context, cases []Profile) (*ClauseCoverage, error) {
	env, err := sharedCELEnv()
	if err != nil {
		return nil, fmt.Errorf("analyze: create CEL environment: %w", err)
	}
	cov := &ClauseCoverage{Cases: len(cases), Uncovered: []Clause{}}
	acts := make([]*activation, len(cases))
	for i := range cases {
		acts[i] = &activation{v: profileVal{newCELProfile(&cases[i])}}
	}
	for ri := range e.rules {
		r := &e.rules[ri]
		if r.ast == nil {
			continue
		}
		nodes := clauses(r.ast, r.when)
		if len(nodes) == 0 {
			continue
		}
		prg, err := env.Program(r.ast, cel.EvalOptions(cel.OptExhaustiveEval))
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
			for _, n := range nodes {
				v, ok := st.Value(n.id)
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
				Expr: n.expr, SeenTrue: n.true, SeenFalse: n.false,
			})
		}
	}
	return cov, nil
}

// sourceText returns the text of n in the condition src, with each run of
// white space made one space, and the offset where it starts. CEL records
// where each node starts, and for most nodes where its first token stops:
// the text runs from the first character of any part of n to the end of
// its last token, widened to take in unbalanced brackets.
func sourceText(n ast.NavigableExpr, info *ast.SourceInfo, src []rune) (int32, string) {
	start, stop := -1, -1
	for _, d := range ast.MatchDescendants(n, func(ast.NavigableExpr) bool { return true }) {
		r, ok := info.GetOffsetRange(d.ID())
		if !ok {
			continue
		}
		end := int(r.Stop)
		if d.Kind() == ast.SelectKind {
			// The range of a field selection is its dot.
			end = max(end, int(r.Start)+1+len([]rune(d.AsSelect().FieldName())))
		}
		if start < 0 || int(r.Start) < start {
			start = int(r.Start)
		}
		stop = max(stop, end)
	}
	if start < 0 || stop > len(src) || start >= stop {
		return int32(max(start, 0)), fmt.Sprintf("(sub-expression %d)", n.ID())
	}
	start, stop = balance(src, start, stop)
	return int32(start), strings.Join(strings.Fields(string(src[start:stop])), " ")
}

// balance widens src[start:stop] to the left and right until its brackets
// outside string literals match, where src allows.
func balance(src []rune, start, stop int) (int, int) {
	open, unmatched := 0, 0 // open brackets left open; closers without an opener
	var quote rune
	for _, c := range src[start:stop] {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			open++
		case c == ')' || c == ']' || c == '}':
			if open > 0 {
				open--
			} else {
				unmatched++
			}
		}
	}
	for quote = 0; open > 0 && stop < len(src); stop++ {
		switch c := src[stop]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			open++
		case c == ')' || c == ']' || c == '}':
			open--
		}
	}
	for ; unmatched > 0 && start > 0; start-- {
		switch src[start-1] {
		case '(', '[', '{':
			unmatched--
		case ')', ']', '}':
			unmatched++
		}
	}
	return start, stop
}
