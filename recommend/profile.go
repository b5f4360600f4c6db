package recommend

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
)

// Profile describes the person asking for advice. The list fields take values
// from the rule set's vocabulary; the number fields have fixed ranges, checked
// by [Engine.Validate].
//
// Rule conditions see a Profile as the CEL variable profile, with the same
// snake_case field names as its JSON form: profile.conditions,
// profile.pain_level and so on.
type Profile struct {
	// Conditions are diagnosed or suspected back conditions, such as
	// "disc_herniation".
	Conditions []string `json:"conditions,omitempty" yaml:"conditions,omitempty"`
	// RedFlags are warning signs that call for a clinician, such as
	// "saddle_numbness".
	RedFlags []string `json:"red_flags,omitempty" yaml:"red_flags,omitempty"`
	// AggravatedBy lists what makes the symptoms worse, such as
	// "bending_forward".
	AggravatedBy []string `json:"aggravated_by,omitempty" yaml:"aggravated_by,omitempty"`
	// EasedBy lists what makes the symptoms better, such as
	// "bending_forward" or "sitting". It tells the direction a back
	// prefers: with spinal stenosis, for example, positions that arch the
	// back are advised only when the person reports that arching eases
	// the symptoms.
	EasedBy []string `json:"eased_by,omitempty" yaml:"eased_by,omitempty"`
	// Equipment lists what the person has at hand, such as "foam_roller".
	Equipment []string `json:"equipment,omitempty" yaml:"equipment,omitempty"`
	// PainLevel is the current pain on a 0 to 10 scale. With check-ins,
	// the rules read the higher of it and the latest check-in's pain as
	// the pain now: the latest check-in says how the pain is now, and a
	// pain_level given beside it may be older (a form filled in before
	// the first check-in) or newer (a reading after it); the higher of
	// the two fails toward caution, so that a high-pain caution or
	// referral the latest check-in calls for is never hidden by a lower
	// pain_level.
	PainLevel int `json:"pain_level,omitempty" yaml:"pain_level,omitempty"`
	// DaysSinceOnset counts the days since the current episode began.
	DaysSinceOnset int `json:"days_since_onset,omitempty" yaml:"days_since_onset,omitempty"`
	// SittingHours is the typical number of hours spent sitting per day,
	// from 0 to 24.
	SittingHours float64 `json:"sitting_hours,omitempty" yaml:"sitting_hours,omitempty"`
	// Age is the person's age in years; 0 means unknown.
	Age int `json:"age,omitempty" yaml:"age,omitempty"`
	// Sex is the person's sex, one of the values the rule set's
	// vocabulary declares under sex (the default rules: "female", "male",
	// "not_stated"); "" means not stated.
	Sex string `json:"sex,omitempty" yaml:"sex,omitempty"`
	// Episode says what kind of episode of back pain this is, one of the
	// values the vocabulary declares under episode (the default rules:
	// "new", a new episode; "flare", a flare of long-standing pain;
	// "long_standing_stable", long-standing pain that is unchanged); ""
	// means not stated.
	Episode string `json:"episode,omitempty" yaml:"episode,omitempty"`
	// PregnancyWeek is the week of pregnancy, from 1 to 42; 0 means
	// unknown or not pregnant. The default rules read a week given
	// without the pregnancy condition as pregnancy.
	PregnancyWeek int `json:"pregnancy_week,omitempty" yaml:"pregnancy_week,omitempty"`
	// CheckIns are the programme's check-ins, oldest first, at most
	// MaxCheckIns (see [CheckIn]). Rule conditions do not see them.
	CheckIns []CheckIn `json:"check_ins,omitempty" yaml:"check_ins,omitempty"`
}

