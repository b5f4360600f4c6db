package web

// The days since onset during a programme. The form's "Days since this
// episode began" holds on the day it was answered; check-ins come days
// and weeks later. Left as first typed, an onset of 3 days would still be
// 3 at a check-in on day 70: the advice would read ten weeks of pain as a
// new episode (no review of pain that has not settled, "most new back
// pain settles" at week 11). So the form carries, in two hidden fields,
// the onset it last showed and the programme day it held on:
//
//   - onset_shown: the days since onset the form showed, a whole number
//     (0 when it began that day);
//   - onset_day: the day of the programme (a check-in's day, 0 before the
//     first) on which it held.
//
// When a post's onset is the one shown and the programme has moved on
// (a new check-in's day is later), the onset moves on by as many days,
// and the field says so, with what to do if a new episode has begun. An
// onset the person changed is taken as given, on the post's day. An
// empty one is not known and never moves; one of 0, which the form asks
// for when the pain began that day, does, unless the answers get a
// referral with 0 that they would not get with the onset moved on (see
// keepOnsetZero). Either way the days since onset are at least the days
// the programme has run, so what it moves to is never more than the pain
// has lasted.

// The pain now follows the check-ins the same way. The advice reads the
// higher of "Pain level now" and the latest check-in's pain, so a pain of
// 8 typed on the first day, left in its box, outweighed every later
// check-in: at 4 on day 70, the page still cautioned that the pain was
// high and read it as moderate or worse. The form carries the pain it
// showed (pain_shown); when a post adds a check-in and leaves the box as
// shown, the box takes the check-in's pain, and says so. A pain the person
// changed is taken as given, and the higher of the two is read, as on
// every channel.

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/backrules/backrules/recommend"
)

// The names of the hidden onset fields of the form.
const (
	fieldOnsetShown = "onset_shown"
	fieldOnsetDay   = "onset_day"
	fieldPainShown  = "pain_shown"
	// fieldPain is the form's field of the pain now.
	fieldPain = "pain_level"
	// fieldOnset is the form's field of the days since onset.
	fieldOnset = "days_since_onset"
)

// onsetState is what the hidden onset fields of a form hold: the days
// since onset, Shown, on the programme's day Day.
type onsetState struct {
	Shown, Day int
}

// programmeDay returns the day of the programme on which the post's
// answers hold: the day of the check-in it adds, or else the latest
// earlier check-in's, or 0 before the first. ok is false when that cannot
// be told: an earlier check-in could not be read, or the check-in the post
// adds has no day that can be read, or one before the latest earlier
// check-in's (a check-in that goes backwards is refused: moved back to
// its day, 60 days since onset on day 14 read as 53 on the page of
// problems, which lost the review of pain past eight weeks).
func programmeDay(c checkInEntries, earlier []recommend.CheckIn, eprobs []problem, ci *recommend.CheckIn, cprobs []problem) (day int, ok bool) {
	notBefore := func(day int) bool {
		return len(earlier) == 0 || day >= earlier[len(earlier)-1].Day
	}
	switch {
	case len(eprobs) > 0:
		return 0, false
	case ci != nil:
		return ci.Day, notBefore(ci.Day)
	case len(cprobs) > 0:
		// The post adds a check-in whose fields have problems: it holds
		// on that check-in's day, when the day itself can be read.
		if blank(c.day) || slices.ContainsFunc(cprobs, func(p problem) bool { return p.field == fieldCIDay }) {
			return 0, false
		}
		v, msg := wholeNumber(c.day, recommend.MaxCheckInDay)
		return v, msg == "" && notBefore(v)
	case len(earlier) > 0:
		return earlier[len(earlier)-1].Day, true
	}
	return 0, true
}

// moveOnsetOn brings the days since onset up to the post's programme day
// (see programmeDay), as the package comment above says: it changes the
// entry of days_since_onset, so that the profile, the triage and the form
// read the onset moved on, and sets the hidden onset fields the page
// writes (in.ci.onsetNext) and the note on the field (in.onsetNote). It
// returns a problem when the hidden fields were sent but cannot be read:
// the onset is then not moved on, and the person is asked to check it.
func (in *entries) moveOnsetOn(today int, ok bool) []problem {
	v, typed := onsetTyped(in.numbers[fieldOnset])
	c := &in.ci
	var probs []problem
	prev, sent, readable := c.onsetSent()
	if sent && !readable {
		probs = append(probs, problem{fieldOnset, "The page's record of the day this answer was given could not be read, so it was not moved on with your check-ins: check that it gives the days since this episode began."})
	}
	switch {
	case !typed:
		// Unknown, blank or not a number: nothing to move on or carry.
	case sent && readable && v == prev.Shown && !ok:
		// The day of this post cannot be told: carry the record as it
		// came, so that the next post moves it on.
		c.onsetNext = &prev
	case sent && readable && v == prev.Shown && today != prev.Day:
		moved := v + today - prev.Day
		if moved < 0 {
			// A day before the one it was given on (a check-in not
			// accepted gave it): take it as given, on this day.
			c.onsetNext = &onsetState{Shown: v, Day: today}
			break
		}
		moved = min(moved, recommend.MaxDaysSinceOnset)
		if v == 0 {
			in.onsetFromZero = &onsetState{Shown: 0, Day: today}
		}
		in.numbers[fieldOnset] = []string{strconv.Itoa(moved)}
		in.onsetNote = fmt.Sprintf("Brought up to date for your check-in on day %d (it was %d on day %d). If a new episode has begun since, enter the days since it began.", today, v, prev.Day)
		c.onsetNext = &onsetState{Shown: moved, Day: today}
	case ok:
		c.onsetNext = &onsetState{Shown: v, Day: today}
	}
	return probs
}

