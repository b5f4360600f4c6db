package recommend

// The fast path of compiling a when condition: a parser and type checker
// for the common shapes of a condition (those of directcheck.go, and a
// little more), which make the checked AST that cel-go's parser and
// checker make for them, node for node: the same ids, offsets, types and
// references. cel-go's ANTLR parser and its checker take about 0.2 ms a
// condition, two thirds of loading a large rule set; this takes a few
// microseconds.
//
// It accepts only conditions made of
//
//	profile.F, identifiers bound by exists, int, double, string and bool
//	literals, lists of strings, ( ), &&, ||, !, ? :, + and - on numbers,
//	<, <=, >, >=, == and !=, in, and L.exists(v, p)
//
// written without comments, escapes or unusual spellings, nested a
// little, and well-typed. For anything else, and for any problem it
// finds, it gives up, and the condition is compiled by cel-go as before,
// so that every error message and position stays cel-go's. Its
// acceptance is never looser than cel-go's:
// TestFastCompileMatchesCEL compares the two over generated conditions,
// valid and ill-typed, and requires the same checked AST wherever the
// fast path accepts.

import (
	"strconv"
	"strings"
	"sync"

	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/overloads"
	"github.com/google/cel-go/common/types"
)

// Limits of the fast path, well inside cel-go's parser limit of
// MaxWhenDepth: a condition nested deeper goes to cel-go, which reports
// it when it is too deep.
const (
	fastMaxDepth  = 12
	fastMaxParens = 6
)

// fastCompile parses and type-checks when, giving the checked AST that
// cel-go's Compile gives, or ok false when when is not a condition the
// fast path knows, or has any problem, or does not give a bool.
func fastCompile(when string) (checked *ast.AST, ok bool) {
	p := &fastParser{when: when, ascii: isASCII(when), src: []rune(when), fac: ast.NewExprFactory(), nextID: 1}
	p.info = ast.NewSourceInfo(common.NewTextSource(when))
	p.next()
	e := p.expr()
	if p.failed || p.tok.kind != tokEOF || fastDepth(e) > fastMaxDepth {
		return nil, false
	}
	c := &fastChecker{types: make(map[int64]*types.Type, p.nextID), refs: make(map[int64]*ast.ReferenceInfo, p.nextID/2)}
	if c.check(e) != types.BoolType {
		return nil, false // ill-typed, or not a condition
	}
	return ast.NewCheckedAST(ast.NewAST(e, p.info), c.types, c.refs), true
}

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// tokKind is the kind of a token.
type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokInt
	tokDouble
	tokString
	tokOp
)

// fastToken is a token: its kind, its offset in runes, its text as
// written and, for a string literal, its value.
type fastToken struct {
	kind  tokKind
	start int
	text  string
	str   string
}

// fastParser parses a condition as cel-go's parser does (see
// fastCompile), giving up on anything it does not know.
type fastParser struct {
	when string
	// src is when as runes, and ascii whether when is all ASCII, so that
	// rune offsets are byte offsets.
	ascii bool
	src   []rune
	pos   int
	tok   fastToken
	fac   ast.ExprFactory
	info  *ast.SourceInfo

	nextID int64
	parens int // the brackets open
	failed bool
}

// text returns the source from rune offset start to end.
func (p *fastParser) text(start, end int) string {
	if p.ascii {
		return p.when[start:end]
	}
	return string(p.src[start:end])
}

// fail gives up, returning a placeholder expression.
func (p *fastParser) fail() ast.Expr {
	p.failed = true
	p.tok = fastToken{kind: tokEOF, start: len(p.src)}
	return p.fac.NewUnspecifiedExpr(0)
}

