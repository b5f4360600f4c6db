package recommend

// What explaining a rule finds, as read-only views. What explaining a
// condition found (ruleWhy: whether it matched, its summary, its clauses)
// depends only on what the condition reads of the profile (whyReads): the
// values of the fields it reads, and of a list it only asks whether it
// holds some ids, which of them it holds. So it is made once for what it
// read, and kept in the Engine's bounded cache (whyCache) for every
// Explainer whose profile gives the condition the same, once values are
// seen a second time (whyCache.door); a clause of a
// list shows the explained profile's own list, and a clause of a number
// its own number, which each view fills in (explain_class.go keeps, for
// a condition that reads numbers, one explanation for every profile
// whose clauses give the same, its numbers filled in).
// A RuleExplanation is a view of one, with its rule, the effects of its
// answer and the profile; its methods hand out copies, so no caller can
// change what another answer shows.

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/backrules/backrules/internal/celast"
	"github.com/google/cel-go/common/ast"
)

// ruleWhy is what explaining one condition found for what it reads of
// the profile (whyReads): whether it matched, the summary, and the
// clauses that decided it, each list its own. It is never changed once
// made, and every rule with the condition shares it. A clause that shows
// a profile list (its Field a list field) holds no value: each
// RuleExplanation shows its own profile's list.
type ruleWhy struct {
	e       *Engine
	matched bool
	// cut is whether w, its clauses, values and summary were cut from an
	// Explainer's slabs (Explainer.newRuleWhy), whose chunks the cache
	// counts as it first keeps an explanation cut from them (pay).
	cut     bool
	summary string
	// clauses are the clauses, each showing a text of texts (the plan's
	// whyPlan.texts, or the whole condition's) and a value of vals.
	clauses []whyClause
	texts   []string
	vals    []string
	// folded, in the copy a referral explanation makes of a rule whose
	// referral was folded, is how it was; nil in every ruleWhy shared.
	folded *ReferralFold
}

// whyClause is a clause of a ruleWhy, the ClauseExplanation it shows
// held by places, with no pointer: the slabs the walks' explanations
// are cut from hold none for the collector to scan, or to mark in the
// Engine's cache.
type whyClause struct {
	// text is the place of its Text in ruleWhy.texts, and val of its one
	// value in ruleWhy.vals, or -1 for none.
	text, val int32
	// says is where its words start and end in the summary.
	says [2]uint32
	// field is the profile field it reads (fieldCode), or 0 for none.
	field uint8
	value bool
}

// fieldCode returns the code of the profile field named name: its bit in
// a fieldSet, plus one; or 0 for "" or a name no field has.
func fieldCode(name string) uint8 {
	switch {
	case name == "":
	case listFieldIndex(name) >= 0:
		return uint8(1 + listFieldIndex(name))
	case numberFieldIndex(name) >= 0:
		return uint8(1 + numberFieldBit + numberFieldIndex(name))
	case choiceFieldIndex(name) >= 0:
		return uint8(1 + choiceFieldBit + choiceFieldIndex(name))
	}
	return 0
}

// fieldName returns the name of the profile field of code (fieldCode),
// or "" for 0.
func fieldName(code uint8) string {
	switch b := int(code) - 1; {
	case b < 0:
		return ""
	case b < numberFieldBit:
		return listFields[b].name
	case b < choiceFieldBit:
		return numberFields[b-numberFieldBit].name
	default:
		return choiceFields[b-choiceFieldBit].name
	}
}

// compact returns c, a clause of summary whose Says is summary[start:end]
// and whose Text is texts[text], as a whyClause, its one value, if it
// has one, appended to vals.
func compact(c *ClauseExplanation, text, start, end int, vals []string) (whyClause, []string) {
	wc := whyClause{text: int32(text), val: -1, says: [2]uint32{uint32(start), uint32(end)}, field: fieldCode(c.Field), value: c.Value}
	if len(c.Values) > 0 && listFieldIndex(c.Field) < 0 {
		wc.val = int32(len(vals))
		vals = append(vals, c.Values[0])
	}
	return wc, vals
}

// size is about how many bytes w holds, for the bound of whyCache: none
// for one cut from an Explainer's slabs, which counted them (pay).
func (w *ruleWhy) size() int {
	if w.cut {
		return 0
	}
	return 64 + len(w.summary) + 24*len(w.clauses) + 16*len(w.vals)
}

