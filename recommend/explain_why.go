package recommend

// The why of an explanation: the summary of a movement's outcome, and for
// each rule, the clauses of its condition that decided whether it
// matched. A condition's plan (whyPlan), made on its first explanation and
// shared by every Explainer of the engine, holds what does not depend on
// the profile: the nodes the walk visits, each clause's text and the
// words of the vocabulary it names. For a profile, the walk reads each
// node's value and finds the clauses that decided the outcome. The values
// come from the condition's direct checks (directcheck.go), which cannot
// fail and give CEL's values (TestExplainDirectMatchesTracked); for a
// condition without them, from cel-go's evaluation state: the checked AST
// is run again by its tracking program (built at load, see
// trackedOptions), with every sub-expression's value tracked and no short
// cut taken. Conditions are read through internal/celast, which also
// gives each clause its text, the same text the clause coverage of
// Analyze shows. Only an Explainer pays for this; Recommend never does.

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/backrules/backrules/internal/celast"
	"github.com/backrules/backrules/internal/words"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"
)

// notAdvised is the summary of a movement no matched rule recommends,
// avoids or cautions against: the same for every such movement, and not
// copied for each.
const notAdvised = "Not advised either way: no rule that matched recommends or avoids it."

// appendOutcomeSummary appends to b the summary of a movement's
// outcome: what it is and who decided it.
func (e *Engine) appendOutcomeSummary(b []byte, x *Explanation, d *record, dm *decision) []byte {
	rec, avoid, caution := d.rules(dm, effectRecommend), d.rules(dm, effectAvoid), d.rules(dm, effectCaution)
	rules := func(b []byte, rs []int) []byte {
		for i, ri := range rs {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, e.rules[ri].id...)
		}
		return b
	}
	switch x.Outcome {
	case OutcomeRecommended:
		b = append(b, "Recommended, by "...)
		b = rules(b, rec)
		if x.PlanStep > 0 {
			b = append(b, ". It is step "...)
			b = strconv.AppendInt(b, int64(x.PlanStep), 10)
			b = append(b, " of the plan."...)
		} else {
			b = append(b, ". It is not in the plan."...)
		}
		if len(caution) > 0 {
			b = append(b, " It is cautioned by "...)
			b = rules(b, caution)
			b = append(b, ": the caution is attached, and the movement stays recommended."...)
		}
	case OutcomeAvoided:
		b = append(b, "Avoided, by "...)
		b = rules(b, avoid)
		b = append(b, '.')
		if len(rec) > 0 {
			b = append(b, ' ')
			b = rules(b, rec)
			b = append(b, " recommends it, but an avoid always wins."...)
		}
	case OutcomeNeedsEquipment:
		b = append(b, "Left out because you do not have: "...)
		b = appendTermLabels(b, x.Missing, "and")
		b = append(b, ". It would be recommended, by "...)
		b = rules(b, rec)
		b = append(b, '.')
	case OutcomeWithheld:
		b = append(b, "Withheld: it would be recommended, by "...)
		b = rules(b, rec)
		b = append(b, ", but "...)
		b = appendIDs(b, x.WithheldBy)
		b = append(b, " refers you to a clinician first and withholds all movement advice."...)
		if len(x.Missing) > 0 {
			b = append(b, " It would also need: "...)
			b = appendTermLabels(b, x.Missing, "and")
			b = append(b, '.')
		}
	default:
		b = append(b, notAdvised...)
		if len(caution) > 0 {
			b = append(b, ' ')
			b = rules(b, caution)
			b = append(b, " cautions against it, which only matters when it is recommended."...)
		}
	}
	if x.Outcome != OutcomeWithheld && len(x.WithheldBy) > 0 {
		// The advice is withheld whatever this movement's outcome: a
		// reader of one movement's answer must not take it as leave to
		// go ahead.
		b = append(b, " Movement advice is withheld all the same: "...)
		b = appendIDs(b, x.WithheldBy)
		b = append(b, " refers you to a clinician first."...)
	}
	return b
}

// appendIDs appends ids joined by ", ".
func appendIDs(b []byte, ids []string) []byte {
	for i, id := range ids {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, id...)
	}
	return b
}

// appendTermLabels appends the labels of ts joined as explainJoin joins
// them: "Towel, Bed and Sofa".
func appendTermLabels(b []byte, ts []Term, conj string) []byte {
	for i, t := range ts {
		switch {
		case i == 0:
		case i == len(ts)-1:
			b = append(b, ' ')
			b = append(b, conj...)
			b = append(b, ' ')
		default:
			b = append(b, ", "...)
		}
		b = append(b, t.Label...)
	}
	return b
}

// explainJoin joins names as "a, b or c" with conj between the last two.
func explainJoin(names []string, conj string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conj + " " + names[len(names)-1]
}

func explainContains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// whyIndex is what every Explainer of an engine reads of its movements,
// made once, on the first explanation: for each movement, the rules that
// name it and the effects by which they do. Nothing of it is handed out:
// RuleExplanation.Effects copies an effect list.
type whyIndex struct {
	once      sync.Once
	movements []whyMovement
	// effects are the distinct lists of the effects by which a rule
	// names a movement: list c is effects[ends[c-1]:ends[c]], each
	// effect's SelectedBy cut from by.
	effects []NamingEffect
	ends    []int
	by      []string
	// referring are the rules with a referral, in rule order.
	referring []int
	// pairs is how many (movement, rule that names it) there are: how
	// many rule explanations the Explainer's answers hold at most.
	pairs int
	// plans holds each rule's explanation plan once an Explainer read it
	// (Explainer.plan).
	plans []atomic.Pointer[whyPlan]
}

// whyMovement is what explaining one movement reads of the rules that
// name it.
type whyMovement struct {
	// rules are the rules that name the movement, directly, by tag or by
	// kind, in rule order; the effects of rules[k] that name it are
	// effect list lists[k] of the whyIndex.
	rules []int
	lists []int
}

// whyMovement returns what explaining movement mi reads of the rules.
func (e *Engine) whyMovement(mi int) *whyMovement {
	return &e.whyIndex().movements[mi]
}

// whyIndex returns the engine's whyIndex, made on first use.
func (e *Engine) whyIndex() *whyIndex {
	e.why.once.Do(e.makeWhyIndex)
	return &e.why
}

