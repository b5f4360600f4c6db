package recommend

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/internal/parse"
)

// A field given twice. An input that gives a number or a choice more
// than once (a JSON key written twice, a form field sent twice) is
// refused, and Triage must still read one value of it: not the first,
// nor the last, but the one whose referrals are the most pressing, so
// that a pain of 9 written after a pain of 2 still makes belly pain an
// emergency (Engine.CountRepeated; Engine.DecodeProfile calls it). A
// list given twice is read as the entries of both.

// Repeated is a number or choice field of a profile that an input gives
// more than once, with every value it gives, for [Engine.CountRepeated].
type Repeated struct {
	// Field is the field's name, as in JSON: "pain_level", "sex".
	Field string
	// Values are the values given, in the order given: a number as
	// text ("9", "7.5"), a choice as its id ("" for not stated).
	Values []string
}

// Bounds on what CountRepeated compares.
const (
	// maxRepeatedValues is the most values of one field CountRepeated
	// compares: the first ones given, with the smallest and the largest
	// number among the rest.
	maxRepeatedValues = 16
	// maxRepeatedCombinations is the most combinations of the fields'
	// values CountRepeated compares; past it, it takes one field at a
	// time, in the order given, the others at the values chosen so far.
	maxRepeatedCombinations = 256
)

// CountRepeated returns p with each field of repeated set to the value,
// of those given for it, that Triage counts, and those values as text,
// by index of repeated ("" where no value of a field can be read): of
// every combination of the values given, the one whose referrals are the
// most pressing for p (the most urgent, then the soonest, then advice
// withheld), the first given among equals. Failing toward a clinician, a
// field given twice does not lower a referral: with belly pain, a pain
// of 2 and a pain of 9 count as 9, and an age of 12 and of 40 as
// whichever the rules refer. A number is read as Triage reads it (a pain
// of 11 is 10; see [Engine.Triage]), and text that is not a number, or a
// field that is not a number or choice field, is left out.
//
// It is for a program that reads a profile itself, such as a web form,
// and refuses one that gives a field twice; it should report the value
// counted beside the problem. [Engine.DecodeProfile] calls it for the
// fields its input gives twice. A nil Engine returns p unchanged.
func (e *Engine) CountRepeated(p Profile, repeated []Repeated) (Profile, []string) {
	counted := make([]string, len(repeated))
	if e == nil {
		return p, counted
	}
	var fields []repeatedField
	for i, rp := range repeated {
		if f := e.repeatedField(rp); len(f.values) > 0 {
			f.at = i
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return p, counted
	}
	rules := e.strongestFirst()
	weight := func(q Profile) int {
		e.readable(&q)
		return e.referralRank(&q, rules).weight()
	}
	choice := make([]int, len(fields)) // the value chosen of each field
	set := func(q *Profile, choice []int) {
		for fi, f := range fields {
			f.set(q, f.values[choice[fi]])
		}
	}
	n := 1
	for _, f := range fields {
		n *= len(f.values)
		if n > maxRepeatedCombinations {
			break
		}
	}
	if n <= maxRepeatedCombinations {
		// Every combination, the first given first: the first of the
		// most pressing is kept.
		best, try := -1, make([]int, len(fields))
		for range n {
			q := p
			set(&q, try)
			if w := weight(q); w > best {
				best = w
				copy(choice, try)
			}
			for fi := range try { // the next combination
				if try[fi]++; try[fi] < len(fields[fi].values) {
					break
				}
				try[fi] = 0
			}
		}
	} else {
		for fi, f := range fields {
			best, bestVi := -1, 0
			for vi := range f.values {
				q := p
				choice[fi] = vi
				set(&q, choice)
				if w := weight(q); w > best {
					best, bestVi = w, vi
				}
			}
			choice[fi] = bestVi
		}
	}
	set(&p, choice)
	for fi, f := range fields {
		counted[f.at] = f.texts[choice[fi]]
	}
	return p, counted
}

// repeatedField is a field of Repeated as CountRepeated compares its
// values: each once, as Triage reads it, with the text given for it, and
// a setter; at is its index in the Repeated given.
type repeatedField struct {
	at     int
	values []float64
	texts  []string
	set    func(*Profile, float64)
}

// repeatedField returns the values of rp that CountRepeated compares.
// A choice's values are numbered: values[i] is i, and texts[i] the id.
func (e *Engine) repeatedField(rp Repeated) repeatedField {
	var f repeatedField
	add := func(v float64, text string) {
		if !slices.Contains(f.values, v) {
			f.values = append(f.values, v)
			f.texts = append(f.texts, text)
		}
	}
	if ci := choiceFieldIndex(rp.Field); ci >= 0 {
		cf := choiceFields[ci]
		for _, v := range rp.Values {
			if !slices.Contains(f.texts, v) && len(f.texts) < maxRepeatedValues {
				f.values = append(f.values, float64(len(f.texts)))
				f.texts = append(f.texts, v)
			}
		}
		texts := f.texts
		f.set = func(p *Profile, i float64) { cf.set(p, texts[int(i)]) }
		return f
	}
	nf, ok := numberFieldNamed(rp.Field)
	if !ok {
		return f
	}
	var rest []float64 // what is past maxRepeatedValues-2
	for _, text := range rp.Values {
		x, err := strconv.ParseFloat(strings.TrimSpace(parse.ASCIIDigits(text)), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			continue // not a number; one too large is ±Inf, its bound
		}
		x = nf.readableWhole(x)
		if len(f.values) < maxRepeatedValues-2 {
			add(x, strconv.FormatFloat(x, 'g', -1, 64))
		} else {
			rest = append(rest, x)
		}
	}
	if len(rest) > 0 {
		lo, hi := slices.Min(rest), slices.Max(rest)
		add(lo, strconv.FormatFloat(lo, 'g', -1, 64))
		add(hi, strconv.FormatFloat(hi, 'g', -1, 64))
	}
	f.set = nf.set
	return f
}
