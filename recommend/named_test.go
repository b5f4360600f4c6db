package recommend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf16"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

// A mistake written before the red flag, or in how the red flag is
// written, does not hide it: the input is refused with its problems, and
// the red flags it names still reach their referrals through Triage.
func TestNamedRedFlagsReachTriage(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in string
		// flags are the red flags of the profile DecodeProfile returns.
		flags []string
		// urgency is the first referral's urgency after Triage.
		urgency recommend.Urgency
		// named are the positions ("line:col") of the problems that say
		// a red flag was counted.
		named []string
	}{
		{
			name:    "yaml syntax error before the red flag",
			in:      "conditions: [disc_herniation\nred_flags: [saddle_numbness]\n",
			flags:   []string{"saddle_numbness"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"2:13"},
		},
		{
			name:    "a list entry read as the one before it goes on",
			in:      "conditions:\n  - disc_herniation\n   - sciatica\nred_flags:\n  - bladder_bowel_dysfunction\n",
			flags:   []string{"bladder_bowel_dysfunction"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "yaml tab before the red flag",
			in:      "conditions:\n\t- disc_herniation\nred_flags: [saddle_numbness]\n",
			flags:   []string{"saddle_numbness"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"3:13"},
		},
		{
			name:    "json trailing comma before the red flag",
			in:      `{"conditions": ["disc_herniation",], "red_flags": ["leg_weakness"]}`,
			flags:   []string{"leg_weakness"},
			urgency: recommend.UrgencyUrgent,
			named:   []string{"1:53"},
		},
		{
			name:    "json missing comma, two red flags",
			in:      "{\"pain_level\": 4\n \"red_flags\": [\"fever_or_chills\", \"saddle_numbness\"]}",
			flags:   []string{"fever_or_chills", "saddle_numbness"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"2:17", "2:36"},
		},
		{
			name:    "misspelt key",
			in:      "red_flag: [saddle_numbness]\n",
			flags:   []string{"saddle_numbness"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"1:12"},
		},
		{
			// Notepad's "Unicode": UTF-16, little-endian, with a byte
			// order mark. The text is refused, and what it says still
			// counts, at the line and column of its characters.
			name:    "yaml saved as UTF-16 with a byte order mark",
			in:      wide("\uFEFFconditions: [disc_herniation]\nred_flags: [saddle_numbness]\n", 2, false),
			flags:   []string{"saddle_numbness"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"2:13"},
		},
		{
			name:    "json saved as UTF-16, big-endian, no byte order mark",
			in:      wide(`{"red_flags": ["leg_weakness"]}`, 2, true),
			flags:   []string{"leg_weakness"},
			urgency: recommend.UrgencyUrgent,
			named:   []string{"1:17"},
		},
		{
			name:    "yaml saved as UTF-32 with a byte order mark",
			in:      wide("\uFEFFred_flags:\n  - bladder_bowel_dysfunction\n", 4, false),
			flags:   []string{"bladder_bowel_dysfunction"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"2:5"},
		},
		{
			name:    "a red flag read before the error is not counted twice",
			in:      "red_flags: [saddle_numbness]\nconditions: [disc_herniation\n",
			flags:   []string{"saddle_numbness"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "written in words, in the red flags",
			in:      "red_flags: [Saddle numbness]\n",
			flags:   []string{"Saddle numbness"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			// The problem suggests the red flag; the referral follows it.
			name:    "misspelt, in the red flags",
			in:      "red_flags: [saddle_numbnes]\n",
			flags:   []string{"saddle_numbnes"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "misspelt beside another red flag",
			in:      `{"red_flags": ["sadle_numbness", "fever_or_chills"]}`,
			flags:   []string{"sadle_numbness", "fever_or_chills"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			// Its words name leg_weakness (urgent); the id it misspells
			// is progressive_leg_weakness (an emergency), which the
			// problem suggests: both count, as with the id written right.
			name:    "misspelt, a more urgent red flag than its words name",
			in:      "red_flags: [pogressive_leg_weakness]\n",
			flags:   []string{"pogressive_leg_weakness"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "its words parted by slashes, in the wrong list",
			in:      "aggravated_by: [saddle/numbness]\n",
			urgency: recommend.UrgencyEmergency,
		},
		{
			// The ligature is read as its letters: the name is
			// "saddle anaesthesia", whole.
			name:    "a name with a ligature, in the red flags",
			in:      `{"red_flags": ["saddle an\u00e6sthesia"]}`,
			flags:   []string{"saddle an\u00e6sthesia"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			// Full-width digits, as a keyboard set to Japanese types
			// them: the pain of 9 beside belly pain.
			name:    "a pain in full-width digits, in a string",
			in:      `{"red_flags": ["abdominal_pain_or_pulsation"], "pain_level": "\uff19"}`,
			flags:   []string{"abdominal_pain_or_pulsation"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			// An id in camel case, with the side: the words of
			// leg_weakness.
			name:    "a side run together with a red flag's words",
			in:      `{"red_flags": ["leftLegWeakness"]}`,
			flags:   []string{"leftLegWeakness"},
			urgency: recommend.UrgencyUrgent,
		},
		{
			name:  "in the red flags, too far from any to be a typo",
			in:    "red_flags: [numb]\n",
			flags: []string{"numb"},
		},
		{
			name: "misspelt, in the conditions: not read as a red flag",
			in:   "conditions: [saddle_numbnes]\n",
		},
		{
			name:    "in the wrong list",
			in:      "conditions: [disc_herniation, LEG-WEAKNESS]\n",
			urgency: recommend.UrgencyUrgent,
		},
		{
			// Sciatica in both legs is the cauda equina sign, not the
			// sciatica condition alone, which refers nothing.
			name:    "sciatica in both legs, in the red flags",
			in:      `{"red_flags": ["sciatica in both legs"]}`,
			flags:   []string{"sciatica in both legs"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "sciatica in the red flags, after a cancer",
			in:      `{"red_flags": ["history_of_cancer", "sciatica"]}`,
			flags:   []string{"history_of_cancer", "sciatica"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "sciatica in words in the red flags, on blood thinners",
			in:      `{"red_flags": ["anticoagulants_or_bleeding_disorder", "Sciatica"], "pain_level": 8, "days_since_onset": 2}`,
			flags:   []string{"anticoagulants_or_bleeding_disorder", "Sciatica"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "as how a movement felt, in a check-in",
			in:      `{"check_ins": [{"day": 0, "pain_level": 3, "done": [{"movement": "walking", "sessions": 2, "response": "saddle numbness"}]}]}`,
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "as a movement done, in a check-in",
			in:      "check_ins:\n  - {day: 0, pain_level: 3, done: [{movement: leg weakness, sessions: 2, response: same}]}\n",
			urgency: recommend.UrgencyUrgent,
		},
		{
			name:    "a no-break space, in the red flags",
			in:      "red_flags: [\"Saddle\u00a0numbness\"]\n",
			flags:   []string{"Saddle\u00a0numbness"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "run together, json syntax error before it",
			in:      `{"age": 40,, "redFlags": ["saddleNumbness"]}`,
			flags:   []string{"saddle_numbness"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"1:28"},
		},
		{
			name:    "an en dash, in the wrong list",
			in:      "conditions: [disc_herniation, \"leg\u2013weakness\"]\n",
			urgency: recommend.UrgencyUrgent,
		},
		{
			name:    "an also_called name, yaml syntax error before it",
			in:      "conditions: [disc_herniation\nred_flags: [Saddle anaesthesia]\n",
			flags:   []string{"saddle_numbness"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"2:13"},
		},
		{
			name:    "an abbreviation, json syntax error before it",
			in:      `{"age": 70,, "red_flags": ["AAA"]}`,
			flags:   []string{"abdominal_pulsation"},
			urgency: recommend.UrgencyEmergency,
			named:   []string{"1:29"},
		},
		{
			// Cauda equina syndrome told as a red flag is the pathway's
			// same-day emergency, not the known-condition review.
			name:    "an abbreviation, in the red flags",
			in:      "red_flags: [CES]\n",
			flags:   []string{"CES"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "suspected cauda equina, in the red flags",
			in:      "red_flags: [suspected cauda equina]\nage: 45\npain_level: 5\n",
			flags:   []string{"suspected cauda equina"},
			urgency: recommend.UrgencyEmergency,
		},
		{
			name:    "an also_called name, in the wrong list",
			in:      "conditions: [disc_herniation, Metastatic carcinoma]\n",
			urgency: recommend.UrgencyUrgent,
		},
		{
			name:    "an also_called name, as how a movement felt",
			in:      `{"check_ins": [{"day": 0, "pain_level": 3, "done": [{"movement": "walking", "sessions": 2, "response": "urinary retention"}]}]}`,
			urgency: recommend.UrgencyEmergency,
		},
		{
			name: "words of a red flag on two lines name none",
			in:   "conditions: [disc_herniation\n# saddle\n# numbness\n",
		},
		{
			name: "one word of a red flag names none",
			in:   "conditions: [disc_herniation, saddle\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, probs, got := decodeRefused(t, eng, tt.in)
			if diff := cmp.Diff(tt.flags, p.RedFlags); diff != "" {
				t.Errorf("red flags read (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.named, namedAt(probs, "red_flags")); diff != "" {
				t.Errorf("counted red flags' positions (-want +got):\n%s", diff)
			}
			if got != tt.urgency {
				t.Errorf("first referral's urgency = %q, want %q", got, tt.urgency)
			}
		})
	}
}

// A condition that can change a referral, named where the input cannot
// be read, counts toward the referrals as a red flag named there does:
// sciatica after a syntax error still makes a cancer's referral the cord
// compression emergency. A condition no referral rule reads is not
// counted, and a key is not a condition.
func TestNamedConditionsReachTriage(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in string
		// conditions are those of the profile DecodeProfile returns.
		conditions []string
		// urgency is the first referral's urgency after Triage.
		urgency recommend.Urgency
		// named are the positions ("line:col") of the problems that say
		// a condition was counted.
		named []string
	}{
		{
			name:       "yaml syntax error before sciatica, after a cancer",
			in:         "red_flags: [history_of_cancer]\npain_level: [\nconditions: [sciatica]\n",
			conditions: []string{"sciatica"},
			urgency:    recommend.UrgencyEmergency,
			named:      []string{"3:14"},
		},
		{
			name:       "json syntax error before sciatica, after a cancer",
			in:         `{"red_flags": ["history_of_cancer"], "age": , "conditions": ["Sciatica"]}`,
			conditions: []string{"sciatica"},
			urgency:    recommend.UrgencyEmergency,
			named:      []string{"1:63"},
		},
		{
			name:       "an unknown key before osteoporosis, with severe pain after an injury",
			in:         "red_flags: [severe_pain_after_injury]\nconditon: [osteoporosis]\n",
			conditions: []string{"osteoporosis"},
			urgency:    recommend.UrgencyEmergency,
			named:      []string{"2:12"},
		},
		{
			name:       "sciatica read before the error is not counted twice",
			in:         "red_flags: [history_of_cancer]\nconditions: [sciatica]\nage: [\n",
			conditions: []string{"sciatica"},
			urgency:    recommend.UrgencyEmergency,
		},
		{
			name:    "a condition no referral rule reads is not counted",
			in:      "red_flags: [history_of_cancer]\nage: [\nconditions: [chronic_stiffness, low back pain]\n",
			urgency: recommend.UrgencyUrgent,
		},
		{
			// The input reads, but the vocabulary lacks "Sciatica": Triage
			// reads the entry as the condition it names, as it reads an
			// entry of red_flags written in words.
			name:       "written in words in the conditions, after a cancer",
			in:         `{"red_flags": ["history_of_cancer"], "conditions": ["Sciatica"]}`,
			conditions: []string{"Sciatica"},
			urgency:    recommend.UrgencyEmergency,
		},
		{
			name:       "written in words in the conditions, with severe pain after an injury",
			in:         "red_flags: [severe_pain_after_injury]\nconditions: [Osteoporosis]\n",
			conditions: []string{"Osteoporosis"},
			urgency:    recommend.UrgencyEmergency,
		},
		{
			// The problem suggests the condition; the referral follows it.
			name:       "misspelt in the conditions, after a cancer",
			in:         "red_flags: [history_of_cancer]\nconditions: [sciatca]\n",
			conditions: []string{"sciatca"},
			urgency:    recommend.UrgencyEmergency,
		},
		{
			name:       "written in words in the conditions, a condition no referral rule reads",
			in:         "red_flags: [history_of_cancer]\nconditions: [Chronic stiffness]\n",
			conditions: []string{"Chronic stiffness"},
			urgency:    recommend.UrgencyUrgent,
		},
		{
			name:    "the key pregnancy_week is not the condition pregnancy",
			in:      "red_flags: [abdominal_pain_or_pulsation]\nage: [\npregnancy_week: 0\n",
			urgency: recommend.UrgencyUrgent,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, probs, got := decodeRefused(t, eng, tt.in)
			if diff := cmp.Diff(tt.conditions, p.Conditions); diff != "" {
				t.Errorf("conditions read (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.named, namedAt(probs, "conditions")); diff != "" {
				t.Errorf("counted conditions' positions (-want +got):\n%s", diff)
			}
			if got != tt.urgency {
				t.Errorf("first referral's urgency = %q, want %q", got, tt.urgency)
			}
		})
	}
}

// The conditions that count when named are those a referral rule reads,
// taken from the rules, not a list in the code.
func TestNamedReferralConditions(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, term := range eng.Vocabulary().Conditions {
		all = append(all, term.ID)
	}
	got := eng.NamedReferralConditions([]byte(strings.Join(all, "\n")))
	if diff := cmp.Diff([]string{"disc_herniation", "sciatica", "spinal_stenosis", "degenerative_disc_disease", "osteoporosis", "pregnancy"}, got); diff != "" {
		t.Errorf("the default rules' referral conditions (-want +got):\n%s", diff)
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"no SCIATICA", []string{"sciatica"}},
		{"pregnancy_week: 12", nil},
		{"pregnancy, week 12", []string{"pregnancy"}},
		{"low back pain, chronic stiffness", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, eng.NamedReferralConditions([]byte(tt.in))); diff != "" {
			t.Errorf("NamedReferralConditions(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	// Of a rule set's conditions, those its referral rules read: nerve,
	// not sciatica, which only a movement rule reads.
	own, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(referralConditionRules)}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"nerve"}, own.NamedReferralConditions([]byte("sciatica, nerve"))); diff != "" {
		t.Errorf("a rule set's referral conditions (-want +got):\n%s", diff)
	}
	var nilEngine *recommend.Engine
	if got := nilEngine.NamedReferralConditions([]byte("sciatica")); got != nil {
		t.Errorf("nil engine: NamedReferralConditions = %q, want nil", got)
	}
}

// referralConditionRules has two conditions: nerve, which a referral rule
// reads, and sciatica, which only a movement rule reads.
const referralConditionRules = `sources:
  - {id: s, title: Source, publisher: Publisher, kind: guideline}
vocabulary:
  red_flags:
    - {id: flag, label: Flag, floor: {urgency: urgent, withhold: false}}
  conditions:
    - {id: nerve, label: Nerve}
    - {id: sciatica, label: Sciatica}
movements:
  - {id: m1, name: One, kind: mobility, how: Do one., dose: Once., pose: {base: standing, start: {}, end: {}}}
rules:
  - id: refer-flag
    when: "'flag' in profile.red_flags || profile.conditions.exists(c, c == 'nerve')"
    refer: {urgency: urgent, message: See a doctor today.}
    because: Flag.
    cite: [{source: s, locator: Part 0, claim: Flag.}]
  - id: plain
    when: "'sciatica' in profile.conditions"
    recommend: [m1]
    because: One.
    cite: [{source: s, locator: Part 1, claim: One helps.}]
`

func TestNamedRedFlags(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"saddle_numbness", []string{"saddle_numbness"}},
		{"SADDLE-NUMBNESS and Leg  weakness", []string{"saddle_numbness", "leg_weakness"}},
		{"red_flags=leg_weakness;saddle_numbness", []string{"leg_weakness", "saddle_numbness"}},
		{"leg_weakness, leg_weakness", []string{"leg_weakness"}},
		{"saddle/numbness", nil},
		{"saddle\nnumbness", nil},
		{"saddle_numbnesses", nil},
		{"xsaddle_numbness", nil},
		// What a word processor or a web page writes for a space or a
		// hyphen, words run together, full-width letters.
		{"Saddle\u00a0numbness", []string{"saddle_numbness"}},
		{"saddle\u202fnumbness", []string{"saddle_numbness"}},
		{"saddle\u3000numbness", []string{"saddle_numbness"}},
		{"saddle\u200bnumbness", []string{"saddle_numbness"}},
		{"saddle\u00adnumbness", []string{"saddle_numbness"}},
		{"saddle\u2010numbness", []string{"saddle_numbness"}},
		{"saddle\u2011numbness", []string{"saddle_numbness"}},
		{"saddle \u2013 numbness", []string{"saddle_numbness"}},
		{"saddle\u2212numbness", []string{"saddle_numbness"}},
		{"saddle\uff3fnumbness", []string{"saddle_numbness"}},
		{"saddleNumbness", []string{"saddle_numbness"}},
		// Within a word, a soft hyphen or a zero-width character is read
		// as nothing, and the ligatures as their letters: a British
		// text's "anæsthesia" is "anaesthesia".
		{"saddle numb\u00adness", []string{"saddle_numbness"}},
		{"saddle numb\u200bness", []string{"saddle_numbness"}},
		{"saddle numb\u2060ness", []string{"saddle_numbness"}},
		{"saddle an\u00e6sthesia", []string{"saddle_numbness"}},
		{"SADDLE AN\u00c6STHESIA", []string{"saddle_numbness"}},
		{"f\u00e6cal incontinence", []string{"bladder_bowel_dysfunction"}},
		{"leuk\u00e6mia", []string{"history_of_cancer"}},
		{"pro\u00adces\u00adses", nil},
		{"saddle\u00e6numbness", nil},
		// Saved as "Unicode": read as UTF-16 or UTF-32 too. A text that
		// only looks so keeps what it names as it is.
		{wide("\uFEFFleg_weakness, saddle numbness", 2, false), []string{"leg_weakness", "saddle_numbness"}},
		{wide("fever_or_chills", 2, true), []string{"fever_or_chills"}},
		{wide("\uFEFFleg_weakness", 4, true), []string{"leg_weakness"}},
		{"\x000\nsaddle_numbness", []string{"saddle_numbness"}},
		{"legweakness", []string{"leg_weakness"}},
		{"legNumbness or tingling", []string{"leg_numbness_or_tingling"}},
		{"\uff33\uff41\uff44\uff44\uff4c\uff45 numbness", []string{"saddle_numbness"}},
		// The names the vocabulary lists under also_called, and those
		// the labels give, as whole words, in any case.
		{"Saddle anaesthesia", []string{"saddle_numbness"}},
		{"saddle-anaesthesia", []string{"saddle_numbness"}},
		{"saddleAnaesthesia", []string{"saddle_numbness"}},
		// Cauda equina syndrome named is suspected now, the emergency;
		// the known condition's label names it only as treated.
		{"Cauda equina syndrome", []string{"suspected_cauda_equina"}},
		{"cauda equina syndrome already treated", []string{"suspected_cauda_equina", "known_serious_spinal_condition"}},
		{"CES", []string{"suspected_cauda_equina"}},
		{"suspected ces", []string{"suspected_cauda_equina"}},
		{"cauda equina", []string{"suspected_cauda_equina"}},
		// A person's words for the cauda equina signs.
		{"numb down there", []string{"saddle_numbness"}},
		{"I can't feel the toilet paper", []string{"saddle_numbness"}},
		{"numbness in the saddle area", []string{"saddle_numbness"}},
		{"pins and needles in my bottom", []string{"saddle_numbness", "leg_numbness_or_tingling"}},
		{"lost bowel control", []string{"bladder_bowel_dysfunction"}},
		{"I can't empty my bladder", []string{"bladder_bowel_dysfunction"}},
		{"can't hold my urine", []string{"bladder_bowel_dysfunction"}},
		{"loss of sexual function", []string{"sexual_dysfunction"}},
		{"leg weakness getting worse", []string{"leg_weakness", "progressive_leg_weakness"}},
		{"fever and back pain", []string{"fever_or_chills"}},
		{"Metastatic carcinoma", []string{"history_of_cancer"}},
		{"metastases", []string{"history_of_cancer"}},
		{"spinal metastases", []string{"known_serious_spinal_condition", "history_of_cancer"}},
		{"Prostate cancer", []string{"history_of_cancer"}},
		{"Bladder retention", []string{"bladder_bowel_dysfunction"}},
		{"urinary retention", []string{"bladder_bowel_dysfunction"}},
		{"osteomyelitis", []string{"known_serious_spinal_condition"}},
		{"discitis", []string{"known_serious_spinal_condition"}},
		{"epidural abscess", []string{"known_serious_spinal_condition"}},
		{"vertebral fracture", []string{"known_serious_spinal_condition"}},
		{"AAA", []string{"abdominal_pulsation"}},
		// A chart's shorthand for them (a Condition's text).
		{"L1 wedge fracture", []string{"known_serious_spinal_condition"}},
		{"T12 burst fracture", []string{"known_serious_spinal_condition"}},
		{"Crush fracture of L2", []string{"known_serious_spinal_condition"}},
		{"spinal mets", []string{"known_serious_spinal_condition"}},
		{"Bony mets", []string{"history_of_cancer"}},
		{"Hx prostate ca", []string{"history_of_cancer"}},
		{"Ca breast 2019", []string{"history_of_cancer"}},
		{"Long-term steroid use", []string{"long_term_steroids"}},
		{"Long term (current) use of systemic steroids", []string{"long_term_steroids"}},
		{"Anticoagulated", []string{"anticoagulants_or_bleeding_disorder"}},
		{"mets", nil},
		{"Ca 2.4 mmol/L", nil},
		{"steroid injection", nil},
		// A chart's words for the sign, under a local code.
		{"Pulsatile abdominal mass", []string{"abdominal_pulsation"}},
		{"a pulsating stomach", []string{"abdominal_pulsation"}},
		{"pins and needles", []string{"leg_numbness_or_tingling"}},
		{"HIV", []string{"immunosuppression"}},
		{"red_flags: [foot drop, UTI]", []string{"leg_weakness", "recent_bacterial_infection"}},
		{"Numbness in the groin, genitals or inner thighs", []string{"saddle_numbness"}},
		{"numbness in the groin; genitals or inner thighs", []string{"saddle_numbness"}},
		{"process", nil},
		{"CESx", nil},
		{"xces", nil},
		{"AAAA", nil},
		{"archive", nil},
		{"urinary\nretention", nil},
		{"urinary, retention", nil},
		{"Pain when passing urine,\nwith pain in your side", nil},
		{"I walked and stretched, and it felt fine", nil},
		// Words that name other things as often are names only in a
		// phrase that means the flag.
		{"Hay fever", nil},
		{"running a fever", []string{"fever_or_chills"}},
		{"I have a fever", []string{"fever_or_chills"}},
		{"Fevers", []string{"fever_or_chills"}},
		{"Urinary incontinence", []string{"bladder_bowel_dysfunction"}},
		{"incontinent of urine", []string{"bladder_bowel_dysfunction"}},
		{"Abnormal weight loss", []string{"unexplained_weight_loss"}},
		{"weak legs", []string{"leg_weakness"}},
		{"numb feet", []string{"leg_numbness_or_tingling"}},
		{"tingling legs", []string{"leg_numbness_or_tingling"}},
		{"numbness in both legs", []string{"symptoms_in_both_legs"}},
		{"I cannot pass urine", []string{"bladder_bowel_dysfunction"}},
		{"unable to urinate", []string{"bladder_bowel_dysfunction"}},
		{"numb bottom", []string{"saddle_numbness"}},
		// The clinic's words for the cauda equina signs.
		{"saddle area numbness", []string{"saddle_numbness"}},
		{"numbness in the saddle area", []string{"saddle_numbness"}},
		{"altered saddle sensation", []string{"saddle_numbness"}},
		{"I cannot feel my bottom", []string{"saddle_numbness"}},
		{"9, and my bottom is numb", []string{"saddle_numbness"}},
		{"my groin feels numb", []string{"saddle_numbness"}},
		{"I can't control my bladder", []string{"bladder_bowel_dysfunction"}},
		{"reduced bladder sensation", []string{"bladder_bowel_dysfunction"}},
		{"incontinence of bowel", []string{"bladder_bowel_dysfunction"}},
		{"both legs are weak", []string{"symptoms_in_both_legs", "leg_weakness"}},
		{"both legs feel numb", []string{"symptoms_in_both_legs"}},
		{"weakness of both legs", []string{"symptoms_in_both_legs"}},
		// Both legs giving way, or tingling in both, is the emergency,
		// not only the urgent weakness or the routine tingling of one.
		{"both legs keep giving way", []string{"symptoms_in_both_legs", "leg_weakness"}},
		{"both my legs gave way", []string{"symptoms_in_both_legs", "leg_weakness"}},
		{"pins and needles in both legs", []string{"leg_numbness_or_tingling", "symptoms_in_both_legs"}},
		{"both legs tingling", []string{"symptoms_in_both_legs"}},
		{"Numbness around the anus", []string{"saddle_numbness"}},
		// The words the disclaimer, the page and the emergency referral
		// use for a red flag name it.
		{"new bladder or bowel trouble", []string{"bladder_bowel_dysfunction"}},
		{"Numbness around the groin", []string{"saddle_numbness"}},
		{"numbness in the groin", []string{"saddle_numbness"}},
		{"New problems with sex", []string{"sexual_dysfunction"}},
		// A fall from a height is major trauma, not the small fall
		// recent_fall asks about.
		{"fall from height", []string{"severe_pain_after_injury"}},
		{"sciatica in both legs", []string{"symptoms_in_both_legs"}},
		{"Sciatica down both legs", []string{"symptoms_in_both_legs"}},
		{"pain down both legs", []string{"symptoms_in_both_legs"}},
		{"tingling in both legs", []string{"symptoms_in_both_legs"}},
		{"fractured spine", []string{"known_serious_spinal_condition"}},
		{"goal: weight loss", nil},
		{"unintentional weight loss", []string{"unexplained_weight_loss"}},
		{"stress incontinence", nil},
		{"faecal incontinence", []string{"bladder_bowel_dysfunction"}},
		{"benign tumour", nil},
		// An apostrophe within a word is read as nothing, so the names
		// the vocabulary spells without one ("cant pee") are named as
		// people type them, with a straight or a curly apostrophe.
		{"I can't pee", []string{"bladder_bowel_dysfunction"}},
		{"can\u2019t pass urine", []string{"bladder_bowel_dysfunction"}},
		{"cant pee", []string{"bladder_bowel_dysfunction"}},
		{"I can't feel my bum", []string{"saddle_numbness"}},
		{"can't lift my foot", []string{"leg_weakness"}},
		{"Pott's disease", []string{"known_serious_spinal_condition"}},
		{"can' t pee", nil},
		// "can not" is "cannot".
		{"I can not pee", []string{"bladder_bowel_dysfunction"}},
		{"can not lift my foot", []string{"leg_weakness"}},
		{"can\nnot pee", nil},
		{"can\u02bct pee", []string{"bladder_bowel_dysfunction"}},
		{"saddle' numbness", nil},
		{"cant pee'", []string{"bladder_bowel_dysfunction"}},
		{"wet myself", []string{"bladder_bowel_dysfunction"}},
		{"numb down below", []string{"saddle_numbness"}},
		{"my leg gave way", []string{"leg_weakness"}},
		{"running a temperature", []string{"fever_or_chills"}},
		{"lost weight without trying", []string{"unexplained_weight_loss"}},
		{"worse at night", []string{"night_pain"}},
		{"car crash last week", []string{"severe_pain_after_injury"}},
		{"fell down the stairs", []string{"severe_pain_after_injury"}},
		{"pain between my shoulder blades", []string{"thoracic_pain"}},
		{"new erectile dysfunction", []string{"sexual_dysfunction"}},
		{"unsteady on my feet", []string{"difficulty_walking"}},
		{"on chemo", []string{"immunosuppression"}},
		// Words common in a chart for something else name nothing
		// alone: a long-standing problem, or another cause.
		{"erectile dysfunction", nil},
		{"lost weight", nil},
		{"night sweats", nil},
		{"steroid injection", nil},
		{"room temperature", nil},
		{"saddle\u2028numbness", nil},
		// After a name's first word, an article or a possessive of the
		// text may stand where the name has another one or none, and the
		// other way round: they say whose or which, not what.
		{"weakness in my leg", []string{"leg_weakness"}},
		{"Weakness in leg", []string{"leg_weakness"}},
		{"worsening weakness in my leg", []string{"progressive_leg_weakness", "leg_weakness"}},
		{"pulsating feeling in my belly", []string{"abdominal_pulsation"}},
		{"a pulsing feeling in his belly", []string{"abdominal_pulsation"}},
		{"pain in my belly", []string{"abdominal_pain_or_pulsation"}},
		{"numbness in my groin", []string{"saddle_numbness"}},
		{"numbness in her groin, genitals or inner thighs", []string{"saddle_numbness"}},
		{"pain below my knee", []string{"pain_below_knee"}},
		{"pain below the knee", []string{"pain_below_knee"}},
		{"pain when passing urine, with pain in my side", []string{"urinary_pain_with_flank_pain"}},
		{"fell off the ladder", []string{"severe_pain_after_injury"}},
		{"fell down stairs", []string{"severe_pain_after_injury"}},
		{"tingling in my feet", []string{"leg_numbness_or_tingling"}},
		// After a name's first word, the text may say which side: it
		// says which leg, not what.
		{"weak left leg", []string{"leg_weakness"}},
		// Bladder or bowel problems are read as the emergency, to be
		// safe; "incontinence" alone is not, since stress incontinence
		// is common and long-standing.
		{"bowel problems", []string{"bladder_bowel_dysfunction"}},
		{"incontinence", nil},
		{"Bladder trouble", []string{"bladder_bowel_dysfunction"}},
		{"weakness in my right leg", []string{"leg_weakness"}},
		{"numb right foot", []string{"leg_numbness_or_tingling"}},
		{"pain below my left knee", []string{"pain_below_knee"}},
		{"my left leg is weak", []string{"leg_weakness"}},
		{"Left leg weak", []string{"leg_weakness"}},
		// A side run together with a name's words, as in an id written
		// in camel case, before them or between them; not before a
		// name of one word.
		{"leftLegWeakness", []string{"leg_weakness"}},
		{"weakLeftLeg", []string{"leg_weakness"}},
		{"rightLegWeak", []string{"leg_weakness"}},
		{"numbRightFoot", []string{"leg_numbness_or_tingling"}},
		{"leftover", nil},
		{"rightly", nil},
		{"weakleft", nil},
		{"leftces", nil},
		{"weak left\nleg", nil},
		{"weakness in my left hand", nil},
		{"weak right now", nil},
		{"weakness in my hand", nil},
		{"numbness in my lip", nil},
		{"weakness in my\nleg", nil},
		{"weakness in my, leg", nil},
		{"weakness in\nmy leg", nil},
		// Not before a name's first word, where an article is part of
		// the name ("a temperature"); and "both" is no article: "in both
		// legs" is its own red flag, not one leg's.
		{"the temperature in the room", nil},
		{"weakness in both legs", []string{"symptoms_in_both_legs"}},
		{"tingling in both feet", nil},
		{"saddlenumbnessx", nil},
		{"nosaddlenumbness", nil},
		{"saddle\u00e9numbness", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, eng.NamedRedFlags([]byte(tt.in))); diff != "" {
				t.Errorf("NamedRedFlags(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	var nilEngine *recommend.Engine
	if got := nilEngine.NamedRedFlags([]byte("saddle_numbness")); got != nil {
		t.Errorf("nil engine: NamedRedFlags = %q, want nil", got)
	}
}

// A rule set's also_called names are data: the vocabulary view lists them
// as written (a copy), and NamedRedFlags reads them, and no other, for the
// flag that lists them.
func TestAlsoCalled(t *testing.T) {
	rules := strings.Replace(referralConditionRules,
		"    - {id: flag, label: Flag, floor: {urgency: urgent, withhold: false}}\n",
		"    - {id: flag, label: Flag, floor: {urgency: urgent, withhold: false}, also_called: [Warning Sign, WSX]}\n", 1)
	eng, err := recommend.Load(fstest.MapFS{"rules.yaml": {Data: []byte(rules)}})
	if err != nil {
		t.Fatal(err)
	}
	want := []recommend.Term{{ID: "flag", Label: "Flag", AlsoCalled: []string{"Warning Sign", "WSX"}}}
	if diff := cmp.Diff(want, eng.Vocabulary().RedFlags); diff != "" {
		t.Errorf("Vocabulary().RedFlags (-want +got):\n%s", diff)
	}
	eng.Vocabulary().RedFlags[0].AlsoCalled[0] = "changed"
	if diff := cmp.Diff(want, eng.Vocabulary().RedFlags); diff != "" {
		t.Errorf("Vocabulary().RedFlags changed through a view (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"a warning-sign", []string{"flag"}},
		{"wsx", []string{"flag"}},
		{"warning", nil},
		{"saddle anaesthesia", nil}, // the default rules' name, not this rule set's
	} {
		if diff := cmp.Diff(tt.want, eng.NamedRedFlags([]byte(tt.in))); diff != "" {
			t.Errorf("NamedRedFlags(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

// FuzzNamedRedFlags checks, on any text, that NamedRedFlags returns red
// flags of the vocabulary, each once, that the case of ASCII letters does
// not change what a text names, and that a text naming a red flag by its
// id or one of its also_called names, on a line of its own after the
// fuzzed text, names it.
func FuzzNamedRedFlags(f *testing.F) {
	eng, err := recommend.Default()
	if err != nil {
		f.Fatal(err)
	}
	var ids []string
	// names are each red flag's id and also_called names, with the id.
	var names [][2]string
	for _, term := range eng.Vocabulary().RedFlags {
		ids = append(ids, term.ID)
		names = append(names, [2]string{term.ID, term.ID})
		for _, a := range term.AlsoCalled {
			names = append(names, [2]string{term.ID, a})
		}
	}
	for _, seed := range []string{"", "saddle_numbness", "red_flags: [Saddle numbness\n", `{"red_flags": ["leg_weakness",]}`, "a=1;red_flags=fever+or+chills", "\xff\x00leg-weakness",
		"red_flags: [CES, AAA\n", "saddle\u00a0anaesthesia, metastatic"} {
		f.Add([]byte(seed), uint16(0))
	}
	f.Fuzz(func(t *testing.T, text []byte, pick uint16) {
		got := eng.NamedRedFlags(text)
		seen := map[string]bool{}
		for _, id := range got {
			if !slices.Contains(ids, id) || seen[id] {
				t.Fatalf("NamedRedFlags(%q) = %q: %q is not a red flag, or is named twice", text, got, id)
			}
			seen[id] = true
		}
		upper := bytes.Map(func(r rune) rune {
			if 'a' <= r && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, text)
		if diff := cmp.Diff(got, eng.NamedRedFlags(upper)); diff != "" {
			t.Errorf("%q and %q name different red flags (-lower +upper):\n%s", text, upper, diff)
		}
		n := names[int(pick)%len(names)]
		if with := eng.NamedRedFlags(append(append(slices.Clip(text), '\n'), n[1]...)); !slices.Contains(with, n[0]) {
			t.Errorf("%q followed by a line %q names %q, not %s", text, n[1], with, n[0])
		}
	})
}

// decodeRefused decodes in with eng.DecodeProfile, which must refuse it
// with a *ProfileError, and returns the profile read, the problems, and
// the urgency of the first referral Triage gives the profile ("" for
// none).
func decodeRefused(t *testing.T, eng *recommend.Engine, in string) (recommend.Profile, []recommend.FieldProblem, recommend.Urgency) {
	t.Helper()
	p, err := eng.DecodeProfile(strings.NewReader(in))
	var perr *recommend.ProfileError
	if !errors.As(err, &perr) {
		t.Fatalf("DecodeProfile error = %v, want a *ProfileError", err)
	}
	res, err := eng.Triage(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var u recommend.Urgency
	if len(res.Referrals) > 0 {
		u = res.Referrals[0].Urgency
	}
	return p, perr.Problems, u
}

// namedAt returns the line:column of each problem of field that counts a
// term named where the input could not be read.
func namedAt(probs []recommend.FieldProblem, field string) []string {
	var named []string
	for _, fp := range probs {
		if fp.Field == field && strings.HasPrefix(fp.Message, "named where") {
			named = append(named, fmt.Sprintf("%d:%d", fp.Line, fp.Column))
		}
	}
	return named
}

// wide returns s encoded in UTF-16 (size 2) or UTF-32 (size 4), little-
// or big-endian, as an editor saving "Unicode" writes it.
func wide(s string, size int, bigEndian bool) string {
	var b []byte
	put := func(u uint32) {
		for i := range size {
			shift := 8 * i
			if bigEndian {
				shift = 8 * (size - 1 - i)
			}
			b = append(b, byte(u>>shift))
		}
	}
	for _, r := range s {
		if size == 2 && r > 0xFFFF {
			r1, r2 := utf16.EncodeRune(r)
			put(uint32(r1))
			put(uint32(r2))
			continue
		}
		put(uint32(r))
	}
	return string(b)
}

// An entry outside the vocabulary that no id is close to, but whose words
// name a term, is told the id of what it names, as Recommend counts it:
// the author of the profile learns what to write.
func TestUnknownEntrySuggestsWhatItNames(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		p    recommend.Profile
		want string
	}{
		{"a name of a red flag", recommend.Profile{RedFlags: []string{"numbness around the groin"}},
			`unknown red flag (did you mean "saddle_numbness"?)`},
		{"an also_called name", recommend.Profile{RedFlags: []string{"pins and needles"}},
			`unknown red flag (did you mean "leg_numbness_or_tingling"?)`},
		{"two red flags in one entry", recommend.Profile{RedFlags: []string{"foot drop with a fever and chills"}},
			`unknown red flag (did you mean "leg_weakness" and "fever_or_chills", each an entry of its own?)`},
		// The suggestion is the emergency, not the known condition's
		// two-day review, which a person following it would get.
		{"cauda equina syndrome", recommend.Profile{RedFlags: []string{"cauda equina syndrome"}},
			`unknown red flag (did you mean "suspected_cauda_equina"?)`},
		{"a close id wins", recommend.Profile{RedFlags: []string{"saddle numbness"}},
			`unknown red flag (did you mean "saddle_numbness"?)`},
		{"nothing named", recommend.Profile{RedFlags: []string{"sore toe"}}, "unknown red flag"},
		{"a side of an id", recommend.Profile{RedFlags: []string{"Fever"}},
			`unknown red flag (did you mean "fever_or_chills"?)`},
		{"the other side", recommend.Profile{RedFlags: []string{"tingling"}},
			`unknown red flag (did you mean "leg_numbness_or_tingling"?)`},
		{"not a side", recommend.Profile{RedFlags: []string{"or"}}, "unknown red flag"},
		{"a side of an id, and the end of another", recommend.Profile{RedFlags: []string{"pulsation"}},
			`unknown red flag (did you mean "abdominal_pain_or_pulsation" and "abdominal_pulsation", each an entry of its own?)`},
		{"a name wins over a close id", recommend.Profile{RedFlags: []string{"leg_numbness"}},
			`unknown red flag (did you mean "leg_numbness_or_tingling"?)`},
		{"a close id wins over a name within", recommend.Profile{RedFlags: []string{"pogressive_leg_weakness"}},
			`unknown red flag (did you mean "progressive_leg_weakness"?)`},
		{"a red flag in the conditions", recommend.Profile{Conditions: []string{"morning_stiffness"}},
			`unknown condition (did you mean the red flag "morning_stiffness", an entry of red_flags?)`},
		{"a condition in the red flags", recommend.Profile{RedFlags: []string{"chronic stiffness"}},
			`unknown red flag (did you mean the condition "chronic_stiffness", an entry of conditions?)`},
		{"red flags as an aggravating activity", recommend.Profile{AggravatedBy: []string{"foot drop with a fever"}},
			`unknown aggravating activity (did you mean the red flags "leg_weakness" and "fever_or_chills", each an entry of red_flags?)`},
		{"a red flag as a choice", recommend.Profile{Episode: "saddle numbness"},
			`unknown kind of episode (did you mean the red flag "saddle_numbness", an entry of red_flags?)`},
		{"a red flag as the first choice", recommend.Profile{Sex: "numbness around the groin"},
			`unknown sex (did you mean the red flag "saddle_numbness", an entry of red_flags?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var perr *recommend.ProfileError
			if !errors.As(eng.Validate(tt.p), &perr) || len(perr.Problems) != 1 {
				t.Fatalf("Validate(%+v): want one problem, got %v", tt.p, perr)
			}
			if diff := cmp.Diff(tt.want, perr.Problems[0].Message); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

// An entry of red_flags that is one side of an id's "or" is that red
// flag, and reaches its referral, though the word alone in free text
// names nothing ("hay fever"): the list says it is a red flag.
func TestRedFlagEntryIsASideOfAnID(t *testing.T) {
	eng, err := recommend.Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		entry   string
		urgency recommend.Urgency
	}{
		{"fever", recommend.UrgencyUrgent},
		{"FEVER", recommend.UrgencyUrgent},
		{"tingling", recommend.UrgencyRoutine},
		{"sore toe", ""},
		{"or", ""},
		{"?", ""},
		{"saddle", ""},
		{"pregnancy bleeding", recommend.UrgencyUrgent},
		{"Fluid-loss", recommend.UrgencyUrgent},
		// A side of an id kept for other programs whose label no longer
		// says it: abdominal_pain_or_pulsation is belly pain, and a
		// pulsation is abdominal_pulsation, an emergency.
		{"pulsation", recommend.UrgencyEmergency},
		{"abdominal pain", recommend.UrgencyUrgent},
	}
	for _, tt := range tests {
		t.Run(tt.entry, func(t *testing.T) {
			res, _ := eng.Triage(context.Background(), recommend.Profile{RedFlags: []string{tt.entry}})
			var got recommend.Urgency
			if len(res.Referrals) > 0 {
				got = res.Referrals[0].Urgency
			}
			if got != tt.urgency {
				t.Errorf("Triage(red_flags: [%q]): urgency %q, want %q", tt.entry, got, tt.urgency)
			}
		})
	}
}