// id allocates the next expression id, at offset start, for a token
// whose text is text, as cel-go's parser does: the offset range ends
// start plus the text's length in bytes.
func (p *fastParser) id(start int, text string) int64 {
	id := p.nextID
	p.info.SetOffsetRange(id, ast.OffsetRange{Start: int32(start), Stop: int32(start + len(text))})
	p.nextID++
	return id
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' }
func isDigit(r rune) bool  { return r >= '0' && r <= '9' }

// next reads the next token into p.tok, or fails.
func (p *fastParser) next() {
	if p.failed {
		return
	}
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\r', '\n', '\f':
			p.pos++
			continue
		}
		break
	}
	start := p.pos
	if start == len(p.src) {
		p.tok = fastToken{kind: tokEOF, start: start}
		return
	}
	r := p.src[start]
	peek := func(i int) rune {
		if i < len(p.src) {
			return p.src[i]
		}
		return 0
	}
	switch {
	case isLetter(r):
		end := start + 1
		for end < len(p.src) && (isLetter(p.src[end]) || isDigit(p.src[end])) {
			end++
		}
		if q := peek(end); q == '\'' || q == '"' {
			p.fail() // a raw or bytes string
			return
		}
		p.pos = end
		p.tok = fastToken{kind: tokIdent, start: start, text: p.text(start, end)}
	case isDigit(r):
		end := start
		for end < len(p.src) && isDigit(p.src[end]) {
			end++
		}
		kind := tokInt
		if peek(end) == '.' && isDigit(peek(end+1)) {
			kind = tokDouble
			end++
			for end < len(p.src) && isDigit(p.src[end]) {
				end++
			}
		}
		if q := peek(end); isLetter(q) || isDigit(q) || q == '.' {
			p.fail() // exponents, hex, unsigned and the like
			return
		}
		p.pos = end
		p.tok = fastToken{kind: kind, start: start, text: p.text(start, end)}
	case r == '\'' || r == '"':
		if peek(start+1) == r && peek(start+2) == r {
			p.fail() // a triple-quoted string
			return
		}
		end := start + 1
		for end < len(p.src) && p.src[end] != r {
			if c := p.src[end]; c == '\\' || c == '\n' || c == '\r' {
				p.fail()
				return
			}
			end++
		}
		if end == len(p.src) {
			p.fail()
			return
		}
		p.pos = end + 1
		p.tok = fastToken{kind: tokString, start: start, text: p.text(start, end+1), str: p.text(start+1, end)}
	default:
		if op := fastOp(r, peek(start+1)); op != "" {
			p.pos = start + len(op)
			p.tok = fastToken{kind: tokOp, start: start, text: op}
			return
		}
		p.fail()
	}
}

// fastOps are the one-character operators, and fastEq the operators of
// two that end in '='.
var (
	fastOps = map[rune]string{'!': "!", '<': "<", '>': ">", '+': "+", '-': "-", '?': "?", ':': ":",
		'(': "(", ')': ")", '[': "[", ']': "]", ',': ",", '.': "."}
	fastEq = map[rune]string{'!': "!=", '<': "<=", '>': ">="}
)

// fastOp returns the operator that starts with r, followed by next, or
// "".
func fastOp(r, next rune) string {
	switch r {
	case '&':
		if next == '&' {
			return "&&"
		}
	case '|':
		if next == '|' {
			return "||"
		}
	case '=':
		if next == '=' {
			return "=="
		}
	case '!', '<', '>':
		if next == '=' {
			return fastEq[r]
		}
		return fastOps[r]
	case '+', '-', '?', ':', '(', ')', '[', ']', ',', '.':
		return fastOps[r]
	}
	return ""
}

// is reports whether the current token is the operator op.
func (p *fastParser) is(op string) bool { return p.tok.kind == tokOp && p.tok.text == op }

// expect reads the operator op, or fails.
func (p *fastParser) expect(op string) {
	if !p.is(op) {
		p.fail()
		return
	}
	p.next()
}

// expr: or ('?' or ':' expr)?
func (p *fastParser) expr() ast.Expr {
	e := p.or()
	if !p.is("?") {
		return e
	}
	id := p.id(p.tok.start, "?")
	p.next()
	t := p.or()
	p.expect(":")
	f := p.expr()
	return p.fac.NewCall(id, operators.Conditional, e, t, f)
}

// or and and parse chains of || and of &&, which cel-go's parser
// balances: each operator's id is taken after the term that follows it.
func (p *fastParser) or() ast.Expr {
	return p.logic("||", operators.LogicalOr, p.and)
}

