package rules_test

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/backrules/backrules/recommend"
)

// Readability of the patient-facing text of the default rules: every
// movement's how and dose, and each of its levels', every reason an effect
// shows, every key message and every referral message, and each
// progression rule's reason and review message, taken from the engine's
// views. Citations'
// claims, descriptions and rule ids are for rule authors and clinicians,
// not for the person, and are not counted.

// maxGrade is the highest Flesch–Kincaid grade level the patient-facing
// text of the whole rule set may have.
const maxGrade = 7.0

var showGrades = flag.Bool("grades", false, "log the Flesch–Kincaid grade of each patient-facing text, hardest first")

// textStats counts the words, sentences and syllables of a text, for the
// Flesch–Kincaid grade level.
type textStats struct {
	words, sentences, syllables int
}

func (s *textStats) add(o textStats) {
	s.words += o.words
	s.sentences += o.sentences
	s.syllables += o.syllables
}

// grade is the Flesch–Kincaid grade level:
// 0.39 × words per sentence + 11.8 × syllables per word − 15.59.
func (s textStats) grade() float64 {
	if s.words == 0 || s.sentences == 0 {
		return 0
	}
	return 0.39*float64(s.words)/float64(s.sentences) + 11.8*float64(s.syllables)/float64(s.words) - 15.59
}

// measure counts the words, sentences and syllables of text. A word is a
// run of letters, digits and apostrophes; a sentence ends at '.', '!', '?'
// or ';' followed by a space or the end of the text, and a text that does
// not end with one is one more sentence. Syllables are estimated by
// syllables.
func measure(text string) textStats {
	var s textStats
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		w = strings.Trim(w, "'")
		if w == "" {
			continue
		}
		s.words++
		s.syllables += syllables(w)
	}
	text = strings.TrimSpace(text)
	for i, r := range text {
		if strings.ContainsRune(".!?;", r) && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\n') {
			s.sentences++
		}
	}
	if text != "" && !strings.ContainsRune(".!?;", rune(text[len(text)-1])) {
		s.sentences++
	}
	return s
}

// syllables estimates the syllables of a word: its groups of vowels (y
// counts as one), less a silent final e ("stretches" keeps its es, "ankle"
// its le), at least one. A number counts one syllable per digit, at most
// three ("30" is "thirty").
func syllables(word string) int {
	w := strings.ToLower(word)
	if w[0] >= '0' && w[0] <= '9' {
		return min(len(w), 3)
	}
	w = strings.TrimSuffix(w, "'s")
	isVowel := func(r byte) bool { return strings.IndexByte("aeiouy", r) >= 0 }
	n := 0
	prev := false
	for i := 0; i < len(w); i++ {
		v := isVowel(w[i])
		if v && !prev {
			n++
		}
		prev = v
	}
	if len(w) > 2 && strings.HasSuffix(w, "e") && !strings.HasSuffix(w, "le") && !isVowel(w[len(w)-2]) {
		n--
	}
	if len(w) > 3 && strings.HasSuffix(w, "ed") && !strings.HasSuffix(w, "ted") && !strings.HasSuffix(w, "ded") {
		n-- // "rolled", "lengthened": the ed is not a syllable
	}
	return max(n, 1)
}

// patientText is one patient-facing text with where it comes from.
type patientText struct {
	where, text string
}

// patientTexts returns the patient-facing texts of eng, each distinct text
// once.
func patientTexts(eng *recommend.Engine) []patientText {
	var out []patientText
	seen := map[string]bool{}
	add := func(where, text string) {
		if text != "" && !seen[text] {
			seen[text] = true
			out = append(out, patientText{where, text})
		}
	}
	for _, m := range eng.Movements() {
		add("movement "+m.ID+" how", m.How)
		add("movement "+m.ID+" dose", m.Dose)
		for i, l := range m.Levels {
			add(fmt.Sprintf("movement %s level %d how", m.ID, i+1), l.How)
			add(fmt.Sprintf("movement %s level %d dose", m.ID, i+1), l.Dose)
		}
	}
	for _, r := range eng.Rules() {
		for _, e := range r.Effects {
			add(fmt.Sprintf("rule %s %s because", r.ID, e.Kind), e.Because)
		}
		if r.Referral != nil {
			add("rule "+r.ID+" referral", r.Referral.Message)
		}
		if r.Message != nil {
			add("rule "+r.ID+" message", r.Message.Text)
		}
	}
	// A programme's steps and reviews are shown to the person too: each
	// step's reason in "This week", a review's message with the referrals.
	for _, r := range eng.ProgressRules() {
		add("progression rule "+r.ID+" because", r.Because)
		if r.Referral != nil {
			add("progression rule "+r.ID+" referral", r.Referral.Message)
		}
	}
	return out
}

