package recommend

// The direct checks (directcheck.go) in the form Recommend runs them for a
// large rule set: every rule's check compiled, at load, into one flat
// array of small instructions, in evaluation order, run by one loop. A
// closure per node of a condition costs an indirect call and a pointer to
// follow each, scattered over the heap; at thousands of rules they no
// longer fit the processor's caches. The instructions of consecutive rules
// lie side by side, eight bytes each, and most rules are one.
//
// Each call first reads the profile once into a bitset of atoms, numbered
// at load: every string a condition tests a list or choice field for ('x'
// in profile.F, profile.F.exists(v, v in [...]), profile.C == 'x',
// profile.C in [...]) is an atom, set when the profile's values name it,
// and so is every comparison of a number field with a literal, set when
// it holds. A condition made of such tests with !, && and || is read into
// conjunctive normal form (an && of clauses, each an || of literals, a
// literal an atom or its negation) and is one instruction: a mask test
// when its atoms lie in one word of the bitset and it is one clause or
// clauses of one literal, else a walk of its clauses, those of one literal
// tested together first. Others (int expressions, or a form with more
// clauses than maxClauses) are a short run of such tests, jumps and, for
// int expressions, a small stack. No string is compared per rule.
//
// The closures stay: a rule set of fewer than progMinRules direct checks
// runs them, and so do the Explainer and the load-time checks; an int
// expression nested deeper than the program's stack calls its closure.
// TestDirectChecksMatchCEL proves the program gives cel-go's result over
// generated conditions and profiles, and TestDirectProgramMatchesClosures
// that it gives the closures' on rules made from the default ones.

import (
	"cmp"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/backrules/backrules/internal/celast"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
)

// dop is the operation of an instruction. acc is the program's boolean
// register; ints its stack of int values. An instruction marked end is the
// last its rule runs: after it, or, for a jump, when it jumps, acc is the
// rule's result.
type dop uint8

const (
	// opCopy sets acc to the result of rule a, evaluated earlier.
	opCopy dop = iota
	// opConst sets acc to a != 0.
	opConst
	// opCNF sets acc to whether each of the n clauses from clauses[a]
	// holds: a condition over atoms alone, in conjunctive normal form.
	opCNF
	// opAll and opSome are the common forms of opCNF whose atoms lie in
	// one word of the bitset: every literal of terms[a] holds (clauses
	// of one literal each), or one does (one clause).
	opAll
	opSome
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
	// opIntLess to opIntNotEquals pop two ints and set acc to their
	// comparison, in the order of cmpOps.
	opIntLess
	opIntLessEquals
	opIntGreater
	opIntGreaterEquals
	opIntEquals
	opIntNotEquals
)

// cmpOps are the comparison operators, in the order of opIntLess... and
// of numAtom.op.
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
	op  dop
	end bool
	n   uint16
	a   uint32
}

// termMask is a set of literals within one word of the bitset: the atoms
// of pos set, those of neg not.
type termMask struct {
	w        uint32
	pos, neg uint64
}

// clause is an || of literals: the n terms from terms[t]. It holds when
// one of them does, or with all, when every one does (the clauses of one
// literal of a condition, together).
type clause struct {
	t, n uint32
	all  bool
}

// Bounds of a condition in conjunctive normal form: an || of two
// conditions multiplies their clauses, so a condition over more clauses,
// or literals in a clause, runs as a sequence of instructions.
const (
	maxClauses       = 16
	maxClauseLiteral = 64
)

