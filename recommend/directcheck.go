package recommend

// Direct checks: the common shapes of a when condition, compiled at load to
// plain Go that reads the Profile itself, so that Recommend runs no CEL
// program for them. A condition of any other shape runs as CEL. The shapes:
//
//	'x' in profile.F
//	profile.F.exists(v, v in ['x', 'y', ...])
//	profile.N op literal, literal op profile.N    (op: < <= > >= == !=)
//	profile.C == 'x', 'x' == profile.C, and the same with !=
//	profile.C in ['x', 'y', ...]
//	i op j, where i and j are int sums (+, -) of int literals, int fields
//	and conditionals (c ? i : j) whose condition is a direct check
//	true, false
//	a && b, a || b, !a, (a), of the above
//
// where F is a list field, N a number field and C a choice field. None of them can fail, so
// Go's short-circuit && and || give CEL's result, whose commutative
// handling of errors never comes into play. TestDirectChecksMatchCEL
// proves the two equal over generated conditions and profiles.

import (
	"math"
	"slices"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// directCheck is a condition compiled to Go.
type directCheck func(p *Profile) bool

// maxDirectLiterals is the most strings an exists over a list literal may
// name for a direct check; longer lists run as CEL.
const maxDirectLiterals = 64

// directCondition returns the direct check of a checked condition, or nil
// when the condition has another shape.
func directCondition(checked *cel.Ast) directCheck {
	if checked == nil {
		return nil
	}
	return direct(checked.NativeRep().Expr())
}

func direct(e ast.Expr) directCheck {
	switch e.Kind() {
	case ast.LiteralKind:
		if b, ok := e.AsLiteral().(types.Bool); ok {
			v := bool(b)
			return func(*Profile) bool { return v }
		}
	case ast.ComprehensionKind:
		return directExists(e.AsComprehension())
	case ast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() {
			return nil
		}
		args := call.Args()
		switch fn := call.FunctionName(); fn {
		case operators.LogicalNot:
			if len(args) != 1 {
				return nil
			}
			if a := direct(args[0]); a != nil {
				return func(p *Profile) bool { return !a(p) }
			}
		case operators.LogicalAnd, operators.LogicalOr:
			if len(args) != 2 {
				return nil
			}
			a, b := direct(args[0]), direct(args[1])
			if a == nil || b == nil {
				return nil
			}
			if fn == operators.LogicalAnd {
				return func(p *Profile) bool { return a(p) && b(p) }
			}
			return func(p *Profile) bool { return a(p) || b(p) }
		case operators.In:
			if len(args) != 2 {
				return nil
			}
			if c := directChoiceIn(args[0], args[1]); c != nil {
				return c
			}
			s, ok := stringLiteral(args[0])
			f := profileField(args[1])
			if !ok || f < 0 || f >= len(listFields) {
				return nil
			}
			get := listFields[f].get
			return func(p *Profile) bool { return slices.Contains(get(p), s) }
		case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals,
			operators.Equals, operators.NotEquals:
			if len(args) != 2 {
				return nil
			}
			if c := directCompare(fn, args[0], args[1]); c != nil {
				return c
			}
			if c := directChoiceCompare(fn, args[0], args[1]); c != nil {
				return c
			}
			return directIntCompare(fn, args[0], args[1])
		}
	}
	return nil
}

// profileField returns the index of the field e reads, profile.F, in
// listFields, or len(listFields) plus its index in numberFields; or -1.
func profileField(e ast.Expr) int {
	if e.Kind() != ast.SelectKind {
		return -1
	}
	sel := e.AsSelect()
	if sel.IsTestOnly() || sel.Operand().Kind() != ast.IdentKind || sel.Operand().AsIdent() != "profile" {
		return -1
	}
	if i := listFieldIndex(sel.FieldName()); i >= 0 {
		return i
	}
	for i, f := range numberFields {
		if f.name == sel.FieldName() {
			return len(listFields) + i
		}
	}
	return -1
}

func stringLiteral(e ast.Expr) (string, bool) {
	if e.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

// directExists compiles profile.F.exists(v, v in ['x', ...]), as the
// exists macro expands it: @result starts false, each step is
// @result || (v in [...]), the loop runs while @result is not true, and
// the result is @result.
func directExists(c ast.ComprehensionExpr) directCheck {
	f := profileField(c.IterRange())
	if f < 0 || f >= len(listFields) || c.HasIterVar2() {
		return nil
	}
	accu, v := c.AccuVar(), c.IterVar()
	if !isIdent(c.Result(), accu) || !isBoolLiteral(c.AccuInit(), false) {
		return nil
	}
	// The loop condition: @not_strictly_false(!@result).
	cond := c.LoopCondition()
	if cond.Kind() != ast.CallKind || cond.AsCall().FunctionName() != operators.NotStrictlyFalse ||
		len(cond.AsCall().Args()) != 1 {
		return nil
	}
	not := cond.AsCall().Args()[0]
	if not.Kind() != ast.CallKind || not.AsCall().FunctionName() != operators.LogicalNot ||
		len(not.AsCall().Args()) != 1 || !isIdent(not.AsCall().Args()[0], accu) {
		return nil
	}
	// The step: @result || v in [literals].
	step := c.LoopStep()
	if step.Kind() != ast.CallKind || step.AsCall().FunctionName() != operators.LogicalOr ||
		len(step.AsCall().Args()) != 2 || !isIdent(step.AsCall().Args()[0], accu) {
		return nil
	}
	in := step.AsCall().Args()[1]
	if in.Kind() != ast.CallKind || in.AsCall().FunctionName() != operators.In || len(in.AsCall().Args()) != 2 ||
		!isIdent(in.AsCall().Args()[0], v) || in.AsCall().Args()[1].Kind() != ast.ListKind {
		return nil
	}
	list := in.AsCall().Args()[1].AsList()
	if len(list.OptionalIndices()) > 0 || list.Size() > maxDirectLiterals {
		return nil
	}
	set := make([]string, 0, list.Size())
	for _, el := range list.Elements() {
		s, ok := stringLiteral(el)
		if !ok {
			return nil
		}
		set = append(set, s)
	}
	get := listFields[f].get
	return func(p *Profile) bool {
		for _, x := range get(p) {
			if slices.Contains(set, x) {
				return true
			}
		}
		return false
	}
}

func isIdent(e ast.Expr, name string) bool {
	return e.Kind() == ast.IdentKind && e.AsIdent() == name
}

func isBoolLiteral(e ast.Expr, v bool) bool {
	if e.Kind() != ast.LiteralKind {
		return false
	}
	b, ok := e.AsLiteral().(types.Bool)
	return ok && bool(b) == v
}

// directCompare compiles a comparison of a number field with a number
// literal, in either order. Every field value is a small integer or a
// finite double in a small range, so comparing as float64 gives CEL's
// cross-type numeric result exactly, provided the literal converts to
// float64 exactly: a double, or an int of at most 2^53 in magnitude.
func directCompare(op string, l, r ast.Expr) directCheck {
	fieldLeft := true
	f := profileField(l)
	lit := r
	if f < 0 {
		fieldLeft = false
		f = profileField(r)
		lit = l
	}
	if f < len(listFields) || lit.Kind() != ast.LiteralKind {
		return nil
	}
	var c float64
	switch v := lit.AsLiteral().(type) {
	case types.Int:
		if v > 1<<53 || v < -(1<<53) {
			return nil
		}
		c = float64(v)
	case types.Double:
		c = float64(v)
		if math.IsNaN(c) {
			return nil
		}
	default:
		return nil
	}
	get := numberFields[f-len(listFields)].get
	if !fieldLeft {
		op = mirror[op]
	}
	switch op {
	case operators.Less:
		return func(p *Profile) bool { return get(p) < c }
	case operators.LessEquals:
		return func(p *Profile) bool { return get(p) <= c }
	case operators.Greater:
		return func(p *Profile) bool { return get(p) > c }
	case operators.GreaterEquals:
		return func(p *Profile) bool { return get(p) >= c }
	case operators.Equals:
		return func(p *Profile) bool { return get(p) == c }
	case operators.NotEquals:
		return func(p *Profile) bool { return get(p) != c }
	}
	return nil
}

// mirror gives the operator that compares the other way round: a < b is
// b > a.
var mirror = map[string]string{
	operators.Less: operators.Greater, operators.LessEquals: operators.GreaterEquals,
	operators.Greater: operators.Less, operators.GreaterEquals: operators.LessEquals,
	operators.Equals: operators.Equals, operators.NotEquals: operators.NotEquals,
}

// maxDirectInt bounds the int literals of a direct int expression. A
// condition is at most MaxWhenLength characters, so a sum of such
// literals and of int fields (at most MaxDaysSinceOnset) cannot overflow
// an int64, where CEL would fail.
const maxDirectInt = 1 << 40

// directIntCompare compiles a comparison of two int expressions.
func directIntCompare(op string, l, r ast.Expr) directCheck {
	a, b := directInt(l), directInt(r)
	if a == nil || b == nil {
		return nil
	}
	switch op {
	case operators.Less:
		return func(p *Profile) bool { return a(p) < b(p) }
	case operators.LessEquals:
		return func(p *Profile) bool { return a(p) <= b(p) }
	case operators.Greater:
		return func(p *Profile) bool { return a(p) > b(p) }
	case operators.GreaterEquals:
		return func(p *Profile) bool { return a(p) >= b(p) }
	case operators.Equals:
		return func(p *Profile) bool { return a(p) == b(p) }
	case operators.NotEquals:
		return func(p *Profile) bool { return a(p) != b(p) }
	}
	return nil
}

// directInt compiles an int expression: an int literal, an int field, a
// sum or difference of two, or a conditional choosing between two. It
// returns nil for any other expression.
func directInt(e ast.Expr) func(*Profile) int64 {
	switch e.Kind() {
	case ast.LiteralKind:
		v, ok := e.AsLiteral().(types.Int)
		if !ok || v > maxDirectInt || v < -maxDirectInt {
			return nil
		}
		return func(*Profile) int64 { return int64(v) }
	case ast.SelectKind:
		f := profileField(e) - len(listFields)
		if f < 0 || numberFields[f].isDouble {
			return nil
		}
		get := numberFields[f].get
		return func(p *Profile) int64 { return int64(get(p)) }
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		if call.IsMemberFunction() {
			return nil
		}
		switch call.FunctionName() {
		case operators.Add, operators.Subtract:
			if len(args) != 2 {
				return nil
			}
			a, b := directInt(args[0]), directInt(args[1])
			if a == nil || b == nil {
				return nil
			}
			if call.FunctionName() == operators.Add {
				return func(p *Profile) int64 { return a(p) + b(p) }
			}
			return func(p *Profile) int64 { return a(p) - b(p) }
		case operators.Conditional:
			if len(args) != 3 {
				return nil
			}
			c, a, b := direct(args[0]), directInt(args[1]), directInt(args[2])
			if c == nil || a == nil || b == nil {
				return nil
			}
			return func(p *Profile) int64 {
				if c(p) {
					return a(p)
				}
				return b(p)
			}
		}
	}
	return nil
}

// choiceFieldOf returns the index in choiceFields of the field e reads,
// profile.C, or -1.
func choiceFieldOf(e ast.Expr) int {
	if e.Kind() != ast.SelectKind {
		return -1
	}
	sel := e.AsSelect()
	if sel.IsTestOnly() || sel.Operand().Kind() != ast.IdentKind || sel.Operand().AsIdent() != "profile" {
		return -1
	}
	return choiceFieldIndex(sel.FieldName())
}

// directChoiceCompare compiles profile.C == 'x' or != 'x', in either
// order.
func directChoiceCompare(op string, l, r ast.Expr) directCheck {
	if op != operators.Equals && op != operators.NotEquals {
		return nil
	}
	f := choiceFieldOf(l)
	lit := r
	if f < 0 {
		f, lit = choiceFieldOf(r), l
	}
	s, ok := stringLiteral(lit)
	if f < 0 || !ok {
		return nil
	}
	get := choiceFields[f].get
	if op == operators.Equals {
		return func(p *Profile) bool { return get(p) == s }
	}
	return func(p *Profile) bool { return get(p) != s }
}

// directChoiceIn compiles profile.C in ['x', 'y', ...].
func directChoiceIn(l, r ast.Expr) directCheck {
	f := choiceFieldOf(l)
	if f < 0 || r.Kind() != ast.ListKind {
		return nil
	}
	list := r.AsList()
	if len(list.OptionalIndices()) > 0 || list.Size() > maxDirectLiterals {
		return nil
	}
	set := make([]string, 0, list.Size())
	for _, el := range list.Elements() {
		s, ok := stringLiteral(el)
		if !ok {
			return nil
		}
		set = append(set, s)
	}
	get := choiceFields[f].get
	return func(p *Profile) bool { return slices.Contains(set, get(p)) }
}