// of returns the rule r explains, or nil for the zero RuleExplanation.
func (r RuleExplanation) of() *rule {
	if r.w == nil {
		return nil
	}
	return &r.w.e.rules[r.rule]
}

// Rule returns the rule id.
func (r RuleExplanation) Rule() string {
	if ru := r.of(); ru != nil {
		return ru.id
	}
	return ""
}

// Description returns what the rule is for.
func (r RuleExplanation) Description() string {
	if ru := r.of(); ru != nil {
		return ru.description
	}
	return ""
}

// File returns the file of the rule, as in [Rule].
func (r RuleExplanation) File() string {
	if ru := r.of(); ru != nil {
		return ru.pos.File
	}
	return ""
}

// Line returns the line of the rule in File, as in [Rule].
func (r RuleExplanation) Line() int {
	if ru := r.of(); ru != nil {
		return ru.pos.Line
	}
	return 0
}

// Matched reports whether the rule's condition held for the profile, as
// in Result.Trace.
func (r RuleExplanation) Matched() bool { return r.w != nil && r.w.matched }

// Summary says in plain words why the rule matched or did not: "not
// matched: you did not report sciatica".
func (r RuleExplanation) Summary() string {
	if r.w == nil {
		return ""
	}
	return r.w.summary
}

// When returns the rule's condition as written.
func (r RuleExplanation) When() string {
	if ru := r.of(); ru != nil {
		return ru.when
	}
	return ""
}

// Because returns the rule's reason.
func (r RuleExplanation) Because() string {
	if ru := r.of(); ru != nil {
		return ru.reason
	}
	return ""
}

// Clauses returns the parts of the condition that decided whether it
// matched: for a rule that did not match, the clauses that were false;
// for one that matched, those that were true. The list and each clause's
// Values are new on each call.
func (r RuleExplanation) Clauses() []ClauseExplanation {
	if r.w == nil {
		return nil
	}
	return r.clauses(true)
}

// clauses returns the clauses of r, each showing its values: the
// profile's list for a clause of a list field, and the profile's number,
// in words, for a clause of a number field (a class of explanations
// shares its values, see whyClass). With copy, every list is new;
// without, the lists are r's and the profile's, for an encoder.
func (r RuleExplanation) clauses(copied bool) []ClauseExplanation {
	w := r.w
	// values returns the values of c: a list, or when one is true,
	// the one value v.
	values := func(c *whyClause) (list []string, v string, one bool) {
		switch {
		case c.field > 0 && int(c.field) <= numListFields:
			if r.p != nil {
				return listFields[c.field-1].get(r.p), "", false
			}
			return nil, "", false
		case c.val >= 0 && r.p != nil && isNumberField(c.field):
			return nil, formatNumber(numberFields[int(c.field)-1-numberFieldBit].get(r.p)), true
		case c.val >= 0:
			return w.vals[c.val : c.val+1 : c.val+1], "", false
		}
		return nil, "", false
	}
	n := 0
	for i := range w.clauses {
		l, _, one := values(&w.clauses[i])
		n += len(l) + int(boolByte(one))
	}
	var vals []string
	if copied {
		vals = make([]string, 0, n)
	}
	out := make([]ClauseExplanation, len(w.clauses))
	for i := range w.clauses {
		c := &w.clauses[i]
		v, one, isOne := values(c)
		switch {
		case copied:
			start := len(vals)
			vals = append(vals, v...)
			if isOne {
				vals = append(vals, one)
			}
			v = vals[start:len(vals):len(vals)]
		case isOne:
			v = []string{one}
		}
		if v == nil {
			v = []string{}
		}
		out[i] = ClauseExplanation{Text: w.texts[c.text], Value: c.value, Says: w.summary[c.says[0]:c.says[1]], Field: fieldName(c.field), Values: v}
	}
	return out
}

// effectList returns the effects r shows, the Engine's list: never
// handed out.
func (r RuleExplanation) effectList() []NamingEffect {
	if r.w == nil || r.effects == 0 {
		return nil
	}
	w, c := &r.w.e.why, int(r.effects-1)
	start := 0
	if c > 0 {
		start = w.ends[c-1]
	}
	return w.effects[start:w.ends[c]]
}