// numAtom is an atom that is a comparison of number field f with the
// constant c by cmpOps[op].
type numAtom struct {
	f, op uint8
	c     float64
	atom  uint32
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
	// rule is Engine.order: the rule whose result the i-th rule's code
	// gives.
	rule []int32
	// start holds, for each rule of Engine.order, the index in code of
	// its instructions, or -1 for a rule that runs as CEL; run the
	// number of consecutive rules from there, within the same stage of
	// evaluation (referral rules, the others), that have code.
	start []int32
	run   []int32
	// ints, clauses and terms are the operands of the instructions;
	// clauseOf finds, while the program compiles, a clause already in
	// terms, so that clauses repeated across rules are kept once.
	ints     []int64
	clauses  []clause
	terms    []termMask
	clauseOf map[string]clause
	calls    []directCheck
	// atoms numbers, while the program compiles, per vocabulary field
	// (the list fields, then the choice fields), each string the
	// conditions test the field for; find holds them as one small hash
	// table, for read, and tested says which fields have any.
	atoms  [numVocabFields]map[string]uint32
	find   atomTable
	tested [numVocabFields]bool
	// cmps are the atoms that compare a number field with a constant,
	// and cmpAtom numbers them while the program compiles.
	cmps    []numAtom
	cmpAtom map[numAtom]uint32
	// nAtom is how many atoms there are, of both kinds.
	nAtom int
	// words is the size of the bitset of the atoms. A call keeps a
	// bitset of up to small words in its progState; pool holds larger
	// ones.
	words, small int
	pool         sync.Pool
	// sp is, while a condition compiles, how many ints the stack holds,
	// and stack the most it may hold.
	sp, stack int
	// scratchTerms and scratchKey are clause's working memory, and slab
	// cnf's.
	scratchTerms []termMask
	scratchKey   []byte
	slab         []literal
}

// progState is a call's reading of the profile, and the program's
// stack.
type progState struct {
	nums  [len(numberFields)]float64
	ints  [progStack]int64
	small [progSmallWords]uint64
}

// progMinRules is the fewest direct checks a rule set runs as a program.
// With few rules the closures stay in the processor's caches, and the
// program's fixed cost, reading the profile, weighs more: measured by CPU
// time, interleaved, the program took 1.2 times the closures' time on the
// 112 default rules (the reading alone a fifth of it), 0.74 of it on 250
// rules made from them and 0.21 to 0.25 on 10,000. The bound is set above
// where the two cross, so that the default rules keep their closures.
const progMinRules = 256

