package cdshooks

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backrules/backrules/recommend"
)

// PrefetchPainScores is the prefetch key of the patient's pain scores:
// FHIR Observations of LOINC 72514-3, pain severity on a 0 to 10 verbal
// numeric rating scale, as reported by the patient. The key is optional:
// without it the service reads no pain scores and the profile has no
// check-ins.
const PrefetchPainScores = "painScores"

// CurrentPainScoreDays is how many days before today the latest pain
// score may be for the scores to be used: a programme whose latest check-in
// is older says nothing of the pain now (see Mapping.SkippedPainScores).
const CurrentPainScoreDays = 28

// The LOINC code of a pain severity score, and its system.
const (
	loincSystem   = "http://loinc.org"
	loincPainCode = "72514-3"
)

// painScoresQuery is the FHIR search of the pain scores prefetch: the
// latest recommend.MaxCheckIns scores, newest first, which are all a
// programme holds. Every score, oldest first, would make the call of a
// patient with years of scores larger than the service reads (a 413 that
// the referral cards would go with), and its first page, when the client
// pages it, the oldest scores.
var painScoresQuery = painScoresSearch("{{context.patientId}}", loincSystem+"|"+loincPainCode)

// painScoresSearch is the search of the pain scores of patient pid with
// code, a token (system|code), each as the query carries it: the
// prefetch template (painScoresQuery) and the read from the client's
// FHIR server (fetchMissing) both ask it.
func painScoresSearch(pid, code string) string {
	return "Observation?patient=" + pid + "&code=" + code + "&_sort=-date&_count=" + strconv.Itoa(recommend.MaxCheckIns)
}

// PainScoreNote is an entry of the pain scores prefetch that the service
// left out, or could not read.
type PainScoreNote struct {
	// Entry is the JSON path of the Observation in the request, such as
	// "prefetch.painScores.entry[2].resource", or of the prefetch itself
	// when the whole Bundle could not be used.
	Entry string `json:"entry"`
	// ID is the Observation's id, if it has one.
	ID string `json:"id,omitempty"`
	// Reason says why.
	Reason string `json:"reason"`
}

// fhirObservation is a FHIR R4 Observation, as far as the service reads
// it.
type fhirObservation struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id"`
	Status       string       `json:"status"`
	Code         *fhirConcept `json:"code"`
	Subject      *struct {
		Reference string `json:"reference"`
	} `json:"subject"`
	EffectiveDateTime string `json:"effectiveDateTime"`
	EffectiveInstant  string `json:"effectiveInstant"`
	EffectivePeriod   *struct {
		Start string `json:"start"`
	} `json:"effectivePeriod"`
	ValueQuantity *struct {
		Value      *float64 `json:"value"`
		Unit       *string  `json:"unit"`
		Code       *string  `json:"code"`
		Comparator *string  `json:"comparator"`
	} `json:"valueQuantity"`
	ValueInteger     *float64     `json:"valueInteger"`
	DataAbsentReason *fhirConcept `json:"dataAbsentReason"`
}

// observationStatuses are the codes of Observation.status in FHIR R4, and
// whether an Observation with each counts as a pain score.
var observationStatuses = map[string]bool{
	"registered": false, "preliminary": true, "final": true, "amended": true,
	"corrected": true, "cancelled": false, "entered-in-error": false, "unknown": true,
}

// fhirDateTime is the date part of a FHIR dateTime or instant that gives
// at least a day.
var fhirDateTime = regexp.MustCompile(`^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T.*)?$`)

// painScore is one pain score read from an Observation.
type painScore struct {
	date time.Time // the day, as the client wrote it, at midnight UTC
	// at is the full time the score was taken, when the Observation gives
	// one, and zero when it gives only a day: it orders the scores of one
	// day.
	at    time.Time
	level int
	entry int
	id    string // the Observation's id, or ""
}

// laterScore orders pain scores oldest first: by the day as written, then,
// within a day, by the full time (a score that gives only its day first),
// whatever their order in the Bundle. Scores of equal times keep their
// order, with a stable sort.
func laterScore(a, b painScore) int {
	if c := a.date.Compare(b.date); c != 0 {
		return c
	}
	return a.at.Compare(b.at)
}

// timeLayouts are the layouts of a FHIR dateTime or instant with a time
// of day: with its zone, as FHIR asks, or without (read as UTC).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"}

