package recommend

import (
	"regexp"
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
// letters and digits (ASCII, or their full-width forms, read as ASCII;
// the ligatures æ and œ as the two letters they join, as "anæsthesia" is
// "anaesthesia"), lowercased, with the apostrophes and the invisible
// characters within it left out ("can't" is "cant", and "numb­ness"
// with a soft hyphen "numbness"; see isApostrophe and isInvisible), and
// "can not", joined by joiners, read as the one word "cannot", so that
// "I can not pee" names the name "cannot pee", with its offset, whether the text joins it to the word
// before with only joiners (false for the first word; see isJoiner), and
// whether it is on the same line as the word before (false for the first
// word; true when joined).
type textWord struct {
	word     string
	off      int
	joined   bool
	sameLine bool
}

// textWords splits text into its words (see textWord).
func textWords(text []byte) []textWord {
	var out []textWord
	// What joins the next word to the one before, and whether a line
	// break parts them.
	var joined, broken bool
	var b []byte
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		if !isWordRune(r) {
			if !isJoiner(r) {
				joined = false
			}
			if isLineBreak(r) {
				broken = true
			}
			i += size
			continue
		}
		start := i
		b = b[:0]
		for i < len(text) {
			r, size := utf8.DecodeRune(text[i:])
			c, ok := wordByte(r)
			if lig := ligature(r); lig != "" {
				b = append(b, lig...)
				i += size
				continue
			}
			if !ok {
				if isApostrophe(r) || isInvisible(r) {
					// What follows decides; at the end of text it is
					// no rune, and no letter.
					if r2, _ := utf8.DecodeRune(text[i+size:]); isWordRune(r2) {
						i += size // "can't" is the word "cant"
						continue
					}
				}
				break
			}
			b = append(b, c)
			i += size
		}
		w := textWord{word: strings.ToLower(string(b)), off: start, joined: joined, sameLine: len(out) > 0 && !broken}
		if w.word == "not" && w.joined && len(out) > 0 && out[len(out)-1].word == "can" {
			out[len(out)-1].word = "cannot" // "can not", one word
			joined, broken = true, false
			continue
		}
		out = append(out, w)
		joined, broken = true, false
	}
	return out
}

// runTogether returns the words of s, as textWords reads them, run
// together: "Saddle numbness", "saddle/numbness" and "saddleNumbness"
// all give "saddlenumbness", "Child's pose" gives "childspose". It is how
// a name written whole is compared with another, whatever parts its
// words.
func runTogether(s string) string {
	var b strings.Builder
	for _, w := range textWords([]byte(s)) {
		b.WriteString(w.word)
	}
	return b.String()
}

// isLineBreak reports whether r ends a line: a line feed, a carriage
// return, a vertical tab, a form feed, or a Unicode next line, line or
// paragraph separator.
func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
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

// isApostrophe reports whether r is an apostrophe as people type it or a
// word processor writes it: ' (U+0027), ’ (U+2019) or ʼ (U+02BC). One
// between two letters is part of the word and read as nothing, so
// "can't", "can’t" and "cant" are the one word "cant" (see textWords).
func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u02BC'
}

// ligature returns the two ASCII letters the ligature r joins: "ae" for
// æ, "oe" for œ, in r's case ("AE" for Æ), or "" for any other rune. A
// British text may write "anæsthesia", "fæcal" or "œdema".
func ligature(r rune) string {
	switch r {
	case 'æ':
		return "ae"
	case 'Æ':
		return "AE"
	case 'œ':
		return "oe"
	case 'Œ':
		return "OE"
	}
	return ""
}

// isInvisible reports whether r is a character a word processor or a
// web page writes inside a word without showing it: a soft hyphen
// (U+00AD, where a line may break), a zero-width space, non-joiner or
// joiner (U+200B to U+200D), a word joiner (U+2060) or a zero-width
// no-break space (U+FEFF). Between two letters it is read as nothing,
// as an apostrophe is: "numb­ness" is "numbness". Elsewhere it joins two
// words (see isJoiner).
func isInvisible(r rune) bool {
	switch r {
	case '\u00AD', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF':
		return true
	}
	return false
}