// makeWhyIndex makes e.why.
func (e *Engine) makeWhyIndex() {
	w := &e.why
	w.movements = make([]whyMovement, len(e.movements))
	w.plans = make([]atomic.Pointer[whyPlan], len(e.rules))
	// "tag NAME" and "kind NAME", each made once, and the effect lists
	// by their text.
	names := map[string]string{}
	name := func(what, n string) string {
		if s, ok := names[what+n]; ok {
			return s
		}
		s := what + n
		names[s] = s
		return s
	}
	lists := map[string]int{}
	var key strings.Builder
	var effs []NamingEffect
	var by []string
	for ri := range e.rules {
		r := &e.rules[ri]
		for eff := range numEffects {
			for _, mj := range r.effects[eff] {
				// Once per rule: an earlier effect of the rule already
				// added it.
				if slices.ContainsFunc(r.effects[:eff], func(s []int) bool { return explainContains(s, mj) }) {
					continue
				}
				m := &e.movements[mj]
				effs, by = effs[:0], by[:0]
				key.Reset()
				key.WriteString(strconv.Itoa(ri))
				for eff := eff; eff < numEffects; eff++ {
					if !explainContains(r.effects[eff], mj) {
						continue
					}
					n := len(by)
					if sel := r.selectors[eff]; sel != nil {
						if slices.Contains(sel.movements, m.id) {
							by = append(by, "movement")
						}
						for _, t := range sel.tags {
							if slices.Contains(m.tags, t) {
								by = append(by, name("tag ", t))
							}
						}
						for _, k := range sel.kinds {
							if k == m.kind {
								by = append(by, name("kind ", k))
							}
						}
					}
					effs = append(effs, NamingEffect{Kind: effectKinds[eff], SelectedBy: by[n:len(by):len(by)], Because: r.because[eff]})
					key.WriteString("\x00" + strconv.Itoa(eff))
					for _, s := range by[n:] {
						key.WriteString("\x01" + s)
					}
				}
				c, ok := lists[key.String()]
				if !ok {
					c = len(w.ends)
					lists[key.String()] = c
					for _, f := range effs {
						start := len(w.by)
						w.by = append(w.by, f.SelectedBy...)
						f.SelectedBy = w.by[start:len(w.by):len(w.by)]
						w.effects = append(w.effects, f)
					}
					w.ends = append(w.ends, len(w.effects))
				}
				wm := &w.movements[mj]
				wm.rules = append(wm.rules, ri)
				wm.lists = append(wm.lists, c)
			}
		}
	}
	for ri := range e.rules {
		if e.rules[ri].refer != nil {
			w.referring = append(w.referring, ri)
		}
	}
	for mi := range w.movements {
		w.pairs += len(w.movements[mi].rules)
	}
}

// pageSize is what the page of an Explainer's Result asks for, which
// sizes the Explainer's slabs once it answers more than one question:
// the answers of its recommended and avoided movements, and their rules
// and the referral rules, as views.
type pageSize struct {
	answers, views int
}

// page returns the pageSize of the Explainer's Result, found on first
// use. It is called with x.mu held.
func (x *Explainer) page() pageSize {
	if x.pg == nil {
		wi := x.e.whyIndex()
		pg := &pageSize{views: len(wi.referring)}
		for mi := range x.rec.kept {
			if o := keptOutcomes[x.rec.kept[mi].outcome]; o == OutcomeRecommended || o == OutcomeAvoided {
				pg.answers++
				pg.views += len(wi.movements[mi].rules)
			}
		}
		x.pg = pg
	}
	return *x.pg
}

// slabSize returns how many elements the next slab of answers or views
// of an Explainer holds, once made were cut: as many as its page cuts
// past them (page the page's), or as many as made, whichever is more,
// but no more than total, the most the Explainer cuts if it is asked
// each question once, does past them; and one at least. A page asks for
// its answers one by one: the first slab holds the first question's
// alone, as an Explainer may be asked one, and the second the rest of
// the page.
func slabSize(made, page, total int) int {
	return max(1, min(max(made, page-made), total-made))
}

// viewRoom returns x.views with room for n more views: the Explainer's
// slab of views, made anew when full (slabSize). It is called with x.mu
// held.
func (x *Explainer) viewRoom(n int) []RuleExplanation {
	if cap(x.views)-len(x.views) >= n {
		return x.views
	}
	size := n
	if x.nViews > 0 {
		wi := x.e.whyIndex()
		size = max(n, slabSize(int(x.nViews), x.page().views, wi.pairs+len(wi.referring)))
	}
	return make([]RuleExplanation, 0, size)
}

// movementRules returns the explanations of the rules that name a
// movement, wm.rules in order, each with the effects by which it names
// the movement, cut from x.views: the caller's own list. It is called
// with x.mu held.
func (x *Explainer) movementRules(ctx context.Context, wm *whyMovement) []RuleExplanation {
	n := len(wm.rules)
	if n == 0 {
		return []RuleExplanation{}
	}
	x.views = x.viewRoom(n)
	x.nViews += int32(n)
	start := len(x.views)
	for k, ri := range wm.rules {
		x.views = append(x.views, RuleExplanation{w: x.why(ctx, ri), p: x.p, rule: int32(ri), effects: int32(wm.lists[k]) + 1})
	}
	return x.views[start:len(x.views):len(x.views)]
}

// referralRules returns the explanations of the rules with a referral,
// ris in order, each with how its referral was folded, cut from x.views:
// the caller's own list.
func (x *Explainer) referralRules(ctx context.Context, ris []int) []RuleExplanation {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := len(ris)
	if n == 0 {
		return []RuleExplanation{}
	}
	x.views = x.viewRoom(n)
	x.nViews += int32(n)
	start := len(x.views)
	for _, ri := range ris {
		w := x.why(ctx, ri)
		if f := foldOf(x.res, x.e.rules[ri].id); f != nil {
			// The fold is the Explainer's: a copy of the shared
			// explanation holds it.
			cp := *w
			cp.folded = f
			w = &cp
		}
		x.views = append(x.views, RuleExplanation{w: w, p: x.p, rule: int32(ri)})
	}
	return x.views[start:len(x.views):len(x.views)]
}

// why returns what explaining rule ri found for the Explainer's profile:
// found once per Explainer for each condition, and kept by the Engine for
// the values of the profile fields the rule's condition reads
// (whyCache), for every rule with the same condition, once it saw those
// values before (whyCache.door); or, for a condition that reads only
// whether lists hold some ids, none of which the profile's lists hold,
// kept by the plan (whyPlan.none) with no lookup. With the cache off, or
// for values it does not admit yet, the Explainer keeps what it found by
// plan (Explainer.found). It is called with x.mu held.
func (x *Explainer) why(ctx context.Context, ri int) *ruleWhy {
	e, matched := x.e, x.rec.hit(ri)
	pl := x.plan(ri)
	var t *whyTable
	var none *atomic.Pointer[ruleWhy]
	// mine is true when what the walk finds is the Explainer's alone
	// (found): with the cache off, or values it does not admit yet.
	mine := false
	if pl != nil && pl.root != nil {
		// (A plan without a root, of a condition that no longer
		// compiles, has no slot: its rule is explained by the whole
		// condition, kept by the Explainer.)
		if w := x.foundFor(pl); w != nil && w.matched == matched {
			return w
		}
		switch {
		case pl.lists && x.holdsNone(pl):
			none = &pl.none[boolRank(matched)]
			if w := none.Load(); w != nil {
				return w
			}
		case e.whys.off.Load():
			// No table: what the walk finds is the Explainer's (found).
			mine = true
		default:
			if t = x.table(pl); t == nil {
				// Values the cache does not admit yet: what the walk
				// finds is the Explainer's.
				mine = true
			} else if pl.idx >= len(t.at) {
				// A plan made after the table: kept by the Explainer only.
				t = nil
			} else if w := t.at[pl.idx].Load(); w != nil && w.matched == matched {
				return w
			}
		}
	}
	if w := x.own[ri]; w != nil {
		return w
	}
	verdict := "not matched"
	if matched {
		verdict = "matched"
	}
	// A condition whose explanation a class holds (whyClass) is
	// explained by the class, with the profile's numbers: no walk.
	var w *ruleWhy
	ok := false
	classed := pl != nil && pl.class != nil && none == nil && !e.whys.off.Load() && !e.whys.noClasses.Load()
	if classed {
		if k := e.whys.class(x.classKey(pl)); k != nil && k.w.matched == matched {
			w, ok = x.fill(k), true
			e.whys.fills.Add(1)
		}
	}
	if !ok {
		e.whys.walks.Add(1)
		x.holes = x.holes[:0]
		w, ok = x.walk(ctx, pl, matched, verdict, none != nil)
		if ok && classed {
			e.whys.keepClass(x.ckey, w, x.holes)
		}
	}
	if !ok {
		// The whole condition, with the value Recommend found: not kept
		// by the Engine, as ctx may have ended the walk.
		r := &e.rules[ri]
		w = &ruleWhy{e: e, matched: matched, texts: []string{words.OneLine(r.when)}}
		w.summary = verdict + ": the condition is " + strconv.FormatBool(matched)
		w.clauses = []whyClause{{val: -1, says: [2]uint32{uint32(len(verdict) + 2), uint32(len(w.summary))}, value: matched}}
	}
	switch {
	case !ok:
	case none != nil:
		if !none.CompareAndSwap(nil, w) {
			w = none.Load()
		}
		return w
	case t != nil:
		kept := e.whys.keep(t, pl.idx, w)
		if kept == w && w.cut {
			x.pay()
		}
		if kept.matched == matched {
			return kept
		}
	case mine:
		return x.find(pl, w)
	}
	if x.own == nil {
		x.own = map[int]*ruleWhy{}
	}
	x.own[ri] = w
	return w
}

