package web

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/backrules/backrules/recommend"
	"github.com/google/go-cmp/cmp"
)

var (
	onsetBoxRE    = regexp.MustCompile(`<input type="text" id="days_since_onset" name="days_since_onset"[^>]* value="([^"]*)"`)
	onsetHiddenRE = regexp.MustCompile(`<input type="hidden" name="onset_shown" value="([^"]*)">\s*<input type="hidden" name="onset_day" value="([^"]*)">`)
	onsetNoteRE   = regexp.MustCompile(`<p class="note" id="days_since_onset-note">([^<]*)</p>`)
)

// onsetOf is what a page shows of the days since onset: the box, the
// hidden record ("shown@day", "" for none) and the note.
type onsetOf struct {
	Box, Hidden, Note string
}

func pageOnset(body string) onsetOf {
	var o onsetOf
	if m := onsetBoxRE.FindStringSubmatch(body); m != nil {
		o.Box = m[1]
	}
	if m := onsetHiddenRE.FindStringSubmatch(body); m != nil {
		o.Hidden = m[1] + "@" + m[2]
	}
	if m := onsetNoteRE.FindStringSubmatch(body); m != nil {
		o.Note = html.UnescapeString(m[1])
	}
	return o
}

// TestOnsetMovesOnWithCheckIns posts the days since onset with the hidden
// record of the page that showed them: left as shown, they move on with
// the programme's days, and the field says so; changed, they are taken as
// given on the post's day. Without the move, an onset of 3 days stayed 3
// at a check-in on day 70, and ten weeks of moderate pain got no review.
func TestOnsetMovesOnWithCheckIns(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	const review = "after more than eight weeks"
	day0 := `{"day":0,"pain_level":5}`
	day70 := `{"day":70,"pain_level":5}`
	moved := func(today, was, on string) string {
		return "Brought up to date for your check-in on day " + today + " (it was " + was + " on day " + on + "). If a new episode has begun since, enter the days since it began."
	}
	tests := []struct {
		name       string
		form       url.Values
		status     int
		want       onsetOf
		wantReview bool
		problem    string
	}{
		{
			name:   "first advice: the record starts on day 0",
			form:   url.Values{"days_since_onset": {"3"}},
			status: http.StatusOK, want: onsetOf{Box: "3", Hidden: "3@0"},
		},
		{
			name: "left as shown, a check-in 70 days on moves it on",
			form: url.Values{"days_since_onset": {"3"}, "onset_shown": {"3"}, "onset_day": {"0"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusOK, want: onsetOf{Box: "73", Hidden: "73@70", Note: moved("70", "3", "0")}, wantReview: true,
		},
		{
			name: "changed by the person: taken as given, on the check-in's day",
			form: url.Values{"days_since_onset": {"5"}, "onset_shown": {"3"}, "onset_day": {"0"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusOK, want: onsetOf{Box: "5", Hidden: "5@70"},
		},
		{
			name: "no record (a form from before it): not moved, recorded from now",
			form: url.Values{"days_since_onset": {"3"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusOK, want: onsetOf{Box: "3", Hidden: "3@70"},
		},
		{
			name: "answers changed with no new check-in: already up to date",
			form: url.Values{"days_since_onset": {"73"}, "onset_shown": {"73"}, "onset_day": {"70"},
				"check_in": {day0, day70}, "ci_day": {"77"}, "sex": {"female"}},
			status: http.StatusOK, want: onsetOf{Box: "73", Hidden: "73@70"}, wantReview: true,
		},
		{
			name: "0, the day it began, moves on too",
			form: url.Values{"days_since_onset": {"0"}, "onset_shown": {"0"}, "onset_day": {"0"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusOK, want: onsetOf{Box: "70", Hidden: "70@70", Note: moved("70", "0", "0")}, wantReview: true,
		},
		{
			// The default rules read long-standing, stable pain with an
			// onset of 0 as past eight weeks: moved on to 7, it lost the
			// review of that pain.
			name: "0 in long-standing, stable pain: left at 0, not to lose the review",
			form: url.Values{"days_since_onset": {"0"}, "onset_shown": {"0"}, "onset_day": {"0"}, "episode": {"long_standing_stable"},
				"check_in": {day0}, "ci_day": {"7"}, "ci_pain_level": {"5"}},
			status: http.StatusOK, want: onsetOf{Box: "0", Hidden: "0@7", Note: "Left at 0 for your check-in on day 7: read as 0, your answers get a referral they would not get if it were moved on. If you know the days since this episode began, enter them."}, wantReview: true,
		},
		{
			// Only a 0 is kept: 3 in the same pain moves on, though the
			// answers read with 0 would get the review.
			name: "3 in long-standing, stable pain: moved on",
			form: url.Values{"days_since_onset": {"3"}, "onset_shown": {"3"}, "onset_day": {"0"}, "episode": {"long_standing_stable"},
				"check_in": {day0}, "ci_day": {"7"}, "ci_pain_level": {"5"}},
			status: http.StatusOK, want: onsetOf{Box: "10", Hidden: "10@7", Note: moved("7", "3", "0")},
		},
		{
			name: "left empty: not known, nothing to move on",
			form: url.Values{"onset_shown": {"3"}, "onset_day": {"0"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusOK, want: onsetOf{},
		},
		{
			name: "never past the field's bound",
			form: url.Values{"days_since_onset": {"36495"}, "onset_shown": {"36495"}, "onset_day": {"0"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusOK, want: onsetOf{Box: "36500", Hidden: "36500@70", Note: moved("70", "36495", "0")}, wantReview: true,
		},
		{
			name: "a check-in with a problem still moves it to its day",
			form: url.Values{"days_since_onset": {"3"}, "onset_shown": {"3"}, "onset_day": {"0"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"eleven"}},
			status: http.StatusBadRequest, want: onsetOf{Box: "73", Hidden: "73@70", Note: moved("70", "3", "0")}, wantReview: true,
			problem: "Enter a whole number from 0 to 10.",
		},
		{
			name: "an earlier check-in that cannot be read: the record is kept as it came",
			form: url.Values{"days_since_onset": {"3"}, "onset_shown": {"3"}, "onset_day": {"0"},
				"check_in": {"{broken"}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusBadRequest, want: onsetOf{Box: "3", Hidden: "3@0"},
			problem: "is not a check-in",
		},
		{
			// Moved back to the refused day 7, 60 days on day 14 read as
			// 53, and the page of problems lost the review.
			name: "a check-in that goes backwards is refused: the record is kept as it came",
			form: url.Values{"days_since_onset": {"60"}, "onset_shown": {"60"}, "onset_day": {"14"},
				"check_in": {day0, `{"day":14,"pain_level":5}`}, "ci_day": {"7"}, "ci_pain_level": {"5"}},
			status: http.StatusBadRequest, want: onsetOf{Box: "60", Hidden: "60@14"}, wantReview: true,
			problem: "goes backwards",
		},
		{
			name: "a record that cannot be read is said, and not used",
			form: url.Values{"days_since_onset": {"3"}, "onset_shown": {"three"}, "onset_day": {"0"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusBadRequest, want: onsetOf{Box: "3", Hidden: "3@70"},
			problem: "The page&#39;s record of the day this answer was given could not be read",
		},
		{
			name: "half a record cannot be read either",
			form: url.Values{"days_since_onset": {"3"}, "onset_day": {"0"},
				"check_in": {day0}, "ci_day": {"70"}, "ci_pain_level": {"5"}},
			status: http.StatusBadRequest, want: onsetOf{Box: "3", Hidden: "3@70"},
			problem: "The page&#39;s record of the day this answer was given could not be read",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := withForm(url.Values{"conditions": {"chronic_stiffness"}, "pain_level": {"5"}}, tt.form)
			rec := post(h, form)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body:\n%s", rec.Code, tt.status, body)
			}
			if diff := cmp.Diff(tt.want, pageOnset(body)); diff != "" {
				t.Errorf("days since onset on the page (-want +got):\n%s", diff)
			}
			if got := strings.Contains(body, review); got != tt.wantReview {
				t.Errorf("the review of pain past eight weeks on the page: %v, want %v", got, tt.wantReview)
			}
			if tt.problem != "" && !strings.Contains(body, tt.problem) {
				t.Errorf("the page lacks the problem %q", tt.problem)
			}
			if tt.want.Note != "" && !strings.Contains(body, `aria-describedby="days_since_onset-hint days_since_onset-note"`) {
				t.Errorf("the days since onset are not described by their note")
			}
		})
	}
}

// TestOnsetRecordNamingARedFlag sends a red flag in the hidden onset
// record, which the page reads no number from: it counts, as in any other
// box that wants a number.
func TestOnsetRecordNamingARedFlag(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	for _, field := range []string{"onset_shown", "onset_day", "pain_shown"} {
		t.Run(field, func(t *testing.T) {
			form := url.Values{"conditions": {"chronic_stiffness"}, "days_since_onset": {"3"}, "onset_shown": {"3"}, "onset_day": {"0"}, "pain_level": {"3"}, "pain_shown": {"3"}}
			form[field] = []string{"saddle numbness"}
			body := post(h, form).Body.String()
			if !strings.Contains(body, "Emergency: get help now") {
				t.Errorf("a red flag in %s does not reach the emergency:\n%s", field, body)
			}
		})
	}
}

var (
	painBoxRE    = regexp.MustCompile(`<input type="text" id="pain_level" name="pain_level"[^>]* value="([^"]*)"`)
	painHiddenRE = regexp.MustCompile(`<input type="hidden" name="pain_shown" value="([^"]*)">`)
	painNoteRE   = regexp.MustCompile(`<p class="note" id="pain_level-note">([^<]*)</p>`)
)

func pagePain(body string) onsetOf {
	var o onsetOf
	for _, f := range []struct {
		re *regexp.Regexp
		to *string
	}{{painBoxRE, &o.Box}, {painHiddenRE, &o.Hidden}, {painNoteRE, &o.Note}} {
		if m := f.re.FindStringSubmatch(body); m != nil {
			*f.to = html.UnescapeString(m[1])
		}
	}
	return o
}

// TestPainFollowsCheckIns posts the pain now with the hidden record of the
// page that showed it: left as shown, it takes the pain of the check-in
// the post adds, and says so; changed, it is taken as given, and the
// higher of the two is read. Without it, a pain of 8 typed on the first
// day outweighed a check-in's 4, and the page cautioned that the pain was
// high.
func TestPainFollowsCheckIns(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	const high = "Your pain is high today."
	const fracture = "A bone in the spine can break without a fall"
	day0 := `{"day":0,"pain_level":8}`
	tests := []struct {
		name     string
		form     url.Values
		status   int
		want     onsetOf
		wantHigh bool
		// wantFracture is true when the page gives the fracture check
		// of severe pain with osteoporosis.
		wantFracture bool
		problem      string
	}{
		{
			name:   "first advice: the record starts",
			form:   url.Values{"pain_level": {"8"}},
			status: http.StatusOK, want: onsetOf{Box: "8", Hidden: "8"}, wantHigh: true,
		},
		{
			name:   "left as shown, a check-in's pain of 4 is the pain now",
			form:   url.Values{"pain_level": {"8"}, "pain_shown": {"8"}, "check_in": {day0}, "ci_day": {"7"}, "ci_pain_level": {"4"}},
			status: http.StatusOK, want: onsetOf{Box: "4", Hidden: "4", Note: "Brought up to date with your check-in on day 7 (it was 8). Change it if your pain now is different."},
		},
		{
			name:   "a check-in's higher pain is the pain now too",
			form:   url.Values{"pain_level": {"3"}, "pain_shown": {"3"}, "check_in": {day0}, "ci_day": {"7"}, "ci_pain_level": {"9"}},
			status: http.StatusOK, want: onsetOf{Box: "9", Hidden: "9", Note: "Brought up to date with your check-in on day 7 (it was 3). Change it if your pain now is different."}, wantHigh: true,
		},
		{
			name:   "changed by the person: taken as given, the higher read",
			form:   url.Values{"pain_level": {"9"}, "pain_shown": {"8"}, "check_in": {day0}, "ci_day": {"7"}, "ci_pain_level": {"4"}},
			status: http.StatusOK, want: onsetOf{Box: "9", Hidden: "9"}, wantHigh: true,
		},
		{
			name:   "no record (a form from before it): left, the higher read",
			form:   url.Values{"pain_level": {"8"}, "check_in": {day0}, "ci_day": {"7"}, "ci_pain_level": {"4"}},
			status: http.StatusOK, want: onsetOf{Box: "8", Hidden: "8"}, wantHigh: true,
		},
		{
			name:   "no new check-in: left as it is",
			form:   url.Values{"pain_level": {"8"}, "pain_shown": {"8"}, "check_in": {day0}, "ci_day": {"7"}},
			status: http.StatusOK, want: onsetOf{Box: "8", Hidden: "8"}, wantHigh: true,
		},
		{
			name:   "a check-in with a problem: left as it is",
			form:   url.Values{"pain_level": {"8"}, "pain_shown": {"8"}, "check_in": {day0}, "ci_day": {"7"}, "ci_pain_level": {"4"}, "ci_function": {"eleven"}},
			status: http.StatusBadRequest, want: onsetOf{Box: "8", Hidden: "8"},
			problem: "Enter a whole number from 0 to 10.",
		},
		{
			// The check-in is refused: read with its pain of 2, the page
			// of problems lost the fracture check of pain 8 with
			// osteoporosis.
			name: "a check-in that goes backwards: left as it is",
			form: url.Values{"pain_level": {"8"}, "pain_shown": {"8"}, "conditions": {"osteoporosis"}, "days_since_onset": {"20"},
				"check_in": {day0, `{"day":14,"pain_level":8}`}, "ci_day": {"7"}, "ci_pain_level": {"2"}},
			status: http.StatusBadRequest, want: onsetOf{Box: "8", Hidden: "8"}, wantFracture: true,
			problem: "goes backwards",
		},
		{
			name:   "a record that cannot be read is said, and not used",
			form:   url.Values{"pain_level": {"8"}, "pain_shown": {"11"}, "check_in": {day0}, "ci_day": {"7"}, "ci_pain_level": {"4"}},
			status: http.StatusBadRequest, want: onsetOf{Box: "8", Hidden: "8"},
			problem: "The page&#39;s record of the pain it showed could not be read",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := withForm(url.Values{"conditions": {"chronic_stiffness"}}, tt.form)
			rec := post(h, form)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d; body:\n%s", rec.Code, tt.status, body)
			}
			if diff := cmp.Diff(tt.want, pagePain(body)); diff != "" {
				t.Errorf("pain now on the page (-want +got):\n%s", diff)
			}
			// A page with problems shows the referrals only, without the
			// caution.
			if got := strings.Contains(body, high); got != tt.wantHigh {
				t.Errorf("the high-pain caution on the page: %v, want %v", got, tt.wantHigh)
			}
			if got := strings.Contains(body, fracture); got != tt.wantFracture {
				t.Errorf("the fracture check on the page: %v, want %v", got, tt.wantFracture)
			}
			if tt.problem != "" && !strings.Contains(body, tt.problem) {
				t.Errorf("the page lacks the problem %q", tt.problem)
			}
		})
	}
}

// TestProgrammeDay checks the day a post's answers hold on: the new
// check-in's, a check-in with problems' own day when it can be read, else
// the latest earlier one's, 0 before the first, and not known when an
// earlier check-in cannot be read.
func TestProgrammeDay(t *testing.T) {
	earlier := []recommend.CheckIn{{Day: 0, PainLevel: 5}, {Day: 7, PainLevel: 4}}
	dayProblem := []problem{{fieldCIDay, "Enter a whole number from 0 to 3650."}}
	painProblem := []problem{{fieldCIPain, "Enter a whole number from 0 to 10."}}
	tests := []struct {
		name    string
		c       checkInEntries
		earlier []recommend.CheckIn
		eprobs  []problem
		ci      *recommend.CheckIn
		cprobs  []problem
		want    int
		wantOK  bool
	}{
		{"before the first check-in", checkInEntries{}, nil, nil, nil, nil, 0, true},
		{"the latest earlier check-in", checkInEntries{day: []string{"14"}}, earlier, nil, nil, nil, 7, true},
		{"the new check-in", checkInEntries{}, earlier, nil, &recommend.CheckIn{Day: 21}, nil, 21, true},
		{"a new check-in with problems, its day read", checkInEntries{day: []string{" 21 "}}, earlier, nil, nil, painProblem, 21, true},
		{"a new check-in with problems, its day blank", checkInEntries{day: []string{""}}, earlier, nil, nil, painProblem, 0, false},
		{"a new check-in with problems, no day sent", checkInEntries{}, earlier, nil, nil, painProblem, 0, false},
		{"one earlier check-in", checkInEntries{}, earlier[1:], nil, nil, nil, 7, true},
		{"a new check-in whose day has a problem", checkInEntries{day: []string{"21"}}, earlier, nil, nil, dayProblem, 0, false},
		{"a new check-in whose day cannot be read", checkInEntries{day: []string{"soon"}}, earlier, nil, nil, painProblem, 0, false},
		{"a new check-in before the latest earlier one", checkInEntries{}, earlier, nil, &recommend.CheckIn{Day: 3}, nil, 3, false},
		{"a new check-in on the latest earlier one's day", checkInEntries{}, earlier, nil, &recommend.CheckIn{Day: 7}, nil, 7, true},
		{"a new check-in with problems, its day before the latest earlier one", checkInEntries{day: []string{"3"}}, earlier, nil, nil, painProblem, 3, false},
		{"an earlier check-in that cannot be read", checkInEntries{}, nil, []problem{{fieldCheckIn, "x"}}, &recommend.CheckIn{Day: 21}, nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			day, ok := programmeDay(tt.c, tt.earlier, tt.eprobs, tt.ci, tt.cprobs)
			if diff := cmp.Diff([2]any{tt.want, tt.wantOK}, [2]any{day, ok}); diff != "" {
				t.Errorf("programmeDay (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMoveOnsetOn checks the move itself, for what the handler tests above
// reach only in part: a day that cannot be told, a day before the record's,
// and records that cannot be read.
func TestMoveOnsetOn(t *testing.T) {
	type want struct {
		Box      string
		Next     *onsetState
		Problems int
		Noted    bool
	}
	tests := []struct {
		name         string
		box          []string
		shown, onDay []string
		today        int
		ok           bool
		want         want
	}{
		{"unchanged, day not known: the record carried as it came", []string{"3"}, []string{"3"}, []string{"0"}, 0, false,
			want{Box: "3", Next: &onsetState{3, 0}}},
		{"changed, day not known: no record", []string{"5"}, []string{"3"}, []string{"0"}, 0, false, want{Box: "5"}},
		{"no record, day not known: no record", []string{"5"}, nil, nil, 0, false, want{Box: "5"}},
		{"unchanged, a day before the record's: moved back", []string{"10"}, []string{"10"}, []string{"14"}, 7, true,
			want{Box: "3", Next: &onsetState{3, 7}, Noted: true}},
		{"unchanged, before it began: taken as given", []string{"3"}, []string{"3"}, []string{"14"}, 7, true,
			want{Box: "3", Next: &onsetState{3, 7}}},
		{"unchanged, back to the day it began: 0", []string{"7"}, []string{"7"}, []string{"7"}, 0, true,
			want{Box: "0", Next: &onsetState{0, 0}, Noted: true}},
		{"0 and a record unreadable: not moved", []string{"0"}, []string{"x"}, []string{"0"}, 70, true,
			want{Box: "0", Next: &onsetState{0, 70}, Problems: 1}},
		{"0 and a record unreadable, day not known: no record", []string{"0"}, []string{"x"}, []string{"0"}, 70, false,
			want{Box: "0", Problems: 1}},
		{"unchanged, the same day: as it is", []string{"3"}, []string{"3"}, []string{"7"}, 7, true,
			want{Box: "3", Next: &onsetState{3, 7}}},
		{"unchanged, later: moved on", []string{"3"}, []string{"3"}, []string{"7"}, 70, true,
			want{Box: "66", Next: &onsetState{66, 70}, Noted: true}},
		{"not a number: no record", []string{"three"}, []string{"3"}, []string{"0"}, 70, true, want{Box: "three"}},
		{"blank: no record", []string{""}, []string{"3"}, []string{"0"}, 70, true, want{Box: ""}},
		{"record unreadable: said, not moved", []string{"3"}, []string{"3"}, []string{"-1"}, 70, true,
			want{Box: "3", Next: &onsetState{3, 70}, Problems: 1}},
		{"half a record: said, not moved", []string{"3"}, nil, []string{"0"}, 70, true,
			want{Box: "3", Next: &onsetState{3, 70}, Problems: 1}},
		{"a blank record: said, not moved", []string{"3"}, []string{""}, []string{"0"}, 70, true,
			want{Box: "3", Next: &onsetState{3, 70}, Problems: 1}},
		{"a record of two blanks: none", []string{"3"}, []string{""}, []string{" "}, 70, true,
			want{Box: "3", Next: &onsetState{3, 70}}},
		{"a record past the bound: said, not moved", []string{"3"}, []string{"3"}, []string{"3651"}, 70, true,
			want{Box: "3", Next: &onsetState{3, 70}, Problems: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newEntries()
			in.numbers[fieldOnset] = tt.box
			in.ci.onsetShown, in.ci.onsetDay = tt.shown, tt.onDay
			probs := in.moveOnsetOn(tt.today, tt.ok)
			got := want{Next: in.ci.onsetNext, Problems: len(probs), Noted: in.onsetNote != ""}
			if len(in.numbers[fieldOnset]) > 0 {
				got.Box = in.numbers[fieldOnset][0]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("moveOnsetOn (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFollowCheckInPain checks the pain now against the check-in a post
// adds, for what the handler test above reaches only in part.
func TestFollowCheckInPain(t *testing.T) {
	type want struct {
		Box      string
		Next     *int
		Problems int
		Noted    bool
	}
	n := func(v int) *int { return &v }
	ci := func(pain int) *recommend.CheckIn { return &recommend.CheckIn{Day: 7, PainLevel: pain} }
	tests := []struct {
		name       string
		box, shown []string
		ci         *recommend.CheckIn
		want       want
		dayOK      bool
	}{
		{"unchanged: the check-in's pain", []string{"8"}, []string{"8"}, ci(4), want{Box: "4", Next: n(4), Noted: true}, true},
		{"unchanged from 0", []string{"0"}, []string{"0"}, ci(3), want{Box: "3", Next: n(3), Noted: true}, true},
		{"the same as the check-in's: no note", []string{"4"}, []string{"4"}, ci(4), want{Box: "4", Next: n(4)}, true},
		{"changed: as given", []string{"9"}, []string{"8"}, ci(4), want{Box: "9", Next: n(9)}, true},
		{"no check-in: as it is", []string{"8"}, []string{"8"}, nil, want{Box: "8", Next: n(8)}, true},
		{"a blank record is none", []string{"8"}, []string{" "}, ci(4), want{Box: "8", Next: n(8)}, true},
		{"blank: nothing to follow", []string{""}, []string{"0"}, ci(3), want{Box: ""}, true},
		{"out of range: nothing to carry", []string{"11"}, nil, nil, want{Box: "11"}, true},
		{"a record out of range: said", []string{"8"}, []string{"11"}, ci(4), want{Box: "8", Next: n(8), Problems: 1}, true},
		{"the day cannot be told: as it is", []string{"8"}, []string{"8"}, ci(2), want{Box: "8", Next: n(8)}, false},
		{"a record not a number: said", []string{"8"}, []string{"eight"}, ci(4), want{Box: "8", Next: n(8), Problems: 1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newEntries()
			in.numbers[fieldPain] = tt.box
			in.ci.painShown = tt.shown
			probs := in.followCheckInPain(tt.ci, tt.dayOK)
			got := want{Next: in.ci.painNext, Problems: len(probs), Noted: in.painNote != ""}
			if len(in.numbers[fieldPain]) > 0 {
				got.Box = in.numbers[fieldPain][0]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("followCheckInPain (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCheckInMovementNamingARedFlag sends a red flag as a check-in's
// movement with nothing reported for it: not a movement of the rule set,
// nothing else reads it, so it counts as a red flag, as in any other field
// the page cannot read. It got a 200 with no referral.
func TestCheckInMovementNamingARedFlag(t *testing.T) {
	h := newHandler(t, defaultEngine(t))
	for _, id := range []string{"saddle_numbness", "numb bum", "saddle numbness"} {
		t.Run(id, func(t *testing.T) {
			body := post(h, url.Values{"conditions": {"chronic_stiffness"}, "ci_movement": {"walking", id}}).Body.String()
			if !strings.Contains(body, "Emergency: get help now") {
				t.Errorf("ci_movement=%q does not reach the emergency:\n%s", id, body)
			}
		})
	}
}