func (p *fastParser) and() ast.Expr {
	return p.logic("&&", operators.LogicalAnd, p.relation)
}

func (p *fastParser) logic(op, fn string, term func() ast.Expr) ast.Expr {
	terms := []ast.Expr{term()}
	var ops []int64
	for p.is(op) && !p.failed {
		start := p.tok.start
		p.next()
		t := term()
		ops = append(ops, p.id(start, op))
		terms = append(terms, t)
	}
	if len(terms) == 1 {
		return terms[0]
	}
	var balanced func(lo, hi int) ast.Expr
	balanced = func(lo, hi int) ast.Expr {
		mid := (lo + hi + 1) / 2
		var l, r ast.Expr
		if mid == lo {
			l = terms[mid]
		} else {
			l = balanced(lo, mid-1)
		}
		if mid == hi {
			r = terms[mid+1]
		} else {
			r = balanced(mid+1, hi)
		}
		return p.fac.NewCall(ops[mid], fn, l, r)
	}
	return balanced(0, len(ops)-1)
}

// relationOps are the relational operators, all of one precedence.
var relationOps = map[string]string{
	"<": operators.Less, "<=": operators.LessEquals, ">": operators.Greater, ">=": operators.GreaterEquals,
	"==": operators.Equals, "!=": operators.NotEquals,
}

// relation: calc (op calc)*, left-associative; op is a relational
// operator or in.
func (p *fastParser) relation() ast.Expr {
	l := p.calc()
	for !p.failed {
		var fn string
		switch {
		case p.tok.kind == tokOp && relationOps[p.tok.text] != "":
			fn = relationOps[p.tok.text]
		case p.tok.kind == tokIdent && p.tok.text == "in":
			fn = operators.In
		default:
			return l
		}
		id := p.id(p.tok.start, p.tok.text)
		p.next()
		r := p.calc()
		l = p.fac.NewCall(id, fn, l, r)
	}
	return l
}

// calc: unary (('+' | '-') unary)*, left-associative.
func (p *fastParser) calc() ast.Expr {
	l := p.unary()
	for (p.is("+") || p.is("-")) && !p.failed {
		fn := operators.Add
		if p.tok.text == "-" {
			fn = operators.Subtract
		}
		id := p.id(p.tok.start, p.tok.text)
		p.next()
		r := p.unary()
		l = p.fac.NewCall(id, fn, l, r)
	}
	return l
}

// unary: '!' member | member. A minus sign is taken only as the sign of
// a number literal.
func (p *fastParser) unary() ast.Expr {
	if !p.is("!") {
		return p.member()
	}
	id := p.id(p.tok.start, "!")
	p.next()
	if p.is("!") {
		return p.fail()
	}
	return p.fac.NewCall(id, operators.LogicalNot, p.member())
}

// member: primary ('.' IDENT | '.exists(' IDENT ',' expr ')')*.
func (p *fastParser) member() ast.Expr {
	e := p.primary()
	for p.is(".") && !p.failed {
		dot := p.tok.start
		p.next()
		if p.tok.kind != tokIdent || fastReserved[p.tok.text] {
			return p.fail()
		}
		name := p.tok.text
		p.next()
		if !p.is("(") {
			e = p.fac.NewSelect(p.id(dot, "."), e, name)
			continue
		}
		if name != "exists" {
			return p.fail()
		}
		e = p.exists(e)
	}
	return e
}

