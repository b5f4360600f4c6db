package recommend

// The direct checks (directcheck.go) in the form Recommend runs them: every
// rule's check compiled, at load, into one flat array of small instructions,
// in evaluation order, run by one loop. A closure per node of a condition
// costs an indirect call and a pointer to follow each, scattered over the
// heap; at thousands of rules they no longer fit the processor's caches.
// The instructions of consecutive rules lie side by side, eight bytes each.
//
// Each call first reads the profile once: every string a condition tests
// a list or choice field for ('x' in profile.F, profile.F.exists(v, v in
// [...]), profile.C == 'x', profile.C in [...]) is an atom, numbered at
// load, and the atoms the profile's values name are set in a bitset, so
// that a test is a bit test (or a few masks), and no string is compared
// per rule. The number fields are read into an array.
//
// The closures stay: the Explainer and the load-time checks read them, and
// a condition the program cannot hold (an int expression nested deeper
// than its stack) calls its closure. TestDirectProgramMatchesCEL proves
// the program gives cel-go's result over generated conditions and
// profiles.

import (
	"sync"

	"github.com/backrules/backrules/internal/celast"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// dop is the operation of an instruction. acc is the program's boolean
// register; ints its stack of int values.
type dop uint8

const (
	// opEnd stores acc as the result of rule a (matched[a]) and ends
	// that rule's code.
	opEnd dop = iota
	// opCopy sets acc to the result of rule a, evaluated earlier.
	opCopy
	// opConst sets acc to a != 0.
	opConst
	// opBit sets acc to whether atom a is set; opNotBit to whether it
	// is not.
	opBit
	opNotBit
	// opAny sets acc to whether any bit of the n masks from masks[a]
	// is set.
	opAny
	// opNot negates acc.
	opNot
	// opJumpFalse and opJumpTrue jump to a when acc is false, or true;
	// opJump jumps to a.
	opJumpFalse
	opJumpTrue
	opJump
	// opPushInt pushes ints[a]; opPushField pushes number field n as
	// an int.
	opPushInt
	opPushField
	// opAdd and opSub pop two ints and push their sum or difference.
	opAdd
	opSub
	// opCall sets acc to the result of calls[a].
	opCall
	// opNumLess to opNumNotEqual set acc to number field n compared
	// with floats[a], in the order of cmpOps.
	opNumLess
	opNumLessEquals
	opNumGreater
	opNumGreaterEquals
	opNumEquals
	opNumNotEquals
	// opIntLess to opIntNotEqual pop two ints and set acc to their
	// comparison, in the order of cmpOps.
	opIntLess
	opIntLessEquals
	opIntGreater
	opIntGreaterEquals
	opIntEquals
	opIntNotEquals
)

// cmpOps are the comparison operators, in the order of opNumLess... and
// opIntLess....
var cmpOps = [...]string{operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals,
	operators.Equals, operators.NotEquals}

// cmpIndex returns the index of op in cmpOps, or -1.
func cmpIndex(op string) int {
	for i, o := range cmpOps {
		if o == op {
			return i
		}
	}
	return -1
}

// dinstr is one instruction: eight bytes.
type dinstr struct {
	op dop
	_  uint8
	n  uint16
	a  uint32
}

// wordMask is a set of atoms within one word of the bitset.
type wordMask struct {
	w uint32
	m uint64
}

// progStack is the most ints the program's stack holds; an int
// expression that needs more runs as its closure (opCall).
const progStack = 32

// progSmallWords is the size of the bitset a call keeps on its stack; a
// rule set whose conditions name more atoms takes its bitset from a pool.
const progSmallWords = 8

// directProgram is the direct checks of an engine's rules, in evaluation
// order (Engine.order).
type directProgram struct {
	code []dinstr
	// start holds, for each rule of Engine.order, the index in code of
	// its instructions, or -1 for a rule that runs as CEL; run the
	// number of consecutive rules from there, within the same stage of
	// evaluation (referral rules, the others), that have code.
	start []int32
	run   []int32
	// floats, ints and masks are the operands of the instructions.
	floats []float64
	ints   []int64
	masks  []wordMask
	calls  []directCheck
	// atoms numbers, per vocabulary field (the list fields, then the
	// choice fields), each string the conditions test the field for.
	atoms [numVocabFields]map[string]uint32
	// words is the size of the bitset of the atoms. A call keeps a
	// bitset of up to small words in its progState; pool holds larger
	// ones.
	words, small int
	pool         sync.Pool
	// sp is, while a condition compiles, how many ints the stack holds,
	// and stack the most it may hold.
	sp, stack int
}

// progState is a call's reading of the profile, and the program's
// stack.
type progState struct {
	nums  [len(numberFields)]float64
	ints  [progStack]int64
	small [progSmallWords]uint64
}

// newDirectProgram compiles the direct checks of e's rules, in e.order.
// A rule whose condition has the text of an earlier rule's with a direct
// check copies that rule's result.
func newDirectProgram(e *Engine) *directProgram {
	return newDirectProgramWith(e, progStack, progSmallWords)
}

// newDirectProgramWith is newDirectProgram with a stack of stack ints, at
// most progStack, and the bitset taken from the pool when it has more than
// small words, at most progSmallWords, so that a test can reach the
// closures and the pool.
func newDirectProgramWith(e *Engine, stack, small int) *directProgram {
	pr := &directProgram{start: make([]int32, len(e.order)), run: make([]int32, len(e.order)),
		stack: min(stack, progStack), small: min(small, progSmallWords)}
	first := map[string]int{}
	for i, ri := range e.order {
		r := &e.rules[ri]
		pr.start[i] = -1
		if r.direct == nil {
			continue
		}
		pr.start[i] = int32(len(pr.code))
		if j, ok := first[r.when]; ok {
			pr.emit(opCopy, 0, uint32(e.order[j]))
		} else {
			first[r.when] = i
			pr.compileCheck(r)
		}
		pr.emit(opEnd, 0, uint32(ri))
	}
	for i := len(e.order) - 1; i >= 0; i-- {
		if pr.start[i] < 0 {
			continue
		}
		pr.run[i] = 1
		if i+1 < len(e.order) && i+1 != e.nRefer && pr.start[i+1] >= 0 {
			pr.run[i] += pr.run[i+1]
		}
	}
	pr.words = (pr.nAtoms() + 63) / 64
	if pr.words > pr.small {
		pr.pool.New = func() any { s := make([]uint64, pr.words); return &s }
	}
	return pr
}

// compileCheck appends the code of r's condition, or a call of its
// closure when the program cannot hold it.
func (pr *directProgram) compileCheck(r *rule) {
	mark := pr.mark()
	if r.ast != nil && pr.bool(r.ast.Expr()) {
		return
	}
	pr.reset(mark)
	pr.sp = 0
	pr.emit(opCall, 0, uint32(len(pr.calls)))
	pr.calls = append(pr.calls, r.direct)
}

// progMark is the length of each of a program's slices, to undo a
// compilation that failed part way.
type progMark struct{ code, floats, ints, masks int }

func (pr *directProgram) mark() progMark {
	return progMark{len(pr.code), len(pr.floats), len(pr.ints), len(pr.masks)}
}

func (pr *directProgram) reset(m progMark) {
	pr.code, pr.floats, pr.ints, pr.masks = pr.code[:m.code], pr.floats[:m.floats], pr.ints[:m.ints], pr.masks[:m.masks]
}

func (pr *directProgram) emit(op dop, n uint16, a uint32) int {
	pr.code = append(pr.code, dinstr{op: op, n: n, a: a})
	return len(pr.code) - 1
}

// patch makes the jump at pc go to the next instruction.
func (pr *directProgram) patch(pc int) { pr.code[pc].a = uint32(len(pr.code)) }

func (pr *directProgram) nAtoms() int {
	n := 0
	for _, m := range pr.atoms {
		n += len(m)
	}
	return n
}

// atom returns the number of the atom for string s in vocabulary field
// f, numbering it if it is new.
func (pr *directProgram) atom(f int, s string) uint32 {
	if pr.atoms[f] == nil {
		pr.atoms[f] = map[string]uint32{}
	}
	a, ok := pr.atoms[f][s]
	if !ok {
		a = uint32(pr.nAtoms())
		pr.atoms[f][s] = a
	}
	return a
}

// anyOf appends the code that sets acc to whether any of the strings set
// is in vocabulary field f.
func (pr *directProgram) anyOf(f int, set []string) {
	switch len(set) {
	case 0:
		pr.emit(opConst, 0, 0)
		return
	case 1:
		pr.emit(opBit, 0, pr.atom(f, set[0]))
		return
	}
	at := len(pr.masks)
	for _, s := range set {
		a := pr.atom(f, s)
		w, bit := a/64, uint64(1)<<(a%64)
		k := at
		for k < len(pr.masks) && pr.masks[k].w != w {
			k++
		}
		if k == len(pr.masks) {
			pr.masks = append(pr.masks, wordMask{w: w})
		}
		pr.masks[k].m |= bit
	}
	pr.emit(opAny, uint16(len(pr.masks)-at), uint32(at))
}

// bool appends the code that sets acc to the value of e, a condition of
// the shapes direct compiles, and reports whether it could; it mirrors
// direct, shape for shape.
func (pr *directProgram) bool(e ast.Expr) bool {
	switch e.Kind() {
	case ast.LiteralKind:
		if v, ok := celast.Bool(e); ok {
			a := uint32(0)
			if v {
				a = 1
			}
			pr.emit(opConst, 0, a)
			return true
		}
	case ast.ComprehensionKind:
		name, set, ok := celast.ExistsIn(e)
		f := listFieldIndex(name)
		if !ok || f < 0 || len(set) > maxDirectLiterals {
			return false
		}
		pr.anyOf(f, set)
		return true
	case ast.CallKind:
		fn, args, ok := celast.Call(e)
		if !ok {
			return false
		}
		switch fn {
		case operators.LogicalNot:
			at := len(pr.code)
			if len(args) != 1 || !pr.bool(args[0]) {
				return false
			}
			// A test of one instruction, which no jump skips, is
			// turned round in place.
			if last := &pr.code[at]; len(pr.code) == at+1 && (last.op == opBit || last.op == opNotBit) {
				last.op = opBit + opNotBit - last.op
			} else {
				pr.emit(opNot, 0, 0)
			}
			return true
		case operators.LogicalAnd, operators.LogicalOr:
			if len(args) != 2 || !pr.bool(args[0]) {
				return false
			}
			jump := opJumpFalse
			if fn == operators.LogicalOr {
				jump = opJumpTrue
			}
			pc := pr.emit(jump, 0, 0)
			if !pr.bool(args[1]) {
				return false
			}
			pr.patch(pc)
			return true
		case operators.In:
			if len(args) != 2 {
				return false
			}
			if c := choiceFieldOf(args[0]); c >= 0 {
				set, ok := celast.Strings(args[1])
				if ok && len(set) <= maxDirectLiterals {
					pr.anyOf(numListFields+c, set)
					return true
				}
			}
			s, ok := celast.String(args[0])
			name, _ := celast.Field(args[1])
			f := listFieldIndex(name)
			if !ok || f < 0 {
				return false
			}
			pr.emit(opBit, 0, pr.atom(f, s))
			return true
		case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals,
			operators.Equals, operators.NotEquals:
			if len(args) != 2 {
				return false
			}
			return pr.compare(e) || pr.choiceCompare(fn, args[0], args[1]) || pr.intCompare(fn, args[0], args[1])
		}
	}
	return false
}

// compare is directCompare: a number field with a number literal.
func (pr *directProgram) compare(e ast.Expr) bool {
	cmp, ok := celast.Compare(e)
	if !ok {
		return false
	}
	name, _ := celast.Field(cmp.Side)
	f := numberFieldIndex(name)
	k := cmpIndex(cmp.Op)
	if f < 0 || k < 0 {
		return false
	}
	c, ok := directNumber(cmp.Literal)
	if !ok {
		return false
	}
	pr.emit(opNumLess+dop(k), uint16(f), uint32(len(pr.floats)))
	pr.floats = append(pr.floats, c)
	return true
}

// choiceCompare is directChoiceCompare: profile.C == 'x' or != 'x'.
func (pr *directProgram) choiceCompare(op string, l, r ast.Expr) bool {
	if op != operators.Equals && op != operators.NotEquals {
		return false
	}
	f := choiceFieldOf(l)
	lit := r
	if f < 0 {
		f, lit = choiceFieldOf(r), l
	}
	s, ok := celast.String(lit)
	if f < 0 || !ok {
		return false
	}
	bit := opBit
	if op == operators.NotEquals {
		bit = opNotBit
	}
	pr.emit(bit, 0, pr.atom(numListFields+f, s))
	return true
}

// intCompare is directIntCompare: two int expressions compared.
func (pr *directProgram) intCompare(op string, l, r ast.Expr) bool {
	k := cmpIndex(op)
	if k < 0 || !pr.int(l) || !pr.int(r) {
		return false
	}
	pr.emit(opIntLess+dop(k), 0, 0)
	pr.sp -= 2
	return true
}

// int appends the code that pushes the value of e, an int expression of
// the shapes directInt compiles, and reports whether it could. pr.sp
// counts the ints the stack holds as the code runs; an expression that
// needs more than pr.stack fails.
func (pr *directProgram) int(e ast.Expr) bool {
	switch e.Kind() {
	case ast.LiteralKind:
		v, ok := e.AsLiteral().(types.Int)
		if !ok || v > maxDirectInt || v < -maxDirectInt || !pr.push() {
			return false
		}
		pr.emit(opPushInt, 0, uint32(len(pr.ints)))
		pr.ints = append(pr.ints, int64(v))
		return true
	case ast.SelectKind:
		name, _ := celast.Field(e)
		f := numberFieldIndex(name)
		if f < 0 || numberFields[f].isDouble || !pr.push() {
			return false
		}
		pr.emit(opPushField, uint16(f), 0)
		return true
	case ast.CallKind:
		fn, args, ok := celast.Call(e)
		if !ok {
			return false
		}
		switch fn {
		case operators.Add, operators.Subtract:
			if len(args) != 2 || !pr.int(args[0]) || !pr.int(args[1]) {
				return false
			}
			op := opAdd
			if fn == operators.Subtract {
				op = opSub
			}
			pr.emit(op, 0, 0)
			pr.sp--
			return true
		case operators.Conditional:
			if len(args) != 3 || !pr.bool(args[0]) {
				return false
			}
			els := pr.emit(opJumpFalse, 0, 0)
			if !pr.int(args[1]) {
				return false
			}
			end := pr.emit(opJump, 0, 0)
			pr.patch(els)
			// Either branch pushes one int.
			pr.sp--
			if !pr.int(args[2]) {
				return false
			}
			pr.patch(end)
			return true
		}
	}
	return false
}

// push counts an int pushed, and reports whether the stack has room.
func (pr *directProgram) push() bool {
	if pr.sp >= pr.stack {
		return false
	}
	pr.sp++
	return true
}

// bigBits returns a zeroed bitset from the pool, for a rule set whose
// atoms need more than pr.small words; the caller puts it back.
func (pr *directProgram) bigBits() *[]uint64 {
	b := pr.pool.Get().(*[]uint64)
	clear(*b)
	return b
}

// read reads p into st and bits: the number fields, and the atoms p's
// list and choice values name.
func (pr *directProgram) read(p *Profile, st *progState, bits []uint64) {
	for f := range numberFields {
		st.nums[f] = numberFields[f].get(p)
	}
	for f := range listFields {
		m := pr.atoms[f]
		if len(m) == 0 {
			continue
		}
		for _, v := range listFields[f].get(p) {
			if a, ok := m[v]; ok {
				bits[a/64] |= 1 << (a % 64)
			}
		}
	}
	for c := range choiceFields {
		if m := pr.atoms[numListFields+c]; len(m) > 0 {
			if a, ok := m[choiceFields[c].get(p)]; ok {
				bits[a/64] |= 1 << (a % 64)
			}
		}
	}
}

// exec runs the code from pc to the end of the n-th rule from there,
// writing each rule's result to matched, and returns the index of the
// next instruction. p, st and bits are the profile and what read made of
// it.
func (pr *directProgram) exec(pc, n int, p *Profile, st *progState, bits []uint64, matched []bool) int {
	code := pr.code
	acc := false
	sp := 0
	for {
		in := code[pc]
		pc++
		switch in.op {
		case opEnd:
			matched[in.a] = acc
			n--
			if n == 0 {
				return pc
			}
		case opCopy:
			acc = matched[in.a]
		case opConst:
			acc = in.a != 0
		case opBit:
			acc = bits[in.a/64]&(1<<(in.a%64)) != 0
		case opNotBit:
			acc = bits[in.a/64]&(1<<(in.a%64)) == 0
		case opAny:
			acc = false
			for _, m := range pr.masks[in.a : in.a+uint32(in.n)] {
				if bits[m.w]&m.m != 0 {
					acc = true
					break
				}
			}
		case opNot:
			acc = !acc
		case opJumpFalse:
			if !acc {
				pc = int(in.a)
			}
		case opJumpTrue:
			if acc {
				pc = int(in.a)
			}
		case opJump:
			pc = int(in.a)
		case opPushInt:
			st.ints[sp] = pr.ints[in.a]
			sp++
		case opPushField:
			st.ints[sp] = int64(st.nums[in.n])
			sp++
		case opAdd:
			sp--
			st.ints[sp-1] += st.ints[sp]
		case opSub:
			sp--
			st.ints[sp-1] -= st.ints[sp]
		case opCall:
			acc = pr.calls[in.a](p)
		case opNumLess:
			acc = st.nums[in.n] < pr.floats[in.a]
		case opNumLessEquals:
			acc = st.nums[in.n] <= pr.floats[in.a]
		case opNumGreater:
			acc = st.nums[in.n] > pr.floats[in.a]
		case opNumGreaterEquals:
			acc = st.nums[in.n] >= pr.floats[in.a]
		case opNumEquals:
			acc = st.nums[in.n] == pr.floats[in.a]
		case opNumNotEquals:
			acc = st.nums[in.n] != pr.floats[in.a]
		default:
			// opIntLess to opIntNotEquals.
			sp -= 2
			a, b := st.ints[sp], st.ints[sp+1]
			switch in.op {
			case opIntLess:
				acc = a < b
			case opIntLessEquals:
				acc = a <= b
			case opIntGreater:
				acc = a > b
			case opIntGreaterEquals:
				acc = a >= b
			case opIntEquals:
				acc = a == b
			case opIntNotEquals:
				acc = a != b
			}
		}
	}
}