// Limits on profiles, checked by [Engine.Validate] and [DecodeProfile].
const (
	// MaxListLen is the most entries a profile list field may hold.
	MaxListLen = 64
	// MaxEntryLen is the longest profile list entry, in bytes. Vocabulary
	// ids are held to the same limit when a rule set is loaded.
	MaxEntryLen = 64
	// MaxProfileBytes is the largest encoded profile DecodeProfile reads.
	MaxProfileBytes = 64 << 10
	// MaxDaysSinceOnset is the largest accepted DaysSinceOnset (about 100 years).
	MaxDaysSinceOnset = 36500
	// MaxAge is the largest accepted Age.
	MaxAge = 130
	// MaxPregnancyWeek is the largest accepted PregnancyWeek.
	MaxPregnancyWeek = 42
)

// listField describes one list field of Profile. The table drives
// validation, the CEL declaration and the conversion to CEL values, so the
// three cannot drift apart.
type listField struct {
	name  string // snake_case name, as in JSON and CEL
	label string // singular noun for messages
	get   func(*Profile) []string
	set   func(*Profile, []string)
}

var listFields = [...]listField{
	{"conditions", "condition", func(p *Profile) []string { return p.Conditions }, func(p *Profile, v []string) { p.Conditions = v }},
	{"red_flags", "red flag", func(p *Profile) []string { return p.RedFlags }, func(p *Profile, v []string) { p.RedFlags = v }},
	{"aggravated_by", "aggravating activity", func(p *Profile) []string { return p.AggravatedBy }, func(p *Profile, v []string) { p.AggravatedBy = v }},
	{"eased_by", "easing activity", func(p *Profile) []string { return p.EasedBy }, func(p *Profile, v []string) { p.EasedBy = v }},
	{"equipment", "piece of equipment", func(p *Profile) []string { return p.Equipment }, func(p *Profile, v []string) { p.Equipment = v }},
}

// Indexes into listFields.
const (
	fieldConditions = iota
	fieldRedFlags
	fieldAggravatedBy
	fieldEasedBy
	fieldEquipment
	numListFields
)

// choiceField describes one field of Profile that holds a single value
// from the vocabulary, or "" for not stated. Like listFields, the table
// drives validation, decoding, the CEL declaration and Analyze.
type choiceField struct {
	name  string // snake_case name, as in JSON and CEL
	label string // noun for messages
	get   func(*Profile) string
	set   func(*Profile, string)
}

var choiceFields = [...]choiceField{
	{"sex", "sex", func(p *Profile) string { return p.Sex }, func(p *Profile, v string) { p.Sex = v }},
	{"episode", "kind of episode", func(p *Profile) string { return p.Episode }, func(p *Profile, v string) { p.Episode = v }},
}

// numChoiceFields is the number of choice fields. The vocabulary of choice
// field i is vocabulary numListFields+i: the vocabulary fields are the
// list fields, then the choice fields.
const (
	numChoiceFields = len(choiceFields)
	numVocabFields  = numListFields + numChoiceFields
)

// vocabFieldName and vocabFieldLabel return the name and label of
// vocabulary field fi: a list field, or a choice field after them.
func vocabFieldName(fi int) string {
	if fi < numListFields {
		return listFields[fi].name
	}
	return choiceFields[fi-numListFields].name
}

func vocabFieldLabel(fi int) string {
	if fi < numListFields {
		return listFields[fi].label
	}
	return choiceFields[fi-numListFields].label
}

// vocabFieldIndex returns the vocabulary field of the profile field named
// name (see numVocabFields), or -1 for a number field or an unknown name.
func vocabFieldIndex(name string) int {
	if i := listFieldIndex(name); i >= 0 {
		return i
	}
	if i := choiceFieldIndex(name); i >= 0 {
		return numListFields + i
	}
	return -1
}

// choiceFieldIndex returns the index in choiceFields of the field named
// name, or -1.
func choiceFieldIndex(name string) int {
	for i, f := range choiceFields {
		if f.name == name {
			return i
		}
	}
	return -1
}