// exists expands target.exists(v, pred) as cel-go's exists macro does,
// the '(' being the current token.
func (p *fastParser) exists(target ast.Expr) ast.Expr {
	open := p.tok.start
	callID := p.id(open, "(")
	p.next()
	if p.open() || p.tok.kind != tokIdent || fastReserved[p.tok.text] {
		return p.fail()
	}
	v := p.tok.text
	if v == "__result__" {
		return p.fail() // cel-go's old name for the accumulator
	}
	p.info.ClearOffsetRange(p.id(p.tok.start, v)) // the variable's identifier, dropped
	p.next()
	p.expect(",")
	pred := p.expr()
	p.expect(")")
	p.parens--
	if p.failed {
		return pred
	}
	// The nodes the macro adds sit at the '(' with an empty range; the
	// call's own id is dropped.
	at := func() int64 {
		id := p.nextID
		p.info.SetOffsetRange(id, ast.OffsetRange{Start: int32(open), Stop: int32(open)})
		p.nextID++
		return id
	}
	accu := p.fac.AccuIdentName()
	accuIdent := func() ast.Expr { return p.fac.NewIdent(at(), accu) }
	init := p.fac.NewLiteral(at(), types.False)
	inner := accuIdent()
	not := p.fac.NewCall(at(), operators.LogicalNot, inner)
	cond := p.fac.NewCall(at(), operators.NotStrictlyFalse, not)
	stepAccu := accuIdent()
	step := p.fac.NewCall(at(), operators.LogicalOr, stepAccu, pred)
	result := accuIdent()
	e := p.fac.NewComprehension(at(), target, v, accu, init, cond, step, result)
	p.info.ClearOffsetRange(callID)
	return e
}

// fastReserved are the words cel-go reserves, which cannot be
// identifiers.
var fastReserved = map[string]bool{
	"as": true, "break": true, "const": true, "continue": true, "else": true, "false": true,
	"for": true, "function": true, "if": true, "import": true, "in": true, "let": true,
	"loop": true, "package": true, "namespace": true, "null": true, "return": true,
	"true": true, "var": true, "void": true, "while": true,
}

// primary: '(' expr ')' | '[' expr (',' expr)* ']' | IDENT | literal.
func (p *fastParser) primary() ast.Expr {
	t := p.tok
	switch t.kind {
	case tokOp:
		switch t.text {
		case "(":
			p.next()
			if p.open() {
				return p.fail()
			}
			e := p.expr()
			p.expect(")")
			p.parens--
			return e
		case "[":
			id := p.id(t.start, "[")
			p.next()
			if p.open() {
				return p.fail()
			}
			elems := []ast.Expr{p.expr()}
			for p.is(",") && !p.failed {
				p.next()
				elems = append(elems, p.expr())
			}
			p.expect("]")
			p.parens--
			return p.fac.NewList(id, elems, []int32{})
		case "-":
			p.next()
			if p.tok.kind != tokInt && p.tok.kind != tokDouble {
				return p.fail()
			}
			return p.number(t.start, "-")
		}
	case tokInt, tokDouble:
		return p.number(t.start, "")
	case tokString:
		p.next()
		return p.fac.NewLiteral(p.id(t.start, t.text), types.String(t.str))
	case tokIdent:
		p.next()
		switch t.text {
		case "true", "false":
			return p.fac.NewLiteral(p.id(t.start, t.text), types.Bool(t.text == "true"))
		}
		if fastReserved[t.text] || p.is("(") {
			return p.fail()
		}
		return p.fac.NewIdent(p.id(t.start, t.text), t.text)
	}
	return p.fail()
}

// open counts one more level of brackets, and reports whether there are
// more than the fast path takes.
func (p *fastParser) open() bool {
	p.parens++
	return p.parens > fastMaxParens
}

// number reads the number literal of the current token, with sign
// written before it at start.
func (p *fastParser) number(start int, sign string) ast.Expr {
	t := p.tok
	p.next()
	text := sign + t.text
	if t.kind == tokDouble {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return p.fail()
		}
		return p.fac.NewLiteral(p.id(start, text), types.Double(f))
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return p.fail()
	}
	return p.fac.NewLiteral(p.id(start, text), types.Int(i))
}

// fastDepth returns the depth of expression e.
func fastDepth(e ast.Expr) int {
	d := 0
	switch e.Kind() {
	case ast.CallKind:
		for _, a := range e.AsCall().Args() {
			d = max(d, fastDepth(a))
		}
	case ast.SelectKind:
		d = fastDepth(e.AsSelect().Operand())
	case ast.ListKind:
		for _, a := range e.AsList().Elements() {
			d = max(d, fastDepth(a))
		}
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		d = 1 + max(fastDepth(c.IterRange()), fastDepth(c.LoopStep()))
	}
	return d + 1
}