// Effects returns the rule's effects that name the movement, in a
// movement's explanation, and none in a referral explanation. The list
// and each effect's SelectedBy are new on each call.
func (r RuleExplanation) Effects() []NamingEffect {
	list := r.effectList()
	if len(list) == 0 {
		return nil
	}
	n := 0
	for _, f := range list {
		n += len(f.SelectedBy)
	}
	by := make([]string, 0, n)
	out := make([]NamingEffect, len(list))
	for i, f := range list {
		start := len(by)
		by = append(by, f.SelectedBy...)
		f.SelectedBy = by[start:len(by):len(by)]
		out[i] = f
	}
	return out
}

// Referral returns a copy of the rule's referral, or nil when it has
// none.
func (r RuleExplanation) Referral() *RuleReferral {
	if ru := r.of(); ru != nil && ru.refer != nil {
		return ru.refer.view()
	}
	return nil
}

// Folded, in a referral explanation, returns a copy of how the rule's
// referral was folded into another when the rule matched but its
// referral was (see Result.FoldedReferrals); nil otherwise.
func (r RuleExplanation) Folded() *ReferralFold {
	if r.w == nil || r.w.folded == nil {
		return nil
	}
	f := *r.w.folded
	f.Into = append([]string(nil), f.Into...)
	if f.RedFlags != nil {
		f.RedFlags = append([]string{}, f.RedFlags...)
	}
	return &f
}

// Citations returns the rule's citations, in the order written, in a new
// list.
func (r RuleExplanation) Citations() []Citation {
	ru := r.of()
	if ru == nil {
		return nil
	}
	return r.w.e.citationsOf(ru.cites)
}

