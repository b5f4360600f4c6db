package recommend

// Building a Result from the decision record (see resolve.go). Nothing here
// decides what is advised: it copies the decisions out, with names,
// reasons and citations, in the documented order.

import (
	"cmp"
	"slices"
	"strings"
)

// builder holds the scratch state of one build.
type builder struct {
	e *Engine
	// seen marks citations already taken while building one list; it is
	// cleared after each list. proSrc is conflict's (see decisions).
	seen, proSrc []bool
	// cites, ids and notes are slabs the Result's short lists are cut
	// from, so that a Result takes a few allocations, not one per list.
	// Each list is cut with its capacity at its length, so that appending
	// to it copies it rather than writing over the next one. The slabs
	// belong to one Result: nothing in a Result is shared with another.
	cites []Citation
	ids   []string
	notes []Note
	// merged is merge's result, reused by each call.
	merged []int
	// spills counts the new chunks the slabs took: none, when build
	// sized them right (see TestSlabsSizedUpFront).
	spills int
}

// merge returns the ascending rule indexes of a and c together, without
// repeats, in memory that the next call reuses.
func (b *builder) merge(a, c []int) []int {
	switch {
	case len(c) == 0:
		return a
	case len(a) == 0:
		return c
	}
	// Both are ascending: merged in one pass.
	out := b.merged[:0]
	i, j := 0, 0
	for i < len(a) && j < len(c) {
		switch {
		case a[i] < c[j]:
			out = append(out, a[i])
			i++
		case c[j] < a[i]:
			out = append(out, c[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(append(out, a[i:]...), c[j:]...)
	b.merged = out
	return out
}

// Sizes of the slabs' chunks: a new chunk is allocated when a list does
// not fit in what is left of the current one.
const (
	citeChunk = 32
	idChunk   = 32
	noteChunk = 16
)

// slab returns s with room for n more elements, in a new chunk of at least
// chunk elements when s has too little, counted in spills. The result is
// never nil.
func slab[T any](s []T, n, chunk int, spills *int) []T {
	if s == nil || cap(s)-len(s) < n {
		*spills++
		return make([]T, 0, max(n, chunk))
	}
	return s
}

// build turns the decision record into a Result.
func (e *Engine) build(d *decisions) *Result {
	b := &builder{e: e, seen: d.seen, proSrc: d.proSrc, merged: d.merged[:0]}
	res := &Result{
		Referrals:       make([]Referral, 0, len(d.referrals)+len(d.floors)),
		FoldedReferrals: []FoldedReferral{},
		Recommended:     []Item{},
		Avoided:         []Item{},
		Conflicts:       []Conflict{},
		NeedsEquipment:  []EquipmentNeed{},
		RuleSet:         e.ruleSet,
		Disclaimer:      Disclaimer,
	}
	e.setTrace(res, d.bits)
	// Size the lists once: an item is large, and growing a list copies it.
	// The counts are upper bounds (citations with repeats, the rules of a
	// conflict's sides before their citations are sorted, one id and the
	// citations of each rule that refers or gives a message, the citations
	// of each chosen plan step's rule), so that no slab needs a second
	// chunk; the note slab is sized exactly. Every byte counts: a Result's
	// bytes are most of what a call costs, in the collector's work.
	nRec, nAvoid, nConf, nNeed, nCites, nIDs, nNotes := 0, 0, 0, 0, 0, 0, 0
	for mi := range d.movements {
		m := &d.movements[mi]
		if m.outcome == OutcomeNotAdvised || m.outcome == OutcomeWithheld {
			continue
		}
		rec, avoid, caution := d.rules(m, effectRecommend), d.rules(m, effectAvoid), d.rules(m, effectCaution)
		switch m.outcome {
		case OutcomeAvoided:
			nAvoid++
			nCites += b.countCitations(avoid)
			nNotes += len(avoid)
			if len(rec) > 0 {
				// A conflict's ids: its For rules, its Against rules,
				// and those again split into AvoidRules and
				// CautionRules.
				nConf++
				nCites += b.countCitations(rec) + b.countCitations(avoid) + b.countCitations(caution)
				nIDs += len(rec) + 2*(len(avoid)+len(caution))
			}
		case OutcomeNeedsEquipment:
			nNeed++
			nIDs += len(m.missing) + len(rec)
		case OutcomeRecommended:
			nRec++
			nCites += b.countCitations(rec) + b.countCitations(caution)
			nNotes += len(rec) + len(caution)
			if len(caution) > 0 {
				nConf++
				nCites += b.countCitations(rec) + b.countCitations(caution)
				nIDs += len(rec) + 2*len(caution)
			}
		}
	}
	// Referrals and messages take at most one id and the citations of
	// each rule that gives them; a plan step, the citations of the rule
	// that chose it.
	for _, s := range [...]int{stageRefer, stageSay} {
		for _, ri := range d.hits[s] {
			nIDs++
			nCites += len(e.hot[ri].cites)
		}
	}
	// A folded referral also names the rules of the referral it is folded
	// into, at most every referral rule, and the red flags it shares.
	for _, f := range d.story {
		if f.into >= 0 {
			nIDs += len(d.referrals) + len(f.flags)
		}
	}
	steps := b.choosePlan(d)
	for _, o := range steps {
		nCites += len(e.hot[o.rule].cites)
	}
	// Recommended and Avoided share one allocation, each with its
	// capacity at its final length, so that appending to one copies it.
	items := make([]Item, 0, nRec+nAvoid)
	res.Recommended = items[0:0:nRec]
	res.Avoided = items[nRec : nRec : nRec+nAvoid]
	res.Conflicts = make([]Conflict, 0, nConf)
	res.NeedsEquipment = make([]EquipmentNeed, 0, nNeed)
	b.cites = make([]Citation, 0, nCites)
	b.ids = make([]string, 0, nIDs)
	b.notes = make([]Note, 0, nNotes)
	// A floor's own referral (policy 7) comes first among those of its
	// urgency: it stands for a red flag the rules missed. The referral
	// story does not fold other referrals into it; it marks a gap in the
	// rule set, to be fixed there.
	for _, fi := range d.floors {
		res.Referrals = append(res.Referrals, e.floorReferral(fi))
	}
	for _, ri := range d.referrals {
		if d.shown(ri) {
			res.Referrals = b.addReferral(res.Referrals, ri)
		}
	}
	// The rules' referrals in the story's order (see storyOrder), so
	// that the most pressing leads, each keeping its rules in rule
	// order; then the floors' first among their urgency.
	e.storySort(d, res.Referrals[len(d.floors):])
	sortReferrals(res.Referrals)
	res.FoldedReferrals = b.foldedReferrals(d, res.Referrals)
	for mi := range d.movements {
		m := &d.movements[mi]
		if m.outcome == OutcomeNotAdvised || m.outcome == OutcomeWithheld {
			continue
		}
		rec, avoid, caution := d.rules(m, effectRecommend), d.rules(m, effectAvoid), d.rules(m, effectCaution)
		switch m.outcome {
		case OutcomeAvoided:
			res.Avoided = res.Avoided[:len(res.Avoided)+1]
			b.item(&res.Avoided[len(res.Avoided)-1], mi, effectAvoid, avoid, nil)
			if len(rec) > 0 {
				res.Conflicts = b.conflict(res.Conflicts, mi, ResolutionAvoided, rec, avoid, caution)
			}
		case OutcomeNeedsEquipment:
			b.ids = slab(b.ids, len(m.missing), idChunk, &b.spills)
			start := len(b.ids)
			for _, eq := range m.missing {
				b.ids = append(b.ids, e.vocab[fieldEquipment].entries[eq].id)
			}
			missing := b.ids[start:len(b.ids):len(b.ids)]
			res.NeedsEquipment = append(res.NeedsEquipment, EquipmentNeed{
				Movement: e.movements[mi].id, Name: e.movements[mi].name,
				Missing: missing, Rules: b.ruleIDs(rec),
			})
		case OutcomeRecommended:
			res.Recommended = res.Recommended[:len(res.Recommended)+1]
			b.item(&res.Recommended[len(res.Recommended)-1], mi, effectRecommend, rec, caution)
			if len(caution) > 0 {
				res.Conflicts = b.conflict(res.Conflicts, mi, ResolutionCautioned, rec, nil, caution)
			}
		}
	}
	var lead Urgency // the most urgent referral's, shown first
	if len(res.Referrals) > 0 {
		lead = res.Referrals[0].Urgency
	}
	res.Messages = b.messages(d, lead)
	res.Plan = b.plan(steps)
	d.merged, d.spills = b.merged[:0], b.spills
	switch {
	case d.floorWithhold:
		res.Withheld = true
		res.WithheldReason = e.withheldReason(d.withholding, e.withholdingFloors(&d.record))
	case len(d.withholding) > 0:
		res.Withheld = true
		res.WithheldReason = e.withheldReason(d.withholding, nil)
	}
	if d.incomplete {
		reason := IncompleteReason
		if d.unreadable {
			reason = UnreadableReason
		}
		res.Withheld, res.Incomplete = true, true
		res.WithheldReason = strings.TrimPrefix(res.WithheldReason+" "+reason, " ")
	}
	return res
}

// noNotes backs every empty list of cautions.
var noNotes [0]Note

// citations returns the distinct citations of rules, in rule order, cut
// from the builder's slab.
func (b *builder) citations(rules []int) []Citation {
	return b.citationsWhere(rules, nil)
}

// countCitations returns how many citations the rules have, repeats
// included: at least as many as citations(rules) takes. A citation is one
// word, so a little spare room costs less than counting the distinct ones.
func (b *builder) countCitations(rules []int) int {
	n := 0
	for _, ri := range rules {
		n += len(b.e.hot[ri].cites)
	}
	return n
}

// ruleIDs returns the ids of rules, cut from the builder's slab.
func (b *builder) ruleIDs(rules []int) []string {
	b.ids = slab(b.ids, len(rules), idChunk, &b.spills)
	start := len(b.ids)
	for _, ri := range rules {
		b.ids = append(b.ids, b.e.hot[ri].id)
	}
	return b.ids[start:len(b.ids):len(b.ids)]
}

// addReferral adds rule ri's referral, merged into an earlier one with the
// same urgency and message.
func (b *builder) addReferral(refs []Referral, ri int) []Referral {
	r := &b.e.rules[ri]
	for i := range refs {
		if refs[i].Urgency == r.refer.urgency && refs[i].Message == r.refer.message {
			refs[i].Withhold = refs[i].Withhold || r.refer.withhold
			refs[i].Within = sooner(refs[i].Urgency, refs[i].Within, r.refer.within)
			refs[i].Clinician = joinClinician(refs[i].Clinician, r.refer.clinician)
			refs[i].Rules = append(refs[i].Rules, r.id)
			for _, ci := range r.cites {
				if c := b.e.citations[ci]; !slices.Contains(refs[i].Citations, c) {
					refs[i].Citations = append(refs[i].Citations, c)
				}
			}
			return refs
		}
	}
	return append(refs, b.referral(ri))
}

// referral returns rule ri's referral, its lists cut from the builder's
// slabs.
func (b *builder) referral(ri int) Referral {
	r := &b.e.rules[ri]
	one := [1]int{ri}
	return Referral{
		Urgency:   r.refer.urgency,
		Message:   r.refer.message,
		Clinician: r.refer.clinician,
		Within:    r.refer.within,
		Withhold:  r.refer.withhold,
		Citations: b.citations(one[:]),
		Rules:     b.ruleIDs(one[:]),
	}
}

// strings returns a copy of ss cut from the builder's id slab.
func (b *builder) strings(ss []string) []string {
	b.ids = slab(b.ids, len(ss), idChunk, &b.spills)
	start := len(b.ids)
	b.ids = append(b.ids, ss...)
	return b.ids[start:len(b.ids):len(b.ids)]
}

// joinClinician returns the clinician text of a referral that says a, as
// a rule that gives it with the text b adds to it: each text once, in
// rule order, so that a clinician reads what each rule asks (its own
// reason and timing), never only the first rule's.
func joinClinician(a, b string) string {
	switch {
	case b == "" || strings.Contains(a, b):
		return a
	case a == "":
		return b
	}
	return a + " " + b
}

// item builds, in it, a recommended or avoided item from the rules whose
// effect eff gives its reasons and those that attach cautions. Each note
// is the reason of the effect that named the movement. It writes the item
// in place, in the list sized up front, rather than copying it there.
func (b *builder) item(it *Item, mi, eff int, reasons, cautions []int) {
	e := b.e
	m := &e.movements[mi]
	n := len(reasons) + len(cautions)
	b.notes = slab(b.notes, n, noteChunk, &b.spills)
	start := len(b.notes)
	b.notes = b.notes[:start+n]
	notes := b.notes[start : start+n : start+n]
	// Field by field: the item is zero, in a list sized up front, and
	// assigning a whole Item would copy it through a temporary, with a
	// bulk write barrier over every word while the collector marks.
	it.Movement, it.Text = m.id, m.text
	it.Reasons = notes[:len(reasons):len(reasons)]
	if len(cautions) == 0 {
		// No memory of this Result's: an empty list of a global array
		// has nothing a caller could change, and storing it needs no
		// write barrier.
		it.Cautions = noNotes[:]
	} else {
		it.Cautions = notes[len(reasons):]
	}
	for i, ri := range reasons {
		h := &e.hot[ri]
		it.Reasons[i] = h.notes[eff]
	}
	for i, ri := range cautions {
		h := &e.hot[ri]
		it.Cautions[i] = h.notes[effectCaution]
	}
	it.Citations = b.citations(b.merge(reasons, cautions))
}

// conflict records the disagreement between sources over movement mi, if
// there is one: the citations that support it, from the rules for it, and
// those that advise against it or care with it, from the rules that avoid
// it or caution against it (see [Conflict]). ok is false when no source
// supports the movement or none, once the supporting sources are left out,
// advises against it or care with it. It returns out with the conflict
// added, written in place in out's spare capacity (the list is sized up
// front), or out as it was when there is none.
func (b *builder) conflict(out []Conflict, mi int, res Resolution, forRules, avoid, caution []int) []Conflict {
	info := b.e.citeInfo
	supports := func(ci int) bool { return info[ci].supports }
	pro := b.citationsWhere(forRules, supports)
	if len(pro) == 0 {
		return out
	}
	// isPro: a rule for the movement cites ci's source in support. The
	// sources are marked once, and unmarked on the way out.
	pros := b.proSrc
	for _, ri := range forRules {
		for _, cj := range b.e.hot[ri].cites {
			if info[cj].supports {
				pros[info[cj].src] = true
			}
		}
	}
	defer clear(pros)
	isPro := func(ci int) bool { return pros[info[ci].src] }
	// Of the citations of the rules that avoid the movement or caution
	// against it, opposes accepts those on the side against: their source
	// advises against it or care with it and does not support it;
	// conditions accepts a supporting source's own conditions.
	opposes := func(ci int) bool { return info[ci].opposing && !isPro(ci) }
	conditions := func(ci int) bool { return info[ci].opposing && isPro(ci) }
	against := b.merge(avoid, caution)
	con := b.citationsWhere(against, opposes)
	if len(con) == 0 {
		return out
	}
	againstSide := b.rulesWhere(against, opposes)
	if len(out) == cap(out) {
		out = append(out, Conflict{})[:len(out)]
	}
	out = out[:len(out)+1]
	c := &out[len(out)-1]
	c.Movement, c.Name, c.Resolution = b.e.movements[mi].id, b.e.movements[mi].name, res
	c.For.Rules, c.For.Citations = b.rulesWhere(forRules, supports), pro
	c.Against.Rules, c.Against.Citations = againstSide, con
	c.AvoidRules = b.subset(againstSide, avoid)
	c.CautionRules = b.subset(againstSide, caution)
	c.Conditional = b.citationsWhere(against, conditions)
	return out
}

// citationsWhere returns the distinct citations of rules whose index in
// Engine.citations keep accepts, or all of them for a nil keep, in rule
// order, cut from the builder's slab. A passage one rule cites as
// background and another on a side is listed once, on its side: the
// rules meet on this item, and there the passage takes that side.
func (b *builder) citationsWhere(rules []int, keep func(ci int) bool) []Citation {
	if len(rules) == 1 && keep == nil {
		// One rule's citations, distinct already: copied as they are.
		if vals := b.e.hot[rules[0]].citeVals; vals != nil {
			b.cites = slab(b.cites, len(vals), citeChunk, &b.spills)
			start := len(b.cites)
			b.cites = append(b.cites, vals...)
			return b.cites[start:len(b.cites):len(b.cites)]
		}
	}
	n := 0
	for _, ri := range rules {
		for _, ci := range b.e.hot[ri].cites {
			if !b.seen[ci] && (keep == nil || keep(ci)) {
				b.seen[ci] = true
				n++
			}
		}
	}
	if b.e.twinned {
		for _, ri := range rules {
			for _, ci := range b.e.hot[ri].cites {
				if b.seen[ci] && slices.ContainsFunc(b.e.citeInfo[ci].sides, func(tw int) bool { return b.seen[tw] }) {
					b.seen[ci] = false
					n--
				}
			}
		}
	}
	b.cites = slab(b.cites, n, citeChunk, &b.spills)
	start := len(b.cites)
	for _, ri := range rules {
		for _, ci := range b.e.hot[ri].cites {
			if b.seen[ci] {
				b.seen[ci] = false
				b.cites = append(b.cites, b.e.citations[ci])
			}
		}
	}
	return b.cites[start:len(b.cites):len(b.cites)]
}

// rulesWhere returns the ids of the rules of rules that have a citation
// keep accepts, cut from the builder's slab.
func (b *builder) rulesWhere(rules []int, keep func(ci int) bool) []string {
	b.ids = slab(b.ids, len(rules), idChunk, &b.spills)
	start := len(b.ids)
	for _, ri := range rules {
		if slices.ContainsFunc(b.e.hot[ri].cites, keep) {
			b.ids = append(b.ids, b.e.hot[ri].id)
		}
	}
	return b.ids[start:len(b.ids):len(b.ids)]
}

// subset returns the ids of ids that belong to rules, cut from the
// builder's slab.
func (b *builder) subset(ids []string, rules []int) []string {
	in := func(id string) bool {
		return slices.ContainsFunc(rules, func(ri int) bool { return b.e.hot[ri].id == id })
	}
	// Counted first, so that the slab needs room for these ids only:
	// build sizes it for what the lists take, not for what they might.
	n := 0
	for _, id := range ids {
		if in(id) {
			n++
		}
	}
	b.ids = slab(b.ids, n, idChunk, &b.spills)
	start := len(b.ids)
	for _, id := range ids {
		if in(id) {
			b.ids = append(b.ids, id)
		}
	}
	return b.ids[start:len(b.ids):len(b.ids)]
}

// withheldPrefix begins the WithheldReason of a Result whose advice a
// referral withholds; the ids of the withholding rules follow.
const withheldPrefix = "Movement advice is withheld until a clinician has assessed you, because of: "

// withheldReason returns the WithheldReason of advice that the
// withholding rules (by index of e.rules), then floors (the rule ids of
// the red flags whose missed floor withholds it; see withholdingFloors),
// withhold: withheldPrefix, their ids joined by ", ", and a full stop,
// written once, in a buffer of its final size. The sentence of one rule
// alone is made at load, by this function too, and kept (see prepare).
func (e *Engine) withheldReason(rules []int, floors []string) string {
	if len(rules) == 1 && len(floors) == 0 && e.withheldBy[rules[0]] != "" {
		return e.withheldBy[rules[0]]
	}
	n := len(withheldPrefix) + 1
	for _, ri := range rules {
		n += len(e.rules[ri].id)
	}
	for _, id := range floors {
		n += len(id)
	}
	if k := len(rules) + len(floors); k > 1 {
		n += (k - 1) * len(", ")
	}
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteString(withheldPrefix)
	sep := ""
	for _, ri := range rules {
		sb.WriteString(sep)
		sb.WriteString(e.rules[ri].id)
		sep = ", "
	}
	for _, id := range floors {
		sb.WriteString(sep)
		sb.WriteString(id)
		sep = ", "
	}
	sb.WriteByte('.')
	return sb.String()
}

// withholdingIDs returns the ids of what withholds advice in d: the
// withholding referral rules, then "floor:" and the id of each red flag
// whose missed floor withholds it (see withholdingFloors).
func (e *Engine) withholdingIDs(d *record) []string {
	return append(e.ruleIDs(d.withholding), e.withholdingFloors(d)...)
}

// withholdingFloors returns "floor:" and the id of each red flag whose
// missed floor withholds advice in d (see guardFloors), or nil.
func (e *Engine) withholdingFloors(d *record) []string {
	var ids []string
	for _, fi := range d.floors {
		if e.vocab[fieldRedFlags].entries[fi].floor.Withhold {
			ids = append(ids, e.floorRuleID(fi))
		}
	}
	return ids
}

// FloorRulePrefix begins the rule id, in Referral.Rules, of a referral
// that a red flag's declared floor gave because no matched rule met it
// (policy 7 in the package documentation): "floor:" and the flag's id.
// Such a referral means the rule set has a gap for the profile: the
// person still gets the floor's referral, and the rule set needs fixing.
const FloorRulePrefix = "floor:"

// floorWords are the first words of a floor's referral, by its urgency.
var floorWords = map[Urgency]string{
	UrgencyEmergency: "Go to an emergency department now, or call emergency services.",
	UrgencyUrgent:    "See a doctor today or tomorrow.",
	UrgencyRoutine:   "Book an appointment with a GP or physiotherapist.",
}

// floorReferral returns the referral of red flag fi's declared floor, for
// a profile that reports the flag and whose matched referral rules miss
// the floor (see guardFloors): the floor's urgency (never none: a floor
// of none needs no referral and, as Load checks, withholds nothing) and
// withholding, words made from the flag's label, no citation (the floor
// is the rule set's own declaration, not a source's claim), and the rule
// id FloorRulePrefix+flag, so that the gap shows wherever the referral
// does. It is made anew for each Result, which owns it.
func (e *Engine) floorReferral(fi int) Referral {
	en := &e.vocab[fieldRedFlags].entries[fi]
	f := en.floor
	u := f.Urgency
	msg := floorWords[u] + " You reported: " + en.label + ". This needs a clinician's check."
	if f.Withhold {
		msg += " Hold off on the exercises until then."
	}
	msg += " This is advice to get assessed, not a diagnosis."
	clinician := en.label + " reported; " + string(u) + " assessment"
	if f.Withhold {
		clinician += ", exercise advice withheld"
	}
	clinician += ". From the red flag's declared floor: no rule met it, so the rule set has a gap to fix."
	return Referral{Urgency: u, Message: msg, Clinician: clinician, Withhold: f.Withhold,
		Citations: []Citation{}, Rules: []string{e.floorRuleID(fi)}}
}

func (e *Engine) ruleIDs(rules []int) []string {
	out := make([]string, len(rules))
	for i, ri := range rules {
		out[i] = e.rules[ri].id
	}
	return out
}

// Key messages and the plan. Rules declare both (a say effect, and a
// priority on a recommend effect; compile.go checks them); neither changes
// what is recommended or avoided: the plan only orders movements that the
// safety policy has already recommended.

// messages returns the key messages of the matched rules: safety nets
// first, then reassurance, staying active and pacing, each kind in rule
// order. Rules that give the same kind and text merge into one message.
// When advice is withheld, only the safety nets are kept: the other kinds
// encourage self-care, which a withholding referral puts on hold; but when
// every withholding referral, shown or folded, says keep_active (which no
// emergency referral may), the stay_active messages are kept too. Beside
// an urgent or emergency referral, reassurance is left out whether or not
// advice is withheld: "give it time" would tell the person the opposite
// of "get checked within days". lead is the urgency of the Result's most
// urgent referral (a rule's or a floor's; a folded one is never more
// urgent than the one it is folded into), "" for none.
func (b *builder) messages(d *decisions, lead Urgency) []Message {
	withheld := d.withheld()
	// keepActive: every withholding referral keeps the stay-active
	// messages (refer.keep_active, never an emergency); an incomplete
	// result, or a floor that withholds, keeps only the safety nets.
	keepActive := withheld && !d.incomplete && !d.floorWithhold && !slices.ContainsFunc(d.withholding, func(ri int) bool { return !b.e.rules[ri].refer.keepActive })
	soon := lead.AtLeast(UrgencyUrgent)
	kept := func(k MessageKind) bool {
		if k == MessageKindReassurance && soon {
			return false
		}
		return !withheld || k == MessageKindSafetyNet || (keepActive && k == MessageKindStayActive)
	}
	// The kept rules, ordered by kind, then in rule order: sorting rule
	// indexes, not messages, moves no pointers.
	order := d.says[:0]
	for _, ri := range d.hits[stageSay] {
		if kept(b.e.rules[ri].say.kind) {
			order = append(order, ri)
		}
	}
	rank := b.e.sayRank
	slices.SortStableFunc(order, func(a, c int) int { return cmp.Compare(rank[a], rank[c]) })
	d.says = order
	out := make([]Message, 0, len(order))
	for _, ri := range order {
		r := &b.e.rules[ri]
		i := slices.IndexFunc(out, func(m Message) bool { return m.Kind == r.say.kind && m.Text == r.say.text })
		if i < 0 {
			out = out[:len(out)+1]
			m := &out[len(out)-1]
			m.Kind, m.Text = r.say.kind, r.say.text
			m.Citations, m.Rules = b.citations([]int{ri}), b.ruleIDs([]int{ri})
			continue
		}
		out[i].Rules = append(out[i].Rules, r.id)
		for _, ci := range r.cites {
			if ct := b.e.citations[ci]; !slices.Contains(out[i].Citations, ct) {
				out[i].Citations = append(out[i].Citations, ct)
			}
		}
	}
	return out
}

// sortReferrals sorts rs most urgent first, ties kept in their order.
func sortReferrals(rs []Referral) {
	slices.SortStableFunc(rs, func(a, b Referral) int {
		return cmp.Compare(b.Urgency.rank(), a.Urgency.rank())
	})
}

// plan returns the plan: the steps choosePlan chose, with their names,
// reasons and citations.
func (b *builder) plan(steps []planOffer) []PlanStep {
	e := b.e
	out := make([]PlanStep, len(steps))
	for i, o := range steps {
		m := &e.movements[o.mi]
		// Field by field, into the zeroed step: see item.
		st := &out[i]
		st.Movement, st.Name, st.Priority = m.id, m.name, o.priority
		st.Reason = e.hot[o.rule].notes[effectRecommend]
		st.Citations = b.citations([]int{o.rule})
	}
	return out
}

// planOffer is a movement offered for the plan: its index, its priority
// and the rule that offers it.
type planOffer struct{ mi, priority, rule int }

// choosePlan chooses the movements to start with. Each matched rule whose
// recommend effect has a priority offers one movement: the first of its
// offers that the safety policy recommends (not avoided, not waiting for
// equipment, not withheld). A movement offered by several rules takes the
// best (lowest) priority among them, and the reason of the first rule, in
// rule order, that offers it with that priority. The plan lists the
// offered movements by priority, then in declaration order, at most
// MaxPlan of them; choosePlan returns them in that order, in d's memory.
// A withheld result recommends nothing, so its plan is empty.
func (b *builder) choosePlan(d *decisions) []planOffer {
	e := b.e
	best := d.offers[:0]
	for _, ri := range d.hits[stagePlan] {
		r := &e.rules[ri]
		k := slices.IndexFunc(r.offers, func(mi int) bool { return d.movements[mi].outcome == OutcomeRecommended })
		if k < 0 {
			continue
		}
		mi := r.offers[k]
		switch i := slices.IndexFunc(best, func(o planOffer) bool { return o.mi == mi }); {
		case i < 0:
			best = append(best, planOffer{mi, r.priority, ri})
		case r.priority < best[i].priority:
			best[i] = planOffer{mi, r.priority, ri}
		}
	}
	slices.SortFunc(best, func(a, b planOffer) int {
		return cmp.Or(cmp.Compare(a.priority, b.priority), cmp.Compare(a.mi, b.mi))
	})
	d.offers = best
	return best[:min(len(best), MaxPlan)]
}