// fastChecker type-checks a parsed condition as cel-go's checker does, for
// the expressions fastParser makes, recording the same types and
// references; it gives up (check returns nil) on anything else.
type fastChecker struct {
	types map[int64]*types.Type
	refs  map[int64]*ast.ReferenceInfo
	// vars are the variables exists binds, innermost last.
	vars []fastVar
}

// fastVar is a variable exists binds, and its type.
type fastVar struct {
	name string
	t    *types.Type
}

// listOfStrings is the type of the profile's lists and of list literals
// of strings.
var listOfStrings = types.NewListType(types.StringType)

// set records the type of e.
func (c *fastChecker) set(e ast.Expr, t *types.Type) *types.Type {
	c.types[e.ID()] = t
	return t
}

func (c *fastChecker) check(e ast.Expr) *types.Type {
	switch e.Kind() {
	case ast.LiteralKind:
		switch e.AsLiteral().(type) {
		case types.Bool:
			return c.set(e, types.BoolType)
		case types.Int:
			return c.set(e, types.IntType)
		case types.Double:
			return c.set(e, types.DoubleType)
		case types.String:
			return c.set(e, types.StringType)
		}
	case ast.IdentKind:
		name := e.AsIdent()
		for i := len(c.vars) - 1; i >= 0; i-- {
			if c.vars[i].name == name {
				c.refs[e.ID()] = ast.NewIdentReference(name, nil)
				return c.set(e, c.vars[i].t)
			}
		}
		if name == "profile" {
			c.refs[e.ID()] = ast.NewIdentReference(name, nil)
			return c.set(e, profileType)
		}
	case ast.SelectKind:
		s := e.AsSelect()
		op := s.Operand()
		if op.Kind() != ast.IdentKind || c.check(op) != profileType {
			return nil
		}
		if t := profileFieldType(s.FieldName()); t != nil {
			return c.set(e, t)
		}
	case ast.ListKind:
		for _, el := range e.AsList().Elements() {
			if c.check(el) != types.StringType {
				return nil
			}
		}
		return c.set(e, listOfStrings)
	case ast.CallKind:
		return c.call(e)
	case ast.ComprehensionKind:
		return c.comprehension(e)
	}
	return nil
}

// profileFieldType returns the type of profile field name, or nil.
func profileFieldType(name string) *types.Type {
	switch {
	case listFieldIndex(name) >= 0:
		return listOfStrings
	case choiceFieldIndex(name) >= 0:
		return types.StringType
	}
	if f := numberFieldIndex(name); f >= 0 {
		if numberFields[f].isDouble {
			return types.DoubleType
		}
		return types.IntType
	}
	return nil
}

// comparisonOverloads names the overloads of the ordering operators, by
// operand types; == and != have one overload each, for operands of one
// type.
var comparisonOverloads = map[string][4]string{
	// int-int, double-double, int-double, double-int
	operators.Less:          {overloads.LessInt64, overloads.LessDouble, overloads.LessInt64Double, overloads.LessDoubleInt64},
	operators.LessEquals:    {overloads.LessEqualsInt64, overloads.LessEqualsDouble, overloads.LessEqualsInt64Double, overloads.LessEqualsDoubleInt64},
	operators.Greater:       {overloads.GreaterInt64, overloads.GreaterDouble, overloads.GreaterInt64Double, overloads.GreaterDoubleInt64},
	operators.GreaterEquals: {overloads.GreaterEqualsInt64, overloads.GreaterEqualsDouble, overloads.GreaterEqualsInt64Double, overloads.GreaterEqualsDoubleInt64},
}

