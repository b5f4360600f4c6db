package web

// The check-in part of the form. After a result the form asks for a new
// check-in, and carries the earlier ones in hidden fields, so that the
// server keeps nothing between posts. The fields:
//
//   - check_in, repeated, oldest first: one earlier check-in each, as
//     compact JSON in the profile's check_ins entry format, such as
//     {"day":0,"pain_level":6,"done":[{"movement":"walking","sessions":5,"response":"same"}]}.
//     Each value must be one JSON object; it is decoded by
//     recommend.DecodeProfile, as an entry of check_ins, and the whole
//     list is checked by Engine.Validate with the rest of the profile, so
//     that its bounds (at most recommend.MaxCheckIns, day never going
//     backwards, movements of the rule set, values in range) are the
//     engine's. A problem names the check-in and its path (check_ins[1].day).
//   - ci_day, ci_pain_level and ci_function: the new check-in's day (from
//     0, the day the programme began), pain (0 to 10) and, optionally,
//     how much the pain limits daily activities (0 to 10).
//   - ci_movement, repeated: the movements the form asks about, and for
//     each movement ID, ci_sessions-ID (the sessions done since the last
//     check-in) and ci_response-ID (easier, same, harder or worse). A
//     movement with neither is not reported; one with only one of them is
//     a problem.
//
// A post adds a check-in when it gives a pain level, a function, or a
// movement's sessions or response; ci_day alone, which the form fills in,
// does not.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/backrules/backrules/internal/words"
	"github.com/backrules/backrules/recommend"
)

// The names of the check-in fields of the form.
const (
	fieldCheckIn     = "check_in"
	fieldCIDay       = "ci_day"
	fieldCIPain      = "ci_pain_level"
	fieldCIFunction  = "ci_function"
	fieldCIMovement  = "ci_movement"
	prefixCISessions = "ci_sessions-"
	prefixCIResponse = "ci_response-"
	// checkInTarget is the id of the check-in fieldset, where the summary
	// of problems links a problem of the whole check-in.
	checkInTarget = "check-in"
)

// responseChoices are the answers to "How did it feel?", in the order of
// the form.
var responseChoices = []struct{ value, label string }{
	{recommend.ResponseEasier, "Easier"},
	{recommend.ResponseSame, "About the same"},
	{recommend.ResponseHarder, "Harder, without more pain"},
	{recommend.ResponseWorse, "It made my pain worse"},
}

// checkInEntries is what the check-in part of a post held, kept to show
// it again.
type checkInEntries struct {
	// earlier are the check_in values, as sent.
	earlier             []string
	day, pain, function []string
	movements           []string
	sessions, responses map[string][]string
	// posted is true when the post had any field of the new check-in.
	posted bool
	// onsetShown and onsetDay are the hidden onset fields, as sent, and
	// onsetNext what the page writes in them (nil: nothing); see onset.go.
	onsetShown, onsetDay []string
	onsetNext            *onsetState
	// painShown is the hidden pain field, as sent, and painNext what the
	// page writes in it (nil: nothing); see onset.go.
	painShown []string
	painNext  *int
}

