// Package celast reads the checked CEL conditions of a rule set: whether a
// node reads a profile field, holds a string, bool or number literal, or
// compares a field with a literal; the clauses of a condition; and the
// source text of any sub-expression, as written. It is the one home of
// these readings, used by the engine's direct checks, its AST validator,
// its explanations and its analysis, so that they agree on what a clause
// is and how it is printed.
//
// Its functions take the nodes of cel-go's common/ast and never fail: a
// node of another shape gives ok false. It is modelled on cel-go's
// common/ast/navigable.go.
package celast

import (
	"math"
	"slices"

	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// Profile is the name of the variable a condition reads the profile
// through.
const Profile = "profile"

// Field returns F when e reads a profile field, profile.F (but not when
// it tests the field's presence, has(profile.F)).
func Field(e ast.Expr) (string, bool) {
	if e.Kind() != ast.SelectKind {
		return "", false
	}
	sel := e.AsSelect()
	if sel.IsTestOnly() || !IsIdent(sel.Operand(), Profile) {
		return "", false
	}
	return sel.FieldName(), true
}

// IsIdent reports whether e is the identifier name.
func IsIdent(e ast.Expr, name string) bool {
	return e.Kind() == ast.IdentKind && e.AsIdent() == name
}

// String returns the value of a string literal.
func String(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// Bool returns the value of a bool literal.
func Bool(e ast.Expr) (bool, bool) {
	if e.Kind() != ast.LiteralKind {
		return false, false
	}
	b, ok := e.AsLiteral().(types.Bool)
	return bool(b), ok
}

// Number returns the value of an int, uint or double literal as a
// float64, when it is finite. An int or uint of more than 2^53 in
// magnitude is rounded; read e.AsLiteral() when that matters.
func Number(e ast.Expr) (float64, bool) {
	if e.Kind() != ast.LiteralKind {
		return 0, false
	}
	var v float64
	switch x := e.AsLiteral().(type) {
	case types.Int:
		v = float64(x)
	case types.Uint:
		v = float64(x)
	case types.Double:
		v = float64(x)
	default:
		return 0, false
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// Strings returns the strings of a list literal of string literals, such
// as ['a', 'b'], with no optional elements.
func Strings(e ast.Expr) ([]string, bool) {
	if e.Kind() != ast.ListKind {
		return nil, false
	}
	list := e.AsList()
	if len(list.OptionalIndices()) > 0 {
		return nil, false
	}
	out := make([]string, 0, list.Size())
	for _, el := range list.Elements() {
		s, ok := String(el)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// Call returns the function name and the arguments of a global function
// call (an operator, or a function such as size(x)), or ok false for
// another node or a member call such as x.size().
func Call(e ast.Expr) (fn string, args []ast.Expr, ok bool) {
	if e.Kind() != ast.CallKind {
		return "", nil, false
	}
	call := e.AsCall()
	if call.IsMemberFunction() {
		return "", nil, false
	}
	return call.FunctionName(), call.Args(), true
}

// Comparison is an expression compared with a literal: Side Op Literal.
type Comparison struct {
	// Op is the comparison operator (operators.Less, ...), turned round
	// when the literal was written first: 7 <= profile.pain_level gives
	// profile.pain_level >= 7.
	Op string
	// Side is the operand that is not the literal, and Literal the
	// literal.
	Side, Literal ast.Expr
}

// Compare reads e as a comparison (<, <=, >, >=, == or !=) of an
// expression with a literal, the literal on either side. When both
// operands are literals, Side is the first.
func Compare(e ast.Expr) (Comparison, bool) {
	fn, args, ok := Call(e)
	if !ok || len(args) != 2 || Mirror(fn) == "" {
		return Comparison{}, false
	}
	switch {
	case args[1].Kind() == ast.LiteralKind:
		return Comparison{Op: fn, Side: args[0], Literal: args[1]}, true
	case args[0].Kind() == ast.LiteralKind:
		return Comparison{Op: Mirror(fn), Side: args[1], Literal: args[0]}, true
	}
	return Comparison{}, false
}

// Mirror returns the comparison operator that compares the other way
// round (a < b is b > a), or "" when op is not a comparison.
func Mirror(op string) string {
	switch op {
	case operators.Less:
		return operators.Greater
	case operators.LessEquals:
		return operators.GreaterEquals
	case operators.Greater:
		return operators.Less
	case operators.GreaterEquals:
		return operators.LessEquals
	case operators.Equals, operators.NotEquals:
		return op
	}
	return ""
}

// ExistsIn reads e as profile.F.exists(v, v in ['x', 'y', ...]), as
// cel-go's exists macro expands it (the result starts false, each step is
// result || (v in [...]), the loop runs while the result is not true, and
// the loop gives the result), and returns F and the strings.
func ExistsIn(e ast.Expr) (field string, values []string, ok bool) {
	if e.Kind() != ast.ComprehensionKind {
		return "", nil, false
	}
	c := e.AsComprehension()
	field, ok = Field(c.IterRange())
	if !ok || c.HasIterVar2() {
		return "", nil, false
	}
	accu, v := c.AccuVar(), c.IterVar()
	if init, ok := Bool(c.AccuInit()); !ok || init || !IsIdent(c.Result(), accu) {
		return "", nil, false
	}
	// The loop condition: @not_strictly_false(!@result).
	fn, args, ok := Call(c.LoopCondition())
	if !ok || fn != operators.NotStrictlyFalse || len(args) != 1 {
		return "", nil, false
	}
	if fn, args, ok := Call(args[0]); !ok || fn != operators.LogicalNot || len(args) != 1 || !IsIdent(args[0], accu) {
		return "", nil, false
	}
	// The step: @result || v in [literals].
	fn, args, ok = Call(c.LoopStep())
	if !ok || fn != operators.LogicalOr || len(args) != 2 || !IsIdent(args[0], accu) {
		return "", nil, false
	}
	fn, args, ok = Call(args[1])
	if !ok || fn != operators.In || len(args) != 2 || !IsIdent(args[0], v) {
		return "", nil, false
	}
	values, ok = Strings(args[1])
	if !ok {
		return "", nil, false
	}
	return field, values, true
}

// ComparedLiterals calls visit for every literal a checked condition
// compares with a profile field, with the field's name:
//
//	'x' in profile.F
//	profile.F == 'x', 'x' == profile.F, and the same with !=
//	profile.F == ['x', 'y'], for a list field (each element), either
//	way round, and the same with !=
//	profile.F in ['x', 'y']             (each element)
//	the same three with an element of a list field, profile.F[i], in
//	place of profile.F: profile.F[i] == 'x', profile.F[i] in ['x']
//	inside a comprehension over profile.F, with v its variable:
//	v == 'x', 'x' == v, v != 'x', v in ['x', 'y'] (each element)
//	a comprehension over a list, with v its variable, that holds
//	v in profile.F, v == profile.F or v != profile.F: each element of
//	the list, as in ['x', 'y'].exists(v, v in profile.F)
//
// The first three forms are visited in the order of the AST, then those
// inside comprehensions. What is visited may be a literal of any type, or
// an element of a list that is not a literal at all: the caller judges
// it, for example with String.
func ComparedLiterals(a *ast.AST, visit func(field string, lit ast.Expr)) {
	visitAll := func(field string, e ast.Expr) {
		if e.Kind() == ast.ListKind {
			for _, el := range e.AsList().Elements() {
				visit(field, el)
			}
			return
		}
		visit(field, e)
	}
	root := a.Expr()
	for _, n := range Matches(root, ast.CallKind) {
		call := n.AsCall()
		args := call.Args()
		if len(args) != 2 {
			continue
		}
		switch call.FunctionName() {
		case operators.In:
			if f, ok := Field(args[1]); ok {
				visit(f, args[0])
			}
			if f, ok := fieldOrElement(args[0]); ok {
				visitAll(f, args[1])
			}
		case operators.Equals, operators.NotEquals:
			if f, ok := fieldOrElement(args[0]); ok {
				visitAll(f, args[1])
			} else if f, ok := fieldOrElement(args[1]); ok {
				visitAll(f, args[0])
			}
		}
	}
	for _, n := range Matches(root, ast.ComprehensionKind) {
		comp := n.AsComprehension()
		f, ok := Field(comp.IterRange())
		if !ok {
			if comp.IterRange().Kind() == ast.ListKind {
				listCompared(comp, visitAll)
			}
			continue
		}
		iter := comp.IterVar()
		for _, m := range Matches(comp.LoopStep(), ast.CallKind) {
			call := m.AsCall()
			args := call.Args()
			if len(args) != 2 {
				continue
			}
			switch call.FunctionName() {
			case operators.Equals, operators.NotEquals:
				if IsIdent(args[0], iter) {
					visit(f, args[1])
				} else if IsIdent(args[1], iter) {
					visit(f, args[0])
				}
			case operators.In:
				if IsIdent(args[0], iter) {
					visitAll(f, args[1])
				}
			}
		}
	}
}

// fieldOrElement returns the name of the profile field e reads, as Field
// does, or of the list field whose element e reads by index, as in
// profile.conditions[0]: an element is compared with a vocabulary id just
// as the field's comprehension variable is.
func fieldOrElement(e ast.Expr) (string, bool) {
	if f, ok := Field(e); ok {
		return f, true
	}
	if e.Kind() != ast.CallKind {
		return "", false
	}
	call := e.AsCall()
	if fn := call.FunctionName(); (fn != operators.Index && fn != operators.OptIndex) || len(call.Args()) != 2 {
		return "", false
	}
	return Field(call.Args()[0])
}

// listCompared visits, through visitAll, the elements of the list a
// comprehension ranges over when its variable is looked up in or
// compared with a profile field: ['x', 'y'].exists(v, v in profile.F),
// and v == profile.F or profile.F == v for a choice.
func listCompared(comp ast.ComprehensionExpr, visitAll func(field string, e ast.Expr)) {
	iter := comp.IterVar()
	for _, m := range Matches(comp.LoopStep(), ast.CallKind) {
		args := m.AsCall().Args()
		if len(args) != 2 {
			continue
		}
		switch m.AsCall().FunctionName() {
		case operators.In:
			if f, ok := Field(args[1]); ok && IsIdent(args[0], iter) {
				visitAll(f, comp.IterRange())
				return
			}
		case operators.Equals, operators.NotEquals:
			for i, a := range args {
				if f, ok := Field(a); ok && IsIdent(args[1-i], iter) {
					visitAll(f, comp.IterRange())
					return
				}
			}
		}
	}
}

// Literals returns the literals of a checked condition, in the order of
// the AST.
func Literals(a *ast.AST) []ast.Expr {
	return Matches(a.Expr(), ast.LiteralKind)
}

// FieldsRead returns the names of the profile fields a checked condition
// reads or tests the presence of, sorted.
func FieldsRead(a *ast.AST) []string {
	var out []string
	for _, n := range Matches(a.Expr(), ast.SelectKind) {
		sel := n.AsSelect()
		if IsIdent(sel.Operand(), Profile) && !slices.Contains(out, sel.FieldName()) {
			out = append(out, sel.FieldName())
		}
	}
	slices.Sort(out)
	return out
}

// SizedFields returns the names of the profile fields whose size a
// checked condition takes, size(profile.f) or profile.f.size(), sorted.
func SizedFields(a *ast.AST) []string {
	var out []string
	for _, n := range Matches(a.Expr(), ast.CallKind) {
		call := n.AsCall()
		if call.FunctionName() != "size" {
			continue
		}
		var arg ast.Expr
		switch {
		case call.IsMemberFunction() && len(call.Args()) == 0:
			arg = call.Target()
		case !call.IsMemberFunction() && len(call.Args()) == 1:
			arg = call.Args()[0]
		default:
			continue
		}
		if f, ok := Field(arg); ok && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// HasComprehension reports whether a checked condition loops: it holds a
// comprehension (exists, all, filter, map, ...).
func HasComprehension(a *ast.AST) bool {
	return len(Matches(a.Expr(), ast.ComprehensionKind)) > 0
}

// Matches returns the nodes of kind k among e and its descendants, in the
// order of cel-go's ast.MatchDescendants (post-order), without making the
// navigable nodes it makes: a condition is read this way several times
// as it loads.
func Matches(e ast.Expr, k ast.ExprKind) []ast.Expr {
	var out []ast.Expr
	ast.PostOrderVisit(e, ast.NewExprVisitor(func(n ast.Expr) {
		if n.Kind() == k {
			out = append(out, n)
		}
	}))
	return out
}
