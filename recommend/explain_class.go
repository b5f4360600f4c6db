package recommend

// Classes of explanations. What explaining a condition that reads a
// profile number finds depends on the number in two ways only: whether
// each clause that reads it is true, and the number itself, written in
// the words of each comparison that shows it ("your pain began 365 days
// ago"). So the explanation found for one profile is, once its numbers
// are taken out, the explanation of every profile whose clauses give the
// same values and whose other fields read the same: a class. The Engine
// keeps a class's explanation, with the places of its numbers (holes),
// and an Explainer of a new person, whose numbers the cache of
// explanations (whyCache) has never seen, fills them in with the
// person's numbers rather than walking the condition again; a class
// whose words show no number serves every profile of the class as it
// is.

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
)

// whyClassPlan is what keys the classes of a plan's explanations: the
// plan's clauses, each a direct check, its comparisons of a computed
// number, and what the condition reads of the profile but its numbers.
// Only a plan whose every value has a direct check, which reads a number
// and reads the profile by its fields, has one.
type whyClassPlan struct {
	leaves []*whyNode
	sides  []*comparisonLeaf
	// reads is the plan's reads without the number fields, and numbers
	// the number fields it reads (bits of a fieldSet).
	reads   whyReads
	numbers fieldSet
}

// numberFieldSet is the number fields, as bits of a fieldSet.
const numberFieldSet = fieldSet(1<<len(numberFields)-1) << numberFieldBit

// newClassPlan returns what keys the classes of the explanations of the
// plan b made, which reads r, or nil when it has none: a condition
// whose value is not every time a direct check's, which reads no number,
// or which reads the profile other than by its fields.
func newClassPlan(b *planBuilder, r *whyReads) *whyClassPlan {
	if !b.direct || r.fields == allFields || r.fields&numberFieldSet == 0 {
		return nil
	}
	cp := &whyClassPlan{leaves: b.leaves, sides: b.sides, reads: *r, numbers: r.fields & numberFieldSet}
	cp.reads.fields &^= numberFieldSet
	return cp
}

// classKey returns the key of the class of the Explainer's explanation
// of plan pl, which has a whyClassPlan, in x.ckey: the plan's number,
// what its condition reads but the numbers (appendValues), the value of
// each clause, for each number it reads whether it is 0 (an age or a
// week of pregnancy of 0 is not given, and shown so) and the length of
// its words, and the value of each computed number it compares. The
// explanations of a class differ only in the numbers their summaries
// show, each as long in one as in another. It is called with x.mu held.
func (x *Explainer) classKey(pl *whyPlan) []byte {
	cp := pl.class
	if x.ckey == nil {
		// Room for the key of most plans, so that it is not grown
		// step by step.
		x.ckey = make([]byte, 0, 64)
	}
	b := binary.AppendUvarint(x.ckey[:0], uint64(pl.ord))
	b = x.appendValues(b, &cp.reads)
	b = appendBitset(b, len(cp.leaves), func(i int) bool { return cp.leaves[i].check(x.p) })
	for fi := range numberFields {
		if cp.numbers&(1<<(numberFieldBit+fi)) != 0 {
			b = append(b, boolByte(numberFields[fi].get(x.p) == 0), byte(len(x.number(fi))))
		}
	}
	for _, l := range cp.sides {
		b = binary.AppendVarint(b, l.sideInt(x.p))
	}
	x.ckey = b
	return b
}

// number returns the Explainer's profile's number fi in words, as
// formatNumber writes it, in x.nums: written once. It is called with
// x.mu held.
func (x *Explainer) number(fi int) []byte {
	if x.nums == nil {
		x.nums = new([len(numberFields)]numberWords)
	}
	n := &x.nums[fi]
	if n.n == 0 {
		n.n = uint8(len(appendNumber(n.b[:0], numberFields[fi].get(x.p))))
	}
	return n.b[:n.n]
}

// numberWords is a number in words (Explainer.number): its bytes,
// n of them, or none yet.
type numberWords struct {
	b [32]byte
	n uint8
}

// whyClass is the explanation of a class of profiles: w, found for one
// of them, its own and never changed, with holes, for each number of a
// profile field its summary shows, three numbers: where it starts in the
// summary, its length and its field (numberFields). Without holes, w is
// the explanation of every profile of the class.
type whyClass struct {
	w     *ruleWhy
	holes []int32
}