// Equal reports whether r and o show the same: the same rule, outcome,
// summary, clauses, effects, referral, fold and citations. go-cmp uses it
// to compare explanations.
func (r RuleExplanation) Equal(o RuleExplanation) bool {
	if r == o {
		return true
	}
	a, errA := r.MarshalJSON()
	b, errB := o.MarshalJSON()
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// ErrDecodeRuleExplanation is matched by the error of decoding JSON into
// a RuleExplanation, which is a view of the engine's explanation and
// cannot be made from JSON: decode an explanation's rules into a type of
// your own, with the fields MarshalJSON writes.
var ErrDecodeRuleExplanation = errors.New("a RuleExplanation cannot be decoded from JSON: decode the rules of an explanation into a type of your own")

// UnmarshalJSON returns an error matching ErrDecodeRuleExplanation, so
// that decoding an explanation into an Explanation fails rather than
// giving rules that explain nothing.
func (r *RuleExplanation) UnmarshalJSON([]byte) error {
	return fmt.Errorf("recommend: %w", ErrDecodeRuleExplanation)
}

// ruleExplanationJSON is the JSON form of a RuleExplanation.
type ruleExplanationJSON struct {
	Rule        string              `json:"rule"`
	Description string              `json:"description"`
	File        string              `json:"file"`
	Line        int                 `json:"line"`
	Matched     bool                `json:"matched"`
	Summary     string              `json:"summary"`
	When        string              `json:"when"`
	Clauses     []ClauseExplanation `json:"clauses"`
	Effects     []NamingEffect      `json:"effects"`
	Referral    *RuleReferral       `json:"referral,omitempty"`
	Folded      *ReferralFold       `json:"folded,omitempty"`
	Because     string              `json:"because"`
	Citations   []Citation          `json:"citations"`
}

// MarshalJSON encodes r as an object with the fields its methods name:
// rule, description, file, line, matched, summary, when, clauses,
// effects, referral (when it has one), folded (when it was), because and
// citations; each list is [] when empty.
func (r RuleExplanation) MarshalJSON() ([]byte, error) {
	j := ruleExplanationJSON{
		Rule: r.Rule(), Description: r.Description(), File: r.File(), Line: r.Line(),
		Matched: r.Matched(), Summary: r.Summary(), When: r.When(),
		Clauses: []ClauseExplanation{}, Effects: r.effectList(), Referral: r.Referral(),
		Because: r.Because(), Citations: r.Citations(),
	}
	if r.w != nil {
		j.Clauses, j.Folded = r.clauses(false), r.w.folded
	}
	if j.Effects == nil {
		j.Effects = []NamingEffect{}
	}
	if j.Citations == nil {
		j.Citations = []Citation{}
	}
	// Unescaped, as a field of the explanation would be: an encoder that
	// escapes HTML escapes it again.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// The profile fields a condition can read, as bits of a fieldSet: the
// list fields, then the number fields, then the choice fields.
type fieldSet uint16

const (
	numberFieldBit = numListFields
	choiceFieldBit = numListFields + len(numberFields)
	allFields      = fieldSet(1)<<(choiceFieldBit+numChoiceFields) - 1
)

// conditionFields returns the profile fields expression e reads, and how
// many times it selects each list field: every field when it reads the
// profile other than by a field, or names a field the profile lacks.
func conditionFields(e ast.Expr) (fieldSet, [numListFields]int) {
	var set fieldSet
	var lists [numListFields]int
	selected, idents := 0, 0
	ast.PostOrderVisit(e, ast.NewExprVisitor(func(e ast.Expr) {
		switch e.Kind() {
		case ast.IdentKind:
			if celast.IsIdent(e, celast.Profile) {
				idents++
			}
		case ast.SelectKind:
			sel := e.AsSelect()
			if !celast.IsIdent(sel.Operand(), celast.Profile) {
				return
			}
			selected++
			name := sel.FieldName()
			switch {
			case listFieldIndex(name) >= 0:
				set |= 1 << listFieldIndex(name)
				lists[listFieldIndex(name)]++
			case numberFieldIndex(name) >= 0:
				set |= 1 << (numberFieldBit + numberFieldIndex(name))
			case choiceFieldIndex(name) >= 0:
				set |= 1 << (choiceFieldBit + choiceFieldIndex(name))
			default:
				set = allFields
			}
		}
	}))
	if selected != idents {
		set = allFields
	}
	return set, lists
}

// whyReads is what a condition reads of the profile, which decides its
// explanation but for the lists its clauses show (see ruleWhy): the
// fields it reads, and for a list field it reads only by asking whether
// it holds some ids (each time in a clause the walk words, a listLeaf),
// those ids, sorted; nil for a list it reads otherwise.
type whyReads struct {
	fields fieldSet
	ids    [numListFields][]string
}

// newWhyReads returns what condition e reads, given the ids each list
// field is asked about by the listLeafs of its plan, and how many times.
func newWhyReads(e ast.Expr, leafIDs [numListFields][]string, leafRefs [numListFields]int) whyReads {
	set, selects := conditionFields(e)
	r := whyReads{fields: set}
	for fi := range listFields {
		if set != allFields && set&(1<<fi) != 0 && leafRefs[fi] == selects[fi] {
			ids := slices.Clone(leafIDs[fi])
			slices.Sort(ids)
			r.ids[fi] = slices.Compact(ids)
		}
	}
	return r
}

// onlyIDs reports whether r reads no number or choice and every list it
// reads only by its ids: then what explaining a condition finds depends
// only on which of those ids the profile's lists hold.
func (r *whyReads) onlyIDs() bool {
	if r.fields&^(1<<numListFields-1) != 0 {
		return false
	}
	for fi := range listFields {
		if r.fields&(1<<fi) != 0 && r.ids[fi] == nil {
			return false
		}
	}
	return true
}

// holdsNone reports whether the Explainer's lists hold none of the ids
// that plan pl, whose condition reads only ids (whyReads.onlyIDs), asks
// about: found once for each slot (every plan of a slot asks about the
// same ids), and kept in x.held. It is called with x.mu held.
func (x *Explainer) holdsNone(pl *whyPlan) bool {
	if pl.slot < len(x.held) {
		if h := x.held[pl.slot]; h != 0 {
			return h == 1
		}
	} else {
		// A slot for each plan at most, and so for each rule.
		x.held = append(x.held, make([]uint8, max(pl.slot+1, len(x.e.rules))-len(x.held))...)
	}
	none := true
	for fi, ids := range pl.reads.ids {
		if len(ids) == 0 {
			continue
		}
		if l := listFields[fi].get(x.p); len(l) > 0 && slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(l, id) }) {
			none = false
			break
		}
	}
	x.held[pl.slot] = 2 - boolByte(none)
	return none
}

// signature names what r reads, the same for every condition that reads
// the same: the slot of its explanations (whyCache.slot).
func (r *whyReads) signature() string {
	b := []byte{byte(r.fields), byte(r.fields >> 8)}
	for fi, ids := range r.ids {
		if ids != nil {
			b = append(b, byte(fi))
			for _, id := range ids {
				b = binary.AppendUvarint(b, uint64(len(id)))
				b = append(b, id...)
			}
		}
	}
	return string(b)
}

