package recommend

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/parse"
)

// The red flags a text names: what the engine counts of an input it
// cannot read, so that a mistake before the emergency does not hide it.
// A profile with a syntax error before its red_flags line, a list entry
// spelled "Saddle numbness", a form part with a semicolon: each is
// refused with its position, and the red flags it names still reach a
// referral (Engine.DecodeProfile, Engine.Triage, Engine.NamedRedFlags).

// namedFlag is a red flag a text names: its index in the red-flag
// vocabulary, and the byte offset where the text first names it.
type namedFlag struct {
	index, off int
}

// textWord is a word of a text, as namedRedFlags reads it: a run of
// letters and digits (ASCII, or their full-width forms, read as ASCII),
// lowercased, with its offset, and whether the text joins it to the word
// before with only joiners (false for the first word; see isJoiner).
type textWord struct {
	word   string
	off    int
	joined bool
}

// textWords splits text into its words (see textWord).
func textWords(text []byte) []textWord {
	var out []textWord
	var joined bool // what joins the next word to the one before
	var b []byte
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		if _, ok := wordByte(r); !ok {
			if !isJoiner(r) {
				joined = false
			}
			i += size
			continue
		}
		start := i
		b = b[:0]
		for i < len(text) {
			r, size := utf8.DecodeRune(text[i:])
			c, ok := wordByte(r)
			if !ok {
				break
			}
			b = append(b, c)
			i += size
		}
		out = append(out, textWord{word: strings.ToLower(string(b)), off: start, joined: joined})
		joined = true
	}
	return out
}

// wordByte returns the ASCII letter or digit r is, or whose full-width
// form it is ('Ｓ' is 'S'), and whether it is one.
func wordByte(r rune) (byte, bool) {
	if 0xFF10 <= r && r <= 0xFF5A {
		r -= 0xFEE0 // full-width digits and letters
	}
	if r < utf8.RuneSelf && isWordByte(byte(r)) {
		return byte(r), true
	}
	return 0, false
}