// newDirectProgramFor returns the program of e's direct checks, or nil
// when they are fewer than progMinRules.
func newDirectProgramFor(e *Engine) *directProgram {
	n := 0
	for _, c := range e.checks {
		if c != nil {
			n++
		}
	}
	if n < progMinRules {
		return nil
	}
	return newDirectProgram(e)
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
// closures and the pool. It reads e.same (orderChecks).
func newDirectProgramWith(e *Engine, stack, small int) *directProgram {
	pr := &directProgram{start: make([]int32, len(e.order)), run: make([]int32, len(e.order)),
		rule: make([]int32, len(e.order)), stack: min(stack, progStack), small: min(small, progSmallWords)}
	for i, ri := range e.order {
		r := &e.rules[ri]
		pr.rule[i], pr.start[i] = int32(ri), -1
		if r.direct == nil {
			continue
		}
		at := len(pr.code)
		pr.start[i] = int32(at)
		if j := e.same[i]; j >= 0 {
			// A rule of one instruction is run again, which costs
			// less than a copy in a run of such rules.
			if c := pr.start[j]; pr.code[c].end && (pr.code[c].op == opCNF || pr.code[c].op == opAll || pr.code[c].op == opSome) {
				pr.emit(pr.code[c].op, pr.code[c].n, pr.code[c].a)
			} else {
				pr.emit(opCopy, 0, uint32(e.order[j]))
			}
		} else {
			pr.compileCheck(r)
		}
		// The last instruction ends the rule, and so does every jump
		// past it.
		end := len(pr.code)
		pr.code[end-1].end = true
		for pc := at; pc < end; pc++ {
			if pr.code[pc].a == uint32(end) && pr.isJump(pc) {
				pr.code[pc].end = true
			}
		}
	}
	for i := len(e.order) - 1; i >= 0; i-- {
		if pr.start[i] < 0 {
			continue
		}
		pr.run[i] = 1
		if i+1 < len(e.order) && i+1 != e.nFirst && pr.start[i+1] >= 0 {
			pr.run[i] += pr.run[i+1]
		}
	}
	pr.find = newAtomTable(&pr.atoms)
	for f, m := range pr.atoms {
		pr.tested[f] = len(m) > 0
	}
	pr.words = (pr.nAtom + 63) / 64
	if pr.words > pr.small {
		pr.pool.New = func() any { s := make([]uint64, pr.words); return &s }
	}
	// What only compiling needs goes, so that the engine does not keep
	// it alive (each collection marks what the engine keeps).
	pr.atoms, pr.cmpAtom, pr.clauseOf = [numVocabFields]map[string]uint32{}, nil, nil
	pr.scratchTerms, pr.scratchKey, pr.slab = nil, nil, nil
	return pr
}

// compileCheck appends the code of r's condition, or a call of its
// closure when the program cannot hold it.
func (pr *directProgram) compileCheck(r *rule) {
	mark := pr.mark()
	if a := r.checked(); a != nil && pr.bool(a.Expr()) {
		return
	}
	pr.reset(mark)
	pr.sp = 0
	pr.emit(opCall, 0, uint32(len(pr.calls)))
	pr.calls = append(pr.calls, r.direct)
}

// isJump reports whether the instruction at pc jumps.
func (pr *directProgram) isJump(pc int) bool {
	switch pr.code[pc].op {
	case opJumpFalse, opJumpTrue, opJump:
		return true
	}
	return false
}

// progMark is the length of each of a program's slices, to undo a
// compilation that failed part way.
type progMark struct{ code, ints, clauses int }

func (pr *directProgram) mark() progMark {
	return progMark{len(pr.code), len(pr.ints), len(pr.clauses)}
}

func (pr *directProgram) reset(m progMark) {
	pr.code, pr.ints, pr.clauses = pr.code[:m.code], pr.ints[:m.ints], pr.clauses[:m.clauses]
}

func (pr *directProgram) emit(op dop, n uint16, a uint32) int {
	pr.code = append(pr.code, dinstr{op: op, n: n, a: a})
	return len(pr.code) - 1
}

// patch makes the jump at pc go to the next instruction.
func (pr *directProgram) patch(pc int) { pr.code[pc].a = uint32(len(pr.code)) }

func (pr *directProgram) nAtoms() int { return pr.nAtom }

// atom returns the number of the atom for string s in vocabulary field
// f, numbering it if it is new.
func (pr *directProgram) atom(f int, s string) uint32 {
	if pr.atoms[f] == nil {
		pr.atoms[f] = map[string]uint32{}
	}
	a, ok := pr.atoms[f][s]
	if !ok {
		a = uint32(pr.nAtom)
		pr.nAtom++
		pr.atoms[f][s] = a
	}
	return a
}

// cmpAtomOf returns the number of the atom for number field f compared
// with c by cmpOps[op], numbering it if it is new.
func (pr *directProgram) cmpAtomOf(f, op int, c float64) uint32 {
	k := numAtom{f: uint8(f), op: uint8(op), c: c}
	if pr.cmpAtom == nil {
		pr.cmpAtom = map[numAtom]uint32{}
	}
	a, ok := pr.cmpAtom[k]
	if !ok {
		a = uint32(pr.nAtom)
		pr.nAtom++
		pr.cmpAtom[k] = a
		k.atom = a
		pr.cmps = append(pr.cmps, k)
	}
	return a
}

// literal is an atom, or with pos false its negation.
type literal struct {
	atom uint32
	pos  bool
}

// leaf reads e as a test of atoms: the || of atoms, negated when neg is
// true. Its shapes are those of direct that test one field: 'x' in
// profile.F, profile.F.exists(v, v in [...]), profile.C == 'x' (either
// way round, and !=), profile.C in [...], and a number field compared
// with a number literal (directCompare).
func (pr *directProgram) leaf(e ast.Expr) (atoms []uint32, neg, ok bool) {
	switch e.Kind() {
	case ast.ComprehensionKind:
		name, set, ok := celast.ExistsIn(e)
		f := listFieldIndex(name)
		if !ok || f < 0 || len(set) > maxDirectLiterals {
			return nil, false, false
		}
		for _, s := range set {
			atoms = append(atoms, pr.atom(f, s))
		}
		return atoms, false, true
	case ast.CallKind:
		fn, args, ok := celast.Call(e)
		if !ok || len(args) != 2 {
			return nil, false, false
		}
		switch fn {
		case operators.In:
			if c := choiceFieldOf(args[0]); c >= 0 {
				set, ok := celast.Strings(args[1])
				if ok && len(set) <= maxDirectLiterals {
					for _, s := range set {
						atoms = append(atoms, pr.atom(numListFields+c, s))
					}
					return atoms, false, true
				}
			}
			s, ok := celast.String(args[0])
			name, _ := celast.Field(args[1])
			if f := listFieldIndex(name); ok && f >= 0 {
				return []uint32{pr.atom(f, s)}, false, true
			}
		case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals,
			operators.Equals, operators.NotEquals:
			if cmp, ok := celast.Compare(e); ok {
				name, _ := celast.Field(cmp.Side)
				f, k := numberFieldIndex(name), cmpIndex(cmp.Op)
				if c, ok := directNumber(cmp.Literal); ok && f >= 0 && k >= 0 {
					return []uint32{pr.cmpAtomOf(f, k, c)}, false, true
				}
			}
			if fn != operators.Equals && fn != operators.NotEquals {
				return nil, false, false
			}
			f, lit := choiceFieldOf(args[0]), args[1]
			if f < 0 {
				f, lit = choiceFieldOf(args[1]), args[0]
			}
			if s, ok := celast.String(lit); ok && f >= 0 {
				return []uint32{pr.atom(numListFields+f, s)}, fn == operators.NotEquals, true
			}
		}
	}
	return nil, false, false
}

// cnf returns e, negated when neg is true, in conjunctive normal form:
// an && of clauses, each an || of literals. It reports false when e is not
// made of leaves (see leaf), true and false, with !, && and ||, or when
// its form passes maxClauses or maxClauseLiteral.
func (pr *directProgram) cnf(e ast.Expr, neg bool) ([][]literal, bool) {
	if atoms, lneg, ok := pr.leaf(e); ok {
		// Not negated, the leaf is an || of its atoms: one clause;
		// negated, an && of their negations: a clause for each.
		if neg == lneg {
			c := pr.newLiterals(len(atoms))
			for i, a := range atoms {
				c[i] = literal{atom: a, pos: true}
			}
			return [][]literal{c}, len(c) <= maxClauseLiteral
		}
		out := make([][]literal, len(atoms))
		for i, a := range atoms {
			out[i] = pr.newLiterals(1)
			out[i][0] = literal{atom: a}
		}
		return out, len(out) <= maxClauses
	}
	if v, ok := celast.Bool(e); ok {
		if v != neg {
			return nil, true // no clause: true
		}
		return [][]literal{{}}, true // an empty clause: false
	}
	fn, args, ok := celast.Call(e)
	if !ok {
		return nil, false
	}
	switch fn {
	case operators.LogicalNot:
		if len(args) != 1 {
			return nil, false
		}
		return pr.cnf(args[0], !neg)
	case operators.LogicalAnd, operators.LogicalOr:
		if len(args) != 2 {
			return nil, false
		}
		a, ok := pr.cnf(args[0], neg)
		if !ok {
			return nil, false
		}
		b, ok := pr.cnf(args[1], neg)
		if !ok {
			return nil, false
		}
		// Negated, an && is an || of negations, and the other way round.
		if (fn == operators.LogicalAnd) != neg {
			return append(a, b...), len(a)+len(b) <= maxClauses
		}
		if len(a)*len(b) > maxClauses {
			return nil, false
		}
		out := make([][]literal, 0, len(a)*len(b))
		for _, ca := range a {
			for _, cb := range b {
				if len(ca)+len(cb) > maxClauseLiteral {
					return nil, false
				}
				c := pr.newLiterals(len(ca) + len(cb))
				copy(c[copy(c, ca):], cb)
				out = append(out, c)
			}
		}
		return out, true
	}
	return nil, false
}

// newLiterals returns room for n literals, cut from a slab, for cnf.
func (pr *directProgram) newLiterals(n int) []literal {
	if cap(pr.slab)-len(pr.slab) < n {
		pr.slab = make([]literal, 0, max(1024, n))
	}
	at := len(pr.slab)
	pr.slab = pr.slab[:at+n]
	return pr.slab[at : at+n : at+n]
}

// cnfCode appends the code of e when cnf can read it: one instruction.
func (pr *directProgram) cnfCode(e ast.Expr) bool {
	cs, ok := pr.cnf(e, false)
	if !ok {
		return false
	}
	// One word, and either clauses of one literal or one clause.
	units, word := true, -1
	for _, c := range cs {
		units = units && len(c) == 1
		for _, l := range c {
			if word >= 0 && int(l.atom/64) != word {
				word = -2
			}
			if word != -2 {
				word = int(l.atom / 64)
			}
		}
	}
	switch {
	case len(cs) == 0:
		pr.emit(opConst, 0, 1)
		return true
	case word >= 0 && (units || len(cs) == 1):
		var lits []literal
		for _, c := range cs {
			lits = append(lits, c...)
		}
		op := opAll
		if !units {
			op = opSome
		}
		pr.emit(op, 0, pr.clause(lits).t)
		return true
	}
	// The clauses of one literal are tested together, first.
	at := len(pr.clauses)
	var unit []literal
	for _, c := range cs {
		if len(c) == 1 {
			unit = append(unit, c[0])
		}
	}
	if len(unit) > 0 {
		all := pr.clause(unit)
		all.all = true
		pr.clauses = append(pr.clauses, all)
	}
	for _, c := range cs {
		if len(c) != 1 {
			pr.clauses = append(pr.clauses, pr.clause(c))
		}
	}
	pr.emit(opCNF, uint16(len(pr.clauses)-at), uint32(at))
	return true
}

// clause returns the clause of the literals c, its terms appended to
// pr.terms unless the same terms are there already.
func (pr *directProgram) clause(c []literal) clause {
	ts := pr.scratchTerms[:0]
	defer func() { pr.scratchTerms = ts[:0] }()
	for _, l := range c {
		w, bit := l.atom/64, uint64(1)<<(l.atom%64)
		k := 0
		for k < len(ts) && ts[k].w != w {
			k++
		}
		if k == len(ts) {
			ts = append(ts, termMask{w: w})
		}
		if l.pos {
			ts[k].pos |= bit
		} else {
			ts[k].neg |= bit
		}
	}
	slices.SortFunc(ts, func(a, b termMask) int { return cmp.Compare(a.w, b.w) })
	key := pr.scratchKey[:0]
	defer func() { pr.scratchKey = key[:0] }()
	for _, t := range ts {
		key = binary.LittleEndian.AppendUint32(key, t.w)
		key = binary.LittleEndian.AppendUint64(key, t.pos)
		key = binary.LittleEndian.AppendUint64(key, t.neg)
	}
	if cl, ok := pr.clauseOf[string(key)]; ok {
		return cl
	}
	cl := clause{t: uint32(len(pr.terms)), n: uint32(len(ts))}
	pr.terms = append(pr.terms, ts...)
	if pr.clauseOf == nil {
		pr.clauseOf = map[string]clause{}
	}
	pr.clauseOf[string(key)] = cl
	return cl
}

// bool appends the code that sets acc to the value of e, a condition of
// the shapes direct compiles, and reports whether it could.
func (pr *directProgram) bool(e ast.Expr) bool {
	if pr.cnfCode(e) {
		return true
	}
	if v, ok := celast.Bool(e); ok {
		a := uint32(0)
		if v {
			a = 1
		}
		pr.emit(opConst, 0, a)
		return true
	}
	fn, args, ok := celast.Call(e)
	if !ok {
		return false
	}
	switch fn {
	case operators.LogicalNot:
		if len(args) != 1 || !pr.bool(args[0]) {
			return false
		}
		pr.emit(opNot, 0, 0)
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
	case operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals,
		operators.Equals, operators.NotEquals:
		// What is left of the comparisons: those of int expressions
		// (directIntCompare).
		k := cmpIndex(fn)
		if len(args) != 2 || !pr.int(args[0]) || !pr.int(args[1]) {
			return false
		}
		pr.emit(opIntLess+dop(k), 0, 0)
		pr.sp -= 2
		return true
	}
	return false
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
// values name or its numbers make true.
func (pr *directProgram) read(p *Profile, st *progState, bits []uint64) {
	for f := range numberFields {
		st.nums[f] = numberFields[f].get(p)
	}
	for _, c := range pr.cmps {
		v, holds := st.nums[c.f], false
		switch c.op {
		case 0:
			holds = v < c.c
		case 1:
			holds = v <= c.c
		case 2:
			holds = v > c.c
		case 3:
			holds = v >= c.c
		case 4:
			holds = v == c.c
		case 5:
			holds = v != c.c
		}
		if holds {
			bits[c.atom/64] |= 1 << (c.atom % 64)
		}
	}
	for f := range listFields {
		if !pr.tested[f] {
			continue
		}
		for _, v := range listFields[f].get(p) {
			if a, ok := pr.find.lookup(f, v); ok {
				bits[a/64] |= 1 << (a % 64)
			}
		}
	}
	for c := range choiceFields {
		if f := numListFields + c; pr.tested[f] {
			if a, ok := pr.find.lookup(f, choiceFields[c].get(p)); ok {
				bits[a/64] |= 1 << (a % 64)
			}
		}
	}
}

// atomTable finds the atom of a string of a vocabulary field: an open
// addressing hash table whose hash reads a few bytes of the string, so
// that a lookup costs a few loads and one comparison of strings, several
// times less than a map's.
type atomTable struct {
	slots []atomSlot
	mask  uint32
}

type atomSlot struct {
	s string
	// f is the vocabulary field, and atom the atom plus one: 0 marks
	// an empty slot.
	f    uint8
	atom uint32
}

// newAtomTable makes the table of atoms, by vocabulary field, at most
// half full.
func newAtomTable(atoms *[numVocabFields]map[string]uint32) atomTable {
	n := 0
	for _, m := range atoms {
		n += len(m)
	}
	size := 8
	for size < 2*n {
		size *= 2
	}
	t := atomTable{slots: make([]atomSlot, size), mask: uint32(size - 1)}
	for f, m := range atoms {
		for s, a := range m {
			i := atomHash(f, s) & t.mask
			for t.slots[i].atom != 0 {
				i = (i + 1) & t.mask
			}
			t.slots[i] = atomSlot{s: s, f: uint8(f), atom: a + 1}
		}
	}
	return t
}

// atomHash hashes s, of vocabulary field f, from its length and its
// first, middle and last bytes.
func atomHash(f int, s string) uint32 {
	h := uint32(len(s))*0x9e3779b1 ^ uint32(f)*0xc2b2ae35
	if len(s) > 0 {
		h ^= uint32(s[0]) | uint32(s[len(s)/2])<<8 | uint32(s[len(s)-1])<<16
		h *= 0x85ebca6b
	}
	return h ^ h>>15
}

// lookup returns the atom of s in vocabulary field f, and whether there is
// one.
func (t *atomTable) lookup(f int, s string) (uint32, bool) {
	for i := atomHash(f, s) & t.mask; ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if sl.atom == 0 {
			return 0, false
		}
		if int(sl.f) == f && sl.s == s {
			return sl.atom - 1, true
		}
	}
}

// exec runs the code of the rules i to i+n-1 of Engine.order, from pc
// (their first instruction), writing each rule's result to matched. p, st
// and bits are the profile and what read made of it.
func (pr *directProgram) exec(pc, i, n int, p *Profile, st *progState, bits []uint64, matched []bool) {
	code := pr.code
	acc := false
	sp := 0
	for {
		in := code[pc]
		pc++
		switch in.op {
		case opCopy:
			acc = matched[in.a]
		case opConst:
			acc = in.a != 0
		case opCNF:
			acc = true
		clauses:
			for _, c := range pr.clauses[in.a : in.a+uint32(in.n)] {
				if c.all {
					for _, t := range pr.terms[c.t : c.t+c.n] {
						if b := bits[t.w]; b&t.pos != t.pos || b&t.neg != 0 {
							acc = false
							break clauses
						}
					}
					continue
				}
				holds := false
				for _, t := range pr.terms[c.t : c.t+c.n] {
					if b := bits[t.w]; b&t.pos != 0 || ^b&t.neg != 0 {
						holds = true
						break
					}
				}
				if !holds {
					acc = false
					break
				}
			}
		case opAll:
			t := &pr.terms[in.a]
			b := bits[t.w]
			acc = b&t.pos == t.pos && b&t.neg == 0
		case opSome:
			t := &pr.terms[in.a]
			b := bits[t.w]
			acc = b&t.pos != 0 || ^b&t.neg != 0
		case opNot:
			acc = !acc
		case opJumpFalse:
			if acc {
				continue
			}
			pc = int(in.a)
		case opJumpTrue:
			if !acc {
				continue
			}
			pc = int(in.a)
		case opJump:
			pc = int(in.a) // and ends the rule if it jumps to its end
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
		if in.end {
			matched[pr.rule[i]] = acc
			i++
			n--
			if n == 0 {
				return
			}
		}
	}
}
