package recommend

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/backrules/backrules/internal/parse"
	"github.com/backrules/backrules/internal/words"
)

// CheckIn is one weekly (or more frequent) report of how a programme is
// going. A Profile lists its check-ins oldest first in CheckIns.
type CheckIn struct {
	// Day counts the days since the programme began, from 0; it never goes
	// backwards from one check-in to the next.
	Day int `json:"day" yaml:"day"`
	// PainLevel is the pain on a 0 to 10 scale at the check-in.
	PainLevel int `json:"pain_level" yaml:"pain_level"`
	// Function is how much back pain limits daily activities, 0 (not at
	// all) to 10; nil means not reported.
	Function *int `json:"function,omitempty" yaml:"function,omitempty"`
	// Done lists the movements done since the previous check-in.
	Done []Done `json:"done,omitempty" yaml:"done,omitempty"`
}

// Done is one movement reported at a check-in.
type Done struct {
	// Movement is the movement's id, from the rule set.
	Movement string `json:"movement" yaml:"movement"`
	// Sessions counts the sessions done since the previous check-in.
	Sessions int `json:"sessions" yaml:"sessions"`
	// Response says how the movement felt: one of the Response constants.
	Response string `json:"response" yaml:"response"`
}

// The responses a Done may report.
const (
	// ResponseEasier means the movement felt easier than before.
	ResponseEasier = "easier"
	// ResponseSame means the movement felt the same.
	ResponseSame = "same"
	// ResponseHarder means the movement felt harder, without worse pain.
	ResponseHarder = "harder"
	// ResponseWorse means the movement made the pain worse.
	ResponseWorse = "worse"
)

var responses = []string{ResponseEasier, ResponseSame, ResponseHarder, ResponseWorse}

// Limits on check-ins, checked by [Engine.Validate] and [DecodeProfile].
const (
	// MaxCheckIns is the most check-ins a profile may hold (a year of
	// weekly check-ins).
	MaxCheckIns = 52
	// MaxCheckInDay is the largest accepted CheckIn.Day (about ten years).
	MaxCheckInDay = 3650
	// MaxDoneEntries is the most movements one check-in may list.
	MaxDoneEntries = 32
	// MaxSessions is the largest accepted Done.Sessions.
	MaxSessions = 100
)

// checkInNumber describes one numeric field of a check-in or a done entry.
type checkInNumber struct {
	name     string
	min, max int
}

var (
	checkInNumbers = []checkInNumber{{"day", 0, MaxCheckInDay}, {"pain_level", 0, 10}, {"function", 0, 10}}
	doneNumbers    = []checkInNumber{{"sessions", 0, MaxSessions}}
)

// validateCheckIns checks the check-ins of a profile against the rule
// set's movements and the ranges, and returns the problems found.
func (e *Engine) validateCheckIns(cs []CheckIn) []FieldProblem {
	if len(cs) == 0 {
		return nil
	}
	var probs []FieldProblem
	if len(cs) > MaxCheckIns {
		return []FieldProblem{{Field: "check_ins", Value: fmt.Sprintf("(%d entries)", len(cs)),
			Message: fmt.Sprintf("too many check-ins, the most is %d", MaxCheckIns)}}
	}
	num := func(field string, v int, f checkInNumber) {
		if v < f.min || v > f.max {
			probs = append(probs, FieldProblem{Field: field, Value: strconv.Itoa(v),
				Message: fmt.Sprintf("out of range, want %d to %d", f.min, f.max)})
		}
	}
	for i, c := range cs {
		at := fmt.Sprintf("check_ins[%d]", i)
		num(at+".day", c.Day, checkInNumbers[0])
		num(at+".pain_level", c.PainLevel, checkInNumbers[1])
		if c.Function != nil {
			num(at+".function", *c.Function, checkInNumbers[2])
		}
		if i > 0 && c.Day < cs[i-1].Day {
			probs = append(probs, FieldProblem{Field: at + ".day", Value: strconv.Itoa(c.Day),
				Message: fmt.Sprintf("goes backwards: check_ins[%d] is day %d; list check-ins oldest first", i-1, cs[i-1].Day)})
		}
		if k := sentBefore(cs, i); k >= 0 {
			probs = append(probs, FieldProblem{Field: at,
				Message: fmt.Sprintf("the same check-in as check_ins[%d] (day %d, the same pain, function and movements done), sent twice: its sessions and responses would count twice; send it once", k, c.Day)})
		}
		if len(c.Done) > MaxDoneEntries {
			probs = append(probs, FieldProblem{Field: at + ".done", Value: fmt.Sprintf("(%d entries)", len(c.Done)),
				Message: fmt.Sprintf("too many entries, the most is %d", MaxDoneEntries)})
			continue
		}
		for j, d := range c.Done {
			dat := fmt.Sprintf("%s.done[%d]", at, j)
			switch {
			case len(d.Movement) > MaxEntryLen:
				probs = append(probs, FieldProblem{Field: dat + ".movement", Value: quoteValue(d.Movement),
					Message: fmt.Sprintf("too long (%d bytes), the most is %d", len(d.Movement), MaxEntryLen)})
			case d.Movement == "":
				probs = append(probs, FieldProblem{Field: dat + ".movement", Value: quoteValue(d.Movement), Message: "missing: give a movement id"})
			case e.movementIdx(d.Movement) < 0:
				probs = append(probs, FieldProblem{Field: dat + ".movement", Value: quoteValue(d.Movement),
					Message: "unknown movement" + e.suggestMovement(d.Movement)})
			default:
				for k := 0; k < j; k++ {
					if c.Done[k].Movement == d.Movement {
						probs = append(probs, FieldProblem{Field: dat + ".movement", Value: quoteValue(d.Movement),
							Message: fmt.Sprintf("duplicate entry, already at %s.done[%d]", at, k)})
						break
					}
				}
			}
			num(dat+".sessions", d.Sessions, doneNumbers[0])
			if !validResponse(d.Response) {
				probs = append(probs, FieldProblem{Field: dat + ".response", Value: quoteValue(d.Response),
					Message: "unknown response (the responses are " + strings.Join(responses, ", ") + ")"})
			}
		}
	}
	return probs
}