// foundFor returns what the Explainer found for plan pl, or nil. It is
// called with x.mu held.
func (x *Explainer) foundFor(pl *whyPlan) *ruleWhy {
	if pl.ord < len(x.found) {
		return x.found[pl.ord]
	}
	return nil
}

// find notes w as what the Explainer found for plan pl, for the next
// rule with the same condition, and returns it. It is called with x.mu
// held.
func (x *Explainer) find(pl *whyPlan, w *ruleWhy) *ruleWhy {
	if pl.ord >= len(x.found) {
		// Every plan numbered so far: once every condition was
		// explained, all there are.
		n := max(pl.ord+1, x.e.whys.numbered())
		x.found = append(x.found, make([]*ruleWhy, n-len(x.found))...)
	}
	x.found[pl.ord] = w
	return w
}

// summaryBytes is the room for a summary as it is written, an answer's
// on the stack, a walk's in the Explainer's scratch (Explainer.says):
// longer ones are written in a larger allocation.
const summaryBytes = 512

// textArena holds strings cut from a few allocations: a strings.Builder
// only ever appends, so a string cut from it never changes. chunks is how
// many allocations it made, and charged the number of the last one
// counted in the Engine's cache (Explainer.keepWhy).
type textArena struct {
	b       strings.Builder
	chunks  int32
	charged int32
}

// textChunk is the size of each allocation of an Explainer's arena of
// text: about an answer's summary and those of its rules' walks, a
// hundred bytes or a few each. A page of a few dozen answers fills a few;
// the last one made is, on average, half used.
const textChunk = 2048

// keep returns b as a string cut from a, started anew when full.
func (a *textArena) keep(b []byte) string {
	a.room(len(b))
	start := a.b.Len()
	a.b.Write(b)
	return a.b.String()[start:]
}

// room makes room in a for n more bytes, in a new allocation when the
// last has not enough.
func (a *textArena) room(n int) {
	if a.b.Cap()-a.b.Len() < n {
		a.b = strings.Builder{}
		a.b.Grow(max(n, textChunk))
		a.chunks++
	}
}

// keep returns b as a string cut from x.text, the Explainer's arena of
// its answers' summaries and its walks'. It is called with x.mu held.
func (x *Explainer) keep(b []byte) string { return x.text.keep(b) }

// summaryCache holds the summaries of answers the Explainers of an
// Engine wrote, each by itself: an answer's summary names only its
// outcome, rules, plan step and missing equipment, so that most people,
// new ones too, have the summaries of people before them. m maps each to
// itself, of about bytes bytes, bounded by summaryCacheBytes.
type summaryCache struct {
	mu    sync.RWMutex
	m     map[string]string
	bytes int
}

// summaryCacheBytes bounds, about, the bytes of an Engine's summaryCache:
// when a new summary would pass it, the cache starts again empty. A few
// hundred summaries, of about 100 bytes, with their entries.
const summaryCacheBytes = 64 << 10

// summaryEntryBytes is about what an entry of a summaryCache takes past
// its text: the key's and the value's headers, and the map's slot.
const summaryEntryBytes = 48

// keepSummary returns b, the summary of an answer, as the Engine's
// summaryCache holds it, added when it holds none: the same text as b,
// which no later call changes. With the cache off, it is kept in x.text.
// It is called with x.mu held.
func (x *Explainer) keepSummary(b []byte) string {
	c := &x.e.whys
	if c.off.Load() {
		return x.keep(b)
	}
	sc := &c.says
	sc.mu.RLock()
	s, ok := sc.m[string(b)]
	sc.mu.RUnlock()
	if ok {
		return s
	}
	s = string(b)
	sc.mu.Lock()
	if sc.m == nil || sc.bytes+len(s)+summaryEntryBytes > summaryCacheBytes {
		sc.m, sc.bytes = make(map[string]string), 0
	}
	if _, ok := sc.m[s]; !ok {
		sc.m[s] = s
		sc.bytes += len(s) + summaryEntryBytes
	}
	sc.mu.Unlock()
	return s
}

// keepWhy returns b, the summary of a walk's explanation, as a string cut
// from x.text, as keep does, and notes the whole allocation it lies in
// as one the Engine's cache may keep, the first time a walk's summary
// does (Explainer.unpaid): the cache may keep the explanation, and with
// it the allocation. An allocation that holds only answers' summaries is
// not noted: the cache keeps none. It is called with x.mu held.
func (x *Explainer) keepWhy(b []byte) string {
	s := x.text.keep(b)
	x.noteWhyText()
	return s
}

// noteWhyText notes the allocation of x.text that the summary of a
// walk's explanation was just written in as keepWhy does. It is called
// with x.mu held.
func (x *Explainer) noteWhyText() {
	if x.text.charged != x.text.chunks {
		x.text.charged = x.text.chunks
		x.unpaid[slabText] = int32(x.text.b.Cap())
	}
}

// The slabs of an Explainer that the walks' explanations are cut from,
// which index Explainer.unpaid: explanations, clauses, values, text.
const (
	slabWhys = iota
	slabClauses
	slabVals
	slabText
	numSlabs
)

// The chunks of an Explainer's slabs of explanations (newRuleWhy), in
// explanations, clauses and values: about 1.75 KiB, 1.25 KiB and 256
// bytes, as many as a few conditions' explanations hold; a walk of the
// whole rule set makes a few of each.
const (
	whyChunk       = 16
	whyClauseChunk = 64
	whyValChunk    = 16
)

// chunked returns s, slab k of the Explainer, with room for n more
// elements: s itself when it has it, or else a new empty chunk, with
// room for chunk elements, or n when more, whose bytes it notes as not
// yet counted in the Engine's cache (Explainer.unpaid).
func chunked[T any](x *Explainer, k int, s []T, n, chunk int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	s = make([]T, 0, max(n, chunk))
	x.unpaid[k] = int32(cap(s) * int(unsafe.Sizeof(*new(T))))
	return s
}

// pay counts in the Engine's cache the bytes of the last chunk of each
// of the Explainer's slabs, those not counted yet, when the cache keeps
// an explanation cut from them: one cut from them (ruleWhy.cut) is
// counted as nothing, as the cache keeps it, and with it its chunks,
// whole. What a chunk holds is then mostly kept: counting each chunk as
// the cache first keeps from it counts what the cache keeps alive,
// rather than what its explanations use; a chunk the cache keeps nothing
// of, as of an Explainer of values seen for the first time, is not
// counted. It is called with x.mu held.
func (x *Explainer) pay() {
	n := 0
	for k := range x.unpaid {
		n += int(x.unpaid[k])
		x.unpaid[k] = 0
	}
	if n > 0 && !x.e.whys.off.Load() {
		x.e.whys.bytes.Add(int64(n))
	}
}

