package celast

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// Source is a checked condition with the text it was compiled from, for
// reading its sub-expressions back as written.
type Source struct {
	a   *ast.AST
	src []rune
}

// NewSource returns the Source of a, checked from text.
func NewSource(a *ast.AST, text string) Source {
	return Source{a: a, src: []rune(text)}
}

// Clause is a sub-expression of a condition as the engine shows it: its
// node, where it starts in the condition's text (in runes), and its text
// on one line.
type Clause struct {
	// Expr is the sub-expression's node; its ID keys the evaluation
	// state.
	Expr ast.Expr
	// Offset is where its text starts in the condition, in runes.
	Offset int
	// Text is the sub-expression as written, each run of white space
	// made one space.
	Text string
}

// Clause returns the clause of e, a node of s's condition.
func (s Source) Clause(e ast.Expr) Clause {
	start, stop := s.span(e)
	if start < 0 {
		return Clause{Expr: e, Offset: 0, Text: fmt.Sprintf("(sub-expression %d)", e.ID())}
	}
	return Clause{Expr: e, Offset: start, Text: strings.Join(strings.Fields(string(s.src[start:stop])), " ")}
}

// Text returns the text of e, a node of s's condition, on one line: the
// Text of its Clause.
func (s Source) Text(e ast.Expr) string { return s.Clause(e).Text }

// Clauses returns the clauses of the condition that coverage tracks:
// every sub-expression of type bool that is not a literal, outside the
// bodies of comprehensions (whose evaluation state holds only the last
// iteration), in the order of the text; clauses that start at the same
// place keep the order of cel-go's MatchDescendants, inner first.
func (s Source) Clauses() []Clause {
	var out []Clause
	root := ast.NavigateAST(s.a)
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
		if !inLoop {
			out = append(out, s.Clause(n))
		}
	}
	// A stable insertion sort by offset keeps the walk's order for ties.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Offset < out[j-1].Offset; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// span returns where the text of e starts and stops in the condition, or
// -1, -1 when the AST records no place for it. CEL records where each
// node starts and, for most nodes, where its first token stops (for a
// field selection, its dot; for a call, its operator or name). The span
// runs from the first character of any node of e to the last, widened to
// whole names at both ends and to brackets that match outside string
// literals.
func (s Source) span(e ast.Expr) (int, int) {
	info := s.a.SourceInfo()
	start, stop := -1, -1
	ast.PreOrderVisit(e, ast.NewExprVisitor(func(n ast.Expr) {
		r, ok := info.GetOffsetRange(n.ID())
		if !ok || r.Start >= r.Stop {
			return
		}
		if start < 0 || int(r.Start) < start {
			start = int(r.Start)
		}
		stop = max(stop, int(r.Stop))
	}))
	src := s.src
	if start < 0 || stop > len(src) || start >= stop {
		return -1, -1
	}
	// Whole names: a field name after its dot, a function name before its
	// parenthesis.
	for stop < len(src) && isNameRune(src[stop]) {
		stop++
	}
	for start > 0 && isNameRune(src[start-1]) {
		start--
	}
	return balance(src, start, stop)
}

func isNameRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// brackets follows the brackets of a condition's text outside its
// string literals, one character at a time.
type brackets struct {
	open, unmatched int  // open brackets left open; closers without an opener
	quote           rune // the quote of the string literal the scan is in, or 0
}

// scan takes in c and reports whether the next character is escaped
// inside a string literal, and must be skipped.
func (b *brackets) scan(c rune) (skip bool) {
	switch {
	case b.quote != 0:
		if c == '\\' {
			return true
		}
		if c == b.quote {
			b.quote = 0
		}
	case c == '\'' || c == '"':
		b.quote = c
	case c == '(' || c == '[' || c == '{':
		b.open++
	case c == ')' || c == ']' || c == '}':
		if b.open > 0 {
			b.open--
		} else {
			b.unmatched++
		}
	}
	return false
}

// balance widens src[start:stop] to the right and left until its brackets
// outside string literals match, where src allows.
func balance(src []rune, start, stop int) (int, int) {
	var b brackets
	for i := start; i < stop; i++ {
		if b.scan(src[i]) {
			i++
		}
	}
	for ; (b.open > 0 || b.quote != 0) && stop < len(src); stop++ {
		if b.scan(src[stop]) {
			stop++
		}
	}
	stop = min(stop, len(src))
	for unmatched := b.unmatched; unmatched > 0 && start > 0; start-- {
		switch src[start-1] {
		case '(', '[', '{':
			unmatched--
		case ')', ']', '}':
			unmatched++
		}
	}
	return start, stop
}