// numberField describes one numeric field of Profile.
type numberField struct {
	name     string
	min, max float64
	isDouble bool
	// unknownOutside is true for a field whose value out of range is read
	// as unknown (0) by Triage, rather than as its nearest bound: an age
	// of 200 is a mistake, not a great age (the CDS Hooks service reads
	// an impossible age as unknown too), and an onset more than 100
	// years ago is a mistake, not long-standing pain (the rules count an
	// unknown onset as recent, failing toward a clinician, and
	// long-standing pain as stable).
	unknownOutside bool
	get            func(*Profile) float64
	// set sets the field to v, which is whole for a field that is not
	// isDouble.
	set func(*Profile, float64)
	// whole gets a field that is not isDouble as it is, for naming its
	// value exactly: get rounds a whole number past 2^53.
	whole func(*Profile) int
}

// valueText returns f's value in p as a problem names it: a whole number
// exactly, whatever its size.
func (f numberField) valueText(p *Profile) string {
	if f.whole != nil {
		return strconv.Itoa(f.whole(p))
	}
	return strconv.FormatFloat(f.get(p), 'f', -1, 64)
}

var numberFields = [...]numberField{
	{"pain_level", 0, 10, false, false, func(p *Profile) float64 { return float64(p.PainLevel) }, func(p *Profile, v float64) { p.PainLevel = int(v) }, func(p *Profile) int { return p.PainLevel }},
	{"days_since_onset", 0, MaxDaysSinceOnset, false, true, func(p *Profile) float64 { return float64(p.DaysSinceOnset) }, func(p *Profile, v float64) { p.DaysSinceOnset = int(v) }, func(p *Profile) int { return p.DaysSinceOnset }},
	{"sitting_hours", 0, 24, true, false, func(p *Profile) float64 { return p.SittingHours }, func(p *Profile, v float64) { p.SittingHours = v }, nil},
	{"age", 0, MaxAge, false, true, func(p *Profile) float64 { return float64(p.Age) }, func(p *Profile, v float64) { p.Age = int(v) }, func(p *Profile) int { return p.Age }},
	{"pregnancy_week", 0, MaxPregnancyWeek, false, false, func(p *Profile) float64 { return float64(p.PregnancyWeek) }, func(p *Profile, v float64) { p.PregnancyWeek = int(v) }, func(p *Profile) int { return p.PregnancyWeek }},
}

// ErrInvalidProfile is matched by every *ProfileError, so callers can test
// errors.Is(err, ErrInvalidProfile).
var ErrInvalidProfile = errors.New("invalid profile")

// ProfileError reports every problem found in a profile.
type ProfileError struct {
	// Problems are the problems, in the order of the fields, or of the
	// input when decoding found them.
	Problems []FieldProblem
}

// FieldProblem is one problem with one profile field.
type FieldProblem struct {
	// Field names the field, with an index for list entries: "conditions[1]".
	// It is "" for a problem with the whole profile, or with a key that
	// names no field (Value then holds the key).
	Field string
	// Value is the offending value as text: quoted for a string, as written
	// for a number read by DecodeProfile; "" when there is none.
	Value string
	// Message says what is wrong and, where it can, what was meant.
	Message string
	// Line and Column locate the problem in the text DecodeProfile read:
	// 1-based, the column counted in characters, a leading byte order mark
	// left out. They are 0 when the position is not known, as for every
	// problem Engine.Validate finds.
	Line, Column int
}

// String formats the problem as "field value: message", preceded by
// "line L col C: " when the position is known; an empty Field or Value is
// left out.
func (p FieldProblem) String() string {
	return parse.Format(parse.Pos{Line: p.Line, Column: p.Column}, p.Field, p.Value, p.Message)
}

// Error returns all problems on one line.
func (e *ProfileError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid profile: " + strings.Join(parts, "; ")
}

// Is reports whether target is ErrInvalidProfile.
func (e *ProfileError) Is(target error) bool { return target == ErrInvalidProfile }