// newRuleWhy returns a new explanation with room for nc clauses and nv
// values, its clauses and values empty lists of that capacity. Unless
// shared, they are cut from the Explainer's slabs (whys, whyClauses,
// whyVals), made in chunks (chunked), each with room for as many as it
// holds: what one Explainer found is kept by the Engine, and dropped,
// mostly together, and a slab is only ever cut, never written again.
// What a plan keeps for good (shared) is made on its own, so that it
// holds no slab. It is called with x.mu held.
func (x *Explainer) newRuleWhy(nc, nv int, shared bool) *ruleWhy {
	if shared {
		return &ruleWhy{clauses: make([]whyClause, 0, nc), vals: make([]string, 0, nv)}
	}
	x.whys = chunked(x, slabWhys, x.whys, 1, whyChunk)
	x.whys = x.whys[:len(x.whys)+1]
	w := &x.whys[len(x.whys)-1]
	w.cut = true
	if nc > 0 {
		x.whyClauses = chunked(x, slabClauses, x.whyClauses, nc, whyClauseChunk)
		n := len(x.whyClauses)
		x.whyClauses = x.whyClauses[:n+nc]
		w.clauses = x.whyClauses[n : n : n+nc]
	}
	if nv > 0 {
		x.whyVals = chunked(x, slabVals, x.whyVals, nv, whyValChunk)
		n := len(x.whyVals)
		x.whyVals = x.whyVals[:n+nv]
		w.vals = x.whyVals[n : n : n+nv]
	}
	return w
}

// trackedOptions are the options of the program an explanation runs a
// condition with, built on its first explanation (condSource.plan): every
// sub-expression's value tracked,
// no short cut taken, and for a condition that loops, the runtime cost
// limit and interrupt checks.
func trackedOptions(loops bool) []cel.ProgramOption {
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptTrackState | cel.OptExhaustiveEval)}
	if loops {
		opts = append(opts, cel.CostLimit(MaxRuleCost), cel.InterruptCheckFrequency(interruptCheckFrequency))
	}
	return opts
}

// walkClauses is how many clauses a walk writes on the stack, as many as
// all but a few conditions of the default rules have at most: the room
// is cleared on each walk, so it is kept small.
const walkClauses = 8

// walk finds the clauses that decided the condition of plan pl for the
// Explainer's profile, which matched it or not as matched says, and
// returns its explanation: the summary, verdict followed by what each
// clause says, and the clauses, holding nothing of the Explainer's
// scratch, so that the Engine can keep it; cut from the Explainer's slabs
// unless shared, for a plan to keep (newRuleWhy). It returns false when
// there is no plan, the condition cannot be run again, or the run
// disagrees with Recommend's.
func (x *Explainer) walk(ctx context.Context, pl *whyPlan, matched bool, verdict string, shared bool) (*ruleWhy, bool) {
	if pl == nil || pl.root == nil {
		return nil, false
	}
	if cap(x.memo) < pl.nodes {
		x.memo = make([]uint8, max(pl.nodes, 32))
	}
	x.scratch()
	run := whyRun{e: x.e, p: x.p, vals: x.vals[:0], memo: x.memo[:pl.nodes],
		says: append(x.says[:0], verdict...), spans: x.spans[:0], matched: matched, holes: x.holes[:0]}
	clear(run.memo)
	if !pl.direct {
		if pl.tracked == nil {
			return nil, false
		}
		if x.act == nil {
			x.act = &activation{v: profileVal{newCELProfile(x.p)}}
		}
		_, det, err := pl.tracked.ContextEval(ctx, x.act)
		if err != nil || det == nil {
			return nil, false
		}
		run.state = det.State()
	}
	if v, ok := run.value(pl.root); !ok || v != matched {
		// The second run disagrees with the first; trust the first.
		return nil, false
	}
	// The clauses are written with room for every clause of the plan,
	// on the stack for most plans, or else in the Explainer's scratch,
	// and copied where they are kept (newRuleWhy): a slab holds only the
	// clauses kept, with no room left unused between them.
	var buf [walkClauses]ClauseExplanation
	clauses := buf[:0]
	if pl.clauses > len(buf) {
		if cap(x.clauses) < pl.clauses {
			x.clauses = make([]ClauseExplanation, 0, pl.clauses)
		}
		scratch := run.why(pl.root, x.clauses[:0])
		x.clauses, clauses = scratch[:0], scratch
	} else {
		clauses = run.why(pl.root, clauses)
	}
	x.vals = run.vals[:0]
	x.says, x.spans, x.holes = run.says, run.spans, run.holes
	// A summary of one clause whose words do not depend on the profile
	// is made once, with the plan, and shared: most rules that do not
	// match say only that a list lacks a value. When the clause shows no
	// value either, the whole explanation is the plan's (whyPlan.fixedWhy).
	if len(clauses) == 1 && len(run.spans) == 3 && run.fixed != "" && run.fixed == string(run.says) &&
		(len(clauses[0].Values) == 0 || listFieldIndex(clauses[0].Field) >= 0) {
		run.finish(run.fixed, clauses)
		return pl.fixedWhy(x.e, run.fixed, matched, clauses[0], run.spans[2]), true
	}
	// The clauses, with their values copied into one list: w is the
	// Engine's to keep, and holds nothing of the Explainer's scratch. A
	// clause that shows a profile list holds none: the list is the
	// profile's, shown by each RuleExplanation from its own (see
	// ruleWhy), so that w serves every profile whose list holds the same
	// of the ids its condition asks about.
	n := 0
	for i := range clauses {
		if len(clauses[i].Values) > 0 && listFieldIndex(clauses[i].Field) < 0 {
			n++
		}
	}
	w := x.newRuleWhy(len(clauses), n, shared)
	w.e, w.matched, w.summary, w.texts = x.e, matched, run.fixed, pl.texts
	if len(run.spans) != 3 || w.summary != string(run.says) {
		if shared {
			w.summary = string(run.says)
		} else {
			w.summary = x.keepWhy(run.says)
		}
	}
	for i := range clauses {
		var c whyClause
		sp := run.spans[3*i : 3*i+3]
		c, w.vals = compact(&clauses[i], sp[2], sp[0], sp[1], w.vals)
		w.clauses = append(w.clauses, c)
	}
	return w, true
}

// fixedKey is what an explanation of one clause whose words do not depend
// on the profile, and which shows no value, shows.
type fixedKey struct {
	summary, text, says, field string
	value, matched             bool
}

// fixedWhy returns the explanation with the one clause c, whose Text is
// the plan's text of node text, and summary, which do not depend on the
// profile: made once for the plan, and shared by every profile whose
// explanation it is.
func (pl *whyPlan) fixedWhy(e *Engine, summary string, matched bool, c ClauseExplanation, text int) *ruleWhy {
	k := fixedKey{summary: summary, text: c.Text, says: c.Says, field: c.Field, value: c.Value, matched: matched}
	pl.fixedMu.Lock()
	defer pl.fixedMu.Unlock()
	if w := pl.fixed[k]; w != nil {
		return w
	}
	// No value: the clause shows none, or the profile's list, shown by
	// each RuleExplanation.
	c.Values = nil
	start := len(summary) - len(c.Says)
	wc, _ := compact(&c, text, start, len(summary), nil)
	w := &ruleWhy{e: e, matched: matched, summary: summary, clauses: []whyClause{wc}, texts: pl.texts}
	if pl.fixed == nil {
		pl.fixed = map[fixedKey]*ruleWhy{}
	}
	pl.fixed[k] = w
	return w
}

