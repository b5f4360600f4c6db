package cdshooks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/backrules/backrules/recommend"
)

// The prefetch keys the service asks for in discovery, and reads.
const (
	PrefetchPatient    = "patient"
	PrefetchConditions = "conditions"
)

// Coding is a code of a terminology, as a FHIR Coding writes it.
type Coding struct {
	// System is the code system's URI.
	System string `json:"system,omitempty"`
	// Code is the code.
	Code string `json:"code,omitempty"`
	// Display is the client's name for the code, if it gave one.
	Display string `json:"display,omitempty"`
}

// Mapping is what a request says about the patient, as backrules reads it.
type Mapping struct {
	// Profile holds the conditions and red flags of the patient's active
	// conditions, in vocabulary order, and the age from the birth date.
	// The other fields are not in the prefetch data and stay zero.
	Profile recommend.Profile `json:"profile"`
	// Unknown are the codes of active conditions that no vocabulary
	// term has, without repeats, in the order met.
	Unknown []Coding `json:"unknown_codes"`
	// Skipped counts the Condition resources left out because they are
	// not active, or are refuted or entered in error.
	Skipped int `json:"skipped_conditions"`
}

// The FHIR R4 resources, as far as the service reads them.
type (
	fhirResource struct {
		ResourceType string `json:"resourceType"`
	}
	fhirOutcome struct {
		Issue []struct {
			Severity string `json:"severity"`
		} `json:"issue"`
	}
	fhirPatient struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		BirthDate    string `json:"birthDate"`
	}
	fhirBundle struct {
		ResourceType string `json:"resourceType"`
		Link         []struct {
			Relation string `json:"relation"`
		} `json:"link"`
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	fhirConcept struct {
		Coding []Coding `json:"coding"`
	}
	fhirCondition struct {
		ResourceType       string       `json:"resourceType"`
		ClinicalStatus     *fhirConcept `json:"clinicalStatus"`
		VerificationStatus *fhirConcept `json:"verificationStatus"`
		Code               *fhirConcept `json:"code"`
		Subject            *struct {
			Reference string `json:"reference"`
		} `json:"subject"`
	}
)

// The code systems of Condition.clinicalStatus and verificationStatus.
const (
	clinicalSystem     = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	verificationSystem = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
)

// term is a vocabulary term a code stands for.
type term struct {
	redFlag bool
	index   int // in the vocabulary's list
}

// MapRequest reads the patient-view context and the patient and conditions
// prefetch of a request into a profile, with the vocabulary's codes:
//
//   - context.patientId is required;
//   - prefetch.patient and prefetch.conditions are required: a key that is
//     missing, or an OperationOutcome in its place, is a *RequestError
//     matching ErrMissingPrefetch (412); JSON null, which CDS Hooks uses
//     for "no data", means no birth date or no conditions;
//   - the patient's birthDate gives the age on the day now falls on: the
//     age the patient has certainly reached, so a birth year alone gives
//     the age on the last day of that year;
//   - the patient's gender gives the profile's sex when it is "female" or
//     "male" and the vocabulary declares that value under sex; any other
//     gender ("other", "unknown", none) leaves sex not stated;
//   - each Condition in the conditions Bundle counts when its
//     clinicalStatus is active, recurrence or relapse and its
//     verificationStatus is not refuted or entered-in-error; each coding
//     of its code that a vocabulary term of conditions or red_flags has
//     adds that term; every other coding is listed in Mapping.Unknown;
//   - a Bundle with a next link is only a page of the conditions, and one
//     with an OperationOutcome entry of severity error or fatal says the
//     search failed in part: both are a 412, since the service cannot
//     fetch the rest;
//   - a patient or a Condition subject that is not the patient in context
//     is a 400, and so is a value of the wrong type, naming its path.
//
// Other resources in the Bundle, and OperationOutcome entries that only
// warn or inform, are ignored. Problems are *RequestError
// values.
func MapRequest(req *Request, vocab recommend.Vocabulary, now time.Time) (*Mapping, error) {
	if req == nil {
		return nil, badRequest("", "no request")
	}
	pid, err := patientID(req)
	if err != nil {
		return nil, err
	}
	rawPatient, ok := req.Prefetch[PrefetchPatient]
	if !ok {
		return nil, missingPrefetch("prefetch."+PrefetchPatient, "missing: this service needs the patient (Patient/{{context.patientId}}) to know the age; send it, or null when there is no patient data")
	}
	rawConditions, ok := req.Prefetch[PrefetchConditions]
	if !ok {
		return nil, missingPrefetch("prefetch."+PrefetchConditions, "missing: this service needs the active conditions (Condition?patient={{context.patientId}}&clinical-status=active); without them it cannot tell a red flag from none")
	}
	m := &Mapping{Unknown: []Coding{}}
	if m.Profile.Age, err = patientAge(rawPatient, pid, now); err != nil {
		return nil, err
	}
	m.Profile.Sex = patientSex(rawPatient, vocab)
	if err := m.conditions(rawConditions, pid, codeIndex(vocab), vocab); err != nil {
		return nil, err
	}
	return m, nil
}