// Validate checks a profile against the engine's vocabulary and the numeric
// ranges, and returns a *ProfileError listing every problem, or nil.
//
// A list entry must be a non-empty vocabulary id of at most MaxEntryLen
// bytes, listed once; a duplicate is an error rather than silently merged,
// because it usually means a bug in the caller. A list holds at most
// MaxListLen entries. Values are quoted in messages, cut short when long. Numbers must be finite and
// within range: pain_level 0 to 10, days_since_onset 0 to MaxDaysSinceOnset,
// sitting_hours 0 to 24, age 0 (unknown) to MaxAge, pregnancy_week 0
// (unknown or not pregnant) to MaxPregnancyWeek. A choice field (sex,
// episode) is "" (not stated) or a value its vocabulary declares.
func (e *Engine) Validate(p Profile) error {
	if err := e.unusable(); err != nil {
		return err
	}
	return e.validate(&p)
}

// unknownEntryHint suggests, for v, an entry of the list field fi that is
// not in the vocabulary, the id to write: the closest id, or else the ids
// of the terms v names (see namedTerms), as "numbness around the groin"
// names saddle_numbness, which Recommend counts from it. It is "" when
// neither gives one.
func (e *Engine) unknownEntryHint(fi int, v string) string {
	vocab := &e.vocab[fi]
	if hint := words.DidYouMean(v, vocab.ids()); hint != "" {
		return hint
	}
	var ids []string
	for _, n := range e.namedTerms(fi, []byte(v)) {
		ids = append(ids, fmt.Sprintf("%q", vocab.entries[n.index].id))
	}
	if len(ids) == 0 {
		for _, i := range e.sideOfID(fi, v) {
			ids = append(ids, fmt.Sprintf("%q", vocab.entries[i].id))
		}
	}
	if len(ids) == 0 {
		return ""
	}
	if len(ids) == 1 {
		return words.Suggest(ids[0])
	}
	return words.Suggest(words.List(ids) + ", each an entry of its own")
}

// validate is Validate of *p, which Recommend keeps in memory it reuses,
// so that checking it copies nothing.
func (e *Engine) validate(p *Profile) error {
	var probs []FieldProblem
	for fi, f := range listFields {
		vals := f.get(p)
		if len(vals) > MaxListLen {
			probs = append(probs, FieldProblem{Field: f.name, Value: fmt.Sprintf("(%d entries)", len(vals)),
				Message: fmt.Sprintf("too many entries, the most is %d", MaxListLen)})
			continue
		}
		vocab := e.vocab[fi]
		for i, v := range vals {
			field := func() string { return fmt.Sprintf("%s[%d]", f.name, i) }
			switch {
			case strings.TrimSpace(v) == "":
				probs = append(probs, FieldProblem{Field: field(), Value: quoteValue(v), Message: "empty value"})
			case len(v) > MaxEntryLen:
				probs = append(probs, FieldProblem{Field: field(), Value: quoteValue(v),
					Message: fmt.Sprintf("too long (%d bytes), the most is %d", len(v), MaxEntryLen)})
			case vocab.index(v) < 0:
				probs = append(probs, FieldProblem{Field: field(), Value: quoteValue(v),
					Message: "unknown " + f.label + e.unknownEntryHint(fi, v)})
			default:
				for j := 0; j < i; j++ {
					if vals[j] == v {
						probs = append(probs, FieldProblem{Field: field(), Value: quoteValue(v),
							Message: fmt.Sprintf("duplicate entry, already at %s[%d]", f.name, j)})
						break
					}
				}
			}
		}
	}
	for ci, f := range choiceFields {
		v := f.get(p)
		vocab := e.vocab[numListFields+ci]
		switch {
		case v == "":
		case len(v) > MaxEntryLen:
			probs = append(probs, FieldProblem{Field: f.name, Value: quoteValue(v),
				Message: fmt.Sprintf("too long (%d bytes), the most is %d", len(v), MaxEntryLen)})
		case len(vocab.entries) == 0:
			probs = append(probs, FieldProblem{Field: f.name, Value: quoteValue(v),
				Message: "this rule set declares no values for " + f.name + " in its vocabulary: leave the field out"})
		case vocab.index(v) < 0:
			msg := words.DidYouMean(v, vocab.ids())
			if msg == "" {
				msg = " (the values are " + strings.Join(vocab.ids(), ", ") + ")"
			}
			probs = append(probs, FieldProblem{Field: f.name, Value: quoteValue(v), Message: "unknown " + f.label + msg})
		}
	}
	for _, f := range numberFields {
		v := f.get(p)
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			probs = append(probs, FieldProblem{Field: f.name, Value: f.valueText(p), Message: "not a finite number"})
		case v < f.min || v > f.max:
			probs = append(probs, FieldProblem{Field: f.name, Value: f.valueText(p),
				Message: fmt.Sprintf("out of range, want %g to %g", f.min, f.max)})
		}
	}
	probs = append(probs, e.validateCheckIns(p.CheckIns)...)
	if len(probs) > 0 {
		return &ProfileError{Problems: probs}
	}
	return nil
}