// places is a list of atomic pointers, each nil until it is filled, with
// room in itself for one pointer: a whyTable, or a whyProfile.
type places[T any] struct {
	at  []atomic.Pointer[T]
	one [1]atomic.Pointer[T]
}

// newPlaces returns n empty places.
func newPlaces[T any](n int) *places[T] {
	p := &places[T]{}
	if n == 1 {
		p.at = p.one[:]
	} else {
		p.at = make([]atomic.Pointer[T], n)
	}
	return p
}

// grownPlaces returns n places, n at least len(p.at), that hold the
// pointers p holds.
func grownPlaces[T any](p *places[T], n int) *places[T] {
	g := newPlaces[T](n)
	for i := range p.at {
		g.at[i].Store(p.at[i].Load())
	}
	return g
}

// whyTable holds, for one set of profile fields and their values, the
// explanation of each condition that reads those fields, by its plan's
// place in its slot (whyPlan.idx), or nil before one was made. A plan
// made after the table has no place in it. Most slots have one plan.
type whyTable = places[ruleWhy]

// plan returns rule ri's explanation plan, or nil when it has none: the
// plan of its condition (condSource.plan), held for each rule, once made,
// in the engine's whyIndex.
func (x *Explainer) plan(ri int) *whyPlan {
	w := &x.e.why
	if pl := w.plans[ri].Load(); pl != nil {
		return pl
	}
	r := &x.e.rules[ri]
	if r.why == nil {
		return nil
	}
	pl := r.why.plan(x.e)
	w.plans[ri].Store(pl)
	return pl
}

// table returns the whyTable of the Explainer's values of the profile
// fields plan pl reads: from the Engine's whyCache, where the
// Explainer's whyProfile finds it with no lookup of its own once an
// Explainer of the same values did; or nil when the cache has none and
// admits none yet, as for values seen for the first time (whyCache.door).
// It is called with x.mu held.
func (x *Explainer) table(pl *whyPlan) *whyTable {
	c := &x.e.whys
	if x.prof == nil {
		// Room for the values of a profile of a few entries a list, so
		// that the key is not grown step by step.
		x.key = x.appendValues(make([]byte, 0, 256), &allReads)
		if x.prof = c.profile(x.key, c.nSlots()); x.prof == nil {
			// Values seen for the first time: a whyProfile of the
			// Explainer's own, which notes the tables it looks up; and
			// for the slots that read no number, the entry of the
			// values but the numbers, when the cache has one (a new
			// person's numbers, with lists and choices seen before).
			x.prof, x.unseen = newPlaces[whyTable](c.nSlots()), true
			x.key = x.appendValues(x.key[:0], &listsReads)
			x.lists = c.listsProfile(x.key, c.nSlots())
		}
	}
	prof := x.prof
	if x.lists != nil && pl.reads.fields&numberFieldSet == 0 {
		prof = x.lists
	}
	if pl.slot >= len(prof.at) && !c.off.Load() {
		// A slot numbered since the profile's entry was found: the
		// entry, grown to hold it, and twice the slots it held, as the
		// plans are still being made; the Explainer's own grown alike,
		// and so is an entry the cache no longer has.
		n := max(pl.slot+1, c.nSlots(), 2*len(prof.at))
		switch {
		case prof == x.lists:
			x.key = x.appendValues(x.key[:0], &listsReads)
			if x.lists = c.listsProfile(x.key, n); x.lists == nil {
				x.lists = grownPlaces(prof, n)
			}
			prof = x.lists
		case !x.unseen:
			x.key = x.appendValues(x.key[:0], &allReads)
			if x.prof = c.profile(x.key, n); x.prof == nil {
				x.prof, x.unseen = grownPlaces(prof, n), true
			}
			prof = x.prof
		default:
			x.prof = grownPlaces(x.prof, n)
			prof = x.prof
		}
	}
	var t *whyTable
	if pl.slot < len(prof.at) {
		t = prof.at[pl.slot].Load()
	}
	if t == nil || pl.idx >= len(t.at) && t != unadmitted {
		// None yet, or one made before this plan: the cache's, grown to
		// hold every plan of the slot made so far.
		x.key = binary.AppendUvarint(x.key[:0], uint64(pl.slot))
		x.key = x.appendValues(x.key, &pl.reads)
		// A new person's numbers, which a class explains: most likely
		// values no table holds (whyCache.table).
		doorFirst := x.unseen && prof == x.prof && pl.class != nil && !c.noClasses.Load()
		if t = c.table(x.key, pl.slot, pl.idx, doorFirst); t == nil {
			t = unadmitted
		}
		if pl.slot < len(prof.at) {
			prof.at[pl.slot].Store(t)
		}
	}
	if t == unadmitted {
		return nil
	}
	return t
}

