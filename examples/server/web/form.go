package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/backrules/backrules/internal/httpin"
	"github.com/backrules/backrules/internal/namedterms"
	"github.com/backrules/backrules/recommend"
)

// Reading a post. A part of the form that cannot be read (a malformed
// %-escape, a semicolon) and a form over MaxFormBytes are refused, each
// with a problem that says where, but never hide what the rest of the
// form says: the parts that can be read are read, and the page shows the
// referrals of them above the problems, as it does for any other mistake.

// errFormTooLarge is the message of a form over MaxFormBytes.
var errFormTooLarge = fmt.Sprintf("the form is too large, the most is %d bytes", MaxFormBytes)

// readForm reads the body of a post, at most MaxFormBytes, as a form: the
// values of the parts it can read, and a problem for each part it cannot
// (see formValues). A body over MaxFormBytes is read as if it ended at
// the last '&' of its first MaxFormBytes, since the limit may cut the
// part after it short (of pain_level=10 it may leave pain_level=1), with
// a problem that says so; over reports it. unread is the text of what
// was received and not read (each part that cannot be read, and the part
// the limit cut), as httpin.Text gives it, for the red flags it names.
// err is a failure to read the body.
func readForm(w http.ResponseWriter, r *http.Request) (vals url.Values, probs []problem, unread []string, over bool, err error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxFormBytes))
	if over = errors.As(err, new(*http.MaxBytesError)); over {
		cut := bytes.LastIndexByte(body, '&') + 1
		unread = append(unread, httpin.Text(string(body[cut:])))
		body = body[:cut]
		probs = append(probs, problem{"", fmt.Sprintf("The form is larger than %d bytes, the most this page reads: "+
			"only its first %d bytes were read, and nothing after them. Send a shorter form.", MaxFormBytes, len(body))})
	} else if err != nil {
		return nil, nil, nil, false, err
	}
	vals, parts := formValues(string(body))
	for _, u := range parts {
		probs = append(probs, problem{u.field, fmt.Sprintf("This answer could not be read (%s at byte %d of the form: %s), "+
			"so nothing it says was used: send the form again.", strconv.Quote(cutField(u.text)), u.offset, u.why)})
		unread = append(unread, httpin.Text(u.text))
	}
	return vals, probs, unread, over, nil
}

// unreadPart is a part of a form or a query that cannot be read.
type unreadPart struct {
	// field is the part's key, unescaped when it can be, as written
	// otherwise.
	field string
	// text is the part as written, offset where it starts.
	text   string
	offset int
	// why says what is wrong with it.
	why string
}

// formValues reads s, a form body or a query, as url.ParseQuery does,
// but returns every part it cannot read, rather than the first error: a
// part with a malformed %-escape in its key or value, or with a
// semicolon, which url.ParseQuery does not take for a separator. Empty
// parts ("a=1&&b=2") are no parts.
func formValues(s string) (url.Values, []unreadPart) {
	vals := url.Values{}
	var unread []unreadPart
	for p := range httpin.Parts(s) {
		switch p.Problem {
		case httpin.Semicolon:
			unread = append(unread, unreadPart{p.Key, p.Raw, p.Offset, "a semicolon does not separate the parts of a form: use &"})
		case httpin.BadEscape:
			unread = append(unread, unreadPart{p.Key, p.Raw, p.Offset, "a % must start an escape such as %20"})
		default:
			vals[p.Key] = append(vals[p.Key], p.Value)
		}
	}
	return vals, unread
}

// FormAnswers returns what the page counts toward the referrals of form,
// a form body or a query that is not read as answers, as it counts those
// of its own address (a GET with answers in it): a profile, for
// recommend.Engine.Triage, of the red flags and the conditions that can
// change a referral that form names anywhere
// (recommend.Engine.NamedRedFlags, recommend.Engine.NamedReferralConditions),
// and of the numbers and the choices it gives, each number as typed (a
// pain of 11 as Triage reads it) and a field given more than once as the
// value whose referrals are the most pressing
// (recommend.Engine.CountRepeated), and of the entries of its lists
// that the vocabulary lacks, each read as the page reads it (a typo as
// what its "did you mean" names). given holds each number and choice
// field counted, with the values form gives it, and each list field
// with the entries it gives that the vocabulary lacks; a number field
// none of whose values can be read as a number (NaN, text) is not
// counted, and not in given. A part of form that cannot be read as a form is read
// only for the terms it names.
func FormAnswers(eng *recommend.Engine, form string) (p recommend.Profile, given url.Values) {
	p, in, _ := addressAnswers(eng, form, inBody)
	p, _ = in.triageProfile(eng, p, true)
	for _, f := range numberFields {
		vals := in.numbers[f.name]
		if slices.ContainsFunc(vals, func(v string) bool { _, ok := typedNumber([]string{v}, f.whole); return ok }) {
			given = addGiven(given, f.name, vals)
		}
	}
	for _, f := range choiceFields {
		if vals := in.lists[f.name]; len(vals) > 0 {
			given = addGiven(given, f.name, vals)
		}
	}
	for _, f := range listFields {
		if unknown := entriesOf(in.unknown, f.name); len(unknown) > 0 {
			given = addGiven(given, f.name, unknown)
		}
	}
	return p, given
}

// JoinForm returns p, what one part of a request gave (a form, or a JSON
// profile), with what FormAnswers counts of form, another part that is
// not read as answers (the address), joined to it, so that neither part
// lowers a referral the other reports: the red flags and the conditions
// p lacks are added (namedterms.JoinProfile), and each number and choice
// form gives is counted with p's, when p gives one, as a field given
// twice is, as the value whose referrals are the most pressing
// (recommend.Engine.CountRepeated): with belly pain, a pain of 9 in the
// address and of 3 in the form count as 9.
func JoinForm(eng *recommend.Engine, p recommend.Profile, form string) recommend.Profile {
	fp, given := FormAnswers(eng, form)
	namedterms.JoinProfile(&p, fp)
	var reps []recommend.Repeated
	for _, f := range numberFields {
		if vals := given[f.name]; len(vals) > 0 {
			if v := numberText(p, f.name); v != "" {
				vals = append([]string{v}, vals...)
			}
			reps = append(reps, recommend.Repeated{Field: f.name, Values: vals})
		}
	}
	for _, f := range choiceFields {
		if vals := given[f.name]; len(vals) > 0 {
			if v := choiceOf(p, f.name); v != "" {
				vals = append([]string{v}, vals...)
			}
			reps = append(reps, recommend.Repeated{Field: f.name, Values: vals})
		}
	}
	if len(reps) > 0 {
		p, _ = eng.CountRepeated(p, reps)
	}
	return p
}

// numberText returns the number field named name of p as text, or ""
// when p does not give it (0: Profile has no other way to say so).
func numberText(p recommend.Profile, name string) string {
	var v float64
	switch name {
	case "pain_level":
		v = float64(p.PainLevel)
	case "days_since_onset":
		v = float64(p.DaysSinceOnset)
	case "sitting_hours":
		v = p.SittingHours
	case "age":
		v = float64(p.Age)
	case "pregnancy_week":
		v = float64(p.PregnancyWeek)
	}
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// choiceOf returns the choice field named name of p.
func choiceOf(p recommend.Profile, name string) string {
	switch name {
	case "sex":
		return p.Sex
	case "episode":
		return p.Episode
	}
	return ""
}

// addGiven returns given, made when it is nil, with the values vals of
// the field name.
func addGiven(given url.Values, name string, vals []string) url.Values {
	if given == nil {
		given = url.Values{}
	}
	given[name] = slices.Clone(vals)
	return given
}