// sentBefore returns the index of an earlier check-in of the same day that
// cs[i] repeats exactly, or -1. Only a check-in that reports movements
// done can be sent twice: two equal pain scores on one day, with nothing
// done, are two readings (a clinical record can hold both), and count as
// the pain at two check-ins, never as sessions or responses.
func sentBefore(cs []CheckIn, i int) int {
	c := cs[i]
	if len(c.Done) == 0 {
		return -1
	}
	for k := i - 1; k >= 0 && cs[k].Day == c.Day; k-- {
		if sameCheckIn(cs[k], c) {
			return k
		}
	}
	return -1
}

// sameCheckIn reports whether a and b say the same: day, pain, function
// and the movements done, in any order.
func sameCheckIn(a, b CheckIn) bool {
	if a.Day != b.Day || a.PainLevel != b.PainLevel || (a.Function == nil) != (b.Function == nil) ||
		a.Function != nil && *a.Function != *b.Function || len(a.Done) != len(b.Done) {
		return false
	}
	for _, d := range b.Done {
		if !slices.Contains(a.Done, d) {
			return false
		}
	}
	return true
}

func validResponse(s string) bool {
	for _, r := range responses {
		if r == s {
			return true
		}
	}
	return false
}

// movementIDs returns the ids of the rule set's movements.
func (e *Engine) movementIDs() []string {
	ids := make([]string, len(e.movements))
	for i, m := range e.movements {
		ids[i] = m.id
	}
	return ids
}

// suggestMovement returns ` (did you mean "x"?)` for the movement x that
// s, which is not a movement's id, most likely stands for: the one whose
// name or id s is, its words run together as a name's are compared
// (runTogether: "Towel decompression" is towel_stretch, "Cat-cow" and
// "catcow" cat_cow); else the one whose id is closest to s in spelling;
// or "" when none is close.
func (e *Engine) suggestMovement(s string) string {
	if key := runTogether(s); key != "" {
		for _, m := range e.movements {
			if runTogether(m.name) == key || runTogether(m.id) == key {
				return words.Suggest(strconv.Quote(m.id))
			}
		}
	}
	return words.DidYouMean(s, e.movementIDs())
}

// movementIdx returns the index of the movement with id id, or -1.
func (e *Engine) movementIdx(id string) int {
	for i, m := range e.movements {
		if m.id == id {
			return i
		}
	}
	return -1
}