// patientID returns context.patientId.
func patientID(req *Request) (string, error) {
	raw, ok := req.Context["patientId"]
	if !ok || isNull(raw) {
		return "", badRequest("context.patientId", "missing: patient-view gives the id of the patient in view")
	}
	var pid string
	if err := decodeAt(raw, "context.patientId", &pid); err != nil {
		return "", err
	}
	if strings.TrimSpace(pid) == "" {
		return "", badRequest("context.patientId", "must not be empty")
	}
	return pid, nil
}

// codes finds the term a coding stands for: exactly, or as a subcode of a
// category given with subcodes: true, the longest such category first.
type codes struct {
	exact      map[[2]string]term
	categories []category // longest code first
}

// category is a code given with subcodes: true.
type category struct {
	system, code string
	term         term
}

// codeIndex indexes the codes of the conditions and red flags.
func codeIndex(v recommend.Vocabulary) *codes {
	idx := &codes{exact: map[[2]string]term{}}
	add := func(ts []recommend.Term, redFlag bool) {
		for i, t := range ts {
			for _, c := range t.Codes {
				tm := term{redFlag: redFlag, index: i}
				idx.exact[[2]string{c.System, c.Code}] = tm
				if c.Subcodes {
					idx.categories = append(idx.categories, category{c.System, c.Code, tm})
				}
			}
		}
	}
	add(v.Conditions, false)
	add(v.RedFlags, true)
	slices.SortStableFunc(idx.categories, func(a, b category) int { return len(b.code) - len(a.code) })
	return idx
}

// lookup returns the term system and code stand for, and whether there is
// one.
func (idx *codes) lookup(system, code string) (term, bool) {
	if t, ok := idx.exact[[2]string{system, code}]; ok {
		return t, true
	}
	for _, c := range idx.categories {
		if c.system == system && strings.HasPrefix(code, c.code) {
			return c.term, true
		}
	}
	return term{}, false
}

// unavailable is the 412 for a prefetch key holding an OperationOutcome.
func unavailable(key string) error {
	return missingPrefetch("prefetch."+key, "the client sent an OperationOutcome instead of the data: it could not fetch it, and the service does not guess without it")
}

// patientAge reads the age from the patient prefetch.
func patientAge(raw json.RawMessage, pid string, now time.Time) (int, error) {
	const at = "prefetch." + PrefetchPatient
	if isNull(raw) {
		return 0, nil
	}
	var p fhirPatient
	if err := decodeAt(raw, at, &p); err != nil {
		return 0, err
	}
	switch p.ResourceType {
	case "Patient":
	case "OperationOutcome":
		return 0, unavailable(PrefetchPatient)
	default:
		return 0, badRequest(at+".resourceType", "must be \"Patient\", found %s", quote(p.ResourceType))
	}
	if p.ID != "" && p.ID != pid {
		return 0, badRequest(at+".id", "%s is not the patient in context (context.patientId %s)", quote(p.ID), quote(pid))
	}
	if p.BirthDate == "" {
		return 0, nil
	}
	age, err := ageOn(p.BirthDate, now)
	if err != nil {
		return 0, badRequest(at+".birthDate", "%s", err)
	}
	return age, nil
}

// patientSex reads the profile's sex from the patient prefetch, which
// patientAge has already checked: FHIR's administrative gender "female" or
// "male", when the vocabulary declares that value; "" (not stated)
// otherwise.
func patientSex(raw json.RawMessage, vocab recommend.Vocabulary) string {
	var p struct {
		Gender string `json:"gender"`
	}
	if isNull(raw) || json.Unmarshal(raw, &p) != nil {
		return ""
	}
	if (p.Gender == "female" || p.Gender == "male") && vocab.Label("sex", p.Gender) != "" {
		return p.Gender
	}
	return ""
}

// fhirDate is a FHIR date: a year, a year and month, or a full date.
var fhirDate = regexp.MustCompile(`^([0-9]{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12][0-9]|3[01]))?)?$`)

// ageOn returns the age on now's date of a person born on the FHIR date
// birth: for a partial date, the age the person has certainly reached.
func ageOn(birth string, now time.Time) (int, error) {
	m := fhirDate.FindStringSubmatch(birth)
	if m == nil {
		return 0, fmt.Errorf("%s is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)", quote(birth))
	}
	year, _ := strconv.Atoi(m[1])
	month, day := 12, 31
	if m[2] != "" {
		month, _ = strconv.Atoi(m[2])
		day = daysIn(year, time.Month(month))
	}
	if m[3] != "" {
		day, _ = strconv.Atoi(m[3])
		if day > daysIn(year, time.Month(month)) {
			return 0, fmt.Errorf("%s is not a day of the calendar", quote(birth))
		}
	}
	ny, nm, nd := now.Date()
	if m[2] == "" && m[3] == "" && year == ny || m[3] == "" && year == ny && month == int(nm) {
		// Born this year, or this month: at most a few months old, which
		// a profile records as unknown (0); the latest day of the period
		// may still be ahead.
		return 0, nil
	}
	if year > ny || year == ny && (month > int(nm) || month == int(nm) && day > nd) {
		return 0, fmt.Errorf("%s is after today (%04d-%02d-%02d)", quote(birth), ny, nm, nd)
	}
	age := ny - year
	if int(nm) < month || int(nm) == month && nd < day {
		age--
	}
	if age > recommend.MaxAge {
		return 0, fmt.Errorf("%s gives an age of %d, over %d", quote(birth), age, recommend.MaxAge)
	}
	return age, nil
}