// keepOnsetZero undoes the move of an onset of 0 (see moveOnsetOn) when
// the profile p, with the onset at 0, gets a referral that p, moved on,
// does not. A rule set may read 0 as an onset not known: the default
// rules read long-standing, stable pain with an onset of 0 as pain past
// eight weeks, and moved on to 7 it lost the review of that pain. A move
// must not lose a referral the same answers get without it, so the onset
// stays 0, on the post's day, and the field says why.
func (in *entries) keepOnsetZero(ctx context.Context, eng *recommend.Engine, p *recommend.Profile) {
	if in.onsetFromZero == nil {
		return
	}
	at0 := *p
	at0.DaysSinceOnset = 0
	moved, _ := eng.Triage(ctx, *p)
	kept, _ := eng.Triage(ctx, at0)
	if referralRules(kept).IsSubset(referralRules(moved)) {
		return
	}
	p.DaysSinceOnset = 0
	in.numbers[fieldOnset] = []string{"0"}
	in.ci.onsetNext = in.onsetFromZero
	in.onsetNote = fmt.Sprintf("Left at 0 for your check-in on day %d: read as 0, your answers get a referral they would not get if it were moved on. If you know the days since this episode began, enter them.", in.onsetFromZero.Day)
}

// ruleSet is a set of rule ids.
type ruleSet map[string]bool

// IsSubset reports whether every rule of s is in t.
func (s ruleSet) IsSubset(t ruleSet) bool {
	for id := range s {
		if !t[id] {
			return false
		}
	}
	return true
}

// referralRules returns the rules of the referrals of res, shown and
// folded; none for a nil res.
func referralRules(res *recommend.Result) ruleSet {
	s := ruleSet{}
	if res == nil {
		return s
	}
	for _, r := range res.Referrals {
		for _, id := range r.Rules {
			s[id] = true
		}
	}
	for _, r := range res.FoldedReferrals {
		for _, id := range r.Rules {
			s[id] = true
		}
	}
	return s
}

// onsetTyped reads the days since onset as typed: one whole number from 0
// to recommend.MaxDaysSinceOnset, or ok is false.
func onsetTyped(vals []string) (v int, ok bool) {
	if blank(vals) {
		return 0, false
	}
	v, msg := wholeNumber(vals, recommend.MaxDaysSinceOnset)
	return v, msg == ""
}

// onsetSent reads the hidden onset fields of the post: sent is false when
// it has neither, or both blank, and readable is false when it has one of
// them only, or one that is not a single whole number in its range.
func (c checkInEntries) onsetSent() (s onsetState, sent, readable bool) {
	if blank(c.onsetShown) && blank(c.onsetDay) {
		return s, false, false
	}
	if blank(c.onsetShown) || blank(c.onsetDay) {
		return s, true, false
	}
	shown, msg1 := wholeNumber(c.onsetShown, recommend.MaxDaysSinceOnset)
	day, msg2 := wholeNumber(c.onsetDay, recommend.MaxCheckInDay)
	if msg1 != "" || msg2 != "" {
		return s, true, false
	}
	return onsetState{Shown: shown, Day: day}, true, true
}

// followCheckInPain sets the pain now to the pain of the check-in the post
// adds, ci (nil for none), when the post leaves the box as the page showed
// it (see the comment above), and sets the hidden pain field the page
// writes (in.ci.painNext) and the note on the field (in.painNote). It
// returns a problem when the hidden field was sent but cannot be read: the
// pain is then left as it is, and the person asked to check it. ok is
// programmeDay's: when the post's day cannot be told (an earlier check-in
// that cannot be read, a check-in that goes backwards), the pain is left
// as it is too. The check-in is refused then, and the page of problems
// read the pain it brought: 8 left as shown, with a refused check-in's 2,
// lost the fracture check of severe pain with osteoporosis.
func (in *entries) followCheckInPain(ci *recommend.CheckIn, ok bool) []problem {
	c := &in.ci
	var probs []problem
	shown := -1 // no record
	if !blank(c.painShown) {
		if v, msg := wholeNumber(c.painShown, 10); msg == "" {
			shown = v
		} else {
			probs = append(probs, problem{fieldPain, "The page's record of the pain it showed could not be read, so it was not brought up to date with your check-in: check that it gives your pain now."})
		}
	}
	v, msg := 0, "blank"
	if !blank(in.numbers[fieldPain]) {
		v, msg = wholeNumber(in.numbers[fieldPain], 10)
	}
	switch {
	case msg != "":
		// Blank or not a number: nothing to follow or carry.
	case ci != nil && ok && v == shown && ci.PainLevel != v:
		in.numbers[fieldPain] = []string{strconv.Itoa(ci.PainLevel)}
		in.painNote = fmt.Sprintf("Brought up to date with your check-in on day %d (it was %d). Change it if your pain now is different.", ci.Day, v)
		c.painNext = &ci.PainLevel
	default:
		c.painNext = &v
	}
	return probs
}