// unadmitted notes, in an Explainer's own whyProfile (Explainer.unseen),
// a slot whose table the cache does not hold nor admit yet
// (whyCache.door): the Explainer keeps what it finds (Explainer.found).
var unadmitted = &whyTable{}

// appendValues appends to b the Explainer's values of what r reads,
// encoded without ambiguity: for a list read whole, its length and its
// strings, each string its length and its bytes; for a list read only by
// its ids, one byte for each, whether the list holds it; a number's bits;
// a choice as a string.
func (x *Explainer) appendValues(b []byte, r *whyReads) []byte {
	set := r.fields
	for fi := range listFields {
		if set&(1<<fi) == 0 {
			continue
		}
		l := listFields[fi].get(x.p)
		if ids := r.ids[fi]; ids != nil {
			for _, id := range ids {
				b = append(b, boolByte(slices.Contains(l, id)))
			}
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
	}
	for fi := range numberFields {
		if set&(1<<(numberFieldBit+fi)) != 0 {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(numberFields[fi].get(x.p)))
		}
	}
	for ci := range choiceFields {
		if set&(1<<(choiceFieldBit+ci)) != 0 {
			v := choiceFields[ci].get(x.p)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

// boolByte is 1 for true and 0 for false.
func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// allReads reads every field whole: the key of a whyProfile; and
// listsReads every field but the numbers: the key of a whyProfile of the
// slots that read no number (whyCache.lists).
var (
	allReads   = whyReads{fields: allFields}
	listsReads = whyReads{fields: allFields &^ numberFieldSet}
)

// whyProfile holds, for one profile's values of every field, the
// whyTable of each slot (whyCache.slot) that an Explainer of those values
// found, or nil.
type whyProfile = places[whyTable]

// whyCacheBytes bounds, about, the bytes an Engine's whyCache holds: when
// a new table would pass it, the cache starts again empty.
const whyCacheBytes = 4 << 20

// whyCache is an Engine's cache of rule explanations: a whyTable for each
// set of profile fields and their values an Explainer read, made the
// second time the values are seen, as a TinyLFU cache's doorkeeper
// admits them (door): a new person's numbers, which may never come
// again, cost no entry, nor the collector's scanning of it. It is safe
// for concurrent use; the zero whyCache is empty and on.
type whyCache struct {
	// slots numbers the sets of fields the engine's conditions read, in
	// the order their plans were made, and counts the plans of each
	// (slot).
	slotsMu sync.Mutex
	slots   map[string]int
	nPlans  []int
	// made is how many plans were numbered: each plan's ord is below it.
	made int

	mu       sync.RWMutex
	m        map[string]*whyTable
	profiles map[string]*whyProfile
	// classes holds the classes of explanations (whyClass), by key
	// (Explainer.classKey), about classBytes bytes of them, bounded
	// apart from the rest (whyClassBytes); lists holds, for the values of every field
	// but the numbers, the whyTable of each slot that reads no number,
	// for an Explainer of values no whyProfile holds (listsProfile).
	classes    map[string]*whyClass
	classBytes int64
	lists      map[string]*whyProfile
	// bytes is about how many bytes the tables and profiles hold, with
	// the tables' explanations.
	bytes atomic.Int64
	// off turns the cache off, for a test that measures without it: an
	// Explainer then keeps what it finds by plan (Explainer.found) and
	// makes no table, and a table looked up all the same is new. limit,
	// when not 0, is the bound in place of whyCacheBytes, for a test.
	off   atomic.Bool
	limit int64
	// classLimit, when not 0, is the bound of the classes in place of
	// whyClassBytes, for a test.
	classLimit int64
	// walks counts the conditions explained by a walk, fills those
	// explained by a class, and lookups the tables looked up in m, for
	// the tests of what the cache saves.
	walks, fills, lookups atomic.Int64
	// door admits a key to m or profiles only once it was seen before
	// (doorkeeper), made on first use; admitAll, for a test that
	// compares, admits every key.
	door     atomic.Pointer[doorkeepers]
	admitAll atomic.Bool
	// noClasses turns off the classes of explanations (whyClass), for
	// the tests and comparisons that measure the cache without them.
	noClasses atomic.Bool
	// says holds the summaries of answers (Explainer.keepSummary).
	says summaryCache
}

// A doorkeeper's bits (2^doorBits, 8 KiB), and how many new keys it
// notes before it forgets them all: an eighth of its bits, about the
// tables of a few hundred new people, when a key it never saw is taken
// for one it saw about once in 30 times (three bits a key).
const (
	doorBits  = 16
	doorWords = 1 << doorBits / 64
	doorKeys  = 1 << doorBits / 8
)

// doorkeeper is the doorkeeper of a TinyLFU cache: a Bloom filter of the
// keys it was asked about since it last forgot them all, which it does
// after doorKeys new keys. It may take a new key for one it saw, but
// never the other way round until it forgets. It holds no pointer, for
// the collector to scan, and is safe for concurrent use.
type doorkeeper struct {
	bits [doorWords]atomic.Uint64
	// n is how many new keys it noted since it last forgot.
	n atomic.Int64
}

// doorkeepers are the doorkeepers of a whyCache: of the whyProfiles
// (profiles), of the whyTables (tables) and of the classes (classes).
type doorkeepers struct {
	profiles, tables, classes doorkeeper
}

// doorSeed seeds the hashes of the doorkeepers' keys.
var doorSeed = maphash.MakeSeed()

// admit reports whether key was asked about before, as far as d
// remembers, and remembers it: an entry of the cache is made for values
// seen a second time, not for those of a profile that may never come
// again, which would only cost its making and the collector's scanning.
func (d *doorkeeper) admit(key []byte) bool {
	h := maphash.Bytes(doorSeed, key)
	seen := true
	for i := range 3 {
		b := h >> (i * doorBits) & (1<<doorBits - 1)
		w, bit := &d.bits[b/64], uint64(1)<<(b%64)
		if w.Load()&bit == 0 {
			seen = false
			w.Or(bit)
		}
	}
	if !seen && d.n.Add(1) >= doorKeys {
		// Forget every key, so that the filter does not fill up and
		// take every key for one it saw.
		d.n.Store(0)
		for i := range d.bits {
			d.bits[i].Store(0)
		}
	}
	return seen
}

// admits reports whether door admits key (doorkeeper.admit, which
// remembers it), or c admits every key (admitAll).
func (c *whyCache) admits(door *doorkeeper, key []byte) bool {
	return door.admit(key) || c.admitAll.Load()
}

// doors returns c's doorkeepers, made on first use.
func (c *whyCache) doors() *doorkeepers {
	if d := c.door.Load(); d != nil {
		return d
	}
	c.door.CompareAndSwap(nil, new(doorkeepers))
	return c.door.Load()
}

// slot returns the number of what a plan reads, by its signature
// (whyReads.signature), the same for every plan that reads the same, the
// new plan's place among them, and its number among every plan of the
// engine (whyPlan.ord).
func (c *whyCache) slot(sig string) (slot, idx, ord int) {
	c.slotsMu.Lock()
	defer c.slotsMu.Unlock()
	ord = c.made
	c.made++
	slot, ok := c.slots[sig]
	if !ok {
		if c.slots == nil {
			c.slots = map[string]int{}
		}
		slot = len(c.slots)
		c.slots[sig] = slot
		c.nPlans = append(c.nPlans, 0)
	}
	idx = c.nPlans[slot]
	c.nPlans[slot]++
	return slot, idx, ord
}

// numbered returns how many plans are numbered so far.
func (c *whyCache) numbered() int {
	c.slotsMu.Lock()
	defer c.slotsMu.Unlock()
	return c.made
}

// plans returns how many plans slot has so far.
func (c *whyCache) plans(slot int) int {
	c.slotsMu.Lock()
	defer c.slotsMu.Unlock()
	return c.nPlans[slot]
}

// table returns the whyTable of key, the encoded values of a set of
// profile fields read by the plans of slot, with a place for the plan
// at idx: the one kept, or else one made or grown with a place for
// every plan of the slot so far (see grown); or nil when there is none
// and the doorkeeper does not admit key yet. With doorFirst, for values
// most likely new (a new person's numbers, whose class explains them),
// the doorkeeper is asked first, and a key it does not admit is not
// looked up: a table kept for it before the doorkeeper last forgot is
// missed, and the class explains the same.
func (c *whyCache) table(key []byte, slot, idx int, doorFirst bool) *whyTable {
	c.lookups.Add(1)
	if c.off.Load() {
		return newPlaces[ruleWhy](c.plans(slot))
	}
	m := func() map[string]*whyTable { return c.m }
	var door *doorkeeper
	if !doorFirst || c.admitAll.Load() {
		door = &c.doors().tables
	} else if !c.doors().tables.admit(key) {
		return nil
	}
	t := lookup(c, m, key)
	if t != nil && idx < len(t.at) {
		return t
	}
	return grown(c, m, door, key, c.plans(slot), t)
}

// nSlots returns how many slots are numbered so far.
func (c *whyCache) nSlots() int {
	c.slotsMu.Lock()
	defer c.slotsMu.Unlock()
	return len(c.nPlans)
}

// profile returns the whyProfile of key, the encoded values of every
// profile field, with a place for n slots at least (see grown), or nil
// when there is none and the doorkeeper does not admit key yet.
func (c *whyCache) profile(key []byte, n int) *whyProfile {
	if c.off.Load() {
		return &whyProfile{}
	}
	m := func() map[string]*whyProfile { return c.profiles }
	return grown(c, m, &c.doors().profiles, key, n, lookup(c, m, key))
}

// listsProfile returns the whyProfile of key, the encoded values of
// every profile field but the numbers, as profile does, from c.lists:
// the tables of the slots that read no number, for the Explainer of a
// new person's numbers, whose lists and choices were seen before.
func (c *whyCache) listsProfile(key []byte, n int) *whyProfile {
	if c.off.Load() {
		return nil
	}
	m := func() map[string]*whyProfile { return c.lists }
	return grown(c, m, &c.doors().profiles, key, n, lookup(c, m, key))
}

// lookup returns the places of key in the map of c that m returns, or
// nil.
func lookup[T any](c *whyCache, m func() map[string]*places[T], key []byte) *places[T] {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return m()[string(key)]
}

// grown returns the places of key in the map of c that m returns (c.m
// or c.profiles, read again after room may replace it), p when looked
// up (lookup), with n at least: made when there are none and door admits
// key (a nil door admitted it already), and grown, the pointers they
// held kept, when there are fewer. It returns nil when there are none
// and door does not admit key: the values are seen for the first time,
// as far as door remembers.
func grown[T any](c *whyCache, m func() map[string]*places[T], door *doorkeeper, key []byte, n int, p *places[T]) *places[T] {
	if p != nil && len(p.at) >= n {
		return p
	}
	if p == nil && door != nil && !c.admits(door, key) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := m()[string(key)]
	if old != nil && len(old.at) >= n {
		return old
	}
	if old != nil {
		p = grownPlaces(old, n)
	} else {
		p = newPlaces[T](n)
	}
	c.room(64 + 8*n + len(key))
	m()[string(key)] = p
	return p
}

// room counts n more bytes kept, emptying the cache first when they
// would pass whyCacheBytes. It is called with c.mu held.
func (c *whyCache) room(n int) {
	if c.m == nil || c.bytes.Load()+int64(n) > cmp.Or(c.limit, whyCacheBytes) {
		// Made with room for as many entries as the last held, which
		// the cache will most likely hold again: a map that grows from
		// nothing moves its entries at every step, and a cache of new
		// profiles adds one entry or more for each.
		c.m, c.profiles = make(map[string]*whyTable, len(c.m)), make(map[string]*whyProfile, len(c.profiles))
		c.lists = make(map[string]*whyProfile, len(c.lists))
		c.bytes.Store(0)
	}
	c.bytes.Add(int64(n))
}

// keep keeps w in t at idx, unless an explanation is kept there
// already, and returns the one kept.
func (c *whyCache) keep(t *whyTable, idx int, w *ruleWhy) *ruleWhy {
	if t.at[idx].CompareAndSwap(nil, w) {
		c.bytes.Add(int64(w.size()))
		return w
	}
	return t.at[idx].Load()
}