// daysIn returns the number of days in a month.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// conditions reads the conditions prefetch into the profile.
func (m *Mapping) conditions(raw json.RawMessage, pid string, idx *codes, vocab recommend.Vocabulary) error {
	const at = "prefetch." + PrefetchConditions
	if isNull(raw) {
		return nil
	}
	var b fhirBundle
	if err := decodeAt(raw, at, &b); err != nil {
		return err
	}
	switch b.ResourceType {
	case "Bundle":
	case "OperationOutcome":
		return unavailable(PrefetchConditions)
	default:
		return badRequest(at+".resourceType", "must be \"Bundle\", the result of the search, found %s", quote(b.ResourceType))
	}
	for _, l := range b.Link {
		if l.Relation == "next" {
			return missingPrefetch(at, "the Bundle is one page of several (it has a next link): the service cannot fetch the rest, and a red flag may be on another page; send every active condition in one Bundle")
		}
	}
	var conds, flags []bool
	conds = make([]bool, len(vocab.Conditions))
	flags = make([]bool, len(vocab.RedFlags))
	seen := map[[2]string]bool{}
	for i, e := range b.Entry {
		path := fmt.Sprintf("%s.entry[%d].resource", at, i)
		if isNull(e.Resource) {
			continue
		}
		var r fhirResource
		if err := decodeAt(e.Resource, path, &r); err != nil {
			return err
		}
		if r.ResourceType == "OperationOutcome" {
			// The search's own outcome: a warning or a note is fine, but
			// an error means the client could not fetch every condition.
			if err := failedSearch(e.Resource, path); err != nil {
				return err
			}
			continue
		}
		if r.ResourceType != "Condition" {
			continue // an included resource
		}
		var c fhirCondition
		if err := decodeAt(e.Resource, path, &c); err != nil {
			return err
		}
		if c.Subject != nil && c.Subject.Reference != "" && !refersTo(c.Subject.Reference, pid) {
			return badRequest(path+".subject.reference", "%s is not the patient in context (Patient/%s)", quote(c.Subject.Reference), pid)
		}
		if !active(c) {
			m.Skipped++
			continue
		}
		if c.Code == nil {
			continue
		}
		for _, cd := range c.Code.Coding {
			key := [2]string{cd.System, cd.Code}
			if t, ok := idx.lookup(cd.System, cd.Code); ok {
				if t.redFlag {
					flags[t.index] = true
				} else {
					conds[t.index] = true
				}
				continue
			}
			if cd.Code == "" || seen[key] {
				continue
			}
			seen[key] = true
			m.Unknown = append(m.Unknown, cd)
		}
	}
	for i, on := range conds {
		if on {
			m.Profile.Conditions = append(m.Profile.Conditions, vocab.Conditions[i].ID)
		}
	}
	for i, on := range flags {
		if on {
			m.Profile.RedFlags = append(m.Profile.RedFlags, vocab.RedFlags[i].ID)
		}
	}
	return nil
}

// failedSearch returns a 412 when the OperationOutcome raw, found at
// path in the conditions Bundle, has an issue of severity error or fatal:
// the search did not return every condition, and a red flag may be among
// those it missed.
func failedSearch(raw json.RawMessage, path string) error {
	var oo fhirOutcome
	if err := decodeAt(raw, path, &oo); err != nil {
		return err
	}
	for _, is := range oo.Issue {
		if is.Severity == "error" || is.Severity == "fatal" {
			return missingPrefetch(path, "an OperationOutcome of severity %s: the client could not fetch every active condition, and the service does not guess without them", is.Severity)
		}
	}
	return nil
}

// refersTo reports whether a reference, relative or absolute, and with or
// without a version ("Patient/p/_history/2"), is to Patient/pid.
func refersTo(ref, pid string) bool {
	if i := strings.LastIndex(ref, "/_history/"); i >= 0 {
		ref = ref[:i]
	}
	want := "Patient/" + pid
	return ref == want || strings.HasSuffix(ref, "/"+want)
}

// active reports whether a Condition counts: its clinical status is
// active (or its kinds, recurrence and relapse), and its verification
// status does not say it is refuted or entered in error.
func active(c fhirCondition) bool {
	if c.VerificationStatus != nil {
		for _, cd := range c.VerificationStatus.Coding {
			if cd.System == verificationSystem && (cd.Code == "refuted" || cd.Code == "entered-in-error") {
				return false
			}
		}
	}
	if c.ClinicalStatus == nil {
		return false
	}
	for _, cd := range c.ClinicalStatus.Coding {
		if cd.System == clinicalSystem && (cd.Code == "active" || cd.Code == "recurrence" || cd.Code == "relapse") {
			return true
		}
	}
	return false
}