func (c *fastChecker) call(e ast.Expr) *types.Type {
	call := e.AsCall()
	if call.IsMemberFunction() {
		return nil
	}
	args := call.Args()
	if len(args) > 3 {
		return nil
	}
	var ts [3]*types.Type
	for i, a := range args {
		if ts[i] = c.check(a); ts[i] == nil {
			return nil
		}
	}
	fn := call.FunctionName()
	result := func(t *types.Type, overload string) *types.Type {
		c.refs[e.ID()] = ast.NewFunctionReference(overload)
		return c.set(e, t)
	}
	switch {
	case len(args) == 1 && fn == operators.LogicalNot && ts[0] == types.BoolType:
		return result(types.BoolType, overloads.LogicalNot)
	case len(args) == 1 && fn == operators.NotStrictlyFalse && ts[0] == types.BoolType:
		return result(types.BoolType, overloads.NotStrictlyFalse)
	case len(args) == 3 && fn == operators.Conditional:
		if ts[0] == types.BoolType && ts[1] == ts[2] && isFastScalar(ts[1]) {
			return result(ts[1], overloads.Conditional)
		}
	case len(args) != 2:
	case fn == operators.LogicalAnd && ts[0] == types.BoolType && ts[1] == types.BoolType:
		return result(types.BoolType, overloads.LogicalAnd)
	case fn == operators.LogicalOr && ts[0] == types.BoolType && ts[1] == types.BoolType:
		return result(types.BoolType, overloads.LogicalOr)
	case fn == operators.In && ts[0] == types.StringType && ts[1] == listOfStrings:
		return result(types.BoolType, overloads.InList)
	case fn == operators.Equals && ts[0] == ts[1] && isFastScalar(ts[0]):
		return result(types.BoolType, overloads.Equals)
	case fn == operators.NotEquals && ts[0] == ts[1] && isFastScalar(ts[0]):
		return result(types.BoolType, overloads.NotEquals)
	case fn == operators.Add || fn == operators.Subtract:
		add := fn == operators.Add
		switch {
		case ts[0] == types.IntType && ts[1] == types.IntType && add:
			return result(types.IntType, overloads.AddInt64)
		case ts[0] == types.IntType && ts[1] == types.IntType:
			return result(types.IntType, overloads.SubtractInt64)
		case ts[0] == types.DoubleType && ts[1] == types.DoubleType && add:
			return result(types.DoubleType, overloads.AddDouble)
		case ts[0] == types.DoubleType && ts[1] == types.DoubleType:
			return result(types.DoubleType, overloads.SubtractDouble)
		}
	default:
		ids, ok := comparisonOverloads[fn]
		if !ok {
			return nil
		}
		switch {
		case ts[0] == types.IntType && ts[1] == types.IntType:
			return result(types.BoolType, ids[0])
		case ts[0] == types.DoubleType && ts[1] == types.DoubleType:
			return result(types.BoolType, ids[1])
		case ts[0] == types.IntType && ts[1] == types.DoubleType:
			return result(types.BoolType, ids[2])
		case ts[0] == types.DoubleType && ts[1] == types.IntType:
			return result(types.BoolType, ids[3])
		}
	}
	return nil
}

// isFastScalar reports whether t is one of the scalar types the fast
// path knows.
func isFastScalar(t *types.Type) bool {
	return t == types.BoolType || t == types.IntType || t == types.DoubleType || t == types.StringType
}

// comprehension checks the expansion of L.exists(v, p) over a list of
// strings.
func (c *fastChecker) comprehension(e ast.Expr) *types.Type {
	comp := e.AsComprehension()
	if comp.HasIterVar2() || c.check(comp.IterRange()) != listOfStrings || c.check(comp.AccuInit()) != types.BoolType {
		return nil
	}
	c.vars = append(c.vars, fastVar{comp.AccuVar(), types.BoolType})
	c.vars = append(c.vars, fastVar{comp.IterVar(), types.StringType})
	ok := c.check(comp.LoopCondition()) == types.BoolType && c.check(comp.LoopStep()) == types.BoolType
	c.vars = c.vars[:len(c.vars)-1]
	ok = ok && c.check(comp.Result()) == types.BoolType
	c.vars = c.vars[:len(c.vars)-1]
	if !ok {
		return nil
	}
	return c.set(e, types.BoolType)
}

// costCache holds the estimated costs of the parts of conditions, for
// fastCost: safe for concurrent use.
type costCache struct{ m sync.Map }