// readable makes *p what the engine can read of it, so that a profile
// with problems still gets its referrals (see Recommend): a list keeps the
// entries its vocabulary knows, each once (as many as the vocabulary
// holds, however long the list: no known entry is cut off); a choice its
// vocabulary lacks is not stated; a number as numberField.readable says
// (one out of range is its nearest bound, an age out of range unknown).
// The check-ins are not read: only the programme reads them, and a
// profile with problems gets none. It takes time linear in the lists'
// lengths. Lists are copied, never changed in place: they are the
// caller's.
func (e *Engine) readable(p *Profile) {
	named, conds := e.misplacedRedFlags(p)
	for fi, f := range listFields {
		vals, vocab := f.get(p), e.vocab[fi]
		// The terms read from misplaced entries follow the list's own.
		switch fi {
		case fieldRedFlags:
			vals = slices.Concat(vals, named)
		case fieldConditions:
			vals = slices.Concat(vals, conds)
		}
		var keep []string
		var seen []bool // by vocabulary index
		for _, v := range vals {
			if i := vocab.index(v); i >= 0 {
				if seen == nil {
					seen = make([]bool, len(vocab.entries))
				}
				if !seen[i] {
					seen[i] = true
					keep = append(keep, v)
				}
			}
		}
		f.set(p, keep)
	}
	for ci, f := range choiceFields {
		if e.vocab[numListFields+ci].index(f.get(p)) < 0 {
			f.set(p, "")
		}
	}
	for _, f := range numberFields {
		f.set(p, f.readable(f.get(p)))
	}
	painNow(p)
}