// checkIns decodes the check_ins list, whose first token, tok, starts at
// off.
func (r *profileReader) checkIns(tok json.Token, off int) error {
	if tok != json.Delim('[') {
		return r.wrongType(tok, off, FieldProblem{Field: "check_ins"}, "want a list of check-ins", "field")
	}
	var cs []CheckIn
	for i := 0; r.dec.More(); i++ {
		tok, off, err := r.next()
		if err != nil {
			return err
		}
		at := fmt.Sprintf("check_ins[%d]", i)
		if i >= MaxCheckIns {
			if err := r.add(off, FieldProblem{Field: at, Message: fmt.Sprintf("too many check-ins, the most is %d", MaxCheckIns)}); err != nil {
				return err
			}
			if d, ok := tok.(json.Delim); ok {
				if err := r.skipRest(d); err != nil {
					return err
				}
			}
			continue
		}
		r.note(at, off)
		var c CheckIn
		var fn int
		hasFn := false
		err = r.object(tok, off, at, "a check-in", []string{"day", "pain_level"}, func(key string, kt json.Token, koff int) error {
			switch key {
			case "day":
				return r.intValue(kt, koff, at+".day", checkInNumbers[0], &c.Day)
			case "pain_level":
				// Given twice, the higher pain counts, to be safe.
				var pain int
				err := r.intValue(kt, koff, at+".pain_level", checkInNumbers[1], &pain)
				c.PainLevel = max(c.PainLevel, pain)
				return err
			case "function":
				hasFn = true
				return r.intValue(kt, koff, at+".function", checkInNumbers[2], &fn)
			case "done":
				return r.doneList(kt, koff, at+".done", &c.Done)
			}
			return nil
		}, []string{"day", "pain_level", "function", "done"}, map[string]string{"pain_level": "given twice: the higher pain is read, to be safe"})
		if err != nil {
			return err
		}
		if hasFn {
			c.Function = &fn
		}
		cs = append(cs, c)
	}
	if _, _, err := r.next(); err != nil { // the closing bracket
		return err
	}
	if len(cs) > 0 {
		r.p.CheckIns = cs
	}
	return nil
}

// doneList decodes a check-in's done list.
func (r *profileReader) doneList(tok json.Token, off int, at string, out *[]Done) error {
	if tok != json.Delim('[') {
		return r.wrongType(tok, off, FieldProblem{Field: at}, "want a list of movements done", "field")
	}
	var ds []Done
	for j := 0; r.dec.More(); j++ {
		tok, off, err := r.next()
		if err != nil {
			return err
		}
		dat := fmt.Sprintf("%s[%d]", at, j)
		if j >= MaxDoneEntries {
			if err := r.add(off, FieldProblem{Field: dat, Message: fmt.Sprintf("too many entries, the most is %d", MaxDoneEntries)}); err != nil {
				return err
			}
			if d, ok := tok.(json.Delim); ok {
				if err := r.skipRest(d); err != nil {
					return err
				}
			}
			continue
		}
		var d Done
		err = r.object(tok, off, dat, "a movement done", []string{"movement", "sessions", "response"}, func(key string, kt json.Token, koff int) error {
			switch key {
			case "movement":
				return r.stringValue(kt, koff, dat+".movement", &d.Movement)
			case "sessions":
				return r.intValue(kt, koff, dat+".sessions", doneNumbers[0], &d.Sessions)
			case "response":
				return r.stringValue(kt, koff, dat+".response", &d.Response)
			}
			return nil
		}, []string{"movement", "sessions", "response"}, nil)
		if err != nil {
			return err
		}
		ds = append(ds, d)
	}
	if _, _, err := r.next(); err != nil { // the closing bracket
		return err
	}
	if len(ds) > 0 {
		*out = ds
	}
	return nil
}