// newWhyClass returns the class of w, what a walk found, whose summary
// shows profile numbers at holes: w itself when it is not cut from an
// Explainer's slabs, or else a copy of its own, so that the class holds
// no slab.
func newWhyClass(w *ruleWhy, holes []int32) *whyClass {
	if w.cut {
		cp := *w
		cp.cut = false
		cp.summary = strings.Clone(w.summary)
		cp.clauses = slices.Clone(w.clauses)
		cp.vals = slices.Clone(w.vals)
		w = &cp
	}
	return &whyClass{w: w, holes: slices.Clone(holes)}
}

// size is about how many bytes k holds, for the bound of whyCache.
func (k *whyClass) size() int {
	return 32 + 4*len(k.holes) + k.w.size()
}

// appendNumber appends v to b as formatNumber formats it.
func appendNumber(b []byte, v float64) []byte {
	if smallWhole(v) {
		return strconv.AppendInt(b, int64(int(v)), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// classHoles is the most holes a class has: a walk that wrote more
// makes none.
const classHoles = 16

// fill returns the explanation of class k for the Explainer's profile:
// k's own when its summary shows no number, or else one that shares its
// clauses and values (each number of a profile field, as long as k's,
// is where k's is, and a clause shows the number of its view's profile,
// see RuleExplanation.clauses), its summary k's with the profile's
// numbers in the holes, written in x.text. It is called with x.mu held.
func (x *Explainer) fill(k *whyClass) *ruleWhy {
	t := k.w
	if len(k.holes) == 0 {
		return t
	}
	a := &x.text
	a.room(len(t.summary))
	start, prev := a.b.Len(), 0
	for i := 0; i < len(k.holes); i += 3 {
		pos, n := int(k.holes[i]), int(k.holes[i+1])
		a.b.WriteString(t.summary[prev:pos])
		a.b.Write(x.number(int(k.holes[i+2])))
		prev = pos + n
	}
	a.b.WriteString(t.summary[prev:])
	x.noteWhyText()
	w := x.newRuleWhy(0, 0, false)
	w.e, w.matched, w.texts, w.clauses, w.vals = t.e, t.matched, t.texts, t.clauses, t.vals
	w.summary = a.b.String()[start:]
	return w
}

// isNumberField reports whether code is the code of a number field
// (fieldCode).
func isNumberField(code uint8) bool {
	b := int(code) - 1
	return b >= numberFieldBit && b < choiceFieldBit
}

// class returns the class of key (classKey), or nil.
func (c *whyCache) class(key []byte) *whyClass {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.classes[string(key)]
}

// keepClass keeps, for key, the class of w, what a walk found, with
// holes (newWhyClass), once the doorkeeper of classes admits key, unless
// one is kept already.
func (c *whyCache) keepClass(key []byte, w *ruleWhy, holes []int32) {
	if len(holes) > 3*classHoles || !c.admits(&c.doors().classes, key) {
		return
	}
	k := newWhyClass(w, holes)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.classes[string(key)] != nil {
		return
	}
	n := int64(64 + len(key) + k.size())
	if c.classes == nil || c.classBytes+n > cmp.Or(c.classLimit, whyClassBytes) {
		// Started again empty, with room for as many as it held (see
		// whyCache.room).
		c.classes, c.classBytes = make(map[string]*whyClass, len(c.classes)), 0
	}
	c.classBytes += n
	c.classes[string(key)] = k
}

// whyClassBytes bounds, about, the bytes of the classes an Engine's
// whyCache keeps, apart from whyCacheBytes: when a new class would pass
// it, the classes start again empty. Profiles of many kinds of numbers
// make many classes, which, counted with the tables, would empty them
// more often.
const whyClassBytes = 512 << 10

// scratch makes, on first use, the Explainer's scratch of walks and
// fills: the summary as written, its clauses' places and its holes.
func (x *Explainer) scratch() {
	if x.says == nil {
		x.says, x.spans, x.holes = make([]byte, 0, summaryBytes), make([]int, 0, 16), make([]int32, 0, 3*classHoles)
	}
}