// whyPlan is the part of explaining a condition that does not depend on
// the profile: the tree of nodes the walk visits, from the condition's
// root through its &&, || and !, each with its text and, for a clause the
// walk words, what it says that does not depend on the profile.
type whyPlan struct {
	root *whyNode
	// direct is true when every value the walk reads has a direct check:
	// then no CEL program runs. tracked is the program that runs the
	// condition with its state tracked, when direct is false.
	direct  bool
	tracked cel.Program
	// fixed holds the explanations that do not depend on the profile
	// (fixedWhy), guarded by fixedMu.
	fixedMu sync.Mutex
	fixed   map[fixedKey]*ruleWhy
	// reads is what the condition reads of the profile, which decides
	// its explanation, slot its number in the engine and idx the plan's
	// place among the plans that read the same (whyCache.slot).
	reads     whyReads
	slot, idx int
	// ord is the plan's number among the engine's plans, which keys the
	// explanations an Explainer found (Explainer.found).
	ord int
	// lists is true when the condition reads the profile only by asking
	// whether lists hold the ids of reads (whyReads.onlyIDs), and none
	// holds its explanation, by whether the rule matched, for a profile
	// whose lists hold none of those ids: the same for every such
	// profile, which most profiles are for most conditions that ask
	// about red flags, so it is made once, on first use, like fixed.
	lists bool
	none  [2]atomic.Pointer[ruleWhy]
	// nodes is how many nodes the plan has, and clauses how many of them
	// are clauses (neither &&, || nor !): the most a walk can give.
	nodes   int
	clauses int
	// texts are the nodes' texts, by whyNode.ord: the texts of the
	// clauses of the plan's explanations (ruleWhy.texts).
	texts []string
	// class keys the classes of the plan's explanations (whyClass), or
	// is nil when the plan has none.
	class *whyClassPlan
}

// whyOp is how the walk treats a node.
type whyOp int

const (
	whyOther whyOp = iota // a clause: worded by its leaf, or generically
	whyAnd
	whyOr
	whyNot
)

// whyNode is a node of a condition the walk visits.
type whyNode struct {
	ord  int    // the node's place in the plan, which keys a walk's memo
	id   int64  // the node's id, which keys the evaluation state
	text string // the node's text, on one line
	op   whyOp
	args []*whyNode // the operands of && and ||, or the operand of !
	// check is the node's value as a direct check, or nil.
	check directCheck
	// leaf is how the clause is worded, or nil when it is worded
	// generically.
	leaf whyLeaf
}

// whyLeaf words a clause the walk understands, from the clause's value
// and the profile: a literalLeaf, *listLeaf, *choiceLeaf or
// *comparisonLeaf, each with a method say that fills in c and reports
// whether it could (when not, the clause is worded generically).
type whyLeaf any

// newWhyPlan makes the plan of a checked condition of engine e.
func newWhyPlan(e *Engine, a *ast.AST, when string) *whyPlan {
	b := &planBuilder{e: e, src: celast.NewSource(a, when), direct: true}
	pl := &whyPlan{root: b.node(a.Expr())}
	pl.reads = newWhyReads(a.Expr(), b.leafIDs, b.leafRefs)
	pl.slot, pl.idx, pl.ord = e.whys.slot(pl.reads.signature())
	pl.lists = pl.reads.onlyIDs()
	pl.direct, pl.nodes, pl.clauses, pl.texts = b.direct, b.nodes, b.clauses, b.texts
	pl.class = newClassPlan(b, &pl.reads)
	return pl
}

// planBuilder makes a whyPlan, noting whether every value the walk reads
// has a direct check.
type planBuilder struct {
	e       *Engine
	src     celast.Source
	direct  bool
	nodes   int
	clauses int
	// leafIDs are the ids the listLeafs ask each list field about, and
	// leafRefs how many listLeafs read it.
	leafIDs  [numListFields][]string
	leafRefs [numListFields]int
	// texts are the nodes' texts, by ord.
	texts []string
	// leaves are the clauses, by ord, and sides the comparisonLeafs of
	// a computed number: what a class of the plan's explanations is
	// keyed by (whyClassPlan).
	leaves []*whyNode
	sides  []*comparisonLeaf
}

func (b *planBuilder) node(e ast.Expr) *whyNode {
	n := &whyNode{ord: b.nodes, id: e.ID(), text: b.src.Text(e), check: direct(e)}
	b.nodes++
	b.texts = append(b.texts, n.text)
	if n.check == nil {
		b.direct = false
	}
	if e.Kind() == ast.CallKind {
		fn, args := e.AsCall().FunctionName(), e.AsCall().Args()
		switch {
		case fn == operators.LogicalAnd || fn == operators.LogicalOr:
			n.op = whyAnd
			if fn == operators.LogicalOr {
				n.op = whyOr
			}
			for _, a := range args {
				n.args = append(n.args, b.node(a))
			}
			return n
		case fn == operators.LogicalNot && len(args) == 1:
			n.op = whyNot
			n.args = []*whyNode{b.node(args[0])}
			return n
		}
	}
	n.leaf = b.leaf(e)
	b.clauses++
	b.leaves = append(b.leaves, n)
	return n
}

// leaf returns how clause e is worded, or nil when the walk words it
// generically: a vocabulary value in a profile list, a profile list that
// has one of several values, a choice field compared with values, a
// profile number compared with a number, or a constant.
func (b *planBuilder) leaf(e ast.Expr) whyLeaf {
	switch e.Kind() {
	case ast.LiteralKind:
		return literalLeaf{}
	case ast.CallKind:
		call := e.AsCall()
		fn, args := call.FunctionName(), call.Args()
		if l := b.choiceLeaf(fn, args); l != nil {
			return l
		}
		if fn == operators.In {
			if fi, ids, ok := listTest(e); ok {
				return b.listLeaf(fi, ids)
			}
			return nil
		}
		if l := b.comparisonLeaf(e); l != nil {
			return l
		}
	case ast.ComprehensionKind:
		if fi, ids, ok := listTest(e); ok {
			return b.listLeaf(fi, ids)
		}
	}
	return nil
}

// listTest reads e as a test of whether profile list fi holds one of
// ids: 'x' in profile.F, or profile.F.exists(v, v in ['a', 'b']).
func listTest(e ast.Expr) (fi int, ids []string, ok bool) {
	var name string
	if fn, args, isCall := celast.Call(e); isCall && fn == operators.In && len(args) == 2 {
		var id string
		id, ok = celast.String(args[0])
		name, _ = celast.Field(args[1])
		ids = []string{id}
	} else {
		name, ids, ok = celast.ExistsIn(e)
	}
	fi = listFieldIndex(name)
	return fi, ids, ok && fi >= 0
}

// literalLeaf words true and false.
type literalLeaf struct{}

// literalSays are what a literal says, false then true, and
// literalSummaries the summary of a rule decided by it alone, by whether
// the rule matched, then the literal's value.
var (
	literalSays      = [2]string{"it applies to no one", "it applies to everyone"}
	literalSummaries = [2][2]string{
		{"not matched: " + literalSays[0], "not matched: " + literalSays[1]},
		{"matched: " + literalSays[0], "matched: " + literalSays[1]},
	}
)

func (literalLeaf) say(w *whyRun, c *ClauseExplanation) bool {
	w.says = append(w.says, literalSays[boolRank(c.Value)]...)
	w.fix(literalSummaries[boolRank(w.matched)][boolRank(c.Value)])
	return true
}