// painScores reads the pain scores prefetch into the profile's check-ins:
// one check-in a score, day 0 the date of the first (oldest) score used,
// and pain_level the score, with no movements done. It follows the rules
// of the conditions prefetch:
//
//   - JSON null, or no key, means no pain scores;
//   - a value of the wrong type, a key given twice or in the wrong case,
//     a resourceType that is missing or misspelled, and an Observation
//     whose subject is not the patient in context cost only the pain
//     scores, never the Conditions' referrals: such an Observation is
//     listed in Mapping.UnreadPainScores and not used, and for the others
//     painScores returns an error, which MapRequest lists there with no
//     score used;
//   - an Observation that is entered-in-error, cancelled or only
//     registered, and one with a dataAbsentReason and no value is left
//     out, and listed in Mapping.SkippedPainScores, as is an Observation
//     sent twice (the same id, date and score as an earlier entry), which
//     is counted once;
//   - an Observation whose coding has the code 72514-3 with no system, or
//     with LOINC written another way, is read, and listed in
//     Mapping.AssumedPainScores; one of another code is listed in
//     Mapping.UnreadPainScores (the search asked for 72514-3 only);
//   - an Observation whose status, value (a whole number from 0 to 10, in
//     valueQuantity.value, of a 0 to 10 score's unit or none, or
//     valueInteger) or date (effectiveDateTime,
//     effectiveInstant or effectivePeriod.start, to the day) cannot be
//     read, one dated after the day of now (by the date as written, with a
//     day's leeway for the patient's time zone: a future date is a
//     mistake, and as the latest score it would hide the real trend and
//     push real scores out of the programme), an OperationOutcome in place of the Bundle or of severity
//     error or fatal in it, and a Bundle with a next link, or whose
//     total is more than the Observations it holds, that does not hold
//     the latest recommend.MaxCheckIns scores newest first, are listed in
//     Mapping.UnreadPainScores. A Bundle that does, as the prefetch asks
//     (_sort=-date&_count=52), holds all a programme would: the others
//     are older, and are noted in Mapping.SkippedPainScores. The scores that can be read are still
//     used, so that every review they call for stands; since a score left
//     out could hide a worsening or a lack of improvement, the service
//     also says that the trend was assessed without some scores (see
//     Service), and every other card stands.
//
// At most recommend.MaxCheckIns scores are used, the latest, over at most
// recommend.MaxCheckInDay days before the latest; older ones are listed in
// Mapping.SkippedPainScores. When the latest score is more than
// CurrentPainScoreDays before today, none is used, and every one is listed
// there: the rules read the latest check-in's pain as the pain now (see
// recommend.Profile.PainLevel), which a score of long ago is not.
func (m *Mapping) painScores(raw json.RawMessage, pid string, now time.Time) error {
	const at = "prefetch." + PrefetchPainScores
	if isNull(raw) {
		return nil
	}
	var b fhirBundle
	if err := decodeAt(raw, at, &b); err != nil {
		return err
	}
	unread := func(entry, id, format string, args ...any) {
		m.UnreadPainScores = append(m.UnreadPainScores, PainScoreNote{Entry: entry, ID: id, Reason: fmt.Sprintf(format, args...)})
	}
	switch b.ResourceType {
	case "Bundle":
	case "OperationOutcome":
		unread(at, "", "an OperationOutcome in place of the pain scores: they could not be fetched")
		return nil
	default:
		return badRequest(at+".resourceType", "must be \"Bundle\", the result of the search, found %s", quote(b.ResourceType))
	}
	if b.Total != nil && *b.Total < 0 {
		return badRequest(at+".total", "must not be negative, found %d", *b.Total)
	}
	var scores []painScore
	var patients map[string]bool // see fhirBundle.patients
	matches := 0
	for e := range b.entries(at) {
		if e.bad != nil {
			// Pain scores call for no referral that a red flag would:
			// one that cannot be read costs the scores (see MapRequest).
			return e.bad
		}
		path := e.path
		switch {
		case e.empty:
			unread(path, "", "the entry has no resource: nothing to read")
			continue
		case e.unread != "":
			unread(path, "", "%s", e.unread)
			continue
		}
		switch e.typ {
		case "Observation":
		case "OperationOutcome":
			why, err := failedSearch(e.resource, path)
			if err != nil {
				return err
			}
			if why != "" {
				unread(path, "", "%s: the client could not fetch every pain score", why)
			}
			continue
		default:
			if strings.EqualFold(e.typ, "Observation") {
				return badRequest(path+".resourceType", "%s is not a FHIR resource type: resource types are case-sensitive, such as \"Observation\"", quote(e.typ))
			}
			if err := resourceType(e.typ, path); err != nil {
				return err
			}
			continue // an included resource
		}
		if e.match {
			matches++
		}
		var o fhirObservation
		bad, err := readPart(e.resource, path, &o)
		if err != nil {
			return err
		}
		if bad != nil {
			// A value of the wrong type costs only this score.
			unread(path, "", "%s", unreadWhy(bad, path))
			continue
		}
		if o.Subject != nil && o.Subject.Reference != "" {
			if patients == nil {
				patients = b.patients(pid)
			}
			if whose := subjectDoubt(o.Subject.Reference, pid, patients); whose != "" {
				// Not the patient's for certain: not used for the trend,
				// and said so, as a score that cannot be read.
				unread(path, o.ID, "%s: the score is not used", whose)
				continue
			}
		}
		s, skip, why, assumed := readPainScore(o)
		if why == "" && !skip && future(s.date, now) {
			why = fmt.Sprintf("it is dated %s, after today (%s): a date in the future is a mistake, and the score is not used", s.date.Format(time.DateOnly), now.UTC().Format(time.DateOnly))
		}
		switch {
		case skip:
			m.SkippedPainScores = append(m.SkippedPainScores, PainScoreNote{Entry: path, ID: o.ID, Reason: why})
		case why != "":
			unread(path, o.ID, "%s", why)
		default:
			if assumed != "" {
				m.AssumedPainScores = append(m.AssumedPainScores, PainScoreNote{Entry: path, ID: o.ID, Reason: assumed})
			}
			s.entry, s.id = e.index, o.ID
			if k := sentTwice(scores, s); k >= 0 {
				m.SkippedPainScores = append(m.SkippedPainScores, PainScoreNote{Entry: path, ID: o.ID,
					Reason: fmt.Sprintf("the same Observation as %s.entry[%d].resource (the same id, date and score), sent twice: it is counted once", at, scores[k].entry)})
				continue
			}
			scores = append(scores, s)
		}
	}
	// A page of several, or a Bundle that says it lacks some, holds all
	// a programme would when it holds the latest recommend.MaxCheckIns
	// scores newest first, as the prefetch asks: the others are older.
	// Otherwise a score left out could hide the trend.
	paged, short := b.next() != "", b.Total != nil && *b.Total > matches
	switch {
	case (paged || short) && len(scores) >= recommend.MaxCheckIns && newestFirst(scores):
		m.SkippedPainScores = append(m.SkippedPainScores, PainScoreNote{Entry: at,
			Reason: fmt.Sprintf("the scores the Bundle does not hold are older than the %d latest it holds, newest first, which are all a programme holds", recommend.MaxCheckIns)})
	case paged:
		unread(at, "", "the Bundle is one page of several (it has a next link) without the %d latest pain scores, newest first: send them in one Bundle", recommend.MaxCheckIns)
	case short:
		unread(at+".total", "", "the Bundle says the search matched %d Observations but holds %d, without the %d latest pain scores, newest first: send them in one Bundle", *b.Total, matches, recommend.MaxCheckIns)
	}
	if len(scores) == 0 {
		return nil
	}
	slices.SortStableFunc(scores, laterScore)
	latest := scores[len(scores)-1].date
	if age := days(latest, now.UTC().Truncate(24*time.Hour)); age > CurrentPainScoreDays {
		// The latest score is not how the pain is now, and the trend
		// ended long ago: the rules read the latest check-in's pain as
		// the pain now, which an old score would make "new severe pain".
		for _, s := range scores {
			m.SkippedPainScores = append(m.SkippedPainScores, PainScoreNote{Entry: fmt.Sprintf("%s.entry[%d].resource", at, s.entry),
				Reason: fmt.Sprintf("the latest pain score is %d days old, more than %d: the scores do not say how the pain is now", age, CurrentPainScoreDays)})
		}
		slices.SortStableFunc(m.SkippedPainScores, func(a, b PainScoreNote) int { return cmp.Compare(entryIndex(a.Entry), entryIndex(b.Entry)) })
		return nil
	}
	first := max(0, len(scores)-recommend.MaxCheckIns)
	for first < len(scores) && days(scores[first].date, latest) > recommend.MaxCheckInDay {
		first++
	}
	for _, s := range scores[:first] {
		m.SkippedPainScores = append(m.SkippedPainScores, PainScoreNote{Entry: fmt.Sprintf("%s.entry[%d].resource", at, s.entry),
			Reason: fmt.Sprintf("older than the %d latest pain scores over at most %d days that a programme holds", recommend.MaxCheckIns, recommend.MaxCheckInDay)})
	}
	slices.SortStableFunc(m.SkippedPainScores, func(a, b PainScoreNote) int { return cmp.Compare(entryIndex(a.Entry), entryIndex(b.Entry)) })
	for _, s := range scores[first:] {
		m.Profile.CheckIns = append(m.Profile.CheckIns, recommend.CheckIn{Day: days(scores[first].date, s.date), PainLevel: s.level})
	}
	return nil
}