// fastCost estimates the cost of a condition the fast path checked, giving
// what estimateCost gives: it composes &&, || and ! as cel-go's estimator
// does (the cost of a || b and a && b ranges from a's least to the sum of
// both costs' most; !a costs one more than a), and estimates each other
// part with cel-go once per rule set, so that a part many conditions
// share, such as 'x' in profile.conditions, is estimated once.
// TestFastCompileMatchesCEL checks that it gives estimateCost's result.
func (cc *costCache) fastCost(checked *ast.AST) (checker.CostEstimate, error) {
	var b strings.Builder
	var walk func(e ast.Expr) (checker.CostEstimate, error)
	walk = func(e ast.Expr) (checker.CostEstimate, error) {
		if e.Kind() == ast.CallKind && !e.AsCall().IsMemberFunction() {
			call := e.AsCall()
			args := call.Args()
			switch fn := call.FunctionName(); {
			case (fn == operators.LogicalAnd || fn == operators.LogicalOr) && len(args) == 2:
				l, err := walk(args[0])
				if err != nil {
					return l, err
				}
				r, err := walk(args[1])
				return checker.CostEstimate{Min: l.Min, Max: l.Add(r).Max}, err
			case fn == operators.LogicalNot && len(args) == 1:
				a, err := walk(args[0])
				return checker.FixedCostEstimate(1).Add(a), err
			}
		}
		b.Reset()
		fastKey(&b, e)
		key := b.String()
		if v, ok := cc.m.Load(key); ok {
			return v.(checker.CostEstimate), nil
		}
		est, err := estimateCost(ast.NewCheckedAST(ast.NewAST(e, checked.SourceInfo()), checked.TypeMap(), checked.ReferenceMap()))
		if err == nil {
			cc.m.Store(key, est)
		}
		return est, err
	}
	return walk(checked.Expr())
}

// fastKey writes a key of expression e to b: two expressions of the fast
// path have the same key only when they are the same but for their ids.
func fastKey(b *strings.Builder, e ast.Expr) {
	switch e.Kind() {
	case ast.LiteralKind:
		switch v := e.AsLiteral().(type) {
		case types.String:
			b.WriteString("s")
			b.WriteString(strconv.Itoa(len(v)))
			b.WriteString(":")
			b.WriteString(string(v))
		case types.Int:
			b.WriteString("i" + strconv.FormatInt(int64(v), 10) + ";")
		case types.Double:
			b.WriteString("d" + strconv.FormatFloat(float64(v), 'g', -1, 64) + ";")
		case types.Bool:
			b.WriteString("b" + strconv.FormatBool(bool(v)) + ";")
		default:
			b.WriteString("?;")
		}
	case ast.IdentKind:
		b.WriteString("I" + e.AsIdent() + ";")
	case ast.SelectKind:
		b.WriteString("S" + e.AsSelect().FieldName() + "(")
		fastKey(b, e.AsSelect().Operand())
		b.WriteString(")")
	case ast.CallKind:
		b.WriteString("C" + e.AsCall().FunctionName() + "(")
		if e.AsCall().IsMemberFunction() {
			b.WriteString("T")
			fastKey(b, e.AsCall().Target())
		}
		for _, a := range e.AsCall().Args() {
			b.WriteString(",")
			fastKey(b, a)
		}
		b.WriteString(")")
	case ast.ListKind:
		b.WriteString("[")
		for _, el := range e.AsList().Elements() {
			b.WriteString(",")
			fastKey(b, el)
		}
		b.WriteString("]")
	case ast.ComprehensionKind:
		c := e.AsComprehension()
		b.WriteString("M" + c.IterVar() + "," + c.IterVar2() + "," + c.AccuVar() + "(")
		for _, x := range []ast.Expr{c.IterRange(), c.AccuInit(), c.LoopCondition(), c.LoopStep(), c.Result()} {
			b.WriteString(",")
			fastKey(b, x)
		}
		b.WriteString(")")
	default:
		b.WriteString("?;")
	}
}

// estimateCost estimates the worst-case cost of a checked condition, as
// the CEL environment's EstimateCost does (the environment sets no cost
// options of its own).
func estimateCost(checked *ast.AST) (checker.CostEstimate, error) {
	return checker.Cost(checked, profileSizes{})
}