// isWordRune reports whether r is a letter or digit of a word (see
// wordByte), or a ligature of two (see ligature).
func isWordRune(r rune) bool {
	_, ok := wordByte(r)
	return ok || ligature(r) != ""
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// termName is a name of a vocabulary term, as namedTerms finds it in a
// text: its words, as textWords reads them, and for each word whether the
// name parts it from the word before with more than joiners (loose: the
// comma of "groin, genitals" in a label), so that a text may part them
// with anything on the same line.
type termName struct {
	words []string
	loose []bool
}

// nameOf returns s as a name (see termName).
func nameOf(s string) termName {
	tw := textWords([]byte(s))
	n := termName{words: make([]string, len(tw)), loose: make([]bool, len(tw))}
	for i, w := range tw {
		n.words[i] = w.word
		n.loose[i] = i > 0 && !w.joined
	}
	return n
}

// key is n's words, for comparing names: two names with the same words
// name the same thing, whatever parts them, and so do two whose words
// after the first differ only by determiners (see isDeterminer), which
// wordsAt reads as the same.
func (n termName) key() string {
	w := slices.Clone(n.words)
	if len(w) > 1 {
		w = append(w[:1], slices.DeleteFunc(w[1:], isDeterminer)...)
	}
	return strings.Join(w, " ")
}

// isDeterminer reports whether w, a word as textWords reads it, is an
// article or a possessive that stands before a noun: "a", "an", "the",
// "my", "your", "his", "her", "our" or "their". Between a name's words
// it says whose or which, not what: "weakness in my leg", "weakness in
// the leg" and "weakness in leg" all say the same (see wordsAt). "both"
// is not one: "in both legs" is another red flag than "in the leg".
func isDeterminer(w string) bool {
	switch w {
	case "a", "an", "the", "my", "your", "his", "her", "our", "their":
		return true
	}
	return false
}

// isSide reports whether w, a word as textWords reads it, says which side
// of the body: "left" or "right". Between a name's words it says which
// leg or foot, not what: "weak left leg" names what "weak leg" names.
// "both" is not one (see isDeterminer).
func isSide(w string) bool {
	return w == "left" || w == "right"
}

// sidePrefix returns the side (see isSide) that w, a word as textWords
// reads it, begins with, or "".
func sidePrefix(w string) string {
	for _, side := range []string{"left", "right"} {
		if strings.HasPrefix(w, side) {
			return side
		}
	}
	return ""
}

// trimmed returns n without its first k words.
func (n termName) trimmed(k int) termName {
	n = termName{words: n.words[k:], loose: slices.Clone(n.loose[k:])}
	if len(n.loose) > 0 {
		n.loose[0] = false
	}
	return n
}

// parenthetical matches a part of a label in brackets: "(thin or weak
// bones)".
var parenthetical = regexp.MustCompile(`\([^)]*\)`)

// labelNames are the names of a red flag that its label gives: the label
// without what it says in brackets, and, when it lists names after a
// colon ("A diagnosed serious spine problem: a broken bone in the spine,
// a spine infection, cancer in the spine, or cauda equina syndrome
// already treated"), each name of the list instead; without a leading "a", "an" or "the";
// and of a name "history of X", X too, since a record of X is itself the
// history (a chart's "Prostate cancer" is a history of cancer).
func labelNames(label string) []termName {
	label = parenthetical.ReplaceAllString(label, "")
	parts := []string{label}
	if _, list, ok := strings.Cut(label, ":"); ok {
		parts = strings.Split(strings.ReplaceAll(list, " or ", ","), ",")
	}
	var out []termName
	for _, p := range parts {
		n := nameOf(p)
		if len(n.words) > 0 && (n.words[0] == "a" || n.words[0] == "an" || n.words[0] == "the") {
			n = n.trimmed(1)
		}
		if len(n.words) > 0 {
			out = append(out, n)
		}
		if len(n.words) > 2 && n.words[0] == "history" && n.words[1] == "of" {
			out = append(out, n.trimmed(2))
		}
	}
	return out
}

// termNames returns the names of vocabulary entry en of the list field
// fi, each once: its id and, for a red flag, its also_called names and
// the names its label gives (see labelNames).
func termNames(fi int, en vocabEntry) []termName {
	out := []termName{nameOf(en.id)}
	if fi == fieldRedFlags {
		for _, a := range en.alsoCalled {
			out = append(out, nameOf(a))
		}
		out = append(out, labelNames(en.label)...)
	}
	seen := map[string]bool{}
	return slices.DeleteFunc(out, func(n termName) bool {
		k := n.key()
		if len(n.words) == 0 || seen[k] {
			return true
		}
		seen[k] = true
		return false
	})
}

// entryName is a name of an entry of a vocabulary, with the entry's index.
type entryName struct {
	entry int
	name  termName
}

// indexNames sets v's names, those of its entries (see termNames), and
// indexes them by the first byte of their first word: a text's word can
// begin a name only if it begins with that byte.
func (v *vocabulary) indexNames(fi int) {
	v.names, v.byFirst = nil, map[byte][]int{}
	for i, en := range v.entries {
		for _, n := range termNames(fi, en) {
			c := n.words[0][0]
			v.byFirst[c] = append(v.byFirst[c], len(v.names))
			v.names = append(v.names, entryName{i, n})
		}
	}
}

// namedRedFlags returns the red flags text names, each once, in the order
// the text first names them (see namedTerms).
func (e *Engine) namedRedFlags(text []byte) []namedFlag {
	return e.namedTerms(fieldRedFlags, text)
}

// namedTerms returns the terms of the vocabulary of the list field fi
// that text names, each once, in the order the text first names them: a
// term is named by one of its names (see termNames), its words in that
// order, in any case, each joined to the next by joiners on one line (see
// isJoiner), or by anything on that line where the name itself parts them
// with more, or run together with it (see textWord, wordsAt). Words that
// spell a profile field's name are the field, not a term: the key
// pregnancy_week does not name the condition pregnancy.
func (e *Engine) namedTerms(fi int, text []byte) []namedFlag {
	voc := &e.vocab[fi]
	if len(voc.names) == 0 {
		return nil
	}
	words := textWords(text)
	var out []namedFlag
	found := make([]bool, len(voc.entries))
	for i := range words {
		w := words[i].word
		firsts := []byte{w[0]}
		if side := sidePrefix(w); side != "" && len(side) < len(w) && w[len(side)] != w[0] {
			firsts = append(firsts, w[len(side)]) // a name after a side run together with it
		}
		for _, c := range firsts {
			for _, ni := range voc.byFirst[c] {
				n := &voc.names[ni]
				if found[n.entry] || !wordsAt(words, i, n.name) || spellsField(words, i, len(n.name.words)) {
					continue
				}
				found[n.entry] = true
				out = append(out, namedFlag{index: n.entry, off: words[i].off})
			}
		}
	}
	return out
}

// fieldNames are the names of each profile field, check_ins too.
var fieldNames = sync.OnceValue(func() []termName {
	var out []termName
	for _, name := range append(profileFieldNames(), "check_ins") {
		out = append(out, nameOf(name))
	}
	return out
})

// spellsField reports whether the words of text from its word i on spell
// the name of a profile field of more than n words.
func spellsField(words []textWord, i, n int) bool {
	for _, fw := range fieldNames() {
		if len(fw.words) > n && wordsAt(words, i, fw) {
			return true
		}
	}
	return false
}

// wordsAt reports whether want, a name, is the words of text from its word
// i on, each joined to the one before, or on the same line as it where
// want parts them with more than joiners; a word of text may also be two
// or more of want's words run together ("saddleNumbness", "legweakness").
// After the first word, a determiner (see isDeterminer) of want or of
// text may stand where the other has another one or none: the name
// "numbness in the groin" is "numbness in my groin" and "numbness in
// groin", as a chart or a person writes it. After the first word, text
// may also say which side (see isSide) where want does not: "weak left
// leg" is the name "weak leg", and so are "weakLeftLeg" and, before
// the name, "leftWeakLeg", a side run together with its words.
func wordsAt(words []textWord, i int, want termName) bool {
	loose := false // whether a determiner of want skipped parts it loosely
	for k := 0; k < len(want.words); i++ {
		if k > 0 && isDeterminer(want.words[k]) && (i >= len(words) || !isDeterminer(words[i].word)) {
			loose = loose || want.loose[k]
			k++ // want's determiner, which text leaves out
			i--
			continue
		}
		if i >= len(words) || (k > 0 && !words[i].joined && !((loose || want.loose[k]) && words[i].sameLine)) {
			return false
		}
		if k > 0 && isDeterminer(words[i].word) {
			if isDeterminer(want.words[k]) {
				k++ // a determiner for want's determiner
			}
			continue // else text's determiner, which want leaves out
		}
		if k > 0 && isSide(words[i].word) && want.words[k] != words[i].word {
			continue // text's side, which want leaves out
		}
		loose = false
		rest := words[i].word
		for k < len(want.words) {
			if strings.HasPrefix(rest, want.words[k]) {
				rest = rest[len(want.words[k]):]
				k++
				if rest == "" {
					break
				}
				continue
			}
			// A side run together with the words of the name, before
			// them or between them ("leftLegWeakness", "weakLeftLeg"),
			// as it may stand between them written apart; before a
			// name of one word only where the name has more, so that
			// a side does not make "CES" of "leftces".
			side := sidePrefix(rest)
			if side == "" || len(side) == len(rest) || (k == 0 && (len(rest) != len(words[i].word) || len(want.words) == 1)) {
				break
			}
			rest = rest[len(side):]
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
// A red flag is named by one of its names: the words of its id, each of
// the other names the vocabulary lists for it (also_called: "cauda equina
// syndrome", "CES", "saddle anaesthesia"; [Term].AlsoCalled), and the
// names its label gives (the label without what it says in brackets, with
// no leading "a", "an" or "the"; each name a label lists after a colon;
// and of "a history of cancer", "cancer" too, as a record of a cancer is
// itself the history). Each is named by its words in that order, as whole
// words, in any case, joined by '_', '-', spaces or tabs on one line, or
// run together, anywhere in the text: "saddle_numbness", "Saddle
// numbness", "SADDLE-NUMBNESS" and "saddleNumbness" all name
// saddle_numbness; an apostrophe within a word is read as nothing, so
// "can't pee", "can’t pee" and "cant pee" all name the name "cant pee",
// and "can not" is read as "cannot"; "left" or "right" may stand before
// or between a name's words, written apart or run together, so "weak
// left leg" and "leftLegWeakness" name leg_weakness; after a name's
// first word, an article or a possessive ("a", "the",
// "my", "his"; not "both") may stand where the name has another one or
// none, and the other way round, so "weakness in my leg" and "weakness
// in leg" name the name "weakness in the leg"; "ces" names suspected_cauda_equina but
// "process" and "CESx" do not. Where a label parts two words with more
// than a space ("groin, genitals"), the text may part them with anything
// on the same line. What a
// word processor or a web page writes for those joiners joins them too
// (a no-break space, a Unicode dash or hyphen, a zero-width space), and
// full-width letters are read as their ASCII letters; within a word, a
// soft hyphen or a zero-width space is read as nothing, and the
// ligatures æ and œ as "ae" and "oe", so "saddle anæsthesia" names
// saddle_numbness. A text that looks
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

// sideOfID returns the indexes of the entries of the vocabulary of the
// list field fi that v, a whole entry of that list, stands for when its
// words are one side of an id's "or": the entry whose id joins two names
// with "or" and has one of them for v's words, in any case ("fever" or
// "Chills" of fever_or_chills, "tingling" of leg_numbness_or_tingling),
// and with it each entry whose id ends with those words, since an id kept
// for the programs that send it may name on one side what a later entry
// names on its own ("pulsation" of abdominal_pain_or_pulsation, which
// means belly pain now, is abdominal_pulsation too: counting both errs
// toward the clinician); or nil. It reads a whole entry of a list, not
// free text: an entry of red_flags is a red flag, so "fever" there is
// fever_or_chills, though in a chart's text the word alone names nothing
// ("hay fever"; see NamedRedFlags).
func (e *Engine) sideOfID(fi int, v string) []int {
	var w []string
	for _, t := range textWords([]byte(v)) {
		w = append(w, t.word)
	}
	key := strings.Join(w, "_") // an id's words, as the id writes them
	if key == "" {
		return nil
	}
	var out []int
	for i, en := range e.vocab[fi].entries {
		// An id's words before its first "or", and those after; ids
		// are words joined by '_', so neither side is empty.
		if a, b, ok := strings.Cut(en.id, "_or_"); ok && (key == a || key == b) {
			out = append(out, i)
			break
		}
	}
	if out == nil {
		return nil
	}
	for i, en := range e.vocab[fi].entries {
		if i != out[0] && strings.HasSuffix(en.id, "_"+key) {
			out = append(out, i)
		}
	}
	return out
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