// sentTwice returns the index in scores of one that s repeats, the same
// Observation (the same id, not "") with the same date, time and score,
// or -1. Counted twice, it would add a check-in the patient never made,
// and push an older score out of the programme's latest
// recommend.MaxCheckIns.
func sentTwice(scores []painScore, s painScore) int {
	if s.id == "" {
		return -1
	}
	return slices.IndexFunc(scores, func(o painScore) bool {
		return o.id == s.id && o.date.Equal(s.date) && o.at.Equal(s.at) && o.level == s.level
	})
}

// newestFirst reports whether scores, in the Bundle's order, are by day
// newest first, as the prefetch asks (_sort=-date).
func newestFirst(scores []painScore) bool {
	for i := 1; i < len(scores); i++ {
		if scores[i].date.After(scores[i-1].date) {
			return false
		}
	}
	return true
}

// readPainScore reads a pain score from Observation o. It returns the
// score, or whether to leave o out (skip), or why it cannot be read; and,
// for a score read although its coding does not say LOINC in the LOINC
// system's own address (a code 72514-3 with no system, or with LOINC
// written another way), why it was read all the same (assumed).
func readPainScore(o fhirObservation) (s painScore, skip bool, why, assumed string) {
	counts, known := observationStatuses[o.Status]
	switch {
	case o.Status == "":
		return s, false, "status is missing", ""
	case !known:
		return s, false, fmt.Sprintf("status %s is not an Observation status of FHIR R4", quote(o.Status)), ""
	case !counts:
		return s, true, "status is " + o.Status, ""
	}
	pain, other := false, ""
	if o.Code != nil {
		for _, cd := range o.Code.Coding {
			switch {
			case cd.System == loincSystem && cd.Code == loincPainCode:
				pain = true
			case strings.TrimSpace(cd.Code) == loincPainCode && (cd.System == "" || loincSpelling(cd.System)):
				if other == "" {
					if cd.System == "" {
						other = "its coding of code " + loincPainCode + " has no system"
					} else {
						other = "its coding of code " + loincPainCode + " has the system " + quote(cd.System) + ", not " + quote(loincSystem)
					}
				}
			}
		}
	}
	if !pain && other != "" {
		// Most likely the pain score the search asked for: read, so that
		// a review its trend calls for stands, and said.
		assumed = other + ": read as LOINC " + loincPainCode + " (pain severity, 0 to 10); check the coding on the chart"
		pain = true
	}
	if !pain {
		// The search asked for LOINC 72514-3 only: an Observation of
		// another code in its answer may be a pain score under another
		// code, and is not left out in silence.
		return s, false, "its code has no coding of LOINC " + loincPainCode + " (pain severity, 0 to 10): it is not read as a pain score", ""
	}
	s, why = readPainValue(o, s)
	if why == "skip" {
		return s, true, "it has no value, and a dataAbsentReason", ""
	}
	return s, false, why, assumed
}