// misplacedRedFlags returns the red flags that the entries of p's lists
// and choices that their vocabularies lack name (see NamedRedFlags), or,
// for an entry of red_flags that names none, the red flag its problem
// suggests as a typo of (see words.Closest: "saddle_numbnes") or whose
// id it is one side of (see sideOfID: "fever"), and
// the movements and responses of its check-ins that the rule set lacks,
// for Triage to count: a red flag written "Saddle numbness", in the wrong
// list, or as how a movement felt, still reaches its referral. conds are
// the conditions that the entries of the lists, the choices and the
// check-ins that their vocabularies lack name, or, for an entry of
// conditions that names none, the condition its problem suggests as a
// typo of ("sciatca"), as a condition read toward a referral: sciatica
// given as a red flag, or written "Sciatica" in the conditions, counts as
// the nerve sign it is beside a cancer, a known serious condition or
// blood thinners.
func (e *Engine) misplacedRedFlags(p *Profile) (flags, conds []string) {
	named := func(v string) {
		for _, n := range e.namedRedFlags([]byte(v)) {
			flags = append(flags, e.vocab[fieldRedFlags].entries[n.index].id)
		}
		for _, n := range e.namedTerms(fieldConditions, []byte(v)) {
			conds = append(conds, e.vocab[fieldConditions].entries[n.index].id)
		}
	}
	add := func(fi int, v string) {
		if e.vocab[fi].index(v) >= 0 {
			return
		}
		before, beforeConds := len(flags), len(conds)
		named(v)
		switch {
		case fi == fieldRedFlags && len(flags) == before:
			// A red flag misspelt in the list of red flags is still the
			// red flag the problem suggests ("saddle_numbnes").
			if c := words.Closest(v, e.vocab[fieldRedFlags].ids()); c != "" {
				flags = append(flags, c)
			} else {
				// "fever", an entry of the list of red flags, is
				// fever_or_chills; "pulsation" is abdominal_pulsation
				// besides abdominal_pain_or_pulsation.
				for _, i := range e.sideOfID(fieldRedFlags, v) {
					flags = append(flags, e.vocab[fieldRedFlags].entries[i].id)
				}
			}
		case fi == fieldConditions && len(flags) == before && len(conds) == beforeConds:
			// So is a condition misspelt in the list of conditions
			// ("sciatca"): beside a cancer, sciatica is a nerve sign.
			if c := words.Closest(v, e.vocab[fieldConditions].ids()); c != "" {
				conds = append(conds, c)
			}
		}
	}
	for fi, f := range listFields {
		for _, v := range f.get(p) {
			add(fi, v)
		}
	}
	for ci, f := range choiceFields {
		add(numListFields+ci, f.get(p))
	}
	for _, c := range p.CheckIns {
		for _, d := range c.Done {
			if e.movementIdx(d.Movement) < 0 {
				named(d.Movement)
			}
			if !validResponse(d.Response) {
				named(d.Response)
			}
		}
	}
	return flags, conds
}

// painNow makes p's pain_level the pain the rules read: with check-ins,
// the higher of pain_level and the latest check-in's pain (see
// Profile.PainLevel). A check-in's pain out of range, which only Triage
// reads, counts as its nearest bound, as pain_level's does.
func painNow(p *Profile) {
	if n := len(p.CheckIns); n > 0 {
		p.PainLevel = max(p.PainLevel, min(max(p.CheckIns[n-1].PainLevel, 0), 10))
	}
}

// readable returns what Triage reads of v, a value of f: v itself within
// range; unknown (0) for NaN or, for a field that says so
// (unknownOutside), a value out of range; otherwise its nearest bound, an
// infinity included, so that a pain given as 11 still counts as high.
func (f numberField) readable(v float64) float64 {
	if math.IsNaN(v) || (f.unknownOutside && (v < f.min || v > f.max)) {
		return 0
	}
	return min(max(v, f.min), f.max)
}

// readableWhole is readable of x, rounded first when f holds whole
// numbers: what Triage reads of a number of f given as a fraction, or as
// a string.
func (f numberField) readableWhole(x float64) float64 {
	if !f.isDouble {
		x = math.Round(x)
	}
	return f.readable(x)
}

// quoteValue quotes a profile value for a message, cutting it short after
// MaxEntryLen bytes, on a character boundary, so that a hostile value cannot
// make the message huge.
func quoteValue(v string) string {
	if len(v) <= MaxEntryLen {
		return strconv.Quote(v)
	}
	cut := MaxEntryLen
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return strconv.Quote(v[:cut]) + "..."
}

// profileFieldNames returns the profile's field names, as JSON spells them.
func profileFieldNames() []string {
	var out []string
	for _, f := range listFields {
		out = append(out, f.name)
	}
	for _, f := range numberFields {
		out = append(out, f.name)
	}
	for _, f := range choiceFields {
		out = append(out, f.name)
	}
	return out
}