// explainListPhrases say what a profile list holds or lacks, per list
// field: with the labels it holds, and with those it lacks, each the
// words before and after the labels.
var explainListPhrases = [numListFields][2][2]string{
	fieldConditions:   {{"you reported ", ""}, {"you did not report ", ""}},
	fieldRedFlags:     {{"you reported ", ""}, {"you did not report ", ""}},
	fieldAggravatedBy: {{"you said ", " makes it worse"}, {"you did not say that ", " makes it worse"}},
	fieldEasedBy:      {{"you said ", " eases it"}, {"you did not say that ", " eases it"}},
	fieldEquipment:    {{"you have ", ""}, {"you do not have ", ""}},
}

// listLeaf words a clause that asks whether profile list fi holds any of
// ids: it names the ids the profile holds, or else all of them.
type listLeaf struct {
	fi     int
	ids    []string
	labels []string // the label of each id, as in a sentence
	none   string   // what the clause says when the list holds none
	// noneSum and allSum are the summaries of a rule decided by this
	// clause alone, when the list holds none of ids and when it holds
	// all of them, by whether the rule matched.
	noneSum, allSum [2]string
}

func (b *planBuilder) listLeaf(fi int, ids []string) *listLeaf {
	b.leafIDs[fi] = append(b.leafIDs[fi], ids...)
	b.leafRefs[fi]++
	l := &listLeaf{fi: fi, ids: ids, labels: explainLabels(&b.e.vocab[fi], ids)}
	ph := explainListPhrases[fi][1]
	l.none = ph[0] + explainJoin(l.labels, "or") + ph[1]
	all := explainListPhrases[fi][0][0] + explainJoin(l.labels, "and") + explainListPhrases[fi][0][1]
	for v, verdict := range [2]string{"not matched: ", "matched: "} {
		l.noneSum[v], l.allSum[v] = verdict+l.none, verdict+all
	}
	return l
}

func (l *listLeaf) say(w *whyRun, c *ClauseExplanation) bool {
	have := listFields[l.fi].get(w.p)
	c.Field = listFields[l.fi].name
	// The list the profile holds, copied when the walk ends.
	c.Values = have
	if len(have) == 0 {
		c.Values = []string{}
	}
	held := 0
	for _, id := range l.ids {
		if slices.Contains(have, id) {
			held++
		}
	}
	if held == 0 {
		w.says = append(w.says, l.none...)
		w.fix(l.noneSum[boolRank(w.matched)])
		return true
	}
	if held == len(l.ids) {
		w.fix(l.allSum[boolRank(w.matched)])
	}
	// The labels held, joined as explainJoin joins them.
	ph := explainListPhrases[l.fi][0]
	w.says = append(w.says, ph[0]...)
	k := 0
	for i, id := range l.ids {
		if !slices.Contains(have, id) {
			continue
		}
		switch {
		case k == 0:
		case k == held-1:
			w.says = append(w.says, " and "...)
		default:
			w.says = append(w.says, ", "...)
		}
		w.says = append(w.says, l.labels[i]...)
		k++
	}
	w.says = append(w.says, ph[1]...)
	return true
}

// explainLabels returns the labels of ids in voc, each with a small first
// letter to sit inside a sentence; an id without a label stands for
// itself.
func explainLabels(voc *vocabulary, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = explainLowerFirst(cmp.Or(vocabLabel(voc, id), id))
	}
	return out
}

// choiceLeaf words a choice field compared with values: profile.C == 'x'
// or != 'x', either way round, or profile.C in ['x', 'y']: "your kind of
// episode is a flare-up ..., the rule needs a new episode".
type choiceLeaf struct {
	ci int
	// equal is true for == and in, whose true clause says only the fact.
	equal bool
	need  string // what the rule needs, in words
}

func (b *planBuilder) choiceLeaf(fn string, args []ast.Expr) *choiceLeaf {
	if len(args) != 2 {
		return nil
	}
	field, other := args[0], args[1]
	ci := choiceFieldOf(field)
	if ci < 0 && fn != operators.In {
		field, other = args[1], args[0]
		ci = choiceFieldOf(field)
	}
	if ci < 0 {
		return nil
	}
	var ids []string
	switch {
	case fn == operators.In:
		var ok bool
		if ids, ok = celast.Strings(other); !ok {
			return nil
		}
	case fn == operators.Equals || fn == operators.NotEquals:
		id, ok := celast.String(other)
		if !ok {
			return nil
		}
		ids = []string{id}
	default:
		return nil
	}
	labels := make([]string, len(ids))
	for i, id := range ids {
		labels[i] = choiceLabel(b.e, ci, id)
	}
	l := &choiceLeaf{ci: ci, equal: fn == operators.Equals || fn == operators.In, need: explainJoin(labels, "or")}
	if fn == operators.NotEquals {
		l.need = "anything but " + l.need
	}
	return l
}

// vocabLabel returns the label of id in voc, or "".
func vocabLabel(voc *vocabulary, id string) string {
	if j := voc.index(id); j >= 0 {
		return voc.entries[j].label
	}
	return ""
}

// choiceLabel returns the label of value id of choice field ci, as in a
// sentence, or "not stated" for "".
func choiceLabel(e *Engine, ci int, id string) string {
	if id == "" {
		return "not stated"
	}
	if label := vocabLabel(&e.vocab[numListFields+ci], id); label != "" {
		return explainLowerFirst(label)
	}
	return id
}

func (l *choiceLeaf) say(w *whyRun, c *ClauseExplanation) bool {
	f := choiceFields[l.ci]
	have := f.get(w.p)
	// The vocabulary's copy of the value, which the engine may keep, not
	// the caller's string.
	shown := have
	if voc := &w.e.vocab[numListFields+l.ci]; voc.index(have) >= 0 {
		shown = voc.entries[voc.index(have)].id
	}
	c.Field, c.Values = f.name, w.one(shown)
	w.says = append(w.says, "your "...)
	w.says = append(w.says, f.label...)
	w.says = append(w.says, " is "...)
	w.says = append(w.says, choiceLabel(w.e, l.ci, have)...)
	if !c.Value || !l.equal || w.neg {
		w.appendNeed(c.Value, l.need)
	}
	return true
}

// explainNumberPhrases say what the profile's number fields hold, in
// sentences: the words before the number.
var explainNumberPhrases = map[string][2]string{
	"pain_level":       {"your pain level is ", ""},
	"days_since_onset": {"your pain began ", " days ago"},
	"sitting_hours":    {"you sit ", " hours a day"},
	"age":              {"your age is ", ""},
	"pregnancy_week":   {"your week of pregnancy is ", ""},
}

// comparisonLeaf words a profile number, or a number computed from the
// profile, compared with a number literal on either side: "your pain
// level is 3; the rule needs 7 or more".
type comparisonLeaf struct {
	need string // what the rule needs, in words
	// fi is the number field compared, or -1 for a computed number:
	// side is then its node, and sideInt its value as Go, or nil.
	fi      int
	phrase  [2]string
	side    *whyNode
	sideInt func(*Profile) int64
	// words are the computed number's words when it is a count of
	// signs (see countWords), or "": the walk then shows its text.
	words string
}

