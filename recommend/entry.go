package recommend

import (
	"fmt"
	"slices"
	"strings"

	"github.com/backrules/backrules/internal/words"
)

// entryReading is what an entry of a list field, or the value of a choice
// field, that the field's vocabulary lacks stands for. Validate's
// suggestion for its problem and Triage's count (misplacedRedFlags)
// both read an entry through readEntry, so that the id an author is told
// to write is one that Triage counted.
type entryReading struct {
	// flags and conds are the red flags and conditions Triage counts
	// from the entry (indexes into their vocabularies), the one it
	// stands for first.
	flags, conds []int
	// hint is the suggestion for the entry's problem: " (did you mean
	// ...?)", or "".
	hint string
}

// readEntry reads v, an entry of the vocabulary field fi (a list field,
// or a choice field after them) that its vocabulary lacks. What v stands
// for in its own field, in this order:
//
//  1. the term one of whose names v is, whole (see wholeName): "numbness
//     around the groin", "Saddle numbness" and "saddle/numbness" are
//     saddle_numbness, and "leg numbness" is leg_numbness_or_tingling,
//     though leg_weakness is as close by spelling;
//  2. when v is no term's name whole, in any field, the id v is a
//     misspelling of (see words.Closest): "pogressive_leg_weakness" is
//     progressive_leg_weakness, though its words name leg_weakness too,
//     which then counts beside it, as it does with the id written right;
//  3. the terms v names (see namedTerms): one, or several, each to be an
//     entry of its own ("foot drop with a fever and chills");
//  4. the term whose id v is one side of, and each whose id ends with
//     that side (see sideOfID): "fever" is fever_or_chills, "pulsation"
//     abdominal_pain_or_pulsation and abdominal_pulsation.
//
// An entry of red_flags is counted as the red flags it stands for; one of
// conditions as the conditions. Any entry is counted, too, as the red
// flags and conditions it names, whole or in its words, in any field:
// "saddle numbness" given as an aggravating activity still reaches its
// referral, and is told the field it belongs in when it is nothing of its
// own field's.
func (e *Engine) readEntry(fi int, v string) entryReading {
	isList := fi < numListFields
	named := func(f int) []int {
		var out []int
		for _, n := range e.namedTerms(f, []byte(v)) {
			out = append(out, n.index)
		}
		return out
	}
	// whole is the term of field f that v is a name of, whole, first;
	// then the terms v names.
	var whole [numListFields]int
	var names [numListFields][]int
	anyWhole := false
	for f := range numListFields {
		whole[f] = -1
		if f != fieldRedFlags && f != fieldConditions && f != fi {
			continue
		}
		whole[f] = e.wholeName(f, v)
		names[f] = named(f)
		if whole[f] >= 0 {
			anyWhole = true
			names[f] = slices.Insert(slices.DeleteFunc(names[f], func(i int) bool { return i == whole[f] }), 0, whole[f])
		}
	}
	typo := -1
	if !anyWhole {
		if c := words.Closest(v, e.vocab[fi].ids()); c != "" {
			typo = e.vocab[fi].index(c)
		}
	}
	// own is what v stands for in its own field.
	var own []int
	switch {
	case isList && whole[fi] >= 0:
		own = names[fi]
	case typo >= 0:
		own = []int{typo}
		if isList {
			own = append(own, slices.DeleteFunc(slices.Clone(names[fi]), func(i int) bool { return i == typo })...)
		}
	case isList && len(names[fi]) > 0:
		own = names[fi]
	case isList:
		own = e.sideOfID(fi, v)
	}
	r := entryReading{flags: names[fieldRedFlags], conds: names[fieldConditions]}
	switch fi {
	case fieldRedFlags:
		r.flags = own
	case fieldConditions:
		r.conds = own
	}
	// The hint: what v is whole, in its own field or another; then what
	// it misspells, or names, in its own; then what it names elsewhere.
	f, w := e.wholeElsewhere(fi, whole)
	switch {
	case isList && whole[fi] >= 0:
		r.hint = words.Suggest(e.quotedIDs(fi, own[:1])[0])
	case w >= 0:
		r.hint = e.elsewhereHint(f, []int{w})
	case typo >= 0 || len(own) == 1:
		r.hint = words.Suggest(e.quotedIDs(fi, own[:1])[0])
	case len(own) > 1:
		r.hint = words.Suggest(words.List(e.quotedIDs(fi, own)) + ", each an entry of its own")
	case fi != fieldRedFlags && len(r.flags) > 0:
		r.hint = e.elsewhereHint(fieldRedFlags, r.flags)
	case fi != fieldConditions && len(r.conds) > 0:
		r.hint = e.elsewhereHint(fieldConditions, r.conds)
	}
	return r
}

// wholeElsewhere returns the field, red flags or else conditions, other
// than fi, and the term of it that whole holds (see readEntry), or -1.
func (e *Engine) wholeElsewhere(fi int, whole [numListFields]int) (f, term int) {
	for _, f := range []int{fieldRedFlags, fieldConditions} {
		if f != fi && whole[f] >= 0 {
			return f, whole[f]
		}
	}
	return 0, -1
}

// elsewhereHint suggests terms of the list field f for an entry of
// another field: " (did you mean the red flag "saddle_numbness", an
// entry of red_flags?)".
func (e *Engine) elsewhereHint(f int, terms []int) string {
	name, label, q := listFields[f].name, listFields[f].label, e.quotedIDs(f, terms)
	if len(q) == 1 {
		return words.Suggest("the " + label + " " + q[0] + ", an entry of " + name)
	}
	return words.Suggest("the " + words.Plural(label) + " " + words.List(q) + ", each an entry of " + name)
}

// quotedIDs returns the ids of terms of the vocabulary field fi, quoted.
func (e *Engine) quotedIDs(fi int, terms []int) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = fmt.Sprintf("%q", e.vocab[fi].entries[t].id)
	}
	return out
}

// wholeName returns the index of the term of the list field fi that v,
// whole, is a name of (see termNames), its words parted by anything or
// run together ("Saddle numbness", "saddle/numbness", "saddleNumbness"),
// or -1.
func (e *Engine) wholeName(fi int, v string) int {
	key := runTogether(v)
	if key == "" {
		return -1
	}
	voc := &e.vocab[fi]
	for _, ni := range voc.byFirst[key[0]] {
		n := &voc.names[ni]
		if strings.Join(n.name.words, "") == key {
			return n.entry
		}
	}
	return -1
}