// TestReadability checks that the patient-facing text of the default rules,
// taken as a whole, reads at Flesch–Kincaid grade maxGrade or below. Run
// with -grades to see the grade of each text, hardest first.
func TestReadability(t *testing.T) {
	texts := patientTexts(defaultEngine(t))
	var all textStats
	type graded struct {
		patientText
		grade float64
	}
	var each []graded
	for _, pt := range texts {
		s := measure(pt.text)
		all.add(s)
		each = append(each, graded{pt, s.grade()})
	}
	t.Logf("%d patient-facing texts: %d words, %d sentences, %d syllables; Flesch–Kincaid grade %.2f",
		len(texts), all.words, all.sentences, all.syllables, all.grade())
	if *showGrades {
		slices.SortStableFunc(each, func(a, b graded) int {
			switch {
			case a.grade > b.grade:
				return -1
			case a.grade < b.grade:
				return 1
			}
			return 0
		})
		for _, g := range each {
			t.Logf("%5.1f  %s: %s", g.grade, g.where, g.text)
		}
	}
	if g := all.grade(); g > maxGrade {
		t.Errorf("the patient-facing text of the default rules reads at Flesch–Kincaid grade %.2f, above %.0f: shorten sentences and use shorter words (run with -grades to see the hardest texts)", g, maxGrade)
	}
}

// TestReadabilityMeasure checks the counting on texts whose counts are
// known, so that a broken heuristic cannot make the readability test pass.
func TestReadabilityMeasure(t *testing.T) {
	tests := []struct {
		text string
		want textStats
	}{
		{"", textStats{}},
		{"Walk.", textStats{1, 1, 1}},
		{"Walk every day. Rest less!", textStats{5, 2, 7}},
		{"Hold 20 to 30 seconds", textStats{5, 1, 8}},
		{"Lie on your back; breathe slowly.", textStats{6, 2, 7}},
		{"Stretches rolled gently", textStats{3, 1, 5}},
		{"Child's pose", textStats{2, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := measure(tt.text); got != tt.want {
				t.Errorf("measure(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
	if g := (textStats{words: 10, sentences: 1, syllables: 10}).grade(); g < -0.3 || g > 0.2 {
		t.Errorf("grade of ten one-syllable words in one sentence = %.2f, want about 0", g)
	}
}

// TestReadabilityCoversTheProgramme checks that the texts TestReadability
// grades include those a programme shows the person: each level's how and
// dose, which stand in for the movement's where check-ins moved it, and
// each progression rule's reason ("This week") and review message (with
// the referrals). They came with the programme, after the test, and were
// not graded.
func TestReadabilityCoversTheProgramme(t *testing.T) {
	eng := defaultEngine(t)
	graded := map[string]bool{}
	for _, pt := range patientTexts(eng) {
		graded[pt.text] = true
	}
	var missing []string
	check := func(where, text string) {
		if text != "" && !graded[text] {
			missing = append(missing, where)
		}
	}
	levels := 0
	for _, m := range eng.Movements() {
		for i, l := range m.Levels {
			levels++
			check(fmt.Sprintf("movement %s level %d how", m.ID, i+1), l.How)
			check(fmt.Sprintf("movement %s level %d dose", m.ID, i+1), l.Dose)
		}
	}
	progress := eng.ProgressRules()
	for _, r := range progress {
		check("progression rule "+r.ID+" because", r.Because)
		if r.Referral != nil {
			check("progression rule "+r.ID+" referral", r.Referral.Message)
		}
	}
	if levels == 0 || len(progress) == 0 {
		t.Fatalf("the default rules have %d levels and %d progression rules: the test shows nothing", levels, len(progress))
	}
	if len(missing) > 0 {
		t.Errorf("%d patient-facing texts of the programme are not graded: %s", len(missing), strings.Join(missing, "; "))
	}
}