// object decodes a mapping whose first token, tok, starts at off, calling
// value for each known key with the value's first token and offset. It
// reports an unknown key, a key given twice and a required key missing.
// A key of again given twice is reported with its message and read again
// (value combines the two); any other is read once.
func (r *profileReader) object(tok json.Token, off int, at, what string, required []string,
	value func(key string, tok json.Token, off int) error, keys []string, again map[string]string) error {
	if tok != json.Delim('{') {
		return r.wrongType(tok, off, FieldProblem{Field: at}, "want "+what+", a mapping of "+strings.Join(keys, ", "), "entry")
	}
	seen := map[string]bool{}
	for r.dec.More() {
		ktok, koff, err := r.next()
		if err != nil {
			return err
		}
		key, _ := ktok.(string)
		known := false
		for _, k := range keys {
			known = known || k == key
		}
		msg, reread := again[key]
		switch {
		case seen[key] && !reread:
			if err := r.add(koff, FieldProblem{Field: at + "." + key, Message: "given twice"}); err != nil {
				return err
			}
			if err := r.skipValue(); err != nil {
				return err
			}
		case !known:
			msg := "unknown field" + words.DidYouMean(key, keys)
			if !strings.Contains(msg, "did you mean") {
				msg = "unknown field (the fields are " + strings.Join(keys, ", ") + ")"
			}
			if err := r.add(koff, FieldProblem{Field: at, Value: quoteValue(key), Message: msg}); err != nil {
				return err
			}
			if err := r.skipValue(); err != nil {
				return err
			}
		default:
			if seen[key] {
				if err := r.add(koff, FieldProblem{Field: at + "." + key, Message: msg}); err != nil {
					return err
				}
			}
			vt, voff, err := r.next()
			if err != nil {
				return err
			}
			r.note(at+"."+key, voff)
			if err := value(key, vt, voff); err != nil {
				return err
			}
		}
		seen[key] = true
	}
	if _, _, err := r.next(); err != nil { // the closing brace
		return err
	}
	for _, k := range required {
		if !seen[k] {
			if err := r.add(off, FieldProblem{Field: at + "." + k, Message: "missing: " + what + " needs " + k}); err != nil {
				return err
			}
		}
	}
	return nil
}

// intValue decodes a whole number in the range f into dst: with a
// problem, what Triage reads of a number out of range, not whole, or
// written as a string.
func (r *profileReader) intValue(tok json.Token, off int, at string, f checkInNumber, dst *int) error {
	nf := numberField{name: f.name, min: float64(f.min), max: float64(f.max)}
	num, ok := tok.(json.Number)
	if !ok {
		// A number written as a string ("9") is read as the number, for
		// Triage, as a profile's number field is; the problem is
		// reported all the same.
		if s, isString := tok.(string); isString && parse.IsJSONNumber(strings.TrimSpace(s)) {
			x, _ := numberValue(strings.TrimSpace(s), nf)
			*dst = int(x)
		}
		return r.wrongType(tok, off, FieldProblem{Field: at}, "want a number", "field")
	}
	// A number out of range or not whole is read as Triage reads it (a
	// pain of 11 is 10, one of 9.4 is 9), the problem reported: a
	// check-in's pain of 11 beside belly pain is severe pain, as
	// pain_level's is, not none.
	x, msg := numberValue(string(num), nf)
	*dst = int(x)
	if msg != "" {
		return r.add(off, FieldProblem{Field: at, Value: numberText(string(num)), Message: msg})
	}
	return nil
}

// stringValue decodes a string into dst.
func (r *profileReader) stringValue(tok json.Token, off int, at string, dst *string) error {
	s, ok := tok.(string)
	if !ok {
		return r.wrongType(tok, off, FieldProblem{Field: at}, "want a string", "field")
	}
	if raw := r.data[off:r.dec.InputOffset()]; strings.ContainsRune(s, utf8.RuneError) && loneSurrogate(raw) {
		return r.add(off, FieldProblem{Field: at, Value: numberText(string(raw)),
			Message: "a \\u escape is half of a UTF-16 surrogate pair: write the character itself"})
	}
	*dst = s
	return nil
}

// MaxLevels is the most dose levels a movement may declare.
const MaxLevels = 10

// levels compiles the dose levels of movement m into mv. A movement
// without levels has its dose as its one level; one with levels must
// give its dose as one of them, the level a programme starts at.
func (c *compiler) levels(mv *movement, m *parse.Movement) {
	if len(m.Levels) == 0 {
		mv.levels = []level{{dose: m.Dose, how: m.How}}
		return
	}
	if len(m.Levels) > MaxLevels {
		c.iss.Add(m.LevelsPos, "movement %q declares %d levels, the most is %d", m.ID.S, len(m.Levels), MaxLevels)
		return
	}
	mv.start = -1
	for i, l := range m.Levels {
		for j := 0; j < i; j++ {
			if m.Levels[j].Dose.S == l.Dose.S {
				c.iss.Add(l.Dose.Pos, "level %d of movement %q repeats the dose of level %d: each level needs its own dose", i+1, m.ID.S, j+1)
			}
		}
		how := l.How
		if how == "" {
			how = m.How
		}
		mv.levels = append(mv.levels, level{dose: l.Dose.S, how: how})
		if l.Dose.S == m.Dose && mv.start < 0 {
			mv.start = i
		}
	}
	if mv.start < 0 {
		c.iss.Add(m.LevelsPos, "the dose of movement %q is none of its levels: give it as one of them, the level a programme starts at", m.ID.S)
		mv.start = 0
	}
}