// loincSpelling reports whether system, not loincSystem, is LOINC written
// another way: another case, https, a trailing slash, its OID.
func loincSpelling(system string) bool {
	s := strings.ToLower(strings.TrimSpace(system))
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "http://"), "https://"), "/")
	return s == "loinc.org" || s == "www.loinc.org" || s == "loinc" || s == "urn:oid:2.16.840.1.113883.6.1"
}

// scoreUnits are the units (valueQuantity.code, or unit when it has no
// code) of a 0 to 10 score, lower case: UCUM's {score} and 1, and the
// words a client writes.
var scoreUnits = map[string]bool{"": true, "1": true, "{score}": true, "score": true, "{score}/10": true, "/10": true, "points": true}

// readPainValue reads the value and date of pain score o into s, or says
// why they cannot be read ("skip" when o has no value for a stated
// reason).
func readPainValue(o fhirObservation, s painScore) (painScore, string) {
	var v *float64
	switch {
	case o.ValueQuantity != nil && o.ValueInteger != nil:
		return s, "it has both valueQuantity and valueInteger: an Observation has one value"
	case o.ValueQuantity != nil:
		v = o.ValueQuantity.Value
		if v == nil {
			return s, "valueQuantity has no value"
		}
		if c := o.ValueQuantity.Comparator; c != nil && *c != "" {
			// "< 5" or ">= 7" is not a score of 5 or 7: read as one, it
			// could make a rise look flat.
			return s, fmt.Sprintf("valueQuantity has the comparator %s: the value %s is a bound, not a score", quote(*c), strconv.FormatFloat(*v, 'g', -1, 64))
		}
		for _, unit := range []*string{o.ValueQuantity.Code, o.ValueQuantity.Unit} {
			if unit == nil || scoreUnits[strings.ToLower(strings.TrimSpace(*unit))] {
				continue
			}
			// A 100 mm visual analogue scale, a percentage or another
			// measure is not the 0 to 10 rating scale of LOINC 72514-3:
			// not converted, and not read as one.
			return s, fmt.Sprintf("its unit %s is not that of a 0 to 10 pain score ({score}, 1 or none): the value %s is not read as one", quote(*unit), strconv.FormatFloat(*v, 'g', -1, 64))
		}
	case o.ValueInteger != nil:
		v = o.ValueInteger
	case o.DataAbsentReason != nil:
		return s, "skip"
	default:
		return s, "it has no valueQuantity or valueInteger: a pain score is a number from 0 to 10"
	}
	if *v != math.Trunc(*v) || *v < 0 || *v > 10 {
		return s, fmt.Sprintf("the value %s is not a whole number from 0 to 10", strconv.FormatFloat(*v, 'g', -1, 64))
	}
	s.level = int(*v)
	date, field := o.EffectiveDateTime, "effectiveDateTime"
	switch {
	case date != "":
	case o.EffectiveInstant != "":
		date, field = o.EffectiveInstant, "effectiveInstant"
	case o.EffectivePeriod != nil && o.EffectivePeriod.Start != "":
		date, field = o.EffectivePeriod.Start, "effectivePeriod.start"
	default:
		return s, "it has no effectiveDateTime, effectiveInstant or effectivePeriod.start: a pain score needs its date"
	}
	mm := fhirDateTime.FindStringSubmatch(date)
	if mm == nil {
		return s, fmt.Sprintf("%s %s does not give a day (YYYY-MM-DD)", field, quote(date))
	}
	y, _ := strconv.Atoi(mm[1])
	mo, _ := strconv.Atoi(mm[2])
	d, _ := strconv.Atoi(mm[3])
	if d > daysIn(y, time.Month(mo)) {
		return s, fmt.Sprintf("%s %s is not a day of the calendar", field, quote(date))
	}
	// The day as the client wrote it, in the patient's time zone.
	s.date = time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if mm[4] != "" {
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, date); err == nil {
				s.at = t
				break
			}
		}
	}
	return s, ""
}