func readCheckIns(r *http.Request) checkInEntries {
	f := r.PostForm
	c := checkInEntries{
		earlier: f[fieldCheckIn], day: f[fieldCIDay], pain: f[fieldCIPain], function: f[fieldCIFunction],
		onsetShown: f[fieldOnsetShown], onsetDay: f[fieldOnsetDay], painShown: f[fieldPainShown],
		sessions: map[string][]string{}, responses: map[string][]string{},
	}
	var extra []string
	for _, id := range f[fieldCIMovement] {
		if !slices.Contains(c.movements, id) {
			c.movements = append(c.movements, id)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(f)) {
		id, ok := strings.CutPrefix(k, prefixCISessions)
		if ok {
			c.sessions[id] = f[k]
		} else if id, ok = strings.CutPrefix(k, prefixCIResponse); ok {
			c.responses[id] = f[k]
		}
		if ok && !slices.Contains(c.movements, id) && !slices.Contains(extra, id) {
			extra = append(extra, id)
		}
	}
	// A movement's fields sent without its ci_movement are still read:
	// nothing the post says is dropped.
	c.movements = append(c.movements, extra...)
	c.posted = f.Has(fieldCIDay) || f.Has(fieldCIPain) || f.Has(fieldCIFunction) || len(c.movements) > 0
	return c
}

// unknownMovements returns the movements of the check-in fields that are
// not movements of eng's rule set, such as a red flag's name sent as
// ci_movement.
func (c checkInEntries) unknownMovements(eng *recommend.Engine) []string {
	known := map[string]bool{}
	for _, m := range eng.Movements() {
		known[m.ID] = true
	}
	var out []string
	for _, id := range c.movements {
		if !known[id] {
			out = append(out, id)
		}
	}
	return out
}

// isCheckInField reports whether name is a check-in field of the form.
func isCheckInField(name string) bool {
	switch name {
	case fieldCheckIn, fieldCIDay, fieldCIPain, fieldCIFunction, fieldCIMovement, fieldOnsetShown, fieldOnsetDay, fieldPainShown:
		return true
	}
	return strings.HasPrefix(name, prefixCISessions) || strings.HasPrefix(name, prefixCIResponse)
}

// blank reports whether vals is missing or one blank value.
func blank(vals []string) bool {
	return len(vals) == 0 || (len(vals) == 1 && strings.TrimSpace(vals[0]) == "")
}

// wholeNumber reads a whole number from 0 to max from vals, which is not
// blank; msg says what is wrong, in the words of the form.
func wholeNumber(vals []string, max int) (v int, msg string) {
	if len(vals) > 1 {
		return 0, "Enter one number."
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(vals[0]), 64)
	if err != nil || math.IsNaN(x) || x < 0 || x > float64(max) || x != math.Trunc(x) {
		return 0, fmt.Sprintf("Enter a whole number from 0 to %d.", max)
	}
	return int(x), ""
}

// newCheckIn returns the check-in the post adds, or nil when it adds none
// or its fields have problems, and those problems. The values of the
// fields are checked here; what needs the rule set (a movement id, a
// response) and the earlier check-ins (the day) is left to
// Engine.Validate.
func (c checkInEntries) newCheckIn() (*recommend.CheckIn, []problem) {
	adds := !blank(c.pain) || !blank(c.function)
	for _, id := range c.movements {
		adds = adds || !blank(c.sessions[id]) || len(c.responses[id]) > 0
	}
	if !adds {
		return nil, nil
	}
	var probs []problem
	ci := &recommend.CheckIn{}
	if blank(c.day) {
		probs = append(probs, problem{fieldCIDay, "Enter the day of this check-in: the days since the programme began, 0 on its first day."})
	} else if v, msg := wholeNumber(c.day, recommend.MaxCheckInDay); msg != "" {
		probs = append(probs, problem{fieldCIDay, msg})
	} else {
		ci.Day = v
	}
	if blank(c.pain) {
		probs = append(probs, problem{fieldCIPain, "Enter your pain level at this check-in, to check in."})
	} else if v, msg := wholeNumber(c.pain, 10); msg != "" {
		probs = append(probs, problem{fieldCIPain, msg})
	} else {
		ci.PainLevel = v
	}
	if !blank(c.function) {
		if v, msg := wholeNumber(c.function, 10); msg != "" {
			probs = append(probs, problem{fieldCIFunction, msg})
		} else {
			ci.Function = &v
		}
	}
	for _, id := range c.movements {
		ses, resp := c.sessions[id], c.responses[id]
		switch {
		case blank(ses) && len(resp) == 0:
			continue // not reported
		case len(resp) > 1:
			probs = append(probs, problem{prefixCIResponse + id, "Choose one answer."})
			continue
		case blank(ses):
			probs = append(probs, problem{prefixCISessions + id, "Enter how many times you did it since the last check-in, 0 if not at all."})
			continue
		case len(resp) == 0:
			probs = append(probs, problem{prefixCIResponse + id, "Choose how it felt."})
			continue
		}
		v, msg := wholeNumber(ses, recommend.MaxSessions)
		if msg != "" {
			probs = append(probs, problem{prefixCISessions + id, msg})
			continue
		}
		// The response is checked by Engine.Validate, with the rest.
		ci.Done = append(ci.Done, recommend.Done{Movement: id, Sessions: v, Response: resp[0]})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return ci, nil
}

// decodeEarlier decodes the earlier check-ins, the check_in fields, each
// as one entry of a profile's check_ins with recommend.DecodeProfile. It
// returns them, or the problems of every one that could not be decoded.
func decodeEarlier(vals []string) ([]recommend.CheckIn, []problem) {
	if len(vals) > recommend.MaxCheckIns {
		return nil, []problem{{fieldCheckIn, fmt.Sprintf("The form carries %d earlier check-ins, and a programme holds at most %d: start a new programme from the empty form.", len(vals), recommend.MaxCheckIns)}}
	}
	var out []recommend.CheckIn
	var probs []problem
	for i, v := range vals {
		v = strings.TrimSpace(v)
		// One JSON object cannot close the list it is put in, so the
		// profile below holds this check-in and nothing else.
		if !strings.HasPrefix(v, "{") || !json.Valid([]byte(v)) {
			probs = append(probs, problem{fieldCheckIn, fmt.Sprintf("Earlier check-in %d (check_ins[%d]) is not a check-in: want one JSON object such as {\"day\":0,\"pain_level\":5}.", i+1, i)})
			continue
		}
		p, err := recommend.DecodeProfile(strings.NewReader(`{"check_ins":[` + v + `]}`))
		var pe *recommend.ProfileError
		switch {
		case errors.As(err, &pe):
			for _, fp := range pe.Problems {
				fp.Field = strings.Replace(fp.Field, "check_ins[0]", fmt.Sprintf("check_ins[%d]", i), 1)
				probs = append(probs, earlierProblem(i, fp))
			}
			continue
		case err != nil || len(p.CheckIns) != 1:
			probs = append(probs, problem{fieldCheckIn, fmt.Sprintf("Earlier check-in %d (check_ins[%d]) could not be read.", i+1, i)})
			continue
		}
		out = append(out, p.CheckIns[0])
	}
	if len(probs) > 0 {
		return nil, probs
	}
	return out, nil
}

// earlierProblem is a problem of the earlier check-in i, which the form
// cannot correct.
func earlierProblem(i int, fp recommend.FieldProblem) problem {
	msg := fp.Message
	if fp.Value != "" {
		msg = fp.Value + ": " + msg
	}
	at := fp.Field
	if at == "" {
		at = fmt.Sprintf("check_ins[%d]", i)
	}
	return problem{fieldCheckIn, fmt.Sprintf("Earlier check-in %d (%s): %s", i+1, at, fullStop(msg))}
}

func fullStop(msg string) string {
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return msg
}

// checkInPathRE splits a problem's field within check_ins: the index of
// the check-in, and the rest of the path.
var checkInPathRE = regexp.MustCompile(`^check_ins\[(\d+)\](.*)$`)

// donePathRE splits the rest of a path within a check-in's done list.
var donePathRE = regexp.MustCompile(`^\.done\[(\d+)\](.*)$`)

// checkInProblem turns a problem Engine.Validate found in the check-ins
// of a profile whose first n check-ins are the earlier ones, and whose
// last, if it has more, is ci, into a problem of the form. ok is false
// for a problem of another field.
func checkInProblem(fp recommend.FieldProblem, n int, ci *recommend.CheckIn) (p problem, ok bool) {
	if fp.Field == "check_ins" {
		return problem{fieldCheckIn, "Check-ins: " + fullStop(valued(fp))}, true
	}
	m := checkInPathRE.FindStringSubmatch(fp.Field)
	if m == nil {
		return problem{}, false
	}
	i, err := strconv.Atoi(m[1])
	if err != nil || i < n || ci == nil {
		return earlierProblem(i, fp), true
	}
	msg := words.Capital(fullStop(valued(fp)))
	switch rest := m[2]; rest {
	case ".day":
		return problem{fieldCIDay, msg}, true
	case ".pain_level":
		return problem{fieldCIPain, msg}, true
	case ".function":
		return problem{fieldCIFunction, msg}, true
	default:
		if d := donePathRE.FindStringSubmatch(rest); d != nil {
			j, err := strconv.Atoi(d[1])
			if err == nil && j < len(ci.Done) {
				id := ci.Done[j].Movement
				if d[2] == ".response" {
					return problem{prefixCIResponse + id, msg}, true
				}
				return problem{prefixCISessions + id, msg}, true
			}
		}
		return problem{fieldCheckIn, "This check-in: " + msg}, true
	}
}

// valued is a problem's message after its value, if it has one.
func valued(fp recommend.FieldProblem) string {
	if fp.Value != "" {
		return fp.Value + ": " + fp.Message
	}
	return fp.Message
}

// encodeCheckIns returns the check-ins as the form carries them: one
// compact JSON object each.
func encodeCheckIns(cs []recommend.CheckIn) ([]string, error) {
	out := make([]string, len(cs))
	for i, c := range cs {
		b, err := json.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("web: encode check-in %d: %w", i, err)
		}
		out[i] = string(b)
	}
	return out, nil
}

// checkInView is the check-in fieldset of the form.
type checkInView struct {
	Day, Pain, Function number
	Rows                []doneRow
	// Problems are the problems of the whole check-in, and of the earlier
	// check-ins.
	Problems []string
	// Full is true when the programme holds as many check-ins as it may:
	// the form asks for no more.
	Full bool
	// Count is the number of earlier check-ins.
	Count int
}

// Name and Hint make a checkInView the argument of the "notes" template.
func (v *checkInView) Name() string { return checkInTarget }

// DescribedBy returns the ids of the fieldset's hint and problems, for
// aria-describedby.
func (v *checkInView) DescribedBy() string {
	return describedBy(checkInTarget, true, len(v.Problems) > 0)
}

// Hint says what the check-in is for.
func (v *checkInView) Hint() string {
	if v.Count == 0 {
		return "To follow the plan over weeks, check in today, day 0, with your pain now, then about once a week with how each movement went: the plan changes with your answers. Nothing is stored on the server: the page keeps your check-ins in this form."
	}
	return fmt.Sprintf("Tell us how the week went. This form carries your %d earlier %s; nothing is stored on the server.", v.Count, plural(v.Count, "check-in"))
}

// doneRow is one movement the check-in asks about.
type doneRow struct {
	ID, Name string
	// Status is where the programme has the movement, or "".
	Status   string
	Sessions number
	Response group
}

// newCheckInView returns the check-in fieldset for n earlier check-ins,
// with the entries as they were posted (or empty ones), asking about the
// movements ids.
func newCheckInView(eng *recommend.Engine, n, defaultDay int, c checkInEntries, ids []string, status map[string]string) *checkInView {
	first := func(vals []string) string {
		if len(vals) > 0 {
			return vals[0]
		}
		return ""
	}
	v := &checkInView{Count: n, Full: n >= recommend.MaxCheckIns}
	v.Day = number{Name: fieldCIDay, Label: "Day of this check-in", Hint: "Days since the programme began: 0 on its first day.", InputMode: "numeric", Value: first(c.day)}
	if !c.posted {
		v.Day.Value = strconv.Itoa(defaultDay)
	}
	v.Pain = number{Name: fieldCIPain, Label: "Pain level at this check-in", Hint: "From 0, no pain, to 10, the worst pain you can imagine: how it is today. The advice reads the higher of this and the pain level above.", InputMode: "numeric", Value: first(c.pain)}
	v.Function = number{Name: fieldCIFunction, Label: "How much it limits your day", Hint: "From 0, not at all, to 10, completely. Leave empty if you would rather not say.", InputMode: "numeric", Value: first(c.function)}
	names := map[string]string{}
	for _, m := range eng.Movements() {
		names[m.ID] = m.Name
	}
	for _, id := range ids {
		name := names[id]
		if name == "" {
			name = id
		}
		r := doneRow{ID: id, Name: name, Status: status[id]}
		r.Sessions = number{Name: prefixCISessions + id, Label: "Times done since the last check-in", InputMode: "numeric", Value: first(c.sessions[id])}
		r.Response = group{Name: prefixCIResponse + id, Legend: "How did it feel?", Input: "radio"}
		for _, rc := range responseChoices {
			r.Response.Terms = append(r.Response.Terms, checkbox{
				ID: prefixCIResponse + id + "-" + rc.value, Value: rc.value, Label: rc.label,
				Checked: slices.Contains(c.responses[id], rc.value),
			})
		}
		v.Rows = append(v.Rows, r)
	}
	return v
}

// setProblems marks the problems of the check-in's fields, and returns
// those of the summary, in the order of the fieldset.
func (v *checkInView) setProblems(probs []problem) []summaryProblem {
	var out []summaryProblem
	for _, p := range probs {
		if p.field == fieldCheckIn {
			v.Problems = append(v.Problems, p.message)
			out = append(out, summaryProblem{Target: checkInTarget, Label: "Check-in", Message: p.message})
		}
	}
	for _, n := range []*number{&v.Day, &v.Pain, &v.Function} {
		out = append(out, markNumber(n, probs)...)
	}
	for i := range v.Rows {
		r := &v.Rows[i]
		out = append(out, markNumber(&r.Sessions, probs)...)
		for _, p := range probs {
			if p.field == r.Response.Name {
				r.Response.Problems = append(r.Response.Problems, p.message)
				out = append(out, summaryProblem{Target: r.Response.Terms[0].ID, Label: r.Name + ", how it felt", Message: p.message})
			}
		}
		for j := range out {
			if out[j].Target == r.Sessions.Name {
				out[j].Label = r.Name + ", times done"
			}
		}
	}
	return out
}

// markNumber marks the problems of number field n, and returns them for
// the summary.
func markNumber(n *number, probs []problem) []summaryProblem {
	var out []summaryProblem
	for _, p := range probs {
		if p.field == n.Name {
			n.Problems = append(n.Problems, p.message)
			out = append(out, summaryProblem{Target: n.Name, Label: n.Label, Message: p.message})
		}
	}
	return out
}

// hasField reports whether the fieldset has a field for problem p.
func (v *checkInView) hasField(p problem) bool {
	if p.field == fieldCheckIn || p.field == v.Day.Name || p.field == v.Pain.Name || p.field == v.Function.Name {
		return true
	}
	return slices.ContainsFunc(v.Rows, func(r doneRow) bool { return p.field == r.Sessions.Name || p.field == r.Response.Name })
}