// isJoiner reports whether r joins two words of a red flag's id: '_',
// '-', a space or a tab, or what a word processor or a web page writes
// for one: any Unicode space on a line (a no-break space, U+00A0), dash
// or hyphen (U+2010 to U+2015, U+2212), connecting underscore, or
// invisible format character (a zero-width space, U+200B, or a soft
// hyphen, U+00AD).
func isJoiner(r rune) bool {
	switch r {
	case ' ', '\t', '_', '-', '\u2212':
		return true
	}
	return unicode.In(r, unicode.Zs, unicode.Pd, unicode.Pc, unicode.Cf)
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// termWords returns the words of each id of the vocabulary of the list
// field fi, by vocabulary index.
func (e *Engine) termWords(fi int) [][]string {
	entries := e.vocab[fi].entries
	out := make([][]string, len(entries))
	for i, en := range entries {
		out[i] = strings.FieldsFunc(strings.ToLower(en.id), func(r rune) bool { return r > 0x7f || !isWordByte(byte(r)) })
	}
	return out
}

// namedRedFlags returns the red flags text names, each once, in the order
// the text first names them: a red flag is named by the words of its id,
// in that order, in any case, each joined to the next by joiners on one
// line (see isJoiner) or run together with it (see textWord, wordsAt).
func (e *Engine) namedRedFlags(text []byte) []namedFlag {
	return e.namedTerms(fieldRedFlags, text)
}

// namedTerms returns the terms of the vocabulary of the list field fi
// that text names, as namedRedFlags does for the red flags. Words that
// spell a profile field's name are the field, not a term: the key
// pregnancy_week does not name the condition pregnancy.
func (e *Engine) namedTerms(fi int, text []byte) []namedFlag {
	terms := e.termWords(fi)
	words := textWords(text)
	var out []namedFlag
	found := make([]bool, len(terms))
	for i := range words {
		for ti, tw := range terms {
			if found[ti] || len(tw) == 0 || !wordsAt(words, i, tw) || spellsField(words, i, len(tw)) {
				continue
			}
			found[ti] = true
			out = append(out, namedFlag{index: ti, off: words[i].off})
		}
	}
	return out
}

// fieldWords are the words of each profile field's name, check_ins too.
var fieldWords = sync.OnceValue(func() [][]string {
	var out [][]string
	for _, name := range append(profileFieldNames(), "check_ins") {
		out = append(out, strings.Split(name, "_"))
	}
	return out
})

// spellsField reports whether the words of text from its word i on spell
// the name of a profile field of more than n words.
func spellsField(words []textWord, i, n int) bool {
	for _, fw := range fieldWords() {
		if len(fw) > n && wordsAt(words, i, fw) {
			return true
		}
	}
	return false
}

// wordsAt reports whether want, the words of a red flag's id, are the
// words of text from its word i on, each joined to the one before; a word
// of text may also be two or more of want's words run together
// ("saddleNumbness", "legweakness").
func wordsAt(words []textWord, i int, want []string) bool {
	for k := 0; k < len(want); i++ {
		if i >= len(words) || (k > 0 && !words[i].joined) {
			return false
		}
		rest := words[i].word
		for k < len(want) && strings.HasPrefix(rest, want[k]) {
			rest = rest[len(want[k]):]
			k++
			if rest == "" {
				break
			}
		}
		if rest != "" {
			return false
		}
	}
	return true
}

// NamedRedFlags returns the ids of the red flags of e's vocabulary that
// text names, each once, in the order the text first names them: for a
// program that cannot read text as a profile, such as a request body
// with a syntax error or a form part it cannot unescape, and must still
// count the emergency the text reports. Add them to the profile it passes
// to [Engine.Triage], and report the text's problem beside the result.
// [Engine.DecodeProfile] does so itself for the input it cannot read.
//
// A red flag is named by the words of its id in that order, in any case,
// joined by '_', '-', spaces or tabs on one line, or run together,
// anywhere in the text: "saddle_numbness", "Saddle numbness",
// "SADDLE-NUMBNESS" and "saddleNumbness" all name saddle_numbness. What a
// word processor or a web page writes for those joiners joins them too
// (a no-break space, a Unicode dash or hyphen, a zero-width space), and
// full-width letters are read as their ASCII letters. A text that looks
// UTF-16 or UTF-32 (a byte order mark, or NUL bytes beside its first
// ASCII character: a profile saved as "Unicode") is read both as it is
// and as that encoding. A text that says "no saddle numbness" names it too:
// what the engine cannot read it counts toward a referral rather than
// risk missing one. A nil Engine names none.
func (e *Engine) NamedRedFlags(text []byte) []string {
	if e == nil {
		return nil
	}
	return e.namedIDs(fieldRedFlags, text, e.namedRedFlags)
}

// namedReferralConditions returns the conditions text names, as
// namedRedFlags does for the red flags, that some referral rule's
// condition tests for (see vocabEntry.refers).
func (e *Engine) namedReferralConditions(text []byte) []namedFlag {
	entries := e.vocab[fieldConditions].entries
	if !slices.ContainsFunc(entries, func(en vocabEntry) bool { return en.refers }) {
		return nil
	}
	return slices.DeleteFunc(e.namedTerms(fieldConditions, text), func(n namedFlag) bool { return !entries[n.index].refers })
}

// NamedReferralConditions returns the ids of the conditions of e's
// vocabulary that text names, as [Engine.NamedRedFlags] reads them, and
// that can change a referral: those the condition of some referral rule
// of the rule set tests profile.conditions for (with the default rules,
// the disc conditions, stenosis and sciatica, osteoporosis and
// pregnancy: sciatica beside a cancer is a nerve sign that makes the
// referral an emergency). Like the red flags, they are
// for a program that cannot read text as a profile, and must still count
// what it says toward a referral: add them to the profile's conditions
// before [Engine.Triage], and report the text's problem beside the
// result. [Engine.DecodeProfile] does so itself for the input it cannot
// read. Words that spell a profile field's name name no condition
// ("pregnancy_week" is not pregnancy). A nil Engine names none.
func (e *Engine) NamedReferralConditions(text []byte) []string {
	if e == nil {
		return nil
	}
	return e.namedIDs(fieldConditions, text, e.namedReferralConditions)
}

// addNamedTerms adds to p the red flags, and the conditions that can
// change a referral, that data, an input DecodeProfile could not read,
// names and p lacks, and to perr a problem for each, placed where data
// first names it: the decoder could not read them as a profile's, and
// Triage must count them all the same.
func (e *Engine) addNamedTerms(p *Profile, perr *ProfileError, data []byte) {
	added := false
	// A text that looks UTF-16 or UTF-32 (a profile saved as "Unicode")
	// is read both as it is and as that encoding: a text that only looks
	// so, such as a NUL byte before a digit, loses nothing it names.
	for _, text := range wideReadings(data) {
		if e.addNamed(&p.RedFlags, perr, text, fieldRedFlags, e.namedRedFlags(text), namedFlagMessage) {
			added = true
		}
		if e.addNamed(&p.Conditions, perr, text, fieldConditions, e.namedReferralConditions(text), namedConditionMessage) {
			added = true
		}
	}
	if added {
		sortProblems(perr.Problems)
	}
}

// wideReadings returns the texts the terms text names are read from: text
// itself and, when it looks UTF-16 or UTF-32 (see parse.WideEncoding),
// text read as that encoding.
func wideReadings(text []byte) [][]byte {
	if parse.WideEncoding(text) == "" {
		return [][]byte{text}
	}
	return [][]byte{text, parse.WideToUTF8(text)}
}

// namedIDs returns the ids of the terms of the vocabulary of the list
// field fi that named finds in each reading of text (see wideReadings),
// each once, in the order the readings first name them.
func (e *Engine) namedIDs(fi int, text []byte, named func([]byte) []namedFlag) []string {
	var out []string
	entries := e.vocab[fi].entries
	for _, t := range wideReadings(text) {
		for _, n := range named(t) {
			if id := entries[n.index].id; !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// sortProblems sorts problems in the order of the input, as the decoder
// reports them; one with no position (the input's size) first.
func sortProblems(probs []FieldProblem) {
	slices.SortStableFunc(probs, func(a, b FieldProblem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
}

// addNamed adds to *list each term of the list field fi named that it
// lacks, and to perr a problem with msg for each, placed in data where
// it is named; it reports whether it added any.
func (e *Engine) addNamed(list *[]string, perr *ProfileError, data []byte, fi int, named []namedFlag, msg string) bool {
	entries := e.vocab[fi].entries
	added := false
	for _, n := range named {
		id := entries[n.index].id
		if slices.Contains(*list, id) {
			continue
		}
		*list = append((*list)[:len(*list):len(*list)], id)
		pos := parse.PosAt(data, n.off)
		perr.Problems = append(perr.Problems, FieldProblem{
			Field:   listFields[fi].name,
			Value:   quoteValue(id),
			Message: msg,
			Line:    pos.Line, Column: pos.Column,
		})
		added = true
	}
	return added
}

// namedFlagMessage is the problem addNamedTerms reports for a red flag
// it counts, and namedConditionMessage for a condition.
const (
	namedFlagMessage      = "named where the profile could not be read: counted as a red flag, to be safe"
	namedConditionMessage = "named where the profile could not be read: counted as a condition toward the referrals, to be safe"
)
