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

	"github.com/backrules/backrules/internal/celast"
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
func directCondition(checked *ast.AST) directCheck {
	if checked == nil {
		return nil
	}
	return direct(checked.Expr())
}

func direct(e ast.Expr) directCheck {
	switch e.Kind() {
	case ast.LiteralKind:
		if v, ok := celast.Bool(e); ok {
			return func(*Profile) bool { return v }
		}
	case ast.ComprehensionKind:
		return directExists(e)
	case ast.CallKind:
		fn, args, ok := celast.Call(e)
		if !ok {
			return nil
		}
		switch fn {
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
			s, ok := celast.String(args[0])
			name, _ := celast.Field(args[1])
			f := listFieldIndex(name)
			if !ok || f < 0 {
				return nil
			}
			return listContains(f, s)
		case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals,
			operators.Equals, operators.NotEquals:
			if len(args) != 2 {
				return nil
			}
			if c := directCompare(e); c != nil {
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

// listContains returns the check 's' in profile.F for the list field
// with index f. It reads the common fields directly: a call through the
// table's getter costs about as much as the check itself, and every
// condition is made of such checks.
func listContains(f int, s string) directCheck {
	switch f {
	case fieldConditions:
		return func(p *Profile) bool { return slices.Contains(p.Conditions, s) }
	case fieldRedFlags:
		return func(p *Profile) bool { return slices.Contains(p.RedFlags, s) }
	case fieldAggravatedBy:
		return func(p *Profile) bool { return slices.Contains(p.AggravatedBy, s) }
	}
	get := listFields[f].get
	return func(p *Profile) bool { return slices.Contains(get(p), s) }
}

// directExists compiles profile.F.exists(v, v in ['x', ...]) for a list
// field F.
func directExists(e ast.Expr) directCheck {
	name, set, ok := celast.ExistsIn(e)
	f := listFieldIndex(name)
	if !ok || f < 0 || len(set) > maxDirectLiterals {
		return nil
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

// directCompare compiles a comparison of a number field with a number
// literal, in either order. Every field value is a small integer or a
// finite double in a small range, so comparing as float64 gives CEL's
// cross-type numeric result exactly, provided the literal converts to
// float64 exactly: a double, or an int of at most 2^53 in magnitude.
func directCompare(e ast.Expr) directCheck {
	cmp, ok := celast.Compare(e)
	if !ok {
		return nil
	}
	name, _ := celast.Field(cmp.Side)
	f := numberFieldIndex(name)
	if f < 0 {
		return nil
	}
	c, ok := directNumber(cmp.Literal)
	if !ok {
		return nil
	}
	get := numberFields[f].get
	switch cmp.Op {
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

// directNumber returns the value of a number literal that converts to
// float64 exactly (see directCompare), and whether it is one.
func directNumber(lit ast.Expr) (float64, bool) {
	switch v := lit.AsLiteral().(type) {
	case types.Int:
		if v > 1<<53 || v < -(1<<53) {
			return 0, false
		}
		return float64(v), true
	case types.Double:
		c := float64(v)
		return c, !math.IsNaN(c)
	}
	return 0, false
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
		name, _ := celast.Field(e)
		f := numberFieldIndex(name)
		if f < 0 || numberFields[f].isDouble {
			return nil
		}
		get := numberFields[f].get
		return func(p *Profile) int64 { return int64(get(p)) }
	case ast.CallKind:
		fn, args, ok := celast.Call(e)
		if !ok {
			return nil
		}
		switch fn {
		case operators.Add, operators.Subtract:
			if len(args) != 2 {
				return nil
			}
			a, b := directInt(args[0]), directInt(args[1])
			if a == nil || b == nil {
				return nil
			}
			if fn == operators.Add {
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
	name, ok := celast.Field(e)
	if !ok {
		return -1
	}
	return choiceFieldIndex(name)
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
	s, ok := celast.String(lit)
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
	set, ok := celast.Strings(r)
	if f < 0 || !ok || len(set) > maxDirectLiterals {
		return nil
	}
	get := choiceFields[f].get
	return func(p *Profile) bool { return slices.Contains(set, get(p)) }
}