// comparisonNeed reads e as a number compared with a number literal,
// and returns the compared side and what the comparison needs of it, in
// words ("7 or more").
func comparisonNeed(e ast.Expr) (side ast.Expr, need string, ok bool) {
	cmp, ok := celast.Compare(e)
	if !ok {
		return nil, "", false
	}
	var n string
	switch l := cmp.Literal.AsLiteral().(type) {
	case types.Int:
		n = strconv.FormatInt(int64(l), 10)
	case types.Double:
		n = strconv.FormatFloat(float64(l), 'g', -1, 64)
	case types.Uint:
		n = strconv.FormatUint(uint64(l), 10)
	default:
		return nil, "", false
	}
	need = map[string]string{
		operators.Less: "less than " + n, operators.LessEquals: n + " or less",
		operators.Greater: "more than " + n, operators.GreaterEquals: n + " or more",
		operators.Equals: "exactly " + n, operators.NotEquals: "anything but " + n,
	}[cmp.Op]
	return cmp.Side, need, true
}

// numberPhrase returns the words before and after the value of the
// profile's number field name in a sentence (explainNumberPhrases).
func numberPhrase(name string) [2]string {
	if ph, ok := explainNumberPhrases[name]; ok {
		return ph
	}
	return [2]string{"your " + strings.ReplaceAll(name, "_", " ") + " is ", ""}
}

func (b *planBuilder) comparisonLeaf(e ast.Expr) *comparisonLeaf {
	side, need, ok := comparisonNeed(e)
	if !ok {
		return nil
	}
	l := &comparisonLeaf{need: need}
	name, _ := celast.Field(side)
	if l.fi = numberFieldIndex(name); l.fi >= 0 {
		l.phrase = numberPhrase(name)
		return l
	}
	// A computed number, such as a count of signs: the walk says what it
	// came to.
	l.side = &whyNode{ord: -1, id: side.ID(), text: b.src.Text(side)}
	l.words = b.countWords(side)
	l.sideInt = directInt(side)
	if l.sideInt == nil {
		b.direct = false
	}
	b.sides = append(b.sides, l)
	return l
}

func (l *comparisonLeaf) say(w *whyRun, c *ClauseExplanation) bool {
	// The fact, as the words before and after a number, then what the
	// rule needs.
	var after string
	if l.fi >= 0 {
		f := numberFields[l.fi]
		v := f.get(w.p)
		n := formatNumber(v)
		c.Field, c.Values = f.name, w.one(n)
		w.says = append(w.says, l.phrase[0]...)
		if (f.name == "age" || f.name == "pregnancy_week") && v == 0 {
			w.says = append(w.says, "not given"...)
		} else {
			// A hole of the summary, which a class of explanations
			// fills with another profile's number (whyClass).
			w.holes = append(w.holes, int32(len(w.says)), int32(len(n)), int32(l.fi))
			w.says = append(w.says, n...)
		}
		after = l.phrase[1]
	} else {
		w.says = append(w.says, cmp.Or(l.words, l.side.text)...)
		w.says = append(w.says, " comes to "...)
		var ok bool
		if w.says, ok = w.appendNumber(w.says, l); !ok {
			return false
		}
	}
	w.says = append(w.says, after...)
	w.appendNeed(c.Value, l.need)
	return true
}

// countWords words e, a number computed from the profile, when it counts
// signs: a sum of two or more (c ? 1 : 0), as a rule that needs two weak
// signs together writes it. Each sign c is worded by signWords: "how many
// of these hold (your age is more than 50; you reported weight loss with
// no explanation)". It returns "" for any other number, whose text the
// walk shows as it is.
func (b *planBuilder) countWords(e ast.Expr) string {
	var signs []ast.Expr
	var collect func(e ast.Expr) bool
	collect = func(e ast.Expr) bool {
		if e.Kind() != ast.CallKind {
			return false
		}
		call := e.AsCall()
		args := call.Args()
		switch {
		case call.FunctionName() == operators.Add && len(args) == 2:
			return collect(args[0]) && collect(args[1])
		case call.FunctionName() == operators.Conditional && len(args) == 3 && intLiteral(args[1], 1) && intLiteral(args[2], 0):
			signs = append(signs, args[0])
			return true
		}
		return false
	}
	if !collect(e) || len(signs) < 2 {
		return ""
	}
	words := make([]string, len(signs))
	for i, c := range signs {
		words[i] = b.signWords(c)
	}
	return "how many of these hold (" + strings.Join(words, "; ") + ")"
}

// intLiteral reports whether e is the int literal n.
func intLiteral(e ast.Expr, n int64) bool {
	if e.Kind() != ast.LiteralKind {
		return false
	}
	v, ok := e.AsLiteral().(types.Int)
	return ok && int64(v) == n
}

// signWords words c, a sign a count adds up (see countWords), for any
// profile: a list entry as "you reported" and its label, a number or a
// choice compared as "your age is more than 50", and && and || of those
// with "and" and "or"; anything else is its text as written.
func (b *planBuilder) signWords(c ast.Expr) string {
	if c.Kind() == ast.CallKind {
		call := c.AsCall()
		fn, args := call.FunctionName(), call.Args()
		switch {
		case (fn == operators.LogicalAnd || fn == operators.LogicalOr) && len(args) == 2:
			conj := map[string]string{operators.LogicalAnd: " and ", operators.LogicalOr: " or "}[fn]
			words := func(a ast.Expr) string {
				w := b.signWords(a)
				if a.Kind() == ast.CallKind {
					if op := a.AsCall().FunctionName(); op != fn && (op == operators.LogicalAnd || op == operators.LogicalOr) {
						return "(" + w + ")" // an || under an &&, or an && under an ||, keeps its brackets
					}
				}
				return w
			}
			return words(args[0]) + conj + words(args[1])
		}
		if l := b.choiceLeaf(fn, args); l != nil {
			return "your " + choiceFields[l.ci].label + " is " + l.need
		}
		if side, need, ok := comparisonNeed(c); ok {
			if name, _ := celast.Field(side); numberFieldIndex(name) >= 0 {
				ph := numberPhrase(name)
				return ph[0] + need + ph[1]
			}
		}
	}
	if fi, ids, ok := listTest(c); ok {
		return b.listWords(fi, ids)
	}
	return b.src.Text(c)
}

// listWords words a sign that profile list fi holds one of ids, as a
// clause that holds them says it (explainListPhrases): "you said
// sitting or standing makes it worse".
func (b *planBuilder) listWords(fi int, ids []string) string {
	ph := explainListPhrases[fi][0]
	return ph[0] + explainJoin(explainLabels(&b.e.vocab[fi], ids), "or") + ph[1]
}

// appendNeed appends to the words of a clause that gave value what the
// rule needs of it, need in words ("7 or more"): ", which is 7 or more"
// when the clause holds it, ", the rule needs 7 or more" when not; and,
// for a clause under a ! (w.neg), whose rule needs the opposite, ", which
// is not 7 or more" when the clause does not hold it and ", the rule
// needs it not to be 7 or more" when it does.
func (w *whyRun) appendNeed(value bool, need string) {
	switch {
	case value && !w.neg:
		w.says = append(w.says, ", which is "...)
	case !w.neg:
		w.says = append(w.says, ", the rule needs "...)
	case !value:
		w.says = append(w.says, ", which is not "...)
	default:
		w.says = append(w.says, ", the rule needs it not to be "...)
	}
	w.says = append(w.says, need...)
}