// future reports whether day, a date at midnight UTC as the client wrote
// it, comes after the day of now with a day's leeway, since the client
// writes the day in the patient's time zone, which may be ahead of UTC.
func future(day, now time.Time) bool {
	today := now.UTC().Truncate(24 * time.Hour)
	return day.After(today.AddDate(0, 0, 1))
}

// days returns the whole days from a to b, dates at midnight UTC.
func days(a, b time.Time) int {
	return int(b.Sub(a).Hours() / 24)
}

// entryIndex returns N of a path "...entry[N].resource", or -1.
func entryIndex(path string) int {
	var n int
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '[' {
			if _, err := fmt.Sscanf(path[i:], "[%d]", &n); err == nil {
				return n
			}
			return -1
		}
	}
	return -1
}

// logPainScores logs the pain scores that could not be read, were left
// out, or were read although their coding lacks the LOINC system: one
// line, a warning when any could not be read or was assumed, with the
// entry of each and whether it was unread, assumed or skipped. The reasons stay in the
// response: they quote a score's value or date, which the log never
// holds (a date of care can identify a person).
func logPainScores(ctx context.Context, log *slog.Logger, hookInstance string, m *Mapping) {
	notes := make([]string, 0, len(m.UnreadPainScores)+len(m.AssumedPainScores)+len(m.SkippedPainScores))
	for _, n := range m.UnreadPainScores {
		notes = append(notes, n.Entry+": unread")
	}
	for _, n := range m.AssumedPainScores {
		notes = append(notes, n.Entry+": assumed")
	}
	for _, n := range m.SkippedPainScores {
		notes = append(notes, n.Entry+": skipped")
	}
	logEntries(ctx, log, hookInstance, "pain scores unread, assumed or skipped", len(m.UnreadPainScores)+len(m.AssumedPainScores) > 0,
		"pain_scores", notes, slog.Int("unread", len(m.UnreadPainScores)), slog.Int("assumed", len(m.AssumedPainScores)), slog.Int("skipped", len(m.SkippedPainScores)))
}