// formatNumber returns v as strconv.FormatFloat(v, 'g', -1, 64) does,
// without allocating for a whole number from 0 to 99 (smallWhole).
func formatNumber(v float64) string {
	if smallWhole(v) {
		return strconv.Itoa(int(v))
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// smallWhole reports whether v is a whole number from 0 to 99, which
// formatNumber and appendNumber write as an int.
func smallWhole(v float64) bool { return v >= 0 && v < 100 && v == float64(int(v)) }

// whyRun walks a condition's plan for one profile, with the values of
// its nodes from their direct checks, or, when state is not nil, from
// the state of a tracked run.
type whyRun struct {
	e     *Engine
	p     *Profile
	state interpreter.EvalState
	// vals holds the Values of the clauses that hold one value, until
	// the walk copies them (Explainer.walk).
	vals []string
	// memo holds the value of each node of the plan once read: 0 not
	// yet, 1 false, 2 true, 3 none.
	memo []uint8
	// says is the rule's summary as the walk writes it: the verdict,
	// then what each clause says, after ": " for the first and "; " for
	// the others; spans holds, for each clause, in the order of the
	// clauses, three numbers: where its words start and end in it, and
	// the node whose text it shows (whyNode.ord).
	says  []byte
	spans []int
	// matched is whether the rule matched, and fixed, while the walk has
	// given one clause, the summary it wrote if that clause's words do
	// not depend on the profile, made with the plan; or "".
	matched bool
	fixed   string
	// neg is whether the clause being worded is under an odd number of
	// !, so that the rule needs the opposite of what the clause asks.
	neg bool
	// holes holds, for each profile number written in says, three
	// numbers: where it starts, its length and its field (whyClass).
	holes []int32
}

// fix notes that the clause being worded, if it is the first, makes the
// summary s, a string that does not depend on the profile (checked
// against what the walk wrote before it is used).
func (w *whyRun) fix(s string) {
	if len(w.spans) == 0 {
		w.fixed = s
	}
}

// finish sets the Says of clauses, the clauses the walk gave, to their
// words in s, the summary it wrote.
func (w *whyRun) finish(s string, clauses []ClauseExplanation) {
	for i := range clauses {
		clauses[i].Says = s[w.spans[3*i]:w.spans[3*i+1]]
	}
}

// clause starts the words of a clause in w.says, and returns where they
// start and the length of w.says before the separator, to cut back to.
func (w *whyRun) clause() (start, mark int) {
	mark = len(w.says)
	if len(w.spans) == 0 {
		w.says = append(w.says, ": "...)
	} else {
		w.says = append(w.says, "; "...)
	}
	return len(w.says), mark
}

// one returns a list of the one value v, cut from w.vals.
func (w *whyRun) one(v string) []string {
	if len(w.vals) == cap(w.vals) {
		w.vals = make([]string, 0, max(8, 2*cap(w.vals)))
	}
	w.vals = append(w.vals, v)
	n := len(w.vals)
	return w.vals[n-1 : n : n]
}

// value returns the bool that n gave, if it gave one.
func (w *whyRun) value(n *whyNode) (bool, bool) {
	if m := w.memo[n.ord]; m != 0 {
		return m == 2, m != 3
	}
	v, ok := w.read(n)
	w.memo[n.ord] = 3
	if ok {
		w.memo[n.ord] = 1
		if v {
			w.memo[n.ord] = 2
		}
	}
	return v, ok
}

// read returns the bool that n gave, from its direct check or the
// evaluation state.
func (w *whyRun) read(n *whyNode) (bool, bool) {
	if w.state == nil {
		if n.check == nil {
			return false, false
		}
		return n.check(w.p), true
	}
	v, ok := w.state.Value(n.id)
	if !ok {
		return false, false
	}
	b, ok := v.(types.Bool)
	return bool(b), ok
}

// appendNumber appends to b, in words, the number a comparison's
// computed side came to, if it came to an int or a double.
func (w *whyRun) appendNumber(b []byte, l *comparisonLeaf) ([]byte, bool) {
	if w.state == nil {
		if l.sideInt == nil {
			return b, false
		}
		return strconv.AppendInt(b, l.sideInt(w.p), 10), true
	}
	v, ok := w.state.Value(l.side.id)
	if !ok {
		return b, false
	}
	switch n := v.(type) {
	case types.Int:
		return strconv.AppendInt(b, int64(n), 10), true
	case types.Double:
		return strconv.AppendFloat(b, float64(n), 'g', -1, 64), true
	}
	return b, false
}

// why appends to out the clauses that made n give the value it gave: for
// an && that is false its false operands, for an || that is true its
// true operands, and otherwise all of them; a ! is explained by its
// operand.
func (w *whyRun) why(n *whyNode, out []ClauseExplanation) []ClauseExplanation {
	v, ok := w.value(n)
	if !ok {
		return w.add(out, n, w.generic(n))
	}
	switch n.op {
	case whyAnd, whyOr:
		// An && that is false is decided by its false operands, an ||
		// that is true by its true ones; otherwise every operand counts.
		// An operand without a bool value (an error, which the other
		// operands absorbed) is shown only when no operand decided.
		start := len(out)
		decisive := n.op == whyAnd && !v || n.op == whyOr && v
		for _, a := range n.args {
			if av, ok := w.value(a); !decisive || ok && av == v {
				out = w.why(a, out)
			}
		}
		if len(out) == start {
			for _, a := range n.args {
				out = w.why(a, out)
			}
		}
		return out
	case whyNot:
		// What the rule needs of the operand's clauses is the opposite
		// of what it would need without the !.
		a := n.args[0]
		w.neg = !w.neg
		defer func() { w.neg = !w.neg }()
		if c, ok := w.leaf(a); ok {
			c.Text, c.Value = n.text, v
			return w.add(out, n, c)
		}
		return w.why(a, out)
	}
	if c, ok := w.leaf(n); ok {
		return w.add(out, n, c)
	}
	return w.add(out, n, w.generic(n))
}

// add appends c, the clause of node n whose words the walk just wrote, to
// out, and n to its place in the spans.
func (w *whyRun) add(out []ClauseExplanation, n *whyNode, c ClauseExplanation) []ClauseExplanation {
	w.spans = append(w.spans, n.ord)
	return append(out, c)
}

// leaf words clause n, if the walk understands it and it gave a value.
func (w *whyRun) leaf(n *whyNode) (ClauseExplanation, bool) {
	if n.leaf == nil {
		return ClauseExplanation{}, false
	}
	v, ok := w.value(n)
	if !ok {
		return ClauseExplanation{}, false
	}
	c := ClauseExplanation{Text: n.text, Value: v, Values: []string{}}
	start, mark := w.clause()
	// A type switch, not an interface method, so that c and w stay on
	// the stack.
	switch l := n.leaf.(type) {
	case literalLeaf:
		ok = l.say(w, &c)
	case *listLeaf:
		ok = l.say(w, &c)
	case *choiceLeaf:
		ok = l.say(w, &c)
	case *comparisonLeaf:
		ok = l.say(w, &c)
	default:
		ok = false
	}
	if !ok {
		w.says = w.says[:mark]
		for len(w.holes) > 0 && int(w.holes[len(w.holes)-3]) >= mark {
			w.holes = w.holes[:len(w.holes)-3]
		}
		return ClauseExplanation{}, false
	}
	w.spans = append(w.spans, start, len(w.says))
	return c, true
}

// generic words a clause the walk does not understand by its text and
// value.
func (w *whyRun) generic(n *whyNode) ClauseExplanation {
	c := ClauseExplanation{Text: n.text, Values: []string{}}
	v, ok := w.value(n)
	c.Value = v
	start, _ := w.clause()
	w.says = append(w.says, c.Text...)
	if ok {
		w.says = append(w.says, " is "...)
		w.says = strconv.AppendBool(w.says, v)
	} else {
		w.says = append(w.says, " gives no true or false answer"...)
	}
	w.spans = append(w.spans, start, len(w.says))
	return c
}
